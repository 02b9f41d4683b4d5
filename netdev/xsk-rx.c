/* SPDX-License-Identifier: Apache-2.0 */

/* The receive path of one AF_XDP queue: descriptors in, packet buffers out
 * (see xsk-rx.h).  Used by a port's receive (xsk_port_recv()) and by the
 * unit tests, which drive it through a fake RX ring. */

#include "xsk-rx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsk-csum.h"
#include "xsk-geneve.h"
#include "xsk-gso.h"

#define ETH_HDR_LEN 14

/* Segments are cut to leave room for VLAN tags and encapsulation headers
 * OVS may push in front of them, within a frame. */
#define XSK_RX_FRAME_SPARE 64

/* Enough of a packet's first bytes for xsk_gso_count() and xsk_parse_l4()
 * to read all they read: Ethernet with two VLAN tags (22 bytes), IPv4 with
 * options (60) and TCP up to its flags (14). */
#define XSK_RX_HEAD_LEN 128

void *(*xsk_rx_super_malloc)(size_t) = malloc;

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

int
xsk_rxq_init(struct xsk_rxq *q, struct xsk_sock *sock,
             const struct xsk_rx_cfg *cfg)
{
    memset(q, 0, sizeof *q);
    q->linear = malloc(XSK_MAX_CHAIN_LEN);
    if (!q->linear) {
        return ENOMEM;
    }
    q->sock = sock;
    q->cfg = cfg;
    return 0;
}

/* Frees the packets still in 'q''s stash and its buffers.  The socket is
 * the caller's. */
void
xsk_rxq_uninit(struct xsk_rxq *q)
{
    for (uint32_t i = q->stash_pos; i < q->stash_n; i++) {
        struct xsk_rx_pkt *p = &q->stash[i];

        if (p->frame == XSK_RX_HEAP) {
            free(p->data);
        } else if (p->frame == XSK_RX_SUPER) {
            free(p->data - xsk_rx_super_headroom(p->len));
        } else {
            xsk_frame_packet_free(xsk_tcache_get(q->sock->umem), p->frame);
        }
    }
    q->stash_pos = q->stash_n = 0;
    free(q->linear);
    q->linear = NULL;
}

/* Handles a partial checksum of the 'len' bytes at 'data' as 'mode' says.
 * Returns the packet's XSK_RX_CSUM_* bits. */
static uint32_t
rx_csum(struct xsk_rxq *q, uint8_t mode, uint8_t *data, uint32_t len)
{
    struct xsk_l4 l4;

    if (mode == XSK_RX_CSUM_KEEP || !xsk_csum_partial(data, len, &l4)) {
        return 0;
    }
    if (mode == XSK_RX_CSUM_FIX) {
        xsk_csum_finish_at(data, l4.l4_ofs + l4.l4_len, l4.l4_ofs,
                           l4.csum_ofs - l4.l4_ofs);
        q->stats.csum_fixed++;
        return 0;
    }
    q->stats.csum_partial++;
    return (l4.proto == 6 ? XSK_RX_CSUM_TCP : XSK_RX_CSUM_UDP)
           | (l4.ipv6 ? XSK_RX_CSUM_IPV6 : 0);
}

/* Appends a packet to 'pkts' (of '*n' so far), or to the stash once the
 * burst is full.  The caller made sure the stash has room. */
static void
deliver(struct xsk_rxq *q, struct xsk_rx_pkt *pkts, uint32_t *n,
        uint8_t *data, uint32_t len, uint32_t frame, uint32_t csum)
{
    struct xsk_rx_pkt *p = *n < XSK_RX_BURST ? &pkts[(*n)++]
                                             : &q->stash[q->stash_n++];

    p->data = data;
    p->len = len;
    p->frame = frame;
    p->csum = csum;
    q->stats.packets++;
    q->stats.bytes += len;
}

/* Takes a buffer for a packet of 'len' bytes built here: a frame if it fits
 * one, else a jumbo slot.  Returns the frame (the slot's first frame), owned
 * by a packet, or XSK_RX_HEAP if there is none. */
static uint32_t
buffer_get(struct xsk_tcache *tc, uint32_t cap, uint32_t len)
{
    struct xsk_umem_pool *umem = tc->umem;
    uint32_t frame;

    if (len <= cap) {
        return xsk_frames_get_for_packets(tc, &frame, 1) ? frame
                                                         : XSK_RX_HEAP;
    }
    if (umem->n_slots && len <= xsk_slot_size(umem) - XSK_RX_HEADROOM) {
        return xsk_slot_get_for_packet(tc);     /* UINT32_MAX if none. */
    }
    return XSK_RX_HEAP;
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

/* Returns the first bytes of the chain of 'n' descriptors at RX ring index
 * 'idx': in its first buffer if that holds XSK_RX_HEAD_LEN bytes, else
 * copied into 'head' (as many as the chain has, at most XSK_RX_HEAD_LEN). */
static const uint8_t *
chain_head(const struct xsk_sock *sock, uint32_t idx, uint32_t n,
           uint8_t head[XSK_RX_HEAD_LEN])
{
    const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx);
    uint32_t got = 0;

    if (d->len >= XSK_RX_HEAD_LEN) {
        return (const uint8_t *) sock->umem->base + d->addr;
    }
    for (uint32_t i = 0; i < n && got < XSK_RX_HEAD_LEN; i++) {
        uint32_t chunk;

        d = xsk_sock_rx_desc(sock, idx + i);
        chunk = min_u32(d->len, XSK_RX_HEAD_LEN - got);
        memcpy(head + got, sock->umem->base + d->addr, chunk);
        got += chunk;
    }
    return head;
}

/* Cuts the super-packet of 'len' bytes in 'q->linear' into segments of at
 * most 'mtu' bytes of IP, each in a frame of its own: a TCP super-packet
 * (xsk-gso.h) or a Geneve one (xsk-geneve.h).  Returns false if it is
 * neither (each count says 1 when the packet is one segment already); a
 * packet to the Geneve port that cannot be cut is dropped. */
static bool
segment(struct xsk_rxq *q, struct xsk_tcache *tc, uint32_t len,
        uint32_t mtu, struct xsk_rx_pkt *pkts, uint32_t *n)
{
    struct xsk_umem_pool *umem = tc->umem;
    uint32_t frames[XSK_RX_MAX_SEGS];
    uint8_t *bufs[XSK_RX_MAX_SEGS];
    uint32_t lens[XSK_RX_MAX_SEGS];
    uint32_t n_segs, got;
    bool geneve = false;

    n_segs = xsk_gso_count(q->linear, len, mtu);
    if (!n_segs) {
        n_segs = xsk_geneve_count(q->linear, len, mtu);
        if (n_segs == XSK_GENEVE_BAD) {
            q->stats.dropped++;
            return true;
        }
        geneve = true;
    }
    if (n_segs <= 1) {
        return false;
    }
    /* The stash is empty here (xsk_rxq_recv() takes a chain only then), so
     * the burst's room plus the stash holds XSK_RX_MAX_SEGS. */
    if (n_segs > XSK_RX_MAX_SEGS) {
        q->stats.dropped++;
        return true;
    }
    got = xsk_frames_get_for_packets(tc, frames, n_segs);
    if (got < n_segs) {
        for (uint32_t i = 0; i < got; i++) {
            xsk_frame_packet_free(tc, frames[i]);
        }
        q->stats.dropped++;
        return true;
    }
    for (uint32_t i = 0; i < n_segs; i++) {
        bufs[i] = (uint8_t *) xsk_frame_ptr(umem, frames[i])
                  + XSK_RX_HEADROOM;
    }
    if (geneve) {
        xsk_geneve_segment(q->linear, len, bufs, lens, n_segs);
    } else {
        xsk_gso_segment(q->linear, len, mtu, bufs, lens, n_segs);
    }
    for (uint32_t i = 0; i < n_segs; i++) {
        deliver(q, pkts, n, bufs[i], lens[i], frames[i], 0);
    }
    q->stats.super_packets++;
    q->stats.gso_segments += n_segs;
    return true;
}

/* Joins the chain of 'n_descs' descriptors at RX ring index 'idx' ('len'
 * bytes) into malloc'd memory and delivers it whole, as XSK_RX_SUPER, if it
 * is a TCP super-packet for 'mtu'.  Returns false, delivering nothing, if
 * it is not one (found from its first bytes, before anything is allocated
 * or joined) or there is no memory.  The chain's frames stay the
 * caller's. */
static bool
rx_super(struct xsk_rxq *q, uint32_t idx, uint32_t n_descs, uint32_t len,
         uint32_t mtu, struct xsk_rx_pkt *pkts, uint32_t *n)
{
    uint8_t head_buf[XSK_RX_HEAD_LEN];
    const uint8_t *head;
    uint32_t headroom;
    struct xsk_l4 l4;
    uint8_t *buf;
    uint8_t *pkt;

    if (len > XSK_RX_SUPER_MAX_BUF - XSK_RX_SUPER_MIN_HEADROOM) {
        return false;
    }
    /* Both read only headers, which 'head' holds whole if the packet has
     * them, and check them against the whole length 'len'. */
    head = chain_head(q->sock, idx, n_descs, head_buf);
    if (xsk_gso_count(head, len, mtu) <= 1
        || !xsk_parse_l4(head, len, &l4)) {
        return false;
    }
    headroom = xsk_rx_super_headroom(len);
    buf = xsk_rx_super_malloc(headroom + len);
    if (!buf) {
        return false;
    }
    pkt = buf + headroom;
    join_chain(q->sock, idx, n_descs, pkt);
    deliver(q, pkts, n, pkt, len, XSK_RX_SUPER,
            XSK_RX_CSUM_TCP | XSK_RX_CSUM_GSO
            | (l4.ipv6 ? XSK_RX_CSUM_IPV6 : 0));
    q->stats.super_whole++;
    return true;
}

/* Builds the packets of a received chain of 'n_descs' descriptors, first at
 * ring index 'idx' (or of one descriptor holding more than the MTU).  A
 * packet within the MTU is joined straight into the frame or jumbo slot
 * where it stays.  Otherwise it is joined in 'q->linear' first, then cut
 * into segments if it is a super-packet, else copied into a frame, a slot or
 * malloc'd memory.  The chain's frames go back to the pool. */
static void
rx_chain(struct xsk_rxq *q, struct xsk_tcache *tc,
         const struct xsk_rx_cfg *cfg,
         uint32_t idx, uint32_t n_descs, struct xsk_rx_pkt *pkts,
         uint32_t *n)
{
    struct xsk_sock *sock = q->sock;
    struct xsk_umem_pool *umem = sock->umem;
    uint32_t frames[XSK_MAX_CHAIN_LEN / 2048];
    uint32_t len = 0, dst = XSK_RX_HEAP, csum;
    uint8_t *pkt = q->linear;

    /* The kernel chains at most 18 buffers; a longer chain is refused
     * before anything is read. */
    if (XSK_UNLIKELY(n_descs > XSK_ARRAY_SIZE(frames))) {
        for (uint32_t i = 0; i < n_descs; i++) {
            uint64_t addr = xsk_sock_rx_desc(sock, idx + i)->addr;
            uint32_t frame = xsk_addr_to_frame(umem, addr);

            xsk_frames_put(tc, &frame, 1);
        }
        q->stats.dropped++;
        return;
    }
    for (uint32_t i = 0; i < n_descs; i++) {
        const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx + i);

        len += d->len;
        frames[i] = xsk_addr_to_frame(umem, d->addr);
    }
    q->stats.chains += n_descs > 1;
    if (XSK_UNLIKELY(len > XSK_MAX_CHAIN_LEN)) {
        xsk_frames_put(tc, frames, n_descs);
        q->stats.dropped++;
        return;
    }

    /* A TCP super-packet that OVS takes whole (userspace TSO). */
    if (q->gso_pass && len > cfg->mtu + ETH_HDR_LEN
        && rx_super(q, idx, n_descs, len, cfg->mtu, pkts, n)) {
        xsk_frames_put(tc, frames, n_descs);
        return;
    }

    /* Within the MTU: no segments to cut, so join it where it stays. */
    if (len <= cfg->mtu + ETH_HDR_LEN) {
        dst = buffer_get(tc, cfg->frame_cap, len);
        if (dst != XSK_RX_HEAP) {
            pkt = (uint8_t *) xsk_frame_ptr(umem, dst) + XSK_RX_HEADROOM;
        }
    }
    join_chain(sock, idx, n_descs, pkt);
    xsk_frames_put(tc, frames, n_descs);
    if (dst != XSK_RX_HEAP) {
        csum = rx_csum(q, cfg->csum_mode, pkt, len);
        deliver(q, pkts, n, pkt, len, dst, csum);
        return;
    }

    /* An IP packet larger than the MTU can only be a super-packet.  Its
     * Ethernet header may carry VLAN tags, so xsk_gso_count() measures the
     * IP packet itself. */
    if (len > cfg->mtu + ETH_HDR_LEN
        && segment(q, tc, len,
                   min_u32(cfg->mtu, cfg->frame_cap - XSK_RX_FRAME_SPARE),
                   pkts, n)) {
        return;
    }

    csum = rx_csum(q, cfg->csum_mode, pkt, len);
    dst = buffer_get(tc, cfg->frame_cap, len);
    if (dst != XSK_RX_HEAP) {
        uint8_t *data = (uint8_t *) xsk_frame_ptr(umem, dst)
                        + XSK_RX_HEADROOM;

        memcpy(data, pkt, len);
        deliver(q, pkts, n, data, len, dst, csum);
    } else {
        uint8_t *copy = malloc(len ? len : 1);

        if (!copy) {
            q->stats.dropped++;
            return;
        }
        memcpy(copy, pkt, len);
        deliver(q, pkts, n, copy, len, XSK_RX_HEAP, csum);
    }
}

/* Receives up to XSK_RX_BURST packets from 'q' into 'pkts', stashed
 * segments first; 'tc' is the calling thread's cache of the socket's UMEM.
 * Returns how many.  When there is nothing, asks the kernel for more if it
 * wants to be asked. */
uint32_t
xsk_rxq_recv(struct xsk_rxq *q, struct xsk_tcache *tc,
             struct xsk_rx_pkt pkts[XSK_RX_BURST])
{
    struct xsk_sock *sock = q->sock;
    struct xsk_umem_pool *umem = sock->umem;
    struct xsk_rx_cfg cfg;
    uint32_t n_out = 0, n, k, idx;

    cfg.mtu = __atomic_load_n(&q->cfg->mtu, __ATOMIC_RELAXED);
    cfg.frame_cap = __atomic_load_n(&q->cfg->frame_cap, __ATOMIC_RELAXED);
    cfg.csum_mode = __atomic_load_n(&q->cfg->csum_mode, __ATOMIC_RELAXED);

    /* Segments left over from the last call go first. */
    while (q->stash_pos < q->stash_n && n_out < XSK_RX_BURST) {
        pkts[n_out++] = q->stash[q->stash_pos++];
    }
    if (q->stash_pos == q->stash_n) {
        q->stash_pos = q->stash_n = 0;
    }

    xsk_sock_refill(sock, tc);
    n = xsk_sock_rx_peek(sock, q->stash_n ? 0 : XSK_BATCH, &idx);
    for (k = 0; k < n && n_out < XSK_RX_BURST; ) {
        const struct xdp_desc *d = xsk_sock_rx_desc(sock, idx + k);
        uint32_t end = k;

        /* A lone descriptor longer than the MTU is a super-packet that
         * fitted one frame: it takes the chain path below, as a chain of
         * one, to be cut. */
        if (XSK_LIKELY(!(d->options & XDP_PKT_CONTD)
                       && d->len <= cfg.mtu + ETH_HDR_LEN)) {
            uint32_t frame = xsk_addr_to_frame(umem, d->addr);
            uint8_t *data = (uint8_t *) umem->base + d->addr;

            if (k + 1 < n) {
                __builtin_prefetch(umem->base
                                   + xsk_sock_rx_desc(sock, idx + k + 1)
                                     ->addr);
            }
            xsk_frame_to_packet(tc, frame);
            deliver(q, pkts, &n_out, data, d->len, frame,
                    rx_csum(q, cfg.csum_mode, data, d->len));
            k++;
            continue;
        }

        /* A chain (or a lone super-packet): handle it once all of it is on
         * the ring, and only with an empty stash, which its segments may
         * need whole. */
        while (end < n
               && xsk_sock_rx_desc(sock, idx + end)->options & XDP_PKT_CONTD) {
            end++;
        }
        if (end == n || q->stash_n) {
            break;
        }
        rx_chain(q, tc, &cfg, idx + k, end - k + 1, pkts, &n_out);
        k = end + 1;
    }
    xsk_sock_rx_release(sock, n, k);

    if (!n_out) {
        xsk_sock_rx_wakeup(sock);
    }
    return n_out;
}

/* Returns how many packets (or descriptors) wait: stashed ones and those on
 * the RX ring. */
uint32_t
xsk_rxq_pending(struct xsk_rxq *q)
{
    return xsk_sock_rx_pending(q->sock) + q->stash_n - q->stash_pos;
}
