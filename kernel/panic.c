/*
 * The panic path.
 *
 * The first CPU to panic wins a compare-and-swap on panic_cpu and becomes
 * the only one that prints: it sends an NMI to every other CPU (the NMI
 * handler sees panic_in_progress() and parks the CPU for good), waits
 * briefly for them to park, busts the console lock and prints the report.
 * A CPU that panics second parks itself. A fault inside the report (a
 * recursive panic on the same CPU) prints one line and exits at once, so a
 * broken report can never turn into a triple fault.
 *
 * Every report ends with "PANIC: end of report", then QEMU exits with the
 * failure status.
 */
#include <stdarg.h>
#include <stdatomic.h>

#include <arch/irqflags.h>
#include <arch/platform.h>
#include <arch/x86.h>
#include <kernel/irq.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <lib/format.h>

#define NO_CPU (-1)
#define BACKTRACE_MAX 32
#define PARK_WAIT_SPINS 10000000

static atomic_int panic_cpu = NO_CPU;
static atomic_uint cpus_parked;

extern char __kernel_start[], __kernel_end[];

bool panic_in_progress(void)
{
	return atomic_load_explicit(&panic_cpu, memory_order_relaxed) != NO_CPU;
}

void panic_halt_self(void)
{
	atomic_fetch_add(&cpus_parked, 1);
	for (;;) {
		cli();
		hlt();
	}
}

static void raw_puts(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	console_write_raw(s, n);
}

void panic_begin(void)
{
	int me = (int)this_cpu_id();
	int expected = NO_CPU;

	cli();
	if (!atomic_compare_exchange_strong(&panic_cpu, &expected, me)) {
		if (expected != me)
			panic_halt_self();
		raw_puts("\nPANIC: recursive fault while reporting a panic\nPANIC: end of report\n");
		platform_exit(false);
	}
	if (smp_cpus_online > 1) {
		ipi_send_nmi_all_but_self();
		for (unsigned i = 0; i < PARK_WAIT_SPINS; i++) {
			if (atomic_load(&cpus_parked) >= smp_cpus_online - 1)
				break;
			cpu_relax();
		}
	}
	console_bust_lock();
	if (this_cpu()->line_len) /* start the report on a fresh line */
		kprintf("\n");
}

static bool frame_ok(uint64_t rbp, uint64_t prev)
{
	return rbp > prev && (rbp & 7) == 0 && rbp >= (uint64_t)(uintptr_t)__kernel_start &&
	       rbp + 16 <= (uint64_t)(uintptr_t)__kernel_end;
}

static void print_frame(unsigned n, uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		kprintf("  #%-2u %#018lx %s+%#lx\n", n, (unsigned long)addr, name, (unsigned long)off);
	else
		kprintf("  #%-2u %#018lx ?\n", n, (unsigned long)addr);
}

/* Walks the frame-pointer chain. Frames must lie inside the kernel image
 * (every kernel stack does) and move up the stack, so a corrupt chain ends
 * the walk instead of faulting. */
void panic_backtrace(uint64_t rip, uint64_t rbp)
{
	unsigned n = 0;
	uint64_t prev = 0;

	kprintf("backtrace:\n");
	print_frame(n++, rip);
	while (n < BACKTRACE_MAX && frame_ok(rbp, prev)) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];
		if (ret == 0)
			break;
		print_frame(n++, ret);
		prev = rbp;
		rbp = frame[0];
	}
}

void panic_end(void)
{
	kprintf("PANIC: end of report\n");
	platform_exit(false);
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("PANIC: cpu %u: %s\n", this_cpu_id(), msg);
	const uint64_t *fp = __builtin_frame_address(0);
	panic_backtrace(fp[1], fp[0]);
	panic_end();
}
