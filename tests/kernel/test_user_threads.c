/*
 * Threads of one process on several CPUs, with programs built in memory
 * (user_image.h): clone fills every CPU of the process and then returns
 * -EAGAIN; exit_group and a fatal fault stop threads that spin in ring 3
 * or in syscalls (IPI, then the return path's check); the leader's exit
 * status survives its threads; CLONE_PARENT_SETTID, CLONE_CHILD_SETTID
 * and CLONE_CHILD_CLEARTID write where they should (through user copies
 * that demand-page the bss); clone's bad flag combinations are -EINVAL and
 * a non-canonical TLS -EPERM, as on Linux.
 */
#include <stdint.h>

#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>

#include "user_image.h"

static struct user_image img;

/* CLONE_VM | CLONE_SIGHAND | CLONE_THREAD */
#define THREAD_FLAGS "0x10900"

/* Clones until -EAGAIN, the children spin in ring 3; the parent then
 * exit_group(5) (exit_group(1) if clone failed otherwise). */
USER_SNIPPET(snip_fill_then_exit_group,
	     "1: movl $56, %eax\n"
	     "movl $" THREAD_FLAGS ", %edi\n"
	     "xorl %esi, %esi\n xorl %edx, %edx\n xorl %r10d, %r10d\n xorl %r8d, %r8d\n"
	     "syscall\n"
	     "testq %rax, %rax\n"
	     "jz 3f\n"
	     "jg 1b\n"
	     "movl $5, %edi\n"
	     "cmpq $-11, %rax\n"
	     "je 2f\n"
	     "movl $1, %edi\n"
	     "2: movl $231, %eax\n syscall\n ud2\n"
	     "3: jmp 3b");

/* The same with children spinning in getpid, and the parent dying of ud2. */
USER_SNIPPET(snip_fill_then_ud2,
	     "1: movl $56, %eax\n"
	     "movl $" THREAD_FLAGS ", %edi\n"
	     "xorl %esi, %esi\n xorl %edx, %edx\n xorl %r10d, %r10d\n xorl %r8d, %r8d\n"
	     "syscall\n"
	     "testq %rax, %rax\n"
	     "jz 3f\n"
	     "jg 1b\n"
	     "ud2\n"
	     "3: movl $39, %eax\n syscall\n jmp 3b");

/* The leader exits with 7 while its child works on, and the child later
 * exits with 9: the process's status is the leader's. */
USER_SNIPPET(snip_leader_exits_first,
	     "movl $56, %eax\n"
	     "movl $" THREAD_FLAGS ", %edi\n"
	     "xorl %esi, %esi\n xorl %edx, %edx\n xorl %r10d, %r10d\n xorl %r8d, %r8d\n"
	     "syscall\n"
	     "testq %rax, %rax\n"
	     "jz 3f\n"
	     "movl $60, %eax\n movl $7, %edi\n syscall\n ud2\n"
	     "3: movl $100000, %ecx\n"
	     "4: decl %ecx\n jnz 4b\n"
	     "movl $60, %eax\n movl $9, %edi\n syscall\n ud2");

/*
 * clone with CLONE_PARENT_SETTID (bss+0), CLONE_CHILD_SETTID and
 * CLONE_CHILD_CLEARTID (bss+0x1000, a page nothing touched before); the
 * child exits at once; the parent checks the tid written for it, waits
 * for the child's word to become 0, and exits 0 (2: parent_tid wrong,
 * 3: clone failed otherwise than -EAGAIN, 0 after -EAGAIN as well).
 */
USER_SNIPPET(snip_settid_cleartid,
	     "movl $56, %eax\n"
	     "movl $0x1310900, %edi\n"	/* | PARENT_SETTID | CHILD_CLEARTID | CHILD_SETTID */
	     "xorl %esi, %esi\n"
	     "movl $0x600000, %edx\n"
	     "movl $0x601000, %r10d\n"
	     "xorl %r8d, %r8d\n"
	     "syscall\n"
	     "testq %rax, %rax\n"
	     "jz 5f\n"
	     "movl $0, %edi\n"
	     "cmpq $-11, %rax\n"
	     "je 9f\n"
	     "movl $3, %edi\n"
	     "jl 9f\n"
	     "movl $2, %edi\n"
	     "cmpl 0x600000, %eax\n"
	     "jne 9f\n"
	     "1: cmpl $0, 0x601000\n"
	     "jne 1b\n"
	     "xorl %edi, %edi\n"
	     "9: movl $231, %eax\n syscall\n ud2\n"
	     "5: movl $60, %eax\n xorl %edi, %edi\n syscall\n ud2");

/* clone(flags in rdi) with everything else 0, returned as the exit
 * status's low byte (a negative errno fits). */
USER_SNIPPET(snip_clone_result,
	     "movq (%rsp), %rax\n"	/* argc: 2 when argv[1] holds the flags */
	     "movq 16(%rsp), %rsi\n"	/* argv[1] */
	     "xorl %edi, %edi\n"
	     "1: movzbl (%rsi), %ecx\n"	/* parse hex digits */
	     "testl %ecx, %ecx\n jz 2f\n"
	     "shlq $4, %rdi\n"
	     "subl $48, %ecx\n cmpl $9, %ecx\n jbe 3f\n subl $39, %ecx\n"
	     "3: orq %rcx, %rdi\n incq %rsi\n jmp 1b\n"
	     "2: movl $56, %eax\n"
	     "xorl %esi, %esi\n xorl %edx, %edx\n xorl %r10d, %r10d\n"
	     "movabsq $0x800000000000, %r8\n"	/* a TLS base beyond the user window */
	     "syscall\n"
	     "testq %rax, %rax\n jz 4f\n"
	     "movq %rax, %rdi\n"
	     "movl $231, %eax\n syscall\n ud2\n"
	     "4: jmp 4b");

#define CODE(s) s, SNIPPET_LEN(s)

SELFTEST(user_threads_fill_cpus_then_exit_group)
{
	struct proc_result res = {0};
	uint64_t before = user_frames_in_use();

	user_image_build(&img, "fill_exit_group", CODE(snip_fill_then_exit_group));
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 5);
	ST_CHECK_EQ(res.threads, smp_cpus_online);
	ST_CHECK_EQ(user_frames_in_use(), before);
}

SELFTEST(user_threads_stopped_by_a_kill)
{
	struct proc_result res = {0};
	uint64_t before = user_frames_in_use();

	user_image_build(&img, "fill_ud2", CODE(snip_fill_then_ud2));
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK(res.killed);
	ST_CHECK_EQ(res.kill.signal, SIGILL);
	ST_CHECK_EQ(res.threads, smp_cpus_online);
	ST_CHECK_EQ(user_frames_in_use(), before);
}

SELFTEST(user_threads_leader_status)
{
	struct proc_result res = {0};

	user_image_build(&img, "leader", CODE(snip_leader_exits_first));
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 7);
}

SELFTEST(user_threads_settid_cleartid)
{
	struct proc_result res = {0};

	user_image_build(&img, "settid", CODE(snip_settid_cleartid));
	ST_CHECK_EQ(user_image_run(&img, 0, &res), 0);
	ST_CHECK(!res.killed);
	ST_CHECK_EQ(res.status, 0);
	ST_CHECK_EQ(res.threads, smp_cpus_online > 1 ? 2 : 1);
}

static const struct {
	const char *flags;
	int result; /* exit status: the errno's low byte */
} clone_cases[] = {
	{"0", -22 & 0xff},		/* fork: not supported */
	{"10000", -22 & 0xff},		/* CLONE_THREAD without CLONE_SIGHAND */
	{"10800", -22 & 0xff},		/* CLONE_SIGHAND without CLONE_VM */
	{"14900", -22 & 0xff},		/* | CLONE_VFORK: not accepted */
	{"20010900", -22 & 0xff},	/* | CLONE_NEWPID */
	{"90900", -1 & 0xff},		/* | CLONE_SETTLS with a TLS beyond the window: -EPERM */
};

SELFTEST(user_clone_rejects_bad_flags)
{
	for (unsigned i = 0; i < sizeof(clone_cases) / sizeof(clone_cases[0]); i++) {
		struct proc_result res = {0};
		cpumask_t cpus;

		cpumask_first_n(&cpus, smp_cpus_online);
		user_image_build(&img, "clone_flags", CODE(snip_clone_result));
		ST_CHECK_EQ(proc_run_program(&img.prog, clone_cases[i].flags, &cpus, &res), 0);
		if (res.killed || res.status != clone_cases[i].result) {
			selftest_fail("clone(%s): status %d killed %d, expected %d",
				      clone_cases[i].flags, res.status, res.killed,
				      clone_cases[i].result);
			return;
		}
	}
}
