#!/bin/bash
# utilities/build.sh: installs missing Debian packages and builds ovs-xsk
# (OVS 3.1 with the provider) in-tree, or in $OVS_XSK_BUILDDIR.  The first
# run does "./boot.sh && ./configure --prefix=BUILDDIR/_install"; later runs
# only "make", which rebuilds what changed.  Output goes to stdout/stderr;
# the built OVS tree is BUILDDIR/ovs.  OVS_XSK_CONFIGURE_FLAGS adds flags to
# that first configure (e.g. --enable-sanitizers).  Used by tests/run.sh and
# utilities/ovs-xsk-demo.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${OVS_XSK_BUILDDIR:-$ROOT}

"$ROOT/utilities/install-deps.sh"
mkdir -p "$BUILDDIR"
cd "$BUILDDIR"
if [ ! -f Makefile ]; then
    (cd "$ROOT" && ./boot.sh)
    # shellcheck disable=SC2086 # flags are words
    "$ROOT/configure" --prefix="$BUILDDIR/_install" \
        ${OVS_XSK_CONFIGURE_FLAGS:-}
fi
make -j"$(nproc 2> /dev/null || echo 2)"
