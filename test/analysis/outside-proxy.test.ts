/**
 * A proxy outside the network: a host that sends its CONNECT requests to an open proxy on the
 * Internet while its neighbours use the proxy inside goes past that proxy, through one of its own
 * choosing — where a network whose every client uses a cloud proxy has that proxy as its own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-outside-proxy-'));
const START = Date.UTC(2024, 2, 1, 9) / 1000;

/** A CONNECT through `proxy`:`port` to `target`, answered 200, then a little traffic in the tunnel. */
function connect(host: string, proxy: string, port: number, t: number, target: string, sport: number, far: boolean): TimedFrame[] {
  const rtt = far ? 0.04 : 0.0004;
  const s = new TcpSession({ client: host, server: proxy, sport, dport: port, serverTtl: far ? 50 : 64 });
  s.syn(t)
    .synAck(t + rtt)
    .ack(t + rtt + 0.0001)
    .send(t + rtt + 0.001, 'client', `CONNECT ${target}:443 HTTP/1.1\r\nHost: ${target}:443\r\n\r\n`)
    .send(t + 2 * rtt + 0.01, 'server', 'HTTP/1.1 200 Connection established\r\n\r\n')
    .send(t + 2 * rtt + 0.02, 'client', 'x'.repeat(300))
    .send(t + 3 * rtt + 0.1, 'server', 'y'.repeat(3000))
    .fin(t + 3, 'client')
    .fin(t + 3 + rtt, 'server')
    .ack(t + 3.001 + rtt);
  return s.frames();
}

function pcap(name: string, frames: TimedFrame[]): string {
  const path = join(tmp, name);
  writeFileSync(path, buildPcap(frames));
  return path;
}

const office = (outsidePort: number): TimedFrame[] => [
  ...Array.from({ length: 20 }, (_, i) =>
    connect(`10.0.0.${10 + (i % 4)}`, '10.0.0.2', 3128, START + i * 97 + ((i * 7) % 13), `site${i}.example.org`, 50000 + i, false),
  ).flat(),
  ...Array.from({ length: 12 }, (_, i) =>
    connect('10.0.0.66', '203.0.113.5', outsidePort, START + 15 + i * 300, 'c2.example.net', 52000 + i, true),
  ).flat(),
];

describe('a proxy outside the network', () => {
  it.each([8080, 3129])(
    'one host using one on port %i goes past the network’s proxy: proxy-bypass, and the summary names it',
    async (port) => {
      const { result } = await analyze([pcap(`outside-${port}.pcap`, office(port))]);
      expect(result.proxies.map((p) => `${p.address}:${p.port}`)).toEqual(['10.0.0.2:3128']);
      expect(result.outsideProxies?.map((p) => [p.address, p.port, p.clients])).toEqual([['203.0.113.5', port, ['10.0.0.66']]]);
      const host = result.hosts.find((h) => h.address === '10.0.0.66')!;
      expect(host.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'periodic']));
      expect(host.labels).not.toContain('via-proxy');
      expect(host.evidence).toContain(
        `proxy-bypass: through a proxy outside the network, 203.0.113.5:${port} (1 client sent 12 CONNECT requests to 203.0.113.5:${port}), not the network's`,
      );
      expect(result.summary).toContain(
        `10.0.0.66 sends its web through a proxy outside the network, 203.0.113.5:${port} (1 client sent 12 CONNECT requests to 203.0.113.5:${port}), ` +
          "past the network's proxy 10.0.0.2:3128.",
      );
    },
  );

  it('a cloud proxy every host uses, with none inside, is the network’s own', async () => {
    const frames = Array.from({ length: 24 }, (_, i) =>
      connect(`10.0.0.${10 + (i % 4)}`, '198.51.100.10', 9400, START + i * 97 + ((i * 7) % 13), `site${i}.example.org`, 50000 + i, true),
    ).flat();
    const { result } = await analyze([pcap('cloud.pcap', frames)]);
    expect(result.proxies.map((p) => `${p.address}:${p.port}`)).toEqual(['198.51.100.10:9400']);
    expect(result.outsideProxies).toBeUndefined();
    expect(result.hosts.every((h) => !h.labels.includes('proxy-bypass'))).toBe(true);
  });
});
