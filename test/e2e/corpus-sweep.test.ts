/**
 * Every capture of the conformance corpus (and the project's own captures) through `info`,
 * `analyze` and `flows` the way a user runs them: no crash, no stack trace, exit 1 only for a
 * capture that is damaged or unreadable, machine output that parses, a verdict for every host,
 * and a Zeek conn.log whose rows are as wide as its #fields line.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callhome, type CliRun } from '../cli/support.js';
import { corpusRoot, projectRoot } from '../support/corpus.js';

const CAPTURE = /\.(pcap|pcapng|bin|gz)$/i;

function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...capturesUnder(path));
    else if (CAPTURE.test(name)) out.push(path);
  }
  return out;
}

const corpus = capturesUnder(corpusRoot);
const own = capturesUnder(resolve(projectRoot, 'captures'));
const files = [...corpus, ...own].map((path) => ({
  name: path.startsWith(corpusRoot) ? relative(corpusRoot, path) : relative(projectRoot, path),
  path,
}));

/** What must never reach a user, whatever the capture holds. */
function expectNoCrash(run: CliRun): void {
  expect(run.stderr).not.toMatch(/internal error/i);
  expect(run.stderr + run.stdout).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(run.stderr + run.stdout).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/);
  expect([0, 1]).toContain(run.code);
}

/** Exit 1 only when the capture could not be read, or was read up to damage that callhome reported. */
function expectHonestExit(run: CliRun, warnings: string[] | null): void {
  if (run.code === 0) {
    expect(run.stderr).not.toMatch(/callhome: error:/);
    return;
  }
  const unreadable = /callhome: error: /.test(run.stderr);
  const damaged = warnings !== null && warnings.length > 0 && /callhome: warning: /.test(run.stderr);
  expect(unreadable || damaged, `exit 1 without an error or a damage warning:\n${run.stderr}`).toBe(true);
}

describe('every corpus capture through the CLI', () => {
  it('finds the corpus', () => {
    expect(corpus.length).toBeGreaterThan(100);
    expect(own.length).toBeGreaterThanOrEqual(2);
  });

  describe.each(files)('$name', ({ path }) => {
    it('info --format json: counts that are numbers, exit status that tells the truth', async () => {
      const run = await callhome(['info', '--format', 'json', path]);
      expectNoCrash(run);
      if (run.stdout === '') {
        // unreadable: nothing on stdout, the reason on stderr
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/callhome: error: .+/);
        return;
      }
      const doc = JSON.parse(run.stdout) as {
        version: number;
        captures: { packets: number; bytes: number; warnings: string[]; durationSeconds: number | null }[];
      };
      expect(doc.version).toBe(1);
      expect(doc.captures).toHaveLength(1);
      const c = doc.captures[0]!;
      expect(Number.isInteger(c.packets) && c.packets >= 0).toBe(true);
      expect(Number.isInteger(c.bytes) && c.bytes >= 0).toBe(true);
      if (c.durationSeconds !== null) expect(c.durationSeconds).toBeGreaterThanOrEqual(0);
      expectHonestExit(run, c.warnings);
    });

    it('analyze --format json: every host has a verdict in words', async () => {
      const run = await callhome(['analyze', '--format', 'json', path]);
      expectNoCrash(run);
      if (run.stdout === '') {
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/callhome: error: .+/);
        return;
      }
      const doc = JSON.parse(run.stdout) as {
        version: number;
        captures: { warnings: string[] }[];
        hosts: { address: string; verdict: unknown; labels: string[] }[];
      };
      expect(doc.version).toBe(1);
      for (const host of doc.hosts) {
        expect(typeof host.verdict, host.address).toBe('string');
        const verdict = host.verdict as string;
        expect(verdict.trim().length, host.address).toBeGreaterThan(0);
        expect(verdict, host.address).not.toMatch(/undefined|NaN|Infinity|\[object /);
      }
      expect(run.stdout).not.toMatch(/"[^"]*(?:undefined|NaN)[^"]*"/);
      expectHonestExit(
        run,
        doc.captures.flatMap((c) => c.warnings),
      );
    });

    it('flows --format zeek: every row as wide as #fields', async () => {
      const run = await callhome(['flows', '--format', 'zeek', path]);
      expectNoCrash(run);
      if (run.stdout === '') {
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/callhome: error: .+/);
        return;
      }
      const lines = run.stdout.trimEnd().split('\n');
      const fields = lines.find((l) => l.startsWith('#fields\t'));
      expect(fields).toBeDefined();
      const width = fields!.split('\t').length - 1;
      expect(lines[lines.length - 1]).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
      for (const row of lines.filter((l) => !l.startsWith('#'))) {
        const cells = row.split('\t');
        expect(cells, row).toHaveLength(width);
        expect(cells.every((c) => c !== '' && c !== 'NaN' && c !== 'undefined')).toBe(true);
      }
      expectHonestExit(run, run.code === 1 && /callhome: warning: /.test(run.stderr) ? ['(reported on stderr)'] : null);
    });
  });
});

describe('damaged and odd inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-sweep-'));
  const wikipedia = readFileSync(join(corpusRoot, 'zeek', 'wikipedia.pcap'));
  // cut inside the file header, inside a record header, inside record data
  const cuts = [10, 30, 41, 2_000, 5_000, wikipedia.length - 1];

  it.each(cuts)('a capture cut at byte %i is read up to the cut and exits 1 with the offset', async (at) => {
    const path = join(dir, `cut-${at}.pcap`);
    writeFileSync(path, wikipedia.subarray(0, at));
    for (const args of [['info'], ['analyze', '--format', 'json'], ['flows', '--format', 'zeek']]) {
      const run = await callhome([...args, path]);
      expectNoCrash(run);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/byte|bytes/);
    }
  });

  it('a capture cut exactly at a record boundary reads as a complete, shorter capture (exit 0)', async () => {
    // record 30 starts at byte 4,997: nothing in the file can tell this cut from a capture that ended there
    const path = join(dir, 'cut-boundary.pcap');
    writeFileSync(path, wikipedia.subarray(0, 4_997));
    const run = await callhome(['info', '--format', 'json', path]);
    expectNoCrash(run);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { captures: { packets: number }[] }).captures[0]!.packets).toBe(29);
  });

  it('a gzip of a text file, an empty file and a folder with nothing readable are unreadable (exit 1), not a crash', async () => {
    const { gzipSync } = await import('node:zlib');
    const textGz = join(dir, 'notes.pcap.gz');
    writeFileSync(textGz, gzipSync(Buffer.from('not a capture\n'.repeat(100))));
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    // a folder is read for the captures and logs in it; one with none is an error
    const nothing = join(dir, 'nothing');
    mkdirSync(nothing, { recursive: true });
    writeFileSync(join(nothing, 'notes.txt'), 'not a capture\n');
    for (const path of [textGz, empty, nothing]) {
      const run = await callhome(['analyze', path]);
      expectNoCrash(run);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/callhome: error: /);
      expect(run.stdout).toBe('');
    }
  });
});
