/*
 * A process's file descriptors (kernel/fd.c has the design and the
 * locking): 1 and 2 are the console until closed, 0 is never open (there
 * is no input), and from 3 on each open descriptor names a memory file
 * (<mm/mfile.h>: a memfd). Every thread of the process shares the table.
 *
 * Context: thread context, any CPU, interrupts on or off; none of these
 * waits for anything but the table's spinlock.
 */
#ifndef KERNEL_FD_H
#define KERNEL_FD_H

#include <stdbool.h>

struct fd_table;
struct mfile;

/* Descriptors a process may hold: Linux's default RLIMIT_NOFILE. */
#define FD_MAX 1024

/* A table with the console on 1 and 2, or NULL when out of memory. */
struct fd_table *fd_table_create(void);
/* Closes every descriptor and frees t: the process has ended. */
void fd_table_destroy(struct fd_table *t);

/* The lowest free descriptor from 3 on now names f, and holds the
 * reference the caller had: the descriptor, or -EMFILE (then the caller
 * keeps its reference). */
int fd_install(struct fd_table *t, struct mfile *f);
/* The file behind fd with a reference for the caller (mfile_put it), or
 * NULL: fd is closed, out of range, or the console. */
struct mfile *fd_file(struct fd_table *t, unsigned fd);
/* Whether fd is the console, still open. */
bool fd_console(struct fd_table *t, unsigned fd);
/* 0, or -EBADF if fd is not open. A memfd's file lives on while a
 * mapping holds it. */
int fd_close(struct fd_table *t, unsigned fd);

#endif
