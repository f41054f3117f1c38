/*
 * overcommit_fill.c - under overcommit mode 2 (overcommit=2 on the
 * command line, or the self-test user_overcommit_never), mmap refuses
 * with ENOMEM at the call what the commit limit cannot back, and so a
 * program that maps what it is given and then writes all of it is never
 * killed: it maps 16 MiB at a time with MAP_POPULATE until refused, then
 * writes every page, checks the committed total against the limit, and
 * unmaps everything. Not a test_ program: it needs mode 2, which the
 * self-test sets and the default boots do not.
 */
#include "ulib.h"
#include "testbed.h"

#define CHUNK (16ull << 20)
#define MAX_CHUNKS 4096

static uintptr_t chunks[MAX_CHUNKS];

int main(void)
{
	struct tb_meminfo mi;
	unsigned n = 0;
	long p = 0;

	long rc = tb_meminfo(&mi);

	if (rc == -ENOSYS) {
		/* Linux (user/check_on_linux.sh): no tb_meminfo to check with. */
		printf("overcommit_fill: skipped, not the testbed kernel\n");
		return 0;
	}
	if (rc != 0 || mi.overcommit_mode != 2) {
		printf("overcommit_fill: needs overcommit mode 2\n");
		return 2;
	}
	uint64_t start = mi.committed;
	while (n < MAX_CHUNKS) {
		p = sys_mmap(0, CHUNK, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p < 0 && p > -4096)
			break;
		chunks[n++] = (uintptr_t)p;
	}
	if (p != -ENOMEM || n == 0) {
		printf("overcommit_fill: after %u chunks mmap gave %ld, want -ENOMEM\n", n, p);
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		for (uintptr_t a = chunks[i]; a < chunks[i] + CHUNK; a += PAGE_SIZE)
			*(volatile uint64_t *)a = a;
	if (tb_meminfo(&mi) != 0 || mi.committed > mi.commit_limit ||
	    mi.committed + CHUNK / PAGE_SIZE <= mi.commit_limit) {
		printf("overcommit_fill: committed %lu pages, limit %lu\n",
		       (unsigned long)mi.committed, (unsigned long)mi.commit_limit);
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		if (*(volatile uint64_t *)(chunks[i] + CHUNK - PAGE_SIZE) !=
		    chunks[i] + CHUNK - PAGE_SIZE || sys_munmap(chunks[i], CHUNK) != 0)
			return 1;
	if (tb_meminfo(&mi) != 0 || mi.committed != start) {
		printf("overcommit_fill: %lu pages still committed, %lu before\n",
		       (unsigned long)mi.committed, (unsigned long)start);
		return 1;
	}
	printf("overcommit_fill: %u chunks of 16 MiB committed and written, the next refused "
	       "(limit %lu pages)\n", n, (unsigned long)mi.commit_limit);
	return 0;
}
