/*
 * mm/mprotect.c - mprotect with Linux's semantics (mm/mprotect.c's
 * do_mprotect_pkey): VMAs are split at the range's ends, changed, and
 * merged with their neighbours again.
 *
 * Like Linux, the range is walked VMA by VMA from its start and the call
 * stops at the first hole with -ENOMEM: the VMAs before the hole have
 * already changed (Linux does the same; only a range that does not start
 * inside a VMA fails before changing anything). PROT_GROWSDOWN extends
 * the range down to the start of the MAP_GROWSDOWN VMA it begins in;
 * PROT_GROWSUP is -EINVAL (x86 has no upward-growing VMAs).
 *
 * Pages change with the VMA: a private VMA's entries are rewritten
 * (mapper_protect), to PROT_NONE as leaves of no access that keep their
 * frames and so their contents (MAPPER_NONE) and back; a shared VMA's
 * entries are just dropped (its file keeps the frames, and
 * faults map them again). A private VMA's entries are rewritten copy on
 * write (MAPPER_COW): a borrowed frame never becomes writable. Every
 * rewritten or moved live entry goes into the call's one flush batch, so
 * a reduction is shot down once, before the write lock is dropped.
 */
#include <errno.h>

#include "aspace_internal.h"

/* The pages of [start, end), inside v, from v's prot to new. */
static int change_pages(struct aspace_op *op, const struct vma *v, uintptr_t start, uintptr_t end,
			uint64_t new)
{
	struct aspace *as = op->as;
	uint64_t old = v->prot;
	int64_t r = 0;

	if (old == new)
		return 0;
	if (vma_shared(v) && new == PROT_NONE) {
		/* The file keeps the frames: just drop the entries. */
		aspace_zap(op, start, end);
	} else if (vma_shared(v) && old == PROT_NONE) {
		/* Nothing is mapped; faults map the file's frames. */
	} else {
		r = mapper_protect(&as->mapper, start, end - start, vma_prot_flags(v, new),
				   &op->batch);
	}
	return r < 0 ? (int)r : 0;
}

/* Gives [start, end), which lies inside v, prot: the pages, then the
 * VMA, split at the range's ends and merged with its neighbours. */
static int protect_vma(struct aspace_op *op, struct vma *v, uintptr_t start, uintptr_t end,
		       uint64_t prot)
{
	/* A private mapping first made writable commits its pages now
	 * (Linux's mprotect_fixup); one that loses the right keeps them
	 * unless it is anonymous memory with no page of its own yet. */
	uint64_t charge = !vma_shared(v) && (prot & PROT_WRITE) && !(v->prot & PROT_WRITE) &&
					  !(v->flags & (VMA_ACCOUNT | MAP_NORESERVE))
				  ? (end - start) >> HAL_PAGE_SHIFT
				  : 0;
	int err;

	/* A shared view of a read-only file never becomes writable (Linux:
	 * no VM_MAYWRITE). */
	if (vma_shared(v) && (prot & PROT_WRITE) && !mfile_writable(v->file))
		return -EACCES;
	if (charge != 0 && aspace_commit(op->as, charge, false) != 0)
		return -ENOMEM;
	err = change_pages(op, v, start, end, prot);
	if (err != 0 && charge != 0)
		aspace_uncommit(op->as, charge);
	if (err != 0 || v->prot == prot)
		return err;
	if (vma_start(v) < start)
		v = vma_split(op, v, start);
	if (vma_end(v) > end)
		vma_split(op, v, end);
	v->prot = prot;
	if (charge != 0)
		v->flags |= VMA_ACCOUNT;
	/* Anonymous memory that never had a page of its own gives its
	 * charge back when it stops being writable (Linux: no anon_vma). */
	if (!(prot & PROT_WRITE) && (v->flags & VMA_ACCOUNT) && v->file == NULL && !vma_anon(v)) {
		v->flags &= ~VMA_ACCOUNT;
		aspace_uncommit(op->as, vma_pages(v));
	}
	vma_merge_around(op->as, v);
	return 0;
}

long aspace_mprotect(struct aspace *as, uintptr_t start, uint64_t len, uint64_t prot)
{
	uint64_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	struct aspace_op op;
	long err = 0;

	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || start % HAL_PAGE_SIZE != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	len = PAGE_ALIGN_UP(len);
	if (len == 0 || start + len <= start)
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	prot &= VMA_PROT_MASK;

	uintptr_t end = start + len;
	if (aspace_op_begin(&op, as, 2) != 0)
		return -ENOMEM;
	struct vma *v = vma_intersect(as, start, end);
	if (v == NULL) {
		err = -ENOMEM;
	} else if (grows & PROT_GROWSDOWN) {
		start = vma_start(v);
		if (!(v->flags & MAP_GROWSDOWN))
			err = -EINVAL;
	} else if (vma_start(v) > start) {
		err = -ENOMEM;
	} else if (grows & PROT_GROWSUP) {
		err = -EINVAL;
	}
	/* VMA by VMA from start: each must begin where the last ended (a
	 * merge may have taken the next one in already). */
	for (uintptr_t tmp = start; err == 0 && tmp < end;) {
		v = vma_find_after(as, tmp);
		if (v == NULL || vma_start(v) > tmp) {
			err = -ENOMEM;
			break;
		}
		uintptr_t piece_end = end < vma_end(v) ? end : vma_end(v);

		err = protect_vma(&op, v, tmp, piece_end, prot);
		tmp = piece_end;
	}
	aspace_op_end(&op);
	return err;
}
