/*
 * mm/truncate.c - taking pages out of a memory file while it is mapped:
 * ftruncate of a memfd (aspace_ftruncate) and MADV_REMOVE's hole in
 * shmem or a memfd (mm/madvise.c), Linux's truncate_pagecache and
 * unmap_mapping_range.
 *
 * Both first drop every page-table entry that maps a page that goes,
 * then take the pages out of the file's cache; the frames are freed
 * after the call's shootdown (aspace_op's batch), so no CPU can reach one
 * through a stale TLB entry. Such a file belongs to one address space
 * (mfile->owner, mm/mfile.c), so its mappings are among that address
 * space's VMAs: a walk of them finds every entry, without a reverse map
 * (the walk is O(VMAs), and these calls are rare). Which entries go
 * differs as in Linux: a truncation takes the private copies of the
 * pages past the end too ("even_cows"), a punched hole only what maps
 * the file's own frames, so a private copy keeps what it was written.
 *
 * Locking: the owner's write lock (aspace_op), which also orders a size
 * change against every fault (mm/fault.c reads the size under the read
 * lock); inside it the file's index lock and the address space mapper's
 * lock, one at a time.
 */
#include <errno.h>
#include <string.h>

#include "aspace_internal.h"

/* The entries of [start, end) of private VMA v that map the file's own
 * frames (not yet copied), one page at a time: correct, not fast. */
static void zap_borrowed(struct aspace_op *op, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end; va += HAL_PAGE_SIZE) {
		struct mapper_translation t;

		if (mapper_translate(&op->as->mapper, va, &t) == 0 && (t.flags & MAPPER_BORROWED))
			aspace_zap(op, va, va + HAL_PAGE_SIZE);
	}
}

void aspace_punch(struct aspace_op *op, struct mfile *f, uint64_t first, uint64_t n, bool cows)
{
	if (f->owner != op->as)
		env_panic("aspace: pages taken from file %p by an address space not its owner",
			  (void *)f);
	for (struct vma_node *x = vma_tree_first(&op->as->tree); x != NULL; x = vma_tree_next(x)) {
		const struct vma *w = vma_of(x);
		uint64_t lo = first > w->pgoff ? first : w->pgoff;
		uint64_t hi = vma_pgoff(w, vma_end(w));

		hi = first + n < hi ? first + n : hi;
		if (w->file != f || lo >= hi)
			continue;
		uintptr_t start = vma_start(w) + ((lo - w->pgoff) << HAL_PAGE_SHIFT);
		uintptr_t end = vma_start(w) + ((hi - w->pgoff) << HAL_PAGE_SHIFT);
		if (vma_shared(w) || cows)
			aspace_zap(op, start, end);
		else
			zap_borrowed(op, start, end);
	}
	mfile_remove(f, first, n, &op->batch);
}

/* Zeroes the bytes of the page holding offset size that lie past it, if
 * that page is cached (Linux's truncate_inode_partial_folio). */
static void zero_tail(struct mfile *f, uint64_t size)
{
	uint64_t in_page = size & (HAL_PAGE_SIZE - 1);
	phys_addr_t pa;

	if (in_page != 0 && mfile_lookup(f, size >> HAL_PAGE_SHIFT, &pa) == 0)
		memset((unsigned char *)hal_phys_to_virt(pa) + in_page, 0, HAL_PAGE_SIZE - in_page);
}

long aspace_ftruncate(struct aspace *as, struct mfile *f, uint64_t length)
{
	struct aspace_op op;

	if ((int64_t)length < 0 || f->owner != as || f->size == MFILE_UNSIZED)
		return -EINVAL;
	if (length > MFILE_MAX_PAGES << HAL_PAGE_SHIFT)
		return -EFBIG;
	if (aspace_op_begin(&op, as, 0) != 0)
		return -ENOMEM;
	if (length < f->size) {
		uint64_t keep = PAGE_ALIGN_UP(length) >> HAL_PAGE_SHIFT;

		aspace_punch(&op, f, keep, MFILE_MAX_PAGES - keep, true);
		zero_tail(f, length);
	}
	f->size = length;
	aspace_op_end(&op);
	return 0;
}
