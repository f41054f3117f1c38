"""report.md's "Instructions per operation" section, for deterministic runs.

Under --deterministic (icount, shift 0) a guest cycle is one guest
instruction, so a series' p50 in cycles is the instructions of one
timed operation, exactly, plus what the harness spends around it. That
share is measured in the same boot: calib.empty timer, an empty timed
operation of the same mode. The section gives, for the fast-path suites
(slab.pair, frame.repeat) at 1 CPU, the p50, the harness's p50 and their
difference: the operation's own instructions, the figure that is set
beside callgrind's count of the hosted build (make bench-host-callgrind).
"""

from .results import Meta, Row, params_text

SUITES = ("slab.pair", "frame.repeat")
HARNESS = ("calib.empty", "timer")
HEADINGS = ("variant", "suite", "op", "parameters", "mode", "instructions (p50)",
            "harness (calib.empty p50)", "net")


def cycles(row: Row) -> int:
    """A row's p50 in cycles: summary.csv keeps ns, the dump had cycles."""
    return round(row.p50_ns * row.tsc_hz / 1e9)


def table(rows: list[Row]) -> list[tuple[str, ...]]:
    """One line per fast-path series at 1 CPU of the qemu target; a series
    whose boot has no calib.empty of its mode is left out (nothing to
    subtract)."""
    harness = {(r.variant, r.target, r.mode): r for r in rows
               if (r.suite, r.op) == HARNESS and r.cpus == 1}
    out: list[tuple[str, ...]] = []
    for r in rows:
        if r.suite not in SUITES or r.cpus != 1 or r.target != "qemu":
            continue
        h = harness.get((r.variant, r.target, r.mode))
        if h is None:
            continue
        own, around = cycles(r), cycles(h)
        out.append((r.variant, r.suite, r.op, params_text(r.params) or "-", r.mode,
                    f"{own:,}", f"{around:,}", f"{own - around:,}"))
    return out


def markdown(rows: list[Row], meta: Meta) -> list[str]:
    """The section's lines, or none when the run was not deterministic."""
    if meta.get("accel") != "icount":
        return []
    lines = table(rows)
    if not lines:
        return []
    out = ["## Instructions per operation", "",
           "icount: one guest cycle is one guest instruction. The harness's own share "
           "(an empty timed operation, calib.empty timer, same boot and mode) is "
           "subtracted; batch rows are per operation of a timed batch.", "",
           "| " + " | ".join(HEADINGS) + " |", "|" + " --- |" * len(HEADINGS)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return out + [""]
