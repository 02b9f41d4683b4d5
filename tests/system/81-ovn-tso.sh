#!/bin/bash
# 81-ovn-tso.sh: TCP super-packets through OVN's Geneve tunnels.  The
# topology of 80-ovn.sh (ovn-lib.sh: three chassis, ls1 with vm1 and vm2
# on chassis 1 and 2, lr1 to ls2 with vm3 on chassis 3) with OVN_XSK_TSO:
# other_config:userspace-tso-enable=true on every chassis and the workload
# ports in generic XDP mode, so a workload's TCP super-packet reaches OVS
# whole (rx_gso_whole_packets) and crosses it as one packet up to the
# tunnel header push.  OVS 3.1 drops it there; ovs-patches/0011 cuts it
# into segments that fit the tunnel (coverage odp_soft_gso_packets).  With
# OVN_XSK_GENEVE as well: every uplink has options:tx-coalesce-geneve=true,
# so those segments, once pushed into Geneve, leave the sending uplink in
# runs as UDP GSO packets, and the receiving uplink cuts them back
# (netdev/xsk-geneve.h).
# Checks, with every transfer's data checked end to end (sha256):
#   - TCP vm1 -> vm2 across chassis (L2) and vm3 -> vm1 through lr1 (L3);
#   - super-packets were received whole and segmented before tnl_push on
#     the sending chassis, and no packet was dropped at the push
#     (netdev_push_header_drops) or left unsegmented (odp_soft_gso_unowned,
#     odp_soft_gso_failed);
#   - the sending uplinks coalesced Geneve packets and the receiving
#     uplinks cut them back, dropping nothing;
#   - a 1400-byte DF ping through the tunnel still passes;
#   - the logs have no unexpected warnings, no XDP program is left.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/ovn-lib.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"
t0=$SECONDS
export OVN_XSK_TSO=1 OVN_XSK_GENEVE=1

# counter I NAME: coverage counter NAME of chassis I's ovs-vswitchd.
counter ()
{
    ovn_on "$1" ovs-appctl coverage/read-counter "$2"
}

echo "=== OVN central and three chassis, userspace TSO on"
ovn_setup
for vm in vm1 vm2 vm3; do
    i=${ovn_vm_chassis[$vm]} p=${ovn_vm_port[$vm]}
    check "$vm's port $p runs in generic mode" wait_until \
        "ovn_on $i iface_status $p xdp-mode-in-use | grep -qx generic"
done
vm1=${ovn_vm_ns[vm1]} vm2=${ovn_vm_ns[vm2]} vm3=${ovn_vm_ns[vm3]}

echo "=== forwarding across chassis ($((SECONDS - t0)) s)"
check "L2: vm1 (chassis 1) -> vm2 (chassis 2)" ovn_ping "$vm1" 10.0.1.12
check "L3 through lr1: vm1 -> vm3 (chassis 3)" ovn_ping "$vm1" 10.0.2.13
check "1400-byte DF ping vm1 -> vm3 through the tunnel" \
    ip netns exec "$vm1" ping -q -c 3 -i 0.2 -W 2 -M "do" -s 1372 10.0.2.13

echo "=== TCP super-packets into the tunnel ($((SECONDS - t0)) s)"
check "TCP vm1 -> vm2 intact (L2, 20 MB)" tcp_sha "$vm1" "$vm2" 10.0.1.12 20
check "TCP vm3 -> vm1 intact through lr1 (20 MB)" \
    tcp_sha "$vm3" "$vm1" 10.0.1.11 20
for vm in vm1 vm3; do
    i=${ovn_vm_chassis[$vm]}
    whole=$(ovn_on "$i" iface_stat "${ovn_vm_port[$vm]}" rx_gso_whole_packets)
    check "chassis $i: $vm's super-packets received whole ($whole)" \
        [ "$whole" -gt 0 ]
    # Counts are added to the totals about once a second: wait for them.
    check "chassis $i: segmented before tnl_push" wait_until \
        "[ \"\$(counter $i odp_soft_gso_packets)\" -gt 0 ]"
    sleep 2
    for c in odp_soft_gso_packets odp_soft_gso_segments \
             netdev_push_header_drops odp_soft_gso_unowned \
             odp_soft_gso_failed netdev_soft_gso_packets; do
        echo "chassis $i: $c $(counter "$i" "$c")"
    done
    for c in netdev_push_header_drops odp_soft_gso_unowned \
             odp_soft_gso_failed; do
        check "chassis $i: $c is 0" [ "$(counter "$i" "$c")" -eq 0 ]
    done
done

echo "=== Geneve super-packets over the underlay ($((SECONDS - t0)) s)"
# vm1 -> vm2 leaves chassis 1's uplink for chassis 2's; vm3 -> vm1 leaves
# chassis 3's for chassis 1's.
for pair in "1 2" "3 1"; do
    set -- $pair
    up_tx=${ovn_uplink[$1]} up_rx=${ovn_uplink[$2]}
    check "chassis $1: Geneve runs coalesced on $up_tx" wait_until \
        "[ \"\$(ovn_on $1 iface_stat $up_tx tx_geneve_super_packets)\" -gt 0 ]"
    check "chassis $2: Geneve super-packets cut on $up_rx" wait_until \
        "[ \"\$(ovn_on $2 iface_stat $up_rx rx_gso_super_packets)\" -gt 0 ]"
    for k in tx_geneve_super_packets tx_geneve_coalesced_packets \
             tx_coalesce_failed; do
        echo "chassis $1 $up_tx: $k $(ovn_on "$1" iface_stat "$up_tx" "$k")"
    done
    for k in rx_gso_super_packets rx_gso_segments rx_dropped; do
        echo "chassis $2 $up_rx: $k $(ovn_on "$2" iface_stat "$up_rx" "$k")"
    done
    check "chassis $1: the kernel refused no run" \
        [ "$(ovn_on "$1" iface_stat "$up_tx" tx_coalesce_failed)" -eq 0 ]
    check "chassis $2: no receive drop on $up_rx" \
        [ "$(ovn_on "$2" iface_stat "$up_rx" rx_dropped)" -eq 0 ]
done

echo "=== accounting, logs and teardown ($((SECONDS - t0)) s)"
ovn_finish
echo "81-ovn-tso: $((SECONDS - t0)) s"
