/**
 * Address sets and netblocks. What the user types (--internal, --orgs, --proxy) is parsed with
 * the `ip-address` package; membership is tested on numbers (IPv4) and bigints (IPv6).
 */
import { Address4, Address6 } from 'ip-address';

/** RFC 1918, RFC 6598 shared address space, RFC 4193 unique local, link-local (RFC 3927, RFC 4291). */
export const DEFAULT_INTERNAL: string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

interface V4Range { network: number; mask: number; bits: number }
interface V6Range { network: bigint; mask: bigint; bits: number }

const V6_ALL = (1n << 128n) - 1n;

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

export function numberToIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
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
 * IPv6 text in the forms of RFC 4291 §2.2 (hex groups, at most one '::', an optional trailing
 * dotted quad) → bigint; null when it is not one. Addresses are read this way on every
 * connection; anything else (zone indices, prefixes) goes to the `ip-address` parser.
 */
function parseIPv6(text: string): bigint | null {
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
  let value = 0n;
  for (const group of head) value = (value << 16n) | BigInt(group);
  for (const group of tail) value = (value << 16n) | BigInt(group);
  return value;
}

/** IPv6 text → bigint, or null. */
export function ipv6ToBigInt(address: string): bigint | null {
  const fast = parseIPv6(address);
  if (fast !== null) return fast;
  try {
    return new Address6(address).bigInt();
  } catch {
    return null;
  }
}

/** Parse a CIDR or a bare address as typed by a user; throws an Error naming the text. */
function parseCidr(text: string): { v4: V4Range } | { v6: V6Range } {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const bare = slash < 0 ? trimmed : trimmed.slice(0, slash);
  if (bare.includes(':')) {
    let parsed: Address6;
    try {
      parsed = new Address6(trimmed);
    } catch {
      throw new Error(`not an IPv6 address or CIDR: ${JSON.stringify(text)}`);
    }
    const bits = parsed.subnetMask;
    const mask = bits === 0 ? 0n : (V6_ALL << BigInt(128 - bits)) & V6_ALL;
    return { v6: { network: parsed.bigInt() & mask, mask, bits } };
  }
  let parsed: Address4;
  try {
    parsed = new Address4(trimmed);
  } catch {
    throw new Error(`not an IPv4 address or CIDR: ${JSON.stringify(text)}`);
  }
  const bits = parsed.subnetMask;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { v4: { network: (Number(parsed.bigInt()) & mask) >>> 0, mask, bits } };
}

/** Whether a string is a valid address or CIDR (for input checks). */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** A set of networks; `has` is memoised per address string (captures repeat addresses a lot). */
export class CidrSet {
  private readonly v4: (V4Range & { index: number })[] = [];
  private readonly v6: (V6Range & { index: number })[] = [];
  private readonly memo = new Map<string, number>();

  constructor(cidrs: string[]) {
    cidrs.forEach((cidr, index) => {
      const range = parseCidr(cidr);
      if ('v4' in range) this.v4.push({ ...range.v4, index });
      else this.v6.push({ ...range.v6, index });
    });
  }

  has(address: string): boolean {
    return this.lookup(address) >= 0;
  }

  /** Index (in constructor order) of the longest-prefix network holding the address, -1 if none. */
  lookup(address: string): number {
    const known = this.memo.get(address);
    if (known !== undefined) return known;
    const result = this.search(address);
    if (this.memo.size < 1_000_000) this.memo.set(address, result);
    return result;
  }

  private search(address: string): number {
    let best = -1;
    let bestBits = -1;
    const n4 = ipv4ToNumber(address);
    if (n4 >= 0) {
      for (const r of this.v4) {
        if (((n4 & r.mask) >>> 0) === r.network && r.bits > bestBits) {
          best = r.index;
          bestBits = r.bits;
        }
      }
      return best;
    }
    const n6 = address.includes(':') ? ipv6ToBigInt(address) : null;
    if (n6 === null) return -1;
    for (const r of this.v6) {
      if ((n6 & r.mask) === r.network && r.bits > bestBits) {
        best = r.index;
        bestBits = r.bits;
      }
    }
    return best;
  }
}

const netblockMemo = new Map<string, string>();

/** The /24 (IPv4) or /48 (IPv6) that holds an address, as CIDR text (memoised: captures repeat addresses). */
export function netblockOf(address: string): string {
  let block = netblockMemo.get(address);
  if (block === undefined) {
    block = computeNetblock(address);
    if (netblockMemo.size >= 1_000_000) netblockMemo.clear();
    netblockMemo.set(address, block);
  }
  return block;
}

function computeNetblock(address: string): string {
  const n4 = ipv4ToNumber(address);
  if (n4 >= 0) return `${numberToIpv4((n4 & 0xffffff00) >>> 0)}/24`;
  const n6 = address.includes(':') ? ipv6ToBigInt(address) : null;
  if (n6 === null) return address;
  const network = n6 & ((V6_ALL << 80n) & V6_ALL);
  return `${Address6.fromBigInt(network).correctForm()}/48`;
}
