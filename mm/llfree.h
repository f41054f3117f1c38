/*
 * mm/llfree.h - LLFree, a lock-free page-frame allocator (Wrenger et al.,
 * "LLFree: Scalable and Optionally-Persistent Page-Frame Allocation",
 * USENIX ATC 2023). See mm/llfree.c for the design.
 *
 * The allocator works on pfns only: it hands out naturally aligned blocks
 * of 2^order frames (0 <= order <= MAX_PAGE_ORDER) from [first_pfn,
 * end_pfn) and knows nothing of struct page. Its metadata is one buffer
 * the caller provides; all other state is in struct llfree.
 *
 * Every function but llfree_init and llfree_init_free is lock-free and
 * callable on any CPU in any context, interrupts on or off. `cpu` names
 * the per-CPU reservation an operation uses; it is normally the caller's
 * own CPU, but correctness never depends on that.
 */
#ifndef MM_LLFREE_H
#define MM_LLFREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>

#define LLFREE_CHILD_ORDER 9          /* a child: 512 frames, one huge frame */
#define LLFREE_TREE_CHILDREN 32       /* a tree: 32 children, 16384 frames */
#define LLFREE_NONE UINT64_MAX

/* A CPU's reservation, alone on its cache line. */
struct llfree_cpu {
	uint64_t reserved;      /* atomic: tree index << 32 | local free counter */
	uint32_t hint;          /* relaxed: child of the last allocation here */
} __attribute__((aligned(64)));

struct llfree {
	uint64_t base;          /* pfn of child 0, aligned to 2^MAX_PAGE_ORDER */
	uint64_t first_pfn;     /* the frames managed: [first_pfn, end_pfn) */
	uint64_t end_pfn;
	uint32_t nchildren;     /* ntrees * LLFREE_TREE_CHILDREN */
	uint32_t ntrees;
	uint64_t *bits;         /* in meta: 8 words a child, bit set = allocated */
	uint32_t *children;     /* in meta: a child's free count and HUGE flag */
	uint32_t *trees;        /* in meta: a tree's free counter and RESERVED flag */
	struct llfree_cpu cpu[ENV_MAX_CPUS];
};

size_t llfree_meta_bytes(uint64_t first_pfn, uint64_t end_pfn);
/* meta: llfree_meta_bytes bytes, 64-byte aligned, owned by the allocator
 * from now on. Covers frames [first_pfn, end_pfn) (not empty); every frame
 * starts allocated, no CPU holds a reservation. */
void llfree_init(struct llfree *ll, void *meta, uint64_t first_pfn, uint64_t end_pfn);
/* Boot only (nothing else running): the naturally aligned block of 2^order
 * frames at pfn, order 0..MAX_PAGE_ORDER, becomes free. */
void llfree_init_free(struct llfree *ll, uint64_t pfn, unsigned order);

/* A naturally aligned block of 2^order frames, allocated on behalf of CPU
 * cpu: its first pfn, or LLFREE_NONE when no such block is free. */
uint64_t llfree_get(struct llfree *ll, unsigned cpu, unsigned order);
/* Frees a block that llfree_get returned with this order. Panics if any of
 * its frames is already free, or if a block of order >= 9, or a frame
 * inside one, is freed with another order. */
void llfree_put(struct llfree *ll, unsigned cpu, uint64_t pfn, unsigned order);
/* Ends CPU cpu's reservation, giving its counter back to its tree. Any CPU
 * may call it for any cpu, concurrently with that CPU's get and put. */
void llfree_drain(struct llfree *ll, unsigned cpu);

/* Free frames: the sum of the child counters, exact when quiescent. */
uint64_t llfree_free_frames(const struct llfree *ll);
/* Whether pfn is free: its bit is clear and its child is not a huge
 * allocation. False outside [first_pfn, end_pfn). */
bool llfree_is_free(const struct llfree *ll, uint64_t pfn);
/* Children wholly free: how many 2 MiB (order-9) blocks could be had. */
uint64_t llfree_free_huge(const struct llfree *ll);
/* The free counter of the tree holding pfn (pfn in [base, base + ntrees *
 * 16384)), and whether a CPU reserves that tree. A hint, for statistics
 * and tests: frames reserved by a CPU are not in it, and the last-resort
 * scan may take it below zero. */
int32_t llfree_tree_free(const struct llfree *ll, uint64_t pfn, bool *reserved);

#endif
