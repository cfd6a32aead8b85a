/**
 * GRE (RFC 2784, RFC 2890 keys and sequence numbers; RFC 2637 §4.1 enhanced GRE of PPTP).
 * Header layout:
 *   0 C R K S s recur (version 0) / C R K S s recur (version 1)   1 A(v1) flags version
 *   2 protocol type (an ethertype)
 *   version 0: 4 checksum + reserved (C or R)  then key (K)  then sequence number (S)
 *   version 1: 4 payload length  6 call ID  8 sequence number (S)  then acknowledgment (A)
 * The protocol type says what follows: IPv4, IPv6, a whole Ethernet frame (0x6558, Linux gretap),
 * ERSPAN (0x88be, 0x22eb: erspan.ts), PPP (0x880b, PPTP), a packet a Cisco router redirects to a
 * WCCP cache or proxy (0x883e: WCCPv2's 4-byte redirect header, then the IP packet; version 1 has
 * no header, the IP packet follows at once), or another ethertype for link.ts.
 */

import { decodeErspan, GRE_ERSPAN_TYPE_II, GRE_ERSPAN_TYPE_III } from './erspan.js';
import type { Packet } from './packet.js';
import { carry, enter, headerCut, ipEthertype, type Carried } from './tunnel.js';

export const GRE_MIN_HEADER = 4;
const FLAG_CHECKSUM = 0x80;
const FLAG_ROUTING = 0x40;
const FLAG_KEY = 0x20;
const FLAG_SEQUENCE = 0x10;
/** Version 1: an acknowledgment number follows (byte 1). */
const FLAG_ACK = 0x80;
const VERSION_MASK = 0x07;
const GRE_PPP = 0x880b;
const GRE_WCCP = 0x883e;
/** WCCPv2's redirect header before the packet it redirects. */
const WCCP_REDIRECT_HEADER = 4;
/** The ethertype link.ts reads a PPP frame by (decode.ts hands it to decodePpp). */
export const ETHERTYPE_PPP_IN_GRE = GRE_PPP;

const SKIP_UNSUPPORTED = 'gre.unsupported';

/** Flags of GRE byte 0 as letters (C R K S), for tests and messages. */
export function greFlagsToString(flags: number): string {
  return (
    (flags & FLAG_CHECKSUM ? 'C' : '') +
    (flags & FLAG_ROUTING ? 'R' : '') +
    (flags & FLAG_KEY ? 'K' : '') +
    (flags & FLAG_SEQUENCE ? 'S' : '')
  );
}

/**
 * Decode the GRE header at `p`; the IP payload ends at `end` as its header says and at `capEnd`
 * as captured. Fills `carried`, or sets the packet's status.
 */
export function decodeGre(b: Uint8Array, p: number, end: number, capEnd: number, out: Packet, carried: Carried): void {
  enter(carried, 'gre', end, capEnd);
  if (headerCut(p, GRE_MIN_HEADER, end, capEnd, 'gre.header_exceeds_ip', 'truncated.gre', out, carried)) return;
  const flags = b[p]!;
  const version = b[p + 1]! & VERSION_MASK;
  const protocol = (b[p + 2]! << 8) | b[p + 3]!;
  let length: number;
  if (version === 0) {
    if (flags & FLAG_ROUTING) return skipUnsupported(out);
    length = GRE_MIN_HEADER + (flags & FLAG_CHECKSUM ? 4 : 0) + (flags & FLAG_KEY ? 4 : 0) + (flags & FLAG_SEQUENCE ? 4 : 0);
  } else if (version === 1) {
    // Enhanced GRE always has the key field (payload length and call ID).
    length = 8 + (flags & FLAG_SEQUENCE ? 4 : 0) + (b[p + 1]! & FLAG_ACK ? 4 : 0);
  } else {
    return skipUnsupported(out);
  }
  if (headerCut(p, length, end, capEnd, 'gre.header_exceeds_ip', 'truncated.gre', out, carried)) return;
  const payload = p + length;
  if (protocol === GRE_ERSPAN_TYPE_II || protocol === GRE_ERSPAN_TYPE_III) {
    decodeErspan(b, payload, protocol, (flags & FLAG_SEQUENCE) !== 0, end, capEnd, out, carried);
    return;
  }
  if (version === 1) {
    if (protocol !== GRE_PPP || payload >= end) {
      // An acknowledgment alone, or not PPP: nothing of a conversation inside.
      out.status = 'skipped';
      out.reason = 'tunnel.not-ip';
      return;
    }
  }
  if (protocol === GRE_WCCP) {
    // The packet starts at once (WCCPv1) or after the redirect header, whose first byte holds
    // flags (0x40 is its D bit) and is never an IPv4 header's version and length (0x45–0x4f).
    const first = payload < capEnd ? b[payload]! : 0;
    const inner = first >= 0x45 && first <= 0x4f ? payload : payload + WCCP_REDIRECT_HEADER;
    if (inner >= capEnd) {
      out.status = 'malformed';
      out.reason = inner >= end ? 'gre.header_exceeds_ip' : 'truncated.gre';
      return;
    }
    const ethertype = ipEthertype(b, inner);
    if (ethertype === 0) {
      out.status = 'skipped';
      out.reason = 'tunnel.not-ip';
      return;
    }
    carry(carried, ethertype, inner);
    return;
  }
  carry(carried, protocol, payload);
}

function skipUnsupported(out: Packet): void {
  out.status = 'skipped';
  out.reason = SKIP_UNSUPPORTED;
}
