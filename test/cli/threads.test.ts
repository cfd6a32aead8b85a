import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/corpus.js';
import { callhome } from './support.js';
import { runBuilt } from '../support/built.js';

// Worker threads run the built code (dist/, made by `pretest`): these tests drive it as a user does.
const department = resolve(projectRoot, 'captures/department-host.pcap');
const consultant = resolve(projectRoot, 'captures/consultant-laptop.pcap');
const lab = (name: string): string => resolve(projectRoot, 'test/lab', `${name}.pcap`);

const run = runBuilt;

interface Analyses {
  analyzeEach: (
    inputs: readonly string[],
    options: object,
    threads: number,
    alone: (input: string) => Promise<{ result: unknown; failures: unknown[] }>,
  ) => Promise<{ result: { hosts: { address: string; labels: string[] }[] } | null; failures: { message: string }[] }[]>;
  canAnalyzeInWorkers: () => boolean;
}
const analyses = (): Promise<Analyses> => import(resolve(projectRoot, 'dist/parallel/analyses.js')) as Promise<Analyses>;

describe('compare on several cores', () => {
  it('analyses each capture on a worker thread of its own, with the results one thread gives', async () => {
    const { analyzeEach, canAnalyzeInWorkers } = await analyses();
    expect(canAnalyzeInWorkers()).toBe(true);
    let alone = 0;
    // A callback among the options (a library caller's) stays on this thread; the workers get the rest.
    const each = await analyzeEach([department, lab('far-end-resets')], { pause: () => null }, 2, () => {
      alone++;
      return Promise.resolve({ result: null, failures: [] });
    });
    expect(alone).toBe(0);
    const bypass = each[0]!.result!.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(bypass.labels).toEqual(['proxy-bypass', 'blocked', 'periodic', 'via-proxy']);
    expect(each[1]!.result!.hosts.length).toBeGreaterThan(0);
  });

  it('tells the reading’s progress to whoever shows it, from every worker', async () => {
    const { analyzeEach } = await analyses();
    const seen = new Map<string, number>();
    const onProgress = (file: string, bytesRead: number): void => void seen.set(file, Math.max(seen.get(file) ?? 0, bytesRead));
    await analyzeEach([department, consultant], { onProgress }, 2, () => Promise.resolve({ result: null, failures: [] }));
    expect([...seen.keys()].sort()).toEqual([consultant, department].sort());
    expect(seen.get(department)).toBe(statSync(department).size);
  });

  it('analyses a capture on this thread when its worker cannot', async () => {
    const { analyzeEach } = await analyses();
    const asked: string[] = [];
    // A network no analysis can be given fails in the worker before any capture is read.
    const each = await analyzeEach([department], { internal: ['not a network'] }, 2, (input) => {
      asked.push(input);
      return Promise.resolve({ result: null, failures: [] });
    });
    expect(asked).toEqual([department]);
    expect(each[0]!.result).toBeNull();
  });

  it.each([
    ['the case study', [department, consultant]],
    ['lab captures', [lab('three-bursts'), lab('far-end-resets'), lab('udp-channels')]],
  ])('compare gives the same report on one thread and on several: %s', (_name, files) => {
    for (const format of ['json', 'text', 'markdown']) {
      const one = run(['compare', '--threads', '1', '--format', format, ...files]);
      const several = run(['compare', '--threads', '3', '--format', format, ...files]);
      expect(one.code).toBe(0);
      expect(several.stdout).toBe(one.stdout);
      expect(several.stderr).toBe(one.stderr);
      expect(several.code).toBe(one.code);
    }
  });

  it('an unreadable capture among them is named the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callhome-threads-'));
    const bad = join(dir, 'notes.pcap');
    writeFileSync(bad, 'not a capture at all\n');
    const files = [department, bad, consultant];
    const one = run(['compare', '--threads', '1', '--format', 'json', ...files]);
    const several = run(['compare', '--threads', '2', '--format', 'json', ...files]);
    expect(one.stderr).toContain('notes.pcap');
    expect(several.stderr).toBe(one.stderr);
    expect(several.stdout).toBe(one.stdout);
    expect(several.code).toBe(one.code);
  });

  it('--threads takes a positive whole number', async () => {
    const r = await callhome(['compare', '--threads', '0', department, consultant]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--threads: '0' is not a positive whole number");
  });
});
