/*
 * Exit and kill of one-thread programs built in memory (user_image.h): the
 * exit status comes back; each kind of fatal trap from ring 3 kills the
 * process with the right signal and report (address, access, cause,
 * instruction pointer) while the kernel goes on; a syscall in the last
 * user page returns through iretq to USER_HI and faults there; the
 * callee-saved and argument registers and the SSE registers survive a
 * syscall. Every run gives back every frame it took.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <arch/usermode.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <uapi/testbed.h>

#include "user_image.h"

static struct user_image img;

USER_SNIPPET(snip_exit42,
	     "movl $60, %eax\n"		/* exit(42) */
	     "movl $42, %edi\n"
	     "syscall\n"
	     "ud2");

USER_SNIPPET(snip_ud2, "snip_ud2_at: ud2");

USER_SNIPPET(snip_hlt, "snip_hlt_at: hlt");	/* privileged: #GP */

USER_SNIPPET(snip_int3, "int3\n snip_int3_at:");	/* #BP is a trap: after the int3 */

USER_SNIPPET(snip_int_n, "snip_int_n_at: int $0x80");	/* no user gate: #GP */

USER_SNIPPET(snip_div0,
	     "xorl %ecx, %ecx\n"
	     "snip_div0_at: divl %ecx");

USER_SNIPPET(snip_single_step,
	     "pushfq\n"
	     "orq $0x100, (%rsp)\n"	/* TF */
	     "popfq\n"
	     "nop\n"
	     "snip_single_step_at:");	/* #DB is a trap: after the nop */

USER_SNIPPET(snip_write_text,
	     "leaq snip_write_text(%rip), %rax\n"
	     "snip_write_text_at: movb $0, (%rax)");

USER_SNIPPET(snip_exec_null,
	     "xorl %eax, %eax\n"
	     "jmp *%rax");

USER_SNIPPET(snip_read_kernel,
	     "movabsq $0xffffffff80100000, %rax\n"
	     "snip_read_kernel_at: movq (%rax), %rax");

USER_SNIPPET(snip_noncanonical,
	     "movabsq $0x8000000000000000, %rax\n"
	     "snip_noncanonical_at: movq (%rax), %rax");

USER_SNIPPET(snip_exec_bss,
	     "movabsq $0x600000, %rax\n"
	     "movb $0xc3, (%rax)\n"	/* ret: writable, not executable */
	     "call *%rax");

/* getpid with the last two bytes of the user window as its syscall: the
 * return rip is USER_HI itself. */
USER_SNIPPET(snip_top_of_window,
	     "movl $39, %eax\n"
	     "syscall");

/* Every register but rax, rcx and r11 keeps its value across a syscall;
 * so do xmm0 and xmm15. exit(0) if so, else exit(1). */
USER_SNIPPET(snip_registers,
	     "movabsq $0x1111111111111111, %rbx\n"
	     "movabsq $0x2222222222222222, %rdx\n"
	     "movabsq $0x3333333333333333, %rsi\n"
	     "movabsq $0x4444444444444444, %rdi\n"
	     "movabsq $0x5555555555555555, %rbp\n"
	     "movabsq $0x6666666666666666, %r8\n"
	     "movabsq $0x7777777777777777, %r9\n"
	     "movabsq $0x8888888888888888, %r10\n"
	     "movabsq $0x9999999999999999, %r12\n"
	     "movabsq $0xaaaaaaaaaaaaaaaa, %r13\n"
	     "movabsq $0xbbbbbbbbbbbbbbbb, %r14\n"
	     "movabsq $0xcccccccccccccccc, %r15\n"
	     "movq %r15, %xmm0\n"
	     "movq %r14, %xmm15\n"
	     "movq %rsp, %rcx\n"
	     "movq %rcx, %xmm1\n"
	     "movl $39, %eax\n"		/* getpid */
	     "syscall\n"
	     "xorl %eax, %eax\n"
	     "movabsq $0x1111111111111111, %rcx\n cmpq %rcx, %rbx\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x2222222222222222, %rcx\n cmpq %rcx, %rdx\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x3333333333333333, %rcx\n cmpq %rcx, %rsi\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x4444444444444444, %rcx\n cmpq %rcx, %rdi\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x5555555555555555, %rcx\n cmpq %rcx, %rbp\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x6666666666666666, %rcx\n cmpq %rcx, %r8\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x7777777777777777, %rcx\n cmpq %rcx, %r9\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x8888888888888888, %rcx\n cmpq %rcx, %r10\n setne %al\n orb %al, %ah\n"
	     "movabsq $0x9999999999999999, %rcx\n cmpq %rcx, %r12\n setne %al\n orb %al, %ah\n"
	     "movabsq $0xaaaaaaaaaaaaaaaa, %rcx\n cmpq %rcx, %r13\n setne %al\n orb %al, %ah\n"
	     "movabsq $0xbbbbbbbbbbbbbbbb, %rcx\n cmpq %rcx, %r14\n setne %al\n orb %al, %ah\n"
	     "movabsq $0xcccccccccccccccc, %rcx\n cmpq %rcx, %r15\n setne %al\n orb %al, %ah\n"
	     "movq %xmm0, %rcx\n cmpq %rcx, %r15\n setne %al\n orb %al, %ah\n"
	     "movq %xmm15, %rcx\n cmpq %rcx, %r14\n setne %al\n orb %al, %ah\n"
	     "movq %xmm1, %rcx\n cmpq %rcx, %rsp\n setne %al\n orb %al, %ah\n"
	     "movzbl %ah, %edi\n"
	     "movl $60, %eax\n"
	     "syscall");

/* Far transfers within ring 3, to the user's own segments: each ends in
 * ud2 once the transfer has worked. */
USER_SNIPPET(snip_iretq,
	     "movq %rsp, %rax\n"
	     "mov %ss, %ecx\n"
	     "pushq %rcx\n"		/* ss */
	     "pushq %rax\n"		/* rsp */
	     "pushfq\n"
	     "mov %cs, %ecx\n"
	     "pushq %rcx\n"		/* cs */
	     "leaq snip_iretq_done(%rip), %rcx\n"
	     "pushq %rcx\n"		/* rip */
	     "snip_iretq_at: iretq\n"
	     "snip_iretq_done: ud2");

USER_SNIPPET(snip_lretq,
	     "mov %cs, %ecx\n"
	     "pushq %rcx\n"
	     "leaq snip_lretq_done(%rip), %rcx\n"
	     "pushq %rcx\n"
	     "snip_lretq_at: lretq\n"
	     "snip_lretq_done: ud2");

USER_SNIPPET(snip_lcall,
	     "mov %cs, %ecx\n"
	     "leaq snip_lcall_done(%rip), %rax\n"
	     "subq $16, %rsp\n"
	     "movl %eax, (%rsp)\n"	/* offset: the text is below 4 GiB */
	     "movw %cx, 4(%rsp)\n"	/* selector */
	     "snip_lcall_at: lcall *(%rsp)\n"
	     "snip_lcall_done: ud2");

extern const unsigned char snip_iretq_at[], snip_iretq_done[], snip_lretq_at[], snip_lretq_done[],
	snip_lcall_at[], snip_lcall_done[];

extern const unsigned char snip_int3_at[], snip_int_n_at[];

extern const unsigned char snip_ud2_at[], snip_hlt_at[], snip_div0_at[], snip_single_step_at[],
	snip_write_text_at[], snip_read_kernel_at[], snip_noncanonical_at[];

struct kill_case {
	const char *name;
	const unsigned char *code, *end;
	int signal;
	const char *what;	/* exception name, or NULL for a page fault */
	uint64_t addr;		/* page fault: where */
	unsigned access;	/* page fault: TB_ACCESS_* */
	int cause;		/* page fault: aspace_fault's error */
	const unsigned char *at; /* the faulting instruction in the snippet; NULL:
				    a fetch fault, where ip is addr */
};

#define CODE(s) s, s##_end
#define TEXT_CODE (USER_IMAGE_TEXT + USER_IMAGE_HEADERS)

static const struct kill_case kill_cases[] = {
	{"ud2", CODE(snip_ud2), SIGILL, "invalid opcode (#UD)", 0, 0, 0, snip_ud2_at},
	{"hlt", CODE(snip_hlt), SIGSEGV, "general protection fault (#GP)", 0, 0, 0, snip_hlt_at},
	{"int3", CODE(snip_int3), SIGTRAP, "breakpoint (#BP)", 0, 0, 0, snip_int3_at},
	{"int_0x80", CODE(snip_int_n), SIGSEGV, "general protection fault (#GP)", 0, 0, 0,
	 snip_int_n_at},
	{"div0", CODE(snip_div0), SIGFPE, "divide error (#DE)", 0, 0, 0, snip_div0_at},
	{"single_step", CODE(snip_single_step), SIGTRAP, "debug (#DB)", 0, 0, 0,
	 snip_single_step_at},
	{"write_text", CODE(snip_write_text), SIGSEGV, NULL, TEXT_CODE, TB_ACCESS_WRITE, -EACCES,
	 snip_write_text_at},
	{"exec_null", CODE(snip_exec_null), SIGSEGV, NULL, 0, TB_ACCESS_EXEC, -EFAULT, NULL},
	{"read_kernel", CODE(snip_read_kernel), SIGSEGV, NULL, 0xffffffff80100000ull, 0, -EFAULT,
	 snip_read_kernel_at},
	{"noncanonical", CODE(snip_noncanonical), SIGSEGV, "general protection fault (#GP)", 0, 0,
	 0, snip_noncanonical_at},
	{"exec_bss", CODE(snip_exec_bss), SIGSEGV, NULL, USER_IMAGE_BSS, TB_ACCESS_EXEC, -EACCES,
	 NULL},
};

SELFTEST(user_exit_status)
{
	struct proc_result res = {0};
	uint64_t before, after;

	before = user_frames_in_use();
	user_image_build(&img, "exit42", snip_exit42, SNIPPET_LEN(snip_exit42));
	ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 42);
	ST_CHECK_EQ(res.threads, 1);
	/* The other CPUs wait for threads that never come, and leave with it. */
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK_EQ(res.status, 42);
	after = user_frames_in_use();
	ST_CHECK_EQ(after, before);
}

static bool kill_as_expected(const struct kill_case *c, const struct proc_result *res)
{
	const struct proc_fault *k = &res->kill;
	uint64_t ip = c->at ? TEXT_CODE + (uint64_t)(c->at - c->code) : c->addr;

	if (!res->killed) {
		selftest_fail("%s: not killed (status %d)", c->name, res->status);
		return false;
	}
	if (k->signal != c->signal || k->ip != ip || (c->what == NULL) != (k->what == NULL)) {
		selftest_fail("%s: signal %d ip %#lx (%s), expected %d ip %#lx", c->name, k->signal,
			      (unsigned long)k->ip, k->what ? k->what : "page fault", c->signal,
			      (unsigned long)ip);
		return false;
	}
	if (c->what && strcmp(k->what, c->what) != 0) {
		selftest_fail("%s: killed by '%s', expected '%s'", c->name, k->what, c->what);
		return false;
	}
	if (!c->what && (k->addr != c->addr || k->access != c->access || k->cause != c->cause)) {
		selftest_fail("%s: fault at %#lx access %u cause %d, expected %#lx %u %d", c->name,
			      (unsigned long)k->addr, k->access, k->cause, (unsigned long)c->addr,
			      c->access, c->cause);
		return false;
	}
	return true;
}

SELFTEST(user_kills_report_each_trap)
{
	uint64_t before, after;

	before = user_frames_in_use();
	for (unsigned i = 0; i < sizeof(kill_cases) / sizeof(kill_cases[0]); i++) {
		const struct kill_case *c = &kill_cases[i];
		struct proc_result res = {0};

		user_image_build(&img, c->name, c->code, (size_t)(c->end - c->code));
		ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
		if (!kill_as_expected(c, &res))
			return;
	}
	after = user_frames_in_use();
	ST_CHECK_EQ(after, before);
}

/* iretq, lretq and lcall in ring 3 to user segments end the program at
 * once, however the platform treats them: a CPU that performs them reaches
 * the ud2 after them; QEMU's TCG faults on their stack accesses as
 * supervisor accesses, which must kill the program at the instruction
 * (it used to be retried forever, hanging the CPU). */
SELFTEST(user_far_transfers_end)
{
	static const struct {
		const char *name;
		const unsigned char *code, *end, *at, *done;
	} cases[] = {
		{"iretq", CODE(snip_iretq), snip_iretq_at, snip_iretq_done},
		{"lretq", CODE(snip_lretq), snip_lretq_at, snip_lretq_done},
		{"lcall", CODE(snip_lcall), snip_lcall_at, snip_lcall_done},
	};
	uint64_t before = user_frames_in_use();

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proc_result res = {0};
		const struct proc_fault *k = &res.kill;
		uint64_t at = TEXT_CODE + (uint64_t)(cases[i].at - cases[i].code);
		uint64_t done = TEXT_CODE + (uint64_t)(cases[i].done - cases[i].code);

		user_image_build(&img, cases[i].name, cases[i].code,
				 (size_t)(cases[i].end - cases[i].code));
		ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
		ST_CHECK(res.killed);
		if ((k->signal == SIGSEGV && k->what == user_supervisor_fault && k->ip == at) ||
		    (k->signal == SIGILL && k->ip == done))
			continue;
		selftest_fail("%s: killed by signal %d at %#lx (%s), expected %#lx or a ud2 at %#lx",
			      cases[i].name, k->signal, (unsigned long)k->ip,
			      k->what ? k->what : "page fault", (unsigned long)at,
			      (unsigned long)done);
		return;
	}
	ST_CHECK_EQ(user_frames_in_use(), before);
}

SELFTEST(user_syscall_at_top_of_window_returns_by_iret)
{
	struct proc_result res = {0};
	size_t len = SNIPPET_LEN(snip_top_of_window);

	user_image_build_at(&img, "top", USER_HI - 4096, 4096 - len, snip_top_of_window, len);
	ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
	ST_CHECK(res.killed);
	ST_CHECK_EQ(res.kill.signal, SIGSEGV);
	ST_CHECK_EQ(res.kill.addr, USER_HI);
	ST_CHECK_EQ(res.kill.ip, USER_HI);
	ST_CHECK_EQ(res.kill.access, TB_ACCESS_EXEC);
}

SELFTEST(user_syscall_preserves_registers)
{
	struct proc_result res = {0};

	user_image_build(&img, "registers", snip_registers, SNIPPET_LEN(snip_registers));
	ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 0);
}
