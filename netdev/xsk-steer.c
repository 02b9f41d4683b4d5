/* SPDX-License-Identifier: Apache-2.0 */

/* Parser of steering rules; see xsk-steer.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* asprintf() */
#endif

#include "xsk-steer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsk-compat.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_ARPV 0x0806
#define ETH_P_IPV6 0x86dd

static const char *const mode_names[] = {
    [XSK_STEER_ALL] = "all",
    [XSK_STEER_MATCH] = "match",
    [XSK_STEER_NOMATCH] = "nomatch",
};

/* Returns a new string (the caller frees it) formatted like printf(). */
static char * __attribute__((format(printf, 1, 2)))
msgf(const char *format, ...)
{
    va_list args;
    char *s;

    va_start(args, format);
    if (vasprintf(&s, format, args) < 0) {
        abort();
    }
    va_end(args);
    return s;
}

/* Stores the default, mode "all" with no rules, in 's'. */
void
xsk_steer_init(struct xsk_steer *s)
{
    memset(s, 0, sizeof *s);
    s->mode = XSK_STEER_ALL;
}

const char *
xsk_steer_mode_name(enum xsk_steer_mode mode)
{
    return mode_names[mode];
}

/* A rule while it is parsed: key and mask side by side. */
struct rule_km {
    struct xsk_steer_key key;
    struct xsk_steer_key mask;
};

/* Sets the 'size'-byte field at offset 'ofs' of 'km' to 'value' (network
 * byte order already), or fails if an earlier term set it otherwise. */
static bool
set_field(struct rule_km *km, size_t ofs, const void *value, size_t size)
{
    uint8_t *key = (uint8_t *) &km->key + ofs;
    uint8_t *mask = (uint8_t *) &km->mask + ofs;

    for (size_t i = 0; i < size; i++) {
        if (mask[i] && key[i] != ((const uint8_t *) value)[i]) {
            return false;
        }
    }
    memcpy(key, value, size);
    memset(mask, 0xff, size);
    return true;
}

#define SET(KM, FIELD, VALUE)                                          \
    set_field(KM, offsetof(struct xsk_steer_key, FIELD), &(VALUE),     \
              sizeof (VALUE))

/* Parses decimal or 0x-hex 'arg' into '*value', at most 'max'. */
static bool
parse_number(const char *arg, unsigned long max, unsigned long *value)
{
    char *end;

    if (!arg || !*arg || *arg == '-' || *arg == '+') {
        return false;
    }
    errno = 0;
    *value = strtoul(arg, &end, 0);
    return !errno && !*end && *value <= max;
}

static bool
parse_mac(const char *arg, uint8_t mac[6])
{
    unsigned int b[6];
    char extra;

    if (!arg || sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                       &b[3], &b[4], &b[5], &extra) != 6
        || strlen(arg) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = b[i];
    }
    return true;
}

/* Adds term 'term' (modified: split at its first ':') to 'km'.  Returns NULL
 * or an error message (malloc'd). */
static char *
parse_term(char *term, struct rule_km *km)
{
    static const struct {
        const char *name;
        uint16_t ethertype;     /* 0: not set. */
        uint8_t proto;          /* 0: not set. */
        int port;               /* 0: no argument, 1: dst, 2: src. */
    } protos[] = {
        { "arp", ETH_P_ARPV, 0, 0 },
        { "ip", ETH_P_IPV4, 0, 0 },
        { "ipv6", ETH_P_IPV6, 0, 0 },
        { "icmp", ETH_P_IPV4, 1, 0 },
        { "icmp6", ETH_P_IPV6, 58, 0 },
        { "tcp", 0, 6, 1 },
        { "udp", 0, 17, 1 },
        { "tcp-src", 0, 6, 2 },
        { "udp-src", 0, 17, 2 },
    };
    char *arg = strchr(term, ':');
    unsigned long n;
    bool ok = true;

    if (arg) {
        *arg++ = '\0';
    }
    for (size_t i = 0; i < XSK_ARRAY_SIZE(protos); i++) {
        if (strcmp(term, protos[i].name)) {
            continue;
        }
        if (protos[i].ethertype) {
            __be16 et = htons(protos[i].ethertype);

            ok = SET(km, ethertype, et);
        }
        if (protos[i].proto) {
            ok = ok && SET(km, ip_proto, protos[i].proto);
        }
        if (arg && !protos[i].port) {
            return msgf("'%s' takes no argument", term);
        } else if (!arg && protos[i].port == 2) {
            return msgf("'%s' needs a port: '%s:PORT'", term, term);
        } else if (arg) {
            __be16 port;

            if (!parse_number(arg, 65535, &n) || !n) {
                return msgf("bad port '%s' in '%s:%s' (1-65535)", arg,
                                  term, arg);
            }
            port = htons(n);
            ok = ok && (protos[i].port == 1 ? SET(km, dst_port, port)
                                            : SET(km, src_port, port));
        }
        return ok ? NULL : msgf("'%s' contradicts an earlier term",
                                      term);
    }

    if (!strcmp(term, "vlan")) {
        uint16_t vlan;

        if (!parse_number(arg, 4095, &n)) {
            return msgf("bad VLAN id '%s' in 'vlan:ID' (0-4095)",
                              arg ? arg : "");
        }
        vlan = n | XSK_STEER_VLAN_PRESENT;
        ok = SET(km, vlan, vlan);
    } else if (!strcmp(term, "ethertype")) {
        __be16 et;

        if (!parse_number(arg, 0xffff, &n) || n < 0x600) {
            return msgf("bad EtherType '%s' in 'ethertype:0xNNNN' "
                              "(0x0600-0xffff)", arg ? arg : "");
        }
        et = htons(n);
        ok = SET(km, ethertype, et);
    } else if (!strcmp(term, "dst-mac")) {
        uint8_t mac[6];

        if (!parse_mac(arg, mac)) {
            return msgf("bad MAC '%s' in 'dst-mac:XX:XX:XX:XX:XX:XX'",
                              arg ? arg : "");
        }
        ok = SET(km, dst_mac, mac);
    } else {
        return msgf("unknown term '%s' (known: arp, ip, ipv6, icmp, "
                          "icmp6, tcp[:PORT], udp[:PORT], tcp-src:PORT, "
                          "udp-src:PORT, vlan:ID, ethertype:0xNNNN, "
                          "dst-mac:MAC)", term);
    }
    return ok ? NULL : msgf("'%s' contradicts an earlier term", term);
}

/* Checks that 'km' can match anything: an IP protocol needs an IP
 * EtherType or none. */
static char *
check_rule(const struct rule_km *km)
{
    if (km->mask.ip_proto && km->mask.ethertype
        && km->key.ethertype != htons(ETH_P_IPV4)
        && km->key.ethertype != htons(ETH_P_IPV6)) {
        return msgf("an IP protocol with a non-IP EtherType never "
                          "matches");
    }
    return NULL;
}

/* Adds parsed rule 'km' (text 'text') to 's'. */
static char *
add_rule(struct xsk_steer *s, const struct rule_km *km, const char *text)
{
    struct xsk_steer_rule *r;
    uint32_t m;

    if (s->n_rules >= XSK_STEER_MAX_RULES) {
        return msgf("more than %d rules", XSK_STEER_MAX_RULES);
    }
    for (m = 0; m < s->n_masks; m++) {
        if (!memcmp(&s->masks[m], &km->mask, sizeof km->mask)) {
            break;
        }
    }
    if (m == s->n_masks) {
        if (m >= XSK_STEER_MAX_MASKS) {
            return msgf("more than %d different combinations of "
                              "fields", XSK_STEER_MAX_MASKS);
        }
        s->masks[s->n_masks++] = km->mask;
    }
    for (uint32_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].mask == m
            && !memcmp(&s->rules[i].key, &km->key, sizeof km->key)) {
            return msgf("'%s' repeats rule '%s'", text,
                              s->rules[i].text);
        }
    }
    r = &s->rules[s->n_rules++];
    r->key = km->key;
    r->mask = m;
    snprintf(r->text, sizeof r->text, "%s", text);
    return NULL;
}

/* Copies [start, end) of a string without surrounding blanks into a new
 * string. */
static char *
trimmed(const char *start, const char *end)
{
    while (start < end && (*start == ' ' || *start == '\t')) {
        start++;
    }
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    return msgf("%.*s", (int) (end - start), start);
}

/* Parses the rule list 'rules' (NULL or "" for none) and the mode name
 * 'mode' (NULL for "all") into 's'.  Returns 0, or EINVAL with a message
 * (malloc'd, the caller frees it) in '*errp' and 's' unspecified. */
int
xsk_steer_parse(const char *rules, const char *mode, struct xsk_steer *s,
                char **errp)
{
    const char *p = rules ? rules : "";
    char *msg = NULL;

    *errp = NULL;
    xsk_steer_init(s);
    if (mode) {
        size_t i;

        for (i = 0; i < XSK_ARRAY_SIZE(mode_names); i++) {
            if (!strcmp(mode, mode_names[i])) {
                break;
            }
        }
        if (i == XSK_ARRAY_SIZE(mode_names)) {
            *errp = msgf("bad 'xdp-steer-mode' '%s' (all, match or "
                               "nomatch)", mode);
            return EINVAL;
        }
        s->mode = i;
    }

    while (!msg && *p) {
        const char *end = strchr(p, ',');
        char *text, *term, *save = NULL;
        struct rule_km km;

        end = end ? end : p + strlen(p);
        text = trimmed(p, end);
        p = *end ? end + 1 : end;
        if (!*text || (*end && !*p)) {
            msg = msgf("empty rule");
        } else if (strlen(text) >= XSK_STEER_TEXT_MAX) {
            msg = msgf("rule longer than %d bytes",
                             XSK_STEER_TEXT_MAX - 1);
        } else {
            char *copy = msgf("%s", text);

            memset(&km, 0, sizeof km);
            if (text[0] == '+' || text[strlen(text) - 1] == '+'
                || strstr(text, "++")) {
                msg = msgf("empty term");
            }
            for (term = strtok_r(copy, "+", &save); term && !msg;
                 term = strtok_r(NULL, "+", &save)) {
                char *t = trimmed(term, term + strlen(term));

                msg = *t ? parse_term(t, &km) : msgf("empty term");
                free(t);
            }
            msg = msg ? msg : check_rule(&km);
            msg = msg ? msg : add_rule(s, &km, text);
            free(copy);
        }
        if (msg) {
            char *full = msgf("bad 'xdp-steer' rule '%s': %s", text,
                                    msg);

            free(msg);
            msg = full;
        }
        free(text);
    }
    if (!msg && rules && *rules && !s->n_rules) {
        msg = msgf("bad 'xdp-steer': no rule in '%s'", rules);
    }
    if (msg) {
        *errp = msg;
        return EINVAL;
    }
    return 0;
}

/* True if 'a' and 'b' steer every frame the same way. */
bool
xsk_steer_equal(const struct xsk_steer *a, const struct xsk_steer *b)
{
    if (a->mode != b->mode || a->n_rules != b->n_rules
        || a->n_masks != b->n_masks
        || memcmp(a->masks, b->masks, a->n_masks * sizeof a->masks[0])) {
        return false;
    }
    for (uint32_t i = 0; i < a->n_rules; i++) {
        if (a->rules[i].mask != b->rules[i].mask
            || memcmp(&a->rules[i].key, &b->rules[i].key,
                      sizeof a->rules[i].key)
            || strcmp(a->rules[i].text, b->rules[i].text)) {
            return false;
        }
    }
    return true;
}

/* The lookup the XDP program does, for tests: true if frame key 'key'
 * matches a rule of 's', with its index in '*rule'. */
bool
xsk_steer_key_match(const struct xsk_steer *s,
                    const struct xsk_steer_key *key, uint32_t *rule)
{
    for (uint32_t m = 0; m < s->n_masks; m++) {
        const uint8_t *mask = (const uint8_t *) &s->masks[m];
        struct xsk_steer_key masked;
        uint8_t *out = (uint8_t *) &masked;

        for (size_t i = 0; i < sizeof masked; i++) {
            out[i] = ((const uint8_t *) key)[i] & mask[i];
        }
        for (uint32_t i = 0; i < s->n_rules; i++) {
            if (s->rules[i].mask == m
                && !memcmp(&s->rules[i].key, &masked, sizeof masked)) {
                *rule = i;
                return true;
            }
        }
    }
    return false;
}
