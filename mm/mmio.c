/*
 * mm/mmio.c - the MMIO space manager: virtual windows onto device
 * registers and firmware tables, in a range of the kernel's address space
 * set aside for them (see <mm/io.h> for the calls and their errors).
 *
 * Design. A window is a physical range mapped at a virtual address that
 * is naturally aligned: aligned to its size rounded up to a power of two
 * (at least a page). Alignment keeps a 2 MiB window on 2 MiB boundaries,
 * so it can use large pages when its physical address allows, and makes a
 * window's address tell its size class at a glance in a fault report.
 * Windows are few and long-lived (a local APIC, an IOAPIC, an HPET, ACPI
 * tables while they are parsed), so they sit on one list sorted by
 * virtual address and a new one takes the lowest aligned gap, first fit:
 * O(windows) per call, with nothing to rebalance. (Linux's vmalloc keeps
 * a tree because it holds thousands of areas; this does not.)
 *
 * Life of a window: mmio_map puts it on the list as BUSY, which reserves
 * its virtual and physical ranges, maps it with the lock dropped, then
 * marks it LIVE. mmio_unmap finds a LIVE window by address, marks it BUSY,
 * unmaps it and shoots the translations down on every CPU of the kernel
 * mapper with the lock dropped, and only then takes it off the list: its
 * addresses are not reused before no CPU can reach the old mapping.
 *
 * Locking. mmio.lock guards the list and every window's state; it is a
 * spinlock taken with interrupts off and never held across a mapper call,
 * an allocation or a shootdown (a CPU spinning on it with interrupts off
 * could otherwise never answer the flush IPI its holder waits for). Lock
 * order: none needed, it is a leaf (mm/README.md). The mapper takes its own lock.
 */
#include <mm/io.h>

#include <errno.h>

#include <mm/env.h>
#include <mm/list.h>
#include <mm/mapper.h>
#include <mm/mmio.h>
#include <mm/shootdown.h>
#include <mm/slab.h>

#include "page.h"

enum window_state { WINDOW_BUSY, WINDOW_LIVE };

struct mmio_window {
	struct list_head list;	/* on mmio.windows, by va */
	uintptr_t va;
	uint64_t phys, size;
	enum window_state state;
};

static struct {
	env_spinlock_t lock;
	struct list_head windows;
	struct mapper *kernel;
	uintptr_t base;
	uint64_t size;
	uint64_t nwindows, bytes; /* LIVE and BUSY windows */
} mmio = { .lock = ENV_SPINLOCK_INIT };

void mmio_init(struct mapper *kernel, uintptr_t base, uint64_t size)
{
	if (base % HAL_PAGE_SIZE || size % HAL_PAGE_SIZE || size == 0 || base + size - 1 < base)
		env_panic("mmio: window space [%#lx, +%#lx) is not whole pages", (unsigned long)base,
			  (unsigned long)size);
	list_init(&mmio.windows);
	mmio.kernel = kernel;
	mmio.base = base;
	mmio.size = size;
	mmio.nwindows = mmio.bytes = 0;
}

static env_irqflags_t mmio_lock(void)
{
	env_irqflags_t irq = env_irq_save();

	env_spin_lock(&mmio.lock);
	return irq;
}

static void mmio_unlock(env_irqflags_t irq)
{
	env_spin_unlock(&mmio.lock);
	env_irq_restore(irq);
}

static uint64_t natural_alignment(uint64_t size)
{
	uint64_t a = HAL_PAGE_SIZE;

	while (a < size && a <= UINT64_MAX / 2)
		a <<= 1;
	return a;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Whether any frame of [phys, phys + size) is RAM the page allocator owns. */
static bool touches_ram(uint64_t phys, uint64_t size)
{
	uint64_t first = PFN_OF(phys), last = PFN_OF(phys + size - 1);

	if (first < mem_base_pfn)
		first = mem_base_pfn;
	if (last >= mem_base_pfn + mem_npages)
		last = mem_base_pfn + mem_npages - 1;
	for (uint64_t pfn = first; pfn <= last && mem_npages != 0; pfn++)
		if (!(pfn_to_page_fast(pfn)->flags & PG_reserved))
			return true;
	return false;
}

/* Under mmio.lock: the lowest free, aligned va for size bytes, and the
 * window it goes before (the list head for the end); 0 if none. */
static uintptr_t find_gap(uint64_t size, uint64_t align, struct list_head **before)
{
	uintptr_t end = mmio.base + (mmio.size - 1);
	uintptr_t va = (mmio.base + (align - 1)) & ~(uintptr_t)(align - 1);

	if (va < mmio.base)
		return 0;
	list_for_each_entry(w, &mmio.windows, struct mmio_window, list) {
		if (va + (size - 1) < w->va) {
			*before = &w->list;
			return va + (size - 1) <= end ? va : 0;
		}
		uintptr_t next = w->va + w->size;
		va = (next + (align - 1)) & ~(uintptr_t)(align - 1);
		if (va < next)
			return 0;
	}
	*before = &mmio.windows;
	return va >= mmio.base && va <= end && size - 1 <= end - va ? va : 0;
}

/* Under mmio.lock: -EBUSY if a window (live or on its way) overlaps. */
static int phys_busy(uint64_t phys, uint64_t size)
{
	list_for_each_entry(w, &mmio.windows, struct mmio_window, list)
		if (overlaps(phys, size, w->phys, w->size))
			return -EBUSY;
	return 0;
}

static void window_remove(struct mmio_window *w)
{
	env_irqflags_t irq = mmio_lock();

	list_del(&w->list);
	mmio.nwindows--;
	mmio.bytes -= w->size;
	mmio_unlock(irq);
	kfree(w);
}

/* Large pages where both addresses allow, base pages for the rest. */
static int map_window(const struct mmio_window *w, unsigned mflags)
{
	uint64_t large = 0;
	int err = 0;

	if (w->phys % MAPPER_LARGE_PAGE_SIZE == 0 && w->va % MAPPER_LARGE_PAGE_SIZE == 0)
		large = w->size / MAPPER_LARGE_PAGE_SIZE * MAPPER_LARGE_PAGE_SIZE;
	if (large)
		err = mapper_map(mmio.kernel, w->va, w->phys, large, MAPPER_LARGE_PAGE_SIZE, mflags);
	if (err == 0 && large < w->size) {
		err = mapper_map(mmio.kernel, w->va + large, w->phys + large, w->size - large,
				 HAL_PAGE_SIZE, mflags);
		if (err != 0 && large)
			tlb_unmap(mmio.kernel, w->va, large, NULL);
	}
	return err;
}

int mmio_map(uint64_t phys, uint64_t size, unsigned flags, void **va)
{
	unsigned mflags = MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL;
	struct list_head *before = NULL;
	struct mmio_window *w;
	env_irqflags_t irq;
	int err;

	if (size == 0 || phys % HAL_PAGE_SIZE || size % HAL_PAGE_SIZE || phys + size - 1 < phys ||
	    (flags & ~MMIO_CACHED) || mmio.kernel == NULL || touches_ram(phys, size))
		return -EINVAL;
	if (!(flags & MMIO_CACHED))
		mflags |= MAPPER_NOCACHE;
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (w == NULL)
		return -ENOMEM;
	*w = (struct mmio_window){ .phys = phys, .size = size, .state = WINDOW_BUSY };

	irq = mmio_lock();
	err = phys_busy(phys, size);
	if (err == 0) {
		w->va = find_gap(size, natural_alignment(size), &before);
		if (w->va == 0)
			err = -ENOMEM;
	}
	if (err == 0) {
		list_add_tail(&w->list, before);
		mmio.nwindows++;
		mmio.bytes += size;
	}
	mmio_unlock(irq);
	if (err != 0) {
		kfree(w);
		return err;
	}

	err = map_window(w, mflags);
	if (err != 0) {
		window_remove(w);
		return err;
	}
	irq = mmio_lock();
	w->state = WINDOW_LIVE;
	mmio_unlock(irq);
	*va = (void *)w->va;
	return 0;
}

int mmio_unmap(void *va)
{
	struct mmio_window *found = NULL;
	env_irqflags_t irq;

	irq = mmio_lock();
	list_for_each_entry(w, &mmio.windows, struct mmio_window, list) {
		if (w->va == (uintptr_t)va && w->state == WINDOW_LIVE) {
			found = w;
			w->state = WINDOW_BUSY;
			break;
		}
	}
	mmio_unlock(irq);
	if (found == NULL)
		return -EINVAL;

	if (tlb_unmap(mmio.kernel, found->va, found->size, NULL) !=
	    (int64_t)(found->size / HAL_PAGE_SIZE))
		env_panic("mmio: window %#lx (+%#lx) was not fully mapped", (unsigned long)found->va,
			  (unsigned long)found->size);
	window_remove(found);
	return 0;
}

void mmio_usage(uint64_t *windows, uint64_t *bytes)
{
	env_irqflags_t irq = mmio_lock();

	*windows = mmio.nwindows;
	*bytes = mmio.bytes;
	mmio_unlock(irq);
}

static void *remap(uint64_t phys, size_t size, unsigned flags)
{
	uint64_t start = phys & ~(uint64_t)(HAL_PAGE_SIZE - 1);
	uint64_t end = phys + size;
	void *va;

	if (size == 0 || end < phys || end > UINT64_MAX - HAL_PAGE_SIZE)
		return NULL;
	end = (end + HAL_PAGE_SIZE - 1) & ~(uint64_t)(HAL_PAGE_SIZE - 1);
	if (mmio_map(start, end - start, flags, &va) != 0)
		return NULL;
	return (char *)va + (phys - start);
}

void *ioremap(uint64_t phys, size_t size)
{
	return remap(phys, size, 0);
}

void *ioremap_cache(uint64_t phys, size_t size)
{
	return remap(phys, size, MMIO_CACHED);
}

void iounmap(volatile void *addr)
{
	uintptr_t va = (uintptr_t)addr & ~(uintptr_t)(HAL_PAGE_SIZE - 1);

	if (mmio_unmap((void *)va) != 0)
		env_panic("iounmap(%p): not an address ioremap gave", (void *)(uintptr_t)addr);
}
