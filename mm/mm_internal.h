/*
 * mm/mm_internal.h - hooks between the parts of mm/ (not for users of the
 * C interface).
 *
 * The frame side (mm/init.c, mm/page_alloc.c) calls into the slab side at
 * these points; the slab side must never call alloc_pages() while holding
 * one of its own locks, because a failing allocation calls slab_reclaim().
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/hal.h>

/* Slab side (mm/slab.c and the SLAB variant). */
extern const char slab_variant[];
void slab_init(void);      /* boot CPU, once the buddy is up: kmalloc caches */
void slab_cpu_init(void);  /* each CPU, before it allocates */
/* Give memory back under pressure (empty slabs, depot magazines); returns
 * the number of frames freed. Any context; takes slab locks itself. */
uint64_t slab_reclaim(void);

/* Frame side: per-CPU set-up of the FRAME variant (mm/frame_*.c). */
void frame_cpu_init(void);

/* mm/commit.c: committed memory. vm_commit: 0, or -ENOMEM (nothing
 * committed) if the policy refuses; vm_commit_force never refuses (a
 * charge moving between mappings); commit_reset restores the defaults
 * and a zero total (mm_init). */
int vm_commit(uint64_t pages);
void vm_commit_force(uint64_t pages);
void vm_uncommit(uint64_t pages);
bool commit_noreserve_honoured(void);
void commit_reset(void);

/* mm/zero_page.c: forget the zero page (mm_init: a new frame map); make
 * it (mm_cpu_init). */
void zero_page_reset(void);
phys_addr_t zero_page(void);

#endif
