/* SPDX-License-Identifier: Apache-2.0 */

/* Test of the XDP program's flow-offload stage (bpf/xsk_redirect.bpf.c) on
 * this kernel: flows go in through the real table and backend
 * (netdev/xsk-flow.c, xsk-prog-flow.c), and crafted frames are run through
 * the program with BPF_PROG_TEST_RUN.  A frame an offloaded flow takes
 * comes back XDP_DROP (drop flows) or XDP_REDIRECT (output flows); one left
 * to OVS comes back XDP_PASS (the XSKMAP is empty).  The point is which
 * frames the program may read and which it must leave to OVS: fragments,
 * extension headers, two VLAN tags, ND, partial checksums, inconsistent
 * lengths.  Needs root (BPF); without it, skipped.  Prints TAP. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bytes.h"
#include "tap.h"
#include "prog-test.h"
#include "xsk-flow.h"
#include "xsk-grace.h"
#include "xsk-prog.h"

static struct xsk_prog prog;
static struct xsk_flow_table table;

static const uint8_t mac_dst[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t mac_src[6] = { 2, 0, 0, 0, 0, 1 };

struct frame {
    uint8_t buf[256];
    size_t len;
    size_t l3;                  /* Offset of the IP header. */
};

/* Ethernet header with 'n_tags' VLAN tags (VID 5, 6) and 'type'. */
static void
eth(struct frame *f, int n_tags, uint16_t type)
{
    memset(f, 0, sizeof *f);
    memcpy(f->buf, mac_dst, 6);
    memcpy(f->buf + 6, mac_src, 6);
    f->len = 12;
    for (int i = 0; i < n_tags; i++) {
        put16(f->buf + f->len, 0x8100);
        put16(f->buf + f->len + 2, 5 + i);
        f->len += 4;
    }
    put16(f->buf + f->len, type);
    f->len += 2;
    f->l3 = f->len;
}

/* IPv4 10.0.0.1 -> 10.0.0.2, header 'ihl' words, 'proto', fragment field
 * 'frag', then 'l4_len' bytes: ports 1000 -> 'dport', checksum 0. */
static void
ipv4(struct frame *f, int ihl, uint8_t proto, uint16_t frag, uint16_t dport,
     size_t l4_len)
{
    uint8_t *ip = f->buf + f->len;

    ip[0] = 0x40 | ihl;
    put16(ip + 2, ihl * 4 + l4_len);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    f->len += ihl * 4;
    put16(f->buf + f->len, 1000);
    put16(f->buf + f->len + 2, dport);
    if (proto == 6) {
        f->buf[f->len + 12] = 5 << 4;       /* Data offset: 20 bytes. */
    }
    f->len += l4_len;
}

/* eth() then ipv4(). */
static void
frame4(struct frame *f, int n_tags, int ihl, uint8_t proto, uint16_t frag,
       uint16_t dport, size_t l4_len)
{
    eth(f, n_tags, 0x0800);
    ipv4(f, ihl, proto, frag, dport, l4_len);
}

/* IPv6 ::1 -> ::2 with 'nexthdr' and 'l4_len' bytes: ports 1000 ->
 * 'dport' (or ICMPv6 type 'dport >> 8', code 0). */
static void
ipv6(struct frame *f, uint8_t nexthdr, uint16_t dport, size_t l4_len)
{
    uint8_t *ip = f->buf + f->len;

    ip[0] = 0x60;
    put16(ip + 4, l4_len);
    ip[6] = nexthdr;
    ip[7] = 64;
    ip[23] = 1;
    ip[39] = 2;
    f->len += 40;
    put16(f->buf + f->len, 1000);
    put16(f->buf + f->len + 2, dport);
    if (nexthdr == 58) {
        f->buf[f->len] = dport >> 8;
        f->buf[f->len + 1] = 0;
    }
    f->len += l4_len;
}

/* Puts the folded pseudo-header sum into the UDP checksum of IPv4 frame
 * 'f': what a veth peer with checksum offload sends. */
static void
partial_udp_csum(struct frame *f)
{
    uint8_t *ip = f->buf + f->l3;
    size_t ihl = (ip[0] & 15) * 4;
    uint8_t pseudo[12];

    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = ip[9];
    put16(pseudo + 10, get16(ip + 2) - ihl);
    put16(ip + ihl + 6, ~rfc1071(pseudo, sizeof pseudo) & 0xffff);
}

/* Ethernet then ipv6(). */
static void
frame6(struct frame *f, uint8_t nexthdr, uint16_t dport, size_t l4_len)
{
    eth(f, 0, 0x86dd);
    ipv6(f, nexthdr, dport, l4_len);
}

/* Runs 'f' through program 'fd'; returns the verdict, with the frame as it
 * came out in 'out'. */
static int
run__(int fd, const struct frame *f, struct frame *out)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->buf,
                .data_size_in = f->len);

    if (out) {
        *out = *f;
        opts.data_out = out->buf;
        opts.data_size_out = sizeof out->buf;
    }
    if (bpf_prog_test_run_opts(fd, &opts)) {
        tap_diag("BPF_PROG_TEST_RUN: %s", strerror(errno));
        return -1;
    }
    return opts.retval;
}

/* Runs 'f' through the XDP program. */
static int
run(const struct frame *f, struct frame *out)
{
    return run__(bpf_program__fd(prog.skel->progs.ovs_xsk_prog), f, out);
}

/* Runs 'f' through the tc program, as the skb the kernel built from it. */
static int
run_tc(const struct frame *f, struct frame *out)
{
    return run__(bpf_program__fd(prog.skel->progs.ovs_xsk_tc), f, out);
}

#define TC_REDIRECT 7           /* TC_ACT_REDIRECT. */
#define TC_NEXT (-1)            /* TCX_NEXT. */

static const char *
verdict_name(int v)
{
    return v == XDP_PASS ? "PASS" : v == XDP_DROP ? "DROP"
           : v == XDP_REDIRECT ? "REDIRECT" : "other";
}

static void
expect(const struct frame *f, int want, const char *what)
{
    int got = run(f, NULL);

    CHECK(got == want, "%s: %s, expected %s", what, verdict_name(got),
          verdict_name(want));
}

/* Adds flow 'n' with match 'k'/'m' and action 'a' (drop if NULL). */
static void
add(uint64_t n, const struct xsk_flow_key *k, const struct xsk_flow_key *m,
    const struct xsk_flow_action *a)
{
    struct xsk_flow_ufid u = { { n, n } };
    struct xsk_flow_spec s;
    int error;

    memset(&s, 0, sizeof s);
    s.key = *k;
    s.mask = *m;
    if (a) {
        s.action = *a;
    } else {
        s.action.kind = XSK_FLOW_DROP;
    }
    error = xsk_flow_put(&table, &u, &s);
    CHECK(!error, "flow %llu: %s", (unsigned long long) n, strerror(error));
}

/* Match: IPv4 (not a fragment) UDP to 10.0.0.2 port 53. */
static void
udp53_match(struct xsk_flow_key *k, struct xsk_flow_key *m)
{
    memset(k, 0, sizeof *k);
    memset(m, 0, sizeof *m);
    k->dl_type = htons(0x0800);
    m->dl_type = 0xffff;
    k->nw_proto = 17;
    m->nw_proto = 0xff;
    m->nw_frag = 0xff;
    k->nw_dst[0] = htonl(0x0a000002);
    m->nw_dst[0] = 0xffffffff;
    k->tp_dst = htons(53);
    m->tp_dst = 0xffff;
}

static void
test_ipv4(void)
{
    struct xsk_flow_key k, m;
    struct xsk_flow_stats st;
    struct frame f;

    udp53_match(&k, &m);
    add(1, &k, &m, NULL);

    frame4(&f, 0, 5, 17, 0, 53, 16);
    expect(&f, XDP_DROP, "UDP to port 53");
    CHECK(!xsk_flow_get(&table, &(struct xsk_flow_ufid) { { 1, 1 } }, &st,
                        NULL) && st.packets == 1 && st.bytes == f.len,
          "counted: %llu packets, %llu bytes",
          (unsigned long long) st.packets, (unsigned long long) st.bytes);

    f.len += 10;                /* Ethernet padding after the IP packet. */
    expect(&f, XDP_DROP, "with padding after the IP packet");

    frame4(&f, 0, 5, 17, 0, 54, 16);
    expect(&f, XDP_PASS, "UDP to port 54");

    frame4(&f, 0, 7, 17, 0, 53, 16);
    expect(&f, XDP_DROP, "IPv4 options (IHL 7)");

    frame4(&f, 0, 5, 17, 0x2000, 53, 16);
    expect(&f, XDP_PASS, "first fragment (MF)");
    frame4(&f, 0, 5, 17, 0x0010, 53, 16);
    expect(&f, XDP_PASS, "later fragment");

    frame4(&f, 0, 5, 17, 0, 53, 16);
    partial_udp_csum(&f);
    expect(&f, XDP_DROP, "partial UDP checksum (a drop needs none)");

    frame4(&f, 0, 5, 17, 0, 53, 16);
    put16(f.buf + f.l3 + 2, 200);
    expect(&f, XDP_PASS, "IP total length beyond the frame");
    put16(f.buf + f.l3 + 2, 24);
    expect(&f, XDP_PASS, "UDP header cut by the IP total length");
    f.buf[f.l3] = 0x44;
    put16(f.buf + f.l3 + 2, 36);
    expect(&f, XDP_PASS, "IHL below 5");

    frame4(&f, 1, 5, 17, 0, 53, 16);
    expect(&f, XDP_DROP, "one VLAN tag (VLAN wildcarded)");
    frame4(&f, 2, 5, 17, 0, 53, 16);
    expect(&f, XDP_PASS, "two VLAN tags");

    eth(&f, 0, 0x0800);
    f.len = 20;
    expect(&f, XDP_PASS, "truncated IPv4 header");
    tap_group("IPv4: offloaded only when read exactly as OVS reads it");
}

static void
test_tcp_vlan_ipv6(void)
{
    struct xsk_flow_key k, m;
    struct frame f;

    /* TCP to port 80 on VLAN 5 (TCI exact, as OVS gives it). */
    udp53_match(&k, &m);
    k.nw_proto = 6;
    k.tp_dst = htons(80);
    k.vlan_tci = htons(0x1005);
    m.vlan_tci = 0xffff;
    add(2, &k, &m, NULL);
    frame4(&f, 1, 5, 6, 0, 80, 20);
    expect(&f, XDP_DROP, "TCP on VLAN 5");
    frame4(&f, 0, 5, 6, 0, 80, 20);
    expect(&f, XDP_PASS, "TCP untagged (the flow wants VLAN 5)");
    frame4(&f, 1, 5, 6, 0, 80, 20);
    f.buf[f.l3 + 20 + 12] = 4 << 4;
    expect(&f, XDP_PASS, "TCP data offset below 20");

    /* IPv6: UDP to ::2 port 53, and ICMPv6 echo requests. */
    memset(&k, 0, sizeof k);
    memset(&m, 0, sizeof m);
    k.dl_type = htons(0x86dd);
    m.dl_type = 0xffff;
    k.nw_proto = 17;
    m.nw_proto = 0xff;
    k.nw_dst[3] = htonl(2);
    memset(m.nw_dst, 0xff, 16);
    k.tp_dst = htons(53);
    m.tp_dst = 0xffff;
    add(3, &k, &m, NULL);
    k.nw_proto = 58;
    k.tp_src = htons(128);      /* ICMPv6 type, as OVS has it. */
    k.tp_dst = htons(0);        /* Code. */
    m.tp_src = 0xffff;
    add(4, &k, &m, NULL);

    frame6(&f, 17, 53, 16);
    expect(&f, XDP_DROP, "IPv6 UDP to port 53");
    frame6(&f, 0, 53, 16);
    expect(&f, XDP_PASS, "IPv6 hop-by-hop header");
    frame6(&f, 44, 53, 16);
    expect(&f, XDP_PASS, "IPv6 fragment header");
    frame6(&f, 17, 53, 16);
    put16(f.buf + f.l3 + 4, 100);
    expect(&f, XDP_PASS, "IPv6 payload length beyond the frame");
    frame6(&f, 58, 128 << 8, 16);
    expect(&f, XDP_DROP, "ICMPv6 echo request (type 128)");
    frame6(&f, 58, 135 << 8, 24);
    expect(&f, XDP_PASS, "ICMPv6 neighbour solicitation");
    tap_group("TCP, VLAN and IPv6 frames");
}

static void
test_output_and_set_eth(void)
{
    static const uint8_t new_dst[6] = { 2, 0xaa, 0, 0, 0, 9 };
    struct xsk_flow_action a;
    struct xsk_flow_key k, m;
    struct frame f, out;
    int v;

    /* Frames to 02:00:00:00:00:02 go out of "lo" (ifindex 1) with a new
     * destination MAC. */
    memset(&k, 0, sizeof k);
    memset(&m, 0, sizeof m);
    memcpy(k.dl_dst, mac_dst, 6);
    memset(m.dl_dst, 0xff, 6);
    k.dl_type = htons(0x0806);
    m.dl_type = 0xffff;
    memset(&a, 0, sizeof a);
    a.kind = XSK_FLOW_OUTPUT;
    a.out_ifindex = 1;
    a.flags = XSK_FLOW_SET_ETH;
    memcpy(a.eth_dst, new_dst, 6);
    memset(a.eth_dst_mask, 0xff, 6);
    add(5, &k, &m, &a);

    eth(&f, 0, 0x0806);
    f.len = 60;
    v = run(&f, &out);
    CHECK(v == XDP_REDIRECT, "ARP to the MAC: %s", verdict_name(v));
    CHECK(!memcmp(out.buf, new_dst, 6) && !memcmp(out.buf + 6, mac_src, 6),
          "destination MAC rewritten, source kept");

    /* The port leaves the devmap: frames go to OVS unmodified. */
    CHECK(xsk_flow_purge_output(&table, 1) == 1, "purge ifindex 1");
    v = run(&f, &out);
    CHECK(v == XDP_PASS, "after the purge: %s", verdict_name(v));
    CHECK(!memcmp(out.buf, mac_dst, 6), "and unmodified");
    tap_group("output through the devmap, with Ethernet rewrite");
}

/* Which way an output flow's frames take: XDP redirect, the skb path (the
 * XDP program passes the frame on untouched, the tc program rewrites and
 * redirects it), or OVS (passed on untouched, and the tc program leaves
 * it alone). */
static void
test_skb_path(void)
{
    static const uint8_t new_dst[6] = { 2, 0xaa, 0, 0, 0, 9 };
    static const struct {
        const char *what;
        uint32_t flags;
        bool partial;
        int xdp, tc;            /* Verdicts; tc's unchecked if 0. */
    } cases[] = {
        { "XDP path", 0, false, XDP_REDIRECT, 0 },
        { "XDP path, partial checksum, no tc program: to OVS", 0, true,
          XDP_PASS, TC_NEXT },
        { "XDP path, partial checksum: skb path", XSK_FLOW_SKB_OK, true,
          XDP_PASS, TC_REDIRECT },
        { "XDP path, complete checksum", XSK_FLOW_SKB_OK, false,
          XDP_REDIRECT, 0 },
        { "skb path", XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK, false,
          XDP_PASS, TC_REDIRECT },
        { "skb path, partial checksum", XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK,
          true, XDP_PASS, TC_REDIRECT },
        { "skb path without the tc program: to OVS", XSK_FLOW_VIA_SKB,
          false, XDP_PASS, TC_NEXT },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xsk_flow_ufid u = { { 300 + i, 300 + i } };
        struct xsk_flow_stats st;
        struct xsk_flow_action a;
        struct xsk_flow_key k, m;
        struct frame f, out;
        uint64_t before;
        int v;

        xsk_flow_flush(&table);
        udp53_match(&k, &m);
        memset(&a, 0, sizeof a);
        a.kind = XSK_FLOW_OUTPUT;
        a.out_ifindex = 1;
        a.flags = XSK_FLOW_SET_ETH | cases[i].flags;
        memcpy(a.eth_dst, new_dst, 6);
        memset(a.eth_dst_mask, 0xff, 6);
        add(300 + i, &k, &m, &a);

        frame4(&f, 0, 5, 17, 0, 53, 16);
        if (cases[i].partial) {
            partial_udp_csum(&f);
        }
        v = run(&f, &out);
        CHECK(v == cases[i].xdp, "%s: XDP %s, expected %s", cases[i].what,
              verdict_name(v), verdict_name(cases[i].xdp));
        if (v == XDP_PASS) {
            CHECK(!memcmp(out.buf, mac_dst, 6), "%s: XDP passes it on "
                  "unmodified", cases[i].what);
        }
        if (!cases[i].tc) {
            continue;
        }
        xsk_flow_get(&table, &u, &st, NULL);
        before = st.packets;
        v = run_tc(&f, &out);
        CHECK(v == cases[i].tc, "%s: tc verdict %d, expected %d",
              cases[i].what, v, cases[i].tc);
        xsk_flow_get(&table, &u, &st, NULL);
        if (v == TC_REDIRECT) {
            CHECK(!memcmp(out.buf, new_dst, 6)
                  && !memcmp(out.buf + 6, mac_src, 6)
                  && st.packets == before + 1,
                  "%s: tc rewrote the destination MAC and counted it",
                  cases[i].what);
        } else {
            CHECK(!memcmp(out.buf, mac_dst, 6) && st.packets == before,
                  "%s: tc left it alone", cases[i].what);
        }
    }
    xsk_flow_flush(&table);
    tap_group("the skb path: which frames take it, and the tc program");
}

/* Mask list changes in a row, more of them than there are copies of the
 * list: each is in force at once, and a copy is rewritten only after the
 * grace period asked for when it went out of force has passed. */
static void
test_mask_list_turns(void)
{
    struct xsk_flow_key k, m;
    struct frame hit, miss;
    int n_wrong = 0;

    xsk_flow_flush(&table);
    frame4(&hit, 0, 5, 17, 0, 53, 16);
    frame4(&miss, 0, 5, 17, 0, 54, 16);
    for (int i = 0; i < 3 * XSK_FLOW_N_LISTS; i++) {
        struct xsk_flow_ufid u = { { 100 + i, 100 + i } };
        uint64_t ticket;

        /* A new mask each time (IPv6 flow label bits, 0 in an IPv4
         * frame's key), and its flow's rule. */
        udp53_match(&k, &m);
        m.ipv6_label = htonl(1 << i);
        add(100 + i, &k, &m, NULL);
        n_wrong += run(&hit, NULL) != XDP_DROP;
        n_wrong += run(&miss, NULL) != XDP_PASS;

        CHECK(prog.flow_list_on && !prog.flow_list_grace[prog.flow_list],
              "change %d: the list just written is in force", i);

        /* The last rule goes: the list is emptied with one write of
         * 'flow_on', and the copy that was in force gets a ticket. */
        xsk_flow_del(&table, &u, NULL);
        n_wrong += run(&hit, NULL) != XDP_PASS;
        ticket = prog.flow_list_grace[prog.flow_list];
        CHECK(!prog.flow_list_on && ticket,
              "change %d: the emptied list went out of force", i);
        CHECK(!xsk_grace_wait(ticket) && xsk_grace_passed(ticket),
              "change %d: its grace period passes", i);
    }
    CHECK(!n_wrong, "%d wrong verdicts", n_wrong);
    CHECK(table.n_masks == 0, "the last flow's removal emptied the list");
    tap_group("mask list changes in a row: each in force at once");
}

int
main(void)
{
    int status = prog_test_load(&prog);

    if (status >= 0) {
        return status;
    }
    xsk_flow_table_init(&table);
    if (xsk_flow_attach(&table, &xsk_prog_flow_backend, &prog)) {
        printf("not ok 1 - the flow table attaches\n1..1\n");
        return 1;
    }
    test_ipv4();
    test_tcp_vlan_ipv6();
    test_output_and_set_eth();
    test_skb_path();
    test_mask_list_turns();
    xsk_flow_table_destroy(&table);
    xsk_redirect__destroy(prog.skel);
    return tap_done();
}
