/**
 * IPv6 (RFC 8200). Fixed header:
 *   0 version/traffic class/flow label  4 payload length  6 next header  7 hop limit
 *   8 source  24 destination  40 extension headers
 * Extension headers walked: hop-by-hop (0), routing (43), fragment (44), destination options (60),
 * AH (51, RFC 4302: length in 4-byte units), mobility (135). ESP (50) and no-next-header (59) end
 * the chain like any upper-layer protocol.
 */

import type { AnomalyCode } from './anomalies.js';
import type { Packet } from './packet.js';

export const IPV6_HEADER = 40;
const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AH = 51;
const EXT_DESTINATION = 60;
const EXT_MOBILITY = 135;
const NO_NEXT_HEADER = 59;
/** Loop guard: RFC 8200 §4.1 allows each header once (destination options twice). */
const MAX_EXTENSION_HEADERS = 16;

/** Result of an extension-header walk; preallocated, overwritten per call. */
export interface Ipv6Chain {
  /** Upper-layer protocol after the chain. */
  proto: number;
  /** Offset of the upper-layer header. */
  offset: number;
  /** Fragment header fields; fragId -1 when there is none. */
  fragId: number;
  fragOffset: number;
  moreFragments: boolean;
  /** '' when the walk reached an upper-layer protocol; else the anomaly code. */
  error: AnomalyCode | '';
}

export function newIpv6Chain(): Ipv6Chain {
  return { proto: 0, offset: 0, fragId: -1, fragOffset: 0, moreFragments: false, error: '' };
}

/**
 * Walk the extension headers from `p` with first next-header `nh`, bounded by the IPv6 payload
 * end `end` (from the payload length) and the end of the captured bytes `len`.
 */
export function walkIpv6Extensions(b: Uint8Array, nh: number, p: number, end: number, len: number, chain: Ipv6Chain): void {
  chain.fragId = -1;
  chain.fragOffset = 0;
  chain.moreFragments = false;
  chain.error = '';
  for (let count = 0; ; count++) {
    let extLength: number;
    if (nh === EXT_HOP_BY_HOP || nh === EXT_ROUTING || nh === EXT_DESTINATION || nh === EXT_MOBILITY) {
      if (p + 2 > end) return fail(chain, nh, p, 'ipv6.ext_header_exceeds');
      if (p + 2 > len) return fail(chain, nh, p, 'truncated.ipv6_ext');
      extLength = (b[p + 1]! + 1) * 8;
    } else if (nh === EXT_AH) {
      if (p + 2 > end) return fail(chain, nh, p, 'ipv6.ext_header_exceeds');
      if (p + 2 > len) return fail(chain, nh, p, 'truncated.ipv6_ext');
      extLength = (b[p + 1]! + 2) * 4;
    } else if (nh === EXT_FRAGMENT) {
      extLength = 8;
    } else {
      chain.proto = nh;
      chain.offset = p;
      return;
    }
    if (count >= MAX_EXTENSION_HEADERS) return fail(chain, nh, p, 'ipv6.too_many_ext_headers');
    if (p + extLength > end) return fail(chain, nh, p, 'ipv6.ext_header_exceeds');
    if (p + extLength > len) return fail(chain, nh, p, 'truncated.ipv6_ext');
    if (nh === EXT_FRAGMENT) {
      // RFC 8200 §4.5: offset in 8-byte units in the top 13 bits, M flag in the lowest bit.
      const field = (b[p + 2]! << 8) | b[p + 3]!;
      chain.fragOffset = field & 0xfff8;
      chain.moreFragments = (field & 1) !== 0;
      chain.fragId = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    }
    nh = b[p]!;
    p += extLength;
  }
}

function fail(chain: Ipv6Chain, nh: number, p: number, code: AnomalyCode): void {
  chain.proto = nh;
  chain.offset = p;
  chain.error = code;
}

/** A 16-byte array owned by the decoder (not a view into a capture buffer), reused when possible. */
export function ownAddress6(current: Uint8Array): Uint8Array {
  return current.byteLength === 16 && current.buffer.byteLength === 16 ? current : new Uint8Array(16);
}

export function copyAddress6(b: Uint8Array, from: number, to: Uint8Array): void {
  for (let i = 0; i < 16; i++) to[i] = b[from + i]!;
}

/**
 * Decode the IPv6 header at `o` and its extension chain; `len` is the offset just past the
 * frame's captured bytes (the buffer may hold more), `wireEnd` just past the frame as it was on
 * the wire. Returns true when the transport layer should be decoded; otherwise `out.status` is set.
 */
export function decodeIPv6(b: Uint8Array, o: number, len: number, wireEnd: number, chain: Ipv6Chain, out: Packet): boolean {
  if (o + IPV6_HEADER > len) {
    out.status = 'malformed';
    out.reason = o < len && b[o]! >> 4 !== 6 ? 'ipv6.bad_version' : len < wireEnd ? 'truncated.ipv6' : 'ipv6.packet_too_short';
    return false;
  }
  if (b[o]! >> 4 !== 6) {
    out.status = 'malformed';
    out.reason = 'ipv6.bad_version';
    return false;
  }
  let payloadLength = (b[o + 4]! << 8) | b[o + 5]!;
  const nh = b[o + 6]!;
  out.ipVersion = 6;
  out.ttl = b[o + 7]!;
  const src = ownAddress6(out.src6);
  const dst = ownAddress6(out.dst6);
  copyAddress6(b, o + 8, src);
  copyAddress6(b, o + 24, dst);
  out.src6 = src;
  out.dst6 = dst;
  out.proto = nh;
  out.ipHeaderLength = IPV6_HEADER;
  if (payloadLength === 0 && nh !== NO_NEXT_HEADER) {
    // A jumbogram (RFC 2675) or segmentation offload: take the frame length.
    payloadLength = wireEnd - o - IPV6_HEADER;
    out.reason = 'ipv6.zero_payload_length';
  }
  out.ipLength = IPV6_HEADER + payloadLength;
  if (o + IPV6_HEADER + payloadLength > wireEnd) {
    out.status = 'malformed';
    out.reason = 'ipv6.payload_length_exceeds';
    return false;
  }
  walkIpv6Extensions(b, nh, o + IPV6_HEADER, o + IPV6_HEADER + payloadLength, len, chain);
  out.proto = chain.proto;
  out.ipHeaderLength = chain.offset - o;
  if (chain.fragId >= 0) {
    out.ipId = chain.fragId;
    out.fragOffset = chain.fragOffset;
    out.moreFragments = chain.moreFragments;
  }
  if (chain.error !== '') {
    out.status = 'malformed';
    out.reason = chain.error;
    return false;
  }
  if (out.fragOffset > 0) {
    out.status = 'skipped';
    out.reason = 'ipv6.later-fragment';
    return false;
  }
  return true;
}
