/* SPDX-License-Identifier: Apache-2.0 */

/* Fuzz target of the steering-rule parser, netdev/xsk-steer.c:
 * xsk_steer_parse() on arbitrary text.  The input is the "xdp-steer" text;
 * if it starts with a line "mode=NAME", NAME is the "xdp-steer-mode" (else
 * there is none).  tests/fuzz/steer.dict gives libFuzzer the terms.
 *
 * Checked on every input: a failure says why, a success says nothing; an
 * accepted set stays within XSK_STEER_MAX_RULES and XSK_STEER_MAX_MASKS,
 * uses each of its masks, has no two equal rules, keeps each key within
 * its mask and each field within what xsk-steer.h allows; every rule's text
 * is trimmed, and the texts joined again parse to the same set, and each
 * alone to the same rule; each rule's own key matches the set
 * (xsk_steer_key_match()). */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xsk-steer.h"

/* Parses 'rules' and 'mode' into 's'; checks what every parse must
 * satisfy.  Returns the result. */
static int
parse(const char *rules, const char *mode, struct xsk_steer *s)
{
    char *err = (char *) "untouched";
    int error = xsk_steer_parse(rules, mode, s, &err);

    if (error) {
        FUZZ_CHECK(error == EINVAL, "error %d", error);
        FUZZ_CHECK(err && *err, "a failure without a reason");
        free(err);
    } else {
        FUZZ_CHECK(!err, "a success with a message: %s", err);
    }
    return error;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Checks rule 'i' of accepted set 's' on its own. */
static void
check_rule(const struct xsk_steer *s, uint32_t i)
{
    const struct xsk_steer_rule *r = &s->rules[i];
    const struct xsk_steer_key *m = &s->masks[r->mask];
    const struct xsk_steer_key *k = &r->key;
    const uint8_t *kb = (const uint8_t *) k, *mb = (const uint8_t *) m;
    size_t len = strnlen(r->text, sizeof r->text);
    struct xsk_steer one;
    uint32_t hit;

    FUZZ_CHECK(r->mask < s->n_masks, "rule %u: mask %u", i, r->mask);
    for (size_t b = 0; b < sizeof *k; b++) {
        FUZZ_CHECK(!(kb[b] & ~mb[b]), "rule %u: key byte %zu outside its "
                   "mask", i, b);
    }
    FUZZ_CHECK(!m->pad, "rule %u: padding in the mask", i);
    FUZZ_CHECK(!m->vlan || (m->vlan == 0xffff
                            && (k->vlan & ~0xfff) == XSK_STEER_VLAN_PRESENT),
               "rule %u: VLAN %#x/%#x", i, k->vlan, m->vlan);
    FUZZ_CHECK(!m->ethertype || ntohs(k->ethertype) >= 0x600,
               "rule %u: EtherType %#x", i, ntohs(k->ethertype));
    FUZZ_CHECK(!m->ip_proto || !m->ethertype
               || k->ethertype == htons(0x0800)
               || k->ethertype == htons(0x86dd),
               "rule %u: IP protocol with EtherType %#x", i,
               ntohs(k->ethertype));
    FUZZ_CHECK((!m->src_port || k->src_port)
               && (!m->dst_port || k->dst_port), "rule %u: port 0", i);
    FUZZ_CHECK(len > 0 && len < sizeof r->text && !strchr(r->text, ',')
               && !is_blank(r->text[0]) && !is_blank(r->text[len - 1]),
               "rule %u: text \"%.*s\"", i, (int) len, r->text);

    FUZZ_CHECK(!parse(r->text, "match", &one) && one.n_rules == 1
               && !memcmp(&one.rules[0].key, k, sizeof *k)
               && !memcmp(&one.masks[0], m, sizeof *m),
               "rule %u (\"%s\") alone is not the same rule", i, r->text);
    FUZZ_CHECK(xsk_steer_key_match(s, k, &hit),
               "rule %u (\"%s\"): its own key matches no rule", i, r->text);
}

/* Checks accepted set 's', parsed from 'rules'. */
static void
check_set(const struct xsk_steer *s, const char *rules)
{
    uint32_t uses[XSK_STEER_MAX_MASKS] = { 0 };
    struct xsk_steer again;
    size_t joined_size = 1;
    char *joined;

    FUZZ_CHECK(s->n_rules <= XSK_STEER_MAX_RULES
               && s->n_masks <= XSK_STEER_MAX_MASKS
               && s->n_masks <= s->n_rules, "%u rules, %u masks",
               s->n_rules, s->n_masks);
    FUZZ_CHECK(!rules || !*rules || s->n_rules,
               "no rule in accepted text \"%s\"", rules);
    for (uint32_t i = 0; i < s->n_rules; i++) {
        check_rule(s, i);
        uses[s->rules[i].mask]++;
        for (uint32_t j = 0; j < i; j++) {
            FUZZ_CHECK(s->rules[i].mask != s->rules[j].mask
                       || memcmp(&s->rules[i].key, &s->rules[j].key,
                                 sizeof s->rules[i].key),
                       "rules %u and %u are equal", j, i);
        }
        joined_size += strlen(s->rules[i].text) + 1;
    }
    for (uint32_t m = 0; m < s->n_masks; m++) {
        FUZZ_CHECK(uses[m], "mask %u has no rule", m);
        for (uint32_t j = 0; j < m; j++) {
            FUZZ_CHECK(memcmp(&s->masks[m], &s->masks[j], sizeof s->masks[m]),
                       "masks %u and %u are equal", j, m);
        }
    }

    joined = calloc(1, joined_size);
    for (uint32_t i = 0; i < s->n_rules; i++) {
        if (i) {
            strcat(joined, ",");
        }
        strcat(joined, s->rules[i].text);
    }
    FUZZ_CHECK(!parse(joined, xsk_steer_mode_name(s->mode), &again)
               && xsk_steer_equal(s, &again),
               "the rule texts joined (\"%s\") do not parse the same",
               joined);
    free(joined);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    const char *rules = text, *mode = NULL;
    struct xsk_steer s;

    memcpy(text, data, size);
    text[size] = '\0';
    if (!strncmp(text, "mode=", 5)) {
        char *nl = strchr(text, '\n');

        mode = text + 5;
        rules = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = '\0';
        }
    }
    if (!parse(rules, mode, &s)) {
        check_set(&s, rules);
    }
    free(text);
    return 0;
}
