/*
 * The kernel's own page tables on x86_64 (kernel/arch/x86_64/paging.c):
 * built with the portable mapper once the page allocator is up, replacing
 * the boot tables.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdint.h>

#include <arch/layout.h>

struct mapper;

/* A kernel stack with its guard page below it (left unmapped). */
struct kstack_slot {
	uint8_t guard[PAGE_SIZE_4K];
	uint8_t stack[KSTACK_SIZE];
};

extern struct kstack_slot kstack_slots[];
extern char boot_stack_guard[];

/* Builds the kernel mapper (direct map, W^X image, guard pages, the AP
 * trampoline's identity page) and switches this CPU to it. Boot CPU. */
void paging_init(void);
struct mapper *kernel_mapper(void);

/* Maps all RAM of the firmware map into the direct map with the given
 * mapper flags; returns the end of the highest range. From paging_init. */
uint64_t direct_map_init(struct mapper *k, unsigned flags);

#endif
