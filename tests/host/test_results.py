"""summary.csv / histograms.csv / meta.json: contents, reading back, and
rejection of truncated or corrupted files by name."""

import csv
import os
import tempfile
import unittest
from collections.abc import Sequence
from typing import Any

import fake_dump
from benchtools import benchlog
from benchtools import hist
from benchtools import results
from benchtools.fsutil import sha256_bytes

LEADING = ("variant,suite,op,cpus,samples,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,"
           "ops_per_sec").split(",")


STATS = ("target,mode,repeats,ops,p50_ci_lo_ns,p50_ci_hi_ns,ops_ci_lo,ops_ci_hi,speedup,"
         "ceiling,efficiency,platform_limited").split(",")


def parsed(variants: Sequence[str] = fake_dump.VARIANTS, cpus_list: Sequence[int] = (1, 2)
           ) -> tuple[list[benchlog.Dump], dict[results.Key, fake_dump.FakeSeries]]:
    """(dumps, {(variant, target, suite, op, params text, cpus, mode): FakeSeries})."""
    dumps: list[benchlog.Dump] = []
    truth: dict[results.Key, fake_dump.FakeSeries] = {}
    for v in variants:
        series = fake_dump.standard_series(v, cpus_list)
        lines = fake_dump.dump_lines(v, series, cpus=max(cpus_list))
        dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{v}.log"))
        for s in series:
            params = results.params_text({k: str(x) for k, x in s.params.items()})
            truth[(v, "qemu", s.suite, s.op, params, s.cpus, s.mode)] = s
    return dumps, truth


class TestRows(unittest.TestCase):
    dumps: list[benchlog.Dump]
    truth: dict[results.Key, fake_dump.FakeSeries]
    rows: list[results.Row]
    duplicates: list[results.Record]

    @classmethod
    def setUpClass(cls) -> None:
        cls.dumps, cls.truth = parsed()
        cls.rows, cls.duplicates = results.collect(cls.dumps)

    def test_summary_columns(self) -> None:
        header = results.summary_text(self.rows).splitlines()[0].split(",")
        self.assertEqual(header[:12], LEADING)
        self.assertEqual(header[12:24], STATS)
        self.assertEqual(header[24:], ["order", "pages", "size", "ipis_per_op", "rounds_per_op",
                                       "flushes_per_op", "tsc_hz", "min_cycles", "max_cycles",
                                       "free_frames", "free_huge", "huge_share",
                                       "shared_cpus", "line_bytes"])

    def test_plausible_numbers(self) -> None:
        self.assertEqual(len(self.rows), len(self.truth))
        self.assertEqual(self.duplicates, [])
        for r in self.rows:
            s = self.truth[r.key()]
            ns = 1e9 / r.tsc_hz
            with self.subTest(series=results.describe(r.key())):
                self.assertTrue(0 < r.p50_ns <= r.p90_ns <= r.p99_ns <= r.p999_ns <= r.max_ns)
                self.assertAlmostEqual(r.mean_ns, sum(s.values) / len(s.values) * ns, places=6)
                self.assertEqual(r.max_ns, max(s.values) * ns)
                exact = sorted(s.values)[hist.rank(50, len(s.values)) - 1] * ns
                self.assertLessEqual(abs(r.p50_ns - exact), 0.008 * exact)
                # Throughput counts every operation, timed or not.
                self.assertEqual((r.ops, r.repeats), (s.total_ops(), 1))
                self.assertAlmostEqual(r.ops_per_sec, s.total_ops() / (s.wall_cycles() / r.tsc_hz))
                self.assertIsNone(r.p50_ci())
                self.assertIsNone(r.ops_ci())
                if "ipis_sent" in s.counters:
                    self.assertEqual(r.ipis_per_op, s.counters["ipis_sent"] / s.total_ops())
                    self.assertEqual(r.rounds_per_op, s.counters["rounds"] / s.total_ops())
                else:
                    self.assertIsNone(r.ipis_per_op)

    def test_csv_cells(self) -> None:
        table = list(csv.DictReader(results.summary_text(self.rows).splitlines()))
        frame = next(t for t in table if t["suite"] == "frame.bulk")
        self.assertEqual((frame["order"], frame["pages"], frame["ipis_per_op"]), ("0", "", ""))
        unmap = next(t for t in table if t["suite"] == "shootdown.unmap" and t["cpus"] == "2")
        self.assertEqual(unmap["size"], "")
        self.assertGreater(float(unmap["ipis_per_op"]), 0)
        self.assertEqual(unmap["tsc_hz"], "2000000000")
        self.assertEqual((unmap["target"], unmap["mode"], unmap["repeats"]), ("qemu", "each", "1"))
        self.assertEqual([unmap[c] for c in STATS[4:8]], ["", "", "", ""])
        self.assertEqual(unmap["platform_limited"], "1")     # the fake calibration: 1.25x of 2
        sampled = next(t for t in table if t["suite"] == "slab.kmalloc")
        self.assertEqual((sampled["mode"], int(sampled["ops"])),
                         ("sample", int(sampled["samples"]) * fake_dump.SAMPLE_PERIOD))

    def test_read_back(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            for name, text in (("summary.csv", results.summary_text(self.rows)),
                               ("histograms.csv", results.histograms_text(self.rows)),
                               ("repeats.csv", results.repeats_text(self.rows))):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            back, _ = results.load_results(d)
        self.assertEqual([r.key() for r in back], [r.key() for r in self.rows])
        for a, b in zip(self.rows, back):
            self.assertEqual(a.buckets, b.buckets)
            self.assertAlmostEqual(a.p99_ns, b.p99_ns, places=2)
            self.assertEqual((a.min_cycles, a.max_cycles, a.samples, a.ops, a.mode, a.target),
                             (b.min_cycles, b.max_cycles, b.samples, b.ops, b.mode, b.target))
            for attr in ("speedup", "ceiling", "efficiency"):
                x, y = getattr(a, attr), getattr(b, attr)
                self.assertTrue(x is None and y is None or abs(x - y) < 1e-4, (attr, x, y))
            self.assertEqual(a.platform_limited, b.platform_limited)
            self.assertEqual([x.repeat for x in a.per_repeat], [x.repeat for x in b.per_repeat])

    def test_parameters_cannot_shadow_columns(self) -> None:
        hist_keys = {"suite", "op", "cpus", "samples"}      # never parameters
        taken = set(results.LEADING + results.STATS + results.TAIL + results.FRAG
                    + results.HIST_COLUMNS + results.REPEAT_COLUMNS) - hist_keys
        self.assertLessEqual(taken, benchlog.RESERVED_PARAMS)

    def test_duplicate_series_keep_bigger_boot(self) -> None:
        v = fake_dump.VARIANTS[0]
        small = fake_dump.dump_lines(v, fake_dump.standard_series(v, (1,), seed=1), cpus=1)
        big = fake_dump.dump_lines(v, fake_dump.standard_series(v, (1, 2)), cpus=2)
        dumps = [benchlog.parse_bytes(fake_dump.log_bytes(small), "smp1.log"),
                 benchlog.parse_bytes(fake_dump.log_bytes(big), "smp2.log")]
        rows, dups = results.collect(dumps)
        self.assertEqual(len(rows), len(dumps[1].series))
        self.assertEqual(len(dups), len(dumps[0].series))
        self.assertEqual({(d["kept"], d["dropped"]) for d in dups}, {("smp2.log", "smp1.log")})


class TestFiles(unittest.TestCase):
    """Bad results files are rejected, naming the file."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        dumps, self.truth = parsed(fake_dump.VARIANTS[:2], (1, 2))
        rows, _ = results.collect(dumps)
        self.summary = results.summary_text(rows)
        self.histograms = results.histograms_text(rows)
        self.repeats = results.repeats_text(rows)
        self.meta: results.Meta = {"files": {}}
        for name, text in (("summary.csv", self.summary), ("histograms.csv", self.histograms),
                           ("repeats.csv", self.repeats)):
            self.write(name, text)
            self.meta["files"][name] = sha256_bytes(text.encode())
        self.write("meta.json", results.meta_text(self.meta))

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def write(self, name: str, text: str) -> None:
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def rejected(self, words: str, name: str = "summary.csv") -> None:
        with self.assertRaises(results.ResultsError) as e:
            results.load_results(self.dir)
        self.assertIn(os.path.join(self.dir, name), str(e.exception))
        self.assertIn(words, str(e.exception))

    def edit_cell(self, name: str, line: int, column: str, value: str,
                  keep_meta: bool = False) -> None:
        """Set one cell of a csv file (line 1 is the header); without
        keep_meta, meta.json goes, so the content checks speak, not the hash."""
        text = {"summary.csv": self.summary, "histograms.csv": self.histograms,
                "repeats.csv": self.repeats}[name]
        lines = list(csv.reader(text.splitlines()))
        lines[line - 1][lines[0].index(column)] = value
        self.write(name, "".join(",".join(fields) + "\n" for fields in lines))
        if not keep_meta:
            os.remove(os.path.join(self.dir, "meta.json"))

    def test_valid_directory_loads(self) -> None:
        rows, meta = results.load_results(self.dir)
        self.assertEqual(len(rows), len(self.truth))
        self.assertTrue(all(r.buckets for r in rows))
        self.assertTrue(all(len(r.per_repeat) == 1 for r in rows))

    def test_truncated_summary(self) -> None:
        self.write("summary.csv", self.summary[:-30])
        self.rejected("truncated")

    def test_truncated_summary_at_a_line_end(self) -> None:
        self.write("summary.csv", "".join(self.summary.splitlines(True)[:-1]))
        self.rejected("sha256")

    def test_corrupted_summary_cell(self) -> None:
        self.write("summary.csv", self.summary.replace(",2000000000,", ",20x0000000,", 1))
        self.rejected("summary.csv:2: corrupted: tsc_hz='20x0000000'")

    def test_corrupted_summary_digit(self) -> None:
        lines = self.summary.splitlines(True)
        lines[3] = lines[3].replace(".", "7", 1)
        self.write("summary.csv", "".join(lines))
        self.rejected("corrupted or changed")

    def test_summary_without_contract_header(self) -> None:
        self.write("summary.csv", self.summary.replace("p50_ns", "median_ns", 1))
        os.remove(os.path.join(self.dir, "meta.json"))
        self.rejected("header must start with variant,suite,op,cpus,samples,mean_ns")

    def test_corrupted_histogram_bounds(self) -> None:
        low = int(self.histograms.splitlines()[5].split(",")[8])
        self.edit_cell("histograms.csv", 6, "low_cycles", str(low + 1))
        self.rejected("histograms.csv:6: corrupted", "histograms.csv")

    def test_corrupted_new_columns(self) -> None:
        # (file, line, column, bad value, words of the error); line 5 of
        # summary.csv is a calibrated 2-CPU row (platform-limited), every
        # row has one repeat.
        cases = [
            ("summary.csv", 3, "target", "qemux", "summary.csv:3: corrupted: target='qemux'"),
            ("summary.csv", 4, "mode", "often", "summary.csv:4: corrupted: mode='often'"),
            ("summary.csv", 2, "repeats", "0", "summary.csv:2: corrupted: repeats='0'"),
            ("summary.csv", 2, "repeats", "2", "summary.csv:2: corrupted: confidence intervals"),
            ("summary.csv", 2, "ops", "1", "summary.csv:2: corrupted: ops=1 < samples="),
            ("summary.csv", 2, "ops", "-5", "summary.csv:2: corrupted: ops='-5'"),
            ("summary.csv", 2, "p50_ci_lo_ns", "5.0", "summary.csv:2: corrupted: confidence"),
            ("summary.csv", 5, "speedup", "fast", "summary.csv:5: corrupted: speedup='fast'"),
            ("summary.csv", 5, "efficiency", "nan", "summary.csv:5: corrupted: efficiency='nan'"),
            ("summary.csv", 5, "platform_limited", "2",
             "summary.csv:5: corrupted: platform_limited='2'"),
            ("summary.csv", 5, "platform_limited", "",
             "summary.csv:5: corrupted: platform_limited goes with ceiling"),
            ("summary.csv", 5, "platform_limited", "0",
             "summary.csv:5: corrupted: platform_limited=0 does not follow from ceiling"),
            ("summary.csv", 5, "ceiling", "1.9", "summary.csv:5: corrupted: platform_limited=1 "
                                                 "does not follow from ceiling=1.9"),
            ("histograms.csv", 2, "mode", "each2", "histograms.csv:2: corrupted: mode='each2'"),
            ("histograms.csv", 2, "target", "", "histograms.csv:2: corrupted: target=''"),
            ("repeats.csv", 3, "repeat", "x", "repeats.csv:3: corrupted: repeat='x'"),
            ("repeats.csv", 3, "ops", "1", "repeats.csv:3: corrupted: ops=1 < samples="),
            ("repeats.csv", 2, "ops_per_sec", "-1", "repeats.csv:2: corrupted: ops_per_sec='-1'"),
            ("repeats.csv", 2, "target", "hostd", "repeats.csv:2: corrupted: target='hostd'"),
        ]
        for name, line, column, value, words in cases:
            with self.subTest(file=name, column=column, value=value):
                self.setUp()
                self.edit_cell(name, line, column, value)
                self.rejected(words, name)

    def test_repeats_disagreeing_with_summary(self) -> None:
        samples = self.repeats.splitlines()[1].split(",")[8]
        self.edit_cell("repeats.csv", 2, "samples", str(int(samples) - 1))
        self.rejected("do not add up to its repeats=1, samples=", "repeats.csv")

    def test_repeats_changed_after_writing(self) -> None:
        self.edit_cell("repeats.csv", 2, "p50_ns", "1.00", keep_meta=True)
        self.rejected("corrupted or changed", "repeats.csv")

    def test_truncated_repeats(self) -> None:
        self.write("repeats.csv", self.repeats[:-7])
        self.rejected("truncated", "repeats.csv")

    def test_summary_from_before_version_2(self) -> None:
        old = "\n".join(",".join(f for i, f in enumerate(line.split(","))
                                 if not 12 <= i < 24)
                        for line in self.summary.splitlines()) + "\n"
        self.write("summary.csv", old)
        self.rejected("summary.csv:1: made by an older bench.py (no target and mode columns)")

    def test_corrupted_meta(self) -> None:
        self.write("meta.json", results.meta_text(self.meta)[:-10])
        self.rejected("not valid JSON", "meta.json")


class TestMeta(unittest.TestCase):
    def info(self, variant: str, **over: Any) -> results.Record:
        lines = fake_dump.dump_lines(variant, fake_dump.standard_series(variant, (1,)), cpus=1,
                                     **over)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log")
        return results.dump_info(dump, f"{variant}.log", "0" * 64)

    def test_merge(self) -> None:
        infos = [self.info(v) for v in fake_dump.VARIANTS[:2]]
        caller = {"commit": "feedbee", "date": "2025-01-01", "variants": fake_dump.VARIANTS[:3]}
        meta = results.build_meta(caller, infos, [], [], "run-x")
        self.assertEqual(meta["commit"], "feedbee")
        self.assertEqual(meta["date"], "2025-01-01")
        self.assertEqual(meta["run_id"], "run-x")
        self.assertEqual(meta["variants"], sorted(fake_dump.VARIANTS[:2]))
        self.assertEqual(meta["variants_requested"], fake_dump.VARIANTS[:3])
        self.assertEqual(meta["accel"], "tcg")              # from the dumps' hypervisor
        self.assertEqual(meta["tsc_hz"], 2_000_000_000)
        self.assertEqual(meta["timer_overhead_cycles"],
                         {"min": 38, "median_min": 42, "median_max": 42})
        self.assertFalse(meta["complete"])
        self.assertIn(f"variant {fake_dump.VARIANTS[2]} was run but no valid dump has it",
                      meta["incomplete_reasons"])

    def test_complete_and_failures(self) -> None:
        v = fake_dump.VARIANTS[0]
        meta = results.build_meta({"accel": "kvm"}, [self.info(v)], [], [], "r")
        self.assertTrue(meta["complete"])
        self.assertEqual(meta["accel"], "kvm")
        self.assertEqual(meta["commit"], "abc1234")
        failed = self.info(v, statuses={"frame.bulk": "failed"}, end_status="failed",
                           suites="frame.bulk,extra.suite")
        rejected = [{"log": "b.log", "line": 3, "problem": "corrupted: CRC", "sha256": None}]
        meta = results.build_meta({}, [failed], rejected, [], "r")
        reasons = "\n".join(meta["incomplete_reasons"])
        self.assertIn("b.log:3: corrupted", reasons)
        self.assertIn("status=failed", reasons)
        self.assertIn("suite frame.bulk failed", reasons)
        self.assertIn("suite extra.suite was selected but never reported", reasons)

    def test_emulation(self) -> None:
        self.assertEqual(results.emulation({"accel": "tcg"}), "emulated (TCG)")
        self.assertIn("icount", results.emulation({"accel": "icount"}))
        self.assertEqual(results.emulation({"accel": "kvm"}), "")


def repeat_dump(repeat: int, value: int, wall: int, cpus: int = 1,
                variant: str = fake_dump.VARIANTS[0], tsc_hz: int = 10 ** 9) -> benchlog.Dump:
    """A dump of one repeat: 10 samples of `value` cycles of x.y op (at
    1 GHz, so cycles are ns) in `wall` cycles."""
    s = fake_dump.FakeSeries("x.y", "op", 1, [value] * 10, wall=wall)
    lines = fake_dump.dump_lines(variant, [s], cpus=cpus, tsc_hz=tsc_hz, repeat=repeat)
    return benchlog.parse_bytes(fake_dump.log_bytes(lines), f"r{repeat}-smp{cpus}.log")


class TestRepeats(unittest.TestCase):
    """Dumps with other repeat numbers pool into one row with intervals."""

    def test_pooled_row_and_exact_bootstrap(self) -> None:
        # Repeats 1, 2, 3: 10 x 50 cycles at 100 ops/s; repeat 7: 10 x 90 at 500 ops/s.
        dumps = [repeat_dump(n, 50, 10 ** 8) for n in (2, 1, 3)] + [repeat_dump(7, 90, 2 * 10 ** 7)]
        rows, duplicates = results.collect(dumps)
        self.assertEqual((len(rows), duplicates), (1, []))
        r = rows[0]
        self.assertEqual(r.buckets, {50: 30, 90: 10})
        self.assertEqual((r.repeats, r.samples, r.ops, r.min_cycles, r.max_cycles),
                         (4, 40, 40, 50, 90))
        self.assertAlmostEqual(r.mean_ns, 60.0)
        self.assertEqual(r.p50_ns, 50.0)
        self.assertEqual(r.p99_ns, 90.0)
        self.assertAlmostEqual(r.ops_per_sec, 100.0)       # median of 100, 100, 100, 500
        # The 90-cycle repeat drawn j times of 4 (binomial, p = 1/4): weights
        # 81, 108, 54, 12, 1 of 256. p50 is 90 once j >= 3 (13/256 > 2.5%).
        self.assertEqual(r.p50_ci(), (50.0, 90.0))
        # Median ops/s: 100 for j <= 1 (189/256), 300 for j = 2 (243/256),
        # 500 for j >= 3: the 97.5th percentile (249.6 of 256) is 500.
        self.assertEqual(r.ops_ci(), (100.0, 500.0))
        self.assertEqual([(x.repeat, x.p50_ns, x.ops_per_sec) for x in r.per_repeat],
                         [(1, 50.0, 100.0), (2, 50.0, 100.0), (3, 50.0, 100.0),
                          (7, 90.0, 500.0)])
        lines = results.repeats_text(rows).splitlines()
        self.assertEqual(lines[0], ",".join(results.REPEAT_COLUMNS))
        self.assertEqual(lines[4], f"{fake_dump.VARIANTS[0]},qemu,x.y,op,,1,each,7,10,10,"
                                   f"90.00,500.0")

    def test_one_repeat_has_no_interval(self) -> None:
        r = results.collect([repeat_dump(1, 50, 10 ** 8)])[0][0]
        self.assertEqual((r.repeats, r.p50_ci(), r.ops_ci()), (1, None, None))
        cells = next(csv.DictReader(results.summary_text([r]).splitlines()))
        self.assertEqual([cells[c] for c in STATS[4:8]], ["", "", "", ""])

    def test_same_repeat_twice_keeps_bigger_boot(self) -> None:
        dumps = [repeat_dump(1, 50, 10 ** 8, cpus=4), repeat_dump(1, 70, 10 ** 8, cpus=2),
                 repeat_dump(2, 60, 10 ** 8, cpus=2)]
        rows, duplicates = results.collect(dumps)
        self.assertEqual([(x.repeat, x.p50_ns) for x in rows[0].per_repeat],
                         [(1, 50.0), (2, 60.0)])
        self.assertEqual(duplicates, [{"series": results.describe(rows[0].key()), "repeat": 1,
                                       "kept": "r1-smp4.log", "dropped": "r1-smp2.log"}])

    def test_tsc_rates_of_repeats(self) -> None:
        # Each repeat's ops/s uses its own TSC rate; pooled cycles the mean rate.
        dumps = [repeat_dump(1, 100, 10 ** 6, tsc_hz=10 ** 9),
                 repeat_dump(2, 100, 10 ** 6, tsc_hz=3 * 10 ** 9)]
        r = results.collect(dumps)[0][0]
        self.assertEqual(r.tsc_hz, 2 * 10 ** 9)
        self.assertEqual(r.p50_ns, 50.0)
        self.assertEqual([x.ops_per_sec for x in r.per_repeat], [10 ** 4, 3 * 10 ** 4])
        self.assertEqual(r.ops_per_sec, 2 * 10 ** 4)

    def test_variants_and_targets_do_not_pool(self) -> None:
        other = fake_dump.VARIANTS[1]
        s = fake_dump.FakeSeries("x.y", "op", 1, [50] * 10)
        hosted = benchlog.parse_bytes(fake_dump.log_bytes(fake_dump.dump_lines(
            fake_dump.VARIANTS[0], [s], target="hosted", repeat=2)), "h.log")
        rows, _ = results.collect([repeat_dump(1, 50, 10 ** 8),
                                   repeat_dump(2, 50, 10 ** 8, variant=other), hosted])
        self.assertEqual(sorted((r.variant, r.target, r.repeats) for r in rows),
                         [(other, "qemu", 1), (fake_dump.VARIANTS[0], "hosted", 1),
                          (fake_dump.VARIANTS[0], "qemu", 1)])

    def test_meta_counts_repeats_per_variant(self) -> None:
        v = fake_dump.VARIANTS[0]
        infos = [results.dump_info(repeat_dump(n, 50, 10 ** 8), f"r{n}.log", "0" * 64)
                 for n in (1, 2, 3)]
        infos.append(results.dump_info(repeat_dump(1, 50, 10 ** 8, variant=fake_dump.VARIANTS[1]),
                                       "o.log", "0" * 64))
        meta = results.build_meta({}, infos, [], [], "r")
        self.assertEqual(meta["repeats"], {v: {"qemu": 3}, fake_dump.VARIANTS[1]: {"qemu": 1}})
        self.assertEqual(meta["targets"], ["qemu"])
        self.assertEqual((infos[1]["repeat"], infos[1]["target"], infos[1]["modes"]),
                         (2, "qemu", ["each"]))


def step_dump(suite: str, ops: tuple[str, str], step_cpus: int, repeat: int, cpus: int,
              **records: Any) -> benchlog.Dump:
    """A dump of one repeat (a boot of `cpus` CPUs) of one step of a suite
    at step_cpus: two series and the step's records (frags=, shares=)."""
    made = [fake_dump.FakeSeries(suite, op, step_cpus, [50] * 10) for op in ops]
    lines = fake_dump.dump_lines(fake_dump.VARIANTS[0], made, cpus=cpus, repeat=repeat,
                                 **records)
    return benchlog.parse_bytes(fake_dump.log_bytes(lines), f"r{repeat}-smp{cpus}.log")


def frag_dump(repeat: int, free_frames: int, free_huge: int, cpus: int = 1) -> benchlog.Dump:
    """frame.frag at 1 CPU: its alloc and free series and its frag record."""
    return step_dump("frame.frag", ("alloc", "free"), 1, repeat, cpus,
                     frags=[fake_dump.FakeFrag("frame.frag", 1, free_frames, free_huge)])


def share_dump(repeat: int, shared: int, cpus: int = 2) -> benchlog.Dump:
    """alloc.cache_thrash at 2 CPUs: its write and write_private series and
    its share record."""
    return step_dump("alloc.cache_thrash", ("write", "write_private"), 2, repeat, cpus,
                     shares=[fake_dump.FakeShare("alloc.cache_thrash", 2, shared)])


class SummaryFile:
    """A summary.csv in a temporary directory, written and read back."""

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, "summary.csv")

    def load(self, summary: str) -> list[results.Row]:
        with open(self.path, "w") as f:
            f.write(summary)
        return results.load_summary(self.path)

    def check_rejects(self, test: unittest.TestCase, text: str,
                      cases: Sequence[tuple[str, str, str]]) -> None:
        """Each (old, new, words): text with old made new is rejected at
        line 2 with those words."""
        for old, new, words in cases:
            with test.subTest(new=new):
                with test.assertRaises(results.ResultsError) as e:
                    self.load(text.replace(old, new, 1))
                test.assertIn(f"{self.path}:2: corrupted: {words}", str(e.exception))


class TestFrag(unittest.TestCase):
    """Frag records reach summary.csv as its last columns, on every row of
    their suite step, and are read back."""

    def test_columns_of_the_step(self) -> None:
        other = repeat_dump(1, 50, 10 ** 8)
        rows, _ = results.collect([frag_dump(1, 5000, 3), other])
        table = list(csv.DictReader(results.summary_text(rows).splitlines()))
        got = {(t["suite"], t["op"]): [t[c] for c in results.FRAG] for t in table}
        self.assertEqual(got, {("frame.frag", "alloc"): ["5000", "3", "0.3072"],
                               ("frame.frag", "free"): ["5000", "3", "0.3072"],
                               ("x.y", "op"): ["", "", ""]})

    def test_median_repeat(self) -> None:
        # Shares 1536/5000, 512/5000, 2560/6000, 0/4000: the lower middle is
        # repeat 2's, and its three figures stay together; of the first
        # three, repeat 1's is the median.
        dumps = [frag_dump(1, 5000, 3), frag_dump(2, 5000, 1), frag_dump(3, 6000, 5),
                 frag_dump(4, 4000, 0)]
        r = results.collect(dumps)[0][0]
        self.assertEqual((r.repeats, r.free_frames, r.free_huge), (4, 5000, 1))
        r = results.collect(dumps[:3])[0][0]
        self.assertEqual((r.free_frames, r.free_huge, r.huge_share), (5000, 3, 0.3072))

    def test_same_repeat_twice_keeps_bigger_boot(self) -> None:
        rows, _ = results.collect([frag_dump(1, 5000, 1, cpus=2), frag_dump(1, 5000, 3, cpus=4)])
        self.assertEqual([r.free_huge for r in rows], [3, 3])

    def test_read_back_and_reject(self) -> None:
        rows, _ = results.collect([frag_dump(1, 5000, 3), repeat_dump(1, 50, 10 ** 8)])
        text = results.summary_text(rows)
        with tempfile.TemporaryDirectory() as d:
            summary = SummaryFile(d)
            self.assertEqual([(r.free_frames, r.free_huge, r.huge_share)
                              for r in summary.load(text)],
                             [(5000, 3, 0.3072), (5000, 3, 0.3072), (None, None, None)])
            # A summary from before the frag columns reads as having none.
            older = "".join(line.rsplit(",", 5)[0] + "\n" for line in text.splitlines())
            self.assertEqual([r.huge_share for r in summary.load(older)], [None] * 3)
            summary.check_rejects(self, text, (
                (",0.3072,", ",,", "free_frames, free_huge and huge_share go together"),
                (",0.3072,", ",1.5,", "huge_share=1.5 is above 1"),
                (",5000,3,", ",5000,x,", "free_huge='x'")))


class TestShare(unittest.TestCase):
    """Share records reach summary.csv as its last columns, on every row of
    their suite step, and are read back."""

    def test_columns_of_the_step(self) -> None:
        rows, _ = results.collect([share_dump(1, 2), repeat_dump(1, 50, 10 ** 8)])
        table = list(csv.DictReader(results.summary_text(rows).splitlines()))
        got = {(t["suite"], t["op"]): [t[c] for c in results.SHARE] for t in table}
        self.assertEqual(got, {("alloc.cache_thrash", "write"): ["2", "64"],
                               ("alloc.cache_thrash", "write_private"): ["2", "64"],
                               ("x.y", "op"): ["", ""]})

    def test_median_repeat(self) -> None:
        dumps = [share_dump(1, 2), share_dump(2, 0), share_dump(3, 2), share_dump(4, 0)]
        self.assertEqual(results.collect(dumps)[0][0].shared_cpus, 0)
        self.assertEqual(results.collect(dumps[:3])[0][0].shared_cpus, 2)

    def test_same_repeat_twice_keeps_bigger_boot(self) -> None:
        rows, _ = results.collect([share_dump(1, 0, cpus=2), share_dump(1, 2, cpus=4)])
        self.assertEqual([r.shared_cpus for r in rows], [2, 2])

    def test_read_back_and_reject(self) -> None:
        rows, _ = results.collect([share_dump(1, 1), repeat_dump(1, 50, 10 ** 8)])
        text = results.summary_text(rows)
        with tempfile.TemporaryDirectory() as d:
            summary = SummaryFile(d)
            self.assertEqual([(r.shared_cpus, r.line_bytes) for r in summary.load(text)],
                             [(1, 64), (1, 64), (None, None)])
            # A summary from before the share columns reads as having none.
            older = "".join(line.rsplit(",", 2)[0] + "\n" for line in text.splitlines())
            self.assertEqual([r.shared_cpus for r in summary.load(older)], [None] * 3)
            summary.check_rejects(self, text, (
                (",1,64\n", ",,64\n", "shared_cpus and line_bytes go together"),
                (",1,64\n", ",3,64\n", "shared_cpus=3 is above cpus=2"),
                (",1,64\n", ",1,0\n", "line_bytes='0'")))


class TestMemory(unittest.TestCase):
    """A run over several memory sizes keeps them apart by a parameter
    mem_mib; a run of one size has no such parameter."""

    def test_one_size_adds_nothing(self) -> None:
        dumps = [frag_dump(1, 5000, 3), frag_dump(2, 5000, 1, cpus=2)]
        rows, _ = results.collect(dumps)
        self.assertEqual([r.params for r in rows], [{}, {}])
        self.assertNotIn(results.MEM_PARAM, results.summary_text(rows).splitlines()[0])

    def test_two_sizes_are_two_series(self) -> None:
        small = step_dump("frame.frag", ("alloc", "free"), 1, 1, 1, mem_mib=240,
                          frags=[fake_dump.FakeFrag("frame.frag", 1, 5000, 3)])
        big = step_dump("frame.frag", ("alloc", "free"), 1, 1, 1, mem_mib=496,
                        frags=[fake_dump.FakeFrag("frame.frag", 1, 9000, 9)])
        other = repeat_dump(1, 50, 10 ** 8)          # 240 MiB, x.y only
        rows, duplicates = results.collect([small, big, other])
        self.assertEqual(duplicates, [])
        table = list(csv.DictReader(results.summary_text(rows).splitlines()))
        got = {(t["suite"], t["op"], t[results.MEM_PARAM]): (t["repeats"], t["free_huge"])
               for t in table}
        # Each size's frag measure stays with its own series, and every
        # series of the run, x.y too, says its size.
        self.assertEqual(got, {("frame.frag", "alloc", "240"): ("1", "3"),
                               ("frame.frag", "free", "240"): ("1", "3"),
                               ("frame.frag", "alloc", "496"): ("1", "9"),
                               ("frame.frag", "free", "496"): ("1", "9"),
                               ("x.y", "op", "240"): ("1", "")})

    def test_the_plans_guest_size_wins(self) -> None:
        """Given the plan's guest sizes by cell, those are the parameter: two
        boots of one guest size whose page allocators manage different
        amounts (a bigger kernel image) are one size, not two."""
        a = step_dump("x.y", ("op", "op2"), 1, 1, 1, mem_mib=240, cell="a")
        b = step_dump("x.y", ("op", "op2"), 1, 2, 1, mem_mib=238, cell="b")
        c = step_dump("x.y", ("op", "op2"), 1, 1, 1, mem_mib=1000, cell="c")
        rows, _ = results.collect([a, b], {"a": 256, "b": 256})
        self.assertEqual([r.params for r in rows], [{}, {}])
        self.assertEqual(rows[0].repeats, 2)
        rows, _ = results.collect([a, b, c], {"a": 256, "b": 256, "c": 1024})
        self.assertEqual(sorted((r.op, r.params[results.MEM_PARAM], r.repeats) for r in rows),
                         [("op", "1024", 1), ("op", "256", 2), ("op2", "1024", 1),
                          ("op2", "256", 2)])

    def test_suites_may_not_name_a_parameter_mem_mib(self) -> None:
        s = fake_dump.FakeSeries("x.y", "op", 1, [50], {results.MEM_PARAM: 64})
        with self.assertRaises(benchlog.DumpError) as e:
            benchlog.parse_bytes(fake_dump.log_bytes(
                fake_dump.dump_lines(fake_dump.VARIANTS[0], [s])), "m.log")
        self.assertIn("parameter 'mem_mib' clashes", str(e.exception))


class TestEmulation(unittest.TestCase):
    """Which timings are said to be emulated: the qemu target's under TCG,
    never the hosted target's."""

    def test_per_target(self) -> None:
        meta = {"accel": "tcg", "targets": ["qemu", "hosted"]}
        self.assertEqual(results.emulation(meta, "qemu"), "emulated (TCG)")
        self.assertEqual(results.emulation(meta, "hosted"), "")

    def test_whole_run(self) -> None:
        self.assertEqual(results.emulation({"accel": "tcg", "targets": ["qemu"]}),
                         "emulated (TCG)")
        self.assertIn("the hosted target's rows are native",
                      results.emulation({"accel": "tcg", "targets": ["qemu", "hosted"]}))
        self.assertEqual(results.emulation({"accel": "native", "targets": ["hosted"]}), "")
