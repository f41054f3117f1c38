/*
 * mm/fault.c - page faults: demand paging of anonymous memory and of
 * files, copy on write for private mappings, the permission check that
 * decides SEGV_MAPERR from SEGV_ACCERR, and stack growth below a
 * MAP_GROWSDOWN VMA.
 *
 * What a fault maps (Linux's do_anonymous_page, do_read_fault,
 * do_cow_fault, do_shared_fault and wp_page_copy):
 *   private anonymous  read: the zero page (mm/zero_page.c); write: a new
 *                      zeroed frame of the address space's own;
 *   private file       read: the file's cached page (mm/mfile.c); write:
 *                      a new frame with a copy of it;
 *   shared             the file's page (shmem for anonymous memory), as
 *                      the VMA's prot allows.
 * A file page wholly past the file's end (a memfd's size) is none: the
 * fault fails with -ENXIO, SIGBUS for the caller, as Linux's
 * filemap_fault and shmem_fault do, whichever the mapping type. The
 * size only changes under the write lock, and a truncation drops every
 * entry past the new end first (mm/truncate.c), so a page already
 * mapped never needs the check.
 * A borrowed frame (the zero page or a cached one, PG_object) sits in a
 * private mapping read-only (MAPPER_COW), so the first write to it faults
 * and copies: the copy replaces the entry (mapper_replace), still
 * read-only, the old translation is shot down, and only then does the
 * entry get its write right. Until then no CPU can write the copy, so none
 * can read the old frame after a write to the new one, which is what
 * Linux's clear, flush, then set order guarantees.
 *
 * Locking (the global order: mm/README.md). A fault runs under the read
 * side of the address space's lock, so the
 * faults of one address space run in parallel; the only state they
 * change is the page tables, through the mapper's own lock, and the
 * files' caches, through theirs. Two faults on one absent page both make
 * a frame; mapper_map lets one in and says -EEXIST to the other, which
 * frees its frame and looks again. Two copies on write of one page are
 * ordered by one of as->cow's locks (hashed by page), held across the
 * switch and its shootdown: a fault that finds a private page without
 * the rights its VMA gives waits on that lock, then gives them. Waiting
 * on it spins with interrupts on (mm/rwlock.h), as the holder may wait
 * for this CPU's flush IPI. Growing a stack changes a VMA, so that fault
 * drops the read lock, grows the VMA under the write lock, and starts
 * over.
 *
 * Pages of a private PROT_NONE VMA are leaves of no access (MAPPER_NONE):
 * only the kernel's transfers (aspace_read / aspace_write) fault them in,
 * a user access to them is a permission fault. A shared VMA's page is its
 * file's frame, found or read in there first and then mapped (not at
 * all under PROT_NONE: the file keeps it).
 */
#include <errno.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/shootdown.h>

#include "aspace_internal.h"
#include "page.h"

static bool borrowed(const struct mapper_translation *t)
{
	return t->flags & MAPPER_BORROWED;
}

static struct rwlock *cow_lock(struct aspace *as, uintptr_t va)
{
	return &as->cow[(va >> HAL_PAGE_SHIFT) % ASPACE_COW_LOCKS];
}

/* A shared VMA's page: the file's frame, mapped unless PROT_NONE. */
static int shared_page(struct aspace *as, const struct vma *v, uintptr_t va, phys_addr_t *pa)
{
	struct mapper_translation t;
	int err;

	if (mapper_translate(&as->mapper, va, &t) == 0) {
		*pa = t.pa;
		return 0;
	}
	if (mfile_past_eof(v->file, vma_pgoff(v, va)))
		return -ENXIO;
	err = mfile_page(v->file, vma_pgoff(v, va), pa);
	if (err != 0 || v->prot == PROT_NONE)
		return err;
	err = mapper_map(&as->mapper, va, *pa, HAL_PAGE_SIZE, HAL_PAGE_SIZE,
			 vma_prot_flags(v, v->prot) | MAPPER_BORROWED);
	if (err == 0)
		__atomic_fetch_add(&as->resident, 1, __ATOMIC_RELAXED);
	return err == -EEXIST ? 0 : err;
}

/* The frame a private page starts as: the file's page or the zero page. */
static int source_frame(const struct vma *v, uintptr_t va, phys_addr_t *pa)
{
	if (v->file != NULL && mfile_past_eof(v->file, vma_pgoff(v, va)))
		return -ENXIO;
	if (v->file != NULL)
		return mfile_page(v->file, vma_pgoff(v, va), pa);
	*pa = zero_page();
	return *pa != 0 ? 0 : -ENOMEM;
}

/* A new frame of the address space's own with src's contents, or NULL. */
static struct page *copy_of(phys_addr_t src)
{
	bool zero = src == zero_page();
	struct page *p = alloc_pages(zero ? __GFP_ZERO : 0, 0);

	if (p != NULL && !zero)
		memcpy(page_to_virt(p), hal_phys_to_virt(src), HAL_PAGE_SIZE);
	return p;
}

/* A private page that nothing maps: its source frame (read) or a copy of
 * it (write). 0 with *pa, -EAGAIN if a racing fault mapped it first. */
static int private_fill(struct aspace *as, struct mapper *m, const struct vma *v, uintptr_t va,
			bool write, phys_addr_t *pa)
{
	struct page *own = NULL;
	phys_addr_t frame;
	int err = 0;

	if (write && v->file == NULL) {
		own = alloc_pages(__GFP_ZERO, 0);
	} else {
		err = source_frame(v, va, &frame);
		if (err == 0 && write)
			own = copy_of(frame);
	}
	if (err != 0 || (write && own == NULL))
		return err != 0 ? err : -ENOMEM;
	if (own != NULL)
		frame = PFN_PHYS(page_to_pfn(own));
	err = mapper_map(m, va, frame, HAL_PAGE_SIZE, HAL_PAGE_SIZE,
			 vma_prot_flags(v, v->prot) | (own != NULL ? 0 : MAPPER_BORROWED));
	if (err == 0) {
		__atomic_fetch_add(&as->resident, 1, __ATOMIC_RELAXED);
		if (own != NULL && !vma_anon(v))
			vma_set_anon(v, true);
		*pa = frame;
		return 0;
	}
	if (own != NULL)
		__free_pages(own, 0);
	return err == -EEXIST ? -EAGAIN : err;
}

/* Gives va's entry the rights v grants (a raise: no flush needed). */
static int raise_rights(struct mapper *m, const struct vma *v, uintptr_t va)
{
	struct flush_batch b;

	flush_batch_init(&b, m, false);
	int64_t r = mapper_protect(m, va, HAL_PAGE_SIZE, vma_prot_flags(v, v->prot), &b);
	flush_batch_finish_local(&b);
	return r < 0 ? (int)r : 0;
}

/* Copy on write of the borrowed frame old at va, under va's cow lock. 0
 * with *pa, -EAGAIN if va no longer maps old. */
static int cow_switch(struct aspace *as, struct mapper *m, const struct vma *v, uintptr_t va,
		      phys_addr_t old, phys_addr_t *pa)
{
	struct mapper_translation t;
	struct flush_batch b;

	if (mapper_translate(m, va, &t) != 0 || t.pa != old)
		return -EAGAIN;
	struct page *own = copy_of(old);
	if (own == NULL)
		return -ENOMEM;
	phys_addr_t frame = PFN_PHYS(page_to_pfn(own));
	flush_batch_init(&b, m, false);
	int err = mapper_replace(m, va, old, frame, vma_prot_flags(v, v->prot) & ~(unsigned)MAPPER_WRITE,
				 &b);
	if (err != 0) {
		__free_pages(own, 0);
		return err;
	}
	if (!vma_anon(v))
		vma_set_anon(v, true);
	if (v->prot != PROT_NONE) {
		unsigned rounds = tlb_shootdown(&b);

		if (rounds != 0)
			__atomic_fetch_add(&as->shootdown_rounds, rounds, __ATOMIC_RELAXED);
	} else {
		flush_batch_finish_local(&b);	/* a leaf of no access: no TLB holds it */
	}
	*pa = frame;
	return raise_rights(m, v, va);
}

/* A mapped private page whose entry has fewer rights than it should (a
 * copy on write in flight) or that a write must copy: under va's cow
 * lock, copy it or give it the rights. 0 with *pa, or -EAGAIN. Out of
 * line: the common fault never comes here, and aspace_page stays small. */
static __attribute__((noinline)) int private_settle(struct aspace *as, struct mapper *m,
						     const struct vma *v, uintptr_t va, bool write,
						     phys_addr_t *pa)
{
	struct rwlock *l = cow_lock(as, va);
	struct mapper_translation t;
	int err = -EAGAIN;

	rwlock_write_lock(l);
	if (mapper_translate(m, va, &t) == 0) {
		if (write && borrowed(&t)) {
			err = cow_switch(as, m, v, va, t.pa, pa);
		} else {
			*pa = t.pa;
			err = t.flags == vma_entry_flags(v, borrowed(&t)) ? 0 : raise_rights(m, v, va);
		}
	}
	rwlock_write_unlock(l);
	return err;
}

int aspace_page(struct aspace *as, const struct vma *v, uintptr_t va, bool write,
		phys_addr_t *pa)
{
	struct mapper *m = &as->mapper;

	MM_ASSERT_READ_HELD(&as->lock);
	if (vma_shared(v))
		return shared_page(as, v, va, pa);
	for (;;) {
		struct mapper_translation t;
		int err;

		if (mapper_translate(m, va, &t) != 0) {
			err = private_fill(as, m, v, va, write, pa);
		} else if ((!write || !borrowed(&t)) && t.flags == vma_entry_flags(v, borrowed(&t))) {
			*pa = t.pa;
			return 0;
		} else {
			err = private_settle(as, m, v, va, write, pa);
		}
		if (err != -EAGAIN)
			return err;
	}
}

void aspace_populate(struct aspace *as, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end; va += HAL_PAGE_SIZE) {
		const struct vma *v = vma_find(as, va);
		phys_addr_t pa;

		/* Linux's populate skips inaccessible VMAs and ignores
		 * failures: the mapping stands, pages fault in later. Like
		 * its populate_vma_page_range, it writes private writable
		 * memory (so no copy on write is left to fault) and only
		 * reads the rest. */
		if (v == NULL || v->prot == PROT_NONE)
			continue;
		if (aspace_page(as, v, va, !vma_shared(v) && (v->prot & PROT_WRITE), &pa) != 0)
			return;
	}
}

/* Whether the access is allowed under prot (x86: any access right
 * implies reading). */
static bool access_ok(uint64_t prot, unsigned access)
{
	if (access & ASPACE_FAULT_EXEC)
		return prot & PROT_EXEC;
	if (access & ASPACE_FAULT_WRITE)
		return prot & PROT_WRITE;
	return prot != PROT_NONE;
}

/* Whether the live entry of addr already allows the access: the fault
 * came through a TLB entry older than it. */
static bool entry_allows(struct aspace *as, uintptr_t addr, unsigned access)
{
	struct mapper_translation t;

	if (mapper_translate(&as->mapper, addr, &t) != 0 || (t.flags & MAPPER_NONE))
		return false;
	if ((access & ASPACE_FAULT_USER) && !(t.flags & MAPPER_USER))
		return false;
	if (access & ASPACE_FAULT_EXEC)
		return !(t.flags & MAPPER_NX);
	return !(access & ASPACE_FAULT_WRITE) || (t.flags & MAPPER_WRITE);
}

/* The VMA that a fault at addr may grow down to cover, or NULL. */
static struct vma *stack_to_grow(struct aspace *as, uintptr_t addr)
{
	struct vma *v = vma_find_after(as, addr);

	if (v == NULL || !(v->flags & MAP_GROWSDOWN) || vma_start(v) <= addr)
		return NULL;
	return v;
}

/*
 * Linux's expand_downwards, under the write lock: the new start must
 * lie in the window, the stack must stay within ASPACE_STACK_LIMIT
 * (RLIMIT_STACK), an accessible VMA below that is not itself a stack
 * must stay ASPACE_STACK_GUARD_GAP away, and the commit policy must let
 * an accounted stack commit what it grows by. 0 if addr is now covered.
 */
static int grow_stack(struct aspace *as, uintptr_t addr)
{
	struct aspace_op op;
	uintptr_t start = addr & HAL_PAGE_MASK;
	int err = aspace_op_begin(&op, as, 0);

	if (err != 0)
		return err;
	struct vma *v = stack_to_grow(as, addr);
	if (v != NULL) {
		struct vma *prev = vma_prev(v);

		err = -EFAULT;
		/* A refused commit is a SIGSEGV, as Linux's acct_stack_growth. */
		if (start >= as->tree.lo && vma_end(v) - start <= ASPACE_STACK_LIMIT &&
		    (prev == NULL || (prev->flags & MAP_GROWSDOWN) || prev->prot == PROT_NONE ||
		     start - vma_end(prev) >= ASPACE_STACK_GUARD_GAP) &&
		    (!(v->flags & VMA_ACCOUNT) ||
		     aspace_commit(as, (vma_start(v) - start) >> HAL_PAGE_SHIFT, false) == 0)) {
			vma_tree_resize(&as->tree, &v->node, start, vma_end(v));
			vma_merge_around(as, v);
			err = 0;
		}
	} else if (vma_find(as, addr) == NULL) {
		err = -EFAULT;
	}
	aspace_op_end(&op);
	return err;
}

int aspace_fault(struct aspace *as, uintptr_t addr, unsigned access)
{
	int err;

	if (env_irqs_disabled())
		env_panic("aspace_fault with interrupts off");
	__atomic_fetch_add(&as->faults, 1, __ATOMIC_RELAXED);
	for (;;) {
		rwlock_read_lock(&as->lock);
		const struct vma *v = vma_find(as, addr);
		if (v == NULL) {
			bool grow = stack_to_grow(as, addr) != NULL;

			rwlock_read_unlock(&as->lock);
			if (!grow)
				return -EFAULT;
			err = grow_stack(as, addr);
			if (err != 0)
				return err;
			continue;
		}
		if (!access_ok(v->prot, access)) {
			err = -EACCES;
		} else if ((access & ASPACE_FAULT_PRESENT) && entry_allows(as, addr, access)) {
			err = ASPACE_FAULT_SPURIOUS;
		} else {
			phys_addr_t pa;

			err = aspace_page(as, v, addr & HAL_PAGE_MASK, access & ASPACE_FAULT_WRITE,
					  &pa);
		}
		rwlock_read_unlock(&as->lock);
		return err;
	}
}
