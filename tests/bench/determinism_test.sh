#!/usr/bin/env bash
# tests/bench/determinism_test.sh - two deterministic (icount) boots of the
# same kernel running the same benchmark suites must write the same dump,
# cycle for cycle: that is what ./run_bench.sh --deterministic promises.
# Prints "bench: <check> ... ok" or "... FAIL: <why>" lines, exits 0 only if
# all passed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel=${TEST_KERNEL:-$repo/build/kernel.elf}
# calib.work runs in every timing mode: the sampled calls must be the same too.
append="bench=calib.work,slab.pair,frame.repeat,shootdown.unmap bench_cpus=1,2 bench_quick=1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
check() { # name condition-text ok
    if [[ $3 == 1 ]]; then echo "bench: $1 ... ok"; else echo "bench: $1 ... FAIL: $2"; status=1; fi
}

for i in 1 2; do
    rc=0
    "$repo/scripts/qemu.sh" -q --kernel "$kernel" --icount --smp 2 --mem 512M \
        --append "$append" --serial "$tmp/run$i.log" --timeout 300 </dev/null || rc=$?
    check "deterministic_boot_$i" "QEMU exited with $rc, not 33 (log: see below)" "$((rc == 33))"
    if ((rc != 33)); then tail -n 20 "$tmp/run$i.log" >&2; fi
    tr -d '\r' <"$tmp/run$i.log" | grep '^BENCH ' >"$tmp/dump$i" || true
done

n=$(wc -l <"$tmp/dump1")
check "deterministic_dump_written" "only $n BENCH lines in the first dump" "$((n > 20))"
if cmp -s "$tmp/dump1" "$tmp/dump2"; then
    check "deterministic_identical_cycles" "" 1
else
    first=$(diff "$tmp/dump1" "$tmp/dump2" | sed -n '2p' | cut -c1-160)
    check "deterministic_identical_cycles" "the two dumps differ, first at: $first" 0
fi
exit "$status"
