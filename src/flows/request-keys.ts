/**
 * What each request inside one connection asked for, as one number per request: a beacon asks
 * again and again for the same thing (its check-in path, the same few paths in turn, a poll of
 * one size), where a client fetching one file after another on a keep-alive connection asks for
 * something new each time — six certificate revocation lists in a row are as regular as a timer,
 * and no check-in. A number per request, not its text: a connection keeps up to
 * REQUEST_TIMES_CAP requests, and a request target can be kilobytes.
 *
 * A request read in the clear (HTTP/1.x) is keyed by its method and path, hashed: the query
 * and fragment are left out, as agents vary them (a cache-buster, an encoded id). Its key is
 * negative. Any other request (TLS, or a protocol callhome does not read) is keyed by its size
 * in bytes, zero or more: encrypted polls of one kind come out the same size or nearly.
 */

/** Keys of requests whose size, not content, was read: near-identical sizes within this share of the larger… */
const NEAR_SIZE_SHARE = 0.05;
/** …or this many bytes, for small requests (a header field a few characters longer). */
const NEAR_SIZE_BYTES = 8;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A request's key from the 32-bit FNV-1a hash of its method and path: negative, apart from sizes. */
const pathKey = (hash: number): number => -1 - (hash >>> 1);

/** The byte at which a request target's path ends: its query ('?') or fragment ('#') starts there. */
const endsPath = (c: number): boolean => c === 0x3f || c === 0x23;

/**
 * The key of the HTTP/1.x request starting at b[start, end), hashed as read ("METHOD SP path");
 * null when the bytes do not start with a request line's method and target.
 */
export function httpRequestKey(b: Uint8Array, start: number, end: number): number | null {
  let h = FNV_OFFSET;
  let i = start;
  // The method: upper-case letters, '-' and '_' (as decode/http.ts looksLikeHttpRequest).
  for (; i < end && b[i] !== 0x20; i++) {
    const c = b[i]!;
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f) || i - start > 16) return null;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  if (i === start || i >= end) return null;
  h = Math.imul(h ^ 0x20, FNV_PRIME);
  const target = ++i;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x0d || c === 0x0a || endsPath(c)) break;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return i === target ? null : pathKey(h);
}

/** The key of a request read from a log (Zeek's http.log method and uri): httpRequestKey's of the same request. */
export function loggedRequestKey(method: string, target: string): number {
  const bytes = Buffer.from(`${method} ${target}`, 'utf8');
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (i > method.length && endsPath(c)) break;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return pathKey(h);
}

/** Whether two requests' keys say they asked for the same thing: the same path, or near-identical sizes. */
function alike(a: number, b: number): boolean {
  if (a < 0 || b < 0) return a === b;
  return Math.abs(a - b) <= Math.max(NEAR_SIZE_BYTES, NEAR_SIZE_SHARE * Math.max(a, b));
}

/**
 * How many requests asked for what another of them asked for (`keys` in any order): all of a
 * beacon's, none of a download of distinct files.
 */
export function repeatedRequests(keys: readonly number[]): number {
  const sorted = Float64Array.from(keys).sort();
  let repeated = 0;
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    // Sorted, a key's equals and near sizes are beside it (path keys are negative, sizes not).
    if ((i > 0 && alike(sorted[i - 1]!, k)) || (i + 1 < sorted.length && alike(k, sorted[i + 1]!))) repeated++;
  }
  return repeated;
}
