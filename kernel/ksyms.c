/*
 * Address-to-symbol lookup over the table that the build generates
 * (ksyms_count entries of {address, offset of the name in ksyms_names},
 * sorted by address). Binary search; read-only, any context.
 */
#include <stddef.h>

#include <kernel/ksyms.h>

struct ksym {
	uint64_t addr;
	uint64_t name_off;
};

extern const uint64_t ksyms_count;
extern const struct ksym ksyms_table[];
extern const char ksyms_names[];
extern char __text_start[], __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr < (uint64_t)(uintptr_t)__text_start || addr >= (uint64_t)(uintptr_t)__text_end ||
	    ksyms_count == 0 || addr < ksyms_table[0].addr)
		return NULL;
	size_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_table[lo].addr;
	return &ksyms_names[ksyms_table[lo].name_off];
}
