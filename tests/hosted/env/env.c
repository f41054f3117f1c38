/*
 * env.c - out-of-line half of the hosted environment (see mm_env.h).
 *
 * hosted_ncpus is written only outside runs: by hosted_run_cpus before it
 * creates the CPU threads and after it has joined them, so every CPU
 * thread sees the count of its own run, and by env_call_on_each_cpu.
 *
 * Simulated IPIs: each CPU has a mailbox, a lock-free stack of call nodes.
 * A caller pushes one node (on its own stack) per other CPU, runs fn
 * itself, then waits for the call's `remaining` count to reach zero,
 * polling its own mailbox meanwhile so that two CPUs calling at once do
 * not wait on each other forever. A target takes its whole mailbox with
 * one exchange, so the stack has no ABA problem. Calls do not nest: a CPU
 * running a call does not poll. After its run function returns, a CPU
 * thread keeps polling until every thread of the run has returned, so a
 * call never waits on a CPU that has left.
 *
 * Outside a run the caller plays each CPU of the last run in turn (their
 * per-CPU state outlives the threads), with env_cpu_id() and
 * env_cpu_count() telling that CPU and count while fn runs.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mm/env.h>

_Thread_local unsigned hosted_cpu_id;
_Thread_local size_t hosted_cpu_stack_off;
_Thread_local bool hosted_irqs_off;
_Atomic unsigned hosted_ncpus = 1;
_Atomic unsigned hosted_calls_in_flight;
bool hosted_cpus_pinned;
int hosted_panic_exit_status;

struct call {
	void (*fn)(void *);
	void *arg;
	atomic_uint remaining;	/* CPUs that have not finished fn */
};

struct call_node {
	struct call *call;
	struct call_node *next;
};

/* Padded so that posting to one CPU does not disturb the others' lines. */
struct mailbox {
	_Alignas(64) _Atomic(struct call_node *) head;
};

static struct mailbox mailboxes[ENV_MAX_CPUS];
/* This thread's mailbox: NULL outside CPU threads, which never get calls. */
static _Thread_local struct mailbox *my_mailbox;
static _Thread_local bool in_call;
static atomic_bool running;
static unsigned last_ncpus = 1;	/* only the thread starting runs uses it */

struct run {
	void (*fn)(unsigned cpu, void *arg);
	void *arg;
	unsigned ncpus;
	atomic_uint returned;	/* CPU threads whose fn has returned */
	pthread_barrier_t start;
};

struct cpu_thread {
	pthread_t thread;
	unsigned cpu;
	struct run *run;
};

static void run_call(struct call *c)
{
	in_call = true;
	c->fn(c->arg);
	in_call = false;
	/* Release: the caller may read what fn wrote once it sees zero. */
	atomic_fetch_sub_explicit(&c->remaining, 1, memory_order_release);
}

void hosted_poll_calls(void)
{
	struct call_node *n;

	if (my_mailbox == NULL || in_call ||
	    atomic_load_explicit(&my_mailbox->head, memory_order_relaxed) == NULL)
		return;
	/* Acquire pairs with the release of the push: the node is visible. */
	n = atomic_exchange_explicit(&my_mailbox->head, NULL, memory_order_acquire);
	while (n != NULL) {
		/* The node lives on the caller's stack until its call completes. */
		struct call_node *next = n->next;

		run_call(n->call);
		n = next;
	}
}

static void post(struct mailbox *mb, struct call_node *n)
{
	struct call_node *old = atomic_load_explicit(&mb->head, memory_order_relaxed);

	do
		n->next = old;
	while (!atomic_compare_exchange_weak_explicit(&mb->head, &old, n, memory_order_release,
						      memory_order_relaxed));
}

static void call_in_run(struct call *c)
{
	struct call_node nodes[ENV_MAX_CPUS];
	unsigned me = hosted_cpu_id, ncpus = env_cpu_count();

	atomic_init(&c->remaining, ncpus);
	atomic_fetch_add_explicit(&hosted_calls_in_flight, 1, memory_order_relaxed);
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		if (cpu == me)
			continue;
		nodes[cpu].call = c;
		post(&mailboxes[cpu], &nodes[cpu]);
	}
	run_call(c);
	while (atomic_load_explicit(&c->remaining, memory_order_acquire) != 0) {
		hosted_poll_calls();
		hosted_spin_pause();
	}
	atomic_fetch_sub_explicit(&hosted_calls_in_flight, 1, memory_order_relaxed);
}

/* This thread becomes hosted CPU cpu. */
static void set_cpu(unsigned cpu)
{
	hosted_cpu_id = cpu;
	hosted_cpu_stack_off = (size_t)cpu * ENV_CPU_STACK_STRIDE;
}

static void call_outside_run(struct call *c)
{
	unsigned ncpus = last_ncpus;

	atomic_init(&c->remaining, ncpus);
	atomic_store(&hosted_ncpus, ncpus);
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		set_cpu(cpu);
		run_call(c);
	}
	set_cpu(0);
	atomic_store(&hosted_ncpus, 1);
}

bool env_cross_call_allowed(void)
{
	return !hosted_irqs_off && !in_call;
}

void env_call_on_each_cpu(void (*fn)(void *), void *arg)
{
	struct call c = { .fn = fn, .arg = arg };

	if (hosted_irqs_off)
		env_panic("env_call_on_each_cpu with interrupts off (cpu %u)", hosted_cpu_id);
	if (in_call)
		env_panic("env_call_on_each_cpu from inside such a call (cpu %u)", hosted_cpu_id);
	if (my_mailbox != NULL)
		call_in_run(&c);
	else
		call_outside_run(&c);
}

static void *cpu_main(void *p)
{
	struct cpu_thread *ct = p;
	struct run *run = ct->run;

	set_cpu(ct->cpu);
	my_mailbox = &mailboxes[ct->cpu];
	pthread_barrier_wait(&run->start);
	run->fn(ct->cpu, run->arg);
	if (hosted_irqs_off)
		env_panic("cpu %u returned with interrupts off", ct->cpu);
	atomic_fetch_add(&run->returned, 1);
	while (atomic_load(&run->returned) != run->ncpus) {
		hosted_poll_calls();
		hosted_spin_pause();
	}
	return NULL;
}

void hosted_run_cpus(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg)
{
	struct cpu_thread threads[ENV_MAX_CPUS];
	struct run run = { .fn = fn, .arg = arg, .ncpus = ncpus };

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
	last_ncpus = ncpus;
	atomic_store(&hosted_ncpus, 1);
	atomic_store(&running, false);
}

bool hosted_cpus_running(void)
{
	return atomic_load(&running);
}

void hosted_exit_now(int status)
{
	/* exit_group does not return; the loop tells the compiler so. */
	for (;;)
		syscall(SYS_exit_group, status);
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
	vlog("env_panic: ", fmt, ap);
	va_end(ap);
	if (hosted_panic_exit_status != 0)
		hosted_exit_now(hosted_panic_exit_status);
	abort();
}

struct flush_ipi {
	const env_cpumask_t *cpus;
	void (*fn)(void *);
	void *arg;
};

static void flush_ipi_filter(void *p)
{
	const struct flush_ipi *f = p;
	unsigned cpu = env_cpu_id();

	if ((f->cpus->bits[cpu / 64] >> (cpu % 64)) & 1)
		f->fn(f->arg);
}

void env_flush_ipi(const env_cpumask_t *cpus, void (*fn)(void *), void *arg)
{
	struct flush_ipi f = {cpus, fn, arg};

	env_call_on_each_cpu(flush_ipi_filter, &f);
}
