/*
 * mm_hal.h - the hosted hardware abstraction: x86_64's geometry over a
 * simulated physical memory.
 *
 * Physical memory is one large anonymous mapping, hosted_phys_base..
 * hosted_phys_base + hosted_phys_size; a physical address is an offset
 * into it plus HOSTED_PHYS_START (so that physical address 0 is never a
 * valid frame, as it is not on real machines either). TLB flushes only
 * count: there is no MMU to flush.
 */
#ifndef HOSTED_MM_HAL_H
#define HOSTED_MM_HAL_H

#include <stdatomic.h>
#include <stdint.h>

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

/* Simulated RAM starts at 1 MiB, like the kernel's usable RAM. */
#define HOSTED_PHYS_START 0x100000ull

extern unsigned char *hosted_phys_base;
extern uint64_t hosted_phys_size;
extern _Atomic uint64_t hosted_flush_page_count, hosted_flush_all_count;

/* Maps `size` bytes of simulated RAM (replacing any earlier one, whose
 * contents are lost). Returns 0 or -ENOMEM. */
int hosted_phys_init(uint64_t size);

static inline void *hal_phys_to_virt(phys_addr_t phys)
{
	return hosted_phys_base + (phys - HOSTED_PHYS_START);
}

static inline phys_addr_t hal_virt_to_phys(const void *va)
{
	return (phys_addr_t)((const unsigned char *)va - hosted_phys_base) + HOSTED_PHYS_START;
}

static inline void hal_flush_page_local(uintptr_t va)
{
	(void)va;
	atomic_fetch_add_explicit(&hosted_flush_page_count, 1, memory_order_relaxed);
}

static inline void hal_flush_all_local(void)
{
	atomic_fetch_add_explicit(&hosted_flush_all_count, 1, memory_order_relaxed);
}

#endif
