/**
 * Behaviour on the corpus's connection-failure and beacon captures (no Zeek oracle): what a
 * user of `callhome flows` / `analyze` would read off these captures.
 */

import { describe, expect, it } from 'vitest';
import { corpusPath } from '../support/corpus.js';
import { trackFile } from './support.js';

describe('connection failures and beacons in the corpus', () => {
  it('logs three refused attempts reusing one source port as three REJ connections', async () => {
    const { connections } = await trackFile(corpusPath('beacon/nowebaccess2.pcapng'));
    const tcp = connections.filter((c) => c.proto === 'tcp');
    expect(tcp.map((c) => [c.origP, c.respP, c.connState, c.history])).toEqual([
      [1074, 80, 'REJ', 'Sr'],
      [1074, 80, 'REJ', 'Sr'],
      [1074, 80, 'REJ', 'Sr'],
    ]);
    for (const c of tcp) expect(c.resets[0]).toMatchObject({ kind: 'rst', stage: 'syn', fromOriginator: false, sender: '172.16.0.102' });
  });

  it('keeps SYN retransmissions of an unanswered attempt in one S0 connection', async () => {
    const { connections } = await trackFile(corpusPath('beacon/nowebaccess3.pcapng'));
    const dns = connections.find((c) => c.proto === 'udp')!;
    expect([dns.connState, dns.history, dns.service, dns.dnsQuery]).toEqual(['SF', 'Dd', 'dns', 'www.google.com']);
    expect(dns.dnsAnswers.some((a) => a.value === '74.125.95.105')).toBe(true);
    const tcp = connections.find((c) => c.proto === 'tcp')!;
    expect([tcp.connState, tcp.history, tcp.synCount, tcp.established]).toEqual(['S0', 'S', 3, false]);
  });

  it('times every beacon request on a single keep-alive connection picked up mid-stream', async () => {
    const { connections } = await trackFile(corpusPath('beacon/caldera-C2-over-http.pcap'));
    expect(connections).toHaveLength(1);
    const c = connections[0]!;
    expect([c.origH, c.respP, c.synCount]).toEqual(['10.11.54.223', 8888, 0]);
    expect(c.requestTimes.length).toBeGreaterThan(30);
    const sorted = [...c.requestTimes].sort((a, b) => a - b);
    expect(c.requestTimes).toEqual(sorted);
  });

  it('separates refused and unanswered probes of a SYN scan', async () => {
    const { connections } = await trackFile(corpusPath('beacon/synscan.pcapng'));
    const count = (state: string) => connections.filter((c) => c.connState === state).length;
    expect(count('S0')).toBeGreaterThan(1900);
    expect(count('REJ')).toBeGreaterThan(0);
    expect(new Set(connections.map((c) => c.respP)).size).toBeGreaterThan(900);
  });
});
