/*
 * Cross-CPU TLB shootdown, for whichever SHOOTDOWN variant is built in,
 * on kernel mappings that every CPU has used:
 *   - unmap: every CPU reads a page (so its TLB holds the translation), one
 *     CPU unmaps it and shoots down; once that returns, a probe on every CPU
 *     faults. Under TCG each vCPU keeps its own TLB, so a missing flush is
 *     seen as a probe that still succeeds. Each round does this for
 *     UNMAP_PAGES pages at once, each unmapped with its own shootdown, from
 *     a different CPU every round; thousands of shootdowns in all.
 *   - protect: after write permission is removed, a write probe faults on
 *     every CPU while reads still work;
 *   - concurrent shootdowns from all CPUs at once finish (no deadlock);
 *   - the IPIs sent for a 64-page unmap: one round with batched, 64 with
 *     sync.
 */
#include <errno.h>
#include <string.h>

#include <arch/extable.h>
#include <arch/paging.h>
#include <arch/tsc.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/errno_name.h>
#include <mm/mapper.h>
#include <mm/gfp.h>
#include <mm/shootdown.h>

#include "probe_expect.h"

#define TEST_VA 0xffffc90000000000ull
#define PAGE 4096ull
/* Rounds split by CPU count: each round is three cross-CPU calls, and with
 * more vCPUs than host cores (TCG) those cost host time slices (about 8 ms
 * a round at 4 vCPUs on 2 cores, 30 ms at 8); pages per round make the
 * shootdowns checked many more than the rounds. */
#define UNMAP_ROUNDS (1200 / smp_cpus_online)
#define UNMAP_PAGES 16
/* Where every IPI traps to a software hypervisor (kvm_pvm) a round costs
 * far more: past this many seconds the test stops early, with at least
 * UNMAP_MIN_ROUNDS done, and says how many it did. */
#define UNMAP_SECONDS 40
#define UNMAP_MIN_ROUNDS 50
#define CONCURRENT_ROUNDS (800 / smp_cpus_online)
#define COUNT_PAGES 64

static void map_page(uintptr_t va, uint64_t phys, unsigned flags)
{
	int rc = mapper_map(kernel_mapper(), va, phys, PAGE, PAGE, flags);
	if (rc)
		selftest_fail("mapper_map(%#lx) = %d (%s)", (unsigned long)va, rc, errno_name(-rc));
}

static void unmap_each_page(void *arg)
{
	const struct probe_expect *range = arg;

	for (unsigned i = 0; i < range->pages; i++)
		tlb_unmap(kernel_mapper(), range->va + i * PAGE, PAGE, NULL);
}

SELFTEST(shootdown_unmap_then_every_cpu_faults)
{
	unsigned long frame = get_zeroed_page(GFP_KERNEL);
	unsigned rounds = 0;
	cpumask_t initiator;

	ST_CHECK(frame != 0);
	struct probe_expect mapped = { TEST_VA, UNMAP_PAGES, false, true };
	struct probe_expect gone = { TEST_VA, UNMAP_PAGES, false, false };

	const uint64_t deadline = tsc_read() + UNMAP_SECONDS * tsc_hz;

	for (; rounds < UNMAP_ROUNDS && !selftest_failed_here(); rounds++) {
		if (rounds >= UNMAP_MIN_ROUNDS && tsc_read() > deadline)
			break;
		for (unsigned p = 0; p < UNMAP_PAGES; p++)
			map_page(TEST_VA + p * PAGE, frame - DIRECT_MAP_BASE,
				 MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);
		on_each_cpu(probe_expect_check, &mapped);
		cpumask_clear(&initiator);
		cpumask_set(&initiator, rounds % smp_cpus_online);
		on_cpus(&initiator, unmap_each_page, &mapped);
		on_each_cpu(probe_expect_check, &gone);
	}
	kprintf("shootdown: %u unmaps checked on %u CPUs, initiated by each in turn\n",
		rounds * UNMAP_PAGES, smp_cpus_online);
	free_page(frame);
}

SELFTEST(shootdown_protect_then_every_cpu_write_faults)
{
	unsigned long frame = get_zeroed_page(GFP_KERNEL);
	struct flush_batch b;

	ST_CHECK(frame != 0);
	map_page(TEST_VA, frame - DIRECT_MAP_BASE, MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);
	on_each_cpu(probe_expect_check, &(struct probe_expect){ TEST_VA, 1, true, true });
	flush_batch_init(&b, kernel_mapper(), false);
	ST_CHECK_EQ(mapper_protect(kernel_mapper(), TEST_VA, PAGE, MAPPER_NX | MAPPER_GLOBAL, &b), 1);
	tlb_shootdown(&b);
	on_each_cpu(probe_expect_check, &(struct probe_expect){ TEST_VA, 1, true, false });
	on_each_cpu(probe_expect_check, &(struct probe_expect){ TEST_VA, 1, false, true });
	tlb_unmap(kernel_mapper(), TEST_VA, PAGE, NULL);
	free_page(frame);
}

static void concurrent_worker(void *arg)
{
	(void)arg;
	uintptr_t va = TEST_VA + 0x100000ull * (this_cpu_id() + 1);
	unsigned long frame = get_zeroed_page(GFP_KERNEL);
	uint64_t v;

	if (!frame) {
		selftest_fail("no frame");
		return;
	}
	for (unsigned i = 0; i < CONCURRENT_ROUNDS && !selftest_failed_here(); i++) {
		map_page(va, frame - DIRECT_MAP_BASE, MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);
		if (probe_read_u64((void *)va, &v) != 0)
			selftest_fail("own page %#lx not readable", (unsigned long)va);
		tlb_unmap(kernel_mapper(), va, PAGE, NULL);
		if (probe_read_u64((void *)va, &v) != -EFAULT)
			selftest_fail("own page %#lx still readable after its shootdown",
				      (unsigned long)va);
	}
	free_page(frame);
}

SELFTEST(shootdown_concurrent_from_every_cpu)
{
	on_each_cpu(concurrent_worker, NULL);
}

SELFTEST(shootdown_ipi_rounds_for_64_pages)
{
	static unsigned long frames[COUNT_PAGES];
	const bool sync = strcmp(shootdown_variant, "sync") == 0;
	unsigned n = smp_cpus_online;

	for (unsigned i = 0; i < COUNT_PAGES; i++) {
		frames[i] = get_zeroed_page(GFP_KERNEL);
		ST_CHECK(frames[i] != 0);
		map_page(TEST_VA + i * PAGE, frames[i] - DIRECT_MAP_BASE,
			 MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);
	}
	uint64_t sent = atomic_load(&this_cpu()->ipis_sent);
	unsigned rounds;
	tlb_unmap(kernel_mapper(), TEST_VA, COUNT_PAGES * PAGE, &rounds);
	sent = atomic_load(&this_cpu()->ipis_sent) - sent;
	for (unsigned i = 0; i < COUNT_PAGES; i++)
		free_page(frames[i]);
	ST_CHECK_EQ(rounds, sync ? COUNT_PAGES : 1);
	ST_CHECK_EQ(sent, (uint64_t)rounds * (n - 1));
}
