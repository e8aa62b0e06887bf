#!/usr/bin/env bash
# slurm-single-node.sh — a private, single-node Slurm cluster on this machine.
#
#   scripts/slurm-single-node.sh start    install (if missing), configure, start; no-op if running
#   scripts/slurm-single-node.sh stop     cancel jobs, stop slurmd, slurmctld, munged; no-op if stopped
#   scripts/slurm-single-node.sh status   exit 0 and print the sinfo line if running, else exit 1
#   scripts/slurm-single-node.sh env      print `export SLURM_CONF=...` to eval in the caller's shell
#
# Target: Debian 12 (slurm-wlm 22.05 + munge 0.5.15), run as root, without systemd.
#
# Design notes (read before changing):
#  * Everything lives under one folder, ${SLURM_SINGLE_NODE_DIR:-/tmp/onnx-transfer-slurm}:
#    etc/slurm.conf, munge/ (key, socket, pid, log, seed), ctld/ (StateSaveLocation),
#    slurmd/ (SlurmdSpoolDir), run/ (pid files), log/ (daemon logs). Nothing in /etc is
#    written: the Slurm commands (sbatch, squeue, sinfo, scontrol, scancel, ...) find the
#    config through SLURM_CONF, which `env` prints. Without SLURM_CONF they read
#    /etc/slurm/slurm.conf, which this script neither writes nor needs. slurmctld and
#    slurmd are given the config with -f. Jobs inherit SLURM_CONF from the submitter's
#    environment (sbatch exports the whole environment by default).
#  * munged runs on its own socket (munge/munge.socket.2) with its own key, so it does
#    not touch /etc/munge or /run/munge and cannot collide with a system munged; Slurm is
#    pointed at it with AuthInfo=socket=... (used by both auth/munge and cred/munge).
#    munged runs as root here (the key is root-owned, mode 0400). `munge -n | unmunge`
#    is checked before slurmctld starts: a broken munge shows up in Slurm only as
#    "Protocol authentication error".
#  * The Debian packages would start their daemons from postinst; the install runs with
#    a policy-rc.d that exits 101 (an existing policy-rc.d is kept and put back).
#  * The daemons listen on 0.0.0.0 (22.05 has no bind option), but all traffic stays on
#    loopback: SlurmctldHost=NAME(127.0.0.1), NodeAddr=127.0.0.1.
#  * No accounting (no slurmdbd): sacct does not work. Read task states from
#    `scontrol -o show job` (jobs stay visible MinJobAge seconds after they end) or from
#    the jobs' output files.
#  * `sbatch --wait` polls slurmctld after 2 s, then 8 s later, then every 32 s, as long
#    as MinJobAge/2 is above the current interval (src/sbatch/sbatch.c _job_wait). With
#    the default MinJobAge=3600 a job that runs longer than ~10 s can make
#    `sbatch --wait` return up to 32 s late. Set SLURM_SINGLE_NODE_MIN_JOB_AGE (e.g. 16:
#    polls at 2 s then every 8 s) if that matters more than scontrol visibility, or
#    poll `scontrol -o show job` yourself.
#  * SchedulerParameters=batch_sched_delay=0 (default 3 s would delay batch starts),
#    select/cons_tres + CR_CPU so that 1-CPU array tasks share the node (select/linear
#    would run one task per node at a time), SlurmdParameters=config_overrides so the
#    node never drains over a hardware/config mismatch (CPUs from nproc, no RealMemory).
#  * stop: cancels all jobs first (so no job processes are left behind; set
#    SLURM_SINGLE_NODE_KEEP_JOBS=1 to skip), then stops the daemons by their recorded
#    pids (checked against /proc/PID/comm and cmdline, so a reused pid is never hit).
#
# Environment knobs (all optional):
#   SLURM_SINGLE_NODE_DIR          state folder               (/tmp/onnx-transfer-slurm)
#   SLURM_SINGLE_NODE_NAME         NodeName                   (hostname -s, or localhost)
#   SLURM_SINGLE_NODE_CPUS         CPUs of the node           (nproc)
#   SLURM_SINGLE_NODE_MIN_JOB_AGE  MinJobAge in seconds       (3600)
#   SLURM_SINGLE_NODE_CTLD_PORT    SlurmctldPort              (6817)
#   SLURM_SINGLE_NODE_SLURMD_PORT  SlurmdPort                 (6818)
#   SLURM_SINGLE_NODE_TIMEOUT      seconds to wait for idle   (30)
#   SLURM_SINGLE_NODE_KEEP_JOBS    1: stop leaves jobs alone  (unset)

set -euo pipefail

PROG="slurm-single-node"
DIR="${SLURM_SINGLE_NODE_DIR:-/tmp/onnx-transfer-slurm}"
CONF="$DIR/etc/slurm.conf"
MUNGE_DIR="$DIR/munge"
MUNGE_SOCKET="$MUNGE_DIR/munge.socket.2"
MUNGE_KEY="$MUNGE_DIR/munge.key"
MUNGE_PID="$MUNGE_DIR/munged.pid"
CTLD_PID="$DIR/run/slurmctld.pid"
SLURMD_PID="$DIR/run/slurmd.pid"
LOG_DIR="$DIR/log"
TIMEOUT="${SLURM_SINGLE_NODE_TIMEOUT:-30}"
POLICY_RC="/usr/sbin/policy-rc.d"
POLICY_MARK="# written by $PROG during apt-get install"
POLICY_SAVED="/usr/sbin/policy-rc.d.$PROG-saved"

# Daemons live in /usr/sbin, which a CI environment may not have on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export SLURM_CONF="$CONF"
# Keep the caller's Slurm settings from leaking into our own client calls.
unset SQUEUE_FORMAT SINFO_FORMAT SLURM_CLUSTERS SLURM_TIME_FORMAT 2>/dev/null || true

die() { echo "$PROG: error: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

usage() {
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
}

require_platform() {
    [ "$(uname -s)" = Linux ] || die "Linux only (this is $(uname -s))"
    [ "$(id -u)" = 0 ] || die "must run as root (slurmd and munged are started as root)"
}

# One start/stop at a time (parallel test runs). The daemons are started with fd 9
# closed (9>&-): a daemon that inherited it would hold the lock for its whole life.
take_lock() {
    exec 9>>"$DIR/.lock"
    flock -w 300 9 || die "another $PROG start/stop has held $DIR/.lock for 300 s"
}

# ---------------------------------------------------------------- node facts
node_name() {
    local n="${SLURM_SINGLE_NODE_NAME:-}"
    if [ -z "$n" ]; then
        n="$(hostname -s 2>/dev/null || true)"
        # A name Slurm's hostlist syntax would mangle, or one that does not resolve,
        # is replaced by localhost (slurmd is started with -N NAME either way).
        if ! [[ "$n" =~ ^[A-Za-z][A-Za-z0-9-]*$ ]] || ! getent hosts "$n" >/dev/null 2>&1; then
            n=localhost
        fi
    fi
    echo "$n"
}

node_cpus() {
    local c="${SLURM_SINGLE_NODE_CPUS:-}"
    [ -n "$c" ] || c="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
    [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "cannot tell the CPU count (got '$c')"
    echo "$c"
}

# ---------------------------------------------------------------- processes
# Daemons are reparented to pid 1, which may take a while to reap them: a zombie is gone.
is_zombie() { [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" = Z ]; }

# pid_alive PIDFILE COMM: prints the pid if the file names a live COMM process started
# with our state folder on its command line.
pid_alive() {
    local file="$1" comm="$2" pid
    [ -r "$file" ] || return 1
    pid="$(tr -dc 0-9 <"$file")"
    [ -n "$pid" ] || return 1
    [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
    is_zombie "$pid" && return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/" || return 1
    echo "$pid"
}

munged_alive() { pid_alive "$MUNGE_PID" munged; }
ctld_alive() { pid_alive "$CTLD_PID" slurmctld; }
slurmd_alive() { pid_alive "$SLURMD_PID" slurmd; }

# stop_pid PIDFILE COMM: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
    local file="$1" comm="$2" pid i
    if pid="$(pid_alive "$file" "$comm")"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            [ -d "/proc/$pid" ] || break
            is_zombie "$pid" && break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ] && ! is_zombie "$pid"; then
            note "$comm (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        fi
    fi
    rm -f "$file"
}

logs_tail() {
    local f
    for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" "$MUNGE_DIR/munged.log" "$LOG_DIR/start.out"; do
        [ -s "$f" ] || continue
        echo "----- tail $f" >&2
        tail -n 15 "$f" >&2
    done
}

fail_start() {
    echo "$PROG: error: $*" >&2
    logs_tail
    exit 1
}

# ---------------------------------------------------------------- install
have_binaries() {
    local b
    for b in munged munge unmunge slurmctld slurmd slurmstepd sinfo sbatch squeue scontrol scancel; do
        command -v "$b" >/dev/null 2>&1 || return 1
    done
}

restore_policy_rc() {
    if [ -f "$POLICY_RC" ] && grep -qF "$POLICY_MARK" "$POLICY_RC" 2>/dev/null; then
        rm -f "$POLICY_RC"
    fi
    if [ -f "$POLICY_SAVED" ] && [ ! -e "$POLICY_RC" ]; then
        mv "$POLICY_SAVED" "$POLICY_RC"
    fi
}

install_packages() {
    have_binaries && return 0
    command -v apt-get >/dev/null 2>&1 || die "Slurm is not installed and apt-get is missing (Debian/Ubuntu only)"
    note "installing slurm-wlm and munge with apt-get"
    restore_policy_rc # leftovers of an interrupted earlier run
    if [ -e "$POLICY_RC" ]; then
        cp -p "$POLICY_RC" "$POLICY_SAVED"
    fi
    trap restore_policy_rc EXIT
    printf '#!/bin/sh\n%s: no daemon may start\nexit 101\n' "$POLICY_MARK" >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"

    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    local pkgs=(slurm-wlm munge)
    local out="$DIR/log/apt.out"
    mkdir -p "$DIR/log"
    # Update first only when apt does not know the packages (a clean container).
    if ! apt-cache show slurm-wlm munge >/dev/null 2>&1 \
        || apt-cache policy slurm-wlm munge 2>/dev/null | grep -q 'Candidate: (none)'; then
        "${apt[@]}" update >"$out" 2>&1 || { tail -n 20 "$out" >&2; die "apt-get update failed (log: $out)"; }
    fi
    if ! "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >>"$out" 2>&1; then
        # Stale package lists (404 on a superseded version): update and retry once.
        "${apt[@]}" update >>"$out" 2>&1 || true
        "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >>"$out" 2>&1 \
            || { tail -n 20 "$out" >&2; die "apt-get install ${pkgs[*]} failed (log: $out)"; }
    fi
    restore_policy_rc
    trap - EXIT
    have_binaries || die "slurm-wlm and munge installed, but their programs are not on PATH"
}

# ---------------------------------------------------------------- config
write_config() {
    local name="$1" cpus="$2" tmp
    mkdir -p "$DIR/etc" "$DIR/ctld" "$DIR/slurmd" "$DIR/run" "$LOG_DIR"
    tmp="$(mktemp "$DIR/etc/.slurm.conf.XXXXXX")"
    cat >"$tmp" <<EOF
# Written by scripts/$PROG.sh; rewritten at every start. Use with SLURM_CONF=$CONF.
ClusterName=onnxtransfer
SlurmctldHost=$name(127.0.0.1)
SlurmctldPort=${SLURM_SINGLE_NODE_CTLD_PORT:-6817}
SlurmdPort=${SLURM_SINGLE_NODE_SLURMD_PORT:-6818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
JobContainerType=job_container/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=${SLURM_SINGLE_NODE_MIN_JOB_AGE:-3600}
KillWait=5
InactiveLimit=0
Waittime=0
MailProg=/bin/true
NodeName=$name NodeAddr=127.0.0.1 NodeHostname=$name CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=$name Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 0644 "$tmp"
    if [ -f "$CONF" ] && cmp -s "$tmp" "$CONF"; then
        rm -f "$tmp"
        return 1 # unchanged
    fi
    mv -f "$tmp" "$CONF"
    return 0
}

# ---------------------------------------------------------------- daemons
munge_ok() {
    munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1
}

start_munged() {
    mkdir -p "$MUNGE_DIR"
    chown root:root "$DIR" "$MUNGE_DIR"
    chmod 0755 "$DIR"
    chmod 0755 "$MUNGE_DIR" # munged: socket dir must be executable by all
    if [ ! -s "$MUNGE_KEY" ]; then
        (umask 077 && dd if=/dev/urandom of="$MUNGE_KEY.tmp" bs=1024 count=1 status=none)
        mv -f "$MUNGE_KEY.tmp" "$MUNGE_KEY"
    fi
    chown root:root "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    if munged_alive >/dev/null && munge_ok; then return 0; fi
    stop_pid "$MUNGE_PID" munged
    rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
    # --force: a state folder under a group-writable parent only earns a warning in
    # munged.log instead of a refusal (this is a private test realm on loopback).
    munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE_KEY" --pid-file="$MUNGE_PID" \
        --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed" \
        --origin=127.0.0.1 --num-threads=2 --force >>"$LOG_DIR/start.out" 2>&1 9>&- \
        || fail_start "munged did not start"
    local i
    for ((i = 0; i < 50; i++)); do
        munge_ok && return 0
        sleep 0.1
    done
    fail_start "munged is not answering: 'munge -n | unmunge' fails on $MUNGE_SOCKET"
}

# Waits up to 5 s for a daemon just started ($1: its *_alive check) to be up; fails naming it ($2) otherwise.
wait_alive() {
    local i
    for ((i = 0; i < 50; i++)); do
        "$1" >/dev/null && return 0
        sleep 0.1
    done
    fail_start "$2 exited right after starting"
}

start_slurmctld() {
    ctld_alive >/dev/null && return 0
    rm -f "$CTLD_PID"
    slurmctld -f "$CONF" >>"$LOG_DIR/start.out" 2>&1 9>&- || fail_start "slurmctld did not start"
    wait_alive ctld_alive slurmctld
}

start_slurmd() {
    local name="$1"
    slurmd_alive >/dev/null && return 0
    rm -f "$SLURMD_PID"
    slurmd -f "$CONF" -N "$name" >>"$LOG_DIR/start.out" 2>&1 9>&- || fail_start "slurmd did not start"
    wait_alive slurmd_alive slurmd
}

node_state() {
    timeout 5 sinfo -h -N -n "$1" -o '%t' 2>/dev/null | head -n 1
}

node_ready() {
    case "$(node_state "$1")" in
        idle | mix | alloc | comp) return 0 ;;
        *) return 1 ;;
    esac
}

all_alive() {
    munged_alive >/dev/null && ctld_alive >/dev/null && slurmd_alive >/dev/null
}

running_line() {
    echo "slurm: running (node $1, $2 CPUs, state under $DIR)"
}

# ---------------------------------------------------------------- commands
cmd_start() {
    require_platform
    mkdir -p "$DIR"
    take_lock

    local name cpus
    name="$(node_name)"
    cpus="$(node_cpus)"

    install_packages
    if write_config "$name" "$cpus"; then
        # A changed config needs fresh daemons (a partial earlier start included).
        if munged_alive >/dev/null || ctld_alive >/dev/null || slurmd_alive >/dev/null; then
            note "configuration changed; restarting the daemons"
            stop_daemons
        fi
    elif all_alive && node_ready "$name"; then
        running_line "$name" "$cpus"
        return 0
    fi

    start_munged
    start_slurmctld
    start_slurmd "$name"

    local deadline=$((SECONDS + TIMEOUT)) st=""
    while ((SECONDS < deadline)); do
        node_ready "$name" && { running_line "$name" "$cpus"; return 0; }
        all_alive || break
        # ReturnToService=2 brings a DOWN node back when slurmd registers, but a node
        # left DRAIN by an earlier run is resumed here.
        st="$(node_state "$name")"
        case "$st" in
            drain* | drng* | down*) timeout 5 scontrol update NodeName="$name" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 0.2
    done
    all_alive || fail_start "a Slurm daemon died during start (munged/slurmctld/slurmd)"
    fail_start "node $name not idle after ${TIMEOUT}s (sinfo state: '${st:-$(node_state "$name")}')"
}

stop_daemons() {
    stop_pid "$SLURMD_PID" slurmd
    stop_pid "$CTLD_PID" slurmctld
    stop_pid "$MUNGE_PID" munged
    rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
}

cancel_jobs() {
    [ "${SLURM_SINGLE_NODE_KEEP_JOBS:-}" = 1 ] && return 0
    ctld_alive >/dev/null && munged_alive >/dev/null || return 0
    local ids i
    ids="$(timeout 5 squeue -h -o '%F' 2>/dev/null | sort -u | tr '\n' ' ')" || return 0
    [ -n "${ids// /}" ] || return 0
    note "cancelling jobs: $ids"
    # shellcheck disable=SC2086
    timeout 10 scancel $ids >/dev/null 2>&1 || true
    # KillWait=5: SIGTERM, then SIGKILL 5 s later; give slurmd time to report back.
    for ((i = 0; i < 150; i++)); do
        [ -z "$(timeout 5 squeue -h -o '%i' 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    note "jobs still listed after 15 s: $(timeout 5 squeue -h -o '%i:%t' 2>/dev/null | tr '\n' ' ')"
}

cmd_stop() {
    require_platform
    [ -d "$DIR" ] || { echo "slurm: not running"; return 0; }
    take_lock
    if ! munged_alive >/dev/null && ! ctld_alive >/dev/null && ! slurmd_alive >/dev/null; then
        echo "slurm: not running"
        return 0
    fi
    cancel_jobs
    stop_daemons
    echo "slurm: stopped (state kept under $DIR)"
}

cmd_status() {
    require_platform
    local name line
    name="$(node_name)"
    if ! all_alive; then
        echo "slurm: not running (munged:$(munged_alive || echo -) slurmctld:$(ctld_alive || echo -) slurmd:$(slurmd_alive || echo -))"
        return 1
    fi
    line="$(timeout 5 sinfo -h -o '%P %a %D %t %N %c CPUs' 2>/dev/null | head -n 1)" || line=""
    if [ -z "$line" ] || ! node_ready "$name"; then
        echo "slurm: daemons up but node $name not usable (sinfo: '${line:-no answer}')"
        return 1
    fi
    echo "$line"
}

cmd_env() {
    [ "$(uname -s)" = Linux ] || die "Linux only (this is $(uname -s))"
    printf 'export SLURM_CONF=%q\n' "$CONF"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) usage ;;
esac
