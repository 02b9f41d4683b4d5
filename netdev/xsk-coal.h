/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_COAL_H
#define XSK_COAL_H 1

/* Coalescing on transmit: consecutive TCP segments of one flow in a burst
 * leave an afxdp port as one super-packet with a GSO request.
 *
 * Whatever a namespace sends through OVS arrives at the other namespace as
 * one skb per segment (AF_XDP TX in copy mode makes one skb per frame), and
 * veth GRO is off by default, so the receiving stack pays for every
 * segment.  A burst that OVS hands an afxdp port usually holds runs of one
 * TCP flow's segments in order.  xsk_coal_run() recognises such a run at
 * the start of a burst, under the rules Linux GRO merges by, and builds
 * what the port's AF_PACKET socket (xsk-vnet.h) sends it as: a
 * virtio_net_hdr with a GSO request for the run's segment size and a
 * checksum request, the first segment's headers rewritten for the whole
 * run, and each segment's payload where it is (no copy here; the kernel
 * copies once into one skb).  The receiver gets one GSO skb with
 * CHECKSUM_PARTIAL, as from a veth with GRO on, and re-segmenting it at
 * the GSO size gives back the segments (but the IPv4 IDs).
 *
 * A run is two or more packets that:
 *   - are Ethernet (no VLAN tag) + IPv4 without options and with DF, or
 *     IPv6 without extension headers, + TCP, with no bytes after the IP
 *     packet, not marked for TSO ('gso'), and carry payload;
 *   - have identical Ethernet and IP headers but for the lengths, the IPv4
 *     ID and header checksum, and identical TCP headers (ports, ACK number,
 *     window, options) but for the sequence number, checksum and PSH;
 *   - follow each other in sequence, all with the first one's payload
 *     length (the sender's segment size) but the last, which may be shorter;
 *   - have flags ACK only, but the last, which may add PSH;
 *   - have a correct checksum: a partial one ('csum_start' at the TCP
 *     checksum) is the local sender's and trusted, as the kernel trusts
 *     CHECKSUM_PARTIAL; a complete one is verified (a fast sum), so that a
 *     segment damaged on the way is never merged into a packet whose
 *     checksum the receiver would not check;
 *   - add up to an IP packet of at most 65535 bytes;
 *   - the first two are at least 256 bytes long (a burst of small packets
 *     costs a comparison each).
 * Anything else ends the run; a packet that cannot start one is sent as it
 * is.  Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include "xsk-tx.h"

/* Ethernet 14 + IPv6 40 + TCP with options 60 (IPv4 has no options). */
#define XSK_COAL_MAX_HDR 114

/* One run, as it leaves: 'vnet', then 'iov[0]' (the rewritten headers in
 * 'hdr'), then one payload per segment, in the caller's packets. */
struct xsk_coal {
    struct virtio_net_hdr vnet;
    uint8_t hdr[XSK_COAL_MAX_HDR];
    struct iovec iov[XSK_TX_BURST + 1];
    uint32_t n_iov;
    uint32_t len;               /* Bytes of the merged frame. */
};

uint32_t xsk_coal_run(const struct xsk_tx_pkt *, uint32_t n,
                      struct xsk_coal *);

/* For xsk-geneve.c, which builds runs of another kind by the same rules. */
struct xsk_l4;
bool xsk_coal_csum_ok(const struct xsk_tx_pkt *, const struct xsk_l4 *);
void xsk_coal_build(const uint8_t *first, const struct xsk_l4 *,
                    uint32_t hdr_len, uint32_t n_pkts, uint32_t payload,
                    uint8_t gso_type, uint16_t gso_size, struct xsk_coal *);
bool xsk_coal_same_l3(const uint8_t *a, const struct xsk_l4 *la,
                      const uint8_t *b, const struct xsk_l4 *lb);

#endif /* xsk-coal.h */
