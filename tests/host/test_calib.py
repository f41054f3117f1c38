"""The platform ceiling, speedup, efficiency and platform_limited (calib.py)
on hand-made rows."""

import unittest

from benchtools import calib
from benchtools import results
from benchtools import variants

OTHER = "buddy-magazine-batched"


def row(suite: str, op: str, cpus: int, ops_per_sec: float, mode: str = "each",
        variant: str = variants.DEFAULT, target: str = "qemu") -> results.Row:
    """A row with what calib reads: the series and its ops/s."""
    return results.Row(variant, target, suite, op, cpus, mode, samples=1, mean_ns=0.0,
                       p50_ns=0.0, p90_ns=0.0, p99_ns=0.0, p999_ns=0.0, max_ns=0.0,
                       ops_per_sec=ops_per_sec, params={})


def scaling(r: results.Row) -> tuple[float | None, float | None, float | None, int | None]:
    return (r.speedup, r.ceiling, r.efficiency, r.platform_limited)


class TestCeiling(unittest.TestCase):
    def setUp(self) -> None:
        self.rows = {
            "work1": row("calib.work", "private", 1, 1000.0),
            "work2": row("calib.work", "private", 2, 1500.0),     # 1.5 < 0.8 x 2
            "work4": row("calib.work", "private", 4, 3600.0),     # 3.6 >= 0.8 x 4
            "pair1": row("slab.pair", "kmalloc", 1, 200.0),
            "pair2": row("slab.pair", "kmalloc", 2, 240.0),
            "pair4": row("slab.pair", "kmalloc", 4, 720.0),
            "ipi2": row("calib.ipi", "roundtrip", 2, 50.0),        # no 1-CPU counterpart
            "sample1": row("slab.pair", "kmalloc", 1, 100.0, mode="sample"),   # uncalibrated
            "sample2": row("slab.pair", "kmalloc", 2, 150.0, mode="sample"),
            "other1": row("calib.work", "private", 1, 1000.0, variant=OTHER),
            "other2": row("calib.work", "private", 2, 1900.0, variant=OTHER),
            "hosted2": row("slab.pair", "kmalloc", 2, 400.0, target="hosted"),
        }
        calib.apply(list(self.rows.values()))

    def test_ceilings(self) -> None:
        self.assertEqual(calib.ceilings(self.rows.values()), {
            (variants.DEFAULT, "qemu", "each", ""): {1: 1.0, 2: 1.5, 4: 3.6},
            (OTHER, "qemu", "each", ""): {1: 1.0, 2: 1.9}})

    def test_each_memory_size_its_own_ceiling(self) -> None:
        """A sweep's memory sizes are other boots: each is calibrated alone."""
        rows = [row("calib.work", "private", 1, 1000.0), row("calib.work", "private", 2, 1200.0),
                row("slab.pair", "kmalloc", 1, 100.0), row("slab.pair", "kmalloc", 2, 180.0)]
        big = [row(r.suite, r.op, r.cpus, r.ops_per_sec * (1.5 if r.cpus == 2 else 1.0))
               for r in rows]
        for r, mem in [(r, "256") for r in rows] + [(r, "1024") for r in big]:
            r.params = {results.MEM_PARAM: mem}
        calib.apply(rows + big)
        self.assertEqual(scaling(rows[3]), (1.8, 1.2, 1.5, 1))
        self.assertEqual(scaling(big[3]), (2.7, 1.8, 1.5, 0))

    def test_efficiency_against_the_ceiling(self) -> None:
        r = self.rows
        self.assertEqual(scaling(r["pair1"]), (1.0, 1.0, 1.0, 0))
        self.assertEqual(scaling(r["pair2"]), (1.2, 1.5, 1.2 / 1.5, 1))
        self.assertEqual(scaling(r["pair4"]), (3.6, 3.6, 1.0, 0))
        self.assertEqual(scaling(r["work2"]), (1.5, 1.5, 1.0, 1))

    def test_unknowns(self) -> None:
        r = self.rows
        self.assertEqual(scaling(r["ipi2"]), (None, 1.5, None, 1))
        self.assertEqual(scaling(r["sample1"]), (1.0, 1.0, 1.0, 0))
        self.assertEqual(scaling(r["sample2"]), (1.5, None, None, None))
        self.assertEqual(scaling(r["hosted2"]), (None, None, None, None))

    def test_each_variant_its_own_calibration(self) -> None:
        self.assertEqual(scaling(self.rows["other2"]), (1.9, 1.9, 1.0, 0))

    def test_reference_prefers_the_default(self) -> None:
        self.assertEqual(calib.reference_ceilings(self.rows.values()),
                         {("qemu", "each"): (variants.DEFAULT, {1: 1.0, 2: 1.5, 4: 3.6})})
        del self.rows["work1"]
        self.assertEqual(calib.reference_ceilings(self.rows.values()),
                         {("qemu", "each"): (OTHER, {1: 1.0, 2: 1.9})})
