/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of the offloaded-flow table, netdev/xsk-flow.c, over a fake
 * backend that keeps the program's maps in memory and logs every write.
 * It checks what a frame would get (classify(): the same lookup the XDP
 * program does), the order of the writes (a frame never sees a half-made
 * rule), limits, failures that leave everything as it was, and moving the
 * table from program to program.  Needs no root; prints TAP. */

#include "xsk-flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xsk-opts.h"

/* ---- The fake program --------------------------------------------------- */

#define MAX_RULES (2 * XSK_FLOW_MAX_FLOWS)

struct fake {
    struct {
        bool used;
        struct xsk_flow_hkey hk;
        struct xsk_flow_action a;
    } rules[MAX_RULES];
    struct xsk_flow_mask_list list;
    int ports[XSK_FLOW_MAX_PORTS + 1];
    struct xsk_flow_stats stats[XSK_FLOW_MAX_FLOWS];
    char log[4096];             /* One letter per write: R(ule put),
                                 * r(ule del), M(asks), P(ort put), p(ort
                                 * del), Z(ero counters). */
    char fail;                  /* Make a write of this kind fail... */
    int fail_skip;              /* ...after this many of them succeed. */
    bool masks_busy;            /* What masks_busy() says. */
};

static int
fake_op(struct fake *f, char op)
{
    size_t n = strlen(f->log);

    if (f->fail == op && !f->fail_skip--) {
        f->fail = 0;
        f->fail_skip = 0;
        return EIO;
    }
    if (n + 1 < sizeof f->log) {
        f->log[n] = op;
        f->log[n + 1] = '\0';
    }
    return 0;
}

static int
find_rule(struct fake *f, const struct xsk_flow_hkey *hk)
{
    for (int i = 0; i < MAX_RULES; i++) {
        if (f->rules[i].used && !memcmp(&f->rules[i].hk, hk, sizeof *hk)) {
            return i;
        }
    }
    return -1;
}

static int
fake_rule_put(void *f_, const struct xsk_flow_hkey *hk,
              const struct xsk_flow_action *a)
{
    struct fake *f = f_;
    int i = find_rule(f, hk), error = fake_op(f, 'R');

    for (int j = 0; i < 0 && j < MAX_RULES; j++) {
        if (!f->rules[j].used) {
            i = j;
        }
    }
    if (!error) {
        f->rules[i].used = true;
        f->rules[i].hk = *hk;
        f->rules[i].a = *a;
    }
    return error;
}

static int
fake_rule_del(void *f_, const struct xsk_flow_hkey *hk)
{
    struct fake *f = f_;
    int i = find_rule(f, hk), error = fake_op(f, 'r');

    if (!error && i >= 0) {
        f->rules[i].used = false;
    }
    return error;
}

static int
fake_masks_put(void *f_, const struct xsk_flow_mask_list *list)
{
    struct fake *f = f_;
    int error = fake_op(f, 'M');

    if (!error) {
        f->list = *list;
    }
    return error;
}

static bool
fake_masks_busy(void *f_)
{
    struct fake *f = f_;

    return f->masks_busy;
}

static int
fake_port_put(void *f_, int ifindex)
{
    struct fake *f = f_;
    int error = fake_op(f, 'P');

    for (int i = 0; !error && i <= XSK_FLOW_MAX_PORTS; i++) {
        if (!f->ports[i]) {
            f->ports[i] = ifindex;
            break;
        }
    }
    return error;
}

static int
fake_port_del(void *f_, int ifindex)
{
    struct fake *f = f_;
    int error = fake_op(f, 'p');

    for (int i = 0; !error && i <= XSK_FLOW_MAX_PORTS; i++) {
        if (f->ports[i] == ifindex) {
            f->ports[i] = 0;
        }
    }
    return error;
}

static bool
has_port(const struct fake *f, int ifindex)
{
    for (int i = 0; i <= XSK_FLOW_MAX_PORTS; i++) {
        if (f->ports[i] == ifindex) {
            return true;
        }
    }
    return false;
}

static int
fake_stats_reset(void *f_, uint32_t stats_idx)
{
    struct fake *f = f_;
    int error = fake_op(f, 'Z');

    if (!error) {
        memset(&f->stats[stats_idx], 0, sizeof f->stats[stats_idx]);
    }
    return error;
}

static int
fake_stats_read(void *f_, uint32_t stats_idx, struct xsk_flow_stats *s)
{
    struct fake *f = f_;

    *s = f->stats[stats_idx];
    return 0;
}

static const struct xsk_flow_backend fake_backend = {
    .rule_put = fake_rule_put,
    .rule_del = fake_rule_del,
    .masks_put = fake_masks_put,
    .masks_busy = fake_masks_busy,
    .port_put = fake_port_put,
    .port_del = fake_port_del,
    .stats_reset = fake_stats_reset,
    .stats_read = fake_stats_read,
};

/* What the program does with a frame of key 'k': the action of the first
 * rule that matches under the mask list, counted, or NULL. */
static const struct xsk_flow_action *
classify(struct fake *f, const struct xsk_flow_key *k, uint32_t len)
{
    for (uint32_t m = 0; m < f->list.n_masks; m++) {
        struct xsk_flow_hkey hk;
        int i;

        xsk_flow_make_hkey(k, &f->list.masks[m], f->list.ids[m], &hk);
        i = find_rule(f, &hk);
        if (i >= 0) {
            struct xsk_flow_stats *s = &f->stats[f->rules[i].a.stats_idx];

            s->packets++;
            s->bytes += len;
            s->used_ns = 1000;
            return &f->rules[i].a;
        }
    }
    return NULL;
}

/* ---- Flows -------------------------------------------------------------- */

#define UFID(N) (&(struct xsk_flow_ufid) { { (N), ~(uint64_t) (N) } })

/* A frame key: UDP from 10.0.0.<src> to 10.0.0.<dst>, port 'dport'. */
static struct xsk_flow_key
key_udp(int src, int dst, int dport)
{
    struct xsk_flow_key k;

    memset(&k, 0, sizeof k);
    memcpy(k.dl_dst, "\x02\x00\x00\x00\x00\x02", 6);
    memcpy(k.dl_src, "\x02\x00\x00\x00\x00\x01", 6);
    k.dl_type = htons(0x0800);
    k.nw_proto = 17;
    k.nw_ttl = 64;
    k.nw_src[0] = htonl(0x0a000000 | src);
    k.nw_dst[0] = htonl(0x0a000000 | dst);
    k.tp_src = htons(40000);
    k.tp_dst = htons(dport);
    return k;
}

/* Masks: by destination MAC only, or by IPv4 destination + UDP port. */
static struct xsk_flow_key
mask_mac(void)
{
    struct xsk_flow_key m;

    memset(&m, 0, sizeof m);
    memset(m.dl_dst, 0xff, 6);
    m.dl_type = 0xffff;
    return m;
}

static struct xsk_flow_key
mask_ip_port(void)
{
    struct xsk_flow_key m = mask_mac();

    m.nw_proto = 0xff;
    m.nw_dst[0] = 0xffffffff;
    m.tp_dst = 0xffff;
    return m;
}

static struct xsk_flow_spec
spec(struct xsk_flow_key k, struct xsk_flow_key m, int out_ifindex)
{
    struct xsk_flow_spec s;

    memset(&s, 0, sizeof s);
    s.key = k;
    s.mask = m;
    s.action.kind = out_ifindex ? XSK_FLOW_OUTPUT : XSK_FLOW_DROP;
    s.action.n_outputs = out_ifindex ? 1 : 0;
    s.action.out_ifindex[0] = out_ifindex;
    return s;
}

static struct fake *
new_fake(struct xsk_flow_table *t)
{
    struct fake *f = calloc(1, sizeof *f);

    xsk_flow_table_init(t);
    CHECK(!xsk_flow_attach(t, &fake_backend, f), "attach to an empty fake");
    f->log[0] = '\0';
    return f;
}

static int
n_fake_rules(const struct fake *f)
{
    int n = 0;

    for (int i = 0; i < MAX_RULES; i++) {
        n += f->rules[i].used;
    }
    return n;
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_add_classify_delete(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k = key_udp(1, 2, 53);
    const struct xsk_flow_action *a;
    struct xsk_flow_spec s = spec(k, mask_ip_port(), 7);
    struct xsk_flow_stats st;
    const struct xsk_flow_ufid *u = UFID(1);

    CHECK(!xsk_flow_put(&t, u, &s), "put");
    CHECK(!strcmp(f->log, "PZRM"), "port, counters, rule, then masks: %s",
          f->log);
    CHECK(has_port(f, 7), "output port in the devmap");
    a = classify(f, &k, 100);
    CHECK(a && a->kind == XSK_FLOW_OUTPUT && a->out_ifindex[0] == 7,
          "the frame is redirected to ifindex 7");
    k.tp_dst = htons(54);
    CHECK(!classify(f, &k, 100), "another port matches nothing");
    k = key_udp(9, 2, 53);
    CHECK(classify(f, &k, 100), "the source address is wildcarded");

    CHECK(!xsk_flow_get(&t, u, &st, NULL), "get");
    CHECK(st.packets == 2 && st.bytes == 200 && st.used_ns == 1000,
          "counters %llu packets %llu bytes", (unsigned long long) st.packets,
          (unsigned long long) st.bytes);
    CHECK(xsk_flow_get(&t, UFID(5), &st, NULL) == ENOENT,
          "get of an unknown flow");

    f->log[0] = '\0';
    memset(&st, 0, sizeof st);
    CHECK(!xsk_flow_del(&t, u, &st), "del");
    CHECK(st.packets == 2, "del returns the final counters");
    CHECK(!strcmp(f->log, "rMp"), "rule, masks, then port: %s", f->log);
    CHECK(!classify(f, &k, 100), "nothing matches any more");
    CHECK(f->list.n_masks == 0 && !has_port(f, 7) && !n_fake_rules(f),
          "the maps are empty");
    CHECK(xsk_flow_del(&t, u, NULL) == ENOENT, "second del");
    tap_group("add, classify, count, delete, in a safe order");
    xsk_flow_table_destroy(&t);
    free(f);
}

static void
test_modify(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k = key_udp(1, 2, 53);
    struct xsk_flow_spec s = spec(k, mask_mac(), 7);
    const struct xsk_flow_action *a;
    const struct xsk_flow_ufid *u = UFID(1);
    uint32_t stats_idx;

    CHECK(!xsk_flow_put(&t, u, &s), "put");
    classify(f, &k, 60);
    stats_idx = classify(f, &k, 60)->stats_idx;
    f->log[0] = '\0';
    s.action.out_ifindex[0] = 8;
    CHECK(!xsk_flow_put(&t, u, &s), "modify to ifindex 8");
    CHECK(!strcmp(f->log, "PRp"), "new port, rule replaced, old port "
          "removed: %s", f->log);
    a = classify(f, &k, 60);
    CHECK(a && a->out_ifindex[0] == 8 && a->stats_idx == stats_idx,
          "the frame goes to 8, counted at the same stats index");
    CHECK(n_fake_rules(f) == 1 && t.n_rules == 1, "still one rule");

    s = spec(k, mask_mac(), 0);
    CHECK(!xsk_flow_put(&t, u, &s), "modify to drop");
    a = classify(f, &k, 60);
    CHECK(a && a->kind == XSK_FLOW_DROP, "the frame is dropped");
    CHECK(!has_port(f, 8), "no port left in the devmap");

    s = spec(k, mask_ip_port(), 7);
    CHECK(!xsk_flow_put(&t, u, &s), "modify to a new match");
    CHECK(t.n_rules == 1 && t.n_masks == 1 && f->list.n_masks == 1,
          "one rule under the new mask only");
    tap_group("modify: actions replaced in one write; a new match");
    xsk_flow_table_destroy(&t);
    free(f);
}

static void
test_limits(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k = key_udp(1, 2, 53);
    struct xsk_flow_spec s;
    uint32_t ids[XSK_FLOW_MAX_MASKS];
    int i;

    for (i = 0; i < XSK_FLOW_MAX_MASKS; i++) {
        struct xsk_flow_key m = mask_mac();
        const struct xsk_flow_ufid *u = UFID(100 + i);

        m.tp_dst = htons(1 << (i % 16));
        s = spec(k, m, 7);
        CHECK(!xsk_flow_put(&t, u, &s), "put with mask %d", i);
    }
    for (i = 0; i < XSK_FLOW_MAX_MASKS; i++) {
        ids[i] = f->list.ids[i];
    }
    s = spec(k, mask_ip_port(), 7);
    CHECK(xsk_flow_put(&t, UFID(999), &s) == ENOSPC,
          "a mask more than %d: ENOSPC", XSK_FLOW_MAX_MASKS);
    CHECK(t.n_rules == XSK_FLOW_MAX_MASKS
          && f->list.n_masks == XSK_FLOW_MAX_MASKS, "nothing changed");

    s = spec(k, mask_mac(), 7);
    s.mask.tp_dst = htons(1);
    CHECK(xsk_flow_put(&t, UFID(998), &s) == EEXIST,
          "same match as another flow: EEXIST");

    /* Free mask 0 by deleting its flow; a new mask gets a new id. */
    CHECK(!xsk_flow_del(&t, UFID(100), NULL), "del");
    s = spec(k, mask_ip_port(), 7);
    CHECK(!xsk_flow_put(&t, UFID(999), &s), "room for one mask again");
    for (i = 0; i < XSK_FLOW_MAX_MASKS; i++) {
        CHECK(f->list.ids[XSK_FLOW_MAX_MASKS - 1] != ids[i],
              "mask id %u reused", ids[i]);
    }
    xsk_flow_flush(&t);
    CHECK(!t.n_rules && !n_fake_rules(f) && !f->list.n_masks,
          "flush empties table and maps");

    /* Rules: exactly XSK_FLOW_MAX_FLOWS fit. */
    for (i = 0; i < XSK_FLOW_MAX_FLOWS; i++) {
        struct xsk_flow_key ki = key_udp(1, 2, i);

        s = spec(ki, mask_ip_port(), 0);
        if (xsk_flow_put(&t, UFID(i), &s)) {
            break;
        }
    }
    CHECK(i == XSK_FLOW_MAX_FLOWS, "%d of %d flows fit", i,
          XSK_FLOW_MAX_FLOWS);
    s = spec(key_udp(1, 3, 1), mask_ip_port(), 0);
    CHECK(xsk_flow_put(&t, UFID(1u << 20), &s) == ENOSPC, "one more: ENOSPC");
    tap_group("limits: masks, rules, duplicate matches; mask ids not reused");
    xsk_flow_table_destroy(&t);
    free(f);
}

static void
test_failures(void)
{
    static const char ops[] = "PZRM";
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k = key_udp(1, 2, 53);
    struct xsk_flow_spec s = spec(k, mask_ip_port(), 7);

    for (const char *op = ops; *op; op++) {
        f->fail = *op;
        CHECK(xsk_flow_put(&t, UFID(1), &s) == EIO, "put fails at '%c'",
              *op);
        CHECK(!t.n_rules && !t.n_masks, "table unchanged after '%c'", *op);
        CHECK(!n_fake_rules(f) && !f->list.n_masks && !has_port(f, 7),
              "maps unchanged after '%c': %d rules %u masks", *op,
              n_fake_rules(f), f->list.n_masks);
        CHECK(t.n_free == XSK_FLOW_MAX_FLOWS,
              "stats index returned after '%c'", *op);
    }
    CHECK(!xsk_flow_put(&t, UFID(1), &s), "then it works");
    CHECK(classify(f, &k, 1), "and matches");
    tap_group("a failed write leaves table and maps as they were");
    xsk_flow_table_destroy(&t);
    free(f);
}

static void
test_purge_and_reattach(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t), *g, *h;
    struct xsk_flow_key k1 = key_udp(1, 2, 53), k2 = key_udp(1, 3, 53), k3;
    struct xsk_flow_spec s;
    struct xsk_flow_stats st;

    s = spec(k1, mask_ip_port(), 7);
    CHECK(!xsk_flow_put(&t, UFID(1), &s), "put to 7");
    s = spec(k2, mask_ip_port(), 8);
    CHECK(!xsk_flow_put(&t, UFID(2), &s), "put to 8");
    classify(f, &k1, 10);
    classify(f, &k1, 10);

    /* The program is replaced: counters move into the table. */
    xsk_flow_detach(&t);
    g = calloc(1, sizeof *g);
    CHECK(!xsk_flow_attach(&t, &fake_backend, g), "attach to a new program");
    CHECK(has_port(g, 7) && has_port(g, 8) && n_fake_rules(g) == 2
          && g->list.n_masks == 1, "the new program has every rule");
    classify(g, &k1, 10);
    CHECK(!xsk_flow_get(&t, UFID(1), &st, NULL) && st.packets == 3
          && st.bytes == 30, "counters carried over: %llu",
          (unsigned long long) st.packets);

    CHECK(xsk_flow_purge_output(&t, 7) == 1, "purge ifindex 7: one flow");
    CHECK(classify(g, &k1, 10)->kind == XSK_FLOW_PUNT
          && classify(g, &k2, 10)->kind == XSK_FLOW_OUTPUT,
          "flows to 7 punted, to 8 kept");
    CHECK(!has_port(g, 7) && has_port(g, 8), "devmap follows");
    CHECK(!xsk_flow_get(&t, UFID(1), &st, NULL) && st.packets >= 3,
          "the punted flow keeps its counters: %llu",
          (unsigned long long) st.packets);
    CHECK(xsk_flow_punt(&t, UFID(42)) == ENOENT, "punt of an unknown flow");

    /* While detached, changes are kept and written on attach. */
    xsk_flow_detach(&t);
    k3 = key_udp(1, 2, 53);
    k3.dl_dst[5] = 3;
    s = spec(k3, mask_mac(), 9);
    CHECK(!xsk_flow_put(&t, UFID(3), &s), "put while detached");
    h = calloc(1, sizeof *h);
    CHECK(!xsk_flow_attach(&t, &fake_backend, h), "attach");
    CHECK(classify(h, &k3, 10)
          && classify(h, &k3, 10)->out_ifindex[0] == 9, "written on attach");
    tap_group("purge by output port; detach and attach keep flows and "
              "counters");
    xsk_flow_table_destroy(&t);
    free(f);
    free(g);
    free(h);
}

/* A removed flow costs one map write: a mask left without rules stays on
 * the list until the list is written anyway, or tidied. */
static void
test_lazy_masks(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k1 = key_udp(1, 2, 53), k2 = key_udp(1, 2, 53);
    struct xsk_flow_key m3 = mask_mac();
    struct xsk_flow_spec s;
    uint32_t id;

    k2.dl_dst[5] = 9;
    s = spec(k1, mask_ip_port(), 7);
    CHECK(!xsk_flow_put(&t, UFID(1), &s), "put under mask A");
    id = f->list.ids[0];
    s = spec(k2, mask_mac(), 7);
    CHECK(!xsk_flow_put(&t, UFID(2), &s), "put under mask B");

    f->log[0] = '\0';
    CHECK(!xsk_flow_del(&t, UFID(1), NULL), "del the flow of mask A");
    CHECK(!strcmp(f->log, "r"), "only the rule is written: %s", f->log);
    CHECK(!classify(f, &k1, 10), "its frames match nothing");
    CHECK(f->list.n_masks == 2 && xsk_flow_n_empty_masks(&t) == 1,
          "mask A stays on the list, without rules");

    f->log[0] = '\0';
    s = spec(k1, mask_ip_port(), 8);
    CHECK(!xsk_flow_put(&t, UFID(3), &s), "put under mask A again");
    CHECK(!strcmp(f->log, "PZR"), "the mask is reused as it is: %s",
          f->log);
    CHECK(f->list.ids[0] == id && !xsk_flow_n_empty_masks(&t)
          && classify(f, &k1, 10)->out_ifindex[0] == 8,
          "and matches again");

    CHECK(!xsk_flow_del(&t, UFID(3), NULL), "del it again");
    f->log[0] = '\0';
    m3.tp_dst = htons(0xffff);
    s = spec(k1, m3, 7);
    CHECK(!xsk_flow_put(&t, UFID(4), &s), "put under a new mask C");
    CHECK(!strcmp(f->log, "ZRM"), "one list write: %s", f->log);
    CHECK(f->list.n_masks == 2 && f->list.ids[0] != id
          && !xsk_flow_n_empty_masks(&t), "which drops mask A: %u masks",
          f->list.n_masks);

    CHECK(!xsk_flow_del(&t, UFID(4), NULL), "del the flow of mask C");
    f->log[0] = '\0';
    f->masks_busy = true;
    CHECK(!xsk_flow_tidy(&t) && !f->log[0] && f->list.n_masks == 2,
          "tidy does not wait for a busy list");
    f->masks_busy = false;
    CHECK(!xsk_flow_tidy(&t) && !strcmp(f->log, "M")
          && f->list.n_masks == 1, "tidy writes the list without it");
    f->log[0] = '\0';
    CHECK(!xsk_flow_tidy(&t) && !f->log[0], "then tidy has nothing to do");
    CHECK(classify(f, &k2, 10), "the flow of mask B still matches");

    f->log[0] = '\0';
    CHECK(!xsk_flow_del(&t, UFID(2), NULL), "del the last flow");
    CHECK(!strcmp(f->log, "rMp") && !f->list.n_masks && !t.n_masks,
          "the last rule empties the list at once: %s", f->log);
    tap_group("a removed flow leaves its mask until the list is written");
    xsk_flow_table_destroy(&t);
    free(f);
}

/* How an output flow reaches its port: one row per situation. */
static void
test_out_flags(void)
{
    enum { XDP = 0, SKB = XSK_FLOW_VIA_SKB, NONE = -1 };
    static const struct {
        bool tc, takes_xdp, veth;
        enum xsk_out_redirect redirect;
        int want;               /* XDP, SKB or NONE (refused). */
    } cases[] = {
        /* auto: veths and devices that take no XDP frames get the skb
         * path; without a tc program, XDP redirects where they work. */
        { true, true, true, XSK_REDIRECT_AUTO, SKB },
        { true, false, true, XSK_REDIRECT_AUTO, SKB },
        { true, true, false, XSK_REDIRECT_AUTO, XDP },
        { true, false, false, XSK_REDIRECT_AUTO, SKB },
        { false, true, true, XSK_REDIRECT_AUTO, XDP },
        { false, false, true, XSK_REDIRECT_AUTO, NONE },
        { false, true, false, XSK_REDIRECT_AUTO, XDP },
        { false, false, false, XSK_REDIRECT_AUTO, NONE },
        /* xdp: XDP redirects whenever the device takes them now. */
        { true, true, true, XSK_REDIRECT_XDP, XDP },
        { true, false, true, XSK_REDIRECT_XDP, SKB },
        { false, false, true, XSK_REDIRECT_XDP, NONE },
        /* skb: never an XDP redirect. */
        { true, true, false, XSK_REDIRECT_SKB, SKB },
        { false, true, false, XSK_REDIRECT_SKB, NONE },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xsk_flow_out o = {
            .in_has_tc = cases[i].tc,
            .out_takes_xdp = cases[i].takes_xdp,
            .out_is_veth = cases[i].veth,
            .redirect = cases[i].redirect,
        };
        struct xsk_flow_action a = {
            .kind = XSK_FLOW_OUTPUT,
            .flags = XSK_FLOW_SET_ETH | XSK_FLOW_VIA_SKB,
        };
        const char *why = xsk_flow_out_flags(&o, &a);
        int got = why ? NONE : (int) (a.flags & XSK_FLOW_VIA_SKB);

        CHECK(got == cases[i].want, "row %zu (tc %d, takes XDP %d, veth %d, "
              "%s): got %d, want %d", i, o.in_has_tc, o.out_takes_xdp,
              o.out_is_veth, xsk_out_redirect_name(o.redirect), got,
              cases[i].want);
        CHECK(why || !(a.flags & XSK_FLOW_SKB_OK) == !cases[i].tc,
              "row %zu: SKB_OK exactly when the in_port has its tc program",
              i);
        CHECK(a.flags & XSK_FLOW_SET_ETH, "row %zu: other flags kept", i);
    }
    tap_group("output path: XDP redirect, skb path, or not offloaded");
}

/* A rule with outputs 'outs' (0-terminated, at most XSK_FLOW_MAX_OUTPUTS
 * of them). */
static struct xsk_flow_spec
spec_n(struct xsk_flow_key k, struct xsk_flow_key m, const int *outs)
{
    struct xsk_flow_spec s = spec(k, m, outs[0]);

    while (outs[s.action.n_outputs]) {
        s.action.out_ifindex[s.action.n_outputs] = outs[s.action.n_outputs];
        s.action.n_outputs++;
    }
    return s;
}

/* Rules with several outputs in the table: each output port is in the
 * devmap while a rule uses it, a rule goes to OVS when any of its outputs
 * goes, a failure half-way through the outputs leaves nothing behind. */
static void
test_several_outputs(void)
{
    static struct xsk_flow_table t;
    struct fake *f = new_fake(&t);
    struct xsk_flow_key k1 = key_udp(1, 2, 53), k2 = key_udp(1, 3, 53);
    const struct xsk_flow_action *a;
    struct xsk_flow_spec s;

    s = spec_n(k1, mask_ip_port(), (int[]) { 7, 8, 9, 0 });
    CHECK(!xsk_flow_put(&t, UFID(1), &s), "put to 7, 8, 9");
    CHECK(!strcmp(f->log, "PPPZRM"), "every port, then the rule: %s",
          f->log);
    a = classify(f, &k1, 10);
    CHECK(a && a->n_outputs == 3 && a->out_ifindex[2] == 9,
          "the frame goes to three outputs");
    s = spec_n(k2, mask_ip_port(), (int[]) { 8, 0 });
    f->log[0] = '\0';
    CHECK(!xsk_flow_put(&t, UFID(2), &s) && !strcmp(f->log, "ZR"),
          "a second rule to 8 adds no port: %s", f->log);

    s = spec_n(k1, mask_ip_port(), (int[]) { 7, 10, 0 });
    f->log[0] = '\0';
    CHECK(!xsk_flow_put(&t, UFID(1), &s), "modify to 7, 10");
    CHECK(!strcmp(f->log, "PRp"), "10 added, rule replaced, 9 removed: %s",
          f->log);
    CHECK(has_port(f, 7) && has_port(f, 8) && !has_port(f, 9)
          && has_port(f, 10), "devmap: 7, 8, 10");

    CHECK(xsk_flow_purge_output(&t, 10) == 1, "purge 10: one flow");
    CHECK(classify(f, &k1, 10)->kind == XSK_FLOW_PUNT,
          "the flow to 7 and 10 is punted");
    CHECK(classify(f, &k2, 10)->kind == XSK_FLOW_OUTPUT,
          "the flow to 8 is kept");
    CHECK(!has_port(f, 7) && has_port(f, 8) && !has_port(f, 10),
          "devmap: 8 only");
    xsk_flow_flush(&t);

    s = spec_n(k1, mask_ip_port(), (int[]) { 7, 7, 0 });
    CHECK(!xsk_flow_put(&t, UFID(3), &s), "put to 7 twice");
    CHECK(!xsk_flow_del(&t, UFID(3), NULL) && !has_port(f, 7),
          "both references dropped on delete");

    f->fail = 'P';
    f->fail_skip = 1;
    s = spec_n(k1, mask_ip_port(), (int[]) { 7, 8, 9, 0 });
    CHECK(xsk_flow_put(&t, UFID(4), &s) == EIO,
          "the second port write fails");
    CHECK(!has_port(f, 7) && !has_port(f, 8) && !n_fake_rules(f)
          && !t.n_rules, "nothing left behind");
    for (int i = 0; i < XSK_FLOW_MAX_PORTS; i++) {
        CHECK(!t.port_refs[i], "port entry %d has no reference", i);
    }

    s = spec_n(k1, mask_ip_port(), (int[]) { 7, 8, 9, 10, 0 });
    s.action.n_outputs = XSK_FLOW_MAX_OUTPUTS + 1;
    CHECK(xsk_flow_put(&t, UFID(5), &s) == EINVAL, "too many outputs");
    s.action.n_outputs = 0;
    CHECK(xsk_flow_put(&t, UFID(5), &s) == EINVAL, "no output");
    tap_group("rules with several outputs: devmap, purge, failures");
    xsk_flow_table_destroy(&t);
    free(f);
}

/* Translating OVS's action lists (xsk_flow_build_*()): one row per list,
 * steps as the glue hands them over. */
#define MAX_STEPS 8
#define OUT(IFINDEX) { .type = XSK_FLOW_STEP_OUTPUT, .ifindex = (IFINDEX) }
#define SET_DST(B) { .type = XSK_FLOW_STEP_SET_ETH, .eth = { \
        .dst = { 2, 0, 0, 0, 0, (B) }, \
        .dst_mask = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } } }
#define DROP { .type = XSK_FLOW_STEP_DROP }
#define POP { .type = XSK_FLOW_STEP_POP_VLAN }
#define PUSH(TPID, VID) { .type = XSK_FLOW_STEP_PUSH_VLAN, \
        .vlan = { .tpid = (TPID), .tci = 0x1000 | (VID) } }   /* Host order
                                                               * here. */
#define REFUSED(WHY) (WHY), 0, { 0 }, false, NULL, ANY, 0
#define REFUSED_TAG(WHY, TAG) (WHY), 0, { 0 }, false, NULL, (TAG), 0

static void
test_translate(void)
{
    enum { VETHS, NICS, NO_TC };        /* Where the outputs are. */
    enum { ANY = XSK_FLOW_VLAN_ANY, UNTAGGED = XSK_FLOW_VLAN_NONE,
           TAGGED = XSK_FLOW_VLAN_ONE };        /* What the match says. */
    static const struct {
        const char *what;
        int where;
        struct xsk_flow_step steps[MAX_STEPS];
        int n_steps;
        const char *why;        /* Substring of the refusal, or NULL. */
        uint32_t n_outputs;     /* If offloaded: outputs... */
        int outs[XSK_FLOW_MAX_OUTPUTS];
        bool set_eth;           /* ...rewrite... */
        const char *layer;      /* ...and the way out. */
        int tag;                /* The match's VLAN tag. */
        uint32_t vlan;          /* If offloaded: XSK_FLOW_POP/PUSH_VLAN. */
    } cases[] = {
        { "no action: drop", VETHS, { { 0 } }, 0, NULL, 0, { 0 }, false,
          "xdp", ANY, 0 },
        { "explicit drop", VETHS, { DROP }, 1, NULL, 0, { 0 }, false, "xdp",
          ANY, 0 },
        { "set, then drop", VETHS, { SET_DST(9), DROP }, 2, NULL, 0, { 0 },
          false, "xdp", ANY, 0 },
        { "one output to a veth", VETHS, { OUT(2) }, 1, NULL, 1, { 2 },
          false, "skb", ANY, 0 },
        { "one output to a NIC", NICS, { OUT(2) }, 1, NULL, 1, { 2 }, false,
          "xdp", ANY, 0 },
        { "one output to the in_port", NICS, { OUT(1) }, 1, NULL, 1, { 1 },
          false, "xdp", ANY, 0 },
        { "output:2,output:3", VETHS, { OUT(2), OUT(3) }, 2, NULL, 2,
          { 2, 3 }, false, "skb-clone", ANY, 0 },
        { "flood to 4 ports", VETHS, { OUT(2), OUT(3), OUT(4), OUT(5) }, 4,
          NULL, 4, { 2, 3, 4, 5 }, false, "skb-clone", ANY, 0 },
        { "flood to 4 NICs: the skb path all the same", NICS,
          { OUT(2), OUT(3), OUT(4), OUT(5) }, 4, NULL, 4, { 2, 3, 4, 5 },
          false, "skb-clone", ANY, 0 },
        { "the same port twice", VETHS, { OUT(2), OUT(2) }, 2, NULL, 2,
          { 2, 2 }, false, "skb-clone", ANY, 0 },
        { "set, then 3 outputs", VETHS,
          { SET_DST(9), OUT(2), OUT(3), OUT(4) }, 4, NULL, 3, { 2, 3, 4 },
          true, "skb-clone", ANY, 0 },
        { "the same set again between outputs", VETHS,
          { SET_DST(9), OUT(2), SET_DST(9), OUT(3) }, 4, NULL, 2, { 2, 3 },
          true, "skb-clone", ANY, 0 },
        { "5 outputs", VETHS, { OUT(2), OUT(3), OUT(4), OUT(5), OUT(6) }, 5,
          REFUSED("more outputs") },
        { "a set between outputs that changes the frame", VETHS,
          { OUT(2), SET_DST(9), OUT(3) }, 3,
          REFUSED("set action after an output") },
        { "a set after the only output", VETHS, { OUT(2), SET_DST(9) }, 2,
          REFUSED("set action after an output") },
        { "a port that is not afxdp among the outputs", VETHS,
          { OUT(2), OUT(0), OUT(3) }, 3,
          REFUSED("not a working afxdp port") },
        { "the in_port among several outputs", VETHS, { OUT(2), OUT(1) }, 2,
          REFUSED("in_port among several outputs") },
        { "several outputs without a tc program", NO_TC, { OUT(2), OUT(3) },
          2, REFUSED("several outputs need the skb path") },
        { "one output to a veth without a tc program", NO_TC, { OUT(2) }, 1,
          REFUSED("cannot take XDP redirects") },
        { "a drop after an output", VETHS, { OUT(2), DROP }, 2,
          REFUSED("drop after an output") },
        { "an output after a drop", VETHS, { DROP, OUT(2) }, 2,
          REFUSED("actions after a drop") },

        /* VLAN: before the outputs, at most one tag, the skb path. */
        { "push onto an untagged frame, to a veth", VETHS,
          { PUSH(0x8100, 10), OUT(2) }, 2, NULL, 1, { 2 }, false, "skb",
          UNTAGGED, XSK_FLOW_PUSH_VLAN },
        { "push, to a NIC: the skb path all the same", NICS,
          { PUSH(0x8100, 10), OUT(2) }, 2, NULL, 1, { 2 }, false, "skb",
          UNTAGGED, XSK_FLOW_PUSH_VLAN },
        { "push an 802.1ad tag", VETHS, { PUSH(0x88a8, 10), OUT(2) }, 2,
          NULL, 1, { 2 }, false, "skb", UNTAGGED, XSK_FLOW_PUSH_VLAN },
        { "pop of a tagged frame", VETHS, { POP, OUT(2) }, 2, NULL, 1,
          { 2 }, false, "skb", TAGGED, XSK_FLOW_POP_VLAN },
        { "pop, then push: a new VID", VETHS,
          { POP, PUSH(0x8100, 20), OUT(2) }, 3, NULL, 1, { 2 }, false,
          "skb", TAGGED, XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN },
        { "set, push, then 2 outputs", VETHS,
          { SET_DST(9), PUSH(0x8100, 10), OUT(2), OUT(3) }, 4, NULL, 2,
          { 2, 3 }, true, "skb-clone", UNTAGGED, XSK_FLOW_PUSH_VLAN },
        { "pop, then output to the in_port", NICS, { POP, OUT(1) }, 2, NULL,
          1, { 1 }, false, "skb", TAGGED, XSK_FLOW_POP_VLAN },
        { "push, then drop: a drop", VETHS, { PUSH(0x8100, 10), DROP }, 2,
          NULL, 0, { 0 }, false, "xdp", UNTAGGED, 0 },
        { "pop when the match does not say there is a tag", VETHS,
          { POP, OUT(2) }, 2,
          REFUSED_TAG("does not require to be tagged", ANY) },
        { "pop of an untagged frame", VETHS, { POP, OUT(2) }, 2,
          REFUSED_TAG("does not require to be tagged", UNTAGGED) },
        { "two pops", VETHS, { POP, POP, OUT(2) }, 3,
          REFUSED_TAG("does not require to be tagged", TAGGED) },
        { "push onto a tagged frame: two tags", VETHS,
          { PUSH(0x8100, 10), OUT(2) }, 2,
          REFUSED_TAG("may be tagged", TAGGED) },
        { "push when the match does not say there is no tag", VETHS,
          { PUSH(0x8100, 10), OUT(2) }, 2, REFUSED_TAG("may be tagged", ANY) },
        { "two pushes", VETHS, { PUSH(0x8100, 10), PUSH(0x8100, 11), OUT(2) },
          3, REFUSED_TAG("may be tagged", UNTAGGED) },
        { "push, then pop", VETHS, { PUSH(0x8100, 10), POP, OUT(2) }, 3,
          REFUSED_TAG("pop after a push", UNTAGGED) },
        { "push with TPID 0x9100", VETHS, { PUSH(0x9100, 10), OUT(2) }, 2,
          REFUSED_TAG("TPID", UNTAGGED) },
        { "a push between outputs", VETHS,
          { OUT(2), PUSH(0x8100, 10), OUT(3) }, 3,
          REFUSED_TAG("VLAN push or pop after an output", UNTAGGED) },
        { "a pop after the only output", VETHS, { OUT(2), POP }, 2,
          REFUSED_TAG("VLAN push or pop after an output", TAGGED) },
        { "push without a tc program", NO_TC, { PUSH(0x8100, 10), OUT(2) },
          2, REFUSED_TAG("VLAN push or pop needs the skb path", UNTAGGED) },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *what = cases[i].what;
        struct xsk_flow_key key, mask;
        struct xsk_flow_action a;
        struct xsk_flow_build b;
        uint16_t pushed = 0;
        const char *why;
        int n_read = 0;

        memset(&key, 0, sizeof key);
        memset(&mask, 0, sizeof mask);
        if (cases[i].tag != ANY) {
            mask.vlan_tci = 0xffff;
            key.vlan_tci = cases[i].tag == TAGGED ? htons(0x1005) : 0;
        }
        xsk_flow_build_init(&b, 1, &a);
        xsk_flow_build_match(&b, &key, &mask);
        for (int j = 0; j < cases[i].n_steps; j++) {
            struct xsk_flow_step st = cases[i].steps[j];

            if (st.type == XSK_FLOW_STEP_PUSH_VLAN) {
                /* As OVS's ovs_action_push_vlan has them. */
                pushed = st.vlan.tci & 0x0fff;
                st.vlan.tpid = htons(st.vlan.tpid);
                st.vlan.tci = htons(st.vlan.tci);
            }

            st.out.in_has_tc = cases[i].where != NO_TC;
            st.out.out_takes_xdp = cases[i].where == NICS;
            st.out.out_is_veth = cases[i].where != NICS;
            st.out.redirect = XSK_REDIRECT_AUTO;
            n_read++;
            if (!xsk_flow_build_step(&b, &st)) {
                break;
            }
        }
        why = xsk_flow_build_finish(&b);
        if (cases[i].why) {
            CHECK(why && strstr(why, cases[i].why), "%s: refused (%s), "
                  "expected \"%s\"", what, why ? why : "offloaded",
                  cases[i].why);
            CHECK(!xsk_flow_build_step(&b, &cases[i].steps[0]),
                  "%s: a refused translation takes no more steps", what);
            continue;
        }
        CHECK(!why, "%s: refused: %s", what, why);
        CHECK(n_read == cases[i].n_steps, "%s: every step read", what);
        CHECK(a.kind == (cases[i].n_outputs ? XSK_FLOW_OUTPUT
                         : XSK_FLOW_DROP), "%s: kind %u", what, a.kind);
        CHECK(a.n_outputs == cases[i].n_outputs, "%s: %u outputs, "
              "expected %u", what, a.n_outputs, cases[i].n_outputs);
        for (int j = 0; j < XSK_FLOW_MAX_OUTPUTS; j++) {
            CHECK(a.out_ifindex[j] == (uint32_t) cases[i].outs[j],
                  "%s: output %d is %u, expected %d", what, j,
                  a.out_ifindex[j], cases[i].outs[j]);
        }
        CHECK(!(a.flags & XSK_FLOW_SET_ETH) == !cases[i].set_eth,
              "%s: flags %#x", what, a.flags);
        CHECK((a.flags & (XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN))
              == cases[i].vlan, "%s: VLAN flags %#x, expected %#x", what,
              a.flags & (XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN),
              cases[i].vlan);
        if (cases[i].vlan & XSK_FLOW_PUSH_VLAN) {
            CHECK(a.vlan_tci == htons(pushed)
                  && (a.vlan_tpid == htons(0x8100)
                      || a.vlan_tpid == htons(0x88a8)),
                  "%s: pushes TPID %#x TCI %#x (VID %u, no CFI bit)", what,
                  ntohs(a.vlan_tpid), ntohs(a.vlan_tci), pushed);
            CHECK((a.flags & (XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK))
                  == (XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK),
                  "%s: a VLAN push takes the skb path", what);
        } else if (!a.n_outputs) {
            CHECK(!a.vlan_tpid && !a.vlan_tci, "%s: a drop pushes nothing",
                  what);
        }
        if (cases[i].set_eth) {
            CHECK(a.eth_dst[5] == 9 && a.eth_dst_mask[0] == 0xff
                  && !a.eth_src_mask[0], "%s: the destination MAC only",
                  what);
        }
        if (a.n_outputs > 1) {
            CHECK((a.flags & (XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK))
                  == (XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK),
                  "%s: several outputs take the skb path", what);
        }
        CHECK(!strcmp(xsk_flow_layer(&a), cases[i].layer),
              "%s: shown as dp:%s, expected dp:%s", what, xsk_flow_layer(&a),
              cases[i].layer);
    }
    tap_group("translating action lists: up to %d outputs, VLAN pop and "
              "push, what stays in userspace", XSK_FLOW_MAX_OUTPUTS);
}

int
main(void)
{
    test_add_classify_delete();
    test_modify();
    test_limits();
    test_lazy_masks();
    test_out_flags();
    test_several_outputs();
    test_translate();
    test_failures();
    test_purge_and_reattach();
    return tap_done();
}
