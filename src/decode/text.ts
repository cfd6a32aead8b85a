/**
 * Copying hostile text out of a payload. Bytes are kept as they are (control characters and
 * markup included): the renderers neutralise them for their medium. Invalid UTF-8 becomes U+FFFD.
 */

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Text is copied into this buffer and made a string from there: no view object per string, and
 * a decode whose cost hardly grows with the length. Longer text (above every cap callhome uses)
 * goes through a view and the decoder. The buffer's UTF-8 decoding marks invalid bytes as
 * TextDecoder does (U+FFFD per maximal invalid subsequence; compared on 300,000 random byte
 * strings).
 */
export const TEXT_SCRATCH_BYTES = 4096;
const scratch = Buffer.alloc(TEXT_SCRATCH_BYTES);

/** A copied string of b[start, end), at most `cap` bytes. */
export function copyText(b: Uint8Array, start: number, end: number, cap: number): string {
  if (end - start > cap) end = start + cap;
  const length = end - start;
  if (length <= 0) return '';
  if (length > TEXT_SCRATCH_BYTES) return utf8.decode(b.subarray(start, end));
  let high = 0;
  for (let i = 0; i < length; i++) {
    const c = b[start + i]!;
    scratch[i] = c;
    high |= c;
  }
  // ASCII (nearly every method, host name and header) reads the same in UTF-8 and Latin-1.
  return scratch.toString(high < 0x80 ? 'latin1' : 'utf8', 0, length);
}

/**
 * The scratch buffer, for text assembled byte by byte (DNS names): write at most
 * TEXT_SCRATCH_BYTES bytes, then take the string with latin1Text.
 */
export function latin1Scratchpad(): Uint8Array {
  return scratch;
}

/** The string of the scratchpad's first `length` bytes, each byte one character (ISO-8859-1). */
export function latin1Text(length: number): string {
  return scratch.toString('latin1', 0, length);
}

/** ASCII case-insensitive comparison of b[at, at + name.length) with a lower-case `name`. */
export function equalsLower(b: Uint8Array, at: number, end: number, name: string): boolean {
  if (end - at !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = b[at + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** Does b start with the ASCII text `prefix` at `at`? (case-sensitive) */
export function startsWith(b: Uint8Array, at: number, prefix: string): boolean {
  if (at + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}
