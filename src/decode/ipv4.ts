/**
 * IPv4 (RFC 791). Header layout:
 *   0 version/IHL  1 DSCP/ECN  2 total length  4 identification  6 flags/fragment offset
 *   8 TTL  9 protocol  10 header checksum  12 source  16 destination  20 options
 * An Authentication Header (51, RFC 4302: next header, then its length in 4-byte units less 2)
 * is read past, as IPv6's is among its extension headers: the protocol after it is the packet's.
 */

import { fold, sumWords } from './checksum.js';
import type { Packet } from './packet.js';

export const IPV4_MIN_HEADER = 20;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;
const IPPROTO_AH = 51;
/** AH headers read past, one inside another at most this deep. */
const MAX_AH = 4;

/**
 * Decode the IPv4 header at `o`. `len` is the offset just past the frame's captured bytes (the
 * buffer may hold more), `wireEnd` the offset just past the frame as it was on the wire.
 * Returns true when the transport layer should be decoded; otherwise `out.status` is set.
 */
export function decodeIPv4(b: Uint8Array, o: number, len: number, wireEnd: number, verifyChecksums: boolean, out: Packet): boolean {
  if (o + IPV4_MIN_HEADER > len) {
    out.status = 'malformed';
    out.reason = o < len && b[o]! >> 4 !== 4 ? 'ipv4.bad_version' : len < wireEnd ? 'truncated.ipv4' : 'ipv4.packet_too_short';
    return false;
  }
  const first = b[o]!;
  if (first >> 4 !== 4) {
    out.status = 'malformed';
    out.reason = 'ipv4.bad_version';
    return false;
  }
  const headerLength = (first & 0x0f) * 4;
  let totalLength = (b[o + 2]! << 8) | b[o + 3]!;
  const flags = (b[o + 6]! << 8) | b[o + 7]!;
  out.ipVersion = 4;
  out.ipId = (b[o + 4]! << 8) | b[o + 5]!;
  out.dontFragment = (flags & FLAG_DF) !== 0;
  out.moreFragments = (flags & FLAG_MF) !== 0;
  out.fragOffset = (flags & OFFSET_MASK) * 8;
  out.ttl = b[o + 8]!;
  out.proto = b[o + 9]!;
  out.src4 = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0;
  out.dst4 = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0;
  out.ipHeaderLength = headerLength;
  out.ipLength = totalLength;

  if (headerLength < IPV4_MIN_HEADER) {
    out.status = 'malformed';
    out.reason = 'ipv4.bad_header_length';
    return false;
  }
  if (totalLength !== 0 && totalLength < headerLength) {
    out.status = 'malformed';
    out.reason = 'ipv4.total_length_too_small';
    return false;
  }
  if (o + headerLength > len) {
    // Options past the captured bytes: a snapshot cut, unless the frame itself was that short.
    out.status = 'malformed';
    out.reason = len < wireEnd ? 'truncated.ipv4' : 'ipv4.total_length_exceeds';
    return false;
  }
  if (totalLength === 0) {
    // TCP segmentation offload: the capturing host saw the segment before the NIC filled in
    // the length. Zeek accepts these (ignore_checksums / TSO handling); use the frame length.
    totalLength = wireEnd - o;
    out.ipLength = totalLength;
    out.reason = 'ipv4.zero_total_length';
  }
  if (totalLength < headerLength) {
    out.status = 'malformed';
    out.reason = 'ipv4.total_length_too_small';
    return false;
  }
  if (o + totalLength > wireEnd) {
    out.status = 'malformed';
    out.reason = 'ipv4.total_length_exceeds';
    return false;
  }
  if (verifyChecksums) out.ipChecksumOk = fold(sumWords(b, o, o + headerLength, 0)) === 0xffff;
  if (out.fragOffset > 0) {
    out.status = 'skipped';
    out.reason = 'ipv4.later-fragment';
    return false;
  }
  for (let n = 0; out.proto === IPPROTO_AH && n < MAX_AH; n++) {
    const p = o + out.ipHeaderLength;
    const ipEnd = o + totalLength;
    const ahLength = p + 2 <= len ? (b[p + 1]! + 2) * 4 : 0;
    if (p + 2 > ipEnd || p + ahLength > ipEnd) {
      out.status = 'malformed';
      out.reason = 'ipv4.ah_exceeds';
      return false;
    }
    if (p + 2 > len || p + ahLength > len) {
      out.status = 'malformed';
      out.reason = 'truncated.ipv4_ah';
      return false;
    }
    out.proto = b[p]!;
    out.ipHeaderLength += ahLength;
  }
  return true;
}
