/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_PEER_H
#define XSK_PEER_H 1

/* The MTU of a veth's peer, read through rtnetlink.  Includes no OVS
 * header.
 *
 * Why: in generic XDP mode a veth's namespace end keeps TSO, so the port
 * receives TCP super-packets and cuts them into segments (xsk-rx.c).  The
 * segments must fit the smaller of the two ends' MTUs: the namespace
 * chose its MSS for its own end, and with an MTU lower than the OVS end's
 * (e.g. OVN's workloads at 1442 behind a Geneve tunnel) segments cut at
 * the OVS end's MTU do not fit the path.  xsk-port.c takes the minimum
 * ('rx_cfg.mtu').
 *
 * How: RTM_GETLINK on the port's ifindex gives IFLA_LINK, the peer's
 * ifindex, and, if the peer lives in another network namespace,
 * IFLA_LINK_NETNSID, that namespace's id as ours sees it.  RTM_GETLINK on
 * the peer's ifindex with IFLA_TARGET_NETNSID set to that id (Linux 4.20)
 * then gives the peer's IFLA_MTU.  The peer's reply must link back to the
 * port, so that an ifindex reused in the meantime is not taken for the
 * peer.
 *
 * xsk_peer_request() and xsk_peer_parse() build and read the messages and
 * touch no socket (tests/unit/test-peer.c drives the parser from a table of
 * messages); xsk_peer_mtu() does the two round trips.
 *
 * Thread-safety: all functions are reentrant; xsk_peer_mtu() opens a
 * netlink socket of its own for each call. */

#include <stddef.h>
#include <stdint.h>

#define XSK_PEER_NO_NSID (-1)           /* No IFLA_LINK_NETNSID: the link
                                         * is in the same namespace. */

/* What one RTM_NEWLINK reply says of a device. */
struct xsk_peer_link {
    int ifindex;                        /* ifi_index. */
    int mtu;                            /* IFLA_MTU, or 0 if absent. */
    int link;                           /* IFLA_LINK (a veth: its peer's
                                         * ifindex), or 0 if absent. */
    int link_nsid;                      /* IFLA_LINK_NETNSID, or
                                         * XSK_PEER_NO_NSID. */
};

/* Writes into 'buf' ('size' bytes) an RTM_GETLINK request with sequence
 * number 'seq' for device 'ifindex' in the namespace of id 'nsid' as ours
 * sees it (XSK_PEER_NO_NSID: ours).  Returns the request's length, or 0 if
 * 'size' is too small. */
size_t xsk_peer_request(void *buf, size_t size, uint32_t seq, int ifindex,
                        int nsid);

/* Reads the reply with sequence number 'seq' in the 'len' bytes of
 * netlink messages at 'buf' (other sequence numbers are skipped) into
 * '*link'.  Returns 0; the kernel's error for the request (ENODEV: no such
 * device), as a positive errno; or EPROTO if no reply was found or a
 * message or attribute is malformed ('*link' is then undefined). */
int xsk_peer_parse(const void *buf, size_t len, uint32_t seq,
                   struct xsk_peer_link *link);

/* Stores in '*mtu' the MTU of the peer of device 'ifindex' (a veth), which
 * may be in another network namespace.  Returns 0, ENOENT if the device
 * has no peer that links back to it, or another positive errno ('*mtu' is
 * then 0). */
int xsk_peer_mtu(int ifindex, int *mtu);

#endif /* xsk-peer.h */
