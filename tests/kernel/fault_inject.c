/*
 * Deliberate faults for the panic-path tests (see kernel/fault_inject.h).
 * The page-fault address lies in a PML4 slot that nothing maps; the #GP
 * comes from a non-canonical address. A stack overflow runs into the
 * stack's guard page. The double fault comes from a
 * corrupt stack pointer: the #PF cannot push its frame, which makes it a
 * #DF, and only the IST stack keeps that from becoming a triple fault.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <arch/platform.h>
#include <kernel/fault_inject.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <lib/cmdline.h>

#define UNMAPPED_ADDR     0xffff900000001000ull
#define NONCANONICAL_ADDR 0x8000000000000000ull

/* Recurses until the stack runs into its guard page (the bound only keeps
 * the compiler from calling the recursion infinite). */
static unsigned recurse(volatile char *prev, unsigned depth)
{
	volatile char frame[256];
	frame[0] = prev ? prev[0] : 1;
	if (depth == 0)
		return frame[0];
	return recurse(frame, depth - 1) + frame[0];
}

static void fault_pagefault(void)
{
	*(volatile uint64_t *)(uintptr_t)UNMAPPED_ADDR = 1;
}

static void fault_gp(void)
{
	*(volatile uint64_t *)(uintptr_t)NONCANONICAL_ADDR = 1;
}

static void fault_ud(void)
{
	__asm__ volatile("ud2");
}

static void fault_doublefault(void)
{
	__asm__ volatile("movq %0, %%rsp\n\tpushq $0" : : "r"(UNMAPPED_ADDR) : "memory");
}

static void fault_stackoverflow(void)
{
	recurse(NULL, 1u << 20);
}

static void fault_panic(void)
{
	panic("deliberate panic (fault=panic)");
}

static const struct fault {
	const char *name;
	void (*commit)(void);
} faults[] = {
	{"pagefault", fault_pagefault},     {"gp", fault_gp},
	{"ud", fault_ud},                   {"doublefault", fault_doublefault},
	{"stackoverflow", fault_stackoverflow}, {"panic", fault_panic},
};

static void do_fault(void *arg)
{
	((const struct fault *)arg)->commit();
}

static const struct fault *find_fault(const char *name)
{
	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (strcmp(faults[i].name, name) == 0)
			return &faults[i];
	return NULL;
}

void fault_inject_from_cmdline(const char *cmdline)
{
	char kind[16];
	const struct fault *f = NULL;
	uint64_t cpu = 0;
	cpumask_t one;

	if (!cmdline_has(cmdline, "fault"))
		return;
	if (cmdline_get(cmdline, "fault", kind, sizeof(kind)))
		f = find_fault(kind);
	if (!f) {
		kprintf("fault: bad fault= value; expected one of:");
		for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			kprintf(" %s", faults[i].name);
		kprintf("\n");
		platform_exit(false);
	}
	int rc = cmdline_get_u64(cmdline, "fault_cpu", &cpu);
	if ((rc != 0 && rc != -ENOENT) || cpu >= smp_cpus_online) {
		kprintf("fault: bad fault_cpu (must be below %u)\n", smp_cpus_online);
		platform_exit(false);
	}
	kprintf("fault: injecting %s on cpu %lu\n", kind, (unsigned long)cpu);
	cpumask_clear(&one);
	cpumask_set(&one, (unsigned)cpu);
	on_cpus(&one, do_fault, (void *)f);
	kprintf("fault: %s on cpu %lu did not fault\n", kind, (unsigned long)cpu);
	platform_exit(false);
}
