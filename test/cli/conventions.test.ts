import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callhome } from './support.js';
import { corpusPath, projectRoot } from '../support/corpus.js';

const department = resolve(projectRoot, 'captures/department-host.pcap');
const quiet = corpusPath('zeek/wikipedia.pcap');
const scratch = mkdtempSync(join(tmpdir(), 'callhome-conventions-'));
const ansi = /\x1b\[/;

interface Versioned {
  version: number;
  captures?: unknown[];
}
const json = (text: string): Versioned => JSON.parse(text) as Versioned;

/** A fresh folder holding a copy of the department capture. */
function copyOfCapture(name: string): { dir: string; capture: string; bytes: Buffer } {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const capture = join(dir, 'department-host.pcap');
  copyFileSync(department, capture);
  return { dir, capture, bytes: readFileSync(capture) };
}

const refusal = (file: string): string => `callhome: error: -o ${file} is one of the inputs; refusing to overwrite it\n`;

describe('-o never overwrites an input', () => {
  it('refuses the input itself, for every command, before reading it (exit 2)', async () => {
    const { capture, bytes } = copyOfCapture('self');
    for (const args of [['analyze'], ['info'], ['flows'], ['flows', '--sort', 'start'], ['report'], ['known', 'suggest']]) {
      const run = await callhome([...args, capture, '-o', capture]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toBe(refusal(capture));
      expect(run.stdout).toBe('');
      expect(readFileSync(capture).equals(bytes)).toBe(true);
    }
    const run = await callhome(['compare', capture, department, '-o', capture]);
    expect(run.code).toBe(2);
    expect(readFileSync(capture).equals(bytes)).toBe(true);
  });

  it('compares real files: another spelling, a symbolic link, a hard link', async () => {
    const { dir, capture, bytes } = copyOfCapture('links');
    const symlink = join(dir, '..', 'links-sym.pcap');
    const hardlink = join(scratch, 'links-hard.pcap');
    symlinkSync(capture, symlink);
    linkSync(capture, hardlink);
    for (const output of [join(dir, '.', '..', 'links', 'department-host.pcap'), symlink, hardlink]) {
      const run = await callhome(['analyze', capture, '-o', output]);
      expect(run.code, output).toBe(2);
      expect(run.stderr).toBe(refusal(output));
    }
    const viaLink = await callhome(['analyze', symlink, '-o', capture]);
    expect(viaLink.code).toBe(2);
    expect(readFileSync(capture).equals(bytes)).toBe(true);
  });

  it('refuses a file inside a folder given as input, and the --orgs and --known files', async () => {
    const { dir, capture, bytes } = copyOfCapture('folder');
    const inFolder = await callhome(['analyze', dir, '-o', capture]);
    expect(inFolder.code).toBe(2);
    expect(inFolder.stderr).toBe(refusal(capture));
    expect(readFileSync(capture).equals(bytes)).toBe(true);

    const orgs = join(scratch, 'orgs.csv');
    writeFileSync(orgs, 'cidr,organisation\n192.0.2.0/24,Example\n');
    const overOrgs = await callhome(['analyze', department, '--orgs', orgs, '-o', orgs]);
    expect(overOrgs.code).toBe(2);
    expect(readFileSync(orgs, 'utf8')).toContain('Example');

    const known = join(scratch, 'known');
    writeFileSync(known, '*.example.com  test\n');
    const overKnown = await callhome(['report', department, '--known', known, '-o', known]);
    expect(overKnown.code).toBe(2);
    expect(readFileSync(known, 'utf8')).toBe('*.example.com  test\n');
  });

  it('still writes a new file, or one that is no input', async () => {
    const output = join(scratch, 'fresh.txt');
    const run = await callhome(['analyze', department, '-o', output]);
    expect(run.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toMatch(/^callhome:/);
  });
});

describe('-o picks the format from the extension', () => {
  const out = (name: string): string => join(scratch, name);

  it('for every command, where the command writes that format', async () => {
    const cases: [string[], string, (text: string) => boolean][] = [
      [['analyze'], 'a.json', (t) => json(t).version === 1],
      [['analyze'], 'a.md', (t) => t.startsWith('#')],
      [['analyze'], 'a.txt', (t) => t.startsWith('callhome:')],
      [['info'], 'i.json', (t) => Array.isArray(json(t).captures)],
      [['flows'], 'f.csv', (t) => t.split('\n')[0]!.includes(',')],
      [['flows'], 'f.log', (t) => t.startsWith('#separator')],
      [['flows'], 'f.tsv', (t) => t.startsWith('#separator')],
      [['flows', '--sort', 'start'], 'fs.json', (t) => t.trimStart().startsWith('{') || t.trimStart().startsWith('[')],
      [['report'], 'r.html', (t) => /^<!doctype html>/i.test(t)],
      [['report'], 'r.md', (t) => t.startsWith('#')],
    ];
    for (const [args, name, looksRight] of cases) {
      const run = await callhome([...args, department, '-q', '-o', out(name)]);
      expect(run.code, name).toBe(0);
      expect(looksRight(readFileSync(out(name), 'utf8')), `${args.join(' ')} -o ${name}`).toBe(true);
    }
    const compared = await callhome(['compare', department, quiet, '-q', '-o', out('c.json')]);
    expect(compared.code).toBe(0);
    expect(json(readFileSync(out('c.json'), 'utf8')).version).toBe(1);
  });

  it('--format wins over the extension', async () => {
    const run = await callhome(['analyze', department, '-q', '--format', 'json', '-o', out('wins.md')]);
    expect(run.code).toBe(0);
    expect(json(readFileSync(out('wins.md'), 'utf8')).version).toBe(1);
  });

  it('an extension the command cannot write is a usage error, and nothing is written', async () => {
    for (const [args, name] of [
      [['info'], 'x.md'],
      [['analyze'], 'x.csv'],
      [['report'], 'x.json'],
      [['flows'], 'x.html'],
    ] as [string[], string][]) {
      const run = await callhome([...args, department, '-o', out(name)]);
      expect(run.code, name).toBe(2);
      expect(run.stderr).toMatch(/^callhome: error: .*cannot write/);
      expect(existsSync(out(name))).toBe(false);
    }
  });

  it('an extension that names no format keeps the default', async () => {
    const run = await callhome(['analyze', department, '-q', '-o', out('plain.out')]);
    expect(run.code).toBe(0);
    expect(readFileSync(out('plain.out'), 'utf8')).toMatch(/^callhome:/);
  });

  it('-o - is standard output, with no file named -', async () => {
    const run = await callhome(['analyze', department, '-q', '-o', '-', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout).version).toBe(1);
    expect(run.stderr).toBe('');
    const streamed = await callhome(['flows', department, '-q', '-o', '-']);
    expect(streamed.code).toBe(0);
    expect(streamed.stdout.length).toBeGreaterThan(0);
    expect(existsSync('-')).toBe(false);
    expect(existsSync(join(projectRoot, '-'))).toBe(false);
  });
});

describe('help', () => {
  it('bare callhome prints help (exit 0)', async () => {
    const run = await callhome([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: callhome/);
    expect(run.stderr).toBe('');
  });

  it('callhome help CMD prints that command’s help', async () => {
    const run = await callhome(['help', 'info']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: callhome info/);
  });

  it('per-command --help lists only the options the command uses', async () => {
    const infoHelp = (await callhome(['info', '--help'])).stdout;
    for (const option of [
      '--proxy',
      '--orgs',
      '--web-ports',
      '--known',
      '--internal',
      '--max-connections',
      '--all-hosts',
      '--fail-on-findings',
    ]) {
      expect(infoHelp, option).not.toContain(option);
    }
    expect(infoHelp).toContain('--verify-checksums');
    expect(infoHelp).toContain('--format');

    const flowsHelp = (await callhome(['flows', '--help'])).stdout;
    for (const option of ['--proxy', '--orgs', '--web-ports', '--known', '--all-hosts']) expect(flowsHelp, option).not.toContain(option);
    expect(flowsHelp).toContain('--internal');
    expect(flowsHelp).toContain('--max-connections');

    const compareHelp = (await callhome(['compare', '--help'])).stdout;
    expect(compareHelp).toContain('--proxy');
    expect(compareHelp).not.toContain('--fail-on-findings');

    for (const command of ['analyze', 'report']) {
      const help = (await callhome([command, '--help'])).stdout;
      for (const option of ['--proxy', '--orgs', '--known', '--all-hosts', '--fail-on-findings']) expect(help, option).toContain(option);
      expect(help).toMatch(/Exit status:.*3 findings present/s);
    }
  });

  it('an option a command does not use is refused', async () => {
    const run = await callhome(['info', '--proxy', '192.0.2.1', department]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^callhome: error: unknown option '--proxy'/);
  });
});

describe('--tz is checked before any file is read', () => {
  it.each([
    ['Mars/Olympus', /^callhome: error: --tz: unknown time zone "Mars\/Olympus": give UTC, an offset such as \+05:30, /],
    ['+25:00', /^callhome: error: --tz: time zone "\+25:00" is no offset between -14:00 and \+14:00: /],
    ['-1430', /^callhome: error: --tz: time zone "-1430" is no offset between -14:00 and \+14:00: /],
    ['+05:75', /^callhome: error: --tz: time zone "\+05:75" is no offset between -14:00 and \+14:00: /],
  ])('%s: a usage error naming the option, one line, exit 2', async (zone, message) => {
    for (const args of [['analyze'], ['info'], ['flows'], ['report']]) {
      const run = await callhome([...args, '--tz', zone, join(scratch, 'no-such-file.log')]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    }
  });

  it('offsets up to ±14:00 and zone names are taken', async () => {
    for (const zone of ['+14:00', '-14:00', '+0530', 'UTC-3', 'Asia/Colombo']) {
      const run = await callhome(['info', '--format', 'json', '--tz', zone, resolve(projectRoot, 'test/logs/fixtures/pfirewall-xp.log')]);
      expect(run.code, zone).toBe(0);
      expect((JSON.parse(run.stdout) as { captures: { formatDetail: string }[] }).captures[0]!.formatDetail, zone).toMatch(
        new RegExp(`times in ${zone.replace('+', '\\+')}$`),
      );
    }
  });
});

describe('one error prefix, with the file named', () => {
  it.each([
    [['info'], /^callhome: error: missing required argument 'capture'/],
    [['info', '--bogus', 'x.pcap'], /^callhome: error: unknown option '--bogus'/],
    [['flows', '--sort', 'sideways', 'x.pcap'], /^callhome: error: option '--sort <order>' argument 'sideways' is invalid/],
    [['analyze', '--internal', 'nonsense', 'x.pcap'], /^callhome: error: --internal: 'nonsense'/],
    [['analyze', '--orgs', 'missing.csv', department], /^callhome: error: --orgs: cannot read missing\.csv: no such file/],
    [['analyze', '--known', 'missing-known', department], /^callhome: error: --known: cannot read missing-known: no such file/],
    [['analyze', 'no-such.pcap'], /^callhome: error: .*no-such\.pcap/],
    [['frobnicate'], /^callhome: error: unknown command 'frobnicate'/],
    [['analyze', department, '-o', '/no-such-folder/out.txt'], /^callhome: error: cannot write \/no-such-folder\/out\.txt: no such file/],
  ])('%j', async (args, message) => {
    const run = await callhome(args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    for (const line of run.stderr.split('\n').filter((l) => /error/i.test(l))) expect(line).toMatch(/^callhome: error: /);
  });
});

describe('colour', () => {
  const run = (env: Record<string, string>, tty: boolean, extra: string[] = []) =>
    callhome(['analyze', department, '-q', ...extra], { tty, env });

  it('on a terminal by default; a non-empty NO_COLOR turns it off, an empty one does not', async () => {
    expect((await run({}, true)).stdout).toMatch(ansi);
    expect((await run({ NO_COLOR: '1' }, true)).stdout).not.toMatch(ansi);
    expect((await run({ NO_COLOR: '' }, true)).stdout).toMatch(ansi);
  });

  it('FORCE_COLOR (non-empty, not 0) colours output that is no terminal; --no-color wins', async () => {
    expect((await run({}, false)).stdout).not.toMatch(ansi);
    expect((await run({ FORCE_COLOR: '1' }, false)).stdout).toMatch(ansi);
    expect((await run({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).stdout).toMatch(ansi);
    expect((await run({ FORCE_COLOR: '0' }, false)).stdout).not.toMatch(ansi);
    expect((await run({ FORCE_COLOR: '' }, false)).stdout).not.toMatch(ansi);
    expect((await run({ FORCE_COLOR: '1' }, true, ['--no-color'])).stdout).not.toMatch(ansi);
  });

  it('a file written with -o has no colour', async () => {
    const output = join(scratch, 'forced.txt');
    await run({ FORCE_COLOR: '1' }, true, ['-o', output]);
    expect(readFileSync(output, 'utf8')).not.toMatch(ansi);
  });
});

describe('--fail-on-findings', () => {
  it('exits 3 when a host has a finding, on analyze and report', async () => {
    const analyzed = await callhome(['analyze', department, '-q', '--fail-on-findings']);
    expect(analyzed.code).toBe(3);
    expect(analyzed.stdout).toMatch(/^callhome:/);
    const reported = await callhome(['report', department, '-q', '--fail-on-findings', '-o', join(scratch, 'findings.html')]);
    expect(reported.code).toBe(3);
    expect(existsSync(join(scratch, 'findings.html'))).toBe(true);
  });

  it('exits 0 without it, and with it when no host has a finding', async () => {
    expect((await callhome(['analyze', department, '-q'])).code).toBe(0);
    const clean = await callhome(['analyze', quiet, '-q', '--fail-on-findings', '--format', 'json']);
    const hosts = (JSON.parse(clean.stdout) as { hosts: { labels: string[] }[] }).hosts;
    expect(hosts.every((h) => h.labels.every((l) => l === 'via-proxy'))).toBe(true);
    expect(clean.code).toBe(0);
  });

  it('an unreadable capture still exits 1', async () => {
    const run = await callhome(['analyze', department, join(scratch, 'absent.pcap'), '-q', '--fail-on-findings']);
    expect(run.code).toBe(1);
  });
});
