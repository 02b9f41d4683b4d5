/* SPDX-License-Identifier: Apache-2.0 */

/* xsk-gen: UDP/IPv4 traffic generator for benchmarks, over one AF_XDP
 * socket.
 *
 * Sends test frames (format in xsk-tools.h) of one size on one queue of one
 * interface, as fast as it can or at a given rate, for a time or a count.
 * xsk-sink (xsk-sink.c) is its counterpart.  The socket and its frames come
 * from the provider's core (netdev/xsk-umem.c, netdev/xsk-sock.c); no XDP
 * program is needed to send.
 *
 * How it sends: every UMEM frame is written with the whole frame once, at
 * start.  Per frame only the UDP source port (flow), the sequence number
 * and the UDP checksum change; the checksum is updated from a precomputed
 * sum, not recomputed.  The main loop takes back completed frames, fills the
 * free part of the TX ring a batch (XSK_BATCH) at a time (or as many frames
 * as the rate allows) and kicks the kernel once (xsk_sock_kick()).  The clock
 * is read once per loop, never per frame.
 *
 * Output (stdout), one line per second and a summary:
 *
 *     gen: t=1 sent=812345 pps=812345
 *     gen: total sent=N seconds=S pps=P dropped=D
 *
 * 'sent' counts frames the kernel completed and did not report dropped,
 * since the start; the per-second 'pps' is the rate over that second; the
 * summary's 'seconds' runs from the first frame to the last completion.
 * 'dropped' are frames the kernel completed without sending (sendto()
 * said EBUSY: e.g. a veth whose peer is down).  Exit status: 0, 1 on a
 * failure, 2 on a command-line error. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xsk-sock.h"
#include "xsk-tools.h"
#include "xsk-umem.h"
#include "xt-frame.h"

#define GEN_RING_SIZE 2048      /* TX and completion rings. */
#define GEN_DRAIN_NS (XT_NSEC_PER_SEC / 2)  /* Wait for completions. */

struct gen_opts {
    struct xt_opts c;           /* -i, -d, -n, -c. */
    struct xt_frame_opts f;     /* -s, -S, -D, -A, -B, -p, -P, -f, -U. */
    uint32_t queue;
    uint64_t rate;              /* Frames per second, 0 for no limit. */
};

struct gen {
    struct gen_opts o;
    struct xsk_umem_pool *umem;
    struct xsk_sock *sock;
    struct xsk_tcache *tc;

    uint64_t seq;               /* Sequence number of the next frame. */
    uint32_t flow;              /* seq % flows. */
    uint32_t csum_base;         /* UDP sum with port and sequence zeroed. */

    /* Pacing (with a rate): 'pace_frames' frames were due at 'pace_ns'. */
    uint64_t pace_ns;
    uint64_t pace_frames;
};

static void
usage(void)
{
    printf("\
%s: sends UDP/IPv4 test frames through AF_XDP, for benchmarks\n\
usage: %s -i IFACE [OPTION]...\n\
  -i, --iface IFACE      interface to send on (required)\n\
  -q, --queue Q          its TX queue (default 0)\n\
  -r, --rate PPS         frames per second (default: as fast as possible)\n\
  -d, --duration SECONDS stop after this long (decimals allowed)\n\
  -n, --count N          stop after N frames\n\
%s  -c, --cpu CPU          run on CPU only\n\
  -h, --help             this text\n\
Without -d or -n it runs until SIGINT/SIGTERM.  Prints a line per second,\n\
\"gen: t=T sent=TOTAL pps=RATE\", and at the end\n\
\"gen: total sent=N seconds=S pps=P dropped=D\".\n",
           xt_program, xt_program, XT_FRAME_OPTS_HELP);
}

/* Parses option 'option' of xsk-gen's own (xt_option_func). */
static bool
parse_option(void *o_, int option, const char *arg)
{
    struct gen_opts *o = o_;

    switch (option) {
    case 'q':
        o->queue = xt_opt_uint("-q", arg, 0, UINT32_MAX);
        return true;
    case 'r':
        o->rate = xt_opt_uint("-r", arg, 1, 1000000000);
        return true;
    default:
        return xt_frame_opts_parse(&o->f, option, arg);
    }
}

static void
parse_options(int argc, char *argv[], struct gen_opts *o)
{
    static const struct option long_options[] = {
        XT_OPTS_LONG,
        XT_FRAME_OPTS_LONG,
        {"queue", required_argument, NULL, 'q'},
        {"rate", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    xt_opts_init(&o->c);
    xt_frame_opts_init(&o->f);
    xt_parse_options(argc, argv, XT_OPTS_SHORT XT_FRAME_OPTS_SHORT "q:r:h",
                     long_options, &o->c, parse_option, o, usage);
    xt_frame_opts_finish(&o->f);
}

/* Writes the fields that differ per frame into frame 'f': source port,
 * sequence number and, from the template's sum, the UDP checksum. */
static inline void
stamp(struct gen *g, uint8_t *f)
{
    uint16_t port = g->o.f.src_port + g->flow;
    uint64_t seq = g->seq++;

    if (++g->flow == g->o.f.flows) {
        g->flow = 0;
    }
    xt_put16(f + XT_UDP_OFS, port);
    xt_put64(f + XT_SEQ_OFS, seq);
    if (g->o.f.udp_csum) {
        xt_put16(f + XT_UDP_OFS + 6, xt_frame_csum(g->csum_base, port, seq));
    }
}

/* Puts up to 'n' (at most XSK_BATCH) frames on the TX ring.  Returns how
 * many; fewer if the ring is full. */
static uint32_t
send_batch(struct gen *g, uint32_t n)
{
    uint32_t frames[XSK_BATCH];
    uint32_t idx, reserved, got;

    reserved = xsk_sock_tx_reserve(g->sock, n, &idx);
    if (!reserved) {
        return 0;
    }
    got = xsk_frames_get(g->tc, frames, reserved,
                         XSK_OWNER_TX(g->sock->index));
    for (uint32_t i = 0; i < got; i++) {
        struct xdp_desc *d = xsk_sock_tx_desc(g->sock, idx + i);

        stamp(g, (uint8_t *) xsk_frame_ptr(g->umem, frames[i]));
        d->addr = xsk_frame_to_addr(g->umem, frames[i]);
        d->len = g->o.f.size;
        d->options = 0;
    }
    xsk_sock_tx_submit(g->sock, reserved, got);
    return got;
}

/* Frames sent so far: completed and not dropped. */
static uint64_t
sent_frames(const struct gen *g)
{
    return g->sock->comp_total - g->sock->stats.tx_busy;
}

/* Frames on the TX ring or in the kernel. */
static uint64_t
in_flight(const struct gen *g)
{
    return g->sock->tx_total - g->sock->comp_total;
}

/* Returns how many frames the rate allows now (UINT64_MAX without a rate)
 * and, when none, in '*wait_ns' how long until the next. */
static uint64_t
frames_due(struct gen *g, uint64_t now, uint64_t *wait_ns)
{
    uint64_t due, queued = g->sock->tx_total;
    double next;

    *wait_ns = 0;
    if (!g->o.rate) {
        return UINT64_MAX;
    }
    due = g->pace_frames
          + (uint64_t) ((double) (now - g->pace_ns) * g->o.rate
                        / XT_NSEC_PER_SEC);
    if (due > queued + g->o.rate / 10) {
        /* More than 100 ms behind (descheduled, ring full): start pacing
         * afresh rather than send the backlog as one burst. */
        g->pace_ns = now;
        g->pace_frames = queued;
        return 1;
    }
    if (due > queued) {
        return due - queued;
    }
    next = (double) (queued + 1 - g->pace_frames) * XT_NSEC_PER_SEC
           / g->o.rate;
    if (next > now - g->pace_ns) {
        *wait_ns = next - (now - g->pace_ns);
    }
    return 0;
}

/* Sends until the count, the duration or a signal says stop, printing a
 * line per second.  Returns the time of the first frame. */
static uint64_t
run(struct gen *g)
{
    uint64_t start = xt_now_ns();
    struct xt_ticker tk;

    xt_ticker_init(&tk, "gen", "sent", start);
    g->pace_ns = start;
    g->pace_frames = 0;
    while (!xt_stop) {
        uint64_t now = xt_now_ns();
        uint64_t budget, wait_ns;

        xt_ticker_run(&tk, now, sent_frames(g));
        if (g->o.c.duration_ns && now - start >= g->o.c.duration_ns) {
            break;
        }

        xsk_sock_complete(g->sock, g->tc);
        budget = frames_due(g, now, &wait_ns);
        if (g->o.c.count) {
            uint64_t left = g->o.c.count - g->sock->tx_total;

            if (!left) {
                break;
            }
            budget = budget < left ? budget : left;
        }
        while (budget) {
            uint32_t want = budget < XSK_BATCH ? budget : XSK_BATCH;
            uint32_t n = send_batch(g, want);

            budget -= n;
            if (n < want) {
                break;
            }
        }
        xsk_sock_kick(g->sock);

        if (wait_ns > 20000 && !in_flight(g)) {
            xt_sleep_ns(wait_ns < 1000000 ? wait_ns : 1000000);
        }
    }
    return start;
}

/* Waits, a bounded time, for the kernel to complete every frame. */
static void
drain(struct gen *g)
{
    uint64_t deadline = xt_now_ns() + GEN_DRAIN_NS;

    while (in_flight(g) && xt_now_ns() < deadline) {
        xsk_sock_kick(g->sock);
        xsk_sock_complete(g->sock, g->tc);
    }
}

int
main(int argc, char *argv[])
{
    struct xsk_umem_key key;
    struct xsk_sock_cfg cfg;
    struct gen g;
    char *err = NULL;
    uint64_t start, end, sent;
    int error;

    xt_program = "xsk-gen";
    memset(&g, 0, sizeof g);
    parse_options(argc, argv, &g.o);
    if (xt_frame_check_iface(&g.o.f, g.o.c.iface)) {
        return 1;
    }
    if (xt_pin_cpu(g.o.c.cpu)) {
        return 1;
    }

    memset(&key, 0, sizeof key);
    key.frame_size = g.o.f.size <= 2048 ? 2048 : 4096;
    key.n_frames = 2 * GEN_RING_SIZE;
    key.bind_flags = XDP_USE_NEED_WAKEUP;
    error = xsk_umem_create(&key, &g.umem);
    if (error) {
        xt_error("cannot create UMEM: %s", strerror(error));
        return 1;
    }
    /* Every frame holds the template; stamp() only patches it. */
    g.csum_base = xt_frame_build(&g.o.f, (uint8_t *) g.umem->base);
    for (uint32_t i = 1; i < key.n_frames; i++) {
        memcpy(xsk_frame_ptr(g.umem, i), g.umem->base, g.o.f.size);
    }

    memset(&cfg, 0, sizeof cfg);
    cfg.ifindex = g.o.c.ifindex;
    cfg.queue_id = g.o.queue;
    cfg.rx_size = XSK_BATCH;    /* Unused: no XDP program feeds it. */
    cfg.tx_size = GEN_RING_SIZE;
    error = xsk_sock_create(g.umem, &cfg, &g.sock, &err);
    if (error) {
        xt_error("%s queue %u: %s", g.o.c.iface, g.o.queue,
                 err ? err : strerror(error));
        free(err);
        goto out_umem;
    }
    g.tc = xsk_tcache_get(g.umem);

    printf("gen: start iface=%s queue=%u size=%u rate=%llu flows=%u "
           "zerocopy=%s\n", g.o.c.iface, g.o.queue, g.o.f.size,
           (unsigned long long) g.o.rate, g.o.f.flows,
           g.sock->zerocopy ? "yes" : "no");
    fflush(stdout);

    xt_catch_signals();
    start = run(&g);
    drain(&g);
    end = xt_now_ns();

    sent = sent_frames(&g);
    xt_print_total("gen", "sent", sent, end - start,
                   xt_rate(sent, end - start));
    printf(" dropped=%llu\n", (unsigned long long) g.sock->stats.tx_busy);
    if (in_flight(&g)) {
        xt_error("%llu frames were never completed",
                 (unsigned long long) in_flight(&g));
        error = EIO;
    }
    fflush(stdout);

    xsk_sock_destroy(g.sock);
    xsk_tcache_flush(g.tc);
out_umem:
    xsk_umem_destroy(g.umem);
    return error ? 1 : 0;
}
