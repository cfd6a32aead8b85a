/**
 * A capture whose two directions were stamped apart — a tap's two ports captured by two network
 * cards, a capture written from several queues — puts the firewall's resets, sent a third of a
 * millisecond after each SYN, before the SYNs they answer. callhome tells the case study the same
 * from it: the same attempts and labels, every one of them refused by the firewall, and a reset
 * source that says why no delay could be timed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { projectRoot } from '../support/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-skewed-'));

/**
 * A classic little-endian microsecond pcap of Ethernet frames restamped: `shift(inbound, k)`
 * seconds added to record k's stamp (`inbound`: an IPv4 packet from outside 192.168.0.0/16),
 * the records then written in order of their new stamps, as the sniffer would have — or, with
 * `late(k)`, of their stamps plus that many seconds: the order a capture from several queues
 * writes them in, each queue's packets a little behind.
 */
function restamped(pcap: Buffer, shift: (inbound: boolean, k: number) => number, late: (k: number) => number = () => 0): Buffer {
  expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const records: { micros: number; written: number; k: number; record: Buffer }[] = [];
  for (let at = 24; at + 16 <= pcap.length;) {
    const record = Buffer.from(pcap.subarray(at, at + 16 + pcap.readUInt32LE(at + 8)));
    const frame = record.subarray(16);
    const inbound = frame.length >= 34 && frame.readUInt16BE(12) === 0x0800 && !(frame[26] === 192 && frame[27] === 168);
    const k = records.length;
    const micros = record.readUInt32LE(0) * 1e6 + record.readUInt32LE(4) + Math.round(shift(inbound, k) * 1e6);
    records.push({ micros, written: micros + late(k) * 1e6, k, record });
    at += record.length;
  }
  records.sort((a, b) => a.written - b.written || a.k - b.k);
  for (const { micros, record } of records) {
    record.writeUInt32LE(Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
  }
  return Buffer.concat([pcap.subarray(0, 24), ...records.map((r) => r.record)]);
}

/** What the findings say of each host, as a reader compares them (periods to the second where `round`). */
const seen = (r: AnalysisResult, round = false) =>
  r.hosts.map((h) => ({
    address: h.address,
    labels: h.labels,
    groups: h.groups.map((g) => {
      const period = g.schedule.periodSeconds;
      return [g.destination, g.attempts, g.established, g.unanswered, g.resets, round && period !== null ? Math.round(period) : period];
    }),
  }));

/** A fixed sequence of fractions in [0, 1), the same on every run. */
function fractions(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Copies written so far: each its own name. */
let copies = 0;

/** The findings of `path` (under the project) and of its copy restamped and rewritten (`restamped`). */
async function beforeAndAfter(
  path: string,
  shift: (inbound: boolean, k: number) => number,
  late?: (k: number) => number,
): Promise<{ once: AnalysisResult; result: AnalysisResult }> {
  const original = resolve(projectRoot, path);
  const copy = join(tmp, `${copies++}-${basename(path)}`);
  writeFileSync(copy, restamped(readFileSync(original), shift, late));
  return { once: (await analyze([original])).result, result: (await analyze([copy])).result };
}

const CASES = [
  ['department-host.pcap', 546],
  ['consultant-laptop.pcap', 405],
] as const;

describe('a capture whose inbound direction is stamped 0.6 ms early (every firewall reset before its SYN)', () => {
  for (const [file, resets] of CASES) {
    it(`${file}: the same findings, all ${resets} resets the firewall's, stamped before the SYNs they answer`, async () => {
      const { once, result } = await beforeAndAfter(`captures/${file}`, (inbound) => (inbound ? -0.0006 : 0));
      expect(seen(result)).toEqual(seen(once));
      const source = result.resetSources[0]!;
      expect(source).toMatchObject({ attribution: 'middlebox', ttl: 255, resets, medianRttMs: null });
      expect(source.evidence).toContain('each stamped before the SYN it answers');
      expect(source.evidence).toContain('IP IDs from one counter');
      const host = result.hosts.find((h) => h.labels.includes('proxy-bypass'))!;
      expect(host.labels).toContain('blocked');
      expect(host.evidence).toContainEqual(
        expect.stringMatching(new RegExp(`^resets: ${resets} of the direct attempts were refused with TTL 255: middlebox`)),
      );
      expect(host.verdict).toMatch(/reset by a device with no router in between \(TTL 255, most likely the firewall\)/);
    });
  }
});

describe('a capture whose packets are stamped up to 0.5 ms off (some resets before their SYNs)', () => {
  it('department-host.pcap: every refused attempt counted among the resets, not only the ones stamped after their SYN', async () => {
    // Uniform within ±0.5 ms.
    const next = fractions(12345);
    const { once, result } = await beforeAndAfter('captures/department-host.pcap', () => (next() - 0.5) * 0.001);
    expect(seen(result, true)).toEqual(seen(once, true));
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', resets: 546 });
    const host = result.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host.evidence).toContainEqual(expect.stringMatching(/^resets: 546 of the direct attempts were refused with TTL 255 after ~/));
    expect(host.verdict).toContain('every attempt reset by a device with no router in between');
  });
});

describe('a firewall that answers late, or a capture whose inbound side is stamped late', () => {
  for (const late of [0.003, 0.01, 0.03]) {
    it(`department-host.pcap, every reset ${late * 1000} ms later: still the firewall on the capture's own link (TTL 255)`, async () => {
      const { once, result } = await beforeAndAfter('captures/department-host.pcap', (inbound) => (inbound ? late : 0));
      expect(seen(result)).toEqual(seen(once));
      const source = result.resetSources[0]!;
      expect(source).toMatchObject({ attribution: 'middlebox', ttl: 255, resets: 546 });
      expect(source.medianRttMs).toBeCloseTo(0.35 + late * 1000, 0);
      // Not "near-zero": what says it is on the link is its TTL.
      expect(source.evidence).toMatch(
        /one device answers for 15 addresses .*the same [\d.]+ ms delay, IP IDs from one counter, TTL 255 is an unchanged initial value/,
      );
      expect(source.evidence).not.toContain('near-zero');
    });
  }
});

describe("the lab's tap on the firewall's LAN side, its inbound side stamped 3 ms early", () => {
  it('a host that tries each source port twice: every try refused by the firewall, none left unanswered', async () => {
    // The second try of a source port follows the first by a second: its reset, stamped before it,
    // lands in the first try's connection, and the first try's own reset before that.
    const { once, result } = await beforeAndAfter('test/lab/firewall-tap.pcap', (inbound) => (inbound ? -0.003 : 0));
    expect(seen(result)).toEqual(seen(once));
    const group = result.hosts.find((h) => h.address === '192.168.0.12')!.groups[0]!;
    expect(group.unanswered).toBe(0);
    expect(group.resets.middlebox).toBe(group.attempts);
  });
});

/** beforeAndAfter of `path` with its stamps as they were, written up to 2 ms out of order (a fixed sequence from `seed`). */
function writtenOutOfOrder(path: string, seed: number): ReturnType<typeof beforeAndAfter> {
  const next = fractions(seed);
  return beforeAndAfter(
    path,
    () => 0,
    () => next() * 0.002,
  );
}

describe('a capture written out of order by up to 2 ms (several queues), its stamps right', () => {
  it('department-host.pcap: the same findings, every reset written before its SYN still its refusal, timed from it', async () => {
    const { once, result } = await writtenOutOfOrder('captures/department-host.pcap', 777);
    expect(seen(result)).toEqual(seen(once));
    expect(result.resetSources[0]).toMatchObject({ resets: 546, attempts: 546, medianRttMs: once.resetSources[0]!.medianRttMs });
    expect(result.hosts[0]!.verdict).toBe(once.hosts[0]!.verdict);
    expect(result.hosts[0]!.evidence).toEqual(once.hosts[0]!.evidence);
  });

  it("the lab's tap: a host that tries each source port twice, each try's reset written before the next try's SYN", async () => {
    const { once, result } = await writtenOutOfOrder('test/lab/firewall-tap.pcap', 4242);
    expect(seen(result)).toEqual(seen(once));
    expect(result.resetSources.map((s) => [s.attribution, s.ttl, s.resets, s.attempts])).toEqual(
      once.resetSources.map((s) => [s.attribution, s.ttl, s.resets, s.attempts]),
    );
  });
});
