/* SPDX-License-Identifier: Apache-2.0 */

/* A port's life cycle on its interface (xsk-port.h): the mode table and its
 * fallbacks, set-up and the one unwind, and the one stop path; and the send
 * path over its queues (TX lock, TSO packets to the AF_PACKET socket, the
 * rest to xsk-tx).  Reaches the kernel only through the port's 'struct
 * xsk_port_ops'.  Includes no OVS header. */

#include "xsk-port.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xsk-features.h"
#include "xsk-peer.h"
#include "xsk-prog.h"

/* One row per XDP mode but best-effort, which is never tried itself: how
 * the program attaches and the sockets bind in that mode. */
struct xsk_port_mode {
    uint32_t xdp_flags;         /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE. */
    uint32_t bind_flags;        /* XDP_ZEROCOPY or XDP_COPY. */
};

static const struct xsk_port_mode xsk_port_modes[] = {
    [XSK_MODE_NATIVE_ZC] = { XDP_FLAGS_DRV_MODE, XDP_ZEROCOPY },
    [XSK_MODE_NATIVE] = { XDP_FLAGS_DRV_MODE, XDP_COPY },
    [XSK_MODE_GENERIC] = { XDP_FLAGS_SKB_MODE, XDP_COPY },
};

/* The modes a start tries, in order, for the mode requested on a device:
 * the first row that matches the request, the device and the number of
 * queues ('xsk_port_plan_for()'), and why, for the status.
 *
 * Best-effort on a veth tries generic first: in the benchmark (README,
 * "XDP modes") generic beat native on every AF_XDP-path figure, and
 * offloaded TCP ran several times faster, because a native XDP program on
 * a veth turns its namespace peer's TSO off.  A veth never does zero-copy.
 * With several queues it tries native first: generic XDP on a veth numbers
 * the queues wrongly, and the last queue gets nothing. */
struct xsk_port_plan {
    enum xsk_mode requested;
    bool veth;                  /* Only on a veth. */
    int min_rxq;                /* Only with at least this many queues. */
    const char *why;
    enum xsk_mode tries[3];
    size_t n_tries;
};

static const struct xsk_port_plan xsk_port_plans[] = {
    { XSK_MODE_BEST_EFFORT, true, 2, "best-effort on veth, several queues",
      { XSK_MODE_NATIVE, XSK_MODE_GENERIC }, 2 },
    { XSK_MODE_BEST_EFFORT, true, 1, "best-effort on veth",
      { XSK_MODE_GENERIC, XSK_MODE_NATIVE }, 2 },
    { XSK_MODE_BEST_EFFORT, false, 1, "best-effort",
      { XSK_MODE_NATIVE_ZC, XSK_MODE_NATIVE, XSK_MODE_GENERIC }, 3 },
    { XSK_MODE_NATIVE_ZC, false, 1, "requested", { XSK_MODE_NATIVE_ZC }, 1 },
    { XSK_MODE_NATIVE, false, 1, "requested", { XSK_MODE_NATIVE }, 1 },
    { XSK_MODE_GENERIC, false, 1, "requested", { XSK_MODE_GENERIC }, 1 },
};

/* Returns the row of 'xsk_port_plans[]' for options 'o' on interface
 * 'ifindex' of 'port'.  A device whose kind cannot be read is taken for
 * one that is not a veth. */
static const struct xsk_port_plan *
xsk_port_plan_for(const struct xsk_port *port, int ifindex,
                  const struct xsk_opts *o)
{
    bool veth = false, veth_known = false;

    for (size_t i = 0; i < XSK_ARRAY_SIZE(xsk_port_plans); i++) {
        const struct xsk_port_plan *plan = &xsk_port_plans[i];

        if (plan->requested != o->mode || o->n_rxq < plan->min_rxq) {
            continue;
        }
        if (plan->veth && !veth_known) {
            veth_known = true;
            if (port->ops->dev_is_veth(ifindex, &veth)) {
                veth = false;
            }
        }
        if (!plan->veth || veth) {
            return plan;
        }
    }
    XSK_ASSERT(false);          /* Every mode has a row for any device. */
    return NULL;
}

/* Logs the printf()-style 'format' about 'port' at 'level' through the
 * port's 'log' op, if it has one. */
static void __attribute__((format(printf, 3, 4)))
port_log(const struct xsk_port *port, enum xsk_port_log_level level,
         const char *format, ...)
{
    char *msg = NULL;
    va_list args;
    int len;

    if (!port->ops->log) {
        return;
    }
    va_start(args, format);
    len = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (len < 0 || !(msg = malloc(len + 1))) {
        return;
    }
    va_start(args, format);
    vsnprintf(msg, len + 1, format, args);
    va_end(args);
    port->ops->log(port, level, msg);
    free(msg);
}

/* Gives 'port' 'n' zeroed queues, cache-line aligned, with their TX locks.
 * Aborts if memory is out, as OVS's allocators do. */
static void
queues_alloc(struct xsk_port *port, int n)
{
    struct xsk_port_queue *q = NULL;
    int error;

    error = posix_memalign((void **) &q, XSK_CACHE_LINE, n * sizeof *q);
    XSK_ASSERT(!error && q);
    memset(q, 0, n * sizeof *q);
    for (int i = 0; i < n; i++) {
        xsk_spin_init(&q[i].tx_lock);
    }
    port->queues = q;
    port->n_queues = n;
}

/* Frees 'port''s queues, whose sockets are gone. */
static void
queues_free(struct xsk_port *port)
{
    for (int i = 0; i < port->n_queues; i++) {
        xsk_spin_destroy(&port->queues[i].tx_lock);
    }
    free(port->queues);
    port->queues = NULL;
    port->n_queues = 0;
}

/* The registry: every port of the process (xsk-port.h, "Registry"). */
static struct xsk_mutex ports_mutex = XSK_MUTEX_INITIALIZER;
static struct xsk_port *ports XSK_GUARDED_BY(ports_mutex);

/* Puts 'port' at the end of the registry: walks meet the ports in the
 * order they were made. */
static void
port_register(struct xsk_port *port)
{
    struct xsk_port **tailp;

    xsk_mutex_lock(&ports_mutex);
    port->prev = NULL;
    for (tailp = &ports; *tailp; tailp = &(*tailp)->next) {
        port->prev = *tailp;
    }
    port->next = NULL;
    *tailp = port;
    port->registered = true;
    xsk_mutex_unlock(&ports_mutex);
}

/* Takes 'port' out of the registry, if it is in. */
static void
port_unregister(struct xsk_port *port)
{
    xsk_mutex_lock(&ports_mutex);
    if (port->registered) {
        if (port->prev) {
            port->prev->next = port->next;
        } else {
            ports = port->next;
        }
        if (port->next) {
            port->next->prev = port->prev;
        }
        port->prev = port->next = NULL;
        port->registered = false;
    }
    xsk_mutex_unlock(&ports_mutex);
}

/* Initializes 'f' with an empty table, for a port with no program. */
static void
flows_init(struct xsk_port_flows *f)
{
    xsk_mutex_init(&f->mutex);
    f->table = malloc(sizeof *f->table);
    XSK_ASSERT(f->table);
    xsk_flow_table_init(f->table);
    f->ifindex = -1;
    f->has_skb_path = false;
    f->redirect = XSK_REDIRECT_AUTO;
}

/* Frees the table of 'f'. */
static void
flows_uninit(struct xsk_port_flows *f)
{
    xsk_flow_table_destroy(f->table);
    free(f->table);
    f->table = NULL;
    xsk_mutex_destroy(&f->mutex);
}

/* Initializes 'port', stopped, with no steering rule and an empty flow
 * table, and puts it into the registry under 'name' (copied).  'ops' must
 * outlive the port; 'aux' is the user's, for 'ops->log'. */
void
xsk_port_init(struct xsk_port *port, const char *name,
              const struct xsk_port_ops *ops, void *aux)
{
    memset(port, 0, sizeof *port);
    port->ops = ops;
    port->aux = aux;
    port->name = strdup(name);
    XSK_ASSERT(port->name);
    xsk_opts_init(&port->requested);
    port->opts = port->requested;
    xsk_steer_init(&port->steer);
    flows_init(&port->flows);
    port->gso_fd = -1;
    port_register(port);
}

/* Takes 'port' out of the registry if it is still in, and frees what
 * xsk_port_init() made: the flow table and its lock, the name.  The port
 * must be torn down already. */
void
xsk_port_uninit(struct xsk_port *port)
{
    XSK_ASSERT(!port->prog && !port->queues);
    port_unregister(port);
    xsk_port_set_gso(port, false);
    flows_uninit(&port->flows);
    free(port->steer_error);
    port->steer_error = NULL;
    free(port->error);
    port->error = NULL;
    free(port->name);
    port->name = NULL;
}

/* The one end of a port: takes 'port' out of the registry, tears it down,
 * turns the offloaded flows of the other ports that output to its
 * interface back to the user (xsk_port_purge_output(), logged) and
 * uninitializes it.  Returns how many of those flows it changed. */
uint32_t
xsk_port_destruct(struct xsk_port *port)
{
    uint32_t n = 0;

    port_unregister(port);
    xsk_port_teardown(port);
    if (port->ifindex > 0) {
        n = xsk_port_purge_output(port->ifindex);
    }
    if (n) {
        port_log(port, XSK_PORT_LOG_INFO, "%"PRIu32" offloaded flow(s) of "
                 "other ports that output here are now handled in "
                 "userspace", n);
    }
    xsk_port_uninit(port);
    return n;
}

/* Calls 'cb' with 'aux' for every port in the registry, under the
 * registry's lock: 'cb' must not init, uninit or destruct a port. */
void
xsk_port_foreach(void (*cb)(struct xsk_port *, void *aux), void *aux)
{
    struct xsk_port *port;

    xsk_mutex_lock(&ports_mutex);
    for (port = ports; port; port = port->next) {
        cb(port, aux);
    }
    xsk_mutex_unlock(&ports_mutex);
}

/* Removes, from every port's flow table, the flows that output to
 * 'ifindex' (xsk_flow_purge_output()): a port that goes away, or whose
 * flows OVS flushes, is no output any more.  Returns how many flows it
 * changed.  Takes the registry's lock, then each table's in turn. */
uint32_t
xsk_port_purge_output(int ifindex)
{
    struct xsk_port *port;
    uint32_t n = 0;

    xsk_mutex_lock(&ports_mutex);
    for (port = ports; port; port = port->next) {
        struct xsk_port_flows *f = &port->flows;

        xsk_mutex_lock(&f->mutex);
        n += xsk_flow_purge_output(f->table, ifindex);
        xsk_mutex_unlock(&f->mutex);
    }
    xsk_mutex_unlock(&ports_mutex);
    return n;
}

/* Takes the XDP program off the interface of every port in the registry
 * (xsk_port_stop()): the fatal-signal and exit hooks' work. */
void
xsk_port_stop_all(void)
{
    struct xsk_port *port;

    xsk_mutex_lock(&ports_mutex);
    for (port = ports; port; port = port->next) {
        xsk_port_stop(port);
    }
    xsk_mutex_unlock(&ports_mutex);
}

/* Takes 'port''s XDP program off its interface.  The flow table stops
 * using the program first, so that no flow change writes through it once
 * it is freed.  The one way the program goes: used by teardown and by the
 * fatal-signal and exit hooks. */
void
xsk_port_stop(struct xsk_port *port)
{
    if (port->prog) {
        xsk_mutex_lock(&port->flows.mutex);
        xsk_flow_detach(port->flows.table);
        port->flows.ifindex = -1;
        port->flows.has_skb_path = false;
        xsk_mutex_unlock(&port->flows.mutex);
        port->ops->prog_detach(port->prog);
        port->prog = NULL;
    }
}

/* Takes 'port' off its interface: XSKMAP entries, program, receive queues,
 * sockets.  The sockets' frames go back to the pool, and a UMEM that no
 * socket uses any more goes with its last socket.  Does nothing to a port
 * that is not started. */
void
xsk_port_teardown(struct xsk_port *port)
{
    const struct xsk_port_ops *ops = port->ops;

    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_port_queue *q = &port->queues[i];

        if (q->sock && port->prog) {
            ops->prog_clear_queue(port->prog, q->sock->queue_id);
        }
    }
    xsk_port_stop(port);
    for (int i = 0; i < port->n_queues; i++) {
        struct xsk_port_queue *q = &port->queues[i];

        xsk_rxq_uninit(&q->rx);
        if (q->sock) {
            ops->sock_destroy(q->sock);
        }
    }
    queues_free(port);
    port->umem = NULL;
    ops->umem_sweep();
}

/* Sets 'port' up in mode 'm' with options 'o': program, UMEM, one socket
 * per queue.  On failure returns a positive errno with a reason in '*errp'
 * (EAGAIN: the kernel refused multi-buffer sockets, try again), and the
 * caller tears down what was done. */
static int
try_mode(struct xsk_port *port, const struct xsk_port_mode *m,
         const struct xsk_opts *o, char **errp)
{
    const struct xsk_port_ops *ops = port->ops;
    struct xsk_umem_key key;
    int error;

    error = ops->prog_attach(port->ifindex,
                             m->xdp_flags == XDP_FLAGS_SKB_MODE,
                             &port->steer, &port->prog, errp);
    if (error) {
        return error;
    }
    if (port->prog->replaced_stale) {
        port_log(port, XSK_PORT_LOG_INFO,
                 "replaced a stale ovs-xsk XDP program");
    }
    xsk_mutex_lock(&port->flows.mutex);
    error = xsk_flow_attach(port->flows.table, ops->flow_backend,
                            port->prog);
    port->flows.ifindex = port->ifindex;
    port->flows.has_skb_path = port->prog->tc_link_fd >= 0;
    port->flows.redirect = o->redirect;
    xsk_mutex_unlock(&port->flows.mutex);
    if (error) {
        /* Not fatal: the flows are now handled in userspace. */
        port_log(port, XSK_PORT_LOG_WARN, "cannot write the offloaded flows "
                 "into the new XDP program (%s); they are handled in "
                 "userspace", strerror(error));
    }

    memset(&key, 0, sizeof key);
    key.frame_size = o->frame_size;
    key.n_frames = o->umem_frames;
    key.bind_flags = m->bind_flags
                     | (o->need_wakeup ? XDP_USE_NEED_WAKEUP : 0)
                     | (port->sg_refused ? 0 : XDP_USE_SG);
    port->tx_md = o->tx_csum && ops->tx_md_supported();
    key.tx_md_len = port->tx_md ? XSK_TX_MD_LEN : 0;
    port->sg = !port->sg_refused;
    error = ops->umem_get(&key, ops->umem_meta, &port->umem);
    if (error) {
        xsk_set_err(errp, "cannot create a UMEM of %u frames: %s",
                    key.n_frames, strerror(error));
        return error;
    }

    queues_alloc(port, o->n_rxq);
    for (int i = 0; i < o->n_rxq; i++) {
        struct xsk_port_queue *q = &port->queues[i];
        struct xsk_sock_cfg cfg = {
            .ifindex = port->ifindex,
            .queue_id = o->start_queue + i,
            .rx_size = o->rx_ring,
            .tx_size = o->tx_ring,
        };

        error = ops->sock_create(port->umem, &cfg, &q->sock, errp);
        if (error == EINVAL && port->sg && !port->umem->n_socks) {
            /* Kernels before 6.6 refuse XDP_USE_SG: the caller retries
             * without it, with an MTU limit. */
            port->sg_refused = true;
            return EAGAIN;
        }
        if (error) {
            return error;
        }
        error = xsk_rxq_init(&q->rx, q->sock, &port->rx_cfg);
        if (error) {
            xsk_set_err(errp, "cannot set up queue %u: %s", cfg.queue_id,
                        strerror(error));
            return error;
        }
        /* Fill now: a non-PMD port is polled only when its fd says that
         * packets arrived, which needs frames on the fill ring. */
        ops->sock_refill(q->sock);
        error = ops->prog_set_queue(port->prog, cfg.queue_id, q->sock->fd);
        if (error) {
            xsk_set_err(errp, "cannot add queue %u to the XSKMAP: %s",
                        cfg.queue_id, strerror(error));
            return error;
        }
    }
    return 0;
}

/* Writes into 'port''s 'mode_reason' the mode it runs in and why: the
 * row 'plan' chose it, after its first 'n_failed' modes failed. */
static void
set_mode_reason(struct xsk_port *port, const struct xsk_port_plan *plan,
                size_t n_failed)
{
    char *p = port->mode_reason;
    size_t size = sizeof port->mode_reason;
    int len;

    len = snprintf(p, size, "%s (%s", xsk_mode_name(port->mode_in_use),
                   plan->why);
    for (size_t i = 0; i < n_failed && len > 0 && (size_t) len < size; i++) {
        len += snprintf(p + len, size - len, "%s%s",
                        i ? " and " : ", after ",
                        xsk_mode_name(plan->tries[i]));
    }
    if (len > 0 && (size_t) len < size) {
        snprintf(p + len, size - len, "%s)", n_failed ? " failed" : "");
    }
}

/* Tears 'port' down and starts it on interface 'ifindex' (negative: a
 * negative errno, the interface was not found) with options 'o': the modes
 * of the row of 'xsk_port_plans[]' for 'o' and the device, in order, each
 * with multi-buffer sockets and, if the kernel refuses those, without.
 * Every failed try is unwound before the next.  Returns 0 with
 * 'mode_in_use' and 'mode_reason' set, or the last try's positive errno
 * with its reason in '*errp' (malloc'd; the caller frees it): the
 * port is then left with 'o->n_rxq' queues that have no socket, so that
 * the user's receive and send paths find queues to count drops in. */
int
xsk_port_start(struct xsk_port *port, int ifindex, const struct xsk_opts *o,
               char **errp)
{
    const struct xsk_port_plan *plan = NULL;
    size_t n_tries = 0;
    char *msg = NULL;
    int error = 0;

    xsk_port_teardown(port);
    port->ifindex = ifindex;
    port->mode_reason[0] = '\0';
    if (ifindex < 0) {
        error = -ifindex;
        xsk_set_err(&msg, "cannot find the interface: %s", strerror(error));
    } else {
        plan = xsk_port_plan_for(port, ifindex, o);
        n_tries = plan->n_tries;
    }
    for (size_t i = 0; i < n_tries; i++) {
        enum xsk_mode mode = plan->tries[i];
        const struct xsk_port_mode *m = &xsk_port_modes[mode];

        free(msg);
        msg = NULL;
        error = try_mode(port, m, o, &msg);
        if (error == EAGAIN) {
            port_log(port, XSK_PORT_LOG_INFO, "no multi-buffer AF_XDP in "
                     "this kernel: MTU limited to %d",
                     xsk_port_max_mtu(port, o->frame_size));
            xsk_port_teardown(port);
            free(msg);
            msg = NULL;
            error = try_mode(port, m, o, &msg);
        }
        if (!error) {
            port->mode_in_use = mode;
            set_mode_reason(port, plan, i);
            break;
        }
        port_log(port, XSK_PORT_LOG_DBG, "%s mode failed: %s",
                 xsk_mode_name(mode), msg ? msg : strerror(error));
        xsk_port_teardown(port);
    }

    if (error) {
        queues_alloc(port, o->n_rxq);
        if (!msg) {
            xsk_set_err(&msg, "%s", strerror(error));
        }
        *errp = msg;
        return error;
    }
    free(msg);
    return 0;
}

/* Takes the user's 'n' options 'kv' (Interface:options) for 'port', on a
 * device with 'n_dev_rxq' RX queues (0: unknown).  The steering keys
 * ("xdp-steer", "xdp-steer-mode") are the port's; the others are parsed
 * strictly (xsk-opts.h).  Returns EINVAL with every problem in '*errp'
 * (caller frees), and changes nothing, if an option is bad.  Otherwise the
 * steering rules apply at once (xsk_port_configure_steer()), the other
 * options become 'requested', and '*changes' says what changed
 * (XSK_PORT_*): with XSK_PORT_RESTART the caller configures the port
 * again (xsk_port_configure()). */
int
xsk_port_request(struct xsk_port *port, const struct xsk_kv *kv, size_t n,
                 int n_dev_rxq, unsigned int *changes, char **errp)
{
    const char *rules = NULL, *mode = NULL;
    struct xsk_kv *opts_kv;
    size_t n_opts = 0;
    struct xsk_opts o;
    int error;

    *changes = 0;
    opts_kv = malloc((n + 1) * sizeof *opts_kv);
    XSK_ASSERT(opts_kv);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(kv[i].key, "xdp-steer")) {
            rules = kv[i].value;
        } else if (!strcmp(kv[i].key, "xdp-steer-mode")) {
            mode = kv[i].value;
        } else {
            opts_kv[n_opts++] = kv[i];
        }
    }
    error = xsk_opts_parse(opts_kv, n_opts, &o, errp);
    free(opts_kv);
    if (!error) {
        error = xsk_opts_check_device(&o, n_dev_rxq, errp);
    }
    if (error) {
        return error;
    }

    if (o.n_rxq > 1 && o.mode == XSK_MODE_GENERIC) {
        port_log(port, XSK_PORT_LOG_WARN, "'n_rxq' %d in generic mode: on "
                 "veth, generic XDP reports wrong queue numbers; use "
                 "xdp-mode=native", o.n_rxq);
    }
    if (xsk_port_configure_steer(port, rules, mode)) {
        *changes |= XSK_PORT_STEER_CHANGED;
    }
    if (!xsk_opts_equal(&o, &port->requested)) {
        port->requested = o;
        *changes |= XSK_PORT_RESTART;
    }
    return 0;
}

/* Returns true if 'port' runs as 'requested' says: configured with those
 * options, and not failed. */
bool
xsk_port_is_current(const struct xsk_port *port)
{
    return port->configured && !port->error
           && xsk_opts_equal(&port->requested, &port->opts);
}

/* Starts 'port' on interface 'ifindex' with its 'requested' options
 * (xsk_port_start()), which are then in effect ('opts') whether or not the
 * set-up worked, sets what the queues' pollers read from them ('rx_cfg')
 * and logs the outcome.  Returns 0, or a positive errno with the reason in
 * 'error': the port then stays, with queues that have no socket. */
int
xsk_port_configure(struct xsk_port *port, int ifindex)
{
    char *msg = NULL;
    int error;

    free(port->error);
    port->error = NULL;
    error = xsk_port_start(port, ifindex, &port->requested, &msg);

    port->opts = port->requested;
    port->configured = true;
    __atomic_store_n(&port->rx_cfg.frame_cap, xsk_port_max_frame_len(port),
                     __ATOMIC_RELAXED);
    __atomic_store_n(&port->rx_cfg.csum_mode,
                     port->opts.csum_fix ? XSK_RX_CSUM_MARK
                                         : XSK_RX_CSUM_KEEP,
                     __ATOMIC_RELAXED);
    if (error) {
        /* The port stays, without sockets, so that the user does not
         * delete and re-add it in a loop; its status and the log say
         * why. */
        port->error = msg;
        port_log(port, XSK_PORT_LOG_WARN, "AF_XDP set-up failed: %s", msg);
    } else {
        port_log(port, XSK_PORT_LOG_INFO, "%d queue(s) from %d in %s mode "
                 "(%s), UMEM %u", port->n_queues, port->opts.start_queue,
                 xsk_mode_name(port->mode_in_use),
                 port->queues[0].sock->zerocopy ? "zero-copy" : "copy",
                 port->umem->id);
    }
    return error;
}

/* Gives 'port''s pollers the MTU that TCP super-packets are cut at (and a
 * larger packet is one): the smaller of the interface's and its veth
 * peer's.  A veth's two ends may have different MTUs; the namespace end
 * chose its MSS for its own, and a segment cut at the bigger one would
 * not fit its path (80-ovn: workloads at 1442, OVS ends at 1500). */
static void
store_cut_mtu(struct xsk_port *port)
{
    int mtu = port->mtu;

    if (port->peer_mtu > 0 && (mtu <= 0 || port->peer_mtu < mtu)) {
        mtu = port->peer_mtu;
    }
    __atomic_store_n(&port->rx_cfg.mtu, mtu, __ATOMIC_RELAXED);
}

/* Makes 'mtu' the MTU of 'port''s interface for its queues' pollers (a
 * larger TCP packet is a super-packet to cut, at this MTU or at the veth
 * peer's, whichever is smaller: store_cut_mtu()). */
void
xsk_port_set_mtu(struct xsk_port *port, int mtu)
{
    port->mtu = mtu;
    store_cut_mtu(port);
}

/* Reads the MTU of the peer of 'port''s interface if that is a veth
 * ('ops->dev_peer_mtu'), and cuts super-packets at the smaller of it and
 * the interface's own from then on.  A failed read keeps the last value
 * read (a smaller MTU is the safe side); it is logged when the error
 * changes, not at each read.  Returns true if the peer's MTU changed
 * (for the status).  Called by the configuring thread: after each
 * configure and, since a peer in another namespace changes its MTU
 * without a notification to ours, now and then (the glue says how
 * often). */
bool
xsk_port_refresh_peer(struct xsk_port *port)
{
    int old = port->peer_mtu;
    bool veth = false;
    int error = 0;
    int mtu = 0;

    if (port->ifindex > 0 && port->ops->dev_peer_mtu
        && !port->ops->dev_is_veth(port->ifindex, &veth) && veth) {
        error = port->ops->dev_peer_mtu(port->ifindex, &mtu);
        if (error == ENODEV) {
            /* The interface went away between the two reads: as if it
             * were not a veth (its port is reconfigured anyway). */
            error = 0;
            mtu = 0;
        }
    }
    if (error) {
        if (error != port->peer_error) {
            port_log(port, XSK_PORT_LOG_WARN, "cannot read the MTU of the "
                     "veth's peer (%s): super-packets are cut at %d",
                     strerror(error),
                     old > 0 && old < port->mtu ? old : port->mtu);
        }
    } else {
        port->peer_mtu = mtu;
    }
    port->peer_error = error;
    if (port->peer_mtu != old) {
        uint32_t cut;

        store_cut_mtu(port);
        cut = __atomic_load_n(&port->rx_cfg.mtu, __ATOMIC_RELAXED);
        if (port->peer_mtu) {
            port_log(port, XSK_PORT_LOG_INFO, "the veth's peer has MTU %d: "
                     "super-packets are cut at %"PRIu32, port->peer_mtu,
                     cut);
        } else {
            port_log(port, XSK_PORT_LOG_INFO, "no veth peer's MTU any "
                     "more: super-packets are cut at %"PRIu32, cut);
        }
        return true;
    }
    return false;
}

/* Checks that 'port' carries 'mtu' with the frame size requested
 * (xsk_port_max_mtu()) and, if it does, makes it the MTU of its pollers
 * (xsk_port_set_mtu()).  Returns 0, or EINVAL, logged, with the reason in
 * '*errp' (caller frees) unless 'errp' is NULL. */
int
xsk_port_check_mtu(struct xsk_port *port, int mtu, char **errp)
{
    int max_mtu = xsk_port_max_mtu(port, port->requested.frame_size);

    if (mtu > max_mtu) {
        const char *why = port->sg_refused ? " (the kernel refused "
                          "multi-buffer AF_XDP sockets)" : "";

        port_log(port, XSK_PORT_LOG_WARN, "MTU %d is too large: at most "
                 "%d%s", mtu, max_mtu, why);
        xsk_set_err(errp, "MTU %d is too large: at most %d%s", mtu, max_mtu,
                    why);
        return EINVAL;
    }
    xsk_port_set_mtu(port, mtu);
    return 0;
}

/* The largest frame 'port' receives in one buffer, with the options in
 * effect. */
int
xsk_port_max_frame_len(const struct xsk_port *port)
{
    return port->opts.frame_size - XSK_RX_HEADROOM;
}

/* Makes 'steer' the rules of 'port', written into its program at once if
 * one is attached.  Returns 0, or a positive errno if the program refused
 * them (the rules in force then stay). */
int
xsk_port_set_steer(struct xsk_port *port, const struct xsk_steer *steer)
{
    if (port->prog) {
        int error = port->ops->prog_set_steer(port->prog, steer);

        if (error) {
            return error;
        }
    }
    port->steer = *steer;
    return 0;
}

/* Parses steering rules 'rules' and mode 'mode' (either NULL for the
 * default) and makes them 'port''s (xsk_port_set_steer()).  Bad rules, or
 * rules the program refuses, are not applied: the reason goes to
 * 'steer_error' (the user shows it: Interface:error and status) and to a
 * warning in the log, and the rules in force stay, so that a typo does not
 * take the port down.  Returns true if the rules in force or the refusal
 * changed. */
bool
xsk_port_configure_steer(struct xsk_port *port, const char *rules,
                         const char *mode)
{
    bool same, had_error = port->steer_error != NULL;
    struct xsk_steer steer;
    char *msg = NULL;
    int error;

    error = xsk_steer_parse(rules, mode, &steer, &msg);
    same = !error && xsk_steer_equal(&steer, &port->steer);
    if (!error && !same) {
        error = xsk_port_set_steer(port, &steer);
        if (error) {
            xsk_set_err(&msg, "cannot write the steering rules into the "
                        "XDP program: %s", strerror(error));
        }
    }
    free(port->steer_error);
    port->steer_error = error ? msg : NULL;
    if (error) {
        port_log(port, XSK_PORT_LOG_WARN, "%s; the previous steering rules "
                 "stay in force", msg);
        return true;
    }
    if (same) {
        return had_error;
    }
    port_log(port, XSK_PORT_LOG_INFO, "steering mode %s, %u rule(s)",
             xsk_steer_mode_name(steer.mode), steer.n_rules);
    return true;
}

/* Returns the largest MTU 'port' carries with frames of 'frame_size' bytes:
 * one frame's worth without multi-buffer sockets, else a jumbo MTU (frames
 * then come as descriptor chains). */
int
xsk_port_max_mtu(const struct xsk_port *port, uint32_t frame_size)
{
    return port->sg_refused
           ? (int) (frame_size - XSK_RX_HEADROOM - XSK_PORT_L2_OVERHEAD)
           : XSK_PORT_MAX_MTU;
}

/* Closes 'port''s AF_PACKET socket, if any, and opens a new one if the
 * port is started and 'tso' (the user will hand it TSO packets) or its
 * "tx-coalesce" or "tx-coalesce-geneve" option is on ('gso_open').
 * Returns true if 'tso' and the port then has one: the user may hand it TSO
 * packets (xsk_port_send()).
 * A failure is logged: the user then segments TSO packets, and no run is
 * coalesced.  Only while no thread sends on the port. */
bool
xsk_port_set_gso(struct xsk_port *port, bool tso)
{
    int error;

    if (port->gso_fd >= 0) {
        close(port->gso_fd);
        port->gso_fd = -1;
    }
    port->coalesce = false;
    port->coalesce_geneve = false;
    if ((!tso && !port->opts.coalesce && !port->opts.coalesce_geneve)
        || !port->n_queues || !port->queues[0].sock) {
        return false;
    }
    error = port->ops->gso_open(port->ifindex, &port->gso_fd);
    if (error) {
        port_log(port, XSK_PORT_LOG_WARN, "no AF_PACKET socket (%s): TSO "
                 "packets are segmented in software and no TCP segments "
                 "are coalesced", strerror(error));
        return false;
    }
    port->coalesce = port->opts.coalesce;
    port->coalesce_geneve = port->opts.coalesce_geneve;
    return tso;
}

/* Sends TCP super-packet 'p' whole through 'port''s AF_PACKET socket with
 * a GSO request for the port's MTU, counting it in 'st' and a failure in
 * 'drops'. */
static void
send_gso(struct xsk_port *port, struct xsk_tx_stats *st,
         const struct xsk_tx_pkt *p, struct xsk_port_drops *drops)
{
    uint32_t mtu = __atomic_load_n(&port->rx_cfg.mtu, __ATOMIC_RELAXED);
    struct virtio_net_hdr hdr;
    struct iovec iov;
    int error;

    /* The packet's bytes are the caller's to change (xsk_tx_pkt 'gso'). */
    error = xsk_vnet_hdr_build((uint8_t *) p->data, p->len, mtu, &hdr);
    if (!error) {
        iov.iov_base = (void *) p->data;
        iov.iov_len = p->len;
        error = port->ops->gso_send(port->gso_fd, &hdr, &iov, 1);
    }
    if (XSK_UNLIKELY(error)) {
        st->gso_failed++;
        st->dropped++;
        drops->gso_failed++;
        drops->gso_len = p->len;
        drops->gso_error = error;
    } else {
        st->gso_packets++;
        st->packets++;
        st->bytes += p->len;
    }
}

/* Sends the run 'c' of 'n' packets (xsk_coal_run(), or xsk_geneve_run() if
 * 'geneve') through 'port''s AF_PACKET socket, counting it in 'st'.
 * Returns false if the kernel refused it: the caller then sends the packets
 * one by one. */
static bool
send_coal(struct xsk_port *port, struct xsk_tx_stats *st,
          const struct xsk_coal *c, uint32_t n, bool geneve)
{
    if (XSK_UNLIKELY(port->ops->gso_send(port->gso_fd, &c->vnet, c->iov,
                                         c->n_iov))) {
        st->coal_failed++;
        return false;
    }
    if (geneve) {
        st->geneve_runs++;
        st->geneve_packets += n;
    } else {
        st->coal_runs++;
        st->coal_segments += n;
    }
    st->packets += n;
    st->bytes += c->len + (uint64_t) (n - 1) * c->vnet.hdr_len;
    return true;
}

/* Puts the 'm - *done' packets 'pkts[*done]'... on 'q''s TX ring, and sets
 * in '*mask' the bits of those handed over, at their places in the
 * caller's burst ('index'). */
static void
ring_send(struct xsk_port_queue *q, const struct xsk_tx_pkt *pkts,
          const uint8_t *index, uint32_t m, uint32_t *done, uint32_t *mask,
          struct xsk_tx_stats *st)
{
    uint32_t handed;

    if (m == *done) {
        return;
    }
    handed = xsk_tx_burst(q->sock, xsk_tcache_get(q->sock->umem),
                          pkts + *done, m - *done, st);
    for (uint32_t j = *done; j < m; j++) {
        if (handed & (1u << (j - *done))) {
            *mask |= 1u << index[j];
        }
    }
    *done = m;
}

/* xsk_port_send() on queue 'q', by its only sender. */
static uint32_t
queue_send(struct xsk_port *port, struct xsk_port_queue *q,
           struct xsk_tx_pkt *pkts, uint32_t n, struct xsk_port_drops *drops)
{
    struct xsk_tx_stats *st = &q->tx_stats;
    uint64_t too_big = st->too_big;
    uint64_t ring_full = st->ring_full;
    uint64_t no_frame = st->no_frame;
    bool coal = port->coalesce && q->sock && !q->sock->zerocopy;
    bool coal_geneve = port->coalesce_geneve && q->sock
                       && !q->sock->zerocopy;
    uint32_t mask = 0, m = 0, done = 0, i = 0;
    uint8_t index[XSK_TX_BURST];
    struct xsk_coal c;

    /* TSO packets and runs go to the AF_PACKET socket; the others move up
     * in 'pkts', each remembering its place for the mask.  Before a run
     * goes, the packets ahead of it go on the ring (the socket and a copy
     * mode ring both transmit as they are called), so that no packet
     * overtakes another.  Without TSO packets and runs nothing moves and
     * the ring's mask is the caller's. */
    while (i < n) {
        bool geneve = false;
        uint32_t run = 0;

        if (XSK_UNLIKELY(pkts[i].gso) && port->gso_fd >= 0) {
            send_gso(port, st, &pkts[i], drops);
            i++;
            continue;
        }
        if (coal) {
            run = xsk_coal_run(&pkts[i], n - i, &c);
        }
        if (run < 2 && coal_geneve) {
            run = xsk_geneve_run(&pkts[i], n - i,
                                 __atomic_load_n(&port->rx_cfg.mtu,
                                                 __ATOMIC_RELAXED), &c);
            geneve = true;
        }
        if (run >= 2) {
            ring_send(q, pkts, index, m, &done, &mask, st);
            if (send_coal(port, st, &c, run, geneve)) {
                i += run;
                continue;
            }
        } else {
            run = 1;
        }
        for (uint32_t end = i + run; i < end; i++, m++) {
            index[m] = i;
            if (XSK_UNLIKELY(m != i)) {
                pkts[m] = pkts[i];
            }
        }
    }
    if (XSK_UNLIKELY(!q->sock)) {
        st->dropped += m;
        return 0;
    }
    if (XSK_LIKELY(m == n && !done)) {
        mask = xsk_tx_burst(q->sock, xsk_tcache_get(q->sock->umem), pkts, m,
                            st);
    } else {
        ring_send(q, pkts, index, m, &done, &mask, st);
    }
    drops->too_big = st->too_big - too_big;
    drops->max_len = q->sock->sg ? XSK_MAX_CHAIN_LEN
                                 : q->sock->umem->key.frame_size;
    drops->no_sg = !q->sock->sg;
    drops->ring_full = st->ring_full - ring_full;
    drops->no_frame = st->no_frame - no_frame;
    return mask;
}

/* Sends the 'n' packets 'pkts' (at most XSK_TX_BURST; the array is
 * changed) on 'port''s queue 'qid' modulo its number of queues, under the
 * queue's TX lock if 'concurrent' (other threads may send on it too): TSO
 * packets ('gso') whole through the AF_PACKET socket, if the port has one,
 * the others on the TX ring (xsk_tx_burst()).  A port without queues, or
 * a queue without a socket, sends nothing.  Fills in '*drops'.  Returns
 * the mask of the packets handed to the ring as they are: those are no
 * longer the caller's; every other packet is still the caller's to free,
 * sent or not. */
uint32_t
xsk_port_send(struct xsk_port *port, int qid, bool concurrent,
              struct xsk_tx_pkt *pkts, uint32_t n,
              struct xsk_port_drops *drops)
{
    struct xsk_port_queue *q;
    uint32_t handed;

    memset(drops, 0, sizeof *drops);
    if (XSK_UNLIKELY(!port->n_queues)) {
        return 0;
    }
    q = &port->queues[qid % port->n_queues];
    if (!concurrent) {
        return queue_send(port, q, pkts, n, drops);
    }
    xsk_spin_lock(&q->tx_lock);
    handed = queue_send(port, q, pkts, n, drops);
    xsk_spin_unlock(&q->tx_lock);
    return handed;
}

/* Returns the fd of the socket of 'port''s queue 'qid', which polls as
 * readable when its RX ring has packets, or -1 if it has none. */
int
xsk_port_rx_fd(const struct xsk_port *port, int qid)
{
    return (qid < port->n_queues && port->queues[qid].sock
            ? port->queues[qid].sock->fd : -1);
}

/* Receives up to XSK_RX_BURST packets from 'port''s queue 'qid' into 'pkts'
 * (xsk_rxq_recv(), with TCP super-packets whole if 'gso_pass'), by the
 * queue's one polling thread.  Returns how many: none if the queue has no
 * socket.  The packets' frames are those of 'port->umem'. */
uint32_t
xsk_port_recv(struct xsk_port *port, int qid, bool gso_pass,
              struct xsk_rx_pkt pkts[XSK_RX_BURST])
{
    struct xsk_port_queue *q = &port->queues[qid];

    if (XSK_UNLIKELY(!q->sock)) {
        return 0;
    }
    q->rx.gso_pass = gso_pass;
    return xsk_rxq_recv(&q->rx, xsk_tcache_get(q->sock->umem), pkts);
}

/* Puts free frames of 'sock''s UMEM on its fill ring, from the calling
 * thread's cache. */
static void
port_sock_refill(struct xsk_sock *sock)
{
    xsk_sock_refill(sock, xsk_tcache_get(sock->umem));
}

const struct xsk_port_ops xsk_port_kernel_ops = {
    .prog_attach = xsk_prog_attach,
    .prog_detach = xsk_prog_detach,
    .prog_set_queue = xsk_prog_set_queue,
    .prog_clear_queue = xsk_prog_clear_queue,
    .prog_set_steer = xsk_prog_set_steer,
    .prog_steer_counts = xsk_prog_steer_counts,
    .flow_backend = &xsk_prog_flow_backend,
    .sock_create = xsk_sock_create,
    .sock_destroy = xsk_sock_destroy,
    .sock_refill = port_sock_refill,
    .sock_xdp_stats = xsk_sock_get_xdp_stats,
    .tx_md_supported = xsk_tx_md_supported,
    .dev_xdp_features = xsk_xdp_features,
    .dev_is_veth = xsk_if_is_veth,
    .dev_peer_mtu = xsk_peer_mtu,
    .umem_get = xsk_umem_get,
    .umem_sweep = xsk_umem_sweep,
    .gso_open = xsk_vnet_open,
    .gso_send = xsk_vnet_send,
};
