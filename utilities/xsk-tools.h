/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_TOOLS_H
#define XSK_TOOLS_H 1

/* What the benchmark traffic tools xsk-gen and xsk-sink share.
 *
 * xsk-gen (utilities/xsk-gen.c) sends test frames through one AF_XDP
 * socket; xsk-sink (utilities/xsk-sink.c) receives them through AF_XDP and
 * can check them.  Both drive the provider's own core (netdev/xsk-umem.c,
 * netdev/xsk-sock.c, and for the sink netdev/xsk-prog.c), so a benchmark
 * also exercises that code.  This file holds the test frame format, which
 * the two must agree on, and what makes the two behave alike: the options
 * both take (-i, -d, -n, -c), strict parsing of option values, messages,
 * the per-second progress line, the clock, CPU pinning and the stop flag
 * set by SIGINT/SIGTERM/SIGHUP.
 *
 * Test frame
 * ----------
 *
 * An Ethernet II frame, without FCS, carrying IPv4 (20-byte header, DF, no
 * options, TTL 64) and UDP:
 *
 *     offset  bytes  field
 *     0       14     Ethernet: destination, source, type 0x0800
 *     14      20     IPv4; total length = frame length - 14
 *     34      8      UDP; source port = first port + sequence % flows;
 *                    length = frame length - 34; checksum or 0
 *     42      4      XT_MAGIC, big-endian: "this is a test frame"
 *     46      8      sequence number, big-endian, 0 for the first frame
 *     54      ...    pattern: byte at frame offset 'o' is xt_pattern(o)
 *
 * The smallest frame is XT_MIN_FRAME (60) bytes, the minimum Ethernet
 * frame of 64 bytes less the 4-byte FCS that the NIC adds.  Sizes are
 * always given and counted without FCS.
 *
 * Thread safety: single-threaded tools; only 'xt_stop' is touched by a
 * signal handler. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define XT_ETH_HLEN 14
#define XT_IP_OFS 14
#define XT_UDP_OFS 34
#define XT_MAGIC_OFS 42
#define XT_SEQ_OFS 46
#define XT_PATTERN_OFS 54
#define XT_MIN_FRAME 60
#define XT_MAGIC 0x58534b47u    /* "XSKG" */

#define XT_NSEC_PER_SEC 1000000000ull

/* Byte of the payload pattern at frame offset 'ofs'. */
static inline uint8_t
xt_pattern(uint32_t ofs)
{
    return (uint8_t) (ofs * 7 + 0x5b);
}

static inline uint16_t
xt_get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static inline void
xt_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static inline uint32_t
xt_get32(const uint8_t *p)
{
    return (uint32_t) xt_get16(p) << 16 | xt_get16(p + 2);
}

static inline uint64_t
xt_get64(const uint8_t *p)
{
    return (uint64_t) xt_get32(p) << 32 | xt_get32(p + 4);
}

static inline void
xt_put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = v & 0xff;
        v >>= 8;
    }
}

/* Set to true by SIGINT, SIGTERM or SIGHUP once xt_catch_signals() ran. */
extern volatile sig_atomic_t xt_stop;

/* The tool's name, for messages ("xsk-gen"); set by main(). */
extern const char *xt_program;

void xt_catch_signals(void);
uint64_t xt_now_ns(void);
void xt_sleep_ns(uint64_t ns);
int xt_pin_cpu(int cpu);
void xt_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Options both tools take: -i, -d, -n, -c. */
struct xt_opts {
    const char *iface;
    int ifindex;
    uint64_t duration_ns;       /* 0 for no limit. */
    uint64_t count;             /* 0 for no limit. */
    int cpu;                    /* -1 for no pinning. */
};

#define XT_OPTS_SHORT "i:d:n:c:"
#define XT_OPTS_LONG                                    \
    {"iface", required_argument, NULL, 'i'},            \
    {"duration", required_argument, NULL, 'd'},         \
    {"count", required_argument, NULL, 'n'},            \
    {"cpu", required_argument, NULL, 'c'}

void xt_opts_init(struct xt_opts *);
bool xt_opts_parse(struct xt_opts *, int option, const char *arg);

/* A tool's own options: parses 'option' with argument 'arg' into 'aux' and
 * returns true, or returns false if 'option' is not one of them. */
typedef bool xt_option_func(void *aux, int option, const char *arg);

struct option;
void xt_parse_options(int argc, char *argv[], const char *short_options,
                      const struct option *, struct xt_opts *,
                      xt_option_func *, void *aux, void (*usage)(void));

uint64_t xt_opt_uint(const char *opt, const char *arg, uint64_t min,
                     uint64_t max);
uint64_t xt_opt_seconds(const char *opt, const char *arg);
void xt_opt_mac(const char *opt, const char *arg, uint8_t mac[6]);
uint32_t xt_opt_ipv4(const char *opt, const char *arg);
int xt_opt_ifindex(const char *opt, const char *arg);
void xt_opts_finish(const struct xt_opts *, int argc, char *argv[]);
void xt_usage_error(const char *format, ...)
    __attribute__((format(printf, 1, 2), noreturn));

uint16_t xt_ip_csum(const uint8_t *ip_header);
uint64_t xt_rate(uint64_t packets, uint64_t ns);
void xt_print_total(const char *name, const char *what, uint64_t n,
                    uint64_t span_ns, uint64_t pps);

/* Progress, one stdout line a second: "NAME: t=T WHAT=TOTAL pps=RATE", with
 * TOTAL counted from the start and RATE over the last second. */
struct xt_ticker {
    const char *name;           /* "gen", "sink". */
    const char *what;           /* "sent", "rx". */
    uint64_t next_ns;           /* When the next line is due. */
    uint64_t prev_ns;           /* When the last line was printed. */
    uint64_t prev_count;
    unsigned int t;             /* Lines printed. */
};

void xt_ticker_init(struct xt_ticker *, const char *name, const char *what,
                    uint64_t now);
void xt_ticker_run(struct xt_ticker *, uint64_t now, uint64_t count);

#endif /* xsk-tools.h */
