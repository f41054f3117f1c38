#!/usr/bin/env bash
# scripts/qemu.sh - the one place that knows how to start QEMU for this kernel.
#
# Exits with QEMU's own exit status (isa-debug-exit: 33 = kernel finished and
# everything passed, 35 = a self-test failed or the kernel panicked), or 124 if
# --timeout expired (QEMU is then terminated cleanly).
set -euo pipefail

prog=qemu.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
Usage: scripts/qemu.sh [options] [-- extra qemu args]

Boot the kernel under qemu-system-x86_64 and exit with QEMU's exit status
(33 = kernel finished and all passed, 35 = self-test failure or panic,
124 = --timeout expired, anything else = triple fault or crash).

Options:
  --kernel FILE     kernel ELF to boot (default: \$O/kernel.elf, O defaults to build)
  --smp N           number of vCPUs (default: 1)
  --mem SIZE        guest memory, QEMU syntax (default: 256M)
  --append STRING   kernel command line, e.g. "selftest=all" or "selftest=none fault=gp"
  --serial FILE     write the serial console to FILE (default: standard output;
                    QEMU never reads standard input, except with --interactive)
  --timeout SEC     stop QEMU after SEC seconds and exit 124 (default: no limit)
  --gdb             start paused with a gdb stub on localhost:1234 (-s -S)
  --interactive     serial console and QEMU monitor on this terminal
                    (-serial mon:stdio; press Ctrl-A X to quit, Ctrl-A C for the monitor)
  --accel MODE      kvm, tcg or auto (default: \$ACCEL, else auto: KVM if a probe
                    boot works under it and it is hardware virtualization,
                    otherwise multi-threaded TCG)
  --icount          deterministic mode: -icount shift=0,align=off,sleep=off,
                    forces single-threaded TCG (guest TSC counts instructions)
  --print-accel     only decide the accelerator for --kernel (probing if needed),
                    print "kvm" or "tcg" and exit
  --probe-kvm       only say whether KVM works at all for --kernel (a software
                    KVM included): print "kvm" or "tcg" and exit
  --dry-run         print the QEMU command line instead of running it
  -q, --quiet       do not print the accelerator / command summary on stderr
  -h, --help        show this help

Environment:
  ACCEL=kvm|tcg     override the accelerator choice (same as --accel)
  QEMU=PATH         QEMU binary (default: qemu-system-x86_64)
  O=DIR             build directory holding kernel.elf (default: build)

The KVM probe boots the kernel once with "-accel kvm -cpu host -smp 1
-append selftest=none" (20 s limit); it counts as working only if QEMU exits
with 33 and the serial output has "smp: 1 CPUs online". The result is cached
in <dir of the kernel>/accel, keyed by the kernel's checksum.
A KVM that is software virtualization (the kvm_pvm module) is not chosen
automatically: it runs this kernel slower than TCG, and its page-table and
TLB costs are not the hardware's. --accel kvm still uses it.
EOF
}

die() {
    echo "$prog: error: $*" >&2
    echo "$prog: try 'scripts/qemu.sh --help'" >&2
    exit 2
}
note() { [[ $quiet == 1 ]] || echo "$prog: $*" >&2; }

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"; }

kernel=""
smp=1
mem=256M
append=""
serial=""
timeout_s=0
gdb=0
interactive=0
accel=${ACCEL:-auto}
icount=0
accel_why=""
print_accel=0
probe_only=0
dry_run=0
quiet=0
extra=()
qemu=${QEMU:-qemu-system-x86_64}

while [[ $# -gt 0 ]]; do
    case $1 in
        --kernel) need_arg "$@"; kernel=$2; shift 2 ;;
        --kernel=*) kernel=${1#*=}; shift ;;
        --smp) need_arg "$@"; smp=$2; shift 2 ;;
        --smp=*) smp=${1#*=}; shift ;;
        --mem) need_arg "$@"; mem=$2; shift 2 ;;
        --mem=*) mem=${1#*=}; shift ;;
        --append) [[ $# -ge 2 ]] || die "option --append needs a value"; append=$2; shift 2 ;;
        --append=*) append=${1#*=}; shift ;;
        --serial) need_arg "$@"; serial=$2; shift 2 ;;
        --serial=*) serial=${1#*=}; shift ;;
        --timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
        --timeout=*) timeout_s=${1#*=}; shift ;;
        --gdb) gdb=1; shift ;;
        --interactive) interactive=1; shift ;;
        --accel) need_arg "$@"; accel=$2; shift 2 ;;
        --accel=*) accel=${1#*=}; shift ;;
        --icount) icount=1; shift ;;
        --print-accel) print_accel=1; shift ;;
        --probe-kvm) probe_only=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        -q|--quiet) quiet=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        *) die "unknown argument '$1'" ;;
    esac
done

# ---- validate -------------------------------------------------------------
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive integer, got '$smp'"
((smp <= 288)) || die "--smp $smp is more than QEMU's pc machine supports (288)"
[[ $mem =~ ^[1-9][0-9]*[KMGT]?$ ]] || die "--mem wants a size such as 256M or 1G, got '$mem'"
[[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, got '$timeout_s'"
case $accel in
    kvm|tcg|auto) ;;
    "") accel=auto ;;
    *) die "--accel (or ACCEL) must be kvm, tcg or auto, got '$accel'" ;;
esac
if ((icount)); then
    [[ $accel == kvm ]] && die "--icount needs TCG; it cannot be combined with --accel kvm / ACCEL=kvm"
    accel=tcg
    accel_why="forced by --icount"
fi
((gdb && interactive == 0 && timeout_s > 0)) && note "warning: --timeout with --gdb may stop QEMU while you debug"
[[ $serial != *,* ]] || die "--serial file name must not contain a comma (QEMU option syntax)"

if [[ -z $kernel ]]; then
    kernel=${O:-build}/kernel.elf
    [[ $kernel == /* ]] || kernel=$repo/$kernel
fi
if [[ ! -f $kernel ]]; then
    echo "$prog: error: kernel file '$kernel' not found (build it with 'make'$([[ -n ${O:-} ]] && echo " O=$O"))" >&2
    exit 2
fi
[[ -r $kernel ]] || die "kernel file '$kernel' is not readable"

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "$prog: error: '$qemu' not found; run scripts/deps.sh (Debian package qemu-system-x86)" >&2
    exit 2
fi

# ---- accelerator ----------------------------------------------------------
kvm_usable() { [[ -e /dev/kvm && -r /dev/kvm && -w /dev/kvm ]]; }

# Probe: a real boot under KVM. Prints nothing; returns 0 iff KVM works.
kvm_probe() {
    local log rc=0
    log=$(mktemp "${TMPDIR:-/tmp}/qemu-kvm-probe.XXXXXX")
    timeout -k 5 20 "$qemu" -kernel "$kernel" -m 256M -display none -no-reboot \
        -monitor none -net none -serial "file:$log" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -accel kvm -cpu host -smp 1 -append "selftest=none" \
        </dev/null >/dev/null 2>&1 || rc=$?
    if [[ $rc == 33 ]] && tr -d '\r' <"$log" | grep -q '^smp: 1 CPUs online'; then
        rm -f "$log"
        return 0
    fi
    probe_why="probe boot exited with status $rc"
    [[ $rc == 33 ]] && probe_why="probe boot did not print 'smp: 1 CPUs online'"
    rm -f "$log"
    return 1
}

probe_why=""
# Whether KVM boots this kernel: sets kvm_works (kvm or tcg) and kvm_why.
check_kvm() {
    if [[ ! -e /dev/kvm ]]; then
        kvm_works=tcg; kvm_why="no /dev/kvm"; return
    fi
    if ! kvm_usable; then
        kvm_works=tcg; kvm_why="/dev/kvm not accessible"; return
    fi
    local dir cache key line
    dir=$(dirname "$kernel")
    cache=$dir/accel
    key="$(sha256sum <"$kernel" | cut -d' ' -f1) $("$qemu" --version | head -n1 | tr -s ' ' '_')"
    # Serialise probes of the same build dir (parallel boots in scripts/test.sh).
    if [[ -w $dir ]]; then
        exec 9>>"$cache.lock"
        flock 9
        if [[ -f $cache ]] && line=$(head -n1 "$cache") && [[ ${line% *} == "$key" ]]; then
            kvm_works=${line##* }
            kvm_why="cached in ${cache#"$repo"/}"
        else
            if kvm_probe; then kvm_works=kvm; kvm_why="KVM probe boot succeeded"
            else kvm_works=tcg; kvm_why="KVM probe failed: $probe_why"; fi
            printf '%s %s\n' "$key" "$kvm_works" >"$cache"
        fi
        flock -u 9
        exec 9>&-
    else
        if kvm_probe; then kvm_works=kvm; kvm_why="KVM probe boot succeeded"
        else kvm_works=tcg; kvm_why="KVM probe failed: $probe_why"; fi
    fi
}

resolve_accel() {
    if [[ $accel != auto ]]; then
        : "${accel_why:=requested}"
        return
    fi
    check_kvm
    accel=$kvm_works
    accel_why=$kvm_why
    if [[ $accel == kvm && -d /sys/module/kvm_pvm ]]; then
        accel=tcg
        accel_why="KVM here is kvm_pvm, software virtualization slower than TCG; --accel kvm forces it"
    fi
}

if ((probe_only)); then
    check_kvm
    note "KVM: $kvm_works ($kvm_why)"
    echo "$kvm_works"
    exit 0
fi
resolve_accel
if ((print_accel)); then
    note "accelerator: $accel ($accel_why)"
    echo "$accel"
    exit 0
fi

# ---- command line ---------------------------------------------------------
cmd=("$qemu" -kernel "$kernel" -m "$mem" -smp "$smp"
     -display none -no-reboot -net none
     -device "isa-debug-exit,iobase=0xf4,iosize=4")

if ((icount)); then
    cmd+=(-accel "tcg,thread=single" -cpu max -icount "shift=0,align=off,sleep=off")
    accel_desc="tcg (icount, deterministic)"
elif [[ $accel == kvm ]]; then
    kvm_usable || die "--accel kvm requested but /dev/kvm is missing or not accessible"
    # +invtsc: the host TSC is constant-rate; without it the guest is
    # never told so (the kernel reports whether CPUID says invariant).
    cmd+=(-accel kvm -cpu host,+invtsc)
    accel_desc="kvm"
else
    cmd+=(-accel "tcg,thread=multi" -cpu max)
    accel_desc="tcg (multi-threaded)"
fi

if ((interactive)); then
    [[ -n $serial ]] && die "--interactive and --serial cannot be combined"
    cmd+=(-serial mon:stdio)
else
    if [[ -z $serial || $serial == - ]]; then
        cmd+=(-serial stdio)
    else
        mkdir -p "$(dirname "$serial")"
        cmd+=(-serial "file:$serial")
    fi
    cmd+=(-monitor none)
fi
[[ -n $append ]] && cmd+=(-append "$append")
((gdb)) && cmd+=(-s -S)
cmd+=("${extra[@]}")

note "accelerator: $accel_desc${accel_why:+ ($accel_why)}"
((gdb)) && note "waiting for gdb on localhost:1234 (in another terminal: gdb -x scripts/gdbinit)"
((interactive)) && note "serial console on this terminal; Ctrl-A X quits QEMU, Ctrl-A C toggles the monitor"

if ((dry_run)); then
    printf '%q ' "${cmd[@]}"
    echo
    exit 0
fi

# QEMU reads standard input only as the console of --interactive. Otherwise
# it gets none: with -serial stdio it would consume its caller's input (the
# rest of a pipe, or the lines a loop around this script reads).
((interactive)) || exec </dev/null

if ((timeout_s == 0)); then
    exec "${cmd[@]}"
fi

# With a time limit: run QEMU under timeout(1) in the background and wait, so
# that a signal to this script (Ctrl-C, or a parent killing it) is passed on to
# QEMU instead of leaving it running. --foreground keeps QEMU in our process
# group, so Ctrl-C on a terminal reaches it directly as well. <&0 passes on
# the standard input chosen above (a background job would get /dev/null).
timeout --foreground -k 10 "$timeout_s" "${cmd[@]}" <&0 &
tpid=$!
got_sig=0
interrupted=0
trap 'got_sig=1; interrupted=1; kill -TERM "$tpid" 2>/dev/null || true' INT TERM HUP
while :; do
    got_sig=0
    rc=0
    wait "$tpid" || rc=$?
    ((got_sig)) || break
done
trap - INT TERM HUP
if ((interrupted)); then
    note "interrupted, stopped QEMU"
    exit 130
fi
if [[ $rc == 124 || $rc == 137 ]]; then
    note "timeout: QEMU still running after ${timeout_s} s, stopped it"
    exit 124
fi
exit "$rc"
