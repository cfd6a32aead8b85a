/**
 * A large Zeek log read on two threads (split-lines.ts): a worker reads the lines and cuts them
 * into cells while the rows are made. What the built command makes of such a log must be what
 * one thread makes, row for row — its cells cut at whatever separator each header block names,
 * bad rows named by their lines, a log cut short; gzip stays on one thread. Worker threads run the built code
 * (dist/, made by `pretest`): these tests drive it.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/corpus.js';
import { builtModule, runBuilt } from '../support/built.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-split-'));

interface Lines {
  readLines: (path: string, onLine: (line: string, n: number) => void) => Promise<unknown>;
}
interface CutLines {
  readCutLines: (
    path: string,
    onLine: (line: string, n: number, batch: Batch, k: number) => void,
    pause?: () => Promise<void> | null,
    stream?: AsyncIterable<Uint8Array>,
  ) => Promise<unknown>;
  mayCutOnWorker: (path: string, threads: number) => boolean;
  mayCutStreamOnWorker: (
    stream: AsyncIterable<Uint8Array>,
    threads: number,
  ) => Promise<{ long: boolean; stream: AsyncIterable<Uint8Array> }>;
  CUT_ON_WORKER_BYTES: number;
}
interface Batch {
  separator: string;
  cellCounts: Uint8Array;
  firstCells: Int32Array;
  cellStarts: Int32Array;
  cellEnds: Int32Array;
  numbers: Float64Array;
}
const built = <T>(module: string): Promise<T> => builtModule<T>(`logs/${module}`);

const run = runBuilt;

let log: string;
let gz: string;
let small: string;
/** Lines of the log: the bad rows' numbers. */
let shortLine: number;
let badCount: number;

beforeAll(() => {
  // 320,000 rows of a busy day, then 90,000 more (52 MB: past the size a worker reads)
  // after a header block of their own that cuts them at '|', a short row and a bad count among
  // them, cells of Zeek's escapes, unset and empty markers where numbers go, and a last line cut short.
  const day = join(tmp, 'day.conn.log');
  const made = spawnSync(process.execPath, [resolve(projectRoot, 'scripts/make-conn-log.mjs'), day, '420000'], { encoding: 'utf8' });
  expect(made.status).toBe(0);
  const lines = readFileSync(day, 'utf8').trimEnd().split('\n');
  const header = lines.filter((l) => l.startsWith('#') && !l.startsWith('#close'));
  const rows = lines.filter((l) => !l.startsWith('#'));
  const piped = (l: string) => l.replaceAll('\t', '|');
  const second = rows.slice(320_000, 410_000).map(piped);
  const fields = header
    .find((l) => l.startsWith('#fields'))!
    .split('\t')
    .slice(1);
  const bytes = fields.indexOf('orig_bytes');
  const service = fields.indexOf('service');
  const cells = second[10]!.split('|');
  cells[bytes] = '12x';
  second[10] = cells.join('|');
  const marked = second[20]!.split('|');
  marked[bytes] = '-';
  marked[bytes + 1] = '(empty)';
  marked[service] = 'http\\x7cdns';
  second[20] = marked.join('|');
  second.splice(30, 0, 'C-short|10.1.0.1');
  const text = [
    ...header,
    ...rows.slice(0, 320_000),
    '#close\t2024-03-02-00-00-00',
    '#separator \\x7c',
    ...header.slice(1).map(piped),
    ...second,
    rows[410_000]!.slice(0, 40),
  ].join('\n');
  shortLine = header.length + 320_000 + 1 + header.length + 30 + 1;
  badCount = shortLine - 20;
  log = join(tmp, 'busy.conn.log');
  writeFileSync(log, text);
  gz = join(tmp, 'busy.conn.log.gz');
  writeFileSync(gz, gzipSync(text));
  small = join(tmp, 'small.conn.log');
  writeFileSync(small, [...header, ...rows.slice(0, 1000)].join('\n') + '\n');
});

describe('a large Zeek log read on two threads', () => {
  it('gives every line with its number, as one thread reads them, each data line cut where one thread cuts it', async () => {
    const { readLines } = await built<Lines>('lines.js');
    const { readCutLines, mayCutOnWorker } = await built<CutLines>('split-lines.js');
    expect(mayCutOnWorker(log, 1)).toBe(true);
    // (gzip is read on one thread, its lines inflated on zlib's)
    expect(mayCutOnWorker(gz, 1)).toBe(false);
    expect(mayCutOnWorker(log, 0)).toBe(false);
    expect(mayCutOnWorker(small, 1)).toBe(false);
    const one: string[] = [];
    const oneStats = await readLines(log, (line, n) => void one.push(`${n} ${line}`));
    const two: string[] = [];
    let cut = 0;
    let pauses = 0;
    const wrong: string[] = [];
    let cutAtBar = 0;
    const twoStats = await readCutLines(
      log,
      (line, n, batch, k) => {
        two.push(`${n} ${line}`);
        const count = batch.cellCounts[k]!;
        if (line.startsWith('#') || count === 255) return;
        cut++;
        if (batch.separator === '|') cutAtBar++;
        const cells = line.split(batch.separator);
        if (count !== cells.length) wrong.push(`line ${n}: ${count} cells`);
        let at = 0;
        for (let i = 0; i < cells.length && i < count; i++) {
          const j = batch.firstCells[k]! + i;
          const cell = cells[i]!;
          const number = /^\d*\.?\d*$/.test(cell) && /\d/.test(cell) ? Number(cell) : -1;
          if (batch.cellStarts[j] !== at || batch.cellEnds[j] !== at + cell.length || batch.numbers[j] !== number)
            wrong.push(`line ${n} cell ${i}: ${batch.cellStarts[j]}–${batch.cellEnds[j]} ${batch.numbers[j]}`);
          at += cell.length + batch.separator.length;
        }
      },
      () => (++pauses % 50 === 0 ? new Promise((go) => setTimeout(go, 5)) : null),
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(two).toEqual(one);
    expect(twoStats).toEqual(oneStats);
    expect(typeof (twoStats as { cutShort: unknown }).cutShort).toBe('string');
    expect((twoStats as { failure: unknown }).failure).toBe(null);
    // every data line but the one cut short at the end is cut, at its own header block's separator
    expect(cut).toBe(one.filter((l) => !l.split(' ', 2)[1]!.startsWith('#')).length);
    expect(pauses).toBeGreaterThan(100);
    // the second block's rows, the short one among them, at the separator its header names
    expect(cutAtBar).toBe(90_001);
  });

  it('analyze and flows make of it what one thread makes, its bad rows named by their lines', () => {
    for (const command of [
      ['analyze', '--format', 'json'],
      ['flows', '--format', 'json'],
    ]) {
      const two = run([...command, log]);
      const one = run([...command, '--threads', '1', log]);
      expect(two.code, command[0]).toBe(0);
      expect(two.stdout, command[0]).toBe(one.stdout);
      expect(two.stderr).toBe(one.stderr);
      expect(two.stderr).toContain(`${log} line ${badCount.toLocaleString('en-US')}: a byte or packet count is not a number`);
      expect(two.stderr).toContain(`${log} line ${shortLine.toLocaleString('en-US')}: 2 cells where #fields names`);
    }
    const flows = run(['flows', '--format', 'json', log]).stdout.trimEnd().split('\n');
    // the rows of both header blocks, but the two bad ones and the one cut short
    expect(flows).toHaveLength(410_000 - 1);
    expect(flows.filter((l) => l.includes('"service":"http|dns"'))).toHaveLength(1);
  });

  it('piped in, is fed to the worker where a core is left for the writer, and gives every line as one thread reads them', async () => {
    const { readLines } = await built<Lines>('lines.js');
    const { readCutLines, mayCutStreamOnWorker } = await built<CutLines>('split-lines.js');
    // (A pipe's reads: 64 KB at a time.)
    const piped = (path: string) => createReadStream(path, { highWaterMark: 64 << 10 });
    expect((await mayCutStreamOnWorker(piped(log), 2)).long).toBe(true);
    expect((await mayCutStreamOnWorker(piped(log), 1)).long).toBe(false);
    expect((await mayCutStreamOnWorker(piped(gz), 2)).long).toBe(false);
    expect((await mayCutStreamOnWorker(piped(small), 2)).long).toBe(false);
    const one: string[] = [];
    const oneStats = await readLines(log, (line, n) => void one.push(`${n} ${line}`));
    const given = await mayCutStreamOnWorker(piped(log), 2);
    const two: string[] = [];
    let pauses = 0;
    const twoStats = await readCutLines(
      '-',
      (line, n) => void two.push(`${n} ${line}`),
      () => (++pauses % 50 === 0 ? new Promise((go) => setTimeout(go, 5)) : null),
      given.stream,
    );
    expect(two.length).toBe(one.length);
    expect(two).toEqual(one);
    expect(twoStats).toEqual(oneStats);
  });

  it('piped in, analyze and flows make of it what one thread makes', () => {
    const text = readFileSync(log);
    for (const command of [
      ['analyze', '--format', 'json'],
      ['flows', '--format', 'json'],
    ]) {
      // (Three threads: the worker, this one, and a core for the process writing the pipe.)
      const two = run([...command, '--threads', '3', '-'], text);
      const one = run([...command, '--threads', '1', '-'], text);
      expect(two.code, command[0]).toBe(0);
      expect(two.stdout, command[0]).toBe(one.stdout);
      expect(two.stderr).toBe(one.stderr);
      expect(two.stderr).toContain(`line ${shortLine.toLocaleString('en-US')}: 2 cells where #fields names`);
    }
  });

  it('--threads takes a positive whole number', () => {
    const r = run(['analyze', '--threads', '0', log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--threads: '0' is not a positive whole number");
  });
});
