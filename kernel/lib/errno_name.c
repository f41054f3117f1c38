/*
 * errno_name.c - the errno names (see lib/errno_name.h), in a table indexed
 * by value.
 *
 * The values come from the kernel's own errno.h in every build, included
 * by quotes: the kernel and user builds find it on their include paths,
 * and the hosted builds, which keep kernel/include on the quote path only
 * so that glibc's <errno.h> stays theirs, find it there too.
 */
#include "errno.h"

#include "lib/errno_name.h"

#define NAME(e) [e] = #e

static const char *const names[] = {
	NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO),
	NAME(E2BIG), NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM),
	NAME(EACCES), NAME(EFAULT), NAME(ENOTBLK), NAME(EBUSY), NAME(EEXIST), NAME(EXDEV),
	NAME(ENODEV), NAME(ENOTDIR), NAME(EISDIR), NAME(EINVAL), NAME(ENFILE), NAME(EMFILE),
	NAME(ENOTTY), NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC), NAME(ESPIPE), NAME(EROFS),
	NAME(EMLINK), NAME(EPIPE), NAME(EDOM), NAME(ERANGE), NAME(EDEADLK), NAME(ENAMETOOLONG),
	NAME(ENOLCK), NAME(ENOSYS), NAME(ENOTEMPTY), NAME(ELOOP), NAME(EOVERFLOW),
	NAME(EOPNOTSUPP), NAME(ETIMEDOUT),
};

const char *errno_name(long err)
{
	if (err <= 0 || (unsigned long)err >= sizeof(names) / sizeof(names[0]) || !names[err])
		return "?";
	return names[err];
}
