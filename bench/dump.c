/*
 * bench/dump.c - writing the benchmark dump (bench/FORMAT.md): one
 * `BENCH <type> key=value ...` line per record, each closed by the CRC-32
 * of its text, so that the host detects a corrupted line; records are
 * counted for the `end` record, so that it detects a truncated dump.
 *
 * Boot CPU only (the harness's coordinator); each record goes out as one
 * console line, whole.
 */
#include <stdarg.h>

#include "bench.h"
#include "lib/crc32.h"
#include "lib/format.h"

#define DUMP_LINE_MAX 500
#define PAIRS_PER_LINE 12

static unsigned nrecords;

static void emit(const char *line, int len)
{
	if (len < 0 || len >= DUMP_LINE_MAX - 10)
		bench_printf("bench: record too long, dump is broken: %.60s...\n", line);
	bench_printf("%s *%08x\n", line, crc32_update(0, line, (size_t)len));
	nrecords++;
}

void bench_record(const char *type, const char *fmt, ...)
{
	char line[DUMP_LINE_MAX];
	va_list ap;
	int n = ksnprintf(line, sizeof(line), "BENCH %s ", type);

	va_start(ap, fmt);
	n += kvsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	emit(line, n);
}

void bench_record_hist(const char *suite, const char *op, unsigned cpus, const char *params,
		       enum bench_mode mode, const struct hist *h, uint64_t ops, uint64_t wall,
		       const uint64_t counters[4])
{
	char line[DUMP_LINE_MAX];
	int n;

	bench_record("hist",
		     "suite=%s op=%s cpus=%u%s%s mode=%s samples=%llu ops=%llu min=%llu max=%llu "
		     "sum=%llu wall=%llu ipis_sent=%llu ipis_received=%llu flushes=%llu rounds=%llu "
		     "nbk=%u",
		     suite, op, cpus, params[0] ? " " : "", params, bench_mode_names[mode],
		     (unsigned long long)h->count, (unsigned long long)ops,
		     (unsigned long long)hist_min(h), (unsigned long long)hist_max(h),
		     (unsigned long long)h->sum, (unsigned long long)wall,
		     (unsigned long long)counters[0], (unsigned long long)counters[1],
		     (unsigned long long)counters[2], (unsigned long long)counters[3],
		     hist_nonempty_buckets(h));
	n = 0;
	unsigned pairs = 0;
	for (unsigned b = hist_next_bucket(h, 0); b < HIST_BUCKETS; b = hist_next_bucket(h, b + 1)) {
		if (pairs == 0)
			n = ksnprintf(line, sizeof(line), "BENCH bk");
		n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %u:%llu", b,
			       (unsigned long long)h->buckets[b]);
		if (++pairs == PAIRS_PER_LINE || n > DUMP_LINE_MAX - 50) {
			emit(line, n);
			pairs = 0;
		}
	}
	if (pairs)
		emit(line, n);
}

unsigned bench_records(void)
{
	return nrecords;
}
