/*
 * Local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode. The mode is chosen once
 * on the boot CPU (x2APIC when CPUID offers it, unless apic=xapic) and every
 * AP follows it. IPIs are sent by APIC id; the kernel's CPU ids are mapped
 * to APIC ids by smpboot.c.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

enum apic_mode { APIC_MODE_XAPIC, APIC_MODE_X2APIC };

/* ICR fields (Intel SDM vol. 3, 11.6.1). */
#define ICR_DM_FIXED    (0u << 8)
#define ICR_DM_NMI      (4u << 8)
#define ICR_DM_INIT     (5u << 8)
#define ICR_DM_STARTUP  (6u << 8)
#define ICR_BUSY        (1u << 12)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

void lapic_init_bsp(uint64_t phys_base, bool allow_x2apic);
void lapic_init_ap(void);
enum apic_mode lapic_mode(void);
const char *lapic_mode_name(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Sends one IPI; low holds vector, delivery mode and shorthand. */
void lapic_send(uint32_t apic_id, uint32_t low);

struct acpi_info;

/* IOAPICs (ioapic.c): mapped through the MMIO manager, every pin masked. */
void ioapic_init(const struct acpi_info *acpi);
unsigned ioapic_count(void);
uint64_t ioapic_phys(unsigned i);
uint32_t ioapic_read(unsigned i, uint32_t index);

#endif
