/**
 * Pings as attempts: a sweep of a subnet by ICMP echo is a scan for live hosts, a host that pings
 * one address on a schedule is periodic (a connectivity check more often than a beacon), and
 * every input — a capture, its conn.log, a firewall's log of any vendor — says so alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { icmpFrame, tcpFrame } from '../../src/synth/frame.js';
import { analyzeRenderers, flowsRenderers } from '../../src/report/index.js';
import { SCORE_WEIGHTS } from '../../src/analysis/labels.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-pings-'));
const T0 = 1_700_000_000;

type Frame = [number, Uint8Array];

function capture(name: string, frames: Frame[]): string {
  const writer = new PcapWriter({ linktype: 1 });
  // Another host's SYN long after: what is tested is not at the end of the capture.
  const last = Math.max(...frames.map(([ts]) => ts)) + 300;
  frames.push([last, tcpFrame({ src: '10.0.0.20', dst: '203.0.113.1', sport: 40000, dport: 443, seq: 1, flags: 'S', ttl: 64 })]);
  for (const [ts, frame] of frames.sort((a, b) => a[0] - b[0])) writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

const echo = (src: string, dst: string, sequence: number, type = 8): Uint8Array =>
  icmpFrame({ src, dst, type, code: 0, id: 77, sequence, ttl: type === 8 ? 64 : 52, data: new Uint8Array(56).fill(0x61) });

/** 10.0.0.7 pings 198.51.100.1–254, 20 a second, nothing answers. */
function sweep(): Frame[] {
  return Array.from({ length: 254 }, (_, i): Frame => [T0 + i * 0.05, echo('10.0.0.7', `198.51.100.${i + 1}`, i)]);
}

/** 10.0.0.9 pings 203.0.113.50 every `every` s, `n` times, answered 20 ms later when `answered`. */
function schedule(every: number, n: number, answered: boolean): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < n; i++) {
    frames.push([T0 + i * every, echo('10.0.0.9', '203.0.113.50', i)]);
    if (answered) frames.push([T0 + i * every + 0.02, echo('203.0.113.50', '10.0.0.9', i, 0)]);
  }
  return frames;
}

describe('pings in a capture', () => {
  it('a sweep of a /24 by ping is a scan for live hosts, its group said as pings, not port 0', async () => {
    const { result } = await analyze([capture('sweep.pcap', sweep())]);
    const host = result.hosts.find((h) => h.address === '10.0.0.7');
    expect(host?.labels).toContain('scanner');
    expect(host?.verdict).toMatch(/254 addresses by ping \(ICMP echo\)/);
    expect(host?.verdict).toMatch(/live hosts/);
    expect(host?.groups[0]).toMatchObject({ pings: 254, ports: [] });
    const text = analyzeRenderers.text(result, { color: false, width: 100 });
    expect(text).toMatch(/198\.51\.100\.0\/24 \(netblock\) ping \(ICMP echo\)/);
    expect(text).not.toMatch(/port 0/);
  });

  it('a ping every 20 s, answered, in one conversation: periodic, each ping counted, ranked below a beacon that gets through', async () => {
    const { result } = await analyze([capture('every20.pcap', schedule(20, 60, true))]);
    const host = result.hosts.find((h) => h.address === '10.0.0.9');
    expect(host?.labels).toEqual(['periodic']);
    expect(host?.groups[0]?.schedule.periodSeconds).toBeCloseTo(20, 0);
    expect(host?.verdict).toMatch(/^Pings 203\.0\.113\.50 on a schedule: one ping every 20 s/);
    expect(host?.verdict).toMatch(/~56 B of data each/);
    expect(host?.score).toBeLessThan(SCORE_WEIGHTS.beaconThrough);
  });

  it('a ping every minute never answered: periodic, every ping never answered', async () => {
    const { result } = await analyze([capture('unanswered.pcap', schedule(60, 40, false))]);
    const host = result.hosts.find((h) => h.address === '10.0.0.9');
    expect(host?.groups[0]?.attempts).toBe(40);
    expect(host?.groups[0]?.schedule.periodSeconds).toBeCloseTo(60, 0);
    expect(host?.verdict).toMatch(/never answered: one ping every 1 min/);
  });

  it('a ping of its own subnet’s broadcast address is no attempt at one host', async () => {
    const frames = Array.from({ length: 30 }, (_, i): Frame => [T0 + i * 60, echo('10.0.0.9', '10.0.0.255', i)]);
    const { result } = await analyze([capture('broadcast.pcap', frames)], { allHosts: true });
    expect(result.hosts.find((h) => h.address === '10.0.0.9')).toBeUndefined();
  });

  it('an echo reply or an ICMP error is no attempt of its sender', async () => {
    // The outside address answers pings it was sent: it pings no one.
    const { result } = await analyze([capture('replies.pcap', schedule(20, 30, true))], { allHosts: true });
    expect(result.hosts.find((h) => h.address === '203.0.113.50')).toBeUndefined();
  });

  it('read back from its conn.log, the same labels and schedule', async () => {
    const path = capture('roundtrip.pcap', [...sweep(), ...schedule(20, 60, true).map(([ts, f]): Frame => [ts + 100, f])]);
    const { result: direct } = await analyze([path]);
    const { connections } = await loadCaptures([path]);
    const log = join(tmp, 'roundtrip-conn.log');
    writeFileSync(log, flowsRenderers.zeek(connections, { color: false }));
    const { result: fromLog } = await analyze([log]);
    const shape = (r: typeof direct) => r.hosts.map((h) => [h.address, h.labels, h.groups[0]?.schedule.periodSeconds ?? null]);
    expect(shape(fromLog)).toEqual(shape(direct));
  });
});

/** Lines of a log, written to a file. */
function log(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const clock = (seconds: number): string => new Date(Date.UTC(2026, 2, 5, 9, 0, 0) + seconds * 1000).toISOString().slice(11, 19);

describe('pings in firewall logs', () => {
  it('netfilter: a denied sweep is a scan, a ping denied every 20 s a schedule of pings each refused', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 254; i++) {
      lines.push(
        `Mar  5 ${clock(Math.floor(i / 20))} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.7 DST=198.51.100.${i} LEN=84 TOS=0x00 ` +
          `PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=77 SEQ=${i}`,
      );
    }
    for (let i = 0; i < 60; i++) {
      lines.push(
        `Mar  5 ${clock(600 + 20 * i)} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.9 DST=203.0.113.50 LEN=84 TOS=0x00 ` +
          `PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=79 SEQ=${i}`,
      );
    }
    const { result } = await analyze([log('kern.log', lines)], { firewall: { year: 2026 } });
    const sweeper = result.hosts.find((h) => h.address === '10.0.5.7');
    expect(sweeper?.labels).toContain('scanner');
    expect(sweeper?.groups[0]?.pings).toBe(254);
    const pinger = result.hosts.find((h) => h.address === '10.0.5.9');
    expect(pinger?.groups[0]?.schedule.periodSeconds).toBeCloseTo(20, 0);
    expect(pinger?.verdict).toMatch(/every ping refused by a device in the path/);
  });

  it('Cisco ASA, pfSense filterlog and Windows Firewall: a denied ping is a ping', async () => {
    const asa = Array.from(
      { length: 12 },
      (_, i) =>
        `Mar  5 2026 ${clock(i * 60)} asa : %ASA-4-106023: Deny icmp src inside:10.0.5.9 dst outside:203.0.113.50 (type 8, code 0) by access-group "inside_in" [0x0, 0x0]`,
    );
    const filterlog = Array.from(
      { length: 12 },
      (_, i) =>
        `Mar  5 ${clock(i * 60)} pfSense filterlog[41298]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,5120,0,none,1,icmp,84,10.0.5.9,203.0.113.50,request,4711,${i}`,
    );
    const pfirewall = [
      '#Version: 1.5',
      '#Software: Microsoft Windows Firewall',
      '#Time Format: Local',
      '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path',
      ...Array.from({ length: 12 }, (_, i) => `2026-03-05 ${clock(i * 60)} DROP ICMP 10.0.5.9 203.0.113.50 - - 84 - - - - 8 0 - SEND`),
    ];
    for (const [name, lines] of [
      ['asa.log', asa],
      ['filterlog.log', filterlog],
      ['pfirewall.log', pfirewall],
    ] as const) {
      const { result } = await analyze([log(name, lines)], { firewall: { year: 2026 } });
      const group = result.hosts.find((h) => h.address === '10.0.5.9')?.groups[0];
      expect(group?.pings, name).toBe(12);
      expect(group?.schedule.periodSeconds, name).toBeCloseTo(60, 0);
    }
  });
});
