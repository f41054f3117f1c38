/*
 * What every CPU should see when it probes a range of kernel addresses:
 * the shared check of the shootdown and MMIO self-tests. Run it on every
 * CPU with on_each_cpu(probe_expect_check, &expect); each CPU probes each
 * page through the exception-table probes and fails the test, naming the
 * page, if an access that should work faulted or one that should fault
 * worked (a stale TLB entry).
 */
#ifndef TESTS_KERNEL_PROBE_EXPECT_H
#define TESTS_KERNEL_PROBE_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

struct probe_expect {
	uintptr_t va;		/* first page */
	unsigned pages;		/* 4 KiB pages from va */
	bool write;		/* probe by writing, not by reading */
	bool ok;		/* the access should work; otherwise fault */
};

void probe_expect_check(void *expect);

#endif
