/* smp.h - chapter 12's stage, for the chapters after it: one thread per
 * vCPU, each running its own KVM_RUN loop; the devices behind one lock;
 * and the stop: the first vCPU to end the run sets the status, the main
 * thread sets immediate_exit and signals every other thread out of
 * KVM_RUN, and joins them all. Chapter 12 writes each of these out. */
#ifndef KVM_STEPS_SMP_H
#define KVM_STEPS_SMP_H

#include "kvm.h"
#include "options.h"

#include <pthread.h>
#include <stdbool.h>

struct smp;

#define SMP_IDLE_MS 10

/* One vCPU and its thread. */
struct smp_cpu {
	struct kvm_vcpu vcpu;
	pthread_t thread;
	struct smp *smp;
	unsigned index;
	bool running;
	unsigned long exits, interrupted, again;
};

struct smp {
	unsigned cpus;
	struct smp_cpu cpu[MAX_CPUS];
	pthread_mutex_t big_lock;     /* held round every call of on_exit/before_run */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;                /* atomic */
	int status;
	unsigned stopped_by;
	/* The chapter's: before each KVM_RUN of vCPU index (may be NULL), and
	 * for each exit; on_exit returns -1 to go on, or the run's status. */
	void (*before_run)(struct smp *smp, unsigned index);
	int (*on_exit)(struct smp *smp, unsigned index);
	/* The main thread's, every SMP_IDLE_MS while it waits (may be NULL),
	 * under big_lock: input that comes while every vCPU sleeps in the
	 * kernel is taken here, as QEMU's I/O thread does. */
	void (*idle)(struct smp *smp);
	void *opaque;
};

/* cpus vCPUs, vCPU i with APIC ID i, created on vm. */
void smp_init(struct smp *smp, struct kvm_vm *vm, unsigned cpus, void *opaque);
/* Start every thread (SIGIO is left to vCPU 0's). */
void smp_start(struct smp *smp);
/* End the run with status (the first call wins). */
void smp_request_stop(struct smp *smp, unsigned index, int status);
/* Wait for the end or timeout seconds (0: no limit), stop and join every
 * thread. Returns true if the timeout came first (status 124). */
bool smp_wait_and_stop(struct smp *smp, double timeout);
/* KVM_MP_STATE_... as text. */
const char *smp_mp_state_name(uint32_t state);
void smp_close(struct smp *smp);

#endif
