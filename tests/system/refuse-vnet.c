/* SPDX-License-Identifier: Apache-2.0 */

/* LD_PRELOAD shim for 45-tso.sh: bind() of an AF_PACKET socket with
 * protocol 0 (an afxdp port's socket for TSO packets, xsk-vnet.c) fails
 * with EPERM, so that the port does not say it takes TSO packets and OVS
 * segments them in software (ovs-patches/0010).  Every other bind() (OVS's
 * own packet sockets bind with a protocol) goes through. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*next)(int, const struct sockaddr *, socklen_t);
    const struct sockaddr_ll *sll = (const struct sockaddr_ll *) addr;

    if (!next) {
        next = (int (*)(int, const struct sockaddr *, socklen_t))
               dlsym(RTLD_NEXT, "bind");
    }
    if (addr && addr->sa_family == AF_PACKET && len >= sizeof *sll
        && !sll->sll_protocol) {
        errno = EPERM;
        return -1;
    }
    return next(fd, addr, len);
}
