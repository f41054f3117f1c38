/*
 * Fault recovery for probes: on every CPU, a probe of a mapped address
 * reads and writes it, while a probe of an unmapped address or of a
 * non-canonical one reports -EFAULT instead of panicking, and execution
 * goes on normally afterwards.
 */
#include <errno.h>
#include <stdint.h>

#include <arch/extable.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>

#define UNMAPPED_ADDR 0xffff900000002000ull
#define NONCANONICAL_ADDR 0x8000000000001000ull

SELFTEST_ALL_CPUS(extable_probes_recover_from_faults)
{
	volatile uint64_t word = 0x5a5a0000u + this_cpu_id();
	uint64_t v = 0;

	ST_CHECK_EQ(probe_read_u64(&word, &v), 0);
	ST_CHECK_EQ(v, 0x5a5a0000u + this_cpu_id());
	ST_CHECK_EQ(probe_write_u64(&word, 77), 0);
	ST_CHECK_EQ(word, 77);

	v = 1;
	ST_CHECK_EQ(probe_read_u64((void *)UNMAPPED_ADDR, &v), -EFAULT);
	ST_CHECK_EQ(v, 0);
	ST_CHECK_EQ(probe_write_u64((void *)UNMAPPED_ADDR, 1), -EFAULT);
	ST_CHECK_EQ(probe_read_u64((void *)NONCANONICAL_ADDR, &v), -EFAULT);
	ST_CHECK_EQ(probe_write_u64((void *)NONCANONICAL_ADDR, 1), -EFAULT);
	ST_CHECK_EQ(probe_read_u64(&word, &v), 0);
	ST_CHECK_EQ(v, 77);
}
