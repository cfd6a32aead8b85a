/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443). Header: 0 type  1 code  2 checksum  4 rest of header
 * (8 bytes in all). Error messages quote the offending packet's IP header and at least the
 * first 8 bytes of its transport header (RFC 792; RFC 1812 §4.3.2.3 asks for more), which is
 * enough for ports and the TCP sequence number: `Packet.quoted`.
 */

import { fold, sumWords } from './checksum.js';
import { copyAddress6, IPV6_HEADER, newIpv6Chain, ownAddress6, walkIpv6Extensions } from './ipv6.js';
import { IPPROTO_TCP, IPPROTO_UDP, type Packet, type QuotedHeader } from './packet.js';

export const ICMP_HEADER = 8;

export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETER_PROBLEM = 12;
/** ICMPv6 error types are 1..127 (RFC 4443 §2.1); these four quote the invoking packet. */
export const ICMPV6_DEST_UNREACHABLE = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAMETER_PROBLEM = 4;

/** Does this ICMP (v4 or v6) type quote the packet that caused it? */
export function isIcmpError(version: 4 | 6, type: number): boolean {
  if (version === 4) {
    return (
      type === ICMP_DEST_UNREACHABLE ||
      type === ICMP_SOURCE_QUENCH ||
      type === ICMP_REDIRECT ||
      type === ICMP_TIME_EXCEEDED ||
      type === ICMP_PARAMETER_PROBLEM
    );
  }
  return type >= ICMPV6_DEST_UNREACHABLE && type <= ICMPV6_PARAMETER_PROBLEM;
}

const quotedChain = newIpv6Chain();

/**
 * Decode the ICMP / ICMPv6 header at `p`. `messageLength` is what the IP header leaves for it,
 * `capEnd` the end of the captured bytes of this IP packet, `pseudo` the checksum start value
 * (0 for ICMPv4, the pseudo-header sum without length for ICMPv6) or -1 when not verifying.
 */
export function decodeIcmp(
  b: Uint8Array,
  p: number,
  messageLength: number,
  capEnd: number,
  version: 4 | 6,
  pseudo: number,
  out: Packet,
): void {
  if (capEnd - p >= 2) {
    out.icmpType = b[p]!;
    out.icmpCode = b[p + 1]!;
  }
  if (messageLength < ICMP_HEADER) {
    out.status = 'malformed';
    out.reason = 'icmp.header_exceeds_ip';
    return;
  }
  if (capEnd - p < ICMP_HEADER) {
    out.status = 'malformed';
    out.reason = 'truncated.icmp';
    return;
  }
  const start = p + ICMP_HEADER;
  out.payloadLength = messageLength > ICMP_HEADER ? messageLength - ICMP_HEADER : 0;
  if (capEnd > start) {
    out.payloadBuffer = b;
    out.payloadStart = start;
    out.payloadEnd = capEnd;
  }
  if (capEnd - p < messageLength) out.truncated = true;
  else if (pseudo >= 0)
    out.transportChecksumOk = fold(sumWords(b, p, p + messageLength, version === 6 ? pseudo + messageLength : pseudo)) === 0xffff;
  if (isIcmpError(version, out.icmpType) && capEnd > start) decodeQuoted(b, start, capEnd, out.quoted);
}

/** The quoted IP header and the start of its transport header, as far as they were captured. */
function decodeQuoted(b: Uint8Array, q: number, end: number, quoted: QuotedHeader): void {
  const version = b[q]! >> 4;
  let t: number;
  if (version === 4) {
    const headerLength = (b[q]! & 0x0f) * 4;
    if (q + 20 > end || headerLength < 20) return;
    quoted.present = true;
    quoted.ipVersion = 4;
    quoted.proto = b[q + 9]!;
    quoted.src4 = ((b[q + 12]! << 24) | (b[q + 13]! << 16) | (b[q + 14]! << 8) | b[q + 15]!) >>> 0;
    quoted.dst4 = ((b[q + 16]! << 24) | (b[q + 17]! << 16) | (b[q + 18]! << 8) | b[q + 19]!) >>> 0;
    // A later fragment quotes no transport header.
    if ((((b[q + 6]! << 8) | b[q + 7]!) & 0x1fff) !== 0) return;
    t = q + headerLength;
  } else if (version === 6) {
    if (q + IPV6_HEADER > end) return;
    quoted.present = true;
    quoted.ipVersion = 6;
    const src = ownAddress6(quoted.src6);
    const dst = ownAddress6(quoted.dst6);
    copyAddress6(b, q + 8, src);
    copyAddress6(b, q + 24, dst);
    quoted.src6 = src;
    quoted.dst6 = dst;
    // The quoted payload length describes the original packet, not the quote: bound by the quote.
    walkIpv6Extensions(b, b[q + 6]!, q + IPV6_HEADER, end, end, quotedChain);
    quoted.proto = quotedChain.proto;
    if (quotedChain.error !== '' || quotedChain.fragOffset > 0) return;
    t = quotedChain.offset;
  } else {
    return;
  }
  if (quoted.proto !== IPPROTO_TCP && quoted.proto !== IPPROTO_UDP) return;
  if (t + 2 > end) return;
  quoted.sport = (b[t]! << 8) | b[t + 1]!;
  // Cut short by the capture's snap length after the source port: the destination port unknown (-1).
  if (t + 4 > end) return;
  quoted.dport = (b[t + 2]! << 8) | b[t + 3]!;
  if (quoted.proto === IPPROTO_TCP && t + 8 <= end) {
    quoted.seq = ((b[t + 4]! << 24) | (b[t + 5]! << 16) | (b[t + 6]! << 8) | b[t + 7]!) >>> 0;
  }
}
