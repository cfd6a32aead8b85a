/**
 * The progress line on a terminal: reading a capture says how far into the file it is; reading a
 * log (Zeek's, a firewall's), how many connections have been made of it so far — a gigabyte of
 * kern.log is a quarter of a minute's reading — and then how many are analysed. Never written
 * where standard error is no terminal, and cleared before anything else is said.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { projectRoot } from '../support/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-progress-'));
let kernLog: string;
let connLog: string;

beforeAll(() => {
  kernLog = join(tmp, 'kern.log');
  connLog = join(tmp, 'conn.log');
  const scripts = resolve(projectRoot, 'scripts');
  expect(spawnSync(process.execPath, [join(scripts, 'make-netfilter-log.mjs'), kernLog, '1', '50']).status).toBe(0);
  expect(spawnSync(process.execPath, [join(scripts, 'make-conn-log.mjs'), connLog, '5000']).status).toBe(0);
});

async function analyze(file: string, tty: boolean): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(['analyze', '--format', 'json', '-o', join(tmp, 'out.json'), file], {
    stdout: { write: () => true, isTTY: false, columns: 100 },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: tty },
    env: {},
  });
  return { code, stderr };
}

describe('the progress line while logs are read', () => {
  it('counts the connections made of a firewall log, then clears the line', async () => {
    const { code, stderr } = await analyze(kernLog, true);
    expect(code).toBe(0);
    expect(stderr).toContain(`\r\x1b[Kreading ${kernLog} (1,024 connections)`);
    // then the analysis of them all, once the log is read
    const analysing = /\r\x1b\[Kanalysing ([\d,]+) connections/.exec(stderr);
    expect(Number(analysing?.[1]?.replaceAll(',', ''))).toBeGreaterThan(1024);
    expect(stderr.indexOf('analysing')).toBeGreaterThan(stderr.lastIndexOf('reading'));
    // cleared before the file written is named
    expect(stderr).toMatch(/\r\x1b\[K(callhome: )?wrote /);
  });

  it('counts the rows of a Zeek conn.log', async () => {
    const { code, stderr } = await analyze(connLog, true);
    expect(code).toBe(0);
    expect(stderr).toContain(`\r\x1b[Kreading ${connLog} (1,024 connections)`);
  });

  it('is not written where standard error is no terminal', async () => {
    const { code, stderr } = await analyze(kernLog, false);
    expect(code).toBe(0);
    expect(stderr).not.toContain('reading ');
    expect(stderr).not.toContain('\x1b[K');
  });
});
