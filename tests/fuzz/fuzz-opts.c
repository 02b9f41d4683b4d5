/* SPDX-License-Identifier: Apache-2.0 */

/* Fuzz target of the option parser, netdev/xsk-opts.c: xsk_opts_parse()
 * over arbitrary key/value lists.  The input is text, one "key=value" per
 * line (a line without '=' is a key with an empty value); tests/fuzz/
 * opts.dict gives libFuzzer the known keys and values.
 *
 * Checked on every input: a failure says why and leaves the options
 * untouched; a success has no message, gives options within the limits
 * xsk-opts.h and the afxdp documentation state, and does not depend on the
 * order of the keys (when no key repeats); the accepted options, written
 * back as text, parse to the same options. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xsk-opts.h"

#define MAX_KV 32

/* The options as text, to write parsed options back: one row per member of
 * struct xsk_opts. */
#define COLUMN(KEY, MEMBER, KIND) \
    { KEY, offsetof(struct xsk_opts, MEMBER), KIND }
static const struct {
    const char *key;
    size_t offset;
    char kind;                  /* 'i' 32-bit number, 'b' bool, 'm' mode. */
} columns[] = {
    COLUMN("n_rxq", n_rxq, 'i'),
    COLUMN("start-queue", start_queue, 'i'),
    COLUMN("xdp-mode", mode, 'm'),
    COLUMN("use-need-wakeup", need_wakeup, 'b'),
    COLUMN("n_rxq_desc", rx_ring, 'i'),
    COLUMN("n_txq_desc", tx_ring, 'i'),
    COLUMN("frame-size", frame_size, 'i'),
    COLUMN("umem-frames", umem_frames, 'i'),
    COLUMN("rx-checksum-fix", csum_fix, 'b'),
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])

static bool
is_pow2(uint32_t n)
{
    return n && !(n & (n - 1));
}

/* Checks the limits of accepted options 'o'. */
static void
check_limits(const struct xsk_opts *o)
{
    FUZZ_CHECK(o->n_rxq >= 1 && o->n_rxq <= XSK_MAX_RXQ, "n_rxq %d",
               o->n_rxq);
    FUZZ_CHECK(o->start_queue >= 0 && o->start_queue + o->n_rxq <= 64,
               "start-queue %d, n_rxq %d", o->start_queue, o->n_rxq);
    FUZZ_CHECK(strcmp(xsk_mode_name(o->mode), "unknown"), "mode %d",
               (int) o->mode);
    FUZZ_CHECK(is_pow2(o->rx_ring) && o->rx_ring >= 64
               && o->rx_ring <= 16384, "n_rxq_desc %u", o->rx_ring);
    FUZZ_CHECK(is_pow2(o->tx_ring) && o->tx_ring >= 64
               && o->tx_ring <= 16384, "n_txq_desc %u", o->tx_ring);
    FUZZ_CHECK(o->frame_size == 2048 || o->frame_size == 4096,
               "frame-size %u", o->frame_size);
    FUZZ_CHECK(o->umem_frames % 64 == 0 && o->umem_frames <= 1 << 20
               && o->umem_frames >= 4 * o->rx_ring,
               "umem-frames %u, n_rxq_desc %u", o->umem_frames, o->rx_ring);
}

/* Parses 'kv'; checks what every parse must satisfy.  Returns the result,
 * with the options in '*o'. */
static int
parse(const struct xsk_kv *kv, size_t n, struct xsk_opts *o)
{
    struct xsk_opts before;
    char *err = NULL;
    int error;

    memset(o, 0xa5, sizeof *o);
    before = *o;
    error = xsk_opts_parse(kv, n, o, &err);
    if (error) {
        FUZZ_CHECK(error == EINVAL, "error %d", error);
        FUZZ_CHECK(err && *err, "a failure without a reason");
        FUZZ_CHECK(!memcmp(o, &before, sizeof *o),
                   "a failure changed the options (%s)", err);
        free(err);
    } else {
        FUZZ_CHECK(!err, "a success with a message: %s", err);
        check_limits(o);
    }
    return error;
}

/* Writes 'o' back as text into 'kv' (strings in 'buf'); parses that and
 * checks that it gives 'o' again. */
static void
check_round_trip(const struct xsk_opts *o)
{
    char buf[N_COLUMNS][32];
    struct xsk_kv kv[N_COLUMNS];
    struct xsk_opts again;

    for (size_t i = 0; i < N_COLUMNS; i++) {
        const char *member = (const char *) o + columns[i].offset;
        int32_t v;

        kv[i].key = columns[i].key;
        kv[i].value = buf[i];
        switch (columns[i].kind) {
        case 'i':
            memcpy(&v, member, sizeof v);
            snprintf(buf[i], sizeof buf[i], "%d", v);
            break;
        case 'b':
            snprintf(buf[i], sizeof buf[i], "%s",
                     *(const bool *) member ? "true" : "false");
            break;
        default:
            snprintf(buf[i], sizeof buf[i], "%s", xsk_mode_name(o->mode));
            break;
        }
    }
    FUZZ_CHECK(!parse(kv, N_COLUMNS, &again)
               && xsk_opts_equal(o, &again),
               "accepted options written back do not parse the same");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xsk_kv kv[MAX_KV], rev[MAX_KV];
    struct xsk_opts o, o_rev;
    bool repeats = false;
    char *text, *line, *save = NULL;
    size_t n = 0;
    int error;

    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    for (line = strtok_r(text, "\n", &save); line && n < MAX_KV;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (eq) {
            *eq = '\0';
        }
        kv[n].key = line;
        kv[n].value = eq ? eq + 1 : line + strlen(line);
        for (size_t i = 0; i < n; i++) {
            repeats = repeats || !strcmp(kv[i].key, kv[n].key);
        }
        n++;
    }

    error = parse(kv, n, &o);
    if (!error) {
        check_round_trip(&o);
    }
    if (!repeats) {
        for (size_t i = 0; i < n; i++) {
            rev[i] = kv[n - 1 - i];
        }
        FUZZ_CHECK(parse(rev, n, &o_rev) == error
                   && (error || xsk_opts_equal(&o, &o_rev)),
                   "the order of distinct keys matters");
    }
    free(text);
    return 0;
}
