#!/bin/bash
# 45-tso.sh: TCP super-packets carried whole through OVS (userspace TSO).
# Two namespaces on afxdp ports in generic XDP mode, their veths as they
# come (TSO and checksum offload on), so TCP super-packets reach the AF_XDP
# socket whole; every transfer's data is checked end to end (sha256 of
# what nc received):
#   - other_config:userspace-tso-enable=true: a super-packet crosses OVS as
#     one packet (rx_gso_whole_packets) and leaves the output port whole,
#     with a GSO request, through its AF_PACKET socket (tx_gso_packets);
#   - the same with ovs-vswitchd under a shim (refuse-vnet.c) that refuses
#     that socket: the port does not take TSO packets and OVS segments them
#     in software (ovs-patches/0010, coverage netdev_soft_gso_packets);
#   - first, the knob off: super-packets are cut on receive, as before
#     (rx_gso_super_packets), and nothing goes out whole.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"
cc=$(command -v cc || command -v gcc) || skip "no C compiler for the shim"
shim_dir=$(mktemp -d)
cleanup_add rm -rf "$shim_dir"
"$cc" -shared -fPIC -O2 -o "$shim_dir/refuse-vnet.so" \
    "$(dirname "$0")/refuse-vnet.c" -ldl || fail "cannot build the shim"

net=10.239.$((XSK_ID % 200))

# transfer TAG: 20 MB a -> b intact, and the counters of what it took.
transfer ()
{
    check "TCP a -> b intact ($1)" tcp_sha "$ns_a" "$ns_b" "$ip_b" 20
    whole=$(iface_stat $port_a rx_gso_whole_packets)
    cut=$(iface_stat $port_a rx_gso_super_packets)
    sent=$(iface_stat $port_b tx_gso_packets)
    failed=$(iface_stat $port_b tx_gso_failed)
    soft=$(ovs-appctl coverage/read-counter netdev_soft_gso_packets)
    echo "a: $whole whole, $cut cut; b: $sent sent whole, $failed failed;" \
         "segmented by OVS: $soft"
}

# restart [LD_PRELOAD]: ovs-vswitchd again, on the same database (userspace
# TSO, once on, stays on in a process).
restart ()
{
    check "stop vswitchd" ovs_stop_daemon ovs-vswitchd
    LD_PRELOAD=$1 vswitchd_start
    for p in $port_a $port_b; do
        check "$p runs again" wait_until \
            "iface_status $p xdp-mode-in-use | grep -qx generic"
    done
}

ovs_start
bridge_two_ns "$net"
add_afxdp_pair generic

echo "=== userspace-tso-enable off"
transfer "no TSO"
check "super-packets cut on receive ($cut)" [ "$cut" -gt 0 ]
check "none crossed whole" [ "$whole" -eq 0 ]
check "none left b whole" [ "$sent" -eq 0 ]

echo "=== userspace-tso-enable=true"
check "knob on" ovs-vsctl set Open_vSwitch . \
    other_config:userspace-tso-enable=true
restart ""
transfer "TSO"
check "super-packets crossed whole ($whole)" [ "$whole" -gt 0 ]
check "... and left b whole ($sent)" [ "$sent" -gt 0 ]
check "none refused by the kernel" [ "$failed" -eq 0 ]
check "none cut on receive" [ "$cut" -eq 0 ]

echo "=== no AF_PACKET socket for b (shim): OVS segments"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
restart "$shim_dir/refuse-vnet.so"
transfer "software segmentation"
check "super-packets crossed whole ($whole)" [ "$whole" -gt 0 ]
check "none left b whole" [ "$sent" -eq 0 ]
# PMD threads add their coverage counts to the totals about once a second.
check "OVS segmented them" wait_until \
    '[ "$(ovs-appctl coverage/read-counter netdev_soft_gso_packets)" -gt 0 ]'

check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" \
    check_logs "no AF_PACKET socket .*: TSO packets are segmented"
