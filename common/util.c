/* util.c - messages and exit statuses (see util.h). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *progname = "kvm-steps";

static int stdout_errno; /* why standard output first failed, 0 if it has not */
static bool dying;       /* die() is on its way out with its own status */
static void (*die_cleanup)(void);

/* The first failure is kept; several threads may report one (chapter 12). */
static void keep_first(int err)
{
	int none = 0;

	__atomic_compare_exchange_n(&stdout_errno, &none, err, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int stdout_flush(void)
{
	errno = 0;
	if (fflush(stdout) != 0)
		keep_first(errno ? errno : EIO);
	if (ferror(stdout))
		keep_first(EIO); /* failed earlier, and nobody kept the reason */
	return __atomic_load_n(&stdout_errno, __ATOMIC_SEQ_CST);
}

void stdout_failed(int err)
{
	keep_first(err ? err : EIO);
}

const char *stdout_hint(int err)
{
	switch (err) {
	case EPIPE:
		return "; the program reading the pipe stopped reading";
	case EBADF:
		return "; standard output is closed (was the program started with >&-?)";
	default:
		return "";
	}
}

/* A program whose output is the lesson must not report success when the
 * output went nowhere (a full disk, a closed pipe, a closed descriptor). */
static void check_stdout_at_exit(void)
{
	int err;

	if (dying)
		return; /* die() has said what went wrong and chosen the status */
	err = stdout_flush();
	if (err == 0)
		return;
	fprintf(stderr, "%s: cannot write standard output: %s%s\n", progname,
		strerror(err), stdout_hint(err));
	/* exit() may not be called again from an atexit handler */
	_exit(EXIT_OUTPUT);
}

/* If the caller closed descriptor 0, 1 or 2, the next open() (of /dev/kvm,
 * say) would get that number, and output meant for the terminal would be
 * written to the KVM device. Hold each closed one with /dev/null opened
 * the wrong way round, so that using it still fails with EBADF just as a
 * closed descriptor does, and the program reports that. */
static void hold_standard_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
		if (got != fd) /* open() takes the lowest free number: fd */
			_exit(EXIT_OUTPUT); /* no /dev/null: nowhere to say so */
	}
}

void prog_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0 && *argv0)
		progname = slash ? slash + 1 : argv0;
	hold_standard_fds();
	/* A reader that goes away (a closed pipe) must give a write error we
	 * report with status 74, not a SIGPIPE that kills us without a word. */
	signal(SIGPIPE, SIG_IGN);
	atexit(check_stdout_at_exit);
}

static void vmessage(const char *fmt, va_list ap)
{
	/* Guest output may be waiting in stdout's buffer: let it go first, so
	 * the message lands after what the guest printed before it failed. A
	 * failure is remembered for whoever reports it (serial_flush, exit). */
	stdout_flush();
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	dying = true;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	if (die_cleanup) {
		void (*cleanup)(void) = die_cleanup;

		die_cleanup = NULL; /* a die() inside it must not come back here */
		cleanup();
	}
	exit(status);
}

void die_set_cleanup(void (*fn)(void))
{
	die_cleanup = fn;
}

void lab_todo(const char *chapter, const char *where, const char *what)
{
	die(EXIT_NOT_WRITTEN, "chapter %s: this stage is not written yet: %s: %s",
	    chapter, where, what);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

void fd_show(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die(EXIT_KVM_ERROR, "cannot read %s: %s", link, strerror(errno));
	target[n] = '\0';
	printf("  %s -> %s\n", link, target);
}
