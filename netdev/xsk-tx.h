/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_TX_H
#define XSK_TX_H 1

/* The transmit path of one AF_XDP socket, over plain packet buffers.
 *
 * xsk_tx_burst() puts up to 32 packets on a socket's TX ring, each in the
 * cheapest way it can go:
 *
 *   - zero-copy: a packet whose buffer is a frame of the socket's UMEM that
 *     a packet owns goes on the ring as it is (one descriptor), and a jumbo
 *     slot as a chain cut at frame boundaries (xsk_slot_packet_to_tx());
 *   - copy: anything else is copied into free frames, as a chain
 *     (XDP_PKT_CONTD) when it does not fit one frame and the socket takes
 *     chains.
 *
 * A packet whose TCP/UDP checksum is still partial ('csum_start' set) goes
 * with TX metadata (XDP_TX_METADATA, XDP_TXMD_FLAGS_CHECKSUM) when its UMEM
 * has them ('tx_md_len'), and the kernel finishes the checksum or, over a
 * veth, hands it on as CHECKSUM_PARTIAL, as a plain veth would; without
 * metadata a one-frame packet's checksum is finished here.  With metadata,
 * the kernel wants 'tx_md_len' bytes in front of every descriptor within
 * its frame, so a jumbo slot, whose frames carry data from their first
 * byte, is copied instead of sent as it is, and copies start 'tx_md_len'
 * bytes into their frames.
 *
 * Then it asks the kernel to transmit (xsk_sock_kick()).  Frames put on the
 * ring come back through the completion ring, which every call reaps first.
 *
 * Ownership: the packets whose bit is set in the returned mask were handed
 * to the ring (their frames are XSK_OWNER_TX now): the caller must forget
 * them without freeing.  Every other packet is still the caller's to free,
 * sent (copied) or not.
 *
 * Thread safety: one sender at a time per socket (the caller's TX lock).
 * Includes no OVS header. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-sock.h"

#define XSK_TX_BURST 32         /* Packets per call: bits of the mask. */
#define XSK_TX_COPY UINT32_MAX  /* 'frame' of a packet not in the UMEM. */

/* One packet to send. */
struct xsk_tx_pkt {
    const uint8_t *data;
    uint32_t len;
    uint32_t frame;             /* The packet's frame of the socket's UMEM
                                 * (a jumbo slot's first frame), or
                                 * XSK_TX_COPY. */
    uint16_t csum_start;        /* Partial checksum: where its sum starts,
                                 * or 0 if the packet has none. */
    uint16_t csum_offset;       /* From there to the checksum field. */
    bool gso;                   /* A TCP super-packet to send whole with a
                                 * GSO request (xsk_port_send()); its
                                 * bytes may be changed. */
};

/* Counters, written by the sender only. */
struct xsk_tx_stats {
    uint64_t packets;           /* Put on the ring, either way. */
    uint64_t bytes;
    uint64_t dropped;           /* All drops, the three below included. */
    uint64_t too_big;           /* Empty, or more than the socket sends. */
    uint64_t ring_full;         /* No room on the TX ring. */
    uint64_t no_frame;          /* No free frame to copy into. */
    uint64_t zero_copy;         /* Sent without a copy. */
    uint64_t copied;
    uint64_t zero_copy_chains;  /* Jumbo slots sent as chains. */
    uint64_t copied_chains;     /* Packets copied into a chain. */
    uint64_t csum_offloaded;    /* Sent with a checksum request. */
    uint64_t csum_finished;     /* Partial checksums finished here. */
    uint64_t gso_packets;       /* Super-packets sent whole with a GSO
                                 * request (xsk-vnet.h, xsk_port_send()). */
    uint64_t gso_failed;        /* Of those, refused by the kernel (also
                                 * in 'dropped'). */
    uint64_t coal_runs;         /* Runs of segments sent as one
                                 * super-packet (xsk-coal.h)... */
    uint64_t coal_segments;     /* ...of this many segments (also in
                                 * 'packets'). */
    uint64_t coal_failed;       /* Runs the kernel refused, then sent
                                 * segment by segment (Geneve runs too). */
    uint64_t geneve_runs;       /* Runs of Geneve packets sent as one UDP
                                 * super-packet (xsk-geneve.h)... */
    uint64_t geneve_packets;    /* ...of this many packets (also in
                                 * 'packets'). */
};

uint32_t xsk_tx_burst(struct xsk_sock *, struct xsk_tcache *,
                      const struct xsk_tx_pkt *, uint32_t n,
                      struct xsk_tx_stats *);

#endif /* xsk-tx.h */
