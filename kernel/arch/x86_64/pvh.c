/*
 * Reading the PVH start info (Xen's hvm_start_info, version 1, as QEMU
 * builds it for -kernel): memory map, command line, RSDP. Everything is
 * copied into boot_info at once, since the loader left these structures
 * in memory the kernel will reuse. Runs on the boot CPU before anything
 * else; no loader data is trusted without a bound.
 */
#include <string.h>

#include <arch/layout.h>
#include <arch/platform.h>
#include <kernel/boot.h>
#include <kernel/panic.h>

#define PVH_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct boot_info boot_info;

extern char __kernel_start[], __kernel_end[];

static const void *loader_ptr(uint64_t phys, uint64_t len, const char *what)
{
	if (phys == 0 || phys + len > BOOT_MAPPED_PHYS || phys + len < phys)
		panic("PVH: %s at %#lx (+%lu) is outside the boot mapping", what,
		      (unsigned long)phys, (unsigned long)len);
	return phys_to_virt(phys);
}

void pvh_parse(uint64_t start_info_phys)
{
	const struct hvm_start_info *si = loader_ptr(start_info_phys, sizeof(*si), "start info");

	if (si->magic != PVH_MAGIC)
		panic("PVH: bad start info magic %#x (expected %#x)", si->magic, PVH_MAGIC);
	if (si->version < 1 || si->memmap_entries == 0)
		panic("PVH: start info version %u has no memory map", si->version);

	const struct hvm_memmap_entry *e =
		loader_ptr(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*e), "memory map");
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (boot_info.memmap_count == BOOT_MEMMAP_MAX) {
			boot_info.memmap_dropped++;
			continue;
		}
		boot_info.memmap[boot_info.memmap_count++] =
			(struct boot_mem_region){e[i].addr, e[i].size, e[i].type};
	}

	if (si->cmdline_paddr) {
		const char *c = loader_ptr(si->cmdline_paddr, 1, "command line");
		size_t n = strnlen(c, BOOT_CMDLINE_MAX);
		/* Too long is the user's error, not the kernel's: kmain refuses
		 * it plainly, after logging the start it kept. */
		if (n == BOOT_CMDLINE_MAX) {
			boot_info.cmdline_too_long = true;
			n--;
		}
		memcpy(boot_info.cmdline, c, n);
	}
	boot_info.rsdp_phys = si->rsdp_paddr;
	boot_info.kernel_phys_start = kimage_virt_to_phys(__kernel_start);
	boot_info.kernel_phys_end = kimage_virt_to_phys(__kernel_end);
}

const char *boot_mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:
		return "usable";
	case BOOT_MEM_RESERVED:
		return "reserved";
	case BOOT_MEM_ACPI_RECLAIM:
		return "ACPI data";
	case BOOT_MEM_ACPI_NVS:
		return "ACPI NVS";
	case BOOT_MEM_BAD:
		return "bad";
	default:
		return "unknown";
	}
}
