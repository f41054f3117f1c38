/*
 * Self-tests of the ticket and MCS locks on every CPU at once: mutual
 * exclusion (a plain counter incremented under the lock must end exact)
 * and, for the ticket lock, FIFO service (the n-th acquisition must be
 * served ticket n, checked inside the critical section). trylock must fail
 * on a held lock and succeed on a free one.
 */
#include <stddef.h>

#include <kernel/mcs.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>

/* Total acquisitions, split across the CPUs. A FIFO lock hands over to
 * one specific waiter; with more vCPUs than host cores (TCG) that waiter
 * is often descheduled, so a handover can cost a host time slice. */
#define TOTAL_ROUNDS 1600
#define ROUNDS (TOTAL_ROUNDS / smp_cpus_online)

static spinlock_t tlock;
static struct mcs_lock mlock;
static unsigned long counter, served, out_of_order;

static void ticket_worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ROUNDS; i++) {
		irqflags_t f = irq_save();
		uint32_t t = spin_lock_ticket(&tlock);
		if (t != (uint32_t)served)
			out_of_order++;
		served++;
		counter = counter + 1;
		spin_unlock(&tlock);
		irq_restore(f);
	}
}

SELFTEST(spinlock_ticket_exclusion_fifo)
{
	spin_lock_init(&tlock);
	counter = served = out_of_order = 0;
	on_each_cpu(ticket_worker, NULL);
	ST_CHECK_EQ(counter, (unsigned long)ROUNDS * smp_cpus_online);
	ST_CHECK_EQ(out_of_order, 0);
	ST_CHECK(!spin_is_locked(&tlock));
}

SELFTEST(spinlock_trylock)
{
	spinlock_t l = SPINLOCK_INIT;
	ST_CHECK(spin_trylock(&l));
	ST_CHECK(spin_is_locked(&l));
	ST_CHECK(!spin_trylock(&l));
	spin_unlock(&l);
	ST_CHECK(!spin_is_locked(&l));
	irqflags_t f = spin_lock_irqsave(&l);
	ST_CHECK(irqs_disabled());
	spin_unlock_irqrestore(&l, f);
	ST_CHECK(spin_trylock(&l));
	spin_unlock(&l);
}

/* Fewer rounds: under vCPU oversubscription an MCS handover also waits
 * for a descheduled successor to link itself in (measured at 16 vCPUs on
 * 2 cores: about 10x slower per acquisition than the ticket lock). */
#define MCS_ROUNDS (ROUNDS / 4)

static void mcs_worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < MCS_ROUNDS; i++) {
		struct mcs_node node;
		irqflags_t f = mcs_lock_irqsave(&mlock, &node);
		counter = counter + 1;
		mcs_unlock_irqrestore(&mlock, &node, f);
	}
}

SELFTEST(spinlock_mcs_exclusion)
{
	atomic_init(&mlock.tail, NULL);
	counter = 0;
	on_each_cpu(mcs_worker, NULL);
	ST_CHECK_EQ(counter, (unsigned long)MCS_ROUNDS * smp_cpus_online);
	ST_CHECK(atomic_load(&mlock.tail) == NULL);
}
