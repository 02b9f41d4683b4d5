#!/bin/bash
# 50-bench-quick.sh: the benchmark harness (utilities/ovs-xsk-bench) runs end
# to end on its short setting (--quick: one run of 3 s per path): stock OVS,
# ovs-xsk, the in-kernel redirect and the Linux bridge all forward packets,
# and it writes its table, bench.json and bench.png.  It checks that the
# harness works, not how fast anything is: speed is for the harness itself.

. "$(dirname "$0")/lib.sh"

require_root
[ -x /usr/sbin/ovs-vswitchd ] || skip "stock OVS (openvswitch-switch) is not installed"
builddir=$(dirname "$OVS_XSK_BUILD")
check "make xsk-tools" make -C "$builddir" xsk-tools
out=$(mktemp -d)
cleanup_add rm -rf "$out"

OVS_XSK_BUILDDIR=$builddir "$(dirname "$0")/../../utilities/ovs-xsk-bench" \
    --quick --out "$out" > "$out/bench.log" 2>&1
status=$?
cat "$out/bench.log"
check "the harness exits 0" [ "$status" -eq 0 ]
for path in stock ours kernel bridge; do
    check "$path forwards 64-byte frames" awk -v p=$path '
        $1 == p && $2 + 0 > 0 { ok = 1 } END { exit !ok }' "$out/bench.log"
done
check "it compares ours with stock" grep -q '^ours/stock 64 B: ' "$out/bench.log"
check "it writes bench.json" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out/bench.json"
check "it writes bench.png" python3 -c '
import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' "$out/bench.png"
