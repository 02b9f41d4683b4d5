/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_GSO_H
#define XSK_GSO_H 1

/* Software segmentation of oversized TCP packets.
 *
 * In generic XDP mode a veth peer that sends with TSO/GSO (the default)
 * hands the AF_XDP socket whole 64 KB TCP super-packets, as descriptor
 * chains (XDP_USE_SG).  No wire and no AF_XDP TX ring takes those, so the
 * provider cuts them into MTU-sized segments the way the kernel's GSO would:
 * the headers copied in front of each payload slice, IPv4 total length, ID
 * and header checksum, IPv6 payload length, TCP sequence number, flags (FIN
 * and PSH on the last segment only, CWR on the first only) and a complete
 * TCP checksum.  Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>

uint32_t xsk_gso_count(const uint8_t *pkt, uint32_t len, uint32_t mtu);
bool xsk_gso_segment(const uint8_t *pkt, uint32_t len, uint32_t mtu,
                     uint8_t *const *bufs, uint32_t *lens, uint32_t n_bufs);

#endif /* xsk-gso.h */
