/*
 * mm/madvise.c - madvise and mincore with Linux's semantics and errno
 * (mm/madvise.c's do_madvise and madvise_walk_vmas, mm/mincore.c).
 *
 * madvise walks the VMAs of the range like Linux: it applies the advice
 * to every mapped part and then returns -ENOMEM if the range had a hole
 * (and -ENOMEM with nothing done if nothing is mapped). An advice one
 * VMA refuses stops the walk with that error.
 *   MADV_DONTNEED, _DONTNEED_LOCKED  drop the page-table entries, shot
 *            down. The address space's own frames are freed (after the
 *            shootdown): the next touch of private anonymous memory
 *            finds zeros, of a private file mapping the file's contents
 *            (written pages lose what was written); shared pages stay in
 *            their file and the next touch finds the data again.
 *   MADV_FREE        private anonymous memory only (-EINVAL on a file or
 *            MAP_SHARED); freed at once, which Linux may also do at any
 *            time.
 *   MADV_REMOVE      shared memory only (-EINVAL on private anonymous,
 *            -EACCES on a private file mapping or a read-only file):
 *            frees the file's pages too (a hole punched in shmem or a
 *            memfd, mm/truncate.c); they read as zeros afterwards.
 *   MADV_WILLNEED, _COLD, _PAGEOUT, _NORMAL, _RANDOM, _SEQUENTIAL,
 *   _DONTFORK, _DOFORK, _DONTDUMP, _DODUMP, _KEEPONFORK, _MERGEABLE,
 *   _UNMERGEABLE, _HUGEPAGE, _NOHUGEPAGE, _COLLAPSE  accepted, no effect
 *            (no swap, fork, core dumps, KSM or huge pages here).
 *   MADV_WIPEONFORK  private anonymous memory only (-EINVAL otherwise), no
 *            effect.
 *   MADV_POPULATE_READ/_WRITE  fault the pages in; -EINVAL on a VMA
 *            without PROT_READ (PROT_WRITE) (Linux's GUP asks for the
 *            right itself, not what x86 implies); a hole stops it with
 *            -ENOMEM at once, as Linux's own populate loop does, and a
 *            page past the end of a file with -EFAULT (Linux's SIGBUS).
 *   MADV_HWPOISON, _SOFT_OFFLINE  -EPERM (they need CAP_SYS_ADMIN).
 *   MADV_GUARD_INSTALL/_REMOVE and anything else  -EINVAL.
 * Locking: the write lock (one flush batch for the call), except
 * mincore, which only reads and takes the read lock.
 */
#include <errno.h>

#include "aspace_internal.h"

enum advice_kind { ADV_NOP, ADV_FREE, ADV_POPULATE, ADV_INVALID, ADV_PERM };

static enum advice_kind classify(int64_t advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
	case MADV_REMOVE:
		return ADV_FREE;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return ADV_POPULATE;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLLAPSE:
		return ADV_NOP;
	case MADV_HWPOISON:
	case MADV_SOFT_OFFLINE:
		return ADV_PERM;
	default:
		return ADV_INVALID;
	}
}

/* The advice on [start, end), which lies inside v. */
static long advise_vma(struct aspace_op *op, const struct vma *v, uintptr_t start, uintptr_t end,
		       int64_t advice)
{
	bool write = advice == MADV_POPULATE_WRITE;

	if ((advice == MADV_FREE || advice == MADV_WIPEONFORK) && v->file != NULL)
		return -EINVAL;
	if (advice == MADV_REMOVE && v->file == NULL)
		return -EINVAL;
	if (advice == MADV_REMOVE && (!vma_shared(v) || !mfile_writable(v->file)))
		return -EACCES;
	switch (classify(advice)) {
	case ADV_FREE:
		if (advice == MADV_REMOVE)
			aspace_punch(op, v->file, vma_pgoff(v, start), (end - start) >> HAL_PAGE_SHIFT,
				     false);
		else
			aspace_zap(op, start, end);
		return 0;
	case ADV_POPULATE:
		if (!(v->prot & (write ? PROT_WRITE : PROT_READ)))
			return -EINVAL;
		for (uintptr_t va = start; va < end; va += HAL_PAGE_SIZE) {
			phys_addr_t pa;
			int err = aspace_page(op->as, v, va, write, &pa);

			if (err != 0)
				return err == -ENXIO ? -EFAULT : -ENOMEM;
		}
		return 0;
	default:
		return 0;
	}
}

long aspace_madvise(struct aspace *as, uintptr_t start, uint64_t len_in, int64_t advice)
{
	enum advice_kind kind = classify(advice);
	uint64_t len = PAGE_ALIGN_UP(len_in);
	struct aspace_op op;
	long err = 0, hole = 0;

	if (kind == ADV_INVALID || start % HAL_PAGE_SIZE != 0 || (len_in != 0 && len == 0))
		return -EINVAL;
	uintptr_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (kind == ADV_PERM)
		return -EPERM;
	if (aspace_op_begin(&op, as, 0) != 0)
		return -ENOMEM;
	for (uintptr_t at = start; at < end;) {
		const struct vma *v = vma_find_after(as, at);

		if (v == NULL) {
			err = -ENOMEM;
			break;
		}
		if (vma_start(v) > at) {
			if (kind == ADV_POPULATE) {
				err = -ENOMEM;
				break;
			}
			hole = -ENOMEM;
			at = vma_start(v);
			if (at >= end)
				break;
		}
		uintptr_t piece_end = end < vma_end(v) ? end : vma_end(v);
		err = advise_vma(&op, v, at, piece_end, advice);
		if (err != 0)
			break;
		at = piece_end;
	}
	aspace_op_end(&op);
	return err != 0 ? err : hole;
}

struct mincore_walk {
	uintptr_t start, end;
	unsigned char *vec;
};

static void mincore_leaf(void *arg, uintptr_t va, const struct mapper_translation *t)
{
	struct mincore_walk *w = arg;

	for (uintptr_t p = va; p - va < t->page_size; p += HAL_PAGE_SIZE)
		if (p >= w->start && p < w->end)
			w->vec[(p - w->start) >> HAL_PAGE_SHIFT] = 1;
}

/* Linux's mincore: -EINVAL unaligned, -ENOMEM for a range outside the
 * user window or with a hole (the vector is filled up to it). */
long aspace_mincore(struct aspace *as, uintptr_t start, uint64_t len, unsigned char *vec)
{
	const struct vma_tree *t = &as->tree;
	uint64_t pages = (len >> HAL_PAGE_SHIFT) + (len % HAL_PAGE_SIZE != 0);
	struct mincore_walk w = { start, start + pages * HAL_PAGE_SIZE, vec };
	long err = 0;

	if (start % HAL_PAGE_SIZE != 0)
		return -EINVAL;
	if (start > t->hi || len > t->hi - start)
		return -ENOMEM;
	for (uint64_t i = 0; i < pages; i++)
		vec[i] = 0;
	rwlock_read_lock(&as->lock);
	for (uintptr_t at = start; at < w.end;) {
		const struct vma *v = vma_find(as, at);

		if (v == NULL) {
			err = -ENOMEM;
			break;
		}
		uintptr_t piece_end = w.end < vma_end(v) ? w.end : vma_end(v);
		if (v->file != NULL) {
			/* Linux reports a file page resident when the page
			 * cache holds it, mapped here or not. */
			uintptr_t off = vma_pgoff(v, at) << HAL_PAGE_SHIFT;
			struct mincore_walk sw = { off, off + (piece_end - at),
						   vec + ((at - start) >> HAL_PAGE_SHIFT) };

			mapper_for_each(&v->file->pages, off, piece_end - at, mincore_leaf, &sw);
		}
		if (!vma_shared(v))
			mapper_for_each(&as->mapper, at, piece_end - at, mincore_leaf, &w);
		at = piece_end;
	}
	rwlock_read_unlock(&as->lock);
	return err;
}
