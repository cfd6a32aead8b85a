/**
 * Copying hostile text out of a payload. Bytes are kept as they are (control characters and
 * markup included): the renderers neutralise them for their medium. Invalid UTF-8 becomes U+FFFD.
 */

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Up to this many bytes, ASCII text is made from its codes directly: the decoder's fixed call cost
 * is higher there, and above it the codes' argument list costs more (it grows with the length;
 * the decoder stays flat — 0.17 µs for 8 to 600 bytes, where the argument list took 0.14 to 3.1 µs).
 */
const SHORT_TEXT = 16;

/** A copied string of b[start, end), at most `cap` bytes. */
export function copyText(b: Uint8Array, start: number, end: number, cap: number): string {
  if (end - start > cap) end = start + cap;
  if (end <= start) return '';
  if (end - start > SHORT_TEXT) return utf8.decode(b.subarray(start, end));
  // ASCII (nearly every method, host name and header) reads the same in UTF-8 and Latin-1.
  let i = start;
  while (i < end && b[i]! < 0x80) i++;
  const view = b.subarray(start, end);
  return i === end ? String.fromCharCode.apply(null, view as unknown as number[]) : utf8.decode(view);
}

/** Bytes of a Latin-1 text being assembled (latin1Text); longer text does not fit and is refused. */
export const LATIN1_SCRATCH_BYTES = 1024;
const latin1Scratch = Buffer.alloc(LATIN1_SCRATCH_BYTES);

/**
 * The scratch buffer text is assembled in (each byte one character, ISO-8859-1): write at most
 * LATIN1_SCRATCH_BYTES bytes, then take the string with latin1Text. One string is made, not one
 * per byte.
 */
export function latin1Scratchpad(): Uint8Array {
  return latin1Scratch;
}

/** The string of the first `length` bytes of the scratchpad, each byte one character. */
export function latin1Text(length: number): string {
  return latin1Scratch.toString('latin1', 0, length);
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
