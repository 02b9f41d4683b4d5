#!/bin/bash
# 11-bad-options.sh: bad interface options and a missing interface give a
# clear Interface:error and leave the other ports working.  Each bad value
# is set on a live afxdp port while a second one carries traffic; the error
# must name the problem, and ping through the good ports must keep working.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/traffic.sh"

require_root
ovs_start

br=$(xsk_ifname br)
check "add bridge" ovs-vsctl add-br "$br" -- set Bridge "$br" \
    datapath_type=netdev
ns_add_veth a 10.232.$((XSK_ID % 200)).1/24
ns_a=$VETH_NETNS port_a=$VETH_OVS
ns_add_veth b 10.232.$((XSK_ID % 200)).2/24
port_b=$VETH_OVS
ip_b=10.232.$((XSK_ID % 200)).2
for p in $port_a $port_b; do
    check "add $p" ovs-vsctl add-port "$br" "$p" -- \
        set Interface "$p" type=afxdp
done
check "ping works before" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

# option=value|expected words in Interface:error
cases=(
    "n_rxq=abc|'n_rxq' must be an integer"
    "n_rxq=0|'n_rxq' must be between 1 and 16"
    "n_rxq=42|Too big 'n_rxq' (42 > 16)"
    "n_rxq=2|needs more than the 1 RX queue"
    "xdp-mode=turbo|Incorrect xdp-mode (turbo)"
    "use-need-wakeup=ture|'use-need-wakeup' must be true or false"
    "tx-coalesce=maybe|'tx-coalesce' must be true or false"
    "tx-coalesce-geneve=on|'tx-coalesce-geneve' must be true or false"
    "n_rxq_desc=1000|'n_rxq_desc' must be a power of 2"
    "n_txq_desc=32|'n_txq_desc' must be between 64 and 16384"
    "frame-size=8192|'frame-size' must be between 2048 and 4096"
    "umem-frames=1000|'umem-frames' must be between 1024"
    "umem-frames=4100|'umem-frames' must be a multiple of 64"
    "start-queue=-1|'start-queue' must be between 0 and 63"
    "no-such-option=1|unknown option 'no-such-option'"
)
for c in "${cases[@]}"; do
    opt=${c%%|*} want=${c#*|}
    ovs-vsctl set Interface "$port_b" options:"$opt" \
        || fail "ovs-vsctl set options:$opt"
    check "options:$opt is reported" \
        wait_until "ovs-vsctl get Interface $port_b error | grep -qF \"$want\""
    ovs-vsctl remove Interface "$port_b" options "${opt%%=*}"
    check "error clears after removing options:$opt" \
        wait_until "[ \"\$(ovs-vsctl get Interface $port_b error)\" = '[]' ]"
done

check "ping still works after all bad options" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"

ghost=$(xsk_ifname gh)
ovs-vsctl add-port "$br" "$ghost" -- set Interface "$ghost" type=afxdp
check "a missing interface is reported" \
    wait_until "ovs-vsctl get Interface $ghost error | grep -q 'No such device'"
check "ping still works next to a missing interface" \
    ip netns exec "$ns_a" ping -q -c 3 -i 0.1 -W 2 "$ip_b"
check "remove the missing interface" ovs-vsctl del-port "$br" "$ghost"

check "daemons exit when asked" ovs_stop
# Each bad value is logged once, as it is shown in Interface:error.  A bad
# value takes the port out of the datapath and a good one puts it back under
# a new number: a frame the PMD received just before (IPv6 multicast
# listener reports, the namespaces' own) can reach ofproto after it dropped
# the old number, OVS's own race that 30-port-churn describes.
check "no unexpected warnings in the logs" check_logs \
    "netdev_xsk.*$port_b: " "could not open network device $ghost" \
    "$ghost.*(No such device|could not add)" \
    "$port_b: could not set configuration" \
    'ofproto_dpif_xlate.*received packet on unknown port'
