/*
 * <mm/mapper.h> - the page mapper (DragonOS's PageMapper<Arch, Allocator>).
 *
 * A mapper owns one tree of page tables. It is written once against
 * <mm/hal.h>: HAL_LEVELS levels of HAL_TABLE_ENTRIES entries, leaf entries at
 * level 0 (HAL_PAGE_SIZE) or, with HAL_PTE_LARGE, at the level whose shift
 * is HAL_LARGE_PAGE_SHIFT (MAPPER_LARGE_PAGE_SIZE). Tables come from
 * alloc_pages(__GFP_ZERO, 0) when a mapping needs them and go back once
 * they are empty, through a flush batch (<mm/flush_batch.h>).
 *
 * Address range. The tree translates VA_BITS = HAL_LEVEL_SHIFT(top) +
 * log2(HAL_TABLE_ENTRIES) bits, sign-extended (48 on x86_64): the lower half
 * [0, 2^(VA_BITS-1)) and the upper half [-2^(VA_BITS-1), 2^64). A range
 * must lie in one half. The kernel mapper may map both; a user mapper only
 * the lower half, because its upper half is the kernel's (see below).
 * Anything else, and any misalignment, is -EINVAL.
 *
 * Kernel and user mappers. The kernel mapper is shared by all CPUs. At boot
 * mapper_prealloc_kernel_half gives every upper-half entry of its root a
 * table and pins them: they are never freed, so those root entries never
 * change again. mapper_init_user copies them into a new user root, so a
 * kernel mapping made later, under any of them, is seen from every address
 * space without touching the user roots. mapper_destroy of a user mapper
 * frees only its lower half.
 *
 * Semantics.
 *   map      all or nothing: -EEXIST if any page of the range is mapped
 *            (at either size), -ENOMEM if a table cannot be allocated; in
 *            both cases nothing changed. Needs no flush: only empty
 *            entries are written (the HAL caches no non-present entry).
 *   unmap    clears whatever is mapped in the range and returns the number
 *            of base pages (HAL_PAGE_SIZE) it unmapped: a hole unmaps 0.
 *   protect  sets the flags of every page mapped in the range and returns
 *            how many base pages are mapped there.
 *   Both refuse, with -EINVAL and nothing changed, a range that covers
 *   part of a large page: splitting would allocate (so unmap could fail
 *   with -ENOMEM) and would briefly mix 4 KiB and 2 MiB translations of
 *   one address; the caller unmaps the large page whole and maps again.
 *   translate  0 and the translation of one address, or -ENOENT.
 *
 * Locking and context (the global lock order: mm/README.md). Each mapper has
 * one lock, mapper->lock, that guards its tables and counters; every call
 * takes it itself, with interrupts off (so a handler on this CPU can never
 * spin on a lock it interrupted), and drops it before returning: no lock is
 * held across a flush, and calls are fine with interrupts on or off. Tables
 * are allocated under it, which mm/gfp.h allows in any context (lock order:
 * mapper->lock, then the page allocator's and slab's locks; nothing under
 * those calls the mapper). A user mapper's calls touch only its lower half,
 * so they never read the kernel's tables under the wrong lock.
 * mapper_init* and mapper_destroy need the mapper to be unused: nothing
 * else calls into it, and (for destroy) no CPU uses its tables any longer
 * nor holds a TLB entry made through them (for a user space: every CPU
 * has switched away from it, which flushes its non-global entries).
 *
 * Which CPUs may hold its translations. mapper->cpus is the set a
 * shootdown must reach (Linux's mm_cpumask). mapper_switch(prev, next),
 * with interrupts off, adds this CPU to next's set, loads next's root and
 * then takes the CPU out of prev's set: loading a root dropped prev's
 * non-global translations. The kernel mapper is the exception: its
 * translations are global and outlive every switch, so its set only
 * grows (every CPU that ever ran on it). The set is updated with atomic
 * read-modify-writes and read by mapper_cpus after a full fence, so a CPU
 * joining while an initiator changes entries either walks the new entries
 * or is in the initiator's snapshot (env_cpumask_snapshot).
 *
 * The flush batch that unmap and protect fill, and its contract with the
 * shootdown layer, are in <mm/flush_batch.h>.
 */
#ifndef MM_MAPPER_H
#define MM_MAPPER_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/flush_batch.h>
#include <mm/hal.h>
#include <mm/list.h>

#define MAPPER_LARGE_PAGE_SIZE (1ull << HAL_LARGE_PAGE_SHIFT)

/* Mapping flags; without any, a page is read-only, kernel-only,
 * executable, write-back cached and non-global. */
enum mapper_flags {
	MAPPER_WRITE = 1u << 0,
	MAPPER_USER = 1u << 1,
	MAPPER_NX = 1u << 2,
	MAPPER_NOCACHE = 1u << 3,
	MAPPER_GLOBAL = 1u << 4, /* kernel mappers only */
	/* Not an entry bit: a private mapping, in which a borrowed leaf
	 * is read-only whatever MAPPER_WRITE says, so that a write faults
	 * and copies (map, protect and move apply it leaf by leaf). */
	MAPPER_COW = 1u << 5,
	/* The frame belongs to a memory object (PG_object, mm/page.h): the
	 * leaf says so in a bit the MMU ignores (mapper_translate reports
	 * it, protect and move keep it), and no unmap collects the frame.
	 * Set by the caller of map, who knows whose frame it maps. */
	MAPPER_BORROWED = 1u << 6,
	/* No access at all: the leaf stays in the table but not present,
	 * still naming its frame (Linux's PROT_NONE entry). Translate,
	 * unmap, protect, move and for_each treat it as mapped, with this
	 * flag; no CPU can load it, and protect makes it present again. */
	MAPPER_NONE = 1u << 7,
};

struct mapper {
	env_spinlock_t lock;	/* guards the tables and the fields below */
	phys_addr_t root;	/* top-level table */
	bool user;		/* lower half only; upper half is the kernel's */
	bool kernel_half_pinned; /* mapper_prealloc_kernel_half has run */
	env_cpumask_t cpus;	/* may hold its translations; atomic words, no lock */
	/* Tables taken from and unlinked for the page allocator, root
	 * included: allocated - freed are the tables in the tree. */
	uint64_t tables_allocated, tables_freed;
};

struct mapper_translation {
	phys_addr_t pa;		/* of the address itself, not of its page */
	uint64_t page_size;	/* HAL_PAGE_SIZE or MAPPER_LARGE_PAGE_SIZE */
	unsigned flags;		/* MAPPER_* */
};

int mapper_init(struct mapper *m);
int mapper_prealloc_kernel_half(struct mapper *kernel);
int mapper_init_user(struct mapper *user, const struct mapper *kernel);
void mapper_destroy(struct mapper *m);

/* page_size: HAL_PAGE_SIZE or MAPPER_LARGE_PAGE_SIZE; va, pa and size are
 * multiples of it. */
int mapper_map(struct mapper *m, uintptr_t va, phys_addr_t pa, uint64_t size,
	       uint64_t page_size, unsigned flags);
int64_t mapper_unmap(struct mapper *m, uintptr_t va, uint64_t size, struct flush_batch *b);
int64_t mapper_protect(struct mapper *m, uintptr_t va, uint64_t size, unsigned flags,
		       struct flush_batch *b);
int mapper_translate(struct mapper *m, uintptr_t va, struct mapper_translation *t);
/*
 * Copy on write's switch: if the 4 KiB leaf at va maps old_pa, points it at
 * new_pa with flags (MAPPER_BORROWED unless new_pa is the caller's own)
 * instead and records the old translation in b (its flush must finish before
 * anyone relies on the new one being the only one). 0, -EAGAIN if va maps
 * something else or nothing (a racing fault or unmap won), -EINVAL for a bad
 * va or flags.
 */
int mapper_replace(struct mapper *m, uintptr_t va, phys_addr_t old_pa, phys_addr_t new_pa,
		   unsigned flags, struct flush_batch *b);

/* Interrupts off. prev may be NULL (nothing to leave); next may equal prev. */
void mapper_switch(struct mapper *prev, struct mapper *next);
/* A snapshot of the CPUs that may hold m's translations. */
void mapper_cpus(struct mapper *m, env_cpumask_t *out);

/*
 * Walks and moves (appended for the user address spaces, mm/aspace.c).
 *
 * mapper_for_each calls fn(arg, va, t) for every leaf mapped in
 * [va, va + size), in address order, where va is the leaf's first
 * address (below the range's start for a large page it cuts) and t its
 * translation. It holds m->lock with interrupts off throughout, so fn
 * must not call into m or wait for anything. Returns the base pages
 * mapped in the range, or -EINVAL for a range map would refuse.
 *
 * mapper_move moves every leaf mapped in [va, va + size) of from to the
 * same offset from new_va in to (to may be from), with flags for the
 * moved entries: the frames stay where they are, only the entries move.
 * All or nothing: -EINVAL for a bad range (either side), ranges that
 * overlap in one mapper, or a large page among the moved leaves; -EEXIST
 * if a target page is mapped; -ENOMEM if tables cannot be allocated.
 * The source entries are cleared into b (a batch for from, as unmap
 * does, but no frame goes on it), so b's flush drops stale translations
 * of the old addresses; the new entries need none. Returns the base
 * pages moved. Locks from's lock and then to's: the caller must
 * serialise moves between two mappers (no two opposite moves at once).
 */
typedef void (*mapper_leaf_fn)(void *arg, uintptr_t va, const struct mapper_translation *t);
int64_t mapper_for_each(struct mapper *m, uintptr_t va, uint64_t size, mapper_leaf_fn fn,
			void *arg);
int64_t mapper_move(struct mapper *from, uintptr_t va, uint64_t size, struct mapper *to,
		    uintptr_t new_va, unsigned flags, struct flush_batch *b);

#endif
