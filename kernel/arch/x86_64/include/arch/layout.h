/*
 * Virtual and physical layout of the kernel on x86_64.
 *
 * The image is linked in the top 2 GiB (-mcmodel=kernel) and loaded at
 * KERNEL_PHYS by the PVH loader. The boot page tables map:
 *   - the low 4 GiB identity (needed while switching to long mode and by
 *     the AP trampoline),
 *   - the low 4 GiB again at DIRECT_MAP_BASE (phys_to_virt),
 *   - the first 1 GiB at KERNEL_VMA (the image).
 * paging_init (paging.c) replaces them with the kernel mapper's tables:
 *   - the direct map of all RAM at DIRECT_MAP_BASE (up to DIRECT_MAP_SIZE),
 *   - the MMIO window at MMIO_BASE, where mm/mmio.c maps device registers
 *     and firmware tables,
 *   - the image at KERNEL_VMA, W^X.
 *
 * This header is included from assembly, so it holds only macros there.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VMA       0xffffffff80000000
#define KERNEL_PHYS      0x100000
#define DIRECT_MAP_BASE  0xffff800000000000
#define DIRECT_MAP_SIZE  0x400000000000 /* 64 TiB */
#define MMIO_BASE        0xffffc80000000000
#define MMIO_SIZE        0x10000000000  /* 1 TiB */
#define BOOT_MAPPED_PHYS 0x100000000 /* 4 GiB covered by the boot tables */

/* Real-mode AP trampoline: must be page aligned and below 1 MiB. */
#define TRAMPOLINE_PHYS  0x8000

#define PAGE_SIZE_4K     4096
#define KSTACK_SIZE      (16 * 1024)
#define IST_STACK_SIZE   (8 * 1024)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

static inline uint64_t kimage_virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - KERNEL_VMA;
}
#endif

#endif
