/*
 * mm/llfree.c - LLFree: a lock-free page-frame allocator in two levels
 * with per-CPU tree reservations (Wrenger, Rommel, Lawall and Lohmann,
 * "LLFree: Scalable and Optionally-Persistent Page-Frame Allocation",
 * USENIX ATC 2023). Names follow the paper: children, trees, reservations.
 * The persistence of the paper is left out.
 *
 * Addressing. All alignment is in absolute pfns. base is first_pfn rounded
 * down to 2^MAX_PAGE_ORDER frames, so a naturally aligned block of any
 * order maps onto aligned bits, words and children. The metadata covers
 * [base, end_pfn rounded up to a whole tree); frames outside [first_pfn,
 * end_pfn) are allocated forever.
 *
 * Lower level: the truth about which frames are free.
 *   - A child is 512 frames (one huge frame): a 512-bit bitfield, 8 words
 *     on one cache line (bit set = allocated), and a 32-bit child entry:
 *     its free count (0..512) and a HUGE flag with the order of the huge
 *     block. A HUGE child is allocated as one order-9 block, or as part of
 *     an order 10..18 block; its bitfield is all zero and ignored then.
 *   - Invariant: a child's free count never exceeds its clear bits. A get
 *     takes capacity from the count before it sets bits; a put clears bits
 *     before it gives the count back. So a count of 512 means all 512 bits
 *     are clear and nobody is about to set one: the order-9 CAS
 *     {512, !HUGE} -> {0, HUGE} takes the child whole, and while a get of
 *     order < 9 holds capacity, the child cannot turn HUGE under it.
 *   - Orders 0..6 lie inside one word: reserve capacity in the child entry,
 *     then find the lowest aligned run of clear bits in one of the 8 words
 *     and set it by CAS; if fragmentation leaves no run, give the capacity
 *     back and try the next child. Orders 7 and 8 are 2 or 4 whole aligned
 *     words, each taken by CAS 0 -> ~0 and all rolled back if one fails.
 *   - Orders 10..18 are not in the paper: this is a fallback. Such a block
 *     is 2^(order-9) aligned children, each taken by the order-9 CAS in
 *     ascending order, all rolled back if one fails. They bypass the
 *     reservations and adjust each spanned tree's counter directly.
 *   - A put of order <= 8 clears its bits (they must all have been set:
 *     else a double free, or a frame of a huge block freed alone) and adds
 *     to the child's count; a put of order >= 9 CASes each child from
 *     {0, HUGE, its order} back to {512, !HUGE}.
 *
 * Metadata, in the buffer the caller gives llfree_init: the bitfields (a
 * cache line a child), then the child entries, then the tree words. The
 * per-CPU words are in struct llfree, a cache line each.
 *
 * Upper level: hints for choosing where to allocate.
 *   - A tree is 32 children (16384 frames). Its 32-bit tree word holds a
 *     signed free counter (<< 1) and a RESERVED flag (bit 0), so giving
 *     frames back is one fetch-and-add.
 *   - A CPU reserves a tree by CAS {f, !RESERVED} -> {0, RESERVED} and
 *     keeps f in its own 64-bit word {tree, local counter}. A get of order
 *     0..9 takes 2^order from the local counter (CAS), then allocates in
 *     that tree's children from the child of its last success (the hint),
 *     so a CPU allocates from its own tree and CPUs rarely share a line.
 *     A put gives its frames to the local counter if the CPU holds the
 *     block's tree, to the tree counter otherwise: while a tree is
 *     reserved, its tree counter holds what other CPUs freed into it.
 *     Unreserving (llfree_drain from any CPU, or a new reservation
 *     replacing the old) exchanges the local word, adds its counter to the
 *     tree word and clears RESERVED in one fetch-and-add: only the CPU that
 *     got the counter from the exchange gives it back.
 *
 * Reservation policy: the paper's, as its artifact implements it (the
 * llfree-rs tag atc23-artifact-eval, core/src/upper/array.rs; the later
 * llfree-c searches alike). It keeps allocation in few trees, so that the
 * others only see frees and their children become whole again: after a
 * random workload has run a while, most free memory is in huge frames.
 *   - Keeping a tree. When the local counter runs short, the CPU first
 *     takes the tree counter (what others freed into its tree) into it,
 *     if the tree as a whole still has LLFREE_TREE_FLOOR free frames
 *     (cpu_sync); only then does it look for another tree. So a CPU fills
 *     its tree up before it moves on.
 *   - Trees are almost full (fewer than LLFREE_TREE_FLOOR free), almost
 *     free (LLFREE_TREE_CEIL or more) or partially used (between).
 *   - Where a search starts: the CPU's home tree, that of its last
 *     allocation (before the first: its share, ntrees * cpu / CPUs), rounded
 *     down to a group of LLFREE_TREE_GROUP trees (a cache line of tree
 *     words), and from there outwards: base, base - 1, base + 1, base - 2,
 *     and so on. A search always starts at the same place and takes the
 *     first tree that fits: first fit, not next fit, so the trees at the
 *     start of the order are kept full and the far ones drain. Ours used
 *     to search on from the tree just exhausted (next fit), which cycled
 *     through every tree, refilled each before it could drain and left no
 *     child whole (frame.frag at 512 MiB after 50 rounds: 0% of free
 *     memory in huge frames, where this policy has 36%, 72% after 100;
 *     bench/README.md).
 *   - What a search takes, in passes: among the first search_near trees
 *     (a quarter of a CPU's share, 1 to a group) any that is not almost
 *     full; then, among the others, a partially used tree; then an almost
 *     free one; then an almost full one with enough frames. Before we took
 *     any tree with less than a whole tree's frames as partially used,
 *     nearly free ones too, and had no near pass.
 *   - A tree is reserved only with an allocation in it: the search
 *     reserves a candidate, allocates there and keeps it, or gives it back
 *     as it was and goes on (reserve_and_get). The CPU's old reservation
 *     is held until then, so the search skips its tree.
 *   - When the reserved tree had the frames but no block of the order
 *     (fragmentation), the search is the same, but for order 9 it takes
 *     almost free trees first, which have whole children. The artifact
 *     does so for every order; for orders 0..8 that broke up free trees
 *     whenever a nearly used-up tree had no aligned run of 2^order left,
 *     as frame.frag's orders 1..3 often find (in a hosted model of it at
 *     2 GiB: 0% of free memory in huge frames after 100 rounds instead
 *     of 86%), so we do not.
 *   - Left out: the artifact's free-reserve heuristic (a CPU whose last
 *     few frees hit one tree reserves it) needs a per-CPU history updated
 *     by every put; with 8 trees, random frees would trigger it by chance
 *     and pull the CPU away from its first-fit trees.
 *   - The lower level searches as the paper's does, first fit from the
 *     hint child, but within a child from its first word, where the paper
 *     starts at the word of the last allocation. That would save about 34
 *     instructions of an order-0 pair (345 instead of 379), but with
 *     frame.frag's orders 1..3 it breaks aligned runs more evenly, more
 *     gets miss and move on, and huge frames recover less (a hosted model
 *     of frame.frag on this file: 80% of free memory instead of 85% at
 *     2 GiB after 100 rounds, 27% instead of 36% at 512 MiB after 50). A
 *     pass that skips wholly free children before taking one changed
 *     nothing measurable, for a second scan on misses.
 *   - When no tree can be reserved (all reserved, or none with enough),
 *     or none that fits has a block of the order, a last scan takes
 *     capacity straight from the child entries of every tree, ignoring
 *     reservations, and subtracts it from the tree counter, which may go
 *     negative while a CPU's reservation holds the tree's frames: the tree
 *     counter plus the holder's local counter stays right. llfree_get
 *     returns LLFREE_NONE only when that scan finds nothing.
 *   - Counters may be wrong for a moment (capacity taken, not yet used or
 *     given back), which only steers a search. No frame is handed out
 *     twice because only the bitfield and child CASes hand frames out.
 *
 * Memory order. The successful CASes and fetch-and-ops on bitfield words
 * and child entries are the linearization points and are acq_rel: a put's
 * release orders the previous owner's use of the frames before them, and
 * the next get's acquire (on the same word or child entry, whose
 * read-modify-writes form one release sequence) orders them before the
 * new owner's use. Tree and CPU words only move capacity, which the child
 * entries check again; their read-modify-writes are acq_rel too, for a
 * simple argument, and all loads that only start a CAS loop or read a
 * hint (the per-CPU child hint, counters for statistics) are relaxed.
 * A rollback (words or children taken, then given back because a later
 * one was not free) is a release store by a CPU that acquired what it
 * overwrites, so the order it breaks into the release sequence carries
 * through that CPU.
 *
 * Context. llfree_init and llfree_init_free run at boot with nothing else
 * running. Everything else is lock-free: any CPU, any context, interrupts
 * on or off, and reentrant (an interrupt handler may allocate on the CPU
 * it interrupted). A CPU word changes only by its own CAS, the owner's
 * exchange in unreserving or a drain's exchange, and its value says all
 * there is to say, so an ABA on it is harmless.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/gfp.h>

#include "llfree.h"

typedef unsigned long long ull; /* for printing: the kernel's format has no PRIx64 */

#define CHILD_FRAMES (1u << LLFREE_CHILD_ORDER)
#define CHILD_WORDS (CHILD_FRAMES / 64)
#define TREE_FRAMES (CHILD_FRAMES * LLFREE_TREE_CHILDREN)
#define WORD_ORDER 6                    /* orders up to this lie in one word */

/*
 * Tree classes for reservations, as in the paper's artifact: a tree with
 * fewer than LLFREE_TREE_FLOOR free frames is almost full (a CPU would
 * exhaust it within a few allocations and search again, and its last
 * frames are best left to the frees that may make its children whole),
 * one with LLFREE_TREE_CEIL or more is almost free, and one between is
 * partially used: the first choice, so that free trees stay whole.
 */
#define LLFREE_TREE_FLOOR ((int32_t)TREE_FRAMES / 16)
#define LLFREE_TREE_CEIL ((int32_t)TREE_FRAMES - LLFREE_TREE_FLOOR)
/* Tree words on one cache line. A search for a tree starts from the first
 * tree of the CPU's group, so CPUs whose trees share a line search alike
 * and keep to the trees at its start. */
#define LLFREE_TREE_GROUP (64 / (uint32_t)sizeof(uint32_t))

/* Child entry: free count, HUGE flag, and the order of the huge block. */
#define CHILD_FREE_MASK 0xffffu
#define CHILD_HUGE (1u << 16)
#define CHILD_ORDER_SHIFT 17
#define CHILD_WHOLE CHILD_FRAMES        /* {512, !HUGE}: wholly free */

/* Tree word: signed free counter << 1 | RESERVED. */
#define TREE_RESERVED 1u

/* CPU word: tree << 32 | local counter; no tree, no counter when none. */
#define NO_TREE UINT32_MAX
#define CPU_NONE ((uint64_t)NO_TREE << 32)
/* CPU hint before the CPU's first allocation. */
#define NO_HINT UINT32_MAX

#define ACQ_REL __ATOMIC_ACQ_REL
#define RELAXED __ATOMIC_RELAXED

/* Which trees a pass of the search takes (beside: not reserved, and at
 * least the frames asked for). */
enum tree_pref {
	TREE_NOT_FULL,          /* FLOOR or more free: near the base only */
	TREE_PARTIAL,           /* FLOOR .. CEIL - 1 */
	TREE_FREE,              /* CEIL or more */
	TREE_ALMOST_FULL,       /* fewer than FLOOR: the last choice */
};

/* ---- Addressing ---- */

static uint32_t child_of(const struct llfree *ll, uint64_t pfn)
{
	return (uint32_t)((pfn - ll->base) >> LLFREE_CHILD_ORDER);
}

static uint32_t tree_of(uint32_t child)
{
	return child / LLFREE_TREE_CHILDREN;
}

static uint64_t child_pfn(const struct llfree *ll, uint32_t child)
{
	return ll->base + ((uint64_t)child << LLFREE_CHILD_ORDER);
}

static uint64_t *child_words(const struct llfree *ll, uint32_t child)
{
	return &ll->bits[(size_t)child * CHILD_WORDS];
}

static uint32_t child_huge_entry(unsigned order)
{
	return CHILD_HUGE | order << CHILD_ORDER_SHIFT;
}

static uint64_t geometry_base(uint64_t first_pfn)
{
	return first_pfn & ~((1ull << MAX_PAGE_ORDER) - 1);
}

static uint32_t geometry_trees(uint64_t first_pfn, uint64_t end_pfn)
{
	return (uint32_t)((end_pfn - geometry_base(first_pfn) + TREE_FRAMES - 1) / TREE_FRAMES);
}

/* ---- Lower level: one child ---- */

/* Takes n frames of capacity from a child that is not huge and has them. */
static bool child_reserve(uint32_t *entry, uint32_t n)
{
	uint32_t e = __atomic_load_n(entry, RELAXED);

	do {
		if ((e & CHILD_HUGE) || (e & CHILD_FREE_MASK) < n)
			return false;
	} while (!__atomic_compare_exchange_n(entry, &e, e - n, true, ACQ_REL, RELAXED));
	return true;
}

static void child_unreserve(uint32_t *entry, uint32_t n)
{
	__atomic_fetch_add(entry, n, ACQ_REL);
}

/* The bits of a run of 2^order (<= 64) frames from bit pos of a word. */
static uint64_t run_mask(unsigned order, unsigned pos)
{
	return (~0ull >> (64 - (1u << order))) << pos;
}

/* The lowest naturally aligned run of 2^order clear bits in w, or -1.
 * Folding the inverted word leaves bit i set iff bits i..i+2^order-1 are
 * all clear; the aligned positions are every 2^order-th bit. */
static int word_find_run(uint64_t w, unsigned order)
{
	static const uint64_t aligned[WORD_ORDER + 1] = {
		~0ull, 0x5555555555555555ull, 0x1111111111111111ull, 0x0101010101010101ull,
		0x0001000100010001ull, 0x0000000100000001ull, 1ull,
	};
	uint64_t clear = ~w;

	for (unsigned s = 1; s < (1u << order); s <<= 1)
		clear &= clear >> s;
	clear &= aligned[order];
	return clear != 0 ? __builtin_ctzll(clear) : -1;
}

/* Orders 0..6: sets the lowest aligned run found; its bit in the child, or -1. */
static int child_take_run(uint64_t *words, unsigned order)
{
	for (unsigned i = 0; i < CHILD_WORDS; i++) {
		uint64_t w = __atomic_load_n(&words[i], RELAXED);
		int pos;

		while ((pos = word_find_run(w, order)) >= 0) {
			if (__atomic_compare_exchange_n(&words[i], &w, w | run_mask(order, pos),
							true, ACQ_REL, RELAXED))
				return (int)(i * 64) + pos;
		}
	}
	return -1;
}

/* Sets k clear words at once, or none. Words we set are ours alone, so
 * a rollback stores them back. */
static bool words_take(uint64_t *words, unsigned k)
{
	for (unsigned j = 0; j < k; j++) {
		if (__atomic_load_n(&words[j], RELAXED) != 0)
			return false;
	}
	for (unsigned j = 0; j < k; j++) {
		uint64_t zero = 0;

		if (!__atomic_compare_exchange_n(&words[j], &zero, ~0ull, false, ACQ_REL, RELAXED)) {
			while (j-- > 0)
				__atomic_store_n(&words[j], 0, __ATOMIC_RELEASE);
			return false;
		}
	}
	return true;
}

/* Orders 7 and 8: 2 or 4 aligned whole words; their first bit, or -1. */
static int child_take_words(uint64_t *words, unsigned order)
{
	unsigned k = 1u << (order - WORD_ORDER);

	for (unsigned i = 0; i < CHILD_WORDS; i += k) {
		if (words_take(&words[i], k))
			return (int)(i * 64);
	}
	return -1;
}

/* Order 9, or one child of a larger block: {512, !HUGE} -> {0, HUGE}. */
static bool child_take_huge(uint32_t *entry, unsigned order)
{
	uint32_t whole = CHILD_WHOLE;

	return __atomic_compare_exchange_n(entry, &whole, child_huge_entry(order), false,
					   ACQ_REL, RELAXED);
}

/* A block of order 0..9 in this child, or LLFREE_NONE. */
static uint64_t child_get(struct llfree *ll, uint32_t child, unsigned order)
{
	uint32_t *entry = &ll->children[child];
	uint32_t n = 1u << order;
	int pos;

	if (order == LLFREE_CHILD_ORDER)
		return child_take_huge(entry, order) ? child_pfn(ll, child) : LLFREE_NONE;
	if (!child_reserve(entry, n))
		return LLFREE_NONE;
	if (order <= WORD_ORDER)
		pos = child_take_run(child_words(ll, child), order);
	else
		pos = child_take_words(child_words(ll, child), order);
	if (pos >= 0)
		return child_pfn(ll, child) + (uint64_t)pos;
	child_unreserve(entry, n);
	return LLFREE_NONE;
}

/* A block of order 0..9 in the tree's children, from child start on. */
static uint64_t tree_get(struct llfree *ll, uint32_t tree, uint32_t start, unsigned order)
{
	uint32_t first = tree * LLFREE_TREE_CHILDREN;
	uint32_t off = tree_of(start) == tree ? start - first : 0;

	for (uint32_t i = 0; i < LLFREE_TREE_CHILDREN; i++) {
		uint64_t pfn = child_get(ll, first + (off + i) % LLFREE_TREE_CHILDREN, order);

		if (pfn != LLFREE_NONE)
			return pfn;
	}
	return LLFREE_NONE;
}

/* ---- Lower level: frees and their checks ---- */

_Noreturn static void bad_block(const struct llfree *ll, const char *what, uint64_t pfn,
				unsigned order)
{
	env_panic("llfree: %s of pfn %#llx order %u: not a naturally aligned block of "
		  "[%#llx, %#llx)", what, (ull)pfn, order, (ull)ll->first_pfn, (ull)ll->end_pfn);
}

static void check_block(const struct llfree *ll, const char *what, uint64_t pfn,
			unsigned order)
{
	if (order > MAX_PAGE_ORDER || (pfn & ((1ull << order) - 1)) != 0 ||
	    pfn < ll->first_pfn || pfn >= ll->end_pfn || ll->end_pfn - pfn < 1ull << order)
		bad_block(ll, what, pfn, order);
}

/* A put that found a frame free already, or a child not as it allocated it. */
_Noreturn static void bad_free(uint64_t pfn, unsigned order, uint32_t entry)
{
	if (entry & CHILD_HUGE)
		env_panic("llfree: pfn %#llx freed with order %u inside a block of order %u "
			  "(wrong order)", (ull)pfn, order, entry >> CHILD_ORDER_SHIFT);
	env_panic("llfree: double free of pfn %#llx order %u (or freed with the wrong order)",
		  (ull)pfn, order);
}

/* Orders 0..9: clears the block's bits, then gives its child the count. */
static void child_put_bits(struct llfree *ll, uint64_t pfn, unsigned order)
{
	uint32_t child = child_of(ll, pfn);
	unsigned bit = (unsigned)(pfn - ll->base) % CHILD_FRAMES;
	uint64_t *words = &child_words(ll, child)[bit / 64];
	unsigned nwords = order > WORD_ORDER ? 1u << (order - WORD_ORDER) : 1;
	uint64_t mask = run_mask(order > WORD_ORDER ? WORD_ORDER : order, bit % 64);

	for (unsigned i = 0; i < nwords; i++) {
		uint64_t old = __atomic_fetch_and(&words[i], ~mask, ACQ_REL);

		if ((old & mask) != mask)
			bad_free(pfn, order, __atomic_load_n(&ll->children[child], RELAXED));
	}
	__atomic_fetch_add(&ll->children[child], 1u << order, ACQ_REL);
}

/* Orders >= 9: each child {0, HUGE, order} -> {512, !HUGE}. */
static void children_put_huge(struct llfree *ll, uint64_t pfn, unsigned order)
{
	uint32_t first = child_of(ll, pfn);

	for (uint32_t c = first; c < first + (1u << (order - LLFREE_CHILD_ORDER)); c++) {
		uint32_t e = child_huge_entry(order);

		if (!__atomic_compare_exchange_n(&ll->children[c], &e, CHILD_WHOLE, false,
						 ACQ_REL, RELAXED))
			bad_free(pfn, order, e);
	}
}

/* ---- Upper level: trees and reservations ---- */

static int32_t tree_counter(uint32_t word)
{
	return (int32_t)word >> 1;
}

static void tree_add(struct llfree *ll, uint32_t tree, int32_t frames)
{
	__atomic_fetch_add(&ll->trees[tree], (uint32_t)frames << 1, ACQ_REL);
}

/* Adds sign times the frames of the block of order >= 9 at child first to
 * the counters of the trees it spans. */
static void trees_add_block(struct llfree *ll, uint32_t first, unsigned order, int32_t sign)
{
	uint32_t k = 1u << (order - LLFREE_CHILD_ORDER);
	uint32_t per_tree = k < LLFREE_TREE_CHILDREN ? k : LLFREE_TREE_CHILDREN;

	for (uint32_t c = first; c < first + k; c += LLFREE_TREE_CHILDREN)
		tree_add(ll, tree_of(c), sign * (int32_t)(per_tree * CHILD_FRAMES));
}

static bool tree_fits(uint32_t word, enum tree_pref pref, uint32_t n)
{
	int32_t f = tree_counter(word);

	if ((word & TREE_RESERVED) || f < (int32_t)n)
		return false;
	switch (pref) {
	case TREE_NOT_FULL:
		return f >= LLFREE_TREE_FLOOR;
	case TREE_PARTIAL:
		return f >= LLFREE_TREE_FLOOR && f < LLFREE_TREE_CEIL;
	case TREE_FREE:
		return f >= LLFREE_TREE_CEIL;
	case TREE_ALMOST_FULL:
		break;
	}
	return f < LLFREE_TREE_FLOOR;
}

/* {f, !RESERVED} -> {0, RESERVED} if the tree fits; f in *got. */
static bool tree_take(struct llfree *ll, uint32_t tree, enum tree_pref pref, uint32_t n,
		      uint32_t *got)
{
	uint32_t w = __atomic_load_n(&ll->trees[tree], RELAXED);

	while (tree_fits(w, pref, n)) {
		if (__atomic_compare_exchange_n(&ll->trees[tree], &w, TREE_RESERVED, true,
						ACQ_REL, RELAXED)) {
			*got = (uint32_t)tree_counter(w);
			return true;
		}
	}
	return false;
}

/* Gives a reservation's counter back to its tree and clears RESERVED. */
static void tree_release(struct llfree *ll, uint64_t cpu_word)
{
	uint32_t tree = (uint32_t)(cpu_word >> 32);

	if (tree != NO_TREE)
		__atomic_fetch_add(&ll->trees[tree], ((uint32_t)cpu_word << 1) - TREE_RESERVED,
				   ACQ_REL);
}

static void cpu_unreserve(struct llfree *ll, unsigned cpu)
{
	tree_release(ll, __atomic_exchange_n(&ll->cpu[cpu].reserved, CPU_NONE, ACQ_REL));
}

/* Takes n frames from the CPU's local counter; *tree is the tree it holds
 * (NO_TREE if none), whether or not the counter had enough. */
static bool cpu_take(struct llfree_cpu *c, uint32_t n, uint32_t *tree)
{
	uint64_t w = __atomic_load_n(&c->reserved, RELAXED);

	do {
		*tree = (uint32_t)(w >> 32);
		if (*tree == NO_TREE || (uint32_t)w < n)
			return false;
	} while (!__atomic_compare_exchange_n(&c->reserved, &w, w - n, true, ACQ_REL, RELAXED));
	return true;
}

/* Gives n frames of tree back: to the CPU's local counter if it holds
 * that tree, else to the tree's counter. */
static void counter_put(struct llfree *ll, unsigned cpu, uint32_t tree, uint32_t n)
{
	uint64_t *r = &ll->cpu[cpu].reserved;
	uint64_t w = __atomic_load_n(r, RELAXED);

	while ((uint32_t)(w >> 32) == tree) {
		if (__atomic_compare_exchange_n(r, &w, w + n, true, ACQ_REL, RELAXED))
			return;
	}
	tree_add(ll, tree, (int32_t)n);
}

/* ---- Allocation ---- */

/* The tree the CPU's searches start from: that of its last allocation,
 * or, before its first, its share of the trees (the CPUs spread out). */
static uint32_t cpu_home_tree(const struct llfree *ll, unsigned cpu)
{
	uint32_t hint = __atomic_load_n(&ll->cpu[cpu].hint, RELAXED);
	unsigned ncpus = env_cpu_count() > cpu ? env_cpu_count() : cpu + 1;

	if (hint != NO_HINT)
		return tree_of(hint);
	return (uint32_t)((uint64_t)ll->ntrees * cpu / ncpus);
}

/* A block in the tree, from the CPU's hint child on; the hint follows. */
static uint64_t tree_get_hinted(struct llfree *ll, unsigned cpu, uint32_t tree, unsigned order)
{
	struct llfree_cpu *c = &ll->cpu[cpu];
	uint64_t pfn = tree_get(ll, tree, __atomic_load_n(&c->hint, RELAXED), order);

	if (pfn != LLFREE_NONE)
		__atomic_store_n(&c->hint, child_of(ll, pfn), RELAXED);
	return pfn;
}

/* With 2^order frames taken from the CPU's reservation of tree: a block
 * in that tree, or LLFREE_NONE with the frames given back. */
static uint64_t get_reserved(struct llfree *ll, unsigned cpu, uint32_t tree, unsigned order)
{
	uint64_t pfn = tree_get_hinted(ll, cpu, tree, order);

	if (pfn == LLFREE_NONE)
		counter_put(ll, cpu, tree, 1u << order);
	return pfn;
}

/*
 * The CPU's local counter has run short: takes what other CPUs freed into
 * its tree (the tree counter, while reserved) into it, if the tree as a
 * whole is not almost full. False if it did not, or lost the tree meanwhile.
 */
static bool cpu_sync(struct llfree *ll, unsigned cpu, uint32_t tree)
{
	uint64_t local = __atomic_load_n(&ll->cpu[cpu].reserved, RELAXED);
	uint32_t w = __atomic_load_n(&ll->trees[tree], RELAXED);

	if ((uint32_t)(local >> 32) != tree)
		return false;
	do {
		if (!(w & TREE_RESERVED) ||
		    tree_counter(w) + (int64_t)(uint32_t)local < LLFREE_TREE_FLOOR)
			return false;
	} while (!__atomic_compare_exchange_n(&ll->trees[tree], &w, TREE_RESERVED, true, ACQ_REL,
					      RELAXED));
	/* Back to the tree counter if a drain took the reservation meanwhile. */
	counter_put(ll, cpu, tree, (uint32_t)tree_counter(w));
	return true;
}

/* The i-th tree (i < ntrees) of a search around base: base, base - 1,
 * base + 1, base - 2, ..., each tree once. */
static uint32_t search_tree(const struct llfree *ll, uint32_t base, uint32_t i)
{
	uint32_t k = (i + 1) / 2;

	return (i & 1) ? (base + ll->ntrees - k) % ll->ntrees : (base + k) % ll->ntrees;
}

/* The trees near the base (the search's first `near`): a quarter of a
 * CPU's share, at least one, at most a group. */
static uint32_t search_near(const struct llfree *ll)
{
	uint32_t near = ll->ntrees / env_cpu_count() / 4;

	return near < 1 ? 1 : near > LLFREE_TREE_GROUP ? LLFREE_TREE_GROUP : near;
}

/*
 * Reserves the tree if it is of the class asked for and allocates in it;
 * on success the reservation replaces the CPU's (which the search kept, so
 * that it skipped that tree), else the tree is given back as it was.
 */
static uint64_t reserve_and_get(struct llfree *ll, unsigned cpu, uint32_t tree,
				enum tree_pref pref, unsigned order)
{
	uint32_t n = 1u << order, got;
	uint64_t pfn;

	if (!tree_take(ll, tree, pref, n, &got))
		return LLFREE_NONE;
	pfn = tree_get_hinted(ll, cpu, tree, order);
	if (pfn == LLFREE_NONE) {
		tree_release(ll, (uint64_t)tree << 32 | got);
		return LLFREE_NONE;
	}
	tree_release(ll, __atomic_exchange_n(&ll->cpu[cpu].reserved,
					     (uint64_t)tree << 32 | (got - n), ACQ_REL));
	return pfn;
}

/*
 * Searches the trees around the CPU's base for one to reserve, in passes
 * over search indices [from, to) that take a class of tree each. Normally
 * the near trees that are not almost full, then the others partially
 * used, then free ones, then almost full ones; after the reserved tree
 * was too fragmented for the order, free trees first.
 */
struct search_pass {
	enum tree_pref pref;
	bool near_only, skip_near;
};

static const struct search_pass search_normal[] = {
	{ TREE_NOT_FULL, true, false }, { TREE_PARTIAL, false, true },
	{ TREE_FREE, false, true }, { TREE_ALMOST_FULL, false, false },
};
static const struct search_pass search_fragmented[] = {
	{ TREE_FREE, false, false }, { TREE_PARTIAL, false, false },
	{ TREE_ALMOST_FULL, false, false },
};

static uint64_t search_and_reserve(struct llfree *ll, unsigned cpu, unsigned order,
				   bool fragmented)
{
	const struct search_pass *passes = fragmented ? search_fragmented : search_normal;
	unsigned npasses = fragmented ? sizeof(search_fragmented) / sizeof(passes[0])
				      : sizeof(search_normal) / sizeof(passes[0]);
	uint32_t base = cpu_home_tree(ll, cpu) / LLFREE_TREE_GROUP * LLFREE_TREE_GROUP;
	uint32_t near = search_near(ll);

	for (unsigned p = 0; p < npasses; p++) {
		uint32_t from = passes[p].skip_near ? near : 0;
		uint32_t to = passes[p].near_only ? near : ll->ntrees;

		for (uint32_t i = from; i < to && i < ll->ntrees; i++) {
			uint64_t pfn = reserve_and_get(ll, cpu, search_tree(ll, base, i),
						       passes[p].pref, order);

			if (pfn != LLFREE_NONE)
				return pfn;
		}
	}
	return LLFREE_NONE;
}

/* The last resort: every child of every tree, reservations ignored,
 * from the CPU's home tree on. */
static uint64_t get_anywhere(struct llfree *ll, unsigned cpu, unsigned order)
{
	uint32_t start = cpu_home_tree(ll, cpu);

	for (uint32_t i = 0; i < ll->ntrees; i++) {
		uint32_t tree = (start + i) % ll->ntrees;
		uint64_t pfn = tree_get_hinted(ll, cpu, tree, order);

		if (pfn != LLFREE_NONE) {
			tree_add(ll, tree, -(int32_t)(1u << order));
			return pfn;
		}
	}
	return LLFREE_NONE;
}

/* The CPU's tree (NO_TREE if none) had too few frames on its local
 * counter, or was too fragmented for the order: syncs with the tree
 * counter, else reserves another tree, else scans everything. */
__attribute__((noinline)) static uint64_t get_slow(struct llfree *ll, unsigned cpu,
						   unsigned order, uint32_t tree, bool fragmented)
{
	uint64_t pfn;

	if (!fragmented && tree != NO_TREE && cpu_sync(ll, cpu, tree) &&
	    cpu_take(&ll->cpu[cpu], 1u << order, &tree)) {
		pfn = get_reserved(ll, cpu, tree, order);
		if (pfn != LLFREE_NONE)
			return pfn;
		fragmented = true;
	}
	pfn = search_and_reserve(ll, cpu, order, fragmented && order == LLFREE_CHILD_ORDER);
	return pfn != LLFREE_NONE ? pfn : get_anywhere(ll, cpu, order);
}

/* Sets k aligned children from first huge, or none. */
static bool children_take_huge(struct llfree *ll, uint32_t first, uint32_t k, unsigned order)
{
	for (uint32_t j = 0; j < k; j++) {
		if (__atomic_load_n(&ll->children[first + j], RELAXED) != CHILD_WHOLE)
			return false;
	}
	for (uint32_t j = 0; j < k; j++) {
		if (!child_take_huge(&ll->children[first + j], order)) {
			while (j-- > 0)
				__atomic_store_n(&ll->children[first + j], CHILD_WHOLE,
						 __ATOMIC_RELEASE);
			return false;
		}
	}
	return true;
}

/* Orders 10..18, beside the reservations. */
__attribute__((noinline)) static uint64_t get_large(struct llfree *ll, unsigned order)
{
	uint32_t k = 1u << (order - LLFREE_CHILD_ORDER);

	for (uint32_t c = 0; c + k <= ll->nchildren; c += k) {
		if (children_take_huge(ll, c, k, order)) {
			trees_add_block(ll, c, order, -1);
			return child_pfn(ll, c);
		}
	}
	return LLFREE_NONE;
}

uint64_t llfree_get(struct llfree *ll, unsigned cpu, unsigned order)
{
	uint32_t tree;
	uint64_t pfn;

	if (order > LLFREE_CHILD_ORDER)
		return order <= MAX_PAGE_ORDER ? get_large(ll, order) : LLFREE_NONE;
	if (!cpu_take(&ll->cpu[cpu], 1u << order, &tree))
		return get_slow(ll, cpu, order, tree, false);
	pfn = get_reserved(ll, cpu, tree, order);
	return pfn != LLFREE_NONE ? pfn : get_slow(ll, cpu, order, tree, true);
}

void llfree_put(struct llfree *ll, unsigned cpu, uint64_t pfn, unsigned order)
{
	uint32_t child;

	check_block(ll, "llfree_put", pfn, order);
	child = child_of(ll, pfn);
	if (order > LLFREE_CHILD_ORDER) {
		children_put_huge(ll, pfn, order);
		trees_add_block(ll, child, order, 1);
		return;
	}
	if (order == LLFREE_CHILD_ORDER)
		children_put_huge(ll, pfn, order);
	else
		child_put_bits(ll, pfn, order);
	counter_put(ll, cpu, tree_of(child), 1u << order);
}

void llfree_drain(struct llfree *ll, unsigned cpu)
{
	cpu_unreserve(ll, cpu);
}

/* ---- Set-up and statistics ---- */

size_t llfree_meta_bytes(uint64_t first_pfn, uint64_t end_pfn)
{
	size_t ntrees = first_pfn < end_pfn ? geometry_trees(first_pfn, end_pfn) : 0;
	size_t nchildren = ntrees * LLFREE_TREE_CHILDREN;

	return nchildren * (CHILD_WORDS * sizeof(uint64_t) + sizeof(uint32_t)) +
	       ntrees * sizeof(uint32_t);
}

void llfree_init(struct llfree *ll, void *meta, uint64_t first_pfn, uint64_t end_pfn)
{
	if (first_pfn >= end_pfn || (uintptr_t)meta % 64 != 0)
		env_panic("llfree_init: [%#llx, %#llx) with metadata at %p", (ull)first_pfn,
			  (ull)end_pfn, meta);
	ll->base = geometry_base(first_pfn);
	ll->first_pfn = first_pfn;
	ll->end_pfn = end_pfn;
	ll->ntrees = geometry_trees(first_pfn, end_pfn);
	ll->nchildren = ll->ntrees * LLFREE_TREE_CHILDREN;
	ll->bits = meta;
	ll->children = (uint32_t *)(ll->bits + (size_t)ll->nchildren * CHILD_WORDS);
	ll->trees = ll->children + ll->nchildren;
	for (size_t i = 0; i < (size_t)ll->nchildren * CHILD_WORDS; i++)
		__atomic_store_n(&ll->bits[i], ~0ull, RELAXED);
	for (uint32_t i = 0; i < ll->nchildren; i++)
		__atomic_store_n(&ll->children[i], 0, RELAXED);
	for (uint32_t i = 0; i < ll->ntrees; i++)
		__atomic_store_n(&ll->trees[i], 0, RELAXED);
	for (unsigned i = 0; i < ENV_MAX_CPUS; i++) {
		__atomic_store_n(&ll->cpu[i].reserved, CPU_NONE, RELAXED);
		__atomic_store_n(&ll->cpu[i].hint, NO_HINT, RELAXED);
	}
}

void llfree_init_free(struct llfree *ll, uint64_t pfn, unsigned order)
{
	unsigned piece = order < LLFREE_CHILD_ORDER ? order : LLFREE_CHILD_ORDER;

	check_block(ll, "llfree_init_free", pfn, order);
	for (uint64_t p = pfn; p < pfn + (1ull << order); p += 1u << piece) {
		child_put_bits(ll, p, piece);
		tree_add(ll, tree_of(child_of(ll, p)), (int32_t)(1u << piece));
	}
}

uint64_t llfree_free_frames(const struct llfree *ll)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < ll->nchildren; i++)
		sum += __atomic_load_n(&ll->children[i], RELAXED) & CHILD_FREE_MASK;
	return sum;
}

bool llfree_is_free(const struct llfree *ll, uint64_t pfn)
{
	unsigned bit;

	if (pfn < ll->first_pfn || pfn >= ll->end_pfn)
		return false;
	if (__atomic_load_n(&ll->children[child_of(ll, pfn)], RELAXED) & CHILD_HUGE)
		return false;
	bit = (unsigned)(pfn - ll->base) % CHILD_FRAMES;
	return !((__atomic_load_n(&child_words(ll, child_of(ll, pfn))[bit / 64], RELAXED) >>
		  (bit % 64)) & 1);
}

uint64_t llfree_free_huge(const struct llfree *ll)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < ll->nchildren; i++)
		n += __atomic_load_n(&ll->children[i], RELAXED) == CHILD_WHOLE;
	return n;
}

int32_t llfree_tree_free(const struct llfree *ll, uint64_t pfn, bool *reserved)
{
	uint32_t w = __atomic_load_n(&ll->trees[tree_of(child_of(ll, pfn))], RELAXED);

	*reserved = w & TREE_RESERVED;
	return tree_counter(w);
}
