"""Histogram bucket math and percentile estimation, exactly as bench/FORMAT.md.

Values are TSC cycles. Buckets are log-linear with S = 7 sub-bucket bits:
values below 128 have their own bucket; above, each power of two is split
into 64 buckets, so a bucket's width is at most 1/64 of its lower bound.
The estimates match the kernel's bench/hist.c, so a percentile computed on
either side is the same number.
"""

import bisect
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate

SUB_BITS = 7
EXACT_LIMIT = 1 << SUB_BITS          # values below this have a bucket each
HALF = EXACT_LIMIT >> 1              # sub-buckets per power of two (64)
MAX_VALUE = (1 << 64) - 1
MAX_BUCKET = 3775                    # bucket of MAX_VALUE


def bucket_of(value: int) -> int:
    """The bucket holding a cycle count (0 <= value < 2^64)."""
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(f"value {value} is outside 0..2^64-1")
    if value < EXACT_LIMIT:
        return value
    shift = value.bit_length() - 1 - (SUB_BITS - 1)
    return HALF * shift + (value >> shift)


def _shift(bucket: int) -> int:
    if not 0 <= bucket <= MAX_BUCKET:
        raise ValueError(f"bucket {bucket} is outside 0..{MAX_BUCKET}")
    return bucket // HALF - 1


def bucket_low(bucket: int) -> int:
    """The smallest value in a bucket."""
    if bucket < EXACT_LIMIT:
        _shift(bucket)               # range check only
        return bucket
    shift = _shift(bucket)
    return (bucket % HALF + HALF) << shift


def bucket_high(bucket: int) -> int:
    """The largest value in a bucket (inclusive)."""
    if bucket < EXACT_LIMIT:
        return bucket_low(bucket)
    return bucket_low(bucket) + (1 << _shift(bucket)) - 1


def bucket_mid(bucket: int) -> int:
    """The value reported for a bucket: the value itself below 128, else
    low + width / 2 (an integer, as the kernel's hist_bucket_mid), within
    1/128 (0.8%) of any value in the bucket."""
    low = bucket_low(bucket)
    if bucket < EXACT_LIMIT:
        return low
    return low + (1 << _shift(bucket)) // 2


def rank(p: float, n: int) -> int:
    """The 1-based rank of percentile p (0 < p <= 100) among n samples:
    ceil(p / 100 * n), computed exactly (99.9 is not a binary fraction)."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} is outside (0, 100]")
    if n < 1:
        raise ValueError("a percentile of no samples")
    num, den = _exact(p)
    return max(1, -(-num * n // (den * 100)))      # ceil in integers


@lru_cache(maxsize=None)
def _exact(p: float) -> tuple[int, int]:
    """p as an exact fraction (numerator, denominator), from its decimal text."""
    return Fraction(str(p)).as_integer_ratio()


class Pool:
    """Several histograms of the same quantity (the repeats of a series),
    held as cumulative counts over one sorted bucket list, so that a
    percentile of any weighted pool of them (a bootstrap resample takes
    some twice, others not at all) costs a short binary search, not a merge.
    parts: [(buckets {bucket: count}, samples, min, max)]."""

    def __init__(self, parts: Sequence[tuple[dict[int, int], int, int, int]]) -> None:
        self.buckets: list[int] = sorted(set().union(*(b for b, _, _, _ in parts)))
        self.cumulative = [list(accumulate(b.get(x, 0) for x in self.buckets))
                           for b, _, _, _ in parts]
        self.samples = [n for _, n, _, _ in parts]
        self.lows = [lo for _, _, lo, _ in parts]
        self.highs = [hi for _, _, _, hi in parts]
        self.spans: dict[float, tuple[int, int]] = {}

    def span(self, p: float) -> tuple[int, int]:
        """The bucket indices that percentile p of any pool of the parts
        lies between: the lowest and highest of the parts' own p-th
        percentile buckets (a pool's distribution is a weighted mean of
        theirs, and ranks round up in both)."""
        if p not in self.spans:
            own = [bisect.bisect_left(cum, rank(p, n))
                   for cum, n in zip(self.cumulative, self.samples)]
            if max(own) == len(self.buckets):
                raise ValueError(f"a histogram holds fewer samples than its rank of p{p}")
            self.spans[p] = (min(own), max(own))
        return self.spans[p]

    def percentile(self, p: float, weights: Sequence[int]) -> int:
        """Percentile p of the pool holding weights[i] copies of part i,
        estimated as FORMAT.md says: ranks 1 and n are the pool's exact min
        and max, others a bucket's midpoint clamped to them."""
        chosen = [i for i, w in enumerate(weights) if w]
        n = sum(weights[i] * self.samples[i] for i in chosen)
        want = rank(p, n)
        lo = min(self.lows[i] for i in chosen)
        hi = max(self.highs[i] for i in chosen)
        if want == 1:
            return lo
        if want == n:
            return hi
        first, last = self.span(p)
        j = bisect.bisect_left(range(first, last + 1), want, key=lambda k: sum(
            weights[i] * self.cumulative[i][k] for i in chosen))
        return min(max(bucket_mid(self.buckets[first + j]), lo), hi)


def percentile(p: float, buckets: dict[int, int], samples: int, lo: int,
               hi: int) -> int:
    """Estimate percentile p from a histogram {bucket: count} of `samples`
    values whose exact minimum and maximum are lo and hi (cycles). Ranks 1
    and n are lo and hi themselves, which are exact (the kernel's
    hist_value_at_ppm does the same)."""
    return Pool([(buckets, samples, lo, hi)]).percentile(p, (1,))


def mean(total: int, samples: int) -> float:
    """Mean of `samples` values adding up to `total` (cycles)."""
    if samples < 1:
        raise ValueError("the mean of no samples")
    return total / samples
