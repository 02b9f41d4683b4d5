/* SPDX-License-Identifier: Apache-2.0 */

#ifndef NETDEV_XSK_OFFLOAD_H
#define NETDEV_XSK_OFFLOAD_H 1

/* Between the provider (netdev-xsk.c), which owns each port's offloaded-flow
 * table, and the flow API (netdev-xsk-offload.c), which fills it. */

#include <stdbool.h>

struct netdev;
struct smap;
struct netdev_flow_api;
struct xsk_flow_table;

extern const struct netdev_flow_api netdev_xsk_offload;

/* True if 'netdev' is an afxdp or afxdp-nonpmd port of ours. */
bool netdev_xsk_is_afxdp(const struct netdev *);

/* The interface index of an afxdp port, or a negative value if it has
 * none (not set up, or gone). */
int netdev_xsk_get_ifindex(const struct netdev *);

/* The "offload-redirect" option of afxdp port 'netdev' (enum xsk_out_redirect). */
int netdev_xsk_get_redirect(const struct netdev *);

/* True if afxdp port 'netdev' has its tc program attached: offloaded flows
 * that enter there can take the skb path. */
bool netdev_xsk_has_skb_path(const struct netdev *);

/* Adds to 'args' how offloaded flows enter afxdp port 'netdev' and reach
 * it as an output ("flow-offload", "flow-offload-output"), or why they
 * cannot.  'ifindex' is the port's (<= 0: no XDP program), 'tc_error' why
 * its tc program is not attached (0: it is), 'redirect' its
 * "offload-redirect". */
void netdev_xsk_offload_status(int ifindex, int tc_error, int redirect,
                               struct smap *args);

/* Locks and returns the offloaded-flow table of afxdp port 'netdev'.  The
 * table outlives reconfiguration: the provider moves it from program to
 * program under the same lock. */
struct xsk_flow_table *netdev_xsk_flows_lock(struct netdev *);
void netdev_xsk_flows_unlock(struct netdev *);

/* Removes, from every afxdp port, the flows that output to 'ifindex'. */
void netdev_xsk_purge_output(int ifindex);

#endif /* netdev-xsk-offload.h */
