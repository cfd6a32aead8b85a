/**
 * Logs are cut into lines from chunks of bytes: a line may start in one chunk and end in a
 * later one, a UTF-8 character may be split between chunks, lines may end in CRLF, and the
 * file may end in the middle of a line. The lines must come out the same however the bytes
 * arrive. And the cells of a TSV row read as numbers exactly as `Number` reads their text.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Splitter, readLines } from '../../src/logs/lines.js';
import { TsvRows } from '../../src/logs/zeek-format.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-lines-'));

/** The lines a text holds as a reader expects them: CR before a newline dropped, the tail after the last newline apart. */
function expected(text: string): { lines: string[]; rest: string | null } {
  const parts = text.split('\n');
  const rest = parts.pop()!;
  return { lines: parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), rest: rest === '' ? null : rest };
}

function split(bytes: Buffer, sizes: () => number): { lines: string[]; rest: string | null } {
  const lines: string[] = [];
  const splitter = new Splitter((line) => void lines.push(line));
  for (let at = 0; at < bytes.length;) {
    const end = Math.min(bytes.length, at + Math.max(1, sizes()));
    splitter.push(bytes.subarray(at, end));
    at = end;
  }
  return { lines, rest: splitter.rest() };
}

/** A deterministic stream of numbers from 0 to 1. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('lines cut from chunks of bytes', () => {
  const long = 'x'.repeat(70_000);
  const text = [
    'plain\tline',
    'crlf line\r',
    '',
    'ümlaut and € and 🦊 in one line',
    `a line longer than the text decoded at once ${long}`,
    'after the long one',
    '\r',
    'lone \r inside',
    ...Array.from({ length: 3000 }, (_, i) => `row ${i}\t${'é'.repeat(i % 7)}\t${i * 7919}`),
    'the last, cut short: no newline',
  ].join('\n');
  const bytes = Buffer.from(text, 'utf8');

  it('are the same whether the bytes come whole, one at a time, or in chunks of any size', () => {
    const want = expected(text);
    expect(split(bytes, () => bytes.length)).toEqual(want);
    expect(split(bytes, () => 1)).toEqual(want);
    for (let seed = 1; seed <= 5; seed++) {
      const r = random(seed);
      expect(split(bytes, () => Math.floor(r() * 200_000))).toEqual(want);
      expect(split(bytes, () => Math.floor(r() * 9))).toEqual(want);
    }
  });

  it('stop when the reader says so, and then leave no cut-short line', () => {
    const lines: string[] = [];
    const splitter = new Splitter((line) => {
      lines.push(line);
      return lines.length < 3;
    });
    splitter.push(bytes.subarray(0, 30));
    splitter.push(bytes.subarray(30));
    expect(lines).toEqual(expected(text).lines.slice(0, 3));
    expect(splitter.stopped).toBe(true);
    expect(splitter.rest()).toBeNull();
  });

  it('from a file, plain or gzip, with CRLF line ends and the last line cut short', async () => {
    const plain = join(tmp, 'crlf.log');
    const gzip = join(tmp, 'crlf.log.gz');
    const body = `${Array.from({ length: 50_000 }, (_, i) => `line ${i}\tü`).join('\r\n')}\r\ncut sh`;
    writeFileSync(plain, body);
    writeFileSync(gzip, gzipSync(body));
    for (const path of [plain, gzip]) {
      const lines: string[] = [];
      let numbered = true;
      const stats = await readLines(path, (line, n) => {
        numbered &&= n === lines.length + 1;
        lines.push(line);
      });
      expect(numbered).toBe(true);
      expect(lines).toHaveLength(50_000);
      expect(lines[0]).toBe('line 0\tü');
      expect(lines[49_999]).toBe('line 49999\tü');
      expect(stats.cutShort).toBe('cut sh');
      expect(stats.failure).toBeNull();
    }
  });
});

describe('numbers in TSV cells', () => {
  it('read as Number reads their text, or left to the text when they are not plain decimals', () => {
    const cells = [
      '1709251200.439733',
      '0',
      '007',
      '5.',
      '.5',
      '.',
      '0.1',
      '123456789012345678',
      '9007199254740991',
      '9007199254740993',
      '1.00000000000000000000001',
      '0.0000000000000000000000001',
      '1e3',
      '-1',
      '+2',
      ' 3',
      '0x10',
      '1.2.3',
      '-',
      '(empty)',
      '',
      '28.438904',
      '1709251200.999999',
    ];
    const rows = new TsvRows(cells.map((_, i) => `f${i}`));
    rows.header(`#fields\t${cells.map((_, i) => `f${i}`).join('\t')}`);
    expect(rows.load(cells.join('\t'))).toBe(true);
    cells.forEach((cell, i) => {
      const n = rows.plainNumber(i);
      if (/^(\d+\.?\d*|\.\d+)$/.test(cell) && Number(cell) <= Number.MAX_SAFE_INTEGER && !/\.\d{23}/.test(cell)) {
        expect(n, cell).toBe(Number(cell));
      } else if (n !== -1) expect(n, cell).toBe(Number(cell));
    });
    expect(rows.plainNumber(cells.indexOf('-'))).toBe(-1);
    expect(rows.plainNumber(cells.indexOf(''))).toBe(-1);
    expect(rows.plainNumber(cells.indexOf('1e3'))).toBe(-1);
    const r = random(7);
    for (let i = 0; i < 20_000; i++) {
      const whole = String(Math.floor(r() * 2e9));
      const fraction = String(Math.floor(r() * 1e6)).padStart(6, '0');
      const text = `${whole}.${fraction}`;
      rows.load([text, ...cells.slice(1)].join('\t'));
      expect(rows.plainNumber(0)).toBe(Number(text));
    }
  });
});
