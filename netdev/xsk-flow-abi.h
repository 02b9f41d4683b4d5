/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_FLOW_ABI_H
#define XSK_FLOW_ABI_H 1

/* The offloaded-flow tables shared by the XDP program
 * (bpf/xsk_redirect.bpf.c), which reads them, and the provider (xsk-flow.c
 * decides what goes in, xsk-prog-flow.c writes them).  Included by both, so
 * only <linux/types.h>.
 *
 * An offloaded flow is an OVS megaflow of one in_port: a masked key and an
 * action.  The program builds one key per frame (struct xsk_flow_key, with
 * OVS's own field semantics, see below), then for each mask of the mask
 * list, in order, looks up (key & mask, mask id) in 'flow_rules'; the first
 * hit's action is applied in the kernel and the frame never reaches the
 * AF_XDP socket.  A frame whose headers the program cannot read exactly as
 * OVS's miniflow_extract() would (fragments, IPv6 extension headers, two
 * VLAN tags, ICMPv6 neighbour discovery, IGMP, truncated or inconsistent
 * headers, headers beyond the first buffer of a multi-buffer frame) is never
 * looked up: it goes to the socket.
 *
 * Two ways out for a matching frame (struct xsk_flow_action's flags): an
 * XDP redirect through the devmap, the cheapest, for outputs that take XDP
 * frames for good; or the skb path, for outputs that cannot or may stop to
 * (a veth takes XDP frames only while its peer runs an XDP program or has
 * GRO on, and an XDP redirect it cannot take is a silent drop), for frames
 * an XDP frame cannot carry (a partial checksum, CHECKSUM_PARTIAL, from a
 * sender with checksum offload, and a GSO super-packet, multi-buffer), and
 * for rules with several outputs: the XDP program passes the frame to the
 * kernel untouched, and the port's tc program (tcx ingress) looks the skb
 * up again and redirects it, after bpf_clone_redirect()ing a copy to each
 * output but the last (an XDP frame cannot be copied cheaply).
 *
 * Atomicity: 'flow_rules' is a hash map without preallocation, so an
 * update replaces an element as a whole (RCU); the program sees the old
 * value or the new, never a mix.  The mask list is read on every frame, so
 * it lives in an array (a lookup the verifier inlines), in
 * XSK_FLOW_N_LISTS copies used in turn: the provider writes the next copy,
 * makes it the one in force ('flow_on'), and rewrites the copy that went
 * out of force only after an RCU grace period has passed (xsk-grace.h), so
 * that a list never changes under a reader, and a few list changes in a
 * row need not wait.  Mask ids are never reused, so a frame classified with an old
 * mask list cannot hit a rule of a newer mask.  Counters are per-CPU, in
 * 'flow_stats' at the rule's stats index ('stats_idx'). */

#include <linux/types.h>

#define XSK_FLOW_MAX_FLOWS 4096     /* Rules (and stats indexes) per port. */
#define XSK_FLOW_MAX_MASKS 16       /* Masks per port: lookups per frame. */
#define XSK_FLOW_MAX_PORTS 64       /* Output ports per port. */
#define XSK_FLOW_N_LISTS 8          /* Copies of the mask list. */
#define XSK_FLOW_MAX_OUTPUTS 4      /* Outputs of one rule. */

/* What the program extracts from a frame, as OVS's struct flow has it.
 * Multi-byte fields are in network byte order.  A field the frame does not
 * have is 0. */
struct xsk_flow_key {
    __u8 dl_dst[6];
    __u8 dl_src[6];
    __be16 dl_type;             /* After the VLAN tag, >= 0x600. */
    __be16 vlan_tci;            /* Tag's TCI | 0x1000 (VLAN_CFI); 0 if no
                                 * tag, as OVS's vlans[0].tci. */
    __be16 vlan_tpid;           /* 0x8100 or 0x88a8; 0 if no tag. */
    __u8 nw_proto;              /* IPv4 protocol or IPv6 next header. */
    __u8 nw_frag;               /* Always 0: fragments are not looked up. */
    __be16 tp_src;              /* TCP/UDP/SCTP port, or ICMP(v6) type. */
    __be16 tp_dst;              /* TCP/UDP/SCTP port, or ICMP(v6) code. */
    __u8 nw_tos;                /* IPv4 TOS or IPv6 traffic class. */
    __u8 nw_ttl;                /* IPv4 TTL or IPv6 hop limit. */
    __u8 pad[2];                /* 0. */
    __be32 ipv6_label;          /* Flow label (20 bits). */
    __be32 nw_src[4];           /* IPv4 address in [0], or IPv6 address. */
    __be32 nw_dst[4];
} __attribute__((aligned(8)));  /* The program masks it as 8 __u64. */

#define XSK_FLOW_KEY_WORDS (sizeof(struct xsk_flow_key) / 8)

/* Key of 'flow_rules'. */
struct xsk_flow_hkey {
    struct xsk_flow_key key;    /* Already masked. */
    __u32 mask_id;
    __u32 pad;                  /* 0. */
};

enum xsk_flow_kind {
    XSK_FLOW_DROP = 1,
    XSK_FLOW_OUTPUT = 2,        /* To each of 'out_ifindex' ('flow_ports'),
                                 * by XDP redirect or the skb path
                                 * (flags). */
    XSK_FLOW_PUNT = 3,          /* To the socket, as if no rule matched: a
                                 * flow OVS keeps but the program can no
                                 * longer carry out; the rule stays only to
                                 * keep its counters for OVS. */
};

#define XSK_FLOW_SET_ETH 1      /* Rewrite the Ethernet addresses first. */
#define XSK_FLOW_VIA_SKB 2      /* Output through the skb path always (the
                                 * output cannot take XDP frames, or may
                                 * stop taking them at any time: a veth;
                                 * or the rule has several outputs). */
#define XSK_FLOW_SKB_OK 4       /* The in_port's tc program is attached, so
                                 * frames an XDP redirect would break
                                 * (partial checksum, multi-buffer) can take
                                 * the skb path; without it they go to OVS. */
#define XSK_FLOW_POP_VLAN 8     /* Remove the frame's VLAN tag first (the
                                 * rule's match requires one). */
#define XSK_FLOW_PUSH_VLAN 16   /* Then insert 'vlan_tpid'/'vlan_tci' as
                                 * the frame's only tag (the match, or
                                 * XSK_FLOW_POP_VLAN, leaves it none). */

/* Value of 'flow_rules': what happens to a matching frame.  An
 * XSK_FLOW_OUTPUT rule sends the frame, after the Ethernet rewrite and the
 * VLAN pop and push if any (the same for every output), to each of its
 * 'n_outputs' outputs in turn; a rule with a VLAN pop or push always takes
 * the skb path (the tc program puts a pushed tag into the frame's data, as
 * OVS's own push_vlan does, so that an XDP receiver sees it too);
 * one with more than one output always takes the skb path, whatever its
 * flags say: the tc program redirects a clone of the skb to each output
 * but the last, and the skb itself to the last. */
struct xsk_flow_action {
    __u32 kind;                 /* enum xsk_flow_kind. */
    __u32 stats_idx;            /* Index in 'flow_stats'. */
    __u32 flags;                /* XSK_FLOW_SET_*. */
    __u32 n_outputs;            /* XSK_FLOW_OUTPUT: 1..XSK_FLOW_MAX_OUTPUTS;
                                 * otherwise 0. */
    __u32 out_ifindex[XSK_FLOW_MAX_OUTPUTS];    /* The first 'n_outputs'
                                                 * are used, the rest 0. */
    __u8 eth_dst[6], eth_dst_mask[6];   /* New bits where the mask is 1. */
    __u8 eth_src[6], eth_src_mask[6];
    __be16 vlan_tpid;           /* XSK_FLOW_PUSH_VLAN: 0x8100 or 0x88a8... */
    __be16 vlan_tci;            /* ...and the TCI as the frame has it (no
                                 * VLAN_CFI "present" bit); otherwise 0. */
};

/* An element of 'flow_lists'. */
struct xsk_flow_mask_list {
    __u32 n_masks;
    __u32 pad;
    __u32 ids[XSK_FLOW_MAX_MASKS];
    struct xsk_flow_key masks[XSK_FLOW_MAX_MASKS];
};

/* Per-CPU value of 'flow_stats'. */
struct xsk_flow_stats {
    __u64 packets;
    __u64 bytes;
    __u64 used_ns;              /* bpf_ktime_get_coarse_ns():
                                 * CLOCK_MONOTONIC_COARSE, the clock of
                                 * CLOCK_MONOTONIC, which OVS's time_msec()
                                 * reads, a tick behind at most. */
};

#endif /* xsk-flow-abi.h */
