/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_CSUM_H
#define XSK_CSUM_H 1

/* Completing partial TCP/UDP checksums.
 *
 * A veth whose peer sends with checksum offload (the default) hands AF_XDP
 * frames whose TCP/UDP checksum field holds only the folded pseudo-header
 * sum (CHECKSUM_PARTIAL): the kernel would have finished it on transmit.
 * Forwarded as it is, every such segment is dropped by the receiver, so TCP
 * between namespaces fails.  There is no per-frame flag that says so, so
 * xsk_csum_fix_partial() compares the field with the pseudo-header sum and,
 * when they match, computes the real checksum.  A complete checksum that
 * happens to equal the pseudo-header sum (about 1 in 65536) is recomputed
 * to the same value, so the test never corrupts a packet.
 *
 * Every header read is bounds-checked against the frame length; malformed
 * frames are left untouched.  Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>

/* Where the TCP/UDP header of a frame is and what its checksum covers. */
struct xsk_l4 {
    uint32_t l3_ofs;            /* Offset of the IPv4/IPv6 header. */
    uint32_t l4_ofs;            /* Offset of the TCP/UDP header. */
    uint32_t l4_len;            /* Bytes from there to the end of the L3
                                 * payload (frame padding excluded). */
    uint32_t csum_ofs;          /* Offset of the checksum field. */
    uint32_t pseudo;            /* Unfolded pseudo-header sum. */
    uint8_t proto;              /* 6 (TCP) or 17 (UDP). */
    bool ipv6;
};

bool xsk_parse_l4(const uint8_t *frame, uint32_t len, struct xsk_l4 *);
bool xsk_csum_partial(const uint8_t *frame, uint32_t len, struct xsk_l4 *);
uint16_t xsk_csum_pseudo_folded(const struct xsk_l4 *);
void xsk_csum_finish_at(uint8_t *frame, uint32_t len, uint32_t start,
                        uint32_t offset);
bool xsk_csum_fix_partial(uint8_t *frame, uint32_t len);
uint16_t xsk_csum_l4(const uint8_t *frame, uint32_t len, bool *ok);
uint16_t xsk_csum_ipv4_header(const uint8_t *ip, uint32_t ihl);
uint16_t xsk_csum_sum_fast(const uint8_t *, uint32_t len);
bool xsk_csum_l4_valid(const uint8_t *frame, const struct xsk_l4 *);

#endif /* xsk-csum.h */
