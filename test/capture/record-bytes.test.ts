/**
 * A record's captured bytes are where the reader's buffer holds them (`bytes` from `dataOffset`,
 * `caplen` of them), among other records; `data` is a view of exactly those bytes, made when
 * asked. Checked on captures written with the project's writer (known frames, cut by a snapshot
 * length, read whole and a few bytes at a time) and on every readable capture of the corpus.
 */
import { describe, expect, test } from 'vitest';
import { readCapture, readCaptureBytes, readCaptureStream } from '../../src/capture/index.js';
import type { CaptureRecord } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';
import { corpusPath } from '../support/corpus.js';
import { readCorpusIndex } from './corpus-index.js';

/** Frames of distinct lengths and contents; the longest exceed the snapshot length below. */
const FRAMES = [14, 60, 1, 200, 0, 97, 150, 64].map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k * 7 + 1) & 0xff));
const SNAPLEN = 128;

interface Seen {
  caplen: number;
  /** The bytes at bytes[dataOffset, dataOffset + caplen), copied. */
  captured: number[];
  /** `data`, copied. */
  data: number[];
  dataIsPlainView: boolean;
  inBounds: boolean;
  /** The buffer holds more than this record (the reader made no buffer of its own for it). */
  sharedBuffer: boolean;
}

function see(r: CaptureRecord): Seen {
  const data = r.data;
  return {
    caplen: r.caplen,
    captured: Array.from(r.bytes.subarray(r.dataOffset, r.dataOffset + r.caplen)),
    data: Array.from(data),
    dataIsPlainView: data.constructor === Uint8Array && data.length === r.caplen,
    inBounds: r.dataOffset >= 0 && r.dataOffset + r.caplen <= r.bytes.length,
    sharedBuffer: r.bytes.length > r.caplen,
  };
}

function expected(frames: Uint8Array[]): Seen[] {
  return frames.map((f) => {
    const bytes = Array.from(f.subarray(0, SNAPLEN));
    return { caplen: bytes.length, captured: bytes, data: bytes, dataIsPlainView: true, inBounds: true, sharedBuffer: true };
  });
}

function pcapFile(bigEndian: boolean): Uint8Array {
  const w = new PcapWriter({ linktype: 1, snaplen: SNAPLEN, bigEndian });
  FRAMES.forEach((f, i) => w.add(1000 + i, 0, f));
  return w.toBuffer();
}

function pcapngFile(simple: boolean): Uint8Array {
  const w = new PcapngWriter();
  const id = w.addInterface(1, { snaplen: SNAPLEN });
  FRAMES.forEach((f, i) =>
    simple ? w.addSimplePacket(f.subarray(0, SNAPLEN), f.length) : w.add(id, 1000 + i, 0, f.subarray(0, SNAPLEN), f.length),
  );
  return w.toBuffer();
}

const FILES: [string, () => Uint8Array][] = [
  ['pcap, little-endian', () => pcapFile(false)],
  ['pcap, big-endian', () => pcapFile(true)],
  ['pcapng, enhanced packet blocks', () => pcapngFile(false)],
  ['pcapng, simple packet blocks', () => pcapngFile(true)],
];

describe('a record points into the reader buffer', () => {
  test.each(FILES)('%s, read whole', async (_name, make) => {
    const seen: Seen[] = [];
    await readCaptureBytes('w', make(), (r) => seen.push(see(r)));
    expect(seen).toEqual(expected(FRAMES));
  });

  test.each(FILES)('%s, read 7 bytes at a time', async (_name, make) => {
    const file = make();
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < file.length; i += 7) chunks.push(file.slice(i, i + 7));
    const seen: Seen[] = [];
    await readCaptureStream('w', chunks, (r) => seen.push(see(r)));
    expect(seen.map((s) => ({ ...s, sharedBuffer: true }))).toEqual(expected(FRAMES));
  });
});

const readable = readCorpusIndex().filter((c) => c.packets !== null && c.packets > 0);

describe('every corpus record: data is bytes[dataOffset, dataOffset + caplen)', () => {
  test.each(readable.map((c) => [c.path] as const))('%s', async (path) => {
    let records = 0;
    let wrong = 0;
    await readCapture(corpusPath(path), (r) => {
      records++;
      const captured = Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.dataOffset, r.caplen);
      const s = r.dataOffset >= 0 && r.dataOffset + r.caplen <= r.bytes.length && r.data.length === r.caplen && captured.equals(r.data);
      if (!s) wrong++;
    });
    expect(records).toBeGreaterThan(0);
    expect(wrong).toBe(0);
  });
});
