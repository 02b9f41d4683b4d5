#!/bin/bash
# 10-afxdp-bridge.sh: two namespaces bridged by two afxdp ports on veth, in
# native and in generic XDP mode.  For each mode: ping, UDP with content
# checked, and TCP (iperf3) with checksum offload left ON everywhere; the
# afxdp-to-afxdp traffic is sent from the frames it arrived in
# (tx_zero_copy_packets grows, tx_copied_packets stays 0); after the ports
# are deleted no XDP program is left on the veths and the UMEM's frames are
# all back in the pool (afxdp/show says accounted=yes).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
ovs_start

bridge_two_ns 10.231.$((XSK_ID % 200))

for mode in native generic; do
    echo "=== xdp-mode=$mode"
    add_afxdp_pair $mode

    check "ping across the bridge" \
        ip netns exec "$ns_a" ping -q -c 5 -i 0.1 -W 2 "$ip_b"
    check "UDP datagrams arrive intact" \
        udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
    check "TCP across the bridge, checksum offload on" \
        tcp_transfer "$ns_a" "$ns_b" "$ip_b" 2

    check "afxdp-to-afxdp packets were sent without a copy" \
        wait_until "[ \$(iface_stat $port_b tx_zero_copy_packets) -gt 100 ]"
    check "no afxdp-to-afxdp packet was copied" \
        [ "$(iface_stat $port_a tx_copied_packets)" -eq 0 -a \
          "$(iface_stat $port_b tx_copied_packets)" -eq 0 ]
    check "TCP data arrives intact (sha256 of 20 MB)" \
        tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
    check "partial checksums were received and passed on" \
        [ "$(iface_stat $port_a rx_checksum_partial)" -gt 0 ]
    if [ "$(iface_status $port_b tx-checksum-offload)" = true ]; then
        check "the kernel was asked to finish them (TX metadata)" \
            [ "$(iface_stat $port_b tx_checksum_offloaded)" -gt 0 ]
    else
        echo "no AF_XDP TX metadata here: OVS finished them in software"
    fi

    for p in $port_a $port_b; do
        check "delete $p" ovs-vsctl del-port "$br" "$p"
    done
    check "no XDP program left on the veths" \
        wait_until "! xdp_attached $port_a && ! xdp_attached $port_b"
    check "all frames are back in the pool" \
        wait_until "umem_whole"
done

check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
