/*
 * env.c - out-of-line half of the hosted environment (see mm_env.h).
 *
 * hosted_ncpus is written only by the thread calling hosted_run_cpus,
 * before it creates the CPU threads and after it has joined them, so every
 * CPU thread sees the count of its own run.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "env.h"

_Thread_local unsigned hosted_cpu_id;
_Thread_local bool hosted_irqs_off;
_Atomic unsigned hosted_ncpus = 1;

struct run {
	void (*fn)(unsigned cpu, void *arg);
	void *arg;
	pthread_barrier_t start;
};

struct cpu_thread {
	pthread_t thread;
	unsigned cpu;
	struct run *run;
};

static void *cpu_main(void *p)
{
	struct cpu_thread *ct = p;

	hosted_cpu_id = ct->cpu;
	pthread_barrier_wait(&ct->run->start);
	ct->run->fn(ct->cpu, ct->run->arg);
	if (hosted_irqs_off)
		env_panic("cpu %u returned with interrupts off", ct->cpu);
	return NULL;
}

void hosted_run_cpus(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg)
{
	struct cpu_thread threads[ENV_MAX_CPUS];
	struct run run = { .fn = fn, .arg = arg };
	static atomic_bool running;

	if (ncpus == 0 || ncpus > ENV_MAX_CPUS)
		env_panic("hosted_run_cpus: %u CPUs, want 1..%u", ncpus, ENV_MAX_CPUS);
	if (atomic_exchange(&running, true))
		env_panic("hosted_run_cpus: runs cannot nest or overlap");

	atomic_store(&hosted_ncpus, ncpus);
	if (pthread_barrier_init(&run.start, NULL, ncpus) != 0)
		env_panic("hosted_run_cpus: pthread_barrier_init failed");
	for (unsigned i = 0; i < ncpus; i++) {
		threads[i] = (struct cpu_thread){ .cpu = i, .run = &run };
		if (pthread_create(&threads[i].thread, NULL, cpu_main, &threads[i]) != 0)
			env_panic("hosted_run_cpus: cannot create thread %u", i);
	}
	for (unsigned i = 0; i < ncpus; i++)
		pthread_join(threads[i].thread, NULL);
	pthread_barrier_destroy(&run.start);
	atomic_store(&hosted_ncpus, 1);
	atomic_store(&running, false);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* Holding the stream lock keeps lines from different CPUs whole. */
	flockfile(stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void env_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void env_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("panic: ", fmt, ap);
	va_end(ap);
	abort();
}
