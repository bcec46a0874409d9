/* capless.c - an LD_PRELOAD library that makes KVM lack one capability.
 *
 * KVM_CHECK_EXTENSION of the capability numbered in the environment
 * variable CAPLESS_CAP answers 0, as a KVM without it would; every other
 * ioctl goes to the C library's. tests/cases/55-mmio.sh uses it to check
 * what chapter 09 says when KVM_CAP_READONLY_MEM, KVM_CAP_COALESCED_MMIO
 * or KVM_CAP_IOEVENTFD is missing, on a host whose KVM has all three. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <linux/kvm.h>

int ioctl(int fd, unsigned long request, ...);

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, void *);
	const char *cap = getenv("CAPLESS_CAP");
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == KVM_CHECK_EXTENSION && cap && (long)arg == atol(cap))
		return 0;
	if (!real)
		real = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
	return real(fd, request, arg);
}
