/**
 * Geneve (RFC 8926 §3.4), UDP port 6081. Header layout:
 *   0 version (2 bits) / options length (6 bits, 4-byte units)  1 O, C flags
 *   2 protocol type (an ethertype: 0x6558 Ethernet, 0x0800, 0x86dd)  4 VNI (24 bits)  7 reserved
 *   8 options
 */

import type { Packet } from './packet.js';
import { carry, enter, headerCut, malformed, type Carried } from './tunnel.js';

export const GENEVE_MIN_HEADER = 8;

/** Decode the Geneve header at `p` (a UDP payload ending at `end`, captured to `capEnd`). */
export function decodeGeneve(b: Uint8Array, p: number, end: number, capEnd: number, out: Packet, carried: Carried): void {
  enter(carried, 'geneve', end, capEnd);
  if (headerCut(p, GENEVE_MIN_HEADER, end, capEnd, 'geneve.header_exceeds_udp', 'truncated.geneve', out, carried)) return;
  if (b[p]! >> 6 !== 0) return malformed(out, 'geneve.bad_version', carried);
  const length = GENEVE_MIN_HEADER + (b[p]! & 0x3f) * 4;
  if (headerCut(p, length, end, capEnd, 'geneve.header_exceeds_udp', 'truncated.geneve', out, carried)) return;
  carry(carried, (b[p + 2]! << 8) | b[p + 3]!, p + length);
}
