/*
 * test_mt_mmap.c - one thread per CPU, all at once, each running random
 * mmap / munmap / mprotect / mremap / madvise(MADV_DONTNEED) on mappings
 * of its own in the shared address space, and checking after every call
 * that its memory holds what it wrote (or zeros where Linux gives zeros):
 * no thread's calls may disturb another's mappings. Half of the mappings
 * go to a fixed window private to the thread (MAP_FIXED_NOREPLACE, which
 * must succeed there), half wherever mmap puts them. Meanwhile thread 0
 * checks the address space's invariants (tb_check), and once more after
 * everything is unmapped. Optional argv[1]: the number of threads.
 */
#include "thread.h"
#include "utest.h"

#define SLOTS 8
/* Iterations of all threads together, at least MIN_ITERS each: every
 * munmap and mprotect is a shootdown to every thread's CPU, which costs
 * milliseconds once the virtual CPUs outnumber the host's cores. */
#define TOTAL_ITERS 200
#define MIN_ITERS 16
#define MAX_PAGES 16
#define SLOT_SPAN (8ul << 20)
#define WINDOW(id) (0x300000000000ul + (uintptr_t)(id) * (1ul << 30))

struct slot {
	uintptr_t addr; /* 0: empty */
	size_t len;
	uint64_t seed;
	bool in_window; /* at its fixed place in the thread's window */
};

struct worker {
	int id;
	unsigned iter;
	struct rng rng;
	struct slot slot[SLOTS];
};

static int failures;

static unsigned iterations(int threads)
{
	return TOTAL_ITERS / threads < MIN_ITERS ? MIN_ITERS : TOTAL_ITERS / threads;
}

static bool fail(struct worker *w, const char *what, uintptr_t addr, long r)
{
	printf("FAIL thread %d, iteration %u: %s at %p (%ld)\n", w->id, w->iter, what,
	       (void *)addr, r);
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	return false;
}

static uintptr_t window_of(struct worker *w, struct slot *s)
{
	return WINDOW(w->id) + (uintptr_t)(s - w->slot) * SLOT_SPAN;
}

static void refill(struct worker *w, struct slot *s)
{
	s->seed = (uint64_t)w->id << 32 | w->iter;
	fill_pattern(s->addr, s->len, s->seed);
}

static bool op_map(struct worker *w, struct slot *s)
{
	bool fixed = rng_below(&w->rng, 2);
	uintptr_t want = fixed ? window_of(w, s) : 0;
	long flags = MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED_NOREPLACE : 0) |
		     (rng_below(&w->rng, 4) ? 0 : MAP_POPULATE);
	size_t len = (1 + rng_below(&w->rng, MAX_PAGES)) * PG;
	long r = sys_mmap(want, len, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (SYS_IS_ERR(r) || (fixed && (uintptr_t)r != want))
		return fail(w, "mmap", want, r);
	*s = (struct slot){ (uintptr_t)r, len, 0, fixed };
	if (!is_zero(s->addr, len))
		return fail(w, "new mapping not zero", s->addr, 0);
	refill(w, s);
	return true;
}

static bool op_unmap(struct worker *w, struct slot *s)
{
	long r = sys_munmap(s->addr, s->len);

	if (r)
		return fail(w, "munmap", s->addr, r);
	/* Elsewhere another thread's mmap may take the range at once. */
	if (s->in_window && pages_mapped(s->addr, s->len))
		return fail(w, "still mapped after munmap", s->addr, 0);
	s->addr = 0;
	return true;
}

static bool op_protect(struct worker *w, struct slot *s)
{
	long r = sys_mprotect(s->addr, s->len, PROT_READ);

	if (r)
		return fail(w, "mprotect(PROT_READ)", s->addr, r);
	if (kernel_can_write(s->addr + s->len - 8))
		return fail(w, "writable after mprotect(PROT_READ)", s->addr, 0);
	if (!has_pattern(s->addr, s->len, s->seed))
		return fail(w, "contents changed by mprotect", s->addr, 0);
	r = sys_mprotect(s->addr, s->len, PROT_READ | PROT_WRITE);
	if (r)
		return fail(w, "mprotect(PROT_READ|PROT_WRITE)", s->addr, r);
	refill(w, s);
	return true;
}

static bool op_remap(struct worker *w, struct slot *s)
{
	size_t len = (1 + rng_below(&w->rng, 2 * MAX_PAGES)) * PG;
	size_t kept = len < s->len ? len : s->len;
	long r = sys_mremap(s->addr, s->len, len, MREMAP_MAYMOVE, 0);

	if (SYS_IS_ERR(r))
		return fail(w, "mremap", s->addr, r);
	s->in_window = s->in_window && (uintptr_t)r == s->addr;
	s->addr = (uintptr_t)r;
	if (!has_pattern(s->addr, kept, s->seed))
		return fail(w, "contents not kept by mremap", s->addr, 0);
	if (len > kept && !is_zero(s->addr + kept, len - kept))
		return fail(w, "grown part not zero", s->addr + kept, 0);
	s->len = len;
	refill(w, s);
	return true;
}

/* Drops the last page: it reads zero, the rest keeps its contents. */
static bool op_dontneed(struct worker *w, struct slot *s)
{
	uintptr_t last = s->addr + s->len - PG;
	long r = sys_madvise(last, PG, MADV_DONTNEED);

	if (r)
		return fail(w, "madvise(MADV_DONTNEED)", last, r);
	if (!is_zero(last, PG))
		return fail(w, "not zero after MADV_DONTNEED", last, 0);
	if (!has_pattern(s->addr, s->len - PG, s->seed))
		return fail(w, "contents changed by MADV_DONTNEED of another page", s->addr, 0);
	refill(w, s);
	return true;
}

static bool check_invariants(struct worker *w)
{
	long r = tb_check();

	return r == 0 || r == -ENOSYS || fail(w, "tb_check", 0, r);
}

static void worker(int id, int n, void *arg)
{
	static struct worker workers[THREADS_MAX];
	struct worker *w = &workers[id];
	unsigned iters = iterations(n);
	bool ok = true;

	(void)arg;
	w->id = id;
	rng_seed(&w->rng, 0x5eed0000u + (unsigned)id);
	for (w->iter = 0; ok && w->iter < iters; w->iter++) {
		struct slot *s = &w->slot[rng_below(&w->rng, SLOTS)];

		if (!s->addr) {
			ok = op_map(w, s);
			continue;
		}
		if (!has_pattern(s->addr, s->len, s->seed)) {
			ok = fail(w, "contents changed", s->addr, 0);
			break;
		}
		switch (rng_below(&w->rng, 4)) {
		case 0: ok = op_unmap(w, s); break;
		case 1: ok = op_protect(w, s); break;
		case 2: ok = op_remap(w, s); break;
		default: ok = op_dontneed(w, s); break;
		}
		if (ok && id == 0 && w->iter % 16 == 0)
			ok = check_invariants(w);
	}
	for (struct slot *s = w->slot; ok && s < w->slot + SLOTS; s++) {
		if (s->addr)
			ok = has_pattern(s->addr, s->len, s->seed) ? op_unmap(w, s) :
				fail(w, "contents changed", s->addr, 0);
	}
	team_wait();
	if (id == 0)
		check_invariants(w);
}

int main(int argc, char **argv)
{
	int n = run_threads(team_size(argc, argv), worker, 0);

	printf("%d threads, %u iterations each, %d failures\n", n, iterations(n), failures);
	return failures != 0;
}
