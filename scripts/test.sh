#!/usr/bin/env bash
# scripts/test.sh - every test of the project; what `make test` runs.
#
# Expects make to have built DIR/kernel.elf, DIR/hosted/runner-asan and
# DIR/hosted/runner-tsan. Prints one line per test (PASS name / FAIL name: why /
# SKIP name: why) and, as its very last line, "N passed, M failed".
set -euo pipefail

prog=test.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qemu_sh=$repo/scripts/qemu.sh

usage() {
    cat <<EOF
Usage: scripts/test.sh [--build DIR] [--quick] [--variant DIR]... [options]

Runs the hosted unit tests (ASan and TSan runners), the results tools' tests
(tests/host) and boots the kernel under QEMU: self-tests at -smp 1, 2, 4, 8
and 16 and with 6 GiB of RAM, deliberate faults (page fault,
general-protection fault, invalid opcode, panic, page fault on CPU 1), the
APIC modes, command lines the kernel must refuse with a plain error, and a
program under overcommit=2. Boots run in parallel, at most --jobs QEMUs at once.

  --build DIR      build directory (default: \$O, else build); needs DIR/kernel.elf
                   and the hosted runners listed in DIR/hosted/runners.list
  --quick          fewer boots: self-tests at -smp 1 and 4 only, faults pagefault
                   and panic only, APIC xapic only
  --variant DIR[:N,...]
                   also boot DIR/kernel.elf (another build variant) with the
                   self-tests at -smp 4, or at the CPU counts listed; may be
                   given several times
  --jobs N         at most N things at once (default: host cores, \$(nproc))
  --timeout SEC    time limit of one self-test boot (default: 120; short
                   boots get half of it, boots with N vCPUs on C host cores
                   N/C times it)
  --accel MODE     kvm or tcg for the main boots (default: \$ACCEL, else tcg, the
                   reference platform). When KVM works (probed as scripts/qemu.sh
                   does), x2APIC and xAPIC boots and a self-test boot at
                   -smp <host cores> also run under KVM.
  -h, --help       show this help

Logs: DIR/test-logs/<test>.log (serial output plus QEMU's messages). On a
failure the last 40 lines of the log are printed.
Exit status: 0 only if at least one test passed and none failed.
EOF
}

die() { echo "$prog: error: $*" >&2; exit 2; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value (try --help)"; }

build=${O:-build}
quick=0
variants=()
jobs=$(nproc 2>/dev/null || echo 2)
boot_timeout=120
accel=${ACCEL:-}

while [[ $# -gt 0 ]]; do
    case $1 in
        --build) need_arg "$@"; build=$2; shift 2 ;;
        --build=*) build=${1#*=}; shift ;;
        --quick) quick=1; shift ;;
        --variant) need_arg "$@"; variants+=("$2"); shift 2 ;;
        --variant=*) variants+=("${1#*=}"); shift ;;
        --jobs|-j) need_arg "$@"; jobs=$2; shift 2 ;;
        --jobs=*) jobs=${1#*=}; shift ;;
        --timeout) need_arg "$@"; boot_timeout=$2; shift 2 ;;
        --timeout=*) boot_timeout=${1#*=}; shift ;;
        --accel) need_arg "$@"; accel=$2; shift 2 ;;
        --accel=*) accel=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive integer, got '$jobs'"
[[ $boot_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$boot_timeout'"
case $accel in kvm|tcg|"") ;; *) die "--accel (or ACCEL) must be kvm or tcg, got '$accel'" ;; esac
[[ $build == /* ]] || build=$repo/$build
[[ -d $build ]] || die "build directory '$build' does not exist (run make first)"
short_timeout=$(( boot_timeout / 2 > 20 ? boot_timeout / 2 : 20 ))

logs=$build/test-logs
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/*.rc

# ---- results ----------------------------------------------------------------
npass=0
nfail=0
nskip=0
pass() { npass=$((npass + 1)); echo "PASS $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $1: $2"; }
skip() { nskip=$((nskip + 1)); echo "SKIP $1: $2"; }

# Print the end of a log, indented so that none of its lines can be taken for
# this script's own result lines.
show_tail() {
    local log=$1
    echo "  --- last 40 lines of ${log#"$repo"/} ---"
    if [[ -s $log ]]; then
        tail -n 40 "$log" | tr -d '\r' | sed 's/^/  | /'
    else
        echo "  | (empty)"
    fi
}

join_why() { local out="" w; for w in "$@"; do out+="${out:+; }$w"; done; echo "$out"; }

# Why a QEMU exit status is not the expected one.
describe_status() {
    local rc=$1 secs=$2
    case $rc in
        33) echo "QEMU exited with status 33 (kernel reported success)" ;;
        35) echo "QEMU exited with status 35 (self-test failure or panic)" ;;
        124) echo "timed out after ${secs} s (QEMU stopped)" ;;
        2) echo "scripts/qemu.sh could not start QEMU (status 2)" ;;
        *) echo "QEMU exited with status $rc: triple fault or crash?" ;;
    esac
}

# ---- jobs ---------------------------------------------------------------------
# Each job runs in the background with its output in $logs/<id>.log and its
# exit status written to $logs/<id>.rc when it ends.
job_id=()
job_kind=()    # hosted | selftest | fault | apic | refuse | user
job_arg=()     # hosted: asan|tsan; selftest: prefix; fault: fault kind; apic: mode;
               # refuse: the error line expected
               # user: the lines expected, one extended regex per line
job_kernel=()
job_smp=()
job_append=()
job_timeout=()
job_accel=()
job_mem=()
job_pid=()
job_start=()

add_job() { # id kind arg kernel smp append timeout accel [mem]
    job_id+=("$1"); job_kind+=("$2"); job_arg+=("$3"); job_kernel+=("$4")
    job_smp+=("$5"); job_append+=("$6"); job_timeout+=("$7"); job_accel+=("${8:-}")
    job_mem+=("${9:-256M}")
}

# Run a command with its output in a log, then record its status. A TERM to
# this (background) subshell stops the command as well.
run_logged() {
    local rcfile=$1 log=$2 rc=0
    shift 2
    killable "$@" >"$log" 2>&1 </dev/null || rc=$?
    echo "$rc" >"$rcfile"
}

# Run a command in the background and wait for it, passing a TERM on to it.
killable() {
    local c rc=0
    "$@" &
    c=$!
    trap 'kill -TERM "$c" 2>/dev/null; exit 143' TERM
    wait "$c" || rc=$?
    trap - TERM
    return "$rc"
}

# The hosted runner, under timeout(1); TSan on some kernels needs ASLR off.
# A data race must fail the run, not just print a warning.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}

run_hosted() { # kind runner seconds log
    local kind=$1 runner=$2 secs=$3 log=$4 rc=0
    killable timeout -k 10 "$secs" "$runner" || rc=$?
    if [[ $kind == tsan* && $rc != 0 ]] && grep -q 'unexpected memory mapping' "$log" 2>/dev/null \
        && command -v setarch >/dev/null; then
        echo "test.sh: retrying $runner with ASLR disabled (setarch -R)"
        rc=0
        killable timeout -k 10 "$secs" setarch "$(uname -m)" -R "$runner" || rc=$?
    fi
    return "$rc"
}

# Split "<prefix><name> ... <result>" into $tname and $tresult; false if the
# line is not of that form.
split_test_line() { # line prefix
    local rest=${1#"$2"}
    [[ $1 == "$2"* && $rest == *" ..."* ]] || return 1
    tname=${rest%%" ..."*}
    tresult=${rest#*" ..."}
    tresult=${tresult# }
    [[ -n $tname ]]
}
tname=""
tresult=""

start_job() {
    local i=$1 id=${job_id[$1]} log rcfile
    log=$logs/$id.log
    rcfile=$logs/$id.rc
    job_start[i]=$SECONDS
    if [[ ${job_kind[i]} == hosted ]]; then
        run_logged "$rcfile" "$log" run_hosted "${job_arg[i]}" "${job_kernel[i]}" \
            "${job_timeout[i]}" "$log" &
    else
        run_logged "$rcfile" "$log" "$qemu_sh" --kernel "${job_kernel[i]}" --accel "${job_accel[i]}" \
            --smp "${job_smp[i]}" --mem "${job_mem[i]}" --append "${job_append[i]}" \
            --timeout "${job_timeout[i]}" &
    fi
    job_pid[i]=$!
}

# ---- checks -------------------------------------------------------------------
# All checks read a copy of the log without carriage returns.
clean_log() { tr -d '\r' <"$1"; }

check_hosted() { # i rc
    local i=$1 rc=$2 kind=${job_arg[$1]} log=$logs/${job_id[$1]}.log
    local line name result ntests=0 nbad=0 ok=1 san prefix="hosted: "
    case $kind in
        host-tools) prefix="host: " ;;
        bench-*) prefix="bench: " ;;
        scripts-*) prefix="scripts: " ;;
    esac
    while IFS= read -r line; do
        if split_test_line "$line" "$prefix"; then
            name=$tname
            result=$tresult
            ntests=$((ntests + 1))
            if [[ $result == ok ]]; then
                pass "$kind/$name"
            else
                result=${result#FAIL}; result=${result#:}; result=${result# }
                fail "$kind/$name" "${result:-no result (runner stopped during this test?)}"
                nbad=$((nbad + 1)); ok=0
            fi
        fi
    done < <(clean_log "$log")
    san=$(grep -m1 -E 'ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$log" || true)
    if [[ -n $san ]]; then
        fail "$kind/sanitizer" "$san"; ok=0
    fi
    if [[ $rc != 0 && $nbad == 0 && -z $san ]]; then
        if [[ $rc == 124 ]]; then
            fail "$kind/runner" "timed out after ${job_timeout[i]} s"
        else
            local last
            last=$(sed -n 's/^hosted: start //p' "$log" | tail -n 1)
            fail "$kind/runner" "exited with status $rc${last:+ (last test started: $last)}"
        fi
        ok=0
    elif ((ntests == 0 && ok)); then
        fail "$kind/runner" "printed no '$prefix<name> ... ok' line"; ok=0
    fi
    ((ok)) || show_tail "$log"
}

# A boot with selftest=all: one test per self-test line, plus "<prefix>/boot".
check_selftest() { # i rc
    local i=$1 rc=$2 prefix=${job_arg[$1]} smp=${job_smp[$1]} log=$logs/${job_id[$1]}.log
    local line name result nok=0 nbad=0 last_started="" summary="" why=() t text sp sf
    t=$((SECONDS - job_start[i]))
    text=$(clean_log "$log")
    while IFS= read -r line; do
        if [[ $line =~ ^selftest:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
            summary="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
        elif split_test_line "$line" "selftest: "; then
            name=$tname
            result=$tresult
            if [[ $result == ok ]]; then
                pass "$prefix/$name"; nok=$((nok + 1))
            elif [[ $result == FAIL* ]]; then
                result=${result#FAIL}; result=${result#:}; result=${result# }
                fail "$prefix/$name" "${result:-FAIL}"; nbad=$((nbad + 1))
            else
                # Started but no result on its line: the boot ended (or hung)
                # while it ran, or something else printed into the line.
                last_started=$name
                if [[ -z $result ]]; then
                    fail "$prefix/$name" "did not finish (no result on its line)"
                else
                    fail "$prefix/$name" "did not finish (its line goes on: '$result')"
                fi
                nbad=$((nbad + 1))
            fi
        fi
    done <<<"$text"

    [[ $rc == 33 ]] || why+=("$(describe_status "$rc" "${job_timeout[i]}")")
    [[ -n $last_started && $rc != 33 ]] && why+=("stopped during self-test '$last_started'")
    if ! grep -q "^smp: $smp CPUs online" <<<"$text"; then
        line=$(grep -m1 '^smp: ' <<<"$text" || true)
        if [[ -n $line ]]; then why+=("expected 'smp: $smp CPUs online', got '$line'")
        else why+=("no 'smp: $smp CPUs online' line"); fi
    fi
    ((nok > 0)) || why+=("no 'selftest: <name> ... ok' line")
    ((nbad == 0)) && grep -q 'FAIL' <<<"$text" && why+=("output contains FAIL")
    line=$(grep -m1 'PANIC' <<<"$text" || true)
    [[ -n $line ]] && why+=("kernel panicked: $line")
    if [[ -z $summary ]]; then
        why+=("no 'selftest: N passed, M failed' summary line")
    else
        read -r sp sf <<<"$summary"
        ((sf == 0)) || why+=("summary says $sf failed")
        ((sp == nok)) || why+=("summary says $sp passed but $nok 'ok' lines were printed")
    fi
    if ((${#why[@]} == 0 && nbad == 0)); then
        pass "$prefix/boot (${t} s)"
    else
        ((${#why[@]})) || why+=("a self-test failed")
        fail "$prefix/boot" "$(join_why "${why[@]}")"
        show_tail "$log"
    fi
    # The accelerator the kernel sees should be the one we chose (checked
    # once per accelerator).
    if [[ $prefix == smp1 || $prefix == kvm/* ]]; then
        local want=${job_accel[i]}
        line=$(grep -m1 '^accel: ' <<<"$text" || true)
        if [[ $line == "accel: $want" ]]; then pass "accel ($want)"
        elif [[ -z $line ]]; then fail "accel ($want)" "no 'accel: ...' line in ${log#"$repo"/}"
        else fail "accel ($want)" "QEMU ran with $want but the kernel printed '$line'"; fi
    fi
}

check_fault() { # i rc
    local i=$1 rc=$2 kind=${job_arg[$1]} smp=${job_smp[$1]} name="fault/${job_id[$1]#fault-}"
    local log=$logs/${job_id[$1]}.log text pline why=() want="" cpu=0
    text=$(clean_log "$log")
    [[ ${job_append[i]} =~ fault_cpu=([0-9]+) ]] && cpu=${BASH_REMATCH[1]}
    case $rc in
        35) ;;
        33) why+=("QEMU exited with status 33 (success): fault=$kind did not panic the kernel") ;;
        *) why+=("$(describe_status "$rc" "${job_timeout[i]}") (expected 35)") ;;
    esac
    grep -q "^smp: $smp CPUs online" <<<"$text" || why+=("no 'smp: $smp CPUs online' line before the fault")
    pline=$(grep -v '^PANIC: end of report' <<<"$text" | grep -m1 '^PANIC: ' || true)
    case $kind in
        pagefault) want='#PF|page fault' ;;
        gp) want='#GP|general protection' ;;
        ud) want='#UD|invalid opcode' ;;
        doublefault) want='#DF|double fault' ;;
        stackoverflow) want='#DF|double fault' ;;
        panic) want='' ;;
    esac
    if [[ -z $pline ]]; then
        why+=("no 'PANIC: ' line")
    else
        if [[ -n $want ]] && ! grep -qiE "$want" <<<"$pline"; then
            why+=("PANIC line does not name the exception ($want): '$pline'")
        fi
        if [[ $cpu != 0 ]] && ! grep -qE "cpu $cpu([^0-9]|$)" <<<"$pline"; then
            why+=("PANIC line does not say 'cpu $cpu': '$pline'")
        fi
    fi
    if [[ -z $pline ]]; then
        fail "$name" "$(join_why "${why[@]}")"
        show_tail "$log"
        return
    fi
    if [[ $kind == pagefault || $kind == gp ]]; then
        grep -qi 'error code' <<<"$text" || why+=("no 'error code' line")
    fi
    if [[ $kind == stackoverflow ]]; then
        grep -q 'kernel stack overflow' <<<"$text" || why+=("no 'kernel stack overflow' note: did the guard page catch it?")
    fi
    if [[ $kind == pagefault ]]; then
        grep -qE 'cr2=0x[0-9a-fA-F]+ \([a-z -]+\)' <<<"$text" \
            || why+=("no decoded 'cr2=0x... (not-present write kernel)' line")
    fi
    # An exception has a trap frame to dump; an explicit panic() need not.
    if [[ $kind != panic ]]; then
        grep -qiE '(^|[^a-z])rax' <<<"$text" || why+=("no register dump (no rax)")
    fi
    if ! grep -q '^backtrace:' <<<"$text"; then
        why+=("no 'backtrace:' line")
    elif ! sed -n '/^backtrace:/,/^PANIC: end of report/p' <<<"$text" | sed '1d;/^PANIC: end of report/d' | grep -q .; then
        why+=("no frame lines after 'backtrace:'")
    fi
    grep -q '^PANIC: end of report' <<<"$text" || why+=("no 'PANIC: end of report' line")
    if ((${#why[@]} == 0)); then
        pass "$name"
    else
        fail "$name" "$(join_why "${why[@]}")"
        show_tail "$log"
    fi
}

check_apic() { # i rc
    local i=$1 rc=$2 mode=${job_arg[$1]} smp=${job_smp[$1]} log=$logs/${job_id[$1]}.log
    local text line why=()
    text=$(clean_log "$log")
    [[ $rc == 33 ]] || why+=("$(describe_status "$rc" "${job_timeout[i]}")")
    grep -q "^smp: $smp CPUs online" <<<"$text" || why+=("no 'smp: $smp CPUs online' line")
    line=$(grep -m1 '^apic: ' <<<"$text" || true)
    if [[ -z $line ]]; then why+=("no 'apic: ...' line")
    elif [[ $line != "apic: $mode" ]]; then why+=("expected 'apic: $mode', got '$line'"); fi
    if ((${#why[@]} == 0)); then
        pass "apic/$mode (${job_accel[i]})"
    else
        fail "apic/$mode (${job_accel[i]})" "$(join_why "${why[@]}")"
        show_tail "$log"
    fi
}

# A command line the kernel must refuse: the failure status, the error line
# that says why, and no panic report (a user's mistake is not a crash).
check_refuse() { # i rc
    local i=$1 rc=$2 want=${job_arg[$1]} name="cmdline/${job_id[$1]#cmdline-}"
    local log=$logs/${job_id[$1]}.log text why=()
    text=$(clean_log "$log")
    case $rc in
        35) ;;
        33) why+=("QEMU exited with status 33 (success): the command line was accepted") ;;
        *) why+=("$(describe_status "$rc" "${job_timeout[i]}") (expected 35)") ;;
    esac
    grep -qxF -- "$want" <<<"$text" || why+=("no line '$want'")
    grep -qE '^(PANIC|backtrace:)' <<<"$text" && why+=("a panic report instead of a plain error")
    if ((${#why[@]} == 0)); then
        pass "$name"
    else
        fail "$name" "$(join_why "${why[@]}")"
        show_tail "$log"
    fi
}

# A user= boot under a command-line setting: success, and every line the
# job expects (the setting's own, the program's verdict).
check_user() { # i rc
    local i=$1 rc=$2 name="user/${job_id[$1]#user-}" log=$logs/${job_id[$1]}.log
    local text re why=()
    text=$(clean_log "$log")
    [[ $rc == 33 ]] || why+=("$(describe_status "$rc" "${job_timeout[i]}")")
    while IFS= read -r re; do
        grep -qE -- "$re" <<<"$text" || why+=("no line matching '$re'")
    done <<<"${job_arg[i]}"
    if ((${#why[@]} == 0)); then
        pass "$name"
    else
        fail "$name" "$(join_why "${why[@]}")"
        show_tail "$log"
    fi
}

check_job() { # i
    local i=$1 rc
    rc=$(cat "$logs/${job_id[$1]}.rc" 2>/dev/null || echo 255)
    [[ $rc =~ ^[0-9]+$ ]] || rc=255
    case ${job_kind[i]} in
        hosted) check_hosted "$i" "$rc" ;;
        selftest) check_selftest "$i" "$rc" ;;
        fault) check_fault "$i" "$rc" ;;
        apic) check_apic "$i" "$rc" ;;
        refuse) check_refuse "$i" "$rc" ;;
        user) check_user "$i" "$rc" ;;
    esac
}

# ---- plan ---------------------------------------------------------------------
# The main boots run under one accelerator (TCG unless told otherwise: it is
# the documented reference platform, and its timing does not depend on a
# host hypervisor). KVM, where it works, adds the boots that only it can do
# (x2APIC) at no more vCPUs than host cores.
kernel=$build/kernel.elf
export TEST_KERNEL=$kernel O=$build # for the scripts run as jobs (tests/bench, tests/scripts)
boots_ok=1
kvm_ok=0
kvm_note=""
[[ -n $accel ]] || accel=tcg
if [[ ! -f $kernel ]]; then
    boots_ok=0
elif probed=$("$qemu_sh" --probe-kvm --kernel "$kernel" 2>"$logs/accel.log") && [[ $probed == kvm ]]; then
    kvm_ok=1
else
    kvm_note=" (KVM not usable here: $(tail -n 1 "$logs/accel.log" 2>/dev/null | sed 's/^qemu.sh: //'))"
fi
echo "$prog: testing ${build#"$repo"/}/ under $accel$( ((kvm_ok)) && echo ", plus KVM boots")$kvm_note," \
     "$jobs at a time; logs in ${logs#"$repo"/}/"

# The hosted build lists its runners (one per sanitizer flavour and variant
# combination) in runners.list. Longest (TSan) first, so that the slots stay
# busy to the end.
runners_list=$build/hosted/runners.list
if [[ ! -s $runners_list ]]; then
    fail "hosted/runners" "${runners_list#"$repo"/} is missing or empty (run make first)"
else
    while IFS= read -r runner; do
        [[ -n $runner ]] || continue
        [[ $runner == /* ]] || runner=$repo/$runner
        kind=$(basename "$runner"); kind=${kind#runner-}
        if [[ -x $runner ]]; then
            add_job "hosted-$kind" hosted "$kind" "$runner" 0 "" 600
        else
            fail "$kind/runner" "not built: ${runner#"$repo"/} is missing (run make first)"
        fi
    done < <(grep tsan "$runners_list"; grep -v tsan "$runners_list")
fi

# The results tools (bench/host/, Python): parser, tables, plots, pinning.
add_job host-tools hosted host-tools "$repo/tests/host/run_tests.py" 0 "" 300

if ((boots_ok)); then
    # Two icount boots of the same benchmark suites: identical dumps.
    add_job bench-determinism hosted bench-determinism "$repo/tests/bench/determinism_test.sh" \
        0 "" 700
    # The hosted target's harness and suites under ASan and UBSan (it builds
    # into $build/bench-hosted-asan).
    add_job bench-hosted-asan hosted bench-hosted-asan \
        "$repo/tests/bench/hosted_sanitizer_test.sh" 0 "" 600
    # ./run_bench.sh --quick end to end (it builds two variants in
    # $build/bench-variants/; pipeline_test.sh takes the build root from O).
    add_job bench-pipeline hosted bench-pipeline "$repo/tests/bench/pipeline_test.sh" 0 "" 900
    # scripts/qemu.sh leaves its caller's standard input unread.
    add_job scripts-qemu-sh hosted scripts-qemu-sh "$repo/tests/scripts/qemu_sh_test.sh" 0 "" 120
fi

if ((boots_ok == 0)); then
    fail "kernel" "${kernel#"$repo"/} not found (run make first)"
fi

if ((boots_ok)); then
    host_cpus=$(nproc 2>/dev/null || echo 2)
    # A boot's limit grows with how far its vCPUs (and those of the boot
    # running beside it) outnumber the host's cores: every shootdown of the
    # multi-threaded user tests waits until each target vCPU thread is
    # scheduled, and the sync baseline sends one round per page.
    # (Unloaded on 2 cores, the sync boot at 4 CPUs takes 23 s, and 120 s
    # did not suffice with another 4-CPU boot beside it.)
    boot_limit() { # smp -> boot_timeout times max(1, smp / host cores)
        local over=$(( $1 / host_cpus ))
        echo $(( boot_timeout * (over > 1 ? over : 1) ))
    }
    if ((quick)); then smps=(4 1); else smps=(16 8 4 2 1); fi
    for n in "${smps[@]}"; do
        add_job "smp$n" selftest "smp$n" "$kernel" "$n" "selftest=all" "$(boot_limit "$n")" "$accel"
    done
    # RAM above 4 GiB: beyond the boot tables, mapped and handed over later.
    ((quick)) || add_job "mem6g-smp2" selftest "mem6g/smp2" "$kernel" 2 "selftest=all" \
        "$boot_timeout" "$accel" 6G
    if ((kvm_ok)) && [[ $accel != kvm ]]; then
        # Twice the time: where /dev/kvm is a software one (kvm_pvm), every
        # IPI and page-table switch traps, and this boot takes ~70 s unloaded.
        # Without the user programs: there every ring transition costs
        # ~150 us (they took 4 of this boot's 5 minutes); the TCG boots run
        # them, and the other user_* tests still cross the rings here.
        add_job "kvm-smp$host_cpus" selftest "kvm/smp$host_cpus" "$kernel" "$host_cpus" \
            "selftest=all,-user_programs" "$((2 * boot_timeout))" kvm
    fi
    for v in "${variants[@]}"; do
        vsmps=4
        if [[ $v == *:* ]]; then
            vsmps=${v##*:}
            v=${v%:*}
        fi
        [[ $vsmps =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--variant $v: bad CPU list '$vsmps'"
        [[ $v == /* ]] || v=$repo/$v
        vname=$(basename "$v")
        if [[ ! -f $v/kernel.elf ]]; then
            fail "$vname/kernel" "${v#"$repo"/}/kernel.elf not found (build it with make O=${v#"$repo"/})"
            continue
        fi
        for n in ${vsmps//,/ }; do
            add_job "$vname-smp$n" selftest "$vname/smp$n" "$v/kernel.elf" "$n" "selftest=all" \
                "$(boot_limit "$n")" "$accel"
        done
    done
    if ((quick)); then faults=(pagefault panic); else faults=(pagefault gp ud doublefault stackoverflow panic); fi
    for f in "${faults[@]}"; do
        add_job "fault-$f" fault "$f" "$kernel" 2 "selftest=none fault=$f" "$short_timeout" "$accel"
    done
    if ((!quick)); then
        add_job "fault-pagefault-cpu1" fault pagefault "$kernel" 2 \
            "selftest=none fault=pagefault fault_cpu=1" "$short_timeout" "$accel"
    fi
    add_job "apic-xapic" apic xapic "$kernel" 2 "selftest=none apic=xapic" "$short_timeout" "$accel"
    if ((kvm_ok)); then
        add_job "apic-x2apic-kvm" apic x2apic "$kernel" 2 "selftest=none" "$short_timeout" kvm
        [[ $accel == kvm ]] || add_job "apic-xapic-kvm" apic xapic "$kernel" 2 \
            "selftest=none apic=xapic" "$short_timeout" kvm
    else
        skip "apic/x2apic" "needs KVM (TCG offers no x2APIC)$kvm_note"
    fi
    # Command lines that would be misread: each ends the boot early.
    refuse() { # name append line
        add_job "cmdline-$1" refuse "$3" "$kernel" 1 "$2" "$short_timeout" "$accel"
    }
    long="selftest=all$(printf ',all%.0s' {1..130})" # 532 bytes, well formed
    refuse too-long "$long" "cmdline: longer than 511 bytes, the most the kernel takes"
    refuse apic "selftest=none apic=nosuch" "cmdline: apic=nosuch: expected apic=xapic or apic=x2apic"
    refuse repeat "selftest=none apic=xapic selftest=all" "cmdline: selftest given more than once"
    for k in bench_cpus=1 bench_scale=50; do
        refuse "${k%=*}" "selftest=none $k" "cmdline: ${k%=*}= needs bench= (alone it would be ignored)"
    done
    refuse fault_cpu "selftest=none fault_cpu=1" "cmdline: fault_cpu= needs fault= (alone it would be ignored)"
    refuse user-bench "user=test_mmap bench=all" \
        "cmdline: bench= and user= cannot be combined (a boot runs the benchmarks or one program)"
    refuse overcommit "selftest=none overcommit=3" \
        "cmdline: overcommit= takes 0 (guess), 1 (always) or 2 (never)"
    refuse overcommit_ratio "selftest=none overcommit_ratio=80" \
        "cmdline: overcommit_ratio= takes a percentage of RAM up to 10000, with overcommit=2 (the only mode that uses it)"
    # overcommit=2 from the command line: mmap refuses at the limit, and
    # the program that writes all it was given is never killed.
    add_job "user-overcommit2" user $'^commit: overcommit=2 ratio=25 ram=[0-9]+ pages limit=[0-9]+ pages$\n^user: overcommit_fill exited with status 0 ' \
        "$kernel" 2 "user=overcommit_fill overcommit=2 overcommit_ratio=25" "$short_timeout" "$accel"
fi

# ---- run ----------------------------------------------------------------------
running=()
cleanup() {
    local i
    for i in "${running[@]}"; do
        kill -TERM "${job_pid[i]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap 'echo "$prog: interrupted, stopping QEMU" >&2; cleanup; exit 130' INT TERM HUP

njobs=${#job_id[@]}
t0=$SECONDS
next=0
while ((next < njobs || ${#running[@]} > 0)); do
    while ((next < njobs && ${#running[@]} < jobs)); do
        start_job "$next"
        running+=("$next")
        next=$((next + 1))
    done
    sleep 0.2
    still=()
    for i in "${running[@]}"; do
        if [[ -f $logs/${job_id[i]}.rc ]]; then
            wait "${job_pid[i]}" 2>/dev/null || true
            check_job "$i"
        else
            still+=("$i")
        fi
    done
    running=("${still[@]}")
done
trap - INT TERM HUP

if ((njobs > 0)); then
    msg="$prog: done in $((SECONDS - t0)) s"
    ((nskip == 0)) || msg+=", $nskip skipped"
    echo "$msg"
fi
echo "$npass passed, $nfail failed"
((nfail == 0 && npass > 0))
