/*
 * What the boot loader told us, in a loader-independent form. The x86 PVH
 * code fills it before anything else runs (the loader's own structures may
 * sit in memory we later reuse).
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MEMMAP_MAX 64
#define BOOT_CMDLINE_MAX 512

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_region {
	uint64_t base, size;
	uint32_t type;
};

struct boot_info {
	struct boot_mem_region memmap[BOOT_MEMMAP_MAX];
	unsigned memmap_count, memmap_dropped;
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_too_long; /* the loader's did not fit: cmdline holds its start */
	uint64_t rsdp_phys; /* 0: not given, search for it */
	uint64_t kernel_phys_start, kernel_phys_end;
};

extern struct boot_info boot_info;

const char *boot_mem_type_name(uint32_t type);

#endif
