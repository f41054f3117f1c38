/*
 * The syscall path end to end with a program built in memory
 * (user_image.h): a loop of getpid timed with rdtsc in ring 3, whose
 * result comes back through tb_report to the launcher's callback (and is
 * printed: under --icount the TSC counts instructions, so this is the
 * cost of a null syscall round trip in instructions); tb_cpu, tb_ncpus and
 * an unknown number (-ENOSYS) answer as documented.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <uapi/testbed.h>

#include "user_image.h"

#define NULL_SYSCALLS 10000

static struct user_image img;

/* report {cycles, tb_cpu(), tb_ncpus(), enosys, getpid}, then exit(0). */
USER_SNIPPET(snip_null_syscalls,
	     "rdtsc\n shlq $32, %rdx\n orq %rax, %rdx\n movq %rdx, %r12\n"
	     "movl $10000, %ebx\n"
	     "1: movl $39, %eax\n syscall\n decl %ebx\n jnz 1b\n"
	     "movq %rax, %r13\n"
	     "rdtsc\n shlq $32, %rdx\n orq %rax, %rdx\n subq %r12, %rdx\n"
	     "movq %rdx, 0x600000\n"
	     "movl $1004, %eax\n syscall\n movq %rax, 0x600008\n"
	     "movl $1006, %eax\n syscall\n movq %rax, 0x600010\n"
	     "movl $999, %eax\n syscall\n movq %rax, 0x600018\n"
	     "movq %r13, 0x600020\n"
	     "movl $1003, %eax\n movl $0x600000, %edi\n movl $40, %esi\n movl $1, %edx\n syscall\n"
	     "movq %rax, %rdi\n"
	     "movl $60, %eax\n syscall\n ud2");

struct null_report {
	uint64_t cycles, cpu, ncpus, enosys, pid;
	unsigned calls;
	uint64_t kind;
	size_t len;
};

static void take_report(void *ctx, unsigned cpu, uint64_t kind, const void *buf, size_t len)
{
	struct null_report *r = ctx;

	(void)cpu;
	r->calls++;
	r->kind = kind;
	r->len = len;
	if (len == 40)
		memcpy(r, buf, len);
}

SELFTEST(user_null_syscall_and_report)
{
	struct null_report r = {0};
	struct proc_result res = {.report = take_report, .report_ctx = &r};

	user_image_build(&img, "null_syscalls", snip_null_syscalls, SNIPPET_LEN(snip_null_syscalls));
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 0); /* tb_report's own result */
	ST_CHECK_EQ(r.calls, 1);
	ST_CHECK_EQ(r.kind, TB_REPORT_HISTOGRAM);
	ST_CHECK_EQ(r.len, 40);
	ST_CHECK_EQ(r.cpu, 0);
	ST_CHECK_EQ(r.ncpus, smp_cpus_online);
	ST_CHECK_EQ(r.enosys, (uint64_t)-ENOSYS);
	ST_CHECK(r.pid > 0);
	kprintf("user: null syscall (getpid) round trip: %lu TSC ticks\n",
		(unsigned long)(r.cycles / NULL_SYSCALLS));
	/* Without a callback, tb_report is -ENOSYS (exit status 0xda). */
	res = (struct proc_result){0};
	ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
	ST_CHECK_EQ(res.status, (-ENOSYS) & 0xff);
}
