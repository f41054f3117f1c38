/*
 * mm/mfile.c - memory files: the page cache behind every mapping that is
 * not private anonymous memory (<mm/mfile.h>).
 *
 * A file is a set of frames indexed by page offset, filled on first
 * touch from its source: zeros (shmem: MAP_SHARED|MAP_ANONYMOUS memory,
 * and memfd files) or a read-only byte image (a program's ELF file).
 * A memfd has a size (ftruncate, mm/truncate.c): a page wholly past it
 * is no page of the file, and a fault there is SIGBUS (mm/fault.c);
 * shmem and images have none. Shmem and a memfd belong to one address
 * space (owner: the only one that can reach them, through its mapping
 * or its descriptor), whose VMAs alone may map them: that is what lets
 * a truncation or a punched hole find every mapping of their pages
 * without a reverse map (mm/truncate.c). Every VMA that maps a file
 * points to it and to the offset of its first page (vma->pgoff), so
 * mappings that split, move (mremap), stay behind (MREMAP_DONTUNMAP) or
 * duplicate (mremap with old_len 0) all reach the same frames.
 *
 * The frames belong to the file (PG_object, mm/page.h): page tables only
 * borrow them, so dropping entries (MADV_DONTNEED, PROT_NONE, munmap)
 * loses nothing and frees nothing, and the next fault maps the cached
 * frame again. A shared mapping maps it as its prot allows; a private one
 * maps it read-only and copies it on the first write (mm/fault.c), so a
 * dropped private page that was never written comes back with the
 * file's contents, as Linux re-reads it.
 *
 * The index is a page mapper of its own (<mm/mapper.h>), never loaded on a
 * CPU: offset o lives at "virtual address" o * page size, so lookup and
 * insertion are the mapper's O(1) radix walks and its lock serialises
 * racing inserts (-EEXIST: the loser frees its frame and takes the
 * winner's).
 *
 * Lifetime: refs counts the VMAs that map the file (in any address
 * space) and its holders, atomically. When the last goes, the frames go
 * to a flush batch of the address space whose unmap dropped it
 * (mfile_release), freed only after that batch's shootdown: a stale TLB
 * entry may still hold one. A holder's last reference (mfile_put) frees
 * them at once: every VMA was gone before, each shot down with its call.
 * The index's own tables are never walked by an MMU and go at once.
 *
 * Locking (the global order: mm/README.md): the index's mapper lock only,
 * inside the address space's lock and never held together with another
 * mapper's lock except under aspace_check (address-space mapper, then file:
 * never the reverse). Removing pages (MADV_REMOVE, ftruncate, the last
 * reference) runs where no mapping can fault them in again: under the
 * owner's write lock for shmem and a memfd, after the last VMA for any
 * file. The size changes under the owner's write lock too, so a fault
 * (read lock) sees one size from its check to its mapping.
 */
#include <mm/mfile.h>

#include <errno.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "aspace_internal.h"
#include "page.h"

static struct mfile *create(const void *data, uint64_t size)
{
	struct mfile *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (f != NULL && mapper_init(&f->pages) != 0) {
		kfree(f);
		return NULL;
	}
	if (f != NULL) {
		f->refs = 1;
		f->data = data;
		f->data_size = size;
		f->size = MFILE_UNSIZED;
	}
	return f;
}

struct mfile *mfile_create_zero(void)
{
	return create(NULL, 0);
}

struct mfile *mfile_create_memfd(struct aspace *owner)
{
	struct mfile *f = create(NULL, 0);

	if (f != NULL) {
		f->owner = owner;
		f->size = 0;
	}
	return f;
}

struct mfile *mfile_create_image(const void *data, uint64_t size)
{
	return create(data, size);
}

void mfile_get(struct mfile *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

bool mfile_writable(const struct mfile *f)
{
	return f->data == NULL;
}

uint64_t mfile_frames(struct mfile *f)
{
	env_irqflags_t irq = env_irq_save();
	uint64_t tables;

	env_spin_lock(&f->pages.lock);
	tables = f->pages.tables_allocated - f->pages.tables_freed;
	env_spin_unlock(&f->pages.lock);
	env_irq_restore(irq);
	return tables + __atomic_load_n(&f->npages, __ATOMIC_RELAXED);
}

/* A new frame with page index's contents, owned by f (not yet visible to
 * anyone), or NULL. */
static struct page *fill(const struct mfile *f, uint64_t index)
{
	uint64_t off = index << HAL_PAGE_SHIFT;
	struct page *p;

	if (f->data == NULL || off >= f->data_size)
		p = alloc_pages(__GFP_ZERO, 0);
	else
		p = alloc_pages(off + HAL_PAGE_SIZE > f->data_size ? __GFP_ZERO : 0, 0);
	if (p == NULL)
		return NULL;
	if (f->data != NULL && off < f->data_size) {
		uint64_t n = f->data_size - off < HAL_PAGE_SIZE ? f->data_size - off : HAL_PAGE_SIZE;

		memcpy(page_to_virt(p), (const unsigned char *)f->data + off, n);
	}
	p->flags |= PG_object;
	return p;
}

int mfile_page(struct mfile *f, uint64_t index, phys_addr_t *pa)
{
	for (;;) {
		if (mfile_lookup(f, index, pa) == 0)
			return 0;
		struct page *p = fill(f, index);
		if (p == NULL)
			return -ENOMEM;
		phys_addr_t frame = PFN_PHYS(page_to_pfn(p));
		int err = mapper_map(&f->pages, index << HAL_PAGE_SHIFT, frame, HAL_PAGE_SIZE,
				     HAL_PAGE_SIZE, MAPPER_WRITE);
		if (err == 0) {
			__atomic_fetch_add(&f->npages, 1, __ATOMIC_RELAXED);
			*pa = frame;
			return 0;
		}
		p->flags &= ~(uint32_t)PG_object;
		__free_pages(p, 0);
		if (err != -EEXIST)
			return err;
	}
}

int mfile_lookup(struct mfile *f, uint64_t index, phys_addr_t *pa)
{
	struct mapper_translation t;
	int err = mapper_translate(&f->pages, index << HAL_PAGE_SHIFT, &t);

	if (err == 0)
		*pa = t.pa;
	return err;
}

struct take {
	struct list_head *into;
	uint64_t n;
};

/* Hands a cached frame over: no longer the file's, freed with the list. */
static void take_leaf(void *arg, uintptr_t va, const struct mapper_translation *t)
{
	struct take *tk = arg;
	struct page *p = pfn_to_page(PFN_OF(t->pa));

	(void)va;
	p->flags &= ~(uint32_t)PG_object;
	list_add(&p->list, tk->into);
	tk->n++;
}

/* Takes the frames of pages [first, first + n) out of the index onto
 * into (freed after into's flush; at once when into is NULL). */
static void take_frames(struct mfile *f, uint64_t first, uint64_t n, struct flush_batch *into)
{
	struct list_head now;
	struct take tk = { into != NULL ? &into->frames : &now, 0 };
	struct flush_batch b;

	list_init(&now);
	mapper_for_each(&f->pages, first << HAL_PAGE_SHIFT, n << HAL_PAGE_SHIFT, take_leaf, &tk);
	flush_batch_init(&b, &f->pages, false);
	mapper_unmap(&f->pages, first << HAL_PAGE_SHIFT, n << HAL_PAGE_SHIFT, &b);
	/* No MMU walks the index: its tables may go now. */
	flush_batch_finish_local(&b);
	__atomic_fetch_sub(&f->npages, tk.n, __ATOMIC_RELAXED);
	while (!list_empty(&now)) {
		struct page *p = list_first_entry(&now, struct page, list);

		list_del(&p->list);
		__free_pages(p, 0);
	}
}

void mfile_remove(struct mfile *f, uint64_t first, uint64_t n, struct flush_batch *into)
{
	take_frames(f, first, n, into);
}

void mfile_release(struct mfile *f, struct flush_batch *into)
{
	uint64_t refs = __atomic_fetch_sub(&f->refs, 1, __ATOMIC_ACQ_REL);

	if (refs == 0)
		env_panic("mfile: %p released more often than taken", (void *)f);
	if (refs != 1)
		return;
	take_frames(f, 0, MFILE_MAX_PAGES, into);
	if (f->charged != 0)
		vm_uncommit(f->charged);
	mapper_destroy(&f->pages);
	kfree(f);
}

void mfile_put(struct mfile *f)
{
	mfile_release(f, NULL);
}
