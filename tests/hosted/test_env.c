/*
 * test_env.c - the hosted environment (tests/hosted/env) that mm/ runs on.
 *
 * The ticket lock is checked for mutual exclusion (a plain, non-atomic
 * counter must come out exact, and TSan sees any overlap), for FIFO hand-off
 * in ticket order, and for trylock semantics. hosted_run_cpus must give
 * distinct in-range CPU ids to threads that really run at once, and the
 * interrupt flag must nest and stay per-CPU.
 *
 * env_call_on_each_cpu must run its function exactly once on every CPU,
 * on that CPU, with interrupts on: outside runs (for each CPU of the last
 * run), to CPUs spinning in env_cpu_relax, to a CPU only when it turns
 * interrupts back on, to CPUs whose run function has returned, and with
 * every CPU calling at once. Misuse must panic, which also exercises
 * EXPECT_PANIC; the macro's failure reports are checked through
 * hosted_death_verdict, which returns them instead of failing the test.
 */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <mm/env.h>

#include "test.h"

#define LOCK_CPUS  8
#define LOCK_ITERS 5000

struct lock_test {
	env_spinlock_t lock;
	uint64_t counter;	/* plain on purpose: only the lock guards it */
	atomic_uint holders;
};

static void hammer_lock(unsigned cpu, void *arg)
{
	struct lock_test *t = arg;

	for (unsigned i = 0; i < LOCK_ITERS; i++) {
		uint64_t v;

		if (cpu % 2 == 0) {
			env_spin_lock(&t->lock);
		} else {
			while (!env_spin_trylock(&t->lock))
				env_cpu_relax();
		}
		/* Relaxed, so that only the lock orders the counter for TSan. */
		if (atomic_fetch_add_explicit(&t->holders, 1, memory_order_relaxed) != 0)
			hosted_fail(__FILE__, __LINE__, "cpu %u entered a held lock", cpu);
		v = t->counter;
		if (i % 16 == 0)
			sched_yield();	/* let the other CPUs try while it is held */
		t->counter = v + 1;
		atomic_fetch_sub_explicit(&t->holders, 1, memory_order_relaxed);
		env_spin_unlock(&t->lock);
	}
}

TEST(env_spinlock_mutual_exclusion)
{
	static struct lock_test t = { .lock = ENV_SPINLOCK_INIT };

	hosted_run_cpus(LOCK_CPUS, hammer_lock, &t);
	CHECK_EQ_U64(t.counter, (uint64_t)LOCK_CPUS * LOCK_ITERS);
}

struct fifo_test {
	env_spinlock_t lock;
	unsigned order[LOCK_CPUS];
	unsigned served;	/* guarded by lock */
};

/*
 * CPU k takes its ticket only after CPUs 0..k-1 have taken theirs, while
 * CPU 0 holds the lock; the lock must then be granted in that order.
 */
static void queue_in_order(unsigned cpu, void *arg)
{
	struct fifo_test *t = arg;

	while (atomic_load(&t->lock.next) != cpu)
		env_cpu_relax();
	env_spin_lock(&t->lock);
	if (cpu == 0) {
		while (atomic_load(&t->lock.next) != LOCK_CPUS)
			env_cpu_relax();
	}
	t->order[t->served++] = cpu;
	env_spin_unlock(&t->lock);
}

TEST(env_spinlock_fifo)
{
	static struct fifo_test t = { .lock = ENV_SPINLOCK_INIT };

	hosted_run_cpus(LOCK_CPUS, queue_in_order, &t);
	REQUIRE(t.served == LOCK_CPUS);
	for (unsigned i = 0; i < LOCK_CPUS; i++)
		CHECK_EQ_U64(t.order[i], i);
}

TEST(env_spinlock_trylock)
{
	env_spinlock_t lock = ENV_SPINLOCK_INIT;

	CHECK(env_spin_trylock(&lock));
	CHECK(!env_spin_trylock(&lock));
	env_spin_unlock(&lock);
	CHECK(env_spin_trylock(&lock));
	env_spin_unlock(&lock);
	env_spin_lock(&lock);
	CHECK(!env_spin_trylock(&lock));
	env_spin_unlock(&lock);
}

struct cpu_test {
	unsigned ncpus;
	atomic_uint seen[ENV_MAX_CPUS];
	atomic_uint started;
};

static void record_cpu(unsigned cpu, void *arg)
{
	struct cpu_test *t = arg;

	if (env_cpu_id() != cpu || cpu >= t->ncpus || env_cpu_count() != t->ncpus)
		hosted_fail(__FILE__, __LINE__, "cpu %u: env_cpu_id %u, env_cpu_count %u",
			    cpu, env_cpu_id(), env_cpu_count());
	if (cpu < ENV_MAX_CPUS)
		atomic_fetch_add(&t->seen[cpu], 1);
	/* Returns only if all CPUs run at once, as the barrier promises. */
	atomic_fetch_add(&t->started, 1);
	while (atomic_load(&t->started) != t->ncpus)
		env_cpu_relax();
}

TEST(env_cpu_ids)
{
	static const unsigned counts[] = { 1, 3, LOCK_CPUS, ENV_MAX_CPUS };

	CHECK_EQ_U64(env_cpu_id(), 0);
	CHECK_EQ_U64(env_cpu_count(), 1);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		static struct cpu_test t;

		memset(&t, 0, sizeof(t));
		t.ncpus = counts[c];
		hosted_run_cpus(t.ncpus, record_cpu, &t);
		for (unsigned i = 0; i < ENV_MAX_CPUS; i++)
			CHECK_EQ_U64(atomic_load(&t.seen[i]), i < t.ncpus ? 1 : 0);
	}
	CHECK_EQ_U64(env_cpu_count(), 1);
}

TEST(env_irq_save_restore_nesting)
{
	env_irqflags_t outer, inner;

	CHECK(!env_irqs_disabled());
	outer = env_irq_save();
	CHECK(env_irqs_disabled());
	inner = env_irq_save();
	CHECK(env_irqs_disabled());
	env_irq_restore(inner);
	CHECK(env_irqs_disabled());	/* the outer section is still open */
	env_irq_restore(outer);
	CHECK(!env_irqs_disabled());
}

struct irq_test {
	atomic_int step;
};

/* CPU 0 masks interrupts; CPU 1 must still see its own enabled. */
static void irqs_are_per_cpu(unsigned cpu, void *arg)
{
	struct irq_test *t = arg;

	if (cpu == 0) {
		env_irqflags_t f = env_irq_save();

		atomic_store(&t->step, 1);
		while (atomic_load(&t->step) != 2)
			env_cpu_relax();
		if (!env_irqs_disabled())
			hosted_fail(__FILE__, __LINE__, "cpu 0 lost its irq-off state");
		env_irq_restore(f);
	} else {
		while (atomic_load(&t->step) != 1)
			env_cpu_relax();
		if (env_irqs_disabled())
			hosted_fail(__FILE__, __LINE__, "cpu 1 sees cpu 0's irq-off state");
		atomic_store(&t->step, 2);
	}
}

TEST(env_irq_state_is_per_cpu)
{
	struct irq_test t = { 0 };

	hosted_run_cpus(2, irqs_are_per_cpu, &t);
	CHECK_EQ_U64(atomic_load(&t.step), 2);
}

#define CALL_CPUS 4

struct call_count {
	atomic_uint ran[ENV_MAX_CPUS];
	atomic_uint bad;	/* runs with interrupts off or beyond the CPU count */
};

static void count_call(void *arg)
{
	struct call_count *c = arg;
	unsigned cpu = env_cpu_id();

	if (env_irqs_disabled() || cpu >= env_cpu_count())
		atomic_fetch_add(&c->bad, 1);
	else
		atomic_fetch_add(&c->ran[cpu], 1);
}

/* Every one of the first ncpus CPUs ran the call once, and no other did. */
static void check_ran_once(struct call_count *c, unsigned ncpus, int line)
{
	for (unsigned i = 0; i < ENV_MAX_CPUS; i++) {
		unsigned ran = atomic_load(&c->ran[i]);

		if (ran != (i < ncpus ? 1u : 0u))
			hosted_fail(__FILE__, line, "cpu %u ran the call %u times", i, ran);
	}
	if (atomic_load(&c->bad) != 0)
		hosted_fail(__FILE__, line, "%u calls with interrupts off or on no CPU",
			    atomic_load(&c->bad));
}

static void do_nothing(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
}

TEST(env_call_on_each_cpu_outside_runs)
{
	static struct call_count c;

	hosted_run_cpus(3, do_nothing, NULL);
	memset(&c, 0, sizeof(c));
	env_call_on_each_cpu(count_call, &c);
	check_ran_once(&c, 3, __LINE__);
	CHECK_EQ_U64(env_cpu_id(), 0);
	CHECK_EQ_U64(env_cpu_count(), 1);
}

struct spin_test {
	struct call_count c;
	atomic_bool done;
};

/* CPU 0 calls while the others spin in env_cpu_relax. */
static void call_while_others_spin(unsigned cpu, void *arg)
{
	struct spin_test *t = arg;

	if (cpu == 0) {
		env_call_on_each_cpu(count_call, &t->c);
		atomic_store(&t->done, true);
	}
	while (!atomic_load(&t->done))
		env_cpu_relax();
}

TEST(env_call_on_each_cpu_to_spinning_cpus)
{
	static struct spin_test t;

	memset(&t, 0, sizeof(t));
	hosted_run_cpus(CALL_CPUS, call_while_others_spin, &t);
	check_ran_once(&t.c, CALL_CPUS, __LINE__);
}

/*
 * CPU 1 masks interrupts; CPU 0 calls. Once CPU 0 has run the call itself
 * (so the call is posted), CPU 1 spins a while: the call must wait for
 * its env_irq_restore and run inside it.
 */
static void call_waits_for_irqs_on(unsigned cpu, void *arg)
{
	struct spin_test *t = arg;

	if (cpu == 0) {
		env_call_on_each_cpu(count_call, &t->c);
		return;
	}
	env_irqflags_t f = env_irq_save();

	while (atomic_load(&t->c.ran[0]) == 0)
		env_cpu_relax();
	for (int i = 0; i < 100; i++)
		env_cpu_relax();
	if (atomic_load(&t->c.ran[1]) != 0)
		hosted_fail(__FILE__, __LINE__, "the call ran with interrupts off");
	env_irq_restore(f);
	if (atomic_load(&t->c.ran[1]) != 1)
		hosted_fail(__FILE__, __LINE__, "the call did not run as interrupts came on");
}

TEST(env_call_on_each_cpu_waits_for_irqs_on)
{
	static struct spin_test t;

	memset(&t, 0, sizeof(t));
	hosted_run_cpus(2, call_waits_for_irqs_on, &t);
	check_ran_once(&t.c, 2, __LINE__);
}

/* The last CPU calls after the others have (most likely) returned. */
static void call_after_others_return(unsigned cpu, void *arg)
{
	if (cpu != CALL_CPUS - 1)
		return;
	usleep(20 * 1000);
	env_call_on_each_cpu(count_call, arg);
}

TEST(env_call_on_each_cpu_to_returned_cpus)
{
	static struct call_count c;

	memset(&c, 0, sizeof(c));
	hosted_run_cpus(CALL_CPUS, call_after_others_return, &c);
	check_ran_once(&c, CALL_CPUS, __LINE__);
}

/* Every CPU calls at once: callers must serve each other while waiting. */
static void all_call(unsigned cpu, void *arg)
{
	struct call_count *c = arg;

	for (int round = 0; round < 50; round++)
		env_call_on_each_cpu(count_call, &c[round * CALL_CPUS + cpu]);
}

TEST(env_call_on_each_cpu_from_all_cpus)
{
	static struct call_count c[50 * CALL_CPUS];

	memset(c, 0, sizeof(c));
	hosted_run_cpus(CALL_CPUS, all_call, c);
	for (unsigned i = 0; i < 50 * CALL_CPUS; i++)
		check_ran_once(&c[i], CALL_CPUS, __LINE__);
}

static void call_nop(void *arg)
{
	(void)arg;
}

static void call_nested(void *arg)
{
	env_call_on_each_cpu(call_nop, arg);
}

static void panic_on_cpu_1(unsigned cpu, void *arg)
{
	(void)arg;
	if (cpu == 1)
		env_panic("cpu %u panics", cpu);
	for (;;)
		env_cpu_relax();
}

TEST(env_call_on_each_cpu_misuse_panics)
{
	EXPECT_PANIC({
		env_irq_save();
		env_call_on_each_cpu(call_nop, NULL);
	}, "with interrupts off");
	EXPECT_PANIC(env_call_on_each_cpu(call_nested, NULL), "from inside such a call");
}

TEST(env_expect_panic_passes)
{
	EXPECT_PANIC(env_panic("boom %d", 42), "boom 42");
	EXPECT_PANIC(hosted_run_cpus(2, panic_on_cpu_1, NULL), "cpu 1 panics");
}

static void end_normally(void)
{
}

static void panic_boom(void)
{
	env_panic("boom");
}

static void exit_3(void)
{
	fputs("==========\nsome words\n", stderr);
	exit(3);
}

static void terminate(void)
{
	raise(SIGTERM);
}

/* The verdict on a death test of fn, with `why` when it fails. */
static bool death_verdict(void (*fn)(void), const char *substring, char *why, size_t len)
{
	struct hosted_death d;

	why[0] = '\0';
	if (hosted_death_fork(&d)) {
		fn();
		hosted_death_survived();
	}
	return hosted_death_verdict(&d, substring, why, len);
}

static void check_verdict(void (*fn)(void), const char *substring, bool passes,
			  const char *want, int line)
{
	char why[400];

	if (death_verdict(fn, substring, why, sizeof(why)) != passes)
		hosted_fail(__FILE__, line, "verdict is not %s (why: %s)", passes ? "pass" : "fail",
			    why);
	else if (!passes && strstr(why, want) == NULL)
		hosted_fail(__FILE__, line, "why %s does not say \"%s\"", why, want);
}

TEST(env_expect_panic_reports_failures)
{
	check_verdict(panic_boom, "boom", true, "", __LINE__);
	check_verdict(end_normally, "boom", false, "did not panic", __LINE__);
	check_verdict(panic_boom, "bang", false,
		      "panicked with \"boom\", which does not contain \"bang\"", __LINE__);
	check_verdict(exit_3, "boom", false, "exited with status 3 instead of panicking; output: \"some words\"",
		      __LINE__);
	check_verdict(terminate, "boom", false, "killed by signal 15", __LINE__);
}

static void try_death_test(unsigned cpu, void *arg)
{
	char *why = arg;

	if (cpu == 0 && death_verdict(panic_boom, "boom", why, 400))
		hosted_fail(__FILE__, __LINE__, "a death test started from a hosted CPU");
}

TEST(env_expect_panic_refuses_hosted_cpus)
{
	static char why[400];

	hosted_run_cpus(2, try_death_test, why);
	CHECK(strstr(why, "only the main test thread may fork") != NULL);
}
