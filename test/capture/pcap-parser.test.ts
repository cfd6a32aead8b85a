/**
 * Differential test against the `pcap-parser` package (the reference the product's design
 * names): every classic pcap of the corpus that it can read gives the same records from both —
 * timestamps, captured and wire lengths, bytes.
 */
import { describe, expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { CaptureError, readCapture } from '../../src/capture/index.js';
import { corpusPath } from '../support/corpus.js';
import { readCorpusIndex } from './corpus-index.js';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(input: string): import('node:events').EventEmitter };

interface Rec {
  sec: number;
  usec: number;
  caplen: number;
  origlen: number;
  hex: string;
}

/** Records as pcap-parser reads them, or the error it stops with. */
function readWithPcapParser(path: string): Promise<{ records: Rec[]; error: string | null }> {
  return new Promise((resolve) => {
    const records: Rec[] = [];
    let error: string | null = null;
    const parser = pcapParser.parse(path);
    parser.on(
      'packet',
      (p: {
        header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
        data: Buffer;
      }) => {
        records.push({
          sec: p.header.timestampSeconds,
          usec: p.header.timestampMicroseconds,
          caplen: p.header.capturedLength,
          origlen: p.header.originalLength,
          hex: p.data.toString('hex'),
        });
      },
    );
    parser.on('error', (e: Error) => {
      error = e.message;
    });
    parser.on('end', () => resolve({ records, error }));
  });
}

/** Why pcap-parser cannot read a file, from its magic number (it knows only a1b2c3d4 µs pcap, 2.4). */
function pcapParserLimit(path: string): string | null {
  const head = readFileSync(corpusPath(path)).subarray(0, 4).toString('hex');
  if (head === '0a0d0d0a') return 'pcapng';
  if (head === '4d3cb2a1' || head === 'a1b23c4d') return 'nanosecond pcap';
  if (head === '34cdb2a1' || head === 'a1b2cd34') return 'modified (Kuznetzov) pcap: 24-byte record headers';
  if (head !== 'd4c3b2a1' && head !== 'a1b2c3d4') return `not a pcap (magic ${head})`;
  return null;
}

const all = readCorpusIndex();
const comparable = all.filter((c) => pcapParserLimit(c.path) === null);
const beyond = all.filter((c) => pcapParserLimit(c.path) !== null);

/**
 * Files pcap-parser reads that libpcap and capinfos refuse: pcap-parser checks the version with
 * `major != 2 && minor != 4`, so a 1.4 header passes it.
 */
const REFUSED_BY_LIBPCAP = new Set([
  'malformed/libpcap_pcap-invalid-version-1.pcap',
  'malformed/libpcap_linktype-reserved-field-not-zero.pcap',
]);

describe('the same records as pcap-parser', () => {
  test('the corpus has classic pcaps to compare', () => {
    expect(comparable.length).toBeGreaterThan(60);
  });

  test.each(comparable.map((c) => [c.path] as const))('%s', async (path) => {
    const theirs = await readWithPcapParser(corpusPath(path));
    if (REFUSED_BY_LIBPCAP.has(path)) {
      await expect(readCapture(corpusPath(path), () => {})).rejects.toBeInstanceOf(CaptureError);
      return;
    }
    expect(theirs.error).toBeNull();
    const ours: Rec[] = [];
    let dataDiffers = 0;
    const info = await readCapture(corpusPath(path), (r) => {
      // The record's bytes where the reader left them, and the `data` view made on request: both
      // must be pcap-parser's bytes.
      const captured = Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.dataOffset, r.caplen);
      if (!captured.equals(r.data)) dataDiffers++;
      ours.push({
        sec: r.tsSec,
        usec: r.tsNsec / 1000,
        caplen: r.caplen,
        origlen: r.origlen,
        hex: captured.toString('hex'),
      });
    });
    expect(dataDiffers).toBe(0);
    expect(info.damage).toBeNull();
    expect(ours.length).toBe(theirs.records.length);
    expect(ours).toEqual(theirs.records);
  });

  test.each(beyond.map((c) => [c.path, pcapParserLimit(c.path)!, c.packets] as const))(
    '%s: pcap-parser cannot read it (%s); callhome reads %s packets',
    async (path, _why, packets) => {
      const theirs = await readWithPcapParser(corpusPath(path));
      expect(theirs.error).not.toBeNull();
      expect(theirs.records).toHaveLength(0);
      if (packets === null) return;
      let n = 0;
      await readCapture(corpusPath(path), () => void n++);
      expect(n).toBe(packets);
    },
  );
});
