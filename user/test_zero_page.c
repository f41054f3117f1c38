/*
 * test_zero_page.c - reads of untouched private anonymous memory map the
 * shared zero page, as on Linux: reading a whole GiB of it costs no more
 * frames than the page tables that map it, the first write to a page
 * gives it a frame of its own, and what is written stays with that page
 * alone. Frames are counted with tb_meminfo (skipped on Linux, where the
 * reads and writes are still checked).
 */
#include "utest.h"

#define GIB (1ull << 30)
/* Page tables for 1 GiB: 512 page tables and the levels above them. */
#define TABLES_FOR_GIB (GIB / (2ull << 20) + 3)
/* Frames other work may take or give meanwhile (slab pages, per-CPU
 * caches refilled in batches are counted free). */
#define SLACK 16

static long frames_used(void)
{
	struct tb_meminfo mi;

	if (tb_meminfo(&mi) != 0)
		return -1;
	return (long)(mi.ram - mi.free);
}

CASE(read_gib_costs_page_tables, "reading 1 GiB of untouched private memory uses no frames beyond its page tables")
{
	/* MAP_NORESERVE: 1 GiB may be more than the machine's RAM, which
	 * overcommit mode 0 refuses to commit in one piece. */
	uintptr_t p = MMAP_ANON(0, GIB, RW, MAP_PRIVATE | MAP_NORESERVE);
	long before = frames_used(), after;
	uint64_t sum = 0;

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_madvise(p, GIB, MADV_POPULATE_READ), 0);
	for (uintptr_t a = p; a < p + GIB; a += 61 * PG)
		sum += *(volatile uint64_t *)(a + (a / PG % 512) * 8);
	EXPECT_EQ(sum, 0);
	EXPECT_EQ(page_resident(p + GIB / 2), 1);
	after = frames_used();
	if (before < 0) {
		case_skipped("frame count (tb_meminfo: not the testbed kernel)");
	} else {
		printf("read 1 GiB: %ld frames more in use (%llu page tables)\n", after - before,
		       (unsigned long long)TABLES_FOR_GIB);
		EXPECT_TRUE(after - before <= (long)(TABLES_FOR_GIB + SLACK));
	}

	/* A write copies one page; its neighbours still read zero. */
	*(volatile uint64_t *)(p + 5 * PG + 8) = 0xabcd;
	EXPECT_EQ(*(volatile uint64_t *)(p + 5 * PG + 8), 0xabcd);
	EXPECT_TRUE(is_zero(p + 4 * PG, PG));
	EXPECT_TRUE(is_zero(p + 6 * PG, PG));
	EXPECT_EQ(*(volatile uint64_t *)(p + 5 * PG), 0);
	if (before >= 0)
		EXPECT_TRUE(frames_used() - after >= 1);
	EXPECT_OK(sys_munmap(p, GIB));
	if (before >= 0)
		EXPECT_TRUE(frames_used() - before <= SLACK);
}

CASE(fault_reads_zero_then_writes, "a read fault then a write fault on the same page: zero, then the value written")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_TRUE(is_zero(p, 4 * PG));
	for (unsigned i = 0; i < 4; i++)
		*(volatile unsigned char *)(p + i * PG + i) = (unsigned char)(i + 1);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ(*(volatile unsigned char *)(p + i * PG + i), i + 1);
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(dontneed_after_read_and_write, "MADV_DONTNEED on pages read (zero page) and written (own frames) reads zeros again")
{
	uintptr_t p = MMAP_ANON(0, 8 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_TRUE(is_zero(p, 8 * PG));
	fill_pattern(p + 2 * PG, 2 * PG, 9);
	EXPECT_EQ(sys_madvise(p, 8 * PG, MADV_DONTNEED), 0);
	EXPECT_TRUE(is_zero(p, 8 * PG));
	EXPECT_EQ(sys_mprotect(p, 8 * PG, PROT_READ), 0);
	EXPECT_EQ(sys_mprotect(p, 8 * PG, RW), 0);
	fill_pattern(p, 8 * PG, 10);
	EXPECT_TRUE(has_pattern(p, 8 * PG, 10));
	EXPECT_OK(sys_munmap(p, 8 * PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
