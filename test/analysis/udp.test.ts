/** UDP in the analysis: QUIC past the proxy, QUIC dropped, beacons inside one UDP flow, DNS to outside resolvers. */
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { analyzeConnections, type AnalysisResult } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { corpusPath } from '../support/corpus.js';
import { connection, options, rst, session } from './support.js';

async function analyse(file: string, extra: Parameters<typeof options>[0] = {}): Promise<AnalysisResult> {
  const loaded = await loadCaptures([corpusPath(file)]);
  return analyzeConnections(loaded.connections, loaded.captures, options(extra));
}

const proxy = { address: '192.168.0.1', port: 3128 };

/** A QUIC client's flow to `respH`:443, answered (the server sent packets) or not. */
function quicFlow(origH: string, respH: string, ts: number, answered: boolean, extra: Partial<Connection> = {}): Connection {
  return connection({
    origH,
    respH,
    respP: 443,
    ts,
    lastTs: ts + (answered ? 30 : 3),
    proto: 'udp',
    synCount: 0,
    history: answered ? 'Dd' : 'D',
    connState: answered ? 'SF' : 'S0',
    service: answered ? 'quic' : null,
    origPkts: answered ? 20 : 3,
    origBytes: answered ? 8_000 : 3_600,
    respPkts: answered ? 20 : 0,
    respBytes: answered ? 40_000 : 0,
    respTtl: answered ? 52 : -1,
    established: answered,
    sni: 'www.example.com',
    quic: { version: 'v1', alpn: ['h3'] },
    ...extra,
  });
}

describe('corpus: UDP captures', () => {
  it("zeek_merlinc2_quic: the tracker times the client's bursts (a datagram after 1 s of silence starts one)", async () => {
    const { connections } = await loadCaptures([corpusPath('beacon/zeek_merlinc2_quic.pcapng')]);
    const c = connections[0]!;
    expect(c).toMatchObject({ proto: 'udp', service: 'quic', origPkts: 50 });
    expect(c.requestTimes).toHaveLength(14);
    expect(c.requestTimes[0]).toBe(c.ts);
    const gaps = c.requestTimes.slice(1, 13).map((t, i) => t - c.requestTimes[i]!);
    expect(gaps.every((g) => g > 14.5 && g < 16)).toBe(true);
  });

  it('zeek_merlinc2_quic: a QUIC beacon every ~15 s that gets through', async () => {
    const r = await analyse('beacon/zeek_merlinc2_quic.pcapng');
    expect(r.hosts.map((h) => h.address)).toEqual(['10.0.0.4']);
    const h = r.hosts[0]!;
    expect(h.labels).toEqual(['periodic']);
    const g = h.groups[0]!;
    expect(g.destination).toBe('24.199.110.233');
    expect(g.schedule.basis).toBe('requests in one connection');
    expect(g.schedule.periodic).toBe(true);
    expect(Math.abs(g.schedule.periodSeconds! - 15) / 15).toBeLessThan(0.05);
    expect(g.established).toBe(1);
    expect(h.verdict).toMatch(/^A QUIC beacon that gets through — worth investigating: one exchange every 15 s/);
    expect(h.verdict).toContain('one long-lived QUIC connection (v1, ALPN h3) to 24.199.110.233 (UDP 443)');
    expect(h.attempts).toMatchObject([{ address: '24.199.110.233', port: 443, outcome: 'established' }]);
    expect(r.summary.join(' ')).toContain('10.0.0.4: A QUIC beacon that gets through');
  });

  it('zeek_merlinc2_quic with a proxy in use: the beacon also bypasses the proxy', async () => {
    const r = await analyse('beacon/zeek_merlinc2_quic.pcapng', { proxies: [{ address: '10.0.0.2', port: 8080 }] });
    const h = r.hosts[0]!;
    expect(h.labels).toEqual(['proxy-bypass', 'periodic']);
    expect(h.verdict).toContain('past the proxy 10.0.0.2:8080');
    expect(h.evidence.join('\n')).toMatch(/proxy-bypass: 1 direct attempt .* on port 443 \(all over UDP — QUIC/);
  });

  it('nowebaccess1: DNS to outside resolvers, unanswered and retried with back-off — not a flood, not periodic', async () => {
    const r = await analyse('beacon/nowebaccess1.pcapng');
    expect(r.hosts.map((h) => h.address)).toEqual(['172.16.0.8']);
    const h = r.hosts[0]!;
    expect(h.labels).toEqual([]);
    expect(h.verdict).toMatch(
      /^DNS to resolvers outside the network goes unanswered: 7 queries for www\.google\.com to 4\.2\.2\.2 and 4\.2\.2\.1 in 8 s, retried with a growing back-off, none answered/,
    );
    expect(h.verdict).toContain('not a flood and not a schedule');
    expect(h.groups.every((g) => !g.schedule.periodic)).toBe(true);
    expect(h.attempts.map((a) => a.outcome)).toEqual(['unanswered', 'unanswered']);
    expect(h.evidence.join('\n')).toMatch(
      /^dns: 7 queries for www\.google\.com to 2 resolvers outside the network \(4\.2\.2\.2, 4\.2\.2\.1\)/m,
    );
    expect(r.summary[0]).toMatch(
      /^DNS to resolvers outside the network \(4\.2\.2\.2, 4\.2\.2\.1\) goes unanswered: 172\.16\.0\.8 \(7 queries\)/,
    );
  });
});

describe('QUIC and UDP attempts', () => {
  const host = '192.168.0.20';

  it('QUIC straight to the Internet while a proxy is in use is proxy-bypass', () => {
    const conns = [
      quicFlow(host, '198.51.100.7', 1_000, true),
      quicFlow(host, '198.51.100.7', 1_400, true),
      session(host, proxy.address, proxy.port, 1_100, { respTtl: 128 }),
    ];
    const r = analyzeConnections(conns, [], options({ proxies: [proxy] }));
    const h = r.hosts.find((x) => x.address === host)!;
    expect(h.labels).toContain('proxy-bypass');
    expect(h.labels).not.toContain('blocked');
    expect(h.groups.find((g) => !g.viaProxy)).toMatchObject({ destination: 'www.example.com', groupedBy: 'sni', established: 2 });
  });

  it('QUIC on another port, and UDP 443 that did not decrypt, are web attempts too', () => {
    const conns = [
      quicFlow(host, '198.51.100.8', 1_000, false, { quic: null, service: null, sni: null }),
      quicFlow(host, '198.51.100.7', 1_100, true, { respP: 8443, sni: null }),
    ];
    const r = analyzeConnections(conns, [], options({ proxies: [proxy] }));
    expect(r.hosts[0]!.evidence.join('\n')).toMatch(/proxy-bypass: 2 direct attempts .* on port 443, 8443 \(all over UDP — QUIC/);
  });

  it('QUIC Initials never answered, again and again, are blocked: silently dropped', () => {
    // the capture goes on after the last one: it was not cut off by the capture's end
    const conns = [
      ...Array.from({ length: 6 }, (_, i) => quicFlow(host, '198.51.100.7', 1_000 + i * 60, false)),
      session(host, proxy.address, proxy.port, 1_400, { respTtl: 128 }),
    ];
    const r = analyzeConnections(conns, [], options({ proxies: [proxy] }));
    const h = r.hosts[0]!;
    expect(h.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked']));
    expect(h.verdict).toMatch(
      /^HTTP\/3 \(QUIC over UDP\) straight to the Internet past the proxy 192\.168\.0\.1:3128, which carries no QUIC/,
    );
    expect(h.verdict).toContain('every attempt never answered (silently dropped)');
    expect(h.groups[0]!.unanswered).toBe(6);
  });

  it('QUIC Initials answered by ICMP from a device in the path are refused by it', () => {
    const conns = Array.from({ length: 4 }, (_, i) =>
      quicFlow(host, '198.51.100.7', 1_000 + i * 60, false, {
        resets: [rst({ kind: 'icmp', ts: 1_000 + i * 60 + 0.001, sender: '192.168.0.254', ttl: 64, icmpType: 3, icmpCode: 13 })],
      }),
    );
    const r = analyzeConnections(conns, [], options({ proxies: [proxy] }));
    const h = r.hosts[0]!;
    expect(h.attempts.every((a) => a.outcome === 'refused-icmp')).toBe(true);
    expect(h.labels).toContain('blocked');
    expect(h.groups[0]!.resets.middlebox).toBe(4);
  });

  it("one lost DNS query to the network's resolver is ordinary, and local protocols are not attempts", () => {
    const resolver = '203.0.113.53';
    const dns = (ts: number, answered: boolean) =>
      connection({
        origH: host,
        respH: resolver,
        respP: 53,
        ts,
        proto: 'udp',
        synCount: 0,
        history: answered ? 'Dd' : 'D',
        service: 'dns',
        respPkts: answered ? 1 : 0,
        established: answered,
        dnsQuery: 'example.com',
      });
    const conns = [
      dns(1_000, true),
      dns(1_010, false),
      dns(1_020, true),
      connection({ origH: host, respH: '224.0.0.251', respP: 5353, ts: 1_030, proto: 'udp', synCount: 0, history: 'D' }),
      connection({ origH: host, respH: '198.51.100.255', respP: 137, ts: 1_040, proto: 'udp', synCount: 0, history: 'D' }),
    ];
    const r = analyzeConnections(conns, [], options());
    expect(r.hosts).toEqual([]);
  });

  it('an unanswered UDP flow elsewhere is an attempt, counted in datagrams', () => {
    const conns = [
      connection({
        origH: host,
        respH: '198.51.100.9',
        respP: 123,
        ts: 1_000,
        lastTs: 1_003,
        proto: 'udp',
        synCount: 0,
        history: 'D',
        origPkts: 4,
      }),
      connection({ origH: '192.168.0.21', respH: '192.168.0.22', respP: 22, ts: 1_100, lastTs: 1_100 }),
    ];
    const r = analyzeConnections(conns, [], options());
    expect(r.hosts.find((h) => h.address === host)!.verdict).toMatch(
      /^Connection attempts that are never answered: 1 of 1 attempt \(4 UDP datagrams\)/,
    );
  });
});
