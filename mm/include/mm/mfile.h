/*
 * <mm/mfile.h> - memory files: a page cache (frames indexed by page
 * offset) and where its pages come from. They back every mapping that is
 * not private anonymous memory: MAP_SHARED|MAP_ANONYMOUS memory (Linux's
 * shmem file) and file mappings: a program's ELF image, a memfd
 * (mm/mfile.c has the design and the locking rules).
 *
 * A file is reference-counted: every VMA that maps it holds one, and so
 * does whoever keeps it open (the kernel's table of program images, a
 * process's descriptor table).
 * Context: thread context; any CPU.
 */
#ifndef MM_MFILE_H
#define MM_MFILE_H

#include <stdbool.h>
#include <stdint.h>

struct mfile;

struct aspace;

/* A file whose pages read as zeros until written (shmem), without an
 * end, with one reference; NULL when out of memory. */
struct mfile *mfile_create_zero(void);
/* A memfd's file: zeros, size 0 until aspace_ftruncate sets it, mapped
 * only by owner's VMAs (aspace_mmap_file refuses any other address
 * space), with one reference; NULL when out of memory. */
struct mfile *mfile_create_memfd(struct aspace *owner);
/* A read-only image's file, with one reference: page i caches bytes
 * [i * page size, (i + 1) * page size) of data (zeros past size), read
 * on the first touch. data must stay valid as long as the file lives. */
struct mfile *mfile_create_image(const void *data, uint64_t size);
void mfile_get(struct mfile *f);
/* Drops a reference that no mapping holds (a holder's); the last one
 * frees the file and its cache. */
void mfile_put(struct mfile *f);
/* Frames the file holds: its cached pages and the tables that index
 * them. */
uint64_t mfile_frames(struct mfile *f);
/* Whether a shared mapping may write it (an image may not). */
bool mfile_writable(const struct mfile *f);

#endif
