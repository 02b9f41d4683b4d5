/* SPDX-License-Identifier: Apache-2.0 */

/* Detecting and completing partial TCP/UDP checksums; see xsk-csum.h. */

#include "xsk-csum.h"

#include <string.h>

#define ETH_HLEN 14
#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_VLAN_8021AD 0x88a8
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

/* Adds 'len' bytes at 'p' as big-endian 16-bit words to 'sum'. */
static uint32_t
sum_bytes(uint32_t sum, const uint8_t *p, uint32_t len)
{
    uint64_t acc = sum;

    while (len >= 2) {
        acc += get16(p);
        p += 2;
        len -= 2;
    }
    if (len) {
        acc += (uint32_t) p[0] << 8;
    }
    while (acc >> 32) {
        acc = (acc & 0xffffffff) + (acc >> 32);
    }
    return acc;
}

static uint16_t
fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Finds the TCP or UDP header of the Ethernet frame 'frame' of 'len' bytes.
 * Returns false for anything else: other protocols, IPv4 fragments, IPv6
 * extension headers, truncated or inconsistent headers. */
bool
xsk_parse_l4(const uint8_t *frame, uint32_t len, struct xsk_l4 *l4)
{
    uint32_t ofs = ETH_HLEN;
    uint16_t type;

    if (len < ETH_HLEN) {
        return false;
    }
    type = get16(frame + 12);
    for (int tags = 0; tags < 2
         && (type == ETH_TYPE_VLAN || type == ETH_TYPE_VLAN_8021AD); tags++) {
        if (len < ofs + 4) {
            return false;
        }
        type = get16(frame + ofs + 2);
        ofs += 4;
    }

    if (type == ETH_TYPE_IP) {
        const uint8_t *ip = frame + ofs;
        uint32_t ihl, tot;

        if (len < ofs + 20 || (ip[0] >> 4) != 4) {
            return false;
        }
        ihl = (ip[0] & 0xf) * 4;
        tot = get16(ip + 2);
        if (ihl < 20 || tot < ihl || len < ofs + tot
            || (get16(ip + 6) & 0x3fff)) { /* MF or fragment offset. */
            return false;
        }
        l4->ipv6 = false;
        l4->l3_ofs = ofs;
        l4->proto = ip[9];
        l4->l4_ofs = ofs + ihl;
        l4->l4_len = tot - ihl;
        l4->pseudo = sum_bytes(0, ip + 12, 8) + l4->proto + l4->l4_len;
    } else if (type == ETH_TYPE_IPV6) {
        const uint8_t *ip6 = frame + ofs;
        uint32_t plen;

        if (len < ofs + 40 || (ip6[0] >> 4) != 6) {
            return false;
        }
        plen = get16(ip6 + 4);
        if (len < ofs + 40 + plen) {
            return false;
        }
        l4->ipv6 = true;
        l4->l3_ofs = ofs;
        l4->proto = ip6[6];
        l4->l4_ofs = ofs + 40;
        l4->l4_len = plen;
        l4->pseudo = sum_bytes(0, ip6 + 8, 32) + l4->proto + l4->l4_len;
    } else {
        return false;
    }

    if (l4->proto == IPPROTO_TCP_) {
        if (l4->l4_len < 20 || l4->l4_len < (frame[l4->l4_ofs + 12] >> 4) * 4
            || (frame[l4->l4_ofs + 12] >> 4) < 5) {
            return false;
        }
        l4->csum_ofs = l4->l4_ofs + 16;
    } else if (l4->proto == IPPROTO_UDP_) {
        if (l4->l4_len < 8) {
            return false;
        }
        l4->csum_ofs = l4->l4_ofs + 6;
    } else {
        return false;
    }
    return true;
}

/* Computes the checksum 'frame' should carry in its TCP/UDP header.  Sets
 * '*ok' to false, and returns 0, if it has no such header. */
uint16_t
xsk_csum_l4(const uint8_t *frame, uint32_t len, bool *ok)
{
    struct xsk_l4 l4;
    uint32_t sum;
    uint16_t csum;

    *ok = xsk_parse_l4(frame, len, &l4);
    if (!*ok) {
        return 0;
    }
    sum = sum_bytes(l4.pseudo, frame + l4.l4_ofs, l4.csum_ofs - l4.l4_ofs);
    sum = sum_bytes(sum, frame + l4.csum_ofs + 2,
                    l4.l4_ofs + l4.l4_len - l4.csum_ofs - 2);
    csum = ~fold(sum);
    if (!csum && l4.proto == IPPROTO_UDP_) {
        csum = 0xffff;          /* 0 means "no checksum" in UDP. */
    }
    return csum;
}

/* Returns true if the TCP/UDP checksum of 'frame' is partial (its field
 * holds the folded pseudo-header sum), with its headers in '*l4'. */
bool
xsk_csum_partial(const uint8_t *frame, uint32_t len, struct xsk_l4 *l4)
{
    return xsk_parse_l4(frame, len, l4)
           && get16(frame + l4->csum_ofs) == fold(l4->pseudo);
}

/* Returns the folded pseudo-header sum of 'l4' (xsk_parse_l4()): what the
 * checksum field of a partial checksum holds (CHECKSUM_PARTIAL). */
uint16_t
xsk_csum_pseudo_folded(const struct xsk_l4 *l4)
{
    return fold(l4->pseudo);
}

/* Finishes a partial checksum the way a device does: sums the bytes of
 * 'frame' (of 'len' bytes) from 'start' on, the field at 'start' + 'offset'
 * included (it holds the pseudo-header sum), and stores the result in the
 * field.  Does nothing if the field is not within 'len'. */
void
xsk_csum_finish_at(uint8_t *frame, uint32_t len, uint32_t start,
                   uint32_t offset)
{
    uint16_t csum;

    if (start > len || offset + 2 > len - start) {
        return;
    }
    csum = ~fold(sum_bytes(0, frame + start, len - start));
    if (!csum && offset == 6) {
        csum = 0xffff;          /* UDP: 0 means "no checksum". */
    }
    frame[start + offset] = csum >> 8;
    frame[start + offset + 1] = csum & 0xff;
}

/* If the TCP/UDP checksum of 'frame' is partial, completes it.  Returns true
 * if it wrote the field. */
bool
xsk_csum_fix_partial(uint8_t *frame, uint32_t len)
{
    struct xsk_l4 l4;

    if (!xsk_csum_partial(frame, len, &l4)) {
        return false;
    }
    xsk_csum_finish_at(frame, l4.l4_ofs + l4.l4_len, l4.l4_ofs,
                       l4.csum_ofs - l4.l4_ofs);
    return true;
}

/* Returns the header checksum of the 'ihl'-byte IPv4 header 'ip' (the
 * field itself is skipped). */
uint16_t
xsk_csum_ipv4_header(const uint8_t *ip, uint32_t ihl)
{
    uint32_t sum = sum_bytes(0, ip, 10);

    sum = sum_bytes(sum, ip + 12, ihl - 12);
    return ~fold(sum);
}

/* Returns the ones' complement sum of the 'len' bytes at 'p' as big-endian
 * 16-bit words (an odd last byte padded with a zero), folded to 16 bits,
 * not complemented: what sum_bytes() gives, but summed in native 32-bit
 * words (the sum does not depend on byte order, RFC 1071 section 2(B)),
 * several times faster, for checking whole segments on the send path. */
uint16_t
xsk_csum_sum_fast(const uint8_t *p, uint32_t len)
{
    uint64_t acc = 0;
    uint16_t half = 0;
    uint32_t w[4];
    uint16_t sum;

    while (len >= 16) {
        memcpy(w, p, 16);
        acc += (uint64_t) w[0] + w[1] + w[2] + w[3];
        p += 16;
        len -= 16;
    }
    while (len >= 4) {
        memcpy(w, p, 4);
        acc += w[0];
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        memcpy(&half, p, 2);
        acc += half;
        p += 2;
        len -= 2;
    }
    if (len) {
        half = 0;
        memcpy(&half, p, 1);    /* The bytes {p[0], 0}, in native order. */
        acc += half;
    }
    while (acc >> 32) {
        acc = (acc & 0xffffffff) + (acc >> 32);
    }
    sum = fold(acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    sum = (uint16_t) (sum << 8 | sum >> 8);
#endif
    return sum;
}

/* Returns true if the complete TCP/UDP checksum of 'frame', whose headers
 * 'l4' gives (xsk_parse_l4()), is correct (or, in UDP, absent). */
bool
xsk_csum_l4_valid(const uint8_t *frame, const struct xsk_l4 *l4)
{
    uint32_t sum;

    if (l4->proto == IPPROTO_UDP_ && !get16(frame + l4->csum_ofs)) {
        return true;
    }
    sum = l4->pseudo + xsk_csum_sum_fast(frame + l4->l4_ofs, l4->l4_len);
    return fold(sum) == 0xffff;
}
