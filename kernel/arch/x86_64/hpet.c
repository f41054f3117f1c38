/*
 * HPET main counter, used only as a calibration reference. The registers
 * are reached through the boot direct map, which maps the top 32 MiB below
 * 4 GiB uncached. Enabling the counter is idempotent; nothing else about
 * the HPET (comparators, interrupts) is touched.
 */
#include <arch/layout.h>
#include <arch/tsc.h>

#define HPET_CAP     0x000
#define HPET_CONFIG  0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE  1ull

/* The specification caps the period at 100 ns. */
#define HPET_MAX_PERIOD_FS 100000000ull

static volatile uint64_t *hpet_regs;
static uint64_t period_fs;

bool hpet_init(uint64_t phys)
{
	if (phys == 0 || phys + 0x400 > BOOT_MAPPED_PHYS)
		return false;
	hpet_regs = phys_to_virt(phys);
	period_fs = hpet_regs[HPET_CAP / 8] >> 32;
	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS)
		return false;
	hpet_regs[HPET_CONFIG / 8] |= HPET_ENABLE;
	return true;
}

uint64_t hpet_read(void)
{
	return hpet_regs[HPET_COUNTER / 8];
}

uint64_t hpet_period_fs(void)
{
	return period_fs;
}
