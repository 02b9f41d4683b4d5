/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of the option parser, netdev/xsk-opts.c.  Needs no root and no
 * OVS; prints TAP (tap.h).
 *
 * The cases are one table: each names the key/value pairs it passes and
 * either the member values it expects (success) or how many problems the
 * error message must report and words it must contain (failure).  Every
 * failure case also checks that the output struct is left as it was. */

#include "xsk-opts.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define MAX_KV 5

struct parse_case {
    const char *name;
    struct xsk_kv kv[MAX_KV];   /* Up to the first null 'key'. */
    long long want[MAX_KV];     /* Success: member value for each 'kv'. */
    int n_problems;             /* 0: parsing must succeed. */
    const char *words[MAX_KV];  /* Failure: each must be in the message. */
};

#define KV(K, V) { K, V }

/* Parsing one option alone to 'VALUE' gives the member 'WANT'. */
#define GOOD(KEY, VALUE, WANT) \
    { KEY "=" VALUE, { KV(KEY, VALUE) }, { WANT }, 0, { NULL } }

/* Parsing one option alone to 'VALUE' is one problem, naming the key. */
#define BAD(KEY, VALUE) \
    { KEY "=\"" VALUE "\"", { KV(KEY, VALUE) }, { 0 }, 1, { "'" KEY "'" } }

/* Returns the member of 'o' that option 'key' sets, as a number, or
 * LLONG_MIN for an unknown key.  Written independently of the parser's own
 * table. */
static long long
member(const struct xsk_opts *o, const char *key)
{
    return (!strcmp(key, "n_rxq") ? o->n_rxq
            : !strcmp(key, "start-queue") ? o->start_queue
            : !strcmp(key, "xdp-mode") ? (long long) o->mode
            : !strcmp(key, "use-need-wakeup") ? o->need_wakeup
            : !strcmp(key, "n_rxq_desc") ? o->rx_ring
            : !strcmp(key, "n_txq_desc") ? o->tx_ring
            : !strcmp(key, "frame-size") ? o->frame_size
            : !strcmp(key, "umem-frames") ? o->umem_frames
            : !strcmp(key, "rx-checksum-fix") ? o->csum_fix
            : !strcmp(key, "tx-checksum-offload") ? o->tx_csum
            : !strcmp(key, "tx-coalesce") ? o->coalesce
            : !strcmp(key, "tx-coalesce-geneve") ? o->coalesce_geneve
            : !strcmp(key, "offload-redirect") ? (long long) o->redirect
            : LLONG_MIN);
}

static const char *const all_keys[] = {
    "n_rxq", "start-queue", "xdp-mode", "use-need-wakeup", "n_rxq_desc",
    "n_txq_desc", "frame-size", "umem-frames", "rx-checksum-fix",
    "tx-checksum-offload", "tx-coalesce", "tx-coalesce-geneve",
    "offload-redirect",
};

/* Returns the name of the first member that differs, or NULL. */
static const char *
first_difference(const struct xsk_opts *a, const struct xsk_opts *b)
{
    for (size_t i = 0; i < sizeof all_keys / sizeof all_keys[0]; i++) {
        if (member(a, all_keys[i]) != member(b, all_keys[i])) {
            return all_keys[i];
        }
    }
    return NULL;
}

static const struct parse_case cases[] = {
    /* Every option, valid values, at and inside the limits. */
    GOOD("n_rxq", "1", 1),
    GOOD("n_rxq", "7", 7),
    GOOD("n_rxq", "16", 16),
    GOOD("start-queue", "0", 0),
    GOOD("start-queue", "63", 63),
    GOOD("xdp-mode", "best-effort", XSK_MODE_BEST_EFFORT),
    GOOD("xdp-mode", "native-with-zerocopy", XSK_MODE_NATIVE_ZC),
    GOOD("xdp-mode", "native", XSK_MODE_NATIVE),
    GOOD("xdp-mode", "generic", XSK_MODE_GENERIC),
    GOOD("xdp-mode", "GENERIC", XSK_MODE_GENERIC),
    GOOD("xdp-mode", "Native-With-ZeroCopy", XSK_MODE_NATIVE_ZC),
    GOOD("xdp-mode", "NaTiVe", XSK_MODE_NATIVE),
    GOOD("xdp-mode", "Best-Effort", XSK_MODE_BEST_EFFORT),
    GOOD("use-need-wakeup", "true", true),
    GOOD("use-need-wakeup", "false", false),
    GOOD("use-need-wakeup", "FALSE", false),
    GOOD("use-need-wakeup", "True", true),
    GOOD("n_rxq_desc", "64", 64),
    GOOD("n_rxq_desc", "4096", 4096),
    GOOD("n_txq_desc", "64", 64),
    GOOD("n_txq_desc", "16384", 16384),
    GOOD("frame-size", "2048", 2048),
    GOOD("frame-size", "4096", 4096),
    GOOD("umem-frames", "8192", 8192),
    GOOD("umem-frames", "8256", 8256),          /* Multiple of 64 only. */
    GOOD("umem-frames", "1048576", 1048576),
    GOOD("rx-checksum-fix", "false", false),
    GOOD("rx-checksum-fix", "true", true),
    GOOD("tx-checksum-offload", "false", false),
    GOOD("tx-checksum-offload", "true", true),
    GOOD("tx-coalesce", "false", false),
    GOOD("tx-coalesce", "true", true),
    GOOD("tx-coalesce-geneve", "true", true),
    GOOD("tx-coalesce-geneve", "false", false),
    GOOD("offload-redirect", "auto", XSK_REDIRECT_AUTO),
    GOOD("offload-redirect", "xdp", XSK_REDIRECT_XDP),
    GOOD("offload-redirect", "SKB", XSK_REDIRECT_SKB),
    { "n_rxq_desc=16384 umem-frames=65536",
      { KV("n_rxq_desc", "16384"), KV("umem-frames", "65536") },
      { 16384, 65536 }, 0, { NULL } },
    { "umem-frames=1024 n_rxq_desc=256 (minimum UMEM)",
      { KV("umem-frames", "1024"), KV("n_rxq_desc", "256") },
      { 1024, 256 }, 0, { NULL } },
    { "start-queue=48 n_rxq=16 (queue 63 is the last)",
      { KV("start-queue", "48"), KV("n_rxq", "16") },
      { 48, 16 }, 0, { NULL } },
    { "umem-frames=8192 n_rxq_desc=2048 (exactly 4 times)",
      { KV("umem-frames", "8192"), KV("n_rxq_desc", "2048") },
      { 8192, 2048 }, 0, { NULL } },
    { "all options at once",
      { KV("n_rxq", "4"), KV("xdp-mode", "native"),
        KV("n_txq_desc", "512"), KV("frame-size", "2048"),
        KV("rx-checksum-fix", "false") },
      { 4, XSK_MODE_NATIVE, 512, 2048, false }, 0, { NULL } },

    /* Text that is not a number. */
    BAD("n_rxq", "abc"),
    BAD("n_rxq", "12x"),
    BAD("n_rxq", ""),
    BAD("n_rxq", " 1"),
    BAD("n_rxq", "1 "),
    BAD("n_rxq", "1.5"),
    BAD("n_rxq", "+1"),
    BAD("n_rxq", "-"),
    BAD("n_rxq", "0x10"),
    BAD("n_rxq", "99999999999999999999"),
    BAD("start-queue", "abc"),
    BAD("start-queue", "1e1"),
    BAD("n_rxq_desc", "ture"),
    BAD("n_rxq_desc", "2048k"),
    BAD("n_txq_desc", ""),
    BAD("frame-size", "4k"),
    BAD("umem-frames", "16384.0"),
    BAD("umem-frames", "-9223372036854775809"),

    /* Text that is not a boolean or a mode. */
    BAD("use-need-wakeup", "ture"),
    BAD("use-need-wakeup", "1"),
    BAD("use-need-wakeup", "yes"),
    BAD("use-need-wakeup", ""),
    BAD("use-need-wakeup", " true"),
    BAD("rx-checksum-fix", "abc"),
    BAD("rx-checksum-fix", "0"),
    BAD("tx-coalesce", "yes"),
    BAD("tx-coalesce-geneve", "1"),
    { "xdp-mode=\"best_effort\"", { KV("xdp-mode", "best_effort") },
      { 0 }, 1, { "xdp-mode", "best_effort" } },
    { "xdp-mode=\"\"", { KV("xdp-mode", "") }, { 0 }, 1, { "xdp-mode" } },
    { "xdp-mode=\"zerocopy\"", { KV("xdp-mode", "zerocopy") },
      { 0 }, 1, { "xdp-mode", "zerocopy" } },
    { "xdp-mode=\"native \"", { KV("xdp-mode", "native ") },
      { 0 }, 1, { "xdp-mode" } },
    { "offload-redirect=\"tc\"", { KV("offload-redirect", "tc") },
      { 0 }, 1, { "'offload-redirect' must be one of auto, xdp, skb",
                  "\"tc\"" } },
    BAD("offload-redirect", ""),

    /* Out of range. */
    BAD("n_rxq", "0"),
    BAD("n_rxq", "-1"),
    { "n_rxq=17", { KV("n_rxq", "17") }, { 0 }, 1,
      { "Too big 'n_rxq' (17 > 16)" } },
    BAD("start-queue", "-1"),
    BAD("start-queue", "64"),
    BAD("n_rxq_desc", "32"),
    BAD("n_rxq_desc", "0"),
    BAD("n_rxq_desc", "32768"),
    BAD("n_txq_desc", "16"),
    BAD("n_txq_desc", "65536"),
    BAD("frame-size", "1024"),
    BAD("frame-size", "8192"),
    BAD("frame-size", "0"),
    BAD("umem-frames", "960"),
    BAD("umem-frames", "0"),
    BAD("umem-frames", "1048640"),
    BAD("umem-frames", "4294967296"),

    /* In range but not a power of 2, or not a multiple of 64. */
    { "n_rxq_desc=100", { KV("n_rxq_desc", "100") }, { 0 }, 1,
      { "'n_rxq_desc'", "power of 2" } },
    { "n_txq_desc=3000", { KV("n_txq_desc", "3000") }, { 0 }, 1,
      { "'n_txq_desc'", "power of 2" } },
    { "frame-size=3072", { KV("frame-size", "3072") }, { 0 }, 1,
      { "'frame-size'", "power of 2" } },
    { "umem-frames=8200", { KV("umem-frames", "8200") }, { 0 }, 1,
      { "'umem-frames'", "multiple of 64" } },
    { "umem-frames=16383", { KV("umem-frames", "16383") }, { 0 }, 1,
      { "'umem-frames'", "multiple of 64" } },

    /* Unknown keys (keys are case-sensitive). */
    { "unknown key foo", { KV("foo", "1") }, { 0 }, 1, { "'foo'" } },
    { "unknown key n-rxq", { KV("n-rxq", "2") }, { 0 }, 1, { "'n-rxq'" } },
    { "unknown key N_RXQ", { KV("N_RXQ", "2") }, { 0 }, 1, { "'N_RXQ'" } },
    { "unknown empty key", { KV("", "2") }, { 0 }, 1, { "''" } },
    { "unknown key next to a valid one",
      { KV("n_rxq", "2"), KV("xdp_mode", "native") }, { 0 }, 1,
      { "'xdp_mode'" } },

    /* Several problems at once: every one is named. */
    { "four problems in one message",
      { KV("n_rxq", "abc"), KV("frame-size", "3000"), KV("bogus", "1"),
        KV("use-need-wakeup", "ture") }, { 0 }, 4,
      { "'n_rxq'", "'frame-size'", "'bogus'", "'use-need-wakeup'" } },
    { "five problems in one message",
      { KV("n_rxq", "42"), KV("start-queue", "-5"),
        KV("n_rxq_desc", "100"), KV("umem-frames", "1000"),
        KV("xdp-mode", "fast") }, { 0 }, 5,
      { "Too big 'n_rxq' (42 > 16)", "'start-queue'", "'n_rxq_desc'",
        "'umem-frames'", "fast" } },

    /* Options that are fine alone but not together. */
    { "start-queue=60 n_rxq=5 (queue 64 does not exist)",
      { KV("start-queue", "60"), KV("n_rxq", "5") }, { 0 }, 1,
      { "'start-queue'", "'n_rxq'" } },
    { "start-queue=63 n_rxq=2",
      { KV("start-queue", "63"), KV("n_rxq", "2") }, { 0 }, 1,
      { "'start-queue'", "'n_rxq'" } },
    { "umem-frames=4096 < 4 * n_rxq_desc=2048 (default)",
      { KV("umem-frames", "4096") }, { 0 }, 1,
      { "'umem-frames'", "'n_rxq_desc'" } },
    { "umem-frames=8192 < 4 * n_rxq_desc=4096",
      { KV("n_rxq_desc", "4096"), KV("umem-frames", "8192") }, { 0 }, 1,
      { "'umem-frames'", "'n_rxq_desc'" } },
    { "n_rxq_desc=16384 with the default umem-frames",
      { KV("n_rxq_desc", "16384") }, { 0 }, 1,
      { "'umem-frames'", "'n_rxq_desc'" } },
};

/* Returns the number of problems in 'msg': they are separated by "; ". */
static int
count_problems(const char *msg)
{
    int n = 1;

    for (const char *p = msg; (p = strstr(p, "; ")); p += 2) {
        n++;
    }
    return n;
}

/* Non-default values for every member, so that a parse that writes
 * defaults over '*o' by mistake is noticed. */
static void
init_nondefault(struct xsk_opts *o)
{
    static const struct xsk_kv kv[] = {
        KV("n_rxq", "2"), KV("start-queue", "3"), KV("xdp-mode", "generic"),
        KV("use-need-wakeup", "false"), KV("n_rxq_desc", "512"),
        KV("n_txq_desc", "256"), KV("frame-size", "2048"),
        KV("umem-frames", "4096"), KV("rx-checksum-fix", "false"),
    };
    char *err = NULL;

    xsk_opts_init(o);
    if (xsk_opts_parse(kv, sizeof kv / sizeof kv[0], o, &err)) {
        tap_diag("cannot set up non-default options: %s", err);
        free(err);
    }
}

static void
run_case(const struct parse_case *c)
{
    struct xsk_opts o, before, defaults;
    char sentinel, *err = &sentinel;
    size_t n = 0;
    int error;

    while (n < MAX_KV && c->kv[n].key) {
        n++;
    }
    init_nondefault(&o);
    before = o;
    xsk_opts_init(&defaults);

    error = xsk_opts_parse(c->kv, n, &o, &err);
    if (!c->n_problems) {
        CHECK(!error, "returned %d: %s", error,
              err != &sentinel ? err : "(no message)");
        CHECK(err == &sentinel, "'*errp' written on success");
        for (size_t i = 0; i < n; i++) {
            CHECK(member(&o, c->kv[i].key) == c->want[i],
                  "'%s' is %lld, want %lld", c->kv[i].key,
                  member(&o, c->kv[i].key), c->want[i]);
        }
        /* Every member not named is the default, not the old value. */
        for (size_t k = 0; k < sizeof all_keys / sizeof all_keys[0]; k++) {
            bool named = false;

            for (size_t i = 0; i < n; i++) {
                named |= !strcmp(c->kv[i].key, all_keys[k]);
            }
            if (!named) {
                CHECK(member(&o, all_keys[k]) == member(&defaults,
                                                        all_keys[k]),
                      "'%s' is %lld, not the default %lld", all_keys[k],
                      member(&o, all_keys[k]),
                      member(&defaults, all_keys[k]));
            }
        }
        if (err != &sentinel) {
            free(err);
        }
    } else {
        const char *diff = first_difference(&o, &before);

        CHECK(error == EINVAL, "returned %d, want EINVAL", error);
        CHECK(!diff, "output changed on error: '%s'", diff);
        if (CHECK(err != &sentinel && err, "no error message")) {
            tap_diag("message: %s", err);
            CHECK(count_problems(err) == c->n_problems,
                  "%d problems reported, want %d", count_problems(err),
                  c->n_problems);
            for (size_t i = 0; i < MAX_KV && c->words[i]; i++) {
                CHECK(strstr(err, c->words[i]), "no \"%s\" in the message",
                      c->words[i]);
            }
            free(err);
        }
    }
    tap_group("%s %s", c->n_problems ? "rejects" : "accepts", c->name);
}

static void
test_defaults(void)
{
    struct xsk_opts o, init;
    char sentinel, *err = &sentinel;

    xsk_opts_init(&init);
    CHECK(init.n_rxq == 1, "n_rxq %d", init.n_rxq);
    CHECK(init.start_queue == 0, "start_queue %d", init.start_queue);
    CHECK(init.mode == XSK_MODE_BEST_EFFORT, "mode %d", (int) init.mode);
    CHECK(init.need_wakeup, "need_wakeup false");
    CHECK(init.rx_ring == 2048, "rx_ring %u", init.rx_ring);
    CHECK(init.tx_ring == 2048, "tx_ring %u", init.tx_ring);
    CHECK(init.frame_size == 4096, "frame_size %u", init.frame_size);
    CHECK(init.umem_frames == 16384, "umem_frames %u", init.umem_frames);
    CHECK(init.csum_fix, "csum_fix false");
    tap_group("xsk_opts_init() sets the documented defaults");

    init_nondefault(&o);
    CHECK(!xsk_opts_parse(NULL, 0, &o, &err), "no options rejected");
    CHECK(err == &sentinel, "'*errp' written on success");
    CHECK(!first_difference(&o, &init), "'%s' is not the default",
          first_difference(&o, &init));
    tap_group("no options: every member goes back to its default");
}

static void
test_equal_and_names(void)
{
    static const struct {
        enum xsk_mode mode;
        const char *name;
    } names[] = {
        { XSK_MODE_BEST_EFFORT, "best-effort" },
        { XSK_MODE_NATIVE_ZC, "native-with-zerocopy" },
        { XSK_MODE_NATIVE, "native" },
        { XSK_MODE_GENERIC, "generic" },
        { (enum xsk_mode) 4, "unknown" },
        { (enum xsk_mode) 1000, "unknown" },
    };
    struct xsk_opts a, b;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CHECK(!strcmp(xsk_mode_name(names[i].mode), names[i].name),
              "mode %d is \"%s\", want \"%s\"", (int) names[i].mode,
              xsk_mode_name(names[i].mode), names[i].name);
    }
    tap_group("xsk_mode_name() of every mode and of bad values");

    xsk_opts_init(&a);
    b = a;
    CHECK(xsk_opts_equal(&a, &b), "copies differ");
    for (int i = 0; i < 9; i++) {
        b = a;
        switch (i) {
        case 0: b.n_rxq++; break;
        case 1: b.start_queue++; break;
        case 2: b.mode = XSK_MODE_GENERIC; break;
        case 3: b.need_wakeup = !b.need_wakeup; break;
        case 4: b.rx_ring *= 2; break;
        case 5: b.tx_ring *= 2; break;
        case 6: b.frame_size = 2048; break;
        case 7: b.umem_frames += 64; break;
        case 8: b.csum_fix = !b.csum_fix; break;
        }
        CHECK(!xsk_opts_equal(&a, &b) && !xsk_opts_equal(&b, &a),
              "a change of '%s' is not seen", all_keys[i]);
    }
    tap_group("xsk_opts_equal() sees a change in every member");
}

/* The exact text of upstream OVS, which its tests look for. */
static void
test_upstream_wording(void)
{
    static const struct xsk_kv kv[] = { KV("n_rxq", "42") };
    char *err = NULL;
    struct xsk_opts o;

    xsk_opts_init(&o);
    CHECK(xsk_opts_parse(kv, 1, &o, &err) == EINVAL, "n_rxq=42 accepted");
    CHECK(err && !strcmp(err, "Too big 'n_rxq' (42 > 16)"),
          "message is \"%s\"", err ? err : "(null)");
    free(err);
    tap_group("n_rxq=42 gives exactly \"Too big 'n_rxq' (42 > 16)\"");
}

/* Options against the device's RX queues: 'start-queue' + 'n_rxq' must
 * not need more queues than the device has; 0 queues means unknown. */
static void
test_check_device(void)
{
    static const struct {
        int start_queue, n_rxq, n_dev_rxq;
        const char *want;       /* NULL: accepted. */
    } rows[] = {
        { 0, 1, 1, NULL },
        { 0, 4, 4, NULL },
        { 3, 1, 4, NULL },
        { 0, 16, 0, NULL },     /* Unknown: no check. */
        { 63, 1, 0, NULL },
        { 0, 2, 1, "'start-queue' 0 + 'n_rxq' 2 needs more than the 1 RX "
          "queue(s) of the interface" },
        { 4, 1, 4, "'start-queue' 4 + 'n_rxq' 1 needs more than the 4 RX "
          "queue(s) of the interface" },
    };

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct xsk_opts o;
        char *err = NULL;
        int error;

        xsk_opts_init(&o);
        o.start_queue = rows[i].start_queue;
        o.n_rxq = rows[i].n_rxq;
        error = xsk_opts_check_device(&o, rows[i].n_dev_rxq, &err);
        if (rows[i].want) {
            CHECK(error == EINVAL && err && !strcmp(err, rows[i].want),
                  "row %zu: error %d, message \"%s\"", i, error,
                  err ? err : "(null)");
        } else {
            CHECK(!error && !err, "row %zu: refused: %s", i,
                  err ? err : "(null)");
        }
        free(err);
    }
    tap_group("xsk_opts_check_device(): queues needed against the "
              "device's");
}

int
main(void)
{
    test_defaults();
    test_equal_and_names();
    test_upstream_wording();
    test_check_device();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i]);
    }
    return tap_done();
}
