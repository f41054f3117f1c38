/*
 * test_aspace_random.c - thousands of random mmap, munmap, mprotect,
 * mremap, madvise, write and fault calls on one address space, valid and
 * hostile ones mixed, each checked against a reference model; at the end
 * every frame and page table is back (the fixture's accounting).
 *
 * The model is one slot per page of a window of WINDOW pages: mapped or
 * not, prot, MAP_SHARED or MAP_PRIVATE, and the byte at the start of the
 * page (0 until written: demand-zero). A shared page's byte lives in its
 * object instead (an id and an offset: objects outlive the slots, so
 * MREMAP_DONTUNMAP and mremap's old_len 0 show one object twice, and
 * MADV_DONTNEED loses nothing). The VMAs it implies are its maximal runs
 * of mapped pages with equal prot and type, and for shared pages one
 * object at consecutive offsets, and for private pages whether they are
 * committed (Linux's VM_ACCOUNT: set by a writable mapping or by
 * mprotect that first grants write, kept by a move, inherited by a
 * growth, dropped with the write right only by a VMA that never had a
 * page of its own: no anon_vma, a property of the whole VMA that merges
 * spread and writes set) (every change merges, so the address space
 * must show exactly those). Each step
 * predicts the call's result and its effect on the model from Linux's
 * rules, written independently of mm/ (page by page, no tree), then
 * compares: the result, aspace_check, the VMA list, and every page's
 * byte (through mincore: a resident page is read without faulting it in,
 * a page that is not resident must model as zero). Calls that place a
 * mapping outside the window (no hint, a taken hint, a move) are checked
 * there and unmapped at once.
 */
#include <stdlib.h>
#include <string.h>

#include "test_aspace.h"

#define ASPACE_RANDOM_STEPS 6000
#define WINDOW 96
/* The window straddles a 1 GiB boundary, so tables at every level below
 * the root come and go. */
#define W (0x100000000ull - WINDOW / 2 * PG)
#define SPAN(p) (W + (uint64_t)(p) * PG)

struct slot {
	bool mapped;
	uint8_t prot, type;	/* type: MAP_SHARED or MAP_PRIVATE */
	bool acct;		/* private and committed */
	bool anon;		/* its VMA has had a page of its own */
	uint8_t val;		/* private pages */
	unsigned obj, off;	/* shared pages: object and page offset */
};

/* Objects: one per shared mmap; offsets stay below OBJ_PAGES (a mapping
 * has at most WINDOW pages, offsets grow only within the window). */
#define MAX_OBJS (ASPACE_RANDOM_STEPS + 1)
#define OBJ_PAGES (2 * WINDOW)
static uint8_t objval[MAX_OBJS][OBJ_PAGES];

struct rmodel {
	struct aspace *as;
	struct slot s[WINDOW];
	unsigned nobjs;
	uint64_t rng;
	unsigned step;
	const char *op;
	/* Outcomes seen, so the test knows it reached each path. */
	unsigned grown, moved, partial_mprotect, refused;
};

static uint64_t rnd(struct rmodel *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static unsigned below(struct rmodel *m, unsigned n)
{
	return (unsigned)(rnd(m) % n);
}

static const uint8_t prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				 PROT_READ | PROT_EXEC, PROT_WRITE, PROT_READ | PROT_WRITE | PROT_EXEC };

static uint8_t *value(struct slot *s)
{
	return s->type == MAP_SHARED ? &objval[s->obj][s->off] : &s->val;
}

/* Whether a and the slot after it, b, belong to one VMA. */
static bool same_vma(const struct slot *a, const struct slot *b)
{
	return a->mapped && b->mapped && a->prot == b->prot && a->type == b->type &&
	       a->acct == b->acct && (a->type == MAP_PRIVATE || (a->obj == b->obj && a->off + 1 == b->off));
}

/* The model VMA around page p: [*s, *e). */
static void run_of(const struct rmodel *m, unsigned p, unsigned *s, unsigned *e)
{
	*s = p;
	*e = p + 1;
	while (*s > 0 && same_vma(&m->s[*s - 1], &m->s[*s]))
		(*s)--;
	while (*e < WINDOW && same_vma(&m->s[*e - 1], &m->s[*e]))
		(*e)++;
}

static void model_unmap(struct rmodel *m, unsigned s, unsigned e)
{
	for (unsigned p = s; p < e && p < WINDOW; p++)
		m->s[p] = (struct slot){ 0 };
}

/* Maps [s, e): private, or shared with object obj from offset off. */
static void model_map_acct(struct rmodel *m, unsigned s, unsigned e, uint8_t prot, uint8_t type,
			   bool acct, bool anon, unsigned obj, unsigned off)
{
	for (unsigned p = s; p < e; p++)
		m->s[p] = (struct slot){ true, prot, type, acct, anon, 0, obj, off + (p - s) };
}

/* A new mapping: private writable memory is committed. */
static void model_map(struct rmodel *m, unsigned s, unsigned e, uint8_t prot, uint8_t type,
		      unsigned obj, unsigned off)
{
	model_map_acct(m, s, e, prot, type, type == MAP_PRIVATE && (prot & PROT_WRITE), false, obj,
		       off);
}

/* A VMA has pages of its own if any of its pages was written: spread
 * that over every model VMA, as the merges of the step just done did. */
static void spread_anon(struct rmodel *m)
{
	for (unsigned p = 0; p < WINDOW;) {
		unsigned s, e;
		bool anon = false;

		if (!m->s[p].mapped) {
			p++;
			continue;
		}
		run_of(m, p, &s, &e);
		for (unsigned q = s; q < e; q++)
			anon |= m->s[q].anon;
		for (unsigned q = s; q < e; q++)
			m->s[q].anon = anon;
		p = e;
	}
}


static void fail(struct rmodel *m, int line, const char *what, long got, long want)
{
	hosted_fail(__FILE__, line, "step %u (%s): %s: got %ld, want %ld", m->step, m->op, what,
		    got, want);
}

#define EXPECT(m, got, want)                                          \
	do {                                                          \
		long got_ = (got), want_ = (want);                    \
		if (got_ != want_)                                    \
			fail((m), __LINE__, #got, got_, want_);      \
	} while (0)

/* Whole-state comparison after a step. */
static bool compare(struct rmodel *m)
{
	struct aspace_vma_info vi[WINDOW + 1];
	char err[200];
	long n = aspace_vmas(m->as, vi, WINDOW + 1);
	long want = 0;
	bool ok = true;

	if (aspace_check(m->as, err, sizeof(err)) != 0) {
		hosted_fail(__FILE__, __LINE__, "step %u (%s): aspace_check: %s", m->step, m->op, err);
		return false;
	}
	for (unsigned p = 0; p < WINDOW;) {
		unsigned s, e;

		if (!m->s[p].mapped) {
			p++;
			continue;
		}
		run_of(m, p, &s, &e);
		if (want >= n || vi[want].start != SPAN(s) || vi[want].end != SPAN(e) ||
		    vi[want].prot != m->s[p].prot || vi[want].flags != m->s[p].type) {
			hosted_fail(__FILE__, __LINE__, "step %u (%s): VMA %ld is not [%#llx, %#llx)",
				    m->step, m->op, want, (unsigned long long)SPAN(s),
				    (unsigned long long)SPAN(e));
			return false;
		}
		unsigned char vec[WINDOW];
		if (aspace_mincore(m->as, SPAN(s), (e - s) * PG, vec) != 0)
			ok = false;
		for (unsigned q = s; q < e && ok; q++) {
			int v = vec[q - s] ? as_peek(m->as, SPAN(q)) : 0;

			if (v != *value(&m->s[q])) {
				hosted_fail(__FILE__, __LINE__, "step %u (%s): page %u reads %d, want %u",
					    m->step, m->op, q, v, *value(&m->s[q]));
				ok = false;
			}
		}
		want++;
		p = e;
	}
	if (ok && n != want) {
		hosted_fail(__FILE__, __LINE__, "step %u (%s): %ld VMAs, want %ld", m->step, m->op, n,
			    want);
		ok = false;
	}
	return ok;
}

/* A mapping the call placed outside the window: check it reads as
 * expected (vals, or zeros past them) and unmap it. */
static void outside(struct rmodel *m, long addr, unsigned pages, const uint8_t *vals,
		    unsigned nvals)
{
	if (addr > 0 && (uint64_t)addr >= SPAN(0) && (uint64_t)addr < SPAN(WINDOW)) {
		fail(m, __LINE__, "placed inside the window", addr, 0);
		return;
	}
	for (unsigned i = 0; i < pages; i++) {
		unsigned char vec;

		if (aspace_mincore(m->as, addr + i * PG, PG, &vec) != 0) {
			fail(m, __LINE__, "outside mapping missing", addr + i * PG, 0);
			return;
		}
		int v = vec ? as_peek(m->as, addr + i * PG) : 0;
		EXPECT(m, v, i < nvals ? vals[i] : 0);
	}
	EXPECT(m, aspace_munmap(m->as, addr, pages * PG), 0);
}

static void step_mmap(struct rmodel *m)
{
	unsigned p = below(m, WINDOW), n = 1 + below(m, 8);
	uint8_t prot = prots[below(m, sizeof(prots))];
	uint8_t type = below(m, 3) == 0 ? MAP_SHARED : MAP_PRIVATE;
	unsigned how = below(m, 3);

	if (p + n > WINDOW)
		n = WINDOW - p;
	uint64_t len = n * PG - (below(m, 2) ? below(m, PG) : 0);
	/* A fresh (all zero) object id for a shared mapping, used or not. */
	unsigned obj = type == MAP_SHARED ? ++m->nobjs : 0;
	if (how == 0) {
		m->op = "mmap fixed";
		EXPECT(m, as_map(m->as, SPAN(p), len, prot, type | MAP_FIXED), SPAN(p));
		model_map(m, p, p + n, prot, type, obj, 0);
	} else if (how == 1) {
		bool busy = false;

		m->op = "mmap noreplace";
		for (unsigned q = p; q < p + n; q++)
			busy |= m->s[q].mapped;
		EXPECT(m, as_map(m->as, SPAN(p), len, prot, type | MAP_FIXED_NOREPLACE),
		       busy ? -EEXIST : (long)SPAN(p));
		if (!busy)
			model_map(m, p, p + n, prot, type, obj, 0);
	} else {
		bool busy = false;

		m->op = "mmap hint";
		for (unsigned q = p; q < p + n; q++)
			busy |= m->s[q].mapped;
		long a = as_map(m->as, SPAN(p) + below(m, PG), len, prot, type);
		if (!busy) {
			EXPECT(m, a, SPAN(p));
			model_map(m, p, p + n, prot, type, obj, 0);
		} else {
			outside(m, a, n, NULL, 0);
		}
	}
}

static void step_munmap(struct rmodel *m)
{
	unsigned p = below(m, WINDOW), n = 1 + below(m, 12);

	m->op = "munmap";
	if (p + n > WINDOW)
		n = WINDOW - p;
	EXPECT(m, aspace_munmap(m->as, SPAN(p), n * PG - below(m, 2) * below(m, PG)), 0);
	model_unmap(m, p, p + n);
}

static void step_mprotect(struct rmodel *m)
{
	unsigned p = below(m, WINDOW), n = 1 + below(m, 12);
	uint8_t prot = prots[below(m, sizeof(prots))];
	long want = 0;

	m->op = "mprotect";
	if (p + n > WINDOW)
		n = WINDOW - p;
	/* Linux: page by page (VMA by VMA) from p, stopping at a hole. */
	for (unsigned q = p; q < p + n; q++) {
		if (!m->s[q].mapped) {
			want = -ENOMEM;
			m->partial_mprotect += q > p;
			break;
		}
		m->s[q].acct |= m->s[q].type == MAP_PRIVATE && (prot & PROT_WRITE) &&
				!(m->s[q].prot & PROT_WRITE);
		if (!(prot & PROT_WRITE) && !m->s[q].anon)
			m->s[q].acct = false;
		m->s[q].prot = prot;
	}
	EXPECT(m, aspace_mprotect(m->as, SPAN(p), n * PG, prot), want);
}

static void step_madvise(struct rmodel *m)
{
	unsigned p = below(m, WINDOW), n = 1 + below(m, 12);
	int64_t advice = below(m, 3) ? MADV_DONTNEED : MADV_WILLNEED;
	bool hole = false, any = false;

	m->op = "madvise";
	if (p + n > WINDOW)
		n = WINDOW - p;
	for (unsigned q = p; q < p + n; q++) {
		hole |= !m->s[q].mapped;
		any |= m->s[q].mapped;
		if (m->s[q].mapped && advice == MADV_DONTNEED)
			m->s[q].val = 0;	/* shared data stays in its object */
	}
	EXPECT(m, aspace_madvise(m->as, SPAN(p), n * PG, advice), hole || !any ? -ENOMEM : 0);
}

static void step_poke(struct rmodel *m)
{
	unsigned p = below(m, WINDOW);
	uint8_t v = (uint8_t)(1 + below(m, 255));

	m->op = "write";
	EXPECT(m, as_poke(m->as, SPAN(p), v), m->s[p].mapped ? 0 : -EFAULT);
	if (m->s[p].mapped)
		*value(&m->s[p]) = v;
	m->s[p].anon |= m->s[p].mapped && m->s[p].type == MAP_PRIVATE;
}

/* Whether the live entry of va already allows the access (x86: any
 * present user entry may be read). */
static bool entry_allows(struct aspace *as, uintptr_t va, unsigned access)
{
	struct mapper_translation t;

	if (mapper_translate(aspace_mapper(as), va, &t) != 0)
		return false;
	if (access & ASPACE_FAULT_EXEC)
		return !(t.flags & MAPPER_NX);
	return !(access & ASPACE_FAULT_WRITE) || (t.flags & MAPPER_WRITE);
}

static void step_fault(struct rmodel *m)
{
	unsigned p = below(m, WINDOW);
	/* Read, write or exec; a not-present or a protection fault. */
	unsigned access = ASPACE_FAULT_USER | below(m, 3);
	const struct slot *s = &m->s[p];
	long want;

	access |= below(m, 2) ? ASPACE_FAULT_PRESENT : 0;
	m->op = "fault";
	if (!s->mapped)
		want = -EFAULT;
	else if (access & ASPACE_FAULT_EXEC)
		want = s->prot & PROT_EXEC ? 0 : -EACCES;
	else if (access & ASPACE_FAULT_WRITE)
		want = s->prot & PROT_WRITE ? 0 : -EACCES;
	else
		want = s->prot != PROT_NONE ? 0 : -EACCES;
	if (want == 0 && (access & ASPACE_FAULT_PRESENT) && entry_allows(m->as, SPAN(p), access))
		want = ASPACE_FAULT_SPURIOUS;
	EXPECT(m, aspace_fault(m->as, SPAN(p) + below(m, PG), access), want);
	m->s[p].anon |= want >= 0 && (access & ASPACE_FAULT_WRITE) && s->type == MAP_PRIVATE;
}

/* mremap, following Linux's order of checks on the page model. */
static void step_mremap(struct rmodel *m)
{
	unsigned p = below(m, WINDOW), on = below(m, 8), nn = 1 + below(m, 8);
	unsigned kind = below(m, 4), t = below(m, WINDOW);
	uint64_t flags = kind == 0 ? 0 : kind == 1 ? MREMAP_MAYMOVE :
			 kind == 2 ? MREMAP_MAYMOVE | MREMAP_FIXED :
			 MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
	uint8_t vals[16] = { 0 };
	unsigned s, e;

	m->op = "mremap";
	if (below(m, 2) && m->s[p].mapped) {
		/* Often the rest of a VMA: the case that may grow in place. */
		run_of(m, p, &s, &e);
		on = e - p < 8 ? e - p : 8;
	}
	if (p + on > WINDOW)
		on = WINDOW - p;
	if (p + nn > WINDOW)
		nn = WINDOW - p;
	if (flags & MREMAP_DONTUNMAP)
		nn = on ? on : 1, on = nn;
	if (t + nn > WINDOW)
		t = WINDOW - nn;
	/* Growing shared mappings again and again raises their offsets:
	 * keep them inside the model's objects. */
	if (m->s[p].mapped && m->s[p].type == MAP_SHARED && m->s[p].off + nn >= OBJ_PAGES)
		return;
	long got = aspace_mremap(m->as, SPAN(p), on * PG, nn * PG, flags, SPAN(t));

	if (!m->s[p].mapped) {
		EXPECT(m, got, -EFAULT);
		return;
	}
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if (p + on > t && t + nn > p) {
			EXPECT(m, got, -EINVAL);
			return;
		}
		if (flags & MREMAP_FIXED)
			model_unmap(m, t, t + nn);
		if (on > nn) {
			model_unmap(m, p + nn, p + on);
			on = nn;
		}
	} else if (nn <= on) {
		EXPECT(m, got, SPAN(p));
		model_unmap(m, p + nn, p + on);
		return;
	}
	run_of(m, p, &s, &e);
	struct slot v = m->s[p];
	if (on == 0 && v.type == MAP_PRIVATE) {
		EXPECT(m, got, -EINVAL);
		return;
	}
	if (p + on > e) {
		EXPECT(m, got, -EFAULT);
		return;
	}
	if (!(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))) {
		bool free_above = p + on == e;

		for (unsigned q = e; q < p + nn && free_above; q++)
			free_above = !m->s[q].mapped;
		if (free_above) {
			EXPECT(m, got, SPAN(p));
			model_map_acct(m, e, p + nn, v.prot, v.type, v.acct, v.anon, v.obj,
				       v.off + (e - p));
			m->grown++;
			return;
		}
		if (!(flags & MREMAP_MAYMOVE)) {
			EXPECT(m, got, -ENOMEM);
			return;
		}
	}
	/* What the new range must read: a shared mapping shows its object
	 * (grown part included), a private one the moved pages, then zeros. */
	for (unsigned i = 0; i < nn; i++)
		vals[i] = v.type == MAP_SHARED ? objval[v.obj][v.off + i] :
			  i < on ? m->s[p + i].val : 0;
	m->moved++;
	/* DONTUNMAP of a whole VMA leaves it with nothing of its own. */
	if ((flags & MREMAP_DONTUNMAP) && s == p && e == p + on)
		for (unsigned i = 0; i < on; i++)
			m->s[p + i].anon = false;
	if (!(flags & MREMAP_DONTUNMAP))
		model_unmap(m, p, p + on);
	else if (v.type == MAP_PRIVATE)
		for (unsigned i = 0; i < on; i++)
			m->s[p + i].val = 0;	/* left behind, empty */
	if (flags & MREMAP_FIXED) {
		EXPECT(m, got, SPAN(t));
		model_map_acct(m, t, t + nn, v.prot, v.type, v.acct, v.anon, v.obj, v.off);
		for (unsigned i = 0; i < nn && v.type == MAP_PRIVATE; i++)
			m->s[t + i].val = vals[i];
		return;
	}
	if (v.prot == PROT_NONE)
		EXPECT(m, aspace_mprotect(m->as, got, nn * PG, PROT_READ), 0);
	/* DONTUNMAP's hint lies in the window: take it back out if used. */
	bool hint_free = true;
	for (unsigned q = t; q < t + nn && (flags & MREMAP_DONTUNMAP); q++)
		hint_free &= !m->s[q].mapped;
	if ((flags & MREMAP_DONTUNMAP) && hint_free) {
		EXPECT(m, got, SPAN(t));
		for (unsigned i = 0; i < nn; i++) {
			unsigned char vec;

			EXPECT(m, aspace_mincore(m->as, got + i * PG, PG, &vec), 0);
			EXPECT(m, vec ? as_peek(m->as, got + i * PG) : 0, vals[i]);
		}
		EXPECT(m, aspace_munmap(m->as, got, nn * PG), 0);
		return;
	}
	outside(m, got, nn, vals, nn);
}

/* Calls that must fail and change nothing. */
static void step_hostile(struct rmodel *m)
{
	struct aspace *as = m->as;
	uintptr_t a = SPAN(below(m, WINDOW));

	m->op = "hostile";
	m->refused++;
	switch (below(m, 16)) {
	case 0: EXPECT(m, as_map(as, a, 0, PROT_READ, MAP_PRIVATE | MAP_FIXED), -EINVAL); break;
	case 1: EXPECT(m, as_map(as, a + 8, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), -EINVAL); break;
	case 2: EXPECT(m, as_map(as, a, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED), -EINVAL); break;
	case 3: EXPECT(m, aspace_mmap(as, a, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, 3, 0), -EBADF); break;
	case 4: EXPECT(m, as_map(as, a, -PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), -ENOMEM); break;
	case 5: EXPECT(m, as_map(as, 0x1000, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), -EPERM); break;
	case 6: EXPECT(m, aspace_munmap(as, a + 1, PG), -EINVAL); break;
	case 7: EXPECT(m, aspace_munmap(as, a, 0), -EINVAL); break;
	case 8: EXPECT(m, aspace_munmap(as, a, 1ull << 63), -EINVAL); break;
	case 9: EXPECT(m, aspace_mprotect(as, a + 1, PG, PROT_READ), -EINVAL); break;
	case 10: EXPECT(m, aspace_mprotect(as, a, PG, 0x40), -EINVAL); break;
	case 11: EXPECT(m, aspace_mremap(as, a, PG, PG, 0x10, 0), -EINVAL); break;
	case 12: EXPECT(m, aspace_mremap(as, a, PG, 2 * PG, MREMAP_FIXED, a + 8 * PG), -EINVAL); break;
	case 13: EXPECT(m, aspace_mremap(as, a, PG, 0, MREMAP_MAYMOVE, 0), -EINVAL); break;
	case 14: EXPECT(m, aspace_madvise(as, a, PG, 77), -EINVAL); break;
	default: EXPECT(m, aspace_madvise(as, a + 4, PG, MADV_DONTNEED), -EINVAL); break;
	}
}

static void run_random(uint64_t seed)
{
	struct as_fixture f;
	struct rmodel m = { .rng = seed };

	as_setup(&f);
	m.as = f.as;
	memset(objval, 0, sizeof(objval));
	for (m.step = 0; m.step < ASPACE_RANDOM_STEPS; m.step++) {
		unsigned r = below(&m, 20);

		if (r < 4)
			step_mmap(&m);
		else if (r < 6)
			step_munmap(&m);
		else if (r < 9)
			step_mprotect(&m);
		else if (r < 12)
			step_mremap(&m);
		else if (r < 13)
			step_madvise(&m);
		else if (r < 16)
			step_poke(&m);
		else if (r < 18)
			step_fault(&m);
		else
			step_hostile(&m);
		spread_anon(&m);
		if (!compare(&m))
			break;
	}
	const unsigned seen = ASPACE_RANDOM_STEPS / 400;
	CHECK(m.grown > seen && m.moved > seen && m.partial_mprotect > seen && m.refused > seen);
	m.op = "final munmap";
	EXPECT(&m, aspace_munmap(f.as, SPAN(0), WINDOW * PG), 0);
	struct aspace_stats st;
	aspace_stats(f.as, &st);
	CHECK_EQ_U64(st.vmas, 0);
	CHECK_EQ_U64(st.resident_pages, 0);
	CHECK_EQ_U64(st.page_tables, 1);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_random_against_model)
{
	run_random(0x9e3779b97f4a7c15ull);
	run_random(0x123456789abcdefull);
}

/* Destroy with everything still mapped, PROT_NONE pages too, gives it all back. */
TEST(aspace_random_then_destroy)
{
	struct as_fixture f;
	struct rmodel m = { .rng = 42 };

	as_setup(&f);
	m.as = f.as;
	memset(objval, 0, sizeof(objval));
	for (m.step = 0; m.step < ASPACE_RANDOM_STEPS / 4; m.step++) {
		unsigned r = below(&m, 10);

		if (r < 4)
			step_mmap(&m);
		else if (r < 6)
			step_mprotect(&m);
		else if (r < 8)
			step_mremap(&m);
		else
			step_poke(&m);
		spread_anon(&m);
	}
	CHECK(compare(&m));
	CHECK(as_resident(f.as) > 0);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}
