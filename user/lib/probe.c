/*
 * probe.c - looking at an address space from a test without faulting:
 * mincore for presence and residency, mincore's output for writability,
 * tb_vmas for the layout; plus the content patterns the tests write and
 * check.
 */
#include "utest.h"

size_t pages_mapped(uintptr_t addr, size_t len)
{
	size_t n = 0;
	unsigned char v;

	for (uintptr_t p = addr; p < addr + len; p += PAGE_SIZE)
		n += sys_mincore(p, PAGE_SIZE, &v) == 0;
	return n;
}

long page_resident(uintptr_t addr)
{
	unsigned char v;
	long r = sys_mincore(addr, PAGE_SIZE, &v);

	return r < 0 ? r : v & 1;
}

/* A page the probe's mincore reports on: written first, so resident. */
static volatile unsigned char probe_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

bool kernel_can_write(uintptr_t addr)
{
	probe_page[0] = 1;
	return sys_mincore((uintptr_t)probe_page, PAGE_SIZE, (unsigned char *)addr) == 0;
}

long vmas_in(uintptr_t lo, uintptr_t hi, struct tb_vma *out, size_t max)
{
	static struct tb_vma all[VMAS_MAX];
	long total = tb_vmas(all, VMAS_MAX);
	size_t n = 0;

	if (total < 0)
		return total;
	if (total > VMAS_MAX) {
		printf("error: %ld VMAs, more than the %d this program reads\n", total, VMAS_MAX);
		exit(2);
	}
	for (long i = 0; i < total; i++) {
		struct tb_vma v = all[i];

		if (v.end <= lo || v.start >= hi)
			continue;
		v.start = v.start < lo ? lo : v.start;
		v.end = v.end > hi ? hi : v.end;
		if (n < max)
			out[n] = v;
		n++;
	}
	return (long)n;
}

#define VMA_FLAGS (MAP_SHARED | MAP_PRIVATE | MAP_GROWSDOWN)

bool check_vmas(int line, uintptr_t lo, uintptr_t hi, const struct tb_vma *want, size_t n)
{
	struct tb_vma got[16];
	long cnt = vmas_in(lo, hi, got, 16);

	if (cnt == -ENOSYS) {
		case_skipped("tb_vmas");
		return true;
	}
	for (size_t i = 0; i < n || i < (size_t)cnt; i++) {
		const struct tb_vma *g = i < (size_t)cnt && i < 16 ? &got[i] : 0;
		const struct tb_vma *w = i < n ? &want[i] : 0;

		if (g && w && g->start == w->start && g->end == w->end && g->prot == w->prot &&
		    (g->flags & VMA_FLAGS) == w->flags)
			continue;
		if (!g)
			case_fail(line, "VMA %zu missing: want [%p, %p) prot %lx flags %lx", i,
				  (void *)w->start, (void *)w->end, (unsigned long)w->prot,
				  (unsigned long)w->flags);
		else
			case_fail(line, "VMA %zu is [%p, %p) prot %lx flags %lx, want %s", i,
				  (void *)g->start, (void *)g->end, (unsigned long)g->prot,
				  (unsigned long)g->flags, w ? "another" : "none");
		return false;
	}
	return true;
}

uintptr_t free_range(size_t len)
{
	long r = sys_mmap(0, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), u;

	if (SYS_IS_ERR(r)) {
		printf("error: free_range(%zu): mmap = %ld (%s)\n", len, r, errno_name(-r));
		exit(2);
	}
	u = sys_munmap((uintptr_t)r, len);
	if (u) {
		printf("error: free_range(%zu): munmap = %ld (%s)\n", len, u, errno_name(-u));
		exit(2);
	}
	return (uintptr_t)r;
}

uintptr_t map_anon(int line, uintptr_t addr, size_t len, long prot, long flags)
{
	long r = sys_mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (SYS_IS_ERR(r)) {
		case_fail(line, "mmap(%p, %zu, %ld, %lx) = %ld (%s)", (void *)addr, len, prot,
			  flags, r, errno_name(-r));
		return 0;
	}
	return (uintptr_t)r;
}

/* The word at offset off of a range filled with seed: moved data keeps it. */
static uint64_t pattern(uint64_t seed, uintptr_t off)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ off;

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ull | 1; /* never 0: unlike demand-zero memory */
}

void fill_pattern(uintptr_t p, size_t len, uint64_t seed)
{
	for (uintptr_t a = p; a < p + len; a += 8)
		*(volatile uint64_t *)a = pattern(seed, a - p);
}

bool has_pattern(uintptr_t p, size_t len, uint64_t seed)
{
	for (uintptr_t a = p; a < p + len; a += 8) {
		if (*(volatile uint64_t *)a != pattern(seed, a - p))
			return false;
	}
	return true;
}

bool is_zero(uintptr_t p, size_t len)
{
	for (uintptr_t a = p; a < p + len; a += 8) {
		if (*(volatile uint64_t *)a)
			return false;
	}
	return true;
}

const unsigned char code_ret42[6] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
