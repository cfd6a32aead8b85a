import { describe, expect, it } from 'vitest';
import { analyzeConnections, DEFAULT_INTERNAL, type AnalysisResult } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { block, connection, dropped, http, options, random, refused, rst, session, updateAgent } from './support.js';

const proxy = '192.168.0.1';

/** Browsing through the proxy: absolute-URI requests to 192.168.0.1:3128 at irregular times. */
function browsing(host: string, count: number, seed: number, start = 1_000): Connection[] {
  const rnd = random(seed);
  let t = start;
  return Array.from({ length: count }, (_, i) => {
    t += 1 + rnd() * 60;
    const site = `site${i < 7 ? i : Math.floor(rnd() * 7)}.example`;
    return session(host, proxy, 3128, t, {
      respTtl: 128,
      handshakeRtt: 0.0004,
      http: http({ target: `http://${site}/page${i}`, host: site, proxyForm: 'absolute', userAgent: 'Mozilla/4.0 (compatible; MSIE 6.0)' }),
    });
  });
}

function hostOf(result: AnalysisResult, address: string) {
  const h = result.hosts.find((x) => x.address === address);
  expect(h, address).toBeDefined();
  return h!;
}

describe('labels and verdicts', () => {
  const agentHost = '192.168.0.13';
  const floodHost = '192.168.0.50';
  const scanHost = '192.168.0.60';
  const beaconHost = '192.168.0.70';
  const browser = '192.168.0.80';
  const rnd = random(99);

  const agent = updateAgent(agentHost, { bursts: 12, burstSize: 14, period: 32, addresses: block('72.246.53', 15), start: 1_000 });
  const flood = Array.from({ length: 1_500 }, (_, i) =>
    dropped(floodHost, '203.0.113.5', 80, 2_000 + i * 0.004, 1_024 + Math.floor(rnd() * 60_000)),
  );
  const scan = Array.from({ length: 300 }, (_, i) =>
    i === 21
      ? session(scanHost, '192.168.0.2', i + 1, 3_000 + i * 0.05, { respTtl: 64, handshakeRtt: 0.0005 })
      : refused(scanHost, '192.168.0.2', i + 1, 3_000 + i * 0.05, { ttl: 64, delay: 0.0005 }, 50_000 + i),
  );
  const beacon = Array.from({ length: 25 }, (_, i) =>
    session(beaconHost, '198.51.100.9', 443, 1_000 + i * 60 + (rnd() - 0.5) * 6, {
      origBytes: 310,
      respBytes: 220,
      sni: 'cdn-check.example.org',
      origP: 49_152 + Math.floor(rnd() * 16_000),
    }),
  );

  const result = analyzeConnections(
    [...agent, ...browsing(agentHost, 20, 1), ...flood, ...scan, ...beacon, ...browsing(browser, 40, 2)],
    [],
    options(),
  );

  it('the case study: an update agent that ignores the proxy, reset by the firewall', () => {
    const h = hostOf(result, agentHost);
    expect(h.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic', 'via-proxy']));
    expect(h.labels).not.toContain('flood');
    expect(h.labels).not.toContain('scanner');
    expect(h.verdict).toMatch(/^An update agent .* ignores the proxy 192\.168\.0\.1:3128, not a DDoS participant/);
    expect(h.verdict).toMatch(/bursts of 14 attempts \(1 attempt\/s\) every 3[12] s/);
    expect(h.verdict).toMatch(/1[345] addresses in 72\.246\.53\.0\/24 \(a CDN\)/);
    expect(h.verdict).toContain('sequential source ports');
    expect(h.verdict).toMatch(/every attempt reset by a device with no router in between \(TTL 255/);
    expect(h.verdict).toMatch(/both through the proxy .* and directly/);
    const g = h.groups.find((x) => !x.viaProxy)!;
    expect(g).toMatchObject({
      destination: '72.246.53.0/24',
      attempts: 168,
      established: 0,
      resets: { middlebox: 168, endpoint: 0, unknown: 0 },
    });
    expect(g.schedule).toMatchObject({ periodic: true, burstSize: 14, sequentialPorts: true, basis: 'failed attempts' });
    expect(Math.abs(g.schedule.periodSeconds! - 32) / 32).toBeLessThan(0.05);
    expect(h.evidence.some((e) => e.startsWith('proxy-bypass: 168 direct attempts'))).toBe(true);
    expect(h.attempts).toHaveLength(168 + 20);
    expect(h.attempts.filter((a) => a.outcome === 'reset-middlebox')).toHaveLength(168);
  });

  it('a genuine flood is a flood', () => {
    const h = hostOf(result, floodHost);
    expect(h.labels).toContain('flood');
    expect(h.labels).not.toContain('periodic');
    expect(h.verdict).toMatch(/^Looks like a flood .* \d,\d{3} SYNs at 203\.0\.113\.5:80 .* source ports not sequential/);
    expect(h.evidence.find((e) => e.startsWith('flood:'))).toMatch(/\/s\)/);
  });

  it("a flood's rate is of its SYNs over the time they were sent in, retransmissions included", () => {
    // 300 attempts in 3 s, each SYN sent three times over 9 s: 900 SYNs in 12 s, not in 3.
    const flooder = '192.168.9.9';
    const conns = Array.from({ length: 300 }, (_, i) => dropped(flooder, '203.0.113.99', 443, 1_700_000_000 + i * 0.01, 30_000 + i));
    const h = hostOf(analyzeConnections(conns, [], options()), flooder);
    expect(h.labels).toContain('flood');
    expect(h.verdict).toContain('900 SYNs at 203.0.113.99:443 in 12 s (75 SYNs/s)');
  });

  it('a SYN scan is a scanner, not a flood', () => {
    const h = hostOf(result, scanHost);
    expect(h.labels).toContain('scanner');
    expect(h.labels).not.toContain('flood');
    expect(h.verdict).toMatch(/^A scan: 300 ports on 192\.168\.0\.2 probed/);
  });

  it('a periodic beacon that gets through is worth investigating', () => {
    const h = hostOf(result, beaconHost);
    expect(h.labels).toContain('periodic');
    expect(h.labels).toContain('proxy-bypass');
    expect(h.labels).not.toContain('blocked');
    const g = h.groups[0]!;
    expect(g.destination).toBe('cdn-check.example.org');
    expect(g.schedule).toMatchObject({ periodic: true, burstSize: 1, basis: 'completed sessions' });
    expect(h.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one connection every (59 s|1 min|1 min 1 s)[ ,]/,
    );
  });

  it("an IPv6 proxy in a host's evidence is written [address]:port", () => {
    const conns = Array.from({ length: 6 }, (_, i) =>
      session('fd00:1::21', 'fd00:1::2', 3128, 1_000 + 17 * i, {
        http: http({ target: `http://site${i}.example/`, host: `site${i}.example`, proxyForm: 'absolute' }),
      }),
    );
    const h = hostOf(analyzeConnections(conns, [], options()), 'fd00:1::21');
    expect(h.evidence).toContain('via-proxy: 6 connections through [fd00:1::2]:3128 to 6 destinations');
  });

  it("an IPv6 agent's verdict and evidence quote the firewall's hop limit", () => {
    const addresses = Array.from({ length: 12 }, (_, k) => `2001:db8:100:1::${(0x72 + k).toString(16)}`);
    const agent = updateAgent('fd00:1::11', { bursts: 5, burstSize: 4, period: 11, addresses, resetTtl: 64, resetDelay: 0.00006 });
    const h = hostOf(analyzeConnections(agent, [], options()), 'fd00:1::11');
    expect(h.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(h.verdict).toMatch(/every attempt reset by a device with no router in between \(hop limit 64, /);
    expect(h.evidence.find((e) => e.startsWith('resets:'))).toMatch(
      /^resets: 20 of the direct attempts were refused with hop limit 64 after/,
    );
  });

  it('browsing through the proxy is ordinary and comes last', () => {
    const h = hostOf(result, browser);
    expect(h.labels).toEqual(['via-proxy']);
    expect(h.verdict).toMatch(/^Ordinary browsing through the proxy 192\.168\.0\.1:3128: 40 connections to 7 destinations/);
    expect(result.hosts.at(-1)!.address).toBe(browser);
    // A beacon that gets through deserves attention first, then the flood.
    expect(result.hosts.slice(0, 2).map((h) => h.address)).toEqual([beaconHost, floodHost]);
  });

  it('finds the proxy and the firewall, and says why it is not a DDoS', () => {
    expect(result.proxies[0]).toMatchObject({ address: proxy, port: 3128, source: 'detected' });
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: 255, resets: 168, hosts: [agentHost] });
    expect(result.summary.join(' ')).toMatch(/192\.168\.0\.13 \(to 72\.246\.53\.0\/24, every 3\d s\)/);
    expect(result.summary.join(' ')).toMatch(
      /168 resets for 1\d addresses \(72\.246\.53\.0\/24\) came from a device in the path with no router in between \(most likely the firewall\), not from the servers: one device answers/,
    );
    expect(result.summary.join(' ')).toMatch(/192\.168\.0\.50 looks like a flood/);
  });
});

describe('labels: the "not that label" cases', () => {
  it('no proxy in use: direct web attempts are not a proxy bypass', () => {
    const agent = updateAgent('10.0.0.13', { bursts: 5, burstSize: 4, period: 30, addresses: block('72.246.53', 5) });
    const h = analyzeConnections(agent, [], options()).hosts[0]!;
    expect(h.labels).toEqual(['blocked', 'periodic']);
    expect(h.verdict).toMatch(/^Software that keeps trying to reach the web directly/);
  });

  it('silent drops block a host', () => {
    const conns = [...browsing('10.0.0.14', 3, 4), ...[0, 30, 60, 90].map((t) => dropped('10.0.0.14', '72.246.53.80', 443, 1_000 + t))];
    const h = analyzeConnections(conns, [], options()).hosts[0]!;
    expect(h.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked']));
    expect(h.evidence.find((e) => e.startsWith('blocked:'))).toMatch(
      /4 of 4 direct attempts failed \(0 refused by a device in the path, 4 never answered\)/,
    );
    expect(h.verdict).toMatch(/never answered/);
  });

  it('refused by the server itself is not blocked', () => {
    const conns = [
      session('10.0.0.15', '93.184.216.34', 443, 1, { respTtl: 52 }),
      ...[2, 3, 4].map((t) => refused('10.0.0.15', '93.184.216.34', 80, t, { ttl: 52, delay: 0.03 })),
    ];
    const h = analyzeConnections(conns, [], options()).hosts[0]!;
    expect(h.labels).not.toContain('blocked');
    expect(h.verdict).toMatch(/^Refused connection attempts: 3 attempts to 93\.184\.216\.34:80 retried, refused by the server itself/);
  });

  it('a retry loop that fails is no beacon that gets through for a few answered connections to the same network', () => {
    // Refused by the server every 4 s (its own TTL), and three ordinary fetches from a neighbour address of the same /48.
    const loop = Array.from({ length: 8 }, (_, k) => refused('fd77::16', '2001:db8:1::20', 80, 100 + 4.2 * k, { ttl: 61, delay: 0.042 }));
    const fetches = [101, 109, 121].map((t) => session('fd77::16', '2001:db8:1::11', 80, t, { respTtl: 61, handshakeRtt: 0.041 }));
    const h = analyzeConnections([...loop, ...fetches], [], options()).hosts[0]!;
    expect(h.groups[0]).toMatchObject({ attempts: 11, established: 3, schedule: { periodic: true, basis: 'failed attempts' } });
    expect(h.verdict).toMatch(/^Periodic attempts that fail: one attempt every 4\.2 s/);
    expect(h.score).toBeLessThan(100);
  });

  it('two programs retrying two servers of one /24 keep their schedules apart: the group gets the one of its address', () => {
    // Every 5.19 s to .10 (16 times) and every 7.24 s to .12 (12 times), each reset by the firewall: interleaved, no schedule.
    const a = Array.from({ length: 16 }, (_, k) => refused('10.77.0.11', '203.0.113.10', 80, 100 + 5.19 * k, { ttl: 64, delay: 0.00005 }));
    const b = Array.from({ length: 12 }, (_, k) =>
      refused('10.77.0.11', '203.0.113.12', 80, 101.3 + 7.24 * k, { ttl: 64, delay: 0.00005 }),
    );
    const h = analyzeConnections([...a, ...b], [], options()).hosts[0]!;
    expect(h.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(h.groups).toHaveLength(1);
    expect(h.groups[0]!.schedule).toMatchObject({ periodic: true, address: '203.0.113.10', basis: 'failed attempts' });
    expect(h.groups[0]!.schedule.periodSeconds).toBeCloseTo(5.19, 1);
    expect(h.verdict).toMatch(/one attempt every 5\.2 s to 203\.0\.113\.10/);
  });

  it('random browsing with a given proxy is not periodic', () => {
    const result = analyzeConnections(browsing('10.0.0.16', 60, 8), [], options({ proxies: [{ address: proxy, port: 3128 }] }));
    expect(result.hosts[0]!.labels).toEqual(['via-proxy']);
    expect(result.proxies[0]!.source).toBe('given');
  });

  it('a slow sweep of 15 CDN addresses is not a scan', () => {
    const agent = updateAgent('10.0.0.17', { bursts: 20, burstSize: 14, period: 32, addresses: block('72.246.53', 15) });
    expect(analyzeConnections(agent, [], options()).hosts[0]!.labels).not.toContain('scanner');
  });

  it('a sweep of a second port over the addresses of the first counts every address on each port', () => {
    // 120 addresses probed on 22, then the same 120 on 443 twice over: the scan is on 443, of 120 addresses.
    const addresses = Array.from({ length: 120 }, (_, i) => `45.33.${i >> 4}.${1 + (i & 15)}`);
    const probes = [
      ...addresses.map((a, i) => dropped('10.0.0.21', a, 22, 1_000 + i * 0.1)),
      ...addresses.map((a, i) => dropped('10.0.0.21', a, 443, 1_100 + i * 0.1)),
      ...addresses.map((a, i) => dropped('10.0.0.21', a, 443, 1_200 + i * 0.1)),
    ];
    const host = analyzeConnections(probes, [], options()).hosts[0]!;
    expect(host.labels).toContain('scanner');
    expect(host.verdict).toMatch(/^A scan: 120 addresses on port 443 probed in /);
  });

  it('new addresses tried once a minute all day, all turned away, are not a scan; the same addresses in a minute are', () => {
    // A browser or updater without the proxy, as a firewall's deny log shows it: a different web
    // server every minute or so, each attempt denied.
    const addresses = Array.from({ length: 400 }, (_, i) => `${23 + (i % 180)}.${(i * 7) % 256}.${(i * 13) % 256}.${1 + (i % 250)}`);
    const slow = addresses.map((a, i) => refused('10.0.0.19', a, 80, 1_000 + i * 61, { ttl: 64, delay: 0.0003 }));
    const slowHost = analyzeConnections(slow, [], options()).hosts[0]!;
    expect(slowHost.labels).not.toContain('scanner');
    expect(slowHost.verdict).not.toMatch(/scan/i);
    // The same 400 addresses probed 0.1 s apart: a scan.
    const fast = addresses.map((a, i) => refused('10.0.0.20', a, 80, 1_000 + i * 0.1, { ttl: 64, delay: 0.0003 }));
    const fastHost = analyzeConnections(fast, [], options()).hosts[0]!;
    expect(fastHost.labels).toContain('scanner');
    expect(fastHost.verdict).toMatch(/^A scan: 400 addresses on port 80 probed in 40 s, 100% refused/);
    // A scan that lingers between sweeps is still a scan: 50 new addresses within ten minutes.
    const bursty = addresses.map((a, i) =>
      refused('10.0.0.21', a, 80, 1_000 + Math.floor(i / 60) * 3_600 + (i % 60) * 9, { ttl: 64, delay: 0.0003 }),
    );
    expect(analyzeConnections(bursty, [], options()).hosts[0]!.labels).toContain('scanner');
  });

  it('the proxy itself going out to the web is not a bypass', () => {
    const conns = [
      ...browsing('10.0.0.18', 5, 5),
      session(proxy, '93.184.216.34', 80, 1_100, { http: http({ host: 'site0.example', viaHeaders: ['Via: 1.1 proxy'] }) }),
    ];
    const h = analyzeConnections(conns, [], options()).hosts.find((x) => x.address === proxy)!;
    expect(h.labels).toEqual([]);
    expect(h.verdict).toMatch(/^The proxy itself/);
  });

  it('a mid-stream connection with periodic requests is a beacon on one connection', () => {
    const c = connection({
      origH: '10.11.54.5',
      respH: '10.11.54.37',
      respP: 8888,
      ts: 0,
      lastTs: 1_600,
      history: 'DdA',
      synCount: 0,
      established: true,
      connState: 'OTH',
      requestTimes: Array.from({ length: 50 }, (_, i) => 10 + i * 30 + (i % 4) * 0.5),
      origBytes: 50 * 400,
    });
    const h = analyzeConnections([c], [], options()).hosts[0]!;
    expect(h.labels).toEqual(['periodic']);
    expect(h.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one request every 3[01] s on one long-lived connection to 10\.11\.54\.37 \(TCP 8888, an internal address\)/,
    );
  });
});

describe('vantage points and refusals', () => {
  it("a capture on the firewall's LAN side: the proxy shows by its Via headers, the firewall by TTL and delay", () => {
    const proxyHost = '10.0.0.2';
    // The proxy fetching from the same CDN the agent tries: real SYN-ACKs with TTL 52 after 30 ms.
    const fetched = [0, 100, 200].map((t) =>
      session(proxyHost, '72.246.53.90', 80, 900 + t, {
        respTtl: 52,
        handshakeRtt: 0.03,
        http: http({ host: 'liveupdate.example.com', viaHeaders: ['Via: 1.1 proxy:3128', 'X-Forwarded-For: 10.0.0.13'] }),
      }),
    );
    const agent = updateAgent('10.0.0.13', {
      bursts: 6,
      burstSize: 14,
      period: 31,
      addresses: block('72.246.53', 15),
      resetTtl: 255,
      resetDelay: 0.00005,
    });
    const result = analyzeConnections([...fetched, ...agent], [], options());
    expect(result.proxies[0]).toMatchObject({ address: proxyHost, port: null, source: 'detected' });
    expect(result.proxies[0]!.evidence).toMatch(/Via, X-Forwarded-For/);
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: 255 });
    expect(result.resetSources[0]!.evidence).toMatch(/TTL 255 \(no router in between\) but .* arrive with TTL 52/);
    const h = hostOf(result, '10.0.0.13');
    expect(h.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic']));
    expect(hostOf(result, proxyHost).labels).toEqual([]);
  });

  it('ICMP administratively prohibited from the firewall blocks a host', () => {
    const conns = [0, 30, 60, 90, 120].map((t) =>
      connection({
        origH: '10.0.0.20',
        respH: '203.0.113.50',
        respP: 443,
        ts: 1_000 + t,
        resets: [rst({ kind: 'icmp', icmpType: 3, icmpCode: 13, sender: '10.0.0.254', ttl: 255, delay: 0.0004 })],
      }),
    );
    const h = analyzeConnections(conns, [], options()).hosts[0]!;
    expect(h.labels).toEqual(['blocked', 'periodic']);
    expect(h.attempts.every((a) => a.outcome === 'refused-icmp')).toBe(true);
    expect(h.verdict).toMatch(/every attempt refused by 10\.0\.0\.254 \(no router in between/);
  });
});

describe('direct browsing while a proxy is in use', () => {
  it('says the host gets past the proxy, without calling it periodic or blocked', () => {
    const rnd = random(21);
    let t = 1_000;
    const direct = Array.from({ length: 30 }, (_, i) =>
      session('10.0.0.30', `93.184.${i % 5}.${10 + i}`, 443, (t += 5 + rnd() * 120), { sni: `site${i % 5}.example` }),
    );
    const viaProxy = [
      session('10.0.0.31', proxy, 3128, 1_000, { http: http({ method: 'CONNECT', target: 'x.example:443', proxyForm: 'connect' }) }),
    ];
    const h = analyzeConnections([...direct, ...viaProxy], [], options()).hosts.find((x) => x.address === '10.0.0.30')!;
    expect(h.labels).toEqual(['proxy-bypass']);
    expect(h.verdict).toMatch(
      /^Reaches the web directly, past the proxy 192\.168\.0\.1:3128: 30 direct attempts to 5 destinations, 30 established/,
    );
  });

  it('counts the addresses, netblocks and ports of its direct attempts the same whether or not it also uses the proxy', () => {
    const host = '10.0.0.32';
    // Seven attempts: five addresses in two /24s, ports 80 and 443 over TCP, 443 over UDP (QUIC) to one of them.
    const direct = [
      session(host, '198.51.100.10', 80, 1_000),
      session(host, '198.51.100.11', 443, 1_060),
      session(host, '198.51.100.12', 443, 1_130),
      session(host, '203.0.113.20', 80, 1_200),
      session(host, '203.0.113.21', 80, 1_290),
      session(host, '203.0.113.21', 443, 1_300),
      connection({
        origH: host,
        respH: '198.51.100.10',
        respP: 443,
        proto: 'udp',
        ts: 1_400,
        lastTs: 1_402,
        origPkts: 8,
        respPkts: 9,
        connState: 'SF',
        history: 'Dd',
      }),
    ];
    const other = session('10.0.0.31', proxy, 3128, 1_000, {
      http: http({ method: 'CONNECT', target: 'x.example:443', proxyForm: 'connect' }),
    });
    const words = 'proxy-bypass: 7 direct attempts to 5 external addresses in 2 netblocks on port 80, 443 (1 of them over UDP — QUIC';
    const alone = analyzeConnections([...direct, other], [], options()).hosts.find((x) => x.address === host)!;
    expect(alone.evidence.join('\n')).toContain(words);
    const alsoProxied = analyzeConnections([...direct, other, ...browsing(host, 5, 3)], [], options()).hosts.find(
      (x) => x.address === host,
    )!;
    expect(alsoProxied.labels).toContain('via-proxy');
    expect(alsoProxied.evidence.join('\n')).toContain(words);
  });
});

describe('a dual-stack LAN whose hosts have global IPv6 addresses', () => {
  // Four hosts of 2001:db8:0:1::/64 go straight to the web over IPv6; one IPv4 host of the same LAN browses.
  const lan = [
    ...Array.from({ length: 32 }, (_, k) =>
      refused(`2001:db8:0:1::${11 + (k % 4)}`, `2001:db8:100:1::${70 + (k % 5)}`, 80, 100 + 3 * k, { ttl: 64, delay: 0.00005 }),
    ),
    session('192.168.0.14', '198.51.100.10', 80, 150),
  ];

  it('names their /64 for --internal, not a NAT', () => {
    const said = analyzeConnections(lan, [], options()).summary.join('\n');
    expect(said).toMatch(
      /32 connections of 33 were opened .*, 8 by 2001:db8:0:1::11 \(one of 4 such addresses in 2001:db8:0:1::\/64\): hosts with global IPv6 addresses/,
    );
    expect(said).toMatch(/give --internal 2001:db8:0:1::\/64 /);
    expect(said).not.toMatch(/NAT|\/128/);
  });
});

describe('a capture on the outside of a NAT', () => {
  // Everything the network opens leaves as 198.51.100.1; one IPv6 host is not translated.
  const natted = [
    ...Array.from({ length: 40 }, (_, k) =>
      refused('198.51.100.1', `203.0.113.${20 + (k % 3)}`, 80, 100 + 5 * k, { ttl: 62, delay: 0.042 }),
    ),
    session('fd77::16', '2001:db8:1::11', 80, 150),
  ];

  it('says the outside address opened most connections and how to analyse it', () => {
    const result = analyzeConnections(natted, [], options());
    expect(result.hosts.map((h) => h.address)).toEqual(['fd77::16']);
    expect(result.summary.join('\n')).toMatch(
      /40 connections of 41 were opened from addresses outside the internal networks to others outside them, 40 by 198\.51\.100\.1: .* give --internal 198\.51\.100\.1\/32/,
    );
    const given = analyzeConnections(natted, [], options({ internal: [...DEFAULT_INTERNAL, '198.51.100.1/32'] }));
    expect(given.hosts.map((h) => h.address)).toContain('198.51.100.1');
    expect(given.summary.join('\n')).not.toMatch(/outside the internal networks/);
  });

  it("takes many outside clients of one outside address for a service on the network's public address, not a NAT", () => {
    // A capture outside the firewall: 40 clients reach the web server on the public address, which the inside reaches the Internet from too.
    const clients = Array.from({ length: 40 }, (_, k) => session(`${60 + k}.1.2.3`, '198.51.100.10', 443, 100 + k));
    const result = analyzeConnections([...clients, session('192.168.0.20', '93.184.216.34', 443, 150)], [], options());
    const said = result.summary.join('\n');
    expect(said).toMatch(
      /40 connections of 41 came from 40 addresses outside the internal networks to 198\.51\.100\.10, itself outside them: the clients of a service on what is most likely the network's own public address \(40 of them established\), not hosts calling out\. They are not analysed as hosts\./,
    );
    expect(said).not.toMatch(/NAT|--internal/);
  });

  it('with no internal address at all, says the openers it analyses as hosts are the Internet reaching one address', () => {
    const probes = Array.from({ length: 40 }, (_, k) => dropped(`${60 + k}.1.2.3`, '198.51.100.10', [22, 23, 445, 3389][k % 4]!, 100 + k));
    const said = analyzeConnections(probes, [], options()).summary.join('\n');
    expect(said).toMatch(
      /to 198\.51\.100\.10, itself outside them: the Internet reaching .*\(scans and probes\), not hosts calling out\. No address of the internal networks opens a connection, so each of them is analysed as a host/,
    );
  });

  it('says nothing of outside clients that reach an inside server', () => {
    const inbound = Array.from({ length: 40 }, (_, k) => session(`198.51.100.${k + 1}`, '192.168.0.10', 443, 100 + k));
    const result = analyzeConnections([...inbound, session('192.168.0.20', '93.184.216.34', 443, 150)], [], options());
    expect(result.summary.join('\n')).not.toMatch(/outside the internal networks/);
  });
});

describe("a host's reset evidence", () => {
  it('names the addresses it tried, not those of another host refused by the same firewall', () => {
    const v4 = [
      session('10.77.0.11', '203.0.113.10', 80, 100, { respTtl: 61, handshakeRtt: 0.042 }),
      ...[110, 120, 130].map((t) => refused('10.77.0.11', '203.0.113.10', 80, t, { ttl: 64, delay: 0.00005 })),
    ];
    const v6 = [
      session('fd77::16', '2001:db8:1::11', 80, 105, { respTtl: 61, handshakeRtt: 0.042 }),
      ...[115, 125, 135].map((t) => refused('fd77::16', '2001:db8:1::10', 80, t, { ttl: 64, delay: 0.00005 })),
    ];
    const result = analyzeConnections([...v4, ...v6], [], options());
    const resets = (address: string) => hostOf(result, address).evidence.find((e) => e.startsWith('resets:'))!;
    expect(resets('fd77::16')).toMatch(/middlebox/);
    expect(resets('fd77::16')).not.toMatch(/203\.0\.113/);
    expect(resets('10.77.0.11')).not.toMatch(/2001:db8/);
  });
});
