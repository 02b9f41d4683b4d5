/* SPDX-License-Identifier: Apache-2.0 */

/* The offloaded-flow backend (xsk-flow.h) over a loaded program's maps
 * (xsk-flow-abi.h): 'flow_rules', 'flow_lists', 'flow_on', 'flow_ports'
 * and 'flow_stats'. */

#include "xsk-prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk-compat.h"
#include "xsk-percpu.h"
#include "xsk-bpf/xsk_redirect.skel.h"

static int
map_update(const struct bpf_map *map, const void *key, const void *value)
{
    return bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY)
           ? errno : 0;
}

static int
map_delete(const struct bpf_map *map, const void *key)
{
    if (bpf_map_delete_elem(bpf_map__fd(map), key)) {
        return errno == ENOENT ? 0 : errno;
    }
    return 0;
}

static int
rule_put(void *prog_, const struct xsk_flow_hkey *hk,
         const struct xsk_flow_action *a)
{
    struct xsk_prog *prog = prog_;
    struct xsk_flow_action copy;

    if (prog->tc_link_fd < 0 && a->flags & XSK_FLOW_SKB_OK) {
        /* A rule made for a program with the skb path (one that replaced
         * it had no tc link): never hand frames to a tc program that is
         * not there, which would drop them. */
        copy = *a;
        copy.flags &= ~XSK_FLOW_SKB_OK;
        if (copy.flags & XSK_FLOW_VIA_SKB) {
            copy.kind = XSK_FLOW_PUNT;
        }
        a = &copy;
    }
    return map_update(prog->skel->maps.flow_rules, hk, a);
}

static int
rule_del(void *prog_, const struct xsk_flow_hkey *hk)
{
    struct xsk_prog *prog = prog_;

    return map_delete(prog->skel->maps.flow_rules, hk);
}

/* Puts 'list' in force.  An empty list is one write of 'flow_on'.  Any
 * other goes into the next copy of the mask list first: that copy went out
 * of force at least XSK_FLOW_N_LISTS - 1 writes ago; if no RCU grace
 * period has passed since, a program may still be reading it, and this
 * waits for one. */
static int
masks_put(void *prog_, const struct xsk_flow_mask_list *list)
{
    struct xsk_prog *prog = prog_;
    struct xsk_grace_gens *gens = &prog->flow_list_gens;
    uint32_t next = xsk_grace_gens_next(gens);
    uint32_t zero = 0, on = 0;
    int error = 0;

    if (list->n_masks) {
        on = next + 1;
        error = xsk_grace_gens_wait_next(gens);
        if (!error) {
            error = map_update(prog->skel->maps.flow_lists, &next, list);
        }
    }
    if (!error) {
        error = map_update(prog->skel->maps.flow_on, &zero, &on);
    }
    if (error) {
        return error;
    }
    if (on) {
        xsk_grace_gens_commit(gens);
    } else {
        xsk_grace_gens_retire(gens);
    }
    return 0;
}

static bool
masks_busy(void *prog_)
{
    struct xsk_prog *prog = prog_;

    return xsk_grace_gens_next_busy(&prog->flow_list_gens);
}

static int
port_put(void *prog_, int ifindex)
{
    struct xsk_prog *prog = prog_;
    uint32_t key = ifindex, value = ifindex;

    return map_update(prog->skel->maps.flow_ports, &key, &value);
}

static int
port_del(void *prog_, int ifindex)
{
    struct xsk_prog *prog = prog_;
    uint32_t key = ifindex;

    return map_delete(prog->skel->maps.flow_ports, &key);
}

static int
stats_reset(void *prog_, uint32_t stats_idx)
{
    struct xsk_prog *prog = prog_;

    return xsk_percpu_zero(bpf_map__fd(prog->skel->maps.flow_stats),
                           &stats_idx, sizeof(struct xsk_flow_stats));
}

/* Adds one CPU's flow statistics 'value_' to 'acc_' (xsk_percpu_fold()). */
static void
stats_fold(void *acc_, const void *value_)
{
    struct xsk_flow_stats *acc = acc_;
    const struct xsk_flow_stats *value = value_;

    acc->packets += value->packets;
    acc->bytes += value->bytes;
    if (value->used_ns > acc->used_ns) {
        acc->used_ns = value->used_ns;
    }
}

static int
stats_read(void *prog_, uint32_t stats_idx, struct xsk_flow_stats *sum)
{
    struct xsk_prog *prog = prog_;

    memset(sum, 0, sizeof *sum);
    return xsk_percpu_fold(bpf_map__fd(prog->skel->maps.flow_stats),
                           &stats_idx, sizeof *sum, stats_fold, sum);
}

const struct xsk_flow_backend xsk_prog_flow_backend = {
    .rule_put = rule_put,
    .rule_del = rule_del,
    .masks_put = masks_put,
    .masks_busy = masks_busy,
    .port_put = port_put,
    .port_del = port_del,
    .stats_reset = stats_reset,
    .stats_read = stats_read,
};
