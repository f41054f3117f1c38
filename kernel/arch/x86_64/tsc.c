/*
 * TSC frequency calibration and delays.
 *
 * Preference: CPUID leaf 0x15 (crystal clock and ratio, exact when the
 * crystal frequency is given), then the HPET (a 10 MHz-class counter read
 * over MMIO), then PIT channel 2 (1.193182 MHz, polled through port 0x61).
 * A measured source is timed over several short windows and the median
 * kept, so one preempted window on a noisy host does not skew the result.
 *
 * Runs once on the boot CPU before the APs start; tsc_hz is read-only after.
 */
#include <arch/cpu.h>
#include <arch/tsc.h>
#include <kernel/acpi.h>
#include <kernel/panic.h>
#include <kernel/printk.h>

#define CAL_WINDOWS 5
#define CAL_WINDOW_MS 10

uint64_t tsc_hz;
const char *tsc_source = "none";

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

static uint64_t hpet_measure_tsc(unsigned ms)
{
	uint64_t ticks = (uint64_t)ms * 1000000000000ull / hpet_period_fs();
	uint64_t h0 = hpet_read();
	uint64_t t0 = tsc_read();
	while (hpet_read() - h0 < ticks)
		cpu_pause();
	uint64_t t1 = tsc_read();
	uint64_t h1 = hpet_read();
	/* Scale by what the HPET really advanced, not by what we asked. */
	uint64_t elapsed_ns = (h1 - h0) * hpet_period_fs() / 1000000;
	return (t1 - t0) * 1000000000ull / elapsed_ns;
}

uint64_t tsc_measure_hz_pit_once(void)
{
	return pit_measure_tsc(CAL_WINDOW_MS) * (1000 / CAL_WINDOW_MS);
}

static uint64_t tsc_measure_hz_pit(void)
{
	uint64_t samples[CAL_WINDOWS];
	for (unsigned i = 0; i < CAL_WINDOWS; i++)
		samples[i] = tsc_measure_hz_pit_once();
	return median(samples, CAL_WINDOWS);
}

static uint64_t tsc_measure_hz_hpet(void)
{
	uint64_t samples[CAL_WINDOWS];
	for (unsigned i = 0; i < CAL_WINDOWS; i++)
		samples[i] = hpet_measure_tsc(CAL_WINDOW_MS);
	return median(samples, CAL_WINDOWS);
}

void tsc_calibrate(const struct acpi_info *acpi)
{
	tsc_hz = cpuid_crystal_hz();
	if (tsc_hz) {
		tsc_source = "cpuid-0x15";
		return;
	}
	if (acpi->hpet.present && hpet_init(acpi->hpet.base)) {
		tsc_hz = tsc_measure_hz_hpet();
		tsc_source = "hpet";
	} else {
		tsc_hz = tsc_measure_hz_pit();
		tsc_source = "pit";
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
