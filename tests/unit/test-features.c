/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of what netdev/xsk-features.c reads from sysfs: a device's RX
 * queues (xsk_if_n_rx_queues()), over a directory tree that stands in for
 * /sys/class/net.  Needs no root and no OVS; prints TAP (tap.h).  The XDP
 * features themselves come from the kernel over netlink and are checked by
 * the system tests (70-offload). */

#include "xsk-features.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/* One device of the fake sysfs: the "queues/rx-N" entries it has. */
struct queues_case {
    const char *name;           /* What the case shows. */
    const char *dev;            /* Device directory, NULL: none. */
    const int *rx;              /* Entries rx-N, ending with -1. */
    int want;
};

static const int rx_0[] = { 0, -1 };
static const int rx_0_3[] = { 0, 1, 2, 3, -1 };
static const int rx_gap[] = { 0, 1, 3, -1 };
static const int rx_1_only[] = { 1, -1 };
static const int rx_none[] = { -1 };

static const struct queues_case cases[] = {
    { "one queue", "d1", rx_0, 1 },
    { "four queues", "d4", rx_0_3, 4 },
    { "counting stops at the first gap", "gap", rx_gap, 2 },
    { "no rx-0: unknown", "no0", rx_1_only, 0 },
    { "no queues directory entries: unknown", "empty", rx_none, 0 },
    { "no such device: unknown", NULL, NULL, 0 },
};

static void
make_dir(const char *path)
{
    if (mkdir(path, 0700) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
}

int
main(void)
{
    char root[] = "/tmp/test-features.XXXXXX";
    char path[256];

    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct queues_case *c = &cases[i];
        const char *dev = c->dev ? c->dev : "missing";
        int n;

        if (c->dev) {
            snprintf(path, sizeof path, "%s/%s", root, c->dev);
            make_dir(path);
            snprintf(path, sizeof path, "%s/%s/queues", root, c->dev);
            make_dir(path);
            for (const int *q = c->rx; *q >= 0; q++) {
                snprintf(path, sizeof path, "%s/%s/queues/rx-%d", root,
                         c->dev, *q);
                make_dir(path);
            }
        }
        n = xsk_if_n_rx_queues(root, dev);
        CHECK(n == c->want, "%d queue(s), want %d", n, c->want);
        tap_group("xsk_if_n_rx_queues(): %s", c->name);
    }

    /* The real sysfs: the loopback device has one RX queue at least. */
    CHECK(xsk_if_n_rx_queues(XSK_SYSFS_NET, "lo") >= 1
          || access(XSK_SYSFS_NET "/lo", F_OK),
          "lo has no RX queue in " XSK_SYSFS_NET);
    tap_group("xsk_if_n_rx_queues(): the real " XSK_SYSFS_NET);

    snprintf(path, sizeof path, "rm -rf '%s'", root);
    if (system(path)) {
        tap_diag("could not remove %s", root);
    }
    return tap_done();
}
