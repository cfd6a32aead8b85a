/**
 * A busy LAN, as a sniffer on its uplink sees it, for the benchmark: many internal clients,
 * interactive TCP (small requests, mostly small answers, delayed ACKs), DNS over UDP, some
 * connections refused by the server itself (RST+ACK carrying the server's own TTL and IP ID) and
 * some never answered (the SYN retransmitted after 1 s and 3 s, as Linux does).
 *
 * New connections arrive as a Poisson process; each connection is a queue of planned segments
 * and connections wait in a heap keyed by their next segment's time, so frames come out in time
 * order one at a time, and memory is the connections in progress, not the capture. The first
 * `warmupSeconds` are planned but not built, so the capture opens in the steady state with
 * thousands of connections already in progress, as a real capture does. The stream is endless:
 * the caller stops drawing when it has written enough.
 */

import { macForIP } from './address.js';
import { Rng, type TimedFrame } from './capture.js';
import { dnsQueryPayload, dnsResponsePayload, tcpFrame, udpFrame } from './frame.js';
import { tlsClientHello } from './tls.js';

export interface BusyLanOptions {
  seed: number;
  /** Internal client addresses the connections are drawn from (uniformly). Default 18,400. */
  clients?: number;
  /** Share of clients that also speak IPv6. Default 0.08. */
  ipv6Share?: number;
  /** New connections (DNS lookups included) per second. Default 140. */
  connectionsPerSecond?: number;
  /** Seconds of traffic planned but not written before the first frame. Default 150. */
  warmupSeconds?: number;
  /** Time of the first planned connection, seconds since the epoch. */
  start?: number;
}

/** What the generator has done so far, for the benchmark's description of the capture. */
export interface BusyLanStats {
  frames: number;
  /** Connections begun (DNS lookups included), warm-up ones that reach the capture counted. */
  connections: number;
  dnsLookups: number;
  refused: number;
  unanswered: number;
  /** Connections with a segment still to come, sampled every 4,096 frames written. */
  inProgressMin: number;
  inProgressMax: number;
  inProgressMean: number;
  /** Distinct internal client addresses that appeared in a written frame. */
  clientsSeen: number;
}

interface Host {
  ip: string;
  ip6: string | null;
  mac: string;
  ttl: number;
  nextPort: number;
}

interface Server {
  ip: string;
  /** Ethernet source of its frames: its own MAC on the LAN, the router's from outside. */
  mac: string;
  /** TTL its packets arrive with (initial TTL minus the hops to the sniffer). */
  ttl: number;
  name: string;
  internal: boolean;
  /** Its round trip from the sniffer, seconds (a connection's varies above it). */
  rtt: number;
}

const enum Kind {
  Interactive,
  Dns,
  Refused,
  Unanswered,
}

const enum Step {
  Syn,
  SynAck,
  Ack,
  Data,
  Fin,
  Rst,
  DnsQuery,
  DnsResponse,
}

/** One planned segment of a connection. */
interface Planned {
  ts: number;
  step: Step;
  fromClient: boolean;
  /** Payload length of a data segment. */
  length: number;
  /** The payload itself, when it is not filler (ClientHello, HTTP request, DNS). */
  payload: Uint8Array | null;
}

interface Connection {
  kind: Kind;
  client: Host;
  clientIndex: number;
  v6: boolean;
  server: Server;
  serverIp: string;
  clientIp: string;
  sport: number;
  dport: number;
  clientNxt: number;
  serverNxt: number;
  clientIpId: number;
  serverIpId: number;
  /** Request/response exchanges still to plan after the queued ones. */
  exchangesLeft: number;
  meanThink: number;
  rtt: number;
  queue: Planned[];
  head: number;
  /** Time of queue[head]: the heap key. */
  at: number;
  first: boolean;
  counted: boolean;
}

const ROUTER_MAC = '02:00:0a:00:00:01';
const MSS = 1460;
/** Delayed ACK timer (Linux's minimum; Windows uses 200 ms). */
const DELAYED_ACK = 0.04;

/** Destination ports of interactive connections: [port, weight, internal server?]. */
const SERVICES: readonly (readonly [number, number, boolean])[] = [
  [443, 45, false],
  [80, 10, false],
  [445, 14, true],
  [22, 8, true],
  [3389, 5, true],
  [993, 4, false],
  [8080, 4, true],
  [5223, 3, false],
  [389, 7, true],
];
const SERVICE_WEIGHT = SERVICES.reduce((n, s) => n + s[1], 0);

/** Min-heap of connections by the time of their next segment. */
class ConnectionHeap {
  readonly items: Connection[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Connection | undefined {
    return this.items[0];
  }

  push(x: Connection): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (parent.at <= x.at) break;
      a[i] = parent;
      i = p;
    }
    a[i] = x;
  }

  pop(): Connection | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (last !== undefined && a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
        if (a[c]!.at >= last.at) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

const FLAGS: Record<Step, string> = {
  [Step.Syn]: 'S',
  [Step.SynAck]: 'SA',
  [Step.Ack]: 'A',
  [Step.Data]: 'PA',
  [Step.Fin]: 'FA',
  [Step.Rst]: 'RA',
  [Step.DnsQuery]: '',
  [Step.DnsResponse]: '',
};

export class BusyLan {
  readonly stats: BusyLanStats = {
    frames: 0,
    connections: 0,
    dnsLookups: 0,
    refused: 0,
    unanswered: 0,
    inProgressMin: Number.POSITIVE_INFINITY,
    inProgressMax: 0,
    inProgressMean: 0,
    clientsSeen: 0,
  };

  private readonly rng: Rng;
  private readonly clients: (Host | undefined)[];
  private readonly clientSeen: Uint8Array;
  private readonly ipv6Share: number;
  private readonly arrivalMean: number;
  private readonly captureStart: number;
  private readonly heap = new ConnectionHeap();
  private readonly internalServers: Server[];
  private readonly externalServers: Server[];
  private readonly externalServers6: Server[];
  private readonly resolver: Server;
  private readonly resolver6: Server;
  private readonly filler: Uint8Array;
  private readonly helloByName = new Map<string, Uint8Array>();
  private readonly encoder = new TextEncoder();
  private nextArrival: number;
  private samples = 0;
  private sampleSum = 0;

  constructor(o: BusyLanOptions) {
    this.rng = new Rng(o.seed);
    const clientCount = o.clients ?? 18_400;
    this.clients = new Array<Host | undefined>(clientCount);
    this.clientSeen = new Uint8Array(clientCount);
    this.ipv6Share = o.ipv6Share ?? 0.08;
    this.arrivalMean = 1 / (o.connectionsPerSecond ?? 140);
    const start = o.start ?? 1_700_000_000;
    this.captureStart = start + (o.warmupSeconds ?? 150);
    this.nextArrival = start;
    this.filler = new Uint8Array(8 * MSS);
    for (let i = 0; i < this.filler.length; i++) this.filler[i] = (i * 167 + 29) & 0xff;
    const rng = this.rng;
    const server = (ip: string, internal: boolean, name: string): Server => ({
      ip,
      internal,
      name,
      mac: internal ? macForIP(ip) : ROUTER_MAC,
      ttl: internal ? rng.pick([64, 128]) : rng.pick([64, 64, 128, 255]) - rng.int(6, 22),
      rtt: internal ? rng.uniform(0.0002, 0.002) : rng.uniform(0.008, 0.12),
    });
    // Internal servers in 10.0.1.0/24, external ones in the benchmarking range 198.18.0.0/15 (RFC 2544).
    this.internalServers = Array.from({ length: 60 }, (_, i) => server(`10.0.1.${i + 10}`, true, `srv${i}.corp.example`));
    this.externalServers = Array.from({ length: 5000 }, (_, i) =>
      server(`198.18.${Math.floor(i / 254)}.${(i % 254) + 1}`, false, `s${i}.example.com`),
    );
    this.externalServers6 = Array.from({ length: 600 }, (_, i) =>
      server(`2001:db8:${(i >> 8).toString(16)}::${(i & 0xff).toString(16)}:1`, false, `v6-${i}.example.net`),
    );
    this.resolver = server('10.0.0.53', true, 'resolver');
    this.resolver6 = server('fd00::53', true, 'resolver');
  }

  /** The next frame in time order. */
  next(): TimedFrame {
    for (;;) {
      const due = this.heap.peek();
      if (due === undefined || this.nextArrival <= due.at) {
        this.arrive(this.nextArrival);
        this.nextArrival += -Math.log(1 - this.rng.next()) * this.arrivalMean;
        continue;
      }
      this.heap.pop();
      const planned = due.queue[due.head]!;
      const build = planned.ts >= this.captureStart;
      const frame = this.emit(due, planned, build);
      due.head++;
      if (due.head === due.queue.length) {
        due.queue.length = 0;
        due.head = 0;
        this.planNext(due, planned.ts);
      }
      if (due.head < due.queue.length) {
        due.at = due.queue[due.head]!.ts;
        this.heap.push(due);
      }
      if (frame === null) continue;
      if (!due.counted) {
        due.counted = true;
        this.count(due);
      }
      const s = this.stats;
      s.frames++;
      if ((s.frames & 4095) === 0) this.sample();
      if (this.clientSeen[due.clientIndex] === 0) {
        this.clientSeen[due.clientIndex] = 1;
        s.clientsSeen++;
      }
      return { ts: planned.ts, frame };
    }
  }

  private count(c: Connection): void {
    const s = this.stats;
    s.connections++;
    if (c.kind === Kind.Dns) s.dnsLookups++;
    else if (c.kind === Kind.Refused) s.refused++;
    else if (c.kind === Kind.Unanswered) s.unanswered++;
  }

  private sample(): void {
    const s = this.stats;
    const n = this.heap.size;
    s.inProgressMin = Math.min(s.inProgressMin, n);
    s.inProgressMax = Math.max(s.inProgressMax, n);
    this.samples++;
    this.sampleSum += n;
    s.inProgressMean = this.sampleSum / this.samples;
  }

  private client(index: number): Host {
    let h = this.clients[index];
    if (h === undefined) {
      // 10.16.0.0/12 upwards, host octet 1–254.
      const rest = Math.floor(index / 254);
      const ip = `10.${16 + (rest >> 8)}.${rest & 0xff}.${(index % 254) + 1}`;
      const dual = this.rng.next() < this.ipv6Share;
      h = {
        ip,
        ip6: dual ? `fd00:${(16 + (rest >> 8)).toString(16)}::${(rest & 0xff).toString(16)}:${((index % 254) + 1).toString(16)}` : null,
        mac: macForIP(ip),
        ttl: this.rng.next() < 0.7 ? 128 : 64,
        nextPort: this.rng.int(32768, 60999),
      };
      this.clients[index] = h;
    }
    return h;
  }

  private arrive(t: number): void {
    const rng = this.rng;
    const clientIndex = rng.int(0, this.clients.length - 1);
    const client = this.client(clientIndex);
    client.nextPort = client.nextPort >= 60999 ? 32768 : client.nextPort + 1;
    const draw = rng.next();
    const kind = draw < 0.3 ? Kind.Dns : draw < 0.34 ? Kind.Refused : draw < 0.37 ? Kind.Unanswered : Kind.Interactive;
    const v6 = client.ip6 !== null && rng.next() < 0.5;
    let server: Server;
    let dport: number;
    if (kind === Kind.Dns) {
      server = v6 ? this.resolver6 : this.resolver;
      dport = 53;
    } else {
      let pick = rng.next() * SERVICE_WEIGHT;
      let service = SERVICES[0]!;
      for (const s of SERVICES) {
        service = s;
        if ((pick -= s[1]) < 0) break;
      }
      dport = service[0];
      server = v6
        ? rng.pick(this.externalServers6)
        : service[2]
          ? rng.pick(this.internalServers)
          : this.externalServers[Math.floor(rng.next() ** 2 * this.externalServers.length)]!;
      if (kind === Kind.Refused) dport = rng.pick([8080, 8443, 9000, 5000, dport]);
    }
    const c: Connection = {
      kind,
      client,
      clientIndex,
      v6,
      server,
      clientIp: v6 ? client.ip6! : client.ip,
      serverIp: server.ip,
      sport: client.nextPort,
      dport,
      clientNxt: rng.u32(),
      serverNxt: rng.u32(),
      clientIpId: rng.int(0, 0xffff),
      serverIpId: rng.int(0, 0xffff),
      exchangesLeft: 1 + Math.floor(-Math.log(1 - rng.next()) * 11),
      meanThink: rng.uniform(1.5, 6),
      rtt: server.rtt * rng.uniform(1, 1.25),
      queue: [],
      head: 0,
      at: t,
      first: true,
      counted: false,
    };
    this.planOpening(c, t);
    c.at = c.queue[0]!.ts;
    this.heap.push(c);
  }

  private plan(c: Connection, ts: number, step: Step, fromClient: boolean, length = 0, payload: Uint8Array | null = null): void {
    c.queue.push({ ts, step, fromClient, length: payload !== null ? payload.length : length, payload });
  }

  private planOpening(c: Connection, t: number): void {
    const rng = this.rng;
    switch (c.kind) {
      case Kind.Dns: {
        const id = rng.int(0, 0xffff);
        const server = c.v6
          ? rng.pick(this.externalServers6)
          : this.externalServers[Math.floor(rng.next() ** 2 * this.externalServers.length)]!;
        const qtype = c.v6 ? 'AAAA' : 'A';
        this.plan(c, t, Step.DnsQuery, true, 0, dnsQueryPayload({ id, name: server.name, qtype }));
        const answered = rng.next() < 0.93;
        if (answered) {
          const response = dnsResponsePayload({ id, name: server.name, qtype, addresses: [server.ip], ttl: 300 });
          this.plan(c, t + rng.uniform(0.0005, 0.04), Step.DnsResponse, false, 0, response);
        }
        return;
      }
      case Kind.Refused:
        this.plan(c, t, Step.Syn, true);
        this.plan(c, t + c.rtt, Step.Rst, false);
        return;
      case Kind.Unanswered:
        this.plan(c, t, Step.Syn, true);
        this.plan(c, t + 1, Step.Syn, true);
        this.plan(c, t + 3, Step.Syn, true);
        return;
      case Kind.Interactive:
        this.plan(c, t, Step.Syn, true);
        this.plan(c, t + c.rtt / 2, Step.SynAck, false);
        this.plan(c, t + c.rtt, Step.Ack, true);
        return;
    }
  }

  /** Plans a connection's next request and answer, or its close, after `t`. */
  private planNext(c: Connection, t: number): void {
    if (c.kind !== Kind.Interactive) return;
    const rng = this.rng;
    if (c.exchangesLeft === 0) {
      if (rng.next() < 0.9) {
        const by = rng.next() < 0.6;
        this.plan(c, t + 0.001, Step.Fin, by);
        this.plan(c, t + 0.001 + c.rtt / 2, Step.Fin, !by);
        this.plan(c, t + 0.001 + c.rtt, Step.Ack, by);
      } else {
        this.plan(c, t + 0.001, Step.Rst, rng.next() < 0.7);
      }
      c.exchangesLeft = -1;
      return;
    }
    if (c.exchangesLeft < 0) return;
    c.exchangesLeft--;
    let at = t + (c.first ? 0.0002 : -Math.log(1 - rng.next()) * c.meanThink);
    // The request: small, or the opening of a protocol the decoder peeks at.
    let request: Uint8Array | null = null;
    if (c.first && c.dport === 443) request = this.clientHello(c.server.name);
    else if (c.dport === 80)
      request = this.encoder.encode(`GET /${rng.int(1, 99999)} HTTP/1.1\r\nHost: ${c.server.name}\r\nAccept: */*\r\n\r\n`);
    c.first = false;
    const requestLength = rng.next() < 0.7 ? rng.int(20, 240) : rng.int(240, 900);
    this.plan(c, at, Step.Data, true, requestLength, request);
    // The answer: often one small segment, sometimes a few full ones.
    const size = rng.next();
    let answer = size < 0.4 ? rng.int(30, 500) : size < 0.68 ? rng.int(500, MSS) : rng.int(MSS + 1, 8 * MSS);
    const think = rng.uniform(0.0005, 0.03);
    if (think > DELAYED_ACK) this.plan(c, at + DELAYED_ACK, Step.Ack, false);
    at += c.rtt / 2 + think;
    let segments = 0;
    while (answer > 0) {
      const n = Math.min(answer, MSS);
      this.plan(c, at, Step.Data, false, n);
      answer -= n;
      segments++;
      at += 0.00012;
      if (segments % 2 === 0) this.plan(c, at + c.rtt / 2, Step.Ack, true);
    }
    if (segments % 2 === 1) this.plan(c, at + DELAYED_ACK, Step.Ack, true);
    // ACKs may fall between later segments; a connection's segments go out in time order.
    c.queue.sort((a, b) => a.ts - b.ts);
  }

  private clientHello(name: string): Uint8Array {
    let hello = this.helloByName.get(name);
    if (hello === undefined) {
      hello = tlsClientHello(this.rng, name);
      this.helloByName.set(name, hello);
    }
    return hello;
  }

  /** The frame of a planned segment; sequence numbers advance whether or not it is built. */
  private emit(c: Connection, p: Planned, build: boolean): Uint8Array | null {
    const fromClient = p.fromClient;
    const src = fromClient ? c.clientIp : c.serverIp;
    const dst = fromClient ? c.serverIp : c.clientIp;
    const srcMac = fromClient ? c.client.mac : c.server.mac;
    const dstMac = fromClient ? c.server.mac : c.client.mac;
    const ttl = fromClient ? c.client.ttl : c.server.ttl;
    const ipId = fromClient ? c.clientIpId++ & 0xffff : c.serverIpId++ & 0xffff;
    const sport = fromClient ? c.sport : c.dport;
    const dport = fromClient ? c.dport : c.sport;
    if (p.step === Step.DnsQuery || p.step === Step.DnsResponse) {
      if (!build) return null;
      return udpFrame({ src, dst, srcMac, dstMac, ttl, ipId, sport, dport, payload: p.payload! });
    }
    const seq = fromClient ? c.clientNxt : c.serverNxt;
    let ack = fromClient ? c.serverNxt : c.clientNxt;
    let flags = FLAGS[p.step];
    let advance = p.step === Step.Data ? p.length : p.step === Step.Syn || p.step === Step.SynAck || p.step === Step.Fin ? 1 : 0;
    if (p.step === Step.Syn) {
      // A retransmitted SYN repeats the first one's sequence number.
      if (fromClient && c.kind === Kind.Unanswered && c.queue[0] !== p) advance = 0;
      ack = 0;
    }
    if (p.step === Step.Data && p.length === MSS) flags = 'A';
    if (fromClient) c.clientNxt = (c.clientNxt + advance) >>> 0;
    else c.serverNxt = (c.serverNxt + advance) >>> 0;
    if (!build) return null;
    const synOptions = p.step === Step.Syn || p.step === Step.SynAck;
    // A refusal answers a bare SYN: sequence 0, acknowledging the SYN (RFC 9293 §3.10.7.1).
    const seqOut =
      p.step === Step.Syn && c.kind === Kind.Unanswered ? (c.clientNxt - 1) >>> 0 : c.kind === Kind.Refused && !fromClient ? 0 : seq;
    return tcpFrame({
      src,
      dst,
      srcMac,
      dstMac,
      ttl,
      ipId,
      sport,
      dport,
      seq: seqOut,
      ack,
      flags,
      window: p.step === Step.Rst ? 0 : fromClient ? 64240 : 65160,
      mss: synOptions ? MSS : undefined,
      sackPermitted: synOptions ? true : undefined,
      payload: p.step === Step.Data ? (p.payload ?? this.filler.subarray(0, p.length)) : undefined,
    });
  }
}
