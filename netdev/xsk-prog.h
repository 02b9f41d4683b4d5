/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_PROG_H
#define XSK_PROG_H 1

/* The ovs-xsk XDP program (bpf/xsk_redirect.bpf.c) on one interface.
 *
 * xsk_prog_attach() loads a private instance of the program (its own
 * XSKMAP) and attaches it to the interface in native or generic mode through
 * a BPF link owned by this process: when the process ends, however it ends
 * (SIGKILL and abort() included), the kernel detaches the program.  A
 * program of ours attached the old way (netlink, by an earlier version) is
 * recognised by its name and replaced; any other program is left alone and
 * makes the attach fail.  xsk_prog_detach() removes exactly the program it
 * attached, by destroying its link.
 *
 * The same object's tc program, the second half of the offload's skb path
 * (xsk-flow-abi.h), goes on the interface's tcx ingress through a second
 * link, with the same lifetime.  Where the kernel has no tcx (before 6.6)
 * the attach still succeeds without it: 'tc_error' says why, and offloaded
 * flows then use XDP redirects only.
 *
 * Steering rules (xsk-steer.h) live in the program's maps:
 * xsk_prog_set_steer() replaces them at run time without reattaching, and
 * xsk_prog_steer_counts() reads each rule's hits.
 *
 * Offloaded flows (xsk-flow.h) live in the program's flow maps:
 * xsk_prog_flow_backend writes them, with the 'struct xsk_prog *' as the
 * backend's 'aux'.
 *
 * Not thread-safe: the caller serialises calls for one interface. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-flow.h"
#include "xsk-grace-gens.h"
#include "xsk-steer.h"

#define XSK_PROG_NAME "ovs_xsk_prog"
#define XSK_PROG_MAX_QUEUES 64  /* Entries of the XSKMAP. */

struct xsk_redirect;

struct xsk_prog {
    struct xsk_redirect *skel;  /* Loaded object (libbpf skeleton). */
    int ifindex;
    uint32_t xdp_flags;         /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE. */
    int link_fd;                /* The BPF link that attaches it. */
    int tc_link_fd;             /* Link of the tc program, or -1. */
    int tc_error;               /* Why there is no tc link, or 0. */
    uint32_t id;                /* Kernel program id, for status. */
    bool replaced_stale;        /* Attach removed a leftover of ours. */
    /* The 2 steering sets ('steer_active' says which is in force: always
     * one, set 0 at first). */
    struct xsk_grace_gens steer_gens;
    /* The XSK_FLOW_N_LISTS mask lists ('flow_on' says which is in force,
     * if any: none at first). */
    struct xsk_grace_gens flow_list_gens;
};

_Static_assert(XSK_FLOW_N_LISTS <= XSK_GRACE_GENS_MAX,
               "every copy of the mask list has a ticket");

void xsk_prog_init(struct xsk_prog *);

int xsk_prog_attach(int ifindex, bool generic, const struct xsk_steer *,
                    struct xsk_prog **, char **errp);
void xsk_prog_detach(struct xsk_prog *);
int xsk_prog_set_queue(struct xsk_prog *, uint32_t queue_id, int xsk_fd);
void xsk_prog_clear_queue(struct xsk_prog *, uint32_t queue_id);
int xsk_prog_set_steer(struct xsk_prog *, const struct xsk_steer *);
extern const struct xsk_flow_backend xsk_prog_flow_backend;

int xsk_prog_steer_counts(const struct xsk_prog *,
                          uint64_t counts[XSK_STEER_N_COUNTS]);

#endif /* xsk-prog.h */
