"""report.md: the platform calibration section, the design against its
strongest rival, the hosted/QEMU side by side, the fragmentation table and
the false-sharing table."""

import unittest

import fake_dump
from benchtools import benchlog
from benchtools import report
from benchtools import results
from benchtools import variants

TSC = 2_000_000_000


def series(suite: str, op: str, cpus: int, cycles: int,
           per_cpu: int = 100) -> fake_dump.FakeSeries:
    """per_cpu operations of `cycles` each on every CPU, back to back: the
    wall time is one CPU's share, so ops/s is exact."""
    return fake_dump.FakeSeries(suite, op, cpus, [cycles] * (per_cpu * cpus),
                                wall=per_cpu * cycles)


def hand_rows(targets: tuple[str, ...] = ("qemu",)) -> list[results.Row]:
    """calib.work private takes 1.6x as long per op at 2 CPUs (ceiling 1.25x
    of 2); slab.pair kmalloc 1.25x (speedup 1.6, efficiency 1.28)."""
    dumps = []
    for target in targets:
        made = [series("calib.work", "private", 1, 1000), series("calib.work", "private", 2, 1600),
                series("calib.work", "reg", 1, 500), series("calib.work", "reg", 2, 500),
                series("calib.empty", "timer", 1, 40), series("calib.empty", "timer", 2, 100),
                series("calib.shared", "write", 2, 300), series("calib.ipi", "roundtrip", 2, 4000),
                series("slab.pair", "kmalloc", 1, 100), series("slab.pair", "kmalloc", 2, 125)]
        lines = fake_dump.dump_lines(variants.DEFAULT, made, tsc_hz=TSC, target=target)
        dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{target}.log"))
    return results.collect(dumps)[0]


def section(text: str, heading: str) -> list[str]:
    """The lines of a '## heading' section of report.md."""
    lines = text.splitlines()
    start = lines.index(f"## {heading}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start + 1:end]


class TestReport(unittest.TestCase):
    def markdown(self, rows: list[results.Row]) -> str:
        return report.markdown(rows, {"run_id": "r"}, [], "/tmp/r", "/tmp/p")

    def test_calibration_section(self) -> None:
        text = self.markdown(hand_rows())
        self.assertLess(text.index("## Platform calibration"), text.index("## Results"))
        calibration = section(text, "Platform calibration")
        self.assertIn("### qemu, each mode", calibration)
        # 2 CPUs: ceiling 1.25x (0.62 of N); reg 2.00x (1.00); timer p50 100
        # cycles = 50 ns, 2e9 Hz x 2 CPUs / 4e7 ops/s = 100 cycles per op and
        # CPU (at 1 CPU 2e9 / 5e7 = 40); shared line 300 cycles = 150 ns; IPI
        # 4000 cycles = 2000 ns.
        self.assertIn(f"| 2 | {variants.DEFAULT} | 1.25x | 0.62 | 2.00x | 1.00 | 100 | 50.0 | "
                      f"100.0 | 150.0 | 2,000.0 |", calibration)
        self.assertIn(f"| 1 | {variants.DEFAULT} | 1.00x | 1.00 | 1.00x | 1.00 | 40 | 20.0 | "
                      f"40.0 | - | - |", calibration)
        self.assertIn(f"At 2 CPUs this platform scales to 1.25x of 2x (calib.work private, "
                      f"{variants.DEFAULT}), below 0.8 x 2: figures marked 'platform-limited' "
                      f"measure the platform as much as the code.", calibration)
        # Every 2-CPU series is limited: 5 calib series and slab.pair.
        self.assertIn(f"Platform-limited: {variants.DEFAULT} at 2 CPUs (6 series).", calibration)
        self.assertIn("| 1.28 platform-limited |", "\n".join(section(text, "Results")))
        self.assertNotIn("## Hosted and QEMU side by side", text)
        self.assertNotIn("Design against its strongest rival", text)

    def test_a_ceiling_above_ideal_is_called_unreliable(self) -> None:
        """calib.work private 3x as fast per CPU at 2 CPUs as at 1: a
        ceiling of 6 on 2 CPUs, which only a slowed 1-CPU run can give."""
        made = [series("calib.work", "private", 1, 3000), series("calib.work", "private", 2, 1000)]
        lines = fake_dump.dump_lines(variants.DEFAULT, made, tsc_hz=TSC)
        rows = results.collect([benchlog.parse_bytes(fake_dump.log_bytes(lines))])[0]
        calibration = "\n".join(section(self.markdown(rows), "Platform calibration"))
        self.assertIn("scales to 6.00x of 2x (calib.work private, "
                      f"{variants.DEFAULT}), above 1.25 x 2, which CPU-private work cannot "
                      "reach", calibration)
        self.assertIn("unreliable", calibration)
        self.assertNotIn("unreliable", "\n".join(section(self.markdown(hand_rows()),
                                                         "Platform calibration")))

    def test_uncalibrated_mode(self) -> None:
        s = fake_dump.FakeSeries("slab.pair", "kmalloc+kfree", 1, [100] * 10, mode="batch", ops=160)
        lines = fake_dump.dump_lines(variants.DEFAULT, [s])
        rows = results.collect([benchlog.parse_bytes(fake_dump.log_bytes(lines))])[0]
        self.assertIn("No calibration suites ran for qemu in batch mode",
                      "\n".join(section(self.markdown(rows), "Platform calibration")))

    def test_fragmentation_section(self) -> None:
        self.assertNotIn("## Fragmentation", self.markdown(hand_rows()))
        dumps = []
        for variant, free_huge in ((variants.DEFAULT, 3), ("buddy-magazine-batched", 0)):
            made = [series("frame.frag", op, cpus, 100) for op in ("alloc", "free")
                    for cpus in (1, 2)]
            frags = [fake_dump.FakeFrag("frame.frag", cpus, 5000, free_huge) for cpus in (1, 2)]
            lines = fake_dump.dump_lines(variant, made, tsc_hz=TSC, frags=frags)
            dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log"))
        frag = section(self.markdown(results.collect(dumps)[0]), "Fragmentation")
        table = [line for line in frag if line.startswith("| frame.frag")]
        # One line per variant and CPU count (not per op), CPU counts first.
        self.assertEqual(table, [
            "| frame.frag | 1 | buddy-magazine-batched | qemu | each | 5,000 | 0 | 0.0% |",
            f"| frame.frag | 1 | {variants.DEFAULT} | qemu | each | 5,000 | 3 | 30.7% |",
            "| frame.frag | 2 | buddy-magazine-batched | qemu | each | 5,000 | 0 | 0.0% |",
            f"| frame.frag | 2 | {variants.DEFAULT} | qemu | each | 5,000 | 3 | 30.7% |"])

    def test_false_sharing_section(self) -> None:
        self.assertNotIn("## False sharing", self.markdown(hand_rows()))
        dumps = []
        # The magazines: both CPUs' objects in one line, writes 3x the
        # private loop's at 2 CPUs; SLUB: none shared, the same time.
        for variant, shared, slow in ((variants.DEFAULT, 2, 3), ("pcp-slub-batched", 0, 1)):
            made = [series("alloc.cache_scratch", "write_private", cpus, 1000) for cpus in (1, 2)]
            made += [series("alloc.cache_scratch", "write", cpus, 1000 * (slow if cpus > 1 else 1))
                     for cpus in (1, 2)]
            made.append(series("alloc.cache_thrash", "write", 2, 1000))  # no control: left out
            shares = [fake_dump.FakeShare("alloc.cache_scratch", cpus, shared if cpus > 1 else 0)
                      for cpus in (1, 2)] + [fake_dump.FakeShare("alloc.cache_thrash", 2, 2)]
            lines = fake_dump.dump_lines(variant, made, tsc_hz=TSC, shares=shares)
            dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log"))
        text = self.markdown(results.collect(dumps)[0])
        self.assertLess(text.index("## False sharing"), text.index("## Plots"))
        table = [line for line in section(text, "False sharing") if line.startswith("| alloc.")]
        # 1000 cycles at 2 GHz: 500 ns.
        self.assertEqual(table, [
            f"| alloc.cache_scratch | 1 | {variants.DEFAULT} | qemu | each | 0 of 1 | 500.0 | "
            f"500.0 | 1.00x |",
            "| alloc.cache_scratch | 1 | pcp-slub-batched | qemu | each | 0 of 1 | 500.0 | "
            "500.0 | 1.00x |",
            f"| alloc.cache_scratch | 2 | {variants.DEFAULT} | qemu | each | 2 of 2 | 1,500.0 | "
            f"500.0 | 3.00x |",
            "| alloc.cache_scratch | 2 | pcp-slub-batched | qemu | each | 0 of 2 | 500.0 | "
            "500.0 | 1.00x |"])

    def test_hosted_and_qemu_side_by_side(self) -> None:
        rows = hand_rows(("qemu", "hosted"))
        side = section(self.markdown(rows), "Hosted and QEMU side by side")
        self.assertIn("| series | variant | p50 ns hosted | p50 ns qemu | ops/s hosted | "
                      "ops/s qemu | efficiency hosted | efficiency qemu |", side)
        # slab.pair at 2 CPUs: 125 cycles = 62.5 ns, 2 x 1.6e7 ops/s, efficiency 1.28.
        self.assertIn(f"| slab.pair kmalloc, 2 CPUs (each mode) | {variants.DEFAULT} | 62.5 | "
                      f"62.5 | 32,000,000 | 32,000,000 | 1.28 platform-limited | "
                      f"1.28 platform-limited |", side)
        # The heading, then every series (each measured under both targets).
        self.assertEqual(len([line for line in side if line.startswith("| ")]),
                         1 + len(rows) // 2)

    def test_design_against_rival(self) -> None:
        """Its own section after the results: frame.bulk at 1 and 2 CPUs,
        the design's p50 of 200 cycles against the rival's 300 (100 and
        150 ns at 2 GHz: d/r 0.67), ops/s 1.5 times the rival's."""
        dumps = []
        for variant, cycles in ((variants.DEFAULT, 200), (fake_dump.RIVAL, 300)):
            made = [series("frame.bulk", op, cpus, cycles) for op in ("alloc", "free")
                    for cpus in (1, 2)] + [series("slab.pair", "kmalloc", 1, cycles)]
            lines = fake_dump.dump_lines(variant, made, tsc_hz=TSC)
            dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log"))
        text = self.markdown(results.collect(dumps)[0])
        self.assertLess(text.index("## Results"), text.index("## Design against its strongest rival"))
        self.assertLess(text.index("## Design against its strongest rival"), text.index("## Plots"))
        rival = section(text, "Design against its strongest rival")
        self.assertIn("### frame: llfree-magazine-batched (LLFree: lock-free bitfield trees, "
                      "per-CPU tree reservations)", rival)
        rows = [line for line in rival if line.startswith("| frame.") or line.startswith("| slab.")]
        # One repeat: no intervals, no n.s.; 1e7 ops/s per CPU against 6.67e6.
        self.assertEqual(rows, [f"| frame.bulk {op}, {cpus} CPU{'s' * (cpus > 1)} (qemu) | "
                                f"each | 100.0 | 150.0 | 0.67 | {1e7 * cpus:,.0f} | "
                                f"{2e7 * cpus / 3:,.0f} | 1.50 |"
                                for op in ("alloc", "free") for cpus in (1, 2)])

    def test_published_workloads(self) -> None:
        """A wis suite: its origin, its parameters with the stated scaling,
        and ops/s per CPU count (1e7 per CPU for the design's 200 cycles,
        2/3 of that for the baseline's 300) with the ratio to the design."""
        self.assertNotIn("## Published workloads", self.markdown(hand_rows()))
        dumps = []
        for variant, cycles in ((variants.DEFAULT, 200), ("buddy-magazine-batched", 300)):
            made = [fake_dump.FakeSeries(
                "wis.page_fault2", "page_fault2", cpus, [cycles] * (100 * cpus),
                params={"size": "16M", "scaled_from": "128M", "file": "memfd"},
                wall=100 * cycles) for cpus in (1, 2)]
            lines = fake_dump.dump_lines(variant, made, tsc_hz=TSC)
            dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log"))
        text = self.markdown(results.collect(dumps)[0])
        self.assertLess(text.index("## Results"), text.index("## Published workloads"))
        part = section(text, "Published workloads")
        origin = [line for line in part if line.startswith("| wis.page_fault2 | will-it-scale")]
        self.assertEqual(len(origin), 1)
        self.assertIn("tests/page_fault2.c", origin[0])
        self.assertIn("| file=memfd scaled_from=128M size=16M |", origin[0])
        self.assertIn("size 16M instead of 128M", origin[0])
        self.assertIn("a memfd in place of mkstemp", origin[0])
        speeds = [line for line in part if line.startswith("| wis.page_fault2 | page_fault2")]
        self.assertEqual(speeds, [
            f"| wis.page_fault2 | page_fault2 | qemu | each | {variants.DEFAULT} | "
            "10,000,000 (10,000,000) | 1.00x | 20,000,000 (10,000,000) | 1.00x |",
            "| wis.page_fault2 | page_fault2 | qemu | each | buddy-magazine-batched | "
            "6,666,667 (6,666,667) | 0.67x | 13,333,333 (6,666,667) | 0.67x |"])

    def test_published_workloads_say_what_was_not_kept(self) -> None:
        made = [fake_dump.FakeSeries("alloc.threadtest", "malloc", 1, [100] * 10,
                                     params={"objsize": 64, "iterations": 100,
                                             "published": "iterations:1000,time:5s"})]
        lines = fake_dump.dump_lines(variants.DEFAULT, made, tsc_hz=TSC)
        rows = results.collect([benchlog.parse_bytes(fake_dump.log_bytes(lines))])[0]
        part = section(self.markdown(rows), "Published workloads")
        origin = [line for line in part if line.startswith("| alloc.threadtest | Hoard")]
        self.assertEqual(len(origin), 1)
        self.assertIn("`threadtest P 1000 10000 0 8`", origin[0])
        self.assertIn("published iterations 1000, time 5s", origin[0])
