import { describe, expect, it } from 'vitest';
import { DecodeStats, newPacket, decodePacket, packetDestination, packetSource } from '../../src/decode/index.js';
import { LOG_BLOCK, LOG_NONE, LOG_PASS } from '../../src/decode/packet.js';
import { formatMac, senderMac } from '../../src/decode/link.js';
import { decode, hex, record, sweepPrefixes } from './support.js';

// Frames from corpus captures (tcpdump -xx), noted by file and packet number, and a few built
// by hand where the corpus has no example (marked "built").
const IPV4_ICMP_ECHO = '4500002412340000400197e0c0a8000d0808080808006667000100026162636465666768'; // built
const IPV6_TCP_SYN_LOOPBACK =
  '6000d08d002c06400000000000000000000000000000000100000000000000000000000000000001cd2a00504ec852bd00000000b002ffff0034000002043fc4010303050101080a49b886850000000004020000';

const ETHERNET_TCP_SYN =
  '00137fbe8cff00247ee01db508004500003cced540004006991a8d8edc76d0509876be090050579e296100000000a00216d0373b0000020405b40402080a001be7b40000000001030307'; // wikipedia.pcap #9

const byte = (n: number): string => n.toString(16).padStart(2, '0');
const zeros = (n: number): string => '00'.repeat(n);
const le16 = (n: number): string => byte(n & 0xff) + byte(n >>> 8);
const be16 = (n: number): string => byte(n >>> 8) + byte(n & 0xff);
const le32 = (n: number): string => le16(n & 0xffff) + le16(n >>> 16);

/** A pfloghdr with its length byte, af and action, the rest zero, padded to 4 bytes. */
function pflog(length: number, af: number, action = 0): string {
  return byte(length) + byte(af) + byte(action) + '00' + zeros(((length + 3) & ~3) - 4);
}

/** An NFLOG TLV, its length and type in the given byte order, padded to 4 bytes. */
function tlv(type: number, value: string, little = true): string {
  const length = 4 + value.length / 2;
  return (little ? le16(length) + le16(type) : be16(length) + be16(type)) + value + zeros((4 - (length % 4)) % 4);
}

/** An NFLOG frame as Linux writes it: packet header, prefix "drop ", then the payload (when given). */
function nflog(family: number, payload: string | null, little = true, version = 0): string {
  const tlvs = tlv(1, '080003' + '00', little) + tlv(10, '64726f702000', little) + (payload === null ? '' : tlv(9, payload, little));
  return byte(family) + byte(version) + '0005' + tlvs;
}

/** An NFLOG frame of an IPv4 packet whose rule's prefix is `prefix` (NUL-terminated as the kernel writes it), or none. */
function nflogPrefixed(prefix: string | null, little = true): string {
  const text = prefix === null ? '' : tlv(10, Buffer.from(`${prefix}\0`, 'latin1').toString('hex'), little);
  return '02000005' + tlv(1, '08000300', little) + text + tlv(9, IPV4_ICMP_ECHO, little);
}

/** A PKTAP header (little-endian) of `length` bytes naming the frame's DLT; the other fields zero. */
function pktap(dlt: number, recordType = 1, length = 108): string {
  return le32(length) + le32(recordType) + le32(dlt) + zeros(length - 12);
}

interface LinkCase {
  name: string;
  linktype: number;
  frame: string;
  status: 'decoded' | 'skipped' | 'malformed';
  reason?: string;
  ipVersion?: 0 | 4 | 6;
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  vlan?: number;
  vlanDepth?: number;
}

const cases: LinkCase[] = [
  {
    name: 'Ethernet II, IPv4 TCP SYN (wikipedia.pcap #9)',
    linktype: 1,
    frame:
      '00137fbe8cff00247ee01db508004500003cced540004006991a8d8edc76d0509876be090050579e296100000000a00216d0373b0000020405b40402080a001be7b40000000001030307',
    status: 'decoded',
    ipVersion: 4,
    src: '141.142.220.118',
    dst: '208.80.152.118',
    proto: 6,
    sport: 48649,
    dport: 80,
    vlan: -1,
    vlanDepth: 0,
  },
  {
    name: '802.1ad QinQ, IPv4 UDP (q-in-q.pcap #1)',
    linktype: 1,
    frame:
      'ffffffffffff00c0e4012ced8100000d8100000a08004500002e479600004011749eac133325ac13333fbac0bac0001ab9da810b00120120ffff00ff10080a1b591a1b59',
    status: 'decoded',
    ipVersion: 4,
    src: '172.19.51.37',
    dst: '172.19.51.63',
    proto: 17,
    sport: 47808,
    dport: 47808,
    vlan: 13,
    vlanDepth: 2,
  },
  {
    name: 'QinQ ARP (q-in-q.pcap #5)',
    linktype: 1,
    frame:
      'ffffffffffffe0cb4e5e1a0e8100000d8100000a08060001080006040001e0cb4e5e1a0e80022ee300000000000080022e94000000000000000000000000000000000000',
    status: 'skipped',
    reason: 'l3.not-ip',
    ipVersion: 0,
    vlan: 13,
    vlanDepth: 2,
  },
  {
    name: 'MPLS label stack, IPv4 TCP (mixed-vlan-mpls.pcap #1)',
    linktype: 1,
    frame: '003096e6fc3900309605283888470001ddff45c0002c00000000ff06a4e70a0102010a2200012af9001798320ffb0000000060021020a240000002040218',
    status: 'decoded',
    ipVersion: 4,
    src: '10.1.2.1',
    dst: '10.34.0.1',
    proto: 6,
    sport: 11001,
    dport: 23,
    vlan: -1,
  },
  {
    name: 'Cisco HDLC (a router serial link), IPv4 ICMP echo (built)',
    linktype: 104,
    frame: '0f000800' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
    proto: 1,
  },
  {
    name: 'Cisco HDLC keepalive (SLARP), no IP (built)',
    linktype: 104,
    frame: '8f008035' + zeros(20),
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: 'PPP carrying MPLS (protocol 0x0281), IPv4 inside (built)',
    linktype: 9,
    frame: 'ff030281' + '0001d1ff' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
    proto: 1,
  },
  {
    name: 'older macOS PKTAP, written as DLT_USER2 (149), Ethernet inside (built)',
    linktype: 149,
    frame: pktap(1) + ETHERNET_TCP_SYN,
    status: 'decoded',
    proto: 6,
  },
  {
    name: "another program's DLT_USER2 records (not a PKTAP header): unsupported (built)",
    linktype: 149,
    frame: '0102030405060708' + ETHERNET_TCP_SYN,
    status: 'skipped',
    reason: 'link.unsupported',
  },
  {
    name: 'MPLS label stack over a non-IP payload (built: label then Ethernet)',
    linktype: 1,
    frame: '003096e6fc39003096052838884700012dff003096e6fc39',
    status: 'skipped',
    reason: 'mpls.not-ip',
  },
  {
    name: 'VN-Tag then 802.1Q, IPv4 protocol 253 (vntag.pcap #1)',
    linktype: 1,
    frame:
      '0000010200010000010100018926000000008100000b080045000064acb80000fffd08e101010101010102011b794b175fac06aba65841255f34e28cae99cd04bf24d948801f4ef812dc0b6d453274390619cc75bf7a7b5f95dea5a3ebdc42df57cd94a301fe7983bfcbd306edd988b6f69b206263fa163948011d6aa5f1b87d',
    status: 'decoded',
    ipVersion: 4,
    src: '1.1.1.1',
    dst: '1.1.2.1',
    proto: 253,
    vlan: 11,
    vlanDepth: 1,
  },
  {
    name: 'PPPoE session, PPP IPv6, ICMPv6 (pppoe.pcap #22)',
    linktype: 1,
    frame:
      'cc050e880000ca010e880006886411000011004e00576e00000000240001fe80000000000000c8010efffe880008ff0200000000000000000000000000163a000502000001008f009a770000000104000000ff020000000000000000000000000002',
    status: 'decoded',
    ipVersion: 6,
    src: 'fe80::c801:eff:fe88:8',
    dst: 'ff02::16',
    proto: 58,
  },
  {
    name: 'PPPoE session carrying LCP (pppoe.pcap #5)',
    linktype: 1,
    frame: 'ca010e880006cc050e880000886411000011000cc0210101000a050605fcd45900000000000000000000000000000000000000000000000000000000',
    status: 'skipped',
    reason: 'ppp.not-ip',
  },
  {
    name: 'PPPoE discovery (pppoe.pcap #1)',
    linktype: 1,
    frame: 'ffffffffffffcc050e880000886311090000000c01010000010300046413851800000000000000000000000000000000000000000000000000000000',
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: 'ARP (wikipedia.pcap #5)',
    linktype: 1,
    frame: 'ffffffffffff00137fbe8cff0806000108000604000100137fbe8cff8d8edc010000000000008d8edc1a000000000000000000000000000000000000',
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: '802.3 + LLC spanning tree (wikipedia.pcap #4)',
    linktype: 1,
    frame: '0180c200000000137f4f8ef20027424203000002023c82d000137fbe8cc00000000082d000137fbe8cc081930000140002000f000000000000000000',
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: '802.3 + LLC/SNAP carrying IPv4 (built)',
    linktype: 1,
    frame: '00137fbe8cff00247ee01db5002caaaa030000000800' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
    proto: 1,
  },
  {
    name: 'Linux SLL, IPv4 TCP SYN (tls__irc-starttls.pcap #1)',
    linktype: 113,
    frame:
      '00040001000634e6d7121eb1000008004500003c9cc440004006247ccb8fa82fb9124caad7531a0b435b2faf00000000a002721079aa0000020405b40402080a0033b36b0000000001030307',
    status: 'decoded',
    ipVersion: 4,
    src: '203.143.168.47',
    dst: '185.18.76.170',
    proto: 6,
    sport: 55123,
    dport: 6667,
  },
  {
    name: 'Linux SLL2, IPv4 ICMP (linux_dlt_sll2.pcap #1)',
    linktype: 276,
    frame:
      '080000000000000103040006000000000000000045000054af8c40004001071ac0000201c0000201080066b400080001e9bdf96200000000e24e0d0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    status: 'decoded',
    ipVersion: 4,
    src: '192.0.2.1',
    dst: '192.0.2.1',
    proto: 1,
  },
  {
    name: 'Linux SLL2, IPv6 ICMPv6 (linux_dlt_sll2.pcap #3)',
    linktype: 276,
    frame:
      '86dd0000000000010304000600000000000000006005c2e400403a40fe800000000000008c3606fffe44acaffe800000000000008c3606fffe44acaf8000a8d700090001f8bdf96200000000ab59010000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    status: 'decoded',
    ipVersion: 6,
    src: 'fe80::8c36:6ff:fe44:acaf',
    dst: 'fe80::8c36:6ff:fe44:acaf',
    proto: 58,
  },
  {
    name: 'Linux SLL2, ARP (linux_dlt_sll2.pcap #5)',
    linktype: 276,
    frame: '080600000000001a000104068e360644acaf000000010800060400018e360644acafc0000201000000000000c0000202',
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: 'BSD null, family 30 little-endian (macOS), IPv6 (http__connect-with-header.pcap #1)',
    linktype: 0,
    frame: '1e000000' + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
    src: '::1',
    dst: '::1',
    proto: 6,
    sport: 52522,
    dport: 80,
  },
  {
    name: 'BSD null, AF_INET big-endian (built)',
    linktype: 0,
    frame: '00000002' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    proto: 1,
  },
  {
    name: 'BSD null, AF_INET6 24 big-endian (built)',
    linktype: 0,
    frame: '00000018' + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
  },
  {
    name: 'BSD null, AF_INET6 28 little-endian (built)',
    linktype: 0,
    frame: '1c000000' + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
  },
  { name: 'BSD null, unknown family (built)', linktype: 0, frame: '07000000' + IPV4_ICMP_ECHO, status: 'skipped', reason: 'l3.not-ip' },
  {
    name: 'OpenBSD loop, AF_INET network order (built)',
    linktype: 108,
    frame: '00000002' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
  },
  { name: 'OpenBSD loop, AF_INET6 24 (built)', linktype: 108, frame: '00000018' + IPV6_TCP_SYN_LOOPBACK, status: 'decoded', ipVersion: 6 },
  {
    name: 'raw IP (101), IPv4',
    linktype: 101,
    frame: IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
  },
  { name: 'raw IP (101), IPv6', linktype: 101, frame: IPV6_TCP_SYN_LOOPBACK, status: 'decoded', ipVersion: 6 },
  { name: 'raw IP (DLT 12)', linktype: 12, frame: IPV4_ICMP_ECHO, status: 'decoded', ipVersion: 4 },
  { name: 'raw IP (DLT 14)', linktype: 14, frame: IPV6_TCP_SYN_LOOPBACK, status: 'decoded', ipVersion: 6 },
  { name: 'LINKTYPE_IPV4 (228)', linktype: 228, frame: IPV4_ICMP_ECHO, status: 'decoded', ipVersion: 4 },
  { name: 'LINKTYPE_IPV6 (229)', linktype: 229, frame: IPV6_TCP_SYN_LOOPBACK, status: 'decoded', ipVersion: 6 },
  {
    name: 'LINKTYPE_IPV4 holding an IPv6 header',
    linktype: 228,
    frame: IPV6_TCP_SYN_LOOPBACK,
    status: 'malformed',
    reason: 'ipv4.bad_version',
  },
  {
    name: 'raw IP with version nibble 5',
    linktype: 101,
    frame: '5' + IPV4_ICMP_ECHO.slice(1),
    status: 'malformed',
    reason: 'ip.unknown_version',
  },
  {
    name: 'PPP, IPv6 ICMPv6 (ppp__quic-interop-retry.pcap #1)',
    linktype: 9,
    frame:
      '00576000000100203aff00000000000000000000000000000000ff0200000000000000000001ff0000038700e54700000000fd00cafecafe0050020000fffe0000030101000000000003',
    status: 'decoded',
    ipVersion: 6,
    src: '::',
    dst: 'ff02::1:ff00:3',
    proto: 58,
  },
  { name: 'PPP in HDLC framing, IPv4 (built)', linktype: 50, frame: 'ff030021' + IPV4_ICMP_ECHO, status: 'decoded', ipVersion: 4 },
  {
    name: 'PPP with a compressed protocol field, IPv4 (built)',
    linktype: 9,
    frame: '21' + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
  },
  { name: 'PPP carrying LCP (built)', linktype: 9, frame: 'c0210101000a', status: 'skipped', reason: 'ppp.not-ip' },
  {
    name: 'pflog, FreeBSD / pfSense header (length 61, padded to 64), AF_INET, blocked (built)',
    linktype: 117,
    frame: pflog(61, 2, 1) + IPV4_ICMP_ECHO,
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
    proto: 1,
  },
  {
    name: 'pflog, OpenBSD header (length 100), AF_INET6 24 (built)',
    linktype: 117,
    frame: pflog(100, 24) + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
    sport: 52522,
    dport: 80,
  },
  {
    name: 'pflog, AF_INET6 28 (FreeBSD) (built)',
    linktype: 117,
    frame: pflog(61, 28) + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
  },
  {
    name: 'pflog, AF_INET6 30 (macOS) (built)',
    linktype: 117,
    frame: pflog(61, 30) + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
  },
  { name: 'pflog, an unknown family (built)', linktype: 117, frame: pflog(61, 7) + IPV4_ICMP_ECHO, status: 'skipped', reason: 'l3.not-ip' },
  {
    name: 'pflog, a header length below 45 (built)',
    linktype: 117,
    frame: pflog(44, 2) + IPV4_ICMP_ECHO,
    status: 'malformed',
    reason: 'pflog.bad_header_length',
  },
  {
    name: 'NFLOG, little-endian TLVs, IPv4 (built)',
    linktype: 239,
    frame: nflog(2, IPV4_ICMP_ECHO),
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    dst: '8.8.8.8',
    proto: 1,
  },
  {
    name: 'NFLOG, big-endian TLVs, IPv6 (built)',
    linktype: 239,
    frame: nflog(10, IPV6_TCP_SYN_LOOPBACK, false),
    status: 'decoded',
    ipVersion: 6,
    src: '::1',
    sport: 52522,
    dport: 80,
  },
  {
    name: 'NFLOG, a copy range (--nflog-size) shorter than the packet (built)',
    linktype: 239,
    frame: nflog(2, IPV4_ICMP_ECHO.slice(0, 56)),
    status: 'decoded',
    ipVersion: 4,
    src: '192.168.0.13',
    proto: 1,
  },
  { name: 'NFLOG, a bridge-family record (built)', linktype: 239, frame: nflog(7, IPV4_ICMP_ECHO), status: 'skipped', reason: 'l3.not-ip' },
  { name: 'NFLOG, no payload logged (built)', linktype: 239, frame: nflog(2, null), status: 'skipped', reason: 'nflog.no-payload' },
  {
    name: 'NFLOG, version 1 (built)',
    linktype: 239,
    frame: nflog(2, IPV4_ICMP_ECHO, true, 1),
    status: 'malformed',
    reason: 'nflog.bad_version',
  },
  {
    name: 'NFLOG, a TLV length below 4 (built)',
    linktype: 239,
    frame: '02000005' + '02000100' + tlv(9, IPV4_ICMP_ECHO),
    status: 'malformed',
    reason: 'nflog.bad_tlv_length',
  },
  {
    name: 'PKTAP, Ethernet frame (built around wikipedia.pcap #9)',
    linktype: 258,
    frame: pktap(1) + ETHERNET_TCP_SYN,
    status: 'decoded',
    ipVersion: 4,
    src: '141.142.220.118',
    dst: '208.80.152.118',
    sport: 48649,
    dport: 80,
  },
  {
    name: 'PKTAP, BSD null frame of a utun interface, AF_INET6 30 (built)',
    linktype: 258,
    frame: pktap(0) + '1e000000' + IPV6_TCP_SYN_LOOPBACK,
    status: 'decoded',
    ipVersion: 6,
    sport: 52522,
  },
  { name: 'PKTAP, raw IP (DLT 12) (built)', linktype: 258, frame: pktap(12) + IPV4_ICMP_ECHO, status: 'decoded', ipVersion: 4 },
  {
    name: 'PKTAP, a header longer than 108 bytes (built)',
    linktype: 258,
    frame: pktap(1, 1, 116) + ETHERNET_TCP_SYN,
    status: 'decoded',
    ipVersion: 4,
    dport: 80,
  },
  { name: 'PKTAP, no packet after the header (built)', linktype: 258, frame: pktap(1, 0), status: 'skipped', reason: 'pktap.no-packet' },
  {
    name: 'PKTAP, a header length below 108 (built)',
    linktype: 258,
    frame: pktap(1, 1, 64) + ETHERNET_TCP_SYN,
    status: 'malformed',
    reason: 'pktap.bad_header_length',
  },
  { name: 'USB packets (unsupported)', linktype: 220, frame: '000019006f08000000', status: 'skipped', reason: 'link.unsupported' },
  { name: 'an empty record', linktype: 1, frame: '', status: 'malformed', reason: 'link.empty' },
  {
    name: 'Ethernet header cut at 13 bytes',
    linktype: 1,
    frame: '00137fbe8cff00247ee01db508',
    status: 'malformed',
    reason: 'truncated.ethernet',
  },
  { name: 'a VLAN tag cut short', linktype: 1, frame: '00137fbe8cff00247ee01db58100000d', status: 'malformed', reason: 'truncated.vlan' },
  {
    name: 'an MPLS stack without bottom of stack',
    linktype: 1,
    frame: '003096e6fc39003096052838884700012cff00012cff',
    status: 'malformed',
    reason: 'truncated.mpls',
  },
];

describe('link layers', () => {
  it.each(cases)('$name', (c) => {
    const p = decode(c.frame, c.linktype);
    expect({ status: p.status, reason: p.reason }).toEqual({ status: c.status, reason: c.reason ?? '' });
    expect(p.linktype).toBe(c.linktype);
    if (c.ipVersion !== undefined) expect(p.ipVersion).toBe(c.ipVersion);
    if (c.src !== undefined) expect(packetSource(p)).toBe(c.src);
    if (c.dst !== undefined) expect(packetDestination(p)).toBe(c.dst);
    if (c.proto !== undefined) expect(p.proto).toBe(c.proto);
    if (c.sport !== undefined) expect(p.sport).toBe(c.sport);
    if (c.dport !== undefined) expect(p.dport).toBe(c.dport);
    if (c.vlan !== undefined) expect(p.vlan).toBe(c.vlan);
    if (c.vlanDepth !== undefined) expect(p.vlanDepth).toBe(c.vlanDepth);
  });

  it.each(cases.filter((c) => c.status !== 'malformed'))('every prefix of "$name" decodes to a sensible status', (c) => {
    const statuses = sweepPrefixes(hex(c.frame), c.linktype);
    expect(statuses[hex(c.frame).length]).toBe(c.status);
  });

  it.each([
    { name: 'pflog', linktype: 117, frame: pflog(61, 2) + IPV4_ICMP_ECHO, header: 64, reason: 'truncated.pflog' },
    { name: 'NFLOG', linktype: 239, frame: nflog(2, IPV4_ICMP_ECHO), header: 28, reason: 'truncated.nflog' },
    { name: 'PKTAP', linktype: 258, frame: pktap(1) + ETHERNET_TCP_SYN, header: 108, reason: 'truncated.pktap' },
  ])('a $name frame cut anywhere inside its header is malformed as $reason', ({ linktype, frame, header, reason }) => {
    const bytes = hex(frame);
    for (let n = 1; n < header; n++) {
      const p = decode(bytes.subarray(0, n), linktype, undefined, bytes.length);
      expect({ n, status: p.status, reason: p.reason }).toEqual({ n, status: 'malformed', reason });
    }
    expect(decode(bytes.subarray(0, header), linktype, undefined, bytes.length).reason).not.toBe(reason);
  });

  it.each([
    { prefix: '[UFW BLOCK] ', action: LOG_BLOCK },
    { prefix: '[UFW LIMIT BLOCK] ', action: LOG_BLOCK },
    { prefix: 'DROP ', action: LOG_BLOCK },
    { prefix: 'rejected: ', action: LOG_BLOCK },
    { prefix: '[WAN_IN-20-D]', action: LOG_BLOCK },
    { prefix: '[UFW ALLOW] ', action: LOG_PASS },
    { prefix: 'ACCEPT ', action: LOG_PASS },
    { prefix: '[LAN_IN-10-A]', action: LOG_PASS },
    // Logged before any decision, or a rule that only mirrors traffic to the capture: no word.
    { prefix: '[UFW AUDIT] ', action: LOG_NONE },
    { prefix: 'IN-eth0 ', action: LOG_NONE },
    { prefix: '', action: LOG_NONE },
    { prefix: null, action: LOG_NONE },
  ])("an NFLOG rule's prefix $prefix is the firewall's decision $action", ({ prefix, action }) => {
    for (const little of [true, false]) {
      const p = decode(nflogPrefixed(prefix, little), 239);
      expect(p.status).toBe('decoded');
      expect([p.logAction, p.logger]).toEqual([action, action === LOG_NONE ? '' : 'nflog']);
    }
  });

  it("an NFLOG prefix's words after its NUL, or past the kernel's 127 bytes, are not read", () => {
    // The TLV's bytes after the string (padding, a writer's garbage) name no decision.
    const afterNul =
      '02000005' + tlv(1, '08000300') + tlv(10, Buffer.from('IN-eth0 \0DROP', 'latin1').toString('hex')) + tlv(9, IPV4_ICMP_ECHO);
    expect(decode(afterNul, 239).logAction).toBe(LOG_NONE);
    expect(decode(nflogPrefixed(`${'x'.repeat(128)}DROP`), 239).logAction).toBe(LOG_NONE);
    expect(decode(nflogPrefixed(`${'x'.repeat(100)}DROP`), 239).logAction).toBe(LOG_BLOCK);
  });

  it.each([
    // 802.3 + LLC/SNAP (built): the Ethernet source.
    { link: 'Ethernet', linktype: 1, frame: '00137fbe8cff00247ee01db5002caaaa030000000800' + IPV4_ICMP_ECHO, mac: '00:24:7e:e0:1d:b5' },
    // tls__irc-starttls.pcap #1: sent by the capturing host (packet type 4), its own card's address.
    {
      link: 'Linux SLL',
      linktype: 113,
      frame:
        '00040001000634e6d7121eb1000008004500003c9cc440004006247ccb8fa82fb9124caad7531a0b435b2faf00000000a002721079aa0000020405b40402080a0033b36b0000000001030307',
      mac: '34:e6:d7:12:1e:b1',
    },
    // SLL2 of an Ethernet card (ARPHRD 1, six bytes of address).
    { link: 'Linux SLL2', linktype: 276, frame: '0800000000000002000100060a1b2c3d4e5f0000' + IPV4_ICMP_ECHO, mac: '0a:1b:2c:3d:4e:5f' },
    // linux_dlt_sll2.pcap #1: the loopback device (ARPHRD 772) has no card.
    {
      link: 'Linux SLL2 on loopback',
      linktype: 276,
      frame:
        '080000000000000103040006000000000000000045000054af8c40004001071ac0000201c0000201080066b400080001e9bdf96200000000e24e0d0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
      mac: null,
    },
    { link: 'raw IPv4', linktype: 228, frame: IPV4_ICMP_ECHO, mac: null },
  ])("$link: the sender's hardware address is $mac", ({ linktype, frame, mac }) => {
    const p = decode(frame, linktype);
    expect(p.status).toBe('decoded');
    expect(senderMac(p) === -1 ? null : formatMac(senderMac(p))).toBe(mac);
  });

  it('counts unsupported link types per link type', () => {
    const stats = new DecodeStats();
    const p = newPacket();
    for (const linktype of [220, 220, 147]) {
      decodePacket(record(hex('0000'), linktype), p);
      stats.add(p);
    }
    expect(stats.skipped).toEqual({ 'link.unsupported': 3 });
    expect(stats.unsupportedLinktypes).toEqual({ 220: 2, 147: 1 });
    expect(stats.records).toBe(3);
  });
});
