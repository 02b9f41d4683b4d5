/* SPDX-License-Identifier: Apache-2.0 */

/* xsk-sink: AF_XDP packet sink for benchmarks.
 *
 * Attaches the provider's XDP program (netdev/xsk-prog.c) to an interface,
 * in native or generic mode, binds one AF_XDP socket per listed queue on one
 * shared UMEM (netdev/xsk-umem.c, netdev/xsk-sock.c), and counts and drops
 * every frame: each received frame goes straight back to the thread's frame
 * cache and from there to a fill ring.  With -v it checks each frame
 * against the test frame format of xsk-gen (xsk-tools.h): headers, both
 * checksums, the payload pattern and, per queue, the sequence numbers.
 *
 * One thread polls every socket in turn, busily while frames come and with
 * poll() once the rings stayed empty for SINK_IDLE_NS.  The RX rings are
 * large by default (-R) because a descheduled sink loses frames: at 700
 * kpps a ring of 4096 lasts 6 ms, and virtual CPUs stall for that long.
 * The clock is read once per loop, never per frame.  It stops after -d
 * SECONDS, after -n frames or on SIGINT, SIGTERM or SIGHUP; on every one of
 * these paths it removes the XDP program it attached.  Verification assumes
 * one generator per queue.
 *
 * Output (stdout):
 *
 *     sink: ready iface=B queues=1 mode=native zerocopy=no
 *     sink: t=1 rx=812345 pps=812345
 *     sink: total rx=N seconds=S pps=P bytes=B
 *     sink: verify checked=N bad=0 foreign=0 lost=0 reordered=0   (-v)
 *     sink: xdp rx_dropped=0 rx_ring_full=0 fill_ring_empty=0
 *
 * 'rx' counts frames since the start; the per-second 'pps' is the rate over
 * that second; the summary's 'seconds' runs from the first to the last
 * received batch and 'bytes' sums frame lengths (no FCS).  'checked' are
 * test frames, 'foreign' other frames, 'bad' test frames with a wrong
 * header, checksum or payload, 'lost' the gaps in a queue's sequence
 * numbers, counted from 0 (the generator is expected to start after the
 * sink), and 'reordered' frames older than one already seen.  The last line is
 * the kernel's XDP_STATISTICS, summed over the sockets.  Exit status: 0;
 * 1 on a failure or when -v found bad frames; 2 on a command-line error. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "xsk-csum.h"
#include "xsk-prog.h"
#include "xsk-sock.h"
#include "xsk-tools.h"
#include "xsk-umem.h"

#define SINK_RX_SIZE 16384      /* Default RX ring size. */
#define SINK_TX_SIZE 64         /* TX ring, unused but required. */
#define SINK_SPINS 256          /* Empty polls between clock reads. */
#define SINK_IDLE_NS 10000000   /* No frame for this long: sleep in poll(). */
#define SINK_MAX_REPORTS 10     /* Bad frames described on stderr. */

#define OPT_REPLACE 256         /* --replace, which has no short form. */

struct sink_queue {
    uint32_t id;
    struct xsk_sock *sock;
    uint64_t next_seq;          /* Sequence number expected next. */
};

struct sink_opts {
    struct xt_opts c;           /* -i, -d, -n, -c. */
    uint32_t queues[XSK_PROG_MAX_QUEUES];
    unsigned int n_queues;
    bool generic;
    uint32_t frame_size;
    uint32_t ring_size;         /* RX ring; the fill ring is twice that. */
    bool verify;
    bool replace;               /* Take over an XDP program of ours. */
    uint32_t nap_us;            /* Sleep this long when the rings are empty,
                                 * instead of spinning (0: spin). */
};

struct sink_verify {
    uint64_t checked, bad, foreign, lost, reordered;
};

struct sink {
    struct sink_opts o;
    struct xsk_prog *prog;
    struct xsk_umem_pool *umem;
    struct xsk_tcache *tc;
    struct sink_queue q[XSK_PROG_MAX_QUEUES];
    unsigned int n_socks;       /* Entries of 'q' with a socket. */

    uint64_t rx, bytes;
    uint64_t first_ns, last_ns; /* First and last batch received. */
    struct sink_verify v;
    uint8_t pattern[4096];      /* xt_pattern() by frame offset. */
};

static void
usage(void)
{
    printf("\
%s: receives and drops packets through AF_XDP, for benchmarks\n\
usage: %s -i IFACE [OPTION]...\n\
  -i, --iface IFACE      interface to receive on (required)\n\
  -q, --queue LIST       its RX queues: Q, Q1,Q2,... or Q1-Q2 (default 0)\n\
  -m, --mode MODE        XDP mode: native (default) or generic\n\
  -F, --frame-size N     UMEM frame size, 2048 (default) or 4096; a frame\n\
                         holds a packet of up to N - 256 bytes\n\
  -R, --ring N           RX ring size, a power of 2 in 64..32768 (default\n\
                         16384): the frames the kernel can queue while\n\
                         the sink is not running; the UMEM has 2 * N\n\
                         frames per queue (64 MB by default)\n\
  -d, --duration SECONDS stop after this long (decimals allowed)\n\
  -n, --count N          stop after N packets\n\
  -v, --verify           check xsk-gen's frames: headers, checksums,\n\
                         payload and sequence; exit 1 if any is bad\n\
  -w, --nap USEC         when the rings are empty, sleep USEC instead of\n\
                         spinning: leaves the CPU to a generator sharing\n\
                         it (the RX ring must hold USEC of traffic)\n\
  -c, --cpu CPU          run on CPU only\n\
      --replace          replace an XDP program of ovs-xsk already on\n\
                         IFACE (left by a killed xsk-sink or OVS); without\n\
                         it, any XDP program there makes the sink refuse\n\
  -h, --help             this text\n\
Runs until -d, -n or SIGINT/SIGTERM, then detaches its XDP program.\n\
Prints \"sink: ready ...\" once receiving, a line per second,\n\
\"sink: t=T rx=TOTAL pps=RATE\", and at the end\n\
\"sink: total rx=N seconds=S pps=P bytes=B\".\n",
           xt_program, xt_program);
}

/* Parses 'arg', a list of queues, into 'o->queues'. */
static void
parse_queues(const char *arg, struct sink_opts *o)
{
    char *copy = strdup(arg);
    char *save = NULL;
    char *item;

    o->n_queues = 0;
    for (item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *dash = strchr(item, '-');
        uint32_t lo, hi;

        if (dash) {
            *dash = '\0';
        }
        lo = xt_opt_uint("-q", item, 0, XSK_PROG_MAX_QUEUES - 1);
        hi = dash ? xt_opt_uint("-q", dash + 1, lo, XSK_PROG_MAX_QUEUES - 1)
                  : lo;
        for (uint32_t q = lo; q <= hi; q++) {
            for (unsigned int i = 0; i < o->n_queues; i++) {
                if (o->queues[i] == q) {
                    xt_usage_error("-q: queue %u is listed twice", q);
                }
            }
            o->queues[o->n_queues++] = q;
        }
    }
    free(copy);
    if (!o->n_queues) {
        xt_usage_error("-q: '%s' lists no queue", arg);
    }
}

/* Parses option 'option' of xsk-sink's own (xt_option_func). */
static bool
parse_option(void *o_, int option, const char *arg)
{
    struct sink_opts *o = o_;

    switch (option) {
    case 'q':
        parse_queues(arg, o);
        return true;
    case 'm':
        if (!strcmp(arg, "native")) {
            o->generic = false;
        } else if (!strcmp(arg, "generic")) {
            o->generic = true;
        } else {
            xt_usage_error("-m: '%s' is not native or generic", arg);
        }
        return true;
    case 'F':
        o->frame_size = xt_opt_uint("-F", arg, 2048, 4096);
        if (o->frame_size != 2048 && o->frame_size != 4096) {
            xt_usage_error("-F: '%s' is not 2048 or 4096", arg);
        }
        return true;
    case 'R':
        o->ring_size = xt_opt_uint("-R", arg, 64, 32768);
        if (o->ring_size & (o->ring_size - 1)) {
            xt_usage_error("-R: '%s' is not a power of 2", arg);
        }
        return true;
    case 'v':
        o->verify = true;
        return true;
    case 'w':
        o->nap_us = xt_opt_uint("-w", arg, 1, 100000);
        return true;
    case OPT_REPLACE:
        o->replace = true;
        return true;
    default:
        return false;
    }
}

static void
parse_options(int argc, char *argv[], struct sink_opts *o)
{
    static const struct option long_options[] = {
        XT_OPTS_LONG,
        {"queue", required_argument, NULL, 'q'},
        {"mode", required_argument, NULL, 'm'},
        {"frame-size", required_argument, NULL, 'F'},
        {"ring", required_argument, NULL, 'R'},
        {"verify", no_argument, NULL, 'v'},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"nap", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    xt_opts_init(&o->c);
    o->n_queues = 1;
    o->frame_size = 2048;
    o->ring_size = SINK_RX_SIZE;

    xt_parse_options(argc, argv, XT_OPTS_SHORT "q:m:F:R:vw:h", long_options,
                     &o->c, parse_option, o, usage);
}

/* Returns 0 if 'o->c.iface' has no XDP program, else EBUSY with a message.
 *
 * xsk_prog_attach() replaces any program of ours as a leftover of a killed
 * process, but it cannot tell a leftover from the program of a running
 * xsk-sink or ovs-vswitchd on the same interface, so the sink checks first
 * and replaces only with --replace. */
static int
check_no_xdp(const struct sink_opts *o)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    int error = -bpf_xdp_query(o->c.ifindex, 0, &q);

    if (error) {
        xt_error("%s: cannot query XDP programs: %s", o->c.iface,
                 strerror(error));
        return error;
    }
    if (q.drv_prog_id || q.skb_prog_id) {
        xt_error("%s already has an XDP program (id %u): another xsk-sink "
                 "or OVS may use it; --replace takes over one that ovs-xsk "
                 "left behind", o->c.iface,
                 q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
        return EBUSY;
    }
    return 0;
}

/* Counts bad frame 'd' of 'len' bytes, received on 'q', and describes it
 * on stderr (the first few only).  Its sequence number may be damaged too,
 * so it is taken to be the expected one: a bad frame is not also lost. */
static void
report_bad(struct sink *s, struct sink_queue *q, const uint8_t *d,
           uint32_t len, const char *what)
{
    q->next_seq++;
    if (++s->v.bad <= SINK_MAX_REPORTS) {
        xt_error("queue %u: bad frame (%s): len=%u seq=%llu", q->id, what,
                 len, (unsigned long long) xt_get64(d + XT_SEQ_OFS));
    }
}

/* Checks frame 'd' of 'len' bytes, received on 'q', against the test frame
 * format and the queue's sequence. */
static void
verify_frame(struct sink *s, struct sink_queue *q, const uint8_t *d,
             uint32_t len)
{
    uint16_t udp_csum;
    uint64_t seq;
    bool ok;

    if (len < XT_PATTERN_OFS || len > sizeof s->pattern
        || xt_get16(d + 12) != 0x0800 || d[XT_IP_OFS] != 0x45
        || d[XT_IP_OFS + 9] != 17 || xt_get32(d + XT_MAGIC_OFS) != XT_MAGIC) {
        s->v.foreign++;
        return;
    }
    s->v.checked++;

    udp_csum = xt_get16(d + XT_UDP_OFS + 6);
    if (xt_ip_csum(d + XT_IP_OFS)) {
        report_bad(s, q, d, len, "IPv4 checksum");
        return;
    }
    if (xt_get16(d + XT_IP_OFS + 2) != len - XT_IP_OFS
        || xt_get16(d + XT_UDP_OFS + 4) != len - XT_UDP_OFS) {
        report_bad(s, q, d, len, "IPv4 or UDP length");
        return;
    }
    if (udp_csum && xsk_csum_l4(d, len, &ok) != udp_csum) {
        report_bad(s, q, d, len, "UDP checksum");
        return;
    }
    if (memcmp(d + XT_PATTERN_OFS, s->pattern + XT_PATTERN_OFS,
               len - XT_PATTERN_OFS)) {
        report_bad(s, q, d, len, "payload");
        return;
    }

    seq = xt_get64(d + XT_SEQ_OFS);
    if (seq < q->next_seq) {
        s->v.reordered++;
        return;
    }
    s->v.lost += seq - q->next_seq;
    q->next_seq = seq + 1;
}

/* Receives up to 'max' frames (at most a batch) on 'q', gives them back and
 * tops up the fill ring.  Returns how many frames came. */
static uint32_t
rx_queue(struct sink *s, struct sink_queue *q, uint32_t max)
{
    uint32_t frames[XSK_BATCH];
    uint32_t idx, n;

    xsk_sock_refill(q->sock, s->tc);
    n = xsk_sock_rx_peek(q->sock, max < XSK_BATCH ? max : XSK_BATCH, &idx);
    if (!n) {
        xsk_sock_rx_wakeup(q->sock);
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_sock_rx_desc(q->sock, idx + i);

        frames[i] = xsk_addr_to_frame(s->umem, d->addr);
        s->bytes += d->len;
        if (s->o.verify) {
            verify_frame(s, q, (const uint8_t *) s->umem->base + d->addr,
                         d->len);
        }
    }
    xsk_sock_rx_release(q->sock, n, n);
    xsk_frames_put(s->tc, frames, n);
    s->rx += n;
    return n;
}

/* Sleeps in poll() until a socket has frames, a signal comes or
 * 'timeout_ns' passes. */
static void
wait_rx(struct sink *s, uint64_t timeout_ns)
{
    struct pollfd fds[XSK_PROG_MAX_QUEUES];

    for (unsigned int i = 0; i < s->n_socks; i++) {
        fds[i].fd = s->q[i].sock->fd;
        fds[i].events = POLLIN;
        fds[i].revents = 0;
    }
    poll(fds, s->n_socks, timeout_ns / 1000000 + 1);
}

/* Stopped by a signal: counts what was delivered before it (a sink that was
 * not running for a while may be far behind), but only as much as the rings
 * held, so that a generator still sending cannot keep the sink from
 * stopping. */
static void
drain_rx(struct sink *s)
{
    uint64_t rx = s->rx;

    for (unsigned int i = 0; i < s->n_socks; i++) {
        uint32_t left = xsk_sock_rx_pending(s->q[i].sock);

        while (left) {
            uint64_t max = s->o.c.count ? s->o.c.count - s->rx : left;
            uint32_t n = rx_queue(s, &s->q[i], max < left ? max : left);

            if (!n) {
                break;
            }
            left -= n;
        }
    }
    if (s->rx != rx) {
        s->last_ns = xt_now_ns();
        s->first_ns = s->first_ns ? s->first_ns : s->last_ns;
    }
}

/* Receives until -d, -n or a signal, printing a line per second. */
static void
run(struct sink *s)
{
    uint64_t start = xt_now_ns();
    uint64_t active_ns = start; /* When a frame last came. */
    unsigned int spins = 0;
    struct xt_ticker tk;

    xt_ticker_init(&tk, "sink", "rx", start);

    while (!xt_stop) {
        uint64_t got = 0, now;

        for (unsigned int i = 0; i < s->n_socks; i++) {
            uint64_t max = s->o.c.count ? s->o.c.count - s->rx : XSK_BATCH;

            got += rx_queue(s, &s->q[i], max < XSK_BATCH ? max : XSK_BATCH);
        }
        if (got) {
            spins = 0;
            now = xt_now_ns();
            if (!s->first_ns) {
                s->first_ns = now;
            }
            s->last_ns = active_ns = now;
        } else if (s->o.nap_us) {
            struct timespec ts = { 0, s->o.nap_us * 1000L };

            nanosleep(&ts, NULL);
            now = xt_now_ns();
        } else if (++spins < SINK_SPINS) {
            continue;
        } else {
            /* Keep spinning through the gaps between a generator's bursts:
             * a wake-up from poll() can take longer than the RX ring
             * lasts. */
            spins = 0;
            now = xt_now_ns();
            if (now - active_ns >= SINK_IDLE_NS) {
                wait_rx(s, tk.next_ns > now + XT_NSEC_PER_SEC / 10
                           ? XT_NSEC_PER_SEC / 10 : tk.next_ns - now);
                now = xt_now_ns();
            }
        }

        xt_ticker_run(&tk, now, s->rx);
        if ((s->o.c.duration_ns && now - start >= s->o.c.duration_ns)
            || (s->o.c.count && s->rx >= s->o.c.count)) {
            return;
        }
    }

    drain_rx(s);
}

/* Prints the summary lines.  Returns true if -v found no bad frame. */
static bool
print_summary(struct sink *s)
{
    struct xdp_statistics sum, st;
    uint64_t span = s->last_ns - s->first_ns;

    xt_print_total("sink", "rx", s->rx, span,
                   span ? xt_rate(s->rx, span) : s->rx);
    printf(" bytes=%llu\n", (unsigned long long) s->bytes);
    if (s->o.verify) {
        printf("sink: verify checked=%llu bad=%llu foreign=%llu lost=%llu "
               "reordered=%llu\n", (unsigned long long) s->v.checked,
               (unsigned long long) s->v.bad,
               (unsigned long long) s->v.foreign,
               (unsigned long long) s->v.lost,
               (unsigned long long) s->v.reordered);
    }

    memset(&sum, 0, sizeof sum);
    for (unsigned int i = 0; i < s->n_socks; i++) {
        if (!xsk_sock_get_xdp_stats(s->q[i].sock, &st)) {
            sum.rx_dropped += st.rx_dropped;
            sum.rx_ring_full += st.rx_ring_full;
            sum.rx_fill_ring_empty_descs += st.rx_fill_ring_empty_descs;
        }
    }
    printf("sink: xdp rx_dropped=%llu rx_ring_full=%llu "
           "fill_ring_empty=%llu\n",
           (unsigned long long) sum.rx_dropped,
           (unsigned long long) sum.rx_ring_full,
           (unsigned long long) sum.rx_fill_ring_empty_descs);
    fflush(stdout);
    return !s->v.bad;
}

/* Sets up the UMEM, the XDP program and one socket per queue.  Returns 0
 * or a positive errno, with a message printed; what was set up is left for
 * teardown() either way. */
static int
setup(struct sink *s)
{
    struct xsk_umem_key key;
    char *err = NULL;
    int error;

    memset(&key, 0, sizeof key);
    key.frame_size = s->o.frame_size;
    /* xsk_sock_refill() keeps n_frames / (2 * sockets) frames on each
     * socket's fill and RX rings: as many as its RX ring holds. */
    key.n_frames = 2 * s->o.ring_size * s->o.n_queues;
    key.bind_flags = XDP_USE_NEED_WAKEUP;
    error = xsk_umem_create(&key, &s->umem);
    if (error) {
        xt_error("cannot create UMEM: %s", strerror(error));
        return error;
    }
    s->tc = xsk_tcache_get(s->umem);

    if (!s->o.replace) {
        error = check_no_xdp(&s->o);
        if (error) {
            return error;
        }
    }
    error = xsk_prog_attach(s->o.c.ifindex, s->o.generic, NULL, &s->prog,
                            &err);
    if (error) {
        xt_error("%s: %s", s->o.c.iface, err ? err : strerror(error));
        free(err);
        return error;
    }

    for (unsigned int i = 0; i < s->o.n_queues; i++) {
        struct sink_queue *q = &s->q[i];
        struct xsk_sock_cfg cfg = {
            .ifindex = s->o.c.ifindex,
            .queue_id = s->o.queues[i],
            .rx_size = s->o.ring_size,
            .tx_size = SINK_TX_SIZE,
        };

        q->id = s->o.queues[i];
        error = xsk_sock_create(s->umem, &cfg, &q->sock, &err);
        if (error) {
            xt_error("%s queue %u: %s", s->o.c.iface, q->id,
                     err ? err : strerror(error));
            free(err);
            return error;
        }
        s->n_socks++;
        xsk_sock_refill(q->sock, s->tc);
        error = xsk_prog_set_queue(s->prog, q->id, q->sock->fd);
        if (error) {
            xt_error("%s queue %u: cannot add the socket to the XSKMAP: %s",
                     s->o.c.iface, q->id, strerror(error));
            return error;
        }
    }
    return 0;
}

/* Undoes whatever setup() did, in reverse order. */
static void
teardown(struct sink *s)
{
    for (unsigned int i = 0; i < s->n_socks; i++) {
        xsk_prog_clear_queue(s->prog, s->q[i].id);
    }
    xsk_prog_detach(s->prog);
    for (unsigned int i = 0; i < s->n_socks; i++) {
        xsk_sock_destroy(s->q[i].sock);
    }
    if (s->umem) {
        xsk_tcache_flush(s->tc);
        xsk_umem_destroy(s->umem);
    }
}

int
main(int argc, char *argv[])
{
    bool good = false;
    struct sink *s;
    int error;

    xt_program = "xsk-sink";
    s = calloc(1, sizeof *s);
    if (!s) {
        return 1;
    }
    parse_options(argc, argv, &s->o);
    for (size_t i = 0; i < sizeof s->pattern; i++) {
        s->pattern[i] = xt_pattern(i);
    }
    if (xt_pin_cpu(s->o.c.cpu)) {
        return 1;
    }

    /* From here on a signal only sets 'xt_stop', so that the XDP program is
     * always detached. */
    xt_catch_signals();
    error = setup(s);
    if (!error) {
        printf("sink: ready iface=%s queues=%u mode=%s zerocopy=%s\n",
               s->o.c.iface, s->n_socks, s->o.generic ? "generic" : "native",
               s->q[0].sock->zerocopy ? "yes" : "no");
        fflush(stdout);
        run(s);
        good = print_summary(s);
    }
    teardown(s);
    free(s);
    return error || !good ? 1 : 0;
}
