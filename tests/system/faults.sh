# tests/system/faults.sh: helpers for the fault and reliability tests
# (tests/system/3N-*.sh), sourced after lib.sh and traffic.sh.
#
#   fault_start           starts the daemons and makes the netdev bridge
#                         $br; $pid is vswitchd's PID
#   fault_ns TAG [HOST [QUEUES]]
#                         ns_add_veth TAG with address $net.HOST/24 (none
#                         without HOST) and QUEUES queues; sets ns_TAG,
#                         port_TAG, veth_TAG and ip_TAG
#   fault_finish PORT...  deletes afxdp ports PORT... and checks that no XDP
#                         program is left on them, that every frame is back
#                         in the pool and that vswitchd is still $pid; then
#                         deletes $br and stops the daemons
#   not CMD...            true if CMD fails (for check)
#   vswitchd_pid          prints the PID in ovs-vswitchd's pidfile
#   vswitchd_alive PID    true if ovs-vswitchd still runs as PID and answers
#   xdp_progs IFACE       prints "NAME ID" of each XDP program on IFACE
#   ours_attached IFACE   true if our program (ovs_xsk_prog) is on IFACE
#   ping_start NS IP      pings IP from NS every 10 ms in the background
#   ping_stop [MAX-MS]    stops that ping; true if at least 95% of its
#                         echo requests were answered, or, with MAX-MS
#                         (for a ping through ports that are restarted on
#                         purpose), if no stretch of unanswered requests
#                         was longer than MAX-MS
#   flood_start NS IP     pings IP from NS every 2 ms in the background,
#                         unchecked: load that keeps frames in the rings
#   flood_stop            stops every flood_start ping
#   afxdp_queue_listed P Q
#                         true if afxdp/show lists queue Q of port P, that
#                         is, the port has a socket on that queue

fault_start ()
{
    ovs_start
    pid=$(vswitchd_pid)
    br=$(xsk_ifname br)
    check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
        datapath_type=netdev
}

fault_ns ()
{
    local tag=$1 host=$2
    ns_add_veth "$tag" "${host:+$net.$host/24}" "$3"
    printf -v "ns_$tag" %s "$VETH_NETNS"
    printf -v "port_$tag" %s "$VETH_OVS"
    printf -v "veth_$tag" %s "$VETH_NS"
    printf -v "ip_$tag" %s "${host:+$net.$host}"
}

fault_finish ()
{
    local p none=true
    for p in "$@"; do
        check "delete $p" ovs-vsctl del-port "$br" "$p"
        none="! xdp_attached $p && $none"
    done
    check "no XDP program left on the veths" wait_until "$none"
    check "all frames are back in the pool" wait_until umem_whole
    check "vswitchd is still the same process" vswitchd_alive "$pid"
    check "delete bridge" ovs-vsctl del-br "$br"
    check "daemons exit when asked" ovs_stop
}

not ()
{
    ! "$@"
}

vswitchd_pid ()
{
    cat "$OVS_RUNDIR/ovs-vswitchd.pid" 2> /dev/null
}

vswitchd_alive ()
{
    [ "$(vswitchd_pid)" = "$1" ] && kill -0 "$1" 2> /dev/null \
        && ovs-appctl -T 5 version > /dev/null
}

xdp_progs ()
{
    ip -d link show dev "$1" 2> /dev/null | awk '
        /prog\/xdp/ {
            for (i = 1; i < NF; i++) {
                if ($i == "id") id = $(i + 1)
                if ($i == "name") name = $(i + 1)
            }
            print name, id
        }'
}

ours_attached ()
{
    xdp_progs "$1" | grep -q '^ovs_xsk_prog '
}

ping_start ()
{
    XSK_PING_LOG=$(mktemp)
    cleanup_add rm -f "$XSK_PING_LOG"
    ip netns exec "$1" ping -i 0.01 -W 1 "$2" > "$XSK_PING_LOG" 2>&1 &
    XSK_PING_PID=$!
    cleanup_add kill "$XSK_PING_PID"
}

ping_stop ()
{
    local sent got
    kill -INT "$XSK_PING_PID" 2> /dev/null
    wait "$XSK_PING_PID"
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$XSK_PING_LOG")
    got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$XSK_PING_LOG")
    echo "background ping: ${got:-0} of ${sent:-0} answered"
    [ "${sent:-0}" -gt 0 ] || return 1
    if [ -z "${1:-}" ]; then
        [ $((${got:-0} * 100)) -ge $((sent * 95)) ]
        return
    fi
    # The longest run of sequence numbers with no reply, 10 ms each.
    local gap
    gap=$(sed -n 's/^[0-9]* bytes from .*icmp_seq=\([0-9]*\) .*/\1/p' \
              "$XSK_PING_LOG" \
          | awk -v sent="$sent" '
                { if ($1 - last - 1 > max) max = $1 - last - 1; last = $1 }
                END { if (sent - last > max) max = sent - last
                      print max * 10 }')
    echo "background ping: longest stretch unanswered ${gap} ms (at most $1)"
    [ "$gap" -le "$1" ]
}

xsk_flood_pids=()

flood_start ()
{
    ip netns exec "$1" ping -q -i 0.002 -W 1 "$2" > /dev/null 2>&1 &
    xsk_flood_pids+=($!)
    cleanup_add kill $!
}

flood_stop ()
{
    local p
    for p in "${xsk_flood_pids[@]}"; do
        kill "$p" 2> /dev/null
        wait "$p"
    done
    xsk_flood_pids=()
}

afxdp_queue_listed ()
{
    ovs-appctl afxdp/show | grep -q "^  $1 queue $2:"
}
