/**
 * Building blocks for a synthetic capture seen from one Windows XP host: its ephemeral port
 * counter, its single IP identification counter, browsing through an HTTP proxy, DNS lookups,
 * direct connection attempts that a firewall resets or drops, and LAN broadcast noise.
 *
 * Connections are planned first (time + how to build them) and built afterwards in time
 * order, so source ports come from one counter in the order the host opened the connections,
 * whatever order the generator planned them in. IP IDs are assigned last, in time order.
 */

import { BROADCAST_MAC } from './address.js';
import { buildPcap, Rng, type TimedFrame } from './capture.js';
import { arpFrame, dnsQueryPayload, dnsResponsePayload, setIpId, udpFrame, type ChecksumMode } from './frame.js';
import { TcpSession } from './session.js';
import { tlsApplicationData, tlsClientFinishFlight, tlsClientHello, tlsServerFinishFlight, tlsServerHelloFlight } from './tls.js';
import { httpDate } from '../time.js';

/** Windows XP's TCP ephemeral range (MaxUserPort default 5000). */
export const XP_EPHEMERAL_FIRST = 1025;
export const XP_EPHEMERAL_LAST = 5000;
/** Windows XP's SYN retransmissions: initial RTO 3 s, doubled (TcpMaxConnectRetransmissions = 2). */
export const XP_SYN_RETRANSMIT_OFFSETS = [3, 9];
/** Windows XP's receive window on Ethernet: 65535 rounded down to a multiple of the MSS 1460. */
export const XP_WINDOW = 64240;

export interface HostProfile {
  ip: string;
  mac: string;
  ttl: number;
  /** Checksum mode of the host's own TCP/UDP (offload when the capture runs on the host). */
  checksum: ChecksumMode | undefined;
}

export interface FirewallProfile {
  /** The firewall's inside address (the hosts' default gateway). */
  ip: string;
  mac: string;
  /** TTL of the resets it forges; they arrive unchanged (directly connected). */
  ttl: number;
  /** Delay of its reset after the SYN, in milliseconds, uniform in [lo, hi]. */
  resetDelayMs: readonly [number, number];
  /** Its IP ID counter advances by a step in [lo, hi] between the resets this host sees. */
  ipIdStep: readonly [number, number];
}

export interface ProxyProfile {
  ip: string;
  port: number;
  mac: string;
  ttl: number;
  /** The Via header value it adds to responses. */
  via: string;
}

export interface DnsServerProfile {
  ip: string;
  mac: string;
  ttl: number;
}

/** One direct attempt the generator made, for tests to compare against. */
export interface DirectAttempt {
  ts: number;
  sport: number;
  dst: string;
  dport: number;
  /** What answered: the firewall's reset, or nothing (SYN retransmitted, then given up). */
  outcome: 'reset' | 'dropped';
  /** Time of the firewall's reset (null when dropped). */
  resetTs: number | null;
  /** Label of the schedule that made it ('liveupdate', 'avg', 'windows-update'). */
  agent: string;
  /** Burst index within the agent's schedule, -1 when not in a burst. */
  burst: number;
  /** Cycle index (department LiveUpdate), -1 otherwise. */
  cycle: number;
}

interface Planned {
  t: number;
  seq: number;
  build: (sport: number) => void;
}

/** Accumulates frames of one capture seen from one host. */
export class Scenario {
  readonly frames: TimedFrame[] = [];
  readonly attempts: DirectAttempt[] = [];
  private readonly planned: Planned[] = [];
  private udpPort: number;

  constructor(
    readonly rng: Rng,
    readonly host: HostProfile,
    readonly firewall: FirewallProfile,
    readonly dns: DnsServerProfile,
    udpPortStart: number,
  ) {
    this.udpPort = udpPortStart;
  }

  add(frames: TimedFrame[]): void {
    for (const f of frames) this.frames.push(f);
  }

  /** Plans a TCP connection the host opens at `t`; `build` receives its source port. */
  plan(t: number, build: (sport: number) => void): Planned {
    const p: Planned = { t, seq: this.planned.length, build };
    this.planned.push(p);
    return p;
  }

  /** Opens connections in time order, numbering source ports from `firstPort` (or so that `anchor` gets `anchorPort`). */
  buildPlanned(firstPort: number, anchor?: { planned: Planned; port: number }): void {
    const order = this.planned.slice().sort((a, b) => a.t - b.t || a.seq - b.seq);
    let port = firstPort;
    if (anchor) port = anchor.port - order.indexOf(anchor.planned);
    const span = XP_EPHEMERAL_LAST - XP_EPHEMERAL_FIRST + 1;
    for (const p of order) {
      const sport = XP_EPHEMERAL_FIRST + ((((port - XP_EPHEMERAL_FIRST) % span) + span) % span);
      p.build(sport);
      port++;
    }
    this.planned.length = 0;
  }

  /** The host's next UDP source port (a separate counter from TCP's). */
  nextUdpPort(): number {
    const p = this.udpPort;
    this.udpPort = this.udpPort >= XP_EPHEMERAL_LAST ? XP_EPHEMERAL_FIRST : this.udpPort + 1;
    return p;
  }

  /** A lookup from the host and the DNS server's answer 1–4 ms later. */
  dnsLookup(t: number, name: string, cnames: string[], addresses: string[], ttl = 300): void {
    const id = this.rng.int(1, 0xffff);
    const sport = this.nextUdpPort();
    const h = this.host;
    this.frames.push({
      ts: t,
      frame: udpFrame({
        src: h.ip,
        dst: this.dns.ip,
        sport,
        dport: 53,
        ttl: h.ttl,
        df: false,
        srcMac: h.mac,
        dstMac: this.dns.mac,
        badChecksum: h.checksum,
        payload: dnsQueryPayload({ id, name }),
      }),
    });
    this.frames.push({
      ts: t + this.rng.uniform(0.001, 0.004),
      frame: udpFrame({
        src: this.dns.ip,
        dst: h.ip,
        sport: 53,
        dport: sport,
        ttl: this.dns.ttl,
        ipId: this.rng.int(0, 0xffff),
        df: false,
        srcMac: this.dns.mac,
        dstMac: h.mac,
        payload: dnsResponsePayload({ id, name, cnames, addresses, ttl }),
      }),
    });
  }

  /**
   * A direct connection attempt to an outside address, through the firewall: 'reset' = the
   * firewall answers the SYN with RST+ACK on behalf of the server (no retransmission follows);
   * 'dropped' = no answer, the SYN is retransmitted as XP does and the attempt given up.
   */
  directAttempt(
    t: number,
    sport: number,
    dst: string,
    dport: number,
    outcome: 'reset' | 'dropped',
    info: { agent: string; burst?: number; cycle?: number },
  ): void {
    const h = this.host;
    const fw = this.firewall;
    const s = new TcpSession({
      client: h.ip,
      server: dst,
      sport,
      dport,
      rng: this.rng,
      clientTtl: h.ttl,
      clientWindow: XP_WINDOW,
      clientMac: h.mac,
      serverMac: fw.mac,
      clientChecksum: h.checksum,
    });
    s.syn(t);
    let resetTs: number | null = null;
    if (outcome === 'reset') {
      resetTs = t + this.rng.uniform(fw.resetDelayMs[0], fw.resetDelayMs[1]) / 1000;
      // IP ID 0 here; the firewall's shared counter is applied in time order by finish().
      s.rst(resetTs, 'server', { ttl: fw.ttl, ipId: 0 });
    } else {
      for (const dt of XP_SYN_RETRANSMIT_OFFSETS) s.syn(t + dt + this.rng.uniform(0, 0.015));
    }
    this.add(s.frames());
    this.attempts.push({ ts: t, sport, dst, dport, outcome, resetTs, agent: info.agent, burst: info.burst ?? -1, cycle: info.cycle ?? -1 });
  }

  /** ARP for `targetIp` from the host, answered by `targetMac`. */
  arpExchange(t: number, targetIp: string, targetMac: string): void {
    const h = this.host;
    this.frames.push({ ts: t, frame: arpFrame({ op: 1, senderMac: h.mac, senderIp: h.ip, targetIp }) });
    this.frames.push({
      ts: t + this.rng.uniform(0.0002, 0.0008),
      frame: arpFrame({ op: 2, senderMac: targetMac, senderIp: targetIp, targetMac: h.mac, targetIp: h.ip }),
    });
  }

  /** An ARP request broadcast by a neighbour. */
  neighbourArp(t: number, senderIp: string, senderMac: string, targetIp: string): void {
    this.frames.push({ ts: t, frame: arpFrame({ op: 1, senderMac, senderIp, targetIp }) });
  }

  /** A NetBIOS name-service query broadcast (RFC 1002 §4.2.12) from `src`. */
  netbiosQuery(t: number, src: string, srcMac: string, name: string, suffix: number, broadcast: string): void {
    const own = src === this.host.ip;
    const payload = nbnsQuery(this.rng.int(1, 0xffff), name, suffix);
    this.frames.push({
      ts: t,
      frame: udpFrame({
        src,
        dst: broadcast,
        sport: 137,
        dport: 137,
        ttl: own ? this.host.ttl : 128,
        df: false,
        ipId: own ? 0 : this.rng.int(0, 0xffff),
        srcMac,
        dstMac: BROADCAST_MAC,
        badChecksum: own ? this.host.checksum : undefined,
        payload,
      }),
    });
  }

  /**
   * Sorts by time and gives the host's packets one IP ID counter and the firewall's resets
   * another (one counter for every outside address it answers for). Returns the pcap.
   */
  finish(hostIpIdStart: number, firewallIpIdStart: number): Buffer {
    const order = this.frames.map((f, i) => i).sort((a, b) => this.frames[a]!.ts - this.frames[b]!.ts || a - b);
    const sorted = order.map((i) => this.frames[i]!);
    const hostMac = macBytes(this.host.mac);
    const fwMac = macBytes(this.firewall.mac);
    let hostId = hostIpIdStart;
    let fwId = firewallIpIdStart;
    for (const { frame } of sorted) {
      if (sameMac(frame, 6, hostMac)) {
        if (setIpId(frame, hostId & 0xffff)) hostId++;
      } else if (sameMac(frame, 6, fwMac)) {
        if (setIpId(frame, fwId & 0xffff)) fwId += this.rng.int(this.firewall.ipIdStep[0], this.firewall.ipIdStep[1]);
      }
    }
    this.attempts.sort((a, b) => a.ts - b.ts);
    return buildPcap(sorted);
  }
}

function macBytes(mac: string): number[] {
  return mac.split(':').map((x) => parseInt(x, 16));
}

function sameMac(frame: Uint8Array, at: number, mac: number[]): boolean {
  for (let i = 0; i < 6; i++) if (frame[at + i] !== mac[i]) return false;
  return true;
}

/** NetBIOS first-level encoding (RFC 1001 §14.1): 16 bytes (name padded, suffix last) → 32 letters. */
function nbnsQuery(id: number, name: string, suffix: number): Uint8Array {
  const raw = name.toUpperCase().padEnd(15, ' ').slice(0, 15);
  const bytes = [...raw].map((c) => c.charCodeAt(0) & 0xff);
  bytes.push(suffix);
  const out: number[] = [(id >> 8) & 0xff, id & 0xff, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 32];
  for (const b of bytes) out.push(0x41 + (b >> 4), 0x41 + (b & 0x0f));
  out.push(0, 0, 0x20, 0, 1);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// Browsing through the proxy

export interface BrowserProfile {
  userAgent: string;
  /** 'ie' writes Internet Explorer 6's header order; 'firefox' Firefox 2's. */
  style: 'ie' | 'firefox';
  /** TLS ClientHello carries server_name (Firefox 2 yes, IE 6 on XP no). */
  sendsSni: boolean;
}

export type ProxyRequest = { kind: 'get'; host: string; path: string } | { kind: 'connect'; host: string; port: number };

const LETTERS = 'abcdefghijklmnopqrstuvwxyz      ';

function filler(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(0, LETTERS.length - 1)];
  return s;
}

function getRequest(b: BrowserProfile, host: string, path: string): string {
  const url = `http://${host}${path}`;
  if (b.style === 'ie') {
    return (
      `GET ${url} HTTP/1.1\r\nAccept: */*\r\nAccept-Language: en-us\r\nAccept-Encoding: gzip, deflate\r\n` +
      `User-Agent: ${b.userAgent}\r\nHost: ${host}\r\nProxy-Connection: Keep-Alive\r\n\r\n`
    );
  }
  return (
    `GET ${url} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${b.userAgent}\r\n` +
    `Accept: text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5\r\n` +
    `Accept-Language: en-us,en;q=0.5\r\nAccept-Encoding: gzip,deflate\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n` +
    `Keep-Alive: 300\r\nProxy-Connection: keep-alive\r\n\r\n`
  );
}

function connectRequest(b: BrowserProfile, host: string, port: number): string {
  if (b.style === 'ie') {
    return (
      `CONNECT ${host}:${port} HTTP/1.0\r\nUser-Agent: ${b.userAgent}\r\nHost: ${host}:${port}\r\n` +
      `Content-Length: 0\r\nProxy-Connection: Keep-Alive\r\nPragma: no-cache\r\n\r\n`
    );
  }
  return `CONNECT ${host}:${port} HTTP/1.1\r\nUser-Agent: ${b.userAgent}\r\nProxy-Connection: keep-alive\r\nHost: ${host}:${port}\r\n\r\n`;
}

function contentTypeOf(path: string): string {
  if (path.endsWith('.gif')) return 'image/gif';
  if (path.endsWith('.css')) return 'text/css';
  if (path.endsWith('.js')) return 'application/x-javascript';
  if (path.endsWith('.ico')) return 'image/x-icon';
  return 'text/html';
}

function proxyResponse(rng: Rng, proxy: ProxyProfile, ts: number, path: string): string {
  const type = contentTypeOf(path);
  const body = type === 'text/html' ? `<html><body>${filler(rng, rng.int(200, 1800))}</body></html>` : filler(rng, rng.int(80, 900));
  const status = rng.next() < 0.1 ? 'HTTP/1.1 304 Not Modified' : 'HTTP/1.1 200 OK';
  const content = status.includes('304') ? '' : body;
  return (
    `${status}\r\nDate: ${httpDate(ts)}\r\nServer: Apache\r\nContent-Type: ${type}\r\nContent-Length: ${content.length}\r\n` +
    `Via: ${proxy.via}\r\nX-Cache: MISS from proxy\r\nProxy-Connection: keep-alive\r\n\r\n${content}`
  );
}

/** One connection from the host to the proxy: handshake, requests with answers, FIN teardown. Returns its end time. */
export function proxyConnection(
  sc: Scenario,
  proxy: ProxyProfile,
  browser: BrowserProfile,
  t0: number,
  sport: number,
  requests: ProxyRequest[],
): number {
  const rng = sc.rng;
  const h = sc.host;
  const s = new TcpSession({
    client: h.ip,
    server: proxy.ip,
    sport,
    dport: proxy.port,
    rng,
    clientTtl: h.ttl,
    serverTtl: proxy.ttl,
    clientWindow: XP_WINDOW,
    serverWindow: 5840,
    clientMac: h.mac,
    serverMac: proxy.mac,
    clientChecksum: h.checksum,
  });
  let t = t0;
  s.syn(t);
  t += rng.uniform(0.0002, 0.0006);
  s.synAck(t);
  t += rng.uniform(0.00005, 0.0002);
  s.ack(t);
  for (const req of requests) {
    t += rng.uniform(0.001, 0.004);
    if (req.kind === 'get') {
      s.send(t, 'client', getRequest(browser, req.host, req.path));
      t += rng.uniform(0.0002, 0.0005);
      s.ack(t, 'server');
      t += rng.uniform(0.04, 0.6);
      s.send(t, 'server', proxyResponse(rng, proxy, t, req.path));
      t += rng.uniform(0.0001, 0.2);
      s.ack(t, 'client');
      t += rng.uniform(0.05, 3);
    } else {
      s.send(t, 'client', connectRequest(browser, req.host, req.port));
      t += rng.uniform(0.03, 0.25);
      s.send(t, 'server', 'HTTP/1.0 200 Connection established\r\n\r\n');
      t += rng.uniform(0.0005, 0.002);
      s.send(t, 'client', tlsClientHello(rng, browser.sendsSni ? req.host : undefined));
      t += rng.uniform(0.1, 0.35);
      s.send(t, 'server', tlsServerHelloFlight(rng));
      t += rng.uniform(0.0001, 0.01);
      s.send(t, 'client', tlsClientFinishFlight(rng));
      t += rng.uniform(0.1, 0.3);
      s.send(t, 'server', tlsServerFinishFlight(rng));
      const exchanges = rng.int(1, 3);
      for (let i = 0; i < exchanges; i++) {
        t += rng.uniform(0.001, 0.5);
        s.send(t, 'client', tlsApplicationData(rng, rng.int(300, 700)));
        t += rng.uniform(0.1, 0.5);
        s.send(t, 'server', tlsApplicationData(rng, rng.int(500, 3500)));
        t += rng.uniform(0.0001, 0.2);
        s.ack(t, 'client');
      }
      t += rng.uniform(0.5, 5);
    }
  }
  if (rng.next() < 0.7) {
    s.fin(t, 'client');
    t += rng.uniform(0.0002, 0.0006);
    s.fin(t, 'server');
    t += rng.uniform(0.00005, 0.0002);
    s.ack(t, 'client');
  } else {
    // The proxy's idle timeout closes it.
    t += rng.uniform(5, 15);
    s.fin(t, 'server');
    t += rng.uniform(0.00005, 0.0002);
    s.ack(t, 'client');
    t += rng.uniform(0.0005, 0.01);
    s.fin(t, 'client');
    t += rng.uniform(0.0002, 0.0006);
    s.ack(t, 'server');
  }
  sc.add(s.frames());
  return t;
}

/** A browsing session: 1–3 connections to the proxy opened within a couple of seconds. */
export function planBrowsingSession(
  sc: Scenario,
  proxy: ProxyProfile,
  browser: BrowserProfile,
  t: number,
  sites: { http: readonly string[]; https: readonly string[]; paths: readonly string[] },
  connections = sc.rng.int(1, 3),
): void {
  const rng = sc.rng;
  const site = rng.pick(sites.http);
  let start = t;
  for (let c = 0; c < connections; c++) {
    const requests: ProxyRequest[] =
      rng.next() < 0.25
        ? [{ kind: 'connect', host: rng.pick(sites.https), port: 443 }]
        : Array.from({ length: rng.int(1, 4) }, (_, i) => ({
            kind: 'get' as const,
            host: site,
            path: c === 0 && i === 0 ? '/' : rng.pick(sites.paths),
          }));
    const connStart = start;
    sc.plan(connStart, (sport) => void proxyConnection(sc, proxy, browser, connStart, sport, requests));
    start += rng.uniform(0.05, 1.5);
  }
}
