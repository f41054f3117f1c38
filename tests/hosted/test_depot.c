/*
 * test_depot.c - magazines and the lock-free magazine lists (mm/depot.c):
 * LIFO order, the pool and its indexes, the ABA case that the generation
 * word defeats, and the lists under contention from several CPUs, with an
 * ownership oracle that fails if one magazine is ever held twice.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <mm/env.h>

#include "depot.h"
#include "slab_test.h"
#include "test.h"

/* Magazines per chunk, as depot.c computes it. */
#define PER_CHUNK (((size_t)HAL_PAGE_SIZE << KMEM_MAGAZINE_CHUNK_ORDER) / \
		   sizeof(struct kmem_magazine))

TEST(depot_pool_gives_distinct_indexed_magazines)
{
	enum { N = 300, CHUNKS = (N + PER_CHUNK - 1) / PER_CHUNK };
	static struct kmem_magazine *mags[N];
	static bool seen[CHUNKS * PER_CHUNK + 1];

	mm_fixture_setup(MM_FIXTURE_RAM);
	memset(seen, 0, sizeof(seen));
	CHECK_EQ_U64(kmem_magazine_pool_frames(), 0);
	for (int i = 0; i < N; i++) {
		mags[i] = kmem_magazine_alloc();
		REQUIRE(mags[i] != NULL);
		REQUIRE(mags[i]->mag_index >= 1 && mags[i]->mag_index <= CHUNKS * PER_CHUNK);
		CHECK(!seen[mags[i]->mag_index]);
		seen[mags[i]->mag_index] = true;
		memset(mags[i]->mag_round, 0x77, sizeof(mags[i]->mag_round));
	}
	CHECK_EQ_U64(kmem_magazine_pool_frames(), CHUNKS << KMEM_MAGAZINE_CHUNK_ORDER);
	for (int i = 0; i < N; i++)
		kmem_magazine_free(mags[i]);
	/* Reused, not grown. */
	for (int i = 0; i < N; i++)
		mags[i] = kmem_magazine_alloc();
	CHECK_EQ_U64(kmem_magazine_pool_frames(), CHUNKS << KMEM_MAGAZINE_CHUNK_ORDER);
	for (int i = 0; i < N; i++)
		kmem_magazine_free(mags[i]);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(depot_lists_are_lifo)
{
	struct kmem_maglist ml;
	struct kmem_magazine *m[5];

	mm_fixture_setup(MM_FIXTURE_RAM);
	kmem_maglist_init(&ml);
	CHECK(kmem_depot_alloc(&ml) == NULL);
	for (int i = 0; i < 5; i++) {
		m[i] = kmem_magazine_alloc();
		REQUIRE(m[i] != NULL);
		kmem_depot_free(&ml, m[i]);
	}
	for (int i = 4; i >= 0; i--)
		CHECK(kmem_depot_alloc(&ml) == m[i]);
	CHECK(kmem_depot_alloc(&ml) == NULL);
	for (int i = 0; i < 5; i++)
		kmem_magazine_free(m[i]);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/*
 * The ABA case, step by step. A CPU reads the top (A, whose successor is
 * B) and stalls; meanwhile A and B are popped and A is pushed back, so
 * the top names A again but B is gone. Swapping the top to B would put a
 * magazine that someone owns back on the list. The generation makes the
 * stale swap fail, and the list stays A -> C.
 */
TEST(depot_stale_pop_fails_after_aba)
{
	struct kmem_maglist ml;
	struct kmem_magazine *a, *b, *c, *got = NULL;
	uint64_t stale;

	mm_fixture_setup(MM_FIXTURE_RAM);
	kmem_maglist_init(&ml);
	a = kmem_magazine_alloc();
	b = kmem_magazine_alloc();
	c = kmem_magazine_alloc();
	REQUIRE(a != NULL && b != NULL && c != NULL);
	kmem_depot_free(&ml, c);
	kmem_depot_free(&ml, b);
	kmem_depot_free(&ml, a);

	stale = kmem_maglist_top(&ml);	/* the stalled CPU: top A, next B */
	CHECK_EQ_U64(kmem_maglist_index(stale), a->mag_index);

	CHECK(kmem_depot_alloc(&ml) == a);	/* others: pop A, pop B, push A */
	CHECK(kmem_depot_alloc(&ml) == b);
	kmem_depot_free(&ml, a);
	CHECK_EQ_U64(kmem_maglist_index(kmem_maglist_top(&ml)), a->mag_index);

	/* The top's index is A again; only the generation tells. */
	CHECK(!kmem_maglist_trypop(&ml, &stale, &got));
	CHECK(got == NULL);
	CHECK_EQ_U64(stale, kmem_maglist_top(&ml));	/* reloaded */
	CHECK(kmem_maglist_trypop(&ml, &stale, &got));
	CHECK(got == a);
	CHECK(kmem_depot_alloc(&ml) == c);
	CHECK(kmem_depot_alloc(&ml) == NULL);

	kmem_magazine_free(a);
	kmem_magazine_free(b);
	kmem_magazine_free(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* ---- Under contention ---- */

enum {
	CONT_CPUS = 6,
	CONT_MAGS = 8,	/* few, so lists run empty and ABA chances are high */
	CONT_ROUNDS = 60000,
	CONT_MAX_INDEX = 4096,
};

struct contention {
	struct kmem_maglist lists[2];
	_Atomic unsigned owner[CONT_MAX_INDEX + 1];	/* by mag_index: holding CPU + 1 */
	atomic_ulong pops, empty_pops;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void contention_run(unsigned cpu, void *arg)
{
	struct contention *t = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu + 1);
	unsigned long pops = 0, empty_pops = 0;

	for (int i = 0; i < CONT_ROUNDS; i++) {
		uint64_t r = xorshift(&seed);
		struct kmem_magazine *mag = kmem_depot_alloc(&t->lists[r & 1]);
		unsigned was;

		if (mag == NULL) {
			empty_pops++;
			continue;
		}
		pops++;
		if (mag->mag_index > CONT_MAX_INDEX) {
			CHECK(mag->mag_index <= CONT_MAX_INDEX);
			return;
		}
		was = atomic_exchange(&t->owner[mag->mag_index], cpu + 1);
		if (was != 0) {
			hosted_fail(__FILE__, __LINE__, "magazine %u popped by cpu %u while cpu %u held it",
				    mag->mag_index, cpu, was - 1);
			return;
		}
		/* Use it as an owner would: its rounds are ours alone. */
		for (int k = 0; k < KMEM_MAGAZINE_ROUNDS; k++)
			mag->mag_round[k] = (void *)(uintptr_t)(cpu << 24 | i);
		for (int k = 0; k < KMEM_MAGAZINE_ROUNDS; k++)
			CHECK(mag->mag_round[k] == (void *)(uintptr_t)(cpu << 24 | i));
		atomic_store(&t->owner[mag->mag_index], 0);
		kmem_depot_free(&t->lists[(r >> 1) & 1], mag);
	}
	atomic_fetch_add(&t->pops, pops);
	atomic_fetch_add(&t->empty_pops, empty_pops);
}

TEST(depot_lists_under_contention_lose_and_duplicate_nothing)
{
	static struct contention t;
	struct kmem_magazine *mag;
	bool seen[CONT_MAX_INDEX + 1] = { false };
	unsigned found = 0;

	mm_fixture_setup(MM_FIXTURE_RAM);
	memset(&t, 0, sizeof(t));
	kmem_maglist_init(&t.lists[0]);
	kmem_maglist_init(&t.lists[1]);
	for (int i = 0; i < CONT_MAGS; i++) {
		mag = kmem_magazine_alloc();
		REQUIRE(mag != NULL);
		kmem_depot_free(&t.lists[i & 1], mag);
	}
	hosted_run_cpus(CONT_CPUS, contention_run, &t);
	CHECK(atomic_load(&t.pops) > CONT_CPUS * CONT_ROUNDS / 2);

	/* Every magazine is on exactly one list, once. */
	for (int l = 0; l < 2; l++) {
		while ((mag = kmem_depot_alloc(&t.lists[l])) != NULL) {
			REQUIRE(mag->mag_index <= CONT_MAX_INDEX);
			CHECK(!seen[mag->mag_index]);
			seen[mag->mag_index] = true;
			found++;
			kmem_magazine_free(mag);
			REQUIRE(found <= CONT_MAGS);
		}
	}
	CHECK_EQ_U64(found, CONT_MAGS);
	SLAB_TEST_CHECK_ACCOUNTING();
}

enum { GROW_CPUS = 4, GROW_PER_CPU = 700 };

struct grow {
	struct kmem_magazine *mags[GROW_CPUS][GROW_PER_CPU];
};

static void grow_run(unsigned cpu, void *arg)
{
	struct grow *g = arg;

	for (int i = 0; i < GROW_PER_CPU; i++)
		g->mags[cpu][i] = kmem_magazine_alloc();
}

/* Several CPUs growing the pool at once get distinct magazines, all
 * inside the chunks the pool counts. */
TEST(depot_pool_grows_on_several_cpus_at_once)
{
	enum { MAX_INDEX = 1 << 14 };
	static struct grow g;
	static bool seen[MAX_INDEX + 1];
	uint64_t capacity;

	mm_fixture_setup(MM_FIXTURE_RAM);
	memset(&g, 0, sizeof(g));
	memset(seen, 0, sizeof(seen));
	hosted_run_cpus(GROW_CPUS, grow_run, &g);
	capacity = (kmem_magazine_pool_frames() >> KMEM_MAGAZINE_CHUNK_ORDER) * PER_CHUNK;
	CHECK(capacity >= GROW_CPUS * GROW_PER_CPU);
	for (int c = 0; c < GROW_CPUS; c++) {
		for (int i = 0; i < GROW_PER_CPU; i++) {
			struct kmem_magazine *mag = g.mags[c][i];

			REQUIRE(mag != NULL);
			REQUIRE(mag->mag_index >= 1 && mag->mag_index <= capacity &&
				mag->mag_index <= MAX_INDEX);
			CHECK(!seen[mag->mag_index]);
			seen[mag->mag_index] = true;
		}
	}
	for (int c = 0; c < GROW_CPUS; c++) {
		for (int i = 0; i < GROW_PER_CPU; i++)
			kmem_magazine_free(g.mags[c][i]);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}
