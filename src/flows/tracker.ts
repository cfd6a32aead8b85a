/**
 * The connection tracker: one table of TCP, UDP and ICMP conversations keyed by their 5-tuple in
 * either direction, Zeek's conn.log state for each, and what callhome adds to tell who sent a
 * reset. Connections leave the table when Zeek's timers say they are over (run on packet time),
 * when the table is full (oldest idle first), or at finish(); each is handed to `onConnection`
 * as it leaves, so memory stays bounded on any capture length.
 */

import { formatIPv4, formatIPv6 } from '../decode/address.js';
import { parseDns } from '../decode/dns.js';
import { peekHttpRequest } from '../decode/http.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, payloadView, type Packet } from '../decode/packet.js';
import { guessService } from '../decode/service.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../decode/tcp.js';
import { peekTlsClientHello } from '../decode/tls.js';
import type { ConnState, Connection, ResetEvidence, ResetStage, Transport } from './connection.js';
import { Endpoint, Flow, HIST_DATA_PKT, KIND_ICMP, KIND_TCP, KIND_UDP, scaledHistory } from './flow.js';
import { isLocalIPv4, isLocalIPv6 } from './local.js';
import { DEFAULT_LIKELY_SERVER_PORTS, icmp4Counterpart, icmp6Counterpart, portTable, type LikelyServerPorts } from './ports.js';
import { processTcp, tcpChecksumError, tcpConnState, tcpExpired, tcpIsReuse } from './tcp.js';
import { ICMP_INACTIVITY_TIMEOUT, TCP_CONNECTION_LINGER, TCP_INACTIVITY_TIMEOUT, UDP_INACTIVITY_TIMEOUT } from './timeouts.js';

export interface TrackerOptions {
  /** Called when a connection leaves the table (finished, timed out, evicted, or at finish()). */
  onConnection: (c: Connection) => void;
  /**
   * Most connections held at once; the (approximately) longest idle is emitted early when a new
   * one needs room (counted in stats.evicted). Default DEFAULT_MAX_CONNECTIONS.
   */
  maxConnections?: number;
  /** local_orig / local_resp; default: the address blocks Zeek counts as local out of the box. */
  isLocal?: (address: string) => boolean;
  /** Index stamped into Connection.capture (see setCapture). */
  capture?: number;
  /**
   * Ports taken as a server's when a connection is first seen without its SYN (or a UDP flow
   * from such a port): the originator is then the other side. Default: the ports of the
   * protocols Zeek analyses out of the box.
   */
  likelyServerPorts?: LikelyServerPorts;
}

export interface TrackerStats {
  /** Connections emitted so far. */
  connections: number;
  /** Connections emitted early because the table was full. */
  evicted: number;
  /** Connections in the table now. */
  active: number;
  peakActive: number;
  tcp: number;
  udp: number;
  icmp: number;
  /** Packets handed to add(). */
  packets: number;
  /** Packets not tracked: not decoded, bad IP checksum, or not TCP / UDP / ICMP. */
  ignored: number;
}

/** Default table ceiling: a few hundred bytes of state each keeps this well inside 256 MB. */
export const DEFAULT_MAX_CONNECTIONS = 100_000;
/** requestTimes entries kept per connection. */
export const REQUEST_TIMES_CAP = 10_000;
/** Resets (and ICMP refusals) kept per connection. */
export const RESETS_CAP = 256;
/**
 * How often (packet time) idle connections are checked for being over: every second, less often
 * for large tables (a check visits only connections idle at least MIN_IDLE_FOR_SWEEP; others are
 * checked when their next packet arrives).
 */
const SWEEP_INTERVAL = 1;
const SWEEP_CONNECTIONS_PER_SECOND = 10_000;
const MAX_SWEEP_INTERVAL = 30;
/**
 * Sweeps visit only connections idle this long (Zeek's shortest timers); one that ends sooner
 * (attempt or close timer) is caught by its next packet or a later sweep.
 */
const MIN_IDLE_FOR_SWEEP = 5;
/**
 * Emitted connections' Flow objects kept for reuse. A Flow lives long enough to be promoted by
 * the collector, so allocating one per connection made the young-generation collections copy
 * ~1.5 kB per connection; a recycled one is already in place. The cap bounds what is held
 * after a burst of connections.
 */
const FLOW_POOL_CAP = 16_384;
/** Slots of the table at first (a power of two); it doubles when half full. */
const INITIAL_SLOTS = 4096;
/** A reset this long after the other side's last packet is 'late'. */
const LATE_RESET_SECONDS = 60;

/** Placeholder for a reset's peer samples until its connection is emitted (never modified). */
const NO_SAMPLES: number[] = Object.freeze([]) as unknown as number[];

/** DNS answers kept per connection. */
const MAX_DNS_ANSWERS = 64;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Character codes of the uid being built (one string made per connection, not seventeen). */
const uidCodes: number[] = new Array<number>(18).fill(0x43);

/** The idle list's sentinel: a Flow that is never a connection, linked to itself. */
function idleSentinel(): Flow {
  const f = new Flow();
  f.lruNext = f;
  f.lruPrev = f;
  return f;
}

/** A deterministic, Zeek-looking uid: 'C' + base62 of a mixed counter. */
function makeUid(serial: number): string {
  let hi = Math.imul(serial ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  let lo = Math.imul((serial + 0x7f4a7c15) ^ (hi >>> 15), 0x85ebca6b) >>> 0;
  uidCodes[0] = 0x43; // 'C'
  for (let i = 0; i < 17; i++) {
    const source = i & 1 ? hi : lo;
    uidCodes[i + 1] = BASE62.charCodeAt(source % 62);
    if (i & 1) hi = Math.floor(hi / 62) ^ Math.imul(lo, 31) >>> 0;
    else lo = Math.floor(lo / 62) ^ Math.imul(hi, 17) >>> 0;
    hi >>>= 0;
    lo >>>= 0;
  }
  return String.fromCharCode.apply(null, uidCodes);
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

function fold6(b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4) h = mix32(h ^ ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!));
  return h;
}


/** Key hash, the same in both directions. */
function keyHash(v6: boolean, a4: number, a6: Uint8Array, ap: number, b4: number, b6: Uint8Array, bp: number, proto: number): number {
  const ha = v6 ? fold6(a6) : a4 | 0;
  const hb = v6 ? fold6(b6) : b4 | 0;
  const h = (mix32(ha ^ Math.imul(ap + 1, 0x9e3779b1)) + mix32(hb ^ Math.imul(bp + 1, 0x9e3779b1))) | 0;
  // Kept within V8's small-integer range so Map keys stay unboxed.
  return mix32(h ^ Math.imul(proto, 0x27d4eb2d)) & 0x3fffffff;
}

/** Protocols whose server speaks first: its banner names the service. */
const SERVER_FIRST = new Set(['smtp', 'ftp', 'pop3', 'irc']);

/**
 * The service, as Zeek would confirm it: a DNS message parsed, a server banner, or a request
 * whose answer speaks the same protocol. A request alone (no answer, or an answer in another
 * protocol) names no service.
 */
function serviceOf(f: Flow): string | null {
  if (f.service !== null) return f.service;
  // Zeek's application analyzers do not run on a connection picked up mid-stream.
  if (f.kind === KIND_TCP && f.isPartial) return null;
  const o = f.origGuess;
  const r = f.respGuess;
  if (r !== null && SERVER_FIRST.has(r)) return r;
  if (o !== null && o === r) return o;
  // HTTP: a request not contradicted by the answer, or a response to an unrecognised request.
  if (o === 'http' && r === null) return 'http';
  if (r === 'http' && o === null) return 'http';
  return null;
}

export class ConnectionTracker {
  readonly stats: TrackerStats = {
    connections: 0, evicted: 0, active: 0, peakActive: 0, tcp: 0, udp: 0, icmp: 0, packets: 0, ignored: 0,
  };

  private readonly onConnection: (c: Connection) => void;
  private readonly maxConnections: number;
  private readonly isLocal: ((address: string) => boolean) | null;
  private capture: number;
  private readonly tcpServerPorts: Uint8Array;
  private readonly udpServerPorts: Uint8Array;
  /**
   * The table: open addressing with linear probing over the key hash (keyHash), null for an
   * empty slot. A probe reads the connection's own hash: one memory access fewer than a separate
   * array of hashes would cost, and the connection is read next anyway.
   */
  private slots: (Flow | null)[] = new Array<Flow | null>(INITIAL_SLOTS).fill(null);
  private slotMask = INITIAL_SLOTS - 1;
  /** Flows of emitted connections, reset and kept for new ones (see FLOW_POOL_CAP). */
  private readonly pool: Flow[] = [];
  /**
   * The idle list: a ring through `lruNext` / `lruPrev` closed by this sentinel (its next is the
   * head, its previous the tail), so that taking a connection out or putting one in never
   * branches on an end of the list.
   */
  private readonly idle: Flow = idleSentinel();
  private serial = 0;
  /** Packet time, never going backwards. */
  private clock = -Infinity;
  private nextSweep = -Infinity;
  /** Direction of the packet matched by the last lookup. */
  private matchedFromOrig = true;
  /** The connection the last lookup found. */
  private lastFlow: Flow | null = null;

  constructor(o: TrackerOptions) {
    this.onConnection = o.onConnection;
    this.maxConnections = o.maxConnections !== undefined && o.maxConnections > 0 ? Math.floor(o.maxConnections) : DEFAULT_MAX_CONNECTIONS;
    this.isLocal = o.isLocal ?? null;
    this.capture = o.capture ?? 0;
    const ports = o.likelyServerPorts ?? DEFAULT_LIKELY_SERVER_PORTS;
    this.tcpServerPorts = portTable(ports.tcp);
    this.udpServerPorts = portTable(ports.udp);
  }

  setCapture(index: number): void {
    this.capture = index;
  }

  /** Track one decoded packet. `p` is reused by the caller: nothing of it is kept by reference. */
  add(p: Packet): void {
    this.stats.packets++;
    if (p.ts > this.clock) {
      this.clock = p.ts;
      if (this.clock >= this.nextSweep) {
        if (this.nextSweep !== -Infinity) this.sweep(this.clock);
        const interval = Math.min(MAX_SWEEP_INTERVAL, Math.max(SWEEP_INTERVAL, this.stats.active / SWEEP_CONNECTIONS_PER_SECOND));
        this.nextSweep = this.clock + interval;
      }
    }
    if (p.status !== 'decoded' || !p.ipChecksumOk || (p.ipVersion !== 4 && p.ipVersion !== 6)) {
      this.stats.ignored++;
      return;
    }
    switch (p.proto) {
      case IPPROTO_TCP:
        if (p.sport < 0 || p.dport < 0) break;
        this.addTcp(p);
        return;
      case IPPROTO_UDP:
        if (p.sport < 0 || p.dport < 0) break;
        this.addUdp(p);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (p.icmpType < 0) break;
        this.addIcmp(p);
        return;
    }
    this.stats.ignored++;
  }

  /** Emit every connection still in the table, ordered by start time. */
  finish(): void {
    const open: Flow[] = [];
    for (let f = this.idle.lruNext!; f !== this.idle; f = f.lruNext!) open.push(f);
    open.sort((a, b) => a.ts - b.ts || a.serial - b.serial);
    for (const f of open) this.remove(f);
    this.pool.length = 0;
  }

  // ---------------------------------------------------------------- TCP

  private addTcp(p: Packet): void {
    let flow = this.lookup(KIND_TCP, p.ipVersion, p.src4, p.src6, p.sport, p.dst4, p.dst6, p.dport);
    if (flow !== null && ((this.mayHaveExpired(flow) && tcpExpired(flow, this.clock)) || tcpIsReuse(flow, p))) {
      this.remove(flow);
      flow = null;
    }
    let fromOrig = this.matchedFromOrig;
    if (flow === null) {
      flow = this.create(p, KIND_TCP, p.sport, p.dport, false);
      fromOrig = true;
      const flags = p.tcpFlags;
      const syn = (flags & TCP_SYN) !== 0;
      if (!syn || (flags & TCP_ACK) !== 0) {
        // Not an initial SYN: guess the true responder from the ports (TCPAnalyzer::WantConnection).
        let flip = false;
        const ports = this.tcpServerPorts;
        if (ports[p.sport] === 1) {
          flip = ports[p.dport] === 1 ? !syn && p.sport < p.dport : true;
        }
        if (flip && !(p.ipVersion === 4 && p.dst4 === 0xffffffff)) {
          flow.flip();
          fromOrig = false;
        }
      }
    } else {
      this.touch(flow);
    }

    if (!p.transportChecksumOk) {
      tcpChecksumError(flow, fromOrig);
      return;
    }

    const flags = p.tcpFlags;
    const rst = (flags & TCP_RST) !== 0;
    // The other side's latest packet, before this one is counted (for reset delays).
    // (Read only for a reset: a time held across the calls below would be boxed on every packet.)
    const otherLast = rst ? (fromOrig ? flow.resp : flow.orig).lastTs : -1;
    const stageBefore = rst ? this.stageOf(flow, p.ts, otherLast) : 'data';

    fromOrig = processTcp(flow, p, fromOrig);
    // A flip during processing swaps the endpoints' roles, not the objects.
    const sender = fromOrig ? flow.orig : flow.resp;

    this.noteEndpoint(flow, sender, p, rst, fromOrig);
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    if (syn && !ack && fromOrig) {
      flow.synCount++;
      if (flow.firstSynTs < 0) flow.firstSynTs = p.ts;
    }
    if (syn && ack && !fromOrig && flow.handshakeRtt === null && flow.firstSynTs >= 0) {
      flow.handshakeRtt = Math.max(0, p.ts - flow.firstSynTs);
    }
    // The responder answered with something other than a reset (a SYN-ACK, or anything mid-stream).
    if (!fromOrig && !rst) flow.established = true;
    if ((flags & 0x01) !== 0) flow.sawFin = true;

    if (rst) {
      this.addReset(flow, p, 'rst', fromOrig, fromOrig ? 1 : 2, otherLast, stageBefore);
    } else if (p.payloadLength > 0) {
      this.notePayload(flow, p, fromOrig);
    }
  }

  // ---------------------------------------------------------------- UDP

  private addUdp(p: Packet): void {
    let flow = this.lookup(KIND_UDP, p.ipVersion, p.src4, p.src6, p.sport, p.dst4, p.dst6, p.dport);
    if (flow !== null && this.clock >= flow.lastTs + UDP_INACTIVITY_TIMEOUT) {
      this.remove(flow);
      flow = null;
    }
    let fromOrig = this.matchedFromOrig;
    if (flow === null) {
      flow = this.create(p, KIND_UDP, p.sport, p.dport, false);
      fromOrig = true;
      const broadcast = p.ipVersion === 4 && p.dst4 === 0xffffffff;
      if (this.udpServerPorts[p.sport] === 1 && this.udpServerPorts[p.dport] !== 1 && !broadcast) {
        flow.flip();
        fromOrig = false;
      }
    } else {
      this.touch(flow);
    }
    const e = fromOrig ? flow.orig : flow.resp;
    if (p.ts > flow.lastTs) flow.lastTs = p.ts;
    e.pkts++;
    e.ipBytes += p.ipLength;
    if (!p.transportChecksumOk) {
      scaledHistory(flow, 'C', fromOrig, e, 'checksum');
      return;
    }
    e.active = true;
    e.payloadBytes += p.payloadLength > 0 ? p.payloadLength : 0;
    flow.checkHistory(HIST_DATA_PKT, 'D', fromOrig);
    this.noteEndpoint(flow, e, p, false, fromOrig);
    if (!fromOrig) flow.established = true;
    this.notePayload(flow, p, fromOrig);
  }

  // ---------------------------------------------------------------- ICMP

  private addIcmp(p: Packet): void {
    const v6 = p.proto === IPPROTO_ICMPV6;
    const counterpart = v6 ? icmp6Counterpart(p.icmpType) : icmp4Counterpart(p.icmpType);
    const oneWay = counterpart < 0;
    const respPort = oneWay ? p.icmpCode : counterpart;
    let flow = this.lookup(KIND_ICMP, p.ipVersion, p.src4, p.src6, p.icmpType, p.dst4, p.dst6, respPort);
    if (flow !== null && this.clock >= flow.lastTs + ICMP_INACTIVITY_TIMEOUT) {
      this.remove(flow);
      flow = null;
    }
    let fromOrig = this.matchedFromOrig;
    if (flow === null) {
      flow = this.create(p, KIND_ICMP, p.icmpType, respPort, oneWay);
      fromOrig = true;
    } else {
      this.touch(flow);
    }
    const e = fromOrig ? flow.orig : flow.resp;
    if (p.ts > flow.lastTs) flow.lastTs = p.ts;
    e.pkts++;
    e.ipBytes += p.ipLength;
    e.active = true;
    const body = p.ipLength - p.ipHeaderLength - 8;
    if (body > 0) e.payloadBytes += body;
    this.noteEndpoint(flow, e, p, false, fromOrig);
    if (!fromOrig) flow.established = true;

    if (p.quoted.present && (p.quoted.proto === IPPROTO_TCP || p.quoted.proto === IPPROTO_UDP) && p.quoted.sport >= 0) {
      this.tieIcmpError(p);
    }
  }

  /** An ICMP error quoting a TCP/UDP header: evidence on the connection it refused. */
  private tieIcmpError(p: Packet): void {
    const q = p.quoted;
    const kind = q.proto === IPPROTO_TCP ? KIND_TCP : KIND_UDP;
    const flow = this.lookup(kind, q.ipVersion, q.src4, q.src6, q.sport, q.dst4, q.dst6, q.dport);
    if (flow === null) return;
    const quotedFromOrig = this.matchedFromOrig;
    // The ICMP stands in for the quoted packet's destination; it answers the quoted packet's sender.
    const answered = quotedFromOrig ? flow.orig : flow.resp;
    const fromOriginatorAddress = p.ipVersion === 6 ? flow.isOrig6(p.src6) : p.ipVersion === 4 && flow.origA4 === (p.src4 | 0);
    const stage = this.stageOf(flow, p.ts, answered.lastTs);
    this.addReset(flow, p, 'icmp', fromOriginatorAddress, quotedFromOrig ? 2 : 1, answered.lastTs, stage, q.seq);
  }

  // ---------------------------------------------------------------- evidence

  private stageOf(flow: Flow, ts: number, otherLast: number): ResetStage {
    if (flow.sawFin || (otherLast >= 0 && ts - otherLast > LATE_RESET_SECONDS)) return 'late';
    if (flow.orig.sawPayload || flow.resp.sawPayload) return 'data';
    if (flow.established) return 'handshake';
    return 'syn';
  }

  private addReset(flow: Flow, p: Packet, kind: 'rst' | 'icmp', fromOriginator: boolean, claimedSide: number,
    otherLast: number, stage: ResetStage, quotedSeq = -1): void {
    if (flow.resets !== null && flow.resets.length >= RESETS_CAP) return;
    const isRst = kind === 'rst';
    const evidence: ResetEvidence = {
      kind,
      ts: p.ts,
      fromOriginator,
      ttl: p.ttl,
      ipId: p.ipVersion === 4 ? p.ipId : -1,
      sender: p.ipVersion === 4 ? formatIPv4(p.src4) : formatIPv6(p.src6),
      delay: otherLast >= 0 ? Math.max(0, p.ts - otherLast) : 0,
      stage,
      seq: isRst ? p.seq >>> 0 : quotedSeq,
      ack: isRst ? p.ack >>> 0 : -1,
      ackZero: isRst ? (p.tcpFlags & TCP_ACK) === 0 || p.ack === 0 : false,
      senderKeptSending: false,
      // Filled when the connection is emitted (toConnection), from the claimed sender's samples.
      peerTtls: NO_SAMPLES,
      peerIpIds: NO_SAMPLES,
      icmpType: isRst ? -1 : p.icmpType,
      icmpCode: isRst ? -1 : p.icmpCode,
    };
    // A list starts with its first element: most connections have one reset, and an empty list's
    // first push would reserve room for seventeen.
    if (flow.resets === null || flow.resetSides === null) {
      flow.resets = [evidence];
      flow.resetSides = [claimedSide];
    } else {
      flow.resets.push(evidence);
      flow.resetSides.push(claimedSide);
    }
    flow.openResetSides |= claimedSide;
  }

  /** Per-side evidence: first TTL, TTL / IP ID samples, last time, and resets the side outlived. */
  private noteEndpoint(flow: Flow, e: Endpoint, p: Packet, rst: boolean, fromOrig: boolean): void {
    if (e.firstTtl < 0) e.firstTtl = p.ttl;
    if (p.ts > e.lastTs) e.lastTs = p.ts;
    if (!rst) {
      e.noteSample(p.ttl, p.ipVersion === 4 ? p.ipId : -1);
      const side = fromOrig ? 1 : 2;
      if ((flow.openResetSides & side) !== 0 && flow.resets !== null && flow.resetSides !== null) {
        for (let i = 0; i < flow.resets.length; i++) {
          if (flow.resetSides[i] === side && flow.resets[i]!.ts <= p.ts) flow.resets[i]!.senderKeptSending = true;
        }
        flow.openResetSides &= ~side;
      }
    }
  }

  /** Application peeks on the first payload of each side, and request times. */
  private notePayload(flow: Flow, p: Packet, fromOrig: boolean): void {
    const e = fromOrig ? flow.orig : flow.resp;
    e.sawPayload = true;
    if (fromOrig) {
      if (flow.awaitingRequest) {
        flow.awaitingRequest = false;
        if (flow.requestTimes === null) flow.requestTimes = [p.ts]; // room for one, not seventeen
        else if (flow.requestTimes.length < REQUEST_TIMES_CAP) flow.requestTimes.push(p.ts);
      }
      if (!flow.origPeeked && p.payloadEnd > p.payloadStart) {
        flow.origPeeked = true;
        if (flow.kind === KIND_TCP) this.peekFirst(flow, payloadView(p), true);
      }
    } else {
      flow.awaitingRequest = true;
      if (!flow.respPeeked && p.payloadEnd > p.payloadStart) {
        flow.respPeeked = true;
        if (flow.kind === KIND_TCP) this.peekFirst(flow, payloadView(p), false);
      }
    }
    if (flow.kind === KIND_UDP && (flow.respP === 53 || flow.origP === 53 || flow.respP === 5353 || flow.respP === 5355 || flow.respP === 137)) {
      this.peekDns(flow, p.payloadBuffer, p.payloadStart, p.payloadEnd, fromOrig, false);
    }
  }

  /** The first payload of one side of a TCP connection. */
  private peekFirst(flow: Flow, payload: Uint8Array, fromOrig: boolean): void {
    const guess = guessService(payload, fromOrig);
    if (fromOrig) {
      flow.origGuess = guess;
      if (guess === 'http') {
        const http = peekHttpRequest(payload);
        if (http !== null) {
          flow.http = http;
          flow.origGuess = 'http';
        }
      }
      if (guess === 'ssl') {
        const hello = peekTlsClientHello(payload);
        if (hello !== null) flow.sni = hello.sni;
      }
    } else {
      flow.respGuess = guess;
    }
    if (flow.respP === 53 || flow.origP === 53) this.peekDns(flow, payload, 0, payload.length, fromOrig, true);
  }

  /** A DNS message in `b[start, end)`. */
  private peekDns(flow: Flow, b: Uint8Array, start: number, end: number, fromOrig: boolean, overTcp: boolean): void {
    const dns = parseDns(b, overTcp, start, end);
    if (dns === null) return;
    flow.service = 'dns';
    if (flow.dnsQuery === null && dns.query !== null) flow.dnsQuery = dns.query;
    if (dns.response && !fromOrig) {
      if (flow.dnsAnswers === null) flow.dnsAnswers = [];
      for (const a of dns.answers) if (flow.dnsAnswers.length < MAX_DNS_ANSWERS) flow.dnsAnswers.push(a);
    }
  }

  // ---------------------------------------------------------------- table

  /**
   * The connection of this kind between these endpoints, in either direction (one-way ICMP in
   * its own only), or null; `matchedFromOrig` says which direction matched.
   */
  private lookup(kind: number, ipVersion: number, src4: number, src6: Uint8Array, sport: number,
    dst4: number, dst6: Uint8Array, dport: number): Flow | null {
    const v6 = ipVersion === 6;
    const s4 = src4 | 0;
    const d4 = dst4 | 0;
    // Consecutive packets often belong to one connection: try the last one first.
    const last = this.lastFlow;
    if (last !== null && last.inTable && last.kind === kind && !v6 && last.ipVersion === 4) {
      if (last.origP === sport && last.respP === dport && last.origA4 === s4 && last.respA4 === d4) {
        this.matchedFromOrig = true;
        return last;
      }
      if (!last.oneWay && last.respP === sport && last.origP === dport && last.respA4 === s4 && last.origA4 === d4) {
        this.matchedFromOrig = false;
        return last;
      }
    }
    const h = keyHash(v6, src4, src6, sport, dst4, dst6, dport, kind);
    const slots = this.slots;
    for (let i = h & this.slotMask, f = slots[i] ?? null; f !== null; i = (i + 1) & this.slotMask, f = slots[i] ?? null) {
      if (f.hash !== h || f.kind !== kind || f.ipVersion !== ipVersion) continue;
      if (f.origP === sport && f.respP === dport
        && (v6 ? f.isOrig6(src6) && f.isResp6(dst6) : f.origA4 === s4 && f.respA4 === d4)) {
        this.matchedFromOrig = true;
        this.lastFlow = f;
        return f;
      }
      if (!f.oneWay && f.respP === sport && f.origP === dport
        && (v6 ? f.isResp6(src6) && f.isOrig6(dst6) : f.respA4 === s4 && f.origA4 === d4)) {
        this.matchedFromOrig = false;
        this.lastFlow = f;
        return f;
      }
    }
    return null;
  }

  private create(p: Packet, kind: number, sport: number, dport: number, oneWay: boolean): Flow {
    while (this.stats.active >= this.maxConnections && this.idle.lruNext !== this.idle) {
      const head = this.idle.lruNext!;
      // Used since it was queued: not the longest idle after all.
      if (head.touchedAt > head.queuedAt) {
        this.requeue(head);
        continue;
      }
      this.stats.evicted++;
      this.remove(head);
    }
    const f = this.pool.length > 0 ? this.pool.pop()! : new Flow();
    f.kind = kind;
    f.ipProto = p.proto;
    f.ipVersion = p.ipVersion === 6 ? 6 : 4;
    if (f.ipVersion === 4) {
      f.origA4 = p.src4 | 0;
      f.respA4 = p.dst4 | 0;
    } else {
      f.setAddresses6(p.src6, p.dst6);
    }
    f.origP = sport;
    f.respP = dport;
    f.oneWay = oneWay;
    f.serial = ++this.serial;
    f.capture = this.capture;
    f.ts = p.ts;
    f.lastTs = p.ts;
    f.touchedAt = this.clock;
    f.hash = keyHash(f.ipVersion === 6, p.src4, p.src6, sport, p.dst4, p.dst6, dport, kind);
    this.insertSlot(f);
    f.inTable = true;
    this.enqueue(f);
    this.stats.active++;
    if (this.stats.active > this.stats.peakActive) this.stats.peakActive = this.stats.active;
    if (kind === KIND_TCP) this.stats.tcp++;
    else if (kind === KIND_UDP) this.stats.udp++;
    else this.stats.icmp++;
    return f;
  }

  private insertSlot(f: Flow): void {
    // Kept at most half full so that probe runs stay short.
    if ((this.stats.active + 1) * 2 > this.slots.length) this.growSlots();
    const mask = this.slotMask;
    let i = f.hash & mask;
    while (this.slots[i] !== null) i = (i + 1) & mask;
    this.slots[i] = f;
  }

  /** Remove f's slot, moving later entries of the probe run back (no tombstones). */
  private deleteSlot(f: Flow): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let i = f.hash & mask;
    while (slots[i] !== f) {
      if (slots[i] === null) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const g = slots[j]!;
      if (g === null) break;
      const home = g.hash & mask;
      // The entry at j stays when its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      slots[i] = g;
      i = j;
    }
    slots[i] = null;
  }

  private growSlots(): void {
    const old = this.slots;
    const size = old.length * 2;
    const mask = size - 1;
    const slots = new Array<Flow | null>(size).fill(null);
    for (const f of old) {
      if (f === null) continue;
      let i = f.hash & mask;
      while (slots[i] !== null) i = (i + 1) & mask;
      slots[i] = f;
    }
    this.slots = slots;
    this.slotMask = mask;
  }

  /**
   * A packet for `f`. The idle list is not reordered here (that would write to two other
   * connections on every packet): sweeps and evictions move a connection used since it was
   * queued back to the tail when they meet it, so the list stays ordered by queuedAt and its head
   * is (nearly) the longest idle.
   */
  private touch(f: Flow): void {
    f.touchedAt = this.clock;
  }

  /** Move `f` to the idle list's tail. */
  private requeue(f: Flow): void {
    this.dequeue(f);
    this.enqueue(f);
  }

  /** Put `f` at the idle list's tail, queued now. */
  private enqueue(f: Flow): void {
    const idle = this.idle;
    const tail = idle.lruPrev!;
    f.queuedAt = this.clock;
    f.lruPrev = tail;
    f.lruNext = idle;
    tail.lruNext = f;
    idle.lruPrev = f;
  }

  /** Take `f` out of the idle list. */
  private dequeue(f: Flow): void {
    f.lruPrev!.lruNext = f.lruNext;
    f.lruNext!.lruPrev = f.lruPrev;
    f.lruPrev = f.lruNext = null;
  }

  private remove(f: Flow): void {
    if (!f.inTable) return;
    f.inTable = false;
    this.deleteSlot(f);
    this.dequeue(f);
    this.stats.active--;
    this.stats.connections++;
    this.onConnection(this.toConnection(f));
    if (this.lastFlow === f) this.lastFlow = null;
    if (this.pool.length < FLOW_POOL_CAP) {
      f.reset();
      this.pool.push(f);
    }
  }

  /**
   * Cheap necessary condition for tcpExpired at the current clock (a timer due, or idle past
   * tcp_connection_linger): most packets arrive well inside every timer and skip the full check.
   */
  private mayHaveExpired(f: Flow): boolean {
    const now = this.clock;
    return now >= f.deleteAt || (f.attemptAt > 0 && now >= f.attemptAt)
      || (f.closeCheckFrom !== -2 && now > f.lastTs + TCP_CONNECTION_LINGER);
  }

  private expired(f: Flow, now: number): boolean {
    if (f.kind === KIND_TCP) {
      if (tcpExpired(f, now)) return true;
      const idle = f.handshakeDone ? TCP_INACTIVITY_TIMEOUT : UDP_INACTIVITY_TIMEOUT;
      return now >= f.lastTs + idle;
    }
    return now >= f.lastTs + (f.kind === KIND_UDP ? UDP_INACTIVITY_TIMEOUT : ICMP_INACTIVITY_TIMEOUT);
  }

  /** Emit the idle connections whose timers ran out by `now` (the idle list is oldest first). */
  private sweep(now: number): void {
    const idle = this.idle;
    let f = idle.lruNext!;
    while (f !== idle && now - f.queuedAt >= MIN_IDLE_FOR_SWEEP) {
      const next = f.lruNext!;
      if (now - f.touchedAt < MIN_IDLE_FOR_SWEEP) this.requeue(f);
      else if (this.expired(f, now)) this.remove(f);
      f = next;
    }
  }

  // ---------------------------------------------------------------- output

  private local(address: string, a4: number, a6: Uint8Array | null): boolean {
    if (this.isLocal !== null) return this.isLocal(address);
    return a6 !== null ? isLocalIPv6(a6) : isLocalIPv4(a4);
  }

  private toConnection(f: Flow): Connection {
    const v6 = f.ipVersion === 6;
    let proto: Transport;
    let connState: ConnState;
    let origBytes: number;
    let respBytes: number;
    if (f.kind === KIND_TCP) {
      proto = 'tcp';
      connState = tcpConnState(f);
      origBytes = f.orig.size(f.resp);
      respBytes = f.resp.size(f.orig);
    } else {
      proto = f.kind === KIND_UDP ? 'udp' : 'icmp';
      origBytes = f.orig.payloadBytes;
      respBytes = f.resp.payloadBytes;
      if (f.kind === KIND_UDP) {
        connState = f.orig.active ? (f.resp.active ? 'SF' : 'S0') : (f.resp.active ? 'SHR' : 'OTH');
      } else {
        connState = 'OTH';
      }
    }
    const resets = f.resets ?? [];
    for (let i = 0; i < resets.length; i++) {
      const claimed = f.resetSides?.[i] === 1 ? f.orig : f.resp;
      const r = resets[i]!;
      r.peerTtls = claimed.ttlList();
      r.peerIpIds = claimed.ipIdList();
    }
    const origA6 = v6 ? f.address6(true) : null;
    const respA6 = v6 ? f.address6(false) : null;
    const origH = origA6 !== null ? formatIPv6(origA6) : formatIPv4(f.origA4 >>> 0);
    const respH = respA6 !== null ? formatIPv6(respA6) : formatIPv4(f.respA4 >>> 0);
    return {
      uid: makeUid(f.serial),
      proto,
      ts: f.ts,
      lastTs: f.lastTs,
      origH,
      origP: f.origP,
      respH,
      respP: f.respP,
      service: serviceOf(f),
      duration: f.lastTs > f.ts ? f.lastTs - f.ts : null,
      origBytes,
      respBytes,
      connState,
      localOrig: this.local(origH, f.origA4 >>> 0, origA6),
      localResp: this.local(respH, f.respA4 >>> 0, respA6),
      missedBytes: f.missedBytes,
      history: f.history,
      origPkts: f.orig.pkts,
      origIpBytes: f.orig.ipBytes,
      respPkts: f.resp.pkts,
      respIpBytes: f.resp.ipBytes,
      capture: f.capture,
      synCount: f.synCount,
      origTtl: f.orig.firstTtl,
      respTtl: f.resp.firstTtl,
      handshakeRtt: f.handshakeRtt,
      established: f.established,
      resets,
      http: f.http,
      sni: f.sni,
      dnsQuery: f.dnsQuery,
      dnsAnswers: f.dnsAnswers ?? [],
      requestTimes: f.requestTimes ?? [],
    };
  }
}
