#!/usr/bin/env bash
# tests/host/typecheck.sh - mypy over the repository's Python, with the
# strict settings and the list of files of mypy.ini at the top of the tree.
#
# Prints one line, "host: mypy ... ok", or "host: mypy ... FAIL: N errors
# (first: FILE:LINE: message)" with mypy's whole output on stderr; exits 0
# only when mypy found nothing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

usage() {
    cat <<EOF
Usage: tests/host/typecheck.sh [PATH...]

Type-check with mypy and the configuration mypy.ini at the repository's
top: the files it lists, or the PATHs given instead (files or directories,
relative to the repository's top). Exit status: 0 when mypy finds nothing,
1 otherwise.
EOF
}

case ${1:-} in
    -h|--help) usage; exit 0 ;;
esac

fail() { echo "host: mypy ... FAIL: $1"; exit 1; }

command -v mypy >/dev/null 2>&1 || fail "mypy not installed (scripts/deps.sh installs it)"

cd "$repo"
rc=0
out=$(mypy --config-file mypy.ini "$@" 2>&1) || rc=$?
if ((rc == 0)); then
    echo "host: mypy ... ok"
    exit 0
fi
errors=$(grep -E '^[^:]+:[0-9]+: error: ' <<<"$out" || true)
if [[ -z $errors ]]; then
    # Not a type error: a bad setting, a file that is not there, a crash.
    echo "host: mypy ... FAIL: mypy exited with status $rc: $(tail -n 1 <<<"$out")"
else
    n=$(wc -l <<<"$errors")
    first=$(head -n 1 <<<"$errors" | sed -E 's/^([^:]+:[0-9]+): error: /\1: /')
    echo "host: mypy ... FAIL: $n error$( ((n == 1)) || echo s) (first: $first)"
fi
echo "$out" >&2
exit 1
