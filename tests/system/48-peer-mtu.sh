#!/bin/bash
# 48-peer-mtu.sh: TCP super-packets are cut at the smaller of the two MTUs
# of a veth.  Two namespaces with their veth ends at MTU 1400, the OVS ends
# at 1500, afxdp ports without xdp-mode (the veth default: generic), the
# namespaces' TSO on, OVS's userspace TSO off: each port receives TCP
# super-packets (gso_size for MSS 1360) and cuts them.  Cut at the OVS
# end's MTU (1500), the segments would be too big for the other namespace's
# end (1400) and the kernel would drop them there: TCP stalls.  Checked:
#   - status peer-mtu=1400 on both ports, generic mode by default;
#   - 20 MB a -> b and b -> a intact (sha256 of what nc received), and
#     super-packets were cut on receive (rx_gso_super_packets);
#   - the namespaces' ends lowered to 1300 with ip link while OVS runs:
#     peer-mtu follows (the provider re-reads it every second), and 20 MB
#     each way is intact again.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"

net=10.237.$((XSK_ID % 200))

# ns_mtu MTU: the namespaces' ends of both veths at MTU.
ns_mtu ()
{
    ip -n "$ns_a" link set "$veth_a" mtu "$1" \
        && ip -n "$ns_b" link set "$veth_b" mtu "$1"
}

# both_ways MTU: 20 MB each way intact, super-packets cut on both ports.
both_ways ()
{
    local cut_a cut_b
    cut_a=$(iface_stat $port_a rx_gso_super_packets)
    cut_b=$(iface_stat $port_b rx_gso_super_packets)
    check "TCP a -> b intact (namespaces at $1)" \
        tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
    check "TCP b -> a intact (namespaces at $1)" \
        tcp_sha "$ns_b" "$ns_a" "$ip_a" 20 5003
    cut_a=$(($(iface_stat $port_a rx_gso_super_packets) - cut_a))
    cut_b=$(($(iface_stat $port_b rx_gso_super_packets) - cut_b))
    echo "super-packets cut: $cut_a on $port_a, $cut_b on $port_b"
    check "super-packets cut on a's port" [ "$cut_a" -gt 0 ]
    check "super-packets cut on b's port" [ "$cut_b" -gt 0 ]
}

ovs_start
bridge_two_ns "$net"
ip_a=$net.1
check "namespaces' ends at MTU 1400" ns_mtu 1400
for p in $port_a $port_b; do
    check "add $p (default xdp-mode)" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp
done
for p in $port_a $port_b; do
    check "$p runs in generic mode" \
        wait_until "iface_status $p xdp-mode-in-use | grep -qx generic"
    check "$p: peer-mtu 1400" \
        wait_until "iface_status $p peer-mtu | grep -qx 1400"
    check "$p: its own MTU is 1500" \
        [ "$(ovs-vsctl get Interface "$p" mtu)" = 1500 ]
done
for v in "$ns_a $veth_a" "$ns_b $veth_b"; do
    set -- $v
    check "TSO on in $1" \
        sh -c "ip netns exec $1 ethtool -k $2 | grep -q '^tcp-segmentation-offload: on'"
done
both_ways 1400

check "namespaces' ends at MTU 1300" ns_mtu 1300
for p in $port_a $port_b; do
    check "$p: peer-mtu follows (1300)" \
        wait_until "iface_status $p peer-mtu | grep -qx 1300"
done
both_ways 1300

check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
