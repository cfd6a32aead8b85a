/**
 * GTPv1-U (3GPP TS 29.281 §5), UDP port 2152. Header layout:
 *   0 version (3 bits) / PT / reserved / E / S / PN  1 message type  2 length (after byte 8)
 *   4 TEID  then, when any of E, S, PN is set: 8 sequence number  10 N-PDU number
 *   11 next extension header type, and the extension headers: a length in 4-byte units (with
 *   itself and the next-type byte), the content, the next type in the last byte.
 * Only a G-PDU (message type 255) carries a user's packet, IPv4 or IPv6.
 */

import type { Packet } from './packet.js';
import { carry, enter, headerCut, ipEthertype, malformed, type Carried } from './tunnel.js';

export const GTP_HEADER = 8;
const OPTIONAL_FIELDS = 4;
const VERSION_1 = 1;
const FLAG_PROTOCOL_TYPE = 0x10;
const FLAG_EXTENSION = 0x04;
const FLAG_SEQUENCE = 0x02;
const FLAG_NPDU = 0x01;
export const GTP_G_PDU = 255;

/** Decode the GTPv1-U header at `p` (a UDP payload ending at `end`, captured to `capEnd`). */
export function decodeGtp(b: Uint8Array, p: number, end: number, capEnd: number, out: Packet, carried: Carried): void {
  enter(carried, 'gtpv1', end, capEnd);
  if (headerCut(p, GTP_HEADER, end, capEnd, 'gtp.header_exceeds_udp', 'truncated.gtp', out, carried)) return;
  const flags = b[p]!;
  if (flags >> 5 !== VERSION_1 || (flags & FLAG_PROTOCOL_TYPE) === 0) return malformed(out, 'gtp.bad_version', carried);
  // The length field counts what follows the mandatory 8 bytes; it bounds the payload.
  const messageEnd = p + GTP_HEADER + ((b[p + 2]! << 8) | b[p + 3]!);
  if (messageEnd < end) {
    carried.end = messageEnd;
    if (messageEnd < capEnd) carried.capEnd = messageEnd;
  }
  end = carried.end;
  capEnd = carried.capEnd;
  let q = p + GTP_HEADER;
  if (flags & (FLAG_EXTENSION | FLAG_SEQUENCE | FLAG_NPDU)) {
    if (headerCut(p, GTP_HEADER + OPTIONAL_FIELDS, end, capEnd, 'gtp.header_exceeds_udp', 'truncated.gtp', out, carried)) return;
    let next = flags & FLAG_EXTENSION ? b[q + 3]! : 0;
    q += OPTIONAL_FIELDS;
    while (next !== 0) {
      if (headerCut(q, 1, end, capEnd, 'gtp.header_exceeds_udp', 'truncated.gtp', out, carried)) return;
      const length = b[q]! * 4;
      if (length === 0) return malformed(out, 'gtp.bad_extension_length', carried);
      if (headerCut(q, length, end, capEnd, 'gtp.header_exceeds_udp', 'truncated.gtp', out, carried)) return;
      next = b[q + length - 1]!;
      q += length;
    }
  }
  if (b[p + 1] !== GTP_G_PDU) {
    out.status = 'skipped';
    out.reason = 'tunnel.not-ip';
    return;
  }
  if (q >= capEnd) {
    if (q >= end) {
      // A G-PDU with nothing in it.
      out.status = 'skipped';
      out.reason = 'tunnel.not-ip';
      return;
    }
    return malformed(out, 'truncated.gtp', carried);
  }
  const ethertype = ipEthertype(b, q);
  if (ethertype === 0) return malformed(out, 'gtp.inner_not_ip', carried);
  carry(carried, ethertype, q);
}
