/**
 * Verdicts that must hold on networks other than the case study's: a busy LAN with no firewall
 * and no proxy, far-end resets with nothing to compare, scattered failures, and the order in
 * which an analyst wants the hosts.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections, attributeResets, CidrSet, DEFAULT_INTERNAL } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { readFirewallLog } from '../../src/logs/firewall/index.js';
import { analyzeRenderers } from '../../src/report/index.js';
import { block, dropped, options, random, refused, session, updateAgent } from './support.js';

const internal = new CidrSet(DEFAULT_INTERNAL);

/**
 * A busy LAN seen from a tap with no firewall in the path: clients talk to Internet servers that
 * answer with their own SYN-ACKs, and refuse closed ports with their own resets, after a round trip
 * that varies from connection to connection. Some servers only ever refuse.
 */
function busyLan(seed: number): Connection[] {
  const rnd = random(seed);
  const out: Connection[] = [];
  const ttls = [52, 84, 116, 244];
  for (let s = 0; s < 40; s++) {
    const server = `${20 + s}.${(s * 37) % 250}.${(s * 11) % 250}.${10 + s}`;
    const ttl = ttls[s % ttls.length]!;
    const baseRtt = 0.015 + rnd() * 0.1;
    for (let k = 0; k < 6; k++) {
      const client = `10.1.${s % 8}.${10 + ((s * 7 + k) % 200)}`;
      const rtt = baseRtt * (1 + rnd() * 2.5);
      out.push(session(client, server, 443, 100 + s * 10 + k, { respTtl: ttl, handshakeRtt: rtt }));
    }
    // Closed ports refused by the server itself: its own TTL, a round trip somewhere in its range.
    for (let k = 0; k < 3; k++) {
      const client = `10.1.${s % 8}.${10 + ((s * 5 + k) % 200)}`;
      out.push(
        refused(client, server, 8_000 + k, 500 + s * 10 + k, { ttl, delay: baseRtt * (1 + rnd() * 0.5), ipId: Math.floor(rnd() * 65_536) }),
      );
    }
  }
  // 21 servers in 21 unrelated /24s that only refuse, all 12 hops away (TTL 52): a coincidence of
  // TTL, not one device; each reset comes a WAN round trip after the SYN.
  for (let s = 0; s < 21; s++) {
    const server = `${100 + s}.${(s * 13) % 250}.${s + 1}.7`;
    const client = `10.1.${s % 8}.${20 + s}`;
    out.push(refused(client, server, 80, 900 + s * 3, { ttl: 52, delay: 0.02 + rnd() * 0.08, ipId: Math.floor(rnd() * 65_536) }));
  }
  return out;
}

describe('a busy LAN with no firewall and no proxy', () => {
  const connections = busyLan(4);
  const result = analyzeConnections(connections, [], options());

  it('every reset is the servers’ own: no device in the path', () => {
    expect(result.resetSources.filter((s) => s.attribution === 'middlebox')).toEqual([]);
    const endpoint = result.resetSources.filter((s) => s.attribution === 'endpoint').reduce((n, s) => n + s.resets, 0);
    expect(endpoint).toBe(40 * 3 + 21);
  });

  it('no host is blocked, and nothing speaks of a firewall or a proxy', () => {
    expect(result.hosts.filter((h) => h.labels.includes('blocked')).map((h) => h.address)).toEqual([]);
    const words = [...result.summary, ...result.hosts.map((h) => h.verdict)].join('\n');
    expect(words).not.toMatch(/firewall|device in the path|proxy/i);
  });

  it('a reset slower than the server’s fastest handshake is the server’s, even if faster than its median', () => {
    const server = '198.51.100.80';
    const ok = [0.03, 0.08, 0.12, 0.15, 0.2].map((rtt, i) => session('10.0.0.5', server, 443, 10 + i, { respTtl: 50, handshakeRtt: rtt }));
    const reset = refused('10.0.0.6', server, 8443, 30, { ttl: 50, delay: 0.032 });
    const attributed = attributeResets([...ok, reset], internal).refusals.at(ok.length);
    expect(attributed?.attribution).toBe('endpoint');
  });
});

describe('resets with nothing to compare', () => {
  it('from many hops away after a WAN round trip: the far end', () => {
    const reset = refused('10.0.0.5', '203.0.113.40', 80, 1, { ttl: 50, delay: 0.045 });
    const attributed = attributeResets([reset], internal).refusals.at(0);
    expect(attributed?.attribution).toBe('endpoint');
    expect(attributed?.evidence).toMatch(/14 routers in between/);
    expect(attributed?.evidence).toMatch(/45 ms/);
  });

  it('an unchanged initial TTL in under a millisecond from an Internet address: a device nearby', () => {
    const reset = refused('10.0.0.5', '203.0.113.41', 80, 1, { ttl: 255, delay: 0.0003 });
    expect(attributeResets([reset], internal).refusals.at(0)?.attribution).toBe('middlebox');
  });

  it('neither far nor near: unknown, with the reason', () => {
    const reset = refused('10.0.0.5', '203.0.113.42', 80, 1, { ttl: 62, delay: 0.004 });
    const attributed = attributeResets([reset], internal).refusals.at(0);
    expect(attributed?.attribution).toBe('unknown');
    expect(attributed?.evidence).toMatch(/nothing to compare/);
  });

  it('many addresses with one far TTL and WAN delays are many servers, not one device', () => {
    const resets = Array.from({ length: 12 }, (_, i) =>
      refused('10.0.0.5', `${60 + i}.1.${i}.9`, 80, i * 5, { ttl: 116, delay: 0.03 + i * 0.004 }),
    );
    const result = attributeResets(resets, internal);
    expect(result.resetSources.map((s) => s.attribution)).toEqual(['endpoint']);
  });
});

describe('blocked means repeated failure towards one destination', () => {
  it('scattered failures across unrelated servers are not blocked', () => {
    const host = '10.2.0.9';
    const connections = [
      session(host, '93.184.216.34', 443, 10),
      session(host, '151.101.1.69', 443, 20),
      session(host, '104.16.132.229', 443, 30),
      refused(host, '198.51.100.200', 80, 40, { ttl: 50, delay: 0.04 }),
      dropped(host, '203.0.113.77', 443, 50),
      dropped(host, '192.0.2.123', 80, 60),
    ];
    const result = analyzeConnections(connections, [], options());
    const h = result.hosts.find((x) => x.address === host);
    expect(h?.labels ?? []).not.toContain('blocked');
  });

  it('failures scattered over many servers but each reset by a device in the path are blocked', () => {
    const host = '10.2.0.12';
    const connections = Array.from({ length: 10 }, (_, i) =>
      refused(host, `${60 + i}.1.${i}.9`, 443, 10 + i * 40, { ttl: 255, delay: 0.0003 }, 40_000 + i),
    );
    const h = analyzeConnections(connections, [], options()).hosts.find((x) => x.address === host);
    expect(h?.labels).toContain('blocked');
    expect(h?.verdict).toMatch(/10 failed attempts spread over 10 destinations, no more than 1 at any one/);
  });

  it('the same destination failing again and again is blocked', () => {
    const host = '10.2.0.10';
    const connections = Array.from({ length: 12 }, (_, i) => dropped(host, '203.0.113.77', 443, 10 + i * 30, 40_000 + i));
    const result = analyzeConnections(connections, [], options());
    expect(result.hosts.find((x) => x.address === host)?.labels).toContain('blocked');
  });
});

describe('ranking by what deserves attention', () => {
  it('a beacon that gets through comes before a scan, and a scan before a blocked update agent', () => {
    const rnd = random(3);
    const agent = updateAgent('192.168.5.13', { bursts: 10, burstSize: 14, period: 32, addresses: block('72.246.53', 15) });
    const scan = Array.from({ length: 300 }, (_, i) =>
      refused('192.168.5.60', '192.168.5.2', i + 1, 3_000 + i * 0.05, { ttl: 64, delay: 0.0005 }, 50_000 + i),
    );
    const beacon = Array.from({ length: 20 }, (_, i) =>
      session('192.168.5.70', '198.51.100.9', 443, 1_000 + i * 60 + (rnd() - 0.5) * 4, {
        origBytes: 300,
        respBytes: 200,
        origP: 49_152 + Math.floor(rnd() * 16_000),
      }),
    );
    const result = analyzeConnections([...agent, ...scan, ...beacon], [], options());
    const order = result.hosts.map((h) => h.address);
    expect(order.indexOf('192.168.5.70')).toBe(0);
    expect(order.indexOf('192.168.5.60')).toBeLessThan(order.indexOf('192.168.5.13'));
  });
});

describe('words that fit the network', () => {
  it('with no proxy known or detected, no sentence mentions one', () => {
    const agent = updateAgent('192.168.7.13', { bursts: 10, burstSize: 14, period: 32, addresses: block('72.246.53', 15) });
    const result = analyzeConnections(agent, [], options());
    const words = [...result.summary, ...result.hosts.flatMap((h) => [h.verdict, ...h.evidence])].join('\n');
    expect(words).not.toMatch(/proxy/i);
    expect(result.hosts[0]?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
  });
});

describe('a tap on the firewall’s LAN side', () => {
  it('the one host that gets out while every other host is refused is most likely the proxy', () => {
    const proxyHost = '10.9.0.2';
    const rnd = random(12);
    const out = Array.from({ length: 30 }, (_, i) =>
      session(proxyHost, `${40 + (i % 9)}.10.${i % 5}.${20 + i}`, i % 2 === 0 ? 80 : 443, 100 + i * 7 + rnd(), {
        respTtl: 50,
        handshakeRtt: 0.03 + rnd() * 0.02,
      }),
    );
    const agents = ['10.9.0.13', '10.9.0.14', '10.9.0.15'].flatMap((h, k) =>
      updateAgent(h, {
        bursts: 6,
        burstSize: 8,
        period: 40,
        addresses: block('72.246.53', 10),
        start: 100 + k * 5,
        seed: k + 1,
        resetTtl: 255,
      }),
    );
    const result = analyzeConnections([...out, ...agents], [], options());
    expect(result.proxies).toHaveLength(1);
    expect(result.proxies[0]).toMatchObject({ address: proxyHost, source: 'detected' });
    expect(result.proxies[0]!.evidence).toMatch(/only internal host whose web connections mostly get through, to more than one address/);
    const bypassers = result.hosts
      .filter((h) => h.labels.includes('proxy-bypass'))
      .map((h) => h.address)
      .sort();
    expect(bypassers).toEqual(['10.9.0.13', '10.9.0.14', '10.9.0.15']);
    expect(result.hosts.find((h) => h.address === proxyHost)?.labels ?? []).not.toContain('proxy-bypass');
  });

  it('a busy LAN where many hosts get out names no proxy', () => {
    expect(analyzeConnections(busyLan(9), [], options()).proxies).toEqual([]);
  });
});

/** The case study's table of denied attempts: `[time, host, port, address]` rows, oldest first. */
function deniedTable(rows: [string, string, number, string][]): string {
  const lines = rows.map(([time, host, port, address]) => `2024-03-05\t${time}\tTCP\t${host}\t${port}\t${address}\t443`);
  return ['Date\tTime\tProtocol\tSource IP\tSource Port\tDestination IP\tDestination Port', ...lines].join('\n');
}

describe('a host denied wherever it goes, from the firewall log', () => {
  const clock = (s: number): string => `10:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  // A browser going to the web directly: 30 sites, each once, every attempt denied by the firewall.
  const browser: [string, string, number, string][] = Array.from({ length: 30 }, (_, i) => [
    clock(i * 50),
    '10.2.0.11',
    50_000 + i,
    `${40 + i}.${(i * 37) % 250}.${i + 3}.10`,
  ]);
  // An update agent: bursts of four attempts at one address every 5 minutes.
  const agent: [string, string, number, string][] = Array.from({ length: 24 }, (_, i) => [
    clock(Math.floor(i / 4) * 300 + (i % 4)),
    '10.2.0.13',
    52_000 + i,
    '72.246.53.9',
  ]);
  const analyse = (rows: [string, string, number, string][]): ReturnType<typeof analyzeConnections> => {
    const log = readFirewallLog('fw.tsv', deniedTable(rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    return analyzeConnections(log.connections, [log.summary], options());
  };

  it('is blocked, its verdict and the summary saying the failures are scattered, not one agent calling home', () => {
    const result = analyse([...browser]);
    const h = result.hosts.find((x) => x.address === '10.2.0.11');
    expect(h?.labels).toContain('blocked');
    expect(h?.verdict).toMatch(
      /^Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant: 30 failed attempts spread over 30 destinations, no more than 1 at any one \(/,
    );
    const summary = result.summary.join('\n');
    expect(summary).toMatch(
      /Not a DDoS: the blocked host makes at most one attempt every 50 s on average, spread over up to 30 destinations, no more than 1 failed attempt at any one; /,
    );
    expect(summary).toMatch(/This is how software that goes to the web directly looks when the network turns it away\./);
    expect(summary).not.toMatch(/update agent|on a schedule/);
  });

  it('beside an update agent calling one address, the summary tells the two apart', () => {
    const summary = analyse([...browser, ...agent]).summary.join('\n');
    expect(summary).toMatch(
      /the 2 blocked hosts make .*, to one address on a schedule \(1 host\) or spread over up to 30 destinations, no more than 1 failed attempt at any one \(1 host\); /,
    );
    expect(summary).toMatch(/This is how an update agent calls home when the network turns it away\./);
  });
});

describe("a busy LAN's servers refusing with many TTLs, beside the firewall's resets", () => {
  // 12 servers at 12 distances, each refusing closed ports itself (its TTL that of its own
  // SYN-ACKs), and the firewall resetting one host's update agent (TTL 255, no delay).
  const rnd = random(11);
  const servers = Array.from({ length: 12 }, (_, s) => ({ address: `${30 + s}.${s * 7}.1.${10 + s}`, ttl: 40 + s * 2 }));
  const connections: Connection[] = servers.flatMap(({ address, ttl }, s) => [
    ...Array.from({ length: 3 }, (_, k) =>
      session(`10.1.0.${10 + k}`, address, 443, 100 + s * 10 + k, { respTtl: ttl, handshakeRtt: 0.03 }),
    ),
    ...Array.from({ length: 20 - s }, (_, k) =>
      refused(`10.1.0.${20 + k}`, address, 8_000 + k, 200 + s * 30 + k, { ttl, delay: 0.03 + rnd() * 0.01, ipId: 100 * s + k }),
    ),
  ]);
  connections.push(...updateAgent('10.1.0.13', { bursts: 10, burstSize: 14, period: 32, addresses: block('72.246.53', 15) }));
  const result = analyzeConnections(connections, [], options());
  const text = (allHosts: boolean) => analyzeRenderers.text(result, { color: false, width: 200, allHosts });
  const sourceLines = (t: string) =>
    t
      .slice(t.indexOf('Reset sources'))
      .split('\n')
      .filter((l) => /^ {2}(endpoint|middlebox|unknown):/.test(l));

  it('lists the firewall and the busiest five servers, and counts the other seven in one line', () => {
    expect(result.resetSources.filter((s) => s.attribution === 'endpoint')).toHaveLength(12);
    const lines = sourceLines(text(false));
    expect(lines.filter((l) => l.startsWith('  middlebox: 140 resets with TTL 255'))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}endpoint: \d+ resets with TTL/.test(l)).map((l) => Number(/(\d+) resets/.exec(l)![1]))).toEqual([
      20, 19, 18, 17, 16,
    ]);
    expect(lines.at(-1)).toBe(
      '  endpoint: 7 more reset sources like those above, 84 refusals: servers refusing connections themselves, each with the TTL of its own packets (--all-hosts or --format json lists each)',
    );
  });

  it('lists every one with --all-hosts', () => {
    const lines = sourceLines(text(true));
    expect(lines.filter((l) => l.startsWith('  endpoint:'))).toHaveLength(12);
    expect(lines.join('\n')).not.toMatch(/more reset sources/);
  });
});
