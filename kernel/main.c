/*
 * kmain: the boot CPU's path from the PVH entry to the self-tests.
 *
 * Order matters: the per-CPU area comes first (printing uses it), then the
 * loader's data is copied out before anything can overwrite it and the
 * command line checked, then the platform (ACPI, APIC, TSC), then the APs.
 * Only the boot CPU runs here; the APs wait in smp_ap_idle() for work from
 * on_cpus(). Then one of: the benchmark harness (bench=...), one user
 * program on every CPU (user=<prog>[:<arg>]), or the self-tests.
 */
#include <errno.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/irqflags.h>
#include <arch/platform.h>
#include <arch/tsc.h>
#include <kernel/acpi.h>
#include <kernel/bench.h>
#include <kernel/boot.h>
#include <kernel/compiler.h>
#include <kernel/fault_inject.h>
#include <kernel/mm_boot.h>
#include <kernel/program_files.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/cmdline.h>
#include <lib/errno_name.h>
#include <mm/init.h>

#ifndef KERNEL_COMMIT
#define KERNEL_COMMIT "unknown"
#endif

static struct acpi_info acpi;

/* Every option the kernel understands; anything else is a typo to report. */
static const char *const cmdline_keys[] = {
	"selftest",	"fault",	"fault_cpu",	"apic",		"bench",
	"bench_cpus",	"bench_modes",	"bench_sample",	"bench_batch",	"bench_repeat",
	"bench_quick",	"bench_scale",	"bench_cell",	"user",		"overcommit",
	"overcommit_ratio",
	NULL,
};

/* Options that only qualify another: alone they would be ignored. */
static const char *const cmdline_needs[][2] = {
	{"fault_cpu", "fault"},	   {"bench_cpus", "bench"},  {"bench_modes", "bench"},
	{"bench_sample", "bench"}, {"bench_batch", "bench"}, {"bench_repeat", "bench"},
	{"bench_quick", "bench"},  {"bench_scale", "bench"}, {"bench_cell", "bench"},
};

void kmain(uint64_t start_info_phys);

/* A command line the kernel would misread (cut short, a typo, an option
 * that would be ignored or would override another) ends the boot as a
 * failure with a line that says why, before anything acts on it. */
static void check_cmdline(const char *cmdline)
{
	char key[64];
	int rc;

	if (boot_info.cmdline_too_long) {
		kprintf("cmdline: longer than %d bytes, the most the kernel takes\n",
			BOOT_CMDLINE_MAX - 1);
		platform_exit(false);
	}
	rc = cmdline_check_keys(cmdline, cmdline_keys, key, sizeof(key));
	if (rc == -EEXIST) {
		kprintf("cmdline: %s given more than once\n", key);
		platform_exit(false);
	}
	if (rc) {
		kprintf("cmdline: unknown option '%s' (known:", key);
		for (unsigned k = 0; cmdline_keys[k]; k++)
			kprintf(" %s", cmdline_keys[k]);
		kprintf(")\n");
		platform_exit(false);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(cmdline_needs); i++) {
		if (cmdline_has(cmdline, cmdline_needs[i][0]) &&
		    !cmdline_has(cmdline, cmdline_needs[i][1])) {
			kprintf("cmdline: %s= needs %s= (alone it would be ignored)\n",
				cmdline_needs[i][0], cmdline_needs[i][1]);
			platform_exit(false);
		}
	}
	if (cmdline_has(cmdline, "bench") && cmdline_has(cmdline, "user")) {
		kprintf("cmdline: bench= and user= cannot be combined (a boot runs the "
			"benchmarks or one program)\n");
		platform_exit(false);
	}
}

static void print_memmap(void)
{
	uint64_t usable = 0;

	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		kprintf("mem: [0x%012lx-0x%012lx] %s\n", (unsigned long)r->base,
			(unsigned long)(r->base + r->size - 1), boot_mem_type_name(r->type));
		if (r->type == BOOT_MEM_USABLE)
			usable += r->size;
	}
	if (boot_info.memmap_dropped)
		kprintf("mem: %u regions beyond BOOT_MEMMAP_MAX ignored\n", boot_info.memmap_dropped);
	kprintf("mem: %lu KiB usable, kernel image at [%#lx-%#lx)\n", (unsigned long)(usable >> 10),
		(unsigned long)boot_info.kernel_phys_start, (unsigned long)boot_info.kernel_phys_end);
}

/* user=<prog>[:<arg>]: the program on every CPU; success if it exits 0,
 * or is killed as it announced (tb_expect_fault or tb_expect_signal). */
static bool run_user_program(const char *cmdline)
{
	static char value[BOOT_CMDLINE_MAX];
	struct proc_result res = {0};
	char *arg;
	int rc;

	if (!cmdline_get(cmdline, "user", value, sizeof(value)) || !value[0]) {
		kprintf("cmdline: user= needs a program name, e.g. user=hello or user=hello:arg\n");
		return false;
	}
	arg = strchr(value, ':');
	if (arg)
		*arg++ = 0;
	rc = proc_run(value, arg, &cpu_online_mask, &res);
	if (rc == -ENOENT) {
		kprintf("user: no program '%s'; built in:", value);
		for (uint64_t i = 0; i < user_programs_count; i++)
			kprintf(" %s", user_programs[i].name);
		kprintf("\n");
		return false;
	}
	if (rc) {
		kprintf("user: %s could not start: error %d (%s)\n", value, rc, errno_name(-rc));
		return false;
	}
	bool ok = proc_result_ok(&res);
	if (res.killed)
		kprintf("user: %s killed, %s (%u threads)\n", value,
			ok ? "as it announced" : res.expected ? "not as it announced" : "unannounced",
			res.threads);
	else
		kprintf("user: %s exited with status %d (%u threads)\n", value, res.status,
			res.threads);
	return ok;
}

void kmain(uint64_t start_info_phys)
{
	char selection[64];

	arch_early_init();
	serial_init();
	pvh_parse(start_info_phys);
	kprintf("testbed kernel, commit %s\n", KERNEL_COMMIT);
	/* In three calls: one kprintf takes less than CONSOLE_LINE_MAX bytes,
	 * and the command line alone can fill that. */
	kprintf("cmdline: ");
	kprintf("%s", boot_info.cmdline);
	kprintf("\n");
	check_cmdline(boot_info.cmdline);
	print_memmap();

	mm_boot_init();
	mm_cpu_init();
	program_files_init();

	arch_platform_init(&acpi);
	kprintf("cpu: %s, hypervisor \"%s\", nx=%d smep=%d smap=%d umip=%d pdpe1gb=%d\n",
		cpu_features.vendor, cpu_features.hypervisor_id, cpu_features.nx,
		cpu_features.smep, cpu_features.smap, cpu_features.umip, cpu_features.pdpe1gb);
	kprintf("accel: %s\n", cpu_accel_name());
	kprintf("apic: %s\n", lapic_mode_name());
	/* TCG never reports invariance, though its TSC follows the host's
	 * constant-rate clock; elsewhere a variable TSC makes timings suspect. */
	kprintf("tsc: %lu Hz (source %s, %s)\n", (unsigned long)tsc_hz, tsc_source,
		cpu_features.invariant_tsc ? "invariant"
					   : "not reported invariant by CPUID: timings may drift");

	smp_init_ipis();
	tlb_ipi_init();
	proc_init();
	irq_enable(); /* the boot CPU takes IPIs like any other from here on */
	arch_smp_boot(&acpi);
	kprintf("smp: %u CPUs online\n", smp_cpus_online);

	fault_inject_from_cmdline(boot_info.cmdline);
	if (cmdline_has(boot_info.cmdline, "bench"))
		platform_exit(bench_main(boot_info.cmdline));
	if (cmdline_has(boot_info.cmdline, "user"))
		platform_exit(run_user_program(boot_info.cmdline));

	if (!cmdline_has(boot_info.cmdline, "selftest"))
		memcpy(selection, "all", 4);
	else if (!cmdline_get(boot_info.cmdline, "selftest", selection, sizeof(selection)) ||
		 !selection[0]) {
		kprintf("cmdline: selftest= needs all, none, a test name or a list (up to %zu chars)\n",
			sizeof(selection) - 1);
		platform_exit(false);
	}
	platform_exit(selftest_run(selection));
}
