/**
 * Calling home over UDP, end to end from capture bytes: DNS as a channel (a tunnel that keeps one
 * socket, a name looked up on a schedule), floods of datagrams, and a QUIC beacon nobody answers.
 * The captures are written with callhome's own frame builder, or cut from the corpus's Merlin C2
 * capture.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze, loadCaptures, type AnalysisResult } from '../../src/index.js';
import { readCaptureBytes } from '../../src/capture/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { dnsQueryPayload, dnsResponsePayload, udpFrame } from '../../src/synth/frame.js';
import { Rng } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';
import { flowsRenderers, reportRenderers } from '../../src/report/index.js';
import { corpusPath, projectRoot } from '../support/corpus.js';
import { MIN_LOOKUPS } from '../../src/analysis/dns-schedule.js';

const RESOLVER = '192.168.1.53';
const T0 = 1_760_000_000;

function hostOf(result: AnalysisResult, address: string) {
  return result.hosts.find((h) => h.address === address);
}

async function analyzeFrames(frames: TimedFrame[], name: string, options: { proxies?: { address: string; port: number | null }[] } = {}) {
  return analyze([{ name, bytes: buildPcap(frames) }], options);
}

/** A query from `host` and the resolver's answer, `rtt` later. */
function lookup(frames: TimedFrame[], host: string, sport: number, id: number, name: string, ts: number, ttl = 30): void {
  frames.push({ ts, frame: udpFrame({ src: host, dst: RESOLVER, sport, dport: 53, payload: dnsQueryPayload({ id, name }) }) });
  frames.push({
    ts: ts + 0.004,
    frame: udpFrame({
      src: RESOLVER,
      dst: host,
      sport: 53,
      dport: sport,
      payload: dnsResponsePayload({ id, name, addresses: ['198.51.100.7'], ttl }),
    }),
  });
}

/** dnscat2-like names: hex data split into labels under the tunnel's zone. */
function tunnelName(rng: Rng, zone: string): string {
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return `${hex(56)}.${hex(40)}.${zone}`;
}

describe('DNS as a channel', () => {
  it('a tunnel that keeps one source port is seen: every query of the flow counts, not only its first', async () => {
    const rng = new Rng(7);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.66';
    for (let i = 0; i < 300; i++) lookup(frames, host, 40000, i + 1, tunnelName(rng, 'tun.example.org'), T0 + i * 0.2);
    const { result } = await analyzeFrames(frames, 'one-port-tunnel.pcap');
    const h = hostOf(result, host);
    expect(h?.labels).toContain('dns-tunnel');
    expect(h?.evidence.find((e) => e.startsWith('dns-tunnel:'))).toMatch(
      /^dns-tunnel: 300 queries under tun\.example\.org, 300 unique subdomains/,
    );
    expect(h?.verdict).toMatch(/^Carries data in DNS — a DNS tunnel/);
    // The same in the JSON's fields, for a machine reading it.
    expect(h?.dnsTunnels).toHaveLength(1);
    expect(h?.dnsTunnels?.[0]).toMatchObject({ domain: 'tun.example.org', queries: 300, unique: 300 });
    expect(h?.dnsTunnels?.[0]?.firstSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(h?.dnsSchedules).toBeUndefined();
  });

  it("an anti-virus asking its vendor's reputation service about file hashes, answered in 127.0.0.0/8, is no tunnel", async () => {
    const rng = new Rng(11);
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
    const lookups = (answer: (i: number) => string): TimedFrame[] => {
      const frames: TimedFrame[] = [];
      for (let i = 0; i < 60; i++) {
        const name = `${hex(16)}.${hex(16)}.f.01.s.avvendor.example`;
        const ts = T0 + i * 7;
        const sport = 30000 + i;
        frames.push({
          ts,
          frame: udpFrame({ src: '192.168.1.69', dst: RESOLVER, sport, dport: 53, payload: dnsQueryPayload({ id: i + 1, name }) }),
        });
        const payload = dnsResponsePayload({ id: i + 1, name, addresses: [answer(i)], ttl: 300 });
        frames.push({ ts: ts + 0.01, frame: udpFrame({ src: RESOLVER, dst: '192.168.1.69', sport: 53, dport: sport, payload }) });
      }
      return frames;
    };
    // The service's verdicts, coded in loopback addresses as DNS blocklists answer (RFC 5782).
    const reputation = await analyzeFrames(
      lookups((i) => `127.0.${i % 3}.${1 + (i % 4)}`),
      'reputation.pcap',
    );
    expect(hostOf(reputation.result, '192.168.1.69')?.labels ?? []).not.toContain('dns-tunnel');
    // The same names answered with an address on the Internet: data carried in DNS.
    const tunnel = await analyzeFrames(
      lookups(() => '198.51.100.7'),
      'answered-tunnel.pcap',
    );
    expect(hostOf(tunnel.result, '192.168.1.69')?.labels).toContain('dns-tunnel');
  });

  it('a long tunnel on one port is counted past the names a flow keeps', async () => {
    const rng = new Rng(8);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.67';
    for (let i = 0; i < 1_500; i++) lookup(frames, host, 40001, (i % 65535) + 1, tunnelName(rng, 't.example.net'), T0 + i * 0.05);
    const { result } = await analyzeFrames(frames, 'long-tunnel.pcap');
    expect(hostOf(result, host)?.evidence.find((e) => e.startsWith('dns-tunnel:'))).toMatch(
      /^dns-tunnel: 1,500 queries under t\.example\.net, 1,500 unique subdomains/,
    );
  });

  it("callhome's conn.log carries every query of a flow: the tunnel reads back the same", async () => {
    const rng = new Rng(9);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.68';
    for (let i = 0; i < 120; i++) lookup(frames, host, 40002, i + 1, tunnelName(rng, 'x.example.com'), T0 + i);
    const bytes = buildPcap(frames);
    const { connections } = await loadCaptures([{ name: 'tunnel.pcap', bytes }]);
    const log = flowsRenderers.zeek(connections, { color: false });
    expect(log).toContain('callhome_dns_names');
    const { result: fromCapture } = await analyze([{ name: 'tunnel.pcap', bytes }]);
    const path = join(mkdtempSync(join(tmpdir(), 'callhome-udp-')), 'tunnel.conn.log');
    writeFileSync(path, log);
    const { result: fromLog } = await analyze([path]);
    expect(hostOf(fromLog, host)?.labels).toEqual(hostOf(fromCapture, host)?.labels);
    expect(hostOf(fromLog, host)?.evidence).toEqual(hostOf(fromCapture, host)?.evidence);
  });

  it('a name looked up every minute through the network resolver is periodic, and the verdict names it', async () => {
    const rng = new Rng(10);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.70';
    for (let i = 0; i < 40; i++) {
      const ts = T0 + i * 60 + (rng.next() - 0.5) * 1.2;
      lookup(frames, host, rng.int(30000, 59999), i + 1, 'cdn-check.badcorp.example', ts, 5);
    }
    // ordinary browsing besides: names asked once or twice, at random times
    for (let i = 0; i < 60; i++) lookup(frames, host, rng.int(30000, 59999), 500 + i, `site${i % 30}.example.com`, T0 + rng.next() * 2400);
    const { result } = await analyzeFrames(frames, 'dns-beacon.pcap');
    const h = hostOf(result, host);
    expect(h?.labels).toEqual(['periodic']);
    expect(h?.evidence).toContainEqual(
      expect.stringMatching(/^periodic: DNS lookups of cdn-check\.badcorp\.example: one lookup every 1 min \(jitter ±\d+%\)/),
    );
    expect(h?.verdict).toMatch(/^Looks up cdn-check\.badcorp\.example on a schedule — a beacon over DNS/);
    expect(h?.verdict).toContain(`40 lookups to ${RESOLVER}`);
    expect(h?.evidence.some((e) => e.includes('site'))).toBe(false);
    // The name and its schedule in the JSON's fields: the period a `periodic` label reports.
    expect(h?.dnsSchedules?.map((d) => d.name)).toEqual(['cdn-check.badcorp.example']);
    const d = h!.dnsSchedules![0]!;
    expect(d).toMatchObject({ lookups: 40, resolvers: [RESOLVER], ttl: 5 });
    expect(d.schedule).toMatchObject({ periodic: true, basis: 'DNS lookups', repetitions: 40 });
    expect(d.schedule.periodSeconds).toBeCloseTo(60, 0);
    expect(Date.parse(d.lastSeen) - Date.parse(d.firstSeen)).toBeGreaterThan(38 * 60_000);
    expect(h?.dnsTunnels).toBeUndefined();
  });

  /** A fetch from `host` to 198.51.100.7:443 (the lookups' answer) at `ts`: handshake, a request, its answer, FINs. */
  function fetch(frames: TimedFrame[], host: string, sport: number, ts: number): void {
    const s = new TcpSession({ client: host, server: '198.51.100.7', sport, dport: 443 });
    frames.push(...s.exchange(ts, 'x'.repeat(300), 'y'.repeat(900), { rtt: 0.03, reply: 0.07, close: 0.08 }).frames());
  }

  it('a program that looks its server up before each fetch, at uneven times, polls by no schedule: its connections say so', async () => {
    // Every 3 s ±90 %, as the lab's shared-address scenario fetches its shop: lookups a second
    // apart are one lookup, so the lookups alone read as a loose schedule the fetches do not keep
    // (here "one lookup every 3.6 s (jitter ±53%)", the fetches "irregular spacing, jitter ±81%").
    const rng = new Rng(8);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.74';
    let ts = T0;
    for (let i = 0; i < 25; i++) {
      lookup(frames, host, 40000 + i, i + 1, 'shop.other.example', ts, 0);
      fetch(frames, host, 50000 + i, ts + 0.01);
      ts += 3 * (1 + (rng.next() * 2 - 1) * 0.9);
    }
    const { result } = await analyzeFrames(frames, 'uneven-fetches.pcap');
    const h = hostOf(result, host);
    expect(h?.groups.find((g) => g.destination === 'shop.other.example')?.schedule.periodic).toBe(false);
    expect(h?.dnsSchedules).toBeUndefined();
    expect(h?.labels ?? []).not.toContain('periodic');
    expect(h?.verdict ?? '').not.toMatch(/Looks up shop\.other\.example on a schedule/);
  });

  it('lookups every minute that lead to a connection only now and then (a DNS channel told when to connect) keep their schedule', async () => {
    const rng = new Rng(11);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.75';
    for (let i = 0; i < 40; i++) {
      const ts = T0 + i * 60 + (rng.next() - 0.5);
      lookup(frames, host, 40000 + i, i + 1, 'tasks.c2.example', ts, 5);
      if (i % 5 === 2 || i === 11) fetch(frames, host, 50000 + i, ts + 0.01);
    }
    const { result } = await analyzeFrames(frames, 'dns-channel-tasks.pcap');
    const h = hostOf(result, host);
    expect(h?.dnsSchedules?.map((d) => d.name)).toEqual(['tasks.c2.example']);
    expect(h?.evidence).toContainEqual(expect.stringMatching(/^periodic: DNS lookups of tasks\.c2\.example: one lookup every 1 min/));
  });

  it("answers nobody asked for (a DNS reflection's responses at its victim) are no lookups of the victim's", async () => {
    // Open resolvers answer spoofed queries for one name every second, each to another port of
    // the victim, which never sent a query.
    const frames: TimedFrame[] = [];
    const victim = '192.168.1.73';
    for (let i = 0; i < 40; i++) {
      const resolver = `203.0.113.${10 + (i % 8)}`;
      const payload = dnsResponsePayload({ id: i + 1, name: 'reflect.example.org', addresses: ['198.51.100.9'], ttl: 60 });
      frames.push({ ts: T0 + i * 1.3, frame: udpFrame({ src: resolver, dst: victim, sport: 53, dport: 20000 + i, payload }) });
    }
    const { result } = await analyzeFrames(frames, 'dns-reflection.pcap');
    const h = hostOf(result, victim);
    expect(h?.labels ?? []).not.toContain('periodic');
    expect(h?.verdict ?? '').not.toMatch(/Looks up/);
    expect(result.summary.join('\n')).not.toMatch(/Looks up reflect\.example\.org/);
  });

  it('a name looked up on a schedule no more often than a schedule of lookups needs, each lookup a flow of its own, is found', async () => {
    // The fewest lookups a host's DNS flows must add up to before they are looked at (dns-channel.ts).
    const frames: TimedFrame[] = [];
    const host = '192.168.1.72';
    for (let i = 0; i < MIN_LOOKUPS; i++) lookup(frames, host, 32000 + i, i + 1, 'poll.vendor.example', T0 + i * 120);
    const { result } = await analyzeFrames(frames, 'fewest-lookups.pcap');
    expect(hostOf(result, host)?.evidence).toContainEqual(expect.stringMatching(/^periodic: DNS lookups of poll\.vendor\.example: /));
  });

  it('lookups that follow the answer’s TTL are said to: a cache expiring, something behind it asking continually', async () => {
    const frames: TimedFrame[] = [];
    const host = '192.168.1.71';
    for (let i = 0; i < 12; i++) lookup(frames, host, 31000 + i, i + 1, 'telemetry.vendor.example', T0 + i * 300.2, 300);
    const { result } = await analyzeFrames(frames, 'ttl-lookups.pcap');
    expect(hostOf(result, host)?.verdict).toContain("as often as the answer's TTL (5 min) lets a cache expire");
  });

  it("asking a resolver outside the network while the network's own answers is said, with both named", async () => {
    const rng = new Rng(12);
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 20; i++) lookup(frames, `192.168.1.${10 + (i % 5)}`, 30000 + i, i + 1, 'www.example.com', T0 + i * 7);
    // 192.168.1.90 asks 9.9.9.9 itself, at no schedule, and gets answers
    const past = '192.168.1.90';
    for (let i = 0; i < 6; i++) {
      const ts = T0 + rng.next() * 600;
      const sport = 41000 + i;
      frames.push({
        ts,
        frame: udpFrame({
          src: past,
          dst: '9.9.9.9',
          sport,
          dport: 53,
          payload: dnsQueryPayload({ id: 900 + i, name: `cdn${i}.vendor.example` }),
        }),
      });
      frames.push({
        ts: ts + 0.02,
        frame: udpFrame({
          src: '9.9.9.9',
          dst: past,
          sport: 53,
          dport: sport,
          payload: dnsResponsePayload({ id: 900 + i, name: `cdn${i}.vendor.example`, addresses: ['198.51.100.9'] }),
        }),
      });
    }
    const { result } = await analyzeFrames(frames, 'dns-past-resolver.pcap');
    expect(result.summary).toContainEqual(
      `DNS past the network's resolver ${RESOLVER}: ${past} (6 queries) asks 9.9.9.9 directly and gets answers — resolver settings of their own, out of the network resolver’s sight.`,
    );
    const h = hostOf(result, past)!;
    expect(h.verdict).toMatch(
      /^Asks resolvers outside the network directly \(9\.9\.9\.9: 6 queries for (cdn\d\.vendor\.example, ){3}6 of 6 flows answered\) although the network's resolver 192\.168\.1\.53 answers the others/,
    );
    expect(h.evidence).toContainEqual(
      expect.stringMatching(
        /^dns: 6 queries .* to 1 resolver outside the network \(9\.9\.9\.9\), 6 of 6 flows answered, while the network's resolver 192\.168\.1\.53 answers the others: past it$/,
      ),
    );
  });

  it('with no resolver inside, the one outside that answers is the network’s own: ordinary', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 20; i++) {
      const src = `192.168.1.${10 + (i % 5)}`;
      frames.push({
        ts: T0 + i * 7,
        frame: udpFrame({
          src,
          dst: '9.9.9.9',
          sport: 30000 + i,
          dport: 53,
          payload: dnsQueryPayload({ id: i + 1, name: 'www.example.com' }),
        }),
      });
      frames.push({
        ts: T0 + i * 7 + 0.02,
        frame: udpFrame({
          src: '9.9.9.9',
          dst: src,
          sport: 53,
          dport: 30000 + i,
          payload: dnsResponsePayload({ id: i + 1, name: 'www.example.com', addresses: ['198.51.100.9'] }),
        }),
      });
    }
    const { result } = await analyzeFrames(frames, 'isp-resolver.pcap');
    expect(result.hosts.filter((h) => h.labels.length > 0)).toEqual([]);
    expect(result.summary.join(' ')).not.toContain('past the network');
  });

  it('random lookups of many names are no schedule', async () => {
    const rng = new Rng(11);
    const frames: TimedFrame[] = [];
    const host = '192.168.1.72';
    for (let i = 0; i < 200; i++)
      lookup(frames, host, rng.int(30000, 59999), i + 1, `www.site${rng.int(0, 39)}.example`, T0 + rng.next() * 3600);
    const { result } = await analyzeFrames(frames, 'browsing.pcap');
    expect(hostOf(result, host)).toBeUndefined();
  });
});

describe('UDP floods', () => {
  it('datagrams hammered at one address from one socket are a flood, counted in datagrams', async () => {
    const frames: TimedFrame[] = [];
    const host = '192.168.1.80';
    for (let i = 0; i < 1_000; i++) {
      frames.push({
        ts: T0 + i * 0.01,
        frame: udpFrame({ src: host, dst: '203.0.113.9', sport: 5555, dport: 80, payload: 'x'.repeat(512) }),
      });
    }
    const { result } = await analyzeFrames(frames, 'udp-flood.pcap');
    const h = hostOf(result, host)!;
    expect(h.labels).toContain('flood');
    expect(h.evidence).toContainEqual(
      expect.stringMatching(/^flood: 1,000 UDP datagrams at 203\.0\.113\.9:80 \(UDP\) in 10 s \(\d+ UDP datagrams\/s\), 1 source port$/),
    );
    expect(h.verdict).toMatch(/^Looks like a flood — what a DDoS participant would do: 1,000 UDP datagrams at 203\.0\.113\.9:80 \(UDP\)/);
    expect(h.verdict).not.toContain('SYN');
  });

  it('a server sending its logs and flow records to a collector outside (syslog, NetFlow, IPFIX) is no flood', async () => {
    for (const port of [514, 2055, 4739]) {
      const frames: TimedFrame[] = [];
      const host = '192.168.1.81';
      // 20 reports a second for 30 s, from one socket, answered by nothing: as the protocols are.
      for (let i = 0; i < 600; i++) {
        frames.push({
          ts: T0 + i * 0.05,
          frame: udpFrame({ src: host, dst: '198.51.100.20', sport: 40514, dport: port, payload: `<134>report ${i}`.padEnd(120) }),
        });
      }
      const { result } = await analyzeFrames(frames, `export-${port}.pcap`);
      expect(hostOf(result, host)?.labels ?? []).not.toContain('flood');
      expect(result.summary.join(' ')).not.toMatch(/flood at one target|DDoS participant would do/);
      // One flow never answered is neither scattered nor repeated.
      expect(result.summary[0]).toBe('Nothing calls home on a schedule; 1 attempt never answered (see the hosts below).');
    }
  });

  it('a flood that runs to the end of a short capture is still a flood, not an attempt cut off', async () => {
    const frames: TimedFrame[] = [];
    const host = '192.168.1.82';
    for (let i = 0; i < 600; i++) {
      frames.push({
        ts: T0 + i * 0.005,
        frame: udpFrame({ src: host, dst: '203.0.113.11', sport: 5557, dport: 53, payload: 'q'.repeat(64) }),
      });
    }
    const { result } = await analyzeFrames(frames, 'short-udp-flood.pcap');
    expect(hostOf(result, host)?.labels).toContain('flood');
    expect(hostOf(result, host)?.verdict).toContain('600 UDP datagrams at 203.0.113.11:53 (UDP) in 3 s');
  });

  it('a busy UDP exchange that is answered all the way (an HTTP/3 download) is no flood', async () => {
    const frames: TimedFrame[] = [];
    const host = '192.168.1.81';
    for (let i = 0; i < 600; i++) {
      const ts = T0 + i * 0.005;
      frames.push({ ts, frame: udpFrame({ src: host, dst: '203.0.113.10', sport: 5556, dport: 4433, payload: 'a'.repeat(40) }) });
      frames.push({
        ts: ts + 0.001,
        frame: udpFrame({ src: '203.0.113.10', dst: host, sport: 4433, dport: 5556, payload: 'b'.repeat(1200) }),
      });
    }
    const { result } = await analyzeFrames(frames, 'udp-download.pcap');
    expect(hostOf(result, host)?.labels ?? []).not.toContain('flood');
  });
});

describe('QUIC beacons nobody answers', () => {
  it("Merlin's QUIC beacon with the server's packets gone: never answered, on its schedule, past the proxy", async () => {
    // The corpus capture as a firewall that drops the server's answers would leave it.
    const frames: TimedFrame[] = [];
    const bytes = new Uint8Array(readFileSync(corpusPath('beacon/zeek_merlinc2_quic.pcapng')));
    await readCaptureBytes('merlin', bytes, (r) => {
      const frame = r.data.slice();
      // IPv4 source address at Ethernet 14 + 12: keep what 10.0.0.4 sent
      if (frame[26] === 10 && frame[27] === 0 && frame[28] === 0 && frame[29] === 4) frames.push({ ts: r.ts, frame });
    });
    expect(frames.length).toBeGreaterThan(20);
    const { result } = await analyzeFrames(frames, 'merlin-unanswered.pcap', { proxies: [{ address: '10.0.0.2', port: 8080 }] });
    const h = hostOf(result, '10.0.0.4')!;
    expect(h.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'periodic']));
    expect(h.verdict).toMatch(
      /^A QUIC beacon that is never answered — dropped on the way out or its server is gone: one burst of datagrams every 15 s \(jitter ±\d+%\) in one QUIC flow \(v1, ALPN h3\) to 24\.199\.110\.233 \(UDP 443\), past the proxy 10\.0\.0\.2:8080, ~[\d.]+ KiB out per burst and nothing back over 3 min/,
    );
    expect(h.verdict).not.toContain('per exchange');
  });
});

describe("the report's charts for UDP hosts", () => {
  it("Merlin's QUIC beacon: its exchanges inside the one connection on a timeline, destination ports instead of source ports", async () => {
    const { result } = await analyze([corpusPath('beacon/zeek_merlinc2_quic.pcapng')]);
    const html = reportRenderers.html(result, { color: false });
    expect(html).toContain('Exchanges over time — 24.199.110.233, inside one connection');
    expect(html).toMatch(/14 exchanges of 24\.199\.110\.233, inside one connection over 3 min/);
    expect(html).toContain('Destination port against time — 10.0.0.4');
    expect(html).not.toContain('Source port against time — 10.0.0.4');
    const json = result.hosts[0]!.groups[0]!;
    expect(json.requestTimes).toHaveLength(14);
    expect(result.hosts[0]!.attempts[0]!.proto).toBe('udp');
  });

  it('the case study keeps its source-port chart: rising ports are the retry loop', async () => {
    const { result } = await analyze([resolve(projectRoot, 'captures/department-host.pcap')]);
    const html = reportRenderers.html(result, { color: false });
    expect(html).toContain('Source port against time — 192.168.0.13');
  });
});
