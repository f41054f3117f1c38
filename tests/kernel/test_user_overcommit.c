/*
 * Overcommit mode 2 at the system-call boundary: with the policy set to
 * never overcommit, user/overcommit_fill maps 16 MiB chunks with
 * MAP_POPULATE until mmap refuses with ENOMEM, writes every page it was
 * given, and must exit 0 -- refused at the call, never killed later. The
 * commit limit is set to about 64 MiB whatever the boot's RAM (a ratio
 * from it), so the run costs the same in every boot; afterwards the
 * default policy is back and nothing is left committed or allocated.
 */
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <mm/commit.h>

#include "user_image.h"
#include "user_run.h"

#define LIMIT_PAGES (64ull << 20 >> 12)

SELFTEST(user_overcommit_never_refuses_at_mmap)
{
	const struct user_program *prog = user_program_find("overcommit_fill");
	struct proc_result res = {0};
	struct mm_commit_info ci;
	cpumask_t cpus;
	char why[120];

	ST_CHECK(prog != NULL);
	if (prog == NULL)
		return;
	mm_commit_info(&ci);
	uint64_t committed = ci.committed, before = user_frames_in_use();
	uint64_t ratio = (LIMIT_PAGES * 100 + ci.ram - 1) / ci.ram;

	ST_CHECK_EQ(mm_overcommit_set(MM_OVERCOMMIT_NEVER, (unsigned)ratio), 0);
	cpumask_first_n(&cpus, 1);
	int rc = proc_run_program(prog, NULL, &cpus, &res);
	ST_CHECK_EQ(mm_overcommit_set((unsigned)ci.mode, (unsigned)ci.ratio), 0);
	if (!user_run_judge(rc, &res, why, sizeof(why)))
		selftest_fail("overcommit_fill: %s", why);
	mm_commit_info(&ci);
	ST_CHECK_EQ(ci.committed, committed);
	ST_CHECK_EQ(user_frames_in_use(), before);
}
