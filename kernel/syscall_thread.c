/*
 * The calls a C library makes to set up and synchronise its threads:
 * arch_prctl (the TLS pointer in FS, and GS), set_tid_address,
 * rt_sigprocmask and futex, with Linux's x86_64 semantics and errno, its
 * checks in its order.
 *
 * The thread's state lives in kernel/proc.c (FS and GS bases, the
 * address to clear at exit, the blocked-signal set); the futex wait
 * queues in kernel/futex.c. This layer decodes arguments and moves data
 * across the user boundary.
 *
 * No signal is ever delivered in this kernel, so rt_sigprocmask only
 * keeps the thread's mask, as Linux would, to be read back.
 *
 * Context: syscall, the calling thread on its CPU, interrupts on; a futex
 * wait sleeps on the CPU until woken (kernel/futex.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <arch/trapframe.h>
#include <arch/tsc.h>
#include <arch/usermode.h>
#include <kernel/futex.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <uapi/linux_abi.h>

#define NSEC_PER_SEC 1000000000ull
/* Longer waits (194 days) are forever: below it seconds times tsc_hz
 * cannot overflow, for any TSC under 32 GHz. */
#define TIMEOUT_SEC_MAX (1ull << 24)

#define SIGKILL_BIT (1ull << (9 - 1))  /* sigmask(SIGKILL) */
#define SIGSTOP_BIT (1ull << (19 - 1)) /* sigmask(SIGSTOP) */

long sys_arch_prctl(struct trapframe *tf)
{
	uint64_t code = tf->rdi, addr = tf->rsi, base;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_HI)
			return -EPERM; /* a base the kernel would not load, as Linux */
		proc_set_seg_base(code == ARCH_SET_GS, addr);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		base = proc_seg_base(code == ARCH_GET_GS);
		return copy_to_user(addr, &base, sizeof(base)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(struct trapframe *tf)
{
	return proc_set_tid_address(tf->rdi);
}

long sys_rt_sigprocmask(struct trapframe *tf)
{
	uint64_t how = tf->rdi, *mask = proc_sigmask(), old = *mask, set;
	uintptr_t uset = tf->rsi, uold = tf->rdx;

	if (tf->r10 != sizeof(*mask))
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		set &= ~(SIGKILL_BIT | SIGSTOP_BIT); /* never blocked */
		switch ((int)how) {
		case SIG_BLOCK: *mask |= set; break;
		case SIG_UNBLOCK: *mask &= ~set; break;
		case SIG_SETMASK: *mask = set; break;
		default: return -EINVAL;
		}
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* FUTEX_WAIT's timeout: relative, a struct timespec; the TSC deadline. */
static long futex_deadline(uintptr_t utime, uint64_t *deadline)
{
	struct {
		int64_t sec, nsec;
	} ts;
	uint64_t ticks;

	if (copy_from_user(&ts, utime, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || (uint64_t)ts.nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.sec >= TIMEOUT_SEC_MAX)
		return 0; /* *deadline stays FUTEX_FOREVER */
	ticks = (uint64_t)ts.sec * tsc_hz + (uint64_t)ts.nsec * (tsc_hz / 1000) / 1000000;
	*deadline = tsc_read() + ticks;
	return 0;
}

/* Linux's get_futex_key: aligned (-EINVAL), in the user window (-EFAULT);
 * a shared futex's page must also be there (Linux looks it up). */
static long futex_check(uintptr_t uaddr, bool private)
{
	uint32_t v;

	if (uaddr % sizeof(v))
		return -EINVAL;
	if (!user_range_ok(uaddr, sizeof(v)))
		return -EFAULT;
	if (!private && copy_from_user(&v, uaddr, sizeof(v)))
		return -EFAULT;
	return 0;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3): FUTEX_WAIT,
 * FUTEX_WAKE and FUTEX_REQUEUE, each with FUTEX_PRIVATE_FLAG or without;
 * any other op is -ENOSYS, and so is FUTEX_CLOCK_REALTIME with any of
 * these (Linux 6.18 refuses it with FUTEX_WAIT too: only its bitset and
 * PI waits, which are not here, take it). */
long sys_futex(struct trapframe *tf)
{
	uintptr_t uaddr = tf->rdi, utime = tf->r10, uaddr2 = tf->r8;
	int op = (int)tf->rsi, cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool private = op & FUTEX_PRIVATE_FLAG;
	uint64_t deadline = FUTEX_FOREVER;
	long rc;

	if (cmd == FUTEX_WAIT && utime) { /* read before the op is judged, as Linux */
		rc = futex_deadline(utime, &deadline);
		if (rc)
			return rc;
	}
	if (op & FUTEX_CLOCK_REALTIME)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		rc = futex_check(uaddr, private);
		return rc ? rc : futex_wait(proc_current_aspace(), uaddr, (uint32_t)tf->rdx, deadline);
	case FUTEX_WAKE:
		rc = futex_check(uaddr, private);
		/* Linux wakes one even when asked for none (or fewer). */
		return rc ? rc : futex_wake(proc_current_aspace(), uaddr,
					    (int)tf->rdx > 0 ? (int)tf->rdx : 1);
	case FUTEX_REQUEUE:
		if ((int)tf->rdx < 0 || (int)utime < 0)
			return -EINVAL;
		rc = futex_check(uaddr, private);
		if (rc == 0)
			rc = futex_check(uaddr2, private);
		return rc ? rc : futex_wake_requeue(proc_current_aspace(), uaddr, (int)tf->rdx,
						    uaddr2, (int)utime);
	default:
		return -ENOSYS;
	}
}
