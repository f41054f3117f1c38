/*
 * SHOOTDOWN=batched (the default): the whole flush batch travels in one
 * IPI round. Every target runs flush_batch_flush_local on the shared,
 * read-only batch (per-page invlpg, or a full flush past the ceiling) while
 * the initiator flushes its own TLB; the tables and frames are freed once
 * all have acknowledged. See <mm/shootdown.h>.
 */
#include <mm/shootdown.h>

const char shootdown_variant[] = "batched";

static void flush_batch_ipi(void *b)
{
	flush_batch_flush_local(b);
}

unsigned tlb_shootdown(struct flush_batch *b)
{
	unsigned rounds = 0;

	if (flush_batch_needs_flush(b)) {
		env_cpumask_t cpus;

		mapper_cpus(b->mapper, &cpus);
		env_flush_ipi(&cpus, flush_batch_ipi, b);
		rounds = 1;
	}
	flush_batch_free(b);
	return rounds;
}
