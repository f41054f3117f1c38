/*
 * test_aspace_rwlock.c - the address space's lock (mm/rwlock.h) on
 * hosted CPUs: writers exclude everyone, readers share, nobody starves
 * (a writer in a tight loop lets readers through, and readers in a tight
 * loop let a writer through), a holder's assertion always finds its lock
 * held however others come and go, and taking it with interrupts off
 * panics.
 */
#include <stdatomic.h>

#include <mm/env.h>

#include "rwlock.h"
#include "test.h"

#define NCPUS 4
#define ROUNDS 2000
#define GIVE_UP 50000000u	/* spins: a starving side fails, not hangs */

struct rw_run {
	struct rwlock lock;
	atomic_uint readers, writers;
	uint64_t value;		/* plain: the lock alone protects it */
	atomic_uint bad, done, progress;
};

static void mixed(unsigned cpu, void *arg)
{
	struct rw_run *r = arg;

	for (unsigned i = 0; i < ROUNDS; i++) {
		if ((i + cpu) % 4 == 0) {
			rwlock_write_lock(&r->lock);
			if (atomic_fetch_add(&r->writers, 1) != 0 || atomic_load(&r->readers) != 0 ||
			    !rwlock_is_write_locked(&r->lock))
				atomic_fetch_add(&r->bad, 1);
			r->value++;
			atomic_fetch_sub(&r->writers, 1);
			rwlock_write_unlock(&r->lock);
		} else {
			rwlock_read_lock(&r->lock);
			atomic_fetch_add(&r->readers, 1);
			if (atomic_load(&r->writers) != 0 || !rwlock_is_locked(&r->lock))
				atomic_fetch_add(&r->bad, 1);
			(void)*(volatile uint64_t *)&r->value;
			atomic_fetch_sub(&r->readers, 1);
			rwlock_read_unlock(&r->lock);
		}
	}
}

TEST(aspace_rwlock_excludes_writers)
{
	struct rw_run r = { .lock = RWLOCK_INIT };

	hosted_run_cpus(NCPUS, mixed, &r);
	CHECK_EQ_U64(atomic_load(&r.bad), 0);
	CHECK_EQ_U64(r.value, NCPUS * ROUNDS / 4);
}

/* CPU 0 holds the read lock until CPU 1 is inside too. */
static void share(unsigned cpu, void *arg)
{
	struct rw_run *r = arg;

	if (cpu > 1)
		return;
	rwlock_read_lock(&r->lock);
	atomic_fetch_add(&r->readers, 1);
	for (unsigned n = 0; atomic_load(&r->readers) < 2 && n < GIVE_UP; n++)
		env_cpu_relax();
	if (atomic_load(&r->readers) < 2)
		atomic_fetch_add(&r->bad, 1);
	rwlock_read_unlock(&r->lock);
}

TEST(aspace_rwlock_readers_share)
{
	struct rw_run r = { .lock = RWLOCK_INIT };

	hosted_run_cpus(2, share, &r);
	CHECK_EQ_U64(atomic_load(&r.bad), 0);
}

/* CPU 0 holds the read lock and asks whether it is held, again and
 * again, while the other CPUs' readers come and go past it. */
#define HOLDER_CHECKS 200000u

static void holder_asks(unsigned cpu, void *arg)
{
	struct rw_run *r = arg;

	if (cpu == 0) {
		rwlock_read_lock(&r->lock);
		for (unsigned i = 0; i < HOLDER_CHECKS; i++) {
			if (!rwlock_is_locked(&r->lock))
				atomic_fetch_add(&r->bad, 1);
		}
		rwlock_read_unlock(&r->lock);
		atomic_store(&r->done, 1);
		return;
	}
	while (!atomic_load(&r->done)) {
		rwlock_read_lock(&r->lock);
		rwlock_read_unlock(&r->lock);
	}
}

TEST(aspace_rwlock_holder_always_finds_it_held)
{
	struct rw_run r = { .lock = RWLOCK_INIT };

	hosted_run_cpus(3, holder_asks, &r);
	CHECK_EQ_U64(atomic_load(&r.bad), 0);
	CHECK(!rwlock_is_locked(&r.lock));
}

/* CPU 0 (the "writer" side when writer_loops) takes its lock in a
 * tight loop until the others have each taken theirs ROUNDS / 10 times. */
struct starve_run {
	struct rw_run r;
	bool writer_loops;
};

static void take_and_drop(struct rwlock *l, bool write)
{
	if (write) {
		rwlock_write_lock(l);
		rwlock_write_unlock(l);
	} else {
		rwlock_read_lock(l);
		rwlock_read_unlock(l);
	}
}

static void starve(unsigned cpu, void *arg)
{
	struct starve_run *s = arg;
	struct rw_run *r = &s->r;
	bool write = (cpu == 0) == s->writer_loops;

	if (cpu == 0) {
		for (unsigned n = 0; atomic_load(&r->done) < NCPUS - 1 && n < GIVE_UP / 100; n++)
			take_and_drop(&r->lock, write);
		return;
	}
	for (unsigned i = 0; i < ROUNDS / 10; i++)
		take_and_drop(&r->lock, write);
	atomic_fetch_add(&r->done, 1);
}

TEST(aspace_rwlock_starves_nobody)
{
	for (int writer_loops = 0; writer_loops < 2; writer_loops++) {
		struct starve_run s = { .r = { .lock = RWLOCK_INIT }, .writer_loops = writer_loops };

		hosted_run_cpus(NCPUS, starve, &s);
		CHECK_EQ_U64(atomic_load(&s.r.done), NCPUS - 1);
	}
}

TEST(aspace_rwlock_refuses_interrupts_off)
{
	static struct rwlock l = RWLOCK_INIT;

	EXPECT_PANIC(env_irq_save(); rwlock_read_lock(&l), "interrupts off");
	EXPECT_PANIC(env_irq_save(); rwlock_write_lock(&l), "interrupts off");
}
