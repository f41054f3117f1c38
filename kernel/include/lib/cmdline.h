/*
 * lib/cmdline.h - reading options from the kernel command line.
 *
 * The command line is a string of tokens separated by spaces or tabs, each
 * either `key=value` or a bare `key` (whose value is ""). Keys match whole
 * tokens only: `selftest` does not match `selftests=1`. When a key appears
 * more than once the lookups take the last occurrence; cmdline_check_keys
 * reports such a repeat, so that a caller can refuse it rather than drop
 * the earlier one silently. Values cannot contain spaces; there is no
 * quoting.
 *
 * Numbers are decimal or 0x-prefixed hex, with an optional K, M or G suffix
 * (either case; binary multiples: 1K = 1024).
 *
 * cmdline may be NULL, meaning an empty command line (the boot loader gave
 * none). Portable C, no state: callable from any context.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copies the value of the last occurrence of key into out. False if key is
 * absent, or if the value and its NUL do not fit in outsz bytes (then out is
 * set to "" when outsz > 0).
 */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz);

/* True if key occurs, bare or with a value. */
bool cmdline_has(const char *cmdline, const char *key);

/*
 * Parses the value of key as a number. Returns 0, -ENOENT if key is absent,
 * -EINVAL if the value is not a number (a bare key included), -ERANGE if it
 * does not fit in 64 bits. *out is written only on success.
 */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

/*
 * Parses a comma-separated list of numbers, such as `smp=1,2,4`, into
 * out[0..max-1]. Returns how many were stored (at least 1), -ENOENT if key is
 * absent, -EINVAL if the list or an element is malformed (empty elements
 * included), -ERANGE if an element overflows, -E2BIG if there are more than
 * max elements. On failure out may have been partly written.
 */
int cmdline_get_list(const char *cmdline, const char *key, uint64_t *out, size_t max);

/*
 * Checks that every token's key is one of known[] (NULL-terminated) and
 * occurs once, so a misspelt or repeated option is reported instead of
 * silently ignored. Returns 0, -EINVAL for an unknown key or -EEXIST for a
 * repeated one; the first such key is copied (truncated) into bad.
 */
int cmdline_check_keys(const char *cmdline, const char *const *known, char *bad, size_t badsz);

#endif
