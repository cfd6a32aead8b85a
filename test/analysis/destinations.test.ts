import { describe, expect, it } from 'vitest';
import { analyzeConnections } from '../../src/analysis/index.js';
import { NameBook } from '../../src/analysis/destinations.js';
import { listOf } from '../../src/flows/store.js';
import type { DnsAnswer } from '../../src/flows/connection.js';
import { connection, http, options, session } from './support.js';

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
  it("groups by the name the host resolved, keeping the CNAME chain, and merges a vendor's names served by one CDN property in one /24", () => {
    // The vendor's two domains lead to one Akamai name: one service, whichever name was asked.
    const conns = [
      dns(1, 'liveupdate.symantec.com', [
        { name: 'liveupdate.symantec.com', type: 'CNAME', value: 'liveupdate.symantec.d4p.net', ttl: 60 },
        { name: 'liveupdate.symantec.d4p.net', type: 'CNAME', value: 'symantec.georedirector.akadns.net', ttl: 60 },
        { name: 'symantec.georedirector.akadns.net', type: 'A', value: '72.246.53.81', ttl: 20 },
      ]),
      dns(2, 'liveupdate.symantecliveupdate.com', [
        { name: 'liveupdate.symantecliveupdate.com', type: 'CNAME', value: 'symantec.georedirector.akadns.net', ttl: 60 },
        { name: 'symantec.georedirector.akadns.net', type: 'A', value: '72.246.53.96', ttl: 20 },
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

  it("keeps a beacon fronted by a CDN apart from the other sites the host browses on the CDN's /24", () => {
    // update.badcdn.example every 60 s for 40 minutes, its address rotating among four of the CDN's,
    // each lookup a CNAME to its own name at the CDN; meanwhile 15 other sites the CDN serves from
    // the same /24, each reached the same way, visited 150 times at uneven times.
    const cname = (name: string) => `${name}.cdn.cloudflare.net`;
    const lookup = (ts: number, name: string, address: string) =>
      dns(ts, name, [
        { name, type: 'CNAME', value: cname(name), ttl: 300 },
        { name: cname(name), type: 'A', value: address, ttl: 300 },
      ]);
    const conns = [];
    for (let i = 0; i < 40; i++) {
      const address = `104.21.5.${10 + (Math.floor(i / 5) % 4)}`;
      if (i % 5 === 0) conns.push(lookup(1_000 + i * 60 - 0.1, 'update.badcdn.example', address));
      conns.push(session(host, address, 443, 1_000 + i * 60 + ((i * 7) % 10) / 10, { sni: 'update.badcdn.example' }));
    }
    for (let i = 0; i < 150; i++) {
      const site = `www.site${i % 15}.example`;
      const ts = 1_000 + ((i * 7919) % 2_400) + (i % 13) / 7;
      conns.push(lookup(ts - 0.1, site, `104.21.5.${100 + (i % 15)}`), session(host, `104.21.5.${100 + (i % 15)}`, 443, ts, { sni: site }));
    }
    conns.sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.destination === 'update.badcdn.example')!;
    expect(beacon.names).toEqual(['update.badcdn.example', cname('update.badcdn.example')]);
    expect(beacon.attempts).toBe(40);
    expect(beacon.addresses).toBe(4);
    expect(beacon.schedule.periodic).toBe(true);
    expect(beacon.schedule.periodSeconds).toBeCloseTo(60, 0);
    expect(found.labels).toContain('periodic');
    // Each other site its own destination.
    expect(found.groups.filter((g) => g.destination.startsWith('www.site'))).toHaveLength(15);
  });

  it("keeps a beacon on a CDN's own name apart from sites whose names lead to other names under that CDN's suffix", () => {
    // A beacon to its own CloudFront distribution, d1beacon.cloudfront.net, every 60 s; meanwhile 15
    // sites, each a CNAME to a distribution of its own on the same edge /24. cloudfront.net is a
    // suffix customers get names under (the Public Suffix List's private section), as github.io,
    // duckdns.org or trycloudflare.com are: each distribution is its own site.
    const beaconName = 'd1beacon.cloudfront.net';
    const conns = [];
    for (let i = 0; i < 40; i++) {
      const address = `13.224.7.${10 + (i % 4)}`;
      if (i % 5 === 0) conns.push(dns(1_000 + i * 60 - 0.1, beaconName, [{ name: beaconName, type: 'A', value: address, ttl: 60 }]));
      conns.push(session(host, address, 443, 1_000 + i * 60 + ((i * 7) % 10) / 10, { sni: beaconName }));
    }
    for (let i = 0; i < 150; i++) {
      const site = `www.site${i % 15}.example`;
      const distribution = `d${900 + (i % 15)}site.cloudfront.net`;
      const address = `13.224.7.${100 + (i % 15)}`;
      const ts = 1_000 + ((i * 7919) % 2_400) + (i % 13) / 7;
      conns.push(
        dns(ts - 0.1, site, [
          { name: site, type: 'CNAME', value: distribution, ttl: 300 },
          { name: distribution, type: 'A', value: address, ttl: 60 },
        ]),
        session(host, address, 443, ts, { sni: site }),
      );
    }
    conns.sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.destination === beaconName)!;
    expect(beacon.names).toEqual([beaconName]);
    expect(beacon.attempts).toBe(40);
    expect(beacon.schedule.periodic).toBe(true);
    expect(beacon.schedule.periodSeconds).toBeCloseTo(60, 0);
    expect(found.labels).toContain('periodic');
    expect(found.groups.filter((g) => g.destination.startsWith('www.site'))).toHaveLength(15);
  });

  it("keeps sites apart whose chains meet only at a CDN name many customers share, and a vendor's two domains on one property together", () => {
    // Fastly serves many customers under one name (dualstack.j.sni.global.fastly.net): a beacon's
    // name and three sites the user browses each lead there, all from 151.101.1.0/24. A vendor's
    // two domains meeting at one Akamai name are still one destination (the first test).
    const front = 'dualstack.j.sni.global.fastly.net';
    const lookup = (ts: number, name: string, address: string) =>
      dns(ts, name, [
        { name, type: 'CNAME', value: front, ttl: 300 },
        { name: front, type: 'A', value: address, ttl: 30 },
      ]);
    const conns = [];
    for (let i = 0; i < 40; i++) {
      const address = `151.101.1.${10 + (i % 3)}`;
      if (i % 5 === 0) conns.push(lookup(1_000 + i * 60 - 0.1, 'update.badfastly.example', address));
      conns.push(session(host, address, 443, 1_000 + i * 60 + ((i * 7) % 10) / 10, { sni: 'update.badfastly.example' }));
    }
    for (let i = 0; i < 90; i++) {
      const site = ['www.news.example', 'www.shop.example', 'static.other.example'][i % 3]!;
      const address = `151.101.1.${100 + (i % 3)}`;
      const ts = 1_000 + ((i * 7919) % 2_400) + (i % 13) / 7;
      conns.push(lookup(ts - 0.1, site, address), session(host, address, 443, ts, { sni: site }));
    }
    conns.sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.destination === 'update.badfastly.example')!;
    expect(beacon.attempts).toBe(40);
    expect(beacon.schedule.periodic).toBe(true);
    expect(beacon.schedule.periodSeconds).toBeCloseTo(60, 0);
    expect(found.groups.map((g) => g.destination).sort()).toEqual([
      'static.other.example',
      'update.badfastly.example',
      'www.news.example',
      'www.shop.example',
    ]);
  });

  it('groups a connection by the name its SNI asked for where the CDN serves several names the host resolved from one address', () => {
    // The beacon's name and two sites the user browses all resolve to 104.21.5.10; the last answer
    // for the address names a site, but every beacon's ClientHello names update.badcdn.example.
    const conns = [];
    for (let i = 0; i < 40; i++) {
      const t = 1_000 + i * 60;
      if (i % 5 === 0)
        conns.push(dns(t - 0.1, 'update.badcdn.example', [{ name: 'update.badcdn.example', type: 'A', value: '104.21.5.10', ttl: 300 }]));
      conns.push(session(host, '104.21.5.10', 443, t, { sni: 'update.badcdn.example' }));
    }
    for (let i = 0; i < 90; i++) {
      const site = `www.site${i % 2}.example`;
      const ts = 1_000 + ((i * 7919) % 2_400) + 0.5;
      conns.push(
        dns(ts - 0.1, site, [{ name: site, type: 'A', value: '104.21.5.10', ttl: 300 }]),
        session(host, '104.21.5.10', 443, ts, { sni: site }),
      );
    }
    conns.sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.destination === 'update.badcdn.example')!;
    expect(beacon.attempts).toBe(40);
    expect(beacon.schedule).toMatchObject({ periodic: true, periodSeconds: 60 });
    expect(found.groups.filter((g) => g.destination.startsWith('www.site')).map((g) => g.attempts)).toEqual([45, 45]);
  });

  it("keeps a beacon's made-up Host header from moving it into the group of the site it names", () => {
    // A malleable C2 profile: plain HTTP to the address c2.evil.example resolved to, every 60 s,
    // its requests claiming Host: www.google.com — a name the host also resolved and browses.
    const conns = [
      dns(900, 'c2.evil.example', [{ name: 'c2.evil.example', type: 'A', value: '45.77.10.20', ttl: 300 }]),
      dns(901, 'www.google.com', [{ name: 'www.google.com', type: 'A', value: '142.250.1.1', ttl: 300 }]),
      ...Array.from({ length: 30 }, (_, i) => session(host, '45.77.10.20', 80, 1_000 + i * 60, { http: http({ host: 'www.google.com' }) })),
      ...Array.from({ length: 20 }, (_, i) => session(host, '142.250.1.1', 443, 1_010 + i * 83.7, { sni: 'www.google.com' })),
    ].sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.destination === 'c2.evil.example')!;
    expect(beacon.attempts).toBe(30);
    expect(beacon.schedule).toMatchObject({ periodic: true, periodSeconds: 60 });
    expect(found.groups.find((g) => g.destination === 'www.google.com')!.attempts).toBe(20);
  });

  it("keeps a beacon to a bare address apart from the site its made-up Host names, that name among its group's names", () => {
    // The same profile reached by address alone (no lookup): its Host claims a name DNS gave
    // another address, never this one. The browser's connection to a neighbour of Google's address
    // (its answer not seen) is Google's all the same, though another site was met first in the /24.
    const conns = [
      dns(901, 'www.google.com', [{ name: 'www.google.com', type: 'A', value: '142.250.1.1', ttl: 300 }]),
      dns(950, 'mail.other.example', [{ name: 'mail.other.example', type: 'A', value: '142.250.1.9', ttl: 300 }]),
      session(host, '142.250.1.9', 443, 960, { sni: 'mail.other.example' }),
      ...Array.from({ length: 30 }, (_, i) => session(host, '45.77.10.20', 80, 1_000 + i * 60, { http: http({ host: 'www.google.com' }) })),
      ...Array.from({ length: 20 }, (_, i) => session(host, '142.250.1.1', 443, 1_010 + i * 83.7, { sni: 'www.google.com' })),
      session(host, '142.250.1.7', 443, 2_900, { sni: 'www.google.com' }),
    ].sort((a, b) => a.ts - b.ts);
    const found = analyzeConnections(conns, [], options()).hosts[0]!;
    const beacon = found.groups.find((g) => g.addressList.includes('45.77.10.20'))!;
    expect(beacon.addressList).toEqual(['45.77.10.20']);
    expect(beacon.names).toEqual(['www.google.com']);
    expect(beacon.attempts).toBe(30);
    expect(beacon.schedule).toMatchObject({ periodic: true, periodSeconds: 60 });
    expect(found.verdict).toContain('one connection every 1 min to 45.77.10.20');
    expect(found.groups.find((g) => g.destination === 'www.google.com')).toMatchObject({
      attempts: 21,
      addressList: ['142.250.1.1', '142.250.1.7'],
    });
  });

  it('keeps names the connections sent of other registered domains apart on one address, and joins those of one', () => {
    // One server of virtual hosts (198.51.100.10): a beacon naming metrics.tracker.example every
    // 60 s, reset after its ClientHello, beside www1/www2.news.example.co.uk and a connection
    // naming nothing in the same /24.
    const conns = [
      ...Array.from({ length: 12 }, (_, i) => session(host, '198.51.100.10', 443, 1_000 + i * 60, { sni: 'metrics.tracker.example' })),
      session(host, '198.51.100.10', 443, 1_030, { sni: 'www1.news.example.co.uk' }),
      session(host, '198.51.100.11', 443, 1_200, { sni: 'www2.news.example.co.uk' }),
      session(host, '198.51.100.12', 443, 1_400),
      session(host, '198.51.100.10', 80, 1_500, { http: http({ host: 'news.example.co.uk' }) }),
    ];
    const groups = analyzeConnections(conns, [], options()).hosts[0]!.groups;
    const tracker = groups.find((g) => g.destination === 'metrics.tracker.example')!;
    expect(tracker.names).toEqual(['metrics.tracker.example']);
    // The first family met in the /24 takes the address that names nothing: 12 beats and it.
    expect(tracker.addressList).toEqual(['198.51.100.10', '198.51.100.12']);
    expect(tracker.attempts).toBe(13);
    const news = groups.find((g) => g.names.includes('www1.news.example.co.uk'))!;
    expect([...news.names].sort()).toEqual(['news.example.co.uk', 'www1.news.example.co.uk', 'www2.news.example.co.uk']);
    expect(groups).toHaveLength(2);
  });

  it("lists a group's addresses and netblocks by value, as a reader counts them (.2 before .10 before .100)", () => {
    const addresses = ['198.51.100.100', '198.51.10.7', '198.51.100.2', '198.51.9.200', '198.51.100.10'];
    const conns = addresses.map((a, i) => session(host, a, 443, i + 1));
    const result = analyzeConnections(conns, [], options({ orgs: [{ cidr: '198.51.0.0/16', organisation: 'Example Org' }] }));
    const org = result.hosts[0]!.groups.find((g) => g.destination === 'Example Org')!;
    expect(org.addressList).toEqual(['198.51.9.200', '198.51.10.7', '198.51.100.2', '198.51.100.10', '198.51.100.100']);
    expect(org.netblocks).toEqual(['198.51.9.0/24', '198.51.10.0/24', '198.51.100.0/24']);
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

describe('the names hosts resolved', () => {
  /** A host's lookup of `query` and the resolver's answers. */
  const reply = (origH: string, ts: number, query: string, dnsAnswers: DnsAnswer[]) =>
    connection({ proto: 'udp', origH, respH: '192.168.0.1', respP: 53, ts, dnsQuery: query, dnsAnswers });
  /** Answered through a CNAME: `edge.` before the query, then its address. */
  const answer = (origH: string, ts: number, query: string, address: string) =>
    reply(origH, ts, query, [
      { name: query, type: 'CNAME', value: `edge.${query}`, ttl: 60 },
      { name: `edge.${query}`, type: 'A', value: address, ttl: 20 },
    ]);

  it("each host's own answer for an address, later answers winning; a host that asked nothing gets the last answer to anyone", () => {
    const book = new NameBook(
      listOf([
        answer('10.0.0.1', 1, 'a.example', '203.0.113.9'),
        answer('10.0.0.2', 2, 'b.example', '203.0.113.9'),
        answer('10.0.0.3', 3, 'c.example', '203.0.113.9'),
        answer('10.0.0.3', 4, 'b.example', '203.0.113.9'),
      ]),
    );
    const name = (host: string) => book.lookup(host, '203.0.113.9')?.name;
    expect(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map(name)).toEqual(['a.example', 'b.example', 'b.example', 'b.example']);
    expect(book.forHost('10.0.0.1').lookup('203.0.113.9')!.chain).toEqual(['a.example', 'edge.a.example']);
    expect(book.forHost('10.0.0.4').empty).toBe(false);
    expect(book.lookup('10.0.0.1', '198.51.100.1')).toBeNull();
  });

  it('an answer without a CNAME names the addresses answered for the query, not those of other names beside them', () => {
    const plain = (origH: string, ts: number, answers: { name: string; value: string }[]) =>
      reply(
        origH,
        ts,
        'www.example',
        answers.map((a) => ({ ...a, type: 'A', ttl: 60 })),
      );
    const book = new NameBook(
      listOf([
        plain('10.0.0.1', 1, [
          { name: 'www.example', value: '203.0.113.5' },
          { name: 'ns.other.example', value: '198.51.100.7' },
        ]),
        // Answers that name none of the query's names: every address is the query's.
        plain('10.0.0.2', 2, [
          { name: 'edge.cdn.example', value: '203.0.113.6' },
          { name: 'edge2.cdn.example', value: '203.0.113.7' },
        ]),
        // The query written again with a capital and the root's dot is the same name.
        plain('10.0.0.3', 3, [
          { name: 'WWW.example.', value: '203.0.113.8' },
          { name: 'ns.other.example', value: '198.51.100.8' },
        ]),
      ]),
    );
    expect(book.lookup('10.0.0.1', '203.0.113.5')).toEqual({ name: 'www.example', chain: ['www.example'] });
    expect(book.lookup('10.0.0.1', '198.51.100.7')).toBeNull();
    expect(book.lookup('10.0.0.2', '203.0.113.6')?.name).toBe('www.example');
    expect(book.lookup('10.0.0.2', '203.0.113.7')?.name).toBe('www.example');
    expect(book.lookup('10.0.0.3', '203.0.113.8')?.name).toBe('www.example');
    expect(book.lookup('10.0.0.3', '198.51.100.8')).toBeNull();
  });

  it('a name asked again and again, by many hosts, for many addresses, is one record', () => {
    const rows = Array.from({ length: 200 }, (_, i) => answer(`10.0.1.${i % 50}`, i, 'cdn.example', `203.0.113.${i % 100}`));
    const book = new NameBook(listOf(rows));
    const found = new Set(rows.map((c) => book.lookup(c.origH, c.dnsAnswers[1]!.value)));
    expect(found.size).toBe(1);
    expect([...found][0]).toEqual({ name: 'cdn.example', chain: ['cdn.example', 'edge.cdn.example'] });
    // the same name through another CNAME: a record of its own
    const moved = connection({
      proto: 'udp',
      origH: '10.0.1.7',
      respH: '192.168.0.1',
      respP: 53,
      ts: 500,
      dnsQuery: 'cdn.example',
      dnsAnswers: [
        { name: 'cdn.example', type: 'CNAME', value: 'other-cdn.example', ttl: 60 },
        { name: 'other-cdn.example', type: 'A', value: '198.51.100.20', ttl: 20 },
      ],
    });
    const again = new NameBook(listOf([...rows, moved]));
    expect(again.lookup('10.0.1.7', '198.51.100.20')!.chain).toEqual(['cdn.example', 'other-cdn.example']);
    expect(again.lookup('10.0.1.7', '203.0.113.7')!.chain).toEqual(['cdn.example', 'edge.cdn.example']);
  });
});
