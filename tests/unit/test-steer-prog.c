/* SPDX-License-Identifier: Apache-2.0 */

/* Test of the XDP program's steering stage (bpf/xsk_redirect.bpf.c) on
 * this kernel: the program is loaded (so it passes the verifier here),
 * rules are written with xsk_prog_set_steer(), and crafted frames, well
 * formed and malformed, are run through it with BPF_PROG_TEST_RUN.  No
 * interface is involved.  The program's XSKMAP is empty, so a frame it
 * sends to the socket also comes back as XDP_PASS; the rule counters and
 * the to-host counter tell the two apart.  Needs root (BPF); without it,
 * every group is skipped.  Prints TAP. */

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
#include "xsk-prog.h"
#include "xsk-steer.h"

#define NONE (-1)               /* Expected rule: no rule hit. */

struct frame {
    uint8_t buf[256];
    size_t len;
};

static struct xsk_prog prog;

/* Ethernet header to 02:..:01, with 'n_tags' VLAN tags (outer VID 'vid',
 * inner VID + 1) and EtherType 'type'. */
static void
eth(struct frame *f, int n_tags, int vid, uint16_t type)
{
    static const uint8_t hdr[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

    memset(f, 0, sizeof *f);
    memcpy(f->buf, hdr, 12);
    f->len = 12;
    for (int i = 0; i < n_tags; i++) {
        put16(f->buf + f->len, i ? 0x8100 : 0x88a8);
        put16(f->buf + f->len + 2, vid + i);
        f->len += 4;
    }
    put16(f->buf + f->len, type);
    f->len += 2;
}

/* IPv4 header (20 bytes, or 'ihl' words) with 'proto' and fragment offset
 * 'frag', then 'l4_len' bytes: source port 1000, destination 'dport'. */
static void
ipv4(struct frame *f, int ihl, uint8_t proto, uint16_t frag,
     uint16_t dport, size_t l4_len)
{
    uint8_t *ip = f->buf + f->len;

    ip[0] = 0x40 | ihl;
    put16(ip + 2, 20 + l4_len);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    f->len += 20;
    put16(f->buf + f->len, 1000);
    put16(f->buf + f->len + 2, dport);
    f->len += l4_len;
}

static void
ipv6(struct frame *f, uint8_t nexthdr, uint16_t dport, size_t l4_len)
{
    uint8_t *ip = f->buf + f->len;

    ip[0] = 0x60;
    put16(ip + 4, l4_len);
    ip[6] = nexthdr;
    ip[7] = 64;
    f->len += 40;
    put16(f->buf + f->len, 1000);
    put16(f->buf + f->len + 2, dport);
    f->len += l4_len;
}

/* Runs 'f' through the program; true if it returned XDP_PASS. */
static bool
run(const struct frame *f)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->buf,
                .data_size_in = f->len < 14 ? 14 : f->len);
    int fd = bpf_program__fd(prog.skel->progs.ovs_xsk_prog);

    if (bpf_prog_test_run_opts(fd, &opts)) {
        tap_diag("BPF_PROG_TEST_RUN: %s", strerror(errno));
        return false;
    }
    return opts.retval == XDP_PASS;
}

/* Sets rules 'rules' in mode 'mode', runs 'f', and checks that it hit rule
 * 'want' (or NONE) and went to the host or not. */
static void
expect(const char *rules, const char *mode, const struct frame *f, int want,
       bool to_host, const char *what)
{
    uint64_t before[XSK_STEER_N_COUNTS], after[XSK_STEER_N_COUNTS];
    struct xsk_steer s;
    char *err;
    int got = NONE;

    if (xsk_steer_parse(rules, mode, &s, &err)) {
        CHECK(false, "'%s': %s", rules, err);
        free(err);
        return;
    }
    if (xsk_prog_set_steer(&prog, &s)
        || xsk_prog_steer_counts(&prog, before)) {
        CHECK(false, "cannot write or read the maps: %s", strerror(errno));
        return;
    }
    CHECK(run(f), "%s: verdict is not XDP_PASS", what);
    xsk_prog_steer_counts(&prog, after);
    for (int i = 0; i < XSK_STEER_MAX_RULES; i++) {
        if (after[i] != before[i]) {
            CHECK(got == NONE, "%s: rules %d and %d both counted", what,
                  got, i);
            got = i;
        }
    }
    CHECK(got == want, "%s with '%s' (%s): hit rule %d, want %d", what,
          rules, mode, got, want);
    CHECK((after[XSK_STEER_TO_HOST] - before[XSK_STEER_TO_HOST]) == to_host,
          "%s with '%s' (%s): to-host counted %d, want %d", what, rules,
          mode, (int) (after[XSK_STEER_TO_HOST] - before[XSK_STEER_TO_HOST]),
          to_host);
}

static void
test_well_formed(void)
{
    const char *r = "icmp,udp:4789,arp,vlan:7+tcp:22,icmp6";
    struct frame f;

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 1, 0, 0, 8);
    expect(r, "match", &f, 0, false, "ICMP");
    expect(r, "nomatch", &f, 0, true, "ICMP");
    expect(r, "all", &f, NONE, false, "ICMP");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 17, 0, 4789, 8);
    expect(r, "match", &f, 1, false, "UDP to 4789");
    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 17, 0, 4790, 8);
    expect(r, "match", &f, NONE, true, "UDP to 4790");
    expect(r, "nomatch", &f, NONE, false, "UDP to 4790");

    eth(&f, 0, 0, 0x0806);
    f.len += 28;
    expect(r, "match", &f, 2, false, "ARP");

    eth(&f, 1, 7, 0x0800);
    ipv4(&f, 5, 6, 0, 22, 20);
    expect(r, "match", &f, 3, false, "TCP 22 in VLAN 7");
    eth(&f, 1, 8, 0x0800);
    ipv4(&f, 5, 6, 0, 22, 20);
    expect(r, "match", &f, NONE, true, "TCP 22 in VLAN 8");
    eth(&f, 2, 7, 0x0800);
    ipv4(&f, 5, 17, 0, 4789, 8);
    expect(r, "match", &f, 1, false, "QinQ UDP to 4789");
    expect("vlan:7", "match", &f, 0, false, "QinQ outer VID 7");
    expect("vlan:8", "match", &f, NONE, true, "QinQ inner VID is not it");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 7, 17, 0, 0, 0);   /* Options: ports 8 bytes further. */
    put16(f.buf + 14 + 28 + 2, 4789);
    f.len = 14 + 28 + 8;
    expect(r, "match", &f, 1, false, "UDP to 4789 after IP options");

    eth(&f, 0, 0, 0x86dd);
    ipv6(&f, 17, 4789, 8);
    expect(r, "match", &f, 1, false, "UDP/IPv6 to 4789");
    eth(&f, 0, 0, 0x86dd);
    ipv6(&f, 58, 0, 8);
    expect(r, "match", &f, 4, false, "ICMPv6");
    tap_group("well-formed frames are steered by their rules");
}

static void
test_malformed(void)
{
    const char *r = "udp:4789,ip,vlan:5";
    struct frame f;

    eth(&f, 0, 0, 0x0800);
    expect(r, "match", &f, 1, false, "IPv4 EtherType, no IP header");
    expect("udp", "match", &f, NONE, true, "no IP header, rule udp");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 17, 0, 4789, 8);
    f.len = 14 + 19;
    expect("udp", "match", &f, NONE, true, "IP header 1 byte short");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 2, 17, 0, 4789, 8);
    expect("udp", "match", &f, NONE, true, "IHL 2");
    expect(r, "match", &f, 1, false, "IHL 2, rule ip");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 15, 17, 0, 4789, 8);   /* Options run past the end. */
    expect("udp:4789", "match", &f, NONE, true, "IHL 15, short frame");
    expect("udp", "match", &f, 0, false, "IHL 15, rule udp");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 17, 0, 4789, 3);
    expect("udp:4789", "match", &f, NONE, true, "UDP header 3 bytes");

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 17, 0x0010, 4789, 8);
    expect("udp:4789", "match", &f, NONE, true, "later fragment");
    expect("udp", "match", &f, 0, false, "later fragment, rule udp");

    eth(&f, 0, 0, 0x8100);
    f.len += 2;
    expect(r, "match", &f, NONE, true, "VLAN tag cut short");

    eth(&f, 0, 0, 0x86dd);
    ipv6(&f, 17, 4789, 8);
    f.len = 14 + 39;
    expect("udp", "match", &f, NONE, true, "IPv6 header 1 byte short");

    eth(&f, 0, 0, 0x0800);
    f.len = 14;
    memset(f.buf + 12, 0x81, 2);
    expect(r, "nomatch", &f, NONE, false, "unknown EtherType, nomatch");
    tap_group("malformed frames are read within bounds and match nothing "
              "they do not have");
}

static void
test_set_switch(void)
{
    uint64_t c[XSK_STEER_N_COUNTS];
    struct xsk_steer s;
    struct frame f;
    char *err;

    eth(&f, 0, 0, 0x0800);
    ipv4(&f, 5, 1, 0, 0, 8);
    xsk_steer_parse("icmp", "match", &s, &err);
    xsk_prog_set_steer(&prog, &s);
    for (int i = 0; i < 5; i++) {
        run(&f);
    }
    xsk_prog_steer_counts(&prog, c);
    CHECK(c[0] == 5, "5 frames counted %llu", (unsigned long long) c[0]);
    CHECK(prog.steer_gens.cur == 1 || prog.steer_gens.cur == 0, "set %u",
          prog.steer_gens.cur);

    xsk_steer_parse("arp,icmp", "match", &s, &err);
    xsk_prog_set_steer(&prog, &s);
    xsk_prog_steer_counts(&prog, c);
    CHECK(c[0] == 0 && c[1] == 0, "new rules start at 0: %llu %llu",
          (unsigned long long) c[0], (unsigned long long) c[1]);
    run(&f);
    xsk_prog_steer_counts(&prog, c);
    CHECK(c[1] == 1 && c[0] == 0, "ICMP is rule 1 now: %llu %llu",
          (unsigned long long) c[0], (unsigned long long) c[1]);
    tap_group("a rule change switches sets and starts its counters at 0");
}

int
main(void)
{
    int status = prog_test_load(&prog);

    if (status >= 0) {
        return status;
    }
    tap_group("the XDP program passes the verifier on this kernel");
    test_well_formed();
    test_malformed();
    test_set_switch();
    xsk_redirect__destroy(prog.skel);
    return tap_done();
}
