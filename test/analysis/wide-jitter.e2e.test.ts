/**
 * A C2 agent that randomises its sleep widely (Empire's d·(1 ± j), j = 0.8) and opens a second
 * connection now and then in a check-in, read from a capture: the host is periodic, and its
 * verdict says the sleep and the range it is drawn from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';
import { random } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-wide-jitter-'));
const T0 = Date.UTC(2024, 4, 6, 9) / 1000;
const AGENT = '192.168.1.46';
const SERVER = '203.0.113.161';

/** One HTTP exchange on a connection of its own, closed with FINs from both sides. */
function exchange(client: string, server: string, sport: number, t: number, path: string): TimedFrame[] {
  const s = new TcpSession({ client, server, sport, dport: 80, serverTtl: 52 });
  const request = `GET ${path} HTTP/1.1\r\nHost: ${server}\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko\r\n\r\n`;
  s.syn(t)
    .synAck(t + 0.03)
    .ack(t + 0.031)
    .send(t + 0.032, 'client', request)
    .send(t + 0.07, 'server', `HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n${'x'.repeat(300)}`)
    .fin(t + 0.071, 'server')
    .fin(t + 0.072, 'client')
    .ack(t + 0.1, 'server');
  return s.frames();
}

describe('a C2 agent with a wide random jitter', () => {
  it('an agent sleeping 8 s ± 80 % for a hundred check-ins, some of two connections, is periodic with its range said', async () => {
    const rnd = random(4680);
    const frames: TimedFrame[] = [];
    let t = T0;
    let port = 49_200;
    for (let checkIn = 0; checkIn < 100; checkIn++) {
      frames.push(...exchange(AGENT, SERVER, port++, t, '/login/process.php'));
      // A task asked for: its results posted on a connection of their own a moment later.
      if (rnd() < 0.3) frames.push(...exchange(AGENT, SERVER, port++, (t += 0.2 + rnd() * 0.3), '/admin/get.php'));
      t += 8 * (0.2 + 1.6 * rnd());
    }
    const path = join(tmp, 'empire-like.pcap');
    writeFileSync(path, buildPcap(frames.sort((a, b) => a.ts - b.ts)));
    const { result } = await analyze([path], { allHosts: true });
    const host = result.hosts.find((h) => h.address === AGENT);
    expect(host?.labels).toContain('periodic');
    expect(host?.verdict).toMatch(/one connection every [\d.]+ s, randomised between [\d.]+ s and [\d.]+ s/);
    const schedule = host!.groups.find((g) => g.schedule.periodic)!.schedule;
    expect(schedule.periodSeconds!).toBeGreaterThan(8 * 0.85);
    expect(schedule.periodSeconds!).toBeLessThan(8 * 1.15);
    expect(schedule.repetitions).toBe(100);
    expect(schedule.confidence).toBeLessThan(0.6);
  });
});
