/*
 * test_env.c - the hosted environment (tests/hosted/env) that mm/ runs on.
 *
 * The ticket lock is checked for mutual exclusion (a plain, non-atomic
 * counter must come out exact, and TSan sees any overlap), for FIFO hand-off
 * in ticket order, and for trylock semantics. hosted_run_cpus must give
 * distinct in-range CPU ids to threads that really run at once, and the
 * interrupt flag must nest and stay per-CPU.
 */
#include <sched.h>
#include <stdatomic.h>

#include "env.h"
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
