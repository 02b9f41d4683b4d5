#!/bin/bash
# 40-jumbo.sh: jumbo frames through two afxdp ports.  With the veths and the
# OVS ports at MTU 9000, ping -s 8900 (don't fragment), 8900-byte UDP
# datagrams (content checked) and TCP cross the bridge in native and generic
# mode; frames arrive as multi-buffer chains (rx_multi_buffer_packets
# grows) and leave the other port as chains of a jumbo slot's frames with no
# copy (tx_zero_copy_multi_buffer_packets grows,
# tx_copied_multi_buffer_packets stays 0) when the ports do not send TX
# metadata (tx-checksum-offload=false).  With TX metadata (the default) the
# kernel wants metadata room in front of every descriptor, so the jumbo
# frames are copied into TX frames instead, and must arrive intact all the
# same (TCP data checked with sha256).  An mtu_request above what the port
# can carry is refused.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
ovs_start

br=$(xsk_ifname br)
net=10.234.$((XSK_ID % 200))
check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
    datapath_type=netdev
ns_add_veth a $net.1/24
ns_a=$VETH_NETNS port_a=$VETH_OVS veth_a=$VETH_NS
ns_add_veth b $net.2/24
ns_b=$VETH_NETNS port_b=$VETH_OVS veth_b=$VETH_NS
ip -n "$ns_a" link set "$veth_a" mtu 9000
ip -n "$ns_b" link set "$veth_b" mtu 9000

for run in native,false generic,false native,true; do
    mode=${run%,*} md=${run#*,}
    echo "=== xdp-mode=$mode tx-checksum-offload=$md"
    for p in $port_a $port_b; do
        check "add $p ($mode, mtu_request=9000)" \
            ovs-vsctl add-port "$br" "$p" -- set Interface "$p" type=afxdp \
                options:xdp-mode=$mode options:tx-checksum-offload=$md \
                mtu_request=9000
    done
    for p in $port_a $port_b; do
        check "$p has MTU 9000" \
            wait_until "ip link show $p 2>/dev/null | grep -q 'mtu 9000'"
        check "$p runs in $mode mode" \
            wait_until "iface_status $p xdp-mode-in-use | grep -qx $mode"
    done

    check "ping -s 8900 without fragmentation" \
        ip netns exec "$ns_a" ping -q -c 5 -i 0.1 -W 2 -M do -s 8900 $net.2
    check "8900-byte UDP datagrams arrive intact" \
        udp_roundtrip "$ns_a" "$ns_b" $net.2 200 8900
    if [ "$(iface_status $port_b tx-checksum-offload)" = true ]; then
        check "jumbo frames were copied (TX metadata room)" \
            wait_until "[ \$(iface_stat $port_b tx_copied_multi_buffer_packets) -ge 200 ]"
    else
        # The ping replies and the datagrams left $port_b as chains of a
        # jumbo slot's frames, none of them copied.
        check "jumbo frames were sent on without a copy" \
            wait_until "[ \$(iface_stat $port_b tx_zero_copy_multi_buffer_packets) -ge 200 ]"
        check "no jumbo frame was copied" \
            test "$(iface_stat $port_b tx_copied_multi_buffer_packets)" = 0
    fi
    check "TCP at MTU 9000" tcp_transfer "$ns_a" "$ns_b" $net.2 2
    check "TCP data at MTU 9000 intact (sha256 of 20 MB)" \
        tcp_sha "$ns_a" "$ns_b" $net.2 20
    check "jumbo frames arrived as multi-buffer chains" \
        wait_until "[ \$(iface_stat $port_a rx_multi_buffer_packets) -gt 100 ]"

    for p in $port_a $port_b; do
        check "delete $p" ovs-vsctl del-port "$br" "$p"
    done
    check "all frames are back in the pool" wait_until umem_whole
done

# Beyond what a chain of frames carries: refused, with a log line.
check "add $port_a" ovs-vsctl add-port "$br" "$port_a" -- \
    set Interface "$port_a" type=afxdp
check "mtu_request=9500 is refused" \
    wait_until "ovs-vsctl set Interface $port_a mtu_request=9500 && \
                grep -q '$port_a: MTU 9500 is too large' \$OVS_RUNDIR/ovs-vswitchd.log"
check "the MTU stays" bash -c "! ip link show $port_a 2>/dev/null | grep -q 'mtu 9500'"

check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs \
    "$port_a: MTU 9500 is too large" \
    "failed to set MTU for network device $port_a"
