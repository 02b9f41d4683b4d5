#!/bin/bash
# 34-malformed.sh: malformed and odd frames sent with scapy from namespace A
# into an afxdp port, towards namespace B behind another afxdp port, where
# tcpdump captures what arrives.  Sent: frames of just an Ethernet header
# (a shorter runt is tried with a raw AF_PACKET socket, but the kernel
# refuses to send one), truncated IPv4 headers, IHL 2 and IHL beyond the
# frame, truncated TCP and UDP headers, a TCP data offset beyond the
# packet, IPv4 and IPv6 lengths larger than the frame, frames larger than
# the receiving side's MTU (3000 and 6000 bytes, which OVS receives as
# a single frame and a multi-buffer chain on a port with MTU 9000), VLAN
# and QinQ frames, IPv4
# with options, UDP without checksum, an IPv4 packet with an Ethernet
# trailer, and TCP and UDP packets whose checksum field holds just the
# pseudo-header sum (what a partial checksum looks like).
#
# vswitchd must keep its PID.  Each malformed frame arrives unchanged or not
# at all; the valid-but-odd ones (VLAN, QinQ, options, no checksum, trailer)
# arrive unchanged; the frames larger than B's MTU reach OVS (the larger
# one as a chain) and are counted as B's TX drops; the partial-looking
# checksums are passed on as partial (rx_checksum_partial grows): with TX
# metadata they arrive unchanged (B's kernel gets them as CHECKSUM_PARTIAL),
# without it OVS completes them, the rest of the packet unchanged.  Then ping still works, afxdp/show says
# accounted=yes, and after the ports are deleted every frame is in the pool.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"
. "$(dirname "$0")/faults.sh"

require_root
command -v tcpdump > /dev/null || skip "tcpdump is not installed"
scapy_py=
for py in python3 /usr/bin/python3; do
    if "$py" -c 'import scapy.all' 2> /dev/null; then
        scapy_py=$py
        break
    fi
done
[ -n "$scapy_py" ] || skip "python3-scapy is not installed"
fault_start
net=10.247.$((XSK_ID % 200))
fault_ns a 1
fault_ns b 2

for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp
done
# Port A takes frames up to 9000 bytes; B stays at 1500.
check "mtu_request=9000 on $port_a" \
    ovs-vsctl set Interface "$port_a" mtu_request=9000
check "MTU 9000 on $veth_a" ip -n "$ns_a" link set "$veth_a" mtu 9000
check "$port_a has MTU 9000" \
    wait_until "ip link show $port_a | grep -q 'mtu 9000 '"
check "ping across the bridge (OVS learns both MACs)" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
mac_a=$(ip -n "$ns_a" -br link show "$veth_a" | awk '{print $3}')
mac_b=$(ip -n "$ns_b" -br link show "$veth_b" | awk '{print $3}')

frames=$OVS_RUNDIR/malformed.json
pcap=$OVS_RUNDIR/malformed.pcap
script=$OVS_RUNDIR/malformed.py
cat > "$script" <<'PY'
# malformed.py send IFACE MAC_A MAC_B IP_A IP_B OUT.json: builds the frames,
# writes them (name, expectation, hex) to OUT.json, sends them on IFACE.
# malformed.py check FRAMES.json PCAP MAC_A: compares with what was captured;
# prints one line per frame and exits 1 if any expectation is not met.
import json, os, socket, struct, sys
from scapy.all import (ARP, Ether, Dot1Q, Dot1AD, ICMPv6MLReport2,
                       ICMPv6ND_NS, ICMPv6ND_RS, IP, IPv6, IPOption_NOP, TCP,
                       UDP, Raw, rdpcap, sendp)

def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

def pseudo(src, dst, proto, length):
    words = socket.inet_aton(src) + socket.inet_aton(dst)
    s = sum(struct.unpack("!4H", words)) + proto + length
    return fold(s)

def build(mac_a, mac_b, ip_a, ip_b):
    eth = Ether(src=mac_a, dst=mac_b)
    ip = IP(src=ip_a, dst=ip_b)
    udp = UDP(sport=7001, dport=7002)
    pay = Raw(b"ovs-xsk malformed " * 4)
    valid_udp = bytes(eth / ip / udp / pay)
    valid_tcp = bytes(eth / ip / TCP(sport=7001, dport=7002, flags="PA")
                      / pay)
    f = []
    # (name, expectation, frame): "same" arrives unchanged; "same-or-drop"
    # arrives unchanged or not at all; "drop" does not arrive; "csum"
    # arrives with its L4 checksum completed, the rest unchanged.
    f.append(("ethernet header only", "same-or-drop",
              bytes(Ether(src=mac_a, dst=mac_b, type=0x0800))))
    f.append(("ethernet header + 1 byte", "same-or-drop",
              bytes(Ether(src=mac_a, dst=mac_b, type=0x0800)) + b"\x45"))
    f.append(("IPv4 header cut at 10 bytes", "same-or-drop", valid_udp[:24]))
    f.append(("IPv4 IHL 2", "same-or-drop",
              bytes(eth / IP(src=ip_a, dst=ip_b, ihl=2) / udp / pay)))
    f.append(("IPv4 IHL 15 beyond the frame", "same-or-drop",
              valid_udp[:14] + bytes([0x4f]) + valid_udp[15:42]))
    f.append(("TCP header cut at 10 bytes", "same-or-drop",
              bytes(eth / IP(src=ip_a, dst=ip_b, proto=6, len=30))
              + valid_tcp[34:44]))
    f.append(("UDP header cut at 4 bytes", "same-or-drop",
              bytes(eth / IP(src=ip_a, dst=ip_b, proto=17, len=24))
              + valid_udp[34:38]))
    f.append(("TCP data offset 15 beyond the packet", "same-or-drop",
              bytes(eth / ip / TCP(sport=7001, dport=7002, dataofs=15)
                    / Raw(b"x" * 8))))
    f.append(("IPv4 total length 1400 in a short frame", "same-or-drop",
              bytes(eth / IP(src=ip_a, dst=ip_b, len=1400) / udp / pay)))
    f.append(("IPv6 payload length 1000 in a short frame", "same-or-drop",
              bytes(Ether(src=mac_a, dst=mac_b)
                    / IPv6(src="fd00::1", dst="fd00::2", plen=1000)
                    / udp / pay)))
    f.append(("3000-byte frame, B has MTU 1500", "drop",
              bytes(eth / ip / udp / Raw(b"L" * (3000 - 42)))))
    f.append(("6000-byte frame, B has MTU 1500", "drop",
              bytes(eth / ip / udp / Raw(b"J" * (6000 - 42)))))
    f.append(("VLAN 10", "same",
              bytes(Ether(src=mac_a, dst=mac_b) / Dot1Q(vlan=10) / ip / udp
                    / pay)))
    f.append(("QinQ 20/10", "same",
              bytes(Ether(src=mac_a, dst=mac_b) / Dot1AD(vlan=20)
                    / Dot1Q(vlan=10) / ip / udp / pay)))
    f.append(("IPv4 with options", "same",
              bytes(eth / IP(src=ip_a, dst=ip_b,
                             options=[IPOption_NOP()] * 4) / udp / pay)))
    f.append(("UDP without checksum", "same",
              bytes(eth / ip / UDP(sport=7001, dport=7002, chksum=0) / pay)))
    f.append(("IPv4 with an Ethernet trailer", "same",
              valid_udp + b"\0" * 20))
    tcp_len = len(valid_tcp) - 34
    f.append(("TCP with a partial-looking checksum", "csum",
              valid_tcp[:50]
              + struct.pack("!H", pseudo(ip_a, ip_b, 6, tcp_len))
              + valid_tcp[52:]))
    udp_len = len(valid_udp) - 34
    f.append(("UDP with a partial-looking checksum", "csum",
              valid_udp[:40]
              + struct.pack("!H", pseudo(ip_a, ip_b, 17, udp_len))
              + valid_udp[42:]))
    return f

def send(iface, mac_a, mac_b, ip_a, ip_b, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    try:
        s.send(bytes.fromhex(mac_b.replace(":", "")) + b"\x08\x00\x45\x00")
        print("10-byte runt: sent")
    except OSError as e:
        print("10-byte runt: the kernel refuses to send it (%s)" % e)
    frames = build(mac_a, mac_b, ip_a, ip_b)
    with open(out, "w") as fp:
        json.dump([(n, e, fr.hex()) for n, e, fr in frames], fp)
    for n, e, fr in frames:
        try:
            sendp(Raw(fr), iface=iface, verbose=False)
        except OSError as err:
            print("%s: the kernel refuses to send it (%s)" % (n, err))

def l4_csum_ok(frame):
    # True if the frame's TCP/UDP checksum is the right one.
    p = Ether(frame)
    l4 = p[TCP] if TCP in p else p[UDP]
    want = l4.chksum
    del l4.chksum
    return want == Ether(bytes(p))[type(l4)].chksum

def strip_csum(frame):
    # The frame with its TCP/UDP checksum field zeroed, if it has one.
    p = Ether(frame)
    if IP in p and (TCP in p or UDP in p):
        ofs = 14 + p[IP].ihl * 4 + (16 if TCP in p else 6)
        return frame[:ofs] + b"\0\0" + frame[ofs + 2:]
    return frame

def classify(fr, got, expect):
    if fr in got:
        return "arrived unchanged", fr
    for g in got:
        if len(g) == len(fr) and strip_csum(g) == strip_csum(fr):
            if expect == "csum" and l4_csum_ok(g):
                return "arrived with its checksum completed", g
            return "arrived with a CHANGED checksum", g
    return "did not arrive", None

def check(frames_json, pcap, mac_a):
    got = [bytes(p) for p in rdpcap(pcap)]
    src = bytes.fromhex(mac_a.replace(":", ""))
    ok = {"same": ("arrived unchanged",),
          "same-or-drop": ("arrived unchanged", "did not arrive"),
          "drop": ("did not arrive",),
          "csum": ("arrived with its checksum completed",)}
    if os.environ.get("XSK_TX_MD") == "true":
        # Left partial for B's kernel (TX metadata): over veth, B gets it
        # as CHECKSUM_PARTIAL, exactly as from a plain veth pair.
        ok["csum"] = ("arrived unchanged",)
    bad = 0
    for name, expect, hexframe in json.load(open(frames_json)):
        seen, g = classify(bytes.fromhex(hexframe), got, expect)
        if g is not None:
            got.remove(g)
        print("%-4s %s: %s (expected: %s)" % (
            "ok" if seen in ok[expect] else "BAD", name, seen, expect))
        bad += seen not in ok[expect]
    # What is left from A is what A's own stack sent (ARP, IPv6 ND), or a
    # frame that arrived altered beyond recognition.
    for g in got:
        p = Ether(g)
        if g[6:12] == src and ARP not in p and ICMPv6ND_NS not in p \
           and ICMPv6ND_RS not in p and ICMPv6MLReport2 not in p:
            print("BAD  a frame from A that was not sent: %s" % g.hex())
            bad += 1
    sys.exit(1 if bad else 0)

if sys.argv[1] == "send":
    send(*sys.argv[2:8])
else:
    check(sys.argv[2], sys.argv[3], sys.argv[4])
PY

ip netns exec "$ns_b" tcpdump -i "$veth_b" -s 0 -U -n -w "$pcap" \
    2> "$OVS_RUNDIR/tcpdump.log" &
tcpdump_pid=$!
cleanup_add kill $tcpdump_pid
check "tcpdump listens in namespace B" \
    wait_until "grep -q 'listening on' $OVS_RUNDIR/tcpdump.log"
partial=$(iface_stat "$port_a" rx_checksum_partial)
chains=$(iface_stat "$port_a" rx_multi_buffer_packets)
dropped=$(iface_stat "$port_b" tx_dropped)
check "send the frames from namespace A" ip netns exec "$ns_a" \
    "$scapy_py" "$script" send "$veth_a" "$mac_a" "$mac_b" "$ip_a" "$ip_b" \
    "$frames"
sleep 1
kill -INT $tcpdump_pid
wait $tcpdump_pid

check "vswitchd is still the same process" vswitchd_alive "$pid"
check "each frame arrived as expected" \
    env XSK_TX_MD="$(iface_status "$port_b" tx-checksum-offload)" \
    "$scapy_py" "$script" check "$frames" "$pcap" "$mac_a"
check "the 6000-byte frame reached OVS as a multi-buffer chain" \
    wait_until "[ \$(iface_stat $port_a rx_multi_buffer_packets) -gt $chains ]"
check "the frames too large for $port_b were counted as its TX drops" \
    wait_until "[ \$(iface_stat $port_b tx_dropped) -ge $((dropped + 2)) ]"
check "the partial-looking checksums were counted as partial" \
    wait_until "[ \$(iface_stat $port_a rx_checksum_partial) -ge $((partial + 2)) ]"
check "ping still works" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "UDP datagrams arrive intact" \
    udp_roundtrip "$ns_a" "$ns_b" "$ip_b" 200 1200
check "every frame is accounted for" wait_until umem_accounted

fault_finish "$port_a" "$port_b"
check "no unexpected warnings in the logs" check_logs
