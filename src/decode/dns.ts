/**
 * DNS message peek (RFC 1035 §4.1): id, QR, RCODE, the first question name and the A / AAAA /
 * CNAME answers. Names may be compressed (§4.1.4); pointer chains are followed a bounded number
 * of times so that loops end, and names are capped at 255 bytes of wire form.
 *   header: 0 id  2 flags (QR, opcode, AA, TC, RD, RA, Z, RCODE)  4 qdcount  6 ancount
 *           8 nscount  10 arcount  12 questions
 */

import { formatIPv4, formatIPv6 } from './address.js';
import { latin1Scratchpad, latin1Text } from './text.js';

export const DNS_HEADER = 12;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const MAX_NAME = 255;
const MAX_POINTERS = 32;
/** Answers kept per message; real responses have a handful. */
const MAX_ANSWERS = 64;

/** One A, AAAA or CNAME answer. Copied strings, hostile text. */
export interface DnsAnswer {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  value: string;
  ttl: number;
}

export interface DnsPeek {
  id: number;
  response: boolean;
  rcode: number;
  /** The first question name, null when there is no question. */
  query: string | null;
  answers: DnsAnswer[];
}

/** Where a name read ended (offset after it in the message) and its text. */
interface NameRead {
  next: number;
  name: string;
}

/**
 * Read a (possibly compressed) domain name at `p`; the message starts at `base` within `b`
 * (pointers are relative to it) and ends at `end`. Returns null for a malformed name.
 */
function readName(b: Uint8Array, base: number, p: number, end: number): NameRead | null {
  // The name is assembled in the shared scratchpad (at most MAX_NAME bytes) and made a string once.
  const text = latin1Scratchpad();
  let length = 0;
  let wireLength = 0;
  let next = -1;
  let pointers = 0;
  for (;;) {
    if (p >= end) return null;
    const labelLength = b[p]!;
    if (labelLength === 0) {
      if (next < 0) next = p + 1;
      return { next, name: length === 0 ? '.' : latin1Text(length) };
    }
    const kind = labelLength & 0xc0;
    if (kind === 0xc0) {
      if (p + 2 > end) return null;
      if (next < 0) next = p + 2;
      if (++pointers > MAX_POINTERS) return null;
      const target = base + (((labelLength & 0x3f) << 8) | b[p + 1]!);
      p = target;
      continue;
    }
    if (kind !== 0) return null; // extended label types (RFC 6891 §5) are not used in practice
    if (p + 1 + labelLength > end) return null;
    wireLength += labelLength + 1;
    if (wireLength > MAX_NAME) return null;
    if (length !== 0) text[length++] = 0x2e; // '.'
    // Label bytes are kept as they are (hostile text), one character each; a dot inside a label
    // stays a dot.
    for (let i = p + 1; i <= p + labelLength; i++) text[length++] = b[i]!;
    p += 1 + labelLength;
  }
}

/**
 * Parse a DNS message (over TCP: with its 2-byte length prefix, RFC 1035 §4.2.2) held in
 * `b[start, stop)` (by default all of `b`: the tracker passes a packet's payload range, without a
 * view of it). Null when the header cannot be a DNS message; a message cut short yields what was
 * read before the cut.
 */
export function parseDns(b: Uint8Array, overTcp = false, start = 0, stop = b.length): DnsPeek | null {
  let base = start;
  let end = stop;
  if (overTcp) {
    if (end - start < 2) return null;
    base = start + 2;
    const declared = base + ((b[start]! << 8) | b[start + 1]!);
    if (declared < end) end = declared;
  }
  if (end - base < DNS_HEADER) return null;
  const id = (b[base]! << 8) | b[base + 1]!;
  const flags = (b[base + 2]! << 8) | b[base + 3]!;
  const opcode = (flags >> 11) & 0x0f;
  if (opcode > 6) return null; // opcodes in use: 0 query, 1 iquery, 2 status, 4 notify, 5 update, 6 dso
  const qdcount = (b[base + 4]! << 8) | b[base + 5]!;
  const ancount = (b[base + 6]! << 8) | b[base + 7]!;
  const peek: DnsPeek = { id, response: (flags & 0x8000) !== 0, rcode: flags & 0x0f, query: null, answers: [] };

  let p = base + DNS_HEADER;
  for (let q = 0; q < qdcount; q++) {
    const read = readName(b, base, p, end);
    if (read === null) return peek;
    if (q === 0) peek.query = read.name;
    p = read.next + 4; // type, class
    if (p > end) return peek;
  }
  for (let a = 0; a < ancount && peek.answers.length < MAX_ANSWERS; a++) {
    const read = readName(b, base, p, end);
    if (read === null) return peek;
    p = read.next;
    if (p + 10 > end) return peek;
    const type = (b[p]! << 8) | b[p + 1]!;
    const klass = (b[p + 2]! << 8) | b[p + 3]!;
    const ttl = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    const rdlength = (b[p + 8]! << 8) | b[p + 9]!;
    const rdata = p + 10;
    p = rdata + rdlength;
    if (p > end) return peek;
    if (klass !== CLASS_IN) continue;
    if (type === TYPE_A && rdlength === 4) {
      peek.answers.push({
        name: read.name,
        type: 'A',
        value: formatIPv4(((b[rdata]! << 24) | (b[rdata + 1]! << 16) | (b[rdata + 2]! << 8) | b[rdata + 3]!) >>> 0),
        ttl,
      });
    } else if (type === TYPE_AAAA && rdlength === 16) {
      peek.answers.push({ name: read.name, type: 'AAAA', value: formatIPv6(b.subarray(rdata, rdata + 16)), ttl });
    } else if (type === TYPE_CNAME) {
      // A compressed CNAME points outside its rdata: read against the whole message.
      const target = readName(b, base, rdata, end);
      if (target !== null) peek.answers.push({ name: read.name, type: 'CNAME', value: target.name, ttl });
    }
  }
  return peek;
}

/** Cheap plausibility test for a DNS message header (used by service guessing). */
export function looksLikeDns(b: Uint8Array): boolean {
  if (b.length < DNS_HEADER) return false;
  const flags = (b[2]! << 8) | b[3]!;
  const opcode = (flags >> 11) & 0x0f;
  const qdcount = (b[4]! << 8) | b[5]!;
  const ancount = (b[6]! << 8) | b[7]!;
  // Z bit zero (RFC 1035 §4.1.1; RFC 2535's AD/CD bits are allowed), one question as every
  // resolver sends, answer count bounded.
  return opcode <= 6 && (flags & 0x0040) === 0 && qdcount === 1 && ancount < 256;
}
