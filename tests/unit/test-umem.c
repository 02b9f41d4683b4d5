/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of the shared UMEM frame pool, netdev/xsk-umem.c.  Needs no
 * root, no socket and no OVS; prints TAP (tap.h).
 *
 * The frame-place rules of xsk-umem.h are checked against a model kept by
 * the test: the owner every frame should have.  After random sequences of
 * moves the pool, the caches and the owner record must agree with the model:
 * no frame twice among the free ones, none lost, and the place counts (pool
 * + caches + packets + frames the test holds) adding up to 'n_frames'.
 *
 * The sockets' places (fill, rx, tx, completion) are stood in for by frames
 * the test takes with an XSK_OWNER_RX() or XSK_OWNER_TX() owner and keeps.
 * xsk_umem_account() lives in xsk-sock.c with the rings, so it is not
 * tested here. */

#include "xsk-umem.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* xorshift64*: small, fixed-seed, reproducible.  One state per thread. */
static uint32_t
rnd_r(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (*state * 0x2545f4914f6cdd1dULL) >> 32;
}

static uint64_t main_rng = 0x2545f4914f6cdd1dULL;

static uint32_t
rnd(void)
{
    return rnd_r(&main_rng);
}

static struct xsk_umem_pool *
create(uint32_t frame_size, uint32_t n_frames, uint32_t bind_flags)
{
    struct xsk_umem_key key = { .frame_size = frame_size, .n_frames = n_frames,
                                .bind_flags = bind_flags };
    struct xsk_umem_pool *umem;
    int error = xsk_umem_create(&key, &umem);

    CHECK(!error && umem, "xsk_umem_create(%u, %u, %#x) failed: %s",
          frame_size, n_frames, bind_flags, strerror(error));
    return error ? NULL : umem;
}

/* Returns the sum of 'packets' over the caches of 'umem' and its
 * 'orphan_packets'. */
static int64_t
packets_total(struct xsk_umem_pool *umem)
{
    int64_t n;

    pthread_mutex_lock(&umem->mutex);
    n = umem->orphan_packets;
    for (struct xsk_tcache *tc = umem->caches; tc; tc = tc->next) {
        n += tc->packets;
    }
    pthread_mutex_unlock(&umem->mutex);
    return n;
}

/* Returns the frames in the caches of 'umem'. */
static uint64_t
cached_total(struct xsk_umem_pool *umem)
{
    uint64_t n = 0;

    pthread_mutex_lock(&umem->mutex);
    for (struct xsk_tcache *tc = umem->caches; tc; tc = tc->next) {
        n += tc->n;
    }
    pthread_mutex_unlock(&umem->mutex);
    return n;
}

/* Counts in 'seen' each of the 'n' free frames in 'frames' (the pool's
 * stack or a cache), and in '*range' and '*dup' those out of range or seen
 * before, the last of them in '*example'. */
static void
see_free_frames(const uint32_t *frames, uint32_t n, uint8_t *seen,
                uint32_t n_frames, uint32_t *range, uint32_t *dup,
                uint32_t *example)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f = frames[i];

        if (f >= n_frames) {
            ++*range;
        } else if (seen[f]++) {
            ++*dup;
            *example = f;
        }
    }
}

/* Checks the frames of 'umem' against 'model' (the owner each frame should
 * have; NULL: every frame free): every free frame is in the pool or a cache
 * exactly once, no other frame is there, and every owner[] is as in the
 * model.  'what' names the moment.  Returns true if all agree. */
static bool
check_frames(struct xsk_umem_pool *umem, const uint16_t *model,
             const char *what)
{
    uint32_t n_frames = umem->key.n_frames;
    uint8_t *seen = calloc(n_frames, 1);
    uint32_t bad_owner = 0, dup = 0, stray = 0, lost = 0, range = 0;
    uint32_t example = UINT32_MAX;

    pthread_mutex_lock(&umem->mutex);
    see_free_frames(umem->stack, umem->n_free, seen, n_frames, &range, &dup,
                    &example);
    for (struct xsk_tcache *tc = umem->caches; tc; tc = tc->next) {
        see_free_frames(tc->frames, tc->n, seen, n_frames, &range, &dup,
                        &example);
    }
    pthread_mutex_unlock(&umem->mutex);

    for (uint32_t f = 0; f < n_frames; f++) {
        uint16_t want = model ? model[f] : XSK_OWNER_FREE;

        if (umem->owner[f] != want) {
            bad_owner++;
            example = f;
        }
        if (seen[f] && want != XSK_OWNER_FREE) {
            stray++;
            example = f;
        } else if (!seen[f] && want == XSK_OWNER_FREE) {
            lost++;
            example = f;
        }
    }
    free(seen);

    return CHECK(!range && !dup && !stray && !lost && !bad_owner,
                 "%s: %u free frames out of range, %u twice in pool/caches, "
                 "%u there but not free, %u free but not there, %u with the "
                 "wrong owner (e.g. frame %u: owner %#x, want %#x)", what,
                 range, dup, stray, lost, bad_owner, example,
                 example < n_frames ? umem->owner[example] : 0,
                 example < n_frames && model ? model[example] : 0);
}

/* ---- Create, destroy, find. ----------------------------------------------*/

static void
test_create(void)
{
    static const struct {
        uint32_t frame_size, n_frames;
        int error;
    } cases[] = {
        { 2048, 1, 0 },
        { 2048, 1024, 0 },
        { 4096, 1, 0 },
        { 4096, 1000, 0 },                  /* Not a multiple of a slab. */
        { 4096, 4096, 0 },
        { 1000, 1024, EINVAL },
        { 8192, 1024, EINVAL },
        { 1024, 1024, EINVAL },
        { 3072, 1024, EINVAL },
        { 0, 1024, EINVAL },
        { 2049, 1024, EINVAL },
        { 2048, 0, EINVAL },
        { 4096, 0, EINVAL },
        { 2048, (1u << 24) + 1, EINVAL },
        { 4096, UINT32_MAX, EINVAL },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xsk_umem_key key = { .frame_size = cases[i].frame_size,
                                    .n_frames = cases[i].n_frames,
                                    .bind_flags = XDP_USE_NEED_WAKEUP };
        /* Not NULL. */
        struct xsk_umem_pool *umem = (struct xsk_umem_pool *) &key;
        int error = xsk_umem_create(&key, &umem);

        CHECK(error == cases[i].error, "returned %d (%s), want %d",
              error, strerror(error), cases[i].error);
        if (error) {
            CHECK(!umem, "'*umemp' not NULL on error");
        } else if (CHECK(umem, "'*umemp' NULL on success")) {
            uint64_t size = (uint64_t) key.n_frames * key.frame_size;

            CHECK(!memcmp(&umem->key, &key, sizeof key), "key not kept");
            CHECK(umem->size == size, "size %llu, want %llu",
                  (unsigned long long) umem->size,
                  (unsigned long long) size);
            CHECK(1u << umem->frame_shift == key.frame_size,
                  "frame_shift %u", umem->frame_shift);
            CHECK(!((uintptr_t) umem->base % sysconf(_SC_PAGESIZE)),
                  "base %p not page-aligned", (void *) umem->base);
            CHECK(umem->n_free == key.n_frames, "n_free %u", umem->n_free);
            CHECK(!umem->n_socks && !umem->caches && !umem->bad_frees
                  && !umem->orphan_packets, "not empty");
            CHECK(xsk_umem_idle(umem), "new UMEM not idle");
            check_frames(umem, NULL, "new UMEM");
            /* The whole area is there to write. */
            umem->base[0] = 1;
            umem->base[size - 1] = 1;
            xsk_umem_destroy(umem);
        }
        tap_group("xsk_umem_create(frame_size %u, n_frames %u) %s",
                  cases[i].frame_size, cases[i].n_frames,
                  cases[i].error ? "fails with EINVAL" : "works");
    }

    xsk_umem_destroy(NULL);
    tap_group("xsk_umem_destroy(NULL) does nothing");
}

static void
count_umem(struct xsk_umem_pool *umem, void *n_)
{
    int *n = n_;

    (void) umem;
    (*n)++;
}

static void
test_find(void)
{
    struct xsk_umem_key k1 = { .frame_size = 2048, .n_frames = 64,
                               .bind_flags = 0 };
    struct xsk_umem_key k2 = { .frame_size = 2048, .n_frames = 64,
                               .bind_flags = XDP_ZEROCOPY };
    struct xsk_umem_key k3 = { .frame_size = 4096, .n_frames = 64,
                               .bind_flags = 0 };
    struct xsk_umem_key k4 = { .frame_size = 2048, .n_frames = 128,
                               .bind_flags = 0 };
    struct xsk_umem_pool *u1 = create(k1.frame_size, k1.n_frames,
                                      k1.bind_flags);
    struct xsk_umem_pool *u2 = create(k2.frame_size, k2.n_frames,
                                      k2.bind_flags);
    struct xsk_umem_pool *u3 = create(k3.frame_size, k3.n_frames,
                                      k3.bind_flags);
    int n = 0;

    CHECK(xsk_umem_find(&k1) == u1, "k1 not found");
    CHECK(xsk_umem_find(&k2) == u2, "k2 (other bind flags) not found");
    CHECK(xsk_umem_find(&k3) == u3, "k3 (other frame size) not found");
    CHECK(!xsk_umem_find(&k4), "k4 (other frame count) found");
    CHECK(u1 && u2 && u3 && u1->id != u2->id && u1->id != u3->id
          && u2->id != u3->id, "ids not distinct");
    xsk_umem_foreach(count_umem, &n);
    CHECK(n == 3, "xsk_umem_foreach() visited %d, want 3", n);

    xsk_umem_destroy(u2);
    CHECK(!xsk_umem_find(&k2), "destroyed UMEM still found");
    CHECK(xsk_umem_find(&k1) == u1 && xsk_umem_find(&k3) == u3,
          "others lost");
    n = 0;
    xsk_umem_foreach(count_umem, &n);
    CHECK(n == 2, "xsk_umem_foreach() visited %d, want 2", n);
    xsk_umem_destroy(u1);
    xsk_umem_destroy(u3);
    CHECK(!xsk_umem_find(&k1) && !xsk_umem_find(&k3), "destroyed found");
    tap_group("xsk_umem_find() by key; xsk_umem_foreach()");
}

static void
test_table_full(void)
{
    struct xsk_umem_pool *umems[XSK_MAX_UMEMS], *extra;
    struct xsk_umem_key key = { .frame_size = 2048, .n_frames = 1,
                                .bind_flags = 0 };
    int error;

    for (int i = 0; i < XSK_MAX_UMEMS; i++) {
        umems[i] = create(2048, 1, i);
    }
    extra = (struct xsk_umem_pool *) &key;
    error = xsk_umem_create(&key, &extra);
    CHECK(error == ENOSPC && !extra, "UMEM %d: returned %d, want ENOSPC",
          XSK_MAX_UMEMS + 1, error);

    xsk_umem_destroy(umems[5]);
    umems[5] = create(2048, 1, 5);
    CHECK(umems[5] && umems[5]->id == 5, "freed id 5 not reused");
    for (int i = 0; i < XSK_MAX_UMEMS; i++) {
        xsk_umem_destroy(umems[i]);
    }
    tap_group("UMEM %d fails with ENOSPC; a freed id is reused",
              XSK_MAX_UMEMS + 1);
}

/* ---- Frame math. ---------------------------------------------------------*/

static void
test_frame_math(void)
{
    static const uint32_t frame_sizes[] = { 2048, 4096 };
    enum { N = 64 };

    for (size_t i = 0; i < 2; i++) {
        uint32_t fs = frame_sizes[i];
        struct xsk_umem_pool *umem = create(fs, N, 0);
        const uint32_t offsets[] = { 0, 1, 256, 1500, fs / 2, fs - 1 };
        const uint32_t frames[] = { 0, 1, 2, N / 2, N - 1 };
        uintptr_t base;

        if (!umem) {
            tap_group("frame math, %u-byte frames", fs);
            continue;
        }
        base = (uintptr_t) umem->base;
        for (size_t j = 0; j < sizeof frames / sizeof frames[0]; j++) {
            uint32_t f = frames[j];
            uint64_t addr = (uint64_t) f * fs;
            char *p = xsk_frame_ptr(umem, f);

            CHECK(xsk_frame_to_addr(umem, f) == addr, "frame %u: addr %llu",
                  f, (unsigned long long) xsk_frame_to_addr(umem, f));
            CHECK((uintptr_t) p == base + addr, "frame %u: ptr off by %ld",
                  f, (long) ((uintptr_t) p - base - addr));
            for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
                uint32_t off = offsets[k];

                /* Headroom and packet offsets stay in their frame. */
                CHECK(xsk_addr_to_frame(umem, addr + off) == f,
                      "frame %u + %u: addr_to_frame %u", f, off,
                      xsk_addr_to_frame(umem, addr + off));
                CHECK(xsk_ptr_to_frame(umem, p + off) == f,
                      "frame %u + %u: ptr_to_frame %u", f, off,
                      xsk_ptr_to_frame(umem, p + off));
            }
        }

        /* Pointers outside the area. */
        {
            const uintptr_t outside[] = {
                base - 1, base - fs, base - (uintptr_t) umem->size,
                base + umem->size, base + umem->size + 1,
                base + umem->size + fs, 0, UINTPTR_MAX,
            };

            for (size_t k = 0; k < sizeof outside / sizeof outside[0]; k++) {
                uint32_t f = xsk_ptr_to_frame(umem, (void *) outside[k]);

                CHECK(f == UINT32_MAX, "pointer base%+ld: frame %u, want "
                      "UINT32_MAX", (long) (outside[k] - base), f);
            }
            CHECK(xsk_ptr_to_frame(umem, (void *) (base + umem->size - 1))
                  == N - 1, "last byte not in the last frame");
        }
        xsk_umem_destroy(umem);
        tap_group("frame math, %u-byte frames: addr <-> frame <-> ptr, "
                  "headroom offsets, pointers outside", fs);
    }

    /* Offsets past 4 GB, on a UMEM that is never mapped: only 'frame_shift'
     * matters. */
    {
        struct xsk_umem_pool fake;
        uint32_t last = (1u << 24) - 1;

        memset(&fake, 0, sizeof fake);
        fake.frame_shift = 12;
        CHECK(xsk_frame_to_addr(&fake, last) == 0xffffff000ULL,
              "frame %u at %#llx", last,
              (unsigned long long) xsk_frame_to_addr(&fake, last));
        CHECK(xsk_addr_to_frame(&fake, 0xfffffffffULL) == last,
              "addr 0xfffffffff in frame %u",
              xsk_addr_to_frame(&fake, 0xfffffffffULL));
        CHECK(xsk_addr_to_frame(&fake, 1ULL << 32) == 1u << 20,
              "addr 4 GB in frame %u", xsk_addr_to_frame(&fake, 1ULL << 32));
        tap_group("frame math past 4 GB (2^24 frames of 4096 bytes)");
    }
}

/* ---- Single-thread moves against a model. --------------------------------*/

/* The test's view of one UMEM used from one thread. */
struct model {
    struct xsk_umem_pool *umem;
    struct xsk_tcache *tc;
    uint16_t *owner;            /* Per frame: the owner it should have. */
    uint32_t *held;             /* Frames with an RX/TX owner ("rings"). */
    uint32_t n_held;
    uint32_t *pkts;             /* Frames owned by packets. */
    uint32_t n_pkts;
    uint64_t bad_frees;         /* Refused frees the test made. */
};

static void
model_init(struct model *m, struct xsk_umem_pool *umem)
{
    uint32_t n = umem->key.n_frames;

    m->umem = umem;
    m->tc = xsk_tcache_get(umem);
    m->owner = calloc(n, sizeof *m->owner);
    m->held = calloc(n, sizeof *m->held);
    m->pkts = calloc(n, sizeof *m->pkts);
    m->n_held = m->n_pkts = 0;
    m->bad_frees = umem->bad_frees;
}

static void
model_destroy(struct model *m)
{
    free(m->owner);
    free(m->held);
    free(m->pkts);
}

/* Removes entry 'i' of 'array' of '*n'. */
static uint32_t
take_at(uint32_t *array, uint32_t *n, uint32_t i)
{
    uint32_t f = array[i];

    array[i] = array[--*n];
    return f;
}

static uint16_t
random_ring_owner(void)
{
    uint16_t sock = rnd() % 4;

    return rnd() & 1 ? XSK_OWNER_RX(sock) : XSK_OWNER_TX(sock);
}

/* Checks the counts: pool + caches + packets + held == n_frames. */
static bool
check_counts(struct model *m, const char *what)
{
    struct xsk_umem_pool *umem = m->umem;
    int64_t packets = packets_total(umem);
    uint64_t cached = cached_total(umem);
    uint64_t sum = umem->n_free + cached + packets + m->n_held;

    return CHECK(sum == umem->key.n_frames && packets == m->n_pkts
                 && umem->bad_frees == m->bad_frees,
                 "%s: pool %u + caches %llu + packets %lld + held %u = "
                 "%llu, want %u; test made %u packets; bad_frees %llu, "
                 "want %llu", what, umem->n_free,
                 (unsigned long long) cached, (long long) packets,
                 m->n_held, (unsigned long long) sum, umem->key.n_frames,
                 m->n_pkts, (unsigned long long) umem->bad_frees,
                 (unsigned long long) m->bad_frees);
}

/* Takes 'want' frames for 'owner' and checks what comes back.  With owner
 * XSK_OWNER_PACKET, takes them with xsk_frames_get_for_packets(), as new
 * packets. */
static uint32_t
model_get(struct model *m, uint32_t want, uint16_t owner, const char *what)
{
    uint32_t avail = m->umem->n_free + m->tc->n;
    uint32_t *frames = malloc((want + 1) * sizeof *frames);
    uint32_t expect = want < avail ? want : avail;
    uint32_t got;

    /* One call serves at most XSK_TCACHE_SIZE - XSK_SLAB frames, a limit
     * that the comment of xsk_frames_get() ("fewer only if the pool runs
     * dry") does not mention; callers ask for XSK_BATCH or fewer. */
    if (expect > XSK_TCACHE_SIZE - XSK_SLAB) {
        expect = XSK_TCACHE_SIZE - XSK_SLAB;
    }
    for (uint32_t i = 0; i <= want; i++) {
        frames[i] = 0xdeadbeef;
    }
    got = (owner == XSK_OWNER_PACKET
           ? xsk_frames_get_for_packets(m->tc, frames, want)
           : xsk_frames_get(m->tc, frames, want, owner));
    CHECK(got == expect, "%s: asked %u with %u free, got %u, want %u",
          what, want, avail, got, expect);
    CHECK(got > want || frames[got] == 0xdeadbeef,
          "%s: wrote past the %u frames it returned", what, got);
    for (uint32_t i = 0; i < got && i < want; i++) {
        uint32_t f = frames[i];

        if (!CHECK(f < m->umem->key.n_frames, "%s: frame %u out of range",
                   what, f)) {
            break;
        }
        if (!CHECK(m->owner[f] == XSK_OWNER_FREE,
                   "%s: frame %u handed out twice (test has it as %#x)",
                   what, f, m->owner[f])) {
            break;
        }
        CHECK(m->umem->owner[f] == owner, "%s: frame %u owner %#x, want "
              "%#x", what, f, m->umem->owner[f], owner);
        m->owner[f] = owner;
        if (owner == XSK_OWNER_PACKET) {
            m->pkts[m->n_pkts++] = f;
        } else {
            m->held[m->n_held++] = f;
        }
    }
    free(frames);
    return got;
}

/* Held frame 'i' of 'm' is received: it becomes a packet's. */
static uint32_t
model_to_packet(struct model *m, uint32_t i)
{
    uint32_t f = take_at(m->held, &m->n_held, i);

    xsk_frame_to_packet(m->tc, f);
    m->owner[f] = XSK_OWNER_PACKET;
    m->pkts[m->n_pkts++] = f;
    return f;
}

/* A socket closes: xsk_frames_reclaim() of 'owner' must bring back to the
 * pool every frame the test holds with that owner, and only those. */
static void
model_reclaim(struct model *m, uint16_t owner)
{
    struct xsk_umem_pool *umem = m->umem;
    uint32_t n_free = umem->n_free, n = 0;
    uint8_t *mark = calloc(umem->key.n_frames, 1);

    for (uint32_t i = 0; i < m->n_held;) {
        if (m->owner[m->held[i]] == owner) {
            uint32_t f = take_at(m->held, &m->n_held, i);

            m->owner[f] = XSK_OWNER_FREE;
            mark[f] = 1;
            n++;
        } else {
            i++;
        }
    }
    xsk_frames_reclaim(umem, owner);
    if (CHECK(umem->n_free == n_free + n, "reclaim %#x: pool %u -> %u, "
              "want +%u", owner, n_free, umem->n_free, n)) {
        for (uint32_t i = n_free; i < umem->n_free; i++) {
            uint32_t f = umem->stack[i];

            CHECK(f < umem->key.n_frames && mark[f]--,
                  "reclaim %#x returned frame %u", owner, f);
        }
    }
    free(mark);
}

/* One random move.  Returns its name, for diagnostics. */
static const char *
model_step(struct model *m)
{
    struct xsk_umem_pool *umem = m->umem;
    struct xsk_tcache *tc = m->tc;
    uint32_t r = rnd() % 100;

    if (r < 20) {
        model_get(m, 1 + rnd() % (rnd() % 8 ? 64 : 192), random_ring_owner(),
                  "get");
        return "get";
    } else if (r < 25) {
        /* Packets built by copying (segmentation, copies into the UMEM). */
        model_get(m, 1 + rnd() % 48, XSK_OWNER_PACKET, "get for packets");
        return "get for packets";
    } else if (r < 45 && m->n_held) {
        model_to_packet(m, rnd() % m->n_held);
        return "to packet";
    } else if (r < 65 && m->n_pkts) {
        uint32_t f = take_at(m->pkts, &m->n_pkts, rnd() % m->n_pkts);

        xsk_frame_packet_free(tc, f);
        m->owner[f] = XSK_OWNER_FREE;
        CHECK(umem->owner[f] == XSK_OWNER_FREE, "freed frame %u owner %#x",
              f, umem->owner[f]);
        return "packet free";
    } else if (r < 75 && m->n_pkts) {
        uint32_t i = rnd() % m->n_pkts;
        uint32_t f = m->pkts[i];
        uint16_t sock = rnd() % 4;

        if (CHECK(xsk_frame_packet_to_tx(tc, f, sock), "packet frame %u "
                  "refused by TX", f)) {
            take_at(m->pkts, &m->n_pkts, i);
            m->owner[f] = XSK_OWNER_TX(sock);
            m->held[m->n_held++] = f;
        }
        return "packet to tx";
    } else if (r < 85 && m->n_held) {
        /* Completed or drained: back to the cache. */
        uint32_t n = 1 + rnd() % (m->n_held < 80 ? m->n_held : 80);
        uint32_t frames[80];

        for (uint32_t i = 0; i < n; i++) {
            frames[i] = take_at(m->held, &m->n_held, rnd() % m->n_held);
            m->owner[frames[i]] = XSK_OWNER_FREE;
        }
        xsk_frames_put(tc, frames, n);
        return "put";
    } else if (r < 90) {
        /* Double free, or free of a ring's frame: refused and counted. */
        uint32_t f = rnd() % umem->key.n_frames;
        uint32_t n_free = umem->n_free, n_cache = tc->n;

        if (m->owner[f] == XSK_OWNER_PACKET) {
            return "nothing";
        }
        xsk_frame_packet_free(tc, f);
        m->bad_frees++;
        CHECK(umem->n_free == n_free && tc->n == n_cache,
              "bad free of frame %u (owner %#x) moved frames: pool %u -> "
              "%u, cache %u -> %u", f, m->owner[f], n_free, umem->n_free,
              n_cache, tc->n);
        CHECK(umem->owner[f] == m->owner[f], "bad free of frame %u changed "
              "its owner to %#x", f, umem->owner[f]);
        return "bad free";
    } else if (r < 93) {
        uint32_t f = rnd() % umem->key.n_frames;
        int64_t packets = tc->packets;

        if (m->owner[f] == XSK_OWNER_PACKET) {
            return "nothing";
        }
        CHECK(!xsk_frame_packet_to_tx(tc, f, 1), "frame %u with owner %#x "
              "sent as a packet's", f, m->owner[f]);
        CHECK(umem->owner[f] == m->owner[f] && tc->packets == packets,
              "refused send changed frame %u", f);
        return "bad send";
    } else if (r < 97) {
        model_reclaim(m, random_ring_owner());
        return "reclaim";
    } else {
        uint32_t n_free = umem->n_free, n_cache = tc->n;

        xsk_tcache_flush(tc);
        CHECK(!tc->n && umem->n_free == n_free + n_cache, "flush: pool %u "
              "-> %u, cache %u -> %u", n_free, umem->n_free, n_cache, tc->n);
        return "flush";
    }
}

/* Returns every frame the test holds to the UMEM: packets are freed, ring
 * frames put. */
static void
model_release_all(struct model *m)
{
    while (m->n_pkts) {
        uint32_t f = m->pkts[--m->n_pkts];

        xsk_frame_packet_free(m->tc, f);
        m->owner[f] = XSK_OWNER_FREE;
    }
    while (m->n_held) {
        uint32_t f = m->held[--m->n_held];

        xsk_frames_put(m->tc, &f, 1);
        m->owner[f] = XSK_OWNER_FREE;
    }
}

static void
test_random_moves(uint32_t frame_size, uint32_t n_frames, int steps,
                  uint64_t seed)
{
    struct xsk_umem_pool *umem = create(frame_size, n_frames, 0);
    struct model m;
    int failed_at = -1;

    if (!umem) {
        tap_group("random moves on %u frames", n_frames);
        return;
    }
    main_rng = seed;
    model_init(&m, umem);
    for (int step = 0; step < steps && failed_at < 0; step++) {
        const char *what = model_step(&m);

        if (!check_counts(&m, what)
            || (!(step % 16) && !check_frames(umem, m.owner, what))) {
            failed_at = step;
        }
    }
    if (failed_at >= 0) {
        tap_diag("stopped at step %d (seed %#llx)", failed_at,
                 (unsigned long long) seed);
    }
    check_frames(umem, m.owner, "after the random moves");
    CHECK(umem->bad_frees > 0, "no bad free was tried");

    model_release_all(&m);
    check_counts(&m, "all released");
    check_frames(umem, m.owner, "all released");
    CHECK(xsk_umem_idle(umem), "not idle with every frame free");
    xsk_tcache_flush(m.tc);
    CHECK(umem->n_free == n_frames, "pool has %u after flush, want %u",
          umem->n_free, n_frames);
    model_destroy(&m);
    xsk_umem_destroy(umem);
    tap_group("%d random moves on %u frames (seed %#llx): no frame handed "
              "out twice, counts add up", steps, n_frames,
              (unsigned long long) seed);
}

/* ---- Specific cases. -----------------------------------------------------*/

/* Makes the cache of 'm' exactly full, with frames of the pool. */
static void
fill_cache(struct model *m)
{
    uint32_t frames[XSK_TCACHE_SIZE], n;

    xsk_tcache_flush(m->tc);
    n = xsk_frames_get(m->tc, frames, XSK_TCACHE_SIZE - XSK_SLAB,
                       XSK_OWNER_RX(1));
    n += xsk_frames_get(m->tc, frames + n, XSK_TCACHE_SIZE - n,
                        XSK_OWNER_RX(1));
    xsk_frames_put(m->tc, frames, n);
}

/* Takes one frame as a packet's. */
static uint32_t
model_packet(struct model *m)
{
    model_get(m, 1, XSK_OWNER_RX(0), "get");
    return model_to_packet(m, m->n_held - 1);
}

/* Frees the packet frame 'f' of 'm' (the last packet taken). */
static void
model_packet_free(struct model *m, uint32_t f)
{
    m->n_pkts--;
    m->owner[f] = XSK_OWNER_FREE;
    xsk_frame_packet_free(m->tc, f);
}

static void
test_double_free(void)
{
    struct xsk_umem_pool *umem = create(2048, 1024, 0);
    uint32_t f, n_cache, n_free;
    struct model m;

    if (!umem) {
        tap_group("double free of a packet frame is refused");
        return;
    }
    model_init(&m, umem);

    /* Fast path: the cache has room. */
    f = model_packet(&m);
    n_cache = m.tc->n;
    model_packet_free(&m, f);
    CHECK(m.tc->n == n_cache + 1 && m.tc->frames[m.tc->n - 1] == f,
          "first free did not put frame %u in the cache", f);
    xsk_frame_packet_free(m.tc, f);
    m.bad_frees++;
    CHECK(m.tc->n == n_cache + 1, "second free pushed frame %u again", f);
    check_counts(&m, "double free");
    check_frames(umem, m.owner, "double free");

    /* Slow path: the cache is full when the second free comes. */
    f = model_packet(&m);
    model_packet_free(&m, f);
    fill_cache(&m);
    if (CHECK(m.tc->n == XSK_TCACHE_SIZE, "cannot fill the cache (%u)",
              m.tc->n)) {
        n_free = umem->n_free;
        xsk_frame_packet_free(m.tc, f);
        m.bad_frees++;
        CHECK(umem->n_free == n_free && m.tc->n == XSK_TCACHE_SIZE,
              "double free with a full cache moved frames: pool %u -> %u, "
              "cache %u", n_free, umem->n_free, m.tc->n);
    }
    check_counts(&m, "double free, cache full");
    check_frames(umem, m.owner, "double free, cache full");

    /* A good free with a full cache spills a part, then keeps the frame. */
    f = model_packet(&m);
    fill_cache(&m);
    n_free = umem->n_free;
    model_packet_free(&m, f);
    CHECK(m.tc->n == XSK_TCACHE_SIZE - 2 * XSK_SLAB + 1
          && m.tc->frames[m.tc->n - 1] == f
          && umem->n_free == n_free + 2 * XSK_SLAB,
          "free with a full cache: cache %u, top %u, pool %u -> %u",
          m.tc->n, m.tc->frames[m.tc->n - 1], n_free, umem->n_free);
    check_counts(&m, "free with a full cache");
    check_frames(umem, m.owner, "free with a full cache");

    /* Freeing, as a packet's, a frame that a ring owns is refused too, and
     * so is sending a frame that no packet owns. */
    model_get(&m, 1, XSK_OWNER_TX(3), "get");
    f = m.held[0];
    n_cache = m.tc->n;
    xsk_frame_packet_free(m.tc, f);
    m.bad_frees++;
    CHECK(umem->owner[f] == XSK_OWNER_TX(3) && m.tc->n == n_cache,
          "free of a TX frame accepted");
    CHECK(!xsk_frame_packet_to_tx(m.tc, f, 0), "TX frame sent again");
    check_counts(&m, "free of a ring's frame");

    model_release_all(&m);
    check_frames(umem, m.owner, "at the end");
    CHECK(umem->bad_frees == 3, "bad_frees %llu, want 3",
          (unsigned long long) umem->bad_frees);
    model_destroy(&m);
    xsk_umem_destroy(umem);
    tap_group("double free of a packet frame is refused and counted in "
              "bad_frees, with room in the cache and without");
}

static void
test_reclaim(void)
{
    static const uint16_t owners[] = {
        XSK_OWNER_RX(0), XSK_OWNER_RX(1), XSK_OWNER_TX(0), XSK_OWNER_TX(1),
        XSK_OWNER_RX(XSK_MAX_SOCKS - 1), XSK_OWNER_TX(XSK_MAX_SOCKS - 1),
    };
    enum { N_OWNERS = sizeof owners / sizeof owners[0] };
    struct xsk_umem_pool *umem = create(4096, 2048, 0);
    struct model m;

    if (!umem) {
        tap_group("xsk_frames_reclaim()");
        return;
    }
    model_init(&m, umem);
    CHECK(XSK_OWNER_RX(XSK_MAX_SOCKS - 1) != XSK_OWNER_TX(0)
          && XSK_OWNER_TX(0) != XSK_OWNER_FREE
          && XSK_OWNER_RX(0) != XSK_OWNER_PACKET, "owner values collide");
    for (int round = 0; round < 40; round++) {
        model_get(&m, 1 + rnd() % 100, owners[rnd() % N_OWNERS], "get");
        if (m.n_held && rnd() % 2) {
            model_to_packet(&m, rnd() % m.n_held);
        }
    }
    for (int i = 0; i < N_OWNERS; i++) {
        uint32_t n_free;

        model_reclaim(&m, owners[i]);
        check_counts(&m, "reclaim");
        check_frames(umem, m.owner, "reclaim");

        /* Again: nothing left with that owner. */
        n_free = umem->n_free;
        xsk_frames_reclaim(umem, owners[i]);
        CHECK(umem->n_free == n_free, "second reclaim of %#x took %u",
              owners[i], umem->n_free - n_free);
    }
    CHECK(m.n_pkts && !m.n_held, "test bug: %u packets, %u held", m.n_pkts,
          m.n_held);
    model_release_all(&m);
    check_frames(umem, m.owner, "at the end");
    model_destroy(&m);
    xsk_umem_destroy(umem);
    tap_group("xsk_frames_reclaim() returns exactly the frames of one "
              "owner, packets stay");
}

static void
test_pool_dry(void)
{
    static const uint32_t sizes[] = { 1, 63, 100, 200, 1000 };

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct xsk_umem_pool *umem = create(2048, sizes[i], 0);
        struct model m;
        uint32_t total = 0, got;

        if (!umem) {
            tap_group("pool of %u frames runs dry", sizes[i]);
            continue;
        }
        model_init(&m, umem);
        do {
            got = model_get(&m, 1 + rnd() % 70,
                            rnd() % 2 ? XSK_OWNER_RX(0) : XSK_OWNER_PACKET,
                            "get");
            total += got;
        } while (got && total <= sizes[i]);
        CHECK(total == sizes[i] && m.n_held + m.n_pkts == sizes[i],
              "got %u frames in all from %u", total, sizes[i]);
        check_counts(&m, "dry");
        CHECK(!umem->n_free && !m.tc->n, "pool %u, cache %u when dry",
              umem->n_free, m.tc->n);
        got = model_get(&m, 5, XSK_OWNER_RX(0), "dry get");
        got += model_get(&m, 5, XSK_OWNER_PACKET, "dry get for packets");
        CHECK(!got, "dry pool gave %u frames", got);
        check_counts(&m, "dry, asked again");
        check_frames(umem, m.owner, "dry");
        model_release_all(&m);
        check_frames(umem, m.owner, "refilled");
        CHECK(xsk_umem_idle(umem), "not idle");
        model_destroy(&m);
        xsk_umem_destroy(umem);
        tap_group("pool of %u frames runs dry: fewer frames (and packets), "
                  "then none, never garbage", sizes[i]);
    }
}

/* Requests bigger than a cache can serve at once. */
static void
test_big_request(void)
{
    struct xsk_umem_pool *umem = create(2048, 4096, 0);
    struct model m;

    if (!umem) {
        tap_group("big requests");
        return;
    }
    model_init(&m, umem);
    CHECK(!xsk_frames_get(m.tc, NULL, 0, XSK_OWNER_RX(0)), "asked 0, got "
          "some");
    model_get(&m, XSK_TCACHE_SIZE - XSK_SLAB, XSK_OWNER_RX(0), "192");
    model_get(&m, XSK_TCACHE_SIZE, XSK_OWNER_RX(0), "256");
    model_get(&m, 1000, XSK_OWNER_TX(0), "1000");
    check_counts(&m, "big requests");
    check_frames(umem, m.owner, "big requests");
    model_release_all(&m);
    model_destroy(&m);
    xsk_umem_destroy(umem);
    tap_group("requests of %d frames and more return at most %d distinct "
              "frames", XSK_TCACHE_SIZE - XSK_SLAB,
              XSK_TCACHE_SIZE - XSK_SLAB);
}

/* ---- Threads. ------------------------------------------------------------*/

#define MAX_THREADS 4

/* Packets handed from one thread to another. */
struct mt_queue {
    pthread_mutex_t mutex;
    uint32_t *frames;
    uint32_t n;
};

struct mt_shared {
    struct xsk_umem_pool *umem;
    int n_threads;
    int iterations;
    int keep;                   /* Packets thread 0 leaves to main(). */
    struct mt_queue queues[MAX_THREADS + 1];    /* Last one: main()'s. */
    uint8_t *out;               /* Per frame: handed out (atomic). */
    pthread_barrier_t barrier;  /* Start line. */
    int n_done;                 /* Threads done sending (atomic). */
    bool others_gone;           /* main() joined threads 1..n (atomic). */
};

/* One worker thread, and what it found; read by main() after the join. */
struct mt_worker {
    struct mt_shared *sh;
    pthread_t thread;
    int id;
    uint64_t rng;
    uint64_t errors;
    char first_error[200];
    uint64_t taken, short_gets, sent_local, freed_remote;
};

static void __attribute__((format(printf, 2, 3)))
worker_error(struct mt_worker *w, const char *format, ...)
{
    if (!w->errors++) {
        va_list args;

        va_start(args, format);
        vsnprintf(w->first_error, sizeof w->first_error, format, args);
        va_end(args);
    }
}

static void
queue_push(struct mt_queue *q, uint32_t frame)
{
    pthread_mutex_lock(&q->mutex);
    q->frames[q->n++] = frame;
    pthread_mutex_unlock(&q->mutex);
}

/* Moves everything in 'q' to 'frames'.  Returns how many. */
static uint32_t
queue_take_all(struct mt_queue *q, uint32_t *frames)
{
    uint32_t n;

    pthread_mutex_lock(&q->mutex);
    n = q->n;
    memcpy(frames, q->frames, n * sizeof *frames);
    q->n = 0;
    pthread_mutex_unlock(&q->mutex);
    return n;
}

/* Marks 'f' handed out by the pool; complains if it already was. */
static void
mark_out(struct mt_worker *w, uint32_t f)
{
    if (f >= w->sh->umem->key.n_frames) {
        worker_error(w, "frame %u out of range", f);
    } else if (__atomic_exchange_n(&w->sh->out[f], 1, __ATOMIC_ACQ_REL)) {
        worker_error(w, "frame %u handed out twice", f);
    }
}

/* Marks 'f' as about to go back: another thread may get it at once. */
static void
mark_back(struct mt_shared *sh, uint32_t f)
{
    __atomic_store_n(&sh->out[f], 0, __ATOMIC_RELEASE);
}

/* Frees the packets other threads sent to worker 'w'. */
static void
worker_drain(struct mt_worker *w, struct xsk_tcache *tc, uint32_t *buf)
{
    uint32_t n = queue_take_all(&w->sh->queues[w->id], buf);

    for (uint32_t i = 0; i < n; i++) {
        if (w->sh->umem->owner[buf[i]] != XSK_OWNER_PACKET) {
            worker_error(w, "received frame %u with owner %#x", buf[i],
                         w->sh->umem->owner[buf[i]]);
        }
        mark_back(w->sh, buf[i]);
        xsk_frame_packet_free(tc, buf[i]);
    }
    w->freed_remote += n;
}

/* Receives packets (frames get, to packet), passes most to the next thread
 * as OVS passes packets between PMD threads, frees or sends the rest, and
 * frees what it is passed; then exits with its cache still full. */
static void *
worker_main(void *w_)
{
    struct mt_worker *w = w_;
    struct mt_shared *sh = w->sh;
    struct xsk_umem_pool *umem = sh->umem;
    struct xsk_tcache *tc = xsk_tcache_get(umem);
    uint32_t *buf = malloc(umem->key.n_frames * sizeof *buf);
    struct mt_queue *next = &sh->queues[(w->id + 1) % sh->n_threads];
    uint16_t rx = XSK_OWNER_RX(w->id);

    if (tc != xsk_tcache_get(umem) || tc->umem != umem) {
        worker_error(w, "xsk_tcache_get() not stable");
    }
    pthread_barrier_wait(&sh->barrier);     /* Start together. */
    for (int it = 0; it < sh->iterations; it++) {
        uint32_t want = 1 + rnd_r(&w->rng) % 32;
        bool copied = !(rnd_r(&w->rng) % 4);  /* Built here, not received. */
        uint32_t n = (copied ? xsk_frames_get_for_packets(tc, buf, want)
                      : xsk_frames_get(tc, buf, want, rx));

        w->taken += n;
        w->short_gets += n < want;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t f = buf[i];

            mark_out(w, f);
            if (umem->owner[f] != (copied ? XSK_OWNER_PACKET : rx)) {
                worker_error(w, "got frame %u with owner %#x", f,
                             umem->owner[f]);
            }
            if (!copied) {
                xsk_frame_to_packet(tc, f);
            }
            switch (rnd_r(&w->rng) % 8) {
            case 0:                     /* Dropped here. */
                mark_back(sh, f);
                xsk_frame_packet_free(tc, f);
                break;
            case 1:                     /* Sent, then completed. */
                if (!xsk_frame_packet_to_tx(tc, f, w->id)) {
                    worker_error(w, "packet frame %u refused by TX", f);
                }
                mark_back(sh, f);
                xsk_frames_put(tc, &f, 1);
                w->sent_local++;
                break;
            default:                    /* To the next thread. */
                queue_push(next, f);
                break;
            }
        }
        worker_drain(w, tc, buf);
        if (!n) {
            sched_yield();              /* Let the others free some. */
        }
    }

    /* Keep freeing what the others send until they are all done. */
    __atomic_add_fetch(&sh->n_done, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&sh->n_done, __ATOMIC_ACQUIRE) < sh->n_threads) {
        worker_drain(w, tc, buf);
        sched_yield();
    }
    worker_drain(w, tc, buf);           /* Nobody sends any more. */
    if (!w->id) {
        /* Packets that outlive this thread, taken once the other threads
         * have exited: until then their caches may hold most frames. */
        uint32_t n;

        while (!__atomic_load_n(&sh->others_gone, __ATOMIC_ACQUIRE)) {
            sched_yield();
        }
        n = xsk_frames_get(tc, buf, sh->keep, rx);

        for (uint32_t i = 0; i < n; i++) {
            mark_out(w, buf[i]);
            xsk_frame_to_packet(tc, buf[i]);
            queue_push(&sh->queues[sh->n_threads], buf[i]);
        }
        if (n != (uint32_t) sh->keep) {
            worker_error(w, "got %u of %d packets to keep", n, sh->keep);
        }
    }
    free(buf);
    return NULL;
}

static void
test_threads(int n_threads, int iterations, int keep)
{
    struct mt_worker workers[MAX_THREADS];
    struct xsk_umem_pool *umem = create(2048, 2048, 0);
    uint32_t n_frames = 2048, n_kept;
    uint64_t taken = 0, remote = 0, short_gets = 0;
    struct xsk_tcache *tc;
    struct mt_shared sh;
    uint16_t *model;
    uint32_t *kept;

    if (!umem) {
        tap_group("%d threads", n_threads);
        return;
    }
    memset(&sh, 0, sizeof sh);
    sh.umem = umem;
    sh.n_threads = n_threads;
    sh.iterations = iterations;
    sh.keep = keep;
    sh.out = calloc(n_frames, 1);
    for (int i = 0; i <= n_threads; i++) {
        pthread_mutex_init(&sh.queues[i].mutex, NULL);
        sh.queues[i].frames = calloc(n_frames, sizeof(uint32_t));
    }
    pthread_barrier_init(&sh.barrier, NULL, n_threads);

    for (int i = 0; i < n_threads; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].sh = &sh;
        workers[i].id = i;
        workers[i].rng = 0x1234567ULL * (i + 1) + n_threads;
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }
    /* Thread 0 last: it takes the packets that outlive it once the others
     * are gone. */
    for (int i = n_threads - 1; i >= 0; i--) {
        struct mt_worker *w = &workers[i];

        if (!i) {
            __atomic_store_n(&sh.others_gone, true, __ATOMIC_RELEASE);
        }
        pthread_join(w->thread, NULL);
        CHECK(!w->errors, "thread %d: %llu errors, first: %s", i,
              (unsigned long long) w->errors, w->first_error);
        taken += w->taken;
        remote += w->freed_remote;
        short_gets += w->short_gets;
    }
    tap_diag("%d threads: %llu frames taken, %llu freed by another thread, "
             "%llu short gets", n_threads, (unsigned long long) taken,
             (unsigned long long) remote, (unsigned long long) short_gets);
    CHECK(remote > 0, "no frame was freed by another thread");

    /* All threads are gone: their caches are back in the pool, their
     * packet counts in 'orphan_packets'. */
    kept = sh.queues[n_threads].frames;
    n_kept = sh.queues[n_threads].n;
    CHECK(!umem->caches, "caches of exited threads still linked");
    CHECK(umem->n_free == n_frames - n_kept, "pool %u after the threads "
          "exit, want %u", umem->n_free, n_frames - n_kept);
    CHECK(umem->orphan_packets == (int64_t) n_kept, "orphan_packets %lld, "
          "want %u", (long long) umem->orphan_packets, n_kept);
    CHECK(!umem->bad_frees, "bad_frees %llu",
          (unsigned long long) umem->bad_frees);
    model = calloc(n_frames, sizeof *model);
    for (uint32_t i = 0; i < n_kept; i++) {
        model[kept[i]] = XSK_OWNER_PACKET;
    }
    check_frames(umem, model, "after the threads exit");
    CHECK(n_kept ? !xsk_umem_idle(umem) : xsk_umem_idle(umem),
          "idle with %u packets alive", n_kept);

    /* main() frees the packets that outlived their thread. */
    tc = xsk_tcache_get(umem);
    for (uint32_t i = 0; i < n_kept; i++) {
        xsk_frame_packet_free(tc, kept[i]);
        model[kept[i]] = XSK_OWNER_FREE;
    }
    CHECK(tc->packets == -(int64_t) n_kept && !packets_total(umem),
          "main packets %lld + orphans %lld, want -%u + %u",
          (long long) tc->packets, (long long) umem->orphan_packets,
          n_kept, n_kept);
    check_frames(umem, model, "after main() frees the packets");
    CHECK(xsk_umem_idle(umem), "not idle at the end");
    xsk_tcache_flush(tc);
    CHECK(umem->n_free == n_frames, "pool %u at the end", umem->n_free);
    CHECK(!umem->bad_frees, "bad_frees %llu",
          (unsigned long long) umem->bad_frees);

    free(model);
    for (int i = 0; i <= n_threads; i++) {
        pthread_mutex_destroy(&sh.queues[i].mutex);
        free(sh.queues[i].frames);
    }
    pthread_barrier_destroy(&sh.barrier);
    free(sh.out);
    xsk_umem_destroy(umem);
    tap_group("%d threads x %d rounds, frames freed by other threads, %d "
              "packets outlive theirs: caches back, counts add up",
              n_threads, iterations, keep);
}

/* A thread that keeps caches of UMEMs destroyed under it. */
struct orphan_arg {
    struct xsk_umem_pool *u1, *u3, *u2;
    pthread_barrier_t barrier;
    struct xsk_tcache *tc1;
    uint64_t errors;
    char first_error[200];
};

static void
orphan_error(struct orphan_arg *a, const char *msg, uint32_t value)
{
    if (!a->errors++) {
        snprintf(a->first_error, sizeof a->first_error, "%s %u", msg, value);
    }
}

/* Takes and puts back a few frames, so that 'umem' has a cache here with
 * frames in it. */
static struct xsk_tcache *
touch(struct xsk_umem_pool *umem, struct orphan_arg *a)
{
    struct xsk_tcache *tc = xsk_tcache_get(umem);
    uint32_t frames[10], n;

    n = xsk_frames_get(tc, frames, 10, XSK_OWNER_RX(0));
    if (n != 10) {
        orphan_error(a, "short get:", n);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (umem->owner[frames[i]] != XSK_OWNER_RX(0)) {
            orphan_error(a, "wrong owner of frame", frames[i]);
        }
    }
    xsk_frames_put(tc, frames, n);
    return tc;
}

static void *
orphan_main(void *a_)
{
    struct orphan_arg *a = a_;
    struct xsk_tcache *tc2;

    a->tc1 = touch(a->u1, a);
    touch(a->u3, a);
    pthread_barrier_wait(&a->barrier);
    /* main() destroys u1 and u3 and creates u2 with u1's id. */
    pthread_barrier_wait(&a->barrier);
    tc2 = touch(a->u2, a);
    if (tc2->umem != a->u2) {
        orphan_error(a, "new cache of the wrong UMEM, id", a->u2->id);
    }
    return NULL;            /* Exits with a cache of u2 and one of u3. */
}

static void
test_orphan_caches(void)
{
    struct orphan_arg a;
    unsigned int id1;
    pthread_t thread;

    memset(&a, 0, sizeof a);
    a.u1 = create(2048, 1024, 0);
    a.u3 = create(2048, 1024, XDP_COPY);
    if (!a.u1 || !a.u3) {
        tap_group("caches of destroyed UMEMs");
        return;
    }
    id1 = a.u1->id;
    pthread_barrier_init(&a.barrier, NULL, 2);
    pthread_create(&thread, NULL, orphan_main, &a);
    pthread_barrier_wait(&a.barrier);

    CHECK(a.u1->n_free == 1024 - XSK_SLAB && xsk_umem_idle(a.u1),
          "pool %u with a thread's cache of %d", a.u1->n_free, XSK_SLAB);
    xsk_umem_destroy(a.u1);
    xsk_umem_destroy(a.u3);
    a.u2 = create(4096, 1024, 0);
    CHECK(a.u2 && a.u2->id == id1, "new UMEM got id %u, want %u",
          a.u2 ? a.u2->id : 0, id1);
    pthread_barrier_wait(&a.barrier);
    pthread_join(thread, NULL);

    CHECK(!a.errors, "thread: %llu errors, first: %s",
          (unsigned long long) a.errors, a.first_error);
    if (a.u2) {
        CHECK(!a.u2->caches && a.u2->n_free == 1024 && !a.u2->orphan_packets,
              "after the thread exits: pool %u, caches %s", a.u2->n_free,
              a.u2->caches ? "left" : "none");
        check_frames(a.u2, NULL, "after the thread exits");
        xsk_umem_destroy(a.u2);
    }
    pthread_barrier_destroy(&a.barrier);
    tap_group("UMEMs destroyed while a thread caches their frames: the "
              "thread moves on to a new UMEM with the same id and exits "
              "cleanly");
}

/* A thread with a cache of 'umem' that exits as soon as main() lets it. */
static void *
exiting_main(void *arg_)
{
    struct orphan_arg *a = arg_;

    touch(a->u1, a);
    pthread_barrier_wait(&a->barrier);
    return NULL;
}

/* Threads exit (their pthread key destructor runs) while main() destroys the
 * UMEM they cache frames of, which xsk_umem_destroy() allows ("Caches of
 * other threads are orphaned").
 *
 * KNOWN BUG, seen by ThreadSanitizer on every run of this group: in
 * netdev/xsk-umem.c, tcache_thread_exit() reads 'tc->umem' holding only
 * 'umems_mutex', while xsk_umem_destroy() writes it holding only
 * 'umem->mutex', after it has dropped 'umems_mutex'.  So the exiting thread
 * can lock and unlink from a UMEM that is being freed, or free a cache while
 * xsk_umem_destroy() still walks 'umem->caches' ('tc->next'); and
 * xsk_tcache_flush() reads 'tc->umem' twice, so tcache_spill() can lock a
 * null UMEM.  Seen under -fsanitize=thread: a SEGV and a heap-use-after-free
 * in tcache_spill() called from tcache_thread_exit(), the latter writing
 * into the 'stack' that xsk_umem_destroy() had just freed.  The windows
 * are a few instructions wide, so without -fsanitize=thread this group
 * passes nearly always; with it, it failed until xsk_umem_destroy()
 * orphaned the caches under 'umems_mutex'. */
static void
test_exit_during_destroy(int rounds)
{
    struct orphan_arg a;

    memset(&a, 0, sizeof a);
    pthread_barrier_init(&a.barrier, NULL, 2);
    for (int i = 0; i < rounds && !a.errors; i++) {
        pthread_t thread;

        a.u1 = create(2048, 256, 0);
        if (!a.u1) {
            break;
        }
        pthread_create(&thread, NULL, exiting_main, &a);
        pthread_barrier_wait(&a.barrier);
        xsk_umem_destroy(a.u1);
        pthread_join(thread, NULL);
    }
    CHECK(!a.errors, "thread: %llu errors, first: %s",
          (unsigned long long) a.errors, a.first_error);
    pthread_barrier_destroy(&a.barrier);
    tap_group("%d threads exit while their UMEM is destroyed (a race fixed "
              "in xsk_umem_destroy(); run under -fsanitize=thread)", rounds);
}

/* Counts distinct entries of the free slot stack of 'umem'; returns false if
 * one is out of range or there twice. */
static bool
slot_stack_ok(struct xsk_umem_pool *umem)
{
    uint8_t *seen = calloc(umem->n_slots + 1, 1);
    bool ok = true;

    for (uint32_t i = 0; i < umem->n_free_slots; i++) {
        uint32_t slot = umem->slot_stack[i];

        if (slot >= umem->n_slots || seen[slot]++) {
            ok = false;
        }
    }
    free(seen);
    return ok;
}

/* The 'slots' place of 'umem' (xsk_umem_count_slots()). */
static uint64_t
slot_place(struct xsk_umem_pool *umem)
{
    uint64_t n = 0;

    pthread_mutex_lock(&umem->mutex);
    xsk_umem_count_slots(umem, &n);
    pthread_mutex_unlock(&umem->mutex);
    return n;
}

static void
test_slot_layout(void)
{
    static const struct {
        uint32_t frame_size, n_frames, flags, per_slot, n_slots;
    } cases[] = {
        { 4096, 1024, XDP_USE_SG, 3, 42 },
        { 2048, 1024, XDP_USE_SG, 5, 25 },
        { 4096, 16384, XDP_USE_SG | XDP_USE_NEED_WAKEUP, 3, 682 },
        { 4096, 256, XDP_USE_SG, 0, 0 },     /* 10 slots: too few. */
        { 4096, 1024, 0, 0, 0 },             /* No chains, no slots. */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xsk_umem_pool *umem = create(cases[i].frame_size,
                                       cases[i].n_frames, cases[i].flags);

        if (!umem) {
            continue;
        }
        CHECK(umem->slot_frames == cases[i].per_slot
              && umem->n_slots == cases[i].n_slots,
              "%u x %u, flags %#x: %u slots of %u frames, expected %u of %u",
              cases[i].frame_size, cases[i].n_frames, cases[i].flags,
              umem->n_slots, umem->slot_frames, cases[i].n_slots,
              cases[i].per_slot);
        CHECK(!umem->n_slots
              || xsk_slot_size(umem) >= XSK_SLOT_MIN_BYTES,
              "a slot has only %u bytes", xsk_slot_size(umem));
        CHECK(umem->slot_base + umem->n_slots * umem->slot_frames
              == umem->key.n_frames && umem->n_free == umem->slot_base,
              "slots from frame %u, %u in the pool", umem->slot_base,
              umem->n_free);
        CHECK(slot_place(umem) + umem->n_free == umem->key.n_frames
              && xsk_umem_idle(umem), "a new UMEM is not whole");
        xsk_umem_destroy(umem);
    }
    tap_group("jumbo slots: an eighth of a chain-taking UMEM, at least "
              "XSK_SLOT_MIN_BYTES each, none without XDP_USE_SG");
}

static void
test_slot_moves(void)
{
    struct xsk_umem_pool *umem = create(4096, 1024, XDP_USE_SG);
    uint32_t heads[64], frames[XSK_TCACHE_SIZE];
    struct xsk_tcache *tc;
    uint32_t n, k, got;

    if (!umem) {
        tap_group("jumbo slot moves");
        return;
    }
    tc = xsk_tcache_get(umem);
    k = umem->slot_frames;

    /* Every slot, then none. */
    for (n = 0; n < umem->n_slots; n++) {
        heads[n] = xsk_slot_get_for_packet(tc);
        CHECK(heads[n] != UINT32_MAX && xsk_frame_in_slot(umem, heads[n])
              && (heads[n] - umem->slot_base) % k == 0,
              "slot %u: head %u", n, heads[n]);
        for (uint32_t i = 0; i < k && heads[n] != UINT32_MAX; i++) {
            CHECK(umem->owner[heads[n] + i] == XSK_OWNER_PACKET,
                  "frame %u of a taken slot is %#x", heads[n] + i,
                  umem->owner[heads[n] + i]);
        }
    }
    CHECK(xsk_slot_get_for_packet(tc) == UINT32_MAX, "a slot too many");
    CHECK(packets_total(umem) == (int64_t) n * k && !slot_place(umem),
          "%lld frames in packets, %llu in slots",
          (long long) packets_total(umem),
          (unsigned long long) slot_place(umem));

    /* Ordinary frames never come from a slot. */
    got = xsk_frames_get(tc, frames, XSK_TCACHE_SIZE - XSK_SLAB,
                         XSK_OWNER_RX(0));
    for (uint32_t i = 0; i < got; i++) {
        CHECK(!xsk_frame_in_slot(umem, frames[i]), "frame %u of a slot "
              "handed out as an ordinary frame", frames[i]);
    }
    xsk_frames_put(tc, frames, got);

    /* A packet freed: its slot is whole again. */
    xsk_frame_packet_free(tc, heads[0]);
    CHECK(umem->n_free_slots == 1 && slot_place(umem) == k,
          "free slots %u, slot place %llu", umem->n_free_slots,
          (unsigned long long) slot_place(umem));

    /* Sent with its data in two of its frames: the third is back at once,
     * the slot whole once both sent frames complete. */
    CHECK(xsk_slot_packet_to_tx(tc, heads[1], heads[1], heads[1] + 1, 7),
          "to_tx refused");
    CHECK(umem->owner[heads[1]] == XSK_OWNER_TX(7)
          && umem->owner[heads[1] + 1] == XSK_OWNER_TX(7)
          && umem->owner[heads[1] + 2] == XSK_OWNER_FREE
          && umem->n_free_slots == 1 && slot_place(umem) == k + 1,
          "after to_tx: owners %#x %#x %#x, slot place %llu",
          umem->owner[heads[1]], umem->owner[heads[1] + 1],
          umem->owner[heads[1] + 2], (unsigned long long) slot_place(umem));
    frames[0] = heads[1] + 1;
    xsk_frames_put(tc, frames, 1);
    CHECK(umem->n_free_slots == 1, "a slot came back with a frame missing");
    frames[0] = heads[1];
    xsk_frames_put(tc, frames, 1);
    CHECK(umem->n_free_slots == 2 && slot_place(umem) == 2 * k,
          "completion: %u free slots", umem->n_free_slots);

    /* Sent whole, then its socket closed: reclaim brings it back. */
    CHECK(xsk_slot_packet_to_tx(tc, heads[2], heads[2], heads[2] + 2, 5),
          "to_tx refused");
    xsk_frames_reclaim(umem, XSK_OWNER_TX(5));
    CHECK(umem->n_free_slots == 3, "reclaim: %u free slots",
          umem->n_free_slots);

    /* Refused: a frame that is not a slot's first, a slot freed twice, a
     * span outside the slot, a slot already sent. */
    xsk_frame_packet_free(tc, heads[3] + 1);
    CHECK(umem->bad_frees == 1, "free of a slot's middle frame taken");
    xsk_frame_packet_free(tc, heads[0]);
    CHECK(umem->bad_frees == 2, "second free of a slot taken");
    CHECK(!xsk_slot_packet_to_tx(tc, heads[3], heads[3], heads[3] + k, 1)
          && !xsk_slot_packet_to_tx(tc, heads[3], heads[3] - 1, heads[3], 1)
          && !xsk_slot_packet_to_tx(tc, heads[1], heads[1], heads[1], 1),
          "bad to_tx taken");
    CHECK(umem->n_free_slots == 3 && umem->owner[heads[3]]
          == XSK_OWNER_PACKET, "a refused move changed something");

    for (uint32_t i = 3; i < n; i++) {
        xsk_frame_packet_free(tc, heads[i]);
    }
    CHECK(umem->n_free_slots == umem->n_slots && slot_stack_ok(umem)
          && !packets_total(umem) && xsk_umem_idle(umem),
          "at the end: %u of %u slots free, %lld packet frames",
          umem->n_free_slots, umem->n_slots,
          (long long) packets_total(umem));
    xsk_umem_destroy(umem);
    tap_group("jumbo slot moves: packet, partial TX, completion, reclaim, "
              "bad frees");
}

/* Two threads give back the frames of the same slots, the first frame of
 * each by one thread and the rest by the other, as when a completion and a
 * packet free race. */
struct slot_race {
    struct xsk_umem_pool *umem;
    pthread_barrier_t barrier;
    uint32_t heads[64];
    uint32_t n;
    int rounds;
};

struct slot_racer {
    struct slot_race *race;
    bool first_frames;          /* Gives back each slot's first frame, or
                                 * all the others. */
};

static void *
slot_racer_main(void *arg_)
{
    struct slot_racer *arg = arg_;
    struct slot_race *a = arg->race;
    struct xsk_tcache *tc = xsk_tcache_get(a->umem);

    for (int r = 0; r < a->rounds; r++) {
        pthread_barrier_wait(&a->barrier);      /* Slots sent. */
        for (uint32_t i = 0; i < a->n; i++) {
            for (uint32_t f = 0; f < a->umem->slot_frames; f++) {
                if ((f == 0) == arg->first_frames) {
                    uint32_t frame = a->heads[i] + f;

                    xsk_frames_put(tc, &frame, 1);
                }
            }
        }
        pthread_barrier_wait(&a->barrier);      /* Given back. */
    }
    return NULL;
}

static void
test_slot_threads(int rounds)
{
    struct slot_racer racers[2];
    struct slot_race a;
    pthread_t threads[2];
    struct xsk_tcache *tc;
    int bad = 0;

    memset(&a, 0, sizeof a);
    a.umem = create(4096, 1024, XDP_USE_SG);
    if (!a.umem) {
        tap_group("jumbo slots given back by two threads");
        return;
    }
    a.rounds = rounds;
    tc = xsk_tcache_get(a.umem);
    pthread_barrier_init(&a.barrier, NULL, 3);
    for (int t = 0; t < 2; t++) {
        racers[t].race = &a;
        racers[t].first_frames = t == 0;
        pthread_create(&threads[t], NULL, slot_racer_main, &racers[t]);
    }
    for (int r = 0; r < rounds; r++) {
        a.n = 0;
        while (a.n < 40
               && (a.heads[a.n] = xsk_slot_get_for_packet(tc))
                  != UINT32_MAX) {
            bad += !xsk_slot_packet_to_tx(tc, a.heads[a.n], a.heads[a.n],
                                          a.heads[a.n]
                                          + a.umem->slot_frames - 1, 0);
            a.n++;
        }
        bad += a.n != 40;
        pthread_barrier_wait(&a.barrier);
        pthread_barrier_wait(&a.barrier);
        bad += a.umem->n_free_slots != a.umem->n_slots
               || !slot_stack_ok(a.umem) || slot_place(a.umem)
                  != (uint64_t) a.umem->n_slots * a.umem->slot_frames;
    }
    for (int t = 0; t < 2; t++) {
        pthread_join(threads[t], NULL);
    }
    CHECK(!bad, "%d rounds ended with slots missing or twice", bad);
    pthread_barrier_destroy(&a.barrier);
    xsk_umem_destroy(a.umem);
    tap_group("jumbo slots given back by two threads: each slot free once "
              "(%d rounds)", rounds);
}

/* xsk_umem_sweep(): a UMEM goes with its last socket once all its frames
 * are back, and never while a socket uses it or a packet holds a frame.
 * More reconfigurations than XSK_MAX_UMEMS must never run out of UMEMs. */
static void
test_sweep(void)
{
    struct xsk_umem_key key = { .frame_size = 2048, .n_frames = 256,
                                .bind_flags = XDP_COPY };
    struct xsk_umem_pool *used, *held, *idle;
    struct xsk_tcache *tc;
    uint32_t frame;

    CHECK(!xsk_umem_create(&key, &used), "create");
    key.n_frames++;
    CHECK(!xsk_umem_create(&key, &held), "create");
    key.n_frames++;
    CHECK(!xsk_umem_create(&key, &idle), "create");
    used->n_socks = 1;                  /* As if a socket were bound. */
    tc = xsk_tcache_get(held);
    CHECK(xsk_frames_get_for_packets(tc, &frame, 1) == 1, "get");

    CHECK(xsk_umem_sweep() == 1, "only the idle UMEM goes");
    CHECK(!xsk_umem_find(&key), "the idle UMEM is gone");
    CHECK(xsk_umem_find(&used->key) == used, "the used one stays");
    CHECK(xsk_umem_find(&held->key) == held, "the held one stays");

    xsk_frame_packet_free(tc, frame);   /* The last packet goes. */
    CHECK(xsk_umem_sweep() == 1, "the held UMEM goes once its frame is back");
    used->n_socks = 0;                  /* Its last socket closes. */
    CHECK(xsk_umem_sweep() == 1, "the used UMEM goes with its last socket");
    CHECK(xsk_umem_sweep() == 0, "nothing left");

    for (int i = 0; i < 4 * XSK_MAX_UMEMS; i++) {
        struct xsk_umem_pool *u;
        int error;

        key.n_frames = 256 + i;         /* A new frame count each time. */
        xsk_umem_sweep();
        error = xsk_umem_create(&key, &u);
        CHECK(!error, "reconfiguration %d: %s", i, strerror(error));
        if (error) {
            break;
        }
    }
    CHECK(xsk_umem_sweep() == 1, "the last one goes too");
    tap_group("UMEMs go with their last socket and last packet; %d "
              "reconfigurations never run out", 4 * XSK_MAX_UMEMS);
}

/* What meta_init() has seen (xsk_umem_get()). */
struct test_meta {
    struct xsk_umem_pool *umem;
    uint32_t frame;
    uint64_t pad;
};
static uint32_t n_meta_inits;

static void
meta_init(void *meta_, struct xsk_umem_pool *umem, uint32_t frame)
{
    struct test_meta *meta = meta_;

    CHECK(!meta->umem && !meta->frame && !meta->pad, "metadata not zeroed");
    meta->umem = umem;
    meta->frame = frame;
    n_meta_inits++;
}

/* xsk_umem_get(), one call a row, in order: finds the UMEM of a key or
 * creates it with its metadata, and sweeps unused UMEMs first. */
static void
test_get(void)
{
    static const struct xsk_umem_meta meta = { sizeof(struct test_meta),
                                               meta_init };
    static const struct {
        const char *name;
        uint32_t frame_size, n_frames;
        unsigned int n_socks;   /* Given to the UMEM got, as if bound. */
        int want_error;
        uint32_t want_inits;    /* 0: found, not created. */
        int want_umems;         /* In the process afterwards. */
    } rows[] = {
        { "new key: created", 2048, 64, 1, 0, 64, 1 },
        { "same key: found", 2048, 64, 1, 0, 0, 1 },
        { "other frame count, first still used", 2048, 128, 0, 0, 128, 2 },
        { "its last socket gone: swept before the next", 4096, 32, 0, 0, 32,
          2 },
        { "bad frame size: EINVAL, nothing made, swept", 1000, 32, 0, EINVAL,
          0, 1 },
    };
    struct xsk_umem_pool *first = NULL;

    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_umem_key key = { .frame_size = rows[i].frame_size,
                                    .n_frames = rows[i].n_frames };
        struct xsk_umem_pool *umem = NULL;
        int error, n = 0;

        n_meta_inits = 0;
        error = xsk_umem_get(&key, &meta, &umem);
        CHECK(error == rows[i].want_error, "%s: error %d", rows[i].name,
              error);
        CHECK(n_meta_inits == rows[i].want_inits, "%s: %u inits",
              rows[i].name, n_meta_inits);
        if (!error) {
            const struct test_meta *m = umem->user;

            CHECK(!memcmp(&umem->key, &key, sizeof key), "%s: another "
                  "key", rows[i].name);
            CHECK(!((uintptr_t) m % XSK_CACHE_LINE)
                  && m[key.n_frames - 1].umem == umem
                  && m[key.n_frames - 1].frame == key.n_frames - 1,
                  "%s: metadata", rows[i].name);
            umem->n_socks = rows[i].n_socks;
            first = first ? first : umem;
        }
        xsk_umem_foreach(count_umem, &n);
        CHECK(n == rows[i].want_umems, "%s: %d UMEM(s)", rows[i].name, n);
    }
    first->n_socks = 0;
    CHECK(xsk_umem_sweep() == 1, "the first goes with its last socket");
    tap_group("xsk_umem_get(): find, or sweep then create with metadata");
}

int
main(void)
{
    test_create();
    test_find();
    test_table_full();
    test_frame_math();
    test_random_moves(2048, 512, 200000, 0x5eed0001);
    test_random_moves(4096, 4096, 200000, 0x5eed0002);
    test_random_moves(2048, 1000, 50000, 0x5eed0003);
    test_double_free();
    test_reclaim();
    test_pool_dry();
    test_big_request();
    test_threads(2, 20000, 0);
    test_threads(3, 20000, 40);
    test_threads(4, 20000, 100);
    test_orphan_caches();
    test_exit_during_destroy(1000);
    test_slot_layout();
    test_slot_moves();
    test_slot_threads(2000);
    test_sweep();
    test_get();
    return tap_done();
}
