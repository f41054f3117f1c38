/*
 * mm/aspace_internal.h - what the files of the address-space layer share
 * (mm/aspace.c, aspace_check.c, vma.c, mfile.c, zero_page.c, fault.c,
 * mmap.c, mprotect.c, mremap.c, madvise.c, truncate.c); nothing outside mm/ includes
 * it. The design and the locking rules are at the top of mm/aspace.c.
 */
#ifndef MM_ASPACE_INTERNAL_H
#define MM_ASPACE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/aspace.h>
#include <mm/env.h>
#include <mm/hal.h>
#include <mm/mapper.h>
#include <mm/mfile.h>
#include "mm_internal.h"
#include "rwlock.h"
#include "vma_tree.h"

#define PAGE_ALIGN_UP(x) (((x) + HAL_PAGE_SIZE - 1) & HAL_PAGE_MASK)

/* Linux's stack_guard_gap (256 pages): a growing stack keeps this far
 * from the accessible mapping below it. */
#define ASPACE_STACK_GUARD_GAP (256ull * HAL_PAGE_SIZE)

/* The protection bits a VMA keeps (PROT_SEM and unknown bits are not). */
#define VMA_PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

/* A memory file (<mm/mfile.h>, mm/mfile.c). */
struct mfile {
	uint64_t refs;		/* atomic: VMAs and holders */
	const void *data;	/* the image its pages are read from, or NULL: zeros */
	uint64_t data_size;
	struct mapper pages;	/* the page cache: page offset << page shift -> frame */
	uint64_t npages;	/* atomic: frames in the cache */
	uint64_t charged;	/* pages it committed (shmem), given back with it */
	/* The one address space whose VMAs may map it (shmem, memfd), or
	 * NULL: any (an image). Truncation and hole punching zap that
	 * address space's VMAs alone, so no other may hold its pages. */
	struct aspace *owner;
	/* Bytes (memfd): a page wholly past it is no page of the file (a
	 * fault there is SIGBUS). MFILE_UNSIZED: no end. Changed under the
	 * owner's write lock, read under its read lock (faults). */
	uint64_t size;
};

#define MFILE_UNSIZED UINT64_MAX

/* Whether page index lies wholly past f's end. */
static inline bool mfile_past_eof(const struct mfile *f, uint64_t index)
{
	return f->size != MFILE_UNSIZED && index >= PAGE_ALIGN_UP(f->size) >> HAL_PAGE_SHIFT;
}

/* Page offsets a file can index: the lower half of a mapper. */
#define MFILE_MAX_PAGES                                                            \
	(1ull << (HAL_LEVEL_SHIFT(HAL_LEVELS - 1) + HAL_LEVEL_SHIFT(1) - HAL_LEVEL_SHIFT(0) - \
		  1 - HAL_PAGE_SHIFT))

/* One VMA: a range of memory with one protection, anonymous or a file's. */
struct vma {
	struct vma_node node;	/* node.start, node.end: the range */
	uint64_t prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC, or PROT_NONE */
	/* MAP_SHARED or MAP_PRIVATE, | MAP_GROWSDOWN, | MAP_NORESERVE when
	 * the policy honours it, | VMA_ACCOUNT */
	uint64_t flags;
	/* The file mapped (always, when MAP_SHARED: shmem for anonymous
	 * memory); NULL for private anonymous memory. */
	struct mfile *file;
	uint64_t pgoff;		/* with a file: its page at node.start */
	/* A page of its own was made here (a write to private memory):
	 * Linux's anon_vma. Set by faults (atomic), kept by splits, merged
	 * by OR, never a reason not to merge. */
	bool anon;
};

/* The pages of a private mapping are committed (mm/commit.c). */
#define VMA_ACCOUNT (1ull << 63)
/* The flags a VMA shows outside (aspace_vmas): the mapping's type. */
#define VMA_SHOWN_FLAGS ((uint64_t)(MAP_TYPE | MAP_GROWSDOWN))

static inline bool vma_shared(const struct vma *v)
{
	return v->flags & MAP_SHARED;
}

static inline bool vma_anon(const struct vma *v)
{
	return __atomic_load_n(&v->anon, __ATOMIC_RELAXED);
}

static inline void vma_set_anon(const struct vma *v, bool anon)
{
	__atomic_store_n(&((struct vma *)v)->anon, anon, __ATOMIC_RELAXED);
}

static inline uint64_t vma_pages(const struct vma *v)
{
	return (v->node.end - v->node.start) >> HAL_PAGE_SHIFT;
}

/* The file page that backs va in v (a VMA with a file). */
static inline uint64_t vma_pgoff(const struct vma *v, uintptr_t va)
{
	return v->pgoff + ((va - v->node.start) >> HAL_PAGE_SHIFT);
}

#define ASPACE_COW_LOCKS 16

struct aspace {
	struct rwlock lock;	/* see the top of mm/aspace.c */
	struct mapper mapper;	/* the page tables CPUs run on */
	struct vma_tree tree;	/* the VMAs, under lock */
	uintptr_t mmap_base;
	uintptr_t brk_start, brk; /* under lock (write) */
	uint64_t committed;	/* pages of its VMA_ACCOUNT VMAs; under lock (write) */
	/* Orders the copies on write of each page (mm/fault.c), hashed by
	 * page; taken inside lock's read side. */
	struct rwlock cow[ASPACE_COW_LOCKS];
	/* Atomic counters (stats may read them at any time). */
	uint64_t resident;	/* page-table leaves, of no access (PROT_NONE) included */
	uint64_t faults;
	uint64_t shootdown_rounds;
};

static inline struct vma *vma_of(struct vma_node *n)
{
	return n ? list_entry(n, struct vma, node) : NULL;
}

static inline uintptr_t vma_start(const struct vma *v)
{
	return v->node.start;
}

static inline uintptr_t vma_end(const struct vma *v)
{
	return v->node.end;
}

static inline struct vma *vma_next(const struct vma *v)
{
	return vma_of(vma_tree_next(&v->node));
}

static inline struct vma *vma_prev(const struct vma *v)
{
	return vma_of(vma_tree_prev(&v->node));
}

/* The VMA holding addr, or NULL. */
static inline struct vma *vma_find(struct aspace *as, uintptr_t addr)
{
	return vma_of(vma_tree_find(&as->tree, addr));
}

/* The first VMA that ends above addr (Linux's find_vma), or NULL. */
static inline struct vma *vma_find_after(struct aspace *as, uintptr_t addr)
{
	return vma_of(vma_tree_first_end_after(&as->tree, addr));
}

/* The first VMA that overlaps [start, end), or NULL. */
static inline struct vma *vma_intersect(struct aspace *as, uintptr_t start, uintptr_t end)
{
	struct vma *v = vma_find_after(as, start);

	return v && vma_start(v) < end ? v : NULL;
}

/* The mapper flags of v's pages under prot: PROT_NONE pages are leaves
 * of no access (MAPPER_NONE), and a private VMA's are copy on write
 * (MAPPER_COW). */
static inline unsigned vma_prot_flags(const struct vma *v, uint64_t prot)
{
	unsigned flags = vma_shared(v) ? MAPPER_USER : MAPPER_USER | MAPPER_COW;

	if (prot == PROT_NONE)
		flags |= MAPPER_NONE;
	if (prot & PROT_WRITE)
		flags |= MAPPER_WRITE;
	if (!(prot & PROT_EXEC))
		flags |= MAPPER_NX;
	return flags;
}

/* The flags a live entry of v has (as mapper_translate reports them),
 * for a frame of the address space's own or a borrowed one: borrowed
 * says so, and is read-only in a private VMA. */
static inline unsigned vma_entry_flags(const struct vma *v, bool borrowed)
{
	unsigned flags = vma_prot_flags(v, v->prot) & ~(unsigned)MAPPER_COW;

	if (!borrowed)
		return flags;
	flags |= MAPPER_BORROWED;
	return vma_shared(v) ? flags : flags & ~(unsigned)MAPPER_WRITE;
}

/*
 * One system call that changes the address space (under the write lock):
 * its flush batches and the VMAs it may need, allocated before anything
 * changes so that a split never fails half way.
 */
#define ASPACE_OP_SPARES 8
struct aspace_op {
	struct aspace *as;
	struct flush_batch batch;	/* as->mapper: one shootdown at the end */
	struct vma *spare[ASPACE_OP_SPARES];
};

/* Takes the write lock and allocates nspare VMAs: 0 or -ENOMEM (then
 * nothing is held). */
int aspace_op_begin(struct aspace_op *op, struct aspace *as, unsigned nspare);
/* Shoots the batches down, frees the unused spares, drops the lock. */
void aspace_op_end(struct aspace_op *op);

/* vma.c: VMA objects, split, merge, removal of ranges. */
struct vma *vma_alloc(void);
void vma_free(struct vma *v);
/* Whether a (below) and b (above) could be one VMA. */
bool vma_mergeable(const struct vma *a, const struct vma *b);
/* Splits v at addr (strictly inside it); returns the upper part, a
 * spare, now in the tree. */
struct vma *vma_split(struct aspace_op *op, struct vma *v, uintptr_t addr);
/* Merges v with its neighbours where they are mergeable; returns the
 * VMA that now holds v's range. */
struct vma *vma_merge_around(struct aspace *as, struct vma *v);
/* Inserts [start, end) with prot and flags (the range is free), backed by
 * file from page pgoff on when file is not NULL (the VMA takes a
 * reference), merged with its neighbours; returns it. Uses a spare. */
struct vma *vma_insert(struct aspace_op *op, uintptr_t start, uintptr_t end, uint64_t prot,
		       uint64_t flags, struct mfile *file, uint64_t pgoff);
/* Drops the page-table entries of [start, end), inside one VMA: the frames
 * the address space owns are freed after the shootdown, a file's (and
 * the zero page) stay with their owner. */
void aspace_zap(struct aspace_op *op, uintptr_t start, uintptr_t end);
/* Unmaps [start, end) whole: pages and VMAs (needs two spares). */
void aspace_unmap_range(struct aspace_op *op, uintptr_t start, uintptr_t end);

/* Commits pages for as (mm/commit.c): 0 or -ENOMEM. force: never
 * refused (a charge moving from one VMA to another). */
int aspace_commit(struct aspace *as, uint64_t pages, bool force);
void aspace_uncommit(struct aspace *as, uint64_t pages);

/* mmap.c */
/* A free range of len bytes for a non-fixed mapping (hint honoured when
 * free; MAP_32BIT in flags), or 0 if none. */
uintptr_t aspace_place(struct aspace *as, uintptr_t hint, uint64_t len, uint64_t flags);
/* munmap's checks and work, inside a call: 0 or -EINVAL (two spares). */
long aspace_unmap_checked(struct aspace_op *op, uintptr_t addr, uint64_t len);

/* mfile.c: the internal half of <mm/mfile.h>. */
/* The frame of page index, read in (or zeroed) if absent: 0 or -ENOMEM. */
int mfile_page(struct mfile *f, uint64_t index, phys_addr_t *pa);
/* The frame of page index if it is cached: 0 or -ENOENT. */
int mfile_lookup(struct mfile *f, uint64_t index, phys_addr_t *pa);
/* Frees pages [first, first + n) (a hole punched, a truncation): their
 * frames go on into's frame list, to be freed after its flush. */
void mfile_remove(struct mfile *f, uint64_t first, uint64_t n, struct flush_batch *into);
/* Drops a VMA's reference; the last frees the file, its frames through
 * into. */
void mfile_release(struct mfile *f, struct flush_batch *into);

/* truncate.c: drops every entry of op's address space that maps file
 * pages [first, first + n) (of a private VMA only those that still map
 * the file's frame, unless cows), then frees the pages (after the
 * shootdown). f must be op's address space's own (f->owner). */
void aspace_punch(struct aspace_op *op, struct mfile *f, uint64_t first, uint64_t n, bool cows);

/* zero_page.c: the frame every untouched private anonymous page reads
 * from until written (owned by no file, never freed), or 0 when out of
 * memory; made by the first call (aspace_create's). */
phys_addr_t zero_page(void);

/* fault.c */
/* The frame behind page va of v (read lock or write lock held), faulted
 * in if absent: mapped as v's prot allows (of no access under private
 * PROT_NONE) or only in its file (shared PROT_NONE). With write, a private page is
 * made the address space's own first (copy on write), whatever v's prot.
 * 0, -ENXIO (past the end of v's file) or -ENOMEM. */
int aspace_page(struct aspace *as, const struct vma *v, uintptr_t va, bool write,
		phys_addr_t *pa);
/* Faults in every page of [start, end) inside VMAs (MAP_POPULATE). */
void aspace_populate(struct aspace *as, uintptr_t start, uintptr_t end);

#endif
