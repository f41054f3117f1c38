"""The short results table: p50, p99 and throughput per series and variant,
with default/baseline ratios; as fixed-width text (under 100 columns) for
the terminal, or as markdown for report.md."""

import textwrap

import results
import variants

HEADINGS = ("variant", "p50 ns", "p99 ns", "ops/s", "p50 d/b", "ops/s d/b")
WIDTHS = (34, 10, 10, 14, 9, 11)
LINE = 99


def ratio(a, b):
    return a / b if b else None


def groups(rows):
    """[(title, [(label, p50, p99, ops, p50 ratio, ops ratio)])] in display
    order; ratios only on the default's line, when the suite's baseline
    was measured on the same series."""
    by_group = {}
    for r in rows:
        by_group.setdefault(r.group(), {})[r.variant] = r
    out = []
    for group in sorted(by_group, key=results.group_sort_key):
        suite, op, ptext, cpus = group
        found = by_group[group]
        base = found.get(variants.baseline(suite))
        lines = []
        for v in variants.order(found, suite):
            r = found[v]
            p50_ratio = ops_ratio = None
            if v == variants.DEFAULT and base is not None:
                p50_ratio = ratio(r.p50_ns, base.p50_ns)
                ops_ratio = ratio(r.ops_per_sec, base.ops_per_sec)
            role = variants.role(v, suite).replace(f"{variants.mechanism(suite)} ", "")
            label = f"{v} ({role})" if role else v
            lines.append((label, r.p50_ns, r.p99_ns, r.ops_per_sec, p50_ratio, ops_ratio))
        params = ptext.replace(";", " ")
        title = f"{suite} {op}{' ' + params if params else ''}, {cpus} CPU{'s' * (cpus > 1)}"
        out.append((title, lines))
    return out


def fmt_ns(x):
    return f"{x:,.1f}" if x < 10000 else f"{x:,.0f}"


def fmt_ratio(x):
    return "" if x is None else f"{x:.2f}"


def cells(line):
    label, p50, p99, ops, r50, rops = line
    return (label, fmt_ns(p50), fmt_ns(p99), f"{ops:,.0f}", fmt_ratio(r50), fmt_ratio(rops))


def notes(meta, in_report=False):
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
    return out


def text(rows, meta):
    """The fixed-width terminal table."""
    def fixed(values):
        first = f"  {values[0]:<{WIDTHS[0]}}"
        return (first + "".join(f"{v:>{w}}" for v, w in zip(values[1:], WIDTHS[1:]))).rstrip()

    out = [wrapped for n in notes(meta)
           for wrapped in textwrap.wrap(n, LINE, subsequent_indent="  ",
                                        break_on_hyphens=False)] + [""]
    if not rows:
        return "\n".join(out + ["(no results)"]) + "\n"
    out.append(fixed(HEADINGS))
    for title, lines in groups(rows):
        out.append(title)
        out += [fixed(cells(line)) for line in lines]
    return "\n".join(out) + "\n"


def markdown(rows, meta):
    """The same table in markdown for report.md, one row per series and variant."""
    out = [f"> {n}" for n in notes(meta, in_report=True)] + [""]
    if not rows:
        return "\n".join(out + ["No results."]) + "\n"
    out.append("| series | " + " | ".join(HEADINGS) + " |")
    out.append("|---|---|" + "---:|" * (len(HEADINGS) - 1))
    for title, lines in groups(rows):
        for i, line in enumerate(lines):
            out.append(f"| {title if i == 0 else ''} | " + " | ".join(cells(line)) + " |")
    return "\n".join(out) + "\n"
