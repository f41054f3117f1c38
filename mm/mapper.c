/*
 * mm/mapper.c - the page mapper (see mapper.h for the API, the
 * kernel/user split and the locking rules; <mm/flush_batch.h> for the batch
 * that unmap and protect fill, and its contract).
 *
 * Design. Levels count up from the leaves: level 0 holds 4 KiB leaves,
 * LARGE_LEVEL may hold large leaves (HAL_PTE_LARGE), TOP_LEVEL is the root.
 * Every operation is a recursive walk over an inclusive range [va, last]
 * (inclusive, so a range ending at 2^64 needs no overflowing end), one loop
 * per table over the entries that the range touches, as Linux walks
 * pgd/pud/pmd/pte ranges. Calls that can fail check the whole range in a
 * first walk that changes nothing, so they are all or nothing:
 *   map      map_check finds conflicts and counts the tables that the range
 *            lacks; exactly that many are allocated, then map_install
 *            cannot fail.
 *   unmap / protect   split_check refuses a range that cuts a large page,
 *            then change_range clears or rewrites leaves.
 * Invariant: apart from the root and the pinned kernel-half tables, no
 * table in a tree is empty. unmap restores it on its way back up, so
 * map_check may treat any present table entry at the leaf level as a
 * conflict, and the table counters say exactly what the tree holds.
 *
 * Leaves of no access. A MAPPER_NONE leaf is an entry without the present
 * bit, with PTE_NONE and its frame: the MMU ignores it (any access faults
 * as not present) but every walk here treats it as a leaf in use
 * (pte_used), so a PROT_NONE page keeps its frame in the one table and
 * protect turns it back into a present leaf. Its changes are recorded in
 * batches like any leaf's, although no TLB can hold it: a table that
 * held only such leaves may still be in a walk cache when it is freed.
 *
 * Borrowed frames. A leaf mapped with MAPPER_BORROWED (a memory
 * object's frame: a file's cached page, the zero page) carries
 * PTE_BORROWED, a bit the MMU ignores. An unmap never collects its frame,
 * and under MAPPER_COW it is written without the write bit, whatever the
 * call asked for: protect and move decide it leaf by leaf from the entry
 * they already hold, so no caller walks a range first and nothing looks
 * at a frame's struct page.
 * mapper_replace switches one leaf from one frame to another under the
 * lock, only if it still maps the frame the caller saw (copy on write).
 *
 * Data structures. The tables themselves, reached through
 * hal_phys_to_virt (the direct map; the simulated RAM when hosted), and
 * the struct page of each table page while it waits on a flush batch.
 *
 * Entries are read and written with single atomic accesses: other CPUs'
 * MMUs walk the tables without the lock (and set accessed/dirty bits), so
 * a store must never tear, and the store that links a new table is a
 * release, so its zeroed contents are visible first.
 */
#include <mm/mapper.h>

#include <errno.h>

#include <mm/gfp.h>

#include "debug.h"
#include "page.h"

typedef uint64_t pte_t;

#define TOP_LEVEL (HAL_LEVELS - 1)
#define INDEX_BITS (HAL_LEVEL_SHIFT(1) - HAL_LEVEL_SHIFT(0))
#define VA_BITS (HAL_LEVEL_SHIFT(TOP_LEVEL) + INDEX_BITS)
#define LARGE_LEVEL ((HAL_LARGE_PAGE_SHIFT - HAL_PAGE_SHIFT) / INDEX_BITS)
#define LOWER_LAST (((uintptr_t)1 << (VA_BITS - 1)) - 1) /* end of the lower half */
#define UPPER_FIRST (~LOWER_LAST)			     /* start of the upper half */

_Static_assert(HAL_TABLE_ENTRIES == 1 << INDEX_BITS, "entries per table and index bits disagree");
_Static_assert(HAL_LEVEL_SHIFT(LARGE_LEVEL) == HAL_LARGE_PAGE_SHIFT,
	       "the large page is not the span of a table entry");
_Static_assert(LARGE_LEVEL >= 1 && LARGE_LEVEL < TOP_LEVEL, "large pages at an odd level");
_Static_assert(VA_BITS < 64, "the mapper assumes a sign-extended virtual address");

/* The upper levels grant every right: the MMU combines the rights of all
 * levels (x86 ANDs them), so the leaf alone decides. */
#define TABLE_BITS (HAL_PTE_PRESENT | HAL_PTE_WRITE | HAL_PTE_USER)
/* A leaf of no access (MAPPER_NONE): not present, but in use. */
#define PTE_NONE HAL_PTE_SOFT2
/* The bits that protect rewrites. */
#define FLAG_BITS                                                                  \
	(HAL_PTE_PRESENT | PTE_NONE | HAL_PTE_WRITE | HAL_PTE_USER | HAL_PTE_NX | \
	 HAL_PTE_NOCACHE | HAL_PTE_GLOBAL)
#define MAPPER_ALL_FLAGS                                                              \
	(MAPPER_WRITE | MAPPER_USER | MAPPER_NX | MAPPER_NOCACHE | MAPPER_GLOBAL | MAPPER_COW | \
	 MAPPER_BORROWED | MAPPER_NONE)
/* A leaf that maps a borrowed frame says so. */
#define PTE_BORROWED HAL_PTE_SOFT
#define BORROWED_TO_WRITE (__builtin_ctzll(PTE_BORROWED) - __builtin_ctzll(HAL_PTE_WRITE))
_Static_assert(PTE_BORROWED > HAL_PTE_WRITE, "the borrowed bit shifts down onto the write bit");

/* bits for a leaf that was old, under protect or move: a borrowed leaf
 * under MAPPER_COW (cow_write = HAL_PTE_WRITE, else 0) loses the write
 * bit, branch-free: its PTE_BORROWED bit shifted onto the write bit. */
static inline pte_t cow_bits(pte_t bits, pte_t old, pte_t cow_write)
{
	return bits & ~(((old & PTE_BORROWED) >> BORROWED_TO_WRITE) & cow_write);
}

static const struct {
	unsigned flag;
	pte_t bit;
} flag_bits[] = {
	{ MAPPER_WRITE, HAL_PTE_WRITE },     { MAPPER_USER, HAL_PTE_USER },
	{ MAPPER_NX, HAL_PTE_NX },	     { MAPPER_NOCACHE, HAL_PTE_NOCACHE },
	{ MAPPER_GLOBAL, HAL_PTE_GLOBAL },   { MAPPER_BORROWED, PTE_BORROWED },
	{ MAPPER_NONE, PTE_NONE },
};

/* Both translations are unrolled so that each pair folds into a mask or
 * a shift: as a loop over the table they cost about six instructions a
 * pair on every map and fault. */
static pte_t flags_to_pte(unsigned flags)
{
	pte_t bits = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++) {
		if (flags & flag_bits[i].flag)
			bits |= flag_bits[i].bit;
	}
	return bits;
}

static unsigned pte_to_flags(pte_t e)
{
	unsigned flags = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++) {
		if (e & flag_bits[i].bit)
			flags |= flag_bits[i].flag;
	}
	return flags;
}

/* A leaf's bits for flags: present unless MAPPER_NONE, and a borrowed
 * leaf under MAPPER_COW is read-only. */
static pte_t leaf_bits(unsigned flags)
{
	pte_t bits = flags_to_pte(flags) | (flags & MAPPER_NONE ? 0 : HAL_PTE_PRESENT);

	if ((flags & (MAPPER_COW | MAPPER_BORROWED)) == (MAPPER_COW | MAPPER_BORROWED))
		bits &= ~(pte_t)HAL_PTE_WRITE;
	return bits;
}

/* Whether entry e is in use: a table, a present leaf or a leaf of no
 * access (tables are always present). */
static inline bool pte_used(pte_t e)
{
	return e & (HAL_PTE_PRESENT | PTE_NONE);
}

static inline pte_t pte_get(const pte_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

static inline void pte_set(pte_t *e, pte_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

static inline pte_t *table_at(phys_addr_t pa)
{
	return hal_phys_to_virt(pa);
}

static inline pte_t *pte_table(pte_t e)
{
	return table_at(e & HAL_PTE_ADDR_MASK);
}

static inline bool pte_is_leaf(pte_t e, unsigned level)
{
	return level == 0 || (e & HAL_PTE_LARGE);
}

static inline unsigned pte_index(uintptr_t va, unsigned level)
{
	return (va >> HAL_LEVEL_SHIFT(level)) & (HAL_TABLE_ENTRIES - 1);
}

static inline uintptr_t span(unsigned level)
{
	return (uintptr_t)1 << HAL_LEVEL_SHIFT(level);
}

/* The last address of [va, last] under va's entry at this level. */
static inline uintptr_t entry_last(uintptr_t va, unsigned level, uintptr_t last)
{
	uintptr_t e = va | (span(level) - 1);

	return e < last ? e : last;
}

/* Whether [va, end] is the whole of va's entry at this level. */
static inline bool covers_entry(uintptr_t va, uintptr_t end, unsigned level)
{
	return (va & (span(level) - 1)) == 0 && ((end + 1) & (span(level) - 1)) == 0;
}

static env_irqflags_t mapper_lock(struct mapper *m)
{
	env_irqflags_t irq = env_irq_save();

	env_spin_lock(&m->lock);
	return irq;
}

static void mapper_unlock(struct mapper *m, env_irqflags_t irq)
{
	env_spin_unlock(&m->lock);
	env_irq_restore(irq);
}

/* Whether [va, va + size) is aligned to align and lies where m maps. */
static bool range_ok(const struct mapper *m, uintptr_t va, uint64_t size, uint64_t align)
{
	uintptr_t last = va + size - 1;

	if (size == 0 || size % align != 0 || va % align != 0 || last < va)
		return false;
	if (last <= LOWER_LAST)
		return true;
	return !m->user && va >= UPPER_FIRST;
}

/* n zeroed tables onto list, or none and false. */
static bool tables_alloc(struct list_head *list, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct page *p = alloc_pages(__GFP_ZERO, 0);

		if (p == NULL) {
			pages_free_list(list, 0);
			return false;
		}
		list_add(&p->list, list);
	}
	return true;
}

/* A table from list, now counted as m's. */
static phys_addr_t table_take(struct mapper *m, struct list_head *list)
{
	struct page *p = list_first_entry(list, struct page, list);

	list_del(&p->list);
	m->tables_allocated++;
	return PFN_PHYS(page_to_pfn_fast(p));
}

static bool table_empty(const pte_t *table)
{
	for (unsigned i = 0; i < HAL_TABLE_ENTRIES; i++) {
		if (pte_used(pte_get(&table[i])))
			return false;
	}
	return true;
}

/* Pinned tables hang from the upper half of a kernel root. */
static bool table_pinned(const struct mapper *m, unsigned parent_level, uintptr_t va)
{
	return parent_level == TOP_LEVEL && m->kernel_half_pinned && va >= UPPER_FIRST;
}

/*
 * The tables that mapping [va, last] with leaves at level leaf creates
 * below one empty entry of this level: a new table at each level k from
 * leaf up to level - 1, one per level-(k + 1) entry that the range touches.
 */
static uint64_t empty_tables(unsigned level, unsigned leaf, uintptr_t va, uintptr_t last)
{
	uint64_t n = 0;

	for (unsigned k = leaf + 1; k <= level; k++)
		n += (last >> HAL_LEVEL_SHIFT(k)) - (va >> HAL_LEVEL_SHIFT(k)) + 1;
	return n;
}

/* Map, first walk: -EEXIST if anything in [va, last] is mapped; else
 * adds to *need the tables that the second walk will link. */
static int map_check(const pte_t *table, unsigned level, unsigned leaf, uintptr_t va,
		     uintptr_t last, uint64_t *need)
{
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t e = pte_get(&table[pte_index(va, level)]);

		if (pte_used(e)) {
			if (level == leaf || pte_is_leaf(e, level))
				return -EEXIST;
			int err = map_check(pte_table(e), level - 1, leaf, va, end, need);

			if (err != 0)
				return err;
		} else if (level > leaf) {
			*need += empty_tables(level, leaf, va, end);
		}
		if (end == last)
			return 0;
		va = end + 1;
	}
}

struct map_op {
	struct mapper *m;
	unsigned leaf;		/* level of the new leaves */
	pte_t bits;		/* their bits besides the address */
	uintptr_t va;		/* the start of the range, mapped at pa */
	phys_addr_t pa;
	struct list_head tables; /* exactly the tables the range lacks */
};

/* Map, second walk: the range is free and op->tables suffice. */
static void map_install(struct map_op *op, pte_t *table, unsigned level, uintptr_t va,
			uintptr_t last)
{
	MM_ASSERT_SPIN_HELD(&op->m->lock);
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t *e = &table[pte_index(va, level)];

		if (level == op->leaf) {
			pte_set(e, (op->pa + (va - op->va)) | op->bits);
		} else {
			if (!(pte_get(e) & HAL_PTE_PRESENT))
				pte_set(e, table_take(op->m, &op->tables) | TABLE_BITS);
			map_install(op, pte_table(pte_get(e)), level - 1, va, end);
		}
		if (end == last)
			return;
		va = end + 1;
	}
}

int mapper_map(struct mapper *m, uintptr_t va, phys_addr_t pa, uint64_t size,
	       uint64_t page_size, unsigned flags)
{
	struct map_op op = { .m = m, .va = va, .pa = pa };
	uint64_t need = 0;
	env_irqflags_t irq;
	int err;

	if (page_size == HAL_PAGE_SIZE)
		op.leaf = 0;
	else if (page_size == MAPPER_LARGE_PAGE_SIZE)
		op.leaf = LARGE_LEVEL;
	else
		return -EINVAL;
	if ((flags & ~MAPPER_ALL_FLAGS) != 0 || (m->user && (flags & MAPPER_GLOBAL)) ||
	    !range_ok(m, va, size, page_size) || pa % page_size != 0 || pa + size - 1 < pa ||
	    (pa + size - 1) >> HAL_PAGE_SHIFT > HAL_PTE_ADDR_MASK >> HAL_PAGE_SHIFT)
		return -EINVAL;
	op.bits = leaf_bits(flags) | (op.leaf != 0 ? HAL_PTE_LARGE : 0);
	list_init(&op.tables);

	irq = mapper_lock(m);
	err = map_check(table_at(m->root), TOP_LEVEL, op.leaf, va, va + size - 1, &need);
	if (err == 0 && !tables_alloc(&op.tables, need))
		err = -ENOMEM;
	if (err == 0)
		map_install(&op, table_at(m->root), TOP_LEVEL, va, va + size - 1);
	mapper_unlock(m, irq);
	return err;
}

/* Unmap or protect, first walk: -EINVAL if [va, last] cuts a large page. */
static int split_check(const pte_t *table, unsigned level, uintptr_t va, uintptr_t last)
{
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t e = pte_get(&table[pte_index(va, level)]);

		if (pte_used(e) && level > 0) {
			if (!pte_is_leaf(e, level)) {
				int err = split_check(pte_table(e), level - 1, va, end);

				if (err != 0)
					return err;
			} else if (!covers_entry(va, end, level)) {
				return -EINVAL;
			}
		}
		if (end == last)
			return 0;
		va = end + 1;
	}
}

static void batch_add_frame(struct flush_batch *b, pte_t old, unsigned level)
{
	uint64_t pfn = PFN_OF(old & HAL_PTE_ADDR_MASK);

	if (!b->free_frames || (old & PTE_BORROWED) || !pfn_valid(pfn))
		return;
	list_add(&pfn_to_page_fast(pfn)->list, level != 0 ? &b->large_frames : &b->frames);
}

struct change_op {
	struct mapper *m;
	struct flush_batch *b;
	bool unmap;		/* else protect */
	pte_t bits;		/* protect: the new FLAG_BITS */
	pte_t cow_write;	/* protect: HAL_PTE_WRITE under MAPPER_COW, else 0 */
	int64_t pages;		/* base pages unmapped or protected */
};

static void change_leaf(struct change_op *op, pte_t *e, pte_t old, unsigned level, uintptr_t va)
{
	uint64_t pages = span(level) >> HAL_PAGE_SHIFT;
	pte_t new = op->unmap ? 0 : cow_bits((old & ~FLAG_BITS) | op->bits, old, op->cow_write);

	op->pages += (int64_t)pages;
	if (new == old)
		return;
	pte_set(e, new);
	flush_batch_add_leaf(op->b, va, span(level), old & HAL_PTE_GLOBAL);
	if (op->unmap) {
		op->b->unmapped += pages;
		batch_add_frame(op->b, old, level);
	}
}

static void change_range(struct change_op *op, pte_t *table, unsigned level, uintptr_t va,
			 uintptr_t last);

/* Recurses below entry e; an unmap that empties the table unlinks it. */
static void change_table(struct change_op *op, pte_t *e, pte_t old, unsigned level, uintptr_t va,
			 uintptr_t end)
{
	pte_t *child = pte_table(old);

	change_range(op, child, level - 1, va, end);
	if (!op->unmap || table_pinned(op->m, level, va) ||
	    !(covers_entry(va, end, level) || table_empty(child)))
		return;
	pte_set(e, 0);
	list_add(&virt_to_page_fast(child)->list, &op->b->tables);
	op->b->ntables++;
	op->m->tables_freed++;
}

/* Unmap or protect, second walk. */
static void change_range(struct change_op *op, pte_t *table, unsigned level, uintptr_t va,
			 uintptr_t last)
{
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t *e = &table[pte_index(va, level)];
		pte_t old = pte_get(e);

		if (pte_used(old) && pte_is_leaf(old, level))
			change_leaf(op, e, old, level, va);
		else if (pte_used(old))
			change_table(op, e, old, level, va, end);
		if (end == last)
			return;
		va = end + 1;
	}
}

static int64_t change(struct mapper *m, uintptr_t va, uint64_t size, struct change_op *op)
{
	env_irqflags_t irq;
	int err;

	if (op->b->mapper != m)
		env_panic("mapper: a flush batch for mapper %p used on mapper %p",
			  (void *)op->b->mapper, (void *)m);
	if (!range_ok(m, va, size, HAL_PAGE_SIZE))
		return -EINVAL;
	irq = mapper_lock(m);
	err = split_check(table_at(m->root), TOP_LEVEL, va, va + size - 1);
	if (err == 0)
		change_range(op, table_at(m->root), TOP_LEVEL, va, va + size - 1);
	mapper_unlock(m, irq);
	return err != 0 ? err : op->pages;
}

int64_t mapper_unmap(struct mapper *m, uintptr_t va, uint64_t size, struct flush_batch *b)
{
	struct change_op op = { .m = m, .b = b, .unmap = true };

	return change(m, va, size, &op);
}

int64_t mapper_protect(struct mapper *m, uintptr_t va, uint64_t size, unsigned flags,
		       struct flush_batch *b)
{
	struct change_op op = { .m = m, .b = b,
				.bits = leaf_bits(flags & ~(MAPPER_BORROWED | MAPPER_COW)),
				.cow_write = flags & MAPPER_COW ? HAL_PTE_WRITE : 0 };

	if ((flags & ~MAPPER_ALL_FLAGS) != 0 || (m->user && (flags & MAPPER_GLOBAL)))
		return -EINVAL;
	return change(m, va, size, &op);
}

int mapper_translate(struct mapper *m, uintptr_t va, struct mapper_translation *t)
{
	const pte_t *table = table_at(m->root);
	env_irqflags_t irq;
	int err = -ENOENT;

	if (!range_ok(m, va & HAL_PAGE_MASK, HAL_PAGE_SIZE, HAL_PAGE_SIZE))
		return -EINVAL;
	irq = mapper_lock(m);
	for (unsigned level = TOP_LEVEL;; level--) {
		pte_t e = pte_get(&table[pte_index(va, level)]);

		if (!pte_used(e))
			break;
		if (pte_is_leaf(e, level)) {
			t->page_size = span(level);
			t->pa = (e & HAL_PTE_ADDR_MASK) + (va & (span(level) - 1));
			t->flags = pte_to_flags(e);
			err = 0;
			break;
		}
		table = pte_table(e);
	}
	mapper_unlock(m, irq);
	return err;
}

int mapper_replace(struct mapper *m, uintptr_t va, phys_addr_t old_pa, phys_addr_t new_pa,
		   unsigned flags, struct flush_batch *b)
{
	pte_t *table = table_at(m->root);
	env_irqflags_t irq;
	int err = -EAGAIN;

	if (b->mapper != m)
		env_panic("mapper: a flush batch for mapper %p used on mapper %p",
			  (void *)b->mapper, (void *)m);
	if ((flags & ~MAPPER_ALL_FLAGS) != 0 || (m->user && (flags & MAPPER_GLOBAL)) ||
	    !range_ok(m, va, HAL_PAGE_SIZE, HAL_PAGE_SIZE) || new_pa % HAL_PAGE_SIZE != 0)
		return -EINVAL;
	irq = mapper_lock(m);
	for (unsigned level = TOP_LEVEL;; level--) {
		pte_t *e = &table[pte_index(va, level)];
		pte_t old = pte_get(e);

		if (!pte_used(old))
			break;
		if (pte_is_leaf(old, level)) {
			if (level == 0 && (old & HAL_PTE_ADDR_MASK) == old_pa) {
				pte_set(e, new_pa | leaf_bits(flags));
				flush_batch_add_leaf(b, va, span(0), old & HAL_PTE_GLOBAL);
				err = 0;
			}
			break;
		}
		table = pte_table(old);
	}
	mapper_unlock(m, irq);
	return err;
}

int mapper_init(struct mapper *m)
{
	struct list_head root;

	*m = (struct mapper){ .lock = ENV_SPINLOCK_INIT };
	list_init(&root);
	if (!tables_alloc(&root, 1))
		return -ENOMEM;
	m->root = table_take(m, &root);
	return 0;
}

int mapper_prealloc_kernel_half(struct mapper *kernel)
{
	pte_t *root = table_at(kernel->root);
	struct list_head tables;
	uint64_t need = 0;
	env_irqflags_t irq;
	int err = 0;

	if (kernel->user)
		return -EINVAL;
	list_init(&tables);
	irq = mapper_lock(kernel);
	for (unsigned i = HAL_TABLE_ENTRIES / 2; i < HAL_TABLE_ENTRIES; i++)
		need += !(pte_get(&root[i]) & HAL_PTE_PRESENT);
	if (!tables_alloc(&tables, need)) {
		err = -ENOMEM;
	} else {
		for (unsigned i = HAL_TABLE_ENTRIES / 2; i < HAL_TABLE_ENTRIES; i++) {
			if (!(pte_get(&root[i]) & HAL_PTE_PRESENT))
				pte_set(&root[i], table_take(kernel, &tables) | TABLE_BITS);
		}
		kernel->kernel_half_pinned = true;
	}
	mapper_unlock(kernel, irq);
	return err;
}

int mapper_init_user(struct mapper *user, const struct mapper *kernel)
{
	const pte_t *kroot = table_at(kernel->root);
	pte_t *root;
	int err;

	/* Pinned root entries never change again: read them unlocked. */
	if (!kernel->kernel_half_pinned)
		return -EINVAL;
	err = mapper_init(user);
	if (err != 0)
		return err;
	user->user = true;
	root = table_at(user->root);
	for (unsigned i = HAL_TABLE_ENTRIES / 2; i < HAL_TABLE_ENTRIES; i++)
		pte_set(&root[i], pte_get(&kroot[i]));
	return 0;
}

/* Frees the table at pa, level `level`, and the tables below its first
 * n entries. */
static void tree_free(struct mapper *m, phys_addr_t pa, unsigned level, unsigned n)
{
	const pte_t *table = table_at(pa);

	for (unsigned i = 0; level > 0 && i < n; i++) {
		pte_t e = pte_get(&table[i]);

		if ((e & HAL_PTE_PRESENT) && !pte_is_leaf(e, level))
			tree_free(m, e & HAL_PTE_ADDR_MASK, level - 1, HAL_TABLE_ENTRIES);
	}
	__free_pages(pfn_to_page_fast(PFN_OF(pa)), 0);
	m->tables_freed++;
}

void mapper_destroy(struct mapper *m)
{
	if (m->user && !env_cpumask_empty(&m->cpus))
		env_panic("mapper: destroying mapper %p while a CPU still runs on it", (void *)m);
	tree_free(m, m->root, TOP_LEVEL, m->user ? HAL_TABLE_ENTRIES / 2 : HAL_TABLE_ENTRIES);
	m->root = 0;
}

void mapper_switch(struct mapper *prev, struct mapper *next)
{
	if (!env_irqs_disabled())
		env_panic("mapper_switch with interrupts on: the CPU could change under it");
	if (prev == next)
		return;
	unsigned cpu = env_cpu_id();
	env_cpumask_set_atomic(&next->cpus, cpu);
	hal_load_root(next->root);
	if (prev != NULL && prev->user)
		env_cpumask_clear_atomic(&prev->cpus, cpu);
}

void mapper_cpus(struct mapper *m, env_cpumask_t *out)
{
	env_cpumask_snapshot(out, &m->cpus);
}

/*
 * Walks and moves (see mapper.h), appended for the user address spaces.
 *
 * mapper_for_each is one walk over the present entries of the range.
 * mapper_move walks the source range twice under both locks. The check
 * pass refuses large leaves and mapped targets, and counts exactly the
 * tables the targets lack: targets rise with the sources, so at each
 * level the table one target needs is either the one the previous
 * target needed or one not counted yet (a key per level tells which).
 * The install pass links each target entry with map_install (one leaf,
 * tables from the counted list); change_range then clears the sources
 * into the batch as unmap would, without collecting their frames.
 */
struct walk_op {
	mapper_leaf_fn fn;
	void *arg;
	int64_t pages;
};

static void walk_range(struct walk_op *op, const pte_t *table, unsigned level, uintptr_t va,
		       uintptr_t last)
{
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t e = pte_get(&table[pte_index(va, level)]);

		if (pte_used(e) && pte_is_leaf(e, level)) {
			struct mapper_translation t = {
				.pa = e & HAL_PTE_ADDR_MASK,
				.page_size = span(level),
				.flags = pte_to_flags(e),
			};

			op->pages += (int64_t)((end - va + 1) >> HAL_PAGE_SHIFT);
			op->fn(op->arg, va & ~(span(level) - 1), &t);
		} else if (pte_used(e)) {
			walk_range(op, pte_table(e), level - 1, va, end);
		}
		if (end == last)
			return;
		va = end + 1;
	}
}

int64_t mapper_for_each(struct mapper *m, uintptr_t va, uint64_t size, mapper_leaf_fn fn,
			void *arg)
{
	struct walk_op op = { fn, arg, 0 };
	env_irqflags_t irq;

	if (!range_ok(m, va, size, HAL_PAGE_SIZE))
		return -EINVAL;
	irq = mapper_lock(m);
	walk_range(&op, table_at(m->root), TOP_LEVEL, va, va + size - 1);
	mapper_unlock(m, irq);
	return op.pages;
}

struct move_op {
	struct mapper *to;
	uintptr_t delta;		/* target minus source, modulo 2^64 */
	bool install;			/* the second pass */
	int err;
	int64_t pages;
	uint64_t need;			/* check pass: tables the targets lack */
	uintptr_t last_key[HAL_LEVELS];	/* the table last counted per level */
	pte_t bits, cow_write;		/* as protect's, for the moved leaves */
	struct map_op map;		/* install pass: one leaf at a time */
};

/* Check pass, one target page: -EEXIST if mapped, else counts the
 * tables missing above it that no earlier target needed. */
static int move_check_target(struct move_op *op, uintptr_t t)
{
	const pte_t *table = table_at(op->to->root);

	for (unsigned level = TOP_LEVEL;; level--) {
		pte_t e = pte_get(&table[pte_index(t, level)]);

		if (!pte_used(e)) {
			for (unsigned k = 0; k < level; k++) {
				uintptr_t key = t >> HAL_LEVEL_SHIFT(k + 1);

				if (key != op->last_key[k]) {
					op->last_key[k] = key;
					op->need++;
				}
			}
			return 0;
		}
		if (level == 0 || pte_is_leaf(e, level))
			return -EEXIST;
		table = pte_table(e);
	}
}

static void move_walk(struct move_op *op, const pte_t *table, unsigned level, uintptr_t va,
		      uintptr_t last)
{
	for (;;) {
		uintptr_t end = entry_last(va, level, last);
		pte_t e = pte_get(&table[pte_index(va, level)]);

		if (pte_used(e) && level > 0 && pte_is_leaf(e, level)) {
			op->err = -EINVAL;
		} else if (pte_used(e) && level > 0) {
			move_walk(op, pte_table(e), level - 1, va, end);
		} else if (pte_used(e)) {
			uintptr_t t = va + op->delta;

			if (!op->install) {
				op->err = move_check_target(op, t);
			} else {
				op->map.va = t;
				op->map.pa = e & HAL_PTE_ADDR_MASK;
				/* The leaf stays borrowed or not, as in protect. */
				op->map.bits = cow_bits(op->bits | (e & PTE_BORROWED), e,
							op->cow_write);
				map_install(&op->map, table_at(op->to->root), TOP_LEVEL, t, t);
			}
			op->pages++;
		}
		if (op->err != 0 || end == last)
			return;
		va = end + 1;
	}
}

int64_t mapper_move(struct mapper *from, uintptr_t va, uint64_t size, struct mapper *to,
		    uintptr_t new_va, unsigned flags, struct flush_batch *b)
{
	struct move_op op = { .to = to, .delta = new_va - va };
	uintptr_t last = va + size - 1, new_last = new_va + size - 1;
	env_irqflags_t irq;

	if (b->mapper != from)
		env_panic("mapper: a flush batch for mapper %p used on mapper %p",
			  (void *)b->mapper, (void *)from);
	if ((flags & ~MAPPER_ALL_FLAGS) != 0 || (to->user && (flags & MAPPER_GLOBAL)) ||
	    !range_ok(from, va, size, HAL_PAGE_SIZE) || !range_ok(to, new_va, size, HAL_PAGE_SIZE) ||
	    (from == to && va <= new_last && new_va <= last))
		return -EINVAL;
	for (unsigned k = 0; k < HAL_LEVELS; k++)
		op.last_key[k] = UINTPTR_MAX;
	op.map = (struct map_op){ .m = to, .leaf = 0 };
	op.bits = leaf_bits(flags & ~(MAPPER_BORROWED | MAPPER_COW));
	op.cow_write = flags & MAPPER_COW ? HAL_PTE_WRITE : 0;
	list_init(&op.map.tables);

	irq = mapper_lock(from);
	if (to != from)
		env_spin_lock(&to->lock);
	move_walk(&op, table_at(from->root), TOP_LEVEL, va, last);
	if (op.err == 0 && !tables_alloc(&op.map.tables, op.need))
		op.err = -ENOMEM;
	if (op.err == 0) {
		struct change_op clear = { .m = from, .b = b, .unmap = true };
		bool free_frames = b->free_frames;

		op.install = true;
		op.pages = 0;
		move_walk(&op, table_at(from->root), TOP_LEVEL, va, last);
		b->free_frames = false;
		change_range(&clear, table_at(from->root), TOP_LEVEL, va, last);
		b->free_frames = free_frames;
	}
	if (to != from)
		env_spin_unlock(&to->lock);
	mapper_unlock(from, irq);
	if (!list_empty(&op.map.tables))
		env_panic("mapper_move: %p: tables left over, the count was wrong", (void *)from);
	return op.err != 0 ? op.err : op.pages;
}
