/* SPDX-License-Identifier: Apache-2.0 */

/* Reading and zeroing per-CPU BPF map entries (xsk-percpu.h).  Includes no
 * OVS header. */

#include "xsk-percpu.h"

#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Returns a zeroed array of one 'size'-byte value per possible CPU (caller
 * frees) and stores their count in '*n_cpus', or returns NULL if the count
 * is unknown or memory is out. */
static void *
values_alloc(size_t size, int *n_cpus)
{
    *n_cpus = libbpf_num_possible_cpus();
    return *n_cpus > 0 ? calloc(*n_cpus, size) : NULL;
}

/* Reads the per-CPU values of 'key' in map 'map_fd', 'value_size' bytes
 * each, and calls 'fold' with 'acc' and each of them, CPU by CPU.  Returns
 * 0, ENOMEM, or the positive errno of the lookup (then 'fold' is not
 * called). */
int
xsk_percpu_fold(int map_fd, const void *key, size_t value_size,
                void (*fold)(void *acc, const void *value), void *acc)
{
    char *values;
    int n_cpus;
    int error = 0;

    values = values_alloc(value_size, &n_cpus);
    if (!values) {
        return ENOMEM;
    }
    if (bpf_map_lookup_elem(map_fd, key, values)) {
        error = errno;
    }
    for (int cpu = 0; !error && cpu < n_cpus; cpu++) {
        fold(acc, values + cpu * value_size);
    }
    free(values);
    return error;
}

static void
add_u64(void *acc, const void *value)
{
    *(uint64_t *) acc += *(const uint64_t *) value;
}

/* Stores in '*sum' the sum over CPUs of the uint64_t values of 'key' in map
 * 'map_fd'.  Returns 0 or a positive errno ('*sum' is then 0). */
int
xsk_percpu_sum_u64(int map_fd, const void *key, uint64_t *sum)
{
    int error;

    *sum = 0;
    error = xsk_percpu_fold(map_fd, key, sizeof *sum, add_u64, sum);
    if (error) {
        *sum = 0;
    }
    return error;
}

/* Sets every CPU's value of 'key' in map 'map_fd' ('value_size' bytes) to
 * zero.  Returns 0 or a positive errno. */
int
xsk_percpu_zero(int map_fd, const void *key, size_t value_size)
{
    void *zeros;
    int n_cpus;
    int error = 0;

    zeros = values_alloc(value_size, &n_cpus);
    if (!zeros) {
        return ENOMEM;
    }
    if (bpf_map_update_elem(map_fd, key, zeros, BPF_ANY)) {
        error = errno;
    }
    free(zeros);
    return error;
}
