"""95% confidence intervals by bootstrap over repeats (whole boots).

A series measured in K boots has K repeats. A resample draws K repeats
with replacement; a statistic (the p50 of the resample's pooled histogram,
the median of its ops/s) is computed for each resample, and the interval runs
from the 2.5th to the 97.5th percentile of those values. Repeats, not
samples, are resampled: samples of one boot share its placement, caches and
emulator state, so they are not independent of each other.

The result must not change from one run of the tools to the next: for
K <= EXACT_MAX every multiset of K repeats is enumerated with its
multinomial weight (the exact bootstrap distribution, C(2K-1, K) multisets:
6435 at K = 8); above that RANDOM_RESAMPLES draws from a fixed seed.
"""

import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from functools import lru_cache

EXACT_MAX = 8
RANDOM_RESAMPLES = 2000
SEED = 11                   # any fixed value: the same data, the same interval
LEVEL = (Fraction(25, 10), Fraction(975, 10))     # percentiles bounding 95%

# A statistic of a resample: counts[i] is how often repeat i was drawn.
Statistic = Callable[[Sequence[int]], float]
Resample = tuple[tuple[int, ...], int]          # (counts, weight)
Interval = tuple[float, float]                  # (low, high)


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every tuple of `parts` non-negative integers adding up to `total`."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


@lru_cache(maxsize=None)
def resamples(k: int) -> tuple[list[Resample], int]:
    """The bootstrap resamples of k repeats: ([(counts, weight)], total
    weight), counts[i] being how often repeat i is drawn. Exact for
    k <= EXACT_MAX (weight: the multinomial coefficient, total k^k)."""
    if k <= EXACT_MAX:
        exact = [(c, math.factorial(k) // math.prod(math.factorial(x) for x in c))
                 for c in _compositions(k, k)]
        return exact, k ** k
    rng = random.Random(SEED)
    out: list[Resample] = []
    for _ in range(RANDOM_RESAMPLES):
        counts = [0] * k
        for _ in range(k):
            counts[rng.randrange(k)] += 1
        out.append((tuple(counts), 1))
    return out, RANDOM_RESAMPLES


def weighted_percentile(pairs: Iterable[tuple[float, int]], total: int,
                        p: Fraction | float) -> float:
    """The smallest value whose cumulative weight reaches p% of total
    (hist.rank's rule, for weighted values). pairs: [(value, weight)]."""
    need = p * total / 100
    seen = 0
    for value, weight in sorted(pairs):
        seen += weight
        if seen >= need:
            return value
    raise ValueError(f"weights add up to {seen}, not {total}")


def bootstrap_ci(k: int, statistic: Statistic) -> Interval | None:
    """(low, high) of the 95% bootstrap interval of statistic(counts) over
    k repeats, or None for a single repeat (no spread to resample)."""
    if k < 2:
        return None
    pairs, total = resamples(k)
    dist = [(statistic(counts), weight) for counts, weight in pairs]
    low, high = (weighted_percentile(dist, total, p) for p in LEVEL)
    return low, high


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def median_statistic(values: Sequence[float]) -> Statistic:
    """The statistic 'median of the resample's values'. A median, not a
    mean: on a shared host one repeat that a neighbour disturbed would drag
    a mean of three; the median of three sets it aside."""
    return lambda counts: median([v for c, v in zip(counts, values) for _ in range(c)])


def overlap(a: Interval | None, b: Interval | None) -> bool | None:
    """Whether two intervals (low, high) overlap; None when either is
    missing (then nothing can be said about significance)."""
    if a is None or b is None:
        return None
    return a[0] <= b[1] and b[0] <= a[1]
