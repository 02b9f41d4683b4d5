/* SPDX-License-Identifier: Apache-2.0 */

#ifndef TAP_H
#define TAP_H 1

/* Minimal TAP (Test Anything Protocol) output for the unit tests in
 * tests/unit/.  Header-only: each test program includes it once.
 *
 * A test program is a sequence of check groups.  Inside a group, CHECK()
 * records each failed condition as a "# " diagnostic line; tap_group() then
 * closes the group with one "ok K - description" or "not ok K -
 * description" line.  tap_done() prints the plan "1..N" (TAP allows the plan
 * at the end) and returns the program's exit status: 0 if every group
 * passed, 1 otherwise.
 *
 * Not thread-safe: call CHECK() from the main thread only (worker threads
 * count their own errors and the main thread checks the counts). */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Diagnostics printed per group before the rest are only counted, so that a
 * check inside a loop cannot flood the log. */
#define TAP_MAX_DIAG 20

static int tap_n_groups;        /* Groups closed so far. */
static int tap_n_failed;        /* Groups that failed. */
static int tap_group_fails;     /* Failed checks in the open group. */

/* Prints one "# " diagnostic line, formatted as printf() would. */
static inline void __attribute__((format(printf, 1, 2)))
tap_diag(const char *format, ...)
{
    va_list args;

    fputs("# ", stdout);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
}

/* Records the result of one check in the open group.  On failure prints
 * 'file':'line', the failed expression 'expr' and the printf()-style
 * explanation 'format'.  Returns 'ok', so that callers can stop early. */
static inline bool __attribute__((format(printf, 5, 6)))
tap_check(bool ok, const char *file, int line, const char *expr,
          const char *format, ...)
{
    va_list args;

    if (ok) {
        return true;
    }
    if (++tap_group_fails <= TAP_MAX_DIAG) {
        printf("# %s:%d: failed: %s: ", file, line, expr);
        va_start(args, format);
        vprintf(format, args);
        va_end(args);
        putchar('\n');
    }
    return false;
}

/* CHECK(COND, FORMAT, ...): checks COND; explains a failure with FORMAT. */
#define CHECK(COND, ...) \
    tap_check(!!(COND), __FILE__, __LINE__, #COND, __VA_ARGS__)

/* Closes the open group, named by the printf()-style 'format': prints its
 * "ok"/"not ok" line.  Returns true if the group passed. */
static inline bool __attribute__((format(printf, 1, 2)))
tap_group(const char *format, ...)
{
    bool ok = !tap_group_fails;
    va_list args;

    if (tap_group_fails > TAP_MAX_DIAG) {
        tap_diag("(%d more failed checks not shown)",
                 tap_group_fails - TAP_MAX_DIAG);
    }
    printf("%sok %d - ", ok ? "" : "not ", ++tap_n_groups);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);

    tap_n_failed += !ok;
    tap_group_fails = 0;
    return ok;
}

/* Prints the plan and a summary.  Returns the exit status for main(). */
static inline int
tap_done(void)
{
    printf("1..%d\n", tap_n_groups);
    if (tap_n_failed) {
        tap_diag("%d of %d groups failed", tap_n_failed, tap_n_groups);
    }
    fflush(stdout);
    return tap_n_failed ? 1 : 0;
}

#endif /* tap.h */
