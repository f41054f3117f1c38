/*
 * bench/bench_kernel.h - what the kernel-only suites share: a private
 * address space whose shootdowns reach exactly the CPUs of a phase
 * (bench/space.c), and the entry points of the suites that need the
 * kernel itself (listed in bench/suites_kernel.c).
 */
#ifndef BENCH_BENCH_KERNEL_H
#define BENCH_BENCH_KERNEL_H

#include <mm/mapper.h>
#include <mm/shootdown.h>

#include "bench.h"

/* A private address space (bench/space.c) whose shootdowns reach exactly
 * the CPUs that entered it. Each CPU gets its own region in it. */
#define BENCH_SPACE_BASE 0x0000100000000000ull
#define BENCH_SPACE_REGION 0x40000000ull	/* 1 GiB per CPU */

struct bench_space {
	struct mapper m;
};

int bench_space_init(struct bench_space *s);
void bench_space_enter(struct bench_space *s);
void bench_space_leave(struct bench_space *s);
void bench_space_destroy(struct bench_space *s);
uintptr_t bench_space_region(unsigned cpu);
/* Unmaps and shoots down; counts the IPI rounds in bc->rounds (reported
 * as `rounds`) unless warming. */
void bench_unmap_range(struct bench_cpu *bc, struct bench_space *s, uintptr_t va, uint64_t size);

int bench_calib_ipi(const struct bench_step *step);
int bench_shootdown_unmap(const struct bench_step *step);
int bench_shootdown_concurrent(const struct bench_step *step);
int bench_mapper_map(const struct bench_step *step);
int bench_vm_mmap(const struct bench_step *step);
int bench_vm_fault(const struct bench_step *step);
int bench_vm_madvise(const struct bench_step *step);
int bench_vm_mprotect(const struct bench_step *step);
int bench_vm_mremap(const struct bench_step *step);
int bench_wis_mmap1(const struct bench_step *step);
int bench_wis_mmap2(const struct bench_step *step);
int bench_wis_page_fault1(const struct bench_step *step);
int bench_wis_page_fault2(const struct bench_step *step);
int bench_wis_page_fault3(const struct bench_step *step);
int bench_wis_page_fault4(const struct bench_step *step);
int bench_wis_tlb_flush1(const struct bench_step *step);
int bench_wis_tlb_flush2(const struct bench_step *step);
int bench_wis_tlb_flush3(const struct bench_step *step);
int bench_wis_malloc1(const struct bench_step *step);
int bench_wis_malloc2(const struct bench_step *step);

#endif
