/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of netdev/xsk-percpu.c: summing, folding and zeroing the
 * entries of a real per-CPU BPF array map.  Creating the map needs
 * CAP_BPF (root); without it the groups say so and pass.  No program is
 * loaded and no interface touched.  Prints TAP (tap.h).
 *
 * Each row of the table gives an entry's per-CPU values as a formula of the
 * CPU number and what its sum must be. */

#include "xsk-percpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tap.h"

#define N_KEYS 4

/* A two-member value, folded as the flow statistics are: one member
 * summed, one the maximum. */
struct pair {
    uint64_t count;
    uint64_t latest;
};

static void
fold_pair(void *acc_, const void *value_)
{
    struct pair *acc = acc_;
    const struct pair *value = value_;

    acc->count += value->count;
    if (value->latest > acc->latest) {
        acc->latest = value->latest;
    }
}

struct sum_case {
    const char *name;
    uint64_t mul, add;          /* CPU c's value: mul * c + add. */
};

static const struct sum_case cases[] = {
    { "zeros", 0, 0 },
    { "the same on every CPU", 0, 7 },
    { "a different value on each CPU", 3, 1 },
    { "large values", 0, UINT64_C(1) << 40 },
};

static uint64_t
want_sum(const struct sum_case *c, int n_cpus)
{
    uint64_t sum = 0;

    for (int cpu = 0; cpu < n_cpus; cpu++) {
        sum += c->mul * cpu + c->add;
    }
    return sum;
}

/* Returns a new per-CPU array of N_KEYS values of 'size' bytes, or -1 with
 * the reason printed. */
static int
map_create(size_t size)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "test_percpu",
                            sizeof(uint32_t), size, N_KEYS, NULL);

    if (fd < 0) {
        tap_diag("cannot create a per-CPU map (%s): not checked",
                 strerror(errno));
    }
    return fd;
}

static void
test_sums(int n_cpus)
{
    uint64_t *values = calloc(n_cpus, sizeof *values);
    int fd = map_create(sizeof(uint64_t));

    for (size_t i = 0; fd >= 0 && i < sizeof cases / sizeof cases[0]; i++) {
        const struct sum_case *c = &cases[i];
        uint32_t key = i % N_KEYS;
        uint64_t sum = 1;

        for (int cpu = 0; cpu < n_cpus; cpu++) {
            values[cpu] = c->mul * cpu + c->add;
        }
        CHECK(!bpf_map_update_elem(fd, &key, values, BPF_ANY),
              "%s: update: %s", c->name, strerror(errno));
        CHECK(!xsk_percpu_sum_u64(fd, &key, &sum)
              && sum == want_sum(c, n_cpus),
              "%s: sum %llu, want %llu", c->name, (unsigned long long) sum,
              (unsigned long long) want_sum(c, n_cpus));
        CHECK(!xsk_percpu_zero(fd, &key, sizeof(uint64_t)),
              "%s: zero", c->name);
        CHECK(!xsk_percpu_sum_u64(fd, &key, &sum) && !sum,
              "%s: %llu after zeroing", c->name, (unsigned long long) sum);
    }
    if (fd >= 0) {
        uint32_t bad = N_KEYS;
        uint64_t sum = 1;

        CHECK(xsk_percpu_sum_u64(fd, &bad, &sum) == ENOENT && !sum,
              "a key out of the array: sum %llu",
              (unsigned long long) sum);
        close(fd);
    }
    free(values);
    tap_group("per-CPU sums and zeroing, key by key");
}

static void
test_fold(int n_cpus)
{
    struct pair *values = calloc(n_cpus, sizeof *values);
    int fd = map_create(sizeof(struct pair));

    if (fd >= 0) {
        struct pair acc = { 0, 0 };
        uint32_t key = 1;

        for (int cpu = 0; cpu < n_cpus; cpu++) {
            values[cpu].count = cpu + 1;
            values[cpu].latest = cpu == n_cpus / 2 ? 1000 : cpu;
        }
        CHECK(!bpf_map_update_elem(fd, &key, values, BPF_ANY), "update");
        CHECK(!xsk_percpu_fold(fd, &key, sizeof acc, fold_pair, &acc),
              "fold failed");
        CHECK(acc.count == (uint64_t) n_cpus * (n_cpus + 1) / 2
              && acc.latest == (n_cpus > 1000 ? (uint64_t) n_cpus - 1
                                              : 1000),
              "count %llu, latest %llu", (unsigned long long) acc.count,
              (unsigned long long) acc.latest);
        close(fd);
    }
    free(values);
    tap_group("per-CPU fold of a two-member value (sum and maximum)");
}

int
main(void)
{
    int n_cpus = libbpf_num_possible_cpus();

    if (n_cpus <= 0) {
        tap_diag("libbpf cannot count the CPUs: %d", n_cpus);
        return 1;
    }
    test_sums(n_cpus);
    test_fold(n_cpus);
    return tap_done();
}
