/*
 * uapi/testbed.h - the testbed's own system calls, shared by the kernel
 * (kernel/syscall.c) and user programs (user/include/testbed.h includes it
 * with -Ikernel/include/uapi). Plain C: nothing but <stdint.h>.
 *
 * Numbers start at 1000, far above Linux's x86_64 table, so on Linux every
 * one of them returns -ENOSYS and a program can skip what needs them.
 *
 *   1000 tb_vmas(struct tb_vma *buf, uint64_t max)  -> number of VMAs (all of
 *        them, even when more than max); the first min(count, max) are
 *        copied to buf in address order. -EFAULT on a bad buf.
 *   1001 tb_check()  -> 0, or -EINVAL after printing what is wrong with the
 *        address space (VMA tree invariants, PTEs outside VMAs ...).
 *   1002 tb_expect_fault(uint64_t lo, uint64_t hi, uint64_t access) -> 0:
 *        the program announces that it is about to be killed by a fault at
 *        an address in [lo, hi) with this access (TB_ACCESS_*); the kernel's
 *        self-test then checks that the kill report matches. -EINVAL if
 *        lo >= hi or access has unknown bits.
 *   1003 tb_report(const void *buf, uint64_t len, uint64_t kind) -> 0:
 *        copies in up to TB_REPORT_MAX bytes and hands them to the
 *        launcher's report callback (the benchmark harness's histograms).
 *        -EINVAL if len > TB_REPORT_MAX, -EFAULT on a bad buf, -ENOSYS if
 *        the launcher takes no reports.
 *   1004 tb_cpu()       -> the id of the CPU the calling thread runs on.
 *   1005 tb_rdtsc_hz()  -> TSC frequency in Hz.
 *   1006 tb_ncpus()     -> how many CPUs the process may run threads on
 *        (the main thread's included): the most threads it can have at once.
 *   1007 tb_expect_signal(uint64_t sig) -> 0: the program announces that it
 *        is about to be killed by signal sig (Linux's number), whatever the
 *        trap that raises it; the launcher then checks that it was. sig 0
 *        withdraws an announcement (of either kind): the program is to exit
 *        with status 0 after all. -EINVAL for a signal that no kill reports
 *        (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGKILL and SIGSEGV do).
 *   1008 tb_meminfo(struct tb_meminfo *out) -> 0: the machine's memory now,
 *        in pages (what /proc/meminfo says on Linux); -EFAULT on a bad out.
 */
#ifndef UAPI_TESTBED_H
#define UAPI_TESTBED_H

#include <stdint.h>

#define TB_SYS_VMAS         1000
#define TB_SYS_CHECK        1001
#define TB_SYS_EXPECT_FAULT 1002
#define TB_SYS_REPORT       1003
#define TB_SYS_CPU          1004
#define TB_SYS_RDTSC_HZ     1005
#define TB_SYS_NCPUS        1006
#define TB_SYS_EXPECT_SIGNAL 1007
#define TB_SYS_MEMINFO      1008

/* tb_meminfo's answer, in 4 KiB pages. */
struct tb_meminfo {
	uint64_t ram;			/* RAM the page allocator manages (MemTotal) */
	uint64_t free;			/* free frames (MemFree) */
	uint64_t committed;		/* Committed_AS */
	uint64_t commit_limit;		/* CommitLimit (enforced in mode 2) */
	uint64_t overcommit_mode;	/* vm.overcommit_memory: 0, 1 or 2 */
	uint64_t overcommit_ratio;	/* vm.overcommit_ratio */
};

/* One VMA as tb_vmas reports it: [start, end), PROT_* bits, and MAP_SHARED
 * or MAP_PRIVATE plus MAP_GROWSDOWN as the mapping was created. */
struct tb_vma {
	uint64_t start, end, prot, flags;
};

/* Access bits of tb_expect_fault (bit 1 and bit 4 of an x86 page-fault
 * error code): neither means a read. */
#define TB_ACCESS_WRITE (1u << 1)
#define TB_ACCESS_EXEC  (1u << 4)

/* Largest tb_report payload. */
#define TB_REPORT_MAX (1u << 20)

/* Report kinds of tb_report: what the payload is (the harness decides the
 * format of each kind). */
#define TB_REPORT_TEXT      0 /* text lines, printed as they are */
#define TB_REPORT_HISTOGRAM 1 /* a latency histogram for the bench dump */
#define TB_REPORT_CASES     2 /* names of the program's cases, one per line:
				 the launcher runs the program once per name,
				 with the name as its argument */

#endif
