/* SPDX-License-Identifier: Apache-2.0 */

/* Unit tests of the receive and transmit paths (xsk-rx, xsk-tx) over a fake
 * socket: its four rings are plain memory, and the test plays the kernel.
 * On receive it takes frames from the fill ring, writes a packet into them
 * as descriptors of at most 'frag' bytes (a chain when more than one, as
 * XDP_USE_SG does) and puts them on the RX ring; on transmit it takes the
 * TX ring's descriptors, checks and joins them, and puts their frames on
 * the completion ring.  Cases are table rows, in the style of the kernel's
 * xskxceiver: what goes in and what must come out.  After every case each
 * frame must be back in the pool: none lost, none twice. */

#include "xsk-csum.h"
#include "xsk-rx.h"
#include "xsk-tx.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fake-sock.h"
#include "tap.h"

/* The socket closes: every frame must be back in the pool. */
static void
fake_destroy(struct fake *f, const char *what)
{
    CHECK(fake_close(f), "%s: frames are missing from the pool", what);
}

/* Builds an IPv4 packet of 'len' bytes: TCP with a 32-byte header
 * (timestamps) if 'tcp', else UDP; random payload. */
static uint8_t *
build_ipv4(uint32_t len, bool tcp)
{
    uint8_t *p = calloc(1, len);
    uint8_t *ip = p + 14;

    uint32_t hdr = 14 + 20 + (tcp ? 32 : 8);

    XSK_ASSERT(p && len >= hdr);
    memset(p, 0x02, 12);
    put16(p + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, len - 14);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = tcp ? 6 : 17;
    put32(ip + 12, 0x0a000001);
    put32(ip + 16, 0x0a000002);
    put16(ip + 10, rfc1071(ip, 20));
    if (tcp) {
        uint8_t *th = ip + 20;

        put16(th, 5201);
        put16(th + 2, 40000);
        put32(th + 4, 1000);
        th[12] = 8 << 4;
        th[13] = 0x18;
        put16(th + 14, 512);
        for (int i = 20; i < 32; i++) {
            th[i] = 1;
        }
    } else {
        put16(ip + 20, 4789);
        put16(ip + 22, 4789);
        put16(ip + 24, len - 14 - 20);
    }
    for (uint32_t i = hdr; i < len; i++) {
        p[i] = rnd();
    }
    return p;
}

/* Buffers of whole super-packets allocated (xsk_rx_super_malloc). */
static uint32_t n_super_mallocs;

static void *
counting_malloc(size_t size)
{
    n_super_mallocs++;
    return malloc(size);
}

static void
free_pkt(struct fake *f, const struct xsk_rx_pkt *p)
{
    if (p->frame == XSK_RX_HEAP) {
        free(p->data);
    } else if (p->frame == XSK_RX_SUPER) {
        free(p->data - xsk_rx_super_headroom(p->len));
    } else {
        xsk_frame_packet_free(xsk_tcache_get(f->umem), p->frame);
    }
}

/* ---- Receive ------------------------------------------------------------ */

enum where { ANY, IN_PLACE, FRAME, SLOT, HEAP, WHOLE };

struct rx_case {
    const char *name;
    uint32_t mtu;
    uint32_t len;               /* Bytes of the packet given. */
    bool tcp;
    uint32_t frag;              /* Bytes per descriptor. */
    uint32_t n_before;          /* Small packets received just before. */
    /* Expected: */
    uint32_t n_packets;         /* From the packet given. */
    uint32_t dropped;
    enum where where;           /* Of a single packet. */
    bool gso_pass;              /* Super-packets whole (userspace TSO). */
};

static const struct rx_case rx_cases[] = {
    { "64 bytes, one descriptor", 1500, 64, false, 3840, 0,
      1, 0, IN_PLACE },
    { "1514 bytes, one descriptor", 1500, 1514, false, 3840, 0,
      1, 0, IN_PLACE },
    { "chain of 2 within a frame", 1500, 1400, false, 1000, 0,
      1, 0, FRAME },
    { "9014-byte jumbo frame in 3 descriptors", 9000, 9014, false, 3840, 0,
      1, 0, SLOT },
    { "3000-byte UDP over a 1500 MTU: not a super-packet", 1500, 3000,
      false, 3840, 0, 1, 0, FRAME },
    { "super-packet in one descriptor", 1500, 2900, true, 3840, 0,
      2, 0, FRAME },
    { "64 KB super-packet, MTU 1500", 1500, 65000, true, 3840, 0,
      45, 0, ANY },
    /* A defect fixed: 77 segments at MTU 900 were written into 64-entry
     * arrays on the stack; and with a fuller burst they were dropped. */
    { "64 KB super-packet, MTU 900", 900, 65000, true, 3840, 0,
      77, 0, ANY },
    { "64 KB super-packet, MTU 900, after 31 packets", 900, 65000, true,
      3840, 31, 77, 0, ANY },
    { "64 KB super-packet, MTU 576: 124 segments", 576, 65000, true, 3840,
      0, 124, 0, ANY },
    { "64 KB super-packet, MTU 400: too many segments, dropped", 400, 65000,
      true, 3840, 0, 0, 1, ANY },
    { "chain of 40 descriptors: longer than the kernel makes", 9000, 4000,
      false, 100, 0, 0, 1, ANY },
    /* With userspace TSO, a TCP super-packet goes on whole. */
    { "64 KB super-packet, MTU 1500, whole", 1500, 65000, true, 3840, 0,
      1, 0, WHOLE, true },
    { "64 KB super-packet, MTU 900, after 31 packets, whole", 900, 65000,
      true, 3840, 31, 1, 0, WHOLE, true },
    { "64 KB super-packet, MTU 400, whole: no segment limit", 400, 65000,
      true, 3840, 0, 1, 0, WHOLE, true },
    { "super-packet in one descriptor, whole", 1500, 2900, true, 3840, 0,
      1, 0, WHOLE, true },
    { "3000-byte UDP over a 1500 MTU: not whole", 1500, 3000, false, 3840,
      0, 1, 0, FRAME, true },
    /* A defect fixed: a chain that is not TCP was joined into a malloc'd
     * buffer, found not to be a super-packet, freed and joined again. */
    { "9014-byte UDP chain over a 1500 MTU: not whole", 1500, 9014, false,
      3840, 0, 1, 0, SLOT, true },
    { "1600-byte UDP in 100-byte descriptors: not whole", 1500, 1600,
      false, 100, 0, 1, 0, FRAME, true },
    /* Headers spread over descriptors shorter than them. */
    { "1600-byte super-packet in 100-byte descriptors: whole", 1500, 1600,
      true, 100, 0, 1, 0, WHOLE, true },
    { "1600-byte super-packet in 50-byte descriptors: whole", 1500, 1600,
      true, 50, 0, 1, 0, WHOLE, true },
    { "1514 bytes with userspace TSO: in place", 1500, 1514, true, 3840, 0,
      1, 0, IN_PLACE, true },
    /* A dp_packet of OVS 3.1 holds at most 65535 bytes, headroom included:
     * a longer super-packet is cut. */
    { "65407-byte super-packet, whole, headroom 128", 1500, 65407, true,
      3840, 0, 1, 0, WHOLE, true },
    { "65408-byte super-packet: cut, not whole", 1500, 65408, true, 3840, 0,
      46, 0, ANY, true },
};

/* Expected segments of a TCP super-packet of 'len' bytes (32-byte TCP
 * header) at 'mtu'. */
static uint32_t
expected_segs(uint32_t len, uint32_t mtu)
{
    uint32_t payload = len - 14 - 20 - 32;
    uint32_t mss = mtu - 20 - 32;

    return (payload + mss - 1) / mss;
}

static void
run_rx_case(const struct rx_case *c)
{
    struct xsk_rx_cfg cfg = {
        .mtu = c->mtu,
        .frame_cap = FRAME_SIZE - XSK_RX_HEADROOM,
        .csum_mode = XSK_RX_CSUM_FIX,
    };
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    uint32_t got = 0, bytes = 0, calls = 0, first_frame;
    uint8_t *small = build_ipv4(64, false);
    uint8_t *pkt = build_ipv4(c->len, c->tcp);
    struct xsk_tcache *tc;
    struct xsk_rxq q;
    struct fake f;

    fake_init(&f, true, RING_SIZE, 0);
    tc = xsk_tcache_get(f.umem);
    CHECK(!xsk_rxq_init(&q, &f.sock, &cfg), "rxq_init");
    q.gso_pass = c->gso_pass;
    n_super_mallocs = 0;
    xsk_sock_refill(&f.sock, tc);
    for (uint32_t i = 0; i < c->n_before; i++) {
        CHECK(kernel_rx(&f, small, 64, 3840), "fill ring empty");
    }
    first_frame = f.fill_ring[(f.cons[0]) % RING_SIZE] / FRAME_SIZE;
    CHECK(kernel_rx(&f, pkt, c->len, c->frag), "fill ring empty");

    for (;;) {
        uint32_t n = xsk_rxq_recv(&q, tc, pkts);

        CHECK(n <= XSK_RX_BURST, "%u packets in one call", n);
        if (!n && !xsk_rxq_pending(&q)) {
            break;
        }
        if (++calls > 100) {
            CHECK(false, "no end after 100 calls");
            break;
        }
        for (uint32_t i = 0; i < n; i++) {
            const struct xsk_rx_pkt *p = &pkts[i];

            if (calls == 1 && i < c->n_before) {
                CHECK(p->len == 64, "small packet %u: %u bytes", i, p->len);
                free_pkt(&f, p);
                continue;
            }
            got++;
            bytes += p->len;
            if (c->n_packets > 1) {
                CHECK(p->len <= c->mtu + 14, "segment of %u bytes over MTU "
                      "%u", p->len, c->mtu);
            } else if (c->n_packets == 1) {
                CHECK(p->len == c->len && !memcmp(p->data, pkt, c->len),
                      "packet differs (%u bytes)", p->len);
                switch (c->where) {
                case IN_PLACE:
                    CHECK(p->frame == first_frame, "frame %u, not the "
                          "received one %u", p->frame, first_frame);
                    break;
                case FRAME:
                    CHECK(p->frame != XSK_RX_HEAP
                          && !xsk_frame_in_slot(f.umem, p->frame),
                          "not in a frame");
                    break;
                case SLOT:
                    CHECK(p->frame != XSK_RX_HEAP
                          && xsk_frame_in_slot(f.umem, p->frame),
                          "not in a jumbo slot");
                    break;
                case HEAP:
                    CHECK(p->frame == XSK_RX_HEAP, "not on the heap");
                    break;
                case WHOLE:
                    CHECK(p->frame == XSK_RX_SUPER, "not whole");
                    CHECK(xsk_rx_super_headroom(p->len) + p->len <= 65535
                          && xsk_rx_super_headroom(p->len) >= 128,
                          "headroom %u for %u bytes",
                          xsk_rx_super_headroom(p->len), p->len);
                    CHECK(p->csum == (XSK_RX_CSUM_TCP | XSK_RX_CSUM_GSO),
                          "checksum bits %#x", p->csum);
                    break;
                case ANY:
                    break;
                }
            }
            free_pkt(&f, p);
        }
    }
    if (c->tcp && c->n_packets > 1) {
        CHECK(c->n_packets == expected_segs(c->len, c->mtu),
              "the table says %u segments, the MSS %u", c->n_packets,
              expected_segs(c->len, c->mtu));
    }
    CHECK(got == c->n_packets, "%u packets, expected %u", got, c->n_packets);
    CHECK(q.stats.dropped == c->dropped, "%"PRIu64" dropped, expected %u",
          q.stats.dropped, c->dropped);
    CHECK(q.stats.packets == got + c->n_before, "stats say %"PRIu64
          " packets, %u were returned", q.stats.packets, got + c->n_before);
    CHECK(q.stats.gso_segments == (c->n_packets > 1 ? c->n_packets : 0),
          "%"PRIu64" segments counted", q.stats.gso_segments);
    CHECK(q.stats.super_whole == (c->where == WHOLE),
          "%"PRIu64" whole super-packets counted", q.stats.super_whole);
    CHECK(n_super_mallocs == (c->where == WHOLE),
          "%u super-packet buffers allocated", n_super_mallocs);
    xsk_rxq_uninit(&q);
    fake_destroy(&f, c->name);
    free(pkt);
    free(small);
    tap_group("rx: %s", c->name);
}

/* Packets left in the stash when the queue goes are freed with it. */
static void
test_rx_stash_freed(void)
{
    struct xsk_rx_cfg cfg = {
        .mtu = 1500,
        .frame_cap = FRAME_SIZE - XSK_RX_HEADROOM,
        .csum_mode = XSK_RX_CSUM_FIX,
    };
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    uint8_t *pkt = build_ipv4(65000, true);
    struct xsk_rxq q;
    struct fake f;
    uint32_t n;

    fake_init(&f, true, RING_SIZE, 0);
    CHECK(!xsk_rxq_init(&q, &f.sock, &cfg), "rxq_init");
    xsk_sock_refill(&f.sock, xsk_tcache_get(f.umem));
    CHECK(kernel_rx(&f, pkt, 65000, 3840), "fill ring empty");
    n = xsk_rxq_recv(&q, xsk_tcache_get(f.umem), pkts);
    CHECK(n == XSK_RX_BURST, "%u packets", n);
    CHECK(xsk_rxq_pending(&q) == 45 - XSK_RX_BURST, "%u pending",
          xsk_rxq_pending(&q));
    for (uint32_t i = 0; i < n; i++) {
        free_pkt(&f, &pkts[i]);
    }
    xsk_rxq_uninit(&q);
    fake_destroy(&f, "stash");
    free(pkt);
    tap_group("rx: segments left in the stash are freed with the queue");
}

/* ---- Transmit ----------------------------------------------------------- */

enum tx_src { IN_FRAME, IN_SLOT, ON_HEAP, FRAME_NOT_OWNED };

struct tx_case {
    const char *name;
    bool sg;
    uint32_t tx_size;
    uint32_t n;                 /* Packets in the burst. */
    uint32_t len;
    enum tx_src src;
    /* Expected: */
    uint32_t sent;
    bool zero_copy;
    uint32_t descs;             /* Per packet sent. */
    uint64_t too_big, ring_full;
};

static const struct tx_case tx_cases[] = {
    { "frame of the UMEM: zero-copy", true, RING_SIZE, 32, 60, IN_FRAME,
      32, true, 1, 0, 0 },
    { "heap packet: copied", true, RING_SIZE, 4, 1514, ON_HEAP,
      4, false, 1, 0, 0 },
    { "9000-byte heap packet: copied into a chain", true, RING_SIZE, 2,
      9000, ON_HEAP, 2, false, 3, 0, 0 },
    { "9000-byte jumbo slot: zero-copy chain", true, RING_SIZE, 2, 9000,
      IN_SLOT, 2, true, 3, 0, 0 },
    { "9000 bytes without multi-buffer: dropped", false, RING_SIZE, 2, 9000,
      ON_HEAP, 0, false, 0, 2, 0 },
    { "empty packet: dropped", true, RING_SIZE, 1, 0, ON_HEAP,
      0, false, 0, 1, 0 },
    { "8 packets, TX ring of 4: 4 sent", true, 4, 8, 100, IN_FRAME,
      4, true, 1, 0, 4 },
    { "frame not a packet's: copied, not sent twice", true, RING_SIZE, 1,
      100, FRAME_NOT_OWNED, 1, false, 1, 0, 0 },
};

static void
run_tx_case(const struct tx_case *c)
{
    struct xsk_tx_pkt pkts[XSK_TX_BURST];
    struct xsk_tx_stats st;
    uint8_t *src = malloc(c->n * (c->len + 1));
    uint8_t *out = malloc(RING_SIZE * FRAME_SIZE);
    uint32_t lens[XSK_TX_BURST];
    uint32_t frames[XSK_TX_BURST];
    struct xsk_tcache *tc;
    uint32_t handed, n_tx, descs;
    struct fake f;

    memset(&st, 0, sizeof st);
    fake_init(&f, c->sg, c->tx_size, 0);
    tc = xsk_tcache_get(f.umem);
    for (uint32_t i = 0; i < c->n; i++) {
        struct xsk_tx_pkt *p = &pkts[i];
        uint8_t *data = src + i * (c->len + 1);

        for (uint32_t j = 0; j < c->len; j++) {
            data[j] = rnd();
        }
        p->len = c->len;
        p->frame = XSK_TX_COPY;
        p->data = data;
        if (c->src == IN_FRAME || c->src == FRAME_NOT_OWNED) {
            XSK_ASSERT(xsk_frames_get_for_packets(tc, &frames[i], 1));
            p->frame = frames[i];
        } else if (c->src == IN_SLOT) {
            p->frame = frames[i] = xsk_slot_get_for_packet(tc);
            XSK_ASSERT(p->frame != UINT32_MAX);
        }
        if (p->frame != XSK_TX_COPY) {
            uint8_t *buf = (uint8_t *) xsk_frame_ptr(f.umem, p->frame)
                           + XSK_RX_HEADROOM;

            memcpy(buf, data, c->len);
            p->data = buf;
        }
        if (c->src == FRAME_NOT_OWNED) {
            /* As if sent already: the frame is a ring's now. */
            f.umem->owner[p->frame] = XSK_OWNER_TX(0);
        }
    }

    handed = xsk_tx_burst(&f.sock, tc, pkts, c->n, &st);
    descs = f.prod[2] - f.cons[2];
    n_tx = kernel_tx(&f, out, lens, XSK_TX_BURST);

    CHECK(n_tx == c->sent, "%u sent, expected %u", n_tx, c->sent);
    CHECK(st.packets == c->sent, "stats: %"PRIu64" sent", st.packets);
    CHECK(descs == c->sent * c->descs, "%u descriptors, expected %u", descs,
          c->sent * c->descs);
    CHECK(st.too_big == c->too_big && st.ring_full == c->ring_full,
          "too_big %"PRIu64" ring_full %"PRIu64, st.too_big, st.ring_full);
    CHECK(st.dropped == c->n - c->sent, "%"PRIu64" dropped", st.dropped);
    CHECK(c->zero_copy ? st.zero_copy == c->sent && !st.copied
                       : st.copied == c->sent && !st.zero_copy,
          "zero_copy %"PRIu64" copied %"PRIu64, st.zero_copy, st.copied);
    for (uint32_t i = 0, at = 0; i < n_tx && i < XSK_TX_BURST; i++) {
        CHECK(lens[i] == c->len && !memcmp(out + at, src + i * (c->len + 1),
                                           c->len),
              "packet %u arrived as %u different bytes", i, lens[i]);
        at += lens[i];
    }
    /* What was not handed over is still the caller's to free. */
    for (uint32_t i = 0; i < c->n; i++) {
        bool was_handed = handed & (1u << i);

        CHECK(was_handed == (c->zero_copy && i < c->sent),
              "packet %u %s handed over", i, was_handed ? "was" : "was not");
        if (!was_handed && pkts[i].frame != XSK_TX_COPY) {
            if (c->src == FRAME_NOT_OWNED) {
                f.umem->owner[pkts[i].frame] = XSK_OWNER_PACKET;
            }
            xsk_frame_packet_free(tc, pkts[i].frame);
        }
    }
    xsk_sock_complete(&f.sock, tc);
    fake_destroy(&f, c->name);
    free(src);
    free(out);
    tap_group("tx: %s", c->name);
}

/* ---- Partial checksums ------------------------------------------------ */

/* Sum of the IPv4 pseudo-header of the packet 'p' built by build_ipv4(). */
static uint32_t
pseudo_sum(const uint8_t *p, uint32_t len)
{
    const uint8_t *ip = p + 14;
    uint32_t sum = ip[9] + (len - 34);

    for (int i = 12; i < 20; i += 2) {
        sum += get16(ip + i);
    }
    return sum;
}

static uint16_t
fold16(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Makes the L4 checksum of 'p' partial, as a sender with checksum offload
 * leaves it: the field holds the folded pseudo-header sum. */
static void
make_partial(uint8_t *p, uint32_t len, bool tcp)
{
    put16(p + 34 + (tcp ? 16 : 6), fold16(pseudo_sum(p, len)));
}

/* Returns true if the L4 checksum of 'p' is right. */
static bool
l4_csum_ok(const uint8_t *p, uint32_t len)
{
    uint32_t sum = pseudo_sum(p, len);

    for (uint32_t i = 34; i + 1 < len; i += 2) {
        sum += get16(p + i);
    }
    if ((len - 34) & 1) {
        sum += p[len - 1] << 8;
    }
    return fold16(sum) == 0xffff;
}

struct csum_case {
    const char *name;
    uint8_t mode;               /* enum xsk_rx_csum_mode. */
    bool tcp;
    uint32_t len;
    uint32_t frag;              /* Bytes per descriptor. */
    bool partial;               /* Sent partial, or complete. */
    /* Expected: */
    uint32_t csum;              /* XSK_RX_CSUM_* bits. */
    bool fixed;                 /* Checksum completed on receive. */
};

static const struct csum_case csum_cases[] = {
    { "partial TCP, mark", XSK_RX_CSUM_MARK, true, 1514, 3840, true,
      XSK_RX_CSUM_TCP, false },
    { "partial UDP, mark", XSK_RX_CSUM_MARK, false, 600, 3840, true,
      XSK_RX_CSUM_UDP, false },
    { "partial TCP in a chain of 2, mark", XSK_RX_CSUM_MARK, true, 1400,
      1000, true, XSK_RX_CSUM_TCP, false },
    { "partial TCP, fix", XSK_RX_CSUM_FIX, true, 1514, 3840, true, 0, true },
    { "partial UDP in a chain of 2, fix", XSK_RX_CSUM_FIX, false, 1400,
      1000, true, 0, true },
    { "partial TCP, keep", XSK_RX_CSUM_KEEP, true, 1514, 3840, true, 0,
      false },
    { "complete TCP, mark: nothing to mark", XSK_RX_CSUM_MARK, true, 1514,
      3840, false, 0, false },
};

static void
run_csum_case(const struct csum_case *c)
{
    struct xsk_rx_cfg cfg = {
        .mtu = 1500,
        .frame_cap = FRAME_SIZE - XSK_RX_HEADROOM,
        .csum_mode = c->mode,
    };
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    uint8_t *pkt = build_ipv4(c->len, c->tcp);
    uint8_t *orig;
    struct xsk_rxq q;
    struct fake f;
    uint32_t n;

    if (c->partial) {
        make_partial(pkt, c->len, c->tcp);
    } else {
        /* Complete, as a sender without checksum offload sends it. */
        make_partial(pkt, c->len, c->tcp);
        xsk_csum_finish_at(pkt, c->len, 34, c->tcp ? 16 : 6);
        CHECK(l4_csum_ok(pkt, c->len), "test packet checksum");
    }
    orig = malloc(c->len);
    memcpy(orig, pkt, c->len);

    fake_init(&f, true, RING_SIZE, 0);
    CHECK(!xsk_rxq_init(&q, &f.sock, &cfg), "rxq_init");
    xsk_sock_refill(&f.sock, xsk_tcache_get(f.umem));
    CHECK(kernel_rx(&f, pkt, c->len, c->frag), "fill ring empty");
    n = xsk_rxq_recv(&q, xsk_tcache_get(f.umem), pkts);
    CHECK(n == 1, "%u packets", n);
    if (n == 1) {
        CHECK(pkts[0].csum == c->csum, "csum bits %#x, expected %#x",
              pkts[0].csum, c->csum);
        if (c->fixed) {
            CHECK(l4_csum_ok(pkts[0].data, pkts[0].len),
                  "checksum not completed");
        } else {
            CHECK(pkts[0].len == c->len
                  && !memcmp(pkts[0].data, orig, c->len),
                  "packet changed");
        }
        CHECK(q.stats.csum_fixed == c->fixed
              && q.stats.csum_partial == !!c->csum,
              "fixed %"PRIu64" partial %"PRIu64, q.stats.csum_fixed,
              q.stats.csum_partial);
        free_pkt(&f, &pkts[0]);
    }
    xsk_rxq_uninit(&q);
    fake_destroy(&f, c->name);
    free(orig);
    free(pkt);
    tap_group("rx checksum: %s", c->name);
}

/* TX of a packet with a partial checksum: with TX metadata, the request is
 * in front of the first descriptor's data and flagged, every descriptor has
 * room for metadata in its frame, a jumbo slot is copied; without metadata
 * the checksum is finished before it goes. */
static void
test_tx_csum(void)
{
    static const struct {
        uint32_t md;
        uint32_t len;
        bool slot;
    } rows[] = {
        { XSK_TX_MD_LEN, 1514, false },
        { XSK_TX_MD_LEN, 9000, true },
        { XSK_TX_MD_LEN, 9000, false },
        { 0, 1514, false },
    };

    for (size_t r = 0; r < XSK_ARRAY_SIZE(rows); r++) {
        uint32_t md = rows[r].md, len = rows[r].len;
        uint8_t *out = malloc(RING_SIZE * FRAME_SIZE);
        uint8_t *pkt = build_ipv4(len, true);
        struct xsk_tx_stats st;
        struct xsk_tx_pkt p;
        struct xsk_tcache *tc;
        uint32_t lens[1], handed, n_descs;
        struct fake f;

        make_partial(pkt, len, true);
        memset(&st, 0, sizeof st);
        fake_init(&f, true, RING_SIZE, md);
        tc = xsk_tcache_get(f.umem);
        p.len = len;
        p.csum_start = 34;
        p.csum_offset = 16;
        p.frame = XSK_TX_COPY;
        p.data = pkt;
        if (rows[r].slot) {
            p.frame = xsk_slot_get_for_packet(tc);
            p.data = (uint8_t *) xsk_frame_ptr(f.umem, p.frame)
                     + XSK_RX_HEADROOM;
            memcpy((uint8_t *) p.data, pkt, len);
        } else if (len <= FRAME_SIZE - XSK_RX_HEADROOM) {
            XSK_ASSERT(xsk_frames_get_for_packets(tc, &p.frame, 1));
            p.data = (uint8_t *) xsk_frame_ptr(f.umem, p.frame)
                     + XSK_RX_HEADROOM;
            memcpy((uint8_t *) p.data, pkt, len);
        }

        handed = xsk_tx_burst(&f.sock, tc, &p, 1, &st);
        n_descs = f.prod[2] - f.cons[2];
        for (uint32_t i = 0; i < n_descs; i++) {
            const struct xdp_desc *d = &f.tx_ring[(f.cons[2] + i)
                                                  % RING_SIZE];
            uint64_t ofs = d->addr % FRAME_SIZE;

            CHECK(ofs >= md && ofs + d->len <= FRAME_SIZE,
                  "row %zu: descriptor %u at offset %"PRIu64" + %u bytes, "
                  "metadata %u", r, i, ofs, d->len, md);
            if (i == 0 && md) {
                const struct xsk_tx_md *m = (const void *)
                    (f.umem->base + d->addr - md);

                CHECK(d->options & XDP_TX_METADATA, "row %zu: no flag", r);
                CHECK(m->flags == XDP_TXMD_FLAGS_CHECKSUM
                      && m->csum_start == 34 && m->csum_offset == 16,
                      "row %zu: metadata %llx %u %u", r,
                      (unsigned long long) m->flags, m->csum_start,
                      m->csum_offset);
            } else {
                CHECK(!(d->options & XDP_TX_METADATA),
                      "row %zu: descriptor %u flagged", r, i);
            }
        }
        CHECK(kernel_tx(&f, out, lens, 1) == 1, "row %zu: not sent", r);
        if (md) {
            CHECK(st.csum_offloaded == 1 && !memcmp(out, pkt, len),
                  "row %zu: offloaded %"PRIu64", bytes changed", r,
                  st.csum_offloaded);
        } else {
            CHECK(st.csum_finished == 1 && l4_csum_ok(out, len),
                  "row %zu: checksum not finished", r);
        }
        if (rows[r].slot) {
            CHECK(!handed && st.copied == 1, "row %zu: a slot with metadata "
                  "must be copied", r);
        }
        if (!handed && p.frame != XSK_TX_COPY) {
            xsk_frame_packet_free(tc, p.frame);
        }
        xsk_sock_complete(&f.sock, tc);
        fake_destroy(&f, "tx checksum");
        free(pkt);
        free(out);
    }
    tap_group("tx: partial checksums go with TX metadata, or are finished");
}

int
main(void)
{
    xsk_rx_super_malloc = counting_malloc;
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rx_cases); i++) {
        run_rx_case(&rx_cases[i]);
    }
    test_rx_stash_freed();
    for (size_t i = 0; i < XSK_ARRAY_SIZE(tx_cases); i++) {
        run_tx_case(&tx_cases[i]);
    }
    for (size_t i = 0; i < XSK_ARRAY_SIZE(csum_cases); i++) {
        run_csum_case(&csum_cases[i]);
    }
    test_tx_csum();
    return tap_done();
}
