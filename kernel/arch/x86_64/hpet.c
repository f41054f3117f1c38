/*
 * HPET main counter, used as a calibration reference. The registers are
 * one uncached window from the MMIO manager, kept for the kernel's life. Enabling the counter is idempotent; nothing else about
 * the HPET (comparators, interrupts) is touched.
 */
#include <arch/tsc.h>
#include <mm/io.h>

#define HPET_CAP     0x000
#define HPET_CONFIG  0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE  1ull
#define HPET_CAP_64BIT (1ull << 13)

/* The specification caps the period at 100 ns. */
#define HPET_MAX_PERIOD_FS 100000000ull

static volatile uint64_t *hpet_regs;
static uint64_t period_fs;

bool hpet_init(uint64_t phys)
{
	if (phys == 0 || (hpet_regs = ioremap(phys, 0x400)) == NULL)
		return false;
	period_fs = hpet_regs[HPET_CAP / 8] >> 32;
	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS) {
		iounmap(hpet_regs);
		hpet_regs = NULL;
		return false;
	}
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

uint64_t hpet_counter_mask(void)
{
	return hpet_regs[HPET_CAP / 8] & HPET_CAP_64BIT ? ~0ull : 0xffffffffull;
}
