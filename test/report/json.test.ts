import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { analyzeRenderers, compareRenderers, contractGaps } from '../../src/report/index.js';
import { caseStudyResult, compareResult } from './fixtures.js';
import { departmentReport } from './real.js';
import { analyzeJsonPieces, compareJsonPieces } from '../../src/report/json.js';

const plain = { color: false };

describe('analyze --format json', () => {
  it('is the AnalysisResult itself with --all-hosts, version 1, indented', () => {
    const result = caseStudyResult();
    const text = analyzeRenderers.json(result, { ...plain, allHosts: true });
    expect(text.startsWith('{\n  "version": 1,')).toBe(true);
    expect(JSON.parse(text)).toEqual(result);
  });

  it('lists only the hosts with findings by default, and counts the others in quietHosts', () => {
    const result = caseStudyResult();
    const doc = JSON.parse(analyzeRenderers.json(result, plain)) as AnalysisResult;
    expect(doc.hosts.map((h) => h.address)).toEqual(['192.168.0.13', '192.168.0.50']);
    expect(doc.quietHosts).toEqual({ ...result.quietHosts, listed: false });
    expect(doc.quietHosts.count).toBe(1);
    expect(doc.quietHosts.byActivity.map((r) => [r.activity, r.hosts])).toEqual([['via-proxy', 1]]);
    expect(doc).toEqual({ ...result, hosts: result.hosts.slice(0, 2), quietHosts: doc.quietHosts });
  });

  it('keeps every field of the version-1 contract (fixture)', () => {
    expect(contractGaps(JSON.parse(analyzeRenderers.json(caseStudyResult(), plain)))).toEqual([]);
  });

  it('names a contract field that is missing', () => {
    const doc = JSON.parse(analyzeRenderers.json(caseStudyResult(), plain)) as AnalysisResult;
    Reflect.deleteProperty(doc.hosts[0]!.groups[0]!.schedule, 'jitter');
    Reflect.deleteProperty(doc.resetSources[1]!, 'medianRttMs');
    Reflect.deleteProperty(doc.captures[0]!, 'warnings');
    expect(contractGaps(doc)).toEqual(['captures[0].warnings', 'resetSources[1].medianRttMs', 'hosts[0].groups[0].schedule.jitter']);
  });

  it('keeps every field of the contract on the case-study capture', async () => {
    const { connections: _connections, ...result } = await departmentReport();
    const doc = JSON.parse(analyzeRenderers.json(result, plain)) as AnalysisResult;
    expect(contractGaps(doc)).toEqual([]);
    expect(doc.hosts.length).toBeGreaterThan(0);
  });
});

describe('compare --format json', () => {
  it('round-trips the CompareResult', () => {
    const result = compareResult();
    expect(JSON.parse(compareRenderers.json(result, { ...plain, allHosts: true }))).toEqual(result);
  });
});

describe('the JSON of analyze, written in pieces', () => {
  it('is the document JSON.stringify would write, piece by piece, never one string for the whole', () => {
    const result = caseStudyResult();
    const pieces = [...analyzeJsonPieces(result, { color: false, allHosts: true })];
    const text = pieces.join('');
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    // hosts go out one by one: each is a piece of its own
    for (const h of result.hosts) expect(pieces).toContain(JSON.stringify(h, null, 2).replace(/\n/g, '\n    '));
  });
});

describe('the JSON of compare, written in pieces', () => {
  it('is the document JSON.stringify would write, each analysis host by host', () => {
    const result = compareResult();
    const pieces = [...compareJsonPieces(result, { color: false, allHosts: true })];
    const text = pieces.join('');
    expect(text).toBe(`${JSON.stringify({ ...result }, null, 2)}\n`);
    expect(text).toBe(compareRenderers.json(result, { ...plain, allHosts: true }));
    // every analysis's hosts go out one by one, at their depth (analyses[i].hosts[j])
    const hosts = result.analyses.flatMap((a) => a.hosts);
    expect(hosts.length).toBeGreaterThan(1);
    for (const h of hosts) expect(pieces).toContain(JSON.stringify(h, null, 2).replace(/\n/g, '\n        '));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(text.length / 2);
  });
});
