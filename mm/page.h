/*
 * mm/page.h - per-frame metadata (struct page) and the frame map.
 *
 * One struct page per 4 KiB frame of the range [mem_base_pfn,
 * mem_base_pfn + mem_npages) that the boot memory map covers, in one array
 * (mem_map) carved from RAM by the boot allocator. The buddy finds a
 * block's buddy in O(1): its pfn differs in bit `order`, and its struct
 * page says whether it is free and at which order.
 *
 * Who owns a struct page: the buddy (under its lock) while the frame is in
 * a free list (page->buddy); a CPU's page cache while it sits there (PG_pcp);
 * the slab layer while it backs a slab (PG_slab); a memory object while
 * it holds the frame (PG_object); the allocating caller otherwise. Each
 * owner uses the union member that belongs to it.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/gfp.h>

#include <mm/hal.h>
#include <mm/list.h>

enum page_flags {
	PG_reserved = 1u << 0, /* never handed to the buddy (firmware, kernel image, holes) */
	PG_pcp = 1u << 2,      /* in a per-CPU page cache */
	PG_slab = 1u << 3,     /* backs a slab (head page) */
	PG_tail = 1u << 4,     /* non-head page of a multi-page slab or large kmalloc */
	PG_large_kmalloc = 1u << 5, /* head of a page-backed kmalloc block */
	PG_allocated = 1u << 6, /* handed out by alloc_pages (debug accounting) */
	PG_poisoned = 1u << 7, /* freed by __free_pages and filled with poison (debug) */
	/* Owned by a memory object (a file's page cache, mm/mfile.c) or the
	 * zero page: page tables that map it only borrow it, so unmapping
	 * never frees it and a private mapping maps it read-only (copy on
	 * write, mapper.h's MAPPER_COW). Set before the frame is first
	 * mapped, cleared by the owner after the last mapping is gone. */
	PG_object = 1u << 8,
};

struct kmem_cache;
struct slab;

struct page {
	struct list_head list; /* buddy free list, or slab list */
	uint32_t flags;        /* PG_*, written only by the page's owner */
	uint8_t order;         /* free block order (buddy), or allocation order */
	/*
	 * Head of a free block in a buddy free list. Set and cleared only
	 * under the buddy lock, and kept out of flags because the buddy tests
	 * it on pages it does not own (a block's buddy), while their owner
	 * may be writing flags: a byte of its own makes that no data race
	 * (Linux keeps PageBuddy in page_type for the same reason).
	 */
	bool buddy;
	uint8_t pad[2];
	union {
		struct {       /* PG_slab / PG_tail */
			struct kmem_cache *cache;
			struct page *head; /* PG_tail: the slab's head page */
			union {
				struct { /* the slab layer's, mm/slab.c */
					void *freelist;
					uint32_t inuse;
				};
				/* SLAB=slub's instead: free list, in use
				 * and frozen in one word (mm/slab_slub.c) */
				uint64_t state;
			};
		} slab;
		struct {       /* PG_large_kmalloc */
			uint64_t size;
		} large;
	};
	/*
	 * To 64 bytes, as Linux's: a power of two, so that a struct page and
	 * its pfn or virtual address convert with a shift, where 56 took a
	 * multiply one way and a multiply by the inverse the other (kfree,
	 * every buddy merge). 8 bytes more per 4 KiB frame.
	 */
	uint64_t pad_to_64;
};

_Static_assert(sizeof(struct page) == 64, "struct page is a power of two in size");

/* Frees every block on list (through page->list), each of this order. */
static inline void pages_free_list(struct list_head *list, unsigned order)
{
	while (!list_empty(list)) {
		struct page *p = list_first_entry(list, struct page, list);

		list_del(&p->list);
		__free_pages(p, order);
	}
}

extern struct page *mem_map;
extern uint64_t mem_base_pfn, mem_npages;

static inline bool pfn_valid(uint64_t pfn)
{
	return pfn >= mem_base_pfn && pfn - mem_base_pfn < mem_npages;
}

static inline struct page *pfn_to_page_fast(uint64_t pfn)
{
	return &mem_map[pfn - mem_base_pfn];
}

static inline uint64_t page_to_pfn_fast(const struct page *p)
{
	return (uint64_t)(p - mem_map) + mem_base_pfn;
}

static inline void *page_to_virt(const struct page *p)
{
	return hal_phys_to_virt(PFN_PHYS(page_to_pfn_fast(p)));
}

/* mem_map indexed by a virtual page number (Linux's vmemmap): RAM is
 * mapped linearly (hal.h), so the struct page of va is this base plus
 * va's page number times the struct's size, with no translation to a
 * physical address and no pfn offset on the way: what kfree pays on
 * every call. Wraps around, unsigned; set with mem_map. */
extern uintptr_t mem_map_by_vpn;

static inline struct page *virt_to_page_fast(const void *va)
{
	return (struct page *)(mem_map_by_vpn +
			       ((uintptr_t)va >> HAL_PAGE_SHIFT) * sizeof(struct page));
}

#endif
