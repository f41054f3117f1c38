/*
 * test_libc_syscalls.c - the system calls a C library (musl) makes besides
 * memory management, as Linux x86_64 does them, bad arguments first:
 * arch_prctl (the FS and GS bases, read back and used through %fs/%gs),
 * set_tid_address, rt_sigprocmask, ioctl on the console, writev, readv,
 * and futex (WAIT, WAKE, REQUEUE; the wake at a CLONE_CHILD_CLEARTID
 * thread's exit). The cases with a second thread need two CPUs on the
 * testbed (clone says -EAGAIN on one) and check nothing otherwise.
 */
#include "thread.h"
#include "utest.h"

#define KERNEL_ADDR 0xffff800000000000ul
#define NONCANONICAL (1ul << 63)
#define SIGUSR1_BIT (1ul << (10 - 1))
#define SIGKILL_BIT (1ul << (9 - 1))
#define STACK_SIZE (64 * 1024)

struct iovec_k {
	uintptr_t base;
	long len;
};

struct timespec_k {
	long sec, nsec;
};

static long futex(void *uaddr, long op, long val, const void *timeout, void *uaddr2)
{
	return syscall6(SYS_futex, (long)uaddr, op, val, (long)timeout, (long)uaddr2, 0);
}

static bool on_linux(void)
{
	return tb_ncpus() == -ENOSYS;
}

/* An address in the user window with nothing mapped. */
static uintptr_t unmapped_page(void)
{
	long p = sys_mmap(0, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	sys_munmap((uintptr_t)p, PG);
	return (uintptr_t)p;
}

CASE(arch_prctl_bad, "arch_prctl: a base at or above TASK_SIZE_MAX is EPERM, an unknown code "
		     "EINVAL, a GET to an unwritable address EFAULT")
{
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, ARCH_SET_FS, 0x7ffffffff000ul), -EPERM);
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, ARCH_SET_FS, NONCANONICAL), -EPERM);
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, ARCH_SET_GS, KERNEL_ADDR), -EPERM);
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, 0x1fff, 0), -EINVAL);
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, ARCH_GET_FS, 0), -EFAULT);
	EXPECT_ERRNO(syscall2(SYS_arch_prctl, ARCH_GET_GS, KERNEL_ADDR), -EFAULT);
}

CASE(arch_prctl_bases, "arch_prctl: SET_FS/SET_GS take effect at once (%fs:0, %gs:0 read the "
		       "new base) and GET_FS/GET_GS read them back")
{
	static uint64_t fs_word = 0x1234, gs_word = 0x5678;
	uint64_t old_fs, old_gs, got, seen;

	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_GET_FS, &old_fs));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_GET_GS, &old_gs));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_SET_FS, &fs_word));
	__asm__ volatile("movq %%fs:0, %0" : "=r"(seen));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_GET_FS, &got));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_SET_FS, old_fs));
	EXPECT_EQ(seen, 0x1234);
	EXPECT_EQ(got, (uintptr_t)&fs_word);
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_SET_GS, &gs_word));
	__asm__ volatile("movq %%gs:0, %0" : "=r"(seen));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_GET_GS, &got));
	EXPECT_OK(syscall2(SYS_arch_prctl, ARCH_SET_GS, old_gs));
	EXPECT_EQ(seen, 0x5678);
	EXPECT_EQ(got, (uintptr_t)&gs_word);
}

CASE(set_tid_address, "set_tid_address returns the caller's tid, whatever the address")
{
	long tid = syscall0(SYS_gettid);

	EXPECT_EQ(syscall1(SYS_set_tid_address, KERNEL_ADDR), tid);
	EXPECT_EQ(syscall1(SYS_set_tid_address, 0), tid);
}

CASE(sigprocmask_bad, "rt_sigprocmask: a sigset size other than 8 is EINVAL, an unknown how "
		      "EINVAL (ignored without a set), an unreadable set or unwritable old set "
		      "EFAULT")
{
	uint64_t set = SIGUSR1_BIT;

	EXPECT_ERRNO(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 4, 0, 0), -EINVAL);
	EXPECT_ERRNO(syscall6(SYS_rt_sigprocmask, 7, (long)&set, 0, 8, 0, 0), -EINVAL);
	EXPECT_OK(syscall6(SYS_rt_sigprocmask, 7, 0, 0, 8, 0, 0));
	EXPECT_ERRNO(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, KERNEL_ADDR, 0, 8, 0, 0), -EFAULT);
	EXPECT_ERRNO(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, KERNEL_ADDR, 8, 0, 0), -EFAULT);
}

CASE(sigprocmask_mask, "rt_sigprocmask keeps the blocked set: BLOCK, UNBLOCK and SETMASK change "
		       "it, the old set is read back, SIGKILL is never blocked")
{
	uint64_t set = SIGUSR1_BIT | SIGKILL_BIT, old = 1, zero = 0;

	EXPECT_OK(syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&zero, (long)&old, 8, 0, 0));
	EXPECT_OK(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, (long)&old, 8, 0, 0));
	EXPECT_EQ(old, 0);
	EXPECT_OK(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&old, 8, 0, 0));
	EXPECT_EQ(old, SIGUSR1_BIT);
	EXPECT_OK(syscall6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, 8, 0, 0));
	EXPECT_OK(syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&old, 8, 0, 0));
	EXPECT_EQ(old, 0);
}

CASE(ioctl_console, "ioctl: a closed fd is EBADF; TIOCGWINSZ on stdout, no terminal here, "
		    "ENOTTY")
{
	unsigned short winsize[4];
	long r = syscall3(SYS_ioctl, 1, TIOCGWINSZ, winsize);

	EXPECT_ERRNO(syscall3(SYS_ioctl, 99, TIOCGWINSZ, winsize), -EBADF);
	if (on_linux() && r == 0)
		case_skipped("stdout is a terminal");
	else
		EXPECT_ERRNO(r, -ENOTTY);
}

CASE(writev_bad, "writev: a closed fd is EBADF (before the vector is looked at), more than 1024 "
		 "entries EINVAL, a negative length EINVAL (checked before any address), an "
		 "unreadable vector or a segment outside the user window EFAULT")
{
	struct iovec_k iov[2] = {{KERNEL_ADDR, 1}, {(uintptr_t)"x", -1}};

	EXPECT_ERRNO(syscall3(SYS_writev, 99, KERNEL_ADDR, 1), -EBADF);
	EXPECT_ERRNO(syscall3(SYS_writev, 1, iov, 1025), -EINVAL);
	EXPECT_ERRNO(syscall3(SYS_writev, 1, iov, 2), -EINVAL);
	EXPECT_ERRNO(syscall3(SYS_writev, 1, iov, 1), -EFAULT);
	EXPECT_ERRNO(syscall3(SYS_writev, 1, KERNEL_ADDR, 1), -EFAULT);
	EXPECT_EQ(syscall3(SYS_writev, 1, KERNEL_ADDR, 0), 0);
}

CASE(writev_writes, "writev writes its segments in order and returns the total; a segment on an "
		    "unmapped page ends it with the bytes written before (to a regular file; a "
		    "pipe gives EFAULT)")
{
	struct iovec_k iov[3] = {{(uintptr_t)"writev: ", 8}, {(uintptr_t)"segments\n", 9},
				 {unmapped_page(), 4}};
	long r;

	EXPECT_EQ(syscall3(SYS_writev, 1, iov, 2), 17);
	r = syscall3(SYS_writev, 1, iov, 3);
	if (on_linux() && r == -EFAULT)
		case_skipped("stdout is a pipe");
	else
		EXPECT_EQ(r, 17);
}

CASE(readv_closed, "readv and read on a closed fd are EBADF")
{
	char buf[4];
	struct iovec_k iov = {(uintptr_t)buf, 4};

	EXPECT_ERRNO(syscall3(SYS_readv, 99, &iov, 1), -EBADF);
	EXPECT_ERRNO(syscall3(SYS_read, 99, buf, 4), -EBADF);
}

CASE(futex_bad, "futex: a misaligned word EINVAL, one outside the user window EFAULT, an "
		"unknown op or FUTEX_CLOCK_REALTIME with WAIT or WAKE ENOSYS, a bad timeout "
		"EFAULT/EINVAL (read before the op is judged), negative REQUEUE counts EINVAL")
{
	static uint32_t word[2];
	struct timespec_k neg = {-1, 0}, big_ns = {0, 1000000000};
	char *w = (char *)word;

	EXPECT_ERRNO(futex(w + 1, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG), 0, NULL, NULL), -EINVAL);
	EXPECT_ERRNO(futex(w + 2, FUTEX_WAKE, 1, NULL, NULL), -EINVAL);
	EXPECT_ERRNO(futex((void *)KERNEL_ADDR, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL),
		     -EFAULT);
	EXPECT_ERRNO(futex(word, 99, 0, NULL, NULL), -ENOSYS);
	EXPECT_ERRNO(futex(word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL), -ENOSYS);
	EXPECT_ERRNO(futex(word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, NULL, NULL), -ENOSYS);
	EXPECT_ERRNO(futex(word, FUTEX_WAIT, 0, (void *)KERNEL_ADDR, NULL), -EFAULT);
	EXPECT_ERRNO(futex(word, FUTEX_WAIT, 0, &neg, NULL), -EINVAL);
	EXPECT_ERRNO(futex(word, FUTEX_WAIT, 0, &big_ns, NULL), -EINVAL);
	EXPECT_ERRNO(futex(word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &neg, NULL), -EINVAL);
	EXPECT_ERRNO(futex(word, FUTEX_REQUEUE, -1, NULL, word + 1), -EINVAL);
	EXPECT_ERRNO(futex(word, FUTEX_REQUEUE, 0, (void *)-1l, word + 1), -EINVAL);
}

CASE(futex_no_wait, "FUTEX_WAIT returns EAGAIN if the word differs, EFAULT if it is unmapped, "
		    "ETIMEDOUT when its timeout passes; WAKE with no waiter is 0, on an unmapped "
		    "word 0 when private, EFAULT when shared")
{
	static uint32_t word = 5;
	struct timespec_k ms = {0, 1000000};
	uintptr_t hole = unmapped_page();

	EXPECT_ERRNO(futex(&word, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG), 4, NULL, NULL), -EAGAIN);
	EXPECT_ERRNO(futex((void *)hole, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG), 0, NULL, NULL), -EFAULT);
	EXPECT_ERRNO(futex(&word, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG), 5, &ms, NULL), -ETIMEDOUT);
	EXPECT_EQ(futex(&word, FUTEX_WAKE, 1, NULL, NULL), 0);
	EXPECT_EQ(futex((void *)hole, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL), 0);
	EXPECT_ERRNO(futex((void *)hole, FUTEX_WAKE, 1, NULL, NULL), -EFAULT);
}

/* ---- With a second thread ---- */

static _Alignas(16) char stack[STACK_SIZE];
static uint32_t word_a, word_b;
static long waited; /* the waiter's futex result, once it has one */
static int waiting; /* set just before the waiter calls FUTEX_WAIT */

static void waiter(void *arg)
{
	(void)arg;
	__atomic_store_n(&waiting, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&waited, futex(&word_a, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG), 0, NULL, NULL),
			 __ATOMIC_RELEASE);
}

/* Starts waiter and returns once it is about to wait; false if it could
 * not start (the case then does nothing: on one CPU, with a note;
 * otherwise clone's error is the case's failure). */
static bool start_waiter(struct thread *t, long *r)
{
	word_a = word_b = 0;
	waiting = 0;
	waited = 1;
	*r = thread_create(t, waiter, NULL, stack, sizeof(stack));
	if (*r == -EAGAIN)
		printf("note: one CPU, no second thread: the case checks nothing\n");
	if (*r <= 0)
		return false;
	while (!__atomic_load_n(&waiting, __ATOMIC_ACQUIRE))
		cpu_relax();
	return true;
}

/* Waits for t's end on the CLONE_CHILD_CLEARTID word, in FUTEX_WAIT:
 * returns only if the kernel wakes it (or the word changed first). */
static void join_by_futex(struct thread *t)
{
	int tid;

	while ((tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) != 0)
		futex(&t->tid, FUTEX_WAIT, tid, NULL, NULL);
}

CASE(futex_wake_one, "FUTEX_WAKE wakes a thread blocked in FUTEX_WAIT (it returns 0, the wake 1); "
		     "a CLONE_CHILD_CLEARTID thread's exit zeroes and wakes its tid word")
{
	struct thread t;
	long n;

	if (!start_waiter(&t, &n)) {
		EXPECT_TRUE(n == -EAGAIN);
		return;
	}
	while ((n = futex(&word_a, (FUTEX_WAKE | FUTEX_PRIVATE_FLAG), 1, NULL, NULL)) == 0)
		cpu_relax(); /* until it sleeps: the word stays 0, so it must */
	join_by_futex(&t);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(waited, 0);
}

CASE(futex_requeue, "FUTEX_REQUEUE moves a waiter to another word (returns 1); a wake of the "
		    "first word then finds nobody, a wake of the second wakes it")
{
	struct thread t;
	long n;

	if (!start_waiter(&t, &n)) {
		EXPECT_TRUE(n == -EAGAIN);
		return;
	}
	while ((n = futex(&word_a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)1l, &word_b)) ==
	       0)
		cpu_relax();
	EXPECT_EQ(n, 1);
	EXPECT_EQ(futex(&word_a, (FUTEX_WAKE | FUTEX_PRIVATE_FLAG), 1, NULL, NULL), 0);
	EXPECT_EQ(futex(&word_b, (FUTEX_WAKE | FUTEX_PRIVATE_FLAG), 1, NULL, NULL), 1);
	join_by_futex(&t);
	EXPECT_EQ(waited, 0);
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
