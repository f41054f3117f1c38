/*
 * What the portable kernel core asks of the platform: a console, a way to
 * end the run with a status, and the boot-time bring-up steps.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_info;

void serial_init(void);
void serial_write(const char *s, size_t len);

/* Ends the QEMU run: isa-debug-exit makes QEMU exit (value << 1) | 1. */
#define QEMU_EXIT_SUCCESS 0x10 /* QEMU status 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU status 35 */
__attribute__((noreturn)) void platform_exit(bool success);

void pvh_parse(uint64_t start_info_phys);

/* Boot CPU bring-up, in order. */
void arch_early_init(void);       /* GDT, IDT, per-CPU area of the BSP */
void arch_platform_init(struct acpi_info *acpi); /* ACPI, APIC, timers */
void arch_smp_boot(const struct acpi_info *acpi); /* start every AP */
/* Entry of an AP from the trampoline (smpboot.c). */
__attribute__((noreturn)) void arch_ap_entry(uint64_t cpu);

#endif
