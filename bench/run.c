/*
 * bench/run.c - the harness's entry point: reads bench=, bench_cpus= and
 * bench_scale= / bench_quick= from the command line, writes the dump's header (variant,
 * commit, CPUs, TSC rate, hypervisor, memory, the timer's own cost), runs
 * every selected suite at every CPU count, and closes the dump.
 *
 *   bench=all | bench=<suite>[,<suite>...]   which suites (bench/suites.c)
 *   bench_cpus=<n>[,<n>...]                  CPU counts (default 1, 2, 4,
 *                                            ... and all online CPUs)
 *   bench_scale=<percent>                    operation counts, in percent of
 *                                            the defaults (1 .. 10000; the
 *                                            bulk frame suite never takes
 *                                            more than half of free memory)
 *   bench_quick=1                            bench_scale=12 (for tests)
 *
 * A bad option (unknown suite, a CPU count above the CPUs online, a
 * malformed list) is reported and nothing is measured. Boot CPU, after
 * every CPU is online.
 */
#include <errno.h>
#include <string.h>

#include <arch/cpu.h>
#include <arch/tsc.h>
#include <kernel/bench.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <lib/cmdline.h>
#include <lib/format.h>
#include <mm/init.h>
#include <shootdown.h>

#include "bench.h"

#define MAX_STEPS 16
#define MAX_SUITES 32
#define TIMER_SAMPLES 1001

struct selection {
	bool suite[MAX_SUITES];
	uint64_t cpus[MAX_STEPS];
	unsigned ncpus;
	unsigned scale;
};

static int find_suite(const char *name, size_t len)
{
	for (unsigned s = 0; s < bench_nsuites; s++)
		if (strlen(bench_suites[s].name) == len && memcmp(bench_suites[s].name, name, len) == 0)
			return (int)s;
	return -1;
}

static int parse_suites(const char *cmdline, struct selection *sel)
{
	char list[256];

	if (!cmdline_get(cmdline, "bench", list, sizeof(list)) || list[0] == '\0') {
		kprintf("bench: bench= needs all or a list of suites\n");
		return -1;
	}
	if (strcmp(list, "all") == 0) {
		for (unsigned s = 0; s < bench_nsuites; s++)
			sel->suite[s] = true;
		return 0;
	}
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int s = find_suite(p, len);

		if (s < 0) {
			kprintf("bench: unknown suite '%.*s'; known:", (int)len, p);
			for (unsigned k = 0; k < bench_nsuites; k++)
				kprintf(" %s", bench_suites[k].name);
			kprintf("\n");
			return -1;
		}
		sel->suite[s] = true;
		p += len + (comma != NULL);
	}
	return 0;
}

static int parse_cpus(const char *cmdline, struct selection *sel)
{
	int n = cmdline_get_list(cmdline, "bench_cpus", sel->cpus, MAX_STEPS);

	if (n == -ENOENT) {
		n = 0;
		for (unsigned c = 1; c < smp_cpus_online && n < MAX_STEPS - 1; c *= 2)
			sel->cpus[n++] = c;
		sel->cpus[n++] = smp_cpus_online;
	} else if (n < 0) {
		kprintf("bench: bench_cpus= wants a list of CPU counts such as 1,2,4 (error %d)\n", n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (sel->cpus[i] == 0 || sel->cpus[i] > smp_cpus_online ||
		    sel->cpus[i] > BENCH_MAX_CPUS) {
			kprintf("bench: bench_cpus: %llu CPUs asked, %u online (at most %u)\n",
				(unsigned long long)sel->cpus[i], smp_cpus_online, BENCH_MAX_CPUS);
			return -1;
		}
	}
	sel->ncpus = (unsigned)n;
	return 0;
}

static int parse(const char *cmdline, struct selection *sel)
{
	uint64_t quick = 0, scale = 100;
	int rc = cmdline_get_u64(cmdline, "bench_quick", &quick);

	if (bench_nsuites > MAX_SUITES) {
		kprintf("bench: %u suites declared, the selection holds %u\n", bench_nsuites,
			MAX_SUITES);
		return -1;
	}

	if ((rc != 0 && rc != -ENOENT) || quick > 1) {
		kprintf("bench: bench_quick= wants 0 or 1\n");
		return -1;
	}
	if (quick)
		scale = 12;
	rc = cmdline_get_u64(cmdline, "bench_scale", &scale);
	if ((rc != 0 && rc != -ENOENT) || scale < 1 || scale > 10000) {
		kprintf("bench: bench_scale= wants a percentage from 1 to 10000\n");
		return -1;
	}
	sel->scale = (unsigned)scale;
	return parse_suites(cmdline, sel) || parse_cpus(cmdline, sel) ? -1 : 0;
}

/* Cost of an empty timed interval, as BENCH_TIME measures it. */
static void timer_cost(uint64_t *min, uint64_t *median)
{
	static uint64_t d[TIMER_SAMPLES];
	irqflags_t irq = irq_save();

	for (unsigned i = 0; i < TIMER_SAMPLES; i++) {
		uint64_t t0 = tsc_read_fenced();
		uint64_t t1 = tsc_read_fenced();
		d[i] = t1 - t0;
	}
	irq_restore(irq);
	for (unsigned i = 1; i < TIMER_SAMPLES; i++)
		for (unsigned j = i; j > 0 && d[j - 1] > d[j]; j--) {
			uint64_t t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
		}
	*min = d[0];
	*median = d[TIMER_SAMPLES / 2];
}

static const char *hypervisor(char *buf, size_t len)
{
	const char *accel = cpu_accel_name();

	if (strcmp(accel, "unknown") != 0)
		return accel;
	ksnprintf(buf, len, "%s", cpu_features.hypervisor_id);
	for (char *c = buf; *c; c++)
		if (*c == ' ' || *c == '=' || *c == '*')
			*c = '_';
	return buf;
}

static void header(const struct selection *sel)
{
	struct mm_frame_accounting a;
	char suites[256] = "", hv[16];
	uint64_t tmin, tmed;
	size_t n = 0;

	for (unsigned s = 0; s < bench_nsuites; s++)
		if (sel->suite[s])
			n += (size_t)ksnprintf(suites + n, sizeof(suites) - n, "%s%s", n ? "," : "",
					       bench_suites[s].name);
	mm_frame_accounting(&a);
	timer_cost(&tmin, &tmed);
	bench_record("begin",
		     "version=1 variant=%s-%s-%s debug=%d commit=%s cpus=%u tsc_hz=%llu "
		     "hypervisor=%s mem_mib=%llu timer_min=%llu timer_median=%llu suites=%s",
		     mm_variant_frame(), mm_variant_slab(), shootdown_variant, MM_DEBUG,
		     KERNEL_COMMIT, smp_cpus_online, (unsigned long long)tsc_hz,
		     hypervisor(hv, sizeof(hv)),
		     (unsigned long long)((a.total - a.reserved) >> (20 - 12)),
		     (unsigned long long)tmin, (unsigned long long)tmed, suites);
}

bool bench_main(const char *cmdline)
{
	static struct selection sel;
	unsigned nsteps = 0, step_no = 0;
	bool all_ok = true;

	if (parse(cmdline, &sel) != 0)
		return false;
	for (unsigned s = 0; s < bench_nsuites; s++)
		nsteps += sel.suite[s] ? sel.ncpus : 0;
	header(&sel);
	for (unsigned s = 0; s < bench_nsuites; s++) {
		const struct bench_suite *suite = &bench_suites[s];
		bool ok = true;

		if (!sel.suite[s])
			continue;
		for (unsigned c = 0; c < sel.ncpus; c++) {
			const struct bench_step step = { .cpus = (unsigned)sel.cpus[c], .scale = sel.scale };
			kprintf("bench: suite %s cpus=%u (%u/%u): %s\n", suite->name, step.cpus,
				++step_no, nsteps, suite->what);
			if (suite->run(&step) != 0)
				ok = false;
		}
		bench_record("suite", "name=%s status=%s", suite->name, ok ? "ok" : "failed");
		all_ok &= ok;
	}
	bench_record("end", "status=%s records=%u", all_ok ? "ok" : "failed", bench_records());
	return all_ok;
}
