/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_UMEM_H
#define XSK_UMEM_H 1

/* Shared UMEM frame pool.
 * =======================
 *
 * One xsk_umem_pool is one memory area cut into equal frames that every
 * AF_XDP socket of the same kind (frame size, frame count, bind flags)
 * shares: a frame received on one port can be put on another port's TX ring
 * as it is, with no copy.  The area is registered with the kernel by the
 * first socket (xsk-sock.c) and joined by the others.  This file owns the
 * memory, the free frames and the record of where every frame is.  It
 * includes no OVS header.
 * (The name is not libxdp's: its opaque 'struct xsk_umem' is a different
 * type, which this code never uses.)
 *
 * Frame places
 * ------------
 *
 * Every frame is in exactly one place at any time:
 *
 *     place       owner[] value          who moves it out, and where to
 *     ---------   -------------------    ---------------------------------
 *     pool        XSK_OWNER_FREE         any thread, a slab at a time, to
 *                                        its cache (under 'mutex')
 *     cache       XSK_OWNER_FREE         the cache's thread: to a fill ring,
 *                                        to a TX ring (copied-in packet), or
 *                                        a slab back to the pool
 *     fill, rx    XSK_OWNER_RX(sock)     kernel: fill -> rx; the rxq's
 *                                        thread: rx -> packet
 *     packet      XSK_OWNER_PACKET       whoever holds the dp_packet: to a
 *                                        TX ring (zero-copy send) or to its
 *                                        own cache (packet freed)
 *     tx, comp    XSK_OWNER_TX(sock)     kernel: tx -> completion; the
 *                                        txq's sender: completion -> cache
 *     slots       XSK_OWNER_FREE         the rxq's thread, a jumbo slot at a
 *                                        time, to a packet (below)
 *
 * 'owner' is written only by the thread that moves the frame, so it needs no
 * atomic operation.  Counting per place (xsk_sock_account()) must add up to
 * 'n_frames'; a leak or a double free shows up as a mismatch.  A free of a
 * frame that is not owned by a packet is refused and counted in
 * 'bad_frees' instead of corrupting the pool.
 *
 * Jumbo slots
 * -----------
 *
 * OVS needs a packet's data in one piece, and the kernel takes UMEM frames of
 * at most a page.  A UMEM whose sockets take descriptor chains (XDP_USE_SG)
 * therefore keeps its last frames apart, as 'n_slots' slots of 'slot_frames'
 * adjacent frames (at least XSK_SLOT_MIN_BYTES together).  A received jumbo
 * frame is joined into a slot, which then is one packet's buffer: every
 * frame of the slot is XSK_OWNER_PACKET.  Sent to an AF_XDP port of the same
 * UMEM, the slot is cut at frame boundaries into a chain of TX descriptors
 * with no copy (xsk_slot_packet_to_tx()); the frames the data does not reach
 * are given back at once.  Frames of a slot never enter the pool or a cache:
 * wherever a slot frame is given back (completion, packet freed, socket
 * closed), it counts towards its slot in 'slot_back', and the thread that
 * gives back the slot's last frame puts the slot on 'slot_stack'.  The
 * 'slots' place holds the free slots' frames and the frames given back to
 * slots not yet whole.
 *
 * Thread safety
 * -------------
 *
 * Each thread has its own cache per UMEM (xsk_tcache_get()).  Getting and
 * putting frames touches only that cache, with no lock or atomic operation;
 * the shared pool is locked once per slab of XSK_SLAB frames.  A thread's
 * cache goes back to the pool when the thread exits.  Jumbo slots have no
 * per-thread cache: taking one and making one whole again each lock
 * 'mutex' once, and every slot frame given back is one atomic add.  That is
 * a few tens of nanoseconds for a packet of up to 9000 bytes. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsk-compat.h"

#define XSK_MAX_UMEMS 16        /* UMEMs alive at once in a process. */
#define XSK_MAX_SOCKS 1024      /* Sockets sharing one UMEM. */
#define XSK_SLAB 64             /* Frames moved per pool <-> cache trip. */
#define XSK_TCACHE_SIZE (4 * XSK_SLAB)

/* A jumbo slot holds a 9000-byte MTU frame, VLAN tags and the receive
 * headroom: 3 frames of 4096 bytes or 5 of 2048. */
#define XSK_SLOT_MIN_BYTES 10240
#define XSK_SLOT_MIN 16         /* Fewer slots than this: none at all. */

/* Values of xsk_umem_pool 'owner[]'.  'SOCK' is a socket's index in
 * 'socks[]' (xsk_sock 'index'), not a jumbo slot. */
#define XSK_OWNER_FREE 0
#define XSK_OWNER_PACKET 1
#define XSK_OWNER_RX(SOCK) ((uint16_t) (2 + (SOCK)))
#define XSK_OWNER_TX(SOCK) ((uint16_t) (0x8000 | (2 + (SOCK))))

struct xsk_sock;

/* What makes two sockets able to share a UMEM. */
struct xsk_umem_key {
    uint32_t frame_size;        /* 2048 or 4096 (aligned chunk mode). */
    uint32_t n_frames;
    uint32_t bind_flags;        /* XDP_COPY/XDP_ZEROCOPY/XDP_USE_NEED_WAKEUP/
                                 * XDP_USE_SG, as the first bind gives them to
                                 * every socket that shares the UMEM. */
    uint32_t tx_md_len;         /* Bytes of TX metadata before the data of
                                 * every TX descriptor (0: none); see
                                 * xsk-tx.h. */
};

/* A per-thread cache of free frames of one UMEM.  Only its thread touches
 * 'frames' and 'n'; other threads read 'n' and 'packets' for accounting. */
struct xsk_tcache {
    struct xsk_umem_pool *umem;      /* NULL once the UMEM is destroyed. */
    struct xsk_tcache *next;    /* In umem->caches, under umem->mutex. */
    uint32_t n;                 /* Frames in 'frames'. */
    int64_t packets;            /* Frames this thread gave to packets minus
                                 * those it took back from packets. */
    uint32_t frames[XSK_TCACHE_SIZE];
};

struct xsk_umem_pool {
    /* Immutable after xsk_umem_create(). */
    struct xsk_umem_key key;
    char *base;                 /* Page-aligned area of 'size' bytes. */
    uint64_t size;
    uint32_t frame_shift;       /* log2(frame_size). */
    unsigned int id;            /* Index in the process's UMEM table. */
    uint16_t *owner;            /* Per frame: where it is (table above). */
    void *user;                 /* Per-frame metadata of the user (the OVS
                                 * glue keeps its dp_packets here). */
    void (*user_free)(void *);  /* Frees 'user' at destroy. */

    uint32_t slot_base;         /* First frame of the slots, or 'n_frames'
                                 * if there are none. */
    uint32_t slot_frames;       /* Frames per slot (0 without slots). */
    uint32_t n_slots;
    uint8_t *slot_back;         /* Per slot: frames given back since it was
                                 * taken (atomic; see "Jumbo slots"). */

    pthread_mutex_t mutex;      /* Guards all members below. */
    uint32_t *stack;            /* Free frame indexes: the pool. */
    uint32_t n_free;            /* Frames in 'stack'. */
    uint32_t *slot_stack;       /* Free slot indexes. */
    uint32_t n_free_slots;      /* Slots in 'slot_stack'. */
    struct xsk_tcache *caches;  /* Every thread's cache of this UMEM. */
    struct xsk_sock *socks[XSK_MAX_SOCKS]; /* By xsk_sock 'index'. */
    unsigned int n_socks;
    int64_t orphan_packets;     /* 'packets' of caches of exited threads. */
    uint64_t bad_frees;         /* Frees refused (frame not a packet's). */
};

int xsk_umem_create(const struct xsk_umem_key *, struct xsk_umem_pool **);
void xsk_umem_destroy(struct xsk_umem_pool *);
struct xsk_umem_pool *xsk_umem_find(const struct xsk_umem_key *);
bool xsk_umem_idle(struct xsk_umem_pool *);
unsigned int xsk_umem_sweep(void);

/* Per-frame metadata a UMEM's user keeps ('user'): 'size' bytes a frame,
 * each set up by 'init' when the UMEM is created (the OVS glue's dp_packet
 * of each frame). */
struct xsk_umem_meta {
    size_t size;
    void (*init)(void *meta, struct xsk_umem_pool *, uint32_t frame);
};

int xsk_umem_get(const struct xsk_umem_key *, const struct xsk_umem_meta *,
                 struct xsk_umem_pool **);
void xsk_umem_foreach(void (*cb)(struct xsk_umem_pool *, void *aux),
                      void *aux);

struct xsk_tcache *xsk_tcache_get__(struct xsk_umem_pool *);

/* Returns the calling thread's cache for 'umem'. */
static inline struct xsk_tcache *
xsk_tcache_get(struct xsk_umem_pool *umem)
{
    extern __thread struct xsk_tcache *xsk_tcaches[XSK_MAX_UMEMS];
    struct xsk_tcache *tc = xsk_tcaches[umem->id];

    return XSK_LIKELY(tc && tc->umem == umem) ? tc : xsk_tcache_get__(umem);
}

uint32_t xsk_frames_get(struct xsk_tcache *, uint32_t *frames, uint32_t n,
                        uint16_t new_owner);
void xsk_frames_put(struct xsk_tcache *, const uint32_t *frames, uint32_t n);
void xsk_frames_reclaim(struct xsk_umem_pool *, uint16_t owner);
void xsk_tcache_flush(struct xsk_tcache *);

/* Frame number <-> UMEM offset <-> pointer. */
static inline uint32_t
xsk_addr_to_frame(const struct xsk_umem_pool *umem, uint64_t addr)
{
    return addr >> umem->frame_shift;
}

static inline uint64_t
xsk_frame_to_addr(const struct xsk_umem_pool *umem, uint32_t frame)
{
    return (uint64_t) frame << umem->frame_shift;
}

static inline char *
xsk_frame_ptr(const struct xsk_umem_pool *umem, uint32_t frame)
{
    return umem->base + ((uint64_t) frame << umem->frame_shift);
}

/* Returns the frame that contains 'p', or UINT32_MAX if 'p' is outside the
 * area. */
static inline uint32_t
xsk_ptr_to_frame(const struct xsk_umem_pool *umem, const void *p)
{
    uintptr_t off = (uintptr_t) p - (uintptr_t) umem->base;

    return off < umem->size ? off >> umem->frame_shift : UINT32_MAX;
}

/* Returns true if 'frame' belongs to a jumbo slot. */
static inline bool
xsk_frame_in_slot(const struct xsk_umem_pool *umem, uint32_t frame)
{
    return frame >= umem->slot_base;
}

/* Bytes of a slot's buffer. */
static inline uint32_t
xsk_slot_size(const struct xsk_umem_pool *umem)
{
    return umem->slot_frames << umem->frame_shift;
}

uint32_t xsk_slot_get_for_packet(struct xsk_tcache *);
bool xsk_slot_packet_to_tx(struct xsk_tcache *, uint32_t head,
                           uint32_t first, uint32_t last, uint16_t sock);
void xsk_umem_count_slots(struct xsk_umem_pool *, uint64_t *frames);

/* Frame 'frame', just received by a socket, now belongs to a packet. */
static inline void
xsk_frame_to_packet(struct xsk_tcache *tc, uint32_t frame)
{
    tc->umem->owner[frame] = XSK_OWNER_PACKET;
    tc->packets++;
}

/* Takes up to 'n' free frames into 'frames' for new packets the caller
 * builds (copies).  Returns how many it took. */
static inline uint32_t
xsk_frames_get_for_packets(struct xsk_tcache *tc, uint32_t *frames,
                           uint32_t n)
{
    n = xsk_frames_get(tc, frames, n, XSK_OWNER_PACKET);
    tc->packets += n;
    return n;
}

/* The packet that owned 'frame' gives it to TX socket 'sock' (its index)
 * without a copy.  Returns false (and leaves everything as it is) if the
 * frame was not a packet's. */
static inline bool
xsk_frame_packet_to_tx(struct xsk_tcache *tc, uint32_t frame, uint16_t sock)
{
    uint16_t *owner = &tc->umem->owner[frame];

    if (XSK_UNLIKELY(*owner != XSK_OWNER_PACKET)) {
        return false;
    }
    *owner = XSK_OWNER_TX(sock);
    tc->packets--;
    return true;
}

void xsk_frame_packet_free__(struct xsk_tcache *, uint32_t frame);

/* The packet that owned 'frame' (a frame, or the first frame of a jumbo
 * slot) is freed: the frame goes to the calling thread's cache, a slot's
 * frames back to their slot. */
static inline void
xsk_frame_packet_free(struct xsk_tcache *tc, uint32_t frame)
{
    uint16_t *owner = &tc->umem->owner[frame];

    if (XSK_LIKELY(*owner == XSK_OWNER_PACKET
                   && tc->n < XSK_TCACHE_SIZE
                   && !xsk_frame_in_slot(tc->umem, frame))) {
        *owner = XSK_OWNER_FREE;
        tc->packets--;
        tc->frames[tc->n++] = frame;
    } else {
        xsk_frame_packet_free__(tc, frame);
    }
}

#endif /* xsk-umem.h */
