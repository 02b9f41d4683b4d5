/* SPDX-License-Identifier: Apache-2.0 */

/* Geneve super-packets: building one from a run of tunnel packets on
 * transmit, cutting one on receive (see xsk-geneve.h). */

#include "xsk-geneve.h"

#include <string.h>

#include "xsk-csum.h"

#define ETH_HLEN_ 14
#define UDP_HLEN_ 8
#define GENEVE_HLEN 8
#define GENEVE_PROTO_ETH 0x6558
#define IPV4_DF 0x40            /* In the first byte of the flags field. */
#define IP_MAX_LEN 65535

/* Shorter packets start no run (as in xsk-coal.c). */
#define GENEVE_MIN_LEN 256

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

/* Returns the length of the Geneve packet at 'g' (with 'avail' bytes
 * there) as its own headers say: Geneve header and options, inner Ethernet
 * without VLAN tag, inner IPv4/IPv6 packet.  Returns 0 if it is not such a
 * packet or its headers do not fit in 'avail'. */
static uint32_t
geneve_len(const uint8_t *g, uint32_t avail)
{
    const uint8_t *eth, *ip;
    uint32_t hlen, ip_len;

    if (avail < GENEVE_HLEN || g[0] >> 6 || get16(g + 2) != GENEVE_PROTO_ETH) {
        return 0;
    }
    hlen = GENEVE_HLEN + (g[0] & 0x3f) * 4;
    if (avail < hlen + ETH_HLEN_ + 20) {
        return 0;
    }
    eth = g + hlen;
    ip = eth + ETH_HLEN_;
    switch (get16(eth + 12)) {
    case 0x0800:
        ip_len = get16(ip + 2);
        if (ip[0] >> 4 != 4 || ip_len < 20) {
            return 0;
        }
        break;
    case 0x86dd:
        if (avail < hlen + ETH_HLEN_ + 40 || ip[0] >> 4 != 6) {
            return 0;
        }
        ip_len = 40 + get16(ip + 4);
        break;
    default:
        return 0;
    }
    return hlen + ETH_HLEN_ + ip_len;
}

/* Returns true if 'f' (headers 'l4') is Ethernet without VLAN tag + IPv4
 * without options or IPv6 + UDP to the Geneve port whose UDP length field
 * agrees with the IP packet. */
static bool
outer_ok(const uint8_t *f, const struct xsk_l4 *l4)
{
    const uint8_t *udp = f + l4->l4_ofs;

    return l4->proto == 17 && l4->l3_ofs == ETH_HLEN_
           && (l4->ipv6 || f[ETH_HLEN_] == 0x45)
           && l4->l4_len > UDP_HLEN_
           && get16(udp + 2) == XSK_GENEVE_PORT
           && get16(udp + 4) == l4->l4_len;
}

/* Returns the UDP payload length of 'p' if it may be in a run at all (see
 * xsk-geneve.h), else 0.  Stores its headers in '*l4'. */
static uint32_t
run_payload(const struct xsk_tx_pkt *p, struct xsk_l4 *l4)
{
    const uint8_t *f = p->data;
    uint32_t payload;

    if (p->gso || !xsk_parse_l4(f, p->len, l4) || !outer_ok(f, l4)
        || p->len != l4->l4_ofs + l4->l4_len
        || (!l4->ipv6 && !(f[ETH_HLEN_ + 6] & IPV4_DF))) {
        return 0;
    }
    payload = l4->l4_len - UDP_HLEN_;
    return geneve_len(f + l4->l4_ofs + UDP_HLEN_, payload) == payload
           ? payload : 0;
}

/* Returns true if the outer headers of 'b' (headers 'l4') match those of
 * 'a' (the run's first packet, headers 'key') but for what may differ:
 * Ethernet and IP as in a TCP run (xsk-coal.c), the UDP ports. */
static bool
same_tunnel(const uint8_t *a, const struct xsk_l4 *key, const uint8_t *b,
            const struct xsk_l4 *l4)
{
    return xsk_coal_same_l3(a, key, b, l4)
           && !memcmp(a + key->l4_ofs, b + key->l4_ofs, 4);
}

/* Looks for a run (xsk-geneve.h) at the start of the 'n' packets 'pkts',
 * for a port whose IP packets are at most 'mtu' bytes.  Returns its number
 * of packets: if at least 2, fills in 'c' (its payload iovecs point into
 * the packets, which must not change until it is sent); 0 or 1 mean no
 * run, and 'c' is unspecified. */
uint32_t
xsk_geneve_run(const struct xsk_tx_pkt *pkts, uint32_t n, uint32_t mtu,
               struct xsk_coal *c)
{
    uint32_t mss, payload, max_payload, hdr_len, i;
    struct xsk_l4 key;

    if (n < 2 || pkts[0].len < GENEVE_MIN_LEN
        || pkts[1].len < GENEVE_MIN_LEN) {
        return 0;
    }
    mss = run_payload(&pkts[0], &key);
    if (!mss) {
        return 0;
    }
    hdr_len = key.l4_ofs + UDP_HLEN_;
    max_payload = IP_MAX_LEN - (hdr_len - ETH_HLEN_)
                  + (key.ipv6 ? 40 : 0);
    payload = mss;
    c->iov[1].iov_base = (void *) (pkts[0].data + hdr_len);
    c->iov[1].iov_len = mss;

    for (i = 1; i < n && i < XSK_TX_BURST; i++) {
        const struct xsk_tx_pkt *p = &pkts[i];
        struct xsk_l4 l4;
        uint32_t len = run_payload(p, &l4);

        if (!len || len > mss || payload + len > max_payload
            || !same_tunnel(pkts[0].data, &key, p->data, &l4)
            || (i == 1 && !xsk_coal_csum_ok(&pkts[0], &key))
            || !xsk_coal_csum_ok(p, &l4)) {
            break;
        }
        c->iov[i + 1].iov_base = (void *) (p->data + hdr_len);
        c->iov[i + 1].iov_len = len;
        payload += len;
        if (len < mss) {
            i++;
            break;
        }
    }
    if (hdr_len - ETH_HLEN_ + payload <= mtu) {
        return 0;               /* The receiver would not know it. */
    }
    if (i >= 2) {
        xsk_coal_build(pkts[0].data, &key, hdr_len, i, payload,
                       VIRTIO_NET_HDR_GSO_UDP_L4, mss, c);
    }
    return i;
}

/* Returns how many Geneve packets xsk_geneve_segment() cuts 'pkt' into,
 * each at most 'mtu' bytes of IP: 1 if it is one Geneve packet, 0 if it is
 * not a Geneve packet this file knows (the caller treats it as before),
 * XSK_GENEVE_BAD if it is a UDP packet to the Geneve port that holds more
 * than one Geneve packet but cannot be cut into them. */
uint32_t
xsk_geneve_count(const uint8_t *pkt, uint32_t len, uint32_t mtu)
{
    uint32_t payload, first, off, n;
    const uint8_t *u;
    struct xsk_l4 l4;

    if (!xsk_parse_l4(pkt, len, &l4) || !outer_ok(pkt, &l4)) {
        return 0;
    }
    payload = l4.l4_len - UDP_HLEN_;
    u = pkt + l4.l4_ofs + UDP_HLEN_;
    first = geneve_len(u, payload);
    if (!first) {
        return 0;
    }
    if (first == payload) {
        return 1;
    }
    if (first > payload
        || l4.l4_ofs - ETH_HLEN_ + UDP_HLEN_ + first > mtu) {
        return XSK_GENEVE_BAD;
    }
    for (off = 0, n = 0; off < payload; n++) {
        uint32_t seg = geneve_len(u + off, payload - off);

        if (!seg || seg > first || seg > payload - off
            || (seg < first && off + seg != payload)) {
            return XSK_GENEVE_BAD;
        }
        off += seg;
    }
    return n;
}

/* Writes the 'n_bufs' Geneve packets of 'pkt' (xsk_geneve_count(), at least
 * 2) into 'bufs' (each big enough for the outer headers plus the first
 * Geneve packet), their lengths into 'lens'. */
void
xsk_geneve_segment(const uint8_t *pkt, uint32_t len, uint8_t *const *bufs,
                   uint32_t *lens, uint32_t n_bufs)
{
    uint32_t hdr_len, payload, off = 0;
    const uint8_t *u;
    struct xsk_l4 l4;
    uint16_t id;

    if (!xsk_parse_l4(pkt, len, &l4)) {
        return;
    }
    hdr_len = l4.l4_ofs + UDP_HLEN_;
    payload = l4.l4_len - UDP_HLEN_;
    u = pkt + hdr_len;
    id = get16(pkt + ETH_HLEN_ + 4);

    for (uint32_t i = 0; i < n_bufs; i++) {
        uint32_t seg = geneve_len(u + off, payload - off);
        uint8_t *b = bufs[i];
        uint8_t *ip = b + ETH_HLEN_;
        uint8_t *udp = b + l4.l4_ofs;

        memcpy(b, pkt, hdr_len);
        memcpy(b + hdr_len, u + off, seg);
        lens[i] = hdr_len + seg;
        off += seg;

        put16(udp + 4, UDP_HLEN_ + seg);
        put16(udp + 6, 0);
        if (l4.ipv6) {
            bool ok;

            put16(ip + 4, UDP_HLEN_ + seg);
            put16(udp + 6, xsk_csum_l4(b, lens[i], &ok));
        } else {
            uint32_t ihl = l4.l4_ofs - ETH_HLEN_;

            put16(ip + 2, ihl + UDP_HLEN_ + seg);
            put16(ip + 4, id + i);
            put16(ip + 10, xsk_csum_ipv4_header(ip, ihl));
        }
    }
}
