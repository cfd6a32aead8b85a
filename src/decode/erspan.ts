/**
 * ERSPAN: Cisco's remote SPAN, mirrored frames sent in GRE (draft-foschiano-erspan-03).
 *   type I   GRE protocol 0x88be without a GRE sequence number: the mirrored frame follows GRE
 *   type II  GRE protocol 0x88be with a sequence number, then 8 bytes:
 *              0 version (1) / VLAN  2 COS, En, T, session ID  4 reserved / index
 *   type III GRE protocol 0x22eb, then 12 bytes:
 *              0 version (2) / VLAN  2 COS, BSO, T, session ID  4 timestamp  8 SGT
 *              10 P, frame type (0 Ethernet, 2 IP), hardware ID  11 hardware ID, D, Gra, O
 *            and, when O is set, an 8-byte platform-specific sub-header.
 */

import type { Packet } from './packet.js';
import { carry, headerCut, ipEthertype, malformed, ETHERTYPE_TRANSPARENT_ETHERNET, type Carried } from './tunnel.js';

export const GRE_ERSPAN_TYPE_II = 0x88be;
export const GRE_ERSPAN_TYPE_III = 0x22eb;
const TYPE_II_HEADER = 8;
const TYPE_III_HEADER = 12;
const PLATFORM_SUBHEADER = 8;
const VERSION_TYPE_II = 1;
const VERSION_TYPE_III = 2;
/** Byte 11 of a type III header: a platform-specific sub-header follows. */
const FLAG_OPTIONAL = 0x01;
const FRAME_TYPE_ETHERNET = 0;
const FRAME_TYPE_IP = 2;

/** The mirrored session ID of the ERSPAN type II / III header at `p` (10 bits). */
export function erspanSession(b: Uint8Array, p: number): number {
  return ((b[p + 2]! & 0x03) << 8) | b[p + 3]!;
}

/**
 * Decode the ERSPAN header at `p`, after a GRE header of protocol `protocol` with (`sequenced`)
 * or without a sequence number. Fills `carried` with the mirrored frame, or sets the status.
 */
export function decodeErspan(
  b: Uint8Array,
  p: number,
  protocol: number,
  sequenced: boolean,
  end: number,
  capEnd: number,
  out: Packet,
  carried: Carried,
): void {
  carried.kind = 'erspan';
  if (protocol === GRE_ERSPAN_TYPE_II && !sequenced) {
    // Type I: no header of its own.
    carry(carried, ETHERTYPE_TRANSPARENT_ETHERNET, p);
    return;
  }
  const typeIII = protocol === GRE_ERSPAN_TYPE_III;
  const length = typeIII ? TYPE_III_HEADER : TYPE_II_HEADER;
  if (headerCut(p, length, end, capEnd, 'erspan.header_exceeds_gre', 'truncated.erspan', out, carried)) return;
  if (b[p]! >> 4 !== (typeIII ? VERSION_TYPE_III : VERSION_TYPE_II)) return malformed(out, 'erspan.bad_version', carried);
  if (!typeIII) {
    carry(carried, ETHERTYPE_TRANSPARENT_ETHERNET, p + TYPE_II_HEADER);
    return;
  }
  let frame = p + TYPE_III_HEADER;
  if (b[p + 11]! & FLAG_OPTIONAL) {
    if (headerCut(p, TYPE_III_HEADER + PLATFORM_SUBHEADER, end, capEnd, 'erspan.header_exceeds_gre', 'truncated.erspan', out, carried))
      return;
    frame += PLATFORM_SUBHEADER;
  }
  const frameType = (b[p + 10]! >> 2) & 0x1f;
  if (frameType === FRAME_TYPE_ETHERNET) {
    carry(carried, ETHERTYPE_TRANSPARENT_ETHERNET, frame);
  } else if (frameType === FRAME_TYPE_IP && frame < capEnd && ipEthertype(b, frame) !== 0) {
    carry(carried, ipEthertype(b, frame), frame);
  } else {
    out.status = 'skipped';
    out.reason = 'tunnel.not-ip';
    carried.ethertype = 0;
  }
}
