/*
 * bench/run.c - the harness's entry point: reads its options from the
 * command line, writes the dump's header (variant, target, CPUs, TSC
 * rate, memory, timing modes, the timer's own cost), runs every selected
 * suite in every selected timing mode at every CPU count, and closes the
 * dump.
 *
 *   bench=all | bench=<item>[,<item>...]     which suites (bench/suites.c
 *                                            and the target's table); an
 *                                            item is a suite, or a family:
 *                                            "wis" selects every wis.*
 *   bench_cpus=<n>[,<n>...]                  CPU counts (default 1, 2, 4,
 *                                            ... and all online CPUs)
 *   bench_modes=<mode>[,<mode>...]           timing modes: each, sample,
 *                                            batch (default sample); the
 *                                            calibration suites run in all
 *   bench_sample=<n>                         sample mode: time 1 call in n
 *                                            (a power of two, default 64)
 *   bench_batch=<n>                          batch mode: calls per timed
 *                                            batch (default 256)
 *   bench_repeat=<k>                         which repeat of a series of
 *                                            boots this is (default 1),
 *                                            written into the header
 *   bench_cell=<name>                        the run plan's name for this
 *                                            boot (run_bench.sh's cell),
 *                                            written into the header so
 *                                            that a dump says which boot
 *                                            of a sweep it is
 *   bench_scale=<percent>                    operation counts, in percent of
 *                                            the defaults (1 .. 10000; the
 *                                            bulk frame suite never takes
 *                                            more than half of free memory)
 *   bench_quick=1                            bench_scale=12 (for tests)
 *
 * A bad option (unknown suite or mode, a CPU count above the CPUs online,
 * a malformed list) is reported and nothing is measured. Boot CPU, after
 * every CPU is online.
 */
#include <errno.h>
#include <string.h>

#include <mm/init.h>
#include <mm/shootdown.h>

#include "bench.h"
#include "lib/cmdline.h"
#include "lib/errno_name.h"
#include "lib/format.h"

#define MAX_STEPS 16
#define MAX_SUITES 64
#define TIMER_SAMPLES 1001
#define DEFAULT_MODES (1u << BENCH_SAMPLE)
#define DEFAULT_SAMPLE_PERIOD 64
#define DEFAULT_BATCH 256
#define CELL_MAX 64

struct selection {
	bool suite[MAX_SUITES];
	uint64_t cpus[MAX_STEPS];
	unsigned ncpus;
	unsigned scale;
	unsigned modes;		/* bit per enum bench_mode */
	unsigned sample_period, batch;
	uint64_t repeat;
	char cell[CELL_MAX];	/* "" without bench_cell= */
};

static unsigned nsuites(void)
{
	return bench_nsuites + bench_target_nsuites;
}

/* The portable suites, then the target's. */
static const struct bench_suite *suite_at(unsigned i)
{
	return i < bench_nsuites ? &bench_suites[i] : &bench_target_suites[i - bench_nsuites];
}

/* The length of the list item p starts (up to the next comma). */
static size_t item_len(const char *p)
{
	const char *comma = strchr(p, ',');

	return comma ? (size_t)(comma - p) : strlen(p);
}

/* Appends name to the comma-separated list out[0..n); returns the new n. */
static size_t append_item(char *out, size_t len, size_t n, const char *name)
{
	return n + (size_t)ksnprintf(out + n, len - n, "%s%s", n ? "," : "", name);
}

/* The length of suite s's family, the part of its name before the dot
 * (the whole name if it has none). */
static size_t family_len(const struct bench_suite *s)
{
	const char *dot = strchr(s->name, '.');

	return dot ? (size_t)(dot - s->name) : strlen(s->name);
}

static bool same_family(const struct bench_suite *a, const struct bench_suite *b)
{
	return family_len(a) == family_len(b) && memcmp(a->name, b->name, family_len(a)) == 0;
}

/* Selects the suite named item[0..len), or every suite of the family of
 * that name; false if there is neither. */
static bool select_item(const char *item, size_t len, struct selection *sel)
{
	bool found = false;

	for (unsigned s = 0; s < nsuites(); s++) {
		const struct bench_suite *b = suite_at(s);

		if ((strlen(b->name) == len || family_len(b) == len) &&
		    memcmp(b->name, item, len) == 0) {
			sel->suite[s] = true;
			found = true;
		}
	}
	return found;
}

static int parse_suites(const char *cmdline, struct selection *sel)
{
	char list[256];

	if (!cmdline_get(cmdline, "bench", list, sizeof(list)) || list[0] == '\0') {
		bench_printf("bench: bench= needs all or a list of suites\n");
		return -1;
	}
	if (strcmp(list, "all") == 0) {
		for (unsigned s = 0; s < nsuites(); s++)
			sel->suite[s] = true;
		return 0;
	}
	for (const char *p = list; *p;) {
		size_t len = item_len(p);

		if (len == 3 && memcmp(p, "all", 3) == 0) {
			bench_printf("bench: bench=all stands alone: give all, or a list of suites\n");
			return -1;
		}
		if (len == 0 || !select_item(p, len, sel)) {
			bench_printf("bench: unknown suite or family '%.*s'; known:", (int)len, p);
			for (unsigned k = 0; k < nsuites(); k++)
				bench_printf(" %s", suite_at(k)->name);
			bench_printf("\n");
			return -1;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_modes(const char *cmdline, struct selection *sel)
{
	char list[64];

	sel->modes = DEFAULT_MODES;
	if (!cmdline_get(cmdline, "bench_modes", list, sizeof(list)))
		return 0;
	sel->modes = 0;
	for (const char *p = list; *p;) {
		size_t len = item_len(p);
		unsigned m = 0;

		while (m < BENCH_NR_MODES && (strlen(bench_mode_names[m]) != len ||
					      memcmp(bench_mode_names[m], p, len) != 0))
			m++;
		if (m == BENCH_NR_MODES) {
			bench_printf("bench: unknown timing mode '%.*s'; known: each, sample, batch\n",
				     (int)len, p);
			return -1;
		}
		sel->modes |= 1u << m;
		p += len + (p[len] == ',');
	}
	if (sel->modes == 0) {
		bench_printf("bench: bench_modes= names no mode\n");
		return -1;
	}
	return 0;
}

static int parse_cpus(const char *cmdline, struct selection *sel)
{
	unsigned online = bench_cpus_online();
	int n = cmdline_get_list(cmdline, "bench_cpus", sel->cpus, MAX_STEPS);

	if (n == -ENOENT) {
		n = 0;
		for (unsigned c = 1; c < online && n < MAX_STEPS - 1; c *= 2)
			sel->cpus[n++] = c;
		sel->cpus[n++] = online;
	} else if (n < 0) {
		bench_printf("bench: bench_cpus= wants a list of CPU counts such as 1,2,4: "
			     "error %d (%s)\n", n, errno_name(-n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (sel->cpus[i] == 0 || sel->cpus[i] > online || sel->cpus[i] > BENCH_MAX_CPUS) {
			bench_printf("bench: bench_cpus: %llu CPUs asked, %u online (at most %u)\n",
				     (unsigned long long)sel->cpus[i], online, BENCH_MAX_CPUS);
			return -1;
		}
	}
	sel->ncpus = (unsigned)n;
	return 0;
}

/* key=<n> with lo <= n <= hi, or the default when absent. */
static int parse_number(const char *cmdline, const char *key, uint64_t lo, uint64_t hi,
			uint64_t *out)
{
	int rc = cmdline_get_u64(cmdline, key, out);

	if ((rc != 0 && rc != -ENOENT) || *out < lo || *out > hi) {
		bench_printf("bench: %s= wants a number from %llu to %llu\n", key,
			     (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	return 0;
}

/* bench_cell=: a dump value (bench/FORMAT.md's characters), not empty. */
static int parse_cell(const char *cmdline, struct selection *sel)
{
	sel->cell[0] = '\0';
	if (!cmdline_has(cmdline, "bench_cell"))
		return 0;
	bool ok = cmdline_get(cmdline, "bench_cell", sel->cell, sizeof(sel->cell)) &&
		  sel->cell[0] != '\0';
	for (const char *c = sel->cell; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		     (*c >= '0' && *c <= '9') || strchr("_.,:/+-", *c) != NULL;
	if (!ok) {
		bench_printf("bench: bench_cell= wants a name of at most %d letters, digits and "
			     "_.,:/+-\n", CELL_MAX - 1);
		return -1;
	}
	return 0;
}

static int parse(const char *cmdline, struct selection *sel)
{
	uint64_t quick = 0, scale = 100, period = DEFAULT_SAMPLE_PERIOD, batch = DEFAULT_BATCH;

	sel->repeat = 1;
	if (nsuites() > MAX_SUITES) {
		bench_printf("bench: %u suites declared, the selection holds %u\n", nsuites(),
			     MAX_SUITES);
		return -1;
	}
	if (parse_number(cmdline, "bench_quick", 0, 1, &quick) != 0)
		return -1;
	if (quick)
		scale = 12;
	if (parse_number(cmdline, "bench_scale", 1, 10000, &scale) != 0 ||
	    parse_number(cmdline, "bench_sample", 1, 65536, &period) != 0 ||
	    parse_number(cmdline, "bench_batch", 1, 65536, &batch) != 0 ||
	    parse_number(cmdline, "bench_repeat", 1, 1000000, &sel->repeat) != 0)
		return -1;
	if (period & (period - 1)) {
		bench_printf("bench: bench_sample= wants a power of two, got %llu\n",
			     (unsigned long long)period);
		return -1;
	}
	sel->scale = (unsigned)scale;
	sel->sample_period = (unsigned)period;
	sel->batch = (unsigned)batch;
	return parse_suites(cmdline, sel) || parse_modes(cmdline, sel) ||
			       parse_cpus(cmdline, sel) || parse_cell(cmdline, sel)
		       ? -1
		       : 0;
}

/* Cost of an empty timed interval, as BENCH_TIME measures it. */
static void timer_cost(uint64_t *min, uint64_t *median)
{
	static uint64_t d[TIMER_SAMPLES];
	bench_irqflags_t irq = bench_irq_save();

	for (unsigned i = 0; i < TIMER_SAMPLES; i++) {
		uint64_t t0 = bench_tsc();
		uint64_t t1 = bench_tsc();
		d[i] = t1 - t0;
	}
	bench_irq_restore(irq);
	for (unsigned i = 1; i < TIMER_SAMPLES; i++)
		for (unsigned j = i; j > 0 && d[j - 1] > d[j]; j--) {
			uint64_t t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
		}
	*min = d[0];
	*median = d[TIMER_SAMPLES / 2];
}

/* Whether every suite of suite s's family is selected. */
static bool whole_family(const struct selection *sel, const struct bench_suite *b)
{
	for (unsigned k = 0; k < nsuites(); k++)
		if (same_family(suite_at(k), b) && !sel->suite[k])
			return false;
	return true;
}

/* Comma-separated: the selected suites, "all" for every one and a
 * family's name for all of its suites, so that the header keeps within a
 * dump line however many suites there are (the suite records then name
 * them). */
static void suite_list(const struct selection *sel, char *out, size_t len)
{
	size_t n = 0;
	unsigned selected = 0;

	for (unsigned s = 0; s < nsuites(); s++)
		selected += sel->suite[s];
	out[0] = '\0';
	if (selected == nsuites()) {
		ksnprintf(out, len, "all");
		return;
	}
	for (unsigned s = 0; s < nsuites(); s++) {
		const struct bench_suite *b = suite_at(s);
		bool first_of_family = true;

		if (!sel->suite[s])
			continue;
		for (unsigned k = 0; k < s && first_of_family; k++)
			first_of_family = !same_family(suite_at(k), b);
		if (!whole_family(sel, b))
			n = append_item(out, len, n, b->name);
		else if (first_of_family)
			n += (size_t)ksnprintf(out + n, len - n, "%s%.*s", n ? "," : "",
					       (int)family_len(b), b->name);
	}
}

static void mode_list(unsigned modes, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned m = 0; m < BENCH_NR_MODES; m++)
		if (modes & (1u << m))
			n = append_item(out, len, n, bench_mode_names[m]);
}

/* The modes suite s runs in. */
static unsigned suite_modes(const struct selection *sel, const struct bench_suite *s)
{
	if (s->own_timing)
		return 1u << (s->own_sampled ? BENCH_SAMPLE : BENCH_EACH);
	return s->every_mode ? (1u << BENCH_NR_MODES) - 1 : sel->modes;
}

static void header(const struct selection *sel)
{
	struct mm_frame_accounting a;
	char suites[320], modes[32], target[96];
	uint64_t tmin, tmed;
	unsigned run = 0;	/* every mode some selected suite runs in */

	for (unsigned s = 0; s < nsuites(); s++)
		if (sel->suite[s])
			run |= suite_modes(sel, suite_at(s));
	suite_list(sel, suites, sizeof(suites));
	mode_list(run, modes, sizeof(modes));
	bench_target_describe(target, sizeof(target));
	mm_frame_accounting(&a);
	timer_cost(&tmin, &tmed);
	bench_record("begin",
		     "version=4 variant=%s-%s-%s debug=%d %s cpus=%u tsc_hz=%llu mem_mib=%llu "
		     "timer_min=%llu timer_median=%llu repeat=%llu modes=%s sample_period=%u "
		     "batch=%u suites=%s%s%s",
		     mm_variant_frame(), mm_variant_slab(), shootdown_variant, MM_DEBUG, target,
		     bench_cpus_online(), (unsigned long long)bench_tsc_hz(),
		     (unsigned long long)((a.total - a.reserved) >> (20 - 12)),
		     (unsigned long long)tmin, (unsigned long long)tmed,
		     (unsigned long long)sel->repeat, modes, sel->sample_period, sel->batch, suites,
		     sel->cell[0] ? " cell=" : "", sel->cell);
}

bool bench_main(const char *cmdline)
{
	static struct selection sel;
	unsigned nsteps = 0, step_no = 0;
	bool all_ok = true;

	if (parse(cmdline, &sel) != 0)
		return false;
	for (unsigned s = 0; s < nsuites(); s++)
		for (unsigned m = 0; m < BENCH_NR_MODES && sel.suite[s]; m++)
			nsteps += suite_modes(&sel, suite_at(s)) & (1u << m) ? sel.ncpus : 0;
	header(&sel);
	for (unsigned s = 0; s < nsuites(); s++) {
		const struct bench_suite *suite = suite_at(s);
		unsigned modes = suite_modes(&sel, suite);
		bool ok = true;

		if (!sel.suite[s])
			continue;
		for (unsigned m = 0; m < BENCH_NR_MODES; m++) {
			if (!(modes & (1u << m)))
				continue;
			for (unsigned c = 0; c < sel.ncpus; c++) {
				const struct bench_step step = {
					.cpus = (unsigned)sel.cpus[c], .scale = sel.scale,
					.mode = (enum bench_mode)m, .sample_period = sel.sample_period,
					.batch = sel.batch,
				};
				bench_printf("bench: suite %s cpus=%u mode=%s (%u/%u): %s\n",
					     suite->name, step.cpus, bench_mode_names[m], ++step_no,
					     nsteps, suite->what);
				if (suite->run(&step) != 0)
					ok = false;
			}
		}
		bench_record("suite", "name=%s status=%s", suite->name, ok ? "ok" : "failed");
		all_ok &= ok;
	}
	bench_record("end", "status=%s records=%u", all_ok ? "ok" : "failed", bench_records());
	return all_ok;
}
