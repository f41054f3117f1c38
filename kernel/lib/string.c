/*
 * string.c - freestanding mem* and str* functions (see <string.h>).
 *
 * Plain C. The mem* functions move a machine word at a time once source and
 * destination share their alignment (the common case: kzalloc, page copies,
 * struct copies), and a byte at a time otherwise; that is within a small
 * factor of `rep movsb` without putting assembly in portable-looking code.
 *
 * GCC's loop-distribution pass recognises copy and fill loops and replaces
 * them with calls to memcpy/memset; inside memcpy itself that is infinite
 * recursion. GCC 12 skips the pass under -ffreestanding or -fno-builtin, but
 * NO_LOOP_TO_CALL turns it off here whatever flags the build passes. Clang
 * never rewrites a loop into a call to the function that contains it.
 */
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NO_LOOP_TO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LOOP_TO_CALL
#endif

/* may_alias: a word access may touch bytes of any effective type. */
typedef uintptr_t __attribute__((may_alias)) word_t;

#define WORD_SIZE sizeof(word_t)
#define WORD_MASK (WORD_SIZE - 1)

static inline int co_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & WORD_MASK) == 0;
}

/*
 * Ascending copy. It is also a correct memmove when dst < src: every word is
 * read before any store can reach it, because stores trail the loads.
 */
NO_LOOP_TO_CALL static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (co_aligned(d, s)) {
		for (; n > 0 && ((uintptr_t)d & WORD_MASK) != 0; n--)
			*d++ = *s++;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(word_t *)d = *(const word_t *)s;
			d += WORD_SIZE;
			s += WORD_SIZE;
		}
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

/* Descending copy, for memmove when dst > src and the ranges overlap. */
NO_LOOP_TO_CALL static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if (co_aligned(d, s)) {
		for (; n > 0 && ((uintptr_t)d & WORD_MASK) != 0; n--)
			*--d = *--s;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	for (; n > 0; n--)
		*--d = *--s;
}

NO_LOOP_TO_CALL void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	unsigned char b = (unsigned char)c;
	word_t w = (word_t)-1 / 0xff * b;	/* b replicated into every byte */

	for (; n > 0 && ((uintptr_t)p & WORD_MASK) != 0; n--)
		*p++ = b;
	for (; n >= WORD_SIZE; n -= WORD_SIZE) {
		*(word_t *)p = w;
		p += WORD_SIZE;
	}
	for (; n > 0; n--)
		*p++ = b;
	return s;
}

NO_LOOP_TO_CALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

NO_LOOP_TO_CALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)	/* d before s, or no overlap */
		copy_forward(d, s, n);
	else
		copy_backward(d, s, n);
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n] != '\0')
		n++;
	return n;
}

/* The str*cmp functions compare as unsigned char, as C requires. */
int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x != y)
			return x < y ? -1 : 1;
		if (x == '\0')
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}
