/**
 * The Internet checksum (RFC 1071) and the transport pseudo-headers it covers
 * (RFC 793 §3.1 for IPv4, RFC 8200 §8.1 for IPv6).
 */

/** Adds the 16-bit big-endian words of `b[start, end)` to `sum` (an odd tail is padded with zero). */
export function sum16(b: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Folds a 32-bit+ running sum into 16 bits (end-around carry), not complemented. */
export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The one's-complement checksum of a byte range. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  return ~fold16(sum16(b, start, end, initial)) & 0xffff;
}

/** Sum of the pseudo-header: addresses, protocol and transport length. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  let sum = sum16(src, 0, src.length) + sum16(dst, 0, dst.length) + proto;
  if (src.length === 16) sum += Math.floor(length / 0x10000) + (length & 0xffff);
  else sum += length;
  return sum;
}
