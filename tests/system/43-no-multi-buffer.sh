#!/bin/bash
# 43-no-multi-buffer.sh: a kernel that refuses multi-buffer AF_XDP sockets
# (before 6.6).  This kernel accepts XDP_USE_SG, so an LD_PRELOAD shim
# (refuse-sg.c) makes every AF_XDP bind() with it fail with EINVAL, as old
# kernels do.  The provider must fall back to single-buffer sockets: the
# ports come up and carry traffic, status says multi-buffer is refused and
# shows the MTU limit (a frame less 256 bytes of headroom and a VLAN
# header), the log says it once per port, the UMEM has no jumbo slots, and
# an mtu_request above the limit is refused with the reason while one below
# it carries pings of that size.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
cc=$(command -v cc || command -v gcc) || skip "no C compiler for the shim"
shim_dir=$(mktemp -d)
cleanup_add rm -rf "$shim_dir"
"$cc" -shared -fPIC -O2 -o "$shim_dir/refuse-sg.so" \
    "$(dirname "$0")/refuse-sg.c" -ldl || fail "cannot build refuse-sg.so"

# An ASan build of ovs-vswitchd wants its runtime first among the loaded
# libraries; the shim comes before it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
LD_PRELOAD=$shim_dir/refuse-sg.so ovs_start

limit=$((4096 - 256 - 18))
bridge_two_ns 10.237.$((XSK_ID % 200))
add_afxdp_pair native

for p in $port_a $port_b; do
    check "$p: status says multi-buffer is refused" \
        test "$(iface_status $p multi-buffer)" = "refused by the kernel"
    check "$p: status shows the MTU limit $limit" \
        test "$(iface_status $p max-mtu)" = $limit
    check "$p: the log says why" \
        grep -q "$p: no multi-buffer AF_XDP in this kernel: MTU limited to $limit" \
            "$OVS_RUNDIR/ovs-vswitchd.log"
done
check "the UMEM has no jumbo slots" \
    bash -c "ovs-appctl afxdp/show | grep '^umem' | grep -q 'jumbo-slots=0 '"

check "ping works" ip netns exec "$ns_a" ping -q -c 5 -i 0.1 -W 2 "$ip_b"
check "1400-byte UDP datagrams arrive intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1400

check "mtu_request=9000 is refused with the reason" \
    wait_until "ovs-vsctl set Interface $port_a mtu_request=9000 && \
                grep -q '$port_a: MTU 9000 is too large: at most $limit (the kernel refused multi-buffer AF_XDP sockets)' \
                    \$OVS_RUNDIR/ovs-vswitchd.log"
check "the MTU stays" bash -c "! ip link show $port_a | grep -q 'mtu 9000'"

mtu=3000
ip -n "$ns_a" link set "$veth_a" mtu $mtu
ip -n "$ns_b" link set "$veth_b" mtu $mtu
for p in $port_a $port_b; do
    check "$p: mtu_request=$mtu is taken" \
        ovs-vsctl set Interface "$p" mtu_request=$mtu
    check "$p has MTU $mtu" \
        wait_until "ip link show $p | grep -q 'mtu $mtu'"
done
check "ping -s $((mtu - 28)) without fragmentation" \
    wait_until "ip netns exec $ns_a ping -q -c 3 -i 0.1 -W 2 -M do \
                    -s $((mtu - 28)) $ip_b"
check "frames are accounted" wait_until umem_accounted

check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs \
    "$port_a: MTU 9000 is too large" \
    "failed to set MTU for network device $port_a"
