/* SPDX-License-Identifier: Apache-2.0 */

/* Option table and parser for afxdp ports; see xsk-opts.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* asprintf() */
#endif

#include "xsk-opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const mode_names[] = {
    [XSK_MODE_BEST_EFFORT] = "best-effort",
    [XSK_MODE_NATIVE_ZC] = "native-with-zerocopy",
    [XSK_MODE_NATIVE] = "native",
    [XSK_MODE_GENERIC] = "generic",
};

static const char *const redirect_names[] = {
    [XSK_REDIRECT_AUTO] = "auto",
    [XSK_REDIRECT_XDP] = "xdp",
    [XSK_REDIRECT_SKB] = "skb",
};

enum opt_kind { OPT_INT, OPT_POW2, OPT_BOOL, OPT_ENUM };

/* Numeric and enum members are all 32-bit ('int', 'uint32_t' or an enum,
 * all values fit). */
struct opt {
    const char *key;
    enum opt_kind kind;
    long long min, max;         /* OPT_ENUM: 0 and the number of names. */
    long long multiple;         /* Numbers must be a multiple of this. */
    size_t offset;              /* In struct xsk_opts. */
    const char *const *names;   /* OPT_ENUM: the value names. */
};

#define OPT(KEY, KIND, MIN, MAX, MULTIPLE, MEMBER) \
    { KEY, KIND, MIN, MAX, MULTIPLE, offsetof(struct xsk_opts, MEMBER), \
      NULL }
#define OPT_NAMES(KEY, NAMES, MEMBER) \
    { KEY, OPT_ENUM, 0, sizeof NAMES / sizeof NAMES[0], 1, \
      offsetof(struct xsk_opts, MEMBER), NAMES }

static const struct opt opts[] = {
    OPT("n_rxq", OPT_INT, 1, XSK_MAX_RXQ, 1, n_rxq),
    OPT("start-queue", OPT_INT, 0, 63, 1, start_queue),
    OPT_NAMES("xdp-mode", mode_names, mode),
    OPT("use-need-wakeup", OPT_BOOL, 0, 0, 1, need_wakeup),
    OPT("n_rxq_desc", OPT_POW2, 64, 16384, 1, rx_ring),
    OPT("n_txq_desc", OPT_POW2, 64, 16384, 1, tx_ring),
    OPT("frame-size", OPT_POW2, 2048, 4096, 1, frame_size),
    OPT("umem-frames", OPT_INT, 1024, 1 << 20, 64, umem_frames),
    OPT("rx-checksum-fix", OPT_BOOL, 0, 0, 1, csum_fix),
    OPT("tx-checksum-offload", OPT_BOOL, 0, 0, 1, tx_csum),
    OPT("tx-coalesce", OPT_BOOL, 0, 0, 1, coalesce),
    OPT("tx-coalesce-geneve", OPT_BOOL, 0, 0, 1, coalesce_geneve),
    OPT_NAMES("offload-redirect", redirect_names, redirect),
};

/* Stores the defaults in 'o'. */
void
xsk_opts_init(struct xsk_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n_rxq = 1;
    o->start_queue = 0;
    o->mode = XSK_MODE_BEST_EFFORT;
    o->need_wakeup = true;
    o->rx_ring = 2048;
    o->tx_ring = 2048;
    o->frame_size = 4096;
    o->umem_frames = 16384;
    o->csum_fix = true;
    o->tx_csum = true;
    o->coalesce = true;
    o->coalesce_geneve = false;
    o->redirect = XSK_REDIRECT_AUTO;
}

const char *
xsk_mode_name(enum xsk_mode mode)
{
    return mode < sizeof mode_names / sizeof mode_names[0]
           ? mode_names[mode] : "unknown";
}

const char *
xsk_out_redirect_name(enum xsk_out_redirect redirect)
{
    return redirect < sizeof redirect_names / sizeof redirect_names[0]
           ? redirect_names[redirect] : "unknown";
}

bool
xsk_opts_equal(const struct xsk_opts *a, const struct xsk_opts *b)
{
    return a->n_rxq == b->n_rxq && a->start_queue == b->start_queue
           && a->mode == b->mode && a->need_wakeup == b->need_wakeup
           && a->rx_ring == b->rx_ring && a->tx_ring == b->tx_ring
           && a->frame_size == b->frame_size
           && a->umem_frames == b->umem_frames
           && a->csum_fix == b->csum_fix && a->tx_csum == b->tx_csum
           && a->coalesce == b->coalesce
           && a->coalesce_geneve == b->coalesce_geneve
           && a->redirect == b->redirect;
}

/* Appends a problem to '*msg', separated by "; ". */
static void
add_problem(char **msg, const char *format, ...)
{
    char *item, *joined;
    va_list args;

    va_start(args, format);
    if (vasprintf(&item, format, args) < 0) {
        item = NULL;
    }
    va_end(args);
    if (!item) {
        return;
    }
    if (!*msg) {
        *msg = item;
    } else if (asprintf(&joined, "%s; %s", *msg, item) >= 0) {
        free(*msg);
        free(item);
        *msg = joined;
    } else {
        free(item);
    }
}

/* Parses all of 'text' as a decimal integer.  Returns false on anything
 * else, including empty text, signs on unsigned-looking junk and overflow. */
static bool
parse_ll(const char *text, long long *value)
{
    char *end;

    if (!*text || (*text != '-' && (*text < '0' || *text > '9'))) {
        return false;
    }
    errno = 0;
    *value = strtoll(text, &end, 10);
    return !errno && !*end;
}

static bool
parse_bool(const char *text, bool *value)
{
    if (!strcasecmp(text, "true")) {
        *value = true;
    } else if (!strcasecmp(text, "false")) {
        *value = false;
    } else {
        return false;
    }
    return true;
}

static void
parse_one(const struct opt *opt, const char *value, struct xsk_opts *o,
          char **msg)
{
    char *dst = (char *) o + opt->offset;
    long long n;
    bool b;

    switch (opt->kind) {
    case OPT_INT:
    case OPT_POW2:
        if (!parse_ll(value, &n)) {
            add_problem(msg, "'%s' must be an integer, not \"%s\"",
                        opt->key, value);
        } else if (!strcmp(opt->key, "n_rxq") && n > opt->max) {
            /* The same words as upstream OVS, which tests look for. */
            add_problem(msg, "Too big 'n_rxq' (%lld > %lld)", n, opt->max);
        } else if (n < opt->min || n > opt->max) {
            add_problem(msg, "'%s' must be between %lld and %lld, not %lld",
                        opt->key, opt->min, opt->max, n);
        } else if (opt->kind == OPT_POW2 && (n & (n - 1))) {
            add_problem(msg, "'%s' must be a power of 2, not %lld",
                        opt->key, n);
        } else if (n % opt->multiple) {
            add_problem(msg, "'%s' must be a multiple of %lld, not %lld",
                        opt->key, opt->multiple, n);
        } else {
            int32_t v = n;

            memcpy(dst, &v, sizeof v);
        }
        break;

    case OPT_BOOL:
        if (!parse_bool(value, &b)) {
            add_problem(msg, "'%s' must be true or false, not \"%s\"",
                        opt->key, value);
        } else {
            *(bool *) dst = b;
        }
        break;

    case OPT_ENUM:
        for (long long i = 0; i < opt->max; i++) {
            if (!strcasecmp(value, opt->names[i])) {
                int32_t v = i;

                memcpy(dst, &v, sizeof v);
                return;
            }
        }
        if (opt->names == mode_names) {
            /* The same words as upstream OVS, which tests look for. */
            add_problem(msg, "Incorrect xdp-mode (%s): use best-effort, "
                        "native-with-zerocopy, native or generic", value);
        } else {
            char names[128] = "";

            for (long long i = 0; i < opt->max; i++) {
                snprintf(names + strlen(names), sizeof names - strlen(names),
                         "%s%s", i ? ", " : "", opt->names[i]);
            }
            add_problem(msg, "'%s' must be one of %s, not \"%s\"",
                        opt->key, names, value);
        }
        break;
    }
}

/* Parses the 'n' options in 'kv' over the defaults into '*o'.  Returns 0, or
 * EINVAL with every problem in '*errp' (caller frees) and '*o' unchanged. */
int
xsk_opts_parse(const struct xsk_kv *kv, size_t n, struct xsk_opts *o,
               char **errp)
{
    struct xsk_opts new;
    char *msg = NULL;

    xsk_opts_init(&new);
    for (size_t i = 0; i < n; i++) {
        const struct opt *opt = NULL;

        for (size_t j = 0; j < sizeof opts / sizeof opts[0]; j++) {
            if (!strcmp(kv[i].key, opts[j].key)) {
                opt = &opts[j];
                break;
            }
        }
        if (!opt) {
            add_problem(&msg, "unknown option '%s'", kv[i].key);
        } else {
            parse_one(opt, kv[i].value, &new, &msg);
        }
    }

    if (!msg && new.start_queue + new.n_rxq > 64) {
        add_problem(&msg, "'start-queue' (%d) + 'n_rxq' (%d) must not "
                    "exceed 64", new.start_queue, new.n_rxq);
    }
    if (!msg && new.umem_frames < 4 * new.rx_ring) {
        add_problem(&msg, "'umem-frames' (%u) must be at least 4 times "
                    "'n_rxq_desc' (%u)", new.umem_frames, new.rx_ring);
    }

    if (msg) {
        *errp = msg;
        return EINVAL;
    }
    *o = new;
    return 0;
}

/* Checks options 'o', valid on their own, against a device with 'n_dev_rxq'
 * RX queues (0: unknown, nothing to check; xsk_if_n_rx_queues()).  Returns
 * 0, or EINVAL with the reason in '*errp' (caller frees). */
int
xsk_opts_check_device(const struct xsk_opts *o, int n_dev_rxq, char **errp)
{
    if (n_dev_rxq && o->start_queue + o->n_rxq > n_dev_rxq) {
        add_problem(errp, "'start-queue' %d + 'n_rxq' %d needs more than "
                    "the %d RX queue(s) of the interface", o->start_queue,
                    o->n_rxq, n_dev_rxq);
        return EINVAL;
    }
    return 0;
}
