/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of netdev/xsk-peer.c, which reads the MTU of a veth's peer
 * over rtnetlink: the RTM_GETLINK request it builds (xsk_peer_request())
 * and its parser of the replies (xsk_peer_parse()), from a table of
 * netlink messages built here, good and malformed; then xsk_peer_mtu()
 * against the real kernel on devices every system has (the loopback
 * device has no peer; an ifindex nobody has).  The round trip on a real
 * veth pair across namespaces is checked by the system tests
 * (48-peer-mtu).  Needs no root and no OVS; prints TAP (tap.h). */

#include "xsk-peer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

/* Netlink values, as the kernel's uapi headers give them. */
#define T_NLMSG_ERROR 2
#define T_RTM_NEWLINK 16
#define T_RTM_GETLINK 18
#define T_IFLA_IFNAME 3
#define T_IFLA_MTU 4
#define T_IFLA_LINK 5
#define T_IFLA_LINKINFO 18
#define T_IFLA_LINK_NETNSID 37
#define T_IFLA_TARGET_NETNSID 46
#define T_NLA_F_NESTED 0x8000
#define T_NLMSG_HDR 16
#define T_IFINFO 16

/* One attribute of a message: 'type', then 'len' payload bytes taken from
 * the 4-byte 'value' (a longer one is filled with 'value''s byte). */
struct attr {
    uint16_t type;
    uint16_t len;               /* Payload; 0xffff: the header alone says
                                 * 'bad_len'. */
    uint32_t value;
    uint16_t bad_len;           /* With len 0xffff: nla_len to write. */
};

/* One netlink message of a reply. */
struct msg {
    uint16_t type;              /* T_RTM_NEWLINK or T_NLMSG_ERROR. */
    uint32_t seq;
    int32_t error;              /* T_NLMSG_ERROR: the (negative) errno. */
    int32_t ifindex;
    int n_attrs;
    struct attr attrs[5];
    int body_len;               /* >= 0: cut the message to this many bytes
                                 * after the header (nlmsg_len says so). */
    int len_delta;              /* Added to nlmsg_len (a lie). */
};

struct parse_case {
    const char *name;
    int n_msgs;
    struct msg msgs[3];
    int buf_cut;                /* > 0: pass this many bytes fewer. */
    int want_error;
    struct xsk_peer_link want;  /* If 'want_error' is 0. */
};

#define MTU(V) { T_IFLA_MTU, 4, (V), 0 }
#define LINK(V) { T_IFLA_LINK, 4, (V), 0 }
#define NSID(V) { T_IFLA_LINK_NETNSID, 4, (V), 0 }
#define IFNAME { T_IFLA_IFNAME, 6, 0x41, 0 }
#define NESTED { T_IFLA_LINKINFO | T_NLA_F_NESTED, 12, 0, 0 }
#define NEWLINK(SEQ, IFINDEX, N, ...) \
    { T_RTM_NEWLINK, (SEQ), 0, (IFINDEX), (N), { __VA_ARGS__ }, -1, 0 }
#define ERROR(SEQ, ERR) { T_NLMSG_ERROR, (SEQ), (ERR), 0, 0, { { 0 } }, -1, 0 }

static const struct parse_case parse_cases[] = {
    { "veth, peer in another namespace", 1,
      { NEWLINK(7, 12, 4, IFNAME, MTU(1500), LINK(3), NSID(0)) }, 0,
      0, { 12, 1500, 3, 0 } },
    { "veth, peer in the same namespace", 1,
      { NEWLINK(7, 12, 2, MTU(9000), LINK(13)) }, 0,
      0, { 12, 9000, 13, XSK_PEER_NO_NSID } },
    { "no IFLA_LINK: no peer", 1,
      { NEWLINK(7, 2, 2, IFNAME, MTU(1500)) }, 0,
      0, { 2, 1500, 0, XSK_PEER_NO_NSID } },
    { "nested and odd-length attributes are skipped", 1,
      { NEWLINK(7, 4, 4, IFNAME, NESTED, MTU(1442), LINK(5)) }, 0,
      0, { 4, 1442, 5, XSK_PEER_NO_NSID } },
    { "a message of another sequence number first is skipped", 2,
      { NEWLINK(6, 99, 1, MTU(1)), NEWLINK(7, 4, 1, MTU(1400)) }, 0,
      0, { 4, 1400, 0, XSK_PEER_NO_NSID } },
    { "the kernel's error: no such device", 1,
      { ERROR(7, -ENODEV) }, 0, ENODEV, { 0 } },
    { "the kernel's error: no permission in the target namespace", 1,
      { ERROR(7, -EPERM) }, 0, EPERM, { 0 } },
    { "an acknowledgement is no reply", 1,
      { ERROR(7, 0) }, 0, EPROTO, { 0 } },
    { "only other sequence numbers", 1,
      { NEWLINK(8, 4, 1, MTU(1400)) }, 0, EPROTO, { 0 } },
    { "nothing at all", 0, { { 0 } }, 0, EPROTO, { 0 } },
    { "IFLA_MTU of 2 bytes", 1,
      { NEWLINK(7, 4, 1, { T_IFLA_MTU, 2, 1500, 0 }) }, 0, EPROTO, { 0 } },
    { "IFLA_LINK of 8 bytes", 1,
      { NEWLINK(7, 4, 1, { T_IFLA_LINK, 8, 3, 0 }) }, 0, EPROTO, { 0 } },
    { "attribute length under its header", 1,
      { NEWLINK(7, 4, 1, { T_IFLA_MTU, 0xffff, 0, 2 }) }, 0, EPROTO, { 0 } },
    { "attribute past the message's end", 1,
      { NEWLINK(7, 4, 1, { T_IFLA_MTU, 0xffff, 0, 64 }) }, 0, EPROTO, { 0 } },
    { "message shorter than its ifinfomsg", 1,
      { { T_RTM_NEWLINK, 7, 0, 4, 0, { { 0 } }, 8, 0 } }, 0, EPROTO, { 0 } },
    { "error message without its errno", 1,
      { { T_NLMSG_ERROR, 7, 0, 0, 0, { { 0 } }, 2, 0 } }, 0, EPROTO, { 0 } },
    { "message length past the buffer (truncated reply)", 1,
      { NEWLINK(7, 4, 2, MTU(1400), LINK(3)) }, 8, EPROTO, { 0 } },
    { "message length under its header", 1,
      { { T_RTM_NEWLINK, 7, 0, 4, 0, { { 0 } }, -1, -(T_IFINFO + 8) } }, 0,
      EPROTO, { 0 } },
};

static void
put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof v);
}

static void
put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Writes message 'm' at 'p'; returns its aligned length. */
static size_t
build_msg(uint8_t *p, const struct msg *m)
{
    size_t len = T_NLMSG_HDR;

    memset(p, 0, 512);
    if (m->type == T_NLMSG_ERROR) {
        put32(p + len, (uint32_t) m->error);
        len += 4 + T_NLMSG_HDR;         /* errno, then the request's header. */
    } else {
        put32(p + len + 4, (uint32_t) m->ifindex);
        len += T_IFINFO;
        for (int i = 0; i < m->n_attrs; i++) {
            const struct attr *a = &m->attrs[i];

            if (a->len == 0xffff) {
                put16(p + len, a->bad_len);
                put16(p + len + 2, a->type);
                len += 4;
                continue;
            }
            put16(p + len, 4 + a->len);
            put16(p + len + 2, a->type);
            if (a->len == 4) {
                put32(p + len + 4, a->value);
            } else {
                memset(p + len + 4, (int) (a->value & 0xff), a->len);
            }
            len += (4 + a->len + 3) & ~3u;
        }
    }
    if (m->body_len >= 0) {
        len = T_NLMSG_HDR + m->body_len;
    }
    put32(p, len + m->len_delta);
    put16(p + 4, m->type);
    put32(p + 8, m->seq);
    return (len + 3) & ~3u;
}

static void
test_parse(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
        const struct parse_case *c = &parse_cases[i];
        struct xsk_peer_link link;
        uint8_t buf[2048];
        size_t len = 0;
        int error;

        for (int k = 0; k < c->n_msgs; k++) {
            len += build_msg(buf + len, &c->msgs[k]);
        }
        len -= c->buf_cut;
        memset(&link, 0x5a, sizeof link);
        error = xsk_peer_parse(buf, len, 7, &link);
        CHECK(error == c->want_error, "error %d (%s), want %d", error,
              strerror(error), c->want_error);
        if (!error && !c->want_error) {
            CHECK(link.ifindex == c->want.ifindex, "ifindex %d, want %d",
                  link.ifindex, c->want.ifindex);
            CHECK(link.mtu == c->want.mtu, "mtu %d, want %d",
                  link.mtu, c->want.mtu);
            CHECK(link.link == c->want.link, "link %d, want %d",
                  link.link, c->want.link);
            CHECK(link.link_nsid == c->want.link_nsid,
                  "link_nsid %d, want %d", link.link_nsid,
                  c->want.link_nsid);
        }
        tap_group("xsk_peer_parse(): %s", c->name);
    }
}

static void
test_request(void)
{
    uint8_t buf[64];
    uint32_t u32;
    uint16_t u16;
    int32_t i32;
    size_t len;

    /* Our namespace: header and ifinfomsg only. */
    len = xsk_peer_request(buf, sizeof buf, 9, 42, XSK_PEER_NO_NSID);
    CHECK(len == T_NLMSG_HDR + T_IFINFO, "length %zu", len);
    memcpy(&u32, buf, 4);
    CHECK(u32 == len, "nlmsg_len %u", u32);
    memcpy(&u16, buf + 4, 2);
    CHECK(u16 == T_RTM_GETLINK, "type %u", u16);
    memcpy(&u16, buf + 6, 2);
    CHECK(u16 == 1, "flags %#x, want NLM_F_REQUEST alone", u16);
    memcpy(&u32, buf + 8, 4);
    CHECK(u32 == 9, "seq %u", u32);
    memcpy(&i32, buf + T_NLMSG_HDR + 4, 4);
    CHECK(i32 == 42, "ifi_index %d", i32);
    tap_group("xsk_peer_request(): a device of our namespace");

    /* Another namespace: IFLA_TARGET_NETNSID. */
    len = xsk_peer_request(buf, sizeof buf, 10, 3, 5);
    CHECK(len == T_NLMSG_HDR + T_IFINFO + 8, "length %zu", len);
    memcpy(&u32, buf, 4);
    CHECK(u32 == len, "nlmsg_len %u", u32);
    memcpy(&u16, buf + T_NLMSG_HDR + T_IFINFO, 2);
    CHECK(u16 == 8, "nla_len %u", u16);
    memcpy(&u16, buf + T_NLMSG_HDR + T_IFINFO + 2, 2);
    CHECK(u16 == T_IFLA_TARGET_NETNSID, "nla_type %u", u16);
    memcpy(&i32, buf + T_NLMSG_HDR + T_IFINFO + 4, 4);
    CHECK(i32 == 5, "nsid %d", i32);
    tap_group("xsk_peer_request(): a device of namespace id 5");

    CHECK(xsk_peer_request(buf, T_NLMSG_HDR + T_IFINFO + 4, 1, 3, 5) == 0,
          "no room for the attribute: want 0");
    CHECK(xsk_peer_request(buf, T_NLMSG_HDR, 1, 3, XSK_PEER_NO_NSID) == 0,
          "no room for the ifinfomsg: want 0");
    tap_group("xsk_peer_request(): too small a buffer");
}

static void
test_kernel(void)
{
    int mtu = -1;
    int error;

    /* The loopback device (ifindex 1 in any namespace) links to itself:
     * no IFLA_LINK, no peer. */
    error = xsk_peer_mtu(1, &mtu);
    CHECK(error == ENOENT, "lo: error %d (%s), want ENOENT", error,
          strerror(error));
    CHECK(mtu == 0, "lo: mtu %d, want 0", mtu);
    tap_group("xsk_peer_mtu(): the loopback device has no peer");

    mtu = -1;
    error = xsk_peer_mtu(0x7ffffff0, &mtu);
    CHECK(error == ENODEV, "error %d (%s), want ENODEV", error,
          strerror(error));
    CHECK(mtu == 0, "mtu %d, want 0", mtu);
    tap_group("xsk_peer_mtu(): no such device");
}

int
main(void)
{
    test_parse();
    test_request();
    test_kernel();
    return tap_done();
}
