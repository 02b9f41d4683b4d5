#!/bin/bash
# 70-offload.sh: XDP flow offload (other_config:hw-offload=true).
#
# Two namespaces bridged through two native-mode afxdp ports, NORMAL.
# While the namespaces' veths cannot take XDP redirects (no XDP program,
# GRO off), nothing is offloaded and traffic flows through OVS.  With GRO
# on (and checksum offload off, as OVS's AF_XDP documentation asks), the
# megaflows are offloaded: UDP crosses intact while the AF_XDP sockets
# receive nothing and the offloaded flows' counters grow, and
# dpctl/dump-flows shows them as offloaded.  Frames with partial
# checksums (checksum offload on) still cross intact, through OVS.  An OpenFlow rule that drops
# UDP takes effect at once (in the kernel too); an action the program
# cannot carry out keeps its flows in userspace; removing a port stops
# in-kernel forwarding to it.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start
check "hw-offload=true" \
    ovs-vsctl set Open_vSwitch . other_config:hw-offload=true

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

# n_offloaded [PATTERN]: offloaded datapath flows (matching PATTERN).
n_offloaded ()
{
    ovs-appctl dpctl/dump-flows -m | grep "offloaded:yes" \
        | grep -c -- "${1:-.}"
}

# udp_lost N: true if none of N UDP datagrams from a reaches b.
udp_lost ()
{
    local out
    out=$(udp_roundtrip "$ns_a" "$ns_b" "$ip_b" "$1" 200)
    echo "$out"
    [ "$out" = "udp: 0 of $1 datagrams arrived intact" ]
}

# flow_packets PATTERN: packets of the offloaded flow matching PATTERN.
flow_packets ()
{
    ovs-appctl dpctl/dump-flows -m | grep "offloaded:yes" | grep -- "$1" \
        | sed -n 's/.*packets:\([0-9]*\).*/\1/p' | head -1
}

echo "=== outputs that cannot take XDP redirects"
check "ping crosses the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "UDP crosses the bridge intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 100 200
ovs-appctl dpctl/dump-flows -m
check "nothing was offloaded (GRO off, no XDP on the peers)" \
    [ "$(n_offloaded)" -eq 0 ]

echo "=== GRO on, checksum offload off on the namespaces' veths: offloaded"
ip netns exec "$ns_a" ethtool -K "$veth_a" gro on tx off > /dev/null \
    || fail "ethtool -K $veth_a gro on tx off"
ip netns exec "$ns_b" ethtool -K "$veth_b" gro on tx off > /dev/null \
    || fail "ethtool -K $veth_b gro on tx off"
ovs-appctl dpctl/del-flows || fail "dpctl/del-flows"
check "UDP crosses the bridge (new megaflows)" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 20 200
flow="in_port($port_a).*proto=17"
check "the UDP megaflow is offloaded" \
    wait_until "[ \$(n_offloaded '$flow') -ge 1 ]"
ovs-appctl dpctl/dump-flows -m
rx_a0=$(port_rx "$port_a")
pk0=$(flow_packets "$flow")
check "2000 UDP datagrams cross the bridge intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 2000 200
rx_a1=$(port_rx "$port_a")
pk1=$(flow_packets "$flow")
echo "$port_a AF_XDP rx: $rx_a0 -> $rx_a1; offloaded flow packets: $pk0 -> $pk1"
check "$port_a's AF_XDP sockets received (almost) none of them" \
    [ $((rx_a1 - rx_a0)) -lt 20 ]
check "the offloaded flow counted them" [ $((pk1 - pk0)) -ge 2000 ]
ovs-appctl afxdp/show
check "afxdp/show counts the port's offloaded flows" \
    eval "ovs-appctl afxdp/show | grep -q \"port $port_a: [1-9][0-9]* offloaded flow\""
check "ping crosses the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

echo "=== partial checksums (checksum offload on in $ns_a)"
ip netns exec "$ns_a" ethtool -K "$veth_a" tx on > /dev/null \
    || fail "ethtool -K $veth_a tx on"
rx_a0=$(port_rx "$port_a")
check "UDP with partial checksums crosses intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 200
rx_a1=$(port_rx "$port_a")
check "... through $port_a's AF_XDP sockets (OVS completes them)" \
    [ $((rx_a1 - rx_a0)) -ge 200 ]
ip netns exec "$ns_a" ethtool -K "$veth_a" tx off > /dev/null \
    || fail "ethtool -K $veth_a tx off"

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
odp_b=$(ovs-appctl dpctl/show | sed -n "s/^ *port \([0-9]*\): $port_b .*/\1/p")
check "$port_b's datapath port number is known" [ -n "$odp_b" ]
check "del-port $port_b" ovs-vsctl del-port "$br" "$port_b"
check "nothing reaches $port_b's namespace any more" udp_lost 50
ovs-appctl dpctl/dump-flows -m
check "no offloaded flow outputs to $port_b" \
    [ "$(n_offloaded "actions:$odp_b\$")" -eq 0 ]

grep "offloaded flow(s) that output to" "$OVS_RUNDIR/ovs-vswitchd.log"

ovs_stop
# dpctl/del-flows and del-port leave revalidators to find flows gone.
check_logs 'failed to (flow_del|put\[modify\]) \(No such file or directory\)' \
    'upcall_cb failure: ukey installation fails'
echo "PASS"
