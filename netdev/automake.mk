# ovs-xsk provider sources, compiled into lib/libopenvswitch.la in place of
# upstream's lib/netdev-afxdp.c and lib/netdev-afxdp-pool.c.
#
# The ovs-xsk build makes lib/xsk/ inside the OVS tree a directory of links to
# the files of ovs-xsk's netdev/ directory (so objects stay in the OVS build
# tree) and lib/xsk-bpf a link to its built bpf/ directory (for the XDP
# program skeleton).  This fragment is included by lib/automake.mk (see
# ovs-patches/).
lib_libopenvswitch_la_SOURCES += \
	lib/netdev-afxdp.h \
	lib/netdev-afxdp-pool.h \
	lib/xsk/netdev-xsk.c \
	lib/xsk/netdev-xsk-offload.c \
	lib/xsk/netdev-xsk-offload.h \
	lib/xsk/xsk-coal.c \
	lib/xsk/xsk-coal.h \
	lib/xsk/xsk-compat.h \
	lib/xsk/xsk-csum.c \
	lib/xsk/xsk-csum.h \
	lib/xsk/xsk-features.c \
	lib/xsk/xsk-features.h \
	lib/xsk/xsk-flow.c \
	lib/xsk/xsk-flow.h \
	lib/xsk/xsk-flow-abi.h \
	lib/xsk/xsk-geneve.c \
	lib/xsk/xsk-geneve.h \
	lib/xsk/xsk-grace.c \
	lib/xsk/xsk-grace.h \
	lib/xsk/xsk-grace-gens.c \
	lib/xsk/xsk-grace-gens.h \
	lib/xsk/xsk-gso.c \
	lib/xsk/xsk-gso.h \
	lib/xsk/xsk-opts.c \
	lib/xsk/xsk-opts.h \
	lib/xsk/xsk-percpu.c \
	lib/xsk/xsk-peer.c \
	lib/xsk/xsk-peer.h \
	lib/xsk/xsk-percpu.h \
	lib/xsk/xsk-port.c \
	lib/xsk/xsk-port.h \
	lib/xsk/xsk-prog.c \
	lib/xsk/xsk-prog.h \
	lib/xsk/xsk-prog-flow.c \
	lib/xsk/xsk-report.c \
	lib/xsk/xsk-report.h \
	lib/xsk/xsk-rx.c \
	lib/xsk/xsk-rx.h \
	lib/xsk/xsk-sock.c \
	lib/xsk/xsk-sock.h \
	lib/xsk/xsk-steer.c \
	lib/xsk/xsk-steer.h \
	lib/xsk/xsk-steer-abi.h \
	lib/xsk/xsk-tx.c \
	lib/xsk/xsk-tx.h \
	lib/xsk/xsk-umem.c \
	lib/xsk/xsk-umem.h \
	lib/xsk/xsk-vnet.c \
	lib/xsk/xsk-vnet.h
