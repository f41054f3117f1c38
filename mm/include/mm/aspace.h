/*
 * <mm/aspace.h> - user address spaces: a user mapper, its VMAs, demand
 * paging, and the mmap family of system calls with Linux's semantics and
 * errno values (mm/aspace.c has the design and the locking rules).
 *
 * Results of the system calls are what the raw Linux system call returns:
 * a value (an address, 0) or -errno. Pointer arguments are user addresses
 * of this address space; nothing here touches user memory except through
 * the address space itself (aspace_read / aspace_write, through the direct
 * map), so the kernel's syscall layer copies mincore's vector out itself.
 *
 * Context: thread context with interrupts ON (every call may wait for the
 * address space's lock, whose holder may be waiting for this CPU's flush
 * IPI). aspace_destroy needs the address space unused: no CPU runs on its
 * mapper (each has switched away) and no call into it is under way.
 */
#ifndef MM_ASPACE_H
#define MM_ASPACE_H

#include <stddef.h>
#include <stdint.h>

#include <mm/mman.h>

struct aspace;
struct mapper;
struct mfile;

/*
 * The window [lo, hi) that user mappings may occupy, and mmap_base, the
 * top of the region that top-down mmap placement searches first (Linux's
 * mm->mmap_base). kernel: the kernel mapper whose pinned upper half every
 * user root shares (mapper_init_user).
 */
struct aspace_layout {
	uintptr_t lo, hi, mmap_base;
	const struct mapper *kernel;
};

/*
 * The x86_64 layout (Linux's values): mmap_min_addr 64 KiB; TASK_SIZE_MAX
 * 0x7ffffffff000, so the page below the non-canonical hole is never
 * mapped and `syscall` at the top can never return to a non-canonical
 * rip; the main stack's top at 0x7ffffff00000; mmap_base below it leaves
 * room for an 8 MiB stack (RLIMIT_STACK) plus a 1 GiB gap, as Linux's
 * mmap_base does for the default stack limit.
 */
#define ASPACE_USER_LO 0x10000ull
#define ASPACE_USER_HI 0x00007ffffffff000ull
#define ASPACE_STACK_TOP 0x00007ffffff00000ull
#define ASPACE_STACK_LIMIT (8ull << 20)
#define ASPACE_MMAP_BASE (ASPACE_STACK_TOP - ASPACE_STACK_LIMIT - (1ull << 30))
#define ASPACE_LAYOUT_DEFAULT(kernel_mapper)                                       \
	((struct aspace_layout){ ASPACE_USER_LO, ASPACE_USER_HI, ASPACE_MMAP_BASE, \
				 (kernel_mapper) })

/* 0, -EINVAL (a bad layout or kernel mapper) or -ENOMEM. */
int aspace_create(const struct aspace_layout *l, struct aspace **out);
/* Frees every VMA, frame and page table, the mappers and as itself. */
void aspace_destroy(struct aspace *as);
/* The mapper that CPUs switch to (mapper_switch) to run in as. */
struct mapper *aspace_mapper(struct aspace *as);

/*
 * Page fault. access: ASPACE_FAULT_* bits. Returns 0 if resolved by a
 * change to the page tables, this fault's or a racing one's since the
 * access (retry the access), ASPACE_FAULT_SPURIOUS if a protection fault
 * (ASPACE_FAULT_PRESENT) meets an entry that allows the access (a stale
 * TLB entry, dropped by the fault itself: retry; the caller bounds how
 * often in a row), -EFAULT if no VMA covers addr (SEGV_MAPERR), -EACCES if the
 * VMA forbids the access (SEGV_ACCERR), -ENXIO if the page lies wholly
 * past the end of the file it maps (SIGBUS), -ENOMEM if out of memory.
 * Faults of one address space run in parallel (the read side of its lock).
 */
#define ASPACE_FAULT_WRITE (1u << 0)
#define ASPACE_FAULT_EXEC (1u << 1)
#define ASPACE_FAULT_USER (1u << 2)
#define ASPACE_FAULT_PRESENT (1u << 3)
#define ASPACE_FAULT_SPURIOUS 1
int aspace_fault(struct aspace *as, uintptr_t addr, unsigned access);

long aspace_mmap(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		 int64_t fd, uint64_t off);
/*
 * mmap of a file (<mm/mfile.h>) at byte offset off, for the kernel (a
 * program's image, or the file behind a descriptor, which the kernel
 * looks up): the checks of Linux's mmap for a descriptor of that file (a
 * read-only file refuses a shared writable view with -EACCES);
 * MAP_ANONYMOUS, or a file that belongs to another address space, is
 * -EINVAL. Mapping past the file's end is allowed (faults there fail).
 * Each VMA holds its own reference.
 */
long aspace_mmap_file(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot,
		      uint64_t flags, struct mfile *file, uint64_t off);
long aspace_munmap(struct aspace *as, uintptr_t addr, uint64_t len);
/*
 * ftruncate of a memfd (mfile_create_memfd) whose owner is as: its size
 * becomes length bytes. Growing adds pages that read as zeros; shrinking
 * drops every mapping of the pages wholly past the new end (private
 * copies too, as Linux's truncate_pagecache), frees them, and zeroes the
 * rest of a partial last page. 0, -EINVAL (length negative as a signed
 * number, or f no memfd of as), -EFBIG (past what a file can index), or
 * -ENOMEM.
 */
long aspace_ftruncate(struct aspace *as, struct mfile *f, uint64_t length);
long aspace_mprotect(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot);
long aspace_mremap(struct aspace *as, uintptr_t old, uint64_t old_len, uint64_t new_len,
		   uint64_t flags, uintptr_t new_addr);
long aspace_madvise(struct aspace *as, uintptr_t addr, uint64_t len, int64_t advice);
/* vec_kernel: a kernel buffer of (len rounded up to pages) entries. */
long aspace_mincore(struct aspace *as, uintptr_t addr, uint64_t len, unsigned char *vec_kernel);
long aspace_brk(struct aspace *as, uintptr_t brk);
/* The ELF loader's: the program break starts at base (page-aligned up). */
void aspace_set_brk_base(struct aspace *as, uintptr_t base);

/*
 * Kernel-side transfer for the loader and for tests: faults the pages in
 * as the kernel would (a write or a read), ignoring PROT_* (the loader
 * clears the tail of a read-only segment's last file page), and copies
 * through the direct map; a write copies a borrowed page first (copy on
 * write), so a file or the zero page is never written through a private
 * mapping. 0, or -EFAULT if part of the range has no VMA or lies past
 * the end of the file it maps (-ENOMEM when out of memory).
 */
int aspace_write(struct aspace *as, uintptr_t va, const void *src, uint64_t len);
int aspace_read(struct aspace *as, void *dst, uintptr_t va, uint64_t len);

/* Introspection, for the testbed system calls and the tests. */
struct aspace_vma_info {
	uint64_t start, end, prot;
	uint64_t flags;		/* MAP_SHARED or MAP_PRIVATE, | MAP_GROWSDOWN */
};
/* Fills up to max entries in address order; returns how many VMAs exist. */
long aspace_vmas(struct aspace *as, struct aspace_vma_info *out, uint64_t max);
/*
 * The tree's invariants (vma_tree_check), no two adjacent mergeable VMAs,
 * and every page-table entry inside a VMA with the flags its prot gives.
 * 0, or -EINVAL with the first violation in err. O(VMAs + mapped pages).
 */
int aspace_check(struct aspace *as, char *err, size_t errlen);

struct aspace_stats {
	uint64_t vmas;
	/* Pages mapped, borrowed ones (the zero page, a file's) and private
	 * PROT_NONE ones (leaves of no access) included. */
	uint64_t resident_pages;
	uint64_t page_tables;		/* tables the address space's mappers hold */
	uint64_t faults;		/* resolved or not */
	uint64_t shootdown_rounds;	/* IPI rounds of its system calls */
};
void aspace_stats(struct aspace *as, struct aspace_stats *st);

#endif
