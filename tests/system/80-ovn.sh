#!/bin/bash
# 80-ovn.sh: OVN over ovs-xsk.  Debian's OVN 23.03 (central and three
# ovn-controllers) drives three chassis, each its own namespace with the
# build's ovs-vswitchd, afxdp-nonpmd ports and OVS userspace Geneve over an
# afxdp uplink (topology: ovn-lib.sh).  Logical switch ls1 spans chassis 1
# and 2 (vm1, vm2), a distributed router lr1 leads to ls2 on chassis 3
# (vm3).  Checks:
#   - the workload ports run in generic mode (the veth default) and cut
#     the workloads' TCP super-packets at the workloads' MTU (peer-mtu
#     1442), not the OVS ends' 1500;
#   - L2 across chassis, L3 through the router, a 1400-byte DF ping through
#     the tunnel, TCP with the workloads' checksum offload on (sha256 of the
#     data end to end), zero-copy Geneve transmit on the uplinks;
#   - an ACL that drops one TCP port, then its removal;
#   - an OVN load balancer on ls1, ls2 and lr1 (VIP -> vm3): with OVS 3.1's
#     userspace conntrack the backend's ovs-vswitchd aborted in
#     conn_update_state() (ovs-patches/0007), and a connection reusing an
#     earlier one's reply tuple was dropped as invalid for up to 20 s
#     (ovs-patches/0008); every ovs-vswitchd must live;
#   - vm2's logical port moved to chassis 3 (iface-id bound there) keeps
#     working;
#   - chassis 1's ovs-vswitchd killed (SIGKILL): no XDP program of it stays
#     on its interfaces (they hang on a BPF link it owned); restarted, it
#     comes back with its tunnels and forwards again;
#   - every chassis's UMEMs say accounted=yes, the logs have no unexpected
#     warnings, and no XDP program is left after teardown.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/ovn-lib.sh"

require_root
command -v nc > /dev/null || skip "nc is not installed"
t0=$SECONDS

echo "=== OVN central and three chassis"
ovn_setup
vm1=${ovn_vm_ns[vm1]} vm2=${ovn_vm_ns[vm2]} vm3=${ovn_vm_ns[vm3]}

if [ -z "${OVN_STOCK:-}" ]; then
    # The veth default, and super-packets cut at the workload's MTU (1442,
    # the peer of the OVS end at 1500), which fits the tunnel.
    for vm in vm1 vm2 vm3; do
        c=${ovn_vm_chassis[$vm]} p=${ovn_vm_port[$vm]}
        check "$vm's port runs in generic mode (default)" wait_until \
            "ovn_on $c iface_status $p xdp-mode-in-use | grep -qx generic"
        check "$vm's port: peer-mtu 1442" wait_until \
            "ovn_on $c iface_status $p peer-mtu | grep -qx 1442"
    done
fi

echo "=== forwarding across chassis ($((SECONDS - t0)) s)"
check "L2: vm1 (chassis 1) -> vm2 (chassis 2)" ovn_ping "$vm1" 10.0.1.12
check "L3 through lr1: vm1 -> vm3 (chassis 3)" ovn_ping "$vm1" 10.0.2.13
check "L3 through lr1: vm3 -> vm2" ovn_ping "$vm3" 10.0.1.12
check "1400-byte DF ping vm1 -> vm3 through the tunnel" \
    ip netns exec "$vm1" ping -q -c 3 -i 0.2 -W 2 -M "do" -s 1372 10.0.2.13
check "TCP vm1 -> vm2 intact (checksum offload on)" \
    tcp_sha "$vm1" "$vm2" 10.0.1.12 20
check "TCP vm3 -> vm1 intact through lr1" tcp_sha "$vm3" "$vm1" 10.0.1.11 20
n=$(ovn_on 1 iface_stat "${ovn_uplink[1]}" tx_zero_copy_packets)
check "chassis 1's uplink sent Geneve zero-copy ($n packets)" [ "$n" -gt 0 ]

echo "=== ACL ($((SECONDS - t0)) s)"
check "ACL dropping TCP port 5009 to vm3" ovn-nbctl --wait=hv acl-add ls2 \
    to-lport 1001 'ip4.dst == 10.0.2.13 && tcp.dst == 5009' drop
check "TCP to vm3:5009 is dropped" \
    ovn_tcp_blocked "$vm1" "$vm3" 10.0.2.13 5009
check "TCP to vm3:5008 still passes" tcp_sha "$vm1" "$vm3" 10.0.2.13 1 5008
check "ACL removed" ovn-nbctl --wait=hv acl-del ls2
check "TCP to vm3:5009 passes again" tcp_sha "$vm1" "$vm3" 10.0.2.13 1 5009

echo "=== load balancer 10.0.2.100:8080 -> vm3:5010 ($((SECONDS - t0)) s)"
check "load balancer on ls1, ls2 and lr1" ovn-nbctl \
    -- lb-add lb1 10.0.2.100:8080 10.0.2.13:5010 tcp \
    -- ls-lb-add ls1 lb1 -- ls-lb-add ls2 lb1 -- lr-lb-add lr1 lb1
check "every chassis caught up" ovn_sync
check "TCP vm1 -> VIP reaches vm3 intact" \
    tcp_sha "$vm1" "$vm3" 10.0.2.100 5 5010 8080
check "TCP vm2 -> VIP reaches vm3 intact" \
    tcp_sha "$vm2" "$vm3" 10.0.2.100 5 5010 8080
# A connection from vm1:40000 through the VIP, ended with a RST (so that
# vm1 keeps no TIME_WAIT socket and can use port 40000 again), then one
# from vm1:40000 to vm3:5010 directly: at vm3's chassis both have the same
# tuple, and the first one's conntrack entry (committed there with an
# identity "nat(src)") is in TIME_WAIT, so the second SYN replaces it.  OVS
# 3.1 left the entry's un-NAT twin behind, and the SYN-ACK aborted
# ovs-vswitchd (ovs-patches/0007).  At vm1's chassis the first connection's
# DNAT un-NAT entry outlived it until the next conntrack sweep (up to 20 s)
# and made every packet of the second one invalid (ovs-patches/0008): its
# SYN-ACK was dropped, conntrack logged "Missing parent conn".
check "TCP vm1:40000 -> VIP, ended with a RST" \
    ovn_tcp_rst "$vm1" "$vm3" 10.0.2.100 5010 8080 40000
check "TCP vm3:5010 -> vm1:40000 (reply tuple at vm3) intact" \
    tcp_sha "$vm3" "$vm1" 10.0.1.11 5 40000 40000 5010
for i in 1 3; do
    check "chassis $i: no packet found an un-NAT entry without its connection" \
        ovn_on "$i" ovn_log_lacks "Missing parent conn"
done
for i in 1 2 3; do
    check "chassis $i: ovs-vswitchd is alive" ovn_vswitchd_alive "$i"
done

echo "=== vm2 moved from chassis 2 to chassis 3 ($((SECONDS - t0)) s)"
ovn_vm_attach vm2 3
check "vm2 bound to chassis 3" wait_until "ovn_bound vm2 3"
check "every chassis caught up" ovn_sync
check "L2: vm1 -> vm2 (now on chassis 3)" ovn_ping "$vm1" 10.0.1.12
check "TCP vm2 -> vm1 intact" tcp_sha "$vm2" "$vm1" 10.0.1.11 10

echo "=== chassis 1's ovs-vswitchd killed and restarted ($((SECONDS - t0)) s)"
pid=$(cat "${ovn_rundir[1]}/ovs-vswitchd.pid")
kill -KILL "$pid"
check "ovs-vswitchd (pid $pid) is gone" wait_until "! kill -0 $pid 2> /dev/null"
left=$(ovn_xdp_left | grep '^chassis 1:')
check "the kernel took chassis 1's XDP programs off with it${left:+: $left}" \
    [ -z "$left" ]
ovn_vswitchd_start 1
check "chassis 1 has its Geneve tunnels back" \
    wait_until "ovn_on 1 ovs-appctl dpif/show | grep -c 'geneve' | grep -qx 2"
check "L3: vm1 -> vm3 again" ovn_ping "$vm1" 10.0.2.13
check "L2: vm1 -> vm2 again" ovn_ping "$vm1" 10.0.1.12
check "TCP vm1 -> vm3 intact after the restart" \
    tcp_sha "$vm1" "$vm3" 10.0.2.13 10

echo "=== accounting, logs and teardown ($((SECONDS - t0)) s)"
ovn_finish
echo "80-ovn: $((SECONDS - t0)) s"
