/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_VNET_H
#define XSK_VNET_H 1

/* Sending a TCP super-packet whole, with a GSO request, through an
 * AF_PACKET socket.
 *
 * AF_XDP has no way to ask the kernel for segmentation (TX metadata in
 * Linux 6.18 carries a checksum request only), so an afxdp port sends a
 * TCP packet larger than its MTU that OVS marked for TSO (userspace TSO,
 * received whole in generic XDP mode) through a second socket of its own:
 * an AF_PACKET SOCK_RAW socket bound to the device, with PACKET_VNET_HDR,
 * that bypasses the qdisc as AF_XDP does.  Each packet goes with one
 * sendmsg() of a struct virtio_net_hdr and the packet's bytes where they
 * are, in one piece or several (the kernel copies them into one skb; a run
 * of segments merged by xsk-coal.h goes as its headers and each segment's
 * payload).  Over a veth the peer receives
 * one GSO skb with CHECKSUM_PARTIAL, as from a plain veth; a device that
 * cannot segment gets the kernel's software GSO.
 *
 * xsk_vnet_hdr_build() fills the header from the frame itself and writes
 * the folded pseudo-header sum into the TCP checksum field, which is what
 * the kernel wants of a CHECKSUM_PARTIAL packet, whatever the field held
 * (partial, complete, or rewritten by OVS).
 *
 * Thread safety: the socket may be used by several senders at once (one
 * sendmsg() per packet).  Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

/* The most pieces xsk_vnet_send() sends one packet from. */
#define XSK_VNET_MAX_IOV 64

int xsk_vnet_open(int ifindex, int *fdp);
int xsk_vnet_hdr_build(uint8_t *frame, uint32_t len, uint32_t mtu,
                       struct virtio_net_hdr *);
int xsk_vnet_send(int fd, const struct virtio_net_hdr *,
                  const struct iovec *, uint32_t n_iov);

#endif /* xsk-vnet.h */
