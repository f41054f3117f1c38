/*
 * The console calls: write and writev on fds 1 and 2 until they are
 * closed (both the serial console, write-only; kernel/fd.c), and what a C
 * library's stdio asks of them besides: ioctl (is it a terminal?) and
 * reads. Every other open descriptor is a memfd, on which these calls
 * are not implemented: -EBADF, as for a closed one.
 *
 * Output goes through proc_console_write, which prints it and copies it
 * to the launcher's buffer (proc_result.out). The console behaves like a
 * pipe in that it is no terminal (every ioctl is -ENOTTY, so stdio
 * buffers fully); a write that faults part-way returns the bytes written
 * before the fault, as Linux's regular files do (a pipe there would throw
 * away the page it was filling and return -EFAULT). Checks are Linux's, in its order: the fd first
 * (-EBADF), then the arguments.
 *
 * Context: syscall, the calling thread on its CPU, interrupts on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/trapframe.h>
#include <arch/usermode.h>
#include <kernel/fd.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <uapi/linux_abi.h>

#define CHUNK 512    /* bytes copied and printed at a time */
#define FAST_IOV 8   /* iovec entries kept on the stack (Linux's UIO_FASTIOV) */

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

static bool console_fd(unsigned fd)
{
	return fd_console(proc_current_files(), fd);
}

/* Bytes written, fewer if a page of buf faults; -EFAULT if the first does. */
static long console_write(uintptr_t buf, uint64_t count)
{
	char chunk[CHUNK];
	uint64_t done = 0;

	while (done < count) {
		uint64_t n = count - done < CHUNK ? count - done : CHUNK;
		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		proc_console_write(chunk, n);
		done += n;
	}
	return (long)done;
}

long sys_write(struct trapframe *tf)
{
	uintptr_t buf = tf->rsi;
	uint64_t count = tf->rdx;

	if (!console_fd((unsigned)tf->rdi))
		return -EBADF;
	if (!user_range_ok(buf, count))
		return -EFAULT;
	return console_write(buf, count);
}

/* Linux's import_iovec: every length is checked (-EINVAL if negative as
 * a ssize_t) before any range (-EFAULT outside the user window). */
static long check_iov(const struct iovec_user *iov, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if ((int64_t)iov[i].len < 0)
			return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		if (!user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
	return 0;
}

static long write_iov(const struct iovec_user *iov, uint64_t n)
{
	long done = 0;

	for (uint64_t i = 0; i < n; i++) {
		long rc = console_write(iov[i].base, iov[i].len);
		if (rc < 0)
			return done ? done : rc;
		done += rc;
		if ((uint64_t)rc < iov[i].len)
			break;
	}
	return done;
}

long sys_writev(struct trapframe *tf)
{
	uintptr_t uvec = tf->rsi;
	uint64_t n = tf->rdx;
	struct iovec_user fast[FAST_IOV], *iov = fast;
	long rc;

	if (!console_fd((unsigned)tf->rdi))
		return -EBADF;
	if (n > UIO_MAXIOV)
		return -EINVAL;
	if (n == 0)
		return 0; /* the vector is not looked at, as Linux */
	if (n > FAST_IOV) {
		iov = kmalloc(n * sizeof(*iov), GFP_KERNEL);
		if (!iov)
			return -ENOMEM;
	}
	/* One copy of the vector: what is checked is what is written. */
	rc = copy_from_user(iov, uvec, n * sizeof(*iov));
	if (rc == 0)
		rc = check_iov(iov, n);
	if (rc == 0)
		rc = write_iov(iov, n);
	if (iov != fast)
		kfree(iov);
	return rc;
}

/* read and readv: no fd is open for reading (there is no stdin, the
 * console's fds are write-only, and reading a memfd is not implemented),
 * so Linux's first check fails. */
long sys_read(struct trapframe *tf)
{
	(void)tf;
	return -EBADF;
}

/* The console is no terminal: every request, TIOCGWINSZ too, as on a pipe. */
long sys_ioctl(struct trapframe *tf)
{
	return console_fd((unsigned)tf->rdi) ? -ENOTTY : -EBADF;
}
