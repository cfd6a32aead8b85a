/**
 * VXLAN (RFC 7348 §5), UDP port 4789. Header layout:
 *   0 flags (I = 0x08: the VNI is valid)  1 reserved  4 VNI (24 bits)  7 reserved
 * An Ethernet frame follows.
 */

import type { Packet } from './packet.js';
import { carry, enter, headerCut, malformed, ETHERTYPE_TRANSPARENT_ETHERNET, type Carried } from './tunnel.js';

export const VXLAN_HEADER = 8;
const FLAG_VNI = 0x08;

/** The VXLAN network identifier of the header at `p`. */
export function vxlanVni(b: Uint8Array, p: number): number {
  return (b[p + 4]! << 16) | (b[p + 5]! << 8) | b[p + 6]!;
}

/** Decode the VXLAN header at `p` (a UDP payload ending at `end`, captured to `capEnd`). */
export function decodeVxlan(b: Uint8Array, p: number, end: number, capEnd: number, out: Packet, carried: Carried): void {
  enter(carried, 'vxlan', end, capEnd);
  if (headerCut(p, VXLAN_HEADER, end, capEnd, 'vxlan.header_exceeds_udp', 'truncated.vxlan', out, carried)) return;
  if ((b[p]! & FLAG_VNI) === 0) return malformed(out, 'vxlan.no_vni_flag', carried);
  carry(carried, ETHERTYPE_TRANSPARENT_ETHERNET, p + VXLAN_HEADER);
}
