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
 *     xsk-flow   offloaded flows (each port's table) -> netdev-xsk-offload.c
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
#include "netdev-xsk-offload.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-packet.h"
#include "fatal-signal.h"
#include "netdev-linux.h"
#include "netdev-linux-private.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

#include "xsk-csum.h"
#include "xsk-flow.h"
#include "xsk-gso.h"
#include "xsk-opts.h"
#include "xsk-prog.h"
#include "xsk-sock.h"
#include "xsk-steer.h"
#include "xsk-umem.h"

VLOG_DEFINE_THIS_MODULE(netdev_xsk);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

COVERAGE_DEFINE(afxdp_tx_full);
COVERAGE_DEFINE(afxdp_tx_no_frame);
COVERAGE_DEFINE(afxdp_tx_too_big);
COVERAGE_DEFINE(afxdp_rx_no_slot);

/* Per-frame metadata: the dp_packet OVS sees for a frame. */
struct xsk_packet {
    struct dp_packet packet;
    struct xsk_umem *umem;
    uint32_t frame;
};

/* Packets received but not yet handed to OVS: the segments of a TCP
 * super-packet that did not fit in one batch.  More than the segments of a
 * 64 KB packet at the smallest MTU a segment can carry usefully. */
#define XSK_STASH_SIZE 64

/* Largest packet a descriptor chain can carry: the kernel chains at most 18
 * (MAX_SKB_FRAGS + 1) buffers of at most 4096 bytes. */
#define XSK_MAX_CHAIN_LEN (18 * 4096)

/* One queue of a port: its socket and TX lock.  The counters are written
 * by the rxq's thread (rx_*, 'stash', 'linear') or the sender holding
 * 'tx_lock' (tx_*). */
struct xsk_queue {
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline0,
        struct ovs_spin tx_lock;
        struct xsk_sock *sock;
        uint64_t rx_packets;
        uint64_t rx_bytes;
        uint64_t rx_csum_fixed;
        uint64_t rx_chains;             /* Multi-buffer packets received. */
        uint64_t rx_gso_segments;       /* Segments cut from them. */
        uint64_t rx_dropped;            /* Chains we could not deliver. */
        uint32_t stash_pos;
        uint32_t stash_n;
    );
    struct dp_packet *stash[XSK_STASH_SIZE];
    uint8_t *linear;                    /* XSK_MAX_CHAIN_LEN bytes, for
                                         * joining a chain's buffers. */
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline1,
        uint64_t tx_packets;
        uint64_t tx_bytes;
        uint64_t tx_dropped;
        uint64_t tx_zero_copy;
        uint64_t tx_copied;
        uint64_t tx_zero_copy_chains;   /* Jumbo slots sent as chains. */
        uint64_t tx_copied_chains;      /* Packets copied into a chain. */
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
    bool sg;                            /* Sockets take and send chains. */
    bool sg_refused;                    /* The kernel refused XDP_USE_SG. */
    int mtu;                            /* Of the interface, for cutting
                                         * TCP super-packets. */
    char *error;                        /* Why the last set-up failed. */
    struct xsk_steer steer;             /* Steering rules in force (in
                                         * 'prog' whenever it is set). */
    char *steer_error;                  /* Why the last rules given were
                                         * refused, or NULL. */
    int ifindex;
    struct xsk_prog *prog;
    struct xsk_umem *umem;
    bool umem_created;                  /* By the set-up in progress. */
    int n_queues;
    struct xsk_queue *queues;

    /* Offloaded flows: written by the flow API from dpif-netdev's offload
     * thread, attached to 'prog' by set-up and detached by teardown, all
     * under 'flow_mutex' (taken after dev->mutex, never before). */
    struct ovs_mutex flow_mutex;
    struct xsk_flow_table *flows OVS_GUARDED_BY(flow_mutex);
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
 * needed ('*created' says so). */
static int
get_umem(const struct xsk_umem_key *key, struct xsk_umem **umemp,
         bool *created)
{
    struct xsk_packet *meta;
    struct xsk_umem *umem;
    int error;

    *created = false;
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
    *created = true;
    VLOG_DBG("created UMEM %u: %u frames of %u bytes (%s)", umem->id,
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
                  "completion", "slots" };

static void
show_umem(struct xsk_umem *umem, void *ds_)
{
    struct ds *ds = ds_;
    struct xsk_places p;
    struct xsk_port *port;
    uint64_t counts[8];
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
    counts[7] = p.slots;

    ds_put_format(ds, "umem %u: frames=%u frame-size=%u jumbo-slots=%u",
                  umem->id, umem->key.n_frames, umem->key.frame_size,
                  umem->n_slots);
    for (int i = 0; i < 8; i++) {
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
                              port->queues[q].rx_packets,
                              port->queues[q].tx_packets);
            }
        }
    }
}

/* Appends 'port''s steering rules and their hits to 'ds'. */
static void
show_steer(const struct xsk_port *port, struct ds *ds)
{
    const struct xsk_steer *st = &port->steer;
    uint64_t hits[XSK_STEER_N_COUNTS];
    bool counted;

    if (st->mode == XSK_STEER_ALL && !port->steer_error) {
        return;
    }
    counted = port->prog && !xsk_prog_steer_counts(port->prog, hits);
    ds_put_format(ds, "port %s: xdp-steer-mode=%s rules=%u",
                  netdev_get_name(&port->dev->up),
                  xsk_steer_mode_name(st->mode), st->n_rules);
    if (counted) {
        ds_put_format(ds, " to-host=%"PRIu64, hits[XSK_STEER_TO_HOST]);
    }
    ds_put_char(ds, '\n');
    for (uint32_t i = 0; i < st->n_rules; i++) {
        ds_put_format(ds, "  rule %u '%s'", i, st->rules[i].text);
        if (counted) {
            ds_put_format(ds, ": packets=%"PRIu64, hits[i]);
        }
        ds_put_char(ds, '\n');
    }
    if (port->steer_error) {
        ds_put_format(ds, "  refused: %s\n", port->steer_error);
    }
}

/* Appends the size of 'port''s offloaded-flow table to 'ds'. */
static void
show_flows(struct xsk_port *port, struct ds *ds)
{
    ovs_mutex_lock(&port->flow_mutex);
    if (port->flows->n_rules) {
        ds_put_format(ds, "port %s: %"PRIu32" offloaded flow(s), %"PRIu32
                      " mask(s), %"PRIu64" offloaded since start\n",
                      netdev_get_name(&port->dev->up), port->flows->n_rules,
                      port->flows->n_masks
                      - xsk_flow_n_empty_masks(port->flows),
                      port->flows->n_puts);
    }
    ovs_mutex_unlock(&port->flow_mutex);
}

/* "afxdp/show": every UMEM, where its frames are, and who uses it; then the
 * steering rules and offloaded flows of the ports that have some. */
static void
xsk_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    struct xsk_port *port;

    ovs_mutex_lock(&xsk_ports_mutex);
    xsk_umem_foreach(show_umem, &ds);
    LIST_FOR_EACH (port, node, &xsk_ports) {
        show_steer(port, &ds);
        show_flows(port, &ds);
    }
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
        netdev_register_flow_api_provider(&netdev_xsk_offload);
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
    xsk_steer_init(&port->steer);
    ovs_mutex_init(&port->flow_mutex);
    port->flows = xmalloc(sizeof *port->flows);
    xsk_flow_table_init(port->flows);
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
    if (port->ifindex > 0) {
        netdev_xsk_purge_output(port->ifindex);
    }
    xsk_flow_table_destroy(port->flows);
    free(port->flows);
    ovs_mutex_destroy(&port->flow_mutex);
    free(port->error);
    free(port->steer_error);
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

/* Where the kernel puts received data in a frame (XDP_PACKET_HEADROOM),
 * and so the headroom of every packet the provider builds in a frame. */
#define XSK_RX_HEADROOM 256

/* The largest frame a port receives in one buffer. */
static int
max_frame_len(const struct xsk_opts *opts)
{
    return opts->frame_size - XSK_RX_HEADROOM;
}

/* The largest MTU a port carries: jumbo frames need descriptor chains. */
static int
max_mtu(const struct xsk_port *port)
{
    return port->sg_refused
           ? max_frame_len(&port->requested) - VLAN_ETH_HEADER_LEN
           : 9000;
}

int
netdev_afxdp_verify_mtu_size(const struct netdev *netdev, int mtu)
{
    struct xsk_port *port = xsk_port_of(netdev);

    if (mtu > max_mtu(port)) {
        VLOG_WARN("%s: MTU %d is too large: at most %d%s",
                  netdev_get_name(netdev), mtu, max_mtu(port),
                  port->sg_refused ? " (the kernel refused multi-buffer "
                  "AF_XDP sockets)" : "");
        return EINVAL;
    }
    port->mtu = mtu;
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

/* Applies steering rules 'rules' and mode 'mode' (either NULL for the
 * default) to 'port', at once if its program is attached.  Bad rules are
 * refused with the reason in 'port->steer_error' (Interface:error, through
 * netdev_afxdp_get_config_error()) and the log, and the rules in force
 * stay; so that a typo does not take the port down, this is not an error
 * of set_config().  Returns true if the rules or the refusal changed. */
static bool
set_steer(struct xsk_port *port, const char *name, const char *rules,
          const char *mode)
    OVS_REQUIRES(port->dev->mutex)
{
    bool same, had_error = port->steer_error != NULL;
    struct xsk_steer steer;
    char *msg = NULL;
    int error;

    error = xsk_steer_parse(rules, mode, &steer, &msg);
    same = !error && xsk_steer_equal(&steer, &port->steer);
    if (!error && !same && port->prog) {
        error = xsk_prog_set_steer(port->prog, &steer);
        if (error) {
            msg = xasprintf("cannot write the steering rules into the XDP "
                            "program: %s", ovs_strerror(error));
        }
    }
    free(port->steer_error);
    port->steer_error = error ? msg : NULL;
    if (error) {
        VLOG_WARN("%s: %s; the previous steering rules stay in force",
                  name, msg);
        return true;
    }
    if (same) {
        return had_error;
    }
    port->steer = steer;
    VLOG_INFO("%s: steering mode %s, %u rule(s)", name,
              xsk_steer_mode_name(steer.mode), steer.n_rules);
    return true;
}

char *
netdev_afxdp_get_config_error(const struct netdev *netdev)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    char *msg;

    ovs_mutex_lock(&dev->mutex);
    msg = nullable_xstrdup(dev->xsk_port->steer_error);
    ovs_mutex_unlock(&dev->mutex);
    return msg;
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
        if (strcmp(node->key, "xdp-steer")
            && strcmp(node->key, "xdp-steer-mode")) {
            kv[n].key = node->key;
            kv[n].value = node->value;
            n++;
        }
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
    if (set_steer(port, name, smap_get(args, "xdp-steer"),
                  smap_get(args, "xdp-steer-mode"))) {
        netdev_change_seq_changed(netdev);
    }
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
        ovs_mutex_lock(&port->flow_mutex);
        xsk_flow_detach(port->flows);
        ovs_mutex_unlock(&port->flow_mutex);
        xsk_prog_detach(port->prog);
        port->prog = NULL;
    }
    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_queue *q = &port->queues[i];

        for (uint32_t j = q->stash_pos; j < q->stash_n; j++) {
            dp_packet_delete(q->stash[j]);
        }
        free(q->linear);
        xsk_sock_destroy(q->sock);
        ovs_spin_destroy(&q->tx_lock);
    }
    free_cacheline(port->queues);
    port->queues = NULL;
    port->n_queues = 0;
    if (port->umem_created && !port->umem->n_socks
        && xsk_umem_idle(port->umem)) {
        /* Made for a set-up that failed (e.g. zero-copy on a device
         * without it): nobody else can have used it. */
        xsk_umem_destroy(port->umem);
    }
    port->umem_created = false;
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
                            &port->steer, &port->prog, errp);
    if (error) {
        return error;
    }
    if (port->prog->replaced_stale) {
        VLOG_INFO("%s: replaced a stale ovs-xsk XDP program",
                  netdev_get_name(&port->dev->up));
    }
    ovs_mutex_lock(&port->flow_mutex);
    error = xsk_flow_attach(port->flows, &xsk_prog_flow_backend, port->prog);
    ovs_mutex_unlock(&port->flow_mutex);
    if (error) {
        /* Not fatal: the flows are now handled in userspace. */
        VLOG_WARN("%s: cannot write the offloaded flows into the new XDP "
                  "program (%s); they are handled in userspace",
                  netdev_get_name(&port->dev->up), ovs_strerror(error));
    }

    memset(&key, 0, sizeof key);
    key.frame_size = o->frame_size;
    key.n_frames = o->umem_frames;
    key.bind_flags = (mode == XSK_MODE_NATIVE_ZC ? XDP_ZEROCOPY : XDP_COPY)
                     | (o->need_wakeup ? XDP_USE_NEED_WAKEUP : 0)
                     | (port->sg_refused ? 0 : XDP_USE_SG);
    port->sg = !port->sg_refused;
    error = get_umem(&key, &port->umem, &port->umem_created);
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
        if (error == EINVAL && port->sg && !port->umem->n_socks) {
            /* Kernels before 6.6 refuse XDP_USE_SG: the caller retries
             * without it, with an MTU limit. */
            port->sg_refused = true;
            return EAGAIN;
        }
        if (error) {
            return error;
        }
        q->linear = xmalloc(XSK_MAX_CHAIN_LEN);
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

    if (netdev_get_mtu(netdev, &port->mtu)) {
        port->mtu = ETH_PAYLOAD_MAX;
    }

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
        if (error == EAGAIN) {
            VLOG_INFO("%s: no multi-buffer AF_XDP in this kernel: MTU "
                      "limited to %d", name, max_mtu(port));
            xsk_port_teardown(port);
            free(msg);
            msg = NULL;
            error = xsk_port_setup(port, modes[i], &msg);
        }
        if (!error) {
            port->mode_in_use = modes[i];
            port->umem_created = false;
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

/* Returns the packet of 'frame', set to the 'len' bytes at 'data'.  The
 * frame must be a packet's already (xsk_frame_to_packet(),
 * xsk_frames_get_for_packets(), or xsk_slot_get_for_packet() for the first
 * frame of a jumbo slot, whose packet spans the slot). */
static struct dp_packet *
frame_packet(struct xsk_umem *umem, uint32_t frame, char *data, uint32_t len)
{
    struct dp_packet *packet = &((struct xsk_packet *) umem->user)[frame]
                               .packet;

    dp_packet_use_afxdp(packet, data,
                        xsk_frame_in_slot(umem, frame)
                        ? xsk_slot_size(umem) : umem->key.frame_size,
                        data - xsk_frame_ptr(umem, frame));
    dp_packet_set_size(packet, len);
    return packet;
}

/* Adds 'packet' to 'batch', or to 'q''s stash if 'batch' is full. */
static void
deliver(struct xsk_queue *q, struct dp_packet_batch *batch,
        struct dp_packet *packet)
{
    if (dp_packet_batch_size(batch) < NETDEV_MAX_BURST) {
        dp_packet_batch_add(batch, packet);
    } else {
        ovs_assert(q->stash_n < XSK_STASH_SIZE);
        q->stash[q->stash_n++] = packet;
    }
}

/* Takes a buffer for a received packet of 'len' bytes that the provider
 * builds itself: a frame if it fits one, else a jumbo slot.  Returns the
 * frame (the slot's first frame), owned by a packet, or UINT32_MAX if there
 * is none: the packet then has to go to malloc'd memory. */
static uint32_t
rx_buffer_get(struct xsk_tcache *tc, uint32_t cap, uint32_t len)
{
    struct xsk_umem *umem = tc->umem;
    uint32_t frame;

    if (len <= cap) {
        return xsk_frames_get_for_packets(tc, &frame, 1) ? frame : UINT32_MAX;
    }
    if (umem->n_slots && len <= xsk_slot_size(umem) - XSK_RX_HEADROOM) {
        frame = xsk_slot_get_for_packet(tc);
        if (frame != UINT32_MAX) {
            return frame;
        }
        COVERAGE_INC(afxdp_rx_no_slot);
    }
    return UINT32_MAX;
}

/* Copies the buffers of the 'n' descriptors at RX ring index 'idx' to 'dst',
 * one after the other. */
static void
join_chain(const struct xsk_sock *sock, uint32_t idx, uint32_t n,
           uint8_t *dst)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx + i);

        memcpy(dst, sock->umem->base + d->addr, d->len);
        dst += d->len;
    }
}

/* Builds the packets of a received chain of 'n' descriptors, first at ring
 * index 'idx' (or of one descriptor holding more than the MTU).  A packet
 * that fits the MTU is joined straight into a frame, or into a jumbo slot
 * when it does not fit a frame (a jumbo frame), with one copy.  Otherwise
 * the buffers are joined in 'q->linear' first: a TCP super-packet (generic
 * XDP with a TSO peer) is cut into MTU-sized segments, each in a frame of
 * its own, and anything else is copied into a frame, a slot, or a malloc'd
 * packet.  The chain's frames go back to the pool. */
static void
rx_chain(struct xsk_port *port, struct xsk_queue *q, struct xsk_tcache *tc,
         uint32_t idx, uint32_t n, struct dp_packet_batch *batch)
{
    struct xsk_sock *sock = q->sock;
    struct xsk_umem *umem = sock->umem;
    uint32_t cap = max_frame_len(&port->opts);
    uint32_t frames[XSK_STASH_SIZE];
    uint8_t *bufs[XSK_STASH_SIZE];
    uint32_t lens[XSK_STASH_SIZE];
    uint32_t len = 0, n_segs, dst;
    uint8_t *pkt = q->linear;

    for (uint32_t i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx + i);

        len += d->len;
        frames[i] = xsk_addr_to_frame(umem, d->addr);
    }
    q->rx_packets++;
    q->rx_chains += n > 1;
    q->rx_bytes += len;
    if (OVS_UNLIKELY(len > XSK_MAX_CHAIN_LEN)) {
        xsk_frames_put(tc, frames, n);
        q->rx_dropped++;
        return;
    }

    /* Within the MTU: no segments to cut, so join it where it stays. */
    dst = len <= port->mtu + ETH_HEADER_LEN ? rx_buffer_get(tc, cap, len)
                                            : UINT32_MAX;
    if (dst != UINT32_MAX) {
        pkt = (uint8_t *) xsk_frame_ptr(umem, dst) + XSK_RX_HEADROOM;
    }
    join_chain(sock, idx, n, pkt);
    xsk_frames_put(tc, frames, n);
    if (port->opts.csum_fix) {
        q->rx_csum_fixed += xsk_csum_fix_partial(pkt, len);
    }
    if (dst != UINT32_MAX) {
        deliver(q, batch, frame_packet(umem, dst, (char *) pkt, len));
        return;
    }

    /* An IP packet larger than the MTU can only be a super-packet.  Its
     * Ethernet header may carry VLAN tags, so let xsk_gso_count() measure
     * the IP packet itself: it says 1 when that fits the MTU. */
    n_segs = len > port->mtu + ETH_HEADER_LEN
             ? xsk_gso_count(pkt, len, MIN(port->mtu, cap - 64)) : 0;
    if (n_segs > XSK_STASH_SIZE + NETDEV_MAX_BURST
                 - dp_packet_batch_size(batch)) {
        q->rx_dropped++;        /* Too many segments for one call. */
        return;
    }
    if (n_segs > 1) {
        uint32_t got = xsk_frames_get_for_packets(tc, frames, n_segs);

        if (got == n_segs) {
            for (uint32_t i = 0; i < n_segs; i++) {
                bufs[i] = (uint8_t *) xsk_frame_ptr(umem, frames[i])
                          + XSK_RX_HEADROOM;
            }
            xsk_gso_segment(pkt, len, MIN(port->mtu, cap - 64), bufs, lens,
                            n_segs);
            for (uint32_t i = 0; i < n_segs; i++) {
                deliver(q, batch, frame_packet(umem, frames[i],
                                               (char *) bufs[i], lens[i]));
            }
            q->rx_gso_segments += n_segs;
            return;
        }
        for (uint32_t i = 0; i < got; i++) {
            xsk_frame_packet_free(tc, frames[i]);
        }
        q->rx_dropped++;
        return;
    }

    dst = rx_buffer_get(tc, cap, len);
    if (dst != UINT32_MAX) {
        char *data = xsk_frame_ptr(umem, dst) + XSK_RX_HEADROOM;

        memcpy(data, pkt, len);
        deliver(q, batch, frame_packet(umem, dst, data, len));
    } else {
        deliver(q, batch, dp_packet_clone_data_with_headroom(
                              pkt, len, XSK_RX_HEADROOM));
    }
}

int
netdev_afxdp_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch,
                      int *qfill)
{
    struct xsk_port *port = xsk_port_of(rxq_->netdev);
    struct xsk_queue *q = &port->queues[rxq_->queue_id];
    struct xsk_sock *sock = q->sock;
    uint32_t n, k, idx;
    struct xsk_tcache *tc;
    struct xsk_umem *umem;

    if (OVS_UNLIKELY(!sock)) {
        return EAGAIN;
    }
    umem = sock->umem;
    tc = xsk_tcache_get(umem);

    /* Segments left over from the last call go first. */
    while (q->stash_pos < q->stash_n
           && dp_packet_batch_size(batch) < NETDEV_MAX_BURST) {
        dp_packet_batch_add(batch, q->stash[q->stash_pos++]);
    }
    if (q->stash_pos == q->stash_n) {
        q->stash_pos = q->stash_n = 0;
    }

    xsk_sock_refill(sock, tc);
    n = xsk_sock_rx_peek(sock, q->stash_n ? 0 : NETDEV_MAX_BURST, &idx);
    for (k = 0; k < n && dp_packet_batch_size(batch) < NETDEV_MAX_BURST; ) {
        const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx + k);
        uint32_t end = k;

        /* A lone descriptor longer than the MTU is a super-packet that
         * fitted one frame: it takes the chain path below, as a chain of
         * one, to be segmented. */
        if (OVS_LIKELY(!(d->options & XDP_PKT_CONTD)
                       && d->len <= port->mtu + ETH_HEADER_LEN)) {
            uint32_t frame = xsk_addr_to_frame(umem, d->addr);
            char *data = umem->base + d->addr;

            if (k + 1 < n) {
                OVS_PREFETCH(umem->base
                             + xsk_sock_rx_desc(sock, idx + k + 1)->addr);
            }
            if (port->opts.csum_fix
                && xsk_csum_fix_partial((uint8_t *) data, d->len)) {
                q->rx_csum_fixed++;
            }
            q->rx_packets++;
            q->rx_bytes += d->len;
            xsk_frame_to_packet(tc, frame);
            dp_packet_batch_add(batch, frame_packet(umem, frame, data,
                                                    d->len));
            k++;
            continue;
        }

        /* A chain (or a lone super-packet): handle it once all of it is on
         * the ring, and before the batch can overflow the stash. */
        while (end < n
               && xsk_sock_rx_desc(sock, idx + end)->options & XDP_PKT_CONTD) {
            end++;
        }
        if (end == n || q->stash_n) {
            break;
        }
        rx_chain(port, q, tc, idx + k, end - k + 1, batch);
        k = end + 1;
    }
    xsk_sock_rx_release(sock, n, k);

    if (!dp_packet_batch_size(batch)) {
        xsk_sock_rx_wakeup(sock);
        return EAGAIN;
    }
    if (qfill) {
        *qfill = xsk_sock_rx_pending(sock) + q->stash_n - q->stash_pos;
    }
    return 0;
}

/* Copies 'size' bytes at 'data' into free frames and describes them in
 * 'n_descs' TX descriptors starting at 'idx' (a chain when more than one).
 * Returns false, having used nothing, if the pool is dry. */
static bool
tx_copy(struct xsk_sock *sock, struct xsk_tcache *tc, uint32_t idx,
        const char *data, uint32_t size, uint32_t n_descs)
{
    struct xsk_umem *umem = sock->umem;
    uint32_t frame_size = umem->key.frame_size;
    uint32_t frames[XSK_MAX_CHAIN_LEN / 2048];
    uint32_t got;

    got = xsk_frames_get(tc, frames, n_descs, XSK_OWNER_TX(sock->slot));
    if (OVS_UNLIKELY(got < n_descs)) {
        xsk_frames_put(tc, frames, got);
        return false;
    }
    for (uint32_t i = 0; i < n_descs; i++) {
        struct xdp_desc *desc = xsk_sock_tx_desc(sock, idx + i);
        uint32_t len = MIN(size - i * frame_size, frame_size);

        memcpy(xsk_frame_ptr(umem, frames[i]), data + i * frame_size, len);
        desc->addr = xsk_frame_to_addr(umem, frames[i]);
        desc->len = len;
        desc->options = i + 1 < n_descs ? XDP_PKT_CONTD : 0;
    }
    return true;
}

/* Returns the jumbo slot (its first frame) whose buffer holds 'packet', or
 * UINT32_MAX if 'packet' is not a slot packet of 'umem'. */
static uint32_t
packet_slot(const struct xsk_umem *umem, const struct dp_packet *packet)
{
    if (packet->source == DPBUF_AFXDP) {
        const struct xsk_packet *xp = CONTAINER_OF(packet, struct xsk_packet,
                                                   packet);

        if (xp->umem == umem && xsk_frame_in_slot(umem, xp->frame)) {
            return xp->frame;
        }
    }
    return UINT32_MAX;
}

/* TX descriptors 'packet' takes on a socket of 'umem', given its jumbo slot
 * 'head' (packet_slot()): a slot packet is cut where its data crosses a
 * frame boundary, anything else is copied into whole frames. */
static uint32_t
tx_n_descs(const struct xsk_umem *umem, const struct dp_packet *packet,
           uint32_t head)
{
    uint32_t size = dp_packet_size(packet);

    if (head != UINT32_MAX && size) {
        const char *data = dp_packet_data(packet);

        return xsk_ptr_to_frame(umem, data + size - 1)
               - xsk_ptr_to_frame(umem, data) + 1;
    }
    return DIV_ROUND_UP(size, umem->key.frame_size);
}

/* Gives the jumbo slot 'head' of a packet of 'size' bytes at 'data' to
 * 'sock' as a chain of TX descriptors from ring index 'idx', one per frame
 * the data reaches, with no copy.  Returns false, having used nothing, if
 * the slot is not a packet's. */
static bool
tx_slot(struct xsk_sock *sock, struct xsk_tcache *tc, uint32_t head,
        uint32_t idx, const char *data, uint32_t size)
{
    struct xsk_umem *umem = sock->umem;
    uint32_t first = xsk_ptr_to_frame(umem, data);
    uint32_t last = xsk_ptr_to_frame(umem, data + size - 1);
    uint64_t addr = data - umem->base;
    uint64_t end = addr + size;

    if (OVS_UNLIKELY(!xsk_slot_packet_to_tx(tc, head, first, last,
                                            sock->slot))) {
        return false;
    }
    for (uint32_t f = first; f <= last; f++) {
        struct xdp_desc *desc = xsk_sock_tx_desc(sock, idx + f - first);
        uint64_t frame_end = xsk_frame_to_addr(umem, f + 1);

        desc->addr = addr;
        desc->len = MIN(end, frame_end) - addr;
        desc->options = f < last ? XDP_PKT_CONTD : 0;
        addr = frame_end;
    }
    return true;
}

/* Puts 'packet' on 'sock''s TX ring at index 'idx' in the frame (or jumbo
 * slot 'head', see packet_slot()) it already is in, with no copy.  Returns
 * false, having used nothing, if it is not a packet of the socket's UMEM. */
static bool
tx_zero_copy(struct xsk_sock *sock, struct xsk_tcache *tc,
             struct dp_packet *packet, uint32_t head, uint32_t idx)
{
    struct xsk_umem *umem = sock->umem;
    uint32_t size = dp_packet_size(packet);
    char *data = dp_packet_data(packet);
    struct xsk_packet *xp;
    struct xdp_desc *desc;

    if (head != UINT32_MAX) {
        return tx_slot(sock, tc, head, idx, data, size);
    }
    if (packet->source != DPBUF_AFXDP) {
        return false;
    }
    xp = CONTAINER_OF(packet, struct xsk_packet, packet);
    if (xp->umem != umem
        || !xsk_frame_packet_to_tx(tc, xp->frame, sock->slot)) {
        return false;
    }
    desc = xsk_sock_tx_desc(sock, idx);
    desc->addr = data - umem->base;
    desc->len = size;
    desc->options = 0;
    return true;
}

/* Puts the packets of 'batch' on 'q''s TX ring.  Returns a bitmap of the
 * packets whose frames went on the ring as they are (zero-copy): those are
 * no longer the caller's to free. */
static uint32_t
xsk_queue_send(const char *name, struct xsk_queue *q,
               struct dp_packet_batch *batch)
{
    struct xsk_sock *sock = q->sock;
    struct xsk_umem *umem = sock->umem;
    struct xsk_tcache *tc = xsk_tcache_get(umem);
    uint32_t frame_size = umem->key.frame_size;
    uint32_t max_descs = sock->sg ? XSK_MAX_CHAIN_LEN / frame_size : 1;
    uint32_t heads[NETDEV_MAX_BURST], descs[NETDEV_MAX_BURST];
    uint32_t reserved, used = 0, idx, want = 0;
    struct dp_packet *packet;
    uint32_t handed = 0;

    BUILD_ASSERT_DECL(NETDEV_MAX_BURST <= 32);

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        heads[i] = packet_slot(umem, packet);
        descs[i] = tx_n_descs(umem, packet, heads[i]);
        want += descs[i];
    }
    xsk_sock_complete(sock, tc);
    reserved = xsk_sock_tx_reserve(sock, want, &idx);

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t size = dp_packet_size(packet);

        if (OVS_UNLIKELY(!size || descs[i] > max_descs)) {
            COVERAGE_INC(afxdp_tx_too_big);
            VLOG_WARN_RL(&rl, "%s: dropping a %"PRIu32"-byte packet: too "
                         "big for %"PRIu32" frame(s)",
                         name, size,
                         max_descs);
            q->tx_dropped++;
            continue;
        }
        if (OVS_UNLIKELY(used + descs[i] > reserved)) {
            COVERAGE_INC(afxdp_tx_full);
            q->tx_dropped++;
            continue;
        }

        if (tx_zero_copy(sock, tc, packet, heads[i], idx + used)) {
            used += descs[i];
            handed |= 1u << i;
            q->tx_zero_copy++;
            q->tx_zero_copy_chains += descs[i] > 1;
        } else {
            uint32_t n_descs = DIV_ROUND_UP(size, frame_size);

            if (OVS_UNLIKELY(!tx_copy(sock, tc, idx + used,
                                      dp_packet_data(packet), size,
                                      n_descs))) {
                COVERAGE_INC(afxdp_tx_no_frame);
                q->tx_dropped++;
                continue;
            }
            used += n_descs;
            q->tx_copied++;
            q->tx_copied_chains += n_descs > 1;
        }
        q->tx_packets++;
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
        handed = xsk_queue_send(netdev_get_name(netdev), q, batch);
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

        stats->tx_packets += q->tx_packets;
        stats->tx_bytes += q->tx_bytes;
        stats->tx_dropped += q->tx_dropped;
        stats->rx_packets += q->rx_packets;
        stats->rx_bytes += q->rx_bytes;
        stats->rx_dropped += q->rx_dropped;
        if (q->sock) {
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
    uint64_t chains = 0, segs = 0, zc_chains = 0, copied_chains = 0;
    struct netdev_custom_counter *c;
    size_t n = 0;

    ovs_mutex_lock(&dev->mutex);
    custom_stats->counters = xcalloc(10 + 6 * port->n_queues
                                     + XSK_STEER_N_COUNTS,
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
        zc_chains += q->tx_zero_copy_chains;
        copied_chains += q->tx_copied_chains;
        fixed += q->rx_csum_fixed;
        chains += q->rx_chains;
        segs += q->rx_gso_segments;
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
    XSK_COUNTER(zc_chains, "tx_zero_copy_multi_buffer_packets");
    XSK_COUNTER(copied_chains, "tx_copied_multi_buffer_packets");
    XSK_COUNTER(fixed, "rx_checksum_fixed");
    XSK_COUNTER(busy, "tx_busy_drops");
    XSK_COUNTER(full, "tx_ring_full_drops");
    XSK_COUNTER(empty, "fill_ring_starved");
    XSK_COUNTER(chains, "rx_multi_buffer_packets");
    XSK_COUNTER(segs, "rx_gso_segments");
    if (port->prog && port->steer.mode != XSK_STEER_ALL) {
        uint64_t hits[XSK_STEER_N_COUNTS];

        if (!xsk_prog_steer_counts(port->prog, hits)) {
            for (uint32_t i = 0; i < port->steer.n_rules; i++) {
                XSK_COUNTER(hits[i], "xdp_steer_rule_%u_packets", i);
            }
            XSK_COUNTER(hits[XSK_STEER_TO_HOST], "xdp_steer_to_host_packets");
        }
    }
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
    if (port->mode_in_use == XSK_MODE_GENERIC && port->n_queues > 1) {
        smap_add(args, "afxdp-warning", "several queues in generic mode: "
                 "generic XDP on veth reports wrong queue numbers, so some "
                 "queues may get no traffic; use xdp-mode=native");
    }
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
    smap_add(args, "multi-buffer", port->sg_refused
             ? "refused by the kernel" : "true");
    smap_add_format(args, "max-mtu", "%d", max_mtu(port));
    smap_add(args, "rx-checksum-fix", o->csum_fix ? "true" : "false");
    smap_add(args, "xdp-steer-mode", xsk_steer_mode_name(port->steer.mode));
    if (port->steer.n_rules) {
        struct ds rules = DS_EMPTY_INITIALIZER;

        for (uint32_t i = 0; i < port->steer.n_rules; i++) {
            ds_put_format(&rules, "%s%s", i ? "," : "",
                          port->steer.rules[i].text);
        }
        smap_add(args, "xdp-steer", ds_cstr(&rules));
        ds_destroy(&rules);
    }
    if (port->steer_error) {
        smap_add(args, "xdp-steer-error", port->steer_error);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Flow offload hooks (netdev-xsk-offload.h). */

bool
netdev_xsk_is_afxdp(const struct netdev *netdev)
{
    const struct netdev_class *class = netdev_get_class(netdev);

    return class == &netdev_afxdp_class || class == &netdev_afxdp_nonpmd_class;
}

int
netdev_xsk_get_ifindex(const struct netdev *netdev)
{
    const struct xsk_port *port = xsk_port_of(netdev);

    return port && port->prog ? port->ifindex : -1;
}

struct xsk_flow_table *
netdev_xsk_flows_lock(struct netdev *netdev)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct xsk_port *port = xsk_port_of(netdev);

    ovs_mutex_lock(&port->flow_mutex);
    return port->flows;
}

void
netdev_xsk_flows_unlock(struct netdev *netdev)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    ovs_mutex_unlock(&xsk_port_of(netdev)->flow_mutex);
}

void
netdev_xsk_purge_output(int ifindex)
{
    struct xsk_port *port;

    ovs_mutex_lock(&xsk_ports_mutex);
    LIST_FOR_EACH (port, node, &xsk_ports) {
        uint32_t n;

        ovs_mutex_lock(&port->flow_mutex);
        n = xsk_flow_purge_output(port->flows, ifindex);
        ovs_mutex_unlock(&port->flow_mutex);
        if (n) {
            VLOG_INFO("%s: %"PRIu32" offloaded flow(s) that output to "
                      "ifindex %d now go to OVS",
                      netdev_get_name(&port->dev->up), n, ifindex);
        }
    }
    ovs_mutex_unlock(&xsk_ports_mutex);
}
