/*
 * testbed.h - the testbed kernel's own system calls (1000 and up), for user
 * programs. The numbers, struct tb_vma and the access bits are in the
 * kernel's uapi header. On Linux every one of these returns -ENOSYS: a
 * program then skips the check that needs it and says so.
 */
#ifndef USER_TESTBED_H
#define USER_TESTBED_H

/* By path: -Iuser/include comes first, so <testbed.h> would be this file. */
#include "../../kernel/include/uapi/testbed.h"
#include "sys.h"

/* Number of VMAs of the address space (all of them); the first
 * min(count, max) are copied to buf in address order. */
static inline long tb_vmas(struct tb_vma *buf, uint64_t max)
{
	return syscall2(TB_SYS_VMAS, buf, max);
}

/* 0, or -EINVAL after the kernel printed which invariant is broken. */
static inline long tb_check(void)
{
	return syscall0(TB_SYS_CHECK);
}

/* Announces that the process is about to be killed by a fault at an
 * address in [lo, hi) with this access (TB_ACCESS_*, 0 = read). Programs
 * call expect_fault() (ulib.h), which also prints the announcement. */
static inline long tb_expect_fault(uintptr_t lo, uintptr_t hi, unsigned access)
{
	return syscall3(TB_SYS_EXPECT_FAULT, lo, hi, access);
}

/* Hands buf (at most TB_REPORT_MAX bytes) to the launcher's report callback
 * (TB_REPORT_* kinds): how benchmark programs deliver their histograms. */
static inline long tb_report(const void *buf, uint64_t len, uint64_t kind)
{
	return syscall3(TB_SYS_REPORT, buf, len, kind);
}

/* The CPU the calling thread runs on (threads are pinned). */
static inline long tb_cpu(void)
{
	return syscall0(TB_SYS_CPU);
}

/* The TSC frequency in Hz, to turn rdtsc deltas into time. */
static inline long tb_rdtsc_hz(void)
{
	return syscall0(TB_SYS_RDTSC_HZ);
}

/* How many threads the process can have at once (its CPUs). */
static inline long tb_ncpus(void)
{
	return syscall0(TB_SYS_NCPUS);
}

/* Announces that the process is about to be killed by signal sig (any
 * trap that raises it); 0 withdraws an announcement. Programs call
 * expect_signal() (hostile.h), which also prints it. */
static inline long tb_expect_signal(int sig)
{
	return syscall1(TB_SYS_EXPECT_SIGNAL, sig);
}

/* The machine's memory in pages: RAM, free frames, committed memory and
 * the overcommit policy (struct tb_meminfo). */
static inline long tb_meminfo(struct tb_meminfo *out)
{
	return syscall1(TB_SYS_MEMINFO, out);
}

#endif
