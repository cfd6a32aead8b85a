/**
 * One machine, several addresses: a dual-stack host's agent tries its server over IPv6 from a
 * temporary address (rotated halfway) and, a quarter second later, over IPv4 — the firewall drops
 * the one and resets the other. callhome ties the addresses by the network card the sniffer sees
 * them sent from, unrouted, and reads them as one host; where that card is a router's, or two
 * cards claim an address, it ties nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { loadCaptures } from '../../src/index.js';
import { flowsRenderers } from '../../src/report/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { dnsQueryPayload, dnsResponsePayload, udpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-machines-'));
const T = Date.UTC(2024, 2, 1) / 1000;
const CARD = '52:54:00:aa:00:20';
const ROUTER = '52:54:00:00:00:01';
const V4 = '10.0.0.20';
const TEMP_A = '2001:db8:0:1:a1b2:c3d4:e5f6:1';
const TEMP_B = '2001:db8:0:1:77e1:9c0d:4b2a:2';
const STABLE = '2001:db8:0:1::20';

interface Variation {
  /** The sniffer sits behind a router: the host's frames carry the router's card, their TTLs one less. */
  routed?: boolean;
  /** Another IPv4 address sent from the same card (a router's inside, a host renumbered). */
  secondV4?: string;
  /** Another card sends from the stable IPv6 address too (a failover pair, a spoofer). */
  rivalCard?: string;
  /** An IPv6-only host: no IPv4 attempts. */
  noV4?: boolean;
}

function dualStack(name: string, v: Variation = {}): string {
  const frames: TimedFrame[] = [];
  const card = v.routed ? ROUTER : CARD;
  const ttl = v.routed ? 63 : 64;
  // Its lookups of the name, before the first attempt and after the last (over IPv6 on an IPv6-only host).
  const [asker, resolver] = v.noV4 ? [STABLE, '2001:db8:0:1::1'] : [V4, '10.0.0.1'];
  for (const [i, qtype] of [[0, 'A'] as const, [1, 'AAAA'] as const, [2, 'A'] as const]) {
    const t = i < 2 ? T - 5 + i * 0.01 : T + 40 * 60 + 30;
    const query = dnsQueryPayload({ id: 7 + i, name: 'c2.example.net', qtype });
    const answer = dnsResponsePayload({
      id: 7 + i,
      name: 'c2.example.net',
      qtype,
      addresses: [qtype === 'A' ? '198.51.100.7' : '2001:db8:ffff::7'],
    });
    frames.push({
      ts: t,
      frame: udpFrame({ src: asker, dst: resolver, sport: 40000 + i, dport: 53, srcMac: card, dstMac: ROUTER, ttl, payload: query }),
    });
    frames.push({
      ts: t + 0.002,
      frame: udpFrame({ src: resolver, dst: asker, sport: 53, dport: 40000 + i, srcMac: ROUTER, dstMac: card, payload: answer }),
    });
  }
  for (let i = 0; i < 40; i++) {
    const t = T + i * 60 + ((i * 7) % 5) * 0.3;
    const six = new TcpSession({
      client: i < 20 ? TEMP_A : TEMP_B,
      server: '2001:db8:ffff::7',
      sport: 50000 + i,
      dport: 443,
      clientMac: card,
      clientTtl: ttl,
    });
    six
      .syn(t)
      .syn(t + 1)
      .syn(t + 3);
    frames.push(...six.frames());
    if (v.noV4) continue;
    const four = new TcpSession({
      client: V4,
      server: '198.51.100.7',
      sport: 40100 + i,
      dport: 443,
      clientMac: card,
      clientTtl: ttl,
      serverTtl: 255,
    });
    four.syn(t + 0.25).rst(t + 0.2504, 'server');
    frames.push(...four.frames());
  }
  const session = (client: string, mac: string, server: string, t: number, sport: number) => {
    const s = new TcpSession({ client, server, sport, dport: 443, clientMac: mac, clientTtl: ttl, serverTtl: 57 });
    s.syn(t)
      .synAck(t + 0.03)
      .ack(t + 0.0301)
      .send(t + 0.031, 'client', 'x'.repeat(200))
      .send(t + 0.07, 'server', 'y'.repeat(1500));
    s.fin(t + 1, 'client')
      .fin(t + 1.03, 'server')
      .ack(t + 1.031);
    frames.push(...s.frames());
  };
  for (let i = 0; i < 3; i++) session(STABLE, card, '2001:db8:eeee::80', T + 100 + i * 700, 51000 + i);
  if (v.secondV4 !== undefined) session(v.secondV4, card, '203.0.113.80', T + 300, 52000);
  if (v.rivalCard !== undefined) session(STABLE, v.rivalCard, '2001:db8:eeee::80', T + 1200, 53000);
  const path = join(tmp, `${name}.pcap`);
  writeFileSync(path, buildPcap(frames));
  return path;
}

/** A conn.log without callhome's own columns: what Zeek with its mac-logging script writes. */
function withoutOwnColumns(log: string): string {
  const lines = log.split('\n');
  const names = lines
    .find((l) => l.startsWith('#fields\t'))!
    .split('\t')
    .slice(1);
  const keep = (cells: string[]) => cells.filter((_, i) => !names[i]!.startsWith('callhome_'));
  return lines
    .map((l) => {
      if (l.startsWith('#fields\t') || l.startsWith('#types\t')) return [l.split('\t')[0], ...keep(l.split('\t').slice(1))].join('\t');
      return l.startsWith('#') || l === '' ? l : keep(l.split('\t')).join('\t');
    })
    .join('\n');
}

async function hostsOf(path: string, internal?: string[]) {
  const { result } = await analyze([path], internal ? { internal } : {});
  return result;
}

describe('one machine, several addresses', () => {
  it("a dual-stack host's IPv4 and IPv6 attempts are one host's; its IPv6 network is found without --internal", async () => {
    const result = await hostsOf(dualStack('dual'));
    expect(result.hosts.map((h) => h.address)).toEqual([V4]);
    const host = result.hosts[0]!;
    // Named by its IPv4 address; the others by how many connections each opened.
    expect(host.otherAddresses).toEqual([TEMP_B, TEMP_A, STABLE]);
    expect(host.mac).toBe(CARD);
    expect([...host.labels].sort()).toEqual(['blocked', 'periodic']);
    const c2 = host.groups.find((g) => g.destination === 'c2.example.net')!;
    expect([...c2.addressList].sort()).toEqual(['198.51.100.7', '2001:db8:ffff::7']);
    expect(c2.attempts).toBe(80);
    // Each attempt over IPv6, then IPv4: bursts of two, to both families of the name's addresses.
    expect(host.verdict).toContain('bursts of 2 attempts');
    expect(host.verdict).toContain('2 addresses in 2 netblocks (IPv4 and IPv6) for c2.example.net');
    expect(c2.schedule.periodic).toBe(true);
    expect(Math.abs(c2.schedule.periodSeconds! - 60)).toBeLessThan(1.2);
    expect(host.evidence.at(-1)).toBe(
      `One machine: it also sent from ${TEMP_B}, ${TEMP_A}, ${STABLE}, from the same network card (${CARD}) on the sniffer's link; its connections from every address are read together.`,
    );
    expect(result.summary[0]).toContain(
      "Internal networks besides the private ranges: 2001:db8:0:1::/64, the IPv6 network of machines on the sniffer's link",
    );
  });

  it('frames a router forwarded carry its card: nothing is tied, and the IPv6 addresses stay outside', async () => {
    const result = await hostsOf(dualStack('routed', { routed: true }));
    expect(result.hosts.map((h) => [h.address, h.otherAddresses])).toEqual([[V4, undefined]]);
    expect(result.hosts[0]!.groups.find((g) => g.destination === 'c2.example.net')!.attempts).toBe(40);
    expect(result.summary.join(' ')).not.toContain('Internal networks besides');
  });

  it('a card that sends from two IPv4 addresses is no one machine', async () => {
    const result = await hostsOf(dualStack('two-v4', { secondV4: '10.0.0.21' }));
    expect(result.hosts.map((h) => h.address).sort()).toEqual(['10.0.0.20', '10.0.0.21']);
    expect(result.hosts.every((h) => h.otherAddresses === undefined)).toBe(true);
  });

  it('an address two cards send from ties nothing to either', async () => {
    const result = await hostsOf(dualStack('rival', { rivalCard: '52:54:00:bb:00:99' }), ['10.0.0.0/8', '2001:db8:0:1::/64']);
    expect(result.hosts.every((h) => h.otherAddresses === undefined)).toBe(true);
    expect(result.hosts.map((h) => h.address)).toContain(TEMP_A);
  });

  it('an IPv6-only host of several addresses is one host, named by the address it sent most from', async () => {
    const result = await hostsOf(dualStack('v6-only', { noV4: true }), ['10.0.0.0/8', '2001:db8:0:1::/64']);
    // Its two temporary addresses opened 20 connections each: the first in order of their text names it.
    expect(result.hosts.map((h) => [h.address, h.otherAddresses])).toEqual([[TEMP_B, [TEMP_A, STABLE]]]);
    expect(result.hosts[0]!.groups.find((g) => g.destination === 'c2.example.net')!.attempts).toBe(40);
  });

  it('with --internal naming only the IPv4 network, the IPv6 addresses are not the network’s, and not tied', async () => {
    const result = await hostsOf(dualStack('v4-only'), ['10.0.0.0/8']);
    expect(result.hosts.map((h) => [h.address, h.otherAddresses])).toEqual([[V4, undefined]]);
    expect(result.summary.join(' ')).not.toContain('Internal networks besides');
  });

  it("a firewall log of the machine's IPv6 attempts joins the capture's: its evidence is the machine's", async () => {
    const path = dualStack('logged');
    const { connections } = await loadCaptures([path]);
    // ip6tables LOG lines of the IPv6 attempts' first SYNs, on the capture's clock (whole seconds, as syslog stamps).
    const stamp = (ts: number): string => {
      const t = new Date(Math.floor(ts) * 1000);
      return `${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
    };
    const lines = connections
      .filter((c) => c.respH === '2001:db8:ffff::7')
      .map(
        (c) =>
          `${stamp(c.ts)} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=${c.origH} DST=${c.respH} LEN=80 TC=0 HOPLIMIT=63 FLOWLBL=0 ` +
          `PROTO=TCP SPT=${c.origP} DPT=${c.respP} WINDOW=64800 RES=0x00 SYN URGP=0`,
      );
    expect(lines).toHaveLength(40);
    const log = join(tmp, 'logged-fw.log');
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { result } = await analyze([log, path], { firewall: { year: 2024 } });
    expect(result.hosts.map((h) => h.address)).toEqual([V4]);
    const said = result.hosts[0]!.evidence.filter((e) => e.startsWith('firewall log:'));
    // One line for the machine: its IPv6 attempts logged, its IPv4 ones not.
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^firewall log: the firewall logged 40 of the 83 attempts .*, denied all 40 — 40 denied attempts got no answer in the capture: dropped/,
    );
  });

  it("callhome's conn.log carries each connection's card (Zeek's orig_l2_addr) and reads back to the same machine", async () => {
    const path = dualStack('roundtrip');
    const { connections } = await loadCaptures([path]);
    expect(new Set(connections.map((c) => c.origMac))).toEqual(new Set([CARD]));
    const log = join(tmp, 'roundtrip.conn.log');
    writeFileSync(log, flowsRenderers.zeek(connections, { color: false }));
    const [fromCapture, fromLog] = await Promise.all([hostsOf(path), hostsOf(log)]);
    const view = (r: typeof fromCapture) => r.hosts.map((h) => [h.address, h.otherAddresses, h.mac, [...h.labels].sort()]);
    expect(view(fromLog)).toEqual(view(fromCapture));
    // Zeek's own log with mac-logging keeps the card but no TTL: whether a frame was routed cannot be told, and nothing is tied.
    const zeekOwn = join(tmp, 'roundtrip-zeek.conn.log');
    writeFileSync(zeekOwn, withoutOwnColumns(flowsRenderers.zeek(connections, { color: false })));
    const zeek = await hostsOf(zeekOwn, ['10.0.0.0/8', '2001:db8:0:1::/64']);
    expect(zeek.hosts.some((h) => h.address === TEMP_A)).toBe(true);
    expect(zeek.hosts.every((h) => h.otherAddresses === undefined)).toBe(true);
  });
});
