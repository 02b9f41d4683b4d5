/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_GRACE_H
#define XSK_GRACE_H 1

/* Waiting, in the background, until no XDP program can still be using
 * what it read before a given moment.
 *
 * Every run of an XDP program is inside an RCU read-side section, so once
 * an RCU grace period has passed after a map write, no program still holds
 * anything the write replaced.  A grace period takes milliseconds (about
 * 16 on the test machine), too long to wait for on every change of the
 * offloaded flows: the waits would delay the changes queued behind them.
 * So one background thread (per process) waits for grace periods, and a
 * writer asks for one when it retires something (xsk_grace_start()) and
 * waits only when it is about to reuse it (xsk_grace_wait()), which is
 * usually long after.
 *
 * Thread-safe. */

#include <stdbool.h>
#include <stdint.h>

struct xsk_grace_ops;

/* Returns a ticket for a grace period that begins after this call: once
 * xsk_grace_wait() of it returns 0, no program runs with anything it read
 * before the call.  Never 0. */
uint64_t xsk_grace_start(void);

/* Waits until the grace period of 'ticket' has passed (at once if it has,
 * or if 'ticket' is 0).  Returns 0, or a positive errno if the kernel did
 * not wait for one (then nothing may be assumed). */
int xsk_grace_wait(uint64_t ticket);

/* Whether the grace period of 'ticket' has passed, without waiting. */
bool xsk_grace_passed(uint64_t ticket);

/* The three functions above, for xsk-grace-gens.h. */
extern const struct xsk_grace_ops xsk_grace_rcu;

#endif /* xsk-grace.h */
