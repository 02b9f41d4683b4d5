/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Benchmark reference only: redirects every frame to one interface in the
 * kernel (bpf_redirect()), the fastest path between two veths; or, as the
 * cheapest receiver, counts frames and drops them.  Loaded by
 * utilities/xdp-redirect.c for utilities/ovs-xsk-bench ("kernel" path, and
 * the "xdp" sink); never part of the switch.  The target is set before
 * load.
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

/* The cheap receiver: counts frames (per CPU) and drops them. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} drop_count SEC(".maps");

SEC("xdp")
int
bench_drop(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&drop_count, &zero);

    (void) ctx;
    if (n) {
        *n += 1;
    }
    return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
