/**
 * Zeek uids: conn.logs written from different captures can be merged without two connections
 * sharing a uid, and the same capture always gives the same uids.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { callhome } from '../cli/support.js';

const department = resolve(projectRoot, 'captures/department-host.pcap');
const consultant = resolve(projectRoot, 'captures/consultant-laptop.pcap');

/** The uid column of a Zeek conn.log written by `callhome flows --format zeek`. */
async function uids(...files: string[]): Promise<string[]> {
  const run = await callhome(['flows', '--format', 'zeek', ...files]);
  expect(run.code).toBe(0);
  const lines = run.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return lines.map((l) => l.split('\t')[1]!);
}

describe('connection uids', () => {
  it('look like Zeek uids', async () => {
    const list = await uids(department);
    expect(list.length).toBeGreaterThan(100);
    for (const uid of list) expect(uid).toMatch(/^C[0-9A-Za-z]{17}$/);
    expect(new Set(list).size).toBe(list.length);
  });

  it('are the same on every run of the same capture', async () => {
    expect(await uids(department)).toEqual(await uids(department));
  });

  it('never collide between the conn.logs of two different captures', async () => {
    const a = await uids(department);
    const b = new Set(await uids(consultant));
    expect(a.filter((uid) => b.has(uid))).toEqual([]);
  });

  it('differ between two copies of one capture read in one run, and the first copy keeps its own', async () => {
    const bytes = readFileSync(department);
    const alone = await loadCaptures([{ name: 'a.pcap', bytes }]);
    const twice = await loadCaptures([
      { name: 'a.pcap', bytes },
      { name: 'copy-of-a.pcap', bytes },
    ]);
    const all = twice.connections.map((c) => c.uid);
    expect(new Set(all).size).toBe(all.length);
    const first = new Set(twice.connections.filter((c) => c.capture === 0).map((c) => c.uid));
    expect(alone.connections.every((c) => first.has(c.uid))).toBe(true);
  });
});
