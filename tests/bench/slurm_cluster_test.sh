#!/usr/bin/env bash
# tests/bench/slurm_cluster_test.sh - the throwaway Slurm cluster of
# tests/bench/slurm_cluster.sh, for real: start it, run an array job of 3
# one-core tasks and a job that depends on the array (afterany), as
# ./run_bench.sh --slurm submits its shards and their merge, check what they
# wrote and when, stop it, and check that none of its daemons is left; then
# once more on the same STATE_DIR, to show that it can be reused.
#
# Prints one line per check, "bench: <name> ... ok" or
# "bench: <name> ... FAIL: <reason>", a few "bench: info:" lines (what each
# task saw of its CPUs, how long things took), and exits 0 only if all
# passed. Must run as root (as slurm_cluster.sh must).
set -euo pipefail

prog=slurm_cluster_test.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cluster=$repo/tests/bench/slurm_cluster.sh
job_timeout=90      # seconds for the jobs of one round to finish
task_sleep=2        # seconds each array task runs: long enough to overlap

usage() {
    cat <<EOF
Usage: tests/bench/$prog

Starts the single-node cluster of tests/bench/slurm_cluster.sh in a
temporary directory, submits
  sbatch --parsable --array=1-3 --cpus-per-task=1 task.sh
whose tasks write their \$SLURM_ARRAY_TASK_ID, nproc, CPU affinity
(taskset -pc) and start/end times, and
  sbatch --parsable --dependency=afterany:<array id> merge.sh
which lists what the tasks wrote; waits for both (squeue, up to
${job_timeout} s), checks the outputs, that the merge started after every task
ended, that each task was confined to one core (task/affinity), that two
tasks ran side by side on different cores (select/cons_tres with CR_Core;
on a machine with 2 or more cores), and that the cluster's job completion
log says all of them COMPLETED with exit code 0; stops the cluster and
checks that no munged, slurmctld, slurmd or slurmstepd of it remains. Then
starts it again in the same directory, runs one job and stops it; and the
same in a directory under a 0700 one. The
cluster is stopped and the directory removed on any exit, Ctrl-C included.

Output: one line per check, "bench: <name> ... ok" or "... FAIL: <reason>".
Exit status: 0 if every check passed, 1 otherwise, 2 for usage errors.
EOF
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
[[ $(id -u) == 0 ]] || { echo "$prog: error: must run as root (slurmd runs jobs as their user)" >&2; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"     # munged wants every directory above its socket searchable
state=$tmp/cluster
out=$tmp/out
mkdir -p "$out"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    "$cluster" stop "$tmp/cluster" >/dev/null 2>&1 || true
    "$cluster" stop "$tmp/private/cluster" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT TERM

status=0
check() { # name reason ok
    if [[ $3 == 1 ]]; then echo "bench: $1 ... ok"; else echo "bench: $1 ... FAIL: $2"; status=1; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Pids of the daemons (and job steps) of this test's cluster: their command
# lines name STATE_DIR, or (slurmstepd) their environment does.
cluster_pids() {
    local p
    pgrep -f -- "$state/" || true
    for p in $(pgrep -x slurmstepd || true); do
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$state/slurm.conf" && echo "$p"
    done
    return 0
}

# start ROUND: start the cluster, export its SLURM_CONF; 0 if it came up.
start_cluster() {
    local t0 t1 envline rc=0
    t0=$(now)
    envline=$("$cluster" start "$state" 2>"$tmp/start$1.err") || rc=$?
    t1=$(now)
    check "slurm_start_$1" "slurm_cluster.sh start exited with $rc: $(tail -n 30 "$tmp/start$1.err")" "$((rc == 0))"
    ((rc == 0)) || return 1
    check "slurm_env_line_$1" "start printed '$envline'" \
        "$([[ $envline == "export SLURM_CONF=$state/slurm.conf" ]] && echo 1 || echo 0)"
    eval "$envline"
    echo "bench: info: round $1: start took $(elapsed "$t0" "$t1") s"
    return 0
}

# stop ROUND: stop it, check that nothing of it remains.
stop_cluster() {
    local t0 t1 rc=0 before left
    before=$(cluster_pids | sort -u | paste -sd ' ')
    t0=$(now)
    "$cluster" stop "$state" 2>"$tmp/stop$1.err" || rc=$?
    t1=$(now)
    check "slurm_stop_$1" "slurm_cluster.sh stop exited with $rc: $(cat "$tmp/stop$1.err")" "$((rc == 0))"
    echo "bench: info: round $1: stop took $(elapsed "$t0" "$t1") s (it stopped pids ${before:-none})"
    left=$(cluster_pids | sort -u | paste -sd ' ')
    local desc=""
    if [[ -n $left ]]; then
        # shellcheck disable=SC2086 # one pid each
        desc=$(ps -o pid=,comm= -p ${left// /,} 2>/dev/null | tr '\n' ';')
    fi
    check "slurm_nothing_left_$1" "still running: $desc" "$([[ -z $left ]] && echo 1 || echo 0)"
    rc=0
    "$cluster" stop "$state" 2>"$tmp/stop$1b.err" || rc=$?
    check "slurm_stop_again_$1" "a second stop exited with $rc: $(cat "$tmp/stop$1b.err")" "$((rc == 0))"
}

# wait_jobs ID...: until squeue lists none of them; 0 if they all left in time.
wait_jobs() {
    local ids t0=$SECONDS
    ids=$(IFS=,; echo "$*")
    while ((SECONDS - t0 < job_timeout)); do
        [[ -z $(squeue -h -j "$ids" -o %i 2>/dev/null) ]] && return 0
        sleep 0.2
    done
    return 1
}

# field FILE KEY: the value of KEY=value in FILE.
field() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }

# --- round 1: the array and its merge --------------------------------------

cat >"$tmp/task.sh" <<EOF
#!/bin/bash
# One shard: what it was given, and when it ran.
f=$out/task-\$SLURM_ARRAY_TASK_ID
{
    echo "task=\$SLURM_ARRAY_TASK_ID"
    echo "start=\$(date +%s.%N)"
    echo "nproc=\$(nproc)"
    echo "affinity=\$(taskset -pc \$\$ | sed 's/.*: //')"
    sleep $task_sleep
    echo "end=\$(date +%s.%N)"
} >"\$f.tmp"
mv "\$f.tmp" "\$f"
EOF
cat >"$tmp/merge.sh" <<EOF
#!/bin/bash
# The merge: runs once the array is over, lists what its tasks wrote.
{
    echo "start=\$(date +%s.%N)"
    for f in $out/task-*; do echo "== \$f"; cat "\$f"; done
} >"$out/merged.tmp"
mv "$out/merged.tmp" "$out/merged"
EOF

if start_cluster 1; then
    t0=$(now)
    array_id=$(sbatch --parsable --array=1-3 --cpus-per-task=1 --job-name=shard \
        --output="$out/slurm-%A_%a.out" "$tmp/task.sh" 2>"$tmp/sbatch.err") || array_id=""
    array_id=${array_id%%;*}
    check "slurm_sbatch_array" "sbatch --array failed: $(cat "$tmp/sbatch.err")" \
        "$([[ $array_id =~ ^[0-9]+$ ]] && echo 1 || echo 0)"
    merge_id=""
    if [[ -n $array_id ]]; then
        merge_id=$(sbatch --parsable --dependency="afterany:$array_id" --job-name=merge \
            --output="$out/slurm-merge.out" "$tmp/merge.sh" 2>"$tmp/sbatch.err") || merge_id=""
        merge_id=${merge_id%%;*}
    fi
    check "slurm_sbatch_dependency" "sbatch --dependency failed: $(cat "$tmp/sbatch.err")" \
        "$([[ $merge_id =~ ^[0-9]+$ ]] && echo 1 || echo 0)"
    if [[ -n $array_id && -n $merge_id ]]; then
        ok=0
        wait_jobs "$array_id" "$merge_id" && ok=1
        t1=$(now)
        check "slurm_jobs_finished" "still queued after ${job_timeout} s: $(squeue -h 2>&1 | tr '\n' ';')" "$ok"
        echo "bench: info: round 1: array and merge took $(elapsed "$t0" "$t1") s from the first sbatch until squeue was empty"

        missing=() latest_end=0
        for i in 1 2 3; do
            f=$out/task-$i
            if [[ ! -s $f ]]; then missing+=("$i"); continue; fi
            echo "bench: info: task $i saw nproc=$(field "$f" nproc) affinity=$(field "$f" affinity)"
            latest_end=$(awk -v a="$latest_end" -v b="$(field "$f" end)" 'BEGIN { print (b > a) ? b : a }')
        done
        check "slurm_array_outputs" "no output from task(s) ${missing[*]} ($(cat "$out"/slurm-*.out 2>/dev/null | tail -n 5 | tr '\n' ';'))" \
            "$((${#missing[@]} == 0))"

        # task/affinity: each task on exactly one core, and nproc says so.
        bad=""
        for i in 1 2 3; do
            f=$out/task-$i
            [[ -s $f ]] || continue
            [[ $(field "$f" nproc) == 1 && $(field "$f" affinity) =~ ^[0-9]+$ ]] ||
                bad+="task $i: nproc=$(field "$f" nproc) affinity=$(field "$f" affinity); "
        done
        check "slurm_task_confined_to_one_core" "$bad" "$([[ -z $bad && ${#missing[@]} == 0 ]] && echo 1 || echo 0)"

        # cons_tres with CR_Core: two 1-core tasks run at once, on two cores.
        if (($(nproc) >= 2)); then
            pair=""
            for a in 1 2 3; do
                for b in 1 2 3; do
                    ((a < b)) || continue
                    fa=$out/task-$a fb=$out/task-$b
                    [[ -s $fa && -s $fb ]] || continue
                    if awk -v s1="$(field "$fa" start)" -v e1="$(field "$fa" end)" \
                        -v s2="$(field "$fb" start)" -v e2="$(field "$fb" end)" \
                        'BEGIN { exit !(s1 < e2 && s2 < e1) }' &&
                        [[ $(field "$fa" affinity) != "$(field "$fb" affinity)" ]]; then
                        pair="tasks $a and $b (cores $(field "$fa" affinity) and $(field "$fb" affinity))"
                    fi
                done
            done
            check "slurm_tasks_side_by_side" "no two tasks ran at the same time on different cores" \
                "$([[ -n $pair ]] && echo 1 || echo 0)"
            [[ -z $pair ]] || echo "bench: info: side by side: $pair"
        else
            echo "bench: slurm_tasks_side_by_side ... ok (skipped: 1 core)"
        fi

        f=$out/merged
        ok=0
        [[ -s $f ]] && (($(grep -c '^task=' "$f") == 3)) && ok=1
        check "slurm_merge_listed_tasks" "merge wrote $(grep -c '^task=' "$f" 2>/dev/null || echo no) task records ($(tail -n 5 "$out/slurm-merge.out" 2>/dev/null | tr '\n' ';'))" "$ok"
        ok=0
        merge_start=$(field "$f" start)
        [[ -n $merge_start ]] && awk -v m="$merge_start" -v e="$latest_end" 'BEGIN { exit !(m >= e) }' && ok=1
        check "slurm_merge_after_array" "merge started at ${merge_start:-never}, the last task ended at $latest_end" "$ok"
        [[ -z $merge_start ]] ||
            echo "bench: info: merge started $(elapsed "$latest_end" "$merge_start") s after the last task ended"

        # The job completion log: one line per job, array tasks included.
        comp=$state/log/jobcomp.log
        n_ok=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' "$comp" 2>/dev/null || true)
        check "slurm_jobs_completed" "jobcomp.log has ${n_ok:-0} of 4 COMPLETED jobs with exit code 0: $(tr '\n' ';' <"$comp" 2>/dev/null | cut -c1-400)" \
            "$((${n_ok:-0} == 4))"
    fi
    stop_cluster 1
fi

# --- rounds 2 and 3: one job each ------------------------------------------

# one_job ROUND: start, one job, stop.
one_job() {
    start_cluster "$1" || return 0
    local id ok=0
    id=$(sbatch --parsable --output="$out/again-$1.out" --wrap 'echo again' 2>"$tmp/sbatch.err") || id=""
    id=${id%%;*}
    [[ $id =~ ^[0-9]+$ ]] && wait_jobs "$id" && [[ $(cat "$out/again-$1.out" 2>/dev/null) == again ]] && ok=1
    check "slurm_one_job_$1" "job '${id}' wrote '$(cat "$out/again-$1.out" 2>/dev/null)' ($(cat "$tmp/sbatch.err"))" "$ok"
    # A fresh cluster each start: job ids start at 1, no old jobs came back.
    check "slurm_fresh_state_$1" "its first job got id $id, not 1" "$([[ $id == 1 ]] && echo 1 || echo 0)"
    stop_cluster "$1"
}

# Round 2: the same STATE_DIR again.
one_job 2
# Round 3: a STATE_DIR under a directory only root can search, as one from
# mktemp -d is (munged then needs --force).
mkdir -m 700 "$tmp/private"
state=$tmp/private/cluster
one_job 3
grep -q 'munged runs with --force' "$tmp/start3.err" && ok=1 || ok=0
check "slurm_private_parent_noted" "start did not say that munged runs with --force: $(cat "$tmp/start3.err")" "$ok"

exit "$status"
