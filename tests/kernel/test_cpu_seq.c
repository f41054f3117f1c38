/*
 * Restartable per-CPU sequences (arch/cpu_seq.h), the mm fast paths'
 * interrupt safety:
 *   - every range the build recorded restarts exactly the interrupts that
 *     land inside it: at its first instruction up to and including its
 *     commit, and not just past it;
 *   - live: every CPU pushes and pops tokens on its own stack while the
 *     next CPU sends it IPIs whose handler pushes a token of its own onto
 *     the same stack. A torn operation would lose a token or hand one
 *     back twice; every token must come back exactly once, the CPU's own
 *     in order. With one CPU nothing interrupts the loop, and it checks
 *     the operations alone.
 */
#include <stdatomic.h>

#include <arch/cpu_seq.h>
#include <arch/trapframe.h>
#include <kernel/barrier.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <mm/env.h>

#define DEPTH 8          /* tokens a worker keeps on its stack at the peak */
#define ROUNDS 20000     /* push-pop rounds per worker */
#define SLOTS 64

SELFTEST(cpu_seq_ranges_restart)
{
	uint64_t before = this_cpu()->cpu_seq_restarts;
	unsigned n = 0;

	for (const struct cpu_seq_range *r = __cpu_seq_start; r < __cpu_seq_end; r++, n++) {
		struct trapframe tf = { 0 };

		/* Nine instructions at most, each under 10 bytes. */
		ST_CHECK(r->start < r->end && r->end - r->start < 90);
		for (uint64_t rip = r->start; rip < r->end; rip++) {
			tf.rip = rip;
			ST_CHECK(cpu_seq_fixup(&tf));
			ST_CHECK_EQ(tf.rip, r->start);
		}
		/* Just past the commit, the interrupt returns there: nothing,
		 * or a sequence that starts right there, restarts. */
		tf.rip = r->end;
		cpu_seq_fixup(&tf);
		ST_CHECK_EQ(tf.rip, r->end);
	}
	/* The slab magazines and the page caches inline them. */
	ST_CHECK(n >= 2);
	ST_CHECK(this_cpu()->cpu_seq_restarts > before);
}

static struct test_stack {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_stack st;
} stacks[MAX_CPUS];
static void *slots[MAX_CPUS][SLOTS];
static atomic_uint sent_to[MAX_CPUS], handled[MAX_CPUS];
static atomic_bool looping[MAX_CPUS]; /* a target is sent IPIs only while it pops */
static atomic_bool torn;
static struct barrier done;

_Static_assert(sizeof(struct test_stack) == ENV_CPU_STACK_STRIDE, "stride");

#define FROM_IRQ (1ull << 32)

static void *token(unsigned cpu, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)(cpu + 1) << 40) | seq);
}

/* Leaves a token of its own on top: an operation it interrupted and did
 * not restart would lose it, or hand back a token twice. */
static void push_handler(struct trapframe *tf)
{
	unsigned me = this_cpu_id();
	unsigned seq = atomic_load_explicit(&handled[me], memory_order_relaxed);

	(void)tf;
	if (!env_cpu_stack_push(&stacks[0].st, token(me, FROM_IRQ | seq)))
		atomic_store(&torn, true);
	atomic_fetch_add_explicit(&handled[me], 1, memory_order_release);
}

/* Tallies the handler's tokens as they come off the stack. */
struct tally {
	uint64_t n, sum;
};

static bool take(struct tally *t, void *p, unsigned me)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	if (p == NULL || v >> 40 != me + 1 || !(v & FROM_IRQ))
		return false;
	t->n++;
	t->sum += (uint32_t)v;
	return true;
}

static void worker(void *arg)
{
	unsigned me = this_cpu_id(), n = smp_cpus_online, next = (me + 1) % n;
	struct tally t = { 0, 0 };
	uint64_t got;
	void *p;

	(void)arg;
	for (unsigned round = 0; round < ROUNDS && !atomic_load(&torn); round++) {
		for (unsigned d = 0; d < DEPTH; d++) {
			if (!env_cpu_stack_push(&stacks[0].st, token(me, round * DEPTH + d)))
				atomic_store(&torn, true);
			/* One IPI in flight at most: the APIC merges a second
			 * of the same vector into the pending one. */
			if (n > 1 && d == round % DEPTH && atomic_load(&looping[next]) &&
			    atomic_load_explicit(&handled[next], memory_order_acquire) ==
				    atomic_load_explicit(&sent_to[next], memory_order_relaxed)) {
				atomic_fetch_add_explicit(&sent_to[next], 1, memory_order_relaxed);
				ipi_send(next, VECTOR_IPI_TEST);
			}
		}
		/* Our tokens come back in reverse order, the handler's between;
		 * then the stack is empty but for what a handler adds now. */
		for (unsigned d = DEPTH; d-- > 0;) {
			while (take(&t, p = env_cpu_stack_pop(&stacks[0].st), me))
				;
			if (p != token(me, round * DEPTH + d)) {
				atomic_store(&torn, true);
				break;
			}
		}
		while (take(&t, p = env_cpu_stack_pop(&stacks[0].st), me))
			;
		if (p != NULL)
			atomic_store(&torn, true);
	}
	atomic_store(&looping[me], false);
	barrier_wait(&done);
	while (atomic_load_explicit(&handled[me], memory_order_acquire) !=
	       atomic_load_explicit(&sent_to[me], memory_order_relaxed))
		cpu_relax();
	while (take(&t, p = env_cpu_stack_pop(&stacks[0].st), me))
		;
	got = atomic_load(&handled[me]);
	/* Every handler token once: seqs 0 .. got-1. */
	if (p != NULL || stacks[me].st.count != 0 || t.n != got || t.sum != got * (got - 1) / 2)
		atomic_store(&torn, true);
}

SELFTEST(cpu_seq_interrupted_stacks)
{
	uint64_t restarts = 0;

	for (unsigned c = 0; c < MAX_CPUS; c++) {
		stacks[c].st = (struct env_cpu_stack){ slots[c], 0, SLOTS };
		atomic_init(&sent_to[c], 0);
		atomic_init(&handled[c], 0);
		atomic_init(&looping[c], true);
	}
	atomic_init(&torn, false);
	barrier_init(&done, smp_cpus_online);
	ST_CHECK(irq_register(VECTOR_IPI_TEST, push_handler) == 0);
	for (unsigned c = 0; c < smp_cpus_online; c++)
		restarts -= cpu_area(c)->cpu_seq_restarts;
	on_each_cpu(worker, NULL);
	for (unsigned c = 0; c < smp_cpus_online; c++)
		restarts += cpu_area(c)->cpu_seq_restarts;
	irq_unregister(VECTOR_IPI_TEST);
	ST_CHECK(!atomic_load(&torn));
	/* A full stack refuses a push; an empty one pops NULL. */
	stacks[this_cpu_id()].st.cap = 1;
	ST_CHECK(env_cpu_stack_push(&stacks[0].st, token(0, 1)));
	ST_CHECK(!env_cpu_stack_push(&stacks[0].st, token(0, 2)));
	ST_CHECK(env_cpu_stack_pop(&stacks[0].st) == token(0, 1));
	ST_CHECK(env_cpu_stack_pop(&stacks[0].st) == NULL);
	env_log("cpu_seq: %u CPUs, %llu interrupts landed inside a sequence and restarted it",
		smp_cpus_online, (unsigned long long)restarts);
}
