/*
 * kmalloc and kmem_cache on every CPU at once, for whichever SLAB variant
 * is built in: every size class and a page-backed size, contents that
 * survive until kfree, natural alignment of power-of-two sizes, ksize at
 * least the request, objects freed on another CPU than the one that
 * allocated them, and a cache with a constructor shared by all CPUs.
 */
#include <stdint.h>

#include <kernel/barrier.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <mm/slab.h>

#define PER_SIZE 8
#define REMOTE 32

static const size_t sizes[] = {1, 8, 16, 24, 32, 64, 96, 128, 192, 256, 512, 1000, 1024, 2048, 4096, 8192, 12000, 65536};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static struct barrier bar;
static void *mailbox[MAX_CPUS][REMOTE];
static struct kmem_cache *shared_cache;

struct obj {
	uint64_t magic;
	uint64_t owner;
	char pad[48];
};

#define CTOR_MAGIC 0xc0ffee00c0ffee00ull

static void obj_ctor(void *p)
{
	struct obj *o = p;
	o->magic = CTOR_MAGIC;
	o->owner = ~0ull;
}

/* Fills (or checks) n bytes with a pattern derived from seed; objects use
 * their own address as the seed, so two overlapping objects disagree. */
static bool fill_check(unsigned char *p, size_t n, uintptr_t seed, bool check)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char v = (unsigned char)((seed >> 4) + i * 31);
		if (!check)
			p[i] = v;
		else if (p[i] != v)
			return false;
	}
	return true;
}

static void slab_worker(void *arg)
{
	(void)arg;
	unsigned me = this_cpu_id(), n = smp_cpus_online;
	void *objs[PER_SIZE];

	for (unsigned s = 0; s < NSIZES && !selftest_failed_here(); s++) {
		size_t size = sizes[s];
		for (unsigned i = 0; i < PER_SIZE; i++) {
			objs[i] = kmalloc(size, GFP_KERNEL);
			if (!objs[i]) {
				selftest_fail("kmalloc(%zu) failed", size);
				return;
			}
			if ((size & (size - 1)) == 0 && size <= 4096 && (uintptr_t)objs[i] % size) {
				selftest_fail("kmalloc(%zu) = %p is not aligned to its size", size, objs[i]);
				return;
			}
			if (ksize(objs[i]) < size) {
				selftest_fail("ksize %zu < %zu", ksize(objs[i]), size);
				return;
			}
			fill_check(objs[i], size, (uintptr_t)objs[i], false);
		}
		for (unsigned i = 0; i < PER_SIZE; i++) {
			if (!fill_check(objs[i], size, (uintptr_t)objs[i], true)) {
				selftest_fail("kmalloc(%zu) object %p overwritten while allocated", size,
					      objs[i]);
				return;
			}
			kfree(objs[i]);
		}
	}

	for (unsigned i = 0; i < REMOTE; i++) {
		struct obj *o = kmem_cache_alloc(shared_cache, GFP_KERNEL);
		if (!o || o->magic != CTOR_MAGIC) {
			selftest_fail("kmem_cache_alloc gave %p without its constructed state", (void *)o);
			return;
		}
		o->owner = me;
		mailbox[me][i] = o;
	}
	barrier_wait(&bar);
	unsigned from = (me + 1) % n;
	for (unsigned i = 0; i < REMOTE; i++) {
		struct obj *o = mailbox[from][i];
		if (o->owner != from)
			selftest_fail("object %p from cpu %u says owner %lu", (void *)o, from,
				      (unsigned long)o->owner);
		o->owner = ~0ull; /* back to the constructed state before freeing */
		kmem_cache_free(shared_cache, o);
	}
}

SELFTEST(mm_slab_all_cpus_sizes_and_remote_free)
{
	shared_cache = kmem_cache_create("selftest_obj", sizeof(struct obj), 0, 0, obj_ctor);
	ST_CHECK(shared_cache != NULL);
	barrier_init(&bar, smp_cpus_online);
	on_each_cpu(slab_worker, NULL);
	kmem_cache_destroy(shared_cache);
}

SELFTEST(mm_kmalloc_semantics)
{
	ST_CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	ST_CHECK(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL) == NULL);
	unsigned char *z = kzalloc(300, GFP_KERNEL);
	ST_CHECK(z != NULL);
	for (int i = 0; i < 300; i++)
		ST_CHECK(z[i] == 0);
	fill_check(z, 300, 7, false);
	unsigned char *g = krealloc(z, 5000, GFP_KERNEL);
	ST_CHECK(g != NULL);
	ST_CHECK(fill_check(g, 300, 7, true)); /* krealloc keeps the contents */
	ST_CHECK(krealloc(g, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
}
