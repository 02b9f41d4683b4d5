/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of the steering-rule parser, netdev/xsk-steer.c: which frame
 * keys each rule list matches (through xsk_steer_key_match(), the same
 * masked lookup the XDP program does), and that every kind of bad text is
 * rejected with a message naming it.  Needs no root; prints TAP. */

#include "xsk-steer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Frame keys, built the way the XDP program fills them. */
static struct xsk_steer_key
key_l4(uint16_t ethertype, uint8_t proto, uint16_t sport, uint16_t dport)
{
    struct xsk_steer_key k;

    memset(&k, 0, sizeof k);
    memcpy(k.dst_mac, "\x02\x00\x00\x00\x00\x01", 6);
    k.ethertype = htons(ethertype);
    k.ip_proto = proto;
    k.src_port = htons(sport);
    k.dst_port = htons(dport);
    return k;
}

static struct xsk_steer_key
vlan(struct xsk_steer_key k, int vid)
{
    k.vlan = vid | XSK_STEER_VLAN_PRESENT;
    return k;
}

static struct xsk_steer_key
mac(struct xsk_steer_key k, const char *m)
{
    memcpy(k.dst_mac, m, 6);
    return k;
}

#define V4 0x0800
#define V6 0x86dd
#define ARP key_l4(0x0806, 0, 0, 0)
#define ICMP key_l4(V4, 1, 0, 0)
#define ICMP6 key_l4(V6, 58, 0, 0)
#define UDP4(S, D) key_l4(V4, 17, S, D)
#define UDP6(S, D) key_l4(V6, 17, S, D)
#define TCP4(S, D) key_l4(V4, 6, S, D)
#define TCP6(S, D) key_l4(V6, 6, S, D)

/* Parses 'rules' and checks that 'key' matches rule 'want' (-1: none). */
static void
expect(const char *rules, struct xsk_steer_key key, int want,
       const char *what)
{
    struct xsk_steer s;
    uint32_t rule = 99;
    char *err;
    bool hit;

    if (xsk_steer_parse(rules, "match", &s, &err)) {
        CHECK(false, "'%s' rejected: %s", rules, err);
        free(err);
        return;
    }
    hit = xsk_steer_key_match(&s, &key, &rule);
    CHECK(want < 0 ? !hit : hit && rule == (uint32_t) want,
          "'%s', %s: want %d, got %s %u", rules, what, want,
          hit ? "rule" : "no match", rule);
}

static void
test_matching(void)
{
    const char *set = "icmp, udp:4789 ,arp";

    expect(set, ICMP, 0, "ICMP");
    expect(set, UDP4(1000, 4789), 1, "UDP to 4789");
    expect(set, UDP6(1000, 4789), 1, "UDP over IPv6 to 4789");
    expect(set, UDP4(4789, 53), -1, "UDP from 4789");
    expect(set, ARP, 2, "ARP");
    expect(set, TCP4(1000, 4789), -1, "TCP to 4789");
    expect(set, ICMP6, -1, "ICMPv6");
    expect(set, vlan(ICMP, 5), 0, "tagged ICMP");
    tap_group("rules match by EtherType, protocol and destination port");

    expect("tcp", TCP4(1, 2), 0, "TCP/IPv4");
    expect("tcp", TCP6(1, 2), 0, "TCP/IPv6");
    expect("tcp", UDP4(1, 2), -1, "UDP");
    expect("ip", TCP4(1, 2), 0, "IPv4");
    expect("ip", TCP6(1, 2), -1, "IPv6");
    expect("ipv6", ICMP6, 0, "IPv6");
    expect("icmp6", ICMP6, 0, "ICMPv6");
    expect("icmp6", ICMP, -1, "ICMPv4");
    expect("udp-src:53", UDP4(53, 1000), 0, "UDP from 53");
    expect("udp-src:53", UDP4(1000, 53), -1, "UDP to 53");
    expect("tcp:22+tcp-src:1000", TCP4(1000, 22), 0, "both ports");
    expect("tcp:22+tcp-src:1000", TCP4(1001, 22), -1, "other source");
    expect("ethertype:0x88cc", key_l4(0x88cc, 0, 0, 0), 0, "LLDP");
    expect("ethertype:34525", ICMP6, 0, "decimal EtherType");
    tap_group("protocol, port and EtherType terms");

    expect("vlan:10+tcp:22", vlan(TCP4(5, 22), 10), 0, "VLAN 10 TCP 22");
    expect("vlan:10+tcp:22", TCP4(5, 22), -1, "untagged");
    expect("vlan:10+tcp:22", vlan(TCP4(5, 22), 11), -1, "VLAN 11");
    expect("vlan:0", vlan(ARP, 0), 0, "priority tag");
    expect("vlan:0", ARP, -1, "untagged, VID 0 is not 'no tag'");
    expect("vlan:4095", vlan(ARP, 4095), 0, "VID 4095");
    tap_group("VLAN terms need a tag");

    expect("dst-mac:02:00:00:00:00:02", mac(ARP, "\x02\0\0\0\0\x02"), 0,
           "that MAC");
    expect("dst-mac:02:00:00:00:00:02", ARP, -1, "other MAC");
    expect("dst-mac:FF:ff:ff:ff:ff:ff+arp",
           mac(ARP, "\xff\xff\xff\xff\xff\xff"), 0, "broadcast ARP");
    expect("arp,dst-mac:02:00:00:00:00:01", ARP, 0,
           "first mask in order wins");
    tap_group("destination MAC terms");
}

static void
test_masks(void)
{
    char rules[1024] = "";
    struct xsk_steer s;
    uint32_t rule;
    char *err;

    for (int i = 1; i <= 16; i++) {
        char r[16];

        snprintf(r, sizeof r, "%sudp:%d", i > 1 ? "," : "", i);
        strcat(rules, r);
    }
    CHECK(!xsk_steer_parse(rules, "match", &s, &err), "16 rules");
    CHECK(s.n_rules == 16 && s.n_masks == 1, "%u rules, %u masks",
          s.n_rules, s.n_masks);
    for (int i = 1; i <= 16; i++) {
        struct xsk_steer_key k = UDP4(9, i);

        CHECK(xsk_steer_key_match(&s, &k, &rule) && rule == (uint32_t) i - 1,
              "udp:%d", i);
    }
    tap_group("16 rules of one shape share one mask");

    CHECK(!xsk_steer_parse("icmp,arp,tcp,udp:1,vlan:1,ip+tcp:1,"
                           "dst-mac:02:00:00:00:00:01,udp-src:1,"
                           "ethertype:0x88cc", NULL, &s,
                           &err), "8 shapes: %s", err ? err : "");
    CHECK(s.n_masks == 8, "%u masks", s.n_masks);
    CHECK(s.mode == XSK_STEER_ALL, "mode %d", s.mode);
    tap_group("8 shapes fit; mode defaults to 'all'");
}

struct bad_case {
    const char *rules;
    const char *mode;
    const char *want;           /* Substring of the message. */
};

static void
test_errors(void)
{
    static const struct bad_case cases[] = {
        { "bogus", NULL, "unknown term 'bogus'" },
        { "tcp:0", NULL, "bad port '0'" },
        { "tcp:65536", NULL, "bad port '65536'" },
        { "udp:12x", NULL, "bad port '12x'" },
        { "udp:-1", NULL, "bad port '-1'" },
        { "tcp-src", NULL, "'tcp-src' needs a port" },
        { "arp:1", NULL, "'arp' takes no argument" },
        { "icmp+tcp", NULL, "'tcp' contradicts an earlier term" },
        { "ip+icmp6", NULL, "'icmp6' contradicts" },
        { "tcp:1+tcp:2", NULL, "'tcp' contradicts" },
        { "arp+tcp", NULL, "non-IP EtherType never matches" },
        { "vlan:4096", NULL, "bad VLAN id '4096'" },
        { "vlan", NULL, "bad VLAN id ''" },
        { "ethertype:0x5dc", NULL, "bad EtherType '0x5dc'" },
        { "ethertype:0x10000", NULL, "bad EtherType" },
        { "dst-mac:zz:00:00:00:00:00", NULL, "bad MAC" },
        { "dst-mac:00:11:22:33:44", NULL, "bad MAC" },
        { "dst-mac:00:11:22:33:44:55:66", NULL, "bad MAC" },
        { "icmp,,udp", NULL, "empty rule" },
        { "icmp,", NULL, "empty rule" },
        { ",", NULL, "empty rule" },
        { "icmp+", NULL, "empty term" },
        { "+icmp", NULL, "empty term" },
        { "icmp++tcp", NULL, "empty term" },
        { "icmp,udp:1,icmp", NULL, "'icmp' repeats rule 'icmp'" },
        { "udp:53,udp:0x35", NULL, "repeats rule 'udp:53'" },
        { "icmp", "bogus", "bad 'xdp-steer-mode' 'bogus'" },
        { "icmp", "", "bad 'xdp-steer-mode'" },
        { "icmp,arp,tcp,udp:1,vlan:1,ip+tcp:1,"
          "dst-mac:02:00:00:00:00:01,udp-src:1,tcp:1+tcp-src:2", NULL,
          "more than 8 different combinations" },
    };
    char many[1024] = "";

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        struct xsk_steer s;
        char *err = NULL;
        int error = xsk_steer_parse(c->rules, c->mode, &s, &err);

        CHECK(error == EINVAL && err && strstr(err, c->want),
              "'%s' mode '%s': error %d, message '%s', want '%s'",
              c->rules, c->mode ? c->mode : "(none)", error,
              err ? err : "(none)", c->want);
        if (err && !strstr(err, "xdp-steer")) {
            CHECK(false, "message '%s' does not name the option", err);
        }
        free(err);
    }
    tap_group("bad rules and modes are rejected with a clear message");

    for (int i = 1; i <= XSK_STEER_MAX_RULES + 1; i++) {
        char r[16];

        snprintf(r, sizeof r, "%sudp:%d", i > 1 ? "," : "", i);
        strcat(many, r);
    }
    {
        struct xsk_steer s;
        char *err = NULL;

        CHECK(xsk_steer_parse(many, NULL, &s, &err) == EINVAL
              && err && strstr(err, "more than 64 rules"),
              "65 rules: %s", err ? err : "accepted");
        free(err);
    }
    tap_group("at most %d rules", XSK_STEER_MAX_RULES);
}

static void
test_modes_and_equal(void)
{
    struct xsk_steer a, b;
    char *err;

    CHECK(!xsk_steer_parse(NULL, NULL, &a, &err), "NULL rules");
    CHECK(a.mode == XSK_STEER_ALL && !a.n_rules, "defaults");
    CHECK(!xsk_steer_parse("", "nomatch", &a, &err), "empty rules");
    CHECK(a.mode == XSK_STEER_NOMATCH && !a.n_rules, "nomatch, no rules");
    CHECK(!strcmp(xsk_steer_mode_name(XSK_STEER_MATCH), "match"), "name");
    tap_group("modes");

    xsk_steer_parse("icmp,udp:4789", "match", &a, &err);
    xsk_steer_parse("icmp, udp:4789", "match", &b, &err);
    CHECK(xsk_steer_equal(&a, &b), "blanks do not matter");
    xsk_steer_parse("icmp,udp:4789", "nomatch", &b, &err);
    CHECK(!xsk_steer_equal(&a, &b), "mode matters");
    xsk_steer_parse("udp:4789,icmp", "match", &b, &err);
    CHECK(!xsk_steer_equal(&a, &b), "order matters (rule numbers)");
    xsk_steer_parse("icmp,udp:4790", "match", &b, &err);
    CHECK(!xsk_steer_equal(&a, &b), "port matters");
    tap_group("xsk_steer_equal()");
}

int
main(void)
{
    test_matching();
    test_masks();
    test_errors();
    test_modes_and_equal();
    return tap_done();
}
