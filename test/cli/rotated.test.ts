import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { analyze, loadCaptures } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { callhome } from './support.js';

const department = resolve(projectRoot, 'captures/department-host.pcap');

/** Cut a capture into `parts` rotated files, as `tcpdump -C` or `-G` would. */
async function rotate(file: string, parts: number): Promise<string[]> {
  const records: { tsSec: number; tsNsec: number; data: Uint8Array; origlen: number; linktype: number }[] = [];
  await readCaptureBytes(file, readFileSync(file), (r) => {
    records.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: r.data.slice(), origlen: r.origlen, linktype: r.linktype });
  });
  const dir = mkdtempSync(join(tmpdir(), 'callhome-rotated-'));
  const size = Math.ceil(records.length / parts);
  const names: string[] = [];
  for (let i = 0; i < parts; i++) {
    const writer = new PcapWriter({ linktype: records[0]!.linktype });
    for (const r of records.slice(i * size, (i + 1) * size)) writer.add(r.tsSec, r.tsNsec, r.data, r.origlen);
    const name = join(dir, `cap-${String(i).padStart(2, '0')}.pcap`);
    writeFileSync(name, writer.toBuffer());
    names.push(name);
  }
  return names;
}

describe('several captures in one call are one network', () => {
  it('rotated files given in any order give the same connections as the whole capture', async () => {
    const parts = await rotate(department, 3);
    const whole = await loadCaptures([department]);
    const shuffled = await loadCaptures([parts[2]!, parts[0]!, parts[1]!]);
    expect(shuffled.captures.map((c) => c.file)).toEqual(parts);
    const summary = (cs: typeof whole.connections) =>
      cs.map((c) => `${c.origH}:${c.origP}>${c.respH}:${c.respP} ${c.connState} ${c.history}`);
    expect(summary(shuffled.connections)).toEqual(summary(whole.connections));
  });

  it('the verdict on rotated files is the verdict on the whole capture', async () => {
    const parts = await rotate(department, 4);
    const { result: whole } = await analyze([department]);
    const { result: rotated } = await analyze([...parts].reverse());
    const host = (r: typeof whole) => r.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host(rotated).labels).toEqual(host(whole).labels);
    expect(host(rotated).groups[0]!.attempts).toBe(host(whole).groups[0]!.attempts);
    expect(host(rotated).groups[0]!.schedule.periodSeconds).toBeCloseTo(host(whole).groups[0]!.schedule.periodSeconds!, 3);
  });

  it('the CLI reports one capture object per file and one host', async () => {
    const parts = await rotate(department, 2);
    const run = await callhome(['analyze', '--format', 'json', parts[1]!, parts[0]!]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    expect(result.captures).toHaveLength(2);
    expect(result.hosts.filter((h) => h.labels.includes('proxy-bypass')).map((h) => h.address)).toEqual(['192.168.0.13']);
  });
});
