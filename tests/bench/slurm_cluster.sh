#!/usr/bin/env bash
# tests/bench/slurm_cluster.sh - a throwaway single-node Slurm cluster on
# localhost, for testing ./run_bench.sh --slurm for real: `start` installs
# Debian's Slurm and MUNGE if missing, writes a munge key and a slurm.conf
# into STATE_DIR, and starts munged, slurmctld and slurmd there as plain
# daemons (no systemctl, no init scripts); `stop` stops them again; `env`
# prints what clients (sbatch, squeue, scontrol, sinfo) need.
#
# Everything the cluster writes is inside STATE_DIR, and it talks on ports of
# its own, so a real cluster on the machine (/etc/slurm, /etc/munge,
# /run/munge, ports 6817/6818) is neither read nor disturbed. It runs as
# root: slurmd must start job steps as the submitting user.
#
# Installing the packages (once per machine) changes the machine like any
# install does: their postinst creates the users munge and slurm, a key
# /etc/munge/munge.key that this cluster does not use, and init scripts and
# systemd unit links. It would also start munge, slurmctld and slurmd with
# /etc's configuration; a policy-rc.d that denies every start stops that for
# the duration of the install (unless the machine already has a policy-rc.d,
# which is left as it is and decides).
#
# What munged 0.5.15 demands of STATE_DIR/munge (it refuses to start
# otherwise): the key owned by the user munged runs as (root here: "should be
# owned by UID 0 instead of UID 102"), not readable or writable by group or
# other (0400); its directory and the log's not writable by others; every
# directory above the socket searchable by all ("Socket is inaccessible:
# execute permissions for all required") - the one check that --force makes
# a warning, used when a parent of STATE_DIR is 0700.
#
# The slurm.conf settings that are not obvious (write_slurm_conf writes it):
#   SlurmctldHost=<node>(127.0.0.1), NodeName=<node> NodeAddr=127.0.0.1
#       <node> is `hostname -s` (slurmctld starts only on a host whose short
#       name is SlurmctldHost's, and slurmd is given it with -N); the address
#       keeps all traffic on loopback whatever the name resolves to.
#   SlurmctldPort, SlurmdPort     two free ports picked at each start, not
#       6817/6818, so that a real cluster's daemons are not in the way and a
#       restart does not wait for the last run's ports. (The daemons listen
#       on all addresses, 0.0.0.0; only messages whose munge credential the
#       private munged, with this STATE_DIR's key, decodes are accepted.)
#   CPUs, Boards, SocketsPerBoard, CoresPerSocket, ThreadsPerCore, RealMemory
#       what `slurmd -C` reports for this machine: a node whose slurmd finds
#       fewer CPUs or less memory than configured is drained.
#   SlurmUser=root, SlurmdUser=root    no slurm-owned directories needed.
#   AuthInfo=socket=STATE_DIR/munge/munge.socket   the private munged (used
#       by auth/munge and cred/munge alike), not the machine's /run/munge.
#   ProctrackType=proctrack/linuxproc  finds a job's processes through
#       /proc's parent links; needs no cgroup set up (proctrack/cgroup would
#       need a cgroup.conf and a writable cgroup hierarchy). So no cgroup.conf
#       is needed: slurmd 22.05 reads one only for a cgroup plugin.
#   TaskPlugin=task/affinity      binds each task to the cores it was given
#       with sched_setaffinity, so `nproc` in a --cpus-per-task=1 task says 1
#       and the task's vCPU pinning stays on its own core.
#   SelectType=select/cons_tres, SelectTypeParameters=CR_Core   cores, not
#       whole nodes, are what is allocated: two 1-core tasks share the node.
#   AccountingStorageType=accounting_storage/none   no slurmdbd (it needs a
#       MySQL/MariaDB server), so `sacct` says "accounting storage is
#       disabled"; JobCompType=jobcomp/filetxt writes one line per finished
#       job (state, exit code, start and end times) to STATE_DIR/log/
#       jobcomp.log instead, and `scontrol show job` knows a finished job for
#       MinJobAge (300 s).
#   MailProg=/bin/true            slurmctld logs an error without a mail program.
#   KillWait=5                    scancel's SIGKILL comes 5 s after SIGTERM, not
#       30, so that `stop` is quick.
#   SchedulerParameters=batch_sched_delay=0   try to start a batch job at
#       once when it is submitted (the default lets that wait up to 3 s:
#       measured here, submit to start went from 2-3 s to about 1 s).
#   EnforcePartLimits=ALL         sbatch refuses a job that asks for more than
#       the node has ("More processors requested than permitted", e.g.
#       --cpus-per-task=3 on 2 cores) instead of taking it and leaving it
#       pending forever (reason PartitionConfig): a test then fails at once.
#   ReturnToService=2             a node that was marked down comes back as
#       soon as its slurmd registers.
set -euo pipefail

prog=tests/bench/slurm_cluster.sh
start_timeout=${SLURM_CLUSTER_TIMEOUT:-60}   # seconds for the node to come up idle
stop_timeout=10                              # seconds per daemon before SIGKILL
marker=.slurm_cluster                        # says a directory is one of ours

usage() {
    cat <<EOF
Usage: $prog start STATE_DIR
       $prog stop STATE_DIR
       $prog env STATE_DIR

A single-node Slurm cluster on localhost whose configuration, state, logs,
munge key and sockets are all in STATE_DIR (an absolute or relative path
without spaces; created if missing). If a directory above STATE_DIR is not
searchable by all users (one from mktemp -d), munged, which requires that of
its socket's path, is started with --force, and only root can use the
cluster.

  start  install slurmctld, slurmd, slurm-client and munge with apt-get if
         any is missing; write STATE_DIR/slurm.conf and a new munge key; start
         munged, slurmctld and slurmd; wait (up to \$SLURM_CLUSTER_TIMEOUT,
         default ${start_timeout} s) until sinfo shows the node idle; print the
         line clients need:  export SLURM_CONF=STATE_DIR/slurm.conf
         (so: eval "\$($prog start DIR)"). A STATE_DIR used before is
         reused: its old state, logs and key are replaced. On failure it
         prints the daemons' log tails, stops what it started and exits 1.
  stop   cancel the cluster's jobs, stop slurmd, slurmctld and munged (SIGTERM,
         then SIGKILL after ${stop_timeout} s each) and wait until they are gone.
         Safe to run twice or after a failed start.
  env    print the client environment line(s) for STATE_DIR

Must run as root. Nothing outside STATE_DIR is written, except by the
package install (see the header of this script).
EOF
}

die() {
    echo "$prog: error: $*" >&2
    exit 1
}
say() { echo "$prog: $*" >&2; }

# --- install ---------------------------------------------------------------

# Two starts at once (make test runs slurm_cluster_test.sh and the sweep
# test side by side) would race for dpkg's lock: one installs, the other
# waits here, then finds everything installed.
ensure_installed() {
    local lock rc=0
    exec {lock}>"${TMPDIR:-/tmp}/slurm_cluster.install.lock"
    flock "$lock"
    install_missing || rc=$?
    exec {lock}>&-
    return "$rc"
}

install_missing() {
    local missing=() p status
    for p in slurmctld slurmd slurm-client munge; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get here"
    say "installing ${missing[*]} ..."
    local log policy=/usr/sbin/policy-rc.d ours=0
    log=$(mktemp "${TMPDIR:-/tmp}/slurm_cluster.XXXXXX")
    # The packages' postinst would start munge, slurmctld and slurmd from
    # /etc (invoke-rc.d and deb-systemd-invoke both ask policy-rc.d first).
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# %s: no service starts during its install\nexit 101\n' "$prog" >"$policy"
        chmod 755 "$policy"
        ours=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT # also if interrupted
    fi
    local rc=0
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1 ||
            { apt-get update -q >>"$log" 2>&1 &&
                apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; }
    } || rc=$?
    if ((ours)); then
        rm -f "$policy"
        trap - EXIT
    fi
    if ((rc != 0)); then
        cat "$log" >&2
        rm -f "$log"
        die "'apt-get install ${missing[*]}' failed (output above)"
    fi
    rm -f "$log"
    for p in slurmctld slurmd sbatch munged; do
        command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
        command -v "$p" >/dev/null || die "$p not found after installing ${missing[*]}"
    done
    say "installed ${missing[*]}"
}

# --- state directory -------------------------------------------------------

# Sets state (absolute) and the paths inside it.
set_paths() {
    [[ -n ${1:-} ]] || { usage >&2; exit 2; }
    [[ $1 != *[[:space:]#]* ]] || die "STATE_DIR '$1' has a space or '#': slurm.conf cannot say such paths"
    state=$(realpath -m -- "$1")
    conf=$state/slurm.conf
    munge_dir=$state/munge
    socket=$munge_dir/munge.socket
    munged_pid=$munge_dir/munged.pid
    ctld_pid=$state/run/slurmctld.pid
    slurmd_pid=$state/run/slurmd.pid
}

env_line() { echo "export SLURM_CONF=$conf"; }

# munged refuses a socket in a directory that others cannot search, and
# checks every directory above it (a directory from mktemp -d is 0700).
# Prints those that are not; mkdir -p makes the missing ones searchable.
unsearchable_ancestors() {
    local d=$state mode
    while [[ $d != / ]]; do
        d=$(dirname "$d")
        [[ -d $d ]] || continue
        mode=$(stat -c %a "$d")
        (((8#$mode & 8#001) != 0)) || echo "$d (mode $mode)"
    done
    return 0
}

# Picks a TCP port that nothing listens on, away from Slurm's 6817-6819 and
# from the ephemeral range the kernel hands out for outgoing connections.
free_port() {
    local avoid=${1:-0} p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        ((p == avoid)) && continue
        [[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]] && { echo "$p"; return 0; }
    done
    die "no free TCP port found in 20000-31999"
}

write_slurm_conf() {
    local node=$1 hw=$2 ctld_port=$3 slurmd_port=$4
    cat >"$conf" <<EOF
# Written by $prog start: a single-node cluster on localhost whose
# state, logs and munge socket are all in $state.
# Why each setting: see the header of $prog.
ClusterName=benchtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$ctld_pid
SlurmdPidFile=$slurmd_pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
MailProg=/bin/true
KillWait=5
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
EnforcePartLimits=ALL
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=bench Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

log_tails() {
    local f
    for f in "$munge_dir/munged.log" "$state/log/slurmctld.log" "$state/log/slurmd.log"; do
        [[ -s $f ]] || continue
        echo "--- last lines of $f:" >&2
        tail -n 15 "$f" >&2
    done
}

start_failed() {
    say "error: $*"
    log_tails
    say "stopping what was started"
    cmd_stop >&2 || true
    exit 1
}

cmd_start() {
    [[ $(id -u) == 0 ]] || die "must run as root (slurmd starts job steps as the submitting user)"
    ensure_installed
    PATH=$PATH:/usr/sbin:/sbin
    local closed munged_force=()
    closed=$(unsearchable_ancestors)
    if [[ -n $closed ]]; then
        # munged --force makes that a warning; root, which submits the jobs
        # here and runs them, reaches the socket anyway. Nobody else could.
        say "note: ${closed//$'\n'/, } not searchable by all users: munged runs with --force, and only root can use this cluster"
        munged_force=(--force)
    fi
    if [[ -e $state ]]; then
        [[ -d $state ]] || die "$state exists and is not a directory"
        if [[ ! -e $state/$marker && -n $(ls -A "$state") ]]; then
            die "$state is not empty and was not made by $prog: refusing to reuse it"
        fi
        local f
        for f in "$munged_pid" "$ctld_pid" "$slurmd_pid"; do
            [[ -n $(live_pid "$f") ]] && die "a daemon of this cluster is still running ($f): '$prog stop $state' first"
        done
        # A fresh cluster each time: no jobs or node state from the last one.
        rm -rf "$state/spool" "$state/run" "$state/log" "$munge_dir"
    fi
    mkdir -p "$state"
    : >"$state/$marker"
    # munged: the socket's directory (and each above) searchable by all;
    # the key's directory writable by its owner only; the key 0400 and owned
    # by the user munged runs as (root here).
    chmod 755 "$state"
    mkdir -p "$state/spool/ctld" "$state/spool/d" "$state/run" "$state/log" "$munge_dir"
    chmod 711 "$munge_dir"
    (umask 077 && head -c 1024 /dev/urandom >"$munge_dir/munge.key")
    chmod 400 "$munge_dir/munge.key"

    local node hw ctld_port slurmd_port
    node=$(hostname -s 2>/dev/null || true)
    [[ $node =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || die "cannot use the host name '$node' as a Slurm node name"
    # slurmd -C: "NodeName=x CPUs=2 Boards=1 ... RealMemory=24105"
    hw=$(slurmd -C 2>/dev/null | sed -n '1s/^NodeName=[^ ]* //p')
    [[ $hw == *CPUs=* && $hw == *RealMemory=* ]] || die "'slurmd -C' printed no CPUs/RealMemory: $(slurmd -C 2>&1 | head -n 3)"
    ctld_port=$(free_port)
    slurmd_port=$(free_port "$ctld_port")
    write_slurm_conf "$node" "$hw" "$ctld_port" "$slurmd_port"
    say "node $node ($hw), slurmctld port $ctld_port, slurmd port $slurmd_port"

    export SLURM_CONF=$conf
    munged "${munged_force[@]}" --socket="$socket" --key-file="$munge_dir/munge.key" --pid-file="$munged_pid" \
        --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" >&2 ||
        start_failed "munged did not start"
    munge -n -S "$socket" | unmunge -S "$socket" >/dev/null 2>&1 ||
        start_failed "munged started but a credential does not round-trip through $socket"
    slurmctld -f "$conf" >&2 || start_failed "slurmctld did not start"
    slurmd -f "$conf" -N "$node" >&2 || start_failed "slurmd did not start"

    local t0=$SECONDS st=""
    while ((SECONDS - t0 < start_timeout)); do
        st=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
        [[ $st == idle ]] && break
        [[ -n $(live_pid "$ctld_pid") ]] || start_failed "slurmctld exited"
        [[ -n $(live_pid "$slurmd_pid") ]] || start_failed "slurmd exited"
        sleep 0.2
    done
    [[ $st == idle ]] || start_failed "node $node not idle after ${start_timeout} s (sinfo says '${st:-nothing}')"
    say "up in $((SECONDS - t0)) s after the daemons started"
    env_line
}

# --- stop ------------------------------------------------------------------

# Whether process $1 has a thread that has not exited. Not "is in /proc":
# the daemons' parent is PID 1, which need not reap them at once (nor at all,
# in a container whose PID 1 is not an init), and a zombie is as stopped as
# it gets. Not "its main thread is not a zombie" either: that one can exit
# first while the others still work (slurmctld saving its state).
alive() {
    local t st
    for t in /proc/"$1"/task/*/stat; do
        st=$(sed 's/.*) //' "$t" 2>/dev/null) || continue
        [[ -n $st && $st != Z* && $st != X* ]] && return 0
    done
    return 1
}

# The pid in pid file $1 if that process is alive and still the daemon named
# by the file (pids are reused), else nothing.
live_pid() {
    local f=$1 pid comm want
    [[ -r $f ]] || return 0
    pid=$(tr -dc 0-9 <"$f")
    [[ -n $pid ]] || return 0
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    want=$(basename "$f" .pid)
    [[ $comm == "$want" ]] && alive "$pid" && echo "$pid"
    return 0
}

# SIGTERM to each process "name:pid" given, then wait until all are gone;
# SIGKILL to those still there after stop_timeout seconds.
stop_pids() {
    local np pid i left
    for np in "$@"; do kill -TERM "${np#*:}" 2>/dev/null || true; done
    for ((i = 0; i < stop_timeout * 20; i++)); do
        left=()
        for np in "$@"; do alive "${np#*:}" && left+=("$np"); done
        ((${#left[@]})) || return 0
        sleep 0.05
    done
    for np in "${left[@]}"; do
        say "${np%%:*} (${np#*:}) still running after ${stop_timeout} s: SIGKILL"
        kill -KILL "${np#*:}" 2>/dev/null || true
    done
    for ((i = 0; i < 50; i++)); do
        left=()
        for np in "$@"; do alive "${np#*:}" && left+=("$np"); done
        ((${#left[@]})) || return 0
        sleep 0.1
    done
    say "warning: still running after SIGKILL: ${left[*]}"
    return 1
}

# slurmstepd processes of this cluster: they outlive slurmd, and carry its
# SLURM_CONF in their environment.
stepd_pids() {
    local p
    for p in $(pgrep -x slurmstepd || true); do
        alive "$p" || continue
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$conf" && echo "$p"
    done
    return 0
}

cmd_stop() {
    [[ -d $state ]] || return 0
    PATH=$PATH:/usr/sbin:/sbin
    local pid rc=0 i jobs="" procs=()
    export SLURM_CONF=$conf
    # Jobs first, while slurmctld and slurmd can still end them properly
    # (SIGTERM, then SIGKILL after KillWait): a job left running would keep
    # its slurmstepd and processes after slurmd is gone.
    [[ -z $(live_pid "$ctld_pid") ]] || jobs=$(squeue -h -o %A 2>/dev/null | sort -u || true)
    if [[ -n $jobs ]]; then
        say "cancelling the cluster's jobs: ${jobs//$'\n'/ }"
        # shellcheck disable=SC2086 # one argument per job id
        scancel --full $jobs 2>/dev/null || true
        # squeue empties before the steps have ended: wait for those too.
        for ((i = 0; i < 150; i++)); do
            [[ -z $(squeue -h -o %A 2>/dev/null || true) && -z $(stepd_pids) ]] && break
            sleep 0.1
        done
    fi
    pid=$(live_pid "$slurmd_pid")
    [[ -z $pid ]] || procs+=("slurmd:$pid")
    for pid in $(stepd_pids); do procs+=("slurmstepd:$pid"); done
    if ((${#procs[@]})); then stop_pids "${procs[@]}" || rc=1; fi
    # munged takes 2 s to stop, slurmctld about as long: both at once.
    procs=()
    pid=$(live_pid "$ctld_pid")
    [[ -z $pid ]] || procs+=("slurmctld:$pid")
    pid=$(live_pid "$munged_pid")
    [[ -z $pid ]] || procs+=("munged:$pid")
    if ((${#procs[@]})); then stop_pids "${procs[@]}" || rc=1; fi
    return "$rc"
}

# --- main ------------------------------------------------------------------

case ${1:-} in
-h | --help) usage; exit 0 ;;
start) set_paths "${2:-}"; cmd_start ;;
stop) set_paths "${2:-}"; cmd_stop ;;
env) set_paths "${2:-}"; env_line ;;
*) usage >&2; exit 2 ;;
esac
