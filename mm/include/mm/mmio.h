/*
 * <mm/mmio.h> - setting up the MMIO space manager (mm/mmio.c; its calls are
 * in <mm/io.h>). The environment gives it the kernel mapper and the
 * virtual range to carve windows from, once, before the first mmio_map:
 * the boot CPU, after the page allocator and the kernel mapper are up.
 */
#ifndef MM_MMIO_H
#define MM_MMIO_H

#include <stdint.h>

struct mapper;

void mmio_init(struct mapper *kernel, uintptr_t base, uint64_t size);

#endif
