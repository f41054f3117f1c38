/*
 * The restart half of the restartable per-CPU sequences (arch/cpu_seq.h):
 * an interrupt from ring 0 whose return address lies inside a sequence
 * returns to the sequence's start. Called by trap_dispatch, with
 * interrupts off, before the handler runs; it only reads the table, which
 * the linker builds (.cpu_seq, between __cpu_seq_start and __cpu_seq_end).
 */
#include <arch/cpu_seq.h>
#include <arch/trapframe.h>
#include <kernel/percpu.h>

bool cpu_seq_fixup(struct trapframe *tf)
{
	for (const struct cpu_seq_range *r = __cpu_seq_start; r < __cpu_seq_end; r++)
		if (tf->rip - r->start < r->end - r->start) {
			tf->rip = r->start;
			this_cpu()->cpu_seq_restarts++;
			return true;
		}
	return false;
}
