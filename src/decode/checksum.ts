/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit words. Sums are kept
 * unfolded in a double (no overflow below 2^53 bytes) and folded once at the end.
 */

/** Unfolded sum of the big-endian 16-bit words of b[start, end); an odd last byte is padded with zero. */
export function sumWords(b: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  let i = start;
  // Four bytes a step: two words, fewer loop iterations over full-size segments.
  const last4 = end - 3;
  for (; i < last4; i += 4) sum += ((b[i]! << 8) | b[i + 1]!) + ((b[i + 2]! << 8) | b[i + 3]!);
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i === last) sum += b[i]! << 8;
  return sum;
}

/** Fold an unfolded sum to 16 bits; a correct checksum over data that includes it folds to 0xffff. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Pseudo-header sum for IPv4 (RFC 9293 §3.1) without the transport length, which the transport
 * decoder adds (an unfolded sum may take it whole: 2^16 ≡ 1 in one's-complement arithmetic).
 */
export function pseudoSum4(src: number, dst: number, proto: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto;
}

/** Pseudo-header sum for IPv6 (RFC 8200 §8.1) without the length: the 32 address bytes and next header. */
export function pseudoSum6(b: Uint8Array, addressOffset: number, proto: number): number {
  return sumWords(b, addressOffset, addressOffset + 32, 0) + proto;
}
