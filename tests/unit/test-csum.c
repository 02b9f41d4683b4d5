/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of partial checksum completion, netdev/xsk-csum.c, and of the
 * header parser (xsk_parse_l4()) and IPv4 header checksum it exports for the
 * segmentation code.  Needs no root and no OVS; prints TAP (tap.h).
 *
 * Frames are built byte by byte here (Ethernet, up to three VLAN tags, IPv4
 * with options or IPv6, TCP or UDP, random payload) and their checksums are
 * computed here too, the plain RFC 1071 way: one buffer holding the
 * pseudo-header and the L4 segment, summed in one pass.  Nothing is shared
 * with the code under test.
 *
 * Every call to the code under test gets a heap buffer of exactly the frame
 * length, so that under AddressSanitizer a read past the end is caught. */

#include "xsk-csum.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"

#define MAX_FRAME 2048

/* What build_frame() builds. */
struct spec {
    int n_vlans;                /* 0..3 tags: 802.1ad outside, then 802.1Q. */
    int ipv;                    /* 4 or 6. */
    int ip_opt_len;             /* IPv4 options bytes, multiple of 4. */
    int proto;                  /* 6 (TCP) or 17 (UDP). */
    int tcp_opt_len;            /* TCP options bytes, multiple of 4. */
    int payload;                /* L4 payload bytes. */
    int pad;                    /* Bytes after the IP packet (Ethernet
                                 * padding), not covered by the checksum. */
};

/* A built frame and what the test knows about it. */
struct frame {
    uint8_t buf[MAX_FRAME];
    uint32_t len;
    uint32_t l3;                /* Offset of the IP header. */
    uint32_t l4;                /* Offset of the TCP/UDP header. */
    uint32_t l4_len;            /* Bytes of TCP/UDP header and payload. */
    uint32_t csum;              /* Offset of the checksum field. */
    uint8_t proto;              /* 6 (TCP) or 17 (UDP). */
    uint16_t partial;           /* Folded pseudo-header sum. */
    uint16_t raw;               /* RFC 1071 checksum of the segment. */
    uint16_t good;              /* The correct field: 'raw', except that
                                 * UDP sends 0 as 0xffff. */
};

/* Writes the pseudo-header of 'f' to 'out' and returns its length. */
static size_t
pseudo_header(const struct frame *f, uint8_t *out)
{
    const uint8_t *ip = f->buf + f->l3;

    if (ip[0] >> 4 == 4) {
        memcpy(out, ip + 12, 8);            /* Source, destination. */
        out[8] = 0;
        out[9] = f->proto;
        put16(out + 10, f->l4_len);
        return 12;
    }
    memcpy(out, ip + 8, 32);
    out[32] = f->l4_len >> 24;
    out[33] = f->l4_len >> 16;
    out[34] = f->l4_len >> 8;
    out[35] = f->l4_len;
    out[36] = out[37] = out[38] = 0;
    out[39] = f->proto;
    return 40;
}

/* Computes 'f->partial' and 'f->good' from the frame as it is (the checksum
 * field is taken as zero). */
static void
compute_sums(struct frame *f)
{
    uint8_t buf[40 + MAX_FRAME];
    size_t n = pseudo_header(f, buf);

    f->partial = ~rfc1071(buf, n);
    memcpy(buf + n, f->buf + f->l4, f->l4_len);
    put16(buf + n + (f->csum - f->l4), 0);
    f->raw = rfc1071(buf, n + f->l4_len);
    f->good = !f->raw && f->proto == 17 ? 0xffff : f->raw;
}

/* Returns true if the checksum field of 'f' verifies: the sum over the
 * pseudo-header and the segment, field included, is all ones. */
static bool
verifies(const struct frame *f)
{
    uint8_t buf[40 + MAX_FRAME];
    size_t n = pseudo_header(f, buf);

    memcpy(buf + n, f->buf + f->l4, f->l4_len);
    return rfc1071(buf, n + f->l4_len) == 0;
}

static void
set_field(struct frame *f, uint16_t value)
{
    put16(f->buf + f->csum, value);
}

static uint16_t
field(const struct frame *f)
{
    return get16(f->buf + f->csum);
}

/* Builds the frame 's' with random addresses, ports and payload, and its
 * checksum field set to the correct value. */
static void
build_frame(const struct spec *s, struct frame *f)
{
    static const uint16_t tpids[] = { 0x88a8, 0x8100, 0x8100 };
    uint32_t l4_hlen = s->proto == 6 ? 20 + s->tcp_opt_len : 8;
    uint8_t *p = f->buf;
    uint32_t ofs = 12;

    memset(f, 0, sizeof *f);
    f->proto = s->proto;
    for (int i = 0; i < 12; i++) {
        p[i] = rnd();                       /* MAC addresses. */
    }
    p[0] &= 0xfe;
    for (int i = 0; i < s->n_vlans; i++) {
        put16(p + ofs, s->n_vlans == 1 ? 0x8100 : tpids[i]);
        put16(p + ofs + 2, rnd() & 0xfff);  /* PCP 0, VID. */
        ofs += 4;
    }
    put16(p + ofs, s->ipv == 4 ? 0x0800 : 0x86dd);
    f->l3 = ofs + 2;
    f->l4_len = l4_hlen + s->payload;

    if (s->ipv == 4) {
        uint8_t *ip = p + f->l3;
        uint32_t ihl = 20 + s->ip_opt_len;

        ip[0] = 0x40 | ihl / 4;
        ip[1] = 0;
        put16(ip + 2, ihl + f->l4_len);
        put16(ip + 4, rnd());               /* Identification. */
        put16(ip + 6, 0x4000);              /* DF. */
        ip[8] = 64;
        ip[9] = s->proto;
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
        f->l4 = f->l3 + ihl;
    } else {
        uint8_t *ip6 = p + f->l3;

        ip6[0] = 0x60;
        ip6[1] = ip6[2] = ip6[3] = 0;
        put16(ip6 + 4, f->l4_len);
        ip6[6] = s->proto;
        ip6[7] = 64;
        for (int i = 8; i < 40; i++) {
            ip6[i] = rnd();
        }
        f->l4 = f->l3 + 40;
    }

    p = f->buf + f->l4;
    put16(p, rnd());                        /* Source port. */
    put16(p + 2, rnd());                    /* Destination port. */
    if (s->proto == 6) {
        for (int i = 4; i < 12; i++) {
            p[i] = rnd();                   /* Sequence, acknowledgment. */
        }
        p[12] = (l4_hlen / 4) << 4;
        p[13] = 0x18;                       /* PSH, ACK. */
        put16(p + 14, rnd());
        put16(p + 18, 0);
        for (uint32_t i = 20; i < l4_hlen; i++) {
            p[i] = 1;                       /* NOP options. */
        }
        f->csum = f->l4 + 16;
    } else {
        put16(p + 4, f->l4_len);
        f->csum = f->l4 + 6;
    }
    for (int i = 0; i < s->payload; i++) {
        p[l4_hlen + i] = rnd();
    }
    f->len = f->l4 + f->l4_len;
    for (int i = 0; i < s->pad; i++) {
        f->buf[f->len++] = 0;
    }

    compute_sums(f);
    set_field(f, f->good);
}

static void
describe(const struct spec *s, char *out, size_t size)
{
    snprintf(out, size, "IPv%d%s/%s%s, %d VLAN tag%s, %d-byte payload%s",
             s->ipv, s->ip_opt_len ? " with options" : "",
             s->proto == 6 ? "TCP" : "UDP",
             s->tcp_opt_len ? " with options" : "", s->n_vlans,
             s->n_vlans == 1 ? "" : "s", s->payload,
             s->pad ? " + Ethernet padding" : "");
}

/* Calls xsk_csum_fix_partial() on an exact-size heap copy of 'f' and copies
 * the result back.  Returns what it returned. */
static bool
fix(struct frame *f)
{
    uint8_t *copy = malloc(f->len ? f->len : 1);
    bool ret;

    memcpy(copy, f->buf, f->len);
    ret = xsk_csum_fix_partial(copy, f->len);
    memcpy(f->buf, copy, f->len);
    free(copy);
    return ret;
}

/* xsk_csum_l4() on an exact-size heap copy of 'f'. */
static uint16_t
l4_sum(const struct frame *f, bool *ok)
{
    uint8_t *copy = malloc(f->len ? f->len : 1);
    uint16_t ret;

    memcpy(copy, f->buf, f->len);
    ret = xsk_csum_l4(copy, f->len, ok);
    free(copy);
    return ret;
}

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

/* Two frames whose checksums were computed outside this program (Python,
 * RFC 1071), as a check on the test's own arithmetic too. */
static void
test_known_answers(void)
{
    /* IPv4 192.168.1.10:40000 -> 192.168.1.20:80, TCP SYN with MSS. */
    static const uint8_t tcp4[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x1c, 0x46, 0x40, 0x00,
        0x40, 0x06, 0x9b, 0x17, 0xc0, 0xa8, 0x01, 0x0a, 0xc0, 0xa8, 0x01,
        0x14, 0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00,
        0x00, 0x00, 0x60, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x04, 0x05, 0xb4,
    };
    /* IPv6 fd00::1:5353 -> ff02::fb:5353, UDP "hello". */
    static const uint8_t udp6[] = {
        0x33, 0x33, 0x00, 0x00, 0x00, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0xff,
        0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfb, 0x14,
        0xe9, 0x14, 0xe9, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c,
        0x6f,
    };
    static const struct {
        const char *name;
        const uint8_t *bytes;
        uint32_t len, csum_ofs;
        uint16_t partial, good;
    } kats[] = {
        { "IPv4/TCP SYN", tcp4, sizeof tcp4, 50, 0x838d, 0x38d0 },
        { "IPv6/UDP", udp6, sizeof udp6, 60, 0xfd1d, 0x9530 },
    };

    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        struct frame f;
        uint16_t sum;
        bool ok;

        memset(&f, 0, sizeof f);
        memcpy(f.buf, kats[i].bytes, kats[i].len);
        f.len = kats[i].len;
        f.csum = kats[i].csum_ofs;

        sum = l4_sum(&f, &ok);
        CHECK(ok && sum == kats[i].good, "%s: xsk_csum_l4() = 0x%04x (ok "
              "%d), want 0x%04x", kats[i].name, sum, ok, kats[i].good);
        set_field(&f, kats[i].partial);
        CHECK(fix(&f) && field(&f) == kats[i].good, "%s: partial completed "
              "to 0x%04x, want 0x%04x", kats[i].name, field(&f),
              kats[i].good);
        CHECK(!fix(&f) && field(&f) == kats[i].good,
              "%s: complete checksum changed to 0x%04x", kats[i].name,
              field(&f));
    }
    {
        uint8_t *ip = malloc(20);

        memcpy(ip, tcp4 + 14, 20);
        CHECK(xsk_csum_ipv4_header(ip, 20) == 0x9b17, "IPv4 header "
              "checksum 0x%04x, want 0x9b17", xsk_csum_ipv4_header(ip, 20));
        free(ip);
    }
    tap_group("known answers: IPv4/TCP SYN and IPv6/UDP frames");
}

/* Checks what xsk_parse_l4() finds in 'f' (an exact-size heap copy)
 * against what build_frame() put there. */
static void
check_parse(const struct frame *f, int round)
{
    uint8_t *copy = malloc(f->len);
    struct xsk_l4 l4;
    bool ipv6 = f->buf[f->l3] >> 4 == 6;

    memset(&l4, 0xa5, sizeof l4);
    memcpy(copy, f->buf, f->len);
    if (CHECK(xsk_parse_l4(copy, f->len, &l4), "round %d: not parsed",
              round)) {
        uint32_t pseudo = l4.pseudo;

        while (pseudo >> 16) {
            pseudo = (pseudo & 0xffff) + (pseudo >> 16);
        }
        CHECK(l4.l3_ofs == f->l3 && l4.l4_ofs == f->l4
              && l4.l4_len == f->l4_len && l4.csum_ofs == f->csum
              && l4.proto == f->proto && l4.ipv6 == ipv6
              && pseudo == f->partial,
              "round %d: parsed l3 %u l4 %u len %u csum %u proto %u ipv6 %d "
              "pseudo 0x%04x, want %u %u %u %u %u %d 0x%04x", round,
              l4.l3_ofs, l4.l4_ofs, l4.l4_len, l4.csum_ofs, l4.proto,
              l4.ipv6, pseudo, f->l3, f->l4, f->l4_len, f->csum, f->proto,
              ipv6, f->partial);
    }
    free(copy);
}

/* Frames that must be fixed when partial and left alone when complete. */
static const struct spec good_specs[] = {
    /* vlans ipv ipopt proto tcpopt payload pad */
    { 0, 4, 0, 6, 0, 0, 0 },
    { 0, 4, 0, 6, 0, 1, 0 },
    { 0, 4, 0, 6, 0, 100, 0 },
    { 0, 4, 0, 6, 0, 1001, 0 },
    { 0, 4, 0, 6, 12, 1448, 0 },
    { 0, 4, 0, 6, 20, 0, 0 },   /* Data offset = segment length. */
    { 0, 4, 0, 17, 0, 0, 0 },
    { 0, 4, 0, 17, 0, 1, 0 },
    { 0, 4, 0, 17, 0, 3, 0 },
    { 0, 4, 0, 17, 0, 1472, 0 },
    { 0, 4, 4, 6, 0, 77, 0 },
    { 0, 4, 40, 6, 0, 64, 0 },
    { 0, 4, 8, 17, 0, 33, 0 },
    { 1, 4, 0, 6, 0, 200, 0 },
    { 1, 4, 0, 17, 0, 201, 0 },
    { 2, 4, 0, 6, 0, 99, 0 },
    { 2, 4, 12, 17, 0, 98, 0 },
    { 0, 4, 0, 6, 0, 2, 4 },    /* 60-byte minimum frame. */
    { 0, 4, 0, 17, 0, 1, 17 },
    { 0, 6, 0, 6, 0, 0, 0 },
    { 0, 6, 0, 6, 0, 1, 0 },
    { 0, 6, 0, 6, 20, 1211, 0 },
    { 0, 6, 0, 6, 40, 0, 0 },   /* Data offset 15 = segment length. */
    { 0, 6, 0, 17, 0, 0, 0 },
    { 0, 6, 0, 17, 0, 1232, 0 },
    { 1, 6, 0, 6, 0, 50, 0 },
    { 1, 6, 0, 17, 0, 51, 0 },
    { 2, 6, 0, 6, 0, 301, 0 },
    { 2, 6, 0, 17, 0, 300, 0 },
    { 0, 6, 0, 17, 0, 1, 5 },
};

#define ROUNDS 64               /* Random frames per spec. */

/* For each spec: a partial checksum is completed to the correct value and
 * nothing else changes; a correct checksum is left alone. */
static void
test_good_frames(void)
{
    for (size_t i = 0; i < sizeof good_specs / sizeof good_specs[0]; i++) {
        const struct spec *s = &good_specs[i];
        char name[128];

        describe(s, name, sizeof name);
        for (int round = 0; round < ROUNDS; round++) {
            struct frame f, orig;
            uint16_t sum;
            bool ok;

            build_frame(s, &f);
            if (!CHECK(verifies(&f),
                       "test bug: built frame does not verify")) {
                break;
            }
            orig = f;
            check_parse(&f, round);

            /* Complete: untouched. */
            if (f.good != f.partial) {
                CHECK(!fix(&f), "round %d: complete checksum 0x%04x "
                      "rewritten to 0x%04x", round, orig.good, field(&f));
                CHECK(first_diff(f.buf, orig.buf, f.len) < 0,
                      "round %d: byte %ld changed", round,
                      first_diff(f.buf, orig.buf, f.len));
            }
            sum = l4_sum(&f, &ok);
            CHECK(ok && sum == f.good, "round %d: xsk_csum_l4() = 0x%04x "
                  "(ok %d), want 0x%04x", round, sum, ok, f.good);

            /* Partial: completed, nothing else changed. */
            set_field(&f, f.partial);
            CHECK(fix(&f), "round %d: partial 0x%04x not recognized", round,
                  f.partial);
            CHECK(field(&f) == orig.good, "round %d: partial completed to "
                  "0x%04x, want 0x%04x", round, field(&f), orig.good);
            CHECK(first_diff(f.buf, orig.buf, f.len) < 0,
                  "round %d: byte %ld differs after completion", round,
                  first_diff(f.buf, orig.buf, f.len));
            CHECK(verifies(&f), "round %d: completed frame does not verify",
                  round);

            /* A corrupted checksum is neither: left alone too. */
            set_field(&f, f.good ^ 0x0101);
            if (field(&f) != f.partial) {
                orig = f;
                CHECK(!fix(&f), "round %d: wrong checksum 0x%04x rewritten "
                      "to 0x%04x", round, field(&orig), field(&f));
                CHECK(first_diff(f.buf, orig.buf, f.len) < 0,
                      "round %d: byte %ld changed", round,
                      first_diff(f.buf, orig.buf, f.len));
            }
        }
        tap_group("%s: partial completed, complete and wrong untouched",
                  name);
    }
}


/* Sets the first two payload bytes of 'f' to the value that makes its
 * checksum ('raw' if 'want_raw', else 'good') equal 'want', and sets the
 * checksum field to the correct value.  Returns false if no value does. */
static bool
force_checksum(struct frame *f, bool want_raw, uint16_t want)
{
    uint32_t ofs = f->csum + 2 + (f->proto == 6 ? 2 : 0);

    for (uint32_t w = 0; w <= 0xffff; w++) {
        put16(f->buf + ofs, w);
        compute_sums(f);
        if ((want_raw ? f->raw : f->good) == want) {
            set_field(f, f->good);
            return true;
        }
    }
    return false;
}

/* xsk_csum_ipv4_header() of every IPv4 header built here, options
 * included, whatever its checksum field holds. */
static void
test_ipv4_header(void)
{
    int n = 0;

    for (size_t i = 0; i < sizeof good_specs / sizeof good_specs[0]; i++) {
        const struct spec *s = &good_specs[i];
        uint32_t ihl = 20 + s->ip_opt_len;
        struct frame f;
        uint8_t *ip;

        if (s->ipv != 4) {
            continue;
        }
        build_frame(s, &f);
        ip = malloc(ihl);
        memcpy(ip, f.buf + f.l3, ihl);
        for (int round = 0; round < 3; round++) {
            uint16_t want = get16(f.buf + f.l3 + 10);
            uint16_t got;

            if (round) {
                put16(ip + 10, rnd());          /* Skipped by the sum. */
            }
            got = xsk_csum_ipv4_header(ip, ihl);
            CHECK(got == want, "%u-byte header, field 0x%04x: 0x%04x, want "
                  "0x%04x", ihl, get16(ip + 10), got, want);
        }
        free(ip);
        n++;
    }
    tap_group("xsk_csum_ipv4_header() of %d IPv4 headers, 20 to 60 bytes",
              n);
}

/* Frames for the cases that need a chosen checksum.  The payload is at
 * least 2 bytes: its first two bytes are chosen. */
static const struct spec chosen_specs[] = {
    /* vlans ipv ipopt proto tcpopt payload pad */
    { 0, 4, 0, 6, 0, 10, 0 },
    { 0, 4, 0, 17, 0, 10, 0 },
    { 1, 4, 8, 6, 0, 33, 0 },
    { 2, 4, 0, 17, 0, 2, 0 },
    { 0, 6, 0, 6, 0, 10, 0 },
    { 0, 6, 0, 17, 0, 11, 0 },
    { 1, 6, 0, 17, 0, 2, 0 },
};

/* A correct checksum that equals the folded pseudo-header sum looks
 * partial: it must come out of xsk_csum_fix_partial() the same. */
static void
test_correct_equals_pseudo(void)
{
    for (size_t i = 0; i < sizeof chosen_specs / sizeof chosen_specs[0];
         i++) {
        const struct spec *s = &chosen_specs[i];
        struct frame f, orig;
        char name[128];

        describe(s, name, sizeof name);
        build_frame(s, &f);
        if (CHECK(force_checksum(&f, false, f.partial),
                  "test bug: no payload gives checksum 0x%04x", f.partial)) {
            CHECK(verifies(&f), "test bug: built frame does not verify");
            orig = f;
            fix(&f);
            CHECK(field(&f) == orig.good, "correct 0x%04x (= pseudo sum) "
                  "changed to 0x%04x", orig.good, field(&f));
            CHECK(first_diff(f.buf, orig.buf, f.len) < 0, "byte %ld changed",
                  first_diff(f.buf, orig.buf, f.len));
        }
        tap_group("%s: correct checksum equal to the pseudo-header sum "
                  "stays correct", name);
    }
}

/* A segment whose checksum comes out 0: UDP must send 0xffff (0 means "no
 * checksum"), TCP sends 0. */
static void
test_zero_result(void)
{
    for (size_t i = 0; i < sizeof chosen_specs / sizeof chosen_specs[0];
         i++) {
        const struct spec *s = &chosen_specs[i];
        uint16_t want = s->proto == 17 ? 0xffff : 0;
        struct frame f, orig;
        char name[128];
        uint16_t sum;
        bool ok;

        describe(s, name, sizeof name);
        build_frame(s, &f);
        if (CHECK(force_checksum(&f, true, 0),
                  "test bug: no payload gives a zero checksum")) {
            CHECK(f.good == want, "test bug: good 0x%04x", f.good);
            CHECK(verifies(&f), "test bug: built frame does not verify");
            orig = f;
            sum = l4_sum(&f, &ok);
            CHECK(ok && sum == want, "xsk_csum_l4() = 0x%04x (ok %d), want "
                  "0x%04x", sum, ok, want);
            set_field(&f, f.partial);
            CHECK(fix(&f), "partial 0x%04x not recognized", orig.partial);
            CHECK(field(&f) == want, "completed to 0x%04x, want 0x%04x",
                  field(&f), want);
            CHECK(first_diff(f.buf, orig.buf, f.len) < 0,
                  "byte %ld differs after completion",
                  first_diff(f.buf, orig.buf, f.len));
        }
        tap_group("%s: a zero checksum is completed as 0x%04x", name, want);
    }
}

/* How a test frame is spoiled. */
enum spoil {
    SP_NONE,                    /* As built. */
    SP_LEN,                     /* Frame length = 'a'. */
    SP_LEN_L3,                  /* Frame length = IP offset + 'a'. */
    SP_SET8,                    /* IP header byte 'a' = 'b'. */
    SP_SET16,                   /* IP header 16-bit word at 'a' = 'b'. */
    SP_ADD16,                   /* IP header 16-bit word at 'a' += 'b'. */
    SP_ETHERTYPE,               /* Ethertype in front of IP = 'a'. */
    SP_FIELD,                   /* Checksum field = 'a' (not partial). */
    SP_L4SET8,                  /* TCP/UDP header byte 'a' = 'b'. */
};

struct bad_case {
    const char *name;
    struct spec spec;
    enum spoil spoil;
    int a, b;
};

#define V4TCP { 0, 4, 0, 6, 0, 100, 0 }
#define V4UDP { 0, 4, 0, 17, 0, 100, 0 }
#define V6TCP { 0, 6, 0, 6, 0, 100, 0 }
#define V6UDP { 0, 6, 0, 17, 0, 100, 0 }

static const struct bad_case bad_cases[] = {
    { "empty frame", V4TCP, SP_LEN, 0, 0 },
    { "1-byte runt", V4TCP, SP_LEN, 1, 0 },
    { "13-byte runt", V4TCP, SP_LEN, 13, 0 },
    { "Ethernet header only", V4TCP, SP_LEN, 14, 0 },
    { "VLAN tag cut short", { 1, 4, 0, 6, 0, 100, 0 }, SP_LEN, 17, 0 },
    { "inner VLAN tag cut short", { 2, 4, 0, 17, 0, 100, 0 }, SP_LEN, 21,
      0 },
    { "three VLAN tags", { 3, 4, 0, 6, 0, 100, 0 }, SP_NONE, 0, 0 },
    { "three VLAN tags, IPv6", { 3, 6, 0, 17, 0, 100, 0 }, SP_NONE, 0, 0 },
    { "ARP ethertype", V4TCP, SP_ETHERTYPE, 0x0806, 0 },
    { "LLDP ethertype", V4UDP, SP_ETHERTYPE, 0x88cc, 0 },
    { "ethertype 0", V4UDP, SP_ETHERTYPE, 0, 0 },
    { "IPv4 header cut at 19 bytes", V4TCP, SP_LEN_L3, 19, 0 },
    { "IPv4 header cut at 0 bytes", V4UDP, SP_LEN_L3, 0, 0 },
    { "IPv4 ethertype, version 6", V4TCP, SP_SET8, 0, 0x65 },
    { "IPv4 ethertype, IPv6 header", V6TCP, SP_ETHERTYPE, 0x0800, 0 },
    { "IPv6 ethertype, IPv4 header", V4UDP, SP_ETHERTYPE, 0x86dd, 0 },
    { "IHL 4", V4TCP, SP_SET8, 0, 0x44 },
    { "IHL 0", V4UDP, SP_SET8, 0, 0x40 },
    { "IHL 15 > total length 40", { 0, 4, 0, 6, 0, 0, 0 }, SP_SET8, 0,
      0x4f },
    { "IPv4 total length 1 beyond the frame", V4TCP, SP_ADD16, 2, 1 },
    { "IPv4 total length 65535", V4UDP, SP_SET16, 2, 0xffff },
    { "IPv4 total length 19", V4TCP, SP_SET16, 2, 19 },
    { "IPv4 total length 0", V4UDP, SP_SET16, 2, 0 },
    { "TCP header cut by IPv4 total length", V4TCP, SP_SET16, 2, 39 },
    { "UDP header cut by IPv4 total length", V4UDP, SP_SET16, 2, 27 },
    { "TCP header cut by the frame end", { 0, 4, 0, 6, 0, 0, 0 },
      SP_LEN_L3, 39, 0 },
    { "UDP header cut by the frame end", { 0, 4, 0, 17, 0, 0, 0 },
      SP_LEN_L3, 27, 0 },
    { "IPv4 first fragment (MF)", V4TCP, SP_SET16, 6, 0x2000 },
    { "IPv4 first fragment (MF, DF)", V4UDP, SP_SET16, 6, 0x6000 },
    { "IPv4 fragment offset 1", V4UDP, SP_SET16, 6, 0x0001 },
    { "IPv4 last fragment, offset 8191, DF", V4TCP, SP_SET16, 6, 0x5fff },
    { "TCP data offset 4", V4TCP, SP_L4SET8, 12, 0x40 },
    { "TCP data offset 0", V6TCP, SP_L4SET8, 12, 0x00 },
    { "TCP data offset 15 beyond a 40-byte segment",
      { 0, 4, 0, 6, 0, 20, 0 }, SP_L4SET8, 12, 0xf0 },
    { "TCP data offset 6 beyond a 20-byte segment",
      { 0, 6, 0, 6, 0, 0, 0 }, SP_L4SET8, 12, 0x60 },
    { "IPv4 ICMP", V4TCP, SP_SET8, 9, 1 },
    { "IPv4 SCTP", V4UDP, SP_SET8, 9, 132 },
    { "IPv4 UDP without checksum (0)", V4UDP, SP_FIELD, 0, 0 },
    { "IPv6 header cut at 39 bytes", V6TCP, SP_LEN_L3, 39, 0 },
    { "IPv6 ethertype, version 4", V6UDP, SP_SET8, 0, 0x40 },
    { "IPv6 payload length 1 beyond the frame", V6TCP, SP_ADD16, 4, 1 },
    { "IPv6 payload length 65535", V6UDP, SP_SET16, 4, 0xffff },
    { "IPv6 payload length 19, TCP", V6TCP, SP_SET16, 4, 19 },
    { "IPv6 payload length 7, UDP", V6UDP, SP_SET16, 4, 7 },
    { "IPv6 payload length 0", V6UDP, SP_SET16, 4, 0 },
    { "IPv6 hop-by-hop header", V6TCP, SP_SET8, 6, 0 },
    { "IPv6 fragment header", V6UDP, SP_SET8, 6, 44 },
    { "ICMPv6", V6TCP, SP_SET8, 6, 58 },
    { "IPv6 no next header", V6UDP, SP_SET8, 6, 59 },
};

/* Builds 'c': a frame with a partial checksum, then spoiled. */
static void
build_bad(const struct bad_case *c, struct frame *f)
{
    uint8_t *ip;

    build_frame(&c->spec, f);
    set_field(f, f->partial);
    ip = f->buf + f->l3;
    switch (c->spoil) {
    case SP_NONE:
        break;
    case SP_LEN:
        f->len = c->a;
        break;
    case SP_LEN_L3:
        f->len = f->l3 + c->a;
        break;
    case SP_SET8:
        ip[c->a] = c->b;
        break;
    case SP_SET16:
        put16(ip + c->a, c->b);
        break;
    case SP_ADD16:
        put16(ip + c->a, get16(ip + c->a) + c->b);
        break;
    case SP_ETHERTYPE:
        put16(ip - 2, c->a);
        break;
    case SP_FIELD:
        set_field(f, c->a);
        break;
    case SP_L4SET8:
        f->buf[f->l4 + c->a] = c->b;
        break;
    }
}

/* Checks that xsk_csum_fix_partial() returns false and changes no byte of
 * 'f', and, if 'malformed', that xsk_csum_l4() finds no TCP/UDP header.
 * 'what' says which frame it is. */
static void
check_untouched(struct frame *f, bool malformed, const char *what)
{
    struct frame orig = *f;
    uint16_t sum;
    bool ok = true;

    CHECK(!fix(f), "%s: xsk_csum_fix_partial() returned true", what);
    CHECK(first_diff(f->buf, orig.buf, f->len) < 0, "%s: byte %ld changed",
          what, first_diff(f->buf, orig.buf, f->len));
    sum = l4_sum(f, &ok);
    if (malformed) {
        uint8_t *copy = malloc(f->len ? f->len : 1);
        struct xsk_l4 l4;

        CHECK(!ok && !sum, "%s: xsk_csum_l4() = 0x%04x, ok %d", what, sum,
              ok);
        memcpy(copy, f->buf, f->len);
        CHECK(!xsk_parse_l4(copy, f->len, &l4), "%s: xsk_parse_l4() "
              "accepted it", what);
        free(copy);
    } else {
        CHECK(ok && sum == f->good, "%s: xsk_csum_l4() = 0x%04x (ok %d), "
              "want 0x%04x", what, sum, ok, f->good);
    }
}

static void
test_bad_frames(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct frame f;

        build_bad(c, &f);
        check_untouched(&f, c->spoil != SP_FIELD, c->name);
        tap_group("%s: left untouched", c->name);
    }
}

/* Frames cut at every length short of the IP packet, odd lengths included:
 * all must be left untouched. */
static void
test_truncations(void)
{
    static const struct spec specs[] = {
        /* vlans ipv ipopt proto tcpopt payload pad */
        { 0, 4, 0, 6, 0, 7, 0 },
        { 0, 4, 12, 17, 0, 5, 0 },
        { 1, 4, 0, 17, 0, 0, 0 },
        { 2, 4, 4, 6, 8, 3, 0 },
        { 0, 6, 0, 17, 0, 3, 0 },
        { 2, 6, 0, 6, 0, 9, 0 },
    };

    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        struct frame f, cut;
        char name[128];

        describe(&specs[i], name, sizeof name);
        build_frame(&specs[i], &f);
        set_field(&f, f.partial);
        for (uint32_t len = 0; len < f.len; len++) {
            char what[32];

            cut = f;
            cut.len = len;
            snprintf(what, sizeof what, "cut at %u bytes", len);
            check_untouched(&cut, true, what);
        }
        tap_group("%s: every cut of the %u-byte frame is left untouched",
                  name, f.len);
    }
}

/* Checks the properties that hold for any input 'buf' of 'len' bytes: no
 * crash or out-of-bounds access (AddressSanitizer), parsed offsets inside
 * the frame, no change unless xsk_csum_fix_partial() says so, and then only
 * a 2-byte field that holds what xsk_csum_l4() computes.  Returns true if it
 * fixed the frame. */
static bool
fuzz_one(const uint8_t *buf, uint32_t len, int iter)
{
    uint8_t *copy = malloc(len ? len : 1);
    uint16_t before, after;
    bool ok_before, ok_after, fixed;
    struct xsk_l4 l4;
    long d;

    memcpy(copy, buf, len);
    if (xsk_parse_l4(copy, len, &l4)) {
        /* What the segmentation code relies on. */
        CHECK(l4.l3_ofs >= 14 && l4.l4_ofs >= l4.l3_ofs + 20
              && l4.l4_ofs + l4.l4_len <= len
              && l4.csum_ofs + 2 <= l4.l4_ofs + l4.l4_len
              && l4.l4_len >= (l4.proto == 6 ? 20u : 8u),
              "iteration %d: parsed l3 %u l4 %u len %u csum %u in a "
              "%u-byte frame", iter, l4.l3_ofs, l4.l4_ofs, l4.l4_len,
              l4.csum_ofs, len);
    }
    before = xsk_csum_l4(copy, len, &ok_before);
    CHECK(ok_before || !before, "iteration %d: xsk_csum_l4() = 0x%04x with "
          "ok false", iter, before);
    fixed = xsk_csum_fix_partial(copy, len);
    d = first_diff(copy, buf, len);
    if (!fixed) {
        CHECK(d < 0, "iteration %d: returned false but byte %ld changed",
              iter, d);
    } else {
        CHECK(ok_before, "iteration %d: fixed a frame xsk_csum_l4() "
              "rejects", iter);
        after = xsk_csum_l4(copy, len, &ok_after);
        CHECK(ok_after && after == before, "iteration %d: xsk_csum_l4() "
              "0x%04x before, 0x%04x after the fix", iter, before, after);
        if (d >= 0) {
            bool at_d = d + 1 < len && get16(copy + d) == before;
            bool at_d1 = d > 0 && get16(copy + d - 1) == before;

            CHECK(at_d || at_d1, "iteration %d: byte %ld changed, but no "
                  "field around it holds 0x%04x", iter, d, before);
            CHECK(first_diff(copy + d + 2, buf + d + 2,
                             d + 2 < len ? len - d - 2 : 0) < 0,
                  "iteration %d: bytes beyond %ld changed", iter, d + 1);
        }
    }
    free(copy);
    return fixed;
}

#define FUZZ_ITERATIONS 100000

/* Valid frames with a few random bytes in their headers and random cuts
 * and extensions, then plain random bytes that mostly claim to be IP. */
static void
test_fuzz(void)
{
    static const uint16_t ethertypes[] = {
        0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806,
    };
    unsigned int fixed = 0, checked = 0;
    uint8_t buf[MAX_FRAME];

    for (int iter = 0; iter < FUZZ_ITERATIONS; iter++) {
        const struct spec *s
            = &good_specs[rnd() % (sizeof good_specs / sizeof good_specs[0])];
        struct frame f;
        int n_changes = rnd() % 4;

        build_frame(s, &f);
        if (rnd() & 1) {
            set_field(&f, f.partial);
        }
        for (int i = 0; i < n_changes; i++) {
            f.buf[rnd() % (f.l4 + 20)] = rnd();
        }
        switch (rnd() % 4) {
        case 0:
            f.len = rnd() % (f.len + 1);
            break;
        case 1:
            while (f.len < MAX_FRAME && rnd() % 8) {
                f.buf[f.len++] = rnd();
            }
            break;
        }
        fixed += fuzz_one(f.buf, f.len, iter);
    }
    tap_group("%d spoiled frames (%u completed): no crash, no stray write",
              FUZZ_ITERATIONS, fixed);

    fixed = 0;
    for (int iter = 0; iter < FUZZ_ITERATIONS; iter++) {
        uint32_t len = rnd() % 160;
        bool ok;

        for (uint32_t i = 0; i < len; i++) {
            buf[i] = rnd();
        }
        if (len >= 14 && rnd() % 4) {
            /* Mostly a plausible IP header with lengths near the truth. */
            int slack = (int) (rnd() % 9) - 4;

            put16(buf + 12, ethertypes[rnd() % 5]);
            if (get16(buf + 12) == 0x0800 && len >= 34) {
                buf[14] = 0x45 + (rnd() % 4 ? 0 : rnd() % 11);
                put16(buf + 16, len - 14 + slack);
                put16(buf + 20, rnd() % 4 ? 0x4000 : rnd());
                buf[23] = rnd() & 1 ? 6 : 17;
            } else if (get16(buf + 12) == 0x86dd && len >= 54) {
                buf[14] = 0x60;
                put16(buf + 18, len - 54 + slack);
                buf[20] = rnd() & 1 ? 6 : 17;
            }
        }
        fixed += fuzz_one(buf, len, iter);
        xsk_csum_l4(buf, len, &ok);
        checked += ok;
    }
    tap_group("%d random frames (%u parsed, %u completed): no crash, no "
              "stray write", FUZZ_ITERATIONS, checked, fixed);
}

int
main(void)
{
    test_known_answers();
    test_good_frames();
    test_ipv4_header();
    test_correct_equals_pseudo();
    test_zero_result();
    test_bad_frames();
    test_truncations();
    test_fuzz();
    return tap_done();
}
