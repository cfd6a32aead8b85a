/**
 * Tunnels: the frames of a real kernel's TCP exchange (test/lab/tunnels/vxlan<4|6>-inner.pcap)
 * carried in each encapsulation callhome opens — GRE (with and without key, checksum and sequence
 * number; over IPv6), Linux gretap, ERSPAN types I, II and III, Geneve with options, IP in IP
 * (4in4, 6in4, 4in6, 6in6), GTP-U with optional fields and an extension header, PPTP's enhanced
 * GRE — must decode to the inner packet, and track to the very connections the capture inside the
 * tunnel gives. Then hostile headers: counted with a reason, never thrown.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import { senderMac } from '../../src/decode/link.js';
import { PcapWriter } from '../../src/capture/writer.js';
import {
  DecodeStats,
  MAX_TUNNEL_DEPTH,
  decodePacket,
  newPacket,
  packetDestination,
  packetSource,
  type Packet,
} from '../../src/decode/index.js';
import type { Connection } from '../../src/flows/index.js';
import { loadCaptures } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { hex, record } from './support.js';
import { concat as joinBytes } from '../fuzz/container.js';

const LAB = resolve(projectRoot, 'test/lab/tunnels');

interface Frame {
  ts: number;
  bytes: Uint8Array;
}

async function frames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  await readCapture(resolve(LAB, file), (r) => {
    out.push({ ts: r.ts, bytes: r.bytes.slice(r.dataOffset, r.dataOffset + r.caplen) });
  });
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => joinBytes(parts);
const u16 = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 0xff]);
const u32 = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The underlay: 172.16.77.1 → 172.16.77.2 (IPv4) or fd77::1 → fd77::2 (IPv6), TTL / hop limit 9. */
const OUTER_TTL = 9;
function outer4(proto: number, payload: Uint8Array, options: { id?: number; flags?: number } = {}): Uint8Array {
  const h = hex(
    `45000000 0000 0000 ${OUTER_TTL.toString(16).padStart(2, '0')}${proto.toString(16).padStart(2, '0')} 0000 ac104d01 ac104d02`,
  );
  h.set(u16(20 + payload.length), 2);
  h.set(u16(options.id ?? 0x1234), 4);
  h.set(u16(options.flags ?? 0), 6);
  h.set(u16(checksum(h)), 10);
  return concat(h, payload);
}
function outer6(nextHeader: number, payload: Uint8Array): Uint8Array {
  const h = hex(
    `60000000 0000 ${nextHeader.toString(16).padStart(2, '0')}${OUTER_TTL.toString(16).padStart(2, '0')} fd770000000000000000000000000001 fd770000000000000000000000000002`,
  );
  h.set(u16(payload.length), 4);
  return concat(h, payload);
}
const ether = (type: number, payload: Uint8Array): Uint8Array => concat(hex('0200000000bb 0200000000aa'), u16(type), payload);
function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
}

/** GRE: version 0 with the given C/K/S flags, or PPTP's version 1. */
function gre(protocol: number, payload: Uint8Array, flags: { c?: boolean; k?: boolean; s?: boolean } = {}): Uint8Array {
  const first = (flags.c ? 0x80 : 0) | (flags.k ? 0x20 : 0) | (flags.s ? 0x10 : 0);
  return concat(
    new Uint8Array([first, 0]),
    u16(protocol),
    flags.c ? hex('00000000') : new Uint8Array(0),
    flags.k ? u32(0x2a) : new Uint8Array(0),
    flags.s ? u32(7) : new Uint8Array(0),
    payload,
  );
}
/** ERSPAN type II (version 1, session 12) or type III (version 2, Ethernet, with or without the platform sub-header). */
const erspan2 = (frame: Uint8Array): Uint8Array => concat(hex('1000000c 00000000'), frame);
const erspan3 = (frame: Uint8Array, platform: boolean): Uint8Array =>
  concat(hex(`2000000c 00000000 0000 00${platform ? '01' : '00'}`), platform ? hex('0000000000000000') : new Uint8Array(0), frame);
/** Geneve with one 8-byte option (class 0x0103, type 0x80), VNI 42. */
const geneve = (protocol: number, payload: Uint8Array): Uint8Array =>
  concat(new Uint8Array([0x02, 0x00]), u16(protocol), hex('00002a00'), hex('01038001 00000001'), payload);
/** GTPv1-U G-PDU; with `extension`, the sequence number and a PDU session container. */
function gtp(payload: Uint8Array, extension: boolean): Uint8Array {
  const optional = extension ? hex('0001 00 85 01 0009 00') : new Uint8Array(0);
  return concat(new Uint8Array([extension ? 0x36 : 0x30, 0xff]), u16(optional.length + payload.length), u32(0xabcdef), optional, payload);
}
/** PPTP: enhanced GRE (version 1, key present, sequence number), PPP in HDLC framing. */
function pptp(ip: Uint8Array, v6: boolean): Uint8Array {
  const ppp = concat(hex('ff03'), u16(v6 ? 0x0057 : 0x0021), ip);
  return concat(hex('3001 880b'), u16(ppp.length), u16(0x4000), u32(3), ppp);
}

interface Wrapping {
  name: string;
  kind: string;
  depth: number;
  /** The frame captured on the underlay for `inner` (an Ethernet frame of the exchange). */
  wrap: (inner: Uint8Array, v6: boolean) => Uint8Array;
  /** Which inner captures it applies to. */
  versions: (4 | 6)[];
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ip = (frame: Uint8Array): Uint8Array => frame.subarray(14);
const v6type = (v6: boolean): number => (v6 ? ETH_IPV6 : ETH_IPV4);

const WRAPPINGS: Wrapping[] = [
  {
    name: 'GRE, IP inside (Linux gre)',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f, v6) => ether(ETH_IPV4, outer4(47, gre(v6type(v6), ip(f)))),
  },
  {
    name: 'GRE with checksum, key and sequence number',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f, v6) => ether(ETH_IPV4, outer4(47, gre(v6type(v6), ip(f), { c: true, k: true, s: true }))),
  },
  {
    name: 'GRE transparent Ethernet bridging with a key (Linux gretap)',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x6558, f, { k: true }))),
  },
  {
    name: 'GRE over IPv6 (ip6gre)',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f, v6) => ether(ETH_IPV6, outer6(47, gre(v6type(v6), ip(f)))),
  },
  { name: 'ERSPAN type I', kind: 'erspan', depth: 1, versions: [4, 6], wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x88be, f))) },
  {
    name: 'ERSPAN type II (Cisco remote SPAN, Linux erspan_ver 1)',
    kind: 'erspan',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x88be, erspan2(f), { s: true }))),
  },
  {
    name: 'ERSPAN type III',
    kind: 'erspan',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x22eb, erspan3(f, false), { s: true }))),
  },
  {
    name: 'ERSPAN type III with the platform sub-header, over IPv6 (ip6erspan)',
    kind: 'erspan',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV6, outer6(47, gre(0x22eb, erspan3(f, true), { s: true }))),
  },
  {
    name: 'Geneve with an option, Ethernet inside',
    kind: 'geneve',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(17, udp(40000, 6081, geneve(0x6558, f)))),
  },
  {
    name: 'Geneve, IP inside',
    kind: 'geneve',
    depth: 1,
    versions: [4, 6],
    wrap: (f, v6) => ether(ETH_IPV4, outer4(17, udp(40001, 6081, geneve(v6type(v6), ip(f))))),
  },
  { name: 'IPv4 in IPv4 (ipip)', kind: 'ip-in-ip', depth: 1, versions: [4], wrap: (f) => ether(ETH_IPV4, outer4(4, ip(f))) },
  { name: 'IPv6 in IPv4 (6in4, sit)', kind: 'ip-in-ip', depth: 1, versions: [6], wrap: (f) => ether(ETH_IPV4, outer4(41, ip(f))) },
  { name: 'IPv4 in IPv6 (4in6, ip6tnl)', kind: 'ip-in-ip', depth: 1, versions: [4], wrap: (f) => ether(ETH_IPV6, outer6(4, ip(f))) },
  { name: 'IPv6 in IPv6 (ip6tnl)', kind: 'ip-in-ip', depth: 1, versions: [6], wrap: (f) => ether(ETH_IPV6, outer6(41, ip(f))) },
  {
    name: 'GTP-U G-PDU',
    kind: 'gtpv1',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(17, udp(2152, 2152, gtp(ip(f), false)))),
  },
  {
    name: 'GTP-U G-PDU with a sequence number and a PDU session container',
    kind: 'gtpv1',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(17, udp(2152, 2152, gtp(ip(f), true)))),
  },
  {
    name: 'WCCP version 2: a router redirecting to a cache, its redirect header (D bit set) before the IP packet',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x883e, new Uint8Array([0x40, 0x5a, 0x00, 0x48, ...ip(f)])))),
  },
  {
    name: 'WCCP version 1: the redirected IP packet right after GRE',
    kind: 'gre',
    depth: 1,
    versions: [4],
    wrap: (f) => ether(ETH_IPV4, outer4(47, gre(0x883e, ip(f)))),
  },
  {
    name: 'PPTP (enhanced GRE, PPP)',
    kind: 'gre',
    depth: 1,
    versions: [4, 6],
    wrap: (f, v6) => ether(ETH_IPV4, outer4(47, pptp(ip(f), v6))),
  },
  {
    name: 'ERSPAN inside VXLAN inside GRE (three deep)',
    kind: 'erspan',
    depth: 3,
    versions: [4, 6],
    wrap: (f) => {
      const mirrored = ether(ETH_IPV4, outer4(47, gre(0x88be, f)));
      const vxlan = ether(ETH_IPV4, outer4(17, udp(1234, 4789, concat(hex('0800000000002a00'), mirrored))));
      return ether(ETH_IPV4, outer4(47, gre(0x6558, vxlan)));
    },
  },
];

/** What the tracker reads of a packet. */
function innerFields(p: Packet): string {
  return [
    p.status,
    packetSource(p),
    packetDestination(p),
    p.ttl,
    p.proto,
    p.sport,
    p.dport,
    p.seq,
    p.ack,
    p.tcpFlags,
    p.payloadLength,
    p.ipLength,
  ].join(' ');
}

function decodeOne(bytes: Uint8Array, p = newPacket()): Packet {
  decodePacket(record(bytes), p);
  return p;
}

function pcap(list: { ts: number; bytes: Uint8Array }[]): { name: string; bytes: Uint8Array } {
  const w = new PcapWriter({ linktype: 1 });
  for (const f of list) {
    const sec = Math.floor(f.ts);
    w.add(sec, Math.round((f.ts - sec) * 1e9), f.bytes);
  }
  return { name: 'wrapped.pcap', bytes: w.toBuffer() };
}

const conversation = (c: Connection): string =>
  [
    c.origH,
    c.origP,
    c.respH,
    c.respP,
    c.proto,
    c.connState,
    c.history,
    c.origPkts,
    c.origIpBytes,
    c.respPkts,
    c.respIpBytes,
    c.origTtl,
    c.respTtl,
  ].join(' ');

describe('decapsulation of a real exchange in every encapsulation', () => {
  const inner: Record<4 | 6, Frame[]> = { 4: [], 6: [] };
  beforeAll(async () => {
    inner[4] = await frames('vxlan4-inner.pcap');
    inner[6] = await frames('vxlan6-inner.pcap');
  });

  for (const w of WRAPPINGS) {
    for (const v of w.versions) {
      it(`${w.name}: IPv${v} inside decodes to the inner packet and tracks to the same connections`, async () => {
        const plain = inner[v];
        expect(plain.length).toBeGreaterThan(20);
        const frameInside = w.kind === 'erspan' || w.name.includes('Ethernet');
        const wrapped = plain.map((f) => ({ ts: f.ts, bytes: w.wrap(f.bytes, v === 6) }));
        const p = newPacket();
        const stats = new DecodeStats();
        for (const [i, f] of wrapped.entries()) {
          decodeOne(f.bytes, p);
          stats.add(p);
          expect(p.tunnel).toBe(w.kind);
          expect(p.tunnelDepth).toBe(w.depth);
          const got = innerFields(p);
          const own = decodeOne(plain[i]!.bytes);
          expect(got).toBe(innerFields(own));
          expect(p.ttl).not.toBe(OUTER_TTL);
          // The sender's card is the inner frame's where the tunnel carries one, else none: never the underlay's.
          expect(senderMac(p)).toBe(frameInside ? senderMac(own) : -1);
        }
        expect(stats.statusCounts).toEqual({ decoded: plain.length, skipped: 0, malformed: 0 });
        const [outside, inside] = await Promise.all([loadCaptures([pcap(wrapped)]), loadCaptures([pcap(plain)])]);
        const tcp = outside.connections.filter((c) => c.proto === 'tcp');
        expect(tcp.map(conversation)).toEqual(inside.connections.map(conversation));
        expect(tcp).toHaveLength(4);
      });
    }
  }
});

/** An Ethernet frame of an IPv4 TCP SYN from 10.20.0.1 to 198.51.100.80 (test/lab/tunnels/vxlan4-inner.pcap, packet 1). */
const SYN_FRAME = hex(
  '020000000002 020000000001 0800 4500003c 0fe24000 4006 f641 0a140001 c6336450 d37e0050 b44ebeba 00000000 a002faf0 34c70000 020405b40402080a c14ee2c4 00000000 0103030a',
);

describe('hostile and broken tunnels: counted, never thrown', () => {
  const frame = SYN_FRAME;

  function decodeAll(bytes: Uint8Array): { p: Packet; stats: DecodeStats } {
    const p = newPacket();
    const stats = new DecodeStats();
    decodePacket(record(bytes), p);
    stats.add(p);
    return { p, stats };
  }

  it('a GRE packet claiming ERSPAN type II whose header is cut short is malformed, the outer layers kept', () => {
    const { p, stats } = decodeAll(ether(ETH_IPV4, outer4(47, gre(0x88be, hex('1000000c'), { s: true }))));
    expect(p.status).toBe('malformed');
    expect(p.reason).toBe('erspan.header_exceeds_gre');
    expect(packetSource(p)).toBe('172.16.77.1');
    expect(p.proto).toBe(47);
    expect(stats.anomalies).toEqual({ 'erspan.header_exceeds_gre': 1 });
  });

  it('an ERSPAN frame cut by the snapshot length inside its header is truncated.erspan', () => {
    const whole = ether(ETH_IPV4, outer4(47, gre(0x22eb, erspan3(frame, true), { s: true })));
    const p = newPacket();
    decodePacket(record(whole.subarray(0, 14 + 20 + 8 + 10), 1, whole.length), p);
    expect([p.status, p.reason]).toEqual(['malformed', 'truncated.erspan']);
  });

  it('an ERSPAN type II header of another version is malformed', () => {
    const { p } = decodeAll(ether(ETH_IPV4, outer4(47, gre(0x88be, concat(hex('2000000c 00000000'), frame), { s: true }))));
    expect([p.status, p.reason]).toEqual(['malformed', 'erspan.bad_version']);
  });

  it(`tunnels nested deeper than ${MAX_TUNNEL_DEPTH} are skipped as tunnel.too-deep, and the carriers up to there still tracked`, async () => {
    let bytes = ip(frame);
    for (let i = 0; i < MAX_TUNNEL_DEPTH + 1; i++)
      bytes = outer4(17, udp(5000 + i, 4789, concat(hex('0800000000002a00'), ether(ETH_IPV4, bytes))));
    const deep = ether(ETH_IPV4, bytes);
    const { p, stats } = decodeAll(deep);
    expect([p.status, p.reason]).toEqual(['skipped', 'tunnel.too-deep']);
    expect(stats.skipped).toEqual({ 'tunnel.too-deep': 1 });
    expect(p.carrierCount).toBe(MAX_TUNNEL_DEPTH + 1);
    const loaded = await loadCaptures([pcap([{ ts: 1_700_000_000, bytes: deep }])]);
    // The deepest datagram's VXLAN header is not read: it has no service.
    expect(loaded.connections.map((c) => `${c.proto} ${c.respP} ${c.service}`).sort()).toEqual([
      'udp 4789 null',
      ...Array.from({ length: MAX_TUNNEL_DEPTH }, () => 'udp 4789 vxlan'),
    ]);
    // One level less is opened all the way.
    let fits = ip(frame);
    for (let i = 0; i < MAX_TUNNEL_DEPTH; i++)
      fits = outer4(17, udp(5000 + i, 4789, concat(hex('0800000000002a00'), ether(ETH_IPV4, fits))));
    const opened = decodeAll(ether(ETH_IPV4, fits)).p;
    expect([opened.status, opened.tunnelDepth, packetSource(opened)]).toEqual(['decoded', MAX_TUNNEL_DEPTH, '10.20.0.1']);
  });

  it('VXLAN without its I flag is malformed; the datagram itself is still a UDP connection, with no service', async () => {
    const bytes = ether(ETH_IPV4, outer4(17, udp(5000, 4789, concat(hex('0000000000002a00'), frame))));
    const { p, stats } = decodeAll(bytes);
    expect([p.status, p.reason]).toEqual(['malformed', 'vxlan.no_vni_flag']);
    expect(stats.statusCounts).toEqual({ decoded: 0, skipped: 0, malformed: 1 });
    const loaded = await loadCaptures([pcap([{ ts: 1_700_000_000, bytes }])]);
    expect(loaded.connections.map((c) => `${c.origH} ${c.proto} ${c.respP} ${c.service}`)).toEqual(['172.16.77.1 udp 4789 null']);
  });

  it.each([
    ['a VXLAN header cut short', 'vxlan.header_exceeds_udp', udp(5000, 4789, hex('08000000'))],
    ['a Geneve header whose options run past the datagram', 'geneve.header_exceeds_udp', udp(5000, 6081, hex('0f006558 00002a00 0000'))],
    ['a Geneve header of version 1', 'geneve.bad_version', udp(5000, 6081, concat(hex('40006558 00002a00'), frame))],
    ['a GTPv2 header on the GTP-U port', 'gtp.bad_version', udp(2152, 2152, concat(hex('48ff0000 00000000'), ip(frame)))],
    [
      'a GTP-U extension header of length 0',
      'gtp.bad_extension_length',
      udp(2152, 2152, concat(hex('34ff0008 00000001 00000085 00000000'), ip(frame))),
    ],
    ['a GTP-U G-PDU carrying neither IPv4 nor IPv6', 'gtp.inner_not_ip', udp(2152, 2152, hex('30ff0004 00000001 deadbeef'))],
  ])('%s is malformed (%s)', (_name, code, datagram) => {
    const { p } = decodeAll(ether(ETH_IPV4, outer4(17, datagram)));
    expect([p.status, p.reason]).toEqual(['malformed', code]);
  });

  it.each([
    [
      'a GRE header with its flags announcing more than the packet holds',
      'malformed',
      'gre.header_exceeds_ip',
      outer4(47, hex('b0000800 0000')),
    ],
    [
      'IPv4 in IPv4 whose inner header says version 6',
      'malformed',
      'ipv4.bad_version',
      outer4(
        4,
        ip(frame).map((b, i) => (i === 0 ? 0x65 : b)),
      ),
    ],
    ['a GRE header with RFC 1701 source routing', 'skipped', 'gre.unsupported', outer4(47, concat(hex('40000800 00000000'), ip(frame)))],
    ['a GRE header of version 3', 'skipped', 'gre.unsupported', outer4(47, concat(hex('00030800'), ip(frame)))],
    ['a GTP-U echo request', 'skipped', 'tunnel.not-ip', outer4(17, udp(2152, 2152, hex('3201000400000000 00010000')))],
    [
      'an ARP frame in VXLAN',
      'skipped',
      'l3.not-ip',
      outer4(17, udp(5000, 4789, concat(hex('0800000000002a00'), ether(0x0806, new Uint8Array(28))))),
    ],
  ])('%s is %s (%s)', (_name, status, reason, packet) => {
    const { p } = decodeAll(ether(ETH_IPV4, packet));
    expect([p.status, p.reason]).toEqual([status, reason]);
  });

  it('a GTP-U datagram in two IPv4 fragments is opened when its last fragment arrives, and never when it does not', async () => {
    const datagram = udp(2152, 2152, gtp(ip(frame), false));
    const cut = 32;
    const first = ether(ETH_IPV4, outer4(17, datagram.subarray(0, cut), { id: 0x77, flags: 0x2000 }));
    const last = ether(ETH_IPV4, outer4(17, datagram.subarray(cut), { id: 0x77, flags: cut / 8 }));
    const p = newPacket();
    decodePacket(record(first), p);
    expect([p.status, p.proto, p.dport, p.tunnelDepth]).toEqual(['decoded', 17, 2152, 0]);
    decodePacket(record(last), p);
    expect([p.status, p.tunnel, packetSource(p), packetDestination(p), p.sport, p.dport, p.ttl]).toEqual([
      'decoded',
      'gtpv1',
      '10.20.0.1',
      '198.51.100.80',
      54142,
      80,
      64,
    ]);
    expect([p.carrierCount, p.carriers[0]!.countedBefore]).toEqual([1, true]);
    // Tracked: the UDP connection counts the first fragment once; the SYN is a connection of its own, the UDP one its parent.
    const both = await loadCaptures([
      pcap([
        { ts: 1_700_000_000, bytes: first },
        { ts: 1_700_000_000.001, bytes: last },
      ]),
    ]);
    const udpRow = both.connections.find((c) => c.proto === 'udp')!;
    const tcpRow = both.connections.find((c) => c.proto === 'tcp')!;
    expect([udpRow.origPkts, udpRow.service, tcpRow.history, tcpRow.tunnelParents]).toEqual([1, 'gtpv1', 'S', [udpRow.uid]]);
    // A first fragment whose last never comes: the datagram's UDP connection, nothing inside.
    const alone = await loadCaptures([pcap([{ ts: 1_700_000_000, bytes: first }])]);
    expect(alone.connections.map((c) => c.proto)).toEqual(['udp']);
    // The last fragment before the first (out of order) is not reassembled.
    const q = newPacket();
    decodePacket(record(last, 1, last.length, 1), q);
    decodePacket(record(first, 1, first.length, 2), q);
    expect([q.status, q.proto, q.tunnelDepth]).toEqual(['decoded', 17, 0]);
  });

  it('an inner IPv4 header cut by the snapshot length is truncated.ipv4, counted once', () => {
    const whole = ether(ETH_IPV4, outer4(47, gre(0x0800, ip(frame))));
    const p = newPacket();
    const stats = new DecodeStats();
    decodePacket(record(whole.subarray(0, 14 + 20 + 4 + 10), 1, whole.length), p);
    stats.add(p);
    expect([p.status, p.reason, p.tunnel]).toEqual(['malformed', 'truncated.ipv4', 'gre']);
    expect(stats.records).toBe(1);
    expect(stats.statusCounts.malformed).toBe(1);
  });

  it('random bytes after every tunnel header never throw, and every packet ends in exactly one status', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const stats = new DecodeStats();
    const p = newPacket();
    const heads = [
      (r: Uint8Array) => ether(ETH_IPV4, outer4(47, r)),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(47, concat(hex('100088be 00000001'), r))),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(47, concat(hex('100022eb 00000001'), r))),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(17, udp(1, 4789, r))),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(17, udp(1, 6081, r))),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(17, udp(2152, 2152, r))),
      (r: Uint8Array) => ether(ETH_IPV4, outer4(4, r)),
      (r: Uint8Array) => ether(ETH_IPV6, outer6(41, r)),
    ];
    let n = 0;
    let opened = 0;
    for (let round = 0; round < 400; round++) {
      for (const head of heads) {
        const body = Uint8Array.from({ length: rand() % 90 }, rand);
        const bytes = head(body);
        for (const cut of [bytes.length, Math.max(14, bytes.length - (rand() % 30))]) {
          expect(() => decodePacket(record(bytes.subarray(0, cut), 1, bytes.length), p)).not.toThrow();
          stats.add(p);
          if (p.tunnelDepth > 0) opened++;
          n++;
        }
      }
    }
    expect(stats.records).toBe(n);
    expect(stats.statusCounts.decoded + stats.statusCounts.skipped + stats.statusCounts.malformed).toBe(n);
    // The headers were read, not passed over: some opened, others named by their tunnel's codes.
    expect(opened).toBeGreaterThan(0);
    const tunnelCodes = Object.keys(stats.anomalies).filter((k) => /^(truncated\.)?(gre|erspan|vxlan|geneve|gtp)\b/.test(k));
    expect(tunnelCodes.length).toBeGreaterThan(3);
  });
});
