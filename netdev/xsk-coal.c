/* SPDX-License-Identifier: Apache-2.0 */

/* Finding a run of one TCP flow's segments in a burst and building the
 * super-packet it leaves as (see xsk-coal.h). */

#include "xsk-coal.h"

#include <string.h>

#include "xsk-compat.h"
#include "xsk-csum.h"

#define ETH_HLEN_ 14
#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define IPV4_DF 0x40            /* In the first byte of the flags field. */
#define IP_MAX_LEN 65535

/* Shorter packets start no run: not worth merging, and a burst of small
 * packets (64-byte UDP, pure ACKs) then costs one comparison each. */
#define COAL_MIN_LEN 256

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

/* What a run's packets share, from its first packet. */
struct coal_key {
    const uint8_t *first;
    struct xsk_l4 l4;
    uint32_t hdr_len;           /* Ethernet, IP and TCP headers. */
    uint32_t mss;               /* The first packet's payload length. */
};

/* Returns the payload length of TCP packet 'p' if it may be in a run at
 * all (see xsk-coal.h), else 0.  Stores its headers in '*l4'. */
static uint32_t
coal_payload(const struct xsk_tx_pkt *p, struct xsk_l4 *l4)
{
    const uint8_t *f = p->data;
    uint32_t hdr_len;

    if (p->gso || !xsk_parse_l4(f, p->len, l4) || l4->proto != 6
        || l4->l3_ofs != ETH_HLEN_
        || p->len != l4->l4_ofs + l4->l4_len) {
        return 0;
    }
    if (!l4->ipv6 && (f[ETH_HLEN_] != 0x45 || !(f[ETH_HLEN_ + 6] & IPV4_DF))) {
        return 0;
    }
    hdr_len = l4->l4_ofs + (f[l4->l4_ofs + 12] >> 4) * 4;
    return p->len > hdr_len ? p->len - hdr_len : 0;
}

/* Returns true if the TCP/UDP checksum of 'p' (headers 'l4') may be
 * trusted: partial at its field, or complete and correct (absent, in UDP). */
bool
xsk_coal_csum_ok(const struct xsk_tx_pkt *p, const struct xsk_l4 *l4)
{
    if (p->csum_start) {
        return p->csum_start == l4->l4_ofs
               && p->csum_start + p->csum_offset == l4->csum_ofs;
    }
    return xsk_csum_l4_valid(p->data, l4);
}

/* Returns true if frames 'a' and 'b' (headers 'la' and 'lb', Ethernet
 * without VLAN tag + IPv4 without options or IPv6) have the same Ethernet
 * and IP headers but for the lengths, the IPv4 ID and header checksum: they
 * may be in one run. */
bool
xsk_coal_same_l3(const uint8_t *a, const struct xsk_l4 *la,
                 const uint8_t *b, const struct xsk_l4 *lb)
{
    uint32_t l3 = ETH_HLEN_;

    if (la->ipv6 != lb->ipv6 || la->l4_ofs != lb->l4_ofs
        || memcmp(a, b, ETH_HLEN_)) {
        return false;
    }
    if (la->ipv6) {
        /* Version, class, label; next header, hop limit, addresses. */
        return !memcmp(a + l3, b + l3, 4)
               && !memcmp(a + l3 + 6, b + l3 + 6, 34);
    }
    /* Version, IHL, TOS; flags, TTL, protocol; addresses. */
    return !memcmp(a + l3, b + l3, 2) && !memcmp(a + l3 + 6, b + l3 + 6, 4)
           && !memcmp(a + l3 + 12, b + l3 + 12, 8);
}

/* Returns true if the headers of 'p' (whose headers are 'l4') match those
 * of the run 'key' but for what may differ within a run. */
static bool
coal_same_flow(const struct coal_key *key, const struct xsk_tx_pkt *p,
               const struct xsk_l4 *l4)
{
    const uint8_t *a = key->first, *b = p->data;
    uint32_t th = key->l4.l4_ofs;

    if (!xsk_coal_same_l3(a, &key->l4, b, l4)) {
        return false;
    }
    /* Ports; ACK number and data offset; window; urgent pointer and
     * options (the data offsets are equal, so the lengths are). */
    return !memcmp(a + th, b + th, 4) && !memcmp(a + th + 8, b + th + 8, 5)
           && !memcmp(a + th + 14, b + th + 14, 2)
           && !memcmp(a + th + 18, b + th + 18, key->hdr_len - th - 18);
}

/* Fills in 'c' for a run of 'n_pkts' packets led by 'first' (headers
 * 'l4', the first 'hdr_len' bytes), 'payload' bytes after the headers in
 * all, to leave with GSO type 'gso_type' and size 'gso_size': the headers
 * rewritten for the merged packet (IP and UDP lengths, IPv4 header
 * checksum, and in the TCP/UDP checksum field the pseudo-header sum that a
 * CHECKSUM_PARTIAL packet carries), the GSO request and the headers'
 * iovec.  The caller points 'iov[1]'... at the payloads. */
void
xsk_coal_build(const uint8_t *first, const struct xsk_l4 *l4,
               uint32_t hdr_len, uint32_t n_pkts, uint32_t payload,
               uint8_t gso_type, uint16_t gso_size, struct xsk_coal *c)
{
    uint32_t th = l4->l4_ofs, l4_len = hdr_len - th + payload;
    uint8_t *ip = c->hdr + ETH_HLEN_;
    struct xsk_l4 merged = *l4;

    memcpy(c->hdr, first, hdr_len);
    if (l4->ipv6) {
        put16(ip + 4, l4_len);
    } else {
        put16(ip + 2, th - ETH_HLEN_ + l4_len);
        put16(ip + 10, xsk_csum_ipv4_header(ip, th - ETH_HLEN_));
    }
    if (l4->proto == 17) {
        put16(c->hdr + th + 4, l4_len);
    }
    merged.pseudo = l4->pseudo - l4->l4_len + l4_len;
    merged.l4_len = l4_len;
    put16(c->hdr + l4->csum_ofs, xsk_csum_pseudo_folded(&merged));

    memset(&c->vnet, 0, sizeof c->vnet);
    c->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    c->vnet.gso_type = gso_type;
    c->vnet.gso_size = gso_size;
    c->vnet.hdr_len = hdr_len;
    c->vnet.csum_start = th;
    c->vnet.csum_offset = l4->csum_ofs - th;

    c->iov[0].iov_base = c->hdr;
    c->iov[0].iov_len = hdr_len;
    c->n_iov = n_pkts + 1;
    c->len = hdr_len + payload;
}

/* Looks for a run (xsk-coal.h) at the start of the 'n' packets 'pkts'.
 * Returns its number of packets: if at least 2, fills in 'c' (its payload
 * iovecs point into the packets, which must not change until it is sent);
 * 0 or 1 mean no run, and 'c' is unspecified. */
uint32_t
xsk_coal_run(const struct xsk_tx_pkt *pkts, uint32_t n, struct xsk_coal *c)
{
    struct coal_key key;
    uint32_t seq, payload, max_payload, i;
    uint8_t flags;

    if (n < 2 || pkts[0].len < COAL_MIN_LEN || pkts[1].len < COAL_MIN_LEN) {
        return 0;
    }
    key.first = pkts[0].data;
    key.mss = coal_payload(&pkts[0], &key.l4);
    if (!key.mss) {
        return 0;
    }
    key.hdr_len = pkts[0].len - key.mss;
    if (key.first[key.l4.l4_ofs + 13] != TCP_ACK
        || (!key.l4.ipv6 && xsk_csum_ipv4_header(key.first + ETH_HLEN_, 20)
                            != (key.first[ETH_HLEN_ + 10] << 8
                                | key.first[ETH_HLEN_ + 11]))) {
        return 0;
    }
    max_payload = IP_MAX_LEN - (key.hdr_len - ETH_HLEN_)
                  + (key.l4.ipv6 ? 40 : 0);
    seq = get32(key.first + key.l4.l4_ofs + 4) + key.mss;
    payload = key.mss;
    flags = TCP_ACK;
    c->iov[1].iov_base = (void *) (key.first + key.hdr_len);
    c->iov[1].iov_len = key.mss;

    for (i = 1; i < n && i < XSK_TX_BURST; i++) {
        const struct xsk_tx_pkt *p = &pkts[i];
        const uint8_t *f = p->data;
        struct xsk_l4 l4;
        uint32_t len = coal_payload(p, &l4);
        uint8_t fl;

        if (!len || len > key.mss || payload + len > max_payload
            || p->len - len != key.hdr_len
            || !coal_same_flow(&key, p, &l4)
            || get32(f + l4.l4_ofs + 4) != seq) {
            break;
        }
        fl = f[l4.l4_ofs + 13];
        /* The first packet's checksum is summed only once a second one
         * could join it: a large packet that starts no run costs no sum. */
        if ((fl != TCP_ACK && fl != (TCP_ACK | TCP_PSH))
            || (i == 1 && !xsk_coal_csum_ok(&pkts[0], &key.l4))
            || !xsk_coal_csum_ok(p, &l4)) {
            break;
        }
        c->iov[i + 1].iov_base = (void *) (f + key.hdr_len);
        c->iov[i + 1].iov_len = len;
        payload += len;
        seq += len;
        flags = fl;
        if (len < key.mss || fl & TCP_PSH) {
            i++;
            break;
        }
    }
    if (i >= 2) {
        xsk_coal_build(key.first, &key.l4, key.hdr_len, i, payload,
                       key.l4.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                   : VIRTIO_NET_HDR_GSO_TCPV4,
                       key.mss, c);
        c->hdr[key.l4.l4_ofs + 13] = flags;
    }
    return i;
}
