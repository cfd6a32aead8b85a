/**
 * The same behaviour seen from the other vantage point: a tap on the firewall's LAN side,
 * where many hosts share one capture, the proxy's own outbound connections are visible, and
 * the firewall is a Linux box (TTL 64) answering for the servers.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { Rng, TcpSession, buildPcap, type TimedFrame } from '../../src/synth/index.js';

const PROXY = '10.1.1.2';
const PROXY_PORT = 3128;
const AGENTS = ['10.1.1.31', '10.1.1.32', '10.1.1.33'];
const BROWSERS = ['10.1.1.40', '10.1.1.41', '10.1.1.42', '10.1.1.43'];
const CDN = Array.from({ length: 8 }, (_, i) => `203.0.113.${20 + i}`);
const WEB = ['198.51.100.7', '198.51.100.8', '192.0.2.44'];
const PERIOD = 45;
const BURST = 6;

function lanSideTap(): Uint8Array {
  const rng = new Rng(7);
  const frames: TimedFrame[] = [];
  const start = 1_700_000_000;
  let proxyPort = 40000;
  // Browsing through the proxy; the proxy fetches from the Internet (real servers ~15 hops away).
  for (let i = 0; i < 40; i++) {
    const t = start + rng.uniform(0, 1800);
    const client = rng.pick(BROWSERS);
    const host = `www${i % 5}.example.org`;
    const inbound = new TcpSession({ client, server: PROXY, sport: 3000 + i, dport: PROXY_PORT, rng, serverTtl: 64 });
    inbound
      .syn(t)
      .synAck(t + 0.0003)
      .ack(t + 0.0006);
    inbound.send(t + 0.001, 'client', `GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0\r\n\r\n`);
    const web = rng.pick(WEB);
    const outbound = new TcpSession({ client: PROXY, server: web, sport: proxyPort++, dport: 80, rng, clientTtl: 64, serverTtl: 49 });
    outbound
      .syn(t + 0.002)
      .synAck(t + 0.027)
      .ack(t + 0.0272);
    outbound.send(t + 0.028, 'client', `GET / HTTP/1.1\r\nHost: ${host}\r\nVia: 1.1 proxy\r\n\r\n`);
    outbound.send(t + 0.055, 'server', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    outbound
      .fin(t + 0.06, 'client')
      .fin(t + 0.085, 'server')
      .ack(t + 0.0852);
    inbound.send(t + 0.056, 'server', 'HTTP/1.1 200 OK\r\nVia: 1.1 proxy\r\nContent-Length: 5\r\n\r\nhello');
    inbound
      .fin(t + 0.07, 'client')
      .fin(t + 0.0702, 'server')
      .ack(t + 0.0704);
    frames.push(...inbound.frames(), ...outbound.frames());
  }
  // Update agents going direct; the firewall (Linux, TTL 64, on this LAN) resets each SYN.
  let firewallIpId = 100;
  AGENTS.forEach((agent, a) => {
    let port = 1100 + a * 500;
    for (let b = 0; b < 30; b++) {
      const burstStart = start + 10 + a * 7 + b * PERIOD + rng.uniform(0, 0.3);
      for (let k = 0; k < BURST; k++) {
        const t = burstStart + k * 1.0 + rng.uniform(-0.03, 0.03);
        const s = new TcpSession({ client: agent, server: rng.pick(CDN), sport: port++, dport: 80, rng });
        s.syn(t).rst(t + 0.00005, 'server', { ttl: 64, ipId: firewallIpId++ });
        frames.push(...s.frames());
      }
    }
  });
  return buildPcap(frames);
}

describe('a capture from a tap on the firewall LAN side', () => {
  it('finds the agents, the firewall and the proxy, and does not call the proxy a bypasser', async () => {
    const { result } = await analyze([{ name: 'lan-tap.pcap', bytes: lanSideTap() }]);
    const byAddress = new Map(result.hosts.map((h) => [h.address, h]));

    for (const agent of AGENTS) {
      const host = byAddress.get(agent);
      expect(host, agent).toBeDefined();
      expect(host!.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic']));
      expect(host!.labels).not.toContain('flood');
      const group = host!.groups.find((g) => g.attempts >= 100)!;
      expect(group.schedule.periodSeconds!).toBeGreaterThan(PERIOD * 0.95);
      expect(group.schedule.periodSeconds!).toBeLessThan(PERIOD * 1.05);
      expect(group.schedule.burstSize).toBe(BURST);
      expect(group.resets.middlebox).toBe(group.attempts);
    }

    // The proxy opens outbound web connections: that is its job, not a bypass.
    expect(byAddress.get(PROXY)?.labels ?? []).not.toContain('proxy-bypass');
    for (const browser of BROWSERS) {
      const labels = byAddress.get(browser)?.labels ?? [];
      expect(labels).not.toContain('proxy-bypass');
      expect(labels).not.toContain('periodic');
    }
    // One proxy, found twice (clients' absolute-URI requests, its own Via headers): one entry.
    expect(result.proxies.map((p) => `${p.address}:${p.port}`)).toEqual([`${PROXY}:${PROXY_PORT}`]);

    const firewall = result.resetSources.find((s) => s.attribution === 'middlebox');
    expect(firewall).toBeDefined();
    expect(firewall!.ttl).toBe(64);
    expect(result.resetSources.filter((s) => s.attribution === 'endpoint')).toHaveLength(0);
  });
});
