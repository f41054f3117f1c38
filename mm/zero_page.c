/*
 * mm/zero_page.c - the shared zero page: the frame that every private
 * anonymous page reads from until it is first written (Linux's
 * ZERO_PAGE), so reading untouched memory costs no frame, only the page
 * table entries that map it.
 *
 * It is allocated when the first CPU comes up (mm_cpu_init; the first
 * aspace_create makes sure of it, so that no fault, and no check under
 * a mapper's lock, ever allocates it) and marked PG_object, so page tables only
 * borrow it: private mappings map it read-only (MAPPER_COW), a write
 * fault replaces it with a zeroed frame of the address space's own
 * (mm/fault.c), and no unmap ever frees it. It is never freed; mm_init
 * forgets it (the hosted tests start the stack over, with a new frame
 * map).
 *
 * Locking: none. Two first users race with a compare-and-swap; the loser
 * frees its frame.
 */
#include <mm/gfp.h>

#include "aspace_internal.h"
#include "page.h"

static phys_addr_t zero_pa;

void zero_page_reset(void)
{
	__atomic_store_n(&zero_pa, 0, __ATOMIC_RELAXED);
}

phys_addr_t zero_page(void)
{
	phys_addr_t pa = __atomic_load_n(&zero_pa, __ATOMIC_ACQUIRE), none = 0;

	if (pa != 0)
		return pa;
	struct page *p = alloc_pages(__GFP_ZERO, 0);
	if (p == NULL)
		return 0;
	p->flags |= PG_object;
	pa = PFN_PHYS(page_to_pfn(p));
	if (__atomic_compare_exchange_n(&zero_pa, &none, pa, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return pa;
	p->flags &= ~(uint32_t)PG_object;
	__free_pages(p, 0);
	return none;
}
