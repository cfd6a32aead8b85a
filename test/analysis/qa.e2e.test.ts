/** Analyst-visible mistakes found in a QA pass over the corpus, each kept fixed. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { analyzeConnections, type AnalysisResult } from '../../src/analysis/index.js';
import { corpusPath } from '../support/corpus.js';
import { options } from './support.js';

async function analysePath(path: string): Promise<AnalysisResult> {
  const loaded = await loadCaptures([path]);
  return analyzeConnections(loaded.connections, loaded.captures, options());
}
const analyse = (file: string): Promise<AnalysisResult> => analysePath(corpusPath(file));

describe('QA findings on corpus captures', () => {
  it('a capture cut short does not turn attempts of its last seconds into blocked ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callhome-cut-'));
    const cut = join(dir, 'wikipedia-cut.pcap');
    writeFileSync(cut, readFileSync(corpusPath('zeek/wikipedia.pcap')).subarray(0, 5000));
    const r = await analysePath(cut);
    for (const h of r.hosts) {
      expect(h.labels, h.address).not.toContain('blocked');
      expect(h.verdict, h.address).not.toMatch(/never answered/);
    }
  });

  it('a half-duplex capture (client side only) is not called silently dropped', async () => {
    const r = await analyse('zeek/ssh__ssh.client-side-half-duplex.pcap');
    for (const h of r.hosts) {
      expect(h.verdict, h.address).not.toMatch(/never answered|silently dropped/);
      for (const a of h.attempts) expect(a.outcome).not.toBe('unanswered');
    }
  });

  it('a reset on the LAN at LAN round trips is not blamed on a firewall', async () => {
    const r = await analyse('zeek/nmap-vsn.pcap');
    expect(r.summary.join(' ')).not.toMatch(/firewall/);
    expect(r.resetSources.filter((s) => s.attribution === 'middlebox')).toHaveLength(0);
  });

  it('synscan: the scan share is honest and large numbers read with separators', async () => {
    const r = await analyse('beacon/synscan.pcapng');
    const h = r.hosts[0]!;
    expect(h.verdict).not.toMatch(/100% refused or unanswered/);
    expect(h.verdict).toMatch(/1,000 ports/);
    expect(h.verdict).toMatch(/99\.\d% refused or unanswered|all but 3/);
  });

  it('the case-study consultant verdict also names the other periodic direct destinations', async () => {
    const r = await analysePath(new URL('../../captures/consultant-laptop.pcap', import.meta.url).pathname);
    const h = r.hosts.find((x) => x.labels.includes('proxy-bypass'))!;
    expect(h.verdict).toMatch(/Also: .*download\.windowsupdate\.com every ~(4\.9|5(\.\d)?) min \(reset\)/);
    expect(h.verdict).toMatch(/update\.microsoft\.com every ~(4\.9|5(\.\d)?) min \(dropped\)/);
  });

  it('the summary and the verdict give the same average rate', async () => {
    const r = await analysePath(new URL('../../captures/consultant-laptop.pcap', import.meta.url).pathname);
    const summaryRate = /at most ([\d.]+) attempts\/s/.exec(r.summary.join(' '))?.[1];
    const verdictRates = r.hosts.filter((h) => h.labels.includes('blocked'))
      .map((h) => /averages ([\d.]+)\/s/.exec(h.verdict)?.[1]).filter((x) => x !== undefined).map(Number);
    expect(summaryRate).toBeDefined();
    expect(Number(summaryRate)).toBe(Math.max(...verdictRates));
  });
});
