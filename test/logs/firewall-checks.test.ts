/**
 * Firewall logs as real devices and tools leave them, and the lines no device writes: dmesg's
 * lines without a host, a Linux client's whole SYN retry series, a FortiGate's words for sessions
 * it let through, addresses and ports that cannot be, and what the report says of how a log's
 * times were read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { tcpFrame } from '../../src/synth/frame.js';
import type { HostFinding } from '../../src/analysis/types.js';
import { callhome } from '../cli/support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-fwchecks-'));
const FIREWALL = { year: 2006 };

function write(name: string, text: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const attempts = (h: HostFinding | undefined): number => (h?.groups ?? []).reduce((n, g) => n + g.attempts, 0);

/** A kern.log line of a SYN `prefix` decided, at `second` past 13:00:00 on 17 November. */
function kern(second: number, prefix: string, sport: number, dst = '72.246.53.90', src = '192.168.0.13'): string {
  const t = new Date(Date.UTC(2006, 10, 17, 13, 0, second));
  return (
    `Nov 17 ${t.toISOString().slice(11, 19)} gw kernel: ${prefix} IN=eth1 OUT=eth0 SRC=${src} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=63 ` +
    `ID=1 DF PROTO=TCP SPT=${sport} DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0`
  );
}

/** When Linux sends a SYN and its six retransmissions (tcp_syn_retries), seconds after the first. */
const LINUX_SYNS = [0, 1, 3, 7, 15, 31, 63];

describe('lines without a host', () => {
  it('dmesg --time-format iso: the word before IN= is the rule’s prefix, and it names the decision', async () => {
    const lines = [
      '2006-11-17T13:00:00,123456+00:00 ACCEPT IN=eth1 OUT=eth0 SRC=192.168.0.13 DST=72.246.53.90 LEN=48 TTL=127 ID=1 DF PROTO=TCP SPT=2487 DPT=80 WINDOW=65535 RES=0x00 SYN URGP=0',
      '2006-11-17T13:00:05,123456+00:00 DROP IN=eth1 OUT=eth0 SRC=192.168.0.13 DST=72.246.53.91 LEN=48 TTL=127 ID=1 DF PROTO=TCP SPT=2488 DPT=80 WINDOW=65535 RES=0x00 SYN URGP=0',
      'Nov 17 13:00:09 ACCEPT IN=eth1 OUT=eth0 SRC=192.168.0.13 DST=72.246.53.92 LEN=48 TTL=127 ID=1 DF PROTO=TCP SPT=2489 DPT=80 WINDOW=65535 RES=0x00 SYN URGP=0',
    ];
    const { connections, captures } = await loadCaptures([write('dmesg.log', `${lines.join('\n')}\n`)], { firewall: FIREWALL });
    expect(connections.map((c) => [c.respH, c.connState])).toEqual([
      ['72.246.53.90', 'S1'],
      ['72.246.53.91', 'S0'],
      ['72.246.53.92', 'S1'],
    ]);
    expect(captures[0]!.formatDetail).not.toMatch(/device/);
  });
});

describe('a Linux client’s SYN retries', () => {
  const logLines = [...LINUX_SYNS.map((s) => kern(s, 'DROP', 3000)), ...LINUX_SYNS.map((s) => kern(200 + s, 'DROP', 3001))];
  const logPath = write('retries.log', `${logLines.join('\n')}\n`);

  it('six retransmissions, the last 32 s after the one before, are one attempt in a log', async () => {
    const { result } = await analyze([logPath], { firewall: FIREWALL });
    expect(attempts(result.hosts.find((h) => h.address === '192.168.0.13'))).toBe(2);
  });

  it('the log and a capture of them agree: every attempt of the capture logged, counted once', async () => {
    const writer = new PcapWriter({ linktype: 1 });
    const t0 = Date.UTC(2006, 10, 17, 13, 0, 0) / 1000;
    for (const [base, sport] of [
      [0, 3000],
      [200, 3001],
    ] as const) {
      for (const s of LINUX_SYNS) {
        const ts = t0 + base + s + 0.25;
        writer.add(
          Math.floor(ts),
          Math.round((ts % 1) * 1e9),
          tcpFrame({ src: '192.168.0.13', dst: '72.246.53.90', sport, dport: 80, seq: sport, flags: 'S' }),
        );
      }
    }
    const capturePath = write('retries.pcap', writer.drain());
    const alone = (await analyze([capturePath])).result;
    expect(attempts(alone.hosts.find((h) => h.address === '192.168.0.13'))).toBe(2);
    const { result } = await analyze([logPath, capturePath], { firewall: FIREWALL });
    expect(result.logMatches![0]).toMatchObject({ matched: 2, captureAttempts: 2, logOnly: 0 });
    expect(result.hosts.find((h) => h.address === '192.168.0.13')!.evidence.join(' ')).toMatch(/the firewall logged 2 of the 2 attempts/);
  });
});

describe('a LOG rule without a decision in its prefix', () => {
  it('its lines are taken as denials, and the log says so', async () => {
    const lines = [kern(0, 'DROP', 2000), kern(1, '', 2001), kern(2, 'IN-eth1', 2002)];
    const { connections, captures } = await loadCaptures([write('unnamed.log', `${lines.join('\n')}\n`)], { firewall: FIREWALL });
    expect(connections.map((c) => c.connState)).toEqual(['S0', 'S0', 'S0']);
    expect(captures[0]!.warnings.join(' ')).toMatch(
      /^2 lines have no prefix that names a decision \(ACCEPT, DROP, REJECT…\): taken as denials/,
    );
  });
});

describe('an exported table’s action words', () => {
  it('a FortiGate’s close, timeout and server-rst are sessions it let through; a word it does not know is said', async () => {
    const rows = [
      'date,time,srcip,srcport,dstip,dstport,proto,action',
      '2006-11-17,13:12:18,192.168.0.13,2480,72.246.53.73,80,6,deny',
      '2006-11-17,13:12:21,192.168.0.2,3301,72.246.54.75,443,6,close',
      '2006-11-17,13:12:22,192.168.0.2,3302,72.246.54.75,443,6,timeout',
      '2006-11-17,13:12:23,192.168.0.2,3303,72.246.54.75,443,6,server-rst',
      '2006-11-17,13:12:24,192.168.0.2,3304,72.246.54.75,443,6,ip-conn',
    ];
    const { connections, captures } = await loadCaptures([write('forti.csv', `${rows.join('\n')}\n`)]);
    expect(connections.map((c) => c.connState)).toEqual(['S0', 'S1', 'S1', 'S1', 'S0']);
    expect(captures[0]!.warnings).toContain('1 line with the action "ip-conn", which names no decision callhome knows, taken as denied');
  });

  it('an address cell that carries its port, IPv6 in brackets too', async () => {
    const rows = [
      'Time,Source,Destination,Action',
      '2006-11-17 13:12:18,[2001:db8::13]:2481,[2001:db8:1::80]:80,Deny',
      '2006-11-17 13:12:19,192.168.0.13:2482,72.246.53.73:80,Deny',
    ];
    const { connections } = await loadCaptures([write('ports-in-cells.csv', `${rows.join('\n')}\n`)]);
    expect(connections.map((c) => `${c.origH} ${c.origP} ${c.respH} ${c.respP}`)).toEqual([
      '2001:db8::13 2481 2001:db8:1::80 80',
      '192.168.0.13 2482 72.246.53.73 80',
    ]);
  });
});

describe('Cisco lines as identity firewalls and time zones leave them', () => {
  it('106100 with the identity firewall’s user after each port is read', async () => {
    const lines = [
      'Nov 17 2006 13:12:40: %FTD-6-106100: access-list CSM_FW_ACL_ denied tcp inside/10.1.1.5(51242)(LOCAL\\jdoe) -> outside/203.0.113.9(80)(LOCAL\\jdoe) hit-cnt 1 first hit [0x97d9ddf3, 0x00000000]',
      'Nov 17 2006 13:12:41: %ASA-4-106100: access-list IN denied tcp inside/10.1.1.5(51243) -> outside/203.0.113.9(80) hit-cnt 1 first hit [0x97d9ddf3, 0x0]',
    ];
    const { connections, captures } = await loadCaptures([write('ftd.log', `${lines.join('\n')}\n`)]);
    expect(connections.map((c) => `${c.origH}:${c.origP} ${c.respH}:${c.respP} ${c.connState}`)).toEqual([
      '10.1.1.5:51242 203.0.113.9:80 S0',
      '10.1.1.5:51243 203.0.113.9:80 S0',
    ]);
    expect(captures[0]!.skipped).toEqual({});
  });

  it('a time zone named by its abbreviation is said to be read in the log’s zone, not taken silently', async () => {
    const lines = [
      'Nov 17 2006 13:12:40 EDT: %ASA-4-106023: Deny tcp src inside:10.1.1.5/51234 dst outside:203.0.113.9/80 by access-group "IN" [0x0, 0x0]',
      'Nov 17 2006 13:12:41 EDT: %ASA-4-106023: Deny tcp src inside:10.1.1.5/51235 dst outside:203.0.113.9/80 by access-group "IN" [0x0, 0x0]',
      'Nov 17 2006 13:12:42 UTC: %ASA-4-106023: Deny tcp src inside:10.1.1.5/51236 dst outside:203.0.113.9/80 by access-group "IN" [0x0, 0x0]',
    ];
    const { captures } = await loadCaptures([write('edt.log', `${lines.join('\n')}\n`)]);
    expect(captures[0]!.warnings).toContain(
      "2 lines give their time in EDT, a zone callhome does not read by its abbreviation: read in UTC instead (--tz names the log's zone)",
    );
  });
});

describe('lines that name what cannot be', () => {
  const good = [kern(0, 'DROP', 2000), kern(2, 'DROP', 2001, '72.246.53.91'), kern(4, 'DROP', 2002, '72.246.53.92')];
  const impossible = [
    kern(1, 'DROP', 2010, '999.246.53.70'),
    kern(3, 'DROP', 99999),
    kern(5, 'DROP', 2011, '2001:db8::zz'),
    kern(6, 'DROP', 2012).replace('SPT=2012 DPT=80', 'SPT=2012 DP'),
    kern(7, 'DROP', 2013).replace('Nov 17 13', 'Nov 31 13'),
  ];

  it('are no attempts: counted and named by their line numbers, the others read', async () => {
    const text = [good[0], impossible[0], good[1], impossible[1], good[2], ...impossible.slice(2)].join('\n');
    const { connections, captures } = await loadCaptures([write('impossible.log', `${text}\n`)], { firewall: FIREWALL });
    expect(connections.map((c) => c.respH)).toEqual(['72.246.53.90', '72.246.53.91', '72.246.53.92']);
    const warnings = captures[0]!.warnings.join('\n');
    expect(warnings).toMatch(
      /4 lines name an address, port or time that cannot be, and are not read as attempts: line 2 .*line 4 .*line 6 .*line 7 /,
    );
    expect(warnings).toMatch(/1 line matches no firewall log format: line 8 "Nov 31/);
    expect(captures[0]!.skipped).toMatchObject({ 'log.impossible': 4, 'log.unmatched': 1 });
  });

  it('a log of nothing else is refused in one line that says so', async () => {
    const run = await callhome(['analyze', '--year', '2006', write('all-impossible.log', `${impossible.slice(0, 3).join('\n')}\n`)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /all-impossible\.log: not a capture or a firewall log: none of its 3 lines is an entry .*; 3 of them name an address, port or time that cannot be \(line 1\)\n$/,
    );
  });
});

describe('a log a crash left NUL bytes in', () => {
  it('the line written after the run of NULs is read, and the log says so', async () => {
    const lines = [kern(0, 'DROP', 2000), `${'\0'.repeat(4096)}${kern(1, 'DROP', 2001)}`, kern(2, 'DROP', 2002)];
    const { connections, captures } = await loadCaptures([write('crashed.log', `${lines.join('\n')}\n`)], { firewall: FIREWALL });
    expect(connections.map((c) => c.origP)).toEqual([2000, 2001, 2002]);
    expect(captures[0]!.warnings).toContain(
      '1 line begins with a run of NUL bytes (left by a crash while the log was written): read from the first byte after it',
    );
  });

  it('syslog lines of no firewall are text, not XML, in the one-line error', async () => {
    const run = await callhome(['analyze', write('rfc5424.log', '<13>1 - host app - - - hello\n<13>1 - host app - - - there\n')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /rfc5424\.log: not a capture file — it looks like a text file, and not a Zeek log or a firewall log callhome reads\n$/,
    );
  });
});

describe('how a log’s times were read, said in the report', () => {
  it('the text and Markdown reports say the time zone and the year the stamps were read with', async () => {
    const path = write('clock.log', `${[kern(0, 'DROP', 2000), kern(1, 'DROP', 2001)].join('\n')}\n`);
    const text = await callhome(['analyze', '--year', '2006', path]);
    expect(text.stdout).toMatch(/\n {2}firewall log times read in UTC, year 2006 as given \(--tz and --year set them\)\n/);
    const md = await callhome(['report', '--format', 'markdown', '--year', '2006', '--tz', 'Europe/Berlin', path]);
    expect(md.stdout).toMatch(/_firewall log times read in Europe\/Berlin, year 2006 as given \(--tz and --year set them\)_/);
  });

  it('stamps that give their own UTC offset (rsyslog’s RFC 3339, RFC 5424) are said to be read as stamped, not in --tz', async () => {
    const rfc3339 = [0, 1].map((k) => kern(k, 'DROP', 2000 + k).replace(/^Nov 17 \S+/, `2026-12-06T03:00:0${k}.123456+01:00`));
    const run = await callhome(['analyze', '--tz', 'Asia/Tokyo', write('rfc3339.log', `${rfc3339.join('\n')}\n`)]);
    expect(run.code).toBe(0);
    // 03:00 at +01:00 is 02:00Z, whatever --tz says.
    expect(run.stdout).toMatch(/2026-12-06 02:00:00Z → 02:00:01Z/);
    expect(run.stdout).toMatch(/\n {2}firewall log times read as stamped, with their UTC offsets\n/);
    // One stamp without an offset among them: the zone was used, and the line says so.
    const mixed = [...rfc3339, kern(2, 'DROP', 2002)];
    const both = await callhome(['analyze', '--year', '2006', write('mixed-stamps.log', `${mixed.join('\n')}\n`)]);
    expect(both.stdout).toMatch(/firewall log times read in UTC, year 2006 as given \(--tz and --year set them\)/);
  });

  it('the hour the clocks go back in is read twice over, in a log oldest first and newest first', async () => {
    const stamps = ['Oct 27 01:59:58', 'Oct 27 02:30:00', 'Oct 27 02:59:59', 'Oct 27 02:00:01', 'Oct 27 02:30:00', 'Oct 27 03:00:01'];
    const lines = stamps.map((t, k) => kern(0, 'DROP', 2001 + k).replace(/^Nov 17 \S+/, t));
    const expected = ['23:59:58', '00:30:00', '00:59:59', '01:00:01', '01:30:00', '02:00:01'];
    for (const [name, text] of [
      ['dst.log', lines],
      ['dst-newest-first.log', [...lines].reverse()],
    ] as const) {
      const { connections } = await loadCaptures([write(name, `${text.join('\n')}\n`)], { firewall: { year: 2024, tz: 'Europe/Berlin' } });
      const byPort = [...connections].sort((a, b) => a.origP - b.origP);
      expect(byPort.map((c) => new Date(c.ts * 1000).toISOString().slice(11, 19))).toEqual(expected);
    }
  });

  it('a log’s denial carries no TTL or delay in the flows: empty, not -1 and 0', async () => {
    const run = await callhome(['flows', '--format', 'csv', '--year', '2006', write('ttl.log', `${kern(0, 'DROP', 2000)}\n`)]);
    const [header, row] = run.stdout.trim().split('\n');
    const cells = Object.fromEntries(header!.split(',').map((name, i) => [name, row!.split(',')[i]]));
    expect(cells).toMatchObject({ reset: 'log resp syn', reset_ttl: '', reset_delay: '' });
  });
});
