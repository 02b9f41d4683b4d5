/* SPDX-License-Identifier: Apache-2.0 */

#ifndef FAKE_SOCK_H
#define FAKE_SOCK_H 1

/* A fake AF_XDP socket for tests of the receive and transmit paths
 * (test-rxtx, test-port-send, the rx fuzz target): its four rings are plain
 * memory on a real UMEM (no kernel), and the test plays the kernel with
 * kernel_rx() and kernel_tx().
 * Header-only. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "xsk-rx.h"
#include "xsk-sock.h"

#define N_FRAMES 2048
#define FRAME_SIZE 4096
#define RING_SIZE 512

struct fake {
    struct xsk_umem_pool *umem;
    struct xsk_sock sock;
    uint32_t prod[4], cons[4], flags[4];
    uint64_t fill_ring[RING_SIZE];
    uint64_t comp_ring[RING_SIZE];
    struct xdp_desc rx_ring[RING_SIZE];
    struct xdp_desc tx_ring[RING_SIZE];
};

static inline void
ring_init(struct xsk_ring_cons *r, uint32_t size, uint32_t *prod,
          uint32_t *cons, uint32_t *flags, void *ring, bool producer)
{
    memset(r, 0, sizeof *r);
    r->mask = size - 1;
    r->size = size;
    r->producer = prod;
    r->consumer = cons;
    r->flags = flags;
    r->ring = ring;
    r->cached_cons = producer ? size : 0;
}

/* Sets up a fake socket on a new UMEM; 'sg' says whether it takes chains,
 * 'tx_size' is its TX ring's size, 'tx_md_len' its TX metadata length. */
static inline void
fake_init(struct fake *f, bool sg, uint32_t tx_size, uint32_t tx_md_len)
{
    struct xsk_umem_key key = {
        .frame_size = FRAME_SIZE,
        .n_frames = N_FRAMES,
        .bind_flags = XDP_COPY | (sg ? XDP_USE_SG : 0),
        .tx_md_len = tx_md_len,
    };
    struct xsk_sock *s = &f->sock;

    memset(f, 0, sizeof *f);
    XSK_ASSERT(!xsk_umem_create(&key, &f->umem));
    s->umem = f->umem;
    s->fd = -1;
    s->sg = sg;
    s->fill_target = RING_SIZE / 2;
    ring_init((struct xsk_ring_cons *) &s->fill, RING_SIZE, &f->prod[0],
              &f->cons[0], &f->flags[0], f->fill_ring, true);
    ring_init(&s->rx, RING_SIZE, &f->prod[1], &f->cons[1], &f->flags[1],
              f->rx_ring, false);
    ring_init((struct xsk_ring_cons *) &s->tx, tx_size, &f->prod[2],
              &f->cons[2], &f->flags[2], f->tx_ring, true);
    ring_init(&s->comp, RING_SIZE, &f->prod[3], &f->cons[3], &f->flags[3],
              f->comp_ring, false);
    f->umem->socks[0] = s;
}

/* The socket closes: its rings' frames come back.  Returns true, having
 * destroyed the UMEM, if every frame is free; false (UMEM kept) if some are
 * missing. */
static inline bool
fake_close(struct fake *f)
{
    xsk_frames_reclaim(f->umem, XSK_OWNER_RX(0));
    xsk_frames_reclaim(f->umem, XSK_OWNER_TX(0));
    xsk_tcache_flush(xsk_tcache_get(f->umem));
    f->umem->socks[0] = NULL;
    if (!xsk_umem_idle(f->umem)) {
        return false;
    }
    xsk_umem_destroy(f->umem);
    return true;
}

/* The kernel receives 'len' bytes of 'pkt' in descriptors of at most
 * 'frag' bytes.  Returns false if the fill ring had too few frames. */
static inline bool
kernel_rx(struct fake *f, const uint8_t *pkt, uint32_t len, uint32_t frag)
{
    uint32_t n = len ? (len + frag - 1) / frag : 1;

    if (f->prod[0] - f->cons[0] < n) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t addr = f->fill_ring[f->cons[0]++ % RING_SIZE];
        struct xdp_desc *d = &f->rx_ring[f->prod[1]++ % RING_SIZE];
        uint32_t part = len - i * frag < frag ? len - i * frag : frag;

        d->addr = addr + XSK_RX_HEADROOM;
        d->len = part;
        d->options = i + 1 < n ? XDP_PKT_CONTD : 0;
        memcpy(f->umem->base + d->addr, pkt + i * frag, part);
    }
    return true;
}

/* The kernel transmits what is on the TX ring: joins each packet's
 * descriptors into 'out' (one after the other, lengths in 'lens') and
 * completes their frames.  Returns the number of packets. */
static inline uint32_t
kernel_tx(struct fake *f, uint8_t *out, uint32_t *lens, uint32_t max)
{
    uint32_t n = 0, len = 0;

    while (f->cons[2] != f->prod[2]) {
        struct xdp_desc *d = &f->tx_ring[f->cons[2]++ & f->sock.tx.mask];

        memcpy(out, f->umem->base + d->addr, d->len);
        out += d->len;
        len += d->len;
        f->comp_ring[f->prod[3]++ % RING_SIZE] = d->addr & ~(uint64_t)
                                                 (FRAME_SIZE - 1);
        if (!(d->options & XDP_PKT_CONTD)) {
            if (n < max) {
                lens[n] = len;
            }
            n++;
            len = 0;
        }
    }
    return n;
}

#endif /* fake-sock.h */
