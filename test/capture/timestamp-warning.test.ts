import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { corpusPath } from '../support/corpus.js';

describe('an out-of-range sub-second field', () => {
  it('is read, and one warning names the first such record and counts them all', async () => {
    const file = corpusPath('malformed/tcpdump_timestamp_invalid_nano.pcap');
    const info = await readCaptureBytes(file, readFileSync(file), () => {});
    expect(info.packets).toBe(3);
    expect(info.damage).toBeNull();
    const warnings = info.warnings.filter((w) => /out of range/.test(w));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/record 2 at byte 116/);
    expect(warnings[0]).toMatch(/\(2 records in all\)/);
  });

  it('a clean capture has no such warning', async () => {
    const writer = new PcapWriter({ linktype: 1 });
    writer.add(1_000_000, 999_999_000, new Uint8Array(60));
    const info = await readCaptureBytes('clean.pcap', writer.toBuffer(), () => {});
    expect(info.warnings).toEqual([]);
  });
});
