/*
 * mm/depot.c - magazines and the depot's lock-free magazine lists.
 *
 * In Bonwick and Adams' design each cache has a depot: a list of full
 * magazines and a list of empty ones, from which CPUs exchange the
 * magazines that their private layer has filled or emptied. The paper
 * guards the depot with a lock; here each list is a lock-free LIFO stack
 * (Treiber's), so a depot exchange is a pop and a push, one
 * compare-and-swap each.
 *
 * ABA. A pop reads the top magazine M and M's successor N, then swaps the
 * top from M to N. If, between the read and the swap, M was popped, N
 * popped and M pushed back, the top is M again but N is not on the list any
 * more. The usual cure, a pointer plus a counter swapped with a 16-byte
 * cmpxchg16b, can stop every vCPU under QEMU's TCG (DESIGN.md). Instead:
 *
 *   - magazines are addressed by a 32-bit index (0 means none), so the top
 *     of a list is one 64-bit word: the index of the first magazine and a
 *     32-bit generation that every push and pop increments. The swap above
 *     then fails, because the generation moved on. A stale swap could only
 *     succeed if the list saw exactly 2^32 operations while one CPU sat
 *     between its read and its swap.
 *   - a pop reads M's link while another CPU may already own M and be
 *     rewriting it. That read must hit memory that is still a magazine:
 *     magazines come from a pool of chunks that is never returned to the
 *     page allocator, so an index always names magazine memory. The value
 *     read may be garbage for this list; the failing swap discards it.
 *     The link is an atomic word, so the racing read is well defined.
 *
 * The pool: a table of chunks (each 2^KMEM_MAGAZINE_CHUNK_ORDER pages of
 * magazines) and a free list, itself a maglist. Magazine index i + 1 is
 * slot i % per-chunk of chunk i / per-chunk. The pool grows by one chunk
 * when its free list is empty: pages first, then a slot claimed with a
 * compare-and-swap, then the chunk pointer published (release) before any
 * of its magazines can be pushed, so whoever reads an index from a list
 * (acquire) sees the chunk. A magazine a cache no longer needs goes back
 * to the free list, for any cache to reuse; chunks are never freed.
 *
 * Memory order: a push releases (the magazine's rounds and link written
 * before it are visible to whoever pops it); reading the top and a
 * successful pop acquire.
 *
 * Context: everything here is lock-free and may run with interrupts on or
 * off, on any CPU. Growing the pool calls alloc_pages with no lock held.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/gfp.h>
#include <mm/hal.h>

#include "depot.h"
#include "page.h"

#define MAGS_PER_CHUNK (((size_t)HAL_PAGE_SIZE << KMEM_MAGAZINE_CHUNK_ORDER) / \
			sizeof(struct kmem_magazine))

_Static_assert(MAGS_PER_CHUNK >= 1, "a magazine must fit a chunk");
_Static_assert((uint64_t)MAGS_PER_CHUNK * KMEM_MAGAZINE_MAX_CHUNKS < UINT32_MAX,
	       "magazine indexes must fit 32 bits");

static struct {
	struct kmem_maglist free;   /* magazines no cache holds */
	_Atomic uint32_t nchunks;   /* chunk slots claimed (each holds pages) */
	_Atomic(struct kmem_magazine *) chunk[KMEM_MAGAZINE_MAX_CHUNKS];
} kmem_magazine_pool;

static struct kmem_magazine *kmem_magazine_at(uint32_t index)
{
	uint32_t i = index - 1;
	struct kmem_magazine *chunk = atomic_load_explicit(
		&kmem_magazine_pool.chunk[i / MAGS_PER_CHUNK], memory_order_relaxed);

	return chunk + i % MAGS_PER_CHUNK;
}

static inline uint64_t maglist_word(uint64_t old_top, uint32_t index)
{
	return ((old_top >> 32) + 1) << 32 | index;
}

void kmem_maglist_init(struct kmem_maglist *ml)
{
	atomic_store_explicit(&ml->ml_top, 0, memory_order_relaxed);
}

uint64_t kmem_maglist_top(struct kmem_maglist *ml)
{
	return atomic_load_explicit(&ml->ml_top, memory_order_acquire);
}

bool kmem_maglist_trypop(struct kmem_maglist *ml, uint64_t *top, struct kmem_magazine **magp)
{
	struct kmem_magazine *mag = kmem_magazine_at(kmem_maglist_index(*top));
	/* Possibly stale (mag may be on another list by now): see above. */
	uint32_t next = atomic_load_explicit(&mag->mag_next, memory_order_relaxed);

	if (!atomic_compare_exchange_weak_explicit(&ml->ml_top, top, maglist_word(*top, next),
						   memory_order_acquire, memory_order_acquire))
		return false;
	*magp = mag;
	return true;
}

struct kmem_magazine *kmem_depot_alloc(struct kmem_maglist *ml)
{
	uint64_t top = kmem_maglist_top(ml);
	struct kmem_magazine *mag;

	while (kmem_maglist_index(top) != 0) {
		if (kmem_maglist_trypop(ml, &top, &mag))
			return mag;
	}
	return NULL;
}

void kmem_depot_free(struct kmem_maglist *ml, struct kmem_magazine *mag)
{
	uint64_t top = atomic_load_explicit(&ml->ml_top, memory_order_relaxed);

	do
		atomic_store_explicit(&mag->mag_next, kmem_maglist_index(top), memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&ml->ml_top, &top,
						      maglist_word(top, mag->mag_index),
						      memory_order_release, memory_order_relaxed));
}

/* ---- The pool ---- */

void kmem_magazine_pool_init(void)
{
	kmem_maglist_init(&kmem_magazine_pool.free);
	atomic_store_explicit(&kmem_magazine_pool.nchunks, 0, memory_order_relaxed);
}

/* Adds a chunk; returns one of its magazines and frees the others. */
static struct kmem_magazine *kmem_magazine_pool_grow(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, KMEM_MAGAZINE_CHUNK_ORDER);
	uint32_t slot = atomic_load_explicit(&kmem_magazine_pool.nchunks, memory_order_relaxed);
	struct kmem_magazine *chunk;

	if (page == NULL)
		return NULL;
	do {
		if (slot == KMEM_MAGAZINE_MAX_CHUNKS) {
			__free_pages(page, KMEM_MAGAZINE_CHUNK_ORDER);
			return NULL;
		}
	} while (!atomic_compare_exchange_weak_explicit(&kmem_magazine_pool.nchunks, &slot,
							slot + 1, memory_order_relaxed,
							memory_order_relaxed));
	chunk = page_to_virt(page);
	for (size_t i = 0; i < MAGS_PER_CHUNK; i++) {
		atomic_store_explicit(&chunk[i].mag_next, 0, memory_order_relaxed);
		chunk[i].mag_index = (uint32_t)(slot * MAGS_PER_CHUNK + i + 1);
	}
	atomic_store_explicit(&kmem_magazine_pool.chunk[slot], chunk, memory_order_release);
	for (size_t i = 1; i < MAGS_PER_CHUNK; i++)
		kmem_depot_free(&kmem_magazine_pool.free, &chunk[i]);
	return &chunk[0];
}

struct kmem_magazine *kmem_magazine_alloc(void)
{
	struct kmem_magazine *mag = kmem_depot_alloc(&kmem_magazine_pool.free);

	return mag != NULL ? mag : kmem_magazine_pool_grow();
}

void kmem_magazine_free(struct kmem_magazine *mag)
{
	kmem_depot_free(&kmem_magazine_pool.free, mag);
}

uint64_t kmem_magazine_pool_frames(void)
{
	return (uint64_t)atomic_load_explicit(&kmem_magazine_pool.nchunks, memory_order_relaxed)
	       << KMEM_MAGAZINE_CHUNK_ORDER;
}
