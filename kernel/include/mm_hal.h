/*
 * The kernel's side of mm/hal.h on x86_64: 4-level paging, 4 KiB pages,
 * 2 MiB large pages, RAM reached through the direct map at
 * DIRECT_MAP_BASE, invlpg and CR3 reload as the local flushes.
 */
#ifndef KERNEL_MM_HAL_H
#define KERNEL_MM_HAL_H

#include <stdint.h>

#include <arch/layout.h>
#include <arch/x86.h>

typedef uint64_t phys_addr_t;

#define HAL_PAGE_SHIFT 12
#define HAL_PAGE_SIZE 4096u
#define HAL_LEVELS 4
#define HAL_TABLE_ENTRIES 512
#define HAL_LEVEL_SHIFT(l) (HAL_PAGE_SHIFT + 9 * (l))
#define HAL_LARGE_PAGE_SHIFT 21
#define HAL_CACHELINE 64

#define HAL_PTE_PRESENT (1ull << 0)
#define HAL_PTE_WRITE (1ull << 1)
#define HAL_PTE_USER (1ull << 2)
#define HAL_PTE_NOCACHE (1ull << 4)
#define HAL_PTE_ACCESSED (1ull << 5)
#define HAL_PTE_DIRTY (1ull << 6)
#define HAL_PTE_LARGE (1ull << 7)
#define HAL_PTE_GLOBAL (1ull << 8)
#define HAL_PTE_NX (1ull << 63)
#define HAL_PTE_ADDR_MASK 0x000ffffffffff000ull

static inline void *hal_phys_to_virt(phys_addr_t phys)
{
	return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

static inline phys_addr_t hal_virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va - DIRECT_MAP_BASE;
}

static inline void hal_flush_page_local(uintptr_t va)
{
	invlpg((const void *)va);
}

static inline void hal_flush_all_local(void)
{
	write_cr3(read_cr3());
}

#endif
