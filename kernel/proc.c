/*
 * User processes without a scheduler.
 *
 * A process is one program in one address space (<mm/aspace.h>) running on
 * a fixed set of CPUs, at most one thread per CPU, each thread pinned to
 * its CPU from its start to its end. proc_run loads the program, gives the
 * main thread to the first CPU of the set and runs proc_cpu_main on every
 * CPU of the set through on_cpus. There each CPU loops: take the thread
 * handed to it (proc_cpu.next), run it until it ends, and in between wait
 * with sti;hlt for an IPI (VECTOR_IPI_PROC) that brings a thread from
 * clone() or says that the process is over. When the last thread has
 * ended every CPU leaves the loop, on_cpus returns, and proc_run tears the
 * address space down. The process's descriptor table (kernel/fd.c) lives
 * as long: made before the program loads, shared by every thread, and
 * destroyed with the files it holds once the last thread has ended,
 * however it ended (exit, exit_group, a kill).
 *
 * Running a thread (thread_run): switch to the address space's mapper,
 * save the CPU's kernel context (kctx_save, a setjmp) and enter ring 3.
 * However the thread ends -- exit, exit_group, a fatal fault, or being
 * stopped because another thread ended the process -- it ends by
 * kctx_restore of that context: from a syscall, from deep in a trap
 * handler, or from the return-to-user path, the trap stack below is simply
 * abandoned (it holds no locks: nothing that can end a thread runs with a
 * lock held). Back in thread_run the CPU switches to the kernel mapper and
 * is free for the next thread.
 *
 * Stopping the other threads (exit_group, kill): the process is marked
 * ending, each of its other CPUs gets user_work set and an IPI. A thread
 * in ring 3 takes the interrupt and, on its way back, sees user_work and
 * ends; one in a syscall ends at the syscall's return; one waiting in a
 * lock finishes its syscall first. A CPU without a thread just wakes up.
 *
 * Locking. proc->lock (a spinlock, taken with interrupts off) guards the
 * thread bookkeeping: live, ending, the exit status, the result, and every
 * proc_cpu.busy of the process; clone picks a CPU that is not busy under
 * it. thread_run checks `ending` under it before it enters ring 3, and
 * exit_group sets `ending` under it before it sets any user_work, so a
 * thread either sees ending and never starts, or gets its user_work after
 * it started. user_work is cleared only by its CPU, before that CPU takes
 * the lock to mark itself not busy. proc_cpu.next is handed over with an
 * atomic exchange; proc_cpu.running and .ctx belong to their CPU.
 * proc_run writes the slots before on_cpus, which publishes them.
 *
 * on_cpus' call_lock is held for the whole run: nothing a thread does may
 * call on_cpus or env_call_on_each_cpu (it would wait for the lock
 * forever). In mm/, only kmem_cache_shrink, kmem_cache_destroy and
 * slab_shrink_all do (their per-CPU drains); the page allocator's slow
 * path (slab_reclaim, frame_drain_all) does not. So the syscall layer and
 * mm/aspace must never shrink or destroy a slab cache. The report callback
 * (tb_report) is under the same rule.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <arch/irqflags.h>
#include <arch/paging.h>
#include <arch/trapframe.h>
#include <arch/usermode.h>
#include <arch/x86.h>
#include <kernel/fault_progress.h>
#include <kernel/fd.h>
#include <kernel/futex.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <uapi/linux_abi.h>
#include <uapi/testbed.h>
#include <mm/aspace.h>
#include <mm/mapper.h>

#define CSIGNAL              0x000000ffull /* exit signal: ignored for threads */

#define CLONE_REQUIRED (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)
#define CLONE_ACCEPTED (CLONE_REQUIRED | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS | \
			CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | \
			CLONE_DETACHED | CSIGNAL)

#define USER_RFLAGS_START 0x202ull /* IF, and the always-one bit */

struct proc;

struct thread {
	struct proc *proc;
	int tid;
	uint64_t clear_child_tid; /* CLONE_CHILD_CLEARTID or set_tid_address: user
				     address, or 0 */
	uint64_t fs_base;	/* the TLS base: CLONE_SETTLS or arch_prctl */
	uint64_t gs_base;	/* arch_prctl(ARCH_SET_GS) */
	uint64_t sigmask;	/* rt_sigprocmask's blocked set (no signal is ever
				   delivered: kept only to be read back) */
	struct trapframe regs;	  /* user registers it starts with */
	struct fault_progress progress; /* its CPU's only, as the thread is */
};

struct proc {
	const char *name;
	struct aspace *as;
	struct fd_table *files;	/* its descriptors, shared by its threads */
	cpumask_t cpus;
	unsigned ncpus;
	int pid;
	struct proc_result *res;
	spinlock_t lock;	/* guards the fields below and res */
	unsigned live;		/* threads handed to a CPU and not yet ended;
				   also read without the lock (atomically) */
	bool ending;		/* exit_group or a kill: no new thread, all stop */
};

/* A CPU's part in the process it serves. */
struct proc_cpu {
	_Atomic(struct thread *) next; /* handed over by proc_run or clone */
	bool busy;		/* next or running is set; under proc->lock */
	struct thread *running;	/* this CPU's only */
	struct kctx ctx;	/* where the running thread's end resumes */
} __aligned(64);

static struct proc_cpu proc_cpus[MAX_CPUS];
static atomic_int next_pid = 1;

static struct proc_cpu *this_proc_cpu(void)
{
	return &proc_cpus[this_cpu_id()];
}

static struct thread *current_thread(void)
{
	return this_proc_cpu()->running;
}

struct aspace *proc_current_aspace(void)
{
	struct thread *t = current_thread();
	return t ? t->proc->as : NULL;
}

struct fd_table *proc_current_files(void)
{
	return current_thread()->proc->files;
}

struct fault_progress *proc_fault_progress(void)
{
	return &current_thread()->progress;
}

const struct user_program *user_program_find(const char *name)
{
	for (uint64_t i = 0; i < user_programs_count; i++)
		if (strcmp(user_programs[i].name, name) == 0)
			return &user_programs[i];
	return NULL;
}

static void ipi_proc(struct trapframe *tf)
{
	(void)tf; /* the wake-up, and the return path's user_work check, are the point */
}

void proc_init(void)
{
	BUG_ON(irq_register(VECTOR_IPI_PROC, ipi_proc) != 0);
}

/* ---- Ending threads and processes ---- */

/* Every other CPU of p: stop your thread, or wake up. */
static void stop_others(struct proc *p)
{
	unsigned me = this_cpu_id();

	for_each_cpu_in(cpu, &p->cpus) {
		if (cpu == me)
			continue;
		user_work_set(cpu);
		ipi_send(cpu, VECTOR_IPI_PROC);
	}
}

static void wake_all(struct proc *p)
{
	unsigned me = this_cpu_id();

	for_each_cpu_in(cpu, &p->cpus)
		if (cpu != me)
			ipi_send(cpu, VECTOR_IPI_PROC);
}

void proc_thread_stop(void)
{
	cli();
	kctx_restore(&this_proc_cpu()->ctx);
}

void proc_exit(int status)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	irqflags_t f;

	if (t->clear_child_tid) {
		int zero = 0;
		/* As Linux: errors ignored, the waiter (pthread_join) woken. */
		(void)copy_to_user(t->clear_child_tid, &zero, sizeof(zero));
		futex_wake(p->as, t->clear_child_tid, 1);
	}
	f = spin_lock_irqsave(&p->lock);
	if (t->tid == p->pid && !p->ending)
		p->res->status = status & 0xff; /* the leader's status, as wait() reports */
	spin_unlock_irqrestore(&p->lock, f);
	proc_thread_stop();
}

void proc_exit_group(int status)
{
	struct proc *p = current_thread()->proc;
	irqflags_t f = spin_lock_irqsave(&p->lock);

	if (!p->ending) {
		p->ending = true;
		p->res->status = status & 0xff;
	}
	spin_unlock_irqrestore(&p->lock, f);
	stop_others(p);
	proc_thread_stop();
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	default: return "SIGSEGV";
	}
}

static void print_kill(const struct proc *p, const struct proc_fault *k)
{
	const char *access = (k->access & TB_ACCESS_EXEC)    ? "exec"
			     : (k->access & TB_ACCESS_WRITE) ? "write"
							     : "read";
	const char *cause = k->cause == -EACCES	  ? "permission"
			    : k->cause == -ENOMEM ? "out of memory"
			    : k->cause == -ENXIO  ? "past the end of the file"
						  : "no mapping";

	if (k->resolved)
		kprintf("user: %s tid %d killed by %s: the %s fault at %#lx from ip %#lx was "
			"resolved %u times without a change (error code %#lx)\n",
			p->name, (int)k->tid, signal_name(k->signal), access,
			(unsigned long)k->addr, (unsigned long)k->ip, k->resolved,
			(unsigned long)k->error);
	else if (k->what)
		kprintf("user: %s tid %d killed by %s: %s, error code %#lx, ip %#lx\n", p->name,
			(int)k->tid, signal_name(k->signal), k->what, (unsigned long)k->error,
			(unsigned long)k->ip);
	else
		kprintf("user: %s tid %d killed by %s: %s at %#lx, ip %#lx, %s\n", p->name,
			(int)k->tid, signal_name(k->signal), access, (unsigned long)k->addr,
			(unsigned long)k->ip, cause);
}

void proc_kill_current(struct proc_fault *k)
{
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	irqflags_t f;

	k->tid = (unsigned)t->tid;
	k->cpu = this_cpu_id();
	print_kill(p, k);
	f = spin_lock_irqsave(&p->lock);
	if (!p->res->killed) {
		p->res->killed = true;
		p->res->kill = *k;
	}
	p->ending = true;
	spin_unlock_irqrestore(&p->lock, f);
	stop_others(p);
	proc_thread_stop();
}

/* ---- Threads on their CPU ---- */

/* Not busy any more; the last thread of the process wakes every CPU. */
static void thread_end(struct proc *p, struct proc_cpu *pc)
{
	irqflags_t f = spin_lock_irqsave(&p->lock);
	bool last = p->live == 1;

	__atomic_store_n(&p->live, p->live - 1, __ATOMIC_RELEASE);
	pc->busy = false;
	spin_unlock_irqrestore(&p->lock, f);
	if (last)
		wake_all(p);
}

/* Interrupts off. Returns when the thread has ended, interrupts off. */
static void thread_run(struct proc_cpu *pc, struct thread *t)
{
	struct proc *p = t->proc;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	bool go = !p->ending;

	spin_unlock_irqrestore(&p->lock, f);
	if (go) {
		pc->running = t;
		mapper_switch(kernel_mapper(), aspace_mapper(p->as));
		if (kctx_save(&pc->ctx) == 0)
			user_enter(&t->regs, t->fs_base, t->gs_base);
		mapper_switch(aspace_mapper(p->as), kernel_mapper());
		pc->running = NULL;
	}
	user_work_clear(this_cpu_id());
	thread_end(p, pc);
	kfree(t);
}

static void proc_cpu_main(void *arg)
{
	struct proc *p = arg;
	struct proc_cpu *pc = this_proc_cpu();
	irqflags_t f = irq_save();

	for (;;) {
		cli();
		struct thread *t = atomic_exchange(&pc->next, NULL);
		if (t) {
			thread_run(pc, t);
			continue;
		}
		if (__atomic_load_n(&p->live, __ATOMIC_ACQUIRE) == 0)
			break;
		sti_hlt();
	}
	irq_restore(f);
}

/* ---- clone ---- */

static long clone_check_flags(uint64_t flags)
{
	/* Linux's consistency rules first (copy_process), then ours: only
	 * threads of this process, nothing else. */
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_REQUIRED) != CLONE_REQUIRED || (flags & ~CLONE_ACCEPTED))
		return -EINVAL;
	return 0;
}

/* A CPU of p without a thread, not this one; -1 if none. Under p->lock. */
static int free_cpu(struct proc *p)
{
	unsigned me = this_cpu_id();

	for_each_cpu_in(cpu, &p->cpus)
		if (cpu != me && !proc_cpus[cpu].busy)
			return (int)cpu;
	return -1;
}

long proc_clone(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
		uint64_t tls)
{
	struct thread *self = current_thread();
	struct proc *p = self->proc;
	struct thread *t;
	irqflags_t f;
	long rc = clone_check_flags(flags);
	int cpu;

	if (rc)
		return rc;
	if ((flags & CLONE_SETTLS) && tls >= USER_HI)
		return -EPERM; /* Linux: a TLS base the kernel would not load */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->proc = p;
	t->regs = *user_frame();
	t->regs.rax = 0; /* the child's return value */
	if (stack)
		t->regs.rsp = stack;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
	t->gs_base = self->gs_base;
	t->sigmask = self->sigmask;
	t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;

	f = spin_lock_irqsave(&p->lock);
	cpu = p->ending ? -1 : free_cpu(p);
	if (cpu >= 0) {
		proc_cpus[cpu].busy = true;
		__atomic_store_n(&p->live, p->live + 1, __ATOMIC_RELAXED);
		p->res->threads++;
		t->tid = atomic_fetch_add(&next_pid, 1);
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (cpu < 0) {
		kfree(t);
		return -EAGAIN;
	}
	/* Both before the child runs; as Linux, a bad address is ignored. */
	if (flags & CLONE_PARENT_SETTID)
		(void)copy_to_user(parent_tid, &t->tid, sizeof(t->tid));
	if (flags & CLONE_CHILD_SETTID)
		(void)copy_to_user(child_tid, &t->tid, sizeof(t->tid));
	rc = t->tid;
	atomic_store(&proc_cpus[cpu].next, t);
	ipi_send((unsigned)cpu, VECTOR_IPI_PROC);
	return rc;
}

/* ---- Small syscalls ---- */

int proc_getpid(void)
{
	return current_thread()->proc->pid;
}

int proc_gettid(void)
{
	return current_thread()->tid;
}

unsigned proc_ncpus(void)
{
	return current_thread()->proc->ncpus;
}

int proc_set_tid_address(uint64_t tidptr)
{
	struct thread *t = current_thread();

	t->clear_child_tid = tidptr;
	return t->tid;
}

uint64_t proc_seg_base(bool gs)
{
	struct thread *t = current_thread();

	return gs ? t->gs_base : t->fs_base;
}

void proc_set_seg_base(bool gs, uint64_t base)
{
	struct thread *t = current_thread();

	if (gs) {
		t->gs_base = base;
		user_set_gs_base(base);
	} else {
		t->fs_base = base;
		user_set_fs_base(base);
	}
}

uint64_t *proc_sigmask(void)
{
	return &current_thread()->sigmask;
}

/* Threads of one process may write at once: each chunk is printed whole,
 * and p->lock keeps the copy's order the console's. */
void proc_console_write(const char *buf, size_t n)
{
	struct proc *p = current_thread()->proc;
	struct proc_result *res = p->res;
	irqflags_t f = spin_lock_irqsave(&p->lock);

	kprintf("%.*s", (int)n, buf);
	if (res->out && res->out_len < res->out_size) {
		size_t room = res->out_size - res->out_len;
		memcpy(res->out + res->out_len, buf, n < room ? n : room);
		res->out_len += n < room ? n : room;
	}
	spin_unlock_irqrestore(&p->lock, f);
}

long proc_expect_fault(uint64_t lo, uint64_t hi, uint64_t access)
{
	struct proc *p = current_thread()->proc;
	irqflags_t f;

	if (lo >= hi || (access & ~(uint64_t)(TB_ACCESS_WRITE | TB_ACCESS_EXEC)))
		return -EINVAL;
	f = spin_lock_irqsave(&p->lock);
	p->res->expected = true;
	p->res->expect = (struct proc_expect){SIGSEGV, true, lo, hi, (unsigned)access};
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

/* sig: one of the signals a kill reports (proc_kill_current's callers),
 * or 0, which withdraws an announcement of either kind. */
long proc_expect_signal(uint64_t sig)
{
	struct proc *p = current_thread()->proc;
	irqflags_t f;

	switch (sig) {
	case 0: case SIGILL: case SIGTRAP: case SIGBUS: case SIGFPE: case SIGKILL: case SIGSEGV:
		break;
	default:
		return -EINVAL;
	}
	f = spin_lock_irqsave(&p->lock);
	p->res->expected = sig != 0;
	p->res->expect = (struct proc_expect){.signal = (int)sig};
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

long proc_report(uint64_t kind, uintptr_t ubuf, size_t len)
{
	struct proc_result *res = current_thread()->proc->res;
	void *buf;
	long rc;

	if (!res->report)
		return -ENOSYS;
	if (len > TB_REPORT_MAX)
		return -EINVAL;
	buf = kmalloc(len ? len : 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rc = copy_from_user(buf, ubuf, len);
	if (rc == 0)
		res->report(res->report_ctx, this_cpu_id(), kind, buf, len);
	kfree(buf);
	return rc;
}

bool proc_result_ok(const struct proc_result *res)
{
	const struct proc_fault *k = &res->kill;

	if (!res->expected)
		return !res->killed && res->status == 0;
	if (!res->killed || k->signal != res->expect.signal)
		return false;
	return !res->expect.page_fault || (!k->what && k->addr >= res->expect.lo &&
					   k->addr < res->expect.hi &&
					   k->access == res->expect.access);
}

/* ---- proc_run ---- */

static int first_cpu(const cpumask_t *m)
{
	for_each_cpu_in(cpu, m)
		return (int)cpu;
	return -1;
}

static bool cpus_ok(const cpumask_t *cpus)
{
	for_each_cpu_in(cpu, cpus)
		if (!cpumask_test(&cpu_online_mask, cpu))
			return false;
	return first_cpu(cpus) >= 0;
}

static int proc_load(struct proc *p, const struct user_program *prog, const char *arg,
		     struct thread **main)
{
	const struct aspace_layout layout = ASPACE_LAYOUT_DEFAULT(kernel_mapper());
	struct thread *t;
	uint64_t entry, sp;
	int rc;

	if (aspace_create(&layout, &p->as))
		return -ENOMEM;
	rc = elf_load(p->as, prog, arg, &entry, &sp);
	if (rc)
		return rc;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->proc = p;
	t->tid = p->pid;
	t->regs.rip = entry;
	t->regs.rsp = sp;
	t->regs.rflags = USER_RFLAGS_START;
	*main = t;
	return 0;
}

int proc_run_program(const struct user_program *prog, const char *arg, const cpumask_t *cpus,
		     struct proc_result *res)
{
	struct thread *main = NULL;
	struct proc *p;
	int rc;

	BUG_ON(irqs_disabled());
	if (!cpus_ok(cpus))
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->name = prog->name;
	p->cpus = *cpus;
	p->ncpus = cpumask_weight(cpus);
	p->pid = atomic_fetch_add(&next_pid, 1);
	p->res = res;
	spin_lock_init(&p->lock);
	res->status = 0;
	res->killed = false;
	res->expected = false;
	res->threads = 1;
	res->out_len = 0;
	p->files = fd_table_create();
	rc = p->files != NULL ? proc_load(p, prog, arg, &main) : -ENOMEM;
	if (rc == 0) {
		unsigned first = (unsigned)first_cpu(cpus);
		for_each_cpu_in(cpu, cpus) {
			proc_cpus[cpu].busy = cpu == first;
			atomic_store(&proc_cpus[cpu].next, cpu == first ? main : NULL);
			user_work_clear(cpu);
		}
		p->live = 1;
		on_cpus(cpus, proc_cpu_main, p);
	}
	/* Every thread has ended, however: its files go (mappings may
	 * still hold them until the address space goes). */
	if (p->files)
		fd_table_destroy(p->files);
	if (p->as)
		aspace_destroy(p->as);
	kfree(p);
	return rc;
}

int proc_run(const char *name, const char *arg, const cpumask_t *cpus, struct proc_result *res)
{
	const struct user_program *prog = user_program_find(name);

	return prog ? proc_run_program(prog, arg, cpus, res) : -ENOENT;
}
