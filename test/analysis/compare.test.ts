import { describe, expect, it } from 'vitest';
import { analyzeConnections, compareAnalyses } from '../../src/analysis/index.js';
import { block, connection, http, options, session, updateAgent } from './support.js';

function browsing(host: string) {
  return [5, 70, 200].map((t) => session(host, '192.168.0.2', 8080, 1_000 + t, { http: http({ target: 'http://www.gov.lk/', proxyForm: 'absolute', host: 'www.gov.lk' }) }));
}

describe('compareAnalyses', () => {
  const department = analyzeConnections(
    [...updateAgent('192.168.0.13', { bursts: 12, burstSize: 14, period: 31, addresses: block('72.246.53', 15) }), ...browsing('192.168.0.13')], [], options());
  const consultant = analyzeConnections(
    [...updateAgent('192.168.0.57', { bursts: 20, burstSize: 5, period: 60, addresses: block('96.17.166', 8, 10), seed: 3 }), ...browsing('192.168.0.57')], [], options());

  it('two update agents from different vendors behind one firewall', () => {
    const result = compareAnalyses([department, consultant], ['department-host.pcap', 'consultant-laptop.pcap']);
    expect(result.captures).toEqual(['department-host.pcap', 'consultant-laptop.pcap']);
    const shared = result.shared.map((b) => b.behaviour);
    const different = result.different.map((b) => b.behaviour);
    expect(shared).toEqual(expect.arrayContaining(['proxy-bypass', 'reset source (TTL and delay)', 'proxy']));
    expect(different).toEqual(expect.arrayContaining(['destination', 'schedule shape (period, burst size, sequential ports)']));
    const schedule = result.different.find((b) => b.behaviour.startsWith('schedule'))!;
    expect(schedule.perCapture[0]).toMatch(/bursts of 14 attempts \(1 attempt\/s\) every 3\d s/);
    expect(schedule.perCapture[1]).toMatch(/bursts of 5 attempts \([^)]+\) every 1 min/);
    expect(result.conclusion).toMatch(/^Both hosts run an update agent that ignores the proxy and is blocked; different vendors: 72\.246\.53\.0\/24 vs 96\.17\.166\.0\/24/);
    expect(result.conclusion).toMatch(/both reset by the same firewall \(TTL 255/);
  });

  it('equal results are shared, and internal netblocks are never called vendors', () => {
    const tries = (host: string, server: string) => [0, 40, 80, 120].map((t) => connection({ origH: host, respH: server, respP: 80, ts: 1_000 + t, lastTs: 1_000 + t }));
    const a = analyzeConnections(tries('10.0.0.5', '64.13.134.52'), [], options());
    const b = analyzeConnections(tries('10.0.0.6', '172.16.0.9'), [], options());
    const result = compareAnalyses([a, b], ['a', 'b']);
    const different = result.different.map((x) => x.behaviour);
    expect(different).not.toContain('proxy');
    expect(different).not.toContain('reset source (TTL and delay)');
    expect(different).not.toContain('proxy-bypass');
    for (const x of result.different) expect(new Set(x.perCapture).size, x.behaviour).toBeGreaterThan(1);
    expect(result.conclusion).not.toMatch(/vendors/);
    expect(result.conclusion).toMatch(/different destinations/);
    expect(JSON.stringify(result)).not.toMatch(/\b1 addresses/);
  });

  it('the same capture twice shares everything', () => {
    const result = compareAnalyses([department, department], ['a', 'b']);
    expect(result.different).toEqual([]);
    expect(result.conclusion).toMatch(/the same destination \(72\.246\.53\.0\/24\); the same schedule shape \(bursts of 14 attempts \(1 attempt\/s\) every 3\d s/);
  });

  it('a capture without bypass differs', () => {
    const plain = analyzeConnections(browsing('192.168.0.80'), [], options());
    const result = compareAnalyses([department, plain], ['a', 'b']);
    expect(result.different.map((b) => b.behaviour)).toContain('proxy-bypass');
    expect(result.conclusion).toMatch(/^Only a bypasses the proxy/);
  });
});
