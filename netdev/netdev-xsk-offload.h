/* SPDX-License-Identifier: Apache-2.0 */

#ifndef NETDEV_XSK_OFFLOAD_H
#define NETDEV_XSK_OFFLOAD_H 1

/* Between the provider (netdev-xsk.c), which owns each afxdp port, and the
 * flow API (netdev-xsk-offload.c), which fills a port's offloaded-flow
 * table.  One way only: the flow API reaches a port through
 * netdev_xsk_flows() and takes the lock of what it returns itself; the
 * provider only registers 'netdev_xsk_offload' with OVS, and reads the
 * flow-offload status from the core (xsk_report_offload()). */

struct netdev;
struct netdev_flow_api;
struct xsk_port_flows;

/* The flow API, defined by netdev-xsk-offload.c. */
extern const struct netdev_flow_api netdev_xsk_offload;

/* Returns the offloaded flows of 'netdev' (xsk-port.h: the table and what
 * the flow API needs to know of the port, under their own lock), or NULL
 * if 'netdev' is not an afxdp or afxdp-nonpmd port.  They live as long as
 * the netdev; the table outlives reconfiguration (the port moves it from
 * program to program under that lock).  Defined by netdev-xsk.c. */
struct xsk_port_flows *netdev_xsk_flows(const struct netdev *);

#endif /* netdev-xsk-offload.h */
