"""summary.csv / histograms.csv / meta.json: contents, reading back, and
rejection of truncated or corrupted files by name."""

import csv
import os
import tempfile
import unittest

import fake_dump
import benchlog
import hist
import results
from fsutil import sha256_bytes

LEADING = ("variant,suite,op,cpus,samples,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,"
           "ops_per_sec").split(",")


def parsed(variants=fake_dump.VARIANTS, cpus_list=(1, 2)):
    """(dumps, {(variant, suite, op, params text, cpus): FakeSeries})."""
    dumps, truth = [], {}
    for v in variants:
        series = fake_dump.standard_series(v, cpus_list)
        lines = fake_dump.dump_lines(v, series, cpus=max(cpus_list))
        dumps.append(benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{v}.log"))
        for s in series:
            params = results.params_text({k: str(x) for k, x in s.params.items()})
            truth[(v, s.suite, s.op, params, s.cpus)] = s
    return dumps, truth


class TestRows(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dumps, cls.truth = parsed()
        cls.rows, cls.duplicates = results.collect(cls.dumps)

    def test_summary_columns(self):
        header = results.summary_text(self.rows).splitlines()[0].split(",")
        self.assertEqual(header[:12], LEADING)
        self.assertEqual(header[12:], ["order", "pages", "size", "ipis_per_op", "rounds_per_op",
                                       "flushes_per_op", "tsc_hz", "min_cycles", "max_cycles"])

    def test_plausible_numbers(self):
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
                wall = sum(s.values) // s.cpus + 1       # what fake_dump wrote
                self.assertAlmostEqual(r.ops_per_sec, len(s.values) / (wall / r.tsc_hz))
                if "ipis_sent" in s.counters:
                    self.assertEqual(r.ipis_per_op, s.counters["ipis_sent"] / len(s.values))
                    self.assertEqual(r.rounds_per_op, s.counters["rounds"] / len(s.values))
                else:
                    self.assertIsNone(r.ipis_per_op)

    def test_csv_cells(self):
        table = list(csv.DictReader(results.summary_text(self.rows).splitlines()))
        frame = next(t for t in table if t["suite"] == "frame.bulk")
        self.assertEqual((frame["order"], frame["pages"], frame["ipis_per_op"]), ("0", "", ""))
        unmap = next(t for t in table if t["suite"] == "shootdown.unmap" and t["cpus"] == "2")
        self.assertEqual(unmap["size"], "")
        self.assertGreater(float(unmap["ipis_per_op"]), 0)
        self.assertEqual(unmap["tsc_hz"], "2000000000")

    def test_read_back(self):
        with tempfile.TemporaryDirectory() as d:
            s_path, h_path = os.path.join(d, "summary.csv"), os.path.join(d, "histograms.csv")
            with open(s_path, "w") as f:
                f.write(results.summary_text(self.rows))
            with open(h_path, "w") as f:
                f.write(results.histograms_text(self.rows))
            back = results.load_summary(s_path)
            results.attach_histograms(back, results.load_histograms(h_path), s_path, h_path)
        self.assertEqual([r.key() for r in back], [r.key() for r in self.rows])
        for a, b in zip(self.rows, back):
            self.assertEqual(a.buckets, b.buckets)
            self.assertAlmostEqual(a.p99_ns, b.p99_ns, places=2)
            self.assertEqual((a.min_cycles, a.max_cycles, a.samples),
                             (b.min_cycles, b.max_cycles, b.samples))

    def test_parameters_cannot_shadow_columns(self):
        hist_keys = {"suite", "op", "cpus", "samples"}      # never parameters
        taken = set(results.LEADING + results.TAIL + results.HIST_COLUMNS) - hist_keys
        self.assertLessEqual(taken, benchlog.RESERVED_PARAMS)

    def test_duplicate_series_keep_bigger_boot(self):
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

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        dumps, _ = parsed(fake_dump.VARIANTS[:2], (1,))
        rows, _ = results.collect(dumps)
        self.summary = results.summary_text(rows)
        self.histograms = results.histograms_text(rows)
        self.write("summary.csv", self.summary)
        self.write("histograms.csv", self.histograms)
        self.meta = {"files": {"summary.csv": sha256_bytes(self.summary.encode()),
                               "histograms.csv": sha256_bytes(self.histograms.encode())}}
        self.write("meta.json", results.meta_text(self.meta))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def rejected(self, words, name="summary.csv"):
        with self.assertRaises(results.ResultsError) as e:
            results.load_results(self.dir)
        self.assertIn(os.path.join(self.dir, name), str(e.exception))
        self.assertIn(words, str(e.exception))

    def test_valid_directory_loads(self):
        rows, meta = results.load_results(self.dir)
        self.assertEqual(len(rows), 2 * 6)
        self.assertTrue(all(r.buckets for r in rows))

    def test_truncated_summary(self):
        self.write("summary.csv", self.summary[:-30])
        self.rejected("truncated")

    def test_truncated_summary_at_a_line_end(self):
        self.write("summary.csv", "".join(self.summary.splitlines(True)[:-1]))
        self.rejected("sha256")

    def test_corrupted_summary_cell(self):
        self.write("summary.csv", self.summary.replace(",2000000000,", ",20x0000000,", 1))
        self.rejected("summary.csv:2: corrupted: tsc_hz='20x0000000'")

    def test_corrupted_summary_digit(self):
        lines = self.summary.splitlines(True)
        lines[3] = lines[3].replace(".", "7", 1)
        self.write("summary.csv", "".join(lines))
        self.rejected("corrupted or changed")

    def test_summary_without_contract_header(self):
        self.write("summary.csv", self.summary.replace("p50_ns", "median_ns", 1))
        os.remove(os.path.join(self.dir, "meta.json"))
        self.rejected("header must start with variant,suite,op,cpus,samples,mean_ns")

    def test_corrupted_histogram_bounds(self):
        lines = self.histograms.splitlines(True)
        fields = lines[5].rstrip("\n").split(",")
        fields[6] = str(int(fields[6]) + 1)
        lines[5] = ",".join(fields) + "\n"
        self.write("histograms.csv", "".join(lines))
        os.remove(os.path.join(self.dir, "meta.json"))
        self.rejected("histograms.csv:6: corrupted", "histograms.csv")

    def test_corrupted_meta(self):
        self.write("meta.json", results.meta_text(self.meta)[:-10])
        self.rejected("not valid JSON", "meta.json")


class TestMeta(unittest.TestCase):
    def info(self, variant, **over):
        lines = fake_dump.dump_lines(variant, fake_dump.standard_series(variant, (1,)), cpus=1,
                                     **over)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines), f"{variant}.log")
        return results.dump_info(dump, f"{variant}.log", "0" * 64)

    def test_merge(self):
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

    def test_complete_and_failures(self):
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

    def test_emulation(self):
        self.assertEqual(results.emulation({"accel": "tcg"}), "emulated (TCG)")
        self.assertIn("icount", results.emulation({"accel": "icount"}))
        self.assertEqual(results.emulation({"accel": "kvm"}), "")
