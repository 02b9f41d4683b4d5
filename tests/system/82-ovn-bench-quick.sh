#!/bin/bash
# 82-ovn-bench-quick.sh: the benchmark's OVN mode (utilities/ovs-xsk-bench-ovn)
# runs end to end on its shortest setting, one 1 s measurement each of
# stock OVS and of ovs-xsk with userspace TSO (ours-tso), with OVN_XSK_TSO
# set in the environment, which the stock path must ignore (the harness
# checks that each path is what it says and fails otherwise).  Checks: exit
# status 0, a TCP figure above 0 for both paths, the ratio line, and on
# ours-tso super-packets received whole and cut before the Geneve push
# with no push drop.  It checks that the harness works, not how fast
# anything is.  Not run under AddressSanitizer (as 50-bench-quick).

. "$(dirname "$0")/lib.sh"

require_root
[ "${OVS_XSK_STAGE:-}" != asan ] || skip "the harness is checked in the main stage; under AddressSanitizer it would only be slower"
[ -x /usr/sbin/ovs-vswitchd ] || skip "stock OVS (openvswitch-switch) is not installed"
command -v ovn-northd > /dev/null && command -v ovn-controller > /dev/null \
    || skip "ovn-central and ovn-host are not installed (utilities/install-deps.sh)"
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
out=$(mktemp)
cleanup_add rm -f "$out"

OVN_XSK_TSO=1 OVS_XSK_BUILDDIR=$(dirname "$OVS_XSK_BUILD") \
    "$(dirname "$0")/../../utilities/ovs-xsk-bench-ovn" \
    --paths stock,ours-tso 1 1 > "$out" 2>&1
status=$?
cat "$out"
check "the harness exits 0" [ "$status" -eq 0 ]
for path in stock ours-tso; do
    # "PATH min/median/max ..." in the table: the minimum's leading number.
    check "$path has a TCP figure" awk -v p=$path '
        $1 == p && $2 ~ /\// && $2 + 0 > 0 { ok = 1 } END { exit !ok }' "$out"
done
check "it compares ours-tso with stock" \
    grep -q '^ours-tso/stock (medians): TCP [0-9.]*x' "$out"
counter ()
{
    sed -n "s/^run 1: ours-tso chassis 1: .*$1=\([0-9]*\).*/\1/p" "$out"
}
check "ours-tso: super-packets received whole" [ "$(counter rx_gso_whole_packets)" -gt 0 ]
check "ours-tso: cut before the Geneve push" [ "$(counter odp_soft_gso_packets)" -gt 0 ]
check "ours-tso: no push drop" [ "$(counter netdev_push_header_drops)" -eq 0 ]
