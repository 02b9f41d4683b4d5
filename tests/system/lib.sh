# tests/system/lib.sh: shell functions shared by the system tests.
#
# Sourced (not run) by each tests/system/NN-*.sh script, which tests/run.sh
# runs as one test case: exit 0 passes, 77 skips, anything else fails.  It
# uses the OVS built by the ovs-xsk build, found through OVS_XSK_BUILD (the
# ovs/ build tree), and gives each script:
#
#   - a cleanup registry: cleanup_add CMD... runs CMD at exit, last added
#     first, whether the script passes, fails or is interrupted;
#   - ovs_start / ovs_stop: a private ovsdb-server and ovs-vswitchd in a fresh
#     run directory ($OVS_RUNDIR), which ovs-vsctl and ovs-appctl then talk to;
#   - unique network names (xsk_ifname) derived from the PID, so that parallel
#     runs do not collide, and ns_add_veth for a namespace + veth pair;
#   - check_logs: fails on WARN/ERR/EMER log lines that are not allowlisted.
#
# Usage, from a test script:
#     . "$(dirname "$0")/lib.sh"
#     require_root
#     ovs_start
#     ...
#     ovs_stop
#     check_logs 'expected warning regex'

set -o pipefail

: "${OVS_XSK_BUILD:?OVS_XSK_BUILD must name the built ovs/ tree}"

# A short tag unique to this run, for network names.
XSK_ID=$$

# ---- Results and failure --------------------------------------------------

# skip REASON: ends the test as skipped.
skip ()
{
    echo "SKIP: $*"
    exit 77
}

# fail REASON: ends the test as failed.
fail ()
{
    echo "FAIL: $*" >&2
    exit 1
}

# check DESCRIPTION CMD...: runs CMD and fails the test if it fails.
check ()
{
    local what=$1
    shift
    if ! "$@"; then
        fail "$what (command: $*)"
    fi
    echo "ok: $what"
}

require_root ()
{
    [ "$(id -u)" -eq 0 ] || skip "needs root"
}

# ---- Cleanup registry -----------------------------------------------------

xsk_cleanups=()

# cleanup_add CMD...: runs CMD (as one shell command line) at exit.
cleanup_add ()
{
    xsk_cleanups+=("$*")
}

xsk_run_cleanups ()
{
    local i
    for ((i = ${#xsk_cleanups[@]} - 1; i >= 0; i--)); do
        eval "${xsk_cleanups[i]}" > /dev/null 2>&1 || true
    done
    xsk_cleanups=()
}

trap 'xsk_run_cleanups' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Network names --------------------------------------------------------

# xsk_ifname SUFFIX: prints an interface name unique to this run,
# "x<pid><suffix>", at most 15 characters.
xsk_ifname ()
{
    local name="x${XSK_ID}$1"
    [ ${#name} -le 15 ] || fail "interface name $name is too long"
    echo "$name"
}

# ns_add_veth TAG [ADDR/PLEN [QUEUES]]: makes namespace "xsk<pid>-TAG" and
# a veth pair: $VETH_OVS (left in this namespace, for OVS) and $VETH_NS
# (moved into the namespace, up, with ADDR/PLEN if given and not empty).
# Each end has QUEUES RX and TX queues (default 1).  Both are removed at
# exit.
ns_add_veth ()
{
    local tag=$1 addr=$2 queues=${3:-1}
    VETH_NETNS="xsk${XSK_ID}-$tag"
    VETH_OVS=$(xsk_ifname "o$tag")
    VETH_NS=$(xsk_ifname "n$tag")

    ip netns add "$VETH_NETNS" || fail "ip netns add $VETH_NETNS"
    cleanup_add ip netns del "$VETH_NETNS"
    ip link add "$VETH_OVS" numrxqueues "$queues" numtxqueues "$queues" \
        type veth peer name "$VETH_NS" netns "$VETH_NETNS" \
        numrxqueues "$queues" numtxqueues "$queues" \
        || fail "ip link add $VETH_OVS"
    cleanup_add ip link del "$VETH_OVS"
    ip link set "$VETH_OVS" up
    ip -n "$VETH_NETNS" link set lo up
    ip -n "$VETH_NETNS" link set "$VETH_NS" up
    if [ -n "$addr" ]; then
        ip -n "$VETH_NETNS" addr add "$addr" dev "$VETH_NS" \
            || fail "ip addr add $addr dev $VETH_NS"
    fi
}

# ---- OVS daemons ----------------------------------------------------------

# ovs_start [VSWITCHD-ARG...]: creates a database in a new run directory and
# starts ovsdb-server and ovs-vswitchd (userspace datapath only).  Exports
# OVS_RUNDIR and friends, so ovs-vsctl and ovs-appctl reach these daemons,
# and puts the built OVS programs first in PATH.
ovs_start ()
{
    local schema=$OVS_XSK_BUILD/vswitchd/vswitch.ovsschema
    [ -x "$OVS_XSK_BUILD/vswitchd/ovs-vswitchd" ] \
        || fail "no ovs-vswitchd in $OVS_XSK_BUILD"

    # The userspace datapath's own port is a tap named "ovs-netdev", so only
    # one userspace OVS should run per network namespace: wait for another
    # one to finish.  A tap left behind by a killed daemon is simply reused.
    local i
    for ((i = 0; i < 50; i++)); do
        pgrep -x ovs-vswitchd > /dev/null || break
        sleep 0.2
    done

    OVS_RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/ovs-xsk-run.XXXXXX") \
        || fail "mktemp"
    export OVS_RUNDIR
    export OVS_LOGDIR=$OVS_RUNDIR OVS_DBDIR=$OVS_RUNDIR
    export OVS_SYSCONFDIR=$OVS_RUNDIR OVS_PKGDATADIR=$OVS_RUNDIR
    export OVS_CTL_TIMEOUT=${OVS_CTL_TIMEOUT:-30}
    # For --enable-sanitizers builds: reports go to files that check_logs
    # looks for (as in OVS's tests/atlocal.in).
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=true:${ASAN_OPTIONS:-}"
    export ASAN_OPTIONS="log_path=$OVS_RUNDIR/asan:$ASAN_OPTIONS"
    UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"
    export UBSAN_OPTIONS="log_path=$OVS_RUNDIR/ubsan:$UBSAN_OPTIONS"
    PATH=$OVS_XSK_BUILD/utilities:$OVS_XSK_BUILD/vswitchd:$PATH
    PATH=$OVS_XSK_BUILD/ovsdb:$PATH
    echo "OVS run directory: $OVS_RUNDIR"
    cleanup_add xsk_remove_rundir

    ovsdb-tool create "$OVS_RUNDIR/conf.db" "$schema" \
        || fail "ovsdb-tool create"
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote="punix:$OVS_RUNDIR/db.sock" "$OVS_RUNDIR/conf.db" \
        2> "$OVS_RUNDIR/ovsdb-server-stderr.log" \
        || xsk_start_failed ovsdb-server
    cleanup_add ovs_stop_daemon ovsdb-server
    ovs-vsctl --no-wait init || fail "ovs-vsctl init"

    vswitchd_start "$@"
}

# vswitchd_start [VSWITCHD-ARG...]: starts ovs-vswitchd on the database of
# ovs_start, which must have run.  Also restarts one that was killed: it
# then takes up the same configuration, and its log continues in the same
# file.
vswitchd_start ()
{
    ovs-vswitchd --detach --no-chdir --pidfile --log-file --disable-system \
        -vvconn -vofproto_dpif -vunixctl "$@" \
        2> "$OVS_RUNDIR/ovs-vswitchd-stderr.log" \
        || xsk_start_failed ovs-vswitchd
    cleanup_add ovs_stop_daemon ovs-vswitchd
}

xsk_start_failed ()
{
    cat "$OVS_RUNDIR/$1-stderr.log" >&2
    fail "$1 did not start"
}

# Removes $OVS_RUNDIR at exit, after keeping its logs in $XSK_TEST_LOGDIR
# (set by tests/run.sh) if that is set.
xsk_remove_rundir ()
{
    if [ -n "$XSK_TEST_LOGDIR" ]; then
        mkdir -p "$XSK_TEST_LOGDIR" &&
            cp "$OVS_RUNDIR"/*.log "$OVS_RUNDIR"/*san.* "$XSK_TEST_LOGDIR"
    fi
    rm -rf "$OVS_RUNDIR"
}

# ovs_stop_daemon NAME: asks daemon NAME to exit, then kills it by the PID in
# its pidfile if it is still there after 10 s.
ovs_stop_daemon ()
{
    local name=$1 pid
    local pidfile=$OVS_RUNDIR/$name.pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ "$name" = ovs-vswitchd ]; then
        # "exit --cleanup" deletes the ports before the datapath flows; a
        # flow that carried packets since the last revalidation then has
        # its statistics pushed for a port that is gone, and OVS logs
        # "xlate_key failed (No such device)".  Deleting the flows first,
        # while the ports exist, leaves (almost) nothing for that to hit;
        # a packet between the two can still make one (check_logs allows
        # that message after the exit request only).
        ovs-appctl -t "$name" revalidator/purge > /dev/null 2>&1
        ovs-appctl -t "$name" exit --cleanup > /dev/null 2>&1
    else
        ovs-appctl -t "$name" exit > /dev/null 2>&1
    fi
    xsk_wait_exit "$name" "$pid"
}

# xsk_wait_exit NAME PID: waits up to 10 s for daemon NAME, process PID, to
# exit, then kills it.  Returns nonzero if it had to be killed.
xsk_wait_exit ()
{
    local name=$1 pid=$2 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.1
    done
    echo "$name (pid $pid) did not exit: killing it" >&2
    kill -KILL "$pid" 2> /dev/null
    return 1
}

# ovs_stop: stops ovs-vswitchd, then ovsdb-server.  Returns nonzero if one
# had to be killed.
ovs_stop ()
{
    local status=0
    ovs_stop_daemon ovs-vswitchd || status=1
    ovs_stop_daemon ovsdb-server || status=1
    return $status
}

# check_logs [REGEX...]: prints and fails on every WARN, ERR or EMER line of
# the ovs-vswitchd and ovsdb-server logs that matches none of the extended
# regular expressions REGEX nor the allowlist below (the noise that OVS's
# own check_logs ignores), and on any sanitizer report.
check_logs ()
{
    local report
    for report in "$OVS_RUNDIR"/asan.* "$OVS_RUNDIR"/ubsan.*; do
        [ -e "$report" ] || continue
        echo "sanitizer report $report:" >&2
        cat "$report" >&2
        return 1
    done

    local allow=(
        'reset by peer' 'Broken pipe' 'is not connected'
        'timeval.*Unreasonably long [0-9]+ms poll interval'
        'timeval.*(faults|disk|context switches):'
        'ovs_rcu.*blocked [0-9]+ ms waiting for .* to quiesce'
        'Dropped [0-9]+ log messages'
        'setting extended ack support failed'
        "$@"
    )
    local args=() re bad
    for re in "${allow[@]}"; do
        args+=(-e "$re")
    done
    # Once ovs-vswitchd is asked to exit (ovs_stop_daemon: its unixctl
    # request is logged, -vunixctl), "exit --cleanup" deletes the ports
    # before the datapath flows, and a flow that a packet created after
    # "revalidator/purge" gets its statistics pushed for a port that is
    # gone: "xlate_key failed (No such device)".  That one message is
    # allowed from then on only; before the exit it is a failure.
    bad=$({ awk '/\|unixctl\|DBG\|received request exit/ { down = 1 }
                 down && /\|xlate_key failed \(No such device\)!/ { next }
                 { print }' "$OVS_RUNDIR"/ovs-vswitchd.log 2> /dev/null
            cat "$OVS_RUNDIR"/ovsdb-server.log 2> /dev/null; } \
          | grep -E '\|(WARN|ERR|EMER)\|' | grep -E -v "${args[@]}")
    if [ -n "$bad" ]; then
        echo "unexpected log messages:" >&2
        echo "$bad" >&2
        return 1
    fi
    return 0
}
