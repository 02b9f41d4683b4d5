/* SPDX-License-Identifier: Apache-2.0 */

/* AF_PACKET transmit of TCP super-packets with a GSO request (see
 * xsk-vnet.h).  Used by a port's send path for the packets its user marked
 * for TSO (xsk_port_send(), through the port's 'gso_open' and 'gso_send'
 * ops), and by the unit tests (xsk_vnet_hdr_build()). */

#include "xsk-vnet.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "xsk-csum.h"

#define TCP_CWR 0x80

/* Enough for a few 64 KB super-packets in flight to a busy receiver. */
#define XSK_VNET_SNDBUF (4 * 1024 * 1024)

/* Opens an AF_PACKET socket that sends on interface 'ifindex' with a
 * virtio_net_hdr in front of each packet, and receives nothing (protocol
 * 0).  Stores it in '*fdp' (-1 on failure).  Returns 0 or a positive
 * errno. */
int
xsk_vnet_open(int ifindex, int *fdp)
{
    struct sockaddr_ll sll;
    int one = 1, sndbuf = XSK_VNET_SNDBUF;
    int fd, error;

    *fdp = -1;
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one)) {
        error = errno;
        goto err_close;
    }
    /* Like AF_XDP: straight to the driver.  Only an optimisation. */
    (void) setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf)) {
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        goto err_close;
    }
    *fdp = fd;
    return 0;

err_close:
    close(fd);
    return error;
}

/* Fills '*hdr' for sending the TCP packet 'frame' (Ethernet, 'len' bytes)
 * on a device of MTU 'mtu': a checksum request (NEEDS_CSUM) and, when its
 * IP packet is larger than 'mtu', a GSO request whose segments fit 'mtu'.
 * Writes the folded pseudo-header sum into the TCP checksum field.
 * Returns 0, or EINVAL, writing nothing, if 'frame' is not a well-formed
 * TCP packet or 'mtu' leaves no room for payload. */
int
xsk_vnet_hdr_build(uint8_t *frame, uint32_t len, uint32_t mtu,
                   struct virtio_net_hdr *hdr)
{
    uint32_t tcp_hl, l3_hl;
    struct xsk_l4 l4;
    uint16_t pseudo;

    if (!xsk_parse_l4(frame, len, &l4) || l4.proto != 6) {
        return EINVAL;
    }
    tcp_hl = (frame[l4.l4_ofs + 12] >> 4) * 4;
    l3_hl = l4.l4_ofs - l4.l3_ofs;
    if (mtu <= l3_hl + tcp_hl || l4.l4_ofs + tcp_hl > UINT16_MAX) {
        return EINVAL;
    }

    memset(hdr, 0, sizeof *hdr);
    hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr->csum_start = l4.l4_ofs;
    hdr->csum_offset = l4.csum_ofs - l4.l4_ofs;
    hdr->hdr_len = l4.l4_ofs + tcp_hl;
    if (l3_hl + l4.l4_len > mtu) {
        hdr->gso_type = l4.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                : VIRTIO_NET_HDR_GSO_TCPV4;
        if (frame[l4.l4_ofs + 13] & TCP_CWR) {
            hdr->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
        }
        hdr->gso_size = mtu - l3_hl - tcp_hl;
    }
    pseudo = xsk_csum_pseudo_folded(&l4);
    frame[l4.csum_ofs] = pseudo >> 8;
    frame[l4.csum_ofs + 1] = pseudo & 0xff;
    return 0;
}

/* Sends 'hdr' and then the 'n_iov' pieces 'iov' (at most XSK_VNET_MAX_IOV)
 * as one packet on 'fd' (xsk_vnet_open()), without blocking.  Returns 0 or
 * a positive errno (EAGAIN: the socket's send buffer is full). */
int
xsk_vnet_send(int fd, const struct virtio_net_hdr *hdr,
              const struct iovec *iov, uint32_t n_iov)
{
    struct iovec v[XSK_VNET_MAX_IOV + 1];
    struct msghdr msg = { .msg_iov = v, .msg_iovlen = n_iov + 1 };

    if (n_iov > XSK_VNET_MAX_IOV) {
        return EMSGSIZE;
    }
    v[0].iov_base = (void *) hdr;
    v[0].iov_len = sizeof *hdr;
    memcpy(&v[1], iov, n_iov * sizeof *iov);
    return sendmsg(fd, &msg, MSG_DONTWAIT) < 0 ? errno : 0;
}
