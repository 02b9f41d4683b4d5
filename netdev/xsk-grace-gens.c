/* SPDX-License-Identifier: Apache-2.0 */

/* Copies of a map value used in turn behind grace periods
 * (xsk-grace-gens.h). */

#include "xsk-grace-gens.h"

#include "xsk-compat.h"

void
xsk_grace_gens_init(struct xsk_grace_gens *g, const struct xsk_grace_ops *ops,
                    uint32_t n, bool in_force)
{
    XSK_ASSERT(n >= 2 && n <= XSK_GRACE_GENS_MAX);
    *g = (struct xsk_grace_gens) {
        .ops = ops,
        .n = n,
        .in_force = in_force,
    };
}

uint32_t
xsk_grace_gens_next(const struct xsk_grace_gens *g)
{
    return (g->cur + 1) % g->n;
}

int
xsk_grace_gens_wait_next(const struct xsk_grace_gens *g)
{
    return g->ops->wait(g->tickets[xsk_grace_gens_next(g)]);
}

bool
xsk_grace_gens_next_busy(const struct xsk_grace_gens *g)
{
    return !g->ops->passed(g->tickets[xsk_grace_gens_next(g)]);
}

void
xsk_grace_gens_retire(struct xsk_grace_gens *g)
{
    if (g->in_force) {
        g->tickets[g->cur] = g->ops->start();
        g->in_force = false;
    }
}

void
xsk_grace_gens_commit(struct xsk_grace_gens *g)
{
    xsk_grace_gens_retire(g);
    g->cur = xsk_grace_gens_next(g);
    g->tickets[g->cur] = 0;
    g->in_force = true;
}
