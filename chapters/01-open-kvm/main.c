/* Chapter 01: open the KVM device and ask what it can do.
 *
 * Every KVM monitor starts here: open /dev/kvm, check that the kernel
 * speaks API version 12, and ask which capabilities it has before relying
 * on them. All three are ioctls on the /dev/kvm file descriptor; the
 * kernel answers them in kvm_dev_ioctl() (virt/kvm/kvm_main.c). */
#include "kvm.h"
#include "options.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

// ANCHOR: open-device
static int open_device(const char *path)
{
	struct stat st;
	int fd;

	// LAB BEGIN: open path for reading and writing, close-on-exec; if that fails, call kvm_die_open(path, errno). Refuse anything that is not a character device.
	/* Read-write, as QEMU and kvmtool open it (KVM checks no file mode:
	 * O_RDONLY would create VMs too); close-on-exec, so a program this
	 * one starts never inherits the device. */
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kvm_die_open(path, errno); /* says what to do for ENOENT, EACCES */
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		close(fd);
		die(EXIT_NO_KVM, "%s is not a character device, so not a KVM "
		    "device: pass the KVM device with --device (normally /dev/kvm)",
		    path);
	}
	// LAB END
	printf("open(\"%s\", O_RDWR | O_CLOEXEC) = %d\n", path, fd);
	printf("  a character device, major %u minor %u (KVM registers itself as "
	       "misc device 10:232)\n\n", major(st.st_rdev), minor(st.st_rdev));
	return fd;
}
// ANCHOR_END: open-device

// ANCHOR: api-version
static void check_api_version(int fd, const char *path)
{
	int version;

	// LAB BEGIN: ask KVM_GET_API_VERSION; a failure means path is no KVM device (kvm_die_not_kvm); any version but KVM_STABLE_API_VERSION is refused with EXIT_NO_KVM.
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		int err = errno; /* /dev/null and plain files say ENOTTY */

		close(fd);
		kvm_die_not_kvm(path, err);
	}
	if (version != KVM_STABLE_API_VERSION) {
		close(fd);
		die(EXIT_NO_KVM, "%s speaks KVM API version %d; kvm-steps needs "
		    "version %d, the only stable one", path, version,
		    KVM_STABLE_API_VERSION);
	}
	// LAB END
	printf("ioctl(%d, KVM_GET_API_VERSION) = %d\n", fd, version);
	printf("  the one stable API version, unchanged since Linux 2.6.22\n\n");
}
// ANCHOR_END: api-version

// ANCHOR: capabilities
/* The capabilities later chapters rely on, and what each value means. */
static const struct {
	long cap;
	const char *name;
	const char *meaning;
} capabilities[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY",
	  "guest RAM can be memory this process maps (chapter 03)" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR",
	  "the VM takes a TSS address, for real mode on Intel (chapter 02)" },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS",
	  "memory slots per VM (chapter 03 uses one)" },
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS",
	  "vCPUs per VM the kernel recommends (chapter 04 makes one)" },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS",
	  "vCPUs per VM at most" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
	  "kvm_run.immediate_exit, to stop a running guest (chapter 06)" },
	{ KVM_CAP_COALESCED_MMIO, "KVM_CAP_COALESCED_MMIO",
	  "batched MMIO writes; the value is a page offset in the kvm_run mmap" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP",
	  "an interrupt controller inside the kernel (for later chapters)" },
	{ KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG",
	  "breakpoints and single-stepping from the host" },
};

static void show_capabilities(int fd)
{
	printf("ioctl(%d, KVM_CHECK_EXTENSION, capability) for what later chapters use:\n", fd);
	printf("  %-24s %5s  %s\n", "capability", "value", "meaning (0: not available)");
	for (size_t i = 0; i < sizeof(capabilities) / sizeof(capabilities[0]); i++) {
		/* 0 means no; a positive value means yes, and for some
		 * capabilities it is a number worth knowing. */
		int value = ioctl(fd, KVM_CHECK_EXTENSION, capabilities[i].cap);

		if (value < 0)
			die(EXIT_KVM_ERROR, "KVM_CHECK_EXTENSION(%s) failed: %s",
			    capabilities[i].name, strerror(errno));
		printf("  %-24s %5d  %s\n", capabilities[i].name, value,
		       capabilities[i].meaning);
	}
	printf("\n");
}
// ANCHOR_END: capabilities

// ANCHOR: mmap-size
static void show_vcpu_mmap_size(int fd)
{
	int size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (size < 0)
		die(EXIT_KVM_ERROR, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
	printf("ioctl(%d, KVM_GET_VCPU_MMAP_SIZE) = %d\n", fd, size);
	printf("  each vCPU shares its struct kvm_run with us through an mmap of this\n"
	       "  many bytes (%d pages of %ld); chapter 04 maps it\n\n",
	       size / (int)sysconf(_SC_PAGESIZE), sysconf(_SC_PAGESIZE));
}
// ANCHOR_END: mmap-size

// ANCHOR: backend
/* /dev/kvm is the same whichever module does the work: kvm.ko is the
 * common part, and one vendor module plugs into it. sysfs says which. */
static void show_backend(void)
{
	static const struct {
		const char *module;
		const char *meaning;
	} known[] = {
		{ "kvm_intel", "Intel VT-x: the CPU runs guest code natively and exits to KVM\n"
			       "  on the events KVM asked for (VMX root and non-root operation)" },
		{ "kvm_amd", "AMD SVM: the CPU runs guest code natively and exits to KVM\n"
			     "  on the intercepts KVM set (VMRUN and #VMEXIT)" },
	};
	char path[64];

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", known[i].module);
		if (access(path, F_OK) == 0) {
			printf("backend: %s (%s)\n  %s\n", known[i].module, path,
			       known[i].meaning);
			return;
		}
	}
	/* Neither vendor module: some other backend implements the same API. */
	static const char *const others[] = { "kvm_pvm" };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", others[i]);
		if (access(path, F_OK) == 0) {
			printf("backend: %s (%s)\n"
			       "  not VT-x or SVM: a software backend serves the same API without\n"
			       "  hardware virtualization; guests run slower, and a guest crash may\n"
			       "  come back as KVM_EXIT_INTERNAL_ERROR instead of KVM_EXIT_SHUTDOWN\n",
			       others[i], path);
			return;
		}
	}
	printf("backend: unknown (no kvm_intel, kvm_amd or kvm_pvm in /sys/module)\n"
	       "  KVM may be built into the kernel; the API is the same either way\n");
}
// ANCHOR_END: backend

int main(int argc, char **argv)
{
	struct options opts;
	int fd;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, 0,
		      "Chapter 01: open the KVM device and ask what it can do.", NULL);

	printf("Chapter 01: open the KVM device and ask what it can do.\n\n");
	fd = open_device(opts.device);
	check_api_version(fd, opts.device);
	show_capabilities(fd);
	show_vcpu_mmap_size(fd);
	show_backend();
	close(fd);
	return 0;
}
