/*
 * Copyright (c) 2026 The ovs-xsk authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

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
