#!/usr/bin/env bash
# run_bench.sh - the main job: build the kernel and run it on every host core.
#
# For now it boots the kernel with its self-tests on as many vCPUs as the host
# has cores and keeps the serial log in results/<run-id>/. The benchmark
# harness (results tables, plots) grows from here: options are parsed in
# parse_args, the work is done in main.
set -euo pipefail

prog=run_bench.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    cat <<EOF
Usage: ./run_bench.sh [options]

Installs what is missing (scripts/deps.sh --bench; apt-get when root), builds
the kernel (make), boots it under QEMU with all self-tests (selftest=all) on one
vCPU per host core, shows the serial output and exits with the boot's status
(0 if the kernel reported success). The serial log is kept in
results/<run-id>/ and results/latest points at the newest run.
(The benchmark harness, with summary.csv and plots, is still to come.)

Options:
  --smp N          vCPUs (default: host cores, \$(nproc) = $(nproc 2>/dev/null || echo '?'));
                   more than the host has is allowed but warned about
  --mem SIZE       guest memory (default: 256M)
  --accel MODE     kvm or tcg (default: \$ACCEL, else KVM if it works, else TCG)
  --deterministic  run under -icount shift=0,align=off,sleep=off (single-threaded
                   TCG; guest TSC counts instructions)
  --timeout SEC    stop the boot after SEC seconds (default: 600)
  --build DIR      build directory (default: \$O, else build); make O=DIR is used
  --no-build       do not run make; use the kernel already in the build directory
  --no-deps        do not run scripts/deps.sh
  -h, --help       show this help

Exit status: 0 if the kernel finished and everything passed (QEMU status 33),
1 otherwise.
EOF
}

die() { echo "$prog: error: $*" >&2; echo "$prog: try './run_bench.sh --help'" >&2; exit 2; }
note() { echo "$prog: $*" >&2; }

host_cores=$(nproc 2>/dev/null || echo 1)

# ---- options (all of them, in one place) ----------------------------------
opt_smp=$host_cores
opt_mem=256M
opt_accel=${ACCEL:-}
opt_deterministic=0
opt_timeout=600
opt_build=${O:-build}
opt_make=1
opt_deps=1

parse_args() {
    local smp_given=0
    need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"; }
    while [[ $# -gt 0 ]]; do
        case $1 in
            --smp) need_arg "$@"; opt_smp=$2; smp_given=1; shift 2 ;;
            --smp=*) opt_smp=${1#*=}; smp_given=1; shift ;;
            --mem) need_arg "$@"; opt_mem=$2; shift 2 ;;
            --mem=*) opt_mem=${1#*=}; shift ;;
            --accel) need_arg "$@"; opt_accel=$2; shift 2 ;;
            --accel=*) opt_accel=${1#*=}; shift ;;
            --deterministic) opt_deterministic=1; shift ;;
            --timeout) need_arg "$@"; opt_timeout=$2; shift 2 ;;
            --timeout=*) opt_timeout=${1#*=}; shift ;;
            --build) need_arg "$@"; opt_build=$2; shift 2 ;;
            --build=*) opt_build=${1#*=}; shift ;;
            --no-build) opt_make=0; shift ;;
            --no-deps) opt_deps=0; shift ;;
            -h|--help) usage; exit 0 ;;
            *) die "unknown argument '$1'" ;;
        esac
    done
    [[ $opt_smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive integer, got '$opt_smp'"
    [[ $opt_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$opt_timeout'"
    case $opt_accel in kvm|tcg|"") ;; *) die "--accel must be kvm or tcg, got '$opt_accel'" ;; esac
    if ((opt_deterministic)) && [[ $opt_accel == kvm ]]; then
        die "--deterministic runs under TCG (icount); it cannot be combined with --accel kvm"
    fi
    if ((smp_given && opt_smp > host_cores)); then
        note "warning: --smp $opt_smp is more than the $host_cores host cores:" \
             "vCPUs will share cores and timings will be distorted"
    fi
}

describe_status() {
    case $1 in
        33) echo "kernel finished, everything passed (QEMU status 33)" ;;
        35) echo "a self-test failed or the kernel panicked (QEMU status 35)" ;;
        124) echo "timed out after $opt_timeout s (QEMU stopped)" ;;
        *) echo "QEMU exited with status $1: triple fault or crash?" ;;
    esac
}

main() {
    parse_args "$@"
    cd "$repo"

    if ((opt_deps)); then
        scripts/deps.sh --bench
    fi

    local build=$opt_build
    if ((opt_make)); then
        if [[ $build == build ]]; then
            make
        else
            make O="$build"
        fi
    fi
    local kernel=$build/kernel.elf
    [[ -f $kernel ]] || die "$kernel not found (build it with make${opt_build:+ O=$opt_build})"

    local run_id run_dir log
    run_id=$(date +%Y%m%d-%H%M%S)
    if rev=$(git rev-parse --short HEAD 2>/dev/null); then run_id+="-$rev"; fi
    run_dir=results/$run_id
    mkdir -p "$run_dir"
    ln -sfn "$run_id" results/latest
    log=$run_dir/boot-smp$opt_smp.log

    local qargs=(--kernel "$kernel" --smp "$opt_smp" --mem "$opt_mem"
                 --append "selftest=all" --timeout "$opt_timeout")
    [[ -n $opt_accel ]] && qargs+=(--accel "$opt_accel")
    ((opt_deterministic)) && qargs+=(--icount)

    note "booting $kernel on $opt_smp vCPUs ($host_cores host cores), log: $log"
    local rc
    set +e
    scripts/qemu.sh "${qargs[@]}" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    note "$(describe_status "$rc")"
    note "serial log: $log"
    [[ $rc == 33 ]]
}

main "$@"
