/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ovs-xsk XDP program: sends each received frame to the AF_XDP socket bound
 * to the queue it arrived on.
 *
 * Attached by netdev/xsk-prog.c, one instance per interface, directly (not
 * through libxdp's dispatcher, which cannot load on this kernel).  Frames of
 * a queue with no socket in 'xsks_map' go on to the kernel stack
 * (XDP_PASS), so a queue without a socket keeps working.
 *
 * SEC("xdp.frags") declares that the program handles multi-buffer frames;
 * without it the kernel limits a veth's peer MTU to about 3.5 KB.
 *
 * Later lookup stages (steering rules, flow offload) go in front of the
 * final redirect; this program keeps one stage so that they fit without a
 * rewrite.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XSK_PROG_MAX_QUEUES 64

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, XSK_PROG_MAX_QUEUES);
    __type(key, __u32);
    __type(value, __u32);
} xsks_map SEC(".maps");

SEC("xdp.frags")
int
ovs_xsk_prog(struct xdp_md *ctx)
{
    /* The flags argument is the action when no socket is at the index. */
    return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
