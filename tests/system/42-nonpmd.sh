#!/bin/bash
# 42-nonpmd.sh: afxdp-nonpmd ports are polled by the main thread, which
# waits on the sockets' file descriptors: traffic crosses the bridge (ping,
# TCP), and with no traffic ovs-vswitchd uses under 2% of a core over 10 s.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
ovs_start

br=$(xsk_ifname br)
net=10.236.$((XSK_ID % 200))
check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
    datapath_type=netdev
ns_add_veth a $net.1/24
ns_a=$VETH_NETNS port_a=$VETH_OVS
ns_add_veth b $net.2/24
ns_b=$VETH_NETNS port_b=$VETH_OVS
for p in $port_a $port_b; do
    check "add $p (afxdp-nonpmd)" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp-nonpmd
done
check "no PMD thread polls the ports" \
    bash -c "! ovs-appctl dpif-netdev/pmd-rxq-show | grep -q $port_a"

check "ping across the bridge" \
    ip netns exec "$ns_a" ping -q -c 5 -i 0.1 -W 2 $net.2
check "TCP across the bridge" tcp_transfer "$ns_a" "$ns_b" $net.2 2

# CPU time of ovs-vswitchd (all threads) over 10 idle seconds.
pid=$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")
ticks () { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
sleep 1
t0=$(ticks)
sleep 10
t1=$(ticks)
hz=$(getconf CLK_TCK)
pct=$(( (t1 - t0) * 100 * 100 / (10 * hz) ))
echo "idle ovs-vswitchd used $((pct / 100)).$((pct % 100 / 10))% of a core"
check "idle CPU under 2% of a core" [ "$pct" -lt 200 ]

for p in $port_a $port_b; do
    check "delete $p" ovs-vsctl del-port "$br" "$p"
done
check "all frames are back in the pool" wait_until umem_whole
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
