"""PNG plots of a results directory's rows (matplotlib, Agg backend).

make_all(rows, meta, out_dir) writes, with stable names, one plot per target
(qemu, hosted) and timing mode (each, sample, batch), <where> being
<target>-<mode>:
  latency-<where>-<suite>-<op>[-<params>].png     percentile curves, variants
                                                  overlaid, at the highest CPU
                                                  count measured;
  throughput-<where>-<suite>-<op>[-<params>].png  ops/s against CPUs, with the
                                                  default variant's platform
                                                  ceiling and ideal scaling (bars
                                                  when only one CPU count was
                                                  measured); 95% intervals over
                                                  repeats as error bars;
  pages-<where>-<suite>-<op>[-<params>].png       for series with a pages
                                                  parameter (shootdown): p50/p99
                                                  latency and IPIs per operation
                                                  against pages unmapped, at the
                                                  highest CPU count measured.
Only this module imports matplotlib, so the table and compare work without it.
"""

import io
import math
import multiprocessing
import os
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib import ticker  # noqa: E402

from . import hist  # noqa: E402
from . import results  # noqa: E402
from . import variants  # noqa: E402
from .fsutil import atomic_write  # noqa: E402
from .results import Meta, Row  # noqa: E402

PCT_TICKS = (0, 50, 90, 99, 99.9, 99.99)
X_MAX = 1e4                   # 1/(1-p) at p = 99.99
CURVE_POINTS = 300
FIGSIZE = (8.5, 5.2)
DPI = 110
# matplotlib 3.6 has no type information: its figures and axes are Any here.
Figure = Any
Axes = Any
# A plot to make: the function and its arguments; it returns the file written.
Task = tuple[Callable[..., str], tuple[Any, ...]]
# A series family: target, suite, op, params text, mode.
Family = tuple[str, str, str, str, str]
FIXED_COLOURS = {variants.DEFAULT: "C0", variants.BASELINES["frame"]: "C1",
                 variants.BASELINES["slab"]: "C2", variants.BASELINES["shootdown"]: "C3"}


def colour(variant: str, all_variants: Collection[str]) -> str:
    """The same colour for a variant in every plot of a run."""
    if variant in FIXED_COLOURS:
        return FIXED_COLOURS[variant]
    others = sorted(v for v in all_variants if v not in FIXED_COLOURS)
    return f"C{4 + others.index(variant) % 6}"


def slug(target: str, mode: str, suite: str, op: str, params: dict[str, str]) -> str:
    parts = [target, mode, suite, op] + [f"{k}{params[k]}" for k in sorted(params)]
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", "-".join(parts))


def describe(suite: str, op: str, params: dict[str, str], cpus: int | None = None) -> str:
    text = f"{suite} {op}"
    if params:
        text += " (" + ", ".join(f"{k}={params[k]}" for k in sorted(params)) + ")"
    if cpus is not None:
        text += f" on {cpus} CPU{'s' * (cpus > 1)}"
    return text


def new_figure(meta: Meta, title: str, row: Row, rows: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure whose footer names the run and where and how `row` (any of
    the plotted rows) was timed."""
    fig, axes = plt.subplots(rows, 1, figsize=(FIGSIZE[0], FIGSIZE[1] * (1 + 0.45 * (rows - 1))),
                             sharex=True, squeeze=False)
    fig.suptitle(title, fontsize=12)
    footer = (f"{row.target}, {row.mode} mode; run {meta.get('run_id', '?')}, "
              f"commit {meta.get('commit', '?')}")
    fig.text(0.01, 0.01, footer, fontsize=8, color="0.4", ha="left", va="bottom")
    emulated = results.emulation(meta, row.target)
    if emulated:
        # Under TCG absolute times are distorted; say so on the image itself.
        fig.text(0.99, 0.01, emulated + ": compare variants, not absolute times",
                 fontsize=8, color="darkred", ha="right", va="bottom")
    return fig, [a[0] for a in axes]


def ns_axis(ax: Axes) -> None:
    """A log-scale latency axis labelled 100, 200, 500, 1,000 rather than 10^2."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(
        ticker.FuncFormatter(lambda y, _: f"{y:,.0f}" if y >= 1 else f"{y:g}"))
    ax.yaxis.set_minor_locator(ticker.NullLocator())


def save(fig: Figure, path: str) -> str:
    buf = io.BytesIO()
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    atomic_write(path, buf.getvalue())
    return path


# ---- latency percentile curves ----------------------------------------------

def curve(row: Row) -> tuple[list[float], list[float]]:
    """(x, ns) points of a row's percentile curve, x = 1/(1-p): the curve
    stops where the samples run out (p = 1 - 1/n)."""
    top = math.log10(min(X_MAX, row.samples))
    xs: list[float] = []
    ys: list[float] = []
    for i in range(CURVE_POINTS + 1):
        x = 10 ** (top * i / CURVE_POINTS)
        p = min(100.0, max(1e-9, 100 * (1 - 1 / x)))
        cycles = hist.percentile(p, row.buckets, row.samples, row.min_cycles, row.max_cycles)
        xs.append(x)
        ys.append(cycles * 1e9 / row.tsc_hz)
    return xs, ys


def latency_plot(found: dict[str, Row], meta: Meta, all_variants: Collection[str],
                 path: str) -> str:
    any_row = next(iter(found.values()))
    what = describe(any_row.suite, any_row.op, any_row.params, any_row.cpus)
    fig, (ax,) = new_figure(meta, f"Latency percentiles: {what}", any_row)
    for v in variants.order(found, any_row.suite):
        xs, ys = curve(found[v])
        ax.plot(xs, ys, label=f"{variants.label(v, any_row.suite)}, n={found[v].samples}",
                color=colour(v, all_variants), drawstyle="steps-post")
    ax.set_xscale("log")
    ns_axis(ax)
    ax.set_xlim(1, X_MAX)
    ticks = [1 / (1 - p / 100) for p in PCT_TICKS]
    ax.set_xticks(ticks, [f"{p:g}" for p in PCT_TICKS])
    ax.minorticks_off()
    ax.set_xlabel("percentile (%), log scale of 1/(1 - p)")
    ax.set_ylabel("latency per operation (ns, log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return save(fig, path)


# ---- throughput against CPUs ------------------------------------------------

def ci_bars(ax: Axes, xs: Iterable[int], rows: Iterable[Row], color: str) -> None:
    """The 95% intervals of the rows' ops/s over repeats, where there are."""
    with_ci = [(x, ci) for x, ci in zip(xs, (r.ops_ci() for r in rows)) if ci is not None]
    if with_ci:
        ax.vlines([x for x, _ in with_ci], [ci[0] for _, ci in with_ci],
                  [ci[1] for _, ci in with_ci], color=color, linewidth=2)


def scaling_lines(ax: Axes, by_cpus: dict[int, dict[str, Row]], cpu_counts: list[int]) -> None:
    """The default variant's 1-CPU throughput times the platform ceiling
    (dashed) and times N (dotted): how far the platform and ideal scaling
    would take it."""
    solo = by_cpus.get(1, {}).get(variants.DEFAULT)
    if solo is None:
        return
    mine = [by_cpus[c].get(variants.DEFAULT) for c in cpu_counts]
    ceiling = [(c, r.ceiling) for c, r in zip(cpu_counts, mine)
               if r is not None and r.ceiling is not None]
    if len(ceiling) > 1:
        ax.plot([c for c, _ in ceiling], [solo.ops_per_sec * x for _, x in ceiling],
                linestyle="--", color="0.35",
                label="platform ceiling (calib.work private) x default at 1 CPU")
    ax.plot(cpu_counts, [solo.ops_per_sec * c for c in cpu_counts], linestyle=":",
            color="0.55", label="ideal: N x default at 1 CPU")


def throughput_plot(by_cpus: dict[int, dict[str, Row]], meta: Meta,
                    all_variants: Collection[str], path: str) -> str:
    """by_cpus: {cpus: {variant: row}} for one target/mode/suite/op/params."""
    any_row = next(iter(next(iter(by_cpus.values())).values()))
    suite = any_row.suite
    cpu_counts = sorted(by_cpus)
    present = variants.order({v for found in by_cpus.values() for v in found}, suite)
    what = describe(suite, any_row.op, any_row.params)
    if len(cpu_counts) == 1:
        found = by_cpus[cpu_counts[0]]
        fig, (ax,) = new_figure(meta, f"Throughput: {what} on {cpu_counts[0]} "
                                      f"CPU{'s' * (cpu_counts[0] > 1)}", any_row)
        names = [v for v in present if v in found]
        ax.bar(range(len(names)), [found[v].ops_per_sec for v in names],
               color=[colour(v, all_variants) for v in names])
        ci_bars(ax, range(len(names)), [found[v] for v in names], "black")
        ax.set_xticks(range(len(names)), [variants.label(v, suite).replace(" (", "\n(")
                                          for v in names], fontsize=8)
        ax.set_xlabel("variant (frame-slab-shootdown)")
    else:
        fig, (ax,) = new_figure(meta, f"Throughput against CPUs: {what}", any_row)
        for v in present:
            mine = [(c, by_cpus[c][v]) for c in cpu_counts if v in by_cpus[c]]
            xs, rows = [c for c, _ in mine], [r for _, r in mine]
            ax.plot(xs, [r.ops_per_sec for r in rows], marker="o",
                    label=variants.label(v, suite), color=colour(v, all_variants))
            ci_bars(ax, xs, rows, colour(v, all_variants))
        scaling_lines(ax, by_cpus, cpu_counts)
        ax.set_xticks(cpu_counts, [str(c) for c in cpu_counts])
        ax.set_xlabel("CPUs running the operation at once")
        ax.legend(fontsize=8)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(ticker.EngFormatter())    # 4 M, not 4 with 1e6 on top
    ax.set_ylabel("throughput (operations per second, all CPUs)")
    ax.grid(True, axis="y", alpha=0.3)
    return save(fig, path)


# ---- latency and IPIs against pages -----------------------------------------

def pages_plot(by_pages: dict[int, dict[str, Row]], meta: Meta, all_variants: Collection[str],
               path: str) -> str:
    """by_pages: {pages: {variant: row}} at one CPU count."""
    any_row = next(iter(next(iter(by_pages.values())).values()))
    suite = any_row.suite
    pages = sorted(by_pages)
    present = variants.order({v for found in by_pages.values() for v in found}, suite)
    others = {k: v for k, v in any_row.params.items() if k != "pages"}
    with_ipis = any(r.ipis_per_op is not None for f in by_pages.values() for r in f.values())
    pages_what = "pages unmapped" if "unmap" in any_row.op else "pages"
    fig, axes = new_figure(meta, f"Cost against {pages_what} per operation: "
                                 f"{describe(suite, any_row.op, others, any_row.cpus)}",
                           any_row, rows=2 if with_ipis else 1)
    for v in present:
        rows = [by_pages[p][v] for p in pages if v in by_pages[p]]
        xs = [int(r.params["pages"]) for r in rows]
        c = colour(v, all_variants)
        name = variants.label(v, suite)
        axes[0].plot(xs, [r.p50_ns for r in rows], marker="o", color=c, label=f"{name} p50")
        axes[0].plot(xs, [r.p99_ns for r in rows], marker="x", linestyle="--", color=c,
                     label=f"{name} p99")
        if with_ipis:
            ipis = [(x, r.ipis_per_op) for x, r in zip(xs, rows) if r.ipis_per_op is not None]
            axes[1].plot([x for x, _ in ipis], [i for _, i in ipis], marker="o", color=c,
                         label=name)
    ns_axis(axes[0])
    axes[0].set_ylabel("latency per operation (ns, log scale)")
    axes[0].legend(fontsize=7, ncol=2)
    if with_ipis:
        axes[1].set_ylabel("IPIs sent per operation")
        axes[1].set_ylim(bottom=0)
        axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    axes[-1].set_xscale("log", base=2)
    axes[-1].set_xticks(pages, [str(p) for p in pages])
    axes[-1].minorticks_off()
    axes[-1].set_xlabel(f"{pages_what} per operation (log scale)")
    return save(fig, path)


# ---- all of them ------------------------------------------------------------

def make_all(rows: list[Row], meta: Meta, out_dir: str) -> list[str]:
    """Write every plot for rows into out_dir; return the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    all_variants = {r.variant for r in rows}
    series: dict[Family, dict[int, dict[str, Row]]] = {}     # -> {cpus: {variant: row}}
    for r in rows:
        target, suite, op, ptext, cpus, mode = r.group()
        series.setdefault((target, suite, op, ptext, mode), {}).setdefault(cpus, {})[
            r.variant] = r
    tasks: list[Task] = []
    for key in sorted(series, key=family_sort_key):
        by_cpus = series[key]
        name = family_slug(key)
        tasks.append((latency_plot, (by_cpus[max(by_cpus)], meta, all_variants,
                                     os.path.join(out_dir, f"latency-{name}.png"))))
        tasks.append((throughput_plot, (by_cpus, meta, all_variants,
                                        os.path.join(out_dir, f"throughput-{name}.png"))))
    tasks += pages_plot_tasks(rows, meta, all_variants, out_dir)
    return run_tasks(tasks)


def _call(fn: Callable[..., str], args: tuple[Any, ...]) -> str:
    return fn(*args)


def run_tasks(tasks: list[Task]) -> list[str]:
    """Each plot in a worker process, one per core, results in task order:
    matplotlib takes about 0.2 s a figure, and a run with three timing
    modes and two targets makes hundreds of them."""
    workers = min(len(tasks), os.cpu_count() or 1)
    if workers < 2:
        return [_call(fn, args) for fn, args in tasks]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.starmap(_call, tasks)


def family_sort_key(key: Family) -> results.GroupSortKey:
    """A (target, suite, op, ptext, mode) family in the table's order."""
    target, suite, op, ptext, mode = key
    return results.group_sort_key((target, suite, op, ptext, 0, mode))


def family_slug(key: Family) -> str:
    target, suite, op, ptext, mode = key
    return slug(target, mode, suite, op, results.parse_params_text(ptext))


def pages_plot_tasks(rows: list[Row], meta: Meta, all_variants: Collection[str],
                     out_dir: str) -> list[Task]:
    """One plot per target/mode/suite/op/other params that has a pages
    parameter with more than one value, at the highest CPU count it was
    measured on: the (function, arguments) that make them."""
    # (target, suite, op, other params, mode) -> {cpus: {pages: {variant: row}}}
    families: dict[Family, dict[int, dict[int, dict[str, Row]]]] = {}
    for r in rows:
        if "pages" not in r.params or not r.params["pages"].isdigit():
            continue
        others = {k: v for k, v in r.params.items() if k != "pages"}
        key = (r.target, r.suite, r.op, results.params_text(others), r.mode)
        by_pages = families.setdefault(key, {}).setdefault(r.cpus, {})
        by_pages.setdefault(int(r.params["pages"]), {})[r.variant] = r
    tasks: list[Task] = []
    for key in sorted(families, key=family_sort_key):
        by_cpus = families[key]
        if len(by_cpus[max(by_cpus)]) < 2:
            continue    # one page count: the latency plot already shows it
        tasks.append((pages_plot, (by_cpus[max(by_cpus)], meta, all_variants,
                                   os.path.join(out_dir, f"pages-{family_slug(key)}.png"))))
    return tasks
