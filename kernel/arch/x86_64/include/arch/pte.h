/*
 * x86_64 paging geometry and page-table entry format (Intel SDM vol. 3,
 * 4.5): 4 levels of 512 entries, 4 KiB pages, 2 MiB large pages. Plain
 * constants, so the hosted HAL (tests/hosted/env/mm_hal.h) simulates
 * exactly the format the kernel uses.
 */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

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
#define HAL_PTE_NOCACHE (1ull << 4) /* PCD */
#define HAL_PTE_ACCESSED (1ull << 5)
#define HAL_PTE_DIRTY (1ull << 6)
#define HAL_PTE_LARGE (1ull << 7) /* PS */
#define HAL_PTE_GLOBAL (1ull << 8)
#define HAL_PTE_SOFT (1ull << 9) /* ignored by the MMU, for software */
#define HAL_PTE_SOFT2 (1ull << 10) /* likewise */
#define HAL_PTE_NX (1ull << 63)
#define HAL_PTE_ADDR_MASK 0x000ffffffffff000ull

#endif
