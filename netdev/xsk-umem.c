/* SPDX-License-Identifier: Apache-2.0 */

/* Shared UMEM frame pool: memory, free frames, per-thread caches.  The rules
 * of who may move a frame where are in xsk-umem.h. */

#include "xsk-umem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__thread struct xsk_tcache *xsk_tcaches[XSK_MAX_UMEMS];

/* The process's UMEMs, by id. */
static pthread_mutex_t umems_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct xsk_umem_pool *umems[XSK_MAX_UMEMS];

/* Flushes the caches of an exiting thread. */
static pthread_key_t tcache_key;
static pthread_once_t tcache_key_once = PTHREAD_ONCE_INIT;

static void tcache_thread_exit(void *);

static void
tcache_key_init(void)
{
    XSK_ASSERT(!pthread_key_create(&tcache_key, tcache_thread_exit));
}

static bool
is_pow2(uint32_t x)
{
    return x && !(x & (x - 1));
}

/* Creates a UMEM of 'key->n_frames' frames of 'key->frame_size' bytes, all
 * in the pool.  Returns 0 and stores it in '*umemp', or a positive errno. */
int
xsk_umem_create(const struct xsk_umem_key *key, struct xsk_umem_pool **umemp)
{
    struct xsk_umem_pool *umem;
    unsigned int id;
    int error;

    *umemp = NULL;
    if (!is_pow2(key->frame_size) || key->frame_size < 2048
        || key->frame_size > 4096 || !key->n_frames
        || key->n_frames > (1u << 24)) {
        return EINVAL;
    }

    umem = calloc(1, sizeof *umem);
    if (!umem) {
        return ENOMEM;
    }
    umem->key = *key;
    umem->frame_shift = __builtin_ctz(key->frame_size);
    umem->size = (uint64_t) key->n_frames * key->frame_size;
    pthread_mutex_init(&umem->mutex, NULL);

    pthread_mutex_lock(&umems_mutex);
    for (id = 0; id < XSK_MAX_UMEMS && umems[id]; id++) {
        continue;
    }
    if (id == XSK_MAX_UMEMS) {
        pthread_mutex_unlock(&umems_mutex);
        error = ENOSPC;
        goto err_free;
    }
    umem->id = id;
    umems[id] = umem;
    pthread_mutex_unlock(&umems_mutex);

    umem->base = mmap(NULL, umem->size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (umem->base == MAP_FAILED) {
        error = errno;
        goto err_unregister;
    }

    /* Sockets that take chains get jumbo slots: an eighth of the frames,
     * unless that makes too few to be worth it. */
    umem->slot_base = key->n_frames;
    if (key->bind_flags & XDP_USE_SG) {
        uint32_t per_slot = (XSK_SLOT_MIN_BYTES + key->frame_size - 1)
                            >> umem->frame_shift;
        uint32_t n_slots = key->n_frames / 8 / per_slot;

        if (n_slots >= XSK_SLOT_MIN) {
            umem->slot_frames = per_slot;
            umem->n_slots = n_slots;
            umem->slot_base = key->n_frames - n_slots * per_slot;
        }
    }

    umem->owner = calloc(key->n_frames, sizeof *umem->owner);
    umem->stack = malloc(key->n_frames * sizeof *umem->stack);
    umem->slot_stack = malloc((umem->n_slots + 1)
                              * sizeof *umem->slot_stack);
    umem->slot_back = calloc(umem->n_slots + 1, sizeof *umem->slot_back);
    if (!umem->owner || !umem->stack || !umem->slot_stack
        || !umem->slot_back) {
        error = ENOMEM;
        goto err_unmap;
    }
    /* Lowest frames on top, so that a lightly used UMEM touches few pages. */
    for (uint32_t i = 0; i < umem->slot_base; i++) {
        umem->stack[i] = umem->slot_base - 1 - i;
    }
    umem->n_free = umem->slot_base;
    for (uint32_t i = 0; i < umem->n_slots; i++) {
        umem->slot_stack[i] = umem->n_slots - 1 - i;
    }
    umem->n_free_slots = umem->n_slots;

    *umemp = umem;
    return 0;

err_unmap:
    free(umem->slot_back);
    free(umem->slot_stack);
    free(umem->stack);
    free(umem->owner);
    munmap(umem->base, umem->size);
err_unregister:
    pthread_mutex_lock(&umems_mutex);
    umems[id] = NULL;
    pthread_mutex_unlock(&umems_mutex);
err_free:
    pthread_mutex_destroy(&umem->mutex);
    free(umem);
    return error;
}

/* Destroys 'umem'.  The caller must make sure that no socket uses it and no
 * packet or thread still holds one of its frames other than in a cache.
 * Caches of other threads are orphaned (their threads drop them). */
void
xsk_umem_destroy(struct xsk_umem_pool *umem)
{
    struct xsk_tcache *tc;

    if (!umem) {
        return;
    }
    XSK_ASSERT(!umem->n_socks);

    /* Exiting threads look at their caches' 'umem' under 'umems_mutex'
     * (tcache_thread_exit()), so orphan the caches under it too. */
    pthread_mutex_lock(&umems_mutex);
    umems[umem->id] = NULL;
    pthread_mutex_lock(&umem->mutex);
    for (tc = umem->caches; tc; tc = tc->next) {
        tc->umem = NULL;
    }
    pthread_mutex_unlock(&umem->mutex);
    pthread_mutex_unlock(&umems_mutex);

    if (umem->user_free) {
        umem->user_free(umem->user);
    }
    free(umem->slot_back);
    free(umem->slot_stack);
    free(umem->stack);
    free(umem->owner);
    munmap(umem->base, umem->size);
    pthread_mutex_destroy(&umem->mutex);
    free(umem);
}

/* Returns the existing UMEM with 'key', or NULL. */
struct xsk_umem_pool *
xsk_umem_find(const struct xsk_umem_key *key)
{
    struct xsk_umem_pool *found = NULL;

    pthread_mutex_lock(&umems_mutex);
    for (unsigned int i = 0; i < XSK_MAX_UMEMS && !found; i++) {
        if (umems[i] && !memcmp(&umems[i]->key, key, sizeof *key)) {
            found = umems[i];
        }
    }
    pthread_mutex_unlock(&umems_mutex);
    return found;
}

/* Adds to '*frames' the frames in the 'slots' place: those of free slots and
 * those given back to slots that are not whole yet.  The caller holds
 * 'umem->mutex'. */
void
xsk_umem_count_slots(struct xsk_umem_pool *umem, uint64_t *frames)
{
    *frames += (uint64_t) umem->n_free_slots * umem->slot_frames;
    for (uint32_t i = 0; i < umem->n_slots; i++) {
        *frames += __atomic_load_n(&umem->slot_back[i], __ATOMIC_RELAXED);
    }
}

/* Returns true if 'umem' has no socket and every frame is free (in the pool,
 * a cache or a slot). */
bool
xsk_umem_idle(struct xsk_umem_pool *umem)
{
    struct xsk_tcache *tc;
    uint64_t n;

    pthread_mutex_lock(&umem->mutex);
    n = umem->n_free;
    xsk_umem_count_slots(umem, &n);
    for (tc = umem->caches; tc; tc = tc->next) {
        n += tc->n;
    }
    pthread_mutex_unlock(&umem->mutex);
    return !umem->n_socks && n == umem->key.n_frames;
}

/* Destroys every UMEM that no socket uses and whose frames are all free
 * (xsk_umem_idle()): a UMEM goes with its last socket, or, if packets still
 * held frames then, on a later call.  Returns how many it destroyed.  Only
 * the thread that creates sockets may call it. */
unsigned int
xsk_umem_sweep(void)
{
    struct xsk_umem_pool *unused[XSK_MAX_UMEMS];
    unsigned int n = 0, n_destroyed = 0;

    pthread_mutex_lock(&umems_mutex);
    for (unsigned int i = 0; i < XSK_MAX_UMEMS; i++) {
        if (umems[i] && !umems[i]->n_socks) {
            unused[n++] = umems[i];
        }
    }
    pthread_mutex_unlock(&umems_mutex);

    for (unsigned int i = 0; i < n; i++) {
        if (xsk_umem_idle(unused[i])) {
            xsk_umem_destroy(unused[i]);
            n_destroyed++;
        }
    }
    return n_destroyed;
}

/* Stores in '*umemp' the UMEM with 'key', first destroying those that no
 * socket uses any more (xsk_umem_sweep()); if there is none, creates it with
 * per-frame metadata 'meta' (zeroed, cache-line aligned, one 'meta->size'
 * entry a frame set up by 'meta->init', freed with the UMEM).  Returns 0 or
 * a positive errno (xsk_umem_create()).  Only the thread that creates
 * sockets may call it. */
int
xsk_umem_get(const struct xsk_umem_key *key, const struct xsk_umem_meta *meta,
             struct xsk_umem_pool **umemp)
{
    struct xsk_umem_pool *umem;
    size_t size;
    void *user;
    int error;

    xsk_umem_sweep();
    umem = xsk_umem_find(key);
    if (umem) {
        *umemp = umem;
        return 0;
    }
    error = xsk_umem_create(key, &umem);
    if (error) {
        return error;
    }
    size = (size_t) key->n_frames * meta->size;
    error = posix_memalign(&user, XSK_CACHE_LINE, size);
    XSK_ASSERT(!error);             /* Out of memory: abort, as OVS does. */
    memset(user, 0, size);
    for (uint32_t i = 0; i < key->n_frames; i++) {
        meta->init((char *) user + i * meta->size, umem, i);
    }
    umem->user = user;
    umem->user_free = free;
    *umemp = umem;
    return 0;
}

/* Calls 'cb' for every UMEM of the process. */
void
xsk_umem_foreach(void (*cb)(struct xsk_umem_pool *, void *aux), void *aux)
{
    pthread_mutex_lock(&umems_mutex);
    for (unsigned int i = 0; i < XSK_MAX_UMEMS; i++) {
        if (umems[i]) {
            cb(umems[i], aux);
        }
    }
    pthread_mutex_unlock(&umems_mutex);
}

/* Slow path of xsk_tcache_get(): creates the calling thread's cache. */
struct xsk_tcache *
xsk_tcache_get__(struct xsk_umem_pool *umem)
{
    struct xsk_tcache *tc = xsk_tcaches[umem->id];

    if (tc) {
        /* Left over from a destroyed UMEM that had the same id.  Its frames
         * went with that UMEM. */
        free(tc);
    }

    pthread_once(&tcache_key_once, tcache_key_init);
    pthread_setspecific(tcache_key, xsk_tcaches);

    tc = calloc(1, sizeof *tc);
    XSK_ASSERT(tc);
    tc->umem = umem;
    pthread_mutex_lock(&umem->mutex);
    tc->next = umem->caches;
    umem->caches = tc;
    pthread_mutex_unlock(&umem->mutex);

    xsk_tcaches[umem->id] = tc;
    return tc;
}

/* Moves up to 'n' slabs from the pool into 'tc'.  Returns frames moved. */
static uint32_t
tcache_refill(struct xsk_tcache *tc, uint32_t want)
{
    struct xsk_umem_pool *umem = tc->umem;
    uint32_t n;

    pthread_mutex_lock(&umem->mutex);
    n = want;
    if (n > umem->n_free) {
        n = umem->n_free;
    }
    if (n > XSK_TCACHE_SIZE - tc->n) {
        n = XSK_TCACHE_SIZE - tc->n;
    }
    umem->n_free -= n;
    memcpy(&tc->frames[tc->n], &umem->stack[umem->n_free],
           n * sizeof tc->frames[0]);
    tc->n += n;
    pthread_mutex_unlock(&umem->mutex);
    return n;
}

/* Moves the 'n' frames on top of 'tc' to the pool. */
static void
tcache_spill(struct xsk_tcache *tc, uint32_t n)
{
    struct xsk_umem_pool *umem = tc->umem;

    pthread_mutex_lock(&umem->mutex);
    tc->n -= n;
    memcpy(&umem->stack[umem->n_free], &tc->frames[tc->n],
           n * sizeof tc->frames[0]);
    umem->n_free += n;
    pthread_mutex_unlock(&umem->mutex);
}

/* Takes up to 'n' free frames into 'frames' and marks them 'new_owner'.
 * Returns how many it took: fewer if the pool runs dry, and never more than
 * XSK_TCACHE_SIZE - XSK_SLAB in one call. */
uint32_t
xsk_frames_get(struct xsk_tcache *tc, uint32_t *frames, uint32_t n,
               uint16_t new_owner)
{
    uint16_t *owner = tc->umem->owner;

    if (n > XSK_TCACHE_SIZE - XSK_SLAB) {
        n = XSK_TCACHE_SIZE - XSK_SLAB;
    }
    if (tc->n < n) {
        uint32_t want = n - tc->n;

        want = (want + XSK_SLAB - 1) / XSK_SLAB * XSK_SLAB;
        tcache_refill(tc, want);
        if (tc->n < n) {
            n = tc->n;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t frame = tc->frames[--tc->n];

        owner[frame] = new_owner;
        frames[i] = frame;
    }
    return n;
}

/* Gives slot frame 'frame', which the caller owns, back to its slot; the
 * slot is free again once all its frames are back.  With 'locked', the
 * caller holds umem->mutex. */
static void
slot_frame_back(struct xsk_umem_pool *umem, uint32_t frame, bool locked)
{
    uint32_t slot = (frame - umem->slot_base) / umem->slot_frames;

    umem->owner[frame] = XSK_OWNER_FREE;
    if (__atomic_add_fetch(&umem->slot_back[slot], 1, __ATOMIC_ACQ_REL)
        == umem->slot_frames) {
        /* Only this thread can see the count at 'slot_frames'. */
        if (!locked) {
            pthread_mutex_lock(&umem->mutex);
        }
        __atomic_store_n(&umem->slot_back[slot], 0, __ATOMIC_RELAXED);
        umem->slot_stack[umem->n_free_slots++] = slot;
        if (!locked) {
            pthread_mutex_unlock(&umem->mutex);
        }
    }
}

/* Takes a free jumbo slot for a packet the caller builds: every frame of it
 * becomes XSK_OWNER_PACKET.  Returns the slot's first frame, which stands
 * for the slot in xsk_frame_packet_free() and xsk_slot_packet_to_tx(), or
 * UINT32_MAX if no slot is free (or the UMEM has none). */
uint32_t
xsk_slot_get_for_packet(struct xsk_tcache *tc)
{
    struct xsk_umem_pool *umem = tc->umem;
    uint32_t slot, head;

    if (!umem->n_slots) {
        return UINT32_MAX;
    }
    pthread_mutex_lock(&umem->mutex);
    slot = umem->n_free_slots ? umem->slot_stack[--umem->n_free_slots]
                              : UINT32_MAX;
    pthread_mutex_unlock(&umem->mutex);
    if (slot == UINT32_MAX) {
        return UINT32_MAX;
    }
    head = umem->slot_base + slot * umem->slot_frames;
    for (uint32_t i = 0; i < umem->slot_frames; i++) {
        umem->owner[head + i] = XSK_OWNER_PACKET;
    }
    tc->packets += umem->slot_frames;
    return head;
}

/* Returns true if 'head' is the first frame of a slot all of whose frames
 * are owned by a packet. */
static bool
slot_is_packet(const struct xsk_umem_pool *umem, uint32_t head)
{
    if (!xsk_frame_in_slot(umem, head)
        || (head - umem->slot_base) % umem->slot_frames) {
        return false;
    }
    for (uint32_t i = 0; i < umem->slot_frames; i++) {
        if (umem->owner[head + i] != XSK_OWNER_PACKET) {
            return false;
        }
    }
    return true;
}

/* The packet that owns the slot starting at frame 'head' gives frames
 * 'first' to 'last' (its data) to TX socket 'sock' (its index) without a
 * copy; its other frames go back to the slot.  Returns false (and leaves
 * everything as it is) if the slot was not a packet's or 'first'..'last' is
 * not in it. */
bool
xsk_slot_packet_to_tx(struct xsk_tcache *tc, uint32_t head, uint32_t first,
                      uint32_t last, uint16_t sock)
{
    struct xsk_umem_pool *umem = tc->umem;

    if (XSK_UNLIKELY(!slot_is_packet(umem, head) || first < head
                     || last < first
                     || last >= head + umem->slot_frames)) {
        return false;
    }
    for (uint32_t i = head; i < head + umem->slot_frames; i++) {
        if (i >= first && i <= last) {
            umem->owner[i] = XSK_OWNER_TX(sock);
        } else {
            slot_frame_back(umem, i, false);
        }
    }
    tc->packets -= umem->slot_frames;
    return true;
}

/* Puts 'n' frames that the caller owns (not as packets) into the calling
 * thread's cache, or back to their slots. */
void
xsk_frames_put(struct xsk_tcache *tc, const uint32_t *frames, uint32_t n)
{
    uint16_t *owner = tc->umem->owner;

    for (uint32_t i = 0; i < n; i++) {
        if (XSK_UNLIKELY(xsk_frame_in_slot(tc->umem, frames[i]))) {
            slot_frame_back(tc->umem, frames[i], false);
            continue;
        }
        if (tc->n == XSK_TCACHE_SIZE) {
            tcache_spill(tc, 2 * XSK_SLAB);
        }
        owner[frames[i]] = XSK_OWNER_FREE;
        tc->frames[tc->n++] = frames[i];
    }
}

/* Slow path of xsk_frame_packet_free(). */
void
xsk_frame_packet_free__(struct xsk_tcache *tc, uint32_t frame)
{
    struct xsk_umem_pool *umem = tc->umem;
    bool in_slot = xsk_frame_in_slot(umem, frame);

    if (in_slot ? !slot_is_packet(umem, frame)
                : umem->owner[frame] != XSK_OWNER_PACKET) {
        pthread_mutex_lock(&umem->mutex);
        umem->bad_frees++;
        pthread_mutex_unlock(&umem->mutex);
    } else if (in_slot) {
        for (uint32_t i = 0; i < umem->slot_frames; i++) {
            slot_frame_back(umem, frame + i, false);
        }
        tc->packets -= umem->slot_frames;
    } else {
        tcache_spill(tc, 2 * XSK_SLAB);
        xsk_frame_packet_free(tc, frame);
    }
}

/* Returns every frame marked 'owner' to the pool.  Used once the kernel can no
 * longer touch the frames of a closed socket: whatever was left on its rings,
 * or kept by the kernel, comes back. */
void
xsk_frames_reclaim(struct xsk_umem_pool *umem, uint16_t owner)
{
    pthread_mutex_lock(&umem->mutex);
    for (uint32_t i = 0; i < umem->key.n_frames; i++) {
        if (umem->owner[i] != owner) {
            continue;
        }
        if (xsk_frame_in_slot(umem, i)) {
            slot_frame_back(umem, i, true);
        } else {
            umem->owner[i] = XSK_OWNER_FREE;
            umem->stack[umem->n_free++] = i;
        }
    }
    pthread_mutex_unlock(&umem->mutex);
}

/* Moves all of 'tc' back to the pool. */
void
xsk_tcache_flush(struct xsk_tcache *tc)
{
    if (tc->umem && tc->n) {
        tcache_spill(tc, tc->n);
    }
}

/* Thread exit: return every cache's frames and unlink the caches.  A cache's
 * 'packets' count moves to the UMEM's 'orphan_packets' so that totals stay
 * right. */
static void
tcache_thread_exit(void *caches_)
{
    struct xsk_tcache **caches = caches_;

    pthread_mutex_lock(&umems_mutex);
    for (unsigned int i = 0; i < XSK_MAX_UMEMS; i++) {
        struct xsk_tcache *tc = caches[i];
        struct xsk_umem_pool *umem = tc ? tc->umem : NULL;

        if (umem) {
            struct xsk_tcache **p;

            xsk_tcache_flush(tc);
            pthread_mutex_lock(&umem->mutex);
            for (p = &umem->caches; *p != tc; p = &(*p)->next) {
                continue;
            }
            *p = tc->next;
            umem->orphan_packets += tc->packets;
            pthread_mutex_unlock(&umem->mutex);
        }
        free(tc);
        caches[i] = NULL;
    }
    pthread_mutex_unlock(&umems_mutex);
}
