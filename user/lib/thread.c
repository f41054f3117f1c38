/*
 * thread.c - thread_create/thread_join over clone (the child's side is in
 * thread_start.S), the spin barrier, and run_threads. See thread.h.
 */
#include "thread.h"

#define CLONE_THREAD_FLAGS                                                              \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

#define STACK_SIZE (64 * 1024ul)

long thread_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
		  void (*fn)(void *), void *arg);

long thread_create(struct thread *t, void (*fn)(void *), void *arg, void *stack,
		   size_t stack_size)
{
	void *top = (void *)(((uintptr_t)stack + stack_size) & ~(uintptr_t)15);
	long r;

	t->tid = -1;
	r = thread_clone(CLONE_THREAD_FLAGS, top, &t->tid, &t->tid, fn, arg);
	if (r < 0)
		t->tid = 0;
	return r;
}

void thread_join(struct thread *t)
{
	while (__atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) != 0)
		cpu_relax();
}

void barrier_init(struct barrier *b, unsigned n)
{
	b->n = n;
	b->count = 0;
	b->gen = 0;
}

void barrier_wait(struct barrier *b)
{
	unsigned gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen)
		cpu_relax();
}

int team_size(int argc, char **argv)
{
	uint64_t n = 4;
	long cpus = tb_ncpus();

	if (argc > 1 && !parse_u64(argv[1], &n)) {
		printf("error: '%s' is not a thread count\n", argv[1]);
		exit(2);
	} else if (argc <= 1 && cpus > 0) {
		n = (uint64_t)cpus;
	}
	return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

static struct team {
	void (*fn)(int id, int n, void *arg);
	void *arg;
	int n; /* published (release) once every thread exists; 0 before */
	struct barrier barrier; /* for n threads, set up before n is published */
	struct member {
		struct thread t;
		int id;
		uintptr_t stack;
	} member[THREADS_MAX];
} team;

static void member_main(void *p)
{
	struct member *m = p;
	int n;

	while (!(n = __atomic_load_n(&team.n, __ATOMIC_ACQUIRE)))
		cpu_relax();
	team.fn(m->id, n, team.arg);
}

void team_wait(void)
{
	barrier_wait(&team.barrier);
}

int run_threads(int want, void (*fn)(int id, int n, void *arg), void *arg)
{
	int n = 1;

	team.fn = fn;
	team.arg = arg;
	__atomic_store_n(&team.n, 0, __ATOMIC_RELAXED);
	for (; n < want && n < THREADS_MAX; n++) {
		struct member *m = &team.member[n];
		long r = sys_mmap(0, STACK_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (SYS_IS_ERR(r)) {
			printf("error: thread stack: mmap = %ld (%s)\n", r, errno_name(-r));
			exit(2);
		}
		m->id = n;
		m->stack = (uintptr_t)r;
		r = thread_create(&m->t, member_main, m, (void *)m->stack, STACK_SIZE);
		if (r == -EAGAIN) { /* every CPU has a thread */
			sys_munmap(m->stack, STACK_SIZE);
			break;
		}
		if (r < 0) {
			printf("error: clone = %ld (%s)\n", r, errno_name(-r));
			exit(2);
		}
	}
	barrier_init(&team.barrier, (unsigned)n);
	__atomic_store_n(&team.n, n, __ATOMIC_RELEASE);
	fn(0, n, arg);
	for (int i = 1; i < n; i++) {
		thread_join(&team.member[i].t);
		sys_munmap(team.member[i].stack, STACK_SIZE);
	}
	return n;
}
