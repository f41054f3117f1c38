/*
 * The kernel's own symbol table, for backtraces. The build links the kernel
 * twice: the second link embeds a sorted table of the text symbols of the
 * first (see the Makefile), placed after .data so no text address moves.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr, and addr's offset into it; NULL if
 * addr is outside the kernel text. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
