/* SPDX-License-Identifier: Apache-2.0 */

/* LD_PRELOAD shim for 43-no-multi-buffer.sh: bind() of an AF_XDP socket
 * with XDP_USE_SG fails with EINVAL, as on kernels before 6.6, so that the
 * provider's fallback to single-buffer sockets can be tested on a kernel
 * that has multi-buffer AF_XDP.  Every other bind() goes through. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_xdp.h>
#include <sys/socket.h>

#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*next)(int, const struct sockaddr *, socklen_t);
    const struct sockaddr_xdp *sxdp = (const struct sockaddr_xdp *) addr;

    if (!next) {
        next = (int (*)(int, const struct sockaddr *, socklen_t))
               dlsym(RTLD_NEXT, "bind");
    }
    if (addr && addr->sa_family == AF_XDP && len >= sizeof *sxdp
        && sxdp->sxdp_flags & XDP_USE_SG) {
        errno = EINVAL;
        return -1;
    }
    return next(fd, addr, len);
}
