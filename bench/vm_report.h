/*
 * bench/vm_report.h - what the system-call benchmark program
 * programs (bench/user/vm_bench.c, and will-it-scale's tests in
 * bench/user/wis.h) hand to the kernel's harness (bench/user_suite.c)
 * through tb_report(TB_REPORT_HISTOGRAM): plain C shared by both sides.
 *
 * Thread 0 sends VM_MARK_BEGIN right after the start barrier releases the
 * timed loops and VM_MARK_END after the end barrier; the harness reads the
 * TSC, the IPI and flush counters and the address space's shootdown rounds
 * at each, so the phase's wall time and counters exclude thread creation
 * and the warm-up. Then every thread sends one VM_HIST per operation kind
 * (VM_KINDS of them, an unused kind empty), with the operations it did of
 * that kind, timed or not: a program that samples times fewer than it
 * does, and throughput counts them all.
 */
#ifndef BENCH_VM_REPORT_H
#define BENCH_VM_REPORT_H

#include <stdint.h>

#include "hist.h"

#define VM_REPORT_MAGIC 0x766d6270u	/* "vmbp" */
#define VM_KINDS 2			/* operation kinds one suite times */

enum vm_report_type { VM_MARK_BEGIN = 1, VM_MARK_END = 2, VM_HIST = 3 };

struct vm_mark {
	uint32_t magic, type;
};

struct vm_hist {
	uint32_t magic, type;
	uint32_t kind, thread;	/* kind < VM_KINDS */
	uint64_t ops;		/* operations done, >= h.count */
	struct hist h;
};

#endif
