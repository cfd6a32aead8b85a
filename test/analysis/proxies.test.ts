import { describe, expect, it } from 'vitest';
import { CidrSet, DEFAULT_INTERNAL, DEFAULT_WEB_PORTS } from '../../src/analysis/index.js';
import { findProxies } from '../../src/analysis/proxies.js';
import { http, session } from './support.js';

const internal = new CidrSet(DEFAULT_INTERNAL);

describe('proxies', () => {
  it('detects a proxy from CONNECT requests', () => {
    const conns = ['192.168.0.20', '192.168.0.21'].map((h, i) =>
      session(h, '192.168.0.1', 3128, i, { http: http({ method: 'CONNECT', target: 'www.example.com:443', proxyForm: 'connect' }) }),
    );
    const found = findProxies(conns, internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies).toHaveLength(1);
    expect(found.proxies[0]).toMatchObject({
      address: '192.168.0.1',
      port: 3128,
      source: 'detected',
      clients: ['192.168.0.20', '192.168.0.21'],
    });
    expect(found.proxies[0]!.evidence).toMatch(/2 clients sent 2 CONNECT requests to 192\.168\.0\.1:3128/);
    expect(found.isProxy('192.168.0.1', 3128)).toBe(true);
    expect(found.isProxy('192.168.0.1', 80)).toBe(false);
  });

  it('names its clients in the order of their addresses, as a reader counts them (10.1.0.2 before 10.1.0.10)', () => {
    const clients = ['10.1.0.100', '10.1.0.2', 'fd00::20', '10.1.0.10', '10.1.1.1', 'fd00::3'];
    const conns = clients.map((h, i) =>
      session(h, '10.0.0.8', 3128, i, { http: http({ method: 'CONNECT', target: 'www.example.com:443', proxyForm: 'connect' }) }),
    );
    const found = findProxies(conns, internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]!.clients).toEqual(['10.1.0.2', '10.1.0.10', '10.1.0.100', '10.1.1.1', 'fd00::3', 'fd00::20']);
  });

  it('a web server the Internet probes for an open proxy, refusing every CONNECT, is no proxy; one that lets an outside client through is', () => {
    const probe = (client: string, i: number, status: number) =>
      session(client, '64.0.0.201', 80, i, { http: http({ method: 'CONNECT', target: 'google.com:443', proxyForm: 'connect', status }) });
    const refused = [probe('45.125.66.34', 0, 400), probe('198.51.100.7', 1, 400), probe('203.0.113.9', 2, 405)];
    expect(findProxies(refused, internal, [], DEFAULT_WEB_PORTS).proxies).toEqual([]);
    // Let through (200), or asking for credentials (407): a proxy, wherever its clients are.
    expect(findProxies([...refused, probe('203.0.113.10', 3, 200)], internal, [], DEFAULT_WEB_PORTS).proxies).toHaveLength(1);
    expect(findProxies([probe('203.0.113.11', 4, 407)], internal, [], DEFAULT_WEB_PORTS).proxies).toHaveLength(1);
    // An internal client's request makes it one even when refused (a proxy's 403 for a site it blocks).
    expect(findProxies([...refused, probe('192.168.0.20', 5, 403)], internal, [], DEFAULT_WEB_PORTS).proxies).toHaveLength(1);
  });

  it('an IPv6 proxy is named with its address in brackets before the port', () => {
    const conns = ['fd00:1::20', 'fd00:1::21'].map((h, i) =>
      session(h, 'fd00:1::2', 8080, i, { http: http({ method: 'CONNECT', target: 'www.example.com:443', proxyForm: 'connect' }) }),
    );
    const found = findProxies(conns, internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]).toMatchObject({ address: 'fd00:1::2', port: 8080 });
    expect(found.proxies[0]!.evidence).toMatch(/2 clients sent 2 CONNECT requests to \[fd00:1::2\]:8080$/);
  });

  it('detects a proxy from absolute-URI requests', () => {
    const c = session('192.168.0.20', '10.1.1.1', 8080, 1, {
      http: http({ target: 'http://update.example.com/x', proxyForm: 'absolute', host: 'update.example.com' }),
    });
    const found = findProxies([c], internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]).toMatchObject({ address: '10.1.1.1', port: 8080 });
    expect(found.proxies[0]!.evidence).toMatch(/absolute-URI request/);
  });

  it('one proxy found both ways (clients address it, its requests carry Via) is listed once, with its port', () => {
    const clients = ['192.168.0.20', '192.168.0.21'].map((h, i) =>
      session(h, '10.1.1.2', 3128, i, {
        http: http({ target: 'http://update.example.com/x', proxyForm: 'absolute', host: 'update.example.com' }),
      }),
    );
    const own = session('10.1.1.2', '93.184.216.34', 80, 3, { http: http({ host: 'update.example.com', viaHeaders: ['Via: 1.1 squid'] }) });
    const found = findProxies([...clients, own], internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies).toHaveLength(1);
    expect(found.proxies[0]).toMatchObject({ address: '10.1.1.2', port: 3128 });
    expect(found.proxies[0]!.evidence).toMatch(/absolute-URI request.*; its own outbound requests carry proxy headers \(Via\)/);
  });

  it('finds none in plain direct browsing', () => {
    const conns = [session('192.168.0.20', '93.184.216.34', 80, 1, { http: http({ host: 'example.com' }) })];
    expect(findProxies(conns, internal, [], DEFAULT_WEB_PORTS).proxies).toEqual([]);
  });

  it('detects the proxy from its own outbound requests carrying Via (firewall-side capture)', () => {
    const c = session('192.168.0.1', '93.184.216.34', 80, 1, { http: http({ host: 'example.com', viaHeaders: ['Via: 1.1 squid'] }) });
    const found = findProxies([c], internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]).toMatchObject({ address: '192.168.0.1', port: null, source: 'detected' });
    expect(found.proxies[0]!.evidence).toMatch(/proxy headers \(Via\)/);
  });

  it('detects a busy internal service on a proxy port that itself goes out to the web', () => {
    const clients = ['192.168.0.20', '192.168.0.21', '192.168.0.22'].map((h, i) => session(h, '192.168.0.1', 8080, i));
    const outbound = session('192.168.0.1', '93.184.216.34', 443, 5);
    const found = findProxies([...clients, outbound], internal, [], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]).toMatchObject({ address: '192.168.0.1', port: 8080 });
    expect(found.proxies[0]!.evidence).toMatch(/3 internal clients connect .* itself opens 1 web connection/);
    // Two clients are not enough.
    expect(findProxies([...clients.slice(0, 2), outbound], internal, [], DEFAULT_WEB_PORTS).proxies).toEqual([]);
  });

  it('takes a given proxy and lists its clients', () => {
    const c = session('192.168.0.20', '192.168.0.1', 3128, 1);
    const found = findProxies([c], internal, [{ address: '192.168.0.1', port: 3128 }], DEFAULT_WEB_PORTS);
    expect(found.proxies[0]).toMatchObject({ source: 'given', clients: ['192.168.0.20'] });
  });
});
