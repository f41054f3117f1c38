/*
 * bench/user/wis.h - the driver of will-it-scale's tests in threads mode,
 * shared by the two programs that run them: bench/user/wis.c (the memory
 * tests, over the testbed's own small libc) and bench/user/musl/wis_malloc.c
 * (malloc1 and malloc2, over musl's malloc). Plain C that calls no C
 * library (only bench/hist.c): each program supplies wis_barrier(),
 * wis_report() and the tests' operations.
 *
 * A test is an iteration (what will-it-scale counts) and, for the tests
 * that walk a region page by page, a round around the iterations (map the
 * region before its first page, unmap it after its last). Every thread of
 * the process (one per CPU) runs the same test on its own region:
 *   warm-up iterations (whole rounds), untimed;
 *   barrier; thread 0 sends VM_MARK_BEGIN;
 *   the counted iterations (whole rounds): a pseudo-random 1 in `period`
 *   timed into kind 0's histogram (bench/sample.h), every round's end
 *   (the munmap) timed into kind 1's;
 *   barrier; thread 0 sends VM_MARK_END;
 *   the test's teardown, then one VM_HIST per kind with the operations
 *   done (bench/vm_report.h).
 * The operations abort the program on any failure (status 1 and a message
 * naming the call and its errno): no numbers from operations that did not
 * happen.
 *
 * Threads share only the argument block (written before they start); each
 * one's struct wis_thread is its own.
 */
#ifndef BENCH_USER_WIS_H
#define BENCH_USER_WIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sample.h"
#include "tsc.h"
#include "../vm_report.h"

#define WIS_PAGE 4096ul

struct wis_thread;

struct wis_test {
	const char *name;
	bool paged;	/* an iteration is one page of a region; else no rounds */
	void (*setup)(struct wis_thread *t);	/* before the warm-up; may be NULL */
	void (*round)(struct wis_thread *t);	/* paged: map the region */
	void (*iter)(struct wis_thread *t, uint64_t page);
	void (*unround)(struct wis_thread *t);	/* paged: unmap it (kind 1) */
	void (*teardown)(struct wis_thread *t);	/* may be NULL */
};

/* "<test>:<ops>:<warm>:<period>:<size>", from the kernel's suite
 * (bench/suite_wis.c): iterations per thread, counted and warm-up, the
 * sample period (a power of two) and the region's (or block's) size. */
struct wis_args {
	const struct wis_test *test;
	uint64_t ops, warm, period, size;
	uint64_t per_round;	/* paged: pages of the region; else 1 */
};

struct wis_thread {
	unsigned id;
	const struct wis_args *args;
	struct vm_hist *hist[VM_KINDS];
	uint64_t rng;
	bool counting;		/* after the warm-up */
	int fd;			/* the test's file, if it has one */
	uintptr_t region;	/* the region of the current round */
};

/* Supplied by the program: a barrier of all its threads; hand one
 * report to the harness (tb_report) or abort. */
static void wis_barrier(void);
static void wis_report(const void *buf, size_t len);

static inline bool wis_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static inline bool wis_name_is(const char *name, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && name[i] && name[i] == s[i])
		i++;
	return i == len && name[i] == 0;
}

/* Fills a from arg; false if it is malformed or names no test of tests[]. */
static inline bool wis_parse(const char *arg, const struct wis_test *tests, unsigned ntests,
			     struct wis_args *a)
{
	const char *f[5], *start = arg;
	size_t len[5];
	unsigned n = 0;
	uint64_t *num[4] = { &a->ops, &a->warm, &a->period, &a->size };

	for (const char *p = arg;; p++) {
		if (*p != ':' && *p != 0)
			continue;
		if (n == 5)
			return false;
		f[n] = start;
		len[n++] = (size_t)(p - start);
		start = p + 1;
		if (*p == 0)
			break;
	}
	if (n != 5)
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (!wis_u64(f[i + 1], f[i + 1] + len[i + 1], num[i]))
			return false;
	a->test = NULL;
	for (unsigned i = 0; i < ntests; i++)
		if (wis_name_is(tests[i].name, f[0], len[0]))
			a->test = &tests[i];
	if (!a->test)
		return false;
	a->per_round = a->test->paged ? a->size / WIS_PAGE : 1;
	return a->ops > 0 && a->period > 0 && !(a->period & (a->period - 1)) &&
	       a->size > 0 && !(a->size & (a->size - 1)) && a->size <= (1ull << 46) && a->per_round > 0 &&
	       a->ops % a->per_round == 0 && a->warm % a->per_round == 0;
}

static inline void wis_record(struct wis_thread *t, unsigned kind, uint64_t cycles)
{
	hist_record(&t->hist[kind]->h, cycles);
}

/* n iterations, whole rounds. The page is counted, not i % per_round:
 * a division per iteration would weigh on malloc2. */
static inline void wis_loop(struct wis_thread *t, uint64_t n)
{
	const struct wis_test *test = t->args->test;
	uint64_t per_round = t->args->per_round, page = 0;
	unsigned period = (unsigned)t->args->period;

	for (uint64_t i = 0; i < n; i++) {
		if (test->paged && page == 0)
			test->round(t);
		if (t->counting && bench_sample_next(&t->rng, period)) {
			uint64_t t0 = user_tsc();
			test->iter(t, page);
			wis_record(t, 0, user_tsc() - t0);
		} else {
			test->iter(t, page);
		}
		if (++page < per_round)
			continue;
		page = 0;
		if (test->paged && t->counting) {
			uint64_t t0 = user_tsc();
			test->unround(t);
			wis_record(t, 1, user_tsc() - t0);
			t->hist[1]->ops++;
		} else if (test->paged) {
			test->unround(t);
		}
	}
	if (t->counting)
		t->hist[0]->ops += n;
}

static inline void wis_mark(uint32_t type)
{
	struct vm_mark m = { VM_REPORT_MAGIC, type };

	wis_report(&m, sizeof(m));
}

/* One thread's whole run; hist[] points to VM_KINDS vm_hists of its own. */
static inline void wis_thread_run(struct wis_thread *t)
{
	const struct wis_test *test = t->args->test;

	t->rng = bench_sample_seed(t->id);
	for (uint32_t k = 0; k < VM_KINDS; k++) {
		struct vm_hist *vh = t->hist[k];

		vh->magic = VM_REPORT_MAGIC;
		vh->type = VM_HIST;
		vh->kind = k;
		vh->thread = t->id;
		vh->ops = 0;
		hist_init(&vh->h);
	}
	if (test->setup)
		test->setup(t);
	wis_loop(t, t->args->warm);
	t->counting = true;
	wis_barrier();
	if (t->id == 0)
		wis_mark(VM_MARK_BEGIN);
	wis_loop(t, t->args->ops);
	wis_barrier();
	if (t->id == 0)
		wis_mark(VM_MARK_END);
	if (test->teardown)
		test->teardown(t);
	for (unsigned k = 0; k < VM_KINDS; k++)
		wis_report(t->hist[k], sizeof(struct vm_hist));
}

#endif
