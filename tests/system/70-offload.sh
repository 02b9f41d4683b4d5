#!/bin/bash
# 70-offload.sh: XDP flow offload (other_config:hw-offload=true).
#
# Two namespaces bridged through two afxdp ports, NORMAL, their veths as
# they come (GRO off, checksum offload and TSO on).  The megaflows are
# offloaded, through the skb path (XDP program, then tc): UDP crosses
# intact while the AF_XDP sockets receive nothing and the offloaded
# flows' counters grow; TCP with partial checksums and TSO arrives intact
# (sha256) without passing through OVS.  While the output's peer flips GRO
# nothing is lost; frames too big for a lowered output MTU go to OVS.
# With offload-redirect=xdp and GRO on the peer, frames go by XDP redirect
# and partial checksums still by the skb path.  An OpenFlow rule that drops
# UDP takes effect at once (in the kernel too); an action the program
# cannot carry out keeps its flows in userspace; removing a port stops
# in-kernel forwarding to it.  Then the same TCP transfer with both ports
# in generic mode.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start_offload

net=10.235.$((XSK_ID % 200))
bridge_two_ns $net
add_afxdp_pair native
check "the ports get the XDP flow API" \
    wait_until "grep -q \"$port_b: XDP flow offload enabled\" \
        $OVS_RUNDIR/ovs-vswitchd.log"

# port_rx PORT: packets PORT's AF_XDP sockets received, now.
port_rx ()
{
    ovs-appctl dpctl/show -s | awk -v p="$1" '
        $1 == "port" && $3 == p { want = 1; next }
        want && /RX packets:/ { sub(/.*RX packets:/, ""); print $1; exit }'
}

# udp_lost N: true if none of N UDP datagrams from a reaches b.
udp_lost ()
{
    local out
    out=$(udp_roundtrip "$ns_a" "$ns_b" "$ip_b" "$1" 200)
    echo "$out"
    [ "$out" = "udp: 0 of $1 datagrams arrived intact" ]
}

# afxdp_rx PORT: packets PORT's AF_XDP sockets handed to OVS, now.
afxdp_rx ()
{
    ovs-appctl afxdp/stats "$1" | sed -n 's/^ *rx_packets=//p'
}

echo "=== veths as they come (GRO off, checksum offload and TSO on)"
check "status: flows enter $port_a through XDP and tc" \
    eval "iface_status $port_a flow-offload | grep -q 'tc program at tcx'"
check "status: flows reach $port_b by the skb path" \
    eval "iface_status $port_b flow-offload-output | grep -q '^skb path'"
check "ping crosses the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "UDP crosses the bridge (new megaflows)" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 20 200
flow="in_port($port_a).*eth_type(0x0800)"
check "the IPv4 megaflow is offloaded" \
    wait_until "[ \$(n_offloaded '$flow') -ge 1 ]"
ovs-appctl dpctl/dump-flows -m
rx_a0=$(afxdp_rx "$port_a")
pk0=$(flow_packets "$flow")
check "2000 UDP datagrams cross the bridge intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 2000 200
rx_a1=$(afxdp_rx "$port_a")
pk1=$(flow_packets "$flow")
echo "$port_a AF_XDP rx: $rx_a0 -> $rx_a1; offloaded flow packets: $pk0 -> $pk1"
check "$port_a's AF_XDP sockets received (almost) none of them" \
    [ $((rx_a1 - rx_a0)) -lt 20 ]
check "the offloaded flow counted them" [ $((pk1 - pk0)) -ge 2000 ]
ovs-appctl afxdp/show
check "afxdp/show counts the port's offloaded flows" \
    eval "ovs-appctl afxdp/show | grep -q \"port $port_a: [1-9][0-9]* offloaded flow\""

echo "=== TCP with checksum offload and TSO on, in the kernel"
rx_a0=$(afxdp_rx "$port_a")
check "20 MB over TCP arrive intact (sha256)" \
    tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
rx_a1=$(afxdp_rx "$port_a")
echo "$port_a AF_XDP rx during the transfer: $((rx_a1 - rx_a0))"
check "... without passing through OVS (AF_XDP rx $((rx_a1 - rx_a0)))" \
    [ $((rx_a1 - rx_a0)) -lt 50 ]

echo "=== the output's peer flips GRO and XDP; output MTU lowered"
udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 3000 200 5003 > "$OVS_RUNDIR/flips" &
stream=$!
for i in $(seq 10); do
    ip netns exec "$ns_b" ethtool -K "$veth_b" gro on > /dev/null
    sleep 0.1
    ip netns exec "$ns_b" ethtool -K "$veth_b" gro off > /dev/null
    sleep 0.1
done
wait $stream
cat "$OVS_RUNDIR/flips"
check "no datagram lost while the peer's GRO flipped 10 times" \
    grep -qx "udp: 3000 of 3000 datagrams arrived intact" "$OVS_RUNDIR/flips"
check "mtu_request=1000 on $port_b" \
    ovs-vsctl set Interface "$port_b" mtu_request=1000
check "$port_b's MTU is 1000" \
    wait_until "[ \$(cat /sys/class/net/$port_b/mtu) -eq 1000 ]"
rx_a0=$(afxdp_rx "$port_a")
udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 100 1200 5004
rx_a1=$(afxdp_rx "$port_a")
check "datagrams too big for $port_b go to OVS ($((rx_a1 - rx_a0)) of 100)" \
    [ $((rx_a1 - rx_a0)) -ge 100 ]
check "mtu_request=1500 on $port_b" \
    ovs-vsctl set Interface "$port_b" mtu_request=1500
check "$port_b's MTU is 1500" \
    wait_until "[ \$(cat /sys/class/net/$port_b/mtu) -eq 1500 ]"
check "UDP crosses again" udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200 5004

echo "=== offload-redirect=xdp: XDP redirects while the peer takes them"
# xdp_xmit PORT: frames XDP redirects put into veth PORT.
xdp_xmit ()
{
    ethtool -S "$1" | sed -n 's/^ *tx_queue_0_xdp_xmit: //p'
}
check "offload-redirect=xdp on $port_b" \
    ovs-vsctl set Interface "$port_b" options:offload-redirect=xdp
check "... in effect" \
    wait_until "iface_status $port_b offload-redirect | grep -qx xdp"
# After the port's XDP program is replaced, so that the kernel marks the
# veth as able to take XDP frames.
ip netns exec "$ns_b" ethtool -K "$veth_b" gro on > /dev/null \
    || fail "ethtool -K $veth_b gro on"
sleep 1.2                       # The flow API asks at most once a second.
ovs-appctl dpctl/del-flows || fail "dpctl/del-flows"
check "UDP crosses (new megaflows)" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 20 200
check "... offloaded" wait_until "[ \$(n_offloaded '$flow') -ge 1 ]"
rx_a0=$(afxdp_rx "$port_a")
x0=$(xdp_xmit "$port_b")
# ICMP: its checksum is complete (UDP's is partial: it takes the skb path).
check "300 pings cross" \
    ip netns exec "$ns_a" ping -q -c 300 -i 0.002 -W 2 "$ip_b"
x1=$(xdp_xmit "$port_b")
check "... by XDP redirect into $port_b ($((x1 - x0)) frames)" \
    [ $((x1 - x0)) -ge 300 ]
check "TCP with partial checksums arrives intact (skb path)" \
    tcp_sha "$ns_a" "$ns_b" "$ip_b" 5
rx_a1=$(afxdp_rx "$port_a")
check "... in the kernel (AF_XDP rx $((rx_a1 - rx_a0)))" \
    [ $((rx_a1 - rx_a0)) -lt 50 ]
check "offload-redirect back to auto" \
    ovs-vsctl remove Interface "$port_b" options offload-redirect
ip netns exec "$ns_b" ethtool -K "$veth_b" gro off > /dev/null \
    || fail "ethtool -K $veth_b gro off"
check "... in effect" \
    wait_until "iface_status $port_b offload-redirect | grep -qx auto"

echo "=== OpenFlow rule: drop UDP"
check "add-flow udp,actions=drop" \
    ovs-ofctl add-flow "$br" "priority=100,udp,actions=drop"
# OVS's own tests wait for revalidation the same way; the offload thread
# then changes the program within microseconds.
ovs-appctl revalidator/wait || fail "revalidator/wait"
check "no UDP crosses any more" udp_lost 200
ovs-appctl dpctl/dump-flows -m
check "the drop megaflow is offloaded" \
    wait_until "[ \$(n_offloaded 'actions:drop') -ge 1 ]"
check "del-flows udp" ovs-ofctl --strict del-flows "$br" "priority=100,udp"
ovs-appctl revalidator/wait || fail "revalidator/wait"
check "UDP crosses again" udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 200

echo "=== an action the program cannot carry out"
check "add-flow udp,actions=mod_nw_tos:16,NORMAL" \
    ovs-ofctl add-flow "$br" "priority=100,udp,actions=mod_nw_tos:16,NORMAL"
ovs-appctl dpctl/del-flows || fail "dpctl/del-flows"
rx_a0=$(port_rx "$port_a")
check "UDP crosses through userspace" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 200
rx_a1=$(port_rx "$port_a")
ovs-appctl dpctl/dump-flows -m
check "$port_a's AF_XDP sockets received them" \
    [ $((rx_a1 - rx_a0)) -ge 200 ]
check "no set(ipv4(...)) flow is offloaded" [ "$(n_offloaded 'set(ipv4')" -eq 0 ]
check "del-flows udp" ovs-ofctl --strict del-flows "$br" "priority=100,udp"

echo "=== port removal"
check "UDP crosses, offloaded" udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 50 200
check "... offloaded" \
    wait_until "[ \$(n_offloaded \"in_port($port_a).*proto=17\") -ge 1 ]"
odp_b=$(odp_port "$port_b")
check "$port_b's datapath port number is known" [ -n "$odp_b" ]
# The check after del-port can fail: an offloaded flow outputs to it now.
check "an offloaded flow outputs to $port_b (datapath port $odp_b)" \
    wait_until "[ -n \"\$(offloaded_to $odp_b)\" ]"
check "del-port $port_b" ovs-vsctl del-port "$br" "$port_b"
check "nothing reaches $port_b's namespace any more" udp_lost 50
ovs-appctl dpctl/dump-flows -m
check "no offloaded flow outputs to $port_b (datapath port $odp_b)" \
    [ -z "$(offloaded_to "$odp_b")" ]

grep "offloaded flow(s) that output to" "$OVS_RUNDIR/ovs-vswitchd.log"

echo "=== generic mode"
check "add-port $port_b again" ovs-vsctl add-port "$br" "$port_b" -- \
    set Interface "$port_b" type=afxdp options:xdp-mode=generic
check "xdp-mode=generic on $port_a" \
    ovs-vsctl set Interface "$port_a" options:xdp-mode=generic
for p in $port_a $port_b; do
    check "$p runs in generic mode" \
        wait_until "iface_status $p xdp-mode-in-use | grep -qx generic"
done
# The phase starts clean: $port_b is back under a new port number and the
# bridge has forgotten $ns_b's MAC, so NORMAL would flood UDP to it and to
# the bridge's own port (two outputs: never offloaded) until $ns_b sends;
# a ping teaches the bridge, then the megaflows of before go.
check "status: flows enter $port_a through XDP and tc (generic)" \
    wait_until "iface_status $port_a flow-offload | grep -q 'tc program at tcx'"
check "ping crosses (the bridge learns both MACs again)" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "purge the megaflows of the last phase" ovs-appctl revalidator/purge
check "UDP crosses (new megaflows)" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 20 200
check "... offloaded" wait_until "[ \$(n_offloaded '$flow') -ge 1 ]"
rx_a0=$(afxdp_rx "$port_a")
check "20 MB over TCP arrive intact (sha256)" \
    tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
rx_a1=$(afxdp_rx "$port_a")
check "... without passing through OVS (AF_XDP rx $((rx_a1 - rx_a0)))" \
    [ $((rx_a1 - rx_a0)) -lt 50 ]

ovs_stop
# dpctl/del-flows and del-port leave revalidators to find flows gone.
check_logs 'failed to (flow_del|put\[modify\]) \(No such file or directory\)' \
    'upcall_cb failure: ukey installation fails'
echo "PASS"
