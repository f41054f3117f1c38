/*
 * SHOOTDOWN=sync (the baseline): one IPI round per changed page, each
 * waited for before the next, as in a kernel that shoots down inside its
 * unmap loop. Pages the batch recorded are flushed one by one; a batch
 * that overflowed its page list still costs one round per changed leaf,
 * each flushing the whole batch (the pages themselves were not kept). See
 * <mm/shootdown.h>.
 */
#include <mm/shootdown.h>

const char shootdown_variant[] = "sync";

static void flush_one_page(void *va)
{
	hal_flush_page_local((uintptr_t)va);
}

static void flush_batch_ipi(void *b)
{
	flush_batch_flush_local(b);
}

unsigned tlb_shootdown(struct flush_batch *b)
{
	unsigned rounds = 0;
	env_cpumask_t cpus;

	mapper_cpus(b->mapper, &cpus);
	if (!b->flush_all) {
		for (unsigned i = 0; i < b->npages; i++, rounds++)
			env_flush_ipi(&cpus, flush_one_page, (void *)b->pages[i]);
	} else {
		for (uint64_t i = 0; i < b->nleaves; i++, rounds++)
			env_flush_ipi(&cpus, flush_batch_ipi, b);
	}
	flush_batch_free(b);
	return rounds;
}
