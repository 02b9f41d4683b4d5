/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_STEER_H
#define XSK_STEER_H 1

/* Steering rules of an afxdp port ("options:xdp-steer" and
 * "options:xdp-steer-mode"): the parser that turns their text into the
 * masked keys the XDP program looks up (xsk-steer-abi.h).  Includes no OVS
 * header; xsk-prog.c writes a parsed set into the program's maps.
 *
 * Grammar: "xdp-steer" is a comma-separated list of rules; a rule is one or
 * more terms joined by '+', all of which a frame must match:
 *
 *     arp  ip  ipv6  icmp  icmp6         EtherType (and IP protocol)
 *     tcp  udp                           IP protocol, IPv4 or IPv6
 *     tcp:PORT  udp:PORT                 ... and destination port
 *     tcp-src:PORT  udp-src:PORT         ... and source port
 *     vlan:ID                            outer VLAN tag's VID (0-4095)
 *     ethertype:0xNNNN                   EtherType after VLAN tags
 *     dst-mac:XX:XX:XX:XX:XX:XX          destination MAC
 *
 * e.g. "icmp,udp:4789,arp" or "vlan:10+tcp:22,dst-mac:02:00:00:00:00:01".
 * Terms that contradict each other ("icmp+tcp"), duplicate rules, more than
 * XSK_STEER_MAX_RULES rules or more than XSK_STEER_MAX_MASKS different
 * combinations of fields are errors.
 *
 * Not thread-safe; a struct xsk_steer is plain data and may be copied. */

#include <stdbool.h>
#include <stdint.h>

#include "xsk-steer-abi.h"

#define XSK_STEER_TEXT_MAX 64   /* Bytes of a rule's text, with the NUL. */

struct xsk_steer_rule {
    struct xsk_steer_key key;   /* Already masked. */
    uint32_t mask;              /* Index in 'masks'. */
    char text[XSK_STEER_TEXT_MAX];
};

struct xsk_steer {
    enum xsk_steer_mode mode;
    uint32_t n_rules;
    uint32_t n_masks;
    struct xsk_steer_key masks[XSK_STEER_MAX_MASKS];
    struct xsk_steer_rule rules[XSK_STEER_MAX_RULES];
};

void xsk_steer_init(struct xsk_steer *);
int xsk_steer_parse(const char *rules, const char *mode, struct xsk_steer *,
                    char **errp);
bool xsk_steer_equal(const struct xsk_steer *, const struct xsk_steer *);
const char *xsk_steer_mode_name(enum xsk_steer_mode);
bool xsk_steer_key_match(const struct xsk_steer *,
                         const struct xsk_steer_key *, uint32_t *rule);

#endif /* xsk-steer.h */
