/*
 * test_slab.c - the slab layer and kmem_cache_* (mm/slab.c and the SLAB
 * variant linked in): objects, layout and alignment, constructors, empty
 * slab retention and reclaim, destroy, exhaustion and recovery, frees on
 * other CPUs. Every test starts from a fresh stack and ends with the frame
 * accounting back where it started (slab_test.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/slab.h>

#include "mm_internal.h"
#include "page.h"
#include "slab_internal.h"
#include "slab_test.h"
#include "test.h"

static bool is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return (x > y) - (x < y);
}

/* Sorted, the objects must lie at least size bytes apart. */
static void check_disjoint(void **objs, size_t n, size_t size)
{
	qsort(objs, n, sizeof(*objs), by_address);
	for (size_t i = 1; i < n; i++)
		CHECK((uintptr_t)objs[i] - (uintptr_t)objs[i - 1] >= size);
}

static bool is_locked_variant(void)
{
	return strcmp(slab_variant, "locked") == 0;
}

TEST(slab_objects_are_distinct_and_keep_their_contents)
{
	enum { N = 3000, SIZE = 40 };
	static void *objs[N];
	struct kmem_cache *c;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create("test-basic", SIZE, 0, 0, NULL);
	REQUIRE(c != NULL);
	CHECK_STR_EQ(c->name, "test-basic");
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
		CHECK(is_aligned(objs[i], 8));
		memset(objs[i], i & 0xff, SIZE);
	}
	for (int i = 0; i < N; i++) {
		struct page *head = slab_head_page(objs[i]);
		unsigned char *b = objs[i];

		CHECK(head->flags & PG_slab);
		CHECK(head->slab.cache == c);
		CHECK(b[0] == (i & 0xff) && b[SIZE - 1] == (i & 0xff));
	}
	check_disjoint(objs, N, SIZE);
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_free(c, NULL);
	kmem_cache_destroy(c);
	kmem_cache_destroy(NULL);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_long_names_are_cut)
{
	struct kmem_cache *c;
	static const char name[] = "a-cache-name-longer-than-the-thirty-one-bytes-kept";

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create(name, 8, 0, 0, NULL);
	REQUIRE(c != NULL);
	CHECK(strlen(c->name) == KMEM_CACHE_NAME_MAX - 1);
	CHECK(strncmp(c->name, name, KMEM_CACHE_NAME_MAX - 1) == 0);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_create_rejects_bad_arguments)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK(kmem_cache_create("zero", 0, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("align3", 16, 3, 0, NULL) == NULL);
	CHECK(kmem_cache_create("flags", 16, 0, 0x1, NULL) == NULL);
	CHECK(kmem_cache_create(NULL, 16, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huge", 1u << 20, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huger", SIZE_MAX, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huge-align", 64, (size_t)1 << 63, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huge-align", 64, 1u << 20, 0, NULL) == NULL);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_alignment_is_honoured)
{
	static const size_t sizes[] = { 1, 8, 24, 100, 520, 3000, 5000 };

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t align = 8; align <= 8192; align *= 2) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			void *objs[20];
			struct kmem_cache *c = kmem_cache_create("test-align", sizes[s], align, 0, NULL);

			REQUIRE(c != NULL);
			for (int i = 0; i < 20; i++) {
				objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
				REQUIRE(objs[i] != NULL);
				CHECK(is_aligned(objs[i], align));
				memset(objs[i], 0x5a, sizes[s]);
			}
			check_disjoint(objs, 20, sizes[s]);
			for (int i = 0; i < 20; i++)
				kmem_cache_free(c, objs[i]);
			kmem_cache_destroy(c);
		}
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_hwcache_align_follows_linux)
{
	static const struct {
		size_t size, align;
	} cases[] = { { 8, 8 }, { 20, 32 }, { 32, 32 }, { 40, 64 }, { 64, 64 }, { 200, 64 } };

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmem_cache *c = kmem_cache_create("test-hw", cases[i].size, 0,
							 SLAB_HWCACHE_ALIGN, NULL);

		REQUIRE(c != NULL);
		CHECK_EQ_U64(c->align, cases[i].align);
		kmem_cache_destroy(c);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* The layout rule: at least KMEM_SLAB_MIN_OBJECTS buffers and at most an
 * eighth wasted, unless the largest slab is reached. */
TEST(slab_size_wastes_little)
{
	static const size_t sizes[] = { 8, 24, 96, 200, 700, 1500, 3000, 4096, 6000, 8192, 20000 };

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct kmem_cache *c = kmem_cache_create("test-size", sizes[i], 0, 0, NULL);
		size_t bytes;

		REQUIRE(c != NULL);
		bytes = (size_t)HAL_PAGE_SIZE << c->order;
		CHECK(c->objects >= 1);
		CHECK((size_t)c->objects * c->buf_size <= bytes);
		if (c->order < KMEM_SLAB_MAX_ORDER) {
			CHECK(c->objects >= KMEM_SLAB_MIN_OBJECTS);
			CHECK((bytes - (size_t)c->objects * c->buf_size) * 8 <= bytes);
		}
		kmem_cache_destroy(c);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

#define CTOR_MAGIC 0xc0c0c0c0deadbeefull

static atomic_ulong ctor_calls;

struct constructed {
	uint64_t magic;
	uint64_t payload[5];
};

static void construct(void *p)
{
	struct constructed *o = p;

	o->magic = CTOR_MAGIC;
	atomic_fetch_add(&ctor_calls, 1);
}

TEST(slab_ctor_runs_once_per_buffer_at_slab_creation)
{
	enum { N = 500 };
	static struct constructed *objs[N];
	struct kmem_cache *c;
	unsigned long calls;

	mm_fixture_setup(MM_FIXTURE_RAM);
	atomic_store(&ctor_calls, 0);
	c = kmem_cache_create("test-ctor", sizeof(struct constructed), 0, 0, construct);
	REQUIRE(c != NULL);
	CHECK_EQ_U64(atomic_load(&ctor_calls), 0);
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
		CHECK(objs[i]->magic == CTOR_MAGIC);
	}
	calls = atomic_load(&ctor_calls);
	CHECK_EQ_U64(calls, c->nr_slabs * c->objects);
	/* Freed objects keep their constructed state, and no constructor runs
	 * for them again (every other one: no slab becomes empty, so none can
	 * go back to the buddy and come back as a new slab). */
	for (int i = 0; i < N; i += 2)
		kmem_cache_free(c, objs[i]);
	for (int i = 0; i < N; i += 2) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
		CHECK(objs[i]->magic == CTOR_MAGIC);
	}
	CHECK_EQ_U64(atomic_load(&ctor_calls), calls);
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_gfp_zero_zeroes_the_object)
{
	struct kmem_cache *c;
	unsigned char *p;
	bool zero = true;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create("test-zero", 300, 0, 0, NULL);
	REQUIRE(c != NULL);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(p != NULL);
	memset(p, 0xff, 300);
	kmem_cache_free(c, p);
	p = kmem_cache_alloc(c, GFP_KERNEL | __GFP_ZERO);
	REQUIRE(p != NULL);
	for (int i = 0; i < 300; i++)
		zero = zero && p[i] == 0;
	CHECK(zero);
	kmem_cache_free(c, p);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* Slabs become empty as their objects come back; beyond the retention
 * limit they go straight back to the buddy, and shrink and reclaim
 * return the rest. */
TEST(slab_empty_slabs_are_returned)
{
	enum { N = 4000 };
	static void *objs[N];
	struct kmem_cache *c;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create("test-empty", 256, 0, 0, NULL);
	REQUIRE(c != NULL);
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
	}
	CHECK(c->nr_slabs >= N / c->objects);
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	if (is_locked_variant()) {
		CHECK_EQ_U64(c->nr_empty, KMEM_EMPTY_SLABS_RETAINED);
		CHECK_EQ_U64(c->nr_slabs, KMEM_EMPTY_SLABS_RETAINED);
	} else {
		/* Most objects wait in the depot's full magazines: reclaim
		 * (what a failing page allocation calls) empties it. */
		CHECK(slab_reclaim() > 0);
		CHECK(c->nr_slabs - c->nr_empty <= 2 * KMEM_MAGAZINE_ROUNDS);
	}
	CHECK(c->nr_empty <= KMEM_EMPTY_SLABS_RETAINED);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(c->nr_slabs, 0);
	CHECK_EQ_U64(c->nr_empty, 0);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* kmem_cache_destroy alone gives back every page: only reclaim runs after
 * it (for the cache of caches), no shrink of other caches. */
TEST(slab_destroy_returns_every_page)
{
	enum { N = 6000 };
	static void *objs[N];
	struct mm_frame_accounting before, after;
	struct kmem_cache *c;

	mm_fixture_setup(MM_FIXTURE_RAM);
	mm_fixture_settle(&before);
	c = kmem_cache_create("test-destroy", 200, 0, 0, NULL);
	REQUIRE(c != NULL);
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);
	mm_fixture_settle(&after);
	CHECK_EQ_U64(after.used - kmem_magazine_pool_frames(), before.used);
	CHECK_EQ_U64(after.free + after.cached + kmem_magazine_pool_frames(),
		     before.free + before.cached);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_destroy_with_live_objects_keeps_the_cache)
{
	struct kmem_cache *c;
	void *live, *other;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create("test-leak", 64, 0, 0, NULL);
	REQUIRE(c != NULL);
	live = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(live != NULL);
	kmem_cache_destroy(c);	/* logs, and leaves the cache alone */
	other = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(other != NULL);
	CHECK(other != live);
	kmem_cache_free(c, other);
	kmem_cache_free(c, live);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_many_caches_come_and_go)
{
	enum { NCACHES = 100 };
	static struct kmem_cache *caches[NCACHES];

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (int i = 0; i < NCACHES; i++) {
		void *obj;

		caches[i] = kmem_cache_create("test-many", 16 + 8 * (size_t)i, 0, 0, NULL);
		REQUIRE(caches[i] != NULL);
		obj = kmem_cache_alloc(caches[i], GFP_KERNEL);
		REQUIRE(obj != NULL);
		kmem_cache_free(caches[i], obj);
	}
	for (int i = 0; i < NCACHES; i += 2)
		kmem_cache_destroy(caches[i]);
	for (int i = 1; i < NCACHES; i += 2)
		kmem_cache_destroy(caches[i]);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* Fill all of RAM with objects until allocation fails, give them back,
 * and check that the page allocator then gets (nearly) every frame back:
 * its failing allocations reclaim what the slab layer holds. */
TEST(slab_exhaustion_and_recovery)
{
	struct kmem_cache *c;
	void **objs, **pages;
	size_t n = 0, cap = 1u << 20, npages = 0;
	const size_t mags_per_chunk = ((size_t)HAL_PAGE_SIZE << KMEM_MAGAZINE_CHUNK_ORDER) /
				      sizeof(struct kmem_magazine);
	struct mm_frame_accounting a;

	mm_fixture_setup(MM_FIXTURE_MIN_RAM);
	objs = malloc(cap * sizeof(*objs));
	pages = malloc(cap * sizeof(*pages));
	REQUIRE(objs != NULL && pages != NULL);
	c = kmem_cache_create("test-exhaust", 512, 0, 0, NULL);
	REQUIRE(c != NULL);
	while (n < cap && (objs[n] = kmem_cache_alloc(c, GFP_KERNEL)) != NULL)
		n++;
	CHECK(n > 1000);
	CHECK(n < cap);
	mm_frame_accounting(&a);
	CHECK(a.free + a.cached < 16);
	for (size_t i = 0; i < n; i++)
		kmem_cache_free(c, objs[i]);

	/* Whole frames now: what the slabs and magazines held must come back. */
	while (npages < cap && (pages[npages] = (void *)__get_free_page(GFP_KERNEL)) != NULL)
		npages++;
	/* Less the magazine pool and at most the slabs that this CPU's two
	 * magazines still pin. The pool is bounded by the depot limit (2 +
	 * 64 + 1 magazines for one CPU and one cache), not by n. */
	CHECK((kmem_magazine_pool_frames() >> KMEM_MAGAZINE_CHUNK_ORDER) * mags_per_chunk <=
	      128 + mags_per_chunk);
	CHECK((npages + kmem_magazine_pool_frames() + 2 * KMEM_MAGAZINE_ROUNDS) * HAL_PAGE_SIZE >=
	      n * 512);
	for (size_t i = 0; i < npages; i++)
		free_page((unsigned long)pages[i]);

	/* And the cache works again. */
	objs[0] = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(objs[0] != NULL);
	kmem_cache_free(c, objs[0]);
	kmem_cache_destroy(c);
	free(objs);
	free(pages);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* ---- On several CPUs ---- */

enum { XCPU_CPUS = 4, XCPU_PER_CPU = 5000 };

struct xcpu {
	struct kmem_cache *cache;
	void *objs[XCPU_CPUS][XCPU_PER_CPU];
	pthread_barrier_t barrier;
};

/* Each CPU allocates its share, then frees the next CPU's share. */
static void xcpu_run(unsigned cpu, void *arg)
{
	struct xcpu *x = arg;
	unsigned next = (cpu + 1) % XCPU_CPUS;

	for (int i = 0; i < XCPU_PER_CPU; i++) {
		x->objs[cpu][i] = kmem_cache_alloc(x->cache, GFP_KERNEL);
		if (x->objs[cpu][i] == NULL) {
			CHECK(x->objs[cpu][i] != NULL);
			break;
		}
		*(uint64_t *)x->objs[cpu][i] = (uint64_t)cpu << 32 | (unsigned)i;
	}
	pthread_barrier_wait(&x->barrier);
	for (int i = 0; i < XCPU_PER_CPU; i++) {
		if (x->objs[next][i] == NULL)
			continue;
		CHECK(*(uint64_t *)x->objs[next][i] == ((uint64_t)next << 32 | (unsigned)i));
		kmem_cache_free(x->cache, x->objs[next][i]);
	}
}

TEST(slab_objects_freed_on_other_cpus)
{
	static struct xcpu x;

	mm_fixture_setup(MM_FIXTURE_RAM);
	memset(&x, 0, sizeof(x));
	x.cache = kmem_cache_create("test-xcpu", 48, 0, 0, NULL);
	REQUIRE(x.cache != NULL);
	pthread_barrier_init(&x.barrier, NULL, XCPU_CPUS);
	hosted_run_cpus(XCPU_CPUS, xcpu_run, &x);
	pthread_barrier_destroy(&x.barrier);
	check_disjoint(&x.objs[0][0], XCPU_CPUS * XCPU_PER_CPU, 48);
	kmem_cache_destroy(x.cache);
	SLAB_TEST_CHECK_ACCOUNTING();
}
