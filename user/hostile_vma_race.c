/*
 * hostile_vma_race.c - munmap, mmap, mremap, madvise and mprotect against
 * threads that fault, all at once, for a bounded time (RUN_MS).
 *
 * Even threads change the address space; odd ones fault (a lone thread
 * does both). Two regions:
 *   A (A_PAGES): changed at random -- unmapped, mapped again with a random
 *     protection, moved within A by mremap, dropped by MADV_DONTNEED,
 *     reprotected -- while the faulting threads make the kernel write to
 *     its pages (mincore's vector: copy_to_user, which faults pages in or
 *     fails with EFAULT, so a missing page cannot kill the program);
 *   B (B_PAGES): always readable and writable, only dropped by
 *     MADV_DONTNEED and flipped between read-write and read-write-execute
 *     (splitting and merging its VMA), while the faulting threads write
 *     their own slots in it from user mode and read them back: a slot
 *     holds what its thread wrote last, or 0 after a drop, never
 *     anything else.
 * Every call must return success or one of the errnos its arguments
 * allow (EINVAL, ENOMEM, EFAULT: a range with holes, an overlapping
 * move). At the end A and B are unmapped and tb_check looks at the
 * address space; the launcher checks that every frame came back.
 */
#include "thread.h"
#include "utest.h"

#define A_PAGES 64
#define B_PAGES 16
#define RUN_MS 250
#define OPS_LINUX 20000 /* per thread, where there is no tb_rdtsc_hz */

static struct {
	uintptr_t a, b;
	uint64_t deadline; /* TSC; 0 on Linux */
	int stop, failed;
} race;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void fail(const char *what, long r)
{
	printf("FAIL %s = %ld (%s)\n", what, r, errno_name(-r));
	__atomic_store_n(&race.failed, 1, __ATOMIC_RELAXED);
}

static void check(const char *what, long r)
{
	if (SYS_IS_ERR(r) && r != -EINVAL && r != -ENOMEM && r != -EFAULT)
		fail(what, r);
}

/* A random range of A: start page and length in pages. */
static void pick(struct rng *g, uintptr_t *start, size_t *len)
{
	uint64_t first = rng_below(g, A_PAGES);

	*start = race.a + first * PG;
	*len = (1 + rng_below(g, A_PAGES - first < 8 ? A_PAGES - first : 8)) * PG;
}

static void change(struct rng *g)
{
	static const long prots[] = {PROT_NONE, PROT_READ, RW};
	uintptr_t s, t;
	size_t len, tlen;

	pick(g, &s, &len);
	switch (rng_below(g, 6)) {
	case 0:
		check("munmap", sys_munmap(s, len));
		break;
	case 1:
		check("mmap", sys_mmap(s, len, prots[rng_below(g, 3)],
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
		break;
	case 2:
		pick(g, &t, &tlen);
		if (t + len > race.a + A_PAGES * PG)
			t = race.a + A_PAGES * PG - len;
		check("mremap", sys_mremap(s, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, t));
		break;
	case 3:
		check("madvise", sys_madvise(s, len, MADV_DONTNEED));
		break;
	case 4:
		check("mprotect", sys_mprotect(s, len, prots[rng_below(g, 3)]));
		break;
	default: {
		uintptr_t p = race.b + rng_below(g, B_PAGES) * PG;
		long r = rng_below(g, 2) ? sys_madvise(p, PG, MADV_DONTNEED)
					 : sys_mprotect(p, PG, rng_below(g, 2) ? RW : RW | PROT_EXEC);
		if (r)
			fail("madvise or mprotect of B", r);
	}
	}
}

static void fault(struct rng *g, int id, uint64_t *seq)
{
	volatile uint64_t *slot = (volatile uint64_t *)(race.b + rng_below(g, B_PAGES) * PG) + id;
	uint64_t v;

	kernel_can_write(race.a + rng_below(g, A_PAGES) * PG + (uintptr_t)id * 8);
	*slot = ++*seq;
	v = *slot;
	if (v != *seq && v != 0) {
		printf("FAIL thread %d: its slot holds %lu, it wrote %lu\n", id, (unsigned long)v,
		       (unsigned long)*seq);
		__atomic_store_n(&race.failed, 1, __ATOMIC_RELAXED);
	}
}

static bool over(uint64_t ops)
{
	if (__atomic_load_n(&race.stop, __ATOMIC_RELAXED))
		return true;
	if (race.deadline ? rdtsc() < race.deadline : ops < OPS_LINUX)
		return false;
	__atomic_store_n(&race.stop, 1, __ATOMIC_RELAXED);
	return true;
}

static void racer(int id, int n, void *arg)
{
	struct rng g;
	uint64_t seq = 0, ops = 0;

	(void)arg;
	rng_seed(&g, (uint64_t)id + 1);
	while (!over(ops++)) {
		if (n == 1 ? ops % 2 == 1 : id % 2 == 1)
			fault(&g, id, &seq);
		else
			change(&g);
	}
	team_wait();
}

int main(int argc, char **argv)
{
	long a = sys_mmap(0, A_PAGES * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long b = sys_mmap(0, B_PAGES * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long hz = tb_rdtsc_hz(), r;
	int n;

	if (SYS_IS_ERR(a) || SYS_IS_ERR(b)) {
		printf("FAIL mmap = %ld, %ld\n", a, b);
		return 1;
	}
	race.a = (uintptr_t)a;
	race.b = (uintptr_t)b;
	race.deadline = hz > 0 ? rdtsc() + (uint64_t)hz / 1000 * RUN_MS : 0;
	n = run_threads(team_size(argc, argv), racer, 0);
	r = sys_munmap(race.a, A_PAGES * PG);
	if (r || (r = sys_munmap(race.b, B_PAGES * PG)))
		fail("munmap", r);
	r = tb_check();
	if (r && r != -ENOSYS)
		fail("tb_check", r);
	if (hz > 0)
		printf("%d threads raced for %d ms\n", n, RUN_MS);
	else
		printf("%d threads raced for %d operations each\n", n, OPS_LINUX);
	return race.failed;
}
