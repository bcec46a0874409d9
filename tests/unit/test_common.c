/* test_common.c - KVM-free unit tests of common/: names, architectural
 * constants, guest-memory bounds, the UART model, and KVM_EXIT_IO decoding
 * with counts and sizes this host's KVM may never produce. */
#include "check.h"

#include "guest.h"
#include "io.h"
#include "kvm.h"
#include "names.h"
#include "serial.h"
#include "util.h"
#include "x86.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_names(void)
{
	CHECK_STR("names: KVM_RUN is named", "KVM_RUN", kvm_ioctl_name(KVM_RUN));
	CHECK_STR("names: KVM_CREATE_VM is named", "KVM_CREATE_VM",
		  kvm_ioctl_name(KVM_CREATE_VM));
	CHECK_EQ("names: an unknown ioctl has no name", 0, kvm_ioctl_name(0x1234) != NULL);
	CHECK_STR("names: exit 2 is KVM_EXIT_IO", "KVM_EXIT_IO", kvm_exit_name(2));
	CHECK_STR("names: exit 5 is KVM_EXIT_HLT", "KVM_EXIT_HLT", kvm_exit_name(5));
	CHECK_STR("names: exit 8 is KVM_EXIT_SHUTDOWN", "KVM_EXIT_SHUTDOWN", kvm_exit_name(8));
	CHECK_STR("names: exit 9 is KVM_EXIT_FAIL_ENTRY", "KVM_EXIT_FAIL_ENTRY", kvm_exit_name(9));
	CHECK_STR("names: exit 17 is KVM_EXIT_INTERNAL_ERROR", "KVM_EXIT_INTERNAL_ERROR",
		  kvm_exit_name(17));
	CHECK_STR("names: suberror 1 is emulation", "KVM_INTERNAL_ERROR_EMULATION",
		  kvm_internal_error_name(1));
	CHECK_STR("names: capability 3 is KVM_CAP_USER_MEMORY", "KVM_CAP_USER_MEMORY",
		  kvm_cap_name(3));
}

static void test_constants(void)
{
	/* Intel SDM Vol. 3A, 2.3 System Flags and Fields in EFLAGS */
	CHECK_EQ("x86: RFLAGS bit 1 is the fixed bit", 1ull << 1, X86_RFLAGS_FIXED);
	CHECK_EQ("x86: RFLAGS.IF is bit 9", 1ull << 9, X86_RFLAGS_IF);
	CHECK_EQ("x86: INIT keeps CR0.NW and CR0.CD", 0x60000000ull, X86_INIT_CR0_KEPT);
	CHECK_EQ("x86: CS base and IP of the reset state make the reset vector", X86_RESET_VECTOR,
		 X86_RESET_CS_BASE + X86_RESET_RIP);
	CHECK_EQ("x86: RFLAGS.TF is bit 8", 1ull << 8, X86_RFLAGS_TF);
	/* 2.5 Control Registers */
	CHECK_EQ("x86: CR0.PE is bit 0", 1ull << 0, X86_CR0_PE);
	CHECK_EQ("x86: CR0.ET is bit 4", 1ull << 4, X86_CR0_ET);
	CHECK_EQ("x86: CR0.NW is bit 29", 1ull << 29, X86_CR0_NW);
	CHECK_EQ("x86: CR0.CD is bit 30", 1ull << 30, X86_CR0_CD);
	CHECK_EQ("x86: CR0.PG is bit 31", 1ull << 31, X86_CR0_PG);
	CHECK_EQ("x86: CR0 after reset is CD|NW|ET = 0x60000010", 0x60000010ull,
		 X86_CR0_CD | X86_CR0_NW | X86_CR0_ET);
	CHECK_EQ("x86: CR4.PAE is bit 5", 1ull << 5, X86_CR4_PAE);
	CHECK_EQ("x86: CR4.OSFXSR is bit 9", 1ull << 9, X86_CR4_OSFXSR);
	CHECK_EQ("x86: CR4.OSXMMEXCPT is bit 10", 1ull << 10, X86_CR4_OSXMMEXCPT);
	CHECK_EQ("x86: CR4.LA57 is bit 12", 1ull << 12, X86_CR4_LA57);
	/* 2.2.1 Extended Feature Enable Register */
	CHECK_EQ("x86: EFER.LME is bit 8", 1ull << 8, X86_EFER_LME);
	CHECK_EQ("x86: EFER.LMA is bit 10", 1ull << 10, X86_EFER_LMA);
	CHECK_EQ("x86: EFER.NXE is bit 11", 1ull << 11, X86_EFER_NXE);
	CHECK_EQ("x86: IA32_EFER is MSR 0xc0000080", 0xc0000080u, X86_MSR_EFER);
	CHECK_EQ("x86: the reset vector is 16 bytes below 4 GiB", (1ull << 32) - 16,
		 X86_RESET_VECTOR);
	CHECK_EQ("guest: real-mode guests load at 0x7c00", 0x7c00, REAL_MODE_LOAD_ADDRESS);
}

static void test_gpa_bounds(void)
{
	static uint8_t ram[4096];
	struct kvm_vm vm = { .mem = ram, .mem_gpa = 0x1000, .mem_size = sizeof(ram) };

	CHECK_EQ("memory: the first byte maps", (uintptr_t)ram,
		 (uintptr_t)vm_gpa_to_hva(&vm, 0x1000, 1));
	CHECK_EQ("memory: the last byte maps", (uintptr_t)(ram + 4095),
		 (uintptr_t)vm_gpa_to_hva(&vm, 0x1fff, 1));
	CHECK_EQ("memory: a range running past the end does not", 0,
		 (uintptr_t)vm_gpa_to_hva(&vm, 0x1fff, 2));
	CHECK_EQ("memory: below the slot does not", 0,
		 (uintptr_t)vm_gpa_to_hva(&vm, 0xfff, 1));
	CHECK_EQ("memory: a huge length does not wrap around", 0,
		 (uintptr_t)vm_gpa_to_hva(&vm, 0x1000, ~0ull));
}

static void test_serial_registers(void)
{
	struct serial s;

	serial_init(&s);
	CHECK_EQ("serial: LSR says transmitter empty and data ready", 0x61,
		 serial_read(&s, UART_LSR));
	CHECK_EQ("serial: IIR says no interrupt pending", 0x01, serial_read(&s, UART_IIR));
	serial_write(&s, UART_SCR, 0xa5);
	CHECK_EQ("serial: the scratch register keeps a byte", 0xa5, serial_read(&s, UART_SCR));
	serial_write(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	serial_write(&s, UART_THR, 0x0c);
	serial_write(&s, UART_IER, 0x00);
	CHECK_EQ("serial: with DLAB set, offset 0 is the divisor's low byte", 0x0c,
		 serial_read(&s, UART_RBR));
	serial_write(&s, UART_LCR, 0x03);
	serial_write(&s, UART_IER, 0xff);
	CHECK_EQ("serial: IER keeps only its four defined bits", 0x0f,
		 serial_read(&s, UART_IER));
	serial_write(&s, UART_FCR, 0x01);
	CHECK_EQ("serial: with FIFOs on, IIR bits 6-7 are set", 0xc1, serial_read(&s, UART_IIR));
}

/* A vCPU with a kvm_run that no kernel filled in: io_handle() must treat
 * it exactly as it treats KVM's. */
struct fake_vcpu {
	struct kvm_vcpu vcpu;
	uint8_t *area;
};

static void fake_io(struct fake_vcpu *f, uint8_t dir, uint8_t size, uint16_t port,
		    uint32_t count, const void *data, size_t len)
{
	struct kvm_run *run = (struct kvm_run *)f->area;

	memset(f->area, 0, 3 * 4096);
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = dir;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = 4096;
	memcpy(f->area + 4096, data, len);
}

/* Run io_handle with standard output going to a file; return what the
 * guest "printed" in buf. */
static bool io_capture(struct fake_vcpu *f, struct io_bus *bus, int *status,
		       char *buf, size_t size)
{
	char path[] = "/tmp/kvm-steps-unit.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	bool exited;
	ssize_t n;

	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	exited = io_handle(&f->vcpu, bus, status);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return exited;
}

static void test_io_decoding(void)
{
	struct fake_vcpu f;
	struct io_bus bus;
	char out[64];
	int status = -1;

	f.area = calloc(3, 4096);
	f.vcpu = (struct kvm_vcpu){ .fd = -1, .run = (struct kvm_run *)f.area,
				    .run_size = 3 * 4096 };
	io_init(&bus);

	fake_io(&f, KVM_EXIT_IO_OUT, 1, 0x3f8, 5, "hello", 5);
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_STR("io: OUTSB with count 5 sends all five bytes", "hello", out);

	fake_io(&f, KVM_EXIT_IO_OUT, 2, 0x3f8, 3, "x\1y\2z\3", 6);
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_STR("io: OUTSW sends each low byte to THR", "xyz", out);
	CHECK_EQ("io: ...and each high byte to IER (the last one stays)", 3,
		 serial_read(&bus.com1, UART_IER));

	fake_io(&f, KVM_EXIT_IO_OUT, 4, 0x3f8, 2, "p\0\0\3q\0\0\3", 8);
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_STR("io: OUTSD with count 2 sends two bytes to THR", "pq", out);

	fake_io(&f, KVM_EXIT_IO_OUT, 1, 0xf4, 3, "\x2a\x01\x02", 3);
	CHECK_EQ("io: an OUT to port 0xf4 ends the run", 1,
		 io_capture(&f, &bus, &status, out, sizeof(out)));
	CHECK_EQ("io: ...with the first byte as the status", 42, status);

	fake_io(&f, KVM_EXIT_IO_OUT, 2, 0x3f7, 1, "ab", 2);
	bus.bus.unknown_reports[BUS_PIO] = UNKNOWN_PORT_REPORTS + 1; /* no ioctl on a fake fd */
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_STR("io: a word at 0x3f7 sends its high byte to 0x3f8", "b", out);

	fake_io(&f, KVM_EXIT_IO_IN, 4, 0x3fc, 1, "", 0);
	serial_write(&bus.com1, UART_SCR, 0x5a);
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_EQ("io: a dword IN at 0x3fc reads MCR, LSR, MSR, SCR", 0x5ab06100u,
		 f.area[4096] | f.area[4097] << 8 | f.area[4098] << 16 |
		 (uint32_t)f.area[4099] << 24);

	fake_io(&f, KVM_EXIT_IO_IN, 2, 0x80, 2, "", 0);
	io_capture(&f, &bus, &status, out, sizeof(out));
	CHECK_EQ("io: INSW from an unknown port reads all ones", 0xffffffffu,
		 f.area[4096] | f.area[4097] << 8 | f.area[4098] << 16 |
		 (uint32_t)f.area[4099] << 24);
	free(f.area);
}

/* The one check that needs a child: io_handle() refuses data outside the
 * mapping with one line and status 71, instead of reading past it. */
static void test_io_bounds(void)
{
	uint8_t *area = calloc(3, 4096);
	struct kvm_vcpu vcpu = { .fd = -1, .run = (struct kvm_run *)area, .run_size = 3 * 4096 };
	struct io_bus bus;
	int status, wstatus;
	pid_t pid;

	io_init(&bus);
	vcpu.run->exit_reason = KVM_EXIT_IO;
	vcpu.run->io.direction = KVM_EXIT_IO_OUT;
	vcpu.run->io.size = 4;
	vcpu.run->io.port = 0x3f8;
	vcpu.run->io.count = 1024;        /* 4096 bytes... */
	vcpu.run->io.data_offset = 8192 + 1; /* ...from one past the last page */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		io_handle(&vcpu, &bus, &status);
		_exit(0);
	}
	waitpid(pid, &wstatus, 0);
	CHECK_EQ("io: data outside struct kvm_run is refused with status 71",
		 EXIT_KVM_ERROR, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	free(area);
}

/* A nasm source passed in place of its binary is refused; machine code,
 * even code that is mostly printable, is not. */
static void test_text_images(void)
{
	static const uint8_t source[] = "bits 16\norg 0x7c00\n\thlt ; stop\n";
	static const uint8_t utf8[] = "; caf\xc3\xa9: a comment\r\n\tout dx, al\n";
	static const uint8_t one_line[] = "hlt";
	static const uint8_t code[] = { 0xb8, 0x2a, 0x00, 0xf4 }; /* mov ax, 42; hlt */
	/* "PX@" then a line feed: push ax, pop ax, inc ax, and 0x0a is not
	 * an instruction by itself; but the hlt after it is not text. */
	static const uint8_t printable_code[] = { 'P', 'X', '@', '\n', 0xf4 };
	static const uint8_t bad_utf8[] = { 'a', '\n', 0xc3 };
	static const uint8_t nul[] = { 'a', '\n', 0x00 };

	CHECK_EQ("guest: a nasm source is text", 1, guest_is_text(source, sizeof(source) - 1));
	CHECK_EQ("guest: a source with UTF-8 comments and CRLF is text", 1,
		 guest_is_text(utf8, sizeof(utf8) - 1));
	CHECK_EQ("guest: printable bytes without a line end are not text", 0,
		 guest_is_text(one_line, sizeof(one_line) - 1));
	CHECK_EQ("guest: machine code is not text", 0, guest_is_text(code, sizeof(code)));
	CHECK_EQ("guest: mostly printable code with a hlt is not text", 0,
		 guest_is_text(printable_code, sizeof(printable_code)));
	CHECK_EQ("guest: a UTF-8 sequence cut short is not text", 0,
		 guest_is_text(bad_utf8, sizeof(bad_utf8)));
	CHECK_EQ("guest: a zero byte is not text", 0, guest_is_text(nul, sizeof(nul)));
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	test_names();
	test_constants();
	test_gpa_bounds();
	test_serial_registers();
	test_io_decoding();
	test_io_bounds();
	test_text_images();
	return check_failures ? 1 : 0;
}
