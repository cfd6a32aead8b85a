/**
 * A transparent proxy: web connections to the Internet answered by a device on the way out, in
 * the servers' stead. Its SYN-ACKs carry a TTL no router has taken from and come back in a LAN's
 * time, as a firewall's resets do.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';
import { udpFrame } from '../../src/synth/frame.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-interception-'));
const START = Date.UTC(2024, 2, 1, 9) / 1000;

/** Three hosts browsing `servers` web servers on ports 80 and 443 at random moments; each SYN-ACK with `ttl` after `rtt` seconds. */
function browsing(name: string, servers: number, ttl: number, rtt: number, more: TimedFrame[] = [], dnsTtl = 56): string {
  const frames: TimedFrame[] = [...more];
  // Their lookups, answered from a resolver on the Internet, through routers (the TTL taken from)
  // — or, on a flat lab's link, unreduced (`dnsTtl` 64).
  for (let i = 0; i < 12; i++) {
    const t = START + i * 200;
    const q = udpFrame({ src: '10.0.0.7', dst: '8.8.8.8', sport: 40000 + i, dport: 53, payload: 'q'.repeat(30) });
    frames.push(
      { ts: t, frame: q },
      {
        ts: t + 0.02,
        frame: udpFrame({ src: '8.8.8.8', dst: '10.0.0.7', sport: 53, dport: 40000 + i, payload: 'a'.repeat(46), ttl: dnsTtl }),
      },
    );
  }
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 60; i++) {
    const t = START + i * 40 + random() * 35;
    const k = i % servers;
    const server = `93.184.${216 + (k % 7)}.${10 + k}`;
    const s = new TcpSession({ client: `10.0.0.${7 + (i % 3)}`, server, sport: 50000 + i, dport: i % 2 ? 443 : 80, serverTtl: ttl });
    s.syn(t)
      .synAck(t + rtt)
      .ack(t + rtt + 0.0001)
      .send(t + rtt + 0.001, 'client', 'GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n')
      .send(t + 2 * rtt + 0.02, 'server', 'y'.repeat(500))
      .fin(t + 1, 'client')
      .fin(t + 1 + rtt, 'server')
      .ack(t + 1 + rtt + 0.0001);
    frames.push(...s.frames());
  }
  const path = join(tmp, name);
  writeFileSync(path, buildPcap(frames));
  return path;
}

describe('a transparent proxy', () => {
  it('answering for the servers with TTL 64 in 0.3 ms is named, with what "established" means there', async () => {
    const { result } = await analyze([browsing('intercepted.pcap', 20, 64, 0.0003)]);
    expect(result.interception).toEqual({ ports: [80, 443], ttl: 64, connections: 60, servers: 20, medianRttMs: 0.3 });
    expect(result.summary[0]).toBe(
      'A transparent proxy answers web connections for the servers: 60 connections to 20 servers on the Internet (ports 80, 443) ' +
        'were answered with TTL 64 (no router in between) in 0.3 ms, which no server out there can — ' +
        'a device on the way takes them over, so "established" means the proxy answered, not the server.',
    );
  });

  it("a beacon's connections it answered are said to be the proxy's answers, not the server's", async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 20; i++) {
      const t = START + i * 120;
      const s = new TcpSession({ client: '10.0.0.20', server: '93.184.216.99', sport: 53000 + i, dport: 443, serverTtl: 64 });
      frames.push(...s.exchange(t, 'x'.repeat(200), 'y'.repeat(400), { rtt: 0.0003, reply: 0.02, close: 1 }).frames());
    }
    const path = join(tmp, 'beacon-alone.pcap');
    writeFileSync(path, buildPcap(frames));
    const { result } = await analyze([browsing('beacon-intercepted.pcap', 20, 64, 0.0003, frames)]);
    const beacon = result.hosts.find((h) => h.address === '10.0.0.20')!;
    expect(beacon.verdict).toMatch(/^A periodic beacon that gets through/);
    expect(beacon.verdict).toContain(
      'Its connections were answered by the transparent proxy in the path (TTL 64, 0.3 ms), not by the server',
    );
    // Without a transparent proxy in the path, nothing of it is said.
    const { result: alone } = await analyze([path]);
    expect(alone.hosts.find((h) => h.address === '10.0.0.20')!.verdict).not.toMatch(/transparent proxy/);
  });

  it('is not seen in servers across the Internet, nor in one server on the sniffer’s own link', async () => {
    // Real servers: routers on the way took ten off their TTL, and they answer in 30 ms.
    const { result: far } = await analyze([browsing('internet.pcap', 20, 54, 0.03)]);
    expect(far.interception).toBeUndefined();
    expect(far.summary.join(' ')).not.toMatch(/transparent proxy/);
    // One web server on a public address beside the hosts (a DMZ on the same link) answers for itself.
    const { result: dmz } = await analyze([browsing('dmz.pcap', 1, 64, 0.0003)]);
    expect(dmz.interception).toBeUndefined();
    // A flat lab whose "Internet" is on the sniffer's own link: everything out there answers unreduced.
    const { result: flat } = await analyze([browsing('flat-lab.pcap', 20, 64, 0.0003, [], 64)]);
    expect(flat.interception).toBeUndefined();
    expect(flat.summary.join(' ')).not.toMatch(/transparent proxy/);
    // TTL 64 but an Internet round trip: a router in the path that does not decrement, not a proxy.
    const { result: slow } = await analyze([browsing('slow.pcap', 20, 64, 0.03)]);
    expect(slow.interception).toBeUndefined();
  });
});
