/*
 * TSC frequency calibration and delays.
 *
 * Preference: CPUID leaf 0x15 (crystal clock and ratio, exact when the
 * crystal frequency is given), then the HPET (a 10 MHz-class counter read
 * over MMIO), then PIT channel 2 (1.193182 MHz, read through ports).
 *
 * A window reads the reference at each end between two TSC reads: the
 * midpoint dates the read and the bracket bounds its error. Polling for the
 * end of a window instead cannot tell a late look from a slow clock, and on
 * a loaded host a descheduled vCPU looks late by milliseconds. Windows
 * whose brackets make them worse than CAL_TRUST are dropped, and the median
 * of the rest is kept.
 *
 * Runs once on the boot CPU before the APs start; tsc_hz is read-only after.
 */
#include <arch/cpu.h>
#include <arch/tsc.h>
#include <kernel/acpi.h>
#include <kernel/panic.h>
#include <kernel/printk.h>

#define CAL_WINDOWS 5
#define CAL_ATTEMPTS 50
#define CAL_WINDOW_MS 25
#define CAL_TRUST 1000 /* a window is kept when its error is under 1/1000 */

uint64_t tsc_hz;
const char *tsc_source = "none";

/* A counter to calibrate against: it counts up at `hz`, modulo mask + 1. */
struct ref_clock {
	uint64_t (*read)(void);
	void (*start)(void);    /* optional: arm it for one window */
	bool (*wrapped)(void);  /* optional: did it wrap since start */
	uint64_t hz;
	uint64_t mask;
};

static const struct ref_clock pit_clock = {
	.read = pit_read,
	.start = pit_start,
	.wrapped = pit_wrapped,
	.hz = PIT_HZ,
	.mask = 0xffff,
};

static struct ref_clock hpet_clock = { .read = hpet_read };

static uint64_t median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static uint64_t cpuid_crystal_hz(void)
{
	if (cpu_features.max_leaf < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* Reads the reference between two TSC reads; returns the TSC midpoint. */
static uint64_t bracketed_read(const struct ref_clock *c, uint64_t *ref, uint64_t *width)
{
	uint64_t a = tsc_read_fenced();
	*ref = c->read();
	uint64_t b = tsc_read_fenced();
	*width = b - a;
	return a + (b - a) / 2;
}

static struct tsc_window measure_window(const struct ref_clock *c, unsigned ms)
{
	struct tsc_window w = { 0 };
	uint64_t want = c->hz * ms / 1000;
	uint64_t r0, r1, w0, w1;

	if (c->start)
		c->start();
	uint64_t m0 = bracketed_read(c, &r0, &w0);
	while (((c->read() - r0) & c->mask) < want)
		cpu_pause();
	uint64_t m1 = bracketed_read(c, &r1, &w1);
	if (c->wrapped && c->wrapped())
		return w;
	uint64_t dref = (r1 - r0) & c->mask;
	uint64_t dtsc = m1 - m0;
	if (dref < want || dtsc == 0)
		return w;
	w.hz = dtsc * c->hz / dref;
	/* Half of each bracket in TSC ticks, plus one reference tick. */
	w.err_hz = ((w0 + w1) / 2 + 1) * c->hz / dref + w.hz / dref + 1;
	w.valid = true;
	return w;
}

/* The median of up to CAL_WINDOWS trusted windows; if CAL_ATTEMPTS give
 * none, the tightest window seen, with a warning. */
static uint64_t measure_hz(const struct ref_clock *c, const char *name)
{
	uint64_t samples[CAL_WINDOWS];
	unsigned n = 0;
	struct tsc_window best = { 0 };

	for (unsigned i = 0; i < CAL_ATTEMPTS && n < CAL_WINDOWS; i++) {
		struct tsc_window w = measure_window(c, CAL_WINDOW_MS);
		if (!w.valid)
			continue;
		if (w.err_hz * CAL_TRUST <= w.hz)
			samples[n++] = w.hz;
		if (!best.valid || w.err_hz < best.err_hz)
			best = w;
	}
	if (n > 0)
		return median(samples, n);
	if (best.valid)
		kprintf("tsc: no window against the %s within 1/%u; using %lu +- %lu Hz\n",
			name, CAL_TRUST, (unsigned long)best.hz, (unsigned long)best.err_hz);
	return best.hz;
}

struct tsc_window tsc_measure_pit_window(void)
{
	return measure_window(&pit_clock, CAL_WINDOW_MS);
}

void tsc_calibrate(const struct acpi_info *acpi)
{
	tsc_hz = cpuid_crystal_hz();
	if (tsc_hz) {
		tsc_source = "cpuid-0x15";
		return;
	}
	if (acpi->hpet.present && hpet_init(acpi->hpet.base)) {
		tsc_source = "hpet";
		hpet_clock.hz = (1000000000000000ull + hpet_period_fs() / 2) / hpet_period_fs();
		hpet_clock.mask = hpet_counter_mask();
		tsc_hz = measure_hz(&hpet_clock, tsc_source);
	} else {
		tsc_source = "pit";
		tsc_hz = measure_hz(&pit_clock, tsc_source);
	}
	if (tsc_hz == 0)
		panic("TSC calibration against the %s failed", tsc_source);
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	/* Split to avoid overflow for long intervals. */
	return ticks / tsc_hz * 1000000000ull + ticks % tsc_hz * 1000000000ull / tsc_hz;
}

void udelay(uint64_t us)
{
	uint64_t start = tsc_read();
	uint64_t ticks = tsc_hz / 1000000 * us;
	while (tsc_read() - start < ticks)
		cpu_pause();
}
