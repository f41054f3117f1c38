/*
 * lib/format.h - snprintf-style formatting for the kernel and its tests.
 *
 * Portable C with no kernel dependencies (it builds hosted too, where the
 * tests compare it with glibc). C99 snprintf semantics: the output is always
 * NUL-terminated when size > 0, and the return value is the length the full
 * output would have had, so truncation is detected by ret >= size.
 *
 * Supported: flags - 0 + space #, field width and precision (also *),
 * length modifiers hh h l ll z t j, conversions d i u x X o c s p %.
 * %s of NULL and %p of NULL print as glibc does ("(null)", "(nil)").
 * No floating point: the kernel is built without SSE.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
