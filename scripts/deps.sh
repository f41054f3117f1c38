#!/usr/bin/env bash
# scripts/deps.sh - make sure the Debian packages and build tools are there.
#
# Fast and silent when everything is installed. As root it installs what is
# missing with apt-get; otherwise it names the packages and the command to run.
set -euo pipefail

prog=deps.sh

usage() {
    cat <<EOF
Usage: scripts/deps.sh [--bench] [--check] [-h|--help]

Check that the packages this project needs are installed, and install the
missing ones with apt-get when run as root.

  (always)   qemu-system-x86, python3 and python3-matplotlib (the results
             tools and their tests), mypy (their type check in make test),
             valgrind and libjemalloc-dev (make test's checks of the
             callgrind counts and of the user-space peers), musl-tools
             (musl-gcc -static builds the unmodified programs of
             user/musl/ that the kernel embeds), GNU parallel (make
             test runs a sweep's shards through it), and the build
             tools: a C compiler (gcc or clang), make and ld (packages gcc,
             make, binutils)
  --bench    also hwloc, python3-numpy (for ./run_bench.sh), and the
             other peer allocators, libmimalloc-dev and
             libgoogle-perftools-dev (for make bench-host-callgrind)
  --check    only report what is missing; never install (exit 1 if anything is)
  -h, --help show this help

Exit status: 0 when everything is there (or was installed), 1 otherwise.
EOF
}

bench=0
check_only=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --bench) bench=1 ;;
        --check) check_only=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

packages=(qemu-system-x86 python3 python3-matplotlib mypy valgrind libjemalloc-dev musl-tools
          parallel)
((bench)) && packages+=(hwloc python3-numpy libmimalloc-dev libgoogle-perftools-dev)

missing=()

# Build tools are checked by command, so that a toolchain installed some other
# way counts; the packages named are what Debian would install for them.
have() { command -v "$1" >/dev/null 2>&1; }
tools_missing=()
if ! have gcc && ! have clang && ! have "${CC:-cc}"; then
    tools_missing+=("C compiler (gcc or clang)"); missing+=(gcc)
fi
have make || { tools_missing+=(make); missing+=(make); }
have ld || { tools_missing+=("ld (binutils)"); missing+=(binutils); }

if have dpkg-query; then
    for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$p")
    done
else
    # Not Debian: we cannot query packages, so check the commands instead.
    have qemu-system-x86_64 || missing+=(qemu-system-x86)
    have python3 || missing+=(python3)
    have mypy || missing+=(mypy)
    have valgrind || missing+=(valgrind)
    have musl-gcc || missing+=(musl-tools)
    have parallel || missing+=(parallel)
    if ((bench)); then
        have hwloc-bind || missing+=(hwloc)
    fi
    if ((${#missing[@]})); then
        echo "$prog: error: missing: ${missing[*]} (no dpkg here: install them with your package manager)" >&2
        exit 1
    fi
    exit 0
fi

((${#missing[@]} == 0)) && exit 0

if ((${#tools_missing[@]})); then
    echo "$prog: build tools missing: ${tools_missing[*]}" >&2
fi
cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ((check_only)); then
    echo "$prog: missing Debian packages: ${missing[*]}" >&2
    echo "$prog: install them with: $cmd" >&2
    exit 1
fi
if [[ $(id -u) != 0 ]]; then
    echo "$prog: error: missing Debian packages: ${missing[*]}" >&2
    echo "$prog: run as root:  $cmd" >&2
    echo "$prog: (or:  sudo sh -c '$cmd')" >&2
    exit 1
fi

echo "$prog: installing ${missing[*]} ..." >&2
log=$(mktemp "${TMPDIR:-/tmp}/deps.XXXXXX")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q >"$log" 2>&1; then
    cat "$log" >&2
    echo "$prog: error: 'apt-get update' failed (output above)" >&2
    exit 1
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    echo "$prog: error: 'apt-get install ${missing[*]}' failed (output above)" >&2
    exit 1
fi
# apt-get can exit 0 and still leave something out; check again.
still=()
for p in "${missing[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || still+=("$p")
done
if ((${#still[@]})); then
    cat "$log" >&2
    echo "$prog: error: still not installed after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "$prog: installed ${missing[*]}" >&2
