"""bench.py's code (bench/host/bench.py runs main): the host side of the
benchmark harness, one command with subcommands.

  process  serial logs -> summary.csv, histograms.csv, meta.json, report.md, plots
  merge    shard directories of one plan (./run_bench.sh --shard I/N) -> one run,
           the same files process makes of all their logs together
  replot   plots and report.md again from a results directory (no logs needed)
  compare  two results directories, series by series
  table    the results table of a results directory

Exit status: 0 on success, 1 for bad data (a rejected log, a corrupted
results file, no plots), 2 for usage errors.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

from . import benchlog
from . import merge
from . import report
from . import results
from . import stats
from . import table
from .errors import DataError, UsageError
from .fsutil import atomic_write, sha256_bytes
from .results import Key, Meta, Record, Row

PROG = "bench.py"
# The command whose code this is, run again under another interpreter.
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), PROG)
# Debian's python3-matplotlib lives with /usr/bin/python3; the first python3
# on PATH (pyenv, a venv) may lack it.
PLOTTING_PYTHONS = ("/usr/bin/python3",)
REEXEC_ENV = "BENCH_PY_REEXEC"


def say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


# ---- the interpreter ---------------------------------------------------------

def has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def reexec_for_matplotlib() -> None:
    """Without matplotlib here, run this command again under an interpreter
    that has it. Returns only when none does."""
    if has_matplotlib() or os.environ.get(REEXEC_ENV):
        return
    for python in PLOTTING_PYTHONS:
        same = os.path.realpath(python) == os.path.realpath(sys.executable)
        if same or not os.path.exists(python):
            continue
        probe = subprocess.run([python, "-c", "import matplotlib"], capture_output=True)
        if probe.returncode == 0:
            os.environ[REEXEC_ENV] = "1"
            os.execv(python, [python, SCRIPT] + sys.argv[1:])


# ---- process -------------------------------------------------------------------

def log_label(log: str, results_dir: str) -> str:
    """A log's name in meta.json: relative to the results dir when inside it."""
    rel = os.path.relpath(os.path.abspath(log), os.path.abspath(results_dir))
    return rel if not rel.startswith("..") else os.path.abspath(log)


def read_logs(logs: list[str],
              results_dir: str) -> tuple[list[benchlog.Dump], list[Record], list[Record]]:
    """Parse every log: (dumps, infos, rejected). A bad log is reported and
    recorded, and the others still count."""
    dumps: list[benchlog.Dump] = []
    infos: list[Record] = []
    rejected: list[Record] = []
    for log in logs:
        label = log_label(log, results_dir)
        sha: str | None = None
        try:
            with open(log, "rb") as f:
                data = f.read()
            sha = sha256_bytes(data)
            dump = benchlog.parse_bytes(data, log)
        except OSError as e:
            error = benchlog.DumpError(log, None, f"cannot read: {e.strerror}")
        except benchlog.DumpError as e:
            error = e
        else:
            dump.path = label          # meta.json names logs as the run dir sees them
            dumps.append(dump)
            infos.append(results.dump_info(dump, label, sha))
            continue
        say(str(error))
        rejected.append({"log": label, "line": error.line, "problem": error.problem,
                         "sha256": sha})
    return dumps, infos, rejected


def check_same_run(results_dir: str, infos: list[Record], rejected: list[Record]) -> None:
    """Refuse to replace a summary.csv that was made from other logs: that
    directory is another run's, and its results would be lost."""
    summary = os.path.join(results_dir, results.SUMMARY)
    if not os.path.exists(summary):
        return
    meta_path = os.path.join(results_dir, results.META)
    try:
        old = results.load_meta(meta_path)
        before: set[str] | None = {d.get("sha256") for d in
                                   old.get("dumps", []) + old.get("rejected", [])}
    except results.ResultsError:
        before = None
    now = {d["sha256"] for d in infos + rejected}
    if before != now:
        raise UsageError(f"{summary} already holds the results of other logs; "
                         f"process into a new directory (or replot that one)")


def cmd_process(args: argparse.Namespace) -> None:
    reexec_for_matplotlib()
    caller = results.load_meta(args.meta_json) if args.meta_json else {}
    os.makedirs(args.out, exist_ok=True)
    dumps, infos, rejected = read_logs(args.logs, args.out)
    check_same_run(args.out, infos, rejected)
    write_run(args.out, args.plots, caller, dumps, infos, rejected)


def write_run(out: str, plots_dir: str, caller: Meta, dumps: list[benchlog.Dump],
              infos: list[Record], rejected: list[Record]) -> None:
    """A results directory from read_logs' parsed logs and the caller's
    facts: the csv files, meta.json, plots and report.md, then the table.
    process and merge both end here, so a merged run's files are what
    process makes of the same logs. Raises DataError once all is written
    when a log was rejected, no dump was valid or no plot was made."""
    guest_mib = {c["cell"]: c["mem_mib"] for c in caller.get("plan", {}).get("cells", [])
                 if isinstance(c, dict) and isinstance(c.get("mem_mib"), int)}
    rows, duplicates = results.collect(dumps, guest_mib)
    for d in duplicates:
        say(f"note: {d['series']} measured twice in repeat {d['repeat']}; kept {d['kept']}, "
            f"dropped {d['dropped']}")
    files = {results.SUMMARY: results.summary_text(rows),
             results.HISTOGRAMS: results.histograms_text(rows),
             results.REPEATS: results.repeats_text(rows)}
    run_id = os.path.basename(os.path.abspath(out))
    meta = results.build_meta(caller, infos, rejected, duplicates, run_id)
    if "host_topology" not in meta:
        from . import qmp_pin
        meta["host_topology"] = qmp_pin.host_topology()
    meta["files"] = {name: sha256_bytes(text.encode()) for name, text in files.items()}
    meta["plots_dir"] = os.path.relpath(os.path.abspath(plots_dir), os.path.abspath(out))
    # meta.json after the files whose hashes it records; until the plots and
    # report.md are written too it says the run is unfinished, so a run cut
    # short here (Ctrl-C) is never taken for a complete one.
    for name, text in files.items():
        atomic_write(os.path.join(out, name), text)
    atomic_write(os.path.join(out, results.META), results.meta_text(unfinished(meta)))
    try:
        rows, meta, plots_ok = render(out, plots_dir, meta)
    except KeyboardInterrupt:
        meta = unfinished(meta)
        meta["incomplete_reasons"].append("interrupted (SIGINT) while the plots and report "
                                          "were being written")
        atomic_write(os.path.join(out, results.META), results.meta_text(meta))
        raise
    atomic_write(os.path.join(out, results.META), results.meta_text(meta))
    sys.stdout.write(table.text(rows, meta))
    print(f"\n{PROG}: wrote {out}/{{{','.join(files)},{results.META},report.md}} "
          f"and plots in {plots_dir}")
    if not dumps:
        raise DataError("no valid dump among the logs: the results are empty")
    if rejected:
        raise DataError(f"{len(rejected)} of {len(infos) + len(rejected)} logs rejected "
                        f"(listed in {os.path.join(out, results.META)})")
    if not plots_ok:
        raise DataError("no plots were made")


UNFINISHED = "processing did not finish: plots and report.md may be missing or stale"


def unfinished(meta: Meta) -> Meta:
    """meta as it stands while the plots and report.md are being written."""
    return dict(meta, complete=False,
                incomplete_reasons=meta["incomplete_reasons"] + [UNFINISHED])


def render(results_dir: str, plots_dir: str,
           meta: Meta | None = None) -> tuple[list[Row], Meta, bool]:
    """Plots and report.md from the files in results_dir (never from the
    logs, so process and replot make the same thing); meta, when given,
    stands for the meta.json not yet written."""
    rows, file_meta = results.load_results(results_dir)
    meta = file_meta if meta is None else meta
    plot_files: list[str] = []
    plots_ok = True
    if has_matplotlib():
        from . import plots
        plot_files = plots.make_all(rows, meta, plots_dir)
    else:
        say(f"matplotlib is missing for {sys.executable} and {', '.join(PLOTTING_PYTHONS)}: "
            f"no plots (apt-get install python3-matplotlib)")
        plots_ok = False
    text = report.markdown(rows, meta, plot_files, results_dir, plots_dir)
    atomic_write(os.path.join(results_dir, "report.md"), text)
    return rows, meta, plots_ok


# ---- merge -------------------------------------------------------------------

def cmd_merge(args: argparse.Namespace) -> None:
    reexec_for_matplotlib()
    if os.path.exists(args.out) and (not os.path.isdir(args.out) or os.listdir(args.out)):
        raise UsageError(f"{args.out} is not empty: merge into a new directory")
    shards = sorted((merge.load_shard(d) for d in args.shard_dirs), key=lambda s: s.index)
    merge.check_shards(shards)
    found, infos, rejected = read_shards(shards)
    bad = [r for _, r in rejected]
    plan = shards[0].plan()
    matched = merge.match_cells(plan, found)
    copies = log_copies(shards)
    missing = merge.missing_cells(plan, shards, matched, rejected)
    # The shards' plots and report.md are made again: not a reason to carry.
    carried = merge.carried_reasons(shards, infos, rejected, {UNFINISHED})
    caller = merge.merged_meta(shards, os.path.basename(os.path.abspath(args.out)),
                               carried + missing)
    os.makedirs(os.path.join(args.out, "logs"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "shards"))
    for name, source in copies.items():
        shutil.copy2(source, os.path.join(args.out, "logs", name))
    for shard in shards:
        shutil.copy2(os.path.join(shard.dir, results.META),
                     os.path.join(args.out, "shards", f"{shard.index}-of-{shard.count}.json"))
    for reason in missing:
        say(reason)
    plots = args.plots or os.path.join(args.out, "plots")
    write_run(args.out, plots, caller, [d for _, d in found], [i for _, i in infos], bad)
    if missing:
        raise DataError(f"{len(missing)} of {len(plan['cells'])} cells of the plan missing "
                        f"(listed above and in {os.path.join(args.out, results.META)})")


def read_shards(shards: list[merge.Shard]) -> tuple[merge.Found, merge.Records,
                                                    merge.Records]:
    """read_logs over every shard's logs: (dumps, infos, rejected), each
    with its shard. Labels are relative to the shard, logs/NAME, as those
    of the copies in the merged run will be."""
    found: merge.Found = []
    infos: merge.Records = []
    rejected: merge.Records = []
    for shard in shards:
        dumps, mine, bad = read_logs(shard.logs(), shard.dir)
        found += [(shard, d) for d in dumps]
        infos += [(shard, i) for i in mine]
        rejected += [(shard, r) for r in bad]
    return found, infos, rejected


def log_copies(shards: list[merge.Shard]) -> dict[str, str]:
    """{name in the merged logs/: the shard's file}: every file of every
    shard's logs/ (the serial logs and QEMU's stderr beside them)."""
    copies: dict[str, str] = {}
    for shard in shards:
        logs_dir = os.path.join(shard.dir, "logs")
        for name in sorted(os.listdir(logs_dir)) if os.path.isdir(logs_dir) else []:
            source = os.path.join(logs_dir, name)
            if name in copies:
                raise DataError(f"{copies[name]} and {source}: two shards hold logs/{name}")
            if os.path.isfile(source):
                copies[name] = source
    return copies


# ---- replot, table, compare ------------------------------------------------

def cmd_replot(args: argparse.Namespace) -> None:
    reexec_for_matplotlib()
    plots_dir = args.plots
    if plots_dir is None:
        meta_path = os.path.join(args.results_dir, results.META)
        meta = results.load_meta(meta_path)
        if "plots_dir" not in meta:
            raise UsageError(f"{meta_path} does not say where the plots go: give --plots DIR")
        plots_dir = os.path.normpath(os.path.join(args.results_dir, meta["plots_dir"]))
    _, _, plots_ok = render(args.results_dir, plots_dir)
    print(f"{PROG}: wrote {os.path.join(args.results_dir, 'report.md')} and plots in {plots_dir}")
    if not plots_ok:
        raise DataError("no plots were made")


def cmd_table(args: argparse.Namespace) -> None:
    rows, meta = results.load_results(args.results_dir, full=False)
    sys.stdout.write(table.text(rows, meta))


# Compared figures: (attribute, heading, column width, its 95% interval or None).
COMPARED: tuple[tuple[str, str, int, Callable[[Row], stats.Interval | None]], ...] = (
    ("p50_ns", "p50 ns", 10, results.Row.p50_ci),
    ("p99_ns", "p99 ns", 10, lambda row: None),
    ("ops_per_sec", "ops/s", 12, results.Row.ops_ci))
RATIO = 6
MARK = f" {table.NOT_SIGNIFICANT}"


def fmt_value(attr: str, value: float) -> str:
    return f"{value:,.0f}" if attr == "ops_per_sec" else table.fmt_ns(value)


def fmt_ratio(a: float, b: float) -> str:
    return f"{b / a:.2f}" if a else "-"


def compare_cells(ra: Row, rb: Row) -> str:
    """A, B, B/A of every compared figure; B/A marked when A's and B's
    intervals overlap."""
    cells = ""
    for attr, _, w, interval in COMPARED:
        va, vb = getattr(ra, attr), getattr(rb, attr)
        mark = MARK if stats.overlap(interval(ra), interval(rb)) else ""
        cells += (f"{fmt_value(attr, va):>{w}}{fmt_value(attr, vb):>{w}}"
                  f"{fmt_ratio(va, vb):>{RATIO}}{mark:<{len(MARK)}}")
    return cells.rstrip()


def compare_text(dir_a: str, dir_b: str, rows_a: list[Row], meta_a: Meta, rows_b: list[Row],
                 meta_b: Meta) -> str:
    a = {r.key(): r for r in rows_a}
    b = {r.key(): r for r in rows_b}
    out = []
    for name, d, meta in (("A", dir_a, meta_a), ("B", dir_b, meta_b)):
        how = results.emulation(meta) or meta.get("accel", "accelerator unknown")
        out.append(f"{name}: {d} (commit {meta.get('commit', '?')}, {how})")
    if any(r.repeats > 1 for r in rows_a + rows_b):
        out.append(f"{table.NOT_SIGNIFICANT}: A's and B's 95% confidence intervals over "
                   f"repeats overlap")
    out.append("")
    out.append("  " + "".join(f"{title:>{2 * w + RATIO}}{'':{len(MARK)}}"
                              for _, title, w, _ in COMPARED).rstrip())
    out.append("  " + "".join(f"{'A':>{w}}{'B':>{w}}{'B/A':>{RATIO}}{'':{len(MARK)}}"
                              for _, _, w, _ in COMPARED).rstrip())
    both = sorted(set(a) & set(b), key=results_key)
    for key in both:
        out.append(results.describe(key))
        out.append("  " + compare_cells(a[key], b[key]))
    if not both:
        out.append("(no series in common)")
    for name, mine, other in (("A", a, b), ("B", b, a)):
        only = sorted(set(mine) - set(other), key=results_key)
        if only:
            out.append("")
            out.append(f"Only in {name}:")
            out += [f"  {results.describe(k)}" for k in only]
    return "\n".join(out) + "\n"


def results_key(key: Key) -> tuple[str, str, str, str, str, results.Naturals, int]:
    return (key[0],) + results.group_sort_key(key[1:])


def cmd_compare(args: argparse.Namespace) -> None:
    rows_a, meta_a = results.load_results(args.dir_a, full=False)
    rows_b, meta_b = results.load_results(args.dir_b, full=False)
    sys.stdout.write(compare_text(args.dir_a, args.dir_b, rows_a, meta_a, rows_b, meta_b))


# ---- the command line --------------------------------------------------------

PROCESS_HELP = """\
Parse serial logs (one per boot: a variant at one --smp, in QEMU or hosted,
one repeat) and write, inside RESULTS_DIR (each file written to a temporary
name, then renamed):
  summary.csv     one row per series (variant, target, suite, op, parameters,
                  cpus, mode): variant,suite,op,cpus,samples,mean_ns,p50_ns,p90_ns,
                  p99_ns,p999_ns,max_ns,ops_per_sec, then target,mode,repeats,ops,
                  p50_ci_lo_ns,p50_ci_hi_ns,ops_ci_lo,ops_ci_hi (95% bootstrap
                  intervals over repeats, empty with one repeat), speedup,ceiling,
                  efficiency,platform_limited (against calib.work private), then one
                  column per suite parameter, ipis_per_op, rounds_per_op,
                  flushes_per_op (per operation, timed or not), tsc_hz, min_cycles,
                  max_cycles. Repeats (dumps with other repeat numbers) are pooled:
                  their histograms add up, ops/s is their mean.
  histograms.csv  variant,target,mode,suite,op,cpus,params,bucket,low_cycles,
                  high_cycles,count (params as k=v;k=v; low/high: the bucket's first
                  and last value)
  repeats.csv     variant,target,suite,op,params,cpus,mode,repeat,samples,ops,p50_ns,
                  ops_per_sec: each repeat's own figures
  meta.json       --meta-json's keys merged with what the dumps say (repeats per
                  variant and target), the rejected logs, the sha256 of the csv files
  report.md       setup, platform calibration, table, the design against its
                  strongest rivals (where a rival ran), hosted and QEMU side by
                  side, links to the plots
and the plots into PLOTS_DIR (latency-*.png, throughput-*.png, pages-*.png, one
per target and mode); then print the table.

A log that is not a valid dump is reported as "bench.py: FILE:LINE: problem" and
recorded in meta.json; the other logs are still processed, and the exit status
is 1. A RESULTS_DIR whose summary.csv came from other logs is refused.

--meta-json keys shown in report.md: date, qemu_version, accel (kvm, tcg or
icount), vcpus, memory, host_topology (else this host's, from qmp_pin.py),
commit, run_id (default: RESULTS_DIR's name), variants (those run: a missing
one marks the run incomplete), incomplete_reasons (list of strings)."""


MERGE_HELP = """\
Join shards of one plan, results directories that ./run_bench.sh --shard I/N
made (each ran the I-th of N slices of the run matrix ./run_bench.sh --plan
prints), into one run in RESULTS_DIR, which must be new or empty: the files
process makes (summary.csv, histograms.csv, repeats.csv, meta.json, report.md,
the plots; the same csv files process would make of all the shards' logs),
logs/ with a copy of every shard's logs, and shards/I-of-N.json, each shard's
meta.json as it was.

Refused (exit status 2): a directory that is not a shard; shards of different
plans, of one plan split two ways, given twice, or that ran different commits
or accelerators. Refused as bad data (exit status 1): a corrupted meta.json, a
dump that is not a cell of the plan (a dump is matched by the cell= its header
names, and must agree with that cell's variant, target, repeat and, under
QEMU, CPUs), two dumps of one cell, a log not named for its cell.

A cell without a valid dump that ended ok (its shard not given, its log
missing or rejected, its dump failed) is printed with its shard and why, and
recorded in meta.json, which says the run is incomplete; everything else is
still written, and the exit status is 1.

meta.json has the keys process writes, the plan, merged_from (per shard: its
directory, I/N, host, host topology, cores, date and cells), dates (per
shard; date is the earliest), and the shards' own incomplete_reasons, each
after its I/N."""


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Benchmark results: turn the kernel's serial dumps into tables, "
                    "plots and a report, and compare runs.",
        epilog="Exit status: 0 success, 1 bad data, 2 usage error. "
               "'bench.py COMMAND --help' explains each command.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("process", help="logs -> results directory, plots, report, table",
                       description=PROCESS_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="RESULTS_DIR", help="results directory")
    p.add_argument("--plots", required=True, metavar="PLOTS_DIR", help="where the PNGs go")
    p.add_argument("--meta-json", metavar="FILE", help="JSON object of facts about the run")
    p.add_argument("logs", nargs="+", metavar="LOG", help="raw serial logs")
    p.set_defaults(run=cmd_process)

    p = sub.add_parser("merge", help="shards of one plan -> one results directory",
                       description=MERGE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="RESULTS_DIR",
                   help="the merged run's directory (new or empty)")
    p.add_argument("--plots", metavar="PLOTS_DIR",
                   help="where the PNGs go (default: RESULTS_DIR/plots)")
    p.add_argument("shard_dirs", nargs="+", metavar="SHARD_DIR",
                   help="results directories of ./run_bench.sh --shard")
    p.set_defaults(run=cmd_merge)

    p = sub.add_parser("replot", help="plots and report.md again, from the results files",
                       description="Make the plots and report.md again from RESULTS_DIR's "
                                   "summary.csv, histograms.csv, repeats.csv and meta.json, "
                                   "without the "
                                   "raw logs. The files are validated first (a truncated or "
                                   "corrupted one is rejected by name).")
    p.add_argument("results_dir", metavar="RESULTS_DIR")
    p.add_argument("--plots", metavar="DIR",
                   help="where the PNGs go (default: the plots directory meta.json names)")
    p.set_defaults(run=cmd_replot)

    p = sub.add_parser("compare", help="two results directories side by side",
                       description="For every series (variant, target, suite, op, "
                                   "parameters, cpus, mode) present in both DIR_A and DIR_B, "
                                   "print p50 and p99 latency and throughput of both and the "
                                   "B/A ratios; a ratio is marked n.s. (not significant) when "
                                   "A's and B's 95% confidence intervals over repeats overlap "
                                   "(only where both have intervals: p50 and ops/s of series "
                                   "with 2 or more repeats). Then list the series found in "
                                   "only one of them.")
    p.add_argument("dir_a", metavar="DIR_A")
    p.add_argument("dir_b", metavar="DIR_B")
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("table", help="print the results table of a results directory",
                       description="Print RESULTS_DIR's table: the platform ceiling per CPU "
                                   "count, then p50, p99, throughput and efficiency (relative "
                                   "to that ceiling) per series and variant, with "
                                   "default/baseline ratios (n.s. where the two variants' 95% "
                                   "intervals overlap), then the design against each "
                                   "mechanism's rival where one ran.")
    p.add_argument("results_dir", metavar="RESULTS_DIR")
    p.set_defaults(run=cmd_table)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except UsageError as e:
        say(f"error: {e}")
        return 2
    except (DataError, results.ResultsError) as e:
        say(str(e))
        return 1
    except OSError as e:          # an output directory that cannot be written
        say(f"{e.filename}: {e.strerror}")
        return 1
    except KeyboardInterrupt:
        say("interrupted: what was written so far is marked unfinished in meta.json")
        return 130
    return 0
