/* SPDX-License-Identifier: Apache-2.0 */

/* The MTU of a veth's peer, in whatever namespace it lives, from two
 * rtnetlink RTM_GETLINK requests; see xsk-peer.h.  xsk-port.c cuts TCP
 * super-packets at the smaller of the port's MTU and this one.  Plain
 * netlink structs, as in xsk-features.c (the kernel's uapi netlink header
 * needs OVS's config.h inside the OVS tree). */

#include "xsk-peer.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

struct peer_nlmsghdr {
    uint32_t len;
    uint16_t type;
    uint16_t flags;
    uint32_t seq;
    uint32_t pid;
};

struct peer_nlattr {
    uint16_t len;
    uint16_t type;
};

struct peer_ifinfomsg {
    uint8_t family;
    uint8_t pad;
    uint16_t type;
    int32_t index;
    uint32_t flags;
    uint32_t change;
};

#define PEER_ALIGN(X) (((X) + 3u) & ~3u)
#define PEER_NETLINK_ROUTE 0
#define PEER_NLM_F_REQUEST 1
#define PEER_NLMSG_ERROR 2
#define PEER_RTM_NEWLINK 16
#define PEER_RTM_GETLINK 18
#define PEER_NLA_TYPE_MASK 0x3fff
#define PEER_IFLA_MTU 4
#define PEER_IFLA_LINK 5
#define PEER_IFLA_LINK_NETNSID 37
#define PEER_IFLA_TARGET_NETNSID 46

/* A reply for one device is about 1.5 kB (no IFLA_EXT_MASK: no VF
 * information). */
#define PEER_REPLY_MAX 8192

size_t
xsk_peer_request(void *buf, size_t size, uint32_t seq, int ifindex,
                 int nsid)
{
    struct peer_nlmsghdr nh = {
        .type = PEER_RTM_GETLINK,
        .flags = PEER_NLM_F_REQUEST,
        .seq = seq,
    };
    struct peer_ifinfomsg ifi = { .index = ifindex };
    size_t len = sizeof nh + sizeof ifi;
    char *p = buf;

    if (nsid != XSK_PEER_NO_NSID) {
        len += PEER_ALIGN(sizeof(struct peer_nlattr) + sizeof(int32_t));
    }
    if (size < len) {
        return 0;
    }
    memset(buf, 0, len);
    nh.len = len;
    memcpy(p, &nh, sizeof nh);
    memcpy(p + sizeof nh, &ifi, sizeof ifi);
    if (nsid != XSK_PEER_NO_NSID) {
        struct peer_nlattr a = {
            .len = sizeof a + sizeof(int32_t),
            .type = PEER_IFLA_TARGET_NETNSID,
        };
        int32_t id = nsid;
        char *q = p + sizeof nh + sizeof ifi;

        memcpy(q, &a, sizeof a);
        memcpy(q + sizeof a, &id, sizeof id);
    }
    return len;
}

/* Reads the attributes of the RTM_NEWLINK message 'msg' of 'len' bytes
 * (header included) into '*link'.  Returns 0 or EPROTO. */
static int
parse_newlink(const char *msg, size_t len, struct xsk_peer_link *link)
{
    struct peer_ifinfomsg ifi;
    size_t off = sizeof(struct peer_nlmsghdr) + sizeof ifi;

    if (len < off) {
        return EPROTO;
    }
    memcpy(&ifi, msg + sizeof(struct peer_nlmsghdr), sizeof ifi);
    link->ifindex = ifi.index;
    link->mtu = 0;
    link->link = 0;
    link->link_nsid = XSK_PEER_NO_NSID;
    while (off + sizeof(struct peer_nlattr) <= len) {
        struct peer_nlattr a;
        int32_t value;

        memcpy(&a, msg + off, sizeof a);
        if (a.len < sizeof a || a.len > len - off) {
            return EPROTO;
        }
        switch (a.type & PEER_NLA_TYPE_MASK) {
        case PEER_IFLA_MTU:
        case PEER_IFLA_LINK:
        case PEER_IFLA_LINK_NETNSID:
            if (a.len != sizeof a + sizeof value) {
                return EPROTO;
            }
            memcpy(&value, msg + off + sizeof a, sizeof value);
            if ((a.type & PEER_NLA_TYPE_MASK) == PEER_IFLA_MTU) {
                link->mtu = value;
            } else if ((a.type & PEER_NLA_TYPE_MASK) == PEER_IFLA_LINK) {
                link->link = value;
            } else {
                link->link_nsid = value;
            }
            break;
        default:
            break;
        }
        off += PEER_ALIGN(a.len);
    }
    return 0;
}

int
xsk_peer_parse(const void *buf, size_t len, uint32_t seq,
               struct xsk_peer_link *link)
{
    const char *p = buf;
    size_t off = 0;

    while (off + sizeof(struct peer_nlmsghdr) <= len) {
        struct peer_nlmsghdr nh;

        memcpy(&nh, p + off, sizeof nh);
        if (nh.len < sizeof nh || nh.len > len - off) {
            return EPROTO;
        }
        if (nh.seq == seq) {
            if (nh.type == PEER_NLMSG_ERROR) {
                int32_t error;

                if (nh.len < sizeof nh + sizeof error) {
                    return EPROTO;
                }
                memcpy(&error, p + off + sizeof nh, sizeof error);
                /* An acknowledgement (0) is no reply to a GET. */
                return error < 0 ? -error : EPROTO;
            }
            if (nh.type == PEER_RTM_NEWLINK) {
                return parse_newlink(p + off, nh.len, link);
            }
        }
        off += PEER_ALIGN(nh.len);
    }
    return EPROTO;
}

/* Asks, on netlink socket 'fd', for device 'ifindex' in namespace 'nsid'
 * (XSK_PEER_NO_NSID: ours), with sequence number 'seq', and reads the reply
 * into '*link'.  Returns 0 or a positive errno. */
static int
transact(int fd, uint32_t seq, int ifindex, int nsid,
         struct xsk_peer_link *link)
{
    char req[64];
    char reply[PEER_REPLY_MAX];
    size_t req_len;
    ssize_t n;

    req_len = xsk_peer_request(req, sizeof req, seq, ifindex, nsid);
    if (send(fd, req, req_len, 0) < 0) {
        return errno;
    }
    n = recv(fd, reply, sizeof reply, MSG_TRUNC);
    if (n < 0) {
        return errno;
    }
    if ((size_t) n > sizeof reply) {
        return EMSGSIZE;
    }
    return xsk_peer_parse(reply, n, seq, link);
}

int
xsk_peer_mtu(int ifindex, int *mtu)
{
    struct xsk_peer_link dev, peer;
    int fd, error;

    *mtu = 0;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, PEER_NETLINK_ROUTE);
    if (fd < 0) {
        return errno;
    }
    error = transact(fd, 1, ifindex, XSK_PEER_NO_NSID, &dev);
    if (error) {
        goto out;
    }
    if (dev.link <= 0 || (dev.link == ifindex && dev.link_nsid < 0)) {
        error = ENOENT;
        goto out;
    }
    error = transact(fd, 2, dev.link, dev.link_nsid, &peer);
    if (error) {
        goto out;
    }
    if (peer.ifindex != dev.link || peer.link != ifindex) {
        /* Not our peer: the ifindex went to another device. */
        error = ENOENT;
        goto out;
    }
    if (peer.mtu <= 0) {
        error = EPROTO;
        goto out;
    }
    *mtu = peer.mtu;
out:
    close(fd);
    return error;
}
