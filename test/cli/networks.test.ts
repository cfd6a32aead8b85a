/**
 * Captures that cannot be one network are analysed as separate networks: two offices captured
 * years apart, each on its own address plan, must not lend each other their proxies — and the
 * case study's two captures, rotated files and a conn.log beside its capture stay one network.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConnections, defaultAnalyzeOptions } from '../../src/analysis/index.js';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { readCaptureBytes } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { analyze, loadCaptures } from '../../src/index.js';
import { Rng, TcpSession, buildPcap, type TimedFrame } from '../../src/synth/index.js';
import { projectRoot } from '../support/corpus.js';
import { callhome } from './support.js';

const department = resolve(projectRoot, 'captures/department-host.pcap');
const consultant = resolve(projectRoot, 'captures/consultant-laptop.pcap');

/** 2006-11-17 12:00Z and 2010-03-02 09:00Z: three years and a bit apart. */
const OFFICE_2006 = Date.UTC(2006, 10, 17, 12) / 1000;
const OFFICE_2010 = Date.UTC(2010, 2, 2, 9) / 1000;

interface Office {
  start: number;
  /** Clients that browse through `proxy` with absolute-URI requests. */
  proxied: string[];
  proxy: { address: string; port: number } | null;
  /** Clients that browse straight to the web (no proxy on their network: nothing wrong). */
  direct: string[];
}

const SITES = ['www.example.org', 'news.example.com', 'mail.example.net', 'intranet.example.com', 'docs.example.org', 'wiki.example.net'];

/** One office's capture: browsing through its proxy, and (where there is none) straight out. */
function officeCapture(office: Office, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const frames: TimedFrame[] = [];
  let port = 2000;
  for (let i = 0; i < 12; i++) {
    // Browsing at irregular times: nothing periodic to report.
    const t = office.start + i * 120 + rng.uniform(0, 110);
    for (const client of office.proxied) {
      const s = new TcpSession({ client, server: office.proxy!.address, sport: port++, dport: office.proxy!.port, rng });
      s.syn(t)
        .synAck(t + 0.0003)
        .ack(t + 0.0006);
      const site = rng.pick(SITES);
      s.send(t + 0.001, 'client', `GET http://${site}/ HTTP/1.1\r\nHost: ${site}\r\n\r\n`);
      s.send(t + 0.05, 'server', 'HTTP/1.1 200 OK\r\nVia: 1.1 proxy\r\nContent-Length: 5\r\n\r\nhello');
      s.fin(t + 0.06, 'client')
        .fin(t + 0.0602, 'server')
        .ack(t + 0.0604);
      frames.push(...s.frames());
    }
    for (const client of office.direct) {
      const s = new TcpSession({ client, server: `198.51.100.${rng.int(10, 40)}`, sport: port++, dport: 80, rng, serverTtl: 52 });
      s.syn(t + 1)
        .synAck(t + 1.03)
        .ack(t + 1.0302);
      s.send(t + 1.031, 'client', `GET / HTTP/1.1\r\nHost: ${rng.pick(SITES)}\r\n\r\n`);
      s.send(t + 1.07, 'server', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
      s.fin(t + 1.08, 'client')
        .fin(t + 1.11, 'server')
        .ack(t + 1.1102);
      frames.push(...s.frames());
    }
  }
  frames.sort((a, b) => a.ts - b.ts);
  return buildPcap(frames);
}

/** A 2006 office behind a proxy. */
const PROXIED_2006: Office = {
  start: OFFICE_2006,
  proxied: ['192.168.0.13', '192.168.0.14'],
  proxy: { address: '192.168.0.2', port: 8080 },
  direct: [],
};
/** A 2010 office with no proxy at all, its PC browsing directly. */
const DIRECT_2010: Office = { start: OFFICE_2010, proxied: [], proxy: null, direct: ['10.20.0.5'] };
/** A 2010 office with a proxy of its own. */
const PROXIED_2010: Office = {
  start: OFFICE_2010,
  proxied: ['10.20.0.6', '10.20.0.7'],
  proxy: { address: '10.20.0.3', port: 3128 },
  direct: [],
};

function writeCaptures(offices: Office[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-networks-'));
  return offices.map((office, i) => {
    const file = join(dir, `office-${i + 1}.pcap`);
    writeFileSync(file, officeCapture(office, 11 + i));
    return file;
  });
}

/** Cut a capture into `parts` rotated files, as `tcpdump -C` would. */
async function rotate(file: string, parts: number): Promise<string[]> {
  const writers = Array.from({ length: parts }, () => new PcapWriter({ linktype: 1 }));
  const records: { tsSec: number; tsNsec: number; data: Uint8Array; origlen: number }[] = [];
  await readCaptureBytes(file, readFileSync(file), (r) => {
    records.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: r.data.slice(), origlen: r.origlen });
  });
  const size = Math.ceil(records.length / parts);
  records.forEach((r, i) => writers[Math.floor(i / size)]!.add(r.tsSec, r.tsNsec, r.data, r.origlen));
  const dir = mkdtempSync(join(tmpdir(), 'callhome-rotated-'));
  return writers.map((w, i) => {
    const name = join(dir, `part-${i}.pcap`);
    writeFileSync(name, w.toBuffer());
    return name;
  });
}

describe('captures that cannot be one network', () => {
  it('a host on a network without a proxy is not called a proxy bypasser because of another network’s proxy', async () => {
    const files = writeCaptures([PROXIED_2006, DIRECT_2010]);
    // Merged into one network, the 2006 proxy makes the 2010 PC a bypasser: what this guards against.
    const loaded = await loadCaptures(files);
    const merged = analyzeConnections(loaded.connections, loaded.captures, defaultAnalyzeOptions());
    expect(merged.hosts.find((h) => h.address === '10.20.0.5')?.labels).toContain('proxy-bypass');

    const { result } = await analyze(files);
    expect(result.networks?.map((n) => n.captures)).toEqual([[files[0]], [files[1]]]);
    const pc = result.hosts.find((h) => h.address === '10.20.0.5')!;
    expect(pc.network).toBe(2);
    expect(pc.labels).not.toContain('proxy-bypass');
    expect(result.proxies.map((p) => [p.address, p.network])).toEqual([['192.168.0.2', 1]]);
  });

  it('each network gets its own proxy, and every output names the two networks', async () => {
    const files = writeCaptures([PROXIED_2010, PROXIED_2006]);
    const json = await callhome(['analyze', '--format', 'json', '--all-hosts', ...files]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as AnalysisResult;
    // Networks in time order: the 2006 office is network 1 although it was named second.
    expect(result.networks!.map((n) => [n.id, n.captures, n.start!.slice(0, 4)])).toEqual([
      [1, [files[1]], '2006'],
      [2, [files[0]], '2010'],
    ]);
    expect(result.networks![0]!.reason).toBe('3.3 years apart from network 2, with no internal address in common');
    expect(result.summary[0]).toBe(
      'These captures cannot be one network (3.3 years apart; no internal address in common): analysed as 2 separate networks.',
    );
    expect(result.proxies.map((p) => ({ address: p.address, port: p.port, network: p.network, clients: p.clients }))).toEqual([
      { address: '192.168.0.2', port: 8080, network: 1, clients: ['192.168.0.13', '192.168.0.14'] },
      { address: '10.20.0.3', port: 3128, network: 2, clients: ['10.20.0.6', '10.20.0.7'] },
    ]);
    expect(result.hosts.map((h) => [h.address, h.network]).sort()).toEqual([
      ['10.20.0.6', 2],
      ['10.20.0.7', 2],
      ['192.168.0.13', 1],
      ['192.168.0.14', 1],
    ]);
    // Captures are read in time order, each tagged with its network.
    expect(result.captures.map((c) => [c.file, c.network])).toEqual([
      [files[1], 1],
      [files[0], 2],
    ]);
    // Each network's own verdict names its own proxy.
    for (const h of result.hosts) {
      expect(h.verdict + h.evidence.join(' ')).toContain(h.network === 1 ? '192.168.0.2:8080' : '10.20.0.3:3128');
    }

    const text = await callhome(['analyze', ...files]);
    expect(text.stdout).toContain('These captures cannot be one network (3.3 years apart; no internal address in common)');
    expect(text.stdout).toMatch(/^Network 1: 1 capture, .* 2006-11-17 /m);
    expect(text.stdout).toMatch(/^Network 2: 1 capture, .* 2010-03-02 /m);
    expect(text.stdout).toContain('Proxies — network 2\n  10.20.0.3:3128 (detected)');
    // The span of merged captures ("1201 d") is not presented as the capture's length.
    expect(text.stdout.split('\n')[0]).toMatch(/^callhome: 2 captures, [\d,]+ packets$/);

    const md = await callhome(['analyze', '--format', 'markdown', ...files]);
    expect(md.stdout).toMatch(/^## Network 1: 1 capture/m);
    expect(md.stdout).toMatch(/^### Proxies\n\n\| address[^\n]*\n[^\n]*\n\| 192\.168\.0\.2 \| 8080 /m);
  });

  it('the HTML report shows the split: one section per network, each host tagged with its network', async () => {
    // The case study's department PC (2006, bypassing its proxy) beside a 2010 office without a proxy.
    const [office] = writeCaptures([DIRECT_2010]);
    const out = join(mkdtempSync(join(tmpdir(), 'callhome-networks-html-')), 'report.html');
    const run = await callhome(['report', '-o', out, '--all-hosts', '-q', office!, department]);
    expect(run.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(
      'These captures cannot be one network (3.3 years apart; no internal address in common): analysed as 2 separate networks.',
    );
    const network1 = html.indexOf('<section class="network" id="network-1">');
    const network2 = html.indexOf('<section class="network" id="network-2">');
    expect(network1).toBeGreaterThan(0);
    expect(network2).toBeGreaterThan(network1);
    expect(html).toMatch(/<h2><span class="mono">192\.168\.0\.13<\/span> .*<span class="network-tag">network 1<\/span><\/h2>/);
    expect(html).toContain('<h2>Proxies — network 1</h2>');
    expect(html).toContain('<h2>Proxies — network 2</h2>\n<p>No proxy was given or detected.</p>');
    // The 2010 PC is listed in its own network's section, not under the 2006 proxy.
    expect(html.indexOf('10.20.0.5')).toBeGreaterThan(network2);
  });

  it('--fail-on-findings sees the findings of every network', async () => {
    // Two offices whose hosts all use their proxies: nothing to fail on.
    const quiet = writeCaptures([PROXIED_2010, PROXIED_2006]);
    const calm = await callhome(['analyze', '--fail-on-findings', '-q', ...quiet]);
    expect(calm.code, calm.stdout).toBe(0);
    // The 2010 office beside the case study's department PC, which bypasses its own proxy.
    const [office] = writeCaptures([PROXIED_2010]);
    const run = await callhome(['analyze', '--fail-on-findings', '--format', 'json', '-q', office!, department]);
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    expect(result.networks).toHaveLength(2);
    expect(result.hosts.filter((h) => h.labels.includes('proxy-bypass')).map((h) => [h.address, h.network])).toEqual([['192.168.0.13', 1]]);
  });
});

describe('captures that are one network stay one network', () => {
  it('the case study’s two captures (one LAN, a day apart) are one network, written exactly as before', async () => {
    const { result } = await analyze([department, consultant]);
    expect(result.networks).toBeUndefined();
    const run = await callhome(['analyze', '--format', 'json', department, consultant]);
    expect(run.stdout).not.toMatch(/"networks?"/);
    expect((JSON.parse(run.stdout) as AnalysisResult).proxies.map((p) => p.address)).toEqual(['192.168.0.2']);
    const text = await callhome(['analyze', department, consultant]);
    expect(text.stdout).not.toContain('cannot be one network');
    expect(text.stdout).not.toMatch(/^Network \d/m);
  });

  it('a capture cut into two rotated halves is one network', async () => {
    const halves = await rotate(department, 2);
    const { result } = await analyze(halves);
    expect(result.networks).toBeUndefined();
    expect(result.hosts.filter((h) => h.labels.includes('proxy-bypass')).map((h) => h.address)).toEqual(['192.168.0.13']);
  });

  it('a conn.log written from one capture, read with the other capture of the network, is one network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callhome-networks-zeek-'));
    const log = join(dir, 'conn.log');
    const written = await callhome(['flows', '--format', 'zeek', '-o', log, '-q', consultant]);
    expect(written.code).toBe(0);
    const run = await callhome(['analyze', '--format', 'json', department, log]);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    expect(result.captures.map((c) => c.format)).toEqual(['pcap', 'zeek-tsv']);
    expect(result.networks).toBeUndefined();
  });
});
