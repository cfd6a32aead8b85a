/** Analyst-visible mistakes found in a QA pass over the corpus, each kept fixed. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { analyzeConnections, compareAnalyses, type AnalysisResult } from '../../src/analysis/index.js';
import { cycleWords, scheduleWords, shapeWords } from '../../src/analysis/schedule-words.js';
import { hops } from '../../src/quantities.js';
import { analyzeRenderers } from '../../src/report/index.js';
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
    expect(h.verdict).toMatch(/Also: .*download\.windowsupdate\.com every (4 min 5\d s|5 min( \d+ s)?) \(reset\)/);
    expect(h.verdict).toMatch(/update\.microsoft\.com every (4 min 5\d s|5 min( \d+ s)?) \(dropped\)/);
  });

  it('the summary and the verdict give the same average rate', async () => {
    const r = await analysePath(new URL('../../captures/consultant-laptop.pcap', import.meta.url).pathname);
    const summaryRate = /at most (.+?) on average/.exec(r.summary.join(' '))?.[1];
    const verdictRates = r.hosts
      .filter((h) => h.labels.includes('blocked'))
      .map((h) => /averages (.+?) \(/.exec(h.verdict)?.[1])
      .filter((x) => x !== undefined);
    expect(summaryRate).toMatch(/^one attempt every \d+ s$/);
    expect(verdictRates).toEqual([summaryRate]);
  });

  it('says one schedule one way in the verdict, the evidence, the schedule line and compare', async () => {
    const department = await analysePath(new URL('../../captures/department-host.pcap', import.meta.url).pathname);
    const consultant = await analysePath(new URL('../../captures/consultant-laptop.pcap', import.meta.url).pathname);
    const h = department.hosts.find((x) => x.labels.includes('proxy-bypass'))!;
    const g = h.groups.find((x) => x.schedule.periodic && !x.viaProxy)!;
    const shape = shapeWords(g.schedule);
    expect(shape).toBe('bursts of 14 attempts (1 attempt/s) every 31 s');
    const cycle = cycleWords(g.schedule.cycleSeconds!, g.schedule.burstSize);
    expect(cycle).toBe('burst trains repeat every 17 min 55 s');
    const evidence = h.evidence.find((e) => e.startsWith('periodic:'))!;
    const line = scheduleWords(g.schedule);
    for (const said of [h.verdict, evidence, line]) {
      expect(said).toContain(shape);
      expect(said).toContain(cycle);
    }
    expect(department.summary.join(' ')).toContain(`(to ${g.destination}, every 31 s)`);
    const compared = compareAnalyses([department, consultant], ['a', 'b']);
    expect(compared.different.find((b) => b.behaviour.startsWith('schedule'))!.perCapture[0]).toContain(shape);
    const text = analyzeRenderers.text(department, { color: false, width: 1000 });
    expect(text).toContain('(jitter ±0%)');
    expect(text).not.toMatch(/\d %/);
  });

  it('says how far the firewall is the same way in the summary, the verdict and the reset sources', async () => {
    const r = await analysePath(new URL('../../captures/department-host.pcap', import.meta.url).pathname);
    const source = r.resetSources.find((s) => s.attribution === 'middlebox')!;
    expect(source.hops).toBe(0);
    const routers = hops(source.hops);
    expect(routers).toBe('no router in between');
    expect(r.summary.join(' ')).toContain(`came from a device in the path with ${routers}`);
    expect(r.hosts.find((x) => x.labels.includes('blocked'))!.verdict).toContain(`reset by a device with ${routers}`);
    expect(analyzeRenderers.text(r, { color: false, width: 1000 })).toContain(`with TTL 255 (${routers})`);
    expect(r.summary.join(' ')).not.toMatch(/hops? away/);
  });
});
