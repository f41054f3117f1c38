/*
 * The kernel's implementation of the mm/ environment contract (<mm/env.h>),
 * checked on every CPU: CPU ids are this CPU's and in range, interrupt
 * save/restore nests (only the outer restore re-enables), and the lock
 * excludes and can be tried.
 */
#include <mm/env.h>

#include <kernel/selftest.h>

SELFTEST_ALL_CPUS(mm_env_contract)
{
	ST_CHECK_EQ(env_cpu_id(), this_cpu_id());
	ST_CHECK(env_cpu_id() < env_cpu_count());
	ST_CHECK(env_cpu_count() <= ENV_MAX_CPUS);

	bool was_disabled = env_irqs_disabled();
	env_irqflags_t outer = env_irq_save();
	ST_CHECK(env_irqs_disabled());
	env_irqflags_t inner = env_irq_save();
	env_irq_restore(inner);
	ST_CHECK(env_irqs_disabled());
	env_irq_restore(outer);
	ST_CHECK(env_irqs_disabled() == was_disabled);

	env_spinlock_t l = ENV_SPINLOCK_INIT;
	ST_CHECK(env_spin_trylock(&l));
	ST_CHECK(!env_spin_trylock(&l));
	env_spin_unlock(&l);
	env_spin_lock(&l);
	env_spin_unlock(&l);
}
