"""The published workloads in report.md: for each suite of the workload
families (wis.*: will-it-scale's mm tests; alloc.*: the classic allocator
benchmarks) that a run measured, where it comes from, what one operation
is, the parameters the run used and every change from the published ones,
then its throughput per CPU count, all CPUs together and per CPU (what
will-it-scale prints), with each variant's ratio to the design's.

The origins are facts about other people's code, kept here rather than in
the kernel: bench/README.md tells the same with the reasons for each
change. A record states its own changes in its parameters: a size scaled
to fit the guest carries the published one (size=16M scaled_from=128M),
a file that is a memory file here says file=memfd, and the allocator
benchmarks list the published values they did not keep
(published=iterations:1000)."""

from dataclasses import dataclass

from . import table
from . import variants
from .results import Row

WIS = "will-it-scale (github.com/antonblanchard/will-it-scale, 75f66e4"
HOARD = "Hoard (github.com/emeryberger/Hoard, b29abf40)"
MIMALLOC = "mimalloc-bench (github.com/daanx/mimalloc-bench, ce5784f1)"


@dataclass(frozen=True)
class Origin:
    source: str     # project, commit and file
    unit: str       # one operation, as the original counts it
    changes: str    # what differs here whatever the parameters


_WIS_CHANGES = ("threads mode, one thread per CPU; a fixed iteration count between "
                "barriers instead of 1 s samples; 1 in 64 iterations timed")
_ALLOC_CHANGES = ("on kmalloc/kfree in the kernel (or the hosted build), one CPU per "
                  "thread; fixed operation counts instead of timed runs")
_WIS_FILE = _WIS_CHANGES + "; a memfd in place of mkstemp + ftruncate + unlink in /tmp"

ORIGINS: dict[str, Origin] = {
    "wis.mmap1": Origin(f"{WIS}), tests/mmap1.c", "mmap + munmap of 128 MiB anonymous",
                        _WIS_CHANGES),
    "wis.mmap2": Origin(f"{WIS}), tests/mmap2.c",
                        "mmap + munmap of a 128 MiB file, MAP_PRIVATE", _WIS_FILE),
    "wis.page_fault1": Origin(f"{WIS}), tests/page_fault1.c",
                              "one write fault, anonymous private memory", _WIS_CHANGES),
    "wis.page_fault2": Origin(f"{WIS}), tests/page_fault2.c",
                              "one write fault (copy on write), file MAP_PRIVATE", _WIS_FILE),
    "wis.page_fault3": Origin(f"{WIS}), tests/page_fault3.c",
                              "one write fault, file MAP_SHARED", _WIS_FILE),
    "wis.page_fault4": Origin(f"{WIS}; db2010d), tests/page_fault4.c",
                              "one read fault, file MAP_PRIVATE", _WIS_FILE),
    "wis.tlb_flush1": Origin(f"{WIS}), tests/tlb_flush1.c",
                             "write, MADV_DONTNEED, read back 0: one page of a file, "
                             "MAP_PRIVATE", _WIS_FILE),
    "wis.tlb_flush2": Origin(f"{WIS}), tests/tlb_flush2.c",
                             "write, MADV_DONTNEED, read back 0: one page of 1 MiB "
                             "anonymous", _WIS_CHANGES),
    "wis.tlb_flush3": Origin(f"{WIS}), tests/tlb_flush3.c",
                             "write, MADV_DONTNEED, read back 1: one page of a file, "
                             "MAP_SHARED", _WIS_FILE),
    "wis.malloc1": Origin(f"{WIS}), tests/malloc1.c",
                          "malloc + free of 128 MiB, musl's malloc (a static musl program)",
                          _WIS_CHANGES),
    "wis.malloc2": Origin(f"{WIS}), tests/malloc2.c",
                          "malloc + free of 1 KiB, musl's malloc (a static musl program)",
                          _WIS_CHANGES),
    "alloc.threadtest": Origin(f"{HOARD}, benchmarks/threadtest; `threadtest P 1000 10000 0 8`",
                               "one kmalloc, or one kfree, of a CPU's own 64-byte objects",
                               _ALLOC_CHANGES),
    "alloc.larson": Origin(f"{HOARD}, benchmarks/larson; {MIMALLOC}: "
                           "`larson 5 8 1000 5000 100 4141 N`",
                           "one kfree and one kmalloc (8-999 bytes) in a random slot; "
                           "the slots go to the next CPU each round", _ALLOC_CHANGES),
    "alloc.cache_scratch": Origin(f"{HOARD}, benchmarks/cache-scratch; {MIMALLOC}: "
                                  "`cache-scratch N 1000 1 2000000 N`",
                                  "a write loop over an object CPU 0 allocated and this CPU "
                                  "freed and allocated again (passive false sharing)",
                                  _ALLOC_CHANGES),
    "alloc.cache_thrash": Origin(f"{HOARD}, benchmarks/cache-thrash; {MIMALLOC}: "
                                 "`cache-thrash N 1000 1 2000000 N`",
                                 "a write loop over a CPU's own new object (active false "
                                 "sharing)", _ALLOC_CHANGES),
    "alloc.xmalloc": Origin(f"{MIMALLOC}, bench/xmalloc-test: `xmalloc-test -w N -t 5 -s 64`",
                            "one kmalloc on a producer CPU, or one kfree on a consumer",
                            _ALLOC_CHANGES),
}


def _params_text(rows: list[Row]) -> str:
    """The parameters the suite's rows carry, each value once."""
    values: dict[str, list[str]] = {}
    for r in rows:
        for k, v in sorted(r.params.items()):
            if v not in values.setdefault(k, []):
                values[k].append(v)
    return " ".join(f"{k}={'/'.join(v)}" for k, v in values.items()) or "-"


def _stated_changes(rows: list[Row]) -> str:
    """The changes the records state: a size scaled to fit the guest
    (size=16M scaled_from=128M) and published values not kept
    (published=iterations:1000,time:5s)."""
    out: list[str] = []
    for r in rows:
        said = []
        if "scaled_from" in r.params:
            said.append(f"size {r.params.get('size', '?')} instead of {r.params['scaled_from']}")
        if "published" in r.params:
            said.append("published " + ", ".join(
                item.replace(":", " ", 1) for item in r.params["published"].split(",")))
        out += [w for w in said if w not in out]
    return "; ".join(out)


def origin_table(rows: list[Row]) -> list[str]:
    suites = sorted({r.suite for r in rows if r.suite in ORIGINS})
    if not suites:
        return []
    out = ["| suite | origin | one operation | parameters here | changed |",
           "|---|---|---|---|---|"]
    for s in suites:
        o = ORIGINS[s]
        mine = [r for r in rows if r.suite == s]
        changes = "; ".join(c for c in (o.changes, _stated_changes(mine)) if c)
        out.append(f"| {s} | {o.source} | {o.unit} | {_params_text(mine)} | {changes} |")
    return out


def throughput_table(rows: list[Row]) -> list[str]:
    """Ops/s (all CPUs, and per CPU) per suite, op and variant at each CPU
    count, with each variant's ratio to the design's."""
    mine = [r for r in rows if r.suite in ORIGINS]
    if not mine:
        return []
    counts = sorted({r.cpus for r in mine})
    out = ["| suite | op | target | mode | variant | "
           + " | ".join(f"{c} CPU{'s' * (c > 1)}: ops/s (per CPU) | vs design" for c in counts)
           + " |",
           "|---|---|---|---|---|" + "---:|---:|" * len(counts)]
    cells = {(r.suite, r.op, r.target, r.mode, r.variant, r.cpus): r for r in mine}
    for suite, op, target, mode in sorted({(r.suite, r.op, r.target, r.mode) for r in mine}):
        for v in variants.order({r.variant for r in mine if r.suite == suite}, suite):
            text = []
            for c in counts:
                r = cells.get((suite, op, target, mode, v, c))
                base = cells.get((suite, op, target, mode, variants.DEFAULT, c))
                if r is None:
                    text += ["", ""]
                    continue
                text.append(f"{table.fmt_ops(r.ops_per_sec)} ({table.fmt_ops(r.ops_per_sec / c)})")
                text.append(f"{r.ops_per_sec / base.ops_per_sec:.2f}x"
                            if base and base.ops_per_sec else "")
            if any(text):
                out.append(f"| {suite} | {op} | {target} | {mode} | {v} | " + " | ".join(text)
                           + " |")
    return out


def markdown(rows: list[Row]) -> list[str]:
    origins = origin_table(rows)
    if not origins:
        return []
    return (["## Published workloads", "",
             "Workloads other tools publish, run here on every variant: where each comes "
             "from, what one operation is, the parameters this run used and what differs "
             "from the original (bench/README.md gives the reasons).", ""] + origins
            + ["", "Throughput: operations per second of all CPUs together, per CPU in "
               "parentheses (will-it-scale's figure), and each variant's against "
               "the design's. Under TCG these are emulated figures.", ""]
            + throughput_table(rows) + [""])
