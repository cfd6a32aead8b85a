/**
 * Zeek logs that repeat each other: the same logs in two folders, a logger restarted that wrote
 * part of an hour again. Every row is counted once, and the run says how many were copies.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { textFingerprint } from '../../src/duplicates.js';
import { analyze, loadCaptures } from '../../src/index.js';
import { LOG_COPY_WINDOW, LogCopies } from '../../src/logs/zeek-copies.js';
import { callhome } from '../cli/support.js';
import { HOST, PROXY, findings, hourRows, tsvLog, type LogType, type Rows } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-copies-'));
const DUP = 'dup.seen-in-earlier-log';

const hours = [0, 1, 2].map(hourRows);

/** Zeek's hourly files of `rows` in `dir`: `conn.00:00:00-01:00:00.log.gz`, … */
function writeHour(dir: string, h: number, rows: Rows): void {
  mkdirSync(dir, { recursive: true });
  const span = `${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00`;
  for (const type of ['conn', 'dns', 'http'] as LogType[]) {
    writeFileSync(join(dir, `${type}.${span}.log.gz`), gzipSync(tsvLog(type, rows[type])));
  }
}

function day(root: string): string {
  hours.forEach((rows, h) => writeHour(join(root, '2024-03-01'), h, rows));
  return root;
}

const copiesIn = (captures: { skipped: Record<string, number> }[]) => captures.reduce((n, c) => n + (c.skipped[DUP] ?? 0), 0);
const rowsOf = (type: LogType, from: readonly Rows[]) => from.reduce((n, r) => n + r[type].length, 0);

describe('Zeek logs that repeat each other', () => {
  const once = day(mkdtempSync(join(tmp, 'once-')));

  it('the same logs in two folders: the findings of one copy, every row of the second counted as a copy', async () => {
    const twice = mkdtempSync(join(tmp, 'twice-'));
    day(join(twice, 'sensor-1'));
    day(join(twice, 'sensor-1-copy'));
    const a = await analyze([once]);
    const b = await analyze([twice]);
    expect(b.loaded.captures).toHaveLength(18);
    expect(findings(b.result)).toEqual(findings(a.result));
    expect(b.result.proxies.map((p) => p.address)).toEqual([PROXY]);
    const host = b.result.hosts.find((h) => h.address === HOST)!;
    expect(host.groups.find((g) => g.destination === 'update.example.com')?.attempts).toBe(18);
    // the copies are counted where they are: in the files of the folder read second
    const all = rowsOf('conn', hours) + rowsOf('dns', hours) + rowsOf('http', hours);
    expect(copiesIn(b.loaded.captures)).toBe(all);
    expect(b.loaded.captures.filter((c) => c.file.includes('/sensor-1-copy/')).every((c) => c.skipped[DUP] === c.packets)).toBe(true);
    expect(b.loaded.captures.filter((c) => c.file.includes('/sensor-1/')).every((c) => c.skipped[DUP] === undefined)).toBe(true);
    // dns.log and http.log copies do not double queries or requests
    const one = new Map(a.loaded.connections.toArray().map((c) => [c.uid, c]));
    for (const c of b.loaded.connections) {
      expect(c.dnsQueries, c.uid).toBe(one.get(c.uid)!.dnsQueries);
      expect(c.requestTimes, c.uid).toEqual(one.get(c.uid)!.requestTimes);
    }
    expect(b.loaded.connections).toHaveLength(a.loaded.connections.length);
  });

  it('says so in the report header, and in the JSON of each log', async () => {
    const run = await callhome(['analyze', once, once]);
    const rows = rowsOf('conn', hours) + rowsOf('dns', hours) + rowsOf('http', hours);
    expect(run.stdout).toMatch(
      new RegExp(
        `^callhome: 18 Zeek logs, ${(2 * rows).toLocaleString('en-US')} rows \\(${rows} of them copies of rows another log already had,\\s+counted once\\)`,
      ),
    );
    const json = await callhome(['analyze', '--format', 'json', once, once]);
    const result = JSON.parse(json.stdout) as { captures: { skipped: Record<string, number>; packets: number }[] };
    expect(result.captures.slice(9).map((c) => c.skipped[DUP])).toEqual(result.captures.slice(9).map((c) => c.packets));
  });

  it('a logger restarted that wrote the end of one hour and the next again: the overlap counted once', async () => {
    const root = day(mkdtempSync(join(tmp, 'restart-')));
    // after the restart: the last 10 rows of hour 1 and all of hour 2 again, in a file of their own
    const again: Rows = {
      conn: [...hours[1]!.conn.slice(-10), ...hours[2]!.conn],
      dns: [...hours[1]!.dns.slice(-2), ...hours[2]!.dns],
      http: [...hours[2]!.http],
    };
    writeHour(join(root, '2024-03-01-restarted'), 1, again);
    const { result, loaded } = await analyze([root]);
    expect(findings(result)).toEqual(findings((await analyze([once])).result));
    expect(copiesIn(loaded.captures)).toBe(again.conn.length + again.dns.length + again.http.length);
    const restarted = loaded.captures.filter((c) => c.file.includes('restarted'));
    expect(restarted.map((c) => c.skipped[DUP])).toEqual([again.conn.length, again.dns.length, again.http.length]);
  });

  it('rows that only look alike are not copies: other uids, or the same uid within one file', async () => {
    const dir = mkdtempSync(join(tmp, 'alike-'));
    const rows = hours[0]!.conn;
    writeFileSync(join(dir, 'conn.a.log'), tsvLog('conn', rows));
    // the same connections under other uids (another sensor's Zeek), and one row twice in the file
    const other = rows.map((r) => [r[0]!, `X${r[1]!}`, ...r.slice(2)]);
    writeFileSync(join(dir, 'conn.b.log'), tsvLog('conn', [...other, other[0]!]));
    const loaded = await loadCaptures([dir]);
    expect(copiesIn(loaded.captures)).toBe(0);
    expect(loaded.connections).toHaveLength(2 * rows.length + 1);
  });
});

describe('the memory that counting copies takes', () => {
  it('a day of hourly logs keeps rows only near the next file: no more after 24 files than after 2', () => {
    const DAY0 = 1709251200;
    const files = Array.from({ length: 24 }, (_, h) => ({ file: h, first: DAY0 + h * 3600 }));
    const copies = new LogCopies(new Map([['conn', files]]));
    const filter = copies.of('conn')!;
    const conn = new Set(['conn']);
    const keptAfter: number[] = [];
    for (const { file } of files) {
      copies.start(file, conn);
      // a row a second, as a busy sensor writes them
      for (let s = 0; s < 3600; s++) {
        const time = DAY0 + file * 3600 + s;
        if (filter.looksAt(time)) filter.isCopyOf(textFingerprint(`C${file}-${s}\t${time}`), time);
      }
      keptAfter.push(filter.kept);
    }
    // the rows of the last LOG_COPY_WINDOW of an hour, and what waits to be pruned; never the day
    expect(Math.max(...keptAfter)).toBeLessThan(2 * 3600);
    expect(keptAfter[23]).toBeLessThanOrEqual(keptAfter[1]! + LOG_COPY_WINDOW);
    expect(filter.total).toBe(0);
  });
});
