/**
 * Plain tables as spreadsheets and consoles write them: a column of numeric dates read in one
 * order for the whole table (day first where its dates say so, wherever in the table they say
 * it), and cells quoted as RFC 4180 has it, the separator inside them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConnections, defaultAnalyzeOptions, type AnalysisResult } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { HELD_EVENTS } from '../../src/logs/firewall/attempts.js';
import { readFirewallLog, type FirewallLog } from '../../src/logs/firewall/index.js';
import { readFirewallLogFile } from '../../src/logs/firewall/read.js';

function analyse(log: FirewallLog): AnalysisResult {
  return analyzeConnections(log.connections, [log.summary], { ...defaultAnalyzeOptions(), proxies: [] });
}

const HOUR = 3600;
const iso = (ts: number): string => new Date(ts * 1000).toISOString();
const two = (n: number): string => String(n).padStart(2, '0');
/** "09/12/2026" day first, "12/09/2026" month first, and "08:00:00", of a time in UTC. */
const dayFirst = (ts: number): string => {
  const d = new Date(ts * 1000);
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};
const monthFirst = (ts: number): string => {
  const d = new Date(ts * 1000);
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()}`;
};
const clock = (ts: number): string => new Date(ts * 1000).toISOString().slice(11, 19);

/** A host denied every 4 h, from `start` on: one row per attempt, its source port one higher each time. */
function everyFourHours(start: number, rows: number, row: (ts: number, port: number) => string): string[] {
  return Array.from({ length: rows }, (_, i) => row(start + i * 4 * HOUR, 2480 + i));
}

const dateWarnings = (log: FirewallLog): string[] => log.warnings.filter((w) => w.startsWith('column '));

describe('a column of numeric dates, read in one order', () => {
  // 09/12/2026 08:00 to 14/12/2026 04:00: the first 24 rows read either way, the last six only day first.
  const DEC_9 = Date.UTC(2026, 11, 9, 8) / 1000;
  it.each([
    [
      'a date and a time column',
      'Date,Time,Source IP,Source Port,Destination IP,Destination Port,Protocol,Action',
      (ts: number, port: number) => `${dayFirst(ts)},${clock(ts)},192.168.0.13,${port},72.246.53.81,80,TCP,Deny`,
    ],
    [
      'one time stamp column',
      'Timestamp;Source IP;Source Port;Destination IP;Destination Port;Protocol;Action',
      (ts: number, port: number) => `${dayFirst(ts)} ${clock(ts).slice(0, 5)};192.168.0.13;${port};72.246.53.81;80;TCP;Deny`,
    ],
  ])('day first when a later row says so (%s): one attempt every 4 h in December', (_name, header, row) => {
    const log = readFirewallLog('uk.csv', [header, ...everyFourHours(DEC_9, 30, row)].join('\n'));
    expect(log.unmatched.count).toBe(0);
    expect(log.entries).toBe(30);
    expect([log.summary.start, log.summary.end]).toEqual([iso(DEC_9), iso(DEC_9 + 29 * 4 * HOUR)]);
    expect(log.connections.map((c) => c.ts)).toEqual(Array.from({ length: 30 }, (_, i) => DEC_9 + i * 4 * HOUR));
    expect(dateWarnings(log)).toEqual([]);
    const host = analyse(log).hosts[0]!;
    expect(host.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 4 * HOUR, burstSize: 1, sequentialPorts: true });
  });

  it('where no date says, the steps from row to row do: a day apart, not a month, and the reader says it guessed', () => {
    const DEC_1 = Date.UTC(2026, 11, 1, 8) / 1000;
    const table = (date: (ts: number) => string): string =>
      [
        'Date\tTime\tSource IP\tSource Port\tDestination IP\tDestination Port\tAction',
        ...everyFourHours(DEC_1, 25, (ts, port) => `${date(ts)}\t${clock(ts)}\t192.168.0.13\t${port}\t72.246.53.81\t80\tBlocked`),
      ].join('\n');
    // 01/12/2026 … 05/12/2026, and 12/01/2026 … 12/05/2026: every date reads either way.
    for (const [name, date, order] of [
      ['uk.tsv', dayFirst, 'day'],
      ['us.tsv', monthFirst, 'month'],
    ] as const) {
      const log = readFirewallLog(name, table(date));
      expect([log.summary.start, log.summary.end]).toEqual([iso(DEC_1), iso(DEC_1 + 24 * 4 * HOUR)]);
      expect(analyse(log).hosts[0]!.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 4 * HOUR });
      expect(dateWarnings(log)).toEqual([
        `column "Date" was read ${order} first: no date in it says, but its dates step from row to row by days that way`,
      ]);
    }
  });

  it('warns, naming the column, when a row past the first lines can only be read the other way', () => {
    // 250 rows of 05/12/2026 (either order), then 13/12/2026: the first lines cannot tell, the later ones can.
    const rows = ['Date,Time,Source IP,Source Port,Destination IP,Destination Port'];
    for (let i = 0; i < 260; i++)
      rows.push(`${i < 250 ? '05/12/2026' : '13/12/2026'},${clock(i * 60)},192.168.0.13,${3000 + i},72.246.53.81,443`);
    const log = readFirewallLog('late.csv', rows.join('\n'));
    expect(log.unmatched.count).toBe(0);
    expect(log.summary.end).toBe('2026-12-13T04:19:00.000Z');
    expect(dateWarnings(log)).toEqual([
      'column "Date" was read month first (its first lines showed no other order), but line 252 "13/12/2026" and 9 others ' +
        'can only be day first: if the column is day first, the 250 dates that either order reads may be misread',
    ]);
  });

  it('warns, naming the column, of dates in both orders', () => {
    const log = readFirewallLog(
      'both.csv',
      [
        'Day,Time,Source IP,Source Port,Destination IP,Destination Port',
        '13/01/2026,10:00:00,192.168.0.13,3000,72.246.53.81,443',
        '01/13/2026,10:00:30,192.168.0.13,3001,72.246.53.81,443',
        '14/01/2026,10:01:00,192.168.0.13,3002,72.246.53.81,443',
        '02/01/2026,10:01:30,192.168.0.13,3003,72.246.53.81,443',
      ].join('\n'),
    );
    expect(log.entries).toBe(4);
    expect(dateWarnings(log)).toEqual([
      'column "Day" has dates in both orders: line 2 "13/01/2026" and 1 other can only be day first, line 3 "01/13/2026" ' +
        'can only be month first; each was read so, and 1 date that either order reads (both numbers 12 or under) was read day first',
    ]);
    // The majority's order for the date either order reads: 2 January, not 1 February.
    expect(log.connections.map((c) => iso(c.ts).slice(0, 10))).toEqual(['2026-01-02', '2026-01-13', '2026-01-13', '2026-01-14']);
  });

  it('a long table listed newest first, read again from the end of its file, keeps the order its first lines showed', async () => {
    // December 2026, newest first: the first lines (the 31st) are day first; the last ones (1st to 12th) read either way.
    const DEC_1 = Date.UTC(2026, 11, 1) / 1000;
    const count = HELD_EVENTS + 5_000;
    const step = Math.floor((31 * 24 * HOUR) / count);
    const rows: string[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const ts = DEC_1 + i * step;
      rows.push(`${dayFirst(ts)},${clock(ts)},192.168.${(i % 2000) >> 8}.${i % 256},${2000 + ((i / 2000) | 0)},93.184.43.${i % 9},80`);
    }
    const text = ['Date,Time,Source IP,Source Port,Destination IP,Destination Port', ...rows].join('\n');
    const path = join(mkdtempSync(join(tmpdir(), 'callhome-tables-')), 'newest.csv');
    writeFileSync(path, text);
    const emitted: Connection[] = [];
    const log = await readFirewallLogFile(path, {}, (c) => emitted.push(c), 1 << 16);
    expect([log.summary.start, log.summary.end]).toEqual([iso(DEC_1), iso(DEC_1 + (count - 1) * step)]);
    expect(dateWarnings(log)).toEqual([]);
    expect(log.warnings).toEqual(readFirewallLog(path, text).warnings);
    expect(emitted).toHaveLength(count);
  });
});

describe('RFC 4180 quoting', () => {
  it('reads a CSV whose quoted cells hold commas, "Dec 5, 2026 01:02:03" among them', () => {
    const DEC_5 = Date.UTC(2026, 11, 5, 1, 2, 3) / 1000;
    const rows = ['Time,Rule,Action,Source IP,Source Port,Destination IP,Destination Port,Protocol'];
    for (let i = 0; i < 20; i++)
      rows.push(`"Dec 5, 2026 ${clock(DEC_5 + i * 30)}","Default deny, outbound web",Deny,192.168.0.13,${2480 + i},72.246.53.81,80,TCP`);
    const log = readFirewallLog('quoted.csv', `${rows.join('\r\n')}\r\n`);
    expect(log.format).toBe('table');
    expect(log.unmatched.count).toBe(0);
    expect(log.entries).toBe(20);
    expect([log.summary.start, log.summary.end]).toEqual([iso(DEC_5), iso(DEC_5 + 19 * 30)]);
    const host = analyse(log).hosts[0]!;
    expect(host.address).toBe('192.168.0.13');
    expect(host.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 30, sequentialPorts: true });
  });

  it.each([
    [',', '"Time","Rule","Action","Source IP","Source Port","Destination IP","Destination Port"'],
    [';', 'Time;"Rule; as named";Action;Source IP;Source Port;Destination IP;Destination Port'],
  ])('reads rows of which only some quote a cell, quotes doubled inside it, the header quoted too (%s)', (sep, header) => {
    const rows = [
      header,
      ['2026-12-05T01:02:03Z', 'web', 'Allow', '192.168.0.2', '3311', '72.246.54.10', '80'],
      ['2026-12-05T01:02:04Z', `"Deny ""tracker""${sep} then log"`, 'Deny', '192.168.0.13', '2480', '72.246.53.81', '443'],
      ['2026-12-05T01:02:05Z', `  "spaced${sep} before its quote"  `, '"Deny"', '192.168.0.13', '2481', '72.246.53.81', '443'],
      ['"2026-12-05T01:02:06Z"', `"${sep}${sep}"`, 'Allow', '192.168.0.2', '3312', '72.246.54.10', '80'],
    ].map((r) => (typeof r === 'string' ? r : r.join(sep)));
    const log = readFirewallLog('mixed.csv', rows.join('\n'));
    expect(log.unmatched.count).toBe(0);
    expect(log.connections.map((c) => [iso(c.ts).slice(11, 19), c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      ['01:02:03', '192.168.0.2', 3311, '72.246.54.10', 80, true],
      ['01:02:04', '192.168.0.13', 2480, '72.246.53.81', 443, false],
      ['01:02:05', '192.168.0.13', 2481, '72.246.53.81', 443, false],
      ['01:02:06', '192.168.0.2', 3312, '72.246.54.10', 80, true],
    ]);
  });
});

describe("a firewall console's export", () => {
  it("reads PAN-OS's exported traffic log by its Receive Time: denials and resets alike", () => {
    // The header of PAN-OS's "Export to CSV" of the traffic log, columns as the console writes them.
    const header =
      'Receive Time,Serial #,Type,Threat/Content Type,Config Version,Generate Time,Source address,Destination address,NAT Source IP,NAT Destination IP,Rule,Source User,Destination User,Application,Virtual System,Source Zone,Destination Zone,Inbound Interface,Outbound Interface,Log Action,Time Logged,Session ID,Repeat Count,Source Port,Destination Port,NAT Source Port,NAT Destination Port,Flags,IP Protocol,Action,Bytes,Bytes Sent,Bytes Received,Packets,Start Time,Elapsed Time (sec),Category,Session End Reason';
    const row = (i: number, action: string): string => {
      const at = `2026/12/05 01:${two(Math.floor((10 + i * 30) / 60))}:${two((10 + i * 30) % 60)}`;
      return `${at},012345678901,TRAFFIC,drop,2561,${at},192.168.1.5,93.184.216.34,0.0.0.0,0.0.0.0,deny-direct,,,incomplete,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,${at},${1000 + i},1,${51234 + i},443,0,0,0x0,tcp,${action},66,66,0,1,${at},0,any,policy-deny`;
    };
    const rows = Array.from({ length: 10 }, (_, i) => row(i, i % 2 === 0 ? 'deny' : 'reset-both'));
    const log = readFirewallLog('traffic.csv', [header, ...rows].join('\n'));
    expect(log.format).toBe('table');
    expect(log.unmatched.count).toBe(0);
    expect(iso(log.connections[0]!.ts)).toBe('2026-12-05T01:00:10.000Z');
    expect(log.connections.map((c) => [c.origP, c.established, c.resets[0]?.kind])).toEqual(
      Array.from({ length: 10 }, (_, i) => [51234 + i, false, 'log']),
    );
    const host = analyse(log).hosts[0]!;
    expect(host.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
  });

  it("reads Check Point's exported log, its dates written as 5Mar2026 and its service by name", () => {
    const header =
      '"Number","Date","Time","Interface","Origin","Type","Action","Service","Source Port","Source","Destination","Protocol","Rule","Information"';
    const rows = Array.from(
      { length: 10 },
      (_, i) =>
        `"${i + 1}","5Mar2026","9:${two(i)}:01","eth1","fw-gw","Log","Drop","https","${40000 + i}","10.0.0.5","198.51.100.9","tcp","7",""`,
    );
    const log = readFirewallLog('export.csv', [header, ...rows].join('\n'));
    expect(log.format).toBe('table');
    expect(log.unmatched.count).toBe(0);
    expect(log.connections.map((c) => [iso(c.ts), c.origP, c.respP, c.established])).toEqual(
      Array.from({ length: 10 }, (_, i) => [`2026-03-05T09:${two(i)}:01.000Z`, 40000 + i, 443, false]),
    );
  });
});
