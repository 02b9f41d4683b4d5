/* SPDX-License-Identifier: Apache-2.0 */

/* XDP flow offload of afxdp ports: OVS's flow API (netdev-offload-provider.h)
 * for the userspace datapath's "other_config:hw-offload=true".
 *
 * dpif-netdev hands each megaflow whose in_port is an afxdp port to
 * flow_put() (from its offload thread).  A megaflow whose match the XDP
 * program can read and whose actions it can carry out becomes a rule in the
 * in_port's offloaded-flow table (xsk-flow.h), which writes it into the
 * port's XDP program; its packets are then forwarded or dropped in the
 * kernel and never reach OVS.  Anything else gets EOPNOTSUPP and stays in
 * userspace, where it was all along: "not offloaded" is never an error.
 *
 * Expressible matches: in_port; Ethernet addresses and type; the outer
 * VLAN tag (TCI and TPID), with no second tag; IPv4 and IPv6 addresses,
 * protocol, TOS/traffic class, TTL/hop limit, IPv6 flow label and "not a
 * fragment"; TCP, UDP and SCTP ports; ICMP and ICMPv6 type and code.
 * Fields the program does not read (TCP flags, ARP and ND fields,
 * conntrack and other metadata, tunnels) must be wildcarded, and
 * recirc_id 0.
 *
 * Actions: up to XSK_FLOW_MAX_OUTPUTS outputs to afxdp ports of the same
 * datapath (a flood among them, or an OpenFlow rule with several outputs),
 * optionally after setting Ethernet addresses and popping or pushing a
 * VLAN tag (the skb path), the same for every output; or drop (no
 * action, or an explicit drop).  xsk-flow.h says which orders are
 * expressible.  "dpctl/dump-flows -m" shows each offloaded flow's way
 * out (xsk_flow_layer()) after "dp:".
 *
 * An output is an XDP redirect through the devmap or the skb path, a
 * redirect by the port's tc program (xsk-flow-abi.h; chosen by
 * xsk_flow_out_flags()); several outputs always take the skb path, where
 * the tc program clones the skb.  An XDP redirect into a device that
 * cannot take it is a silent drop in the kernel: a veth can take
 * redirected frames only while its peer runs an XDP program or has GRO on
 * (xsk-features.h).  So veths get the skb path, unless the output port
 * says otherwise ("offload-redirect") or the in_port has no tc program; an
 * output reached by XDP redirects must report that it can take them, when
 * the flow is offloaded and at each revalidation (flow_get()); a flow whose
 * output port stops being able to is punted (xsk-flow.h), and its packets
 * go to OVS again.
 *
 * Port removal: dpif-netdev flushes a port's flows (flow_flush()) before it
 * lets the port go; that also punts every other port's rules that output
 * to it, alone or among other outputs.
 *
 * Counters: an offloaded flow's packets are counted in the program, and
 * flow_get() hands the counts to dpif-netdev, which adds them to the
 * flow's own.  So a flow that stops being offloaded while OVS keeps it is
 * punted, not deleted: deleting it would take its counts back from OVS's
 * statistics.
 *
 * Threads and locks: this file reaches a port only through
 * netdev_xsk_flows() (netdev-xsk-offload.h), which gives the port's
 * 'struct xsk_port_flows' (xsk-port.h): its flow table, and its ifindex,
 * skb path and "offload-redirect" as the port last set them up.  It takes
 * that structure's own lock itself, never two ports' at once and never
 * the provider's configuration lock; Clang's thread-safety analysis checks
 * it (tests/unit/check-thread-safety.sh).  The provider calls nothing
 * here: OVS calls the functions of 'netdev_xsk_offload'. */

#include <config.h>

#include "netdev-xsk-offload.h"

#include <errno.h>
#include <string.h>

#include "dpif.h"
#include "flow.h"
#include "netdev-offload.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/match.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

#include "xsk-features.h"
#include "xsk-flow.h"
#include "xsk-opts.h"
#include "xsk-port.h"

VLOG_DEFINE_THIS_MODULE(netdev_xsk_offload);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* The offloaded flows of afxdp port 'netdev'.  The flow API is initialised
 * only for afxdp ports (xsk_offload_init_flow_api()). */
static struct xsk_port_flows *
flows_of(const struct netdev *netdev)
{
    struct xsk_port_flows *f = netdev_xsk_flows(netdev);

    ovs_assert(f);
    return f;
}

/* What the flow API needs to know of the port of 'f': its ifindex (-1: it
 * has no XDP program) and whether its tc program is attached. */
static int
flows_port(struct xsk_port_flows *f, bool *has_skb_path)
    OVS_REQUIRES(f->mutex)
{
    if (has_skb_path) {
        *has_skb_path = f->has_skb_path;
    }
    return f->ifindex;
}

static bool
is_ip_type(ovs_be16 dl_type)
{
    return dl_type == htons(ETH_TYPE_IP) || dl_type == htons(ETH_TYPE_IPV6);
}

/* Whether XDP redirects into 'ifindex' work, and whether it is a veth,
 * asked of the kernel at most once a second per device. */
static bool
can_redirect_to__(int ifindex, bool *is_veth)
{
    static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
    static struct {
        int ifindex;
        bool ok;
        bool veth;
        long long int when;
    } cache[XSK_FLOW_MAX_PORTS];
    static unsigned int next;
    long long int now = time_msec();
    uint64_t features;
    unsigned int i;
    bool ok, veth;

    ovs_mutex_lock(&mutex);
    for (i = 0; i < XSK_FLOW_MAX_PORTS && cache[i].ifindex != ifindex; i++) {
        continue;
    }
    if (i < XSK_FLOW_MAX_PORTS && now - cache[i].when < 1000) {
        ok = cache[i].ok;
        veth = cache[i].veth;
    } else {
        if (i == XSK_FLOW_MAX_PORTS) {
            i = next++ % XSK_FLOW_MAX_PORTS;
        }
        ok = !xsk_xdp_features(ifindex, &features)
             && features & XSK_XDP_ACT_NDO_XMIT;
        if (xsk_if_is_veth(ifindex, &veth)) {
            veth = true;        /* Unknown: assume the peer may change. */
        }
        cache[i].ifindex = ifindex;
        cache[i].ok = ok;
        cache[i].veth = veth;
        cache[i].when = now;
    }
    ovs_mutex_unlock(&mutex);
    *is_veth = veth;
    return ok;
}

static bool
can_redirect_to(int ifindex)
{
    bool is_veth;

    return can_redirect_to__(ifindex, &is_veth);
}

/* Converts the match of a megaflow into 'spec'.  Returns NULL, or why it
 * cannot be offloaded. */
static const char *
spec_from_match(const struct match *match, struct xsk_flow_spec *spec)
{
    const struct flow *f = &match->flow;
    const struct flow *m = &match->wc.masks;
    struct xsk_flow_key *k = &spec->key, *km = &spec->mask;
    struct flow left = *m;      /* Masks not yet taken care of. */
    bool l3, l4;

    memset(spec, 0, sizeof *spec);
    if (flow_tnl_dst_is_set(&f->tunnel)) {
        return "tunnel metadata";
    }
    memset(&left.tunnel, 0, sizeof left.tunnel);
    memset(&left.in_port, 0, sizeof left.in_port);
    if (f->recirc_id & m->recirc_id) {
        return "recirculation";
    }
    left.recirc_id = 0;
    if (m->packet_type && f->packet_type != htonl(PT_ETH)) {
        return "packet type";
    }
    left.packet_type = 0;

    memcpy(k->dl_dst, f->dl_dst.ea, ETH_ADDR_LEN);
    memcpy(km->dl_dst, m->dl_dst.ea, ETH_ADDR_LEN);
    memcpy(k->dl_src, f->dl_src.ea, ETH_ADDR_LEN);
    memcpy(km->dl_src, m->dl_src.ea, ETH_ADDR_LEN);
    k->dl_type = f->dl_type;
    km->dl_type = m->dl_type;
    memset(&left.dl_dst, 0, sizeof left.dl_dst);
    memset(&left.dl_src, 0, sizeof left.dl_src);
    left.dl_type = 0;

    k->vlan_tci = f->vlans[0].tci;
    km->vlan_tci = m->vlans[0].tci;
    k->vlan_tpid = f->vlans[0].tpid;
    km->vlan_tpid = m->vlans[0].tpid;
    memset(&left.vlans[0], 0, sizeof left.vlans[0]);
    /* The program never looks up a frame with a second tag, so a flow that
     * requires its absence is fine. */
    if (f->vlans[1].qtag & m->vlans[1].qtag) {
        return "second VLAN tag";
    }
    memset(&left.vlans[1], 0, sizeof left.vlans[1]);

    l3 = m->nw_proto || m->nw_frag || m->nw_src || m->nw_dst
         || m->nw_tos || m->nw_ttl || m->ipv6_label
         || !ipv6_mask_is_any(&m->ipv6_src)
         || !ipv6_mask_is_any(&m->ipv6_dst);
    if (l3 && (m->dl_type != OVS_BE16_MAX || !is_ip_type(f->dl_type))) {
        return "L3 fields of a non-IP packet";
    }
    if (f->nw_frag & m->nw_frag) {
        return "fragments";
    }
    km->nw_frag = m->nw_frag;
    k->nw_proto = f->nw_proto;
    km->nw_proto = m->nw_proto;
    k->nw_tos = f->nw_tos;
    km->nw_tos = m->nw_tos;
    k->nw_ttl = f->nw_ttl;
    km->nw_ttl = m->nw_ttl;
    if (f->dl_type == htons(ETH_TYPE_IP)) {
        if (!ipv6_mask_is_any(&m->ipv6_src)
            || !ipv6_mask_is_any(&m->ipv6_dst) || m->ipv6_label) {
            return "IPv6 fields in an IPv4 flow";
        }
        k->nw_src[0] = f->nw_src;
        km->nw_src[0] = m->nw_src;
        k->nw_dst[0] = f->nw_dst;
        km->nw_dst[0] = m->nw_dst;
    } else {
        if (m->nw_src || m->nw_dst) {
            return "IPv4 addresses in a non-IPv4 flow";
        }
        memcpy(k->nw_src, &f->ipv6_src, 16);
        memcpy(km->nw_src, &m->ipv6_src, 16);
        memcpy(k->nw_dst, &f->ipv6_dst, 16);
        memcpy(km->nw_dst, &m->ipv6_dst, 16);
        k->ipv6_label = f->ipv6_label;
        km->ipv6_label = m->ipv6_label;
    }
    left.nw_frag = left.nw_proto = left.nw_tos = left.nw_ttl = 0;
    left.ipv6_label = 0;
    left.nw_src = left.nw_dst = 0;
    memset(&left.ipv6_src, 0, sizeof left.ipv6_src);
    memset(&left.ipv6_dst, 0, sizeof left.ipv6_dst);

    l4 = m->tp_src || m->tp_dst;
    if (l4 && (!l3 || m->nw_proto != UINT8_MAX
               || (f->nw_proto != IPPROTO_TCP && f->nw_proto != IPPROTO_UDP
                   && f->nw_proto != IPPROTO_SCTP
                   && f->nw_proto != IPPROTO_ICMP
                   && f->nw_proto != IPPROTO_ICMPV6))) {
        return "L4 fields of this protocol";
    }
    k->tp_src = f->tp_src;
    km->tp_src = m->tp_src;
    k->tp_dst = f->tp_dst;
    km->tp_dst = m->tp_dst;
    left.tp_src = left.tp_dst = 0;

    if (!is_all_zeros(&left, sizeof left)) {
        return "fields the XDP program does not read";
    }
    return NULL;
}

/* Fills output step 'st' for OVS port 'port' of the datapath of 'netdev'
 * (the in_port, whose tc program is 'in_has_tc'). */
static void
output_step(struct netdev *netdev, odp_port_t port, bool in_has_tc,
            struct xsk_flow_step *st)
{
    struct xsk_port_flows *f = NULL;
    struct netdev *out;

    memset(st, 0, sizeof *st);
    st->type = XSK_FLOW_STEP_OUTPUT;
    st->out.in_has_tc = in_has_tc;
    out = netdev_ports_get(port, netdev_get_dpif_type(netdev));
    if (out) {
        f = netdev_xsk_flows(out);
    }
    if (f) {
        xsk_mutex_lock(&f->mutex);
        st->ifindex = flows_port(f, NULL);
        st->out.redirect = f->redirect;
        xsk_mutex_unlock(&f->mutex);
    }
    netdev_close(out);
    if (st->ifindex > 0) {
        st->out.out_takes_xdp = can_redirect_to__(st->ifindex,
                                                  &st->out.out_is_veth);
    } else {
        st->ifindex = 0;
    }
}

/* Fills set step 'st' from the value 'v' and mask 'mask' of a set
 * action. */
static void
set_eth_step(const struct ovs_key_ethernet *v,
             const struct ovs_key_ethernet *mask, struct xsk_flow_step *st)
{
    memset(st, 0, sizeof *st);
    st->type = XSK_FLOW_STEP_SET_ETH;
    memcpy(st->eth.dst, v->eth_dst.ea, ETH_ADDR_LEN);
    memcpy(st->eth.dst_mask, mask->eth_dst.ea, ETH_ADDR_LEN);
    memcpy(st->eth.src, v->eth_src.ea, ETH_ADDR_LEN);
    memcpy(st->eth.src_mask, mask->eth_src.ea, ETH_ADDR_LEN);
}

/* Converts the actions of a megaflow entering 'netdev' into
 * 'spec->action', for the match in 'spec': outputs to afxdp ports (at most
 * XSK_FLOW_MAX_OUTPUTS), sets of Ethernet addresses, VLAN pop and push,
 * drop; xsk_flow_build_step() decides whether their order can be
 * expressed.  Returns NULL, or why they cannot be offloaded. */
static const char *
action_from_odp(struct netdev *netdev, const struct nlattr *actions,
                size_t actions_len, struct xsk_flow_spec *spec)
{
    struct xsk_flow_action *a = &spec->action;
    struct xsk_port_flows *f = flows_of(netdev);
    struct xsk_flow_build b;
    const struct nlattr *nla;
    int in_ifindex;
    bool in_has_tc;
    size_t left;

    xsk_mutex_lock(&f->mutex);
    in_ifindex = flows_port(f, &in_has_tc);
    xsk_mutex_unlock(&f->mutex);
    xsk_flow_build_init(&b, in_ifindex, a);
    xsk_flow_build_match(&b, &spec->key, &spec->mask);
    NL_ATTR_FOR_EACH_UNSAFE (nla, left, actions, actions_len) {
        enum ovs_action_attr type = nl_attr_type(nla);
        struct xsk_flow_step st;

        if (type == OVS_ACTION_ATTR_OUTPUT) {
            output_step(netdev, nl_attr_get_odp_port(nla), in_has_tc, &st);
        } else if (type == OVS_ACTION_ATTR_DROP) {
            memset(&st, 0, sizeof st);
            st.type = XSK_FLOW_STEP_DROP;
        } else if (type == OVS_ACTION_ATTR_POP_VLAN) {
            memset(&st, 0, sizeof st);
            st.type = XSK_FLOW_STEP_POP_VLAN;
        } else if (type == OVS_ACTION_ATTR_PUSH_VLAN) {
            const struct ovs_action_push_vlan *v = nl_attr_get(nla);

            memset(&st, 0, sizeof st);
            st.type = XSK_FLOW_STEP_PUSH_VLAN;
            st.vlan.tpid = v->vlan_tpid;
            st.vlan.tci = v->vlan_tci;
        } else if (type == OVS_ACTION_ATTR_SET
                   || type == OVS_ACTION_ATTR_SET_MASKED) {
            const struct nlattr *key = nl_attr_get(nla);
            const struct ovs_key_ethernet *v, *mask;
            static const struct ovs_key_ethernet exact = {
                .eth_src = ETH_ADDR_C(ff, ff, ff, ff, ff, ff),
                .eth_dst = ETH_ADDR_C(ff, ff, ff, ff, ff, ff),
            };

            if (nl_attr_type(key) != OVS_KEY_ATTR_ETHERNET) {
                return "set action on a field other than Ethernet";
            }
            v = nl_attr_get(key);
            if (type == OVS_ACTION_ATTR_SET_MASKED) {
                if (nl_attr_get_size(key) != 2 * sizeof *v) {
                    return "malformed set action";
                }
                mask = v + 1;
            } else {
                mask = &exact;
            }
            set_eth_step(v, mask, &st);
        } else {
            return "an action the XDP program does not carry out";
        }
        if (!xsk_flow_build_step(&b, &st)) {
            break;
        }
    }
    return xsk_flow_build_finish(&b);
}

static void
ufid_from_ovs(const ovs_u128 *ufid, struct xsk_flow_ufid *u)
{
    u->w[0] = ufid->u64.hi;
    u->w[1] = ufid->u64.lo;
}

static void
stats_to_ovs(const struct xsk_flow_stats *s, struct dpif_flow_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    stats->n_packets = s->packets;
    stats->n_bytes = s->bytes;
    stats->used = s->used_ns / (1000 * 1000);
}

static int
xsk_offload_flow_put(struct netdev *netdev, struct match *match,
                     struct nlattr *actions, size_t actions_len,
                     const ovs_u128 *ufid,
                     struct offload_info *info OVS_UNUSED,
                     struct dpif_flow_stats *stats)
{
    struct xsk_port_flows *f = flows_of(netdev);
    struct xsk_flow_spec spec;
    struct xsk_flow_ufid u;
    const char *why;
    int error;

    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    why = spec_from_match(match, &spec);
    if (!why) {
        why = action_from_odp(netdev, actions, actions_len, &spec);
    }
    ufid_from_ovs(ufid, &u);
    xsk_mutex_lock(&f->mutex);
    error = why ? EOPNOTSUPP : xsk_flow_put(f->table, &u, &spec);
    if (!error && f->table->n_puts == 1) {
        VLOG_INFO("%s: first flow offloaded into the XDP program",
                  netdev_get_name(netdev));
    }
    if (error && !xsk_flow_punt(f->table, &u)) {
        /* An offloaded flow whose new actions the program cannot carry
         * out: its frames go to OVS from now on, and its rule stays,
         * punting, so that OVS still gets the counters it had.  For
         * dpif-netdev that is a successful modification. */
        error = 0;
    }
    xsk_mutex_unlock(&f->mutex);
    if (why) {
        VLOG_DBG_RL(&rl, "%s: flow "UUID_FMT" not offloaded: %s",
                    netdev_get_name(netdev), UUID_ARGS((struct uuid *) ufid),
                    why);
    } else if (error) {
        /* Not a fault: the flow works in userspace. */
        VLOG_INFO_RL(&rl, "%s: flow "UUID_FMT" not offloaded: %s",
                     netdev_get_name(netdev), UUID_ARGS((struct uuid *) ufid),
                     error == ENOSPC ? "no room in the XDP flow table"
                     : ovs_strerror(error));
    }
    return error;
}

static int
xsk_offload_flow_get(struct netdev *netdev, struct match *match OVS_UNUSED,
                     struct nlattr **actions OVS_UNUSED, const ovs_u128 *ufid,
                     struct dpif_flow_stats *stats,
                     struct dpif_flow_attrs *attrs,
                     struct ofpbuf *buf OVS_UNUSED)
{
    struct xsk_port_flows *f = flows_of(netdev);
    struct xsk_flow_action a;
    struct xsk_flow_stats s;
    struct xsk_flow_ufid u;
    int error;

    xsk_mutex_lock(&f->mutex);
    /* The revalidators ask for every flow now and then: a good time to
     * take masks without rules off the program's list. */
    error = xsk_flow_tidy(f->table);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: updating the XDP program's mask list "
                     "failed: %s", netdev_get_name(netdev),
                     ovs_strerror(error));
    }
    ufid_from_ovs(ufid, &u);
    error = xsk_flow_get(f->table, &u, &s, &a);
    if (!error && a.kind == XSK_FLOW_OUTPUT && !(a.flags & XSK_FLOW_VIA_SKB)
        && a.n_outputs == 1 && !can_redirect_to(a.out_ifindex[0])) {
        /* Its frames would be dropped: back to OVS with them. */
        xsk_flow_punt(f->table, &u);
        a.kind = XSK_FLOW_PUNT;
        VLOG_INFO_RL(&rl, "%s: flow "UUID_FMT" no longer offloaded: its "
                     "output port (ifindex %"PRIu32") cannot take XDP "
                     "redirects any more", netdev_get_name(netdev),
                     UUID_ARGS((struct uuid *) ufid), a.out_ifindex[0]);
    }
    xsk_mutex_unlock(&f->mutex);
    if (error) {
        return error;
    }
    stats_to_ovs(&s, stats);
    /* A punted flow's counters are OVS's too, but its packets now go
     * through OVS. */
    attrs->offloaded = a.kind != XSK_FLOW_PUNT;
    attrs->dp_layer = xsk_flow_layer(&a);
    attrs->dp_extra_info = NULL;
    return 0;
}

static int
xsk_offload_flow_del(struct netdev *netdev, const ovs_u128 *ufid,
                     struct dpif_flow_stats *stats)
{
    struct xsk_port_flows *f = flows_of(netdev);
    struct xsk_flow_stats s;
    struct xsk_flow_ufid u;
    int error;

    ufid_from_ovs(ufid, &u);
    xsk_mutex_lock(&f->mutex);
    error = xsk_flow_del(f->table, &u, &s);
    xsk_mutex_unlock(&f->mutex);
    if (!error && stats) {
        stats_to_ovs(&s, stats);
    }
    return error;
}

/* Removes the port's flows, and every flow of the other ports that outputs
 * to it. */
static int
xsk_offload_flow_flush(struct netdev *netdev)
{
    struct xsk_port_flows *f = flows_of(netdev);
    uint32_t n;
    int ifindex;

    xsk_mutex_lock(&f->mutex);
    ifindex = flows_port(f, NULL);
    xsk_flow_flush(f->table);
    xsk_mutex_unlock(&f->mutex);
    if (ifindex > 0) {
        n = xsk_port_purge_output(ifindex);
        if (n) {
            VLOG_INFO("%s: %"PRIu32" offloaded flow(s) of other ports that "
                      "output here now go to OVS", netdev_get_name(netdev),
                      n);
        }
    }
    return 0;
}

static int
xsk_offload_flow_get_n_flows(struct netdev *netdev, uint64_t *n_flows)
{
    struct xsk_port_flows *f = flows_of(netdev);

    xsk_mutex_lock(&f->mutex);
    n_flows[0] = f->table->n_rules;
    xsk_mutex_unlock(&f->mutex);
    for (unsigned int i = 1; i < netdev_offload_thread_nb(); i++) {
        n_flows[i] = 0;
    }
    return 0;
}

static int
xsk_offload_init_flow_api(struct netdev *netdev)
{
    if (!netdev_xsk_flows(netdev)
        || strcmp(netdev_get_dpif_type(netdev), "netdev")) {
        return EOPNOTSUPP;
    }
    VLOG_INFO("%s: XDP flow offload enabled", netdev_get_name(netdev));
    return 0;
}

static void
xsk_offload_uninit_flow_api(struct netdev *netdev)
{
    xsk_offload_flow_flush(netdev);
}

const struct netdev_flow_api netdev_xsk_offload = {
    .type = "ovs-xsk-xdp",
    .flow_flush = xsk_offload_flow_flush,
    .flow_put = xsk_offload_flow_put,
    .flow_get = xsk_offload_flow_get,
    .flow_del = xsk_offload_flow_del,
    .flow_get_n_flows = xsk_offload_flow_get_n_flows,
    .init_flow_api = xsk_offload_init_flow_api,
    .uninit_flow_api = xsk_offload_uninit_flow_api,
};
