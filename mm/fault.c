/*
 * mm/fault.c - page faults: demand-zero anonymous memory, the permission
 * check that decides SEGV_MAPERR from SEGV_ACCERR, and stack growth
 * below a MAP_GROWSDOWN VMA.
 *
 * A fault runs under the read side of the address space's lock, so the
 * faults of one address space run in parallel; the only state they
 * change is the page tables, through the mapper's own lock. Two faults on
 * one page both allocate a zeroed frame; mapper_map lets one in and says
 * -EEXIST to the other, which frees its frame and retries the access.
 * Growing a stack changes a VMA, so that fault drops the read lock, grows
 * the VMA under the write lock, and starts over.
 *
 * Pages of a private PROT_NONE VMA live in the parked mapper (see
 * aspace.c); only the kernel's transfers (aspace_read / aspace_write)
 * fault them in there, a user access to them is a permission fault. A
 * shared VMA's page is its object's frame (mm/shm.c), found or created
 * there first and then mapped (never parked: the object keeps it).
 */
#include <errno.h>

#include <mm/gfp.h>

#include "aspace_internal.h"
#include "page.h"

static struct mapper *page_mapper(struct aspace *as, const struct vma *v)
{
	return v->prot == PROT_NONE ? &as->parked : &as->mapper;
}

/* A shared VMA's page: the object's frame, mapped unless PROT_NONE. */
static int shared_page(struct aspace *as, const struct vma *v, uintptr_t va, phys_addr_t *pa)
{
	struct mapper_translation t;
	int err;

	if (mapper_translate(&as->mapper, va, &t) == 0) {
		*pa = t.pa;
		return 0;
	}
	err = shm_page(v->shm, vma_pgoff(v, va), pa);
	if (err != 0 || v->prot == PROT_NONE)
		return err;
	err = mapper_map(&as->mapper, va, *pa, HAL_PAGE_SIZE, HAL_PAGE_SIZE,
			 vma_prot_flags(v->prot));
	if (err == 0)
		__atomic_fetch_add(&as->resident, 1, __ATOMIC_RELAXED);
	return err == -EEXIST ? 0 : err;
}

int aspace_page(struct aspace *as, const struct vma *v, uintptr_t va, phys_addr_t *pa)
{
	struct mapper *m = page_mapper(as, v);
	struct mapper_translation t;

	if (v->shm != NULL)
		return shared_page(as, v, va, pa);
	for (;;) {
		if (mapper_translate(m, va, &t) == 0) {
			*pa = t.pa;
			return 0;
		}
		struct page *p = alloc_pages(__GFP_ZERO, 0);
		if (p == NULL)
			return -ENOMEM;
		phys_addr_t frame = PFN_PHYS(page_to_pfn(p));
		int err = mapper_map(m, va, frame, HAL_PAGE_SIZE, HAL_PAGE_SIZE,
				     vma_prot_flags(v->prot));
		if (err == 0) {
			__atomic_fetch_add(&as->resident, 1, __ATOMIC_RELAXED);
			*pa = frame;
			return 0;
		}
		__free_pages(p, 0);
		if (err != -EEXIST)
			return err;
	}
}

void aspace_populate(struct aspace *as, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end; va += HAL_PAGE_SIZE) {
		const struct vma *v = vma_find(as, va);
		phys_addr_t pa;

		/* Linux's populate skips inaccessible VMAs and ignores
		 * failures: the mapping stands, pages fault in later. */
		if (v == NULL || v->prot == PROT_NONE)
			continue;
		if (aspace_page(as, v, va, &pa) != 0)
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

/* A protection fault on a page its VMA allows. Usually the entry is
 * already right and the fault came through a stale TLB entry from before
 * an mprotect that raised the rights (the fault itself dropped it: retry).
 * Should the entry itself lack rights the VMA grants, give them: raising
 * rights needs no shootdown. */
static int fix_rights(struct aspace *as, const struct vma *v, uintptr_t va)
{
	struct mapper_translation t;
	struct flush_batch b;
	unsigned want = vma_prot_flags(v->prot);

	if (mapper_translate(&as->mapper, va, &t) != 0 || t.flags == want)
		return 0;
	flush_batch_init(&b, &as->mapper, false);
	int64_t r = mapper_protect(&as->mapper, va, HAL_PAGE_SIZE, want, &b);
	flush_batch_finish_local(&b);
	return r < 0 ? (int)r : 0;
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
 * (RLIMIT_STACK), and an accessible VMA below that is not itself a stack
 * must stay ASPACE_STACK_GUARD_GAP away. 0 if addr is now covered.
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
		if (start >= as->tree.lo && vma_end(v) - start <= ASPACE_STACK_LIMIT &&
		    (prev == NULL || (prev->flags & MAP_GROWSDOWN) || prev->prot == PROT_NONE ||
		     start - vma_end(prev) >= ASPACE_STACK_GUARD_GAP)) {
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
		} else {
			phys_addr_t pa;

			err = aspace_page(as, v, addr & HAL_PAGE_MASK, &pa);
			if (err == 0 && (access & ASPACE_FAULT_PRESENT))
				err = fix_rights(as, v, addr & HAL_PAGE_MASK);
		}
		rwlock_read_unlock(&as->lock);
		return err;
	}
}
