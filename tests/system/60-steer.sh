#!/bin/bash
# 60-steer.sh: selective redirect.  With options:xdp-steer-mode=match and
# options:xdp-steer="icmp,udp:4789,arp", ICMP, ARP and UDP to port 4789
# cross the bridge, while TCP to an address of the OVS-side veth in this
# (host) namespace is answered by the host's own stack.  Per-rule counters
# show in the interface statistics and afxdp/show.  Rules changed under a
# UDP stream lose none of it and do not reattach the program; rules that
# leave UDP 4789 out send it to the host at once; mode nomatch inverts;
# a bad rule is refused in Interface:error while the old rules stay.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start

net=10.236.$((XSK_ID % 200))
bridge_two_ns $net
ip_host=$net.3

# The host's own address on the OVS end of veth a; static neighbours, so
# that ARP (which goes to the switch) is not needed between ns a and host.
ip addr add $ip_host/32 dev "$port_a" || fail "ip addr add on $port_a"
ip route add $net.1/32 dev "$port_a" || fail "ip route add via $port_a"
mac_port_a=$(cat /sys/class/net/"$port_a"/address)
mac_veth_a=$(ip netns exec "$ns_a" cat /sys/class/net/"$veth_a"/address)
ip netns exec "$ns_a" ip neigh replace $ip_host lladdr "$mac_port_a" \
    dev "$veth_a" nud permanent || fail "ip neigh in $ns_a"
ip neigh replace $net.1 lladdr "$mac_veth_a" dev "$port_a" nud permanent \
    || fail "ip neigh on $port_a"

# host_tcp: true if a TCP connection from ns a to the host address gets
# the host's greeting.
host_tcp ()
{
    local port=$((20000 + XSK_ID % 20000)) out
    out=$(mktemp)
    timeout 10 python3 - $ip_host $port > "$out" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(8)
c, _ = s.accept()
c.sendall(b"hello from the host stack\n")
c.close()
print("served")
PY
    local srv=$!
    wait_listening "" tcp "$port"
    local got
    got=$(ip netns exec "$ns_a" timeout 5 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
print(s.recv(100).decode().strip())' $ip_host $port 2>&1)
    wait $srv
    echo "host tcp: '$got', server: $(cat "$out")"
    rm -f "$out"
    [ "$got" = "hello from the host stack" ]
}

rules="icmp,udp:4789,arp"
add_afxdp_pair native options:xdp-steer-mode=match \
    options:xdp-steer="$rules"
for p in $port_a $port_b; do
    check "$p status shows the rules" \
        [ "$(iface_status $p xdp-steer)" = "$rules" ]
done
prog_id=$(iface_status $port_a xdp-prog-id)

check "ping crosses the bridge (ICMP and ARP rules)" \
    ip netns exec "$ns_a" ping -q -c 5 -i 0.1 -W 2 "$ip_b"
check "UDP to port 4789 crosses the bridge intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 600 4789
check "TCP to the host address is answered by the host stack" host_tcp
check "rule 0 (icmp) counted the pings" \
    wait_until "[ \$(iface_stat $port_a xdp_steer_rule_0_packets) -ge 5 ]"
check "rule 1 (udp:4789) counted the datagrams" \
    wait_until "[ \$(iface_stat $port_a xdp_steer_rule_1_packets) -ge 200 ]"
check "the TCP packets were counted as sent to the host" \
    wait_until "[ \$(iface_stat $port_a xdp_steer_to_host_packets) -ge 3 ]"
ovs-appctl afxdp/show
check "afxdp/show lists the rules with their counts" \
    eval "ovs-appctl afxdp/show | grep -q \"rule 1 'udp:4789': packets=\""

echo "=== rules changed under a UDP stream"
udp_out=$(mktemp)
udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 3000 200 4789 > "$udp_out" 2>&1 &
udp_pid=$!
for i in $(seq 1 10); do
    if ((i % 2)); then
        new="arp,udp:4789,icmp,tcp:9"
    else
        new="$rules"
    fi
    ovs-vsctl set Interface "$port_a" options:xdp-steer="$new" \
        || fail "set rules $new"
    sleep 0.25
done
wait $udp_pid
udp_rc=$?
cat "$udp_out"
rm -f "$udp_out"
check "no datagram was lost while the rules changed" [ $udp_rc -eq 0 ]
check "the program was not reattached" \
    [ "$(iface_status $port_a xdp-prog-id)" = "$prog_id" ]

echo "=== rules without UDP 4789"
check "set rules 'arp,icmp'" \
    ovs-vsctl set Interface "$port_a" options:xdp-steer="arp,icmp"
check "status shows them" \
    wait_until "[ \"\$(iface_status $port_a xdp-steer)\" = arp,icmp ]"
out=$(udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 50 200 4789)
echo "$out"
check "UDP to 4789 no longer crosses the bridge" \
    [ "$out" = "udp: 0 of 50 datagrams arrived intact" ]
check "... it went to the host" \
    wait_until "[ \$(iface_stat $port_a xdp_steer_to_host_packets) -ge 50 ]"

echo "=== mode nomatch"
check "set mode nomatch, rules 'tcp'" \
    ovs-vsctl set Interface "$port_a" options:xdp-steer-mode=nomatch \
    options:xdp-steer=tcp
check "ping crosses the bridge (does not match 'tcp')" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "TCP to the host address still reaches the host" host_tcp

echo "=== a bad rule"
ovs-vsctl set Interface "$port_a" options:xdp-steer="icmp,bogus" \
    || fail "ovs-vsctl set"
check "Interface:error names the bad term" \
    wait_until "ovs-vsctl get Interface $port_a error \
        | grep -qF \"unknown term 'bogus'\""
check "status keeps the rules in force" \
    [ "$(iface_status $port_a xdp-steer)" = tcp ]
check "ping still crosses the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "TCP still reaches the host" host_tcp
ovs-vsctl set Interface "$port_a" options:xdp-steer-mode=banana \
    options:xdp-steer=icmp || fail "ovs-vsctl set"
check "a bad mode is refused too" \
    wait_until "ovs-vsctl get Interface $port_a error \
        | grep -qF \"bad 'xdp-steer-mode' 'banana'\""
ovs-vsctl remove Interface "$port_a" options xdp-steer-mode \
    -- remove Interface "$port_a" options xdp-steer || fail "ovs-vsctl"
check "the error clears when the options go" \
    wait_until "[ \"\$(ovs-vsctl get Interface $port_a error)\" = '[]' ]"
check "mode is back to all" \
    wait_until "[ \"\$(iface_status $port_a xdp-steer-mode)\" = all ]"
check "ping crosses the bridge" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

for p in $port_a $port_b; do
    check "delete $p" ovs-vsctl del-port "$br" "$p"
done
check "no XDP program left on the veths" \
    wait_until "! xdp_attached $port_a && ! xdp_attached $port_b"
check "all frames are back in the pool" wait_until "umem_whole"
check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" \
    check_logs 'previous steering rules stay in force'
