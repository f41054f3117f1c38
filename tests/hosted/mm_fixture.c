/*
 * mm_fixture.c - a fresh memory-management stack for each hosted test; see
 * mm_fixture.h for the map and the rules.
 */
#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/hal.h>

#include "mm_fixture.h"

#include "buddy.h"
#include "frame.h"
#include "mm_internal.h"
#include "test.h"

#define MIB (1ull << 20)

struct mm_frame_accounting mm_fixture_start;

void mm_fixture_layout(uint64_t ram_bytes, struct mm_fixture_layout *l)
{
	const uint64_t p = HOSTED_PHYS_START, half = ram_bytes / 2;

	if (ram_bytes < MM_FIXTURE_MIN_RAM || ram_bytes % (4 * MIB) != 0)
		env_panic("mm_fixture: %#llx bytes of RAM, want a multiple of 4 MiB >= 16 MiB",
			  (unsigned long long)ram_bytes);
	*l = (struct mm_fixture_layout){
		.map = {
			{ p + half + 2 * MIB, half - 2 * MIB - 2048, true },
			{ p, half, true },
			{ p + half, MIB, false },
		},
		.nmap = 3,
		.reserved = { { p + MIB, 2 * MIB + 2048, false } },
		.nreserved = 1,
	};
	/* Low RAM less the kernel image (grown to 513 whole frames), and high
	 * RAM less its partial last frame. */
	l->free_frames = (half >> HAL_PAGE_SHIFT) - 513 +
			 ((half - 2 * MIB) >> HAL_PAGE_SHIFT) - 1;
}

void mm_fixture_settle(struct mm_frame_accounting *acct)
{
	slab_reclaim();
	frame_drain_all();
	mm_frame_accounting(acct);
}

void mm_fixture_setup(uint64_t ram_bytes)
{
	struct mm_fixture_layout l;
	int err;

	mm_fixture_layout(ram_bytes, &l);
	if (hosted_phys_init(ram_bytes) != 0)
		env_panic("mm_fixture: cannot map %llu bytes of simulated RAM",
			  (unsigned long long)ram_bytes);
	err = mm_init(l.map, l.nmap, l.reserved, l.nreserved);
	if (err != 0)
		env_panic("mm_fixture: mm_init failed: %d", err);
	mm_cpu_init();
	mm_fixture_settle(&mm_fixture_start);
}

void mm_fixture_frames_to_buddy(void)
{
	struct page *chain = NULL, *page;

	while ((page = alloc_page(GFP_KERNEL)) != NULL) {
		*(struct page **)page_address(page) = chain;
		chain = page;
	}
	while (chain != NULL) {
		page = chain;
		chain = *(struct page **)page_address(page);
		/* As __free_pages would for the debug checks (DEBUG=1), which
		 * a free straight to the buddy bypasses. */
		page->flags &= ~(uint32_t)PG_allocated;
		buddy_free(page, 0);
	}
	buddy_coalesce();
}

void mm_fixture_setup_buddy(uint64_t ram_bytes)
{
	mm_fixture_setup(ram_bytes);
	mm_fixture_frames_to_buddy();
	mm_fixture_settle(&mm_fixture_start);
}

void mm_fixture_check_accounting(const char *file, int line)
{
	const struct mm_frame_accounting *s = &mm_fixture_start;
	struct mm_frame_accounting a;

	mm_fixture_settle(&a);
	const struct {
		const char *name;
		uint64_t now, then;
	} fields[] = {
		{ "total", a.total, s->total },
		{ "free", a.free, s->free },
		{ "cached", a.cached, s->cached },
		{ "used", a.used, s->used },
		{ "reserved", a.reserved, s->reserved },
		{ "bootmem_used", a.bootmem_used, s->bootmem_used },
	};

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].now != fields[i].then)
			hosted_fail(file, line, "accounting: %s %" PRIu64 ", was %" PRIu64
				    " after setup", fields[i].name, fields[i].now, fields[i].then);
	}
}
