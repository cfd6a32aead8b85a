/**
 * Captures appended one after another into one file (`cat a.pcap b.pcap`, `mergecap -a`): the
 * same capture twice, or rotated files that overlap, go back in time where the second part
 * begins. The packets that part repeats are copies, tracked once — the findings are the single
 * capture's — and counted as such; a file that cannot be read twice (gzip) is warned of.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { findingsSeen } from '../support/findings.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-appended-'));
const department = readFileSync(resolve(projectRoot, 'captures', 'department-host.pcap'));

/** The records of a classic pcap (after its 24-byte header), each with its header. */
function records(pcap: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 24; at + 16 <= pcap.length;) {
    const length = 16 + pcap.readUInt32LE(at + 8);
    out.push(pcap.subarray(at, at + length));
    at += length;
  }
  return out;
}

describe('captures appended into one file', () => {
  it('the same capture twice (cat x.pcap x.pcap): the findings of one, every packet of the second part a copy', async () => {
    const once = (await analyze([{ name: 'department-host.pcap', bytes: department }])).result;
    const packets = once.captures[0]!.packets;
    const twice = Buffer.concat([department, department.subarray(24)]);
    const { result } = await analyze([{ name: 'twice.pcap', bytes: twice }]);
    const capture = result.captures[0]!;
    expect(capture.packets).toBe(2 * packets);
    expect(capture.skipped['dup.repeated-in-capture']).toBe(packets);
    expect(findingsSeen(result)).toEqual(findingsSeen(once));
    // The capture spans 2 h: the second part goes back that far.
    expect(capture.warnings.join('\n')).toContain(
      `twice.pcap: record ${(packets + 1).toLocaleString('en-US')} goes back 2 h in time, to the capture's first time: captures appended one after another (cat, mergecap -a); ${packets.toLocaleString('en-US')} packets after it repeat ones the capture already had, each tracked once`,
    );
  });

  it('rotated files that overlap, appended: the findings of the whole capture, the overlap counted once', async () => {
    const all = records(department);
    const first = all.slice(0, Math.floor(all.length * 0.6));
    const second = all.slice(Math.floor(all.length * 0.4));
    const overlap = first.length + second.length - all.length;
    const file = join(tmp, 'appended.pcap');
    writeFileSync(file, Buffer.concat([department.subarray(0, 24), ...first, ...second]));
    const once = (await analyze([{ name: 'department-host.pcap', bytes: department }])).result;
    const { result } = await analyze([file]);
    expect(result.captures[0]!.skipped['dup.repeated-in-capture']).toBe(overlap);
    expect(findingsSeen(result)).toEqual(findingsSeen(once));
  });

  it('a gzip file of the same capture twice is read once: its copies are warned of, not found', async () => {
    const twice = gzipSync(Buffer.concat([department, department.subarray(24)]));
    const { result } = await analyze([{ name: 'twice.pcap.gz', bytes: twice }]);
    expect(result.captures[0]!.skipped['dup.repeated-in-capture']).toBeUndefined();
    expect(result.captures[0]!.warnings.join('\n')).toContain(
      'captures appended one after another (cat, mergecap -a)? A gzip file is read once, so packets after it that repeat ones before it are counted and tracked twice',
    );
  });

  it('two captures of other times appended latest first: warned of, nothing taken for a copy', async () => {
    const all = records(department);
    const half = Math.floor(all.length / 2);
    const file = join(tmp, 'latest-first.pcap');
    writeFileSync(file, Buffer.concat([department.subarray(0, 24), ...all.slice(half), ...all.slice(0, half)]));
    const { result } = await analyze([file]);
    const capture = result.captures[0]!;
    expect(capture.packets).toBe(all.length);
    expect(capture.skipped['dup.repeated-in-capture']).toBeUndefined();
    expect(capture.warnings.join('\n')).toMatch(
      /record [\d,]+ goes back .* in time, to the capture's first time: captures appended one after another \(cat, mergecap -a\)\? None of the packets after it repeats one before it/,
    );
  });
});
