/* SPDX-License-Identifier: Apache-2.0 */

/* The offloaded-flow table of one port, and the translation of OVS's
 * action lists into its rules' actions (xsk_flow_build_*()); see
 * xsk-flow.h. */

#include "xsk-flow.h"

#include "xsk-opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VLAN_CFI 0x1000         /* OVS's "tag present" bit of a TCI. */

struct xsk_flow_rule {
    struct xsk_flow_rule *next_ufid;    /* In table->by_ufid. */
    struct xsk_flow_rule *next_key;     /* In table->by_key. */
    struct xsk_flow_ufid ufid;
    struct xsk_flow_hkey hkey;          /* As in the program's map. */
    struct xsk_flow_action action;
    struct xsk_flow_stats base;         /* Counted by earlier programs. */
};

/* Hashes the 'n' bytes at 'p' (a multiple of 8) to a bucket. */
static uint32_t
hash_bytes(const void *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;

    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;

        memcpy(&w, (const char *) p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h & (XSK_FLOW_BUCKETS - 1);
}

static uint32_t
ufid_bucket(const struct xsk_flow_ufid *ufid)
{
    return hash_bytes(ufid, sizeof *ufid);
}

static uint32_t
key_bucket(const struct xsk_flow_hkey *hk)
{
    return hash_bytes(hk, sizeof *hk);
}

static struct xsk_flow_rule **
find_ufid(struct xsk_flow_table *t, const struct xsk_flow_ufid *ufid)
{
    struct xsk_flow_rule **p = &t->by_ufid[ufid_bucket(ufid)];

    while (*p && memcmp(&(*p)->ufid, ufid, sizeof *ufid)) {
        p = &(*p)->next_ufid;
    }
    return p;
}

static struct xsk_flow_rule **
find_key(struct xsk_flow_table *t, const struct xsk_flow_hkey *hk)
{
    struct xsk_flow_rule **p = &t->by_key[key_bucket(hk)];

    while (*p && memcmp(&(*p)->hkey, hk, sizeof *hk)) {
        p = &(*p)->next_key;
    }
    return p;
}

void
xsk_flow_table_init(struct xsk_flow_table *t)
{
    memset(t, 0, sizeof *t);
    t->next_mask_id = 1;
    for (uint32_t i = 0; i < XSK_FLOW_MAX_FLOWS; i++) {
        t->free_stats_idx[i] = i;
    }
    t->n_free = XSK_FLOW_MAX_FLOWS;
}

/* Frees the rules, without touching any program. */
void
xsk_flow_table_destroy(struct xsk_flow_table *t)
{
    for (int b = 0; b < XSK_FLOW_BUCKETS; b++) {
        struct xsk_flow_rule *r = t->by_ufid[b];

        while (r) {
            struct xsk_flow_rule *next = r->next_ufid;

            free(r);
            r = next;
        }
    }
    xsk_flow_table_init(t);
}

static void
mask_list(const struct xsk_flow_table *t, struct xsk_flow_mask_list *list)
{
    memset(list, 0, sizeof *list);
    list->n_masks = t->n_masks;
    for (uint32_t i = 0; i < t->n_masks; i++) {
        list->ids[i] = t->masks[i].id;
        list->masks[i] = t->masks[i].mask;
    }
}

static int
write_masks(struct xsk_flow_table *t)
{
    struct xsk_flow_mask_list list;

    if (!t->backend) {
        return 0;
    }
    mask_list(t, &list);
    return t->backend->masks_put(t->aux, &list);
}

static struct xsk_flow_mask *
mask_by_id(struct xsk_flow_table *t, uint32_t id)
{
    for (uint32_t i = 0; i < t->n_masks; i++) {
        if (t->masks[i].id == id) {
            return &t->masks[i];
        }
    }
    return NULL;
}

/* Takes the masks without rules off the list (in the table only). */
static void
compact_masks(struct xsk_flow_table *t)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < t->n_masks; i++) {
        if (t->masks[i].n_rules) {
            t->masks[n++] = t->masks[i];
        }
    }
    t->n_masks = n;
}

/* How many masks on the list have no rules left. */
uint32_t
xsk_flow_n_empty_masks(const struct xsk_flow_table *t)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < t->n_masks; i++) {
        n += !t->masks[i].n_rules;
    }
    return n;
}

/* Drops one rule's reference to mask 'id'.  A mask left without rules
 * stays on the list, where it matches nothing, until the list is written
 * anyway (a new mask) or xsk_flow_tidy(): removing a flow is then one map
 * write, which keeps OVS's offload requests from queueing up behind mask
 * list changes.  The last rule of the table empties the list, though, so
 * that a port without offloaded flows pays no lookup at all.  Returns 0 or
 * the backend's error. */
static int
mask_unref(struct xsk_flow_table *t, uint32_t id)
{
    struct xsk_flow_mask *m = mask_by_id(t, id);

    if (!m || --m->n_rules || t->n_rules) {
        return 0;
    }
    compact_masks(t);
    return write_masks(t);
}

/* Index of output port 'ifindex', adding it if 'add'; -1 if absent (or no
 * room). */
static int
port_index(struct xsk_flow_table *t, int ifindex, bool add)
{
    int free_i = -1;

    for (int i = 0; i < XSK_FLOW_MAX_PORTS; i++) {
        if (t->port_refs[i] && t->port_ifindex[i] == ifindex) {
            return i;
        }
        if (!t->port_refs[i] && free_i < 0) {
            free_i = i;
        }
    }
    if (add && free_i >= 0) {
        t->port_ifindex[free_i] = ifindex;
    }
    return add ? free_i : -1;
}

static void
port_unref__(struct xsk_flow_table *t, int ifindex)
{
    int i = port_index(t, ifindex, false);

    if (i >= 0 && !--t->port_refs[i] && t->backend) {
        t->backend->port_del(t->aux, ifindex);
    }
}

/* Drops the references of the first 'n' outputs of 'a'. */
static void
port_unref_n(struct xsk_flow_table *t, const struct xsk_flow_action *a,
             uint32_t n)
{
    while (n--) {
        port_unref__(t, a->out_ifindex[n]);
    }
}

/* Takes a reference to each output port of 'a', writing a port into the
 * devmap on its first.  An output listed twice takes two.  Returns 0 or a
 * positive errno; then 'a' holds no reference. */
static int
port_ref(struct xsk_flow_table *t, const struct xsk_flow_action *a)
{
    uint32_t n;
    int error;

    if (a->kind != XSK_FLOW_OUTPUT) {
        return 0;
    }
    for (n = 0; n < a->n_outputs; n++) {
        int ifindex = a->out_ifindex[n];
        int i = port_index(t, ifindex, true);

        if (i < 0) {
            error = ENOSPC;
            goto err;
        }
        if (!t->port_refs[i] && t->backend) {
            error = t->backend->port_put(t->aux, ifindex);
            if (error) {
                goto err;
            }
        }
        t->port_refs[i]++;
    }
    return 0;

err:
    port_unref_n(t, a, n);
    return error;
}

static void
port_unref(struct xsk_flow_table *t, const struct xsk_flow_action *a)
{
    if (a->kind == XSK_FLOW_OUTPUT) {
        port_unref_n(t, a, a->n_outputs);
    }
}

/* Whether 'a' outputs to 'ifindex'. */
bool
xsk_flow_outputs_to(const struct xsk_flow_action *a, int ifindex)
{
    if (a->kind != XSK_FLOW_OUTPUT) {
        return false;
    }
    for (uint32_t i = 0; i < a->n_outputs && i < XSK_FLOW_MAX_OUTPUTS; i++) {
        if (a->out_ifindex[i] == ifindex) {
            return true;
        }
    }
    return false;
}

static void
stats_idx_free(struct xsk_flow_table *t, uint32_t stats_idx)
{
    uint32_t tail = (t->free_head + t->n_free++) % XSK_FLOW_MAX_FLOWS;

    t->free_stats_idx[tail] = stats_idx;
}

static uint32_t
stats_idx_alloc(struct xsk_flow_table *t)
{
    uint32_t stats_idx = t->free_stats_idx[t->free_head];

    t->free_head = (t->free_head + 1) % XSK_FLOW_MAX_FLOWS;
    t->n_free--;
    return stats_idx;
}

static void
add_stats(struct xsk_flow_stats *sum, const struct xsk_flow_stats *s)
{
    sum->packets += s->packets;
    sum->bytes += s->bytes;
    if (s->used_ns > sum->used_ns) {
        sum->used_ns = s->used_ns;
    }
}

static void
rule_stats(struct xsk_flow_table *t, const struct xsk_flow_rule *r,
           struct xsk_flow_stats *stats)
{
    struct xsk_flow_stats now;

    *stats = r->base;
    if (t->backend
        && !t->backend->stats_read(t->aux, r->action.stats_idx, &now)) {
        add_stats(stats, &now);
    }
}

/* Takes 'r' out of the table and the program; its final counters go to
 * 'stats' if nonnull. */
static void
remove_rule(struct xsk_flow_table *t, struct xsk_flow_rule *r,
            struct xsk_flow_stats *stats)
{
    if (stats) {
        rule_stats(t, r, stats);
    }
    if (t->backend) {
        t->backend->rule_del(t->aux, &r->hkey);
    }
    *find_ufid(t, &r->ufid) = r->next_ufid;
    *find_key(t, &r->hkey) = r->next_key;
    t->n_rules--;
    mask_unref(t, r->hkey.mask_id);
    port_unref(t, &r->action);
    stats_idx_free(t, r->action.stats_idx);
    free(r);
}

/* Replaces the action of 'r' (same match) in one map update. */
static int
modify_rule(struct xsk_flow_table *t, struct xsk_flow_rule *r,
            const struct xsk_flow_action *action)
{
    struct xsk_flow_action a = *action;
    int error;

    a.stats_idx = r->action.stats_idx;
    error = port_ref(t, &a);
    if (error) {
        return error;
    }
    error = t->backend ? t->backend->rule_put(t->aux, &r->hkey, &a) : 0;
    if (error) {
        port_unref(t, &a);
        return error;
    }
    port_unref(t, &r->action);
    r->action = a;
    return 0;
}

/* Chooses how the frames of an XSK_FLOW_OUTPUT rule 'a' reach the output
 * described by 'o', by setting XSK_FLOW_VIA_SKB and XSK_FLOW_SKB_OK in
 * 'a->flags' (xsk-flow-abi.h).  The skb path is taken where an XDP redirect
 * could be a silent drop: into a device that takes no XDP frames, or (with
 * "auto") into a veth, whose peer decides.  Returns NULL, or why the flow
 * cannot be offloaded. */
const char *
xsk_flow_out_flags(const struct xsk_flow_out *o, struct xsk_flow_action *a)
{
    bool xdp;

    a->flags &= ~(XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK);
    switch (o->redirect) {
    case XSK_REDIRECT_XDP:
        xdp = o->out_takes_xdp;
        break;
    case XSK_REDIRECT_SKB:
        xdp = false;
        break;
    case XSK_REDIRECT_AUTO:
    default:
        /* Without the skb path, a veth that takes XDP frames now gets
         * them, and revalidation punts the flow when it stops. */
        xdp = o->out_takes_xdp && (!o->out_is_veth || !o->in_has_tc);
        break;
    }
    if (o->in_has_tc) {
        a->flags |= XSK_FLOW_SKB_OK | (xdp ? 0 : XSK_FLOW_VIA_SKB);
        return NULL;
    }
    if (xdp) {
        return NULL;
    }
    return o->out_takes_xdp
           ? "offload-redirect=skb, and the in_port has no tc program for "
             "the skb path (tcx, Linux 6.6 or later)"
           : "the output port cannot take XDP redirects (a veth needs an XDP "
             "program or GRO on its peer), and the in_port has no tc program "
             "for the skb path (tcx, Linux 6.6 or later)";
}

/* Starts translating an action list into 'a', for a flow whose in_port has
 * ifindex 'in_ifindex'.  An empty list is a drop. */
void
xsk_flow_build_init(struct xsk_flow_build *b, int in_ifindex,
                    struct xsk_flow_action *a)
{
    memset(b, 0, sizeof *b);
    memset(a, 0, sizeof *a);
    a->kind = XSK_FLOW_DROP;
    b->action = a;
    b->in_ifindex = in_ifindex;
}

/* Tells translation 'b' the match of its flow, 'key' under 'mask', from
 * which it learns whether the frame has a VLAN tag (a pop_vlan needs one,
 * a push_vlan none).  Without it, the translation refuses both. */
void
xsk_flow_build_match(struct xsk_flow_build *b, const struct xsk_flow_key *key,
                     const struct xsk_flow_key *mask)
{
    b->vlan = (!(mask->vlan_tci & htons(VLAN_CFI)) ? XSK_FLOW_VLAN_ANY
               : key->vlan_tci & htons(VLAN_CFI) ? XSK_FLOW_VLAN_ONE
               : XSK_FLOW_VLAN_NONE);
}

/* Adds VLAN step 'st' (a pop or a push) to the rule under way. */
static const char *
build_vlan(struct xsk_flow_build *b, const struct xsk_flow_step *st)
{
    struct xsk_flow_action *a = b->action;

    if (a->n_outputs) {
        return "a VLAN push or pop after an output changes what later "
               "outputs get";
    }
    if (st->type == XSK_FLOW_STEP_POP_VLAN) {
        if (a->flags & XSK_FLOW_PUSH_VLAN) {
            return "a VLAN pop after a push";
        }
        if (b->vlan != XSK_FLOW_VLAN_ONE) {
            return "a VLAN pop of a frame the match does not require to be "
                   "tagged";
        }
        a->flags |= XSK_FLOW_POP_VLAN;
        b->vlan = XSK_FLOW_VLAN_NONE;
        return NULL;
    }
    if (b->vlan != XSK_FLOW_VLAN_NONE) {
        return "a VLAN push onto a frame that may be tagged (the XDP "
               "program carries out at most one tag)";
    }
    if (st->vlan.tpid != htons(0x8100) && st->vlan.tpid != htons(0x88a8)) {
        return "a VLAN push with a TPID other than 0x8100 and 0x88a8";
    }
    a->flags |= XSK_FLOW_PUSH_VLAN;
    a->vlan_tpid = st->vlan.tpid;
    a->vlan_tci = st->vlan.tci & ~htons(VLAN_CFI);
    b->vlan = XSK_FLOW_VLAN_ONE;
    return NULL;
}

/* Applies the masked write of 'v'/'m' to the 6 bytes at 'p' and widens
 * the mask at 'pm' by 'm'. */
static void
merge_mac(uint8_t *p, uint8_t *pm, const uint8_t *v, const uint8_t *m)
{
    for (int i = 0; i < 6; i++) {
        p[i] = (p[i] & ~m[i]) | (v[i] & m[i]);
        pm[i] |= m[i];
    }
}

/* Adds the set of Ethernet addresses 'st' to the rule under way. */
static const char *
build_set_eth(struct xsk_flow_build *b, const struct xsk_flow_step *st)
{
    struct xsk_flow_action *a = b->action;
    struct xsk_flow_action new = *a;

    merge_mac(new.eth_dst, new.eth_dst_mask, st->eth.dst, st->eth.dst_mask);
    merge_mac(new.eth_src, new.eth_src_mask, st->eth.src, st->eth.src_mask);
    new.flags |= XSK_FLOW_SET_ETH;
    if (a->n_outputs && memcmp(&new, a, sizeof new)) {
        /* A set after an output that changes the frame: the outputs before
         * it get one frame, those after it another. */
        return "a set action after an output changes what later outputs "
               "get";
    }
    *a = new;
    return NULL;
}

/* Adds output step 'st' to the rule under way. */
static const char *
build_output(struct xsk_flow_build *b, const struct xsk_flow_step *st)
{
    struct xsk_flow_action *a = b->action;

    if (st->ifindex <= 0) {
        return "output to a port that is not a working afxdp port";
    }
    if (a->n_outputs >= XSK_FLOW_MAX_OUTPUTS) {
        return "more outputs than the XDP program carries out";
    }
    if (!a->n_outputs) {
        b->first = st->out;
    }
    a->kind = XSK_FLOW_OUTPUT;
    a->out_ifindex[a->n_outputs++] = st->ifindex;
    return NULL;
}

/* Adds step 'st' to the translation 'b'.  Returns true if the list may
 * still be expressible, false if it is not (then 'b->why' says why, and
 * the rest of the list need not be read). */
bool
xsk_flow_build_step(struct xsk_flow_build *b, const struct xsk_flow_step *st)
{
    if (b->why) {
        return false;
    }
    if (b->dropped) {
        b->why = "actions after a drop";
        return false;
    }
    switch (st->type) {
    case XSK_FLOW_STEP_OUTPUT:
        b->why = build_output(b, st);
        break;
    case XSK_FLOW_STEP_SET_ETH:
        b->why = build_set_eth(b, st);
        break;
    case XSK_FLOW_STEP_DROP:
        b->why = b->action->n_outputs ? "a drop after an output" : NULL;
        b->dropped = true;
        break;
    case XSK_FLOW_STEP_POP_VLAN:
    case XSK_FLOW_STEP_PUSH_VLAN:
        b->why = build_vlan(b, st);
        break;
    default:
        b->why = "an action the XDP program does not carry out";
        break;
    }
    return !b->why;
}

/* Ends translation 'b': chooses how the frames reach the outputs
 * (xsk_flow_out_flags() for one output; the skb path for several, or for
 * a VLAN pop or push).
 * Returns NULL if the action list can be offloaded as '*b->action', or
 * why not. */
const char *
xsk_flow_build_finish(struct xsk_flow_build *b)
{
    struct xsk_flow_action *a = b->action;

    if (b->why) {
        return b->why;
    }
    if (a->kind == XSK_FLOW_DROP) {
        a->flags = 0;           /* Setting fields of a dropped packet. */
        memset(a->eth_dst, 0, sizeof a->eth_dst);
        memset(a->eth_dst_mask, 0, sizeof a->eth_dst_mask);
        memset(a->eth_src, 0, sizeof a->eth_src);
        memset(a->eth_src_mask, 0, sizeof a->eth_src_mask);
        a->vlan_tpid = a->vlan_tci = 0;
        return NULL;
    }
    if (a->n_outputs == 1
        && !(a->flags & (XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN))) {
        b->why = xsk_flow_out_flags(&b->first, a);
        return b->why;
    }
    if (a->n_outputs == 1) {
        /* Only the tc program pops and pushes tags. */
        if (!b->first.in_has_tc) {
            b->why = "a VLAN push or pop needs the skb path, and the in_port "
                     "has no tc program for it (tcx, Linux 6.6 or later)";
        } else {
            a->flags |= XSK_FLOW_SKB_OK | XSK_FLOW_VIA_SKB;
        }
    } else if (xsk_flow_outputs_to(a, b->in_ifindex)) {
        b->why = "the in_port among several outputs";
    } else if (!b->first.in_has_tc) {
        b->why = "several outputs need the skb path, and the in_port has no "
                 "tc program for it (tcx, Linux 6.6 or later)";
    } else {
        a->flags |= XSK_FLOW_SKB_OK | XSK_FLOW_VIA_SKB;
    }
    return b->why;
}

/* How the frames of a rule with action 'a' leave the kernel, as
 * "dpctl/dump-flows -m" shows it after "dp:": "xdp" (dropped, or by XDP
 * redirect; a frame with a partial checksum or several buffers still takes
 * the skb path), "skb" (the skb path to one output), "skb-clone" (the skb
 * path, a copy to each of several outputs), or "ovs" (punted: not
 * offloaded). */
const char *
xsk_flow_layer(const struct xsk_flow_action *a)
{
    if (a->kind == XSK_FLOW_PUNT) {
        return "ovs";
    }
    if (a->kind != XSK_FLOW_OUTPUT) {
        return "xdp";
    }
    return a->n_outputs > 1 ? "skb-clone"
           : a->flags & XSK_FLOW_VIA_SKB ? "skb" : "xdp";
}

/* Sets 'hk' to the rules-map key of 'key' under mask 'mask' ('mask_id'),
 * as the program builds it for a frame. */
void
xsk_flow_make_hkey(const struct xsk_flow_key *key,
                   const struct xsk_flow_key *mask, uint32_t mask_id,
                   struct xsk_flow_hkey *hk)
{
    const uint8_t *k = (const uint8_t *) key;
    const uint8_t *m = (const uint8_t *) mask;
    uint8_t *h = (uint8_t *) &hk->key;

    memset(hk, 0, sizeof *hk);
    for (size_t i = 0; i < sizeof *key; i++) {
        h[i] = k[i] & m[i];
    }
    hk->mask_id = mask_id;
}


/* Adds the flow 'ufid' as 'spec', or changes it to 'spec' if it is there.
 * Returns 0; ENOSPC if the table has no room for it (too many rules, masks
 * or output ports); EEXIST if another flow has the same match; EINVAL if
 * an output action has no outputs or too many; or the
 * backend's error.  On failure the table and the program are as before,
 * but for masks without rules, which may have left the table's list. */
int
xsk_flow_put(struct xsk_flow_table *t, const struct xsk_flow_ufid *ufid,
             const struct xsk_flow_spec *spec)
{
    struct xsk_flow_rule *old = *find_ufid(t, ufid);
    struct xsk_flow_mask *m = NULL;
    struct xsk_flow_rule *r;
    struct xsk_flow_hkey hk;
    bool new_mask = false;
    int error;

    if (spec->action.kind == XSK_FLOW_OUTPUT
        && (!spec->action.n_outputs
            || spec->action.n_outputs > XSK_FLOW_MAX_OUTPUTS)) {
        return EINVAL;
    }
    for (uint32_t i = 0; i < t->n_masks; i++) {
        if (!memcmp(&t->masks[i].mask, &spec->mask, sizeof spec->mask)) {
            m = &t->masks[i];
            break;
        }
    }
    if (old) {
        if (m) {
            xsk_flow_make_hkey(&spec->key, &spec->mask, m->id, &hk);
            if (!memcmp(&hk, &old->hkey, sizeof hk)) {
                error = modify_rule(t, old, &spec->action);
                t->n_puts += !error;
                return error;
            }
        }
        /* A new match for the same flow: not something dpif-netdev does,
         * but handled as delete and add. */
        remove_rule(t, old, NULL);
        return xsk_flow_put(t, ufid, spec);
    }

    if (t->n_rules >= XSK_FLOW_MAX_FLOWS || !t->n_free) {
        return ENOSPC;
    }
    if (!m) {
        /* The list is written anyway: without the masks that have no
         * rules left. */
        compact_masks(t);
        if (t->n_masks >= XSK_FLOW_MAX_MASKS) {
            return ENOSPC;
        }
        m = &t->masks[t->n_masks];
        memset(m, 0, sizeof *m);
        m->mask = spec->mask;
        m->id = t->next_mask_id;
        new_mask = true;
    }
    xsk_flow_make_hkey(&spec->key, &spec->mask, m->id, &hk);
    if (*find_key(t, &hk)) {
        return EEXIST;
    }

    r = calloc(1, sizeof *r);
    if (!r) {
        return ENOMEM;
    }
    r->ufid = *ufid;
    r->hkey = hk;
    r->action = spec->action;
    error = port_ref(t, &r->action);
    if (error) {
        goto err_free;
    }
    r->action.stats_idx = stats_idx_alloc(t);
    if (t->backend) {
        error = t->backend->stats_reset(t->aux, r->action.stats_idx);
        if (!error) {
            error = t->backend->rule_put(t->aux, &r->hkey, &r->action);
        }
        if (error) {
            goto err_stats_idx;
        }
    }
    if (new_mask) {
        t->n_masks++;
        t->next_mask_id++;
    }
    m->n_rules++;
    if (new_mask) {
        error = write_masks(t);
        if (error) {
            goto err_rule;
        }
    }

    r->next_ufid = t->by_ufid[ufid_bucket(ufid)];
    t->by_ufid[ufid_bucket(ufid)] = r;
    r->next_key = t->by_key[key_bucket(&hk)];
    t->by_key[key_bucket(&hk)] = r;
    t->n_rules++;
    t->n_puts++;
    return 0;

err_rule:
    t->backend->rule_del(t->aux, &r->hkey);
    m->n_rules--;
    t->n_masks--;
err_stats_idx:
    stats_idx_free(t, r->action.stats_idx);
    port_unref(t, &r->action);
err_free:
    free(r);
    return error;
}

/* Removes flow 'ufid', storing its final counters in 'stats' if nonnull.
 * Returns 0 or ENOENT. */
int
xsk_flow_del(struct xsk_flow_table *t, const struct xsk_flow_ufid *ufid,
             struct xsk_flow_stats *stats)
{
    struct xsk_flow_rule *r = *find_ufid(t, ufid);

    if (!r) {
        return ENOENT;
    }
    remove_rule(t, r, stats);
    return 0;
}

/* Stores the counters of flow 'ufid' in 'stats' and, if 'action' is
 * nonnull, its action there.  Returns 0 or ENOENT. */
int
xsk_flow_get(struct xsk_flow_table *t, const struct xsk_flow_ufid *ufid,
             struct xsk_flow_stats *stats, struct xsk_flow_action *action)
{
    struct xsk_flow_rule *r = *find_ufid(t, ufid);

    if (!r) {
        return ENOENT;
    }
    rule_stats(t, r, stats);
    if (action) {
        *action = r->action;
    }
    return 0;
}

void
xsk_flow_flush(struct xsk_flow_table *t)
{
    for (int b = 0; b < XSK_FLOW_BUCKETS; b++) {
        while (t->by_ufid[b]) {
            remove_rule(t, t->by_ufid[b], NULL);
        }
    }
}

/* Takes the masks that have no rules left off the program's list, if
 * there are any and that can be done without waiting (else a later call
 * does it).  Returns 0 or the backend's error. */
int
xsk_flow_tidy(struct xsk_flow_table *t)
{
    if (!xsk_flow_n_empty_masks(t)
        || (t->backend && t->backend->masks_busy
            && t->backend->masks_busy(t->aux))) {
        return 0;
    }
    compact_masks(t);
    return write_masks(t);
}

static int
punt_rule(struct xsk_flow_table *t, struct xsk_flow_rule *r)
{
    struct xsk_flow_action a;

    memset(&a, 0, sizeof a);
    a.kind = XSK_FLOW_PUNT;
    return modify_rule(t, r, &a);
}

/* Makes flow 'ufid' send its frames to OVS, keeping its counters.  Returns
 * 0, ENOENT, or the backend's error (then the rule is removed instead,
 * which also sends its frames to OVS). */
int
xsk_flow_punt(struct xsk_flow_table *t, const struct xsk_flow_ufid *ufid)
{
    struct xsk_flow_rule *r = *find_ufid(t, ufid);
    int error;

    if (!r) {
        return ENOENT;
    }
    error = punt_rule(t, r);
    if (error) {
        remove_rule(t, r, NULL);
    }
    return error;
}

/* Punts every flow that outputs to 'ifindex' (a port going away), among
 * others or alone.  Returns how many there were. */
uint32_t
xsk_flow_purge_output(struct xsk_flow_table *t, int ifindex)
{
    uint32_t n = 0;

    for (int b = 0; b < XSK_FLOW_BUCKETS; b++) {
        struct xsk_flow_rule *r = t->by_ufid[b];

        while (r) {
            struct xsk_flow_rule *next = r->next_ufid;

            if (xsk_flow_outputs_to(&r->action, ifindex)) {
                if (punt_rule(t, r)) {
                    remove_rule(t, r, NULL);
                }
                n++;
            }
            r = next;
        }
    }
    return n;
}

/* Writes every rule of 't' into the program behind 'backend'.  Returns 0;
 * on failure the table is emptied (its flows are no longer offloaded) and
 * the backend's error returned. */
int
xsk_flow_attach(struct xsk_flow_table *t, const struct xsk_flow_backend *be,
                void *aux)
{
    int error = 0;

    t->backend = be;
    t->aux = aux;
    for (int i = 0; !error && i < XSK_FLOW_MAX_PORTS; i++) {
        if (t->port_refs[i]) {
            error = be->port_put(aux, t->port_ifindex[i]);
        }
    }
    for (int b = 0; !error && b < XSK_FLOW_BUCKETS; b++) {
        for (struct xsk_flow_rule *r = t->by_ufid[b]; r && !error;
             r = r->next_ufid) {
            error = be->stats_reset(aux, r->action.stats_idx);
            if (!error) {
                error = be->rule_put(aux, &r->hkey, &r->action);
            }
        }
    }
    if (!error) {
        error = write_masks(t);
    }
    if (error) {
        xsk_flow_flush(t);
    }
    return error;
}

/* Keeps the program's counters in the rules and stops writing to it. */
void
xsk_flow_detach(struct xsk_flow_table *t)
{
    if (!t->backend) {
        return;
    }
    for (int b = 0; b < XSK_FLOW_BUCKETS; b++) {
        for (struct xsk_flow_rule *r = t->by_ufid[b]; r; r = r->next_ufid) {
            rule_stats(t, r, &r->base);
        }
    }
    t->backend = NULL;
    t->aux = NULL;
}
