"""bench.py merge: shards of one plan joined give what process gives of
all their logs; each refusal; missing cells named; memory sizes kept apart.

Shards are made as ./run_bench.sh --shard makes them: a logs/ directory of
serial logs named for their cells, and the meta.json process writes from
--meta-json facts that carry the plan and the shard."""

import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
import unittest
from typing import Any

import fake_dump
from benchtools import cli
from benchtools import results
from test_cli import run

V0, V1, OTHER = fake_dump.VARIANTS[:3]
TOPOLOGY = {"packages": 1, "cores": 4, "pus": 8, "model": "Fake CPU", "source": "lscpu"}


def cell(variant: str, vcpus: int, mem_mib: int = 256, repeat: int = 1) -> dict[str, Any]:
    name = f"{variant}-smp{vcpus}{'-' + str(mem_mib) + 'M' if mem_mib != 256 else ''}-r{repeat}"
    return {"cell": name, "variant": variant, "target": "qemu", "vcpus": vcpus,
            "mem_mib": mem_mib, "repeat": repeat}


def plan(cells: list[dict[str, Any]], options: str) -> dict[str, Any]:
    text = options + "\n" + "\n".join(c["cell"] for c in cells)
    return {"id": hashlib.sha256(text.encode()).hexdigest(), "options": options, "cells": cells}


# Two variants at 1 and 2 vCPUs in 256 MiB, one repeat: four boots.
PLAN = plan([cell(v, n) for v in (V0, V1) for n in (1, 2)],
            f"--variants {V0},{V1} --smp 1,2 --mem 256M --repeat 1 --target qemu")


def log_data(c: dict[str, Any], commit: str = "abc1234", end_status: str = "ok") -> bytes:
    """A boot's serial log, its header naming its cell: slab.kmalloc at 1
    to vcpus CPUs. The page allocator manages 16 MiB less than the guest
    has."""
    rng = random.Random(c["cell"])
    series = [fake_dump.FakeSeries("slab.kmalloc", "kmalloc", n,
                                   fake_dump.samples(rng, 60, 150 * n), {"size": 64})
              for n in range(1, c["vcpus"] + 1)]
    return fake_dump.log_bytes(fake_dump.dump_lines(
        c["variant"], series, cpus=c["vcpus"], repeat=c["repeat"], mem_mib=c["mem_mib"] - 16,
        commit=commit, end_status=end_status, cell=c["cell"]))


def make_shard(directory: str, the_plan: dict[str, Any], index: int, count: int,
               cells: list[dict[str, Any]], host: str = "alpha",
               topology: dict[str, Any] = TOPOLOGY, **facts: Any) -> str:
    """A shard directory: logs/CELL.log per cell, and meta.json as process
    writes it from run_bench.sh's facts (facts override them). Its variants
    are the plan's, so process finds those of the other shards missing: the
    merge must not carry that."""
    os.makedirs(os.path.join(directory, "logs"))
    logs = []
    for c in cells:
        logs.append(os.path.join(directory, "logs", c["cell"] + ".log"))
        with open(logs[-1], "wb") as f:
            f.write(log_data(c))
    caller = {"date": f"2025-01-0{index}T00:00:00+00:00", "qemu_version": "QEMU 7.2.0",
              "accel": "tcg", "vcpus": [1, 2], "memory": "256M", "commit": "feedbee",
              "variants": sorted({c["variant"] for c in the_plan["cells"]}),
              "host_topology": topology, "pinning": "vCPU i on host core i", "suites": "slab",
              "quick": True, "targets": ["qemu"], "repeat": 1, "modes": ["sample"],
              "incomplete_reasons": [], "plan": the_plan, "host": host, "cores": [0, 1],
              "shard": {"index": index, "count": count, "cells": [c["cell"] for c in cells]}}
    caller.update(facts)
    write_meta(directory, caller)
    return directory


def write_meta(directory: str, caller: dict[str, Any]) -> None:
    logs = sorted(os.path.join(directory, "logs", n) for n in os.listdir(
        os.path.join(directory, "logs")))
    with contextlib.redirect_stderr(io.StringIO()):      # rejected logs: tests say which
        _, infos, rejected = cli.read_logs(logs, directory)
    meta = results.build_meta(caller, infos, rejected, [], os.path.basename(directory))
    with open(os.path.join(directory, results.META), "w") as f:
        f.write(results.meta_text(meta))


def read(*parts: str) -> bytes:
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def load(directory: str) -> dict[str, Any]:
    return results.load_meta(os.path.join(directory, results.META))


class TestMerge(unittest.TestCase):
    tmp: tempfile.TemporaryDirectory[str]
    shard1: str
    shard2: str
    merged: str
    result: tuple[int | str | None, str, str]

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.tmp.name
        cls.shard1 = make_shard(os.path.join(root, "s1"), PLAN, 1, 2, PLAN["cells"][:2])
        cls.shard2 = make_shard(os.path.join(root, "s2"), PLAN, 2, 2, PLAN["cells"][2:],
                                host="beta", topology=dict(TOPOLOGY, cores=8, pus=16))
        cls.merged = os.path.join(root, "merged")
        cls.result = run("merge", "--out", cls.merged, cls.shard1, cls.shard2)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp.name, *parts)

    def variant_of(self, base: str, name: str, index: int, count: int,
                   cells: list[dict[str, Any]], **facts: Any) -> str:
        """Another shard directory, of PLAN unless facts say otherwise."""
        return make_shard(self.path(base, name), facts.pop("the_plan", PLAN), index, count,
                          cells, **facts)

    def refused(self, status: int, words: str, *shard_dirs: str, out: str = "") -> str:
        """merge of shard_dirs exits with status, saying words, and writes nothing."""
        out = out or self.path("out-" + os.urandom(4).hex())
        code, _, err = run("merge", "--out", out, *shard_dirs)
        self.assertEqual(code, status, err)
        self.assertIn(words, err)
        self.assertFalse(os.path.exists(out) and os.listdir(out), "wrote into --out")
        return err

    def test_same_files_as_process(self) -> None:
        code, out, err = self.result
        self.assertEqual(code, 0, err)
        logs = [os.path.join(d, "logs", c["cell"] + ".log")
                for d, cells in ((self.shard1, PLAN["cells"][:2]),
                                 (self.shard2, PLAN["cells"][2:])) for c in cells]
        processed = self.path("processed")
        code, _, err = run("process", "--out", processed, "--plots",
                           self.path("processed-plots"), *logs)
        self.assertEqual(code, 0, err)
        for name in (results.SUMMARY, results.HISTOGRAMS, results.REPEATS):
            self.assertEqual(read(self.merged, name), read(processed, name), name)
        self.assertNotIn(results.MEM_PARAM, read(self.merged, results.SUMMARY).decode())

    def test_self_contained_run(self) -> None:
        self.assertEqual(self.result[0], 0, self.result[2])
        self.assertEqual(sorted(os.listdir(os.path.join(self.merged, "logs"))),
                         sorted(c["cell"] + ".log" for c in PLAN["cells"]))
        self.assertEqual(read(self.merged, "shards", "2-of-2.json"),
                         read(self.shard2, results.META))
        self.assertTrue(os.listdir(os.path.join(self.merged, "plots")))
        rows, meta = results.load_results(self.merged)
        # 2 variants at 1 and 2 CPUs (the 1-CPU step of the 2-vCPU boots a duplicate).
        self.assertEqual(len(rows), 4)
        self.assertTrue(meta["complete"], meta["incomplete_reasons"])
        self.assertEqual(meta["run_id"], "merged")
        self.assertEqual(meta["plots_dir"], "plots")
        self.assertEqual(meta["date"], "2025-01-01T00:00:00+00:00")
        self.assertEqual(meta["dates"], {"1/2": "2025-01-01T00:00:00+00:00",
                                         "2/2": "2025-01-02T00:00:00+00:00"})
        self.assertEqual((meta["plan"], meta["commit"], meta["accel"], meta["vcpus"]),
                         (PLAN, "feedbee", "tcg", [1, 2]))
        self.assertEqual([(m["shard"], m["host"], m["cells"]) for m in meta["merged_from"]],
                         [("1/2", "alpha", [c["cell"] for c in PLAN["cells"][:2]]),
                          ("2/2", "beta", [c["cell"] for c in PLAN["cells"][2:]])])
        self.assertEqual(meta["host_topology"], [TOPOLOGY, dict(TOPOLOGY, cores=8, pus=16)])
        self.assertEqual([d["log"] for d in meta["dumps"]],
                         [f"logs/{c['cell']}.log" for c in PLAN["cells"]])

    def test_report_names_shards_and_hosts(self) -> None:
        self.assertEqual(self.result[0], 0, self.result[2])
        report = read(self.merged, "report.md").decode()
        self.assertIn("| Shards | 2 shards of one plan, merged (bench.py merge) |", report)
        self.assertIn(f"| Host alpha | shard 1/2: 2 cells ({V0}-smp1-r1, {V0}-smp2-r1) on "
                      f"cores 0,1; 1 package, 4 cores, 8 PUs; Fake CPU; from lscpu |", report)
        self.assertIn("| Host beta | shard 2/2: 2 cells", report)
        self.assertIn("figures from different hosts are pooled as repeats", report)

    def test_missing_cells_named(self) -> None:
        # The plan in four slices of a cell each: slice 1's dump failed (and
        # the shard has a reason of its own), slice 2's log is corrupted,
        # slice 3's log is gone and slice 4 is not given.
        cells = PLAN["cells"]
        shards = [self.variant_of("missing", f"s{i + 1}", i + 1, 4, cells[i:i + 1],
                                  incomplete_reasons=["boot x: QEMU timed out"] * (i == 0))
                  for i in range(3)]
        logs = [os.path.join(d, "logs", c["cell"] + ".log") for d, c in zip(shards, cells)]
        for log, data in ((logs[0], log_data(cells[0], end_status="failed")),
                          (logs[1], log_data(cells[1])[:-40])):
            with open(log, "wb") as f:
                f.write(data)
        os.remove(logs[2])
        for i, d in enumerate(shards):        # meta.json as process makes of the logs now
            meta = load(d)
            write_meta(d, dict(meta, variants=meta["variants_requested"],
                               incomplete_reasons=["boot x: QEMU timed out"] * (i == 0)))
        out = self.path("missing", "merged")
        code, _, err = run("merge", "--out", out, *shards)
        self.assertEqual(code, 1, err)
        meta = load(out)
        self.assertFalse(meta["complete"])
        reasons = meta["incomplete_reasons"]
        for missing in (f"cell {cells[0]['cell']} (shard 1/4) missing: dump failed "
                        f"(status=failed): {logs[0]}",
                        f"cell {cells[1]['cell']} (shard 2/4) missing: log rejected: {logs[1]}",
                        f"cell {cells[2]['cell']} (shard 3/4) missing: log missing: no {logs[2]}",
                        f"cell {cells[3]['cell']} (shard 4/4) missing: shard directory not given"):
            self.assertIn(missing, reasons)
            self.assertIn(missing, err)
        self.assertIn("1/4: boot x: QEMU timed out", reasons)
        # Shard 2's rejected log and shard 1's failed dump: said once, in
        # the merge's own words, not again after the shard's I/N.
        self.assertEqual(len([r for r in reasons if r.startswith("log rejected: logs/")]), 1)
        self.assertIn(f"logs/{cells[0]['cell']}.log: the dump ended with status=failed", reasons)
        self.assertFalse([r for r in reasons if r[:4] in ("1/4:", "2/4:")
                          and r != "1/4: boot x: QEMU timed out"], reasons)
        self.assertEqual({r.variant for r in results.load_results(out)[0]}, {V0})
        self.assertIn("Incomplete run", read(out, "report.md").decode())

    def test_memory_sizes_kept_apart(self) -> None:
        cells = [cell(V0, 1, 256), cell(V0, 1, 512)]
        the_plan = plan(cells, f"--variants {V0} --smp 1 --mem 256M,512M --repeat 1")
        one = self.variant_of("mem", "s1", 1, 2, cells[:1], the_plan=the_plan)
        two = self.variant_of("mem", "s2", 2, 2, cells[1:], the_plan=the_plan)
        out = self.path("mem", "merged")
        code, _, err = run("merge", "--out", out, one, two)
        self.assertEqual(code, 0, err)
        rows, _ = results.load_results(out)
        # The guest's sizes, the plan's, not the sizes the dumps manage.
        self.assertEqual(sorted(r.params[results.MEM_PARAM] for r in rows), ["256", "512"])

    def test_not_a_shard(self) -> None:
        self.assertEqual(self.result[0], 0, self.result[2])
        self.refused(2, f"{self.merged} is not a shard (made without ./run_bench.sh --shard)",
                     self.shard1, self.merged)

    def test_different_plans(self) -> None:
        other = plan(PLAN["cells"][:2], "--variants " + V0)
        d = self.variant_of("plans", "s2", 2, 2, PLAN["cells"][2:], the_plan=other)
        self.refused(2, f"{self.shard1} and {d} are shards of different plans: "
                        f"'{PLAN['options']}' and '--variants {V0}'", self.shard1, d)

    def test_different_commits(self) -> None:
        d = self.variant_of("commits", "s2", 2, 2, PLAN["cells"][2:], commit="0ddba11")
        self.refused(2, f"{self.shard1} and {d} ran different commits (feedbee and 0ddba11)",
                     self.shard1, d)

    def test_dumps_of_different_commits(self) -> None:
        d = self.variant_of("dump-commits", "s2", 2, 2, PLAN["cells"][2:])
        log = os.path.join(d, "logs", PLAN["cells"][3]["cell"] + ".log")
        with open(log, "wb") as f:
            f.write(log_data(PLAN["cells"][3], commit="0ddba11"))
        self.refused(2, f"{log} come from different commits (abc1234 and 0ddba11)",
                     self.shard1, d)

    def test_different_accelerators(self) -> None:
        d = self.variant_of("accel", "s2", 2, 2, PLAN["cells"][2:], accel="kvm")
        self.refused(2, f"{self.shard1} and {d} ran different accelerators (tcg and kvm)",
                     self.shard1, d)

    def test_split_two_ways(self) -> None:
        d = self.variant_of("split", "s2", 2, 3, PLAN["cells"][1:2])
        self.refused(2, f"{self.shard1} is shard 1/2 and {d} shard 2/3", self.shard1, d)

    def test_same_shard_twice(self) -> None:
        again = self.path("again")
        shutil.copytree(self.shard1, again)
        self.refused(2, f"{self.shard1} and {again} are both shard 1/2", self.shard1, again)

    def test_cell_twice(self) -> None:
        d = self.variant_of("twice", "s2", 2, 2, PLAN["cells"][2:] + PLAN["cells"][:1])
        name = PLAN["cells"][0]["cell"]
        self.refused(1, f"cell {name} has two dumps: {self.shard1}/logs/{name}.log and "
                        f"{d}/logs/{name}.log", self.shard1, d)

    def test_dump_not_in_the_plan(self) -> None:
        d = self.variant_of("stranger", "s2", 2, 2, PLAN["cells"][2:] + [cell(OTHER, 2)])
        self.refused(1, f"{d}/logs/{OTHER}-smp2-r1.log: cell {OTHER}-smp2-r1 variant {OTHER} "
                        f"target qemu cpus 2 repeat 1 is not a cell of the plan", self.shard1, d)

    def test_dump_of_another_boot_than_its_cell(self) -> None:
        """A header naming a cell of the plan while describing another boot
        (here: a repeat the cell is not) is refused."""
        d = self.variant_of("liar", "s2", 2, 2, PLAN["cells"][2:])
        name = PLAN["cells"][2]["cell"]
        with open(os.path.join(d, "logs", name + ".log"), "wb") as f:
            f.write(log_data(dict(PLAN["cells"][2], repeat=2)))
        self.refused(1, f"{d}/logs/{name}.log: cell {name} variant {V1} target qemu cpus 1 "
                        f"repeat 2 is not a cell of the plan", self.shard1, d)

    def test_renamed_log(self) -> None:
        d = self.variant_of("renamed", "s2", 2, 2, PLAN["cells"][2:])
        name = PLAN["cells"][2]["cell"]
        os.rename(os.path.join(d, "logs", name + ".log"), os.path.join(d, "logs", "x.log"))
        self.refused(1, f"{d}/logs/x.log holds the dump of cell {name} (by its header), not "
                        f"that of its name", self.shard1, d)

    def test_out_not_empty(self) -> None:
        out = self.path("full")
        os.makedirs(out)
        with open(os.path.join(out, "keep"), "w") as f:
            f.write("mine\n")
        code, _, err = run("merge", "--out", out, self.shard1, self.shard2)
        self.assertEqual(code, 2, err)
        self.assertIn(f"{out} is not empty", err)
        self.assertEqual(os.listdir(out), ["keep"])

    def test_corrupted_meta(self) -> None:
        d = self.path("corrupt")
        shutil.copytree(self.shard2, d)
        meta = os.path.join(d, results.META)
        with open(meta, "r+b") as f:
            f.truncate(len(read(meta)) // 2)
        self.refused(1, f"{meta}: corrupted or truncated", self.shard1, d)
        with open(meta, "w") as f:
            json.dump({"plan": PLAN, "shard": {"index": 9, "count": 2}}, f)
        self.refused(1, f"{meta}: corrupted: its plan or shard", self.shard1, d)
