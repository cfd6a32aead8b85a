import { describe, expect, it } from 'vitest';
import { analyzeConnections, type AnalysisResult } from '../../src/analysis/index.js';
import { entropy, looksRandom, splitName, splitNameOnce } from '../../src/analysis/dns-tunnel.js';
import type { Connection } from '../../src/flows/connection.js';
import { connection, options, random } from './support.js';

const resolver = '192.168.0.53';

/** A DNS lookup to the network's resolver, answered. */
function lookup(host: string, name: string, ts: number): Connection {
  return connection({
    origH: host,
    respH: resolver,
    respP: 53,
    proto: 'udp',
    service: 'dns',
    ts,
    lastTs: ts + 0.01,
    connState: 'SF',
    history: 'Dd',
    synCount: 0,
    origPkts: 1,
    respPkts: 1,
    dnsQuery: name,
  });
}

function encoded(rnd: () => number, length: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rnd() * alphabet.length)]!;
  return s;
}

function hostOf(result: AnalysisResult, address: string) {
  return result.hosts.find((x) => x.address === address);
}

describe('dns-tunnel', () => {
  const rnd = random(42);

  it('labels a dnscat2/iodine-like tunnel: hex and base32 subdomains under one domain', () => {
    const host = '192.168.0.66';
    const conns: Connection[] = [];
    for (let i = 0; i < 300; i++) {
      // dnscat2: hex split into labels; iodine: one long base32 label
      const name =
        i % 2 === 0
          ? `${encoded(rnd, 60, '0123456789abcdef')}.${encoded(rnd, 30, '0123456789abcdef')}.t.example.com`
          : `${encoded(rnd, 52, 'abcdefghijklmnopqrstuvwxyz234567')}.t.example.com`;
      conns.push(lookup(host, name, 1_000 + i * 0.5));
    }
    // the same data re-asked now and then (retransmits)
    for (let i = 0; i < 20; i++) conns.push(lookup(host, conns[i]!.dnsQuery!, 1_200 + i));
    const result = analyzeConnections(conns, [], options());
    const h = hostOf(result, host);
    expect(h).toBeDefined();
    expect(h!.labels).toContain('dns-tunnel');
    const ev = h!.evidence.find((e) => e.startsWith('dns-tunnel:'));
    expect(ev).toMatch(
      /^dns-tunnel: 320 queries under t\.example\.com, 300 unique subdomains, mean label \d+ chars, entropy \d\.\d bits\/char \(data carried in DNS\)$/,
    );
    const entropyBits = Number(/entropy (\d\.\d)/.exec(ev!)![1]);
    expect(entropyBits).toBeGreaterThanOrEqual(3.5);
    const meanLabel = Number(/mean label (\d+)/.exec(ev!)![1]);
    expect(meanLabel).toBeGreaterThan(40);
    expect(h!.verdict).toMatch(/DNS tunnel/);
    expect(h!.score).toBeGreaterThanOrEqual(200);
    expect(result.summary.join(' ')).toMatch(/192\.168\.0\.66 .*data in DNS/);
    // the resolver that forwarded nothing here is not labelled
    expect(hostOf(result, resolver)?.labels ?? []).not.toContain('dns-tunnel');
  });

  it('does not label a busy browser resolving 200 ordinary names across many domains', () => {
    const host = '192.168.0.80';
    const words = ['www', 'api', 'static', 'img', 'cdn', 'mail', 'login', 'news', 'assets', 'media'];
    const sites = Array.from({ length: 40 }, (_, i) => `site${i}.example${i % 3 === 0 ? '.co.uk' : '.com'}`);
    const conns: Connection[] = [];
    for (let i = 0; i < 200; i++)
      conns.push(lookup(host, `${words[i % words.length]!}${Math.floor(i / 40)}.${sites[i % sites.length]!}`, 1_000 + i));
    const h = hostOf(analyzeConnections(conns, [], options()), host);
    expect(h?.labels ?? []).not.toContain('dns-tunnel');
  });

  it('does not label many readable subdomains of one CDN', () => {
    const host = '192.168.0.81';
    const conns: Connection[] = [];
    for (let i = 0; i < 300; i++) {
      const name = [
        `img${i}.cdn.example.com`,
        `static-${i}.cdn.example.com`,
        `edge${i}-fra.cdn.example.com`,
        `thumbnails${i}.cdn.example.com`,
      ][i % 4]!;
      conns.push(lookup(host, name, 1_000 + i));
    }
    const h = hostOf(analyzeConnections(conns, [], options()), host);
    expect(h?.labels ?? []).not.toContain('dns-tunnel');
  });

  it('does not label reverse lookups or DNS-SD service names', () => {
    const host = '192.168.0.82';
    const conns: Connection[] = [];
    for (let i = 0; i < 300; i++) {
      conns.push(lookup(host, `${i % 250}.${Math.floor(i / 250) + 7}.113.203.in-addr.arpa`, 1_000 + i));
      const nibbles = encoded(rnd, 32, '0123456789abcdef').split('').join('.');
      conns.push(lookup(host, `${nibbles}.ip6.arpa`, 1_000 + i));
      conns.push(lookup(host, `_svc${i}._tcp.${encoded(rnd, 20, 'abcdef0123456789')}.example.com`, 1_000 + i));
      conns.push(lookup(host, `${encoded(rnd, 24, 'abcdef0123456789')}._dns-sd._udp.local`, 1_000 + i));
    }
    const h = hostOf(analyzeConnections(conns, [], options()), host);
    expect(h?.labels ?? []).not.toContain('dns-tunnel');
  });

  it('splits names by registered domain and tells data from names', () => {
    expect(splitName('a.b.example.co.uk.')).toEqual({ domain: 'example.co.uk', labels: ['a', 'b'], name: 'a.b.example.co.uk' });
    expect(splitName('x.example.com')).toEqual({ domain: 'example.com', labels: ['x'], name: 'x.example.com' });
    expect(splitName('example.com')).toBeNull();
    expect(splitName('4.3.2.1.in-addr.arpa')).toBeNull();
    expect(splitName('_http._tcp.example.com')).toBeNull();
    // asked again, a name is split once: the same answer, in upper case or with its final dot too
    const names = ['A.B.Example.co.uk.', 'x.example.com', 'example.com', '4.3.2.1.in-addr.arpa', 'x.example.com'];
    expect(names.map(splitNameOnce)).toEqual(names.map(splitName));
    expect(splitNameOnce('x.example.com')).toBe(splitNameOnce('x.example.com'));
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
    expect(looksRandom(['3f9a0c7d1e2b4a6f8c0d'])).toBe(true);
    expect(looksRandom(['thumbnails12'])).toBe(false);
    expect(looksRandom(['img1'])).toBe(false);
    expect(looksRandom(['k3x7qm2vz5ta4pw6hb2c'])).toBe(true);
    expect(looksRandom(['thisisaverylongreadablelabelname'])).toBe(false);
    expect(looksRandom(['thequickbrownfoxjumpsoverthelazydog'])).toBe(false);
    expect(looksRandom(['qXzTbRwkPLmvNcsHdgFJtyBKwZrQpxMv'])).toBe(true);
    expect(looksRandom(['a1a1a1a1a1a1a1a1a1'])).toBe(false);
  });
});
