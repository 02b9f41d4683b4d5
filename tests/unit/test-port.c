/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of a port's life cycle, netdev/xsk-port.c, and of what it
 * reports, netdev/xsk-report.c.  Needs no root and no OVS; prints TAP
 * (tap.h).
 *
 * The port reaches the kernel through fake ops that record every call in a
 * trace and fail where a case says.  The cases are one table: each row
 * gives the mode requested, the number of queues, whether the device is a
 * veth, the failures to inject (errno per operation) and what must come
 * out: the error or the mode in use and the reason the status gives for
 * it, the words of the failure's reason, and the trace, which pins the
 * fallback order, the multi-buffer retry and the unwind between tries.
 * Every row then checks that nothing is left behind: after a failed
 * start, and after the stop path and teardown of a started port, every
 * program, socket and UMEM created has been destroyed, and the program
 * was freed only once the flow table had let go of it.
 *
 * Further tables drive a started port through steering options and
 * configurations one row after the other, and pin its counters, its status,
 * its configuration, its MTU check and its afxdp/show lines.  The registry
 * of ports is walked, stopped and left as the glue does it, and the whole
 * afxdp/show text is built over real UMEMs (xsk-umem.c's registry, which
 * the text walks) for ports with fake sockets.
 *
 * Trace tokens ('!' marks a call made to fail):
 *
 *     A-drv, A-skb       program attached in native / generic mode
 *     D                  program detached
 *     U, u               UMEM created, destroyed by the sweep
 *     S-zc, S-copy       socket bound zero-copy / copy ("-sg": multi-buffer)
 *     F                  fill ring refilled
 *     M<q>, C<q>         XSKMAP entry of queue <q> set, cleared
 *     dbg, info, warn    a log line of the port */

#include "xsk-port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xsk-features.h"
#include "xsk-prog.h"
#include "xsk-report.h"
#include "tap.h"

#define N_FRAMES 256
#define FRAME_SIZE 4096
#define MAX_UMEMS 4

/* Failures to inject: 0 for none, else the errno to fail with. */
struct faults {
    int attach_drv;             /* Attaching in native mode. */
    int attach_skb;             /* Attaching in generic mode. */
    int bind_zc;                /* Binding a socket zero-copy. */
    int bind_sg;                /* Binding with XDP_USE_SG. */
    int umem;                   /* Creating a UMEM. */
    int sock_q1;                /* Creating the socket of queue 1. */
    int map_q1;                 /* Setting queue 1's XSKMAP entry. */
    int flows;                  /* Writing the flow table. */
    int set_steer;              /* Writing steering rules. */
    int steer_counts;           /* Reading the steering hits. */
    int xdp_stats_q1;           /* Reading queue 1's kernel counters. */
    int is_veth;                /* Reading the device's kind. */
};

/* What the fake kernel has seen. */
static struct {
    struct faults f;
    const struct xsk_port *port;
    char trace[512];
    int progs, socks, umems;    /* Alive. */
    int progs_made, socks_made, umems_made;
    int freed_in_use;           /* Programs freed while the flow table
                                 * still wrote to them. */
    struct xsk_umem_pool *umem[MAX_UMEMS];
    char last_log[256];         /* The last log line's text. */
    uint64_t dev_features;      /* What the port's device reports. */
    bool dev_veth;
} k;

static void
trace(const char *token, int error)
{
    size_t len = strlen(k.trace);

    snprintf(k.trace + len, sizeof k.trace - len, "%s%s%s",
             len ? " " : "", token, error ? "!" : "");
}

static int
fake_prog_attach(int ifindex, bool generic, const struct xsk_steer *steer,
                 struct xsk_prog **progp, char **errp)
{
    int error = generic ? k.f.attach_skb : k.f.attach_drv;

    (void) steer;
    trace(generic ? "A-skb" : "A-drv", error);
    if (error) {
        xsk_set_err(errp, "cannot attach the XDP program to ifindex %d: %s",
                    ifindex, strerror(error));
        return error;
    }
    *progp = calloc(1, sizeof **progp);
    (*progp)->ifindex = ifindex;
    k.progs++;
    k.progs_made++;
    return 0;
}

static void
fake_prog_detach(struct xsk_prog *prog)
{
    trace("D", 0);
    if (k.port && k.port->flows.table->backend) {
        k.freed_in_use++;
    }
    free(prog);
    k.progs--;
}

static int
fake_prog_set_queue(struct xsk_prog *prog, uint32_t queue_id, int fd)
{
    int error = queue_id == 1 ? k.f.map_q1 : 0;
    char token[16];

    (void) prog;
    (void) fd;
    snprintf(token, sizeof token, "M%u", queue_id);
    trace(token, error);
    return error;
}

static void
fake_prog_clear_queue(struct xsk_prog *prog, uint32_t queue_id)
{
    char token[16];

    (void) prog;
    snprintf(token, sizeof token, "C%u", queue_id);
    trace(token, 0);
}

static int
fake_prog_set_steer(struct xsk_prog *prog, const struct xsk_steer *steer)
{
    (void) prog;
    (void) steer;
    return k.f.set_steer;
}

/* Rule i has 100 + i hits, the host 99. */
static int
fake_prog_steer_counts(const struct xsk_prog *prog,
                       uint64_t counts[XSK_STEER_N_COUNTS])
{
    (void) prog;
    if (k.f.steer_counts) {
        return k.f.steer_counts;
    }
    for (int i = 0; i < XSK_STEER_N_COUNTS; i++) {
        counts[i] = 100 + i;
    }
    counts[XSK_STEER_TO_HOST] = 99;
    return 0;
}

static int
fake_masks_put(void *aux, const struct xsk_flow_mask_list *list)
{
    (void) aux;
    (void) list;
    return k.f.flows;
}

static const struct xsk_flow_backend fake_flow_backend = {
    .masks_put = fake_masks_put,
};

static int
fake_sock_create(struct xsk_umem_pool *umem, const struct xsk_sock_cfg *cfg,
                 struct xsk_sock **sockp, char **errp)
{
    uint32_t flags = umem->key.bind_flags;
    bool zc = flags & XDP_ZEROCOPY;
    bool sg = flags & XDP_USE_SG;
    int error = zc && k.f.bind_zc ? k.f.bind_zc
                : sg && k.f.bind_sg ? k.f.bind_sg
                : cfg->queue_id == 1 ? k.f.sock_q1
                : 0;
    struct xsk_sock *sock;
    char token[16];

    snprintf(token, sizeof token, "S-%s%s", zc ? "zc" : "copy",
             sg ? "-sg" : "");
    trace(token, error);
    if (error) {
        xsk_set_err(errp, "cannot bind the socket of queue %u: %s",
                    cfg->queue_id, strerror(error));
        return error;
    }
    sock = calloc(1, sizeof *sock);
    sock->umem = umem;
    sock->fd = 100 + cfg->queue_id;
    sock->queue_id = cfg->queue_id;
    sock->zerocopy = zc;
    sock->sg = sg;
    umem->n_socks++;
    *sockp = sock;
    k.socks++;
    k.socks_made++;
    return 0;
}

static void
fake_sock_destroy(struct xsk_sock *sock)
{
    sock->umem->n_socks--;
    free(sock);
    k.socks--;
}

static void
fake_sock_refill(struct xsk_sock *sock)
{
    (void) sock;
    trace("F", 0);
}

/* The kernel's counters of queue q: 1000 * (q + 1) plus the field's
 * number. */
static int
fake_sock_xdp_stats(const struct xsk_sock *sock, struct xdp_statistics *xs)
{
    uint64_t base = 1000 * (sock->queue_id + 1);

    if (sock->queue_id == 1 && k.f.xdp_stats_q1) {
        return k.f.xdp_stats_q1;
    }
    memset(xs, 0, sizeof *xs);
    xs->rx_dropped = base + 1;
    xs->rx_invalid_descs = base + 2;
    xs->tx_invalid_descs = base + 3;
    xs->rx_ring_full = base + 4;
    xs->rx_fill_ring_empty_descs = base + 5;
    xs->tx_ring_empty_descs = base + 6;
    return 0;
}

static bool
fake_tx_md_supported(void)
{
    return false;
}

static int
fake_umem_get(const struct xsk_umem_key *key,
              const struct xsk_umem_meta *meta, struct xsk_umem_pool **umemp)
{
    struct xsk_umem_pool *umem;
    int free_id = -1;

    (void) meta;

    for (int i = 0; i < MAX_UMEMS; i++) {
        if (k.umem[i] && !memcmp(&k.umem[i]->key, key, sizeof *key)) {
            *umemp = k.umem[i];
            return 0;
        }
        if (!k.umem[i] && free_id < 0) {
            free_id = i;
        }
    }
    trace("U", k.f.umem);
    if (k.f.umem) {
        return k.f.umem;
    }
    XSK_ASSERT(free_id >= 0);
    umem = calloc(1, sizeof *umem);
    umem->key = *key;
    umem->id = free_id;
    k.umem[free_id] = umem;
    k.umems++;
    k.umems_made++;
    *umemp = umem;
    return 0;
}

static unsigned int
fake_umem_sweep(void)
{
    unsigned int n = 0;

    for (int i = 0; i < MAX_UMEMS; i++) {
        if (k.umem[i] && !k.umem[i]->n_socks) {
            trace("u", 0);
            free(k.umem[i]);
            k.umem[i] = NULL;
            k.umems--;
            n++;
        }
    }
    return n;
}

static void
fake_log(const struct xsk_port *port, enum xsk_port_log_level level,
         const char *msg)
{
    (void) port;
    snprintf(k.last_log, sizeof k.last_log, "%s", msg);
    trace(level == XSK_PORT_LOG_DBG ? "dbg"
          : level == XSK_PORT_LOG_INFO ? "info" : "warn", 0);
}

static int
fake_dev_xdp_features(int ifindex, uint64_t *features)
{
    (void) ifindex;
    *features = k.dev_features;
    return 0;
}

static int
fake_dev_is_veth(int ifindex, bool *is_veth)
{
    (void) ifindex;
    *is_veth = k.dev_veth;
    return k.f.is_veth;
}

static const struct xsk_port_ops fake_ops = {
    .prog_attach = fake_prog_attach,
    .prog_detach = fake_prog_detach,
    .prog_set_queue = fake_prog_set_queue,
    .prog_clear_queue = fake_prog_clear_queue,
    .prog_set_steer = fake_prog_set_steer,
    .prog_steer_counts = fake_prog_steer_counts,
    .flow_backend = &fake_flow_backend,
    .sock_create = fake_sock_create,
    .sock_destroy = fake_sock_destroy,
    .sock_refill = fake_sock_refill,
    .sock_xdp_stats = fake_sock_xdp_stats,
    .tx_md_supported = fake_tx_md_supported,
    .dev_xdp_features = fake_dev_xdp_features,
    .dev_is_veth = fake_dev_is_veth,
    .umem_get = fake_umem_get,
    .umem_sweep = fake_umem_sweep,
    .log = fake_log,
};

/* The veth peer's MTU that fake_dev_peer_mtu() reads, and its error. */
static int fake_peer_mtu;
static int fake_peer_error;

static int
fake_dev_peer_mtu(int ifindex, int *mtu)
{
    (void) ifindex;
    *mtu = fake_peer_error ? 0 : fake_peer_mtu;
    return fake_peer_error;
}

struct port_case {
    const char *name;
    enum xsk_mode mode;         /* Requested. */
    int n_rxq;
    int ifindex;                /* Negative: a negative errno. */
    struct faults f;

    int want_error;             /* 0: the port must start... */
    enum xsk_mode want_mode;    /* ...in this mode. */
    const char *want_words;     /* In the reason, on failure. */
    bool want_sg_refused;
    const char *want_trace;

    bool veth;                  /* The device is a veth. */
    const char *want_reason;    /* 'mode_reason' on success (NULL: not
                                 * checked). */
};

#define EV EOPNOTSUPP

static const struct port_case cases[] = {
    { "best-effort: native zero-copy", XSK_MODE_BEST_EFFORT, 1, 7, { 0 },
      0, XSK_MODE_NATIVE_ZC, NULL, false,
      "A-drv U S-zc-sg F M0", false, "native-with-zerocopy (best-effort)" },
    { "best-effort: no zero-copy, native copy", XSK_MODE_BEST_EFFORT, 1, 7,
      { .bind_zc = EV },
      0, XSK_MODE_NATIVE, NULL, false,
      "A-drv U S-zc-sg! dbg D u A-drv U S-copy-sg F M0", false,
      "native (best-effort, after native-with-zerocopy failed)" },
    { "best-effort: no native XDP, generic", XSK_MODE_BEST_EFFORT, 1, 7,
      { .attach_drv = EV },
      0, XSK_MODE_GENERIC, NULL, false,
      "A-drv! dbg A-drv! dbg A-skb U S-copy-sg F M0", false,
      "generic (best-effort, after native-with-zerocopy and native "
      "failed)" },
    { "best-effort: nothing works, the last reason", XSK_MODE_BEST_EFFORT,
      1, 7, { .attach_drv = EV, .attach_skb = EPERM },
      EPERM, 0, "cannot attach the XDP program to ifindex 7", false,
      "A-drv! dbg A-drv! dbg A-skb! dbg", false, NULL },
    { "native-zc: no fallback to copy", XSK_MODE_NATIVE_ZC, 1, 7,
      { .bind_zc = EV },
      EV, 0, "cannot bind the socket of queue 0", false,
      "A-drv U S-zc-sg! dbg D u", false, NULL },
    { "native: attach refused, no fallback", XSK_MODE_NATIVE, 1, 7,
      { .attach_drv = EV },
      EV, 0, "cannot attach", false,
      "A-drv! dbg", false, NULL },
    { "generic: attaches in generic mode", XSK_MODE_GENERIC, 2, 7, { 0 },
      0, XSK_MODE_GENERIC, NULL, false,
      "A-skb U S-copy-sg F M0 S-copy-sg F M1", false, "generic (requested)" },
    { "native: multi-buffer refused, again without", XSK_MODE_NATIVE, 2, 7,
      { .bind_sg = EINVAL },
      0, XSK_MODE_NATIVE, NULL, true,
      "A-drv U S-copy-sg! info D u A-drv U S-copy F M0 S-copy F M1",
      false, NULL },
    { "best-effort: no zero-copy, then multi-buffer refused",
      XSK_MODE_BEST_EFFORT, 1, 7, { .bind_zc = EV, .bind_sg = EINVAL },
      0, XSK_MODE_NATIVE, NULL, true,
      "A-drv U S-zc-sg! dbg D u A-drv U S-copy-sg! info D u "
      "A-drv U S-copy F M0", false, NULL },
    { "multi-buffer refused with another errno: no retry", XSK_MODE_NATIVE,
      1, 7, { .bind_sg = EOPNOTSUPP },
      EOPNOTSUPP, 0, "cannot bind the socket of queue 0", false,
      "A-drv U S-copy-sg! dbg D u", false, NULL },
    { "EINVAL on a later socket is not a multi-buffer refusal",
      XSK_MODE_NATIVE, 2, 7, { .sock_q1 = EINVAL },
      EINVAL, 0, "cannot bind the socket of queue 1", false,
      "A-drv U S-copy-sg F M0 S-copy-sg! dbg C0 D u", false, NULL },
    { "best-effort: queue 1 fails in every mode, each try unwound",
      XSK_MODE_BEST_EFFORT, 2, 7, { .sock_q1 = EBUSY },
      EBUSY, 0, "cannot bind the socket of queue 1", false,
      "A-drv U S-zc-sg F M0 S-zc-sg! dbg C0 D u "
      "A-drv U S-copy-sg F M0 S-copy-sg! dbg C0 D u "
      "A-skb U S-copy-sg F M0 S-copy-sg! dbg C0 D u", false, NULL },
    { "XSKMAP full on queue 1: all unwound", XSK_MODE_GENERIC, 2, 7,
      { .map_q1 = ENOSPC },
      ENOSPC, 0, "cannot add queue 1 to the XSKMAP", false,
      "A-skb U S-copy-sg F M0 S-copy-sg F M1! dbg C0 C1 D u", false, NULL },
    { "no UMEM: the program goes", XSK_MODE_NATIVE, 1, 7,
      { .umem = ENOMEM },
      ENOMEM, 0, "cannot create a UMEM of 256 frames", false,
      "A-drv U! dbg D", false, NULL },
    { "flow table refused: a warning, not a failure", XSK_MODE_NATIVE, 1, 7,
      { .flows = ENOSPC },
      0, XSK_MODE_NATIVE, NULL, false,
      "A-drv warn U S-copy-sg F M0", false, NULL },
    { "no interface: nothing tried", XSK_MODE_BEST_EFFORT, 1, -ENODEV,
      { 0 },
      ENODEV, 0, "cannot find the interface", false,
      "", false, NULL },

    /* On a veth. */
    { "veth, best-effort: generic first", XSK_MODE_BEST_EFFORT, 1, 7,
      { 0 },
      0, XSK_MODE_GENERIC, NULL, false,
      "A-skb U S-copy-sg F M0", true, "generic (best-effort on veth)" },
    { "veth, best-effort: no generic XDP, native copy (never zero-copy)",
      XSK_MODE_BEST_EFFORT, 1, 7, { .attach_skb = EV },
      0, XSK_MODE_NATIVE, NULL, false,
      "A-skb! dbg A-drv U S-copy-sg F M0", true,
      "native (best-effort on veth, after generic failed)" },
    { "veth, best-effort: nothing works, the last reason",
      XSK_MODE_BEST_EFFORT, 1, 7, { .attach_skb = EV, .attach_drv = EPERM },
      EPERM, 0, "cannot attach the XDP program to ifindex 7", false,
      "A-skb! dbg A-drv! dbg", true, NULL },
    { "veth, best-effort: multi-buffer refused in generic, again without",
      XSK_MODE_BEST_EFFORT, 1, 7, { .bind_sg = EINVAL },
      0, XSK_MODE_GENERIC, NULL, true,
      "A-skb U S-copy-sg! info D u A-skb U S-copy F M0", true,
      "generic (best-effort on veth)" },
    { "veth, best-effort, 2 queues: native first", XSK_MODE_BEST_EFFORT, 2,
      7, { 0 },
      0, XSK_MODE_NATIVE, NULL, false,
      "A-drv U S-copy-sg F M0 S-copy-sg F M1", true,
      "native (best-effort on veth, several queues)" },
    { "veth, best-effort, 2 queues: no native XDP, generic",
      XSK_MODE_BEST_EFFORT, 2, 7, { .attach_drv = EV },
      0, XSK_MODE_GENERIC, NULL, false,
      "A-drv! dbg A-skb U S-copy-sg F M0 S-copy-sg F M1", true,
      "generic (best-effort on veth, several queues, after native "
      "failed)" },
    { "veth, native requested: native", XSK_MODE_NATIVE, 1, 7, { 0 },
      0, XSK_MODE_NATIVE, NULL, false,
      "A-drv U S-copy-sg F M0", true, "native (requested)" },
    { "veth, generic requested, 2 queues: generic", XSK_MODE_GENERIC, 2, 7,
      { 0 },
      0, XSK_MODE_GENERIC, NULL, false,
      "A-skb U S-copy-sg F M0 S-copy-sg F M1", true, "generic (requested)" },
    { "veth, native-zc requested: tried, refused, no fallback",
      XSK_MODE_NATIVE_ZC, 1, 7, { .bind_zc = EV },
      EV, 0, "cannot bind the socket of queue 0", false,
      "A-drv U S-zc-sg! dbg D u", true, NULL },
    { "device kind unreadable: best-effort as on any device",
      XSK_MODE_BEST_EFFORT, 1, 7, { .is_veth = ENODEV },
      0, XSK_MODE_NATIVE_ZC, NULL, false,
      "A-drv U S-zc-sg F M0", true, "native-with-zerocopy (best-effort)" },
};

static void
opts_for(const struct port_case *c, struct xsk_opts *o)
{
    xsk_opts_init(o);
    o->mode = c->mode;
    o->n_rxq = c->n_rxq;
    o->frame_size = FRAME_SIZE;
    o->umem_frames = N_FRAMES;
    o->tx_csum = false;
}

/* Checks that every program, socket and UMEM made has been destroyed. */
static void
check_no_leak(const char *when)
{
    CHECK(!k.progs, "%s: %d program(s) of %d left", when, k.progs,
          k.progs_made);
    CHECK(!k.socks, "%s: %d socket(s) of %d left", when, k.socks,
          k.socks_made);
    CHECK(!k.umems, "%s: %d UMEM(s) of %d left", when, k.umems,
          k.umems_made);
    CHECK(!k.freed_in_use, "%s: a program freed while the flow table "
          "wrote to it", when);
}

/* Starts a port as case 'c' says and checks the outcome; 'stop_first'
 * takes the fatal-signal path (xsk_port_stop()) before the teardown. */
static void
run_case(const struct port_case *c, bool stop_first)
{
    struct xsk_port port;
    struct xsk_opts o;
    char *msg = NULL;
    int error;

    memset(&k, 0, sizeof k);
    k.f = c->f;
    k.dev_veth = c->veth;
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    opts_for(c, &o);

    error = xsk_port_start(&port, c->ifindex, &o, &msg);
    CHECK(error == c->want_error, "error %d (%s), want %d", error,
          msg ? msg : "no reason", c->want_error);
    CHECK(!strcmp(k.trace, c->want_trace), "trace \"%s\", want \"%s\"",
          k.trace, c->want_trace);
    CHECK(port.sg_refused == c->want_sg_refused, "sg_refused %d",
          port.sg_refused);
    CHECK(port.n_queues == c->n_rxq, "%d queue(s), want %d", port.n_queues,
          c->n_rxq);
    if (c->want_sg_refused) {
        CHECK(xsk_port_max_mtu(&port, FRAME_SIZE) == FRAME_SIZE - 256 - 18,
              "max MTU %d", xsk_port_max_mtu(&port, FRAME_SIZE));
    } else {
        CHECK(xsk_port_max_mtu(&port, FRAME_SIZE) == 9000, "max MTU %d",
              xsk_port_max_mtu(&port, FRAME_SIZE));
    }

    if (error) {
        CHECK(msg && strstr(msg, c->want_words), "reason \"%s\", want "
              "\"%s\"", msg ? msg : "(none)", c->want_words);
        CHECK(!port.prog, "a program is left");
        CHECK(!port.mode_reason[0], "a mode reason after a failed start: "
              "%s", port.mode_reason);
        for (int i = 0; i < port.n_queues; i++) {
            CHECK(!port.queues[i].sock, "queue %d has a socket", i);
        }
        check_no_leak("after the failed start");
    } else {
        CHECK(!msg, "a reason on success: %s", msg);
        CHECK(port.mode_in_use == c->want_mode, "mode %s, want %s",
              xsk_mode_name(port.mode_in_use), xsk_mode_name(c->want_mode));
        CHECK(!c->want_reason || !strcmp(port.mode_reason, c->want_reason),
              "mode reason \"%s\", want \"%s\"", port.mode_reason,
              c->want_reason);
        CHECK(k.progs == 1 && k.socks == c->n_rxq && k.umems == 1,
              "%d program(s), %d socket(s), %d UMEM(s) alive", k.progs,
              k.socks, k.umems);
        CHECK(port.flows.table->backend == &fake_flow_backend || c->f.flows,
              "the flow table is not attached");
        CHECK(port.flows.ifindex == c->ifindex && port.flows.has_skb_path,
              "the flow API sees ifindex %d (skb path %d), want %d",
              port.flows.ifindex, port.flows.has_skb_path, c->ifindex);
        if (stop_first) {
            xsk_port_stop(&port);
            CHECK(!k.progs && !port.prog, "the stop path left the program");
            CHECK(!port.flows.table->backend,
                  "the flow table is still attached");
            CHECK(port.flows.ifindex == -1 && !port.flows.has_skb_path,
                  "after stop the flow API sees ifindex %d (skb path %d)",
                  port.flows.ifindex, port.flows.has_skb_path);
            CHECK(k.socks == c->n_rxq, "the stop path closed sockets");
            xsk_port_stop(&port);
        }
    }
    k.trace[0] = '\0';
    xsk_port_teardown(&port);
    check_no_leak("after teardown");
    CHECK(!port.n_queues && !port.queues, "queues left after teardown");
    if (!error && !stop_first) {
        char want[64] = "";

        for (int i = 0; i < c->n_rxq; i++) {
            size_t len = strlen(want);

            snprintf(want + len, sizeof want - len, "C%d ", i);
        }
        strcat(want, "D u");
        CHECK(!strcmp(k.trace, want), "teardown trace \"%s\", want \"%s\"",
              k.trace, want);
    }
    xsk_port_uninit(&port);
    free(msg);
    tap_group("%s%s", c->name, stop_first ? " (stop, then teardown)" : "");
}

/* A port that restarts reuses nothing of its last set-up but its
 * multi-buffer refusal: the second start binds without XDP_USE_SG at
 * once. */
static void
test_restart(void)
{
    struct xsk_port port;
    struct xsk_opts o;
    char *msg = NULL;

    memset(&k, 0, sizeof k);
    k.f.bind_sg = EINVAL;
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    opts_for(&cases[0], &o);
    o.mode = XSK_MODE_GENERIC;
    CHECK(!xsk_port_start(&port, 3, &o, &msg), "first start: %s", msg);
    k.trace[0] = '\0';
    CHECK(!xsk_port_start(&port, 3, &o, &msg), "second start: %s", msg);
    CHECK(!strcmp(k.trace, "C0 D u A-skb U S-copy F M0"),
          "restart trace \"%s\"", k.trace);
    CHECK(k.progs == 1 && k.socks == 1 && k.umems == 1,
          "%d program(s), %d socket(s), %d UMEM(s) alive", k.progs, k.socks,
          k.umems);
    xsk_port_teardown(&port);
    check_no_leak("after teardown");
    xsk_port_uninit(&port);
    free(msg);
    tap_group("restart: teardown first, multi-buffer refusal kept");
}

/* Steering rules are written into the program only while one is
 * attached, and kept for the next. */
static void
test_steer_kept(void)
{
    struct xsk_steer steer;
    struct xsk_port port;

    memset(&k, 0, sizeof k);
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    xsk_steer_init(&steer);
    steer.mode = XSK_STEER_MATCH;
    CHECK(!xsk_port_set_steer(&port, &steer), "stopped port refused rules");
    CHECK(port.steer.mode == steer.mode, "rules not kept");
    xsk_port_uninit(&port);
    tap_group("steering rules kept while stopped");
}

/* Starts 'port' in generic mode with 'n_rxq' queues over the fakes. */
static void
start_port(struct xsk_port *port, int n_rxq)
{
    struct xsk_opts o;
    char *msg = NULL;

    memset(&k, 0, sizeof k);
    k.port = port;
    xsk_port_init(port, "p0", &fake_ops, NULL);
    opts_for(&cases[0], &o);
    o.mode = XSK_MODE_GENERIC;
    o.n_rxq = n_rxq;
    CHECK(!xsk_port_start(port, 7, &o, &msg), "start: %s", msg);
    free(msg);
}

static void
stop_port(struct xsk_port *port)
{
    xsk_port_teardown(port);
    check_no_leak("after teardown");
    xsk_port_uninit(port);
}

/* Steering options given one after the other to a started port: what
 * comes into force, what is refused and why, and whether the port says
 * something changed (the glue then tells OVS). */
static void
test_configure_steer(void)
{
    static const struct {
        const char *rules, *mode;
        int set_steer;          /* The program refuses the rules. */
        bool want_changed;
        const char *want_error; /* In 'steer_error', NULL: none. */
        uint32_t want_rules;    /* In force after the row. */
        const char *want_log;   /* The row's log line, "": none. */
    } rows[] = {
        { "icmp,arp", "match", 0, true, NULL, 2,
          "steering mode match, 2 rule(s)" },
        { "icmp,arp", "match", 0, false, NULL, 2, "" },
        { "icmp,nonsense", "match", 0, true, "nonsense", 2,
          "; the previous steering rules stay in force" },
        { "icmp,nonsense", "match", 0, true, "nonsense", 2,
          "; the previous steering rules stay in force" },
        { "icmp,arp", "match", 0, true, NULL, 2, "" },
        { "udp:4789", "match", EPERM, true, "cannot write the steering "
          "rules into the XDP program: Operation not permitted", 2,
          "; the previous steering rules stay in force" },
        { "udp:4789", "match", 0, true, NULL, 1,
          "steering mode match, 1 rule(s)" },
        { NULL, NULL, 0, true, NULL, 0, "steering mode all, 0 rule(s)" },
        { NULL, NULL, 0, false, NULL, 0, "" },
    };
    struct xsk_port port;

    start_port(&port, 1);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        bool changed;

        k.f.set_steer = rows[i].set_steer;
        k.last_log[0] = '\0';
        changed = xsk_port_configure_steer(&port, rows[i].rules,
                                           rows[i].mode);
        CHECK(changed == rows[i].want_changed, "row %zu: changed %d", i,
              changed);
        if (rows[i].want_error) {
            CHECK(port.steer_error
                  && strstr(port.steer_error, rows[i].want_error),
                  "row %zu: refusal \"%s\", want \"%s\"", i,
                  port.steer_error ? port.steer_error : "(none)",
                  rows[i].want_error);
        } else {
            CHECK(!port.steer_error, "row %zu: refused: %s", i,
                  port.steer_error);
        }
        CHECK(port.steer.n_rules == rows[i].want_rules,
              "row %zu: %u rule(s) in force, want %u", i,
              port.steer.n_rules, rows[i].want_rules);
        CHECK(rows[i].want_log[0] ? strstr(k.last_log, rows[i].want_log)
                                  != NULL
                                  : !k.last_log[0],
              "row %zu: log \"%s\", want \"%s\"", i, k.last_log,
              rows[i].want_log);
    }
    stop_port(&port);
    tap_group("steering options: applied, kept, refused with the reason");
}

/* Sets distinct counters on queue 'q' of 'port': the receive path's
 * 10 * (q + 1) plus the field's number, the sender's 20 * (q + 1) plus, the
 * socket's 30 * (q + 1) plus. */
static void
set_queue_counters(struct xsk_port *port, int q)
{
    struct xsk_rx_stats *rx = &port->queues[q].rx.stats;
    struct xsk_tx_stats *tx = &port->queues[q].tx_stats;
    struct xsk_sock_stats *ss = &port->queues[q].sock->stats;
    uint64_t r = 10 * (q + 1), t = 20 * (q + 1), s = 30 * (q + 1);

    *rx = (struct xsk_rx_stats) {
        .packets = r + 1, .bytes = r + 2, .csum_fixed = r + 3,
        .csum_partial = r + 4, .chains = r + 5, .super_packets = r + 6,
        .gso_segments = r + 7, .dropped = r + 8, .super_whole = r + 9,
    };
    *tx = (struct xsk_tx_stats) {
        .packets = t + 1, .bytes = t + 2, .dropped = t + 3, .too_big = t + 4,
        .ring_full = t + 5, .no_frame = t + 6, .zero_copy = t + 7,
        .copied = t + 8, .zero_copy_chains = t + 9, .copied_chains = t + 10,
        .csum_offloaded = t + 11, .csum_finished = t + 12,
        .gso_packets = t + 13, .gso_failed = t + 14,
        .coal_runs = t + 15, .coal_segments = t + 16, .coal_failed = t + 17,
        .geneve_runs = t + 18, .geneve_packets = t + 19,
    };
    *ss = (struct xsk_sock_stats) {
        .rx_packets = s + 1, .tx_packets = s + 2, .tx_busy = s + 3,
        .tx_ring_full = s + 4, .fill_empty = s + 5, .kicks = s + 6,
    };
}

/* The named counters of a 2-queue port whose queue 1's kernel counters
 * cannot be read (its "xsk_queue_1_*" are left out), with one steering
 * rule; then the totals. */
static void
test_counters(void)
{
    static const struct xsk_counter want[] = {
        { "xsk_queue_0_rx_dropped", 1001 },
        { "xsk_queue_0_rx_invalid_descs", 1002 },
        { "xsk_queue_0_tx_invalid_descs", 1003 },
        { "xsk_queue_0_rx_ring_full", 1004 },
        { "xsk_queue_0_rx_fill_ring_empty_descs", 1005 },
        { "xsk_queue_0_rx_packets", 11 },
        { "xsk_queue_0_rx_descs", 31 },
        { "tx_zero_copy_packets", 27 + 47 },
        { "tx_copied_packets", 28 + 48 },
        { "tx_zero_copy_multi_buffer_packets", 29 + 49 },
        { "tx_copied_multi_buffer_packets", 30 + 50 },
        { "rx_checksum_fixed", 13 + 23 },
        { "rx_checksum_partial", 14 + 24 },
        { "tx_checksum_offloaded", 31 + 51 },
        { "tx_checksum_finished", 32 + 52 },
        { "tx_busy_drops", 33 + 63 },
        { "tx_ring_full_drops", 34 + 64 },
        { "fill_ring_starved", 35 + 65 },
        { "rx_multi_buffer_packets", 15 + 25 },
        { "rx_gso_super_packets", 16 + 26 },
        { "rx_gso_segments", 17 + 27 },
        { "rx_gso_whole_packets", 19 + 29 },
        { "tx_gso_packets", 33 + 53 },
        { "tx_gso_failed", 34 + 54 },
        { "tx_coalesced_super_packets", 35 + 55 },
        { "tx_coalesced_segments", 36 + 56 },
        { "tx_coalesce_failed", 37 + 57 },
        { "tx_geneve_super_packets", 38 + 58 },
        { "tx_geneve_coalesced_packets", 39 + 59 },
        { "xdp_steer_rule_0_packets", 100 },
        { "xdp_steer_to_host_packets", 99 },
    };
    struct xsk_port_totals t;
    struct xsk_port port;
    struct xsk_counter *c;
    size_t n;

    start_port(&port, 2);
    k.f.xdp_stats_q1 = EBADF;
    set_queue_counters(&port, 0);
    set_queue_counters(&port, 1);
    CHECK(xsk_port_configure_steer(&port, "icmp", "match"), "rules");

    c = calloc(xsk_port_max_counters(&port), sizeof *c);
    n = xsk_port_counters(&port, c);
    CHECK(n == XSK_ARRAY_SIZE(want), "%zu counters, want %zu", n,
          XSK_ARRAY_SIZE(want));
    for (size_t i = 0; i < n && i < XSK_ARRAY_SIZE(want); i++) {
        CHECK(!strcmp(c[i].name, want[i].name) && c[i].value == want[i].value,
              "counter %zu: %s=%llu, want %s=%llu", i, c[i].name,
              (unsigned long long) c[i].value, want[i].name,
              (unsigned long long) want[i].value);
    }
    CHECK(n <= xsk_port_max_counters(&port), "more counters than room");

    /* Without readable hits the steering counters are left out. */
    k.f.steer_counts = EIO;
    n = xsk_port_counters(&port, c);
    CHECK(n == XSK_ARRAY_SIZE(want) - 2, "%zu counters without hits", n);
    free(c);

    /* With the most rules there are, every counter still has room (the
     * room was once two short), and both queues' kernel counters. */
    k.f.steer_counts = 0;
    k.f.xdp_stats_q1 = 0;
    {
        char rules[XSK_STEER_MAX_RULES * 10] = "";

        for (int i = 1; i <= XSK_STEER_MAX_RULES; i++) {
            sprintf(rules + strlen(rules), "%stcp:%d", i > 1 ? "," : "", i);
        }
        CHECK(xsk_port_configure_steer(&port, rules, "match"), "%d rules",
              XSK_STEER_MAX_RULES);
    }
    c = calloc(xsk_port_max_counters(&port), sizeof *c);
    n = xsk_port_counters(&port, c);
    CHECK(n == XSK_ARRAY_SIZE(want) + 6 + XSK_STEER_MAX_RULES
          && n <= xsk_port_max_counters(&port),
          "%zu counters with %d rules, room for %zu", n, XSK_STEER_MAX_RULES,
          xsk_port_max_counters(&port));
    free(c);
    k.f.xdp_stats_q1 = EBADF;

    xsk_port_totals(&port, &t);
    CHECK(t.rx.packets == 11 + 21 && t.rx.dropped == 18 + 28
          && t.tx.packets == 21 + 41 && t.tx.dropped == 23 + 43
          && t.sock.tx_busy == 33 + 63 && t.sock.kicks == 36 + 66,
          "totals of both queues: rx %llu/%llu tx %llu/%llu busy %llu",
          (unsigned long long) t.rx.packets,
          (unsigned long long) t.rx.dropped,
          (unsigned long long) t.tx.packets,
          (unsigned long long) t.tx.dropped,
          (unsigned long long) t.sock.tx_busy);
    CHECK(t.xdp.rx_dropped == 1001 && t.xdp.rx_ring_full == 1004
          && t.xdp.rx_invalid_descs == 1002
          && t.xdp.tx_invalid_descs == 1003,
          "kernel counters of queue 0 only: %llu",
          (unsigned long long) t.xdp.rx_dropped);
    stop_port(&port);
    tap_group("named counters and totals of a port, summed once");
}

/* The counters OVS shows for the interface, and the "afxdp/stats" text,
 * of a 2-queue port: one row per summary field. */
static void
test_summary(void)
{
    static const struct {
        const char *name;
        size_t offset;
        uint64_t want;
    } rows[] = {
#define ROW(NAME, WANT) \
        { #NAME, offsetof(struct xsk_port_summary, NAME), WANT }
        ROW(rx_packets, 11 + 21),
        ROW(rx_bytes, 12 + 22),
        ROW(rx_dropped, (18 + 28) + (1001 + 2001) + (1004 + 2004)),
        ROW(rx_errors, 1002 + 2002),
        ROW(tx_packets, 21 + 41),
        ROW(tx_bytes, 22 + 42),
        ROW(tx_dropped, (23 + 43) + (33 + 63)),
        ROW(tx_errors, 1003 + 2003),
#undef ROW
    };
    struct xsk_port_summary sum;
    struct xsk_counter *c;
    struct xsk_port port;
    char *text, *line;
    size_t n_lines = 0;
    size_t n_counters;

    start_port(&port, 2);
    set_queue_counters(&port, 0);
    set_queue_counters(&port, 1);
    xsk_port_summary(&port, &sum);
    text = xsk_report_stats(&port);
    line = text;
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        uint64_t got = *(uint64_t *) ((char *) &sum + rows[i].offset);
        char want[64];

        CHECK(got == rows[i].want, "%s=%llu, want %llu", rows[i].name,
              (unsigned long long) got, (unsigned long long) rows[i].want);
        snprintf(want, sizeof want, "%s=%llu\n", rows[i].name,
                 (unsigned long long) rows[i].want);
        CHECK(!strncmp(line, want, strlen(want)), "line %zu: \"%.40s\", "
              "want \"%s\"", i, line, want);
        line = strchr(line, '\n');
        line = line ? line + 1 : "";
    }
    for (const char *p = text; *p; p++) {
        n_lines += *p == '\n';
    }
    c = calloc(xsk_port_max_counters(&port), sizeof *c);
    n_counters = xsk_port_counters(&port, c);
    free(c);
    CHECK(n_lines == XSK_ARRAY_SIZE(rows) + n_counters,
          "%zu lines: the summary, then the %zu named counters", n_lines,
          n_counters);
    CHECK(strstr(text, "\ntx_copied_packets=76\n"), "a named counter: %s",
          text);
    free(text);
    stop_port(&port);
    tap_group("afxdp/stats: the interface's counters, then the named ones");
}

/* Returns what 'write' wrote to a memory stream (caller frees). */
static char *
report(void (*write)(struct xsk_port *, FILE *), struct xsk_port *port)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    XSK_ASSERT(f);
    write(port, f);
    fclose(f);
    return buf;
}

static void
write_queues(struct xsk_port *port, FILE *f)
{
    xsk_report_queues(port, port->umem, f);
}

static void
write_steer(struct xsk_port *port, FILE *f)
{
    xsk_report_steer(port, f);
}

static void
write_flows(struct xsk_port *port, FILE *f)
{
    xsk_report_flows(port, f);
}

static void
write_umem(struct xsk_port *port, FILE *f)
{
    struct xsk_places p = { 1, 2, 3, 4, 5, 6, 7, 8 };

    port->umem->n_slots = 9;
    port->umem->bad_frees = 10;
    xsk_report_umem(port->umem, &p, true, f);
    xsk_report_umem(port->umem, &p, false, f);
}

/* The lines of "afxdp/show", one row per report. */
static void
test_show(void)
{
    static const struct {
        const char *name;
        void (*write)(struct xsk_port *, FILE *);
        const char *rules;      /* Steering rules given first, or NULL. */
        const char *want;
    } rows[] = {
        { "UMEM: frames per place", write_umem, NULL,
          "umem 0: frames=256 frame-size=4096 jumbo-slots=9 pool=1 "
          "cache=2 fill=3 rx=4 packets=5 tx=6 completion=7 slots=8 "
          "bad-frees=10 accounted=yes\n"
          "umem 0: frames=256 frame-size=4096 jumbo-slots=9 pool=1 "
          "cache=2 fill=3 rx=4 packets=5 tx=6 completion=7 slots=8 "
          "bad-frees=10 accounted=no\n" },
        { "queues of the UMEM", write_queues, NULL,
          "  p0 queue 0: mode=generic (requested) copy rx=11 tx=21\n"
          "  p0 queue 1: mode=generic (requested) copy rx=21 tx=41\n" },
        { "steering: all frames, nothing refused", write_steer, NULL, "" },
        { "steering: rules and hits", write_steer, "icmp,udp:53",
          "port p0: xdp-steer-mode=match rules=2 to-host=99\n"
          "  rule 0 'icmp': packets=100\n"
          "  rule 1 'udp:53': packets=101\n" },
        { "steering: a refusal", write_steer, "nonsense", NULL },
        { "flows: none, no line", write_flows, NULL, "" },
    };
    struct xsk_port port;

    start_port(&port, 2);
    set_queue_counters(&port, 0);
    set_queue_counters(&port, 1);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        char *text;

        if (rows[i].rules) {
            xsk_port_configure_steer(&port, rows[i].rules, "match");
        }
        text = report(rows[i].write, &port);
        if (rows[i].want) {
            CHECK(!strcmp(text, rows[i].want), "%s: \"%s\", want \"%s\"",
                  rows[i].name, text, rows[i].want);
        } else {
            CHECK(strstr(text, "port p0: xdp-steer-mode=match rules=2")
                  && strstr(text, "  refused: ") && strstr(text, "nonsense"),
                  "%s: \"%s\"", rows[i].name, text);
        }
        free(text);
    }
    stop_port(&port);
    tap_group("afxdp/show lines");
}

/* The user's options given to a port one row after the other: what is
 * refused and why, what changes, and what is logged. */
static void
test_request(void)
{
    static const struct {
        const char *name;
        struct xsk_kv kv[4];    /* Up to the first NULL key. */
        int n_dev_rxq;
        int want_error;
        const char *want_words; /* In the reason, on failure. */
        unsigned int want_changes;
        int want_n_rxq;         /* 'requested' after the row. */
        uint32_t want_rules;    /* Steering rules in force after it. */
        const char *want_log;   /* "": none. */
    } rows[] = {
        { "no options: the defaults, nothing changes", { { NULL, NULL } },
          0, 0, NULL, 0, 1, 0, "" },
        { "two queues", { { "n_rxq", "2" }, { NULL, NULL } }, 4, 0, NULL,
          XSK_PORT_RESTART, 2, 0, "" },
        { "steering rules alone", { { "n_rxq", "2" },
                                    { "xdp-steer", "icmp,arp" },
                                    { "xdp-steer-mode", "match" },
                                    { NULL, NULL } },
          4, 0, NULL, XSK_PORT_STEER_CHANGED, 2, 2,
          "steering mode match, 2 rule(s)" },
        { "bad value: refused, rules kept", { { "n_rxq", "abc" },
                                              { "xdp-steer", "udp" },
                                              { NULL, NULL } },
          4, EINVAL, "'n_rxq' must be an integer", 0, 2, 2, "" },
        { "more queues than the device", { { "n_rxq", "3" },
                                           { "start-queue", "2" },
                                           { NULL, NULL } },
          4, EINVAL, "needs more than the 4 RX queue(s)", 0, 2, 2, "" },
        { "unknown queue count: taken", { { "n_rxq", "3" },
                                          { "start-queue", "2" },
                                          { NULL, NULL } },
          0, 0, NULL, XSK_PORT_RESTART | XSK_PORT_STEER_CHANGED, 3, 0,
          "steering mode all, 0 rule(s)" },
        { "generic mode, several queues: a warning",
          { { "n_rxq", "2" }, { "xdp-mode", "generic" }, { NULL, NULL } },
          0, 0, NULL, XSK_PORT_RESTART, 2, 0,
          "'n_rxq' 2 in generic mode: on veth, generic XDP reports wrong "
          "queue numbers; use xdp-mode=native" },
        { "bad steering rule: refused alone",
          { { "n_rxq", "2" }, { "xdp-mode", "generic" },
            { "xdp-steer", "nonsense" }, { NULL, NULL } },
          0, 0, NULL, XSK_PORT_STEER_CHANGED, 2, 0,
          "the previous steering rules stay in force" },
    };
    struct xsk_port port;

    memset(&k, 0, sizeof k);
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        unsigned int changes = 0xff;
        char *msg = NULL;
        size_t n = 0;
        int error;

        while (n < XSK_ARRAY_SIZE(rows[i].kv) && rows[i].kv[n].key) {
            n++;
        }
        k.last_log[0] = '\0';
        error = xsk_port_request(&port, rows[i].kv, n, rows[i].n_dev_rxq,
                                 &changes, &msg);
        CHECK(error == rows[i].want_error, "%s: error %d (%s)",
              rows[i].name, error, msg ? msg : "no reason");
        if (error) {
            CHECK(msg && strstr(msg, rows[i].want_words),
                  "%s: reason \"%s\"", rows[i].name, msg ? msg : "(none)");
        } else {
            CHECK(changes == rows[i].want_changes, "%s: changes %#x",
                  rows[i].name, changes);
        }
        CHECK(port.requested.n_rxq == rows[i].want_n_rxq,
              "%s: %d queue(s) requested", rows[i].name,
              port.requested.n_rxq);
        CHECK(port.steer.n_rules == rows[i].want_rules,
              "%s: %u rule(s)", rows[i].name, port.steer.n_rules);
        CHECK(rows[i].want_log[0] ? strstr(k.last_log, rows[i].want_log)
                                    != NULL
                                  : !k.last_log[0],
              "%s: log \"%s\"", rows[i].name, k.last_log);
        free(msg);
    }
    xsk_port_uninit(&port);
    tap_group("options from the user: parsed, checked, applied");
}

/* One configuration step of test_configure(). */
struct configure_step {
    const char *name;
    int n_rxq;                  /* Requested. */
    bool csum_fix;              /* Requested. */
    int ifindex;
    struct faults f;
    int want_error;
    const char *want_words;     /* In 'error', on failure. */
};

/* A port configured again and again with what its user requested: the
 * options come into effect whether or not the set-up works, the reason of
 * a failure stays until the next configuration, and the pollers' settings
 * follow the options. */
static void
test_configure(void)
{
    static const struct configure_step steps[] = {
        { "first configuration", 1, true, 7, { 0 }, 0, NULL },
        { "two queues", 2, true, 7, { 0 }, 0, NULL },
        { "no XDP at all", 2, true, 7,
          { .attach_drv = EOPNOTSUPP, .attach_skb = EPERM },
          EPERM, "cannot attach the XDP program" },
        { "XDP back, no checksum fix", 1, false, 7, { 0 }, 0, NULL },
        { "no interface", 1, false, -ENODEV, { 0 }, ENODEV,
          "cannot find the interface" },
    };
    struct xsk_port port;

    memset(&k, 0, sizeof k);
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    CHECK(!xsk_port_is_current(&port), "current before any configuration");
    for (size_t i = 0; i < XSK_ARRAY_SIZE(steps); i++) {
        const struct configure_step *c = &steps[i];
        int error;

        k.f = c->f;
        port.requested.n_rxq = c->n_rxq;
        port.requested.csum_fix = c->csum_fix;
        port.requested.frame_size = FRAME_SIZE;
        port.requested.umem_frames = N_FRAMES;
        port.requested.tx_csum = false;
        /* Current only if the last step worked with these options. */
        CHECK(xsk_port_is_current(&port)
              == (i > 0 && !steps[i - 1].want_error
                  && steps[i - 1].n_rxq == c->n_rxq
                  && steps[i - 1].csum_fix == c->csum_fix),
              "%s: current before its configuration: %d", c->name,
              xsk_port_is_current(&port));

        error = xsk_port_configure(&port, c->ifindex);
        CHECK(error == c->want_error, "%s: error %d, want %d", c->name,
              error, c->want_error);
        CHECK(xsk_opts_equal(&port.opts, &port.requested),
              "%s: the requested options are not in effect", c->name);
        CHECK(port.n_queues == c->n_rxq, "%s: %d queue(s)", c->name,
              port.n_queues);
        CHECK(port.rx_cfg.frame_cap == FRAME_SIZE - 256,
              "%s: frame capacity %u", c->name, port.rx_cfg.frame_cap);
        CHECK(port.rx_cfg.csum_mode == (c->csum_fix ? XSK_RX_CSUM_MARK
                                                    : XSK_RX_CSUM_KEEP),
              "%s: checksum mode %u", c->name, port.rx_cfg.csum_mode);
        if (c->want_error) {
            CHECK(port.error && strstr(port.error, c->want_words),
                  "%s: reason \"%s\"", c->name,
                  port.error ? port.error : "(none)");
            CHECK(!xsk_port_is_current(&port), "%s: a failed port is "
                  "current", c->name);
        } else {
            CHECK(!port.error, "%s: reason \"%s\" left", c->name,
                  port.error);
            CHECK(xsk_port_is_current(&port), "%s: not current", c->name);
        }
    }
    xsk_port_set_mtu(&port, 1500);
    CHECK(port.rx_cfg.mtu == 1500, "MTU %u", port.rx_cfg.mtu);
    stop_port(&port);
    tap_group("configuration: options in effect, reasons, pollers' "
              "settings");
}

/* What test_status() collects: "key=value\n" lines. */
static char status_text[4096];

static void
status_put(void *aux, const char *key, const char *value)
{
    size_t len = strlen(status_text);

    (void) aux;
    snprintf(status_text + len, sizeof status_text - len, "%s=%s\n", key,
             value);
}

/* Interface:status of a started port with steering rules, and of a port
 * whose set-up failed. */
static void
test_status(void)
{
    static const char want_started[] =
        "xdp-mode=generic\n"
        "afxdp-warning=several queues in generic mode: generic XDP on veth "
        "reports wrong queue numbers, so some queues may get no traffic; "
        "use xdp-mode=native\n"
        "xdp-mode-in-use=generic\n"
        "xdp-mode-reason=generic (requested)\n"
        "zero-copy=false\n"
        "xdp-prog-id=0\n"
        "umem=0\n"
        "umem-frames=256\n"
        "n_rxq=2\n"
        "start-queue=0\n"
        "frame-size=4096\n"
        "n_rxq_desc=2048\n"
        "n_txq_desc=2048\n"
        "max-frame-len=3840\n"
        "multi-buffer=true\n"
        "max-mtu=9000\n"
        "rx-checksum-fix=true\n"
        "tx-checksum-offload=false\n"
        "xdp-steer-mode=match\n"
        "xdp-steer=icmp,arp\n";
    static const char want_failed[] =
        "xdp-mode=best-effort\n"
        "xdp-mode-in-use=none\n"
        "afxdp-error=cannot find the interface: No such device\n"
        "n_rxq=1\n"
        "start-queue=0\n"
        "frame-size=2048\n"
        "n_rxq_desc=2048\n"
        "n_txq_desc=2048\n"
        "max-frame-len=1792\n"
        "multi-buffer=true\n"
        "max-mtu=9000\n"
        "rx-checksum-fix=true\n"
        "tx-checksum-offload=no AF_XDP TX metadata in this kernel: OVS "
        "finishes partial checksums in software\n"
        "xdp-steer-mode=all\n"
        "xdp-steer-error=";
    struct xsk_port port;

    memset(&k, 0, sizeof k);
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    port.requested.mode = XSK_MODE_GENERIC;
    port.requested.n_rxq = 2;
    port.requested.frame_size = FRAME_SIZE;
    port.requested.umem_frames = N_FRAMES;
    port.requested.tx_csum = false;
    CHECK(!xsk_port_configure(&port, 7), "configure: %s", port.error);
    xsk_port_configure_steer(&port, "icmp,arp", "match");
    status_text[0] = '\0';
    xsk_report_status(&port, status_put, NULL);
    CHECK(!strcmp(status_text, want_started), "started port:\n%s",
          status_text);
    CHECK(!port.steer_error, "rules refused: %s", port.steer_error);
    stop_port(&port);

    memset(&k, 0, sizeof k);
    k.port = &port;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    port.requested.frame_size = 2048;
    CHECK(xsk_port_configure(&port, -ENODEV) == ENODEV, "no ENODEV");
    xsk_port_configure_steer(&port, "nonsense", NULL);
    status_text[0] = '\0';
    xsk_report_status(&port, status_put, NULL);
    CHECK(!strncmp(status_text, want_failed, strlen(want_failed)),
          "failed port:\n%s", status_text);
    stop_port(&port);
    tap_group("Interface:status of a started and of a failed port");
}

/* Initializes 'port', named "p0", over the fakes with a fresh fake kernel,
 * to request frames of FRAME_SIZE bytes and N_FRAMES of them. */
static void
init_port(struct xsk_port *port)
{
    memset(&k, 0, sizeof k);
    k.port = port;
    xsk_port_init(port, "p0", &fake_ops, NULL);
    port->requested.frame_size = FRAME_SIZE;
    port->requested.umem_frames = N_FRAMES;
}

/* The flow-offload lines of Interface:status, one row per situation:
 * offload off, no program, no skb path, and how an output is reached for
 * each "offload-redirect" and device. */
static void
test_offload_status(void)
{
    static const struct {
        bool enabled;
        bool started;
        int tc_error;
        enum xsk_out_redirect redirect;
        uint64_t features;
        bool veth;
        const char *want;
    } rows[] = {
        { false, true, 0, XSK_REDIRECT_AUTO, 0, false,
          "flow-offload=off (other_config:hw-offload is not true)\n" },
        { true, false, 0, XSK_REDIRECT_AUTO, 0, false,
          "flow-offload=none: the port has no XDP program\n" },
        { true, true, 0, XSK_REDIRECT_AUTO, XSK_XDP_ACT_NDO_XMIT, false,
          "flow-offload=XDP program, and its tc program at tcx ingress for "
          "the skb path\nflow-offload-output=XDP redirect\n"
          "offload-redirect=auto\n" },
        { true, true, 0, XSK_REDIRECT_AUTO, XSK_XDP_ACT_NDO_XMIT, true,
          "flow-offload=XDP program, and its tc program at tcx ingress for "
          "the skb path\nflow-offload-output=skb path (a veth: XDP "
          "redirects into it work only while its peer lets them)\n"
          "offload-redirect=auto\n" },
        { true, true, 0, XSK_REDIRECT_AUTO, 0, false,
          "flow-offload=XDP program, and its tc program at tcx ingress for "
          "the skb path\nflow-offload-output=skb path (the device takes no "
          "XDP redirects)\noffload-redirect=auto\n" },
        { true, true, EOPNOTSUPP, XSK_REDIRECT_SKB, XSK_XDP_ACT_NDO_XMIT,
          false,
          "flow-offload=XDP program; no skb path (its tc program could not "
          "be attached at tcx ingress: Operation not supported)\n"
          "flow-offload-output=offload-redirect=skb, and the in_port has no "
          "tc program for the skb path (tcx, Linux 6.6 or later)\n"
          "offload-redirect=skb\n" },
        { true, true, EOPNOTSUPP, XSK_REDIRECT_XDP, XSK_XDP_ACT_NDO_XMIT,
          true,
          "flow-offload=XDP program; no skb path (its tc program could not "
          "be attached at tcx ingress: Operation not supported)\n"
          "flow-offload-output=XDP redirect\noffload-redirect=xdp\n" },
    };

    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_port port;

        init_port(&port);
        k.dev_features = rows[i].features;
        k.dev_veth = rows[i].veth;
        port.requested.mode = XSK_MODE_GENERIC;
        port.requested.redirect = rows[i].redirect;
        if (rows[i].started) {
            CHECK(!xsk_port_configure(&port, 7), "row %zu: configure: %s",
                  i, port.error);
            port.prog->tc_error = rows[i].tc_error;
        }
        status_text[0] = '\0';
        xsk_report_offload(&port, rows[i].enabled, status_put, NULL);
        CHECK(!strcmp(status_text, rows[i].want), "row %zu:\n%s", i,
              status_text);
        stop_port(&port);
    }
    tap_group("status: how offloaded flows enter and leave the port");
}

/* xsk_port_purge_output() reaches the flow table of every port, and only
 * the flows that output to the port that goes. */
static void
test_purge_output(void)
{
    static const int outs[] = { 9, 9, 5 };     /* One port's flow each. */
    struct xsk_port ports[XSK_ARRAY_SIZE(outs)];
    struct xsk_flow_stats st;
    struct xsk_flow_action a;

    memset(&k, 0, sizeof k);
    for (size_t i = 0; i < XSK_ARRAY_SIZE(ports); i++) {
        struct xsk_flow_ufid u = { { i + 1, 0 } };
        struct xsk_flow_spec spec;

        xsk_port_init(&ports[i], "p0", &fake_ops, NULL);
        memset(&spec, 0, sizeof spec);
        spec.key.dl_type = htons(0x0800);
        spec.mask.dl_type = 0xffff;
        spec.action.kind = XSK_FLOW_OUTPUT;
        spec.action.n_outputs = 1;
        spec.action.out_ifindex[0] = outs[i];
        CHECK(!xsk_flow_put(ports[i].flows.table, &u, &spec),
              "put on port %zu", i);
    }
    CHECK(xsk_port_purge_output(9) == 2, "two flows output to ifindex 9");
    CHECK(xsk_port_purge_output(9) == 0, "none on the second call");
    for (size_t i = 0; i < XSK_ARRAY_SIZE(ports); i++) {
        struct xsk_flow_ufid u = { { i + 1, 0 } };

        CHECK(!xsk_flow_get(ports[i].flows.table, &u, &st, &a),
              "the flow of port %zu is still there", i);
        CHECK((a.kind == XSK_FLOW_PUNT) == (outs[i] == 9),
              "port %zu: flow kind %u", i, a.kind);
        xsk_port_uninit(&ports[i]);
    }
    CHECK(xsk_port_purge_output(5) == 0, "no table left after uninit");
    tap_group("purge: every port's flows that output to a port that goes");
}

/* The netdev's get_config() of a port, one row per configuration: the
 * options in effect and the mode in use. */
static void
test_config(void)
{
    static const struct {
        enum xsk_mode mode;     /* Requested. */
        int n_rxq;
        bool need_wakeup;
        int ifindex;            /* Negative: the set-up fails. */
        const char *want;
    } rows[] = {
        { XSK_MODE_GENERIC, 2, true, 7,
          "n_rxq=2\nxdp-mode=generic\nxdp-mode-in-use=generic\n"
          "use-need-wakeup=true\n" },
        { XSK_MODE_BEST_EFFORT, 1, false, 7,
          "n_rxq=1\nxdp-mode=best-effort\n"
          "xdp-mode-in-use=native-with-zerocopy\nuse-need-wakeup=false\n" },
        { XSK_MODE_NATIVE, 4, true, 7,
          "n_rxq=4\nxdp-mode=native\nxdp-mode-in-use=native\n"
          "use-need-wakeup=true\n" },
        { XSK_MODE_NATIVE, 1, true, -ENODEV,
          "n_rxq=1\nxdp-mode=native\nxdp-mode-in-use=best-effort\n"
          "use-need-wakeup=true\n" },
    };

    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_port port;

        init_port(&port);
        port.requested.mode = rows[i].mode;
        port.requested.n_rxq = rows[i].n_rxq;
        port.requested.need_wakeup = rows[i].need_wakeup;
        CHECK(!xsk_port_configure(&port, rows[i].ifindex)
              == (rows[i].ifindex > 0), "row %zu: configure: %s", i,
              port.error);
        status_text[0] = '\0';
        xsk_report_config(&port, status_put, NULL);
        CHECK(!strcmp(status_text, rows[i].want), "row %zu:\n%s", i,
              status_text);
        stop_port(&port);
    }
    tap_group("get_config: the options in effect and the mode in use");
}

/* The MTU check of a port, one row per MTU: what is refused and why, and
 * the MTU its pollers then read. */
static void
test_check_mtu(void)
{
    static const struct {
        uint32_t frame_size;    /* Requested. */
        bool sg_refused;
        int mtu;
        int want_error;
        const char *want_msg;   /* On failure. */
    } rows[] = {
        { 4096, false, 1500, 0, NULL },
        { 4096, false, 9000, 0, NULL },
        { 4096, false, 9001, EINVAL, "MTU 9001 is too large: at most 9000" },
        { 2048, false, 9000, 0, NULL },
        { 4096, true, 3822, 0, NULL },
        { 4096, true, 3823, EINVAL, "MTU 3823 is too large: at most 3822 "
          "(the kernel refused multi-buffer AF_XDP sockets)" },
        { 2048, true, 1775, EINVAL, "MTU 1775 is too large: at most 1774 "
          "(the kernel refused multi-buffer AF_XDP sockets)" },
        { 2048, true, 1774, 0, NULL },
    };

    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_port port;
        char *msg = NULL;
        int error;

        memset(&k, 0, sizeof k);
        xsk_port_init(&port, "p0", &fake_ops, NULL);
        port.requested.frame_size = rows[i].frame_size;
        port.sg_refused = rows[i].sg_refused;
        xsk_port_set_mtu(&port, 1234);
        error = xsk_port_check_mtu(&port, rows[i].mtu, &msg);
        CHECK(error == rows[i].want_error, "row %zu: error %d, want %d", i,
              error, rows[i].want_error);
        if (rows[i].want_msg) {
            CHECK(msg && !strcmp(msg, rows[i].want_msg), "row %zu: \"%s\"",
                  i, msg ? msg : "(none)");
            CHECK(port.rx_cfg.mtu == 1234, "row %zu: MTU %d set though "
                  "refused", i, port.rx_cfg.mtu);
        } else {
            CHECK(!msg, "row %zu: a reason with no error: %s", i, msg);
            CHECK(port.rx_cfg.mtu == rows[i].mtu, "row %zu: MTU %d, want "
                  "%d", i, port.rx_cfg.mtu, rows[i].mtu);
        }
        free(msg);
        xsk_port_uninit(&port);
    }
    tap_group("MTU check: the largest MTU with and without multi-buffer");
}

/* Appends the name of 'port' and a space to the string 'names_'. */
static void
collect_name(struct xsk_port *port, void *names_)
{
    char *names = names_;
    size_t len = strlen(names);

    snprintf(names + len, 64 - len, "%s ", port->name);
}

/* The registry of ports, one row per step: ports made, destructed, and
 * uninitialized as the glue and the tests do it; after each step the walk
 * meets the ports left, in the order they were made.  Then the
 * fatal-signal path stops every port. */
static void
test_registry(void)
{
    enum { INIT, DESTRUCT, UNINIT };
    static const struct {
        int op;
        int port;               /* Index in 'ports'. */
        const char *want;       /* The names the walk meets. */
    } rows[] = {
        { INIT, 0, "a " },
        { INIT, 1, "a b " },
        { INIT, 2, "a b c " },
        { DESTRUCT, 1, "a c " },
        { INIT, 1, "a c b " },
        { DESTRUCT, 0, "c b " },
        { UNINIT, 1, "c " },
        { INIT, 0, "c a " },
    };
    static const char *const names[] = { "a", "b", "c" };
    struct xsk_port ports[3];
    struct xsk_opts o;
    char walk[64];

    memset(&k, 0, sizeof k);
    opts_for(&cases[0], &o);
    o.mode = XSK_MODE_GENERIC;
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_port *port = &ports[rows[i].port];
        char *msg = NULL;

        switch (rows[i].op) {
        case INIT:
            xsk_port_init(port, names[rows[i].port], &fake_ops, NULL);
            CHECK(!xsk_port_start(port, 7 + rows[i].port, &o, &msg),
                  "row %zu: start: %s", i, msg);
            free(msg);
            break;
        case DESTRUCT:
            CHECK(xsk_port_destruct(port) == 0, "row %zu: flows purged", i);
            CHECK(!port->name && !port->registered, "row %zu: not "
                  "uninitialized", i);
            break;
        case UNINIT:
            xsk_port_teardown(port);
            xsk_port_uninit(port);
            break;
        }
        walk[0] = '\0';
        xsk_port_foreach(collect_name, walk);
        CHECK(!strcmp(walk, rows[i].want), "row %zu: walk \"%s\", want "
              "\"%s\"", i, walk, rows[i].want);
    }

    /* The fatal-signal path: every program goes, after its flow table let
     * go of it; the sockets stay for the kernel to close. */
    CHECK(k.progs == 2, "%d programs before the stop", k.progs);
    xsk_port_stop_all();
    CHECK(!k.progs, "%d program(s) left after the stop", k.progs);
    CHECK(k.socks == 2, "%d socket(s) left, want 2", k.socks);
    CHECK(!ports[2].prog && !ports[0].prog, "a port kept its program");
    CHECK(!ports[2].flows.table->backend && !ports[0].flows.table->backend,
          "a flow table still writes to a program");
    xsk_port_stop_all();
    CHECK(!k.progs, "a second stop changed something");
    xsk_port_destruct(&ports[2]);
    xsk_port_destruct(&ports[0]);
    walk[0] = '\0';
    xsk_port_foreach(collect_name, walk);
    CHECK(!walk[0], "walk \"%s\" after the last port went", walk);
    check_no_leak("after the registry");
    tap_group("registry: every port, in order, and the one stop of all");
}

/* UMEM ops over the real UMEM registry, for test_show_text(). */
static void
show_meta_init(void *meta, struct xsk_umem_pool *umem, uint32_t frame)
{
    (void) meta;
    (void) umem;
    (void) frame;
}

/* The whole afxdp/show text, one row per set of ports: the UMEMs are real
 * (the text walks xsk-umem.c's registry), the sockets fake, so every
 * frame is in the pool or in the jumbo slots. */
static void
test_show_text(void)
{
#define UMEM0 "umem 0: frames=256 frame-size=4096 jumbo-slots=0 pool=256 " \
              "cache=0 fill=0 rx=0 packets=0 tx=0 completion=0 slots=0 "   \
              "bad-frees=0 accounted=yes\n"
#define UMEM1 "umem 1: frames=256 frame-size=2048 jumbo-slots=0 pool=256 "  \
              "cache=0 fill=0 rx=0 packets=0 tx=0 completion=0 slots=0 "   \
              "bad-frees=0 accounted=yes\n"
    static const struct {
        const char *name;
        int n_ports;
        int n_rxq[2];           /* Per port; 0: the port is not started. */
        uint32_t frame_size[2]; /* Per port. */
        const char *rules[2];   /* Steering rules per port, or NULL. */
        const char *want;
    } rows[] = {
        { "no port", 0, { 0 }, { 0 }, { NULL }, "no UMEM\n" },
        { "a stopped port", 1, { 0 }, { 4096 }, { NULL }, "no UMEM\n" },
        { "one port, two queues", 1, { 2 }, { 4096 }, { NULL },
          UMEM0
          "  p0 queue 0: mode=generic (requested) copy rx=0 tx=0\n"
          "  p0 queue 1: mode=generic (requested) copy rx=0 tx=0\n" },
        { "two ports share a UMEM; the second steers", 2, { 1, 1 },
          { 4096, 4096 }, { NULL, "icmp" },
          UMEM0
          "  p0 queue 0: mode=generic (requested) copy rx=0 tx=0\n"
          "  p1 queue 0: mode=generic (requested) copy rx=0 tx=0\n"
          "port p1: xdp-steer-mode=match rules=1 to-host=99\n"
          "  rule 0 'icmp': packets=100\n" },
        { "two UMEMs", 2, { 1, 2 }, { 4096, 2048 }, { NULL, NULL },
          UMEM0
          "  p0 queue 0: mode=generic (requested) copy rx=0 tx=0\n"
          UMEM1
          "  p1 queue 0: mode=generic (requested) copy rx=0 tx=0\n"
          "  p1 queue 1: mode=generic (requested) copy rx=0 tx=0\n" },
        { "no UMEM, but steering rules", 1, { 0 }, { 4096 }, { "udp:53" },
          "port p0: xdp-steer-mode=match rules=1\n"
          "  rule 0 'udp:53'\n" },
    };
#undef UMEM0
#undef UMEM1
    static const struct xsk_umem_meta meta = { 8, show_meta_init };
    struct xsk_port_ops ops = fake_ops;

    ops.umem_get = xsk_umem_get;
    ops.umem_sweep = xsk_umem_sweep;
    ops.umem_meta = &meta;
    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        struct xsk_port ports[2];
        char *text;

        memset(&k, 0, sizeof k);
        for (int p = 0; p < rows[i].n_ports; p++) {
            struct xsk_opts o;
            char name[8];
            char *msg = NULL;

            snprintf(name, sizeof name, "p%d", p);
            xsk_port_init(&ports[p], name, &ops, NULL);
            if (rows[i].rules[p]) {
                xsk_port_configure_steer(&ports[p], rows[i].rules[p],
                                         "match");
            }
            if (!rows[i].n_rxq[p]) {
                continue;
            }
            opts_for(&cases[0], &o);
            o.mode = XSK_MODE_GENERIC;
            o.n_rxq = rows[i].n_rxq[p];
            o.frame_size = rows[i].frame_size[p];
            CHECK(!xsk_port_start(&ports[p], 7 + p, &o, &msg),
                  "%s: start: %s", rows[i].name, msg);
            free(msg);
        }
        text = xsk_report_show();
        CHECK(!strcmp(text, rows[i].want), "%s:\n%s\nwant:\n%s",
              rows[i].name, text, rows[i].want);
        free(text);
        for (int p = 0; p < rows[i].n_ports; p++) {
            xsk_port_destruct(&ports[p]);
        }
        text = xsk_report_show();
        CHECK(!strcmp(text, "no UMEM\n"), "%s: after the ports went:\n%s",
              rows[i].name, text);
        free(text);
        check_no_leak(rows[i].name);
    }
    tap_group("afxdp/show: the whole text, over real UMEMs");
}

/* Super-packets are cut at the smaller of the interface's MTU and its
 * veth peer's, re-read by xsk_port_refresh_peer(). */
static void
test_peer_mtu(void)
{
    struct xsk_port_ops ops = fake_ops;
    struct xsk_port port;

    memset(&k, 0, sizeof k);
    ops.dev_peer_mtu = fake_dev_peer_mtu;
    xsk_port_init(&port, "p0", &ops, NULL);
    port.ifindex = 3;
    xsk_port_set_mtu(&port, 1500);
    k.dev_veth = true;
    fake_peer_error = 0;

#define CUT() (port.rx_cfg.mtu)
    fake_peer_mtu = 1400;
    CHECK(xsk_port_refresh_peer(&port), "1400: no change reported");
    CHECK(port.peer_mtu == 1400 && CUT() == 1400,
          "peer 1400, own 1500: peer_mtu %d, cut at %u", port.peer_mtu,
          CUT());
    CHECK(!xsk_port_refresh_peer(&port), "same MTU: a change reported");

    fake_peer_mtu = 9000;
    CHECK(xsk_port_refresh_peer(&port), "9000: no change reported");
    CHECK(CUT() == 1500, "peer 9000, own 1500: cut at %u", CUT());
    xsk_port_set_mtu(&port, 1400);
    CHECK(CUT() == 1400, "peer 9000, own 1400: cut at %u", CUT());
    xsk_port_set_mtu(&port, 1500);

    fake_peer_mtu = 1442;
    CHECK(xsk_port_refresh_peer(&port), "1442: no change reported");
    xsk_port_set_mtu(&port, 1600);
    CHECK(CUT() == 1442, "peer 1442, own 1600: cut at %u", CUT());
    xsk_port_set_mtu(&port, 1500);

    /* A failed read keeps the last value, and logs once. */
    fake_peer_error = EPERM;
    k.last_log[0] = '\0';
    CHECK(!xsk_port_refresh_peer(&port), "error: a change reported");
    CHECK(port.peer_mtu == 1442 && CUT() == 1442,
          "after an error: peer_mtu %d, cut at %u", port.peer_mtu, CUT());
    CHECK(strstr(k.last_log, "cannot read the MTU of the veth's peer"),
          "log \"%s\"", k.last_log);
    k.last_log[0] = '\0';
    CHECK(!xsk_port_refresh_peer(&port), "error again: a change reported");
    CHECK(!k.last_log[0], "the same error logged again: \"%s\"",
          k.last_log);
    fake_peer_error = 0;

    /* The interface went away between the reads: as not a veth, no
     * warning. */
    fake_peer_error = ENODEV;
    k.last_log[0] = '\0';
    CHECK(xsk_port_refresh_peer(&port), "ENODEV: no change reported");
    CHECK(port.peer_mtu == 0 && CUT() == 1500,
          "ENODEV: peer_mtu %d, cut at %u", port.peer_mtu, CUT());
    CHECK(strstr(k.last_log, "no veth peer's MTU any more"),
          "ENODEV: log \"%s\"", k.last_log);
    fake_peer_error = 0;
    fake_peer_mtu = 1442;
    CHECK(xsk_port_refresh_peer(&port) && CUT() == 1442,
          "1442 again: cut at %u", CUT());

    /* Not a veth (any more): the port's own MTU. */
    k.dev_veth = false;
    CHECK(xsk_port_refresh_peer(&port), "not a veth: no change reported");
    CHECK(port.peer_mtu == 0 && CUT() == 1500,
          "not a veth: peer_mtu %d, cut at %u", port.peer_mtu, CUT());

    /* No interface: nothing read. */
    k.dev_veth = true;
    port.ifindex = -ENODEV;
    CHECK(!xsk_port_refresh_peer(&port) && CUT() == 1500,
          "no interface: cut at %u", CUT());
#undef CUT
    xsk_port_uninit(&port);
    tap_group("xsk_port_refresh_peer(): cut at the smaller MTU, followed");

    /* Ops without 'dev_peer_mtu': never read. */
    memset(&k, 0, sizeof k);
    k.dev_veth = true;
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    port.ifindex = 3;
    xsk_port_set_mtu(&port, 1500);
    CHECK(!xsk_port_refresh_peer(&port) && port.rx_cfg.mtu == 1500,
          "without dev_peer_mtu: cut at %u", port.rx_cfg.mtu);
    xsk_port_uninit(&port);
    tap_group("xsk_port_refresh_peer(): ops without dev_peer_mtu");
}

int
main(void)
{
    for (size_t i = 0; i < XSK_ARRAY_SIZE(cases); i++) {
        run_case(&cases[i], false);
        if (!cases[i].want_error) {
            run_case(&cases[i], true);
        }
    }
    test_restart();
    test_steer_kept();
    test_configure_steer();
    test_counters();
    test_summary();
    test_show();
    test_request();
    test_configure();
    test_status();
    test_offload_status();
    test_purge_output();
    test_config();
    test_check_mtu();
    test_peer_mtu();
    test_registry();
    test_show_text();
    return tap_done();
}
