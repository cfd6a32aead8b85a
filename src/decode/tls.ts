/**
 * TLS ClientHello peek (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) for the server_name extension
 * (RFC 6066 §3). Layout read:
 *   record: 0 type (22 = handshake)  1 version  3 length  5 handshake
 *   handshake: 0 type (1 = ClientHello)  1 length (24 bits)  4 client version  6 random (32)
 *     38 session id <0..32>  cipher suites <2..2^16-2>  compression methods <1..2^8-1>
 *     extensions <0..2^16-1>: type (2) length (2) data
 * Only the first record of the segment is read; a ClientHello spread over several records
 * yields the SNI only if the extension lies in the first.
 */

import { copyText } from './text.js';

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const NAME_TYPE_HOST = 0;
/** RFC 1035 / RFC 6066: a host name is at most 255 bytes; keep a little slack for hostile input. */
const SNI_CAP = 512;

/** Cheap test for a TLS (or SSL 3) handshake record at the start of a segment. */
export function looksLikeTlsHandshake(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === CONTENT_HANDSHAKE && b[1] === 3 && b[2]! <= 4;
}

/**
 * The server name of a ClientHello at the start of `payload`: `{ sni: null }` for a ClientHello
 * without one (or cut before it), null when the segment does not start with a ClientHello.
 */
export function peekTlsClientHello(payload: Uint8Array): { sni: string | null } | null {
  const b = payload;
  if (!looksLikeTlsHandshake(b) || b.length < 6 || b[5] !== HANDSHAKE_CLIENT_HELLO) return null;
  const recordEnd = Math.min(b.length, 5 + ((b[3]! << 8) | b[4]!));
  const helloEnd = Math.min(recordEnd, 9 + ((b[6]! << 16) | (b[7]! << 8) | b[8]!));
  let p = 9 + 2 + 32;
  if (p + 1 > helloEnd) return { sni: null };
  p += 1 + b[p]!; // session id
  if (p + 2 > helloEnd) return { sni: null };
  p += 2 + ((b[p]! << 8) | b[p + 1]!); // cipher suites
  if (p + 1 > helloEnd) return { sni: null };
  p += 1 + b[p]!; // compression methods
  if (p + 2 > helloEnd) return { sni: null };
  const extensionsEnd = Math.min(helloEnd, p + 2 + ((b[p]! << 8) | b[p + 1]!));
  p += 2;
  while (p + 4 <= extensionsEnd) {
    const type = (b[p]! << 8) | b[p + 1]!;
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    const data = p + 4;
    if (type === EXT_SERVER_NAME) return { sni: serverName(b, data, Math.min(data + length, extensionsEnd)) };
    p = data + length;
  }
  return { sni: null };
}

/** The first host_name entry of a ServerNameList. */
function serverName(b: Uint8Array, p: number, end: number): string | null {
  if (p + 2 > end) return null;
  const listEnd = Math.min(end, p + 2 + ((b[p]! << 8) | b[p + 1]!));
  p += 2;
  while (p + 3 <= listEnd) {
    const nameType = b[p]!;
    const length = (b[p + 1]! << 8) | b[p + 2]!;
    const start = p + 3;
    if (nameType === NAME_TYPE_HOST) {
      if (start + length > listEnd || length === 0) return null;
      return copyText(b, start, start + length, SNI_CAP);
    }
    p = start + length;
  }
  return null;
}
