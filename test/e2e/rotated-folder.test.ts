/**
 * A folder of captures as an analyst receives it: rotated files of one sniffer that overlap, a
 * copy of one of them in another folder, a stretch the sniffer lost, a second sniffer on the same
 * link with its own clock — written with callhome's own writer from the case study's capture.
 * Packets seen twice are tracked once, and the findings are those of the one timeline.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, type AnalysisResult } from '../../src/index.js';
import { readCaptureBytes } from '../../src/capture/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { tcpFrame } from '../../src/synth/frame.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';

const DUP = 'dup.seen-in-earlier-capture';

async function framesOf(path: string): Promise<TimedFrame[]> {
  const frames: TimedFrame[] = [];
  await readCaptureBytes(path, new Uint8Array(readFileSync(path)), (r) => frames.push({ ts: r.ts, frame: r.data.slice() }));
  return frames;
}

/** What the findings say, without the list of input files. */
const findings = (r: AnalysisResult) => ({ hosts: r.hosts, proxies: r.proxies, resetSources: r.resetSources, summary: r.summary });

/** IPv4 frames among `frames` (Ethernet type 0x0800): the ones callhome tracks. */
const ipv4 = (frames: TimedFrame[]) => frames.filter((f) => f.frame[12] === 0x08 && f.frame[13] === 0x00).length;

describe('a folder of rotated, overlapping captures with copies and a gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-rotated-'));
  let timeline: TimedFrame[] = [];
  let expectedCopies = 0;

  beforeAll(async () => {
    const all = await framesOf(resolve(projectRoot, 'captures/department-host.pcap'));
    // The sniffer lost ten minutes in the middle: the one timeline is what is left.
    const t0 = all[0]!.ts;
    timeline = all.filter((f) => f.ts < t0 + 3000 || f.ts >= t0 + 3600);
    writeFileSync(join(dir, 'timeline.pcap'), buildPcap(timeline));
    // Three rotated files, each starting a little before the previous one ended.
    const n = timeline.length;
    const cut = (a: number, b: number) => timeline.slice(Math.floor(a * n), Math.floor(b * n));
    const parts = [cut(0, 0.4), cut(0.35, 0.75), cut(0.7, 1)];
    const rotated = join(dir, 'sniffer');
    mkdirSync(join(rotated, 'again'), { recursive: true });
    // Named so that name order is not time order.
    writeFileSync(join(rotated, 'cap-c.pcap'), buildPcap(parts[0]!));
    writeFileSync(join(rotated, 'cap-a.pcap'), buildPcap(parts[1]!));
    writeFileSync(join(rotated, 'cap-b.pcap'), buildPcap(parts[2]!));
    // The first file handed over twice, in a folder of its own.
    writeFileSync(join(rotated, 'again', 'cap-c-copy.pcap'), buildPcap(parts[0]!));
    writeFileSync(join(rotated, 'notes.txt'), 'rotated hourly by tcpdump -G\n');
    expectedCopies = ipv4(cut(0.35, 0.4)) + ipv4(cut(0.7, 0.75)) + ipv4(parts[0]!);
  });

  it('finds what the one timeline shows, and counts every copy it dropped', async () => {
    const { result: one } = await analyze([join(dir, 'timeline.pcap')]);
    const { result: folder, loaded } = await analyze([join(dir, 'sniffer')]);
    expect(loaded.captures).toHaveLength(4);
    const copies = loaded.captures.reduce((s, c) => s + (c.skipped[DUP] ?? 0), 0);
    expect(copies).toBe(expectedCopies);
    expect(findings(folder)).toEqual(findings(one));
    const host = folder.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host.verdict).toContain('bursts of 14 attempts (1 attempt/s) every 31 s');
  });

  it('the run says how many packets were copies, and names the file that is not a capture', async () => {
    const run = await callhome(['analyze', join(dir, 'sniffer')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^callhome: 4 captures, [\\d,]+ packets \\(${expectedCopies.toLocaleString('en-US')} of them copies`),
    );
    expect(run.stderr).toContain('notes.txt');
  });

  it('a second sniffer on the same link, its clock 0.4 s off and its frames tagged, adds nothing', async () => {
    const second = timeline.map((f) => {
      // An 802.1Q tag after the MAC addresses: the frames as a trunk port mirrors them.
      const tagged = new Uint8Array(f.frame.length + 4);
      tagged.set(f.frame.subarray(0, 12), 0);
      tagged.set([0x81, 0x00, 0x00, 0x0a], 12);
      tagged.set(f.frame.subarray(12), 16);
      return { ts: f.ts + 0.4, frame: tagged };
    });
    writeFileSync(join(dir, 'second-sniffer.pcap'), buildPcap(second));
    const { result: one } = await analyze([join(dir, 'timeline.pcap')]);
    const { result: both, loaded } = await analyze([join(dir, 'timeline.pcap'), join(dir, 'second-sniffer.pcap')]);
    expect(loaded.captures[1]!.skipped[DUP]).toBe(ipv4(timeline));
    expect(both.hosts.map((h) => [h.address, h.labels, h.groups.map((g) => g.schedule.periodSeconds)])).toEqual(
      one.hosts.map((h) => [h.address, h.labels, h.groups.map((g) => g.schedule.periodSeconds)]),
    );
  });
});

describe('many copies of one small capture', () => {
  it('3,000 copies of a refused SYN are one attempt, not a flood', async () => {
    const frames: TimedFrame[] = [
      { ts: 1_700_000_000, frame: tcpFrame({ src: '192.168.5.10', dst: '203.0.113.80', sport: 40001, dport: 80, seq: 1, flags: 'S' }) },
      {
        ts: 1_700_000_000.02,
        frame: tcpFrame({ src: '203.0.113.80', dst: '192.168.5.10', sport: 80, dport: 40001, seq: 0, ack: 2, flags: 'RA' }),
      },
    ];
    const bytes = buildPcap(frames);
    const inputs = Array.from({ length: 3000 }, (_, i) => ({ name: `copy-${i}.pcap`, bytes }));
    const { result, loaded } = await analyze(inputs);
    expect(loaded.connections).toHaveLength(1);
    expect(loaded.captures.reduce((s, c) => s + (c.skipped[DUP] ?? 0), 0)).toBe(2 * 2999);
    expect(result.hosts.flatMap((h) => h.labels)).not.toContain('flood');
  });

  it('retransmissions identical to their original are kept: copies pair off one to one', async () => {
    // The same SYN sent three times by a stack with a fixed IP ID (0 with DF), seen by one sniffer,
    // and a second capture that has only the first of them: two retransmissions remain.
    const syn = tcpFrame({ src: '192.168.5.11', dst: '203.0.113.81', sport: 40002, dport: 443, seq: 7, flags: 'S' });
    const three: TimedFrame[] = [0, 1, 3].map((d) => ({ ts: 1_700_000_100 + d, frame: syn }));
    const { loaded } = await analyze([
      { name: 'full.pcap', bytes: buildPcap(three) },
      { name: 'partial.pcap', bytes: buildPcap(three.slice(0, 1)) },
    ]);
    expect(loaded.captures.map((c) => c.skipped[DUP] ?? 0)).toEqual([0, 1]);
    expect(loaded.connections.get(0).synCount).toBe(3);
  });
});
