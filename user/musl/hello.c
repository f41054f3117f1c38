/*
 * An ordinary C program, built with Debian's `musl-gcc -static` and run
 * unmodified: musl's start-up (arch_prctl for its TLS, set_tid_address),
 * its malloc (brk, mmap, munmap: small blocks and one past the mmap
 * threshold) and stdio (ioctl to see whether stdout is a terminal, writev
 * to flush). tests/kernel/test_user_musl.c checks the exit status and the
 * output; on Linux it prints the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 1000

int main(void)
{
	static char *block[BLOCKS];
	char *big = malloc(1 << 20);
	int bad = 0;

	if (!big)
		return 1;
	memset(big, 0x5a, 1 << 20);
	for (int i = 0; i < BLOCKS; i++) {
		block[i] = malloc((size_t)(i % 200) + 1);
		if (!block[i])
			return 2;
		memset(block[i], i & 0xff, (size_t)(i % 200) + 1);
	}
	for (int i = 0; i < BLOCKS; i++) {
		bad += block[i][i % 200] != (char)(i & 0xff);
		free(block[i]);
	}
	bad += big[(1 << 20) - 1] != 0x5a;
	free(big);
	printf("hello from musl: %d blocks and 1 MiB allocated, checked and freed\n", BLOCKS);
	return bad != 0;
}
