/*
 * errno.c - the names of the Linux errno values the programs meet, for
 * their failure lines.
 */
#include "ulib.h"

const char *errno_name(long err)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" },	{ EINTR, "EINTR" },
		{ EBADF, "EBADF" },   { EAGAIN, "EAGAIN" },	{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" },	{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },	{ EINVAL, "EINVAL" },
		{ ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].nr == err)
			return names[i].name;
	}
	return "?";
}
