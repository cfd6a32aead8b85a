import { expect } from 'vitest';
import { ReusedRecord, type CaptureRecord } from '../../src/capture/index.js';
import { ANOMALIES, SKIP_REASONS, decodePacket, newPacket, payloadView, type DecodeOptions, type Packet } from '../../src/decode/index.js';
import { senderMac } from '../../src/decode/link.js';

/** Bytes from a hex literal; whitespace is ignored so frames can be laid out by layer. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A record of `caplen` captured bytes lying at `dataOffset` in `bytes`, as a reader delivers it. */
export function recordAt(bytes: Uint8Array, dataOffset: number, caplen: number, linktype = 1, origlen = caplen, index = 1): CaptureRecord {
  const r = new ReusedRecord();
  r.index = index;
  r.tsSec = 1;
  r.ts = 1;
  r.caplen = caplen;
  r.origlen = origlen;
  r.linktype = linktype;
  r.bytes = bytes;
  r.dataOffset = dataOffset;
  return r;
}

/** A record whose buffer holds exactly the frame. */
export function record(data: Uint8Array, linktype = 1, origlen = data.length, index = 1): CaptureRecord {
  return recordAt(data, 0, data.length, linktype, origlen, index);
}

/** Bytes in front of an embedded frame: an odd count, so no layer can lean on alignment. */
const JUNK_BEFORE = 37;
/** Bytes after it: more than any frame of the tests, so a read bounded by the buffer would find them. */
const JUNK_AFTER = 4096;

/**
 * The frame in the middle of a larger buffer, as a reader's buffer holds a record between
 * others: unrelated bytes before it, then `after` (default: unrelated bytes) — which a decoder
 * bounding its reads by the buffer rather than by the record would take for more of the frame.
 */
export function embeddedRecord(frame: Uint8Array, linktype = 1, origlen = frame.length, after?: Uint8Array, index = 1): CaptureRecord {
  const tail = after ?? junk(JUNK_AFTER, 0x3b);
  const bytes = junk(JUNK_BEFORE + frame.length + tail.length, 0xc5);
  bytes.set(frame, JUNK_BEFORE);
  bytes.set(tail, JUNK_BEFORE + frame.length);
  return recordAt(bytes, JUNK_BEFORE, frame.length, linktype, origlen, index);
}

/** Deterministic bytes that look like headers of every kind (IPv4/IPv6 version nibbles among them). */
function junk(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 137 + 71) & 0xff;
    out[i] = x;
  }
  return out;
}

/**
 * Decode one frame into a fresh packet; the same frame lying in a larger buffer between
 * unrelated bytes must decode to the same fields.
 */
export function decode(frame: Uint8Array | string, linktype = 1, options?: DecodeOptions, origlen?: number): Packet {
  const data = typeof frame === 'string' ? hex(frame) : frame;
  const p = newPacket();
  decodePacket(record(data, linktype, origlen ?? data.length), p, options);
  const inBuffer = newPacket();
  decodePacket(embeddedRecord(data, linktype, origlen ?? data.length), inBuffer, options);
  expect(meaningful(inBuffer)).toEqual(meaningful(p));
  return p;
}

/** The reason a packet carries is one of the catalogue's codes (or empty for a clean decode). */
export function expectCatalogued(p: Packet): void {
  if (p.status === 'skipped') expect(Object.keys(SKIP_REASONS)).toContain(p.reason);
  else if (p.status === 'malformed') expect(Object.keys(ANOMALIES)).toContain(p.reason);
  else if (p.reason !== '') expect(Object.keys(ANOMALIES)).toContain(p.reason);
}

/** The packet's fields that are meaningful for its status (IPv6 arrays only when IPv6). */
export function meaningful(p: Packet): Record<string, unknown> {
  const q = p.quoted;
  return {
    ...p,
    src6: p.ipVersion === 6 ? Array.from(p.src6) : null,
    dst6: p.ipVersion === 6 ? Array.from(p.dst6) : null,
    // Where the payload lies in the buffer is the buffer's business; its bytes are the packet's.
    payloadBuffer: null,
    payloadStart: null,
    payloadEnd: null,
    payload: Array.from(payloadView(p)),
    // So is where the sender's hardware address lies; the address is the packet's.
    macBytes: null,
    srcMacAt: null,
    senderMac: senderMac(p),
    quoted: { ...q, src6: q.ipVersion === 6 ? Array.from(q.src6) : null, dst6: q.ipVersion === 6 ? Array.from(q.dst6) : null },
  };
}

/**
 * Every prefix of a good frame, as a snapshot length would cut it: no throw, a catalogued
 * reason, `truncated` exactly when the captured payload is shorter than the IP header says,
 * malformed only with a truncated.* code, and a reused packet structure keeps nothing of the
 * previous, longer frame. The cut frame lying in a larger buffer decodes the same, whether
 * unrelated bytes follow it or the rest of the frame does (a record cut by the snapshot length
 * is still cut when the buffer goes on). Returns the status per prefix length.
 */
export function sweepPrefixes(frame: Uint8Array, linktype = 1, options: DecodeOptions = { verifyChecksums: true }): Packet['status'][] {
  const reused = newPacket();
  const statuses: Packet['status'][] = [];
  for (let n = frame.length; n >= 0; n--) {
    const cut = frame.subarray(0, n);
    decodePacket(record(cut, linktype, frame.length), reused, options);
    const fresh = newPacket();
    decodePacket(record(cut, linktype, frame.length), fresh, options);
    expect(meaningful(reused)).toEqual(meaningful(fresh));
    const inBuffer = newPacket();
    decodePacket(embeddedRecord(cut, linktype, frame.length), inBuffer, options);
    expect(meaningful(inBuffer), `prefix ${n} followed by unrelated bytes`).toEqual(meaningful(fresh));
    decodePacket(embeddedRecord(cut, linktype, frame.length, frame.subarray(n)), inBuffer, options);
    expect(meaningful(inBuffer), `prefix ${n} followed by the rest of the frame`).toEqual(meaningful(fresh));
    expectCatalogued(reused);
    if (reused.status === 'decoded' && !reused.moreFragments) {
      expect(reused.truncated).toBe(reused.payloadEnd - reused.payloadStart < reused.payloadLength);
    }
    if (reused.status === 'malformed') expect(reused.reason.startsWith('truncated.') || reused.reason === 'link.empty').toBe(true);
    statuses[n] = reused.status;
  }
  return statuses;
}
