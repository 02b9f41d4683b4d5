/*
 * Copyright (c) 2026 The ovs-xsk authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* xdp-redirect: the benchmark's in-kernel reference path.  Attaches
 * bpf/bench_redirect.bpf.c to IN in native mode, redirecting every frame to
 * OUT, until SIGINT/SIGTERM, then detaches it.  (xdp-tools' xdp-bench needs
 * kernel BTF for tracepoints that this kernel does not offer.)
 *
 * usage: xdp-redirect IN OUT */

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk-compat.h"
#include "xsk-bpf/bench_redirect.skel.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

int
main(int argc, char *argv[])
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
    struct bench_redirect *skel;
    int in, out, fd, error;

    if (argc != 3) {
        fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
        return 2;
    }
    in = if_nametoindex(argv[1]);
    out = if_nametoindex(argv[2]);
    if (!in || !out) {
        fprintf(stderr, "%s: no such interface\n", in ? argv[2] : argv[1]);
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
    fd = bpf_program__fd(skel->progs.bench_redirect);
    error = bpf_xdp_attach(in, fd, XDP_FLAGS_DRV_MODE, NULL);
    if (error) {
        fprintf(stderr, "attach: %s\n", strerror(-error));
        goto out;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("xdp-redirect: %s -> %s\n", argv[1], argv[2]);
    fflush(stdout);
    while (!stop) {
        pause();
    }
    opts.old_prog_fd = fd;
    bpf_xdp_detach(in, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
out:
    bench_redirect__destroy(skel);
    return error ? 1 : 0;
}
