/* SPDX-License-Identifier: Apache-2.0 */

/* Unit tests of a port's send path (xsk_port_send(), xsk_port_set_gso() in
 * xsk-port.c) over the fake socket of fake-sock.h: which packets go whole
 * to the AF_PACKET socket for TSO packets (a fake 'gso_send'), which go on
 * the TX ring, the mask of those handed over in the caller's order, the
 * counters, and the queue's TX lock; and the warning text of what a send
 * dropped (xsk_report_drops()).  Cases are table rows; after each send,
 * every frame must be back in the pool. */

#include "xsk-port.h"
#include "xsk-report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "fake-sock.h"
#include "tap.h"

/* What the fake AF_PACKET socket has seen. */
static struct {
    int open_error;             /* 'gso_open' fails with it. */
    int send_error;             /* 'gso_send' fails with it. */
    uint32_t sent;              /* Packets 'gso_send' was given. */
    uint32_t last_gso_size;
    uint32_t last_len;          /* Bytes of the last one. */
    const uint32_t *tx_prod;    /* The fake TX ring's producer... */
    uint32_t ring_at_send[8];   /* ...when each packet was given. */
    char last_log[256];
} k;

static int
fake_gso_open(int ifindex, int *fdp)
{
    (void) ifindex;
    *fdp = -1;
    if (k.open_error) {
        return k.open_error;
    }
    *fdp = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return *fdp < 0 ? errno : 0;
}

static int
fake_gso_send(int fd, const struct virtio_net_hdr *hdr,
              const struct iovec *iov, uint32_t n_iov)
{
    (void) fd;
    if (k.sent < 8) {
        k.ring_at_send[k.sent] = k.tx_prod ? *k.tx_prod : 0;
    }
    k.sent++;
    k.last_gso_size = hdr->gso_size;
    k.last_len = 0;
    for (uint32_t i = 0; i < n_iov; i++) {
        k.last_len += iov[i].iov_len;
    }
    return k.send_error;
}

static void
fake_log(const struct xsk_port *port, enum xsk_port_log_level level,
         const char *msg)
{
    (void) port;
    (void) level;
    snprintf(k.last_log, sizeof k.last_log, "%s", msg);
}

static const struct xsk_port_ops fake_ops = {
    .gso_open = fake_gso_open,
    .gso_send = fake_gso_send,
    .log = fake_log,
};

/* Builds in 'p' an IPv4 TCP packet of 'len' bytes (20-byte TCP header). */
static void
build_tcp(uint8_t *p, uint32_t len)
{
    uint8_t *ip = p + 14;

    memset(p, 0, len);
    memset(p, 0x02, 12);
    put16(p + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, len - 14);
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, 0x0a000001);
    put32(ip + 16, 0x0a000002);
    ip[20 + 12] = 5 << 4;
}

/* Builds in 'p' segment 'seq' (counted from 0) of flow 'flow' (its source
 * port): an IPv4 TCP packet with DF, flags ACK, 1000 bytes of payload and
 * a partial checksum, as the glue marks one ('csum_start'). */
static void
build_seg(struct xsk_tx_pkt *p, uint8_t *buf, int flow, uint32_t seq)
{
    build_tcp(buf, 14 + 20 + 20 + 1000);
    buf[14 + 6] = 0x40;
    put16(buf + 14 + 10, rfc1071(buf + 14, 20));
    put16(buf + 34, 1000 + flow);
    put16(buf + 36, 80);
    put32(buf + 34 + 4, 1 + seq * 1000);
    buf[34 + 13] = 0x10;
    p->len = 14 + 20 + 20 + 1000;
    p->csum_start = 34;
    p->csum_offset = 16;
}

/* Gives 'port' one queue on socket 'sock' (may be NULL), as
 * xsk_port_start() would. */
static void
port_give_queue(struct xsk_port *port, struct xsk_sock *sock)
{
    XSK_ASSERT(!posix_memalign((void **) &port->queues, XSK_CACHE_LINE,
                               sizeof *port->queues));
    memset(port->queues, 0, sizeof *port->queues);
    xsk_spin_init(&port->queues[0].tx_lock);
    port->queues[0].sock = sock;
    port->n_queues = 1;
}

static void
port_take_queue(struct xsk_port *port)
{
    xsk_spin_destroy(&port->queues[0].tx_lock);
    free(port->queues);
    port->queues = NULL;
    port->n_queues = 0;
}

struct send_case {
    const char *name;
    bool queue;                 /* The port has a queue... */
    bool sock;                  /* ...with a socket. */
    bool gso;                   /* It has an AF_PACKET socket. */
    int send_error;
    bool concurrent;
    int qid;
    bool coalesce;              /* Its "tx-coalesce" is on. */
    const char *pkts;           /* 'g': a 3000-byte TSO packet, 'z': a
                                 * 60-byte packet in a frame of the UMEM,
                                 * 'c': a 60-byte packet to copy, 's' and
                                 * 'o': the next 1054-byte TCP segment of
                                 * one flow and of another. */
    /* Expected: */
    uint32_t handed;            /* Mask. */
    uint32_t ring;              /* Packets on the TX ring. */
    uint32_t gso_sent;          /* Given to the AF_PACKET socket... */
    uint32_t gso_failed;        /* ...and refused there. */
    uint64_t dropped;
    uint32_t coal_runs;         /* Runs given to the AF_PACKET socket... */
    uint32_t coal_segs;         /* ...and the segments sent in them. */
    uint32_t ring_at_send[2];   /* Packets on the ring when the AF_PACKET
                                 * socket was given its first two. */
};

static const struct send_case send_cases[] = {
    { "no queue: nothing sent", false, false, false, 0, false, 0, false, "zc",
      0, 0, 0, 0, 0, 0, 0, { 0 } },
    { "queue without a socket: dropped", true, false, false, 0, false, 0,
      false, "zc", 0, 0, 0, 0, 2, 0, 0, { 0 } },
    { "TSO packets whole, the others on the ring, mask in order", true, true,
      true, 0, false, 0, false, "gzgzc", 0xa, 3, 2, 0, 0, 0, 0, { 0 } },
    { "the same with other senders, under the TX lock", true, true, true, 0,
      true, 0, false, "gzgzc", 0xa, 3, 2, 0, 0, 0, 0, { 0 } },
    { "queue id modulo the queues", true, true, true, 0, false, 5, false, "zg",
      0x1, 1, 1, 0, 0, 0, 0, { 0 } },
    { "TSO packet refused by the kernel: counted", true, true, true, EAGAIN,
      false, 0, false, "gz", 0x2, 1, 1, 1, 1, 0, 0, { 0 } },
    { "queue without a socket: TSO packets still go whole", true, false,
      true, 0, false, 0, false, "gz", 0, 0, 1, 0, 1, 0, 0, { 0 } },
    { "no AF_PACKET socket: a TSO packet goes on the ring", true, true,
      false, 0, false, 0, false, "g", 0, 1, 0, 0, 0, 0, 0, { 0 } },
    { "coalesce: a run of 4 segments leaves as one", true, true, true, 0,
      false, 0, true, "ssss", 0, 0, 1, 0, 0, 1, 4, { 0 } },
    { "coalesce: what is ahead of a run goes first", true, true, true, 0,
      false, 0, true, "zcssss", 0x1, 2, 1, 0, 0, 1, 4, { 2 } },
    { "coalesce: two flows, two runs, in order", true, true, true, 0,
      true, 0, true, "sssczoo", 0x10, 2, 2, 0, 0, 2, 5, { 0, 2 } },
    { "coalesce: a run the kernel refuses goes on the ring", true, true,
      true, EAGAIN, false, 0, true, "ssss", 0, 4, 1, 0, 0, 1, 0, { 0 } },
    { "coalesce off: segments on the ring", true, true, true, 0, false, 0,
      false, "ssss", 0, 4, 0, 0, 0, 0, 0, { 0 } },
    { "coalesce without an AF_PACKET socket: on the ring", true, true,
      false, 0, false, 0, true, "ssss", 0, 4, 0, 0, 0, 0, 0, { 0 } },
};

static void
run_send_case(const struct send_case *c)
{
    uint32_t n = strlen(c->pkts), handed, n_tx, lens[XSK_TX_BURST];
    struct xsk_tx_pkt pkts[XSK_TX_BURST];
    uint8_t *out = malloc(RING_SIZE * FRAME_SIZE);
    uint8_t *heap = malloc(n * 3000);
    uint32_t frames[XSK_TX_BURST];
    struct xsk_port_drops drops;
    struct xsk_port_queue *q;
    struct xsk_tcache *tc;
    struct xsk_port port;
    struct fake f;

    memset(&k, 0, sizeof k);
    k.send_error = c->send_error;
    fake_init(&f, true, RING_SIZE, 0);
    tc = xsk_tcache_get(f.umem);
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    xsk_port_set_mtu(&port, 1500);
    if (c->queue) {
        port_give_queue(&port, c->sock ? &f.sock : NULL);
    }
    if (c->gso) {
        XSK_ASSERT(!fake_gso_open(0, &port.gso_fd));
        port.coalesce = c->coalesce;
    }
    k.tx_prod = &f.prod[2];
    for (uint32_t i = 0; i < n; i++) {
        struct xsk_tx_pkt *p = &pkts[i];

        memset(p, 0, sizeof *p);
        p->frame = XSK_TX_COPY;
        p->data = heap + i * 3000;
        p->len = 60;
        if (c->pkts[i] == 'g') {
            p->len = 3000;
            p->gso = true;
            build_tcp(heap + i * 3000, 3000);
        } else if (c->pkts[i] == 'z') {
            XSK_ASSERT(xsk_frames_get_for_packets(tc, &frames[i], 1));
            p->frame = frames[i];
            p->data = (uint8_t *) xsk_frame_ptr(f.umem, p->frame)
                      + XSK_RX_HEADROOM;
        } else if (c->pkts[i] == 's' || c->pkts[i] == 'o') {
            uint32_t seq = 0;

            for (uint32_t j = 0; j < i; j++) {
                seq += c->pkts[j] == c->pkts[i];
            }
            build_seg(p, heap + i * 3000, c->pkts[i], seq);
        }
    }

    handed = xsk_port_send(&port, c->qid, c->concurrent, pkts, n, &drops);
    n_tx = kernel_tx(&f, out, lens, XSK_TX_BURST);
    q = c->queue ? &port.queues[0] : NULL;

    CHECK(handed == c->handed, "mask %#x, expected %#x", handed, c->handed);
    CHECK(n_tx == c->ring, "%u on the ring, expected %u", n_tx, c->ring);
    CHECK(k.sent == c->gso_sent && drops.gso_failed == c->gso_failed,
          "%u given to the AF_PACKET socket, %u failed", k.sent,
          drops.gso_failed);
    CHECK(!k.sent || k.last_gso_size == (c->coal_runs ? 1000 : 1500 - 40),
          "GSO size %u", k.last_gso_size);
    for (uint32_t i = 0; i < k.sent && i < 2; i++) {
        CHECK(k.ring_at_send[i] == c->ring_at_send[i],
              "%u on the ring before AF_PACKET send %u, expected %u",
              k.ring_at_send[i], i, c->ring_at_send[i]);
    }
    if (q) {
        uint32_t gso_ok = c->gso_sent - c->coal_runs - c->gso_failed;

        CHECK(q->tx_stats.gso_packets == gso_ok
              && q->tx_stats.gso_failed == c->gso_failed,
              "gso_packets %"PRIu64" gso_failed %"PRIu64,
              q->tx_stats.gso_packets, q->tx_stats.gso_failed);
        CHECK(q->tx_stats.coal_runs + q->tx_stats.coal_failed == c->coal_runs
              && q->tx_stats.coal_segments == c->coal_segs
              && q->tx_stats.coal_failed == (c->send_error ? c->coal_runs
                                                           : 0),
              "coalesced %"PRIu64" runs of %"PRIu64", %"PRIu64" refused",
              q->tx_stats.coal_runs, q->tx_stats.coal_segments,
              q->tx_stats.coal_failed);
        CHECK(q->tx_stats.dropped == c->dropped, "%"PRIu64" dropped",
              q->tx_stats.dropped);
        CHECK(q->tx_stats.packets == c->ring + gso_ok + c->coal_segs,
              "%"PRIu64" packets counted", q->tx_stats.packets);
        CHECK(!pthread_spin_trylock(&q->tx_lock.lock), "TX lock held");
        pthread_spin_unlock(&q->tx_lock.lock);
    }
    CHECK(!c->gso_failed || drops.gso_error == c->send_error,
          "reason %d", drops.gso_error);

    /* The caller frees what was not handed over. */
    for (uint32_t i = 0; i < n; i++) {
        if (!(handed & (1u << i)) && c->pkts[i] == 'z') {
            xsk_frame_packet_free(tc, frames[i]);
        }
    }
    xsk_sock_complete(&f.sock, tc);
    if (c->queue) {
        port_take_queue(&port);
    }
    xsk_port_uninit(&port);
    CHECK(fake_close(&f), "%s: frames are missing from the pool", c->name);
    free(heap);
    free(out);
    tap_group("send: %s", c->name);
}

/* xsk_port_set_gso(): an AF_PACKET socket only for a started port that
 * asks for it, a failure logged, the old socket closed every time. */
static void
test_set_gso(void)
{
    struct xsk_port port;
    struct fake f;

    memset(&k, 0, sizeof k);
    fake_init(&f, true, RING_SIZE, 0);
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    CHECK(port.gso_fd == -1, "a new port has a socket");
    CHECK(port.opts.coalesce, "tx-coalesce is not on by default");
    port.opts.coalesce = false;
    CHECK(!xsk_port_set_gso(&port, true) && port.gso_fd == -1,
          "a port without queues got a socket");
    port_give_queue(&port, &f.sock);
    CHECK(xsk_port_set_gso(&port, true) && port.gso_fd >= 0, "no socket");
    CHECK(!xsk_port_set_gso(&port, false) && port.gso_fd == -1,
          "socket left open");
    k.open_error = EPERM;
    CHECK(!xsk_port_set_gso(&port, true) && port.gso_fd == -1,
          "socket despite EPERM");
    CHECK(strstr(k.last_log, "no AF_PACKET socket (Operation not "
                 "permitted): TSO packets are segmented"),
          "log \"%s\"", k.last_log);
    k.open_error = 0;
    CHECK(xsk_port_set_gso(&port, true) && !port.coalesce, "no socket");
    port.opts.coalesce = true;
    CHECK(!xsk_port_set_gso(&port, false) && port.gso_fd >= 0
          && port.coalesce, "tx-coalesce without TSO: no socket");
    CHECK(xsk_port_set_gso(&port, true) && port.coalesce,
          "tx-coalesce with TSO: no socket");
    port_take_queue(&port);
    xsk_port_uninit(&port);             /* Closes it. */
    CHECK(port.gso_fd == -1, "socket left open by uninit");
    CHECK(fake_close(&f), "frames are missing from the pool");
    tap_group("set_gso: only when started and asked (TSO or tx-coalesce); "
              "failure logged");
}

/* xsk_port_recv() and xsk_port_rx_fd(): a queue without a socket gives
 * nothing and no fd; one with a socket gives its packets, super-packets
 * whole only when asked. */
static void
test_recv(void)
{
    static const struct xsk_rx_cfg cfg = {
        .mtu = 1500,
        .frame_cap = FRAME_SIZE - XSK_RX_HEADROOM,
        .csum_mode = XSK_RX_CSUM_KEEP,
    };
    struct xsk_rx_pkt pkts[XSK_RX_BURST];
    uint8_t *pkt = malloc(3000);
    struct xsk_tcache *tc;
    struct xsk_port port;
    struct fake f;

    fake_init(&f, true, RING_SIZE, 0);
    f.sock.fd = 42;
    tc = xsk_tcache_get(f.umem);
    xsk_port_init(&port, "p0", &fake_ops, NULL);
    port_give_queue(&port, NULL);
    CHECK(xsk_port_rx_fd(&port, 0) == -1 && xsk_port_rx_fd(&port, 1) == -1,
          "an fd without a socket");
    CHECK(!xsk_port_recv(&port, 0, false, pkts), "packets without a socket");
    port.queues[0].sock = &f.sock;
    XSK_ASSERT(!xsk_rxq_init(&port.queues[0].rx, &f.sock, &cfg));
    CHECK(xsk_port_rx_fd(&port, 0) == 42, "fd %d",
          xsk_port_rx_fd(&port, 0));
    xsk_sock_refill(&f.sock, tc);
    build_tcp(pkt, 3000);
    for (int whole = 0; whole < 2; whole++) {
        uint32_t n;

        XSK_ASSERT(kernel_rx(&f, pkt, 3000, 3000));
        n = xsk_port_recv(&port, 0, whole, pkts);
        CHECK(n == (whole ? 1 : 3), "%s: %u packets",
              whole ? "whole" : "cut", n);
        for (uint32_t i = 0; i < n; i++) {
            if (pkts[i].frame == XSK_RX_SUPER) {
                free(pkts[i].data - xsk_rx_super_headroom(pkts[i].len));
            } else {
                xsk_frame_packet_free(tc, pkts[i].frame);
            }
        }
    }
    xsk_rxq_uninit(&port.queues[0].rx);
    port_take_queue(&port);
    xsk_port_uninit(&port);
    CHECK(fake_close(&f), "frames are missing from the pool");
    free(pkt);
    tap_group("recv: per queue, super-packets whole when asked; rx_fd");
}

/* xsk_report_drops(): the warning text of one send's drops. */
static void
test_report_drops(void)
{
    static const struct {
        struct xsk_port_drops d;
        const char *want;       /* NULL: nothing to warn about. */
    } rows[] = {
        { { .ring_full = 3, .no_frame = 2 }, NULL },
        { { .too_big = 2, .max_len = 73728 },
          "dropped 2 packet(s) too big for the socket (at most 73728 "
          "bytes)" },
        { { .too_big = 1, .max_len = 4096, .no_sg = true },
          "dropped 1 packet(s) too big for the socket (at most 4096 bytes, "
          "no multi-buffer)" },
        { { .gso_failed = 3, .gso_len = 65000, .gso_error = EAGAIN },
          "dropped 3 TSO packet(s), the last of 65000 bytes: Resource "
          "temporarily unavailable" },
        { { .too_big = 1, .max_len = 4096, .no_sg = true, .gso_failed = 1,
            .gso_len = 3000, .gso_error = EMSGSIZE },
          "dropped 1 packet(s) too big for the socket (at most 4096 bytes, "
          "no multi-buffer); dropped 1 TSO packet(s), the last of 3000 "
          "bytes: Message too long" },
    };
    char small[16];

    for (size_t i = 0; i < XSK_ARRAY_SIZE(rows); i++) {
        char text[256] = "untouched";
        bool said = xsk_report_drops(&rows[i].d, text, sizeof text);

        CHECK(said == !!rows[i].want, "row %zu: %s", i,
              said ? "a warning" : "no warning");
        CHECK(!rows[i].want ? !strcmp(text, "untouched")
                            : !strcmp(text, rows[i].want),
              "row %zu: \"%s\"", i, text);
    }
    /* A short buffer: cut, terminated. */
    CHECK(xsk_report_drops(&rows[4].d, small, sizeof small)
          && strlen(small) == sizeof small - 1, "short buffer \"%s\"",
          small);
    tap_group("report_drops: the warning text of a send's drops");
}

int
main(void)
{
    for (size_t i = 0; i < XSK_ARRAY_SIZE(send_cases); i++) {
        run_send_case(&send_cases[i]);
    }
    test_set_gso();
    test_recv();
    test_report_drops();
    return tap_done();
}
