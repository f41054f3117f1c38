"""The terminal and markdown tables: width, ratios and their significance,
efficiency against the platform ceiling, the emulated note."""

import dataclasses
import unittest

import fake_dump
from benchtools import benchlog
from benchtools import calib
from benchtools import results
from benchtools import table
from benchtools import variants


def rows() -> list[results.Row]:
    dumps = []
    for v in fake_dump.VARIANTS:
        lines = fake_dump.dump_lines(v, fake_dump.standard_series(v, (1, 2)))
        dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{v}.log"))
    return results.collect(dumps)[0]


class TestTable(unittest.TestCase):
    rows: list[results.Row]

    @classmethod
    def setUpClass(cls) -> None:
        cls.rows = rows()

    def test_fits_100_columns(self) -> None:
        for accel in ("tcg", "icount", "kvm"):
            text = table.text(self.rows, {"accel": accel, "debug": True, "complete": False})
            for line in text.splitlines():
                self.assertLessEqual(len(line), 100, line)

    def test_wide_numbers_stay_apart(self) -> None:
        # Latencies of tens of milliseconds fill their columns: a space must
        # still separate them (not 24,88924,027,881).
        wide = [dataclasses.replace(r, p50_ns=24_889_000.0, p99_ns=24_027_881_000.0)
                for r in self.rows]
        text = table.text(wide, {})
        self.assertIn("24,889,000 24,027,881,000", text)

    def test_emulated_marked(self) -> None:
        self.assertIn("emulated (TCG)", table.text(self.rows, {"accel": "tcg"}).splitlines()[0])
        self.assertNotIn("emulated", table.text(self.rows, {"accel": "kvm"}))
        self.assertIn("emulated", table.markdown(self.rows, {"accel": "icount"}))

    def test_ratios_default_over_baseline(self) -> None:
        text = table.text(self.rows, {})
        for suite in ("frame.bulk", "slab.kmalloc", "shootdown.unmap"):
            by_variant = {r.variant: r for r in self.rows if r.suite == suite and r.cpus == 2}
            baseline = variants.baseline(suite)
            assert baseline is not None
            d, b = by_variant[variants.DEFAULT], by_variant[baseline]
            expected = f"{d.p50_ns / b.p50_ns:.2f}{d.ops_per_sec / b.ops_per_sec:>11.2f}"
            self.assertNotIn("n.s.", text)          # one repeat: no intervals
            with self.subTest(suite=suite):
                lines = [line for line in text.splitlines()
                         if line.startswith(f"  {variants.DEFAULT} (default)")]
                self.assertTrue(any(line.endswith(expected) for line in lines), expected)
                self.assertIn(f"  {variants.baseline(suite)} (baseline)", text)

    def test_mechanisms(self) -> None:
        self.assertEqual(variants.baseline("frame.bulk"), "buddy-magazine-batched")
        self.assertEqual(variants.baseline("slab.kmalloc"), "pcp-locked-batched")
        for suite in ("shootdown.unmap", "mapper.map", "syscall.mmap", "vm.fault"):
            self.assertEqual(variants.baseline(suite), "pcp-magazine-sync")
        self.assertIsNone(variants.baseline("other.x"))

    def test_not_significant_where_intervals_overlap(self) -> None:
        rows = [dataclasses.replace(r) for r in self.rows]
        found = {r.variant: r for r in rows if (r.suite, r.cpus) == ("frame.bulk", 2)
                 and r.op == "alloc"}
        d, b = found[variants.DEFAULT], found[variants.BASELINES["frame"]]
        for r, p50_ci, ops_ci in ((d, (10, 20), (100, 200)), (b, (19, 30), (201, 300))):
            r.repeats = 3
            r.p50_ci_lo_ns, r.p50_ci_hi_ns = p50_ci
            r.ops_ci_lo, r.ops_ci_hi = ops_ci
        text = table.text(rows, {})
        line = next(line for line in text.splitlines()[text.splitlines().index(
            "frame.bulk alloc order=0, 2 CPUs (qemu, each mode)") + 1:]
            if line.startswith(f"  {variants.DEFAULT}"))
        p50_ratio = f"{d.p50_ns / b.p50_ns:.2f}"
        self.assertTrue(line.endswith(f"{p50_ratio} n.s.{d.ops_per_sec / b.ops_per_sec:>11.2f}"),
                        line)
        self.assertEqual(text.count("n.s."), 2)        # that cell and the note explaining it
        self.assertIn("n.s.: not significant", text)
        self.assertIn(f"{p50_ratio} n.s. |", table.markdown(rows, {}))

    def test_efficiency_and_ceiling(self) -> None:
        text = table.text(self.rows, {})
        ceiling = calib.reference_ceilings(self.rows)[("qemu", "each")][1][2]
        self.assertIn(f"platform ceiling (calib.work private, qemu, mode each): 1 CPU 1.00x, "
                      f"2 CPUs {ceiling:.2f}x of 2", text)
        self.assertIn("Efficiency is relative to the platform ceiling", text)
        r = next(r for r in self.rows if r.variant == variants.DEFAULT and r.cpus == 2
                 and r.suite == "shootdown.unmap" and r.params["pages"] == "8")
        self.assertEqual(r.platform_limited, 1)         # the fake platform: 1.25x of 2
        self.assertIn(f"{r.ops_per_sec:,.0f}{r.efficiency:>8.2f}*", text)

    def test_markdown(self) -> None:
        md = table.markdown(self.rows, {"accel": "kvm"})
        self.assertIn("| series | mode | variant | p50 ns | p99 ns | ops/s | efficiency (of "
                      "ceiling) | p50 d/b | ops/s d/b |", md)
        self.assertIn("| frame.bulk alloc order=0, 2 CPUs (qemu) | each | "
                      "pcp-magazine-batched (default) |", md)
        self.assertIn(" platform-limited |", md)
