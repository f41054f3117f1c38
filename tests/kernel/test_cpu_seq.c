/*
 * Restartable per-CPU sequences (arch/cpu_seq.h), the mm fast paths'
 * interrupt safety:
 *   - every range the build recorded restarts exactly the interrupts that
 *     land inside it: at its first instruction up to and including its
 *     commit, and not just past it;
 *   - live: every CPU pushes and pops tokens on its own stack (then its
 *     own list) while the next CPU sends it IPIs whose handler pushes a
 *     token of its own onto the same stack or list. A torn operation
 *     would lose a token or hand one back twice; every token must come
 *     back exactly once, the CPU's own in order. With one CPU nothing
 *     interrupts the loop, and it checks the operations alone.
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
#define FROM_IRQ (1ull << 32) /* a token the handler pushed */

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
	/* The slab magazines, the page caches and SLUB inline them. */
	ST_CHECK(n >= 2);
	ST_CHECK(this_cpu()->cpu_seq_restarts > before);
}

/*
 * The live test, once over stacks and once over lists: push(me, id) puts
 * token id on this CPU's stack or list, pop() takes the top one off (0:
 * empty). A list's tokens are objects holding their id: the worker's
 * DEPTH are reused every round, and the handler's come from a ring that
 * the worker empties every round, long before it wraps.
 */
struct seq_ops {
	const char *what;
	void (*reset)(void);
	bool (*push)(unsigned me, uint64_t id);
	uint64_t (*pop)(void);
	bool (*empty)(unsigned cpu); /* the CPU's stack or list, when still */
};

static struct test_stack {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_stack st;
} stacks[MAX_CPUS];
static void *slots[MAX_CPUS][SLOTS];

static struct test_list {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_list l;
} lists[MAX_CPUS];
struct token_obj {
	uint64_t id;
	void *link;
};
#define RING 64
static struct token_obj objs[MAX_CPUS][DEPTH + RING];

_Static_assert(sizeof(struct test_stack) == ENV_CPU_STACK_STRIDE, "stride");
_Static_assert(sizeof(struct test_list) == ENV_CPU_STACK_STRIDE, "stride");

static void stacks_reset(void)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		stacks[c].st = (struct env_cpu_stack){ slots[c], 0, SLOTS };
}

static bool stack_push(unsigned me, uint64_t id)
{
	(void)me;
	return env_cpu_stack_push(&stacks[0].st, (void *)(uintptr_t)id);
}

static uint64_t stack_pop(void)
{
	return (uint64_t)(uintptr_t)env_cpu_stack_pop(&stacks[0].st);
}

static bool stack_empty(unsigned cpu)
{
	return stacks[cpu].st.count == 0;
}

/* Each CPU's list is owned by its own row of objects. */
static void lists_reset(void)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		lists[c].l = (struct env_cpu_list){ NULL, objs[c], offsetof(struct token_obj, link) };
}

/* id's object: the worker's by depth, the handler's by sequence number. */
static bool list_push(unsigned me, uint64_t id)
{
	uint32_t seq = (uint32_t)id;
	struct token_obj *o = &objs[me][(id & FROM_IRQ) ? DEPTH + seq % RING : seq % DEPTH];

	o->id = id;
	return env_cpu_list_push(&lists[0].l, objs[me], o);
}

static uint64_t list_pop(void)
{
	struct token_obj *o = env_cpu_list_pop(&lists[0].l);

	return o != NULL ? o->id : 0;
}

static bool list_empty_of(unsigned cpu)
{
	return lists[cpu].l.head == NULL;
}

static const struct seq_ops stack_ops = { "stacks", stacks_reset, stack_push, stack_pop,
					  stack_empty };
static const struct seq_ops list_ops = { "lists", lists_reset, list_push, list_pop,
					 list_empty_of };
static const struct seq_ops *ops;

static atomic_uint sent_to[MAX_CPUS], handled[MAX_CPUS];
static atomic_bool looping[MAX_CPUS]; /* a target is sent IPIs only while it pops */
static atomic_bool torn;
static struct barrier done;

static uint64_t token(unsigned cpu, uint64_t seq)
{
	return ((uint64_t)(cpu + 1) << 40) | seq;
}

/* Leaves a token of its own on top: an operation it interrupted and did
 * not restart would lose it, or hand back a token twice. */
static void push_handler(struct trapframe *tf)
{
	unsigned me = this_cpu_id();
	unsigned seq = atomic_load_explicit(&handled[me], memory_order_relaxed);

	(void)tf;
	if (!ops->push(me, token(me, FROM_IRQ | seq)))
		atomic_store(&torn, true);
	atomic_fetch_add_explicit(&handled[me], 1, memory_order_release);
}

/* Tallies the handler's tokens as they come off the stack. */
struct tally {
	uint64_t n, sum;
};

static bool take(struct tally *t, uint64_t v, unsigned me)
{
	if (v == 0 || v >> 40 != me + 1 || !(v & FROM_IRQ))
		return false;
	t->n++;
	t->sum += (uint32_t)v;
	return true;
}

static void worker(void *arg)
{
	unsigned me = this_cpu_id(), n = smp_cpus_online, next = (me + 1) % n;
	struct tally t = { 0, 0 };
	uint64_t got, v;

	(void)arg;
	for (unsigned round = 0; round < ROUNDS && !atomic_load(&torn); round++) {
		for (unsigned d = 0; d < DEPTH; d++) {
			if (!ops->push(me, token(me, round * DEPTH + d)))
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
			while (take(&t, v = ops->pop(), me))
				;
			if (v != token(me, round * DEPTH + d)) {
				atomic_store(&torn, true);
				break;
			}
		}
		while (take(&t, v = ops->pop(), me))
			;
		if (v != 0)
			atomic_store(&torn, true);
	}
	atomic_store(&looping[me], false);
	barrier_wait(&done);
	while (atomic_load_explicit(&handled[me], memory_order_acquire) !=
	       atomic_load_explicit(&sent_to[me], memory_order_relaxed))
		cpu_relax();
	while (take(&t, v = ops->pop(), me))
		;
	got = atomic_load(&handled[me]);
	/* Every handler token once: seqs 0 .. got-1. */
	if (v != 0 || !ops->empty(me) || t.n != got || t.sum != got * (got - 1) / 2)
		atomic_store(&torn, true);
}

/* Every CPU runs the worker on its own stack or list under IPIs; false if
 * a token was lost or came back twice. */
static bool run_interrupted(const struct seq_ops *o)
{
	uint64_t restarts = 0;

	ops = o;
	ops->reset();
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		atomic_init(&sent_to[c], 0);
		atomic_init(&handled[c], 0);
		atomic_init(&looping[c], true);
	}
	atomic_init(&torn, false);
	barrier_init(&done, smp_cpus_online);
	if (irq_register(VECTOR_IPI_TEST, push_handler) != 0)
		return false;
	for (unsigned c = 0; c < smp_cpus_online; c++)
		restarts -= cpu_area(c)->cpu_seq_restarts;
	on_each_cpu(worker, NULL);
	for (unsigned c = 0; c < smp_cpus_online; c++)
		restarts += cpu_area(c)->cpu_seq_restarts;
	irq_unregister(VECTOR_IPI_TEST);
	env_log("cpu_seq: %s, %u CPUs, %llu interrupts landed inside a sequence and restarted it",
		ops->what, smp_cpus_online, (unsigned long long)restarts);
	return !atomic_load(&torn);
}

SELFTEST(cpu_seq_interrupted_stacks)
{
	ST_CHECK(run_interrupted(&stack_ops));
	/* A full stack refuses a push; an empty one pops NULL. */
	stacks[this_cpu_id()].st.cap = 1;
	ST_CHECK(env_cpu_stack_push(&stacks[0].st, (void *)1));
	ST_CHECK(!env_cpu_stack_push(&stacks[0].st, (void *)2));
	ST_CHECK(env_cpu_stack_pop(&stacks[0].st) == (void *)1);
	ST_CHECK(env_cpu_stack_pop(&stacks[0].st) == NULL);
}

SELFTEST(cpu_seq_interrupted_lists)
{
	unsigned me = this_cpu_id();

	ST_CHECK(run_interrupted(&list_ops));
	/* A push naming another owner is refused and leaves the object
	 * alone; an empty list pops NULL. */
	objs[me][0].link = &objs[me][1];
	ST_CHECK(!env_cpu_list_push(&lists[0].l, objs[(me + 1) % MAX_CPUS], &objs[me][0]));
	ST_CHECK(objs[me][0].link == &objs[me][1]);
	ST_CHECK(env_cpu_list_push(&lists[0].l, objs[me], &objs[me][0]));
	ST_CHECK(objs[me][0].link == NULL);
	ST_CHECK(env_cpu_list_pop(&lists[0].l) == &objs[me][0]);
	ST_CHECK(env_cpu_list_pop(&lists[0].l) == NULL);
}
