/*
 * alloc.xmalloc - xmalloc-test (Lever and Boreham, "malloc() Performance
 * in a Multithreaded Linux Environment", USENIX 2000; the version in
 * mimalloc-bench) on kmalloc/kfree: producers allocate objects (op
 * malloc), write them, and pass them in batches through one shared queue
 * to consumers, which free them (op free). Every object is freed by
 * another CPU than the one that allocated it.
 *
 * Roles: even CPUs produce, odd CPUs consume; the last CPU, when it has
 * no partner (1 CPU, or an odd count), does both, a batch of each in
 * turn. Every CPU makes as many calls, so production and consumption
 * balance exactly.
 *
 * Parameters (bench/README.md, "Allocator benchmarks from the
 * literature"): mimalloc-bench's `xmalloc-test -w P -t 5 -s 64`: 64-byte
 * objects (the first 64 bytes written), batches of 4,096 objects in a
 * kmalloc'd batch, at most 100 batches queued, a LIFO queue. Changed: P
 * producers and P consumers are 2P threads on P CPUs there, cpus/2 of each
 * here (a CPU runs one thread), and a count of batches instead of 5
 * seconds.
 *
 * Sharing and ordering: the queue (head, count) is under one
 * test-and-set spinlock; taking it is an acquire and dropping it a
 * release, so a consumer sees the batch and the objects its producer
 * wrote before enqueueing it. A CPU's fill and drain state is its own.
 * A failure anywhere sets `failed`, which every waiter polls, so no CPU
 * waits for a batch that will never come; the coordinator frees what is
 * left after the phase.
 */
#include <stdatomic.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

#define XM_SIZE 64
#define XM_BATCH 4096		/* objects per batch, xmalloc-test's */
#define XM_QUEUE_MAX 100	/* batches queued at most, xmalloc-test's */
#define XM_BATCHES 50		/* per CPU before scaling (made even) */
#define XM_WRITE_MAX 128	/* xmalloc-test writes at most this much of an object */

struct xm_batch {
	struct xm_batch *next;
	void *obj[XM_BATCH];
};

struct xm_cpu {
	_Alignas(64) struct xm_batch *fill;	/* being filled: obj[0 .. filled) */
	unsigned filled;
	struct xm_batch *drain;			/* being freed: obj[drained ..) left */
	unsigned drained;
};

struct xm_run {
	_Alignas(64) atomic_flag lock;
	struct xm_batch *head;	/* under lock */
	unsigned count;		/* under lock */
	_Alignas(64) _Atomic bool failed;
	struct xm_cpu cpu[BENCH_MAX_CPUS];
};

static void xm_fail(struct xm_run *xr, const char *what)
{
	atomic_store(&xr->failed, true);
	bench_fail("alloc.xmalloc: %s", what);
}

static void xm_lock(struct xm_run *xr)
{
	while (atomic_flag_test_and_set_explicit(&xr->lock, memory_order_acquire))
		bench_relax();
}

static void xm_unlock(struct xm_run *xr)
{
	atomic_flag_clear_explicit(&xr->lock, memory_order_release);
}

/* Queues b, waiting while the queue is full; false if the run failed. */
static bool xm_enqueue(struct xm_run *xr, struct xm_batch *b)
{
	for (;;) {
		xm_lock(xr);
		if (xr->count < XM_QUEUE_MAX) {
			b->next = xr->head;
			xr->head = b;
			xr->count++;
			xm_unlock(xr);
			return true;
		}
		xm_unlock(xr);
		if (atomic_load_explicit(&xr->failed, memory_order_relaxed))
			return false;
		bench_relax();
	}
}

/* The newest batch, waiting while there is none; NULL if the run failed. */
static struct xm_batch *xm_dequeue(struct xm_run *xr)
{
	for (;;) {
		xm_lock(xr);
		struct xm_batch *b = xr->head;
		if (b != NULL) {
			xr->head = b->next;
			xr->count--;
		}
		xm_unlock(xr);
		if (b != NULL || atomic_load_explicit(&xr->failed, memory_order_relaxed))
			return b;
		bench_relax();
	}
}

static void produce(struct bench_cpu *bc, struct xm_run *xr, struct xm_cpu *c)
{
	void *p;

	if (c->fill == NULL && (c->fill = kmalloc(sizeof(*c->fill), GFP_KERNEL)) == NULL) {
		xm_fail(xr, "no memory for a batch");
		return;
	}
	BENCH_TIME(bc, 0, p = kmalloc(XM_SIZE, GFP_KERNEL));
	if (p == NULL) {
		xm_fail(xr, "kmalloc(64) failed");
		return;
	}
	memset(p, (int)(c->filled & 0xff), XM_SIZE < XM_WRITE_MAX ? XM_SIZE : XM_WRITE_MAX);
	c->fill->obj[c->filled++] = p;
	if (c->filled == XM_BATCH && xm_enqueue(xr, c->fill)) {
		c->fill = NULL;
		c->filled = 0;
	}
}

static void consume(struct bench_cpu *bc, struct xm_run *xr, struct xm_cpu *c)
{
	if (c->drain == NULL) {
		if ((c->drain = xm_dequeue(xr)) == NULL)
			return;
		c->drained = 0;
	}
	BENCH_TIME(bc, 1, kfree(c->drain->obj[c->drained]));
	if (++c->drained == XM_BATCH) {
		kfree(c->drain);
		c->drain = NULL;
	}
}

static void xm_op(struct bench_cpu *bc, unsigned i)
{
	struct xm_run *xr = bc->arg;
	bool partner = bc->cpu % 2 == 1 || bc->cpu + 1 < bc->cpus;
	bool producing = partner ? bc->cpu % 2 == 0 : i % (2 * XM_BATCH) < XM_BATCH;

	if (atomic_load_explicit(&xr->failed, memory_order_relaxed))
		return;
	if (producing)
		produce(bc, xr, &xr->cpu[bc->cpu]);
	else
		consume(bc, xr, &xr->cpu[bc->cpu]);
}

static void free_objs(void **obj, unsigned from, unsigned to)
{
	for (unsigned k = from; k < to; k++)
		kfree(obj[k]);
}

/* After the phase: whatever a failure left half-way (nothing otherwise). */
static void xm_release(struct xm_run *xr, unsigned cpus)
{
	for (unsigned c = 0; c < cpus; c++) {
		struct xm_cpu *x = &xr->cpu[c];

		if (x->fill != NULL)
			free_objs(x->fill->obj, 0, x->filled);
		if (x->drain != NULL)
			free_objs(x->drain->obj, x->drained, XM_BATCH);
		kfree(x->fill);
		kfree(x->drain);
	}
	while (xr->head != NULL) {
		struct xm_batch *b = xr->head;

		xr->head = b->next;
		free_objs(b->obj, 0, XM_BATCH);
		kfree(b);
	}
}

int bench_alloc_xmalloc(const struct bench_step *step)
{
	static struct xm_run xr;
	unsigned batches = (bench_ops(step, XM_BATCHES) + 1) & ~1u;
	char params[128];
	int rc;

	xr = (struct xm_run){ .lock = ATOMIC_FLAG_INIT };
	ksnprintf(params, sizeof(params), "size=%u batch=%u queue=%u batches=%u "
		  "published=threads:2N,time:5s", XM_SIZE, XM_BATCH, XM_QUEUE_MAX, batches);
	struct bench_phase ph = { .suite = "alloc.xmalloc", .ops = { "malloc", "free" },
				  .params = params, .ops_per_cpu = batches * XM_BATCH,
				  .run = xm_op, .arg = &xr };
	rc = bench_phase_run(step, &ph);
	xm_release(&xr, step->cpus);
	return rc;
}
