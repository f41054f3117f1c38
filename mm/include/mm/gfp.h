/*
 * mm/gfp.h - the page allocator's C interface, with Linux's names and
 * semantics.
 *
 *   struct page *alloc_pages(gfp_t gfp, unsigned int order);
 *   void __free_pages(struct page *page, unsigned int order);
 *   unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
 *   unsigned long get_zeroed_page(gfp_t gfp);
 *   void free_pages(unsigned long addr, unsigned int order);
 *
 * An allocation returns a naturally aligned block of 2^order frames, or
 * NULL/0 when none is free anywhere (per-CPU caches are drained before
 * giving up). __GFP_ZERO returns it zero-filled. free_pages(0, order) and
 * __free_pages(NULL, order) do nothing, as in Linux.
 *
 * Callable from any context with interrupts on or off.
 */
#ifndef MM_GFP_H
#define MM_GFP_H

#include <stdint.h>

struct page;

typedef unsigned int gfp_t;

#define __GFP_ZERO 0x1u
#define GFP_KERNEL 0x0u
#define GFP_ATOMIC 0x0u /* nothing here sleeps: the same as GFP_KERNEL */

/* Orders 0 (4 KiB) .. MAX_PAGE_ORDER (1 GiB) exist. */
#define MAX_PAGE_ORDER 18

struct page *alloc_pages(gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp);
void free_pages(unsigned long addr, unsigned int order);

#define alloc_page(gfp) alloc_pages(gfp, 0)
#define __get_free_page(gfp) __get_free_pages(gfp, 0)
#define __free_page(page) __free_pages(page, 0)
#define free_page(addr) free_pages(addr, 0)

void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);
uint64_t page_to_pfn(const struct page *page);
struct page *pfn_to_page(uint64_t pfn);

#endif
