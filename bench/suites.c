/*
 * bench/suites.c - every benchmark suite, in one table: the name that
 * bench= selects it by (and that results carry), what it measures, and
 * its entry point. run_bench.sh reads the names from here. Adding a suite
 * is one line here and its file.
 */
#include "bench.h"

const struct bench_suite bench_suites[] = {
	{ .name = "frame.bulk", .what = "allocate half of free memory, then free it (orders 0, 9)",
	  .run = bench_frame_bulk },
	{ .name = "frame.repeat", .what = "allocate and free one block in a loop (orders 0, 9)",
	  .run = bench_frame_repeat },
	{ .name = "frame.remote", .what = "blocks allocated on one CPU, freed on the next",
	  .run = bench_frame_remote },
	{ .name = "slab.pair", .what = "kmalloc/kfree pairs, 16 B .. 4 KiB",
	  .run = bench_slab_pair },
	{ .name = "slab.bulk", .what = "1024 kmallocs, then 1024 kfrees, per CPU",
	  .run = bench_slab_bulk },
	{ .name = "slab.remote", .what = "producer/consumer: objects freed on the next CPU",
	  .run = bench_slab_remote },
	{ .name = "shootdown.unmap", .what = "unmap 1 .. 512 pages every CPU holds, one shootdown",
	  .run = bench_shootdown_unmap },
	{ .name = "shootdown.concurrent", .what = "unmap and shoot down on every CPU at once",
	  .run = bench_shootdown_concurrent },
	{ .name = "mapper.map", .what = "map and unmap one 4 KiB or 2 MiB page",
	  .run = bench_mapper_map },
	{ .name = "vm.mmap", .what = "user threads: mmap and munmap 128 MiB, untouched",
	  .run = bench_vm_mmap },
	{ .name = "vm.fault", .what = "user threads: demand-zero faults on 256 fresh pages, munmap",
	  .run = bench_vm_fault },
	{ .name = "vm.madvise", .what = "user threads: madvise(MADV_DONTNEED) 64 pages, re-touch",
	  .run = bench_vm_madvise },
	{ .name = "vm.mprotect", .what = "user threads: mprotect 64 pages read-only, read-write",
	  .run = bench_vm_mprotect },
	{ .name = "vm.mremap", .what = "user threads: mremap 16 pages to 32 in place, munmap",
	  .run = bench_vm_mremap },
};

const unsigned bench_nsuites = sizeof(bench_suites) / sizeof(bench_suites[0]);
