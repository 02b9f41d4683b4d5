/* SPDX-License-Identifier: Apache-2.0 */
/* xdp-gen: UDP/IPv4 traffic generator for benchmarks that injects
 * xdp_frames with BPF_PROG_RUN in live-frames mode, several times faster
 * than xsk-gen.
 *
 * xsk-gen (xsk-gen.c) sends through a copy-mode AF_XDP socket, which costs
 * an skb per frame and tops out near 2 Mpps on a veth; that is less than
 * an offloaded or in-kernel path forwards.  xdp-gen instead loads
 * bpf/bench_gen.bpf.c and runs it with bpf_prog_test_run_opts() and
 * BPF_F_TEST_XDP_LIVE_FRAMES: the kernel builds xdp_frames from the
 * template in a page pool, the program stamps each (sequence number, UDP
 * source port, checksum) and redirects it to the interface -i, and the
 * kernel transmits the redirected frames in bulk, batch_size (-b) at a
 * time.  No skb is made on the sending side.  The frames are byte for byte
 * those of xsk-gen (xt-frame.h), so xsk-sink counts and verifies both, and
 * it takes the same options, output and exit status.
 *
 * Fan-out mode (-k K -e SEED -E PEER), for kernels that refuse live
 * frames (BPF_PROG_RUN fails with EPERM on this project's machine): it
 * attaches bench_fanout to PEER, a veth whose other end is SEED, and sends
 * seed frames on SEED through an AF_PACKET socket (past the qdisc), one
 * skb per K frames.  bench_fanout broadcasts each seed through a devmap
 * that holds IFACE K times, the kernel copies it per entry, and
 * bench_stamp, the devmap's program, stamps every copy before it leaves on
 * IFACE.  All of it runs in the softirq of the CPU that sent the seed,
 * xdp-gen's.  Seeds the kernel drops are not counted: 'sent' counts the
 * stamped copies.
 *
 * What it needs: a kernel with live frames (5.18+), or for fan-out mode
 * devmap broadcast and devmap programs (5.15+), and an interface whose
 * ndo_xdp_xmit takes the frames.  For a veth that means its peer has an
 * XDP program attached (any, also an AF_XDP socket's) or GRO on; otherwise
 * the kernel drops the frames, and xdp-gen cannot tell.  It must run in the
 * interface's network namespace, because the redirect looks the interface
 * up there.
 *
 * Every BPF_PROG_RUN of an XDP program with more than one repetition puts
 * the program into the kernel's XDP dispatcher and takes it out again at
 * the end; each change waits for an RCU grace period (synchronize_rcu() in
 * bpf_dispatcher_change_prog()), 25 ms per call on this project's machine,
 * during which xdp-gen sends nothing.  With -H IFACE it attaches the
 * program (native mode) to IFACE, an otherwise idle interface such as a
 * spare veth in the same namespace, for as long as it runs: the program
 * then stays in the dispatcher and a call costs no grace period.  The
 * program passes whatever arrives on IFACE to the stack untouched.
 *
 * How it paces: without -r it injects GEN_CHUNK frames per call, back to
 * back.  With -r it injects one step at a time as it falls due and sleeps
 * in between (timer slack 1 ns, so it wakes on time): a step is the -b
 * batch, or fewer frames if the batch would span more than GEN_STEP_NS of
 * traffic at that rate (30 frames every 100 us at 0.3 Mpps).  A generator
 * that was descheduled makes up at most GEN_MAX_LAG_NS of backlog, a step
 * per call; beyond that it skips what fell due and paces afresh from now.
 * It used to make up any backlog of up to 100 ms in one call at full
 * speed; with the 25 ms a call waited (above) every call sent some 7500
 * frames at several Mpps, which overflowed the receiving AF_XDP socket
 * (2048 frames) of a switch that forwards 0.5 Mpps: at 0.3 Mpps offered,
 * every OVS path lost about half of what was offered.  Paced without -H,
 * it now skips most frames instead (and says so): give it -H.  Skipped
 * frames are never sent, so 'sent' and the rate stay what was really
 * offered, and the summary says how often and how much it skipped.  In
 * fan-out mode a step of N frames is N/K seeds, rounded up.  One call runs
 * on the calling CPU (pin it with -c).
 *
 * Output (stdout), one line per second and a summary:
 *
 *     gen: t=1 sent=6812345 pps=6812345
 *     gen: total sent=N seconds=S pps=P
 *     gen: pace rate=R step=N late=L skipped=F    (with -r)
 *
 * 'sent' counts frames the program stamped and redirected, since the
 * start: offered frames.  Frames the kernel drops after the redirect (no
 * room on the peer, peer without XDP) are not seen here; the sink counts
 * what arrived.  'late' counts the times it skipped, 'skipped' the frames
 * that fell due but were not sent.  Exit status: 0, 1 on a failure, 2 on
 * a command-line error. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk-tools.h"
#include "xt-frame.h"
#include "xsk-bpf/bench_gen.skel.h"

#define GEN_CHUNK 65536         /* Frames per call without a rate. */
#define GEN_BATCH 64            /* Default -b. */
#define GEN_MAX_BATCH 256       /* The kernel's limit on batch_size. */
#define GEN_MAX_SLEEP_NS 1000000
#define GEN_STEP_NS 100000      /* With -r: most traffic in one step. */
#define GEN_MAX_LAG_NS 1000000  /* With -r: most backlog made up for. */
#define GEN_MAX_FANOUT 64       /* bench_gen.bpf.c: fanout_map's size. */

struct gen_opts {
    struct xt_opts c;           /* -i, -d, -n, -c. */
    struct xt_frame_opts f;     /* -s, -S, -D, -A, -B, -p, -P, -f, -U. */
    uint64_t rate;              /* Frames per second, 0 for no limit. */
    uint32_t batch;             /* Frames the kernel sends in one bulk. */
    uint32_t fanout;            /* -k: copies per seed, 0 for live frames. */
    const char *seed;           /* -e: seeds leave here... */
    int seed_ifindex;
    const char *seed_peer;      /* -E: ...and bench_fanout runs here. */
    int seed_peer_ifindex;
    const char *hold;           /* -H: bench_gen attached here, idle. */
    int hold_ifindex;
};

struct gen {
    struct gen_opts o;
    struct bench_gen *skel;
    uint8_t frame[4096];        /* The template, 'o.f.size' bytes. */
    int prog_fd;
    int seed_fd;                /* AF_PACKET socket on -e, or -1. */

    /* Pacing (with a rate): 'pace_frames' frames were due at 'pace_ns'. */
    uint64_t pace_ns;
    uint64_t pace_frames;
    uint32_t step;              /* Frames per call. */
    uint64_t max_lag;           /* Most frames of backlog made up for. */
    uint64_t late;              /* Times it skipped frames... */
    uint64_t skipped;           /* ...and how many in all. */
};

static void
usage(void)
{
    printf("\
%s: sends UDP/IPv4 test frames with BPF_PROG_RUN live frames, for\n\
benchmarks\n\
usage: %s -i IFACE [OPTION]...\n\
  -i, --iface IFACE      interface to send on (required); run in its\n\
                         network namespace\n\
  -r, --rate PPS         frames per second (default: as fast as possible)\n\
  -b, --batch N          frames the kernel sends at once, 1..%d\n\
                         (default %d); with -r also the largest\n\
                         pacing step (at most 100 us of traffic)\n\
  -k, --fanout K         fan-out mode, for kernels that refuse live frames:\n\
                         send seed frames on -e; XDP on -E copies each K\n\
                         times (1..%d) to IFACE\n\
  -e, --seed IFACE       where seeds leave (a veth)\n\
  -E, --seed-peer IFACE  its peer, where the fan-out program runs\n\
  -H, --hold IFACE       attach the program to IFACE (an idle veth) while\n\
                         running, so that no call waits for an RCU grace\n\
                         period (live frames; see the source's header)\n\
  -d, --duration SECONDS stop after this long (decimals allowed)\n\
  -n, --count N          stop after N frames\n\
%s  -c, --cpu CPU          run on CPU only\n\
  -h, --help             this text\n\
Without -d or -n it runs until SIGINT/SIGTERM.  Prints a line per second,\n\
\"gen: t=T sent=TOTAL pps=RATE\", and at the end\n\
\"gen: total sent=N seconds=S pps=P\".\n",
           xt_program, xt_program, GEN_MAX_BATCH, GEN_BATCH, GEN_MAX_FANOUT,
           XT_FRAME_OPTS_HELP);
}

/* Parses option 'option' of xdp-gen's own (xt_option_func). */
static bool
parse_option(void *o_, int option, const char *arg)
{
    struct gen_opts *o = o_;

    switch (option) {
    case 'r':
        o->rate = xt_opt_uint("-r", arg, 1, 1000000000);
        return true;
    case 'b':
        o->batch = xt_opt_uint("-b", arg, 1, GEN_MAX_BATCH);
        return true;
    case 'k':
        o->fanout = xt_opt_uint("-k", arg, 1, GEN_MAX_FANOUT);
        return true;
    case 'e':
        o->seed = arg;
        o->seed_ifindex = xt_opt_ifindex("-e", arg);
        return true;
    case 'E':
        o->seed_peer = arg;
        o->seed_peer_ifindex = xt_opt_ifindex("-E", arg);
        return true;
    case 'H':
        o->hold = arg;
        o->hold_ifindex = xt_opt_ifindex("-H", arg);
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
        {"rate", required_argument, NULL, 'r'},
        {"batch", required_argument, NULL, 'b'},
        {"fanout", required_argument, NULL, 'k'},
        {"seed", required_argument, NULL, 'e'},
        {"seed-peer", required_argument, NULL, 'E'},
        {"hold", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    xt_opts_init(&o->c);
    xt_frame_opts_init(&o->f);
    o->batch = GEN_BATCH;
    xt_parse_options(argc, argv,
                     XT_OPTS_SHORT XT_FRAME_OPTS_SHORT "r:b:k:e:E:H:h",
                     long_options, &o->c, parse_option, o, usage);
    xt_frame_opts_finish(&o->f);
    if (!o->fanout != !o->seed || !o->fanout != !o->seed_peer) {
        xt_usage_error("-k, -e and -E go together");
    }
    if (o->hold && o->fanout) {
        xt_usage_error("-H is for live frames, not with -k");
    }
}

/* Frames stamped and redirected so far. */
static uint64_t
sent_frames(const struct gen *g)
{
    return g->skel->bss->next_seq;
}

/* Sends seeds for 'n' frames (fan-out mode): each seed becomes 'fanout'
 * frames.  Returns 0 or a positive errno; EINTR when a signal came. */
static int
seed(struct gen *g, uint32_t n)
{
    struct mmsghdr msgs[GEN_MAX_BATCH];
    struct iovec iov;
    uint32_t seeds = (n + g->o.fanout - 1) / g->o.fanout;

    iov.iov_base = g->frame;
    iov.iov_len = g->o.f.size;
    memset(msgs, 0, sizeof msgs);
    for (uint32_t i = 0; i < GEN_MAX_BATCH; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (seeds) {
        uint32_t want = seeds < GEN_MAX_BATCH ? seeds : GEN_MAX_BATCH;
        int sent = sendmmsg(g->seed_fd, msgs, want, 0);

        if (sent < 0) {
            /* A full queue only means the kernel is behind. */
            return errno == ENOBUFS || errno == EAGAIN ? 0 : errno;
        }
        seeds -= sent;
    }
    return 0;
}

/* Makes 'n' frames: runs the program on them with live frames, or sends
 * seeds for them.  Returns 0 or a positive errno; EINTR when a signal cut
 * the run short (some frames may have been sent). */
static int
inject(struct gen *g, uint32_t n)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts,
                .data_in = g->frame,
                .data_size_in = g->o.f.size,
                .repeat = n,
                .batch_size = g->o.batch,
                .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

    if (g->o.fanout) {
        return seed(g, n);
    }
    return -bpf_prog_test_run_opts(g->prog_fd, &opts);
}

/* Sets up pacing at rate -r (if any) from time 'now': the step and the
 * backlog it may make up for. */
static void
pace_init(struct gen *g, uint64_t now)
{
    uint64_t step = g->o.rate * GEN_STEP_NS / XT_NSEC_PER_SEC;

    g->pace_ns = now;
    g->pace_frames = 0;
    g->step = step < 1 ? 1 : step < g->o.batch ? step : g->o.batch;
    g->max_lag = g->o.rate * GEN_MAX_LAG_NS / XT_NSEC_PER_SEC;
    if (g->max_lag < g->step) {
        g->max_lag = g->step;
    }
    if (g->o.rate) {
        /* The default slack of 50 us would let a wake-up come late by
         * half a step at 0.3 Mpps, and make the next steps a catch-up. */
        prctl(PR_SET_TIMERSLACK, 1UL);
    }
}

/* Returns how many frames to inject now: GEN_CHUNK without a rate; with
 * one, a step if a step is due, else 0 with '*wait_ns' set to the time
 * until one is.  Never more than a step, so that even a backlog leaves
 * in steps, each flushed to the interface before the next is made. */
static uint64_t
frames_due(struct gen *g, uint64_t now, uint64_t *wait_ns)
{
    uint64_t sent = sent_frames(g);
    uint64_t due, step = g->step;

    *wait_ns = 0;
    if (!g->o.rate) {
        return GEN_CHUNK;
    }
    due = g->pace_frames
          + (uint64_t) ((double) (now - g->pace_ns) * g->o.rate
                        / XT_NSEC_PER_SEC);
    if (due > sent + g->max_lag) {
        /* Descheduled for longer than GEN_MAX_LAG_NS: skip what fell due
         * meanwhile and pace afresh from now.  Sending it all back to back
         * would offer the receiver a burst at the generator's full speed,
         * which is not the rate asked for. */
        g->late++;
        g->skipped += due - sent;
        g->pace_ns = now;
        g->pace_frames = sent;
        return step;
    }
    if (due >= sent + step) {
        return step;
    }
    *wait_ns = (uint64_t) ((double) (sent + step - g->pace_frames)
                           * XT_NSEC_PER_SEC / g->o.rate)
               - (now - g->pace_ns);
    return 0;
}

/* Injects until the count, the duration or a signal says stop, printing a
 * line per second.  Returns 0 or a positive errno, with a message
 * printed; '*start' is set to the time of the first frame. */
static int
run(struct gen *g, uint64_t *start)
{
    struct xt_ticker tk;

    *start = xt_now_ns();
    xt_ticker_init(&tk, "gen", "sent", *start);
    pace_init(g, *start);
    while (!xt_stop) {
        uint64_t now = xt_now_ns();
        uint64_t n, wait_ns;
        int error;

        xt_ticker_run(&tk, now, sent_frames(g));
        if (g->o.c.duration_ns && now - *start >= g->o.c.duration_ns) {
            break;
        }
        n = frames_due(g, now, &wait_ns);
        if (g->o.c.count) {
            uint64_t left = g->o.c.count - sent_frames(g);

            if (!left) {
                break;
            }
            n = n < left ? n : left;
        }
        if (!n) {
            xt_sleep_ns(wait_ns < GEN_MAX_SLEEP_NS ? wait_ns
                        : GEN_MAX_SLEEP_NS);
            continue;
        }
        error = inject(g, n);
        if (error && error != EINTR) {
            xt_error("%s: BPF_PROG_RUN: %s", g->o.c.iface, strerror(error));
            return error;
        }
    }
    return 0;
}

/* Fan-out mode: fills the devmap with 'fanout' copies of the output
 * interface, opens the seed socket and attaches bench_fanout to the seed's
 * peer.  Returns 0 or a positive errno, with a message printed; on success
 * fanout_stop() undoes it. */
static int
fanout_start(struct gen *g)
{
    int map_fd = bpf_map__fd(g->skel->maps.fanout_map);
    struct bpf_devmap_val val;
    struct sockaddr_ll sll;
    int one = 1;
    int error;

    memset(&val, 0, sizeof val);
    val.ifindex = g->o.c.ifindex;
    val.bpf_prog.fd = bpf_program__fd(g->skel->progs.bench_stamp);
    for (uint32_t i = 0; i < g->o.fanout; i++) {
        if (bpf_map_update_elem(map_fd, &i, &val, 0)) {
            error = errno;
            xt_error("%s: cannot add to the fan-out map: %s", g->o.c.iface,
                     strerror(error));
            return error;
        }
    }

    g->seed_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (g->seed_fd < 0) {
        error = errno;
        xt_error("AF_PACKET socket: %s", strerror(error));
        return error;
    }
    /* Straight to the veth, past the qdisc. */
    if (setsockopt(g->seed_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
                   sizeof one)) {
        error = errno;
        xt_error("PACKET_QDISC_BYPASS: %s", strerror(error));
        goto out_close;
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = g->o.seed_ifindex;
    if (bind(g->seed_fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        xt_error("%s: bind: %s", g->o.seed, strerror(error));
        goto out_close;
    }
    error = -bpf_xdp_attach(g->o.seed_peer_ifindex,
                            bpf_program__fd(g->skel->progs.bench_fanout),
                            XDP_FLAGS_DRV_MODE, NULL);
    if (error) {
        xt_error("%s: cannot attach the fan-out program: %s", g->o.seed_peer,
                 strerror(error));
        goto out_close;
    }
    return 0;

out_close:
    close(g->seed_fd);
    g->seed_fd = -1;
    return error;
}

/* -H: attaches bench_gen to the idle interface, which keeps it in the XDP
 * dispatcher.  Returns 0 or a positive errno, with a message printed. */
static int
hold_start(struct gen *g)
{
    int error = -bpf_xdp_attach(g->o.hold_ifindex, g->prog_fd,
                                XDP_FLAGS_DRV_MODE
                                | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);

    if (error) {
        xt_error("%s: cannot attach the program to hold it: %s", g->o.hold,
                 strerror(error));
    }
    return error;
}

/* Undoes hold_start(). */
static void
hold_stop(struct gen *g)
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = g->prog_fd);

    bpf_xdp_detach(g->o.hold_ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
                   &opts);
}

/* Undoes fanout_start(). */
static void
fanout_stop(struct gen *g)
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts,
                .old_prog_fd = bpf_program__fd(g->skel->progs.bench_fanout));

    bpf_xdp_detach(g->o.seed_peer_ifindex,
                   XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
    close(g->seed_fd);
    g->seed_fd = -1;
}

int
main(int argc, char *argv[])
{
    uint64_t start, end, sent;
    uint32_t csum_base;
    struct gen g;
    int error;

    xt_program = "xdp-gen";
    memset(&g, 0, sizeof g);
    g.seed_fd = -1;
    parse_options(argc, argv, &g.o);
    if (xt_frame_check_iface(&g.o.f, g.o.c.iface)
        || xt_pin_cpu(g.o.c.cpu)) {
        return 1;
    }
    csum_base = xt_frame_build(&g.o.f, g.frame);

    g.skel = bench_gen__open();
    if (!g.skel) {
        error = errno;
        xt_error("cannot open the XDP program: %s", strerror(error));
        return 1;
    }
    g.skel->rodata->out_ifindex = g.o.c.ifindex;
    g.skel->rodata->csum_base = csum_base;
    g.skel->rodata->udp_csum = g.o.f.udp_csum;
    g.skel->rodata->src_port = g.o.f.src_port;
    g.skel->rodata->flows = g.o.f.flows;
    g.skel->rodata->hold_ifindex = g.o.hold_ifindex;
    error = -bench_gen__load(g.skel);
    if (error) {
        xt_error("cannot load the XDP program: %s", strerror(error));
        goto out_skel;
    }
    g.prog_fd = bpf_program__fd(g.skel->progs.bench_gen);
    if (g.o.fanout) {
        error = fanout_start(&g);
        if (error) {
            goto out_skel;
        }
    }
    if (g.o.hold) {
        error = hold_start(&g);
        if (error) {
            goto out_skel;
        }
    }

    printf("gen: start iface=%s size=%u rate=%llu flows=%u batch=%u "
           "mode=%s fanout=%u\n", g.o.c.iface, g.o.f.size,
           (unsigned long long) g.o.rate, g.o.f.flows, g.o.batch,
           g.o.fanout ? "fanout" : "live-frames", g.o.fanout);
    fflush(stdout);

    xt_catch_signals();
    error = run(&g, &start);
    if (g.o.fanout) {
        /* Let the last seeds through the kernel before counting. */
        xt_sleep_ns(XT_NSEC_PER_SEC / 100);
    }
    end = xt_now_ns();

    sent = sent_frames(&g);
    xt_print_total("gen", "sent", sent, end - start,
                   xt_rate(sent, end - start));
    printf("\n");
    if (g.o.rate) {
        printf("gen: pace rate=%llu step=%u late=%llu skipped=%llu\n",
               (unsigned long long) g.o.rate, g.step,
               (unsigned long long) g.late,
               (unsigned long long) g.skipped);
    }
    fflush(stdout);

    if (g.o.fanout) {
        fanout_stop(&g);
    }
    if (g.o.hold) {
        hold_stop(&g);
    }
out_skel:
    bench_gen__destroy(g.skel);
    return error ? 1 : 0;
}
