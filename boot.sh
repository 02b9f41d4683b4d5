#!/bin/sh
# boot.sh: generates configure and Makefile.in for the ovs-xsk build
# (configure.ac, Makefile.am).  Run once after checkout, then ./configure.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
