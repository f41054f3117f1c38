/*
 * The reusable barrier: in every round each CPU adds to that round's
 * counter, waits, and must then see every CPU's contribution; back-to-back
 * rounds reuse the barrier with no reset in between.
 */
#include <stdatomic.h>

#include <kernel/barrier.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>

#define ROUNDS 50

static struct barrier bar;
static atomic_uint arrivals[ROUNDS];

static void barrier_worker(void *arg)
{
	(void)arg;
	for (unsigned r = 0; r < ROUNDS; r++) {
		atomic_fetch_add(&arrivals[r], 1);
		barrier_wait(&bar);
		unsigned seen = atomic_load(&arrivals[r]);
		if (seen != smp_cpus_online) {
			selftest_fail("round %u: saw %u arrivals after the barrier, expected %u", r,
				      seen, smp_cpus_online);
			return;
		}
	}
}

SELFTEST(barrier_reuse)
{
	barrier_init(&bar, smp_cpus_online);
	for (unsigned r = 0; r < ROUNDS; r++)
		atomic_init(&arrivals[r], 0);
	on_each_cpu(barrier_worker, NULL);
}
