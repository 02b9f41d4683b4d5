/* SPDX-License-Identifier: Apache-2.0 */
/* xt-frame: options, interface check and template of the generators' test
 * frame (see xt-frame.h). */

#include "xt-frame.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsk-compat.h"
#include "xsk-csum.h"
#include "xsk-tools.h"

/* Sets the defaults: a 60-byte frame from 10.0.0.1:1024 to broadcast
 * 10.0.0.2:9, one flow, with a UDP checksum. */
void
xt_frame_opts_init(struct xt_frame_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = XT_MIN_FRAME;
    memset(o->dst_mac, 0xff, sizeof o->dst_mac);
    o->src_ip = 0x0a000001;
    o->dst_ip = 0x0a000002;
    o->src_port = 1024;
    o->dst_port = 9;
    o->flows = 1;
    o->udp_csum = true;
}

/* Parses frame option 'option' with argument 'arg', as getopt_long()
 * returned them.  Returns false if 'option' is not a frame option. */
bool
xt_frame_opts_parse(struct xt_frame_opts *o, int option, const char *arg)
{
    switch (option) {
    case 's':
        o->size = xt_opt_uint("-s", arg, XT_MIN_FRAME, 4096);
        return true;
    case 'S':
        xt_opt_mac("-S", arg, o->src_mac);
        o->src_mac_set = true;
        return true;
    case 'D':
        xt_opt_mac("-D", arg, o->dst_mac);
        return true;
    case 'A':
        o->src_ip = xt_opt_ipv4("-A", arg);
        return true;
    case 'B':
        o->dst_ip = xt_opt_ipv4("-B", arg);
        return true;
    case 'p':
        o->src_port = xt_opt_uint("-p", arg, 0, UINT16_MAX);
        return true;
    case 'P':
        o->dst_port = xt_opt_uint("-P", arg, 0, UINT16_MAX);
        return true;
    case 'f':
        o->flows = xt_opt_uint("-f", arg, 1, 65536);
        return true;
    case 'U':
        o->udp_csum = false;
        return true;
    default:
        return false;
    }
}

/* Checks the frame options against each other once all are parsed. */
void
xt_frame_opts_finish(const struct xt_frame_opts *o)
{
    if (o->src_port + o->flows - 1 > UINT16_MAX) {
        xt_usage_error("-p %u with -f %u runs past port 65535",
                       o->src_port, o->flows);
    }
}

/* Checks that a frame of 'o->size' bytes fits the MTU of 'iface' and, if
 * no -S was given, reads its MAC into 'o'.  Returns 0 or a positive errno,
 * with a message printed. */
int
xt_frame_check_iface(struct xt_frame_opts *o, const char *iface)
{
    struct ifreq ifr;
    int error = 0;
    int fd;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        xt_error("socket: %s", strerror(error));
        return error;
    }
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
    if (ioctl(fd, SIOCGIFMTU, &ifr)) {
        error = errno;
        xt_error("%s: cannot read MTU: %s", iface, strerror(error));
        goto out;
    }
    if (o->size > (uint32_t) ifr.ifr_mtu + XT_ETH_HLEN) {
        xt_error("-s %u: larger than %s's MTU %d allows (%d)", o->size,
                 iface, ifr.ifr_mtu, ifr.ifr_mtu + XT_ETH_HLEN);
        error = EMSGSIZE;
        goto out;
    }
    if (!o->src_mac_set) {
        if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
            error = errno;
            xt_error("%s: cannot read MAC: %s", iface, strerror(error));
            goto out;
        }
        memcpy(o->src_mac, ifr.ifr_hwaddr.sa_data, 6);
    }
out:
    close(fd);
    return error;
}

/* Writes the test frame with source port and sequence number 0 into
 * 'f' ('o->size' bytes) and returns the UDP sum of it for
 * xt_frame_csum() (0 if -U). */
uint32_t
xt_frame_build(const struct xt_frame_opts *o, uint8_t *f)
{
    uint32_t len = o->size;
    uint8_t *ip = f + XT_IP_OFS;
    uint8_t *udp = f + XT_UDP_OFS;
    uint16_t csum;
    bool ok;

    memcpy(f, o->dst_mac, 6);
    memcpy(f + 6, o->src_mac, 6);
    xt_put16(f + 12, 0x0800);

    memset(ip, 0, 20);
    ip[0] = 0x45;
    xt_put16(ip + 2, len - XT_IP_OFS);
    xt_put16(ip + 6, 0x4000);   /* DF. */
    ip[8] = 64;
    ip[9] = 17;                 /* UDP. */
    xt_put16(ip + 12, o->src_ip >> 16);
    xt_put16(ip + 14, o->src_ip & 0xffff);
    xt_put16(ip + 16, o->dst_ip >> 16);
    xt_put16(ip + 18, o->dst_ip & 0xffff);
    xt_put16(ip + 10, xt_ip_csum(ip));

    xt_put16(udp, 0);
    xt_put16(udp + 2, o->dst_port);
    xt_put16(udp + 4, len - XT_UDP_OFS);
    xt_put16(udp + 6, 0);

    xt_put16(f + XT_MAGIC_OFS, XT_MAGIC >> 16);
    xt_put16(f + XT_MAGIC_OFS + 2, XT_MAGIC & 0xffff);
    xt_put64(f + XT_SEQ_OFS, 0);
    for (uint32_t i = XT_PATTERN_OFS; i < len; i++) {
        f[i] = xt_pattern(i);
    }

    if (!o->udp_csum) {
        return 0;
    }
    /* The checksum is the complement of the sum; 0 and 0xffff are the same
     * number in one's complement, so the UDP rule "0 is sent as 0xffff"
     * does not disturb the sum. */
    csum = xsk_csum_l4(f, len, &ok);
    XSK_ASSERT(ok);
    return ~csum & 0xffff;
}
