/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_SOCK_H
#define XSK_SOCK_H 1

/* One AF_XDP socket: one (interface, queue) bound to a shared UMEM.
 *
 * The socket is made with raw setsockopt()/mmap()/bind() rather than
 * libxdp's xsk_socket__create_shared(), so that every ring's owner is
 * explicit (libxdp silently hands the UMEM's first fill/completion rings to
 * the first socket and keeps that socket's fd as the UMEM's), so that the
 * UMEM outlives any one socket, and so that fields newer than libxdp 1.3
 * (TX metadata, TX skb budget) can be set.  The rings are driven with
 * libxdp's inline ring helpers from <xdp/xsk.h>.
 *
 * Rings and who touches them
 * --------------------------
 *
 *     fill  producer: the thread that polls the rxq (xsk_sock_refill())
 *           consumer: kernel, which moves the frames to 'rx'
 *     rx    producer: kernel
 *           consumer: the thread that polls the rxq (xsk_sock_rx_peek(),
 *           xsk_sock_rx_release())
 *     tx    producer: the sender, under the txq lock if several threads
 *           send (xsk_sock_tx_reserve(), xsk_sock_tx_submit())
 *           consumer: kernel (in copy mode only inside sendto(), see
 *           xsk_sock_kick()), which moves the frames to 'comp'
 *     comp  producer: kernel
 *           consumer: the sender, under the same txq lock
 *           (xsk_sock_complete())
 *
 * Frames given to 'fill' are owned XSK_OWNER_RX(index) until they come
 * back from 'rx'; frames given to 'tx' are XSK_OWNER_TX(index) until they
 * come back from 'comp'.  xsk_sock_destroy() returns all of them,
 * including any the kernel kept, once the socket is closed. */

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "xsk-umem.h"

#define XSK_BATCH 64            /* Descriptors per ring operation. */

struct xsk_sock_cfg {
    int ifindex;
    uint32_t queue_id;
    uint32_t rx_size;           /* RX ring; the fill ring is twice that. */
    uint32_t tx_size;           /* TX ring; the completion ring is the same. */
};

struct xsk_sock_stats {
    uint64_t rx_packets;        /* Descriptors (a chained packet has
                                 * several). */
    uint64_t tx_packets;
    uint64_t tx_busy;           /* sendto() said EBUSY: frames dropped. */
    uint64_t tx_ring_full;      /* Descriptors not sent: TX ring full. */
    uint64_t fill_empty;        /* Refills that found no free frame. */
    uint64_t kicks;             /* sendto() calls. */
};

struct xsk_sock {
    struct xsk_umem_pool *umem;
    uint16_t index;             /* In umem->socks[]; its frames are
                                 * XSK_OWNER_RX(index) or _TX(index). */
    int fd;
    int ifindex;
    uint32_t queue_id;
    bool zerocopy;              /* Kernel says XDP_OPTIONS_ZEROCOPY. */
    bool need_wakeup;
    bool sg;

    /* RX side: only the thread that polls this queue. */
    struct xsk_ring_prod fill;
    struct xsk_ring_cons rx;
    uint64_t fill_total;        /* Frames ever put on 'fill'. */
    uint64_t rx_total;          /* Frames ever taken from 'rx'. */
    uint32_t fill_target;       /* Frames to keep on 'fill' + 'rx'. */

    /* TX side: the sender, under the txq lock when shared. */
    struct xsk_ring_prod tx;
    struct xsk_ring_cons comp;
    uint64_t tx_total;          /* Frames ever put on 'tx'. */
    uint64_t comp_total;        /* Frames ever taken from 'comp'. */

    struct xsk_sock_stats stats;

    void *maps[4];              /* fill, comp, rx, tx ring mappings. */
    size_t map_len[4];
};

/* Frames per place, as counted by xsk_sock_account(). */
struct xsk_places {
    uint64_t pool, cache, fill, rx, packets, tx, comp, slots;
};

int xsk_sock_create(struct xsk_umem_pool *, const struct xsk_sock_cfg *,
                    struct xsk_sock **, char **errp);
void xsk_sock_destroy(struct xsk_sock *);

void xsk_sock_refill(struct xsk_sock *, struct xsk_tcache *);
uint32_t xsk_sock_rx_peek(struct xsk_sock *, uint32_t n, uint32_t *idx);
void xsk_sock_rx_release(struct xsk_sock *, uint32_t peeked, uint32_t used);
uint32_t xsk_sock_rx_pending(struct xsk_sock *);
void xsk_sock_rx_wakeup(struct xsk_sock *);

uint32_t xsk_sock_tx_reserve(struct xsk_sock *, uint32_t n, uint32_t *idx);
void xsk_sock_tx_submit(struct xsk_sock *, uint32_t reserved, uint32_t used);
void xsk_sock_kick(struct xsk_sock *);
void xsk_sock_complete(struct xsk_sock *, struct xsk_tcache *);

/* Descriptor 'idx' of the last xsk_sock_rx_peek(). */
static inline const struct xdp_desc *
xsk_sock_rx_desc(const struct xsk_sock *sock, uint32_t idx)
{
    return xsk_ring_cons__rx_desc(&sock->rx, idx);
}

/* Descriptor 'idx' of a reservation made with xsk_sock_tx_reserve(). */
static inline struct xdp_desc *
xsk_sock_tx_desc(struct xsk_sock *sock, uint32_t idx)
{
    return xsk_ring_prod__tx_desc(&sock->tx, idx);
}

int xsk_sock_get_xdp_stats(const struct xsk_sock *, struct xdp_statistics *);

bool xsk_umem_account(struct xsk_umem_pool *, struct xsk_places *);

/* TX metadata length a UMEM is registered with when its sockets finish
 * partial checksums through the kernel (struct xsk_tx_md). */
#define XSK_TX_MD_LEN 32
bool xsk_tx_md_supported(void);

#endif /* xsk-sock.h */
