#!/usr/bin/env bash
# tests/bench/hosted_sanitizer_test.sh - the harness and every portable
# suite of the hosted target under AddressSanitizer and UBSan, in every
# timing mode, at 1 and 2 CPUs and at more than the default scale (a
# suite's arrays must follow bench_scale): a harness bug that the kernel
# would survive silently fails here. Then the results parser must accept
# the dump.
# Prints "bench: <check> ... ok" or "... FAIL: <why>" lines, exits 0 only
# if all passed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${O:-$repo/build}
[[ $build == /* ]] || build=$repo/$build
out=$build/bench-hosted-asan
python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
check() { # name why ok
    if [[ $3 == 1 ]]; then echo "bench: $1 ... ok"; else echo "bench: $1 ... FAIL: $2"; status=1; fi
}

rc=0
make -C "$repo" --no-print-directory O="$out" \
    BENCH_HOSTED_SAN="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all" \
    bench-hosted >"$tmp/make.log" 2>&1 || rc=$?
check "hosted_asan_build" "make bench-hosted with sanitizers failed: $(tail -n 3 "$tmp/make.log" | tr '\n' ' ')" \
    "$((rc == 0))"
((rc == 0)) || exit 1

rc=0
"$out/bench-hosted/bench-hosted" --mem 256 bench=all bench_cpus=1,2 bench_scale=150 \
    bench_modes=each,sample,batch >"$tmp/dump.log" 2>"$tmp/err.log" </dev/null || rc=$?
check "hosted_asan_run" "exit status $rc: $(head -n 5 "$tmp/err.log" | tr '\n' ' ')" "$((rc == 0))"

# The harness's own refusal (the kernel's parser is the same code).
rc=0
"$out/bench-hosted/bench-hosted" bench=all,calib.empty >"$tmp/all.log" 2>&1 </dev/null || rc=$?
ok=0
((rc == 1)) && grep -q 'bench=all stands alone' "$tmp/all.log" && ok=1
check "hosted_bench_all_stands_alone" "exit status $rc: $(tr '\n' ' ' <"$tmp/all.log")" "$ok"

# The parser's checks only: the plots are the pipeline test's business.
rc=0
PYTHONPATH=$repo/bench/host "$python" -B -c \
    'import sys; from benchtools import benchlog; benchlog.parse_log(sys.argv[1])' \
    "$tmp/dump.log" >"$tmp/parse.log" 2>&1 || rc=$?
check "hosted_asan_dump_accepted" "bench/host/benchtools/benchlog.py: $(tail -n 1 "$tmp/parse.log")" \
    "$((rc == 0))"
exit "$status"
