/**
 * The network's own services on the wire to the Internet: every host keeps its clock by NTP on a
 * fixed schedule, and a resolver inside forwards its clients' questions outside. A sniffer on a
 * busy LAN (or a tap on the firewall's LAN side) sees all of it; none of it is software calling
 * home — unless it goes past the network's own server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { dnsQueryPayload, dnsResponsePayload, udpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';
import { callhome } from '../cli/support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-services-'));
const START = Date.UTC(2024, 2, 1, 9) / 1000;
const POOL = '162.159.200.1';
const ROUTER = '10.0.0.1';
const GOOGLE_DNS = '8.8.8.8';

/** An NTP v4 packet (RFC 5905): mode 3 from a client, 4 from a server; 48 bytes. */
function ntp(mode: 3 | 4): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = (4 << 3) | mode;
  return b;
}

/** `client` polls `server` every `every` seconds from port 123 (chrony, ntpd), `answered` or not. */
function ntpPolls(client: string, server: string, every: number, polls: number, answered = true, offset = 0): TimedFrame[] {
  const frames: TimedFrame[] = [];
  for (let i = 0; i < polls; i++) {
    const ts = START + offset + i * every;
    frames.push({ ts, frame: udpFrame({ src: client, dst: server, sport: 123, dport: 123, payload: ntp(3) }) });
    if (answered)
      frames.push({ ts: ts + 0.018, frame: udpFrame({ src: server, dst: client, sport: 123, dport: 123, payload: ntp(4), ttl: 56 }) });
  }
  return frames;
}

/** `client` asks `resolver` for `name` `times` times, `every` seconds apart, and is answered. */
function lookups(
  client: string,
  resolver: string,
  name: string,
  every: number,
  times: number,
  offset = 0,
  firstPort = 40000,
): TimedFrame[] {
  const frames: TimedFrame[] = [];
  for (let i = 0; i < times; i++) {
    const ts = START + offset + i * every;
    const sport = firstPort + i;
    frames.push({ ts, frame: udpFrame({ src: client, dst: resolver, sport, dport: 53, payload: dnsQueryPayload({ id: i, name }) }) });
    frames.push({
      ts: ts + 0.011,
      frame: udpFrame({
        src: resolver,
        dst: client,
        sport: 53,
        dport: sport,
        payload: dnsResponsePayload({ id: i, name, addresses: ['93.184.216.34'] }),
      }),
    });
  }
  return frames;
}

function pcap(name: string, frames: TimedFrame[]): string {
  const path = join(tmp, name);
  writeFileSync(path, buildPcap([...frames].sort((a, b) => a.ts - b.ts)));
  return path;
}

const hostOf = (result: Awaited<ReturnType<typeof analyze>>['result'], address: string) => result.hosts.find((h) => h.address === address);

describe('NTP: the clocks of a network without a time server of its own', () => {
  const lan = () =>
    pcap('ntp-lan.pcap', [
      ...ntpPolls('10.0.0.21', POOL, 64, 60),
      ...ntpPolls('10.0.0.22', POOL, 128, 30, true, 7),
      ...ntpPolls('10.0.0.23', '216.239.35.0', 1024, 4, true, 11),
    ]);

  it('hosts polling the pool every 64 s are no beacons: no findings, and the summary says what was passed over', async () => {
    const { result } = await analyze([lan()]);
    expect(result.hosts).toEqual([]);
    expect(result.summary.join(' ')).toMatch(/besides NTP to the servers the network uses/);
    expect(result.summary).toContain(
      // A poll a minute or more after the last is a flow of its own: 60 + 30 + 4.
      `Clocks kept by NTP from ${POOL}, 216.239.35.0, outside the network (no time server inside answers): 94 flows from 3 hosts, ordinary, not counted as attempts.`,
    );
  });

  it('polls nobody answers are still attempts: a host trying the Internet and dropped on the way', async () => {
    const { result } = await analyze([pcap('ntp-blocked.pcap', ntpPolls('10.0.0.31', POOL, 64, 60, false))]);
    const host = hostOf(result, '10.0.0.31')!;
    expect(host.labels).toContain('periodic');
    expect(host.groups[0]!.unanswered).toBeGreaterThan(50);
    expect(result.summary.join(' ')).not.toMatch(/Clocks kept by NTP/);
  });

  it('the same polls read from the conn.log Zeek writes of them are passed over alike', async () => {
    const rows = ['10.0.0.21', '10.0.0.22'].map((h, k) =>
      [
        (START + k).toFixed(6),
        `CNtp${k}`,
        h,
        '123',
        POOL,
        '123',
        'udp',
        'ntp',
        '3776.018000',
        '2880',
        '2880',
        'SF',
        '-',
        '-',
        '0',
        'Dd',
        '60',
        '4560',
        '60',
        '4560',
      ].join('\t'),
    );
    const fields =
      'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes';
    const log = join(tmp, 'conn.log');
    writeFileSync(log, ['#separator \\x09', '#path\tconn', `#fields\t${fields.split(' ').join('\t')}`, ...rows].join('\n') + '\n');
    const { result } = await analyze([log]);
    expect(result.hosts).toEqual([]);
    expect(result.summary.join(' ')).toMatch(/Clocks kept by NTP from 162\.159\.200\.1, outside the network .*: 2 flows from 2 hosts/);
  });
});

describe('the network’s own resolver and time server, and the hosts that go past them', () => {
  const network = () =>
    pcap('router.pcap', [
      // The router answers its clients' lookups and forwards them to 8.8.8.8; it keeps its own clock from the pool.
      ...lookups('10.0.0.21', ROUTER, 'www.example.com', 60, 30),
      ...lookups(ROUTER, GOOGLE_DNS, 'www.example.com', 60, 30, 0.002, 50000),
      ...ntpPolls(ROUTER, POOL, 64, 40),
      ...ntpPolls('10.0.0.21', ROUTER, 64, 40, true, 5),
      // A host with settings of its own: its resolver and time server are outside.
      ...lookups('10.0.0.66', GOOGLE_DNS, 'c2.example.net', 37, 40, 3, 45000),
      ...ntpPolls('10.0.0.66', POOL, 64, 40, true, 9),
    ]);

  it('the router forwarding and keeping its clock is no finding; the host going past it is', async () => {
    const { result } = await analyze([network()]);
    expect(hostOf(result, ROUTER)).toBeUndefined();
    const rogue = hostOf(result, '10.0.0.66')!;
    expect(rogue.labels).toContain('periodic');
    // Its NTP goes past the network's time server: an attempt of its own, on its schedule.
    expect(rogue.groups.some((g) => g.ports.includes(123) && g.schedule.periodic)).toBe(true);
    expect(result.summary.join(' ')).toMatch(
      /DNS past the network's resolver 10\.0\.0\.1: 10\.0\.0\.66 \(40 queries\) asks 8\.8\.8\.8 directly/,
    );
    expect(result.summary).toContain(
      `The network's time server ${ROUTER} keeps its clock by NTP from ${POOL} outside: 40 flows, ordinary, not counted as attempts.`,
    );
  });

  it('the command line says the same', async () => {
    const run = await callhome(['analyze', network()]);
    expect(run.code).toBe(0);
    // The router has no finding of its own, and no line in the hosts.
    expect(run.stdout).not.toMatch(/^\s*• 10\.0\.0\.1:/m);
    expect(run.stdout).not.toMatch(/^10\.0\.0\.1 /m);
    expect(run.stdout).toMatch(/^10\.0\.0\.66 \[periodic\]/m);
  });
});

describe('a UDP beacon on a port a tunnel or a call is known by', () => {
  /** `host` sends a keepalive to `server`:`port` every 25 s from one socket, answered or not. */
  function keepalives(name: string, host: string, server: string, port: number, answered: boolean): string {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 100; i++) {
      const ts = START + i * 25;
      frames.push({ ts, frame: udpFrame({ src: host, dst: server, sport: 41000, dport: port, payload: 'k'.repeat(32) }) });
      if (answered)
        frames.push({
          ts: ts + 0.04,
          frame: udpFrame({ src: server, dst: host, sport: port, dport: 41000, payload: 'k'.repeat(32), ttl: 50 }),
        });
    }
    return pcap(name, frames);
  }

  it.each([
    { port: 51820, answered: true, says: "UDP 51820, WireGuard's port: a VPN tunnel" },
    { port: 4500, answered: false, says: 'UDP 4500, IPsec NAT traversal: a VPN tunnel' },
    { port: 3478, answered: true, says: 'UDP 3478, STUN/TURN: a call or a game keeping its way through NAT open' },
  ])('UDP $port: the verdict says what the port is known for', async ({ port, answered, says }) => {
    const { result } = await analyze([keepalives(`udp-${port}.pcap`, '10.0.0.7', '198.51.100.77', port, answered)]);
    const host = hostOf(result, '10.0.0.7')!;
    expect(host.labels).toContain('periodic');
    expect(host.verdict).toContain(`to 198.51.100.77 (${says})`);
  });

  it('a port known for nothing is said as the port alone', async () => {
    const { result } = await analyze([keepalives('udp-40404.pcap', '10.0.0.7', '198.51.100.77', 40404, true)]);
    expect(hostOf(result, '10.0.0.7')!.verdict).toContain('to 198.51.100.77 (UDP 40404),');
  });
});

describe('a TCP schedule on a port that says what it is', () => {
  it('DNS over TLS refused every minute: the verdict names the port', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 30; i++) {
      const s = new TcpSession({ client: '10.0.0.7', server: '1.1.1.1', sport: 40000 + i, dport: 853 });
      s.syn(START + i * 60).rst(START + i * 60 + 0.0004, 'server', { ttl: 64, ack: true });
      frames.push(...s.frames());
    }
    const { result } = await analyze([pcap('dot.pcap', frames)]);
    expect(hostOf(result, '10.0.0.7')!.verdict).toContain('to 1.1.1.1 (TCP 853, DNS over TLS: DNS past the network’s resolver)');
  });
});
