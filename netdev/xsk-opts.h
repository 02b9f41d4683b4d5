/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_OPTS_H
#define XSK_OPTS_H 1

/* Interface options of afxdp ports: one table of names, defaults and limits,
 * and a strict parser.  Bad text ("abc", "ture", "12x"), out-of-range
 * numbers, unknown keys and conflicting keys are all rejected.  Every bad
 * key and value is named in one message; checks across keys run only once
 * each value is valid on its own.  Includes no OVS header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XSK_MAX_RXQ 16

enum xsk_mode {
    XSK_MODE_BEST_EFFORT,       /* Native zero-copy, else native, else
                                 * generic. */
    XSK_MODE_NATIVE_ZC,
    XSK_MODE_NATIVE,
    XSK_MODE_GENERIC,
};

/* How offloaded flows that output to the port reach it (xsk-flow-abi.h). */
enum xsk_out_redirect {
    XSK_REDIRECT_AUTO,          /* XDP redirects into a device that takes
                                 * XDP frames for good; the skb path into a
                                 * veth (which takes them only while its
                                 * peer lets it) or a device that does not
                                 * take them. */
    XSK_REDIRECT_XDP,           /* XDP redirects whenever the device takes
                                 * XDP frames now: fastest, but a veth whose
                                 * peer stops taking them drops frames until
                                 * the next revalidation. */
    XSK_REDIRECT_SKB,           /* The skb path always. */
};

struct xsk_opts {
    int n_rxq;                  /* "n_rxq": queues, one socket each. */
    int start_queue;            /* "start-queue": first queue id. */
    enum xsk_mode mode;         /* "xdp-mode". */
    bool need_wakeup;           /* "use-need-wakeup". */
    uint32_t rx_ring;           /* "n_rxq_desc": RX ring (fill is 2x). */
    uint32_t tx_ring;           /* "n_txq_desc": TX and completion rings. */
    uint32_t frame_size;        /* "frame-size": 2048 or 4096. */
    uint32_t umem_frames;       /* "umem-frames": frames of the UMEM. */
    bool csum_fix;              /* "rx-checksum-fix": handle partial
                                 * TCP/UDP checksums on receive (carried
                                 * as offload flags, finished by the output
                                 * port's kernel or by OVS). */
    bool tx_csum;               /* "tx-checksum-offload": send partial
                                 * checksums with TX metadata for the
                                 * kernel to finish. */
    bool coalesce;              /* "tx-coalesce": send runs of one TCP
                                 * flow's segments as one super-packet
                                 * (xsk-coal.h). */
    bool coalesce_geneve;       /* "tx-coalesce-geneve": send runs of one
                                 * tunnel's Geneve packets as one UDP
                                 * super-packet (xsk-geneve.h). */
    enum xsk_out_redirect redirect; /* "offload-redirect". */
};

struct xsk_kv {
    const char *key;
    const char *value;
};

void xsk_opts_init(struct xsk_opts *);
int xsk_opts_parse(const struct xsk_kv *, size_t n, struct xsk_opts *,
                   char **errp);
const char *xsk_mode_name(enum xsk_mode);
const char *xsk_out_redirect_name(enum xsk_out_redirect);
bool xsk_opts_equal(const struct xsk_opts *, const struct xsk_opts *);
int xsk_opts_check_device(const struct xsk_opts *, int n_dev_rxq,
                          char **errp);

#endif /* xsk-opts.h */
