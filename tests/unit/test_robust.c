/* test_robust.c - KVM-free unit tests of what keeps the programs sound
 * when things go wrong: the timer after the run, standard descriptors
 * that were closed, standard output that fails, die()'s cleanup. Each
 * runs in a child process, so a crash is a failed check, not a lost run. */
#include "check.h"

#include "kvm.h"
#include "run.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Run f in a child; its exit status, or 128 + the signal that killed it. */
static int in_child(int (*f)(void))
{
	int status;
	pid_t pid;

	fflush(stdout); /* or the child would print our buffered lines again */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(f());
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The fuzzer found it: a guest that crashed just before --timeout ran
 * out left the timer armed; it fired after vcpu_close() had unmapped
 * struct kvm_run, and the signal handler wrote into the hole. */
static int timer_after_close(void)
{
	struct kvm_vcpu vcpu = { .fd = -1 };
	struct timespec wait = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };

	vcpu.run_size = (size_t)sysconf(_SC_PAGESIZE);
	vcpu.run = mmap(NULL, vcpu.run_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vcpu.run == MAP_FAILED)
		return 2;
	timeout_start(&vcpu, 0.02);
	vcpu_close(&vcpu);
	/* long past the timeout: a signal now would end the sleep early */
	while (nanosleep(&wait, &wait) < 0)
		if (errno != EINTR || timeout_expired())
			return 3;
	return timeout_expired() ? 3 : 0;
}

/* A closed standard output must not be given to the next open(). */
static int closed_stdout(void)
{
	int fd;

	close(STDOUT_FILENO);
	prog_init("test");
	fd = open("/dev/null", O_RDONLY);
	if (fd == STDOUT_FILENO)
		return 2;
	if (write(STDOUT_FILENO, "x", 1) >= 0 || errno != EBADF)
		return 3; /* it must still fail as a closed descriptor does */
	return 0;
}

/* stdout_flush() names the first failure, not whatever errno is later. */
static int full_stdout(void)
{
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		return 2;
	printf("lost");
	if (stdout_flush() != ENOSPC)
		return 3;
	errno = EINTR;
	if (stdout_flush() != ENOSPC)
		return 4;
	return 0;
}

static void cleanup_marker(void)
{
	_exit(42);
}

static int die_runs_cleanup(void)
{
	int null = open("/dev/null", O_WRONLY);

	dup2(null, STDERR_FILENO); /* the message is not what is tested */
	die_set_cleanup(cleanup_marker);
	die(EXIT_CRASHED, "on purpose");
}

/* What kvm_die_open() says for a device that does not exist: the message
 * it printed (stderr to a file), and whether it names the cause. */
static const char *missing_device_path;
static const char *missing_device_says;

static int missing_device(void)
{
	char text[512];
	FILE *f = tmpfile();
	ssize_t n;

	if (f == NULL || dup2(fileno(f), STDERR_FILENO) < 0)
		return 2;
	if (fork() == 0)
		kvm_die_open(missing_device_path, ENOENT); /* exits 69 */
	wait(NULL);
	n = pread(fileno(f), text, sizeof(text) - 1, 0);
	if (n <= 0)
		return 3;
	text[n] = '\0';
	return strstr(text, missing_device_says) ? 0 : 4;
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	CHECK_EQ("robust: no SIGALRM reaches struct kvm_run after vcpu_close()", 0,
		 in_child(timer_after_close));
	CHECK_EQ("robust: a closed stdout is held, so open() skips fd 1, and writes fail EBADF", 0,
		 in_child(closed_stdout));
	CHECK_EQ("robust: stdout_flush() keeps the errno of the first failed write", 0,
		 in_child(full_stdout));
	CHECK_EQ("robust: die() runs the cleanup set with die_set_cleanup()", 42,
		 in_child(die_runs_cleanup));
	/* A missing /dev/kvm is the machine's; a missing --device PATH is
	 * most likely a typo, and is not blamed on the machine. */
	missing_device_path = KVM_DEFAULT_DEVICE;
	missing_device_says = "KVM is not available here: load the module";
	CHECK_EQ("robust: a missing /dev/kvm is blamed on KVM not being available", 0,
		 in_child(missing_device));
	missing_device_path = "/nonexistent/kvm";
	missing_device_says = "check the path given to --device";
	CHECK_EQ("robust: a missing --device PATH is called a path to check", 0,
		 in_child(missing_device));
	missing_device_says = "KVM is not available";
	CHECK_EQ("robust: a missing --device PATH is not blamed on KVM", 4,
		 in_child(missing_device));
	return check_failures ? 1 : 0;
}
