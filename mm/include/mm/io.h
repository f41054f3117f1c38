/*
 * mm/io.h - the MMIO space manager's C interface: virtual windows onto
 * device registers and firmware tables (mm/mmio.c).
 *
 * mmio_map is the strict call: phys and size must be multiples of the page
 * size, size non-zero, the physical range must not reach into RAM that the
 * page allocator manages (a second, uncached alias of RAM breaks its
 * caching) and must not overlap a window that is still live. It returns 0
 * and the window's address in *va, or
 *   -EINVAL  unaligned, zero, overflowing, RAM, unknown flags, or no
 *            window space was ever set up (mmio_init not called);
 *   -EBUSY   the physical range overlaps a live window;
 *   -ENOMEM  the window space has no free naturally aligned range this
 *            large, or no memory for page tables or bookkeeping.
 * On error nothing changed. The window is mapped read/write, no-execute,
 * uncached (MMIO_CACHED: write-back, for firmware tables in memory).
 *
 * mmio_unmap takes the address mmio_map gave; anything else is -EINVAL.
 * It returns once no CPU can reach the old mapping any more (a shootdown
 * on every CPU), so the device may then be reprogrammed or the range
 * mapped again.
 *
 * ioremap / ioremap_cache / iounmap are Linux's calls on top: any
 * physical address and length, rounded out to whole pages, the offset
 * kept in the pointer; NULL on any error.
 *
 * Context: thread or interrupt context with interrupts on or off, but not
 * from a TLB-flush handler; mmio_unmap waits for other CPUs and so must
 * not be called with a lock held that they may spin on with interrupts off.
 */
#ifndef MM_IO_H
#define MM_IO_H

#include <stddef.h>
#include <stdint.h>

#define MMIO_CACHED (1u << 0)

int mmio_map(uint64_t phys, uint64_t size, unsigned flags, void **va);
int mmio_unmap(void *va);

/* Live windows and the bytes they cover, for tests and reports. */
void mmio_usage(uint64_t *windows, uint64_t *bytes);

void *ioremap(uint64_t phys, size_t size);
void *ioremap_cache(uint64_t phys, size_t size);
void iounmap(volatile void *addr);

#endif
