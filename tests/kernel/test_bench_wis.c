/*
 * The will-it-scale programs of the wis.* suites (bench/user/wis.c,
 * bench/user/musl/wis_malloc.c) fail loudly: a call that fails ends the
 * program with status 1 and a line naming the test, the call and its
 * errno, before anything is reported, so the harness records no numbers
 * for operations that did not happen. Each runs here on one CPU with a
 * region (or block) of 1 TiB, more than all RAM, which mmap refuses under
 * the default overcommit policy (mode 0: ENOMEM). Boot CPU.
 */
#include <string.h>

#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <lib/format.h>

/* "<test>:<ops>:<warm>:<period>:<size>", 1 TiB: the failing call comes in
 * the warm-up, before the marks that would need a report callback; a
 * paged test counts whole rounds of 2^28 pages. */
#define TIB "1099511627776"
#define ROUND "268435456"

static char out[256];

static void expect_failure(const char *prog, const char *arg, const char *want)
{
	struct proc_result res = { .out = out, .out_size = sizeof(out) - 1 };
	cpumask_t cpus;
	int rc;

	cpumask_first_n(&cpus, 1);
	rc = proc_run(prog, arg, &cpus, &res);
	out[res.out_len] = 0;
	if (rc != 0)
		selftest_fail("%s: proc_run = %d", prog, rc);
	else if (res.killed || res.status != 1)
		selftest_fail("%s %s: %s %d, expected exit status 1 (output '%s')", prog, arg,
			      res.killed ? "killed by signal" : "exit status",
			      res.killed ? res.kill.signal : res.status, out);
	else if (strcmp(out, want) != 0)
		selftest_fail("%s %s printed '%s', expected '%s'", prog, arg, out, want);
}

SELFTEST(bench_wis_fails_loudly)
{
	expect_failure("wis", "mmap1:1:1:1:" TIB, "wis: mmap1: mmap = -12 (ENOMEM)\n");
	expect_failure("wis", "page_fault1:" ROUND ":" ROUND ":1:" TIB, "wis: page_fault1: mmap = -12 (ENOMEM)\n");
}

SELFTEST(bench_wis_malloc_fails_loudly)
{
	expect_failure("musl_wis_malloc", "malloc1:1:1:1:" TIB,
		       "wis_malloc: malloc1: malloc failed: errno 12 (Out of memory)\n");
}
