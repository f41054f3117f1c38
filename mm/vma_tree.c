/*
 * mm/vma_tree.c - the VMA tree (see vma_tree.h for the API, the meaning of
 * the annotations and the locking rule: none inside, the owner's lock
 * outside).
 *
 * The tree. An AVL tree with parent pointers, each node holding its
 * height. AVL rather than red-black because:
 *   - lookups (every page fault, every find_vma) far outnumber changes
 *     (mmap, munmap, mprotect), and an AVL tree is at most
 *     1.44 log2(n + 2) high where a red-black one may reach 2 log2(n + 1):
 *     up to 28% fewer steps per lookup;
 *   - a red-black tree's selling point, O(1) rotations per change, buys
 *     nothing here: a change can alter the gap annotations all the way up,
 *     so every insert, remove and resize walks to the root anyway, and one
 *     walk both rebalances and recomputes (fix_path);
 *   - the AVL invariant is local (a node's height is 1 + its taller
 *     child's, the two differ by at most 1), so vma_tree_check verifies it
 *     in the same bottom-up pass as the annotations; red-black needs black
 *     heights counted along every path.
 * Everything is iterative (parent pointers replace a stack), so no call
 * recurses on a kernel stack, even on a corrupt tree.
 *
 * Annotations. Each node stores subtree_start, subtree_end and
 * subtree_gap of its subtree (defined in vma_tree.h): a function of the
 * node and its children only (node_update). Linux's old rbtree
 * annotated each VMA with the gap *below* it, down to its predecessor's
 * end, which depends on a node outside the subtree: inserting or removing
 * a node then changes its successor's gap too, found through a separate
 * VMA list. Ours cost two more words a node and need no such fix-up: a
 * rotation recomputes the two nodes it moves, a change recomputes the
 * path above it. Every free gap in [lo, hi) is then exactly one of:
 *   [lo, first.start)  and  [last.end, hi)      the tree's ends;
 *   [x->left->subtree_end, x->start)            x's left gap;
 *   [x->end, x->right->subtree_start)           x's right gap;
 * for exactly one node x (of two consecutive ranges, either the later is
 * the leftmost of the earlier's right subtree, or the earlier is the
 * rightmost of the later's left subtree). A zero-length gap is no gap.
 *
 * Gap search (search_subtree). An in-order walk over the gaps, lowest
 * first (or highest first, mirrored), that skips a subtree when it cannot
 * hold a fit: when its subtree_gap < size, or when its span
 * [subtree_start, subtree_end), which holds all its inner gaps, meets the
 * window [wlo, whi) = [max(lo, floor), min(hi, ceil)) in less than size
 * bytes. A gap that passes is tested exactly (gap_fits, alignment
 * included), so the answer is exact: the lowest (highest) fitting start.
 *
 * Complexity of the gap search, h = the height. The walk enters a subtree
 * only if it passed the test above. Those entered subtrees whose span is
 * not inside the window contain wlo or whi in their span; sibling spans
 * are disjoint, so they lie on two root-to-leaf paths: at most 2h. An
 * entered subtree S with span inside the window has an inner gap g of at
 * least size bytes, all inside the window:
 *   - if align divides every range boundary (page-aligned VMAs and
 *     align <= the page size), g holds an aligned fit, so the walk finds
 *     one in S: from each node of S it either enters the near child
 *     (which then succeeds), or succeeds at the node's own gaps, or enters
 *     the far child (which then succeeds), so it never climbs out of S
 *     and takes at most h steps there. Total O(h) = O(log n);
 *   - otherwise g may be a "near miss": at least size bytes long, but
 *     too short once its start is rounded up to align. A failing S
 *     contains at least one near miss, and a near miss lies inside at
 *     most h subtrees (its owner's ancestors), so with k near misses
 *     before the answer the walk enters O((k + 1) h) subtrees. Climbing
 *     back costs no more than descending. Total O((k + 1) log n).
 * Linux's unmapped_area avoids the second case by searching for
 * size + align - 1 bytes, which always holds an aligned fit: O(log n),
 * but it misses fits in gaps shorter than that. A caller that wants that
 * trade asks for size + align - 1 with align 1 and rounds up the start.
 *
 * Overflow. Ranges may end at hi, and hi may be near the top of the
 * address space, so no sum of an address and a length is ever formed
 * without a check: lengths are compared as differences (hi - lo >= size)
 * and rounding up is refused when it would wrap.
 */
#include "vma_tree.h"

#include <errno.h>

#include <mm/env.h>

#include "check_msg.h"

_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t),
	       "sizes (uint64_t) and addresses (uintptr_t) are compared directly");

static inline uintptr_t max_addr(uintptr_t a, uintptr_t b)
{
	return a > b ? a : b;
}

static inline uintptr_t min_addr(uintptr_t a, uintptr_t b)
{
	return a < b ? a : b;
}

static inline int height(const struct vma_node *n)
{
	return n ? n->height : 0;
}

/* Recomputes n's height and annotations from its children's. */
static void node_update(struct vma_node *n)
{
	const struct vma_node *l = n->left, *r = n->right;
	int hl = height(l), hr = height(r);
	uintptr_t gap = 0;

	n->height = 1 + (hl > hr ? hl : hr);
	n->subtree_start = l ? l->subtree_start : n->start;
	n->subtree_end = r ? r->subtree_end : n->end;
	if (l)
		gap = max_addr(l->subtree_gap, n->start - l->subtree_end);
	if (r)
		gap = max_addr(gap, max_addr(r->subtree_gap, r->subtree_start - n->end));
	n->subtree_gap = gap;
}

/* Puts new where old hangs from parent (the root if parent is NULL). */
static void replace_child(struct vma_tree *t, struct vma_node *parent, struct vma_node *old,
			  struct vma_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/* x's right child takes x's place; returns it. */
static struct vma_node *rotate_left(struct vma_tree *t, struct vma_node *x)
{
	struct vma_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(t, x->parent, x, y);
	y->left = x;
	x->parent = y;
	node_update(x);
	node_update(y);
	return y;
}

/* x's left child takes x's place; returns it. */
static struct vma_node *rotate_right(struct vma_tree *t, struct vma_node *x)
{
	struct vma_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(t, x->parent, x, y);
	y->right = x;
	x->parent = y;
	node_update(x);
	node_update(y);
	return y;
}

/*
 * Recomputes n from its children and, if they differ in height by 2,
 * rotates (twice when the taller child leans the other way) so they differ
 * by at most 1. Returns the node now in n's place.
 */
static struct vma_node *rebalance(struct vma_tree *t, struct vma_node *n)
{
	int balance = height(n->left) - height(n->right);

	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			rotate_left(t, n->left);
		return rotate_right(t, n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			rotate_right(t, n->right);
		return rotate_left(t, n);
	}
	node_update(n);
	return n;
}

/* After a change below or at n: rebalance and recompute up to the root.
 * No early stop: an annotation may change above the last rotation. */
static void fix_path(struct vma_tree *t, struct vma_node *n)
{
	while (n)
		n = rebalance(t, n)->parent;
}

void vma_tree_init(struct vma_tree *t, uintptr_t lo, uintptr_t hi)
{
	if (lo >= hi)
		env_panic("vma_tree_init: empty window [%#llx, %#llx)", (unsigned long long)lo,
			  (unsigned long long)hi);
	t->root = NULL;
	t->count = 0;
	t->lo = lo;
	t->hi = hi;
}

/*
 * Down from the root as for a lookup; the empty slot where the walk ends
 * is n's place. Its in-order neighbours are both on the walk, so checking
 * each node passed for overlap checks them all.
 */
int vma_tree_insert(struct vma_tree *t, struct vma_node *n)
{
	struct vma_node **link = &t->root, *parent = NULL;

	if (n->start >= n->end || n->start < t->lo || n->end > t->hi)
		return -EINVAL;
	while (*link) {
		parent = *link;
		if (n->end <= parent->start)
			link = &parent->left;
		else if (n->start >= parent->end)
			link = &parent->right;
		else
			return -EEXIST;
	}
	n->left = n->right = NULL;
	n->parent = parent;
	*link = n;
	t->count++;
	fix_path(t, n);
	return 0;
}

/*
 * Whether n hangs in t: its way up ends at t's root. O(log n), which
 * remove and resize pay so that a node removed twice, or handed to the
 * wrong tree, panics here instead of corrupting a tree.
 */
static void require_member(const struct vma_tree *t, const struct vma_node *n, const char *who)
{
	const struct vma_node *x = n;

	while (x->parent)
		x = x->parent;
	if (x != t->root)
		env_panic("%s: [%#llx, %#llx) is not in this tree", who,
			  (unsigned long long)n->start, (unsigned long long)n->end);
}

/*
 * A node with at most one child is replaced by it. A node with two is
 * replaced by its successor s (the leftmost node of its right subtree,
 * which has no left child): s leaves its own place to its right child and
 * takes n's links. The lowest node whose subtree changed is where
 * fix_path starts; every other changed node is above it.
 */
void vma_tree_remove(struct vma_tree *t, struct vma_node *n)
{
	struct vma_node *parent = n->parent, *fix;

	require_member(t, n, "vma_tree_remove");
	if (!n->left || !n->right) {
		replace_child(t, parent, n, n->left ? n->left : n->right);
		fix = parent;
	} else {
		struct vma_node *s = n->right;

		while (s->left)
			s = s->left;
		if (s == n->right) {
			fix = s;
		} else {
			fix = s->parent;
			fix->left = s->right;
			if (s->right)
				s->right->parent = fix;
			s->right = n->right;
			n->right->parent = s;
		}
		s->left = n->left;
		n->left->parent = s;
		replace_child(t, parent, n, s);
	}
	n->left = n->right = n->parent = NULL;
	t->count--;
	fix_path(t, fix);
}

/* The shape does not change, so no rotation: only the path's annotations. */
void vma_tree_resize(struct vma_tree *t, struct vma_node *n, uintptr_t start, uintptr_t end)
{
	const struct vma_node *prev, *next;
	uintptr_t room_lo, room_hi;

	require_member(t, n, "vma_tree_resize");
	prev = vma_tree_prev(n);
	next = vma_tree_next(n);
	room_lo = prev ? prev->end : t->lo;
	room_hi = next ? next->start : t->hi;
	if (start >= end || start < room_lo || end > room_hi)
		env_panic("vma_tree_resize: [%#llx, %#llx) to [%#llx, %#llx) leaves its room "
			  "[%#llx, %#llx) between its neighbours",
			  (unsigned long long)n->start, (unsigned long long)n->end,
			  (unsigned long long)start, (unsigned long long)end,
			  (unsigned long long)room_lo, (unsigned long long)room_hi);
	n->start = start;
	n->end = end;
	for (; n; n = n->parent)
		node_update(n);
}

struct vma_node *vma_tree_find(const struct vma_tree *t, uintptr_t addr)
{
	struct vma_node *x = t->root;

	while (x) {
		if (addr < x->start)
			x = x->left;
		else if (addr >= x->end)
			x = x->right;
		else
			return x;
	}
	return NULL;
}

/* Ends increase with starts, so the candidates form one BST descent. */
struct vma_node *vma_tree_first_end_after(const struct vma_tree *t, uintptr_t addr)
{
	struct vma_node *x = t->root, *best = NULL;

	while (x) {
		if (x->end > addr) {
			best = x;
			x = x->left;
		} else {
			x = x->right;
		}
	}
	return best;
}

struct vma_node *vma_tree_first(const struct vma_tree *t)
{
	struct vma_node *x = t->root;

	while (x && x->left)
		x = x->left;
	return x;
}

struct vma_node *vma_tree_last(const struct vma_tree *t)
{
	struct vma_node *x = t->root;

	while (x && x->right)
		x = x->right;
	return x;
}

/* The nodes are the caller's, so handing back a non-const one is no
 * breach: const only promises that the walk changes nothing. */
struct vma_node *vma_tree_next(const struct vma_node *n)
{
	struct vma_node *x;

	if (n->right) {
		for (x = n->right; x->left; x = x->left)
			;
		return x;
	}
	while (n->parent && n == n->parent->right)
		n = n->parent;
	return n->parent;
}

struct vma_node *vma_tree_prev(const struct vma_node *n)
{
	struct vma_node *x;

	if (n->left) {
		for (x = n->left; x->right; x = x->right)
			;
		return x;
	}
	while (n->parent && n == n->parent->left)
		n = n->parent;
	return n->parent;
}

/* One gap search in progress: the query, narrowed to the window. */
struct gap_search {
	uint64_t size;
	uintptr_t mask;		/* align - 1 */
	uintptr_t wlo, whi;	/* [max(lo, floor), min(hi, ceil)) */
	bool highest;
	uint64_t visits;
	uintptr_t found;
};

/*
 * Whether the free range [a, b) holds an aligned range of size bytes
 * inside the window; if so, the lowest (highest) such start goes to
 * s->found.
 */
static bool gap_fits(struct gap_search *s, uintptr_t a, uintptr_t b)
{
	uintptr_t lo = max_addr(a, s->wlo), hi = min_addr(b, s->whi), start;

	if (lo >= hi || hi - lo < s->size)
		return false;
	if (s->highest) {
		start = (hi - s->size) & ~s->mask; /* hi - size >= lo: no wrap */
		if (start < lo)
			return false;
	} else {
		if (lo > UINTPTR_MAX - s->mask)
			return false;
		start = (lo + s->mask) & ~s->mask;
		if (start > hi || hi - start < s->size)
			return false;
	}
	s->found = start;
	return true;
}

/* The pruning test: false if x's subtree surely holds no fit. */
static bool subtree_may_fit(const struct gap_search *s, const struct vma_node *x)
{
	uintptr_t lo, hi;

	if (!x || x->subtree_gap < s->size)
		return false;
	lo = max_addr(x->subtree_start, s->wlo);
	hi = min_addr(x->subtree_end, s->whi);
	return lo < hi && hi - lo >= s->size;
}

/* Near: the side the search takes first (left for lowest). */
static const struct vma_node *near_child(const struct gap_search *s, const struct vma_node *x)
{
	return s->highest ? x->right : x->left;
}

static const struct vma_node *far_child(const struct gap_search *s, const struct vma_node *x)
{
	return s->highest ? x->left : x->right;
}

static bool left_gap_fits(struct gap_search *s, const struct vma_node *x)
{
	return x->left && gap_fits(s, x->left->subtree_end, x->start);
}

static bool right_gap_fits(struct gap_search *s, const struct vma_node *x)
{
	return x->right && gap_fits(s, x->end, x->right->subtree_start);
}

/* x's own two gaps, the near one first. */
static bool own_gaps_fit(struct gap_search *s, const struct vma_node *x)
{
	if (s->highest)
		return right_gap_fits(s, x) || left_gap_fits(s, x);
	return left_gap_fits(s, x) || right_gap_fits(s, x);
}

/*
 * The in-order walk over root's inner gaps, nearest first, skipping the
 * subtrees that cannot fit (see the top of the file). Iterative: down the
 * near side, then x's own gaps, then into the far child; when x's subtree
 * is done, up past every ancestor reached from its far side (done too) to
 * the first reached from its near side, whose own gaps come next.
 */
static bool search_subtree(struct gap_search *s, const struct vma_node *root)
{
	const struct vma_node *x = root;

	if (!subtree_may_fit(s, x))
		return false;
	s->visits++;
	for (;;) {
		while (subtree_may_fit(s, near_child(s, x))) {
			x = near_child(s, x);
			s->visits++;
		}
		for (;;) { /* x's near side is done */
			if (own_gaps_fit(s, x))
				return true;
			if (subtree_may_fit(s, far_child(s, x))) {
				x = far_child(s, x);
				s->visits++;
				break;
			}
			while (x != root && far_child(s, x->parent) == x) {
				x = x->parent;
				s->visits++;
			}
			if (x == root)
				return false;
			x = x->parent;
			s->visits++;
		}
	}
}

int vma_tree_gap_find(const struct vma_tree *t, struct vma_gap_query *q, uintptr_t *out)
{
	const struct vma_node *r = t->root;
	struct gap_search s;
	bool ok;

	q->visits = 0;
	if (q->size == 0 || q->align == 0 || (q->align & (q->align - 1)) != 0)
		return -EINVAL;
	s.size = q->size;
	s.mask = (uintptr_t)(q->align - 1);
	s.wlo = max_addr(t->lo, q->floor);
	s.whi = min_addr(t->hi, q->ceil);
	s.highest = q->highest;
	s.visits = 0;
	if (!r)
		ok = gap_fits(&s, t->lo, t->hi);
	else if (!s.highest)
		ok = gap_fits(&s, t->lo, r->subtree_start) || search_subtree(&s, r) ||
		     gap_fits(&s, r->subtree_end, t->hi);
	else
		ok = gap_fits(&s, r->subtree_end, t->hi) || search_subtree(&s, r) ||
		     gap_fits(&s, t->lo, r->subtree_start);
	q->visits = s.visits;
	if (!ok)
		return -ENOMEM;
	*out = s.found;
	return 0;
}

/* "what at [start, end)": the first violation, for vma_tree_check. */
static int check_fail(char *err, size_t errlen, const char *what, const struct vma_node *x)
{
	struct check_msg m = { err, errlen, 0 };

	check_msg_str(&m, what);
	if (x) {
		check_msg_str(&m, " at [");
		check_msg_hex(&m, x->start);
		check_msg_str(&m, ", ");
		check_msg_hex(&m, x->end);
		check_msg_str(&m, ")");
	}
	return -EINVAL;
}

/*
 * What vma_tree_check verifies at x, once its subtree has passed; last is
 * the last range of the subtree in order. Written apart from
 * node_annotation, from the ranges themselves where that costs no more,
 * so that a mistake in one is caught by the other: subtree_end is last's
 * end, and x's own gaps are measured to its true in-order neighbours.
 * The walks to them go down the right spine of x's left subtree and the
 * left spine of its right one; a node is on at most one spine of each
 * kind, so they cost O(n) over the whole check.
 */
static const char *check_node(const struct vma_node *x, const struct vma_node *last)
{
	int hl = height(x->left), hr = height(x->right);
	uintptr_t gap = 0;

	if (x->height != 1 + (hl > hr ? hl : hr))
		return "wrong height";
	if (hl - hr > 1 || hr - hl > 1)
		return "AVL balance broken";
	if (x->subtree_start != (x->left ? x->left->subtree_start : x->start))
		return "wrong subtree_start";
	if (x->subtree_end != last->end)
		return "wrong subtree_end";
	if (x->left)
		gap = max_addr(x->left->subtree_gap, x->start - vma_tree_prev(x)->end);
	if (x->right)
		gap = max_addr(gap, max_addr(x->right->subtree_gap,
					     vma_tree_next(x)->start - x->end));
	if (x->subtree_gap != gap)
		return "wrong subtree_gap";
	return NULL;
}

/* On the way down to x, the seen-th node: its links. */
static const char *check_links(const struct vma_tree *t, const struct vma_node *x, uint64_t seen)
{
	if (seen > t->count)
		return "more nodes than count";
	if (x->left && x->left == x->right)
		return "both children are one node";
	if (x->left && x->left->parent != x)
		return "left child's parent is wrong";
	if (x->right && x->right->parent != x)
		return "right child's parent is wrong";
	return NULL;
}

/* In order, after prev (NULL for the first): x's range. */
static const char *check_range(const struct vma_tree *t, const struct vma_node *x,
			       const struct vma_node *prev)
{
	if (x->start >= x->end)
		return "empty range";
	if (x->end > t->hi || (!prev && x->start < t->lo))
		return "range outside [lo, hi)";
	if (prev && x->start < prev->end)
		return "range out of order or overlapping the previous";
	return NULL;
}

/*
 * An iterative post-order walk: down (check_links: a child is entered
 * only if its parent pointer leads back, so the walk up retraces the way
 * down), in order (check_range), and up (check_node, which recomputes x
 * from children that passed: by induction from the leaves, a
 * recomputation from scratch).
 */
int vma_tree_check(const struct vma_tree *t, char *err, size_t errlen)
{
	enum { DOWN, LEFT_DONE, RIGHT_DONE } state = DOWN;
	const struct vma_node *x = t->root, *prev = NULL;
	uint64_t seen = 0;
	const char *why = NULL;

	if (errlen)
		err[0] = '\0';
	if (t->lo >= t->hi)
		return check_fail(err, errlen, "empty window", NULL);
	if (x && x->parent)
		return check_fail(err, errlen, "the root has a parent", x);
	while (x) {
		switch (state) {
		case DOWN:
			why = check_links(t, x, ++seen);
			if (why)
				goto fail;
			if (x->left) {
				x = x->left;
				break;
			}
			state = LEFT_DONE;
			/* fall through */
		case LEFT_DONE:
			why = check_range(t, x, prev);
			if (why)
				goto fail;
			prev = x;
			if (x->right) {
				x = x->right;
				state = DOWN;
				break;
			}
			/* fall through */
		case RIGHT_DONE:
			why = check_node(x, prev);
			if (why)
				goto fail;
			state = x->parent && x->parent->left == x ? LEFT_DONE : RIGHT_DONE;
			x = x->parent;
			break;
		}
	}
	if (seen != t->count)
		return check_fail(err, errlen, "fewer nodes than count", NULL);
	return 0;
fail:
	return check_fail(err, errlen, why, x);
}
