/* SPDX-License-Identifier: Apache-2.0 */

/* AF_XDP sockets on a shared UMEM: set-up, ring work, teardown, and the
 * count of frames per place.  Ring ownership rules are in xsk-sock.h. */

#include "xsk-sock.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* sendto() calls one kick may make while the kernel still has work. */
#define XSK_KICK_RETRIES 8

/* How long xsk_sock_create() waits for a queue that a closed socket still
 * holds: XSK_BIND_RETRIES times XSK_BIND_RETRY_NS (1 s in all). */
#define XSK_BIND_RETRIES 200
#define XSK_BIND_RETRY_NS (5 * 1000 * 1000)

/* Skbs one copy-mode sendto() may build (the kernel's default is 32). */
#define XSK_TX_SKB_BUDGET 256

static int
map_ring(struct xsk_sock *sock, int i, off_t pgoff, size_t len)
{
    void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_POPULATE, sock->fd, pgoff);

    if (map == MAP_FAILED) {
        return errno;
    }
    sock->maps[i] = map;
    sock->map_len[i] = len;
    return 0;
}

/* Maps ring 'r' onto 'map' at the offsets in 'o'.  A producer ring starts
 * with 'size' free slots, which libxdp keeps as cached_cons = consumer +
 * size; a consumer ring starts with 'cons_ahead' 0.  libxdp defines struct
 * xsk_ring_prod and struct xsk_ring_cons with one macro, so they share this
 * layout and a producer ring is passed here through a cast. */
static void
init_ring(struct xsk_ring_cons *r, char *map, const struct xdp_ring_offset *o,
          uint32_t size, uint32_t cons_ahead)
{
    r->mask = size - 1;
    r->size = size;
    r->producer = (void *) (map + o->producer);
    r->consumer = (void *) (map + o->consumer);
    r->ring = map + o->desc;
    r->flags = (void *) (map + o->flags);
    r->cached_prod = *r->producer;
    r->cached_cons = *r->consumer + cons_ahead;
}

/* Shares the UMEM's frames fairly among its sockets' fill rings, leaving
 * half of them for packets in flight and for TX copies.  Caller holds
 * umem->mutex. */
static void
update_fill_targets(struct xsk_umem_pool *umem)
{
    uint32_t share;

    if (!umem->n_socks) {
        return;
    }
    share = umem->slot_base / (2 * umem->n_socks);
    if (share < XSK_BATCH) {
        share = XSK_BATCH;
    }
    for (unsigned int i = 0; i < XSK_MAX_SOCKS; i++) {
        struct xsk_sock *sock = umem->socks[i];

        if (sock) {
            __atomic_store_n(&sock->fill_target,
                             share < sock->fill.size ? share : sock->fill.size,
                             __ATOMIC_RELAXED);
        }
    }
}

/* Binds 'fd' to 'sxdp', retrying for a while if the queue is still taken:
 * the kernel releases a closed socket's hold on its queue later, in a work
 * item, so a queue re-bound right after its socket closed (reconfiguration,
 * a port deleted and added again) is busy for a moment.  Returns 0 or -1
 * with errno set, as bind(). */
static int
bind_retry(int fd, const struct sockaddr_xdp *sxdp)
{
    for (int i = 0; ; i++) {
        struct timespec ts = { 0, XSK_BIND_RETRY_NS };
        int retval = bind(fd, (const struct sockaddr *) sxdp, sizeof *sxdp);

        if (!retval || errno != EBUSY || i == XSK_BIND_RETRIES) {
            return retval;
        }
        nanosleep(&ts, NULL);
    }
}

/* Registers the UMEM's memory on 'fd'. */
static int
register_umem(int fd, const struct xsk_umem_pool *umem)
{
    struct xsk_umem_reg_v2 reg = {
        .addr = (uintptr_t) umem->base,
        .len = umem->size,
        .chunk_size = umem->key.frame_size,
        .headroom = 0,
        .flags = umem->key.tx_md_len ? XDP_UMEM_TX_METADATA_LEN : 0,
        .tx_metadata_len = umem->key.tx_md_len,
    };

    /* Kernels before 6.8 read 'tx_metadata_len' as padding, which must be
     * 0, and refuse the flag. */
    return setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) ? errno
           : 0;
}

/* Returns true if the kernel takes TX metadata (Linux 6.8): it accepts a
 * UMEM registered with a metadata length.  Asked once per process. */
bool
xsk_tx_md_supported(void)
{
    static int supported = -1;

    if (supported < 0) {
        struct xsk_umem_pool umem;
        int fd;

        memset(&umem, 0, sizeof umem);
        umem.key.frame_size = 4096;
        umem.key.tx_md_len = XSK_TX_MD_LEN;
        umem.size = 4 * 4096;
        umem.base = mmap(NULL, umem.size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
        supported = umem.base != MAP_FAILED && fd >= 0
                    && !register_umem(fd, &umem);
        if (fd >= 0) {
            close(fd);
        }
        if (umem.base != MAP_FAILED) {
            munmap(umem.base, umem.size);
        }
    }
    return supported;
}

/* Creates a socket bound to 'cfg->ifindex' queue 'cfg->queue_id' on 'umem':
 * the first socket of 'umem' registers its memory and binds with the UMEM's
 * flags, later ones share it.  Returns 0 and stores the socket in '*sockp',
 * or a positive errno with a one-line reason in '*errp' (caller frees). */
int
xsk_sock_create(struct xsk_umem_pool *umem, const struct xsk_sock_cfg *cfg,
                struct xsk_sock **sockp, char **errp)
{
    struct xdp_mmap_offsets off;
    struct sockaddr_xdp sxdp;
    struct xdp_options opts;
    struct xsk_sock *sock;
    uint32_t fill_size = 2 * cfg->rx_size;
    int budget = XSK_TX_SKB_BUDGET;
    int share_fd = -1;
    socklen_t len;
    int error;

    *sockp = NULL;
    sock = calloc(1, sizeof *sock);
    if (!sock) {
        return ENOMEM;
    }
    sock->umem = umem;
    sock->ifindex = cfg->ifindex;
    sock->queue_id = cfg->queue_id;

    pthread_mutex_lock(&umem->mutex);
    for (sock->index = 0; sock->index < XSK_MAX_SOCKS; sock->index++) {
        if (!umem->socks[sock->index]) {
            break;
        }
    }
    for (unsigned int i = 0; i < XSK_MAX_SOCKS && share_fd < 0; i++) {
        if (umem->socks[i]) {
            share_fd = umem->socks[i]->fd;
        }
    }
    pthread_mutex_unlock(&umem->mutex);
    if (sock->index == XSK_MAX_SOCKS) {
        xsk_set_err(errp, "too many AF_XDP sockets on one UMEM (%d)",
                    XSK_MAX_SOCKS);
        error = ENOSPC;
        goto err_free;
    }

    sock->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (sock->fd < 0) {
        error = errno;
        xsk_set_err(errp, "cannot create AF_XDP socket: %s", strerror(error));
        goto err_free;
    }

    if (share_fd < 0) {
        error = register_umem(sock->fd, umem);
        if (error) {
            xsk_set_err(errp, "cannot register UMEM of %u frames: %s",
                        umem->key.n_frames, strerror(error));
            goto err_close;
        }
    }

    if (setsockopt(sock->fd, SOL_XDP, XDP_UMEM_FILL_RING, &fill_size,
                   sizeof fill_size)
        || setsockopt(sock->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING,
                      &cfg->tx_size, sizeof cfg->tx_size)
        || setsockopt(sock->fd, SOL_XDP, XDP_RX_RING, &cfg->rx_size,
                      sizeof cfg->rx_size)
        || setsockopt(sock->fd, SOL_XDP, XDP_TX_RING, &cfg->tx_size,
                      sizeof cfg->tx_size)) {
        error = errno;
        xsk_set_err(errp, "cannot size AF_XDP rings (rx %u, tx %u): %s",
                    cfg->rx_size, cfg->tx_size, strerror(error));
        goto err_close;
    }

    len = sizeof off;
    if (getsockopt(sock->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len)) {
        error = errno;
        xsk_set_err(errp, "cannot get AF_XDP ring offsets: %s",
                    strerror(error));
        goto err_close;
    }

    error = map_ring(sock, 0, XDP_UMEM_PGOFF_FILL_RING,
                     off.fr.desc + fill_size * sizeof(uint64_t));
    error = error ? error : map_ring(sock, 1, XDP_UMEM_PGOFF_COMPLETION_RING,
                                     off.cr.desc
                                     + cfg->tx_size * sizeof(uint64_t));
    error = error ? error : map_ring(sock, 2, XDP_PGOFF_RX_RING,
                                     off.rx.desc + cfg->rx_size
                                     * sizeof(struct xdp_desc));
    error = error ? error : map_ring(sock, 3, XDP_PGOFF_TX_RING,
                                     off.tx.desc + cfg->tx_size
                                     * sizeof(struct xdp_desc));
    if (error) {
        xsk_set_err(errp, "cannot map AF_XDP rings: %s", strerror(error));
        goto err_unmap;
    }
    _Static_assert(sizeof(struct xsk_ring_prod)
                   == sizeof(struct xsk_ring_cons), "ring layouts differ");
    init_ring((struct xsk_ring_cons *) &sock->fill, sock->maps[0], &off.fr,
              fill_size, fill_size);
    init_ring(&sock->comp, sock->maps[1], &off.cr, cfg->tx_size, 0);
    init_ring(&sock->rx, sock->maps[2], &off.rx, cfg->rx_size, 0);
    init_ring((struct xsk_ring_cons *) &sock->tx, sock->maps[3], &off.tx,
              cfg->tx_size, cfg->tx_size);

    /* Optional (Linux 6.15): let one copy-mode sendto() move a whole
     * batch.  Older kernels send 32 per call, which is only slower. */
    setsockopt(sock->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
               sizeof budget);

    memset(&sxdp, 0, sizeof sxdp);
    sxdp.sxdp_family = AF_XDP;
    sxdp.sxdp_ifindex = cfg->ifindex;
    sxdp.sxdp_queue_id = cfg->queue_id;
    if (share_fd >= 0) {
        sxdp.sxdp_flags = XDP_SHARED_UMEM;
        sxdp.sxdp_shared_umem_fd = share_fd;
    } else {
        sxdp.sxdp_flags = umem->key.bind_flags;
    }
    if (bind_retry(sock->fd, &sxdp)) {
        error = errno;
        xsk_set_err(errp, "cannot bind AF_XDP socket to queue %u (%s%s): %s",
                    cfg->queue_id,
                    umem->key.bind_flags & XDP_ZEROCOPY ? "zero-copy" : "copy",
                    share_fd >= 0 ? ", shared UMEM" : "", strerror(error));
        goto err_unmap;
    }

    len = sizeof opts;
    if (!getsockopt(sock->fd, SOL_XDP, XDP_OPTIONS, &opts, &len)) {
        sock->zerocopy = opts.flags & XDP_OPTIONS_ZEROCOPY;
    }
    sock->need_wakeup = umem->key.bind_flags & XDP_USE_NEED_WAKEUP;
    sock->sg = umem->key.bind_flags & XDP_USE_SG;

    pthread_mutex_lock(&umem->mutex);
    umem->socks[sock->index] = sock;
    umem->n_socks++;
    update_fill_targets(umem);
    pthread_mutex_unlock(&umem->mutex);

    *sockp = sock;
    return 0;

err_unmap:
    for (int i = 0; i < 4; i++) {
        if (sock->maps[i]) {
            munmap(sock->maps[i], sock->map_len[i]);
        }
    }
err_close:
    close(sock->fd);
err_free:
    free(sock);
    return error;
}

/* Closes 'sock' and returns to the pool every frame it still had: on its
 * rings or held inside the kernel.  The caller must have stopped every
 * thread that uses 'sock' and removed it from the XSKMAP. */
void
xsk_sock_destroy(struct xsk_sock *sock)
{
    struct xsk_umem_pool *umem;

    if (!sock) {
        return;
    }
    umem = sock->umem;

    /* The rings' mappings hold the socket open: it is released, and the
     * kernel done with its frames, only after the last munmap(). */
    for (int i = 0; i < 4; i++) {
        munmap(sock->maps[i], sock->map_len[i]);
    }
    close(sock->fd);

    pthread_mutex_lock(&umem->mutex);
    umem->socks[sock->index] = NULL;
    umem->n_socks--;
    update_fill_targets(umem);
    pthread_mutex_unlock(&umem->mutex);

    xsk_frames_reclaim(umem, XSK_OWNER_RX(sock->index));
    xsk_frames_reclaim(umem, XSK_OWNER_TX(sock->index));
    free(sock);
}

/* Tops up the fill ring (plus frames already received but not yet taken)
 * to the socket's share of frames, a batch at a time, from 'tc'. */
void
xsk_sock_refill(struct xsk_sock *sock, struct xsk_tcache *tc)
{
    uint32_t target = __atomic_load_n(&sock->fill_target, __ATOMIC_RELAXED);
    uint32_t frames[XSK_BATCH];

    while (sock->fill_total - sock->rx_total + XSK_BATCH <= target) {
        uint32_t n, idx = 0;

        if (xsk_prod_nb_free(&sock->fill, XSK_BATCH) < XSK_BATCH) {
            return;
        }
        n = xsk_frames_get(tc, frames, XSK_BATCH,
                           XSK_OWNER_RX(sock->index));
        if (!n) {
            sock->stats.fill_empty++;
            return;
        }
        xsk_ring_prod__reserve(&sock->fill, n, &idx);
        for (uint32_t i = 0; i < n; i++) {
            *xsk_ring_prod__fill_addr(&sock->fill, idx + i)
                = xsk_frame_to_addr(sock->umem, frames[i]);
        }
        xsk_ring_prod__submit(&sock->fill, n);
        sock->fill_total += n;
        if (n < XSK_BATCH) {
            sock->stats.fill_empty++;
            return;
        }
    }
}

/* Looks at up to 'n' received descriptors without taking them; the first
 * is xsk_sock_rx_desc(sock, '*idx').  Returns how many.  Must be followed by
 * xsk_sock_rx_release(). */
uint32_t
xsk_sock_rx_peek(struct xsk_sock *sock, uint32_t n, uint32_t *idx)
{
    return xsk_ring_cons__peek(&sock->rx, n, idx);
}

/* Takes the first 'used' of the 'peeked' descriptors of the last
 * xsk_sock_rx_peek() and leaves the rest on the ring for the next peek.
 * The frames of the taken descriptors stay XSK_OWNER_RX until the caller
 * gives each to a packet (xsk_frame_to_packet()) or back to the pool
 * (xsk_frames_put()). */
void
xsk_sock_rx_release(struct xsk_sock *sock, uint32_t peeked, uint32_t used)
{
    xsk_ring_cons__cancel(&sock->rx, peeked - used);
    xsk_ring_cons__release(&sock->rx, used);
    sock->rx_total += used;
    sock->stats.rx_packets += used;
}

/* Returns how many descriptors wait on the RX ring. */
uint32_t
xsk_sock_rx_pending(struct xsk_sock *sock)
{
    return __atomic_load_n(sock->rx.producer, __ATOMIC_ACQUIRE)
           - sock->rx.cached_cons;
}

/* Wakes the kernel's RX processing if it asked for it (zero-copy drivers
 * with need_wakeup; copy mode never asks). */
void
xsk_sock_rx_wakeup(struct xsk_sock *sock)
{
    if (sock->need_wakeup && xsk_ring_prod__needs_wakeup(&sock->fill)) {
        recvfrom(sock->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
    }
}

/* Reserves up to 'n' TX descriptors.  Returns how many (fewer if the ring is
 * fuller), the first at '*idx' (see xsk_sock_tx_desc()). */
uint32_t
xsk_sock_tx_reserve(struct xsk_sock *sock, uint32_t n, uint32_t *idx)
{
    uint32_t free_slots = xsk_prod_nb_free(&sock->tx, n);

    if (n > free_slots) {
        sock->stats.tx_ring_full += n - free_slots;
        n = free_slots;
    }
    return n ? xsk_ring_prod__reserve(&sock->tx, n, idx) : 0;
}

/* Hands the first 'used' of the 'reserved' descriptors of the last
 * xsk_sock_tx_reserve() to the kernel and gives the rest back.  The frames
 * of the used descriptors must be XSK_OWNER_TX(index) already. */
void
xsk_sock_tx_submit(struct xsk_sock *sock, uint32_t reserved, uint32_t used)
{
    /* Nobody else produces on this ring, so unused reservations are given
     * back by stepping the cached producer back (libxdp 1.3 has no
     * xsk_ring_prod__cancel()). */
    sock->tx.cached_prod -= reserved - used;
    if (used) {
        xsk_ring_prod__submit(&sock->tx, used);
        sock->tx_total += used;
        sock->stats.tx_packets += used;
    }
}

/* Makes the kernel transmit what is on the TX ring, if it has to be asked.
 * Copy mode transmits only inside sendto(), a budget at a time, so this
 * retries a bounded number of times while work remains. */
void
xsk_sock_kick(struct xsk_sock *sock)
{
    for (int i = 0; i < XSK_KICK_RETRIES; i++) {
        uint32_t pending = *sock->tx.producer
                           - __atomic_load_n(sock->tx.consumer,
                                             __ATOMIC_ACQUIRE);

        bool asked = !sock->need_wakeup
                     || xsk_ring_prod__needs_wakeup(&sock->tx);

        if (!pending || !asked) {
            return;
        }
        sock->stats.kicks++;
        if (sendto(sock->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0) {
            continue;
        }
        if (errno == EBUSY) {
            /* The device refused a frame (e.g. larger than its MTU); the
             * kernel completes it, so it is only a drop. */
            sock->stats.tx_busy++;
        } else if (errno != EAGAIN && errno != EINTR) {
            /* ENOBUFS, ENETDOWN, ENXIO: try again on the next send. */
            return;
        }
    }
}

/* Returns to 'tc' the frames the kernel has finished transmitting. */
void
xsk_sock_complete(struct xsk_sock *sock, struct xsk_tcache *tc)
{
    uint32_t loops = sock->comp.size / XSK_BATCH + 1;
    uint32_t frames[XSK_BATCH];

    while (loops--) {
        uint32_t idx;
        uint32_t n = xsk_ring_cons__peek(&sock->comp, XSK_BATCH, &idx);

        if (!n) {
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            const __u64 *addr = xsk_ring_cons__comp_addr(&sock->comp,
                                                         idx + i);

            frames[i] = xsk_addr_to_frame(sock->umem, *addr);
        }
        xsk_ring_cons__release(&sock->comp, n);
        xsk_frames_put(tc, frames, n);
        sock->comp_total += n;
    }
}

/* Reads the kernel's XDP_STATISTICS of 'sock'. */
int
xsk_sock_get_xdp_stats(const struct xsk_sock *sock,
                       struct xdp_statistics *stats)
{
    socklen_t len = sizeof *stats;

    memset(stats, 0, sizeof *stats);
    return getsockopt(sock->fd, SOL_XDP, XDP_STATISTICS, stats, &len)
           ? errno : 0;
}

static uint64_t
load64(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t
load32(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Counts the frames of 'umem' per place into '*p' and checks them against
 * the per-frame owner record.  Returns true if both add up.  While traffic
 * flows the counts are taken at slightly different moments, so a false
 * result is only final when the datapath is quiet. */
bool
xsk_umem_account(struct xsk_umem_pool *umem, struct xsk_places *p)
{
    uint64_t owner_free = 0, owner_packet = 0, total;
    struct xsk_tcache *tc;

    memset(p, 0, sizeof *p);
    pthread_mutex_lock(&umem->mutex);
    p->pool = umem->n_free;
    xsk_umem_count_slots(umem, &p->slots);
    p->packets = umem->orphan_packets;
    for (tc = umem->caches; tc; tc = tc->next) {
        p->cache += load32(&tc->n);
        p->packets += (int64_t) load64((const uint64_t *) &tc->packets);
    }
    for (unsigned int i = 0; i < XSK_MAX_SOCKS; i++) {
        struct xsk_sock *s = umem->socks[i];
        uint64_t in_rx, in_tx, rx, comp;

        if (!s) {
            continue;
        }
        in_rx = load64(&s->fill_total) - load64(&s->rx_total);
        rx = load32(s->rx.producer) - load32(s->rx.consumer);
        rx = rx < in_rx ? rx : in_rx;
        p->rx += rx;
        p->fill += in_rx - rx;

        in_tx = load64(&s->tx_total) - load64(&s->comp_total);
        comp = load32(s->comp.producer) - load32(s->comp.consumer);
        comp = comp < in_tx ? comp : in_tx;
        p->comp += comp;
        p->tx += in_tx - comp;
    }
    for (uint32_t i = 0; i < umem->key.n_frames; i++) {
        uint16_t o = __atomic_load_n(&umem->owner[i], __ATOMIC_RELAXED);

        owner_free += o == XSK_OWNER_FREE;
        owner_packet += o == XSK_OWNER_PACKET;
    }
    pthread_mutex_unlock(&umem->mutex);

    total = p->pool + p->cache + p->fill + p->rx + p->packets + p->tx
            + p->comp + p->slots;
    return total == umem->key.n_frames
           && owner_free == p->pool + p->cache + p->slots
           && owner_packet == p->packets;
}
