/**
 * A capture in which every frame was captured twice — a mirror port copying both directions of
 * one VLAN, `tcpdump -i any` on a bridge, pktmon at two components — tells the same story as the
 * capture of each frame once: the same attempts, labels and verdicts, and the same reset source
 * with its evidence.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';

/** A classic little-endian microsecond pcap with every record followed by a copy `micros` later. */
function everyFrameTwice(pcap: Buffer, micros: number): Buffer {
  expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const parts: Buffer[] = [pcap.subarray(0, 24)];
  for (let at = 24; at + 16 <= pcap.length;) {
    const record = pcap.subarray(at, at + 16 + pcap.readUInt32LE(at + 8));
    const copy = Buffer.from(record);
    const usec = record.readUInt32LE(4) + micros;
    copy.writeUInt32LE(record.readUInt32LE(0) + Math.floor(usec / 1e6), 0);
    copy.writeUInt32LE(usec % 1e6, 4);
    parts.push(record, copy);
    at += record.length;
  }
  return Buffer.concat(parts);
}

describe('a capture of every frame twice (a mirror port copying both directions)', () => {
  it('gives the case study the same findings and the same reset source, its IP ID counter included', async () => {
    const original = resolve(projectRoot, 'captures', 'department-host.pcap');
    const twice = join(mkdtempSync(join(tmpdir(), 'callhome-twice-')), 'department-twice.pcap');
    writeFileSync(twice, everyFrameTwice(readFileSync(original), 40));
    const once = (await analyze([original])).result;
    const doubled = (await analyze([twice])).result;
    expect(doubled.captures[0]!.packets).toBe(2 * once.captures[0]!.packets);
    const seen = (r: typeof once) =>
      r.hosts.map((h) => ({
        address: h.address,
        labels: h.labels,
        groups: h.groups.map((g) => [g.destination, g.attempts, g.established, g.unanswered, g.resets, g.schedule.periodSeconds]),
      }));
    expect(seen(doubled)).toEqual(seen(once));
    const source = doubled.resetSources[0]!;
    expect(source).toMatchObject({ attribution: 'middlebox', ttl: 255, resets: once.resetSources[0]!.resets });
    // A reset seen again with its own IP ID is no step of the firewall's counter, nor one against it.
    expect(once.resetSources[0]!.evidence).toContain('IP IDs from one counter');
    expect(source.evidence).toContain('IP IDs from one counter');
  });
});
