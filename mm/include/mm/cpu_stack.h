/*
 * <mm/cpu_stack.h> - the per-CPU stack that <mm/env.h>'s env_cpu_stack_pop
 * and env_cpu_stack_push operate on, and the per-CPU list of
 * env_cpu_list_pop and _push (the data only; the operations are the
 * environment's, in <mm_env.h>).
 *
 * A stack of pointers owned by one CPU: slots[0 .. count-1] hold them,
 * slots[count-1] is the top, cap is how many slots there are (0 when
 * there is no slot array). A mechanism keeps one stack per CPU in an
 * array whose elements are ENV_CPU_STACK_STRIDE bytes apart, the stack at
 * the same offset in each, and passes the address of CPU 0's: the
 * operations find this CPU's themselves, inside the sequence that must
 * not be torn.
 */
#ifndef MM_CPU_STACK_H
#define MM_CPU_STACK_H

#include <stdint.h>

struct env_cpu_stack {
	void **slots;
	uint32_t count;
	uint32_t cap;
};

#define ENV_CPU_STACK_STRIDE 64

/*
 * A free list owned by one CPU, for <mm/env.h>'s env_cpu_list_pop and
 * env_cpu_list_push (SLAB=slub's CPU freelist): head is the first
 * object, and each object holds the next one's address (NULL: the end)
 * in the word `link` bytes from its start. A push must name owner (the
 * slab whose objects the list holds) to be let in, so that the test and
 * the push are one operation. Kept in arrays like the stacks, with the
 * same stride.
 */
struct env_cpu_list {
	void *head;
	const void *owner;
	uintptr_t link;
};

#endif
