/**
 * Ethernet frames for tests and the case-study generator: optional 802.1Q tag, IPv4 or IPv6,
 * then TCP, UDP, ICMP/ICMPv6, or ARP — with correct checksums unless asked otherwise.
 *
 * Layouts: Ethernet II + IEEE 802.1Q; IPv4 RFC 791; IPv6 RFC 8200; TCP RFC 9293 (options
 * RFC 9293 §3.2, RFC 7323, RFC 2018); UDP RFC 768; ICMP RFC 792; ICMPv6 RFC 4443; ARP RFC 826.
 */

import { BROADCAST_MAC, isIPv6, macForIP, parseIP, parseIPv4, parseMac } from './address.js';
import { fold16, internetChecksum, pseudoHeaderSum, sum16 } from './checksum.js';

export { dnsQueryPayload, dnsResponsePayload } from './dns.js';
export type { DnsQuerySpec, DnsResponseSpec } from './dns.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_IPV6 = 0x86dd;

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

const TCP_FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

/**
 * How the transport checksum is written: true = deliberately wrong; 'offload' = only the
 * pseudo-header sum, as a sending host's own capture shows when the NIC finishes the checksum.
 */
export type ChecksumMode = boolean | 'offload';

/** Fields every IP frame takes. */
export interface IpSpec {
  src: string;
  dst: string;
  /** TTL (IPv4) or hop limit (IPv6). Default 64. */
  ttl?: number;
  /** IPv4 identification. Default 0. */
  ipId?: number;
  /** IPv4 don't-fragment bit. Default true. */
  df?: boolean;
  /** 802.1Q VLAN id. */
  vlan?: number;
  srcMac?: string;
  dstMac?: string;
}

export interface TcpSpec extends IpSpec {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Letters S A F R P U E C, e.g. 'S', 'SA', 'A', 'PA', 'FA', 'R', 'RA'. */
  flags: string;
  window?: number;
  payload?: Uint8Array | string;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamps?: [number, number];
  badChecksum?: ChecksumMode;
}

export interface UdpSpec extends IpSpec {
  sport: number;
  dport: number;
  payload: Uint8Array | string;
  badChecksum?: ChecksumMode;
}

export interface IcmpSpec extends IpSpec {
  type: number;
  code: number;
  /** Errors: the offending packet's IP header + first 8 bytes (see `quoteOf`). */
  quoted?: Uint8Array;
  /** Echo request/reply identifier and sequence. */
  id?: number;
  sequence?: number;
  /** Echo data (after identifier and sequence). */
  data?: Uint8Array;
  /** Bytes 4..7 for errors (e.g. next-hop MTU for "fragmentation needed"). Default 0. */
  rest?: number;
}

export interface ArpSpec {
  /** 1 = request, 2 = reply. */
  op: 1 | 2;
  senderMac: string;
  senderIp: string;
  targetMac?: string;
  targetIp: string;
  /** Ethernet destination; default broadcast for a request, the target for a reply. */
  dstMac?: string;
  vlan?: number;
}

const encoder = new TextEncoder();

export function bytesOf(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? encoder.encode(p) : p;
}

export function tcpFlagBits(flags: string): number {
  let bits = 0;
  for (const c of flags) {
    const bit = TCP_FLAG_BITS[c];
    if (bit === undefined) throw new RangeError(`unknown TCP flag letter '${c}' in '${flags}'`);
    bits |= bit;
  }
  return bits;
}

function tcpOptions(s: TcpSpec): Uint8Array {
  const o: number[] = [];
  if (s.mss !== undefined) o.push(2, 4, s.mss >> 8, s.mss & 0xff);
  if (s.windowScale !== undefined) o.push(1, 3, 3, s.windowScale);
  if (s.sackPermitted && !s.timestamps) o.push(1, 1, 4, 2);
  if (s.timestamps) {
    if (s.sackPermitted) o.push(4, 2);
    else o.push(1, 1);
    const [val, ecr] = s.timestamps;
    o.push(8, 10, ...be32(val), ...be32(ecr));
  }
  while (o.length % 4 !== 0) o.push(0);
  return Uint8Array.from(o);
}

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** Ethernet (+ 802.1Q) header around an L3 payload of `l3Length` bytes; returns frame and L3 offset. */
function ethernet(
  srcMac: string,
  dstMac: string,
  ethertype: number,
  l3Length: number,
  vlan: number | undefined,
): { frame: Uint8Array; l3: number } {
  const tag = vlan !== undefined ? 4 : 0;
  const frame = new Uint8Array(14 + tag + l3Length);
  frame.set(parseMac(dstMac), 0);
  frame.set(parseMac(srcMac), 6);
  const v = new DataView(frame.buffer);
  if (vlan !== undefined) {
    v.setUint16(12, ETHERTYPE_VLAN);
    v.setUint16(14, vlan & 0x0fff);
  }
  v.setUint16(12 + tag, ethertype);
  return { frame, l3: 14 + tag };
}

/**
 * Builds Ethernet + IP around an L4 segment of `l4Length` bytes; returns the frame, the L4
 * offset and the address bytes (for the pseudo-header).
 */
function ipFrame(s: IpSpec, proto: number, l4Length: number): { frame: Uint8Array; l4: number; src: Uint8Array; dst: Uint8Array } {
  const v6 = isIPv6(s.src);
  if (v6 !== isIPv6(s.dst)) throw new RangeError(`mixed address families: ${s.src} → ${s.dst}`);
  const src = parseIP(s.src);
  const dst = parseIP(s.dst);
  const ipLen = (v6 ? 40 : 20) + l4Length;
  const { frame, l3 } = ethernet(
    s.srcMac ?? macForIP(s.src),
    s.dstMac ?? macForIP(s.dst),
    v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
    ipLen,
    s.vlan,
  );
  const v = new DataView(frame.buffer);
  const ttl = s.ttl ?? 64;
  if (v6) {
    v.setUint32(l3, 0x60000000);
    v.setUint16(l3 + 4, l4Length);
    frame[l3 + 6] = proto === PROTO_ICMP ? PROTO_ICMPV6 : proto;
    frame[l3 + 7] = ttl;
    frame.set(src, l3 + 8);
    frame.set(dst, l3 + 24);
    return { frame, l4: l3 + 40, src, dst };
  }
  frame[l3] = 0x45;
  v.setUint16(l3 + 2, ipLen);
  v.setUint16(l3 + 4, (s.ipId ?? 0) & 0xffff);
  v.setUint16(l3 + 6, (s.df ?? true) ? 0x4000 : 0);
  frame[l3 + 8] = ttl;
  frame[l3 + 9] = proto;
  frame.set(src, l3 + 12);
  frame.set(dst, l3 + 16);
  v.setUint16(l3 + 10, internetChecksum(frame, l3, l3 + 20));
  return { frame, l4: l3 + 20, src, dst };
}

function transportChecksum(
  frame: Uint8Array,
  l4: number,
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  mode: ChecksumMode | undefined,
): number {
  const length = frame.length - l4;
  const pseudo = pseudoHeaderSum(src, dst, proto, length);
  if (mode === 'offload') return fold16(pseudo);
  let sum = internetChecksum(frame, l4, frame.length, pseudo);
  if (proto === PROTO_UDP && sum === 0) sum = 0xffff; // RFC 768: a computed 0 is sent as all ones
  // XOR with 0x5555 never lands on the one's-complement twin (0x0000 ↔ 0xffff) of the right sum.
  if (mode === true) sum ^= 0x5555;
  return sum;
}

/** An Ethernet/IP/TCP frame. */
export function tcpFrame(s: TcpSpec): Uint8Array {
  const options = tcpOptions(s);
  const payload = bytesOf(s.payload);
  const hdr = 20 + options.length;
  const { frame, l4, src, dst } = ipFrame(s, PROTO_TCP, hdr + payload.length);
  const v = new DataView(frame.buffer);
  v.setUint16(l4, s.sport);
  v.setUint16(l4 + 2, s.dport);
  v.setUint32(l4 + 4, s.seq >>> 0);
  v.setUint32(l4 + 8, (s.ack ?? 0) >>> 0);
  frame[l4 + 12] = (hdr / 4) << 4;
  frame[l4 + 13] = tcpFlagBits(s.flags);
  v.setUint16(l4 + 14, s.window ?? 65535);
  frame.set(options, l4 + 20);
  frame.set(payload, l4 + hdr);
  v.setUint16(l4 + 16, transportChecksum(frame, l4, src, dst, PROTO_TCP, s.badChecksum));
  return frame;
}

/** An Ethernet/IP/UDP frame. */
export function udpFrame(s: UdpSpec): Uint8Array {
  const payload = bytesOf(s.payload);
  const { frame, l4, src, dst } = ipFrame(s, PROTO_UDP, 8 + payload.length);
  const v = new DataView(frame.buffer);
  v.setUint16(l4, s.sport);
  v.setUint16(l4 + 2, s.dport);
  v.setUint16(l4 + 4, 8 + payload.length);
  frame.set(payload, l4 + 8);
  v.setUint16(l4 + 6, transportChecksum(frame, l4, src, dst, PROTO_UDP, s.badChecksum));
  return frame;
}

/** An Ethernet/IP/ICMP frame (ICMPv6 when the addresses are IPv6). */
export function icmpFrame(s: IcmpSpec): Uint8Array {
  const echo = s.quoted === undefined;
  const body = echo ? (s.data ?? new Uint8Array(0)) : s.quoted!;
  const v6 = isIPv6(s.src);
  const { frame, l4, src, dst } = ipFrame({ ...s, df: s.df ?? false }, PROTO_ICMP, 8 + body.length);
  const v = new DataView(frame.buffer);
  frame[l4] = s.type;
  frame[l4 + 1] = s.code;
  if (echo) {
    v.setUint16(l4 + 4, s.id ?? 0);
    v.setUint16(l4 + 6, s.sequence ?? 0);
  } else {
    v.setUint32(l4 + 4, (s.rest ?? 0) >>> 0);
  }
  frame.set(body, l4 + 8);
  const initial = v6 ? pseudoHeaderSum(src, dst, PROTO_ICMPV6, 8 + body.length) : 0;
  v.setUint16(l4 + 2, internetChecksum(frame, l4, frame.length, initial));
  return frame;
}

/**
 * What an ICMP error quotes of `frame` (an Ethernet frame from this module): the IP header and
 * the first 8 bytes after it (RFC 792); for IPv6 as much as fits in 1232 bytes (RFC 4443 §2.4).
 */
export function quoteOf(frame: Uint8Array): Uint8Array {
  let l3 = 14;
  if (((frame[12]! << 8) | frame[13]!) === ETHERTYPE_VLAN) l3 = 18;
  if (frame[l3]! >> 4 === 6) return frame.slice(l3, Math.min(frame.length, l3 + 1232));
  const ihl = (frame[l3]! & 0x0f) * 4;
  return frame.slice(l3, Math.min(frame.length, l3 + ihl + 8));
}

/** An Ethernet/ARP frame (IPv4 over Ethernet). */
export function arpFrame(s: ArpSpec): Uint8Array {
  const targetMac = s.targetMac ?? '00:00:00:00:00:00';
  const dstMac = s.dstMac ?? (s.op === 1 ? BROADCAST_MAC : targetMac);
  const { frame, l3 } = ethernet(s.senderMac, dstMac, ETHERTYPE_ARP, 28, s.vlan);
  const v = new DataView(frame.buffer);
  v.setUint16(l3, 1); // hardware: Ethernet
  v.setUint16(l3 + 2, ETHERTYPE_IPV4);
  frame[l3 + 4] = 6;
  frame[l3 + 5] = 4;
  v.setUint16(l3 + 6, s.op);
  frame.set(parseMac(s.senderMac), l3 + 8);
  frame.set(parseIPv4(s.senderIp), l3 + 14);
  frame.set(parseMac(targetMac), l3 + 18);
  frame.set(parseIPv4(s.targetIp), l3 + 24);
  return frame;
}

/** Verifies an IPv4/IPv6 frame's IP header and TCP/UDP/ICMP checksums as a receiver would. */
export function checksumsValid(frame: Uint8Array): boolean {
  let l3 = 14;
  let type = (frame[12]! << 8) | frame[13]!;
  if (type === ETHERTYPE_VLAN) {
    l3 = 18;
    type = (frame[16]! << 8) | frame[17]!;
  }
  let l4: number;
  let proto: number;
  let pseudo = 0;
  let end: number;
  if (type === ETHERTYPE_IPV4) {
    const ihl = (frame[l3]! & 0x0f) * 4;
    if (internetChecksum(frame, l3, l3 + ihl) !== 0) return false;
    end = l3 + ((frame[l3 + 2]! << 8) | frame[l3 + 3]!);
    proto = frame[l3 + 9]!;
    l4 = l3 + ihl;
    if (proto !== PROTO_ICMP) {
      pseudo = pseudoHeaderSum(frame.subarray(l3 + 12, l3 + 16), frame.subarray(l3 + 16, l3 + 20), proto, end - l4);
    }
  } else if (type === ETHERTYPE_IPV6) {
    l4 = l3 + 40;
    end = l4 + ((frame[l3 + 4]! << 8) | frame[l3 + 5]!);
    proto = frame[l3 + 6]!;
    pseudo = pseudoHeaderSum(frame.subarray(l3 + 8, l3 + 24), frame.subarray(l3 + 24, l3 + 40), proto, end - l4);
  } else {
    return true;
  }
  if (proto === PROTO_UDP && frame[l4 + 6] === 0 && frame[l4 + 7] === 0 && type === ETHERTYPE_IPV4) return true;
  return fold16(sum16(frame, l4, end, pseudo)) === 0xffff;
}

/**
 * Rewrites the IPv4 identification of a frame built here and refreshes the header checksum
 * (transport checksums do not cover it). Returns false for a frame that is not IPv4.
 */
export function setIpId(frame: Uint8Array, ipId: number): boolean {
  let l3 = 14;
  let type = (frame[12]! << 8) | frame[13]!;
  if (type === ETHERTYPE_VLAN) {
    l3 = 18;
    type = (frame[16]! << 8) | frame[17]!;
  }
  if (type !== ETHERTYPE_IPV4) return false;
  const ihl = (frame[l3]! & 0x0f) * 4;
  frame[l3 + 4] = (ipId >> 8) & 0xff;
  frame[l3 + 5] = ipId & 0xff;
  frame[l3 + 10] = 0;
  frame[l3 + 11] = 0;
  const sum = internetChecksum(frame, l3, l3 + ihl);
  frame[l3 + 10] = sum >> 8;
  frame[l3 + 11] = sum & 0xff;
  return true;
}
