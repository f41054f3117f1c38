/*
 * A process's file descriptors, with Linux's rules where this kernel has
 * the files: a new descriptor is the lowest free one, at most FD_MAX are
 * open (-EMFILE after), a closed one is -EBADF everywhere.
 *
 * The table is an array of FD_MAX slots, one per descriptor, each NULL or
 * a memory file that the slot holds one reference on. 0, 1 and 2 are the
 * console's (kernel/syscall_io.c): 1 and 2 are open until closed, 0 never
 * is (there is no input), and none of them is handed out again, so files
 * start at 3 (FD_FIRST). next is Linux's next_fd: no slot below it is
 * free, so the search starts there and a close moves it down.
 *
 * There is one table per process, made when it starts and destroyed when
 * its last thread has ended (exit, exit_group or a kill: kernel/proc.c),
 * which drops every file the process still holds. All its threads share
 * it, as threads made with CLONE_FILES do on Linux (a clone without it
 * shares it too here, where Linux would copy it).
 *
 * Locking: t->lock, a spinlock taken with interrupts off, guards the
 * slots, next and console. A lookup takes a reference under it, so a
 * racing close cannot free the file under its user; the last reference
 * is always dropped after the lock (mfile_put frees frames). The table
 * itself is only freed when no thread is left to use it.
 */
#include <errno.h>
#include <stdint.h>

#include <kernel/fd.h>
#include <kernel/spinlock.h>
#include <mm/mfile.h>
#include <mm/slab.h>

#define FD_FIRST 3
#define FD_CONSOLE_OPEN ((1u << 1) | (1u << 2))

struct fd_table {
	spinlock_t lock;
	unsigned next;		/* no free slot in [FD_FIRST, next) */
	unsigned console;	/* bit fd set: console descriptor fd is open */
	struct mfile *slot[FD_MAX];
};

struct fd_table *fd_table_create(void)
{
	struct fd_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (t != NULL) {
		spin_lock_init(&t->lock);
		t->next = FD_FIRST;
		t->console = FD_CONSOLE_OPEN;
	}
	return t;
}

void fd_table_destroy(struct fd_table *t)
{
	for (unsigned fd = FD_FIRST; fd < FD_MAX; fd++)
		if (t->slot[fd] != NULL)
			mfile_put(t->slot[fd]);
	kfree(t);
}

int fd_install(struct fd_table *t, struct mfile *f)
{
	irqflags_t irq = spin_lock_irqsave(&t->lock);
	unsigned fd = t->next;

	while (fd < FD_MAX && t->slot[fd] != NULL)
		fd++;
	if (fd < FD_MAX) {
		t->slot[fd] = f;
		t->next = fd + 1;
	}
	spin_unlock_irqrestore(&t->lock, irq);
	return fd < FD_MAX ? (int)fd : -EMFILE;
}

struct mfile *fd_file(struct fd_table *t, unsigned fd)
{
	struct mfile *f = NULL;
	irqflags_t irq;

	if (fd < FD_FIRST || fd >= FD_MAX)
		return NULL;
	irq = spin_lock_irqsave(&t->lock);
	f = t->slot[fd];
	if (f != NULL)
		mfile_get(f);
	spin_unlock_irqrestore(&t->lock, irq);
	return f;
}

bool fd_console(struct fd_table *t, unsigned fd)
{
	return fd < FD_FIRST && (__atomic_load_n(&t->console, __ATOMIC_RELAXED) & (1u << fd));
}

int fd_close(struct fd_table *t, unsigned fd)
{
	struct mfile *f = NULL;
	int err = -EBADF;
	irqflags_t irq;

	if (fd >= FD_MAX)
		return -EBADF;
	irq = spin_lock_irqsave(&t->lock);
	if (fd < FD_FIRST && (t->console & (1u << fd))) {
		__atomic_store_n(&t->console, t->console & ~(1u << fd), __ATOMIC_RELAXED);
		err = 0;
	} else if (fd >= FD_FIRST && t->slot[fd] != NULL) {
		f = t->slot[fd];
		t->slot[fd] = NULL;
		if (fd < t->next)
			t->next = fd;
		err = 0;
	}
	spin_unlock_irqrestore(&t->lock, irq);
	if (f != NULL)
		mfile_put(f);
	return err;
}
