/*
 * mm_hal.h - the hosted hardware abstraction: x86_64's geometry over a
 * simulated physical memory.
 *
 * The geometry and entry format are x86_64's (arch/pte.h, shared with the
 * kernel). Physical memory is one large anonymous mapping, hosted_phys_base..
 * hosted_phys_base + hosted_phys_size; a physical address is an offset
 * into it plus HOSTED_PHYS_START (so that physical address 0 is never a
 * valid frame, as it is not on real machines either). TLB flushes only
 * count: there is no MMU to flush, and loading a root only records it
 * for the calling thread (hosted_current_root), which tests check.
 */
#ifndef HOSTED_MM_HAL_H
#define HOSTED_MM_HAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "arch/pte.h"

typedef uint64_t phys_addr_t;

/* Simulated RAM starts at 1 MiB, like the kernel's usable RAM. */
#define HOSTED_PHYS_START 0x100000ull

extern unsigned char *hosted_phys_base;
extern uint64_t hosted_phys_size;
extern _Atomic uint64_t hosted_flush_page_count, hosted_flush_all_count;
extern _Thread_local phys_addr_t hosted_current_root;

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

static inline void hal_load_root(phys_addr_t root)
{
	hosted_current_root = root;
}

#endif
