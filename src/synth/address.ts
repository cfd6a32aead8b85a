/** Text ↔ bytes for the addresses the frame builder takes (IPv4, IPv6, Ethernet MAC). */

import { ipv4ToNumber, ipv6ToBytes } from '../decode/address.js';

export function parseIPv4(s: string): Uint8Array {
  const n = ipv4ToNumber(s);
  if (n < 0) throw new RangeError(`not an IPv4 address: ${s}`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** RFC 4291 §2.2 text forms, including '::' and a trailing dotted quad. */
export function parseIPv6(s: string): Uint8Array {
  const bytes = ipv6ToBytes(s);
  if (bytes === null) throw new RangeError(`not an IPv6 address: ${s}`);
  return bytes;
}

export function isIPv6(s: string): boolean {
  return s.includes(':');
}

export function parseIP(s: string): Uint8Array {
  return isIPv6(s) ? parseIPv6(s) : parseIPv4(s);
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) throw new RangeError(`not a MAC address: ${s}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(parts[i]!, 16);
  return out;
}

/**
 * A stable, locally administered MAC for an address (02:xx:…), so frames built without explicit
 * MACs still look like one station per address.
 */
export function macForIP(ip: string): string {
  const b = parseIP(ip);
  const t = b.subarray(b.length - 4);
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `02:00:${hex(t[0]!)}:${hex(t[1]!)}:${hex(t[2]!)}:${hex(t[3]!)}`;
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
