"""Dumps -> summary.csv / histograms.csv / repeats.csv / meta.json rows, and
reading them back.

One Row per measured series (variant, target, suite, op, params, cpus, mode),
with its histogram attached. Dumps of one variant and target with different
`repeat` numbers are repeats of the same series: a row pools them (the
histogram is the sum of theirs, ops add up, ops/s is the median of theirs) and
carries bootstrap confidence intervals over them (stats.py); repeats.csv keeps
each repeat's own figures. summary.csv starts with the contract's columns
(LEADING), then STATS, then one column per suite parameter (empty where a
suite lacks it), then TAIL, then FRAG: the fragmentation measure of the
series' suite step (a frag record), empty where there is none; of several
repeats, the one whose share is the median; then SHARE, likewise from a
share record: how many of the step's CPUs held an object sharing a cache
line with another CPU's (the false-sharing suites), of several repeats the
median. Cycles become nanoseconds through the tsc_hz of
the dumps that measured them. A run that booted one variant and target
with several memory sizes gives every series a parameter mem_mib, so that
the sizes stay apart as other parameters do: the guest's memory in MiB as
the run's plan gives it for the dump's cell (the header's cell=), else the
MiB the dump says its page allocator manages; with one size per variant
and target nothing is added. Reading back validates everything, so replot
and compare can trust what they get without the raw logs.
"""

import csv
import dataclasses
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import benchlog
from . import calib
from . import hist
from . import stats
from .fsutil import sha256_bytes

LEADING = ["variant", "suite", "op", "cpus", "samples", "mean_ns", "p50_ns", "p90_ns",
           "p99_ns", "p999_ns", "max_ns", "ops_per_sec"]
# Where and how the series was timed, how many boots it pools, and its
# scaling against the platform's (calib.py). Empty cells: not known (no
# second repeat for an interval, no 1-CPU row or calibration for scaling).
CI = ["p50_ci_lo_ns", "p50_ci_hi_ns", "ops_ci_lo", "ops_ci_hi"]
SCALING = ["speedup", "ceiling", "efficiency", "platform_limited"]
STATS = ["target", "mode", "repeats", "ops"] + CI + SCALING
# Per-op counters are empty when the series had no such counter. min/max
# cycles are kept so percentiles can be re-estimated (clamped) from the
# histograms alone.
TAIL = ["ipis_per_op", "rounds_per_op", "flushes_per_op", "tsc_hz", "min_cycles", "max_cycles"]
# Free frames, the huge blocks wholly free among them and the share of free
# memory in those; older summaries lack these columns.
FRAG = ["free_frames", "free_huge", "huge_share"]
# CPUs whose object shared a cache line with another CPU's, and the line's
# size; older summaries lack these columns.
SHARE = ["shared_cpus", "line_bytes"]
HIST_COLUMNS = ["variant", "target", "mode", "suite", "op", "cpus", "params", "bucket",
                "low_cycles", "high_cycles", "count"]
REPEAT_COLUMNS = ["variant", "target", "suite", "op", "params", "cpus", "mode", "repeat",
                  "samples", "ops", "p50_ns", "ops_per_sec"]
PERCENTILES = {"p50_ns": 50, "p90_ns": 90, "p99_ns": 99, "p999_ns": 99.9}
PER_OP = {"ipis_per_op": "ipis_sent", "rounds_per_op": "rounds", "flushes_per_op": "flushes"}
OPTIONAL = set(PER_OP) | set(CI) | set(SCALING) | set(FRAG) | set(SHARE)
# Integer columns and their least valid value.
INT_COLUMNS = {"cpus": 1, "samples": 1, "tsc_hz": 1, "repeats": 1, "repeat": 1, "ops": 1,
               "min_cycles": 0, "max_cycles": 0, "platform_limited": 0, "free_frames": 0,
               "free_huge": 0, "shared_cpus": 0, "line_bytes": 1}
NAME_RE = re.compile(r"[A-Za-z0-9_.,:/+-]+\Z")
VARIANT_RE = re.compile(r"[A-Za-z0-9_.,:/+]+-[A-Za-z0-9_.,:/+]+-[A-Za-z0-9_.,:/+]+\Z")
CHOICES = {"target": benchlog.TARGETS, "mode": benchlog.MODES}

# A series: variant, target, suite, op, params text, cpus, mode.
Key = tuple[str, str, str, str, str, int, str]
# A suite step, which a frag or share record measures: variant, target,
# suite, cpus, mode, and the memory size in a run over several ('' else).
StepKey = tuple[str, str, str, int, str, str]
# The parameter that keeps a run's memory sizes apart (benchlog reserves it).
MEM_PARAM = benchlog.MEM_PARAM
# A step's measure: a frag or a share record.
M = TypeVar("M", benchlog.Frag, benchlog.Share)
# What the variants are compared on: the key without the variant.
Group = tuple[str, str, str, str, int, str]
# Sort keys: parameters compared naturally (2 before 10).
Naturals = list[tuple[str, tuple[int, int, str]]]
GroupSortKey = tuple[str, str, str, str, Naturals, int]
# meta.json, and the records of dumps, rejected logs and duplicates in it.
Meta = dict[str, Any]
Record = dict[str, Any]
T = TypeVar("T")


class ResultsError(Exception):
    """A results file that is missing, truncated or corrupted."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path


@dataclass
class Repeat:
    """One repeat (boot) of a series: a line of repeats.csv."""
    repeat: int
    samples: int
    ops: int
    p50_ns: float
    ops_per_sec: float


@dataclass
class Row:
    """One series of one variant: the summary.csv row and its histogram."""
    variant: str
    target: str
    suite: str
    op: str
    cpus: int
    mode: str
    samples: int
    mean_ns: float
    p50_ns: float
    p90_ns: float
    p99_ns: float
    p999_ns: float
    max_ns: float
    ops_per_sec: float
    params: dict[str, str]
    repeats: int = 1
    ops: int = 0
    p50_ci_lo_ns: float | None = None
    p50_ci_hi_ns: float | None = None
    ops_ci_lo: float | None = None
    ops_ci_hi: float | None = None
    speedup: float | None = None
    ceiling: float | None = None
    efficiency: float | None = None
    platform_limited: int | None = None
    ipis_per_op: float | None = None
    rounds_per_op: float | None = None
    flushes_per_op: float | None = None
    tsc_hz: int = 0
    min_cycles: int = 0
    max_cycles: int = 0
    free_frames: int | None = None
    free_huge: int | None = None
    huge_share: float | None = None
    shared_cpus: int | None = None
    line_bytes: int | None = None
    buckets: dict[int, int] = field(default_factory=dict)
    per_repeat: list[Repeat] = field(default_factory=list)

    def key(self) -> Key:
        return (self.variant, self.target, self.suite, self.op, params_text(self.params),
                self.cpus, self.mode)

    def step(self) -> StepKey:
        """The suite step that measured the series."""
        return (self.variant, self.target, self.suite, self.cpus, self.mode,
                self.params.get(MEM_PARAM, ""))

    def group(self) -> Group:
        """What the variants are compared on: the key without the variant."""
        return self.key()[1:]

    # An interval's two ends are set together (_inconsistency checks it).
    def p50_ci(self) -> stats.Interval | None:
        if self.p50_ci_lo_ns is None or self.p50_ci_hi_ns is None:
            return None
        return (self.p50_ci_lo_ns, self.p50_ci_hi_ns)

    def ops_ci(self) -> stats.Interval | None:
        if self.ops_ci_lo is None or self.ops_ci_hi is None:
            return None
        return (self.ops_ci_lo, self.ops_ci_hi)


def params_text(params: dict[str, str]) -> str:
    """Parameters as one stable string: "k=v;k=v", keys sorted."""
    return ";".join(f"{k}={params[k]}" for k in sorted(params))


def parse_params_text(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";")) if text else {}


def natural(value: str) -> tuple[int, int, str]:
    """Sort key that puts 2 before 10."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def group_sort_key(group: Group) -> GroupSortKey:
    """Target and mode first (each has its own calibration), then the series."""
    target, suite, op, ptext, cpus, mode = group
    params = parse_params_text(ptext)
    return (target, mode, suite, op, [(k, natural(params[k])) for k in sorted(params)], cpus)


def row_sort_key(row: Row) -> tuple[str, str, str, str, str, Naturals, int]:
    return (row.variant,) + group_sort_key(row.group())


def describe(key: Key) -> str:
    variant, target, suite, op, ptext, cpus, mode = key
    return (f"{variant} {suite} {op}{' ' + ptext if ptext else ''} cpus={cpus} "
            f"mode={mode} target={target}")


# ---- dumps -> rows ----------------------------------------------------------

def row_from_repeats(variant: str, target: str,
                     parts: list[tuple[int, int, benchlog.Series]]) -> Row:
    """A Row pooling the repeats of one series. parts: [(repeat number,
    tsc_hz, Series)], in repeat order, all with the same key."""
    series = [s for _, _, s in parts]
    first, k = series[0], len(parts)
    pool = hist.Pool([(s.buckets, s.samples, s.min, s.max) for s in series])
    # Each boot calibrates its own TSC rate; the pooled cycles take their mean.
    tsc_hz = round(sum(hz for _, hz, _ in parts) / k)

    def ns(cycles: float, hz: int = tsc_hz) -> float:
        return cycles * 1e9 / hz

    def unit(i: int) -> tuple[int, ...]:     # the weights that pick repeat i alone
        return tuple(int(j == i) for j in range(k))

    per_repeat = [Repeat(n, s.samples, s.ops, ns(pool.percentile(50, unit(i)), hz),
                         s.ops * hz / s.wall)
                  for i, (n, hz, s) in enumerate(parts)]
    buckets: dict[int, int] = {}
    for s in series:
        for b, count in s.buckets.items():
            buckets[b] = buckets.get(b, 0) + count
    samples, ops = sum(s.samples for s in series), sum(s.ops for s in series)
    # Counters cover the whole timed phase, so they are per operation, timed or not.
    per_op: dict[str, Any] = {column: sum(s.counters[counter] for s in series) / ops
              for column, counter in PER_OP.items()
              if all(counter in s.counters for s in series)}
    p50_lo, p50_hi = stats.bootstrap_ci(
        k, lambda counts: ns(pool.percentile(50, counts))) or (None, None)
    ops_lo, ops_hi = stats.bootstrap_ci(
        k, stats.median_statistic([r.ops_per_sec for r in per_repeat])) or (None, None)
    lo, hi = min(s.min for s in series), max(s.max for s in series)
    percentiles: dict[str, Any] = {column: ns(pool.percentile(p, (1,) * k))
                                   for column, p in PERCENTILES.items()}
    return Row(variant, target, first.suite, first.op, first.cpus, first.mode, samples,
               mean_ns=ns(hist.mean(sum(s.sum for s in series), samples)), max_ns=ns(hi),
               ops_per_sec=stats.median([r.ops_per_sec for r in per_repeat]),
               params=dict(first.params), repeats=k, ops=ops,
               p50_ci_lo_ns=p50_lo, p50_ci_hi_ns=p50_hi, ops_ci_lo=ops_lo, ops_ci_hi=ops_hi,
               tsc_hz=tsc_hz, min_cycles=lo, max_cycles=hi, buckets=buckets,
               per_repeat=per_repeat, **percentiles, **per_op)


def median_frag(frags: list[benchlog.Frag]) -> benchlog.Frag:
    """Of a step's repeats, the measure whose share is the median (the
    lower middle one of an even count): its three figures stay one boot's."""
    return sorted(frags, key=lambda f: f.share())[(len(frags) - 1) // 2]


def median_share(shares: list[benchlog.Share]) -> benchlog.Share:
    """Of a step's repeats, the measure with the median count of sharing
    CPUs (the lower middle one of an even count)."""
    return sorted(shares, key=lambda s: s.shared)[(len(shares) - 1) // 2]


def attach_steps(rows: list[Row], frags: dict[StepKey, list[benchlog.Frag]],
                 shares: dict[StepKey, list[benchlog.Share]]) -> None:
    """Give each row the fragmentation and sharing measures of its step, if any."""
    for r in rows:
        if r.step() in frags:
            f = median_frag(frags[r.step()])
            r.free_frames, r.free_huge, r.huge_share = f.free_frames, f.free_huge, f.share()
        if r.step() in shares:
            sh = median_share(shares[r.step()])
            r.shared_cpus, r.line_bytes = sh.shared, sh.line_bytes


def step_measures(dumps: list[benchlog.Dump], sizes: list[str],
                  measures: Callable[[benchlog.Dump], list[M]]) -> dict[StepKey, list[M]]:
    """Each step's measures of one kind, one per repeat: of two boots of one
    repeat that both measured a step, the one with more CPUs online, as
    for series."""
    chosen: dict[tuple[StepKey, int], tuple[benchlog.Dump, M]] = {}
    for dump, size in zip(dumps, sizes):
        h = dump.header
        for m in measures(dump):
            step = (h["variant"], h["target"], m.suite, m.cpus, m.mode, size)
            kept = chosen.setdefault((step, h["repeat"]), (dump, m))
            if kept[0].header["cpus"] < h["cpus"]:
                chosen[(step, h["repeat"])] = (dump, m)
    out: dict[StepKey, list[M]] = {}
    for (step, _), (_, m) in chosen.items():
        out.setdefault(step, []).append(m)
    return out


def memory_sizes(dumps: list[benchlog.Dump], guest_mib: dict[str, int] | None) -> list[str]:
    """Each dump's value of MEM_PARAM, '' (none) unless some variant and
    target ran with more than one memory size: the guest's size of the
    dump's cell (guest_mib: the plan's, by cell name), else the size the
    dump's page allocator manages. (That one varies with the kernel image,
    so it would keep variants booted alike apart: the plan's is preferred.)"""
    guest = guest_mib or {}
    sizes = [guest.get(str(d.header.get("cell")), d.header["mem_mib"]) for d in dumps]
    per_run: dict[tuple[str, str], set[int]] = {}
    for dump, size in zip(dumps, sizes):
        per_run.setdefault((dump.header["variant"], dump.header["target"]), set()).add(size)
    swept = any(len(found) > 1 for found in per_run.values())
    return [str(size) if swept else "" for size in sizes]


def collect(dumps: Iterable[benchlog.Dump],
            guest_mib: dict[str, int] | None = None) -> tuple[list[Row], list[Record]]:
    """Rows of all dumps, and the duplicates dropped. Dumps of one variant
    and target with different repeat numbers are repeats, pooled into one
    row per series. Within one repeat the same series can come from two
    boots (say --smp 2 and --smp 4 both run it on 1 CPU); the boot with
    more CPUs online wins, and the choice is returned for meta.json rather
    than made silently. Fragmentation and sharing measures are chosen the
    same way. Memory sizes are kept apart by MEM_PARAM (memory_sizes)."""
    dumps = list(dumps)
    sizes = memory_sizes(dumps, guest_mib)
    chosen: dict[tuple[Key, int], tuple[benchlog.Dump, benchlog.Series]] = {}
    duplicates: list[Record] = []
    for dump, mem in zip(dumps, sizes):
        h = dump.header
        for s in dump.series:
            if mem:
                s = dataclasses.replace(s, params={**s.params, MEM_PARAM: mem})
            key: Key = (h["variant"], h["target"], s.suite, s.op, params_text(s.params),
                   s.cpus, s.mode)
            new = (dump, s)
            old = chosen.setdefault((key, h["repeat"]), new)
            if old is new:
                continue
            keep, drop = (old, new) if old[0].header["cpus"] >= h["cpus"] else (new, old)
            chosen[(key, h["repeat"])] = keep
            duplicates.append({"series": describe(key), "repeat": h["repeat"],
                               "kept": keep[0].path, "dropped": drop[0].path})
    by_key: dict[Key, list[tuple[int, int, benchlog.Series]]] = {}
    for (key, repeat) in sorted(chosen, key=lambda kr: kr[1]):
        dump, s = chosen[(key, repeat)]
        by_key.setdefault(key, []).append((repeat, dump.tsc_hz, s))
    rows = sorted((row_from_repeats(key[0], key[1], parts) for key, parts in by_key.items()),
                  key=row_sort_key)
    attach_steps(rows, step_measures(dumps, sizes, lambda d: d.frags),
                 step_measures(dumps, sizes, lambda d: d.shares))
    calib.apply(rows)
    return rows, duplicates


# ---- summary.csv ------------------------------------------------------------

def param_keys(rows: Iterable[Row]) -> list[str]:
    return sorted({k for r in rows for k in r.params})


def _cell(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _csv(header: list[str], lines: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(lines)
    return out.getvalue()


def summary_text(rows: list[Row]) -> str:
    params = param_keys(rows)
    return _csv(LEADING + STATS + params + TAIL + FRAG + SHARE, (
        [r.variant, r.suite, r.op, r.cpus, r.samples]
        + [_cell(getattr(r, c), 2) for c in LEADING[5:11]]
        + [_cell(r.ops_per_sec, 1), r.target, r.mode, r.repeats, r.ops]
        + [_cell(r.p50_ci_lo_ns, 2), _cell(r.p50_ci_hi_ns, 2)]
        + [_cell(r.ops_ci_lo, 1), _cell(r.ops_ci_hi, 1)]
        + [_cell(getattr(r, c), 4) for c in SCALING[:3]]
        + [_cell(r.platform_limited, 0)]
        + [r.params.get(k, "") for k in params]
        + [_cell(getattr(r, c), 4) for c in PER_OP]
        + [r.tsc_hz, r.min_cycles, r.max_cycles]
        + [_cell(r.free_frames, 0), _cell(r.free_huge, 0), _cell(r.huge_share, 4)]
        + [_cell(r.shared_cpus, 0), _cell(r.line_bytes, 0)]
        for r in rows))


def _read_csv(path: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """A csv file's lines as lists, checked for truncation. Returns
    (header, [(line, fields)], sha256 of the file)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ResultsError(path, f"cannot read: {e.strerror}") from None
    if not data:
        raise ResultsError(path, "truncated: the file is empty")
    if not data.endswith(b"\n"):
        raise ResultsError(path, "truncated: the last line has no newline")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ResultsError(path, f"corrupted: not UTF-8 (byte {e.start})") from None
    reader = csv.reader(io.StringIO(text))
    try:
        lines = [(reader.line_num, fields) for fields in reader]
    except csv.Error as e:
        raise ResultsError(path, f"corrupted: {e}", reader.line_num) from None
    for number, fields in lines[1:]:
        if len(fields) != len(lines[0][1]):
            raise ResultsError(path, f"corrupted or truncated: {len(fields)} fields, the "
                                     f"header has {len(lines[0][1])}", number)
    return lines[0][1], lines[1:], sha256_bytes(data)


def _check_sha(path: str, actual: str, recorded: str | None) -> None:
    """After the content checks (their errors say more): a file that parses
    but differs from what was written is still rejected."""
    if recorded and actual != recorded:
        raise ResultsError(path, "corrupted or changed since it was written: its sha256 "
                                 "is not the one meta.json records")


def _convert(path: str, number: int, column: str, text: str) -> float | None:
    """A cell's value, checked: None for an empty optional cell."""
    if column in OPTIONAL and text == "":
        return None
    value: float
    try:
        if column in INT_COLUMNS:
            value = int(text)
            bad = value < INT_COLUMNS[column] or (column == "platform_limited" and value > 1)
        else:
            value = float(text)
            bad = not value >= 0          # also rejects nan
    except ValueError:
        bad = True
    if bad:
        raise ResultsError(path, f"corrupted: {column}='{text}' is not a valid value", number)
    return value


def _check_names(path: str, number: int, cells: dict[str, str]) -> None:
    """The name cells of a line: those of the series key but params."""
    for column in ("variant", "target", "suite", "op", "mode"):
        text = cells[column]
        valid = (text in CHOICES[column] if column in CHOICES
                 else (VARIANT_RE if column == "variant" else NAME_RE).match(text))
        if not valid:
            raise ResultsError(path, f"corrupted: {column}='{text}'", number)


def _check_header(path: str, header: list[str]) -> None:
    """summary.csv's fixed columns, with a clear word for files made before
    the dump format's version 2."""
    if header[:len(LEADING)] != LEADING:
        raise ResultsError(path, f"not a summary.csv: the header must start with "
                                 f"{','.join(LEADING)}", 1)
    if "target" not in header:
        raise ResultsError(path, "made by an older bench.py (no target and mode columns): "
                                 "process its logs again", 1)
    if header[len(LEADING):len(LEADING) + len(STATS)] != STATS:
        raise ResultsError(path, f"not a summary.csv: ops_per_sec must be followed by "
                                 f"{','.join(STATS)}", 1)
    missing = [c for c in TAIL if c not in header]
    if missing:
        raise ResultsError(path, f"not a summary.csv: no column {', '.join(missing)}", 1)
    if len(set(header)) != len(header):
        raise ResultsError(path, "corrupted: a column name appears twice", 1)


def load_summary(path: str, sha256: str | None = None) -> list[Row]:
    """Read summary.csv back into Rows (without buckets)."""
    header, lines, actual = _read_csv(path)
    _check_header(path, header)
    params = [c for c in header[len(LEADING) + len(STATS):] if c not in TAIL + FRAG + SHARE]
    rows: list[Row] = []
    seen: set[Key] = set()
    for number, fields in lines:
        row = _summary_row(path, number, dict(zip(header, fields)), params)
        if row.key() in seen:
            raise ResultsError(path, f"corrupted: {describe(row.key())} appears twice", number)
        seen.add(row.key())
        rows.append(row)
    _check_sha(path, actual, sha256)
    return rows


def _summary_row(path: str, number: int, cells: dict[str, str], params: list[str]) -> Row:
    _check_names(path, number, cells)
    for k in params:
        if cells[k] and not NAME_RE.match(cells[k]):
            raise ResultsError(path, f"corrupted: {k}='{cells[k]}'", number)
    values: dict[str, Any] = {c: _convert(path, number, c, cells[c])
              for c in LEADING[3:] + STATS[2:] + TAIL + FRAG + SHARE if c in cells}
    row = Row(cells["variant"], cells["target"], cells["suite"], cells["op"],
              mode=cells["mode"], params={k: cells[k] for k in params if cells[k]}, **values)
    problem = _inconsistency(row)
    if problem:
        raise ResultsError(path, f"corrupted: {problem}", number)
    return row


def _inconsistency(row: Row) -> str:
    """What is wrong between a row's cells that are each valid alone, or ''."""
    if row.ops < row.samples:
        return f"ops={row.ops} < samples={row.samples}"
    cis = [row.p50_ci_lo_ns, row.p50_ci_hi_ns, row.ops_ci_lo, row.ops_ci_hi]
    if any((v is None) != (row.repeats == 1) for v in cis):
        return f"confidence intervals go with repeats > 1 (repeats={row.repeats})"
    p50, ops = row.p50_ci(), row.ops_ci()
    if p50 is not None and ops is not None and not (p50[0] <= p50[1] and ops[0] <= ops[1]):
        return "a confidence interval ends below its start"
    if (row.platform_limited is None) != (row.ceiling is None):
        return "platform_limited goes with ceiling"
    if row.ceiling is not None and row.platform_limited != calib.is_limited(row.ceiling,
                                                                            row.cpus):
        return f"platform_limited={row.platform_limited} does not follow from " \
               f"ceiling={row.ceiling} at cpus={row.cpus}"
    frag = [row.free_frames, row.free_huge, row.huge_share]
    if None in frag and frag != [None] * 3:
        return "free_frames, free_huge and huge_share go together"
    if row.huge_share is not None and row.huge_share > 1:
        return f"huge_share={row.huge_share} is above 1"
    if (row.shared_cpus is None) != (row.line_bytes is None):
        return "shared_cpus and line_bytes go together"
    if row.shared_cpus is not None and row.shared_cpus > row.cpus:
        return f"shared_cpus={row.shared_cpus} is above cpus={row.cpus}"
    return ""


# ---- histograms.csv and repeats.csv -------------------------------------------

def histograms_text(rows: list[Row]) -> str:
    return _csv(HIST_COLUMNS, (
        [r.variant, r.target, r.mode, r.suite, r.op, r.cpus, params_text(r.params), b,
         hist.bucket_low(b), hist.bucket_high(b), r.buckets[b]]
        for r in rows for b in sorted(r.buckets)))


def _line_key(cells: dict[str, str]) -> Key:
    """A histograms.csv or repeats.csv line's series key."""
    return (cells["variant"], cells["target"], cells["suite"], cells["op"], cells["params"],
            int(cells["cpus"]), cells["mode"])


def _read_keyed(path: str, columns: list[str],
                sha256: str | None) -> list[tuple[int, dict[str, str]]]:
    """The lines of a file with exactly these columns, as (line, cells),
    with their names and cpus checked."""
    header, lines, actual = _read_csv(path)
    if header != columns:
        raise ResultsError(path, f"not a {os.path.basename(path)} of this bench.py: the "
                                 f"header must be {','.join(columns)}", 1)
    out = []
    for number, fields in lines:
        cells = dict(zip(header, fields))
        _check_names(path, number, cells)
        _convert(path, number, "cpus", cells["cpus"])
        out.append((number, cells))
    _check_sha(path, actual, sha256)
    return out


def load_histograms(path: str, sha256: str | None = None) -> dict[Key, dict[int, int]]:
    """Read histograms.csv back: {series key: {bucket: count}}."""
    hists: dict[Key, dict[int, int]] = {}
    for number, cells in _read_keyed(path, HIST_COLUMNS, sha256):
        try:
            bucket, low, high, count = (int(cells[c]) for c in HIST_COLUMNS[7:])
            valid = (count > 0 and low == hist.bucket_low(bucket)
                     and high == hist.bucket_high(bucket))
        except ValueError:
            valid = False
        if not valid:
            raise ResultsError(path, "corrupted: bad bucket, bounds or count", number)
        buckets = hists.setdefault(_line_key(cells), {})
        if bucket <= next(reversed(buckets), -1):
            raise ResultsError(path, f"corrupted: bucket {bucket} out of order", number)
        buckets[bucket] = count
    return hists


def repeats_text(rows: list[Row]) -> str:
    return _csv(REPEAT_COLUMNS, (
        [r.variant, r.target, r.suite, r.op, params_text(r.params), r.cpus, r.mode,
         x.repeat, x.samples, x.ops, _cell(x.p50_ns, 2), _cell(x.ops_per_sec, 1)]
        for r in rows for x in r.per_repeat))


def load_repeats(path: str, sha256: str | None = None) -> dict[Key, list[Repeat]]:
    """Read repeats.csv back: {series key: [Repeat]}."""
    repeats: dict[Key, list[Repeat]] = {}
    for number, cells in _read_keyed(path, REPEAT_COLUMNS, sha256):
        values: dict[str, Any] = {c: _convert(path, number, c, cells[c])
                                  for c in REPEAT_COLUMNS[7:]}
        x = Repeat(**values)
        if x.ops < x.samples:
            raise ResultsError(path, f"corrupted: ops={x.ops} < samples={x.samples}", number)
        mine = repeats.setdefault(_line_key(cells), [])
        if mine and x.repeat <= mine[-1].repeat:
            raise ResultsError(path, f"corrupted: repeat {x.repeat} out of order", number)
        mine.append(x)
    return repeats


def _attach(rows: list[Row], found: dict[Key, T], summary_path: str, path: str, what: str,
            problem: Callable[[Row, T], str]) -> None:
    """Give each row the part of `found` (by series key) that is its `what`
    attribute, checking with problem(row, part) -> '' that the files agree."""
    for r in rows:
        if r.key() not in found:
            raise ResultsError(path, f"no {what} for {describe(r.key())} of {summary_path}")
        part = found.pop(r.key())
        wrong = problem(r, part)
        if wrong:
            raise ResultsError(path, f"{what} of {describe(r.key())} {wrong}")
        setattr(r, what, part)
    if found:
        raise ResultsError(path, f"{what} for {describe(next(iter(found)))}, a series "
                                 f"that is not in {summary_path}")


def attach_histograms(rows: list[Row], hists: dict[Key, dict[int, int]], summary_path: str,
                      hist_path: str) -> None:
    """Give each row its buckets, checking the two files agree."""
    _attach(rows, hists, summary_path, hist_path, "buckets", lambda r, buckets: (
        "" if sum(buckets.values()) == r.samples
        else f"do not add up to its {r.samples} samples"))


def attach_repeats(rows: list[Row], repeats: dict[Key, list[Repeat]], summary_path: str,
                   repeats_path: str) -> None:
    """Give each row its per-repeat figures, checking the two files agree."""
    _attach(rows, repeats, summary_path, repeats_path, "per_repeat", lambda r, xs: (
        "" if (len(xs), sum(x.samples for x in xs), sum(x.ops for x in xs))
        == (r.repeats, r.samples, r.ops)
        else f"do not add up to its repeats={r.repeats}, samples={r.samples}, ops={r.ops}"))


# ---- meta.json --------------------------------------------------------------

KNOWN_HEADER = frozenset(benchlog.HEADER_REQUIRED + benchlog.HEADER_V2 + ("cell",))


def dump_info(dump: benchlog.Dump, log: str, sha256: str | None) -> Record:
    """What meta.json records about one valid dump."""
    h = dump.header
    return {
        "log": log, "sha256": sha256, "variant": h["variant"], "commit": h["commit"],
        "cpus": h["cpus"], "tsc_hz": h["tsc_hz"], "hypervisor": h["hypervisor"],
        "debug": h["debug"], "mem_mib": h["mem_mib"], "cell": h.get("cell"),
        "timer_min": h["timer_min"],
        "timer_median": h["timer_median"], "suites_selected": h["suites"],
        "target": h["target"], "repeat": h["repeat"], "modes": h["modes"],
        "sample_period": h["sample_period"], "batch": h["batch"],
        "suites": dump.suites, "status": dump.status, "series": len(dump.series),
        "header_extra": {k: v for k, v in h.items() if k not in KNOWN_HEADER},
    }


def _one_or_all(values: Iterable[Any]) -> Any:
    """A single value when the dumps agree, else the sorted list of them."""
    distinct = sorted(set(values), key=str)
    return distinct[0] if len(distinct) == 1 else distinct


def incomplete_reasons(caller: Meta, infos: list[Record], rejected: list[Record]) -> list[str]:
    reasons = list(caller.get("incomplete_reasons", []))
    reasons += [f"log rejected: {r['log']}{':' + str(r['line']) if r['line'] else ''}: "
                f"{r['problem']}" for r in rejected]
    for info in infos:
        if info["status"] != "ok":
            reasons.append(f"{info['log']}: the dump ended with status={info['status']}")
        for suite in info["suites_selected"]:
            status = info["suites"].get(suite, {}).get("status")
            if status is None:
                reasons.append(f"{info['log']}: suite {suite} was selected but never reported")
            elif status == "failed":
                reason = info["suites"][suite].get("reason", "no reason given")
                reasons.append(f"{info['log']}: suite {suite} failed ({reason})")
    found = {i["variant"] for i in infos}
    for variant in caller.get("variants", []):
        if variant not in found:
            reasons.append(f"variant {variant} was run but no valid dump has it")
    return reasons


def build_meta(caller: Meta, infos: list[Record], rejected: list[Record],
               duplicates: list[Record], run_id: str) -> Meta:
    """meta.json: the caller's facts (date, QEMU, accel, host...) merged with
    what the dumps say. The caller's commit wins (it describes the tree the
    run was made from); the dumps' variants replace the caller's list, which
    is kept as variants_requested when it was given."""
    meta = dict(caller)
    meta.setdefault("run_id", run_id)
    if "variants" in caller:
        meta["variants_requested"] = caller["variants"]
    meta["variants"] = sorted({i["variant"] for i in infos})
    meta["targets"] = sorted({i["target"] for i in infos})
    # How many repeats (distinct repeat numbers) each variant has per target.
    repeats: dict[str, dict[str, set[int]]] = {}
    for i in infos:
        repeats.setdefault(i["variant"], {}).setdefault(i["target"], set()).add(i["repeat"])
    meta["repeats"] = {v: {t: len(n) for t, n in by_target.items()}
                       for v, by_target in repeats.items()}
    meta["dumps"] = infos
    meta["rejected"] = rejected
    meta["duplicates"] = duplicates
    if infos:
        meta.setdefault("commit", _one_or_all(i["commit"] for i in infos))
        meta["tsc_hz"] = _one_or_all(i["tsc_hz"] for i in infos)
        meta["cpus_online"] = sorted({i["cpus"] for i in infos})
        meta["hypervisor"] = _one_or_all(i["hypervisor"] for i in infos)
        meta["debug"] = any(i["debug"] for i in infos)
        meta["timer_overhead_cycles"] = {
            "min": min(i["timer_min"] for i in infos),
            "median_min": min(i["timer_median"] for i in infos),
            "median_max": max(i["timer_median"] for i in infos),
        }
        if "accel" not in caller and meta["hypervisor"] in ("kvm", "tcg"):
            meta["accel"] = meta["hypervisor"]
    reasons = incomplete_reasons(caller, infos, rejected)
    meta["complete"] = not reasons
    meta["incomplete_reasons"] = reasons
    return meta


def meta_text(meta: Meta) -> str:
    return json.dumps(meta, indent=2, sort_keys=True) + "\n"


def load_meta(path: str) -> Meta:
    try:
        with open(path, "rb") as f:
            meta = json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise ResultsError(path, f"cannot read: {e.strerror}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ResultsError(path, f"corrupted or truncated: not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ResultsError(path, "corrupted: not a JSON object")
    return meta


def emulation(meta: Meta, target: str | None = None) -> str:
    """How the timings were made, when they are not native: '' under KVM
    and for the hosted target. Without a target, for the run as a whole:
    a run of both targets says its hosted rows are native."""
    accel = meta.get("accel")
    if target == "hosted":
        return ""
    if accel == "icount":
        text = "emulated (TCG, icount: cycles count guest instructions)"
    elif accel == "tcg":
        text = "emulated (TCG)"
    else:
        return ""
    if target is None and "hosted" in meta.get("targets", []):
        text += " for the qemu target (the hosted target's rows are native)"
    return text


# ---- a results directory ----------------------------------------------------

SUMMARY, HISTOGRAMS, REPEATS, META = "summary.csv", "histograms.csv", "repeats.csv", "meta.json"


def load_results(results_dir: str, full: bool = True) -> tuple[list[Row], Meta]:
    """Rows and meta of a results directory; with full, also the buckets
    and per-repeat figures (histograms.csv and repeats.csv), checked
    against summary.csv. meta.json is optional for reading rows; when
    present, the hashes it records must match the csv files."""
    meta_path = os.path.join(results_dir, META)
    meta = load_meta(meta_path) if os.path.exists(meta_path) else {}
    files = meta.get("files", {})
    summary_path = os.path.join(results_dir, SUMMARY)
    rows = load_summary(summary_path, files.get(SUMMARY))
    if full:
        hist_path = os.path.join(results_dir, HISTOGRAMS)
        attach_histograms(rows, load_histograms(hist_path, files.get(HISTOGRAMS)),
                          summary_path, hist_path)
        repeats_path = os.path.join(results_dir, REPEATS)
        attach_repeats(rows, load_repeats(repeats_path, files.get(REPEATS)),
                       summary_path, repeats_path)
    return rows, meta
