/*
 * Exception hooks. A handler registered for an exception vector sees the
 * trap frame first and returns true if it handled the trap (possibly after
 * changing the frame, e.g. to resume at a fix-up address); otherwise the
 * kernel panics with a report.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdbool.h>

struct trapframe;

typedef bool (*exception_handler_t)(struct trapframe *tf);

int exception_register(unsigned vector, exception_handler_t h);
void exception_unregister(unsigned vector);
const char *exception_name(unsigned vector);

#endif
