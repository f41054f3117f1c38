/*
 * thread.h - threads of one process over Linux's raw clone(), a spin
 * barrier, and run_threads, which runs a function on one thread per CPU.
 *
 * A thread is created with CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|
 * CLONE_THREAD|CLONE_SYSVSEM (a thread as pthreads makes one) plus
 * CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID on struct thread's tid: the
 * kernel stores the new tid there before the child runs and 0 when the
 * thread has ended, which is what thread_join waits for. (The kernel
 * also futex-wakes that word, as Linux does; spinning does not need it.)
 * No TLS, no signals.
 *
 * On the testbed kernel each CPU runs at most one thread, so clone fails
 * with -EAGAIN when every CPU of the process is taken; on Linux the
 * threads share the CPUs, so every wait loop yields (cpu_relax).
 */
#ifndef USER_THREAD_H
#define USER_THREAD_H

#include "ulib.h"

#define THREADS_MAX 64

struct thread {
	int tid; /* > 0 while the thread lives, 0 once it has ended */
};

/* Starts fn(arg) on a new thread with the stack [stack, stack + size)
 * (16-byte aligned top); the thread exits when fn returns. The tid, or
 * -errno from clone. */
long thread_create(struct thread *t, void (*fn)(void *), void *arg, void *stack,
		   size_t stack_size);

/* Waits until t has ended; its stack may be reused afterwards. */
void thread_join(struct thread *t);

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
	sys_sched_yield();
}

/* Sense-reversing barrier for n threads; reusable. */
struct barrier {
	unsigned n, count, gen;
};

void barrier_init(struct barrier *b, unsigned n);
void barrier_wait(struct barrier *b);

/* How many threads a multi-threaded test should run: argv[1] if given,
 * else one per CPU of the process (tb_ncpus), else (Linux) 4; at most
 * THREADS_MAX. */
int team_size(int argc, char **argv);

/* Runs fn(id, n, arg) on n threads, the caller being id 0, and returns n
 * once they all returned. n is `want`, or fewer when clone says -EAGAIN
 * (no free CPU); every thread starts fn only once all n exist, so n is
 * known to each. Stacks come from mmap and go back with munmap. */
int run_threads(int want, void (*fn)(int id, int n, void *arg), void *arg);

/* A barrier of the n threads of the running run_threads. */
void team_wait(void);

#endif
