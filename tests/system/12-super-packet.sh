#!/bin/bash
# 12-super-packet.sh: a TCP super-packet (a GSO skb from the TCP stack of
# ns a, TSO on) must leave the bridge as MTU-sized segments, whether it
# reaches the AF_XDP socket as one buffer or as a chain.  A 2-segment one
# fits one UMEM frame; before the fix it went out whole, veth dropped it,
# and the connection stalled.  (A packet socket's GSO frames are no use
# here: the kernel marks them SKB_GSO_DODGY and segments them itself.)
# Only generic mode sees super-packets: with a native XDP program on its
# peer, a veth drops GSO from its features, so in native mode the stack of
# ns a segments and the test checks only that the data arrives.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start

net=10.235.$((XSK_ID % 200))
bridge_two_ns $net

# send_super: a TCP client in ns a writes 2 x 1448 bytes at once on a new
# connection (the stack sends them as one 2-segment super-packet: the
# initial window allows it and TSO is on); the server in ns b must get them
# intact within 3 s.  A super-packet the bridge passed on whole would be
# dropped by veth, and so would every retransmission of it.
send_super ()
{
    local port=$((30000 + XSK_ID % 20000)) out rc
    out=$(mktemp)
    ip netns exec "$ns_b" timeout 10 python3 - $port > "$out" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
s.settimeout(8)
c, _ = s.accept()
c.settimeout(3)
data = b""
try:
    while len(data) < 2896:
        more = c.recv(65536)
        if not more:
            break
        data += more
except socket.timeout:
    pass
ok = data == bytes(i % 251 for i in range(2896))
print("server got %d bytes, %s" % (len(data), "intact" if ok else "BAD"))
sys.exit(0 if ok else 1)
PY
    local srv=$!
    # The client connects once the server listens (python starts slowly on
    # a loaded machine: a fixed sleep lost that race under ASan).
    wait_listening "$ns_b" tcp "$port" \
        || { echo "the server never listened"; kill $srv; wait $srv; return 1; }
    ip netns exec "$ns_a" timeout 10 python3 - $net.2 $port <<'PY'
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.sendall(bytes(i % 251 for i in range(2896)))
c.settimeout(4)
try:
    c.recv(1)
except OSError:
    pass
PY
    wait $srv
    rc=$?
    cat "$out"
    rm -f "$out"
    return $rc
}

for mode in native generic; do
    echo "=== xdp-mode=$mode"
    add_afxdp_pair $mode
    check "ping across the bridge" \
        ip netns exec "$ns_a" ping -q -c 2 -i 0.1 -W 2 $net.2
    before=$(iface_stat $port_a rx_gso_segments)
    check "2 x 1448 bytes written at once arrive intact" send_super
    if [ $mode = generic ]; then        # See the top of the file.
        check "... as a super-packet the provider cut" wait_until \
            "[ \$(iface_stat $port_a rx_gso_segments) -ge $((before + 2)) ]"
    fi
    for p in $port_a $port_b; do
        check "delete $p" ovs-vsctl del-port "$br" "$p"
    done
    check "all frames are back in the pool" wait_until "umem_whole"
done

check "delete bridge" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
