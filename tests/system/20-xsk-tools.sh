#!/bin/bash
# 20-xsk-tools.sh: end-to-end check of the benchmark traffic tools.  Over a
# veth pair, xsk-gen sends exactly N test frames and xsk-sink, with -v,
# must receive exactly N, all intact and in sequence: 60-byte frames with
# the sink in native XDP mode, 1500-byte frames in native mode, 60-byte
# frames in generic mode.  After each run no XDP program is left on the
# veth.  The generator is rate-limited, so that a busy machine that
# deschedules the sink for a while loses nothing.
#
# The tools are found in $OVS_XSK_TOOLS (a directory holding xsk-gen and
# xsk-sink) if that is set, else in utilities/ of the build directory (the
# parent of $OVS_XSK_BUILD, or the repository root for an in-tree build);
# if they are not there, "make xsk-tools" builds them first.  Exit status:
# 0 pass, 77 skip (not root, tools not buildable, no AF_XDP), else fail.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# lib.sh wants the OVS build tree for its OVS helpers, which this test does
# not use; default it to the in-tree location.
export OVS_XSK_BUILD=${OVS_XSK_BUILD:-$ROOT/ovs}
. "$(dirname "$0")/lib.sh"

N=20000                         # Frames per run.
RATE=50000                      # Frames per second.

require_root

# ---- Find (or build) the tools ----------------------------------------------

if [ -n "$OVS_XSK_TOOLS" ]; then
    tools=$OVS_XSK_TOOLS
else
    builddir=$(dirname "$OVS_XSK_BUILD")
    tools=$builddir/utilities
    if { [ ! -x "$tools/xsk-gen" ] || [ ! -x "$tools/xsk-sink" ]; } \
       && [ -f "$builddir/Makefile" ] \
       && grep -q '^xsk-tools:' "$builddir/Makefile"; then
        make -C "$builddir" xsk-tools || fail "make xsk-tools failed"
    fi
fi
[ -x "$tools/xsk-gen" ] && [ -x "$tools/xsk-sink" ] \
    || skip "no xsk-gen and xsk-sink in $tools (set OVS_XSK_TOOLS)"
echo "tools: $tools"

# ---- A veth pair with no traffic of its own ---------------------------------

ns_add_veth g
ns=$VETH_NETNS
sink_if=$VETH_OVS               # This namespace.
gen_if=$VETH_NS                 # In $ns.
# IPv6 would send router solicitations and MLD reports: frames the sink
# would count.
sysctl -qw "net.ipv6.conf.$sink_if.disable_ipv6=1" 2> /dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$gen_if.disable_ipv6=1" \
    2> /dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xsk-tools.XXXXXX") || fail "mktemp"
cleanup_add rm -rf "$tmp"

# field FILE PREFIX KEY: prints the value of KEY=VALUE on the line of FILE
# that starts with PREFIX.
field ()
{
    awk -v p="$2" -v k="$3" 'index($0, p) == 1 {
        for (i = 1; i <= NF; i++) {
            if (index($i, k "=") == 1) { print substr($i, length(k) + 2) }
        }
    }' "$1"
}

# The running xsk-sink, if any.  stop_sink asks it to stop (it then
# detaches its XDP program), waits for it and sets $sink_status to its exit
# status.
sink_pid=
sink_status=
stop_sink ()
{
    if [ -n "$sink_pid" ]; then
        kill -INT "$sink_pid" 2> /dev/null
        wait "$sink_pid"
        sink_status=$?
        sink_pid=
    fi
}
cleanup_add stop_sink

# run_case NAME SIZE MODE: one gen -> sink run.
run_case ()
{
    local name=$1 size=$2 mode=$3
    local out=$tmp/$name.sink err=$tmp/$name.sink-err gout=$tmp/$name.gen
    local i status

    echo "=== $name: $N frames of $size bytes, sink in $mode mode"
    "$tools/xsk-sink" -i "$sink_if" -m "$mode" -v -R 16384 -d 60 \
        > "$out" 2> "$err" &
    sink_pid=$!
    for ((i = 0; i < 100; i++)); do
        grep -q '^sink: ready' "$out" && break
        kill -0 "$sink_pid" 2> /dev/null || break
        sleep 0.1
    done
    if ! grep -q '^sink: ready' "$out"; then
        cat "$err"
        stop_sink
        if grep -q -e 'Address family not supported' \
                   -e 'Operation not supported' "$err"; then
            skip "AF_XDP or $mode XDP is not available"
        fi
        fail "$name: xsk-sink did not start"
    fi

    ip netns exec "$ns" "$tools/xsk-gen" -i "$gen_if" -s "$size" -n "$N" \
        -r "$RATE" -f 4 > "$gout" 2>&1
    status=$?
    cat "$gout"
    check "$name: xsk-gen exits 0" [ "$status" -eq 0 ]
    check "$name: xsk-gen sent $N" \
        [ "$(field "$gout" 'gen: total' sent)" = "$N" ]

    sleep 0.5
    stop_sink
    cat "$out" "$err"
    check "$name: xsk-sink exits 0" [ "$sink_status" -eq 0 ]
    check "$name: xsk-sink received exactly $N" \
        [ "$(field "$out" 'sink: total' rx)" = "$N" ]
    check "$name: xsk-sink received $((N * size)) bytes" \
        [ "$(field "$out" 'sink: total' bytes)" = "$((N * size))" ]
    check "$name: every frame verified, none bad, lost or reordered" \
        [ "$(field "$out" 'sink: verify' checked)" = "$N" \
          -a "$(field "$out" 'sink: verify' bad)" = 0 \
          -a "$(field "$out" 'sink: verify' lost)" = 0 \
          -a "$(field "$out" 'sink: verify' reordered)" = 0 ]
    check "$name: no XDP program left on $sink_if" \
        bash -c "! ip -d link show dev $sink_if | grep -q prog/xdp"
}

run_case native-60 60 native
run_case native-1500 1500 native
run_case generic-60 60 generic
