/**
 * The CLI's known destinations and host listing: --known FILE, the default file
 * ($CALLHOME_KNOWN, else $XDG_CONFIG_HOME/callhome/known), `known suggest`, and --all-hosts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { projectRoot } from '../support/corpus.js';
import { callhome } from './support.js';

const department = resolve(projectRoot, 'captures/department-host.pcap');
const consultant = resolve(projectRoot, 'captures/consultant-laptop.pcap');
const dir = mkdtempSync(join(tmpdir(), 'callhome-known-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('callhome known suggest', () => {
  it('prints a line for each update agent the verdicts explain, ready to use as --known', async () => {
    const run = await callhome(['known', 'suggest', department, consultant]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toContain('liveupdate.symantecliveupdate.com  update agent turned away on a schedule (port 80, every 31 s)');
    expect(lines.some((l) => l.startsWith('update.grisoft.com  '))).toBe(true);
    expect(run.stdout).toMatch(/# 1 host \(192\.168\.0\.13\), 546 attempts\nliveupdate/);

    const known = file('suggested', run.stdout);
    const again = await callhome(['known', 'suggest', '--known', known, department, consultant]);
    expect(again.stdout).toContain('# (none: no host is turned away on a schedule in these captures)');
  });
});

describe('analyze --known', () => {
  const known = file(
    'known',
    '# vendors\nliveupdate.symantecliveupdate.com  Symantec LiveUpdate, allowed to fail\n*.nothing.example  stale line\n',
  );

  it('keeps the understood destination out of the findings and lists it with its counts', async () => {
    const run = await callhome(['analyze', '--known', known, department]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('[proxy-bypass]');
    const understood = run.stdout.slice(run.stdout.indexOf('\nUnderstood destinations (--known)\n')).replace(/\s+/g, ' ');
    expect(understood).toContain(
      'liveupdate.symantecliveupdate.com — Symantec LiveUpdate, allowed to fail: 1 host, 546 connections, 546 attempts',
    );
    expect(understood).toContain(`1 known destination line matched nothing (${known}:3).`);
  });

  it('says the same in JSON, every line with its counts', async () => {
    const doc = JSON.parse((await callhome(['analyze', '--format', 'json', '--known', known, department])).stdout) as AnalysisResult;
    expect(doc.understood.map((u) => [u.rule, u.hosts, u.attempts])).toEqual([
      ['liveupdate.symantecliveupdate.com', 1, 546],
      ['*.nothing.example', 0, 0],
    ]);
    expect(doc.hosts.some((h) => h.labels.includes('proxy-bypass'))).toBe(false);
  });

  it('and in the Markdown and HTML reports', async () => {
    const md = await callhome(['report', '--known', known, department]);
    expect(md.stdout).toMatch(/## Understood destinations[\s\S]*\| `?liveupdate\.symantecliveupdate\.com/);
    const html = await callhome(['report', '--format', 'html', '--known', known, department]);
    expect(html.stdout).toMatch(
      /<section id="understood">[\s\S]*liveupdate\.symantecliveupdate\.com[\s\S]*Symantec LiveUpdate, allowed to fail/,
    );
  });

  it('uses $CALLHOME_KNOWN, else the file under $XDG_CONFIG_HOME, and says so; an empty CALLHOME_KNOWN turns it off', async () => {
    const named = await callhome(['analyze', department], { env: { CALLHOME_KNOWN: known } });
    expect(named.stderr).toContain(`callhome: known destinations from ${known} (2 lines)`);
    expect(named.stdout).toContain('Understood destinations');

    const config = join(dir, 'config');
    mkdirSync(join(config, 'callhome'), { recursive: true });
    writeFileSync(join(config, 'callhome', 'known'), 'liveupdate.symantecliveupdate.com  LiveUpdate\n');
    const fallback = await callhome(['analyze', department], { env: { XDG_CONFIG_HOME: config } });
    expect(fallback.stdout).toContain('liveupdate.symantecliveupdate.com — LiveUpdate:');

    const off = await callhome(['analyze', department], { env: { XDG_CONFIG_HOME: config, CALLHOME_KNOWN: '' } });
    expect(off.stdout).toContain('[proxy-bypass]');
    expect(off.stdout).not.toContain('Understood destinations');
  });

  it('refuses a bad line or a missing file, naming it (exit 2)', async () => {
    const bad = await callhome(['analyze', '--known', file('bad', 'ok.example  fine\nexa*mple.com  a glob in the middle\n'), department]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `callhome: error: ${join(dir, 'bad')}:2: "exa*mple.com" is not a name pattern (*.example.com), CIDR (192.0.2.0/24) or address:port (192.0.2.7:443)`,
    );
    const missing = await callhome(['analyze', '--known', join(dir, 'missing'), department]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--known: cannot read ${join(dir, 'missing')}: no such file`);
  });
});

describe('--all-hosts', () => {
  it('lists the hosts without findings that are otherwise only counted', async () => {
    const args = ['analyze', '--format', 'json', department, consultant];
    const counted = JSON.parse((await callhome(args)).stdout) as AnalysisResult;
    const all = JSON.parse((await callhome([...args, '--all-hosts'])).stdout) as AnalysisResult;
    expect(all.hosts.length).toBe(counted.hosts.length + counted.quietHosts.count);
    expect(counted.quietHosts.listed).toBe(false);
    expect(all.quietHosts.listed).toBe(true);
  });
});
