#!/bin/bash
# 46-tso-pkt-len.sh: TCP super-packets (userspace TSO on, generic-mode
# afxdp ports, as 45-tso.sh) meet check_pkt_len and trunc, which must see
# the segments that go on the wire, not the super-packet:
# ovs-patches/0011 cuts them first (coverage odp_soft_gso_packets).
# Namespaces a and b carry 20 MB of TCP a -> b, checked end to end (sha256
# of what nc received); a third port c only counts what the rules send it
# (its afxdp/stats tx counters; explicit rules, so nothing is flooded to c):
#   - check_pkt_larger(1600): frames longer than 1600 bytes go to c, the
#     rest to b.  Whole super-packets would all go to c; segments (at most
#     1514 bytes) all go to b, so c sends nothing.
#   - output(port=c,max_len=128), then b: c gets a copy of every segment,
#     cut to 128 bytes; about one per 1448 bytes of data, where whole
#     super-packets would give about one per 64 KB.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"
net=10.238.$((XSK_ID % 200))

ovs_start
check "knob on" ovs-vsctl set Open_vSwitch . \
    other_config:userspace-tso-enable=true
# OVS 3.1 reads the knob once, when it starts.
check "stop vswitchd" ovs_stop_daemon ovs-vswitchd
vswitchd_start
bridge_two_ns "$net"
ns_add_veth c ""
port_c=$VETH_OVS
check "add $port_c" ovs-vsctl add-port "$br" "$port_c" -- \
    set Interface "$port_c" type=afxdp options:xdp-mode=generic
add_afxdp_pair generic
check "$port_c runs" \
    wait_until "iface_status $port_c xdp-mode-in-use | grep -qx generic"
check "no flows" ovs-ofctl del-flows "$br"
check "a <-> b" ovs-ofctl add-flows "$br" - <<FLOWS
priority=10,in_port=$port_a actions=output:$port_b
priority=10,in_port=$port_b actions=output:$port_a
FLOWS
check "ping a -> b" wait_until "ip netns exec $ns_a ping -q -c 1 -W 1 $ip_b"

soft ()
{
    ovs-appctl coverage/read-counter odp_soft_gso_packets
}

echo "=== check_pkt_larger(1600)"
check "rules" ovs-ofctl add-flows "$br" - <<FLOWS
priority=100,tcp,in_port=$port_a actions=check_pkt_larger(1600)->reg0[0],resubmit(,1)
table=1,priority=100,reg0=0x1/0x1 actions=output:$port_c
table=1,priority=90 actions=output:$port_b
FLOWS
before=$(soft)
c0=$(iface_stat "$port_c" tx_packets)
whole0=$(iface_stat "$port_a" rx_gso_whole_packets)
check "TCP a -> b intact (20 MB)" tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
whole=$(($(iface_stat "$port_a" rx_gso_whole_packets) - whole0))
check "super-packets crossed OVS whole ($whole)" [ "$whole" -gt 0 ]
check "OVS cut them before check_pkt_len" wait_until \
    "[ \"\$(soft)\" -gt $before ]"
n=$(($(iface_stat "$port_c" tx_packets) - c0))
echo "frames longer than 1600 bytes (sent to c): $n"
check "no frame longer than 1600 bytes" [ "$n" -eq 0 ]
check "rules removed" ovs-ofctl del-flows "$br" "tcp,in_port=$port_a"
check "table 1 emptied" ovs-ofctl del-flows "$br" table=1

echo "=== output(port=c,max_len=128), then b"
check "rule" ovs-ofctl add-flow "$br" "priority=100,tcp,in_port=$port_a \
actions=output(port=$port_c,max_len=128),output:$port_b"
before=$(soft)
c0=$(iface_stat "$port_c" tx_packets)
b0=$(iface_stat "$port_c" tx_bytes)
check "TCP a -> b intact (20 MB)" tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
check "OVS cut them before trunc" wait_until "[ \"\$(soft)\" -gt $before ]"
n=$(($(iface_stat "$port_c" tx_packets) - c0))
bytes=$(($(iface_stat "$port_c" tx_bytes) - b0))
echo "copies to c: $n, $bytes bytes"
# 20 MB is 14483 segments of 1448 bytes; whole super-packets would be
# about 320 copies.
check "a copy per segment ($n >= 14000)" [ "$n" -ge 14000 ]
check "each cut to 128 bytes ($bytes <= $((n * 128)))" \
    [ "$bytes" -le $((n * 128)) ]
for c in odp_soft_gso_unowned odp_soft_gso_failed; do
    check "$c is 0" [ "$(ovs-appctl coverage/read-counter $c)" -eq 0 ]
done
echo "odp_soft_gso_packets $(soft), segments" \
     "$(ovs-appctl coverage/read-counter odp_soft_gso_segments)"

check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
