#!/bin/bash
# 50-bench-quick.sh: the benchmark harness (utilities/ovs-xsk-bench) runs end
# to end on its short setting (--quick: one run of 3 s per path): no switch
# (direct), stock OVS, ovs-xsk, ovs-xsk with flow offload (whose flow must
# get offloaded), the in-kernel redirect and the Linux bridge all forward
# packets, to the AF_XDP and XDP receivers, and all but direct and the
# in-kernel redirect into the IP stack (UDP socket) receiver, which skips
# those two (their xdp_frames reach a veth without XDP or GRO) and says so;
# it writes its table, bench.json and bench.png; with --rate the generator
# offers the given rate.  The table
# gives min/median/max, so a figure is read as its leading number.  It
# checks that the harness works, not how fast anything is: speed is for the
# harness itself.  Not run under AddressSanitizer (tests/run.sh's asan
# stage): the harness is the same, only slower.

. "$(dirname "$0")/lib.sh"

require_root
[ "${OVS_XSK_STAGE:-}" != asan ] || skip "the harness is checked in the main stage; under AddressSanitizer it would only be slower"
[ -x /usr/sbin/ovs-vswitchd ] || skip "stock OVS (openvswitch-switch) is not installed"
builddir=$(dirname "$OVS_XSK_BUILD")
check "make xsk-tools" make -C "$builddir" xsk-tools
out=$(mktemp -d)
cleanup_add rm -rf "$out"

OVS_XSK_BUILDDIR=$builddir "$(dirname "$0")/../../utilities/ovs-xsk-bench" \
    --quick --paths direct,stock,ours,ours-offload,kernel,bridge \
    --sinks xsk,xdp,stack \
    --out "$out" > "$out/bench.log" 2>&1
status=$?
cat "$out/bench.log"
check "the harness exits 0" [ "$status" -eq 0 ]
for path in direct stock ours ours-offload kernel bridge; do
    check "$path forwards 64-byte frames" awk -v p=$path '
        $1 == p && $2 + 0 > 0 { ok = 1 } END { exit !ok }' "$out/bench.log"
done
# Into the IP stack: the rows of the "64-stack B" table.
for path in stock ours ours-offload bridge; do
    check "$path forwards 64-byte frames into the IP stack" awk -v p=$path '
        /^$/ { t = 0 } $0 == "64-stack B" { t = 1 }
        t && $1 == p && $2 + 0 > 0 { ok = 1 } END { exit !ok }' \
        "$out/bench.log"
done
for path in direct kernel; do
    check "$path is skipped for the IP stack, with the reason" \
        grep -q "^SKIPPED: $path 64-stack: .*xdp_frames" "$out/bench.log"
done
check "it compares ours with stock" grep -q '^ours/stock 64 B: ' "$out/bench.log"
check "ours runs in the veth default, generic, and the harness says so" \
    grep -qF 'ours: pa in generic (best-effort on veth)' "$out/bench.log"
check "it compares ours with stock into the IP stack" \
    grep -q '^ours/stock 64-stack B: .*packets/s' "$out/bench.log"
for sink in "" -xdp; do
    check "ours-offload had its flow offloaded (64$sink B)" grep -Eq \
        "^ours-offload/kernel 64$sink B: .* \\([1-9][0-9]* flow\\(s\\) offloaded\\)" \
        "$out/bench.log"
done
check "it writes bench.json" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out/bench.json"
check "it writes bench.png" python3 -c '
import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' "$out/bench.png"

# At a fixed rate the generator offers that rate, and ours forwards it.
OVS_XSK_BUILDDIR=$builddir "$(dirname "$0")/../../utilities/ovs-xsk-bench" \
    --quick --paths ours --rate 100000 --tcp-seconds 0 --out "$out/rate" \
    > "$out/rate.log" 2>&1
status=$?
cat "$out/rate.log"
check "the harness exits 0 with --rate" [ "$status" -eq 0 ]
# Paced, the generator skips its backlog rather than burst when it fell
# more than 1 ms behind, so on a busy machine it offers a little less.
check "the generator offers 0.095 to 0.101 Mpps" awk '
    match($0, /generator alone offers [0-9.]+ Mpps/) {
        split(substr($0, RSTART, RLENGTH), w, " ")
        if (w[4] + 0 >= 0.095 && w[4] + 0 <= 0.101) ok = 1
    }
    END { exit !ok }' "$out/rate.log"
check "ours forwards 0.09 to 0.1 Mpps at that rate" awk '
    $1 == "ours" && $2 + 0 >= 0.09 && $2 + 0 <= 0.101 { ok = 1 }
    END { exit !ok }' \
    "$out/rate.log"
