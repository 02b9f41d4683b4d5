/* SPDX-License-Identifier: Apache-2.0 */

/* A device's XDP features (kernel >= 6.3), read from the "netdev" generic
 * netlink family, and its RX queues, from sysfs; see xsk-features.h.  Plain
 * netlink, since this system's libbpf (1.1) cannot ask. */

#include "xsk-features.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

/* Netlink and generic netlink, from the kernel's uapi headers (not
 * included: inside OVS, its own linux/netlink.h wrapper needs OVS's
 * config.h, which the core does not use). */
struct nl_hdr {
    uint32_t len;
    uint16_t type;
    uint16_t flags;
    uint32_t seq;
    uint32_t pid;
};
struct nl_attr {
    uint16_t len;
    uint16_t type;
};
struct genl_hdr {
    uint8_t cmd;
    uint8_t version;
    uint16_t reserved;
};
#define NL_ALIGN(X) (((X) + 3u) & ~3u)
#define NL_NETLINK_GENERIC 16
#define NL_F_REQUEST 1
#define NL_MSG_ERROR 2
#define NL_ATTR_TYPE_MASK 0x3fff
#define GENL_ID_CTRL 0x10
#define CTRL_CMD_GETFAMILY 3
#define CTRL_ATTR_FAMILY_ID 1
#define CTRL_ATTR_FAMILY_NAME 2

/* From the kernel's uapi linux/netdev.h, which this system's headers
 * lack. */
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3

struct request {
    struct nl_hdr nh;
    struct genl_hdr gh;
    char attrs[64];
};

/* Appends attribute 'type' with 'len' bytes of 'data' to 'req'. */
static void
put_attr(struct request *req, uint16_t type, const void *data, size_t len)
{
    char *p = (char *) req + NL_ALIGN(req->nh.len);
    struct nl_attr a = { .len = sizeof a + len, .type = type };

    memcpy(p, &a, sizeof a);
    memcpy(p + sizeof a, data, len);
    req->nh.len = NL_ALIGN(req->nh.len) + NL_ALIGN(a.len);
}

/* Sends 'req' on 'fd' and finds attribute 'type' in the reply, copying
 * 'len' bytes of it to 'out'.  Returns 0 or a positive errno (ENOENT if
 * the reply lacks it). */
static int
transact(int fd, struct request *req, uint16_t type, void *out, size_t len)
{
    char buf[4096];
    const char *p, *end;
    struct nl_hdr nh;
    ssize_t n;

    if (send(fd, req, req->nh.len, 0) < 0) {
        return errno;
    }
    n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
        return errno;
    }
    if (n < (ssize_t) sizeof nh) {
        return EPROTO;
    }
    memcpy(&nh, buf, sizeof nh);
    if (nh.len < sizeof nh || nh.len > n) {
        return EPROTO;
    }
    if (nh.type == NL_MSG_ERROR) {
        int32_t error;

        if (nh.len < sizeof nh + sizeof error) {
            return EPROTO;
        }
        memcpy(&error, buf + sizeof nh, sizeof error);
        return error ? -error : EPROTO;
    }
    p = buf + sizeof nh + sizeof(struct genl_hdr);
    end = buf + nh.len;
    while (p + sizeof(struct nl_attr) <= end) {
        struct nl_attr a;

        memcpy(&a, p, sizeof a);
        if (a.len < sizeof a || p + a.len > end) {
            break;
        }
        if ((a.type & NL_ATTR_TYPE_MASK) == type && a.len >= sizeof a + len) {
            memcpy(out, p + sizeof a, len);
            return 0;
        }
        p += NL_ALIGN(a.len);
    }
    return ENOENT;
}

static void
init_request(struct request *req, uint16_t family, uint8_t cmd)
{
    memset(req, 0, sizeof *req);
    req->nh.len = sizeof req->nh + sizeof req->gh;
    req->nh.type = family;
    req->nh.flags = NL_F_REQUEST;
    req->gh.cmd = cmd;
    req->gh.version = 1;
}

int
xsk_xdp_features(int ifindex, uint64_t *features)
{
    static const char name[] = "netdev";
    uint32_t index = ifindex;
    struct request req;
    uint16_t family;
    int fd, error;

    *features = 0;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NL_NETLINK_GENERIC);
    if (fd < 0) {
        return errno;
    }
    init_request(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
    put_attr(&req, CTRL_ATTR_FAMILY_NAME, name, sizeof name);
    error = transact(fd, &req, CTRL_ATTR_FAMILY_ID, &family, sizeof family);
    if (error) {
        /* No "netdev" family: a kernel before 6.3. */
        error = error == ENOENT ? EOPNOTSUPP : error;
        goto out;
    }
    init_request(&req, family, NETDEV_CMD_DEV_GET);
    put_attr(&req, NETDEV_A_DEV_IFINDEX, &index, sizeof index);
    error = transact(fd, &req, NETDEV_A_DEV_XDP_FEATURES, features,
                     sizeof *features);
out:
    close(fd);
    return error;
}

int
xsk_if_is_veth(int ifindex, bool *is_veth)
{
    struct ethtool_drvinfo info;
    struct ifreq ifr;
    int fd, error = 0;

    *is_veth = false;
    memset(&ifr, 0, sizeof ifr);
    if (!if_indextoname(ifindex, ifr.ifr_name)) {
        return errno;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    memset(&info, 0, sizeof info);
    info.cmd = ETHTOOL_GDRVINFO;
    ifr.ifr_data = (void *) &info;
    if (ioctl(fd, SIOCETHTOOL, &ifr)) {
        error = errno;
    } else {
        *is_veth = !strcmp(info.driver, "veth");
    }
    close(fd);
    return error;
}

int
xsk_if_n_rx_queues(const char *sysfs_net, const char *name)
{
    char path[256];
    int n;

    for (n = 0; n < 1024; n++) {
        snprintf(path, sizeof path, "%s/%s/queues/rx-%d", sysfs_net, name,
                 n);
        if (access(path, F_OK)) {
            break;
        }
    }
    return n;
}
