/*
 * hostile_privileged.c - every privileged instruction, run in ring 3,
 * kills the program with SIGSEGV (#GP) as on Linux, and does nothing
 * first: no halted CPU, no interrupts turned off, no port I/O (port 0xf4
 * would end QEMU), no MSR, control or debug register, descriptor table,
 * TLB or cache touched. Raising IOPL through popf is silently refused, so
 * a cli after it still faults. stac and clac are for ring 0 only: #UD,
 * SIGILL. Left out: instructions whose fault depends on the CPU's vendor
 * or on the kernel's set-up (sysenter/sysexit, xsetbv, the FSGSBASE and
 * UMIP-governed ones, monitor/mwait, VMX and SVM).
 */
#include "hostile.h"

#define KERNEL_DS "0x10" /* a DPL-0 selector on the testbed and on Linux */

#define ASM_CASE(fn, body)                                                          \
	static void fn(const struct hostile_case *c)                                \
	{                                                                           \
		(void)c;                                                            \
		__asm__ volatile(body : : : "rax", "rcx", "rdx", "rsi", "rdi", "memory"); \
	}

/* A 10-byte descriptor-table pointer for lgdt and lidt: a limit and an
 * address nothing should ever load. */
static const struct __attribute__((packed)) {
	uint16_t limit;
	uint64_t base;
} bogus_table = {0xfff, 0x1000};

ASM_CASE(run_hlt, "hlt")
ASM_CASE(run_cli, "cli")
ASM_CASE(run_sti, "sti")
ASM_CASE(run_popf_iopl_cli, "pushfq\n\torq $0x3000, (%%rsp)\n\tpopfq\n\tcli")
ASM_CASE(run_in, "movl $0x3f8, %%edx\n\tinb %%dx, %%al")
ASM_CASE(run_out_debug_exit, "xorl %%eax, %%eax\n\toutb %%al, $0xf4")
ASM_CASE(run_insb, "movl $0x3f8, %%edx\n\tleaq -8(%%rsp), %%rdi\n\tinsb")
ASM_CASE(run_outsb, "movl $0x3f8, %%edx\n\tleaq -8(%%rsp), %%rsi\n\toutsb")
ASM_CASE(run_rdmsr, "movl $0xc0000082, %%ecx\n\trdmsr")	/* LSTAR */
ASM_CASE(run_wrmsr, "movl $0xc0000082, %%ecx\n\txorl %%eax, %%eax\n\txorl %%edx, %%edx\n\twrmsr")
ASM_CASE(run_rdpmc, "xorl %%ecx, %%ecx\n\trdpmc")
ASM_CASE(run_read_cr0, "movq %%cr0, %%rax")
ASM_CASE(run_write_cr0, "xorl %%eax, %%eax\n\tmovq %%rax, %%cr0")
ASM_CASE(run_read_cr2, "movq %%cr2, %%rax")
ASM_CASE(run_write_cr3, "xorl %%eax, %%eax\n\tmovq %%rax, %%cr3")
ASM_CASE(run_write_cr4, "xorl %%eax, %%eax\n\tmovq %%rax, %%cr4")
ASM_CASE(run_write_cr8, "xorl %%eax, %%eax\n\tmovq %%rax, %%cr8")
ASM_CASE(run_read_dr7, "movq %%dr7, %%rax")
ASM_CASE(run_write_dr7, "movl $0xff, %%eax\n\tmovq %%rax, %%dr7")
static void run_lgdt(const struct hostile_case *c)
{
	(void)c;
	__asm__ volatile("lgdt %0" : : "m"(bogus_table) : "memory");
}

static void run_lidt(const struct hostile_case *c)
{
	(void)c;
	__asm__ volatile("lidt %0" : : "m"(bogus_table) : "memory");
}

ASM_CASE(run_lldt, "xorl %%eax, %%eax\n\tlldt %%ax")
ASM_CASE(run_ltr, "movl $0x28, %%eax\n\tltr %%ax")
ASM_CASE(run_load_kernel_ss, "movl $" KERNEL_DS ", %%eax\n\tmovw %%ax, %%ss")
ASM_CASE(run_load_kernel_ds, "movl $" KERNEL_DS ", %%eax\n\tmovw %%ax, %%ds")
ASM_CASE(run_invlpg, "invlpg (%%rsp)")
ASM_CASE(run_invd, "invd")
ASM_CASE(run_wbinvd, "wbinvd")
ASM_CASE(run_clts, "clts")
ASM_CASE(run_lmsw, "xorl %%eax, %%eax\n\tlmsw %%ax")
ASM_CASE(run_swapgs, "swapgs")
ASM_CASE(run_sysret, "sysretq")
ASM_CASE(run_stac, "stac")
ASM_CASE(run_clac, "clac")

static const struct hostile_case cases[] = {
	{"hlt", SIGSEGV, false, run_hlt, 0},
	{"cli", SIGSEGV, false, run_cli, 0},
	{"sti", SIGSEGV, false, run_sti, 0},
	{"popf_iopl_cli", SIGSEGV, false, run_popf_iopl_cli, 0},
	{"in", SIGSEGV, false, run_in, 0},
	{"out_debug_exit", SIGSEGV, false, run_out_debug_exit, 0},
	{"insb", SIGSEGV, false, run_insb, 0},
	{"outsb", SIGSEGV, false, run_outsb, 0},
	{"rdmsr", SIGSEGV, false, run_rdmsr, 0},
	{"wrmsr", SIGSEGV, false, run_wrmsr, 0},
	{"rdpmc", SIGSEGV, false, run_rdpmc, 0},
	{"read_cr0", SIGSEGV, false, run_read_cr0, 0},
	{"write_cr0", SIGSEGV, false, run_write_cr0, 0},
	{"read_cr2", SIGSEGV, false, run_read_cr2, 0},
	{"write_cr3", SIGSEGV, false, run_write_cr3, 0},
	{"write_cr4", SIGSEGV, false, run_write_cr4, 0},
	{"write_cr8", SIGSEGV, false, run_write_cr8, 0},
	{"read_dr7", SIGSEGV, false, run_read_dr7, 0},
	{"write_dr7", SIGSEGV, false, run_write_dr7, 0},
	{"lgdt", SIGSEGV, false, run_lgdt, 0},
	{"lidt", SIGSEGV, false, run_lidt, 0},
	{"lldt", SIGSEGV, false, run_lldt, 0},
	{"ltr", SIGSEGV, false, run_ltr, 0},
	{"load_kernel_ss", SIGSEGV, false, run_load_kernel_ss, 0},
	{"load_kernel_ds", SIGSEGV, false, run_load_kernel_ds, 0},
	{"invlpg", SIGSEGV, false, run_invlpg, 0},
	{"invd", SIGSEGV, false, run_invd, 0},
	{"wbinvd", SIGSEGV, false, run_wbinvd, 0},
	{"clts", SIGSEGV, false, run_clts, 0},
	{"lmsw", SIGSEGV, false, run_lmsw, 0},
	{"swapgs", SIGSEGV, false, run_swapgs, 0},
	{"sysret", SIGSEGV, false, run_sysret, 0},
	{"stac", SIGILL, false, run_stac, 0},
	{"clac", SIGILL, false, run_clac, 0},
};

int main(int argc, char **argv)
{
	return hostile_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
