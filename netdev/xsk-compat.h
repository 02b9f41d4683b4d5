/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_COMPAT_H
#define XSK_COMPAT_H 1

/* Small portability layer for the OVS-independent ovs-xsk core.
 *
 * The core (every netdev/xsk-*.c file) includes no OVS header, so that it
 * builds and is unit-tested on its own.  This header gives it branch hints,
 * an assertion that stays on in release builds, and the AF_XDP uapi
 * definitions that are newer than the installed (Linux 6.1)
 * <linux/if_xdp.h>.  Whether the running kernel accepts them is probed at
 * run time by xsk-sock.c, never assumed.
 *
 * It also gives the core a mutex, 'struct xsk_mutex', and a spin lock,
 * 'struct xsk_spin', that Clang's thread-safety analysis knows as locks,
 * with the annotations
 * (XSK_GUARDED_BY() and the like, the same attributes as OVS's
 * OVS_GUARDED_BY() in <openvswitch/compiler.h>; in C, a struct member can
 * only be XSK_GUARDED, "under some lock", as OVS's members are
 * OVS_GUARDED).  Data of the core that
 * the OVS glue locks itself carries one, so that the analysis checks the
 * glue (tests/unit/check-thread-safety.sh); the core's own files are not
 * analysed. */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/if_xdp.h>

#define XSK_LIKELY(X) __builtin_expect(!!(X), 1)
#define XSK_UNLIKELY(X) __builtin_expect(!!(X), 0)

#define XSK_ASSERT(COND)                                                \
    do {                                                                \
        if (XSK_UNLIKELY(!(COND))) {                                    \
            fprintf(stderr, "%s:%d: assertion %s failed in %s()\n",     \
                    __FILE__, __LINE__, #COND, __func__);               \
            abort();                                                    \
        }                                                               \
    } while (0)

/* Stores a one-line reason, formatted as by printf(), in '*errp' (malloc'd;
 * the caller frees it), unless 'errp' is NULL or holds a reason already:
 * the first reason of a failure is the one the user sees. */
static inline void
xsk_set_err(char **errp, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static inline void
xsk_set_err(char **errp, const char *format, ...)
{
    va_list args;
    int len;

    if (!errp || *errp) {
        return;
    }
    va_start(args, format);
    len = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (len < 0 || !(*errp = malloc(len + 1))) {
        return;
    }
    va_start(args, format);
    vsnprintf(*errp, len + 1, format, args);
    va_end(args);
}

#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(capability)
#define XSK_THREAD_SAFETY 1
#endif
#endif

#ifdef XSK_THREAD_SAFETY
#define XSK_LOCKABLE __attribute__((capability("mutex")))
#define XSK_GUARDED __attribute__((guarded_var))
#define XSK_GUARDED_BY(...) __attribute__((guarded_by(__VA_ARGS__)))
#define XSK_REQUIRES(...) __attribute__((requires_capability(__VA_ARGS__)))
#define XSK_ACQUIRES(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define XSK_RELEASES(...) __attribute__((release_capability(__VA_ARGS__)))
#define XSK_EXCLUDED(...) __attribute__((locks_excluded(__VA_ARGS__)))
#define XSK_NO_THREAD_SAFETY_ANALYSIS \
    __attribute__((no_thread_safety_analysis))
#else
#define XSK_LOCKABLE
#define XSK_GUARDED
#define XSK_GUARDED_BY(...)
#define XSK_REQUIRES(...)
#define XSK_ACQUIRES(...)
#define XSK_RELEASES(...)
#define XSK_EXCLUDED(...)
#define XSK_NO_THREAD_SAFETY_ANALYSIS
#endif

/* A pthread mutex that the analysis knows as a lock.  Initialised by
 * xsk_mutex_init(); a failed lock or unlock is a bug and aborts. */
struct XSK_LOCKABLE xsk_mutex {
    pthread_mutex_t lock;
};

#define XSK_MUTEX_INITIALIZER { PTHREAD_MUTEX_INITIALIZER }

static inline void
xsk_mutex_init(struct xsk_mutex *m)
{
    int error = pthread_mutex_init(&m->lock, NULL);

    XSK_ASSERT(!error);
}

static inline void
xsk_mutex_destroy(struct xsk_mutex *m)
{
    int error = pthread_mutex_destroy(&m->lock);

    XSK_ASSERT(!error);
}

/* The analysis does not look into these two (it cannot see that
 * pthread_mutex_lock() takes the capability); their callers are checked
 * against their annotations. */
static inline void
xsk_mutex_lock(struct xsk_mutex *m)
    XSK_ACQUIRES(m) XSK_NO_THREAD_SAFETY_ANALYSIS
{
    int error = pthread_mutex_lock(&m->lock);

    XSK_ASSERT(!error);
}

static inline void
xsk_mutex_unlock(struct xsk_mutex *m)
    XSK_RELEASES(m) XSK_NO_THREAD_SAFETY_ANALYSIS
{
    int error = pthread_mutex_unlock(&m->lock);

    XSK_ASSERT(!error);
}

/* A pthread spin lock, for a few instructions' work that threads which never
 * sleep may contend for (an AF_XDP queue's TX ring, sent to by several PMD
 * threads).  Like 'struct xsk_mutex' otherwise. */
struct XSK_LOCKABLE xsk_spin {
    pthread_spinlock_t lock;
};

static inline void
xsk_spin_init(struct xsk_spin *s)
{
    XSK_ASSERT(!pthread_spin_init(&s->lock, PTHREAD_PROCESS_PRIVATE));
}

static inline void
xsk_spin_destroy(struct xsk_spin *s)
{
    XSK_ASSERT(!pthread_spin_destroy(&s->lock));
}

static inline void
xsk_spin_lock(struct xsk_spin *s)
    XSK_ACQUIRES(s) XSK_NO_THREAD_SAFETY_ANALYSIS
{
    XSK_ASSERT(!pthread_spin_lock(&s->lock));
}

static inline void
xsk_spin_unlock(struct xsk_spin *s)
    XSK_RELEASES(s) XSK_NO_THREAD_SAFETY_ANALYSIS
{
    XSK_ASSERT(!pthread_spin_unlock(&s->lock));
}

#define XSK_ARRAY_SIZE(ARR) (sizeof (ARR) / sizeof (ARR)[0])
#define XSK_CACHE_LINE 64

/* Bind flag: the socket accepts and sends multi-buffer (chained) packets.
 * Linux 6.6. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

/* xdp_desc 'options': more fragments of this packet follow.  Linux 6.6. */
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

/* xdp_desc 'options': a struct xsk_tx_metadata precedes the data.  6.8. */
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA (1 << 1)
#endif

/* xdp_umem_reg 'flags'.  Linux 6.8 / 6.11. */
#ifndef XDP_UMEM_TX_SW_CSUM
#define XDP_UMEM_TX_SW_CSUM (1 << 1)
#endif
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)
#endif

/* struct xsk_tx_metadata 'flags'.  Linux 6.8. */
#ifndef XDP_TXMD_FLAGS_CHECKSUM
#define XDP_TXMD_FLAGS_CHECKSUM (1 << 1)
#endif

/* SOL_XDP option: how many skbs one copy-mode sendto() may build (default
 * 32).  Linux 6.15. */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

/* XDP attach flags, from <linux/if_link.h>, which clashes with OVS's own
 * include/linux/netlink.h when both are included. */
#ifndef XDP_FLAGS_UPDATE_IF_NOEXIST
#define XDP_FLAGS_UPDATE_IF_NOEXIST (1U << 0)
#define XDP_FLAGS_SKB_MODE (1U << 1)
#define XDP_FLAGS_DRV_MODE (1U << 2)
#define XDP_FLAGS_HW_MODE (1U << 3)
#define XDP_FLAGS_REPLACE (1U << 4)
#endif

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#ifndef AF_XDP
#define AF_XDP 44
#endif

/* The Linux >= 6.8 layout of XDP_UMEM_REG's argument.  Older kernels accept
 * the 24-byte prefix; the kernel tells the layouts apart by optlen. */
struct xsk_umem_reg_v2 {
    __u64 addr;
    __u64 len;
    __u32 chunk_size;
    __u32 headroom;
    __u32 flags;
    __u32 tx_metadata_len;
};

/* Linux >= 6.8 struct xsk_tx_metadata, the 'request' half. */
struct xsk_tx_md {
    __u64 flags;
    __u16 csum_start;           /* Offset from packet start to sum from. */
    __u16 csum_offset;          /* Offset from csum_start to store at. */
    __u8 pad[20];
};

#endif /* xsk-compat.h */
