/*
 * The page caches of the programs' images (kernel/program_files.c).
 */
#ifndef KERNEL_PROGRAM_FILES_H
#define KERNEL_PROGRAM_FILES_H

#include <stdint.h>

#include <kernel/proc.h>

struct mfile;

/* Boot CPU, once mm/ is up: a file for every embedded program. */
void program_files_init(void);

/* The file of prog's ELF image, with a reference for the caller
 * (mfile_put), or NULL when out of memory. */
struct mfile *program_file(const struct user_program *prog);
/* Frames that the embedded programs' page caches hold (mfile_frames). */
uint64_t program_files_frames(void);

#endif
