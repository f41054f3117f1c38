/*
 * mm/mmap.c - mmap, munmap and brk, with Linux's semantics and errno
 * (mm/mmap.c, mm/vma.c and arch/x86/kernel/sys_x86_64.c of Linux 6.x).
 *
 * Placement. MAP_FIXED takes the address as given and unmaps what was
 * there (MAP_FIXED_NOREPLACE refuses with -EEXIST instead). Otherwise a
 * hint is honoured when [hint, hint + len) is free (and clear of a
 * stack's guard gap); else the highest free range below mmap_base (the
 * top-down layout), else the lowest anywhere in the window; MAP_32BIT
 * searches [1 GiB, 2 GiB) bottom-up, as x86_64 Linux does. All searches
 * are the tree's O(log n) gap search.
 *
 * Where Linux's answer depends on privilege or configuration, the
 * unprivileged default is followed: MAP_FIXED below mmap_min_addr is
 * -EPERM (no CAP_SYS_RAWIO), MAP_HUGETLB is -ENOMEM (no huge pages
 * reserved), MAP_LOCKED is accepted and populates (RLIMIT_MEMLOCK is not
 * modelled). Unknown flag bits are ignored with MAP_PRIVATE and
 * MAP_SHARED, as Linux does for compatibility; an unknown mapping type
 * (MAP_SHARED_VALIDATE included, for anonymous memory) is -EINVAL.
 * Memory is committed as Linux's overcommit accounting does (mm/commit.c):
 * an mmap the policy refuses is -ENOMEM before anything changes.
 *
 * Files. Descriptors are the kernel's: aspace_mmap maps anonymous memory
 * only (-EBADF otherwise: the kernel found no file behind the
 * descriptor), and the kernel maps files (a program's image, a memfd)
 * through aspace_mmap_file with the checks Linux makes for a descriptor
 * of them (an image is opened read-only). A file takes MAP_SHARED,
 * MAP_PRIVATE and MAP_SHARED_VALIDATE (-EOPNOTSUPP for a flag outside
 * Linux's LEGACY_MAP_MASK: these files support no newer ones), never
 * MAP_GROWSDOWN or MAP_DROPPABLE (-EINVAL). MAP_SHARED anonymous memory
 * is a zero-filled file of its own (shmem, mm/mfile.c) that the new VMA
 * maps from offset 0.
 *
 * Locking: each call takes the address space's write lock (aspace_op).
 */
#include <errno.h>

#include "aspace_internal.h"

/* Bits 26..31 of the flags: log2 of the MAP_HUGETLB page size. */
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK 0x3full

/* Linux's MAP_32BIT window on x86_64. */
#define MAP_32BIT_LO 0x40000000ull
#define MAP_32BIT_HI 0x80000000ull

/* The start of a growing stack's guard gap (Linux's vm_start_gap). */
static uintptr_t start_gap(const struct vma *v)
{
	if (!(v->flags & MAP_GROWSDOWN))
		return vma_start(v);
	return vma_start(v) > ASPACE_STACK_GUARD_GAP ? vma_start(v) - ASPACE_STACK_GUARD_GAP : 0;
}

uintptr_t aspace_place(struct aspace *as, uintptr_t hint, uint64_t len, uint64_t flags)
{
	const struct vma_tree *t = &as->tree;
	uintptr_t addr;

	if (len > t->hi - t->lo)
		return 0;
	hint &= HAL_PAGE_MASK;
	if (hint != 0 && hint < t->lo)
		hint = t->lo;	/* Linux's round_hint_to_min */
	if (hint != 0 && hint <= t->hi - len) {
		const struct vma *next = vma_find_after(as, hint);

		if (next == NULL || hint + len <= start_gap(next))
			return hint;
	}
	if (flags & MAP_32BIT)
		return vma_tree_gap_lowest(t, len, HAL_PAGE_SIZE, MAP_32BIT_LO, MAP_32BIT_HI,
					   &addr) == 0 ? addr : 0;
	if (vma_tree_gap_highest(t, len, HAL_PAGE_SIZE, t->lo, as->mmap_base, &addr) == 0 ||
	    vma_tree_gap_lowest(t, len, HAL_PAGE_SIZE, t->lo, t->hi, &addr) == 0)
		return addr;
	return 0;
}

/* The checks of Linux's sys_mmap, ksys_mmap_pgoff and do_mmap that come
 * before an address is chosen, in Linux's order. */
static long mmap_check(uint64_t *len, uint64_t flags, uint64_t off)
{
	if (off % HAL_PAGE_SIZE != 0)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;	/* a file's mapping comes through aspace_mmap_file */
	if (flags & MAP_HUGETLB) {
		uint64_t shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

		return shift == 0 || shift == 21 || shift == 30 ? -ENOMEM : -EINVAL;
	}
	if (*len == 0)
		return -EINVAL;
	*len = PAGE_ALIGN_UP(*len);
	if (*len == 0)
		return -ENOMEM;
	return 0;
}

/* Linux's __get_unmapped_area for a fixed address. */
static long fixed_check(struct aspace *as, uintptr_t addr, uint64_t len)
{
	if (addr > as->tree.hi - len)
		return -ENOMEM;
	if (addr % HAL_PAGE_SIZE != 0)
		return -EINVAL;
	if (addr < as->tree.lo)
		return -EPERM;
	return 0;
}

/* x86's MAP_ABOVE4G: a placement hint that this kernel ignores. */
#define MAP_ABOVE4G 0x80

/* The flags MAP_SHARED_VALIDATE takes for a file without flags of its
 * own (Linux's LEGACY_MAP_MASK): MAP_HUGE_2MB | MAP_HUGE_1GB cover five
 * of the six size bits. */
#define LEGACY_MAP_MASK                                                                       \
	((uint64_t)(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE |    \
		    MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |         \
		    MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |   \
		    MAP_32BIT | MAP_ABOVE4G) |                                                \
	 (0x1full << MAP_HUGE_SHIFT))

/* The mapping type's rules for a file (do_mmap's switch with a file). */
static long file_type_check(uint64_t flags)
{
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
	case MAP_PRIVATE:
		return flags & MAP_GROWSDOWN ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* The mapping type's rules for anonymous memory (do_mmap's switch). */
static long type_check(uint64_t flags)
{
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		return flags & MAP_GROWSDOWN ? -EINVAL : 0;
	case MAP_DROPPABLE:
		return flags & (MAP_LOCKED | MAP_HUGETLB | MAP_GROWSDOWN) ? -EINVAL : 0;
	case MAP_PRIVATE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Whether a mapping commits its pages (Linux's accountable_mapping):
 * private and writable, unless MAP_NORESERVE and the policy honours it. */
static bool noreserve(uint64_t flags)
{
	return (flags & MAP_NORESERVE) && commit_noreserve_honoured();
}

static bool accountable(uint64_t prot, uint64_t flags)
{
	return (flags & MAP_TYPE) != MAP_SHARED && (prot & PROT_WRITE) && !noreserve(flags);
}

/* The committed pages of [start, end), which a MAP_FIXED mapping replaces. */
static uint64_t accounted_in(struct aspace *as, uintptr_t start, uintptr_t end)
{
	uint64_t n = 0;

	for (const struct vma *v = vma_intersect(as, start, end); v != NULL && vma_start(v) < end;
	     v = vma_next(v)) {
		uintptr_t lo = vma_start(v) > start ? vma_start(v) : start;
		uintptr_t hi = vma_end(v) < end ? vma_end(v) : end;

		if (v->flags & VMA_ACCOUNT)
			n += (hi - lo) >> HAL_PAGE_SHIFT;
	}
	return n;
}

/* The memory a new mapping of len bytes commits: the pages it adds to
 * the replaced ones that were committed (Linux charges the difference),
 * or a new shmem file's size. 0 or -ENOMEM, with nothing committed. */
static long commit_new(struct aspace *as, uint64_t len, uint64_t prot, uint64_t flags,
		       struct mfile *shmem, uint64_t replaced)
{
	uint64_t pages = len >> HAL_PAGE_SHIFT;

	if (shmem != NULL) {
		if (noreserve(flags))
			return 0;
		if (vm_commit(pages) != 0)
			return -ENOMEM;
		shmem->charged = pages;
		return 0;
	}
	if (!accountable(prot, flags))
		return 0;
	return pages > replaced ? aspace_commit(as, pages - replaced, false) : 0;
}

/* mmap after its own checks: len is page-aligned and non-zero; file is
 * NULL for anonymous memory (shared memory gets a shmem file here). */
static long map(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		struct mfile *file, uint64_t pgoff)
{
	struct mfile *shmem = NULL;
	struct aspace_op op;
	uint64_t replaced = 0;
	long err;

	if (len > as->tree.hi)
		return -ENOMEM;
	if (aspace_op_begin(&op, as, 3) != 0)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		err = fixed_check(as, addr, len);
		if (err == 0 && (flags & MAP_FIXED_NOREPLACE) && vma_intersect(as, addr, addr + len))
			err = -EEXIST;
	} else {
		addr = aspace_place(as, addr, len, flags);
		err = addr == 0 ? -ENOMEM : 0;
	}
	if (err == 0)
		err = file != NULL ? file_type_check(flags) : type_check(flags);
	if (err == 0 && file == NULL && (flags & MAP_TYPE) == MAP_SHARED) {
		file = shmem = mfile_create_zero();
		if (shmem != NULL)
			shmem->owner = as;
		else
			err = -ENOMEM;
	}
	/* Only MAP_FIXED replaces mappings; any other range is free. */
	if (err == 0 && (flags & MAP_FIXED) && accountable(prot, flags))
		replaced = accounted_in(as, addr, addr + len);
	if (err == 0)
		err = commit_new(as, len, prot, flags, shmem, replaced);
	if (err == 0) {
		/* A droppable mapping is private memory that Linux may drop
		 * under pressure; here it is never dropped. */
		uint64_t type = (flags & MAP_TYPE) == MAP_SHARED ? MAP_SHARED : MAP_PRIVATE;

		aspace_unmap_range(&op, addr, addr + len);
		/* What the replaced VMAs committed stays, now the new one's. */
		if (replaced != 0)
			aspace_commit(as, replaced, true);
		vma_insert(&op, addr, addr + len, prot & VMA_PROT_MASK,
			   type | (flags & MAP_GROWSDOWN) | (noreserve(flags) ? MAP_NORESERVE : 0) |
				   (accountable(prot, flags) ? VMA_ACCOUNT : 0),
			   file, pgoff);
		if ((flags & MAP_LOCKED) || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)
			aspace_populate(as, addr, addr + len);
	}
	aspace_op_end(&op);
	if (shmem != NULL)
		mfile_put(shmem);	/* the VMA holds it now, or nothing does */
	return err != 0 ? err : (long)addr;
}

long aspace_mmap(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		 int64_t fd, uint64_t off)
{
	long err;

	(void)fd;	/* ignored with MAP_ANONYMOUS, as Linux ignores it; without it,
			   the caller found no file behind fd, so only the errno is left */
	err = mmap_check(&len, flags, off);
	if (err != 0)
		return err;
	return map(as, addr, len, prot, flags, NULL, 0);
}

long aspace_mmap_file(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot,
		      uint64_t flags, struct mfile *file, uint64_t off)
{
	uint64_t pages;

	if (file == NULL || (flags & MAP_ANONYMOUS) || off % HAL_PAGE_SIZE != 0 || len == 0 ||
	    (flags & MAP_HUGETLB))
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (len == 0)
		return -ENOMEM;
	pages = len >> HAL_PAGE_SHIFT;
	if ((off >> HAL_PAGE_SHIFT) + pages > MFILE_MAX_PAGES)
		return -EOVERFLOW;
	if (file->owner != NULL && file->owner != as)
		return -EINVAL;
	/* Checked here, before the placement that Linux's check follows: it
	 * differs only when both fail. */
	if ((flags & MAP_TYPE) == MAP_SHARED_VALIDATE) {
		if (flags & ~LEGACY_MAP_MASK)
			return -EOPNOTSUPP;
		flags = (flags & ~(uint64_t)MAP_TYPE) | MAP_SHARED;
	}
	/* A read-only file: no shared writable view (Linux: -EACCES for a
	 * descriptor opened O_RDONLY). */
	if ((flags & MAP_TYPE) == MAP_SHARED && (prot & PROT_WRITE) && !mfile_writable(file))
		return -EACCES;
	return map(as, addr, len, prot, flags, file, off >> HAL_PAGE_SHIFT);
}

long aspace_unmap_checked(struct aspace_op *op, uintptr_t addr, uint64_t len)
{
	const struct vma_tree *t = &op->as->tree;

	if (addr % HAL_PAGE_SIZE != 0 || addr > t->hi || len > t->hi - addr)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (len == 0)
		return -EINVAL;
	aspace_unmap_range(op, addr, addr + len);
	return 0;
}

long aspace_munmap(struct aspace *as, uintptr_t addr, uint64_t len)
{
	struct aspace_op op;
	long err;

	if (aspace_op_begin(&op, as, 2) != 0)
		return -ENOMEM;
	err = aspace_unmap_checked(&op, addr, len);
	aspace_op_end(&op);
	return err;
}

void aspace_set_brk_base(struct aspace *as, uintptr_t base)
{
	rwlock_write_lock(&as->lock);
	as->brk_start = as->brk = PAGE_ALIGN_UP(base);
	rwlock_write_unlock(&as->lock);
}

/*
 * Linux's brk: returns the new break, or the old one if the request is
 * refused (below the start, into another mapping or its guard gap, out of the
 * window, out of memory, refused by the commit policy). The heap is private
 * read-write memory that merges with a neighbour like any mmap.
 */
long aspace_brk(struct aspace *as, uintptr_t brk)
{
	struct aspace_op op;
	long ret;

	if (aspace_op_begin(&op, as, 3) != 0) {
		rwlock_read_lock(&as->lock);
		ret = (long)as->brk;
		rwlock_read_unlock(&as->lock);
		return ret;
	}
	uintptr_t old = PAGE_ALIGN_UP(as->brk), new = PAGE_ALIGN_UP(brk);
	if (brk < as->brk_start || brk > as->tree.hi || old < as->tree.lo) {
		ret = (long)as->brk;
	} else if (new == old) {
		as->brk = brk;
		ret = (long)brk;
	} else if (brk < as->brk) {
		aspace_unmap_range(&op, new, old);
		as->brk = brk;
		ret = (long)brk;
	} else {
		const struct vma *next = vma_find_after(as, old);

		if ((next != NULL && new + HAL_PAGE_SIZE > start_gap(next)) ||
		    aspace_commit(as, (new - old) >> HAL_PAGE_SHIFT, false) != 0) {
			ret = (long)as->brk;
		} else {
			vma_insert(&op, old, new, PROT_READ | PROT_WRITE, MAP_PRIVATE | VMA_ACCOUNT, NULL,
				   0);
			as->brk = brk;
			ret = (long)brk;
		}
	}
	aspace_op_end(&op);
	return ret;
}
