/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_RX_H
#define XSK_RX_H 1

/* The receive path of one AF_XDP queue, over plain descriptors.
 *
 * xsk_rxq_recv() turns what the kernel put on a socket's RX ring into at
 * most XSK_RX_BURST packets, each a buffer the caller (the OVS glue) wraps
 * in a dp_packet:
 *
 *   - a descriptor that fits the MTU stays where it is: its frame becomes the
 *     packet's (no copy);
 *   - a chain (XDP_PKT_CONTD) that fits the MTU is joined once, into a free
 *     frame, or a jumbo slot when it does not fit a frame;
 *   - a TCP super-packet larger than the MTU (generic XDP with a TSO peer:
 *     a chain, or one descriptor when it fits a frame) is joined in
 *     'linear' and cut into MTU-sized segments (xsk-gso), each in a frame of
 *     its own; so is a Geneve super-packet (UDP GSO from a chassis whose
 *     uplink coalesces, xsk-geneve.h) into its Geneve packets;
 *   - unless the caller asks for super-packets whole ('gso_pass': OVS's
 *     userspace TSO is on): then a TCP super-packet is joined once into
 *     malloc'd memory (XSK_RX_SUPER) and goes on whole, marked
 *     XSK_RX_CSUM_GSO, for an output port to send with a GSO request
 *     (xsk-vnet.h) or for OVS to segment;
 *   - anything else that has no frame or slot to go to is copied into
 *     malloc'd memory (XSK_RX_HEAP), which the caller copies and frees.
 *
 * A packet whose TCP/UDP checksum is partial (a veth peer with checksum
 * offload) is reported in its 'csum' (XSK_RX_CSUM_MARK: the glue turns that
 * into OVS's offload flags) or completed (XSK_RX_CSUM_FIX).  Segments of a
 * super-packet always carry complete checksums.
 *
 * Segments beyond the burst wait in the queue's stash and go first on the
 * next call.  A super-packet with more than XSK_RX_MAX_SEGS segments (an MTU
 * below about 576 bytes) is dropped and counted, never written past the
 * stash.
 *
 * Ownership: a packet's frame is XSK_OWNER_PACKET from the moment it is
 * returned; the caller frees it with xsk_frame_packet_free() (the glue's
 * free_afxdp_buf()) or sends it.  Packets in the stash are the queue's until
 * returned; xsk_rxq_uninit() frees them.
 *
 * Thread safety: one thread polls a queue; 'cfg' is written by another
 * thread with relaxed atomic stores and read once per call.  Includes no
 * OVS header. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-sock.h"

#define XSK_RX_HEADROOM 256     /* XDP_PACKET_HEADROOM: where the kernel
                                 * puts received data, and the headroom of
                                 * every packet built here. */
#define XSK_RX_BURST 32         /* Packets per call (OVS's
                                 * NETDEV_MAX_BURST). */
#define XSK_RX_MAX_SEGS 128     /* Segments of one super-packet: a 64 KB
                                 * TCP packet at an MTU of 576 needs 125. */
#define XSK_RX_HEAP UINT32_MAX  /* 'frame' of a packet in malloc'd memory. */
#define XSK_RX_SUPER (UINT32_MAX - 1) /* 'frame' of a whole super-packet:
                                 * 'data' is xsk_rx_super_headroom('len')
                                 * bytes into a malloc'd buffer of that
                                 * many + 'len' bytes, which the caller
                                 * takes over. */

/* A whole super-packet's buffer, headroom included, is at most
 * XSK_RX_SUPER_MAX_BUF bytes: OVS 3.1 keeps a dp_packet's allocated size in
 * 16 bits.  So its headroom is XSK_RX_HEADROOM, or less for a packet of
 * more than XSK_RX_SUPER_MAX_BUF - XSK_RX_HEADROOM bytes, but at least
 * XSK_RX_SUPER_MIN_HEADROOM (room for pushed headers that OVS may add
 * without growing the buffer); a longer one is cut into segments. */
#define XSK_RX_SUPER_MAX_BUF 65535
#define XSK_RX_SUPER_MIN_HEADROOM 128

static inline uint32_t
xsk_rx_super_headroom(uint32_t len)
{
    return (len > XSK_RX_SUPER_MAX_BUF - XSK_RX_HEADROOM
            ? XSK_RX_SUPER_MAX_BUF - len : XSK_RX_HEADROOM);
}

/* Largest packet a descriptor chain can carry: the kernel chains at most 18
 * (MAX_SKB_FRAGS + 1) buffers of at most 4096 bytes. */
#define XSK_MAX_CHAIN_LEN (18 * 4096)

/* What xsk_rxq_recv() does with a partial TCP/UDP checksum (xsk-csum.h):
 * nothing, complete it, or report it in the packet's 'csum' for the kernel
 * of the output port to finish (TX metadata). */
enum xsk_rx_csum_mode {
    XSK_RX_CSUM_KEEP,
    XSK_RX_CSUM_FIX,
    XSK_RX_CSUM_MARK,
};

/* 'csum' of a received packet whose checksum is partial (MARK mode). */
#define XSK_RX_CSUM_TCP 1
#define XSK_RX_CSUM_UDP 2
#define XSK_RX_CSUM_IPV6 4
#define XSK_RX_CSUM_GSO 8       /* A whole TCP super-packet (XSK_RX_SUPER):
                                 * TCP's checksum is partial or not, the
                                 * output finishes it. */

/* One received packet. */
struct xsk_rx_pkt {
    uint8_t *data;              /* In the UMEM, or malloc'd (XSK_RX_HEAP). */
    uint32_t len;
    uint32_t frame;             /* The packet's frame (a jumbo slot's first
                                 * frame), XSK_RX_HEAP or XSK_RX_SUPER. */
    uint32_t csum;              /* XSK_RX_CSUM_* bits: a partial checksum
                                 * left for the output port, or 0. */
};

/* A port's receive settings, shared by its queues.  Written by the
 * configuring thread (relaxed atomic stores), read by the pollers. */
struct xsk_rx_cfg {
    uint32_t mtu;               /* Of the interface: larger IP packets are
                                 * super-packets to cut. */
    uint32_t frame_cap;         /* Bytes a frame holds after the headroom. */
    uint8_t csum_mode;          /* enum xsk_rx_csum_mode. */
};

/* Counters, written by the polling thread only. */
struct xsk_rx_stats {
    uint64_t packets;           /* Packets returned, segments included. */
    uint64_t bytes;
    uint64_t csum_fixed;        /* Partial checksums completed. */
    uint64_t csum_partial;      /* Partial checksums passed on (MARK). */
    uint64_t chains;            /* Multi-buffer packets received. */
    uint64_t super_packets;     /* Super-packets cut into segments. */
    uint64_t gso_segments;      /* Segments cut from them. */
    uint64_t super_whole;       /* Super-packets delivered whole. */
    uint64_t dropped;           /* Packets that could not be delivered. */
};

struct xsk_rxq {
    struct xsk_sock *sock;
    const struct xsk_rx_cfg *cfg;
    bool gso_pass;              /* Deliver TCP super-packets whole; the
                                 * poller's own, set before each call. */
    struct xsk_rx_stats stats;
    uint32_t stash_pos;         /* Next stashed packet to return. */
    uint32_t stash_n;           /* Stashed packets, returned or not. */
    struct xsk_rx_pkt stash[XSK_RX_MAX_SEGS];
    uint8_t *linear;            /* XSK_MAX_CHAIN_LEN bytes, for joining a
                                 * super-packet before cutting it. */
};

/* Allocates the buffer of a whole super-packet (XSK_RX_SUPER), which its
 * user frees with free(): malloc(), unless a unit test counts through it.
 * A chain is joined there only once its first bytes show a TCP
 * super-packet. */
extern void *(*xsk_rx_super_malloc)(size_t);

int xsk_rxq_init(struct xsk_rxq *, struct xsk_sock *,
                 const struct xsk_rx_cfg *);
void xsk_rxq_uninit(struct xsk_rxq *);
uint32_t xsk_rxq_recv(struct xsk_rxq *, struct xsk_tcache *,
                      struct xsk_rx_pkt pkts[XSK_RX_BURST]);
uint32_t xsk_rxq_pending(struct xsk_rxq *);

#endif /* xsk-rx.h */
