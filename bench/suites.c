/*
 * bench/suites.c - the portable benchmark suites, in one table: the name
 * that bench= selects them by (and that results carry), what they
 * measure, and their entry points. They run on every target; the kernel's
 * own suites are in bench/suites_kernel.c. run_bench.sh reads the names
 * from both tables. Adding a suite is one line here and its file.
 */
#include "bench.h"

const struct bench_suite bench_suites[] = {
	{ .name = "calib.empty", .what = "calibration: the harness timing an empty operation",
	  .run = bench_calib_empty, .every_mode = true },
	{ .name = "calib.work", .what = "calibration: fixed CPU-private work (registers, own cache line)",
	  .run = bench_calib_work, .every_mode = true },
	{ .name = "calib.shared", .what = "calibration: every CPU writes one shared cache line",
	  .run = bench_calib_shared, .every_mode = true },
	{ .name = "frame.bulk", .what = "allocate half of free memory, then free it (orders 0, 9)",
	  .run = bench_frame_bulk },
	{ .name = "frame.repeat", .what = "allocate and free one block in a loop (orders 0, 9)",
	  .run = bench_frame_repeat },
	{ .name = "frame.remote", .what = "blocks allocated on one CPU, freed on the next",
	  .run = bench_frame_remote },
	{ .name = "frame.rand", .what = "allocate half of free memory, free it in random order",
	  .run = bench_frame_rand },
	{ .name = "frame.frag", .what = "random frees and reallocations, then whole free huge frames",
	  .run = bench_frame_frag },
	{ .name = "slab.pair", .what = "kmalloc/kfree pairs, 16 B .. 4 KiB",
	  .run = bench_slab_pair },
	{ .name = "slab.bulk", .what = "1024 kmallocs, then 1024 kfrees, per CPU",
	  .run = bench_slab_bulk },
	{ .name = "slab.remote", .what = "producer/consumer: objects freed on the next CPU",
	  .run = bench_slab_remote },
	{ .name = "alloc.threadtest", .what = "Hoard's threadtest: rounds of own mallocs, then their frees",
	  .run = bench_alloc_threadtest },
	{ .name = "alloc.cache_thrash", .what = "Hoard's cache-thrash: active false sharing, own objects",
	  .run = bench_alloc_cache_thrash },
	{ .name = "alloc.cache_scratch", .what = "Hoard's cache-scratch: passive false sharing, CPU 0's objects",
	  .run = bench_alloc_cache_scratch },
	{ .name = "alloc.larson", .what = "Larson & Krishnan's server: random replacements, arrays handed on",
	  .run = bench_alloc_larson },
	{ .name = "alloc.xmalloc", .what = "xmalloc-test (Lever & Boreham): producers malloc, consumers free",
	  .run = bench_alloc_xmalloc },
};

const unsigned bench_nsuites = sizeof(bench_suites) / sizeof(bench_suites[0]);
