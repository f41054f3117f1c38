/*
 * <mm/hal.h> - the hardware abstraction under the memory-management stack.
 *
 * The portable code is written once against these names; the architecture
 * supplies the numbers and a few primitives (the MemoryManagementArch of
 * the design). Each environment provides <mm_hal.h> on its include path:
 *   - the kernel: kernel/include/mm_hal.h (x86_64: 4 levels, 4 KiB pages,
 *     2 MiB large pages, the direct map at a fixed offset, invlpg);
 *   - hosted:     tests/hosted/env/mm_hal.h (the same geometry over a
 *     simulated physical memory: a large buffer whose offsets are the
 *     physical addresses; flushes are counted, not performed).
 *
 * Contract that <mm_hal.h> must fulfil:
 *   HAL_PAGE_SHIFT, HAL_PAGE_SIZE            base page (4 KiB)
 *   HAL_LEVELS                               page-table levels (4)
 *   HAL_LEVEL_SHIFT(l)                       VA shift of level l (0 = leaf)
 *   HAL_TABLE_ENTRIES                        entries per table (512)
 *   HAL_LARGE_PAGE_SHIFT                     the large page the mapper uses (21)
 *   HAL_PTE_PRESENT, _WRITE, _USER, _NX, _LARGE, _GLOBAL, _NOCACHE,
 *   HAL_PTE_ACCESSED, _DIRTY, HAL_PTE_ADDR_MASK   entry format
 *   HAL_PTE_SOFT, _SOFT2   leaf bits the MMU ignores, for the mapper's own use
 *   typedef uint64_t phys_addr_t
 *   void *hal_phys_to_virt(phys_addr_t)      through the direct map, which is
 *                                            linear (virt = phys + a page-aligned
 *                                            constant): mm's frame map relies on it
 *   phys_addr_t hal_virt_to_phys(const void *)  inverse, for direct-map addresses
 *   void hal_flush_page_local(uintptr_t va)  drop one translation on this CPU
 *   void hal_flush_all_local(void)           drop all (non-global) translations
 *   void hal_load_root(phys_addr_t root)     translate through the tree at root
 *                                            from now on, on this CPU; drops the
 *                                            non-global translations
 *   HAL_CACHELINE                            coherence granule, for padding
 */
#ifndef MM_HAL_H
#define MM_HAL_H

#include <stdint.h>

#include <mm_hal.h>

#define HAL_PAGE_MASK (~((uintptr_t)HAL_PAGE_SIZE - 1))
#define PFN_OF(phys) ((uint64_t)(phys) >> HAL_PAGE_SHIFT)
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << HAL_PAGE_SHIFT)

_Static_assert(HAL_PAGE_SIZE == (1u << HAL_PAGE_SHIFT), "page size and shift disagree");

#endif
