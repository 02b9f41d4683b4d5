/* SPDX-License-Identifier: Apache-2.0 */

/* LD_PRELOAD shim for 44-checksum-offload.sh: XDP_UMEM_REG with the flag
 * XDP_UMEM_TX_METADATA_LEN fails with EINVAL, as on kernels before 6.8
 * (an unknown flag), so that the fallback (OVS finishes partial checksums
 * in software) can be tested on a kernel that has AF_XDP TX metadata.
 * Every other setsockopt() goes through. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#define XDP_UMEM_REG_ 4
#define XDP_UMEM_TX_METADATA_LEN_ (1 << 2)

/* The start of XDP_UMEM_REG's argument, up to its flags. */
struct umem_reg {
    unsigned long long addr, len;
    unsigned int chunk_size, headroom, flags;
};

int
setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    static int (*next)(int, int, int, const void *, socklen_t);

    if (!next) {
        next = (int (*)(int, int, int, const void *, socklen_t))
               dlsym(RTLD_NEXT, "setsockopt");
    }
    if (level == SOL_XDP && name == XDP_UMEM_REG_
        && len >= sizeof(struct umem_reg)
        && ((const struct umem_reg *) value)->flags
           & XDP_UMEM_TX_METADATA_LEN_) {
        errno = EINVAL;
        return -1;
    }
    return next(fd, level, name, value, len);
}
