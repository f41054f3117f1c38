/*
 * CPU identification on the boot CPU: the features the kernel depends on
 * or reports, and which hypervisor (accelerator) runs us. All CPUs of a
 * QEMU machine share one model, so the BSP's answer holds for all. Also
 * each CPU's protections (cpu_protections_init).
 */
#include <string.h>

#include <arch/cpu.h>
#include <arch/x86.h>

struct cpu_features cpu_features;

static void copy_regs_str(char *dst, const uint32_t *words, unsigned n)
{
	memcpy(dst, words, n * 4);
	dst[n * 4] = 0;
}

void cpu_features_init(void)
{
	struct cpu_features *f = &cpu_features;
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t vendor[3] = {r.ebx, r.edx, r.ecx};

	f->max_leaf = r.eax;
	copy_regs_str(f->vendor, vendor, 3);

	r = cpuid(1, 0);
	f->x2apic = r.ecx & (1u << 21);
	f->hypervisor = r.ecx & (1u << 31);
	if (f->max_leaf >= 7) {
		r = cpuid(7, 0);
		f->fsgsbase = r.ebx & (1u << 0);
		f->smep = r.ebx & (1u << 7);
		f->smap = r.ebx & (1u << 20);
		f->umip = r.ecx & (1u << 2);
	}
	r = cpuid(0x80000000, 0);
	uint32_t max_ext = r.eax;
	if (max_ext >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		f->nx = r.edx & (1u << 20);
		f->pdpe1gb = r.edx & (1u << 26);
	}
	if (max_ext >= 0x80000007)
		f->invariant_tsc = cpuid(0x80000007, 0).edx & (1u << 8);
	if (f->hypervisor) {
		r = cpuid(0x40000000, 0);
		uint32_t id[3] = {r.ebx, r.ecx, r.edx};
		copy_regs_str(f->hypervisor_id, id, 3);
	}
}

void cpu_protections_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_PGE;

	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	if (cpu_features.umip)
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
}

/* QEMU's TCG and KVM identify themselves in leaf 0x40000000. */
const char *cpu_accel_name(void)
{
	if (!cpu_features.hypervisor)
		return "none";
	if (strcmp(cpu_features.hypervisor_id, "TCGTCGTCGTCG") == 0)
		return "tcg";
	if (strncmp(cpu_features.hypervisor_id, "KVMKVMKVM", 9) == 0)
		return "kvm";
	return "unknown";
}
