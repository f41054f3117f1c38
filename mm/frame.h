/*
 * mm/frame.h - the interface between the page allocator's front end
 * (mm/page_alloc.c: gfp API, zeroing, debug checks) and the frame-cache
 * variant chosen at build time:
 *   FRAME=buddy   mm/frame_buddy.c   straight to the buddy, under its lock
 *   FRAME=pcp     mm/frame_pcp.c     per-CPU page caches in front of it
 *   FRAME=llfree  mm/frame_llfree.c  LLFree (mm/llfree.c), lock-free,
 *                                    which takes every free frame from
 *                                    the buddy when it starts
 *
 * A variant is one file defining these; adding one is one file.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "page.h"

extern const char frame_variant[];

/* (Re)sets the variant's state: mm_init, once the buddy has its frames,
 * with nothing else running. */
void frame_init(void);

/* The buddy was given more frames after frame_init (mm_extend_reach).
 * Boot CPU, nothing else in mm/ running. */
void frame_memory_added(void);

/* A block of 2^order frames, or NULL. No zeroing, no debug checks. A
 * variant that finds no block returns frame_alloc_failed(order) instead. */
struct page *frame_alloc(unsigned order);
void frame_free(struct page *page, unsigned order);

/* Give up what every CPU keeps for itself: its cached frames, to the
 * buddy; with FRAME=llfree, its tree reservation (the allocator calls
 * this itself before failing an allocation). */
void frame_drain_all(void);

/* Free frames the variant holds outside the buddy now: in per-CPU caches
 * (0 for FRAME=buddy), or all of its own (FRAME=llfree). */
uint64_t frame_cached_pages(void);

/* Whether the variant holds the frame at pfn free without marking its
 * struct page (the frame census, mm/init.c; PG_pcp marks the others). */
bool frame_holds_free(uint64_t pfn);

/* The last try of a failing allocation, after every cache was drained:
 * the buddy, for the variants in front of it. No failure path of its own. */
struct page *frame_alloc_drained(unsigned order);

/* Defined by mm/page_alloc.c for the variants: reclaims, drains every
 * cache and tries once more (frame_alloc_drained); NULL then means no
 * memory. */
struct page *frame_alloc_failed(unsigned order);

#endif
