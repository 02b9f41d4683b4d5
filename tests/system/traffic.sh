# tests/system/traffic.sh: traffic and inspection helpers for the system
# tests, sourced after lib.sh.
#
#   wait_until CMD       retries CMD (a shell string) for up to 10 s
#   wait_listening NS tcp|udp PORT
#                        waits until a socket listens on (is bound to)
#                        PORT in namespace NS ("" for this one): a server
#                        started in the background is ready for its client
#   iface_status P KEY   prints Interface P's status:KEY
#   iface_stat P KEY     prints Interface P's statistics:KEY (0 if absent)
#   xdp_attached P       true if interface P has any XDP program
#   umem_whole           true if every UMEM in afxdp/show has all its
#                        frames in pool + cache + slots and says accounted=yes
#   udp_roundtrip NS_A NS_B IP_B COUNT SIZE [PORT]
#                        sends COUNT numbered datagrams of SIZE bytes from
#                        NS_A to IP_B:PORT (default 5001) in NS_B, one a
#                        millisecond; true if all arrive with the right
#                        content
#   umem_accounted       true if every UMEM in afxdp/show says accounted=yes
#   tcp_transfer NS_A NS_B IP_B SECONDS [IPERF3-ARG...]
#                        iperf3 from NS_A to NS_B; true if it moves data
#   bridge_two_ns NET    adds bridge $br (userspace datapath) and
#                        namespaces a (NET.1/24) and b (NET.2/24), each
#                        with a veth; sets br, ns_a, port_a, veth_a, ns_b,
#                        port_b, veth_b and ip_b
#   add_afxdp_pair MODE [OPTION...]
#                        adds port_a and port_b to $br as afxdp ports in
#                        xdp-mode MODE with the extra Interface options,
#                        and waits until both run in that mode
#   ovs_start_offload    ovs_start, then other_config:hw-offload=true
#   n_offloaded [PATTERN]
#                        prints how many offloaded datapath flows there
#                        are (matching PATTERN, in "dpctl/dump-flows -m")
#   flow_packets PATTERN prints the packets of the first offloaded flow
#                        matching PATTERN
#   odp_port P           prints the datapath port number of port P
#   offloaded_to ODP     prints the offloaded datapath flows that output
#                        to datapath port number ODP (among other outputs
#                        or alone)

wait_until ()
{
    local i
    for ((i = 0; i < 50; i++)); do
        eval "$1" && return 0
        sleep 0.2
    done
    echo "timed out waiting for: $1" >&2
    return 1
}

wait_listening ()
{
    local run=${1:+ip netns exec $1} flag=-Hltn
    [ "$2" = udp ] && flag=-Huan
    wait_until "$run ss $flag 'sport = :$3' | grep -q ."
}

iface_status ()
{
    ovs-vsctl --if-exists get Interface "$1" status:"$2" 2> /dev/null \
        | tr -d '"'
}

# iface_stat IFACE KEY: counter KEY of afxdp port IFACE as the datapath has
# it now (afxdp/stats), not OVSDB's copy, which is refreshed only every 5
# seconds; 0 if there is no such counter.
iface_stat ()
{
    local v
    v=$(ovs-appctl afxdp/stats "$1" 2> /dev/null | sed -n "s/^$2=//p")
    echo "${v:-0}"
}

xdp_attached ()
{
    ip -d link show dev "$1" 2> /dev/null | grep -q 'prog/xdp'
}

umem_whole ()
{
    local out
    out=$(ovs-appctl afxdp/show) || return 1
    echo "$out" | awk '
        /^umem/ {
            n++
            for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            if (v["accounted"] != "yes") bad++
            if (v["pool"] + v["cache"] + v["slots"] != v["frames"]) bad++
        }
        END { exit bad ? 1 : 0 }'
}

umem_accounted ()
{
    local out
    out=$(ovs-appctl afxdp/show) || return 1
    echo "$out" | grep -q '^umem' && ! echo "$out" | grep -q 'accounted=no'
}

udp_roundtrip ()
{
    local ns_a=$1 ns_b=$2 ip_b=$3 count=$4 size=$5 port=${6:-5001} out
    out=$(mktemp)
    ip netns exec "$ns_b" timeout $((15 + count / 500)) \
        python3 - "$count" "$size" "$port" > "$out" <<'PY' &
import socket, sys
count, size, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", port))
s.settimeout(5)
good = 0
try:
    while good < count:
        data, _ = s.recvfrom(65536)
        seq = int.from_bytes(data[:4], "big")
        if data == seq.to_bytes(4, "big") + bytes((seq + i) & 0xff for i in range(size - 4)):
            good += 1
except socket.timeout:
    pass
print(good)
PY
    local rx=$!
    wait_listening "$ns_b" udp "$port"
    ip netns exec "$ns_a" python3 - "$ip_b" "$count" "$size" "$port" <<'PY'
import socket, sys, time
ip, count, size, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for seq in range(count):
    s.sendto(seq.to_bytes(4, "big") + bytes((seq + i) & 0xff for i in range(size - 4)), (ip, port))
    time.sleep(0.001)
PY
    wait $rx
    local good
    good=$(cat "$out")
    rm -f "$out"
    echo "udp: $good of $count datagrams arrived intact"
    [ "$good" = "$count" ]
}

tcp_transfer ()
{
    local ns_a=$1 ns_b=$2 ip_b=$3 secs=$4 log
    shift 4
    log=$(mktemp)
    ip netns exec "$ns_b" timeout $((secs + 15)) iperf3 -s -1 \
        > /dev/null 2>&1 &
    local srv=$!
    wait_listening "$ns_b" tcp 5201
    ip netns exec "$ns_a" timeout $((secs + 10)) iperf3 -c "$ip_b" \
        -t "$secs" -J "$@" > "$log" 2>&1
    local rc=$?
    wait $srv
    local bps
    bps=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bits_per_second"]))' "$log" 2> /dev/null)
    rm -f "$log"
    echo "tcp: iperf3 exit $rc, ${bps:-0} bit/s received"
    [ "$rc" -eq 0 ] && [ "${bps:-0}" -gt 1000000 ]
}

# tcp_sha NS-A NS-B IP-B MBYTES [PORT [TO-PORT [FROM-PORT]]]: sends MBYTES
# of random data over one TCP connection from NS-A to NS-B (nc, listening
# on PORT; the sender connects to TO-PORT, default PORT, from FROM-PORT if
# given) and checks that the receiver got exactly those bytes (sha256),
# checksum offload left on.  IP-B may be IPv6 (nc listens on IPv4 only
# unless told).
tcp_sha ()
{
    local ns_a=$1 ns_b=$2 ip_b=$3 mb=$4 port=${5:-5002} to=${6:-${5:-5002}}
    local from=${7:+-p $7} fam=-4
    local src dst
    case $ip_b in *:*) fam=-6 ;; esac
    src=$(mktemp) dst=$(mktemp)
    head -c "${mb}M" /dev/urandom > "$src"
    ip netns exec "$ns_b" timeout 60 nc "$fam" -l "$port" > "$dst" 2> /dev/null &
    local rx=$!
    wait_listening "$ns_b" tcp "$port"
    # shellcheck disable=SC2086 # $from is empty or "-p PORT"
    ip netns exec "$ns_a" timeout 60 nc "$fam" -N -w 5 $from "$ip_b" "$to" \
        < "$src"
    local rc=$?
    wait $rx
    local want got
    want=$(sha256sum < "$src" | cut -d' ' -f1)
    got=$(sha256sum < "$dst" | cut -d' ' -f1)
    echo "tcp: nc exit $rc, $(stat -c %s "$dst") of $(stat -c %s "$src") bytes, sha256 ${got:0:12} (want ${want:0:12})"
    rm -f "$src" "$dst"
    [ "$rc" -eq 0 ] && [ "$got" = "$want" ]
}

bridge_two_ns ()
{
    local net=$1
    br=$(xsk_ifname br)
    check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
        datapath_type=netdev
    ns_add_veth a "$net.1/24"
    ns_a=$VETH_NETNS port_a=$VETH_OVS veth_a=$VETH_NS
    ns_add_veth b "$net.2/24"
    ns_b=$VETH_NETNS port_b=$VETH_OVS veth_b=$VETH_NS
    ip_b=$net.2
}

add_afxdp_pair ()
{
    local mode=$1 p
    shift
    for p in $port_a $port_b; do
        check "add $p ($mode${*:+, $*})" ovs-vsctl add-port "$br" "$p" -- \
            set Interface "$p" type=afxdp options:xdp-mode="$mode" "$@"
    done
    for p in $port_a $port_b; do
        check "$p runs in $mode mode" \
            wait_until "iface_status $p xdp-mode-in-use | grep -qx $mode"
    done
}

# Starts the daemons (ovs_start) with other_config:hw-offload=true.
ovs_start_offload ()
{
    ovs_start
    check "hw-offload=true" \
        ovs-vsctl set Open_vSwitch . other_config:hw-offload=true
}

n_offloaded ()
{
    ovs-appctl dpctl/dump-flows -m | grep "offloaded:yes" \
        | grep -c -- "${1:-.}"
}

flow_packets ()
{
    ovs-appctl dpctl/dump-flows -m | grep "offloaded:yes" | grep -- "$1" \
        | sed -n 's/.*packets:\([0-9]*\).*/\1/p' | head -1
}

odp_port ()
{
    ovs-appctl dpctl/show | sed -n "s/^ *port \([0-9]*\): $1\( .*\)\?$/\1/p"
}

# The dump with port numbers, not names (-m alone shows names), and
# dpif-netdev ends each line with "dp-extra-info:...": so the outputs are
# the actions field's comma-separated items once nested parentheses
# (set(eth(...)) and the like) are taken out.
offloaded_to ()
{
    ovs-appctl dpctl/dump-flows --no-names -m | grep 'offloaded:yes' \
        | awk -v port="$1" '{
            a = $0
            sub(/.*, actions:/, "", a)
            sub(/ .*/, "", a)
            while (gsub(/\([^()]*\)/, "", a)) {
            }
            n = split(a, outs, ",")
            for (i = 1; i <= n; i++) {
                if (outs[i] == port) {
                    print
                    break
                }
            }
        }'
}
