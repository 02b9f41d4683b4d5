/* SPDX-License-Identifier: Apache-2.0 */
/* xt-frame: the test frame the two generators send, xsk-gen (AF_XDP,
 * utilities/xsk-gen.c) and xdp-gen (BPF_PROG_RUN live frames,
 * utilities/xdp-gen.c), and the options that describe it.
 *
 * The frame format itself is in xsk-tools.h, which the sinks share.  This
 * module adds what only generators need: the options -s, -S, -D, -A, -B,
 * -p, -P, -f and -U with their help text, the interface check (MTU, MAC)
 * and the template, written once; each generator then patches per frame
 * the UDP source port, the sequence number and the UDP checksum, the
 * checksum from the template's sum (xt_frame_build()) as xt_frame_csum()
 * computes it.  Keeping this in one place keeps both generators' frames
 * byte for byte alike, so every sink counts and verifies either.
 *
 * Thread safety: none needed; single-threaded tools. */

#ifndef XT_FRAME_H
#define XT_FRAME_H 1

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/* What the test frames look like. */
struct xt_frame_opts {
    uint32_t size;              /* Frame length, without FCS. */
    uint8_t src_mac[6];
    bool src_mac_set;
    uint8_t dst_mac[6];
    uint32_t src_ip, dst_ip;    /* Host byte order. */
    uint16_t src_port, dst_port;
    uint32_t flows;             /* Source ports src_port...+flows-1. */
    bool udp_csum;
};

#define XT_FRAME_OPTS_SHORT "s:S:D:A:B:p:P:f:U"
#define XT_FRAME_OPTS_LONG                              \
    {"size", required_argument, NULL, 's'},             \
    {"src-mac", required_argument, NULL, 'S'},          \
    {"dst-mac", required_argument, NULL, 'D'},          \
    {"src-ip", required_argument, NULL, 'A'},           \
    {"dst-ip", required_argument, NULL, 'B'},           \
    {"src-port", required_argument, NULL, 'p'},         \
    {"dst-port", required_argument, NULL, 'P'},         \
    {"flows", required_argument, NULL, 'f'},            \
    {"no-udp-csum", no_argument, NULL, 'U'}

#define XT_FRAME_OPTS_HELP "\
  -s, --size BYTES       frame length without the 4-byte FCS, 60..4096\n\
                         (default 60: a \"64-byte\" Ethernet frame)\n\
  -S, --src-mac MAC      source MAC (default: IFACE's)\n\
  -D, --dst-mac MAC      destination MAC (default: ff:ff:ff:ff:ff:ff)\n\
  -A, --src-ip IP        source IPv4 address (default 10.0.0.1)\n\
  -B, --dst-ip IP        destination IPv4 address (default 10.0.0.2)\n\
  -p, --src-port PORT    UDP source port, the first one (default 1024)\n\
  -P, --dst-port PORT    UDP destination port (default 9)\n\
  -f, --flows N          vary the source port over N flows, round robin\n\
                         (default 1)\n\
  -U, --no-udp-csum      send UDP checksum 0 (default: a correct one)\n"

void xt_frame_opts_init(struct xt_frame_opts *);
bool xt_frame_opts_parse(struct xt_frame_opts *, int option,
                         const char *arg);
void xt_frame_opts_finish(const struct xt_frame_opts *);
int xt_frame_check_iface(struct xt_frame_opts *, const char *iface);
uint32_t xt_frame_build(const struct xt_frame_opts *, uint8_t *frame);

/* Returns the UDP checksum field of the frame with sequence number 'seq'
 * and source port 'port', from 'base', the sum xt_frame_build() returned.
 * 0 is sent as 0xffff (RFC 768). */
static inline uint16_t
xt_frame_csum(uint32_t base, uint16_t port, uint64_t seq)
{
    uint64_t sum = (uint64_t) base + port + (seq >> 48)
                   + (seq >> 32 & 0xffff) + (seq >> 16 & 0xffff)
                   + (seq & 0xffff);
    uint16_t csum;

    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    csum = ~sum & 0xffff;
    return csum ? csum : 0xffff;
}

#endif /* xt-frame.h */
