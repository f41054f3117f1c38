"""The terminal and markdown tables: width, ratios, the emulated note."""

import unittest

import fake_dump
import benchlog
import results
import table
import variants


def rows():
    dumps = []
    for v in fake_dump.VARIANTS:
        lines = fake_dump.dump_lines(v, fake_dump.standard_series(v, (1, 2)))
        dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{v}.log"))
    return results.collect(dumps)[0]


class TestTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = rows()

    def test_fits_100_columns(self):
        for accel in ("tcg", "icount", "kvm"):
            text = table.text(self.rows, {"accel": accel, "debug": True, "complete": False})
            for line in text.splitlines():
                self.assertLessEqual(len(line), 100, line)

    def test_emulated_marked(self):
        self.assertIn("emulated (TCG)", table.text(self.rows, {"accel": "tcg"}).splitlines()[0])
        self.assertNotIn("emulated", table.text(self.rows, {"accel": "kvm"}))
        self.assertIn("emulated", table.markdown(self.rows, {"accel": "icount"}))

    def test_ratios_default_over_baseline(self):
        text = table.text(self.rows, {})
        for suite in ("frame.bulk", "slab.kmalloc", "shootdown.unmap"):
            by_variant = {r.variant: r for r in self.rows if r.suite == suite and r.cpus == 2}
            d, b = by_variant[variants.DEFAULT], by_variant[variants.baseline(suite)]
            expected = f"{d.p50_ns / b.p50_ns:.2f}{d.ops_per_sec / b.ops_per_sec:>11.2f}"
            with self.subTest(suite=suite):
                lines = [line for line in text.splitlines()
                         if line.startswith(f"  {variants.DEFAULT} (default)")]
                self.assertTrue(any(line.endswith(expected) for line in lines), expected)
                self.assertIn(f"  {variants.baseline(suite)} (baseline)", text)

    def test_mechanisms(self):
        self.assertEqual(variants.baseline("frame.bulk"), "buddy-magazine-batched")
        self.assertEqual(variants.baseline("slab.kmalloc"), "pcp-locked-batched")
        for suite in ("shootdown.unmap", "mapper.map", "syscall.mmap", "vm.fault"):
            self.assertEqual(variants.baseline(suite), "pcp-magazine-sync")
        self.assertIsNone(variants.baseline("other.x"))

    def test_markdown(self):
        md = table.markdown(self.rows, {"accel": "kvm"})
        self.assertIn("| series | variant | p50 ns | p99 ns | ops/s | p50 d/b | ops/s d/b |", md)
        self.assertIn("| frame.bulk alloc order=0, 2 CPUs | pcp-magazine-batched (default) |", md)
