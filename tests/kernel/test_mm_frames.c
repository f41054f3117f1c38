/*
 * The page allocator on every CPU at once, for whichever FRAME variant is
 * built in:
 *   - random orders allocated and freed on all CPUs, never overlapping the
 *     kernel image, checked against a shared bitmap oracle (one bit per frame, set with an atomic OR): a
 *     frame handed out twice fails the test, and a pattern written into
 *     each block must survive until it is freed;
 *   - remote frees: blocks allocated on one CPU are freed on the next;
 *   - exhaustion and recovery on one CPU: order-0 frames are taken until
 *     none is left anywhere (per-CPU caches are drained before failing), all
 *     are given back, and the accounting returns to where it started.
 */
#include <stdatomic.h>
#include <stdint.h>

#include <kernel/barrier.h>
#include <kernel/boot.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <mm/gfp.h>
#include <mm/init.h>

#define ORACLE_FRAMES (1ull << 20) /* 4 GiB: all the boot direct map reaches */
#define HELD_MAX 32
/* Operations in total, split across the CPUs: the FRAME=buddy baseline
 * takes its global lock on every one, and with more vCPUs than host cores
 * (TCG) each contended handover can cost a host time slice. */
#define TOTAL_ROUNDS 4000
#define ROUNDS (TOTAL_ROUNDS / smp_cpus_online)
#define REMOTE_PER_CPU 16

static _Atomic uint64_t oracle[ORACLE_FRAMES / 64];
static struct barrier bar;

struct held {
	struct page *page;
	unsigned order;
};

static struct held mailbox[MAX_CPUS][REMOTE_PER_CPU];

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Marks (claim) or clears the block's frames in the oracle; false if a frame
 * was already in the state we move it to. */
static bool oracle_update(struct page *p, unsigned order, bool claim)
{
	uint64_t pfn = page_to_pfn(p);
	for (uint64_t f = pfn; f < pfn + (1ull << order); f++) {
		if (f >= ORACLE_FRAMES) {
			selftest_fail("pfn %#lx beyond the oracle", (unsigned long)f);
			return false;
		}
		uint64_t bit = 1ull << (f % 64);
		uint64_t old = claim ? atomic_fetch_or(&oracle[f / 64], bit)
				     : atomic_fetch_and(&oracle[f / 64], ~bit);
		if (!!(old & bit) == claim) {
			selftest_fail("pfn %#lx %s", (unsigned long)f,
				      claim ? "handed out twice" : "freed while not allocated");
			return false;
		}
	}
	return true;
}

static uint64_t tag_of(struct page *p, unsigned cpu)
{
	return page_to_pfn(p) * 0x9e3779b97f4a7c15ull ^ cpu;
}

static bool take(struct held *h, unsigned order, unsigned cpu)
{
	h->page = alloc_pages(GFP_KERNEL, order);
	h->order = order;
	if (!h->page) {
		selftest_fail("order-%u allocation failed on cpu %u", order, cpu);
		return false;
	}
	uint64_t start = page_to_pfn(h->page) << 12, end = start + (4096ull << order);
	if (start < boot_info.kernel_phys_end && end > boot_info.kernel_phys_start) {
		selftest_fail("order-%u block [%#lx, %#lx) overlaps the kernel image", order,
			      (unsigned long)start, (unsigned long)end);
		return false;
	}
	if (!oracle_update(h->page, order, true))
		return false;
	uint64_t *words = page_address(h->page);
	words[0] = tag_of(h->page, cpu);
	words[((4096ul << order) / 8) - 1] = ~tag_of(h->page, cpu);
	return true;
}

static bool give_back(struct held *h, unsigned owner)
{
	uint64_t *words = page_address(h->page);
	if (words[0] != tag_of(h->page, owner) ||
	    words[((4096ul << h->order) / 8) - 1] != ~tag_of(h->page, owner)) {
		selftest_fail("order-%u block at pfn %#lx was overwritten while allocated", h->order,
			      (unsigned long)page_to_pfn(h->page));
		return false;
	}
	if (!oracle_update(h->page, h->order, false))
		return false;
	__free_pages(h->page, h->order);
	h->page = NULL;
	return true;
}

static unsigned random_order(uint64_t *s)
{
	uint64_t r = rng_next(s) % 64;
	return r == 0 ? 9 : (unsigned)(r % 4);
}

static void frames_worker(void *arg)
{
	(void)arg;
	unsigned me = this_cpu_id(), n = smp_cpus_online;
	uint64_t seed = 0x12345678ull + me * 0x1000193ull;
	struct held held[HELD_MAX] = {0};

	for (unsigned r = 0; r < ROUNDS && !selftest_failed_here(); r++) {
		struct held *h = &held[rng_next(&seed) % HELD_MAX];
		if (h->page ? !give_back(h, me) : !take(h, random_order(&seed), me))
			break;
	}
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (held[i].page && !give_back(&held[i], me))
			break;

	for (unsigned i = 0; i < REMOTE_PER_CPU && !selftest_failed_here(); i++)
		take(&mailbox[me][i], random_order(&seed) % 2 ? 0 : 3, me);
	barrier_wait(&bar);
	unsigned from = (me + n - 1) % n;
	for (unsigned i = 0; i < REMOTE_PER_CPU; i++)
		if (mailbox[from][i].page)
			give_back(&mailbox[from][i], from);
}

SELFTEST(mm_frames_all_cpus_oracle_and_remote_free)
{
	struct mm_frame_accounting before, after;

	mm_frame_accounting(&before);
	for (unsigned i = 0; i < ORACLE_FRAMES / 64; i++)
		atomic_init(&oracle[i], 0);
	barrier_init(&bar, smp_cpus_online);
	on_each_cpu(frames_worker, NULL);
	mm_frame_accounting(&after);
	ST_CHECK_EQ(after.free + after.cached + after.used + after.reserved, after.total);
	ST_CHECK_EQ(after.used, before.used);
	ST_CHECK_EQ(after.total, before.total);
}

SELFTEST(mm_frames_exhaustion_and_recovery)
{
	struct mm_frame_accounting before, after;
	unsigned long n = 0;
	unsigned long head = 0;

	mm_frame_accounting(&before);
	for (;;) {
		unsigned long a = __get_free_pages(GFP_KERNEL, 0);
		if (!a)
			break;
		*(unsigned long *)a = head;
		head = a;
		n++;
	}
	/* Everything that was free or cached must have been handed out, apart
	 * from what the allocator's own metadata took on the way. */
	ST_CHECK(n + 64 >= before.free + before.cached);
	ST_CHECK(__get_free_pages(GFP_KERNEL, 0) == 0);
	while (head) {
		unsigned long next = *(unsigned long *)head;
		free_pages(head, 0);
		head = next;
	}
	unsigned long z = get_zeroed_page(GFP_KERNEL);
	ST_CHECK(z != 0);
	for (unsigned i = 0; i < 4096 / 8; i++)
		ST_CHECK(((unsigned long *)z)[i] == 0);
	free_pages(z, 0);
	mm_frame_accounting(&after);
	/* Running dry may have made the slab layer give back empty slabs. */
	ST_CHECK(after.used <= before.used);
	ST_CHECK_EQ(after.free + after.cached + after.used, before.free + before.cached + before.used);
}
