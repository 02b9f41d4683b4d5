/* SPDX-License-Identifier: Apache-2.0 */

/* Loading, attaching and detaching the ovs-xsk XDP program; see xsk-prog.h.
 * The program's bytes are compiled in through its libbpf skeleton, so the
 * daemon needs no file at run time. */

#include "xsk-prog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk-compat.h"
#include "xsk-grace.h"
#include "xsk-percpu.h"
#include "xsk-bpf/xsk_redirect.skel.h"

#define XSK_BPF_TCX_INGRESS 46  /* enum bpf_attach_type, Linux 6.6. */

static int
silent_print(enum libbpf_print_level level, const char *format, va_list args)
{
    (void) level;
    (void) format;
    (void) args;
    return 0;
}

/* Reads the name of program 'id' into 'name'.  Returns its fd (caller
 * closes) or a negative errno. */
static int
prog_name(uint32_t id, char name[BPF_OBJ_NAME_LEN])
{
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    int fd = bpf_prog_get_fd_by_id(id);

    if (fd < 0) {
        return -errno;
    }
    memset(&info, 0, sizeof info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
        int error = -errno;

        close(fd);
        return error;
    }
    memcpy(name, info.name, BPF_OBJ_NAME_LEN);
    name[BPF_OBJ_NAME_LEN - 1] = '\0';
    return fd;
}

/* Removes every program of ours from 'ifindex' (leftovers of a killed
 * vswitchd).  Returns 0, EBUSY with a reason in '*errp' if a program that is
 * not ours is attached, or another positive errno. */
static int
remove_stale(int ifindex, bool *removed, char **errp)
{
    struct { uint32_t id; uint32_t flags; } progs[2];
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    int error;

    *removed = false;
    error = -bpf_xdp_query(ifindex, 0, &q);
    if (error) {
        xsk_set_err(errp, "cannot query XDP programs: %s", strerror(error));
        return error;
    }
    progs[0].id = q.drv_prog_id;
    progs[0].flags = XDP_FLAGS_DRV_MODE;
    progs[1].id = q.skb_prog_id;
    progs[1].flags = XDP_FLAGS_SKB_MODE;

    for (int i = 0; i < 2; i++) {
        LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
        char name[BPF_OBJ_NAME_LEN];
        int fd;

        if (!progs[i].id) {
            continue;
        }
        fd = prog_name(progs[i].id, name);
        if (fd < 0) {
            xsk_set_err(errp, "cannot inspect XDP program %u: %s", progs[i].id,
                        strerror(-fd));
            return -fd;
        }
        if (strcmp(name, XSK_PROG_NAME)) {
            close(fd);
            xsk_set_err(errp, "another XDP program ('%s', id %u) is attached "
                        "to the interface; remove it first", name,
                        progs[i].id);
            return EBUSY;
        }
        opts.old_prog_fd = fd;
        error = -bpf_xdp_detach(ifindex, progs[i].flags | XDP_FLAGS_REPLACE,
                                &opts);
        close(fd);
        if (error) {
            xsk_set_err(errp, "cannot remove stale XDP program %u: %s",
                        progs[i].id, strerror(error));
            return error;
        }
        *removed = true;
    }
    return 0;
}

/* Initialises the bookkeeping of a zeroed 'prog' for a program whose maps
 * are as loaded: steering set 0 in force, no mask list.  Tests that load
 * the program themselves (no xsk_prog_attach()) call it too. */
void
xsk_prog_init(struct xsk_prog *prog)
{
    xsk_grace_gens_init(&prog->steer_gens, &xsk_grace_rcu, 2, true);
    xsk_grace_gens_init(&prog->flow_list_gens, &xsk_grace_rcu,
                        XSK_FLOW_N_LISTS, false);
}

/* Loads the program and attaches it to 'ifindex' in generic or native mode,
 * with steering rules 'steer' (NULL: every frame to the sockets) in force
 * from its first frame.  Returns 0 and stores the handle in '*progp', or
 * a positive errno with a one-line reason in '*errp' (caller frees). */
int
xsk_prog_attach(int ifindex, bool generic, const struct xsk_steer *steer,
                struct xsk_prog **progp, char **errp)
{
    LIBBPF_OPTS(bpf_link_create_opts, link_opts);
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    struct xsk_prog *prog;
    int prog_fd;
    int error;

    *progp = NULL;
    prog = calloc(1, sizeof *prog);
    if (!prog) {
        return ENOMEM;
    }
    xsk_prog_init(prog);
    prog->ifindex = ifindex;
    prog->xdp_flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

    libbpf_set_print(silent_print);
    prog->skel = xsk_redirect__open_and_load();
    if (!prog->skel) {
        error = errno ? errno : EINVAL;
        xsk_set_err(errp, "cannot load the XDP program: %s", strerror(error));
        goto err_free;
    }

    if (steer) {
        error = xsk_prog_set_steer(prog, steer);
        if (error) {
            xsk_set_err(errp, "cannot set the steering rules: %s",
                        strerror(error));
            goto err_destroy;
        }
    }

    error = remove_stale(ifindex, &prog->replaced_stale, errp);
    if (error) {
        goto err_destroy;
    }

    /* Through a BPF link, which this process owns: however it ends (exit,
     * a signal, abort(), SIGKILL), the kernel takes the program off the
     * interface when the link's last fd closes, so that a dead switch
     * leaves no program forwarding offloaded flows that nobody
     * revalidates. */
    prog_fd = bpf_program__fd(prog->skel->progs.ovs_xsk_prog);
    link_opts.flags = prog->xdp_flags;
    prog->link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &link_opts);
    if (prog->link_fd < 0) {
        error = -prog->link_fd;
        xsk_set_err(errp, "cannot attach the XDP program in %s mode: %s",
                    generic ? "generic" : "native", strerror(error));
        goto err_destroy;
    }

    /* The tc program, through a link too.  BPF_TCX_INGRESS is newer than
     * the uapi headers of Debian 12. */
    prog->tc_link_fd = bpf_link_create(
        bpf_program__fd(prog->skel->progs.ovs_xsk_tc), ifindex,
        XSK_BPF_TCX_INGRESS, NULL);
    prog->tc_error = prog->tc_link_fd < 0 ? -prog->tc_link_fd : 0;

    memset(&info, 0, sizeof info);
    if (!bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
        prog->id = info.id;
    }
    *progp = prog;
    return 0;

err_destroy:
    xsk_redirect__destroy(prog->skel);
err_free:
    free(prog);
    return error;
}

/* Detaches and frees 'prog'.  Only our own program is removed (its link):
 * nobody else can replace a program attached through a link. */
void
xsk_prog_detach(struct xsk_prog *prog)
{
    if (!prog) {
        return;
    }
    if (prog->tc_link_fd >= 0) {
        bpf_link_detach(prog->tc_link_fd);
        close(prog->tc_link_fd);
    }
    bpf_link_detach(prog->link_fd);
    close(prog->link_fd);
    xsk_redirect__destroy(prog->skel);
    free(prog);
}

/* Sends frames of 'queue_id' to the AF_XDP socket 'xsk_fd'.  Returns 0 or a
 * positive errno. */
int
xsk_prog_set_queue(struct xsk_prog *prog, uint32_t queue_id, int xsk_fd)
{
    int map_fd = bpf_map__fd(prog->skel->maps.xsks_map);

    if (queue_id >= XSK_PROG_MAX_QUEUES) {
        return ERANGE;
    }
    return bpf_map_update_elem(map_fd, &queue_id, &xsk_fd, BPF_ANY) ? errno
           : 0;
}

/* Frames of 'queue_id' go to the kernel stack again. */
void
xsk_prog_clear_queue(struct xsk_prog *prog, uint32_t queue_id)
{
    int map_fd = bpf_map__fd(prog->skel->maps.xsks_map);

    bpf_map_delete_elem(map_fd, &queue_id);
}

/* Makes 's' the steering rules of 'prog': fills the set that is not active
 * (rules, masks, zeroed counters), then makes it the active one, so that
 * every frame is classified by either the old rules or the new.  The set
 * being filled was active until the previous call; if no RCU grace period
 * has passed since, a frame may still be classified by it, and this waits
 * for one first.  Returns 0, or a positive errno with the old rules still
 * in force. */
int
xsk_prog_set_steer(struct xsk_prog *prog, const struct xsk_steer *s)
{
    int rules_fd = bpf_map__fd(prog->skel->maps.steer_rules);
    int sets_fd = bpf_map__fd(prog->skel->maps.steer_sets);
    int counts_fd = bpf_map__fd(prog->skel->maps.steer_counts);
    int active_fd = bpf_map__fd(prog->skel->maps.steer_active);
    struct xsk_steer_hkey keys[2 * XSK_STEER_MAX_RULES], hk;
    uint32_t next = xsk_grace_gens_next(&prog->steer_gens);
    uint32_t zero = 0, n_keys = 0;
    struct xsk_steer_set set;
    int error = 0;

    error = xsk_grace_gens_wait_next(&prog->steer_gens);
    if (error) {
        return error;
    }

    /* Empty the inactive set: collect its keys first, since deleting
     * while walking a hash restarts the walk. */
    for (void *prev = NULL; n_keys < XSK_ARRAY_SIZE(keys)
         && !bpf_map_get_next_key(rules_fd, prev, &keys[n_keys]);
         prev = &keys[n_keys++]) {
        continue;
    }
    for (uint32_t i = 0; i < n_keys; i++) {
        if (keys[i].set_mask >> 8 == next) {
            bpf_map_delete_elem(rules_fd, &keys[i]);
        }
    }

    for (uint32_t i = 0; !error && i < s->n_rules; i++) {
        memset(&hk, 0, sizeof hk);
        hk.set_mask = next << 8 | s->rules[i].mask;
        hk.key = s->rules[i].key;
        error = bpf_map_update_elem(rules_fd, &hk, &i, BPF_ANY) ? errno : 0;
    }
    for (uint32_t i = 0; !error && i < XSK_STEER_N_COUNTS; i++) {
        uint32_t index = next * XSK_STEER_N_COUNTS + i;

        error = xsk_percpu_zero(counts_fd, &index, sizeof(uint64_t));
    }
    if (!error) {
        memset(&set, 0, sizeof set);
        set.mode = s->mode;
        set.n_masks = s->n_masks;
        memcpy(set.masks, s->masks, sizeof set.masks);
        error = bpf_map_update_elem(sets_fd, &next, &set, BPF_ANY) ? errno
                : 0;
    }
    if (!error) {
        error = bpf_map_update_elem(active_fd, &zero, &next, BPF_ANY)
                ? errno : 0;
    }
    if (!error) {
        xsk_grace_gens_commit(&prog->steer_gens);
    }
    return error;
}

/* Stores in 'counts' the active rules' counters, summed over CPUs: hits
 * of rule i at [i], frames handed to the kernel stack at
 * [XSK_STEER_TO_HOST].  Returns 0 or a positive errno. */
int
xsk_prog_steer_counts(const struct xsk_prog *prog,
                      uint64_t counts[XSK_STEER_N_COUNTS])
{
    int counts_fd = bpf_map__fd(prog->skel->maps.steer_counts);
    int error = 0;

    for (uint32_t i = 0; !error && i < XSK_STEER_N_COUNTS; i++) {
        uint32_t index = prog->steer_gens.cur * XSK_STEER_N_COUNTS + i;

        error = xsk_percpu_sum_u64(counts_fd, &index, &counts[i]);
    }
    return error;
}
