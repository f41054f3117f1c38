#!/usr/bin/env bash
# tests/bench/sweep_test.sh - a sweep run as shards and merged must be the
# run it was planned as. One small plan (two variants, two repeats, 2 vCPUs,
# deterministic: under icount two runs of one build give the same cycles, so
# "the same figures" can be checked byte for byte) is run three ways:
#   - locally, in one ./run_bench.sh;
#   - as one shard per boot through GNU parallel, two side by side, each on
#     its own --slot of the host's cores, then bench.py merge;
#   - through Slurm: a single-node cluster on localhost (slurm-wlm and
#     munge, started here by tests/bench/slurm_cluster.sh and stopped at the
#     end), ./run_bench.sh --slurm --shards 2 submitting the shard array and
#     the merge job after it.
# Each merged run must equal the local one: the same plan, commit and cells,
# and identical summary.csv, histograms.csv and repeats.csv. Then the
# refusals: --plan's format, a --shard beyond the plan, a merge that lacks a
# shard (the missing cells named, exit 1) or is given one twice.
#
# Prints one line per check, "bench: <name> ... ok" or "... FAIL: <why>",
# and exits 0 only if all passed.
set -euo pipefail

prog=sweep_test.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=/usr/bin/python3        # the interpreter with matplotlib (DESIGN.md)
variant_var() { make -s -C "$repo" print-variants | sed -n "s/^$1 = //p"; }
default_variant=$(variant_var MM_DEFAULT_VARIANT)
variants=$default_variant,${default_variant%-*}-$(variant_var SHOOTDOWN_BASELINE)
slurm_wait=900                 # seconds for the Slurm jobs (each shard builds first)

usage() {
    cat <<EOF
Usage: tests/bench/sweep_test.sh [--build DIR] [--no-slurm]

Plans ./run_bench.sh --deterministic --quick --variants $variants
--smp 2 --suites calib.work,slab.pair --repeat 2 (four boots), runs it
locally, through GNU parallel (one shard per boot, --slot {%}/2) and through
a single-node Slurm cluster started for the test (--slurm --shards 2), and
checks that both merged runs equal the local one (see the header of this
script). Installs GNU parallel, slurm-wlm and munge when missing (as root).

  --build DIR   build root for run_bench.sh (default: \$O, else build)
  --no-slurm    leave out the Slurm part
  -h, --help    show this help

Output: one line per check, "bench: <name> ... ok" or "... FAIL: <reason>".
Exit status: 0 if every check passed, 1 otherwise, 2 for usage errors.
EOF
}

build=${O:-build}
slurm=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --build) [[ $# -ge 2 && -n $2 ]] || { echo "$prog: error: --build needs a value" >&2; exit 2; }
                 build=$2; shift 2 ;;
        --build=*) build=${1#*=}; shift ;;
        --no-slurm) slurm=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[[ $build == /* ]] || build=$repo/$build

cd "$repo"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sweep_test.XXXXXX")
cluster=""
finish() {
    [[ -z $cluster ]] || tests/bench/slurm_cluster.sh stop "$cluster" >&2 || true
    rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 130' INT TERM

status=0
check() { # name why-if-failed ok
    if [[ $3 == 1 ]]; then echo "bench: $1 ... ok"; else echo "bench: $1 ... FAIL: $2"; status=1; fi
}

plan_args=(--deterministic --quick --variants "$variants" --smp 2 --suites calib.work,slab.pair
           --repeat 2)
run_args=(--no-deps --build "$build" "${plan_args[@]}")

# ---- the plan ------------------------------------------------------------------
plan=$(./run_bench.sh --no-deps "${plan_args[@]}" --plan 2>"$tmp/plan.err") || true
lines=$(grep -c . <<<"$plan" || true)
bad=$(grep -vcE '^[1-4]/4 variant=[a-z0-9_-]+ target=qemu vcpus=2 memory=512M repeat=[12] suites=[a-z.,]+ cell=[a-z0-9_-]+$' <<<"$plan" || true)
cells=$(sed 's/.* cell=//' <<<"$plan" | sort -u | grep -c . || true)
check "plan_lists_every_boot" "--plan printed $lines lines ($bad malformed, $cells distinct cells), not 4 of 'I/4 variant=... cell=...': $plan" \
    "$((lines == 4 && bad == 0 && cells == 4))"
rc=0
out=$(./run_bench.sh --no-deps "${plan_args[@]}" --shard 5/5 --out "$tmp/never" 2>&1) || rc=$?
check "shard_beyond_plan_refused" "status $rc, output: $out" \
    "$((rc == 2))$([[ $out == *"the plan has only 4 boots"* && ! -e $tmp/never/logs ]] || echo 0)"

# Bad sweep options are refused before anything is built or written.
refused() { # name expected-text option... (after the plan's, or alone after --alone)
    local name=$1 want=$2 rc=0 out args=("${plan_args[@]}")
    shift 2
    [[ $1 != --alone ]] || { args=(); shift; }
    out=$(./run_bench.sh --no-deps "${args[@]}" "$@" 2>&1) || rc=$?
    check "$name" "status $rc (not 2) or no '$want' in: $out" \
        "$((rc == 2))$([[ $out == *"$want"* ]] || echo 0)"
}
refused "slot_beyond_parts_refused" "--slot wants S/J with 1 <= S <= J" --plan --slot 3/2
refused "too_many_slots_refused" "make no 64 parts" --plan --slot 1/64
refused "foreign_core_refused" "--cores: CPU 4096 is not among those this run may use" --plan --cores 4096
refused "shards_without_slurm_refused" "--shards is for --slurm" --shards 2
refused "slurm_without_out_refused" "--slurm needs --out DIR" --slurm
refused "slurm_without_smp_refused" "--slurm needs --smp" --alone --slurm --out "$tmp/x"
refused "plan_and_shard_refused" "give one of --plan, --shard and --slurm" --plan --shard 1/2
refused "too_many_shards_refused" "--shards 5: the plan has only 4 boots" --slurm --shards 5 --out "$tmp/y"
check "refused_slurm_wrote_nothing" "$tmp/x or $tmp/y was created" \
    "$([[ ! -e $tmp/x && ! -e $tmp/y ]] && echo 1 || echo 0)"

# ---- locally ---------------------------------------------------------------------
rc=0
./run_bench.sh "${run_args[@]}" --out "$tmp/local" >"$tmp/local.out" 2>&1 || rc=$?
check "local_run" "status $rc; last lines: $(tail -n 5 "$tmp/local.out")" "$((rc == 0))"

# Every dump says which cell of the plan it is; a name the header could not
# carry ends the boot with the reason.
names=$(cat "$tmp"/local/logs/*.log | tr -d '\r' | sed -n 's/^BENCH begin .* cell=\([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
want=$(sed 's/.* cell=//' <<<"$plan" | sort | tr '\n' ' ')
check "dumps_name_their_cells" "the dumps' headers say cell= '$names', the plan '$want'" \
    "$([[ $names == "$want" ]] && echo 1 || echo 0)"
rc=0
scripts/qemu.sh -q --kernel "$build/bench-variants/$default_variant/kernel.elf" --smp 1 --icount \
    --append "bench=calib.empty bench_quick=1 bench_cell=a!b" --serial "$tmp/badcell.log" \
    --timeout 120 </dev/null || rc=$?
check "bad_cell_name_refused" "QEMU status $rc (not 35), or no reason in: $(tail -n 2 "$tmp/badcell.log")" \
    "$((rc == 35))$(grep -q 'bench_cell= wants a name' "$tmp/badcell.log" || echo 0)"

# same_run NAME DIR: DIR's merged run equals the local one.
same_run() {
    local name=$1 dir=$2 f diff="" why
    for f in summary.csv histograms.csv repeats.csv; do
        cmp -s "$tmp/local/$f" "$dir/$f" || diff+=" $f"
    done
    why=$("$python" - "$tmp/local/meta.json" "$dir/meta.json" <<'EOF'
import json, sys
local, merged = (json.load(open(p)) for p in sys.argv[1:3])
def cells(meta):
    return sorted((d["variant"], d["target"], d["cpus"], d["mem_mib"], d["repeat"])
                  for d in meta["dumps"])
problems = []
if local["plan"]["id"] != merged["plan"]["id"]:
    problems.append("plan %s, not the local %s" % (merged["plan"]["id"], local["plan"]["id"]))
if local["commit"] != merged["commit"]:
    problems.append("commit %s, not the local %s" % (merged["commit"], local["commit"]))
if cells(local) != cells(merged):
    problems.append("cells %s, not the local %s" % (cells(merged), cells(local)))
if not merged.get("complete"):
    problems.append("incomplete: %s" % merged.get("incomplete_reasons"))
print("; ".join(problems))
EOF
) 2>/dev/null || why="cannot read $dir/meta.json"
    check "${name}_same_cells_as_local" "$why" "$([[ -z $why ]] && echo 1 || echo 0)"
    check "${name}_same_figures_as_local" "differ from the local run's:$diff" \
        "$([[ -z $diff ]] && echo 1 || echo 0)"
}

# ---- GNU parallel ----------------------------------------------------------------
command -v parallel >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y parallel >"$tmp/apt.log" 2>&1 || true
if ! command -v parallel >/dev/null 2>&1; then
    check "parallel_installed" "GNU parallel is missing and could not be installed (apt-get install -y parallel; $(tail -n 1 "$tmp/apt.log" 2>/dev/null))" 0
else
    # README.md's example, two jobs side by side.
    rc=0
    ./run_bench.sh --no-deps "${plan_args[@]}" --plan 2>/dev/null |
        parallel --will-cite --colsep ' ' -j 2 ./run_bench.sh "${run_args[@]}" --shard '{1}' \
            --slot '{%}/2' --out "$tmp/par/shard-{#}" '>' "$tmp/par-{#}.out" '2>&1' || rc=$?
    check "parallel_shards" "parallel exited with $rc; $(tail -n 3 "$tmp"/par-*.out 2>/dev/null)" "$((rc == 0))"
    slots=$("$python" -c 'import json, sys
print(" ".join(",".join(map(str, json.load(open(p))["cores"])) for p in sys.argv[1:]))' \
        "$tmp"/par/shard-*/meta.json 2>/dev/null || true)
    check "parallel_shards_on_own_cores" "the shards' CPUs were '$slots', not one of each half" \
        "$([[ $slots == *0* && $slots == *1* && $(wc -w <<<"$slots") == 4 && $slots != *,* ]] && echo 1 || echo 0)"
    rc=0
    "$python" bench/host/bench.py merge --out "$tmp/par/merged" "$tmp"/par/shard-* \
        >"$tmp/merge.out" 2>&1 || rc=$?
    check "parallel_merge" "bench.py merge exited with $rc: $(tail -n 3 "$tmp/merge.out")" "$((rc == 0))"
    same_run parallel "$tmp/par/merged"

    # A shard left out: the merge says which cells are missing, and fails.
    rc=0
    out=$("$python" bench/host/bench.py merge --out "$tmp/par/partial" "$tmp/par/shard-1" \
        "$tmp/par/shard-2" "$tmp/par/shard-4" 2>&1) || rc=$?
    missing=$(sed -n 3p <<<"$plan" | sed 's/.* cell=//')
    check "merge_names_missing_cells" "status $rc (not 1), or $missing not named: $out" \
        "$((rc == 1))$([[ $out == *"$missing"* ]] || echo 0)"
    rc=0
    out=$("$python" bench/host/bench.py merge --out "$tmp/par/twice" "$tmp/par/shard-1" \
        "$tmp/par/shard-1" 2>&1) || rc=$?
    check "merge_refuses_a_shard_twice" "status $rc: $out" \
        "$((rc != 0))$([[ ! -e $tmp/par/twice/summary.csv ]] || echo 0)"
fi

# ---- Slurm -------------------------------------------------------------------------
if ((slurm)); then
    cluster=$tmp/slurm-cluster
    if ! tests/bench/slurm_cluster.sh start "$cluster" >"$tmp/cluster.out" 2>&1; then
        check "slurm_cluster_started" "$(tail -n 15 "$tmp/cluster.out")" 0
    else
        check "slurm_cluster_started" "" 1
        eval "$(tests/bench/slurm_cluster.sh env "$cluster")"
        rc=0
        jobs=$(./run_bench.sh "${run_args[@]}" --slurm --shards 2 --out "$tmp/slurm" 2>"$tmp/submit.err") ||
            rc=$?
        read -r shard_job merge_job <<<"$jobs" || true
        check "slurm_submitted" "status $rc, printed '$jobs': $(tail -n 5 "$tmp/submit.err")" \
            "$((rc == 0))$([[ $shard_job =~ ^[0-9]+$ && $merge_job =~ ^[0-9]+$ ]] || echo 0)"
        waited=0
        while ((rc == 0 && waited < slurm_wait)) &&
              [[ -n $(squeue -h -j "$shard_job,$merge_job" 2>/dev/null) ]]; do
            sleep 5; waited=$((waited + 5))
        done
        check "slurm_jobs_ended" "still queued or running after $slurm_wait s: $(squeue 2>&1 | tail -n 5)" \
            "$((waited < slurm_wait))"
        ok=1
        for i in 1 2; do [[ -f $tmp/slurm/shard-$i/meta.json ]] || ok=0; done
        check "slurm_shards_ran" "shard directories: $(ls "$tmp/slurm" 2>&1 | tr '\n' ' '); $(tail -n 5 "$tmp"/slurm/slurm/shard-*.out 2>&1)" "$ok"
        # The merge job ran after every shard had ended.
        after=$(find "$tmp/slurm/merged/meta.json" -newer "$tmp/slurm/shard-1/meta.json" \
                2>/dev/null | grep -c . || true)
        after2=$(find "$tmp/slurm/merged/meta.json" -newer "$tmp/slurm/shard-2/meta.json" \
                 2>/dev/null | grep -c . || true)
        check "slurm_merge_after_shards" "no merged/meta.json newer than both shards' ($(tail -n 5 "$tmp/slurm/slurm/merge.out" 2>&1))" \
            "$((after == 1 && after2 == 1))"
        same_run slurm "$tmp/slurm/merged"
    fi
    tests/bench/slurm_cluster.sh stop "$cluster" >"$tmp/stop.out" 2>&1 || true
    cluster=""
    left=$(pgrep -a -f "$tmp/slurm-cluster" || true)
    check "slurm_cluster_stopped" "still running: $left" "$([[ -z $left ]] && echo 1 || echo 0)"
fi
exit "$status"
