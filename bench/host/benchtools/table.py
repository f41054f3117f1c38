"""The short results table: p50, p99, throughput and efficiency per series
and variant, with default/baseline ratios; as fixed-width text (under 100
columns) for the terminal, or as markdown for report.md."""

import textwrap
from collections.abc import Callable, Sequence

from . import calib
from . import results
from . import stats
from . import variants
from .results import Group, Meta, Row

HEADINGS = ("variant", "p50 ns", "p99 ns", "ops/s", "eff/ceil", "p50 d/b", "ops/s d/b")
WIDTHS = (33, 10, 10, 14, 9, 10, 11)
LINE = 99
NOT_SIGNIFICANT = "n.s."

# A default/baseline ratio: (value or None, not significant).
Ratio = tuple[float | None, bool]
# A table line: label, row, p50 ratio, ops/s ratio.
Line = tuple[str, Row, Ratio, Ratio]


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def title(group: Group, show: Sequence[str] = ("target", "mode")) -> str:
    """A series' heading; `show` picks which of its target and mode it names."""
    target, suite, op, ptext, cpus, mode = group
    params = ptext.replace(";", " ")
    where = ", ".join({"target": target, "mode": f"{mode} mode"}[k] for k in show)
    return f"{suite} {op}{' ' + params if params else ''}, {cpus} CPU{'s' * (cpus > 1)} ({where})"


def d_over_b(default: Row, base: Row | None, value: str,
             interval: Callable[[Row], stats.Interval | None]) -> Ratio:
    """(ratio, not significant) of the default over the baseline for one
    figure; not significant when both have intervals and they overlap."""
    if base is None:
        return None, False
    return (ratio(getattr(default, value), getattr(base, value)),
            bool(stats.overlap(interval(default), interval(base))))


def groups(rows: list[Row]) -> list[tuple[Group, list[Line]]]:
    """[(group, [(label, row, p50 ratio, ops ratio)])] in display order; a
    ratio is (value, not significant), given only on the default's line
    when the suite's baseline was measured on the same series."""
    by_group: dict[Group, dict[str, Row]] = {}
    for r in rows:
        by_group.setdefault(r.group(), {})[r.variant] = r
    out = []
    for group in sorted(by_group, key=results.group_sort_key):
        suite = group[1]
        found = by_group[group]
        baseline = variants.baseline(suite)
        base = None if baseline is None else found.get(baseline)
        lines: list[Line] = []
        for v in variants.order(found, suite):
            r = found[v]
            against = base if v == variants.DEFAULT else None
            role = variants.role(v, suite).replace(f"{variants.mechanism(suite)} ", "")
            lines.append((f"{v} ({role})" if role else v, r,
                          d_over_b(r, against, "p50_ns", results.Row.p50_ci),
                          d_over_b(r, against, "ops_per_sec", results.Row.ops_ci)))
        out.append((group, lines))
    return out


def fmt_ns(x: float) -> str:
    return f"{x:,.1f}" if x < 10000 else f"{x:,.0f}"


def fmt_ratio(r: Ratio) -> str:
    value, not_significant = r
    if value is None:
        return ""
    return f"{value:.2f}" + (f" {NOT_SIGNIFICANT}" if not_significant else "")


def fmt_efficiency(row: Row, limited_mark: str) -> str:
    if row.efficiency is None:
        return ""
    return f"{row.efficiency:.2f}" + (limited_mark if row.platform_limited else "")


def cells(line: Line, limited_mark: str) -> tuple[str, ...]:
    label, r, r50, rops = line
    return (label, fmt_ns(r.p50_ns), fmt_ns(r.p99_ns), f"{r.ops_per_sec:,.0f}",
            fmt_efficiency(r, limited_mark), fmt_ratio(r50), fmt_ratio(rops))


def ceiling_lines(rows: list[Row]) -> list[str]:
    """One line per target and mode: the platform's ceiling at each CPU count."""
    out = []
    for (target, mode), (_, by_cpus) in sorted(calib.reference_ceilings(rows).items()):
        points = ", ".join(f"{n} CPU{'s' * (n > 1)} {c:.2f}x" + (f" of {n}" if n > 1 else "")
                           for n, c in sorted(by_cpus.items()))
        out.append(f"platform ceiling (calib.work private, {target}, mode {mode}): {points}")
    return out


def notes(rows: list[Row], meta: Meta, in_report: bool = False) -> list[str]:
    """Lines that say how to read the numbers of this run (report.md
    explains an incomplete run itself)."""
    out = []
    emulated = results.emulation(meta)
    if meta.get("accel") == "icount":
        out.append(f"Timings are {emulated}: exact and repeatable per-operation costs, "
                   f"not real time; vCPUs run in turn, so throughput does not show scaling.")
    elif emulated:
        out.append(f"Timings are {emulated}: absolute values include emulation "
                   f"overhead; compare variants by their ratios.")
    if meta.get("debug"):
        out.append("Debug build (debug=1): timings include debug checks.")
    if meta.get("complete") is False and not in_report:
        out.append("Incomplete run: some logs or suites are missing (see report.md).")
    out.append(f"d/b: default ({variants.DEFAULT}) / the suite's baseline "
               f"(p50 < 1 and ops/s > 1 favour the default).")
    if any(r.repeats > 1 for r in rows):
        out.append(f"{NOT_SIGNIFICANT}: not significant, the two variants' 95% confidence "
                   f"intervals over repeats overlap.")
    out.append("Efficiency is relative to the platform ceiling: the speedup over 1 CPU "
               "divided by what calib.work private reaches at that CPU count; "
               + ("'platform-limited'" if in_report else "*")
               + f": that ceiling is below {calib.LIMITED_BELOW:g} x CPUs.")
    return out


def text(rows: list[Row], meta: Meta) -> str:
    """The fixed-width terminal table."""
    def fixed(values: Sequence[str]) -> str:
        # At least one space before every column, however wide its value:
        # 24,889 and 24,027,881 must not read as 24,88924,027,881.
        first = f"  {values[0]:<{WIDTHS[0]}}"
        return (first + "".join(f" {v:>{w - 1}}" for v, w in zip(values[1:], WIDTHS[1:]))).rstrip()

    out = [wrapped for n in notes(rows, meta) + ceiling_lines(rows)
           for wrapped in textwrap.wrap(n, LINE, subsequent_indent="  ",
                                        break_on_hyphens=False)] + [""]
    if not rows:
        return "\n".join(out + ["(no results)"]) + "\n"
    out.append(fixed(HEADINGS))
    for group, lines in groups(rows):
        out.append(title(group))
        out += [fixed(cells(line, "*")) for line in lines]
    return "\n".join(out) + "\n"


def markdown(rows: list[Row], meta: Meta) -> str:
    """The same table in markdown for report.md, one row per series and variant."""
    out = [f"> {n}" for n in notes(rows, meta, in_report=True)] + [""]
    if not rows:
        return "\n".join(out + ["No results."]) + "\n"
    headings = ("series", "mode") + HEADINGS[:4] + ("efficiency (of ceiling)",) + HEADINGS[5:]
    out.append("| " + " | ".join(headings) + " |")
    out.append("|---|---|---|" + "---:|" * (len(headings) - 3))
    for group, lines in groups(rows):
        for i, line in enumerate(lines):
            first = (title(group, show=("target",)), group[5]) if i == 0 else ("", "")
            out.append("| " + " | ".join(first + cells(line, " platform-limited")) + " |")
    return "\n".join(out) + "\n"
