import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConnections, compareAnalyses } from '../../src/analysis/index.js';
import { compare } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { block, connection, http, options, refused, session, updateAgent } from './support.js';

function browsing(host: string) {
  return [5, 70, 200].map((t) =>
    session(host, '192.168.0.2', 8080, 1_000 + t, {
      http: http({ target: 'http://www.gov.lk/', proxyForm: 'absolute', host: 'www.gov.lk' }),
    }),
  );
}

function agentAndBrowsing() {
  return [
    ...updateAgent('192.168.0.13', { bursts: 12, burstSize: 14, period: 31, addresses: block('72.246.53', 15) }),
    ...browsing('192.168.0.13'),
  ];
}

describe('compareAnalyses', () => {
  const department = analyzeConnections(
    [
      ...updateAgent('192.168.0.13', { bursts: 12, burstSize: 14, period: 31, addresses: block('72.246.53', 15) }),
      ...browsing('192.168.0.13'),
    ],
    [],
    options(),
  );
  const consultant = analyzeConnections(
    [
      ...updateAgent('192.168.0.57', { bursts: 20, burstSize: 5, period: 60, addresses: block('96.17.166', 8, 10), seed: 3 }),
      ...browsing('192.168.0.57'),
    ],
    [],
    options(),
  );

  it('two update agents from different vendors behind one firewall', () => {
    const result = compareAnalyses([department, consultant], ['department-host.pcap', 'consultant-laptop.pcap']);
    expect(result.captures).toEqual(['department-host.pcap', 'consultant-laptop.pcap']);
    const shared = result.shared.map((b) => b.behaviour);
    const different = result.different.map((b) => b.behaviour);
    expect(shared).toEqual(expect.arrayContaining(['proxy-bypass', 'reset source (TTL and delay)', 'proxy']));
    expect(different).toEqual(expect.arrayContaining(['destination', 'schedule shape (period, burst size, sequential ports)']));
    const schedule = result.different.find((b) => b.behaviour.startsWith('schedule'))!;
    expect(schedule.perCapture[0]).toMatch(/bursts of 14 attempts \(1 attempt\/s\) every 3\d s/);
    expect(schedule.perCapture[1]).toMatch(/bursts of 5 attempts \([^)]+\) every 1 min/);
    expect(result.conclusion).toMatch(
      /^Both hosts \(\S+ in \S+, \S+ in \S+\) run an update agent that ignores the proxy and is blocked; different vendors: 72\.246\.53\.0\/24 vs 96\.17\.166\.0\/24/,
    );
    expect(result.conclusion).toMatch(/both reset by the same firewall \(TTL 255/);
  });

  it('equal results are shared, and internal netblocks are never called vendors', () => {
    const tries = (host: string, server: string) =>
      [0, 40, 80, 120].map((t) => connection({ origH: host, respH: server, respP: 80, ts: 1_000 + t, lastTs: 1_000 + t }));
    const a = analyzeConnections(tries('10.0.0.5', '64.13.134.52'), [], options());
    const b = analyzeConnections(tries('10.0.0.6', '172.16.0.9'), [], options());
    const result = compareAnalyses([a, b], ['a', 'b']);
    const different = result.different.map((x) => x.behaviour);
    expect(different).not.toContain('proxy');
    expect(different).not.toContain('reset source (TTL and delay)');
    expect(different).not.toContain('proxy-bypass');
    for (const x of result.different) expect(new Set(x.perCapture).size, x.behaviour).toBeGreaterThan(1);
    expect(result.conclusion).not.toMatch(/vendors/);
    expect(result.conclusion).toMatch(/different destinations/);
    expect(JSON.stringify(result)).not.toMatch(/\b1 addresses/);
  });

  it('the same capture twice shares everything', () => {
    const result = compareAnalyses([department, department], ['a', 'b']);
    expect(result.different).toEqual([]);
    expect(result.conclusion).toMatch(
      /the same destination \(72\.246\.53\.0\/24\); the same schedule shape \(bursts of 14 attempts \(1 attempt\/s\) every 3\d s/,
    );
  });

  it('hosts that bypass the proxy and get through are not called blocked beside one that is', () => {
    const through = Array.from({ length: 10 }, (_, i) => session('192.168.0.20', '93.184.216.34', 443, 1_000 + 300 * i));
    const mixed = analyzeConnections([...agentAndBrowsing(), ...through, ...browsing('192.168.0.20')], [], options());
    const bypass = mixed.hosts.filter((h) => h.labels.includes('proxy-bypass'));
    expect(bypass.map((h) => [h.address, h.labels.includes('blocked')])).toEqual(
      expect.arrayContaining([
        ['192.168.0.13', true],
        ['192.168.0.20', false],
      ]),
    );
    const result = compareAnalyses([mixed, department], ['mixed', 'department']);
    const words = [...result.shared, ...result.different].find((b) => b.behaviour === 'proxy-bypass')?.perCapture[0] ?? '';
    expect(words).toMatch(/bypass the proxy, 1 of 2 blocked$/);
  });

  it('a capture without bypass differs', () => {
    const plain = analyzeConnections(browsing('192.168.0.80'), [], options());
    const result = compareAnalyses([department, plain], ['a', 'b']);
    expect(result.different.map((b) => b.behaviour)).toContain('proxy-bypass');
    expect(result.conclusion).toMatch(
      /^Different behaviour: 192\.168\.0\.13 \(a\) shows software turned away in the path on a schedule, while 192\.168\.0\.80 \(b\) shows ordinary traffic; only a bypasses the proxy/,
    );
  });
});

describe('compare beyond the case study', () => {
  const beacon = (host: string, server: string, period: number) =>
    analyzeConnections(
      Array.from({ length: 20 }, (_, i) => session(host, server, 443, 1_000 + i * period)),
      [],
      options(),
    );

  it('two beacons to different servers of one /24: named hosts, periods, different servers', () => {
    const result = compareAnalyses(
      [beacon('10.11.54.223', '198.51.100.37', 39), beacon('10.11.54.186', '198.51.100.67', 9)],
      ['caldera', 'mythic'],
    );
    expect(result.conclusion).toMatch(
      /^Both hosts \(10\.11\.54\.223 in caldera, 10\.11\.54\.186 in mythic\) show a periodic beacon that gets through/,
    );
    expect(result.conclusion).toContain('different servers (198.51.100.37 vs 198.51.100.67) in the same network 198.51.100.0/24');
    expect(result.conclusion).toContain('different schedules (39 s vs 9 s)');
    expect(result.conclusion).not.toMatch(/the same destination|proxy/);
    expect([...result.shared, ...result.different].map((b) => b.behaviour)).not.toContain('proxy');
  });

  it("names an IPv6 proxy's port as an address and port can be read: [address]:port", () => {
    const via = (proxy: string) =>
      analyzeConnections(
        Array.from({ length: 6 }, (_, i) => session('fd00::11', proxy, 3128, 1_000 + i * 60)),
        [],
        options({ proxies: [{ address: proxy, port: 3128 }] }),
      );
    const result = compareAnalyses([via('fd00::2'), via('fd00::3')], ['a', 'b']);
    const proxy = [...result.shared, ...result.different].find((b) => b.behaviour === 'proxy')!;
    expect(proxy.perCapture).toEqual(['[fd00::2]:3128', '[fd00::3]:3128']);
  });

  it('a scan against refused attempts says what each host does', () => {
    const scan = analyzeConnections(
      Array.from({ length: 300 }, (_, i) =>
        refused('10.0.0.60', '10.0.0.2', i + 1, 3_000 + i * 0.05, { ttl: 64, delay: 0.0005 }, 50_000 + i),
      ),
      [],
      options(),
    );
    const tries = analyzeConnections(
      [0, 3, 9].map((t) => refused('10.0.0.61', '203.0.113.5', 80, 100 + t, { ttl: 50, delay: 0.04 }, 4_000)),
      [],
      options(),
    );
    const result = compareAnalyses([scan, tries], ['scan.pcap', 'refused.pcap']);
    expect(result.conclusion).toMatch(
      /^Different behaviour: 10\.0\.0\.60 \(scan\.pcap\) shows a scan, while 10\.0\.0\.61 \(refused\.pcap\) shows connection attempts refused/,
    );
  });
});

describe('compare with a firewall log on one side', () => {
  const excerpt = resolve(projectRoot, 'test/logs/fixtures/case-study-excerpt.tsv');
  const department = resolve(projectRoot, 'captures/department-host.pcap');
  const kernLog = resolve(projectRoot, 'test/logs/fixtures/netfilter-kern.log');

  it("says the log's denials as denials, not as a TTL the log never had", async () => {
    const { result } = await compare([excerpt, department]);
    expect(result.conclusion).toContain("refused (denied in the firewall's log vs TTL 255, 0.35 ms)");
    expect(result.conclusion).not.toMatch(/TTL -1|different devices/);
  });

  it('two firewall logs: both denied in a log, with no claim about which device', async () => {
    const { result } = await compare([excerpt, kernLog]);
    expect(result.conclusion).toMatch(/both denied in a firewall's log\.$/);
    expect(result.conclusion).not.toContain('TTL');
  });
});

describe('compare with a Zeek conn.log, which records no TTL', () => {
  it('says its resets cannot be placed, not that there were none', async () => {
    const fields = [
      'ts',
      'uid',
      'id.orig_h',
      'id.orig_p',
      'id.resp_h',
      'id.resp_p',
      'proto',
      'conn_state',
      'history',
      'orig_pkts',
      'resp_pkts',
    ];
    const rows = Array.from({ length: 20 }, (_, i) =>
      [1_163_766_425 + 31 * i, `CrejRow${i}`, '192.168.0.13', 2_300 + i, `72.246.53.${65 + (i % 5)}`, 80, 'tcp', 'REJ', 'Sr', 1, 1].join(
        '\t',
      ),
    );
    const log = join(mkdtempSync(join(tmpdir(), 'callhome-compare-')), 'conn.log');
    writeFileSync(log, ['#separator \\x09', '#path\tconn', `#fields\t${fields.join('\t')}`, ...rows, ''].join('\n'));
    const { result } = await compare([log, resolve(projectRoot, 'captures/department-host.pcap')]);
    const source = [...result.shared, ...result.different].find((b) => b.behaviour.startsWith('reset source'))!;
    expect(source.perCapture[0]).toBe(
      "20 resets whose sender cannot be told: Zeek's conn.log records no TTL: run callhome on the capture, or on its own conn.log",
    );
    expect(source.perCapture[1]).toMatch(/^resets with TTL 255/);
  });
});
