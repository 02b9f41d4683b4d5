/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of coalescing on transmit, netdev/xsk-coal.c: xsk_coal_run(),
 * and of the fast checksum sum it verifies segments with
 * (xsk_csum_sum_fast(), netdev/xsk-csum.c).  Needs no root and no OVS;
 * prints TAP (tap.h).
 *
 * Table-driven: each row is a burst, one letter per packet (see 'seg_kind'
 * below), all of one TCP flow in sequence unless a letter says otherwise,
 * and the run xsk_coal_run() must find at its start.  For every run, the
 * merged packet is rebuilt from the iovecs and checked independently: the
 * GSO request, the IP lengths and header checksum, the pseudo-header sum
 * in the TCP checksum field, and, once its checksum is finished as a
 * device would, cutting it at the GSO size with xsk_gso_segment() must give
 * back the burst's segments byte for byte (but the IPv4 ID and header
 * checksum, and the checksum field of a segment whose checksum was
 * partial). */

#include "xsk-coal.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "xsk-csum.h"
#include "xsk-gso.h"

#define MAX_PKT 9100

struct row {
    const char *name;
    int ipv;                    /* 4 or 6. */
    uint32_t mss;               /* Payload of a full segment. */
    const char *burst;
    uint32_t run;               /* Expected. */
};

/* The letters of a burst:
 *   F  full segment, complete checksum, ACK
 *   P  full segment, partial checksum (as the glue marks it)
 *   p  full segment, partial checksum marked at the wrong offset
 *   H  full segment with PSH
 *   L  last segment: 700 bytes, ACK|PSH
 *   S  short segment (700 bytes), ACK only
 *   J  longer than the first (mss + 100)
 *   B  full segment with a wrong complete checksum
 *   G  full segment after a gap in sequence
 *   A  another ACK number      W  another window     T  another timestamp
 *   X  another flow (port)     E  ECE set            Z  no payload
 *   U  UDP                     g  marked for TSO     D  IPv4 without DF
 *   O  IPv4 with options       V  VLAN tagged        R  4 bytes after IP
 *   M  another MAC address     Q  another TTL/hop limit */
static const struct row rows[] = {
    { "IPv4: four full segments", 4, 1448, "FFFF", 4 },
    { "IPv6: four full segments", 6, 1428, "FFFF", 4 },
    { "partial checksums are trusted", 4, 1448, "PPPP", 4 },
    { "complete and partial checksums mixed", 6, 1428, "FPFP", 4 },
    { "a run ends with PSH, included", 4, 1448, "FFHF", 3 },
    { "a shorter last segment with PSH", 4, 1448, "FFFLF", 4 },
    { "a shorter segment ends the run", 6, 1428, "FFSF", 3 },
    { "a longer segment is not in the run", 4, 1448, "FFJF", 2 },
    { "a wrong checksum ends the run", 4, 1448, "FFBF", 2 },
    { "a wrong checksum first: no run", 4, 1448, "BFFF", 0 },
    { "partial at the wrong offset: not trusted", 4, 1448, "FpFF", 1 },
    { "a gap in sequence ends the run", 6, 1428, "FFGF", 2 },
    { "another ACK number ends the run", 4, 1448, "FAFF", 1 },
    { "another window ends the run", 4, 1448, "FFWF", 2 },
    { "another timestamp ends the run", 6, 1428, "FFFT", 3 },
    { "another flow ends the run", 4, 1448, "FFXF", 2 },
    { "another MAC ends the run", 4, 1448, "FMFF", 1 },
    { "another TTL ends the run", 6, 1428, "FFQF", 2 },
    { "ECE: no run", 4, 1448, "EFFF", 0 },
    { "PSH first: no run", 4, 1448, "HFFF", 0 },
    { "pure ACKs: no run", 4, 1448, "ZZZZ", 0 },
    { "UDP: no run", 4, 1448, "UUUU", 0 },
    { "marked for TSO: not in a run", 4, 1448, "FFgF", 2 },
    { "IPv4 without DF: no run", 4, 1448, "DDDD", 0 },
    { "IPv4 with options: no run", 4, 1448, "OOOO", 0 },
    { "VLAN tagged: no run", 4, 1448, "VVVV", 0 },
    { "bytes after the IP packet: not in a run", 4, 1448, "FFRF", 2 },
    { "a lone segment: no run", 4, 1448, "F", 0 },
    { "small segments (255 bytes): no run", 4, 189, "FFFF", 0 },
    { "256-byte segments: a run", 4, 190, "FFFF", 4 },
    { "a pure ACK second: no run", 4, 1448, "FZFF", 0 },
    { "32 segments: one run", 4, 1448,
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 32 },
    { "jumbo: stops at 64 KB of IP packet", 4, 8948, "FFFFFFFF", 7 },
    { "IPv6 jumbo: stops at 64 KB of payload", 6, 8928, "FFFFFFFF", 7 },
};

/* One packet of a burst, and what a checked segment must equal. */
struct seg {
    uint8_t buf[MAX_PKT];
    struct xsk_tx_pkt pkt;
    uint32_t l4_ofs;
};

/* The pseudo-header sum of an IPv4 or IPv6 header 'ip' for 'l4_len' bytes
 * of TCP, folded, computed with the plain RFC 1071 sum. */
static uint16_t
pseudo_sum(const uint8_t *ip, int ipv, uint32_t l4_len)
{
    uint8_t ph[40];
    uint32_t n;

    memset(ph, 0, sizeof ph);
    if (ipv == 4) {
        memcpy(ph, ip + 12, 8);
        ph[9] = 6;
        put16(ph + 10, l4_len);
        n = 12;
    } else {
        memcpy(ph, ip + 8, 32);
        put32(ph + 32, l4_len);
        ph[39] = 6;
        n = 40;
    }
    return ~rfc1071(ph, n);
}

/* Builds packet 'kind' of a burst of row 'r' into 's', 'seq' being the
 * sequence number it continues. */
static void
build(const struct row *r, char kind, uint32_t *seq, struct seg *s)
{
    uint32_t payload = r->mss, l3 = 14, iphl = r->ipv == 4 ? 20 : 40;
    uint32_t thl = 32, len, l4_len;
    uint8_t *f = s->buf, *ip, *th;
    bool udp = kind == 'U';

    payload = kind == 'L' || kind == 'S' ? 700
              : kind == 'J' ? r->mss + 100 : kind == 'Z' ? 0 : payload;
    if (kind == 'G') {
        *seq += r->mss;
    }
    if (kind == 'V') {
        l3 += 4;
    }
    if (kind == 'O' && r->ipv == 4) {
        iphl = 24;
    }
    if (udp) {
        thl = 8;
    }
    l4_len = thl + payload;
    len = l3 + iphl + l4_len;
    memset(f, 0, len + 4);
    memset(f, 0x02, 6);
    memset(f + 6, kind == 'M' ? 0x0a : 0x04, 6);
    if (kind == 'V') {
        put16(f + 12, 0x8100);
        put16(f + 14, 7);
    }
    put16(f + l3 - 2, r->ipv == 4 ? 0x0800 : 0x86dd);
    ip = f + l3;
    if (r->ipv == 4) {
        ip[0] = 0x40 | iphl / 4;
        put16(ip + 2, iphl + l4_len);
        put16(ip + 4, *seq & 0xffff);   /* IDs differ within a run. */
        ip[6] = kind == 'D' ? 0 : 0x40;
        ip[8] = kind == 'Q' ? 63 : 64;
        ip[9] = udp ? 17 : 6;
        put32(ip + 12, 0x0a000001);
        put32(ip + 16, 0x0a000002);
        put16(ip + 10, rfc1071(ip, iphl));
    } else {
        ip[0] = 0x60;
        put16(ip + 4, l4_len);
        ip[6] = udp ? 17 : 6;
        ip[7] = kind == 'Q' ? 63 : 64;
        for (int i = 8; i < 40; i++) {
            ip[i] = i;
        }
    }
    th = ip + iphl;
    s->l4_ofs = th - f;
    put16(th, kind == 'X' ? 4000 : 5000);
    put16(th + 2, 80);
    if (udp) {
        put16(th + 4, l4_len);
    } else {
        put32(th + 4, *seq);
        put32(th + 8, kind == 'A' ? 777 : 555);
        th[12] = (thl / 4) << 4;
        th[13] = kind == 'H' || kind == 'L' ? 0x18 : kind == 'E' ? 0x50
                 : 0x10;
        put16(th + 14, kind == 'W' ? 100 : 200);
        th[20] = 1;
        th[21] = 1;
        th[22] = 8;
        th[23] = 10;
        put32(th + 24, kind == 'T' ? 99 : 98);
        put32(th + 28, 97);
    }
    for (uint32_t i = 0; i < payload; i++) {
        th[thl + i] = rnd();
    }
    put16(th + (udp ? 6 : 16), 0);
    if (kind == 'P' || kind == 'p') {
        put16(th + 16, pseudo_sum(ip, r->ipv, l4_len));
    } else {
        uint8_t *ph = malloc(40 + l4_len);
        uint32_t phl = r->ipv == 4 ? 12 : 40;

        memset(ph, 0, phl);
        if (r->ipv == 4) {
            memcpy(ph, ip + 12, 8);
            ph[9] = udp ? 17 : 6;
            put16(ph + 10, l4_len);
        } else {
            memcpy(ph, ip + 8, 32);
            put32(ph + 32, l4_len);
            ph[39] = udp ? 17 : 6;
        }
        memcpy(ph + phl, th, l4_len);
        put16(th + (udp ? 6 : 16), rfc1071(ph, phl + l4_len)
                                   ^ (kind == 'B' ? 0x0100 : 0));
        free(ph);
    }

    memset(&s->pkt, 0, sizeof s->pkt);
    s->pkt.data = f;
    s->pkt.len = len + (kind == 'R' ? 4 : 0);
    s->pkt.frame = XSK_TX_COPY;
    s->pkt.gso = kind == 'g';
    if (kind == 'P' || kind == 'p') {
        s->pkt.csum_start = s->l4_ofs + (kind == 'p' ? 2 : 0);
        s->pkt.csum_offset = 16;
    }
    *seq += payload;
}

/* Checks the merged packet 'c' of a run of 'run' packets 'segs'. */
static void
check_run(const struct row *r, const struct xsk_coal *c, struct seg *segs,
          uint32_t run)
{
    uint32_t l4 = segs[0].l4_ofs, iphl = r->ipv == 4 ? 20 : 40;
    uint32_t hdr_len = l4 + 32, len = 0, n_out, mtu = iphl + 32 + r->mss;
    uint8_t *m = malloc(70000), *ip = m + 14;
    uint8_t *bufs[64];
    uint32_t lens[64];

    CHECK(c->n_iov == run + 1, "%u iovecs", c->n_iov);
    for (uint32_t i = 0; i < c->n_iov && len + c->iov[i].iov_len <= 70000;
         i++) {
        memcpy(m + len, c->iov[i].iov_base, c->iov[i].iov_len);
        len += c->iov[i].iov_len;
    }
    CHECK(len == c->len, "%u bytes, says %u", len, c->len);
    CHECK(c->vnet.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM
          && c->vnet.gso_type == (r->ipv == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
                                              : VIRTIO_NET_HDR_GSO_TCPV6)
          && c->vnet.gso_size == r->mss && c->vnet.hdr_len == hdr_len
          && c->vnet.csum_start == l4 && c->vnet.csum_offset == 16,
          "vnet flags %u type %u size %u hdr %u start %u offset %u",
          c->vnet.flags, c->vnet.gso_type, c->vnet.gso_size,
          c->vnet.hdr_len, c->vnet.csum_start, c->vnet.csum_offset);
    if (r->ipv == 4) {
        CHECK(get16(ip + 2) == len - 14, "IPv4 length %u of %u",
              get16(ip + 2), len - 14);
        CHECK(!rfc1071(ip, 20), "IPv4 header checksum is wrong");
        CHECK(get16(ip + 4) == get16(segs[0].buf + 18), "IPv4 ID not the "
              "first segment's");
    } else {
        CHECK(get16(ip + 4) == len - 54, "IPv6 payload length %u of %u",
              get16(ip + 4), len - 54);
    }
    CHECK(get16(m + l4 + 16) == pseudo_sum(ip, r->ipv, len - l4),
          "TCP checksum field %#x is not the pseudo-header sum",
          get16(m + l4 + 16));

    /* Finish the checksum as a device would, then cut at the GSO size. */
    put16(m + l4 + 16, ~rfc1071(m + l4, len - l4) & 0xffff);
    n_out = xsk_gso_count(m, len, mtu);
    CHECK(n_out == run, "cut into %u, not %u", n_out, run);
    if (n_out != run || run > 64) {
        free(m);
        return;
    }
    for (uint32_t i = 0; i < run; i++) {
        bufs[i] = malloc(MAX_PKT);
    }
    CHECK(xsk_gso_segment(m, len, mtu, bufs, lens, run), "not cut");
    for (uint32_t i = 0; i < run; i++) {
        uint8_t *a = bufs[i], *b = segs[i].buf;

        CHECK(lens[i] == segs[i].pkt.len, "segment %u: %u bytes, not %u", i,
              lens[i], segs[i].pkt.len);
        if (lens[i] != segs[i].pkt.len) {
            continue;
        }
        if (r->ipv == 4) {          /* ID and header checksum. */
            memcpy(a + 18, b + 18, 2);
            memcpy(a + 24, b + 24, 2);
        }
        if (segs[i].pkt.csum_start) {
            memcpy(a + l4 + 16, b + l4 + 16, 2);
        }
        CHECK(!memcmp(a, b, lens[i]), "segment %u differs", i);
    }
    for (uint32_t i = 0; i < run; i++) {
        free(bufs[i]);
    }
    free(m);
}

static void
test_rows(void)
{
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const struct row *r = &rows[k];
        uint32_t n = strlen(r->burst), seq = 1000000, run;
        struct xsk_tx_pkt pkts[XSK_TX_BURST];
        struct seg *segs = calloc(n, sizeof *segs);
        struct xsk_coal c;

        for (uint32_t i = 0; i < n; i++) {
            build(r, r->burst[i], &seq, &segs[i]);
            pkts[i] = segs[i].pkt;
        }
        run = xsk_coal_run(pkts, n, &c);
        CHECK(run == r->run || (run < 2 && r->run < 2), "run of %u, not %u",
              run, r->run);
        if (run >= 2 && run == r->run) {
            check_run(r, &c, segs, run);
        }
        free(segs);
        tap_group("%s", r->name);
    }
}

/* xsk_csum_sum_fast() against the plain RFC 1071 sum: every length up to
 * 300 and random ones up to 9000, at every alignment. */
static void
test_sum_fast(void)
{
    uint8_t *buf = malloc(9100);

    for (uint32_t i = 0; i < 9100; i++) {
        buf[i] = rnd();
    }
    for (uint32_t t = 0; t < 2000; t++) {
        uint32_t len = t < 300 ? t : rnd() % 9000, ofs = t % 8;
        uint16_t want = ~rfc1071(buf + ofs, len) & 0xffff;
        uint16_t got = xsk_csum_sum_fast(buf + ofs, len);

        /* 0 and 0xffff are the same sum; the fast one may give either. */
        CHECK(got == want || (got % 0xffff == 0 && want % 0xffff == 0),
              "length %u at +%u: %#x, not %#x", len, ofs, got, want);
    }
    memset(buf, 0xff, 9100);
    CHECK(xsk_csum_sum_fast(buf, 9000) % 0xffff == 0, "all ones");
    free(buf);
    tap_group("fast sum equals RFC 1071's at every length and alignment");
}

int
main(void)
{
    test_rows();
    test_sum_fast();
    return tap_done();
}
