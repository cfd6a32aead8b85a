/**
 * DNS messages (RFC 1035 §4): a query for one name, and a response that answers it through a
 * CNAME chain ending in A (or AAAA) records. Owner names after the question are written as
 * compression pointers (RFC 1035 §4.1.4) to where that name was last written, as servers do.
 */

import { isIPv6, parseIP } from './address.js';

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

export interface DnsQuerySpec {
  id: number;
  name: string;
  /** 'A' (default) or 'AAAA'. */
  qtype?: 'A' | 'AAAA';
  /** Recursion desired. Default true. */
  rd?: boolean;
}

export interface DnsResponseSpec extends DnsQuerySpec {
  /** CNAME targets in order: name → cnames[0] → cnames[1] → … */
  cnames?: string[];
  /** Addresses of the last name in the chain (IPv4 for A, IPv6 for AAAA). */
  addresses?: string[];
  /** Record TTL in seconds. Default 300. */
  ttl?: number;
  /** RCODE (3 = NXDOMAIN). Default 0. */
  rcode?: number;
}

class MessageWriter {
  private bytes: number[] = [];

  get length(): number {
    return this.bytes.length;
  }

  u8(n: number): void {
    this.bytes.push(n & 0xff);
  }

  u16(n: number): void {
    this.bytes.push((n >> 8) & 0xff, n & 0xff);
  }

  u32(n: number): void {
    this.u16(Math.floor(n / 0x10000) & 0xffff);
    this.u16(n & 0xffff);
  }

  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }

  /** Writes a name in full; returns the offset it starts at. */
  name(name: string): number {
    const at = this.bytes.length;
    for (const label of name.replace(/\.$/, '').split('.')) {
      if (!label) continue;
      const enc = new TextEncoder().encode(label);
      if (enc.length > 63) throw new RangeError(`DNS label longer than 63 bytes in ${name}`);
      this.u8(enc.length);
      this.raw(enc);
    }
    this.u8(0);
    return at;
  }

  pointer(offset: number): void {
    this.u16(0xc000 | offset);
  }

  patchU16(at: number, n: number): void {
    this.bytes[at] = (n >> 8) & 0xff;
    this.bytes[at + 1] = n & 0xff;
  }

  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function header(w: MessageWriter, id: number, flags: number, qd: number, an: number): void {
  w.u16(id);
  w.u16(flags);
  w.u16(qd);
  w.u16(an);
  w.u16(0);
  w.u16(0);
}

/** A standard query for one name. */
export function dnsQueryPayload(s: DnsQuerySpec): Uint8Array {
  const w = new MessageWriter();
  header(w, s.id, (s.rd ?? true) ? 0x0100 : 0, 1, 0);
  w.name(s.name);
  w.u16(s.qtype === 'AAAA' ? TYPE_AAAA : TYPE_A);
  w.u16(CLASS_IN);
  return w.done();
}

/** A response: the question, then the CNAME chain, then the address records. */
export function dnsResponsePayload(s: DnsResponseSpec): Uint8Array {
  const cnames = s.cnames ?? [];
  const addresses = s.addresses ?? [];
  const ttl = s.ttl ?? 300;
  const w = new MessageWriter();
  // QR, opcode 0, RD copied, RA set.
  const flags = 0x8000 | ((s.rd ?? true) ? 0x0100 : 0) | 0x0080 | ((s.rcode ?? 0) & 0x0f);
  header(w, s.id, flags, 1, cnames.length + addresses.length);
  let owner = w.name(s.name);
  w.u16(s.qtype === 'AAAA' ? TYPE_AAAA : TYPE_A);
  w.u16(CLASS_IN);
  for (const target of cnames) {
    w.pointer(owner);
    w.u16(TYPE_CNAME);
    w.u16(CLASS_IN);
    w.u32(ttl);
    const rdlengthAt = w.length;
    w.u16(0);
    owner = w.name(target);
    w.patchU16(rdlengthAt, w.length - rdlengthAt - 2);
  }
  for (const address of addresses) {
    const bytes = parseIP(address);
    w.pointer(owner);
    w.u16(isIPv6(address) ? TYPE_AAAA : TYPE_A);
    w.u16(CLASS_IN);
    w.u32(ttl);
    w.u16(bytes.length);
    w.raw(bytes);
  }
  return w.done();
}
