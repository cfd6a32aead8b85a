/**
 * The tracker's per-connection state. One Flow per table entry, two Endpoints per Flow; all
 * fields are numbers or preallocated so that packets of an existing connection allocate nothing.
 * TCP sequence positions are kept relative to the endpoint's initial sequence number (Zeek's
 * TCP_Endpoint start_seq), as plain numbers that may pass 2^32.
 */

import type { DnsAnswer } from '../decode/dns.js';
import type { HttpRequestPeek } from '../decode/http.js';
import type { Packet, PacketLogger } from '../decode/packet.js';
import type { QuicClientInitial, QuicInitialReader } from '../decode/quic.js';
import type { ResetEvidence } from './connection.js';

/** Zeek's TCP endpoint states (analyzer/protocol/tcp/TCP_Endpoint.h). */
export const TCP_INACTIVE = 0;
export const TCP_SYN_SENT = 1;
export const TCP_SYN_ACK_SENT = 2;
export const TCP_PARTIAL = 3;
export const TCP_ESTABLISHED = 4;
export const TCP_CLOSED = 5;
export const TCP_RESET = 6;

/** History bits (Zeek session::detail HIST_*); a responder's bit is shifted left by 16. */
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;

export class Endpoint {
  state = TCP_INACTIVE;
  prevState = TCP_INACTIVE;
  /** Raw 32-bit sequence numbers and their positions relative to startSeq. */
  startSeq = 0;
  lastSeq = 0;
  lastRel = 0;
  /** Highest sequence number of this endpoint's data acknowledged by the peer. */
  ackSeq = 0;
  ackRel = 0;
  finCount = 0;
  rstCount = 0;
  /** Relative sequence just past the FIN. */
  finSeq = 0;
  didClose = false;
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  /** Scaled history counters: the letter is recorded at 1, 10, 100, … occurrences. */
  checksumCount = 0;
  rxmitCount = 0;
  zeroWindowCount = 0;
  gapCount = 0;

  // -- reassembly bookkeeping (relative sequence space, data starts at 1)
  lastReassem = 1;
  trimSeq = 1;
  skipDeliveries = false;
  /** Out-of-order blocks above lastReassem as [seq, upper, seq, upper, …]; null until needed. */
  blocks: number[] | null = null;

  // -- UDP / ICMP
  active = false;
  /** UDP / ICMP payload bytes. */
  payloadBytes = 0;

  // -- conn_size
  pkts = 0;
  ipBytes = 0;

  // -- callhome evidence
  firstTtl = -1;
  /** The hardware address of the side's first packet (link.ts `senderMac`), -1 when its link names none. */
  firstMac = -1;
  lastTs = -1;
  /**
   * Up to four distinct TTLs and the first eight IP IDs, packed in small integers (no
   * per-connection arrays, and a smaller connection to build and to collect): TTL k in bits
   * 8k..8k+7 of `ttls`; IP IDs 2k and 2k+1 in the high and low 16 bits of ipIdsK.
   */
  ttlCount = 0;
  ttls = 0;
  ipIdCount = 0;
  ipIds0 = 0;
  ipIds1 = 0;
  ipIds2 = 0;
  ipIds3 = 0;
  sawPayload = false;

  /** Back to a fresh endpoint's state (every field above, same order), for reuse by a new connection. */
  reset(): void {
    this.state = TCP_INACTIVE;
    this.prevState = TCP_INACTIVE;
    this.startSeq = 0;
    this.lastSeq = 0;
    this.lastRel = 0;
    this.ackSeq = 0;
    this.ackRel = 0;
    this.finCount = 0;
    this.rstCount = 0;
    this.finSeq = 0;
    this.didClose = false;
    this.histLastSyn = 0;
    this.histLastFin = 0;
    this.histLastRst = 0;
    this.checksumCount = 0;
    this.rxmitCount = 0;
    this.zeroWindowCount = 0;
    this.gapCount = 0;
    this.lastReassem = 1;
    this.trimSeq = 1;
    this.skipDeliveries = false;
    this.blocks = null;
    this.active = false;
    this.payloadBytes = 0;
    this.pkts = 0;
    this.ipBytes = 0;
    this.firstTtl = -1;
    this.firstMac = -1;
    this.lastTs = -1;
    this.ttlCount = 0;
    this.ttls = 0;
    this.ipIdCount = 0;
    this.ipIds0 = 0;
    this.ipIds1 = 0;
    this.ipIds2 = 0;
    this.ipIds3 = 0;
    this.sawPayload = false;
  }

  /** Set start, ack and last sequence numbers at once (Zeek's InitStartSeq/InitAckSeq/InitLastSeq). */
  initSeqs(start: number, ack: number, last: number): void {
    this.startSeq = start | 0;
    this.ackSeq = ack | 0;
    this.ackRel = (ack - start) | 0;
    this.lastSeq = last | 0;
    this.lastRel = (last - start) | 0;
  }

  updateLastSeq(seq: number): void {
    this.lastRel += (seq - this.lastSeq) | 0;
    this.lastSeq = seq | 0;
  }

  updateAckSeq(seq: number): void {
    this.ackRel += (seq - this.ackSeq) | 0;
    this.ackSeq = seq | 0;
  }

  /** Relative position of a raw sequence number near lastSeq. */
  relSeq(seq: number): number {
    return this.lastRel + ((seq - this.lastSeq) | 0);
  }

  /** Relative position of a raw acknowledgment number near ackSeq. */
  relAck(seq: number): number {
    return this.ackRel + ((seq - this.ackSeq) | 0);
  }

  /** Zeek's NoDataAcked(): nothing beyond the SYN acknowledged. */
  noDataAcked(): boolean {
    return this.ackRel === 0 || this.ackRel === 1;
  }

  /** Bytes sent, from sequence numbers (Zeek's TCP_Endpoint::Size). */
  size(peer: Endpoint): number {
    if (this.prevState === TCP_SYN_SENT && this.state === TCP_RESET && peer.state === TCP_INACTIVE && !this.noDataAcked()) {
      // A half-open connection discovered and aborted: its sequence numbers say nothing.
      return 0;
    }
    let size = this.lastRel > this.ackRel ? this.lastRel : this.ackRel;
    if (size < 0) size = 0;
    if (size !== 0) size--; // the SYN octet
    if (this.finCount > 0 && size !== 0) size--; // the FIN octet
    return size;
  }

  /** The k-th TTL seen (k < ttlCount). */
  private ttlAt(k: number): number {
    return (this.ttls >>> (8 * k)) & 0xff;
  }

  noteSample(ttl: number, ipId: number): void {
    const n = this.ttlCount;
    if (this.ipIdCount >= 8 && n > 0 && ttl === (this.ttls & 0xff)) return; // the common case once the samples are full
    if (n < 4) {
      let seen = false;
      for (let k = 0; k < n; k++) if (this.ttlAt(k) === ttl) seen = true;
      if (!seen) {
        this.ttls |= (ttl & 0xff) << (8 * n);
        this.ttlCount = n + 1;
      }
    }
    if (ipId >= 0 && this.ipIdCount < 8) {
      const k = this.ipIdCount++;
      const id = ipId & 0xffff;
      switch (k >> 1) {
        case 0:
          this.ipIds0 = k & 1 ? this.ipIds0 | id : id << 16;
          break;
        case 1:
          this.ipIds1 = k & 1 ? this.ipIds1 | id : id << 16;
          break;
        case 2:
          this.ipIds2 = k & 1 ? this.ipIds2 | id : id << 16;
          break;
        default:
          this.ipIds3 = k & 1 ? this.ipIds3 | id : id << 16;
          break;
      }
    }
  }

  /** The distinct TTLs seen (reset packets excluded). */
  ttlList(): number[] {
    const n = this.ttlCount;
    const list = new Array<number>(n);
    for (let k = 0; k < n; k++) list[k] = this.ttlAt(k);
    return list;
  }

  /** The first IP IDs seen (reset packets excluded). */
  ipIdList(): number[] {
    const n = this.ipIdCount;
    const list = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const pair = k >> 1 === 0 ? this.ipIds0 : k >> 1 === 1 ? this.ipIds1 : k >> 1 === 2 ? this.ipIds2 : this.ipIds3;
      list[k] = k & 1 ? pair & 0xffff : pair >>> 16;
    }
    return list;
  }
}

/** Flow.logged: a logged opening packet the firewall let through, one it blocked (logger's words, decode/packet.ts LOG_*). */
export const LOGGED_PASS = 1;
export const LOGGED_BLOCK = 2;

/** Flow.logged of a packet's logAction (decode/packet.ts: LOG_PASS 0, LOG_BLOCK 1, LOG_NONE -1). */
export const loggedOf = (logAction: number): number => (logAction === 0 ? LOGGED_PASS : logAction === 1 ? LOGGED_BLOCK : 0);

/** An opening packet of the originator's: what its logger said the firewall did with it, and which logger. */
export function noteLogged(flow: Flow, p: Packet): void {
  const logged = loggedOf(p.logAction);
  if (logged === 0) return;
  flow.logged |= logged;
  flow.logger = p.logger;
}

/** A connection's IPv6 addresses as 32-bit words, originator's first. */
export class Addresses6 {
  o0 = 0;
  o1 = 0;
  o2 = 0;
  o3 = 0;
  r0 = 0;
  r1 = 0;
  r2 = 0;
  r3 = 0;
}

export const KIND_TCP = 0;
export const KIND_UDP = 1;
export const KIND_ICMP = 2;

export class Flow {
  // -- table links
  hash = 0;
  lruPrev: Flow | null = null;
  lruNext: Flow | null = null;
  inTable = false;
  /** Tracker clock at this connection's latest packet. */
  touchedAt = 0;
  /** Tracker clock when the connection was put at the idle list's tail (orders the list). */
  queuedAt = 0;
  /** Place in the idle list: how many connections were put at its tail before (table.ts). */
  queueSeq = 0;
  /** In the idle list's parked run: swept once, not over, and not asked again until woken (table.ts). */
  parked = false;
  /** A packet came for it while parked. */
  woken = false;
  /** Its latest entry in the table's wake-up heap; older entries are stale. */
  wakeTicket = 0;
  /** The sweep that last took it up, so that one sweep visits it once. */
  sweepMark = 0;

  // -- identity (originator first)
  kind = KIND_TCP;
  ipProto = 6;
  ipVersion: 4 | 6 = 4;
  /**
   * IPv4 addresses as signed 32-bit words (`>>> 0` gives the address): small integers, kept in
   * the object, where an address from 128.0.0.0 up would be a separate boxed number.
   */
  origA4 = 0;
  respA4 = 0;
  /**
   * IPv6 addresses (when ipVersion is 6), as four 32-bit words each in an object of their own,
   * made for the first IPv6 connection this Flow holds and kept when it is recycled: most
   * connections are IPv4, and eight fields more on every connection cost the collector.
   */
  a6: Addresses6 | null = null;
  origP = 0;
  respP = 0;
  /** One-way ICMP messages match in their own direction only. */
  oneWay = false;

  serial = 0;
  capture = 0;
  /** The UDP tunnel connections its packets came in, as (capture, serial) pairs; null when none. */
  tunnelParents: number[] | null = null;
  ts = 0;
  /** Zeek's Connection::LastTime. */
  lastTs = 0;
  history = '';
  histSeen = 0;

  orig = new Endpoint();
  resp = new Endpoint();

  // -- TCP session adapter state
  isActive = true;
  isPartial = false;
  /** Bit 1: originator's first packet seen; bit 2: responder's. */
  firstPacketSeen = 0;
  handshakeDone = false;
  attemptAt = Infinity;
  deleteAt = Infinity;
  /** Start of the extra expiry-check chain added when one side closed (−1 none). */
  closeCheckFrom = -1;
  missedBytes = 0;

  // -- callhome
  /**
   * What a packet logger said the firewall did with the originator's opening packets (pf's pflog,
   * an NFLOG rule's prefix): LOGGED_PASS and LOGGED_BLOCK bits, 0 for a capture of the wire.
   */
  logged = 0;
  /** The logger that said it (the name its denials are given); '' while `logged` is 0. */
  logger: PacketLogger = '';
  synCount = 0;
  firstSynTs = -1;
  /** The originator's first SYN's sequence number (its initial sequence number), -1 before one. */
  firstSynSeq = -1;
  handshakeRtt: number | null = null;
  established = false;
  sawFin = false;
  resets: ResetEvidence[] | null = null;
  /** Which side each reset claims to come from: 1 originator, 2 responder. */
  resetSides: number[] | null = null;
  /** Sides with a reset not yet followed by another packet from them. */
  openResetSides = 0;
  /** 'dns' once a DNS message parsed; other services come from the guesses below. */
  service: string | null = null;
  /** What each side's first payload looks like (decode's guessService). */
  origGuess: string | null = null;
  respGuess: string | null = null;
  http: HttpRequestPeek | null = null;
  sni: string | null = null;
  dnsQuery: string | null = null;
  /** DNS: the names of the originator's queries, in order (the first DNS_NAMES_KEPT), and how many it sent. */
  dnsNames: string[] | null = null;
  dnsQueries = 0;
  dnsAnswers: DnsAnswer[] | null = null;
  requestTimes: number[] | null = null;
  /** TCP: what each request in requestTimes asked for (request-keys.ts), in step with them. */
  requestKeys: number[] | null = null;
  /** The originator's relative sequence number where the request being sized began; -1 when none is (peeks.ts). */
  requestSeq = -1;
  awaitingRequest = true;
  origPeeked = false;
  respPeeked = false;
  /** QUIC: what the client's Initial packets said, once one arrived. */
  quic: QuicClientInitial | null = null;
  /** QUIC: the reader of the client's Initials while the ClientHello is still being read. */
  quicReader: QuicInitialReader | null = null;
  /** QUIC: originator datagrams read; -1 when the first was no QUIC long-header packet. */
  quicClientPeeks = 0;
  /** QUIC: responder datagrams looked at for a QUIC answer. */
  quicServerPeeks = 0;
  /** QUIC: a responder's long-header packet was addressed to the client's connection ID. */
  quicAnswered = false;

  constructor() {
    // Every field written twice on the first construction: V8 then treats the fields as mutable
    // from the start, instead of when the first connection is recycled — which made it discard
    // the optimised code of everything that reads a Flow (some twenty functions) mid-capture.
    this.reset();
  }

  /**
   * Back to a fresh connection's state (every field above, same order), keeping the endpoint
   * objects: a recycled Flow costs the collector nothing. Arrays handed out in a Connection are
   * dropped, not cleared.
   */
  reset(): void {
    this.hash = 0;
    this.lruPrev = null;
    this.lruNext = null;
    this.inTable = false;
    this.touchedAt = 0;
    this.queuedAt = 0;
    this.queueSeq = 0;
    this.parked = false;
    this.woken = false;
    this.wakeTicket = 0;
    this.sweepMark = 0;
    this.kind = KIND_TCP;
    this.ipProto = 6;
    this.ipVersion = 4;
    this.origA4 = 0;
    this.respA4 = 0;
    this.origP = 0;
    this.respP = 0;
    this.oneWay = false;
    this.serial = 0;
    this.capture = 0;
    this.tunnelParents = null;
    this.ts = 0;
    this.lastTs = 0;
    this.history = '';
    this.histSeen = 0;
    this.isActive = true;
    this.isPartial = false;
    this.firstPacketSeen = 0;
    this.handshakeDone = false;
    this.attemptAt = Infinity;
    this.deleteAt = Infinity;
    this.closeCheckFrom = -1;
    this.missedBytes = 0;
    this.logged = 0;
    this.logger = '';
    this.synCount = 0;
    this.firstSynTs = -1;
    this.firstSynSeq = -1;
    this.handshakeRtt = null;
    this.established = false;
    this.sawFin = false;
    this.resets = null;
    this.resetSides = null;
    this.openResetSides = 0;
    this.service = null;
    this.origGuess = null;
    this.respGuess = null;
    this.http = null;
    this.sni = null;
    this.dnsQuery = null;
    this.dnsNames = null;
    this.dnsQueries = 0;
    this.dnsAnswers = null;
    this.requestTimes = null;
    this.requestKeys = null;
    this.requestSeq = -1;
    this.awaitingRequest = true;
    this.origPeeked = false;
    this.respPeeked = false;
    this.quic = null;
    this.quicReader = null;
    this.quicClientPeeks = 0;
    this.quicServerPeeks = 0;
    this.quicAnswered = false;
    this.orig.reset();
    this.resp.reset();
  }

  /** Store both IPv6 addresses (16-byte arrays). */
  setAddresses6(orig: Uint8Array, resp: Uint8Array): void {
    const a = this.a6 ?? (this.a6 = new Addresses6());
    a.o0 = word(orig, 0);
    a.o1 = word(orig, 4);
    a.o2 = word(orig, 8);
    a.o3 = word(orig, 12);
    a.r0 = word(resp, 0);
    a.r1 = word(resp, 4);
    a.r2 = word(resp, 8);
    a.r3 = word(resp, 12);
  }

  /** Is `a` (16 bytes) the originator's IPv6 address? */
  isOrig6(a: Uint8Array): boolean {
    const w = this.a6;
    return (
      this.ipVersion === 6 &&
      w !== null &&
      a.length >= 16 &&
      word(a, 0) === w.o0 &&
      word(a, 4) === w.o1 &&
      word(a, 8) === w.o2 &&
      word(a, 12) === w.o3
    );
  }

  /** Is `a` (16 bytes) the responder's IPv6 address? */
  isResp6(a: Uint8Array): boolean {
    const w = this.a6;
    return (
      this.ipVersion === 6 &&
      w !== null &&
      a.length >= 16 &&
      word(a, 0) === w.r0 &&
      word(a, 4) === w.r1 &&
      word(a, 8) === w.r2 &&
      word(a, 12) === w.r3
    );
  }

  /** The originator's or responder's IPv6 address as 16 bytes (for output). */
  address6(orig: boolean): Uint8Array {
    const out = new Uint8Array(16);
    const w = this.a6;
    if (w === null) return out;
    const words = orig ? [w.o0, w.o1, w.o2, w.o3] : [w.r0, w.r1, w.r2, w.r3];
    for (let i = 0; i < 4; i++) {
      out[i * 4] = words[i]! >>> 24;
      out[i * 4 + 1] = (words[i]! >>> 16) & 0xff;
      out[i * 4 + 2] = (words[i]! >>> 8) & 0xff;
      out[i * 4 + 3] = words[i]! & 0xff;
    }
    return out;
  }

  isOrigEndpoint(e: Endpoint): boolean {
    return e === this.orig;
  }

  /** Record a history letter once per connection and direction (Zeek's CheckHistory). */
  checkHistory(mask: number, code: string, fromOrig: boolean): boolean {
    if (!fromOrig) mask <<= 16;
    if ((this.histSeen & mask) === 0) {
      this.histSeen |= mask;
      this.history += fromOrig ? code : code.toLowerCase();
      return false;
    }
    return true;
  }

  addHistory(code: string, fromOrig: boolean): void {
    this.history += fromOrig ? code : code.toLowerCase();
  }

  /** Swap originator and responder (Zeek's Connection::FlipRoles), marking the history with '^'. */
  flip(): void {
    const e = this.orig;
    this.orig = this.resp;
    this.resp = e;
    const a4 = this.origA4;
    this.origA4 = this.respA4;
    this.respA4 = a4;
    const a = this.a6;
    if (a !== null) {
      let w = a.o0;
      a.o0 = a.r0;
      a.r0 = w;
      w = a.o1;
      a.o1 = a.r1;
      a.r1 = w;
      w = a.o2;
      a.o2 = a.r2;
      a.r2 = w;
      w = a.o3;
      a.o3 = a.r3;
      a.r3 = w;
    }
    const port = this.origP;
    this.origP = this.respP;
    this.respP = port;
    let swapped = '^';
    for (let i = 0; i < this.history.length; i++) {
      const c = this.history[i]!;
      const lower = c.toLowerCase();
      swapped += c === lower ? c.toUpperCase() : lower;
    }
    this.history = swapped;
    this.histSeen = (((this.histSeen & 0xffff) << 16) | (this.histSeen >>> 16)) >>> 0;
    this.firstPacketSeen = ((this.firstPacketSeen & 1) << 1) | ((this.firstPacketSeen & 2) >> 1);
    this.isPartial = false;
  }
}

/** Four bytes of an address as a signed 32-bit word (kept as a small integer by V8). */
function word(a: Uint8Array, i: number): number {
  return (a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!;
}

/** Is `n` 1, 10, 100, …? */
function isScaleStep(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}

/** Zeek's Connection::ScaledHistoryEntry: the letter at 1, 10, 100, … occurrences. */
export function scaledHistory(
  flow: Flow,
  code: string,
  fromOrig: boolean,
  e: Endpoint,
  which: 'checksum' | 'rxmit' | 'zeroWindow' | 'gap',
): void {
  let count: number;
  switch (which) {
    case 'checksum':
      count = ++e.checksumCount;
      break;
    case 'rxmit':
      count = ++e.rxmitCount;
      break;
    case 'zeroWindow':
      count = ++e.zeroWindowCount;
      break;
    case 'gap':
      count = ++e.gapCount;
      break;
  }
  if (isScaleStep(count)) flow.addHistory(code, fromOrig);
}
