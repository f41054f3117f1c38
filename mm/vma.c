/*
 * mm/vma.c - VMA objects: allocation, split, merge, insertion, and the
 * removal of a range's pages and VMAs (shared by every system call).
 *
 * VMAs come from kmalloc. A system call allocates the ones it may need
 * before it changes anything (aspace_op_begin's spares), so a split
 * cannot fail half way and every call is all or nothing where Linux's
 * is. Two VMAs merge when they touch and agree in prot and flags (the
 * commit accounting's VMA_ACCOUNT and MAP_NORESERVE included, as Linux's
 * vm_flags) and, for a file, map it at consecutive offsets. Whether a
 * VMA has pages of its own (vma->anon, Linux's anon_vma) never keeps two
 * apart: without fork no two anon_vmas differ, and Linux merges a VMA
 * that has none with one that has. Every change merges at its edges, so
 * no two adjacent VMAs are ever mergeable (aspace_check verifies it).
 * Each VMA with a file holds a reference on it (mm/mfile.c).
 *
 * Locking: the caller holds the address space's write lock (every
 * function here changes the tree or the page tables of a range).
 */
#include <errno.h>

#include <mm/slab.h>

#include "aspace_internal.h"

struct vma *vma_alloc(void)
{
	return kmalloc(sizeof(struct vma), GFP_KERNEL);
}

void vma_free(struct vma *v)
{
	kfree(v);
}

static struct vma *vma_take_spare(struct aspace_op *op)
{
	for (unsigned i = 0; i < ASPACE_OP_SPARES; i++) {
		struct vma *v = op->spare[i];

		if (v != NULL) {
			op->spare[i] = NULL;
			return v;
		}
	}
	env_panic("aspace: a system call used more VMAs than it reserved");
}

bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a != NULL && b != NULL && vma_end(a) == vma_start(b) && a->prot == b->prot &&
	       a->flags == b->flags && a->file == b->file &&
	       (a->file == NULL || vma_pgoff(a, vma_end(a)) == b->pgoff);
}

struct vma *vma_split(struct aspace_op *op, struct vma *v, uintptr_t addr)
{
	struct vma *upper = vma_take_spare(op);
	uintptr_t end = vma_end(v);

	MM_ASSERT_WRITE_HELD(&op->as->lock);
	if (addr <= vma_start(v) || addr >= end)
		env_panic("aspace: split of [%#lx, %#lx) at %#lx", (unsigned long)vma_start(v),
			  (unsigned long)end, (unsigned long)addr);
	*upper = (struct vma){ .prot = v->prot, .flags = v->flags, .file = v->file,
			       .anon = vma_anon(v) };
	if (v->file != NULL) {
		upper->pgoff = vma_pgoff(v, addr);
		mfile_get(v->file);
	}
	vma_tree_resize(&op->as->tree, &v->node, vma_start(v), addr);
	upper->node.start = addr;
	upper->node.end = end;
	if (vma_tree_insert(&op->as->tree, &upper->node) != 0)
		env_panic("aspace: split VMA does not fit back");
	return upper;
}

/* Makes start and end VMA boundaries where a VMA spans them (up to two
 * spares); returns the first VMA inside [start, end), or NULL. */
static struct vma *vma_isolate(struct aspace_op *op, uintptr_t start, uintptr_t end)
{
	struct vma *v = vma_find_after(op->as, start);

	if (start >= end || v == NULL || vma_start(v) >= end)
		return NULL;
	if (vma_start(v) < start)
		v = vma_split(op, v, start);
	struct vma *last = vma_find(op->as, end - 1);
	if (last != NULL && vma_end(last) > end)
		vma_split(op, last, end);
	return v;
}

/* Absorbs b, which follows a and is mergeable with it, into a (a holds
 * a reference on their object too, so b's is never the last). */
static void vma_absorb(struct aspace *as, struct vma *a, struct vma *b)
{
	uintptr_t end = vma_end(b);

	if (b->file != NULL)
		mfile_release(b->file, NULL);
	if (vma_anon(b))
		vma_set_anon(a, true);
	vma_tree_remove(&as->tree, &b->node);
	vma_free(b);
	vma_tree_resize(&as->tree, &a->node, vma_start(a), end);
}

struct vma *vma_merge_around(struct aspace *as, struct vma *v)
{
	struct vma *prev = vma_prev(v), *next = vma_next(v);

	MM_ASSERT_WRITE_HELD(&as->lock);
	if (vma_mergeable(v, next))
		vma_absorb(as, v, next);
	if (vma_mergeable(prev, v)) {
		vma_absorb(as, prev, v);
		v = prev;
	}
	return v;
}

struct vma *vma_insert(struct aspace_op *op, uintptr_t start, uintptr_t end, uint64_t prot,
		       uint64_t flags, struct mfile *file, uint64_t pgoff)
{
	struct vma *v = vma_take_spare(op);

	*v = (struct vma){ .prot = prot, .flags = flags, .file = file, .pgoff = pgoff };
	if (file != NULL)
		mfile_get(file);
	v->node.start = start;
	v->node.end = end;
	if (vma_tree_insert(&op->as->tree, &v->node) != 0)
		env_panic("aspace: inserting [%#lx, %#lx) over a VMA", (unsigned long)start,
			  (unsigned long)end);
	return vma_merge_around(op->as, v);
}

void aspace_zap(struct aspace_op *op, uintptr_t start, uintptr_t end)
{
	struct aspace *as = op->as;

	MM_ASSERT_WRITE_HELD(&as->lock);
	/* The batches free only the frames the address space owns: a
	 * file's and the zero page stay with their owner (PG_object). */
	int64_t live = mapper_unmap(&as->mapper, start, end - start, &op->batch);

	if (live < 0)
		env_panic("aspace: unmap of [%#lx, %#lx) failed", (unsigned long)start,
			  (unsigned long)end);
	__atomic_fetch_sub(&as->resident, (uint64_t)live, __ATOMIC_RELAXED);
}

void aspace_unmap_range(struct aspace_op *op, uintptr_t start, uintptr_t end)
{
	struct vma *v = vma_isolate(op, start, end);

	while (v != NULL && vma_start(v) < end) {
		struct vma *next = vma_next(v);

		aspace_zap(op, vma_start(v), vma_end(v));
		if (v->flags & VMA_ACCOUNT)
			aspace_uncommit(op->as, vma_pages(v));
		vma_tree_remove(&op->as->tree, &v->node);
		if (v->file != NULL)
			mfile_release(v->file, &op->batch);
		vma_free(v);
		v = next;
	}
}
