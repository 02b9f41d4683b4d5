/* SPDX-License-Identifier: Apache-2.0 */

/* Fuzz target of checksum completion and software segmentation on
 * arbitrary frames: xsk_parse_l4() and xsk_csum_fix_partial()
 * (netdev/xsk-csum.c), xsk_gso_count() and xsk_gso_segment()
 * (netdev/xsk-gso.c).  The input is 16 bits (big-endian) that give the
 * MTU, then the frame: with the top bit clear, the other 15 bits are the
 * MTU; with it set, the MTU is the frame's IP and TCP header lengths plus
 * the low byte, less 4, so that half the inputs try MTUs around the
 * smallest that leaves room for payload.
 *
 * Every buffer handed to the code under test is a heap buffer of exactly
 * the size its contract gives (the frame: its length; a segment: headers
 * plus one MSS), so that AddressSanitizer catches a read or write past it.
 * Checked on every input:
 *   - a parsed L4 header lies within the frame;
 *   - xsk_csum_fix_partial() writes nothing but the checksum field, leaves a
 *     checksum that verifies (RFC 1071, computed here), and a second call
 *     changes nothing;
 *   - xsk_gso_segment() accepts exactly xsk_gso_count() buffers (and writes
 *     nothing otherwise); its segments fit the MTU and carry the payload in
 *     order, each with consistent IP lengths, a valid IPv4 header checksum,
 *     the right sequence number and flags, and a TCP checksum that
 *     verifies. */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fuzz.h"
#include "xsk-csum.h"
#include "xsk-gso.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define LEN_POISON 0xdeadbeefu

/* Returns a heap copy of the 'len' bytes at 'p' (malloc(0) for none). */
static uint8_t *
dup_exact(const uint8_t *p, size_t len)
{
    uint8_t *q = malloc(len ? len : 1);

    memcpy(q, p, len);
    return q;
}

/* True if the TCP/UDP checksum of the L4 header 'l4' of 'frame' verifies
 * with the RFC 1071 sum over pseudo-header and L4 bytes. */
static bool
l4_sum_verifies(const uint8_t *frame, const struct xsk_l4 *l4)
{
    const uint8_t *ip = frame + l4->l3_ofs;
    uint8_t *buf = malloc(40 + l4->l4_len);
    size_t n;
    bool ok;

    if (l4->ipv6) {
        memcpy(buf, ip + 8, 32);
        put32(buf + 32, l4->l4_len);
        put32(buf + 36, l4->proto);
        n = 40;
    } else {
        memcpy(buf, ip + 12, 8);
        put16(buf + 8, l4->proto);
        put16(buf + 10, l4->l4_len);
        n = 12;
    }
    memcpy(buf + n, frame + l4->l4_ofs, l4->l4_len);
    ok = !rfc1071(buf, n + l4->l4_len);
    free(buf);
    return ok;
}

static void
check_l4(uint32_t len, const struct xsk_l4 *l4)
{
    uint32_t l3_len = l4->ipv6 ? 40 : 20;

    FUZZ_CHECK(l4->l3_ofs >= 14 && l4->l4_ofs >= l4->l3_ofs + l3_len
               && l4->l4_ofs <= len && l4->l4_len <= len - l4->l4_ofs,
               "L3 at %u, L4 at %u, %u bytes, in %u", l4->l3_ofs,
               l4->l4_ofs, l4->l4_len, len);
    FUZZ_CHECK((l4->proto == 6 || l4->proto == 17)
               && l4->csum_ofs >= l4->l4_ofs
               && l4->csum_ofs + 2 <= l4->l4_ofs + l4->l4_len,
               "protocol %u, checksum at %u", l4->proto, l4->csum_ofs);
}

static void
fuzz_csum(const uint8_t *pkt, uint32_t len)
{
    uint8_t *frame = dup_exact(pkt, len), *again;
    struct xsk_l4 l4;
    bool parsed = xsk_parse_l4(frame, len, &l4);
    bool fixed;

    if (parsed) {
        check_l4(len, &l4);
    }
    fixed = xsk_csum_fix_partial(frame, len);
    FUZZ_CHECK(!fixed || parsed, "fixed a frame it cannot parse");
    for (uint32_t i = 0; i < len; i++) {
        FUZZ_CHECK(frame[i] == pkt[i]
                   || (fixed && i >= l4.csum_ofs && i < l4.csum_ofs + 2),
                   "byte %u changed (%s)", i, fixed ? "fixed" : "not fixed");
    }
    if (fixed) {
        FUZZ_CHECK(l4_sum_verifies(frame, &l4),
                   "the completed checksum does not verify");
    }
    again = dup_exact(frame, len);
    xsk_csum_fix_partial(again, len);
    FUZZ_CHECK(!memcmp(again, frame, len), "a second fix changed the frame");
    free(again);
    free(frame);
}

/* Checks segment 'i' of 'n' ('seg', 'seg_len' bytes) of 'pkt'. */
static void
check_segment(const uint8_t *pkt, const struct xsk_l4 *l4, uint32_t hdr_len,
              uint32_t mss, uint32_t mtu, const uint8_t *seg,
              uint32_t seg_len, uint32_t i, uint32_t n)
{
    uint32_t chunk = seg_len - hdr_len;
    const uint8_t *ip = seg + l4->l3_ofs, *tcp = seg + l4->l4_ofs;
    const uint8_t *tcp0 = pkt + l4->l4_ofs;
    uint8_t flags = tcp0[13];
    struct xsk_l4 s;

    FUZZ_CHECK(seg_len - l4->l3_ofs <= mtu, "segment %u: %u bytes of L3 "
               "for MTU %u", i, seg_len - l4->l3_ofs, mtu);
    FUZZ_CHECK(!memcmp(seg, pkt, l4->l3_ofs), "segment %u: L2 header", i);
    FUZZ_CHECK(!memcmp(seg + hdr_len, pkt + hdr_len + i * mss, chunk),
               "segment %u: payload", i);
    FUZZ_CHECK(xsk_parse_l4(seg, seg_len, &s) && s.proto == 6
               && s.l4_ofs == l4->l4_ofs
               && s.l4_len == seg_len - l4->l4_ofs,
               "segment %u does not parse as a TCP packet of its length", i);
    if (l4->ipv6) {
        FUZZ_CHECK(get16(ip + 4) == seg_len - l4->l3_ofs - 40,
                   "segment %u: payload length %u", i, get16(ip + 4));
    } else {
        uint32_t ihl = (ip[0] & 15) * 4;

        FUZZ_CHECK(get16(ip + 2) == seg_len - l4->l3_ofs
                   && !rfc1071(ip, ihl)
                   && get16(ip + 4) == (uint16_t) (get16(pkt + l4->l3_ofs
                                                         + 4) + i),
                   "segment %u: IPv4 length, header checksum or ID", i);
    }
    FUZZ_CHECK(get32(tcp + 4) == get32(tcp0 + 4) + i * mss,
               "segment %u: sequence number", i);
    if (i + 1 < n) {
        flags &= ~(TCP_FIN | TCP_PSH);
    }
    if (i) {
        flags &= ~TCP_CWR;
    }
    FUZZ_CHECK(tcp[13] == flags, "segment %u: flags %#x, expected %#x", i,
               tcp[13], flags);
    FUZZ_CHECK(l4_sum_verifies(seg, &s), "segment %u: TCP checksum", i);
}

static void
fuzz_gso(const uint8_t *data, uint32_t len, uint32_t mtu)
{
    uint8_t *pkt = dup_exact(data, len);
    uint32_t n = xsk_gso_count(pkt, len, mtu);
    uint32_t hdr_len, payload, mss, l3_hl, tcp_hl, *lens;
    uint8_t **bufs;
    struct xsk_l4 l4;

    if (!n) {
        uint32_t one = LEN_POISON;
        uint8_t byte = 0xa5, *buf = &byte;

        FUZZ_CHECK(!xsk_gso_segment(pkt, len, mtu, &buf, &one, 1)
                   && one == LEN_POISON && byte == 0xa5,
                   "segmented a packet it counts 0 segments for");
        free(pkt);
        return;
    }

    /* What the contract in xsk-gso.h implies. */
    FUZZ_CHECK(xsk_parse_l4(pkt, len, &l4) && l4.proto == 6,
               "%u segments of a packet that is not TCP", n);
    tcp_hl = (pkt[l4.l4_ofs + 12] >> 4) * 4;
    l3_hl = l4.l4_ofs - l4.l3_ofs;
    hdr_len = l4.l4_ofs + tcp_hl;
    payload = l4.l4_len - tcp_hl;
    FUZZ_CHECK(mtu > l3_hl + tcp_hl, "%u segments for MTU %u", n, mtu);
    mss = mtu - l3_hl - tcp_hl;
    FUZZ_CHECK(n == (payload ? (payload + mss - 1) / mss : 1),
               "%u segments of %u bytes for MSS %u", n, payload, mss);

    bufs = calloc(n + 1, sizeof *bufs);
    lens = calloc(n + 1, sizeof *lens);
    for (uint32_t i = 0; i <= n; i++) {
        lens[i] = LEN_POISON;
    }
    for (uint32_t i = 0; i < n; i++) {
        bufs[i] = malloc(hdr_len + mss);
    }
    FUZZ_CHECK(!xsk_gso_segment(pkt, len, mtu, bufs, lens, n - 1)
               && lens[0] == LEN_POISON,
               "segmented into %u buffers instead of %u", n - 1, n);
    bufs[n] = malloc(hdr_len + mss);
    FUZZ_CHECK(!xsk_gso_segment(pkt, len, mtu, bufs, lens, n + 1)
               && lens[0] == LEN_POISON,
               "segmented into %u buffers instead of %u", n + 1, n);
    FUZZ_CHECK(xsk_gso_segment(pkt, len, mtu, bufs, lens, n),
               "did not segment into the %u buffers it counted", n);

    for (uint32_t i = 0; i < n; i++) {
        uint32_t chunk = payload - i * mss < mss ? payload - i * mss : mss;

        FUZZ_CHECK(lens[i] == hdr_len + chunk, "segment %u: %u bytes, "
                   "expected %u", i, lens[i], hdr_len + chunk);
        check_segment(pkt, &l4, hdr_len, mss, mtu, bufs[i], lens[i], i, n);
    }
    FUZZ_CHECK(lens[n] == LEN_POISON, "wrote a length past the count");
    for (uint32_t i = 0; i <= n; i++) {
        free(bufs[i]);
    }
    free(bufs);
    free(lens);
    free(pkt);
}

/* The MTU that the input's first 16 bits 'v' give for 'frame' (see the
 * comment at the top). */
static uint32_t
draw_mtu(uint16_t v, const uint8_t *frame, uint32_t len)
{
    struct xsk_l4 l4;

    if (!(v & 0x8000) || !xsk_parse_l4(frame, len, &l4) || l4.proto != 6) {
        return v & 0x7fff;
    }
    return l4.l4_ofs - l4.l3_ofs + (frame[l4.l4_ofs + 12] >> 4) * 4
           + (v & 0xff) - 4;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint16_t v = fuzz_u16(&in);

    fuzz_csum(in.p, in.n);
    fuzz_gso(in.p, in.n, draw_mtu(v, in.p, in.n));
    return 0;
}
