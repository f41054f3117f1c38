/*
 * memfd.c - a memfd made and mapped in one call, for the programs that
 * test memory files (see ulib.h).
 */
#include "ulib.h"

long memfd_mapped(size_t size, size_t len, long flags, uintptr_t *addr)
{
	long fd = sys_memfd_create("test", 0);
	long r = fd < 0 ? fd : sys_ftruncate(fd, (long)size);

	if (r == 0)
		r = sys_mmap(0, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (SYS_IS_ERR(r)) {
		if (fd >= 0)
			sys_close(fd);
		return r;
	}
	*addr = (uintptr_t)r;
	return fd;
}
