/*
 * cmdline.c - kernel command-line options (see lib/cmdline.h).
 *
 * Every lookup rescans the string: the command line is a few hundred bytes
 * and is read a handful of times at boot, so no index is kept and nothing
 * needs to be initialised or locked.
 */
#include <errno.h>
#include <string.h>

#include "lib/cmdline.h"

static bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* Finds the last token for key; *val and *vlen give its value, "" if bare. */
static bool find_last(const char *cmdline, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = cmdline;
	bool found = false;

	if (p == NULL || klen == 0)
		return false;
	while (*p != '\0') {
		const char *tok;
		size_t tlen;

		while (is_sep(*p))
			p++;
		tok = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		tlen = (size_t)(p - tok);
		if (tlen < klen || memcmp(tok, key, klen) != 0)
			continue;
		if (tlen == klen) {
			found = true;
			*val = tok + klen;
			*vlen = 0;
		} else if (tok[klen] == '=') {
			found = true;
			*val = tok + klen + 1;
			*vlen = tlen - klen - 1;
		}
	}
	return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz)
{
	const char *val;
	size_t vlen;

	if (!find_last(cmdline, key, &val, &vlen) || vlen >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return false;
	}
	memcpy(out, val, vlen);
	out[vlen] = '\0';
	return true;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *val;
	size_t vlen;

	return find_last(cmdline, key, &val, &vlen);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* log2 of the multiple that a K/M/G suffix stands for; 0 if c is none. */
static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default: return 0;
	}
}

/* Parses exactly the n characters at s as one number. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10, shift;
	size_t i = 0, first;
	uint64_t v = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (first = i; i < n; i++) {
		int d = digit_value(s[i]);

		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	if (i == first)
		return -EINVAL;
	if (i < n) {
		shift = suffix_shift(s[i]);
		if (shift == 0 || i + 1 != n)
			return -EINVAL;
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
		v <<= shift;
	}
	*out = v;
	return 0;
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	const char *val;
	size_t vlen;

	if (!find_last(cmdline, key, &val, &vlen))
		return -ENOENT;
	return parse_u64(val, vlen, out);
}

int cmdline_get_list(const char *cmdline, const char *key, uint64_t *out, size_t max)
{
	const char *val, *end;
	size_t vlen, n = 0;

	if (!find_last(cmdline, key, &val, &vlen))
		return -ENOENT;
	end = val + vlen;
	for (;;) {
		const char *comma = memchr(val, ',', (size_t)(end - val));
		const char *elem_end = comma != NULL ? comma : end;
		int err;

		if (n == max || n == (size_t)__INT_MAX__)	/* the count must fit the int */
			return -E2BIG;
		err = parse_u64(val, (size_t)(elem_end - val), &out[n]);
		if (err != 0)
			return err;
		n++;
		if (comma == NULL)
			return (int)n;
		val = comma + 1;
	}
}

static bool is_known(const char *key, size_t klen, const char *const *known)
{
	for (; *known; known++)
		if (strlen(*known) == klen && memcmp(*known, key, klen) == 0)
			return true;
	return false;
}

/* The token at or after *p: its key in [*key, *key + *klen), *p past it.
 * False at the end of the line. */
static bool next_key(const char **p, const char **key, size_t *klen)
{
	const char *q = *p;

	while (is_sep(*q))
		q++;
	if (*q == '\0')
		return false;
	*key = q;
	while (*q != '\0' && !is_sep(*q) && *q != '=')
		q++;
	*klen = (size_t)(q - *key);
	while (*q != '\0' && !is_sep(*q))
		q++;
	*p = q;
	return true;
}

/* Whether a token before the one whose key starts at key has that key. */
static bool seen_before(const char *cmdline, const char *key, size_t klen)
{
	const char *p = cmdline, *k;
	size_t n;

	while (next_key(&p, &k, &n) && k < key)
		if (n == klen && memcmp(k, key, klen) == 0)
			return true;
	return false;
}

static void copy_key(char *bad, size_t badsz, const char *key, size_t klen)
{
	size_t n;

	if (badsz == 0)
		return;
	n = klen < badsz - 1 ? klen : badsz - 1;
	memcpy(bad, key, n);
	bad[n] = '\0';
}

int cmdline_check_keys(const char *cmdline, const char *const *known, char *bad, size_t badsz)
{
	const char *p = cmdline, *key;
	size_t klen;

	if (p == NULL)
		return 0;
	while (next_key(&p, &key, &klen)) {
		if (klen == 0 || !is_known(key, klen, known)) {
			copy_key(bad, badsz, key, klen);
			return -EINVAL;
		}
		if (seen_before(cmdline, key, klen)) {
			copy_key(bad, badsz, key, klen);
			return -EEXIST;
		}
	}
	return 0;
}
