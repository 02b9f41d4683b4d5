/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_STEER_ABI_H
#define XSK_STEER_ABI_H 1

/* The steering tables shared by the XDP program (bpf/xsk_redirect.bpf.c),
 * which reads them, and the provider (xsk-steer.c builds rules,
 * xsk-prog.c writes them).  Included by both, so only <linux/types.h>.
 *
 * A rule is a masked key.  The program builds one key per frame, then for
 * each of the active set's masks, in order, looks up (set, mask index, key &
 * mask) in the rules hash; the first hit is the frame's rule.
 *
 * Two sets, 0 and 1, make a rule change atomic for the program: the
 * provider fills the set that is not active (its masks, rules and
 * counters), then stores its number in 'steer_active'.  A frame is
 * classified entirely by the set it read first; the provider refills a set
 * only after an RCU grace period since it stopped being the active one
 * (xsk-grace.h). */

#include <linux/types.h>

#define XSK_STEER_MAX_RULES 64
#define XSK_STEER_MAX_MASKS 8

/* What goes to the AF_XDP socket ("xdp-steer-mode"). */
enum xsk_steer_mode {
    XSK_STEER_ALL = 0,          /* Every frame: rules are not looked at. */
    XSK_STEER_MATCH = 1,        /* Frames that match a rule; others go to
                                 * the kernel stack (XDP_PASS). */
    XSK_STEER_NOMATCH = 2,      /* Frames that match no rule. */
};

/* What the program extracts from a frame.  Multi-byte fields are in network
 * byte order, except 'vlan'.  A field the frame does not have is 0. */
struct xsk_steer_key {
    __u8 dst_mac[6];
    __be16 ethertype;           /* After up to two VLAN tags. */
    __u16 vlan;                 /* Outer tag: VID | XSK_STEER_VLAN_PRESENT. */
    __u8 ip_proto;              /* IPv4 protocol or IPv6 next header. */
    __u8 pad;
    __be16 src_port;            /* TCP/UDP, first fragment only. */
    __be16 dst_port;
} __attribute__((aligned(8)));  /* The program masks it as two __u64. */

#define XSK_STEER_VLAN_PRESENT 0x1000

/* Key of the rules hash; the value is the rule's index (__u32). */
struct xsk_steer_hkey {
    struct xsk_steer_key key;   /* Already masked. */
    __u32 set_mask;             /* set << 8 | mask index. */
    __u32 pad;                  /* 0. */
};

/* One set: an element of the 'steer_sets' array (2 entries). */
struct xsk_steer_set {
    __u32 mode;                 /* enum xsk_steer_mode. */
    __u32 n_masks;
    struct xsk_steer_key masks[XSK_STEER_MAX_MASKS];
};

/* Per-CPU packet counters ('steer_counts'): entry set * XSK_STEER_N_COUNTS
 * + rule index for each rule's hits, + XSK_STEER_TO_HOST for the frames
 * that steering handed to the kernel stack. */
#define XSK_STEER_TO_HOST XSK_STEER_MAX_RULES
#define XSK_STEER_N_COUNTS (XSK_STEER_MAX_RULES + 1)

#endif /* xsk-steer-abi.h */
