#!/bin/bash
# 72-offload-vlan.sh: XDP flow offload of VLAN pop and push.
#
# Two namespaces a and b, each behind an afxdp port (native mode) of one
# bridge, their veths as they come.  a sends crafted UDP frames (all the
# same within a phase, from a packet socket: there is no VLAN device type
# on this kernel); b's veth runs a small XDP program that records every
# distinct frame it sees and how often, so the test sees what an XDP or
# AF_XDP receiver gets, tag included (an accelerated tag would not show).
# Each VLAN action list runs twice: first with an extra output to the
# bridge's own port, which keeps it in userspace (OVS's own pop_vlan and
# push_vlan make the frames), then without it, offloaded through the skb
# path; b's XDP program must see one and the same frame from both, and,
# offloaded, port a's AF_XDP sockets must receive (almost) none and the
# flow must count them, shown as dp:skb with the VLAN action.
#
#   - mod_vlan_vid onto untagged frames (push_vlan);
#   - strip_vlan of VLAN 10 (pop_vlan);
#   - mod_vlan_vid:20 of VLAN 10 frames (pop_vlan, push_vlan);
#   - what must stay in userspace: a second tag (push onto a tagged
#     frame), a pop between two outputs.

# shellcheck disable=SC2086 # VID lists are split into words on purpose.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
command -v clang > /dev/null || skip "clang is not installed"
command -v bpftool > /dev/null || skip "bpftool is not installed"
ovs_start_offload

# The recorder: counts each distinct frame (its first 64 bytes and its
# length) in a hash map, and passes it on.
cat > "$OVS_RUNDIR/xdp_record.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct frame {
    __u8 b[64];
    __u32 len;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, struct frame);
    __type(value, __u64);
} frames SEC(".maps");

SEC("xdp")
int
xdp_record(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct frame f = { 0 };
    __u64 one = 1, *n;

    f.len = end - data;
#pragma unroll
    for (int i = 0; i < 64; i++) {
        __u8 *p = data + i;

        if ((void *) (p + 1) > end) {
            break;
        }
        f.b[i] = *p;
    }
    n = bpf_map_lookup_elem(&frames, &f);
    if (n) {
        __sync_fetch_and_add(n, 1);
    } else {
        bpf_map_update_elem(&frames, &f, &one, BPF_NOEXIST);
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
EOF
multiarch=$(gcc -print-multiarch 2> /dev/null)
clang -O2 -g -target bpf ${multiarch:+-I/usr/include/$multiarch} \
    -c "$OVS_RUNDIR/xdp_record.c" -o "$OVS_RUNDIR/xdp_record.o" \
    || skip "cannot build an XDP program with clang"

net=10.237.$((XSK_ID % 200))
br=$(xsk_ifname br)
check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
    datapath_type=netdev
declare -A ns port veth ofp odp mac
for t in a b; do
    ns_add_veth "$t"
    ns[$t]=$VETH_NETNS port[$t]=$VETH_OVS veth[$t]=$VETH_NS
    ip netns exec "${ns[$t]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        || fail "disable IPv6 in ${ns[$t]}"
    mac[$t]=$(ip -n "${ns[$t]}" link show "${veth[$t]}" \
                  | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
    check "add ${port[$t]}" ovs-vsctl add-port "$br" "${port[$t]}" -- \
        set Interface "${port[$t]}" type=afxdp options:xdp-mode=native
done
for t in a b; do
    check "${port[$t]} runs in native mode" wait_until \
        "iface_status ${port[$t]} xdp-mode-in-use | grep -qx native"
    check "${port[$t]} gets the XDP flow API" wait_until \
        "grep -q '${port[$t]}: XDP flow offload enabled' \
            $OVS_RUNDIR/ovs-vswitchd.log"
    ofp[$t]=$(ovs-vsctl get Interface "${port[$t]}" ofport)
    odp[$t]=$(odp_port "${port[$t]}")
done
check "status: flows enter ${port[a]} through XDP and tc" \
    eval "iface_status ${port[a]} flow-offload | grep -q 'tc program at tcx'"
check "the XDP recorder on ${veth[b]} (native)" \
    ip -n "${ns[b]}" link set dev "${veth[b]}" xdpdrv \
        obj "$OVS_RUNDIR/xdp_record.o" sec xdp
rec_prog=$(ip -n "${ns[b]}" -d link show "${veth[b]}" \
               | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
rec_map=$(bpftool prog show id "$rec_prog" -j \
              | python3 -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
check "the recorder's map is known ($rec_map)" [ -n "$rec_map" ]

# frame_hex UDP-PORT VID...: a UDP frame from a to b (a's MAC and IP to
# b's), with a tag (TPID 0x8100) per VID, 18 bytes of payload: 64 bytes
# with one tag.
frame_hex ()
{
    python3 - "${mac[a]}" "${mac[b]}" "$net" "$@" <<'PY'
import struct, sys
src, dst, net, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
f = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
for vid in sys.argv[5:]:
    f += struct.pack("!HH", 0x8100, int(vid))
payload = b"ovs-xsk vlan test!"
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0,
                           0x4000, 64, 17, 0,
                           bytes(map(int, (net + ".1").split("."))),
                           bytes(map(int, (net + ".2").split(".")))))
s = sum(struct.unpack("!10H", ip))
s = (s & 0xffff) + (s >> 16)
s = (s & 0xffff) + (s >> 16)
ip[10:12] = struct.pack("!H", ~s & 0xffff)
udp = struct.pack("!HHHH", 1000, port, 8 + len(payload), 0)
print((f + struct.pack("!H", 0x0800) + bytes(ip) + udp + payload).hex())
PY
}

# send_frames HEX COUNT: sends the frame HEX COUNT times out of a's veth,
# one a millisecond.
send_frames ()
{
    ip netns exec "${ns[a]}" python3 - "${veth[a]}" "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = bytes.fromhex(sys.argv[2])
for _ in range(int(sys.argv[3])):
    s.send(f)
    time.sleep(0.001)
PY
}

# recorded UDP-PORT: "COUNT HEX" for each distinct frame to UDP-PORT that
# b's XDP program saw (HEX: its first 64 bytes, cut to its length).
recorded ()
{
    bpftool map dump id "$rec_map" -j | python3 -c '
import json, sys
port = int(sys.argv[1])
for e in json.load(sys.stdin):
    k = e.get("formatted", e)["key"] if "formatted" in e else e["key"]
    v = e.get("formatted", e)["value"] if "formatted" in e else e["value"]
    if isinstance(k, dict):
        b, n = bytes(k["b"]), k["len"]
    else:
        raw = bytes(int(x, 16) for x in k)
        b, n = raw[:64], int.from_bytes(raw[64:68], "little")
    if not isinstance(v, int):
        v = int.from_bytes(bytes(int(x, 16) for x in v), "little")
    off = 12
    while b[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
        off += 4
    if b[off:off + 2] != b"\x08\x00" or b[off + 11] != 17:
        continue
    if int.from_bytes(b[off + 24:off + 26], "big") == port:
        print(v, b[:min(n, 64)].hex())
' "$1"
}

# vlan_phase UDP-PORT IN-VIDS OUT-VIDS MATCH ACTIONS: frames to UDP-PORT
# with tags IN-VIDS ("" untagged, else VIDs joined by ","), under the
# OpenFlow rule "in_port=a,MATCH,udp,tp_dst=UDP-PORT,actions=ACTIONS,
# output:b", arrive at b as OVS's userspace makes them (with tags OUT-VIDS)
# and are then offloaded, arriving byte for byte the same.
vlan_phase ()
{
    local udp=$1 in_vids=$2 out_vids=$3 match=$4 actions=$5
    local sent want rx0 rx1 flow0 flow1 pattern
    sent=$(frame_hex "$udp" ${in_vids//,/ })
    want=$(frame_hex "$udp" ${out_vids//,/ })
    pattern="in_port(${port[a]}).*dst=$udp"

    check "udp:$udp: add-flow $match -> $actions, output b, LOCAL" \
        ovs-ofctl add-flow "$br" "priority=100,in_port=${ofp[a]},$match,udp,tp_dst=$udp,actions=$actions,output:${ofp[b]},LOCAL"
    ovs-appctl revalidator/wait || fail "revalidator/wait"
    send_frames "$sent" 200
    ovs-appctl dpctl/dump-flows -m | grep -- "dst=$udp"
    check "... with an output to the bridge's port: not offloaded" \
        [ "$(n_offloaded "dst=$udp")" -eq 0 ]
    recorded "$udp"
    check "... b's XDP program got 200 frames, all as expected (tags: ${out_vids:-none})" \
        eval "[ \"\$(recorded $udp)\" = \"200 $want\" ]"

    check "udp:$udp: mod-flows -> $actions, output b" \
        ovs-ofctl mod-flows "$br" "priority=100,in_port=${ofp[a]},$match,udp,tp_dst=$udp,actions=$actions,output:${ofp[b]}"
    ovs-appctl revalidator/wait || fail "revalidator/wait"
    send_frames "$sent" 20
    check "... offloaded by the skb path" \
        wait_until "[ \$(n_offloaded '$pattern.*dp:skb,') -ge 1 ]"
    ovs-appctl dpctl/dump-flows -m | grep -- "dst=$udp"
    check "... it outputs to ${port[b]}" \
        eval "offloaded_to ${odp[b]} | grep -q 'dst=$udp'"
    rx0=$(iface_stat "${port[a]}" rx_packets)
    flow0=$(flow_packets "$pattern")
    send_frames "$sent" 1000
    rx1=$(iface_stat "${port[a]}" rx_packets)
    flow1=$(flow_packets "$pattern")
    recorded "$udp"
    check "... b's XDP program got 1220 frames, the same as OVS made" \
        eval "[ \"\$(recorded $udp)\" = \"1220 $want\" ]"
    check "... port a's AF_XDP sockets received (almost) none (+$((rx1 - rx0)))" \
        [ $((rx1 - rx0)) -lt 20 ]
    check "... the offloaded flow counted them ($((flow1 - flow0)))" \
        [ $((flow1 - flow0)) -ge 1000 ]
}

echo "=== push: mod_vlan_vid:10 onto untagged frames"
vlan_phase 5020 "" 10 "vlan_tci=0" "mod_vlan_vid:10"
check "... shown with push_vlan" \
    [ "$(n_offloaded "dst=5020.*dp:skb, actions:push_vlan(vid=10")" -ge 1 ]

echo "=== pop: strip_vlan of VLAN 10"
vlan_phase 5021 10 "" "dl_vlan=10" "strip_vlan"
check "... shown with pop_vlan" \
    [ "$(n_offloaded "dst=5021.*dp:skb, actions:pop_vlan")" -ge 1 ]

echo "=== a new tag: mod_vlan_vid:20 of VLAN 10"
vlan_phase 5022 10 20 "dl_vlan=10" "mod_vlan_vid:20"
check "... shown with pop_vlan and push_vlan" \
    [ "$(n_offloaded "dst=5022.*dp:skb, actions:pop_vlan,push_vlan(vid=20")" -ge 1 ]

echo "=== VLAN action lists that stay in userspace"
while read -r udp in_vids out what actions; do
    check "add-flow udp:$udp -> $actions ($what)" \
        ovs-ofctl -O OpenFlow13 add-flow "$br" \
        "priority=100,in_port=${ofp[a]},dl_vlan=10,udp,tp_dst=$udp,actions=$actions"
    ovs-appctl revalidator/wait || fail "revalidator/wait"
    rx0=$(iface_stat "${port[a]}" rx_packets)
    send_frames "$(frame_hex "$udp" ${in_vids//,/ })" 200
    rx1=$(iface_stat "${port[a]}" rx_packets)
    ovs-appctl dpctl/dump-flows -m | grep -- "dst=$udp"
    recorded "$udp"
    check "$what: the megaflow is there" eval \
        "ovs-appctl dpctl/dump-flows -m | grep -q 'in_port(${port[a]}).*dst=$udp'"
    check "$what: not offloaded" [ "$(n_offloaded "dst=$udp")" -eq 0 ]
    check "$what: through OVS (a's AF_XDP rx +$((rx1 - rx0)))" \
        [ $((rx1 - rx0)) -ge 200 ]
    check "$what: b got $out" eval "[ \"\$(recorded $udp | sort)\" = \"$(
        for o in ${out//;/ }; do
            o=${o/-/}
            f=$(frame_hex "$udp" ${o//,/ })
            echo "200 ${f:0:128}"
        done | sort)\" ]"
done <<EOF
5023 10 30,10 a_second_tag push_vlan:0x8100,mod_vlan_vid:30,output:${ofp[b]}
5024 10 10;- a_pop_between_outputs output:${ofp[b]},strip_vlan,output:${ofp[b]}
EOF

ip -n "${ns[b]}" link set dev "${veth[b]}" xdpdrv off
ovs_stop
check "no unexpected log messages" check_logs
echo "PASS"
