/*
 * mm/check_msg.h - a bounded message under construction, for the checkers
 * that describe the first violation they find (vma_tree_check,
 * aspace_check): mm/ has no snprintf. The buffer always holds a
 * NUL-terminated prefix of what was appended (len 0: nothing is written).
 * No locking: the message belongs to its caller.
 */
#ifndef MM_CHECK_MSG_H
#define MM_CHECK_MSG_H

#include <stddef.h>
#include <stdint.h>

struct check_msg {
	char *buf;
	size_t len, pos;
};

void check_msg_str(struct check_msg *m, const char *s);
/* v in hexadecimal, with 0x. */
void check_msg_hex(struct check_msg *m, uint64_t v);

#endif
