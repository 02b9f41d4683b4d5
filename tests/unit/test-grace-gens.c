/* SPDX-License-Identifier: Apache-2.0 */

/* Unit test of netdev/xsk-grace-gens.c: which copy of a value is written
 * next, which grace period that write waits for, and which grace periods a
 * switch starts.  Grace periods come from a fake (no kernel, no root) that
 * logs each call.  Prints TAP (tap.h).
 *
 * Each row of the table runs a string of steps on a fresh switcher and
 * gives the log they must leave and the state they must end in.  Steps:
 *
 *   c  write the next copy and put it in force: logs "n<copy>", then
 *      xsk_grace_gens_wait_next() and xsk_grace_gens_commit()
 *   e  the same, but the wait fails: no commit
 *   r  put no copy in force: xsk_grace_gens_retire()
 *   b  logs "B" if xsk_grace_gens_next_busy(), "-" if not
 *   g  every grace period started so far passes: logs "g"
 *
 * The fake logs "s<ticket>" for a grace period started (tickets 1, 2, ...),
 * "w<ticket>" for a wait, which makes that grace period pass, and
 * "w<ticket>!" for a wait that fails. */

#include "xsk-grace-gens.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

/* The fake grace periods. */
static char fake_log[512];
static uint64_t fake_started;   /* Last ticket handed out. */
static uint64_t fake_passed;    /* Every ticket up to this one passed. */
static bool fake_fail;          /* The next wait fails. */

/* Appends a word, formatted as by printf(), to 'fake_log'. */
static void __attribute__((format(printf, 1, 2)))
log_word(const char *format, ...)
{
    size_t len = strlen(fake_log);
    va_list args;

    if (len) {
        snprintf(fake_log + len, sizeof fake_log - len, " ");
        len++;
    }
    va_start(args, format);
    vsnprintf(fake_log + len, sizeof fake_log - len, format, args);
    va_end(args);
}

static uint64_t
fake_start(void)
{
    log_word("s%llu", (unsigned long long) ++fake_started);
    return fake_started;
}

static int
fake_wait(uint64_t ticket)
{
    if (fake_fail) {
        fake_fail = false;
        log_word("w%llu!", (unsigned long long) ticket);
        return EIO;
    }
    log_word("w%llu", (unsigned long long) ticket);
    if (ticket > fake_passed) {
        fake_passed = ticket;
    }
    return 0;
}

static bool
fake_passed_(uint64_t ticket)
{
    return ticket <= fake_passed;
}

static const struct xsk_grace_ops fake_ops = {
    .start = fake_start,
    .wait = fake_wait,
    .passed = fake_passed_,
};

struct gens_case {
    const char *name;
    uint32_t n;                 /* Copies. */
    bool in_force;              /* Copy 0 in force at first. */
    const char *steps;
    const char *log;            /* Expected. */
    uint32_t cur;               /* Expected at the end. */
    bool end_in_force;
};

static const struct gens_case cases[] = {
    { "two copies, always one in force (steering sets): each write waits "
      "for the grace period of the switch before the last",
      2, true, "cccc",
      "n1 w0 s1 n0 w1 s2 n1 w2 s3 n0 w3 s4", 0, true },
    { "three copies: a copy waits for the grace period of 2 switches ago",
      3, true, "cccc",
      "n1 w0 s1 n2 w0 s2 n0 w1 s3 n1 w2 s4", 1, true },
    { "none in force at first (mask lists): the first switch retires "
      "nothing",
      4, false, "c", "n1 w0", 1, true },
    { "put out of force and back: the retired copy gets its grace period "
      "once, and its turn waits for it",
      4, false, "crcrcccc",
      "n1 w0 s1 n2 w0 s2 n3 w0 n0 w0 s3 n1 w1 s4 n2 w2 s5", 2, true },
    { "retiring twice, or with nothing in force, starts nothing",
      3, false, "rcrr", "n1 w0 s1", 1, false },
    { "the most copies",
      XSK_GRACE_GENS_MAX, true, "cccccccccc",
      "n1 w0 s1 n2 w0 s2 n3 w0 s3 n4 w0 s4 n5 w0 s5 n6 w0 s6 n7 w0 s7 "
      "n0 w1 s8 n1 w2 s9 n2 w3 s10", 2, true },
    { "busy while the next copy's grace period has not passed",
      2, true, "bcbgbcbcb",
      "- n1 w0 s1 B g - n0 w1 s2 B n1 w2 s3 B", 1, true },
    { "a failed wait changes nothing: the next write waits again",
      2, true, "cec", "n1 w0 s1 n0 w1! n0 w1 s2", 0, true },
    { "a failed wait with nothing in force",
      3, false, "crec", "n1 w0 s1 n2 w0! n2 w0", 2, true },
};

/* Runs step 'op' on 'g'. */
static void
run_step(struct xsk_grace_gens *g, char op)
{
    switch (op) {
    case 'e':
        fake_fail = true;
        /* Fall through. */
    case 'c':
        log_word("n%u", xsk_grace_gens_next(g));
        if (!xsk_grace_gens_wait_next(g)) {
            xsk_grace_gens_commit(g);
        }
        break;
    case 'r':
        xsk_grace_gens_retire(g);
        break;
    case 'b':
        log_word("%s", xsk_grace_gens_next_busy(g) ? "B" : "-");
        break;
    case 'g':
        fake_passed = fake_started;
        log_word("g");
        break;
    default:
        CHECK(false, "unknown step '%c'", op);
    }
}

static void
test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct gens_case *c = &cases[i];
        struct xsk_grace_gens g;

        fake_log[0] = '\0';
        fake_started = fake_passed = 0;
        fake_fail = false;
        xsk_grace_gens_init(&g, &fake_ops, c->n, c->in_force);
        for (const char *op = c->steps; *op; op++) {
            run_step(&g, *op);
        }
        CHECK(!strcmp(fake_log, c->log), "%s: log \"%s\", want \"%s\"",
              c->name, fake_log, c->log);
        CHECK(g.cur == c->cur && g.in_force == c->end_in_force,
              "%s: copy %u %s, want %u %s", c->name, g.cur,
              g.in_force ? "in force" : "out of force", c->cur,
              c->end_in_force ? "in force" : "out of force");
        CHECK(!g.in_force || !g.tickets[g.cur],
              "%s: the copy in force has ticket %llu", c->name,
              (unsigned long long) g.tickets[g.cur]);
        tap_group("%s", c->name);
    }
}

int
main(void)
{
    test_cases();
    return tap_done();
}
