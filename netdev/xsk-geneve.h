/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_GENEVE_H
#define XSK_GENEVE_H 1

/* Geneve super-packets: a run of one tunnel's packets sent as one UDP GSO
 * packet, and such a packet cut back into the tunnel packets on receive.
 *
 * Between chassis on one underlay of veths and Linux bridges (this
 * project's OVN topology, containers' test beds), every Geneve packet that
 * OVS pushes costs the sending ovs-vswitchd an skb (AF_XDP TX in copy mode),
 * the bridge a forwarding decision and the receiving chassis an XDP run and
 * a copy into its UMEM.  A burst that OVS hands the uplink usually holds runs
 * of one inner TCP flow's segments, each in the same outer headers.
 *
 * On transmit (the uplink's option "tx-coalesce-geneve", off by default),
 * xsk_geneve_run() recognises such a run at the start of a burst and builds
 * what the port's AF_PACKET socket (xsk-vnet.h) sends it as: a
 * virtio_net_hdr with a UDP GSO request (VIRTIO_NET_HDR_GSO_UDP_L4) whose
 * segment size is the first packet's UDP payload, and the first packet's
 * outer headers rewritten for the whole run, followed by each packet's UDP
 * payload where it is.  Segmenting that at the GSO size (the kernel does
 * where the packet leaves this machine's veths, or a NIC with UDP
 * segmentation offload) gives back the packets, with the outer IPv4 IDs
 * counted up from the first and every outer UDP checksum computed.
 *
 * Over veths and bridges the packet stays whole up to the receiving
 * chassis.  The UDP GSO size is not visible to XDP, so the receiver cuts
 * it where each Geneve packet ends, which its own headers say: Geneve
 * header (8 bytes and its options) + inner Ethernet (no VLAN tag) + the
 * inner IPv4/IPv6 packet's length.  xsk_geneve_run() takes only packets
 * whose UDP payload is exactly that, all of the first one's length but a
 * shorter last, so xsk_geneve_count() and xsk_geneve_segment() find the
 * same cuts; a receiver that is not ovs-xsk must accept UDP GSO packets
 * (the kernel's UDP tunnel sockets do; an AF_XDP receiver without
 * multi-buffer over a veth does not), which is why it is an option.
 *
 * A run is two or more packets that:
 *   - are Ethernet (no VLAN tag) + IPv4 without options and with DF, or
 *     IPv6 without extension headers, + UDP to port 6081 (Geneve), not
 *     marked for TSO ('gso'), with no bytes after the IP packet;
 *   - hold a Geneve packet of version 0 carrying Ethernet (0x6558) with an
 *     IPv4/IPv6 packet that ends where the UDP payload ends;
 *   - have identical Ethernet and IP headers but for the lengths, the IPv4
 *     ID and header checksum, and identical UDP ports;
 *   - all have the first one's UDP payload length but the last, which may
 *     be shorter;
 *   - have an outer UDP checksum that is absent (IPv4), partial (the local
 *     sender's) or complete and correct (verified, so that no damaged packet
 *     gets a new checksum);
 *   - add up to an IP packet of at most 65535 bytes, and to a frame
 *     larger than the port's MTU allows: the receiver tells a Geneve
 *     super-packet from a Geneve packet by its size (a smaller run is sent
 *     packet by packet, so the underlay's uplinks must have the same MTU,
 *     as on one Ethernet segment they must);
 *   - the first two are at least 256 bytes long.
 *
 * On receive, segments of a Geneve super-packet carry the outer headers of
 * the super-packet, their own lengths, IPv4 IDs counted up and header
 * checksums; their outer UDP checksum is absent over IPv4 (as the kernel
 * would leave a CHECKSUM_PARTIAL packet that nobody segmented unchecked)
 * and complete over IPv6.  Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-coal.h"

#define XSK_GENEVE_PORT 6081

/* Linux 6.2's uapi; Debian 12's headers are older, the kernel that runs
 * may not be (virtio_net_hdr_to_skb() takes it since Linux 5.x). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* xsk_geneve_count(): a packet to UDP port 6081 larger than one Geneve
 * packet that cannot be cut into Geneve packets. */
#define XSK_GENEVE_BAD UINT32_MAX

uint32_t xsk_geneve_run(const struct xsk_tx_pkt *, uint32_t n,
                        uint32_t mtu, struct xsk_coal *);
uint32_t xsk_geneve_count(const uint8_t *pkt, uint32_t len, uint32_t mtu);
void xsk_geneve_segment(const uint8_t *pkt, uint32_t len,
                        uint8_t *const *bufs, uint32_t *lens,
                        uint32_t n_bufs);

#endif /* xsk-geneve.h */
