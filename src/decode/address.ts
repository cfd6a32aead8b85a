/** Address text: dotted quad for IPv4, RFC 5952 canonical text for IPv6. */

import type { Packet } from './packet.js';

/**
 * Recently formatted IPv4 addresses, direct-mapped by a hash of the address. A capture's
 * addresses repeat from connection to connection: the text is built once (five strings each
 * time otherwise), and every connection of a host then holds the same string, whose hash the
 * analysis's maps compute once.
 */
const V4_TEXT_SLOTS = 4096;
const v4TextKeys = new Int32Array(V4_TEXT_SLOTS);
const v4Texts: (string | undefined)[] = new Array<string | undefined>(V4_TEXT_SLOTS).fill(undefined);

/** Dotted-quad text of an unsigned 32-bit IPv4 address. */
export function formatIPv4(n: number): string {
  const key = n | 0;
  const slot = Math.imul(key, 0x9e3779b1) >>> 20;
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
