/*
 * Exception-table fix-ups (see arch/extable.h). The table is read-only and
 * small, so the lookup is a linear scan: it runs only on a fault, never on
 * a fast path. Any context.
 */
#include <errno.h>

#include <arch/extable.h>
#include <arch/trapframe.h>

extern const struct extable_entry __extable_start[], __extable_end[];

static const struct extable_entry *extable_find(uint64_t rip)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e;
	return 0;
}

bool extable_has(uint64_t rip)
{
	return extable_find(rip) != 0;
}

bool extable_fixup(struct trapframe *tf)
{
	const struct extable_entry *e = extable_find(tf->rip);

	if (e)
		tf->rip = e->fixup;
	return e != 0;
}

/* The fix-up sets the error and resumes after the access. */
int probe_read_u64(const volatile void *addr, uint64_t *out)
{
	int err = 0;
	uint64_t v;

	__asm__ volatile("1: movq (%2), %1\n\t"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n\t"
			 "3: movl %3, %0\n\t"
			 "xorl %k1, %k1\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t"
			 EXTABLE_ENTRY("1b", "3b")
			 : "+r"(err), "=&r"(v)
			 : "r"(addr), "i"(-EFAULT)
			 : "memory");
	*out = v;
	return err;
}

int probe_write_u64(volatile void *addr, uint64_t val)
{
	int err = 0;

	__asm__ volatile("1: movq %2, (%1)\n\t"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n\t"
			 "3: movl %3, %0\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t"
			 EXTABLE_ENTRY("1b", "3b")
			 : "+r"(err)
			 : "r"(addr), "r"(val), "i"(-EFAULT)
			 : "memory");
	return err;
}
