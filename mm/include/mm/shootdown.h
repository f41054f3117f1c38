/*
 * <mm/shootdown.h> - cross-CPU TLB shootdown: the policy that finishes a
 * flush batch (<mm/mapper.h>) on every CPU that may hold the translations it
 * changed (its mapper's CPU set), over the environment's flush IPIs
 * (env_flush_ipi). Variants,
 * chosen at build time (SHOOTDOWN=...):
 *   batched  mm/shootdown_batched.c  one IPI round per batch, carrying the
 *            whole batch (its pages, or a full flush past the ceiling);
 *   sync     mm/shootdown_sync.c     one IPI round per changed page, as a
 *            naive kernel that flushes inside its unmap loop would.
 * Either way the batch's page tables and frames are freed only after every
 * target has flushed.
 *
 * Context: any CPU, interrupts on or off; no lock may be held that a flush
 * handler could need (handlers take none). Concurrent shootdowns from
 * several CPUs are fine: the environment serves incoming requests while it
 * waits.
 */
#ifndef MM_SHOOTDOWN_H
#define MM_SHOOTDOWN_H

#include <mm/env.h>
#include <mm/mapper.h>

extern const char shootdown_variant[];

/* Flushes b on every CPU that may hold its mapper's translations
 * (mapper_cpus, the caller included when it is one of them), then frees
 * b's tables and frames and resets it. Returns the number of IPI rounds it
 * took (0 if b needed no flush). */
unsigned tlb_shootdown(struct flush_batch *b);

/* The whole sequence for a caller with one range and nothing else to
 * batch: unmaps [va, va + size) of m (frames are the caller's) and shoots
 * it down. Returns mapper_unmap's result; with rounds, the IPI rounds. */
static inline int64_t tlb_unmap(struct mapper *m, uintptr_t va, uint64_t size, unsigned *rounds)
{
	struct flush_batch b;

	flush_batch_init(&b, m, false);
	int64_t unmapped = mapper_unmap(m, va, size, &b);
	unsigned r = tlb_shootdown(&b);
	if (rounds)
		*rounds = r;
	return unmapped;
}

#endif
