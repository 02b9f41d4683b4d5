/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Benchmark reference only: redirects every frame to one interface in the
 * kernel (bpf_redirect()), the fastest path between two veths.  Loaded by
 * utilities/xdp-redirect.c for utilities/ovs-xsk-bench ("kernel" path);
 * never part of the switch.  The target is set before load.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 target_ifindex = 0;

SEC("xdp")
int
bench_redirect(struct xdp_md *ctx)
{
    (void) ctx;
    return bpf_redirect(target_ifindex, 0);
}

char _license[] SEC("license") = "Dual BSD/GPL";
