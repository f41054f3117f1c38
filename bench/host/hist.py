"""Histogram bucket math and percentile estimation, exactly as bench/FORMAT.md.

Values are TSC cycles. Buckets are log-linear with S = 7 sub-bucket bits:
values below 128 have their own bucket; above, each power of two is split
into 64 buckets, so a bucket's width is at most 1/64 of its lower bound.
The estimates match the kernel's bench/hist.c, so a percentile computed on
either side is the same number.
"""

import math
from fractions import Fraction

SUB_BITS = 7
EXACT_LIMIT = 1 << SUB_BITS          # values below this have a bucket each
HALF = EXACT_LIMIT >> 1              # sub-buckets per power of two (64)
MAX_VALUE = (1 << 64) - 1
MAX_BUCKET = 3775                    # bucket of MAX_VALUE


def bucket_of(value):
    """The bucket holding a cycle count (0 <= value < 2^64)."""
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(f"value {value} is outside 0..2^64-1")
    if value < EXACT_LIMIT:
        return value
    shift = value.bit_length() - 1 - (SUB_BITS - 1)
    return HALF * shift + (value >> shift)


def _shift(bucket):
    if not 0 <= bucket <= MAX_BUCKET:
        raise ValueError(f"bucket {bucket} is outside 0..{MAX_BUCKET}")
    return bucket // HALF - 1


def bucket_low(bucket):
    """The smallest value in a bucket."""
    if bucket < EXACT_LIMIT:
        _shift(bucket)               # range check only
        return bucket
    shift = _shift(bucket)
    return (bucket % HALF + HALF) << shift


def bucket_high(bucket):
    """The largest value in a bucket (inclusive)."""
    if bucket < EXACT_LIMIT:
        return bucket_low(bucket)
    return bucket_low(bucket) + (1 << _shift(bucket)) - 1


def bucket_mid(bucket):
    """The value reported for a bucket: the value itself below 128, else
    low + width / 2 (an integer, as the kernel's hist_bucket_mid), within
    1/128 (0.8%) of any value in the bucket."""
    low = bucket_low(bucket)
    if bucket < EXACT_LIMIT:
        return low
    return low + (1 << _shift(bucket)) // 2


def rank(p, n):
    """The 1-based rank of percentile p (0 < p <= 100) among n samples:
    ceil(p / 100 * n), computed exactly (99.9 is not a binary fraction)."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} is outside (0, 100]")
    if n < 1:
        raise ValueError("a percentile of no samples")
    return max(1, math.ceil(Fraction(str(p)) * n / 100))


def percentile(p, buckets, samples, lo, hi):
    """Estimate percentile p from a histogram {bucket: count} of `samples`
    values whose exact minimum and maximum are lo and hi (cycles). Ranks 1
    and n are lo and hi themselves, which are exact (the kernel's
    hist_value_at_ppm does the same)."""
    want = rank(p, samples)
    if want == 1:
        return lo
    if want == samples:
        return hi
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= want:
            return min(max(bucket_mid(bucket), lo), hi)
    raise ValueError(f"histogram holds {seen} samples, fewer than rank {want}")


def mean(total, samples):
    """Mean of `samples` values adding up to `total` (cycles)."""
    if samples < 1:
        raise ValueError("the mean of no samples")
    return total / samples
