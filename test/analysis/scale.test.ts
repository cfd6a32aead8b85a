import { describe, expect, it } from 'vitest';
import {
  analyzeConnections,
  MAX_ATTEMPTS_KEPT,
  MAX_ATTEMPTS_KEPT_ORDINARY,
  MAX_ATTEMPTS_KEPT_TOTAL,
  MIN_ATTEMPTS_KEPT,
} from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { dropped, options, random, refused, session } from './support.js';

/** A host retrying a CDN's addresses every `gap` seconds, reset by a device in the path each time. */
function retries(host: string, count: number, start: number, gap: number): Connection[] {
  return Array.from({ length: count }, (_, i) =>
    refused(host, `203.0.113.${i % 16}`, 443, start + i * gap, { ttl: 255, delay: 0.0003 }, 1_024 + (i % 60_000)),
  );
}

/** Ordinary sessions to a spread of addresses, at irregular times. */
/**
 * `count` SSH sessions of a host at random times, about 16 s apart (exponential gaps: gaps drawn
 * evenly from a range are a randomised sleep, a C2 agent's schedule).
 */
function sessions(host: string, count: number, start: number): Connection[] {
  const rnd = random(3);
  let t = start;
  return Array.from({ length: count }, (_, i) => session(host, `198.51.100.${i % 200}`, 22, (t += 1 - Math.log(1 - rnd()) * 15)));
}

describe('attempts kept on a host with very many of them', () => {
  const host = '10.1.1.1';
  const total = MAX_ATTEMPTS_KEPT + 5_001;
  const connections = retries(host, total, 1_000, 0.5);
  const result = analyzeConnections(connections, [], options());
  const h = result.hosts[0]!;

  it('keeps an even spread, first and last included, and says how many it left out', () => {
    expect(h.labels).toContain('blocked');
    expect(h.attempts).toHaveLength(MAX_ATTEMPTS_KEPT);
    expect(h.attemptsOmitted).toBe(total - MAX_ATTEMPTS_KEPT);
    expect(h.attempts[0]!.ts).toBe(1_000);
    expect(h.attempts.at(-1)!.ts).toBe(1_000 + (total - 1) * 0.5);
    const steps = h.attempts.slice(1).map((a, i) => a.ts - h.attempts[i]!.ts);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...steps)).toBeLessThanOrEqual(1);
  });

  it('counts every attempt in the groups and the verdict, not only the kept ones', () => {
    expect(h.groups[0]!.attempts).toBe(total);
    expect(h.evidence.find((e) => e.startsWith('blocked:'))).toContain(
      `${total.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} direct attempts failed`,
    );
  });

  it('keeps every attempt of a host below the limit, and then no omission field', () => {
    const small = analyzeConnections(retries(host, 300, 1_000, 5), [], options()).hosts[0]!;
    expect(small.attempts).toHaveLength(300);
    expect(small.attemptsOmitted).toBeUndefined();
  });
});

describe('attempts kept over a whole capture', () => {
  it('an ordinary host keeps fewer than a host with findings', () => {
    const h = analyzeConnections(sessions('10.1.1.2', MAX_ATTEMPTS_KEPT_ORDINARY + 10, 1_000), [], options()).hosts[0]!;
    expect(h.labels).toEqual([]);
    expect(h.attempts).toHaveLength(MAX_ATTEMPTS_KEPT_ORDINARY);
    expect(h.attemptsOmitted).toBe(10);
  });

  describe('hosts past the total budget', () => {
    const perHost = MAX_ATTEMPTS_KEPT;
    const hosts = Math.ceil(MAX_ATTEMPTS_KEPT_TOTAL / perHost) + 2;
    const connections: Connection[] = [];
    for (let k = 0; k < hosts; k++) connections.push(...retries(`10.2.0.${k + 1}`, perHost, 1_000 + k * 0.01, 0.5));
    connections.sort((a, b) => a.ts - b.ts);
    const result = analyzeConnections(connections, [], options());

    it('keep a small even sample each, the highest ranked keep most', () => {
      const kept = result.hosts.map((h) => h.attempts.length);
      expect(kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_ATTEMPTS_KEPT_TOTAL + 2 * MIN_ATTEMPTS_KEPT);
      expect(kept[0]).toBe(perHost);
      expect(kept.at(-1)).toBe(MIN_ATTEMPTS_KEPT);
      for (const h of result.hosts) {
        expect(h.attempts.length + (h.attemptsOmitted ?? 0)).toBe(perHost);
        expect(h.attempts[0]!.ts).toBeLessThan(1_001);
      }
    });

    it('are thinned to their sample as the hosts are analysed, the findings the same', () => {
      // Thinned after every host or so, where a gigabyte of log holds a million chosen attempts first.
      const thinned = analyzeConnections(connections, [], { ...options(), chosenHeld: 1 });
      expect(thinned.hosts.map((h) => h.attempts.length)).toEqual(result.hosts.map((h) => h.attempts.length));
      expect(thinned).toEqual(result);
    });
  });
});

describe('a SYN retransmitted as connections of its own', () => {
  it('is one attempt, whatever the order of the source ports', () => {
    const host = '10.1.1.3';
    const connections = [
      dropped(host, '203.0.113.7', 443, 1_000, 50_000),
      dropped(host, '203.0.113.7', 443, 1_012, 50_000),
      dropped(host, '203.0.113.7', 443, 1_100, 50_000),
    ];
    const h = analyzeConnections(connections, [], options()).hosts[0]!;
    expect(h.attempts.map((a) => a.ts)).toEqual([1_000, 1_100]);
  });
});
