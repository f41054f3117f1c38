/*
 * test_slub.c - SLAB=slub's own mechanics (mm/slab_slub.c), which the
 * variant-neutral slab tests cannot see: objects freed on another CPU go
 * onto their slab's list and back to the CPU that holds the slab; a free
 * into a full slab hands it to the freeing CPU's partial list; that list
 * overflows onto the cache's partial list, where another CPU finds it; the
 * last free of a partial slab moves it to the empty list; a drain lets go
 * of everything. Each test does nothing in a build with another SLAB
 * variant (test_slab.c covers those). Steps run one CPU at a time, on
 * hosted CPU threads.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "page.h"
#include "slab_internal.h"
#include "slab_test.h"
#include "test.h"

/* The slab word's layout (mm/slab_slub.c): free-list head index in bits
 * 0-15, inuse in 16-31, frozen in 32. */
#define SLUB_FROZEN (1ull << 32)

#define SIZE 256
#define MAX_OBJS 1024

static bool is_slub(void)
{
	return strcmp(slab_variant, "slub") == 0;
}

static uint64_t state_of(const void *obj)
{
	return __atomic_load_n(&slab_head_page(obj)->slab.state, __ATOMIC_RELAXED);
}

static bool frozen(const void *obj)
{
	return state_of(obj) & SLUB_FROZEN;
}

static uint32_t inuse(const void *obj)
{
	return (uint32_t)(state_of(obj) >> 16) & 0xffff;
}

static size_t list_length(const struct list_head *l)
{
	size_t n = 0;

	for (const struct list_head *p = l->next; p != l; p = p->next)
		n++;
	return n;
}

/* Linux's set_cpu_partial for this size, in slabs (as slab_slub.c). */
static uint32_t cpu_partial(const struct kmem_cache *c)
{
	uint32_t objects = c->buf_size >= 4096 ? 6 : c->buf_size >= 1024 ? 24 : c->buf_size >= 256 ? 52 : 120;

	return (2 * objects + c->objects - 1) / c->objects;
}

/* One step on one CPU: the others return at once. */
struct step {
	unsigned cpu;
	void (*fn)(struct step *);
	struct kmem_cache *c;
	void **objs;
	unsigned from, n; /* objs[from .. from + n) */
	void *got[MAX_OBJS];
};

static void step_body(unsigned cpu, void *arg)
{
	struct step *s = arg;

	if (cpu == s->cpu)
		s->fn(s);
}

static void on_cpu(struct step *s, unsigned cpu, void (*fn)(struct step *), unsigned from,
		   unsigned n)
{
	s->cpu = cpu;
	s->fn = fn;
	s->from = from;
	s->n = n;
	hosted_run_cpus(cpu + 1, step_body, s);
}

static void do_alloc(struct step *s)
{
	for (unsigned i = 0; i < s->n; i++)
		s->objs[s->from + i] = kmem_cache_alloc(s->c, GFP_KERNEL);
}

static void do_free(struct step *s)
{
	for (unsigned i = 0; i < s->n; i++)
		kmem_cache_free(s->c, s->objs[s->from + i]);
}

/* Frees objs[from], objs[from + per], ...: one object of each of n slabs. */
static void do_free_one_per_slab(struct step *s)
{
	for (unsigned i = 0; i < s->n; i++)
		kmem_cache_free(s->c, s->objs[s->from + i * s->c->objects]);
}

static void do_alloc_into_got(struct step *s)
{
	for (unsigned i = 0; i < s->n; i++)
		s->got[i] = kmem_cache_alloc(s->c, GFP_KERNEL);
}

static bool all_allocated(void **objs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (objs[i] == NULL)
			return false;
	}
	return true;
}

static void free_all_and_destroy(struct step *s, unsigned n)
{
	s->n = n;
	s->from = 0;
	do_free(s);
	kmem_cache_destroy(s->c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* A fresh stack and cache (the caller requires it); false, and the test
 * does nothing, unless SLAB=slub. */
static bool setup(struct step *s, void **objs, const char *name)
{
	if (!is_slub())
		return false;
	mm_fixture_setup(MM_FIXTURE_RAM);
	s->c = kmem_cache_create(name, SIZE, 0, 0, NULL);
	s->objs = objs;
	return true;
}

TEST(slub_remote_frees_go_back_to_the_cpu_that_holds_the_slab)
{
	static void *objs[MAX_OBJS];
	static struct step s;
	unsigned per;

	if (!setup(&s, objs, "slub-remote"))
		return;
	REQUIRE(s.c != NULL);
	per = s.c->objects;
	REQUIRE(per >= 4 && per <= MAX_OBJS);
	/* CPU 0 takes one whole slab: it holds it, frozen, all in use. */
	on_cpu(&s, 0, do_alloc, 0, per);
	REQUIRE(all_allocated(objs, per));
	for (unsigned i = 1; i < per; i++)
		CHECK(slab_head_page(objs[i]) == slab_head_page(objs[0]));
	CHECK(frozen(objs[0]));
	CHECK_EQ_U64(inuse(objs[0]), per);
	/* CPU 1 frees four: onto the slab's own list, still CPU 0's. */
	on_cpu(&s, 1, do_free, 0, 4);
	CHECK(frozen(objs[0]));
	CHECK_EQ_U64(inuse(objs[0]), per - 4);
	/* CPU 0 gets exactly those back, the last freed first. */
	on_cpu(&s, 0, do_alloc_into_got, 0, 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK(s.got[i] == objs[3 - i]);
	CHECK_EQ_U64(inuse(objs[0]), per);
	CHECK(list_empty(&s.c->slabs_partial));
	free_all_and_destroy(&s, per);
}

TEST(slub_a_free_into_a_full_slab_hands_it_to_the_freeing_cpu)
{
	static void *objs[MAX_OBJS];
	static struct step s;
	unsigned per;

	if (!setup(&s, objs, "slub-full"))
		return;
	REQUIRE(s.c != NULL);
	per = s.c->objects;
	REQUIRE(3 * per <= MAX_OBJS);
	/* Three slabs: the first two full and let go, the third CPU 0's. */
	on_cpu(&s, 0, do_alloc, 0, 3 * per);
	REQUIRE(all_allocated(objs, 3 * per));
	CHECK(!frozen(objs[0]) && !frozen(objs[per]) && frozen(objs[2 * per]));
	CHECK_EQ_U64(inuse(objs[0]), per);
	/* CPU 1 frees one object of the first: it takes the slab, with no
	 * trip to the cache's lists... */
	on_cpu(&s, 1, do_free, 5, 1);
	CHECK(frozen(objs[0]));
	CHECK_EQ_U64(inuse(objs[0]), per - 1);
	CHECK(list_empty(&s.c->slabs_partial));
	/* ...and its next allocation is that object. */
	on_cpu(&s, 1, do_alloc_into_got, 0, 1);
	CHECK(s.got[0] == objs[5]);
	CHECK_EQ_U64(inuse(objs[0]), per);
	free_all_and_destroy(&s, 3 * per);
}

TEST(slub_cpu_partial_list_overflows_to_the_cache_for_other_cpus)
{
	static void *objs[MAX_OBJS];
	static struct step s;
	unsigned per, limit, slabs, spilled, held = 0;

	if (!setup(&s, objs, "slub-partial"))
		return;
	REQUIRE(s.c != NULL);
	per = s.c->objects;
	limit = cpu_partial(s.c);
	slabs = limit + 5;
	REQUIRE((slabs + 1) * per <= MAX_OBJS);
	on_cpu(&s, 0, do_alloc, 0, (slabs + 1) * per);
	REQUIRE(all_allocated(objs, (slabs + 1) * per));
	/* CPU 1 frees one object of each full slab: each joins its partial
	 * list, which, at its limit, goes to the cache's partial list. */
	on_cpu(&s, 1, do_free_one_per_slab, 0, slabs);
	spilled = limit * ((slabs - 1) / limit);
	CHECK_EQ_U64(list_length(&s.c->slabs_partial), spilled);
	for (unsigned i = 0; i < slabs; i++) {
		CHECK_EQ_U64(inuse(objs[i * per]), per - 1);
		held += frozen(objs[i * per]);
	}
	CHECK_EQ_U64(held, slabs - spilled);
	/* CPU 2 finds one there for its CPU slab, and takes half its own
	 * limit more onto its partial list. */
	on_cpu(&s, 2, do_alloc_into_got, 0, 1);
	CHECK(s.got[0] != NULL && frozen(s.got[0]) && inuse(s.got[0]) == per);
	CHECK_EQ_U64(list_length(&s.c->slabs_partial), spilled - 1 - limit / 2);
	kmem_cache_free(s.c, s.got[0]);
	for (unsigned i = 0; i < slabs; i++)
		objs[i * per] = NULL; /* freed by CPU 1 */
	for (unsigned i = 0; i < (slabs + 1) * per; i++) {
		if (objs[i] != NULL)
			kmem_cache_free(s.c, objs[i]);
	}
	kmem_cache_destroy(s.c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slub_last_free_of_a_partial_slab_empties_it_and_drains_let_go)
{
	static void *objs[MAX_OBJS];
	static struct step s;
	unsigned per;

	if (!setup(&s, objs, "slub-empty"))
		return;
	REQUIRE(s.c != NULL);
	per = s.c->objects;
	REQUIRE(per > 4 && per + 4 <= MAX_OBJS);
	/* A full slab, and a second with 4 in use and the rest on CPU 0's
	 * freelist; the drain puts the second on the cache's partial list. */
	on_cpu(&s, 0, do_alloc, 0, per + 4);
	REQUIRE(all_allocated(objs, per + 4));
	kmem_cache_shrink(s.c);
	CHECK(!frozen(objs[0]) && !frozen(objs[per]));
	CHECK_EQ_U64(inuse(objs[per]), 4);
	CHECK_EQ_U64(list_length(&s.c->slabs_partial), 1);
	CHECK_EQ_U64(s.c->nr_slabs, 2);
	/* Its last free moves it to the empty list. */
	on_cpu(&s, 1, do_free, per, 4);
	CHECK(list_empty(&s.c->slabs_partial));
	CHECK_EQ_U64(s.c->nr_empty, 1);
	/* The full one, freed on CPU 1, is CPU 1's until a drain... */
	on_cpu(&s, 1, do_free, 0, per);
	CHECK(frozen(objs[0]));
	CHECK_EQ_U64(inuse(objs[0]), 0);
	CHECK_EQ_U64(s.c->nr_empty, 1);
	/* ...which lets go of it, and the empty slabs go back. */
	kmem_cache_shrink(s.c);
	CHECK_EQ_U64(s.c->nr_slabs, 0);
	CHECK_EQ_U64(s.c->nr_empty, 0);
	kmem_cache_destroy(s.c);
	SLAB_TEST_CHECK_ACCOUNTING();
}
