/* SPDX-License-Identifier: Apache-2.0 */

/* Software TCP segmentation; see xsk-gso.h. */

#include "xsk-gso.h"

#include <string.h>

#include "xsk-csum.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* Finds the headers of the TCP packet 'pkt' and the payload each segment
 * may carry within 'mtu' (IP header + TCP header + payload).  Returns false
 * if 'pkt' is not TCP or leaves no room for payload. */
static bool
parse(const uint8_t *pkt, uint32_t len, uint32_t mtu, struct xsk_l4 *l4,
      uint32_t *hdr_len, uint32_t *payload, uint32_t *mss)
{
    uint32_t tcp_hl, l3_hl;

    if (!xsk_parse_l4(pkt, len, l4) || l4->proto != 6) {
        return false;
    }
    tcp_hl = (pkt[l4->l4_ofs + 12] >> 4) * 4;
    l3_hl = l4->l4_ofs - l4->l3_ofs;
    *hdr_len = l4->l4_ofs + tcp_hl;
    *payload = l4->l4_len - tcp_hl;
    if (mtu <= l3_hl + tcp_hl) {
        return false;
    }
    *mss = mtu - l3_hl - tcp_hl;
    return true;
}

/* Segments of at most 'mss' bytes that carry 'payload' bytes (at least
 * one, for a packet with no payload).  Written so that it cannot overflow
 * whatever the MTU. */
static uint32_t
segments(uint32_t payload, uint32_t mss)
{
    return payload ? payload / mss + (payload % mss != 0) : 1;
}

/* Returns how many segments xsk_gso_segment() makes of 'pkt' for 'mtu', or
 * 0 if 'pkt' is not a TCP packet it can segment.  A packet that already
 * fits gives 1. */
uint32_t
xsk_gso_count(const uint8_t *pkt, uint32_t len, uint32_t mtu)
{
    uint32_t hdr_len, payload, mss;
    struct xsk_l4 l4;

    if (!parse(pkt, len, mtu, &l4, &hdr_len, &payload, &mss)) {
        return 0;
    }
    return segments(payload, mss);
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

/* Writes the segments of 'pkt' for 'mtu' into 'bufs' (each big enough for
 * headers plus one MSS of payload), their lengths into 'lens'.  'n_bufs'
 * must be xsk_gso_count().  Returns false, writing nothing, if it is not. */
bool
xsk_gso_segment(const uint8_t *pkt, uint32_t len, uint32_t mtu,
                uint8_t *const *bufs, uint32_t *lens, uint32_t n_bufs)
{
    uint32_t hdr_len, payload, mss, seq;
    const uint8_t *data;
    struct xsk_l4 l4;
    uint8_t flags;

    if (!parse(pkt, len, mtu, &l4, &hdr_len, &payload, &mss)
        || n_bufs != segments(payload, mss)) {
        return false;
    }
    seq = (uint32_t) get16(pkt + l4.l4_ofs + 4) << 16
          | get16(pkt + l4.l4_ofs + 6);
    flags = pkt[l4.l4_ofs + 13];
    data = pkt + hdr_len;

    for (uint32_t i = 0; i < n_bufs; i++) {
        uint32_t chunk = payload - i * mss < mss ? payload - i * mss : mss;
        uint8_t *seg = bufs[i];
        uint8_t *ip = seg + l4.l3_ofs;
        uint8_t *tcp = seg + l4.l4_ofs;
        uint32_t l3_len = hdr_len - l4.l3_ofs + chunk;
        uint8_t f = flags;
        uint32_t s = seq + i * mss;
        bool ok;

        memcpy(seg, pkt, hdr_len);
        memcpy(seg + hdr_len, data + i * mss, chunk);
        lens[i] = hdr_len + chunk;

        if (l4.ipv6) {
            put16(ip + 4, l3_len - 40);
        } else {
            uint32_t ihl = (ip[0] & 0xf) * 4;

            put16(ip + 2, l3_len);
            put16(ip + 4, get16(pkt + l4.l3_ofs + 4) + i);
            put16(ip + 10, xsk_csum_ipv4_header(ip, ihl));
        }
        put16(tcp + 4, s >> 16);
        put16(tcp + 6, s & 0xffff);
        if (i + 1 < n_bufs) {
            f &= ~(TCP_FIN | TCP_PSH);
        }
        if (i) {
            f &= ~TCP_CWR;
        }
        tcp[13] = f;
        put16(tcp + 16, xsk_csum_l4(seg, lens[i], &ok));
    }
    return true;
}
