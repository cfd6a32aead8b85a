/**
 * ICMP errors that refuse nothing. A router in front of a PPPoE or VPN link answers a packet too
 * large for it with "fragmentation needed" (ICMPv6: packet too big), and the sender goes on in
 * smaller packets (path MTU discovery, RFC 1191 / RFC 8201); a probe whose TTL runs out comes back
 * as "time exceeded". Only "destination unreachable" turns a connection away.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { icmpFrame, quoteOf } from '../../src/synth/frame.js';
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
    s.syn(t)
      .synAck(t + 0.03)
      .ack(t + 0.031)
      .send(t + 0.032, 'client', 'x'.repeat(1400))
      .send(t + 0.1, 'server', 'y'.repeat(500))
      .fin(t + 1, 'client')
      .fin(t + 1.03, 'server')
      .ack(t + 1.031);
    const own = s.frames();
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
