"""report.md of a results directory: how the run was made (meta.json), the
platform's calibration, the results table, the design against its
strongest rivals, fragmentation, false sharing, hosted and QEMU figures
side by side, and links to the plots, with a warning when the run is incomplete or its timings are
emulated."""

import os

from . import calib_report
from . import instructions
from . import results
from . import table
from . import workloads
from .results import Meta, Row

PLOT_SECTIONS = (
    ("latency-", "Latency percentiles",
     "Each curve is one variant at the highest CPU count measured; the x axis stretches "
     "the tail (50th to 99.99th percentile)."),
    ("throughput-", "Throughput",
     "Operations per second of all CPUs together, against how many CPUs ran the "
     "operation at once; the default variant's platform ceiling dashed, ideal scaling "
     "dotted, and 95% confidence intervals over repeats where there are repeats."),
    ("pages-", "Cost against pages per operation",
     "Latency (p50 solid, p99 dashed) and IPIs sent per operation against the number of "
     "pages one operation unmaps."),
)


def unknown(value: object) -> object:
    return "unknown" if value in (None, "", []) else value


def host_text(topology: object) -> object:
    if isinstance(topology, list):          # a merged run's hosts that differ
        return "differs between the shards' hosts (below)"
    if not isinstance(topology, dict):
        return unknown(topology)
    counts = [f"{topology[k]} {name}{'s' * (topology[k] != 1)}"
              for k, name in (("packages", "package"), ("cores", "core"), ("pus", "PU"))
              if k in topology]
    parts = [", ".join(counts)] if counts else []
    if topology.get("model"):
        parts.append(topology["model"])
    if topology.get("hypervisor") not in (None, "none"):
        parts.append(f"itself a virtual machine ({topology['hypervisor']}): its cores may be "
                     f"shared with other guests")
    if topology.get("source"):
        parts.append(f"from {topology['source']}")
    return "; ".join(parts) or "unknown"


def timer_text(meta: Meta) -> str:
    t = meta.get("timer_overhead_cycles")
    if not t:
        return "unknown"
    median = (f"{t['median_min']}" if t["median_min"] == t["median_max"]
              else f"{t['median_min']}-{t['median_max']}")
    return (f"median {median} cycles, min {t['min']} cycles per timed interval "
            f"(reported, not subtracted)")


def memory_text(meta: Meta) -> str:
    managed = sorted({d["mem_mib"] for d in meta.get("dumps", [])})
    memory = meta.get("memory", "unknown")
    text = ", ".join(map(str, memory)) if isinstance(memory, list) else str(memory)
    if managed:
        text += f" (the page allocator manages {'/'.join(map(str, managed))} MiB)"
    return text


def repeats_text(meta: Meta) -> str | None:
    """'3' when every variant and target has as many repeats, else per variant."""
    repeats = meta.get("repeats", {})
    counts = {k for by_target in repeats.values() for k in by_target.values()}
    if len(counts) == 1:
        return str(counts.pop())
    return "; ".join(f"{v}: " + ", ".join(f"{n} ({t})" for t, n in sorted(by_target.items()))
                     for v, by_target in sorted(repeats.items())) or None


def shard_facts(meta: Meta) -> list[tuple[str, object]]:
    """A merged run's shards (bench.py merge), and per host the shards and
    cells that ran there, its cores and topology; [] for another run."""
    merged = meta.get("merged_from", [])
    if not merged:
        return []
    hosts: dict[str, list[Meta]] = {}
    for shard in merged:
        hosts.setdefault(str(unknown(shard.get("host"))), []).append(shard)
    facts: list[tuple[str, object]] = [
        ("Shards", f"{len(merged)} shards of one plan, merged (bench.py merge)")]
    for host, mine in hosts.items():
        cells = [c for shard in mine for c in shard.get("cells", [])]
        cores = ",".join(str(c) for shard in mine for c in shard.get("cores") or [])
        facts.append((f"Host {host}", f"shard{'s' * (len(mine) > 1)} "
                      f"{', '.join(shard['shard'] for shard in mine)}: {len(cells)} cells "
                      f"({', '.join(cells)}){' on cores ' + cores if cores else ''}; "
                      f"{host_text(mine[0].get('host_topology'))}"))
    return facts


def meta_lines(meta: Meta) -> list[str]:
    facts: list[tuple[str, object]] = [
        ("Commit", meta.get("commit")),
        ("Date", meta.get("date")),
        ("QEMU", meta.get("qemu_version")),
        ("Accelerator", meta.get("accel")),
        ("vCPUs", meta.get("vcpus", meta.get("cpus_online"))),
        ("Memory", memory_text(meta)),
        ("Host", host_text(meta.get("host_topology"))),
        ("Variants", ", ".join(meta.get("variants", []))),
        ("Targets", ", ".join(meta.get("targets", []))),
        ("Repeats", repeats_text(meta)),
        ("TSC", f"{meta['tsc_hz']} Hz" if "tsc_hz" in meta else None),
        ("Timer overhead", timer_text(meta)),
    ] + shard_facts(meta)
    out = ["| | |", "|---|---|"]
    out += [f"| {name} | {unknown(value)} |" for name, value in facts]
    return out


def warning_lines(meta: Meta) -> list[str]:
    out = []
    if meta.get("complete") is False:
        out.append("> **Incomplete run.** These results miss part of what was run:")
        out += [f"> - {reason}" for reason in meta.get("incomplete_reasons", [])]
        out.append("")
    for d in meta.get("duplicates", []):
        out.append(f"> Measured twice: {d['series']}; kept {d['kept']}, dropped {d['dropped']}.")
    if meta.get("debug"):
        out.append("> Debug build: the timings include debug checks.")
    if meta.get("merged_from") and isinstance(meta.get("host_topology"), list):
        out.append("> Shards ran on hosts of different topologies: figures from different "
                   "hosts are pooled as repeats.")
    return out


def plot_lines(plot_files: list[str], results_dir: str, plots_dir: str) -> list[str]:
    if not plot_files:
        return ["No plots were made (see the output of bench.py)."]
    link_dir = os.path.relpath(os.path.abspath(plots_dir), os.path.abspath(results_dir))
    names = [os.path.basename(p) for p in plot_files]
    out = []
    for prefix, heading, explanation in PLOT_SECTIONS:
        mine = [n for n in names if n.startswith(prefix)]
        if not mine:
            continue
        out += [f"### {heading}", "", explanation, ""]
        for n in mine:
            title = n[len(prefix):-len(".png")]
            out += [f"![{heading}: {title}]({link_dir}/{n})", ""]
    return out


SIDE_HEADINGS = ("series", "variant", "p50 ns hosted", "p50 ns qemu", "ops/s hosted",
                 "ops/s qemu", "efficiency hosted", "efficiency qemu")


def side_by_side(rows: list[Row]) -> list[str]:
    """Lines of a table of every series measured under both targets, or []."""
    by_series: dict[tuple[str, str, str, str, int, str], dict[str, Row]] = {}
    for r in rows:
        by_series.setdefault((r.variant,) + r.group()[1:], {})[r.target] = r
    both = [(key, found) for key, found in by_series.items()
            if {"hosted", "qemu"} <= set(found)]
    if not both:
        return []
    out = ["| " + " | ".join(SIDE_HEADINGS) + " |", "|---|---|" + "---:|" * 6]
    for _, found in sorted(both, key=lambda item: results.row_sort_key(item[1]["qemu"])):
        h, q = found["hosted"], found["qemu"]
        cells = (table.fmt_ns(h.p50_ns), table.fmt_ns(q.p50_ns), f"{h.ops_per_sec:,.0f}",
                 f"{q.ops_per_sec:,.0f}", table.fmt_efficiency(h, " platform-limited"),
                 table.fmt_efficiency(q, " platform-limited"))
        out.append(f"| {table.title(q.group(), show=('mode',))} | {q.variant} | "
                   + " | ".join(cells) + " |")
    return out


def step_suite(r: Row) -> str:
    """A step table's suite cell: with its memory size in a run over several."""
    mem = r.params.get(results.MEM_PARAM)
    return f"{r.suite} {results.MEM_PARAM}={mem}" if mem else r.suite


FRAG_HEADINGS = ("suite", "cpus", "variant", "target", "mode", "free frames",
                 "whole huge frames", "share of free memory")


def frag_table(rows: list[Row]) -> list[str]:
    """Lines of a table of the fragmentation measures, one per suite step
    (variant, target, mode and CPU count), or []."""
    steps: dict[results.StepKey, Row] = {}
    for r in rows:
        if r.huge_share is not None:
            steps.setdefault(r.step(), r)
    if not steps:
        return []
    out = ["| " + " | ".join(FRAG_HEADINGS) + " |", "|---|---:|---|---|---|" + "---:|" * 3]
    for r in sorted(steps.values(), key=lambda r: (r.suite, r.cpus, r.variant, r.target,
                                                     r.mode, r.step())):
        out.append(f"| {step_suite(r)} | {r.cpus} | {r.variant} | {r.target} | {r.mode} | "
                   f"{r.free_frames:,} | {r.free_huge:,} | {100 * (r.huge_share or 0):.1f}% |")
    return out


SHARING_HEADINGS = ("suite", "cpus", "variant", "target", "mode", "CPUs sharing a line",
                    "write p50 ns", "private p50 ns", "write / private")


def sharing_table(rows: list[Row]) -> list[str]:
    """Lines of a table of the false-sharing suites, one per step that has
    a sharing measure and both a write and a write_private series, or []."""
    private = {(r.step(), results.params_text(r.params)): r
               for r in rows if r.op == "write_private"}
    found = []
    for r in rows:
        control = private.get((r.step(), results.params_text(r.params)))
        if r.op == "write" and r.shared_cpus is not None and control is not None:
            found.append((r, control))
    if not found:
        return []
    out = ["| " + " | ".join(SHARING_HEADINGS) + " |", "|---|---:|---|---|---|" + "---:|" * 4]
    for r, c in sorted(found, key=lambda rc: (rc[0].suite, rc[0].cpus, rc[0].variant,
                                              rc[0].target, rc[0].mode, rc[0].step())):
        ratio = f"{r.p50_ns / c.p50_ns:.2f}x" if c.p50_ns > 0 else "-"
        out.append(f"| {step_suite(r)} | {r.cpus} | {r.variant} | {r.target} | {r.mode} | "
                   f"{r.shared_cpus} of {r.cpus} | {table.fmt_ns(r.p50_ns)} | "
                   f"{table.fmt_ns(c.p50_ns)} | {ratio} |")
    return out


def markdown(rows: list[Row], meta: Meta, plot_files: list[str], results_dir: str,
             plots_dir: str) -> str:
    emulated = results.emulation(meta)
    title = f"# Benchmark run {meta.get('run_id', os.path.basename(os.path.abspath(results_dir)))}"
    out = [title, ""]
    out += warning_lines(meta)
    if emulated:
        out += [f"Timings are **{emulated}**.", ""]
    out += ["## Setup", ""] + meta_lines(meta) + [""]
    out += ["## Platform calibration", ""] + calib_report.markdown(rows)
    out += ["## Results", "", table.markdown(rows, meta)]
    out += table.rival_markdown(rows)
    out += workloads.markdown(rows)
    out += instructions.markdown(rows, meta)
    frag = frag_table(rows)
    if frag:
        out += ["## Fragmentation", "",
                "Free memory in whole huge frames (aligned 2 MiB blocks all of whose frames "
                "are free, per-CPU caches included) while about half of memory is allocated, "
                "after the suite's random frees and reallocations (bench/README.md); of "
                "several repeats, the one with the median share.", ""] + frag + [""]
    sharing = sharing_table(rows)
    if sharing:
        out += ["## False sharing", "",
                "Whether the allocator hands different CPUs objects in one 64-byte cache line, "
                "and what that costs: how many of the step's CPUs held, at the start of the "
                "timed loop, an object sharing a line with another CPU's object (from the "
                "addresses, in the same run; of several repeats the median), and the write "
                "loop's p50 on the allocator's objects against the same loop on a "
                "line-private buffer per CPU (op write_private, same boot and count).", ""]
        out += sharing + [""]
    side = side_by_side(rows)
    if side:
        out += ["## Hosted and QEMU side by side", "",
                "Series measured both as a hosted program and in QEMU; efficiency is "
                "relative to each target's own platform ceiling.", ""] + side + [""]
    out += ["## Plots", ""] + plot_lines(plot_files, results_dir, plots_dir)
    out += ["## Files", "",
            f"- `{results.SUMMARY}`: one row per variant and series (times in ns)",
            f"- `{results.HISTOGRAMS}`: the raw histograms (cycles), repeats pooled",
            f"- `{results.REPEATS}`: each repeat's samples, ops, p50 and ops/s",
            f"- `{results.META}`: how the run was made, per-log details",
            "- `*.log`: the raw serial logs", ""]
    return "\n".join(out)
