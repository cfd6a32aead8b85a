import { describe, expect, it } from 'vitest';
import { attributeResets, CidrSet, DEFAULT_INTERNAL } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { block, connection, refused, rst, session, updateAgent } from './support.js';

const internal = new CidrSet(DEFAULT_INTERNAL);
const host = '192.168.0.13';

function attributionOf(connections: Connection[], target: Connection) {
  const result = attributeResets(connections, internal);
  return { refusal: result.refusals.at(connections.indexOf(target)), result };
}

/** Each connection's attribution, undefined where nothing refused it. */
function attributions(connections: Connection[]) {
  const result = attributeResets(connections, internal);
  return connections.map((_, i) => result.refusals.at(i)?.attribution);
}

describe('reset attribution', () => {
  it('a closed port on a real server that also answers SYN-ACKs is the endpoint', () => {
    const ok = [
      session(host, '93.184.216.34', 443, 10, { respTtl: 52, handshakeRtt: 0.03 }),
      session(host, '93.184.216.34', 443, 20, { respTtl: 52, handshakeRtt: 0.031 }),
    ];
    const closed = refused(host, '93.184.216.34', 8080, 30, { ttl: 52, delay: 0.029 });
    const { refusal } = attributionOf([...ok, closed], closed);
    expect(refusal?.attribution).toBe('endpoint');
    expect(refusal?.evidence).toMatch(/TTL 52 matches/);
  });

  it('15 addresses answering with TTL 255 after 0.3 ms are one device in the path', () => {
    const agent = updateAgent(host, { bursts: 4, burstSize: 14, period: 32, addresses: block('72.246.53', 15) });
    const result = attributeResets(agent, internal);
    expect(new Set(attributions(agent))).toEqual(new Set(['middlebox']));
    expect(result.resetSources).toHaveLength(1);
    const source = result.resetSources[0]!;
    expect(source).toMatchObject({ attribution: 'middlebox', ttl: 255, kind: 'rst', resets: 56, hops: 0 });
    expect(source.remoteAddresses).toBeGreaterThanOrEqual(12);
    expect(source.medianRttMs).toBeCloseTo(0.3, 1);
    expect(source.evidence).toMatch(/one device answers for \d+ addresses/);
  });

  it("a reset on the loopback (a capture with -i any) is the host's own kernel, not the firewall that resets the web", () => {
    // The firewall's TTL-64 resets for the web, beside the sniffing host's own refusals on lo with the same TTL and speed.
    const web = [10, 20, 30, 40].map((t, k) => refused(host, `203.0.113.${10 + k}`, 80, t, { ttl: 64, delay: 0.00004 }));
    const local = [12, 22, 32].map((t) => refused('127.0.0.1', '127.0.0.1', 5037, t, { ttl: 64, delay: 0.000006 }));
    const v6 = refused('::1', '::1', 5037, 42, { ttl: 64, delay: 0.000006 });
    const all = [...web, ...local, v6];
    expect(attributions(all)).toEqual([...web.map(() => 'middlebox'), ...local.map(() => 'endpoint'), 'endpoint']);
    const firewall = attributeResets(all, internal).resetSources.find((s) => s.attribution === 'middlebox')!;
    expect(firewall.resets).toBe(4);
    expect(firewall.addressList).not.toContain('127.0.0.1');
  });

  it("a reset whose TTL differs from the same /24's SYN-ACKs is a middlebox", () => {
    const ok = session(host, '203.0.113.10', 80, 5, { respTtl: 52 });
    const reset = refused(host, '203.0.113.11', 80, 6, { ttl: 63, delay: 0.0004 });
    const { refusal } = attributionOf([ok, reset], reset);
    expect(refusal?.attribution).toBe('middlebox');
    expect(refusal?.evidence).toMatch(/TTL 63 .* TTL 52/);
  });

  it("a reset with the server's TTL but far faster than its round trip is a middlebox", () => {
    const ok = session(host, '203.0.113.10', 80, 5, { respTtl: 52, handshakeRtt: 0.04 });
    const reset = refused(host, '203.0.113.10', 80, 6, { ttl: 52, delay: 0.0002 });
    expect(attributionOf([ok, reset], reset).refusal?.attribution).toBe('middlebox');
  });

  it('a fast reset at LAN round trips is not blamed on a device in the path', () => {
    const ok = session(host, '10.0.0.9', 80, 5, { respTtl: 64, handshakeRtt: 0.0011 });
    const reset = refused(host, '10.0.0.9', 81, 6, { ttl: 64, delay: 0.00015 });
    expect(attributionOf([ok, reset], reset).refusal?.attribution).not.toBe('middlebox');
  });

  it('a reset from a side that kept sending was injected', () => {
    const c = connection({
      origH: host,
      respH: '198.51.100.7',
      respP: 443,
      established: true,
      respTtl: 50,
      resets: [rst({ stage: 'data', ttl: 50, senderKeptSending: true })],
    });
    expect(attributionOf([c], c).refusal?.attribution).toBe('middlebox');
  });

  it('a single refused attempt with nothing to compare is unknown, and says why', () => {
    const reset = refused('10.0.0.5', '10.0.0.9', 80, 1, { ttl: 64, delay: 0.0013 });
    const { refusal, result } = attributionOf([reset], reset);
    expect(refusal?.attribution).toBe('unknown');
    expect(refusal?.evidence).toMatch(/thin evidence/);
    expect(result.resetSources[0]).toMatchObject({ attribution: 'unknown', resets: 1, remoteAddresses: 1 });
  });

  it('the same address refusing three retries is still one address: no device answering for many', () => {
    // 1 router in between and 4 ms: neither the far end nor a device next to the capture point.
    const tries = [0, 0.5, 1].map((t) => refused(host, '198.51.100.20', 80, t, { ttl: 63, delay: 0.004 }, 3_000));
    expect(attributions(tries)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('the same address refusing three retries from 4 routers away after a WAN round trip: the far end', () => {
    const tries = [0, 0.5, 1].map((t) => refused(host, '198.51.100.20', 80, t, { ttl: 60, delay: 0.02 }, 3_000));
    expect(attributions(tries)).toEqual(['endpoint', 'endpoint', 'endpoint']);
  });

  it.each([
    [3, 13, 'communication administratively prohibited'],
    [3, 10, 'host administratively prohibited'],
    [3, 9, 'network administratively prohibited'],
    [1, 1, 'communication administratively prohibited'],
  ])('ICMP %i/%i from a router is a refusal by a device in the path', (type, code, words) => {
    const c = connection({
      origH: host,
      respH: '198.51.100.30',
      respP: 443,
      resets: [rst({ kind: 'icmp', icmpType: type, icmpCode: code, sender: '192.168.0.1', ttl: 64 })],
    });
    const { refusal, result } = attributionOf([c], c);
    expect(refusal?.attribution).toBe('middlebox');
    expect(refusal?.evidence).toContain(words);
    expect(result.resetSources[0]).toMatchObject({ kind: 'icmp', senders: ['192.168.0.1'] });
  });

  it('IPv6 resets are told by their hop limit, in those words', () => {
    const v6host = '2001:db8:0:1::11';
    // ip6tables REJECT in the names of 12 CDN addresses (hop limit 64), and a server's own kernel 4 routers away.
    const firewall = Array.from({ length: 12 }, (_, k) =>
      refused(v6host, `2001:db8:100:1::${(0x72 + k).toString(16)}`, 80, 10 + k, { ttl: 64, delay: 0.00006 }),
    );
    const far = [50, 60, 70].map((t) => refused(v6host, '2001:db8:200:1::50', 80, t, { ttl: 60, delay: 0.042 }));
    const result = attributeResets([...firewall, ...far], internal);
    const middlebox = result.resetSources.find((s) => s.attribution === 'middlebox')!;
    const endpoint = result.resetSources.find((s) => s.attribution === 'endpoint')!;
    expect(middlebox.evidence).toMatch(/all with hop limit 64, .*hop limit 64 is an unchanged initial value/);
    expect(endpoint.evidence).toMatch(/^hop limit 60 \(4 routers in between\) and 42 ms after the SYN/);
    expect(`${middlebox.evidence} ${endpoint.evidence}`).not.toMatch(/TTL/);
  });

  it('a dual-stack firewall answering for IPv4 and IPv6 addresses alike is worded with both fields', () => {
    const mixed = Array.from({ length: 8 }, (_, k) =>
      k % 2 === 0
        ? refused(host, `203.0.113.${10 + k}`, 80, 10 + k, { ttl: 64, delay: 0.00005 })
        : refused('2001:db8:0:1::13', `2001:db8:100:1::${10 + k}`, 80, 10 + k, { ttl: 64, delay: 0.00005 }),
    );
    const [source] = attributeResets(mixed, internal).resetSources;
    expect(source!.evidence).toMatch(/all with TTL \/ hop limit 64/);
  });

  it('an ICMPv6 refusal is named ICMPv6', () => {
    const c = connection({
      origH: '2001:db8:0:1::12',
      respH: '2001:db8:200:1::240',
      respP: 443,
      resets: [rst({ kind: 'icmp', icmpType: 1, icmpCode: 1, sender: '2001:db8:0:1::1', ttl: 64 })],
    });
    const v6internal = new CidrSet([...DEFAULT_INTERNAL, '2001:db8:0:1::/64']);
    const refusal = attributeResets([c], v6internal).refusals.at(0);
    expect(refusal?.evidence).toMatch(/^ICMPv6 1\/1 \(communication administratively prohibited\) sent by 2001:db8:0:1::1/);
  });

  it('ICMP port unreachable from the destination itself is the endpoint', () => {
    const c = connection({
      origH: host,
      respH: '198.51.100.30',
      respP: 443,
      resets: [rst({ kind: 'icmp', icmpType: 3, icmpCode: 3, sender: '198.51.100.30', ttl: 50 })],
    });
    expect(attributionOf([c], c).refusal?.attribution).toBe('endpoint');
  });

  it('silent drops are not resets', () => {
    const c = connection({ origH: host, respH: '198.51.100.40', respP: 80, synCount: 3 });
    expect(attributions([c])).toEqual([undefined]);
    expect(attributeResets([c], internal).resetSources).toEqual([]);
  });
});

describe('reset attribution on a LAN', () => {
  it('LAN hosts refusing a sweep quickly with TTL 64 are not taken for one device', () => {
    const sweep = Array.from({ length: 20 }, (_, i) =>
      refused('10.0.0.5', `10.0.0.${100 + i}`, 445, i * 0.01, { ttl: 64, delay: 0.0002, ipId: (i * 7919) % 65536 }),
    );
    expect(new Set(attributions(sweep))).toEqual(new Set(['unknown']));
  });
});
