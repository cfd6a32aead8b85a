/**
 * UDP (RFC 768). Header layout: 0 source port  2 destination port  4 length  6 checksum.
 */

import { fold, sumWords } from './checksum.js';
import type { Packet } from './packet.js';

export const UDP_HEADER = 8;

/**
 * Decode the UDP header at `p`; `ipPayloadLength` is what the IP header leaves for UDP, `capEnd`
 * the end of the captured bytes of this IP packet, `pseudo` the pseudo-header sum without
 * the length, or -1.
 * `zeroMeansNone`: over IPv4 a zero checksum means none was computed (RFC 768). In a first
 * fragment payloadLength is the whole datagram's (from the UDP length) and the captured payload
 * is the part in this fragment.
 */
export function decodeUdp(
  b: Uint8Array,
  p: number,
  ipPayloadLength: number,
  capEnd: number,
  pseudo: number,
  zeroMeansNone: boolean,
  out: Packet,
): void {
  const captured = capEnd - p;
  if (captured >= 4) {
    out.sport = (b[p]! << 8) | b[p + 1]!;
    out.dport = (b[p + 2]! << 8) | b[p + 3]!;
  }
  if (ipPayloadLength < UDP_HEADER) {
    out.status = 'malformed';
    out.reason = 'udp.header_exceeds_ip';
    return;
  }
  if (captured < UDP_HEADER) {
    out.status = 'malformed';
    out.reason = 'truncated.udp';
    return;
  }
  let length = (b[p + 4]! << 8) | b[p + 5]!;
  if (length < UDP_HEADER) {
    out.status = 'malformed';
    out.reason = 'udp.bad_length';
    return;
  }
  let checkable = !out.moreFragments;
  if (out.moreFragments) {
    // A first IP fragment: the UDP length covers the whole datagram, this fragment a part of it.
  } else if (length > ipPayloadLength) {
    // Zeek's UDP_datagram_length_mismatch: trust the IP layer, skip the checksum.
    if (out.reason === '') out.reason = 'udp.length_exceeds_ip';
    length = ipPayloadLength;
    checkable = false;
  }
  out.payloadLength = length - UDP_HEADER;
  const end = p + length < capEnd ? p + length : capEnd;
  const start = p + UDP_HEADER;
  if (end > start) {
    out.payloadBuffer = b;
    out.payloadStart = start;
    out.payloadEnd = end;
  }
  if (end - start < out.payloadLength && capEnd - p < ipPayloadLength) {
    out.truncated = true;
    return;
  }
  if (pseudo >= 0 && checkable) {
    const checksum = (b[p + 6]! << 8) | b[p + 7]!;
    out.transportChecksumOk = checksum === 0 ? zeroMeansNone : fold(sumWords(b, p, p + length, pseudo + length)) === 0xffff;
  }
}
