/*
 * Copyright (c) 2026 The ovs-xsk authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* OVS glue of the ovs-xsk AF_XDP provider.
 *
 * This is the only file of netdev/ that includes OVS headers.  It implements
 * the functions that lib/netdev-afxdp.h declares, which lib/netdev-linux.c
 * puts into the "afxdp" and "afxdp-nonpmd" classes (with the generic Linux
 * netdev functions for flags, MTU, addresses and the like), on top of the
 * OVS-independent core:
 *
 *     xsk-opts   option table and strict parsing     -> set_config()
 *     xsk-prog   the XDP program on the interface    -> reconfigure()
 *     xsk-umem   the shared frame pool               -> every path
 *     xsk-sock   one AF_XDP socket per queue         -> rxq_recv(), send()
 *     xsk-csum   partial checksum completion         -> rxq_recv()
 *
 * Packets and frames
 * ------------------
 *
 * Every UMEM frame has a preallocated 'struct xsk_packet' (index = frame
 * number), a dp_packet with source DPBUF_AFXDP whose buffer is the whole
 * frame.  rxq_recv() hands these to OVS; free_afxdp_buf() returns the frame
 * to the freeing thread's cache.  send() puts a packet whose frame belongs
 * to the port's UMEM on the TX ring as it is (the frame goes back to the
 * pool from the completion ring) and copies any other packet into a free
 * frame.
 *
 * Threads
 * -------
 *
 * Configuration runs in the main thread under 'dev->mutex'; dpif-netdev
 * stops polling and sending on a port while it reconfigures or destroys it.
 * Each rxq is polled by one thread.  A TX queue may be shared by several
 * threads (concurrent_txq); its spinlock then guards the TX and completion
 * rings. */

#include <config.h>

#include "netdev-afxdp.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-packet.h"
#include "fatal-signal.h"
#include "netdev-linux.h"
#include "netdev-linux-private.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

#include "xsk-csum.h"
#include "xsk-opts.h"
#include "xsk-prog.h"
#include "xsk-sock.h"
#include "xsk-umem.h"

VLOG_DEFINE_THIS_MODULE(netdev_xsk);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

COVERAGE_DEFINE(afxdp_tx_full);
COVERAGE_DEFINE(afxdp_tx_no_frame);
COVERAGE_DEFINE(afxdp_tx_too_big);

/* Per-frame metadata: the dp_packet OVS sees for a frame. */
struct xsk_packet {
    struct dp_packet packet;
    struct xsk_umem *umem;
    uint32_t frame;
};

/* One queue of a port: its socket and TX lock.  The counters are written
 * by the rxq's thread (rx_*) or the sender holding 'tx_lock' (tx_*). */
struct xsk_queue {
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline0,
        struct ovs_spin tx_lock;
        struct xsk_sock *sock;
        uint64_t rx_bytes;
        uint64_t rx_csum_fixed;
    );
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline1,
        uint64_t tx_bytes;
        uint64_t tx_dropped;
        uint64_t tx_zero_copy;
        uint64_t tx_copied;
    );
};

/* Provider state of one afxdp port (dev->xsk_port). */
struct xsk_port {
    struct ovs_list node;               /* In 'xsk_ports'. */
    struct netdev_linux *dev;

    /* Under dev->mutex. */
    struct xsk_opts requested;          /* From set_config(). */
    struct xsk_opts opts;               /* In effect. */
    bool configured;                    /* reconfigure() has run. */
    enum xsk_mode mode_in_use;
    char *error;                        /* Why the last set-up failed. */
    int ifindex;
    struct xsk_prog *prog;
    struct xsk_umem *umem;
    int n_queues;
    struct xsk_queue *queues;
};

/* All afxdp ports, for afxdp/show and the fatal-signal hook. */
static struct ovs_mutex xsk_ports_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list xsk_ports OVS_GUARDED_BY(xsk_ports_mutex)
    = OVS_LIST_INITIALIZER(&xsk_ports);

static void xsk_port_teardown(struct xsk_port *);

static struct xsk_port *
xsk_port_of(const struct netdev *netdev)
{
    return netdev_linux_cast(netdev)->xsk_port;
}

/* Frees the frame of an AF_XDP packet; OVS calls this for DPBUF_AFXDP
 * packets from any thread. */
void
free_afxdp_buf(struct dp_packet *p)
{
    struct xsk_packet *xp = CONTAINER_OF(p, struct xsk_packet, packet);

    xsk_frame_packet_free(xsk_tcache_get(xp->umem), xp->frame);
}

static void
free_packet_meta(void *meta)
{
    free_cacheline(meta);
}

/* Returns the UMEM for 'key', creating it and its packet metadata if
 * needed. */
static int
get_umem(const struct xsk_umem_key *key, struct xsk_umem **umemp)
{
    struct xsk_packet *meta;
    struct xsk_umem *umem;
    int error;

    umem = xsk_umem_find(key);
    if (umem) {
        *umemp = umem;
        return 0;
    }
    error = xsk_umem_create(key, &umem);
    if (error) {
        return error;
    }
    meta = xzalloc_cacheline(key->n_frames * sizeof *meta);
    for (uint32_t i = 0; i < key->n_frames; i++) {
        meta[i].umem = umem;
        meta[i].frame = i;
        meta[i].packet.source = DPBUF_AFXDP;
    }
    umem->user = meta;
    umem->user_free = free_packet_meta;
    VLOG_INFO("created UMEM %u: %u frames of %u bytes (%s)", umem->id,
              key->n_frames, key->frame_size,
              key->bind_flags & XDP_ZEROCOPY ? "zero-copy" : "copy");
    *umemp = umem;
    return 0;
}

/* Fatal signal or exit: take our XDP programs off every interface. */
static void
xsk_fatal_hook(void *aux OVS_UNUSED)
{
    struct xsk_port *port;

    ovs_mutex_lock(&xsk_ports_mutex);
    LIST_FOR_EACH (port, node, &xsk_ports) {
        xsk_prog_detach(port->prog);
        port->prog = NULL;
    }
    ovs_mutex_unlock(&xsk_ports_mutex);
}

static const char *
place_names[] = { "pool", "cache", "fill", "rx", "packets", "tx",
                  "completion" };

static void
show_umem(struct xsk_umem *umem, void *ds_)
{
    struct ds *ds = ds_;
    struct xsk_places p;
    struct xsk_port *port;
    uint64_t counts[7];
    bool ok = false;

    /* Counts taken under traffic can be off by frames in motion; a quiet
     * datapath gives the same answer every time. */
    for (int i = 0; i < 3 && !ok; i++) {
        ok = xsk_umem_account(umem, &p);
        if (!ok) {
            xnanosleep(1000 * 1000);
        }
    }
    counts[0] = p.pool;
    counts[1] = p.cache;
    counts[2] = p.fill;
    counts[3] = p.rx;
    counts[4] = p.packets;
    counts[5] = p.tx;
    counts[6] = p.comp;

    ds_put_format(ds, "umem %u: frames=%u frame-size=%u", umem->id,
                  umem->key.n_frames, umem->key.frame_size);
    for (int i = 0; i < 7; i++) {
        ds_put_format(ds, " %s=%"PRIu64, place_names[i], counts[i]);
    }
    ds_put_format(ds, " bad-frees=%"PRIu64" accounted=%s\n",
                  umem->bad_frees, ok ? "yes" : "no");

    LIST_FOR_EACH (port, node, &xsk_ports) {
        for (int q = 0; q < port->n_queues; q++) {
            struct xsk_sock *s = port->queues[q].sock;

            if (s && s->umem == umem) {
                ds_put_format(ds, "  %s queue %u: mode=%s %s rx=%"PRIu64
                              " tx=%"PRIu64"\n",
                              netdev_get_name(&port->dev->up), s->queue_id,
                              xsk_mode_name(port->mode_in_use),
                              s->zerocopy ? "zero-copy" : "copy",
                              s->stats.rx_packets, s->stats.tx_packets);
            }
        }
    }
}

/* "afxdp/show": every UMEM, where its frames are, and who uses it. */
static void
xsk_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    ovs_mutex_lock(&xsk_ports_mutex);
    xsk_umem_foreach(show_umem, &ds);
    ovs_mutex_unlock(&xsk_ports_mutex);
    if (!ds.length) {
        ds_put_cstr(&ds, "no UMEM\n");
    }
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

int
netdev_afxdp_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        fatal_signal_add_hook(xsk_fatal_hook, NULL, NULL, true);
        unixctl_command_register("afxdp/show", "", 0, 0, xsk_unixctl_show,
                                 NULL);
        ovsthread_once_done(&once);
    }
    return 0;
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
    port->dev = dev;
    xsk_opts_init(&port->requested);
    port->opts = port->requested;
    dev->xsk_port = port;

    ovs_mutex_lock(&xsk_ports_mutex);
    ovs_list_push_back(&xsk_ports, &port->node);
    ovs_mutex_unlock(&xsk_ports_mutex);

    netdev_request_reconfigure(netdev);
    return 0;
}

void
netdev_afxdp_destruct(struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;

    ovs_mutex_lock(&xsk_ports_mutex);
    ovs_list_remove(&port->node);
    ovs_mutex_unlock(&xsk_ports_mutex);

    xsk_port_teardown(port);
    free(port->error);
    free(port);
    dev->xsk_port = NULL;
    ovs_mutex_destroy(&dev->mutex);
}

/* Called by the generic fatal-signal path of lib/netdev.c. */
void
signal_remove_xdp(struct netdev *netdev)
{
    struct xsk_port *port = xsk_port_of(netdev);

    if (port) {
        xsk_prog_detach(port->prog);
        port->prog = NULL;
    }
}

/* The largest frame a port receives in one buffer: the kernel puts packet
 * data XDP_PACKET_HEADROOM (256) bytes into the frame. */
static int
max_frame_len(const struct xsk_opts *opts)
{
    return opts->frame_size - 256;
}

int
netdev_afxdp_verify_mtu_size(const struct netdev *netdev, int mtu)
{
    struct xsk_port *port = xsk_port_of(netdev);
    int max_mtu = max_frame_len(&port->requested) - VLAN_ETH_HEADER_LEN;

    if (mtu > max_mtu) {
        VLOG_WARN("%s: MTU %d is too large for frame-size %u: at most %d",
                  netdev_get_name(netdev), mtu, port->requested.frame_size,
                  max_mtu);
        return EINVAL;
    }
    return 0;
}

/* Returns how many RX queues the interface 'name' has, or 0 if unknown. */
static int
count_rx_queues(const char *name)
{
    char path[128];
    int n;

    for (n = 0; n < 1024; n++) {
        snprintf(path, sizeof path, "/sys/class/net/%s/queues/rx-%d", name,
                 n);
        if (access(path, F_OK)) {
            break;
        }
    }
    return n;
}

int
netdev_afxdp_set_config(struct netdev *netdev, const struct smap *args,
                        char **errp)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;
    const char *name = netdev_get_name(netdev);
    struct smap_node *node;
    struct xsk_opts opts;
    struct xsk_kv *kv;
    char *msg = NULL;
    size_t n = 0;
    int n_dev_rxq;
    int error;

    kv = xmalloc((smap_count(args) + 1) * sizeof *kv);
    SMAP_FOR_EACH (node, args) {
        kv[n].key = node->key;
        kv[n].value = node->value;
        n++;
    }
    error = xsk_opts_parse(kv, n, &opts, &msg);
    free(kv);

    if (!error) {
        n_dev_rxq = count_rx_queues(name);
        if (n_dev_rxq && opts.start_queue + opts.n_rxq > n_dev_rxq) {
            msg = xasprintf("'start-queue' %d + 'n_rxq' %d needs more than "
                            "the %d RX queue(s) of the interface",
                            opts.start_queue, opts.n_rxq, n_dev_rxq);
            error = EINVAL;
        }
    }
    if (error) {
        VLOG_WARN_BUF(errp, "%s: %s", name, msg);
        free(msg);
        return error;
    }

    if (opts.n_rxq > 1 && opts.mode == XSK_MODE_GENERIC) {
        VLOG_WARN("%s: 'n_rxq' %d in generic mode: on veth, generic XDP "
                  "reports wrong queue numbers; use xdp-mode=native",
                  name, opts.n_rxq);
    }

    ovs_mutex_lock(&dev->mutex);
    if (!xsk_opts_equal(&opts, &port->requested)) {
        port->requested = opts;
        netdev_request_reconfigure(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;

    ovs_mutex_lock(&dev->mutex);
    smap_add_format(args, "n_rxq", "%d", port->opts.n_rxq);
    smap_add(args, "xdp-mode", xsk_mode_name(port->opts.mode));
    smap_add(args, "xdp-mode-in-use", xsk_mode_name(port->mode_in_use));
    smap_add(args, "use-need-wakeup",
             port->opts.need_wakeup ? "true" : "false");
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Takes the port off its interface: map entries, program, sockets.  The
 * sockets' frames go back to the pool. */
static void
xsk_port_teardown(struct xsk_port *port)
{
    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_queue *q = &port->queues[i];

        if (q->sock && port->prog) {
            xsk_prog_clear_queue(port->prog, q->sock->queue_id);
        }
    }
    if (port->prog) {
        xsk_prog_detach(port->prog);
        port->prog = NULL;
    }
    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_queue *q = &port->queues[i];

        xsk_sock_destroy(q->sock);
        ovs_spin_destroy(&q->tx_lock);
    }
    free_cacheline(port->queues);
    port->queues = NULL;
    port->n_queues = 0;
    port->umem = NULL;
}

/* Sets the port up in 'mode': program, UMEM, one socket per queue.  On
 * failure returns a positive errno with a reason in '*errp', and the caller
 * tears down what was done. */
static int
xsk_port_setup(struct xsk_port *port, enum xsk_mode mode, char **errp)
{
    const struct xsk_opts *o = &port->requested;
    struct xsk_umem_key key;
    int error;

    error = xsk_prog_attach(port->ifindex, mode == XSK_MODE_GENERIC,
                            &port->prog, errp);
    if (error) {
        return error;
    }
    if (port->prog->replaced_stale) {
        VLOG_INFO("%s: replaced a stale ovs-xsk XDP program",
                  netdev_get_name(&port->dev->up));
    }

    memset(&key, 0, sizeof key);
    key.frame_size = o->frame_size;
    key.n_frames = o->umem_frames;
    key.bind_flags = (mode == XSK_MODE_NATIVE_ZC ? XDP_ZEROCOPY : XDP_COPY)
                     | (o->need_wakeup ? XDP_USE_NEED_WAKEUP : 0);
    error = get_umem(&key, &port->umem);
    if (error) {
        *errp = xasprintf("cannot create a UMEM of %u frames: %s",
                          key.n_frames, ovs_strerror(error));
        return error;
    }

    port->n_queues = o->n_rxq;
    port->queues = xzalloc_cacheline(o->n_rxq * sizeof *port->queues);
    for (int i = 0; i < o->n_rxq; i++) {
        ovs_spin_init(&port->queues[i].tx_lock);
    }
    for (int i = 0; i < o->n_rxq; i++) {
        struct xsk_queue *q = &port->queues[i];
        struct xsk_sock_cfg cfg = {
            .ifindex = port->ifindex,
            .queue_id = o->start_queue + i,
            .rx_size = o->rx_ring,
            .tx_size = o->tx_ring,
        };

        error = xsk_sock_create(port->umem, &cfg, &q->sock, errp);
        if (error) {
            return error;
        }
        /* Fill now: a non-PMD port is polled only when its fd says that
         * packets arrived, which needs frames on the fill ring. */
        xsk_sock_refill(q->sock, xsk_tcache_get(port->umem));
        error = xsk_prog_set_queue(port->prog, cfg.queue_id, q->sock->fd);
        if (error) {
            *errp = xasprintf("cannot add queue %u to the XSKMAP: %s",
                              cfg.queue_id, ovs_strerror(error));
            return error;
        }
    }
    return 0;
}

int
netdev_afxdp_reconfigure(struct netdev *netdev)
{
    static const enum xsk_mode best_effort[] = {
        XSK_MODE_NATIVE_ZC, XSK_MODE_NATIVE, XSK_MODE_GENERIC,
    };
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;
    const char *name = netdev_get_name(netdev);
    const enum xsk_mode *modes;
    size_t n_modes;
    char *msg = NULL;
    int error = 0;

    ovs_mutex_lock(&dev->mutex);
    if (port->configured && !port->error
        && xsk_opts_equal(&port->requested, &port->opts)
        && netdev->n_rxq == port->requested.n_rxq) {
        goto out;
    }

    xsk_port_teardown(port);
    free(port->error);
    port->error = NULL;

    if (port->requested.mode == XSK_MODE_BEST_EFFORT) {
        modes = best_effort;
        n_modes = ARRAY_SIZE(best_effort);
    } else {
        modes = &port->requested.mode;
        n_modes = 1;
    }

    port->ifindex = linux_get_ifindex(name);
    if (port->ifindex < 0) {
        error = -port->ifindex;
        msg = xasprintf("cannot find the interface: %s", ovs_strerror(error));
        n_modes = 0;
    }
    for (size_t i = 0; i < n_modes; i++) {
        free(msg);
        msg = NULL;
        error = xsk_port_setup(port, modes[i], &msg);
        if (!error) {
            port->mode_in_use = modes[i];
            break;
        }
        VLOG_DBG("%s: %s mode failed: %s", name, xsk_mode_name(modes[i]),
                 msg ? msg : ovs_strerror(error));
        xsk_port_teardown(port);
    }

    port->opts = port->requested;
    port->configured = true;
    if (error) {
        /* Keep the port, without sockets, so that OVS does not delete and
         * re-add it in a loop; status and the log say why. */
        port->error = msg ? msg : xstrdup(ovs_strerror(error));
        msg = NULL;
        VLOG_WARN("%s: AF_XDP set-up failed: %s", name, port->error);
        port->n_queues = port->requested.n_rxq;
        port->queues = xzalloc_cacheline(port->n_queues
                                         * sizeof *port->queues);
        for (int i = 0; i < port->n_queues; i++) {
            ovs_spin_init(&port->queues[i].tx_lock);
        }
    } else {
        VLOG_INFO("%s: %d queue(s) from %d in %s mode (%s), UMEM %u",
                  name, port->n_queues, port->opts.start_queue,
                  xsk_mode_name(port->mode_in_use),
                  port->queues[0].sock->zerocopy ? "zero-copy" : "copy",
                  port->umem->id);
    }
    free(msg);
    netdev->n_rxq = port->n_queues;
    netdev->n_txq = port->n_queues;
    netdev_change_seq_changed(netdev);

out:
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_rxq_construct(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_linux *rx = netdev_rxq_linux_cast(rxq_);
    struct xsk_port *port = xsk_port_of(rxq_->netdev);
    struct xsk_sock *sock = NULL;

    if (rxq_->queue_id < port->n_queues) {
        sock = port->queues[rxq_->queue_id].sock;
    }
    /* Non-PMD ports wait on this fd (POLLIN when the RX ring has frames). */
    rx->fd = sock ? sock->fd : -1;
    return 0;
}

void
netdev_afxdp_rxq_destruct(struct netdev_rxq *rxq_ OVS_UNUSED)
{
}

int
netdev_afxdp_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch,
                      int *qfill)
{
    struct xsk_port *port = xsk_port_of(rxq_->netdev);
    struct xdp_desc descs[NETDEV_MAX_BURST];
    struct xsk_packet *meta;
    struct xsk_tcache *tc;
    struct xsk_queue *q;
    struct xsk_sock *sock;
    struct xsk_umem *umem;
    uint32_t n;

    q = &port->queues[rxq_->queue_id];
    sock = q->sock;
    if (OVS_UNLIKELY(!sock)) {
        return EAGAIN;
    }
    umem = sock->umem;
    tc = xsk_tcache_get(umem);

    xsk_sock_refill(sock, tc);
    n = xsk_sock_rx_burst(sock, descs, NETDEV_MAX_BURST);
    if (!n) {
        xsk_sock_rx_wakeup(sock);
        return EAGAIN;
    }

    meta = umem->user;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t frame = xsk_addr_to_frame(umem, descs[i].addr);
        char *frame_ptr = xsk_frame_ptr(umem, frame);
        char *data = umem->base + descs[i].addr;
        struct dp_packet *packet = &meta[frame].packet;

        if (i + 1 < n) {
            OVS_PREFETCH(&meta[xsk_addr_to_frame(umem, descs[i + 1].addr)]);
        }
        dp_packet_use_afxdp(packet, data, umem->key.frame_size,
                            data - frame_ptr);
        dp_packet_set_size(packet, descs[i].len);
        if (port->opts.csum_fix
            && xsk_csum_fix_partial((uint8_t *) data, descs[i].len)) {
            q->rx_csum_fixed++;
        }
        q->rx_bytes += descs[i].len;
        xsk_frame_to_packet(tc, frame);
        dp_packet_batch_add(batch, packet);
    }

    if (qfill) {
        *qfill = xsk_sock_rx_pending(sock);
    }
    return 0;
}

/* Puts the packets of 'batch' on 'q''s TX ring.  Returns a bitmap of the
 * packets whose frames went on the ring as they are (zero-copy): those are
 * no longer the caller's to free. */
static uint32_t
xsk_queue_send(struct xsk_queue *q, struct dp_packet_batch *batch)
{
    struct xsk_sock *sock = q->sock;
    struct xsk_umem *umem = sock->umem;
    struct xsk_tcache *tc = xsk_tcache_get(umem);
    uint32_t max_len = umem->key.frame_size;
    uint32_t reserved, used = 0, idx;
    struct dp_packet *packet;
    uint32_t handed = 0;

    BUILD_ASSERT_DECL(NETDEV_MAX_BURST <= 32);

    xsk_sock_complete(sock, tc);
    reserved = xsk_sock_tx_reserve(sock, dp_packet_batch_size(batch), &idx);

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t size = dp_packet_size(packet);
        char *data = dp_packet_data(packet);
        struct xdp_desc *desc;
        uint32_t frame;

        if (used == reserved) {
            COVERAGE_INC(afxdp_tx_full);
            q->tx_dropped++;
            continue;
        }
        desc = xsk_sock_tx_desc(sock, idx + used);

        if (packet->source == DPBUF_AFXDP) {
            struct xsk_packet *xp = CONTAINER_OF(packet, struct xsk_packet,
                                                 packet);

            if (xp->umem == umem
                && xsk_frame_packet_to_tx(tc, xp->frame,
                                          sock->slot)) {
                desc->addr = data - umem->base;
                desc->len = size;
                desc->options = 0;
                used++;
                handed |= 1u << i;
                q->tx_zero_copy++;
                q->tx_bytes += size;
                continue;
            }
        }

        if (OVS_UNLIKELY(size > max_len)) {
            COVERAGE_INC(afxdp_tx_too_big);
            VLOG_WARN_RL(&rl, "dropping a %"PRIu32"-byte packet: larger than "
                         "a %"PRIu32"-byte frame", size, max_len);
            q->tx_dropped++;
            continue;
        }
        if (OVS_UNLIKELY(!xsk_frames_get(tc, &frame, 1,
                                         XSK_OWNER_TX(sock->slot)))) {
            COVERAGE_INC(afxdp_tx_no_frame);
            q->tx_dropped++;
            continue;
        }
        memcpy(xsk_frame_ptr(umem, frame), data, size);
        desc->addr = xsk_frame_to_addr(umem, frame);
        desc->len = size;
        desc->options = 0;
        used++;
        q->tx_copied++;
        q->tx_bytes += size;
    }

    xsk_sock_tx_submit(sock, reserved, used);
    xsk_sock_kick(sock);
    return handed;
}

int
netdev_afxdp_batch_send(struct netdev *netdev, int qid,
                        struct dp_packet_batch *batch, bool concurrent_txq)
{
    struct xsk_port *port = xsk_port_of(netdev);
    struct dp_packet *packet;
    uint32_t handed = 0;
    struct xsk_queue *q;

    if (OVS_UNLIKELY(!port->n_queues)) {
        dp_packet_delete_batch(batch, true);
        return 0;
    }
    q = &port->queues[qid % port->n_queues];

    if (concurrent_txq) {
        ovs_spin_lock(&q->tx_lock);
    }
    if (OVS_LIKELY(q->sock)) {
        handed = xsk_queue_send(q, batch);
    } else {
        q->tx_dropped += dp_packet_batch_size(batch);
    }
    if (concurrent_txq) {
        ovs_spin_unlock(&q->tx_lock);
    }

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
    struct xsk_port *port = dev->xsk_port;

    ovs_mutex_lock(&dev->mutex);
    memset(stats, 0, sizeof *stats);
    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_queue *q = &port->queues[i];
        struct xdp_statistics xs;

        stats->tx_bytes += q->tx_bytes;
        stats->tx_dropped += q->tx_dropped;
        stats->rx_bytes += q->rx_bytes;
        if (q->sock) {
            stats->rx_packets += q->sock->stats.rx_packets;
            stats->tx_packets += q->sock->stats.tx_packets;
            stats->tx_dropped += q->sock->stats.tx_busy;
            if (!xsk_sock_get_xdp_stats(q->sock, &xs)) {
                stats->rx_dropped += xs.rx_dropped + xs.rx_ring_full;
                stats->rx_errors += xs.rx_invalid_descs;
                stats->tx_errors += xs.tx_invalid_descs;
            }
        }
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_get_custom_stats(const struct netdev *netdev,
                              struct netdev_custom_stats *custom_stats)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;
    uint64_t zc = 0, copied = 0, fixed = 0, busy = 0, full = 0, empty = 0;
    struct netdev_custom_counter *c;
    size_t n = 0;

    ovs_mutex_lock(&dev->mutex);
    custom_stats->counters = xcalloc(6 + 6 * port->n_queues,
                                     sizeof *custom_stats->counters);
    c = custom_stats->counters;

#define XSK_COUNTER(VALUE, ...)                                         \
    do {                                                                \
        snprintf(c[n].name, NETDEV_CUSTOM_STATS_NAME_SIZE, __VA_ARGS__); \
        c[n].value = (VALUE);                                           \
        n++;                                                            \
    } while (0)

    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_queue *q = &port->queues[i];
        struct xdp_statistics xs;

        zc += q->tx_zero_copy;
        copied += q->tx_copied;
        fixed += q->rx_csum_fixed;
        if (!q->sock || xsk_sock_get_xdp_stats(q->sock, &xs)) {
            continue;
        }
        busy += q->sock->stats.tx_busy;
        full += q->sock->stats.tx_ring_full;
        empty += q->sock->stats.fill_empty;
        XSK_COUNTER(xs.rx_dropped, "xsk_queue_%d_rx_dropped", i);
        XSK_COUNTER(xs.rx_invalid_descs, "xsk_queue_%d_rx_invalid_descs", i);
        XSK_COUNTER(xs.tx_invalid_descs, "xsk_queue_%d_tx_invalid_descs", i);
        XSK_COUNTER(xs.rx_ring_full, "xsk_queue_%d_rx_ring_full", i);
        XSK_COUNTER(xs.rx_fill_ring_empty_descs,
                    "xsk_queue_%d_rx_fill_ring_empty_descs", i);
        XSK_COUNTER(q->sock->stats.rx_packets, "xsk_queue_%d_rx_packets", i);
    }
    XSK_COUNTER(zc, "tx_zero_copy_packets");
    XSK_COUNTER(copied, "tx_copied_packets");
    XSK_COUNTER(fixed, "rx_checksum_fixed");
    XSK_COUNTER(busy, "tx_busy_drops");
    XSK_COUNTER(full, "tx_ring_full_drops");
    XSK_COUNTER(empty, "fill_ring_starved");
#undef XSK_COUNTER

    custom_stats->size = n;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_afxdp_get_status(const struct netdev *netdev, struct smap *args)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct xsk_port *port = dev->xsk_port;
    const struct xsk_opts *o = &port->opts;

    ovs_mutex_lock(&dev->mutex);
    smap_add(args, "xdp-mode", xsk_mode_name(o->mode));
    if (port->error) {
        smap_add(args, "xdp-mode-in-use", "none");
        smap_add(args, "afxdp-error", port->error);
    } else if (port->n_queues && port->queues[0].sock) {
        struct xsk_sock *s = port->queues[0].sock;

        smap_add(args, "xdp-mode-in-use", xsk_mode_name(port->mode_in_use));
        smap_add(args, "zero-copy", s->zerocopy ? "true" : "false");
        smap_add_format(args, "xdp-prog-id", "%u",
                        port->prog ? port->prog->id : 0);
        smap_add_format(args, "umem", "%u", port->umem->id);
        smap_add_format(args, "umem-frames", "%u", port->umem->key.n_frames);
    }
    smap_add_format(args, "n_rxq", "%d", port->n_queues);
    smap_add_format(args, "start-queue", "%d", o->start_queue);
    smap_add_format(args, "frame-size", "%u", o->frame_size);
    smap_add_format(args, "n_rxq_desc", "%u", o->rx_ring);
    smap_add_format(args, "n_txq_desc", "%u", o->tx_ring);
    smap_add_format(args, "max-frame-len", "%d", max_frame_len(o));
    smap_add(args, "rx-checksum-fix", o->csum_fix ? "true" : "false");
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}
