/**
 * Copying hostile text out of a payload. Bytes are kept as they are (control characters and
 * markup included): the renderers neutralise them for their medium. Invalid UTF-8 becomes U+FFFD.
 */

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A copied string of b[start, end), at most `cap` bytes. */
export function copyText(b: Uint8Array, start: number, end: number, cap: number): string {
  if (end - start > cap) end = start + cap;
  if (end <= start) return '';
  // ASCII (nearly every host name, path and header) reads the same in UTF-8 and Latin-1: make the
  // string from the codes without the decoder's call overhead.
  let i = start;
  while (i < end && b[i]! < 0x80) i++;
  const view = b.subarray(start, end);
  return i === end ? String.fromCharCode.apply(null, view as unknown as number[]) : utf8.decode(view);
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
