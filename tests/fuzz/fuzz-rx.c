/* SPDX-License-Identifier: Apache-2.0 */

/* Fuzz target "rx": the receive path (xsk-rx) over arbitrary descriptor
 * sequences, through the fake socket of tests/unit/fake-sock.h.  The input
 * sets the MTU, the checksum mode and whether the UMEM has jumbo slots, then
 * describes packets: each a length, the bytes per descriptor (so chains of
 * any shape, up to longer than the kernel makes) and its bytes.  After
 * every call: at most a burst of packets, each within the frame or jumbo
 * slot it says it owns (or malloc'd); after all: every frame back in the
 * pool.  ASan catches any write outside the buffers. */

#include "fuzz.h"

#include <string.h>

#include "../unit/fake-sock.h"

/* Checks that packet 'p' lies within what it owns, then frees it. */
static void
check_and_free(struct fake *f, const struct xsk_rx_pkt *p)
{
    struct xsk_umem_pool *umem = f->umem;

    if (p->frame == XSK_RX_HEAP) {
        FUZZ_CHECK(p->len <= XSK_MAX_CHAIN_LEN, "heap packet %u", p->len);
        free(p->data);
        return;
    }
    if (p->frame == XSK_RX_SUPER) {
        FUZZ_CHECK(p->len <= XSK_MAX_CHAIN_LEN, "whole super-packet %u",
                   p->len);
        FUZZ_CHECK(xsk_rx_super_headroom(p->len) + p->len <= 65535,
                   "whole super-packet buffer over 65535 bytes");
        free(p->data - xsk_rx_super_headroom(p->len));
        return;
    }
    uint64_t start = (char *) p->data - xsk_frame_ptr(umem, p->frame);
    uint64_t size = xsk_frame_in_slot(umem, p->frame) ? xsk_slot_size(umem)
                                                      : umem->key.frame_size;

    FUZZ_CHECK(p->frame < umem->key.n_frames, "frame %u", p->frame);
    FUZZ_CHECK(start + p->len <= size, "packet of %u bytes at %llu in a "
               "buffer of %llu", p->len, (unsigned long long) start,
               (unsigned long long) size);
    FUZZ_CHECK(umem->owner[p->frame] == XSK_OWNER_PACKET, "owner %u",
               umem->owner[p->frame]);
    xsk_frame_packet_free(xsk_tcache_get(umem), p->frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[XSK_MAX_CHAIN_LEN + 4096];
    struct fuzz_in in = { data, size };
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    struct xsk_rx_cfg cfg;
    struct xsk_rxq q;
    struct fake *f;
    uint8_t flags;

    f = calloc(1, sizeof *f);
    flags = fuzz_u8(&in);
    cfg.mtu = 68 + fuzz_u16(&in) % (9000 - 68 + 1);
    cfg.frame_cap = FRAME_SIZE - XSK_RX_HEADROOM;
    cfg.csum_mode = flags % 3;
    fake_init(f, flags & 4, RING_SIZE, 0);
    FUZZ_CHECK(!xsk_rxq_init(&q, &f->sock, &cfg), "rxq_init");
    q.gso_pass = flags & 8;     /* Super-packets whole (userspace TSO). */

    for (int round = 0; in.n && round < 16; round++) {
        uint32_t len = fuzz_u16(&in) % (sizeof pkt);
        uint32_t frag = 1 + fuzz_u16(&in) % (FRAME_SIZE - XSK_RX_HEADROOM);
        uint32_t have = in.n < len ? in.n : len;

        /* The packet's bytes: from the input, then a repeat of them. */
        memcpy(pkt, in.p, have);
        for (uint32_t i = have; i < len; i++) {
            pkt[i] = have ? pkt[i % have] : 0;
        }
        in.p += have;
        in.n -= have;

        xsk_sock_refill(&f->sock, xsk_tcache_get(f->umem));
        if (!len || len / frag >= 64 || !kernel_rx(f, pkt, len, frag)) {
            continue;           /* More than a peek takes, or no frames. */
        }
        for (int calls = 0; calls < 64; calls++) {
            uint32_t n = xsk_rxq_recv(&q, xsk_tcache_get(f->umem), pkts);

            FUZZ_CHECK(n <= XSK_RX_BURST, "%u packets", n);
            for (uint32_t i = 0; i < n; i++) {
                check_and_free(f, &pkts[i]);
            }
            if (!n && !xsk_rxq_pending(&q)) {
                break;
            }
        }
    }
    xsk_rxq_uninit(&q);
    FUZZ_CHECK(fake_close(f), "frames missing from the pool");
    free(f);
    return 0;
}
