/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of Geneve super-packets, netdev/xsk-geneve.c: xsk_geneve_run()
 * on transmit, xsk_geneve_count() and xsk_geneve_segment() on receive.
 * Needs no root and no OVS; prints TAP (tap.h).
 *
 * Table-driven.  Each run row is a burst, one letter per Geneve packet (see
 * 'pkt_kind' below), all of one tunnel unless a letter says otherwise, and
 * the run xsk_geneve_run() must find at its start.  For every run the
 * merged packet is rebuilt from the iovecs and checked on its own: the UDP
 * GSO request, the outer IP and UDP lengths, the IPv4 header checksum, the
 * pseudo-header sum in the UDP checksum field; then it is cut as the
 * receiving chassis cuts it, which must give back the burst's packets byte
 * for byte but the outer IPv4 ID, header checksum and UDP checksum (absent
 * over IPv4, complete and correct over IPv6).  Each receive row is one
 * super-packet built by hand and what xsk_geneve_count() must say. */

#include "xsk-geneve.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "xsk-csum.h"

#define MAX_PKT 9100

struct row {
    const char *name;
    int ipv;                    /* Outer IP version, 4 or 6. */
    uint32_t glen;              /* UDP payload (Geneve packet) of a full
                                 * packet. */
    const char *burst;
    uint32_t run;               /* Expected. */
    uint32_t mtu;               /* The port's, if not 1500. */
};

/* The letters of a burst:
 *   F  full packet, complete outer UDP checksum
 *   Z  full packet, no outer UDP checksum (0)
 *   P  full packet, partial outer checksum (as the glue marks it)
 *   B  full packet with a wrong outer checksum
 *   O  full packet whose Geneve header has 8 bytes of options
 *   6  full packet carrying IPv6
 *   L  shorter last packet (500 bytes of UDP payload)
 *   J  longer than the first (glen + 100)
 *   X  another tunnel (UDP source port)    M  another outer MAC
 *   D  outer IPv4 without DF               N  UDP port 4789, not Geneve
 *   I  4 bytes after the inner IP packet   g  marked for TSO
 *   V  Geneve version 1                    A  inner ARP, not IP */
static const struct row rows[] = {
    { "IPv4: four full packets", 4, 1450, "FFFF", 4 },
    { "IPv6 underlay: four full packets", 6, 1430, "FFFF", 4 },
    { "absent and partial checksums are trusted", 4, 1450, "ZPZP", 4 },
    { "Geneve options and an inner IPv6 packet", 4, 1450, "FO6F", 4 },
    { "a shorter last packet ends the run, included", 4, 1450, "FFLF", 3 },
    { "a longer packet is not in the run", 6, 1430, "FFJF", 2 },
    { "a wrong checksum ends the run", 4, 1450, "FFBF", 2 },
    { "a wrong checksum first: no run", 4, 1450, "BFFF", 0 },
    { "another tunnel ends the run", 4, 1450, "FFXF", 2 },
    { "another MAC ends the run", 4, 1450, "FMFF", 1 },
    { "outer IPv4 without DF: no run", 4, 1450, "DDDD", 0 },
    { "not the Geneve port: no run", 4, 1450, "NNNN", 0 },
    { "bytes after the inner packet: not in a run", 4, 1450, "FFIF", 2 },
    { "marked for TSO: not in a run", 4, 1450, "FFgF", 2 },
    { "Geneve version 1: not in a run", 4, 1450, "FVFF", 1 },
    { "inner ARP: no run", 4, 1450, "AAAA", 0 },
    { "small packets (255 bytes): no run", 4, 213, "FFFF", 0 },
    { "256-byte packets: a run", 4, 214, "FFFFFFFF", 8 },
    { "a run within the MTU: none (the receiver would not know it)", 4,
      214, "FFFF", 0 },
    { "a run one byte above the MTU", 4, 600, "FFF", 3, 1827 },
    { "a run of exactly the MTU: none", 4, 600, "FFF", 0, 1828 },
    { "a lone packet: no run", 4, 1450, "F", 0 },
    { "32 packets: one run", 4, 1450,
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 32 },
    { "jumbo: stops at 64 KB of IP packet", 4, 8950, "FFFFFFFF", 7 },
    { "IPv6 jumbo: stops at 64 KB of payload", 6, 8950, "FFFFFFFF", 7 },
};

/* One packet of a burst. */
struct pkt {
    uint8_t buf[MAX_PKT];
    struct xsk_tx_pkt tx;
    uint32_t l4_ofs;
};

/* The RFC 1071 UDP checksum of the datagram at 'udp' ('udp_len' bytes)
 * under outer IP header 'ip' of version 'ipv', with the checksum field
 * taken as 0; 'partial' gives the folded pseudo-header sum instead. */
static uint16_t
udp_csum(const uint8_t *ip, int ipv, const uint8_t *udp, uint32_t udp_len,
         bool partial)
{
    uint8_t *ph = malloc(40 + udp_len);
    uint32_t phl = ipv == 4 ? 12 : 40;
    uint16_t csum;

    memset(ph, 0, phl);
    if (ipv == 4) {
        memcpy(ph, ip + 12, 8);
        ph[9] = 17;
        put16(ph + 10, udp_len);
    } else {
        memcpy(ph, ip + 8, 32);
        put32(ph + 32, udp_len);
        ph[39] = 17;
    }
    if (partial) {
        csum = ~rfc1071(ph, phl) & 0xffff;
    } else {
        memcpy(ph + phl, udp, udp_len);
        put16(ph + phl + 6, 0);
        csum = rfc1071(ph, phl + udp_len);
        csum = csum ? csum : 0xffff;
    }
    free(ph);
    return csum;
}

/* Builds Geneve packet 'kind' of row 'r' (the 'i'th of its burst) into
 * 'p'. */
static void
build(const struct row *r, char kind, uint32_t i, struct pkt *p)
{
    uint32_t glen = kind == 'L' ? 500 : kind == 'J' ? r->glen + 100
                    : r->glen;
    uint32_t iphl = r->ipv == 4 ? 20 : 40, opt = kind == 'O' ? 8 : 0;
    uint32_t extra = kind == 'I' ? 4 : 0, inner_len, len;
    uint8_t *f = p->buf, *ip, *udp, *g, *in;

    len = 14 + iphl + 8 + glen;
    memset(f, 0, len);
    memset(f, 0x02, 6);
    memset(f + 6, kind == 'M' ? 0x0a : 0x04, 6);
    put16(f + 12, r->ipv == 4 ? 0x0800 : 0x86dd);
    ip = f + 14;
    if (r->ipv == 4) {
        ip[0] = 0x45;
        put16(ip + 2, iphl + 8 + glen);
        put16(ip + 4, 100 + i * 7);     /* IDs differ within a run. */
        ip[6] = kind == 'D' ? 0 : 0x40;
        ip[8] = 64;
        ip[9] = 17;
        put32(ip + 12, 0xc0a80001);
        put32(ip + 16, 0xc0a80002);
        put16(ip + 10, rfc1071(ip, 20));
    } else {
        ip[0] = 0x60;
        put16(ip + 4, 8 + glen);
        ip[6] = 17;
        ip[7] = 64;
        for (int k = 8; k < 40; k++) {
            ip[k] = k;
        }
    }
    udp = ip + iphl;
    p->l4_ofs = udp - f;
    put16(udp, kind == 'X' ? 40000 : 50000);
    put16(udp + 2, kind == 'N' ? 4789 : XSK_GENEVE_PORT);
    put16(udp + 4, 8 + glen);

    g = udp + 8;
    g[0] = (kind == 'V' ? 0x40 : 0) | opt / 4;
    put16(g + 2, 0x6558);
    put32(g + 4, 0x00123400);
    for (uint32_t k = 0; k < opt; k++) {
        g[8 + k] = 0xa0 + k;
    }
    in = g + 8 + opt;
    memset(in, 0x0c, 12);
    inner_len = glen - 8 - opt - 14 - extra;
    if (kind == '6') {
        put16(in + 12, 0x86dd);
        in[14] = 0x60;
        put16(in + 18, inner_len - 40);
        in[20] = 6;
    } else if (kind == 'A') {
        put16(in + 12, 0x0806);
    } else {
        put16(in + 12, 0x0800);
        in[14] = 0x45;
        put16(in + 16, inner_len);
        in[23] = 6;
    }
    for (uint32_t k = 34; k < 14 + inner_len + extra; k++) {
        in[k] = rnd();
    }
    put16(udp + 6, 0);
    if (kind == 'P') {
        put16(udp + 6, udp_csum(ip, r->ipv, udp, 8 + glen, true));
    } else if (kind != 'Z') {
        put16(udp + 6, udp_csum(ip, r->ipv, udp, 8 + glen, false)
                       ^ (kind == 'B' ? 0x0100 : 0));
    }

    memset(&p->tx, 0, sizeof p->tx);
    p->tx.data = f;
    p->tx.len = len;
    p->tx.frame = XSK_TX_COPY;
    p->tx.gso = kind == 'g';
    if (kind == 'P') {
        p->tx.csum_start = p->l4_ofs;
        p->tx.csum_offset = 6;
    }
}

/* Checks the merged packet 'c' of a run of 'run' packets 'pkts'. */
static void
check_run(const struct row *r, const struct xsk_coal *c, struct pkt *pkts,
          uint32_t run)
{
    uint32_t uh = pkts[0].l4_ofs, hdr_len = uh + 8, len = 0, n_out;
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
          && c->vnet.gso_type == VIRTIO_NET_HDR_GSO_UDP_L4
          && c->vnet.gso_size == r->glen && c->vnet.hdr_len == hdr_len
          && c->vnet.csum_start == uh && c->vnet.csum_offset == 6,
          "vnet flags %u type %u size %u hdr %u start %u offset %u",
          c->vnet.flags, c->vnet.gso_type, c->vnet.gso_size,
          c->vnet.hdr_len, c->vnet.csum_start, c->vnet.csum_offset);
    if (r->ipv == 4) {
        CHECK(get16(ip + 2) == len - 14, "IPv4 length %u of %u",
              get16(ip + 2), len - 14);
        CHECK(!rfc1071(ip, 20), "IPv4 header checksum is wrong");
    } else {
        CHECK(get16(ip + 4) == len - 54, "IPv6 payload length %u of %u",
              get16(ip + 4), len - 54);
    }
    CHECK(get16(m + uh + 4) == len - uh, "UDP length %u of %u",
          get16(m + uh + 4), len - uh);
    CHECK(get16(m + uh + 6) == udp_csum(ip, r->ipv, m + uh, len - uh, true),
          "UDP checksum field %#x is not the pseudo-header sum",
          get16(m + uh + 6));

    /* The receiving chassis cuts it where each Geneve packet ends. */
    n_out = xsk_geneve_count(m, len, 9000);
    CHECK(n_out == run, "cut into %u, not %u", n_out, run);
    if (n_out != run || run > 64) {
        free(m);
        return;
    }
    for (uint32_t i = 0; i < run; i++) {
        bufs[i] = malloc(MAX_PKT);
    }
    xsk_geneve_segment(m, len, bufs, lens, run);
    for (uint32_t i = 0; i < run; i++) {
        uint8_t *a = bufs[i], *b = pkts[i].buf;
        uint32_t l = pkts[i].tx.len;

        CHECK(lens[i] == l, "packet %u: %u bytes, not %u", i, lens[i], l);
        if (lens[i] != l) {
            continue;
        }
        if (r->ipv == 4) {
            CHECK(!rfc1071(a + 14, 20), "packet %u: IPv4 header checksum", i);
            CHECK(get16(a + 18) == (uint16_t) (get16(m + 18) + i),
                  "packet %u: IPv4 ID %u", i, get16(a + 18));
            CHECK(!get16(a + uh + 6), "packet %u: UDP checksum %#x, not "
                  "absent", i, get16(a + uh + 6));
            memcpy(a + 18, b + 18, 2);
            memcpy(a + 24, b + 24, 2);
        } else {
            CHECK(get16(a + uh + 6)
                  == udp_csum(a + 14, 6, a + uh, l - uh, false),
                  "packet %u: UDP checksum %#x is wrong", i,
                  get16(a + uh + 6));
        }
        memcpy(a + uh + 6, b + uh + 6, 2);
        CHECK(!memcmp(a, b, l), "packet %u differs", i);
    }
    for (uint32_t i = 0; i < run; i++) {
        free(bufs[i]);
    }
    free(m);
}

static void
test_runs(void)
{
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const struct row *r = &rows[k];
        uint32_t n = strlen(r->burst), run;
        struct xsk_tx_pkt tx[XSK_TX_BURST];
        struct pkt *pkts = calloc(n, sizeof *pkts);
        struct xsk_coal c;

        for (uint32_t i = 0; i < n; i++) {
            build(r, r->burst[i], i, &pkts[i]);
            tx[i] = pkts[i].tx;
        }
        run = xsk_geneve_run(tx, n, r->mtu ? r->mtu : 1500, &c);
        CHECK(run == r->run || (run < 2 && r->run < 2), "run of %u, not %u",
              run, r->run);
        if (run >= 2 && run == r->run) {
            check_run(r, &c, pkts, run);
        }
        free(pkts);
        tap_group("run: %s", r->name);
    }
}

/* Receive rows: a super-packet made by concatenating the UDP payloads of
 * the burst's packets behind the first one's outer headers (lengths fixed
 * up), then optionally damaged. */
struct rx_row {
    const char *name;
    const char *burst;
    uint32_t mtu;
    int damage;                 /* 0 none, 1: 3 bytes of trailing junk, 2:
                                 * the second packet's Geneve version 1. */
    uint32_t count;             /* Expected of xsk_geneve_count(). */
};

static const struct rx_row rx_rows[] = {
    { "three packets", "FFF", 1500, 0, 3 },
    { "a shorter last packet", "FFL", 1500, 0, 3 },
    { "one packet: nothing to cut", "F", 1500, 0, 1 },
    { "a longer packet after the first: cannot be cut", "FJF", 1500, 0,
      XSK_GENEVE_BAD },
    { "a shorter packet in the middle: cannot be cut", "FLF", 1500, 0,
      XSK_GENEVE_BAD },
    { "trailing junk: cannot be cut", "FFF", 1500, 1, XSK_GENEVE_BAD },
    { "a bad Geneve header inside: cannot be cut", "FFF", 1500, 2,
      XSK_GENEVE_BAD },
    { "segments above the MTU: cannot be cut", "FFF", 1400, 0,
      XSK_GENEVE_BAD },
    { "not the Geneve port: not ours", "NNN", 1500, 0, 0 },
    { "inner ARP first: not ours", "AFF", 1500, 0, 0 },
};

static void
test_rx(void)
{
    static const struct row r = { "", 4, 1450, "", 0 };

    for (size_t k = 0; k < sizeof rx_rows / sizeof rx_rows[0]; k++) {
        const struct rx_row *x = &rx_rows[k];
        uint32_t n = strlen(x->burst), len, count;
        struct pkt *pkts = calloc(n, sizeof *pkts);
        uint8_t *m = malloc(70000);

        for (uint32_t i = 0; i < n; i++) {
            build(&r, x->burst[i], i, &pkts[i]);
        }
        len = pkts[0].tx.len;
        memcpy(m, pkts[0].buf, len);
        for (uint32_t i = 1; i < n; i++) {
            uint32_t g = pkts[i].tx.len - 42;

            if (x->damage == 2 && i == 1) {
                pkts[i].buf[42] |= 0x40;
            }
            memcpy(m + len, pkts[i].buf + 42, g);
            len += g;
        }
        if (x->damage == 1) {
            memset(m + len, 0, 3);
            len += 3;
        }
        put16(m + 16, len - 14);
        put16(m + 38, len - 34);
        count = xsk_geneve_count(m, len, x->mtu);
        CHECK(count == x->count, "count %u, not %u", count, x->count);
        free(m);
        free(pkts);
        tap_group("receive: %s", x->name);
    }
}

int
main(void)
{
    test_runs();
    test_rx();
    return tap_done();
}
