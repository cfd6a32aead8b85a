import { expect } from 'vitest';
import type { CaptureRecord } from '../../src/capture/types.js';
import { ANOMALIES, SKIP_REASONS, decodePacket, newPacket, type DecodeOptions, type Packet } from '../../src/decode/index.js';

/** Bytes from a hex literal; whitespace is ignored so frames can be laid out by layer. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function record(data: Uint8Array, linktype = 1, origlen = data.length, index = 1): CaptureRecord {
  return { index, offset: 0, tsSec: 1, tsNsec: 0, ts: 1, caplen: data.length, origlen, linktype, interfaceId: 0, data };
}

/** Decode one frame into a fresh packet. */
export function decode(frame: Uint8Array | string, linktype = 1, options?: DecodeOptions, origlen?: number): Packet {
  const data = typeof frame === 'string' ? hex(frame) : frame;
  const p = newPacket();
  decodePacket(record(data, linktype, origlen ?? data.length), p, options);
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
    payload: Array.from(p.payload),
    quoted: { ...q, src6: q.ipVersion === 6 ? Array.from(q.src6) : null, dst6: q.ipVersion === 6 ? Array.from(q.dst6) : null },
  };
}

/**
 * Every prefix of a good frame, as a snapshot length would cut it: no throw, a catalogued
 * reason, `truncated` exactly when the captured payload is shorter than the IP header says,
 * malformed only with a truncated.* code, and a reused packet structure keeps nothing of the
 * previous, longer frame. Returns the status per prefix length.
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
    expectCatalogued(reused);
    if (reused.status === 'decoded' && !reused.moreFragments) {
      expect(reused.truncated).toBe(reused.payload.length < reused.payloadLength);
    }
    if (reused.status === 'malformed') expect(reused.reason.startsWith('truncated.') || reused.reason === 'link.empty').toBe(true);
    statuses[n] = reused.status;
  }
  return statuses;
}
