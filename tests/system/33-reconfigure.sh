#!/bin/bash
# 33-reconfigure.sh: reconfiguring live afxdp ports while a background ping
# flows through them.  Port B is on a veth with 2 RX and 2 TX queues.  In
# turn: n_rxq 1 -> 2 -> 1 on B in native mode (with 2 queues, traffic of
# many flows reaches OVS through both); xdp-mode native -> generic ->
# native on both ports; smaller and then default n_rxq_desc/n_txq_desc on
# B; frame-size 4096 -> 2048 on B alone (a second UMEM: packets between the
# ports are then copied) and then on A too (one UMEM again, no copies).
# After each step the status shows the new setting, ping, UDP (content
# checked) and many-flow UDP go through, and afxdp/show says accounted=yes.
# The background ping loses less than 5% overall; at the end, with the
# ports deleted, every frame of both UMEMs is back in its pool.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/faults.sh"

require_root
command -v ethtool > /dev/null || skip "ethtool is not installed"
fault_start
net=10.246.$((XSK_ID % 200))
fault_ns a 1
fault_ns b 2 2

# ns_b_tx_queues N: namespace B sends on N TX queues, so that its packets
# reach OVS on N RX queues of port B (a veth delivers on the RX queue whose
# number is the sender's TX queue).  With n_rxq 1, a second queue would
# take packets to the kernel instead of OVS.
ns_b_tx_queues ()
{
    ip netns exec "$ns_b" ethtool -L "$veth_b" tx "$1"
}

# udp_flows NS_A NS_B IP_B FLOWS: sends 10 datagrams from each of FLOWS
# sockets (source ports) in NS_A to IP_B:5002 in NS_B, once the receiver
# is ready; true if all arrive.
udp_flows ()
{
    local ns_a=$1 ns_b=$2 ip_b=$3 flows=$4 out ready
    out=$(mktemp) ready=$(mktemp -u)
    ip netns exec "$ns_b" timeout 15 python3 - $((flows * 10)) "$ready" \
        > "$out" <<'PY' &
import socket, sys
want = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5002))
s.settimeout(3)
open(sys.argv[2], "w").close()
got = set()
try:
    while len(got) < want:
        data, _ = s.recvfrom(2048)
        got.add(data[:8])
except socket.timeout:
    pass
print(len(got))
PY
    local rx=$!
    wait_until "[ -e $ready ]"
    ip netns exec "$ns_a" python3 - "$ip_b" "$flows" <<'PY'
import socket, sys, time
ip, flows = sys.argv[1], int(sys.argv[2])
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(flows)]
for seq in range(10):
    for i, s in enumerate(socks):
        s.sendto(i.to_bytes(4, "big") + seq.to_bytes(4, "big") + bytes(200), (ip, 5002))
    time.sleep(0.01)
PY
    wait $rx
    local good
    good=$(cat "$out")
    rm -f "$out" "$ready"
    echo "udp: $good of $((flows * 10)) datagrams of $flows flows arrived"
    [ "$good" = $((flows * 10)) ]
}

# queue_rx PORT QUEUE: packets received on QUEUE of PORT (afxdp/show).
queue_rx ()
{
    ovs-appctl afxdp/show \
        | sed -n "s/^  $1 queue $2: .* rx=\([0-9]*\) .*/\1/p"
}

# traffic_ok STEP: after STEP, both ports are set up without error, and
# ping both ways, UDP with content checked and many-flow UDP into OVS
# through port B go through; every frame is accounted for.
traffic_ok ()
{
    set_up_ok "$1" "$port_a"
    set_up_ok "$1" "$port_b"
    check "$1: ping A -> B" \
        ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
    check "$1: ping B -> A" \
        ip netns exec "$ns_b" ping -q -c 3 -i 0.1 -W 2 "$ip_a"
    check "$1: UDP datagrams arrive intact" \
        udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
    check "$1: UDP of 64 flows from B arrives" \
        udp_flows "$ns_b" "$ns_a" "$ip_a" 64
    check "$1: every frame is accounted for" wait_until umem_accounted
}

# set_up_ok STEP PORT: PORT's AF_XDP set-up succeeded after STEP.
set_up_ok ()
{
    local error
    error=$(iface_status "$2" afxdp-error)
    check "$1: $2 has no afxdp-error${error:+ (it has: $error)}" \
        [ -z "$error" ]
}

# status_is PORT KEY VALUE: waits until Interface PORT shows status:KEY
# equal to VALUE.
status_is ()
{
    wait_until "[ \"\$(iface_status $1 $2)\" = '$3' ]"
}

check "namespace B sends on one queue" ns_b_tx_queues 1
for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp options:xdp-mode=native
done
for p in $port_a $port_b; do
    check "$p runs in native mode" status_is "$p" xdp-mode-in-use native
done
ping_start "$ns_a" "$ip_b"
traffic_ok "start"

echo "=== n_rxq 1 -> 2 -> 1"
check "n_rxq=2 on $port_b" \
    ovs-vsctl set Interface "$port_b" options:n_rxq=2
check "namespace B sends on two queues" ns_b_tx_queues 2
check "$port_b has 2 queues" status_is "$port_b" n_rxq 2
set_up_ok "n_rxq=2" "$port_b"
check "$port_b has a socket on queue 1" afxdp_queue_listed "$port_b" 1
traffic_ok "n_rxq=2"
check "both queues of $port_b received packets" \
    [ "$(queue_rx "$port_b" 0)" -gt 0 -a "$(queue_rx "$port_b" 1)" -gt 0 ]
check "n_rxq=1 on $port_b" \
    ovs-vsctl set Interface "$port_b" options:n_rxq=1
check "namespace B sends on one queue" ns_b_tx_queues 1
check "$port_b has 1 queue" status_is "$port_b" n_rxq 1
check "$port_b has no socket on queue 1" \
    not afxdp_queue_listed "$port_b" 1
traffic_ok "n_rxq=1"

echo "=== xdp-mode native -> generic -> native"
for mode in generic native; do
    for p in $port_a $port_b; do
        check "xdp-mode=$mode on $p" \
            ovs-vsctl set Interface "$p" options:xdp-mode=$mode
    done
    for p in $port_a $port_b; do
        check "$p runs in $mode mode" status_is "$p" xdp-mode-in-use $mode
    done
    if [ $mode = generic ]; then
        check "$port_b has its program in generic mode" \
            wait_until "ip -d link show $port_b | grep -q xdpgeneric"
    else
        check "$port_b has its program in native mode" \
            wait_until "! ip -d link show $port_b | grep -q xdpgeneric \
                        && ours_attached $port_b"
    fi
    traffic_ok "xdp-mode=$mode"
done

echo "=== ring sizes"
check "n_rxq_desc=512 n_txq_desc=256 on $port_b" \
    ovs-vsctl set Interface "$port_b" options:n_rxq_desc=512 \
        options:n_txq_desc=256
check "$port_b has RX rings of 512" status_is "$port_b" n_rxq_desc 512
check "$port_b has TX rings of 256" status_is "$port_b" n_txq_desc 256
traffic_ok "n_rxq_desc=512 n_txq_desc=256"
check "default ring sizes on $port_b" \
    ovs-vsctl remove Interface "$port_b" options n_rxq_desc \
        -- remove Interface "$port_b" options n_txq_desc
check "$port_b has RX rings of 2048" status_is "$port_b" n_rxq_desc 2048
check "$port_b has TX rings of 2048" status_is "$port_b" n_txq_desc 2048
traffic_ok "default ring sizes"

echo "=== frame-size 4096 -> 2048"
umem_4k=$(iface_status "$port_a" umem)
check "frame-size=2048 on $port_b" \
    ovs-vsctl set Interface "$port_b" options:frame-size=2048
check "$port_b has 2048-byte frames" status_is "$port_b" frame-size 2048
check "$port_b uses a new UMEM" \
    wait_until "[ -n \"\$(iface_status $port_b umem)\" ] \
                && [ \"\$(iface_status $port_b umem)\" != $umem_4k ]"
check "afxdp/show lists both UMEMs" \
    [ "$(ovs-appctl afxdp/show | grep -c '^umem')" -eq 2 ]
copied=$(iface_stat "$port_b" tx_copied_packets)
traffic_ok "frame-size=2048 on $port_b only"
check "packets into the other UMEM are copied" \
    wait_until "[ \$(iface_stat $port_b tx_copied_packets) -gt $copied ]"
check "frame-size=2048 on $port_a" \
    ovs-vsctl set Interface "$port_a" options:frame-size=2048
check "$port_a has 2048-byte frames" status_is "$port_a" frame-size 2048
check "both ports share one UMEM again" \
    wait_until "[ \"\$(iface_status $port_a umem)\" = \
                  \"\$(iface_status $port_b umem)\" ]"
copied_a=$(iface_stat "$port_a" tx_copied_packets)
copied_b=$(iface_stat "$port_b" tx_copied_packets)
traffic_ok "frame-size=2048 on both ports"
check "packets between the ports are no longer copied" \
    [ "$(iface_stat "$port_a" tx_copied_packets)" -eq "$copied_a" -a \
      "$(iface_stat "$port_b" tx_copied_packets)" -eq "$copied_b" ]

# Each change restarts the ports the ping goes through: about 60-180 ms
# without answers each (5-15% of all requests here), never a second.
check "the background ping went through the reconfigurations" ping_stop 1000

echo "=== a UMEM goes with its last socket"
# Twenty restarts of port B in about 3 s: after the background ping; a
# ping checks the bridge after them.
# Each umem-frames value makes a new UMEM for port B; more changes than a
# process has UMEMs (16) must never run out, and the old ones must go.
for i in $(seq 1 20); do
    frames=$((8192 + 64 * i))
    ovs-vsctl set Interface "$port_b" options:umem-frames=$frames \
        || fail "umem-frames=$frames on $port_b"
    status_is "$port_b" umem-frames $frames \
        || fail "change $i: $port_b did not get a UMEM of $frames frames" \
                "(afxdp-error: $(iface_status "$port_b" afxdp-error))"
    n=$(ovs-appctl afxdp/show | grep -c '^umem')
    [ "$n" -le 2 ] || fail "change $i: $n UMEMs alive, at most 2 in use"
done
check "20 UMEM changes: $port_b is set up" set_up_ok "umem-frames" "$port_b"
check "ping across the bridge after the UMEM changes" \
    ip netns exec "$ns_a" ping -c 3 -i 0.2 -W 2 "$ip_b"
ovs-vsctl remove Interface "$port_b" options umem-frames


fault_finish "$port_a" "$port_b"
check "no unexpected warnings in the logs" check_logs
