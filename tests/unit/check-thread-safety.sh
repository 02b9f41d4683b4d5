#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/unit/check-thread-safety.sh [BUILDDIR]: Clang's thread-safety
# analysis on the OVS glue.  Compiles netdev/netdev-xsk.c and
# netdev/netdev-xsk-offload.c as the OVS build in BUILDDIR/ovs does (its
# include flags and config.h, from its lib/xsk/ links) with "clang
# -fsyntax-only -Wthread-safety -Werror", so that a lock taken or data read
# against the OVS_* and XSK_* annotations (OVS's compiler.h, xsk-compat.h)
# fails.  The core files are not analysed: only the glue locks the core's
# annotated data itself.  tests/run.sh runs it in its unit stage.
#
# BUILDDIR: the ovs-xsk build (default $OVS_XSK_BUILDDIR, else the
# repository root), after utilities/build.sh.  Prints TAP, one line per
# file ("ok N - FILE", "not ok N - FILE" after clang's diagnostics as "#"
# lines), "# SKIP" lines if clang or the OVS tree is missing; exits 1 if a
# file failed.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${1:-${OVS_XSK_BUILDDIR:-$ROOT}}
OVS=$BUILDDIR/ovs
FILES="netdev-xsk.c netdev-xsk-offload.c"
CLANG=${CLANG:-clang}

n=0
status=0
skip_all ()
{
    for f in $FILES; do
        n=$((n + 1))
        echo "ok $n - $f # SKIP $1"
    done
    echo "1..$n"
    exit 0
}

command -v "$CLANG" > /dev/null || skip_all "no $CLANG"
[ -f "$OVS/config.h" ] && [ -d "$OVS/lib/xsk" ] \
    || skip_all "no configured OVS tree in $OVS"

# The preprocessor flags OVS's make passes when it compiles lib/xsk/*.c.
flags=$(make -s --no-print-directory -C "$OVS" \
        --eval 'xsk-print-cppflags: ; @echo $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS)' \
        xsk-print-cppflags) || skip_all "cannot read OVS's include flags"

for f in $FILES; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # flags are words
    if out=$(cd "$OVS" && "$CLANG" -fsyntax-only -Wthread-safety -Werror \
                 $flags "lib/xsk/$f" 2>&1); then
        echo "ok $n - $f"
    else
        echo "$out" | sed 's/^/# /'
        echo "not ok $n - $f"
        status=1
    fi
done
echo "1..$n"
exit $status
