#!/usr/bin/env bash
# tests/bench/pipeline_test.sh - the benchmark pipeline end to end, for make
# test: ./run_bench.sh --quick on the default variant and the sync shootdown
# baseline, twice each (--repeat 2), under QEMU and natively (--target
# qemu,hosted), then checks of what it wrote (summary.csv with its
# calibration rows, ceilings and confidence intervals, plots, meta.json),
# of bench.py compare's significance marks, of bench.py's refusal of broken
# logs, and of a replot without the logs.
#
# Prints one line per check, "bench: <name> ... ok" or
# "bench: <name> ... FAIL: <reason>", and exits 0 only if all passed.
set -euo pipefail

prog=pipeline_test.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=/usr/bin/python3        # the interpreter with matplotlib (DESIGN.md)
# The default variant and the one that differs from it in the shootdown
# baseline alone, from the variant table (variants.txt, through make).
variant_var() { make -s -C "$repo" print-variants | sed -n "s/^$1 = //p"; }
default_variant=$(variant_var MM_DEFAULT_VARIANT)
variants=$default_variant,${default_variant%-*}-$(variant_var SHOOTDOWN_BASELINE)
boot_timeout=150               # per boot; a quick boot takes well under a minute

usage() {
    cat <<EOF
Usage: tests/bench/pipeline_test.sh [--build DIR]

Runs ./run_bench.sh --quick --no-deps --smp 2 --suites all --repeat 2
--target qemu,hosted --accel \${ACCEL:-tcg} --variants $variants into a
temporary directory (under TCG unless ACCEL says otherwise, like the other
boots of make test: TCG is the reference platform, and a software KVM can be
far slower), then checks its exit status and what it printed (the platform
ceiling); summary.csv: its columns, every suite of bench/suites*.c for both
variants, the calibration suites in every timing mode at 1 and 2 CPUs on
both targets, ceiling and efficiency at 2 CPUs, two repeats with confidence
intervals around their values, the hosted target's frame and slab rows,
the false-sharing suites' shared_cpus, line_bytes and report.md section,
plausible numbers, fewer IPIs per 64-page unmap and fewer IPIs and rounds
per user munmap (vm.fault) at 2 CPUs when batched; the plots report.md
links and its calibration section; meta.json; that bench.py compare marks
a run against itself not significant; that a second run given the same
--out is refused at once, naming the first, which completes intact; that
Ctrl-C while bench.py writes the plots ends the run with status 130 and
leaves a meta.json that says it is incomplete; that bench.py process rejects a
truncated and a corrupted log by name; and that bench.py replot works
without the logs. It also checks that run_bench.sh refuses an unknown
variant, suite or timing mode, --target hosted without portable suites, and
a missing QEMU. The temporary directory is removed at the end.

  --build DIR   build root for run_bench.sh (default: \$O, else build): the
                variants are built in DIR/bench-variants/<variant>
  -h, --help    show this help

Output: one line per check, "bench: <name> ... ok" or "... FAIL: <reason>".
Exit status: 0 if every check passed, 1 otherwise, 2 for usage errors.
EOF
}

build=${O:-build}
while [[ $# -gt 0 ]]; do
    case $1 in
        --build) [[ $# -ge 2 && -n $2 ]] || { echo "$prog: error: --build needs a value" >&2; exit 2; }
                 build=$2; shift 2 ;;
        --build=*) build=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

cd "$repo"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipeline_test.XXXXXX")
run=$tmp/run
child=""
trap 'rm -rf "$tmp"' EXIT
# On a signal, stop run_bench.sh and let it finish before the temporary
# directory it writes into is removed. The message goes to fd 3, the test's
# own stderr: the signal may arrive while run_bench's output is redirected.
exec 3>&2
on_signal() {
    if [[ -n $child ]]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    echo "$prog: interrupted" >&3
    exit 130
}
trap on_signal INT TERM

nfail=0
# check NAME COMMAND...: the command prints why it failed (one line) and
# returns non-zero; its output is the reason.
check() {
    local name=$1 why rc=0
    shift
    why=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        echo "bench: $name ... ok"
    else
        nfail=$((nfail + 1))
        why=$(tr '\n' ' ' <<<"$why" | sed 's/ *$//')
        echo "bench: $name ... FAIL: ${why:-status $rc}"
    fi
}

# Show the end of a command's output, indented so that no line of it can be
# taken for a check line.
show_tail() {
    echo "  --- last 30 lines of the output of $1 ---"
    tail -n 30 "$2" | sed 's/^/  | /'
}

# run_bench.sh in the background, so that a TERM to this test stops it too.
run_bench() {
    local rc=0
    "$repo/run_bench.sh" "$@" </dev/null &
    child=$!
    wait "$child" || rc=$?
    child=""
    return "$rc"
}

# ---- run_bench.sh refuses bad input before building anything ----------------
expect_refusal() { # status, text the message must hold, run_bench arguments...
    local want=$1 text=$2 out rc=0
    shift 2
    out=$(run_bench --no-deps --build "$build" --out "$tmp/refused" "$@" 2>&1) || rc=$?
    [[ $rc == "$want" ]] || { echo "exit status $rc, expected $want: $out"; return 1; }
    [[ $out == *"$text"* ]] || { echo "message does not say '$text': $out"; return 1; }
    [[ ! -e $tmp/refused ]] || { echo "it created its --out directory"; return 1; }
}
check "unknown variant refused" expect_refusal 2 "unknown variant 'pcp-magazine-fast'" \
    --variants pcp-magazine-batched,pcp-magazine-fast
check "unknown suite refused" expect_refusal 2 "unknown suite or family 'frame.nope'" --suites frame.bulk,frame.nope
check "unknown family refused" expect_refusal 2 "unknown suite or family 'fram'" --suites fram
check "unknown timing mode refused" expect_refusal 2 "unknown timing mode 'often'" --modes sample,often
check "all with other suites refused" expect_refusal 2 "--suites all stands alone" --suites all,frame.bulk
check "workloads with other suites refused" expect_refusal 2 "--suites workloads stands alone" \
    --suites vm,workloads
check "more vCPUs than QEMU starts refused" expect_refusal 2 "--smp 999: QEMU's pc machine" --smp 2,999
check "hosted without portable suites refused" expect_refusal 2 "runs only the portable suites" \
    --target hosted --suites vm.fault
QEMU=/nonexistent check "missing qemu refused" expect_refusal 1 "qemu-system-x86" --variants "$variants"

# ---- the run ---------------------------------------------------------------------
run_out=$tmp/run_bench.out
run_rc=0
run_bench --quick --no-deps --smp 2 --suites all --repeat 2 --target qemu,hosted \
    --variants "$variants" --build "$build" --accel "${ACCEL:-tcg}" --timeout "$boot_timeout" \
    --out "$run" >"$run_out" 2>&1 || run_rc=$?
run_status() {
    ((run_rc == 0)) || { echo "./run_bench.sh exited with status $run_rc"; return 1; }
}
check "run_bench exit status" run_status
((run_rc == 0)) || show_tail ./run_bench.sh "$run_out"

# The checks of the files, in Python: CSV, JSON and PNG are easier there.
# Usage: pycheck CHECK [ARG...]; prints the reason of a failure, exits 1.
pycheck() {
    "$python" - "$run" "$variants" "$@" <<'EOF'
import csv, json, os, re, sys

run, variants, check, args = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4:]
HEADER = ("variant,suite,op,cpus,samples,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,"
          "max_ns,ops_per_sec").split(",")


def fail(why):
    print(why)
    sys.exit(1)


def rows():
    path = os.path.join(run, "summary.csv")
    if not os.path.exists(path):
        fail(f"no {path}")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def series(r):
    return f"{r['variant']} {r['suite']} {r['op']} cpus={r['cpus']}"


def known_suites(files=("bench/suites.c", "bench/suites_kernel.c")):
    names = []
    for path in files:
        with open(path) as f:
            names += re.findall(r'\.name\s*=\s*"([^"]+)"', f.read())
    return names


def number(r, column):
    try:
        return float(r[column])
    except ValueError:
        fail(f"{series(r)}: {column}='{r[column]}' is not a number")


def calibration():
    """calib.* in every mode at 1 and 2 CPUs, for every variant (QEMU) and
    for the hosted run; calib.ipi only in the kernel."""
    have = {(r["variant"], r["target"], r["suite"], r["mode"], r["cpus"]) for r in rows()}
    want = [(v, "qemu", s) for v in variants for s in ("calib.empty", "calib.work",
                                                        "calib.shared", "calib.ipi")]
    want += [(variants[0], "hosted", s) for s in ("calib.empty", "calib.work", "calib.shared")]
    missing = [f"{v} {t} {s} {m} cpus={c}" for v, t, s in want for m in ("each", "sample", "batch")
               for c in ("1", "2") if (v, t, s, m, c) not in have]
    if missing:
        fail(f"no rows for {', '.join(missing[:6])}")


def ceiling():
    """Every row at 2 CPUs has the platform's ceiling and, when it has a
    1-CPU counterpart, its efficiency against it; at 1 CPU both are 1."""
    for r in rows():
        if r["cpus"] == "1":
            if number(r, "ceiling") != 1 or number(r, "efficiency") != 1:
                fail(f"{series(r)}: ceiling {r['ceiling']}, efficiency {r['efficiency']} at 1 CPU")
        elif r["cpus"] == "2":
            c, e, s = number(r, "ceiling"), number(r, "efficiency"), number(r, "speedup")
            # All three are written to 4 decimals: e's rounding grows with c
            # (a loaded host's 1-CPU calibration can make c 20 or more).
            if not (c > 0 and abs(e * c - s) <= 5e-5 * (c + 1) + 1e-3 * s + 1e-3):
                fail(f"{series(r)}: efficiency {e} x ceiling {c} is not the speedup {s}")
            if r["platform_limited"] != str(int(c < 0.8 * 2)):
                fail(f"{series(r)}: platform_limited={r['platform_limited']} with ceiling {c}")


def repeats():
    """Two repeats of every series, intervals around what they bound, and
    repeats.csv with both repeats' figures."""
    for r in rows():
        if r["repeats"] != "2":
            fail(f"{series(r)}: repeats={r['repeats']}")
        lo, hi = number(r, "ops_ci_lo"), number(r, "ops_ci_hi")
        if not lo <= number(r, "ops_per_sec") <= hi:
            fail(f"{series(r)}: ops/s {r['ops_per_sec']} outside its interval [{lo}, {hi}]")
        if not number(r, "p50_ci_lo_ns") <= number(r, "p50_ci_hi_ns"):
            fail(f"{series(r)}: p50 interval [{r['p50_ci_lo_ns']}, {r['p50_ci_hi_ns']}]")
    path = os.path.join(run, "repeats.csv")
    with open(path, newline="") as f:
        per = {}
        for r in csv.DictReader(f):
            per.setdefault((r["variant"], r["target"], r["suite"], r["op"], r["params"],
                            r["cpus"], r["mode"]), set()).add(r["repeat"])
    if len(per) != len(rows()) or any(v != {"1", "2"} for v in per.values()):
        fail(f"{path}: not two repeats of each of the {len(rows())} series")


def hosted():
    """The hosted target ran every portable suite, and only those; its
    rows say how they were timed."""
    mine = [r for r in rows() if r["target"] == "hosted"]
    suites = {r["suite"] for r in mine}
    portable = set(known_suites(("bench/suites.c",)))
    if suites != portable:
        fail(f"hosted suites are {sorted(suites)}, expected {sorted(portable)}")
    modes = {r["mode"] for r in mine if not r["suite"].startswith("calib.")}
    if modes != {"sample"}:
        fail(f"hosted frame and slab rows were timed in modes {sorted(modes)}, not sample")


def header():
    path = os.path.join(run, "summary.csv")
    if not os.path.exists(path):
        fail(f"no {path}")
    with open(path, newline="") as f:
        first = next(csv.reader(f), [])
    if first[:12] != HEADER:
        fail(f"leading columns are {','.join(first[:12])}")


def suites():
    have = {(r["variant"], r["suite"]) for r in rows()}
    missing = [f"{v} {s}" for v in variants for s in known_suites() if (v, s) not in have]
    if missing:
        fail(f"no rows for {', '.join(missing)}")


def numbers():
    for r in rows():
        try:
            samples, p50, p99, top, ops = (float(r[k]) for k in
                                           ("samples", "p50_ns", "p99_ns", "max_ns", "ops_per_sec"))
        except ValueError:
            fail(f"{series(r)}: a value is not a number")
        if not (samples > 0 and 0 < p50 <= p99 <= top and ops > 0):
            fail(f"{series(r)}: implausible: samples={r['samples']} p50={r['p50_ns']} "
                 f"p99={r['p99_ns']} max={r['max_ns']} ops/s={r['ops_per_sec']}")


def sharing():
    """The false-sharing suites' rows carry their step's measure (CPUs whose
    object shared a 64-byte line, at most cpus) with both ops, on both
    targets, and report.md has their section."""
    mine = [r for r in rows() if r["suite"] in ("alloc.cache_thrash", "alloc.cache_scratch")]
    have = {(r["target"], r["op"]) for r in mine}
    want = {(t, op) for t in ("qemu", "hosted") for op in ("write", "write_private")}
    if have != want:
        fail(f"alloc.cache_* rows for {sorted(have)}, expected {sorted(want)}")
    for r in mine:
        if r["line_bytes"] != "64" or not r["shared_cpus"].isdigit() or \
                int(r["shared_cpus"]) > int(r["cpus"]):
            fail(f"{series(r)}: shared_cpus='{r['shared_cpus']}' line_bytes='{r['line_bytes']}'")
    with open(os.path.join(run, "report.md")) as f:
        if "\n## False sharing\n" not in f.read():
            fail("report.md has no False sharing section")


def fewer_when_batched(suite, op, key, column):
    """column of the suite's op at 2 CPUs (and key=value) must be smaller
    batched than sync."""
    per = {}
    for r in rows():
        if r["suite"] == suite and r["op"] == op and r["cpus"] == "2" and \
                (key is None or r.get(key[0]) == key[1]):
            if not r.get(column):
                fail(f"{series(r)} has no {column}")
            per[r["variant"]] = float(r[column])
    batched, sync = variants
    if batched not in per or sync not in per:
        fail(f"{suite} {op} cpus=2 is missing a variant (has {sorted(per)})")
    if not per[batched] < per[sync]:
        fail(f"{suite} {op} cpus=2: {column} {per[batched]:g} batched, {per[sync]:g} sync "
             f"(batched should be fewer)")


def ipis():
    fewer_when_batched("shootdown.unmap", "unmap", ("pages", "64"), "ipis_per_op")
    fewer_when_batched("vm.fault", "munmap", None, "ipis_per_op")
    fewer_when_batched("vm.fault", "munmap", None, "rounds_per_op")


def plots(directory=run):
    report = os.path.join(directory, "report.md")
    if not os.path.exists(report):
        fail(f"no {report}")
    with open(report) as f:
        links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", f.read())
    if not links:
        fail(f"{report} links no plot")
    for link in links:
        path = os.path.normpath(os.path.join(directory, link))
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            fail(f"{link} (linked from report.md) is missing or empty")
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                fail(f"{link} is not a PNG")


def meta():
    path = os.path.join(run, "meta.json")
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    for key in ("accel", "commit", "variants"):
        if not m.get(key):
            fail(f"meta.json has no {key}")
    if sorted(m["variants"]) != sorted(variants):
        fail(f"meta.json variants are {m['variants']}")
    if sorted(m.get("targets", [])) != ["hosted", "qemu"] or m.get("repeat") != 2:
        fail(f"meta.json says targets {m.get('targets')}, repeat {m.get('repeat')}")


def calib_report():
    with open(os.path.join(run, "report.md")) as f:
        text = f.read()
    for want in ("## Platform calibration", "this platform scales to", "## Hosted and QEMU side by side"):
        if want not in text:
            fail(f"report.md has no '{want}'")


def cut(src, dst):
    """Keep the log up to the middle of its dump: no 'end' record."""
    with open(src, "rb") as f:
        lines = f.read().split(b"\n")
    bench = [i for i, line in enumerate(lines) if line.startswith(b"BENCH ")]
    if len(bench) < 4:
        fail(f"{src} has only {len(bench)} BENCH lines")
    with open(dst, "wb") as f:
        f.write(b"\n".join(lines[:bench[len(bench) // 2]]) + b"\n")


def flip(src, dst):
    """Change one digit inside a BENCH line in the middle of the dump; print
    the (1-based) number of that line."""
    with open(src, "rb") as f:
        lines = f.read().split(b"\n")
    bench = [i for i, line in enumerate(lines) if line.startswith(b"BENCH ")]
    if len(bench) < 4:
        fail(f"{src} has only {len(bench)} BENCH lines")
    i = bench[len(bench) // 2]
    body = bytearray(lines[i])
    digits = [j for j in range(6, body.rindex(b" *")) if chr(body[j]).isdigit()]
    if not digits:
        fail(f"{src}:{i + 1} has no digit to change")
    j = digits[len(digits) // 2]
    body[j] = ord("0") + (body[j] - ord("0") + 1) % 10
    lines[i] = bytes(body)
    with open(dst, "wb") as f:
        f.write(b"\n".join(lines))
    print(i + 1)


{"header": header, "suites": suites, "numbers": numbers, "ipis": ipis, "sharing": sharing,
 "calibration": calibration, "ceiling": ceiling, "repeats": repeats, "hosted": hosted,
 "calib_report": calib_report, "plots": lambda: plots(*args), "meta": meta,
 "cut": lambda: cut(*args), "flip": lambda: flip(*args)}[check]()
EOF
}

printed_ceiling() {
    grep -q "^platform ceiling (calib.work private, qemu, mode sample): 1 CPU 1.00x, 2 CPUs" \
        "$run_out" || { echo "run_bench.sh printed no platform ceiling for qemu, sample mode"; return 1; }
}
check "summary.csv columns" pycheck header
check "every suite for both variants" pycheck suites
check "calibration suites in every mode, both targets" pycheck calibration
check "ceiling and efficiency" pycheck ceiling
check "ceiling printed" printed_ceiling
check "repeats and confidence intervals" pycheck repeats
check "hosted target rows" pycheck hosted
check "plausible numbers" pycheck numbers
check "false-sharing measure and report section" pycheck sharing
check "fewer IPIs and rounds when batched (kernel unmap, user munmap)" pycheck ipis
check "report plots are PNGs" pycheck plots "$run"
check "report calibration section" pycheck calib_report
check "meta.json" pycheck meta

# ---- bench.py compare: a run against itself differs nowhere significantly ----
self_compare() {
    local out n ns
    out=$("$python" bench/host/bench.py compare "$run" "$run" 2>&1) || { echo "$out"; return 1; }
    n=$(grep -cE '^ +[0-9]' <<<"$out" || true)       # the lines of figures
    ns=$(grep -E '^ +[0-9]' <<<"$out" | grep -c 'n\.s\.' || true)
    ((n > 0 && ns == n)) || { echo "$ns of $n compared lines marked n.s."; return 1; }
}
check "compare marks overlapping intervals n.s." self_compare

# ---- runs that must not lose or misstate results --------------------------------
# Small hosted runs (the main run built their program): seconds each.
small_run=(--no-deps --quick --repeat 1 --target hosted --variants "${variants%%,*}"
           --suites calib.empty,calib.work,calib.shared --build "$build")

# Two runs given one --out: the second refuses at once, naming the first,
# and the first completes with its files intact.
concurrent_runs() {
    local dir=$tmp/shared out_b rc_a=0 rc_b=0 pid_a i
    "$repo/run_bench.sh" "${small_run[@]}" --out "$dir" >"$tmp/run_a.out" 2>&1 </dev/null &
    pid_a=$!
    for ((i = 0; i < 400; i++)); do
        [[ ! -s $dir/.run_bench.owner ]] || break
        sleep 0.05
    done
    if [[ ! -s $dir/.run_bench.owner ]]; then
        kill "$pid_a" 2>/dev/null; wait "$pid_a" 2>/dev/null
        echo "the first run never claimed $dir"; return 1
    fi
    out_b=$("$repo/run_bench.sh" "${small_run[@]}" --out "$dir" 2>&1 </dev/null) || rc_b=$?
    wait "$pid_a" || rc_a=$?
    ((rc_b == 2)) || { echo "the second run exited with $rc_b, not 2: $out_b"; return 1; }
    [[ $out_b == *"being written by another run (pid $pid_a "* ]] ||
        { echo "the refusal does not name the first run: $out_b"; return 1; }
    ((rc_a == 0)) || { echo "the first run failed ($rc_a): $(tail -n 3 "$tmp/run_a.out")"; return 1; }
    "$python" bench/host/bench.py table "$dir" >/dev/null ||
        { echo "the first run's results do not read back"; return 1; }
    [[ ! -e $dir/.run_bench.owner ]] || { echo "the first run left its lock note behind"; return 1; }
}
check "concurrent run on one --out refused" concurrent_runs

# Ctrl-C while bench.py writes the plots (its meta.json, which it writes
# first, is there): exit 130, said on the terminal, and meta.json says the
# run is incomplete. Job control gives the run its own process group that
# does not ignore SIGINT, as a terminal's foreground job.
interrupted_processing() {
    local dir=$tmp/interrupted out=$tmp/interrupted.out rc=0 pid i
    set -m
    "$repo/run_bench.sh" "${small_run[@]}" --out "$dir" >"$out" 2>&1 </dev/null &
    pid=$!
    set +m
    for ((i = 0; i < 1200; i++)); do
        [[ ! -e $dir/meta.json ]] || break
        sleep 0.02
    done
    kill -INT -- "-$pid" 2>/dev/null || true        # its process group, as Ctrl-C does
    wait "$pid" || rc=$?
    ((rc == 130)) || { echo "exit status $rc, not 130: $(tail -n 3 "$out")"; return 1; }
    grep -q "interrupted" "$out" || { echo "the terminal output does not say interrupted"; return 1; }
    "$python" - "$dir/meta.json" <<'EOF'
import json, sys
meta = json.load(open(sys.argv[1]))
if meta.get("complete") is not False or not any("interrupted" in r or "did not finish" in r
                                                for r in meta.get("incomplete_reasons", [])):
    print(f"meta.json says complete={meta.get('complete')}, {meta.get('incomplete_reasons')}")
    sys.exit(1)
EOF
}
check "interrupted processing marked incomplete" interrupted_processing

# ---- bench.py refuses broken logs, naming them ---------------------------------
log=$run/logs/${variants%%,*}-smp2-r1.log
broken=$tmp/broken
mkdir -p "$broken"

expect_rejected() { # log, text the message must hold
    local out rc=0
    out=$("$python" bench/host/bench.py process --out "$broken/out-${1##*/}" \
          --plots "$broken/plots" "$1" 2>&1) || rc=$?
    ((rc != 0)) || { echo "bench.py process accepted it"; return 1; }
    [[ $out == *"$2"* ]] || { echo "no '$2' in: $(grep -m1 "${1##*/}" <<<"$out" || echo "$out")"; return 1; }
}
truncated() {
    pycheck cut "$log" "$broken/truncated.log" || return 1
    expect_rejected "$broken/truncated.log" "truncated.log" || return 1
    expect_rejected "$broken/truncated.log" "truncated:"
}
corrupted() {
    local line
    line=$(pycheck flip "$log" "$broken/corrupted.log") || { echo "$line"; return 1; }
    expect_rejected "$broken/corrupted.log" "corrupted.log:$line: corrupted"
}
check "truncated log rejected" truncated
check "corrupted log rejected" corrupted

# ---- replot from the results files alone --------------------------------------
replot() {
    local copy=$tmp/replot out
    mkdir -p "$copy"
    [[ -d $run ]] || { echo "no run directory"; return 1; }
    (cd "$run" && find . -path ./logs -prune -o -path ./plots -prune -o -type f -print0 |
        xargs -0 -r cp --parents -t "$copy")
    out=$("$python" bench/host/bench.py replot "$copy" 2>&1) || { echo "bench.py replot: $out"; return 1; }
    [[ -n $(ls "$copy/plots" 2>/dev/null) ]] || { echo "no plots in $copy/plots"; return 1; }
    pycheck plots "$copy"
}
check "replot without logs" replot

if ((nfail)); then
    echo "$prog: $nfail checks failed" >&2
    exit 1
fi
