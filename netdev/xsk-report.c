/* SPDX-License-Identifier: Apache-2.0 */

/* A port's and a UMEM's counters, status and configuration, and the
 * "afxdp/stats" and "afxdp/show" texts (xsk-report.h).  Includes no OVS
 * header. */

#include "xsk-report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xsk-features.h"
#include "xsk-flow.h"
#include "xsk-prog.h"

/* Gives 'put' the status of 'port' (Interface:status), one key and value
 * at a time: the options and the mode in effect, why the set-up failed if
 * it did, what the kernel refused or lacks, and the steering rules. */
void
xsk_report_status(const struct xsk_port *port,
                  void (*put)(void *aux, const char *key, const char *value),
                  void *aux)
{
    char rules[XSK_STEER_MAX_RULES * XSK_STEER_TEXT_MAX];
    const struct xsk_opts *o = &port->opts;
    char num[32];

#define PUT_NUM(KEY, FORMAT, VALUE)                     \
    do {                                                \
        snprintf(num, sizeof num, FORMAT, VALUE);       \
        put(aux, KEY, num);                             \
    } while (0)

    put(aux, "xdp-mode", xsk_mode_name(o->mode));
    if (port->mode_in_use == XSK_MODE_GENERIC && port->n_queues > 1) {
        put(aux, "afxdp-warning", "several queues in generic mode: generic "
            "XDP on veth reports wrong queue numbers, so some queues may "
            "get no traffic; use xdp-mode=native");
    }
    if (port->error) {
        put(aux, "xdp-mode-in-use", "none");
        put(aux, "afxdp-error", port->error);
    } else if (port->n_queues && port->queues[0].sock) {
        put(aux, "xdp-mode-in-use", xsk_mode_name(port->mode_in_use));
        put(aux, "xdp-mode-reason", port->mode_reason);
        put(aux, "zero-copy",
            port->queues[0].sock->zerocopy ? "true" : "false");
        PUT_NUM("xdp-prog-id", "%u", port->prog ? port->prog->id : 0);
        PUT_NUM("umem", "%u", port->umem->id);
        PUT_NUM("umem-frames", "%u", port->umem->key.n_frames);
    }
    PUT_NUM("n_rxq", "%d", port->n_queues);
    PUT_NUM("start-queue", "%d", o->start_queue);
    PUT_NUM("frame-size", "%u", o->frame_size);
    PUT_NUM("n_rxq_desc", "%u", o->rx_ring);
    PUT_NUM("n_txq_desc", "%u", o->tx_ring);
    PUT_NUM("max-frame-len", "%d", xsk_port_max_frame_len(port));
    put(aux, "multi-buffer",
        port->sg_refused ? "refused by the kernel" : "true");
    PUT_NUM("max-mtu", "%d",
            xsk_port_max_mtu(port, port->requested.frame_size));
    if (port->peer_mtu > 0) {
        /* TCP super-packets are cut at the smaller of the two MTUs. */
        PUT_NUM("peer-mtu", "%d", port->peer_mtu);
    }
    put(aux, "rx-checksum-fix", o->csum_fix ? "true" : "false");
    put(aux, "tx-checksum-offload",
        port->tx_md ? "true"
        : !o->tx_csum ? "false"
        : "no AF_XDP TX metadata in this kernel: OVS finishes partial "
          "checksums in software");
    put(aux, "xdp-steer-mode", xsk_steer_mode_name(port->steer.mode));
    if (port->steer.n_rules) {
        size_t len = 0;

        for (uint32_t i = 0; i < port->steer.n_rules && len < sizeof rules;
             i++) {
            len += snprintf(rules + len, sizeof rules - len, "%s%s",
                            i ? "," : "", port->steer.rules[i].text);
        }
        put(aux, "xdp-steer", rules);
    }
    if (port->steer_error) {
        put(aux, "xdp-steer-error", port->steer_error);
    }
#undef PUT_NUM
}

/* Gives 'put' the configuration of 'port' (the netdev's get_config()), one
 * key and value at a time: the options in effect and the mode in use. */
void
xsk_report_config(const struct xsk_port *port,
                  void (*put)(void *aux, const char *key, const char *value),
                  void *aux)
{
    const struct xsk_opts *o = &port->opts;
    char num[32];

    snprintf(num, sizeof num, "%d", o->n_rxq);
    put(aux, "n_rxq", num);
    put(aux, "xdp-mode", xsk_mode_name(o->mode));
    put(aux, "xdp-mode-in-use", xsk_mode_name(port->mode_in_use));
    put(aux, "use-need-wakeup", o->need_wakeup ? "true" : "false");
}

/* Gives 'put' how offloaded flows enter 'port' and reach it as an output
 * ("flow-offload", "flow-offload-output", "offload-redirect"), or why they
 * cannot.  'enabled' says whether OVS offloads flows at all
 * (other_config:hw-offload).  Asks the kernel, through the port's ops,
 * whether the port's device takes XDP redirects now. */
void
xsk_report_offload(const struct xsk_port *port, bool enabled,
                   void (*put)(void *aux, const char *key,
                               const char *value),
                   void *aux)
{
    struct xsk_flow_action a = { .kind = XSK_FLOW_OUTPUT };
    struct xsk_flow_out o;
    uint64_t features;
    char text[160];
    const char *why;

    if (!enabled) {
        put(aux, "flow-offload", "off (other_config:hw-offload is not "
            "true)");
        return;
    }
    if (!port->prog || port->ifindex <= 0) {
        put(aux, "flow-offload", "none: the port has no XDP program");
        return;
    }
    if (port->prog->tc_error) {
        snprintf(text, sizeof text, "XDP program; no skb path (its tc "
                 "program could not be attached at tcx ingress: %s)",
                 strerror(port->prog->tc_error));
        put(aux, "flow-offload", text);
    } else {
        put(aux, "flow-offload", "XDP program, and its tc program at tcx "
            "ingress for the skb path");
    }

    memset(&o, 0, sizeof o);
    o.in_has_tc = !port->prog->tc_error;
    o.redirect = port->opts.redirect;
    o.out_takes_xdp = !port->ops->dev_xdp_features(port->ifindex, &features)
                      && features & XSK_XDP_ACT_NDO_XMIT;
    if (port->ops->dev_is_veth(port->ifindex, &o.out_is_veth)) {
        o.out_is_veth = true;   /* Unknown: assume the peer may change. */
    }
    why = xsk_flow_out_flags(&o, &a);
    put(aux, "flow-offload-output",
        why ? why
        : a.flags & XSK_FLOW_VIA_SKB
        ? (o.out_is_veth ? "skb path (a veth: XDP redirects into it work "
           "only while its peer lets them)"
           : "skb path (the device takes no XDP redirects)")
        : "XDP redirect");
    put(aux, "offload-redirect", xsk_out_redirect_name(port->opts.redirect));
}

/* Adds the counters of every queue of 'port' to 't'.  The kernel's socket
 * counters are read once per socket: 'xdp_ok[i]' says whether queue i's
 * were given (false without a socket), and 'xdp[i]' holds them. */
static void
sum_queues(const struct xsk_port *port, struct xsk_port_totals *t,
           struct xdp_statistics xdp[], bool xdp_ok[])
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < port->n_queues; i++) {
        const struct xsk_port_queue *q = &port->queues[i];
        const struct xsk_rx_stats *rx = &q->rx.stats;
        const struct xsk_tx_stats *tx = &q->tx_stats;
        struct xdp_statistics xs;

        t->rx.packets += rx->packets;
        t->rx.bytes += rx->bytes;
        t->rx.csum_fixed += rx->csum_fixed;
        t->rx.csum_partial += rx->csum_partial;
        t->rx.chains += rx->chains;
        t->rx.super_packets += rx->super_packets;
        t->rx.gso_segments += rx->gso_segments;
        t->rx.super_whole += rx->super_whole;
        t->rx.dropped += rx->dropped;

        t->tx.packets += tx->packets;
        t->tx.bytes += tx->bytes;
        t->tx.dropped += tx->dropped;
        t->tx.too_big += tx->too_big;
        t->tx.ring_full += tx->ring_full;
        t->tx.no_frame += tx->no_frame;
        t->tx.zero_copy += tx->zero_copy;
        t->tx.copied += tx->copied;
        t->tx.zero_copy_chains += tx->zero_copy_chains;
        t->tx.copied_chains += tx->copied_chains;
        t->tx.csum_offloaded += tx->csum_offloaded;
        t->tx.csum_finished += tx->csum_finished;
        t->tx.gso_packets += tx->gso_packets;
        t->tx.gso_failed += tx->gso_failed;
        t->tx.coal_runs += tx->coal_runs;
        t->tx.coal_segments += tx->coal_segments;
        t->tx.coal_failed += tx->coal_failed;
        t->tx.geneve_runs += tx->geneve_runs;
        t->tx.geneve_packets += tx->geneve_packets;

        xdp_ok[i] = false;
        if (!q->sock) {
            continue;
        }
        t->sock.rx_packets += q->sock->stats.rx_packets;
        t->sock.tx_packets += q->sock->stats.tx_packets;
        t->sock.tx_busy += q->sock->stats.tx_busy;
        t->sock.tx_ring_full += q->sock->stats.tx_ring_full;
        t->sock.fill_empty += q->sock->stats.fill_empty;
        t->sock.kicks += q->sock->stats.kicks;
        if (port->ops->sock_xdp_stats(q->sock, &xs)) {
            continue;
        }
        xdp_ok[i] = true;
        xdp[i] = xs;
        t->xdp.rx_dropped += xs.rx_dropped;
        t->xdp.rx_invalid_descs += xs.rx_invalid_descs;
        t->xdp.tx_invalid_descs += xs.tx_invalid_descs;
        t->xdp.rx_ring_full += xs.rx_ring_full;
        t->xdp.rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
        t->xdp.tx_ring_empty_descs += xs.tx_ring_empty_descs;
    }
}

/* Stores in 't' the counters of 'port' summed over its queues. */
void
xsk_port_totals(const struct xsk_port *port, struct xsk_port_totals *t)
{
    struct xdp_statistics xdp[XSK_MAX_RXQ];
    bool xdp_ok[XSK_MAX_RXQ];

    XSK_ASSERT(port->n_queues <= XSK_MAX_RXQ);
    sum_queues(port, t, xdp, xdp_ok);
}

/* Stores in 's' the counters of 'port' as OVS shows them for the
 * interface. */
void
xsk_port_summary(const struct xsk_port *port, struct xsk_port_summary *s)
{
    struct xsk_port_totals t;

    xsk_port_totals(port, &t);
    s->rx_packets = t.rx.packets;
    s->rx_bytes = t.rx.bytes;
    s->rx_dropped = t.rx.dropped + t.xdp.rx_dropped + t.xdp.rx_ring_full;
    s->rx_errors = t.xdp.rx_invalid_descs;
    s->tx_packets = t.tx.packets;
    s->tx_bytes = t.tx.bytes;
    s->tx_dropped = t.tx.dropped + t.sock.tx_busy;
    s->tx_errors = t.xdp.tx_invalid_descs;
}

/* How many counters xsk_port_counters() stores per queue and for the whole
 * port (its "put(c, &n, t." lines): change these with them. */
#define XSK_PORT_N_QUEUE_COUNTERS 7
#define XSK_PORT_N_TOTAL_COUNTERS 22

/* The most counters xsk_port_counters() stores for 'port'. */
size_t
xsk_port_max_counters(const struct xsk_port *port)
{
    return XSK_PORT_N_TOTAL_COUNTERS
           + XSK_PORT_N_QUEUE_COUNTERS * port->n_queues + XSK_STEER_N_COUNTS;
}

/* Stores 'value' under the printf()-style name 'format' in 'c[(*n)++]'. */
static void __attribute__((format(printf, 4, 5)))
put(struct xsk_counter *c, size_t *n, uint64_t value, const char *format,
    ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(c[*n].name, sizeof c[*n].name, format, args);
    va_end(args);
    c[*n].value = value;
    (*n)++;
}

/* Stores the named counters of 'port' in 'c', which has room for
 * xsk_port_max_counters(): the kernel's counters of each queue whose socket
 * gave them ("xsk_queue_N_*"), the port's totals, then the steering rules'
 * hits when rules select frames.  Returns how many it stored. */
size_t
xsk_port_counters(const struct xsk_port *port, struct xsk_counter *c)
{
    struct xdp_statistics xdp[XSK_MAX_RXQ];
    bool xdp_ok[XSK_MAX_RXQ];
    struct xsk_port_totals t;
    size_t n = 0;

    XSK_ASSERT(port->n_queues <= XSK_MAX_RXQ);
    sum_queues(port, &t, xdp, xdp_ok);
    for (int i = 0; i < port->n_queues; i++) {
        const struct xsk_port_queue *q = &port->queues[i];
        const struct xdp_statistics *xs = &xdp[i];

        if (!xdp_ok[i]) {
            continue;
        }
        put(c, &n, xs->rx_dropped, "xsk_queue_%d_rx_dropped", i);
        put(c, &n, xs->rx_invalid_descs, "xsk_queue_%d_rx_invalid_descs", i);
        put(c, &n, xs->tx_invalid_descs, "xsk_queue_%d_tx_invalid_descs", i);
        put(c, &n, xs->rx_ring_full, "xsk_queue_%d_rx_ring_full", i);
        put(c, &n, xs->rx_fill_ring_empty_descs,
            "xsk_queue_%d_rx_fill_ring_empty_descs", i);
        put(c, &n, q->rx.stats.packets, "xsk_queue_%d_rx_packets", i);
        put(c, &n, q->sock->stats.rx_packets, "xsk_queue_%d_rx_descs", i);
    }
    put(c, &n, t.tx.zero_copy, "tx_zero_copy_packets");
    put(c, &n, t.tx.copied, "tx_copied_packets");
    put(c, &n, t.tx.zero_copy_chains, "tx_zero_copy_multi_buffer_packets");
    put(c, &n, t.tx.copied_chains, "tx_copied_multi_buffer_packets");
    put(c, &n, t.rx.csum_fixed, "rx_checksum_fixed");
    put(c, &n, t.rx.csum_partial, "rx_checksum_partial");
    put(c, &n, t.tx.csum_offloaded, "tx_checksum_offloaded");
    put(c, &n, t.tx.csum_finished, "tx_checksum_finished");
    put(c, &n, t.sock.tx_busy, "tx_busy_drops");
    put(c, &n, t.sock.tx_ring_full, "tx_ring_full_drops");
    put(c, &n, t.sock.fill_empty, "fill_ring_starved");
    put(c, &n, t.rx.chains, "rx_multi_buffer_packets");
    put(c, &n, t.rx.super_packets, "rx_gso_super_packets");
    put(c, &n, t.rx.gso_segments, "rx_gso_segments");
    put(c, &n, t.rx.super_whole, "rx_gso_whole_packets");
    put(c, &n, t.tx.gso_packets, "tx_gso_packets");
    put(c, &n, t.tx.gso_failed, "tx_gso_failed");
    put(c, &n, t.tx.coal_runs, "tx_coalesced_super_packets");
    put(c, &n, t.tx.coal_segments, "tx_coalesced_segments");
    put(c, &n, t.tx.coal_failed, "tx_coalesce_failed");
    put(c, &n, t.tx.geneve_runs, "tx_geneve_super_packets");
    put(c, &n, t.tx.geneve_packets, "tx_geneve_coalesced_packets");
    if (port->prog && port->steer.mode != XSK_STEER_ALL) {
        uint64_t hits[XSK_STEER_N_COUNTS];

        if (!port->ops->prog_steer_counts(port->prog, hits)) {
            for (uint32_t i = 0; i < port->steer.n_rules; i++) {
                put(c, &n, hits[i], "xdp_steer_rule_%"PRIu32"_packets", i);
            }
            put(c, &n, hits[XSK_STEER_TO_HOST], "xdp_steer_to_host_packets");
        }
    }
    return n;
}

/* The fields of struct xsk_port_summary, in "afxdp/stats" order. */
static const struct {
    const char *name;
    size_t offset;
} summary_fields[] = {
#define SUMMARY_FIELD(NAME) { #NAME, offsetof(struct xsk_port_summary, NAME) }
    SUMMARY_FIELD(rx_packets),
    SUMMARY_FIELD(rx_bytes),
    SUMMARY_FIELD(rx_dropped),
    SUMMARY_FIELD(rx_errors),
    SUMMARY_FIELD(tx_packets),
    SUMMARY_FIELD(tx_bytes),
    SUMMARY_FIELD(tx_dropped),
    SUMMARY_FIELD(tx_errors),
#undef SUMMARY_FIELD
};

/* Returns what 'write' writes, given 'aux', to a memory stream: the text
 * of a reply (malloc'd, caller frees; "" if nothing was written).  Aborts
 * if memory is out, as OVS's allocators do. */
static char *
report_text(void (*write)(const void *aux, FILE *), const void *aux)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    f = open_memstream(&buf, &len);
    XSK_ASSERT(f);
    write(aux, f);
    XSK_ASSERT(!fclose(f) && buf);
    return buf;
}

/* Writes to 'f' the counters of port 'port_' as "afxdp/stats" shows them:
 * the summary (xsk_port_summary()), then every named counter
 * (xsk_port_counters()), one "name=value" line each. */
static void
write_stats(const void *port_, FILE *f)
{
    const struct xsk_port *port = port_;
    struct xsk_port_summary s;
    struct xsk_counter *c;
    size_t n;

    xsk_port_summary(port, &s);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(summary_fields); i++) {
        uint64_t value;

        memcpy(&value, (const char *) &s + summary_fields[i].offset,
               sizeof value);
        fprintf(f, "%s=%"PRIu64"\n", summary_fields[i].name, value);
    }

    c = malloc(xsk_port_max_counters(port) * sizeof *c);
    XSK_ASSERT(c);
    n = xsk_port_counters(port, c);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s=%"PRIu64"\n", c[i].name, c[i].value);
    }
    free(c);
}

/* Returns the "afxdp/stats" text of 'port' (malloc'd, caller frees). */
char *
xsk_report_stats(const struct xsk_port *port)
{
    return report_text(write_stats, port);
}

/* Names of the places of struct xsk_places, in its order. */
static const char *const place_names[] = {
    "pool", "cache", "fill", "rx", "packets", "tx", "completion", "slots",
};

/* Writes the "afxdp/show" line of 'umem' to 'f': its frames per place 'p'
 * as xsk_umem_account() counted them, and whether they added up
 * ('accounted').  (The caller counts: under traffic it may count again
 * after a pause, in whatever way its threads may sleep.) */
void
xsk_report_umem(const struct xsk_umem_pool *umem,
                const struct xsk_places *p, bool accounted, FILE *f)
{
    const uint64_t counts[] = {
        p->pool, p->cache, p->fill, p->rx, p->packets, p->tx, p->comp,
        p->slots,
    };

    _Static_assert(XSK_ARRAY_SIZE(counts) == XSK_ARRAY_SIZE(place_names),
                   "a name for each place");

    fprintf(f, "umem %u: frames=%u frame-size=%u jumbo-slots=%u", umem->id,
            umem->key.n_frames, umem->key.frame_size, umem->n_slots);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(counts); i++) {
        fprintf(f, " %s=%"PRIu64, place_names[i], counts[i]);
    }
    fprintf(f, " bad-frees=%"PRIu64" accounted=%s\n", umem->bad_frees,
            accounted ? "yes" : "no");
}

/* Writes to 'f' a line for each queue of 'port' whose socket uses
 * 'umem'. */
void
xsk_report_queues(const struct xsk_port *port,
                  const struct xsk_umem_pool *umem, FILE *f)
{
    for (int q = 0; q < port->n_queues; q++) {
        const struct xsk_sock *s = port->queues[q].sock;

        if (s && s->umem == umem) {
            fprintf(f, "  %s queue %u: mode=%s %s rx=%"PRIu64" tx=%"PRIu64
                    "\n", port->name, s->queue_id, port->mode_reason,
                    s->zerocopy ? "zero-copy" : "copy",
                    port->queues[q].rx.stats.packets,
                    port->queues[q].tx_stats.packets);
        }
    }
}

/* Writes to 'f' the steering rules of 'port' with their hits, and the last
 * refusal; nothing if the port takes every frame and refused nothing. */
void
xsk_report_steer(const struct xsk_port *port, FILE *f)
{
    const struct xsk_steer *st = &port->steer;
    uint64_t hits[XSK_STEER_N_COUNTS];
    bool counted;

    if (st->mode == XSK_STEER_ALL && !port->steer_error) {
        return;
    }
    counted = port->prog && !port->ops->prog_steer_counts(port->prog, hits);
    fprintf(f, "port %s: xdp-steer-mode=%s rules=%u", port->name,
            xsk_steer_mode_name(st->mode), st->n_rules);
    if (counted) {
        fprintf(f, " to-host=%"PRIu64, hits[XSK_STEER_TO_HOST]);
    }
    fputc('\n', f);
    for (uint32_t i = 0; i < st->n_rules; i++) {
        fprintf(f, "  rule %u '%s'", i, st->rules[i].text);
        if (counted) {
            fprintf(f, ": packets=%"PRIu64, hits[i]);
        }
        fputc('\n', f);
    }
    if (port->steer_error) {
        fprintf(f, "  refused: %s\n", port->steer_error);
    }
}

/* Writes to 'f' the size of the offloaded-flow table of 'port', if it has
 * flows.  Takes the port's flow lock. */
void
xsk_report_flows(struct xsk_port *port, FILE *f)
{
    const struct xsk_flow_table *flows;

    xsk_mutex_lock(&port->flows.mutex);
    flows = port->flows.table;
    if (flows->n_rules) {
        fprintf(f, "port %s: %"PRIu32" offloaded flow(s), %"PRIu32
                " mask(s), %"PRIu64" offloaded since start\n", port->name,
                flows->n_rules,
                flows->n_masks - xsk_flow_n_empty_masks(flows),
                flows->n_puts);
    }
    xsk_mutex_unlock(&port->flows.mutex);
}

/* What show_umem() passes to show_queues(). */
struct show_umem_aux {
    const struct xsk_umem_pool *umem;
    FILE *f;
};

static void
show_queues(struct xsk_port *port, void *aux_)
{
    const struct show_umem_aux *aux = aux_;

    xsk_report_queues(port, aux->umem, aux->f);
}

/* Writes to 'f_' the "afxdp/show" lines of 'umem' (its frames per place)
 * and of the queues of every port that use it. */
static void
show_umem(struct xsk_umem_pool *umem, void *f_)
{
    struct show_umem_aux aux = { umem, f_ };
    struct xsk_places p;
    bool ok = false;

    /* Counts taken under traffic can be off by frames in motion; a quiet
     * datapath gives the same answer every time. */
    for (int i = 0; i < 3 && !ok; i++) {
        ok = xsk_umem_account(umem, &p);
        if (!ok) {
            const struct timespec ms = { 0, 1000 * 1000 };

            nanosleep(&ms, NULL);
        }
    }
    xsk_report_umem(umem, &p, ok, f_);
    xsk_port_foreach(show_queues, &aux);
}

/* Writes to 'f' the steering rules and offloaded flows of 'port', if it has
 * some. */
static void
show_port(struct xsk_port *port, void *f)
{
    xsk_report_steer(port, f);
    xsk_report_flows(port, f);
}

static void
write_show(const void *aux, FILE *f)
{
    (void) aux;
    xsk_umem_foreach(show_umem, f);
    xsk_port_foreach(show_port, f);
}

/* Returns the "afxdp/show" text (malloc'd, caller frees): every UMEM of the
 * process, where its frames are and which queues use it, then the steering
 * rules and offloaded flows of the ports that have some; "no UMEM\n" if
 * that is nothing. */
char *
xsk_report_show(void)
{
    char *text = report_text(write_show, NULL);

    if (!text[0]) {
        free(text);
        text = strdup("no UMEM\n");
        XSK_ASSERT(text);
    }
    return text;
}

bool
xsk_report_drops(const struct xsk_port_drops *d, char *buf, size_t size)
{
    int n = 0;

    if (!d->too_big && !d->gso_failed) {
        return false;
    }
    buf[0] = '\0';
    if (d->too_big) {
        n = snprintf(buf, size, "dropped %"PRIu32" packet(s) too big for the "
                     "socket (at most %"PRIu32" bytes%s)", d->too_big,
                     d->max_len, d->no_sg ? ", no multi-buffer" : "");
    }
    if (d->gso_failed && n >= 0 && (size_t) n < size) {
        snprintf(buf + n, size - n, "%sdropped %"PRIu32" TSO packet(s), the "
                 "last of %"PRIu32" bytes: %s", n ? "; " : "",
                 d->gso_failed, d->gso_len, strerror(d->gso_error));
    }
    return true;
}
