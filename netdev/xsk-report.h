/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_REPORT_H
#define XSK_REPORT_H 1

/* What a port and a UMEM report, as numbers and as text: a port's status
 * and configuration (key-value pairs: Interface:status, the netdev's
 * get_config()), its counters summed over its queues, the named list of its
 * counters (the netdev's custom statistics), and the texts of "ovs-appctl
 * afxdp/stats" and "afxdp/show".  Includes no OVS header: the OVS glue
 * (netdev-xsk.c) copies the numbers into OVS's structs, the key-value pairs
 * into an smap and the texts into its unixctl replies.  A port's name is
 * the one it has in the registry (xsk-port.h).
 *
 * Ownership: the texts xsk_report_stats() and xsk_report_show() return are
 * malloc'd, the caller's to free; the single lines go to the caller's FILE.
 * Nothing else returned here is the caller's.
 *
 * Thread safety: the counters are read as the queues' threads write them,
 * without a lock (a total may be a few packets behind).  For the status,
 * the configuration and the counters the caller holds its configuration
 * lock, so that the queues and sockets stay.  xsk_report_show() walks the
 * UMEM registry and, for each UMEM and then once more, the port registry,
 * under their locks (xsk-port.h gives the order) and without the ports'
 * configuration locks, as "afxdp/show" always did.  xsk_report_flows()
 * takes the port's flow lock itself.  The steering hits are read from the
 * program through the port's ops, the kernel's socket counters through
 * 'sock_xdp_stats'. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xsk-port.h"

/* Gives 'put' the status of a port, one key and value at a time. */
void xsk_report_status(const struct xsk_port *,
                       void (*put)(void *aux, const char *key,
                                   const char *value),
                       void *aux);

/* Gives 'put' the configuration of a port (the netdev's get_config()), one
 * key and value at a time. */
void xsk_report_config(const struct xsk_port *,
                       void (*put)(void *aux, const char *key,
                                   const char *value),
                       void *aux);

/* Gives 'put' the "flow-offload" lines of the status of a port.  Asks the
 * kernel about the port's device through the port's ops. */
void xsk_report_offload(const struct xsk_port *, bool enabled,
                        void (*put)(void *aux, const char *key,
                                    const char *value),
                        void *aux);

/* A port's counters, each summed over its queues. */
struct xsk_port_totals {
    struct xsk_rx_stats rx;
    struct xsk_tx_stats tx;
    struct xsk_sock_stats sock;         /* Of every socket. */
    struct xdp_statistics xdp;          /* The kernel's, of the sockets
                                         * whose counters it gave. */
};

void xsk_port_totals(const struct xsk_port *, struct xsk_port_totals *);

/* A port's counters as OVS shows them for the interface (the fields of its
 * 'struct netdev_stats' that the port counts), from the totals: the drops
 * include the kernel's (no room in its RX or fill ring; TX sends refused
 * as busy), the errors are descriptors the kernel found invalid. */
struct xsk_port_summary {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_dropped;
    uint64_t rx_errors;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_dropped;
    uint64_t tx_errors;
};

void xsk_port_summary(const struct xsk_port *, struct xsk_port_summary *);

/* One named counter ("tx_zero_copy_packets", "xsk_queue_0_rx_dropped"). */
#define XSK_COUNTER_NAME_SIZE 64
struct xsk_counter {
    char name[XSK_COUNTER_NAME_SIZE];
    uint64_t value;
};

size_t xsk_port_max_counters(const struct xsk_port *);
size_t xsk_port_counters(const struct xsk_port *, struct xsk_counter *);

/* "afxdp/stats" text: the summary, then the named counters, one
 * "name=value" line each.  Returns it malloc'd (caller frees). */
char *xsk_report_stats(const struct xsk_port *);

/* "afxdp/show" text: for every UMEM of the process its line and the lines
 * of the queues that use it, then the steering and flow lines of every
 * port; "no UMEM\n" if that is nothing.  Returns it malloc'd (caller
 * frees). */
char *xsk_report_show(void);

/* Writes into 'buf' ('size' bytes) the one-line text of what 'drops' says
 * one send dropped, for the user's rate-limited warning.  Returns false,
 * writing nothing, if there is nothing worth a warning (only full rings
 * and no free frame: the user counts those). */
bool xsk_report_drops(const struct xsk_port_drops *, char *buf, size_t size);

/* The single "afxdp/show" lines. */
void xsk_report_umem(const struct xsk_umem_pool *, const struct xsk_places *,
                     bool accounted, FILE *);
void xsk_report_queues(const struct xsk_port *, const struct xsk_umem_pool *,
                       FILE *);
void xsk_report_steer(const struct xsk_port *, FILE *);
void xsk_report_flows(struct xsk_port *, FILE *);

#endif /* xsk-report.h */
