/*
 * <mm/commit.h> - committed memory: Linux's overcommit policy
 * (vm.overcommit_memory, vm.overcommit_ratio) and its accounting, for
 * the kernel's command line and the testbed's introspection. The design
 * is in mm/commit.c.
 */
#ifndef MM_COMMIT_H
#define MM_COMMIT_H

#include <stdint.h>

enum mm_overcommit {
	MM_OVERCOMMIT_GUESS = 0,	/* refuse only what all RAM could not back */
	MM_OVERCOMMIT_ALWAYS = 1,	/* never refuse */
	MM_OVERCOMMIT_NEVER = 2,	/* refuse past the commit limit */
};

#define MM_OVERCOMMIT_RATIO_DEFAULT 50
#define MM_OVERCOMMIT_RATIO_MAX 10000

/* Boot, before any address space exists (mm_init restores the defaults:
 * mode 0, ratio 50). 0, or -EINVAL for a mode above 2 or a ratio above
 * MM_OVERCOMMIT_RATIO_MAX (a percentage of RAM, as Linux's may pass 100). */
int mm_overcommit_set(unsigned mode, unsigned ratio);

struct mm_commit_info {
	uint64_t mode, ratio;
	uint64_t committed;	/* pages committed now (Linux's Committed_AS) */
	uint64_t limit;		/* the mode 2 limit in pages (CommitLimit) */
	uint64_t ram;		/* pages of RAM the page allocator manages */
};
void mm_commit_info(struct mm_commit_info *ci);

#endif
