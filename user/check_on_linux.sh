#!/usr/bin/env bash
# user/check_on_linux.sh - prove that what the user programs expect is what
# Linux does: build every user/<prog>.c with this machine's compilers as a
# static Linux executable (the same sources, the same crt0 and library as
# the testbed kernel embeds) and run it here, on Linux.
#
# A program passes if it exits 0, or, when it announced a fault (its output
# has an "expect fault:" line, from expect_fault()), if it dies by SIGSEGV
# (status 139), or by SIGBUS (135) when it announced that signal
# ("expect signal: SIGBUS", from expect_signal()). The multi-threaded programs (test_mt_*) run with 2, 4 and
# 8 threads, test_random with three seeds. Needs no root.
set -euo pipefail

prog=check_on_linux.sh

usage() {
    cat <<EOF
Usage: user/check_on_linux.sh [--cc CC]... [--out DIR] [-v] [-h|--help]

Build each user program with each compiler as a static Linux executable
and run it on this machine: programs must exit 0, or die by SIGSEGV where
they announce a fault (SIGBUS where they announce that signal).

  --cc CC     compiler to use (repeatable; default: gcc and clang)
  --out DIR   build directory (default: a temporary one, removed at the end)
  -v          print the output of every run, not only of failed ones
  -h, --help  show this help

Exit status: 0 if every build and run passed, 1 otherwise, 2 on bad usage.
EOF
}

ccs=()
out=
verbose=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --cc) [[ $# -ge 2 ]] || { echo "$prog: error: --cc needs a value" >&2; exit 2; }
              ccs+=("$2"); shift ;;
        --out) [[ $# -ge 2 ]] || { echo "$prog: error: --out needs a value" >&2; exit 2; }
               out=$2; shift ;;
        -v) verbose=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ ${#ccs[@]} -gt 0 ]] || ccs=(gcc clang)

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z $out ]]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

# The kernel's user-program flags (USER_CFLAGS, USER_LDFLAGS in the
# Makefile), -no-pie for gcc only: clang links -static without PIE and
# warns that it has no use for it.
cflags=(-std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pie -fno-stack-protector
        -fno-asynchronous-unwind-tables
        -I"$root/user/include" -I"$root/kernel/include/uapi" -I"$root/mm/include"
        -iquote "$root/kernel/include")
ldflags=(-static -nostdlib -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none)

# build CC OUT SRC...: compile each source, link them into OUT.
build() {
    local cc=$1 bin=$2 objs=() src obj
    shift 2
    for src in "$@"; do
        obj=$bin.$(basename "$src").o
        "$cc" "${cflags[@]}" -c -o "$obj" "$src" || return 1
        objs+=("$obj")
    done
    "$cc" "${ldflags[@]}" $("$cc" --version | grep -q clang || echo -no-pie) \
        -o "$bin" "${objs[@]}"
}

ulimit -c 0
failures=0
runs=0
cases=0

# run CC NAME BIN [ARG]: one run, judged by its output and exit status.
run() {
    local cc=$1 name=$2 bin=$3 arg=${4:-} log status want
    log=$out/$cc/$name${arg:+.$arg}.log
    set +e
    # The group's 2>/dev/null silences bash's "Segmentation fault" report.
    { timeout 300 "$bin" ${arg:+"$arg"} > "$log" 2>&1; } 2>/dev/null
    status=$?
    set -e
    want=0
    grep -q '^expect fault:' "$log" && want=139
    grep -q '^expect signal: SIGBUS' "$log" && want=135
    runs=$((runs + 1))
    cases=$((cases + $(sed -n 's/^\([0-9]*\) cases, [0-9]* failed$/\1/p' "$log" | head -1 | grep . || echo 0)))
    if [[ $status -eq $want ]]; then
        echo "ok    $cc $name${arg:+ $arg} (exit $status)"
        [[ $verbose -eq 0 ]] || sed 's/^/      /' "$log"
    else
        echo "FAIL  $cc $name${arg:+ $arg}: exit $status, expected $want"
        sed 's/^/      /' "$log"
        failures=$((failures + 1))
    fi
}

for cc in "${ccs[@]}"; do
    mkdir -p "$out/$cc"
    for src in "$root"/user/*.c; do
        name=$(basename "$src" .c)
        bin=$out/$cc/$name
        if ! build "$cc" "$bin" "$src" "$root"/user/lib/*.c "$root"/user/lib/*.S \
                "$root"/kernel/lib/format.c "$root"/kernel/lib/errno_name.c; then
            echo "FAIL  $cc $name: build"
            failures=$((failures + 1))
            continue
        fi
        case $name in
            test_mt_*) for n in 2 4 8; do run "$cc" "$name" "$bin" "$n"; done ;;
            test_random) for seed in 1 2 3; do run "$cc" "$name" "$bin" "$seed"; done ;;
            *) run "$cc" "$name" "$bin" ;;
        esac
    done
done

echo "$prog: $runs runs (${ccs[*]}), $cases cases run, $failures failed"
[[ $failures -eq 0 ]]
