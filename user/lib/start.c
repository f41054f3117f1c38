/*
 * start.c - the life of a process: ulib_start (called by crt0) checks the
 * auxiliary vector and runs main(argc, argv), exit (printf.c) ends the
 * process with main's return value, and expect_fault announces that it
 * ends by a fault instead.
 */
#include "ulib.h"

#define AT_NULL   0
#define AT_PAGESZ 6

int main(int argc, char **argv);
__attribute__((noreturn)) void ulib_start(long argc, char **argv, char **envp);

/* The tests compute in 4 KiB pages: refuse to run on anything else. */
static void check_auxv(char **envp)
{
	while (*envp)
		envp++;
	for (const uint64_t *av = (const uint64_t *)(envp + 1); av[0] != AT_NULL; av += 2) {
		if (av[0] == AT_PAGESZ && av[1] != PAGE_SIZE) {
			printf("error: page size %lu, the tests need %lu\n", (unsigned long)av[1],
			       PAGE_SIZE);
			exit(127);
		}
	}
}

void ulib_start(long argc, char **argv, char **envp)
{
	check_auxv(envp);
	exit(main((int)argc, argv));
}

void expect_fault(uintptr_t lo, uintptr_t hi, unsigned access)
{
	const char *what = access & TB_ACCESS_EXEC ? "exec" :
			   access & TB_ACCESS_WRITE ? "write" : "read";

	printf("expect fault: %s in [%p, %p)\n", what, (void *)lo, (void *)hi);
	tb_expect_fault(lo, hi, access);
}
