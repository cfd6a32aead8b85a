import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { callhome } from './support.js';
import { corpusPath, projectRoot } from '../support/corpus.js';
import type { AnalysisResult, CaptureSummary, CompareResult } from '../../src/analysis/types.js';

/** The document of `callhome info --format json`. */
interface InfoJson {
  version: 1;
  captures: CaptureSummary[];
}

const department = resolve(projectRoot, 'captures/department-host.pcap');
const laptop = resolve(projectRoot, 'captures/consultant-laptop.pcap');
const scratch = mkdtempSync(join(tmpdir(), 'callhome-cli-'));

/** No stack trace may reach a user: no "    at fn (file:line)" lines. */
const stackTrace = /^\s+at .+[:(]/m;

describe('callhome info', () => {
  it('describes a real capture: format, link type, packet count', async () => {
    const run = await callhome(['info', corpusPath('zeek/wikipedia.pcap')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pcap/);
    expect(run.stdout).toMatch(/\b136\b/);
  });

  it('gives the JSON capture object of the design', async () => {
    const run = await callhome(['info', '--format', 'json', corpusPath('zeek/wikipedia.pcap'), corpusPath('zeek/ftp__ipv6.pcap')]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as InfoJson;
    expect(json.version).toBe(1);
    expect(json.captures).toHaveLength(2);
    for (const key of [
      'file',
      'format',
      'compressed',
      'linktypes',
      'packets',
      'bytes',
      'start',
      'end',
      'decoded',
      'skipped',
      'anomalies',
      'warnings',
    ]) {
      expect(json.captures[0]).toHaveProperty(key);
    }
    expect(json.captures[0]?.packets).toBe(136);
    expect(json.captures[1]?.decoded.ipv6).toBeGreaterThan(0);
  });

  it('reads a gzip-compressed capture transparently', async () => {
    const gz = join(scratch, 'wikipedia.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(corpusPath('zeek/wikipedia.pcap'))));
    const run = await callhome(['info', '--format', 'json', gz]);
    expect(run.code).toBe(0);
    const capture = (JSON.parse(run.stdout) as InfoJson).captures[0];
    expect(capture?.compressed).toBe('gzip');
    expect(capture?.packets).toBe(136);
  });

  it.each([
    ['an empty file', ''],
    ['a text file', 'hello, this is not a capture\n'],
    ['an HTML page', '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'],
  ])('refuses %s with one clear line and exit status 1', async (_what, content) => {
    const file = join(scratch, `not-a-capture-${content.length}.pcap`);
    writeFileSync(file, content);
    const run = await callhome(['info', file]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).not.toMatch(stackTrace);
  });

  it('refuses a file that does not exist with exit status 1', async () => {
    const run = await callhome(['info', join(scratch, 'missing.pcap')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing\.pcap/);
    expect(run.stderr).not.toMatch(stackTrace);
  });

  it('keeps what was read before damage, warns with offset and record number, exits 1', async () => {
    const whole = readFileSync(corpusPath('zeek/wikipedia.pcap'));
    const cut = join(scratch, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const run = await callhome(['info', '--format', 'json', cut]);
    expect(run.code).toBe(1);
    const capture = (JSON.parse(run.stdout) as InfoJson).captures[0];
    expect(capture?.packets).toBeGreaterThan(50);
    expect(capture?.packets).toBeLessThan(136);
    expect(run.stderr).toMatch(/byte [\d,]+/);
    expect(run.stderr).toMatch(/record [\d,]+/);
    expect(run.stderr).not.toMatch(stackTrace);
  });
});

describe('usage errors exit with status 2', () => {
  it.each([
    [['info']],
    [['analyze', '--format', 'yaml', department]],
    [['analyze', '--internal', '10.0.0.0/99', department]],
    [['analyze', '--proxy', 'proxy.example:8080', department]],
    [['flows', '--state', 'XYZ', department]],
    [['info', '--no-such-option', department]],
    [['anlyze', department]],
  ])('%j', async (args) => {
    const run = await callhome(args);
    expect(run.code).toBe(2);
    expect(run.stderr.length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(stackTrace);
  });
});

describe('callhome analyze on the case-study captures', () => {
  it('names the department host as bypassing the proxy and blocked, on a schedule', async () => {
    const run = await callhome(['analyze', '--format', 'json', department]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    expect(result.version).toBe(1);
    const host = result.hosts.find((h) => h.address === '192.168.0.13');
    expect(host).toBeDefined();
    expect(host?.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic', 'via-proxy']));
    expect(host?.labels).not.toContain('flood');
    expect(result.resetSources.some((s) => s.attribution === 'middlebox')).toBe(true);
    expect(result.proxies.some((p) => p.address === '192.168.0.2' && p.port === 8080)).toBe(true);
  });

  it('prints a readable verdict on the terminal, without colour when NO_COLOR is set', async () => {
    const run = await callhome(['analyze', department], { tty: true, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('192.168.0.13');
    expect(run.stdout).toMatch(/not a (DDoS|flood)/i);
    expect(run.stdout).not.toMatch(/\x1b\[/);
  });

  it('colours labels on a terminal unless --no-color', async () => {
    const coloured = await callhome(['analyze', department], { tty: true });
    expect(coloured.stdout).toMatch(/\x1b\[/);
    const plain = await callhome(['analyze', '--no-color', department], { tty: true });
    expect(plain.stdout).not.toMatch(/\x1b\[/);
  });

  it('analyze is the default command', async () => {
    const run = await callhome(['--format', 'json', department]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as AnalysisResult).hosts.length).toBeGreaterThan(0);
  });

  it('writes Markdown to a file with -o', async () => {
    const out = join(scratch, 'analysis.md');
    const run = await callhome(['analyze', '--format', 'markdown', '-o', out, department]);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^#/m);
  });
});

describe('callhome flows', () => {
  it('filters by state: only the refused attempts', async () => {
    const run = await callhome(['flows', '--format', 'json', '--state', 'REJ', department]);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.every((r) => (r.conn_state ?? r.connState) === 'REJ')).toBe(true);
  });

  it('filters by host and port', async () => {
    const run = await callhome(['flows', '--format', 'json', '--host', '192.168.0.2', '--port', '8080', department]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
  });

  it('writes a Zeek conn.log that keeps the #fields layout', async () => {
    const run = await callhome(['flows', '--format', 'zeek', corpusPath('zeek/wikipedia.pcap')]);
    expect(run.code).toBe(0);
    const fields = run.stdout
      .split('\n')
      .find((l) => l.startsWith('#fields'))!
      .split('\t')
      .slice(1);
    expect(fields.slice(0, 6)).toEqual(['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p']);
    const rows = run.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.split('\t')).toHaveLength(fields.length);
  });
});

describe('callhome compare', () => {
  it('finds the shared behaviour of the two case-study captures', async () => {
    const run = await callhome(['compare', '--format', 'json', department, laptop]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as CompareResult;
    expect(result.shared.length).toBeGreaterThan(0);
    expect(result.conclusion).toMatch(/proxy/i);
  });
});

describe('the installed executable', () => {
  const bin = resolve(projectRoot, 'dist/cli/main.js');
  it('reads a capture from standard input', () => {
    const result = spawnSync(process.execPath, [bin, 'info', '--format', 'json', '-'], {
      input: readFileSync(corpusPath('zeek/wikipedia.pcap')),
    });
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout.toString()) as InfoJson).captures[0]?.packets).toBe(136);
  });

  it('prints help and exits 0', () => {
    const out = execFileSync(process.execPath, [bin, '--help']).toString();
    expect(out).toMatch(/analyze/);
    expect(out).toMatch(/compare/);
  });
});

describe('analyze --help', () => {
  it('explains how hosts are ranked', async () => {
    const run = await callhome(['analyze', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Hosts are ranked by score, highest first: a periodic connection that gets through directly to outside the network \(a beacon\) \+300/,
    );
  });
});
