/* bad-exit-io.c - preloaded into a chapter program (LD_PRELOAD), it makes
 * one KVM_EXIT_IO describe data that is not all inside struct kvm_run, as
 * a buggy or hostile kernel might: the program must refuse it (chapter 07
 * checks, it does not trust; labs/tests/07-io-exits.sh grades that).
 *
 *   BAD_EXIT_IO=size     run->io.size is 3, a size no instruction has
 *   BAD_EXIT_IO=count    run->io.count is so large the data runs far past
 *                        the end of the mapping
 *   BAD_EXIT_IO=offset   run->io.data_offset is the size of the mapping:
 *                        the data starts just past its end
 *
 * The first KVM_EXIT_IO is changed, after KVM_RUN returned it; the kernel
 * keeps its own copy of the access, so nothing it does depends on ours.
 * The mapping of struct kvm_run is found by watching mmap() for a shared
 * mapping of a vCPU fd (anon_inode:kvm-vcpu:N). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int vcpu_fd = -1;
static struct kvm_run *vcpu_run;
static size_t vcpu_run_size;
static int done;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);
	char link[64], target[128];
	void *got;
	ssize_t n;

	if (!real)
		real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	got = real(addr, len, prot, flags, fd, off);
	if (got == MAP_FAILED || fd < 0 || !(flags & MAP_SHARED))
		return got;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strncmp(target, "anon_inode:kvm-vcpu", 19) == 0) {
			vcpu_fd = fd;
			vcpu_run = got;
			vcpu_run_size = len;
		}
	}
	return got;
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, void *);
	const char *mode = getenv("BAD_EXIT_IO");
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
	ret = real(fd, request, arg);
	if (ret != 0 || request != KVM_RUN || fd != vcpu_fd || !vcpu_run || done ||
	    !mode || vcpu_run->exit_reason != KVM_EXIT_IO)
		return ret;
	done = 1;
	if (strcmp(mode, "size") == 0)
		vcpu_run->io.size = 3;
	else if (strcmp(mode, "count") == 0)
		vcpu_run->io.count = 0x10000000u;
	else if (strcmp(mode, "offset") == 0)
		vcpu_run->io.data_offset = vcpu_run_size;
	return ret;
}
