/**
 * The connection tracker: hands each decoded packet to its transport's tracking (tcp.ts,
 * udp.ts, icmp.ts) over one connection table (table.ts) of TCP, UDP and ICMP conversations.
 * Connections leave the table when Zeek's timers say they are over (run on packet time), when
 * the table is full (oldest idle first), or at finish(); each is handed to `onConnection` as a
 * Connection record (record.ts) as it leaves, so memory stays bounded on any capture length.
 */

import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from '../decode/packet.js';
import type { Connection } from './connection.js';
import { datagramOver, datagramOverFrom } from './datagram.js';
import { Flow, KIND_TCP, KIND_UDP } from './flow.js';
import { trackIcmp } from './icmp.js';
import { DEFAULT_LIKELY_SERVER_PORTS, portTable, type LikelyServerPorts } from './ports.js';
import { SharedTexts, toConnection } from './record.js';
import { ConnectionTable, DEFAULT_MAX_CONNECTIONS, Match, type TableStats } from './table.js';
import { tcpOver, tcpOverFrom, trackTcp } from './tcp.js';
import { trackUdp } from './udp.js';
import { makeUid, seedKey, uidSeed, type UidSeed } from './uid.js';

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
  /**
   * isLocal's answer for an IPv4 address given as its 32-bit word (signed or not), asked instead
   * of isLocal for IPv4 connections when given: no address text is read back.
   */
  isLocalIPv4?: (address: number) => boolean;
  /** Index stamped into Connection.capture (see setCapture). */
  capture?: number;
  /**
   * Ports taken as a server's when a connection is first seen without its SYN (or a UDP flow
   * from such a port): the originator is then the other side. Default: the ports of the
   * protocols Zeek analyses out of the box.
   */
  likelyServerPorts?: LikelyServerPorts;
}

export interface TrackerStats extends TableStats {
  /** Packets handed to add(). */
  packets: number;
  /** Packets not tracked: not decoded, bad IP checksum, or not TCP / UDP / ICMP. */
  ignored: number;
}

const NO_PARENTS: readonly string[] = [];
/** Tunnel parents kept per connection: a flow hashed over many carriers stays bounded. */
const MAX_TUNNEL_PARENTS = 8;

/** Note tunnel connection `parent` on `f`, once. */
function addParent(f: Flow, parent: Flow): void {
  if (!f.inTable || parent === f) return;
  const parents = (f.tunnelParents ??= []);
  for (let i = 0; i < parents.length; i += 2) if (parents[i] === parent.capture && parents[i + 1] === parent.serial) return;
  if (parents.length < MAX_TUNNEL_PARENTS * 2) parents.push(parent.capture, parent.serial);
}

/** Has connection `f` ended by packet time `now` (its transport's timers)? */
function isOver(f: Flow, now: number): boolean {
  return f.kind === KIND_TCP ? tcpOver(f, now) : datagramOver(f, now);
}

/** A time before which `isOver(f, ·)` is false while no packet of `f` arrives. */
function overFrom(f: Flow): number {
  return f.kind === KIND_TCP ? tcpOverFrom(f) : datagramOverFrom(f);
}

export class ConnectionTracker {
  readonly stats: TrackerStats = {
    connections: 0,
    evicted: 0,
    active: 0,
    peakActive: 0,
    tcp: 0,
    udp: 0,
    icmp: 0,
    packets: 0,
    ignored: 0,
  };

  private readonly table: ConnectionTable;
  /** Direction of the packet a lookup matched (filled by the table, read by the transports). */
  private readonly match = new Match();
  private readonly tcpServerPorts: Uint8Array;
  private readonly udpServerPorts: Uint8Array;
  /** Per capture index: the seed of its uids (from its first packet) and the serial before its first connection. */
  private readonly uidSeeds: UidSeed[] = [];
  private readonly serialBases: number[] = [];
  /** How many captures of this run began with each first packet (uid.ts). */
  private readonly firstPackets = new Map<string, number>();
  private seedPending = true;

  constructor(o: TrackerOptions) {
    const onConnection = o.onConnection;
    const isLocal = o.isLocal !== undefined ? { text: o.isLocal, ipv4: o.isLocalIPv4 ?? null } : null;
    const texts = new SharedTexts();
    this.table = new ConnectionTable({
      stats: this.stats,
      maxConnections: o.maxConnections !== undefined && o.maxConnections > 0 ? Math.floor(o.maxConnections) : DEFAULT_MAX_CONNECTIONS,
      isOver,
      overFrom,
      emit: (f) => onConnection(toConnection(f, this.uidOf(f), isLocal, texts, this.parentUids(f))),
    });
    this.table.capture = o.capture ?? 0;
    const ports = o.likelyServerPorts ?? DEFAULT_LIKELY_SERVER_PORTS;
    this.tcpServerPorts = portTable(ports.tcp);
    this.udpServerPorts = portTable(ports.udp);
  }

  /**
   * Pairs of captures (lower index first) whose packets made up one TCP connection: inputs taken
   * at once on one path (a tap's two directions in two files), whatever addresses each holds.
   */
  readonly shared: [number, number][] = [];
  private readonly sharedKeys = new Set<number>();

  private together(a: number, b: number): void {
    const key = Math.min(a, b) * 65536 + Math.max(a, b);
    if (this.sharedKeys.has(key)) return;
    this.sharedKeys.add(key);
    this.shared.push([Math.min(a, b), Math.max(a, b)]);
  }

  /** Packets of capture `index` follow (captures read at once alternate: seeded once each). */
  setCapture(index: number): void {
    this.table.capture = index;
    this.seedPending = this.uidSeeds[index] === undefined;
  }

  /** A connection's uid: its capture's seed and its place among that capture's connections. */
  private uidOf(f: Flow): string {
    return this.uidAt(f.capture, f.serial);
  }

  private uidAt(capture: number, serial: number): string {
    const seed = this.uidSeeds[capture] ?? this.uidSeeds[this.uidSeeds.length - 1] ?? new Uint32Array(4);
    return makeUid(seed, serial - (this.serialBases[capture] ?? 0));
  }

  /** The uids of the tunnel connections `f`'s packets came in (Zeek's tunnel_parents). */
  private parentUids(f: Flow): readonly string[] {
    const parents = f.tunnelParents;
    if (parents === null) return NO_PARENTS;
    const uids: string[] = [];
    for (let i = 0; i < parents.length; i += 2) uids.push(this.uidAt(parents[i]!, parents[i + 1]!));
    return uids;
  }

  /** Seed the uids of the current capture from its first packet. */
  private seedFrom(p: Packet): void {
    this.seedPending = false;
    const first = uidSeed(p, 0);
    const key = seedKey(first);
    const occurrence = this.firstPackets.get(key) ?? 0;
    this.firstPackets.set(key, occurrence + 1);
    this.uidSeeds[this.table.capture] = occurrence === 0 ? first : uidSeed(p, occurrence);
    this.serialBases[this.table.capture] = this.table.serialCount;
  }

  /**
   * Track one decoded packet. `p` is reused by the caller: nothing of it is kept by reference.
   * The UDP datagrams that carried it through a tunnel are connections of their own, tracked
   * first (whatever became of what they carry), and its connection's tunnel parents.
   */
  add(p: Packet): void {
    if (this.seedPending) this.seedFrom(p);
    this.stats.packets++;
    this.table.advance(p.ts);
    const parent = p.carrierCount > 0 ? this.addCarriers(p) : null;
    const flow = this.track(p);
    if (flow === null) return;
    // TCP only: a broadcast or multicast flow (DHCP, mDNS) is alike on every LAN.
    if (flow.capture !== this.table.capture && flow.kind === KIND_TCP) this.together(flow.capture, this.table.capture);
    if (parent !== null) addParent(flow, parent);
    // The first fragment of a tunnel's datagram (its tunnel is opened when the rest arrives).
    if (p.carries !== '' && flow.service === null) flow.service = p.carries;
  }

  /** Track the carriers of `p`, each the parent of the next; returns the innermost one's connection. */
  private addCarriers(p: Packet): Flow | null {
    let parent: Flow | null = null;
    for (let i = 0; i < p.carrierCount; i++) {
      const carrier = p.carriers[i]!;
      const flow = carrier.countedBefore ? this.connectionOf(carrier) : this.track(carrier);
      if (flow === null) continue;
      if (flow.service === null && carrier.carries !== '') flow.service = carrier.carries;
      if (parent !== null) addParent(flow, parent);
      parent = flow;
    }
    return parent;
  }

  /** The UDP connection datagram `p` was counted in, if it is still in the table. */
  private connectionOf(p: Packet): Flow | null {
    return this.table.lookup(this.match, KIND_UDP, p.ipVersion, p.src4 | 0, p.src6, p.sport, p.dst4 | 0, p.dst6, p.dport);
  }

  /** Track `p` on its transport; its connection, or null when it is not tracked. */
  private track(p: Packet): Flow | null {
    if (p.status !== 'decoded' || !p.ipChecksumOk || (p.ipVersion !== 4 && p.ipVersion !== 6)) {
      this.stats.ignored++;
      return null;
    }
    switch (p.proto) {
      case IPPROTO_TCP:
        if (p.sport < 0 || p.dport < 0) break;
        return trackTcp(this.table, this.match, p, this.tcpServerPorts);
      case IPPROTO_UDP:
        if (p.sport < 0 || p.dport < 0) break;
        return trackUdp(this.table, this.match, p, this.udpServerPorts);
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (p.icmpType < 0) break;
        return trackIcmp(this.table, this.match, p);
    }
    this.stats.ignored++;
    return null;
  }

  /** Emit every connection still in the table, ordered by start time. */
  finish(): void {
    this.table.drain();
  }
}
