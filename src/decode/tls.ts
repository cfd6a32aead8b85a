/**
 * TLS ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): the server_name extension (RFC 6066 §3)
 * and the ALPN protocols (RFC 7301 §3.1). Layout read:
 *   record: 0 type (22 = handshake)  1 version  3 length  5 handshake
 *   handshake: 0 type (1 = ClientHello)  1 length (24 bits)  4 client version  6 random (32)
 *     38 session id <0..32>  cipher suites <2..2^16-2>  compression methods <1..2^8-1>
 *     extensions <0..2^16-1>: type (2) length (2) data
 * Over TCP only the first record of the segment is read; a ClientHello spread over several
 * records yields the SNI only if the extension lies in the first. QUIC carries the handshake
 * message without a record header (RFC 9001 §4): it reads the message with parseClientHello.
 */

import { copyText } from './text.js';

const CONTENT_HANDSHAKE = 22;
const RECORD_HEADER = 5;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_HEADER = 4;
/** Offset of the session id in the handshake message: header, client version, random. */
const HELLO_SESSION_ID = HANDSHAKE_HEADER + 2 + 32;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const NAME_TYPE_HOST = 0;
/** RFC 1035 / RFC 6066: a host name is at most 255 bytes; keep a little slack for hostile input. */
const SNI_CAP = 512;
/** ALPN protocol names kept, and the bytes kept of each (RFC 7301: 1 to 255 bytes). */
const ALPN_NAMES_CAP = 16;
const ALPN_NAME_CAP = 255;

/** What callhome keeps of a ClientHello. */
export interface ClientHello {
  /** The first host_name of server_name; null without one, or when the message is cut before it. */
  sni: string | null;
  /** The protocols the client offers, in its order; empty without the extension. */
  alpn: string[];
}

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
  if (!looksLikeTlsHandshake(b) || b.length < RECORD_HEADER + 1) return null;
  const recordEnd = Math.min(b.length, RECORD_HEADER + ((b[3]! << 8) | b[4]!));
  const hello = parseClientHello(b, RECORD_HEADER, recordEnd);
  return hello === null ? null : { sni: hello.sni };
}

/**
 * The ClientHello handshake message at b[start, end) (no record header): null when the message
 * there is not a ClientHello, else what could be read before `end` or the message's own end.
 */
export function parseClientHello(b: Uint8Array, start: number, end: number): ClientHello | null {
  if (end > b.length) end = b.length;
  if (start >= end || b[start] !== HANDSHAKE_CLIENT_HELLO) return null;
  const hello: ClientHello = { sni: null, alpn: [] };
  if (start + HANDSHAKE_HEADER > end) return hello;
  const helloEnd = Math.min(end, start + HANDSHAKE_HEADER + ((b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!));
  let p = start + HELLO_SESSION_ID;
  if (p + 1 > helloEnd) return hello;
  p += 1 + b[p]!; // session id
  if (p + 2 > helloEnd) return hello;
  p += 2 + ((b[p]! << 8) | b[p + 1]!); // cipher suites
  if (p + 1 > helloEnd) return hello;
  p += 1 + b[p]!; // compression methods
  if (p + 2 > helloEnd) return hello;
  const extensionsEnd = Math.min(helloEnd, p + 2 + ((b[p]! << 8) | b[p + 1]!));
  p += 2;
  let sawName = false;
  let sawAlpn = false;
  while (p + 4 <= extensionsEnd) {
    const type = (b[p]! << 8) | b[p + 1]!;
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    const data = p + 4;
    if (type === EXT_SERVER_NAME && !sawName) {
      sawName = true;
      hello.sni = serverName(b, data, Math.min(data + length, extensionsEnd));
    } else if (type === EXT_ALPN && !sawAlpn) {
      sawAlpn = true;
      protocolNames(b, data, Math.min(data + length, extensionsEnd), hello.alpn);
    }
    p = data + length;
  }
  return hello;
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

/** The names of a ProtocolNameList that lie whole before `end`, into `out`. */
function protocolNames(b: Uint8Array, p: number, end: number, out: string[]): void {
  if (p + 2 > end) return;
  const listEnd = Math.min(end, p + 2 + ((b[p]! << 8) | b[p + 1]!));
  p += 2;
  while (p + 1 <= listEnd && out.length < ALPN_NAMES_CAP) {
    const length = b[p]!;
    const start = p + 1;
    if (length === 0 || start + length > listEnd) return;
    out.push(copyText(b, start, start + length, ALPN_NAME_CAP));
    p = start + length;
  }
}
