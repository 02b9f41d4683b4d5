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
 * SEC("xdp.frags") declares that the program handles multi-buffer frames;
 * without it the kernel limits a veth's peer MTU to about 3.5 KB.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

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

/* True if the frame in 'ctx' goes to the AF_XDP socket. */
static __always_inline int
steer(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
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
    if (hit >= 0 && hit < XSK_STEER_MAX_RULES) {
        count(set_no * XSK_STEER_N_COUNTS + hit);
    }
    if ((hit >= 0) == (set->mode == XSK_STEER_MATCH)) {
        return 1;
    }
    count(set_no * XSK_STEER_N_COUNTS + XSK_STEER_TO_HOST);
    return 0;
}

SEC("xdp.frags")
int
ovs_xsk_prog(struct xdp_md *ctx)
{
    if (!steer(ctx)) {
        return XDP_PASS;
    }
    /* The flags argument is the action when no socket is at the index. */
    return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
