/* kick.c - what it costs to get a vCPU out of KVM_RUN, the way chapter 12
 * stops its threads: immediate_exit set, then a signal to the vCPU's
 * thread. Not a chapter; make bench runs it (part 5).
 *
 * One VM, one vCPU (vCPU 0, runnable from the start), one thread that
 * runs it, and a main thread that kicks it, ROUNDS times for each case:
 *
 *   spin    the guest loops (jmp $): the thread is inside KVM_RUN with the
 *           guest running; the kick's signal must bring it out of guest
 *           mode
 *   halt    the guest halts with interrupts off (cli; hlt), and the VM has
 *           the in-kernel irqchip (KVM_CREATE_IRQCHIP), so HLT sleeps in
 *           the kernel (kvm_vcpu_block()); the signal must wake it
 *   ready   no thread, no signal: KVM_RUN called with immediate_exit
 *           already 1, which returns EINTR at once (the path that closes
 *           the race of a kick that comes between two KVM_RUNs)
 *
 * A kick is timed from just before immediate_exit is set to the moment
 * the vCPU's thread has KVM_RUN's EINTR back, both read from
 * CLOCK_MONOTONIC. Before each kick the main thread waits until the thread
 * says it is about to call KVM_RUN, then 200 us more, so that the vCPU is
 * surely inside (in the guest, or asleep).
 *
 * Prints one line per case: the case, the median, the minimum and the
 * maximum in microseconds, and the number of rounds. Exit status 0, 69 if
 * KVM cannot be used, 71 if a request fails.
 *
 * usage: kick [ROUNDS]   (default 200) */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE 0x10000
#define LOAD_AT 0x1000
#define MAX_ROUNDS 100000

struct vcpu {
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	sem_t go, done;
	int ready;            /* atomic: 1 just before KVM_RUN */
	int rounds;
	double returned_at;   /* when KVM_RUN gave EINTR, in seconds */
	int failed;           /* errno of a KVM_RUN that did not give EINTR */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_kick(int sig)
{
	(void)sig;
}

static int fail(const char *what)
{
	fprintf(stderr, "kick: %s: %s\n", what, strerror(errno));
	return 71;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	for (int i = 0; i < v->rounds; i++) {
		sem_wait(&v->go);
		__atomic_store_n(&v->ready, 1, __ATOMIC_SEQ_CST);
		if (ioctl(v->fd, KVM_RUN, NULL) < 0 && errno == EINTR) {
			v->returned_at = now();
		} else {
			v->failed = errno ? errno : EIO;
			v->returned_at = now();
		}
		__atomic_store_n(&v->ready, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		sem_post(&v->done);
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *us, int n)
{
	qsort(us, (size_t)n, sizeof(*us), by_value);
	printf("%s %.1f %.1f %.1f %d\n", what, us[n / 2], us[0], us[n - 1], n);
}

/* One VM with the guest CODE at LOAD_AT in real mode, CS base 0. */
static int make_vm(int kvm, int run_size, const uint8_t *code, size_t len, bool irqchip,
		   struct vcpu *v)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint8_t *mem;
	int vm;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return -1;
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		return -1;
	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return -1;
	mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	memcpy(mem + LOAD_AT, code, len);
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -1;
	v->fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (v->fd < 0)
		return -1;
	v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return -1;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = LOAD_AT;
	regs.rflags = 2;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -1;
	return vm;
}

/* ROUNDS kicks of a thread whose vCPU runs CODE; the times into US. */
static int kick_rounds(int kvm, int run_size, const uint8_t *code, size_t len,
		       bool irqchip, int rounds, double *us)
{
	struct timespec settle = { 0, 200000 };
	struct vcpu v = { .rounds = rounds };
	int vm = make_vm(kvm, run_size, code, len, irqchip, &v);

	if (vm < 0)
		return fail(irqchip ? "a VM with the irqchip" : "a VM");
	sem_init(&v.go, 0, 0);
	sem_init(&v.done, 0, 0);
	if ((errno = pthread_create(&v.thread, NULL, vcpu_thread, &v)) != 0)
		return fail("pthread_create");
	for (int i = 0; i < rounds; i++) {
		double kicked;

		sem_post(&v.go);
		while (!__atomic_load_n(&v.ready, __ATOMIC_SEQ_CST))
			;
		nanosleep(&settle, NULL);
		kicked = now();
		__atomic_store_n(&v.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(v.thread, SIGUSR1);
		sem_wait(&v.done);
		us[i] = (v.returned_at - kicked) * 1e6;
	}
	pthread_join(v.thread, NULL);
	if (v.failed) {
		errno = v.failed;
		return fail("KVM_RUN (it should have given EINTR)");
	}
	close(v.fd);
	close(vm);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };             /* jmp $ */
	static const uint8_t halt[] = { 0xfa, 0xf4, 0xeb, 0xfd }; /* cli; hlt; jmp back to hlt */
	static double us[MAX_ROUNDS];
	struct sigaction sa = { .sa_handler = on_kick };
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	int kvm, run_size, r;
	struct vcpu v = { 0 };

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "kick: ROUNDS must be 1 to %d, not '%s'\n", MAX_ROUNDS, argv[1]);
		return 64;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, NULL) != 12) {
		fprintf(stderr, "kick: /dev/kvm cannot be used: %s\n", strerror(errno));
		return 69;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (run_size < 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	if ((r = kick_rounds(kvm, run_size, spin, sizeof(spin), false, rounds, us)) != 0)
		return r;
	report("spin", us, rounds);
	if ((r = kick_rounds(kvm, run_size, halt, sizeof(halt), true, rounds, us)) != 0)
		return r;
	report("halt", us, rounds);

	/* No thread: KVM_RUN with immediate_exit already set, in this one. */
	if (make_vm(kvm, run_size, spin, sizeof(spin), false, &v) < 0)
		return fail("a VM");
	v.run->immediate_exit = 1;
	for (int i = 0; i < rounds; i++) {
		double began = now();

		if (ioctl(v.fd, KVM_RUN, NULL) == 0 || errno != EINTR)
			return fail("KVM_RUN with immediate_exit (it should have given EINTR)");
		us[i] = (now() - began) * 1e6;
	}
	report("ready", us, rounds);
	return 0;
}
