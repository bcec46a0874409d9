/* util.h - the one error idiom and the exit statuses every program shares.
 *
 * Errors read "program: what failed: why" on one line, with what the user
 * can do about it at the end of that same line where there is something. */
#ifndef KVM_STEPS_UTIL_H
#define KVM_STEPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* Exit statuses. A guest picks its own status (1-255) with the exit port,
 * so the monitor's own statuses sit where sysexits.h and timeout(1) put
 * them; a guest that wants to be told apart from them avoids those values. */
enum exit_status {
	EXIT_HALTED = 0,     /* the guest ran HLT (or a chapter ended well) */
	EXIT_USAGE = 64,     /* bad command line */
	EXIT_BAD_SNAPSHOT = 65, /* chapter 14: a snapshot that is not whole (EX_DATAERR) */
	EXIT_BAD_GUEST = 66, /* guest image missing, empty, unreadable, too big */
	EXIT_NO_KVM = 69,    /* no usable KVM device */
	EXIT_CRASHED = 70,   /* the guest stopped in a way the monitor does not handle */
	EXIT_KVM_ERROR = 71, /* KVM refused a request the monitor made */
	EXIT_OUTPUT = 74,    /* standard output could not be written */
	EXIT_IO_ERROR = EXIT_OUTPUT, /* chapter 14: a file or stream could not be written (EX_IOERR) */
	EXIT_NOT_WRITTEN = 78, /* a lab skeleton reached a stage the student has not written */
	EXIT_TIMEOUT = 124,  /* the guest did not stop in time (as timeout(1)) */
};

/* The program's short name, used as the prefix of every message. */
extern const char *progname;

/* Call first in main(). Sets progname; makes sure descriptors 0, 1 and 2
 * are taken, so that no file the program opens lands on one of them; and
 * ignores SIGPIPE and arranges that a program whose standard output could
 * not be written (a closed pipe, a full disk) says so and exits with
 * EXIT_OUTPUT instead of 0 or a silent death. */
void prog_init(const char *argv0);

/* Flush standard output. Returns 0 if everything written to it so far went
 * out, else the errno of the first write that failed: stdio keeps only a
 * flag, and errno by the time anyone looks may name another failure. */
int stdout_flush(void);
/* A putchar() or printf() to stdout failed with err: remember why. */
void stdout_failed(int err);
/* What err means for standard output, for the end of the error line:
 * "; standard output is closed (...)", or "" where strerror() says it all. */
const char *stdout_hint(int err);

/* Print "progname: <message>" on standard error and exit with status. */
noreturn void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Have die() call fn after its message and before exit(), to close what
 * the program opened (kvm.c closes the KVM descriptors it knows), so that a
 * program that fails leaves nothing open either. One function; a second
 * call replaces the first. */
void die_set_cleanup(void (*fn)(void));

/* Only in lab skeletons (make lab): the code a student must write was cut
 * out at this point. Says which chapter, where and what to write, in one
 * line, and exits with EXIT_NOT_WRITTEN. */
noreturn void lab_todo(const char *chapter, const char *where, const char *what);

/* Print "progname: <message>" on standard error and go on. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print what the kernel says fd is: "  /proc/self/fd/N -> target". */
void fd_show(int fd);

/* Write all of buf to fd (retrying short writes); false on failure. */
bool write_all(int fd, const void *buf, size_t len);

#endif
