/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ovs-xsk XDP program: sends received frames to the AF_XDP socket bound to
 * the queue they arrived on, all of them or, with steering rules, only
 * those the switch should see.
 *
 * Attached by netdev/xsk-prog.c, one instance per interface, directly (not
 * through libxdp's dispatcher, which cannot load on this kernel).  Frames of
 * a queue with no socket in 'xsks_map' go on to the kernel stack
 * (XDP_PASS), so a queue without a socket keeps working.
 *
 * Steering (netdev/xsk-steer-abi.h): unless the active set's mode is "all",
 * the frame's key (destination MAC, outer VLAN, EtherType, IP protocol, L4
 * ports) is looked up under each of the set's masks in turn; whether a hit
 * sends the frame to the socket or to the kernel stack depends on the mode.
 * Every read of the frame is bounds-checked: a truncated or malformed header
 * leaves the fields behind it 0.  Only the first buffer of a multi-buffer
 * frame is read; it always holds the headers.
 *
 * Offloaded flows (netdev/xsk-flow-abi.h): a frame steering sends to the
 * switch is then looked up in the port's offloaded megaflows; a hit is
 * dropped or redirected (devmap 'flow_ports') here, and counted, or passed
 * to the kernel for the tc program below (the skb path, which also copies
 * a frame to several outputs), and never reaches the socket.  parse_flow()
 * reads the headers as OVS's miniflow_extract() does, or gives up on the
 * frame (it then goes to the socket, where OVS classifies it itself): that
 * is what keeps offloaded forwarding exactly OVS's.
 *
 * SEC("xdp.frags") declares that the program handles multi-buffer frames;
 * without it the kernel limits a veth's peer MTU to about 3.5 KB.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xsk-flow-abi.h"
#include "xsk-steer-abi.h"

#define XSK_PROG_MAX_QUEUES 64

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, XSK_PROG_MAX_QUEUES);
    __type(key, __u32);
    __type(value, __u32);
} xsks_map SEC(".maps");

/* Number of the active set (0 or 1). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} steer_active SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, struct xsk_steer_set);
} steer_sets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 2 * XSK_STEER_MAX_RULES);
    __type(key, struct xsk_steer_hkey);
    __type(value, __u32);
} steer_rules SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2 * XSK_STEER_N_COUNTS);
    __type(key, __u32);
    __type(value, __u64);
} steer_counts SEC(".maps");

/* Which of the mask lists in 'flow_lists' is in force, plus 1; 0 if
 * no flow is offloaded, so that a port without offloaded flows pays one
 * array lookup. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} flow_on SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, XSK_FLOW_N_LISTS);
    __type(key, __u32);
    __type(value, struct xsk_flow_mask_list);
} flow_lists SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, XSK_FLOW_MAX_FLOWS);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct xsk_flow_hkey);
    __type(value, struct xsk_flow_action);
} flow_rules SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, XSK_FLOW_MAX_FLOWS);
    __type(key, __u32);
    __type(value, struct xsk_flow_stats);
} flow_stats SEC(".maps");

/* Output ports, by ifindex. */
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, XSK_FLOW_MAX_PORTS);
    __type(key, __u32);
    __type(value, __u32);
} flow_ports SEC(".maps");

struct vlan_hdr {
    __be16 tci;
    __be16 encap_proto;
};

/* Fills 'k' from the frame in [data, end). */
static __always_inline void
parse_key(void *data, void *end, struct xsk_steer_key *k)
{
    struct ethhdr *eth = data;
    __u32 off = sizeof *eth;
    __be16 proto;
    __u32 l4 = 0;

    if ((void *) (eth + 1) > end) {
        return;
    }
    __builtin_memcpy(k->dst_mac, eth->h_dest, ETH_ALEN);
    proto = eth->h_proto;

#pragma unroll
    for (int i = 0; i < 2; i++) {
        struct vlan_hdr *vh = data + off;

        if (proto != bpf_htons(ETH_P_8021Q)
            && proto != bpf_htons(ETH_P_8021AD)) {
            break;
        }
        if ((void *) (vh + 1) > end) {
            return;
        }
        if (!i) {
            k->vlan = (bpf_ntohs(vh->tci) & 0x0fff) | XSK_STEER_VLAN_PRESENT;
        }
        proto = vh->encap_proto;
        off += sizeof *vh;
    }
    k->ethertype = proto;

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = data + off;
        __u32 ihl;

        if ((void *) (ip + 1) > end) {
            return;
        }
        ihl = ip->ihl * 4;
        if (ihl < sizeof *ip) {
            return;
        }
        k->ip_proto = ip->protocol;
        if (ip->frag_off & bpf_htons(0x1fff)) {
            return;             /* Not the first fragment: no ports. */
        }
        l4 = off + ihl;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = data + off;

        if ((void *) (ip6 + 1) > end) {
            return;
        }
        k->ip_proto = ip6->nexthdr;
        l4 = off + sizeof *ip6;
    }

    if (l4 && (k->ip_proto == IPPROTO_TCP || k->ip_proto == IPPROTO_UDP)) {
        __be16 *ports = data + l4;

        if ((void *) (ports + 2) > end) {
            return;
        }
        k->src_port = ports[0];
        k->dst_port = ports[1];
    }
}

static __always_inline void
count(__u32 index)
{
    __u64 *c = bpf_map_lookup_elem(&steer_counts, &index);

    if (c) {
        *c += 1;
    }
}

/* True if the frame in [data, end) goes to the switch (AF_XDP socket or
 * offloaded flow).  Counts the hit if 'counted'. */
static __always_inline int
steer(void *data, void *end, bool counted)
{
    struct xsk_steer_hkey hk = { 0 };
    struct xsk_steer_key k = { 0 };
    struct xsk_steer_set *set;
    __u32 zero = 0, set_no;
    __u32 *active;
    int hit = -1;

    active = bpf_map_lookup_elem(&steer_active, &zero);
    if (!active) {
        return 1;
    }
    set_no = *active & 1;
    set = bpf_map_lookup_elem(&steer_sets, &set_no);
    if (!set || set->mode == XSK_STEER_ALL) {
        return 1;
    }

    parse_key(data, end, &k);
    for (__u32 m = 0; m < XSK_STEER_MAX_MASKS; m++) {
        __u64 *kw = (__u64 *) &k, *mw, *hw = (__u64 *) &hk.key;
        __u32 *rule;

        if (m >= set->n_masks) {
            break;
        }
        mw = (__u64 *) &set->masks[m];
        hw[0] = kw[0] & mw[0];
        hw[1] = kw[1] & mw[1];
        hk.set_mask = set_no << 8 | m;
        rule = bpf_map_lookup_elem(&steer_rules, &hk);
        if (rule) {
            hit = *rule & 0xff;
            break;
        }
    }
    if (counted && hit >= 0 && hit < XSK_STEER_MAX_RULES) {
        count(set_no * XSK_STEER_N_COUNTS + hit);
    }
    if ((hit >= 0) == (set->mode == XSK_STEER_MATCH)) {
        return 1;
    }
    if (counted) {
        count(set_no * XSK_STEER_N_COUNTS + XSK_STEER_TO_HOST);
    }
    return 0;
}


/* True if the TCP/UDP checksum 'check' of a frame with key 'k' and 'l4_len'
 * bytes of L4 holds just the folded pseudo-header sum: a veth peer that
 * sends with checksum offload leaves it so (CHECKSUM_PARTIAL).  An XDP
 * frame cannot carry that state, so such a frame takes the skb path, where
 * the kernel keeps it, or goes to OVS.  A complete checksum equal to that
 * sum (1 in 65536) takes the same way, which costs time, not correctness.  One's complement sums do not depend on
 * byte order as long as every word is taken as it is in memory. */
static __always_inline bool
csum_is_partial(const struct xsk_flow_key *k, __u32 l4_len, __u16 check)
{
    __u32 sum = bpf_htons(k->nw_proto) + bpf_htons(l4_len);
    int n = k->dl_type == bpf_htons(ETH_P_IP) ? 1 : 4;

#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (i < n) {
            sum += (k->nw_src[i] & 0xffff) + (k->nw_src[i] >> 16);
            sum += (k->nw_dst[i] & 0xffff) + (k->nw_dst[i] >> 16);
        }
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return check == sum;
}

/* Fills 'k' from the frame whose first buffer is [data, end) and whose
 * length, all buffers together, is 'flen', as OVS's miniflow_extract()
 * would fill struct flow; sets '*partial' if its TCP/UDP checksum looks
 * partial.  If 'tpid' is not 0, the frame's outer VLAN tag is 'tpid' and
 * 'tci' (network byte order), out of the data: an skb's accelerated tag,
 * as the kernel makes it from a received tagged frame before tc sees it.
 * The headers must lie in the first buffer.  Returns 0, or -1 if the frame
 * must go to OVS because it cannot be read here exactly as OVS reads it. */
static __always_inline int
parse_flow(void *data, void *end, __u32 flen, __be16 tpid, __be16 tci,
           struct xsk_flow_key *k, bool *partial)
{
    struct ethhdr *eth = data;
    __u32 off = sizeof *eth;
    __u32 l4, l4_len;
    __be16 proto;

    if ((void *) (eth + 1) > end) {
        return -1;
    }
    __builtin_memcpy(k->dl_dst, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(k->dl_src, eth->h_source, ETH_ALEN);
    proto = eth->h_proto;
    if (tpid) {
        k->vlan_tpid = tpid;
        k->vlan_tci = tci | bpf_htons(XSK_STEER_VLAN_PRESENT);
        if (proto == bpf_htons(ETH_P_8021Q)
            || proto == bpf_htons(ETH_P_8021AD)) {
            return -1;          /* Second tag. */
        }
    } else if (proto == bpf_htons(ETH_P_8021Q)
               || proto == bpf_htons(ETH_P_8021AD)) {
        struct vlan_hdr *vh = data + off;

        if ((void *) (vh + 1) > end) {
            return -1;
        }
        k->vlan_tpid = proto;
        k->vlan_tci = vh->tci | bpf_htons(XSK_STEER_VLAN_PRESENT);
        proto = vh->encap_proto;
        off += sizeof *vh;
        if (proto == bpf_htons(ETH_P_8021Q)
            || proto == bpf_htons(ETH_P_8021AD)) {
            return -1;          /* Second tag: OVS reads it, we do not. */
        }
    }
    if (bpf_ntohs(proto) < ETH_P_802_3_MIN) {
        return -1;              /* 802.2 LLC/SNAP. */
    }
    k->dl_type = proto;

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = data + off;
        __u32 ihl, tot;

        if ((void *) (ip + 1) > end) {
            return -1;
        }
        ihl = ip->ihl * 4;
        tot = bpf_ntohs(ip->tot_len);
        if (ihl < sizeof *ip || ihl > tot || off + tot > flen) {
            return -1;
        }
        if (ip->frag_off & bpf_htons(0x3fff)) {
            return -1;          /* A fragment (MF or offset). */
        }
        k->nw_proto = ip->protocol;
        k->nw_tos = ip->tos;
        k->nw_ttl = ip->ttl;
        k->nw_src[0] = ip->saddr;
        k->nw_dst[0] = ip->daddr;
        l4 = off + ihl;
        l4_len = tot - ihl;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = data + off;
        __u32 plen;

        if ((void *) (ip6 + 1) > end) {
            return -1;
        }
        plen = bpf_ntohs(ip6->payload_len);
        if (off + sizeof *ip6 + plen > flen) {
            return -1;
        }
        switch (ip6->nexthdr) {
        case IPPROTO_HOPOPTS:
        case IPPROTO_ROUTING:
        case IPPROTO_FRAGMENT:
        case IPPROTO_AH:
        case IPPROTO_DSTOPTS:
            return -1;          /* Extension headers: OVS walks them. */
        }
        k->nw_proto = ip6->nexthdr;
        k->nw_tos = bpf_ntohl(*(__be32 *) ip6) >> 20;
        k->nw_ttl = ip6->hop_limit;
        k->ipv6_label = *(__be32 *) ip6 & bpf_htonl(0xfffff);
        __builtin_memcpy(k->nw_src, &ip6->saddr, 16);
        __builtin_memcpy(k->nw_dst, &ip6->daddr, 16);
        l4 = off + sizeof *ip6;
        l4_len = plen;
    } else {
        return 0;               /* L2 only (ARP's fields are not read:
                                 * flows that match them stay in OVS). */
    }

    if (l4 > 14 + 4 + 60) {
        return -1;              /* Cannot be; bounds 'l4' for the verifier. */
    }
    switch (k->nw_proto) {
    case IPPROTO_TCP: {
        struct tcphdr *th = data + l4;
        __u32 doff;

        if (l4_len < sizeof *th || (void *) (th + 1) > end) {
            return -1;
        }
        doff = th->doff * 4;
        if (doff < sizeof *th || doff > l4_len) {
            return -1;
        }
        *partial = csum_is_partial(k, l4_len, th->check);
        k->tp_src = th->source;
        k->tp_dst = th->dest;
        break;
    }
    case IPPROTO_UDP:
    case IPPROTO_SCTP: {
        __be16 *ports = data + l4;

        if (l4_len < (k->nw_proto == IPPROTO_UDP ? 8 : 12)
            || (void *) (ports + 4) > end) {
            return -1;
        }
        if (k->nw_proto == IPPROTO_UDP) {
            *partial = csum_is_partial(k, l4_len, ports[3]);
        }
        k->tp_src = ports[0];
        k->tp_dst = ports[1];
        break;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
        __u8 *icmp = data + l4;

        if (l4_len < 8 || (void *) (icmp + 2) > end) {
            return -1;
        }
        if (k->nw_proto == IPPROTO_ICMPV6 && !icmp[1]
            && (icmp[0] == 135 || icmp[0] == 136)) {
            return -1;          /* Neighbour discovery: OVS reads more. */
        }
        k->tp_src = bpf_htons(icmp[0]);
        k->tp_dst = bpf_htons(icmp[1]);
        break;
    }
    case IPPROTO_IGMP:
        return -1;              /* OVS reads the group too. */
    }
    return 0;
}

/* Applies the masked write of 'v'/'m' to the 6 bytes at 'p'. */
static __always_inline void
set_masked_mac(__u8 *p, const __u8 *v, const __u8 *m)
{
#pragma unroll
    for (int i = 0; i < ETH_ALEN; i++) {
        p[i] = (p[i] & ~m[i]) | (v[i] & m[i]);
    }
}

/* Whether a frame of 'flen' bytes fits the MTU of 'ifindex' (0: the
 * device it arrived on), as the kernel's is_skb_forwardable() sees it: the
 * MTU plus an Ethernet header and a VLAN tag. */
static __always_inline bool
fits_mtu(void *ctx, __u32 ifindex, __u32 flen)
{
    __u32 mtu = 0;

    /* With 'mtu' 0 in, the helper stores the device's MTU; its own verdict
     * would be on an XDP frame's first buffer only. */
    if (bpf_check_mtu(ctx, ifindex, &mtu, 0, 0) < 0) {
        return false;
    }
    return flen <= mtu + ETH_HLEN + 4;
}

/* Looks the frame whose first buffer is [data, end), whose length is
 * 'flen' and whose tag out of the data, if any, is 'tpid'/'tci' up in the
 * offloaded flows.  Returns the matching rule, or NULL if none matches or
 * the frame cannot be looked up; sets '*partial' as parse_flow() does. */
static __always_inline struct xsk_flow_action *
lookup(void *data, void *end, __u32 flen, __be16 tpid, __be16 tci,
       bool *partial)
{
    struct xsk_flow_hkey hk = { 0 };
    struct xsk_flow_key k = { 0 };
    struct xsk_flow_mask_list *list;
    __u32 zero = 0, list_no;
    __u32 *on;

    on = bpf_map_lookup_elem(&flow_on, &zero);
    if (!on || !*on) {
        return NULL;
    }
    list_no = *on - 1;
    list = bpf_map_lookup_elem(&flow_lists, &list_no);
    if (!list || parse_flow(data, end, flen, tpid, tci, &k, partial)) {
        return NULL;
    }
    for (__u32 m = 0; m < XSK_FLOW_MAX_MASKS; m++) {
        __u64 *kw = (__u64 *) &k, *hw = (__u64 *) &hk.key, *mw;
        struct xsk_flow_action *act;

        if (m >= list->n_masks) {
            break;
        }
        mw = (__u64 *) &list->masks[m];
#pragma unroll
        for (int w = 0; w < XSK_FLOW_KEY_WORDS; w++) {
            hw[w] = kw[w] & mw[w];
        }
        hk.mask_id = list->ids[m];
        act = bpf_map_lookup_elem(&flow_rules, &hk);
        if (act) {
            return act;
        }
    }
    return NULL;
}

/* Adds a frame of 'flen' bytes to the counters of rule 'act'. */
static __always_inline void
count_flow(const struct xsk_flow_action *act, __u32 flen)
{
    struct xsk_flow_stats *st = bpf_map_lookup_elem(&flow_stats,
                                                    &act->stats_idx);

    if (st) {
        st->packets++;
        st->bytes += flen;
        /* Coarse (a tick, some ms): OVS wants milliseconds, and it is
         * cheaper than bpf_ktime_get_ns() on every frame. */
        st->used_ns = bpf_ktime_get_coarse_ns();
    }
}

/* The length of a frame of 'flen' bytes once rule 'act' has popped or
 * pushed its VLAN tag. */
static __always_inline __u32
out_len(const struct xsk_flow_action *act, __u32 flen)
{
    if (act->flags & XSK_FLOW_POP_VLAN) {
        flen -= 4;
    }
    if (act->flags & XSK_FLOW_PUSH_VLAN) {
        flen += 4;
    }
    return flen;
}

/* Whether every output of rule 'act' is in the devmap (it leaves when no
 * rule outputs there any more) and, unless 'gso', takes a frame of 'flen'
 * bytes (the output's MTU).  'ctx' is the XDP or tc context. */
static __always_inline bool
outputs_ready(void *ctx, const struct xsk_flow_action *act, __u32 flen,
              bool gso)
{
#pragma unroll
    for (int i = 0; i < XSK_FLOW_MAX_OUTPUTS; i++) {
        if (i >= act->n_outputs) {
            break;
        }
        if (!bpf_map_lookup_elem(&flow_ports, &act->out_ifindex[i])
            || (!gso && !fits_mtu(ctx, act->out_ifindex[i], flen))) {
            return false;
        }
    }
    return act->n_outputs >= 1;
}

/* Looks the frame up in the offloaded flows.  Returns the XDP action of
 * the matching flow, or -1 if none matches (or the frame cannot be looked
 * up, or the flow cannot take it): then it goes to the socket.  A frame
 * for the skb path is passed on untouched: the tc program looks it up
 * again and carries the rule out (XDP metadata cannot carry the verdict:
 * a multi-buffer program may not add any). */
static __always_inline int
offload(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    __u32 flen = bpf_xdp_get_buff_len(ctx);
    struct xsk_flow_action *act;
    bool partial = false;
    int ret;

    act = lookup(data, end, flen, 0, 0, &partial);
    if (!act || act->kind == XSK_FLOW_PUNT) {
        return -1;
    }
    if (act->kind != XSK_FLOW_OUTPUT) {
        count_flow(act, flen);
        return XDP_DROP;
    }

    if (act->flags & XSK_FLOW_VIA_SKB || act->n_outputs != 1 || partial
        || flen != end - data) {
        /* A frame that would not fit an output's MTU goes to OVS: the
         * kernel would drop it.  A frame too big for the device it came
         * in on is a GSO super-packet, which the kernel cuts to size and
         * which has no MTU check to pass.  Several outputs: only the skb
         * path can copy the frame.  A VLAN pop or push (always the skb
         * path) changes the length the outputs get. */
        if (!(act->flags & XSK_FLOW_SKB_OK)
            || !outputs_ready(ctx, act, out_len(act, flen),
                              !fits_mtu(ctx, 0, flen))) {
            return -1;
        }
        return XDP_PASS;
    }

    /* Redirect first: if the port has left the devmap, the frame goes to
     * OVS unmodified. */
    ret = bpf_redirect_map(&flow_ports, act->out_ifindex[0], 0);
    if (ret != XDP_REDIRECT) {
        return -1;
    }
    if (act->flags & XSK_FLOW_SET_ETH) {
        struct ethhdr *eth = data;

        if ((void *) (eth + 1) > end) {
            return -1;
        }
        set_masked_mac(eth->h_dest, act->eth_dst, act->eth_dst_mask);
        set_masked_mac(eth->h_source, act->eth_src, act->eth_src_mask);
    }
    count_flow(act, flen);
    return ret;
}

SEC("xdp.frags")
int
ovs_xsk_prog(struct xdp_md *ctx)
{
    int ret;

    if (!steer((void *) (long) ctx->data, (void *) (long) ctx->data_end,
               true)) {
        return XDP_PASS;
    }
    ret = offload(ctx);
    if (ret >= 0) {
        return ret;
    }
    /* The flags argument is the action when no socket is at the index. */
    return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

/* Makes sure 'skb' starts with its Ethernet header, as a tc program at
 * ingress normally sees it.  After generic XDP had to copy an skb (kernel
 * 6.18), the copy reaches tc with a MAC header length of 0, so that its
 * data starts at the IP header and a redirect of it would fail: then the
 * header, still in place before the data, is pushed back.  Returns false
 * if the skb cannot be made so. */
static __always_inline bool
has_mac_header(struct __sk_buff *skb)
{
    void *data = (void *) (long) skb->data;
    void *end = (void *) (long) skb->data_end;
    struct ethhdr eth;

    if (data + sizeof eth <= end
        && ((struct ethhdr *) data)->h_proto == skb->protocol) {
        return true;
    }
    if (bpf_skb_load_bytes_relative(skb, 0, &eth, sizeof eth,
                                    BPF_HDR_START_MAC)
        || eth.h_proto != skb->protocol
        || bpf_skb_change_head(skb, sizeof eth, 0)
        || bpf_skb_store_bytes(skb, 0, &eth, sizeof eth, 0)) {
        return false;
    }
    return true;
}

/* Inserts rule 'act''s VLAN tag into the data of 'skb', which has none,
 * after the Ethernet addresses: in the frame, where OVS's push_vlan puts
 * it.  (bpf_skb_vlan_push() would make it an accelerated tag, which a
 * veth hands on as it is, so that an XDP program or AF_XDP socket behind
 * the veth's peer would never see it.)  The network header stays where it
 * is, so the MAC header becomes 18 bytes long, and a partial checksum's
 * offsets still hold.  Returns false if the skb cannot be grown. */
static __always_inline bool
push_vlan(struct __sk_buff *skb, const struct xsk_flow_action *act)
{
    __u8 hdr[16];

    if (bpf_skb_change_head(skb, 4, 0)
        || bpf_skb_load_bytes(skb, 4, hdr, 12)) {
        return false;
    }
    __builtin_memcpy(hdr + 12, &act->vlan_tpid, 2);
    __builtin_memcpy(hdr + 14, &act->vlan_tci, 2);
    return !bpf_skb_store_bytes(skb, 0, hdr, sizeof hdr, 0);
}

/* The tc half of the skb path (xsk-flow-abi.h), attached at the port's
 * tcx ingress.  It sees what the XDP program passed to the kernel: frames
 * of the skb path, and frames that steering or a queue without a socket
 * sends to the kernel stack.  An skb that steering sends to the switch and
 * that an XSK_FLOW_OUTPUT rule with the skb path matches goes to the
 * egress of each output port as it is (GSO, checksum state): a clone to
 * each output but the last (bpf_clone_redirect(), at once), the skb itself
 * to the last (bpf_redirect(), when the program returns), after the
 * rule's rewrite, VLAN pop (of the data's tag or the accelerated one) and
 * VLAN push (into the data).  Any other is left to what comes next
 * (TCX_NEXT).  A received tag is out of the data by now (the kernel made
 * it the skb's accelerated tag), so the lookup takes it from there. */
SEC("tc")
int
ovs_xsk_tc(struct __sk_buff *skb)
{
    struct xsk_flow_action *act;
    __be16 tpid = 0, tci = 0;
    bool partial = false;
    void *data, *end;
    __u32 last = 0;
    __u32 flen;
    __u8 mac[12];

    if (!has_mac_header(skb)) {
        return -1;
    }
    /* The headers the parser reads must be in the linear part (for an
     * skb that has them there, as almost every one does, this costs a
     * check). */
    bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
    data = (void *) (long) skb->data;
    end = (void *) (long) skb->data_end;
    if (!steer(data, end, false)) {
        return -1;
    }
    flen = skb->len;
    if (skb->vlan_present) {
        tpid = skb->vlan_proto;
        tci = bpf_htons(skb->vlan_tci);
        flen += 4;              /* The frame's length with its tag, as
                                 * OVS counts it and the MTU check takes
                                 * it. */
    }
    act = lookup(data, end, skb->len, tpid, tci, &partial);
    if (!act || act->kind != XSK_FLOW_OUTPUT
        || !(act->flags & XSK_FLOW_SKB_OK)
        || !outputs_ready(skb, act, out_len(act, flen), skb->gso_segs > 1)) {
        return -1;
    }
    if (act->flags & XSK_FLOW_SET_ETH) {
        if (bpf_skb_load_bytes(skb, 0, mac, sizeof mac)) {
            return -1;
        }
        set_masked_mac(mac, act->eth_dst, act->eth_dst_mask);
        set_masked_mac(mac + 6, act->eth_src, act->eth_src_mask);
        if (bpf_skb_store_bytes(skb, 0, mac, sizeof mac, 0)) {
            return -1;
        }
    }
    if ((act->flags & XSK_FLOW_POP_VLAN && bpf_skb_vlan_pop(skb))
        || (act->flags & XSK_FLOW_PUSH_VLAN && !push_vlan(skb, act))) {
        return -1;
    }
    count_flow(act, flen);
#pragma unroll
    for (int i = 1; i < XSK_FLOW_MAX_OUTPUTS; i++) {
        if (i >= act->n_outputs) {
            break;
        }
        /* A clone that cannot be made or sent is lost to that output
         * only, as a full queue would lose it. */
        bpf_clone_redirect(skb, act->out_ifindex[last], 0);
        last = i;
    }
    return bpf_redirect(act->out_ifindex[last], 0);
}

char _license[] SEC("license") = "Dual BSD/GPL";
