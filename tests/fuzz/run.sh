#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/fuzz/run.sh SECONDS: builds every fuzz target of tests/fuzz/ with
# clang's libFuzzer, AddressSanitizer and UBSan, and runs each for SECONDS,
# starting from its seed corpus tests/fuzz/corpus/TARGET/ (make-corpus.py
# writes those).  tests/run.sh calls it when OVS_XSK_FUZZ_SECONDS is set.
#
# Prints one line per target:
#     fuzz TARGET: N runs in S s, ok
#     fuzz TARGET: skipped (REASON)
#     fuzz TARGET: FAILED (...)
# and, after a failure, the reproducer's path, the command that replays it
# and the first lines of the report.  Exits nonzero if a target failed.
#
# Everything it writes (binaries, build logs, the corpus each run grows,
# crash reproducers) goes to $OVS_XSK_FUZZ_OUT, emptied first, or else to a
# new directory ${TMPDIR:-/tmp}/ovs-xsk-fuzz.XXXXXX, removed at the end
# unless a target failed; never into the repository.  The flow-prog
# target links OVS's libopenvswitch.a and recompiles its lib/flow.c (for
# coverage) from the OVS tree of the build in $OVS_XSK_BUILDDIR (default:
# the repository root, as utilities/build.sh builds), and needs root.
#
# Targets (each file's comment says what it checks):
#   opts       fuzz-opts.c       xsk_opts_parse()
#   steer      fuzz-steer.c      xsk_steer_parse()
#   csum-gso   fuzz-csum-gso.c   xsk_csum_fix_partial(), xsk_gso_*()
#   rx         fuzz-rx.c         xsk_rxq_recv() over arbitrary descriptor
#                                sequences (a fake socket)
#   flow-prog  fuzz-flow-prog.c  the XDP program's flow parser against
#                                OVS's miniflow_extract()

set -u
if [ $# -ne 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: $0 SECONDS" >&2
    exit 2
fi
RUN_SECONDS=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$ROOT/tests/fuzz
BUILDDIR=${OVS_XSK_BUILDDIR:-$ROOT}
OVS=$BUILDDIR/ovs
CC=${OVS_XSK_FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 $SAN -Wall -Wextra -Wno-sign-compare -Wshadow \
-Wmissing-prototypes -I$ROOT/netdev -I$FUZZ"
# The BPF object is built as Makefile.am builds it.
BPF_CFLAGS="-O2 -g -Wall -target bpf -I/usr/include/x86_64-linux-gnu \
-I$ROOT/bpf -I$ROOT/netdev"
OVS_CPPFLAGS="-DHAVE_CONFIG_H -I$OVS -I$OVS/include -I$OVS/lib"
OVS_LIBS="$OVS/lib/.libs/libopenvswitch.a -latomic -lnuma -lxdp -lbpf -lm \
-lssl -lcrypto -lcap-ng -lpthread -lrt"

# NAME: netdev/ files, max input length, dictionary (- for none).
TARGETS="opts steer csum-gso rx flow-prog"
declare -A CORE=([opts]="xsk-opts.c" [steer]="xsk-steer.c"
                 [csum-gso]="xsk-csum.c xsk-gso.c"
                 [rx]="xsk-rx.c xsk-umem.c xsk-sock.c xsk-gso.c xsk-geneve.c xsk-coal.c xsk-csum.c"
                 [flow-prog]="")
declare -A MAX_LEN=([opts]=512 [steer]=1024 [csum-gso]=9100 [rx]=20000
                    [flow-prog]=2048)
declare -A DICT=([opts]=opts.dict [steer]=steer.dict [csum-gso]=- [rx]=-
                 [flow-prog]=-)
declare -A SKIP=()

if [ -n "${OVS_XSK_FUZZ_OUT:-}" ]; then
    OUT=$OVS_XSK_FUZZ_OUT
    rm -rf "$OUT"
else
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/ovs-xsk-fuzz.XXXXXX") || exit 1
fi
mkdir -p "$OUT/bin" "$OUT/log" "$OUT/crashes"

# build NAME: compiles target NAME into $OUT/bin/fuzz-NAME (log in
# $OUT/log/NAME.build), or sets SKIP[NAME].
build ()
{
    local name=$1 src=() f
    local bin=$OUT/bin/fuzz-$name log=$OUT/log/$name.build

    for f in ${CORE[$name]}; do
        src+=("$ROOT/netdev/$f")
    done
    if [ "$name" != flow-prog ]; then
        $CC $CFLAGS -fsanitize=fuzzer -I"$ROOT/tests/unit" \
            "$FUZZ/fuzz-$name.c" "${src[@]}" -o "$bin" -lpthread \
            > "$log" 2>&1
        return
    fi
    $CC $BPF_CFLAGS -c "$ROOT/bpf/xsk_redirect.bpf.c" \
        -o "$OUT/bin/xsk_redirect.bpf.o" > "$log" 2>&1 \
    && $CC -g -O1 $SAN -fsanitize=fuzzer-no-link $OVS_CPPFLAGS \
        -c "$OVS/lib/flow.c" -o "$OUT/bin/ovs-flow.o" >> "$log" 2>&1 \
    && $CC $CFLAGS -fsanitize=fuzzer $OVS_CPPFLAGS "$FUZZ/fuzz-$name.c" \
        "$OUT/bin/ovs-flow.o" $OVS_LIBS -o "$bin" >> "$log" 2>&1
}

# Why a target cannot run here, if it cannot.
if ! echo 'int LLVMFuzzerTestOneInput(void){return 0;}' \
        | $CC -fsanitize=fuzzer -x c - -o "$OUT/bin/probe" 2>/dev/null; then
    for name in $TARGETS; do
        SKIP[$name]="$CC cannot build libFuzzer targets (libclang-rt-dev)"
    done
fi
if [ ! -f "$OVS/lib/.libs/libopenvswitch.a" ]; then
    SKIP[flow-prog]="no OVS build in $BUILDDIR (utilities/build.sh)"
elif [ "$(id -u)" -ne 0 ]; then
    SKIP[flow-prog]="needs root for BPF_PROG_TEST_RUN"
fi

# The builds, two at a time.
for name in $TARGETS; do
    [ -z "${SKIP[$name]:-}" ] || continue
    build "$name" &
    [ "$(jobs -r | wc -l)" -lt 2 ] || wait -n
done
wait

# report NAME LOG: prints where a failure of NAME is and how it began.
report ()
{
    local name=$1 log=$2 unit env=

    [ "$name" != flow-prog ] \
        || env="XSK_FUZZ_BPF_OBJ=$OUT/bin/xsk_redirect.bpf.o "
    unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
    if [ -n "$unit" ]; then
        echo "  reproducer: $unit"
        echo "  replay: $env$OUT/bin/fuzz-$name $unit"
    fi
    echo "  log: $log"
    grep -m 1 -A 14 -E 'invariant .* broken|^field |ERROR: |runtime error' \
        "$log" | sed 's/^/  | /'
}

failed=0
for name in $TARGETS; do
    bin=$OUT/bin/fuzz-$name
    log=$OUT/log/$name.log
    if [ -n "${SKIP[$name]:-}" ]; then
        echo "fuzz $name: skipped (${SKIP[$name]})"
        continue
    fi
    if [ ! -x "$bin" ]; then
        echo "fuzz $name: FAILED (build, see $OUT/log/$name.build)"
        tail -n 20 "$OUT/log/$name.build" | sed 's/^/  | /'
        failed=1
        continue
    fi
    mkdir -p "$OUT/corpus/$name"
    args=(-max_total_time="$RUN_SECONDS" -max_len="${MAX_LEN[$name]}"
          -timeout=20 -artifact_prefix="$OUT/crashes/$name-")
    [ "${DICT[$name]}" = - ] || args+=(-dict="$FUZZ/${DICT[$name]}")
    # New inputs go to the first directory, the scratch one.
    XSK_FUZZ_BPF_OBJ=$OUT/bin/xsk_redirect.bpf.o \
        "$bin" "${args[@]}" "$OUT/corpus/$name" "$FUZZ/corpus/$name" \
        > "$log" 2>&1
    status=$?
    read -r runs secs < <(sed -n \
        's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log")
    # What fuzz-flow-prog counts at exit.
    offered=$(sed -n 's/.*program offered a key for \([0-9]*\) of .*/\1/p' \
              "$log")
    extra=${offered:+, the program offered a key for $offered}
    if [ "$status" -eq 0 ] && [ -n "${runs:-}" ]; then
        echo "fuzz $name: $runs runs in $secs s$extra, ok"
    else
        echo "fuzz $name: FAILED (exit $status)"
        report "$name" "$log"
        failed=1
    fi
done
if [ $failed = 0 ] && [ -z "${OVS_XSK_FUZZ_OUT:-}" ]; then
    rm -rf "$OUT"
fi
exit $failed
