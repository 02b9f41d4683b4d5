/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Benchmark generator only: the XDP program that utilities/xdp-gen.c runs
 * with BPF_PROG_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES).  The
 * kernel hands it copies of xdp-gen's template frame (xt-frame.h, the
 * same frame xsk-gen sends) from a page pool; it stamps each with the next
 * sequence number, its flow's UDP source port and the UDP checksum that
 * follows from them, then redirects it to the generator's interface, whose
 * ndo_xdp_xmit sends it on (for a veth: to the peer).  Never part of the
 * switch.  The settings are fixed before load.
 *
 * The page pool recycles pages without copying the template again, so
 * every field that differs per frame is written here on every run.  One
 * BPF_PROG_RUN runs on one CPU with migration off, and xdp-gen makes one
 * call at a time; in fan-out mode every copy is stamped in the softirq of
 * the CPU that sent the seed, the one xdp-gen is pinned to: 'next_seq'
 * needs no atomic update.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Test frame offsets (utilities/xsk-tools.h). */
#define GEN_UDP_OFS 34
#define GEN_CSUM_OFS 40
#define GEN_SEQ_OFS 46
#define GEN_MIN_FRAME 60
#define GEN_MAX_FANOUT 64     /* xdp-gen.c: GEN_MAX_FANOUT. */

const volatile __u32 out_ifindex = 0;   /* Where frames go. */
const volatile __u32 csum_base = 0;     /* xt_frame_build()'s sum. */
const volatile __u32 udp_csum = 1;      /* 0: leave the checksum 0. */
const volatile __u32 src_port = 1024;   /* Source port of flow 0. */
const volatile __u32 flows = 1;         /* Ports src_port...+flows-1. */
const volatile __u32 hold_ifindex = 0;  /* xdp-gen -H: attached here. */

__u64 next_seq = 0;                     /* Frames stamped so far. */

/* Stamps the test frame in 'ctx' (a copy of the template) as frame number
 * 'next_seq' and counts it.  Returns 0 if the frame is too short, else 1. */
static __always_inline int
stamp(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *) (long) ctx->data;
    __u8 *data_end = (__u8 *) (long) ctx->data_end;
    __u64 seq = next_seq;
    __u64 sum, seq_be;
    __u16 port, csum;

    /* xdp-gen never sends less than a minimum frame; the check is for the
     * verifier, which must see every write below within the frame. */
    if (data + GEN_MIN_FRAME > data_end) {
        return 0;
    }
    next_seq = seq + 1;

    port = src_port + (flows > 1 ? seq % flows : 0);
    *(__u16 *) (data + GEN_UDP_OFS) = bpf_htons(port);
    seq_be = bpf_cpu_to_be64(seq);
    __builtin_memcpy(data + GEN_SEQ_OFS, &seq_be, sizeof seq_be);

    if (udp_csum) {
        /* As xt_frame_csum(): the template's sum plus the 16-bit words
         * that differ.  At most 6 words of 16 bits, so two folds leave
         * 16 bits. */
        sum = (__u64) csum_base + port + (seq >> 48) + (seq >> 32 & 0xffff)
              + (seq >> 16 & 0xffff) + (seq & 0xffff);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        csum = ~sum & 0xffff;
        *(__u16 *) (data + GEN_CSUM_OFS) = bpf_htons(csum ? csum : 0xffff);
    }
    return 1;
}

/* Live-frames mode: stamps the frame and sends it on.  With xdp-gen -H it
 * is also attached to an idle interface only to stay in the kernel's XDP
 * dispatcher; whatever arrives there goes to the stack untouched. */
SEC("xdp")
int
bench_gen(struct xdp_md *ctx)
{
    if (hold_ifindex && ctx->ingress_ifindex == hold_ifindex) {
        return XDP_PASS;
    }
    if (!stamp(ctx)) {
        return XDP_ABORTED;
    }
    return bpf_redirect(out_ifindex, 0);
}

/* Fan-out mode, for kernels that refuse live frames: attached to the seed
 * veth, it sends every seed frame to each of 'fanout_map''s entries, which
 * xdp-gen fills with the output interface, K times over.  The kernel
 * copies the frame once per entry; bench_stamp then stamps each copy. */
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, GEN_MAX_FANOUT);
    __type(key, __u32);
    __type(value, struct bpf_devmap_val);
} fanout_map SEC(".maps");

SEC("xdp")
int
bench_fanout(struct xdp_md *ctx)
{
    (void) ctx;
    return bpf_redirect_map(&fanout_map, 0, BPF_F_BROADCAST);
}

/* Runs on each copy as the devmap sends it (BPF_XDP_DEVMAP). */
SEC("xdp/devmap")
int
bench_stamp(struct xdp_md *ctx)
{
    return stamp(ctx) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
