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
};

const struct bench_suite *const bench_target_suites = kernel_suites;
const unsigned bench_target_nsuites = sizeof(kernel_suites) / sizeof(kernel_suites[0]);
