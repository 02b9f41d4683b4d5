/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_PERCPU_H
#define XSK_PERCPU_H 1

/* The values of per-CPU BPF maps (BPF_MAP_TYPE_PERCPU_*), where the kernel
 * keeps one value per possible CPU for each key: reading an entry as one
 * value (summed, or folded as the caller says) and zeroing an entry.  The
 * XDP program's counters are per-CPU (steering hits: xsk-prog.c; flow
 * statistics: xsk-prog-flow.c), so that the program never writes a shared
 * cache line.  Includes no OVS header; libbpf only.
 *
 * A value's size must be a multiple of 8 bytes: the kernel lays the CPUs'
 * values out 8-byte aligned.  Each call allocates room for one value per
 * possible CPU and frees it before it returns.
 *
 * Thread safety: none needed; each call uses its own memory.  The values
 * are read while the program updates them: a sum may miss the packets of
 * the moment. */

#include <stddef.h>
#include <stdint.h>

int xsk_percpu_fold(int map_fd, const void *key, size_t value_size,
                    void (*fold)(void *acc, const void *value), void *acc);
int xsk_percpu_sum_u64(int map_fd, const void *key, uint64_t *sum);
int xsk_percpu_zero(int map_fd, const void *key, size_t value_size);

#endif /* xsk-percpu.h */
