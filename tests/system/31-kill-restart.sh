#!/bin/bash
# 31-kill-restart.sh: ovs-vswitchd killed with SIGKILL while traffic flows
# between two afxdp ports, then started again on the same database.  The
# killed daemon cannot detach anything, so its XDP program (ovs_xsk_prog)
# stays on the veths; the new daemon must replace it (logging "replaced a
# stale ovs-xsk XDP program"), leave exactly one program of its own on each
# veth, and forward traffic again.  Done twice: killed in native mode and
# restarted in native mode, then killed in generic mode and restarted with
# xdp-mode changed to native while it was down (a stale generic program
# under a native attach).  Afterwards afxdp/show says accounted=yes, and
# deleting the ports leaves no XDP program and every frame in the pool.

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

# kill_and_restart MODE NEW-MODE: with both ports in xdp-mode MODE and
# traffic flowing, kills vswitchd, sets xdp-mode NEW-MODE while it is
# down, and starts it again.
kill_and_restart ()
{
    local mode=$1 new_mode=$2 p pid old_a old_b

    for p in $port_a $port_b; do
        check "$p runs in $mode mode" \
            wait_until "iface_status $p xdp-mode-in-use | grep -qx $mode"
    done
    check "ping across the bridge ($mode)" \
        ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
    old_a=$(xdp_progs "$port_a") old_b=$(xdp_progs "$port_b")

    # Traffic both ways: frames are in every ring when the daemon dies.
    flood_start "$ns_a" "$ip_b"
    flood_start "$ns_b" "$ip_a"
    sleep 1
    pid=$(vswitchd_pid)
    check "kill vswitchd (pid $pid) with SIGKILL" kill -KILL "$pid"
    check "vswitchd is gone" wait_until "! kill -0 $pid 2> /dev/null"
    flood_stop

    check "the killed vswitchd left its program on $port_a" \
        ours_attached "$port_a"
    check "the killed vswitchd left its program on $port_b" \
        ours_attached "$port_b"
    check "bpftool names the stale program ovs_xsk_prog" \
        [ "$(bpftool_prog_name "$port_a")" = ovs_xsk_prog ]

    for p in $port_a $port_b; do
        ovs-vsctl --no-wait set Interface "$p" options:xdp-mode="$new_mode" \
            || fail "set xdp-mode=$new_mode on $p"
    done
    local log=$OVS_RUNDIR/ovs-vswitchd.log
    local msg='replaced a stale ovs-xsk XDP program'
    local n_a n_b
    n_a=$(grep -c "INFO|$port_a: $msg" "$log")
    n_b=$(grep -c "INFO|$port_b: $msg" "$log")
    vswitchd_start
    check "vswitchd restarted (pid $(vswitchd_pid))" \
        [ "$(vswitchd_pid)" != "$pid" ]
    # The database still has the killed daemon's status: ask the new one.
    for p in $port_a $port_b; do
        check "$p runs again, in $new_mode mode" \
            wait_until "ovs-appctl afxdp/show \
                        | grep -q '^  $p queue 0: mode=$new_mode '"
    done
    check "vswitchd logged the replacement on $port_a" \
        [ "$(grep -c "INFO|$port_a: $msg" "$log")" -eq $((n_a + 1)) ]
    check "vswitchd logged the replacement on $port_b" \
        [ "$(grep -c "INFO|$port_b: $msg" "$log")" -eq $((n_b + 1)) ]
    check "a new program, and only it, is on $port_a ($old_a -> $(xdp_progs "$port_a"))" \
        [ "$(xdp_progs "$port_a" | wc -l)" -eq 1 -a \
          "$(xdp_progs "$port_a")" != "$old_a" ]
    check "a new program, and only it, is on $port_b ($old_b -> $(xdp_progs "$port_b"))" \
        [ "$(xdp_progs "$port_b" | wc -l)" -eq 1 -a \
          "$(xdp_progs "$port_b")" != "$old_b" ]
    check "the new program is ours" \
        [ "$(bpftool_prog_name "$port_a")" = ovs_xsk_prog ]
    check "status shows the program in use on $port_a" \
        wait_until "[ \"ovs_xsk_prog \$(iface_status $port_a xdp-prog-id)\" \
                      = \"\$(xdp_progs $port_a)\" ]"
    check "the stale programs are freed" \
        wait_until "! bpftool prog show id ${old_a#* } > /dev/null 2>&1 \
                    && ! bpftool prog show id ${old_b#* } > /dev/null 2>&1"

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
echo "=== killed in native mode, restarted in native mode"
kill_and_restart native native
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
echo "=== killed in generic mode, restarted in native mode"
kill_and_restart generic native

pid=$(vswitchd_pid)
fault_finish "$port_a" "$port_b"
check "no unexpected warnings in the logs" check_logs
