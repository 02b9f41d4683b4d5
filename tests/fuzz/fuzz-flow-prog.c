/* SPDX-License-Identifier: Apache-2.0 */

/* Differential fuzz target of the XDP program's flow parser: parse_flow()
 * in bpf/xsk_redirect.bpf.c, run with BPF_PROG_TEST_RUN, against OVS's own
 * miniflow_extract().  Whenever the program offers a key for a frame (it
 * looks the frame up in its offloaded flows instead of handing it to OVS),
 * that key must be OVS's: an offloaded megaflow then takes exactly the
 * frames OVS would give it.
 *
 * The input is one byte of settings (bit 0: OVS parses at most one VLAN
 * tag, as ovs-vswitchd does by default, "other_config:vlan-limit"; else
 * two), then the frame.  Needs root (BPF); tests/fuzz/run.sh passes the
 * compiled program's object file in $XSK_FUZZ_BPF_OBJ.
 *
 * The program does not report the key it builds, so the check goes through
 * its flow maps, which this file writes directly (one copy of the mask
 * list, no grace periods: nothing else runs the program):
 *
 *   mask 1: the fields an offloaded flow may match for this frame, as
 *           netdev-xsk-offload.c's spec_from_match() accepts them (the
 *           Ethernet and VLAN fields; for IP, the L3 fields too; for TCP,
 *           UDP, SCTP, ICMP and ICMPv6, the ports or type and code too);
 *           rule (OVS's key & mask 1) -> drop.
 *   mask 2: all zero; rule (0) -> output to "lo" (a redirect).
 *
 * So XDP_DROP means the program's key is OVS's, XDP_PASS that it left the
 * frame to OVS, and XDP_REDIRECT that it offered a different key.  Then the
 * program's key is read back one bit of mask 1 at a time (a mask of one
 * bit, and a rule that wants it set) and the fields that differ are
 * printed before the abort.  A frame with a second VLAN tag (for OVS) must not be offered
 * either: offloaded flows may require there to be none. */

#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp-packet.h"
#include "flow.h"
#include "packets.h"

#include "fuzz.h"
#include "xsk-flow-abi.h"

#define MASK_ID_KEY 1           /* Mask 1 above. */
#define MASK_ID_ANY 2           /* Mask 2 above. */
#define LO_IFINDEX 1

static struct bpf_object *obj;  /* Loaded once, for the whole run. */
static int prog_fd, rules_fd, lists_fd;
static struct xsk_flow_hkey cur_rule;   /* The mask-1 rule in the map. */
static struct xsk_flow_key cur_mask;    /* Mask 1 in the map. */
static unsigned long long n_frames, n_offered;

/* The fields of struct xsk_flow_key, to print a difference. */
#define FIELD(NAME) { #NAME, offsetof(struct xsk_flow_key, NAME), \
                      sizeof ((struct xsk_flow_key *) 0)->NAME }
static const struct {
    const char *name;
    size_t ofs, size;
} fields[] = {
    FIELD(dl_dst), FIELD(dl_src), FIELD(dl_type), FIELD(vlan_tci),
    FIELD(vlan_tpid), FIELD(nw_proto), FIELD(nw_frag), FIELD(tp_src),
    FIELD(tp_dst), FIELD(nw_tos), FIELD(nw_ttl), FIELD(ipv6_label),
    FIELD(nw_src), FIELD(nw_dst),
};

static void
map_put(int fd, const void *key, const void *value)
{
    FUZZ_CHECK(!bpf_map_update_elem(fd, key, value, BPF_ANY),
               "map update: %s", strerror(errno));
}

static int
map_fd(const char *name)
{
    int fd = bpf_object__find_map_fd_by_name(obj, name);

    FUZZ_CHECK(fd >= 0, "no map %s in the program", name);
    return fd;
}

/* Makes 'mask' mask 1 and (key & mask) its one rule. */
static void
set_probe(const struct xsk_flow_key *key, const struct xsk_flow_key *mask)
{
    static const struct xsk_flow_action drop = { .kind = XSK_FLOW_DROP };
    const uint8_t *kb = (const uint8_t *) key, *mb = (const uint8_t *) mask;
    struct xsk_flow_hkey hk;

    if (memcmp(mask, &cur_mask, sizeof *mask)) {
        struct xsk_flow_mask_list list;
        uint32_t zero = 0;

        memset(&list, 0, sizeof list);
        list.n_masks = 2;
        list.ids[0] = MASK_ID_KEY;
        list.masks[0] = *mask;
        list.ids[1] = MASK_ID_ANY;
        map_put(lists_fd, &zero, &list);
        cur_mask = *mask;
    }
    memset(&hk, 0, sizeof hk);
    for (size_t i = 0; i < sizeof hk.key; i++) {
        ((uint8_t *) &hk.key)[i] = kb[i] & mb[i];
    }
    hk.mask_id = MASK_ID_KEY;
    if (memcmp(&hk, &cur_rule, sizeof hk)) {
        bpf_map_delete_elem(rules_fd, &cur_rule);
        map_put(rules_fd, &hk, &drop);
        cur_rule = hk;
    }
}

/* Runs the program on 'frame'; returns its verdict. */
static int
run(const uint8_t *frame, size_t len)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
                .data_size_in = len);

    FUZZ_CHECK(!bpf_prog_test_run_opts(prog_fd, &opts),
               "BPF_PROG_TEST_RUN of %zu bytes: %s", len, strerror(errno));
    return opts.retval;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void
print_counts(void)
{
    fprintf(stderr, "fuzz-flow-prog: the program offered a key for %llu "
            "of %llu frames\n", n_offered, n_frames);
}

/* Loads the program, with mask 2's rule, its output port and the mask
 * list in force. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const struct xsk_flow_action output = {
        .kind = XSK_FLOW_OUTPUT, .n_outputs = 1,
        .out_ifindex = { LO_IFINDEX }, .stats_idx = 1,
    };
    const char *path = getenv("XSK_FUZZ_BPF_OBJ");
    struct xsk_flow_hkey any = { .mask_id = MASK_ID_ANY };
    struct xsk_flow_key no_mask;
    uint32_t zero = 0, one = 1, lo = LO_IFINDEX;
    struct bpf_program *prog;

    (void) argc;
    (void) argv;
    FUZZ_CHECK(path, "set XSK_FUZZ_BPF_OBJ to bpf/xsk_redirect.bpf.o");
    obj = bpf_object__open_file(path, NULL);
    FUZZ_CHECK(obj, "%s: %s", path, strerror(errno));
    FUZZ_CHECK(!bpf_object__load(obj), "loading %s: %s", path,
               strerror(errno));
    prog = bpf_object__find_program_by_name(obj, "ovs_xsk_prog");
    FUZZ_CHECK(prog, "no program ovs_xsk_prog in %s", path);
    prog_fd = bpf_program__fd(prog);
    rules_fd = map_fd("flow_rules");
    lists_fd = map_fd("flow_lists");

    map_put(map_fd("flow_ports"), &lo, &lo);
    map_put(rules_fd, &any, &output);
    memset(&no_mask, 0, sizeof no_mask);
    memset(&cur_mask, 0xff, sizeof cur_mask);   /* Not in the map yet. */
    set_probe(&no_mask, &no_mask);
    map_put(map_fd("flow_on"), &zero, &one);
    atexit(print_counts);
    return 0;
}

static bool
is_ip(ovs_be16 dl_type)
{
    return dl_type == htons(ETH_TYPE_IP) || dl_type == htons(ETH_TYPE_IPV6);
}

/* OVS's flow 'f' as the program's key 'k', and in 'w' the fields an
 * offloaded flow may match for it (netdev-xsk-offload.c:
 * spec_from_match()): L3 fields only for IP, L4 fields only for the
 * protocols whose ports or ICMP type and code the program reads, IPv4 or
 * IPv6 addresses as the EtherType says.  'nw_frag' is OVS's: the program's
 * is always 0, and a flow's may be matched as 0 ("not a fragment"). */
static void
ovs_key(const struct flow *f, struct xsk_flow_key *k, struct xsk_flow_key *w)
{
    memset(k, 0, sizeof *k);
    memset(w, 0, sizeof *w);
    memcpy(k->dl_dst, f->dl_dst.ea, ETH_ADDR_LEN);
    memcpy(k->dl_src, f->dl_src.ea, ETH_ADDR_LEN);
    k->dl_type = f->dl_type;
    k->vlan_tci = f->vlans[0].tci;
    k->vlan_tpid = f->vlans[0].tpid;
    memset(w, 0xff, offsetof(struct xsk_flow_key, nw_proto));
    if (!is_ip(f->dl_type)) {
        return;
    }

    k->nw_proto = f->nw_proto;
    k->nw_frag = f->nw_frag;
    k->nw_tos = f->nw_tos;
    k->nw_ttl = f->nw_ttl;
    w->nw_proto = w->nw_frag = w->nw_tos = w->nw_ttl = 0xff;
    if (f->dl_type == htons(ETH_TYPE_IP)) {
        k->nw_src[0] = f->nw_src;
        k->nw_dst[0] = f->nw_dst;
        w->nw_src[0] = w->nw_dst[0] = 0xffffffff;
    } else {
        memcpy(k->nw_src, &f->ipv6_src, 16);
        memcpy(k->nw_dst, &f->ipv6_dst, 16);
        k->ipv6_label = f->ipv6_label;
        memset(w->nw_src, 0xff, 16);
        memset(w->nw_dst, 0xff, 16);
        w->ipv6_label = 0xffffffff;
    }
    switch (f->nw_proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_SCTP:
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        k->tp_src = f->tp_src;
        k->tp_dst = f->tp_dst;
        w->tp_src = w->tp_dst = 0xffff;
        break;
    }
}

static void
print_field(const char *who, const uint8_t *p, size_t size)
{
    fprintf(stderr, " %s ", who);
    for (size_t i = 0; i < size; i++) {
        fprintf(stderr, "%02x", p[i]);
    }
}

/* The program offered a key other than OVS's 'k' (under 'w') for 'frame':
 * reads the program's key back bit by bit, prints the fields that differ
 * and aborts. */
static void
report_mismatch(const uint8_t *frame, size_t len,
                const struct xsk_flow_key *k, const struct xsk_flow_key *w)
{
    const uint8_t *wb = (const uint8_t *) w;
    struct xsk_flow_key prog_key;
    uint8_t *pb = (uint8_t *) &prog_key;

    memset(&prog_key, 0, sizeof prog_key);
    for (size_t bit = 0; bit < 8 * sizeof prog_key; bit++) {
        struct xsk_flow_key m, one;
        int verdict;

        if (!(wb[bit / 8] & (1 << bit % 8))) {
            continue;
        }
        memset(&m, 0, sizeof m);
        ((uint8_t *) &m)[bit / 8] = 1 << bit % 8;
        one = m;
        set_probe(&one, &m);
        verdict = run(frame, len);
        FUZZ_CHECK(verdict == XDP_DROP || verdict == XDP_REDIRECT,
                   "verdict %d while reading the program's key", verdict);
        if (verdict == XDP_DROP) {
            pb[bit / 8] |= 1 << bit % 8;
        }
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const uint8_t *kb = (const uint8_t *) k + fields[i].ofs;
        const uint8_t *mb = wb + fields[i].ofs;
        bool differ = false;

        for (size_t j = 0; j < fields[i].size; j++) {
            differ = differ || (kb[j] & mb[j]) != pb[fields[i].ofs + j];
        }
        if (differ) {
            fprintf(stderr, "field %s:", fields[i].name);
            print_field("OVS", kb, fields[i].size);
            print_field("program", pb + fields[i].ofs, fields[i].size);
            fputc('\n', stderr);
        }
    }
    fprintf(stderr, "the program offered a key that is not OVS's for a "
            "frame of %zu bytes\n", len);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t settings = fuzz_u8(&in);
    struct xsk_flow_key k, w;
    struct dp_packet packet;
    struct flow flow;
    uint8_t *frame;
    int verdict;
    struct {
        struct miniflow mf;
        uint64_t buf[FLOW_U64S];
    } m;

    if (in.n < ETH_HEADER_LEN) {
        return 0;               /* BPF_PROG_TEST_RUN refuses it. */
    }
    n_frames++;

    /* OVS's key, as dpif-netdev extracts it from a received packet. */
    frame = malloc(in.n);
    memcpy(frame, in.p, in.n);
    flow_limit_vlans(settings & 1 ? 1 : 2);
    dp_packet_use_const(&packet, frame, in.n);
    pkt_metadata_init(&packet.md, u32_to_odp(1));
    miniflow_extract(&packet, &m.mf);
    miniflow_expand(&m.mf, &flow);
    ovs_key(&flow, &k, &w);

    set_probe(&k, &w);
    verdict = run(frame, in.n);
    FUZZ_CHECK(verdict == XDP_DROP || verdict == XDP_PASS
               || verdict == XDP_REDIRECT, "verdict %d", verdict);
    if (verdict != XDP_PASS) {
        n_offered++;
        FUZZ_CHECK(!flow.vlans[1].qtag, "the program offered a key for a "
                   "frame with a second VLAN tag");
    }
    if (verdict == XDP_REDIRECT) {
        report_mismatch(frame, in.n, &k, &w);
    }
    free(frame);
    return 0;
}
