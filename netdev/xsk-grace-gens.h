/* SPDX-License-Identifier: Apache-2.0 */

#ifndef XSK_GRACE_GENS_H
#define XSK_GRACE_GENS_H 1

/* Copies of a map value that an XDP program reads, used in turn, each
 * rewritten only after an RCU grace period since it went out of force.
 *
 * A writer that must never change a value under a reading program keeps
 * 'n' copies of it and one of them in force (or none).  To change the
 * value, it writes the next copy, then puts that copy in force.  The copy
 * it rewrites was last in force at least 'n' - 1 switches ago; a program
 * that read it then may still be running if no grace period has passed
 * since, so the writer first waits for the grace period that began when
 * the copy went out of force.  The steering sets (xsk-prog.c, 2 copies)
 * and the flow mask lists (xsk-prog-flow.c, XSK_FLOW_N_LISTS copies) are
 * such values.
 *
 * This module is only the bookkeeping: which copy is next, and which
 * grace period each copy waits for.  The grace periods come from
 * 'struct xsk_grace_ops': the kernel's (xsk_grace_rcu, xsk-grace.h) in
 * the provider, a fake in unit tests.  A caller that writes a copy does:
 *
 *     error = xsk_grace_gens_wait_next(g);
 *     ... write copy xsk_grace_gens_next(g) ...
 *     ... put it in force ...
 *     xsk_grace_gens_commit(g);
 *
 * and, to put no copy in force, xsk_grace_gens_retire() after doing so.
 * On an error before the copy is in force, it just returns: the
 * bookkeeping stays as it was.
 *
 * Not thread-safe: the caller serialises calls for one 'g'. */

#include <stdbool.h>
#include <stdint.h>

/* Grace periods, as xsk-grace.h has them. */
struct xsk_grace_ops {
    uint64_t (*start)(void);            /* xsk_grace_start(). */
    int (*wait)(uint64_t ticket);       /* xsk_grace_wait(). */
    bool (*passed)(uint64_t ticket);    /* xsk_grace_passed(). */
};

#define XSK_GRACE_GENS_MAX 8    /* Copies of one value, at most. */

struct xsk_grace_gens {
    const struct xsk_grace_ops *ops;
    uint32_t n;                 /* Copies, 2 to XSK_GRACE_GENS_MAX. */
    uint32_t cur;               /* Copy put in force last. */
    bool in_force;              /* Whether 'cur' still is. */
    /* Per copy, the 'ops->start' ticket of when it went out of force; 0
     * while it is in force or if it never was. */
    uint64_t tickets[XSK_GRACE_GENS_MAX];
};

/* Initialises 'g' for 'n' copies with grace periods from 'ops': copy 0 in
 * force if 'in_force', else none. */
void xsk_grace_gens_init(struct xsk_grace_gens *g,
                         const struct xsk_grace_ops *ops, uint32_t n,
                         bool in_force);

/* The copy to write next. */
uint32_t xsk_grace_gens_next(const struct xsk_grace_gens *);

/* Waits until copy xsk_grace_gens_next() may be rewritten.  Returns 0, or
 * a positive errno from 'ops->wait' (then it may not be). */
int xsk_grace_gens_wait_next(const struct xsk_grace_gens *);

/* Whether xsk_grace_gens_wait_next() would have to wait now. */
bool xsk_grace_gens_next_busy(const struct xsk_grace_gens *);

/* Records that copy xsk_grace_gens_next() is now in force: the copy that
 * was (if any) starts its grace period. */
void xsk_grace_gens_commit(struct xsk_grace_gens *);

/* Records that no copy is in force any more: the one that was (if any)
 * starts its grace period. */
void xsk_grace_gens_retire(struct xsk_grace_gens *);

#endif /* xsk-grace-gens.h */
