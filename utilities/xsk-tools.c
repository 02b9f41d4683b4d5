/* SPDX-License-Identifier: Apache-2.0 */

/* Command-line helpers shared by xsk-gen and xsk-sink; see xsk-tools.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* sched_setaffinity() */
#endif

#include "xsk-tools.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t xt_stop;
const char *xt_program = "xsk-tool";

static void
stop_handler(int signo)
{
    (void) signo;
    xt_stop = 1;
}

/* Makes SIGINT, SIGTERM and SIGHUP set 'xt_stop', without SA_RESTART so
 * that a sleep or poll() in progress returns early, and ignores SIGPIPE (a
 * closed stdout must not kill a tool before it cleans up). */
void
xt_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t
xt_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * XT_NSEC_PER_SEC + ts.tv_nsec;
}

/* Sleeps up to 'ns' nanoseconds; a signal ends the sleep early. */
void
xt_sleep_ns(uint64_t ns)
{
    struct timespec ts = {
        .tv_sec = ns / XT_NSEC_PER_SEC,
        .tv_nsec = ns % XT_NSEC_PER_SEC,
    };

    nanosleep(&ts, NULL);
}

static void
verror(const char *format, va_list args, const char *suffix)
{
    fprintf(stderr, "%s: ", xt_program);
    vfprintf(stderr, format, args);
    fprintf(stderr, "%s\n", suffix);
}

/* Prints "PROGRAM: MESSAGE" to stderr. */
void
xt_error(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    verror(format, args, "");
    va_end(args);
}

/* Runs the calling thread on CPU 'cpu' only, if 'cpu' is not negative.
 * Returns 0 or a positive errno, with a message printed. */
int
xt_pin_cpu(int cpu)
{
    cpu_set_t set;
    int error;

    if (cpu < 0) {
        return 0;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    error = cpu >= CPU_SETSIZE ? EINVAL
            : sched_setaffinity(0, sizeof set, &set) ? errno : 0;
    if (error) {
        xt_error("cannot run on CPU %d: %s", cpu, strerror(error));
    }
    return error;
}

/* Prints "PROGRAM: MESSAGE" and a hint to stderr and exits with status 2,
 * the status of every command-line error. */
void
xt_usage_error(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    verror(format, args, " (try --help)");
    va_end(args);
    exit(2);
}

/* Returns 'arg', the argument of option 'opt', as a decimal integer in
 * 'min'...'max'; anything else is a command-line error. */
uint64_t
xt_opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
    unsigned long long v;
    char *end;

    errno = 0;
    v = strtoull(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end || errno || v < min
        || v > max) {
        xt_usage_error("%s: '%s' is not an integer in %llu..%llu", opt, arg,
                       (unsigned long long) min, (unsigned long long) max);
    }
    return v;
}

/* Returns 'arg', a positive number of seconds with at most 9 decimals
 * ("10", "0.5"), in nanoseconds. */
uint64_t
xt_opt_seconds(const char *opt, const char *arg)
{
    const char *p = arg;
    uint64_t sec = 0, frac = 0, scale = XT_NSEC_PER_SEC;

    for (; *p >= '0' && *p <= '9'; p++) {
        sec = sec * 10 + (*p - '0');
        if (sec > 10000000) {
            goto bad;
        }
    }
    if (p == arg && *p != '.') {
        goto bad;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale == 1) {
                goto bad;
            }
            scale /= 10;
            frac += (*p - '0') * scale;
        }
    }
    if (*p || sec * XT_NSEC_PER_SEC + frac == 0) {
        goto bad;
    }
    return sec * XT_NSEC_PER_SEC + frac;

bad:
    xt_usage_error("%s: '%s' is not a positive number of seconds", opt, arg);
}

/* Parses 'arg' as a MAC address "aa:bb:cc:dd:ee:ff" into 'mac'. */
void
xt_opt_mac(const char *opt, const char *arg, uint8_t mac[6])
{
    unsigned int b[6];
    int n = -1;

    if (sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &n) != 6 || n < 0 || arg[n]
        || strlen(arg) != 17) {
        xt_usage_error("%s: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
                       opt, arg);
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = b[i];
    }
}

/* Returns 'arg', a dotted-quad IPv4 address, in host byte order. */
uint32_t
xt_opt_ipv4(const char *opt, const char *arg)
{
    struct in_addr a;

    if (inet_pton(AF_INET, arg, &a) != 1) {
        xt_usage_error("%s: '%s' is not an IPv4 address", opt, arg);
    }
    return ntohl(a.s_addr);
}

/* Sets the defaults of the common options. */
void
xt_opts_init(struct xt_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cpu = -1;
}

/* Parses common option 'option' with argument 'arg', as getopt_long()
 * returned them.  Returns false if 'option' is not a common one. */
bool
xt_opts_parse(struct xt_opts *o, int option, const char *arg)
{
    switch (option) {
    case 'i':
        o->iface = arg;
        o->ifindex = xt_opt_ifindex("-i", arg);
        return true;
    case 'd':
        o->duration_ns = xt_opt_seconds("-d", arg);
        return true;
    case 'n':
        o->count = xt_opt_uint("-n", arg, 1, UINT64_MAX);
        return true;
    case 'c':
        o->cpu = xt_opt_uint("-c", arg, 0, CPU_SETSIZE - 1);
        return true;
    default:
        return false;
    }
}

/* Parses the command line with getopt_long() and the tool's
 * 'short_options' and 'long_options', which include the common ones
 * (XT_OPTS_SHORT, XT_OPTS_LONG) and -h, --help.  Each option goes to
 * 'parse' with 'aux' first, then to the common options in 'o'; -h prints
 * 'usage' and exits 0; any other option is a usage error.  Ends with
 * xt_opts_finish(). */
void
xt_parse_options(int argc, char *argv[], const char *short_options,
                 const struct option *long_options, struct xt_opts *o,
                 xt_option_func *parse, void *aux, void (*usage)(void))
{
    int option;

    while ((option = getopt_long(argc, argv, short_options, long_options,
                                 NULL)) != -1) {
        if (option == 'h') {
            usage();
            exit(0);
        }
        if (!parse(aux, option, optarg)
            && !xt_opts_parse(o, option, optarg)) {
            xt_usage_error("bad option");
        }
    }
    xt_opts_finish(o, argc, argv);
}

/* Checks what every tool requires once getopt_long() is done: no operand
 * and an interface. */
void
xt_opts_finish(const struct xt_opts *o, int argc, char *argv[])
{
    if (optind < argc) {
        xt_usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (!o->iface) {
        xt_usage_error("-i IFACE is required");
    }
}

/* Returns the index of interface 'arg'. */
int
xt_opt_ifindex(const char *opt, const char *arg)
{
    unsigned int ifindex = if_nametoindex(arg);

    if (!ifindex || ifindex > INT_MAX) {
        xt_usage_error("%s: no interface '%s'", opt, arg);
    }
    return ifindex;
}

/* Returns the Internet checksum of the 20-byte IPv4 header at 'ip', as a
 * host-order value: the field's value when the field holds 0, and 0 when
 * the header, with its field, is intact. */
uint16_t
xt_ip_csum(const uint8_t *ip)
{
    uint32_t sum = 0;

    for (int i = 0; i < 20; i += 2) {
        sum += xt_get16(ip + i);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

/* Returns 'packets' per second over 'ns' nanoseconds, 0 if 'ns' is 0. */
uint64_t
xt_rate(uint64_t packets, uint64_t ns)
{
    return ns ? (uint64_t) ((double) packets * XT_NSEC_PER_SEC / ns + 0.5)
              : 0;
}

/* Prints the summary line every tool ends with, "NAME: total WHAT=N
 * seconds=S pps=PPS" ('span_ns' as seconds with 3 decimals), without a
 * newline: the caller adds its own fields, then the newline. */
void
xt_print_total(const char *name, const char *what, uint64_t n,
               uint64_t span_ns, uint64_t pps)
{
    uint64_t ms = (span_ns + 500000) / 1000000;

    printf("%s: total %s=%llu seconds=%llu.%03llu pps=%llu", name, what,
           (unsigned long long) n, (unsigned long long) (ms / 1000),
           (unsigned long long) (ms % 1000), (unsigned long long) pps);
}

/* Starts 'tk' at 'now': its first line is due a second later. */
void
xt_ticker_init(struct xt_ticker *tk, const char *name, const char *what,
               uint64_t now)
{
    tk->name = name;
    tk->what = what;
    tk->next_ns = now + XT_NSEC_PER_SEC;
    tk->prev_ns = now;
    tk->prev_count = 0;
    tk->t = 0;
}

/* Prints the progress line if it is due at 'now', with 'count' the total so
 * far. */
void
xt_ticker_run(struct xt_ticker *tk, uint64_t now, uint64_t count)
{
    if (now < tk->next_ns) {
        return;
    }
    printf("%s: t=%u %s=%llu pps=%llu\n", tk->name, ++tk->t, tk->what,
           (unsigned long long) count,
           (unsigned long long) xt_rate(count - tk->prev_count,
                                        now - tk->prev_ns));
    fflush(stdout);
    tk->prev_ns = now;
    tk->prev_count = count;
    tk->next_ns += XT_NSEC_PER_SEC;
}
