/** Firewall logs through the command line, wherever captures are read. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';

const fixture = (name: string): string => resolve(projectRoot, 'test/logs/fixtures', name);

describe('callhome analyze on firewall logs', () => {
  it('reads the case study’s firewall table as it stands: the host, rising ports, bursts, not a DDoS', async () => {
    const run = await callhome(['analyze', '--format', 'json', fixture('case-study-excerpt.tsv')]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    expect(result.captures[0]!.format).toBe('table');
    const host = result.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host.labels).toContain('blocked');
    expect(host.groups[0]!.schedule.sequentialPorts).toBe(true);
    expect(host.verdict).toMatch(/not a DDoS participant/);
    expect(host.verdict).toMatch(/bursts of \d+ attempts/);
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', kind: 'log' });
  });

  it('mixes logs of several formats with a capture, and names each', async () => {
    const run = await callhome([
      'analyze',
      fixture('netfilter-kern.log'),
      fixture('cisco-asa.log'),
      resolve(projectRoot, 'captures/department-host.pcap'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 capture, 2,284 packets; 2 firewall logs, \d+ entries/);
  });

  it('refuses a year that is not one', async () => {
    const run = await callhome(['analyze', '--year', '20x6', fixture('netfilter-kern.log')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--year: '20x6' is not a year/);
  });
});
