#!/usr/bin/env bash
# run_bench.sh - the main job: build every allocator variant, boot each one
# into the kernel's benchmark harness on the host's cores, and turn the
# serial dumps into results/<run-id>/ (summary.csv, histograms.csv,
# meta.json, report.md, the logs) and plots/<run-id>/.
#
# Options are parsed in parse_args; main runs the steps in order: check,
# plan, build, boot each cell of the plan one after the other, process. A
# run only ever creates a new run directory: nothing already in results/ is
# replaced.
#
# The plan is the run matrix, one cell per boot (repeat, target, variant,
# vCPUs, memory, in that order), computed from the options alone. --plan
# prints it; --shard I/N runs the I-th of N contiguous slices of it into its
# own directory, and meta.json records the whole plan, the shard and the
# host, so that bench.py merge can put shards from any hosts back together
# and name the cells that never came back; --slurm writes (and submits) a
# Slurm array job of shards and a merge job after it.
set -euo pipefail

prog=run_bench.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's interpreter, the one with python3-matplotlib; the first python3 on
# PATH may be another one without it (DESIGN.md).
python=/usr/bin/python3
qemu=${QEMU:-qemu-system-x86_64}      # as scripts/qemu.sh
host_cores=$(nproc 2>/dev/null || echo 1)   # the CPUs this run may use (resolve_cpus)
run_cpus=()           # their OS numbers, one per core: where vCPU i is pinned
max_vcpus=255         # QEMU's pc machine with xAPIC ids (kernel/include/kernel/config.h)
# The portable suites (every target) and the kernel's own (bench/suites*.c).
suites_file=bench/suites.c
kernel_suites_file=bench/suites_kernel.c
# The variant table (its header says the format), as the Makefile and
# bench/host/benchtools/variants.py read it; exported, so that make and
# bench.py read the same one.
export VARIANTS_TABLE=${VARIANTS_TABLE:-$repo/variants.txt}
[[ $VARIANTS_TABLE == /* ]] || VARIANTS_TABLE=$PWD/$VARIANTS_TABLE
variant_mechanisms=()   # frame slab shootdown: the parts of a variant's name
declare -A variant_sets=()  # mechanism -> its variants, in table order
default_variants=()     # the design, then each mechanism's honest baseline
rival_variants=()       # the design, then each rival of a mechanism that has one

usage() {
    cat <<EOF
Usage: ./run_bench.sh [options]

Installs what is missing (scripts/deps.sh --bench), builds each variant into
BUILD/bench-variants/<variant>/, boots them one after the other under QEMU
with the benchmark suites (one vCPU per host core, each vCPU pinned to its
own core), K times over with the variants interleaved (--repeat), and
processes the serial dumps with bench/host/bench.py:

  results/<run-id>/   summary.csv (with 95% confidence intervals over the
                      repeats, and each series' scaling efficiency against
                      the platform's ceiling from the calib.* suites),
                      histograms.csv, repeats.csv, meta.json, report.md and
                      logs/<variant>[-smpN][-hosted][-rK].log (the raw dumps)
  plots/<run-id>/     the PNG plots
  results/latest, plots/latest   point at the newest run

It shows which variant and suite is running, prints the platform's scaling
ceiling and the results table at the end, and never replaces or deletes an
existing run directory.

Options:
  --variants LIST  comma-separated variants $(variant_form), with
                   $(variant_sets_text)
                   (default, the design and each mechanism's baseline:
                   $(wrap_words "${default_variants[@]}"))
  --rivals         instead of --variants: race the design against the
                   strongest published rival of each mechanism that has one
                   (role rival in the table), that is the design and, per
                   such mechanism, the design with that part replaced by its
                   rival; report.md compares them (here:
                   $(rivals_text))
  --smp LIST       comma-separated vCPU counts; each variant is booted once per
                   count, and the logs are named logs/<variant>-smp<N>.log
                   (default: one boot on as many vCPUs as host cores, here
                   $host_cores). More vCPUs than host cores is allowed, but warned
                   about and not pinned
  --suites LIST    comma-separated suites and families to run (a family is
                   the part of the names before the dot: vm is every vm.*),
                   or one of default (every suite but the published
                   workloads: the default), workloads (calib.* and the
                   published workloads: will-it-scale's mm
                   tests, wis.*, and the classic allocator benchmarks,
                   alloc.*; bench/README.md names their origins) or all;
                   known:
                   $(wrap_words "$(known_suites_text)")
                   A boot of N vCPUs runs each suite at 1, 2, 4, ... CPUs (powers
                   of two below N) and at N CPUs. The calib.* suites measure the
                   platform itself; without them there is no scaling ceiling.
  --repeat K       boot every variant K times, interleaved (variant A, B, C, then
                   A, B, C again ...), so that drift of the host spreads over all
                   of them; summary.csv gets 95% confidence intervals (bootstrap
                   over the repeats) and the comparisons say where a difference
                   is not significant (default: $default_repeat)
  --target LIST    qemu (the kernel under QEMU, the default), hosted (the
                   portable suites, calib.*, frame.*, slab.* and alloc.*, as a
                   Linux program over the hosted build of mm/, one thread pinned to
                   each host core, at 1, 2, 4 ... threads up to the host's
                   cores), or qemu,hosted (both, side by side in the report).
                   Variants that differ only in the shootdown run once hosted.
  --modes LIST     timing modes of the suites: sample (time a random 1 in 64
                   operations, the default), each (time every operation), batch
                   (time batches of 256 operations: throughput only); the
                   calib.* suites always run in all three
  --quick          smaller operation counts (bench_quick=1): for tests, not for
                   results
  --accel MODE     kvm or tcg (default: \$ACCEL, else KVM if a probe boot works
                   under it and it is hardware virtualization, else
                   multi-threaded TCG; scripts/qemu.sh decides once for the
                   whole run)
  --deterministic  run under -icount shift=0,align=off,sleep=off: single-threaded
                   TCG where guest cycles count guest instructions, so two runs
                   of one build give identical cycle figures (for per-operation
                   cost, never for scaling); vCPUs are not pinned
  --mem LIST       guest memory, QEMU syntax; a comma-separated list boots each
                   variant at every size (logs <variant>[-smpN]-mem<SIZE>...,
                   and the size becomes the series parameter mem_mib)
                   (default: 512M)
  --cores LIST     the host CPUs (OS numbers, one per core) this run may use:
                   vCPU i is pinned to the i-th, and the hosted target runs
                   on them (default: the first CPU of each core this process
                   may run on: every core, or under Slurm or taskset the
                   task's own; here $host_cores)
  --slot S/J       use the S-th of J equal parts of those CPUs: for J runs side
                   by side on one host (GNU parallel: --slot {%}/J)
  --out DIR        write this run into DIR (created; must be new or empty) and
                   its plots into DIR/plots, instead of results/<run-id>/ and
                   plots/<run-id>/; results/latest and plots/latest are left alone.
                   A run locks its directory: a second run given the same one
                   is refused at once
  --timeout SEC    stop a boot after SEC seconds (default: 600); the run is then
                   incomplete
  --build DIR      build root (default: \$O, else build): variant V is built in
                   DIR/bench-variants/V with make O=DIR/bench-variants/V
  --no-build       do not run make; boot the kernels already in DIR/bench-variants/<variant>
  --no-deps        do not run scripts/deps.sh
  --perf           also record 'perf stat -p <QEMU pid>' for each boot in
                   <run dir>/perf/; where perf does not work this is said once
                   and the run goes on (meta.json records what happened)
  -h, --help       show this help

Sweeps over several machines (README.md, "Sweeps"):
  --plan           print the run matrix and exit, one line per boot:
                   "I/B variant=V target=T vcpus=N memory=M repeat=R suites=S
                   cell=NAME" (boot I of B; hosted boots have vcpus=host: the
                   cores of the host that runs them). The plan comes from the
                   options alone; without --smp its vCPU count is this host's
  --shard I/N      run only the I-th of N contiguous slices of the plan into
                   its own directory (--out, default
                   results/<run-id>-shard-I-of-N/); the plan is in repeat
                   order, so N up to --repeat gives each shard whole repeats
                   of every variant, and a difference between hosts shows as
                   variance between repeats, not between variants. meta.json
                   records the plan, the shard, the host and its topology;
                   bench/host/bench.py merge --out DIR SHARD_DIR... makes one
                   run of the shards
  --slurm          write DIR/slurm/shards.sbatch (a Slurm array job, task I
                   running ./run_bench.sh --shard I/N --out DIR/shard-I with
                   this run's options, building or reusing the kernels under
                   --build) and DIR/slurm/merge.sbatch (bench.py merge into
                   DIR/merged once every shard has ended, whatever its
                   outcome), and submit both when sbatch is found. DIR is
                   --out, which must be new, and with this tree and --build
                   on a file system that every node sees. Site settings
                   (partition, account, exclusive nodes) come from sbatch's
                   environment: SBATCH_PARTITION, SBATCH_ACCOUNT,
                   SBATCH_EXCLUSIVE ...
  --shards N       how many shards --slurm makes (default: one per boot)

Environment: QEMU=PATH (the QEMU binary), ACCEL=kvm|tcg, O=DIR (see above),
VARIANTS_TABLE=FILE (the variant table, default variants.txt: one line per
variant, read by make and the tools too).

Ctrl-C stops QEMU, keeps the logs collected so far and processes them (the run
is marked incomplete); during processing it stops bench.py, whose meta.json
then says the run is unfinished. results/latest and plots/latest move only
to a run that completed.
Exit status: 0 if every boot completed all its suites and every log was
processed; 1 if the run is incomplete (a failed suite, a panic, a timeout, a
rejected log), a build failed or something is missing; 2 for usage errors;
130 when interrupted.
EOF
}

die() { echo "$prog: error: $*" >&2; echo "$prog: try './run_bench.sh --help'" >&2; exit 2; }
fail() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }
# A progress line, stamped with the time since the start of the run.
# Builtins only (no $(...)): it runs while a boot is being measured.
step() { local s; printf -v s %02d $((SECONDS % 60)); note "[$((SECONDS / 60))m${s}s] $*"; }

# Reads the variant table into variant_mechanisms, variant_sets,
# default_variants and rival_variants: adding a research variant there is
# enough for this script to accept it.
read_variant_table() {
    local line mech name role rest n=0 m design=()
    local -A defaults=() baselines=() rivals=()
    [[ -r $VARIANTS_TABLE ]] || fail "cannot read the variant table $VARIANTS_TABLE"
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        read -r mech name role rest <<<"$line"
        [[ $mech =~ ^[a-z][a-z0-9_]*$ && $name =~ ^[a-z0-9_]+$ && $role =~ ^(default|baseline|rival|-)$ ]] ||
            fail "$VARIANTS_TABLE:$n: not a line '<mechanism> <variant> <default|baseline|rival|-> <description>'"
        [[ -v "variant_sets[$mech]" ]] || variant_mechanisms+=("$mech")
        [[ " ${variant_sets[$mech]:-} " != *" $name "* ]] ||
            fail "$VARIANTS_TABLE:$n: $mech variant $name is listed twice"
        variant_sets[$mech]+="${variant_sets[$mech]:+ }$name"
        case $role in
            default) [[ -z ${defaults[$mech]:-} ]] ||
                         fail "$VARIANTS_TABLE:$n: a second default $mech variant, $name (exactly one per mechanism)"
                     defaults[$mech]=$name ;;
            baseline) [[ -z ${baselines[$mech]:-} ]] ||
                          fail "$VARIANTS_TABLE:$n: a second baseline $mech variant, $name (exactly one per mechanism)"
                      baselines[$mech]=$name ;;
            rival) [[ -z ${rivals[$mech]:-} ]] ||
                       fail "$VARIANTS_TABLE:$n: a second rival $mech variant, $name (at most one per mechanism)"
                   rivals[$mech]=$name ;;
        esac
    done <"$VARIANTS_TABLE"
    ((${#variant_mechanisms[@]})) || fail "the variant table $VARIANTS_TABLE has no variant"
    for m in "${variant_mechanisms[@]}"; do
        [[ -n ${defaults[$m]:-} && -n ${baselines[$m]:-} ]] ||
            fail "$VARIANTS_TABLE: $m needs a default and a baseline variant"
        design+=("${defaults[$m]}")
    done
    default_variants=("$(join_by - "${design[@]}")")
    rival_variants=("${default_variants[0]}")
    for m in "${variant_mechanisms[@]}"; do
        default_variants+=("$(swapped "$m" "${baselines[$m]}")")
        [[ -z ${rivals[$m]:-} ]] || rival_variants+=("$(swapped "$m" "${rivals[$m]}")")
    done
}
# swapped MECHANISM PART: the design with that mechanism's part replaced by
# PART (read_variant_table's defaults).
swapped() {
    local mech parts=()
    for mech in "${variant_mechanisms[@]}"; do
        if [[ $mech == "$1" ]]; then parts+=("$2"); else parts+=("${defaults[$mech]}"); fi
    done
    join_by - "${parts[@]}"
}
join_by() { local sep=$1 out=${2-}; shift $(($# > 1 ? 2 : 1)); for w; do out+=$sep$w; done; echo "$out"; }
# "<frame>-<slab>-<shootdown>": the form of a variant's name
variant_form() { echo "<$(join_by ">-<" "${variant_mechanisms[@]}")>"; }
# What --rivals runs, for the help text.
rivals_text() {
    if ((${#rival_variants[@]} > 1)); then
        wrap_words "${rival_variants[@]}"
    else
        echo "none: no mechanism has a rival"
    fi
}
# "frame: buddy pcp, slab: locked magazine, shootdown: batched sync"
variant_sets_text() {
    local m out=()
    for m in "${variant_mechanisms[@]}"; do out+=("$m: ${variant_sets[$m]}"); done
    join_by ", " "${out[@]}"
}

# Suite names, one per table entry '.name = "frame.bulk",' of the suite
# tables: every target's, or with "portable" only those the hosted target has.
known_suites() {
    local f files=("$repo/$suites_file")
    [[ ${1:-} == portable ]] || files+=("$repo/$kernel_suites_file")
    for f in "${files[@]}"; do
        [[ -f $f ]] || continue
        grep -oE '\.name[[:space:]]*=[[:space:]]*"[^"]+"' "$f" | sed 's/.*"\(.*\)"/\1/'
    done
}
known_suites_text() {
    local names
    names=$(known_suites | tr '\n' ' ')
    echo "${names:-($suites_file is missing)}"
}
# Words as lines of at most 60 characters, indented for the help text.
wrap_words() { echo "$*" | fold -s -w 60 | sed -e 's/ *$//' -e '1!s/^/                   /'; }

# ---- options (all of them, in one place) ----------------------------------
read_variant_table
opt_variants=("${default_variants[@]}")
opt_smp=()            # empty: one boot at host_cores, log named <variant>.log
opt_suites=default
default_repeat=3
opt_repeat=$default_repeat
opt_targets=(qemu)
opt_modes=""
opt_quick=0
opt_accel=${ACCEL:-}
opt_deterministic=0
opt_mems=(512M)
opt_cores=""
opt_slot=""
opt_plan=0
opt_shard=""          # I/N
opt_slurm=0
opt_shards=""
opt_out=""
opt_timeout=600
opt_build=${O:-build}
opt_make=1
opt_deps=1
opt_perf=0

parse_args() {
    local variants="" smp="" mems="" rivals=0
    need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"; }
    while [[ $# -gt 0 ]]; do
        case $1 in
            --variants) need_arg "$@"; variants=$2; shift 2 ;;
            --variants=*) variants=${1#*=}; shift ;;
            --rivals) rivals=1; shift ;;
            --smp) need_arg "$@"; smp=$2; shift 2 ;;
            --smp=*) smp=${1#*=}; shift ;;
            --suites) need_arg "$@"; opt_suites=$2; shift 2 ;;
            --suites=*) opt_suites=${1#*=}; shift ;;
            --quick) opt_quick=1; shift ;;
            --repeat) need_arg "$@"; opt_repeat=$2; shift 2 ;;
            --repeat=*) opt_repeat=${1#*=}; shift ;;
            --target) need_arg "$@"; check_targets "$2"; shift 2 ;;
            --target=*) check_targets "${1#*=}"; shift ;;
            --modes) need_arg "$@"; check_modes "$2"; shift 2 ;;
            --modes=*) check_modes "${1#*=}"; shift ;;
            --accel) need_arg "$@"; opt_accel=$2; shift 2 ;;
            --accel=*) opt_accel=${1#*=}; shift ;;
            --deterministic) opt_deterministic=1; shift ;;
            --mem) need_arg "$@"; mems=$2; shift 2 ;;
            --mem=*) mems=${1#*=}; shift ;;
            --cores) need_arg "$@"; opt_cores=$2; shift 2 ;;
            --cores=*) opt_cores=${1#*=}; shift ;;
            --slot) need_arg "$@"; opt_slot=$2; shift 2 ;;
            --slot=*) opt_slot=${1#*=}; shift ;;
            --plan) opt_plan=1; shift ;;
            --shard) need_arg "$@"; opt_shard=$2; shift 2 ;;
            --shard=*) opt_shard=${1#*=}; shift ;;
            --slurm) opt_slurm=1; shift ;;
            --shards) need_arg "$@"; opt_shards=$2; shift 2 ;;
            --shards=*) opt_shards=${1#*=}; shift ;;
            --out) need_arg "$@"; opt_out=$2; shift 2 ;;
            --out=*) opt_out=${1#*=}; shift ;;
            --timeout) need_arg "$@"; opt_timeout=$2; shift 2 ;;
            --timeout=*) opt_timeout=${1#*=}; shift ;;
            --build) need_arg "$@"; opt_build=$2; shift 2 ;;
            --build=*) opt_build=${1#*=}; shift ;;
            --no-build) opt_make=0; shift ;;
            --no-deps) opt_deps=0; shift ;;
            --perf) opt_perf=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) die "unknown argument '$1'" ;;
        esac
    done
    [[ -z $variants ]] || check_variants "$variants"
    if ((rivals)); then
        [[ -z $variants ]] || die "--rivals chooses the variants: give it or --variants, not both"
        ((${#rival_variants[@]} > 1)) || die "--rivals: $VARIANTS_TABLE gives no mechanism a rival"
        opt_variants=("${rival_variants[@]}")
    fi
    [[ -z $smp ]] || check_smp "$smp"
    [[ -z $mems ]] || check_mems "$mems"
    check_sweep_options
    [[ $opt_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$opt_timeout'"
    [[ $opt_repeat =~ ^[1-9][0-9]*$ && $opt_repeat -le 100 ]] ||
        die "--repeat wants a number of boots from 1 to 100, got '$opt_repeat'"
    if ((opt_deterministic)) && [[ " ${opt_targets[*]} " == *" hosted "* ]]; then
        die "--deterministic is a QEMU mode (icount); it cannot be combined with --target hosted"
    fi
    case $opt_accel in kvm|tcg|"") ;; *) die "--accel (or ACCEL) must be kvm or tcg, got '$opt_accel'" ;; esac
    if ((opt_deterministic)) && [[ $opt_accel == kvm ]]; then
        die "--deterministic runs under TCG (icount); it cannot be combined with --accel kvm"
    fi
    # Checked now, before anything is built: a run never writes into a
    # directory that holds something already.
    [[ -z $opt_out || $opt_out == /* ]] || opt_out=$PWD/$opt_out
    if [[ -n $opt_out && -e $opt_out ]]; then
        [[ -d $opt_out ]] || die "--out $opt_out exists and is not a directory"
    fi
}

# Each part of a variant's name must be one of its mechanism's variants.
known_variant() {
    local parts i
    IFS=- read -ra parts <<<"$1"
    [[ $1 == *[!-] && ${#parts[@]} == "${#variant_mechanisms[@]}" ]] || return 1
    for i in "${!parts[@]}"; do
        [[ " ${variant_sets[${variant_mechanisms[$i]}]} " == *" ${parts[$i]} "* ]] || return 1
    done
}

check_variants() {
    local v m list sets=()
    for m in "${variant_mechanisms[@]}"; do sets+=("$m in {${variant_sets[$m]}}"); done
    opt_variants=()
    IFS=, read -ra list <<<"$1"
    for v in "${list[@]}"; do
        if ! known_variant "$v"; then
            die "unknown variant '$v': a variant is $(variant_form) with" \
                "$(join_by ", " "${sets[@]}")" \
                "(e.g. ${default_variants[0]})"
        fi
        [[ " ${opt_variants[*]} " != *" $v "* ]] || die "variant '$v' is listed twice"
        opt_variants+=("$v")
    done
    ((${#opt_variants[@]})) || die "--variants names no variant"
}

check_targets() {
    local t list
    IFS=, read -ra list <<<"$1"
    opt_targets=()
    for t in "${list[@]}"; do
        case $t in qemu|hosted) ;; *) die "--target wants qemu, hosted or qemu,hosted, got '$1'" ;; esac
        [[ " ${opt_targets[*]} " != *" $t "* ]] || die "--target lists '$t' twice"
        opt_targets+=("$t")
    done
    ((${#opt_targets[@]})) || die "--target names no target"
}

check_modes() {
    local m list
    IFS=, read -ra list <<<"$1"
    ((${#list[@]})) || die "--modes names no timing mode"
    for m in "${list[@]}"; do
        case $m in each|sample|batch) ;;
            *) die "unknown timing mode '$m': --modes takes each, sample and batch" ;; esac
    done
    opt_modes=$1
}

check_smp() {
    local n
    IFS=, read -ra opt_smp <<<"$1"
    ((${#opt_smp[@]})) || die "--smp names no vCPU count"
    for n in "${opt_smp[@]}"; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "--smp wants comma-separated positive integers, got '$1'"
        ((n <= max_vcpus)) || die "--smp $n: QEMU's pc machine starts at most $max_vcpus vCPUs (xAPIC ids)"
    done
    listed_once "${opt_smp[@]}" || die "--smp lists a count twice: '$1'"
}

# Whether no word is given twice.
listed_once() { [[ -z $(printf '%s\n' "$@" | sort | uniq -d) ]]; }

check_mems() {
    local m
    IFS=, read -ra opt_mems <<<"$1"
    ((${#opt_mems[@]})) || die "--mem names no size"
    for m in "${opt_mems[@]}"; do
        [[ $m =~ ^[1-9][0-9]*[KMGT]?$ ]] || die "--mem wants a size such as 512M or 1G, or a list of them, got '$1'"
    done
    listed_once "${opt_mems[@]}" || die "--mem lists a size twice: '$1'"
}

# Whether $1 is I/N with 1 <= I <= N (--shard, --slot).
part_of() { [[ $1 =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] && ((BASH_REMATCH[1] <= BASH_REMATCH[2])); }

# --plan, --shard, --slurm and the CPUs a run may use: each alone is
# checked here; against the plan's size in select_shard.
check_sweep_options() {
    [[ -z $opt_cores || $opt_cores =~ ^[0-9]+(,[0-9]+)*$ ]] ||
        die "--cores wants comma-separated CPU numbers such as 2,3, got '$opt_cores'"
    [[ -z $opt_cores || -z $opt_slot ]] || die "give --cores or --slot, not both"
    [[ -z $opt_slot ]] || part_of "$opt_slot" ||
        die "--slot wants S/J with 1 <= S <= J, such as 2/4, got '$opt_slot'"
    [[ -z $opt_shard ]] || part_of "$opt_shard" ||
        die "--shard wants I/N with 1 <= I <= N, such as 2/8, got '$opt_shard'"
    [[ -z $opt_shards || $opt_shards =~ ^[1-9][0-9]*$ ]] ||
        die "--shards wants a positive number, got '$opt_shards'"
    [[ -z $opt_shards ]] || ((opt_slurm)) || die "--shards is for --slurm (a shard itself is --shard I/N)"
    ((opt_plan + opt_slurm + (${#opt_shard} > 0) <= 1)) || die "give one of --plan, --shard and --slurm"
    if ((opt_slurm)); then
        [[ -n $opt_out ]] || die "--slurm needs --out DIR: the shards and the merged run go there, on a file system every node sees"
    fi
}

# The families (the part of a suite's name before the dot) of the suites
# that reproduce published workloads: will-it-scale's mm tests and the
# classic allocator benchmarks. Longer than the rest together, so not in
# the default selection.
workload_families=(wis alloc)

# The suite's family.
family_of() { echo "${1%%.*}"; }

# Suites of the pool (one name per line) that selection item $2 names: a
# suite, a family, default, workloads or all (the last three stand alone).
expand_item() {
    local pool=$1 item=$2 s f
    for s in $pool; do
        f=$(family_of "$s")
        case $item in
            all) ;;
            default) [[ " ${workload_families[*]} " != *" $f "* ]] || continue ;;
            workloads) [[ $f == calib || " ${workload_families[*]} " == *" $f "* ]] || continue ;;
            *) [[ $s == "$item" || $f == "$item" ]] || continue ;;
        esac
        echo "$s"
    done
}

# The harness's bench= for the selected suites among a target's pool: all,
# or families where a whole family is selected and names otherwise (the
# kernel's command line is short).
bench_selection() {
    local pool=$1 selected=" $2 " s f out=() n=0 m=0
    local -A total=() chosen=() done=()
    for s in $pool; do
        f=$(family_of "$s")
        total[$f]=$((${total[$f]:-0} + 1)); m=$((m + 1))
        [[ $selected == *" $s "* ]] || continue
        chosen[$f]=$((${chosen[$f]:-0} + 1)); n=$((n + 1))
    done
    ((n)) || return 0
    if ((n == m)); then echo all; return; fi
    for s in $pool; do
        [[ $selected == *" $s "* ]] || continue
        f=$(family_of "$s")
        if ((${chosen[$f]} < ${total[$f]})); then
            out+=("$s")
        elif [[ -z ${done[$f]:-} ]]; then
            done[$f]=1; out+=("$f")
        fi
    done
    (IFS=,; echo "${out[*]}")
}

# Validated before anything is built, against the names the kernel declares.
check_suites() {
    local known s list=() item items pool portable
    [[ -f $suites_file ]] ||
        fail "$suites_file not found: the kernel's benchmark suites are missing from this tree"
    pool=$(known_suites)
    [[ -n $pool ]] || fail "$suites_file declares no suite (no '.name = \"...\",' entries)"
    IFS=, read -ra items <<<"$opt_suites"
    ((${#items[@]})) || die "--suites names no suite"
    for item in "${items[@]}"; do
        case $item in
            all|default|workloads)
                ((${#items[@]} == 1)) || die "--suites $item stands alone: give it, or a list of suites and families" ;;
        esac
        s=$(expand_item "$pool" "$item")
        [[ -n $item && -n $s ]] ||
            die "unknown suite or family '$item'; known suites: $(echo $pool)" \
                "(or a family such as wis, or default, workloads, all)"
        for s in $s; do [[ " ${list[*]} " == *" $s "* ]] || list+=("$s"); done
    done
    qemu_suites=$(bench_selection "$pool" "${list[*]}")
    # The hosted target runs the portable ones among them.
    portable=$(known_suites portable)
    hosted_suites=$(bench_selection "$portable" "${list[*]}")
    if [[ " ${opt_targets[*]} " == *" hosted "* && -z $hosted_suites ]]; then
        die "--target hosted runs only the portable suites ($(echo $portable | tr ' ' ',')); --suites selects none of them"
    fi
}

# ---- the CPUs and the plan -------------------------------------------------
# The host CPUs this run may use, one per core: its affinity mask's (all
# cores, or a Slurm task's or taskset's share), --cores, or a --slot of them.
resolve_cpus() {
    local allowed list=() s j per c
    allowed=$("$python" bench/host/qmp_pin.py --allowed-cpus) ||
        fail "cannot tell which CPUs this process may run on (bench/host/qmp_pin.py --allowed-cpus)"
    IFS=, read -ra list <<<"$allowed"
    if [[ -n $opt_cores ]]; then
        IFS=, read -ra run_cpus <<<"$opt_cores"
        for c in "${run_cpus[@]}"; do
            [[ ",$allowed," == *",$c,"* ]] ||
                die "--cores: CPU $c is not among those this run may use, one per core: $allowed"
        done
        listed_once "${run_cpus[@]}" || die "--cores lists a CPU twice: '$opt_cores'"
    elif [[ -n $opt_slot ]]; then
        s=${opt_slot%/*} j=${opt_slot#*/}
        per=$((${#list[@]} / j))
        ((per > 0)) || die "--slot $opt_slot: ${#list[@]} cores ($allowed) make no $j parts"
        run_cpus=("${list[@]:$(((s - 1) * per)):per}")
    else
        run_cpus=("${list[@]}")
    fi
    host_cores=${#run_cpus[@]}
    for c in "${opt_smp[@]}"; do
        if ((c > host_cores)); then
            note "warning: --smp $c is more than the $host_cores host cores this run may use:" \
                 "vCPUs will share cores (and cannot be pinned), so timings will be distorted"
        fi
    done
}
cpus_csv() { (IFS=,; echo "${run_cpus[*]}"); }

# The plan: one cell per boot, in the order a whole run boots them: repeat,
# target, variant, vCPUs, memory. Repeat-major, so that drift of the host
# spreads over every variant and a contiguous shard holds whole repeats.
cell_names=() cell_variants=() cell_targets=() cell_vcpus=() cell_mems=() cell_repeats=()
plan_counts=()              # the vCPU counts of the QEMU boots
shard_first=0 shard_end=0   # this run's cells: [shard_first, shard_end)
shard_variants=()           # the variants among them, in --variants order
build_plan() {
    local r t v n m
    plan_counts=("${opt_smp[@]}")
    ((${#plan_counts[@]})) || plan_counts=("$host_cores")
    for ((r = 1; r <= opt_repeat; r++)); do
        for t in "${opt_targets[@]}"; do
            if [[ $t == hosted ]]; then
                for v in "${hosted_variants[@]}"; do
                    for m in "${opt_mems[@]}"; do add_cell "$v" hosted host "$m" "$r"; done
                done
                continue
            fi
            for v in "${opt_variants[@]}"; do
                for n in "${plan_counts[@]}"; do
                    for m in "${opt_mems[@]}"; do add_cell "$v" qemu "$n" "$m" "$r"; done
                done
            done
        done
    done
}

# A cell, named as its log: <variant>[-smpN][-mem<SIZE>][-hosted][-rK], with
# the parts that tell it from the run's other cells.
add_cell() {
    local name=$1
    [[ $2 == hosted || ${#opt_smp[@]} == 0 ]] || name+="-smp$3"
    ((${#opt_mems[@]} == 1)) || name+="-mem$4"
    [[ $2 != hosted ]] || name+="-hosted"
    ((opt_repeat == 1)) || name+="-r$5"
    cell_names+=("$name") cell_variants+=("$1") cell_targets+=("$2") cell_vcpus+=("$3")
    cell_mems+=("$4") cell_repeats+=("$5")
}

# The options that decide the plan and what each boot measures, as
# run_bench.sh takes them: what --slurm's tasks run, and what meta.json
# records.
plan_options() {
    local o
    o="--variants $(IFS=,; echo "${opt_variants[*]}")"
    ((${#opt_smp[@]} == 0)) || o+=" --smp $(IFS=,; echo "${opt_smp[*]}")"
    o+=" --mem $(IFS=,; echo "${opt_mems[*]}") --repeat $opt_repeat"
    o+=" --target $(IFS=,; echo "${opt_targets[*]}") --suites $opt_suites"
    [[ -z $opt_modes ]] || o+=" --modes $opt_modes"
    ((opt_quick)) && o+=" --quick"
    ((opt_deterministic)) && o+=" --deterministic"
    [[ -z $opt_accel ]] || o+=" --accel $opt_accel"
    echo "$o"
}

cell_line() {
    local i=$1 suites=$qemu_suites
    [[ ${cell_targets[i]} == qemu ]] || suites=$hosted_suites
    echo "$((i + 1))/${#cell_names[@]} variant=${cell_variants[i]} target=${cell_targets[i]}" \
         "vcpus=${cell_vcpus[i]} memory=${cell_mems[i]} repeat=${cell_repeats[i]}" \
         "suites=$suites cell=${cell_names[i]}"
}

print_plan() {
    local i
    note "plan: ${#cell_names[@]} boots of ./run_bench.sh $(plan_options)"
    ((${#opt_smp[@]})) ||
        note "(no --smp: the vCPU count is this host's $host_cores cores; give --smp to plan for other hosts)"
    for i in "${!cell_names[@]}"; do cell_line "$i"; done
}

# The plan's identity, the same on every host that computes it from the
# same options and tree: bench.py merge refuses shards of different plans.
plan_id=""
hash_plan() {
    plan_id=$({ plan_options; print_plan 2>/dev/null; } | sha256sum | cut -d' ' -f1)
}

# This run's cells: all of them, or the I-th of N contiguous slices.
select_shard() {
    local b=${#cell_names[@]} i n k v
    shard_first=0 shard_end=$b
    if [[ -n $opt_shard ]]; then
        i=${opt_shard%/*} n=${opt_shard#*/}
        ((n <= b)) || die "--shard $opt_shard: the plan has only $b boots (./run_bench.sh --plan lists them)"
        shard_first=$(((i - 1) * b / n)) shard_end=$((i * b / n))
    fi
    shard_variants=()
    for v in "${opt_variants[@]}"; do
        for ((k = shard_first; k < shard_end; k++)); do
            [[ ${cell_variants[k]} == "$v" ]] || continue
            shard_variants+=("$v")
            break
        done
    done
}

# ---- Slurm -------------------------------------------------------------------
# q WORDS...: the words quoted for a bash script.
q() { printf '%q ' "$@" | sed 's/ $//'; }

# --slurm: an array job of shards and a merge job after it, written into
# --out/slurm/ and submitted when sbatch is here. Each task is a whole
# ./run_bench.sh --shard (deps, build under the shared --build with its
# lock, boots, bench.py process), so a task's log says all it did.
write_slurm() {
    local dir=$opt_out b=${#cell_names[@]} n cpus=1 c per minutes opts build jid mid
    ((${#opt_smp[@]})) || die "--slurm needs --smp: the vCPU counts to boot (this host's cores say nothing about the nodes')"
    n=${opt_shards:-$b}
    ((n <= b)) || die "--shards $n: the plan has only $b boots (./run_bench.sh --plan lists them)"
    if [[ -e $dir ]]; then
        [[ -d $dir && -z $(ls -A "$dir") ]] || die "--out $dir is not a new or empty directory"
    fi
    mkdir -p "$dir/slurm" || fail "cannot create $dir/slurm"
    # A boot's vCPUs each need a core; under icount QEMU runs them all on one.
    if has_target qemu && ((!opt_deterministic)); then
        for c in "${plan_counts[@]}"; do ((c <= cpus)) || cpus=$c; done
    fi
    # A shard's time: its boots at --timeout each, and a build.
    per=$(((b + n - 1) / n))
    minutes=$((per * (opt_timeout + 60) / 60 + 30))
    read -ra opts <<<"$(plan_options)"
    build=$opt_build
    [[ $build == /* ]] || build=$repo/$build
    opts+=(--timeout "$opt_timeout" --build "$build")
    ((opt_make)) || opts+=(--no-build)
    ((opt_deps)) || opts+=(--no-deps)
    cat >"$dir/slurm/shards.sbatch" <<EOF
#!/usr/bin/env bash
# Written by ./run_bench.sh --slurm on $(date -Iseconds), commit $(commit_id).
# Plan $plan_id: $b boots in $n shards; './run_bench.sh --plan $(q "${opts[@]}")'
# lists them. Task I runs shard I/$n into $dir/shard-I. Submit with
#   jid=\$(sbatch --parsable $(q "$dir/slurm/shards.sbatch")) &&
#   sbatch --dependency=afterany:\${jid%%;*} $(q "$dir/slurm/merge.sbatch")
#SBATCH --job-name=run_bench-shard
#SBATCH --array=1-$n
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=$cpus
#SBATCH --time=$minutes
#SBATCH --output=$dir/slurm/shard-%a.out
set -euo pipefail
cd $(q "$repo")
exec ./run_bench.sh $(q "${opts[@]}") --shard "\$SLURM_ARRAY_TASK_ID/$n" --out $(q "$dir")/shard-"\$SLURM_ARRAY_TASK_ID"
EOF
    cat >"$dir/slurm/merge.sbatch" <<EOF
#!/usr/bin/env bash
# Written by ./run_bench.sh --slurm: after every task of the shard array has
# ended (--dependency=afterany), merge the shards that exist into
# $dir/merged; bench.py merge names the cells that are missing.
#SBATCH --job-name=run_bench-merge
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=30
#SBATCH --output=$dir/slurm/merge.out
set -euo pipefail
cd $(q "$repo")
shards=()
for ((i = 1; i <= $n; i++)); do
    [[ ! -d $(q "$dir")/shard-\$i ]] || shards+=($(q "$dir")/shard-\$i)
done
((\${#shards[@]})) || { echo "merge: no shard directory in $(q "$dir"): see its slurm/shard-*.out" >&2; exit 1; }
exec $(q "$python") bench/host/bench.py merge --out $(q "$dir")/merged "\${shards[@]}"
EOF
    chmod +x "$dir/slurm/shards.sbatch" "$dir/slurm/merge.sbatch"
    note "plan ${plan_id:0:12}: $b boots in $n shards of at most $per; wrote $dir/slurm/shards.sbatch and merge.sbatch"
    if ! command -v sbatch >/dev/null 2>&1; then
        note "sbatch not found: nothing submitted. On the cluster, submit with:"
        echo "jid=\$(sbatch --parsable $(q "$dir/slurm/shards.sbatch")) &&"
        echo "  sbatch --dependency=afterany:\${jid%%;*} $(q "$dir/slurm/merge.sbatch")"
        return 0
    fi
    jid=$(sbatch --parsable "$dir/slurm/shards.sbatch") ||
        fail "sbatch refused $dir/slurm/shards.sbatch (its error above); the scripts stay written: submit them by hand as its header says"
    jid=${jid%%;*}
    mid=$(sbatch --parsable --dependency="afterany:$jid" "$dir/slurm/merge.sbatch") ||
        fail "sbatch refused $dir/slurm/merge.sbatch (the shards, job $jid, are submitted)"
    mid=${mid%%;*}
    printf 'shards %s\nmerge %s\n' "$jid" "$mid" >"$dir/slurm/jobs"
    note "submitted: shards job $jid (array 1-$n), merge job $mid after it; results in $dir/merged/ (squeue -j $jid,$mid)"
    echo "$jid $mid"
}

# ---- state of the run ------------------------------------------------------
qemu_suites=""      # bench= for the kernel: the selected suites
hosted_suites=""    # bench= for the hosted target: the selected portable suites
hosted_variants=()  # the variants the hosted target runs (plan_targets)
tmp=""              # private scratch directory: QMP socket, pid file, meta input
children=()         # background processes to stop on Ctrl-C
interrupted=0
incomplete=()       # incomplete_reasons for meta.json
accel=""            # what was used: kvm, tcg or icount
pin_note=""         # why vCPUs were not pinned (said once), empty if they were
perf_outcome=off
run_dir="" plots_dir="" run_id=""

stop_children() {
    local pid
    for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
on_signal() { interrupted=1; stop_children; }

cleanup() {
    [[ -z $tmp ]] || rm -rf "$tmp"
    [[ -z $lock_owner ]] || rm -f "$lock_owner"
}

# Only one run writes a run directory: each holds an exclusive lock on it
# (flock on the directory, released when this script ends, however it
# ends) and notes who it is in .run_bench.owner, so that a second run given
# the same directory refuses at once and names the first.
lock_owner=""
lock_run_dir() {
    local dir=$1 fd
    exec {fd}<"$dir"
    if ! flock -n "$fd"; then
        die "$dir is being written by another run ($(cat "$dir/.run_bench.owner" 2>/dev/null ||
            echo "which has not said who it is yet")); give this run another --out"
    fi
    lock_owner=$dir/.run_bench.owner
    echo "pid $$ since $(date -Iseconds): ./run_bench.sh $run_cmdline" >"$lock_owner"
}

# Wait for a background child and return its exit status. A trapped signal
# cuts 'wait' short, so wait again until the child has really ended.
reap() {
    while kill -0 "$1" 2>/dev/null; do wait "$1" 2>/dev/null || true; done
    wait "$1" 2>/dev/null
}

kernel_of() { echo "$opt_build/bench-variants/$1/kernel.elf"; }
hosted_of() { echo "$opt_build/bench-variants/$1/bench-hosted/bench-hosted"; }
has_target() { [[ " ${opt_targets[*]} " == *" $1 "* ]]; }

make_cmd_of() { # variant -> the make command line that builds what the targets need
    local parts i choice="" goals=""
    IFS=- read -ra parts <<<"$1"
    for i in "${!parts[@]}"; do choice+=" ${variant_mechanisms[$i]^^}=${parts[$i]}"; done
    has_target qemu && goals+=" all"
    [[ " ${hosted_variants[*]} " != *" $1 "* ]] || goals+=" bench-hosted"
    echo "make -j$host_cores O=$opt_build/bench-variants/$1$choice$goals"
}

# ---- build -----------------------------------------------------------------
# Every variant the run boots at once: a build is mostly waiting on small
# compiles, and the builds share nothing (one O= directory each). Shards
# side by side (GNU parallel, Slurm tasks on one node or a shared file
# system) may build the same variant: an exclusive lock on its directory
# makes the later ones wait, then find it built.
build_variants() {
    local v i rc pids=() cmd log dir
    step "building ${#shard_variants[@]} variants in $opt_build/bench-variants/"
    for v in "${shard_variants[@]}"; do
        dir=$opt_build/bench-variants/$v
        mkdir -p "$dir"
        read -ra cmd <<<"$(make_cmd_of "$v")"
        (
            exec {lock}>"$dir/.build.lock"
            flock "$lock"
            exec "${cmd[@]}" >"$dir/make.log" 2>&1
        ) </dev/null &
        pids+=($!)
    done
    children=("${pids[@]}")
    for i in "${!pids[@]}"; do
        v=${shard_variants[$i]}
        rc=0
        reap "${pids[$i]}" || rc=$?
        ((interrupted)) && continue
        if ((rc != 0)); then
            stop_children        # the other builds
            log=$opt_build/bench-variants/$v/make.log
            echo "$prog: error: building variant $v failed: $(make_cmd_of "$v") (status $rc)" >&2
            echo "$prog: last lines of $log:" >&2
            tail -n 20 "$log" | sed 's/^/  | /' >&2
            exit 1
        fi
    done
    children=()
    if ((interrupted)); then note "interrupted while building"; exit 130; fi
}

# Every variant that lacks a program at once, so that --no-build says all
# it lacks.
check_kernels() {
    local v missing=() cmds=()
    for v in "${shard_variants[@]}"; do
        if { has_target qemu && [[ ! -f $(kernel_of "$v") ]]; } ||
            [[ " ${hosted_variants[*]} " == *" $v "* && ! -x $(hosted_of "$v") ]]; then
            missing+=("$v")
            cmds+=("$(make_cmd_of "$v")")
        fi
    done
    ((${#missing[@]} == 0)) ||
        die "not built in $opt_build/bench-variants/: $(join_by ", " "${missing[@]}")" \
            "(run without --no-build, or: $(join_by "; " "${cmds[@]}"))"
}

# ---- the run directory -----------------------------------------------------
# results/<date>-<commit>, or with a suffix when that exists: an existing run
# is never touched. mkdir (not -p) claims the name atomically.
make_run_dir() {
    if [[ -n $opt_out ]]; then
        run_dir=$opt_out plots_dir=$opt_out/plots
        run_id=$(basename "$(cd "$run_dir" && pwd)")
    else
        local base n=1 rev
        base=$(date +%Y%m%d-%H%M%S)
        if rev=$(git rev-parse --short HEAD 2>/dev/null); then base+="-$rev"; fi
        [[ -z $opt_shard ]] || base+="-shard-${opt_shard%/*}-of-${opt_shard#*/}"
        mkdir -p results plots
        [[ -w results && -w plots ]] || fail "results/ and plots/ must be writable"
        run_id=$base
        until [[ ! -e plots/$run_id ]] && mkdir "results/$run_id" 2>/dev/null; do
            n=$((n + 1)); run_id=$base-$n
        done
        run_dir=results/$run_id plots_dir=plots/$run_id
        lock_run_dir "$run_dir"
    fi
    mkdir -p "$run_dir/logs"
}

# --out: claimed before anything is built, and checked again under the lock
# (another run may have filled it since parse_args looked).
claim_out_dir() {
    mkdir -p "$opt_out" || fail "cannot create --out $opt_out"
    lock_run_dir "$opt_out"
    [[ -z $(ls -A "$opt_out" | grep -vx .run_bench.owner) ]] ||
        die "--out $opt_out is not empty; give a new directory"
}

# results/latest and plots/latest: replaced by a rename, so they always point
# at a whole run; a real file or directory of that name is left alone.
point_latest() {
    local link
    for link in results/latest plots/latest; do
        if [[ -e $link && ! -L $link ]]; then
            note "warning: $link is not a symlink; not updating it"
            continue
        fi
        ln -sfn "$run_id" "$link.new.$$" && mv -Tf "$link.new.$$" "$link"
    done
}

# ---- booting -----------------------------------------------------------------
# One accelerator for the whole run (scripts/qemu.sh's probe, on the first
# kernel): variants are only comparable when measured the same way.
decide_accel() {
    if ((opt_deterministic)); then accel=icount; return; fi
    local k first=""
    for ((k = shard_first; k < shard_end; k++)); do
        [[ ${cell_targets[k]} == qemu ]] && { first=${cell_variants[k]}; break; }
    done
    if [[ -z $first ]]; then accel=native; return; fi
    accel=$(scripts/qemu.sh --print-accel --kernel "$(kernel_of "$first")" \
            ${opt_accel:+--accel "$opt_accel"}) || fail "scripts/qemu.sh could not decide the accelerator"
    if [[ $accel == kvm ]] && ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
        fail "--accel kvm: /dev/kvm is missing or not accessible"
    fi
}

# 1, 2, 4, ... below n, then n: the CPU counts each suite runs at.
bench_cpus_for() {
    local n=$1 c=1 out=""
    while ((c < n)); do out+="$c,"; c=$((c * 2)); done
    echo "$out$n"
}

describe_status() {
    case $1 in
        33) echo "every suite completed" ;;
        35) echo "a suite failed or the kernel panicked (QEMU status 35)" ;;
        124) echo "timed out after $opt_timeout s (QEMU stopped)" ;;
        130) echo "interrupted" ;;
        2) echo "scripts/qemu.sh could not start QEMU (status 2)" ;;
        *) echo "QEMU exited with status $1: triple fault or crash?" ;;
    esac
}

# Pin vCPU i to the run's i-th CPU (run_cpus) once QEMU's QMP socket is up. Pinning is best
# effort: without it the timings are noisier, not wrong, so a failure is
# said once and the run goes on.
pin_vcpus() {
    local sock=$1 boot_pid=$2 out
    until [[ -S $sock ]]; do
        kill -0 "$boot_pid" 2>/dev/null || return 0
        sleep 0.05
    done
    if ! out=$("$python" bench/host/qmp_pin.py "$sock" --cpus "$(cpus_csv)" 2>&1); then
        [[ -n $pin_note ]] || note "warning: vCPUs not pinned, going on unpinned: ${out##*error: }"
        pin_note="not pinned: ${out##*error: }"
    fi
}

# perf stat on the QEMU process (it ends when QEMU does); its pid goes into
# perf_pid, left empty when perf cannot run at all.
perf_pid=""
start_perf() {
    local pidfile=$1 boot_pid=$2 out=$3
    if ! command -v perf >/dev/null 2>&1; then
        perf_outcome="unavailable: perf not found (Debian package linux-perf)"
        note "perf: $perf_outcome; going on without it"
        opt_perf=0
        return
    fi
    until [[ -s $pidfile ]]; do
        kill -0 "$boot_pid" 2>/dev/null || return 0
        sleep 0.05
    done
    mkdir -p "$(dirname "$out")"
    perf stat -o "$out" -p "$(cat "$pidfile")" >"$tmp/perf.err" 2>&1 </dev/null &
    perf_pid=$!
}

# After a boot: say once what perf could and could not record.
check_perf() {
    local out=$1 rc=0
    reap "$perf_pid" || rc=$?
    perf_pid=""
    if ((rc != 0)) || [[ ! -s $out ]]; then
        perf_outcome="unavailable: perf stat failed: $(head -n 1 "$tmp/perf.err")"
        note "perf: $perf_outcome; going on without it"
        rm -f "$out"
        opt_perf=0
    elif [[ $perf_outcome == off ]]; then
        perf_outcome="perf stat -p <QEMU pid> of every boot in perf/"
        if grep -q 'not supported' "$out"; then
            perf_outcome+=" (hardware counters not supported here: software counters only)"
            note "perf: hardware counters are not supported here; recording software counters only"
        fi
    fi
}

# Print the harness's progress lines ("bench: suite NAME cpus=N ... (i/total):
# what it measures") that appeared in the log since the last call, without
# the description, to keep them one short line each. The log is read through
# one open descriptor with builtins only: this runs while the boot is being
# measured, and every process it started would take a host core from the
# vCPUs or threads under test for a while. A line still being written is
# kept until its end arrives.
progress_fd=""
progress_partial=""
show_progress() {
    local label=$1 line
    while :; do
        line=""
        if ! IFS= read -r -u "$progress_fd" line; then
            progress_partial+=$line
            return 0
        fi
        line=$progress_partial${line%$'\r'}
        progress_partial=""
        [[ $line == "bench: suite "* ]] || continue
        line=${line#bench: suite }
        step "$label: ${line%%): *})"
    done
}

# The harness's options, the same for both targets: CPU counts, repeat
# number, suites, and the cell's name, which the dump's header carries.
bench_args() {
    local a="bench=$3 bench_cpus=$1 bench_repeat=$2 bench_cell=$4"
    [[ -z $opt_modes ]] || a+=" bench_modes=$opt_modes"
    ((opt_quick)) && a+=" bench_quick=1"
    echo "$a"
}

# Follow a running boot's progress in its log (created empty by the caller
# before the boot starts) until it ends; returns its exit status.
watch_run() {
    local pid=$1 log=$2 label=$3 rc=0
    children=("$pid")
    exec {progress_fd}<"$log"
    progress_partial=""
    while kill -0 "$pid" 2>/dev/null; do
        show_progress "$label"
        sleep 1
    done
    reap "$pid" || rc=$?
    children=()
    show_progress "$label"
    exec {progress_fd}<&-
    return "$rc"
}

# Boot one variant on n vCPUs with mem of memory; returns QEMU's status
# (see describe_status). QEMU's other threads keep to the run's CPUs too.
boot() {
    local variant=$1 n=$2 mem=$3 name=$4 label=$5 repeat=$6 log err append boot_pid rc=0 started=$SECONDS
    log=$run_dir/logs/$name.log
    err=$run_dir/logs/$name.qemu-stderr
    append=$(bench_args "$(bench_cpus_for "$n")" "$repeat" "$qemu_suites" "$name")
    local qargs=(-q --kernel "$(kernel_of "$variant")" --smp "$n" --mem "$mem"
                 --append "$append" --serial "$log" --timeout "$opt_timeout")
    if ((opt_deterministic)); then qargs+=(--icount); else qargs+=(--accel "$accel"); fi
    local extra=() pin=0
    if ((!opt_deterministic && n <= host_cores)); then
        rm -f "$tmp/qmp.sock"
        extra+=(-qmp "unix:$tmp/qmp.sock,server=on,wait=off")
        pin=1
    fi
    ((opt_perf)) && { rm -f "$tmp/qemu.pid"; extra+=(-pidfile "$tmp/qemu.pid"); }

    step "$label: booting on $n vCPUs ($accel, $mem), $append"
    : >"$log"
    taskset -c "$(cpus_csv)" scripts/qemu.sh "${qargs[@]}" -- "${extra[@]}" </dev/null 2>"$err" &
    boot_pid=$!             # scripts/qemu.sh: a TERM to it stops QEMU too
    children=("$boot_pid")
    ((pin)) && pin_vcpus "$tmp/qmp.sock" "$boot_pid"
    ((opt_perf)) && start_perf "$tmp/qemu.pid" "$boot_pid" "$run_dir/perf/$name.txt"
    watch_run "$boot_pid" "$log" "$label" || rc=$?
    [[ -z $perf_pid ]] || check_perf "$run_dir/perf/$name.txt"
    [[ -s $err ]] || rm -f "$err"
    if ((rc == 33)); then
        step "$label: done in $((SECONDS - started)) s"
    else
        step "$label: $(describe_status "$rc") after $((SECONDS - started)) s; log kept: $log"
        [[ ! -s $err ]] || sed 's/^/  | /' "$err" >&2
    fi
    return "$rc"
}

# The hosted target on one thread per CPU of the run (one per core),
# pinned. Returns 33 when every suite completed, as a boot does.
run_hosted() {
    local variant=$1 mem=$2 name=$3 label=$4 repeat=$5 log err pid rc=0 started=$SECONDS args
    log=$run_dir/logs/$name.log
    err=$run_dir/logs/$name.stderr
    read -ra args <<<"$(bench_args "$(bench_cpus_for "$host_cores")" "$repeat" "$hosted_suites" "$name")"
    # Ten times the operations: natively they are about ten times faster
    # than under TCG, and a phase of 1 ms is decided by the host's noise.
    args+=("bench_scale=$((opt_quick ? 120 : 1000))")
    local cmd=(taskset -c "$(cpus_csv)" "$(hosted_of "$variant")" --mem "$(mem_mib "$mem")"
               --cpus "$(cpus_csv)")
    step "$label: running natively on $host_cores pinned threads ($mem), ${args[*]}"
    : >"$log"
    "${cmd[@]}" "${args[@]}" >"$log" 2>"$err" </dev/null &
    pid=$!
    watch_run "$pid" "$log" "$label" || rc=$?
    [[ -s $err ]] || rm -f "$err"
    if ((rc == 0)); then
        step "$label: done in $((SECONDS - started)) s"
        return 33
    fi
    step "$label: $(describe_hosted_status "$rc") after $((SECONDS - started)) s; log kept: $log"
    [[ ! -s $err ]] || sed 's/^/  | /' "$err" >&2
    return "$rc"
}

describe_hosted_status() {
    case $1 in
        1) echo "bench-hosted: a suite failed (status 1)" ;;
        2) echo "bench-hosted refused its arguments (status 2)" ;;
        130|143) echo "interrupted" ;;
        *) echo "bench-hosted exited with status $1: crashed?" ;;
    esac
}

mem_mib() { # QEMU's size syntax (512M, 1G) -> MiB
    local n=${1%[KMGT]} unit=${1##*[0-9]}
    case $unit in K) echo $(((n + 1023) / 1024)) ;; M|"") echo "$n" ;; G) echo $((n * 1024)) ;;
        T) echo $((n * 1024 * 1024)) ;; esac
}

# Which variants each target runs. Hosted, variants that differ only in
# their shootdown part are one program (the hosted suites do no
# shootdowns): the first of them runs.
plan_targets() {
    local v seen=" "
    hosted_variants=()
    if has_target hosted; then
        for v in "${opt_variants[@]}"; do
            [[ $seen == *" ${v%-*} "* ]] || hosted_variants+=("$v")
            seen+="${v%-*} "
        done
    fi
}

# Every boot of this run's cells (all of the plan, or one shard), in plan
# order.
boot_all() {
    local k i=0 total=$((shard_end - shard_first)) v n m r name label rc
    # (resolve_cpus has warned about these already)
    for n in "${plan_counts[@]}"; do
        ((n <= host_cores)) || pin_note="not pinned: $n vCPUs on $host_cores host cores"
    done
    for ((k = shard_first; k < shard_end; k++)); do
        i=$((i + 1))
        v=${cell_variants[k]} n=${cell_vcpus[k]} m=${cell_mems[k]} r=${cell_repeats[k]}
        name=${cell_names[k]}
        label="$v $([[ $n == host ]] && echo hosted || echo "smp $n")"
        ((${#opt_mems[@]} == 1)) || label+=" mem $m"
        label+=" repeat $r ($i/$total$([[ -z $opt_shard ]] || echo ", boot $((k + 1)) of the plan's ${#cell_names[@]}"))"
        rc=0
        if [[ ${cell_targets[k]} == hosted ]]; then
            run_hosted "$v" "$m" "$name" "$label" "$r" || rc=$?
            boot_done "$rc" "cell $name" describe_hosted_status || return
        else
            boot "$v" "$n" "$m" "$name" "$label" "$r" || rc=$?
            boot_done "$rc" "cell $name" describe_status || return
        fi
    done
}

# Record how a boot ended (status, what, the function that explains the
# status); false when the run was interrupted.
boot_done() {
    if ((interrupted)); then
        incomplete+=("interrupted")
        return 1
    fi
    (($1 == 33)) || incomplete+=("$2: $("$3" "$1")")
}

# ---- results -------------------------------------------------------------------
commit_id() {
    local c
    c=$(git rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
    # --no-optional-locks: only look; do not refresh the index.
    [[ -z $(git --no-optional-locks status --porcelain 2>/dev/null) ]] || c+=-dirty
    echo "$c"
}

qemu_version() {
    if has_target qemu; then "$qemu" --version | head -n 1; else echo "not used (--target hosted)"; fi
}

# The facts only this script knows, for bench.py process --meta-json:
# the setup, and the plan with this run's part of it (its shard), so that
# shards can be merged from any hosts.
write_meta_input() {
    local pinning k cells=$tmp/cells.tsv
    pinning="vCPU i on the i-th of host CPUs $(cpus_csv) (qmp_pin.py)"
    ((opt_deterministic)) && pinning="off (--deterministic: all vCPUs on one host thread)"
    [[ -z $pin_note ]] || pinning=$pin_note
    for k in "${!cell_names[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${cell_names[k]}" "${cell_variants[k]}" \
            "${cell_targets[k]}" "${cell_vcpus[k]}" "${cell_mems[k]}" "$(mem_mib "${cell_mems[k]}")" \
            "${cell_repeats[k]}"
    done >"$cells"
    "$python" - "$1" "$(date -Iseconds)" "$(qemu_version)" "$accel" \
        "$(IFS=,; echo "${plan_counts[*]}")" "$(IFS=,; echo "${opt_mems[*]}")" "$run_id" \
        "$(IFS=,; echo "${shard_variants[*]}")" \
        "$(commit_id)" "$("$python" bench/host/qmp_pin.py --topology)" "$perf_outcome" \
        "$pinning" "$opt_suites" "$opt_quick" "$(IFS=,; echo "${opt_targets[*]}")" \
        "$opt_repeat" "${opt_modes:-sample}" "$cells" "$plan_id" "$(plan_options)" \
        "$opt_shard" "$shard_first" "$shard_end" "$(hostname)" "$(cpus_csv)" \
        "${incomplete[@]}" <<'EOF'
import json, sys
(out, date, qemu_version, accel, vcpus, memory, run_id, variants, commit, topology,
 perf, pinning, suites, quick, targets, repeat, modes, cells_path, plan_id, options,
 shard, first, end, host, cpus), reasons = sys.argv[1:26], sys.argv[26:]
vcpus = [int(n) for n in vcpus.split(",")]
memory = memory.split(",")
cells = []
with open(cells_path) as f:
    for line in f:
        name, variant, target, n, mem, mib, rep = line.rstrip("\n").split("\t")
        cells.append({"cell": name, "variant": variant, "target": target,
                      "vcpus": None if n == "host" else int(n), "memory": mem,
                      "mem_mib": int(mib), "repeat": int(rep)})
meta = {"date": date, "qemu_version": qemu_version, "accel": accel,
        "vcpus": vcpus[0] if len(vcpus) == 1 else vcpus,
        "memory": memory[0] if len(memory) == 1 else memory,
        "run_id": run_id, "variants": variants.split(",") if variants else [],
        "commit": commit, "host_topology": json.loads(topology), "perf": perf,
        "pinning": pinning, "suites": suites, "quick": quick == "1",
        "targets": targets.split(","), "repeat": int(repeat), "modes": modes.split(","),
        "plan": {"id": plan_id, "options": options, "cells": cells},
        "host": host, "cores": [int(c) for c in cpus.split(",")],
        "incomplete_reasons": reasons}
if shard:
    index, count = (int(n) for n in shard.split("/"))
    meta["shard"] = {"index": index, "count": count,
                     "cells": [c["cell"] for c in cells[int(first):int(end)]]}
with open(out, "w") as f:
    json.dump(meta, f, indent=2)
EOF
}

# Why the run is incomplete: meta.json's list, which adds bench.py's reasons
# (rejected logs, failed suites) to this script's.
say_incomplete_reasons() {
    local r
    if [[ -f $run_dir/meta.json ]]; then
        "$python" -c 'import json, sys
for r in json.load(open(sys.argv[1])).get("incomplete_reasons", []): print(r)' \
            "$run_dir/meta.json" 2>/dev/null | sed "s/^/$prog:   /" >&2 && return
    fi
    for r in "${incomplete[@]}"; do note "  $r"; done
}

# An interrupted run says so in its meta.json, wherever the signal landed
# (during a boot, in bench.py, or after it had finished).
mark_interrupted() {
    local meta=$run_dir/meta.json
    [[ -f $meta ]] || return 0
    "$python" - "$meta" <<'EOF' || note "warning: could not mark $meta as interrupted"
import json, os, sys
path = sys.argv[1]
with open(path) as f:
    meta = json.load(f)
reasons = meta.setdefault("incomplete_reasons", [])
if not any("interrupted" in r for r in reasons):
    reasons.append("interrupted (SIGINT)")
meta["complete"] = False
with open(path + ".tmp", "w") as f:
    f.write(json.dumps(meta, indent=2, sort_keys=True) + "\n")
os.replace(path + ".tmp", path)
EOF
}

# bench.py process on every log there is; returns its status.
process_results() {
    local logs=("$run_dir"/logs/*.log)
    if [[ ! -e ${logs[0]} ]]; then
        note "no serial log to process"
        return 1
    fi
    write_meta_input "$tmp/meta.json"
    step "processing ${#logs[@]} logs"
    local rc=0
    "$python" bench/host/bench.py process --out "$run_dir" --plots "$plots_dir" \
        --meta-json "$tmp/meta.json" "${logs[@]}" || rc=$?
    echo
    echo "summary: $run_dir/summary.csv"
    echo "report:  $run_dir/report.md"
    echo "plots:   $plots_dir/"
    return "$rc"
}

run_cmdline=""
main() {
    run_cmdline=$*
    parse_args "$@"
    cd "$repo"
    trap on_signal INT TERM
    trap cleanup EXIT
    check_suites
    plan_targets
    resolve_cpus
    build_plan
    select_shard
    if ((opt_plan)); then print_plan; exit 0; fi
    hash_plan
    if ((opt_slurm)); then write_slurm; exit 0; fi

    if ((opt_deps)); then
        scripts/deps.sh --bench
    fi
    ((${#shard_variants[@]})) || die "--shard $opt_shard holds no boot"
    ! has_target qemu || command -v "$qemu" >/dev/null 2>&1 ||
        fail "$qemu not found: qemu-system-x86_64 comes with the Debian package qemu-system-x86 (scripts/deps.sh --bench installs it, as root)"
    [[ -z $opt_out ]] || claim_out_dir
    ((opt_make)) && build_variants
    check_kernels
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_bench.XXXXXX")
    decide_accel
    ((interrupted)) && exit 130

    make_run_dir
    step "run $run_id$([[ -z $opt_shard ]] || echo " (shard $opt_shard of plan ${plan_id:0:12})"): ${#shard_variants[@]} variants, $((shard_end - shard_first)) boots, target $(IFS=,; echo "${opt_targets[*]}"), $opt_repeat repeat$( ((opt_repeat == 1)) || echo s), results in $run_dir/, plots in $plots_dir/"
    boot_all
    local rc=0
    process_results || rc=$?
    # results/latest only ever points at a complete run.
    local latest=""
    if [[ -z $opt_out && -z $opt_shard ]]; then
        latest="; results/latest was not moved"
        ((interrupted || rc != 0 || ${#incomplete[@]})) || point_latest
    fi
    if ((interrupted)); then
        mark_interrupted
        note "interrupted: $run_dir keeps what was measured and processed, and its meta.json" \
             "says the run is incomplete$latest"
        exit 130
    fi
    if ((rc != 0 || ${#incomplete[@]})); then
        note "the run is incomplete (bench.py process exited with status $rc)$latest:"
        say_incomplete_reasons
        exit 1
    fi
    step "done: every variant completed"
}

main "$@"
