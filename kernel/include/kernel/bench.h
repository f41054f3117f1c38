/*
 * The benchmark harness's entry point (bench/run.c): with bench= on the
 * command line the kernel runs the selected suites instead of the
 * self-tests and writes the dump of bench/FORMAT.md to the console.
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include <stdbool.h>

/* True if every selected suite completed. Boot CPU, all CPUs online. */
bool bench_main(const char *cmdline);

#endif
