/*
 * test_image_pages.c - the program's own image is a private mapping of
 * its ELF file, as Linux's execve maps it: MADV_DONTNEED on initialised
 * data gives back the file's value (a value written since is lost), on
 * text the code comes back and runs, on read-only data the constants
 * come back; bss past the file's bytes is anonymous and reads zero after
 * it; the file's pages stay resident in the page cache (mincore) when
 * the mapping drops them.
 */
#include "utest.h"

/* Each a page of its own, so that dropping it drops nothing else. */
static volatile uint64_t data_page[PG / 8] __attribute__((aligned(4096))) = {
	0x1122334455667788ull, [PG / 8 - 1] = 0x99,
};
static const uint64_t rodata_page[PG / 8] __attribute__((aligned(4096))) = {
	0xfeedfacecafebeefull, [PG / 8 - 1] = 7,
};
static volatile uint64_t bss_page[PG / 8] __attribute__((aligned(4096)));

__attribute__((noinline, aligned(4096))) static int text_function(int x)
{
	return x * 3 + 1;
}

static uintptr_t page_of(const volatile void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(PG - 1);
}

CASE(data_comes_back, "MADV_DONTNEED on initialised data reads the file's value again, losing what was written")
{
	uintptr_t p = page_of(data_page);

	EXPECT_EQ(data_page[0], 0x1122334455667788ull);
	data_page[0] = 5;
	data_page[PG / 8 - 1] = 6;
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	EXPECT_EQ(data_page[0], 0x1122334455667788ull);
	EXPECT_EQ(data_page[PG / 8 - 1], 0x99);
	data_page[0] = 8;	/* writable still: a new copy */
	EXPECT_EQ(data_page[0], 8);
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
}

CASE(text_comes_back, "MADV_DONTNEED on text drops the page; the code is read in again and runs")
{
	int (*volatile fn)(int) = text_function;
	uintptr_t p = page_of((const void *)text_function);

	EXPECT_EQ(fn(5), 16);
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	EXPECT_EQ(fn(7), 22);
	EXPECT_EQ(page_resident(p), 1);
}

CASE(rodata_comes_back, "MADV_DONTNEED on read-only data reads the file's constants again")
{
	uintptr_t p = page_of(rodata_page);

	EXPECT_EQ(((const volatile uint64_t *)rodata_page)[0], 0xfeedfacecafebeefull);
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	/* The page cache keeps the file's page: mincore says resident. */
	EXPECT_EQ(page_resident(p), 1);
	EXPECT_EQ(((const volatile uint64_t *)rodata_page)[0], 0xfeedfacecafebeefull);
	EXPECT_EQ(((const volatile uint64_t *)rodata_page)[PG / 8 - 1], 7);
}

CASE(bss_reads_zero, "bss is anonymous memory: after MADV_DONTNEED it reads zero, not file bytes")
{
	uintptr_t p = page_of(bss_page);

	EXPECT_EQ(bss_page[3], 0);
	bss_page[3] = 42;
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	EXPECT_EQ(page_resident(p), 0);	/* no file page behind it */
	EXPECT_EQ(bss_page[3], 0);
}

CASE(text_stays_read_only, "the text mapping is private and not writable: the kernel may not write it for the program either")
{
	uintptr_t p = page_of((const void *)text_function);

	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_EQ(sys_madvise(p, PG, MADV_REMOVE), -EACCES);
	EXPECT_EQ(sys_madvise(p, PG, MADV_FREE), -EINVAL);
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
