#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/suite-watchdog.sh: keeps one run of OVS's autotest suite (make
# check-afxdp, started by tests/run.sh) from hanging CI.
#
# Usage: suite-watchdog.sh PID LOG SUITEDIR [STALL [LIMIT]]
#
# PID is the make that runs the suite, LOG its output (autotest writes a
# test's number and title when it starts and its result when it ends),
# SUITEDIR the suite's directory (tests/system-afxdp-testsuite.dir), where
# each running test has its own directory, the working directory of its
# commands and daemons and the home of the daemons' pidfiles.  While PID
# lives, every 5 s:
#
# - If LOG has not grown for STALL seconds (default 300; no test of the
#   suite runs that long without a result), a test is stuck.  The watchdog
#   prints, on its standard output, what it found: LOG's last line, every
#   process under PID and every process of SUITEDIR with its state,
#   kernel wait channel and command line (and each thread's for daemons),
#   then ends the processes under PID that have no child (the commands the
#   test waits for) with SIGTERM, SIGKILL 5 s later.  The test then fails
#   and the suite goes on (a failed test runs once more with RECHECK=yes).
# - Once the suite has run LIMIT seconds (default 1800; a whole run takes
#   10-15 minutes), it prints the same, ends every process under PID,
#   asks each ovs-vswitchd of the suite to exit with --cleanup, runs the
#   cleanup file of each test directory left (autotest's on_exit list:
#   namespaces, veths, daemons of the suite's own making), ends the
#   suite's daemons still there and exits.
#
# It ends processes by PID only, and only processes the suite started.

set -u
pid=$1 log=$2 suitedir=$3 stall=${4:-300} limit=${5:-1800}
appctl=$(dirname "$(dirname "$suitedir")")/utilities/ovs-appctl
start=$SECONDS

# descendants ROOT [leaves]: PIDs of every process under ROOT, one per
# line; with "leaves", only those with no child of their own.
descendants ()
{
    ps -e -o pid=,ppid= | awk -v root="$1" -v leaves="${2:-}" '
        { parent[$1] = $2; has_child[$2] = 1 }
        END {
            n = 1; queue[1] = root
            for (i = 1; i <= n; i++)
                for (p in parent)
                    if (parent[p] == queue[i]) {
                        queue[++n] = p
                        if (!leaves || !(p in has_child)) print p
                    }
        }'
}

# in_suite: PIDs of processes whose working directory is inside SUITEDIR,
# and of the daemons named by the pidfiles there (a daemon that made itself
# undumpable hides its working directory).
in_suite ()
{
    local p cwd n
    {
        for p in /proc/[0-9]*; do
            cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
            case $cwd in "$suitedir"/*) echo "${p#/proc/}" ;; esac
        done
        for p in "$suitedir"/[0-9]*/*.pid; do
            n=$(cat "$p") || continue
            case $n in
            '' | *[!0-9]*) ;;
            *) [ -d "/proc/$n" ] && echo "$n" ;;
            esac
        done
    } 2>/dev/null | sort -un
}

# describe PID [THREADS]: one line for PID, and one per thread if asked.
describe ()
{
    local p=$1 t
    [ -d "/proc/$p" ] || return 0
    printf '  %s %s wchan=%s: %s\n' "$p" \
        "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" \
        "$(cat "/proc/$p/wchan" 2>/dev/null)" \
        "$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | cut -c1-200)"
    [ -n "${2:-}" ] || return 0
    for t in /proc/"$p"/task/*; do
        printf '    thread %s (%s) %s wchan=%s\n' "${t##*/}" \
            "$(cat "$t/comm" 2>/dev/null)" \
            "$(awk '{print $3}' "$t/stat" 2>/dev/null)" \
            "$(cat "$t/wchan" 2>/dev/null)"
    done
}

report ()
{
    local p
    echo "watchdog: $1 [suite t=$((SECONDS - start)) s]"
    echo "  last line of the log: $(tail -n 1 "$log" | cut -c1-200)"
    echo " processes under make:"
    for p in $(descendants "$pid"); do describe "$p"; done
    echo " processes working in the suite's directory:"
    for p in $(in_suite); do describe "$p" threads; done
}

end_pids ()
{
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    sleep 5
    kill -KILL "$@" 2>/dev/null
}

size=-1
grew=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    now=$(stat -c %s "$log" 2>/dev/null || echo 0)
    if [ "$now" != "$size" ]; then
        size=$now
        grew=$SECONDS
    fi
    if [ $((SECONDS - start)) -ge "$limit" ]; then
        report "the suite ran over its limit of $limit s; ending it"
        end_pids $(descendants "$pid")
        # The suite's ovs-vswitchd first, asked to exit with its
        # datapath's devices gone (the cleanup file calls a shell function
        # of OVS's macros for that), then what the cleanup file lists,
        # then any daemon of the suite left.
        for ctl in "$suitedir"/[0-9]*/ovs-vswitchd.*.ctl; do
            [ -S "$ctl" ] && timeout 10 "$appctl" -t "$ctl" exit --cleanup
        done > /dev/null 2>&1
        for d in "$suitedir"/[0-9]*/; do
            [ -f "$d/cleanup" ] && (cd "$d" && sh cleanup) > /dev/null 2>&1
        done
        end_pids $(in_suite)
        exit 1
    fi
    if [ $((SECONDS - grew)) -ge "$stall" ]; then
        report "no output for $stall s; ending the commands the test waits for"
        end_pids $(descendants "$pid" leaves)
        grew=$SECONDS
    fi
done
exit 0
