/**
 * HTTP/1.x peeks (RFC 9112): the request line with Host, User-Agent and proxy signs; the status
 * line of a response. Only the first bytes of a segment are read, and header text is capped:
 * the content is hostile.
 */

import { copyText, equalsLower, startsWith } from './text.js';

/** How much of a segment the peeks read at most. */
export const HTTP_PEEK_WINDOW = 8192;
/** Longest header value / request target kept. */
export const HTTP_TEXT_CAP = 2048;
/** Longest method token accepted (RFC 9110 methods in use are short). */
const MAX_METHOD = 16;
const MAX_VIA_HEADERS = 16;

/** What the first bytes of an HTTP request say. Copied strings, hostile text. */
export interface HttpRequestPeek {
  method: string;
  /** The request target as sent: '/path', 'http://host/path' or 'host:port' (CONNECT). */
  target: string;
  host: string | null;
  userAgent: string | null;
  /** 'absolute' for GET http://..., 'connect' for CONNECT, null for origin-form. */
  proxyForm: 'absolute' | 'connect' | null;
  /** Headers that show the request already went through a proxy (Via, X-Forwarded-For). */
  viaHeaders: string[];
  /**
   * The status of the answer to it, when one was seen: a proxy's word on a CONNECT or a request
   * (200, 403 Forbidden, 407 Proxy Authentication Required) as much as a server's.
   */
  status?: number;
}

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** RFC 9110 §5.6.2 tchar for an upper-case method token (methods are case-sensitive, upper by custom). */
function isMethodChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;
}

/** Is this the start of an HTTP/1.x request line? Checks "METHOD SP" with an upper-case token. */
export function looksLikeHttpRequest(b: Uint8Array): boolean {
  const n = b.length < MAX_METHOD + 1 ? b.length : MAX_METHOD + 1;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === SP) return i >= 3;
    if (!isMethodChar(c)) return false;
  }
  return false;
}

export function looksLikeHttpResponse(b: Uint8Array): boolean {
  return startsWith(b, 0, 'HTTP/1.') || startsWith(b, 0, 'HTTP/2 ');
}

/** Does b[from, end) start with "HTTP/", or is it a prefix of it cut by the end of the segment? */
function versionPrefix(b: Uint8Array, from: number, end: number): boolean {
  const version = 'HTTP/';
  for (let i = 0; i < version.length; i++) {
    if (from + i >= end) return end === b.length;
    if (b[from + i] !== version.charCodeAt(i)) return false;
  }
  return true;
}

function lineEnd(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === LF) return i;
  return -1;
}

function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (end > start && (b[end - 1] === CR || b[end - 1] === SP || b[end - 1] === 0x09)) end--;
  return end;
}

/**
 * The request line and the headers callhome uses, from the first bytes of an originator's
 * segment; null when it does not start with an HTTP/1.x request line.
 */
export function peekHttpRequest(payload: Uint8Array): HttpRequestPeek | null {
  if (!looksLikeHttpRequest(payload)) return null;
  const end = payload.length < HTTP_PEEK_WINDOW ? payload.length : HTTP_PEEK_WINDOW;
  let methodEnd = 0;
  while (payload[methodEnd] !== SP) methodEnd++;
  const targetStart = methodEnd + 1;
  const firstLineEnd = lineEnd(payload, targetStart, end);
  const requestLineEnd = firstLineEnd < 0 ? end : trimEnd(payload, targetStart, firstLineEnd);
  let targetEnd = targetStart;
  while (targetEnd < requestLineEnd && payload[targetEnd] !== SP) targetEnd++;
  // "METHOD target HTTP/1.x": without the version this is not HTTP/1 (HTTP/0.9 aside).
  if (targetEnd === targetStart) return null;
  if (targetEnd < requestLineEnd && !versionPrefix(payload, targetEnd + 1, requestLineEnd)) return null;
  if (targetEnd >= requestLineEnd && firstLineEnd >= 0) return null;

  const method = copyText(payload, 0, methodEnd, MAX_METHOD);
  const target = copyText(payload, targetStart, targetEnd, HTTP_TEXT_CAP);
  let proxyForm: HttpRequestPeek['proxyForm'] = null;
  if (method === 'CONNECT') proxyForm = 'connect';
  else if (
    equalsLower(payload, targetStart, Math.min(targetStart + 7, targetEnd), 'http://') ||
    equalsLower(payload, targetStart, Math.min(targetStart + 8, targetEnd), 'https://')
  )
    proxyForm = 'absolute';

  let host: string | null = null;
  let userAgent: string | null = null;
  const viaHeaders: string[] = [];
  let p = firstLineEnd < 0 ? end : firstLineEnd + 1;
  while (p < end) {
    const e = lineEnd(payload, p, end);
    const stop = e < 0 ? end : e;
    const valueEnd = trimEnd(payload, p, stop);
    if (valueEnd === p) break; // the empty line ends the header section
    let colon = p;
    while (colon < valueEnd && payload[colon] !== COLON) colon++;
    if (colon < valueEnd) {
      let v = colon + 1;
      while (v < valueEnd && (payload[v] === SP || payload[v] === 0x09)) v++;
      if (host === null && equalsLower(payload, p, colon, 'host')) host = copyText(payload, v, valueEnd, HTTP_TEXT_CAP);
      else if (userAgent === null && equalsLower(payload, p, colon, 'user-agent'))
        userAgent = copyText(payload, v, valueEnd, HTTP_TEXT_CAP);
      else if (
        (equalsLower(payload, p, colon, 'via') || equalsLower(payload, p, colon, 'x-forwarded-for')) &&
        viaHeaders.length < MAX_VIA_HEADERS
      ) {
        viaHeaders.push(copyText(payload, v, valueEnd, HTTP_TEXT_CAP));
      }
    }
    if (e < 0) break;
    p = e + 1;
  }
  return { method, target, host, userAgent, proxyForm, viaHeaders };
}

/** Status code and Via headers of an HTTP/1.x response; null when the segment is not one. */
export function peekHttpResponse(payload: Uint8Array): { status: number; via: string[] } | null {
  if (!startsWith(payload, 0, 'HTTP/1.') || payload.length < 12) return null;
  // "HTTP/1.x SP 3DIGIT"
  if (payload[8] !== SP) return null;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const c = payload[i]!;
    if (c < 0x30 || c > 0x39) return null;
    status = status * 10 + (c - 0x30);
  }
  const end = payload.length < HTTP_PEEK_WINDOW ? payload.length : HTTP_PEEK_WINDOW;
  const via: string[] = [];
  const first = lineEnd(payload, 12, end);
  let p = first < 0 ? end : first + 1;
  while (p < end) {
    const e = lineEnd(payload, p, end);
    const stop = e < 0 ? end : e;
    const valueEnd = trimEnd(payload, p, stop);
    if (valueEnd === p) break;
    let colon = p;
    while (colon < valueEnd && payload[colon] !== COLON) colon++;
    if (colon < valueEnd && equalsLower(payload, p, colon, 'via') && via.length < MAX_VIA_HEADERS) {
      let v = colon + 1;
      while (v < valueEnd && (payload[v] === SP || payload[v] === 0x09)) v++;
      via.push(copyText(payload, v, valueEnd, HTTP_TEXT_CAP));
    }
    if (e < 0) break;
    p = e + 1;
  }
  return { status, via };
}
