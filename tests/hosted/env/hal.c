/*
 * hal.c - simulated physical memory for the hosted build (see mm_hal.h).
 * One mapping at a time; tests set it up before starting any CPU threads.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

#include "mm_hal.h"

unsigned char *hosted_phys_base;
uint64_t hosted_phys_size;
_Atomic uint64_t hosted_flush_page_count, hosted_flush_all_count;
_Thread_local phys_addr_t hosted_current_root;

int hosted_phys_init(uint64_t size)
{
	if (hosted_phys_base)
		munmap(hosted_phys_base, hosted_phys_size);
	hosted_phys_base = NULL;
	hosted_phys_size = 0;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	hosted_phys_base = p;
	hosted_phys_size = size;
	return 0;
}
