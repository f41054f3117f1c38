/*
 * mm/check_msg.c - bounded message building for the checkers (see
 * mm/check_msg.h).
 */
#include "check_msg.h"

void check_msg_str(struct check_msg *m, const char *s)
{
	for (; *s && m->pos + 1 < m->len; s++)
		m->buf[m->pos++] = *s;
	if (m->len)
		m->buf[m->pos] = '\0';
}

void check_msg_hex(struct check_msg *m, uint64_t v)
{
	char digits[19];
	int i = (int)sizeof(digits) - 1;

	digits[i] = '\0';
	do {
		digits[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	digits[--i] = 'x';
	digits[--i] = '0';
	check_msg_str(m, &digits[i]);
}
