/* SPDX-License-Identifier: Apache-2.0 */
/* stack-sink: UDP receiver for benchmarks, behind the Linux IP/UDP stack.
 *
 * The benchmark's third receiver ("stack", utilities/ovs-xsk-bench): the
 * test frames (xsk-tools.h) go through the kernel's receive path of the
 * interface, IPv4 and UDP, into a socket bound to their destination port
 * (-P, default 9: the generators' default) on that interface
 * (SO_BINDTODEVICE), and this tool reads them with recvmmsg(), a batch of
 * up to STACK_BATCH datagrams per call, and counts them.  What it counts
 * is what an application gets from the stack: a datagram the stack dropped
 * (no socket, full receive buffer, bad checksum) is not counted.  The
 * kernel's own UDP counters (/proc/net/snmp of the network namespace it
 * runs in) are printed at the end as differences over the run, so a
 * shortfall can be told apart: "in" are the datagrams the stack queued to
 * any socket, "noports" those for a port without one, "rcvbuf_errors"
 * those dropped for a full buffer, "in_errors" all the stack's drops.
 *
 * The socket's receive buffer is set with SO_RCVBUFFORCE (-b, default
 * 4 MB) because a descheduled receiver loses datagrams otherwise, as a
 * small RX ring makes xsk-sink lose frames.  The clock is read once per
 * batch; it waits in poll() when no datagram is queued.  It stops after -d
 * SECONDS, after -n datagrams or on SIGINT, SIGTERM or SIGHUP.
 *
 * Output (stdout), the lines xsk-sink prints, so the benchmark parses both
 * alike:
 *
 *     sink: ready iface=B port=9
 *     sink: t=1 rx=812345 pps=812345
 *     sink: total rx=N seconds=S pps=P bytes=B
 *     sink: udp in=N noports=N rcvbuf_errors=N in_errors=N
 *
 * 'bytes' sums UDP payload lengths.  Exit status: 0; 1 on a failure; 2 on
 * a command-line error. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsk-tools.h"

#define STACK_BATCH 64          /* Datagrams per recvmmsg(). */
#define STACK_BUF 2048          /* Bytes kept of each datagram. */
#define STACK_RCVBUF (4 << 20)  /* Default receive buffer. */

struct stack_opts {
    struct xt_opts c;           /* -i, -d, -n, -c. */
    uint16_t port;
    uint32_t rcvbuf;
};

/* The kernel's UDP counters (/proc/net/snmp "Udp:"). */
struct stack_udp {
    unsigned long long in, noports, in_errors, rcvbuf_errors;
};

static void
usage(void)
{
    printf("\
%s: receives UDP datagrams through the Linux IP stack, for benchmarks\n\
usage: %s -i IFACE [OPTION]...\n\
  -i, --iface IFACE      interface to receive on (required): the socket\n\
                         is bound to it\n\
  -P, --dst-port PORT    UDP port to bind (default 9)\n\
  -b, --rcvbuf BYTES     socket receive buffer (default 4194304)\n\
  -d, --duration SECONDS stop after this long (decimals allowed)\n\
  -n, --count N          stop after N datagrams\n\
  -c, --cpu CPU          run on CPU only\n\
  -h, --help             this text\n\
Runs until -d, -n or SIGINT/SIGTERM.  Prints \"sink: ready ...\" once\n\
bound, a line per second, \"sink: t=T rx=TOTAL pps=RATE\", and at the end\n\
\"sink: total rx=N seconds=S pps=P bytes=B\" and the kernel's UDP\n\
counters over the run.\n",
           xt_program, xt_program);
}

/* Parses option 'option' of stack-sink's own (xt_option_func). */
static bool
parse_option(void *o_, int option, const char *arg)
{
    struct stack_opts *o = o_;

    if (option == 'P') {
        o->port = xt_opt_uint("-P", arg, 1, UINT16_MAX);
    } else if (option == 'b') {
        o->rcvbuf = xt_opt_uint("-b", arg, 4096, INT32_MAX / 2);
    } else {
        return false;
    }
    return true;
}

static void
parse_options(int argc, char *argv[], struct stack_opts *o)
{
    static const struct option long_options[] = {
        XT_OPTS_LONG,
        {"dst-port", required_argument, NULL, 'P'},
        {"rcvbuf", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    xt_opts_init(&o->c);
    o->port = 9;
    o->rcvbuf = STACK_RCVBUF;
    xt_parse_options(argc, argv, XT_OPTS_SHORT "P:b:h", long_options, &o->c,
                     parse_option, o, usage);
}

/* Reads the UDP counters of this network namespace into 'u'.  Returns
 * false if they cannot be read. */
static bool
read_udp(struct stack_udp *u)
{
    char names[512], values[512];
    bool ok = false;
    FILE *f;

    memset(u, 0, sizeof *u);
    f = fopen("/proc/net/snmp", "r");
    if (!f) {
        return false;
    }
    while (fgets(names, sizeof names, f)) {
        char *ns, *vs, *n, *v;

        if (strncmp(names, "Udp: ", 5) || !fgets(values, sizeof values, f)) {
            continue;
        }
        n = strtok_r(names + 5, " \n", &ns);
        v = strtok_r(values + 5, " \n", &vs);
        for (; n && v; n = strtok_r(NULL, " \n", &ns),
                       v = strtok_r(NULL, " \n", &vs)) {
            unsigned long long x = strtoull(v, NULL, 10);

            if (!strcmp(n, "InDatagrams")) {
                u->in = x;
            } else if (!strcmp(n, "NoPorts")) {
                u->noports = x;
            } else if (!strcmp(n, "InErrors")) {
                u->in_errors = x;
            } else if (!strcmp(n, "RcvbufErrors")) {
                u->rcvbuf_errors = x;
            }
        }
        ok = true;
        break;
    }
    fclose(f);
    return ok;
}

/* Returns a UDP socket bound to port 'o->port' on 'o->c.iface', or -1 with
 * a message printed. */
static int
open_socket(const struct stack_opts *o)
{
    struct sockaddr_in sin;
    int buf = o->rcvbuf;
    int fd;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        xt_error("socket: %s", strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf)
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf)) {
        xt_error("SO_RCVBUF %d: %s", buf, strerror(errno));
        goto error;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->c.iface,
                   strlen(o->c.iface))) {
        xt_error("%s: SO_BINDTODEVICE: %s", o->c.iface, strerror(errno));
        goto error;
    }
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(o->port);
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *) &sin, sizeof sin)) {
        xt_error("bind to port %u: %s", o->port, strerror(errno));
        goto error;
    }
    return fd;

error:
    close(fd);
    return -1;
}

/* Receives on 'fd' until -d, -n or a signal, printing a line per second;
 * adds to '*rx' and '*bytes' and sets the first and last batch's times. */
static void
run(const struct stack_opts *o, int fd, uint64_t *rx, uint64_t *bytes,
    uint64_t *first_ns, uint64_t *last_ns)
{
    static char bufs[STACK_BATCH][STACK_BUF];
    struct mmsghdr msgs[STACK_BATCH];
    struct iovec iov[STACK_BATCH];
    uint64_t start = xt_now_ns();
    struct xt_ticker tk;

    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < STACK_BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = STACK_BUF;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    xt_ticker_init(&tk, "sink", "rx", start);

    while (!xt_stop) {
        uint64_t max = o->c.count ? o->c.count - *rx : STACK_BATCH;
        int n = recvmmsg(fd, msgs, max < STACK_BATCH ? max : STACK_BATCH,
                         MSG_DONTWAIT, NULL);
        uint64_t now;

        if (n > 0) {
            now = xt_now_ns();
            for (int i = 0; i < n; i++) {
                *bytes += msgs[i].msg_len;
            }
            *rx += n;
            *first_ns = *first_ns ? *first_ns : now;
            *last_ns = now;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            xt_error("recvmmsg: %s", strerror(errno));
            return;
        } else {
            struct pollfd pfd = { .fd = fd, .events = POLLIN };

            now = xt_now_ns();
            if (now < tk.next_ns) {
                poll(&pfd, 1, (tk.next_ns - now) / 1000000 + 1);
                now = xt_now_ns();
            }
        }

        xt_ticker_run(&tk, now, *rx);
        if ((o->c.duration_ns && now - start >= o->c.duration_ns)
            || (o->c.count && *rx >= o->c.count)) {
            return;
        }
    }
}

int
main(int argc, char *argv[])
{
    uint64_t rx = 0, bytes = 0, first_ns = 0, last_ns = 0;
    struct stack_udp u0, u1;
    struct stack_opts o;
    bool have_udp;
    int fd;

    xt_program = "stack-sink";
    parse_options(argc, argv, &o);
    if (xt_pin_cpu(o.c.cpu)) {
        return 1;
    }
    xt_catch_signals();
    fd = open_socket(&o);
    if (fd < 0) {
        return 1;
    }
    have_udp = read_udp(&u0);
    printf("sink: ready iface=%s port=%u\n", o.c.iface, o.port);
    fflush(stdout);

    run(&o, fd, &rx, &bytes, &first_ns, &last_ns);

    xt_print_total("sink", "rx", rx, last_ns - first_ns,
                   last_ns > first_ns ? xt_rate(rx, last_ns - first_ns) : rx);
    printf(" bytes=%llu\n", (unsigned long long) bytes);
    if (have_udp && read_udp(&u1)) {
        printf("sink: udp in=%llu noports=%llu rcvbuf_errors=%llu "
               "in_errors=%llu\n", u1.in - u0.in, u1.noports - u0.noports,
               u1.rcvbuf_errors - u0.rcvbuf_errors,
               u1.in_errors - u0.in_errors);
    }
    fflush(stdout);
    close(fd);
    return 0;
}
