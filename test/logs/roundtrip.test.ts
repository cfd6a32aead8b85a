/**
 * The round trip: the conn.log `flows --format zeek` writes carries callhome's own evidence in
 * callhome_* fields, so analysing it gives what analysing the capture gives — labels,
 * schedules, reset sources, every verdict — and without those fields the resets say why
 * their source is unknown.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { NO_TTL_IN_CONN_LOG } from '../../src/analysis/attribution.js';
import type { AnalysisResult } from '../../src/analysis/index.js';
import { flowsRenderers } from '../../src/report/index.js';
import { corpusPath, projectRoot } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'callhome-roundtrip-'));

async function writeConnLog(capture: string, name: string): Promise<string> {
  const { connections } = await loadCaptures([capture]);
  const path = join(dir, name);
  writeFileSync(path, flowsRenderers.zeek(connections, { color: false }));
  return path;
}

/** Everything but the captures[] entries, which describe the input files. */
const findings = (r: AnalysisResult) => ({ ...r, captures: [] });

/** Zeek's own columns only: what a conn.log Zeek wrote would hold. */
function zeekOnly(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const cells = line.split('\t');
      // '#fields' and '#types' take the first cell of their lines
      if (line.startsWith('#fields') || line.startsWith('#types')) return cells.slice(0, 22).join('\t');
      return line.startsWith('#') ? line : cells.slice(0, 21).join('\t');
    })
    .join('\n');
}

const cases = [
  resolve(projectRoot, 'captures/department-host.pcap'),
  resolve(projectRoot, 'captures/consultant-laptop.pcap'),
  corpusPath('zeek/http__connect-with-header.pcap'),
  corpusPath('zeek/wikipedia.pcap'),
  corpusPath('zeek/ssh__ssh.pcap'),
  // Attempts in the capture's last seconds, cut off by its end: so again when read back.
  resolve(projectRoot, 'test/lab/dual-stack.pcap'),
  corpusPath('zeek/tcp__syn.pcap'),
  // Lone DNS queries, whose bytes Zeek's columns leave unset (no duration).
  corpusPath('zeek/ticks-dns-1hr.pcap'),
  // A QUIC beacon: its version and ALPN.
  corpusPath('beacon/zeek_merlinc2_quic.pcapng'),
  // Resets on the name a ClientHello sent (SNI filtering), beside another name on the same address.
  resolve(projectRoot, 'test/lab/sni-filter.pcap'),
  // Three names the host resolved to one address, each connection's own in its ClientHello.
  resolve(projectRoot, 'test/lab/shared-address.pcap'),
];

describe("reading back callhome's own flows as JSON", () => {
  it.each(cases)('%s: the same findings as the capture', async (capture) => {
    const { connections } = await loadCaptures([capture]);
    const path = join(dir, `${capture.split('/').pop()}.flows.json`);
    writeFileSync(path, flowsRenderers.json(connections, { color: false }));
    const { result: fromCapture } = await analyze([capture]);
    const { result: fromJson, loaded } = await analyze([path]);
    expect(loaded.captures[0]).toMatchObject({ format: 'zeek-json', warnings: [], anomalies: {} });
    expect(findings(fromJson)).toEqual(findings(fromCapture));
  });

  it('a row whose evidence is not what callhome writes is malformed, named with its line', async () => {
    const { connections } = await loadCaptures([cases[0]!]);
    const lines = flowsRenderers.json(connections, { color: false }).trimEnd().split('\n');
    const bad = JSON.parse(lines[1]!) as Record<string, unknown>;
    bad.resets = [{ kind: 'rst', ttl: 'high' }];
    lines[1] = JSON.stringify(bad);
    const path = join(dir, 'bad.flows.json');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const { loaded } = await analyze([path]);
    expect(loaded.captures[0]!.anomalies['zeek.malformed_row']).toBe(1);
    expect(loaded.captures[0]!.warnings.join(' ')).toMatch(/line 2: resets cannot be read/);
  });
});

describe("reading back callhome's own conn.log", () => {
  it.each(cases)('%s: the same findings as the capture', async (capture) => {
    const log = await writeConnLog(capture, `${capture.split('/').pop()}.conn.log`);
    const { result: fromCapture } = await analyze([capture]);
    const { result: fromLog, loaded } = await analyze([log]);
    expect(loaded.captures).toHaveLength(1);
    expect(loaded.captures[0]).toMatchObject({ format: 'zeek-tsv', warnings: [], anomalies: {} });
    expect(findings(fromLog)).toEqual(findings(fromCapture));
  });

  it('the case study: labels, schedules and reset sources as from the capture', async () => {
    const capture = resolve(projectRoot, 'captures/department-host.pcap');
    const log = await writeConnLog(capture, 'department.conn.log');
    const { result: a } = await analyze([capture]);
    const { result: b } = await analyze([log]);
    const host = (r: AnalysisResult) => r.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host(b).labels).toEqual(host(a).labels);
    expect(host(b).labels.length).toBeGreaterThan(0);
    expect(host(b).groups.map((g) => g.schedule)).toEqual(host(a).groups.map((g) => g.schedule));
    expect(b.resetSources).toEqual(a.resetSources);
    expect(b.resetSources.some((s) => s.attribution === 'middlebox')).toBe(true);
  });
});

describe("reading back a firewall log's flows", () => {
  const logs = ['case-study-excerpt.tsv', 'netfilter-kern.log', 'cisco-asa.log', 'filterlog.log', 'pfirewall.log'].map((name) =>
    resolve(projectRoot, 'test/logs/fixtures', name),
  );
  it.each(logs)("%s: its denials read back as the firewall's, the same findings as the log", async (log) => {
    const options = { firewall: { year: 2024 } };
    const { connections } = await loadCaptures([log], options);
    expect(connections.some((c) => c.resets.some((r) => r.kind === 'log'))).toBe(true);
    const { result: fromLog } = await analyze([log], options);
    for (const [format, render] of [
      ['zeek-tsv', flowsRenderers.zeek],
      ['zeek-json', flowsRenderers.json],
    ] as const) {
      const path = join(dir, `${log.split('/').pop()}.${format}`);
      writeFileSync(path, render(connections, { color: false }));
      const { result, loaded } = await analyze([path]);
      expect(loaded.captures[0]).toMatchObject({ format, warnings: [], anomalies: {} });
      expect(findings(result)).toEqual(findings(fromLog));
    }
  });
});

describe("Zeek's columns alone", () => {
  it('resets are refusals of unknown source, and say why', async () => {
    const capture = resolve(projectRoot, 'captures/department-host.pcap');
    const { connections } = await loadCaptures([capture]);
    const path = join(dir, 'zeek-only.conn.log');
    writeFileSync(path, zeekOnly(flowsRenderers.zeek(connections, { color: false })));
    const { result, loaded } = await analyze([path]);
    expect(loaded.captures[0]!.anomalies).toEqual({});
    expect(loaded.connections).toHaveLength(connections.length);
    // history and conn_state say who reset and whether a handshake completed, as the capture does
    const byTuple = new Map(connections.map((c) => [`${c.origH}:${c.origP}>${c.respH}:${c.respP}@${c.ts.toFixed(6)}`, c]));
    for (const c of loaded.connections) {
      const original = byTuple.get(`${c.origH}:${c.origP}>${c.respH}:${c.respP}@${c.ts.toFixed(6)}`)!;
      expect(c.established, c.uid).toBe(original.established);
      expect(c.resets.filter((r) => !r.fromOriginator).length > 0, c.uid).toBe(original.resets.some((r) => !r.fromOriginator));
    }
    expect(result.resetSources).toHaveLength(1);
    expect(result.resetSources[0]).toMatchObject({ attribution: 'unknown', ttl: -1, medianRttMs: null, evidence: NO_TTL_IN_CONN_LOG });
    const { result: fromCapture } = await analyze([capture]);
    expect(result.resetSources[0]!.resets).toBe(fromCapture.resetSources.reduce((n, s) => n + s.resets, 0));
    // the schedule does not need the TTLs
    const host = (r: AnalysisResult) => r.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host(result).labels).toContain('periodic');
    const failing = (r: AnalysisResult) => [...host(r).groups].sort((x, y) => y.attempts - x.attempts)[0]!.schedule;
    expect(failing(result).periodSeconds).toBeCloseTo(failing(fromCapture).periodSeconds!, 3);
  });
});
