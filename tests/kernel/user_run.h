/*
 * Judging a run of a user program against what the program announced, for
 * the self-tests that run the programs of user/ (test_user_programs.c,
 * test_user_hostile.c). Frame accounting stays with each runner: one
 * checks every run, the other every program.
 */
#ifndef TESTS_KERNEL_USER_RUN_H
#define TESTS_KERNEL_USER_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <kernel/proc.h>

/* rc and res from proc_run_program: true if the program started and ended
 * as it announced (proc_result_ok); else false, with why it did not. */
bool user_run_judge(int rc, const struct proc_result *res, char *why, size_t len);

#endif
