/*
 * kernel/acpi.h - finding the CPUs, interrupt controllers and HPET in the
 * ACPI tables.
 *
 * The parser is portable C: it reaches physical memory only through
 * struct acpi_ops, so the kernel passes a mapping of low memory and the
 * hosted tests pass a buffer of synthetic tables. Every table is checked
 * (length, checksum) before a byte of it is used, and nothing past a table's
 * declared length is read; a bad table fails the whole parse with a message,
 * because a boot that silently loses CPUs would corrupt every benchmark.
 *
 * struct acpi_info has fixed-size arrays (no allocator is up when it runs).
 * What does not fit is counted in the *_dropped fields, never lost silently.
 *
 * Single-threaded boot code; no locking.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS    256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_ISOS    16
#define ACPI_MAX_TABLES  32

struct acpi_ops {
	/*
	 * Returns a pointer through which the len bytes at phys can be read,
	 * or NULL if they cannot be mapped. Mappings must stay valid until
	 * acpi_parse() returns: the root table is read while others are mapped.
	 */
	const void *(*map)(uint64_t phys, size_t len, void *ctx);
	void *ctx;
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;		/* ACPI processor UID */
	bool enabled;		/* false: online-capable only, may be hot-added */
	bool x2apic;		/* from an x2APIC (type 9) entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;	/* first global system interrupt it serves */
};

/* An ISA IRQ that is not identity-mapped onto a GSI, or not edge/high. */
struct acpi_iso {
	uint8_t bus;		/* 0: ISA */
	uint8_t source;		/* bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags;		/* MPS INTI: polarity bits 1:0, trigger mode 3:2 */
};

struct acpi_hpet {
	bool present;
	uint64_t base;		/* register block, in memory space */
	uint32_t hw_id;		/* event timer block ID: PCI vendor in 31:16 */
	unsigned ncomparators;
	uint16_t min_tick;	/* minimum periodic tick, in counter ticks */
	uint8_t number;		/* HPET sequence number */
};

struct acpi_info {
	uint8_t revision;	/* RSDP revision: 0 is ACPI 1.0, 2 is 2.0+ */
	bool xsdt;		/* tables came from the XSDT, not the RSDT */

	uint64_t lapic_addr;	/* after any 64-bit override (MADT type 5) */
	bool pcat_compat;	/* legacy 8259 PICs present: mask them */

	/* Enabled and online-capable CPUs, in MADT order. */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ncpus;
	unsigned ncpus_disabled;	/* neither enabled nor online-capable */
	unsigned ncpus_dropped;		/* usable, but beyond ACPI_MAX_CPUS */

	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nioapics, nioapics_dropped;

	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned nisos, nisos_dropped;

	struct acpi_hpet hpet;

	/* Signatures of the tables the root table lists, NUL-terminated. */
	char tables[ACPI_MAX_TABLES][5];
	unsigned ntables, ntables_dropped;
};

/*
 * Scans the first KiB of the EBDA, then 0xE0000-0xFFFFF, for a valid RSDP
 * (signature on a 16-byte boundary, checksum, and extended checksum from
 * revision 2). Returns 0 with its address in *rsdp_phys, or -ENOENT.
 */
int acpi_find_rsdp(const struct acpi_ops *ops, uint64_t *rsdp_phys);

/*
 * Parses the tables reachable from the RSDP at rsdp_phys into *out: the XSDT
 * if the revision is 2 or more and its address is set, else the RSDT; the
 * MADT (required) and the HPET table (optional). Returns 0, or a negative
 * errno with a one-line reason in err (if errlen > 0): -EFAULT if something
 * cannot be mapped, -EINVAL if a table is malformed or fails its checksum,
 * -ENOENT if there is no MADT. On failure *out is incomplete; do not use it.
 */
int acpi_parse(uint64_t rsdp_phys, const struct acpi_ops *ops, struct acpi_info *out,
	       char *err, size_t errlen);

/*
 * One line for the boot log, e.g. "ACPI rev 0 RSDT, 4 CPUs, LAPIC 0xfee00000,
 * 1 IOAPIC, 5 ISOs, HPET 0xfed00000, tables FACP APIC HPET WAET".
 */
void acpi_describe(const struct acpi_info *info, char *buf, size_t len);

#endif
