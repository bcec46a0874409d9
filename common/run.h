/* run.h - running a vCPU: the KVM_RUN call chapter 06 teaches, a timeout
 * that can stop any guest, the exit report, and --stats. */
#ifndef KVM_STEPS_RUN_H
#define KVM_STEPS_RUN_H

#include "kvm.h"

#include <stdbool.h>
#include <stdio.h>

enum run_result {
	RUN_EXITED,    /* KVM_RUN returned: look at run->exit_reason */
	RUN_TIMED_OUT, /* the timeout fired: stop the guest */
};

/* Arm a timer that stops the guest after seconds (0: never). When it
 * fires, KVM_RUN returns EINTR, or does so at once if the monitor was
 * outside it (struct kvm_run's immediate_exit). */
void timeout_start(struct kvm_vcpu *vcpu, double seconds);
/* Disarm the timer for good. vcpu_close() calls it before unmapping the
 * struct kvm_run that the timer's signal handler writes to: a timer left
 * armed after the run ended would fire into unmapped memory. */
void timeout_stop(void);
/* Stop and restart the clock, around a wait for standard input; --stats
 * counts that time apart, as neither the guest's nor the monitor's. */
void timeout_pause(void);
void timeout_resume(void);
bool timeout_expired(void);
/* One line saying the guest was stopped, and its registers; returns 124. */
int timeout_report(struct kvm_vcpu *vcpu, double seconds);

/* KVM_RUN until it returns with an exit, retrying EINTR and EAGAIN. */
enum run_result vcpu_run(struct kvm_vcpu *vcpu);

/* The register dump: general registers, segments, control registers. */
void vcpu_dump(struct kvm_vcpu *vcpu, FILE *out);

/* Set by kvm_ioctl() for the KVM_RUN being traced when the program has
 * more than one vCPU (chapter 12): the trace's exit lines name it. */
extern _Thread_local const char *trace_who;

/* With --trace, one line decoding the exit that KVM_RUN just returned. */
void trace_exit(const struct kvm_run *run, size_t run_size);
/* With --trace, before a KVM_RUN that follows an IN: the bytes the monitor
 * put in struct kvm_run, which KVM now hands to the guest. */
void trace_answer(const struct kvm_run *run, size_t run_size);

/* An exit the program does not handle: one line naming it and what it
 * means, the details KVM gives, the register dump. Returns 70. */
int vcpu_report_unhandled(struct kvm_vcpu *vcpu);

/* --stats: exits by reason (and KVM_EXIT_IO by port), time inside KVM_RUN
 * and time in the monitor between KVM_RUNs, from the first KVM_RUN on.
 * Once enabled, the numbers are printed when the program exits, however
 * it exits, unless stats_print() printed them already. */
void stats_enable(void);
bool stats_enabled(void);
/* Seconds on the monotonic clock, the one --stats times with. */
double stats_clock(void);
/* One KVM_RUN, from started to ended; run is its exit, NULL if it failed
 * (a signal interrupted it). kvm_ioctl() calls this. */
void stats_record(double started, double ended, const struct kvm_run *run);
/* Print the numbers, once, on out. */
void stats_print(FILE *out);

#endif
