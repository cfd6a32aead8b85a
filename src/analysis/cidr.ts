/**
 * Address sets and netblocks. What the user types (--internal, --orgs, --proxy) is parsed with
 * the `ip-address` package; membership is tested on numbers (IPv4) and bigints (IPv6).
 */
import { Address4, Address6 } from 'ip-address';
import { formatIPv4, ipv4ToNumber, ipv6ToBytes } from '../decode/address.js';
import { origV4, respV4 } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';

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

interface V4Range {
  network: number;
  mask: number;
  bits: number;
}
interface V6Range {
  network: bigint;
  mask: bigint;
  bits: number;
}

const V6_ALL = (1n << 128n) - 1n;

/** IPv6 text → bigint, or null. */
export function ipv6ToBigInt(address: string): bigint | null {
  // Every form callhome writes is read by ipv6ToBytes; anything else (zone indices) by ip-address.
  const bytes = ipv6ToBytes(address);
  if (bytes !== null) {
    let value = 0n;
    for (let i = 0; i < 16; i += 2) value = (value << 16n) | BigInt((bytes[i]! << 8) | bytes[i + 1]!);
    return value;
  }
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

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: the host's own, never another machine. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
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

/** A set of networks; `has` is memoised per IPv6 address string (captures repeat addresses a lot). */
export class CidrSet {
  private readonly v4: (V4Range & { index: number })[] = [];
  private readonly v6: (V6Range & { index: number })[] = [];
  private readonly memo = new Map<string, number>();
  /**
   * IPv4 /24s by their top 24 bits, and their index: the networks a Zeek log calls local come as
   * many /24s (see localNetworks), and every lookup would otherwise scan them all.
   */
  private readonly blocks24 = new Map<number, number>();

  constructor(cidrs: string[]) {
    cidrs.forEach((cidr, index) => {
      const range = parseCidr(cidr);
      if ('v6' in range) this.v6.push({ ...range.v6, index });
      else if (range.v4.bits !== 24) this.v4.push({ ...range.v4, index });
      // The first of a /24 given twice, as the list's search finds it.
      else if (!this.blocks24.has(range.v4.network >>> 8)) this.blocks24.set(range.v4.network >>> 8, index);
    });
  }

  has(address: string): boolean {
    return this.lookup(address) >= 0;
  }

  /** Whether an IPv4 address given as its 32-bit word (signed or not) is inside: `has` of its dotted quad. */
  hasIPv4(word: number): boolean {
    return this.searchV4(word) >= 0;
  }

  /** Whether `c`'s responder is inside (its IPv4 number read from the store where it keeps one). */
  hasResp(c: Connection): boolean {
    const n4 = respV4(c);
    return n4 >= 0 ? this.searchV4(n4) >= 0 : this.has(c.respH);
  }

  /** Whether `c`'s originator is inside. */
  hasOrig(c: Connection): boolean {
    const n4 = origV4(c);
    return n4 >= 0 ? this.searchV4(n4) >= 0 : this.has(c.origH);
  }

  /** Index (in constructor order) of the longest-prefix network holding the address, -1 if none. */
  lookup(address: string): number {
    // IPv4 is parsed and matched faster than a memo finds it, and a scan's million distinct
    // addresses would fill the memo: only IPv6 (BigInt arithmetic) is remembered.
    const n4 = ipv4ToNumber(address);
    if (n4 >= 0) return this.searchV4(n4);
    const known = this.memo.get(address);
    if (known !== undefined) return known;
    const result = this.search(address);
    if (this.memo.size < 100_000) this.memo.set(address, result);
    return result;
  }

  private searchV4(n4: number): number {
    let best = -1;
    let bestBits = -1;
    for (const r of this.v4) {
      if ((n4 & r.mask) >>> 0 === r.network && r.bits > bestBits) {
        best = r.index;
        bestBits = r.bits;
      }
    }
    if (bestBits < 24 && this.blocks24.size > 0) {
      const block = this.blocks24.get(n4 >>> 8);
      if (block !== undefined) return block;
    }
    return best;
  }

  private search(address: string): number {
    let best = -1;
    let bestBits = -1;
    const n4 = ipv4ToNumber(address);
    if (n4 >= 0) return this.searchV4(n4);
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

/** IPv6 address → its /48 (BigInt arithmetic is worth remembering; a capture repeats addresses). */
const netblockMemo6 = new Map<string, string>();
/**
 * IPv4 /24 (the address's top 24 bits, a number the engine keeps unboxed) → its text: a scan's
 * million distinct addresses share far fewer /24s.
 */
const blockTexts4 = new Map<number, string>();
const MAX_REMEMBERED = 100_000;

/**
 * The /24 (IPv4) or /48 (IPv6) that holds an address, as CIDR text. IPv4 is worked out afresh
 * (parsing a dotted quad is cheaper than remembering millions of them); the texts are shared.
 */
export function netblockOf(address: string): string {
  const n4 = ipv4ToNumber(address);
  return n4 >= 0 ? netblock4(n4) : netblock6(address);
}

/** netblockOf a connection's responder, its IPv4 number read from the store where it keeps one. */
export function respNetblock(c: Connection): string {
  const n4 = respV4(c);
  return n4 >= 0 ? netblock4(n4) : netblockOf(c.respH);
}

/** The /24 of an IPv4 address given as its number, as text ("192.0.2.0/24"). */
export function netblock4(n4: number): string {
  const block = n4 >>> 8;
  let text = blockTexts4.get(block);
  if (text === undefined) {
    if (blockTexts4.size >= MAX_REMEMBERED) blockTexts4.clear();
    blockTexts4.set(block, (text = `${formatIPv4(block * 256)}/24`));
  }
  return text;
}

function netblock6(address: string): string {
  let block = netblockMemo6.get(address);
  if (block === undefined) {
    block = computeNetblock(address);
    if (netblockMemo6.size >= MAX_REMEMBERED) netblockMemo6.clear();
    netblockMemo6.set(address, block);
  }
  return block;
}

/**
 * The /64 that holds an IPv6 address (a LAN's subnet: RFC 4291 §2.5.1 interface identifiers are
 * 64 bits), as CIDR text; null for anything else.
 */
export function subnet64(address: string): string | null {
  const n6 = address.includes(':') ? ipv6ToBigInt(address) : null;
  if (n6 === null) return null;
  return `${Address6.fromBigInt(n6 & ((V6_ALL << 64n) & V6_ALL)).correctForm()}/64`;
}

/** The /48 of an IPv6 address; any other text is its own block. */
function computeNetblock(address: string): string {
  const n6 = address.includes(':') ? ipv6ToBigInt(address) : null;
  if (n6 === null) return address;
  const network = n6 & ((V6_ALL << 80n) & V6_ALL);
  return `${Address6.fromBigInt(network).correctForm()}/48`;
}
