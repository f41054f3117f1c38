"""The short results table: p50, p99, throughput and efficiency per series
and variant, with default/baseline ratios; and the design against each
mechanism's strongest rival, with the ratios and the intervals they rest on.
Both as fixed-width text (under 100 columns) for the terminal, or as
markdown for report.md."""

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
# The rival section's columns (terminal): each figure beside its interval.
RIVAL_HEADINGS = ("variant", "p50 ns", "p50 95% CI", "ops/s", "ops/s 95% CI")
RIVAL_WIDTHS = (33, 10, 18, 13, 23)
# report.md's: a row per series.
RIVAL_MD_HEADINGS = ("series", "mode", "p50 ns default [95% CI]", "p50 ns rival [95% CI]",
                     "p50 d/r", "ops/s default [95% CI]", "ops/s rival [95% CI]", "ops/s d/r")
RIVAL_TITLE = "Design against its strongest rival"
# A series both the design and a rival measured: its group, their rows.
Race = tuple[Group, Row, Row]


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def title(group: Group, show: Sequence[str] = ("target", "mode")) -> str:
    """A series' heading; `show` picks which of its target and mode it names."""
    target, suite, op, ptext, cpus, mode = group
    params = ptext.replace(";", " ")
    where = ", ".join({"target": target, "mode": f"{mode} mode"}[k] for k in show)
    return f"{suite} {op}{' ' + params if params else ''}, {cpus} CPU{'s' * (cpus > 1)} ({where})"


def a_over_b(a: Row, b: Row | None, value: str,
             interval: Callable[[Row], stats.Interval | None]) -> Ratio:
    """(ratio, not significant) of a over b (the default over a baseline or
    a rival) for one figure; not significant when both have intervals and
    they overlap."""
    if b is None:
        return None, False
    return (ratio(getattr(a, value), getattr(b, value)),
            bool(stats.overlap(interval(a), interval(b))))


def p50_ratio(a: Row, b: Row | None) -> Ratio:
    return a_over_b(a, b, "p50_ns", results.Row.p50_ci)


def ops_ratio(a: Row, b: Row | None) -> Ratio:
    return a_over_b(a, b, "ops_per_sec", results.Row.ops_ci)


def by_group(rows: list[Row]) -> list[tuple[Group, dict[str, Row]]]:
    """[(group, {variant: row})] in display order."""
    found: dict[Group, dict[str, Row]] = {}
    for r in rows:
        found.setdefault(r.group(), {})[r.variant] = r
    return [(group, found[group]) for group in sorted(found, key=results.group_sort_key)]


def groups(rows: list[Row]) -> list[tuple[Group, list[Line]]]:
    """[(group, [(label, row, p50 ratio, ops ratio)])] in display order; a
    ratio is (value, not significant), given only on the default's line
    when the suite's baseline was measured on the same series."""
    out = []
    for group, found in by_group(rows):
        suite = group[1]
        baseline = variants.baseline(suite)
        base = None if baseline is None else found.get(baseline)
        lines: list[Line] = []
        for v in variants.order(found, suite):
            r = found[v]
            against = base if v == variants.DEFAULT else None
            role = variants.role(v, suite).replace(f"{variants.mechanism(suite)} ", "")
            lines.append((f"{v} ({role})" if role else v, r, p50_ratio(r, against),
                          ops_ratio(r, against)))
        out.append((group, lines))
    return out


def races(rows: list[Row]) -> list[tuple[str, list[Race]]]:
    """[(mechanism, [(group, design row, rival row)])], in the table's order
    of mechanisms, for each mechanism whose rival ran on some series beside
    the design; empty when no rival ran."""
    series = by_group(rows)
    out = []
    for m, rival in variants.RIVALS.items():
        mine = [(group, found[variants.DEFAULT], found[rival]) for group, found in series
                if variants.mechanism(group[1]) == m and variants.DEFAULT in found
                and rival in found]
        if mine:
            out.append((m, mine))
    return out


def fmt_ns(x: float) -> str:
    return f"{x:,.1f}" if x < 10000 else f"{x:,.0f}"


def fmt_ops(x: float) -> str:
    return f"{x:,.0f}"


def fmt_interval(interval: stats.Interval | None, fmt: Callable[[float], str]) -> str:
    """'low-high', or '' without one (a single repeat)."""
    return "" if interval is None else f"{fmt(interval[0])}-{fmt(interval[1])}"


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
    return (label, fmt_ns(r.p50_ns), fmt_ns(r.p99_ns), fmt_ops(r.ops_per_sec),
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


def fixed(values: Sequence[str], widths: Sequence[int] = WIDTHS) -> str:
    """A terminal line: the first value left-aligned, the others right."""
    # At least one space before every column, however wide its value:
    # 24,889 and 24,027,881 must not read as 24,88924,027,881.
    first = f"  {values[0]:<{widths[0]}}"
    return (first + "".join(f" {v:>{w - 1}}" for v, w in zip(values[1:], widths[1:]))).rstrip()


def wrap(paragraphs: list[str]) -> list[str]:
    return [wrapped for n in paragraphs
            for wrapped in textwrap.wrap(n, LINE, subsequent_indent="  ", break_on_hyphens=False)]


def rival_note() -> str:
    return (f"d/r: the design, default ({variants.DEFAULT}), over the mechanism's strongest "
            f"published rival (p50 < 1 and ops/s > 1 favour the design); intervals are 95% "
            f"confidence intervals over repeats, and {NOT_SIGNIFICANT} marks a ratio whose "
            f"two intervals overlap.")


def rival_heading(mechanism: str) -> str:
    part = variants.TABLE.rivals[mechanism]
    return (f"{mechanism}: {variants.RIVALS[mechanism]} "
            f"({variants.TABLE.descriptions[(mechanism, part)]})")


def figures(r: Row) -> tuple[str, str, str, str]:
    """p50, its interval, ops/s, its interval (empty with one repeat)."""
    return (fmt_ns(r.p50_ns), fmt_interval(r.p50_ci(), fmt_ns), fmt_ops(r.ops_per_sec),
            fmt_interval(r.ops_ci(), fmt_ops))


def rival_text(rows: list[Row]) -> list[str]:
    """The terminal's lines of the design against each rival that ran
    beside it, or none."""
    found = races(rows)
    if not found:
        return []
    out = wrap([f"{RIVAL_TITLE}. {rival_note()}"])
    for m, mine in found:
        out += ["", rival_heading(m), fixed(RIVAL_HEADINGS, RIVAL_WIDTHS)]
        for group, design, rival in mine:
            out.append(title(group))
            out += [fixed((f"{r.variant} ({role})",) + figures(r), RIVAL_WIDTHS)
                    for role, r in (("default", design), ("rival", rival))]
            out.append(fixed(("d/r", fmt_ratio(p50_ratio(design, rival)), "",
                              fmt_ratio(ops_ratio(design, rival))), RIVAL_WIDTHS))
    return out


def text(rows: list[Row], meta: Meta) -> str:
    """The fixed-width terminal table, then the design against its rivals."""
    out = wrap(notes(rows, meta) + ceiling_lines(rows)) + [""]
    if not rows:
        return "\n".join(out + ["(no results)"]) + "\n"
    out.append(fixed(HEADINGS))
    for group, lines in groups(rows):
        out.append(title(group))
        out += [fixed(cells(line, "*")) for line in lines]
    rivals = rival_text(rows)
    if rivals:
        out += [""] + rivals
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


def bracket(value: str, interval: str) -> str:
    return f"{value} [{interval}]" if interval else value


def rival_markdown(rows: list[Row]) -> list[str]:
    """report.md's section on the design against each rival that ran beside
    it, one table per mechanism and a row per series; [] when none ran."""
    found = races(rows)
    if not found:
        return []
    out = [f"## {RIVAL_TITLE}", "", f"> {rival_note()}", ""]
    for m, mine in found:
        out += [f"### {rival_heading(m)}", "", "| " + " | ".join(RIVAL_MD_HEADINGS) + " |",
                "|---|---|" + "---:|" * (len(RIVAL_MD_HEADINGS) - 2)]
        for group, design, rival in mine:
            (dp, dpi, do, doi), (rp, rpi, ro, roi) = figures(design), figures(rival)
            row = (title(group, show=("target",)), group[5], bracket(dp, dpi), bracket(rp, rpi),
                   fmt_ratio(p50_ratio(design, rival)), bracket(do, doi), bracket(ro, roi),
                   fmt_ratio(ops_ratio(design, rival)))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return out
