/*
 * The per-CPU probe check of tests/kernel/probe_expect.h. Any context in
 * which the exception-table probes work (every self-test context).
 */
#include <errno.h>

#include <arch/extable.h>
#include <arch/layout.h>
#include <kernel/selftest.h>
#include <lib/errno_name.h>

#include "probe_expect.h"

void probe_expect_check(void *expect)
{
	const struct probe_expect *e = expect;

	for (unsigned i = 0; i < e->pages; i++) {
		void *va = (void *)(e->va + (uintptr_t)i * PAGE_SIZE_4K);
		uint64_t v;
		int rc = e->write ? probe_write_u64(va, 1) : probe_read_u64(va, &v);

		if (rc != (e->ok ? 0 : -EFAULT))
			selftest_fail("%s probe of %p gave %d (%s): %s", e->write ? "write" : "read", va,
				      rc, errno_name(-rc),
				      e->ok ? "the page should be accessible"
					    : "a stale TLB entry survived");
	}
}
