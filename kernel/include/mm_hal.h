/*
 * The kernel's side of <mm/hal.h> on x86_64: 4-level paging, 4 KiB pages,
 * 2 MiB large pages, RAM reached through the direct map at
 * DIRECT_MAP_BASE, invlpg and CR3 reload as the local flushes.
 */
#ifndef KERNEL_MM_HAL_H
#define KERNEL_MM_HAL_H

#include <stdint.h>

#include <arch/layout.h>
#include <arch/pte.h>
#include <arch/x86.h>

typedef uint64_t phys_addr_t;

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

static inline void hal_load_root(phys_addr_t root)
{
	write_cr3(root);
}

#endif
