/* SPDX-License-Identifier: Apache-2.0 */

/* The transmit path of one AF_XDP socket: packet buffers in, TX descriptors
 * out (see xsk-tx.h).  Used by a port's send (xsk_port_send()) and by the
 * unit tests, which drive it through a fake TX ring. */

#include "xsk-tx.h"

#include <string.h>

#include "xsk-csum.h"
#include "xsk-rx.h"

_Static_assert(sizeof(struct xsk_tx_md) == XSK_TX_MD_LEN,
               "TX metadata layout");

/* Bytes of a copy in one frame: all of it after the TX metadata. */
static uint32_t
copy_cap(const struct xsk_umem_pool *umem)
{
    return umem->key.frame_size - umem->key.tx_md_len;
}

/* Returns true if 'p' can go on the ring in the frame or jumbo slot it is
 * in: a packet's frame of the UMEM, and with TX metadata, not a slot, with
 * room for the metadata in front. */
static bool
can_zero_copy(const struct xsk_umem_pool *umem, const struct xsk_tx_pkt *p)
{
    uint32_t md = umem->key.tx_md_len;

    if (p->frame == XSK_TX_COPY) {
        return false;
    }
    return !md || (!xsk_frame_in_slot(umem, p->frame)
                   && (const char *) p->data - xsk_frame_ptr(umem, p->frame)
                      >= md);
}

/* TX descriptors 'p' takes: one for a frame sent as it is; a slot packet is
 * cut where its data crosses a frame boundary; a copy fills whole frames
 * after their metadata room. */
static uint32_t
n_descs(const struct xsk_umem_pool *umem, const struct xsk_tx_pkt *p)
{
    if (can_zero_copy(umem, p) && p->len) {
        return xsk_ptr_to_frame(umem, p->data + p->len - 1)
               - xsk_ptr_to_frame(umem, p->data) + 1;
    }
    return (p->len + copy_cap(umem) - 1) / copy_cap(umem);
}

/* Copies 'p' into free frames described by 'n' TX descriptors from ring
 * index 'idx' (a chain when more than one).  Returns false, having used
 * nothing, if the pool is dry. */
static bool
tx_copy(struct xsk_sock *sock, struct xsk_tcache *tc, uint32_t idx,
        const struct xsk_tx_pkt *p, uint32_t n)
{
    struct xsk_umem_pool *umem = sock->umem;
    uint32_t md = umem->key.tx_md_len;
    uint32_t cap = copy_cap(umem);
    uint32_t frames[XSK_MAX_CHAIN_LEN / 2048 + 1];
    uint32_t got;

    got = xsk_frames_get(tc, frames, n, XSK_OWNER_TX(sock->index));
    if (XSK_UNLIKELY(got < n)) {
        xsk_frames_put(tc, frames, got);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct xdp_desc *desc = xsk_sock_tx_desc(sock, idx + i);
        uint32_t len = p->len - i * cap;

        len = len < cap ? len : cap;
        memcpy(xsk_frame_ptr(umem, frames[i]) + md, p->data + i * cap, len);
        desc->addr = xsk_frame_to_addr(umem, frames[i]) + md;
        desc->len = len;
        desc->options = i + 1 < n ? XDP_PKT_CONTD : 0;
    }
    return true;
}

/* Gives the jumbo slot of 'p' to 'sock' as a chain of TX descriptors from
 * ring index 'idx', one per frame its data reaches, with no copy.  Returns
 * false, having used nothing, if the slot is not a packet's. */
static bool
tx_slot(struct xsk_sock *sock, struct xsk_tcache *tc, uint32_t idx,
        const struct xsk_tx_pkt *p)
{
    struct xsk_umem_pool *umem = sock->umem;
    uint32_t first = xsk_ptr_to_frame(umem, p->data);
    uint32_t last = xsk_ptr_to_frame(umem, p->data + p->len - 1);
    uint64_t addr = (const char *) p->data - umem->base;
    uint64_t end = addr + p->len;

    if (XSK_UNLIKELY(!xsk_slot_packet_to_tx(tc, p->frame, first, last,
                                            sock->index))) {
        return false;
    }
    for (uint32_t f = first; f <= last; f++) {
        struct xdp_desc *desc = xsk_sock_tx_desc(sock, idx + f - first);
        uint64_t frame_end = xsk_frame_to_addr(umem, f + 1);

        desc->addr = addr;
        desc->len = (end < frame_end ? end : frame_end) - addr;
        desc->options = f < last ? XDP_PKT_CONTD : 0;
        addr = frame_end;
    }
    return true;
}

/* Puts 'p' on 'sock''s TX ring at index 'idx' in the frame or jumbo slot it
 * already is in, with no copy.  Returns false, having used nothing, if it is
 * not a packet's frame of the socket's UMEM. */
static bool
tx_zero_copy(struct xsk_sock *sock, struct xsk_tcache *tc, uint32_t idx,
             const struct xsk_tx_pkt *p)
{
    struct xsk_umem_pool *umem = sock->umem;
    struct xdp_desc *desc;

    if (!can_zero_copy(umem, p)) {
        return false;
    }
    if (xsk_frame_in_slot(umem, p->frame)) {
        return tx_slot(sock, tc, idx, p);
    }
    if (!xsk_frame_packet_to_tx(tc, p->frame, sock->index)) {
        return false;
    }
    desc = xsk_sock_tx_desc(sock, idx);
    desc->addr = (const char *) p->data - umem->base;
    desc->len = p->len;
    desc->options = 0;
    return true;
}

/* Carries out the checksum request of 'p', just put on the ring from index
 * 'idx': TX metadata in front of its first descriptor's data, or, without
 * metadata, the checksum finished in the frame of a one-frame packet. */
static void
tx_csum(struct xsk_sock *sock, uint32_t idx, const struct xsk_tx_pkt *p,
        struct xsk_tx_stats *stats)
{
    struct xsk_umem_pool *umem = sock->umem;
    struct xdp_desc *desc = xsk_sock_tx_desc(sock, idx);
    uint8_t *data = (uint8_t *) umem->base + desc->addr;

    if (umem->key.tx_md_len) {
        struct xsk_tx_md *md = (void *) (data - umem->key.tx_md_len);

        memset(md, 0, sizeof *md);
        md->flags = XDP_TXMD_FLAGS_CHECKSUM;
        md->csum_start = p->csum_start;
        md->csum_offset = p->csum_offset;
        desc->options |= XDP_TX_METADATA;
        stats->csum_offloaded++;
    } else if (!(desc->options & XDP_PKT_CONTD)) {
        xsk_csum_finish_at(data, desc->len, p->csum_start, p->csum_offset);
        stats->csum_finished++;
    }
}

/* Sends the 'n' (at most XSK_TX_BURST) packets 'pkts' on 'sock', with 'tc'
 * the calling thread's cache of its UMEM, counting in 'stats'.  Returns the
 * mask of the packets handed to the ring without a copy (see xsk-tx.h). */
uint32_t
xsk_tx_burst(struct xsk_sock *sock, struct xsk_tcache *tc,
             const struct xsk_tx_pkt *pkts, uint32_t n,
             struct xsk_tx_stats *stats)
{
    struct xsk_umem_pool *umem = sock->umem;
    uint32_t max_descs = sock->sg ? XSK_MAX_CHAIN_LEN / umem->key.frame_size
                                  : 1;
    uint32_t descs[XSK_TX_BURST];
    uint32_t reserved, used = 0, idx = 0, want = 0;
    uint32_t handed = 0;

    XSK_ASSERT(n <= XSK_TX_BURST);
    for (uint32_t i = 0; i < n; i++) {
        descs[i] = n_descs(umem, &pkts[i]);
        want += descs[i];
    }
    xsk_sock_complete(sock, tc);
    reserved = xsk_sock_tx_reserve(sock, want, &idx);

    for (uint32_t i = 0; i < n; i++) {
        const struct xsk_tx_pkt *p = &pkts[i];

        if (XSK_UNLIKELY(!p->len || descs[i] > max_descs)) {
            stats->too_big++;
            stats->dropped++;
            continue;
        }
        if (XSK_UNLIKELY(used + descs[i] > reserved)) {
            stats->ring_full++;
            stats->dropped++;
            continue;
        }
        if (tx_zero_copy(sock, tc, idx + used, p)) {
            if (p->csum_start) {
                tx_csum(sock, idx + used, p, stats);
            }
            used += descs[i];
            handed |= 1u << i;
            stats->zero_copy++;
            stats->zero_copy_chains += descs[i] > 1;
        } else {
            uint32_t n_copy = (p->len + copy_cap(umem) - 1) / copy_cap(umem);

            if (XSK_UNLIKELY(n_copy > max_descs)) {
                stats->too_big++;
                stats->dropped++;
                continue;
            }
            if (XSK_UNLIKELY(used + n_copy > reserved
                             || !tx_copy(sock, tc, idx + used, p, n_copy))) {
                stats->no_frame++;
                stats->dropped++;
                continue;
            }
            if (p->csum_start) {
                tx_csum(sock, idx + used, p, stats);
            }
            used += n_copy;
            stats->copied++;
            stats->copied_chains += n_copy > 1;
        }
        stats->packets++;
        stats->bytes += p->len;
    }

    xsk_sock_tx_submit(sock, reserved, used);
    xsk_sock_kick(sock);
    return handed;
}
