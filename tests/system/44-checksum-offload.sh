#!/bin/bash
# 44-checksum-offload.sh: partial TCP checksums (the namespaces' veths keep
# checksum offload on, as they come) travel through OVS as offload flags
# and are finished only where they must be; every transfer's data is
# checked end to end (sha256 of what nc received).  Two namespaces on
# afxdp ports and a third on a plain (system) port:
#   - afxdp to afxdp: the output port asks its kernel to finish them (AF_XDP
#     TX metadata, tx_checksum_offloaded grows);
#   - afxdp to a system port: OVS finishes them in software;
#   - an OpenFlow rule that rewrites the TCP port on the way: finished
#     before the rewrite;
#   - through conntrack (ct(commit)): finished before conntrack;
#   - all of it again with ovs-vswitchd restarted under a shim
#     (refuse-tx-md.c) that makes the kernel refuse TX metadata, as before
#     Linux 6.8: status says so and OVS finishes every one in software.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"
cc=$(command -v cc || command -v gcc) || skip "no C compiler for the shim"
shim_dir=$(mktemp -d)
cleanup_add rm -rf "$shim_dir"
"$cc" -shared -fPIC -O2 -o "$shim_dir/refuse-tx-md.so" \
    "$(dirname "$0")/refuse-tx-md.c" -ldl || fail "cannot build the shim"

ovs_start
net=10.238.$((XSK_ID % 200))
bridge_two_ns "$net"
ip_a=$net.1
ns_add_veth c "$net.3/24"
ns_c=$VETH_NETNS port_c=$VETH_OVS ip_c=$net.3
# What c sends reaches OVS through a system port (AF_PACKET), which tells
# OVS 3.1 nothing about partial checksums (stock OVS's own limit, the reason
# its users turn checksum offload off): c computes its own.  What a sends
# to c is the case under test.
ip netns exec "$ns_c" ethtool -K "$VETH_NS" tx off > /dev/null \
    || fail "ethtool -K tx off in $ns_c"
add_afxdp_pair native
check "add $port_c as a system port" ovs-vsctl add-port "$br" "$port_c"

# paths METADATA: the four paths; METADATA says whether the afxdp ports
# send with TX metadata.
paths ()
{
    local md=$1 n

    echo "--- afxdp to afxdp"
    check "TCP a -> b intact" tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
    check "port a received partial checksums" \
        [ "$(iface_stat $port_a rx_checksum_partial)" -gt 0 ]
    n=$(iface_stat $port_b tx_checksum_offloaded)
    if $md; then
        check "port b sent them with TX metadata ($n)" [ "$n" -gt 0 ]
    else
        check "port b sent none with TX metadata" [ "$n" -eq 0 ]
    fi

    echo "--- afxdp to a system port"
    check "TCP a -> c intact" tcp_sha "$ns_a" "$ns_c" "$ip_c" 10
    check "TCP c -> a intact" tcp_sha "$ns_c" "$ns_a" "$ip_a" 5

    echo "--- TCP port rewritten on the way"
    check "rewrite rules" ovs-ofctl add-flows "$br" - <<FLOWS
priority=100,tcp,in_port=$port_a,tp_dst=5003,actions=mod_tp_dst:5002,output:$port_b
priority=100,tcp,in_port=$port_b,tp_src=5002,actions=mod_tp_src:5003,output:$port_a
FLOWS
    check "TCP a -> b:5003 (rewritten to 5002) intact" \
        tcp_sha "$ns_a" "$ns_b" "$ip_b" 10 5002 5003
    ovs-ofctl --strict del-flows "$br" \
        "priority=100,tcp,in_port=$port_a,tp_dst=5003"
    ovs-ofctl --strict del-flows "$br" \
        "priority=100,tcp,in_port=$port_b,tp_src=5002"

    echo "--- through conntrack"
    check "conntrack rule" ovs-ofctl add-flow "$br" \
        "priority=100,tcp,actions=ct(commit),NORMAL"
    check "TCP a -> b through conntrack intact" \
        tcp_sha "$ns_a" "$ns_b" "$ip_b" 10
    check "conntrack saw the connection" \
        wait_until "ovs-appctl dpctl/dump-conntrack | grep -q '^tcp.*$ip_b'"
    ovs-ofctl --strict del-flows "$br" "priority=100,tcp"
    ovs-appctl dpctl/flush-conntrack
}

echo "=== a kernel with AF_XDP TX metadata"
if [ "$(iface_status $port_b tx-checksum-offload)" = true ]; then
    paths true
else
    echo "this kernel has no AF_XDP TX metadata: $(iface_status $port_b tx-checksum-offload)"
    paths false
fi

echo "=== the kernel refuses TX metadata (shim)"
check "stop vswitchd" ovs_stop_daemon ovs-vswitchd
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
LD_PRELOAD=$shim_dir/refuse-tx-md.so vswitchd_start
for p in $port_a $port_b; do
    check "$p: status says OVS finishes partial checksums" \
        wait_until "ovs-appctl afxdp/show | grep -q '^  $p queue 0' \
                    && iface_status $p tx-checksum-offload \
                       | grep -q 'no AF_XDP TX metadata'"
done
paths false

check "delete bridge" ovs-vsctl del-br "$br"
check "no XDP program left" \
    wait_until "! xdp_attached $port_a && ! xdp_attached $port_b"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
