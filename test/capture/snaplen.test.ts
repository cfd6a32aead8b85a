/**
 * A headers-only capture: `tcpdump -s 68` (its old default) keeps Ethernet, IPv4 and 34 of a
 * SYN's 40 bytes of TCP header. The ports, flags and sequence numbers are whole, and the analysis
 * must find what it finds in the full capture.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { icmpFrame, quoteOf, tcpFrame, udpFrame } from '../../src/synth/frame.js';

/** The pcap at `path` with every record cut to `snaplen` bytes, as tcpdump -s would have captured it. */
function cutTo(path: string, snaplen: number): Buffer {
  const b = readFileSync(path);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const header = Buffer.from(b.subarray(0, 24));
  header.writeUInt32LE(snaplen, 16);
  const out: Buffer[] = [header];
  for (let p = 24; p + 16 <= b.length;) {
    const included = b.readUInt32LE(p + 8);
    const record = Buffer.from(b.subarray(p, p + 16));
    const kept = Math.min(included, snaplen);
    record.writeUInt32LE(kept, 8);
    out.push(record, b.subarray(p + 16, p + 16 + kept));
    p += 16 + included;
  }
  return Buffer.concat(out);
}

async function analyse(path: string): Promise<AnalysisResult> {
  const run = await callhome(['analyze', '--format', 'json', path]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as AnalysisResult;
}

const hosts = (r: AnalysisResult) =>
  r.hosts.map((h) => ({
    address: h.address,
    labels: h.labels,
    groups: h.groups.map((g) => [g.attempts, g.established, g.resets.middlebox, g.schedule.periodSeconds]),
  }));

describe('a capture cut to 68 bytes a packet', () => {
  it("finds the lab firewall tap's hosts, labels, attempts, resets and schedules as the full capture does", async () => {
    const full = resolve(projectRoot, 'test/lab/firewall-tap.pcap');
    const cut = join(mkdtempSync(join(tmpdir(), 'callhome-snaplen-')), 'tap-s68.pcap');
    writeFileSync(cut, cutTo(full, 68));
    const [whole, headers] = await Promise.all([analyse(full), analyse(cut)]);
    expect(headers.hosts.length).toBeGreaterThanOrEqual(6);
    expect(hosts(headers)).toEqual(hosts(whole));
    expect(headers.resetSources.map((s) => [s.attribution, s.resets])).toEqual(whole.resetSources.map((s) => [s.attribution, s.resets]));
    const info = await callhome(['info', cut]);
    expect(info.stdout).toMatch(/tcp\.options_cut_by_snaplen/);
  });
});

describe('a capture whose packets were cut short by the sniffer', () => {
  it('says how many, to how many bytes, and that names past the cut are missing; a whole capture says nothing of it', async () => {
    const full = resolve(projectRoot, 'captures/department-host.pcap');
    const cut = join(mkdtempSync(join(tmpdir(), 'callhome-snaplen-')), 'department-s96.pcap');
    writeFileSync(cut, cutTo(full, 96));
    const run = await callhome(['analyze', '--format', 'json', cut]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    const capture = result.captures[0]!;
    expect(capture.packets).toBe(2_284);
    expect(capture.cutShort).toEqual({ packets: expect.any(Number) as number, capturedUpTo: 96 });
    const said = `of 2,284 packets were captured cut short, to 96 bytes at most (the sniffer's snapshot length)`;
    expect(capture.warnings.find((w) => w.includes(said))).toMatch(
      /names in DNS answers, HTTP requests and TLS handshakes there are missing/,
    );
    expect(run.stderr).toContain(said);
    // The update agent's attempts, resets and schedule stand on headers, which are whole.
    const whole = await analyse(full);
    expect(result.hosts[0]!.labels).toEqual(whole.hosts[0]!.labels);
    expect(whole.captures[0]!.cutShort).toBeNull();
    expect(whole.captures[0]!.warnings.join(' ')).not.toMatch(/cut short/);
  });
});

describe('a capture cut to 64 bytes a packet', () => {
  it("matches a firewall's ICMP refusals, whose quote keeps only the source port, to the attempts they refused", async () => {
    // 20 SYNs 300 s apart from 10.0.0.9 to 203.0.113.10:443 and 20 datagrams to :443 from
    // another port range, each refused by the firewall's ICMP administratively prohibited:
    // at 64 bytes the quote ends two bytes into the refused packet's header.
    const dir = mkdtempSync(join(tmpdir(), 'callhome-snaplen-'));
    const write = (snaplen: number): string => {
      const writer = new PcapWriter({ linktype: 1, snaplen });
      const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
      for (let i = 0; i < 20; i++) {
        const ts = 1_700_000_000 + i * 300;
        const syn = tcpFrame({
          src: '10.0.0.9',
          dst: '203.0.113.10',
          sport: 49700 + i,
          dport: 443,
          seq: 1_000 * (i + 1),
          flags: 'S',
          ttl: 64,
        });
        const datagram = udpFrame({
          src: '10.0.0.9',
          dst: '203.0.113.10',
          sport: 52000 + i,
          dport: 443,
          payload: new Uint8Array(1200),
          ttl: 64,
        });
        for (const [at, sent] of [
          [ts, syn],
          [ts + 1, datagram],
        ] as const) {
          add(at, sent);
          add(at + 0.0004, icmpFrame({ src: '10.0.0.1', dst: '10.0.0.9', type: 3, code: 13, quoted: quoteOf(sent), ttl: 64 }));
        }
      }
      add(
        1_700_000_000 + 20 * 300 + 60,
        tcpFrame({ src: '10.0.0.20', dst: '203.0.113.1', sport: 40000, dport: 443, seq: 1, flags: 'S', ttl: 64 }),
      );
      const path = join(dir, `icmp-s${snaplen}.pcap`);
      writeFileSync(path, writer.drain());
      return path;
    };
    const [whole, cut] = await Promise.all([analyse(write(262144)), analyse(write(64))]);
    const refused = (r: AnalysisResult) =>
      r.hosts.find((h) => h.address === '10.0.0.9')!.groups.map((g) => [g.attempts, g.resets.middlebox, g.unanswered]);
    expect(refused(whole)).toEqual([[40, 40, 0]]);
    expect(refused(cut)).toEqual(refused(whole));
  });
});
