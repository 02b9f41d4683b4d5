/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_FLOW_H
#define XSK_FLOW_H 1

/* The offloaded flows of one port: what is in its XDP program's flow maps
 * (xsk-flow-abi.h), and the bookkeeping behind them; and the rules that
 * decide which of OVS's action lists a rule can carry out
 * (xsk_flow_build_*(), below), so that the unit test can check them
 * without OVS.
 *
 * The table is the authority; the program is a copy.  A table is attached
 * to the maps of one loaded program through a backend (xsk-prog-flow.c for
 * the real maps, a fake in the unit test).  While attached, every change is
 * written through, in an order that never lets a frame see a half-made
 * rule:
 *
 *   add:    output port into the devmap, counters zeroed, rule, then (if
 *           the rule's mask is new) the mask list.
 *   delete: rule, then (if no rule outputs there any more) the devmap
 *           entry.  A mask left without rules stays on the list, matching
 *           nothing, until the list is written for a new mask or by
 *           xsk_flow_tidy(), or the table's last rule goes (then the list
 *           is emptied at once): a mask list write may have to wait for
 *           programs still reading the list (xsk-prog-flow.c), and OVS's
 *           flow removals must not queue up behind such waits.
 *   modify: the rule's value is replaced in one map update.
 *
 * A flow OVS still has but the program can no longer carry out (new
 * actions it cannot express, an output port that went away) is "punted":
 * its rule stays, with the action XSK_FLOW_PUNT, so that its frames go to
 * OVS while its counters (which OVS adds to the flow's own) survive until
 * OVS deletes the flow.
 *
 * When the program is replaced (the port is reconfigured), the caller
 * detaches the table, which folds the old program's counters into each
 * rule's base, and attaches it to the new program, which writes every rule
 * again.  A detached table still takes changes.
 *
 * Ownership: the table owns its rules.  Not thread-safe: the caller
 * serialises all calls on one table. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-flow-abi.h"

/* OVS's megaflow id. */
struct xsk_flow_ufid {
    uint64_t w[2];
};

/* A flow as the provider's glue hands it over. */
struct xsk_flow_spec {
    struct xsk_flow_key key;    /* Need not be masked. */
    struct xsk_flow_key mask;
    struct xsk_flow_action action;      /* 'stats_idx' is the table's. */
};

/* Writes into one program's maps.  Each returns 0 or a positive errno. */
struct xsk_flow_backend {
    int (*rule_put)(void *aux, const struct xsk_flow_hkey *,
                    const struct xsk_flow_action *);
    int (*rule_del)(void *aux, const struct xsk_flow_hkey *);
    int (*masks_put)(void *aux, const struct xsk_flow_mask_list *);
    /* Whether masks_put() would have to wait now (may be NULL: never). */
    bool (*masks_busy)(void *aux);
    int (*port_put)(void *aux, int ifindex);
    int (*port_del)(void *aux, int ifindex);
    int (*stats_reset)(void *aux, uint32_t stats_idx);
    /* Sums the per-CPU counters of 'stats_idx' (latest 'used_ns'). */
    int (*stats_read)(void *aux, uint32_t stats_idx,
                      struct xsk_flow_stats *);
};

struct xsk_flow_rule;

struct xsk_flow_mask {
    struct xsk_flow_key mask;
    uint32_t id;                /* Never reused within a table. */
    uint32_t n_rules;
};

#define XSK_FLOW_BUCKETS 1024

struct xsk_flow_table {
    const struct xsk_flow_backend *backend;     /* NULL: detached. */
    void *aux;
    struct xsk_flow_rule *by_ufid[XSK_FLOW_BUCKETS];
    struct xsk_flow_rule *by_key[XSK_FLOW_BUCKETS];
    uint32_t n_rules;
    uint64_t n_puts;            /* Successful xsk_flow_put()s, ever. */

    /* The mask list, in lookup order. */
    struct xsk_flow_mask masks[XSK_FLOW_MAX_MASKS];
    uint32_t n_masks;
    uint32_t next_mask_id;

    /* Output ports and how many rules use each. */
    int port_ifindex[XSK_FLOW_MAX_PORTS];
    uint32_t port_refs[XSK_FLOW_MAX_PORTS];

    /* Free stats indexes, oldest freed first, so that a stats index is
     * reused as late as possible. */
    uint32_t free_stats_idx[XSK_FLOW_MAX_FLOWS];
    uint32_t free_head;
    uint32_t n_free;
};

void xsk_flow_table_init(struct xsk_flow_table *);
void xsk_flow_table_destroy(struct xsk_flow_table *);

/* What decides how an offloaded flow reaches its output port. */
struct xsk_flow_out {
    bool in_has_tc;             /* The in_port's tc program is attached: it
                                 * has the skb path. */
    bool out_takes_xdp;         /* The output has XSK_XDP_ACT_NDO_XMIT now. */
    bool out_is_veth;           /* ...which a veth's peer can take away. */
    int redirect;               /* The output's "offload-redirect" (enum
                                 * xsk_redirect, xsk-opts.h). */
};

const char *xsk_flow_out_flags(const struct xsk_flow_out *,
                               struct xsk_flow_action *);

/* Translating OVS's action list into one rule's action.
 *
 * The glue reads OVS's actions (netlink) one at a time and hands each one
 * the program could carry out to xsk_flow_build_step() as a step: an
 * output (with the output port's ifindex, or 0 if it is not a working
 * afxdp port, and how the port can be reached), a masked set of the
 * Ethernet addresses, or OVS's explicit drop.  The builder decides whether
 * the list as a whole can be expressed: at most XSK_FLOW_MAX_OUTPUTS
 * outputs, all to afxdp ports; not the in_port among several outputs (a
 * conservative choice: OVS's flooding never includes the in_port, only an
 * explicit OpenFlow "in_port" action does, and a copy sent back out of the
 * device from its own tcx ingress is not tested); a set after an output
 * must change nothing, because the rule rewrites the frame once, before
 * its first output, so that every output gets the same frame; nothing
 * after a drop.  A list with several outputs takes the skb path, so it
 * needs the in_port's tc program.
 *
 * VLAN: a pop_vlan, a push_vlan, or a pop then a push (OVS's way of
 * changing a tag), before the first output, so that every output gets the
 * same frame.  At most one tag in and out, as the program reads frames: a
 * pop needs a match that requires a tag (xsk_flow_build_match()), a push
 * one that requires none (or a pop before it).  Such a rule takes the skb
 * path, so it needs the in_port's tc program too.  The glue refuses other
 * actions itself. */
enum xsk_flow_step_type {
    XSK_FLOW_STEP_OUTPUT,       /* 'ifindex', 'out'. */
    XSK_FLOW_STEP_SET_ETH,      /* 'eth'. */
    XSK_FLOW_STEP_DROP,
    XSK_FLOW_STEP_POP_VLAN,
    XSK_FLOW_STEP_PUSH_VLAN,    /* 'vlan'. */
};

struct xsk_flow_step {
    enum xsk_flow_step_type type;
    int ifindex;                /* Output; 0 if not a working afxdp port. */
    struct xsk_flow_out out;    /* How the output can be reached. */
    struct {
        uint8_t dst[6], dst_mask[6];    /* New bits where the mask is 1. */
        uint8_t src[6], src_mask[6];
    } eth;
    struct {
        uint16_t tpid;          /* Network byte order, as OVS's
                                 * ovs_action_push_vlan... */
        uint16_t tci;           /* ...with VLAN_CFI set. */
    } vlan;
};

/* A translation under way.  The caller owns it; it points to the action
 * being built, which the caller owns too. */
struct xsk_flow_build {
    struct xsk_flow_action *action;
    int in_ifindex;             /* The in_port's ifindex. */
    struct xsk_flow_out first;  /* How the first output is reached. */
    bool dropped;               /* An explicit drop was seen. */
    int vlan;                   /* The frame's outer tag at this step:
                                 * XSK_FLOW_VLAN_*. */
    const char *why;            /* Why it cannot be expressed, or NULL. */
};

/* What a translation knows of the frame's outer VLAN tag. */
enum {
    XSK_FLOW_VLAN_ANY,          /* The match does not say. */
    XSK_FLOW_VLAN_NONE,         /* Untagged. */
    XSK_FLOW_VLAN_ONE,          /* One tag (two: never looked up). */
};

void xsk_flow_build_init(struct xsk_flow_build *, int in_ifindex,
                         struct xsk_flow_action *);
void xsk_flow_build_match(struct xsk_flow_build *,
                          const struct xsk_flow_key *key,
                          const struct xsk_flow_key *mask);
bool xsk_flow_build_step(struct xsk_flow_build *,
                         const struct xsk_flow_step *);
const char *xsk_flow_build_finish(struct xsk_flow_build *);
const char *xsk_flow_layer(const struct xsk_flow_action *);
bool xsk_flow_outputs_to(const struct xsk_flow_action *, int ifindex);

int xsk_flow_attach(struct xsk_flow_table *, const struct xsk_flow_backend *,
                    void *aux);
void xsk_flow_detach(struct xsk_flow_table *);

int xsk_flow_put(struct xsk_flow_table *, const struct xsk_flow_ufid *,
                 const struct xsk_flow_spec *);
int xsk_flow_del(struct xsk_flow_table *, const struct xsk_flow_ufid *,
                 struct xsk_flow_stats *);
int xsk_flow_get(struct xsk_flow_table *, const struct xsk_flow_ufid *,
                 struct xsk_flow_stats *, struct xsk_flow_action *);
void xsk_flow_flush(struct xsk_flow_table *);
void xsk_flow_make_hkey(const struct xsk_flow_key *,
                        const struct xsk_flow_key *mask, uint32_t mask_id,
                        struct xsk_flow_hkey *);
int xsk_flow_tidy(struct xsk_flow_table *);
uint32_t xsk_flow_n_empty_masks(const struct xsk_flow_table *);
int xsk_flow_punt(struct xsk_flow_table *, const struct xsk_flow_ufid *);
uint32_t xsk_flow_purge_output(struct xsk_flow_table *, int ifindex);

#endif /* xsk-flow.h */
