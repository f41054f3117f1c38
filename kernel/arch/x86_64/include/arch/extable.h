/*
 * Exception-table fix-ups: kernel code that may touch a bad address marks
 * the instruction, and a fault there resumes at a fix-up address instead
 * of panicking. Used by the probes below (self-tests of unmapping and
 * permissions) and by the user-copy routines of the system-call layer.
 *
 * Each entry pairs the address of an instruction that may fault with the
 * address to resume at; the fix-up code sets the error the caller sees.
 * Entries live in the __ex_table section, between __extable_start/_end.
 */
#ifndef ARCH_EXTABLE_H
#define ARCH_EXTABLE_H

#include <stdbool.h>
#include <stdint.h>

struct trapframe;

struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

/* If the trapping instruction has an entry, moves tf to its fix-up. */
bool extable_fixup(struct trapframe *tf);
/* Whether the instruction at rip has an entry. */
bool extable_has(uint64_t rip);

/* An entry for the instruction at label insn, resuming at label fixup
 * (for inline assembly). */
#define EXTABLE_ENTRY(insn, fixup)                \
	".pushsection __ex_table, \"a\"\n\t"      \
	".balign 8\n\t"                           \
	".quad " insn ", " fixup "\n\t"           \
	".popsection\n\t"

/* 0, or -EFAULT if the access faulted (a page fault or #GP). */
int probe_read_u64(const volatile void *addr, uint64_t *out);
int probe_write_u64(volatile void *addr, uint64_t val);

#endif
