/*
 * mm/commit.c - committed memory (<mm/commit.h>): what Linux keeps in
 * vm_committed_as and checks in __vm_enough_memory, under the policy of
 * its vm.overcommit_memory and vm.overcommit_ratio.
 *
 * A mapping commits, when it is made, the memory it would need if every
 * page were written, so that a request that cannot be backed fails with
 * -ENOMEM at the call instead of a kill at some later touch. What
 * commits, as in Linux (accountable_mapping, mprotect_fixup,
 * vma_to_resize, acct_stack_growth, shmem_acct_size):
 *   - a private writable mapping (anonymous or a file's, not
 *     MAP_NORESERVE): its pages, marked VMA_ACCOUNT, given back when
 *     they are unmapped; mprotect that first makes a private mapping
 *     writable commits it then; mremap commits what it grows, a stack
 *     what it grows, brk what it adds;
 *   - shmem (MAP_SHARED anonymous memory, not MAP_NORESERVE): its size,
 *     once, when it is created, given back with the file.
 * Borrowed pages (the zero page, a file's cached page) are not
 * committed memory until written, which the mapping committed already.
 *
 * Modes:
 *   0 guess   (the default) refuses only a single request larger than
 *             all RAM (Linux: RAM + swap; there is no swap here);
 *   1 always  never refuses;
 *   2 never   refuses a request that would take the committed total past
 *             the limit, ratio% of RAM (50 by default); MAP_NORESERVE is
 *             ignored, as in Linux. Linux also keeps back an admin reserve
 *             from unprivileged processes and a user reserve of 1/32 of
 *             the process's size; with no users here, neither is kept.
 * In every mode the total counts every commit, so /proc/meminfo's
 * Committed_AS has its equal here (mm_commit_info).
 *
 * Locking: the total is one atomic counter. A commit adds first and, in
 * mode 2, takes its pages back if the total is then past the limit
 * (Linux's order), so concurrent commits never pass it together. Mode
 * and ratio change only at boot.
 */
#include <mm/commit.h>

#include <errno.h>

#include <mm/env.h>

#include "bootmem.h"
#include "mm_internal.h"
#include "page.h"

static unsigned mode = MM_OVERCOMMIT_GUESS, ratio = MM_OVERCOMMIT_RATIO_DEFAULT;
static uint64_t committed;

/* Linux's totalram_pages: what the page allocator manages or will. */
static uint64_t ram_pages(void)
{
	return mem_npages - bootmem_reserved_frames() - bootmem_used_frames();
}

static uint64_t commit_limit(void)
{
	return ram_pages() * ratio / 100;
}

void commit_reset(void)
{
	mode = MM_OVERCOMMIT_GUESS;
	ratio = MM_OVERCOMMIT_RATIO_DEFAULT;
	__atomic_store_n(&committed, 0, __ATOMIC_RELAXED);
}

int mm_overcommit_set(unsigned m, unsigned r)
{
	if (m > MM_OVERCOMMIT_NEVER || r > MM_OVERCOMMIT_RATIO_MAX)
		return -EINVAL;
	mode = m;
	ratio = r;
	return 0;
}

bool commit_noreserve_honoured(void)
{
	return mode != MM_OVERCOMMIT_NEVER;
}

int vm_commit(uint64_t pages)
{
	uint64_t total = __atomic_add_fetch(&committed, pages, __ATOMIC_RELAXED);

	if ((mode == MM_OVERCOMMIT_GUESS && pages > ram_pages()) ||
	    (mode == MM_OVERCOMMIT_NEVER && total > commit_limit())) {
		vm_uncommit(pages);
		return -ENOMEM;
	}
	return 0;
}

void vm_commit_force(uint64_t pages)
{
	__atomic_fetch_add(&committed, pages, __ATOMIC_RELAXED);
}

void vm_uncommit(uint64_t pages)
{
	uint64_t before = __atomic_fetch_sub(&committed, pages, __ATOMIC_RELAXED);

	if (before < pages)
		env_panic("mm: %llu pages uncommitted with only %llu committed",
			  (unsigned long long)pages, (unsigned long long)before);
}

void mm_commit_info(struct mm_commit_info *ci)
{
	*ci = (struct mm_commit_info){
		.mode = mode,
		.ratio = ratio,
		.committed = __atomic_load_n(&committed, __ATOMIC_RELAXED),
		.limit = commit_limit(),
		.ram = ram_pages(),
	};
}
