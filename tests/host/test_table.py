"""The terminal and markdown tables: width, ratios and their significance,
efficiency against the platform ceiling, the emulated note, and the design
against its strongest rival."""

import dataclasses
import unittest

import fake_dump
from benchtools import benchlog
from benchtools import calib
from benchtools import results
from benchtools import stats
from benchtools import table
from benchtools import variants


def rows(names: list[str] = fake_dump.VARIANTS, repeats: int = 1,
         target: str = "qemu") -> list[results.Row]:
    dumps = []
    for v in names:
        for repeat in range(1, repeats + 1):
            lines = fake_dump.dump_lines(v, fake_dump.standard_series(v, (1, 2), seed=repeat),
                                         target=target, repeat=repeat)
            dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{v}-{repeat}.log"))
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


class TestRival(unittest.TestCase):
    """The design against its strongest rival: frame's, LLFree."""
    rows: list[results.Row]

    @classmethod
    def setUpClass(cls) -> None:
        # Two repeats on both targets of the design, the frame baseline and the rival.
        names = [variants.DEFAULT, variants.BASELINES["frame"], fake_dump.RIVAL]
        cls.rows = rows(names, 2) + rows(names, 2, "hosted")

    def pair(self, target: str, op: str, cpus: int) -> tuple[results.Row, results.Row]:
        found = {r.variant: r for r in self.rows if (r.target, r.suite, r.op, r.cpus)
                 == (target, "frame.bulk", op, cpus)}
        return found[variants.DEFAULT], found[fake_dump.RIVAL]

    def test_no_rival_no_section(self) -> None:
        without = [r for r in self.rows if r.variant != fake_dump.RIVAL]
        self.assertEqual(table.races(without), [])
        self.assertEqual(table.rival_markdown(without), [])
        self.assertNotIn(table.RIVAL_TITLE, table.text(without, {}))
        self.assertNotIn("d/r", table.text(without, {}))
        # Nor without the design beside the rival.
        self.assertEqual(table.races([r for r in self.rows if r.variant != variants.DEFAULT]), [])

    def test_races_pair_every_frame_series(self) -> None:
        [(mechanism, found)] = table.races(self.rows)
        self.assertEqual(mechanism, "frame")
        series = [(g[0], g[1], g[2], g[4]) for g, _, _ in found]
        # Both targets, both ops, 1 and 2 CPUs of the one frame suite; no
        # slab, shootdown or calibration series.
        self.assertEqual(sorted(series), sorted((t, "frame.bulk", op, c) for t in ("hosted", "qemu")
                                                for op in ("alloc", "free") for c in (1, 2)))
        for group, design, rival in found:
            self.assertEqual((design.variant, rival.variant), (variants.DEFAULT, fake_dump.RIVAL))
            self.assertEqual(design.group(), group)
            self.assertEqual(rival.group(), group)

    def test_terminal_section(self) -> None:
        text = table.text(self.rows, {}).splitlines()
        for line in text:
            self.assertLessEqual(len(line), 100, line)
        start = next(i for i, line in enumerate(text) if line.startswith(table.RIVAL_TITLE))
        section = text[start:]
        self.assertIn(f"d/r: the design, default ({variants.DEFAULT}), over the mechanism's "
                      f"strongest published rival", " ".join(" ".join(section).split()))
        self.assertIn("frame: llfree-magazine-batched (LLFree: lock-free bitfield trees, per-CPU "
                      "tree reservations)", section)
        design, rival = self.pair("hosted", "free", 2)
        at = section.index("frame.bulk free order=0, 2 CPUs (hosted, each mode)")
        d_line, r_line, ratio_line = section[at + 1:at + 4]
        for line, r, role in ((d_line, design, "default"), (r_line, rival, "rival")):
            p50, ops = r.p50_ci(), r.ops_ci()
            assert p50 is not None and ops is not None
            self.assertEqual(line.split(), [r.variant, f"({role})", table.fmt_ns(r.p50_ns),
                                            f"{table.fmt_ns(p50[0])}-{table.fmt_ns(p50[1])}",
                                            f"{r.ops_per_sec:,.0f}",
                                            f"{ops[0]:,.0f}-{ops[1]:,.0f}"])
        p50_words = [f"{design.p50_ns / rival.p50_ns:.2f}"] + ["n.s."] * bool(
            stats.overlap(design.p50_ci(), rival.p50_ci()))
        ops_words = [f"{design.ops_per_sec / rival.ops_per_sec:.2f}"] + ["n.s."] * bool(
            stats.overlap(design.ops_ci(), rival.ops_ci()))
        self.assertEqual(ratio_line.split(), ["d/r"] + p50_words + ops_words)

    def test_significance(self) -> None:
        """n.s. exactly where the two intervals overlap, as for d/b."""
        rows = [dataclasses.replace(r) for r in self.rows]
        found = {r.variant: r for r in rows if (r.target, r.suite, r.op, r.cpus)
                 == ("qemu", "frame.bulk", "alloc", 1)}
        d, r = found[variants.DEFAULT], found[fake_dump.RIVAL]
        d.p50_ci_lo_ns, d.p50_ci_hi_ns, d.ops_ci_lo, d.ops_ci_hi = 10, 20, 100, 200
        r.p50_ci_lo_ns, r.p50_ci_hi_ns, r.ops_ci_lo, r.ops_ci_hi = 19, 30, 201, 300
        md = "\n".join(table.rival_markdown(rows))
        row = next(line for line in md.splitlines()
                   if line.startswith("| frame.bulk alloc order=0, 1 CPU (qemu) | each |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[2:], [f"{table.fmt_ns(d.p50_ns)} [10.0-20.0]",
                                     f"{table.fmt_ns(r.p50_ns)} [19.0-30.0]",
                                     f"{d.p50_ns / r.p50_ns:.2f} n.s.",
                                     f"{d.ops_per_sec:,.0f} [100-200]",
                                     f"{r.ops_per_sec:,.0f} [201-300]",
                                     f"{d.ops_per_sec / r.ops_per_sec:.2f}"])

    def test_single_repeat_has_no_intervals(self) -> None:
        once = rows([variants.DEFAULT, fake_dump.RIVAL])
        md = table.rival_markdown(once)
        row = next(line for line in md if line.startswith("| frame.bulk free order=0, 2 CPUs"))
        self.assertNotIn("[", row)
        self.assertNotIn("n.s.", row)
        self.assertEqual(len([line for line in md if line.startswith("| frame.bulk")]), 4)

    def test_rival_labelled_in_the_results_table(self) -> None:
        text = table.text(self.rows, {})
        main = text[:text.index(table.RIVAL_TITLE)].splitlines()
        at = main.index("frame.bulk alloc order=0, 1 CPU (qemu, each mode)")
        self.assertEqual([line.split()[0:2] for line in main[at + 1:at + 4]],
                         [[variants.DEFAULT, "(default)"],
                          [variants.BASELINES["frame"], "(baseline)"],
                          [fake_dump.RIVAL, "(rival)"]])
