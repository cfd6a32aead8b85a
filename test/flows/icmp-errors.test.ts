/**
 * ICMP errors that refuse nothing. A router in front of a PPPoE or VPN link answers a packet too
 * large for it with "fragmentation needed" (ICMPv6: packet too big), and the sender goes on in
 * smaller packets (path MTU discovery, RFC 1191 / RFC 8201); a probe whose TTL runs out comes back
 * as "time exceeded". Only "destination unreachable" turns a connection away — and a
 * traceroute, which sends its probes to expire, is neither a scan nor refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { icmpFrame, quoteOf, udpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-icmp-errors-'));
const START = Date.UTC(2024, 2, 1, 9) / 1000;

/**
 * Twelve HTTPS sessions, one every 5 min, each of whose first large segment a router on the way
 * answers with the ICMP error `error` (the quoted segment's path is too narrow, or its TTL ran out).
 */
function sessions(client: string, server: string, router: string, error: { type: number; code: number; rest?: number }): string {
  const frames: TimedFrame[] = [];
  for (let i = 0; i < 12; i++) {
    const t = START + i * 300 + (i % 3);
    const s = new TcpSession({ client, server, sport: 50000 + i, dport: 443, serverTtl: 54 });
    const own = s.exchange(t, 'x'.repeat(1400), 'y'.repeat(500), { rtt: 0.03, reply: 0.1, close: 1 }).frames();
    frames.push(...own);
    frames.push({ ts: t + 0.0325, frame: icmpFrame({ src: router, dst: client, ...error, quoted: quoteOf(own[3]!.frame) }) });
  }
  const path = join(tmp, `${error.type}-${error.code}-${client}.pcap`);
  writeFileSync(path, buildPcap(frames));
  return path;
}

describe('ICMP errors that refuse nothing', () => {
  it.each([
    {
      what: 'fragmentation needed (path MTU discovery)',
      client: '10.0.0.7',
      server: '93.184.216.34',
      router: '10.0.0.1',
      error: { type: 3, code: 4, rest: 1380 },
    },
    { what: 'time exceeded in transit', client: '10.0.0.7', server: '93.184.216.34', router: '10.0.0.1', error: { type: 11, code: 0 } },
    {
      what: 'ICMPv6 packet too big',
      client: 'fd00::7',
      server: '2606:2800:220:1::34',
      router: 'fd00::1',
      error: { type: 2, code: 0, rest: 1280 },
    },
  ])('$what: sessions that went on are established, not refused by the router', async ({ client, server, router, error }) => {
    const { result } = await analyze([sessions(client, server, router, error)]);
    expect(result.resetSources).toEqual([]);
    const host = result.hosts.find((h) => h.address === client)!;
    expect(host.labels).not.toContain('blocked');
    expect(host.groups[0]).toMatchObject({ attempts: 12, established: 12, resets: { middlebox: 0, endpoint: 0, unknown: 0 } });
    expect(host.verdict).toMatch(/gets through/);
  });

  it('destination unreachable (administratively prohibited) still turns the attempts away in the path', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 12; i++) {
      const t = START + i * 300;
      const s = new TcpSession({ client: '10.0.0.8', server: '93.184.216.34', sport: 51000 + i, dport: 443 });
      s.syn(t);
      frames.push(...s.frames());
      frames.push({
        ts: t + 0.0004,
        frame: icmpFrame({ src: '10.0.0.1', dst: '10.0.0.8', type: 3, code: 13, quoted: quoteOf(s.frames()[0]!.frame) }),
      });
    }
    const path = join(tmp, 'prohibited.pcap');
    writeFileSync(path, buildPcap(frames));
    const { result } = await analyze([path]);
    expect(result.resetSources.map((s) => [s.attribution, s.resets])).toEqual([['middlebox', 12]]);
    expect(result.hosts[0]!.groups[0]!.resets.middlebox).toBe(12);
  });
});

describe('a traceroute', () => {
  /** Linux traceroute: three UDP probes a hop from port 33434 up, TTL 1 to 14; the routers' time exceeded, the destination's port unreachable. */
  function traceroute(host: string, destination: string, hops: number, at: number): TimedFrame[] {
    const frames: TimedFrame[] = [];
    let port = 33434;
    let t = at;
    for (let ttl = 1; ttl <= hops; ttl++) {
      for (let k = 0; k < 3; k++) {
        const probe = udpFrame({ src: host, dst: destination, sport: 40123, dport: port++, ttl, payload: 'x'.repeat(32) });
        frames.push({ ts: t, frame: probe });
        const last = ttl === hops;
        frames.push({
          ts: t + 0.01 * ttl,
          frame: icmpFrame({
            src: last ? destination : `198.51.100.${ttl}`,
            dst: host,
            type: last ? 3 : 11,
            code: last ? 3 : 0,
            quoted: quoteOf(probe),
          }),
        });
        t += 0.05;
      }
    }
    return frames;
  }

  it('is no scan and refuses nothing: the route traced is said, its probes are no attempts', async () => {
    const s = new TcpSession({ client: '10.0.0.7', server: '93.184.216.35', sport: 50000, dport: 443 });
    s.syn(START + 900)
      .synAck(START + 900.03)
      .ack(START + 900.031)
      .fin(START + 901, 'client')
      .fin(START + 901.03, 'server')
      .ack(START + 901.031);
    const path = join(tmp, 'traceroute.pcap');
    writeFileSync(path, buildPcap([...traceroute('10.0.0.7', '93.184.216.34', 14, START), ...s.frames()]));
    const { result } = await analyze([path]);
    expect(result.resetSources).toEqual([]);
    const host = result.hosts.find((h) => h.address === '10.0.0.7')!;
    expect(host.labels).toEqual([]);
    expect(host.groups.reduce((n, g) => n + g.attempts, 0)).toBe(1);
    expect(result.summary).toContain(
      'Routes traced, as traceroute and tracert do — probes sent to expire on the way, one router further each time: ' +
        '10.0.0.7 to 93.184.216.34 (42 probes, TTL up to 14); not counted as attempts.',
    );
  });

  it("a scanner's random TTLs (nmap's 37 to 59), seen many routers off, are no traceroute: the scan stays a scan", async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 60; i++) {
      const s = new TcpSession({
        client: '10.0.0.9',
        server: '203.0.113.7',
        sport: 45000,
        dport: 1000 + i * 7,
        clientTtl: 37 + ((i * 13) % 23) - 12,
      });
      s.syn(START + i * 0.05);
      frames.push(...s.frames());
    }
    frames.push(...new TcpSession({ client: '10.0.0.9', server: '203.0.113.8', sport: 45001, dport: 443 }).syn(START + 900).frames());
    const path = join(tmp, 'far-scan.pcap');
    writeFileSync(path, buildPcap(frames));
    const { result } = await analyze([path]);
    expect(result.hosts.find((h) => h.address === '10.0.0.9')!.labels).toContain('scanner');
    expect(result.summary.join(' ')).not.toMatch(/Routes traced/);
  });

  it('packets a stack or tunnel sends with one low TTL are no traceroute: they stay attempts', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 30; i++) {
      frames.push({
        ts: START + i * 20,
        frame: udpFrame({ src: '10.0.0.9', dst: '203.0.113.5', sport: 50000 + i, dport: 4789, ttl: 17, payload: 'v'.repeat(50) }),
      });
    }
    const path = join(tmp, 'low-ttl.pcap');
    writeFileSync(path, buildPcap(frames));
    const { result } = await analyze([path]);
    // Every datagram an attempt, the last cut off by the capture's end too soon to call unanswered.
    expect(result.hosts[0]!.groups[0]).toMatchObject({ attempts: 30, cutOff: 1 });
    expect(result.summary.join(' ')).not.toMatch(/Routes traced/);
  });
});
