/* SPDX-License-Identifier: Apache-2.0 */

/* xdp-redirect: the benchmark's in-kernel reference path and its cheapest
 * receiver, on bpf/bench_redirect.bpf.c.  (xdp-tools' xdp-bench needs
 * kernel BTF for tracepoints that this kernel does not offer.)
 *
 *   xdp-redirect IN OUT       redirects every frame of IN to OUT (native
 *                             XDP) until SIGINT/SIGTERM, then detaches.
 *   xdp-redirect --drop IFACE SECONDS
 *                             counts and drops every frame of IFACE for
 *                             SECONDS, printing xsk-sink's lines ("sink:
 *                             t=T rx=TOTAL pps=RATE" each second, "sink:
 *                             total rx=N ..." at the end), so the
 *                             benchmark reads both receivers alike. */

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk-compat.h"
#include "xsk-tools.h"
#include "xsk-bpf/bench_redirect.skel.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

/* Frames counted by the drop program so far, over all CPUs. */
static unsigned long long
drop_total(const struct bench_redirect *skel)
{
    int n_cpus = libbpf_num_possible_cpus();
    unsigned long long sum = 0;
    uint64_t v[1024];
    uint32_t zero = 0;

    if (n_cpus > 0 && n_cpus <= 1024
        && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.drop_count), &zero,
                                v)) {
        for (int i = 0; i < n_cpus; i++) {
            sum += v[i];
        }
    }
    return sum;
}

/* Counts for 'seconds', printing xsk-sink's lines (xsk-tools' ticker). */
static void
count_drops(const struct bench_redirect *skel, int seconds)
{
    uint64_t start = xt_now_ns(), now = start, total = 0;
    struct xt_ticker tk;

    printf("sink: ready\n");
    fflush(stdout);
    xt_ticker_init(&tk, "sink", "rx", start);
    while (!stop && tk.t < (unsigned int) seconds) {
        xt_sleep_ns(tk.next_ns - now);
        now = xt_now_ns();
        total = drop_total(skel);
        xt_ticker_run(&tk, now, total);
    }
    xt_print_total("sink", "rx", total, now - start,
                   xt_rate(total, now - start));
    printf("\n");
}

int
main(int argc, char *argv[])
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
    bool drop = argc == 4 && !strcmp(argv[1], "--drop");
    struct bench_redirect *skel;
    int in, out = 0, fd, error;

    if (argc != 3 && !drop) {
        fprintf(stderr, "usage: %s IN OUT\n"
                "       %s --drop IFACE SECONDS\n", argv[0], argv[0]);
        return 2;
    }
    in = if_nametoindex(argv[drop ? 2 : 1]);
    if (!drop) {
        out = if_nametoindex(argv[2]);
    }
    if (!in || (!drop && !out)) {
        fprintf(stderr, "%s: no such interface\n",
                in ? argv[2] : argv[drop ? 2 : 1]);
        return 1;
    }

    skel = bench_redirect__open();
    if (!skel) {
        perror("open");
        return 1;
    }
    skel->rodata->target_ifindex = out;
    error = bench_redirect__load(skel);
    if (error) {
        fprintf(stderr, "load: %s\n", strerror(-error));
        goto out;
    }
    fd = bpf_program__fd(drop ? skel->progs.bench_drop
                         : skel->progs.bench_redirect);
    error = bpf_xdp_attach(in, fd, XDP_FLAGS_DRV_MODE, NULL);
    if (error) {
        fprintf(stderr, "attach: %s\n", strerror(-error));
        goto out;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (drop) {
        count_drops(skel, atoi(argv[3]));
    } else {
        printf("xdp-redirect: %s -> %s\n", argv[1], argv[2]);
        fflush(stdout);
        while (!stop) {
            pause();
        }
    }
    opts.old_prog_fd = fd;
    bpf_xdp_detach(in, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
out:
    bench_redirect__destroy(skel);
    return error ? 1 : 0;
}
