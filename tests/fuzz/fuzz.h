/* SPDX-License-Identifier: Apache-2.0 */

#ifndef FUZZ_H
#define FUZZ_H 1

/* What the fuzz targets in tests/fuzz/ share: the libFuzzer entry point's
 * declaration and FUZZ_CHECK(), which turns a broken invariant into a crash
 * (abort()), so that libFuzzer saves the input that broke it.  Header-only;
 * nothing here is shared with the code under test.  tests/fuzz/run.sh
 * builds and runs the targets. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FUZZ_CHECK(COND, FORMAT, ...): aborts, explaining with FORMAT, unless
 * COND holds. */
#define FUZZ_CHECK(COND, ...)                                           \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: invariant %s broken: ", __FILE__,   \
                    __LINE__, #COND);                                   \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

/* Reads the input as bytes, front to back. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

/* Takes the next byte, or 0 once the input is used up. */
static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
    if (!in->n) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

/* Takes the next two bytes as a big-endian number. */
static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
    uint16_t hi = fuzz_u8(in);

    return hi << 8 | fuzz_u8(in);
}

#endif /* fuzz.h */
