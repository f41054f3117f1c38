/*
 * mm/aspace_check.c - aspace_check: the address space's invariants, for
 * the tests and the testbed's check system call.
 *
 *   - the VMA tree's own invariants (vma_tree_check);
 *   - every VMA page-aligned, with prot inside PROT_READ|WRITE|EXEC and
 *     flags MAP_SHARED or MAP_PRIVATE with at most MAP_GROWSDOWN;
 *   - no two adjacent VMAs mergeable (every change merges at its edges);
 *   - the pages of its VMA_ACCOUNT VMAs are what it has committed;
 *   - every page-table leaf a 4 KiB page inside a VMA (not a shared
 *     PROT_NONE one), with exactly the mapper flags its prot gives (of no
 *     access under PROT_NONE; less the write right for a borrowed frame
 *     of a private VMA), and marked borrowed exactly when its frame is a
 *     memory object's; under a shared
 *     VMA the frame its file holds at that offset; under a private VMA
 *     either a frame of the address space's own or the one it borrows
 *     there (the file's cached page, or the zero page); never a page
 *     wholly past the end of the file its VMA maps (a memfd's size);
 *   - the resident count equals the leaves of the mapper.
 * It holds the write lock, so nothing changes under the walk: O(VMAs +
 * mapped pages), with an O(log n) lookup per page.
 */
#include <errno.h>

#include <mm/gfp.h>

#include "aspace_internal.h"
#include "check_msg.h"
#include "page.h"

/* "what [a, b)" into err, bounded. */
static void report(char *err, size_t errlen, const char *what, uint64_t a, uint64_t b)
{
	struct check_msg m = { err, errlen, 0 };

	check_msg_str(&m, what);
	check_msg_str(&m, " [");
	check_msg_hex(&m, a);
	check_msg_str(&m, ", ");
	check_msg_hex(&m, b);
	check_msg_str(&m, ")");
}

/* Whether the file's page index is the frame at pa (called under the
 * address space mapper's lock: that lock, then the file's). */
static bool file_holds(struct mfile *f, uint64_t index, phys_addr_t pa)
{
	phys_addr_t have;

	return mfile_lookup(f, index, &have) == 0 && have == pa;
}

static bool borrowed(phys_addr_t pa)
{
	return pfn_to_page(PFN_OF(pa))->flags & PG_object;
}

/* Why the frame at pa cannot be where v maps va, or NULL. */
static const char *frame_wrong(const struct vma *v, uintptr_t va, phys_addr_t pa)
{
	if (vma_shared(v))
		return file_holds(v->file, vma_pgoff(v, va), pa) ? NULL
								 : "a shared page that is not its file's";
	if (!borrowed(pa))
		return NULL;
	if (v->file != NULL ? file_holds(v->file, vma_pgoff(v, va), pa) : pa == zero_page())
		return NULL;
	return "a private page that borrows a frame not its own";
}

struct check_walk {
	struct aspace *as;
	char *err;
	size_t errlen;
	bool failed;
	uint64_t pages;
};

static void check_leaf(void *arg, uintptr_t va, const struct mapper_translation *t)
{
	struct check_walk *w = arg;
	const struct vma *v = vma_find(w->as, va);
	const char *why = NULL;

	w->pages++;
	if (w->failed)
		return;
	if (t->page_size != HAL_PAGE_SIZE)
		why = "a large page";
	else if (v == NULL)
		why = "a page outside every VMA";
	else if (vma_shared(v) && v->prot == PROT_NONE)
		why = "a page under a shared PROT_NONE VMA";
	else if (t->flags != vma_entry_flags(v, borrowed(t->pa)))
		why = "a page with flags its VMA's prot does not give";
	else if (v->file != NULL && mfile_past_eof(v->file, vma_pgoff(v, va)))
		why = "a page past the end of its file";
	else
		why = frame_wrong(v, va, t->pa);
	if (why != NULL) {
		report(w->err, w->errlen, why, va, va + t->page_size);
		w->failed = true;
	}
}

static int check_vmas(struct aspace *as, char *err, size_t errlen)
{
	const struct vma *prev = NULL;
	uint64_t committed = 0;

	for (struct vma_node *n = vma_tree_first(&as->tree); n != NULL; n = vma_tree_next(n)) {
		const struct vma *v = vma_of(n);
		uint64_t type = v->flags & MAP_TYPE;

		if (n->start % HAL_PAGE_SIZE != 0 || n->end % HAL_PAGE_SIZE != 0 ||
		    (v->prot & ~(uint64_t)VMA_PROT_MASK) != 0 ||
		    (v->flags & ~(VMA_SHOWN_FLAGS | MAP_NORESERVE | VMA_ACCOUNT)) != 0 ||
		    (type != MAP_SHARED && type != MAP_PRIVATE) ||
		    (type == MAP_SHARED && (v->file == NULL || (v->flags & VMA_ACCOUNT)))) {
			report(err, errlen, "a malformed VMA", n->start, n->end);
			return -EINVAL;
		}
		if (vma_mergeable(prev, v)) {
			report(err, errlen, "mergeable VMAs left apart around", vma_start(prev),
			       n->end);
			return -EINVAL;
		}
		if (v->flags & VMA_ACCOUNT)
			committed += vma_pages(v);
		prev = v;
	}
	if (committed != as->committed) {
		report(err, errlen, "committed pages: the VMAs' and the count", committed,
		       as->committed);
		return -EINVAL;
	}
	return 0;
}

int aspace_check(struct aspace *as, char *err, size_t errlen)
{
	struct check_walk w = { .as = as, .err = err, .errlen = errlen };
	uint64_t span = as->tree.hi - as->tree.lo;
	int ret;

	rwlock_write_lock(&as->lock);
	ret = vma_tree_check(&as->tree, err, errlen);
	if (ret == 0)
		ret = check_vmas(as, err, errlen);
	if (ret == 0) {
		mapper_for_each(&as->mapper, as->tree.lo, span, check_leaf, &w);
		uint64_t resident = __atomic_load_n(&as->resident, __ATOMIC_RELAXED);
		if (!w.failed && w.pages != resident) {
			report(err, errlen, "pages mapped and the resident count differ:", w.pages,
			       resident);
			w.failed = true;
		}
		ret = w.failed ? -EINVAL : 0;
	}
	rwlock_write_unlock(&as->lock);
	return ret;
}
