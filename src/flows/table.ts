/**
 * The connection table: the connections open now, keyed by their 5-tuple in either direction,
 * an idle list ordered (nearly) longest idle first, the pool of recycled Flows, and the sweep
 * that emits connections whose timers ran out. What a connection's timers are is the caller's
 * (`isOver`, and `overFrom`, the time before which it need not ask); the table only asks, on
 * packet time.
 */

import type { Packet } from '../decode/packet.js';
import { Flow, KIND_TCP, KIND_UDP } from './flow.js';
import { HeldRefusals } from './resets.js';

/** Default table ceiling: a few hundred bytes of state each keeps this well inside 256 MB. */
export const DEFAULT_MAX_CONNECTIONS = 100_000;
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

/** The counts the table keeps (part of the tracker's stats). */
export interface TableStats {
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
}

export interface TableOptions {
  /** Where the table's counts go (the tracker's stats object). */
  stats: TableStats;
  /** Most connections held at once (see DEFAULT_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Has `f` ended by packet time `now`? Asked by sweeps of idle connections. */
  isOver: (f: Flow, now: number) => boolean;
  /** A time before which `isOver(f, ·)` is false while no packet of `f` arrives. */
  overFrom: (f: Flow) => number;
  /** Called with each connection as it leaves the table, before its Flow is recycled. */
  emit: (f: Flow) => void;
}

/** Which way a packet goes on the connection a lookup found; one per tracker, filled by lookup(). */
export class Match {
  /** The packet goes originator → responder. */
  fromOrig = true;
}

/** The idle list's sentinel: a Flow that is never a connection, linked to itself. */
function idleSentinel(): Flow {
  const f = new Flow();
  f.lruNext = f;
  f.lruPrev = f;
  return f;
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

/** IPv4 connections remembered as opened lately (a power of two): see ConnectionTable.opened. */
const RECENTLY_OPENED = 4096;

export class ConnectionTable {
  /** Packet time, never going backwards (moved by advance()). */
  clock = -Infinity;
  /** ICMP refusals of packets that opened no connection yet (resets.ts HeldRefusals). */
  readonly heldRefusals = new HeldRefusals();
  /**
   * The IPv4 TCP and UDP connections opened last (by a SYN or a first datagram), newest at
   * `openedAt - 1`, with their addresses and ports as they were opened: an ICMP error cut short
   * by the capture's snap length quotes the refused packet's addresses and source port only,
   * and is matched among these.
   */
  private readonly opened: (Flow | null)[] = new Array<Flow | null>(RECENTLY_OPENED).fill(null);
  private readonly openedKeys = new Int32Array(RECENTLY_OPENED * 3);
  private openedAt = 0;
  /** Index stamped into new connections' `capture`. */
  capture = 0;

  private readonly stats: TableStats;
  private readonly maxConnections: number;
  private readonly isOver: (f: Flow, now: number) => boolean;
  private readonly overFrom: (f: Flow) => number;
  private readonly emit: (f: Flow) => void;
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
  /**
   * The last connection of the idle list's parked run, or the sentinel when there is none. A
   * sweep leaves in place the idle connections that are not over: on a busy network most of
   * them (a DNS flow waits out its minute, a quiet session its five), which every later sweep
   * visited again. Parked, they stay where they are in the list — the run is its head, ordered
   * as the list is — and a sweep takes one up again only when a packet came for it (`woken`) or
   * when its timers may have run out (the wake-up heap, from `overFrom`): what it would have
   * done to the others is nothing.
   */
  private parkedTail: Flow = this.idle;
  /** Parked connections a packet came for since the last sweep (some stale: checked when taken). */
  private readonly woken: Flow[] = [];
  /** Parked connections by the time their timers may run out: a binary min-heap, one entry per parking. */
  private readonly wakeAt: number[] = [];
  private readonly wakeFlow: Flow[] = [];
  private readonly wakeTicket: number[] = [];
  private tickets = 0;
  /** Connections put at the idle list's tail so far (their `queueSeq`). */
  private queued = 0;
  private sweeps = 0;
  /** The parked connections a sweep takes up, in list order. */
  private readonly due: Flow[] = [];
  private serial = 0;
  /** Connections opened so far (the last serial given). */
  get serialCount(): number {
    return this.serial;
  }
  private nextSweep = -Infinity;
  /** The connection the last lookup found. */
  private lastFlow: Flow | null = null;

  constructor(o: TableOptions) {
    this.stats = o.stats;
    this.maxConnections = o.maxConnections;
    this.isOver = o.isOver;
    this.overFrom = o.overFrom;
    this.emit = o.emit;
  }

  /** A packet at time `ts`: the clock moves forward, and idle connections are swept when due. */
  advance(ts: number): void {
    if (ts > this.clock) {
      this.clock = ts;
      if (this.clock >= this.nextSweep) {
        if (this.nextSweep !== -Infinity) this.sweep(this.clock);
        const interval = Math.min(MAX_SWEEP_INTERVAL, Math.max(SWEEP_INTERVAL, this.stats.active / SWEEP_CONNECTIONS_PER_SECOND));
        this.nextSweep = this.clock + interval;
      }
    }
  }

  /** IPv4 connection `flow` was just opened from its originator (see `opened`). */
  noteOpened(flow: Flow): void {
    if (flow.ipVersion !== 4) return;
    const at = this.openedAt++ & (RECENTLY_OPENED - 1);
    this.opened[at] = flow;
    this.openedKeys[at * 3] = flow.origA4 | 0;
    this.openedKeys[at * 3 + 1] = flow.respA4 | 0;
    this.openedKeys[at * 3 + 2] = (flow.kind << 16) | flow.origP;
  }

  /**
   * The newest connection opened lately (see `opened`) from `src4`:`sport` to `dst4` of `kind`,
   * whatever its destination port, still in the table with those addresses and ports; or null.
   */
  openedFrom(kind: number, src4: number, sport: number, dst4: number): Flow | null {
    const s4 = src4 | 0;
    const d4 = dst4 | 0;
    const port = (kind << 16) | sport;
    const n = Math.min(this.openedAt, RECENTLY_OPENED);
    for (let k = 1; k <= n; k++) {
      const at = (this.openedAt - k) & (RECENTLY_OPENED - 1);
      const keys = this.openedKeys;
      if (keys[at * 3] !== s4 || keys[at * 3 + 1] !== d4 || keys[at * 3 + 2] !== port) continue;
      const f = this.opened[at]!;
      // A connection since ended (its flow reused for another) no longer holds the key.
      if (f.inTable && f.kind === kind && f.ipVersion === 4 && f.origA4 === s4 && f.respA4 === d4 && f.origP === sport) return f;
    }
    return null;
  }

  /**
   * The connection of this kind between these endpoints, in either direction (one-way ICMP in
   * its own only), or null; `match.fromOrig` says which direction matched. Callers pass IPv4
   * addresses as signed 32-bit words (`| 0`): an address from 128.0.0.0 up read as its unsigned
   * number is no small integer, and was boxed for the call on every packet.
   */
  lookup(
    match: Match,
    kind: number,
    ipVersion: number,
    src4: number,
    src6: Uint8Array,
    sport: number,
    dst4: number,
    dst6: Uint8Array,
    dport: number,
  ): Flow | null {
    const v6 = ipVersion === 6;
    const s4 = src4 | 0;
    const d4 = dst4 | 0;
    // Consecutive packets often belong to one connection: try the last one first.
    const last = this.lastFlow;
    if (last !== null && last.inTable && last.kind === kind && !v6 && last.ipVersion === 4) {
      if (last.origP === sport && last.respP === dport && last.origA4 === s4 && last.respA4 === d4) {
        match.fromOrig = true;
        return last;
      }
      if (!last.oneWay && last.respP === sport && last.origP === dport && last.respA4 === s4 && last.origA4 === d4) {
        match.fromOrig = false;
        return last;
      }
    }
    const h = keyHash(v6, src4, src6, sport, dst4, dst6, dport, kind);
    const slots = this.slots;
    for (let i = h & this.slotMask, f = slots[i] ?? null; f !== null; i = (i + 1) & this.slotMask, f = slots[i] ?? null) {
      if (f.hash !== h || f.kind !== kind || f.ipVersion !== ipVersion) continue;
      if (f.origP === sport && f.respP === dport && (v6 ? f.isOrig6(src6) && f.isResp6(dst6) : f.origA4 === s4 && f.respA4 === d4)) {
        match.fromOrig = true;
        this.lastFlow = f;
        return f;
      }
      if (
        !f.oneWay &&
        f.respP === sport &&
        f.origP === dport &&
        (v6 ? f.isResp6(src6) && f.isOrig6(dst6) : f.respA4 === s4 && f.origA4 === d4)
      ) {
        match.fromOrig = false;
        this.lastFlow = f;
        return f;
      }
    }
    return null;
  }

  /**
   * A new connection started by `p`, its sender the originator on port `sport`; when the table
   * is full the longest idle connection is emitted first.
   */
  create(p: Packet, kind: number, sport: number, dport: number, oneWay: boolean): Flow {
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

  /**
   * A packet for `f`. The idle list is not reordered here (that would write to two other
   * connections on every packet): sweeps and evictions move a connection used since it was
   * queued back to the tail when they meet it, so the list stays ordered by queuedAt and its head
   * is (nearly) the longest idle. A parked connection is noted for the next sweep to take up.
   */
  touch(f: Flow): void {
    f.touchedAt = this.clock;
    if (f.parked && !f.woken) {
      f.woken = true;
      this.woken.push(f);
    }
  }

  /** Take `f` out of the table and emit it; its Flow is recycled. */
  remove(f: Flow): void {
    if (!f.inTable) return;
    f.inTable = false;
    this.deleteSlot(f);
    this.dequeue(f);
    this.stats.active--;
    this.stats.connections++;
    this.emit(f);
    if (this.lastFlow === f) this.lastFlow = null;
    if (this.pool.length < FLOW_POOL_CAP) {
      f.reset();
      this.pool.push(f);
    }
  }

  /** Emit every connection still in the table, ordered by start time. */
  drain(): void {
    const open: Flow[] = [];
    for (let f = this.idle.lruNext!; f !== this.idle; f = f.lruNext!) open.push(f);
    open.sort((a, b) => a.ts - b.ts || a.serial - b.serial);
    for (const f of open) this.remove(f);
    this.pool.length = 0;
    this.woken.length = 0;
    this.wakeAt.length = 0;
    this.wakeFlow.length = 0;
    this.wakeTicket.length = 0;
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
    f.queueSeq = ++this.queued;
    f.lruPrev = tail;
    f.lruNext = idle;
    tail.lruNext = f;
    idle.lruPrev = f;
  }

  /** Take `f` out of the idle list. */
  private dequeue(f: Flow): void {
    if (f.parked) {
      f.parked = false;
      if (this.parkedTail === f) this.parkedTail = f.lruPrev!;
    }
    f.lruPrev!.lruNext = f.lruNext;
    f.lruNext!.lruPrev = f.lruPrev;
    f.lruPrev = f.lruNext = null;
  }

  /**
   * Emit the idle connections whose timers ran out by `now`, in the order of the idle list: the
   * parked ones taken up (`parkedTail`), then the list after the parked run as far as connections
   * idle long enough.
   */
  private sweep(now: number): void {
    const mark = ++this.sweeps;
    const due = this.due;
    for (const f of this.woken) {
      if (f.parked && f.sweepMark !== mark) {
        f.sweepMark = mark;
        due.push(f);
      }
    }
    this.woken.length = 0;
    while (this.wakeAt.length > 0 && this.wakeAt[0]! <= now) {
      const f = this.wakeFlow[0]!;
      const ticket = this.wakeTicket[0]!;
      this.popWake();
      if (f.parked && f.wakeTicket === ticket && f.sweepMark !== mark) {
        f.sweepMark = mark;
        due.push(f);
      }
    }
    if (due.length > 1) due.sort((a, b) => a.queueSeq - b.queueSeq);
    for (const f of due) this.visit(f, now);
    due.length = 0;
    const idle = this.idle;
    let f = this.parkedTail.lruNext!;
    while (f !== idle && now - f.queuedAt >= MIN_IDLE_FOR_SWEEP) {
      const next = f.lruNext!;
      this.visit(f, now);
      f = next;
    }
  }

  /**
   * An idle connection a sweep meets: used lately, it goes to the tail; over, it is emitted;
   * else it is parked where it stands. (Each connection the sweep met before it has left the
   * list or been parked, so it follows the parked run.)
   */
  private visit(f: Flow, now: number): void {
    f.woken = false;
    if (now - f.touchedAt < MIN_IDLE_FOR_SWEEP) this.requeue(f);
    else if (this.isOver(f, now)) this.remove(f);
    else {
      if (!f.parked) {
        f.parked = true;
        this.parkedTail = f;
      }
      const at = this.overFrom(f);
      // A bound already passed (the timers disagree with it): asked again at the next sweep.
      this.pushWake(at > now ? at : now, f);
    }
  }

  private pushWake(at: number, f: Flow): void {
    const times = this.wakeAt;
    const flows = this.wakeFlow;
    const tickets = this.wakeTicket;
    f.wakeTicket = ++this.tickets;
    let i = times.length;
    times.push(at);
    flows.push(f);
    tickets.push(f.wakeTicket);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      flows[i] = flows[parent]!;
      tickets[i] = tickets[parent]!;
      i = parent;
    }
    times[i] = at;
    flows[i] = f;
    tickets[i] = f.wakeTicket;
  }

  /** Take the heap's first entry off. */
  private popWake(): void {
    const times = this.wakeAt;
    const flows = this.wakeFlow;
    const tickets = this.wakeTicket;
    const at = times.pop()!;
    const f = flows.pop()!;
    const ticket = tickets.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= at) break;
      times[i] = times[child]!;
      flows[i] = flows[child]!;
      tickets[i] = tickets[child]!;
      i = child;
    }
    times[i] = at;
    flows[i] = f;
    tickets[i] = ticket;
  }
}
