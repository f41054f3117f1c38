/*
 * test_bootmem.c - the boot allocator (mm/bootmem.c) and mm_init's checks
 * of its input: every frame of the map ends up in exactly one class, the
 * buddy gets every usable frame that was not handed out, never a reserved
 * one, and bad maps are refused.
 */
#include <errno.h>
#include <stdlib.h>

#include <mm/hal.h>
#include <mm/init.h>

#include "bootmem.h"
#include "buddy.h"
#include "frame.h"
#include "mm_fixture.h"
#include "page.h"
#include "test.h"

#define MIB (1ull << 20)
#define P HOSTED_PHYS_START

static bool in_region(uint64_t pfn, const struct mm_region *r)
{
	return PFN_PHYS(pfn) + HAL_PAGE_SIZE > r->base && PFN_PHYS(pfn) < r->base + r->size;
}

/* Whether the whole frame is usable RAM that no reserved range touches. */
static bool is_free_ram(uint64_t pfn, const struct mm_fixture_layout *l)
{
	bool usable = false;

	for (unsigned i = 0; i < l->nmap; i++) {
		const struct mm_region *r = &l->map[i];

		if (r->usable && PFN_PHYS(pfn) >= r->base &&
		    PFN_PHYS(pfn) + HAL_PAGE_SIZE <= r->base + r->size)
			usable = true;
	}
	for (unsigned i = 0; i < l->nreserved; i++) {
		if (in_region(pfn, &l->reserved[i]))
			return false;
	}
	return usable;
}

TEST(bootmem_fixture_accounting)
{
	struct mm_fixture_layout l;
	const struct mm_frame_accounting *a = &mm_fixture_start;
	uint64_t map_frames;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	mm_fixture_layout(MM_FIXTURE_RAM, &l);
	map_frames = (a->total * sizeof(struct page) + HAL_PAGE_SIZE - 1) / HAL_PAGE_SIZE;
	/* From P to the last whole frame of high RAM. */
	CHECK_EQ_U64(a->total, MM_FIXTURE_RAM / HAL_PAGE_SIZE - 1);
	CHECK_EQ_U64(mem_base_pfn, PFN_OF(P));
	CHECK_EQ_U64(mem_npages, a->total);
	CHECK_EQ_U64(a->reserved, a->total - l.free_frames);
	CHECK_EQ_U64(a->bootmem_used, map_frames);
	CHECK_EQ_U64(bootmem_used_frames(), map_frames);
	CHECK(a->used >= a->bootmem_used);
	CHECK_EQ_U64(a->cached, 0);
	CHECK_EQ_U64(a->free, buddy_free_pages());
	CHECK_EQ_U64(a->free + a->cached + a->used + a->reserved, a->total);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(bootmem_frame_map_is_boot_memory)
{
	struct mm_fixture_layout l;
	uint64_t first, last;

	mm_fixture_setup(MM_FIXTURE_RAM);
	mm_fixture_layout(MM_FIXTURE_RAM, &l);
	first = PFN_OF(hal_virt_to_phys(mem_map));
	last = PFN_OF(hal_virt_to_phys(mem_map + mem_npages - 1));
	/* First fit: the frame map is the first allocation, below the kernel. */
	CHECK_EQ_U64(hal_virt_to_phys(mem_map), P);
	for (uint64_t pfn = first; pfn <= last; pfn++) {
		const struct page *p = pfn_to_page_fast(pfn);

		CHECK(is_free_ram(pfn, &l));
		CHECK(!p->buddy && !(p->flags & (PG_reserved | PG_pcp)));
	}
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(bootmem_handoff_gives_every_free_frame_once)
{
	struct mm_fixture_layout l;
	uint64_t n = 0, expect, not_taken = 0;
	struct page *page, *taken = NULL;
	unsigned char *seen;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	mm_fixture_layout(MM_FIXTURE_RAM, &l);
	seen = calloc(mem_npages, 1);
	REQUIRE(seen != NULL);
	expect = buddy_free_pages();
	/* Chain the frames through their first word, so they can be freed. */
	while ((page = buddy_alloc(0)) != NULL) {
		uint64_t pfn = page_to_pfn_fast(page);

		CHECK(is_free_ram(pfn, &l));
		CHECK(!seen[pfn - mem_base_pfn]);
		seen[pfn - mem_base_pfn] = 1;
		*(struct page **)page_to_virt(page) = taken;
		taken = page;
		n++;
	}
	CHECK_EQ_U64(n, expect);
	CHECK_EQ_U64(buddy_free_pages(), 0);
	for (uint64_t i = 0; i < mem_npages; i++) {
		const struct page *p = &mem_map[i];

		if (seen[i])
			continue;
		if (is_free_ram(mem_base_pfn + i, &l)) {
			CHECK(!(p->flags & PG_reserved)); /* used: the frame map, slabs */
			not_taken++;
		} else {
			CHECK(p->flags & PG_reserved);
		}
	}
	CHECK_EQ_U64(not_taken, mm_fixture_start.used);
	CHECK_EQ_U64(n + not_taken, l.free_frames);
	while (taken != NULL) {
		struct page *next = *(struct page **)page_to_virt(taken);

		buddy_free(taken, 0);
		taken = next;
	}
	free(seen);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

static int init_with(const struct mm_region *map, unsigned nmap, const struct mm_region *res,
		     unsigned nres)
{
	int err = mm_init(map, nmap, res, nres);

	if (err != 0)
		CHECK_EQ_U64(mem_npages, 0);
	return err;
}

TEST(bootmem_rejects_bad_maps)
{
	const struct mm_region ram = { P, 16 * MIB, true };
	const struct mm_region kernel = { P + MIB, MIB, false };
	struct mm_region map[BOOTMEM_MAX_MAP + 1], res[BOOTMEM_MAX_RESERVED + 1];

	REQUIRE(hosted_phys_init(16 * MIB) == 0);
	/* No usable RAM. */
	CHECK_EQ_U64(init_with(NULL, 0, NULL, 0), -ENOMEM);
	map[0] = (struct mm_region){ P, 16 * MIB, false };
	CHECK_EQ_U64(init_with(map, 1, NULL, 0), -ENOMEM);
	map[0] = (struct mm_region){ P + 100, 3000, true }; /* no whole frame */
	CHECK_EQ_U64(init_with(map, 1, NULL, 0), -ENOMEM);
	map[0] = ram;
	res[0] = ram;
	CHECK_EQ_U64(init_with(map, 1, res, 1), -ENOMEM); /* all of it reserved */
	/* Overlaps, usable or not, in either order. */
	map[0] = ram;
	map[1] = (struct mm_region){ P + 4 * MIB, MIB, true };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -EINVAL);
	map[1] = (struct mm_region){ P + 16 * MIB - 1, MIB, false };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -EINVAL);
	map[1] = map[0];
	map[0] = (struct mm_region){ P - 4096, 4097, false };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -EINVAL);
	/* base + size overflows, in the map and in the reserved ranges. */
	map[0] = ram;
	map[1] = (struct mm_region){ UINT64_MAX - 4095, 8192, false };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -EINVAL);
	res[0] = (struct mm_region){ UINT64_MAX, 1, false };
	CHECK_EQ_U64(init_with(map, 1, res, 1), -EINVAL);
	/* Empty entries. */
	map[1] = (struct mm_region){ P + 32 * MIB, 0, true };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -EINVAL);
	res[0] = (struct mm_region){ P + MIB, 0, false };
	CHECK_EQ_U64(init_with(map, 1, res, 1), -EINVAL);
	/* More entries than supported. */
	for (unsigned i = 0; i <= BOOTMEM_MAX_MAP; i++)
		map[i] = (struct mm_region){ P + i * 8192ull, 4096, true };
	CHECK_EQ_U64(init_with(map, BOOTMEM_MAX_MAP + 1, NULL, 0), -E2BIG);
	for (unsigned i = 0; i <= BOOTMEM_MAX_RESERVED; i++)
		res[i] = kernel;
	map[0] = ram;
	CHECK_EQ_U64(init_with(map, 1, res, BOOTMEM_MAX_RESERVED + 1), -E2BIG);
	/* A span whose frame map fits in no usable range (15 GiB of struct
	 * page for 1 TiB of address space). */
	map[0] = (struct mm_region){ P, MIB, true };
	map[1] = (struct mm_region){ P + (1ull << 40), MIB, true };
	CHECK_EQ_U64(init_with(map, 2, NULL, 0), -ENOMEM);

	/* A good map still works afterwards. */
	mm_fixture_setup(MM_FIXTURE_RAM);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* Frame numbers, from P, of the map below: entry 0 has 256 frames (room for
 * the frame map), entries 1.. have 32; each is followed by a 1-frame hole. */
static uint64_t entry_start(unsigned i)
{
	return i == 0 ? 0 : 257 + (i - 1) * 33ull;
}

TEST(bootmem_accepts_the_most_entries)
{
	struct mm_region map[BOOTMEM_MAX_MAP], res[BOOTMEM_MAX_RESERVED];
	struct mm_frame_accounting a;
	uint64_t free_frames = 256 + (BOOTMEM_MAX_MAP - 1) * 32 - BOOTMEM_MAX_RESERVED;

	REQUIRE(hosted_phys_init(entry_start(BOOTMEM_MAX_MAP) * 4096) == 0);
	for (unsigned i = 0; i < BOOTMEM_MAX_MAP; i++)
		map[i] = (struct mm_region){ P + entry_start(i) * 4096, (i == 0 ? 256 : 32) * 4096,
					     true };
	/* Each reserved range, one byte, takes one frame out of an entry. */
	for (unsigned i = 0; i < BOOTMEM_MAX_RESERVED; i++)
		res[i] = (struct mm_region){ P + (entry_start(2 * i) + 7) * 4096 + 100, 1, false };
	REQUIRE(mm_init(map, BOOTMEM_MAX_MAP, res, BOOTMEM_MAX_RESERVED) == 0);
	mm_cpu_init();
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.total, entry_start(BOOTMEM_MAX_MAP) - 1);
	CHECK_EQ_U64(a.reserved, a.total - free_frames);
	CHECK_EQ_U64(a.free + a.used + a.cached, free_frames);
	for (unsigned i = 0; i < BOOTMEM_MAX_RESERVED; i++)
		CHECK(pfn_to_page_fast(PFN_OF(res[i].base))->flags & PG_reserved);
}

TEST(bootmem_adjacent_entries_merge_in_the_buddy)
{
	/* Two usable entries meeting at P + 8 MiB (pfn 0x900); the buddy
	 * merges across the seam into the 8 MiB block at pfn 0x800. */
	const struct mm_region map[] = { { P + 8 * MIB, 8 * MIB, true }, { P, 8 * MIB, true } };
	struct buddy_stats s;
	const struct page *p;

	REQUIRE(hosted_phys_init(16 * MIB) == 0);
	REQUIRE(mm_init(map, 2, NULL, 0) == 0);
	mm_cpu_init();
	mm_fixture_frames_to_buddy();
	p = pfn_to_page_fast(0x800);
	CHECK(p->buddy);
	CHECK_EQ_U64(p->order, 11);
	buddy_stats(&s);
	CHECK(s.order[11].free_blocks >= 1);
}

TEST(bootmem_reinit_gives_the_same_state)
{
	struct buddy_stats first, second;
	struct mm_frame_accounting a;

	mm_fixture_setup(MM_FIXTURE_RAM);
	a = mm_fixture_start;
	buddy_stats(&first);
	mm_fixture_setup(MM_FIXTURE_RAM);
	buddy_stats(&second);
	CHECK(memcmp(&a, &mm_fixture_start, sizeof(a)) == 0);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
		CHECK_EQ_U64(first.order[o].free_blocks, second.order[o].free_blocks);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(bootmem_alloc_after_handoff_panics)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	EXPECT_PANIC(bootmem_alloc(4096), "after the buddy took over");
}

/* A direct map that reaches only the low half at first: nothing above the
 * reach is handed out or freed into the buddy until mm_extend_reach, and
 * the census counts those frames as deferred, then as free. */
TEST(bootmem_defers_ram_beyond_the_reach)
{
	const struct mm_region map[] = { { P, 16 * MIB, true } };
	const uint64_t reach = P + 8 * MIB, reach_pfn = reach >> HAL_PAGE_SHIFT;
	struct mm_frame_accounting a, b;
	struct page *got = NULL;
	uint64_t n = 0, above = 0;

	REQUIRE(hosted_phys_init(16 * MIB) == 0);
	REQUIRE(mm_init_reachable(map, 1, NULL, 0, reach) == 0);
	mm_cpu_init();
	mm_fixture_frames_to_buddy();
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.deferred, 2048); /* the upper 8 MiB */
	CHECK(a.used >= a.deferred + a.bootmem_used);
	CHECK_EQ_U64(a.free + a.cached + a.used + a.reserved, a.total);

	/* Everything the allocator gives out now lies below the reach. */
	for (struct page *p; (p = buddy_alloc(0)) != NULL; n++) {
		if (page_to_pfn(p) >= reach_pfn)
			above++;
		*(struct page **)page_to_virt(p) = got;
		got = p;
	}
	CHECK_EQ_U64(above, 0);
	CHECK(n > 1000);
	while (got != NULL) {
		struct page *next = *(struct page **)page_to_virt(got);

		buddy_free(got, 0);
		got = next;
	}

	mm_extend_reach(reach);	/* no change: not beyond the old reach */
	mm_frame_accounting(&b);
	CHECK_EQ_U64(b.deferred, 2048);
	mm_extend_reach(UINT64_MAX);
	mm_frame_accounting(&b);
	CHECK_EQ_U64(b.deferred, 0);
	/* Free: in the buddy, or in a variant that takes the buddy's frames. */
	CHECK_EQ_U64(b.free + b.cached, a.free + a.cached + 2048);
	CHECK_EQ_U64(b.used, a.used - 2048);
}
