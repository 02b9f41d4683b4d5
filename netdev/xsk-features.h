/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_FEATURES_H
#define XSK_FEATURES_H 1

/* What a device can do with XDP, and how many receive queues it has, as the
 * kernel reports it.  Includes no OVS header.
 *
 * XDP features: an XDP redirect into a device succeeds only if the device
 * has XSK_XDP_ACT_NDO_XMIT.  A veth has it only while its peer can take
 * the frames (the peer runs an XDP program or has GRO on); without it the
 * kernel drops every redirected frame.  Since the peer may change that at
 * any time, whether a device is a veth matters too. */

#include <stdbool.h>
#include <stdint.h>

#define XSK_XDP_ACT_NDO_XMIT (1u << 2)  /* NETDEV_XDP_ACT_NDO_XMIT. */

/* Stores the NETDEV_XDP_ACT_* flags of 'ifindex' in '*features'.  Returns
 * 0, EOPNOTSUPP if the kernel does not report them (before 6.3), or
 * another positive errno (ENODEV: no such device). */
int xsk_xdp_features(int ifindex, uint64_t *features);

/* Sets '*is_veth' if 'ifindex' is a veth (its ethtool driver name).
 * Returns 0 or a positive errno. */
int xsk_if_is_veth(int ifindex, bool *is_veth);

/* Where the kernel lists network devices (sysfs). */
#define XSK_SYSFS_NET "/sys/class/net"

/* Returns how many RX queues the device 'name' has: the number of
 * consecutive "queues/rx-N" entries, from 0, under 'sysfs_net'/'name'
 * (XSK_SYSFS_NET; a test passes a directory of its own), at most 1024.
 * Returns 0 if the device or its queues are not listed (unknown). */
int xsk_if_n_rx_queues(const char *sysfs_net, const char *name);

#endif /* xsk-features.h */
