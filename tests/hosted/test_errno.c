/*
 * test_errno.c - kernel/include/errno.h against Linux's numbers, and
 * errno_name (kernel/lib/errno_name.c) against the header.
 *
 * The kernel's header is included first and its values captured; glibc's
 * <errno.h>, which takes Linux's values from the kernel uapi headers, is
 * included next and redefines the same names, and the same list captures
 * them again. A name the kernel header lacks fails the build. The same
 * list checks that errno_name names every value the header defines.
 */
#include "../../kernel/include/errno.h"

#define ERRNO_LIST(X)							\
	X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG)	\
	X(ENOEXEC) X(EBADF) X(ECHILD) X(EAGAIN) X(ENOMEM) X(EACCES)	\
	X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV)	\
	X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY)	\
	X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK)	\
	X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOLCK)	\
	X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(EWOULDBLOCK) X(EOVERFLOW)	\
	X(EOPNOTSUPP) X(ENOTSUP) X(ETIMEDOUT)

struct errno_entry {
	const char *name;
	int value;
};

#define ERRNO_ENTRY(name) { #name, name },

static const struct errno_entry kernel_errnos[] = { ERRNO_LIST(ERRNO_ENTRY) };

#include <errno.h>

static const struct errno_entry linux_errnos[] = { ERRNO_LIST(ERRNO_ENTRY) };

#include <string.h>

#include "lib/errno_name.h"
#include "test.h"

TEST(errno_matches_linux)
{
	for (size_t i = 0; i < sizeof(kernel_errnos) / sizeof(kernel_errnos[0]); i++) {
		if (kernel_errnos[i].value != linux_errnos[i].value)
			hosted_fail(__FILE__, __LINE__, "%s is %d, Linux has %d",
				    kernel_errnos[i].name, kernel_errnos[i].value,
				    linux_errnos[i].value);
	}
}

/* Every value has its own name, an alias that of the value it equals. */
TEST(errno_name_names_every_value)
{
	for (size_t i = 0; i < sizeof(kernel_errnos) / sizeof(kernel_errnos[0]); i++) {
		const char *want = kernel_errnos[i].name, *got = errno_name(kernel_errnos[i].value);

		if (strcmp(want, "EWOULDBLOCK") == 0)
			want = "EAGAIN";
		else if (strcmp(want, "ENOTSUP") == 0)
			want = "EOPNOTSUPP";
		if (strcmp(got, want) != 0)
			hosted_fail(__FILE__, __LINE__, "errno_name(%d) is %s, expected %s",
				    kernel_errnos[i].value, got, want);
	}
	CHECK_STR_EQ(errno_name(0), "?");
	CHECK_STR_EQ(errno_name(-EINVAL), "?");	/* callers negate kernel errors first */
	CHECK_STR_EQ(errno_name(41), "?");	/* no errno 41 on Linux */
	CHECK_STR_EQ(errno_name(ETIMEDOUT + 1), "?");
	CHECK_STR_EQ(errno_name(1L << 40), "?");
}

