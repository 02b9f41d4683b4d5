#!/bin/bash
# 47-tx-coalesce.sh: coalescing on transmit (netdev/xsk-coal.h).  Two
# namespaces on afxdp ports in the default mode, veths as they come: runs
# of one TCP flow's segments leave the output port as one GSO super-packet
# through its AF_PACKET socket, and the data arrives intact (sha256 of what
# nc received), IPv4 and IPv6, both ways.  The receiving namespace's veth
# counts fewer packets than the segments OVS forwarded, which only merged
# packets explain.  With options:tx-coalesce=false on the output port the
# same transfer is intact and nothing is coalesced.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"

ovs_start
net=10.239.$((XSK_ID % 200))
net6=fd00:47:$(printf %x $((XSK_ID % 65536)))
bridge_two_ns "$net"
ip_a=$net.1
ip -n "$ns_a" addr add "$net6::1/64" dev "$veth_a" nodad \
    || fail "IPv6 address in $ns_a"
ip -n "$ns_b" addr add "$net6::2/64" dev "$veth_b" nodad \
    || fail "IPv6 address in $ns_b"
for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp
done
for p in $port_a $port_b; do
    check "$p is up" wait_until "ovs-appctl afxdp/show | grep -q '^  $p queue 0'"
done
check "ping a -> b" ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

# rx_packets NS DEV: packets DEV in namespace NS has received.
rx_packets ()
{
    ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# coalesced LABEL NS_FROM NS_TO IP_TO MB PORT_TO VETH_TO: TCP from NS_FROM
# to IP_TO intact, and PORT_TO coalesced: its counters grow, nothing is
# refused, and VETH_TO received at most half as many packets as the
# segments coalesced.
coalesced ()
{
    local label=$1 from=$2 to=$3 ip=$4 mb=$5 port=$6 veth=$7
    local sp0 sg0 rx0 sp sg rx

    sp0=$(iface_stat "$port" tx_coalesced_super_packets)
    sg0=$(iface_stat "$port" tx_coalesced_segments)
    rx0=$(rx_packets "$to" "$veth")
    check "$label: TCP intact" tcp_sha "$from" "$to" "$ip" "$mb"
    sp=$(( $(iface_stat "$port" tx_coalesced_super_packets) - sp0 ))
    sg=$(( $(iface_stat "$port" tx_coalesced_segments) - sg0 ))
    rx=$(( $(rx_packets "$to" "$veth") - rx0 ))
    echo "$label: $sg segments left $port in $sp super-packets;" \
         "$veth received $rx packets"
    check "$label: $port coalesced" [ "$sp" -gt 0 -a "$sg" -ge $((2 * sp)) ]
    check "$label: $veth received fewer packets than segments" \
        [ $((2 * rx)) -le "$sg" ]
    check "$label: nothing refused" \
        [ "$(iface_stat "$port" tx_coalesce_failed)" -eq 0 ]
}

echo "--- coalescing on (the default)"
coalesced "IPv4 a -> b" "$ns_a" "$ns_b" "$ip_b" 20 "$port_b" "$veth_b"
coalesced "IPv4 b -> a" "$ns_b" "$ns_a" "$ip_a" 20 "$port_a" "$veth_a"
coalesced "IPv6 a -> b" "$ns_a" "$ns_b" "$net6::2" 20 "$port_b" "$veth_b"

echo "--- options:tx-coalesce=false on $port_b"
check "set tx-coalesce=false" ovs-vsctl set Interface "$port_b" \
    options:tx-coalesce=false
check "$port_b is back" \
    wait_until "ovs-appctl afxdp/show | grep -q '^  $port_b queue 0'"
check "ping a -> b after the change" \
    wait_until "ip netns exec $ns_a ping -q -c 1 -W 1 $ip_b"
sp0=$(iface_stat "$port_b" tx_coalesced_super_packets)
check "TCP a -> b intact without coalescing" \
    tcp_sha "$ns_a" "$ns_b" "$ip_b" 10
check "$port_b coalesced nothing" \
    [ "$(iface_stat "$port_b" tx_coalesced_super_packets)" -eq "$sp0" ]
check "back to tx-coalesce=true" ovs-vsctl remove Interface "$port_b" \
    options tx-coalesce
check "$port_b is back" \
    wait_until "ovs-appctl afxdp/show | grep -q '^  $port_b queue 0'"
coalesced "IPv4 a -> b again" "$ns_a" "$ns_b" "$ip_b" 10 "$port_b" "$veth_b"

check "delete bridge" ovs-vsctl del-br "$br"
check "no XDP program left" \
    wait_until "! xdp_attached $port_a && ! xdp_attached $port_b"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
