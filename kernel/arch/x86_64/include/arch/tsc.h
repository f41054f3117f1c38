/*
 * The time-stamp counter. tsc_read() keeps the read after earlier
 * instructions; tsc_read_fenced() also keeps later ones after it, for
 * bracketing a timed region (an lfence is dispatch-serializing on Intel
 * and, with the usual MSR set, on AMD). tsc_hz comes from CPUID 0x15 when
 * it gives a crystal frequency, else from the HPET, else from the PIT.
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/x86.h>

struct acpi_info;

extern uint64_t tsc_hz;
extern const char *tsc_source;

static inline uint64_t tsc_read(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc_raw();
}

/* For bracketing a timed region: neither earlier nor later instructions
 * can move across the read. */
static inline uint64_t tsc_read_fenced(void)
{
	uint64_t t;
	__asm__ volatile("lfence" ::: "memory");
	t = rdtsc_raw();
	__asm__ volatile("lfence" ::: "memory");
	return t;
}

void tsc_calibrate(const struct acpi_info *acpi);
/* One timed window against a reference timer: the TSC rate it gives and a
 * bound on that rate's error from how long the reads at its ends took
 * (a vCPU descheduled there widens the bound, not the error). Not valid
 * when the reference wrapped during the window. */
struct tsc_window {
	uint64_t hz;
	uint64_t err_hz;
	bool valid;
};

/* One independent 25 ms window against the PIT, for cross-checking the
 * calibration. Boot CPU only. */
struct tsc_window tsc_measure_pit_window(void);
void udelay(uint64_t us);
uint64_t tsc_to_ns(uint64_t ticks);

/* Reference timers used for calibration. */
bool hpet_init(uint64_t phys);
uint64_t hpet_read(void);
uint64_t hpet_period_fs(void);
uint64_t hpet_counter_mask(void);

#define PIT_HZ 1193182u
void pit_start(void);
uint64_t pit_read(void);
bool pit_wrapped(void);

#endif
