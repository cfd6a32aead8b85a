/**
 * Counting: what judging a host needs from its attempts, in one pass (a host may have millions) —
 * the direct attempts at the Internet's web ports (QUIC and UDP 443 too) and how many something in
 * the path stopped, who refused them, attempts per target — and the two detectors that read those
 * counts: a flood (many attempts at one address:port, fast) and a scan (many ports or many
 * addresses, mostly failing).
 */
import { isLoopback, netblockOf, type CidrSet } from './cidr.js';
import { respV4 } from '../flows/store.js';
import { keyAddress, type AddressKey } from './address-key.js';
import { resetTimed, type Connection } from '../flows/connection.js';
import { blockedOutcome, deniedInLog, middleboxOutcome, refusedSomething, type Items } from './outcomes.js';
import type { AttributedReset } from './attribution.js';
import { sequentialPorts } from './schedule.js';
import { count, duration, endpoint, plural, rate, share } from '../quantities.js';
import type { ResetAttribution, ResetSource } from './types.js';
import { isWebAttempt } from './udp.js';
import { SCAN_PORTS } from './scanned.js';
import type { Guessing } from './guessing.js';

/**
 * Scan: SCAN_PORTS ports on one address (scanned.ts), or this many new addresses on one port,
 * most of them (this share of the ports or addresses, each judged by whether any of its attempts
 * was answered) failing: a scanner that tries one port again and again does not make its other
 * ports answer.
 */
const SCAN_ADDRESSES = 50;
const SCAN_FAILING = 0.6;
/**
 * A scan of addresses tries each this many times at most, on average: a scanner's own retries
 * (malware sweeping a network sends each address a few datagrams) — not software going back to
 * the same servers again and again.
 */
const SCAN_TRIES = 5;
/**
 * A scan of addresses probes SCAN_ADDRESSES new ones within this many seconds somewhere in its
 * span: one every 12 s or faster (nmap's "polite" timing probes one every 0.4 s; only its two
 * slowest, "sneaky" and "paranoid", made to slip past detection, wait longer). Software that tries
 * a new address every minute or so all day — a browser or an updater turned away at the edge, as
 * a firewall's deny log shows it — is not scanning, however many addresses it meets.
 */
const SCAN_WINDOW_SECONDS = 600;
/** Flood: this many attempts at one address:port, at this rate or more. */
export const FLOOD_ATTEMPTS = 100;
export const FLOOD_RATE = 10;
/**
 * …of which more than this share did not complete (refused, never answered, or cut off by the
 * end of the capture): a flood's target cannot keep up, or was never meant to answer its spoofed
 * sources. A burst of connections that are answered and carry data — a load test, a busy client
 * of a local service — is no DDoS.
 */
export const FLOOD_FAILING = 0.5;
/**
 * UDP ports of protocols that report one way and are never answered — syslog (514), SNMP traps
 * (162), NetFlow (2055, 9995, 9996), IPFIX (4739), sFlow (6343), statsd (8125), GELF (12201),
 * collectd (25826): a device exporting its logs or flows to a collector sends hundreds a second,
 * unanswered by design; that is no flood.
 */
export const ONE_WAY_UDP_PORTS = new Set([162, 514, 2055, 4739, 6343, 8125, 9995, 9996, 12201, 25826]);
/** UDP datagrams count towards a flood when fewer than one in this many is answered. */
const UDP_ANSWER_RATIO = 10;
/** UDP ports are kept apart from TCP ports in the per-target counts: the key has this bit set. */
export const UDP_KEY = 0x10000;
/** The per-target key of pings (ICMP echo requests), whatever their code. */
const ICMP_ECHO_KEY = 0x20000;

/**
 * A responder address as a key of the counts: an IPv4 address as its 32-bit value made signed (a
 * number the engine keeps unboxed, where a text or a number past 2^31 is made anew at every
 * lookup — a firewall log's host meets hundreds of thousands), an IPv6 address as its text.
 */

function respKey(c: Connection): AddressKey {
  const n4 = respV4(c);
  return n4 >= 0 ? n4 | 0 : c.respH;
}

/** The /24 (IPv4, as a number) or /48 (IPv6, as text) of a respKey: only how many there are is told. */
const blockKey = (key: AddressKey): AddressKey => (typeof key === 'number' ? key >> 8 : netblockOf(key));

/** A respKey as the address's text. */

/** The per-target key of a connection's destination port: TCP 53 and UDP 53 are two targets. */
export function targetKey(c: { proto: string; respP: number }): number {
  return c.proto === 'udp' ? c.respP | UDP_KEY : c.proto === 'icmp' ? ICMP_ECHO_KEY : c.respP;
}

/** A target key in words: "443" for TCP, "53/udp". */
function keyWords(key: number): string {
  return key & UDP_KEY ? `${key & 0xffff}/udp` : String(key);
}

/** "on port 445", "on port 53/udp", "by ping (ICMP echo)": how a scan reached its addresses. */
function byWords(key: number): string {
  return key === ICMP_ECHO_KEY ? 'by ping (ICMP echo)' : `on port ${keyWords(key)}`;
}

export interface TargetStats {
  n: number;
  attempts: number;
  first: number;
  last: number;
  ports: number[];
  failed: number;
}

/**
 * An address's targets by port key: the first in fields of its own, a Map made at the second
 * (most addresses a host meets see one port, and a firewall log's host meets hundreds of thousands).
 */
class PortTargets {
  private firstKey = -1;
  private first: TargetStats | undefined = undefined;
  private more: Map<number, TargetStats> | null = null;

  get size(): number {
    return this.more !== null ? this.more.size : this.first === undefined ? 0 : 1;
  }

  get(key: number): TargetStats | undefined {
    if (this.more !== null) return this.more.get(key);
    return key === this.firstKey ? this.first : undefined;
  }

  set(key: number, t: TargetStats): void {
    if (this.more !== null) this.more.set(key, t);
    else if (this.first === undefined || key === this.firstKey) {
      this.firstKey = key;
      this.first = t;
    } else
      this.more = new Map([
        [this.firstKey, this.first],
        [key, t],
      ]);
  }

  /** Each key and its targets, in the order the keys were first set (nothing made for an address of one port). */
  forEach(visit: (t: TargetStats, key: number) => void): void {
    if (this.more !== null) this.more.forEach(visit);
    else if (this.first !== undefined) visit(this.first, this.firstKey);
  }
}

/** Attempts at one address: per port (floods) and over all ports (port scans). */
interface AddressStats {
  ports: PortTargets;
  n: number;
  failed: number;
  first: number;
  last: number;
}

export interface RefusalStats {
  n: number;
  ttl: number;
  kind: ResetSource['kind'];
  attribution: ResetAttribution;
  delays: number[];
  /** The evidence of the host's first such refusal: of an address it tried, not the reset source's example. */
  evidence: string;
  /**
   * Of `n`, the resets that came right after the client's TLS ClientHello or HTTP request named
   * the site, the server having sent nothing yet (namedBy): the handshake with it completed, and
   * a device cut the connection on the name asked for — SNI or URL filtering, not a port's block.
   */
  afterName: number;
  /** The first name such a reset followed, and what named it. */
  name: { text: string; by: 'sni' | 'http' } | null;
}

/** What named the site, in words: the message that named it, and the filter that reads it. */
export function namingWords(by: 'sni' | 'http'): { message: string; filter: string } {
  return by === 'sni' ? { message: 'TLS ClientHello', filter: 'SNI filtering' } : { message: 'HTTP request', filter: 'URL filtering' };
}

/**
 * What named the site for a device that turned the host away on the name it asked for — a
 * middlebox whose resets came, most of them, right after the name (RefusalStats.afterName) — or
 * null when the refusal `r` was no filter by name.
 */
export function filteredOnName(r: RefusalStats | null): 'sni' | 'http' | null {
  return r !== null && r.attribution === 'middlebox' && r.name !== null && 2 * r.afterName >= r.n ? r.name.by : null;
}

/**
 * What named the site a reset followed at once (RefusalStats.afterName): the client's TLS
 * ClientHello (SNI) or HTTP request (Host), answered by no data of the server's before the reset.
 */
export function namedBy(refusal: AttributedReset, c: Connection): { text: string; by: 'sni' | 'http' } | null {
  const r = refusal.reset;
  if (r.kind !== 'rst' || r.stage !== 'data' || r.fromOriginator || c.respBytes > 0) return null;
  if (c.sni !== null) return { text: c.sni, by: 'sni' };
  const host = c.http?.host ?? null;
  return host !== null && host !== '' ? { text: host, by: 'http' } : null;
}

interface PortStats {
  /** Addresses attempted on the port (up to MAX_PORT_ADDRESSES). */
  addresses: number;
  n: number;
  failed: number;
  first: number;
  last: number;
  /** When each of the latest SCAN_ADDRESSES new addresses was first probed (a ring once full). */
  newAt: number[];
  /** The shortest time in which SCAN_ADDRESSES new addresses were probed (Infinity: fewer). */
  fastest: number;
}

export interface Tally {
  /** Positions in `items` of the attempts, the direct web attempts, the proxied connections. */
  attempts: number[];
  direct: number[];
  proxied: number[];
  directBlocked: number;
  directMiddlebox: number;
  /** Of those, the attempts the device turned away (refusedSomething): not a reset after a connection had closed. */
  directRefusedInPath: number;
  /** Of directMiddlebox, those only a firewall's log tells of (its denied lines, DestinationGroup.denied). */
  directDenied: number;
  directEstablished: number;
  /** Direct web attempts over UDP (QUIC, HTTP/3), and how many of them got an answer. */
  directUdp: number;
  directUdpAnswered: number;
  /**
   * Per address: its counts, or — while the host has met it once — the position of that one
   * attempt, counted when a second comes (`statsAt`): a firewall log's host meets most of its
   * thousands of addresses once, and four objects an address was most of what counting made.
   */
  byAddress: Map<AddressKey, AddressStats | number>;
  /** The items counted, which positions in `byAddress` are of. */
  items: Items;
  addressesByPort: Map<number, PortStats>;
  /** Refusals of direct attempts by attribution, TTL and kind. */
  refusalOf: Map<number, RefusalStats>;
  /**
   * Refusals of the attempts at other ports of addresses outside the internal networks, likewise:
   * a scan's or a flood's, which are not web attempts and are turned away all the same.
   */
  otherRefusalOf: Map<number, RefusalStats>;
  /** The attempts at addresses outside the internal networks, not through a proxy: web ports or not. */
  outside: number;
  /** Where the direct attempts went, once worded (directSpread). */
  spread: DirectSpread | null;
}

const ATTRIBUTION_INDEX = { middlebox: 0, endpoint: 1, unknown: 2 } as const;

/** Where a host's direct attempts went: addresses, their /24s (IPv6: the addresses) and ports. */
export interface DirectSpread {
  addresses: number;
  netblocks: number;
  ports: number[];
}

/**
 * Where the direct attempts of `tally` went, counted when a label or verdict first words it: most
 * hosts of a network are only counted, and never are.
 */
export function directSpread(tally: Tally): DirectSpread {
  return (tally.spread ??= spreadOf(tally));
}

function spreadOf(tally: Tally): DirectSpread {
  if (tally.direct.length === tally.attempts.length) return spreadOfAll(tally);
  const addresses = new Set<AddressKey>();
  const netblocks = new Set<AddressKey>();
  const ports = new Set<number>();
  for (const i of tally.direct) {
    const c = tally.items.conn.peek(i);
    const resp = respKey(c);
    addresses.add(resp);
    netblocks.add(blockKey(resp));
    ports.add(c.respP);
  }
  return { addresses: addresses.size, netblocks: netblocks.size, ports: [...ports].sort((a, b) => a - b) };
}

/**
 * spreadOf where every attempt is direct (a firewall log's hosts, each denied wherever it goes):
 * read from the counts per address and per port, not from the attempts again — thousands each,
 * lying among every other host's.
 */
function spreadOfAll(tally: Tally): DirectSpread {
  const netblocks = new Set<AddressKey>();
  for (const resp of tally.byAddress.keys()) netblocks.add(blockKey(resp));
  const ports = new Set<number>();
  for (const key of tally.addressesByPort.keys()) ports.add(key & 0xffff);
  return { addresses: tally.byAddress.size, netblocks: netblocks.size, ports: [...ports].sort((a, b) => a - b) };
}

/** Count every item of a host. */
export function tallyItems(items: Items, internal: CidrSet, webPorts: readonly number[]): Tally {
  const tally: Tally = {
    attempts: [],
    direct: [],
    proxied: [],
    directBlocked: 0,
    directMiddlebox: 0,
    directRefusedInPath: 0,
    directDenied: 0,
    directEstablished: 0,
    directUdp: 0,
    directUdpAnswered: 0,
    byAddress: new Map(),
    items,
    addressesByPort: new Map(),
    refusalOf: new Map(),
    otherRefusalOf: new Map(),
    outside: 0,
    spread: null,
  };
  let probe = 0;
  for (let i = 0; i < items.n; i++) {
    tallyItem(tally, items, i, internal, webPorts);
    if (items.probes[probe] === i) countProbe(tally, items, items.probes[probe++]!);
  }
  return tally;
}

/**
 * Count one item: direct attempts at the Internet's web ports and how many of them something in
 * the path stopped, per-target counts for scans and floods, and who refused the direct attempts.
 */
function tallyItem(tally: Tally, items: Items, i: number, internal: CidrSet, webPorts: readonly number[]): void {
  if (items.viaProxy[i] === 1) tally.proxied.push(i);
  if (items.attempt[i] === 0) return;
  tally.attempts.push(i);
  // Read and let go: nothing below keeps it, and only the last step moves the view.
  const c = items.conn.peek(i);
  const outcome = items.outcome[i]!;
  const refusal = items.refusal[i];
  const failed = outcome !== 'established';
  const resp = respKey(c);
  const outside = items.viaProxy[i] === 0 && !internal.hasResp(c);
  if (outside) tally.outside++;
  if (outside && isWebAttempt(c, webPorts)) {
    tally.direct.push(i);
    if (c.proto === 'udp') {
      tally.directUdp++;
      if (!failed) tally.directUdpAnswered++;
    }
    if (blockedOutcome(outcome, refusal, c)) tally.directBlocked++;
    if (middleboxOutcome(outcome, refusal)) {
      tally.directMiddlebox++;
      if (refusal !== undefined && refusedSomething(refusal)) tally.directRefusedInPath++;
      if (deniedInLog(refusal)) tally.directDenied++;
    }
    if (!failed) tally.directEstablished++;
    // A reset that ended a connection after its handshake, or came after it, refused nothing.
    if (refusal !== undefined && failed && refusedSomething(refusal)) countRefusal(tally.refusalOf, refusal, c);
  } else if (outside && refusal !== undefined && failed && refusedSomething(refusal)) countRefusal(tally.otherRefusalOf, refusal, c);
  const key = targetKey(c);
  const ts = c.ts;
  let ap = tally.addressesByPort.get(key);
  if (ap === undefined) {
    ap = { addresses: 0, n: 0, failed: 0, first: ts, last: ts, newAt: [], fastest: Number.POSITIVE_INFINITY };
    tally.addressesByPort.set(key, ap);
  }
  const counted = tally.byAddress.get(resp);
  let pa: AddressStats | null = null;
  if (counted === undefined) tally.byAddress.set(resp, i);
  else if (typeof counted !== 'number') countAt((pa = counted), c, key, failed);
  else {
    // The address's first attempt counted now; that moves the view, so this one is read again.
    pa = statsAt(items, counted);
    tally.byAddress.set(resp, pa);
    countAt(pa, items.conn.peek(i), key, failed);
  }
  // New on this port: the host's first attempt at the address, or its first at it on this port.
  const fresh = pa === null || pa.ports.get(key)!.attempts === 1;
  if (fresh && ap.addresses < MAX_PORT_ADDRESSES) newAddress(ap, ap.addresses++, ts);
  ap.n++;
  if (failed) ap.failed++;
  ap.last = ts;
}

/**
 * Count item `i`, a probe without a SYN (`Items.probes`), as a failed attempt at its address's
 * port and nowhere else: twenty ports of one address probed so are a scan of ports like any
 * other, but a probe sends no SYN for a flood, and is no new address for a sweep (a stray ACK of
 * a connection a firewall forgot goes to many servers' one port).
 */
function countProbe(tally: Tally, items: Items, i: number): void {
  const c = items.conn.peek(i);
  const resp = respKey(c);
  const counted = tally.byAddress.get(resp);
  let pa: AddressStats;
  if (counted === undefined || typeof counted === 'number') {
    // (The address's one attempt counted first: that moves the view, so the probe is read again.)
    pa = counted === undefined ? { ports: new PortTargets(), n: 0, failed: 0, first: c.ts, last: c.ts } : statsAt(items, counted);
    tally.byAddress.set(resp, pa);
  } else pa = counted;
  const p = items.conn.peek(i);
  countAt(pa, p, targetKey(p), true, 0);
}

/** An address's counts made from its one attempt so far, item `i`. */
function statsAt(items: Items, i: number): AddressStats {
  const c = items.conn.peek(i);
  const pa: AddressStats = { ports: new PortTargets(), n: 0, failed: 0, first: c.ts, last: c.ts };
  countAt(pa, c, targetKey(c), items.outcome[i] !== 'established');
  return pa;
}

/** An address's counts, made from its one attempt when that is all it had (`byAddress`). */
function addressStats(tally: Tally, entry: AddressStats | number): AddressStats {
  return typeof entry === 'number' ? statsAt(tally.items, entry) : entry;
}

/** A UDP flow's datagrams go mostly unanswered (an HTTP/3 download is answered all the way). */
export const oneWay = (c: Connection): boolean => c.respPkts * UDP_ANSWER_RATIO < c.origPkts;

/** SYNs (or one-way datagrams) an attempt counts towards a flood. */
export function floodCount(c: Connection): number {
  // A tool that reuses one source port shows as one connection with many.
  if (c.proto === 'udp') return oneWay(c) ? Math.max(1, c.origPkts) : 1;
  return Math.max(1, c.synCount);
}

/** Addresses a port's count goes up to. */
const MAX_PORT_ADDRESSES = 1_000_000;

/** One attempt at an address counted: per port (`key`) and over all its ports; `syns` towards a flood. */
function countAt(pa: AddressStats, c: Connection, key: number, failed: boolean, syns = floodCount(c)): void {
  let t = pa.ports.get(key);
  if (t === undefined) pa.ports.set(key, (t = targetOf(c)));
  countTarget(t, c, failed, syns);
  pa.n++;
  if (failed) pa.failed++;
  pa.last = c.ts;
}

/** A target's counts, before its first attempt `c` is counted. */
function targetOf(c: Connection): TargetStats {
  // A list of one made as one: an empty list's first push makes room for seventeen, and a
  // firewall log's host meets most of its targets once.
  return { n: 0, attempts: 0, first: c.ts, last: c.ts, ports: [c.origP], failed: 0 };
}

/** One attempt at a target counted: its SYNs or datagrams, their span, its source port. */
function countTarget(t: TargetStats, c: Connection, failed: boolean, syns = floodCount(c)): void {
  if (t.attempts > 0 && t.ports.length < 500) t.ports.push(c.origP);
  t.n += syns;
  if (c.proto === 'udp') {
    if (oneWay(c) && c.lastTs > t.last) t.last = c.lastTs;
  } else if (c.synCount > 1 && c.lastTs > t.last) {
    // Its SYNs count until its last one: the rate is of SYNs over the time they were sent in.
    t.last = c.lastTs;
  }
  t.attempts++;
  if (c.ts > t.last) t.last = c.ts;
  if (c.ts < t.first) t.first = c.ts;
  if (failed) t.failed++;
}

/**
 * The `seen`-th new address on a port (from 0), first probed at `ts` (items come in order of
 * start): the shortest time SCAN_ADDRESSES new addresses took so far.
 */
function newAddress(ap: PortStats, seen: number, ts: number): void {
  const at = ap.newAt;
  if (seen < SCAN_ADDRESSES) {
    at.push(ts);
    if (seen === SCAN_ADDRESSES - 1) ap.fastest = ts - at[0]!;
    return;
  }
  // A ring of the latest SCAN_ADDRESSES times: this one replaces the oldest, the next slot holds
  // the first of the SCAN_ADDRESSES that end here.
  const slot = seen % SCAN_ADDRESSES;
  at[slot] = ts;
  const span = ts - at[(slot + 1) % SCAN_ADDRESSES]!;
  if (span < ap.fastest) ap.fastest = span;
}

/** One refusal counted by its attribution, TTL and kind. */
function countRefusal(of: Map<number, RefusalStats>, refusal: AttributedReset, c: Connection): void {
  const r = refusal.reset;
  const k = ATTRIBUTION_INDEX[refusal.attribution] * 1024 + r.ttl * 2 + (r.kind === 'icmp' ? 1 : 0);
  let s = of.get(k);
  if (s === undefined) {
    s = {
      n: 0,
      ttl: r.ttl,
      kind: r.kind,
      attribution: refusal.attribution,
      delays: [],
      evidence: refusal.evidence,
      afterName: 0,
      name: null,
    };
    of.set(k, s);
  }
  s.n++;
  const named = namedBy(refusal, c);
  if (named !== null) {
    s.afterName++;
    s.name ??= named;
  }
  if (s.delays.length < 1000 && resetTimed(r)) s.delays.push(r.delay);
}

/** The refusal that turned the host's direct web attempts away most often (null: none was). */
export function mainRefusal(tally: Tally): RefusalStats | null {
  return mostOf(tally.refusalOf.values());
}

/**
 * The refusal that turned most of the host's attempts at addresses outside the internal networks
 * away, web ports or not, with their count: what a scan or a flood met. Null where there was none.
 */
export function mainRefusalOfAll(tally: Tally): { main: RefusalStats; of: number } | null {
  const all = new Map<number, RefusalStats>();
  for (const from of [tally.refusalOf, tally.otherRefusalOf]) {
    for (const [k, r] of from) {
      const s = all.get(k);
      all.set(
        k,
        s === undefined
          ? r
          : {
              ...s,
              n: s.n + r.n,
              delays: s.delays.length >= 1000 ? s.delays : [...s.delays, ...r.delays],
              afterName: s.afterName + r.afterName,
              name: s.name ?? r.name,
            },
      );
    }
  }
  const main = mostOf(all.values());
  return main === null ? null : { main, of: tally.outside };
}

function mostOf(refusals: Iterable<RefusalStats>): RefusalStats | null {
  let main: RefusalStats | null = null;
  for (const r of refusals) if (main === null || r.n > main.n) main = r;
  return main;
}

/** Direct web attempts per second over their own span: the one rate the verdict and the summary give. */
export function directRate(items: Items, direct: readonly number[]): number {
  if (direct.length === 0) return 0;
  let first = items.conn.start(direct[0]!);
  let last = items.conn.start(direct[direct.length - 1]!);
  let n = direct.length;
  // A UDP flow that came in bursts (a client sending again and again on one socket) counts each.
  for (const i of direct) {
    const c = items.conn.peek(i);
    if (c.proto !== 'udp' || c.requestTimes.length < 2) continue;
    n += c.requestTimes.length - 1;
    last = Math.max(last, c.requestTimes[c.requestTimes.length - 1]!);
    first = Math.min(first, c.requestTimes[0]!);
  }
  const span = last - first;
  // n attempts over a span make n − 1 intervals: six attempts 30 s apart are one every 30 s.
  return span >= 1 ? (n - 1) / span : n;
}

export interface Flood {
  target: string;
  /** Its attempts whose outcome the capture shows (`attempts`, `failed`); `n`, the span and the ports count those cut off too. */
  t: TargetStats;
  /** Attempts at the target in the capture's last seconds, their outcome unknown (outcomes.ts). */
  cutOff: number;
  rate: number;
  sequential: boolean;
  /** What was counted: SYNs, or UDP datagrams. */
  unit: 'SYN' | 'UDP datagram';
  /**
   * Set where the target is a login service that answered sessions enough to be password
   * guessing (guessing.ts); `t.n` counts those sessions, not SYNs.
   */
  guessing?: Guessing;
}

/**
 * A flood's count, target and pace: "1,000 UDP datagrams at 203.0.113.9:80 (UDP) in 10 s (100 UDP
 * datagrams/s)"; one that lasted less than a second, its span alone ("200 SYNs at … in 199 ms"):
 * its rate is counted over a second at least, as a log's one-second stamps would have it.
 */
export function floodWords(flood: Flood): string {
  const span = flood.t.last - flood.t.first;
  if (flood.guessing !== undefined) {
    const one = `${flood.guessing.service} connection`;
    return `${plural(flood.t.n, one)} at ${flood.target} in ${duration(span)}${span >= 1 ? ` (${rate(flood.rate, one)})` : ''}`;
  }
  const pace = span >= 1 ? ` (${rate(flood.rate, flood.unit)})` : '';
  return `${plural(flood.t.n, flood.unit)} at ${flood.target} in ${duration(span)}${pace}`;
}

/**
 * flood: a high rate of attempts at one address:port, most of them not completing — attempts cut
 * off by the end of the capture count towards it (they were sent: the rate is known, whatever
 * became of them), and a loopback address is never its target (a host cannot flood itself off the
 * network).
 */
export function findFlood(tally: Tally): Flood | null {
  const cutOff = cutOffTargets(tally);
  let flood: Flood | null = null;
  let address: AddressKey = 0;
  // The cut-off attempts at the address being visited, per port key.
  let late: Map<number, TargetStats> | undefined;
  const visit = (counted: TargetStats | null, key: number, cut: TargetStats | undefined): void => {
    const t = counted === null ? { ...cut!, attempts: 0, failed: 0 } : cut === undefined ? counted : withCutOff(counted, cut);
    const unknown = cut?.attempts ?? 0;
    if (t.n < FLOOD_ATTEMPTS || (flood !== null && t.n <= flood.t.n)) return;
    const rate = t.n / Math.max(t.last - t.first, 1);
    if (rate < FLOOD_RATE) return;
    if (t.failed + unknown <= FLOOD_FAILING * (t.attempts + unknown)) return;
    const target = keyAddress(address);
    if (isLoopback(target)) return;
    const port = key & 0xffff;
    if (key & UDP_KEY && ONE_WAY_UDP_PORTS.has(port)) return;
    flood = {
      target: `${endpoint(target, port)}${key & UDP_KEY ? ' (UDP)' : ''}`,
      t,
      cutOff: unknown,
      rate,
      sequential: sequentialPorts(t.ports).sequential,
      unit: key & UDP_KEY ? 'UDP datagram' : 'SYN',
    };
  };
  const visitCounted = (t: TargetStats, key: number): void => visit(t, key, late?.get(key));
  const visitCutOff = (cut: TargetStats, key: number, counted: ReadonlyMap<number, TargetStats> | PortTargets | null): void => {
    if (counted === null || counted.get(key) === undefined) visit(null, key, cut);
  };
  // Map.forEach, not for…of: a host of a firewall log meets hundreds of thousands of addresses.
  tally.byAddress.forEach((entry, key) => {
    late = cutOff.get(key);
    // An address of one attempt is a flood only when that attempt alone counts enough.
    if (late === undefined && typeof entry === 'number' && floodCount(tally.items.conn.peek(entry)) < FLOOD_ATTEMPTS) return;
    address = key;
    const ports = addressStats(tally, entry).ports;
    ports.forEach(visitCounted);
    late?.forEach((cut, port) => visitCutOff(cut, port, ports));
    cutOff.delete(key);
  });
  // Addresses the host met only in the capture's last seconds.
  late = undefined;
  cutOff.forEach((ports, key) => {
    address = key;
    ports.forEach((cut, port) => visitCutOff(cut, port, null));
  });
  return flood;
}

/** The host's cut-off attempts (`Items.cutOff`) counted per address and port key, as countAt counts the others. */
function cutOffTargets(tally: Tally): Map<AddressKey, Map<number, TargetStats>> {
  const targets = new Map<AddressKey, Map<number, TargetStats>>();
  for (const i of tally.items.cutOff) {
    const c = tally.items.conn.peek(i);
    const resp = respKey(c);
    let ports = targets.get(resp);
    if (ports === undefined) targets.set(resp, (ports = new Map<number, TargetStats>()));
    const key = targetKey(c);
    let t = ports.get(key);
    if (t === undefined) ports.set(key, (t = targetOf(c)));
    countTarget(t, c, false);
  }
  return targets;
}

/** A target's counts and those of its cut-off attempts: their SYNs, span and source ports; the outcomes, only the counted ones'. */
function withCutOff(t: TargetStats, cut: TargetStats): TargetStats {
  return {
    n: t.n + cut.n,
    attempts: t.attempts,
    failed: t.failed,
    first: Math.min(t.first, cut.first),
    last: Math.max(t.last, cut.last),
    ports: [...t.ports, ...cut.ports].slice(0, 500),
  };
}

export interface Scan {
  /** What was scanned: "1,000 ports on 192.168.1.25", "235 TCP ports, 36 UDP ports and ping on …", "120 addresses on port 445". */
  words: string;
  /** Attempts (probes) at the ports or addresses scanned. */
  probes: number;
  /**
   * Ports or addresses scanned (ports probed only in the capture's last seconds too), and how
   * many of them never answered any attempt.
   */
  targets: number;
  failed: number;
  span: number;
  /** A sweep by ping (ICMP echo): looking for live hosts, not for open services. */
  pings: boolean;
  /**
   * A scan of ports mostly probed without a SYN (nmap's ACK, FIN, NULL, Xmas and window scans):
   * what came back to those ports — a reset (the port unfiltered, or closed), ICMP, nothing.
   * Such a probe opens no connection, so nothing is refused. Absent for any other scan.
   */
  bare?: { ports: number; reset: number; icmp: number; unanswered: number };
  /** Ports probed only in the capture's last seconds, when the scan was found on them (cutOffScan): unanswered when it ended, not judged. */
  cutOff?: number;
}

/**
 * A scan in words, as its label's evidence, its verdict and the summary say it: what was probed,
 * over how long, and what came back — "1,000 ports on 192.168.1.25 probed in 1.2 s, 99.5% refused
 * or unanswered"; a scan without SYNs by what answered its probes: "…, all 1,000 answered by a reset".
 */
export function scanWords(scan: Scan): string {
  const probed = `${scan.words} probed in ${duration(scan.span)}`;
  const bare = scan.bare;
  if (scan.cutOff !== undefined) {
    const judged = scan.targets - scan.cutOff;
    return judged === 0
      ? `${probed}, none answered before the capture ended`
      : `${probed}, ${count(scan.cutOff)} unanswered when the capture ended and ${count(scan.failed)} of the other ${count(judged)} refused or unanswered`;
  }
  if (bare === undefined) return `${probed}, ${share(scan.failed, scan.targets)} refused or unanswered`;
  if (bare.reset === bare.ports) return `${probed}, all ${count(bare.ports)} answered by a reset`;
  const came = [
    bare.reset > 0 ? `${count(bare.reset)} answered by a reset` : '',
    bare.icmp > 0 ? `${count(bare.icmp)} by ICMP` : '',
    bare.unanswered > 0 ? `${count(bare.unanswered)} unanswered` : '',
  ].filter((x) => x !== '');
  return `${probed}, ${came.join(', ')}`;
}

/**
 * Ports in words by protocol — "1,000 ports"; "235 TCP ports, 36 UDP ports and ping" when a scan
 * probed both, for a group lists its port numbers once whatever the protocol — from target keys
 * (targetKey); the ping key is no port.
 */
function portsWords(keys: Iterable<number>): string {
  let tcp = 0;
  let udp = 0;
  let ping = false;
  for (const key of keys) {
    if (key === ICMP_ECHO_KEY) ping = true;
    else if (key & UDP_KEY) udp++;
    else tcp++;
  }
  const ports = tcp > 0 && udp > 0 ? [plural(tcp, 'TCP port'), plural(udp, 'UDP port')] : tcp + udp > 0 ? [plural(tcp + udp, 'port')] : [];
  if (ping) ports.push('ping');
  return ports.length > 2 ? `${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]}` : ports.join(' and ');
}

/**
 * What came back to the ports of `address` that were probed without a SYN alone (`pa`'s targets
 * with no SYN counted, countProbe) — when they are most of its ports; else undefined.
 */
function bareProbeAnswers(tally: Tally, address: AddressKey, pa: AddressStats): Scan['bare'] {
  let ports = 0;
  pa.ports.forEach((t) => {
    if (t.n === 0) ports++;
  });
  if (ports * 2 <= pa.ports.size) return undefined;
  // Per port, the best answer any of its probes got: a reset, else ICMP, else none.
  const answer = new Map<number, 'reset' | 'icmp' | 'none'>();
  const { items } = tally;
  for (const i of items.probes) {
    const c = items.conn.peek(i);
    if (respKey(c) !== address) continue;
    const key = targetKey(c);
    if (pa.ports.get(key)?.n !== 0) continue;
    const outcome = items.outcome[i]!;
    const got = outcome.startsWith('reset-') ? 'reset' : outcome === 'refused-icmp' ? 'icmp' : 'none';
    const had = answer.get(key);
    if (had === undefined || had === 'none' || (had === 'icmp' && got === 'reset')) answer.set(key, got);
  }
  let reset = 0;
  let icmp = 0;
  for (const got of answer.values()) {
    if (got === 'reset') reset++;
    else if (got === 'icmp') icmp++;
  }
  return { ports, reset, icmp, unanswered: ports - reset - icmp };
}

/**
 * A scan of ports probed in the capture's last seconds (a capture as short as the scan, or one
 * stopped as it began): SCAN_PORTS ports or more of one address, those probed in the last seconds
 * not answered before the capture ended — no software opens that many ports of one server — and
 * most of the others never answered. Null when there is none.
 */
function cutOffScan(tally: Tally, cutOff: Map<AddressKey, Map<number, TargetStats>>): Scan | null {
  let scan: Scan | null = null;
  cutOff.forEach((cut, address) => {
    const entry = tally.byAddress.get(address);
    const pa = typeof entry === 'object' ? entry : undefined;
    let judged = 0;
    let failed = 0;
    let n = 0;
    let first = Infinity;
    let last = -Infinity;
    cut.forEach((t) => {
      n += t.n;
      first = Math.min(first, t.first);
      last = Math.max(last, t.last);
    });
    pa?.ports.forEach((t, key) => {
      if (cut.has(key)) return;
      judged++;
      if (unanswered(t)) failed++;
    });
    if (typeof entry === 'number') {
      judged++;
      if (tally.items.outcome[entry] !== 'established') failed++;
    }
    if (cut.size + judged < SCAN_PORTS || failed < SCAN_FAILING * judged) return;
    if (pa !== undefined) {
      n += pa.n;
      first = Math.min(first, pa.first);
      last = Math.max(last, pa.last);
    }
    if (scan !== null && n <= scan.probes) return;
    const keys = [...cut.keys()];
    pa?.ports.forEach((_, key) => {
      if (!cut.has(key)) keys.push(key);
    });
    scan = {
      words: `${portsWords(keys)} on ${keyAddress(address)}`,
      probes: n,
      targets: keys.length,
      failed,
      span: last - first,
      pings: false,
      cutOff: cut.size,
    };
  });
  return scan;
}

/** Ports or addresses that answered no attempt: each judged once, however often it was tried. */
const unanswered = (t: TargetStats): boolean => t.failed === t.attempts;

/**
 * scanner: many ports on one address, or many new addresses on one port, most of them never
 * answering — judged per port or address, not per attempt: one port tried hundreds of times
 * does not hide the two hundred others that never answered.
 */
export function findScan(tally: Tally): Scan | null {
  let scan: Scan | null = null;
  // Per port key: addresses whose every attempt on it failed.
  const failedAddresses = new Map<number, number>();
  const failedOn = (key: number): void => void failedAddresses.set(key, (failedAddresses.get(key) ?? 0) + 1);
  let cutOff: Map<AddressKey, Map<number, TargetStats>> | null = null;
  tally.byAddress.forEach((entry, address) => {
    if (typeof entry === 'number') {
      // An address of one attempt has one port: never a scan of ports.
      if (tally.items.outcome[entry] !== 'established') failedOn(targetKey(tally.items.conn.peek(entry)));
      return;
    }
    const pa = entry;
    let failedPorts = 0;
    pa.ports.forEach((t, key) => {
      if (!unanswered(t)) return;
      failedPorts++;
      // A port probed without a SYN alone (countProbe) is no address of a sweep on it.
      if (t.n > 0) failedOn(key);
    });
    const ports = pa.ports.size;
    if (ports >= SCAN_PORTS && failedPorts >= SCAN_FAILING * ports && (scan === null || pa.n > scan.probes)) {
      // Ports probed only in the capture's last seconds were probed all the same: counted, though
      // none of them is known to have failed (the scan is judged on the others).
      const keys: number[] = [];
      pa.ports.forEach((_, key) => void keys.push(key));
      (cutOff ??= cutOffTargets(tally)).get(address)?.forEach((_, key) => {
        if (pa.ports.get(key) === undefined) keys.push(key);
      });
      const bare = bareProbeAnswers(tally, address, pa);
      scan = {
        words: `${portsWords(keys)} on ${keyAddress(address)}`,
        probes: pa.n,
        targets: keys.length,
        failed: failedPorts,
        span: pa.last - pa.first,
        pings: false,
        ...(bare !== undefined && { bare }),
      };
    }
  });
  if (scan === null && tally.items.cutOff.length > 0) scan = cutOffScan(tally, (cutOff ??= cutOffTargets(tally)));
  for (const [port, ap] of tally.addressesByPort) {
    const failed = failedAddresses.get(port) ?? 0;
    if (
      ap.addresses >= SCAN_ADDRESSES &&
      ap.fastest <= SCAN_WINDOW_SECONDS &&
      ap.n <= SCAN_TRIES * ap.addresses &&
      failed >= SCAN_FAILING * ap.addresses &&
      (scan === null || ap.n > scan.probes)
    ) {
      scan = {
        words: `${count(ap.addresses)} addresses ${byWords(port)}`,
        probes: ap.n,
        targets: ap.addresses,
        failed,
        span: ap.last - ap.first,
        pings: port === ICMP_ECHO_KEY,
      };
    }
  }
  return scan;
}
