/*
 * Interrupt vectors and their handlers. Vectors 0-31 are exceptions;
 * 32-47 are where the legacy PIC is parked (masked); the kernel's IPIs sit
 * at the top. Handlers run with interrupts off; EOI is sent by the
 * dispatcher after an IPI handler returns.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdint.h>

#include <kernel/cpumask.h>

struct trapframe;

#define VECTOR_PIC_BASE   0x20
#define VECTOR_IPI_TEST   0xf0 /* self-tests */
#define VECTOR_IPI_CALL   0xf1 /* on_cpus() wake-up */
#define VECTOR_IPI_FLUSH  0xf2 /* TLB shootdown (kernel/tlb_ipi.c) */
#define VECTOR_IPI_PROC   0xf3 /* user threads: wake a waiting CPU, or stop a thread (kernel/proc.c) */
#define VECTOR_IPI_BENCH  0xf4 /* the benchmark's IPI round trip (bench/suite_calib_ipi.c) */
#define VECTOR_SPURIOUS   0xff

typedef void (*irq_handler_t)(struct trapframe *tf);

/* Fails (returns -EBUSY / -EINVAL) if taken or outside 32..254. */
int irq_register(unsigned vector, irq_handler_t h);
void irq_unregister(unsigned vector);

void ipi_send(unsigned cpu, unsigned vector);
void ipi_send_mask(const cpumask_t *mask, unsigned vector);
void ipi_send_all_but_self(unsigned vector);
void ipi_send_nmi_all_but_self(void);
void ipi_send_nmi(unsigned cpu);

#endif
