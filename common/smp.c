/* smp.c - see smp.h; chapter 12 explains each step. */
#include "smp.h"

#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SIG_KICK SIGUSR1

const char *smp_mp_state_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE: return "KVM_MP_STATE_RUNNABLE";
	case KVM_MP_STATE_UNINITIALIZED: return "KVM_MP_STATE_UNINITIALIZED";
	case KVM_MP_STATE_INIT_RECEIVED: return "KVM_MP_STATE_INIT_RECEIVED";
	case KVM_MP_STATE_HALTED: return "KVM_MP_STATE_HALTED";
	case KVM_MP_STATE_SIPI_RECEIVED: return "KVM_MP_STATE_SIPI_RECEIVED";
	default: return "(another state)";
	}
}

void smp_init(struct smp *smp, struct kvm_vm *vm, unsigned cpus, void *opaque)
{
	pthread_condattr_t attr;

	smp->cpus = cpus;
	smp->opaque = opaque;
	pthread_mutex_init(&smp->big_lock, NULL);
	pthread_mutex_init(&smp->stop_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&smp->stop_cond, &attr);
	pthread_condattr_destroy(&attr);
	for (unsigned i = 0; i < cpus; i++) {
		smp->cpu[i].smp = smp;
		smp->cpu[i].index = i;
		vcpu_create(&smp->cpu[i].vcpu, vm, (int)i);
	}
}

static bool stopping(struct smp *smp)
{
	return __atomic_load_n(&smp->stopping, __ATOMIC_SEQ_CST);
}

void smp_request_stop(struct smp *smp, unsigned index, int status)
{
	pthread_mutex_lock(&smp->stop_lock);
	if (!stopping(smp)) {
		smp->status = status;
		smp->stopped_by = index;
		__atomic_store_n(&smp->stopping, true, __ATOMIC_SEQ_CST);
	}
	pthread_cond_signal(&smp->stop_cond);
	pthread_mutex_unlock(&smp->stop_lock);
}

static void on_kick(int sig)
{
	(void)sig;
}

static void *cpu_thread(void *arg)
{
	// LAB BEGIN 12: chapter 12's stage as the helper later chapters call: vCPU 0's thread unblocks SIGIO; until the run is stopping: before_run() (under big_lock, if set), KVM_RUN; EINTR clears immediate_exit (atomically) and goes round; EAGAIN (an INIT or SIPI taken) goes round; another error stops the run with EXIT_KVM_ERROR; an exit calls on_exit() under big_lock, and a status other than -1 stops the run with it.
	struct smp_cpu *c = arg;
	struct smp *smp = c->smp;
	struct kvm_run *run = c->vcpu.run;
	int status;

	if (c->index == 0) {
		sigset_t io;

		sigemptyset(&io);
		sigaddset(&io, SIGIO);
		pthread_sigmask(SIG_UNBLOCK, &io, NULL);
	}
	while (!stopping(smp)) {
		if (smp->before_run) {
			pthread_mutex_lock(&smp->big_lock);
			smp->before_run(smp, c->index);
			pthread_mutex_unlock(&smp->big_lock);
		}
		if (kvm_ioctl(c->vcpu.fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR) {
				c->interrupted++;
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;
			}
			if (errno == EAGAIN) {
				c->again++;
				continue;
			}
			warn("vcpu %u: KVM_RUN failed: %s", c->index, strerror(errno));
			smp_request_stop(smp, c->index, EXIT_KVM_ERROR);
			break;
		}
		c->exits++;
		pthread_mutex_lock(&smp->big_lock);
		if (stopping(smp)) {          /* the run ended while this one waited */
			pthread_mutex_unlock(&smp->big_lock);
			break;
		}
		status = smp->on_exit(smp, c->index);
		pthread_mutex_unlock(&smp->big_lock);
		if (status >= 0)
			smp_request_stop(smp, c->index, status);
	}
	return NULL;
	// LAB END
}

void smp_start(struct smp *smp)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigset_t blocked;

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGIO);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	for (unsigned i = 0; i < smp->cpus; i++) {
		int err = pthread_create(&smp->cpu[i].thread, NULL, cpu_thread, &smp->cpu[i]);

		if (err != 0) {
			warn("cannot start the thread of vcpu %u: %s", i, strerror(err));
			smp_request_stop(smp, i, EXIT_KVM_ERROR);
			return;
		}
		smp->cpu[i].running = true;
	}
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_nsec += ms * 1000000L;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

bool smp_wait_and_stop(struct smp *smp, double timeout)
{
	struct timespec until, now, slice;
	bool timed_out = false;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)timeout;
	add_ms(&until, (long)((timeout - (double)(time_t)timeout) * 1e3));
	pthread_mutex_lock(&smp->stop_lock);
	while (!stopping(smp) && !timed_out) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout > 0 && !before(&now, &until)) {
			timed_out = true;
			break;
		}
		slice = now;
		add_ms(&slice, SMP_IDLE_MS);
		if (timeout > 0 && before(&until, &slice))
			slice = until;
		pthread_cond_timedwait(&smp->stop_cond, &smp->stop_lock, &slice);
		if (smp->idle && !stopping(smp)) {
			pthread_mutex_unlock(&smp->stop_lock);
			pthread_mutex_lock(&smp->big_lock);
			smp->idle(smp);
			pthread_mutex_unlock(&smp->big_lock);
			pthread_mutex_lock(&smp->stop_lock);
		}
	}
	if (timed_out) {
		smp->status = EXIT_TIMEOUT;
		__atomic_store_n(&smp->stopping, true, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&smp->stop_lock);
	for (unsigned i = 0; i < smp->cpus; i++) {
		struct smp_cpu *c = &smp->cpu[i];

		if (c->running) {
			__atomic_store_n(&c->vcpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
			pthread_kill(c->thread, SIG_KICK);
		}
	}
	for (unsigned i = 0; i < smp->cpus; i++)
		if (smp->cpu[i].running)
			pthread_join(smp->cpu[i].thread, NULL);
	return timed_out;
}

void smp_close(struct smp *smp)
{
	for (unsigned i = 0; i < smp->cpus; i++)
		vcpu_close(&smp->cpu[i].vcpu);
}
