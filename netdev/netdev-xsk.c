/* SPDX-License-Identifier: Apache-2.0 */

/* OVS glue of the ovs-xsk AF_XDP provider.
 *
 * This is the only file of netdev/ that includes OVS headers, besides the
 * flow API (netdev-xsk-offload.c).  It implements the functions that
 * lib/netdev-afxdp.h declares, which lib/netdev-linux.c puts into the
 * "afxdp" and "afxdp-nonpmd" classes (with the generic Linux netdev
 * functions for flags, MTU, addresses and the like), and keeps only what
 * needs OVS: the class plumbing, options smap <-> core options, dp_packet
 * <-> descriptors, and statistics and status in OVS's structs.  The work is
 * the OVS-independent core's:
 *
 *     xsk-port     a port's options, program, sockets,  -> construct(),
 *                  UMEM, steering and flows; mode          set_config(),
 *                  fallbacks; the one stop path; the       reconfigure(),
 *                  registry of every port; sending on      destruct(),
 *                  its queues, TSO packets whole           send()
 *     xsk-report   a port's status, configuration and   -> get_status(),
 *                  counters; afxdp/stats and afxdp/show    get_config(),
 *                  texts                                   get_*stats()
 *     xsk-opts     option table and strict parsing      -> xsk-port
 *     xsk-features a device's RX queues, XDP features   -> set_config()
 *     xsk-peer     the MTU of a veth's peer, which       -> reconfigure(),
 *                  bounds the segments cut from            netdev_afxdp_run()
 *                  super-packets (via xsk-port)
 *     xsk-rx/-tx   receive and transmit over plain      -> rxq_recv(),
 *                  descriptors                             send()
 *     xsk-umem     the shared frame pool, found or      -> every path
 *                  created with our dp_packets
 *     xsk-sock     one AF_XDP socket per queue          -> xsk-port
 *     xsk-prog     the XDP program on the interface     -> xsk-port
 *     xsk-flow     offloaded flows (a port's table)     -> flow API
 *
 * Packets and frames
 * ------------------
 *
 * Every UMEM frame has a preallocated 'struct netdev_xsk_packet' (index =
 * frame number), a dp_packet with source DPBUF_AFXDP whose buffer is the
 * whole frame.  rxq_recv() hands these to OVS; free_afxdp_buf() returns
 * the frame to the freeing thread's cache.  send() puts a packet whose
 * frame belongs to the port's UMEM on the TX ring as it is (the frame goes
 * back to the pool from the completion ring) and copies any other packet
 * into a free frame.
 *
 * Threads
 * -------
 *
 * Configuration runs in the main thread under 'dev->mutex'; dpif-netdev
 * stops polling and sending on a port while it reconfigures or destroys it.
 * Each rxq is polled by one thread.  A TX queue may be shared by several
 * threads (concurrent_txq); xsk_port_send() then takes its TX lock. */

#include <config.h>

#include "netdev-afxdp.h"
#include "netdev-xsk-offload.h"

#include <errno.h>

#include "coverage.h"
#include "dp-packet.h"
#include "fatal-signal.h"
#include "netdev-linux.h"
#include "netdev-linux-private.h"
#include "netdev-offload.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "openvswitch/vlog.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "ovs-thread.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "userspace-tso.h"
#include "util.h"

#include "xsk-features.h"
#include "xsk-opts.h"
#include "xsk-port.h"
#include "xsk-report.h"
#include "xsk-rx.h"
#include "xsk-tx.h"
#include "xsk-umem.h"

VLOG_DEFINE_THIS_MODULE(netdev_xsk);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

COVERAGE_DEFINE(afxdp_tx_full);
COVERAGE_DEFINE(afxdp_tx_no_frame);
COVERAGE_DEFINE(afxdp_tx_too_big);

/* Per-frame metadata: the dp_packet OVS sees for a frame. */
struct netdev_xsk_packet {
    struct dp_packet packet;
    struct xsk_umem_pool *umem;
    uint32_t frame;
};

static bool
netdev_xsk_is_afxdp(const struct netdev *netdev)
{
    const struct netdev_class *class = netdev_get_class(netdev);

    return class == &netdev_afxdp_class || class == &netdev_afxdp_nonpmd_class;
}

/* The provider state of an afxdp port: the core's port (xsk-port.h:
 * program, sockets, queues and their TX locks, the AF_PACKET socket for TSO
 * packets, steering, flow table; in the core's registry of every port under
 * the netdev's name), which dev->xsk_port points to. */
static struct xsk_port *
netdev_xsk_port_of(const struct netdev *netdev)
{
    return netdev_linux_cast(netdev)->xsk_port;
}

/* Frees the frame of an AF_XDP packet; OVS calls this for DPBUF_AFXDP
 * packets from any thread. */
void
free_afxdp_buf(struct dp_packet *p)
{
    struct netdev_xsk_packet *xp = CONTAINER_OF(p, struct netdev_xsk_packet,
                                                packet);

    xsk_frame_packet_free(xsk_tcache_get(xp->umem), xp->frame);
}

/* Sets up the dp_packet of 'frame' of a new UMEM (xsk_umem_get()). */
static void
netdev_xsk_packet_init(void *meta, struct xsk_umem_pool *umem,
                       uint32_t frame)
{
    struct netdev_xsk_packet *xp = meta;

    xp->umem = umem;
    xp->frame = frame;
    xp->packet.source = DPBUF_AFXDP;
}

/* A UMEM's per-frame metadata: a dp_packet for each frame. */
static const struct xsk_umem_meta netdev_xsk_umem_meta = {
    sizeof(struct netdev_xsk_packet), netdev_xsk_packet_init,
};

/* Logs what the port core says about 'core', after the port's name. */
static void
netdev_xsk_port_log(const struct xsk_port *core,
                    enum xsk_port_log_level level, const char *msg)
{
    VLOG(level == XSK_PORT_LOG_DBG ? VLL_DBG
         : level == XSK_PORT_LOG_INFO ? VLL_INFO : VLL_WARN,
         "%s: %s", core->name, msg);
}

/* What the port core does outside itself: the real kernel
 * (xsk_port_kernel_ops), with our UMEM metadata and log.  Set by
 * netdev_afxdp_init(), before any port is constructed. */
static struct xsk_port_ops netdev_xsk_port_ops;

/* Fatal signal or exit: take our XDP programs off every interface. */
static void
netdev_xsk_fatal_hook(void *aux OVS_UNUSED)
{
    xsk_port_stop_all();
}

/* Replies to 'conn' with 'text' and frees it. */
static void
netdev_xsk_unixctl_reply(struct unixctl_conn *conn, char *text)
{
    unixctl_command_reply(conn, text);
    free(text);
}

/* "afxdp/show": every UMEM, where its frames are, and who uses it; then the
 * steering rules and offloaded flows of the ports that have some
 * (xsk_report_show()). */
static void
netdev_xsk_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    netdev_xsk_unixctl_reply(conn, xsk_report_show());
}

/* "afxdp/stats IFACE": the port's counters as the datapath has them now,
 * one "name=value" a line (xsk_report_stats(); OVSDB's copy is refreshed
 * only every few seconds). */
static void
netdev_xsk_unixctl_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev *netdev = netdev_from_name(argv[1]);
    struct netdev_linux *dev;
    char *text;

    if (!netdev || !netdev_xsk_is_afxdp(netdev)) {
        unixctl_command_reply_error(conn, "no such afxdp port");
        netdev_close(netdev);
        return;
    }
    dev = netdev_linux_cast(netdev);
    ovs_mutex_lock(&dev->mutex);
    text = xsk_report_stats(dev->xsk_port);
    ovs_mutex_unlock(&dev->mutex);
    netdev_close(netdev);
    netdev_xsk_unixctl_reply(conn, text);
}

int
netdev_afxdp_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        netdev_xsk_port_ops = xsk_port_kernel_ops;
        netdev_xsk_port_ops.umem_meta = &netdev_xsk_umem_meta;
        netdev_xsk_port_ops.log = netdev_xsk_port_log;
        fatal_signal_add_hook(netdev_xsk_fatal_hook, NULL, NULL, true);
        unixctl_command_register("afxdp/show", "", 0, 0,
                                 netdev_xsk_unixctl_show, NULL);
        unixctl_command_register("afxdp/stats", "IFACE", 1, 1,
                                 netdev_xsk_unixctl_stats, NULL);
        netdev_register_flow_api_provider(&netdev_xsk_offload);
        ovsthread_once_done(&once);
    }
    return 0;
}

/* How often the main thread re-reads the MTU of each afxdp port's veth
 * peer (xsk_port_refresh_peer()).  The peer usually lives in another
 * network namespace, whose link changes OVS's notifier does not pass on
 * to the port, so it is polled: two netlink round trips per veth port per
 * second on the main thread, and a lowered MTU on the namespace's side is
 * followed within a second (until then, super-packets are cut for the old
 * one). */
#define NETDEV_XSK_PEER_REFRESH_MS 1000

/* When the next refresh is due, and whether the last one found a port
 * (only then does netdev_afxdp_wait() wake the main loop for the next).
 * Main thread only. */
static long long int netdev_xsk_peer_next;
static bool netdev_xsk_peer_ports;

/* Re-reads the veth peer's MTU of every port of 'netdev_class'; sets
 * '*any' if there is one. */
static void
netdev_xsk_refresh_peers(const struct netdev_class *netdev_class,
                         bool *any)
{
    struct shash_node *node;
    struct shash devices;

    shash_init(&devices);
    netdev_get_devices(netdev_class, &devices);
    SHASH_FOR_EACH (node, &devices) {
        struct netdev *netdev = node->data;
        struct netdev_linux *dev = netdev_linux_cast(netdev);

        ovs_mutex_lock(&dev->mutex);
        if (dev->xsk_port && xsk_port_refresh_peer(dev->xsk_port)) {
            netdev_change_seq_changed(netdev);
        }
        ovs_mutex_unlock(&dev->mutex);
        netdev_close(netdev);
        *any = true;
    }
    shash_destroy(&devices);
}

/* Called by netdev_linux_run() (ovs-patches/0012), for every Linux class:
 * refreshes the ports of both afxdp classes once per
 * NETDEV_XSK_PEER_REFRESH_MS. */
void
netdev_afxdp_run(void)
{
    long long int now = time_msec();
    bool any = false;

    if (now < netdev_xsk_peer_next) {
        return;
    }
    netdev_xsk_refresh_peers(&netdev_afxdp_class, &any);
    netdev_xsk_refresh_peers(&netdev_afxdp_nonpmd_class, &any);
    netdev_xsk_peer_next = now + NETDEV_XSK_PEER_REFRESH_MS;
    netdev_xsk_peer_ports = any;
}

/* Called by netdev_linux_wait() (ovs-patches/0012). */
void
netdev_afxdp_wait(void)
{
    if (netdev_xsk_peer_ports) {
        poll_timer_wait_until(netdev_xsk_peer_next);
    }
}

int
netdev_afxdp_construct(struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port;
    int error;

    error = netdev_linux_construct(netdev);
    if (error) {
        return error;
    }

    /* No queue may be used before the first reconfigure(). */
    netdev->n_rxq = 0;
    netdev->n_txq = 0;

    port = xzalloc(sizeof *port);
    xsk_port_init(port, netdev_get_name(netdev), &netdev_xsk_port_ops, NULL);
    dev->xsk_port = port;

    netdev_request_reconfigure(netdev);
    return 0;
}

void
netdev_afxdp_destruct(struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);

    xsk_port_destruct(dev->xsk_port);   /* Logs the flows it purged. */
    free(dev->xsk_port);
    dev->xsk_port = NULL;
    ovs_mutex_destroy(&dev->mutex);
}

/* Called by the generic fatal-signal path of lib/netdev.c. */
void
signal_remove_xdp(struct netdev *netdev)
{
    struct xsk_port *port = netdev_xsk_port_of(netdev);

    if (port) {
        xsk_port_stop(port);
    }
}

/* Refuses, with a warning, an MTU larger than the port carries (jumbo
 * frames need descriptor chains: xsk_port_check_mtu()). */
int
netdev_afxdp_verify_mtu_size(const struct netdev *netdev, int mtu)
{
    return xsk_port_check_mtu(netdev_xsk_port_of(netdev), mtu, NULL);
}

char *
netdev_afxdp_get_config_error(const struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    char *msg;

    ovs_mutex_lock(&dev->mutex);
    msg = nullable_xstrdup(netdev_xsk_port_of(netdev)->steer_error);
    ovs_mutex_unlock(&dev->mutex);
    return msg;
}

int
netdev_afxdp_set_config(struct netdev *netdev, const struct smap *args,
                        char **errp)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    const char *name = netdev_get_name(netdev);
    int n_dev_rxq = xsk_if_n_rx_queues(XSK_SYSFS_NET, name);
    struct smap_node *node;
    unsigned int changes;
    struct xsk_kv *kv;
    char *msg = NULL;
    size_t n = 0;
    int error;

    kv = xmalloc((smap_count(args) + 1) * sizeof *kv);
    SMAP_FOR_EACH (node, args) {
        kv[n].key = node->key;
        kv[n].value = node->value;
        n++;
    }
    ovs_mutex_lock(&dev->mutex);
    error = xsk_port_request(dev->xsk_port, kv, n, n_dev_rxq, &changes, &msg);
    if (!error && changes & XSK_PORT_STEER_CHANGED) {
        netdev_change_seq_changed(netdev);
    }
    if (!error && changes & XSK_PORT_RESTART) {
        netdev_request_reconfigure(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    free(kv);

    if (error) {
        VLOG_WARN_BUF(errp, "%s: %s", name, msg);
        free(msg);
    }
    return error;
}

/* Adds 'key' and 'value' to the smap 'args' (xsk_report_status() and
 * xsk_report_config() call it for each pair). */
static void
netdev_xsk_smap_put(void *args, const char *key, const char *value)
{
    smap_add(args, key, value);
}

int
netdev_afxdp_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    xsk_report_config(dev->xsk_port, netdev_xsk_smap_put, args);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_reconfigure(struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *core = dev->xsk_port;
    int error;
    int mtu;

    if (netdev_get_mtu(netdev, &mtu)) {
        mtu = ETH_PAYLOAD_MAX;
    }

    ovs_mutex_lock(&dev->mutex);
    xsk_port_set_mtu(core, mtu);
    if (xsk_port_is_current(core)
        && netdev->n_rxq == core->requested.n_rxq) {
        goto out;
    }

    error = xsk_port_configure(core,
                               linux_get_ifindex(netdev_get_name(netdev)));
    /* Super-packets are cut at the smaller of the two ends' MTUs on a
     * veth; netdev_afxdp_run() follows the peer's later changes. */
    xsk_port_refresh_peer(core);
    /* OVS finishes in software the partial checksums of packets to a port
     * that does not say it takes them (ovs-patches/0006). */
    if (!error && core->tx_md) {
        netdev->ol_flags |= NETDEV_TX_OFFLOAD_TCP_CKSUM
                            | NETDEV_TX_OFFLOAD_UDP_CKSUM;
    } else {
        netdev->ol_flags &= ~(NETDEV_TX_OFFLOAD_TCP_CKSUM
                              | NETDEV_TX_OFFLOAD_UDP_CKSUM);
    }
    /* With userspace TSO on, the port sends TCP super-packets whole through
     * an AF_PACKET socket; without it OVS does not hand it TSO packets. */
    netdev->ol_flags &= ~NETDEV_TX_OFFLOAD_TCP_TSO;
    if (xsk_port_set_gso(core, !error && userspace_tso_enabled())) {
        netdev->ol_flags |= NETDEV_TX_OFFLOAD_TCP_TSO;
    }
    netdev->n_rxq = core->n_queues;
    netdev->n_txq = core->n_queues;
    netdev_change_seq_changed(netdev);

out:
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_rxq_construct(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_linux *rx = netdev_rxq_linux_cast(rxq_);

    /* Non-PMD ports wait on this fd (POLLIN when the RX ring has frames). */
    rx->fd = xsk_port_rx_fd(netdev_xsk_port_of(rxq_->netdev), rxq_->queue_id);
    return 0;
}

void
netdev_afxdp_rxq_destruct(struct netdev_rxq *rxq_ OVS_UNUSED)
{
}

/* Marks 'packet', whose TCP/UDP checksum is partial ('csum', XSK_RX_CSUM_*
 * bits), with OVS's checksum offload flags: the output port's kernel
 * finishes it (TX metadata), or OVS does where it needs the bytes whole. */
static void
netdev_xsk_rx_mark_csum(struct dp_packet *packet, uint32_t csum)
{
    if (csum & XSK_RX_CSUM_GSO) {
        dp_packet_hwol_set_tcp_seg(packet);
    }
    if (csum & XSK_RX_CSUM_TCP) {
        dp_packet_hwol_set_csum_tcp(packet);
    } else {
        dp_packet_hwol_set_csum_udp(packet);
    }
    if (csum & XSK_RX_CSUM_IPV6) {
        dp_packet_hwol_set_tx_ipv6(packet);
    } else {
        dp_packet_hwol_set_tx_ipv4(packet);
    }
}

/* Returns the dp_packet of received packet 'p': its frame's preallocated
 * packet (a jumbo slot's spans the slot), or a copy of malloc'd data, which
 * is freed. */
static struct dp_packet *
netdev_xsk_rx_packet(struct xsk_umem_pool *umem, const struct xsk_rx_pkt *p)
{
    struct dp_packet *packet;

    if (OVS_UNLIKELY(p->frame == XSK_RX_SUPER)) {
        /* A whole super-packet: its malloc'd buffer becomes the packet's
         * (at most 65535 bytes, as a dp_packet's size field allows). */
        uint32_t headroom = xsk_rx_super_headroom(p->len);

        packet = xmalloc(sizeof *packet);
        dp_packet_use(packet, p->data - headroom, headroom + p->len);
        dp_packet_reserve(packet, headroom);
        dp_packet_set_size(packet, p->len);
        netdev_xsk_rx_mark_csum(packet, p->csum);
        return packet;
    }
    if (OVS_UNLIKELY(p->frame == XSK_RX_HEAP)) {
        packet = dp_packet_clone_data_with_headroom(p->data, p->len,
                                                    XSK_RX_HEADROOM);
        free(p->data);
        if (p->csum) {
            netdev_xsk_rx_mark_csum(packet, p->csum);
        }
        return packet;
    }
    packet = &((struct netdev_xsk_packet *) umem->user)[p->frame].packet;
    dp_packet_use_afxdp(packet, p->data,
                        xsk_frame_in_slot(umem, p->frame)
                        ? xsk_slot_size(umem) : umem->key.frame_size,
                        (char *) p->data - xsk_frame_ptr(umem, p->frame));
    dp_packet_set_size(packet, p->len);
    if (p->csum) {
        netdev_xsk_rx_mark_csum(packet, p->csum);
    }
    return packet;
}

int
netdev_afxdp_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch,
                      int *qfill)
{
    struct xsk_port *port = netdev_xsk_port_of(rxq_->netdev);
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    uint32_t n;

    BUILD_ASSERT_DECL(XSK_RX_BURST == NETDEV_MAX_BURST);

    n = xsk_port_recv(port, rxq_->queue_id, userspace_tso_enabled(), pkts);
    if (!n) {
        return EAGAIN;
    }
    for (uint32_t i = 0; i < n; i++) {
        dp_packet_batch_add(batch, netdev_xsk_rx_packet(port->umem, &pkts[i]));
    }
    if (qfill) {
        *qfill = xsk_rxq_pending(&port->queues[rxq_->queue_id].rx);
    }
    return 0;
}

/* Fills in the checksum request of 'p' for 'packet', whose TCP/UDP
 * checksum is partial (an offload flag OVS lets through only to a port that
 * says it takes it).  A packet whose L4 header OVS has not located gets its
 * checksum finished here instead. */
static void
netdev_xsk_tx_csum_request(struct dp_packet *packet, struct xsk_tx_pkt *p)
{
    const char *l4 = dp_packet_l4(packet);
    ptrdiff_t start = l4 ? l4 - (const char *) dp_packet_data(packet) : 0;

    if (OVS_UNLIKELY(start <= 0 || start > UINT16_MAX)) {
        dp_packet_ol_finish_l4_csum(packet);
        return;
    }
    p->csum_start = start;
    p->csum_offset = dp_packet_hwol_l4_is_tcp(packet)
                     ? offsetof(struct tcp_header, tcp_csum)
                     : offsetof(struct udp_header, udp_csum);
}

/* Counts what xsk_port_send() dropped on 'netdev', and warns
 * (xsk_report_drops()) at a limited rate. */
static void
netdev_xsk_send_drops(const struct netdev *netdev,
                      const struct xsk_port_drops *d)
{
    char text[256];

    COVERAGE_ADD(afxdp_tx_too_big, d->too_big);
    COVERAGE_ADD(afxdp_tx_full, d->ring_full);
    COVERAGE_ADD(afxdp_tx_no_frame, d->no_frame);
    if (OVS_UNLIKELY(d->too_big || d->gso_failed) && !VLOG_DROP_WARN(&rl)
        && xsk_report_drops(d, text, sizeof text)) {
        VLOG_WARN("%s: %s", netdev_get_name(netdev), text);
    }
}

int
netdev_afxdp_batch_send(struct netdev *netdev, int qid,
                        struct dp_packet_batch *batch, bool concurrent_txq)
{
    struct xsk_port *core = netdev_xsk_port_of(netdev);
    struct xsk_tx_pkt pkts[NETDEV_MAX_BURST];
    struct xsk_port_drops drops;
    struct dp_packet *packet;
    uint32_t handed;

    BUILD_ASSERT_DECL(NETDEV_MAX_BURST <= XSK_TX_BURST);

    /* The port's UMEM does not change while OVS sends on it. */
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        const struct netdev_xsk_packet *xp
            = CONTAINER_OF(packet, struct netdev_xsk_packet, packet);

        pkts[i].data = dp_packet_data(packet);
        pkts[i].len = dp_packet_size(packet);
        pkts[i].frame = packet->source == DPBUF_AFXDP && xp->umem == core->umem
                        ? xp->frame : XSK_TX_COPY;
        pkts[i].csum_start = 0;
        pkts[i].gso = dp_packet_hwol_is_tso(packet);
        if (OVS_UNLIKELY(dp_packet_hwol_l4_mask(packet)) && !pkts[i].gso) {
            netdev_xsk_tx_csum_request(packet, &pkts[i]);
        }
    }
    handed = xsk_port_send(core, qid, concurrent_txq, pkts,
                           dp_packet_batch_size(batch), &drops);
    netdev_xsk_send_drops(netdev, &drops);

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        if (!(handed & (1u << i))) {
            dp_packet_delete(packet);
        }
    }
    dp_packet_batch_init(batch);
    return 0;
}

int
netdev_afxdp_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port_summary s;

    ovs_mutex_lock(&dev->mutex);
    xsk_port_summary(dev->xsk_port, &s);
    ovs_mutex_unlock(&dev->mutex);

    /* Fields left alone stay UINT64_MAX, "not counted", as netdev_get_stats()
     * set them: OVSDB then leaves them out instead of showing a 0 that is
     * not true (size buckets, multicast, collisions...). */
    stats->rx_packets = s.rx_packets;
    stats->rx_bytes = s.rx_bytes;
    stats->rx_dropped = s.rx_dropped;
    stats->rx_errors = s.rx_errors;
    stats->tx_packets = s.tx_packets;
    stats->tx_bytes = s.tx_bytes;
    stats->tx_dropped = s.tx_dropped;
    stats->tx_errors = s.tx_errors;
    return 0;
}

int
netdev_afxdp_get_custom_stats(const struct netdev *netdev,
                              struct netdev_custom_stats *custom_stats)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;
    struct xsk_counter *c;
    size_t n;

    BUILD_ASSERT_DECL(XSK_COUNTER_NAME_SIZE
                      == NETDEV_CUSTOM_STATS_NAME_SIZE);

    ovs_mutex_lock(&dev->mutex);
    c = xmalloc(xsk_port_max_counters(port) * sizeof *c);
    n = xsk_port_counters(port, c);
    ovs_mutex_unlock(&dev->mutex);

    custom_stats->counters = xcalloc(n, sizeof *custom_stats->counters);
    for (size_t i = 0; i < n; i++) {
        ovs_strlcpy(custom_stats->counters[i].name, c[i].name,
                    NETDEV_CUSTOM_STATS_NAME_SIZE);
        custom_stats->counters[i].value = c[i].value;
    }
    custom_stats->size = n;
    free(c);
    return 0;
}

int
netdev_afxdp_get_status(const struct netdev *netdev, struct smap *args)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    const struct xsk_port *core = netdev_xsk_port_of(netdev);

    ovs_mutex_lock(&dev->mutex);
    xsk_report_status(core, netdev_xsk_smap_put, args);
    xsk_report_offload(core, netdev_is_flow_api_enabled(),
                       netdev_xsk_smap_put, args);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* The flow API's one way to a port (netdev-xsk-offload.h). */
struct xsk_port_flows *
netdev_xsk_flows(const struct netdev *netdev)
{
    struct xsk_port *port;

    if (!netdev_xsk_is_afxdp(netdev)) {
        return NULL;
    }
    port = netdev_xsk_port_of(netdev);
    return port ? &port->flows : NULL;
}
