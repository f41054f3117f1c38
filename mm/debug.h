/*
 * mm/debug.h - the debug mode of the memory-management stack.
 *
 * MM_DEBUG is a compile-time constant, 0 or 1, set by the build
 * (-DMM_DEBUG=1). Checks are written as ordinary code guarded by it,
 *
 *	if (MM_DEBUG && page_is_bad(page))
 *		env_panic(...);
 *
 * so that both modes are compiled and type-checked, and the compiler
 * removes the checks entirely when MM_DEBUG is 0: debugging is a mode of
 * the same code, never a fork of it (illumos kmem's KMF_* flags, made
 * static). No #ifdef MM_DEBUG inside function bodies.
 *
 * Poisoning: free memory is filled with a pattern, and the pattern is
 * checked when the memory is handed out again, so a write through a
 * dangling pointer is caught at the next allocation rather than never.
 */
#ifndef MM_DEBUG_H
#define MM_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#ifndef MM_DEBUG
#define MM_DEBUG 0
#endif

_Static_assert(MM_DEBUG == 0 || MM_DEBUG == 1, "MM_DEBUG must be 0 or 1");

/*
 * Held-lock and context assertions (Linux's lockdep_assert_held and
 * lockdep_assert_irqs_disabled, without lockdep): free unless MM_DEBUG.
 * A ticket lock does not know its holder, so a held-lock assertion checks
 * that the lock is taken, not by whom: a missing lock is still caught
 * whenever nobody else happens to hold it. The order in which locks nest
 * is in mm/README.md. The caller includes "env.h".
 */
#define MM_ASSERT_SPIN_HELD(l)                                                          \
	do {                                                                            \
		if (MM_DEBUG && !env_spin_is_locked(l))                                 \
			env_panic("mm: %s without %s held", __func__, #l);              \
	} while (0)
#define MM_ASSERT_IRQS_OFF()                                                            \
	do {                                                                            \
		if (MM_DEBUG && !env_irqs_disabled())                                   \
			env_panic("mm: %s with interrupts on", __func__);               \
	} while (0)

/* Linux's PAGE_POISON: fills free frames. */
#define MM_POISON_FREE_PAGE 0xaau

/* The first byte of [p, p + len) that is not `pattern`, or NULL. */
static inline const void *mm_poison_find(const void *p, size_t len, uint8_t pattern)
{
	typedef uint64_t __attribute__((may_alias)) word_t;
	const unsigned char *b = p;
	size_t i = 0;

	/* A word at a time where aligned: this runs over whole frames. */
	if (((uintptr_t)b & 7) == 0) {
		word_t word = 0x0101010101010101ull * pattern;

		for (; i + 8 <= len; i += 8) {
			if (*(const word_t *)(b + i) != word)
				break;
		}
	}
	for (; i < len; i++) {
		if (b[i] != pattern)
			return b + i;
	}
	return NULL;
}

#endif
