/* SPDX-License-Identifier: Apache-2.0 */

#ifndef PROG_TEST_H
#define PROG_TEST_H 1

/* Start of the unit tests that run the XDP program (test-*-prog.c): load
 * bpf/xsk_redirect through its skeleton, without attaching it anywhere.
 * Header-only; include after tap.h. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xsk-prog.h"
#include "xsk-bpf/xsk_redirect.skel.h"

/* Loads the program into 'prog'.  Returns -1 if the test can go on, else
 * the exit status for main(): 0 after printing a skip (not root), 1 after
 * printing the failure (the verifier refused the program). */
static inline int
prog_test_load(struct xsk_prog *prog)
{
    if (geteuid()) {
        printf("ok 1 # SKIP needs root to load BPF\n1..1\n");
        return 0;
    }
    xsk_prog_init(prog);
    prog->skel = xsk_redirect__open_and_load();
    if (!prog->skel) {
        printf("not ok 1 - the XDP program loads (verifier): %s\n1..1\n",
               strerror(errno));
        return 1;
    }
    return -1;
}

#endif /* prog-test.h */
