/*
 * <mm/flush_batch.h> - the flush batch (Linux's mmu_gather): what one or
 * more mapper_unmap / mapper_protect / mapper_move / mapper_replace calls
 * on one mapper changed, so that the stale translations are flushed
 * together and the page tables and frames they unlinked are freed only
 * after every CPU that may hold them has flushed. The mapper fills it
 * (mm/mapper.c, with flush_batch_add_leaf below); the shootdown
 * layer (<mm/shootdown.h>) finishes it on every CPU.
 *
 * The flush batch contract (what the shootdown layer is built on).
 *   1. The caller owns the batch: flush_batch_init it for one mapper,
 *      pass it to any number of mapper_unmap / mapper_protect calls on
 *      that mapper (a batch for another mapper panics: the shootdown
 *      targets the batch's mapper's CPUs), and never share it between
 *      CPUs while it fills.
 *   2. When such a call returns, the entries are already changed in the
 *      tables, and the batch holds what stale TLBs may still translate:
 *      either pages[0 .. npages) (one VA per changed leaf entry, of either
 *      size: a flush of any address in a page drops it) or, once more than
 *      flush_batch_ceiling leaves changed, flush_all. Page tables that
 *      became empty are unlinked from the tree and sit on batch->tables;
 *      with free_frames, the frames of unmapped pages that belong to the
 *      frame map sit on batch->frames (order 0) and ->large_frames (order
 *      HAL_LARGE_PAGE_SHIFT - HAL_PAGE_SHIFT); MMIO is never freed, nor a
 *      borrowed frame (MAPPER_BORROWED: its owner frees it).
 *      Every freed table had an entry cleared by this batch, so a flush of
 *      the batch also drops any cached walk through that table.
 *   3. Finish: run flush_batch_flush_local on every CPU that may hold the
 *      mapper's translations (mapper_cpus, taken after the entries changed;
 *      <mm/shootdown.h> does all of this) (it only reads the batch, so remote CPUs may
 *      run it at once from an IPI), wait until all have, and only then
 *      flush_batch_free, which returns the tables and frames to the page
 *      allocator and empties the batch for reuse. flush_batch_finish_local
 *      is that sequence for this CPU alone (one CPU, or early boot).
 *      Until then the batch's tables and frames must stay untouched: a
 *      stale TLB or walk cache on another CPU may still reach them.
 *   4. Global translations: hal_flush_all_local keeps them, so a flush_all
 *      batch also records the span of its global entries (global_first ..
 *      global_last, step global_stride, 0 if none) and flushes them page
 *      by page; a remote flush must do the same, which
 *      flush_batch_flush_local does.
 *
 * Locking: none of its own. A batch belongs to the one CPU that fills it;
 * its fields are written only while the mapper's lock is held by that CPU
 * (the mapper fills it) or by its owner between mapper calls, and remote
 * CPUs only read it in flush_batch_flush_local while the owner waits.
 */
#ifndef MM_FLUSH_BATCH_H
#define MM_FLUSH_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/list.h>

struct mapper;

/*
 * Past this many changed leaves a batch flushes everything instead of page
 * by page. Linux's tlb_single_page_flush_ceiling: 33 invlpg cost about as
 * much as a full flush plus refilling the TLB entries it throws away, so
 * beyond that the full flush is cheaper. A tunable for the harness: set it
 * (0 .. FLUSH_BATCH_MAX_PAGES) before any batch fills.
 */
#define FLUSH_BATCH_MAX_PAGES 64
extern unsigned flush_batch_ceiling;

struct flush_batch {
	struct mapper *mapper;	/* whose entries it changes */
	uintptr_t pages[FLUSH_BATCH_MAX_PAGES];
	unsigned npages;
	uint64_t nleaves;	/* changed leaves, recorded in pages[] or not */
	bool flush_all;		/* pages[] overflowed: flush everything */
	bool free_frames;	/* collect the frames of unmapped pages */
	uintptr_t global_first, global_last; /* span of the global leaves changed */
	uint64_t global_stride;	/* smallest of their page sizes; 0: none */
	uint64_t unmapped;	/* base pages unmapped into this batch */
	uint64_t ntables;	/* on tables */
	struct list_head tables; /* page-table pages, through page->list */
	struct list_head frames, large_frames; /* data frames, with free_frames */
};

void flush_batch_init(struct flush_batch *b, struct mapper *m, bool free_frames);
void flush_batch_flush_local(const struct flush_batch *b);
void flush_batch_free(struct flush_batch *b);
void flush_batch_finish_local(struct flush_batch *b);

static inline bool flush_batch_needs_flush(const struct flush_batch *b)
{
	return b->flush_all || b->npages != 0;
}

/*
 * Filling, for the mapper, under its lock (which also puts the frames and
 * tables it unlinks on the lists, through their pages' list members).
 * Every leaf an unmap or protect changes comes here: inline, whatever the
 * number of callers.
 */

/* A leaf of size span at va changed (global: its entry was global); a
 * stale TLB may still hold it. */
static inline __attribute__((always_inline)) void
flush_batch_add_leaf(struct flush_batch *b, uintptr_t va, uint64_t span, bool global)
{
	unsigned ceiling = flush_batch_ceiling < FLUSH_BATCH_MAX_PAGES ? flush_batch_ceiling
								       : FLUSH_BATCH_MAX_PAGES;

	if (global) {
		if (b->global_stride == 0 || va < b->global_first)
			b->global_first = va;
		if (b->global_stride == 0 || va > b->global_last)
			b->global_last = va;
		if (b->global_stride == 0 || span < b->global_stride)
			b->global_stride = span;
	}
	b->nleaves++;
	if (b->flush_all)
		return;
	if (b->npages < ceiling)
		b->pages[b->npages++] = va;
	else
		b->flush_all = true;
}

#endif
