/*
 * lib/errno_name.h - the names of the errno values, for error lines such
 * as "error -7 (E2BIG)".
 *
 * One table (kernel/lib/errno_name.c) for the kernel, the benchmark
 * harness and the user programs, which link it as they link format.c: it
 * names every value of kernel/include/errno.h, which are Linux's.
 * Portable C with no state: callable from any context. Builds hosted too.
 */
#ifndef LIB_ERRNO_NAME_H
#define LIB_ERRNO_NAME_H

/* "EINVAL" for EINVAL (positive, as errno holds it; callers with a
 * negated kernel error pass -rc); "?" for a value that has no name. An
 * alias (EWOULDBLOCK, ENOTSUP) is named as the value it equals. */
const char *errno_name(long err);

#endif
