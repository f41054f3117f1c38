/*
 * mm/frame.h - the interface between the page allocator's front end
 * (mm/page_alloc.c: gfp API, zeroing, debug checks) and the frame-cache
 * variant chosen at build time:
 *   FRAME=buddy  mm/frame_buddy.c  straight to the buddy, under its lock
 *   FRAME=pcp    mm/frame_pcp.c    per-CPU page caches in front of it
 *
 * A variant is one file defining these; adding one is one file.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdint.h>

#include "page.h"

extern const char frame_variant[];

/* (Re)sets the variant's state: mm_init, once the buddy has its frames,
 * with nothing else running. */
void frame_init(void);

/* A block of 2^order frames, or NULL. No zeroing, no debug checks. A
 * variant that finds no block returns frame_alloc_failed(order) instead. */
struct page *frame_alloc(unsigned order);
void frame_free(struct page *page, unsigned order);

/* Return every cached frame on every CPU to the buddy (the allocator
 * calls this itself before failing an allocation). */
void frame_drain_all(void);

/* Frames sitting in per-CPU caches now (0 for FRAME=buddy). */
uint64_t frame_cached_pages(void);

/* Defined by mm/page_alloc.c for the variants: reclaims, drains every
 * cache and asks the buddy once more; NULL then means no memory. */
struct page *frame_alloc_failed(unsigned order);

#endif
