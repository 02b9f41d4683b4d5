/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of the GSO request built for a TCP super-packet,
 * netdev/xsk-vnet.c: xsk_vnet_hdr_build().  Needs no root and no OVS;
 * prints TAP (tap.h).  Table-driven: each row builds a frame byte by byte
 * (Ethernet, VLAN tags, IPv4 or IPv6, TCP with options or UDP) and says
 * what the header must hold; the pseudo-header sum the checksum field must
 * hold afterwards is computed here independently (RFC 1071). */

#include "xsk-vnet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"

struct row {
    const char *name;
    int n_vlans;
    int ipv;                    /* 4 or 6. */
    int proto;                  /* 6 or 17. */
    int tcp_opt_len;
    uint32_t payload;
    uint8_t tcp_flags;
    int cut;                    /* Bytes cut off the end of the frame. */
    uint32_t mtu;
    int error;                  /* What xsk_vnet_hdr_build() returns. */
    uint8_t gso_type;           /* Expected, when 'error' is 0. */
    uint16_t gso_size;
};

static const struct row rows[] = {
    { "IPv4 super-packet", 0, 4, 6, 12, 20000, 0x10, 0, 1500, 0,
      VIRTIO_NET_HDR_GSO_TCPV4, 1500 - 20 - 32 },
    { "IPv6 super-packet", 0, 6, 6, 12, 20000, 0x10, 0, 1500, 0,
      VIRTIO_NET_HDR_GSO_TCPV6, 1500 - 40 - 32 },
    { "IPv4 in two VLAN tags", 2, 4, 6, 0, 5000, 0x18, 0, 1500, 0,
      VIRTIO_NET_HDR_GSO_TCPV4, 1500 - 20 - 20 },
    { "CWR asks for ECN", 0, 4, 6, 12, 9000, 0x90, 0, 1500, 0,
      VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1448 },
    { "jumbo MTU", 0, 4, 6, 12, 60000, 0x10, 0, 9000, 0,
      VIRTIO_NET_HDR_GSO_TCPV4, 9000 - 52 },
    { "fits the MTU: checksum only", 0, 4, 6, 12, 1448, 0x10, 0, 1500, 0,
      VIRTIO_NET_HDR_GSO_NONE, 0 },
    { "UDP is refused", 0, 4, 17, 0, 3000, 0, 0, 1500, EINVAL, 0, 0 },
    { "truncated frame is refused", 0, 4, 6, 12, 3000, 0x10, 1, 1500,
      EINVAL, 0, 0 },
    { "MTU without room for payload", 0, 6, 6, 12, 3000, 0x10, 0, 72,
      EINVAL, 0, 0 },
};

/* Builds row 'r''s frame into a malloc'd buffer; stores its length, the
 * offsets of L3 and L4 and the expected folded pseudo-header sum. */
static uint8_t *
build(const struct row *r, uint32_t *len, uint32_t *l3, uint32_t *l4,
      uint16_t *pseudo)
{
    uint32_t l4_hl = r->proto == 6 ? 20 + r->tcp_opt_len : 8;
    uint32_t ihl = r->ipv == 4 ? 20 : 40;
    uint32_t l4_len = l4_hl + r->payload;
    uint32_t ofs = 12, sum = 0;
    uint8_t *f, *ip;

    *l3 = 14 + 4 * r->n_vlans;
    *l4 = *l3 + ihl;
    *len = *l4 + l4_len;
    f = calloc(1, *len);
    for (int i = 0; i < 12; i++) {
        f[i] = rnd();
    }
    for (int i = 0; i < r->n_vlans; i++, ofs += 4) {
        put16(f + ofs, i ? 0x8100 : 0x88a8);
        put16(f + ofs + 2, 100 + i);
    }
    put16(f + ofs, r->ipv == 4 ? 0x0800 : 0x86dd);
    ip = f + *l3;
    if (r->ipv == 4) {
        ip[0] = 0x45;
        put16(ip + 2, ihl + l4_len);
        ip[8] = 64;
        ip[9] = r->proto;
        put32(ip + 12, rnd());
        put32(ip + 16, rnd());
        for (int i = 12; i < 20; i += 2) {
            sum += get16(ip + i);
        }
    } else {
        ip[0] = 0x60;
        put16(ip + 4, l4_len);
        ip[6] = r->proto;
        ip[7] = 64;
        for (int i = 8; i < 40; i += 4) {
            put32(ip + i, rnd());
        }
        for (int i = 8; i < 40; i += 2) {
            sum += get16(ip + i);
        }
    }
    sum += r->proto + l4_len;
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    *pseudo = sum;
    if (r->proto == 6) {
        f[*l4 + 12] = (l4_hl / 4) << 4;
        f[*l4 + 13] = r->tcp_flags;
        put16(f + *l4 + 16, 0xbeef);    /* Whatever it held. */
    } else {
        put16(f + *l4 + 4, l4_len);
    }
    for (uint32_t i = *l4 + l4_hl; i < *len; i++) {
        f[i] = rnd();
    }
    *len -= r->cut;
    return f;
}

static void
test_rows(void)
{
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const struct row *r = &rows[k];
        struct virtio_net_hdr hdr, poison;
        uint32_t len, l3, l4;
        uint16_t pseudo;
        uint8_t *f = build(r, &len, &l3, &l4, &pseudo);
        uint8_t *copy = malloc(len);
        int error;

        memcpy(copy, f, len);
        memset(&hdr, 0xa5, sizeof hdr);
        poison = hdr;
        error = xsk_vnet_hdr_build(f, len, r->mtu, &hdr);
        CHECK(error == r->error, "returned %d, want %d", error, r->error);
        if (r->error) {
            CHECK(!memcmp(f, copy, len), "the frame was written");
            CHECK(!memcmp(&hdr, &poison, sizeof hdr), "the header was "
                  "written");
        } else {
            uint32_t tcp_hl = 20 + r->tcp_opt_len;

            CHECK(hdr.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM, "flags %#x",
                  hdr.flags);
            CHECK(hdr.csum_start == l4, "csum_start %u, want %u",
                  hdr.csum_start, l4);
            CHECK(hdr.csum_offset == 16, "csum_offset %u", hdr.csum_offset);
            CHECK(hdr.hdr_len == l4 + tcp_hl, "hdr_len %u, want %u",
                  hdr.hdr_len, l4 + tcp_hl);
            CHECK(hdr.gso_type == r->gso_type, "gso_type %#x, want %#x",
                  hdr.gso_type, r->gso_type);
            CHECK(hdr.gso_size == r->gso_size, "gso_size %u, want %u",
                  hdr.gso_size, r->gso_size);
            CHECK(get16(f + l4 + 16) == pseudo, "checksum field %#x, "
                  "want the pseudo-header sum %#x", get16(f + l4 + 16),
                  pseudo);
            put16(f + l4 + 16, 0xbeef);
            CHECK(!memcmp(f, copy, len), "bytes other than the checksum "
                  "field changed");
            if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
                CHECK(hdr.gso_size + hdr.hdr_len - l3 <= r->mtu,
                      "a segment would exceed the MTU");
            }
        }
        tap_group("%s", r->name);
        free(copy);
        free(f);
    }
}

int
main(void)
{
    test_rows();
    return tap_done();
}
