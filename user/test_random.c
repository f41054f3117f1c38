/*
 * test_random.c - thousands of random mmap / munmap / mprotect / mremap /
 * madvise calls in a fixed 64 MiB window, valid and hostile arguments
 * mixed, each checked against a reference model of the window: per page,
 * whether it is mapped, its protection, MAP_SHARED or not, and a tag
 * naming the data written to it (0: must read zeros). After every call
 * the result must be Linux's (value or errno) and the pages it touched
 * must match the model: presence through mincore, data that must be
 * resident, and the contents of readable pages (three words per page).
 * Every CHECK_EVERY calls, and at the end, the whole window is compared,
 * including the VMA list (tb_vmas: adjacent private pages of equal
 * protection and commit accounting form one VMA; shared ones one or
 * several) and the kernel's invariants (tb_check), which exist only on
 * the testbed. Commit accounting is Linux's VM_ACCOUNT: a private
 * writable mapping has it, mprotect that first grants write adds it, a
 * move or growth keeps it, and losing the write right drops it only from
 * a VMA that never had a page written (no anon_vma: a property of the
 * whole VMA, spread by merges). A mapping that mmap or mremap places outside the
 * window is checked and unmapped at once.
 *
 * The model follows Linux where Linux is subtle: mprotect and madvise
 * apply to the mapped part before reporting a hole (ENOMEM); the hint of
 * mmap is used only when free; mremap grows in place only into free
 * pages; MREMAP_DONTUNMAP's new_addr, a mere hint without MREMAP_FIXED,
 * must not overlap the old range either (EINVAL). Calls whose Linux result depends on how Linux happened to split
 * or merge its VMAs are not made: mremap's old range always lies within
 * one group of pages that is certainly one Linux VMA (model id: a group
 * is only ever split, by munmap, mprotect or a move, never joined). Nor
 * are the calls where MAP_SHARED anonymous memory behaves as a shared
 * object (growing it with mremap, MREMAP_DONTUNMAP, MADV_DONTNEED): the
 * unit tests cover those.
 *
 * argv[1]: the seed (default 1), printed first so a failure can be rerun.
 */
#include "utest.h"

#define WBASE 0x200000000000ul
#define WPAGES 16384 /* 64 MiB */
#define WEND (WBASE + WPAGES * PG)
#define OPS 5000
#define CHECK_EVERY 128

struct mpage {
	uint8_t mapped, prot, shared;
	uint8_t acct, anon; /* VM_ACCOUNT; its VMA had a page written */
	uint32_t id;  /* group of pages certainly in one Linux VMA */
	uint32_t tag; /* data written; 0 = zero-filled */
};

static struct mpage model[WPAGES], moved[WPAGES];
static struct rng rng;
static uint32_t last_id, last_tag;
static unsigned op_nr;
static char history[8][160]; /* the last calls, for the failure report */

static const long prots[] = {
	PROT_NONE,		      PROT_READ,	     PROT_WRITE,
	PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
};

static uintptr_t va(size_t i)
{
	return WBASE + i * PG;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(history[op_nr % 8], sizeof(history[0]), "op %u: ", op_nr);

	va_start(ap, fmt);
	vsnprintf(history[op_nr % 8] + n, sizeof(history[0]) - (size_t)n, fmt, ap);
	va_end(ap);
}

static __attribute__((noreturn, format(printf, 1, 2))) void mismatch(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("FAIL after op %u: %s\n", op_nr, buf);
	for (unsigned i = op_nr > 7 ? op_nr - 7 : 0; i <= op_nr; i++)
		printf("  %s\n", history[i % 8]);
	exit(1);
}

static void expect_ret(long got, long want)
{
	if (got != want)
		mismatch("returned %ld (%s), Linux returns %ld (%s)", got,
			 got < 0 ? errno_name(-got) : "", want, want < 0 ? errno_name(-want) : "");
}

/* Page contents: three words per page, derived from the tag. */
static const unsigned word_off[3] = { 0, 2040, 4088 };

static uint64_t word_of(uint32_t tag, unsigned w)
{
	return tag ? ((uint64_t)tag << 32 | w) * 0x9e3779b97f4a7c15ull | 1 : 0;
}

static bool readable(const struct mpage *p)
{
	return p->prot & (PROT_READ | PROT_WRITE);
}

/* The residency byte mincore gave for a mapped page, and its contents. */
static void check_data(uintptr_t a, const struct mpage *p, unsigned char v)
{
	if (p->tag && !(v & 1))
		mismatch("page %p holds data but mincore says not resident", (void *)a);
	if (!readable(p))
		return;
	for (unsigned w = 0; w < 3; w++) {
		uint64_t got = *(volatile uint64_t *)(a + word_off[w]);

		if (got != word_of(p->tag, w))
			mismatch("page %p word %u is %llx, want %llx (tag %u)", (void *)a,
				 word_off[w], (unsigned long long)got,
				 (unsigned long long)word_of(p->tag, w), p->tag);
	}
}

/* One page as the model says it is (at a, which may be outside the
 * window). */
static void check_page(uintptr_t a, const struct mpage *p)
{
	unsigned char v;
	long r = sys_mincore(a, PG, &v);

	if (!p->mapped) {
		if (r != -ENOMEM)
			mismatch("page %p should be unmapped, mincore = %ld (%s)", (void *)a, r,
				 errno_name(-r));
		return;
	}
	if (r)
		mismatch("page %p should be mapped, mincore = %ld (%s)", (void *)a, r,
			 errno_name(-r));
	check_data(a, p, v);
}

/* Whether tb_vmas works (the testbed): then the VMA comparison proves
 * which pages are unmapped, and mincore need not ask page by page. */
static bool have_vmas;

/* Window pages [lo, hi) against the model, with few system calls (under
 * a software hypervisor each one costs tens of microseconds): one mincore
 * per run of mapped pages, and one per run of unmapped ones, which must
 * fail with ENOMEM; without tb_vmas (Linux) each unmapped page is asked
 * on its own, since ENOMEM for a run only says that some page is unmapped. */
static void check_pages(size_t lo, size_t hi)
{
	static unsigned char vec[WPAGES];

	for (size_t i = lo; i < hi;) {
		size_t j = i + 1;

		while (j < hi && model[j].mapped == model[i].mapped)
			j++;
		if (!model[i].mapped && !have_vmas) {
			for (size_t k = i; k < j; k++)
				check_page(va(k), &model[k]);
		} else if (!model[i].mapped) {
			long r = sys_mincore(va(i), (j - i) * PG, vec);

			if (r != -ENOMEM)
				mismatch("pages [%p, %p) should be unmapped, mincore = %ld",
					 (void *)va(i), (void *)va(j), r);
		} else {
			long r = sys_mincore(va(i), (j - i) * PG, vec);

			if (r)
				mismatch("pages [%p, %p) should be mapped, mincore = %ld (%s)",
					 (void *)va(i), (void *)va(j), r, errno_name(-r));
			for (size_t k = i; k < j; k++)
				check_data(va(k), &model[k], vec[k - i]);
		}
		i = j;
	}
}

/* Pages [lo - 1, lo + n + 1) of the window, clipped. */
static void check_range(size_t lo, size_t n)
{
	check_pages(lo ? lo - 1 : 0, lo + n + 1 < WPAGES ? lo + n + 1 : WPAGES);
}

/* The VMAs in the window against the model: each run of mapped pages of
 * one protection and type is one private VMA; a shared run may be cut
 * into several (Linux merges shared anonymous mappings only within one
 * shared object, at consecutive offsets), which must tile it exactly. */
static void check_window_vmas(void)
{
	static struct tb_vma got[VMAS_MAX];
	long n = vmas_in(WBASE, WEND, got, VMAS_MAX), k = 0;

	if (n == -ENOSYS)
		return;
	for (size_t i = 0; i < WPAGES;) {
		size_t j = i + 1;
		uint64_t flags;
		uintptr_t at = va(i);

		if (!model[i].mapped) {
			i++;
			continue;
		}
		while (j < WPAGES && model[j].mapped && model[j].prot == model[i].prot &&
		       model[j].shared == model[i].shared && model[j].acct == model[i].acct)
			j++;
		flags = model[i].shared ? MAP_SHARED : MAP_PRIVATE;
		do {
			if (k >= n || got[k].start != at || got[k].end > va(j) ||
			    (!model[i].shared && got[k].end != va(j)) ||
			    got[k].prot != (uint64_t)model[i].prot ||
			    (got[k].flags & (MAP_SHARED | MAP_PRIVATE)) != flags) {
				mismatch("VMA %ld: want [%p, %p) prot %d flags %lx, tb_vmas has %s",
					 k, (void *)at, (void *)va(j), model[i].prot,
					 (unsigned long)flags, k < n ? "another" : "none");
			}
			at = got[k++].end;
		} while (at < va(j));
		i = j;
	}
	if (k != n)
		mismatch("tb_vmas has %ld VMAs in the window, the model %ld", n, k);
}

static void check_all(void)
{
	long r;

	check_pages(0, WPAGES);
	check_window_vmas();
	r = tb_check();
	if (r && r != -ENOSYS)
		mismatch("tb_check = %ld (%s)", r, errno_name(-r));
}

/* Model updates. */

/* Maps [lo, lo + n) with the accounting of a VMA that carries acct and
 * anon (a move, or what MREMAP_DONTUNMAP leaves behind). */
static void model_map_as(size_t lo, size_t n, long prot, bool shared, bool acct, bool anon)
{
	uint32_t id = ++last_id;

	for (size_t i = lo; i < lo + n; i++)
		model[i] = (struct mpage){ 1, (uint8_t)prot, shared, acct, anon, id, 0 };
}

/* A new mapping: private writable memory is committed. */
static void model_map(size_t lo, size_t n, long prot, bool shared)
{
	model_map_as(lo, n, prot, shared, !shared && (prot & PROT_WRITE), false);
}

/* Whether the pages at i and i + 1 are in one private VMA. */
static bool one_private_vma(size_t i)
{
	return model[i].mapped && model[i + 1].mapped && !model[i].shared && !model[i + 1].shared &&
	       model[i].prot == model[i + 1].prot && model[i].acct == model[i + 1].acct;
}

/* The private VMA around page i: [*s, *e). */
static void private_vma(size_t i, size_t *s, size_t *e)
{
	*s = i;
	*e = i + 1;
	while (*s > 0 && one_private_vma(*s - 1))
		(*s)--;
	while (*e < WPAGES && one_private_vma(*e - 1))
		(*e)++;
}

/* A written page gives its whole VMA an anon_vma; merges spread it. For
 * the VMAs that reach into [lo - 1, lo + n + 1), where a call changed
 * pages or VMAs could merge. */
static void spread_anon(size_t lo, size_t n)
{
	size_t end = lo + n + 1 < WPAGES ? lo + n + 1 : WPAGES;

	for (size_t i = lo > 0 ? lo - 1 : 0; i < end;) {
		size_t s, e;
		uint8_t anon = 0;

		if (!model[i].mapped || model[i].shared) {
			i++;
			continue;
		}
		private_vma(i, &s, &e);
		for (size_t k = s; k < e; k++)
			anon |= model[k].anon;
		for (size_t k = s; k < e; k++)
			model[k].anon = anon;
		i = e;
	}
}

static void model_unmap(size_t lo, size_t n)
{
	for (size_t i = lo; i < lo + n; i++)
		model[i] = (struct mpage){ 0 };
}

/* Each run of one id in [lo, lo + n) (all mapped) gets a new id: groups
 * only ever split. */
static void model_split(size_t lo, size_t n)
{
	uint32_t prev = 0;

	for (size_t i = lo; i < lo + n; i++) {
		if (i == lo || model[i].id != prev)
			last_id++;
		prev = model[i].id;
		model[i].id = last_id;
	}
}

static bool all_free(size_t lo, size_t n)
{
	for (size_t i = lo; i < lo + n; i++) {
		if (model[i].mapped)
			return false;
	}
	return true;
}

static bool any_shared(size_t lo, size_t n)
{
	for (size_t i = lo; i < lo + n; i++) {
		if (model[i].mapped && model[i].shared)
			return true;
	}
	return false;
}

/* Random arguments. */

static size_t pick_page(void)
{
	return rng_below(&rng, 2) ? rng_below(&rng, 1024) : rng_below(&rng, WPAGES);
}

static void pick_range(size_t *lo, size_t *n)
{
	uint64_t r = rng_below(&rng, 100);

	*lo = pick_page();
	*n = 1 + rng_below(&rng, r < 70 ? 16 : r < 95 ? 256 : 2048);
	if (*lo + *n > WPAGES)
		*n = WPAGES - *lo;
}

static long pick_prot(void)
{
	return prots[rng_below(&rng, sizeof(prots) / sizeof(prots[0]))];
}

/* A mapping that the kernel put at r, len bytes, holding the pages of
 * `moved` (n of them, then zero-filled ones): in a free part of the
 * window it joins the model; outside the window it is checked and
 * unmapped. */
static void take_new(uintptr_t r, size_t len, size_t n, const struct mpage *as)
{
	size_t pages = len / PG;
	long prot = as->prot;
	bool shared = as->shared;

	if (r >= WBASE && r + len <= WEND && all_free((r - WBASE) / PG, pages)) {
		size_t lo = (r - WBASE) / PG;

		model_map_as(lo, pages, prot, shared, as->acct, as->anon);
		spread_anon(lo, pages);
		for (size_t k = 0; k < n && k < pages; k++)
			model[lo + k].tag = moved[k].tag;
		return;
	}
	if (r < WEND && r + len > WBASE)
		mismatch("new mapping [%p, %p) overlaps the window's mappings", (void *)r,
			 (void *)(r + len));
	for (size_t k = 0; k < pages; k++) {
		struct mpage p = { 1, (uint8_t)prot, shared, 0, 0, 0, k < n ? moved[k].tag : 0 };

		check_page(r + k * PG, &p);
	}
	expect_ret(sys_munmap(r, len), 0);
}

/* The operations. Each notes what it does, calls, checks the result and
 * updates the model; the caller then checks the pages around. */

static void op_mmap_fixed(size_t lo, size_t n)
{
	long prot = pick_prot();
	bool shared = !rng_below(&rng, 5), noreplace = rng_below(&rng, 3) == 0;
	long flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
		     (noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED) |
		     (rng_below(&rng, 8) ? 0 : MAP_POPULATE);
	bool busy = noreplace && !all_free(lo, n);

	note("mmap(page %zu, %zu pages, prot %ld, flags %lx)", lo, n, prot, flags);
	expect_ret(sys_mmap(va(lo), n * PG, prot, flags, -1, 0), busy ? -EEXIST : (long)va(lo));
	if (!busy)
		model_map(lo, n, prot, shared);
	/* MAP_POPULATE writes private writable memory (Linux's FOLL_WRITE). */
	for (size_t i = lo; !busy && !shared && (prot & PROT_WRITE) && (flags & MAP_POPULATE) &&
			    i < lo + n;
	     i++)
		model[i].anon = 1;
}

static void op_mmap_hint(size_t lo, size_t n)
{
	long prot = pick_prot();
	uintptr_t hint = va(lo) + rng_below(&rng, 2) * rng_below(&rng, PG); /* x86 rounds down */
	long r;

	note("mmap(hint %p, %zu pages, prot %ld, private)", (void *)hint, n, prot);
	r = sys_mmap(hint, n * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (SYS_IS_ERR(r))
		mismatch("mmap with a hint = %ld (%s)", r, errno_name(-r));
	if (all_free(lo, n))
		expect_ret(r, (long)va(lo));
	struct mpage fresh = { 1, (uint8_t)prot, 0, (prot & PROT_WRITE) != 0, 0, 0, 0 };
	take_new((uintptr_t)r, n * PG, 0, &fresh);
}

static void op_munmap(size_t lo, size_t n)
{
	size_t len = n * PG - rng_below(&rng, 2) * rng_below(&rng, PG);

	note("munmap(page %zu, %zu bytes)", lo, len);
	expect_ret(sys_munmap(va(lo), len), 0);
	model_unmap(lo, n);
}

static void op_mprotect(size_t lo, size_t n)
{
	long prot = pick_prot();
	size_t done = 0;

	note("mprotect(page %zu, %zu pages, prot %ld)", lo, n, prot);
	while (done < n && model[lo + done].mapped)
		done++;
	expect_ret(sys_mprotect(va(lo), n * PG, prot), done == n ? 0 : -ENOMEM);
	model_split(lo, done);
	for (size_t i = lo; i < lo + done; i++) {
		struct mpage *m = &model[i];

		if (!m->shared && (prot & PROT_WRITE) && !(m->prot & PROT_WRITE))
			m->acct = 1;
		if (!(prot & PROT_WRITE) && !m->anon)
			m->acct = 0;
		m->prot = (uint8_t)prot;
	}
}

static void op_madvise(size_t lo, size_t n)
{
	bool hole = !model[lo].mapped;

	note("madvise(page %zu, %zu pages, MADV_DONTNEED)%s", lo, n,
	     any_shared(lo, n) ? ": not made, shared pages" : "");
	if (any_shared(lo, n))
		return;
	for (size_t i = lo; i < lo + n; i++) {
		hole |= !model[i].mapped;
		model[i].tag = 0;
	}
	expect_ret(sys_madvise(va(lo), n * PG, MADV_DONTNEED), hole ? -ENOMEM : 0);
}

/* User writes: a new tag into every writable page of the range. */
static void op_touch(size_t lo, size_t n)
{
	note("write pages %zu..%zu", lo, lo + n - 1);
	for (size_t i = lo; i < lo + n; i++) {
		if (!model[i].mapped || !(model[i].prot & PROT_WRITE))
			continue;
		model[i].tag = ++last_tag;
		model[i].anon |= !model[i].shared;
		for (unsigned w = 0; w < 3; w++)
			*(volatile uint64_t *)(va(i) + word_off[w]) = word_of(model[i].tag, w);
	}
}

/* mremap of [lo, lo + n), which lies in one model group. *dst, *dst_n:
 * the other part of the window it may have changed. */
static void op_mremap_group(size_t lo, size_t n, size_t *dst, size_t *dst_n)
{
	const struct mpage old = model[lo];
	size_t new_n = 1 + rng_below(&rng, 2 * n + 8), vs, ve;
	unsigned kind = (unsigned)rng_below(&rng, 4);
	long flags = kind ? MREMAP_MAYMOVE : 0, r;
	bool fixed;

	*dst = pick_page();
	if (kind >= 2 && rng_below(&rng, 2))
		flags |= MREMAP_FIXED;
	if (kind == 3 && !old.shared) {
		flags |= MREMAP_DONTUNMAP; /* a move of the same size */
		new_n = n;
	}
	if (old.shared && new_n > n) /* past its object's end: SIGBUS on Linux */
		new_n = n;
	fixed = flags & MREMAP_FIXED;
	if ((fixed ? *dst : lo) + new_n > WPAGES)
		new_n = WPAGES - (fixed ? *dst : lo);
	if (flags & MREMAP_DONTUNMAP && new_n != n) {
		flags &= ~MREMAP_FIXED;
		fixed = false;
		new_n = n;
	}
	/* new_addr: the target of MREMAP_FIXED, a hint for MREMAP_DONTUNMAP. */
	if (*dst + new_n > WPAGES)
		*dst = WPAGES - new_n;
	*dst_n = new_n;
	note("mremap(page %zu, %zu pages -> %zu pages, flags %ld, page %zu)", lo, n, new_n,
	     flags, *dst);
	r = sys_mremap(va(lo), n * PG, new_n * PG, flags, va(*dst));
	for (size_t k = 0; k < n; k++)
		moved[k] = model[lo + k];
	/* Even as a hint, MREMAP_DONTUNMAP's new_addr may not overlap. */
	if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && *dst < lo + n && lo < *dst + new_n) {
		expect_ret(r, -EINVAL);
		return;
	}
	if (fixed) {
		expect_ret(r, (long)va(*dst));
		model_unmap(*dst, new_n);
	} else if (!(flags & MREMAP_DONTUNMAP) && (new_n <= n || all_free(lo + n, new_n - n))) {
		/* Shrinking, and growing into free pages, happen in place. */
		expect_ret(r, (long)va(lo));
		model_unmap(lo + new_n, n > new_n ? n - new_n : 0);
		for (size_t k = n; k < new_n; k++)
			model[lo + k] = (struct mpage){ 1,	  old.prot, old.shared, old.acct,
							old.anon, old.id,   0 };
		spread_anon(lo, new_n);
		return;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		expect_ret(r, -ENOMEM);
		return;
	}
	if (SYS_IS_ERR(r))
		mismatch("mremap = %ld (%s)", r, errno_name(-r));
	/* DONTUNMAP leaves the old range mapped and zero-filled; were it the
	 * whole VMA, with no anon_vma (Linux unlinks it). */
	private_vma(lo, &vs, &ve);
	if (flags & MREMAP_DONTUNMAP) {
		model_map_as(lo, n, old.prot, old.shared, old.acct,
			     old.anon && !(vs == lo && ve == lo + n));
		spread_anon(lo, n);
	} else {
		model_unmap(lo, n);
	}
	take_new((uintptr_t)r, new_n * PG, n < new_n ? n : new_n, &old);
}

static void op_mremap(void)
{
	size_t lo = pick_page(), n = 0, dst, dst_n;

	for (int tries = 0; tries < 32 && !model[lo].mapped; tries++)
		lo = pick_page();
	if (!model[lo].mapped) {
		note("mremap(page %zu: unmapped)", lo);
		expect_ret(sys_mremap(va(lo), PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
		return;
	}
	while (lo + n < WPAGES && model[lo + n].mapped && model[lo + n].id == model[lo].id)
		n++;
	n = 1 + rng_below(&rng, n);
	op_mremap_group(lo, n, &dst, &dst_n);
	check_range(lo, 2 * n + 8 < WPAGES - lo ? 2 * n + 8 : WPAGES - lo);
	check_range(dst, dst_n);
}

/* Arguments Linux rejects before looking at the address space, and calls
 * that fail on the window's current state; none may change anything. */
static void op_hostile(size_t lo, size_t n)
{
	uintptr_t a = va(lo);
	size_t len = n * PG;
	long anon = MAP_PRIVATE | MAP_ANONYMOUS, r, want;
	const char *what;

	switch (rng_below(&rng, 16)) {
	case 0: what = "mmap len 0"; want = -EINVAL;
		r = sys_mmap(a, 0, PROT_READ, anon | MAP_FIXED, -1, 0); break;
	case 1: what = "mmap without type"; want = -EINVAL;
		r = sys_mmap(a, len, PROT_READ, MAP_ANONYMOUS | MAP_FIXED, -1, 0); break;
	case 2: what = "mmap MAP_FIXED unaligned"; want = -EINVAL;
		r = sys_mmap(a + 1 + rng_below(&rng, PG - 1), len, PROT_READ, anon | MAP_FIXED,
			     -1, 0); break;
	case 3: what = "mmap unaligned offset"; want = -EINVAL;
		r = sys_mmap(a, len, PROT_READ, anon | MAP_FIXED, -1, 1); break;
	case 4: what = "mmap file without fd"; want = -EBADF;
		r = sys_mmap(a, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, -1, 0); break;
	case 5: what = "mmap MAP_FIXED kernel"; want = -ENOMEM;
		r = sys_mmap(KERNEL_ADDR, len, PROT_READ, anon | MAP_FIXED, -1, 0); break;
	case 6: what = "mmap length wraps"; want = -ENOMEM;
		r = sys_mmap(a, -1 - rng_below(&rng, PG - 1), PROT_READ, anon | MAP_FIXED, -1, 0);
		break;
	case 7: what = "munmap unaligned"; want = -EINVAL;
		r = sys_munmap(a + 1 + rng_below(&rng, PG - 1), len); break;
	case 8: what = "munmap len 0"; want = -EINVAL;
		r = sys_munmap(a, 0); break;
	case 9: what = "munmap into kernel"; want = -EINVAL;
		r = sys_munmap(a, KERNEL_ADDR); break;
	case 10: what = "mprotect unknown prot"; want = -EINVAL;
		r = sys_mprotect(a, len, PROT_READ | (8l << rng_below(&rng, 20)) << 1); break;
	case 11: what = "mprotect unaligned"; want = -EINVAL;
		r = sys_mprotect(a + 1 + rng_below(&rng, PG - 1), len, PROT_READ); break;
	case 12: what = "madvise unknown advice"; want = -EINVAL;
		r = sys_madvise(a, len, 200 + (long)rng_below(&rng, 1000)); break;
	case 13: what = "mremap MREMAP_FIXED without MREMAP_MAYMOVE"; want = -EINVAL;
		r = sys_mremap(a, len, len, MREMAP_FIXED, va(pick_page())); break;
	case 14: what = "mremap MREMAP_DONTUNMAP resizing"; want = -EINVAL;
		r = sys_mremap(a, len, len + PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0); break;
	default: what = "mremap new length 0"; want = -EINVAL;
		r = sys_mremap(a, len, 0, MREMAP_MAYMOVE, 0); break;
	}
	note("%s at page %zu, %zu pages", what, lo, n);
	expect_ret(r, want);
}

/* mremap of a range running from a mapped page into a hole: EFAULT. */
static void op_mremap_hole(size_t lo, size_t n)
{
	size_t k = 0;

	while (k < n && model[lo + k].mapped)
		k++;
	if (k == 0 || k == n)
		return;
	note("mremap(page %zu, %zu pages over a hole -> grow, MREMAP_MAYMOVE)", lo, n);
	expect_ret(sys_mremap(va(lo), n * PG, (n + 1) * PG, MREMAP_MAYMOVE, 0), -EFAULT);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;

	if (argc > 1 && !parse_u64(argv[1], &seed)) {
		printf("error: '%s' is not a seed\n", argv[1]);
		return 2;
	}
	printf("seed %llu, %d operations in [%p, %p)\n", (unsigned long long)seed, OPS,
	       (void *)WBASE, (void *)WEND);
	rng_seed(&rng, seed);
	have_vmas = tb_vmas(NULL, 0) != -ENOSYS;
	expect_ret(sys_munmap(WBASE, WPAGES * PG), 0);
	for (op_nr = 0; op_nr < OPS; op_nr++) {
		uint64_t pick = rng_below(&rng, 100);
		size_t lo, n;

		pick_range(&lo, &n);
		if (pick < 20)
			op_mmap_fixed(lo, n);
		else if (pick < 26)
			op_mmap_hint(lo, n);
		else if (pick < 38)
			op_munmap(lo, n);
		else if (pick < 52)
			op_mprotect(lo, n);
		else if (pick < 66)
			op_mremap();
		else if (pick < 70)
			op_mremap_hole(lo, n);
		else if (pick < 77)
			op_madvise(lo, n);
		else if (pick < 90)
			op_touch(lo, n);
		else
			op_hostile(lo, n);
		spread_anon(lo, n);
		check_range(lo, n);
		for (int k = 0; k < 4; k++) {
			size_t i = rng_below(&rng, WPAGES);

			check_pages(i, i + 1);
		}
		if (op_nr % CHECK_EVERY == CHECK_EVERY - 1)
			check_all();
	}
	check_all();
	expect_ret(sys_munmap(WBASE, WPAGES * PG), 0);
	model_unmap(0, WPAGES);
	check_all();
	printf("%d operations, %u VMA groups, %u writes: ok\n", OPS, last_id, last_tag);
	return 0;
}
