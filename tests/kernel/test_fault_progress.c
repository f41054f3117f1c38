/*
 * The bound on faults resolved without a change (kernel/fault_progress.c),
 * driven directly: a real fault that the address space keeps resolving
 * without a change cannot be produced on purpose once ring-3 faults
 * without the user bit are refused, so the counting is checked here and
 * its two callers (user_exception, uaccess_fault) only pass it
 * aspace_fault's result.
 */
#include <errno.h>

#include <kernel/fault_progress.h>
#include <kernel/selftest.h>
#include <mm/aspace.h>

#define RIP  0x401000ull
#define ADDR 0x7fffff000ull
#define ERR  0x7ull /* present, write, user */

/* Feeds n spurious results of (RIP, ADDR, ERR); how many were let through
 * before the first refusal (n if none was refused). */
static unsigned spurious_run(struct fault_progress *fp, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!fault_progress_check(fp, RIP, ADDR, ERR, ASPACE_FAULT_SPURIOUS))
			return i;
	return n;
}

SELFTEST(fault_progress_bounds_spurious_retries)
{
	struct fault_progress fp = {0};

	/* The bound-th result in a row that changed nothing is refused, and
	 * the count starts again after it. */
	ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX + 1), FAULT_SPURIOUS_MAX - 1);
	ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX + 1), FAULT_SPURIOUS_MAX - 1);

	/* Any result but ASPACE_FAULT_SPURIOUS is progress (or a refusal the
	 * caller acts on) and starts the count again. */
	static const int others[] = {0, -EFAULT, -EACCES, -ENOMEM};
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		fp = (struct fault_progress){0};
		ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX - 1), FAULT_SPURIOUS_MAX - 1);
		ST_CHECK(fault_progress_check(&fp, RIP, ADDR, ERR, others[i]));
		ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX - 1), FAULT_SPURIOUS_MAX - 1);
		ST_CHECK(!fault_progress_check(&fp, RIP, ADDR, ERR, ASPACE_FAULT_SPURIOUS));
	}

	/* A different instruction, address or error code is another fault:
	 * it starts its own count. */
	static const uint64_t other_fault[][3] = {
		{RIP + 2, ADDR, ERR}, {RIP, ADDR + 8, ERR}, {RIP, ADDR, ERR & ~2ull}};
	for (unsigned i = 0; i < sizeof(other_fault) / sizeof(other_fault[0]); i++) {
		const uint64_t *o = other_fault[i];

		fp = (struct fault_progress){0};
		ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX - 1), FAULT_SPURIOUS_MAX - 1);
		for (unsigned j = 0; j < FAULT_SPURIOUS_MAX - 1; j++)
			ST_CHECK(fault_progress_check(&fp, o[0], o[1], o[2], ASPACE_FAULT_SPURIOUS));
		ST_CHECK(!fault_progress_check(&fp, o[0], o[1], o[2], ASPACE_FAULT_SPURIOUS));
		/* and the first fault's count was gone with it */
		ST_CHECK_EQ(spurious_run(&fp, FAULT_SPURIOUS_MAX - 1), FAULT_SPURIOUS_MAX - 1);
	}
}
