/*
 * mm/shm.c - shared anonymous memory objects (the shmem file behind a
 * MAP_SHARED|MAP_ANONYMOUS mapping in Linux).
 *
 * An object is a set of frames indexed by page offset, created zeroed on
 * first touch. Every VMA of a MAP_SHARED mapping points to its object
 * and to the offset of its first page (vma->pgoff), so mappings that
 * split, move (mremap), stay behind (MREMAP_DONTUNMAP) or duplicate
 * (mremap with old_len 0) all reach the same frames, and dropping the
 * page-table entries (MADV_DONTNEED, PROT_NONE) loses nothing: the next
 * fault maps the object's frame again.
 *
 * The index is a page mapper of its own (mm/mapper.h), never loaded on a
 * CPU: offset o lives at "virtual address" o * page size, so lookup and
 * insertion are the mapper's O(1) radix walks and its lock serialises
 * racing inserts (-EEXIST: the loser frees its frame and takes the
 * winner's). The frames belong to the object; the address space's page
 * tables only borrow them, so unmapping a shared VMA never frees one.
 *
 * Lifetime: refs counts the VMAs that point to the object, changed only
 * under the address space's write lock. When the last goes, the frames
 * are handed to a flush batch of the address space (shm_put), which frees
 * them only after its shootdown: another CPU's TLB may still hold one.
 * The index's own tables are never walked by an MMU and go at once.
 *
 * Locking: the object's mapper lock, inside the address space's lock and
 * never held together with another mapper's lock except under
 * aspace_check (address-space mapper, then object: never the reverse).
 */
#include <errno.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "aspace_internal.h"
#include "page.h"

struct shm *shm_create(void)
{
	struct shm *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (s != NULL && mapper_init(&s->pages) != 0) {
		kfree(s);
		s = NULL;
	}
	return s;
}

int shm_page(struct shm *s, uint64_t index, phys_addr_t *pa)
{
	struct mapper_translation t;

	for (;;) {
		if (mapper_translate(&s->pages, index << HAL_PAGE_SHIFT, &t) == 0) {
			*pa = t.pa;
			return 0;
		}
		struct page *p = alloc_pages(__GFP_ZERO, 0);
		if (p == NULL)
			return -ENOMEM;
		phys_addr_t frame = PFN_PHYS(page_to_pfn(p));
		int err = mapper_map(&s->pages, index << HAL_PAGE_SHIFT, frame, HAL_PAGE_SIZE,
				     HAL_PAGE_SIZE, MAPPER_WRITE);
		if (err == 0) {
			*pa = frame;
			return 0;
		}
		__free_pages(p, 0);
		if (err != -EEXIST)
			return err;
	}
}

int shm_lookup(struct shm *s, uint64_t index, phys_addr_t *pa)
{
	struct mapper_translation t;
	int err = mapper_translate(&s->pages, index << HAL_PAGE_SHIFT, &t);

	if (err == 0)
		*pa = t.pa;
	return err;
}

/* Takes the frames of pages [first, first + n) out of the index onto
 * into's frame list (freed after into's flush). */
static void take_frames(struct shm *s, uint64_t first, uint64_t n, struct flush_batch *into)
{
	struct flush_batch b;

	flush_batch_init(&b, &s->pages, true);
	mapper_unmap(&s->pages, first << HAL_PAGE_SHIFT, n << HAL_PAGE_SHIFT, &b);
	while (!list_empty(&b.frames)) {
		struct page *p = list_first_entry(&b.frames, struct page, list);

		list_del(&p->list);
		list_add(&p->list, &into->frames);
	}
	/* No MMU walks the index: its tables may go now. */
	flush_batch_finish_local(&b);
}

void shm_remove(struct shm *s, uint64_t first, uint64_t n, struct flush_batch *into)
{
	take_frames(s, first, n, into);
}

static void shm_free(struct shm *s, struct flush_batch *into)
{
	take_frames(s, 0, SHM_MAX_PAGES, into);
	mapper_destroy(&s->pages);
	kfree(s);
}

void shm_put(struct shm *s, struct flush_batch *into)
{
	if (s->refs == 0)
		env_panic("shm: %p released more often than taken", (void *)s);
	if (--s->refs != 0)
		return;
	shm_free(s, into);
}
