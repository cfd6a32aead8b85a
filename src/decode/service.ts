/**
 * Service guess from the first payload bytes of a connection, Zeek DPD-style but only cheap
 * byte checks: the well-known greeting or request of each protocol.
 */

import { looksLikeDns } from './dns.js';
import { looksLikeHttpRequest, looksLikeHttpResponse } from './http.js';
import { looksLikeTlsHandshake } from './tls.js';
import { startsWith } from './text.js';

export type ServiceGuess = 'http' | 'ssl' | 'dns' | 'ssh' | 'smtp' | 'ftp' | 'pop3' | 'irc' | null;

/** RFC 4253 §4.2: both sides open with "SSH-protoversion-softwareversion". */
export function looksLikeSsh(b: Uint8Array): boolean {
  return startsWith(b, 0, 'SSH-');
}

/** SSLv2-compatible ClientHello (RFC 6101 appendix E.2): 2-byte length with the top bit, type 1. */
function looksLikeSslv2Hello(b: Uint8Array): boolean {
  return b.length >= 5 && (b[0]! & 0x80) !== 0 && b[2] === 1 && b[3] === 3 && b[4]! <= 3;
}

/** Does `b` contain the ASCII `word` (upper-case) within its first line, case-insensitively? */
function firstLineHas(b: Uint8Array, word: string): boolean {
  const n = b.length < 256 ? b.length : 256;
  outer: for (let i = 0; i + word.length <= n; i++) {
    if (b[i] === 0x0a) return false;
    for (let j = 0; j < word.length; j++) {
      let c = b[i + j]!;
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
      if (c !== word.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

function upperCommand(b: Uint8Array, command: string): boolean {
  if (b.length < command.length) return false;
  for (let i = 0; i < command.length; i++) {
    let c = b[i]!;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== command.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Which protocol the first payload of one side looks like. `fromOriginator`: the bytes were sent
 * by the side that opened the connection (request / client greeting), else by the responder
 * (banner / response).
 */
export function guessService(payload: Uint8Array, fromOriginator: boolean): ServiceGuess {
  const b = payload;
  if (b.length === 0) return null;
  if (looksLikeSsh(b)) return 'ssh';
  if (looksLikeTlsHandshake(b)) return 'ssl';
  if (fromOriginator) {
    if (upperCommand(b, 'EHLO ') || upperCommand(b, 'HELO ')) return 'smtp';
    if (upperCommand(b, 'NICK ') || upperCommand(b, 'CAP LS') || (upperCommand(b, 'USER ') && firstLineHas(b, ' :'))) return 'irc';
    if (upperCommand(b, 'USER ') || upperCommand(b, 'AUTH TLS') || upperCommand(b, 'FEAT')) return 'ftp';
    if (upperCommand(b, 'CAPA') || upperCommand(b, 'APOP ') || upperCommand(b, 'STLS')) return 'pop3';
    if (looksLikeHttpRequest(b)) return 'http';
    if (looksLikeSslv2Hello(b)) return 'ssl';
  } else {
    if (looksLikeHttpResponse(b)) return 'http';
    if (startsWith(b, 0, '+OK')) return 'pop3';
    if (startsWith(b, 0, '220')) {
      if (firstLineHas(b, 'SMTP') || firstLineHas(b, 'MAIL')) return 'smtp';
      if (firstLineHas(b, 'FTP')) return 'ftp';
      return null;
    }
    if (b[0] === 0x3a && (firstLineHas(b, ' NOTICE ') || firstLineHas(b, ' 001 '))) return 'irc';
  }
  if (looksLikeDns(b)) return 'dns';
  return null;
}
