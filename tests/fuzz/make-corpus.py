#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/TARGET/,
# from the tables below: a handful of meaningful inputs per target, from
# which libFuzzer mutates.  Run it again after changing a table and commit
# the result; tests/fuzz/run.sh only reads the corpora.
#
# Input formats (see each target's file comment):
#   opts       "key=value" lines                        (fuzz-opts.c)
#   steer      ["mode=NAME\n"] rule text                (fuzz-steer.c)
#   csum-gso   16 bits for the MTU, then a frame        (fuzz-csum-gso.c)
#   flow-prog  settings byte, then an Ethernet frame    (fuzz-flow-prog.c)

import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

MAC_DST = bytes([2, 0, 0, 0, 0, 2])
MAC_SRC = bytes([2, 0, 0, 0, 0, 1])
IP4_SRC = bytes([10, 0, 0, 1])
IP4_DST = bytes([10, 0, 0, 2])
IP6_SRC = bytes(15) + b'\x01'
IP6_DST = bytes(15) + b'\x02'

TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK, TCP_CWR = 0x01, 0x02, 0x08, 0x10, 0x80


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def ones_sum(data):
    if len(data) % 2:
        data += b'\x00'
    return fold(sum(struct.unpack('!%dH' % (len(data) // 2), data)))


def eth(ethertype, tags=()):
    """Ethernet header with VLAN tags, each (TPID, TCI)."""
    h = MAC_DST + MAC_SRC
    for tpid, tci in tags:
        h += struct.pack('!HH', tpid, tci)
    return h + struct.pack('!H', ethertype)


def ipv4(proto, payload, frag=0, options=b'', tos=0):
    ihl = 5 + len(options) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, ihl * 4 + len(payload),
                    0x1234, frag, 64, proto, 0, IP4_SRC, IP4_DST) + options
    h = h[:10] + struct.pack('!H', ~ones_sum(h) & 0xffff) + h[12:]
    return h + payload


def ipv6(nexthdr, payload, label=0x12345):
    return struct.pack('!IHBB16s16s', 0x60000000 | label, len(payload),
                       nexthdr, 64, IP6_SRC, IP6_DST) + payload


def pseudo(v6, proto, l4_len):
    if v6:
        return IP6_SRC + IP6_DST + struct.pack('!IxxxB', l4_len, proto)
    return IP4_SRC + IP4_DST + struct.pack('!xBH', proto, l4_len)


def l4_csum(v6, proto, l4, ofs, partial):
    """Sets the checksum at 'ofs' of L4 bytes 'l4': complete, or only the
    folded pseudo-header sum (what a sender with checksum offload leaves)."""
    ps = ones_sum(pseudo(v6, proto, len(l4)))
    c = ps if partial else ~ones_sum(pseudo(v6, proto, len(l4)) + l4) & 0xffff
    return l4[:ofs] + struct.pack('!H', c) + l4[ofs + 2:]


def tcp(v6, sport, dport, payload, flags=TCP_ACK, options=b'',
        partial=False):
    doff = 5 + len(options) // 4
    h = struct.pack('!HHIIBBHHH', sport, dport, 1000, 0, doff << 4, flags,
                    65535, 0, 0) + options
    return l4_csum(v6, 6, h + payload, 16, partial)


def udp(v6, sport, dport, payload, partial=False):
    h = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0)
    return l4_csum(v6, 17, h + payload, 6, partial)


def data(n):
    return bytes((i * 7 + 3) & 0xff for i in range(n))


def tcp4(payload, **kw):
    return ipv4(6, tcp(False, 40000, 80, payload, **kw))


def tcp6(payload, **kw):
    return ipv6(6, tcp(True, 40000, 80, payload, **kw))


ICMP_ECHO = struct.pack('!BBHHH', 8, 0, 0, 1, 1) + data(16)
ICMP6_ECHO = struct.pack('!BBHHH', 128, 0, 0, 1, 1) + data(16)
ND_SOLICIT = struct.pack('!BBHI', 135, 0, 0, 0) + IP6_DST \
    + bytes([1, 1]) + MAC_SRC
ARP = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC_SRC + IP4_SRC \
    + bytes(6) + IP4_DST
QINQ = ((0x88a8, 10), (0x8100, 20))

OPTS = {
    'defaults': '',
    'all-keys': 'n_rxq=4\nstart-queue=2\nxdp-mode=native-with-zerocopy\n'
                'use-need-wakeup=false\nn_rxq_desc=1024\nn_txq_desc=4096\n'
                'frame-size=2048\numem-frames=8192\nrx-checksum-fix=true\n',
    'generic': 'xdp-mode=generic\nn_rxq=1\n',
    'limits': 'n_rxq=16\nstart-queue=48\nn_rxq_desc=16384\n'
              'umem-frames=65536\n',
    'bad-values': 'n_rxq=abc\nframe-size=3000\nuse-need-wakeup=ture\n',
    'too-big': 'n_rxq=17\numem-frames=1048640\n',
    'conflict': 'start-queue=63\nn_rxq=2\n',
    'unknown': 'n_rxq_desc=64\nmtu=1500\n',
}

STEER = {
    'none': '',
    'protocols': 'mode=match\nicmp,udp:4789,arp',
    'combined': 'mode=nomatch\nvlan:10+tcp:22,dst-mac:02:00:00:00:00:01',
    'ports': 'tcp-src:1024+ipv6,udp-src:53+ip,ethertype:0x88cc',
    'blanks': 'mode=all\n tcp : 80 , icmp6 ',
    'contradiction': 'icmp+tcp',
    'duplicate': 'tcp:80,tcp:80',
    'many-masks': 'arp,ip,tcp,udp:1,tcp-src:2,vlan:3,dst-mac:'
                  '00:00:00:00:00:01,ethertype:0x0900,ipv6+udp:5',
}

CSUM_GSO = {
    'tcp4-tso-1500': (1500, eth(0x0800) + tcp4(data(3000), partial=True,
                                               flags=TCP_ACK | TCP_PSH)),
    'tcp6-tso-900': (900, eth(0x86dd) + tcp6(data(2000), partial=True,
                                             flags=TCP_ACK | TCP_FIN)),
    'tcp4-options-vlan': (576, eth(0x0800, [(0x8100, 5)])
                          + ipv4(6, tcp(False, 1, 2, data(1500),
                                        flags=TCP_CWR | TCP_ACK,
                                        options=bytes([1, 1, 1, 0]),
                                        partial=True),
                                 options=bytes([1, 1, 1, 0]))),
    'tcp4-no-payload': (1500, eth(0x0800) + tcp4(b'', flags=TCP_SYN,
                                                 partial=True)),
    'udp6-qinq-partial': (1500, eth(0x86dd, QINQ)
                          + ipv6(17, udp(True, 5000, 53, data(100),
                                         partial=True))),
    'udp4-complete': (1500, eth(0x0800) + ipv4(17, udp(False, 5000, 53,
                                                         data(33)))),
    'tcp4-padding': (1500, eth(0x0800) + tcp4(data(4), partial=True)
                     + bytes(10)),
    # MTUs relative to the headers (top bit set): room for 1 byte of
    # payload per segment, and for none.
    'tcp4-mss-1': (0x8005, eth(0x0800) + tcp4(data(40), partial=True)),
    'tcp6-mss-0': (0x8004, eth(0x86dd) + tcp6(data(40), partial=True)),
    'tcp4-fragment': (1500, eth(0x0800)
                      + ipv4(6, tcp(False, 1, 2, data(40)), frag=0x2000)),
}

FLOW_PROG = {
    'udp4': eth(0x0800) + ipv4(17, udp(False, 1000, 53, data(16))),
    'tcp4-options': eth(0x0800) + ipv4(6, tcp(False, 1000, 80, data(8)),
                                       options=bytes([1, 1, 1, 0]), tos=0xb8),
    'icmp4': eth(0x0800) + ipv4(1, ICMP_ECHO),
    'sctp4': eth(0x0800) + ipv4(132, struct.pack('!HHII', 7, 9, 0, 0)),
    'igmp4': eth(0x0800) + ipv4(2, struct.pack('!BBH4s', 0x16, 0, 0,
                                               bytes([224, 0, 0, 9]))),
    'gre4': eth(0x0800) + ipv4(47, data(12)),
    'frag4-first': eth(0x0800) + ipv4(17, udp(False, 1, 2, data(8)),
                                      frag=0x2000),
    'frag4-later': eth(0x0800) + ipv4(17, data(16), frag=0x0010),
    'udp4-partial': eth(0x0800) + ipv4(17, udp(False, 1, 53, data(8),
                                               partial=True)),
    'udp4-padding': eth(0x0800) + ipv4(17, udp(False, 1, 53, b'')) + bytes(18),
    'tcp4-vlan': eth(0x0800, [(0x8100, 0x2005)]) + tcp4(data(4)),
    'tcp4-qinq': eth(0x0800, QINQ) + tcp4(data(4)),
    'udp6': eth(0x86dd) + ipv6(17, udp(True, 1000, 53, data(16))),
    'tcp6-vlan-ad': eth(0x86dd, [(0x88a8, 7)]) + tcp6(data(4)),
    'icmp6-echo': eth(0x86dd) + ipv6(58, ICMP6_ECHO),
    'icmp6-nd': eth(0x86dd) + ipv6(58, ND_SOLICIT),
    'ipv6-hop-by-hop': eth(0x86dd) + ipv6(0, bytes([17, 0]) + bytes(6)
                                          + udp(True, 1, 2, b'')),
    'arp': eth(0x0806) + ARP,
    'mpls': eth(0x8847) + struct.pack('!I', 0x00001140) + ipv4(17, b''),
    'llc-snap': MAC_DST + MAC_SRC + struct.pack('!H', 30)
                + bytes([0xaa, 0xaa, 3, 0, 0, 0, 8, 0]) + ipv4(17, b''),
}


def write(target, seeds):
    d = os.path.join(HERE, 'corpus', target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, content in seeds.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(content)


write('opts', {k: v.encode() for k, v in OPTS.items()})
write('steer', {k: v.encode() for k, v in STEER.items()})
write('csum-gso', {k: struct.pack('!H', mtu) + frame
                   for k, (mtu, frame) in CSUM_GSO.items()})
# Each frame with OVS parsing two VLAN tags (settings 0), and the tagged
# ones with one (settings 1) too.
flow_seeds = {k: b'\x00' + v for k, v in FLOW_PROG.items()}
flow_seeds.update({k + '-limit-1': b'\x01' + v
                   for k, v in FLOW_PROG.items()
                   if 'vlan' in k or 'qinq' in k})
write('flow-prog', flow_seeds)
