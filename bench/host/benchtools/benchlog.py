"""Parse and validate one raw serial log holding a benchmark dump (bench/FORMAT.md).

parse_log(path) returns a Dump or raises DumpError naming the file, the line
and what is wrong. Lines that do not start with "BENCH " are the kernel's
other output and are skipped; every "BENCH " line must be a valid record.
"""

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from . import hist

VERSIONS = ("1", "2", "3", "4")
MAX_LINE = 500
MAX_PAIRS_PER_BK = 12
PREFIX = b"BENCH "

KEY_RE = re.compile(r"[a-z0-9_]+\Z")
VALUE_RE = re.compile(r"[A-Za-z0-9_.,:/+-]+\Z")
INT_RE = re.compile(r"[0-9]+\Z")
CRC_RE = re.compile(rb"(.*) \*([0-9a-f]{8})\Z", re.S)

HEADER_INTS = ("version", "debug", "cpus", "tsc_hz", "mem_mib", "timer_min", "timer_median")
HEADER_REQUIRED = HEADER_INTS + ("variant", "commit", "hypervisor", "suites")
# Version 2 adds these; a version 1 dump has none of them and means the values
# of V1_HEADER (a QEMU boot, run once, every operation timed).
HEADER_V2 = ("target", "repeat", "modes", "sample_period", "batch")
V1_HEADER = {"target": "qemu", "repeat": 1, "modes": ["each"], "sample_period": 1, "batch": 1}
TARGETS = ("qemu", "hosted")
MODES = ("each", "sample", "batch")
HIST_INTS = ("cpus", "samples", "min", "max", "sum", "wall", "nbk")
HIST_REQUIRED = ("suite", "op") + HIST_INTS
HIST_V2 = ("mode", "ops")
COUNTERS = ("ipis_sent", "ipis_received", "flushes", "rounds")
# Version 3 adds the frag record, whose keys are exactly these.
FRAG_KEYS = ("suite", "cpus", "mode", "free_frames", "free_huge", "huge_order")
MAX_HUGE_ORDER = 30
# Version 4 adds the share record, whose keys are exactly these.
SHARE_KEYS = ("suite", "cpus", "mode", "shared", "line")
# The host's own parameter of a run over several memory sizes (results.py).
MEM_PARAM = "mem_mib"
# Parameter keys become summary.csv columns; these names are taken there.
RESERVED_PARAMS = frozenset((
    "variant", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
    "ops_per_sec", "ipis_per_op", "rounds_per_op", "flushes_per_op", "tsc_hz",
    "min_cycles", "max_cycles", "params", "bucket", "low_cycles", "high_cycles", "count",
    "target", "mode", "repeat", "repeats", "ops", "p50_ci_lo_ns", "p50_ci_hi_ns",
    "ops_ci_lo", "ops_ci_hi", "speedup", "ceiling", "efficiency", "platform_limited",
    "free_frames", "free_huge", "huge_share", "shared_cpus", "line_bytes", MEM_PARAM))
SUITE_STATUSES = ("ok", "skipped", "failed")
END_STATUSES = ("ok", "failed")

# A series' identity within a dump: suite, op, sorted params, cpus, mode.
SeriesKey = tuple[str, str, tuple[tuple[str, str], ...], int, str]
# A step measure's identity within a dump (a frag or share record): suite,
# cpus, mode.
FragKey = tuple[str, int, str]
# The begin record's fields, converted: ints, strings and lists of strings.
Header = dict[str, Any]


class DumpError(Exception):
    """A log that is not a valid dump; str() is "FILE:LINE: problem"
    ("FILE: problem" when the file cannot be read at all)."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


@dataclass
class Series:
    """One measured series: a hist record and its buckets. `ops` counts the
    operations of the timed phase, timed or not (samples: those timed)."""
    suite: str
    op: str
    cpus: int
    params: dict[str, str]
    mode: str
    ops: int
    samples: int
    min: int
    max: int
    sum: int
    wall: int
    counters: dict[str, int]
    buckets: dict[int, int] = field(default_factory=dict)
    line: int = 0

    def key(self) -> SeriesKey:
        return (self.suite, self.op, tuple(sorted(self.params.items())), self.cpus, self.mode)


@dataclass
class Frag:
    """A frag record: after a suite's step, free_frames free frames, of
    which free_huge aligned blocks of 2^huge_order frames were wholly free."""
    suite: str
    cpus: int
    mode: str
    free_frames: int
    free_huge: int
    huge_order: int
    line: int = 0

    def key(self) -> FragKey:
        return (self.suite, self.cpus, self.mode)

    def share(self) -> float:
        """The share of free memory in whole huge blocks (0 with none free)."""
        whole = self.free_huge << self.huge_order
        return whole / self.free_frames if self.free_frames else 0.0


@dataclass
class Share:
    """A share record: after a false-sharing suite's step, `shared` of its
    `cpus` CPUs held an object that shared a cache line of `line_bytes`
    (the record's `line`) with another CPU's."""
    suite: str
    cpus: int
    mode: str
    shared: int
    line_bytes: int
    line: int = 0

    def key(self) -> FragKey:
        return (self.suite, self.cpus, self.mode)


@dataclass
class Dump:
    """One valid dump: header (the begin record), series, suite statuses,
    fragmentation and cache-line sharing measures."""
    path: str
    header: Header
    series: list[Series]
    suites: dict[str, dict[str, str]]     # name -> {"status": ..., "reason": ... (when given)}
    status: str                           # the end record's status
    records: int
    frags: list[Frag] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)

    @property
    def variant(self) -> str:
        return str(self.header["variant"])

    @property
    def tsc_hz(self) -> int:
        return int(self.header["tsc_hz"])


def parse_log(path: str) -> Dump:
    """Read and validate the dump in the log at `path`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DumpError(path, None, f"cannot read: {e.strerror}") from None
    return parse_bytes(data, path)


def parse_bytes(data: bytes, path: str = "<log>") -> Dump:
    """Validate the dump in a log's raw bytes; `path` names it in errors."""
    parser = _Parser(path)
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()              # the newline ends the last line, it starts none
    for number, raw in enumerate(lines, 1):
        line = raw.strip(b"\r")
        if line.startswith(PREFIX):
            parser.record(number, line)
    return parser.finish(max(1, len(lines)))


def split_record(path: str, number: int, line: bytes) -> tuple[str, list[str]]:
    """Check a BENCH line's length, CRC and syntax; return (type, fields)
    where fields is a list of tokens after the type."""
    def fail(problem: str) -> NoReturn:
        raise DumpError(path, number, problem)

    if len(line) > MAX_LINE:
        fail(f"malformed: line is {len(line)} bytes, longer than {MAX_LINE}")
    m = CRC_RE.match(line)
    if not m:
        fail("corrupted: no ' *<crc>' (8 lower-case hex digits) at the end of the line")
    body, crc = m.group(1), int(m.group(2), 16)
    actual = zlib.crc32(body)
    if actual != crc:
        fail(f"corrupted: CRC {crc:08x} in the line, {actual:08x} computed")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        fail("malformed: non-ASCII bytes in a record with a valid CRC")
    tokens = text[len("BENCH "):].split(" ")
    if "" in tokens:
        fail("malformed: empty field (two spaces in a row, or a trailing space)")
    return tokens[0], tokens[1:]


def parse_fields(path: str, number: int, tokens: list[str]) -> dict[str, str]:
    """key=value tokens -> dict, checking key and value syntax."""
    fields: dict[str, str] = {}
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq or not KEY_RE.match(key) or not VALUE_RE.match(value):
            raise DumpError(path, number, f"malformed: '{token}' is not key=value")
        if key in fields:
            raise DumpError(path, number, f"malformed: key '{key}' given twice")
        fields[key] = value
    return fields


class _Parser:
    """The dump's state machine, fed one BENCH line at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.header: Header = {}  # empty until the begin record
        self.begin_line = 0
        self.series: list[Series] = []
        self.seen: dict[SeriesKey, int] = {}    # series key -> line, to reject duplicates
        self.frags: dict[FragKey, Frag] = {}
        self.shares: dict[FragKey, Share] = {}
        self.suites: dict[str, dict[str, str]] = {}
        self.open: Series | None = None         # the Series whose bk records are pending
        self.pending = 0          # bucket:count pairs still expected
        self.records = 0          # BENCH lines since begin, begin included
        self.end: tuple[int, str] | None = None

    def fail(self, number: int, problem: str) -> NoReturn:
        raise DumpError(self.path, number, problem)

    def need(self, number: int, rtype: str, fields: dict[str, str], keys: Iterable[str]) -> None:
        for key in keys:
            if key not in fields:
                self.fail(number, f"malformed: {rtype} record without '{key}='")

    def integer(self, number: int, fields: dict[str, str], key: str, lo: int = 0) -> int:
        value = fields[key]
        if not INT_RE.match(value):
            self.fail(number, f"malformed: {key}={value} is not a decimal integer")
        n = int(value)
        if n < lo or n > hist.MAX_VALUE:
            self.fail(number, f"malformed: {key}={value} is outside {lo}..2^64-1")
        return n

    def hist_open(self) -> Series:
        """The hist whose bucket pairs are pending (there is one while any are)."""
        assert self.open is not None
        return self.open

    def record(self, number: int, line: bytes) -> None:
        rtype, tokens = split_record(self.path, number, line)
        if self.end is not None:
            self.fail(number, f"malformed: '{rtype}' record after the dump's end "
                              f"(line {self.end[0]})")
        if rtype != "begin" and not self.header:
            self.fail(number, f"malformed: '{rtype}' record before 'BENCH begin'")
        if rtype != "bk" and self.pending:
            s = self.hist_open()
            self.fail(number, f"malformed: hist at line {s.line} announced "
                              f"nbk={len(s.buckets) + self.pending}, only "
                              f"{len(s.buckets)} pairs came before this "
                              f"'{rtype}' record (nbk mismatch)")
        # bk records are bucket:count pairs, the others key=value fields.
        handlers: dict[str, Callable[[int, dict[str, str]], None]] = {
            "begin": self.on_begin, "hist": self.on_hist, "frag": self.on_frag,
            "share": self.on_share, "suite": self.on_suite, "end": self.on_end,
        }
        if rtype != "bk" and rtype not in handlers:
            self.fail(number, f"malformed: unknown record type '{rtype}'")
        if rtype != "end":
            self.records += 1
        if rtype == "bk":
            self.on_bk(number, tokens)
        else:
            handlers[rtype](number, parse_fields(self.path, number, tokens))

    def on_begin(self, number: int, fields: dict[str, str]) -> None:
        if self.header:
            self.fail(number, f"truncated: a second 'begin' before the dump opened "
                              f"at line {self.begin_line} ended")
        if "version" in fields and fields["version"] not in VERSIONS:
            self.fail(number, f"unsupported: version={fields['version']}, this parser "
                              f"reads versions {', '.join(VERSIONS[:-1])} and {VERSIONS[-1]}")
        self.need(number, "begin", fields, HEADER_REQUIRED)
        header: Header = dict(fields)
        if fields["version"] == "1":
            for key in HEADER_V2:
                if key in fields:
                    self.fail(number, f"malformed: '{key}=' in a version 1 dump "
                                      f"(it came with version 2)")
            header.update(V1_HEADER)
        else:
            self.need(number, "begin", fields, HEADER_V2)
            header.update(self.v2_header(number, fields))
        for key in HEADER_INTS:
            header[key] = self.integer(number, fields, key)
        if header["debug"] not in (0, 1):
            self.fail(number, f"malformed: debug={header['debug']}, expected 0 or 1")
        for key in ("cpus", "tsc_hz"):
            if header[key] == 0:
                self.fail(number, f"malformed: {key}=0")
        parts = header["variant"].split("-")
        if len(parts) != 3 or "" in parts:
            self.fail(number, f"malformed: variant={header['variant']} is not "
                              f"<frame>-<slab>-<shootdown>")
        header["suites"] = [s for s in header["suites"].split(",") if s]
        if header["target"] == "hosted" and header["hypervisor"] != "none":
            self.fail(number, f"inconsistent: target=hosted with hypervisor="
                              f"{header['hypervisor']} (a hosted dump says none)")
        self.header = header
        self.begin_line = number

    def v2_header(self, number: int, fields: dict[str, str]) -> Header:
        """The version 2 keys of a begin record, checked and converted."""
        if fields["target"] not in TARGETS:
            self.fail(number, f"malformed: target={fields['target']}, expected "
                              f"{' or '.join(TARGETS)}")
        modes = fields["modes"].split(",")
        for mode in modes:
            if mode not in MODES:
                self.fail(number, f"malformed: modes={fields['modes']}: '{mode}' is not "
                                  f"one of {', '.join(MODES)}")
        if len(set(modes)) != len(modes):
            self.fail(number, f"malformed: modes={fields['modes']} names a mode twice")
        return {"target": fields["target"], "modes": modes,
                **{key: self.integer(number, fields, key, lo=1)
                   for key in ("repeat", "sample_period", "batch")}}

    def on_hist(self, number: int, fields: dict[str, str]) -> None:
        v2 = self.header["version"] >= 2
        required = HIST_REQUIRED + HIST_V2 if v2 else HIST_REQUIRED
        self.need(number, "hist", fields, required)
        ints = {key: self.integer(number, fields, key) for key in HIST_INTS}
        counters = {key: self.integer(number, fields, key)
                    for key in COUNTERS if key in fields}
        params = {k: v for k, v in fields.items()
                  if k not in required and k not in COUNTERS}
        for key in params:
            if key in RESERVED_PARAMS:
                self.fail(number, f"malformed: parameter '{key}' clashes with a "
                                  f"summary.csv column")
        if ints["cpus"] < 1 or ints["samples"] < 1 or ints["wall"] < 1:
            self.fail(number, "malformed: cpus, samples and wall must be at least 1")
        if ints["min"] > ints["max"]:
            self.fail(number, f"inconsistent: min={ints['min']} > max={ints['max']}")
        n = ints["samples"]
        mode, ops = (fields["mode"], self.integer(number, fields, "ops")) if v2 else ("each", n)
        self.check_mode(number, fields["op"], mode, ops, n)
        # The kernel saturates sum at 2^64-1 rather than wrap: then it is a floor.
        saturated = ints["sum"] == hist.MAX_VALUE
        if not (ints["min"] * n <= ints["sum"] or saturated) or ints["sum"] > ints["max"] * n:
            self.fail(number, f"inconsistent: sum={ints['sum']} is not between "
                              f"samples*min and samples*max")
        series = Series(fields["suite"], fields["op"], ints["cpus"], params, mode, ops, n,
                        ints["min"], ints["max"], ints["sum"], ints["wall"],
                        counters, {}, number)
        first = self.seen.setdefault(series.key(), number)
        if first != number:
            self.fail(number, f"malformed: series {fields['suite']} {fields['op']} "
                              f"cpus={ints['cpus']} mode={mode} measured twice (first at "
                              f"line {first})")
        self.series.append(series)
        self.open = series
        self.pending = ints["nbk"]
        if self.pending == 0:
            self.close_hist(number)

    def check_mode(self, number: int, op: str, mode: str, ops: int, samples: int) -> None:
        if mode not in self.header["modes"]:
            self.fail(number, f"inconsistent: mode={mode} is not among the modes="
                              f"{','.join(self.header['modes'])} of the begin record")
        if ops < samples:
            self.fail(number, f"inconsistent: ops={ops} < samples={samples} (ops counts "
                              f"every operation, timed or not)")
        if "+" in op and mode != "batch":
            self.fail(number, f"malformed: op={op} joins two operations, which only "
                              f"batch mode does (mode={mode})")

    def on_bk(self, number: int, tokens: list[str]) -> None:
        if not self.pending:
            self.fail(number, "malformed: bk record outside a hist (no bucket "
                              "pairs are expected here)")
        if not tokens or len(tokens) > MAX_PAIRS_PER_BK:
            self.fail(number, f"malformed: bk record with {len(tokens)} pairs "
                              f"(1 to {MAX_PAIRS_PER_BK} allowed)")
        s = self.hist_open()
        buckets = s.buckets
        last = next(reversed(buckets), -1)   # buckets arrive in increasing order
        for token in tokens:
            b, colon, c = token.partition(":")
            if not colon or not INT_RE.match(b) or not INT_RE.match(c):
                self.fail(number, f"malformed: '{token}' is not bucket:count")
            bucket, count = int(b), int(c)
            if bucket > hist.MAX_BUCKET:
                self.fail(number, f"malformed: bucket {bucket} > {hist.MAX_BUCKET}")
            if count == 0:
                self.fail(number, f"malformed: bucket {bucket} with count 0 "
                                  f"(only non-zero buckets are written)")
            if bucket <= last:
                self.fail(number, f"malformed: bucket {bucket} after bucket "
                                  f"{last} (buckets must increase)")
            if not self.pending:
                self.fail(number, f"malformed: more bucket pairs than nbk="
                                  f"{len(buckets)} of the hist at line "
                                  f"{s.line} (nbk mismatch)")
            buckets[bucket] = count
            last = bucket
            self.pending -= 1
        if not self.pending:
            self.close_hist(number)

    def close_hist(self, number: int) -> None:
        s = self.hist_open()
        total = sum(s.buckets.values())
        if total != s.samples:
            self.fail(number, f"inconsistent: bucket counts of the hist at line "
                              f"{s.line} add up to {total}, not samples={s.samples}")
        lo, hi = min(s.buckets), max(s.buckets)
        if lo != hist.bucket_of(s.min) or hi != hist.bucket_of(s.max):
            self.fail(number, f"inconsistent: buckets {lo}..{hi} of the hist at "
                              f"line {s.line} do not hold min={s.min} and max={s.max}")
        self.open = None

    def step_record(self, number: int, rtype: str, since: int, fields: dict[str, str],
                    keys: tuple[str, ...]) -> dict[str, int]:
        """Check a record that measures a suite step (frag, share): its
        version, exactly `keys`, cpus and mode; return its integers (every
        key but suite and mode)."""
        if self.header["version"] < since:
            self.fail(number, f"malformed: {rtype} record in a version "
                              f"{self.header['version']} dump (it came with version {since})")
        self.need(number, rtype, fields, keys)
        for key in fields:
            if key not in keys:
                self.fail(number, f"malformed: {rtype} record with unknown key '{key}'")
        ints = {key: self.integer(number, fields, key)
                for key in keys if key not in ("suite", "mode")}
        if ints["cpus"] < 1:
            self.fail(number, f"malformed: {rtype} record with cpus=0")
        if fields["mode"] not in self.header["modes"]:
            self.fail(number, f"inconsistent: {rtype} mode={fields['mode']} is not among the "
                              f"modes={','.join(self.header['modes'])} of the begin record")
        return ints

    def on_frag(self, number: int, fields: dict[str, str]) -> None:
        ints = self.step_record(number, "frag", 3, fields, FRAG_KEYS)
        if ints["huge_order"] > MAX_HUGE_ORDER:
            self.fail(number, f"malformed: frag huge_order={ints['huge_order']} is above "
                              f"{MAX_HUGE_ORDER}")
        frag = Frag(fields["suite"], ints["cpus"], fields["mode"], ints["free_frames"],
                    ints["free_huge"], ints["huge_order"], number)
        if frag.free_huge << frag.huge_order > frag.free_frames:
            self.fail(number, f"inconsistent: frag free_huge={frag.free_huge} blocks of "
                              f"2^{frag.huge_order} frames are more than "
                              f"free_frames={frag.free_frames}")
        first = self.frags.setdefault(frag.key(), frag)
        if first is not frag:
            self.fail(number, f"malformed: frag of {frag.suite} cpus={frag.cpus} "
                              f"mode={frag.mode} given twice (first at line {first.line})")

    def on_share(self, number: int, fields: dict[str, str]) -> None:
        ints = self.step_record(number, "share", 4, fields, SHARE_KEYS)
        share = Share(fields["suite"], ints["cpus"], fields["mode"], ints["shared"],
                      ints["line"], number)
        if share.shared > share.cpus:
            self.fail(number, f"inconsistent: share shared={share.shared} CPUs of "
                              f"cpus={share.cpus}")
        if share.line_bytes < 1:
            self.fail(number, "malformed: share record with line=0")
        first = self.shares.setdefault(share.key(), share)
        if first is not share:
            self.fail(number, f"malformed: share of {share.suite} cpus={share.cpus} "
                              f"mode={share.mode} given twice (first at line {first.line})")

    def on_suite(self, number: int, fields: dict[str, str]) -> None:
        self.need(number, "suite", fields, ("name", "status"))
        name, status = fields["name"], fields["status"]
        if status not in SUITE_STATUSES:
            self.fail(number, f"malformed: suite status={status}, expected one of "
                              f"{', '.join(SUITE_STATUSES)}")
        if name in self.suites:
            self.fail(number, f"malformed: suite {name} reported twice")
        self.suites[name] = {k: v for k, v in fields.items() if k != "name"}

    def on_end(self, number: int, fields: dict[str, str]) -> None:
        self.need(number, "end", fields, ("status", "records"))
        if fields["status"] not in END_STATUSES:
            self.fail(number, f"malformed: end status={fields['status']}, expected "
                              f"ok or failed")
        records = self.integer(number, fields, "records")
        if records != self.records:
            self.fail(number, f"truncated: end says records={records}, but "
                              f"{self.records} BENCH records came since the "
                              f"begin at line {self.begin_line} (lost or extra lines)")
        self.end = (number, fields["status"])

    def selected_suites(self, items: list[str]) -> list[str]:
        """The header's selection with "all" and families (an item without
        a dot: "wis" for every wis.* suite) replaced by the suites the dump
        reported; a dump cut short is still caught by the end record's
        count."""
        if items == ["all"]:
            return list(self.suites)
        out: list[str] = []
        for item in items:
            out += ([s for s in self.suites if s.startswith(item + ".")]
                    if "." not in item else [item])
        return out

    def finish(self, last_line: int) -> Dump:
        if not self.header:
            self.fail(last_line, "truncated: no 'BENCH begin' record in the log "
                                 "(no dump at all)")
        if self.end is None:
            self.fail(last_line, f"truncated: the dump begun at line "
                                 f"{self.begin_line} has no 'BENCH end' record")
        self.header["suites"] = self.selected_suites(self.header["suites"])
        return Dump(self.path, self.header, self.series, self.suites,
                    self.end[1], self.records, list(self.frags.values()),
                    list(self.shares.values()))
