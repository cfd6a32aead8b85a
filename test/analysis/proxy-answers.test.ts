/**
 * A proxy's answer: the connection to the proxy is made whatever it decides, and only its answer
 * to the request says whether the host got anywhere — 407 to software that cannot give it
 * credentials (an update agent running without the user's), 403 to what its policy forbids.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';
import { callhome } from '../cli/support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-proxy-answers-'));
const START = Date.UTC(2024, 2, 1, 9) / 1000;
const PROXY = '10.0.0.2';

/** `host` CONNECTs through the proxy to `target` at `times`, answered `status` (200: the tunnel, then traffic). */
function connects(host: string, target: (i: number) => string, times: number[], status: string, firstPort: number): TimedFrame[] {
  const frames: TimedFrame[] = [];
  times.forEach((t, i) => {
    const s = new TcpSession({ client: host, server: PROXY, sport: firstPort + i * 3, dport: 3128, serverTtl: 64 });
    s.syn(t)
      .synAck(t + 0.0004)
      .ack(t + 0.0005)
      .send(t + 0.001, 'client', `CONNECT ${target(i)}:443 HTTP/1.1\r\nHost: ${target(i)}:443\r\nUser-Agent: Updater/1.0\r\n\r\n`)
      .send(t + 0.003, 'server', `HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    if (status.startsWith('200')) s.send(t + 0.01, 'client', 'x'.repeat(300)).send(t + 0.2, 'server', 'y'.repeat(3000));
    s.fin(t + 3, 'server')
      .fin(t + 3.001, 'client')
      .ack(t + 3.002);
    frames.push(...s.frames());
  });
  return frames;
}

function pcap(name: string, frames: TimedFrame[]): string {
  const path = join(tmp, name);
  writeFileSync(path, buildPcap(frames));
  return path;
}

/** An update agent without credentials every 5 min, and a user browsing through the same proxy. */
const office = (): string =>
  pcap('office.pcap', [
    ...connects(
      '10.0.0.5',
      () => 'update.example.com',
      Array.from({ length: 12 }, (_, i) => START + i * 300 + (i % 2) * 0.4),
      '407 Proxy Authentication Required',
      50000,
    ),
    ...connects(
      '10.0.0.6',
      (i) => `site${i}.example.org`,
      Array.from({ length: 8 }, (_, i) => START + 30 + i * 211 + ((i * i) % 17)),
      '200 Connection established',
      51000,
    ),
  ]);

const AGENT_SAYS =
  'Periodic requests the proxy turns away: one connection every 5 min to update.example.com (through the proxy); ' +
  'the proxy answered all 12 of its requests 407 (Proxy Authentication Required) — software that cannot give the proxy credentials';

describe("the proxy's answer", () => {
  it('an agent the proxy asks for credentials every 5 min is turned away, not a beacon that gets through', async () => {
    const { result } = await analyze([office()]);
    const agent = result.hosts.find((h) => h.address === '10.0.0.5')!;
    expect(agent.labels).toEqual(['periodic', 'via-proxy']);
    expect(agent.verdict).toMatch(new RegExp(`^${AGENT_SAYS.replace(/[()]/g, '\\$&')}`));
    expect(result.summary).toContain('10.0.0.5: Periodic requests the proxy turns away (update.example.com).');
    // The user whose tunnels the proxy opened is ordinary browsing.
    expect(result.hosts.find((h) => h.address === '10.0.0.6')?.verdict ?? '').not.toMatch(/turn/);
  });

  it('the conn.log callhome writes keeps the answer: read back, the same verdicts', async () => {
    const written = join(tmp, 'office.conn.log');
    expect((await callhome(['flows', '--format', 'zeek', '-o', written, office()])).code).toBe(0);
    const { result: fromCapture } = await analyze([office()]);
    const { result: fromLog } = await analyze([written]);
    expect(fromLog.hosts.map((h) => [h.address, h.labels, h.verdict])).toEqual(
      fromCapture.hosts.map((h) => [h.address, h.labels, h.verdict]),
    );
  });

  it("Zeek's http.log status_code gives the proxy's answer too", async () => {
    const conn = [
      '#separator \\x09',
      '#path\tconn',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\torig_pkts\tresp_pkts',
      ...Array.from(
        { length: 12 },
        (_, i) => `${(START + i * 300).toFixed(6)}\tCu${i}\t10.0.0.5\t${50000 + i}\t${PROXY}\t3128\ttcp\tSF\tShADadFf\t5\t4`,
      ),
    ];
    const http = [
      '#separator \\x09',
      '#path\thttp',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tuser_agent\tstatus_code',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `${(START + i * 300 + 0.001).toFixed(6)}\tCu${i}\t10.0.0.5\t${50000 + i}\t${PROXY}\t3128\tCONNECT\tupdate.example.com\tupdate.example.com:443\tUpdater/1.0\t407`,
      ),
    ];
    const dir = mkdtempSync(join(tmp, 'zeek-'));
    writeFileSync(join(dir, 'conn.log'), `${conn.join('\n')}\n`);
    writeFileSync(join(dir, 'http.log'), `${http.join('\n')}\n`);
    const { result } = await analyze([dir]);
    expect(result.hosts.find((h) => h.address === '10.0.0.5')!.verdict).toMatch(
      /the proxy answered all 12 of its requests 407 \(Proxy Authentication Required\)/,
    );
  });

  it('a host the proxy forbids now and then, on no schedule, is said to be turned away', async () => {
    const times = [0, 410, 530, 1900, 2100, 3300].map((s) => START + s);
    const { result } = await analyze([
      pcap(
        'forbidden.pcap',
        connects('10.0.0.8', (i) => `game${i}.example.net`, times, '403 Forbidden', 52000),
      ),
    ]);
    expect(result.hosts.find((h) => h.address === '10.0.0.8')!.verdict).toMatch(
      /^Turned away by the proxy .*: 6 connections through it to 6 destinations, and the proxy answered all 6 of its requests 403 \(Forbidden\); nothing regular\./,
    );
  });
});

describe('a beacon the proxy lets through', () => {
  it('is said to go to the name it asks for through the proxy, not to an internal address', async () => {
    const times = Array.from({ length: 12 }, (_, i) => START + i * 60 + (i % 3) * 0.7);
    const { result } = await analyze([
      pcap(
        'beacon.pcap',
        connects('10.0.0.9', () => 'cdn.c2-example.net', times, '200 Connection established', 53000),
      ),
    ]);
    const beacon = result.hosts.find((h) => h.address === '10.0.0.9')!;
    expect(beacon.labels).toEqual(['periodic', 'via-proxy']);
    expect(beacon.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one connection every 1 min (1 s )?to cdn\.c2-example\.net \(through the proxy\), ~\d+ B out per connection;/,
    );
    expect(beacon.verdict).not.toContain('internal address');
  });
});

describe('compare, of hosts on a schedule through the proxy', () => {
  it('says what they do — not "periodic attempts that fail"', async () => {
    const run = await callhome(['compare', office(), office()]);
    expect(run.code).toBe(0);
    const words = run.stdout.replace(/\s+/g, ' ');
    expect(words).toMatch(/10\.0\.0\.5: a periodic connection through the proxy/);
    expect(words).not.toMatch(/periodic attempts that fail/);
  });
});
