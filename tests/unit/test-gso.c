/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of software TCP segmentation, netdev/xsk-gso.c:
 * xsk_gso_count() and xsk_gso_segment().  Needs no root and no OVS; prints
 * TAP (tap.h).
 *
 * TCP super-packets are built byte by byte here (Ethernet, up to two VLAN
 * tags, IPv4 with or without options or IPv6, TCP with options, random
 * payload).  Every segment is checked field by field against the
 * super-packet, with its own parser and RFC 1071 checksums: nothing is
 * shared with the code under test.
 *
 * The packet handed to the code under test is a heap buffer of exactly its
 * length, and each output buffer is a heap buffer of exactly the segment's
 * length, so that under AddressSanitizer a read or write past the end is
 * caught.  Where nothing may be written, the output buffers and lengths are
 * poisoned with a pattern and checked afterwards. */

#include "xsk-gso.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define POISON 0xa5             /* Fills output buffers. */
#define LEN_POISON 0xdeadbeefu  /* Fills output lengths. */

/* What build_frame() builds. */
struct spec {
    int n_vlans;                /* 0..2 tags: 802.1ad outside, then 802.1Q. */
    int ipv;                    /* 4 or 6. */
    int ip_opt_len;             /* IPv4 options bytes, multiple of 4. */
    int tcp_opt_len;            /* TCP options bytes, multiple of 4. */
    int pad;                    /* Bytes after the IP packet (Ethernet
                                 * padding). */
};

/* A built frame and what the test knows about it. */
struct frame {
    uint8_t *buf;               /* malloc()ed, 'len' bytes. */
    uint32_t len;
    uint32_t l3;                /* Offset of the IP header. */
    uint32_t l4;                /* Offset of the TCP header. */
    uint32_t hdr_len;           /* Offset of the TCP payload. */
    uint32_t payload;           /* TCP payload bytes. */
};

/* Returns the offset of the first byte where 'a' and 'b' differ over 'len'
 * bytes, or -1. */
static long
first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            return i;
        }
    }
    return -1;
}

/* Returns the offset of the first of 'len' bytes at 'p' that is not
 * POISON, or -1. */
static long
first_unpoisoned(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != POISON) {
            return i;
        }
    }
    return -1;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        abort();
    }
    return p;
}

/* Returns an exact-size heap copy of 'len' bytes at 'p'. */
static uint8_t *
copy_of(const uint8_t *p, uint32_t len)
{
    uint8_t *copy = xmalloc(len);

    memcpy(copy, p, len);
    return copy;
}

/* Builds the TCP packet 's' with 'payload' bytes of random payload, TCP
 * sequence number 'seq', flags 'flags' and IPv4 ID 'ip_id'; random
 * addresses, ports, acknowledgment and window; a correct IPv4 header
 * checksum and a TCP checksum field holding garbage (as a partial checksum
 * would be: the code under test must recompute it). */
static void
build_frame(const struct spec *s, uint32_t payload, uint32_t seq,
            uint8_t flags, uint16_t ip_id, struct frame *f)
{
    uint32_t tcp_hl = 20 + s->tcp_opt_len;
    uint32_t ihl = s->ipv == 4 ? 20 + s->ip_opt_len : 40;
    uint32_t ofs = 12;
    uint8_t *p, *tcp;

    memset(f, 0, sizeof *f);
    f->l3 = 14 + 4 * s->n_vlans;
    f->l4 = f->l3 + ihl;
    f->hdr_len = f->l4 + tcp_hl;
    f->payload = payload;
    f->len = f->hdr_len + payload + s->pad;
    f->buf = p = xmalloc(f->len);

    for (int i = 0; i < 12; i++) {
        p[i] = rnd();                       /* MAC addresses. */
    }
    p[0] &= 0xfe;
    for (int i = 0; i < s->n_vlans; i++) {
        put16(p + ofs, s->n_vlans == 2 && !i ? 0x88a8 : 0x8100);
        put16(p + ofs + 2, rnd() & 0xefff); /* PCP, DEI 0, VID. */
        ofs += 4;
    }
    put16(p + ofs, s->ipv == 4 ? 0x0800 : 0x86dd);

    if (s->ipv == 4) {
        uint8_t *ip = p + f->l3;

        ip[0] = 0x40 | ihl / 4;
        ip[1] = rnd() & 0xfc;               /* DSCP. */
        put16(ip + 2, ihl + tcp_hl + payload);
        put16(ip + 4, ip_id);
        put16(ip + 6, 0x4000);              /* DF. */
        ip[8] = 64;
        ip[9] = 6;
        for (int i = 12; i < 20; i++) {
            ip[i] = rnd();
        }
        for (uint32_t i = 20; i < ihl; i++) {
            ip[i] = 1;                      /* NOP options. */
        }
        if (s->ip_opt_len >= 4) {
            ip[20] = 0x94;                  /* Router alert. */
            ip[21] = 4;
            ip[22] = ip[23] = 0;
        }
        put16(ip + 10, 0);
        put16(ip + 10, rfc1071(ip, ihl));
    } else {
        uint8_t *ip6 = p + f->l3;

        put32(ip6, 0x60000000 | (rnd() & 0xfffff));   /* Flow label. */
        put16(ip6 + 4, tcp_hl + payload);
        ip6[6] = 6;
        ip6[7] = 64;
        for (int i = 8; i < 40; i++) {
            ip6[i] = rnd();
        }
    }

    tcp = p + f->l4;
    put16(tcp, rnd());                      /* Source port. */
    put16(tcp + 2, rnd());                  /* Destination port. */
    put32(tcp + 4, seq);
    put32(tcp + 8, rnd());                  /* Acknowledgment. */
    tcp[12] = (tcp_hl / 4) << 4;
    tcp[13] = flags;
    put16(tcp + 14, rnd());                 /* Window. */
    put16(tcp + 16, rnd());                 /* Checksum: garbage. */
    put16(tcp + 18, 0);                     /* Urgent pointer. */
    for (uint32_t i = 20; i < tcp_hl; i++) {
        tcp[i] = 1;                         /* NOP options. */
    }
    if (s->tcp_opt_len >= 12) {
        tcp[22] = 8;                        /* Timestamps. */
        tcp[23] = 10;
        for (int i = 24; i < 32; i++) {
            tcp[i] = rnd();
        }
    }
    for (uint32_t i = 0; i < payload; i++) {
        p[f->hdr_len + i] = rnd();
    }
    for (int i = 0; i < s->pad; i++) {
        p[f->hdr_len + payload + i] = 0;
    }
}

static void
free_frame(struct frame *f)
{
    free(f->buf);
    f->buf = NULL;
}

static void
describe(const struct spec *s, char *out, size_t size)
{
    snprintf(out, size, "IPv%d%s/TCP%s, %d VLAN tag%s%s", s->ipv,
             s->ip_opt_len ? " with options" : "",
             s->tcp_opt_len ? " with options" : "", s->n_vlans,
             s->n_vlans == 1 ? "" : "s",
             s->pad ? " + Ethernet padding" : "");
}

/* What the test's own parser finds in a packet. */
struct parsed {
    uint32_t l3;                /* Offset of the IP header. */
    uint32_t l4;                /* Offset of the TCP header. */
    uint32_t hdr_len;           /* Offset of the TCP payload. */
    uint32_t payload;           /* TCP payload bytes (padding excluded). */
    uint32_t ip_hl, tcp_hl;     /* Header lengths. */
    bool ipv6;
};

/* Parses 'p', 'len' bytes, as xsk-gso.h promises to segment it: TCP over
 * IPv4 (not a fragment) or IPv6 (no extension header), behind at most two
 * VLAN tags, all lengths consistent with each other and with 'len'.
 * Returns false for anything else. */
static bool
tparse(const uint8_t *p, uint32_t len, struct parsed *o)
{
    uint32_t ofs = 14, l4_len;
    uint16_t type;

    if (len < 14) {
        return false;
    }
    type = get16(p + 12);
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
        if (len < ofs + 4) {
            return false;
        }
        type = get16(p + ofs + 2);
        ofs += 4;
    }
    o->l3 = ofs;
    if (type == 0x0800) {
        uint32_t tot;

        if (len < ofs + 20 || p[ofs] >> 4 != 4) {
            return false;
        }
        o->ip_hl = (p[ofs] & 15) * 4;
        tot = get16(p + ofs + 2);
        if (o->ip_hl < 20 || tot < o->ip_hl || ofs + tot > len
            || get16(p + ofs + 6) & 0x3fff || p[ofs + 9] != 6) {
            return false;
        }
        o->ipv6 = false;
        l4_len = tot - o->ip_hl;
    } else if (type == 0x86dd) {
        if (len < ofs + 40 || p[ofs] >> 4 != 6
            || ofs + 40 + get16(p + ofs + 4) > len || p[ofs + 6] != 6) {
            return false;
        }
        o->ip_hl = 40;
        o->ipv6 = true;
        l4_len = get16(p + ofs + 4);
    } else {
        return false;
    }
    o->l4 = ofs + o->ip_hl;
    if (l4_len < 20) {
        return false;
    }
    o->tcp_hl = (p[o->l4 + 12] >> 4) * 4;
    if (o->tcp_hl < 20 || o->tcp_hl > l4_len) {
        return false;
    }
    o->hdr_len = o->l4 + o->tcp_hl;
    o->payload = l4_len - o->tcp_hl;
    return true;
}

/* The number of segments of a packet parsed as 'pp' for 'mtu', computed
 * without overflow: 0 if no payload fits, else at least 1. */
static uint32_t
expected_count(const struct parsed *pp, uint32_t mtu)
{
    uint64_t mss;

    if (mtu <= pp->ip_hl + pp->tcp_hl) {
        return 0;
    }
    mss = mtu - pp->ip_hl - pp->tcp_hl;
    return pp->payload ? (pp->payload + mss - 1) / mss : 1;
}

/* Returns true if the TCP checksum of 'seg' (parsed as 'pp') verifies: the
 * RFC 1071 sum over the pseudo-header and the TCP segment is all ones. */
static bool
tcp_csum_ok(const uint8_t *seg, const struct parsed *pp)
{
    uint32_t l4_len = pp->tcp_hl + pp->payload;
    uint8_t *buf = xmalloc(40 + l4_len);
    const uint8_t *ip = seg + pp->l3;
    size_t n;
    bool ok;

    if (pp->ipv6) {
        memcpy(buf, ip + 8, 32);
        put32(buf + 32, l4_len);
        put32(buf + 36, 6);
        n = 40;
    } else {
        memcpy(buf, ip + 12, 8);
        put16(buf + 8, 6);
        put16(buf + 10, l4_len);
        n = 12;
    }
    memcpy(buf + n, seg + pp->l4, l4_len);
    ok = rfc1071(buf, n + l4_len) == 0;
    free(buf);
    return ok;
}

/* Checks segment 'i' of 'n', 'seg' of 'seg_len' bytes, cut from 'pkt'
 * (parsed as 'pp') with 'mss' bytes of payload per segment.  'what' names
 * the packet in diagnostics. */
static void
check_segment(const uint8_t *pkt, const struct parsed *pp, uint32_t mss,
              uint32_t i, uint32_t n, const uint8_t *seg, uint32_t seg_len,
              const char *what)
{
    uint32_t ofs = i * mss;
    uint32_t chunk = pp->payload - ofs < mss ? pp->payload - ofs : mss;
    const uint8_t *ip = seg + pp->l3, *oip = pkt + pp->l3;
    const uint8_t *tcp = seg + pp->l4, *otcp = pkt + pp->l4;
    uint8_t flags = otcp[13];
    struct parsed sp;
    long d;

    if (!CHECK(seg_len == pp->hdr_len + chunk, "%s: segment %u of %u is %u "
               "bytes, want %u", what, i, n, seg_len, pp->hdr_len + chunk)) {
        return;
    }

    /* Ethernet and VLAN headers. */
    d = first_diff(seg, pkt, pp->l3);
    CHECK(d < 0, "%s: segment %u: L2 byte %ld differs", what, i, d);

    /* IP header: only the length, ID and checksum change. */
    for (uint32_t b = 0; b < pp->ip_hl; b++) {
        bool may_change = pp->ipv6 ? b == 4 || b == 5
                                   : b == 2 || b == 3 || b == 4 || b == 5
                                     || b == 10 || b == 11;

        if (!may_change && ip[b] != oip[b]) {
            CHECK(false, "%s: segment %u: IP header byte %u is 0x%02x, was "
                  "0x%02x", what, i, b, ip[b], oip[b]);
            break;
        }
    }
    if (pp->ipv6) {
        CHECK(get16(ip + 4) == pp->tcp_hl + chunk, "%s: segment %u: IPv6 "
              "payload length %u, want %u", what, i, get16(ip + 4),
              pp->tcp_hl + chunk);
    } else {
        uint16_t id = get16(oip + 4) + i;

        CHECK(get16(ip + 2) == pp->ip_hl + pp->tcp_hl + chunk, "%s: segment "
              "%u: IPv4 total length %u, want %u", what, i, get16(ip + 2),
              pp->ip_hl + pp->tcp_hl + chunk);
        CHECK(get16(ip + 4) == id, "%s: segment %u: IPv4 ID 0x%04x, want "
              "0x%04x", what, i, get16(ip + 4), id);
        CHECK(rfc1071(ip, pp->ip_hl) == 0, "%s: segment %u: IPv4 header "
              "checksum 0x%04x does not verify", what, i, get16(ip + 10));
    }

    /* TCP header: only the sequence number, flags and checksum change. */
    for (uint32_t b = 0; b < pp->tcp_hl; b++) {
        bool may_change = (b >= 4 && b < 8) || b == 13 || b == 16 || b == 17;

        if (!may_change && tcp[b] != otcp[b]) {
            CHECK(false, "%s: segment %u: TCP header byte %u is 0x%02x, was "
                  "0x%02x", what, i, b, tcp[b], otcp[b]);
            break;
        }
    }
    CHECK(get32(tcp + 4) == (uint32_t) (get32(otcp + 4) + ofs), "%s: "
          "segment %u: sequence number 0x%08x, want 0x%08x", what, i,
          get32(tcp + 4), (uint32_t) (get32(otcp + 4) + ofs));
    if (i + 1 < n) {
        flags &= ~(TCP_FIN | TCP_PSH);
    }
    if (i) {
        flags &= ~TCP_CWR;
    }
    CHECK(tcp[13] == flags, "%s: segment %u of %u: flags 0x%02x, want 0x%02x "
          "(original 0x%02x)", what, i, n, tcp[13], flags, otcp[13]);

    /* Payload slice, and the whole segment as its own parser sees it. */
    d = first_diff(seg + pp->hdr_len, pkt + pp->hdr_len + ofs, chunk);
    CHECK(d < 0, "%s: segment %u: payload byte %ld differs", what, i, d);
    if (CHECK(tparse(seg, seg_len, &sp), "%s: segment %u does not parse",
              what, i)) {
        CHECK(sp.l3 == pp->l3 && sp.l4 == pp->l4 && sp.hdr_len == pp->hdr_len
              && sp.payload == chunk, "%s: segment %u parses as l3 %u l4 %u "
              "payload at %u, %u bytes", what, i, sp.l3, sp.l4, sp.hdr_len,
              sp.payload);
        CHECK(tcp_csum_ok(seg, &sp), "%s: segment %u: TCP checksum 0x%04x "
              "does not verify", what, i, get16(tcp + 16));
    }
}

/* Checks that 'n' buffers of 'size' bytes at 'bufs' and 'n' lengths at
 * 'lens' still hold the poison. */
static void
check_poisoned(uint8_t *const *bufs, const uint32_t *lens, uint32_t n,
               size_t size, const char *what)
{
    for (uint32_t i = 0; i < n; i++) {
        long d = first_unpoisoned(bufs[i], size);

        if (!CHECK(d < 0 && lens[i] == LEN_POISON, "%s: buffer %u written "
                   "(byte %ld, length 0x%08x)", what, i, d, lens[i])) {
            break;
        }
    }
}

#define N_REJECT_BUFS 8

/* Checks that xsk_gso_count() finds nothing to segment in 'pkt' ('len'
 * bytes) for 'mtu' and that xsk_gso_segment() returns false for a few
 * buffer counts, writing nothing.  'what' names the packet. */
static void
check_rejected(const uint8_t *pkt, uint32_t len, uint32_t mtu,
               const char *what)
{
    static const uint32_t counts[] = { 0, 1, 2, 3, N_REJECT_BUFS };
    uint32_t size = len + 64;
    uint8_t *in = copy_of(pkt, len);
    uint8_t *bufs[N_REJECT_BUFS];
    uint32_t lens[N_REJECT_BUFS], n;

    n = xsk_gso_count(in, len, mtu);
    CHECK(n == 0, "%s: xsk_gso_count() = %u, want 0", what, n);
    for (int i = 0; i < N_REJECT_BUFS; i++) {
        bufs[i] = xmalloc(size);
        memset(bufs[i], POISON, size);
        lens[i] = LEN_POISON;
    }
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        CHECK(!xsk_gso_segment(in, len, mtu, bufs, lens, counts[c]),
              "%s: xsk_gso_segment() with %u buffers returned true", what,
              counts[c]);
    }
    check_poisoned(bufs, lens, N_REJECT_BUFS, size, what);
    CHECK(first_diff(in, pkt, len) < 0, "%s: input changed", what);
    for (int i = 0; i < N_REJECT_BUFS; i++) {
        free(bufs[i]);
    }
    free(in);
}

/* Segments 'pkt' ('len' bytes) for 'mtu' and checks everything: the count,
 * each segment (check_segment()), the concatenated payload, no write past
 * a segment's length, the input unchanged, and, if 'wrong_n', that a wrong
 * buffer count is refused without a write.  Each output buffer is a heap
 * buffer of exactly the segment's length.  Returns the count. */
static uint32_t
segment_and_check(const uint8_t *pkt, uint32_t len, uint32_t mtu,
                  bool wrong_n, const char *what)
{
    uint32_t n, want, mss, got_payload;
    uint8_t **bufs, *in, *cat;
    uint32_t *lens, *sizes;
    struct parsed pp;
    bool ok;

    if (!CHECK(tparse(pkt, len, &pp), "test bug: %s does not parse", what)) {
        return 0;
    }
    want = expected_count(&pp, mtu);
    if (!want) {
        check_rejected(pkt, len, mtu, what);
        return 0;
    }
    mss = mtu - pp.ip_hl - pp.tcp_hl;
    in = copy_of(pkt, len);
    n = xsk_gso_count(in, len, mtu);
    CHECK(n == want, "%s, MTU %u: xsk_gso_count() = %u, want %u", what, mtu,
          n, want);

    /* 'want' + 1 buffers, each of exactly its segment's length (the last,
     * spare one as long as the first), poisoned. */
    bufs = xmalloc((want + 1) * sizeof *bufs);
    lens = xmalloc((want + 1) * sizeof *lens);
    sizes = xmalloc((want + 1) * sizeof *sizes);
    for (uint32_t i = 0; i <= want; i++) {
        uint32_t ofs = i < want ? i * mss : 0;
        uint32_t chunk = pp.payload - ofs < mss ? pp.payload - ofs : mss;

        sizes[i] = pp.hdr_len + chunk;
        bufs[i] = xmalloc(sizes[i]);
        memset(bufs[i], POISON, sizes[i]);
        lens[i] = LEN_POISON;
    }

    if (wrong_n) {
        CHECK(!xsk_gso_segment(in, len, mtu, bufs, lens, want + 1),
              "%s: %u buffers for %u segments accepted", what, want + 1,
              want);
        CHECK(!xsk_gso_segment(in, len, mtu, bufs, lens, want - 1),
              "%s: %u buffers for %u segments accepted", what, want - 1,
              want);
        if (want > 1) {
            CHECK(!xsk_gso_segment(in, len, mtu, bufs, lens, 0),
                  "%s: 0 buffers for %u segments accepted", what, want);
        }
        for (uint32_t i = 0; i <= want; i++) {
            long d = first_unpoisoned(bufs[i], sizes[i]);

            if (!CHECK(d < 0 && lens[i] == LEN_POISON, "%s: wrong buffer "
                       "count, but buffer %u written (byte %ld, length "
                       "0x%08x)", what, i, d, lens[i])) {
                break;
            }
        }
    }

    ok = xsk_gso_segment(in, len, mtu, bufs, lens, want);
    CHECK(ok, "%s, MTU %u: xsk_gso_segment() with %u buffers returned "
          "false", what, mtu, want);
    if (ok) {
        cat = xmalloc(pp.payload);
        got_payload = 0;
        for (uint32_t i = 0; i < want; i++) {
            uint32_t seg_payload;

            check_segment(pkt, &pp, mss, i, want, bufs[i], lens[i], what);
            if (lens[i] < pp.hdr_len || lens[i] - pp.hdr_len > mss) {
                break;          /* check_segment() said so. */
            }
            seg_payload = lens[i] - pp.hdr_len;
            if (got_payload + seg_payload > pp.payload) {
                got_payload += seg_payload;
                break;
            }
            memcpy(cat + got_payload, bufs[i] + pp.hdr_len, seg_payload);
            got_payload += seg_payload;
        }
        CHECK(got_payload == pp.payload
              && first_diff(cat, pkt + pp.hdr_len, pp.payload) < 0,
              "%s: the %u segments carry %u payload bytes, want the %u "
              "of the original%s", what, want, got_payload, pp.payload,
              got_payload == pp.payload ? ", in order" : "");
        free(cat);
    }
    CHECK(first_unpoisoned(bufs[want], sizes[want]) < 0
          && lens[want] == LEN_POISON, "%s: spare buffer written", what);
    CHECK(first_diff(in, pkt, len) < 0, "%s: input changed", what);

    for (uint32_t i = 0; i <= want; i++) {
        free(bufs[i]);
    }
    free(bufs);
    free(lens);
    free(sizes);
    free(in);
    return n;
}

/* Super-packets of every kind. */
static const struct spec seg_specs[] = {
    /* vlans ipv ipopt tcpopt pad */
    { 0, 4, 0, 0, 0 },
    { 0, 4, 0, 12, 0 },
    { 1, 4, 4, 12, 0 },
    { 2, 4, 40, 40, 0 },
    { 0, 4, 8, 20, 6 },
    { 0, 6, 0, 0, 0 },
    { 0, 6, 0, 12, 0 },
    { 1, 6, 0, 40, 0 },
    { 2, 6, 0, 12, 3 },
};

/* For every spec and a few MTUs: payloads of 0, 1, MSS-1, MSS, MSS+1,
 * 2*MSS+1 and 64000 bytes, flags FIN|PSH|CWR|ACK. */
static void
test_segments(void)
{
    static const uint32_t mtus[] = { 1500, 576, 9000 };

    for (size_t i = 0; i < sizeof seg_specs / sizeof seg_specs[0]; i++) {
        const struct spec *s = &seg_specs[i];
        uint32_t hl = (s->ipv == 4 ? 20 + s->ip_opt_len : 40)
                      + 20 + s->tcp_opt_len;
        char name[128];

        describe(s, name, sizeof name);
        for (size_t m = 0; m < sizeof mtus / sizeof mtus[0]; m++) {
            uint32_t mss = mtus[m] - hl;
            const uint32_t payloads[] = {
                0, 1, mss - 1, mss, mss + 1, 2 * mss + 1, 64000,
            };
            unsigned int n_segs = 0;

            for (size_t p = 0; p < sizeof payloads / sizeof payloads[0];
                 p++) {
                uint32_t want = payloads[p] ? (payloads[p] + mss - 1) / mss
                                            : 1;
                struct frame f;
                char what[160];
                uint32_t n;

                snprintf(what, sizeof what, "%s, %u-byte payload", name,
                         payloads[p]);
                build_frame(s, payloads[p], rnd(),
                            TCP_FIN | TCP_PSH | TCP_CWR | TCP_ACK, rnd(),
                            &f);
                n = segment_and_check(f.buf, f.len, mtus[m], true, what);
                CHECK(n == want, "%s, MTU %u: %u segments, want %u", what,
                      mtus[m], n, want);
                n_segs += n;
                free_frame(&f);
            }
            tap_group("%s, MTU %u (MSS %u): payloads 0, 1, MSS-1, MSS, "
                      "MSS+1, 2*MSS+1, 64000 give %u segments, all correct",
                      name, mtus[m], mss, n_segs);
        }
    }
}

/* The sequence number wraps around 2^32; the IPv4 ID around 2^16. */
static void
test_wraparound(void)
{
    static const uint32_t seqs[] = {
        0xffffffff, 0xfffffffe, 0xffffff00, 0xffffffff - 1448 * 3 + 7,
        0x80000000 - 1448, 0,
    };
    static const struct spec v4 = { 0, 4, 0, 12, 0 };
    static const struct spec v6 = { 1, 6, 0, 12, 0 };

    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        for (int v = 0; v < 2; v++) {
            struct frame f;
            char what[96];

            snprintf(what, sizeof what, "IPv%d, sequence 0x%08x, ID 0xfffe",
                     v ? 6 : 4, seqs[i]);
            build_frame(v ? &v6 : &v4, 64000, seqs[i],
                        TCP_ACK | TCP_PSH, 0xfffe, &f);
            segment_and_check(f.buf, f.len, 1500, false, what);
            free_frame(&f);
        }
    }
    tap_group("sequence numbers wrap around 0xffffffff, IPv4 IDs around "
              "0xffff");
}

/* Every combination of TCP flags, on 1, 2 and 3 segments: FIN and PSH stay
 * on the last segment only, CWR on the first only, the others on all. */
static void
test_flags(void)
{
    static const struct spec s = { 0, 4, 0, 0, 0 };
    static const uint32_t payloads[] = { 0, 1460, 1461, 2921 };

    for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++) {
        for (int flags = 0; flags < 256; flags++) {
            struct frame f;
            char what[96];

            snprintf(what, sizeof what, "flags 0x%02x, %u-byte payload",
                     flags, payloads[p]);
            build_frame(&s, payloads[p], rnd(), flags, rnd(), &f);
            segment_and_check(f.buf, f.len, 1500, false, what);
            free_frame(&f);
        }
    }
    tap_group("all 256 flag combinations on 1, 1, 2 and 3 segments");
}

/* MTUs at the edge: the headers and one byte (MSS 1), exactly the headers
 * and less (no room: count 0). */
static void
test_small_mtu(void)
{
    static const struct spec specs[] = {
        { 0, 4, 0, 0, 0 },
        { 2, 4, 40, 40, 0 },
        { 0, 6, 0, 12, 0 },
    };

    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const struct spec *s = &specs[i];
        uint32_t hl = (s->ipv == 4 ? 20 + s->ip_opt_len : 40)
                      + 20 + s->tcp_opt_len;
        const uint32_t small[] = { hl, hl - 1, hl - 20, 20, 1, 0 };
        char name[128], what[192];
        struct frame f;
        uint32_t n;

        describe(s, name, sizeof name);
        build_frame(s, 300, 0xffffff80, TCP_FIN | TCP_PSH | TCP_CWR | TCP_ACK,
                    0xff00, &f);
        snprintf(what, sizeof what, "%s, 300-byte payload, MTU %u (MSS 1)",
                 name, hl + 1);
        n = segment_and_check(f.buf, f.len, hl + 1, true, what);
        CHECK(n == 300, "%s: %u segments, want 300", what, n);
        snprintf(what, sizeof what, "%s, 300-byte payload, MTU %u (MSS 2)",
                 name, hl + 2);
        n = segment_and_check(f.buf, f.len, hl + 2, true, what);
        CHECK(n == 150, "%s: %u segments, want 150", what, n);
        for (size_t m = 0; m < sizeof small / sizeof small[0]; m++) {
            snprintf(what, sizeof what, "%s, MTU %u, headers %u", name,
                     small[m], hl);
            check_rejected(f.buf, f.len, small[m], what);
        }
        free_frame(&f);

        build_frame(s, 0, rnd(), TCP_FIN | TCP_ACK, rnd(), &f);
        snprintf(what, sizeof what, "%s, no payload, MTU %u", name, hl + 1);
        n = segment_and_check(f.buf, f.len, hl + 1, true, what);
        CHECK(n == 1, "%s: %u segments, want 1", what, n);
        snprintf(what, sizeof what, "%s, no payload, MTU %u (= headers)",
                 name, hl);
        check_rejected(f.buf, f.len, hl, what);
        free_frame(&f);
        tap_group("%s: MSS 1 and 2 segment; an MTU of %u (the headers) or "
                  "less gives 0", name, hl);
    }
}

/* An MTU so large that MSS + payload exceeds 32 bits: the packet fits, so
 * it is 1 segment.  With 40 bytes of headers and 1000 of payload, MSS +
 * payload - 1 reaches 2^32 from MTU 0xfffffc41 up. */
static void
test_huge_mtu(void)
{
    static const struct spec s = { 0, 4, 0, 0, 0 };
    static const uint32_t mtus[] = {
        0xffffffff, 0xfffffc41, 0xfffffc40, 0xfffffc18, 0x80000000, 65575,
    };

    for (size_t m = 0; m < sizeof mtus / sizeof mtus[0]; m++) {
        struct frame f;
        char what[96];
        uint32_t n;

        snprintf(what, sizeof what, "1000-byte payload (MTU 0x%08x)",
                 mtus[m]);
        build_frame(&s, 1000, rnd(), TCP_ACK, rnd(), &f);
        n = segment_and_check(f.buf, f.len, mtus[m], true, what);
        CHECK(n == 1, "%s: %u segments, want 1", what, n);
        free_frame(&f);
    }
    tap_group("MTUs up to 0xffffffff: a 1000-byte payload is 1 segment");
}

/* A wrong buffer count is refused, nothing written, for packets of 1 to
 * 44 segments. */
static void
test_wrong_n_bufs(void)
{
    static const struct spec specs[] = {
        { 0, 4, 0, 12, 0 },
        { 2, 6, 0, 0, 0 },
    };
    static const uint32_t payloads[] = { 0, 100, 1000, 1448, 1449, 64000 };
    int n_tries = 0;

    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++) {
            struct frame f;
            struct parsed pp;
            uint32_t want, size, n_bad;
            uint8_t *in, **bufs;
            uint32_t *lens;
            char what[96];
            uint32_t bad[6];

            build_frame(&specs[i], payloads[p], rnd(), TCP_ACK, rnd(), &f);
            tparse(f.buf, f.len, &pp);
            want = expected_count(&pp, 1500);
            snprintf(what, sizeof what, "IPv%d, %u-byte payload, %u "
                     "segments", pp.ipv6 ? 6 : 4, payloads[p], want);
            n_bad = 0;
            bad[n_bad++] = 0;
            bad[n_bad++] = want - 1;
            bad[n_bad++] = want + 1;
            bad[n_bad++] = want + 2;
            bad[n_bad++] = 2 * want;
            bad[n_bad++] = want + 100;

            size = f.len + 64;
            in = copy_of(f.buf, f.len);
            bufs = xmalloc((want + 100) * sizeof *bufs);
            lens = xmalloc((want + 100) * sizeof *lens);
            for (uint32_t b = 0; b < want + 100; b++) {
                bufs[b] = xmalloc(size);
                memset(bufs[b], POISON, size);
                lens[b] = LEN_POISON;
            }
            for (uint32_t b = 0; b < n_bad; b++) {
                if (bad[b] == want) {
                    continue;
                }
                CHECK(!xsk_gso_segment(in, f.len, 1500, bufs, lens, bad[b]),
                      "%s: %u buffers accepted", what, bad[b]);
                n_tries++;
            }
            check_poisoned(bufs, lens, want + 100, size, what);
            for (uint32_t b = 0; b < want + 100; b++) {
                free(bufs[b]);
            }
            free(bufs);
            free(lens);
            free(in);
            free_frame(&f);
        }
    }
    tap_group("%d wrong buffer counts refused, nothing written", n_tries);
}

/* Packets that are not TCP, or not TCP as xsk-gso.h takes it. */
static void
test_not_tcp(void)
{
    static const struct spec v4 = { 0, 4, 0, 0, 0 };
    static const struct spec v6 = { 0, 6, 0, 0, 0 };
    static const struct spec v4vlan = { 2, 4, 0, 0, 0 };
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x0a, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x14,
    };
    static const struct {
        const char *name;
        const struct spec *spec;
        int at;                 /* Offset from the IP header; -1: L2. */
        uint8_t value;
    } cases[] = {
        { "IPv4 UDP", &v4, 9, 17 },
        { "IPv4 ICMP", &v4, 9, 1 },
        { "IPv4 SCTP", &v4, 9, 132 },
        { "IPv4 UDP behind 2 VLAN tags", &v4vlan, 9, 17 },
        { "IPv6 UDP", &v6, 6, 17 },
        { "IPv6 hop-by-hop header", &v6, 6, 0 },
        { "IPv6 routing header", &v6, 6, 43 },
        { "IPv6 fragment header", &v6, 6, 44 },
        { "IPv6 no next header", &v6, 6, 59 },
    };
    char what[96];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static const uint32_t payloads[] = { 0, 3000, 64000 };

        for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++) {
            struct frame f;
            uint8_t *ip;

            build_frame(cases[i].spec, payloads[p], rnd(), TCP_ACK, rnd(),
                        &f);
            ip = f.buf + f.l3;
            ip[cases[i].at] = cases[i].value;
            if (cases[i].spec->ipv == 4) {
                put16(ip + 10, 0);
                put16(ip + 10, rfc1071(ip, f.l4 - f.l3));
            }
            snprintf(what, sizeof what, "%s, %u-byte payload", cases[i].name,
                     payloads[p]);
            check_rejected(f.buf, f.len, 1500, what);
            free_frame(&f);
        }
    }
    check_rejected(arp, sizeof arp, 1500, "ARP request");
    check_rejected(arp, sizeof arp, 20, "ARP request, MTU 20");
    {
        /* Ethertypes other than IP and VLAN, on a TCP packet. */
        static const uint16_t types[] = {
            0x0806, 0x88cc, 0x8847, 0x0000, 0xffff, 0x88e5,
        };
        struct frame f;

        build_frame(&v4, 3000, rnd(), TCP_ACK, rnd(), &f);
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            put16(f.buf + 12, types[t]);
            snprintf(what, sizeof what, "IPv4/TCP with ethertype 0x%04x",
                     types[t]);
            check_rejected(f.buf, f.len, 1500, what);
        }
        free_frame(&f);
    }
    tap_group("UDP, ICMP, SCTP, IPv6 extension headers, ARP, other "
              "ethertypes: count 0, nothing written");
}

/* How build_malformed() spoils a packet. */
enum spoil {
    SP_SET8,                    /* IP header byte 'a' = 'b'. */
    SP_SET16,                   /* IP header 16 bits at 'a' = 'b'. */
    SP_ADD16,                   /* IP header 16 bits at 'a' += 'b'. */
    SP_TCP8,                    /* TCP header byte 'a' = 'b'. */
    SP_IHL15,                   /* IHL 15, total length 79. */
    SP_TPID,                    /* A third VLAN TPID. */
    SP_IPV6_ETHERTYPE,          /* IPv4 header behind the IPv6 ethertype. */
};

static const struct malformed {
    const char *name;
    int ipv;
    enum spoil spoil;
    uint32_t a, b;
} malformed_cases[] = {
    { "IPv4 version 6", 4, SP_SET8, 0, 0x65 },
    { "IPv4 version 0", 4, SP_SET8, 0, 0x05 },
    { "IPv4 IHL 4", 4, SP_SET8, 0, 0x44 },
    { "IPv4 IHL 0", 4, SP_SET8, 0, 0x40 },
    { "IPv4 IHL 15, total length 79 (TCP header cut)", 4, SP_IHL15, 0, 0 },
    { "IPv4 total length 1 beyond the frame", 4, SP_ADD16, 2, 1 },
    { "IPv4 total length 65535", 4, SP_SET16, 2, 0xffff },
    { "IPv4 total length 19", 4, SP_SET16, 2, 19 },
    { "IPv4 total length 0", 4, SP_SET16, 2, 0 },
    { "IPv4 total length 39 (TCP header cut)", 4, SP_SET16, 2, 39 },
    { "IPv4 first fragment (MF)", 4, SP_SET16, 6, 0x2000 },
    { "IPv4 fragment offset 1", 4, SP_SET16, 6, 0x0001 },
    { "IPv4 last fragment, offset 8191", 4, SP_SET16, 6, 0x1fff },
    { "IPv4 header behind the IPv6 ethertype", 4, SP_IPV6_ETHERTYPE, 0, 0 },
    { "a third VLAN tag", 4, SP_TPID, 0, 0 },
    { "TCP data offset 4", 4, SP_TCP8, 12, 0x40 },
    { "TCP data offset 0", 4, SP_TCP8, 12, 0x00 },
    { "IPv6 version 4", 6, SP_SET8, 0, 0x40 },
    { "IPv6 payload length 1 beyond the frame", 6, SP_ADD16, 4, 1 },
    { "IPv6 payload length 65535", 6, SP_SET16, 4, 0xffff },
    { "IPv6 payload length 19", 6, SP_SET16, 4, 19 },
    { "IPv6 payload length 0", 6, SP_SET16, 4, 0 },
    { "IPv6 TCP data offset 3", 6, SP_TCP8, 12, 0x30 },
};

/* Builds the malformed packet 'c' with 'payload' bytes into 'f'. */
static void
build_malformed(const struct malformed *c, uint32_t payload, struct frame *f)
{
    static const struct spec v4 = { 0, 4, 0, 0, 0 };
    static const struct spec v6 = { 0, 6, 0, 0, 0 };
    static const struct spec v4vlan = { 2, 4, 0, 0, 0 };
    uint8_t *ip;

    build_frame(c->spoil == SP_TPID ? &v4vlan : c->ipv == 4 ? &v4 : &v6,
                payload, rnd(), TCP_ACK | TCP_PSH, rnd(), f);
    ip = f->buf + f->l3;
    switch (c->spoil) {
    case SP_SET8:
        ip[c->a] = c->b;
        break;
    case SP_SET16:
        put16(ip + c->a, c->b);
        break;
    case SP_ADD16:
        put16(ip + c->a, get16(ip + c->a) + c->b);
        break;
    case SP_TCP8:
        f->buf[f->l4 + c->a] = c->b;
        break;
    case SP_IHL15:
        ip[0] = 0x4f;
        put16(ip + 2, 79);
        break;
    case SP_TPID:
        put16(f->buf + 20, 0x8100);     /* Third tag, then IPv4. */
        break;
    case SP_IPV6_ETHERTYPE:
        put16(ip - 2, 0x86dd);
        break;
    }
}

/* Inconsistent headers: count 0, nothing written. */
static void
test_malformed(void)
{
    static const uint32_t payloads[] = { 0, 1, 3000, 64000 };

    for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0];
         i++) {
        const struct malformed *c = &malformed_cases[i];

        for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++) {
            struct parsed pp;
            struct frame f;
            char what[128];

            build_malformed(c, payloads[p], &f);
            CHECK(!tparse(f.buf, f.len, &pp), "test bug: %s parses",
                  c->name);
            snprintf(what, sizeof what, "%s, %u-byte payload", c->name,
                     payloads[p]);
            check_rejected(f.buf, f.len, 1500, what);
            check_rejected(f.buf, f.len, 9000, what);
            free_frame(&f);
        }
        tap_group("%s: count 0, nothing written", c->name);
    }
}

/* Packets cut at every length short of the IP packet: count 0, nothing
 * written. */
static void
test_truncations(void)
{
    static const struct spec specs[] = {
        { 0, 4, 0, 12, 0 },
        { 2, 4, 8, 0, 0 },
        { 0, 6, 0, 12, 0 },
        { 1, 6, 0, 0, 0 },
    };

    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        struct frame f;
        char name[128];

        describe(&specs[i], name, sizeof name);
        build_frame(&specs[i], 3001, rnd(), TCP_FIN | TCP_ACK, rnd(), &f);
        for (uint32_t len = 0; len < f.len; len++) {
            char what[192];

            snprintf(what, sizeof what, "%s cut at %u of %u bytes", name,
                     len, f.len);
            check_rejected(f.buf, len, 1500, what);
        }
        tap_group("%s: every cut of the %u-byte packet gives count 0, "
                  "nothing written", name, f.len);
        free_frame(&f);
    }
}

/* Checks the properties that hold for any input 'buf' of 'len' bytes and
 * any 'mtu': no crash or out-of-bounds access (AddressSanitizer, exact-size
 * buffers), the count the test's own parser predicts, refusal without a
 * write when that is 0, and otherwise correct segments.  Returns the
 * count. */
static uint32_t
fuzz_one(const uint8_t *buf, uint32_t len, uint32_t mtu, int iter,
         bool wrong_n)
{
    struct parsed pp;
    uint32_t want, n;
    uint8_t *in;
    char what[64];

    snprintf(what, sizeof what, "iteration %d (%u bytes, MTU %u)", iter, len,
             mtu);
    want = tparse(buf, len, &pp) ? expected_count(&pp, mtu) : 0;
    if (want) {
        return segment_and_check(buf, len, mtu, wrong_n, what);
    }
    in = copy_of(buf, len);
    n = xsk_gso_count(in, len, mtu);
    CHECK(n == 0, "%s: xsk_gso_count() = %u, want 0", what, n);
    if (wrong_n) {
        check_rejected(buf, len, mtu, what);
    } else {
        uint8_t *out = xmalloc(len + 64);
        uint32_t out_len = LEN_POISON;

        memset(out, POISON, len + 64);
        CHECK(!xsk_gso_segment(in, len, mtu, &out, &out_len, 1),
              "%s: xsk_gso_segment() returned true", what);
        check_poisoned(&out, &out_len, 1, len + 64, what);
        free(out);
    }
    free(in);
    return 0;
}

#define FUZZ_ITERATIONS 30000

/* A random MTU: mostly around the usual sizes, sometimes tiny or huge. */
static uint32_t
random_mtu(uint32_t hl)
{
    switch (rnd() % 8) {
    case 0:
        return rnd() % 128;
    case 1:
        return hl - 2 + rnd() % 5;
    case 2:
        return 1500;
    case 3:
        return 576 + rnd() % 1000;
    case 4:
        return 9000;
    case 5:
        return rnd() % 70000;
    default:
        return 1280 + rnd() % 300;
    }
}

/* Valid super-packets with a few random header bytes and random cuts and
 * extensions, then random bytes that mostly claim to be IP and TCP. */
static void
test_fuzz(void)
{
    static const uint16_t ethertypes[] = {
        0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806,
    };
    unsigned int segs = 0, segmented = 0;
    uint8_t buf[256];

    for (int iter = 0; iter < FUZZ_ITERATIONS; iter++) {
        const struct spec *s
            = &seg_specs[rnd() % (sizeof seg_specs / sizeof seg_specs[0])];
        uint32_t payload = rnd() % 8 ? rnd() % 4000 : rnd() % 65000;
        int n_changes = rnd() % 4;
        uint32_t hl, mtu, n;
        struct frame f;

        if (payload + 120 > 0xffff) {
            payload = 0xffff - 120;
        }
        build_frame(s, payload, rnd(), rnd(), rnd(), &f);
        hl = f.hdr_len - f.l3;
        mtu = random_mtu(hl);
        for (int i = 0; i < n_changes; i++) {
            f.buf[rnd() % f.hdr_len] = rnd();
        }
        switch (rnd() % 4) {
        case 0:
            f.len = rnd() % (f.len + 1);
            break;
        case 1: {
            uint32_t cut = rnd() % 8;

            f.len -= cut < f.len ? cut : 0;
            break;
        }
        case 2: {
            uint32_t extra = rnd() % 64;
            uint8_t *p = realloc(f.buf, f.len + extra);

            if (!p) {
                abort();
            }
            f.buf = p;
            while (extra--) {
                f.buf[f.len++] = rnd();
            }
            break;
        }
        }
        n = fuzz_one(f.buf, f.len, mtu, iter, iter % 16 == 0);
        segs += n;
        segmented += n > 0;
        free_frame(&f);
    }
    tap_group("%d spoiled super-packets (%u segmented into %u segments): "
              "no crash, no stray write, correct segments", FUZZ_ITERATIONS,
              segmented, segs);

    segs = segmented = 0;
    for (int iter = 0; iter < FUZZ_ITERATIONS * 3; iter++) {
        uint32_t len = rnd() % sizeof buf;
        uint32_t mtu = rnd() % 4 ? rnd() % 160 : rnd();
        uint32_t n;

        for (uint32_t i = 0; i < len; i++) {
            buf[i] = rnd();
        }
        if (len >= 14 && rnd() % 8) {
            /* Mostly a plausible IP/TCP header with lengths near the
             * truth. */
            int slack = rnd() % 4 ? 0 : (int) (rnd() % 9) - 4;
            uint32_t l3 = 14;

            put16(buf + 12, ethertypes[rnd() % 5]);
            if (get16(buf + 12) == 0x8100 && len >= 18 && rnd() % 2) {
                put16(buf + 16, rnd() % 2 ? 0x0800 : 0x86dd);
                l3 = 18;
            }
            if (get16(buf + l3 - 2) == 0x0800 && len >= l3 + 40) {
                uint32_t ihl = rnd() % 4 ? 20 : 4 * (rnd() % 16);

                buf[l3] = 0x40 | ihl / 4;
                put16(buf + l3 + 2, len - l3 + slack);
                put16(buf + l3 + 6, rnd() % 4 ? 0x4000 : rnd());
                buf[l3 + 9] = rnd() % 8 ? 6 : 17;
                if (len >= l3 + ihl + 20) {
                    buf[l3 + ihl + 12] = (rnd() % 4 ? 5 + rnd() % 3
                                          : rnd() % 16) << 4;
                }
            } else if (get16(buf + l3 - 2) == 0x86dd && len >= l3 + 60) {
                buf[l3] = 0x60;
                put16(buf + l3 + 4, len - l3 - 40 + slack);
                buf[l3 + 6] = rnd() % 8 ? 6 : 17;
                buf[l3 + 52] = (rnd() % 4 ? 5 + rnd() % 3
                                : rnd() % 16) << 4;
            }
        }
        n = fuzz_one(buf, len, mtu, iter, iter % 16 == 0);
        segs += n;
        segmented += n > 0;
    }
    tap_group("%d random packets (%u segmented into %u segments): no crash, "
              "no stray write, correct segments", FUZZ_ITERATIONS * 3,
              segmented, segs);
}

int
main(void)
{
    rng_state = 0x2545f4914f6cdd1dULL;
    test_segments();
    test_wraparound();
    test_flags();
    test_small_mtu();
    test_huge_mtu();
    test_wrong_n_bufs();
    test_not_tcp();
    test_malformed();
    test_truncations();
    test_fuzz();
    return tap_done();
}
