/** Address text: dotted quad for IPv4, RFC 5952 canonical text for IPv6, and text read back. */

import type { Packet } from './packet.js';

/**
 * Recently formatted IPv4 addresses, direct-mapped by a hash of the address. A capture's
 * addresses repeat from connection to connection: the text is built once (five strings each
 * time otherwise), and every connection of a host then holds the same string, whose hash the
 * analysis's maps compute once. The column store makes its addresses' texts here again on every
 * read: a day's conn.log meets tens of thousands. (65,536 slots cost more in the collector — each
 * new text written into a long-lived array — than they saved.)
 */
const V4_TEXT_SLOTS = 16_384;
/** The hash's top bits pick the slot: 32 − log2(V4_TEXT_SLOTS). */
const V4_TEXT_SHIFT = 18;
const v4TextKeys = new Int32Array(V4_TEXT_SLOTS);
const v4Texts: (string | undefined)[] = new Array<string | undefined>(V4_TEXT_SLOTS).fill(undefined);

/** Dotted-quad text of an unsigned 32-bit IPv4 address. */
export function formatIPv4(n: number): string {
  const key = n | 0;
  const slot = Math.imul(key, 0x9e3779b1) >>> V4_TEXT_SHIFT;
  const cached = v4Texts[slot];
  if (cached !== undefined && v4TextKeys[slot] === key) return cached;
  const text = `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  v4TextKeys[slot] = key;
  v4Texts[slot] = text;
  return text;
}

/**
 * RFC 5952 text of a 16-byte IPv6 address: lower-case hex without leading zeros, the longest
 * run of two or more zero groups (the first of equal runs) as `::` (§4.2), and IPv4-mapped
 * addresses (::ffff:0:0/96) with a dotted quad (§5).
 */
export function formatIPv6(bytes: Uint8Array): string {
  if (bytes.length < 16) return '';
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = bytes[g * 2] === 0 && bytes[g * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const length = g - runStart + 1;
      if (length > bestLength) {
        bestLength = length;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLength < 2) bestStart = -1;

  if (bestStart === 0 && bestLength === 5 && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }

  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::';
      g += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += ((bytes[g * 2]! << 8) | bytes[g * 2 + 1]!).toString(16);
  }
  return text;
}

/** Source address text of a decoded packet ('' when it has no IP layer). */
export function packetSource(p: Packet): string {
  if (p.ipVersion === 4) return formatIPv4(p.src4);
  if (p.ipVersion === 6) return formatIPv6(p.src6);
  return '';
}

/** Destination address text of a decoded packet ('' when it has no IP layer). */
export function packetDestination(p: Packet): string {
  if (p.ipVersion === 4) return formatIPv4(p.dst4);
  if (p.ipVersion === 6) return formatIPv6(p.dst6);
  return '';
}

/** IPv4 dotted quad → unsigned 32-bit number, or -1 when it is not one. */
export function ipv4ToNumber(address: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

/** Value of one hex group (1 to 4 digits) of `text[from, to)`, or -1. */
function hexGroup(text: string, from: number, to: number): number {
  if (to <= from || to - from > 4) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Groups of an IPv6 address part without '::' (`text[from, to)`, possibly empty), appended to
 * `groups`; a dotted quad is accepted as the last two groups when `quadAllowed`. False when the
 * text is not such a part.
 */
function ipv6Groups(text: string, from: number, to: number, groups: number[], quadAllowed: boolean): boolean {
  if (from === to) return true;
  let start = from;
  for (;;) {
    let end = text.indexOf(':', start);
    if (end < 0 || end > to) end = to;
    if (end === to && quadAllowed && text.lastIndexOf('.', to - 1) >= start) {
      const quad = ipv4ToNumber(text.slice(start, to));
      if (quad < 0) return false;
      groups.push(Math.floor(quad / 65536), quad % 65536);
      return true;
    }
    const group = hexGroup(text, start, end);
    if (group < 0) return false;
    groups.push(group);
    if (end === to) return true;
    start = end + 1;
  }
}

/**
 * The 16 bytes of IPv6 text in the forms of RFC 4291 §2.2 (hex groups, at most one '::', an
 * optional trailing dotted quad); null when it is not one (zone indices and prefixes included).
 */
export function ipv6ToBytes(text: string): Uint8Array | null {
  const gap = text.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!ipv6Groups(text, 0, text.length, head, true) || head.length !== 8) return null;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return null;
    if (!ipv6Groups(text, 0, gap, head, false) || !ipv6Groups(text, gap + 2, text.length, tail, true)) return null;
    if (head.length + tail.length > 7) return null;
    while (head.length + tail.length < 8) head.push(0);
  }
  const out = new Uint8Array(16);
  const groups = head.concat(tail);
  for (let g = 0; g < 8; g++) {
    out[g * 2] = groups[g]! >> 8;
    out[g * 2 + 1] = groups[g]! & 0xff;
  }
  return out;
}

/** An address as compareAddresses orders it, parsed once. */
interface AddressOrder {
  /** 0 IPv4, 1 IPv6, 2 anything else. */
  rank: number;
  v4: number;
  v6: Uint8Array | null;
  /** A netblock's prefix length; -1 for an address. */
  prefix: number;
  text: string;
}

function orderOf(text: string): AddressOrder {
  // A netblock ("2001:db8::/32") is ordered by its first address, its prefix after.
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const v4 = ipv4ToNumber(address);
  const v6 = v4 < 0 ? ipv6ToBytes(address) : null;
  const prefix = slash < 0 ? -1 : Number(text.slice(slash + 1));
  return { rank: v4 >= 0 ? 0 : v6 !== null ? 1 : 2, v4, v6, prefix: Number.isInteger(prefix) ? prefix : -1, text };
}

function compareOrders(a: AddressOrder, b: AddressOrder): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank === 0 && a.v4 !== b.v4) return a.v4 - b.v4;
  if (a.rank === 1) for (let i = 0; i < 16; i++) if (a.v6![i] !== b.v6![i]) return a.v6![i]! - b.v6![i]!;
  if (a.rank < 2 && a.prefix !== b.prefix) return a.prefix - b.prefix;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/**
 * Addresses in the order a reader counts them in: IPv4 by value (10.1.0.2 before 10.1.0.100),
 * then IPv6 by value, then anything else as text; netblocks by their first address, the wider first.
 */
export function compareAddresses(a: string, b: string): number {
  return compareOrders(orderOf(a), orderOf(b));
}

/** `addresses` in compareAddresses' order, each parsed once: a reset source's may be 100,000. */
export function sortAddresses(addresses: Iterable<string>): string[] {
  return Array.from(addresses, orderOf)
    .sort(compareOrders)
    .map((o) => o.text);
}
