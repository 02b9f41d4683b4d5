#!/bin/bash
# 00-vswitchd-starts.sh: smoke test of the built OVS and of lib.sh.  Starts
# ovsdb-server and ovs-vswitchd, adds a userspace (netdev) bridge, checks
# that ovs-vsctl and ovs-appctl reach the daemons, stops them and checks the
# logs.  No AF_XDP port yet: this fails when the build or the daemons do.

. "$(dirname "$0")/lib.sh"

require_root
ovs_start

br=$(xsk_ifname br)
check "add netdev bridge $br" \
    ovs-vsctl add-br "$br" -- set Bridge "$br" datapath_type=netdev
cleanup_add ovs-vsctl --if-exists del-br "$br"

check "ovs-vsctl show lists $br" \
    bash -c "ovs-vsctl show | grep -q 'Bridge $br'"
check "$br uses the userspace datapath" \
    bash -c "[ \"\$(ovs-vsctl get Bridge $br datapath_type)\" = netdev ]"
check "ovs-appctl reaches ovs-vswitchd" \
    bash -c "ovs-appctl version | grep -q 'Open vSwitch'"
check "the userspace datapath has $br" \
    bash -c "ovs-appctl dpif/show | grep -q '$br'"
check "AF_XDP port types are registered" \
    bash -c "ovs-vsctl get Open_vSwitch . iface_types | grep -q afxdp"

check "delete bridge $br" ovs-vsctl del-br "$br"
check "daemons exit when asked" ovs_stop
check "no unexpected warnings in the logs" check_logs
