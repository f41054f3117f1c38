"""A generator of valid benchmark dumps (bench/FORMAT.md) for the host tests.

Dumps are built from raw sample lists, so a test knows the exact
percentiles the parser's estimates must approach. Records carry correct
CRCs; reseal() edits a record and recomputes its CRC, to make dumps that are
wrong in exactly one way other than corruption. Dumps are version 4 unless
dump_lines is asked for an older one (3 has no share records, 2 no frag
records, 1 no modes).
"""

import os
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchtools import hist

PAIRS_PER_BK = 12
MODES = ("each", "sample", "batch")
SAMPLE_PERIOD = 8
BATCH = 16
# calib.work's speedup at N CPUs in the standard fake run: TCG-like, so
# 2 CPUs and more are platform-limited (below 0.8 N).
FAKE_CEILING = {1: 1.0, 2: 1.25, 4: 1.6}
VARIANTS = ["pcp-magazine-batched", "buddy-magazine-batched", "pcp-locked-batched",
            "pcp-magazine-sync"]
# The frame's rival (variants.txt), which ./run_bench.sh --rivals runs beside the first.
RIVAL = "llfree-magazine-batched"


def seal(body: str) -> str:
    """A record line from its body ("BENCH type k=v ...")."""
    return f"{body} *{zlib.crc32(body.encode('ascii')):08x}"


def record(rtype: str, fields: dict[str, object]) -> str:
    return seal(" ".join(["BENCH", rtype] + [f"{k}={v}" for k, v in fields.items()]))


def reseal(line: str, old: str, new: str) -> str:
    """Replace text in a record's body and give it a valid CRC again."""
    body = line.rsplit(" *", 1)[0]
    if old not in body:
        raise ValueError(f"'{old}' is not in {line!r}")
    return seal(body.replace(old, new, 1))


@dataclass
class FakeSeries:
    suite: str
    op: str
    cpus: int
    values: list[int]
    params: dict[str, object] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    wall: int = 0            # 0: derive a plausible one from the values
    mode: str = "each"
    ops: int = 0             # 0: one per sample (each mode)

    def total_ops(self) -> int:
        return self.ops or len(self.values)

    def wall_cycles(self) -> int:
        """The wall time written: given, or that of the timed values scaled
        up to every operation, spread over the CPUs."""
        return self.wall or sum(self.values) * self.total_ops() // len(self.values) \
            // self.cpus + 1

    def buckets(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for v in self.values:
            b = hist.bucket_of(v)
            counts[b] = counts.get(b, 0) + 1
        return counts


@dataclass
class FakeFrag:
    """A frag record (version 3): a suite step's fragmentation measure."""
    suite: str
    cpus: int
    free_frames: int
    free_huge: int
    mode: str = "each"
    huge_order: int = 9

    def fields(self) -> dict[str, object]:
        return {"suite": self.suite, "cpus": self.cpus, "mode": self.mode,
                "free_frames": self.free_frames, "free_huge": self.free_huge,
                "huge_order": self.huge_order}


@dataclass
class FakeShare:
    """A share record (version 4): a false-sharing suite step's count of
    CPUs whose object shared a cache line with another CPU's."""
    suite: str
    cpus: int
    shared: int
    mode: str = "each"
    line: int = 64

    def fields(self) -> dict[str, object]:
        return {"suite": self.suite, "cpus": self.cpus, "mode": self.mode,
                "shared": self.shared, "line": self.line}


def hist_lines(s: FakeSeries, version: int = 4) -> list[str]:
    buckets = sorted(s.buckets().items())
    v2: dict[str, object] = {"mode": s.mode, "ops": s.total_ops()} if version >= 2 else {}
    fields = {"suite": s.suite, "op": s.op, "cpus": s.cpus, **s.params, **v2,
              "samples": len(s.values), "min": min(s.values), "max": max(s.values),
              "sum": min(sum(s.values), hist.MAX_VALUE),      # the kernel saturates
              "wall": s.wall_cycles(), **s.counters, "nbk": len(buckets)}
    lines = [record("hist", fields)]
    for i in range(0, len(buckets), PAIRS_PER_BK):
        pairs = [f"{b}:{c}" for b, c in buckets[i:i + PAIRS_PER_BK]]
        lines.append(seal("BENCH bk " + " ".join(pairs)))
    return lines


def dump_lines(variant: str, series: Sequence[FakeSeries], cpus: int = 2,
               tsc_hz: int = 2_000_000_000, hypervisor: str | None = None,
               statuses: dict[str, str] | None = None, end_status: str = "ok", version: int = 4,
               target: str = "qemu", repeat: int = 1, frags: Sequence[FakeFrag] = (),
               shares: Sequence[FakeShare] = (), **header: object) -> list[str]:
    """The BENCH lines of one dump. statuses: {suite: status}, default ok
    for every suite that has series. hypervisor: by default tcg under
    QEMU, none hosted. frags and shares follow their suite's series."""
    suites = list(dict.fromkeys(s.suite for s in series))
    statuses = statuses or {name: "ok" for name in suites}
    head: dict[str, object] = {"version": version, "variant": variant, "debug": 0, "commit": "abc1234",
            "cpus": cpus, "tsc_hz": tsc_hz,
            "hypervisor": hypervisor or ("none" if target == "hosted" else "tcg"),
            "mem_mib": 240, "timer_min": 38, "timer_median": 42, "suites": ",".join(statuses)}
    if version >= 2:
        modes = [m for m in MODES if any(s.mode == m for s in series)] or ["each"]
        head.update(target=target, repeat=repeat, modes=",".join(modes),
                    sample_period=SAMPLE_PERIOD, batch=BATCH)
    head.update(header)
    lines = [record("begin", head)]
    for name in statuses:
        for s in series:
            if s.suite == name:
                lines += hist_lines(s, version)
        lines += [record("frag", f.fields()) for f in frags if f.suite == name]
        lines += [record("share", sh.fields()) for sh in shares if sh.suite == name]
        lines.append(record("suite", {"name": name, "status": statuses[name]}))
    lines.append(record("end", {"status": end_status, "records": len(lines)}))
    return lines


NOISE = ["SeaBIOS (version 1.16.2-debian-1.16.2-1)", "smp: 2 CPUs online",
         "BENCHMARK is not a record", "selftest: ok", "\x00\x1b[2J garbage",
         "BENCH", "xBENCH begin version=1"]


def log_bytes(lines: list[str], noise: bool = False, crlf: bool = False, seed: int = 1) -> bytes:
    """A serial log around the records: optional kernel noise between them
    and \\r\\n line ends, as a real console gives."""
    rng = random.Random(seed)
    out = ["boot: kernel starting"] if noise else []
    for line in lines:
        if noise and rng.random() < 0.4:
            out.append(rng.choice(NOISE))
        out.append(line)
    out.append("qemu: terminating on signal" if noise else "")
    end = "\r\n" if crlf else "\n"
    return end.join(out).encode("latin-1")


def samples(rng: random.Random, n: int, median: float, spread: float = 0.3,
            tail: float = 0.0) -> list[int]:
    """n plausible latencies in cycles: log-normal around median, with a
    fraction `tail` of slow outliers (10-100x)."""
    out = []
    for _ in range(n):
        v = rng.lognormvariate(0, spread) * median
        if rng.random() < tail:
            v *= rng.uniform(10, 100)
        out.append(max(1, int(v)))
    return out


def calib_series(rng: random.Random, cpus: int, mode: str, n: int = 200) -> list[FakeSeries]:
    """The calibration suites at one CPU count in one mode, scaling as
    FAKE_CEILING says."""
    slowdown = cpus / FAKE_CEILING[cpus]
    medians = {("calib.work", "private"): 2000 * slowdown, ("calib.work", "reg"): 1500 * slowdown,
               ("calib.empty", "timer"): 30 * slowdown, ("calib.shared", "write"): 60 * cpus}
    if cpus > 1:       # a round trip needs a second CPU
        medians[("calib.ipi", "roundtrip")] = 5000
    ops = n * SAMPLE_PERIOD if mode == "sample" else n
    return [FakeSeries(suite, op, cpus, samples(rng, n, median, 0.1), mode=mode, ops=ops)
            for (suite, op), median in medians.items()]


def standard_series(variant: str, cpus_list: Sequence[int] = (1, 2),
                    seed: int = 0) -> list[FakeSeries]:
    """A small run of one variant: frame (each mode), slab (sample and batch
    mode) and shootdown suites, the latter over several page counts with IPI
    counters, and the calibration suites (each and sample mode; none in batch
    mode, whose efficiency is therefore unknown)."""
    rng = random.Random(f"{variant}-{seed}")
    slow = {"frame": 1.0 + variant.startswith("buddy") * 0.8 + variant.startswith("llfree") * 0.3,
            "slab": 1.0 + ("-locked-" in variant) * 0.6,
            "shootdown": 1.0 + variant.endswith("-sync") * 1.5}
    series = []
    for cpus in cpus_list:
        for op, base in (("alloc", 300), ("free", 200)):
            vals = samples(rng, 400, base * slow["frame"] * cpus ** 0.5, tail=0.01)
            series.append(FakeSeries("frame.bulk", op, cpus, vals, {"order": 0}))
        vals = samples(rng, 300, 150 * slow["slab"], tail=0.01)
        series.append(FakeSeries("slab.kmalloc", "kmalloc", cpus, vals, {"size": 64},
                                 mode="sample", ops=300 * SAMPLE_PERIOD))
        vals = samples(rng, 100, 260 * slow["slab"])
        series.append(FakeSeries("slab.pair", "kmalloc+kfree", cpus, vals, {"size": 64},
                                 mode="batch", ops=100 * BATCH))
        for pages in (1, 8, 64):
            vals = samples(rng, 200, 2000 * slow["shootdown"] + 40 * pages)
            rounds = len(vals) if variant.endswith("-sync") else len(vals) // 2 + 1
            counters = {"ipis_sent": rounds * (cpus - 1), "ipis_received": rounds * (cpus - 1),
                        "rounds": rounds, "flushes": len(vals) * cpus}
            series.append(FakeSeries("shootdown.unmap", "unmap", cpus, vals,
                                     {"pages": pages}, counters))
        series += calib_series(rng, cpus, "each") + calib_series(rng, cpus, "sample")
    return series


def write_standard_logs(directory: str, cpus_list: Sequence[int] = (1, 2),
                        variants: Sequence[str] = VARIANTS, repeats: int = 1,
                        target: str = "qemu") -> list[str]:
    """One valid log per variant and repeat in directory; returns their paths."""
    paths = []
    for variant in variants:
        for repeat in range(1, repeats + 1):
            lines = dump_lines(variant, standard_series(variant, cpus_list, seed=repeat - 1),
                               cpus=max(cpus_list), target=target, repeat=repeat)
            path = os.path.join(directory,
                                f"{variant}-{target}-smp{max(cpus_list)}-r{repeat}.log")
            with open(path, "wb") as f:
                f.write(log_bytes(lines, noise=True, crlf=True))
            paths.append(path)
    return paths
