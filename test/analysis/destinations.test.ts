import { describe, expect, it } from 'vitest';
import { analyzeConnections } from '../../src/analysis/index.js';
import type { DnsAnswer } from '../../src/flows/connection.js';
import { connection, options, session } from './support.js';

const host = '192.168.0.13';

function dns(ts: number, query: string, answers: DnsAnswer[]) {
  return connection({
    proto: 'udp',
    origH: host,
    respH: '192.168.0.1',
    respP: 53,
    ts,
    dnsQuery: query,
    dnsAnswers: answers,
    history: 'Dd',
    synCount: 0,
  });
}

describe('destinations', () => {
  it('groups by the name the host resolved, keeping the CNAME chain, and merges names in one /24', () => {
    const conns = [
      dns(1, 'liveupdate.symantec.com', [
        { name: 'liveupdate.symantec.com', type: 'CNAME', value: 'liveupdate.symantec.d4p.net', ttl: 60 },
        { name: 'liveupdate.symantec.d4p.net', type: 'CNAME', value: 'symantec.georedirector.akadns.net', ttl: 60 },
        { name: 'symantec.georedirector.akadns.net', type: 'A', value: '72.246.53.81', ttl: 20 },
      ]),
      dns(2, 'liveupdate.symantecliveupdate.com', [
        { name: 'liveupdate.symantecliveupdate.com', type: 'A', value: '72.246.53.96', ttl: 20 },
      ]),
      session(host, '72.246.53.81', 80, 3),
      session(host, '72.246.53.96', 80, 4),
      session(host, '72.246.53.74', 80, 5),
      session(host, '93.184.216.34', 443, 6, { sni: 'example.com' }),
      session(host, '198.51.100.7', 80, 7),
    ];
    const result = analyzeConnections(conns, [], options({ orgs: [{ cidr: '198.51.100.0/24', organisation: 'Example Org' }] }));
    const groups = result.hosts[0]!.groups;
    const cdn = groups.find((g) => g.names.includes('liveupdate.symantec.com'))!;
    expect(cdn.groupedBy).toBe('dns');
    expect(cdn.names).toEqual(
      expect.arrayContaining([
        'liveupdate.symantec.com',
        'liveupdate.symantec.d4p.net',
        'symantec.georedirector.akadns.net',
        'liveupdate.symantecliveupdate.com',
      ]),
    );
    expect(cdn.addresses).toBe(3);
    expect(cdn.netblocks).toEqual(['72.246.53.0/24']);
    expect(groups.find((g) => g.destination === 'example.com')?.groupedBy).toBe('sni');
    expect(groups.find((g) => g.destination === 'Example Org')?.groupedBy).toBe('org');
    expect(groups).toHaveLength(3);
  });

  it('falls back to the Host header, else the netblock (named by its address when it has one)', () => {
    const conns = [
      session(host, '203.0.113.9', 80, 1),
      session(host, '198.51.100.3', 80, 2, {
        http: { method: 'GET', target: '/', host: 'Update.Example.NET:80', userAgent: 'agent\u0007/1.0', proxyForm: null, viaHeaders: [] },
      }),
    ];
    const result = analyzeConnections(conns, [], options());
    const groups = result.hosts[0]!.groups.map((g) => [g.destination, g.groupedBy]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ['203.0.113.9', 'netblock'],
        ['update.example.net', 'host'],
      ]),
    );
    expect(result.hosts[0]!.userAgents).toEqual(['agent/1.0']);
  });
});
