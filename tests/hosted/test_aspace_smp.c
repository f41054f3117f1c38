/*
 * test_aspace_smp.c - one address space on several hosted CPUs (threads):
 * faults in parallel under the read lock (racing faults on one page map
 * it once), system calls under the write lock while other CPUs fault,
 * and shootdowns that reach exactly the CPUs running on the address
 * space. Built into the TSan runners too, which check the locking.
 */
#include <stdatomic.h>
#include <string.h>

#include <mm/shootdown.h>

#include "test_aspace.h"

#define NCPUS 4
#define FAULT_PAGES 256

struct smp_run {
	struct as_fixture *f;
	uintptr_t base;
	atomic_uint errors;
	atomic_uint done;
	atomic_uint faulted;
};

/* Each CPU runs on the address space for the duration of its work. */
static void enter(struct smp_run *r)
{
	env_irqflags_t irq = env_irq_save();

	mapper_switch(&r->f->kernel, aspace_mapper(r->f->as));
	env_irq_restore(irq);
}

static void leave(struct smp_run *r)
{
	env_irqflags_t irq = env_irq_save();

	mapper_switch(aspace_mapper(r->f->as), &r->f->kernel);
	env_irq_restore(irq);
}

static void fault_all(unsigned cpu, void *arg)
{
	struct smp_run *r = arg;

	enter(r);
	/* Every CPU faults every page, starting at a different one, so
	 * most pages are raced for; then each writes its own stripe. */
	for (unsigned i = 0; i < FAULT_PAGES; i++) {
		uintptr_t va = r->base + ((i + cpu * FAULT_PAGES / NCPUS) % FAULT_PAGES) * PG;

		int err = aspace_fault(r->f->as, va, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE);

		/* Spurious: a CPU that raced ahead mapped it. */
		if (err != 0 && err != ASPACE_FAULT_SPURIOUS)
			atomic_fetch_add(&r->errors, 1);
	}
	for (unsigned i = cpu; i < FAULT_PAGES; i += NCPUS)
		if (as_poke(r->f->as, r->base + i * PG + cpu, (unsigned char)(i + 1)) != 0)
			atomic_fetch_add(&r->errors, 1);
	leave(r);
}

TEST(aspace_parallel_faults_map_each_page_once)
{
	struct as_fixture f;
	struct smp_run r = { .f = &f };

	as_setup(&f);
	r.base = as_map(f.as, 0, FAULT_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	hosted_run_cpus(NCPUS, fault_all, &r);
	CHECK_EQ_U64(atomic_load(&r.errors), 0);
	CHECK_EQ_U64(as_resident(f.as), FAULT_PAGES);
	for (unsigned i = 0; i < FAULT_PAGES; i++)
		CHECK_EQ_U64(as_peek(f.as, r.base + i * PG + i % NCPUS), (unsigned char)(i + 1));
	struct aspace_stats st;
	aspace_stats(f.as, &st);
	CHECK_EQ_U64(st.faults, NCPUS * FAULT_PAGES);
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* CPU 0 maps, unmaps, protects and remaps a window over and over; the
 * others fault in it: every fault either resolves or finds no mapping or
 * no permission, and nothing breaks. */
#define CHURN_ROUNDS 200
#define CHURN_PAGES 16

static void churn(unsigned cpu, void *arg)
{
	struct smp_run *r = arg;
	struct aspace *as = r->f->as;
	unsigned seed = cpu * 7919 + 1;

	enter(r);
	if (cpu == 0) {
		/* At least CHURN_ROUNDS, and on until the others have seen
		 * some mapped pages (bounded: a broken fault path fails the
		 * test instead of hanging it). */
		for (unsigned i = 0; i < CHURN_ROUNDS || (atomic_load(&r->faulted) < NCPUS * 4 &&
							  i < 1000 * CHURN_ROUNDS);
		     i++) {
			long a = as_map(as, r->base, CHURN_PAGES * PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_FIXED | (i % 2 ? MAP_POPULATE : 0));

			if (a != (long)r->base ||
			    aspace_mprotect(as, r->base, CHURN_PAGES / 2 * PG, PROT_READ) != 0 ||
			    aspace_madvise(as, r->base, CHURN_PAGES * PG, MADV_DONTNEED) != 0 ||
			    aspace_munmap(as, r->base + (i % 3) * PG, 3 * PG) != 0)
				atomic_fetch_add(&r->errors, 1);
		}
		atomic_store(&r->done, 1);
	} else {
		while (!atomic_load(&r->done)) {
			seed = seed * 1103515245 + 12345;
			uintptr_t va = r->base + ((seed >> 8) % CHURN_PAGES) * PG;
			int err = aspace_fault(as, va, ASPACE_FAULT_USER | ((seed >> 4) & 1));

			if (err == 0 || err == ASPACE_FAULT_SPURIOUS)
				atomic_fetch_add(&r->faulted, 1);
			else if (err != -EFAULT && err != -EACCES)
				atomic_fetch_add(&r->errors, 1);
		}
	}
	leave(r);
}

TEST(aspace_syscalls_race_with_faults)
{
	struct as_fixture f;
	struct smp_run r = { .f = &f, .base = 0x50000000 };

	as_setup(&f);
	uint64_t flushes = atomic_load(&hosted_flush_page_count) +
			   atomic_load(&hosted_flush_all_count);
	hosted_run_cpus(NCPUS, churn, &r);
	CHECK_EQ_U64(atomic_load(&r.errors), 0);
	CHECK(atomic_load(&r.faulted) >= NCPUS * 4);
	struct aspace_stats st;
	aspace_stats(f.as, &st);
	CHECK(st.shootdown_rounds > 0);
	CHECK(atomic_load(&hosted_flush_page_count) + atomic_load(&hosted_flush_all_count) >
	      flushes);
	CHECK_ASPACE(f.as);
	CHECK(env_cpumask_empty(&aspace_mapper(f.as)->cpus));
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* The rounds of one munmap over pages every CPU may hold: one when
 * batched, one per page when sync; and the flushes reach exactly the
 * CPUs on the address space. */
struct round_run {
	struct smp_run r;
	atomic_uint phase;
	long result;
	uint64_t rounds, flushes;
};

static void unmap_while_others_run(unsigned cpu, void *arg)
{
	struct round_run *rr = arg;
	struct aspace *as = rr->r.f->as;

	if (cpu == NCPUS - 1)
		return;		/* never runs on the address space */
	enter(&rr->r);
	if (cpu == 0) {
		struct aspace_stats before, after;

		while (atomic_load(&rr->phase) != NCPUS - 2)
			env_cpu_relax();
		aspace_stats(as, &before);
		uint64_t f0 = atomic_load(&hosted_flush_page_count) +
			      atomic_load(&hosted_flush_all_count);
		rr->result = aspace_munmap(as, rr->r.base, 8 * PG);
		rr->flushes = atomic_load(&hosted_flush_page_count) +
			      atomic_load(&hosted_flush_all_count) - f0;
		aspace_stats(as, &after);
		rr->rounds = after.shootdown_rounds - before.shootdown_rounds;
		atomic_store(&rr->r.done, 1);
	} else {
		atomic_fetch_add(&rr->phase, 1);
		while (!atomic_load(&rr->r.done))
			env_cpu_relax();
	}
	leave(&rr->r);
}

TEST(aspace_munmap_shoots_down_once_per_call)
{
	struct as_fixture f;
	struct round_run rr = { .r = { .f = &f } };

	as_setup(&f);
	rr.r.base = as_map(f.as, 0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	hosted_run_cpus(NCPUS, unmap_while_others_run, &rr);
	CHECK_EQ_U64(rr.result, 0);
	bool sync = strcmp(shootdown_variant, "sync") == 0;
	CHECK_EQ_U64(rr.rounds, sync ? 8 : 1);
	/* 8 pages on the 3 CPUs that run on the address space. */
	CHECK_EQ_U64(rr.flushes, 3 * 8);
	CHECK_EQ_U64(as_resident(f.as), 0);
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* Every CPU runs its own random mmap / munmap / mprotect / mremap /
 * madvise on mappings of its own, checking its contents after each call,
 * while the others do the same: no call may disturb another CPU's
 * mappings, and afterwards the invariants hold and every frame and table
 * comes back. */
#define MT_SLOTS 6
#define MT_ITERS 400

struct mt_slot {
	uintptr_t addr;
	uint64_t pages;
	unsigned char tag;
};

static bool mt_holds(struct aspace *as, const struct mt_slot *s, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		if (as_peek(as, s->addr + i * PG + 5) != (unsigned char)(s->tag + i))
			return false;
	return true;
}

static void mt_fill(struct aspace *as, struct mt_slot *s, unsigned char tag)
{
	s->tag = tag;
	for (uint64_t i = 0; i < s->pages; i++)
		as_poke(as, s->addr + i * PG + 5, (unsigned char)(tag + i));
}

static void mt_worker(unsigned cpu, void *arg)
{
	struct smp_run *r = arg;
	struct aspace *as = r->f->as;
	struct mt_slot slot[MT_SLOTS] = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu + 1);
	unsigned bad = 0;

	enter(r);
	for (unsigned it = 0; it < MT_ITERS; it++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		struct mt_slot *s = &slot[seed % MT_SLOTS];
		uint64_t pages = 1 + (seed >> 8) % 12;
		unsigned op = (seed >> 16) % 5;
		unsigned char tag = (unsigned char)(seed >> 24);

		if (s->addr == 0) {
			bool fixed = (seed >> 32) & 1;
			uintptr_t want = 0x300000000000ull + cpu * (1ull << 30) + (s - slot) * 8 * MIB;
			long a = as_map(as, fixed ? want : 0, pages * PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | (fixed ? MAP_FIXED_NOREPLACE : 0) |
						((seed >> 33) & 1 ? MAP_POPULATE : 0));
			if (a <= 0 || (fixed && a != (long)want)) {
				bad++;
				continue;
			}
			*s = (struct mt_slot){ (uintptr_t)a, pages, 0 };
			mt_fill(as, s, tag);
			continue;
		}
		if (op == 0) {
			bad += aspace_munmap(as, s->addr, s->pages * PG) != 0;
			s->addr = 0;
		} else if (op == 1) {
			bad += aspace_mprotect(as, s->addr, s->pages * PG, PROT_READ) != 0;
			bad += aspace_fault(as, s->addr, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE) !=
			       -EACCES;
			bad += !mt_holds(as, s, s->pages);
			bad += aspace_mprotect(as, s->addr, s->pages * PG,
					       (seed >> 40) & 1 ? PROT_NONE : PROT_READ | PROT_WRITE) != 0;
			bad += aspace_mprotect(as, s->addr, s->pages * PG, PROT_READ | PROT_WRITE) != 0;
			bad += !mt_holds(as, s, s->pages);
		} else if (op == 2) {
			long a = aspace_mremap(as, s->addr, s->pages * PG, pages * PG, MREMAP_MAYMOVE, 0);

			if (a <= 0) {
				bad++;
				continue;
			}
			s->addr = (uintptr_t)a;
			bad += !mt_holds(as, s, pages < s->pages ? pages : s->pages);
			s->pages = pages;
			mt_fill(as, s, tag);
		} else if (op == 3) {
			bad += aspace_madvise(as, s->addr, s->pages * PG, MADV_DONTNEED) != 0;
			bad += as_peek(as, s->addr + 5) != 0;
			mt_fill(as, s, tag);
		} else {
			bad += !mt_holds(as, s, s->pages);
		}
	}
	for (unsigned i = 0; i < MT_SLOTS; i++)
		if (slot[i].addr != 0 && (cpu & 1))
			bad += aspace_munmap(as, slot[i].addr, slot[i].pages * PG) != 0;
	atomic_fetch_add(&r->errors, bad);
	leave(r);
}

TEST(aspace_concurrent_syscalls_keep_each_cpus_memory)
{
	struct as_fixture f;
	struct smp_run r = { .f = &f };

	as_setup(&f);
	hosted_run_cpus(NCPUS, mt_worker, &r);
	CHECK_EQ_U64(atomic_load(&r.errors), 0);
	CHECK_ASPACE(f.as);
	CHECK(as_nvmas(f.as) > 0);	/* the even CPUs left theirs for destroy */
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}
