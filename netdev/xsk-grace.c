/* SPDX-License-Identifier: Apache-2.0 */

/* RCU grace periods waited for by a background thread (xsk-grace.h).
 *
 * The kernel offers no system call that only waits for a grace period to
 * programs; but an update of a map-in-map makes the caller wait for one
 * (synchronize_rcu(), so that a program that looked up the old inner map
 * is done with it).  So the thread updates a private, unused
 * BPF_MAP_TYPE_ARRAY_OF_MAPS. */

#include "xsk-grace.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "xsk-grace-gens.h"

/* All under 'mutex'.  'cond' is signalled when 'requested', 'passed' or
 * 'broken' changes. */
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint64_t requested;      /* Last ticket handed out. */
static uint64_t passed;         /* Every ticket up to this one has passed. */
static int broken;              /* Errno that stopped the thread, or 0. */
static bool started;
static int outer_fd = -1;       /* The map-in-map, and its inner map. */
static int inner_fd = -1;

static int
wait_for_grace_period(void)
{
    uint32_t zero = 0;

    return bpf_map_update_elem(outer_fd, &zero, &inner_fd, BPF_ANY)
           ? errno : 0;
}

static void *
grace_main(void *arg)
{
    (void) arg;
    pthread_mutex_lock(&mutex);
    for (;;) {
        uint64_t target;
        int error;

        while (passed == requested) {
            pthread_cond_wait(&cond, &mutex);
        }
        /* Every ticket up to 'target' was handed out before this wait
         * begins, so the wait covers them all. */
        target = requested;
        pthread_mutex_unlock(&mutex);
        error = wait_for_grace_period();
        pthread_mutex_lock(&mutex);
        if (error) {
            broken = error;
            pthread_cond_broadcast(&cond);
            break;
        }
        passed = target;
        pthread_cond_broadcast(&cond);
    }
    pthread_mutex_unlock(&mutex);
    return NULL;
}

/* Creates the maps and the thread.  Returns 0 or a positive errno. */
static int
start(void)
{
    LIBBPF_OPTS(bpf_map_create_opts, opts);
    pthread_attr_t attr;
    pthread_t thread;
    int error;

    inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xsk_grace_in",
                              sizeof(uint32_t), sizeof(uint32_t), 1, NULL);
    if (inner_fd < 0) {
        error = errno;
        goto err;
    }
    opts.inner_map_fd = inner_fd;
    outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "xsk_grace",
                              sizeof(uint32_t), sizeof(uint32_t), 1, &opts);
    if (outer_fd < 0) {
        error = errno;
        goto err_inner;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    error = pthread_create(&thread, &attr, grace_main, NULL);
    pthread_attr_destroy(&attr);
    if (error) {
        goto err_outer;
    }
    return 0;

err_outer:
    close(outer_fd);
    outer_fd = -1;
err_inner:
    close(inner_fd);
    inner_fd = -1;
err:
    return error;
}

uint64_t
xsk_grace_start(void)
{
    uint64_t ticket;

    pthread_mutex_lock(&mutex);
    if (!started) {
        started = true;
        broken = start();
    }
    ticket = ++requested;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&mutex);
    return ticket;
}

int
xsk_grace_wait(uint64_t ticket)
{
    int error;

    if (!ticket) {
        return 0;
    }
    pthread_mutex_lock(&mutex);
    while (passed < ticket && !broken) {
        pthread_cond_wait(&cond, &mutex);
    }
    error = passed >= ticket ? 0 : broken;
    pthread_mutex_unlock(&mutex);
    return error;
}

bool
xsk_grace_passed(uint64_t ticket)
{
    bool done;

    pthread_mutex_lock(&mutex);
    done = passed >= ticket;
    pthread_mutex_unlock(&mutex);
    return done;
}

const struct xsk_grace_ops xsk_grace_rcu = {
    .start = xsk_grace_start,
    .wait = xsk_grace_wait,
    .passed = xsk_grace_passed,
};
