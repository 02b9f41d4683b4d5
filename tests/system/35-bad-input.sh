#!/bin/bash
# 35-bad-input.sh: bad set-ups next to working afxdp ports A and B.
#   - A added again, to its own bridge and to a second one: ovs-vsctl
#     refuses; a second Interface row with A's name, created with raw
#     database commands: the database refuses it.  A keeps its socket and
#     program and keeps forwarding.
#   - A non-afxdp port (type system, with TX checksum offload off as OVS's
#     tests have it) on the same bridge: traffic between it and the afxdp
#     ports works (copied into frames on the way out).
#   - An afxdp port on a veth that has a foreign XDP program attached, in
#     generic mode on one veth and in native mode on another: the status
#     gives afxdp-error naming the foreign program, the other ports keep
#     working, and the foreign program is never removed, also not when the
#     port is deleted.  Once the foreign program is gone, reconfiguring the
#     port makes it work.
# Throughout, vswitchd keeps its PID; at the end afxdp/show says
# accounted=yes, and after the ports are deleted every frame is in the pool.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/faults.sh"

require_root
command -v clang > /dev/null || skip "clang is not installed"
fault_start

# A foreign XDP program: XDP_PASS, named xdp_pass.
foreign=$OVS_RUNDIR/xdp_pass.o
cat > "$OVS_RUNDIR/xdp_pass.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int
xdp_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
EOF
multiarch=$(gcc -print-multiarch 2> /dev/null)
clang -O2 -target bpf ${multiarch:+-I/usr/include/$multiarch} \
    -c "$OVS_RUNDIR/xdp_pass.c" -o "$foreign" \
    || skip "cannot build an XDP program with clang"

br2=$(xsk_ifname br2)
net=10.248.$((XSK_ID % 200))
fault_ns a 1
fault_ns b 2
fault_ns c 3
fault_ns d
fault_ns e

for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp
done
check "ping across the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
prog_a=$(xdp_progs "$port_a")

# works_ab WHEN: A and B still forward, with A's program unchanged.
works_ab ()
{
    check "ping A -> B $1" \
        ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
    check "$port_a keeps its program ($prog_a) $1" \
        [ "$(xdp_progs "$port_a")" = "$prog_a" ]
}

echo "=== a port added twice"
out=$(ovs-vsctl add-port "$br" "$port_a" -- set Interface "$port_a" \
          type=afxdp 2>&1)
check "adding $port_a again fails" [ $? -ne 0 ]
check "... saying why ($out)" grep -q "already exists" <<< "$out"
check "add a second bridge" ovs-vsctl add-br "$br2" -- set Bridge "$br2" \
    datapath_type=netdev
out=$(ovs-vsctl add-port "$br2" "$port_a" -- set Interface "$port_a" \
          type=afxdp 2>&1)
check "adding $port_a to the second bridge fails" [ $? -ne 0 ]
check "... saying why ($out)" grep -q "already exists" <<< "$out"
works_ab "after the refused additions"

out=$(ovs-vsctl -- --id=@i create Interface name="$port_a" type=afxdp \
          -- --id=@p create Port name="${port_a}d" interfaces=@i \
          -- add Bridge "$br2" ports @p 2>&1)
check "the database refuses a second Interface row named $port_a" \
    [ $? -ne 0 ]
check "... saying why" grep -q "constraint violation" <<< "$out"
works_ab "after the refused duplicate row"
check "$port_a still has its socket" afxdp_queue_listed "$port_a" 0
check "UDP datagrams arrive intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
check "delete the second bridge" ovs-vsctl del-br "$br2"

echo "=== a system port next to afxdp ports"
# OVS 3.1's system ports (netdev-linux) forward partial checksums as they
# are, so their own tests turn TX checksum offload off on such veths
# (CONFIGURE_VETH_OFFLOADS in tests/system-userspace-macros.at).
check "TX checksum offload off in namespace C" \
    ip netns exec "$ns_c" ethtool -K "$veth_c" tx off
check "add $port_c as a system port" ovs-vsctl add-port "$br" "$port_c"
copied=$(iface_stat "$port_a" tx_copied_packets)
check "ping afxdp -> system" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_c"
check "ping system -> afxdp" \
    ip netns exec "$ns_c" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "UDP system -> afxdp arrives intact" \
    udp_roundtrip "$ns_c" "$ns_a" "$ip_a" 200 1200
check "packets from the system port were copied into frames" \
    wait_until "[ \$(iface_stat $port_a tx_copied_packets) -gt $copied ]"
works_ab "next to the system port"

echo "=== a foreign XDP program"
check "attach a foreign program to $port_d in generic mode" \
    ip link set dev "$port_d" xdpgeneric obj "$foreign" sec xdp
cleanup_add ip link set dev "$port_d" xdpgeneric off
check "attach a foreign program to $port_e in native mode" \
    ip link set dev "$port_e" xdpdrv obj "$foreign" sec xdp
cleanup_add ip link set dev "$port_e" xdpdrv off
prog_d=$(xdp_progs "$port_d") prog_e=$(xdp_progs "$port_e")
check "add $port_d (best-effort mode)" ovs-vsctl add-port "$br" "$port_d" \
    -- set Interface "$port_d" type=afxdp
check "add $port_e (native mode)" ovs-vsctl add-port "$br" "$port_e" \
    -- set Interface "$port_e" type=afxdp options:xdp-mode=native
for p in $port_d $port_e; do
    check "$p shows afxdp-error naming the foreign program" \
        wait_until "iface_status $p afxdp-error \
                    | grep -qF \"another XDP program ('xdp_pass', id \""
    check "$p has no XDP mode in use" \
        [ "$(iface_status "$p" xdp-mode-in-use)" = none ]
    check "$p has no AF_XDP socket" not afxdp_queue_listed "$p" 0
done
echo "$port_d: $(iface_status "$port_d" afxdp-error)"
check "the foreign program on $port_d is untouched" \
    [ "$(xdp_progs "$port_d")" = "$prog_d" ]
check "the foreign program on $port_e is untouched" \
    [ "$(xdp_progs "$port_e")" = "$prog_e" ]
works_ab "next to the failed ports"
check "every frame is accounted for" wait_until umem_accounted

check "delete $port_e" ovs-vsctl del-port "$br" "$port_e"
check "the foreign program on $port_e survives the port's deletion" \
    [ "$(xdp_progs "$port_e")" = "$prog_e" ]
check "remove the foreign program from $port_d" \
    ip link set dev "$port_d" xdpgeneric off
check "reconfigure $port_d" \
    ovs-vsctl set Interface "$port_d" options:xdp-mode=native
check "$port_d works once the foreign program is gone" \
    wait_until "[ \"\$(iface_status $port_d xdp-mode-in-use)\" = native ]"
check "$port_d has its socket" afxdp_queue_listed "$port_d" 0
check "our program is on $port_d" ours_attached "$port_d"
check "delete $port_d" ovs-vsctl del-port "$br" "$port_d"
check "our program is gone from $port_d" wait_until "! xdp_attached $port_d"
works_ab "after the foreign-program ports"

check "every frame is accounted for" wait_until umem_accounted
check "delete the system port $port_c" ovs-vsctl del-port "$br" "$port_c"
fault_finish "$port_a" "$port_b"
# The two ports on veths with a foreign program fail their set-up.
check "no unexpected warnings in the logs" check_logs \
    "netdev_xsk.*($port_d|$port_e): AF_XDP set-up failed: another XDP program \('xdp_pass'"
