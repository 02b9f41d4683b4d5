#!/bin/bash
# 41-multiqueue.sh: one AF_XDP socket per queue on a 4-queue veth in native
# mode.  Traffic of many flows from the namespace spreads over the queues
# and every queue receives (xsk_queue_N_rx_packets); with two PMD cores and
# pmd-rxq-affinity each queue is polled by the core it is pinned to; two
# PMDs sending to a port with one TX queue is safe.  More queues than the
# device has, and generic mode with several queues, are reported.  The
# default mode, best-effort, runs native with several queues and generic
# with one, and the status says why.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
[ "$(nproc)" -ge 2 ] || skip "needs 2 cores"
ovs_start

br=$(xsk_ifname br)
net=10.235.$((XSK_ID % 200))
check "add bridge, PMDs on cores 0 and 1" ovs-vsctl add-br "$br" -- \
    set Bridge "$br" datapath_type=netdev -- \
    set Open_vSwitch . other_config:pmd-cpu-mask=0x3

# Namespace a: a 4-queue veth pair.
ns_a=xsk${XSK_ID}-a port_a=$(xsk_ifname oa) veth_a=$(xsk_ifname na)
ip netns add "$ns_a" || fail "ip netns add"
cleanup_add ip netns del "$ns_a"
ip link add "$port_a" numrxqueues 4 numtxqueues 4 type veth peer name \
    "$veth_a" numrxqueues 4 numtxqueues 4 netns "$ns_a" \
    || fail "ip link add (multi-queue veth)"
cleanup_add ip link del "$port_a"
ip link set "$port_a" up
ip -n "$ns_a" link set lo up
ip -n "$ns_a" link set "$veth_a" up
ip -n "$ns_a" addr add $net.1/24 dev "$veth_a"
ns_add_veth b $net.2/24
ns_b=$VETH_NETNS port_b=$VETH_OVS

# ovs-vsctl's exit status says only whether the database took the port.
ovs-vsctl add-port $br $port_a -- set Interface $port_a type=afxdp \
    options:n_rxq=8 options:xdp-mode=native 2> /dev/null
check "n_rxq=8 on a 4-queue veth is refused, the reason in Interface:error" \
    wait_until "ovs-vsctl get Interface $port_a error | grep -q 'needs more than the 4 RX queue'"
check "del-port" ovs-vsctl del-port "$br" "$port_a"

check "add $port_a with 4 queues pinned to both cores" \
    ovs-vsctl add-port "$br" "$port_a" -- set Interface "$port_a" \
        type=afxdp options:n_rxq=4 options:xdp-mode=native \
        other_config:pmd-rxq-affinity="0:0,1:1,2:0,3:1"
# Pinning isolates both PMDs, so $port_b's queue must be pinned too.
check "add $port_b" ovs-vsctl add-port "$br" "$port_b" -- \
    set Interface "$port_b" type=afxdp options:xdp-mode=native \
        other_config:pmd-rxq-affinity="0:0"
check "$port_a has 4 queues" \
    wait_until "[ \"\$(iface_status $port_a n_rxq)\" = 4 ]"

rxq_show=$(ovs-appctl dpif-netdev/pmd-rxq-show)
echo "$rxq_show"
for qc in 0:0 1:1 2:0 3:1; do
    q=${qc%:*} c=${qc#*:}
    core=$(echo "$rxq_show" | awk -v p="$port_a" -v q="$q" '
        /core_id/ { core = $NF; sub(/:$/, "", core) }
        $1 == "port:" && $2 == p && $4 == q { print core }')
    check "queue $q is polled by core $c" [ "$core" = "$c" ]
done

check "TCP with 16 flows from the 4-queue side" \
    tcp_transfer "$ns_a" "$ns_b" $net.2 3 -P 16
# Statistics reach the database every 5 s.
busy_queues ()
{
    local q n busy=0
    for q in 0 1 2 3; do
        n=$(iface_stat "$port_a" xsk_queue_${q}_rx_packets)
        [ "$n" -gt 0 ] && busy=$((busy + 1))
    done
    echo "$busy"
}
check "traffic reached at least 3 of the 4 queues" \
    wait_until '[ "$(busy_queues)" -ge 3 ]'
for q in 0 1 2 3; do
    echo "queue $q: $(iface_stat "$port_a" xsk_queue_${q}_rx_packets) packets"
done
check "frames are accounted" wait_until umem_accounted

check "generic mode with 2 queues: warning in status" bash -c "
    ovs-vsctl set Interface $port_a options:n_rxq=2 options:xdp-mode=generic"
check "status warns about generic multi-queue" \
    wait_until "iface_status $port_a afxdp-warning | grep -q 'generic'"

# The default, best-effort, on a veth: generic with one queue, native with
# several (generic XDP on a veth numbers queues wrongly).  No traffic is
# checked with one queue: on this 4-queue veth a single socket gets only
# part of it in either mode (frames on other queues go to the stack).
check "best-effort with 2 queues on $port_a" \
    ovs-vsctl remove Interface "$port_a" options xdp-mode
check "$port_a runs in native mode, and says why" \
    wait_until "[ \"\$(iface_status $port_a xdp-mode-reason)\" = \
                 'native (best-effort on veth, several queues)' ]"
check "$port_a has 2 queues" \
    wait_until "[ \"\$(iface_status $port_a n_rxq)\" = 2 ]"
check "best-effort with 1 queue on $port_a" \
    ovs-vsctl set Interface "$port_a" options:n_rxq=1
check "$port_a runs in generic mode, and says why" \
    wait_until "[ \"\$(iface_status $port_a xdp-mode-reason)\" = \
                 'generic (best-effort on veth)' ]"
check "afxdp/show gives the mode and why" \
    bash -c "ovs-appctl afxdp/show | grep -qF \
        '  $port_a queue 0: mode=generic (best-effort on veth) copy '"

for p in $port_a $port_b; do
    check "delete $p" ovs-vsctl del-port "$br" "$p"
done
check "all frames are back in the pool" wait_until umem_whole
check "daemons exit when asked" ovs_stop
# dpif-netdev may assign $port_b's queue before it reads its affinity.
check "no unexpected warnings in the logs" check_logs \
    "No non-isolated pmd on any numa available for port '$port_b' rx queue 0" \
    "$port_a: 'start-queue' 0 \+ 'n_rxq' 8 needs more" \
    "$port_a: could not set configuration" \
    "$port_a: 'n_rxq' 2 in generic mode"
