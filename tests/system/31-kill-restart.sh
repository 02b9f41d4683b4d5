#!/bin/bash
# 31-kill-restart.sh: ovs-vswitchd killed while traffic flows between two
# afxdp ports, then started again on the same database.  The killed daemon
# cannot detach anything itself, but its XDP programs hang on BPF links it
# owned, so the kernel takes them off the veths with the process: a dead
# switch leaves nothing that forwards.  The new daemon must attach exactly
# one program of its own on each veth and forward traffic again.  Done
# twice: SIGKILL in native mode, restarted in native mode; then SIGABRT (as
# an assertion failure does) in generic mode, restarted with xdp-mode
# changed to native while it was down.  Afterwards afxdp/show says
# accounted=yes, and deleting the ports leaves no XDP program and every
# frame in the pool.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/faults.sh"

require_root
command -v bpftool > /dev/null || skip "bpftool is not installed"
fault_start
net=10.244.$((XSK_ID % 200))
fault_ns a 1
fault_ns b 2

# bpftool_prog_name IFACE: the name bpftool gives the XDP program on IFACE.
bpftool_prog_name ()
{
    local id
    id=$(bpftool net show dev "$1" | sed -n 's/.* id \([0-9]*\).*/\1/p')
    [ -n "$id" ] && bpftool prog show id "$id" \
        | sed -n 's/^[0-9]*: xdp *name \([^ ]*\).*/\1/p'
}

# kill_and_restart SIGNAL MODE NEW-MODE: with both ports in xdp-mode MODE
# and traffic flowing, kills vswitchd with SIGNAL, checks that the kernel
# took its XDP programs off the veths with it, sets xdp-mode NEW-MODE while
# it is down, and starts it again.
kill_and_restart ()
{
    local sig=$1 mode=$2 new_mode=$3 p pid old_a old_b

    for p in $port_a $port_b; do
        check "$p runs in $mode mode" \
            wait_until "iface_status $p xdp-mode-in-use | grep -qx $mode"
    done
    check "ping across the bridge ($mode)" \
        ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
    old_a=$(xdp_progs "$port_a") old_b=$(xdp_progs "$port_b")
    check "our program is on $port_a" ours_attached "$port_a"

    # Traffic both ways: frames are in every ring when the daemon dies.
    flood_start "$ns_a" "$ip_b"
    flood_start "$ns_b" "$ip_a"
    sleep 1
    pid=$(vswitchd_pid)
    check "kill vswitchd (pid $pid) with SIG$sig" kill -"$sig" "$pid"
    check "vswitchd is gone" wait_until "! kill -0 $pid 2> /dev/null"
    flood_stop

    # The programs hang on BPF links the dead process owned: nothing that
    # forwards or redirects is left behind, however the process died.
    check "the kernel took the dead vswitchd's program off $port_a" \
        wait_until "! xdp_attached $port_a"
    check "the kernel took the dead vswitchd's program off $port_b" \
        wait_until "! xdp_attached $port_b"
    check "the dead vswitchd's programs are freed" \
        wait_until "! bpftool prog show id ${old_a#* } > /dev/null 2>&1 \
                    && ! bpftool prog show id ${old_b#* } > /dev/null 2>&1"

    for p in $port_a $port_b; do
        ovs-vsctl --no-wait set Interface "$p" options:xdp-mode="$new_mode" \
            || fail "set xdp-mode=$new_mode on $p"
    done
    vswitchd_start
    check "vswitchd restarted (pid $(vswitchd_pid))" \
        [ "$(vswitchd_pid)" != "$pid" ]
    # The database still has the killed daemon's status: ask the new one.
    for p in $port_a $port_b; do
        check "$p runs again, in $new_mode mode" \
            wait_until "ovs-appctl afxdp/show \
                        | grep -q '^  $p queue 0: mode=$new_mode '"
    done
    check "one program, ours, is on $port_a ($(xdp_progs "$port_a"))" \
        [ "$(xdp_progs "$port_a" | wc -l)" -eq 1 ]
    check "one program, ours, is on $port_b ($(xdp_progs "$port_b"))" \
        [ "$(xdp_progs "$port_b" | wc -l)" -eq 1 ]
    check "the new program is ours" \
        [ "$(bpftool_prog_name "$port_a")" = ovs_xsk_prog ]
    check "status shows the program in use on $port_a" \
        wait_until "[ \"ovs_xsk_prog \$(iface_status $port_a xdp-prog-id)\" \
                      = \"\$(xdp_progs $port_a)\" ]"

    check "ping across the bridge after the restart" \
        ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
    check "UDP datagrams arrive intact after the restart" \
        udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
    check "every frame is accounted for" wait_until umem_accounted
}

for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp options:xdp-mode=native
done
echo "=== killed (SIGKILL) in native mode, restarted in native mode"
kill_and_restart KILL native native
# Re-added rather than reconfigured in place: 33-reconfigure.sh tests that.
for p in $port_a $port_b; do
    check "delete $p" ovs-vsctl del-port "$br" "$p"
done
check "no XDP program left on the veths" \
    wait_until "! xdp_attached $port_a && ! xdp_attached $port_b"
for p in $port_a $port_b; do
    check "add $p in generic mode" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp options:xdp-mode=generic
done
echo "=== aborted (SIGABRT) in generic mode, restarted in native mode"
kill_and_restart ABRT generic native

pid=$(vswitchd_pid)
fault_finish "$port_a" "$port_b"
check "no unexpected warnings in the logs" check_logs
