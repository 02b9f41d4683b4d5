#!/bin/bash
# 32-link-events.sh: link events under live afxdp ports.
#   - A veth taken down and up (the OVS end, then the namespace end): ping
#     resumes.
#   - The MTU changed under a port with "ip link set mtu 1400", and through
#     OVS with mtu_request=1400: both ends use the new MTU, and traffic of
#     exactly the new size (ping with DF, UDP) goes through, then again
#     after going back to 1500.
#   - A veth deleted ("ip link del") under a live port that carries
#     traffic: vswitchd lives on with the same PID, the other ports keep
#     working, afxdp/show still says accounted=yes, and after del-port no
#     socket of the port remains and every frame is back in the pool.
# $port_b, whose link goes down and up and whose MTU is changed with ip link,
# runs in native mode; $port_a and $port_c in the default mode
# (best-effort: generic on these veths).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/faults.sh"

require_root
fault_start
net=10.245.$((XSK_ID % 200))
fault_ns a 1
fault_ns b 2
fault_ns c 3

for p in $port_a $port_b $port_c; do
    mode=best-effort
    [ "$p" != "$port_b" ] || mode=native
    check "add $p ($mode)" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp options:xdp-mode=$mode
done
check "$port_a runs in generic mode (the veth default)" \
    wait_until "iface_status $port_a xdp-mode-in-use | grep -qx generic"
check "$port_b runs in native mode" \
    wait_until "iface_status $port_b xdp-mode-in-use | grep -qx native"
check "ping across the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

# pings_at SIZE: pings of SIZE-byte IP packets, DF set, both ways, and UDP
# datagrams that fill SIZE-byte IP packets, go through.
pings_at ()
{
    local size=$1
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 -M do -s $((size - 28)) \
        "$ip_b" \
        && ip netns exec "$ns_b" ping -q -c 3 -i 0.1 -W 2 -M do \
               -s $((size - 28)) "$ip_a" \
        && udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 100 $((size - 28))
}

echo "=== link down and up"
flood_start "$ns_a" "$ip_b"
flood_start "$ns_b" "$ip_a"
check "take $port_b down" ip link set "$port_b" down
check "ping fails while $port_b is down" \
    not ip netns exec "$ns_a" ping -q -c 2 -i 0.2 -W 1 "$ip_b"
check "bring $port_b up" ip link set "$port_b" up
check "ping resumes after $port_b is up again" \
    wait_until "ip netns exec $ns_a ping -q -c 1 -W 1 $ip_b > /dev/null"
check "take the namespace end $veth_b down" \
    ip -n "$ns_b" link set "$veth_b" down
check "bring $veth_b up" ip -n "$ns_b" link set "$veth_b" up
check "ping resumes after $veth_b is up again" \
    wait_until "ip netns exec $ns_a ping -q -c 1 -W 1 $ip_b > /dev/null"
flood_stop
check "UDP datagrams arrive intact after the link events" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
check "every frame is accounted for" wait_until umem_accounted

echo "=== MTU changed with ip link"
check "1500-byte packets go through" pings_at 1500
check "set MTU 1400 on $port_b" ip link set "$port_b" mtu 1400
check "set MTU 1400 on $veth_b" ip -n "$ns_b" link set "$veth_b" mtu 1400
check "OVS sees MTU 1400 on $port_b" \
    wait_until "[ \"\$(ovs-vsctl get Interface $port_b mtu)\" = 1400 ]"
check "ping of 1400 bytes still goes through" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 -M do -s 1372 "$ip_b"
check "1500-byte packets are refused on the way to $veth_b" \
    not ip netns exec "$ns_a" ping -q -c 2 -i 0.1 -W 1 -M do -s 1472 "$ip_b"
check "set MTU 1400 on $veth_a too" ip -n "$ns_a" link set "$veth_a" mtu 1400
check "1400-byte packets go through" pings_at 1400

echo "=== MTU changed with mtu_request"
check "mtu_request=1400 on $port_a" \
    ovs-vsctl set Interface "$port_a" mtu_request=1400
check "$port_a has MTU 1400" \
    wait_until "ip link show $port_a | grep -q 'mtu 1400 '"
check "OVS sees MTU 1400 on $port_a" \
    [ "$(ovs-vsctl get Interface "$port_a" mtu)" = 1400 ]
check "1400-byte packets go through" pings_at 1400
check "every frame is accounted for" wait_until umem_accounted

echo "=== back to MTU 1500"
check "mtu_request=1500 on $port_a" \
    ovs-vsctl set Interface "$port_a" mtu_request=1500
check "$port_a has MTU 1500" \
    wait_until "ip link show $port_a | grep -q 'mtu 1500 '"
check "set MTU 1500 on $port_b" ip link set "$port_b" mtu 1500
check "set MTU 1500 on $veth_a" ip -n "$ns_a" link set "$veth_a" mtu 1500
check "set MTU 1500 on $veth_b" ip -n "$ns_b" link set "$veth_b" mtu 1500
check "1500-byte packets go through" pings_at 1500

echo "=== veth deleted under a live port"
check "ping $ip_c" ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_c"
flood_start "$ns_c" "$ip_a"
ping_start "$ns_a" "$ip_b"
sleep 1
check "delete $port_c with ip link" ip link del "$port_c"
sleep 1
check "traffic between $port_a and $port_b kept flowing" ping_stop
flood_stop
check "vswitchd lives on" vswitchd_alive "$pid"
check "UDP datagrams arrive intact next to the deleted veth" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
check "every frame is accounted for" wait_until umem_accounted
check "delete port $port_c" ovs-vsctl del-port "$br" "$port_c"
check "no socket of $port_c remains" not afxdp_queue_listed "$port_c" 0
check "every frame is accounted for after del-port" \
    wait_until umem_accounted
check "ping across the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

fault_finish "$port_a" "$port_b"
# OVS's own netdev-linux asks for the driver of the deleted veth while its
# port is still in the bridge.
check "no unexpected warnings in the logs" check_logs \
    "netdev_linux.*ETHTOOL_GDRVINFO on network device $port_c failed: No such device"
