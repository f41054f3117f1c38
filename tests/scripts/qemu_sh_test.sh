#!/usr/bin/env bash
# tests/scripts/qemu_sh_test.sh - scripts/qemu.sh leaves its caller's
# standard input alone: a short boot with the serial console on standard
# output (-serial stdio, where QEMU would read input for the guest) runs
# between a here-string and a cat that must still get the line, with and
# without --timeout (QEMU in the background, or exec'd).
# Prints "scripts: <check> ... ok" or "... FAIL: <why>" lines, exits 0 only
# if all passed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel=${TEST_KERNEL:-$repo/build/kernel.elf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
check() { # name why ok
    if [[ $3 == 1 ]]; then echo "scripts: $1 ... ok"; else echo "scripts: $1 ... FAIL: $2"; status=1; fi
}

for mode in timeout exec; do
    args=(-q --accel tcg --kernel "$kernel" --append selftest=none)
    [[ $mode == exec ]] || args+=(--timeout 60)
    got=$( { rc=0; "$repo/scripts/qemu.sh" "${args[@]}" >"$tmp/$mode.log" 2>&1 || rc=$?
             echo "$rc" >"$tmp/$mode.rc"; cat; } <<<"line")
    rc=$(cat "$tmp/$mode.rc")
    check "qemu_sh_boot_$mode" "QEMU exited with status $rc, not 33" "$((rc == 33))"
    ((rc == 33)) || tail -n 20 "$tmp/$mode.log" >&2
    check "qemu_sh_keeps_stdin_$mode" "after the boot the caller read '${got//$'\n'/ }', not 'line'" \
        "$([[ $got == line ]] && echo 1 || echo 0)"
done
exit "$status"
