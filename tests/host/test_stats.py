"""Bootstrap intervals over repeats (stats.py) and the pooled percentiles
they resample (hist.Pool)."""

import math
import random
import unittest

import fake_dump
from benchtools import hist
from benchtools import stats


class TestResamples(unittest.TestCase):
    def test_exact_enumeration(self) -> None:
        for k in range(1, stats.EXACT_MAX + 1):
            pairs, total = stats.resamples(k)
            with self.subTest(k=k):
                self.assertEqual(len(pairs), math.comb(2 * k - 1, k))
                self.assertEqual(total, k ** k)
                self.assertEqual(sum(w for _, w in pairs), total)
                self.assertTrue(all(sum(c) == k for c, _ in pairs))
        self.assertEqual(sorted(stats.resamples(2)[0]), [((0, 2), 1), ((1, 1), 2), ((2, 0), 1)])

    def test_random_above_exact_max(self) -> None:
        k = stats.EXACT_MAX + 2
        pairs, total = stats.resamples(k)
        self.assertEqual((len(pairs), total), (stats.RANDOM_RESAMPLES, stats.RANDOM_RESAMPLES))
        self.assertTrue(all(sum(c) == k and w == 1 for c, w in pairs))
        stats.resamples.cache_clear()
        self.assertEqual(stats.resamples(k)[0], pairs)          # the fixed seed

    def test_weighted_percentile(self) -> None:
        pairs = [(3.0, 1), (1.0, 2), (2.0, 7)]          # sorted: 1 (2), 2 (7), 3 (1)
        self.assertEqual(stats.weighted_percentile(pairs, 10, 20), 1.0)
        self.assertEqual(stats.weighted_percentile(pairs, 10, 20.01), 2.0)
        self.assertEqual(stats.weighted_percentile(pairs, 10, 90), 2.0)
        self.assertEqual(stats.weighted_percentile(pairs, 10, 97.5), 3.0)


class TestIntervals(unittest.TestCase):
    def test_single_repeat_has_none(self) -> None:
        self.assertIsNone(stats.bootstrap_ci(1, stats.median_statistic([5.0])))

    def test_two_repeats(self) -> None:
        # Resample medians 100 (1/4), 150 (2/4), 200 (1/4).
        self.assertEqual(stats.bootstrap_ci(2, stats.median_statistic([100.0, 200.0])),
                         (100.0, 200.0))

    def test_four_repeats_by_hand(self) -> None:
        # One repeat at 500 among three at 100: drawn j times, Binomial(4, 1/4),
        # weights 81, 108, 54, 12, 1 of 256; the median (mean of the 2nd and
        # 3rd of four) is 100 for j <= 1 (189/256), 300 for j = 2 (cumulative
        # 243/256 = 94.9%), 500 above: the 97.5th percentile is 500.
        self.assertEqual(stats.bootstrap_ci(4, stats.median_statistic([100.0, 100.0, 500.0, 100.0])),
                         (100.0, 500.0))

    def test_median(self) -> None:
        self.assertEqual(stats.median([3.0, 1.0, 2.0]), 2.0)
        self.assertEqual(stats.median([4.0, 1.0, 3.0, 2.0]), 2.5)
        self.assertEqual(stats.median([100.0, 100.0, 500.0]), 100.0)

    def test_many_repeats_deterministic(self) -> None:
        values = [float(v) for v in range(100, 112)]
        a = stats.bootstrap_ci(len(values), stats.median_statistic(values))
        b = stats.bootstrap_ci(len(values), stats.median_statistic(values))
        self.assertEqual(a, b)
        assert a is not None
        self.assertTrue(100 < a[0] < sum(values) / len(values) < a[1] < 111)

    def test_overlap(self) -> None:
        self.assertTrue(stats.overlap((1, 3), (2, 5)))
        self.assertTrue(stats.overlap((1, 3), (3, 5)))
        self.assertFalse(stats.overlap((1, 3), (3.5, 5)))
        self.assertFalse(stats.overlap((4, 5), (1, 3)))
        self.assertIsNone(stats.overlap(None, (1, 3)))


class TestPool(unittest.TestCase):
    def test_weighted_pool_equals_merged_histogram(self) -> None:
        rng = random.Random(3)
        parts = []
        for median in (90, 300, 320, 5000):
            values = fake_dump.samples(rng, rng.randrange(1, 60), median, spread=0.6)
            parts.append((values, fake_dump.FakeSeries("x.y", "op", 1, values).buckets()))
        pool = hist.Pool([(b, len(v), min(v), max(v)) for v, b in parts])
        for _ in range(200):
            weights = [rng.randrange(0, 3) for _ in parts]
            if not any(weights):
                continue
            merged: dict[int, int] = {}
            pooled: list[int] = []
            for w, (v, b) in zip(weights, parts):
                pooled += v * w
                for bucket, count in b.items():
                    merged[bucket] = merged.get(bucket, 0) + w * count
            for p in (1, 50, 99, 100):
                with self.subTest(weights=weights, p=p):
                    self.assertEqual(pool.percentile(p, weights),
                                     hist.percentile(p, merged, len(pooled), min(pooled),
                                                     max(pooled)))
