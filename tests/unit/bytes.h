/* SPDX-License-Identifier: Apache-2.0 */

#ifndef BYTES_H
#define BYTES_H 1

/* Byte-level helpers the frame-building unit tests in tests/unit/ share:
 * big-endian loads and stores, the plain RFC 1071 checksum the tests check
 * the code under test against, and a small reproducible random generator.
 * Header-only; nothing here is shared with the code under test. */

#include <stddef.h>
#include <stdint.h>

/* xorshift64* state.  A test that wants its own sequence sets it before the
 * first rnd(). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint32_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static inline uint16_t
get16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static inline uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) get16(p) << 16 | get16(p + 2);
}

/* RFC 1071 Internet checksum of 'len' bytes: the complement of the ones'
 * complement sum of the big-endian 16-bit words, an odd last byte padded
 * with a zero. */
static inline uint16_t
rfc1071(const uint8_t *data, size_t len)
{
    uint64_t sum = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += data[i] << 8 | data[i + 1];
    }
    if (len & 1) {
        sum += data[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

#endif /* bytes.h */
