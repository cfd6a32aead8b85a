/**
 * The connection tracker: hands each decoded packet to its transport's tracking (tcp.ts,
 * udp.ts, icmp.ts) over one connection table (table.ts) of TCP, UDP and ICMP conversations.
 * Connections leave the table when Zeek's timers say they are over (run on packet time), when
 * the table is full (oldest idle first), or at finish(); each is handed to `onConnection` as a
 * Connection record (record.ts) as it leaves, so memory stays bounded on any capture length.
 */

import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from '../decode/packet.js';
import type { Connection } from './connection.js';
import { datagramOver } from './datagram.js';
import { Flow, KIND_TCP } from './flow.js';
import { trackIcmp } from './icmp.js';
import { DEFAULT_LIKELY_SERVER_PORTS, portTable, type LikelyServerPorts } from './ports.js';
import { SharedTexts, toConnection } from './record.js';
import { ConnectionTable, DEFAULT_MAX_CONNECTIONS, Match, type TableStats } from './table.js';
import { tcpOver, trackTcp } from './tcp.js';
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

/** Has connection `f` ended by packet time `now` (its transport's timers)? */
function isOver(f: Flow, now: number): boolean {
  return f.kind === KIND_TCP ? tcpOver(f, now) : datagramOver(f, now);
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
    const isLocal = o.isLocal ?? null;
    const texts = new SharedTexts();
    this.table = new ConnectionTable({
      stats: this.stats,
      maxConnections: o.maxConnections !== undefined && o.maxConnections > 0 ? Math.floor(o.maxConnections) : DEFAULT_MAX_CONNECTIONS,
      isOver,
      emit: (f) => onConnection(toConnection(f, this.uidOf(f), isLocal, texts)),
    });
    this.table.capture = o.capture ?? 0;
    const ports = o.likelyServerPorts ?? DEFAULT_LIKELY_SERVER_PORTS;
    this.tcpServerPorts = portTable(ports.tcp);
    this.udpServerPorts = portTable(ports.udp);
  }

  setCapture(index: number): void {
    this.table.capture = index;
    this.seedPending = true;
  }

  /** A connection's uid: its capture's seed and its place among that capture's connections. */
  private uidOf(f: Flow): string {
    const seed = this.uidSeeds[f.capture] ?? this.uidSeeds[this.uidSeeds.length - 1] ?? new Uint32Array(4);
    return makeUid(seed, f.serial - (this.serialBases[f.capture] ?? 0));
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

  /** Track one decoded packet. `p` is reused by the caller: nothing of it is kept by reference. */
  add(p: Packet): void {
    if (this.seedPending) this.seedFrom(p);
    this.stats.packets++;
    this.table.advance(p.ts);
    if (p.status !== 'decoded' || !p.ipChecksumOk || (p.ipVersion !== 4 && p.ipVersion !== 6)) {
      this.stats.ignored++;
      return;
    }
    switch (p.proto) {
      case IPPROTO_TCP:
        if (p.sport < 0 || p.dport < 0) break;
        trackTcp(this.table, this.match, p, this.tcpServerPorts);
        return;
      case IPPROTO_UDP:
        if (p.sport < 0 || p.dport < 0) break;
        trackUdp(this.table, this.match, p, this.udpServerPorts);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (p.icmpType < 0) break;
        trackIcmp(this.table, this.match, p);
        return;
    }
    this.stats.ignored++;
  }

  /** Emit every connection still in the table, ordered by start time. */
  finish(): void {
    this.table.drain();
  }
}
