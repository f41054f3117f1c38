"""Bucket math and percentile estimates against exact values (bench/FORMAT.md)."""

import random
import unittest

import fake_dump
from benchtools import hist


def exact_percentile(values: list[int], p: float) -> int:
    return sorted(values)[hist.rank(p, len(values)) - 1]


class TestBuckets(unittest.TestCase):
    def test_examples(self) -> None:
        for value, bucket in ((0, 0), (127, 127), (128, 128), (129, 128), (130, 129),
                              (255, 191), (256, 192), (2 ** 64 - 1, 3775)):
            self.assertEqual(hist.bucket_of(value), bucket, f"value {value}")

    def test_buckets_tile_every_value(self) -> None:
        for b in range(hist.MAX_BUCKET + 1):
            low, high = hist.bucket_low(b), hist.bucket_high(b)
            self.assertEqual(hist.bucket_of(low), b)
            self.assertEqual(hist.bucket_of(high), b)
            if b < hist.MAX_BUCKET:
                self.assertEqual(high + 1, hist.bucket_low(b + 1), f"gap after bucket {b}")
        self.assertEqual(hist.bucket_high(hist.MAX_BUCKET), 2 ** 64 - 1)
        self.assertRaises(ValueError, hist.bucket_low, hist.MAX_BUCKET + 1)
        self.assertRaises(ValueError, hist.bucket_of, 2 ** 64)

    def test_midpoint_within_0_8_percent(self) -> None:
        for b in range(hist.MAX_BUCKET + 1):
            mid = hist.bucket_mid(b)
            for value in (hist.bucket_low(b), hist.bucket_high(b)):
                self.assertLessEqual(abs(mid - value), 0.008 * value, f"bucket {b}")
        self.assertEqual(hist.bucket_mid(100), 100)


class TestPercentiles(unittest.TestCase):
    def test_rank_is_exact(self) -> None:
        self.assertEqual(hist.rank(99.9, 1000), 999)
        self.assertEqual(hist.rank(99.99, 10000), 9999)
        self.assertEqual(hist.rank(50, 1), 1)
        self.assertEqual(hist.rank(50, 3), 2)
        self.assertEqual(hist.rank(100, 7), 7)
        self.assertEqual(hist.rank(0.1, 1000), 1)
        self.assertRaises(ValueError, hist.rank, 0, 10)

    def test_estimate_vs_exact(self) -> None:
        rng = random.Random(7)
        cases = [[5], [1, 2, 3], list(range(200)), [rng.randrange(1, 120) for _ in range(500)]]
        for n, median in ((1000, 90), (1000, 300), (4000, 20000), (2500, 10 ** 9)):
            cases.append(fake_dump.samples(rng, n, median, spread=0.8, tail=0.02))
        for values in cases:
            s = fake_dump.FakeSeries("x.y", "op", 1, values)
            for p in (0.5, 1, 25, 50, 90, 99, 99.9, 99.99, 100):
                exact = exact_percentile(values, p)
                est = hist.percentile(p, s.buckets(), len(values), min(values), max(values))
                with self.subTest(n=len(values), p=p, exact=exact, estimate=est):
                    if exact < hist.EXACT_LIMIT:
                        self.assertEqual(est, exact)
                    else:
                        self.assertLessEqual(abs(est - exact), 0.008 * exact)

    def test_estimate_clamped_to_min_max(self) -> None:
        # 1000..1007 is one bucket, reported as 1004.
        self.assertEqual(hist.bucket_mid(hist.bucket_of(1000)), 1004)
        s = fake_dump.FakeSeries("x.y", "op", 1, [1000, 1001, 1002, 1002, 1003])
        self.assertEqual(hist.percentile(50, s.buckets(), 5, 1000, 1003), 1003)
        s = fake_dump.FakeSeries("x.y", "op", 1, [9000, 1006, 1007, 1007])
        self.assertEqual(hist.percentile(50, s.buckets(), 4, 1006, 9000), 1006)

    def test_first_and_last_rank_exact(self) -> None:
        s = fake_dump.FakeSeries("x.y", "op", 1, [1001, 5000, 5001, 9001])
        self.assertEqual(hist.percentile(1, s.buckets(), 4, 1001, 9001), 1001)
        self.assertEqual(hist.percentile(100, s.buckets(), 4, 1001, 9001), 9001)
        self.assertEqual(hist.percentile(50, s.buckets(), 4, 1001, 9001), 5024)

    def test_mean(self) -> None:
        self.assertEqual(hist.mean(10, 4), 2.5)
        self.assertRaises(ValueError, hist.mean, 0, 0)
