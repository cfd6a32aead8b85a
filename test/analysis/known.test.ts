/**
 * Known destinations (--known): lines of a name pattern, CIDR or address:port with a reason; the
 * groups they explain are kept out of a host's labels, verdict and score and counted per line, and
 * `known suggest` proposes lines for the update agents the verdicts already explain.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections, parseKnown, suggestKnown, type KnownRule } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { block, connection, options, session, updateAgent } from './support.js';

const CDN = block('203.0.113', 15);

/** A DNS lookup by `host` answering `name` with `addresses`. */
function lookup(host: string, name: string, addresses: string[], ts = 900): Connection {
  return connection({
    origH: host,
    respH: '192.168.0.1',
    respP: 53,
    proto: 'udp',
    ts,
    lastTs: ts + 0.01,
    connState: 'SF',
    history: 'Dd',
    dnsQuery: name,
    dnsAnswers: addresses.map((value) => ({ name, type: 'A' as const, value, ttl: 60 })),
  });
}

/** An update agent on 10.0.0.5 turned away from the CDN that serves update.vendor.example, and a browsing host. */
function network(): Connection[] {
  return [
    lookup('10.0.0.5', 'update.vendor.example', CDN.slice(0, 5)),
    ...updateAgent('10.0.0.5', { bursts: 12, burstSize: 5, period: 60, addresses: CDN }),
    ...Array.from({ length: 6 }, (_, i) => session('10.0.0.6', '198.51.100.7', 993, 1_000 + i * 97.3)),
  ].sort((a, b) => a.ts - b.ts);
}

function rules(text: string): KnownRule[] {
  return parseKnown(text, 'known');
}

describe('known-destinations lines', () => {
  it.each([
    ['*.windowsupdate.com  Windows Update', { kind: 'name', name: 'windowsupdate.com', subdomains: true }, 'Windows Update'],
    [
      'update.vendor.example   vendor updates, allowed by policy',
      { kind: 'name', name: 'update.vendor.example', subdomains: false },
      'vendor updates, allowed by policy',
    ],
    ['203.0.113.0/24 CDN # of the vendor', { kind: 'cidr', cidr: '203.0.113.0/24' }, 'CDN # of the vendor'],
    ['2001:db8::/32 lab network', { kind: 'cidr', cidr: '2001:db8::/32' }, 'lab network'],
    ['198.51.100.7:993  mail server', { kind: 'endpoint', address: '198.51.100.7', port: 993 }, 'mail server'],
    ['[2001:DB8::7]:443  # monitoring probe', { kind: 'endpoint', address: '2001:db8::7', port: 443 }, 'monitoring probe'],
  ])('%s', (line, match, reason) => {
    const [rule] = rules(`# a comment\n\n${line}\n`);
    expect(rule).toEqual({ pattern: line.split(/\s+/)[0], reason, source: 'known:3', match });
  });

  it.each([
    ['update.vendor.example', 'known:2: no reason after update.vendor.example'],
    ['203.0.113.0/33 too wide', 'known:2: "203.0.113.0/33" is not a name pattern'],
    ['up*date.example x', 'known:2: "up*date.example" is not a name pattern'],
    ['198.51.100.7:99999 port', 'known:2: "198.51.100.7:99999" is not a name pattern'],
  ])('refuses %s, naming the file and line', (line, message) => {
    expect(() => rules(`# header\n${line}\n`)).toThrow(message);
  });
});

describe('known destinations in the analysis', () => {
  const plain = analyzeConnections(network(), [], options());
  const agent = (r: typeof plain) => r.hosts.find((h) => h.address === '10.0.0.5');

  it('without a list: the update agent is blocked and periodic', () => {
    expect(agent(plain)?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(plain.understood).toEqual([]);
  });

  it.each([
    ['*.vendor.example  vendor updates', 'by a name the host resolved (the CDN addresses it did not resolve come along)'],
    ['203.0.113.0/24  vendor CDN', 'by CIDR'],
  ])('%s: the group is kept out of the findings and counted under understood', (line) => {
    const result = analyzeConnections(network(), [], options({ known: rules(`${line}\n198.51.100.99:25  unused line\n`) }));
    expect(agent(result)).toBeUndefined();
    expect(result.hosts.every((h) => !h.labels.includes('blocked'))).toBe(true);
    expect(result.understood).toEqual([
      {
        rule: line.split(/\s+/)[0],
        reason: line.split(/\s+/).slice(1).join(' '),
        source: 'known:1',
        hosts: 1,
        attempts: 60,
        connections: 60,
        destinations: [expect.any(String)],
      },
      { rule: '198.51.100.99:25', reason: 'unused line', source: 'known:2', hosts: 0, attempts: 0, connections: 0, destinations: [] },
    ]);
    expect(result.quietHosts.byActivity.find((r) => r.activity === 'understood')).toMatchObject({ hosts: 1, connections: 60 });
    expect(result.summary.join(' ')).toContain('1 known destination line (--known) explained 60 connections');
  });

  it('an address:port line takes out only that service, and the host keeps its other findings', () => {
    const connections = [
      ...network(),
      ...updateAgent('10.0.0.5', { start: 1_010, bursts: 12, burstSize: 3, period: 90, addresses: ['192.0.2.10'], port: 443, seed: 3 }),
    ];
    connections.sort((a, b) => a.ts - b.ts);
    const result = analyzeConnections(connections, [], options({ known: rules('192.0.2.10:443  licence server\n') }));
    const host = agent(result)!;
    expect(host.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host.groups.map((g) => g.destination)).not.toContain('192.0.2.10');
    expect(result.understood[0]).toMatchObject({ hosts: 1, attempts: 36 });
  });

  it('a name line does not hide a group that also holds a destination of another name', () => {
    // The vendor's other name, on one of the CDN's addresses: one site, one group, two names.
    const connections = [...network(), lookup('10.0.0.5', 'mirror.vendor.example', [CDN[14]!], 950)].sort((a, b) => a.ts - b.ts);
    const result = analyzeConnections(connections, [], options({ known: rules('update.vendor.example  vendor updates\n') }));
    expect(agent(result)?.labels).toContain('blocked');
    expect(result.understood[0]!.connections).toBe(0);
  });

  it("known suggest proposes the update agent's destination, and the line it proposes explains it", () => {
    const suggestions = suggestKnown(plain);
    expect(suggestions).toEqual([
      {
        pattern: 'update.vendor.example',
        reason: 'update agent turned away on a schedule (port 80, every 1 min)',
        hosts: ['10.0.0.5'],
        attempts: 60,
      },
    ]);
    const line = `${suggestions[0]!.pattern}  ${suggestions[0]!.reason}`;
    const again = analyzeConnections(network(), [], options({ known: rules(line) }));
    expect(agent(again)).toBeUndefined();
    expect(suggestKnown(again)).toEqual([]);
  });
});
