/**
 * TCP (RFC 9293 §3.1). Header layout:
 *   0 source port  2 destination port  4 sequence  8 acknowledgment  12 data offset/NS
 *   13 flags  14 window  16 checksum  18 urgent pointer  20 options
 * Options read (RFC 9293 §3.2, RFC 7323, RFC 2018): MSS (2), window scale (3),
 * SACK-permitted (4), timestamps (8).
 */

import { fold, sumWords } from './checksum.js';
import type { Packet } from './packet.js';

/** Flag bits: byte 13, and NS as bit 8 from the low bit of byte 12 (Packet.tcpFlags). */
export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;
export const TCP_NS = 0x100;

export const TCP_MIN_HEADER = 20;
const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WINDOW_SCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_TIMESTAMPS = 8;

/** Flag letters in header bit order, for humans ("SA", "FPA"…). */
export function tcpFlagsToString(flags: number): string {
  let s = '';
  if (flags & TCP_NS) s += 'N';
  if (flags & TCP_CWR) s += 'C';
  if (flags & TCP_ECE) s += 'E';
  if (flags & TCP_URG) s += 'U';
  if (flags & TCP_ACK) s += 'A';
  if (flags & TCP_PSH) s += 'P';
  if (flags & TCP_RST) s += 'R';
  if (flags & TCP_SYN) s += 'S';
  if (flags & TCP_FIN) s += 'F';
  return s;
}

/**
 * Decode the TCP header at `p`. `segmentLength` is the TCP length the IP header gives (for a
 * first fragment: the part of the segment in this fragment, and payloadLength says the same),
 * `capEnd` the end of the captured bytes of this IP packet. `pseudo` is the pseudo-header sum
 * without the length, or -1 when checksums are not verified.
 */
export function decodeTcp(b: Uint8Array, p: number, segmentLength: number, capEnd: number, pseudo: number, out: Packet): void {
  const captured = capEnd - p;
  if (captured >= 4) {
    out.sport = (b[p]! << 8) | b[p + 1]!;
    out.dport = (b[p + 2]! << 8) | b[p + 3]!;
  }
  if (segmentLength < TCP_MIN_HEADER) {
    out.status = 'malformed';
    out.reason = 'tcp.header_exceeds_ip';
    return;
  }
  if (captured < TCP_MIN_HEADER) {
    out.status = 'malformed';
    out.reason = 'truncated.tcp';
    return;
  }
  out.seq = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
  out.ack = ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
  const offsetByte = b[p + 12]!;
  out.tcpFlags = ((offsetByte & 0x01) << 8) | b[p + 13]!;
  out.window = (b[p + 14]! << 8) | b[p + 15]!;
  const headerLength = (offsetByte >> 4) * 4;
  out.tcpHeaderLength = headerLength;
  if (headerLength < TCP_MIN_HEADER) {
    out.status = 'malformed';
    out.reason = 'tcp.bad_data_offset';
    return;
  }
  if (headerLength > segmentLength) {
    if (!out.moreFragments) {
      out.status = 'malformed';
      out.reason = 'tcp.bad_data_offset';
      return;
    }
    // A first IP fragment that splits the TCP header (a "tiny fragment", RFC 1858): the fixed
    // header is here, the rest of the options are not; nothing of the payload is.
    out.reason = 'tcp.header_split_by_fragment';
    if (segmentLength > captured) segmentLength = captured;
    if (segmentLength > TCP_MIN_HEADER) readOptions(b, p + TCP_MIN_HEADER, p + segmentLength, out);
    return;
  }
  if (headerLength > captured) {
    // The snapshot length cut the options (tcpdump's old default of 68 bytes ends a SYN there):
    // ports, flags and sequence numbers are whole, and are what a connection is made of.
    out.reason = 'tcp.options_cut_by_snaplen';
    readOptions(b, p + TCP_MIN_HEADER, capEnd, out);
    out.payloadLength = segmentLength - headerLength;
    out.truncated = out.payloadLength > 0;
    return;
  }
  if (headerLength > TCP_MIN_HEADER) readOptions(b, p + TCP_MIN_HEADER, p + headerLength, out);

  const start = p + headerLength;
  const payloadLength = segmentLength - headerLength;
  out.payloadLength = payloadLength;
  const capturedPayload = capEnd - start;
  if (capturedPayload > 0) {
    out.payloadBuffer = b;
    out.payloadStart = start;
    out.payloadEnd = capEnd;
  }
  if (capturedPayload < payloadLength) out.truncated = true;
  else if (pseudo >= 0 && !out.moreFragments)
    out.transportChecksumOk = fold(sumWords(b, p, p + segmentLength, pseudo + segmentLength)) === 0xffff;
}

function readOptions(b: Uint8Array, p: number, end: number, out: Packet): void {
  while (p < end) {
    const kind = b[p]!;
    if (kind === OPT_END) return;
    if (kind === OPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= end) return badOption(out);
    const length = b[p + 1]!;
    if (length < 2 || p + length > end) return badOption(out);
    switch (kind) {
      case OPT_MSS:
        if (length !== 4) return badOption(out);
        out.mss = (b[p + 2]! << 8) | b[p + 3]!;
        break;
      case OPT_WINDOW_SCALE:
        if (length !== 3) return badOption(out);
        out.windowScale = b[p + 2]!;
        break;
      case OPT_SACK_PERMITTED:
        if (length !== 2) return badOption(out);
        out.sackPermitted = true;
        break;
      case OPT_TIMESTAMPS:
        if (length !== 10) return badOption(out);
        out.tsVal = ((b[p + 2]! << 24) | (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!) >>> 0;
        out.tsEcr = ((b[p + 6]! << 24) | (b[p + 7]! << 16) | (b[p + 8]! << 8) | b[p + 9]!) >>> 0;
        break;
      default:
        break;
    }
    p += length;
  }
}

/** A bad option length stops the walk; the header and the options read so far are kept. */
function badOption(out: Packet): void {
  if (out.reason === '') out.reason = 'tcp.bad_option_length';
}
