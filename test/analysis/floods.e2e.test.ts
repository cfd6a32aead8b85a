/**
 * Floods as captures show them, written with callhome's own writer: a flood is many attempts at
 * one address:port, fast, most of them not completing — not a burst of connections that are
 * answered and carry data, and never one at the host's own loopback; a flood the capture ends in
 * the middle of is still one.
 */
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisResult } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { tcpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';
import { hostActivity, outcomeWords } from '../../src/report/words.js';

const T0 = 1_700_000_000;

async function analyzeFrames(frames: TimedFrame[]): Promise<AnalysisResult> {
  frames.sort((a, b) => a.ts - b.ts);
  const { result } = await analyze([{ name: 'flood.pcap', bytes: buildPcap(frames) }], { allHosts: true });
  return result;
}

function hostOf(result: AnalysisResult, address: string) {
  const h = result.hosts.find((x) => x.address === address);
  expect(h, address).toBeDefined();
  return h!;
}

/** `n` SYNs from `src` at `dst`:`port`, `gap` seconds apart from `start`, each from a port of its own. */
function syns(src: string, dst: string, port: number, n: number, start: number, gap: number): TimedFrame[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * gap,
    frame: tcpFrame({ src, dst, sport: 20_000 + i, dport: port, seq: 1_000 + i, flags: 'S' }),
  }));
}

describe('floods', () => {
  it('a load test on the loopback — 500 connections answered and carrying data — is no flood', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 500; i++) {
      const t = T0 + i * 0.012;
      const s = new TcpSession({ client: '127.0.0.1', server: '127.0.0.1', sport: 40_000 + i, dport: 7000 });
      s.syn(t)
        .synAck(t + 0.0001)
        .ack(t + 0.0002);
      s.send(t + 0.001, 'client', 'ping\n').send(t + 0.0015, 'server', 'ping\n');
      s.fin(t + 0.002, 'client')
        .fin(t + 0.0025, 'server')
        .ack(t + 0.003);
      frames.push(...s.frames());
    }
    // The capture goes on after the test: no connection is cut off by its end.
    frames.push({ ts: T0 + 20, frame: tcpFrame({ src: '127.0.0.1', dst: '127.0.0.1', sport: 41_000, dport: 7001, seq: 1, flags: 'S' }) });
    const result = await analyzeFrames(frames);
    expect(result.hosts.flatMap((h) => h.labels)).not.toContain('flood');
    expect(result.summary.join(' ')).not.toContain('DDoS participant');
  });

  it('the same burst answered on a LAN server is no flood either: its connections complete', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 300; i++) {
      const t = T0 + i * 0.01;
      const s = new TcpSession({ client: '192.168.7.20', server: '192.168.7.5', sport: 40_000 + i, dport: 8080 });
      s.syn(t)
        .synAck(t + 0.0003)
        .ack(t + 0.0004)
        .send(t + 0.001, 'client', 'GET / HTTP/1.1\r\n\r\n');
      s.send(t + 0.002, 'server', 'HTTP/1.1 200 OK\r\n\r\n')
        .fin(t + 0.003, 'client')
        .fin(t + 0.0035, 'server')
        .ack(t + 0.004);
      frames.push(...s.frames());
    }
    frames.push({
      ts: T0 + 30,
      frame: tcpFrame({ src: '192.168.7.20', dst: '192.168.7.5', sport: 41_000, dport: 22, seq: 1, flags: 'S' }),
    });
    const h = hostOf(await analyzeFrames(frames), '192.168.7.20');
    expect(h.labels).not.toContain('flood');
    expect(h.verdict).not.toContain('DDoS');
  });

  it('SYNs hammering a closed port of the host’s own loopback are no flood', async () => {
    const frames = syns('127.0.0.1', '127.0.0.1', 9, 400, T0, 0.01);
    for (const [i, f] of frames.slice().entries()) {
      frames.push({
        ts: f.ts + 0.00005,
        frame: tcpFrame({ src: '127.0.0.1', dst: '127.0.0.1', sport: 9, dport: 20_000 + i, seq: 0, ack: 1_001 + i, flags: 'RA' }),
      });
    }
    frames.push({ ts: T0 + 30, frame: tcpFrame({ src: '127.0.0.1', dst: '127.0.0.1', sport: 41_000, dport: 7001, seq: 1, flags: 'S' }) });
    const result = await analyzeFrames(frames);
    expect(result.hosts.flatMap((h) => h.labels)).not.toContain('flood');
  });

  it('a flood the capture ends in the middle of is still a flood, its attempts said to be cut off', async () => {
    // 200 SYNs in 0.2 s, the capture ending with them: their outcome is unknown, their rate is not.
    const result = await analyzeFrames(syns('192.0.2.10', '198.51.100.5', 443, 200, T0, 0.001));
    const h = hostOf(result, '192.0.2.10');
    expect(h.labels).toContain('flood');
    expect(h.verdict).toMatch(
      /^Looks like a flood .*: 200 SYNs at 198\.51\.100\.5:443 .*all 200 connections cut off by the end of the capture/,
    );
    expect(result.summary.join(' ')).toContain('192.0.2.10 looks like a flood');
    // 200 SYNs in 199 ms are no "200 SYNs/s": under a second, the span says the pace.
    expect(h.verdict).toContain('200 SYNs at 198.51.100.5:443 in 199 ms, ');
    expect(h.evidence.find((e) => e.startsWith('flood:'))).toMatch(/^flood: 200 SYNs at 198\.51\.100\.5:443 in 199 ms, /);
  });

  it('a flood whose every SYN the capture cut off made its attempts all the same: the host and its group count them', async () => {
    const h = hostOf(await analyzeFrames(syns('192.0.2.10', '198.51.100.5', 443, 200, T0, 0.001)), '192.0.2.10');
    expect(hostActivity(h)[0]).toBe('200 attempts');
    const g = h.groups[0]!;
    expect(g).toMatchObject({ attempts: 200, cutOff: 200, established: 0, failed: 0 });
    expect(outcomeWords(g)).toBe('200 attempts: 200 cut off by the end of the capture');
  });

  it('a flood some of whose SYNs the capture cut off counts them all', async () => {
    // 600 SYNs over 12 s, the last 5 s of them cut off by the end of the capture.
    const h = hostOf(await analyzeFrames(syns('192.0.2.11', '198.51.100.6', 80, 600, T0, 0.02)), '192.0.2.11');
    expect(h.labels).toContain('flood');
    expect(h.verdict).toMatch(
      /600 SYNs at 198\.51\.100\.6:80 in 12 s \(50 SYNs\/s\).*100% of \d+ connections failing, \d+ more cut off by the end of the capture/,
    );
  });

  it('hosts whose every attempt the end of the capture cut off opened connections all the same: the summary says how many', async () => {
    // A capture ending with SYNs from 60 hosts, one each, at one server: too few for a flood (150
    // would be one, its target named: flood-targets.e2e.test.ts).
    const frames = Array.from({ length: 60 }, (_, i) => ({
      ts: T0 + 10 + i * 0.005,
      frame: tcpFrame({ src: `10.20.${i >> 4}.${(i & 15) + 1}`, dst: '10.10.10.10', sport: 30_000 + i, dport: 25565, seq: i, flags: 'S' }),
    }));
    // One connection under way when the capture started, seconds earlier.
    frames.push({
      ts: T0,
      frame: tcpFrame({ src: '10.20.99.1', dst: '10.10.10.10', sport: 50_000, dport: 22, seq: 5, ack: 9, flags: 'A' }),
    });
    const result = await analyzeFrames(frames);
    const rows = Object.fromEntries(result.quietHosts.byActivity.map((r) => [r.activity, r.hosts]));
    expect(rows).toEqual({ 'cut-off': 60, 'no-attempts': 1 });
    expect(result.summary).toContain(
      "60 attempts in the capture's last 5 s were left unjudged: it ended before they could be answered (60 hosts made no other).",
    );
    // The table's row counts the attempts its summary line names: made, though none is judged.
    expect(result.quietHosts.byActivity.find((r) => r.activity === 'cut-off')).toMatchObject({
      hosts: 60,
      attempts: 60,
      cutOff: 60,
      established: 0,
      failed: 0,
    });
  });
});
