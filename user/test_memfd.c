/*
 * test_memfd.c - memfd_create, ftruncate, close and mmap of a memfd as
 * Linux x86_64 does them: what will-it-scale's file tests do with a file
 * in /tmp (mkstemp, ftruncate to 128 MiB, mmap MAP_PRIVATE or MAP_SHARED,
 * touch, MADV_DONTNEED, munmap, close). The errno of bad arguments, in
 * Linux's order; lowest-free descriptors and the per-process limit;
 * private copy on write isolated from the file; shared mappings seeing
 * each other; data outliving munmap and close; ftruncate growing with
 * zeros and shrinking with the pages past the end gone from every
 * mapping; MADV_DONTNEED and MADV_REMOVE; threads sharing the table.
 *
 * Where this kernel's answer differs from Linux on purpose the case says
 * so and checks each platform's answer: MFD_HUGETLB (Linux makes a
 * hugetlbfs file, here -ENOSYS), a size past what a file can index
 * (Linux's shmem takes up to 2^63 - 1, here -EFBIG past 128 TiB).
 * test_memfd_sigbus*.c check the faults past the end.
 */
#include "thread.h"
#include "utest.h"

#define SYS_getrlimit 97
#define SYS_setrlimit 160
#define RLIMIT_NOFILE 7
#define FILES 1024	/* the descriptors a process may hold: Linux's default */
#define WIS_SIZE (128ul << 20)	/* will-it-scale's file size */
#define WIS_STEP (8ul << 20)

static bool on_linux(void)
{
	return tb_ncpus() == -ENOSYS;
}

static long memfd(void)
{
	return sys_memfd_create("test", 0);
}

static uintptr_t map_fd(size_t len, long prot, long flags, long fd, long off)
{
	long p = sys_mmap(0, len, prot, flags, fd, off);

	return SYS_IS_ERR(p) ? 0 : (uintptr_t)p;
}

static uint64_t word(uintptr_t p)
{
	return *(volatile uint64_t *)p;
}

static void set_word(uintptr_t p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* How many of the n bytes from p on are v, up to the first that is not. */
static size_t bytes_equal_to(uintptr_t p, size_t n, unsigned char v)
{
	size_t i = 0;

	while (i < n && *(volatile unsigned char *)(p + i) == v)
		i++;
	return i;
}

/* A memfd of size bytes with a shared view at *s and a private one at
 * *p, len bytes each: the descriptor, or -errno with nothing left. */
static long two_views(size_t size, size_t len, uintptr_t *s, uintptr_t *p)
{
	long fd = memfd_mapped(size, len, MAP_SHARED, s);

	if (fd >= 0 && (*p = map_fd(len, RW, MAP_PRIVATE, fd, 0)) == 0) {
		sys_munmap(*s, len);
		sys_close(fd);
		return -ENOMEM;
	}
	return fd;
}

/* Unmaps both views and closes fd: 0, or the first error. */
static long drop_views(long fd, size_t len, uintptr_t s, uintptr_t p)
{
	long r1 = sys_munmap(s, len), r2 = sys_munmap(p, len), r3 = sys_close(fd);

	return r1 != 0 ? r1 : r2 != 0 ? r2 : r3;
}

/* will-it-scale's tlb_flush1 (MAP_PRIVATE) and tlb_flush3 (MAP_SHARED):
 * a 128 MiB memfd mapped whole, a 1 written every WIS_STEP bytes, then
 * MADV_DONTNEED over it all. How many of those words read 1 afterwards,
 * or -errno. */
static long wis_dontneed(long flags)
{
	uintptr_t p;
	long fd = memfd_mapped(WIS_SIZE, WIS_SIZE, flags, &p), ones = 0, r;

	if (fd < 0)
		return fd;
	for (uintptr_t off = 0; off < WIS_SIZE; off += WIS_STEP)
		set_word(p + off, 1);
	r = sys_madvise(p, WIS_SIZE, MADV_DONTNEED);
	for (uintptr_t off = 0; off < WIS_SIZE; off += WIS_STEP)
		ones += word(p + off) == 1;
	sys_munmap(p, WIS_SIZE);
	sys_close(fd);
	return r != 0 ? r : ones;
}

/* tb_check on the testbed (0 when its invariants hold); 0 on Linux. */
static long check_aspace(void)
{
	long r = tb_check();

	return r == -ENOSYS ? 0 : r;
}

CASE(lowest_free_fd, "memfd_create returns the lowest free descriptor, 3 first (0-2 are open), and a closed one is reused")
{
	long a = memfd(), b = memfd(), c = memfd();

	EXPECT_EQ(a, 3);
	EXPECT_EQ(b, 4);
	EXPECT_EQ(c, 5);
	EXPECT_EQ(sys_close(b), 0);
	EXPECT_EQ(memfd(), 4);
	EXPECT_EQ(sys_close(a), 0);
	EXPECT_EQ(sys_close(b), 0);
	EXPECT_EQ(memfd(), 3);
	EXPECT_EQ(memfd(), 4);
	EXPECT_EQ(memfd(), 6);
	for (int fd = 3; fd <= 6; fd++)
		EXPECT_EQ(sys_close(fd), 0);
}

CASE(name_rules, "memfd_create's name: up to 249 bytes, EINVAL for 250, EFAULT if unreadable, read only up to its NUL")
{
	static char name[300];
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);
	long fd;

	EXPECT_TRUE(p);
	memset(name, 'n', sizeof(name));
	name[249] = '\0';
	fd = sys_memfd_create(name, 0);
	EXPECT_OK(fd);
	EXPECT_EQ(sys_close(fd), 0);
	name[249] = 'n';
	name[250] = '\0';
	EXPECT_ERRNO(sys_memfd_create(name, 0), -EINVAL);
	EXPECT_ERRNO(sys_memfd_create((const char *)1, 0), -EFAULT);
	EXPECT_ERRNO(sys_memfd_create((const char *)KERNEL_ADDR, 0), -EFAULT);
	EXPECT_ERRNO(sys_memfd_create(NULL, 0), -EFAULT);
	/* A name that ends on the last byte before an unmapped page. */
	EXPECT_OK(sys_munmap(p + PG, PG));
	memcpy((char *)(p + PG - 3), "ab", 3);
	fd = sys_memfd_create((const char *)(p + PG - 3), 0);
	EXPECT_OK(fd);
	EXPECT_EQ(sys_close(fd), 0);
	/* One whose NUL would be on the unmapped page. */
	memset((char *)(p + PG - 100), 'x', 100);
	EXPECT_ERRNO(sys_memfd_create((const char *)(p + PG - 100), 0), -EFAULT);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(flag_rules, "memfd_create's flags: unknown ones, MFD_EXEC with MFD_NOEXEC_SEAL, huge-page sizes without MFD_HUGETLB are EINVAL, checked before the name; MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_EXEC, MFD_NOEXEC_SEAL are taken; MFD_HUGETLB makes a hugetlbfs file on Linux, ENOSYS here")
{
	static const unsigned good[] = { MFD_CLOEXEC, MFD_ALLOW_SEALING,
					 MFD_CLOEXEC | MFD_ALLOW_SEALING, MFD_EXEC,
					 MFD_NOEXEC_SEAL };
	long fd;

	EXPECT_ERRNO(sys_memfd_create("f", 0x100), -EINVAL);
	EXPECT_ERRNO(sys_memfd_create("f", 0x80000000u), -EINVAL);
	EXPECT_ERRNO(sys_memfd_create("f", MFD_EXEC | MFD_NOEXEC_SEAL), -EINVAL);
	EXPECT_ERRNO(sys_memfd_create("f", 21u << MFD_HUGE_SHIFT), -EINVAL);
	EXPECT_ERRNO(sys_memfd_create((const char *)1, 0x100), -EINVAL);
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fd = sys_memfd_create("f", good[i]);
		EXPECT_OK(fd);
		EXPECT_EQ(sys_close(fd), 0);
	}
	EXPECT_ERRNO(sys_memfd_create((const char *)1, MFD_HUGETLB), -EFAULT);
	fd = sys_memfd_create("f", MFD_HUGETLB | (21u << MFD_HUGE_SHIFT));
	if (on_linux()) {
		EXPECT_OK(fd);
		EXPECT_EQ(sys_close(fd), 0);
	} else {
		EXPECT_ERRNO(fd, -ENOSYS);
	}
}

CASE(fd_limit, "with RLIMIT_NOFILE at 1024 (Linux's default; this kernel's fixed limit) the 1022nd memfd fails with EMFILE, after the name's EFAULT; closing one makes room")
{
	uint64_t rl[2];
	long fd, n = 0;

	if (syscall2(SYS_getrlimit, RLIMIT_NOFILE, rl) == 0) {
		rl[0] = FILES;
		EXPECT_EQ(syscall2(SYS_setrlimit, RLIMIT_NOFILE, rl), 0);
	}
	while ((fd = memfd()) >= 0)
		n++;
	EXPECT_ERRNO(fd, -EMFILE);
	EXPECT_EQ(n, FILES - 3);
	EXPECT_ERRNO(sys_memfd_create((const char *)1, 0), -EFAULT);
	EXPECT_EQ(sys_close(500), 0);
	EXPECT_EQ(memfd(), 500);
	for (fd = 3; fd < FILES; fd++)
		EXPECT_EQ(sys_close(fd), 0);
	EXPECT_EQ(memfd(), 3);
	EXPECT_EQ(sys_close(3), 0);
}

CASE(close_rules, "close of a closed, never opened or negative descriptor is EBADF; a second close of one is EBADF")
{
	long fd = memfd();

	EXPECT_OK(fd);
	EXPECT_EQ(sys_close(fd), 0);
	EXPECT_ERRNO(sys_close(fd), -EBADF);
	EXPECT_ERRNO(sys_close(-1), -EBADF);
	EXPECT_ERRNO(sys_close(999), -EBADF);
	EXPECT_ERRNO(sys_close(1 << 30), -EBADF);
}

CASE(ftruncate_rules, "ftruncate: a negative length is EINVAL before the descriptor is looked at; a closed descriptor EBADF; a non-file (a pipe, a terminal) EINVAL")
{
	long fd = memfd();

	EXPECT_OK(fd);
	EXPECT_ERRNO(sys_ftruncate(-5, -1), -EINVAL);
	EXPECT_ERRNO(sys_ftruncate(999, -1), -EINVAL);
	EXPECT_ERRNO(sys_ftruncate(999, 0), -EBADF);
	EXPECT_ERRNO(sys_ftruncate(-1, 0), -EBADF);
	EXPECT_ERRNO(sys_ftruncate(fd, -1), -EINVAL);
	EXPECT_ERRNO(sys_ftruncate(fd, (long)(1ul << 63)), -EINVAL);
	EXPECT_EQ(sys_ftruncate(fd, 3 * PG + 5), 0);
	EXPECT_EQ(sys_ftruncate(fd, 0), 0);
	/* Linux's stdout is a regular file where this runs (a log): only
	 * the testbed's console is known to be no file. */
	if (!on_linux())
		EXPECT_ERRNO(sys_ftruncate(1, 0), -EINVAL);
	EXPECT_EQ(sys_close(fd), 0);
	EXPECT_ERRNO(sys_ftruncate(fd, 0), -EBADF);
}

CASE(ftruncate_huge, "ftruncate to 1 TiB succeeds (sparse); past what a file can index it is EFBIG here (128 TiB), which Linux's shmem still takes (up to 2^63 - 1)")
{
	long fd = memfd();
	long r;

	EXPECT_OK(fd);
	EXPECT_EQ(sys_ftruncate(fd, 1l << 40), 0);
	r = sys_ftruncate(fd, 1l << 62);
	EXPECT_EQ(r, on_linux() ? 0 : -EFBIG);
	EXPECT_EQ(sys_close(fd), 0);
}

CASE(mmap_rules, "mmap of a descriptor: an unaligned offset is EINVAL first, then a bad descriptor EBADF (before the length), then for a memfd: length 0, no type, MAP_GROWSDOWN, MAP_HUGETLB, MAP_DROPPABLE EINVAL, an offset past the maximum EOVERFLOW, MAP_SHARED_VALIDATE with an unknown flag EOPNOTSUPP; the write-only stdout EACCES")
{
	long fd = memfd();
	uintptr_t p;

	EXPECT_OK(fd);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE, -1, 1), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE, fd, 1), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, 0, RW, MAP_PRIVATE, -1, 0), -EBADF);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, 0, 999, 0), -EBADF);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE | MAP_HUGETLB, 999, 0), -EBADF);
	EXPECT_ERRNO(sys_mmap(0, 0, RW, MAP_PRIVATE, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, 0, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED | MAP_GROWSDOWN, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE | MAP_HUGETLB, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_DROPPABLE, fd, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE, fd, -(long)PG), -EOVERFLOW);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, fd, 0),
		     -EOPNOTSUPP);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0), -EOPNOTSUPP);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED_VALIDATE | 0x80000000ul, fd, 0), -EOPNOTSUPP);
	p = map_fd(PG, RW, MAP_SHARED_VALIDATE | MAP_POPULATE | MAP_STACK | (21ul << 26), fd, 0);
	EXPECT_TRUE(p);
	EXPECT_VMAS(p, p + PG, { p, p + PG, RW, MAP_SHARED });
	EXPECT_OK(sys_munmap(p, PG));
	EXPECT_ERRNO(sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, 1, 0), -EACCES);
	EXPECT_ERRNO(sys_mmap(0, 0, PROT_READ, MAP_PRIVATE, 1, 0), -EINVAL);
	EXPECT_EQ(sys_close(fd), 0);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED, fd, 0), -EBADF);
}

CASE(mmap_anonymous_ignores_fd, "with MAP_ANONYMOUS the descriptor is ignored, a memfd's too")
{
	long fd = memfd();
	uintptr_t p;

	EXPECT_OK(fd);
	EXPECT_EQ(sys_ftruncate(fd, PG), 0);
	p = map_fd(PG, RW, MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	EXPECT_TRUE(p);
	set_word(p, 7);
	EXPECT_EQ(sys_close(fd), 0);
	EXPECT_EQ(word(p), 7);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(private_copy_on_write, "a MAP_PRIVATE mapping reads the file until it writes a page; its writes stay its own: a second shared mapping of the descriptor never sees them, and pages it never wrote keep following the file")
{
	uintptr_t s, s2, p;
	long fd = two_views(4 * PG, 4 * PG, &s, &p);

	EXPECT_OK(fd);
	EXPECT_TRUE(is_zero(p, 4 * PG));
	set_word(s, 0xa);
	EXPECT_EQ(word(p), 0xa);
	set_word(p, 0xb);
	EXPECT_EQ(word(p), 0xb);
	EXPECT_EQ(word(s), 0xa);
	s2 = map_fd(2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_TRUE(s2);
	EXPECT_EQ(word(s2), 0xa);
	/* Read, never written: still the file's page. */
	EXPECT_EQ(word(p + PG), 0);
	set_word(s + PG, 0xc);
	EXPECT_EQ(word(p + PG), 0xc);
	EXPECT_EQ(check_aspace(), 0);
	EXPECT_OK(sys_munmap(s2, 2 * PG));
	EXPECT_EQ(drop_views(fd, 4 * PG, s, p), 0);
}

CASE(shared_see_each_other, "two MAP_SHARED mappings of one memfd, at different offsets, see each other's writes at once")
{
	uintptr_t a, b;
	long fd = memfd_mapped(8 * PG, 8 * PG, MAP_SHARED, &a);

	EXPECT_OK(fd);
	b = map_fd(4 * PG, RW, MAP_SHARED, fd, 2 * PG);
	EXPECT_TRUE(b);
	fill_pattern(a + 2 * PG, 4 * PG, 11);
	EXPECT_TRUE(has_pattern(b, 4 * PG, 11));
	fill_pattern(b + PG, PG, 12);
	EXPECT_TRUE(has_pattern(a + 3 * PG, PG, 12));
	EXPECT_OK(sys_munmap(a, 8 * PG));
	EXPECT_OK(sys_munmap(b, 4 * PG));
	EXPECT_EQ(sys_close(fd), 0);
}

CASE(data_outlives_mappings_and_fd, "a memfd keeps its data after munmap (a new mapping finds it), and a mapping keeps the file after close")
{
	uintptr_t p;
	long fd = memfd_mapped(4 * PG, 4 * PG, MAP_SHARED, &p);

	EXPECT_OK(fd);
	fill_pattern(p, 4 * PG, 21);
	EXPECT_OK(sys_munmap(p, 4 * PG));
	p = map_fd(4 * PG, RW, MAP_PRIVATE, fd, 0);
	EXPECT_TRUE(p);
	EXPECT_TRUE(has_pattern(p, 4 * PG, 21));
	EXPECT_OK(sys_munmap(p, 4 * PG));
	p = map_fd(4 * PG, RW, MAP_SHARED, fd, 0);
	EXPECT_TRUE(p);
	EXPECT_EQ(sys_close(fd), 0);
	EXPECT_TRUE(has_pattern(p, 4 * PG, 21));
	fill_pattern(p, 4 * PG, 22);
	EXPECT_TRUE(has_pattern(p, 4 * PG, 22));
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(grow_reads_zeros, "ftruncate that grows a memfd adds pages that read as zeros; the old ones keep their data; a mapping may reach past the end")
{
	uintptr_t p;
	long fd = memfd_mapped(PG, 4 * PG, MAP_SHARED, &p);

	EXPECT_OK(fd);
	fill_pattern(p, PG, 31);
	EXPECT_EQ(sys_ftruncate(fd, 4 * PG), 0);
	EXPECT_TRUE(has_pattern(p, PG, 31));
	EXPECT_TRUE(is_zero(p + PG, 3 * PG));
	EXPECT_EQ(check_aspace(), 0);
	EXPECT_OK(sys_munmap(p, 4 * PG));
	EXPECT_EQ(sys_close(fd), 0);
}

CASE(shrink_drops_pages, "ftruncate that shrinks a memfd frees the pages past the end: grown again, they read as zeros in shared and private mappings alike (a private copy goes too); the tail of a partial last page is zeroed")
{
	uintptr_t s, p;
	long fd = two_views(4 * PG, 4 * PG, &s, &p);

	EXPECT_OK(fd);
	fill_pattern(s, 4 * PG, 41);
	memset((void *)(s + PG), 0x5a, PG);
	set_word(p + 3 * PG, 0x77);
	EXPECT_EQ(word(p + 2 * PG), word(s + 2 * PG));
	EXPECT_EQ(sys_ftruncate(fd, PG + 100), 0);
	EXPECT_EQ(check_aspace(), 0);
	EXPECT_EQ(page_resident(s + 2 * PG), 0);
	EXPECT_EQ(page_resident(s + 3 * PG), 0);
	EXPECT_TRUE(has_pattern(s, PG, 41));
	EXPECT_EQ(bytes_equal_to(s + PG, 100, 0x5a), 100);
	EXPECT_EQ(bytes_equal_to(s + PG + 100, PG - 100, 0), PG - 100);
	EXPECT_EQ(sys_ftruncate(fd, 4 * PG), 0);
	EXPECT_TRUE(is_zero(s + 2 * PG, 2 * PG));
	EXPECT_TRUE(is_zero(p + 2 * PG, 2 * PG));
	EXPECT_TRUE(has_pattern(s, PG, 41));
	EXPECT_EQ(check_aspace(), 0);
	EXPECT_EQ(drop_views(fd, 4 * PG, s, p), 0);
}

CASE(past_eof_copies_fail, "a page wholly past a memfd's end makes MADV_POPULATE_READ/WRITE and a write(2) from it fail with EFAULT (a fault there is SIGBUS)")
{
	uintptr_t s, p;
	long fd = two_views(PG + 1, 4 * PG, &s, &p);

	EXPECT_OK(fd);
	EXPECT_EQ(sys_madvise(s, 2 * PG, MADV_POPULATE_WRITE), 0);
	EXPECT_ERRNO(sys_madvise(s, 4 * PG, MADV_POPULATE_READ), -EFAULT);
	EXPECT_ERRNO(sys_madvise(s, 3 * PG, MADV_POPULATE_WRITE), -EFAULT);
	EXPECT_ERRNO(sys_madvise(p, 3 * PG, MADV_POPULATE_READ), -EFAULT);
	EXPECT_ERRNO(sys_write(1, (const void *)(s + 2 * PG), 8), -EFAULT);
	EXPECT_ERRNO(sys_write(1, (const void *)(p + 3 * PG), 8), -EFAULT);
	EXPECT_EQ(drop_views(fd, 4 * PG, s, p), 0);
}

CASE(dontneed_private, "will-it-scale tlb_flush1: in a 128 MiB MAP_PRIVATE mapping of a memfd, a written page after MADV_DONTNEED reads the file's contents again (0), not what was written")
{
	EXPECT_EQ(wis_dontneed(MAP_PRIVATE), 0);
}

CASE(dontneed_shared, "will-it-scale tlb_flush3: in a 128 MiB MAP_SHARED mapping of a memfd, a written page after MADV_DONTNEED reads back what was written (1)")
{
	EXPECT_EQ(wis_dontneed(MAP_SHARED), WIS_SIZE / WIS_STEP);
}

CASE(dontneed_private_keeps_file, "MADV_DONTNEED on a private mapping brings back what the file holds now, written through a shared one")
{
	uintptr_t s, p;
	long fd = two_views(2 * PG, 2 * PG, &s, &p);

	EXPECT_OK(fd);
	set_word(p, 5);
	set_word(s, 6);
	EXPECT_EQ(word(p), 5);
	EXPECT_EQ(sys_madvise(p, 2 * PG, MADV_DONTNEED), 0);
	EXPECT_EQ(word(p), 6);
	EXPECT_EQ(drop_views(fd, 2 * PG, s, p), 0);
}

CASE(remove_punches_hole, "MADV_REMOVE on a shared mapping of a memfd frees its pages: every mapping reads zeros there, except a private copy, which keeps what it wrote; the size stays")
{
	uintptr_t s, p;
	long fd = two_views(3 * PG, 3 * PG, &s, &p);

	EXPECT_OK(fd);
	fill_pattern(s, 2 * PG, 51);
	fill_pattern(s + 2 * PG, PG, 52);
	set_word(p, 9);
	EXPECT_EQ(word(p + PG), word(s + PG));
	EXPECT_ERRNO(sys_madvise(p, PG, MADV_REMOVE), -EACCES);
	EXPECT_EQ(sys_madvise(s, 2 * PG, MADV_REMOVE), 0);
	EXPECT_TRUE(is_zero(s, 2 * PG));
	EXPECT_TRUE(has_pattern(s + 2 * PG, PG, 52));
	EXPECT_EQ(word(p), 9);
	EXPECT_TRUE(is_zero(p + PG, PG));
	EXPECT_EQ(check_aspace(), 0);
	EXPECT_EQ(drop_views(fd, 3 * PG, s, p), 0);
}

static long shared_fd;
static uintptr_t shared_map;
static int thread_failures;

/* Each thread makes and closes memfds of its own while it writes its page
 * of the shared mapping. */
static void memfd_worker(int id, int n, void *arg)
{
	(void)arg;
	(void)n;
	for (int i = 0; i < 20; i++) {
		long fd = memfd();

		if (fd < 3 || fd == shared_fd || sys_close(fd) != 0)
			__atomic_add_fetch(&thread_failures, 1, __ATOMIC_RELAXED);
		set_word(shared_map + (uintptr_t)id * PG, (uint64_t)(id + 1) * 1000 + (uint64_t)i);
	}
	team_wait();
	if (sys_ftruncate(shared_fd, THREADS_MAX * PG) != 0)
		__atomic_add_fetch(&thread_failures, 1, __ATOMIC_RELAXED);
}

CASE(threads_share_table, "threads share the descriptor table: each one's memfds are distinct from the others' and from the file they all map, ftruncate on a descriptor the main thread opened works in any thread")
{
	int n;

	shared_fd = memfd_mapped(THREADS_MAX * PG, THREADS_MAX * PG, MAP_SHARED, &shared_map);
	EXPECT_OK(shared_fd);
	n = run_threads(team_size(0, NULL), memfd_worker, NULL);
	EXPECT_EQ(thread_failures, 0);
	for (int id = 0; id < n; id++)
		EXPECT_EQ(word(shared_map + (uintptr_t)id * PG), (uint64_t)(id + 1) * 1000 + 19);
	EXPECT_EQ(memfd(), shared_fd + 1);
	EXPECT_EQ(sys_close(shared_fd + 1), 0);
	EXPECT_OK(sys_munmap(shared_map, THREADS_MAX * PG));
	EXPECT_EQ(sys_close(shared_fd), 0);
}

CASE(close_console, "close(2) closes the console's stderr: writing there is EBADF afterwards (run last: Linux would hand out 2 again)")
{
	EXPECT_EQ(sys_close(2), 0);
	EXPECT_ERRNO(sys_write(2, "x", 1), -EBADF);
	EXPECT_ERRNO(sys_close(2), -EBADF);
}

int main(int argc, char **argv)
{
	/* On Linux a descriptor the program inherited (from the shell that
	 * ran it) would shift every number: it starts with 0-2 alone, as on
	 * the testbed. */
	for (int fd = 3; fd < FILES; fd++)
		sys_close(fd);
	return run_cases(argc, argv);
}
