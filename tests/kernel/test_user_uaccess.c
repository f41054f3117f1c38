/*
 * copy_from_user / copy_to_user outside any process: a range that is not
 * entirely inside the user window fails before any access, and a user
 * address with nothing mapped faults, takes the fix-up and fails (no
 * address space to fault it in), without a panic. Demand paging through
 * copies, with a process, is covered by test_user_threads.c (CLONE_*TID
 * into untouched pages) and by the programs in user/.
 */
#include <errno.h>
#include <stdint.h>

#include <arch/usermode.h>
#include <kernel/selftest.h>
#include <kernel/uaccess.h>

SELFTEST(user_copy_fails_cleanly_without_a_process)
{
	uint64_t v = 0x1234;

	ST_CHECK_EQ(copy_from_user(&v, 0x10000, sizeof(v)), -EFAULT);   /* nothing mapped */
	ST_CHECK_EQ(copy_to_user(0x10000, &v, sizeof(v)), -EFAULT);
	ST_CHECK_EQ(copy_from_user(&v, USER_HI - 4, sizeof(v)), -EFAULT); /* crosses USER_HI */
	ST_CHECK_EQ(copy_to_user(USER_HI, &v, 1), -EFAULT);
	ST_CHECK_EQ(copy_from_user(&v, (uintptr_t)&v, sizeof(v)), -EFAULT); /* a kernel address */
	ST_CHECK_EQ(copy_from_user(&v, 0x10000, ~0ull - 0x8000), -EFAULT); /* wraps around */
	ST_CHECK_EQ(copy_to_user(0x10000, &v, 0), 0); /* nothing to copy */
	ST_CHECK_EQ(v, 0x1234);
}
