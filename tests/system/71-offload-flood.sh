#!/bin/bash
# 71-offload-flood.sh: XDP flow offload of flows with several outputs.
#
# Four namespaces a, b, c, d, each behind an afxdp port (native mode) of
# one bridge, their veths as they come.  The bridge's own port is out of
# NORMAL's flood (no-flood), so a broadcast from a floods to b, c and d
# only: three outputs to afxdp ports, offloaded through the skb path (the
# tc program clones the skb to each output but the last).  For each phase,
# numbered broadcast datagrams are checked where they arrive (content,
# distinct sequence numbers, the source MAC they came with), and where
# they must not arrive; an offloaded phase also checks that port a's
# AF_XDP sockets got (almost) none of them, that OVS sent none of them,
# that the flow counted them and that "dpctl/dump-flows -m" says
# dp:skb-clone.
#
#   - NORMAL floods a broadcast to b, c, d;
#   - an OpenFlow rule with two outputs (b, c; d gets nothing);
#   - a rule that rewrites the source MAC before its two outputs;
#   - action lists the program cannot carry out stay in userspace and
#     still deliver: an output that is not an afxdp port (the bridge's
#     own), the in_port among the outputs, a rewrite between outputs, five
#     outputs;
#   - removing port d takes the flood back to OVS at once (no offloaded
#     flow outputs to it), and the flood to b and c is offloaded again;
#   - the same flood with a, b and c in generic mode.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start_offload

net=10.236.$((XSK_ID % 200))
bcast=$net.255
br=$(xsk_ifname br)
check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
    datapath_type=netdev
declare -A ns port veth ofp odp
n=0
for t in a b c d; do
    n=$((n + 1))
    ns_add_veth "$t"
    ns[$t]=$VETH_NETNS port[$t]=$VETH_OVS veth[$t]=$VETH_NS
    # No IPv6: its neighbour discovery would flood through OVS while the
    # test counts what OVS sends.  "brd +": the subnet's broadcast address
    # is one on both ends.
    ip netns exec "${ns[$t]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        || fail "disable IPv6 in ${ns[$t]}"
    ip -n "${ns[$t]}" addr add "$net.$n/24" brd + dev "${veth[$t]}" \
        || fail "ip addr add $net.$n/24 in ${ns[$t]}"
    check "add ${port[$t]}" ovs-vsctl add-port "$br" "${port[$t]}" -- \
        set Interface "${port[$t]}" type=afxdp options:xdp-mode=native
done
for t in a b c d; do
    check "${port[$t]} runs in native mode" wait_until \
        "iface_status ${port[$t]} xdp-mode-in-use | grep -qx native"
    check "${port[$t]} gets the XDP flow API" wait_until \
        "grep -q '${port[$t]}: XDP flow offload enabled' \
            $OVS_RUNDIR/ovs-vswitchd.log"
    ofp[$t]=$(ovs-vsctl get Interface "${port[$t]}" ofport)
    odp[$t]=$(odp_port "${port[$t]}")
    check "${port[$t]}'s OpenFlow port is known (${ofp[$t]})" \
        [ -n "${ofp[$t]}" ]
    check "${port[$t]}'s datapath port is known (${odp[$t]})" \
        [ -n "${odp[$t]}" ]
done
check "the bridge's own port is out of the flood" \
    ovs-ofctl mod-port "$br" "$br" no-flood
check "status: flows enter ${port[a]} through XDP and tc" \
    eval "iface_status ${port[a]} flow-offload | grep -q 'tc program at tcx'"

# fanout_rx NS IFACE PORT COUNT SIZE OUT: in namespace NS, in the
# background, receives the datagrams fanout_send sends to UDP PORT until
# COUNT distinct ones of SIZE bytes arrived intact or none came for 3 s;
# then writes "GOOD SRC-MAC" into file OUT: how many distinct ones arrived
# intact, and the source MAC of the first frame to PORT seen on IFACE
# ("-" if none).
fanout_rx ()
{
    ip netns exec "$1" timeout 60 python3 - "$2" "$3" "$4" "$5" \
        > "$6" <<'PY' &
import socket, sys
iface, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
raw.bind((iface, 0))
raw.setblocking(False)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", port))
udp.settimeout(3)
seen = set()
try:
    while len(seen) < count:
        data = udp.recv(65536)
        seq = int.from_bytes(data[:4], "big")
        want = bytes((seq + i) & 0xff for i in range(size - 4))
        if len(data) == size and data[4:] == want:
            seen.add(seq)
except socket.timeout:
    pass
mac = "-"
try:
    while mac == "-":
        f = raw.recv(256)
        l4 = 14 + (f[14] & 15) * 4
        if f[23] == 17 and int.from_bytes(f[l4 + 2:l4 + 4], "big") == port:
            mac = f[6:12].hex(":")
except BlockingIOError:
    pass
print(len(seen), mac)
PY
}

# fanout_send NS IP PORT COUNT SIZE: sends COUNT numbered datagrams of SIZE
# bytes from namespace NS to IP:PORT, broadcast allowed, one a millisecond.
fanout_send ()
{
    ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" <<'PY'
import socket, sys, time
ip, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for seq in range(count):
    s.sendto(seq.to_bytes(4, "big") + bytes((seq + i) & 0xff for i in range(size - 4)), (ip, port))
    time.sleep(0.001)
PY
}

# fanout PORT COUNT: sends COUNT numbered 200-byte datagrams from a to the
# subnet's broadcast address, UDP PORT; sets got[T] (how many distinct ones
# arrived intact in namespace T) and mac[T] (their source MAC there) for T
# in b, c, d.
declare -A got mac
fanout ()
{
    local udp=$1 count=$2 t
    local -A pid
    for t in b c d; do
        fanout_rx "${ns[$t]}" "${veth[$t]}" "$udp" "$count" 200 \
            "$OVS_RUNDIR/rx-$t"
        pid[$t]=$!
    done
    for t in b c d; do
        wait_listening "${ns[$t]}" udp "$udp"
    done
    fanout_send "${ns[a]}" "$bcast" "$udp" "$count" 200
    for t in b c d; do
        wait "${pid[$t]}"
        read -r "got[$t]" "mac[$t]" < "$OVS_RUNDIR/rx-$t"
    done
    echo "udp:$udp: of $count, b got ${got[b]}, c ${got[c]}," \
        "d ${got[d]}; source MACs ${mac[b]} ${mac[c]} ${mac[d]}"
}

# same WANT VALUE...: true if every VALUE is WANT.
same ()
{
    local want=$1 v
    shift
    for v in "$@"; do
        [ "$v" = "$want" ] || return 1
    done
}

# delivered COUNT WHO: true if each namespace in WHO (letters of b, c, d)
# got all COUNT datagrams of the last fanout, and each other one none.
delivered ()
{
    local count=$1 who=$2 t
    for t in b c d; do
        if [[ $who == *$t* ]]; then
            [ "${got[$t]}" = "$count" ] || return 1
        else
            [ "${got[$t]}" = 0 ] || return 1
        fi
    done
}

# Counters the offloaded phases compare: a's AF_XDP receive, the transmit
# of b, c and d by OVS, the packets of the offloaded flow matching PATTERN.
counters ()
{
    local t
    echo "rx=$(iface_stat "${port[a]}" rx_packets)"
    for t in b c d; do
        echo "tx_$t=$(iface_stat "${port[$t]}" tx_packets)"
    done
    echo "flow=$(flow_packets "$1")"
}

# offloaded_phase PORT COUNT WHO PATTERN: the megaflow of the datagrams to
# UDP PORT (matching PATTERN in the dump) is offloaded by the skb path with
# clones, and outputs to each namespace in WHO; then COUNT datagrams reach
# exactly WHO, in the kernel: port a's sockets receive (almost) none, OVS
# sends none to b, c, d, and the flow counts them all.
offloaded_phase ()
{
    # shellcheck disable=SC2034 # tx_b, tx_c, tx_d: set and read by eval
    local udp=$1 count=$2 who=$3 pattern=$4 t rx tx_b tx_c tx_d flow sent
    check "20 datagrams to udp:$udp reach $who (new megaflows)" \
        eval "fanout $udp 20 && delivered 20 $who"
    check "... offloaded by the skb path with clones" \
        wait_until "[ \$(n_offloaded '$pattern.*dp:skb-clone') -ge 1 ]"
    ovs-appctl dpctl/dump-flows -m | grep -- "$pattern"
    for t in b c d; do
        if [[ $who == *$t* ]]; then
            check "... it outputs to ${port[$t]} (datapath port ${odp[$t]})" \
                eval "offloaded_to ${odp[$t]} | grep -q 'in_port(${odp[a]})'"
        fi
    done
    eval "$(counters "$pattern" | sed 's/^/local before_/')"
    fanout "$udp" "$count"
    eval "$(counters "$pattern")"
    check "$count datagrams reach $who intact, and nowhere else" \
        delivered "$count" "$who"
    check "... port a's AF_XDP sockets received (almost) none (+$((rx -
        before_rx)))" [ $((rx - before_rx)) -lt 20 ]
    for t in b c d; do
        eval "sent=\$((tx_$t - before_tx_$t))"
        check "... OVS sent (almost) none to ${port[$t]} ($sent)" \
            [ "$sent" -lt 20 ]
    done
    check "... the offloaded flow counted them ($((flow - before_flow)))" \
        [ $((flow - before_flow)) -ge "$count" ]
}

a_mac=$(ip -n "${ns[a]}" link show "${veth[a]}" \
            | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

echo "=== NORMAL floods a broadcast to three afxdp ports"
offloaded_phase 5010 1000 bcd \
    "in_port(${port[a]}).*dst=ff:ff:ff:ff:ff:ff"
check "... with a's own source MAC ($a_mac)" \
    same "$a_mac" "${mac[b]}" "${mac[c]}" "${mac[d]}"
ovs-appctl afxdp/show

echo "=== an OpenFlow rule with two outputs"
check "add-flow udp:5011 -> b, c" ovs-ofctl add-flow "$br" \
    "priority=100,in_port=${ofp[a]},udp,tp_dst=5011,actions=output:${ofp[b]},output:${ofp[c]}"
ovs-appctl revalidator/wait || fail "revalidator/wait"
offloaded_phase 5011 1000 bc "in_port(${port[a]}).*dst=5011"

echo "=== a rewrite of the source MAC, then two outputs"
new_mac=02:00:00:00:71:71
check "add-flow udp:5012 -> mod_dl_src, b, c" ovs-ofctl add-flow "$br" \
    "priority=100,in_port=${ofp[a]},udp,tp_dst=5012,actions=mod_dl_src:$new_mac,output:${ofp[b]},output:${ofp[c]}"
ovs-appctl revalidator/wait || fail "revalidator/wait"
offloaded_phase 5012 500 bc "in_port(${port[a]}).*dst=5012"
check "... with the new source MAC in b and c" \
    same "$new_mac" "${mac[b]}" "${mac[c]}"
check "... shown in the offloaded flow's actions" \
    [ "$(n_offloaded "dst=5012.*dp:skb-clone, actions:set(eth(src=$new_mac")" \
        -ge 1 ]

echo "=== action lists the program cannot carry out stay in userspace"
while read -r udp_port who actions what; do
    check "add-flow udp:$udp_port -> $actions ($what)" \
        ovs-ofctl add-flow "$br" \
        "priority=100,in_port=${ofp[a]},udp,tp_dst=$udp_port,actions=$actions"
    ovs-appctl revalidator/wait || fail "revalidator/wait"
    rx0=$(iface_stat "${port[a]}" rx_packets)
    check "$what: 200 datagrams reach $who" \
        eval "fanout $udp_port 200 && delivered 200 $who"
    rx1=$(iface_stat "${port[a]}" rx_packets)
    ovs-appctl dpctl/dump-flows -m | grep -- "dst=$udp_port"
    check "$what: the megaflow is there" eval \
        "ovs-appctl dpctl/dump-flows -m \
            | grep -q 'in_port(${port[a]}).*dst=$udp_port'"
    check "$what: not offloaded" [ "$(n_offloaded "dst=$udp_port")" -eq 0 ]
    check "$what: through OVS (a's AF_XDP rx +$((rx1 - rx0)))" \
        [ $((rx1 - rx0)) -ge 200 ]
done <<EOF
5013 bc output:${ofp[b]},output:${ofp[c]},LOCAL an output that is not an afxdp port
5014 b output:${ofp[b]},in_port the in_port among the outputs
5015 bc output:${ofp[b]},mod_dl_src:02:00:00:00:71:72,output:${ofp[c]} a rewrite between outputs
5016 bcd output:${ofp[b]},output:${ofp[c]},output:${ofp[d]},output:${ofp[b]},output:${ofp[c]} five outputs
EOF
fanout 5015 20
check "a rewrite between outputs: b got a's MAC" same "$a_mac" "${mac[b]}"
check "... and c the new one" same 02:00:00:00:71:72 "${mac[c]}"
check "del-flows in_port=${ofp[a]},udp" \
    ovs-ofctl del-flows "$br" "in_port=${ofp[a]},udp"
check "purge the megaflows of the rules" ovs-appctl revalidator/purge

echo "=== an output port goes"
check "the flood is offloaded and outputs to ${port[d]}" \
    eval "fanout 5010 20 && delivered 20 bcd \
          && wait_until \"offloaded_to ${odp[d]} | grep -q 'in_port(${odp[a]})'\""
check "del-port ${port[d]}" ovs-vsctl del-port "$br" "${port[d]}"
ovs-appctl dpctl/dump-flows -m
check "at once, no offloaded flow outputs to ${port[d]} (datapath port ${odp[d]})" \
    [ -z "$(offloaded_to "${odp[d]}")" ]
grep "offloaded flow(s) that output to" "$OVS_RUNDIR/ovs-vswitchd.log"
ovs-appctl revalidator/wait || fail "revalidator/wait"
offloaded_phase 5010 500 bc "in_port(${port[a]}).*dst=ff:ff:ff:ff:ff:ff"

echo "=== generic mode"
for t in a b c; do
    check "xdp-mode=generic on ${port[$t]}" ovs-vsctl set Interface \
        "${port[$t]}" options:xdp-mode=generic
done
for t in a b c; do
    check "${port[$t]} runs in generic mode" wait_until \
        "iface_status ${port[$t]} xdp-mode-in-use | grep -qx generic"
done
check "status: flows enter ${port[a]} through XDP and tc (generic)" \
    wait_until "iface_status ${port[a]} flow-offload | grep -q 'tc program at tcx'"
offloaded_phase 5010 500 bc "in_port(${port[a]}).*dst=ff:ff:ff:ff:ff:ff"

ovs_stop
# dpctl/del-flows and del-port leave revalidators to find flows gone.
check_logs 'failed to (flow_del|put\[modify\]) \(No such file or directory\)' \
    'upcall_cb failure: ukey installation fails'
echo "PASS"
