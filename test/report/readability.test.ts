/**
 * What an analyst reading the output would trip over: a thousand ports on a terminal, "1000 ms",
 * "1 attempts/s", "0 hops away", a state column squeezed off the flows table, a format named twice.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult, HostFinding } from '../../src/analysis/types.js';
import { analyze } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { analyzeRenderers, flowsRenderers, infoRenderers, reportRenderers } from '../../src/report/index.js';
import { scheduleWords } from '../../src/analysis/schedule-words.js';
import { duration, hops, rate } from '../../src/quantities.js';
import { endpoint, outcomeWords, portList } from '../../src/report/words.js';
import { START, capture, caseStudyResult, connections } from './fixtures.js';

/** The case study with the scanner's group probing `n` ports (1, 3, 4, … like an nmap top-ports scan). */
function scanOf(n: number): AnalysisResult {
  const result = caseStudyResult();
  const scanner = result.hosts.find((h) => h.labels.includes('scanner')) as HostFinding;
  scanner.groups[0]!.ports = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i + 2));
  return result;
}

describe('time spans and rates in words', () => {
  it.each([
    [0.99916, '999 ms'],
    [0.999507, '1 s'],
    [0.9996, '1 s'],
    [0.0009996, '1 ms'],
    [59.7, '1 min'],
    [59.4, '59 s'],
    [9.96, '10 s'],
    [3599.6, '1 h'],
    [0.00042, '0.42 ms'],
    [0.000004, '4 µs'],
    [0.85, '850 ms'],
    [250, '4 min 10 s'],
    [-2.5, '-2.5 s'],
    [-250, '-4 min 10 s'],
  ])('%s seconds reads "%s"', (value, words) => {
    expect(duration(value)).toBe(words);
  });

  it.each([
    [0.96, '1 attempt/s'],
    [1, '1 attempt/s'],
    [1.2, '1.2 attempts/s'],
    [14584.06, '14,584 attempts/s'],
    [0.5, 'one attempt every 2 s'],
  ])('a rate of %s per second reads "%s"', (value, words) => {
    expect(rate(value)).toBe(words);
  });

  it('says a reset source whose TTL arrived unchanged has no router in between, not "0 hops away"', () => {
    expect(hops(0)).toBe('no router in between');
    expect(hops(1)).toBe('1 router in between');
    expect(hops(10)).toBe('10 routers in between');
    const text = analyzeRenderers.text(caseStudyResult(), { color: false, width: 100 });
    expect(text).not.toContain('(0 hops away)');
    expect(text).toContain('504 resets with TTL 255 (no router in between) for 15 addresses');
    expect(text).toContain('TTL 52 (12 routers in between)');
  });
});

describe('port lists are capped', () => {
  it('lists few ports whole and many as the first ones and the count', () => {
    expect(portList([80, 443])).toBe('80, 443');
    expect(portList(Array.from({ length: 12 }, (_, i) => i + 1))).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    expect(portList(Array.from({ length: 1000 }, (_, i) => i + 1))).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, … (1,000 ports)');
  });

  it('the terminal shows a 1000-port scan on one or two lines, not fifty', () => {
    const text = analyzeRenderers.text(scanOf(1000), { color: false, width: 100 });
    const head = text.split('\n').findIndex((l) => l.includes('▸ 203.0.113.0/24'));
    expect(head).toBeGreaterThan(0);
    const headLines = text
      .split('\n')
      .slice(head)
      .join('\n')
      .split(/\n\s+\d+ attempts:/)[0]!
      .split('\n');
    expect(headLines.length).toBeLessThanOrEqual(2);
    expect(headLines.join(' ')).toContain('ports 1, 3, 4, 5,');
    expect(headLines.join(' ')).toContain('… (1,000 ports)');
    expect(text).not.toContain('1001');
  });

  it('Markdown and HTML cap the list too; HTML keeps every port in the tooltip', () => {
    const md = analyzeRenderers.markdown(scanOf(1000), { color: false });
    const row = md.split('\n').find((l) => l.startsWith('| 203.0.113.0/24'))!;
    expect(row).toContain('… (1,000 ports)');
    expect(row.length).toBeLessThan(600);
    const html = reportRenderers.html(scanOf(1000), { color: false });
    expect(html).toMatch(/<span title="1, 3, 4, [^"]*1001">1, 3, 4, [^<]*… \(1,000 ports\)<\/span>/);
  });
});

describe('info --format text', () => {
  it.each([
    ['pcap (microsecond, little-endian)', 'pcap (microsecond, little-endian)'],
    ['microsecond, little-endian', 'pcap (microsecond, little-endian)'],
  ])('names the format once when the reader says "%s"', (detail, shown) => {
    const c = { ...capture('a.pcap', 10, START, START + 0.999507), formatDetail: detail };
    const text = infoRenderers.text([c], { color: false, width: 100 });
    expect(text).toMatch(new RegExp(`format\\s+${shown.replace(/[()]/g, '\\$&')}\\n`));
    expect(text).not.toContain('pcap (pcap');
    expect(text).toContain('(1 s)');
    expect(text).not.toContain('1000 ms');
  });
});

describe('flows --format text on an 100-column terminal', () => {
  const text = flowsRenderers.text(connections(), { color: false, width: 100 });
  const lines = text.trimEnd().split('\n');

  it('keeps the connection state and history, leaving out counters first', () => {
    expect(lines[0]).toMatch(/\bstate\b/);
    expect(lines[0]).toMatch(/\bhistory\b/);
    expect(text).toMatch(/not shown for the width: [^;]*o\.TTL/);
    expect(text).not.toMatch(/not shown for the width: [^;]*\bstate\b/);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('writes the date once when every connection starts on the same day', () => {
    expect(lines[1]).toMatch(/^13:00:00\.123\s+192\.168\.0\.13/);
    expect(text).toMatch(/\d+ connections on 2006-11-17/);
  });
});

describe('a beacon inside one long-lived connection', () => {
  /** What analysis gives for a C2 agent's connection picked up mid-stream: no SYN, 42 requests 39 s apart. */
  function beaconResult(): AnalysisResult {
    const result = caseStudyResult();
    const g = result.hosts[0]!.groups[0]!;
    Object.assign(g, { attempts: 0, established: 1, unanswered: 0, failed: 0, resets: { middlebox: 0, endpoint: 0, unknown: 0 } });
    Object.assign(g.schedule, {
      periodic: true,
      periodSeconds: 39,
      jitter: 0.2,
      burstSize: 1,
      burstRate: null,
      bursts: 42,
      basis: 'requests in one connection',
      cycleSeconds: null,
      sequentialPorts: false,
    });
    return result;
  }

  it('does not say "0 attempts: 1 established"', () => {
    const g = beaconResult().hosts[0]!.groups[0]!;
    expect(outcomeWords(g)).toBe('1 connection seen mid-stream (the handshake is not in the capture)');
    const text = analyzeRenderers.text(beaconResult(), { color: false, width: 100 });
    expect(text).not.toContain('0 attempts: 1 established');
  });

  it('calls the repeated events requests, not attempts', () => {
    const g = beaconResult().hosts[0]!.groups[0]!;
    expect(scheduleWords(g.schedule)).toMatch(/^one request every 39 s \(jitter ±20%\)/);
    g.schedule.burstSize = 3;
    g.schedule.burstRate = 2;
    expect(scheduleWords(g.schedule)).toMatch(/^bursts of 3 requests \(2 requests\/s\) every 39 s/);
  });

  it('still counts ordinary attempts as attempts', () => {
    const g = caseStudyResult().hosts[0]!.groups[0]!;
    expect(outcomeWords(g)).toMatch(/^\d+ attempts: 0 established, \d+ reset/);
    expect(scheduleWords(g.schedule)).toMatch(/^bursts of 14 attempts/);
  });

  it('says bursts of an irregular group only where some held several attempts: "17 bursts" of 17 lone attempts says nothing', () => {
    const g = caseStudyResult().hosts[0]!.groups[0]!;
    const irregular = { ...g.schedule, periodic: false, cycleSeconds: null };
    expect(scheduleWords({ ...irregular, bursts: 3, burstSize: 8, attempts: 25, sequentialPorts: false })).toBe(
      'no regular schedule (3 bursts)',
    );
    expect(scheduleWords({ ...irregular, bursts: 17, burstSize: 1, attempts: 17, sequentialPorts: false })).toBe('no regular schedule');
    expect(scheduleWords({ ...irregular, bursts: 17, burstSize: 1, attempts: 17, sequentialPorts: true })).toBe(
      'no regular schedule, sequential source ports',
    );
  });

  it('counts a connection that was no attempt apart, so that the numbers add up', async () => {
    // An ASA's "Deny TCP (no connection)" of a stray ACK is a denied connection, not an attempt.
    const { result } = await analyze([resolve(projectRoot, 'test/logs/fixtures/cisco-asa.log')]);
    const g = result.hosts.find((h) => h.address === '192.168.0.13')!.groups[0]!;
    expect(outcomeWords(g)).toBe("3 attempts and 1 connection without a SYN: 0 established, 4 denied in the firewall's log");
  });

  it('does not count the denied connections that were no attempt among the attempts the run summary names', async () => {
    // The ASA fixture denies 10 attempts (SYNs, UDP flows and a ping) and a stray ACK.
    const { result } = await analyze([resolve(projectRoot, 'test/logs/fixtures/cisco-asa.log')]);
    const source = result.resetSources.find((s) => s.kind === 'log')!;
    expect([source.resets, source.attempts]).toEqual([11, 10]);
    expect(result.summary[0]).toMatch(/^10 attempts and 1 other connection to 9 addresses were denied by the firewall/);
    // The case study's table is of attempts alone: said as before.
    const { result: table } = await analyze([resolve(projectRoot, 'test/logs/fixtures/case-study-excerpt.tsv')]);
    expect(table.resetSources[0]).toMatchObject({ kind: 'log', resets: 19, attempts: 19 });
    expect(table.summary[0]).toMatch(/^19 attempts to 10 addresses \(72\.246\.53\.0\/24\) were denied by the firewall/);
  });

  it("says the refusals a firewall's log alone tells of as denied, apart from the resets the capture saw", () => {
    const g = caseStudyResult().hosts[0]!.groups.find((x) => !x.viaProxy)!;
    g.attempts = 12;
    g.established = 0;
    g.unanswered = 0;
    g.resets = { middlebox: 12, endpoint: 0, unknown: 0 };
    g.denied = 5;
    expect(outcomeWords(g)).toBe("12 attempts: 0 established, 5 denied in the firewall's log, 7 reset (7 by a middlebox)");
  });

  it('says a reset through the proxy came from the proxy, not the server', () => {
    const g = caseStudyResult().hosts[0]!.groups.find((x) => x.viaProxy)!;
    g.attempts = 12;
    g.established = 7;
    g.resets = { middlebox: 0, endpoint: 5, unknown: 0 };
    expect(outcomeWords(g)).toBe('12 attempts: 7 established, 5 reset (5 by the proxy)');
    g.viaProxy = false;
    expect(outcomeWords(g)).toBe('12 attempts: 7 established, 5 reset (5 by the server)');
  });
});

describe('proxy addresses', () => {
  it('brackets an IPv6 proxy before its port', () => {
    expect(endpoint('::1', 80)).toBe('[::1]:80');
    expect(endpoint('192.168.0.2', 8080)).toBe('192.168.0.2:8080');
    expect(endpoint('fd00::2', null)).toBe('fd00::2');
    const result = caseStudyResult();
    result.proxies[0]!.address = 'fd00::2';
    result.proxies[0]!.port = 3128;
    expect(analyzeRenderers.text(result, { color: false, width: 100 })).toContain('\n  [fd00::2]:3128 (detected)');
  });
});

describe('short spans and empty tables', () => {
  it('info writes the date once for a capture within one day', () => {
    const text = infoRenderers.text([capture('a.pcap', 10, START, START + 3)], { color: false, width: 100 });
    expect(text).toContain('time        2006-11-17 13:00:00Z → 13:00:03Z (3 s)');
  });

  it('flows prints no empty table for no connections', () => {
    expect(flowsRenderers.text([], { color: false, width: 100 })).toBe('0 connections\n');
  });
});
