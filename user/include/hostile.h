/*
 * hostile.h - the frame of the hostile programs made of fatal cases
 * (user/hostile_*.c): each case ends the process, and a process can end
 * only once, so the launcher runs such a program once per case.
 *
 * Without an argument the program hands the names of its cases to the
 * launcher (tb_report, TB_REPORT_CASES), or prints them where no launcher
 * takes them (Linux, or user=<prog> on the kernel command line), and exits
 * 0. With a case's name as argv[1] it announces the signal the case must
 * end by (expect_signal) and runs it; a case that comes back fails, with
 * status 1, unless the platform may perform its instruction (may_return:
 * a far transfer to the program's own segments, which hardware performs
 * and QEMU's TCG faults on), in which case the announcement is withdrawn
 * and the program exits 0. The launcher (tests/kernel/test_user_hostile.c)
 * checks every ending against the announcement.
 */
#ifndef USER_HOSTILE_H
#define USER_HOSTILE_H

#include "ulib.h"

/* Linux's numbers of the signals a trap raises. */
#define SIGILL  4
#define SIGTRAP 5
#define SIGBUS  7
#define SIGFPE  8
#define SIGSEGV 11

struct hostile_case {
	const char *name;
	int signal;		/* the signal that must end it; 0: it returns */
	bool may_return;	/* returning is right too (see above) */
	void (*run)(const struct hostile_case *c);
	uint64_t arg;		/* for run */
};

/* The program's main: lists the cases, or runs the one argv[1] names. */
int hostile_main(int argc, char **argv, const struct hostile_case *cases, size_t n);

/* Prints "expect signal: <name>" ("none" for 0) and makes tb_expect_signal:
 * the process is about to be killed by sig (0: it is not, after all). */
void expect_signal(int sig);

#endif
