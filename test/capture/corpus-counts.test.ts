/**
 * Every capture of the corpus: callhome reads as many packets as capinfos reports in INDEX.md;
 * the ones capinfos could not read ('?') are refused with a one-line CaptureError or read in part
 * with a warning.
 */
import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { CaptureError, readCapture } from '../../src/capture/index.js';
import type { CaptureFileInfo } from '../../src/capture/index.js';
import { corpusPath } from '../support/corpus.js';
import { readCorpusIndex } from './corpus-index.js';

const indexed = readCorpusIndex();
const readable = indexed.filter((c) => c.packets !== null);
const unreadable = indexed.filter((c) => c.packets === null);

describe('corpus packet counts (capinfos, INDEX.md)', () => {
  test('INDEX.md lists the corpus', () => {
    expect(readable.length).toBeGreaterThan(100);
    expect(unreadable.length).toBeGreaterThan(3);
    for (const c of indexed) expect(existsSync(corpusPath(c.path)), c.path).toBe(true);
  });

  test.each(readable.map((c) => [c.path, c.packets!] as const))('%s: %i packets, no damage', async (path, packets) => {
    let delivered = 0;
    let lastIndex = 0;
    const info = await readCapture(corpusPath(path), (r) => {
      delivered++;
      expect(r.index).toBe(lastIndex + 1);
      lastIndex = r.index;
      expect(r.data.length).toBe(r.caplen);
    });
    expect(delivered).toBe(packets);
    expect(info.packets).toBe(packets);
    expect(info.damage).toBeNull();
  });

  // capinfos' duration is the latest minus the earliest timestamp, printed to the file's resolution.
  // Not tcpdump_timestamp_invalid_nano.pcap: its fractions are ≥ 1 s, which callhome carries into
  // the seconds and capinfos prints as they are ("1.1147483649").
  const timed = readable.filter((c) => c.duration !== null && c.packets! > 0 && !c.path.includes('timestamp_invalid'));
  test.each(timed.map((c) => [c.path, c.duration!, c.durationDigits] as const))(
    '%s: spans %s s as capinfos says',
    async (path, duration, digits) => {
      let first: bigint | null = null;
      let last: bigint | null = null;
      const info = await readCapture(corpusPath(path), (r) => {
        const t = BigInt(r.tsSec) * 1_000_000_000n + BigInt(r.tsNsec);
        if (first === null || t < first) first = t;
        if (last === null || t > last) last = t;
      });
      const span = Number(last! - first!) / 1e9;
      expect(Math.abs(span - duration)).toBeLessThanOrEqual(10 ** -digits);
      expect(Math.abs(info.end! - info.start! - duration)).toBeLessThan(1e-5);
    },
  );

  test.each(unreadable.map((c) => [c.path] as const))('%s: refused in one line, or read in part with a warning', async (path) => {
    let info: CaptureFileInfo;
    try {
      info = await readCapture(corpusPath(path), () => {});
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureError);
      const message = (e as CaptureError).message;
      expect(message).not.toContain('\n');
      expect(message).toContain(corpusPath(path));
      return;
    }
    expect(info.damage).not.toBeNull();
    expect(info.warnings.length).toBeGreaterThan(0);
  });
});
