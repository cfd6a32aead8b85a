/**
 * Firewall logs as input: the case study's own excerpt, one file per format written from the
 * vendors' documented messages, and what analysis makes of them.
 */
import { copyFileSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeConnections, defaultAnalyzeOptions, type AnalysisResult } from '../../src/analysis/index.js';
import { FirewallLogError, matchLogToCapture, readFirewallLog, sniffFirewallLog, type FirewallLog } from '../../src/logs/firewall/index.js';
import { TimeZoneError, datedLine } from '../../src/logs/firewall/time.js';
import { analyze } from '../../src/index.js';
import { analyzeRenderers, reportRenderers } from '../../src/report/index.js';
import { capturesLine, logClockLine } from '../../src/report/words.js';
import type { Connection } from '../../src/flows/connection.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8');

function analyse(log: FirewallLog, proxies: { address: string; port: number | null }[] = []): AnalysisResult {
  return analyzeConnections(log.connections, [log.summary], { ...defaultAnalyzeOptions(), proxies });
}

describe("the case study's firewall excerpt, as it stands", () => {
  const log = readFirewallLog('case-study-excerpt.tsv', fixture('case-study-excerpt.tsv'));
  const result = analyse(log);
  const host = result.hosts[0]!;
  const group = host.groups[0]!;

  it('reads every line of the table as a denied attempt, newest first put in order', () => {
    expect(log.format).toBe('table');
    expect(log.entries).toBe(19);
    expect(log.unmatched.count).toBe(0);
    expect(log.connections).toHaveLength(19);
    expect(log.connections.every((c) => !c.established && c.resets[0]?.kind === 'log')).toBe(true);
    expect(log.summary.start).toBe('2006-11-17T13:12:18.000Z');
    expect(log.summary.end).toBe('2006-11-17T13:12:50.000Z');
    expect(log.warnings).toContain('no action column: every line is taken as a denied attempt (a list of blocked connections)');
    // Lines of one second keep the order they happened in: the ports rise without a step back.
    expect(host.attempts.map((a) => a.sourcePort)).toEqual([
      2480,
      2481,
      2482,
      2483,
      2484,
      ...Array.from({ length: 14 }, (_, i) => 2486 + i),
    ]);
  });

  it('finds the host, blocked by the firewall that wrote the log', () => {
    expect(result.hosts.map((h) => h.address)).toEqual(['192.168.0.13']);
    expect(host.labels).toContain('blocked');
    expect(host.labels).not.toContain('flood');
    expect(result.resetSources).toMatchObject([
      {
        attribution: 'middlebox',
        kind: 'log',
        resets: 19,
        remoteAddresses: 10,
        evidence: 'denied by the firewall (its log: case-study-excerpt.tsv)',
      },
    ]);
  });

  it('says the attempts were denied in its log, not reset: a list of blocks does not say how the firewall refused them', () => {
    expect(group.resets.middlebox).toBe(19);
    expect(group.denied).toBe(19);
    expect(host.evidence).toContain("blocked: 19 of 19 direct attempts failed (19 denied in the firewall's log, 0 never answered)");
    const text = analyzeRenderers.text(result, { color: false, width: 200 });
    expect(text).toContain("19 attempts: 0 established, 19 denied in the firewall's log");
    expect(text).not.toMatch(/reset \(19 by a middlebox\)|refused by a device in the path/);
    // The reports' tables say the same in their resets cell.
    const report = { ...result, connections: [] };
    expect(reportRenderers.markdown(report, { color: false })).toContain("| 19 (19 denied in the firewall's log) |");
    expect(reportRenderers.html(report, { color: false })).toMatch(/<td>19 \(19 denied in the firewall(&#39;|&#x27;|')s log\)<\/td>/);
  });

  it('sees rising source ports, about one attempt a second in bursts, and the pause between them', () => {
    expect(group.netblocks).toEqual(['72.246.53.0/24']);
    expect(group.schedule).toMatchObject({ sequentialPorts: true, bursts: 2, pauseSeconds: 18, periodic: false });
    expect(group.schedule.burstRate!).toBeGreaterThanOrEqual(0.9);
    expect(group.schedule.burstRate!).toBeLessThanOrEqual(1.5);
  });

  it('says so in the verdict: not a DDoS', () => {
    expect(host.verdict).toMatch(
      /^Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant: /,
    );
    expect(host.verdict).toContain('(1.2 attempts/s) with a pause of 18 s between them');
    expect(host.verdict).toContain('sequential source ports');
    expect(host.verdict).toContain('every attempt denied by the firewall (its log: case-study-excerpt.tsv)');
    expect(result.summary.join(' ')).toMatch(
      /Not a DDoS: the blocked host makes at most one attempt every 1\.8 s on average \(1\.2 attempts\/s inside a burst\)/,
    );
  });

  it('with the proxy named, the host bypasses it', () => {
    const withProxy = analyse(log, [{ address: '192.168.0.2', port: 8080 }]);
    expect(withProxy.hosts[0]!.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked']));
    expect(withProxy.hosts[0]!.verdict).toMatch(
      /^An update agent \(or similar software\) that ignores the proxy 192\.168\.0\.2:8080, not a DDoS participant/,
    );
  });
});

describe('formats, told apart by content', () => {
  it.each([
    ['case-study-excerpt.tsv', 'table'],
    ['netfilter-kern.log', 'netfilter'],
    ['cisco-asa.log', 'cisco-asa'],
    ['filterlog.log', 'filterlog'],
    ['pfirewall.log', 'pfirewall'],
    ['pfirewall-xp.log', 'pfirewall'],
  ])('%s is %s', (name, format) => {
    expect(sniffFirewallLog(fixture(name))).toBe(format);
    expect(sniffFirewallLog(Buffer.from(fixture(name)))).toBe(format);
  });

  it('is none of them for a capture, a Zeek conn.log or prose', () => {
    const pcap = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    expect(sniffFirewallLog(pcap)).toBeNull();
    const conn =
      '#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1163769170.1\tCx\t192.168.0.13\t2499\t72.246.53.81\t80\ttcp\n';
    expect(sniffFirewallLog(conn)).toBeNull();
    expect(sniffFirewallLog(fixture('../../../README.md'))).toBeNull();
  });

  it('reads UTF-16 with a byte-order mark (Windows tools write it)', () => {
    const text = fixture('pfirewall.log');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(sniffFirewallLog(bytes)).toBe('pfirewall');
  });
});

describe('netfilter LOG lines', () => {
  const log = readFirewallLog('kern.log', fixture('netfilter-kern.log'), { year: 2024 });
  const byPort = (p: number) => log.connections.find((c) => c.origP === p)!;

  it("reads the packets, skips the kernel's other messages and names the line that matches nothing", () => {
    expect(log.format).toBe('netfilter');
    expect(log.entries).toBe(26);
    expect(log.summary.skipped).toEqual({ 'log.unmatched': 1, 'log.other_message': 1 });
    expect(log.unmatched).toEqual({ count: 1, first: [{ line: 11, text: '-- this line was typed by hand into the file --' }] });
    expect(log.warnings).toContain('1 line matches no firewall log format: line 11 "-- this line was typed by hand into the file --"');
    expect(log.summary.formatDetail).toBe('netfilter LOG lines; 26 entries in 25 attempts; times in UTC, year 2024 as given; device gw');
  });

  it('takes the verdict from the log prefix, and a prefix that names none as a drop', () => {
    expect(byPort(40000)).toMatchObject({ established: true, connState: 'S1', resets: [] });
    expect(byPort(51500)).toMatchObject({ established: false, connState: 'S0', history: 'S', respH: '104.16.132.229', respP: 443 });
    expect(byPort(50200).resets).toMatchObject([{ kind: 'log', sender: 'kern.log' }]);
    expect(byPort(49200).ts).toBe(Date.UTC(2024, 2, 5, 9, 0, 0) / 1000);
  });

  it('folds a SYN retransmission into its attempt', () => {
    const retried = byPort(49203);
    expect(retried).toMatchObject({ synCount: 2, origPkts: 2, duration: 1 });
  });

  it('writes IPv6 addresses the way the capture decoders do', () => {
    expect(byPort(50100)).toMatchObject({ origH: '2001:db8:1::23', respH: '2606:2800:220:1:248:1893:25c8:1946' });
  });

  it('finds the proxy from what the firewall let through, and the hosts that bypass it', () => {
    const result = analyse(log);
    expect(result.proxies.map((p) => p.address)).toEqual(['192.168.1.2']);
    const agent = result.hosts.find((h) => h.address === '192.168.1.23')!;
    expect(agent.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic']));
    expect(agent.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 60, burstSize: 3, sequentialPorts: true });
  });

  it('reads journalctl and dmesg prefixes; a dmesg without -T gives times since boot', () => {
    const journal = readFirewallLog(
      'journal',
      '2024-03-05T09:00:30+0100 gw kernel: DROP IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=192.0.2.1 LEN=60 TTL=63 ID=1 DF PROTO=TCP SPT=40001 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0',
    );
    expect(journal.connections[0]!.ts).toBe(Date.UTC(2024, 2, 5, 8, 0, 30) / 1000);
    const dmesgT = readFirewallLog(
      'dmesg',
      '[Tue Mar  5 09:00:30 2024] ACCEPT IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=192.0.2.1 LEN=60 TTL=63 ID=1 DF PROTO=UDP SPT=40001 DPT=53 LEN=40',
    );
    expect(dmesgT.connections[0]).toMatchObject({ ts: Date.UTC(2024, 2, 5, 9, 0, 30) / 1000, proto: 'udp', established: true });
    const dmesg = readFirewallLog(
      'dmesg',
      '[ 8812.004211] IN=eth1 OUT= MAC= SRC=10.0.0.5 DST=10.0.0.1 LEN=60 TTL=64 ID=1 DF PROTO=TCP SPT=40002 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0',
    );
    expect(dmesg.connections[0]!.ts).toBeCloseTo(8812.004211, 6);
    expect(dmesg.warnings[0]).toMatch(/seconds since the kernel booted/);
  });

  it('says the times of a dmesg without -T as times after the kernel booted, not as 1970 dates', () => {
    const line = (uptime: number, port: number) =>
      `[${uptime.toFixed(6).padStart(12)}] DROP: IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=192.0.2.1 LEN=60 TTL=63 ID=1 DF PROTO=TCP SPT=${port} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;
    const log = readFirewallLog('dmesg.txt', [line(5_000.1, 40001), line(6_200.4, 40002)].join('\n'));
    expect(log.summary.formatDetail).toContain('times in seconds since the kernel booted (dmesg without -T), not dates');
    const header = capturesLine([log.summary]);
    expect(header).toBe('1 firewall log, 2 entries, 1 h 23 min → 1 h 43 min after the kernel booted (20 min)');
    expect(header).not.toContain('1970');
    // No zone or year was used, so none is said to have been.
    expect(logClockLine([log.summary])).toBe('firewall log times read in seconds since the kernel booted (dmesg without -T), not dates');
  });

  it('reads journalctl -o short-full and -o short-unix, OpenWrt logread and dmesg -x', () => {
    const packet =
      'IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=192.0.2.1 LEN=60 TTL=63 ID=1 DF PROTO=TCP SPT=40001 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0';
    const at = Date.UTC(2026, 11, 5, 1, 2, 3) / 1000;
    const first = (text: string, options = {}) => readFirewallLog('kern.log', text, options).connections[0]!.ts;
    expect(first(`Sat 2026-12-05 01:02:03 UTC gw kernel: filter_FWD_public_REJECT: ${packet}`)).toBe(at);
    // A zone by name other than UTC is the one --tz gives.
    expect(first(`Sat 2026-12-05 02:02:03 CET gw kernel: filter_FWD_public_REJECT: ${packet}`, { tz: '+01:00' })).toBe(at);
    expect(first(`${at}.250000 gw kernel: DROP ${packet}`)).toBe(at + 0.25);
    expect(first(`Sat Dec  5 01:02:03 2026 kern.warn kernel: [12345.678901] reject lan out: ${packet}`)).toBe(at);
    const dmesg = readFirewallLog('dmesg', `kern  :warn  : [ 8812.004211] IPTables-Dropped: ${packet}`);
    expect(dmesg.connections[0]!.ts).toBeCloseTo(8812.004211, 6);
    expect(dmesg.warnings[0]).toMatch(/seconds since the kernel booted/);
  });

  it("takes journalctl's own marker lines for what they are: counted as other lines, not unmatched", () => {
    const entry = (second: number, port: number): string =>
      `Dec 04 09:0${second}:01 gw kernel: [UFW BLOCK] IN=eth1 OUT=eth0 SRC=10.0.0.7 DST=151.101.1.69 LEN=60 TTL=63 ID=1 DF PROTO=TCP SPT=${port} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;
    const log = readFirewallLog(
      'kern-journal.log',
      [
        '-- Journal begins at Mon 2026-11-30 08:00:01 UTC, ends at Fri 2026-12-04 10:00:00 UTC. --',
        entry(0, 51000),
        entry(1, 51001),
        '-- Boot 5d6e0f5a1c2b4e0d9f8a7b6c5d4e3f21 --',
        entry(2, 51002),
        '-- Reboot --',
        entry(3, 51003),
      ].join('\n'),
      { year: 2026 },
    );
    expect(log.format).toBe('netfilter');
    expect(log.entries).toBe(4);
    expect(log.unmatched.count).toBe(0);
    expect(log.summary.skipped).toEqual({ 'log.other_message': 3 });
    expect(log.warnings).toEqual([]);
  });

  it("a kernel log without its host: a short prefix such as DROP: is the rule's decision, not a time zone", () => {
    const packet = (port: number) =>
      `IN=eth0 OUT= MAC=90:10:35:5a:1e:3a:90:10:9e:ec:2c:71:08:00 SRC=10.0.0.5 DST=198.51.100.9 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=15743 DF PROTO=TCP SPT=${port} DPT=443 WINDOW=8192 RES=0x00 SYN URGP=0`;
    const log = readFirewallLog(
      'kern-hostless.log',
      [`Jan  8 03:37:09 DROP: ${packet(40000)}`, `Jan  8 03:37:19 DENY: ${packet(40001)}`, `Jan  8 03:37:29 PASS: ${packet(40002)}`].join(
        '\n',
      ),
      { year: 2026 },
    );
    expect(log.connections.map((c) => [c.origP, c.established])).toEqual([
      [40000, false],
      [40001, false],
      [40002, true],
    ]);
    expect(log.connections[0]!.ts).toBe(Date.UTC(2026, 0, 8, 3, 37, 9) / 1000);
    expect(log.warnings).toEqual([]);
  });
});

describe("a router's log of the Internet's scans at its public address, and one host calling out", () => {
  // What most of a real kern.log holds: the INPUT chain dropping SYNs from all over the Internet at
  // the router's own outside address (198.51.100.10), beside one inside host's attempts the
  // FORWARD chain denies every minute.
  let seed = 7;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const stamp = (t: number) => {
    const d = new Date((1709251200 + t) * 1000);
    const two = (v: number) => String(v).padStart(2, '0');
    return `Mar  1 ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  };
  const line = (t: number, chain: string, inside: boolean, src: string, dst: string, spt: number, dpt: number) =>
    `${stamp(t)} gw kernel: ${chain}: IN=${inside ? 'eth1' : 'eth0'} OUT=${inside ? 'eth0' : ''} SRC=${src} DST=${dst} LEN=60 TTL=${40 + next(80)} ` +
    `ID=${next(65536)} PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`;
  const lines: [number, string][] = [];
  for (let i = 0; i < 600; i++) {
    const t = next(4 * 3600);
    const scanner = `${23 + next(180)}.${next(256)}.${next(256)}.${1 + next(250)}`;
    lines.push([t, line(t, 'DROP-IN', false, scanner, '198.51.100.10', 1024 + next(60000), [22, 23, 445, 3389, 8080][next(5)]!)]);
  }
  for (let i = 0; i < 200; i++) lines.push([3600 + i, line(3600 + i, 'DROP-IN', false, '45.33.32.156', '198.51.100.10', 40000, 1 + i)]);
  for (let i = 0; i < 60; i++) lines.push([i * 60, line(i * 60, 'DROP-FWD', true, '192.168.1.50', '203.0.113.77', 30000 + i, 443)]);
  lines.sort((a, b) => a[0] - b[0]);
  const log = readFirewallLog('kern.log', lines.map(([, l]) => `${l}\n`).join(''), { year: 2024 });
  const result = analyse(log);
  const said = result.summary.join('\n');

  it('says the outside connections are the Internet reaching the public address, and names no scanner as the network', () => {
    expect(result.hosts.map((h) => h.address)).toEqual(['192.168.1.50']);
    expect(said).toMatch(
      /800 connections of 860 came from 601 addresses outside the internal networks to 198\.51\.100\.10, itself outside them: the Internet reaching what is most likely the network's own public address/,
    );
    expect(said).toMatch(
      /were denied by the firewall \(its log: kern\.log\); 800 of them came from the Internet to 198\.51\.100\.10 \(below\)/,
    );
    // The busiest scanner is no NAT's outside address to be made internal.
    expect(said).not.toMatch(/NAT|--internal 45\.33\.32\.156/);
  });

  it('still finds the host calling out, blocked on its schedule', () => {
    expect(result.hosts[0]!.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(result.hosts[0]!.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 60 });
  });
});

describe('an inside host scanning through the firewall', () => {
  // 2,000 ports of one address, 20 ms apart, every SYN dropped by the FORWARD chain: two of
  // them at web ports (80, 443), the rest at every other.
  const lines = Array.from({ length: 2000 }, (_, i) => {
    const s = 20 * i;
    const time = `10:00:${String(Math.floor(s / 1000)).padStart(2, '0')}`;
    return (
      `Mar  1 ${time} gw kernel: FW-DROP IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=203.0.113.9 LEN=60 TTL=63 ID=${i} DF ` +
      `PROTO=TCP SPT=${40000 + i} DPT=${i + 1} WINDOW=64240 RES=0x00 SYN URGP=0\n`
    );
  });
  const result = analyse(readFirewallLog('scan.log', lines.join(''), { year: 2024 }));

  it('counts the denials over all its attempts, not over its two at web ports', () => {
    const host = result.hosts.find((h) => h.address === '10.0.0.5')!;
    expect(host.labels).toContain('scanner');
    expect(host.evidence).toContain('denied: 2,000 of 2,000 attempts were denied by the firewall (its log: scan.log)');
    expect(host.evidence.join('\n')).not.toMatch(/of the direct attempts/);
  });
});

describe('Cisco ASA / FTD syslog', () => {
  const log = readFirewallLog('asa.log', fixture('cisco-asa.log'));
  const events = log.connections;

  it('reads 106001, 106006, 106014, 106015, 106023, 106100 and 302013', () => {
    expect(log.format).toBe('cisco-asa');
    expect(log.entries).toBe(14);
    expect(log.summary.skipped).toEqual({ 'log.unmatched': 1 });
    expect(log.unmatched.first.map((u) => u.line)).toEqual([15]);
    expect(log.summary.formatDetail).toContain('device dept-asa');
  });

  it.each([
    ['106023 tcp', 2487, { proto: 'tcp', origH: '192.168.0.13', respH: '72.246.53.96', respP: 80, established: false }],
    ['106100 permitted', 3311, { origH: '192.168.0.2', respH: '72.246.54.10', established: true, connState: 'S1' }],
    ['106100 denied', 1042, { origH: '192.168.0.21', respH: '88.221.81.3', established: false }],
    ['106001', 51234, { origH: '198.51.100.77', respH: '203.0.113.2', respP: 23, history: 'S' }],
    ['106006', 40000, { proto: 'udp', respP: 161 }],
    ['106015 (no connection): an ACK, not an attempt', 2481, { history: 'A', synCount: 0, connState: 'OTH' }],
    ['FTD 106023 udp', 53001, { proto: 'udp', respH: '192.0.2.53' }],
    ['106023 IPv6', 2490, { origH: '2001:db8:10::13', respH: '2001:db8:ffff::80', respP: 443 }],
    [
      '302013 built outbound: the inside end opened it',
      3310,
      { origH: '192.168.0.2', respH: '72.246.54.10', respP: 80, established: true },
    ],
  ])('%s', (_name, port, expected) => {
    expect(events.find((c) => c.origP === port)).toMatchObject(expected);
  });

  it('folds the repeated SYN (same 5-tuple 4 s later) into one attempt', () => {
    expect(events.filter((c) => c.origP === 2486)).toMatchObject([{ synCount: 2 }]);
  });

  it('106014: an ICMP denial', () => {
    expect(events.find((c) => c.proto === 'icmp')).toMatchObject({ origH: '198.51.100.79', respH: '203.0.113.2' });
  });

  describe('a log of connections built and torn down, as an ASA logs allowed traffic', () => {
    const stamp = (t: number): string => `Dec 04 2026 09:${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    const lines: [number, string][] = [];
    let id = 5000;
    // The proxy goes out to forty web servers; each connection is built, then torn down.
    for (let i = 0; i < 120; i++) {
      const server = `93.184.${i % 40}.${10 + (i % 7)}`;
      const port = i % 3 === 0 ? 80 : 443;
      lines.push([
        i * 7,
        `${stamp(i * 7)} asa01 : %ASA-6-302013: Built outbound TCP connection ${id} for outside:${server}/${port} (${server}/${port}) to inside:192.168.0.2/${40000 + i} (203.0.113.2/${40000 + i})`,
      ]);
      lines.push([
        i * 7 + 3,
        `${stamp(i * 7 + 3)} asa01 : %ASA-6-302014: Teardown TCP connection ${id++} for outside:${server}/${port} to inside:192.168.0.2/${40000 + i} duration 0:00:03 bytes 5123 TCP FINs`,
      ]);
    }
    // Two hosts going to the web directly, denied.
    for (let i = 0; i < 20; i++) {
      lines.push([
        i * 30,
        `${stamp(i * 30)} asa01 : %ASA-4-106023: Deny tcp src inside:192.168.0.13/${2480 + i} dst outside:72.246.53.${80 + (i % 5)}/80 by access-group "inside_access_in" [0x0, 0x0]`,
      ]);
      lines.push([
        i * 40 + 1,
        `${stamp(i * 40 + 1)} asa01 : %ASA-4-106023: Deny tcp src inside:192.168.0.14/${3000 + i} dst outside:104.16.${i}.1/443 by access-group "inside_access_in" [0x0, 0x0]`,
      ]);
    }
    lines.push([
      2,
      `${stamp(2)} asa01 : %ASA-6-302015: Built outbound UDP connection ${id++} for outside:8.8.8.8/53 (8.8.8.8/53) to inside:192.168.0.10/5300 (203.0.113.2/5300)(LOCAL\\jsmith)`,
    ]);
    lines.push([
      4,
      `${stamp(4)} asa01 : %ASA-6-302013: Built inbound TCP connection ${id++} for outside:198.51.100.7/51515 (198.51.100.7/51515) to inside:192.168.0.25/443 (203.0.113.25/443)`,
    ]);
    lines.push([
      5,
      `${stamp(5)} asa01 : %ASA-6-302013: Built inbound TCP connection ${id} for inside:192.168.0.50/12523 (192.168.0.50/12523) to NP Identity Ifc:192.168.0.1/22 (192.168.0.1/22)`,
    ]);
    lines.sort((a, b) => a[0] - b[0]);
    const built = readFirewallLog('asa-built.log', lines.map(([, line]) => line).join('\n'));

    it('each connection built is an allowed attempt, opened by the inside end (outbound) or the outside end (inbound)', () => {
      expect(built.entries).toBe(120 + 40 + 3);
      expect(built.summary.skipped).toEqual({ 'log.other_message': 120 });
      const by = (port: number): Connection | undefined => built.connections.find((c) => c.origP === port);
      expect(by(40001)).toMatchObject({ origH: '192.168.0.2', respH: '93.184.1.11', respP: 443, established: true });
      expect(by(5300)).toMatchObject({ proto: 'udp', origH: '192.168.0.10', respH: '8.8.8.8', respP: 53 });
      expect(by(51515)).toMatchObject({ origH: '198.51.100.7', respH: '192.168.0.25', respP: 443 });
      expect(by(12523)).toMatchObject({ origH: '192.168.0.50', respH: '192.168.0.1', respP: 22 });
    });

    it('the one host let out to the web is the proxy, and the hosts denied go past it', () => {
      const result = analyse(built);
      expect(result.proxies.map((p) => p.address)).toEqual(['192.168.0.2']);
      for (const address of ['192.168.0.13', '192.168.0.14']) {
        expect(result.hosts.find((h) => h.address === address)?.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked']));
      }
      // The host denied at twenty servers is not named by the first of them.
      expect(result.summary.join('\n')).toMatch(
        /bypass the proxy and try the web directly: 192\.168\.0\.13 \(to 72\.246\.53\.0\/24, every 30 s\), 192\.168\.0\.14 \(to 20 destinations\)\./,
      );
    });
  });

  describe('a connection let through and torn down for want of an answer', () => {
    const stamp = (t: number): string => `Dec 04 2026 ${new Date(Date.UTC(2026, 11, 4, 9) + t * 1000).toISOString().slice(11, 19)}`;
    /** A host let out to one server every minute; each connection torn down `after` seconds later for `reason`. */
    const log = (reason: string, after: number, bytes = reason === 'SYN Timeout' ? 0 : 4100): FirewallLog => {
      const lines: [number, string][] = [];
      for (let i = 0; i < 40; i++) {
        const t = i * 60;
        const id = 7000 + i;
        lines.push([
          t,
          `${stamp(t)} asa01 : %ASA-6-302013: Built outbound TCP connection ${id} for outside:203.0.113.50/443 (203.0.113.50/443) to inside:192.168.0.30/${50000 + i} (198.51.100.2/${50000 + i})`,
        ]);
        lines.push([
          t + after,
          `${stamp(t + after)} asa01 : %ASA-6-302014: Teardown TCP connection ${id} for outside:203.0.113.50/443 to inside:192.168.0.30/${50000 + i} duration 0:00:${String(after).padStart(2, '0')} bytes ${bytes} ${reason} (LOCAL\\jsmith)`,
        ]);
      }
      lines.sort((a, b) => a[0] - b[0]);
      return readFirewallLog('asa-teardown.log', lines.map(([, line]) => line).join('\n'));
    };

    it('"SYN Timeout": let through and never answered, not a beacon that gets through', () => {
      const read = log('SYN Timeout', 31);
      expect(read.connections).toHaveLength(40);
      expect(read.summary.skipped).toEqual({ 'log.other_message': 40 });
      for (const c of read.connections) expect(c).toMatchObject({ established: false, connState: 'S0', resets: [], duration: 31 });
      const host = analyse(read).hosts.find((h) => h.address === '192.168.0.30')!;
      expect(host.attempts.every((a) => a.outcome === 'unanswered')).toBe(true);
      expect(host.verdict).toMatch(/never answered/);
      expect(host.verdict).not.toMatch(/gets through/);
    });

    it('"TCP Reset-O" before a byte: refused beyond the firewall, by whom the log cannot tell', () => {
      const read = log('TCP Reset-O from outside', 0, 0);
      for (const c of read.connections) {
        expect(c).toMatchObject({ established: false, connState: 'REJ', resets: [{ kind: 'rst', fromOriginator: false, ttl: -1 }] });
      }
      const result = analyse(read);
      const host = result.hosts.find((h) => h.address === '192.168.0.30')!;
      expect(host.attempts.every((a) => a.outcome === 'reset-unknown')).toBe(true);
      expect(host.verdict).toMatch(/every attempt refused \(by whom cannot be told\)/);
      expect(host.verdict).not.toMatch(/gets through/);
      expect(result.resetSources).toMatchObject([{ attribution: 'unknown', resets: 40 }]);
      expect(result.resetSources[0]!.evidence).toMatch(/logs no TTL/);
      // Reset from the outside after bytes went both ways: a connection that got through.
      for (const c of log('TCP Reset-O', 12).connections) expect(c).toMatchObject({ established: true, resets: [] });
      // Reset from the inside, the client's own side: not refused by the server.
      for (const c of log('TCP Reset-I', 0, 0).connections) expect(c).toMatchObject({ established: true, resets: [] });
    });

    it('torn down after its FINs: through, a periodic beacon', () => {
      const read = log('TCP FINs', 12);
      for (const c of read.connections) expect(c).toMatchObject({ established: true, duration: 12 });
      const host = analyse(read).hosts.find((h) => h.address === '192.168.0.30')!;
      expect(host.attempts.every((a) => a.outcome === 'established')).toBe(true);
      expect(host.verdict).toMatch(/periodic beacon that gets through/);
      // The log counts no bytes: the verdict says none, not "~0 B out".
      expect(host.verdict).not.toMatch(/ B out/);
      expect(host.verdict).toMatch(/203\.0\.113\.50; regular check-ins like this/);
    });
  });

  it("reads Cisco's EMBLEM format, and a stamp's zone when it is UTC", () => {
    // `logging emblem` puts a colon (and the sequence number, when on) after <PRI>; `logging
    // timestamp` with a clock zone writes the zone's name after the time.
    const deny = (port: number): string =>
      `%ASA-session-4-106023: Deny tcp src inside:192.168.1.5/${port} dst outside:93.184.216.34/443 by access-group "inside_in" [0x0, 0x0]`;
    const text = [
      `<164>:Dec 05 2026 01:00:10 UTC: ${deny(51234)}`,
      `<164>1187: Dec 05 2026 01:00:40 UTC: ${deny(51235)}`,
      `<164>:Dec 05 01:01:10 UTC: ${deny(51236)}`,
      `Dec 05 2026 06:31:40 IST: ${deny(51237)}`,
    ].join('\n');
    const read = readFirewallLog('asa-emblem.log', text, { tz: '+05:30', year: 2026 });
    expect(read.format).toBe('cisco-asa');
    expect(read.unmatched.count).toBe(0);
    // UTC as the line says; a zone's name alone is read as --tz says.
    expect(read.connections.map((c) => [c.origP, new Date(c.ts * 1000).toISOString()])).toEqual([
      [51234, '2026-12-05T01:00:10.000Z'],
      [51235, '2026-12-05T01:00:40.000Z'],
      [51236, '2026-12-05T01:01:10.000Z'],
      [51237, '2026-12-05T01:01:40.000Z'],
    ]);
  });

  it('a year-less ASA time stamp takes the year from the file date', () => {
    const line =
      'Nov 17 13:12:40 dept-asa : %ASA-4-106023: Deny tcp src inside:192.168.0.13/2486 dst outside:72.246.53.90/80 by access-group "in" [0x0, 0x0]';
    const read = readFirewallLog('asa', line, { mtimeMs: Date.UTC(2006, 11, 1) });
    expect(read.connections[0]!.ts).toBe(Date.UTC(2006, 10, 17, 13, 12, 40) / 1000);
    expect(read.summary.formatDetail).toContain("year 2006 from the file's date");
  });
});

describe('pfSense / OPNsense filterlog', () => {
  const log = readFirewallLog('filter.log', fixture('filterlog.log'), { year: 2024 });
  const at = (port: number) => log.connections.find((c) => c.origP === port)!;

  it('reads IPv4 and IPv6, TCP, UDP and ICMP by position; skips CARP and other daemons', () => {
    expect(log.format).toBe('filterlog');
    expect(log.entries).toBe(9);
    expect(log.unmatched.count).toBe(0);
    expect(log.summary.skipped).toEqual({ 'log.other_message': 2 });
    expect(at(61001)).toMatchObject({ respH: '23.205.105.40', respP: 80, synCount: 2, established: false });
    expect(at(43110)).toMatchObject({ established: true });
    expect(at(58812)).toMatchObject({ proto: 'udp', respP: 53 });
    expect(at(50011)).toMatchObject({ origH: '2001:db8:20::31', respH: '2600:1406:3a00:21::173e:2e65', respP: 443 });
    expect(log.connections.find((c) => c.proto === 'icmp')).toMatchObject({ origH: '10.10.20.44', respH: '9.9.9.9' });
  });

  it('reads the RFC 5424 form the same way', () => {
    expect(at(61003)).toMatchObject({ ts: Date.UTC(2024, 2, 5, 9, 0, 9, 120) / 1000 + 0.000442, respH: '23.205.105.42' });
  });
});

describe('Windows Firewall pfirewall.log', () => {
  it('knows a log of its header alone for a Windows Firewall log with no entry, not for some other text', () => {
    const header = [
      '#Version: 1.5',
      '#Software: Microsoft Windows Firewall',
      '#Time Format: Local',
      '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid',
      '',
    ].join('\r\n');
    expect(sniffFirewallLog(header)).toBe('pfirewall');
    expect(() => readFirewallLog('pfirewall.log', header)).toThrow(/none of its \d+ lines is an entry/);
    // An IIS log's W3C header is no firewall's.
    expect(sniffFirewallLog(header.replace('Microsoft Windows Firewall', 'Microsoft Internet Information Services 10.0'))).toBeNull();
  });

  const log = readFirewallLog('pfirewall.log', fixture('pfirewall.log'), { tz: '+01:00' });
  const at = (port: number) => log.connections.find((c) => c.origP === port)!;

  it('reads the columns the #Fields header names, in local time', () => {
    expect(log.format).toBe('pfirewall');
    expect(log.entries).toBe(8);
    expect(log.unmatched.count).toBe(0);
    expect(at(2480)).toMatchObject({ ts: Date.UTC(2006, 10, 17, 12, 12, 18) / 1000, synCount: 2, established: false });
    expect(at(2482)).toMatchObject({ respH: '192.168.0.2', respP: 8080, established: true });
    expect(at(80)).toMatchObject({ origH: '72.246.53.73', history: 'A', synCount: 0 });
    expect(log.summary.formatDetail).toContain('times in +01:00');
  });
});

describe('Windows Firewall pfirewall.log of Windows XP SP2 / Server 2003 (sessions: OPEN, OPEN-INBOUND, CLOSE, DROP)', () => {
  // A host that checks in with 72.246.53.0/24 on port 80 every 30 s, its personal firewall logging
  // each session it opens and closes; a lookup, an inbound Remote Desktop session, dropped packets.
  const log = readFirewallLog('pfirewall-xp.log', fixture('pfirewall-xp.log'), { tz: '+05:30' });
  const to = (address: string, port: number) => log.connections.filter((c) => c.respH === address && c.respP === port);
  const beacon = log.connections.filter((c) => c.respP === 80);

  it('reads OPEN and OPEN-INBOUND as sessions let through, DROP as denied; CLOSE and INFO-EVENTS-LOST are no entries', () => {
    expect(log.format).toBe('pfirewall');
    expect(log.unmatched.count).toBe(0);
    // 13 OPEN, 1 OPEN-INBOUND, 4 DROP; 14 CLOSE, 1 INFO-EVENTS-LOST and the 4 header lines are the firewall's other messages.
    expect(log.entries).toBe(18);
    expect(log.summary.skipped).toEqual({ 'log.other_message': 19 });
    expect(log.connections).toHaveLength(16);
    expect(beacon).toHaveLength(12);
    expect(beacon.every((c) => c.origH === '192.168.0.13' && c.established && c.connState === 'S1' && c.resets.length === 0)).toBe(true);
    expect(beacon[0]).toMatchObject({ ts: Date.UTC(2006, 10, 17, 7, 42, 18) / 1000, origP: 2480, respH: '72.246.53.72', history: 'S' });
    expect(to('192.168.0.1', 53)).toMatchObject([{ proto: 'udp', origH: '192.168.0.13', established: true }]);
    expect(to('192.168.0.13', 3389)).toMatchObject([{ origH: '192.168.0.7', origP: 1177, established: true }]);
    // The dropped SYN and its two retransmissions: one attempt, denied by the host's firewall.
    expect(to('192.168.0.13', 445)).toMatchObject([{ origH: '192.168.0.7', synCount: 3, established: false }]);
    expect(to('192.168.0.13', 445)[0]!.resets[0]?.kind).toBe('log');
  });

  it('a log that begins with the ends of sessions opened before it (a new file after the old one filled up) is told by content', () => {
    const header = fixture('pfirewall-xp.log').split('\r\n').slice(0, 4);
    const closes = [1034, 1035, 1036, 1037, 1038, 1039].map(
      (port, i) => `2006-11-17 13:10:0${i} CLOSE UDP 192.168.0.13 192.168.0.1 ${port} 53 - - - - - - - - -`,
    );
    const text = [...header, ...closes, '2006-11-17 13:12:18 OPEN TCP 192.168.0.13 72.246.53.72 2480 80 - - - - - - - - -', ''].join(
      '\r\n',
    );
    expect(sniffFirewallLog(text)).toBe('pfirewall');
    expect(readFirewallLog('pfirewall.log', text).connections).toMatchObject([{ respH: '72.246.53.72', established: true }]);
  });

  it('a session opened every 30 s to the same /24 gets through: periodic, not blocked; past a proxy that is named, a bypass', () => {
    const host = analyse(log).hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host.labels).toEqual(['periodic']);
    expect(host.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 30, sequentialPorts: true });
    expect(host.verdict).toMatch(/^A periodic beacon that gets through/);
    const withProxy = analyse(log, [{ address: '192.168.0.2', port: 8080 }]).hosts.find((h) => h.address === '192.168.0.13')!;
    expect(withProxy.labels).toEqual(['proxy-bypass', 'periodic']);
  });
});

describe('plain tables', () => {
  it.each([
    [
      'commas, ISO times, an action column, oldest first',
      'Time,Action,Src IP,Src Port,Dst IP,Dst Port,Protocol\n2006-11-17T13:12:40Z,Blocked,192.168.0.13,2486,72.246.53.90,80,TCP\n2006-11-17T13:12:41Z,Allowed,192.168.0.2,3311,72.246.54.10,80,TCP\n',
    ],
    [
      'semicolons, day-first dates',
      'Date;Time;Source;Destination;Protocol;Source Port;Destination Port\n17.11.2006;13:12:40;192.168.0.13;72.246.53.90;TCP;2486;80\n',
    ],
    [
      'runs of spaces, two-word names, "80 (HTTP)"',
      'Date        Time      Protocol  Source IP      Source Port  Destination IP  Destination Port\n17-Nov-06   13:12:40  TCP       192.168.0.13   2486         72.246.53.90    80 (HTTP)\n',
    ],
    [
      'single spaces',
      'Date Time Protocol Source IP Source Port Destination IP Destination Port\n17-Nov-06 13:12:40 TCP 192.168.0.13 2486 72.246.53.90 80 (HTTP)\n',
    ],
  ])('%s', (_name, text) => {
    const log = readFirewallLog('t', text);
    expect(log.format).toBe('table');
    expect(log.connections[0]).toMatchObject({
      ts: Date.UTC(2006, 10, 17, 13, 12, 40) / 1000,
      origH: '192.168.0.13',
      origP: 2486,
      respH: '72.246.53.90',
      respP: 80,
    });
  });

  it('"Datum" and "Zeit" are not column names callhome knows: no header, nothing read', () => {
    expect(() => readFirewallLog('de.csv', 'Datum;Zeit;Quelle;Ziel\n17.11.2006;13:12:40;192.168.0.13;72.246.53.90\n')).toThrow(
      FirewallLogError,
    );
  });

  it('an action column decides deny and allow', () => {
    const log = readFirewallLog(
      't',
      'Time,Action,Src IP,Src Port,Dst IP,Dst Port\n2006-11-17T13:12:40Z,DENY,10.0.0.1,1000,192.0.2.1,80\n2006-11-17T13:12:41Z,permit,10.0.0.1,1001,192.0.2.1,80\n',
    );
    expect(log.connections.map((c) => c.established)).toEqual([false, true]);
  });
});

describe('one-second time stamps make schedules', () => {
  it('eight bursts of 14 attempts every 31 s, several in one second, are periodic', () => {
    const rows = ['Date\tTime\tSource IP\tSource Port\tDestination IP\tDestination Port'];
    let port = 3000;
    for (let b = 0; b < 8; b++) {
      // 14 attempts over 10 s: four seconds hold two.
      const seconds = [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9];
      for (const s of seconds) {
        const t = new Date(Date.UTC(2006, 10, 17, 13, 0, 0) + (b * 31 + s) * 1000);
        rows.push(`2006-11-17\t${t.toISOString().slice(11, 19)}\t192.168.0.13\t${port++}\t72.246.53.${80 + (port % 16)}\t80`);
      }
    }
    const log = readFirewallLog('bursts.tsv', rows.join('\n'));
    const schedule = analyse(log).hosts[0]!.groups[0]!.schedule;
    expect(schedule).toMatchObject({ periodic: true, periodSeconds: 31, burstSize: 14, bursts: 8, sequentialPorts: true });
    expect(schedule.burstRate!).toBeCloseTo(1.44, 1);
  });
});

describe('time stamps', () => {
  const line = (stamp: string) =>
    `${stamp} gw kernel: DROP IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=192.0.2.1 LEN=60 TTL=63 ID=1 DF PROTO=TCP SPT=40001 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;

  it('a year-less log across New Year rolls over, whichever order it is in', () => {
    const oldestFirst = readFirewallLog('k', [line('Dec 31 23:59:59'), line('Jan  1 00:00:01').replace('40001', '40002')], { year: 2023 });
    expect(oldestFirst.connections.map((c) => c.ts)).toEqual([
      Date.UTC(2023, 11, 31, 23, 59, 59) / 1000,
      Date.UTC(2024, 0, 1, 0, 0, 1) / 1000,
    ]);
    const newestFirst = readFirewallLog('k', [line('Jan  1 00:00:01'), line('Dec 31 23:59:59').replace('40001', '40002')], {
      mtimeMs: Date.UTC(2024, 0, 1, 1),
    });
    expect(newestFirst.connections.map((c) => c.ts)).toEqual([
      Date.UTC(2023, 11, 31, 23, 59, 59) / 1000,
      Date.UTC(2024, 0, 1, 0, 0, 1) / 1000,
    ]);
  });

  it('takes last year when the file date is earlier in the year than the line', () => {
    const log = readFirewallLog('k', line('Dec 30 10:00:00'), { mtimeMs: Date.UTC(2024, 0, 2) });
    expect(log.connections[0]!.ts).toBe(Date.UTC(2023, 11, 30, 10) / 1000);
  });

  it("takes the year of the log's own dated lines before the file's date, the nearest across New Year", () => {
    const dated = Date.UTC(2024, 0, 1, 0, 0, 5) / 1000;
    const log = readFirewallLog('k', [line('Dec 31 23:59:59'), line('Jan  1 00:00:01').replace('40001', '40002')], {
      mtimeMs: Date.UTC(2030, 5, 1),
      datedAt: dated,
    });
    expect(log.connections.map((c) => c.ts)).toEqual([Date.UTC(2023, 11, 31, 23, 59, 59) / 1000, Date.UTC(2024, 0, 1, 0, 0, 1) / 1000]);
    expect(log.summary.formatDetail).toContain("year 2023 from the log's own dated lines");
    // --year still wins.
    expect(readFirewallLog('k', line('Mar  5 09:00:00'), { year: 2022, datedAt: dated }).connections[0]!.ts).toBe(
      Date.UTC(2022, 2, 5, 9) / 1000,
    );
  });

  it('finds the first line whose stamp carries its year: RFC 5424, ISO 8601, a Cisco ASA stamp; none in a year-less log', () => {
    const head = (lines: string[]) => Buffer.from(lines.join('\n'));
    expect(datedLine(head([line('Mar  5 09:00:00'), '<134>1 2024-03-05T09:00:09.120442+00:00 pfSense filterlog 41298 - - 5,,,']))).toBe(
      Date.UTC(2024, 2, 5, 9, 0, 9) / 1000,
    );
    expect(datedLine(head(['2023-12-31T23:59:58+0100 gw kernel: DROP IN=eth1']))).toBe(Date.UTC(2023, 11, 31, 23, 59, 58) / 1000);
    expect(datedLine(head(['Nov 17 2006 13:12:54 dept-asa : %ASA-4-106023: Deny tcp']))).toBe(Date.UTC(2006, 10, 17, 13, 12, 54) / 1000);
    expect(datedLine(head([line('Mar  5 09:00:00'), 'a message that mentions 2024-03-05T09:00:09 later on']))).toBeNull();
  });

  it('a pfSense log that changed to RFC 5424 midway is read in the year its dated lines say, whatever the file date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callhome-year-'));
    const copy = join(dir, 'filter.log');
    copyFileSync(fileURLToPath(new URL('./fixtures/filterlog.log', import.meta.url)), copy);
    utimesSync(copy, new Date(Date.UTC(2030, 5, 1)), new Date(Date.UTC(2030, 5, 1)));
    const { result } = await analyze([copy]);
    expect(result.captures[0]!.start).toBe('2024-03-05T09:00:00.000Z');
    expect(result.captures[0]!.end).toBe('2024-03-05T09:00:09.120Z');
  });

  it('reads wall-clock times in a named zone, summer time included', () => {
    const winter = readFirewallLog('k', line('Jan 15 12:00:00'), { year: 2024, tz: 'Europe/Berlin' });
    const summer = readFirewallLog('k', line('Jul 15 12:00:00'), { year: 2024, tz: 'Europe/Berlin' });
    expect(winter.connections[0]!.ts).toBe(Date.UTC(2024, 0, 15, 11) / 1000);
    expect(summer.connections[0]!.ts).toBe(Date.UTC(2024, 6, 15, 10) / 1000);
  });

  it('refuses a zone it does not know', () => {
    expect(() => readFirewallLog('k', line('Jan 15 12:00:00'), { year: 2024, tz: 'Mars/Olympus' })).toThrow(TimeZoneError);
  });

  it('refuses an offset no clock keeps: beyond ±14:00, or 60 minutes and more', () => {
    for (const tz of ['+25:00', '-14:30', '+1500', '+05:75']) {
      expect(() => readFirewallLog('k', line('Jan 15 12:00:00'), { year: 2024, tz }), tz).toThrow(TimeZoneError);
    }
    const farthest = readFirewallLog('k', line('Jan 15 12:00:00'), { year: 2024, tz: '+14:00' });
    expect(farthest.connections[0]!.ts).toBe(Date.UTC(2024, 0, 14, 22) / 1000);
  });
});

describe('bad input', () => {
  it('a file of which nothing matches: one error that names the file', () => {
    let error: unknown;
    try {
      readFirewallLog('notes.txt', 'shopping list\neggs\nmilk\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FirewallLogError);
    expect((error as FirewallLogError).code).toBe('log.no_entries');
    expect((error as FirewallLogError).file).toBe('notes.txt');
    expect((error as Error).message).toMatch(/^notes\.txt: not a capture or a firewall log: none of its 3 lines is an entry/);
  });

  it('an empty file says so', () => {
    expect(() => readFirewallLog('empty.log', '')).toThrow(/^empty\.log: not a capture or a firewall log: it is empty/);
  });

  it('names at most five unmatched lines, and counts them all', () => {
    const text = fixture('case-study-excerpt.tsv') + Array.from({ length: 7 }, (_, i) => `garbage ${i}`).join('\n');
    const log = readFirewallLog('x.tsv', text);
    expect(log.unmatched.count).toBe(7);
    expect(log.unmatched.first.map((u) => u.line)).toEqual([21, 22, 23, 24, 25]);
    expect(log.warnings.at(-1)).toMatch(/^7 lines match no firewall log format: line 21 "garbage 0", .* line 25 "garbage 4", …$/);
  });
});

describe('a log and a capture together', () => {
  it('matches the log to the capture by 5-tuple and time, the clock offset estimated', async () => {
    const { loadCaptures } = await import('../../src/index.js');
    const { generateDepartmentHost } = await import('../../src/synth/casestudy.js');
    const generated = generateDepartmentHost();
    const capture = (await loadCaptures([{ name: generated.file, bytes: generated.pcap }])).connections;
    const attempts = capture.filter((c) => c.proto === 'tcp' && c.synCount > 0 && c.respP === 80 && !c.established);
    expect(attempts.length).toBeGreaterThan(100);
    // The firewall's clock runs 3 s ahead and stamps whole seconds; it logged all but every tenth attempt, and two of its own.
    const lines: string[] = [];
    attempts.forEach((c, i) => {
      if (i % 10 === 9) return;
      const t = new Date((Math.floor(c.ts) + 3) * 1000);
      const stamp = `${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
      lines.push(
        `${stamp} fw kernel: DROP IN=eth1 OUT=eth0 SRC=${c.origH} DST=${c.respH} LEN=48 TTL=127 ID=1 DF PROTO=TCP SPT=${c.origP} DPT=${c.respP} WINDOW=64240 RES=0x00 SYN URGP=0`,
      );
    });
    const logged = lines.length;
    lines.push(lines[0]!.replace(/SPT=\d+/, 'SPT=1'), lines[1]!.replace(/SPT=\d+/, 'SPT=2'));
    const year = new Date(attempts[0]!.ts * 1000).getUTCFullYear();
    const log = readFirewallLog('fw.log', lines, { year });
    const match = matchLogToCapture(log.connections, capture);
    // Whole-second stamps are cut down: the estimate is the middle of the second, not its start.
    expect(Math.abs(match.clockOffsetSeconds! - 3)).toBeLessThan(0.2);
    expect(match.logged).toBe(logged);
    expect(match.logOnly).toBe(2);
    expect(match.words).toMatch(
      new RegExp(
        `^the firewall logged ${logged.toLocaleString('en-US')} of the [\\d,]+ attempts in the capture \\(clock offset \\+3 s\\); 2 logged attempts not in the capture$`,
      ),
    );
  });
});
