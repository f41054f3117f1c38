/*
 * ulib.h - the little C library of the user programs (user/lib/): memory
 * and string functions, printf to fd 1, exit, argument parsing, a
 * xorshift PRNG and a mapped memfd. Freestanding: the programs are linked with -nostdlib and
 * start at user/lib/crt0.S, on the testbed kernel and on Linux alike.
 *
 * Output is line buffered and thread safe: printf appends to one buffer
 * under a spinlock and writes each completed line with a single write(1),
 * so lines of different threads never interleave. exit() writes what is
 * left before exit_group.
 */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/mman.h>

#include "lib/errno_name.h"
#include "sys.h"
#include "testbed.h"

#define PAGE_SIZE 4096ul
/* Linux x86_64 with 4-level paging: user memory ends below TASK_SIZE
 * (the last page below 128 TiB is never mapped); KERNEL_ADDR is the first
 * address of the kernel half. */
#define TASK_SIZE 0x7ffffffff000ul
#define KERNEL_ADDR 0xffff800000000000ul

/* The compiler may emit calls to the first four itself (struct copies,
 * zeroing), so they exist even where no program calls them. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);

/* C99 printf formatting (the kernel's kvsnprintf, kernel/lib/format.c,
 * without floating point). snprintf always terminates (n > 0) and
 * returns the length the whole output would have had. */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes the buffered output, then exit_group(status): ends every thread. */
__attribute__((noreturn)) void exit(int status);

/* Prints "expect fault: <access> in [lo, hi)" and makes tb_expect_fault:
 * the program is about to die by SIGSEGV there. On Linux the call is
 * -ENOSYS and the printed line is what user/check_on_linux.sh looks for. */
void expect_fault(uintptr_t lo, uintptr_t hi, unsigned access);

/* A memfd of size bytes mapped len bytes read-write with flags
 * (MAP_SHARED or MAP_PRIVATE) at *addr: the descriptor, or -errno with
 * nothing left open. */
long memfd_mapped(size_t size, size_t len, long flags, uintptr_t *addr);

/* Decimal or 0x-hex number: true and *out if s is exactly one. */
bool parse_u64(const char *s, uint64_t *out);


/* xorshift64* (Vigna): small, fast, good enough for choosing test
 * operations; the same seed gives the same sequence everywhere. */
struct rng {
	uint64_t s;
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform enough in [0, n), n > 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

#endif
