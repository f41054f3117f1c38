/*
 * mm/vma_tree.h - the VMA tree: the set of non-overlapping address ranges
 * of one address space, ordered by address, with O(log n) lookup and
 * O(log n) search for a free gap (the role of Linux's VMA tree, an
 * augmented rbtree before the maple tree).
 *
 * Ranges are half-open, [start, end), and lie inside the tree's window
 * [lo, hi): a user address space has lo = its lowest mappable address and
 * hi = the end of the lower half (0x0000800000000000 on x86_64). Two
 * ranges may touch (a.end == b.start) but not overlap. The last byte of
 * the address space (UINTPTR_MAX) cannot be in any range, since no
 * uintptr_t end lies past it.
 *
 * Intrusive: a struct vma_node is embedded in the caller's object (the VMA)
 * and reached back through container_of (list_entry in <mm/list.h>). The
 * tree never allocates and never frees: insert and remove link and unlink
 * nodes the caller owns.
 *
 * Locking. None inside. The owner (in the user-space issue, the address
 * space's lock) serialises every call that changes the tree (insert,
 * remove, resize, and init), and every reader (find, first_end_after,
 * first/last/next/prev, the gap searches, check) needs the same lock or
 * its read side, so that no reader sees a rotation half done. Any context
 * in which the owner's lock may be taken may call; no call sleeps.
 *
 * Complexity (n nodes, height <= 1.44 log2(n + 2), see vma_tree.c):
 *   insert, remove        O(log n) (rebalance and annotations, to the root)
 *   resize                O(log n) (its neighbours, then the path to the root)
 *   find, first_end_after O(log n)
 *   first, last           O(log n); next, prev O(log n) worst, O(1) amortised
 *                         over a whole walk
 *   gap_lowest/_highest   O(log n) when align divides every range boundary
 *                         (page-aligned VMAs with align <= the page size);
 *                         otherwise O((k + 1) log n), where k counts the
 *                         gaps passed over that are at least size long but
 *                         hold no aligned range of size bytes (vma_tree.c
 *                         proves both and gives the O(log n) alternative
 *                         that Linux uses, at the price of exactness)
 *   check                 O(n)
 */
#ifndef MM_VMA_TREE_H
#define MM_VMA_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One range in the tree, embedded in the caller's object. start and end
 * are the caller's to read at any time under the owner's lock and to
 * change only through vma_tree_resize; the rest is the tree's.
 *
 * Every node also describes its subtree S (itself and all its
 * descendants), whose ranges in address order are r1 < r2 < ... < rk:
 *   subtree_start = r1.start, subtree_end = rk.end;
 *   subtree_gap   = the largest r(i+1).start - ri.end over 1 <= i < k,
 *                   the free space strictly between two of S's own ranges;
 *                   0 when S holds one range (or only touching ones).
 * The gaps on either side of S (down to the range before r1, up to the one
 * after rk) belong to an ancestor, whose own annotation counts them, and
 * the gaps [lo, first.start) and [last.end, hi) belong to the tree.
 * So each annotation is a function of the node and its two children
 * alone, which a rotation or a change on the path below recomputes in
 * O(1) per node.
 */
struct vma_node {
	struct vma_node *left, *right, *parent;
	uintptr_t start, end;
	uintptr_t subtree_start, subtree_end;
	uintptr_t subtree_gap;
	int height;		/* AVL: longest path down to a leaf, in nodes (a leaf is 1) */
};

struct vma_tree {
	struct vma_node *root;
	uint64_t count;		/* nodes in the tree */
	uintptr_t lo, hi;	/* the window: every range, and every gap found, lies in [lo, hi) */
};

/*
 * A free-gap query (Linux's struct vm_unmapped_area_info): a range of size
 * bytes whose start is a multiple of align (a power of two, at least 1),
 * inside [max(lo, floor), min(hi, ceil)), overlapping no node; the lowest
 * such start, or with highest the highest one (the top-down mmap layout).
 * visits is set to the number of nodes the search stepped on (for the
 * tests and benchmarks: it is how the O(log n) bound is measured).
 */
struct vma_gap_query {
	uint64_t size, align;
	uintptr_t floor, ceil;
	bool highest;
	uint64_t visits;	/* out */
};

/* lo < hi, or it panics. */
void vma_tree_init(struct vma_tree *t, uintptr_t lo, uintptr_t hi);

/* Links n, whose start and end the caller set: 0, -EINVAL if start >= end
 * or the range leaves [lo, hi), -EEXIST if it overlaps a node (and then
 * nothing changed). */
int vma_tree_insert(struct vma_tree *t, struct vma_node *n);
/* Unlinks n, which must be in t (else it panics). */
void vma_tree_remove(struct vma_tree *t, struct vma_node *n);
/* Gives n the range [start, end), which must still lie inside [lo, hi)
 * and between n's neighbours (it may touch them): a VMA split, merge or
 * in-place mremap. Anything else, or an n not in t, panics. */
void vma_tree_resize(struct vma_tree *t, struct vma_node *n, uintptr_t start, uintptr_t end);

/* The node whose range holds addr, or NULL. */
struct vma_node *vma_tree_find(const struct vma_tree *t, uintptr_t addr);
/* The lowest node with end > addr, or NULL (Linux's find_vma: the node
 * holding addr, else the first one above it). */
struct vma_node *vma_tree_first_end_after(const struct vma_tree *t, uintptr_t addr);

/* In address order; NULL past either end. */
struct vma_node *vma_tree_first(const struct vma_tree *t);
struct vma_node *vma_tree_last(const struct vma_tree *t);
struct vma_node *vma_tree_next(const struct vma_node *n);
struct vma_node *vma_tree_prev(const struct vma_node *n);

/* 0 and the start found in *out, -ENOMEM if nothing fits, -EINVAL if size
 * is 0 or align is not a power of two. */
int vma_tree_gap_find(const struct vma_tree *t, struct vma_gap_query *q, uintptr_t *out);

/* The lowest start of a fitting range (Linux's unmapped_area). */
static inline int vma_tree_gap_lowest(const struct vma_tree *t, uint64_t size, uint64_t align,
				      uintptr_t floor_addr, uintptr_t ceil_addr, uintptr_t *out)
{
	struct vma_gap_query q = { size, align, floor_addr, ceil_addr, false, 0 };

	return vma_tree_gap_find(t, &q, out);
}

/* The highest start of a fitting range (Linux's unmapped_area_topdown). */
static inline int vma_tree_gap_highest(const struct vma_tree *t, uint64_t size, uint64_t align,
				       uintptr_t floor_addr, uintptr_t ceil_addr, uintptr_t *out)
{
	struct vma_gap_query q = { size, align, floor_addr, ceil_addr, true, 0 };

	return vma_tree_gap_find(t, &q, out);
}

/*
 * Verifies the whole tree: parent pointers, BST order, every range
 * non-empty, inside [lo, hi) and overlapping no other, the AVL balance,
 * every height and annotation recomputed from the children (so, by
 * induction from the leaves, from scratch), and count. 0, or -EINVAL with
 * the first violation described in err (errlen bytes, NUL-terminated).
 */
int vma_tree_check(const struct vma_tree *t, char *err, size_t errlen);

/* Height of the tree in nodes (0 when empty): tests check the balance. */
static inline int vma_tree_height(const struct vma_tree *t)
{
	return t->root ? t->root->height : 0;
}

#endif
