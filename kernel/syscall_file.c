/*
 * The calls on descriptors of memory files: memfd_create, ftruncate,
 * close, and mmap of a descriptor. There is no file system: a memfd is
 * the file a program would have made in /tmp (will-it-scale's mkstemp,
 * ftruncate, mmap). The descriptors are the process's table
 * (kernel/fd.c), the files mm's (<mm/mfile.h>); this layer checks the
 * arguments in Linux's order, with Linux's errno, and moves the name
 * across the user boundary.
 *
 * memfd_create(name, flags): -EINVAL for an unknown flag, or MFD_EXEC
 * with MFD_NOEXEC_SEAL (MFD_HUGE_* size bits only with MFD_HUGETLB);
 * -EFAULT for an unreadable name, -EINVAL for one longer than
 * MFD_NAME_MAX_LEN; -EMFILE with FD_MAX descriptors open; then the file,
 * of size 0. MFD_CLOEXEC has nothing to do (there is no execve), and
 * MFD_ALLOW_SEALING, MFD_EXEC and MFD_NOEXEC_SEAL nothing either (no
 * fcntl to add seals, no execution of files). MFD_HUGETLB is -ENOSYS,
 * Linux's answer without hugetlbfs: a huge-page file would need
 * huge-page sizes, and unprivileged Linux has no huge pages reserved
 * either (mmap's MAP_HUGETLB is -ENOMEM here). The name is checked and
 * dropped: nothing shows it.
 *
 * ftruncate(fd, length): -EINVAL for a negative length (before the
 * descriptor), -EBADF for a closed one, -EINVAL for the console (as for
 * a pipe or a terminal), then mm's aspace_ftruncate (-EFBIG past what a
 * file can index: Linux's shmem reaches 2^63 - 1).
 *
 * mmap without MAP_ANONYMOUS: a memfd goes to aspace_mmap_file; the
 * console, write-only, is -EACCES (Linux's for a descriptor not open for
 * reading) after mmap's first argument checks; any other descriptor is
 * mm's -EBADF, with those checks in Linux's order (aspace_mmap).
 *
 * read, write, pread64, pwrite64, lseek and fstat on a memfd are not
 * implemented: read and write are -EBADF on it (syscall_io.c sees no
 * console), the others -ENOSYS.
 *
 * Context: syscall, the calling thread on its CPU, interrupts on.
 */
#include <errno.h>
#include <stdint.h>

#include <arch/trapframe.h>
#include <kernel/fd.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <mm/aspace.h>
#include <mm/mfile.h>
#include <mm/mman.h>
#include <uapi/linux_abi.h>

#define PAGE 4096ull

#define MFD_KNOWN (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)
#define MFD_HUGE_BITS ((unsigned)MFD_HUGE_MASK << MFD_HUGE_SHIFT)

/* Linux's sanitize_flags. */
static long memfd_flags_check(unsigned flags)
{
	unsigned known = MFD_KNOWN | (flags & MFD_HUGETLB ? MFD_HUGE_BITS : 0);

	if (flags & ~known)
		return -EINVAL;
	if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
		return -EINVAL;
	return 0;
}

long sys_memfd_create(struct trapframe *tf)
{
	unsigned flags = (unsigned)tf->rsi;
	char name[MFD_NAME_MAX_LEN + 1];
	struct mfile *f;
	long rc = memfd_flags_check(flags);

	if (rc != 0)
		return rc;
	rc = strncpy_from_user(name, tf->rdi, sizeof(name));
	if (rc < 0)
		return rc;
	if (rc > MFD_NAME_MAX_LEN)
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -ENOSYS;
	f = mfile_create_memfd(proc_current_aspace());
	if (f == NULL)
		return -ENOMEM;
	rc = fd_install(proc_current_files(), f);
	if (rc < 0)
		mfile_put(f);
	return rc;
}

long sys_ftruncate(struct trapframe *tf)
{
	struct fd_table *files = proc_current_files();
	unsigned fd = (unsigned)tf->rdi;
	uint64_t length = tf->rsi;
	struct mfile *f;
	long rc;

	if ((int64_t)length < 0)
		return -EINVAL;
	f = fd_file(files, fd);
	if (f == NULL)
		return fd_console(files, fd) ? -EINVAL : -EBADF;
	rc = aspace_ftruncate(proc_current_aspace(), f, length);
	mfile_put(f);
	return rc;
}

long sys_close(struct trapframe *tf)
{
	return fd_close(proc_current_files(), (unsigned)tf->rdi);
}

long sys_mmap(struct trapframe *tf)
{
	struct fd_table *files = proc_current_files();
	uint64_t len = tf->rsi, flags = tf->r10, off = tf->r9;
	unsigned fd = (unsigned)tf->r8;
	struct mfile *f;
	long rc;

	if (flags & MAP_ANONYMOUS)
		return aspace_mmap(proc_current_aspace(), tf->rdi, len, tf->rdx, flags, -1, off);
	f = fd_file(files, fd);
	if (f != NULL) {
		rc = aspace_mmap_file(proc_current_aspace(), tf->rdi, len, tf->rdx, flags, f, off);
		mfile_put(f);
		return rc;
	}
	if (fd_console(files, fd) && off % PAGE == 0)
		return len == 0 || (flags & MAP_HUGETLB) || (flags & MAP_TYPE) == 0 ||
				       (flags & MAP_TYPE) > MAP_SHARED_VALIDATE
			       ? -EINVAL
			       : -EACCES;
	return aspace_mmap(proc_current_aspace(), tf->rdi, len, tf->rdx, flags, (int)fd, off);
}
