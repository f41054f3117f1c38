/*
 * bench-hosted: the portable benchmark suites (bench/suites.c) run as a
 * Linux program over the hosted mm/, one pinned thread per host core,
 * writing the same dump as the kernel (bench/FORMAT.md) to stdout.
 *
 *   bench-hosted [--mem MIB] [--cpus PU,PU,...] KEY=VALUE...
 *
 * The KEY=VALUE arguments, joined by spaces, are the command line
 * bench_main reads (bench=, bench_cpus=, bench_modes=, ... as on the
 * kernel's). --cpus names the host processing units CPU 0, 1, ... run
 * on, one per core; without it, the first PU of every core this process
 * may run on (sched_getaffinity, cores from sysfs's thread_siblings_list).
 * The CPUs online are as many as the PUs. --mem sets the simulated RAM
 * that mm/ manages (default 512 MiB).
 *
 * Exit status: 0 when every suite completed, 1 when one failed or the
 * machine cannot be measured (no invariant TSC, no memory), 2 for a usage
 * error (bad option, a PU that is not available or shares a core, more
 * CPUs than host cores).
 *
 * Everything here runs on the main thread, which is CPU 0 outside the
 * phases (the hosted environment's rule) and the harness's coordinator.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/hal.h>
#include <mm/init.h>

#include "bench.h"

#define DEFAULT_MEM_MIB 512
#define MIN_MEM_MIB 16
#define MAX_MEM_MIB (1ull << 20)
#define SIBLINGS_MAX 256	/* a thread_siblings_list line */

static const char usage_text[] =
	"usage: bench-hosted [--mem MIB] [--cpus PU,PU,...] KEY=VALUE...\n"
	"  KEY=VALUE  the harness's options, as on the kernel command line:\n"
	"             bench=all|<suite>,...  bench_cpus=1,2  bench_modes=sample,batch\n"
	"             bench_quick=1  bench_repeat=<k>  bench_scale=<percent>\n"
	"             bench_cell=<name> ...\n"
	"  --cpus     host processing units for CPUs 0, 1, ..., one per core\n"
	"             (default: one PU of every core this process may use)\n"
	"  --mem      simulated RAM for the allocators, MiB (default 512)\n";

static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-hosted: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	exit(2);
}

/* The PUs sharing pu's core, as sysfs lists them: equal strings, same core.
 * A PU whose topology cannot be read counts as a core of its own. */
static void core_of(int pu, char *out, size_t len)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
		 pu);
	f = fopen(path, "r");
	if (f == NULL || fgets(out, (int)len, f) == NULL)
		snprintf(out, len, "pu%d", pu);
	if (f != NULL)
		fclose(f);
}

/* The cores this process may run on. */
struct host {
	cpu_set_t allowed;
	int core_pu[BENCH_MAX_CPUS];	/* the first allowed PU of each core */
	char core[BENCH_MAX_CPUS][SIBLINGS_MAX];	/* core_of(core_pu[c]) */
	unsigned ncores;
};

/* The index of pu's core in h->core, or -1. */
static int core_index(const struct host *h, int pu)
{
	char mine[SIBLINGS_MAX];

	core_of(pu, mine, sizeof(mine));
	for (unsigned c = 0; c < h->ncores; c++)
		if (strcmp(mine, h->core[c]) == 0)
			return (int)c;
	return -1;
}

static void host_cores(struct host *h)
{
	h->ncores = 0;
	if (sched_getaffinity(0, sizeof(h->allowed), &h->allowed) != 0)
		usage_error("sched_getaffinity failed: cannot tell which PUs to use");
	for (int pu = 0; pu < CPU_SETSIZE && h->ncores < BENCH_MAX_CPUS; pu++) {
		if (CPU_ISSET(pu, &h->allowed) && core_index(h, pu) < 0) {
			core_of(pu, h->core[h->ncores], SIBLINGS_MAX);
			h->core_pu[h->ncores++] = pu;
		}
	}
}

/* --cpus: distinct allowed PUs on distinct cores, no more than cores. */
static unsigned parse_pus(const char *list, const struct host *h, int *pus)
{
	unsigned n = 0;
	bool core_taken[BENCH_MAX_CPUS] = { false };

	for (const char *p = list;; p++) {
		char *end;
		long pu = strtol(p, &end, 10);
		int core;

		if (end == p || pu < 0 || pu >= CPU_SETSIZE || (*end != ',' && *end != '\0'))
			usage_error("--cpus wants a list of host PU numbers such as 0,1, not '%s'",
				    list);
		if (n == h->ncores)
			usage_error("--cpus asks for more CPUs than the %u host cores this process "
				    "may use", h->ncores);
		if (!CPU_ISSET((int)pu, &h->allowed))
			usage_error("--cpus: host PU %ld is not one this process may run on", pu);
		core = core_index(h, (int)pu);
		if (core < 0)
			usage_error("--cpus: host PU %ld is not on the first %u cores", pu,
				    BENCH_MAX_CPUS);
		if (core_taken[core])
			usage_error("--cpus: host PU %ld shares a core with an earlier PU of the "
				    "list (one CPU per core)", pu);
		core_taken[core] = true;
		pus[n++] = (int)pu;
		p = end;
		if (*p == '\0')
			return n;
	}
}

static uint64_t parse_mem(const char *s)
{
	char *end;
	unsigned long long mib = strtoull(s, &end, 10);

	if (end == s || *end != '\0' || mib < MIN_MEM_MIB || mib > MAX_MEM_MIB)
		usage_error("--mem wants MiB from %u to %llu, not '%s'", MIN_MEM_MIB, MAX_MEM_MIB,
			    s);
	return mib;
}

static void cpu_init(void *unused)
{
	(void)unused;
	mm_cpu_init();
}

int main(int argc, char **argv)
{
	static struct host host;
	static int pus[BENCH_MAX_CPUS];
	const char *cpus_opt = NULL;
	uint64_t mem_mib = DEFAULT_MEM_MIB;
	unsigned npus;
	size_t cmd_len = 1;
	char *cmdline;
	int first = argc;

	for (int i = 1; i < argc && first == argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc) {
			mem_mib = parse_mem(argv[++i]);
		} else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
			cpus_opt = argv[++i];
		} else if (argv[i][0] == '-') {
			usage_error("unknown option or missing value: '%s'", argv[i]);
		} else {
			first = i;
		}
	}
	for (int i = first; i < argc; i++) {
		if (strchr(argv[i], '=') == NULL || argv[i][0] == '=')
			usage_error("'%s' is not KEY=VALUE (options come before them)", argv[i]);
		cmd_len += strlen(argv[i]) + 1;
	}
	cmdline = calloc(1, cmd_len);
	if (cmdline == NULL)
		return 1;
	for (int i = first; i < argc; i++)
		strcat(strcat(cmdline, i > first ? " " : ""), argv[i]);

	host_cores(&host);
	if (cpus_opt != NULL) {
		npus = parse_pus(cpus_opt, &host, pus);
	} else {
		npus = host.ncores;
		memcpy(pus, host.core_pu, npus * sizeof(pus[0]));
	}
	if (bench_target_pin(pus, npus) != 0)
		return 2;
	if (bench_target_calibrate() != 0)
		return 1;

	/* Whole lines as they come: a failure mid-run keeps the dump so far. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct mm_region ram = { .base = HOSTED_PHYS_START, .size = mem_mib << 20, .usable = true };
	if (hosted_phys_init(ram.size) != 0) {
		fprintf(stderr, "bench-hosted: cannot map %llu MiB of simulated RAM\n",
			(unsigned long long)mem_mib);
		return 1;
	}
	/* Touched now, so that no phase pays the host's page faults for the
	 * frames it happens to be the first to use (the first 2-CPU slab
	 * phase ran 10-70% slower per operation than later ones). */
	memset(hosted_phys_base, 0, ram.size);
	if (mm_init(&ram, 1, NULL, 0) != 0) {
		fprintf(stderr, "bench-hosted: mm_init failed on %llu MiB\n",
			(unsigned long long)mem_mib);
		return 1;
	}
	bench_on_cpus(npus, cpu_init, NULL);
	bool ok = bench_main(cmdline);
	free(cmdline);
	return ok ? 0 : 1;
}
