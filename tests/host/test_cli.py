"""bench.py end to end: process, replot without logs, compare, table, exit
statuses, and the design against its rival in the terminal and report.md."""

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections.abc import Sequence

import fake_dump
from benchtools import cli
from benchtools import results
from benchtools import variants

BENCH_PY = os.path.join(variants.HOST, "bench.py")
PNG = b"\x89PNG\r\n\x1a\n"
# The default run's variants and the frame's rival, as the two of
# ./run_bench.sh would measure them.
RUN_VARIANTS = fake_dump.VARIANTS + [fake_dump.RIVAL]


def run(*argv: str) -> tuple[int | str | None, str, str]:
    """bench.py's main in this process: (exit status, stdout, stderr)."""
    code: int | str | None
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as e:          # argparse's usage errors
            code = e.code
    return code, out.getvalue(), err.getvalue()


def linked_plots(report_path: str) -> list[str]:
    with open(report_path) as f:
        return re.findall(r"!\[[^]]*\]\(([^)]+\.png)\)", f.read())


class TestProcess(unittest.TestCase):
    tmp: tempfile.TemporaryDirectory[str]
    run_a: str
    plots_a: str
    logs_a: list[str]
    meta_json: str
    result: tuple[int | str | None, str, str]

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.tmp.name
        cls.run_a = os.path.join(root, "results", "run-a")
        cls.plots_a = os.path.join(root, "plots", "run-a")
        os.makedirs(cls.run_a)
        cls.logs_a = fake_dump.write_standard_logs(cls.run_a, variants=RUN_VARIANTS, repeats=2)
        cls.meta_json = os.path.join(root, "meta-in.json")
        with open(cls.meta_json, "w") as f:
            json.dump({"accel": "tcg", "date": "2025-01-02T03:04:05Z", "qemu_version": "7.2.0",
                       "vcpus": 2, "memory": "256M", "variants": RUN_VARIANTS}, f)
        cls.result = run("process", "--out", cls.run_a, "--plots", cls.plots_a,
                         "--meta-json", cls.meta_json, *cls.logs_a)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp.name, *parts)

    def small_run(self, name: str,
                  extra_logs: Sequence[tuple[str, bytes]] = ()) -> tuple[str, list[str]]:
        """A one-variant, one-series run (quick to plot) plus extra logs."""
        d = self.path("results", name)
        os.makedirs(d, exist_ok=True)
        s = fake_dump.FakeSeries("slab.kmalloc", "kmalloc", 1, list(range(100, 400)), {"size": 64})
        good = os.path.join(d, "good.log")
        with open(good, "wb") as f:
            f.write(fake_dump.log_bytes(fake_dump.dump_lines(fake_dump.VARIANTS[0], [s], cpus=1)))
        logs = [good]
        for log_name, data in extra_logs:
            logs.append(os.path.join(d, log_name))
            with open(logs[-1], "wb") as f:
                f.write(data)
        return d, logs

    def test_process_writes_everything(self) -> None:
        code, out, err = self.result
        self.assertEqual(code, 0, err)
        for name in ("summary.csv", "histograms.csv", "repeats.csv", "meta.json", "report.md"):
            self.assertTrue(os.path.isfile(os.path.join(self.run_a, name)), name)
        self.assertIn("p50 ns", out)
        self.assertIn("emulated (TCG)", out)
        self.assertIn("platform ceiling (calib.work private, qemu, mode each): 1 CPU 1.00x, "
                      "2 CPUs 1.2", out)
        with open(os.path.join(self.run_a, "summary.csv")) as f:
            self.assertTrue(f.readline().startswith(",".join(results.LEADING) + ","))
        with open(os.path.join(self.run_a, "meta.json")) as f:
            meta = json.load(f)
        self.assertTrue(meta["complete"], meta["incomplete_reasons"])
        self.assertEqual(meta["qemu_version"], "7.2.0")
        self.assertEqual(len(meta["dumps"]), 2 * len(RUN_VARIANTS))
        self.assertEqual(meta["repeats"], {v: {"qemu": 2} for v in RUN_VARIANTS})
        self.assertEqual(sorted(meta["files"]), ["histograms.csv", "repeats.csv", "summary.csv"])
        rows, _ = results.load_results(self.run_a)
        self.assertTrue(all(r.repeats == 2 and len(r.per_repeat) == 2 and r.p50_ci()
                            for r in rows))
        self.assertEqual(meta["plots_dir"], "../../plots/run-a")

    def test_every_plot_exists(self) -> None:
        links = linked_plots(os.path.join(self.run_a, "report.md"))
        self.assertTrue(all(link.startswith("../../plots/run-a/") for link in links), links)
        names = sorted(os.path.basename(link) for link in links)
        self.assertEqual(names, sorted(os.listdir(self.plots_a)))
        for kind in ("latency-qemu-each-frame.bulk-alloc-order0.png",
                     "throughput-qemu-sample-slab.kmalloc-kmalloc-size64.png",
                     "throughput-qemu-batch-slab.pair-kmalloc+kfree-size64.png",
                     "throughput-qemu-each-calib.work-private.png",
                     "pages-qemu-each-shootdown.unmap-unmap.png"):
            self.assertIn(kind, names)
        for link in links:
            with open(os.path.join(self.run_a, link), "rb") as f:
                self.assertEqual(f.read(8), PNG, link)

    def test_bad_logs_reported_good_ones_kept(self) -> None:
        variant = "pcp-locked-batched"
        lines = fake_dump.dump_lines(variant, fake_dump.standard_series(variant))
        corrupt = bytearray(fake_dump.log_bytes(lines))
        corrupt[corrupt.index(b"BENCH hist") + 20] ^= 0x04
        truncated = fake_dump.log_bytes(lines[:-1])
        d, logs = self.small_run("run-bad", [("corrupt.log", bytes(corrupt)),
                                             ("truncated.log", truncated)])
        code, out, err = run("process", "--out", d, "--plots", self.path("plots", "run-bad"), *logs)
        self.assertEqual(code, 1)
        self.assertRegex(err, rf"bench.py: {re.escape(logs[1])}:2: corrupted: CRC")
        self.assertRegex(err, rf"bench.py: {re.escape(logs[2])}:{len(lines) - 1}: truncated")
        rows, meta = results.load_results(d)
        self.assertEqual({r.variant for r in rows}, {fake_dump.VARIANTS[0]})
        self.assertEqual([r["log"] for r in meta["rejected"]], ["corrupt.log", "truncated.log"])
        with open(os.path.join(d, "report.md")) as f:
            self.assertIn("Incomplete run", f.read())
        # The same logs again: the same run, so it may be rewritten.
        code, _, err = run("process", "--out", d, "--plots", self.path("plots", "run-bad"), *logs)
        self.assertEqual(code, 1)
        self.assertNotIn("already holds", err)

    def test_refuses_to_overwrite_another_run(self) -> None:
        _, logs = self.small_run("run-other")
        with open(os.path.join(self.run_a, "summary.csv"), "rb") as f:
            before = f.read()
        code, _, err = run("process", "--out", self.run_a, "--plots", self.plots_a, *logs)
        self.assertEqual(code, 2)
        self.assertIn("already holds the results of other logs", err)
        with open(os.path.join(self.run_a, "summary.csv"), "rb") as f:
            self.assertEqual(f.read(), before)

    def test_replot_without_logs(self) -> None:
        copy = self.path("copy", "run-a")
        os.makedirs(copy)
        for name in ("summary.csv", "histograms.csv", "repeats.csv", "meta.json"):
            shutil.copy(os.path.join(self.run_a, name), copy)
        plots = self.path("plots-again")
        code, out, err = run("replot", copy, "--plots", plots)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(os.listdir(plots)), sorted(os.listdir(self.plots_a)))
        links = linked_plots(os.path.join(copy, "report.md"))
        self.assertEqual(len(links), len(os.listdir(plots)))
        self.assertTrue(all(os.path.exists(os.path.join(copy, link)) for link in links))

    def test_replot_default_plots_dir(self) -> None:
        d, logs = self.small_run("run-replot")
        self.assertEqual(run("process", "--out", d, "--plots", self.path("plots", "run-replot"),
                             *logs)[0], 0)
        shutil.rmtree(self.path("plots", "run-replot"))
        for log in logs:
            os.remove(log)
        code, _, err = run("replot", d)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(os.listdir(self.path("plots", "run-replot"))), 2)

    def test_compare_prints_ratios(self) -> None:
        rows, _ = results.load_results(self.run_a, full=False)
        dropped, same, apart, single = rows[:4]
        apart.p50_ns *= 2
        ci = apart.p50_ci()
        assert ci is not None
        apart.p50_ci_lo_ns, apart.p50_ci_hi_ns = ci[1] * 1.5, ci[1] * 3
        single.repeats = 1
        single.p50_ci_lo_ns = single.p50_ci_hi_ns = single.ops_ci_lo = single.ops_ci_hi = None
        run_b = self.path("results", "run-b")
        os.makedirs(run_b)
        with open(os.path.join(run_b, "summary.csv"), "w") as f:
            f.write(results.summary_text(rows[1:]))
        code, out, err = run("compare", self.run_a, run_b)
        self.assertEqual(code, 0, err)
        self.assertIn("B/A", out)
        self.assertIn("n.s.: A's and B's 95% confidence intervals over repeats overlap", out)
        lines = out.splitlines()

        def cells(row: results.Row) -> str:
            return lines[lines.index(results.describe(row.key())) + 1]

        # Unchanged: p50 and ops/s not significant; p99 has no interval.
        self.assertEqual(cells(same).split()[2:4], ["1.00", "n.s."])
        self.assertEqual(cells(same).split()[-2:], ["1.00", "n.s."])
        self.assertEqual(cells(same).count("n.s."), 2)
        # Twice the p50, intervals apart: significant; its ops/s still not.
        self.assertEqual(cells(apart).split()[2], "2.00")
        self.assertNotIn("2.00 n.s.", cells(apart))
        self.assertEqual(cells(apart).count("n.s."), 1)
        # One side without repeats: nothing can be said.
        self.assertNotIn("n.s.", cells(single))
        for line in lines:
            self.assertLess(len(line), 100, line)
        self.assertIn("Only in A:", out)
        self.assertIn(f"  {results.describe(dropped.key())}", out)

    def test_design_against_rival(self) -> None:
        """The process run's terminal output, its report.md and bench.py
        table all give the design against the frame's rival, series by
        series, with the ratios and intervals of summary.csv's rows."""
        code, out, err = self.result
        self.assertEqual(code, 0, err)
        rows, _ = results.load_results(self.run_a, full=False)
        found = {(r.variant, r.op, r.cpus): r for r in rows
                 if (r.suite, r.mode) == ("frame.bulk", "each")}
        with open(os.path.join(self.run_a, "report.md")) as f:
            report = f.read().splitlines()
        start = report.index("## Design against its strongest rival")
        section = report[start:report.index("## Plots")]
        lines = [line for line in section if line.startswith("| frame.bulk")]
        self.assertEqual(len(lines), 4)         # alloc and free at 1 and 2 CPUs
        for op in ("alloc", "free"):
            for cpus in (1, 2):
                d, r = found[(variants.DEFAULT, op, cpus)], found[(fake_dump.RIVAL, op, cpus)]
                d_ci, r_ci = d.p50_ci(), r.p50_ci()
                assert d_ci is not None and r_ci is not None
                name = f"| frame.bulk {op} order=0, {cpus} CPU{'s' * (cpus > 1)} (qemu) | each | "
                line = next(line for line in lines if line.startswith(name))
                cells = [c.strip() for c in line.strip("|").split("|")][2:]
                self.assertEqual(cells[:2], [f"{d.p50_ns:,.1f} [{d_ci[0]:,.1f}-{d_ci[1]:,.1f}]",
                                             f"{r.p50_ns:,.1f} [{r_ci[0]:,.1f}-{r_ci[1]:,.1f}]"])
                ns = " n.s." if d_ci[0] <= r_ci[1] and r_ci[0] <= d_ci[1] else ""
                self.assertEqual(cells[2], f"{d.p50_ns / r.p50_ns:.2f}{ns}")
                self.assertEqual(cells[5].split()[0], f"{d.ops_per_sec / r.ops_per_sec:.2f}")
        # The terminal: process's output and bench.py table's are one text.
        self.assertIn("Design against its strongest rival. d/r:", out)
        self.assertIn("  llfree-magazine-batched (rival)", out)
        code, table_out, err = run("table", self.run_a)
        self.assertEqual(code, 0, err)
        self.assertEqual(table_out[table_out.index("Design against"):],
                         out[out.index("Design against"):out.index("\nbench.py: wrote")])

    def test_no_rival_no_section(self) -> None:
        d, logs = self.small_run("run-no-rival")
        code, out, err = run("process", "--out", d, "--plots", self.path("plots", "run-no-rival"),
                             *logs)
        self.assertEqual(code, 0, err)
        self.assertNotIn("Design against", out)
        with open(os.path.join(d, "report.md")) as f:
            self.assertNotIn("Design against", f.read())

    def test_table(self) -> None:
        code, out, err = run("table", self.run_a)
        self.assertEqual(code, 0, err)
        self.assertIn("p50 d/b", out)
        self.assertIn("eff/ceil", out)
        self.assertIn("emulated (TCG)", out)
        self.assertIn("platform ceiling (calib.work private, qemu, mode sample): 1 CPU", out)

    def test_corrupted_summary_rejected(self) -> None:
        d = self.path("corrupt")
        os.makedirs(d)
        for name in ("summary.csv", "meta.json"):
            shutil.copy(os.path.join(self.run_a, name), d)
        with open(os.path.join(d, "summary.csv"), "r+b") as f:
            f.seek(200)
            byte = f.read(1)
            f.seek(200)
            f.write(bytes([byte[0] ^ 0x01]))
        code, _, err = run("table", d)
        self.assertEqual(code, 1)
        self.assertIn(f"bench.py: {os.path.join(d, 'summary.csv')}", err)

    def test_table_and_compare_need_no_matplotlib(self) -> None:
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from benchtools import cli; "
                "assert cli.main(['table', sys.argv[2]]) == 0; "
                "assert cli.main(['compare', sys.argv[2], sys.argv[2]]) == 0; "
                "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
        p = subprocess.run([sys.executable, "-B", "-c", code, variants.HOST, self.run_a],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])

    def test_exit_statuses(self) -> None:
        def status(*argv: str) -> tuple[int, str]:
            p = subprocess.run([sys.executable, BENCH_PY, *argv], capture_output=True, text=True)
            return p.returncode, p.stdout + p.stderr

        self.assertEqual(status()[0], 2)
        self.assertEqual(status("process", "--out", "x")[0], 2)
        code, text = status("table", self.path("nowhere"))
        self.assertEqual(code, 1)
        self.assertIn("nowhere/summary.csv: cannot read", text)
        for command in ("process", "merge", "replot", "compare", "table"):
            code, text = status(command, "--help")
            self.assertEqual(code, 0, command)
            self.assertIn("usage: bench.py " + command, text)
        self.assertIn("n.s. (not significant)", " ".join(status("compare", "--help")[1].split()))
