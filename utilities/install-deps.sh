#!/bin/sh
# install-deps.sh: installs the Debian packages that ovs-xsk needs to build
# Open vSwitch with its AF_XDP provider and to run tests/run.sh.
#
# Each package is checked with dpkg-query.  Only if some are missing does it
# run "apt-get update" (once) and install the missing ones, so running it on
# a ready machine is quiet and cheap.  Needs root when it has to install.
#
# openvswitch-switch (stock OVS 3.1, the benchmark's point of comparison) is
# installed without starting its system service: the benchmark runs its own
# daemons in private run directories.  python3-pyftpdlib and lftp let OVS's
# FTP conntrack tests run instead of being skipped.
#
# Usage: utilities/install-deps.sh

set -e

PACKAGES="
    autoconf automake libtool pkg-config make gcc libc6-dev patch python3
    clang libclang-rt-14-dev llvm bpftool xdp-tools libxdp-dev libbpf-dev libelf-dev
    libnuma-dev libcap-ng-dev libssl-dev openvswitch-source
    iproute2 iputils-ping ethtool tcpdump iperf3 netcat-openbsd
    python3-scapy python3-pyftpdlib lftp wget curl python3-matplotlib
    openvswitch-switch ovn-central ovn-host
"

missing=
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case $status in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps.sh: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must run as root to install packages" >&2
    exit 1
fi
apt-get update
# Keep package scripts from starting services (openvswitch-switch).
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086 # word splitting of the package list is wanted
DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
