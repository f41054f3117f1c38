/*
 * mm/flush_batch.c - the flush batch's life outside the mapper: made
 * empty, flushed on a CPU, and emptied into the page allocator once every
 * CPU has flushed (<mm/flush_batch.h> has the contract; mm/mapper.c fills
 * batches, mm/shootdown_*.c finishes them across CPUs).
 *
 * flush_batch_flush_local only reads the batch, so the CPUs of a
 * shootdown run it at once from their IPI handlers; flush_batch_free and
 * flush_batch_init are the owner's, after they have all returned.
 */
#include <mm/flush_batch.h>

#include <mm/hal.h>

#include "page.h"

unsigned flush_batch_ceiling = 33;

void flush_batch_init(struct flush_batch *b, struct mapper *m, bool free_frames)
{
	b->mapper = m;
	b->npages = 0;
	b->nleaves = 0;
	b->flush_all = false;
	b->free_frames = free_frames;
	b->global_first = b->global_last = 0;
	b->global_stride = 0;
	b->unmapped = 0;
	b->ntables = 0;
	list_init(&b->tables);
	list_init(&b->frames);
	list_init(&b->large_frames);
}

void flush_batch_flush_local(const struct flush_batch *b)
{
	if (!b->flush_all) {
		for (unsigned i = 0; i < b->npages; i++)
			hal_flush_page_local(b->pages[i]);
		return;
	}
	hal_flush_all_local();
	for (uintptr_t va = b->global_first; b->global_stride != 0; va += b->global_stride) {
		hal_flush_page_local(va);
		if (b->global_last - va < b->global_stride)
			break;
	}
}

void flush_batch_free(struct flush_batch *b)
{
	pages_free_list(&b->tables, 0);
	pages_free_list(&b->frames, 0);
	pages_free_list(&b->large_frames, HAL_LARGE_PAGE_SHIFT - HAL_PAGE_SHIFT);
	flush_batch_init(b, b->mapper, b->free_frames);
}

void flush_batch_finish_local(struct flush_batch *b)
{
	flush_batch_flush_local(b);
	flush_batch_free(b);
}
