/*
 * IPI delivery: to one CPU, to a set of CPUs, and to all but self. A test
 * handler counts arrivals per CPU; each send must reach exactly its
 * targets. Also: an NMI sent to every other CPU arrives and runs on the
 * NMI's IST stack, not on the interrupted stack.
 */
#include <stdatomic.h>

#include <arch/irqflags.h>
#include <arch/layout.h>
#include <arch/tsc.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>

#define WAIT_SECONDS 5

static atomic_uint hits[MAX_CPUS];

static void test_handler(struct trapframe *tf)
{
	(void)tf;
	atomic_fetch_add(&hits[this_cpu_id()], 1);
}

static bool wait_hits(const unsigned *expect)
{
	uint64_t end = tsc_read() + tsc_hz * WAIT_SECONDS;
	for (;;) {
		bool all = true;
		for (unsigned c = 0; c < smp_cpus_online; c++)
			all &= atomic_load(&hits[c]) >= expect[c];
		if (all)
			return true;
		if (tsc_read() > end)
			return false;
		cpu_relax();
	}
}

static void check_hits(const unsigned *expect, const char *what)
{
	if (!wait_hits(expect)) {
		selftest_fail("%s: IPI not delivered within %d s", what, WAIT_SECONDS);
		return;
	}
	for (unsigned c = 0; c < smp_cpus_online; c++)
		if (atomic_load(&hits[c]) != expect[c]) {
			selftest_fail("%s: cpu %u got %u IPIs, expected %u", what, c,
				      atomic_load(&hits[c]), expect[c]);
			return;
		}
}

SELFTEST(ipi_one_set_all_but_self)
{
	static unsigned expect[MAX_CPUS];
	unsigned me = this_cpu_id();
	cpumask_t even;

	for (unsigned c = 0; c < MAX_CPUS; c++) {
		atomic_init(&hits[c], 0);
		expect[c] = 0;
	}
	ST_CHECK(irq_register(VECTOR_IPI_TEST, test_handler) == 0);

	for (unsigned c = 0; c < smp_cpus_online && !selftest_failed_here(); c++) {
		if (c == me)
			continue;
		ipi_send(c, VECTOR_IPI_TEST);
		expect[c]++;
		check_hits(expect, "send to one");
	}

	cpumask_clear(&even);
	for (unsigned c = 0; c < smp_cpus_online; c += 2)
		if (c != me) {
			cpumask_set(&even, c);
			expect[c]++;
		}
	ipi_send_mask(&even, VECTOR_IPI_TEST);
	if (!selftest_failed_here())
		check_hits(expect, "send to a set");

	if (smp_cpus_online > 1) {
		for (unsigned c = 0; c < smp_cpus_online; c++)
			expect[c] += c != me;
		ipi_send_all_but_self(VECTOR_IPI_TEST);
		if (!selftest_failed_here())
			check_hits(expect, "send to all but self");
	}
	irq_unregister(VECTOR_IPI_TEST);
}

SELFTEST(ipi_nmi_on_ist_stack)
{
	static uint64_t before[MAX_CPUS];
	unsigned me = this_cpu_id();

	for (unsigned c = 0; c < smp_cpus_online; c++)
		before[c] = atomic_load(&cpu_area(c)->nmis_received);
	ipi_send_nmi_all_but_self();
	uint64_t end = tsc_read() + tsc_hz * WAIT_SECONDS;
	for (unsigned c = 0; c < smp_cpus_online; c++) {
		if (c == me)
			continue;
		struct percpu *pc = cpu_area(c);
		while (atomic_load(&pc->nmis_received) == before[c]) {
			if (tsc_read() > end) {
				selftest_fail("cpu %u: NMI not delivered within %d s", c, WAIT_SECONDS);
				return;
			}
			cpu_relax();
		}
		uint64_t top = pc->arch.tss.ist[IST_NMI - 1];
		uint64_t frame = pc->arch.last_nmi_frame;
		if (frame >= top || frame < top - IST_STACK_SIZE) {
			selftest_fail("cpu %u: NMI frame %#lx is not on its NMI stack [%#lx, %#lx)", c,
				      (unsigned long)frame, (unsigned long)(top - IST_STACK_SIZE),
				      (unsigned long)top);
			return;
		}
	}
	ST_CHECK_EQ(atomic_load(&cpu_area(me)->nmis_received), before[me]);
}
