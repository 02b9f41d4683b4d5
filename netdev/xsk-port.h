/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_PORT_H
#define XSK_PORT_H 1

/* The life cycle of one afxdp port on its interface: the XDP program, the
 * UMEM it shares, one AF_XDP socket and receive queue per queue, the
 * steering rules and the table of offloaded flows; and the registry of
 * every port of the process, by name, which "afxdp/show", the purge of
 * offloaded flows and the fatal-signal hook walk.  Includes no OVS header;
 * the OVS glue (netdev-xsk.c) embeds a 'struct xsk_port' in its own port
 * and maps construct(), reconfigure(), destruct() and the fatal-signal
 * hooks onto it.
 *
 * Modes and fallbacks
 * -------------------
 *
 * One table row per XDP mode (xsk-port.c, 'xsk_port_modes[]') gives how the
 * program attaches (native or generic) and how the sockets bind (zero-copy
 * or copy).  A second table ('xsk_port_plans[]') gives which modes are
 * tried, in order, for the mode requested, the kind of device and the
 * number of queues: an explicit mode is tried alone; "best-effort" tries
 * generic, then native on a veth with one queue, native, then generic on a
 * veth with several queues (generic XDP on a veth numbers queues wrongly),
 * and native zero-copy, then native, then generic on any other device.
 * 'mode_reason' says which mode runs and why, for the status.  Each
 * try starts from nothing: a failed try is unwound completely before the
 * next one.  Sockets first bind with XDP_USE_SG (multi-buffer, Linux 6.6);
 * when the kernel refuses that with EINVAL on the first socket of a UMEM,
 * 'sg_refused' is set and the same mode is tried once more without it (the
 * MTU is then limited to one frame: xsk_port_max_mtu()).  'sg_refused'
 * stays set for the life of the port.
 *
 * Ownership
 * ---------
 *
 * While started, the port owns its program, its sockets and receive queues
 * and a reference to its UMEM (a UMEM goes when its last socket does: the
 * 'umem_sweep' op runs after every teardown).  It always owns its steering
 * rules (written into the program when one is attached) and its flow table
 * (attached to the program as the table's backend while both exist).
 *
 * Registry
 * --------
 *
 * xsk_port_init() puts a port into the process's registry, under the name
 * the user gives it (copied); xsk_port_destruct() takes it out first, before
 * it tears the port down, so that no walk of the registry meets a port that
 * is going; xsk_port_uninit() takes it out if it is still in.  The registry
 * owns no port: each one is its user's memory.  xsk_port_foreach() calls a
 * function for each registered port under the registry's lock.
 *
 * Stopping
 * --------
 *
 * xsk_port_stop() is the one way the program goes: it detaches the flow
 * table first, so that no later flow change writes through a freed
 * program, then detaches and frees the program.  xsk_port_teardown() calls
 * it after clearing the queues' XSKMAP entries and before closing the
 * sockets; the fatal-signal and exit hooks call it alone, for every port
 * (xsk_port_stop_all(); the sockets may still be in use by other threads
 * then; the kernel closes them at exit).
 *
 * Receiving and sending
 * ---------------------
 *
 * xsk_port_recv() receives on one queue (xsk-rx.h) for the queue's polling
 * thread.  xsk_port_send() sends a burst on one queue, under the queue's TX
 * lock when other threads may send on it too: packets the user marks as
 * TCP super-packets ('gso') go whole, with a GSO request, through the
 * port's AF_PACKET socket (xsk-vnet.h; opened by xsk_port_set_gso() when
 * the user's TSO is on or "tx-coalesce" or "tx-coalesce-geneve" is), and
 * so do runs of one TCP flow's segments, merged into one super-packet
 * (xsk-coal.h), and runs of one tunnel's Geneve packets (xsk-geneve.h; not on a
 * zero-copy socket, whose ring the device drains on its own time, so that
 * a flow's packets never overtake each other); the others go on the TX
 * ring (xsk-tx.h).  It says
 * what it dropped in a 'struct xsk_port_drops', which the user counts and
 * logs at a limited rate (xsk_report_drops() gives the text).
 *
 * Kernel operations
 * -----------------
 *
 * Every call that reaches the kernel, and the creation of UMEMs (the user
 * attaches per-frame metadata to a new one), goes through 'struct
 * xsk_port_ops', so that a unit test (tests/unit/test-port.c) can make any
 * of them fail and count what was created and destroyed.  The glue passes
 * the real ones ('xsk_port_kernel_ops': xsk-prog, xsk-sock, xsk-umem,
 * xsk-vnet) with its own UMEM metadata and log.
 *
 * Thread safety
 * -------------
 *
 * Start, teardown, stop, configuration ('requested', 'opts', 'error') and
 * steering changes are serialised by the caller (the glue's 'dev->mutex';
 * the fatal-signal hook runs when nothing else configures).  The registry
 * has its own lock, taken by xsk_port_init(), xsk_port_destruct(),
 * xsk_port_uninit() and xsk_port_foreach(); a walk of the registry reads
 * the ports without their configuration lock, as "afxdp/show" always did
 * (xsk-report.h).  The flow
 * table is written by the flow API from another thread (dpif-netdev's
 * offload thread): it lives in 'flows', a 'struct xsk_port_flows' with its
 * own lock, which the flow API takes itself ('flows.mutex', annotated for
 * Clang's thread-safety analysis); start and stop take it to attach and
 * detach the table.  The flow lock comes after the caller's configuration
 * lock and after the registry's, never before, and no other lock is taken
 * while it is held but the logging's.  The UMEM registry's lock
 * (xsk-umem.h) may be held when the port registry's is taken ("afxdp/show"
 * walks the ports for each UMEM), never the other way round.
 * 'rx_cfg' is read by the queues' pollers (relaxed atomic loads; it is
 * written with relaxed atomic stores: xsk_port_configure(),
 * xsk_port_set_mtu()). */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-coal.h"
#include "xsk-geneve.h"
#include "xsk-compat.h"
#include "xsk-flow.h"
#include "xsk-opts.h"
#include "xsk-rx.h"
#include "xsk-sock.h"
#include "xsk-steer.h"
#include "xsk-tx.h"
#include "xsk-umem.h"
#include "xsk-vnet.h"

struct xsk_prog;
struct xsk_port;

/* Ethernet header plus one VLAN tag: what an MTU leaves out of a frame. */
#define XSK_PORT_L2_OVERHEAD 18

/* The largest MTU of a port whose sockets take descriptor chains. */
#define XSK_PORT_MAX_MTU 9000

enum xsk_port_log_level {
    XSK_PORT_LOG_DBG,
    XSK_PORT_LOG_INFO,
    XSK_PORT_LOG_WARN,
};

/* What a port does outside itself.  Each function returns 0 or a positive
 * errno where it returns an int, and the ones with 'errp' store a one-line
 * reason there on failure (xsk_set_err()).  The signatures are those of the
 * real functions, named after each member. */
struct xsk_port_ops {
    /* The XDP program (xsk-prog.h). */
    int (*prog_attach)(int ifindex, bool generic, const struct xsk_steer *,
                       struct xsk_prog **, char **errp);
    void (*prog_detach)(struct xsk_prog *);
    int (*prog_set_queue)(struct xsk_prog *, uint32_t queue_id, int xsk_fd);
    void (*prog_clear_queue)(struct xsk_prog *, uint32_t queue_id);
    int (*prog_set_steer)(struct xsk_prog *, const struct xsk_steer *);
    int (*prog_steer_counts)(const struct xsk_prog *,
                             uint64_t counts[XSK_STEER_N_COUNTS]);
    /* Writes the flow table into a program's maps; the 'struct xsk_prog *'
     * is its 'aux'. */
    const struct xsk_flow_backend *flow_backend;

    /* Sockets (xsk-sock.h).  'sock_refill' puts free frames of the
     * socket's UMEM on its fill ring (xsk_sock_refill()). */
    int (*sock_create)(struct xsk_umem_pool *, const struct xsk_sock_cfg *,
                       struct xsk_sock **, char **errp);
    void (*sock_destroy)(struct xsk_sock *);
    void (*sock_refill)(struct xsk_sock *);
    int (*sock_xdp_stats)(const struct xsk_sock *, struct xdp_statistics *);
    bool (*tx_md_supported)(void);

    /* The port's device (xsk-features.h), for its flow-offload status. */
    int (*dev_xdp_features)(int ifindex, uint64_t *features);
    int (*dev_is_veth)(int ifindex, bool *is_veth);
    /* The MTU of a veth's peer (xsk-peer.h); NULL: never read. */
    int (*dev_peer_mtu)(int ifindex, int *mtu);

    /* UMEMs (xsk-umem.h): 'umem_get' finds the UMEM of 'key' or creates
     * it with the user's per-frame metadata 'umem_meta'; 'umem_sweep'
     * destroys those that no socket uses any more. */
    int (*umem_get)(const struct xsk_umem_key *, const struct xsk_umem_meta *,
                    struct xsk_umem_pool **);
    unsigned int (*umem_sweep)(void);
    const struct xsk_umem_meta *umem_meta;

    /* The AF_PACKET socket for TSO packets (xsk-vnet.h). */
    int (*gso_open)(int ifindex, int *fdp);
    int (*gso_send)(int fd, const struct virtio_net_hdr *,
                    const struct iovec *, uint32_t n_iov);

    /* Logs 'msg' about 'port' (may be NULL: no log).  The user prefixes
     * the port's name. */
    void (*log)(const struct xsk_port *, enum xsk_port_log_level,
                const char *msg);
};

/* One queue: its socket, the receive path and the TX counters.  'rx'
 * belongs to the queue's polling thread; the TX ring, the completion ring
 * and 'tx_stats' to the sender, one at a time: a queue that several
 * threads send on is sent on under 'tx_lock' (xsk_port_send()). */
struct xsk_port_queue {
    struct xsk_sock *sock;              /* NULL: no socket (set-up failed). */
    struct xsk_spin tx_lock __attribute__((aligned(XSK_CACHE_LINE)));
    struct xsk_tx_stats tx_stats;
    struct xsk_rxq rx __attribute__((aligned(XSK_CACHE_LINE)));
};

/* The offloaded flows of a port, as the flow API reaches them (through
 * one accessor of the glue): the table, and what the flow API needs to know
 * of the port itself, all under 'mutex' (XSK_GUARDED: in C, the analysis
 * cannot name a member's lock).  The port writes 'ifindex', 'has_skb_path'
 * and 'redirect' when it attaches its program and when it stops.  The
 * table's pointer never changes from xsk_port_init() to
 * xsk_port_uninit(). */
struct xsk_port_flows {
    struct xsk_mutex mutex;
    struct xsk_flow_table *table XSK_GUARDED;
    int ifindex XSK_GUARDED;            /* The port's while its program is
                                         * attached, else -1. */
    bool has_skb_path XSK_GUARDED;      /* Its tc program is attached
                                         * too. */
    int redirect XSK_GUARDED;           /* Its "offload-redirect" (enum
                                         * xsk_out_redirect). */
};

struct xsk_port {
    const struct xsk_port_ops *ops;
    void *aux;                          /* The user's, for 'ops->log'. */
    char *name;                         /* The user's name of the port, for
                                         * the reports (malloc'd). */

    /* In the registry, under the registry's lock.  'registered' is false
     * once the port is out. */
    bool registered;
    struct xsk_port *prev, *next;

    /* Options: 'requested' is the user's (xsk_opts_init() until it sets
     * them), 'opts' those of the last xsk_port_configure(), in effect. */
    struct xsk_opts requested;
    struct xsk_opts opts;
    bool configured;                    /* xsk_port_configure() has run. */
    char *error;                        /* Why its set-up failed (malloc'd),
                                         * or NULL. */

    /* Set by xsk_port_start(). */
    int ifindex;                        /* Negative: the interface was not
                                         * found. */
    enum xsk_mode mode_in_use;
    char mode_reason[96];               /* The mode in use and why, e.g.
                                         * "generic (best-effort on veth)";
                                         * "" if the start failed. */
    bool sg;                            /* Sockets take and send chains. */
    bool sg_refused;                    /* The kernel refused XDP_USE_SG. */
    bool tx_md;                         /* Sockets send partial checksums
                                         * with TX metadata. */
    struct xsk_prog *prog;              /* NULL: no program attached. */
    struct xsk_umem_pool *umem;
    int n_queues;
    struct xsk_port_queue *queues;
    struct xsk_rx_cfg rx_cfg;           /* Read by the queues' pollers;
                                         * 'rx_cfg.mtu' is the smaller of
                                         * 'mtu' and 'peer_mtu'. */
    int mtu;                            /* The interface's (0: not set). */
    int peer_mtu;                       /* Of a veth's peer, the last read
                                         * (xsk_port_refresh_peer()), or 0:
                                         * not a veth, or never read. */
    int peer_error;                     /* The last read's errno, or 0. */
    int gso_fd;                         /* AF_PACKET socket for TSO packets
                                         * and coalesced runs
                                         * (xsk_port_set_gso()), or -1.
                                         * Changed only while no thread
                                         * sends, as are 'coalesce' and
                                         * 'coalesce_geneve'. */
    bool coalesce;                      /* Send runs of segments through
                                         * it (xsk-coal.h). */
    bool coalesce_geneve;               /* And runs of Geneve packets
                                         * (xsk-geneve.h). */

    struct xsk_steer steer;             /* Rules in force (in 'prog'
                                         * whenever it is set). */
    char *steer_error;                  /* Why the last rules given were
                                         * refused (malloc'd), or NULL. */

    struct xsk_port_flows flows;
};

/* The real ones, but for 'umem_meta' and 'log' (NULL): the user copies them
 * and sets those two. */
extern const struct xsk_port_ops xsk_port_kernel_ops;

void xsk_port_init(struct xsk_port *, const char *name,
                   const struct xsk_port_ops *, void *aux);
void xsk_port_uninit(struct xsk_port *);
uint32_t xsk_port_destruct(struct xsk_port *);
void xsk_port_foreach(void (*cb)(struct xsk_port *, void *aux), void *aux);
void xsk_port_stop_all(void);

int xsk_port_start(struct xsk_port *, int ifindex, const struct xsk_opts *,
                   char **errp);
/* What xsk_port_request() changed. */
#define XSK_PORT_STEER_CHANGED 1        /* Steering rules or their refusal:
                                         * the status changed. */
#define XSK_PORT_RESTART 2              /* 'requested': configure again. */

int xsk_port_request(struct xsk_port *, const struct xsk_kv *, size_t n,
                     int n_dev_rxq, unsigned int *changes, char **errp);
bool xsk_port_is_current(const struct xsk_port *);
int xsk_port_configure(struct xsk_port *, int ifindex);
void xsk_port_set_mtu(struct xsk_port *, int mtu);
bool xsk_port_refresh_peer(struct xsk_port *);
int xsk_port_check_mtu(struct xsk_port *, int mtu, char **errp);
int xsk_port_max_frame_len(const struct xsk_port *);
void xsk_port_teardown(struct xsk_port *);
void xsk_port_stop(struct xsk_port *);
bool xsk_port_set_gso(struct xsk_port *, bool on);

/* What one xsk_port_send() dropped, for the user's logs and counters. */
struct xsk_port_drops {
    uint32_t too_big;           /* Longer than the socket sends... */
    uint32_t max_len;           /* ...which is this many bytes. */
    bool no_sg;                 /* The socket takes no chains. */
    uint32_t ring_full;         /* No room on the TX ring. */
    uint32_t no_frame;          /* No free frame to copy into. */
    uint32_t gso_failed;        /* TSO packets the kernel refused... */
    uint32_t gso_len;           /* ...the last of 'gso_len' bytes... */
    int gso_error;              /* ...for this reason. */
};

int xsk_port_rx_fd(const struct xsk_port *, int qid);
uint32_t xsk_port_recv(struct xsk_port *, int qid, bool gso_pass,
                       struct xsk_rx_pkt pkts[XSK_RX_BURST]);
uint32_t xsk_port_send(struct xsk_port *, int qid, bool concurrent,
                       struct xsk_tx_pkt *, uint32_t n,
                       struct xsk_port_drops *);

int xsk_port_set_steer(struct xsk_port *, const struct xsk_steer *);
bool xsk_port_configure_steer(struct xsk_port *, const char *rules,
                              const char *mode);
int xsk_port_max_mtu(const struct xsk_port *, uint32_t frame_size);

uint32_t xsk_port_purge_output(int ifindex);

#endif /* xsk-port.h */
