/*
 * mm/mremap.c - mremap with Linux's semantics and errno (mm/mremap.c of
 * Linux 6.16: check_mremap_params, mremap_to, mremap_at).
 *
 *   shrink        unmaps the tail [addr + new_len, addr + old_len), which
 *                 (as in Linux) need not lie inside one VMA;
 *   same size     returns addr, checking nothing more (Linux's no-op);
 *   grow          in place when [addr, addr + old_len) ends its VMA and
 *                 the space above is free; else, with MREMAP_MAYMOVE, a
 *                 move to a free range; else -ENOMEM;
 *   MREMAP_FIXED  unmaps [new_addr, new_addr + new_len) and moves there;
 *   MREMAP_DONTUNMAP  moves (new_addr a hint unless MREMAP_FIXED) and
 *                 leaves the old range mapped but empty: it reads as zero.
 * A move takes the page-table entries (mapper_move), not the data: each
 * page keeps its frame at the new address, of no access or not. The old
 * entries go into the call's flush batch, shot down once at the end. A
 * shared VMA's new VMA maps the same file at the same offsets, so with
 * MREMAP_DONTUNMAP both ranges show the same memory, and old_len 0 (for
 * shared memory only; private is -EINVAL) makes a second view of it.
 * Growing a shared mapping gives zero-filled shmem pages where Linux
 * would raise SIGBUS past the object's original size; growing a file
 * mapping past the end of its file likewise reads zeros there.
 * Linux 6.17 also lets a same-size MREMAP_FIXED move span several VMAs;
 * this follows 6.16: the old range must lie in one VMA (-EFAULT).
 */
#include <errno.h>

#include "aspace_internal.h"

struct remap {
	uintptr_t addr, new_addr;
	uint64_t old_len, new_len, flags;
};

/* Linux's check_mremap_params (before the lengths are rounded). */
static long check_params(const struct remap *r)
{
	if (r->flags & ~(uint64_t)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (r->addr % HAL_PAGE_SIZE != 0 || PAGE_ALIGN_UP(r->new_len) == 0)
		return -EINVAL;
	if (!(r->flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)))
		return 0;
	if (r->new_addr % HAL_PAGE_SIZE != 0 || !(r->flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((r->flags & MREMAP_DONTUNMAP) && r->old_len != r->new_len)
		return -EINVAL;
	return 0;
}

/* Linux's remap_is_valid, for the VMA v holding addr. */
static long remap_valid(const struct remap *r, const struct vma *v)
{
	if (r->old_len == 0 && !(v->flags & MAP_SHARED))
		return -EINVAL;
	if (r->old_len > vma_end(v) - r->addr)
		return -EFAULT;
	/* Linux: -EINVAL when the file offset would overflow. */
	if (v->file != NULL &&
	    vma_pgoff(v, r->addr) + (r->new_len >> HAL_PAGE_SHIFT) > MFILE_MAX_PAGES)
		return -EINVAL;
	return 0;
}

/* Moves [addr, addr + old_len) of v to new_addr, as a VMA of new_len
 * bytes; the target range is free. */
static long move(struct aspace_op *op, const struct remap *r, struct vma *v)
{
	struct aspace *as = op->as;
	uint64_t prot = v->prot, flags = v->flags;
	struct mfile *file = v->file;
	uint64_t pgoff = file != NULL ? vma_pgoff(v, r->addr) : 0;
	bool dontunmap = r->flags & MREMAP_DONTUNMAP;
	/* An accounted mapping commits what it grows by; with
	 * MREMAP_DONTUNMAP the old range keeps its charge, so all of the
	 * new one is committed (Linux's vma_to_resize and move_vma). */
	uint64_t charge = !(flags & VMA_ACCOUNT) ? 0
			  : dontunmap		 ? r->new_len >> HAL_PAGE_SHIFT
			  : r->new_len > r->old_len ? (r->new_len - r->old_len) >> HAL_PAGE_SHIFT
						    : 0;

	if (charge != 0 && aspace_commit(as, charge, false) != 0)
		return -ENOMEM;
	if (r->old_len != 0) {
		int64_t moved = mapper_move(&as->mapper, r->addr, r->old_len, &as->mapper,
					    r->new_addr, vma_prot_flags(v, prot), &op->batch);
		if (moved < 0) {
			if (charge != 0)
				aspace_uncommit(as, charge);
			return moved;
		}
	}
	bool anon = vma_anon(v);

	/* The old range, if it is the whole VMA, is left with nothing of its
	 * own (Linux unlinks its anon_vma). v may merge into the new VMA
	 * and go: it is not used after the insertion. */
	if (dontunmap && vma_start(v) == r->addr && vma_end(v) == r->addr + r->old_len)
		vma_set_anon(v, false);
	struct vma *moved = vma_insert(op, r->new_addr, r->new_addr + r->new_len, prot, flags,
				       file, pgoff);
	if (anon)
		vma_set_anon(moved, true);
	if (!dontunmap) {
		aspace_unmap_range(op, r->addr, r->addr + r->old_len);
		/* The old range's charge moves with its pages. */
		if (flags & VMA_ACCOUNT)
			aspace_commit(as, r->old_len >> HAL_PAGE_SHIFT, true);
	}
	return (long)r->new_addr;
}

/* A free range for the moved VMA: Linux's get_unmapped_area with
 * new_addr as the hint (MREMAP_DONTUNMAP) or none. */
static long find_target(struct aspace_op *op, struct remap *r)
{
	uintptr_t hint = (r->flags & MREMAP_DONTUNMAP) ? r->new_addr : 0;
	uintptr_t addr = aspace_place(op->as, hint, r->new_len, 0);

	if (addr == 0)
		return -ENOMEM;
	r->new_addr = addr;
	return 0;
}

/* Linux's mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP. */
static long remap_to(struct aspace_op *op, struct remap *r)
{
	struct aspace *as = op->as;
	const struct vma_tree *t = &as->tree;
	long err;

	if (r->new_len > t->hi || r->new_addr > t->hi - r->new_len)
		return -EINVAL;
	if (r->addr + r->old_len > r->new_addr && r->new_addr + r->new_len > r->addr)
		return -EINVAL;
	if (r->flags & MREMAP_FIXED) {
		err = aspace_unmap_checked(op, r->new_addr, r->new_len);
		if (err != 0)
			return err;
	}
	if (r->old_len > r->new_len) {
		err = aspace_unmap_checked(op, r->addr + r->new_len, r->old_len - r->new_len);
		if (err != 0)
			return err;
		r->old_len = r->new_len;
	}
	struct vma *v = vma_find(as, r->addr);
	if (v == NULL)
		return -EFAULT;
	err = remap_valid(r, v);
	if (err != 0)
		return err;
	if (r->flags & MREMAP_FIXED) {
		if (r->new_addr < t->lo)
			return -EPERM;
	} else {
		err = find_target(op, r);
		if (err != 0)
			return err;
	}
	return move(op, r, v);
}

/* Whether v can grow by delta bytes in place (Linux's vma_expandable). */
static bool expandable(struct aspace *as, const struct vma *v, uint64_t delta)
{
	uintptr_t end = vma_end(v) + delta;

	return end > vma_end(v) && end <= as->tree.hi && vma_intersect(as, vma_end(v), end) == NULL;
}

/* Linux's mremap_at: resize, moving only if it must. */
static long remap_at(struct aspace_op *op, struct remap *r, struct vma *v)
{
	struct aspace *as = op->as;
	long err;

	if (r->new_len == r->old_len)
		return (long)r->addr;
	if (r->new_len < r->old_len) {
		err = aspace_unmap_checked(op, r->addr + r->new_len, r->old_len - r->new_len);
		return err != 0 ? err : (long)r->addr;
	}
	err = remap_valid(r, v);
	if (err != 0)
		return err;
	uint64_t delta = r->new_len - r->old_len;
	if (vma_end(v) - r->addr == r->old_len && expandable(as, v, delta)) {
		if ((v->flags & VMA_ACCOUNT) && aspace_commit(as, delta >> HAL_PAGE_SHIFT, false) != 0)
			return -ENOMEM;
		vma_tree_resize(&as->tree, &v->node, vma_start(v), vma_end(v) + delta);
		vma_merge_around(as, v);
		return (long)r->addr;
	}
	if (!(r->flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	err = find_target(op, r);
	return err != 0 ? err : move(op, r, v);
}

long aspace_mremap(struct aspace *as, uintptr_t old, uint64_t old_len, uint64_t new_len,
		   uint64_t flags, uintptr_t new_addr)
{
	struct remap r = { old, new_addr, old_len, new_len, flags };
	struct aspace_op op;
	long ret = check_params(&r);

	if (ret != 0)
		return ret;
	r.old_len = PAGE_ALIGN_UP(r.old_len);
	r.new_len = PAGE_ALIGN_UP(r.new_len);
	/* Two unmaps with two splits each, the new VMA, the old range's. */
	if (aspace_op_begin(&op, as, 7) != 0)
		return -ENOMEM;
	struct vma *v = vma_find(as, r.addr);
	if (v == NULL)
		ret = -EFAULT;
	else if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		ret = remap_to(&op, &r);
	else
		ret = remap_at(&op, &r, v);
	aspace_op_end(&op);
	return ret;
}
