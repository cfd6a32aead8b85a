/**
 * Connections kept for the analysis in columns, not objects. A Connection object costs about
 * 450 bytes (36 fields, boxed times, its uid and address texts); a scan of two million SYNs is
 * then most of a gigabyte before the analysis starts. Here a connection is about 110 bytes: times
 * and counts in typed arrays, IPv4 addresses as numbers, repeated texts (histories, states,
 * services, IPv6 addresses) as numbers into one table, uids as bytes in one buffer, and what only
 * some connections carry (resets, DNS, HTTP, TLS, request times) in an object of their own.
 * `get(i)` makes the Connection again, equal field for field to the one added: the analysis
 * makes the objects of one host at a time, and drops them when the host is done.
 */
import { formatIPv4, ipv4ToNumber } from '../decode/address.js';
import { NONE, type ConnState, type Connection, type Transport } from './connection.js';

/** What the analysis reads connections from: an array, or a store of them. */
export interface ConnectionList extends Iterable<Connection> {
  readonly length: number;
  /** The connection at `i` (0 ≤ i < length); a store makes it afresh on each call. */
  get(i: number): Connection;
  /**
   * The connection at `i` for a pass that reads it and moves on: valid until the next peek (a
   * store fills one object again, its uid left empty). Keep its fields' values, never the object.
   */
  peek(i: number): Connection;
  /** `get(i).ts` and `get(i).lastTs`, without making the connection. */
  start(i: number): number;
  end(i: number): number;
  /** Every connection as an object (a store makes them all: memory grows with their number). */
  toArray(): Connection[];
  /** Lets go of what holds the connections (a store gives its chunks back to its pool). */
  release?(): void;
}

/** An array seen as a ConnectionList: its own objects, nothing made. */
export function listOf(connections: readonly Connection[]): ConnectionList {
  return {
    get length() {
      return connections.length;
    },
    get: (i) => connections[i]!,
    peek: (i) => connections[i]!,
    start: (i) => connections[i]!.ts,
    end: (i) => connections[i]!.lastTs,
    toArray: () => connections as Connection[],
    [Symbol.iterator]: () => connections[Symbol.iterator](),
  };
}

/**
 * Connections kept for the analysis: as the objects themselves while they are few (making them
 * again from columns costs more time than a few thousand objects cost memory), in a column store
 * once there are more than `objectsUpTo`. `list()` gives them in start order, as loadCaptures does.
 */
export class ConnectionKeeper {
  private objects: Connection[] | null = [];
  private store: ConnectionStore | null = null;

  constructor(
    private readonly pool: ChunkPool | null = null,
    private readonly objectsUpTo = KEEP_OBJECTS_UP_TO,
  ) {}

  add(c: Connection): void {
    if (this.objects === null) {
      this.store!.add(c);
      return;
    }
    this.objects.push(c);
    if (this.objects.length > this.objectsUpTo) {
      this.store = new ConnectionStore(this.pool);
      for (const kept of this.objects) this.store.add(kept);
      this.objects = null;
    }
  }

  /** The connections in order of start time, ties by uid. */
  list(): ConnectionList {
    if (this.store !== null) {
      this.store.sortByStart();
      return this.store;
    }
    const objects = this.objects!;
    objects.sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    return listOf(objects);
  }
}

/** Connections kept as objects at most before a ConnectionKeeper moves them into columns (about 45 MB of objects). */
export const KEEP_OBJECTS_UP_TO = 100_000;

/** The connections of `list` at `positions`, made as they are asked for. */
export function viewOf(list: ConnectionList, positions: readonly number[]): ConnectionList {
  const view: ConnectionList = {
    length: positions.length,
    get: (i) => list.get(positions[i]!),
    peek: (i) => list.peek(positions[i]!),
    start: (i) => list.start(positions[i]!),
    end: (i) => list.end(positions[i]!),
    toArray: () => positions.map((p) => list.get(p)),
    *[Symbol.iterator]() {
      for (let i = 0; i < positions.length; i++) yield view.get(i);
    },
  };
  return view;
}

/** A ConnectionList of either kind. */
export function asList(connections: readonly Connection[] | ConnectionList): ConnectionList {
  return Array.isArray(connections) ? listOf(connections as readonly Connection[]) : (connections as ConnectionList);
}

/** What only some connections carry, and the connection itself when a column cannot hold one of its values. */
type Rare = Pick<
  Connection,
  'resets' | 'http' | 'sni' | 'quic' | 'dnsQuery' | 'dnsNames' | 'dnsQueries' | 'dnsAnswers' | 'requestTimes' | 'missedBytes'
> & { whole?: Connection };

/** Repeated texts as small numbers, and back. */
class Texts {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [];

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }
}

const FLAG_ESTABLISHED = 1;
/** The address column holds a Texts id (IPv6, or text that is no dotted quad), not an IPv4 number. */
const FLAG_ORIG_TEXT = 2;
const FLAG_RESP_TEXT = 4;
/** localOrig / localResp: two bits each, 0 null, 1 false, 2 true. */
const LOCAL_ORIG_SHIFT = 3;
const LOCAL_RESP_SHIFT = 5;

const NO_RARE: Rare = {
  resets: NONE,
  http: null,
  sni: null,
  quic: null,
  dnsQuery: null,
  dnsNames: NONE,
  dnsQueries: 0,
  dnsAnswers: NONE,
  requestTimes: NONE,
  missedBytes: 0,
};

/** A Connection with every field in place, in the order the store fills them (one shape for all it makes). */
function shell(): Connection {
  return {
    uid: '',
    proto: 'tcp',
    ts: 0.5,
    lastTs: 0.5,
    origH: '',
    origP: 0,
    respH: '',
    respP: 0,
    service: null,
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: 'OTH',
    localOrig: null,
    localResp: null,
    missedBytes: 0,
    history: '',
    origPkts: 0,
    origIpBytes: 0,
    respPkts: 0,
    respIpBytes: 0,
    capture: 0,
    synCount: 0,
    origTtl: 0,
    respTtl: 0,
    handshakeRtt: null,
    established: false,
    resets: NONE,
    http: null,
    sni: null,
    quic: null,
    dnsQuery: null,
    dnsNames: NONE,
    dnsQueries: 0,
    dnsAnswers: NONE,
    requestTimes: NONE,
  };
}

const localCode = (v: boolean | null): number => (v === null ? 0 : v ? 2 : 1);
const localValue = (code: number): boolean | null => (code === 0 ? null : code === 2);

/** Rows per chunk: the store grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const ROW = CHUNK - 1;

/** The columns of CHUNK connections (about 90 bytes each, uid bytes and rare fields aside). */
class Chunk {
  readonly ts = new Float64Array(CHUNK);
  readonly lastTs = new Float64Array(CHUNK);
  readonly handshakeRtt = new Float64Array(CHUNK);
  readonly origBytes = new Uint32Array(CHUNK);
  readonly respBytes = new Uint32Array(CHUNK);
  readonly origIpBytes = new Uint32Array(CHUNK);
  readonly respIpBytes = new Uint32Array(CHUNK);
  readonly origPkts = new Uint32Array(CHUNK);
  readonly respPkts = new Uint32Array(CHUNK);
  readonly origA = new Uint32Array(CHUNK);
  readonly respA = new Uint32Array(CHUNK);
  /** End of each row's uid in `uids`. */
  readonly uidEnd = new Uint32Array(CHUNK);
  readonly history = new Uint16Array(CHUNK);
  /** Texts id + 1, 0 for none. */
  readonly service = new Uint16Array(CHUNK);
  readonly synCount = new Uint16Array(CHUNK);
  readonly capture = new Uint16Array(CHUNK);
  readonly origP = new Uint16Array(CHUNK);
  readonly respP = new Uint16Array(CHUNK);
  readonly origTtl = new Int16Array(CHUNK);
  readonly respTtl = new Int16Array(CHUNK);
  readonly state = new Uint8Array(CHUNK);
  readonly proto = new Uint8Array(CHUNK);
  readonly flags = new Uint8Array(CHUNK);
  /** Made at the chunk's first connection with rare fields (a scan of SYNs has none). */
  rare: (Rare | undefined)[] | null = null;
  /**
   * Durations, made at the chunk's first connection whose duration is not what its times say
   * (lastTs − ts; a Zeek row's own duration differs in the last bits): NaN for none.
   */
  duration: Float64Array | null = null;
  uids = Buffer.alloc(CHUNK * 18);
  uidBytes = 0;
}

/**
 * Chunks a released store gives back, for the next store to take: `compare` analyses its inputs
 * one after another, and the second need not wait for the collector to free the first's memory.
 */
export class ChunkPool {
  private readonly free: Chunk[] = [];

  take(): Chunk {
    const chunk = this.free.pop();
    if (chunk === undefined) return new Chunk();
    chunk.rare = null;
    chunk.duration = null;
    chunk.uidBytes = 0;
    return chunk;
  }

  give(chunks: Chunk[]): void {
    for (const c of chunks) this.free.push(c);
  }
}

/** The connections of a run in columns. Add them in any order; `sortByStart` orders them as loadCaptures does. */
export class ConnectionStore implements ConnectionList {
  private n = 0;
  private chunks: Chunk[] = [];

  /** `pool`: where chunks come from and go back to on `release` (none: made afresh, left to the collector). */
  constructor(private readonly pool: ChunkPool | null = null) {}

  /** Empties the store, its chunks given back to its pool. */
  release(): void {
    this.pool?.give(this.chunks);
    this.chunks = [];
    this.n = 0;
    this.order = null;
  }
  private readonly texts = new Texts();
  /** Connection states and transports: a few values, one byte each. */
  private readonly kinds = new Texts();
  /** Positions in start order once sorted, else null (the order added). */
  private order: Uint32Array | null = null;

  get length(): number {
    return this.n;
  }

  add(c: Connection): void {
    const i = this.n & ROW;
    if (i === 0) this.chunks.push(this.pool !== null ? this.pool.take() : new Chunk());
    const k = this.chunks[this.chunks.length - 1]!;
    this.n++;
    this.order = null;
    k.ts[i] = c.ts;
    k.lastTs[i] = c.lastTs;
    k.handshakeRtt[i] = c.handshakeRtt === null ? Number.NaN : c.handshakeRtt;
    k.origBytes[i] = c.origBytes;
    k.respBytes[i] = c.respBytes;
    k.origIpBytes[i] = c.origIpBytes;
    k.respIpBytes[i] = c.respIpBytes;
    k.origPkts[i] = c.origPkts;
    k.respPkts[i] = c.respPkts;
    let flags = c.established ? FLAG_ESTABLISHED : 0;
    flags |= localCode(c.localOrig) << LOCAL_ORIG_SHIFT;
    flags |= localCode(c.localResp) << LOCAL_RESP_SHIFT;
    const orig = ipv4Number(c.origH);
    if (orig < 0) {
      flags |= FLAG_ORIG_TEXT;
      k.origA[i] = this.texts.id(c.origH);
    } else k.origA[i] = orig;
    const resp = ipv4Number(c.respH);
    if (resp < 0) {
      flags |= FLAG_RESP_TEXT;
      k.respA[i] = this.texts.id(c.respH);
    } else k.respA[i] = resp;
    k.flags[i] = flags;
    const history = this.texts.id(c.history);
    const service = c.service === null ? 0 : this.texts.id(c.service) + 1;
    const state = this.kinds.id(c.connState);
    const proto = this.kinds.id(c.proto);
    k.history[i] = history;
    k.service[i] = service;
    k.synCount[i] = c.synCount;
    k.capture[i] = c.capture;
    k.origP[i] = c.origP;
    k.respP[i] = c.respP;
    k.origTtl[i] = c.origTtl;
    k.respTtl[i] = c.respTtl;
    k.state[i] = state;
    k.proto[i] = proto;
    addUid(k, i, c.uid);
    if (history > 0xffff || service > 0xffff || state > 0xff || proto > 0xff || !fits(c)) {
      setRare(k, i, { ...NO_RARE, whole: c });
      return;
    }
    if (k.duration !== null || c.duration !== durationOf(c.ts, c.lastTs)) {
      if (k.duration === null) {
        k.duration = new Float64Array(CHUNK);
        for (let j = 0; j < i; j++) k.duration[j] = durationOf(k.ts[j]!, k.lastTs[j]!) ?? Number.NaN;
      }
      k.duration[i] = c.duration ?? Number.NaN;
    }
    if (
      c.resets.length > 0 ||
      c.http !== null ||
      c.sni !== null ||
      c.quic !== null ||
      c.dnsQuery !== null ||
      c.dnsNames.length > 0 ||
      c.dnsQueries !== 0 ||
      c.dnsAnswers.length > 0 ||
      c.requestTimes.length > 0 ||
      c.missedBytes !== 0
    ) {
      setRare(k, i, {
        resets: c.resets,
        http: c.http,
        sni: c.sni,
        quic: c.quic,
        dnsQuery: c.dnsQuery,
        dnsNames: c.dnsNames,
        dnsQueries: c.dnsQueries,
        dnsAnswers: c.dnsAnswers,
        requestTimes: c.requestTimes,
        missedBytes: c.missedBytes,
      });
    }
  }

  get(i: number): Connection {
    return this.make(this.order === null ? i : this.order[i]!);
  }

  start(i: number): number {
    const r = this.order === null ? i : this.order[i]!;
    return this.chunks[r >>> CHUNK_BITS]!.ts[r & ROW]!;
  }

  end(i: number): number {
    const r = this.order === null ? i : this.order[i]!;
    return this.chunks[r >>> CHUNK_BITS]!.lastTs[r & ROW]!;
  }

  toArray(): Connection[] {
    const out = new Array<Connection>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.get(i);
    return out;
  }

  *[Symbol.iterator](): Iterator<Connection> {
    for (let i = 0; i < this.n; i++) yield this.get(i);
  }

  /**
   * Makes each row's rare fields again, in row order: made as rows arrived, among everything else
   * reading made, they lie scattered over the heap, and every pass over the rows reads them.
   */
  private compactRare(): void {
    for (const k of this.chunks) {
      const rare = k.rare;
      if (rare === null) continue;
      for (let i = 0; i < rare.length; i++) {
        const r = rare[i];
        if (r !== undefined && r.whole === undefined) rare[i] = { ...r };
      }
    }
  }

  /** In order of start time, ties by uid (the order loadCaptures gives). */
  sortByStart(): void {
    this.compactRare();
    const n = this.n;
    const ts = new Float64Array(n);
    let sorted = true;
    let ties = false;
    for (let r = 0; r < n; r++) {
      ts[r] = this.chunks[r >>> CHUNK_BITS]!.ts[r & ROW]!;
      if (r > 0 && ts[r]! <= ts[r - 1]!) {
        if (ts[r]! < ts[r - 1]!) sorted = false;
        else ties = true;
      }
    }
    if (sorted && !ties) {
      this.order = null;
      return;
    }
    const order = new Uint32Array(n);
    for (let r = 0; r < n; r++) order[r] = r;
    order.sort((a, b) => {
      const d = ts[a]! - ts[b]!;
      if (d !== 0) return d;
      const ua = this.uidOf(a);
      const ub = this.uidOf(b);
      return ua < ub ? -1 : ua > ub ? 1 : 0;
    });
    this.order = order;
  }

  /**
   * The connection at `i` for a pass that reads it and moves on: one object of the store's is
   * filled again on each call (its uid left empty — no pass over all connections reads uids), so
   * it is valid until the next peek. Keep its fields' values (texts, the reset and DNS lists), never
   * the object.
   */
  peek(i: number): Connection {
    return this.fill(this.order === null ? i : this.order[i]!, this.lens, false);
  }

  /** A connection object filled again by `peek`. */
  private readonly lens = shell();

  private make(r: number): Connection {
    return this.fill(r, shell(), true);
  }

  /** Row `r`'s fields written into `c` (a row the columns cannot hold is its own object). */
  private fill(r: number, c: Connection, withUid: boolean): Connection {
    const k = this.chunks[r >>> CHUNK_BITS]!;
    const i = r & ROW;
    const rare = k.rare === null ? undefined : k.rare[i];
    if (rare?.whole !== undefined) return rare.whole;
    const flags = k.flags[i]!;
    const ts = k.ts[i]!;
    const lastTs = k.lastTs[i]!;
    const rtt = k.handshakeRtt[i]!;
    const service = k.service[i]!;
    const texts = this.texts.texts;
    c.uid = withUid ? uidAt(k, i) : '';
    c.proto = this.kinds.texts[k.proto[i]!] as Transport;
    c.ts = ts;
    c.lastTs = lastTs;
    c.origH = flags & FLAG_ORIG_TEXT ? texts[k.origA[i]!]! : formatIPv4(k.origA[i]!);
    c.origP = k.origP[i]!;
    c.respH = flags & FLAG_RESP_TEXT ? texts[k.respA[i]!]! : formatIPv4(k.respA[i]!);
    c.respP = k.respP[i]!;
    c.service = service === 0 ? null : texts[service - 1]!;
    c.duration = k.duration === null ? durationOf(ts, lastTs) : durationAt(k.duration, i);
    c.origBytes = k.origBytes[i]!;
    c.respBytes = k.respBytes[i]!;
    c.connState = this.kinds.texts[k.state[i]!] as ConnState;
    c.localOrig = localValue((flags >> LOCAL_ORIG_SHIFT) & 3);
    c.localResp = localValue((flags >> LOCAL_RESP_SHIFT) & 3);
    c.history = texts[k.history[i]!]!;
    c.origPkts = k.origPkts[i]!;
    c.origIpBytes = k.origIpBytes[i]!;
    c.respPkts = k.respPkts[i]!;
    c.respIpBytes = k.respIpBytes[i]!;
    c.capture = k.capture[i]!;
    c.synCount = k.synCount[i]!;
    c.origTtl = k.origTtl[i]!;
    c.respTtl = k.respTtl[i]!;
    c.handshakeRtt = Number.isNaN(rtt) ? null : rtt;
    c.established = (flags & FLAG_ESTABLISHED) !== 0;
    const extra = rare ?? NO_RARE;
    c.missedBytes = extra.missedBytes;
    c.resets = extra.resets;
    c.http = extra.http;
    c.sni = extra.sni;
    c.quic = extra.quic;
    c.dnsQuery = extra.dnsQuery;
    c.dnsNames = extra.dnsNames;
    c.dnsQueries = extra.dnsQueries;
    c.dnsAnswers = extra.dnsAnswers;
    c.requestTimes = extra.requestTimes;
    return c;
  }

  private uidOf(r: number): string {
    return uidAt(this.chunks[r >>> CHUNK_BITS]!, r & ROW);
  }
}

function setRare(k: Chunk, i: number, rare: Rare): void {
  if (k.rare === null) k.rare = new Array<Rare | undefined>(CHUNK).fill(undefined);
  k.rare[i] = rare;
}

function addUid(k: Chunk, i: number, uid: string): void {
  const need = k.uidBytes + uid.length * 3;
  if (need > k.uids.length) {
    const bigger = Buffer.alloc(Math.max(need, k.uids.length * 2));
    k.uids.copy(bigger, 0, 0, k.uidBytes);
    k.uids = bigger;
  }
  k.uidBytes += k.uids.write(uid, k.uidBytes, 'utf8');
  k.uidEnd[i] = k.uidBytes;
}

function uidAt(k: Chunk, i: number): string {
  return k.uids.toString('utf8', i === 0 ? 0 : k.uidEnd[i - 1]!, k.uidEnd[i]);
}

function durationAt(column: Float64Array, i: number): number | null {
  const d = column[i]!;
  return Number.isNaN(d) ? null : d;
}

/** A connection's duration as the tracker gives it: null for one instant. */
function durationOf(ts: number, lastTs: number): number | null {
  return lastTs > ts ? lastTs - ts : null;
}

/** The number of a dotted quad that prints back as the same text, else -1. */
function ipv4Number(text: string): number {
  if (text.length > 15 || text.length < 7) return -1;
  const n = ipv4ToNumber(text);
  return n >= 0 && formatIPv4(n) === text ? n : -1;
}

/** Whether the column types hold this connection's values exactly (a log may say anything). */
function fits(c: Connection): boolean {
  return (
    u32(c.origBytes) &&
    u32(c.respBytes) &&
    u32(c.origIpBytes) &&
    u32(c.respIpBytes) &&
    u32(c.origPkts) &&
    u32(c.respPkts) &&
    within(c.synCount, 0, 0xffff) &&
    within(c.capture, 0, 0xffff) &&
    within(c.origP, 0, 0xffff) &&
    within(c.respP, 0, 0xffff) &&
    within(c.origTtl, -1, 255) &&
    within(c.respTtl, -1, 255)
  );
}

const within = (v: number, low: number, high: number): boolean => Number.isInteger(v) && v >= low && v <= high;
const u32 = (v: number): boolean => within(v, 0, 0xffffffff);
