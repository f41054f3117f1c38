/*
 * bench/suites_kernel.c - the suites that need the kernel itself (IPIs,
 * address spaces and shootdowns, user programs): the kernel target's
 * table, run after the portable ones of bench/suites.c. run_bench.sh reads
 * the names from here too.
 */
#include "bench_kernel.h"

static const struct bench_suite kernel_suites[] = {
	{ .name = "calib.ipi", .what = "calibration: IPI round trip to the next CPU",
	  .run = bench_calib_ipi, .every_mode = true },
	{ .name = "shootdown.unmap", .what = "unmap 1 .. 512 pages every CPU holds, one shootdown",
	  .run = bench_shootdown_unmap },
	{ .name = "shootdown.concurrent", .what = "unmap and shoot down on every CPU at once",
	  .run = bench_shootdown_concurrent },
	{ .name = "mapper.map", .what = "map and unmap one 4 KiB or 2 MiB page",
	  .run = bench_mapper_map },
	{ .name = "vm.mmap", .what = "user threads: mmap and munmap 128 MiB, untouched",
	  .run = bench_vm_mmap, .own_timing = true },
	{ .name = "vm.fault", .what = "user threads: demand-zero faults on 256 fresh pages, munmap",
	  .run = bench_vm_fault, .own_timing = true },
	{ .name = "vm.madvise", .what = "user threads: madvise(MADV_DONTNEED) 64 pages, re-touch",
	  .run = bench_vm_madvise, .own_timing = true },
	{ .name = "vm.mprotect", .what = "user threads: mprotect 64 pages read-only, read-write",
	  .run = bench_vm_mprotect, .own_timing = true },
	{ .name = "vm.mremap", .what = "user threads: mremap 16 pages to 32 in place, munmap",
	  .run = bench_vm_mremap, .own_timing = true },
	{ .name = "wis.mmap1", .what = "will-it-scale mmap1: mmap and munmap 128 MiB anonymous",
	  .run = bench_wis_mmap1, .own_timing = true, .own_sampled = true },
	{ .name = "wis.mmap2", .what = "will-it-scale mmap2: mmap and munmap a 128 MiB file, private",
	  .run = bench_wis_mmap2, .own_timing = true, .own_sampled = true },
	{ .name = "wis.page_fault1", .what = "will-it-scale page_fault1: write faults, anonymous",
	  .run = bench_wis_page_fault1, .own_timing = true, .own_sampled = true },
	{ .name = "wis.page_fault2", .what = "will-it-scale page_fault2: write faults, file, private",
	  .run = bench_wis_page_fault2, .own_timing = true, .own_sampled = true },
	{ .name = "wis.page_fault3", .what = "will-it-scale page_fault3: write faults, file, shared",
	  .run = bench_wis_page_fault3, .own_timing = true, .own_sampled = true },
	{ .name = "wis.page_fault4", .what = "will-it-scale page_fault4: read faults, file, private",
	  .run = bench_wis_page_fault4, .own_timing = true, .own_sampled = true },
	{ .name = "wis.tlb_flush1", .what = "will-it-scale tlb_flush1: write, MADV_DONTNEED, file, private",
	  .run = bench_wis_tlb_flush1, .own_timing = true, .own_sampled = true },
	{ .name = "wis.tlb_flush2", .what = "will-it-scale tlb_flush2: write, MADV_DONTNEED, 1 MiB anonymous",
	  .run = bench_wis_tlb_flush2, .own_timing = true, .own_sampled = true },
	{ .name = "wis.tlb_flush3", .what = "will-it-scale tlb_flush3: write, MADV_DONTNEED, file, shared",
	  .run = bench_wis_tlb_flush3, .own_timing = true, .own_sampled = true },
	{ .name = "wis.malloc1", .what = "will-it-scale malloc1: musl malloc and free of 128 MiB",
	  .run = bench_wis_malloc1, .own_timing = true, .own_sampled = true },
	{ .name = "wis.malloc2", .what = "will-it-scale malloc2: musl malloc and free of 1 KiB",
	  .run = bench_wis_malloc2, .own_timing = true, .own_sampled = true },
};

const struct bench_suite *const bench_target_suites = kernel_suites;
const unsigned bench_target_nsuites = sizeof(kernel_suites) / sizeof(kernel_suites[0]);
