/*
 * test_slab_stress.c - the small-object allocator under random load on
 * several CPUs at once: kmalloc/kfree/krealloc of random sizes (large
 * blocks included), kmem_cache_alloc/free on shared caches (one with a
 * constructor), private caches created and destroyed on the fly,
 * kmem_cache_shrink and slab_reclaim from any CPU, and objects handed to
 * other CPUs through a locked queue to be freed there.
 *
 * Oracle: a bitmap with one bit per 8 bytes of simulated RAM, set (with
 * an atomic or) when an object is handed out and cleared before it is
 * given back; finding the bit already set means the allocator handed out
 * an object that someone still holds. Each object also carries its
 * owner's stamp in its first and last words, checked when it is freed, so
 * overlapping objects are caught too, and objects of the constructor's
 * cache must come out constructed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include <mm/env.h>
#include <mm/hal.h>
#include "mm_internal.h"
#include "slab_internal.h"
#include "slab_test.h"
#include "test.h"

/* ThreadSanitizer runs this about ten times slower than ASan: 1M
 * operations there, 4M elsewhere, a second or two either way. */
#if defined(__SANITIZE_THREAD__)
#define STRESS_OPS_PER_CPU (256 * 1024)
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_OPS_PER_CPU (256 * 1024)
#endif
#endif
#ifndef STRESS_OPS_PER_CPU
#define STRESS_OPS_PER_CPU (1024 * 1024)
#endif

enum {
	STRESS_CPUS = 4,
	STRESS_LIVE_MAX = 1500,	/* objects a CPU holds at most */
	STRESS_QUEUE = 4096,
	STRESS_NCACHES = 3,
};

#define STRESS_RAM MM_FIXTURE_RAM
#define CTOR_MAGIC 0x5eed5eed5eed5eedull

enum kind { KIND_KMALLOC, KIND_CACHE };

struct object {
	void *p;
	size_t size;	/* what was asked for; stamps at 0 and size - 8 */
	uint64_t stamp;
	struct kmem_cache *cache;	/* KIND_CACHE only */
	enum kind kind;
};

struct stress {
	struct kmem_cache *caches[STRESS_NCACHES];
	size_t cache_size[STRESS_NCACHES];
	_Atomic uint64_t oracle[STRESS_RAM / 8 / 64];
	pthread_mutex_t queue_lock;
	struct object queue[STRESS_QUEUE];
	unsigned queue_len;
	atomic_ulong ops, cross_frees, large, shrinks, private_caches;
};

static struct stress st;

static void construct(void *p)
{
	*(uint64_t *)p = CTOR_MAGIC;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t granule(const void *p)
{
	return (hal_virt_to_phys(p) - HOSTED_PHYS_START) / 8;
}

static bool oracle_take(const void *p)
{
	uint64_t g = granule(p), bit = 1ull << (g % 64);

	if (atomic_fetch_or(&st.oracle[g / 64], bit) & bit) {
		hosted_fail(__FILE__, __LINE__, "object %p handed out while still held", p);
		return false;
	}
	return true;
}

static void oracle_give(const void *p)
{
	uint64_t g = granule(p), bit = 1ull << (g % 64);

	if (!(atomic_fetch_and(&st.oracle[g / 64], ~bit) & bit))
		hosted_fail(__FILE__, __LINE__, "object %p given back but not held", p);
}

/* Word offsets of the stamps: the constructor's word stays untouched. */
static size_t first_stamp(const struct object *o)
{
	return o->kind == KIND_CACHE && o->cache == st.caches[0] ? 8 : 0;
}

static void stamp(struct object *o)
{
	memcpy((char *)o->p + first_stamp(o), &o->stamp, 8);
	memcpy((char *)o->p + o->size - 8, &o->stamp, 8);
}

static bool stamped(const struct object *o)
{
	uint64_t a, b;

	memcpy(&a, (char *)o->p + first_stamp(o), 8);
	memcpy(&b, (char *)o->p + o->size - 8, 8);
	return a == o->stamp && b == o->stamp;
}

static size_t random_size(uint64_t r)
{
	unsigned pick = r % 1000;

	r >>= 10;
	if (pick < 600)
		return 16 + r % 240;
	if (pick < 900)
		return 16 + r % 2032;
	if (pick < 995)
		return 16 + r % 8176;
	return 8193 + r % (64 * 1024);
}

static bool new_object(struct object *o, uint64_t r, unsigned cpu, uint64_t seq)
{
	o->stamp = (uint64_t)cpu << 48 | seq;
	if (r & 1) {
		unsigned c = (r >> 1) % STRESS_NCACHES;

		o->kind = KIND_CACHE;
		o->cache = st.caches[c];
		o->size = st.cache_size[c];
		o->p = kmem_cache_alloc(o->cache, GFP_KERNEL);
		if (o->p != NULL && c == 0 && *(uint64_t *)o->p != CTOR_MAGIC)
			hosted_fail(__FILE__, __LINE__, "object %p of the ctor cache not constructed", o->p);
	} else {
		o->kind = KIND_KMALLOC;
		o->cache = NULL;
		o->size = random_size(r >> 1);
		o->p = kmalloc(o->size, GFP_KERNEL);
		if (o->size > KMALLOC_MAX_CACHE_SIZE)
			atomic_fetch_add_explicit(&st.large, 1, memory_order_relaxed);
	}
	if (o->p == NULL) {
		hosted_fail(__FILE__, __LINE__, "allocation of %zu bytes failed", o->size);
		return false;
	}
	if (!oracle_take(o->p))
		return false;
	stamp(o);
	return true;
}

static void free_object(const struct object *o)
{
	if (!stamped(o))
		hosted_fail(__FILE__, __LINE__, "object %p (%zu bytes) overwritten while held",
			    o->p, o->size);
	oracle_give(o->p);
	if (o->kind == KIND_CACHE)
		kmem_cache_free(o->cache, o->p);
	else
		kfree(o->p);
}

static void resize_object(struct object *o, uint64_t r)
{
	size_t new_size = random_size(r);
	size_t keep = new_size < o->size ? new_size : o->size;
	void *q;

	if (!stamped(o))
		hosted_fail(__FILE__, __LINE__, "object %p overwritten while held", o->p);
	oracle_give(o->p);
	q = krealloc(o->p, new_size, GFP_KERNEL);
	if (q == NULL) {
		hosted_fail(__FILE__, __LINE__, "krealloc to %zu bytes failed", new_size);
		oracle_take(o->p);
		return;
	}
	oracle_take(q);
	if (memcmp(q, &o->stamp, 8) != 0 || (keep == o->size &&
	    memcmp((char *)q + keep - 8, &o->stamp, 8) != 0))
		hosted_fail(__FILE__, __LINE__, "krealloc lost the contents of %p", o->p);
	o->p = q;
	o->size = new_size;
	stamp(o);
}

/* A private cache, used a little and destroyed while the others run. */
static void private_cache(uint64_t r)
{
	void *objs[50];
	struct kmem_cache *c = kmem_cache_create("stress-private", 32 + r % 500, 0, 0, NULL);

	if (c == NULL) {
		hosted_fail(__FILE__, __LINE__, "kmem_cache_create failed");
		return;
	}
	for (int i = 0; i < 50; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		if (objs[i] == NULL || !oracle_take(objs[i]))
			return;
	}
	for (int i = 0; i < 50; i++) {
		oracle_give(objs[i]);
		kmem_cache_free(c, objs[i]);
	}
	kmem_cache_destroy(c);
	atomic_fetch_add_explicit(&st.private_caches, 1, memory_order_relaxed);
}

static bool queue_put(const struct object *o)
{
	bool put = false;

	pthread_mutex_lock(&st.queue_lock);
	if (st.queue_len < STRESS_QUEUE) {
		st.queue[st.queue_len++] = *o;
		put = true;
	}
	pthread_mutex_unlock(&st.queue_lock);
	return put;
}

static bool queue_get(struct object *o, uint64_t r)
{
	bool got = false;

	pthread_mutex_lock(&st.queue_lock);
	if (st.queue_len > 0) {
		unsigned i = (unsigned)(r % st.queue_len);

		*o = st.queue[i];
		st.queue[i] = st.queue[--st.queue_len];
		got = true;
	}
	pthread_mutex_unlock(&st.queue_lock);
	return got;
}

static void stress_run(unsigned cpu, void *arg)
{
	static struct object live[STRESS_CPUS][STRESS_LIVE_MAX];
	struct object *mine = live[cpu], o;
	uint64_t seed = 0x2545f4914f6cdd1dull * (cpu + 1), seq = 0;
	unsigned n = 0;
	unsigned long cross = 0;

	(void)arg;
	for (unsigned op = 0; op < STRESS_OPS_PER_CPU; op++) {
		uint64_t r = xorshift(&seed);
		unsigned pick = r % 1000;

		r >>= 10;
		if (pick < 470 && n < STRESS_LIVE_MAX) {
			if (!new_object(&mine[n], r, cpu, seq++))
				return;
			n++;
		} else if (pick < 900 && n > 0) {
			unsigned i = (unsigned)(r % n);

			free_object(&mine[i]);
			mine[i] = mine[--n];
		} else if (pick < 940 && n > 0) {
			unsigned i = (unsigned)(r % n);

			if (mine[i].kind == KIND_KMALLOC)
				resize_object(&mine[i], r >> 16);
		} else if (pick < 970 && n > 0) {
			unsigned i = (unsigned)(r % n);

			/* Hand it to whichever CPU takes it from the queue. */
			if (queue_put(&mine[i]))
				mine[i] = mine[--n];
		} else if (pick < 998) {
			if (queue_get(&o, r)) {
				free_object(&o);
				cross++;
			}
		} else if (pick == 998) {
			if ((r & 0xf) == 0)
				private_cache(r >> 4);
			else if (r & 1)
				kmem_cache_shrink(st.caches[(r >> 1) % STRESS_NCACHES]);
			else
				slab_reclaim();
			atomic_fetch_add_explicit(&st.shrinks, 1, memory_order_relaxed);
		}
	}
	while (n > 0)
		free_object(&mine[--n]);
	atomic_fetch_add(&st.cross_frees, cross);
	atomic_fetch_add(&st.ops, STRESS_OPS_PER_CPU);
}

TEST(slab_stress_random_operations_on_all_cpus)
{
	static const size_t sizes[STRESS_NCACHES] = { 72, 136, 1000 };
	struct object o;

	mm_fixture_setup(STRESS_RAM);
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.queue_lock, NULL);
	for (int c = 0; c < STRESS_NCACHES; c++) {
		st.cache_size[c] = sizes[c];
		st.caches[c] = kmem_cache_create("stress", sizes[c], c == 2 ? 64 : 0, 0,
						 c == 0 ? construct : NULL);
		REQUIRE(st.caches[c] != NULL);
	}
	hosted_run_cpus(STRESS_CPUS, stress_run, NULL);
	while (queue_get(&o, 0))
		free_object(&o);
	CHECK_EQ_U64(atomic_load(&st.ops), (uint64_t)STRESS_CPUS * STRESS_OPS_PER_CPU);
	CHECK(atomic_load(&st.cross_frees) > 0);
	CHECK(atomic_load(&st.large) > 0);
	CHECK(atomic_load(&st.shrinks) > 0);
	CHECK(atomic_load(&st.private_caches) > 0);
	for (size_t i = 0; i < sizeof(st.oracle) / sizeof(st.oracle[0]); i++) {
		if (atomic_load(&st.oracle[i]) != 0) {
			hosted_fail(__FILE__, __LINE__, "objects still marked held at word %zu", i);
			break;
		}
	}
	for (int c = 0; c < STRESS_NCACHES; c++)
		kmem_cache_destroy(st.caches[c]);
	pthread_mutex_destroy(&st.queue_lock);
	SLAB_TEST_CHECK_ACCOUNTING();
}
