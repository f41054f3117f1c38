/*
 * mm/bootmem.h - the boot (bump) allocator: serves memory before the buddy
 * allocator exists, then hands it every frame it did not give out. See
 * mm/bootmem.c for the design. Boot CPU only, nothing else running.
 */
#ifndef MM_BOOTMEM_H
#define MM_BOOTMEM_H

#include <stddef.h>
#include <stdint.h>

#include <mm/init.h>

/* Limits on the input; more is rejected with -E2BIG. */
#define BOOTMEM_MAX_MAP 128     /* firmware map entries (E820 has far fewer) */
#define BOOTMEM_MAX_RESERVED 32 /* kernel image, boot modules, ... */

/*
 * Checks the map and the reserved ranges and sets up the allocator over
 * usable RAM minus the reserved ranges, serving only frames below the
 * physical address reach (see "Reach" in bootmem.c). On success returns 0 and the span
 * of frames the frame map must cover: [*base_pfn, *base_pfn + *npages),
 * from the first to the last usable frame. On bad input returns a negative
 * errno after saying why through env_log.
 */
int bootmem_init(const struct mm_region *map, unsigned nmap, const struct mm_region *reserved,
		 unsigned nreserved, uint64_t reach, uint64_t *base_pfn, uint64_t *npages);

/* `bytes` rounded up to whole frames, page aligned and zeroed, through the
 * direct map; NULL if no usable range is large enough. */
void *bootmem_alloc(size_t bytes);

/*
 * Ends the boot allocator: marks every frame of the frame map that is not
 * usable RAM PG_reserved and gives every usable frame below the reach that
 * it did not hand out to the buddy. mem_map must be zeroed and the buddy
 * empty.
 */
void bootmem_handoff(void);

/* The direct map now reaches the physical address reach: gives the buddy
 * the deferred frames below it. */
void bootmem_extend_reach(uint64_t reach);
uint64_t bootmem_deferred_frames(void); /* free frames still beyond the reach */

uint64_t bootmem_used_frames(void);     /* handed out by bootmem_alloc */
uint64_t bootmem_reserved_frames(void); /* of the frame map, not usable RAM */

#endif
