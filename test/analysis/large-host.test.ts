/**
 * A host with more connections than the analysis holds as objects at once (a scanner's) has them
 * made again from the store as needed: its finding must be the one it gets when they are held.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections } from '../../src/analysis/index.js';
import { ConnectionStore } from '../../src/flows/store.js';
import type { Connection } from '../../src/flows/connection.js';
import { dropped, options, refused, session, updateAgent } from './support.js';

describe('a host with more connections than are held at once', () => {
  const scanner = '10.9.9.9';
  // 51,000 SYNs across 600 /24s and a few ports, each retried within the same minute now and then,
  // some refused by the servers: more than the 50,000 held by default.
  const scan: Connection[] = [];
  for (let i = 0; i < 51_000; i++) {
    const address = `${(20 + (i % 600) / 100) | 0}.${(i % 100) + 1}.${(i / 600) | 0}.7`;
    const port = [22, 80, 443, 3389][i % 4]!;
    const ts = 1_000 + i * 0.01;
    scan.push(
      i % 7 === 0
        ? refused(scanner, address, port, ts, { ttl: 50, delay: 0.03 }, 40_000 + (i % 20_000))
        : dropped(scanner, address, port, ts, 40_000 + (i % 20_000)),
    );
    if (i % 1_000 === 0) scan.push(dropped(scanner, address, port, ts + 3, 40_000 + (i % 20_000))); // a retry as a connection of its own
  }
  const agent = updateAgent('10.9.9.10', {
    bursts: 10,
    burstSize: 8,
    period: 60,
    addresses: ['198.51.100.1', '198.51.100.2'],
    start: 1_000,
  });
  const browsing = Array.from({ length: 30 }, (_, i) => session('10.9.9.11', '93.184.216.34', 443, 1_000 + i * 17, { sni: 'example.com' }));
  const all = [...scan, ...agent, ...browsing].sort((a, b) => a.ts - b.ts);
  const store = new ConnectionStore();
  for (const c of all) store.add(c);

  it('gets the same finding whether its connections are held or made again', () => {
    const held = analyzeConnections(all, [], options({ maxHeldConnections: 1_000_000 }));
    const remade = analyzeConnections(store, [], options({ maxHeldConnections: 10 }));
    expect(remade).toStrictEqual(held);
    const h = held.hosts.find((x) => x.address === scanner)!;
    expect(h.labels).toContain('scanner');
    // A retry of a refused SYN is a new attempt (the server answered the first); of a dropped one, not.
    const refusedRetries = Array.from({ length: 51 }, (_, k) => k * 1_000).filter((i) => i % 7 === 0).length;
    expect(h.attempts.length + (h.attemptsOmitted ?? 0)).toBe(51_000 + refusedRetries);
  });
});
