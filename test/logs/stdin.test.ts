/**
 * Zeek logs on standard input and through pipes, read by the built command as a shell runs it:
 * `zcat conn.log.gz | callhome analyze -`, `callhome analyze <(cat conn.log)`, mixed with files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { projectRoot } from '../support/corpus.js';
import { BEACON, HOST, findings, hourRows, tsvLog } from './support.js';

const bin = resolve(projectRoot, 'dist/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'callhome-stdin-'));

const hours = [0, 1, 2].map(hourRows);
const connText = tsvLog(
  'conn',
  hours.flatMap((h) => h.conn),
);
const dnsText = tsvLog(
  'dns',
  hours.flatMap((h) => h.dns),
);
const connPath = join(tmp, 'conn.log');
const dnsPath = join(tmp, 'dns.log');
writeFileSync(connPath, connText);
writeFileSync(dnsPath, dnsText);

function run(args: string[], input?: Buffer | string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (stdout: string) => JSON.parse(stdout) as AnalysisResult;

describe('Zeek logs on standard input', () => {
  const fromFile = json(run(['analyze', '--format', 'json', connPath]).stdout);

  it('a conn.log piped in is read as the file is: same rows, same findings', () => {
    const piped = run(['analyze', '-'], connText);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^callhome: 1 Zeek log, 96 rows, 2024-03-01 /);
    expect(piped.stdout).toMatch(/\(standard input\)/);
    expect(piped.stdout).toContain(`${HOST}: Periodic attempts that fail (${BEACON})`);
    const result = json(run(['analyze', '--format', 'json', '-'], connText).stdout);
    expect(result.captures[0]).toMatchObject({ file: '(standard input)', format: 'zeek-tsv', packets: 96, compressed: null });
    expect(findings(result)).toEqual(findings(fromFile));
  });

  it("a busy day's conn.log piped in is kept as compactly as the file: it fits a heap its rows as objects would not", () => {
    // 200,000 rows: about 100 MB as objects, read whole before the side logs of any file.
    const day = join(tmp, 'day.conn.log');
    const made = spawnSync(process.execPath, [resolve(projectRoot, 'scripts/make-conn-log.mjs'), day, '200000'], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    const text = readFileSync(day);
    const piped = spawnSync(process.execPath, ['--max-old-space-size=64', bin, 'analyze', '--format', 'json', '-'], {
      input: text,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    const result = json(piped.stdout);
    expect(result.captures[0]).toMatchObject({ file: '(standard input)', packets: 200_000 });
    // Every finding as the file's, to its attempts' order: the rows waited in the store the
    // analysis then takes as its own, and it orders rows that start together as it orders the file's.
    const file = json(run(['analyze', '--format', 'json', day]).stdout);
    expect(findings(result)).toEqual(findings(file));
    expect(result.hosts).toEqual(file.hosts);
    expect(result.summary).toEqual(file.summary);
  });

  it('gzip on standard input (`zcat` not needed): analyze and flows', () => {
    const gz = gzipSync(connText);
    const result = json(run(['analyze', '--format', 'json', '-'], gz).stdout);
    expect(result.captures[0]).toMatchObject({ format: 'zeek-tsv', packets: 96, compressed: 'gzip', bytes: gz.length });
    expect(findings(result)).toEqual(findings(fromFile));
    const flows = run(['flows', '--format', 'csv', '-'], gz);
    expect(flows.code).toBe(0);
    expect(flows.stdout.trim().split('\n')).toHaveLength(1 + 96);
    expect(flows.stdout).toContain(`${HOST},50000,${BEACON},443,tcp`);
    // Each row with its own uid, as the file's: they waited apart from the rows, in case side logs followed.
    expect(flows.stdout).toBe(run(['flows', '--format', 'csv', connPath]).stdout);
  });

  it('mixed with files: conn.log on standard input joined to a dns.log file by uid', () => {
    const result = json(run(['analyze', '--format', 'json', '-', dnsPath], connText).stdout);
    expect(result.captures.map((c) => c.file)).toEqual(['(standard input)', dnsPath]);
    const group = result.hosts.find((h) => h.address === HOST)!.groups.find((g) => g.destination === 'update.example.com');
    expect(group?.groupedBy).toBe('dns');
    expect(group?.attempts).toBe(18);
    // the same the other way round: the side log piped, conn.log a file
    const other = json(run(['analyze', '--format', 'json', connPath, '-'], dnsText).stdout);
    expect(findings(other)).toEqual(findings(result));
  });

  it('logs one after the other on standard input (`zcat conn.*.log.gz dns.*.log.gz | callhome analyze -`)', () => {
    const both = json(run(['analyze', '--format', 'json', '-'], gzipSync(connText + dnsText)).stdout);
    expect(both.captures).toHaveLength(1);
    expect(both.captures[0]!.packets).toBe(96 + 18);
    expect(findings(both)).toEqual(findings(json(run(['analyze', '--format', 'json', connPath, dnsPath]).stdout)));
  });

  it('a day piped in whose dns.log changes its columns from one hour to the next: each row read under its own header, a bad one named by its line', () => {
    // The side rows of a stream wait on a tape until its conn.log rows are handed on: each must
    // be read again as the header above it said, not as the last one read.
    const reversed = (text: string) =>
      text
        .split('\n')
        .map((line) => {
          if (line.startsWith('#fields\t') || line.startsWith('#types\t')) {
            const [key, ...cells] = line.split('\t');
            return [key, ...cells.reverse()].join('\t');
          }
          return line === '' || line.startsWith('#') ? line : line.split('\t').reverse().join('\t');
        })
        .join('\n');
    const later = reversed(tsvLog('dns', [...hours[1]!.dns, ...hours[2]!.dns])).split('\n');
    const bad = [...hours[2]!.dns[0]!];
    bad[0] = '-';
    const firstRow = later.findIndex((l) => !l.startsWith('#'));
    later.splice(firstRow, 0, [...bad].reverse().join('\t'));
    const before = connText + tsvLog('dns', hours[0]!.dns);
    const badLine = before.split('\n').length - 1 + firstRow + 1;
    const piped = run(['analyze', '--format', 'json', '-'], gzipSync(before + later.join('\n')));
    expect(piped.code).toBe(0);
    const result = json(piped.stdout);
    expect(result.captures[0]!.warnings).toEqual([`(standard input) line ${badLine}: no ts or uid; row skipped`]);
    expect(result.captures[0]!.packets).toBe(96 + 18);
    expect(findings(result)).toEqual(findings(json(run(['analyze', '--format', 'json', connPath, dnsPath]).stdout)));
    // every conn.log row with the query its DNS row names, as from the files
    const flows = run(['flows', '--format', 'json', '-'], before + later.join('\n')).stdout;
    expect(flows.match(/"dns_query":"update\.example\.com"/g)).toHaveLength(18);
    expect(flows).toBe(run(['flows', '--format', 'json', connPath, dnsPath]).stdout);
  });

  it('a capture on standard input is still a capture, beside a log file', () => {
    const run1 = run(['analyze', '-', connPath], readFileSync(resolve(projectRoot, 'captures/department-host.pcap')));
    expect(run1.code).toBe(0);
    expect(run1.stdout).toMatch(/^callhome: 1 capture, 2,284 packets; 1 Zeek log, 96 rows/);
  });

  it('a pipe named on the command line, `<(gzip -c conn.log)`, is read once like a file', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" analyze --format json <(gzip -c "${connPath}") "${dnsPath}"`], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const result = json(r.stdout);
    expect(result.captures[0]).toMatchObject({ format: 'zeek-tsv', compressed: 'gzip', packets: 96 });
    expect(result.captures[0]!.file).toMatch(/^\/dev\/fd\/\d+$/);
    expect(findings(result)).toEqual(findings(json(run(['analyze', '--format', 'json', connPath, dnsPath]).stdout)));
  });

  it('a log on standard input cut short is read up to its last whole line, with a warning', () => {
    const cut = connText.slice(0, connText.lastIndexOf('\n', connText.length - 40) + 20);
    const r = run(['analyze', '--format', 'json', '-'], cut);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('callhome: warning: (standard input): the last line is cut short (no newline at the end)');
    expect(json(r.stdout).captures[0]!.packets).toBe(95);
    const gz = gzipSync(connText);
    const cutGzip = run(['analyze', '--format', 'json', '-'], gz.subarray(0, gz.length - 200));
    // Damage, as in a capture: what came before it is analysed, and the exit status says so.
    expect(cutGzip.code).toBe(1);
    expect(cutGzip.stderr).toMatch(
      /callhome: warning: \(standard input\): the gzip data ends early after \d+ bytes \(row \d+\): read up to the last whole line/,
    );
    const analysed = json(cutGzip.stdout).captures[0]!;
    expect(analysed.packets).toBeGreaterThan(0);
    expect(analysed.damage?.record).toBe(analysed.packets + 1);
  });

  it('text that is no log is still "not a capture file"', () => {
    const r = run(['analyze', '-'], 'these are not logs\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'callhome: error: (standard input): not a capture file — it looks like a text file, and not a Zeek log or a firewall log callhome reads\n',
    );
  });
});
