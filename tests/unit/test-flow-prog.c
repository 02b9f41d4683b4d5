/* SPDX-License-Identifier: Apache-2.0 */

/* Test of the XDP program's flow-offload stage (bpf/xsk_redirect.bpf.c) on
 * this kernel: flows go in through the real table and backend
 * (netdev/xsk-flow.c, xsk-prog-flow.c), and crafted frames are run through
 * the program with BPF_PROG_TEST_RUN.  A frame an offloaded flow takes
 * comes back XDP_DROP (drop flows) or XDP_REDIRECT (output flows); one left
 * to OVS comes back XDP_PASS (the XSKMAP is empty).  The point is which
 * frames the program may read and which it must leave to OVS: fragments,
 * extension headers, two VLAN tags, ND, partial checksums, inconsistent
 * lengths; and, for rules with several outputs, that the tc program sends
 * a clone to each output but the last.  BPF_PROG_TEST_RUN carries out
 * bpf_clone_redirect() at once but not the program's own verdict, so the
 * test runs in a network namespace of its own, with veth pairs whose
 * transmit counters count the clones.  VLAN pop and push: the bytes the
 * tc program hands on are those OVS's own pop_vlan/push_vlan would send,
 * and the MTU check takes the 4 bytes into account.  Needs root (BPF,
 * namespace); without it, skipped.  Prints TAP. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* unshare() */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
static const uint8_t new_dst[6] = { 2, 0xaa, 0, 0, 0, 9 };    /* Rewrite. */

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
 * came out, and its length, in 'out'. */
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
    if (out) {
        out->len = opts.data_size_out;
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
    a.n_outputs = 1;
    a.out_ifindex[0] = 1;
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
        a.n_outputs = 1;
    a.out_ifindex[0] = 1;
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

/* The outputs of the tests with several outputs: two veth pairs in the
 * test's own network namespace. */
static const char *const out_devs[] = { "xo0", "xo1", "xo2", "xo3" };
#define N_OUT_DEVS (sizeof out_devs / sizeof out_devs[0])

/* Moves the test into a network namespace of its own (it goes when the
 * test ends) and makes the veth pairs of 'out_devs' there, up, with IPv6
 * off so that they send nothing of their own.  Returns 0 or an errno
 * value. */
static int
private_netns(void)
{
    FILE *f;

    if (unshare(CLONE_NEWNET)) {
        return errno;
    }
    /* Per namespace: this one's. */
    f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
    if (f) {
        fputs("1\n", f);
        fclose(f);
    }
    if (system("ip link add xo0 type veth peer name xo1 "
               "&& ip link add xo2 type veth peer name xo3 "
               "&& for d in xo0 xo1 xo2 xo3; do ip link set $d up || exit 1; "
               "done")) {
        return ENODEV;
    }
    return 0;
}

/* Packets device 'name' transmitted, or UINT64_MAX if unknown. */
static uint64_t
tx_packets(const char *name)
{
    uint64_t n = UINT64_MAX;
    struct ifaddrs *ifa;

    if (getifaddrs(&ifa)) {
        return n;
    }
    for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
        if (p->ifa_addr && p->ifa_addr->sa_family == AF_PACKET
            && p->ifa_data && !strcmp(p->ifa_name, name)) {
            n = ((const struct rtnl_link_stats *) p->ifa_data)->tx_packets;
        }
    }
    freeifaddrs(ifa);
    return n;
}

static void
tx_all(uint64_t tx[N_OUT_DEVS])
{
    for (size_t i = 0; i < N_OUT_DEVS; i++) {
        tx[i] = tx_packets(out_devs[i]);
    }
}

/* Adds flow 'n', UDP to port 53, with a rewrite of the destination MAC,
 * 'flags' and the outputs out_devs[outs[i]] for i < 'n_outputs'. */
static void
add_outputs(uint64_t n, uint32_t flags, const int *outs, uint32_t n_outputs)
{
    struct xsk_flow_action a;
    struct xsk_flow_key k, m;

    udp53_match(&k, &m);
    memset(&a, 0, sizeof a);
    a.kind = XSK_FLOW_OUTPUT;
    a.flags = XSK_FLOW_SET_ETH | flags;
    memcpy(a.eth_dst, new_dst, 6);
    memset(a.eth_dst_mask, 0xff, 6);
    a.n_outputs = n_outputs;
    for (uint32_t i = 0; i < n_outputs; i++) {
        a.out_ifindex[i] = if_nametoindex(out_devs[outs[i]]);
    }
    add(n, &k, &m, &a);
}

/* Rules with several outputs: the XDP program never redirects their
 * frames itself, the tc program clones them to each output but the last
 * and redirects them to the last; a rule one of whose outputs went goes
 * to OVS. */
static void
test_several_outputs(void)
{
    enum { SKB = XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK };
    static const struct {
        const char *what;
        uint32_t flags;
        int outs[XSK_FLOW_MAX_OUTPUTS];     /* Indexes into out_devs. */
        uint32_t n_outputs;
        int tc;                 /* tc's verdict (XDP's is always PASS). */
    } cases[] = {
        { "two outputs", SKB, { 0, 2 }, 2, TC_REDIRECT },
        { "four outputs", SKB, { 0, 1, 2, 3 }, 4, TC_REDIRECT },
        { "three outputs, last first", SKB, { 3, 2, 1 }, 3, TC_REDIRECT },
        { "the same output twice", SKB, { 1, 1 }, 2, TC_REDIRECT },
        { "two outputs, no VIA_SKB flag: the skb path all the same",
          XSK_FLOW_SKB_OK, { 0, 1 }, 2, TC_REDIRECT },
        { "two outputs, no tc program: to OVS", XSK_FLOW_VIA_SKB, { 0, 1 },
          2, TC_NEXT },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *what = cases[i].what;
        struct xsk_flow_ufid u = { { 400 + i, 400 + i } };
        uint64_t before[N_OUT_DEVS], after[N_OUT_DEVS];
        struct xsk_flow_stats st;
        struct frame f, out;
        int v;

        xsk_flow_flush(&table);
        add_outputs(400 + i, cases[i].flags, cases[i].outs,
                    cases[i].n_outputs);
        frame4(&f, 0, 5, 17, 0, 53, 16);
        v = run(&f, &out);
        CHECK(v == XDP_PASS && !memcmp(out.buf, mac_dst, 6),
              "%s: XDP %s, the frame untouched", what, verdict_name(v));

        tx_all(before);
        v = run_tc(&f, &out);
        tx_all(after);
        CHECK(v == cases[i].tc, "%s: tc verdict %d, expected %d", what, v,
              cases[i].tc);
        xsk_flow_get(&table, &u, &st, NULL);
        CHECK(st.packets == (v == TC_REDIRECT),
              "%s: counted %llu times", what,
              (unsigned long long) st.packets);
        for (size_t d = 0; d < N_OUT_DEVS; d++) {
            uint64_t want = 0;

            for (uint32_t j = 0; v == TC_REDIRECT
                                 && j + 1 < cases[i].n_outputs; j++) {
                want += cases[i].outs[j] == (int) d;
            }
            CHECK(before[d] != UINT64_MAX
                  && after[d] - before[d] == want,
                  "%s: %s sent %llu clones, expected %llu", what,
                  out_devs[d], (unsigned long long) (after[d] - before[d]),
                  (unsigned long long) want);
        }
        if (v == TC_REDIRECT) {
            CHECK(!memcmp(out.buf, new_dst, 6),
                  "%s: tc rewrote the destination MAC", what);
        }
    }

    xsk_flow_flush(&table);
    tap_group("several outputs: the skb path, a clone to each but the last");
}

/* An output leaves the devmap under a rule with several outputs (not
 * something the table does: it punts the rule first): the program checks
 * every output, so the frames go to OVS and no clone is sent. */
static void
test_output_leaves_devmap(void)
{
    uint32_t gone = if_nametoindex(out_devs[1]);
    uint64_t before[N_OUT_DEVS], after[N_OUT_DEVS];
    struct frame f;
    int v;

    xsk_flow_flush(&table);
    add_outputs(450, XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK,
                (int[]) { 0, 1, 2 }, 3);
    CHECK(!bpf_map_delete_elem(bpf_map__fd(prog.skel->maps.flow_ports),
                               &gone), "the second output leaves the devmap");
    frame4(&f, 0, 5, 17, 0, 53, 16);
    v = run(&f, NULL);
    CHECK(v == XDP_PASS, "XDP %s", verdict_name(v));
    tx_all(before);
    v = run_tc(&f, NULL);
    tx_all(after);
    CHECK(v == TC_NEXT, "tc leaves it alone: %d", v);
    CHECK(!memcmp(before, after, sizeof before), "no clone sent");
    xsk_flow_flush(&table);
    tap_group("an output missing from the devmap: to OVS, no clone");
}

/* A port that goes away takes every rule that outputs to it, alone or
 * among others, back to OVS. */
static void
test_purge_among_outputs(void)
{
    int fd = bpf_map__fd(prog.skel->maps.flow_ports);
    uint32_t gone = if_nametoindex(out_devs[2]);
    uint32_t kept = if_nametoindex(out_devs[0]);
    uint32_t value;
    struct frame f;

    xsk_flow_flush(&table);
    add_outputs(460, XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK,
                (int[]) { 0, 2, 3 }, 3);
    frame4(&f, 0, 5, 17, 0, 53, 16);
    CHECK(run_tc(&f, NULL) == TC_REDIRECT, "before: tc redirects");
    CHECK(xsk_flow_purge_output(&table, gone) == 1,
          "purge the second output: one flow");
    CHECK(run(&f, NULL) == XDP_PASS && run_tc(&f, NULL) == TC_NEXT,
          "after: the frame goes to OVS");
    CHECK(bpf_map_lookup_elem(fd, &gone, &value)
          && bpf_map_lookup_elem(fd, &kept, &value),
          "no port of the punted rule is left in the devmap");
    xsk_flow_flush(&table);
    tap_group("a rule goes to OVS when any of its outputs goes");
}

/* Adds flow 'n', UDP to port 53 untagged ('match_vid' 0) or on VLAN
 * 'match_vid', whose rule pops and pushes as 'vlan' says (pushing
 * 'tpid'/'tci') before its output to 'ifindex'. */
static void
add_vlan(uint64_t n, int match_vid, uint32_t vlan, uint16_t tpid,
         uint16_t tci, int ifindex)
{
    struct xsk_flow_action a;
    struct xsk_flow_key k, m;

    udp53_match(&k, &m);
    m.vlan_tci = 0xffff;
    k.vlan_tci = match_vid ? htons(0x1000 | match_vid) : 0;
    memset(&a, 0, sizeof a);
    a.kind = XSK_FLOW_OUTPUT;
    a.flags = XSK_FLOW_VIA_SKB | XSK_FLOW_SKB_OK | vlan;
    a.n_outputs = 1;
    a.out_ifindex[0] = ifindex;
    if (vlan & XSK_FLOW_PUSH_VLAN) {
        a.vlan_tpid = htons(tpid);
        a.vlan_tci = htons(tci);
    }
    add(n, &k, &m, &a);
}

/* VLAN pop and push: the XDP program passes the frame on untouched, and
 * the tc program's output is byte for byte what OVS's pop_vlan/push_vlan
 * makes of it (the tag in the data, TCI as given, CFI bit clear), counted
 * at the length it came in with.  (BPF_PROG_TEST_RUN hands the tc program
 * a received tag in the data, not as an accelerated tag: the system test
 * 72-offload-vlan covers that.) */
static void
test_vlan(void)
{
    static const struct {
        const char *what;
        int match_vid;          /* The rule's match: 0 untagged. */
        uint32_t vlan;          /* XSK_FLOW_POP/PUSH_VLAN. */
        uint16_t tpid, tci;     /* Pushed. */
        int in_tags;            /* 0, or 1 (VID 5). */
        int tc;                 /* tc's verdict. */
        uint16_t out_tpid, out_tci;     /* What comes out: 0 untagged. */
    } cases[] = {
        { "push VID 10 onto an untagged frame", 0, XSK_FLOW_PUSH_VLAN,
          0x8100, 10, 0, TC_REDIRECT, 0x8100, 10 },
        { "push an 802.1ad tag with PCP 5", 0, XSK_FLOW_PUSH_VLAN,
          0x88a8, 0xa00a, 0, TC_REDIRECT, 0x88a8, 0xa00a },
        { "pop VLAN 5", 5, XSK_FLOW_POP_VLAN, 0, 0, 1, TC_REDIRECT, 0, 0 },
        { "pop VLAN 5, push VID 20", 5,
          XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN, 0x8100, 20, 1,
          TC_REDIRECT, 0x8100, 20 },
        { "a push rule and a tagged frame: no match", 0, XSK_FLOW_PUSH_VLAN,
          0x8100, 10, 1, TC_NEXT, 0, 0 },
        { "a pop rule and an untagged frame: no match", 5, XSK_FLOW_POP_VLAN,
          0, 0, 0, TC_NEXT, 0, 0 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xsk_flow_ufid u = { { 500 + i, 500 + i } };
        const char *what = cases[i].what;
        struct frame f, out, want;
        struct xsk_flow_stats st;
        int v;

        xsk_flow_flush(&table);
        add_vlan(500 + i, cases[i].match_vid, cases[i].vlan, cases[i].tpid,
                 cases[i].tci, 1);
        frame4(&f, cases[i].in_tags, 5, 17, 0, 53, 16);
        v = run(&f, &out);
        CHECK(v == XDP_PASS && out.len == f.len
              && !memcmp(out.buf, f.buf, f.len),
              "%s: XDP passes it on untouched (%s)", what, verdict_name(v));

        v = run_tc(&f, &out);
        CHECK(v == cases[i].tc, "%s: tc verdict %d, expected %d", what, v,
              cases[i].tc);
        xsk_flow_get(&table, &u, &st, NULL);
        if (v != TC_REDIRECT) {
            CHECK(out.len == f.len && !memcmp(out.buf, f.buf, f.len)
                  && !st.packets, "%s: tc left it alone", what);
            continue;
        }
        frame4(&want, cases[i].out_tpid ? 1 : 0, 5, 17, 0, 53, 16);
        if (cases[i].out_tpid) {
            put16(want.buf + 12, cases[i].out_tpid);
            put16(want.buf + 14, cases[i].out_tci);
        }
        CHECK(out.len == want.len && !memcmp(out.buf, want.buf, want.len),
              "%s: tc's frame (%zu bytes) is what OVS would send (%zu bytes)",
              what, out.len, want.len);
        CHECK(st.packets == 1 && st.bytes == f.len,
              "%s: counted %llu packets, %llu bytes, expected 1, %zu", what,
              (unsigned long long) st.packets,
              (unsigned long long) st.bytes, f.len);
    }
    xsk_flow_flush(&table);
    tap_group("VLAN pop and push: the tc program's output bytes");
}

/* The MTU check of a rule that pops or pushes a tag takes the length the
 * output gets: with an output MTU of 100, a frame may be 100 + 14 + 4
 * bytes long (as the kernel's is_skb_forwardable() allows), counting the
 * tag pushed or without the tag popped; a longer one goes to OVS. */
static void
test_vlan_mtu(void)
{
    static const struct {
        const char *what;
        int match_vid;
        uint32_t vlan;
        size_t len;             /* Of the frame sent. */
        int tc;
    } cases[] = {
        { "push onto 114 bytes: 118 fit", 0, XSK_FLOW_PUSH_VLAN, 114,
          TC_REDIRECT },
        { "push onto 116 bytes: 120 do not", 0, XSK_FLOW_PUSH_VLAN, 116,
          TC_NEXT },
        { "pop from 122 bytes: 118 fit", 5, XSK_FLOW_POP_VLAN, 122,
          TC_REDIRECT },
        { "pop from 124 bytes: 120 do not", 5, XSK_FLOW_POP_VLAN, 124,
          TC_NEXT },
        { "retag 122 bytes: 122 do not", 5,
          XSK_FLOW_POP_VLAN | XSK_FLOW_PUSH_VLAN, 122, TC_NEXT },
    };
    int out = if_nametoindex(out_devs[0]);

    if (system("ip link set xo0 mtu 100")) {
        CHECK(false, "setting xo0's MTU");
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int tags = cases[i].match_vid ? 1 : 0;
        struct frame f;
        int v;

        xsk_flow_flush(&table);
        add_vlan(600 + i, cases[i].match_vid, cases[i].vlan, 0x8100, 10,
                 out);
        frame4(&f, tags, 5, 17, 0, 53, cases[i].len - 34 - 4 * tags);
        v = run_tc(&f, NULL);
        CHECK(v == cases[i].tc, "%s: tc verdict %d, expected %d",
              cases[i].what, v, cases[i].tc);
    }
    xsk_flow_flush(&table);
    if (system("ip link set xo0 mtu 1500")) {
        CHECK(false, "restoring xo0's MTU");
    }
    tap_group("VLAN pop and push: the MTU check counts the tag");
}

/* Mask list changes in a row, more of them than there are copies of the
 * list: each is in force at once, and a copy is rewritten only after the
 * grace period asked for when it went out of force has passed. */
static void
test_mask_list_turns(void)
{
    const struct xsk_grace_gens *gens = &prog.flow_list_gens;
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

        CHECK(gens->in_force && !gens->tickets[gens->cur],
              "change %d: the list just written is in force", i);

        /* The last rule goes: the list is emptied with one write of
         * 'flow_on', and the copy that was in force gets a ticket. */
        xsk_flow_del(&table, &u, NULL);
        n_wrong += run(&hit, NULL) != XDP_PASS;
        ticket = gens->tickets[gens->cur];
        CHECK(!gens->in_force && ticket,
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
    int error;

    if (status >= 0) {
        return status;
    }
    error = private_netns();
    if (error) {
        printf("not ok 1 - a network namespace of its own with veths: %s\n"
               "1..1\n", strerror(error));
        return 1;
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
    test_several_outputs();
    test_output_leaves_devmap();
    test_purge_among_outputs();
    test_vlan();
    test_vlan_mtu();
    test_mask_list_turns();
    xsk_flow_table_destroy(&table);
    xsk_redirect__destroy(prog.skel);
    return tap_done();
}
