/*
 * test_vma_tree.c - the VMA tree (mm/vma_tree.c): hand-made cases for each
 * call and its edges, vma_tree_check against deliberately broken trees,
 * long random sequences against a reference model, and the balance and
 * the O(log n) gap search after 100,000 sequential inserts.
 *
 * The model is a sorted array of the nodes in the tree. Each random step
 * predicts the result of an insert, remove, resize, lookup or gap search
 * from the array alone (gaps by a scan over every free range, in 128-bit
 * arithmetic so the model cannot share the tree's overflow bugs), then
 * checks the tree against it: vma_tree_check, and both in-order walks
 * against the array, after every step.
 */
#include <errno.h>
#include <stdlib.h>

#include <mm/env.h>

#include "test.h"
#include "vma_tree.h"

#define PG 0x1000ull
#define LOWER_HALF_END 0x0000800000000000ull

typedef unsigned __int128 u128;

static void check_tree(const struct vma_tree *t, int line)
{
	char err[160];

	if (vma_tree_check(t, err, sizeof(err)) != 0)
		hosted_fail(__FILE__, line, "vma_tree_check: %s", err);
}

#define CHECK_TREE(t) check_tree((t), __LINE__)

static void set_range(struct vma_node *n, uintptr_t start, uintptr_t end)
{
	n->start = start;
	n->end = end;
}

static int insert(struct vma_tree *t, struct vma_node *n, uintptr_t start, uintptr_t end)
{
	set_range(n, start, end);
	return vma_tree_insert(t, n);
}

/*
 * A gap search's result as one number: the start found, or NOFIT for
 * -ENOMEM. UINTPTR_MAX is never a start (a range that starts there would
 * end past the address space), so it cannot be mistaken for one.
 */
#define NOFIT UINTPTR_MAX

static uintptr_t gap(const struct vma_tree *t, bool highest, uint64_t size, uint64_t align,
		     uintptr_t floor_addr, uintptr_t ceil_addr)
{
	uintptr_t out = 0;
	int err = highest ? vma_tree_gap_highest(t, size, align, floor_addr, ceil_addr, &out)
			  : vma_tree_gap_lowest(t, size, align, floor_addr, ceil_addr, &out);

	if (err != 0 && err != -ENOMEM)
		hosted_fail(__FILE__, __LINE__, "gap search: %d", err);
	return err ? NOFIT : out;
}

#define LOW(t, size, align) gap((t), false, (size), (align), 0, UINTPTR_MAX)
#define HIGH(t, size, align) gap((t), true, (size), (align), 0, UINTPTR_MAX)

TEST(vma_tree_empty)
{
	struct vma_tree t;
	uintptr_t out;

	vma_tree_init(&t, 0x10000, 0x20000);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.count, 0);
	CHECK_EQ_U64(vma_tree_height(&t), 0);
	CHECK(vma_tree_find(&t, 0x10000) == NULL);
	CHECK(vma_tree_first_end_after(&t, 0) == NULL);
	CHECK(vma_tree_first(&t) == NULL);
	CHECK(vma_tree_last(&t) == NULL);
	CHECK_EQ_U64(LOW(&t, 0x1000, 0x1000), 0x10000);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 0x1000), 0x1f000);
	CHECK_EQ_U64(LOW(&t, 0x10000, 1), 0x10000);
	CHECK_EQ_U64(HIGH(&t, 0x10000, 0x10000), 0x10000);
	CHECK_EQ_U64(LOW(&t, 0x10001, 1), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 0x10001, 1), NOFIT);
	CHECK_EQ_U64(LOW(&t, 0x1000, 0x20000), NOFIT); /* no multiple of 128 KiB inside */
	CHECK_EQ_U64(vma_tree_gap_lowest(&t, 0, 1, 0, UINTPTR_MAX, &out), -EINVAL);
	CHECK_EQ_U64(vma_tree_gap_lowest(&t, 1, 0, 0, UINTPTR_MAX, &out), -EINVAL);
	CHECK_EQ_U64(vma_tree_gap_highest(&t, 1, 3, 0, UINTPTR_MAX, &out), -EINVAL);
	EXPECT_PANIC(vma_tree_init(&t, 0x20000, 0x20000), "empty window");
	EXPECT_PANIC(vma_tree_init(&t, 0x20000, 0x10000), "empty window");
}

TEST(vma_tree_one_node)
{
	struct vma_tree t;
	struct vma_node n;

	vma_tree_init(&t, 0x1000, 0x10000);
	CHECK_EQ_U64(insert(&t, &n, 0x2000, 0x3000), 0);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.count, 1);
	CHECK_EQ_U64(vma_tree_height(&t), 1);
	CHECK_EQ_U64(n.subtree_gap, 0);
	/* start inclusive, end exclusive */
	CHECK(vma_tree_find(&t, 0x1fff) == NULL);
	CHECK(vma_tree_find(&t, 0x2000) == &n);
	CHECK(vma_tree_find(&t, 0x2fff) == &n);
	CHECK(vma_tree_find(&t, 0x3000) == NULL);
	CHECK(vma_tree_first_end_after(&t, 0) == &n);
	CHECK(vma_tree_first_end_after(&t, 0x2fff) == &n);
	CHECK(vma_tree_first_end_after(&t, 0x3000) == NULL);
	CHECK(vma_tree_first(&t) == &n);
	CHECK(vma_tree_last(&t) == &n);
	CHECK(vma_tree_next(&n) == NULL);
	CHECK(vma_tree_prev(&n) == NULL);
	/* The two gaps of the tree's ends. */
	CHECK_EQ_U64(LOW(&t, 0x1000, 1), 0x1000);
	CHECK_EQ_U64(LOW(&t, 0x2000, 1), 0x3000);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 1), 0xf000);
	CHECK_EQ_U64(HIGH(&t, 0xd000, 1), 0x3000);
	CHECK_EQ_U64(HIGH(&t, 0xd001, 1), NOFIT);
	vma_tree_remove(&t, &n);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.count, 0);
	CHECK(t.root == NULL);
	CHECK_EQ_U64(LOW(&t, 0xf000, 1), 0x1000);
	/* Removed twice, or resized out of the tree: the node is in no tree. */
	EXPECT_PANIC(vma_tree_remove(&t, &n), "not in this tree");
	EXPECT_PANIC(vma_tree_resize(&t, &n, 0x2000, 0x4000), "not in this tree");
}

TEST(vma_tree_bad_arguments_and_overlaps)
{
	struct vma_tree t;
	struct vma_node a, b, x;

	vma_tree_init(&t, 0x1000, 0x100000);
	CHECK_EQ_U64(insert(&t, &a, 0x10000, 0x20000), 0);
	CHECK_EQ_U64(insert(&t, &x, 0x5000, 0x5000), -EINVAL);	  /* empty */
	CHECK_EQ_U64(insert(&t, &x, 0x6000, 0x5000), -EINVAL);	  /* reversed */
	CHECK_EQ_U64(insert(&t, &x, 0x0, 0x2000), -EINVAL);	  /* below lo */
	CHECK_EQ_U64(insert(&t, &x, 0xff000, 0x101000), -EINVAL); /* past hi */
	CHECK_EQ_U64(insert(&t, &x, 0x10000, 0x20000), -EEXIST);  /* the same */
	CHECK_EQ_U64(insert(&t, &x, 0x8000, 0x30000), -EEXIST);	  /* around */
	CHECK_EQ_U64(insert(&t, &x, 0x11000, 0x12000), -EEXIST);  /* inside */
	CHECK_EQ_U64(insert(&t, &x, 0x8000, 0x10001), -EEXIST);	  /* its first byte */
	CHECK_EQ_U64(insert(&t, &x, 0x1ffff, 0x30000), -EEXIST);  /* its last byte */
	CHECK_EQ_U64(t.count, 1);
	CHECK_TREE(&t);
	/* Touching is not overlapping, on either side, nor are the window's edges. */
	CHECK_EQ_U64(insert(&t, &b, 0x20000, 0x30000), 0);
	CHECK_EQ_U64(insert(&t, &x, 0x1000, 0x10000), 0);
	CHECK_EQ_U64(t.count, 3);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.root->subtree_gap, 0);
	CHECK_EQ_U64(LOW(&t, 1, 1), 0x30000);
	CHECK(vma_tree_find(&t, 0x20000) == &b);
	CHECK(vma_tree_find(&t, 0x1ffff) == &a);
	CHECK(vma_tree_first_end_after(&t, 0x1ffff) == &a);
	CHECK(vma_tree_first_end_after(&t, 0x20000) == &b);
}

/* Insert and remove at the window's edges, and remove a node with two children. */
TEST(vma_tree_ends)
{
	struct vma_tree t;
	struct vma_node n[7];

	vma_tree_init(&t, 0x1000, 0x100000);
	for (int i = 0; i < 7; i++)
		CHECK_EQ_U64(insert(&t, &n[i], 0x10000 * (uintptr_t)(i + 1),
				    0x10000 * (uintptr_t)(i + 1) + 0x8000), 0);
	CHECK_EQ_U64(vma_tree_height(&t), 3); /* 7 sequential inserts: a perfect tree */
	CHECK(t.root == &n[3]);
	CHECK_EQ_U64(t.root->subtree_gap, 0x8000);
	struct vma_node first, last;
	CHECK_EQ_U64(insert(&t, &first, 0x1000, 0x2000), 0);
	CHECK_EQ_U64(insert(&t, &last, 0xff000, 0x100000), 0);
	CHECK_TREE(&t);
	CHECK(vma_tree_first(&t) == &first);
	CHECK(vma_tree_last(&t) == &last);
	CHECK(vma_tree_find(&t, 0xfffff) == &last);
	CHECK(vma_tree_find(&t, 0x1000) == &first);
	CHECK_EQ_U64(t.root->subtree_gap, 0xff000 - 0x78000);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 1), 0xfe000);
	vma_tree_remove(&t, &last);
	CHECK_TREE(&t);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 1), 0xff000);
	vma_tree_remove(&t, &first);
	CHECK_TREE(&t);
	CHECK(vma_tree_first(&t) == &n[0]);
	CHECK(t.root == &n[3]);
	vma_tree_remove(&t, t.root); /* two children */
	CHECK_TREE(&t);
	CHECK(vma_tree_find(&t, 0x40000) == NULL);
	CHECK_EQ_U64(t.count, 6);
	CHECK_EQ_U64(t.root->subtree_gap, 0x18000);
	while (t.root) {
		vma_tree_remove(&t, vma_tree_first(&t));
		CHECK_TREE(&t);
	}
	CHECK_EQ_U64(t.count, 0);
}

TEST(vma_tree_iteration)
{
	enum { N = 200 };
	struct vma_node n[N];
	struct vma_tree t;
	unsigned order[N];
	uint64_t rng = 7;

	/* Insert in a shuffled order; n[i] holds the i-th range. */
	for (unsigned i = 0; i < N; i++)
		order[i] = i;
	for (unsigned i = N - 1; i > 0; i--) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned j = (unsigned)((rng >> 33) % (i + 1)), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	vma_tree_init(&t, 0, 1ull << 40);
	for (unsigned i = 0; i < N; i++) {
		uintptr_t s = 0x100000 * (uintptr_t)(order[i] + 1);

		CHECK_EQ_U64(insert(&t, &n[order[i]], s, s + 0x1000 * (order[i] + 1)), 0);
	}
	CHECK_TREE(&t);
	unsigned i = 0;
	for (struct vma_node *x = vma_tree_first(&t); x; x = vma_tree_next(x), i++)
		CHECK(i < N && x == &n[i]);
	CHECK_EQ_U64(i, N);
	for (struct vma_node *x = vma_tree_last(&t); x; x = vma_tree_prev(x))
		CHECK(i > 0 && x == &n[--i]);
	CHECK_EQ_U64(i, 0);
	/* Every lookup at and around each range. */
	for (i = 0; i < N; i++) {
		CHECK(vma_tree_find(&t, n[i].start - 1) == NULL);
		CHECK(vma_tree_find(&t, n[i].start) == &n[i]);
		CHECK(vma_tree_find(&t, n[i].end - 1) == &n[i]);
		CHECK(vma_tree_find(&t, n[i].end) == NULL);
		CHECK(vma_tree_first_end_after(&t, n[i].start - 1) == &n[i]);
		CHECK(vma_tree_first_end_after(&t, n[i].end) == (i + 1 < N ? &n[i + 1] : NULL));
	}
}

TEST(vma_tree_resize)
{
	struct vma_tree t;
	struct vma_node a, b, c;

	vma_tree_init(&t, 0x1000, 0x100000);
	CHECK_EQ_U64(insert(&t, &a, 0x10000, 0x20000), 0);
	CHECK_EQ_U64(insert(&t, &b, 0x40000, 0x50000), 0);
	CHECK_EQ_U64(insert(&t, &c, 0x80000, 0x90000), 0);
	CHECK_EQ_U64(t.root->subtree_gap, 0x30000);
	/* Grow b until it touches both neighbours: no inner gap is left. */
	vma_tree_resize(&t, &b, 0x20000, 0x80000);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.root->subtree_gap, 0);
	CHECK(vma_tree_find(&t, 0x20000) == &b);
	CHECK(vma_tree_find(&t, 0x7ffff) == &b);
	/* Shrink it to one page in the middle. */
	vma_tree_resize(&t, &b, 0x50000, 0x51000);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.root->subtree_gap, 0x30000);
	CHECK_EQ_U64(LOW(&t, 0x30000, 1), 0x20000);
	CHECK_EQ_U64(LOW(&t, 0x30001, 1), 0x90000);
	/* The ends grow to the window's edges. */
	vma_tree_resize(&t, &a, 0x1000, 0x20000);
	vma_tree_resize(&t, &c, 0x80000, 0x100000);
	CHECK_TREE(&t);
	CHECK_EQ_U64(LOW(&t, 0x30001, 1), NOFIT);
	CHECK_EQ_U64(LOW(&t, 0x30000, 1), 0x20000);
	CHECK_EQ_U64(HIGH(&t, 0x2f000, 1), 0x51000);
	/* Overlapping a neighbour, leaving the window, or empty: panics. */
	EXPECT_PANIC(vma_tree_resize(&t, &b, 0x1ffff, 0x51000), "vma_tree_resize");
	EXPECT_PANIC(vma_tree_resize(&t, &b, 0x50000, 0x80001), "vma_tree_resize");
	EXPECT_PANIC(vma_tree_resize(&t, &a, 0x0, 0x20000), "vma_tree_resize");
	EXPECT_PANIC(vma_tree_resize(&t, &c, 0x80000, 0x100001), "vma_tree_resize");
	EXPECT_PANIC(vma_tree_resize(&t, &b, 0x50000, 0x50000), "vma_tree_resize");
	/* A node of another tree. */
	struct vma_tree other;
	struct vma_node o;
	vma_tree_init(&other, 0x1000, 0x100000);
	CHECK_EQ_U64(insert(&other, &o, 0x30000, 0x31000), 0);
	EXPECT_PANIC(vma_tree_remove(&t, &o), "not in this tree");
	EXPECT_PANIC(vma_tree_resize(&t, &o, 0x30000, 0x32000), "not in this tree");
	CHECK_TREE(&other);
	CHECK_TREE(&t);
}

TEST(vma_tree_gap_search)
{
	struct vma_tree t;
	struct vma_node n[4];

	/* Free: [0x1000, 0x10000) [0x11000, 0x13000) [0x14000, 0x15800)
	 *       [0x17000, 0x20000) [0x21000, 0x40000) */
	vma_tree_init(&t, 0x1000, 0x40000);
	CHECK_EQ_U64(insert(&t, &n[0], 0x10000, 0x11000), 0);
	CHECK_EQ_U64(insert(&t, &n[1], 0x13000, 0x14000), 0);
	CHECK_EQ_U64(insert(&t, &n[2], 0x15800, 0x17000), 0);
	CHECK_EQ_U64(insert(&t, &n[3], 0x20000, 0x21000), 0);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.root->subtree_gap, 0x9000);
	CHECK_EQ_U64(LOW(&t, 0x1000, 0x1000), 0x1000);
	CHECK_EQ_U64(LOW(&t, 0xf000, 0x1000), 0x1000);
	CHECK_EQ_U64(LOW(&t, 0xf001, 1), 0x21000);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 0x1000), 0x3f000);
	CHECK_EQ_U64(HIGH(&t, 0x1f001, 1), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 0x1f000, 1), 0x21000);
	/* Floors and ceilings. */
	CHECK_EQ_U64(gap(&t, false, 0x1000, 0x1000, 0x10000, UINTPTR_MAX), 0x11000);
	CHECK_EQ_U64(gap(&t, false, 0x1000, 0x1000, 0x12001, UINTPTR_MAX), 0x14000);
	CHECK_EQ_U64(gap(&t, false, 0xfff, 1, 0x12001, UINTPTR_MAX), 0x12001);
	CHECK_EQ_U64(gap(&t, false, 0x1000, 1, 0x12001, UINTPTR_MAX), 0x14000);
	CHECK_EQ_U64(gap(&t, false, 0x2000, 1, 0x11001, 0x20000), 0x17000);
	CHECK_EQ_U64(gap(&t, false, 0x2000, 0x2000, 0x11001, 0x20000), 0x18000);
	CHECK_EQ_U64(gap(&t, true, 0x1000, 0x1000, 0, 0x20000), 0x1f000);
	CHECK_EQ_U64(gap(&t, true, 0x1000, 0x1000, 0, 0x16fff), 0x14000);
	CHECK_EQ_U64(gap(&t, true, 0x1000, 1, 0, 0x15fff), 0x14800);
	CHECK_EQ_U64(gap(&t, true, 0x2000, 0x2000, 0x11000, 0x20000), 0x1e000);
	CHECK_EQ_U64(gap(&t, true, 0x2000, 1, 0x11000, 0x16fff), 0x11000);
	CHECK_EQ_U64(gap(&t, true, 0x2001, 1, 0x11000, 0x16fff), NOFIT);
	CHECK_EQ_U64(gap(&t, false, 0x1000, 1, 0x30000, 0x30000), NOFIT);
	CHECK_EQ_U64(gap(&t, false, 0x1000, 1, 0x30000, 0x20000), NOFIT);
	/* Alignment. A gap of exactly size that starts aligned is found,
	 * though it is shorter than size + align - 1 (Linux's criterion). */
	CHECK_EQ_U64(LOW(&t, 0x2000, 0x2000), 0x2000);
	CHECK_EQ_U64(gap(&t, false, 0x2000, 0x1000, 0x10000, UINTPTR_MAX), 0x11000);
	/* Gaps long enough but too short once aligned are passed over. */
	CHECK_EQ_U64(gap(&t, false, 0x2000, 0x2000, 0x10000, UINTPTR_MAX), 0x18000);
	CHECK_EQ_U64(gap(&t, false, 0x1800, 0x800, 0x13000, UINTPTR_MAX), 0x14000);
	CHECK_EQ_U64(gap(&t, false, 0x1800, 0x8000, 0x13000, UINTPTR_MAX), 0x18000);
	CHECK_EQ_U64(gap(&t, true, 0x1800, 0x800, 0, 0x17000), 0x14000);
	CHECK_EQ_U64(gap(&t, false, 0x8000, 0x8000, 0x10000, UINTPTR_MAX), 0x18000);
	CHECK_EQ_U64(gap(&t, false, 0x9000, 0x8000, 0x10000, UINTPTR_MAX), 0x28000);
	CHECK_EQ_U64(gap(&t, false, 0x9000, 0x8000, 0x10000, 0x30000), NOFIT);
	CHECK_EQ_U64(LOW(&t, 0x1000, 0x40000), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 0x1000, 0x20000), NOFIT); /* 0x20000 is taken */
	CHECK_EQ_U64(HIGH(&t, 0x1000, 0x10000), 0x30000);
}

/* A user window up to the end of the lower half. */
TEST(vma_tree_lower_half_end)
{
	struct vma_tree t;
	struct vma_node top, below;

	vma_tree_init(&t, 0x10000, LOWER_HALF_END);
	CHECK_EQ_U64(insert(&t, &top, LOWER_HALF_END - PG, LOWER_HALF_END), 0);
	CHECK_EQ_U64(insert(&t, &below, LOWER_HALF_END - 0x40000000,
			    LOWER_HALF_END - 0x3ffff000), 0);
	CHECK_TREE(&t);
	CHECK(vma_tree_find(&t, LOWER_HALF_END - 1) == &top);
	CHECK(vma_tree_first_end_after(&t, LOWER_HALF_END - 1) == &top);
	CHECK(vma_tree_first_end_after(&t, LOWER_HALF_END) == NULL);
	CHECK_EQ_U64(HIGH(&t, PG, PG), LOWER_HALF_END - 2 * PG);
	CHECK_EQ_U64(HIGH(&t, 0x3ffff000 - PG, PG), LOWER_HALF_END - 0x3ffff000);
	CHECK_EQ_U64(HIGH(&t, 0x3ffff000 - PG + 1, PG), LOWER_HALF_END - 0x7ffff000);
	CHECK_EQ_U64(HIGH(&t, 0x40000000, 0x40000000), LOWER_HALF_END - 0x80000000);
	CHECK_EQ_U64(LOW(&t, 0x40000000, 0x40000000), 0x40000000);
	CHECK_EQ_U64(gap(&t, false, PG, PG, LOWER_HALF_END - 0x40000000, UINTPTR_MAX),
		     LOWER_HALF_END - 0x3ffff000);
	CHECK_EQ_U64(gap(&t, false, 0x3ffff000 - PG, 1, LOWER_HALF_END - 0x3ffff000, UINTPTR_MAX),
		     LOWER_HALF_END - 0x3ffff000);
	CHECK_EQ_U64(gap(&t, false, 0x3ffff000 - PG + 1, 1, LOWER_HALF_END - 0x3ffff000,
			 UINTPTR_MAX), NOFIT);
	CHECK_EQ_U64(gap(&t, false, PG, 1ull << 63, 0, UINTPTR_MAX), NOFIT);
	CHECK_EQ_U64(gap(&t, true, PG, 1ull << 46, 0, UINTPTR_MAX), 1ull << 46);
	CHECK_EQ_U64(gap(&t, false, PG, 1ull << 46, 0, UINTPTR_MAX), 1ull << 46);
	vma_tree_resize(&t, &top, LOWER_HALF_END - 0x3ffff000, LOWER_HALF_END);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.root->subtree_gap, 0);
	CHECK_EQ_U64(HIGH(&t, PG, PG), LOWER_HALF_END - 0x40000000 - PG);
}

/* A window that ends at the last byte of the address space: rounding up
 * wraps there, and must not. */
TEST(vma_tree_address_space_top)
{
	const uintptr_t lo = UINTPTR_MAX - 0xffff, hi = UINTPTR_MAX;
	struct vma_tree t;
	struct vma_node a, b, x;

	vma_tree_init(&t, lo, hi);
	CHECK_EQ_U64(LOW(&t, 0xffff, 1), lo);
	CHECK_EQ_U64(LOW(&t, 0x10000, 1), NOFIT);
	CHECK_EQ_U64(LOW(&t, 1, 0x10000), lo);
	CHECK_EQ_U64(LOW(&t, 1, 0x20000), NOFIT);
	CHECK_EQ_U64(LOW(&t, 1, 1ull << 63), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 1, 1ull << 63), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 1, 1), hi - 1);
	CHECK_EQ_U64(HIGH(&t, 0x100, 0x100), hi - 0x1ff);
	CHECK_EQ_U64(insert(&t, &a, lo, lo + 0x100), 0);
	CHECK_EQ_U64(insert(&t, &b, hi - 0x100, hi), 0);
	CHECK_TREE(&t);
	CHECK_EQ_U64(insert(&t, &x, hi - 0x100, hi), -EEXIST);
	CHECK_EQ_U64(insert(&t, &x, hi - 1, hi + 1), -EINVAL); /* wraps to 0 */
	CHECK(vma_tree_find(&t, hi - 1) == &b);
	CHECK(vma_tree_find(&t, hi) == NULL);
	CHECK_EQ_U64(LOW(&t, 0x100, 0x100), lo + 0x100);
	CHECK_EQ_U64(HIGH(&t, 0x100, 0x100), hi - 0x2ff);
	CHECK_EQ_U64(HIGH(&t, 0x100, 1), hi - 0x200);
	CHECK_EQ_U64(gap(&t, false, 0x80, 0x1000, hi - 0x1000, UINTPTR_MAX), hi - 0xfff);
	CHECK_EQ_U64(gap(&t, false, 0x80, 0x1000, hi - 0xffe, UINTPTR_MAX), NOFIT);
	CHECK_EQ_U64(gap(&t, false, 0x80, 0x80, hi - 0xffe, UINTPTR_MAX), hi - 0xf7f);
	CHECK_EQ_U64(HIGH(&t, 0xfdff, 1), lo + 0x100);
	CHECK_EQ_U64(HIGH(&t, 0xfe00, 1), NOFIT);
	CHECK_EQ_U64(HIGH(&t, 0xfd01, 0x100), lo + 0x100);
	CHECK_EQ_U64(HIGH(&t, 0xfd01, 0x200), NOFIT);
	CHECK_EQ_U64(LOW(&t, 0xfd01, 0x200), NOFIT);
}

/* vma_tree_check finds each kind of damage. */
static void expect_check_fails(const struct vma_tree *t, const char *what, int line)
{
	char err[160];

	if (vma_tree_check(t, err, sizeof(err)) != -EINVAL)
		hosted_fail(__FILE__, line, "vma_tree_check passed a tree with %s", what);
	else if (strstr(err, what) == NULL)
		hosted_fail(__FILE__, line, "vma_tree_check: \"%s\", expected \"%s\"", err, what);
}

#define EXPECT_CHECK_FAILS(t, what) expect_check_fails((t), (what), __LINE__)

TEST(vma_tree_check_finds_damage)
{
	enum { N = 20 };
	struct vma_node n[N], *x;
	struct vma_tree t;
	uintptr_t saved;

	vma_tree_init(&t, 0x1000, 0x1000000);
	for (int i = 0; i < N; i++)
		CHECK_EQ_U64(insert(&t, &n[i], 0x10000 * (uintptr_t)(i + 1),
				    0x10000 * (uintptr_t)(i + 1) + 0x800 * (uintptr_t)(i + 1)), 0);
	CHECK_TREE(&t);

	x = n[7].left ? n[7].left : &n[7];
	saved = x->subtree_gap;
	x->subtree_gap++;
	EXPECT_CHECK_FAILS(&t, "wrong subtree_gap");
	x->subtree_gap = saved;
	t.root->subtree_end--;
	EXPECT_CHECK_FAILS(&t, "wrong subtree_end");
	t.root->subtree_end++;
	t.root->height++;
	EXPECT_CHECK_FAILS(&t, "wrong height");
	t.root->height--;
	t.count++;
	EXPECT_CHECK_FAILS(&t, "fewer nodes than count");
	t.count -= 2;
	EXPECT_CHECK_FAILS(&t, "more nodes than count");
	t.count++;
	n[5].start = n[4].end - 1;
	EXPECT_CHECK_FAILS(&t, "overlapping");
	n[5].start = n[5].end;
	EXPECT_CHECK_FAILS(&t, "empty range");
	n[5].start = 0x60000;
	n[0].start = 0;
	EXPECT_CHECK_FAILS(&t, "outside");
	n[0].start = 0x10000;
	x = t.root->left;
	x->parent = x;
	EXPECT_CHECK_FAILS(&t, "parent is wrong");
	x->parent = t.root;
	CHECK_TREE(&t);

	/* A chain of three: heights and annotations right, balance wrong. */
	struct vma_node a, b, c;
	vma_tree_init(&t, 0, 0x100);
	a = (struct vma_node){ NULL, &b, NULL, 0x10, 0x20, 0x10, 0x60, 0x10, 3 };
	b = (struct vma_node){ NULL, &c, &a, 0x30, 0x40, 0x30, 0x60, 0x10, 2 };
	c = (struct vma_node){ NULL, NULL, &b, 0x50, 0x60, 0x50, 0x60, 0, 1 };
	t.root = &a;
	t.count = 3;
	EXPECT_CHECK_FAILS(&t, "AVL balance");
}

/*
 * The reference model: the tree's nodes in a sorted array. Coordinates are
 * lo + k * unit; with unit 1, range boundaries are unaligned, so aligned
 * gap searches meet gaps that are long enough but too short once aligned.
 */
struct rconfig {
	const char *name;
	uintptr_t lo, hi;
	uint64_t unit;
	unsigned max_align_shift;
	uint64_t max_len;	/* in units */
};

enum { POOL = 400 };

struct rmodel {
	const struct rconfig *c;
	struct vma_tree t;
	struct vma_node pool[POOL];
	bool used[POOL];
	struct vma_node *sorted[POOL];
	unsigned n;
	uint64_t rng;
	unsigned max_n, gap_hits, gap_misses, eexist;
};

static uint64_t rnd(struct rmodel *m)
{
	/* xorshift64* */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t units(const struct rmodel *m)
{
	return (m->c->hi - m->c->lo) / m->c->unit;
}

/* A random address near the window: usually inside, now and then just outside. */
static uintptr_t raddr(struct rmodel *m)
{
	uint64_t k = rnd(m) % (units(m) + 1);
	unsigned r = (unsigned)(rnd(m) % 32);

	if (r == 0 && m->c->lo >= 2)
		return m->c->lo - 1 - rnd(m) % 2;
	if (r == 1 && m->c->hi < UINTPTR_MAX)
		return m->c->hi + rnd(m) % 2;
	return m->c->lo + k * m->c->unit;
}

static int model_insert_result(const struct rmodel *m, uintptr_t s, uintptr_t e, unsigned *pos)
{
	unsigned i;

	if (s >= e || s < m->c->lo || e > m->c->hi)
		return -EINVAL;
	for (i = 0; i < m->n && m->sorted[i]->start < s; i++)
		;
	*pos = i;
	if (i > 0 && m->sorted[i - 1]->end > s)
		return -EEXIST;
	if (i < m->n && m->sorted[i]->start < e)
		return -EEXIST;
	return 0;
}

static void step_insert(struct rmodel *m)
{
	unsigned slot, pos = 0;
	uintptr_t s = raddr(m), e;
	uint64_t len = 1 + rnd(m) % (1 + rnd(m) % m->c->max_len);
	u128 e128 = (u128)s + (u128)len * m->c->unit;
	int want;

	for (slot = 0; slot < POOL && m->used[slot]; slot++)
		;
	if (slot == POOL)
		return;
	e = e128 > UINTPTR_MAX ? UINTPTR_MAX : (uintptr_t)e128;
	if (rnd(m) % 64 == 0)
		e = s - rnd(m) % 2; /* empty or reversed */
	want = model_insert_result(m, s, e, &pos);
	CHECK_EQ_U64(insert(&m->t, &m->pool[slot], s, e), want);
	if (want == -EEXIST)
		m->eexist++;
	if (want != 0)
		return;
	m->used[slot] = true;
	for (unsigned i = m->n; i > pos; i--)
		m->sorted[i] = m->sorted[i - 1];
	m->sorted[pos] = &m->pool[slot];
	m->n++;
}

static void step_remove(struct rmodel *m)
{
	unsigned i = (unsigned)(rnd(m) % m->n);
	struct vma_node *x = m->sorted[i];

	vma_tree_remove(&m->t, x);
	m->used[x - m->pool] = false;
	for (; i + 1 < m->n; i++)
		m->sorted[i] = m->sorted[i + 1];
	m->n--;
}

/* A new range anywhere between the neighbours, touching them or not. */
static void step_resize(struct rmodel *m)
{
	unsigned i = (unsigned)(rnd(m) % m->n);
	uintptr_t room_lo = i > 0 ? m->sorted[i - 1]->end : m->c->lo;
	uintptr_t room_hi = i + 1 < m->n ? m->sorted[i + 1]->start : m->c->hi;
	uint64_t nr = (room_hi - room_lo) / m->c->unit;
	uint64_t sk = rnd(m) % nr, ek = sk + 1 + rnd(m) % (nr - sk);

	vma_tree_resize(&m->t, m->sorted[i], room_lo + sk * m->c->unit,
			room_lo + ek * m->c->unit);
	CHECK_EQ_U64(m->sorted[i]->start, room_lo + sk * m->c->unit);
}

static void step_lookup(struct rmodel *m)
{
	uintptr_t a = raddr(m) + (m->c->unit > 1 && rnd(m) % 2 ? rnd(m) % m->c->unit : 0);
	struct vma_node *in = NULL, *after = NULL;

	for (unsigned i = 0; i < m->n; i++) {
		if (!after && m->sorted[i]->end > a)
			after = m->sorted[i];
		if (m->sorted[i]->start <= a && a < m->sorted[i]->end)
			in = m->sorted[i];
	}
	CHECK(vma_tree_find(&m->t, a) == in);
	CHECK(vma_tree_first_end_after(&m->t, a) == after);
}

/* The brute force: every free range in turn, in 128-bit arithmetic. */
static uintptr_t model_gap(const struct rmodel *m, bool highest, uint64_t size, uint64_t align,
			 uintptr_t floor_addr, uintptr_t ceil_addr)
{
	u128 wlo = floor_addr > m->c->lo ? floor_addr : m->c->lo;
	u128 whi = ceil_addr < m->c->hi ? ceil_addr : m->c->hi;
	uintptr_t best = NOFIT;

	for (unsigned i = 0; i <= m->n; i++) {
		u128 a = i > 0 ? m->sorted[i - 1]->end : m->c->lo;
		u128 b = i < m->n ? m->sorted[i]->start : m->c->hi;
		u128 s = a > wlo ? a : wlo, e = b < whi ? b : whi;

		if (s >= e)
			continue;
		if (!highest) {
			u128 st = (s + align - 1) / align * align;

			if (st + size <= e)
				return (uintptr_t)st;
		} else if (e >= size) {
			u128 st = (e - size) / align * align;

			if (st >= s)
				best = (uintptr_t)st; /* the last fit is the highest */
		}
	}
	return best;
}

static uintptr_t rbound(struct rmodel *m, bool ceil_side)
{
	if (rnd(m) % 3 == 0)
		return ceil_side ? UINTPTR_MAX : 0;
	return raddr(m) + (rnd(m) % 4 == 0 ? rnd(m) % m->c->unit : 0);
}

static void step_gap(struct rmodel *m)
{
	unsigned shift = (unsigned)(rnd(m) % (m->c->max_align_shift + 1));
	uint64_t align = rnd(m) % 64 == 0 ? 1ull << 63 : 1ull << shift;
	uint64_t size = (1 + rnd(m) % (1 + rnd(m) % (2 * m->c->max_len))) * m->c->unit;
	uintptr_t floor_addr = rbound(m, false), ceil_addr = rbound(m, true);

	if (m->c->unit > 1 && rnd(m) % 4 == 0)
		size -= rnd(m) % m->c->unit;
	for (int highest = 0; highest < 2; highest++) {
		uintptr_t want = model_gap(m, highest, size, align, floor_addr, ceil_addr);
		uintptr_t got = gap(&m->t, highest, size, align, floor_addr, ceil_addr);

		if (got != want)
			hosted_fail(__FILE__, __LINE__,
				    "%s: gap_%s(size %#llx, align %#llx, floor %#llx, "
				    "ceil %#llx) = %#llx, model %#llx",
				    m->c->name, highest ? "highest" : "lowest",
				    (unsigned long long)size, (unsigned long long)align,
				    (unsigned long long)floor_addr, (unsigned long long)ceil_addr,
				    (unsigned long long)got, (unsigned long long)want);
		if (want != NOFIT)
			m->gap_hits++;
		else
			m->gap_misses++;
	}
}

/* The tree against the model: invariants, count and both walks. */
static bool model_matches(struct rmodel *m, unsigned step)
{
	char err[160];
	unsigned i = 0;
	struct vma_node *x;

	if (vma_tree_check(&m->t, err, sizeof(err)) != 0) {
		hosted_fail(__FILE__, __LINE__, "%s step %u: %s", m->c->name, step, err);
		return false;
	}
	for (x = vma_tree_first(&m->t); x && i < m->n && x == m->sorted[i]; x = vma_tree_next(x))
		i++;
	if (x || i != m->n || m->t.count != m->n) {
		hosted_fail(__FILE__, __LINE__, "%s step %u: next walk differs at %u of %u",
			    m->c->name, step, i, m->n);
		return false;
	}
	for (x = vma_tree_last(&m->t); x && i > 0 && x == m->sorted[i - 1]; x = vma_tree_prev(x))
		i--;
	if (x || i != 0) {
		hosted_fail(__FILE__, __LINE__, "%s step %u: prev walk differs at %u", m->c->name,
			    step, i);
		return false;
	}
	return true;
}

static void random_run(const struct rconfig *c, uint64_t seed, unsigned steps)
{
	struct rmodel *m = calloc(1, sizeof(*m));

	REQUIRE(m != NULL);
	m->c = c;
	m->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	vma_tree_init(&m->t, c->lo, c->hi);
	for (unsigned step = 0; step < steps; step++) {
		/* Phases of growth and shrinkage, so the tree is sometimes
		 * nearly empty and sometimes full. */
		unsigned grow = (step / 500) % 2 ? 25 : 45, r = (unsigned)(rnd(m) % 100);

		if (r < grow || m->n == 0)
			step_insert(m);
		else if (r < 55)
			step_remove(m);
		else if (r < 70)
			step_resize(m);
		else if (r < 80)
			step_lookup(m);
		else
			step_gap(m);
		if (m->n > m->max_n)
			m->max_n = m->n;
		if (!model_matches(m, step))
			break;
	}
	/* The run was not vacuous. */
	CHECK(m->max_n >= 50);
	CHECK(m->gap_hits >= 100);
	CHECK(m->gap_misses >= 20);
	CHECK(m->eexist >= 20);
	free(m);
}

static const struct rconfig random_configs[] = {
	{ "bytes from 0", 0, 0x4000, 1, 8, 200 },
	{ "pages below the lower half's end", LOWER_HALF_END - 4096 * PG, LOWER_HALF_END, PG, 23,
	  64 },
	{ "bytes at the address space's top", UINTPTR_MAX - 0x3fff, UINTPTR_MAX, 1, 16, 200 },
	{ "16-byte units, odd window", 0x12345, 0x12345 + 0x10000 * 16, 16, 12, 300 },
};

TEST(vma_tree_random)
{
	for (unsigned i = 0; i < sizeof(random_configs) / sizeof(random_configs[0]); i++) {
		for (uint64_t seed = 1; seed <= 3; seed++)
			random_run(&random_configs[i], seed, 4000);
	}
}

/* log2(x) in fixed point with 16 fraction bits, rounded down, x >= 1:
 * the integer part by shifting, each fraction bit by squaring. */
static uint64_t log2_q16(uint64_t x)
{
	uint64_t ip = 0;
	u128 y;

	while (x >> (ip + 1))
		ip++;
	y = ((u128)x << 32) >> ip; /* x / 2^ip in [1, 2), 32 fraction bits */
	uint64_t r = ip << 16;
	for (int bit = 15; bit >= 0; bit--) {
		y = (y * y) >> 32;
		if (y >= (u128)2 << 32) {
			y >>= 1;
			r |= 1ull << bit;
		}
	}
	return r;
}

/*
 * The AVL height bound, checked two ways: h <= 1.44 log2(n + 2), and the
 * exact one behind it, that an AVL tree of height h has at least
 * N(h) = N(h - 1) + N(h - 2) + 1 nodes.
 */
static bool height_ok(const struct vma_tree *t)
{
	uint64_t h = (uint64_t)vma_tree_height(t), a = 0, b = 1; /* N(0), N(1) */

	if ((h << 16) * 100 > 144 * log2_q16(t->count + 2))
		return false;
	for (uint64_t i = 1; i < h; i++) {
		uint64_t c = a + b + 1;

		a = b;
		b = c;
	}
	return h == 0 || b <= t->count;
}

enum { SEQ = 100000 };

/* Ranges of 2 pages with 1-page gaps, one gap of 3 pages after BIG_GAP_AFTER. */
#define SEQ_BASE 0x10000000ull
#define BIG_GAP_AFTER 77776u

static uintptr_t seq_start(unsigned i)
{
	return SEQ_BASE + 3 * PG * i + (i > BIG_GAP_AFTER ? 2 * PG : 0);
}

/* The gap search visits, with the answer it must give. */
static void check_visits(const struct vma_tree *t, struct vma_gap_query q, uintptr_t want,
			 int line)
{
	uintptr_t out = 0;
	int err = vma_tree_gap_find(t, &q, &out);
	uintptr_t got = err == 0 ? out : NOFIT;
	uint64_t bound = 3 * (uint64_t)vma_tree_height(t) + 2;

	if (err != 0 && err != -ENOMEM)
		hosted_fail(__FILE__, line, "gap search: %d", err);
	if (got != want)
		hosted_fail(__FILE__, line, "gap found %#llx, expected %#llx",
			    (unsigned long long)got, (unsigned long long)want);
	if (q.visits > bound)
		hosted_fail(__FILE__, line, "gap search visited %llu nodes, bound %llu",
			    (unsigned long long)q.visits, (unsigned long long)bound);
}

#define CHECK_VISITS(t, size, align, floor_addr, ceil_addr, highest, want)                \
	check_visits((t), (struct vma_gap_query){ (size), (align), (floor_addr), (ceil_addr), \
						  (highest), 0 },                             \
		     (want), __LINE__)

TEST(vma_tree_sequential_balance)
{
	struct vma_node *n = calloc(SEQ, sizeof(*n));
	struct vma_tree t;
	bool ok = true;

	REQUIRE(n != NULL);
	vma_tree_init(&t, SEQ_BASE, LOWER_HALF_END);
	for (unsigned i = 0; i < SEQ && ok; i++) {
		CHECK_EQ_U64(insert(&t, &n[i], seq_start(i), seq_start(i) + 2 * PG), 0);
		ok = height_ok(&t);
	}
	CHECK(ok);
	CHECK_TREE(&t);
	CHECK_EQ_U64(t.count, SEQ);
	CHECK(vma_tree_height(&t) <= 23);
	CHECK_EQ_U64(t.root->subtree_gap, 3 * PG);

	uintptr_t big = seq_start(BIG_GAP_AFTER) + 2 * PG, last_end = seq_start(SEQ - 1) + 2 * PG;
	/* The one 3-page gap, from either side, page-aligned or not. */
	CHECK_VISITS(&t, 3 * PG, PG, 0, UINTPTR_MAX, false, big);
	CHECK_VISITS(&t, 3 * PG, 1, 0, UINTPTR_MAX, false, big);
	CHECK_VISITS(&t, 3 * PG, PG, 0, last_end, true, big);
	CHECK_VISITS(&t, 2 * PG, PG, 0, seq_start(SEQ - 1), true, big + PG);
	/* A 1-page gap after a floor in the middle, the floor not aligned. */
	CHECK_VISITS(&t, PG, PG, seq_start(50000) + 1, UINTPTR_MAX, false,
		     seq_start(50000) + 2 * PG);
	CHECK_VISITS(&t, PG, PG, 0, seq_start(50000) - 1, true, seq_start(49998) + 2 * PG);
	CHECK_VISITS(&t, PG, PG, 0, UINTPTR_MAX, false, SEQ_BASE + 2 * PG);
	/* Nothing fits below the last range: pruned at the root. */
	CHECK_VISITS(&t, 4 * PG, PG, 0, last_end, false, NOFIT);
	CHECK_VISITS(&t, 4 * PG, PG, 0, last_end, true, NOFIT);
	CHECK_VISITS(&t, 4 * PG, PG, 0, UINTPTR_MAX, false, last_end);
	/* Nothing fits between two floors: pruned along the two paths. */
	CHECK_VISITS(&t, 2 * PG, PG, seq_start(1000), seq_start(60000), false, NOFIT);
	CHECK_VISITS(&t, 2 * PG, PG, seq_start(1000), seq_start(60000), true, NOFIT);

	/* Lookups at both ends and in the middle. */
	CHECK(vma_tree_find(&t, seq_start(0)) == &n[0]);
	CHECK(vma_tree_find(&t, seq_start(SEQ - 1) + 2 * PG - 1) == &n[SEQ - 1]);
	CHECK(vma_tree_find(&t, seq_start(SEQ / 2) + 2 * PG) == NULL);
	CHECK(vma_tree_first_end_after(&t, seq_start(SEQ / 2) + 2 * PG) == &n[SEQ / 2 + 1]);

	/* Remove from the front, the other sequential worst case; then insert
	 * backwards. */
	for (unsigned i = 0; i < SEQ && ok; i++) {
		vma_tree_remove(&t, &n[i]);
		ok = height_ok(&t);
		if (i % 10000 == 0)
			CHECK_TREE(&t);
	}
	CHECK(ok);
	CHECK(t.root == NULL);
	for (unsigned i = SEQ; i-- > 0 && ok;) {
		CHECK_EQ_U64(insert(&t, &n[i], seq_start(i), seq_start(i) + 2 * PG), 0);
		ok = height_ok(&t);
	}
	CHECK(ok);
	CHECK_TREE(&t);
	CHECK_VISITS(&t, 3 * PG, PG, 0, UINTPTR_MAX, false, big);
	CHECK_VISITS(&t, 3 * PG, PG, 0, last_end, true, big);
	free(n);
}
