/*
 * race.c - the write-while-revoking race of race.h.
 *
 * Thread i writes an increasing counter into its own 8-byte slot of every
 * page of the region, so every page is in every CPU's TLB. Thread 0 also
 * writes until all others have written at least once, then announces the
 * fault, revokes and publishes `revoked`. Each thread stops at the first
 * `revoked` it sees; its last write before that completed before the
 * revoking call returned (or faulted and ended the process).
 */
#include "race.h"
#include "utest.h"

#define REGION_LEN (RACE_PAGES * PAGE_SIZE)

static struct {
	const struct race_ops *ops;
	uintptr_t region;
	int started, revoked, failed;
} race;

static uintptr_t slot_of(int id, unsigned page)
{
	return race.region + page * PAGE_SIZE + (uintptr_t)id * 8;
}

/* Writes value i at slot_of(id, i % RACE_PAGES) for i = 0, 1, ... until
 * `revoked` (thread 0: until every thread has started); returns the last
 * i written. */
static uint64_t write_loop(int id, int n)
{
	uint64_t i = 0;

	for (;;) {
		*(volatile uint64_t *)slot_of(id, i % RACE_PAGES) = i;
		if (i++ == 0)
			__atomic_add_fetch(&race.started, 1, __ATOMIC_RELEASE);
		if (id == 0 && __atomic_load_n(&race.started, __ATOMIC_ACQUIRE) == n)
			return i - 1;
		if (id != 0 && __atomic_load_n(&race.revoked, __ATOMIC_ACQUIRE))
			return i - 1;
	}
}

static void racer(int id, int n, void *arg)
{
	uint64_t last = write_loop(id, n);
	uintptr_t slot = slot_of(id, last % RACE_PAGES);

	(void)arg;
	if (id == 0) {
		long r;

		printf("%s race: %d threads writing\n", race.ops->what, n);
		expect_fault(race.region, race.region + REGION_LEN, TB_ACCESS_WRITE);
		r = race.ops->revoke(race.region, REGION_LEN);
		if (r != 0) {
			printf("FAIL %s = %ld (%s)\n", race.ops->what, r, errno_name(-r));
			exit(1);
		}
		__atomic_store_n(&race.revoked, 1, __ATOMIC_RELEASE);
	}
	for (unsigned page = 0; page < RACE_PAGES; page++) {
		if (kernel_can_write(slot_of(id, page))) {
			printf("FAIL thread %d: page %u still writable after %s returned\n", id,
			       page, race.ops->what);
			__atomic_store_n(&race.failed, 1, __ATOMIC_RELAXED);
		}
	}
	if (!race.ops->check_after(race.region, slot, last)) {
		printf("FAIL thread %d: wrong view of the region after %s\n", id, race.ops->what);
		__atomic_store_n(&race.failed, 1, __ATOMIC_RELAXED);
	}
	team_wait();
	if (__atomic_load_n(&race.failed, __ATOMIC_RELAXED)) {
		if (id == 0)
			exit(1);
		return;
	}
	*(volatile uint64_t *)slot = last + 1;
	printf("FAIL thread %d: a write after %s returned did not fault\n", id, race.ops->what);
	exit(1);
}

int race_run(int argc, char **argv, const struct race_ops *ops)
{
	long r = sys_mmap(0, REGION_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);

	if (SYS_IS_ERR(r)) {
		printf("FAIL mmap = %ld (%s)\n", r, errno_name(-r));
		return 1;
	}
	race.ops = ops;
	race.region = (uintptr_t)r;
	run_threads(team_size(argc, argv), racer, 0);
	return 1; /* not reached: the process exits or dies in racer */
}
