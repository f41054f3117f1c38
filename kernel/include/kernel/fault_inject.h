/*
 * Deliberate faults, for the tests of the panic path: fault=pagefault|gp|
 * ud|doublefault|stackoverflow|panic on the command line makes CPU fault_cpu (default 0) commit that
 * fault after boot. The run must then end in a panic report; if the fault
 * somehow returns, the kernel says so and exits with failure.
 */
#ifndef KERNEL_FAULT_INJECT_H
#define KERNEL_FAULT_INJECT_H

void fault_inject_from_cmdline(const char *cmdline);

#endif
