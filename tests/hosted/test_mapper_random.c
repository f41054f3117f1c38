/*
 * test_mapper_random.c - long random sequences of map (4 KiB and 2 MiB),
 * unmap and protect against a reference model, on one CPU and on
 * MAPPER_CPUS hosted CPUs sharing one kernel mapper.
 *
 * The model is an array with one slot per 4 KiB page of a window of
 * virtual addresses (pa, flags, mapped, part of a large page). Each step
 * predicts the result of the operation (its errno or count) and how many
 * leaf entries it changes (so what the flush batch must hold), applies it
 * to the model, finishes the batch, and compares translate() for every
 * page of the window. Windows straddle a root entry or a 1 GiB boundary so
 * tables at every level come and go. On one CPU each step also counts the
 * tables by a raw walk (no table leaked, none empty). On several CPUs the
 * windows are disjoint but share the upper tables, so CPUs allocate and
 * free entries of the same tables at once.
 */
#include <errno.h>
#include <stdlib.h>

#include <mm/env.h>
#include <mm/mapper.h>
#include "mm_fixture.h"
#include "test.h"

#if defined(__SANITIZE_THREAD__)
#define MAPPER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MAPPER_TSAN 1
#endif
#endif

#define LARGE MAPPER_LARGE_PAGE_SIZE
#define PG HAL_PAGE_SIZE
#define PAGES_PER_LARGE (LARGE / PG)
#define MAPPER_CPUS 4
/* TSan makes every entry access a call: there the single-CPU runs check
 * the whole window every FULL_CHECK_EVERY steps (and the pages each step
 * worked on after every step), as they test no races anyway. */
#ifdef MAPPER_TSAN
#define CPU_STEPS 600
#define FULL_CHECK_EVERY 16
#else
#define CPU_STEPS 1000
#define FULL_CHECK_EVERY 1
#endif

/* Defined in test_mapper.c. */
uint64_t mapper_test_tables(const struct mapper *m);

struct slot {
	uint64_t pa;
	unsigned flags;
	bool mapped, large;
};

struct model {
	struct mapper *m;
	uintptr_t base;		/* 2 MiB aligned */
	unsigned npages;	/* a multiple of PAGES_PER_LARGE */
	struct slot *slots;
	uint64_t rng;
	unsigned s, n;		/* the pages the last step worked on */
	struct flush_batch b;
};

static uint64_t rnd(struct model *md)
{
	/* xorshift64* */
	md->rng ^= md->rng >> 12;
	md->rng ^= md->rng << 25;
	md->rng ^= md->rng >> 27;
	return md->rng * 0x2545f4914f6cdd1dull;
}

static void model_init(struct model *md, struct mapper *m, uintptr_t base, unsigned npages,
		       uint64_t seed)
{
	md->m = m;
	md->base = base;
	md->npages = npages;
	md->slots = calloc(npages, sizeof(md->slots[0]));
	md->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	flush_batch_init(&md->b, m, false);
}

static bool any_mapped(const struct model *md, unsigned s, unsigned n)
{
	for (unsigned i = s; i < s + n; i++) {
		if (md->slots[i].mapped)
			return true;
	}
	return false;
}

static void step_map(struct model *md, bool large)
{
	unsigned s, n, flags = (unsigned)rnd(md) & (MAPPER_WRITE | MAPPER_USER | MAPPER_NX |
						     MAPPER_NOCACHE | MAPPER_GLOBAL);
	uint64_t pa;

	if (large) {
		s = (unsigned)(rnd(md) % (md->npages / PAGES_PER_LARGE)) * PAGES_PER_LARGE;
		n = (unsigned)(1 + rnd(md) % 2) * PAGES_PER_LARGE;
		pa = (rnd(md) % (1u << 19)) * LARGE;
	} else {
		s = (unsigned)(rnd(md) % md->npages);
		n = (unsigned)(1 + rnd(md) % 24);
		pa = (rnd(md) % (1u << 28)) * PG;
	}
	if (n > md->npages - s)
		n = md->npages - s;
	md->s = s;
	md->n = n;
	int want = any_mapped(md, s, n) ? -EEXIST : 0;

	CHECK_EQ_U64(mapper_map(md->m, md->base + (uintptr_t)s * PG, pa, (uint64_t)n * PG,
				large ? LARGE : PG, flags), want);
	for (unsigned i = 0; want == 0 && i < n; i++)
		md->slots[s + i] = (struct slot){ pa + (uint64_t)i * PG, flags, true, large };
}

/* Unmap (protect false) or protect a random range, often whole large pages. */
static void step_change(struct model *md, bool protect)
{
	unsigned s = (unsigned)(rnd(md) % md->npages), n = (unsigned)(1 + rnd(md) % 1100);
	unsigned flags = (unsigned)rnd(md) & (MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);
	uint64_t count = 0, entries = 0;
	int64_t got;

	if (rnd(md) & 1) {
		s -= s % PAGES_PER_LARGE;
		n += (PAGES_PER_LARGE - n % PAGES_PER_LARGE) % PAGES_PER_LARGE;
	}
	if (n > md->npages - s)
		n = md->npages - s;
	md->s = s;
	md->n = n;
	uintptr_t va = md->base + (uintptr_t)s * PG;
	const struct slot *first = &md->slots[s], *last = &md->slots[s + n - 1];

	got = protect ? mapper_protect(md->m, va, (uint64_t)n * PG, flags, &md->b)
		      : mapper_unmap(md->m, va, (uint64_t)n * PG, &md->b);
	if ((first->mapped && first->large && s % PAGES_PER_LARGE != 0) ||
	    (last->mapped && last->large && (s + n) % PAGES_PER_LARGE != 0)) {
		CHECK_EQ_U64(got, -EINVAL);
		CHECK(!flush_batch_needs_flush(&md->b));
		return;
	}
	for (unsigned i = s; i < s + n; i++) {
		struct slot *sl = &md->slots[i];

		if (!sl->mapped)
			continue;
		count++;
		/* A large page is one entry, counted at its first slot. */
		if ((!sl->large || i % PAGES_PER_LARGE == 0) && (!protect || sl->flags != flags))
			entries++;
		if (protect)
			sl->flags = flags;
		else
			sl->mapped = false;
	}
	CHECK_EQ_U64(got, count);
	CHECK_EQ_U64(md->b.unmapped, protect ? 0 : count);
	CHECK_EQ_U64(md->b.flush_all, entries > flush_batch_ceiling);
	CHECK_EQ_U64(md->b.npages, entries > flush_batch_ceiling ? flush_batch_ceiling : entries);
}

/* translate() against the model for pages [s, s + n) of the window. */
static bool model_matches(struct model *md, unsigned s, unsigned n)
{
	for (unsigned i = s; i < s + n; i++) {
		const struct slot *sl = &md->slots[i];
		uintptr_t va = md->base + (uintptr_t)i * PG;
		struct mapper_translation t;
		int err = mapper_translate(md->m, va, &t);

		if (!sl->mapped ? err == -ENOENT
				: err == 0 && t.pa == sl->pa && t.flags == sl->flags &&
					  t.page_size == (sl->large ? LARGE : PG))
			continue;
		hosted_fail(__FILE__, __LINE__,
			    "va %#lx: translate %d pa %#llx flags %#x, model %s pa %#llx flags %#x",
			    (unsigned long)va, err, (unsigned long long)t.pa, err ? 0 : t.flags,
			    sl->mapped ? "mapped" : "unmapped", (unsigned long long)sl->pa,
			    sl->flags);
		return false;
	}
	return true;
}

/* One random step; checks the pages it worked on, or all of them. */
static bool model_step(struct model *md, bool check_all)
{
	unsigned op = (unsigned)(rnd(md) % 10);

	if (op < 4)
		step_map(md, false);
	else if (op < 6)
		step_map(md, true);
	else
		step_change(md, op == 9);
	flush_batch_finish_local(&md->b);
	return check_all ? model_matches(md, 0, md->npages) : model_matches(md, md->s, md->n);
}

/* Empties the window and frees the model. */
static void model_fini(struct model *md)
{
	CHECK(mapper_unmap(md->m, md->base, (uint64_t)md->npages * PG, &md->b) >= 0);
	flush_batch_finish_local(&md->b);
	free(md->slots);
}

static void random_run(uintptr_t base, uint64_t seed, unsigned steps)
{
	struct mapper m;
	struct model md;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&m) == 0);
	model_init(&md, &m, base, 4096, seed);
	for (unsigned i = 0; i < steps; i++) {
		if (!model_step(&md, i % FULL_CHECK_EVERY == 0))
			break;
		if (mapper_test_tables(&m) != m.tables_allocated - m.tables_freed) {
			hosted_fail(__FILE__, __LINE__, "seed %llu step %u: %llu tables, counted %llu",
				    (unsigned long long)seed, i,
				    (unsigned long long)mapper_test_tables(&m),
				    (unsigned long long)(m.tables_allocated - m.tables_freed));
			break;
		}
	}
	model_fini(&md);
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	CHECK_EQ_U64(m.tables_allocated - m.tables_freed, 1);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* 16 MiB across the first root-entry boundary (512 GiB). */
TEST(mapper_random_fixed_seed)
{
	random_run((512ull << 30) - (8ull << 20), 1, 4000);
}

/* Across the last 1 GiB boundary below the top of the upper half. */
TEST(mapper_random_seeds)
{
	for (uint64_t seed = 2; seed <= 4; seed++)
		random_run(0xffffffffc0000000 - (8ull << 20), seed, 1000);
}

struct concurrent {
	struct mapper m;
	uintptr_t base;
};

static void concurrent_cpu(unsigned cpu, void *arg)
{
	struct concurrent *c = arg;
	struct model md;

	/* 4 MiB each, two CPUs on either side of a 1 GiB boundary. */
	model_init(&md, &c->m, c->base + cpu * (4ull << 20), 1024, cpu + 100);
	/* Every page now and then: the lock convoys of 4 CPUs on 2 cores
	 * make a full check after every step cost seconds. */
	for (unsigned i = 0; i < CPU_STEPS && model_step(&md, i % 64 == 63); i++)
		;
	model_matches(&md, 0, md.npages);
	model_fini(&md);
}

TEST(mapper_concurrent_cpus)
{
	struct concurrent c = { .base = 0xffffc00040000000 - (8ull << 20) };

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&c.m) == 0);
	hosted_run_cpus(MAPPER_CPUS, concurrent_cpu, &c);
	CHECK_EQ_U64(mapper_test_tables(&c.m), 1);
	CHECK_EQ_U64(c.m.tables_allocated - c.m.tables_freed, 1);
	mapper_destroy(&c.m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
