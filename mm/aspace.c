/*
 * mm/aspace.c - user address spaces: lifecycle, locking, the kernel-side
 * transfers and introspection (the API is in aspace.h). The VMAs are in
 * vma.c, page faults in fault.c, the system calls in mmap.c, mprotect.c,
 * mremap.c and madvise.c.
 *
 * Design. An address space is a user mapper (the page tables its CPUs
 * run on) and a tree of VMAs (mm/vma_tree.h: O(log n) lookup and gap
 * search). A page of a private PROT_NONE VMA stays in the tables as a
 * leaf of no access (MAPPER_NONE: not present, still naming its frame,
 * as Linux's PROT_NONE entries), so it keeps its contents for a later
 * mprotect and mremap and munmap treat it like any page. Memory is anonymous or a
 * file's (mm/mfile.c: a page cache; Linux's shmem file backs MAP_SHARED
 * anonymous memory), all of it demand-paged. A page-table entry maps
 * either a frame the address space owns or one it borrows (PG_object):
 * a file's cached page or the zero page (mm/zero_page.c). Borrowed frames
 * are never freed by an unmap, and private mappings hold them read-only
 * until the first write copies them (mm/fault.c). For the frames a
 * private mapping owns, the page tables are the only record of which
 * frame backs which page (as for Linux's anonymous memory; without fork
 * there is no sharing to track). A shared mapping only borrows, so
 * MADV_DONTNEED and PROT_NONE drop entries without losing data, and
 * several VMAs (after MREMAP_DONTUNMAP, or mremap's old_len 0) can show
 * the same pages.
 *
 * Locking (the order of every lock of mm/ is in mm/README.md).
 *   as->lock   a fair reader-writer spinlock (mm/rwlock.h): tickets in
 *              arrival order, so a waiting writer holds back every later
 *              reader (faults cannot starve a munmap) and the readers
 *              that came after it go before the next writer (munmaps in
 *              a loop cannot starve the faults; a lock that always
 *              prefers writers did, in test_aspace_smp.c).
 *              Shared: page faults, aspace_read/aspace_write, mincore and
 *              the introspection calls; they run in parallel, on any CPUs.
 *              Exclusive: mmap, munmap, mprotect, mremap, madvise, brk,
 *              aspace_check, and a fault that grows a stack (it drops the
 *              read lock, grows under the write lock, retries). The tree
 *              and the VMAs change only under the write lock; the read
 *              side may walk them. Waiters spin with interrupts ON: the
 *              holder may be waiting for this CPU's flush IPI.
 *   as->cow[]  one of 16 reader-writer locks (hashed by page, used as
 *              mutexes) orders the copies on write of a page: the copier
 *              holds it across the switch and its shootdown (mm/fault.c).
 *              Taken inside the read side of as->lock, outside mapper
 *              locks.
 *   mapper->lock  each mapper's own spinlock (<mm/mapper.h>), the inner
 *              lock: taken inside every mapper call, never held across
 *              one. Two faults racing for one page both allocate; the
 *              loser's mapper_map says -EEXIST and it frees its frame.
 *   Shootdowns run with the write lock held and no spinlock held: every
 *   unmap and every permission reduction of one system call goes into
 *   one flush batch (struct aspace_op), shot down (<mm/shootdown.h>) once
 *   at the end, before the lock is dropped, so no CPU can reach a freed
 *   frame or an old permission after the call returns; the frames are
 *   freed only after every CPU has flushed.
 *   Counters (resident pages, faults, shootdown rounds) are atomic.
 *
 * Context: thread context with interrupts on, for every call here.
 */
#include <mm/aspace.h>

#include <errno.h>

#include <mm/shootdown.h>
#include <mm/slab.h>

#include "aspace_internal.h"

static bool layout_ok(const struct aspace_layout *l)
{
	return l->kernel != NULL && l->lo % HAL_PAGE_SIZE == 0 && l->hi % HAL_PAGE_SIZE == 0 &&
	       l->lo != 0 && l->lo < l->hi && l->mmap_base % HAL_PAGE_SIZE == 0 &&
	       l->mmap_base > l->lo && l->mmap_base <= l->hi;
}

int aspace_create(const struct aspace_layout *l, struct aspace **out)
{
	struct aspace *as;
	int err;

	if (!layout_ok(l))
		return -EINVAL;
	/* Made here, so that no later caller of zero_page allocates. */
	if (zero_page() == 0)
		return -ENOMEM;
	as = kzalloc(sizeof(*as), GFP_KERNEL);
	if (as == NULL)
		return -ENOMEM;
	err = mapper_init_user(&as->mapper, l->kernel);
	if (err != 0) {
		kfree(as);
		return err;
	}
	rwlock_init(&as->lock);
	for (unsigned i = 0; i < ASPACE_COW_LOCKS; i++)
		rwlock_init(&as->cow[i]);
	vma_tree_init(&as->tree, l->lo, l->hi);
	as->mmap_base = l->mmap_base;
	*out = as;
	return 0;
}

void aspace_destroy(struct aspace *as)
{
	struct flush_batch b;
	struct vma_node *n;

	flush_batch_init(&b, &as->mapper, true);
	while ((n = vma_tree_first(&as->tree)) != NULL) {
		struct vma *v = vma_of(n);

		mapper_unmap(&as->mapper, n->start, n->end - n->start, &b);
		vma_tree_remove(&as->tree, n);
		if (v->flags & VMA_ACCOUNT)
			aspace_uncommit(as, vma_pages(v));
		if (v->file != NULL)
			mfile_release(v->file, &b);
		vma_free(v);
		/* No CPU runs on the mapper: a local flush finishes it. */
		flush_batch_finish_local(&b);
	}
	mapper_destroy(&as->mapper);
	kfree(as);
}

int aspace_commit(struct aspace *as, uint64_t pages, bool force)
{
	if (force)
		vm_commit_force(pages);
	else if (vm_commit(pages) != 0)
		return -ENOMEM;
	as->committed += pages;
	return 0;
}

void aspace_uncommit(struct aspace *as, uint64_t pages)
{
	if (pages > as->committed)
		env_panic("aspace %p: %llu pages uncommitted, %llu committed", (void *)as,
			  (unsigned long long)pages, (unsigned long long)as->committed);
	as->committed -= pages;
	vm_uncommit(pages);
}

struct mapper *aspace_mapper(struct aspace *as)
{
	return &as->mapper;
}

int aspace_op_begin(struct aspace_op *op, struct aspace *as, unsigned nspare)
{
	op->as = as;
	for (unsigned i = 0; i < ASPACE_OP_SPARES; i++) {
		op->spare[i] = i < nspare ? vma_alloc() : NULL;
		if (i < nspare && op->spare[i] == NULL) {
			while (i-- > 0)
				vma_free(op->spare[i]);
			return -ENOMEM;
		}
	}
	flush_batch_init(&op->batch, &as->mapper, true);
	rwlock_write_lock(&as->lock);
	return 0;
}

void aspace_op_end(struct aspace_op *op)
{
	struct aspace *as = op->as;
	unsigned rounds = tlb_shootdown(&op->batch);

	if (rounds != 0)
		__atomic_fetch_add(&as->shootdown_rounds, rounds, __ATOMIC_RELAXED);
	rwlock_write_unlock(&as->lock);
	for (unsigned i = 0; i < ASPACE_OP_SPARES; i++)
		if (op->spare[i] != NULL)
			vma_free(op->spare[i]);
}

/* Copies between buf and [va, va + len) of as, page by page through the
 * direct map, faulting pages in (a kernel access: PROT_* ignored). */
static int transfer(struct aspace *as, uintptr_t va, void *buf, uint64_t len, bool write)
{
	unsigned char *p = buf;
	int err = 0;

	if (len == 0)
		return 0;
	if (va + len < va)
		return -EFAULT;
	rwlock_read_lock(&as->lock);
	while (len != 0 && err == 0) {
		uint64_t off = va & (HAL_PAGE_SIZE - 1);
		uint64_t n = HAL_PAGE_SIZE - off < len ? HAL_PAGE_SIZE - off : len;
		const struct vma *v = vma_find(as, va);
		phys_addr_t pa;

		if (v == NULL) {
			err = -EFAULT;
			break;
		}
		err = aspace_page(as, v, va & HAL_PAGE_MASK, write, &pa);
		if (err == -ENXIO)
			err = -EFAULT;	/* past a file's end: Linux's copies fail so */
		if (err != 0)
			break;
		unsigned char *frame = hal_phys_to_virt(pa + off);
		for (uint64_t i = 0; i < n; i++) {
			if (write)
				frame[i] = p[i];
			else
				p[i] = frame[i];
		}
		va += n;
		p += n;
		len -= n;
	}
	rwlock_read_unlock(&as->lock);
	return err;
}

int aspace_write(struct aspace *as, uintptr_t va, const void *src, uint64_t len)
{
	return transfer(as, va, (void *)src, len, true);
}

int aspace_read(struct aspace *as, void *dst, uintptr_t va, uint64_t len)
{
	return transfer(as, va, dst, len, false);
}

long aspace_vmas(struct aspace *as, struct aspace_vma_info *out, uint64_t max)
{
	uint64_t i = 0;

	rwlock_read_lock(&as->lock);
	for (struct vma_node *n = vma_tree_first(&as->tree); n != NULL; n = vma_tree_next(n), i++) {
		const struct vma *v = vma_of(n);

		if (i < max)
			out[i] = (struct aspace_vma_info){ n->start, n->end, v->prot,
							   v->flags & VMA_SHOWN_FLAGS };
	}
	rwlock_read_unlock(&as->lock);
	return (long)i;
}

void aspace_stats(struct aspace *as, struct aspace_stats *st)
{
	env_irqflags_t irq;

	rwlock_read_lock(&as->lock);
	st->vmas = as->tree.count;
	rwlock_read_unlock(&as->lock);
	st->resident_pages = __atomic_load_n(&as->resident, __ATOMIC_RELAXED);
	st->faults = __atomic_load_n(&as->faults, __ATOMIC_RELAXED);
	st->shootdown_rounds = __atomic_load_n(&as->shootdown_rounds, __ATOMIC_RELAXED);
	irq = env_irq_save();
	env_spin_lock(&as->mapper.lock);
	st->page_tables = as->mapper.tables_allocated - as->mapper.tables_freed;
	env_spin_unlock(&as->mapper.lock);
	env_irq_restore(irq);
}
