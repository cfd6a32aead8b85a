/**
 * Connections kept for the analysis in columns, not objects. A Connection object costs about
 * 450 bytes (36 fields, boxed times, its uid and address texts); a scan of two million SYNs is
 * then most of a gigabyte before the analysis starts. Here a connection is about 36 bytes (a
 * firewall log's attempt) to 71 (a Zeek row): times and counts in typed arrays (a log's start and duration
 * in microseconds), the columns every row has side by side in one (`Chunk.hot`), IPv4 addresses
 * as numbers, repeated texts (histories, states,
 * services, IPv6 addresses) as numbers into one table, uids as bytes in one buffer, and what only
 * some connections carry (resets, DNS, HTTP, TLS, request times) in an object of their own — but
 * for resets a log's row tells by itself (a firewall's denial, a Zeek history's), kept as a bit.
 * Past a million rows each full chunk is sealed (`seal`): its words and counts packed into the
 * bytes their values need, about 27 bytes a Zeek row instead of 48.
 * `get(i)` gives the row as a Connection whose fields are read from the columns as they are asked
 * for, equal field for field to the one added; `toArray()` makes plain objects of them.
 */
import { formatIPv4, ipv4ToNumber } from '../decode/address.js';
import {
  isLogDenialAt,
  logDenial,
  logUid,
  logUidIndex,
  NONE,
  sameResets,
  type ConnState,
  type Connection,
  type ResetEvidence,
  type Transport,
} from './connection.js';
import { historyResets } from './zeek-history.js';
import { free, scratchBuffer } from '../scratch.js';

/** What the analysis reads connections from: an array, or a store of them. */
export interface ConnectionList extends Iterable<Connection> {
  readonly length: number;
  /**
   * The connection at `i` (0 ≤ i < length); a store gives a view of its row that reads each field
   * from the columns (spread or copy it with `plainConnection`, never with `{ ...c }`).
   */
  get(i: number): Connection;
  /**
   * The connection at `i` for a pass that reads it and moves on: valid until the next peek (a
   * store moves one view to the row). Keep its fields' values, never the object.
   */
  peek(i: number): Connection;
  /** `get(i).ts` and `get(i).lastTs`, without making the connection. */
  start(i: number): number;
  end(i: number): number;
  /** Every connection as a plain object (a store makes them all: memory grows with their number). */
  toArray(): Connection[];
  /** Lets go of what holds the connections (a store gives its chunks back to its pool). */
  release?(): void;
  /** True when the connections are known to be in order of start (a sorted store; ConnectionKeeper's list). */
  readonly startOrdered?: boolean;
}

/** An array seen as a ConnectionList: its own objects, nothing made. */
export function listOf(connections: readonly Connection[]): ConnectionList {
  return new ArrayList(connections);
}

/**
 * listOf's list: a class, not an object literal — a literal with a getter and a computed key is
 * made on the engine's slow path, and the analysis makes one for each host it holds.
 */
class ArrayList implements ConnectionList {
  constructor(
    private readonly connections: readonly Connection[],
    readonly startOrdered = false,
  ) {}
  get length(): number {
    return this.connections.length;
  }
  get(i: number): Connection {
    return this.connections[i]!;
  }
  peek(i: number): Connection {
    return this.connections[i]!;
  }
  start(i: number): number {
    return this.connections[i]!.ts;
  }
  end(i: number): number {
    return this.connections[i]!.lastTs;
  }
  toArray(): Connection[] {
    return this.connections as Connection[];
  }
  [Symbol.iterator](): Iterator<Connection> {
    return this.connections[Symbol.iterator]();
  }
}

/**
 * Connections kept for the analysis: in a column store, or as the objects themselves up to
 * `objectsUpTo` (none by default; the tests compare the two). `list()` gives them in start order,
 * as loadCaptures does.
 */
export class ConnectionKeeper {
  private objects: Connection[] | null;
  private store: ConnectionStore | null;

  constructor(
    private readonly pool: ChunkPool | null = null,
    private readonly objectsUpTo = KEEP_OBJECTS_UP_TO,
    private readonly options: StoreOptions = {},
  ) {
    this.objects = objectsUpTo > 0 ? [] : null;
    this.store = objectsUpTo > 0 ? null : new ConnectionStore(pool, options);
  }

  add(c: Connection): void {
    if (this.objects === null) {
      this.store!.add(c);
      return;
    }
    this.objects.push(c);
    if (this.objects.length > this.objectsUpTo) {
      this.store = new ConnectionStore(this.pool, this.options);
      for (const kept of this.objects) this.store.add(kept);
      this.objects = null;
    }
  }

  /**
   * Takes `store` as its own, its rows as they are, where it has none yet, keeps columns and keeps
   * uids as `store` does (a stream's conn rows that waited in a store of their own, neither copied
   * nor kept twice); false, nothing taken, where it cannot (then add them one by one).
   */
  adopt(store: ConnectionStore): boolean {
    if (this.objects !== null || this.store === null || this.store.length > 0) return false;
    if (store.keepsUids !== (this.options.uids !== false)) return false;
    this.store.release();
    store.sealLike(this.options);
    this.store = store;
    return true;
  }

  /** The connections in order of start time, ties by uid (kept without uids: by capture, then in the order added). */
  list(): ConnectionList {
    if (this.store !== null) {
      this.store.sortByStart();
      return this.store;
    }
    const objects = this.objects!;
    // (The engine's sort keeps the order of ties.)
    if (this.options.uids === false) objects.sort((a, b) => a.ts - b.ts || a.capture - b.capture);
    else objects.sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    return new ArrayList(objects, true);
  }
}

/**
 * Connections kept as objects at most before a ConnectionKeeper moves them into columns: none.
 * Objects that outlive the collector's young generation are moved to its old one and collected
 * there, a heavier job — and once most objects made at one place in the code outlive it, the
 * engine makes every later one there in the old generation straight away: keeping a reader's
 * first 10,000 connections made all its later ones (millions, each dropped as soon as the store
 * has it) cost that. The analysis reads rows from columns as fast as objects.
 */
export const KEEP_OBJECTS_UP_TO = 0;

/** How a store keeps its rows. */
export interface StoreOptions {
  /**
   * Keep each row's uid (the default). An analysis never names a connection by its uid, and a
   * Zeek row's is 16 of the bytes its row takes: a store kept for one (`uids: false`) keeps none,
   * each row's uid read as `logUid(capture, its position as added)`, rows that start together in
   * the order added.
   */
  uids?: boolean;
  /**
   * Full chunks a store holds before it seals them (`seal`: each row in about half the bytes, read
   * back a little slower): SEAL_AFTER by default; 0 seals every chunk, the last at the sort.
   */
  sealAfter?: number;
}

/**
 * Full chunks a store holds as they were filled: about a million rows, 50 MB of columns. Past
 * them every full chunk is sealed, and the last at the sort — a day's conn.log of ten million rows
 * then peaks at 480 MB instead of 670; a smaller input is analysed at full speed, its columns a
 * few tens of megabytes whether sealed or not.
 */
export const SEAL_AFTER = 16;

/** The connections of `list` at `positions`, made as they are asked for. */
export function viewOf(list: ConnectionList, positions: readonly number[]): ConnectionList {
  const view: ConnectionList = {
    length: positions.length,
    get: (i) => list.get(positions[i]!),
    peek: (i) => list.peek(positions[i]!),
    start: (i) => list.start(positions[i]!),
    end: (i) => list.end(positions[i]!),
    toArray: () => positions.map((p) => plainConnection(list.get(p))),
    *[Symbol.iterator]() {
      for (let i = 0; i < positions.length; i++) yield view.get(i);
    },
  };
  return view;
}

/**
 * The log that denied connection `i` of `list` when that denial is its only reset and the list
 * knows it without making the evidence (a store's bit); null otherwise — read `resets` then.
 */
export function denyingLog(list: ConnectionList, i: number): string | null {
  return list instanceof ConnectionStore ? list.denyingLog(i) : null;
}

/**
 * Whether any connection of `list` names the hardware address it came from (Connection.origMac):
 * a store knows without reading its rows (a log's millions of rows name none).
 */
export function anyMac(list: ConnectionList): boolean {
  if (list instanceof ConnectionStore) return list.macsSeen > 0;
  for (let i = 0; i < list.length; i++) if (list.peek(i).origMac !== undefined) return true;
  return false;
}

/**
 * A connection's responder and originator as IPv4 numbers (-1 for any other address), read from
 * the store's columns where the connection is a row of one: a pass that asks whether millions of
 * addresses are inside the network need not write each as text and read it back.
 */
export function respV4(c: Connection): number {
  return c instanceof StoredRow ? c.respV4 : ipv4ToNumber(c.respH);
}
export function origV4(c: Connection): number {
  return c instanceof StoredRow ? c.origV4 : ipv4ToNumber(c.origH);
}

/**
 * A connection's responder as the IPv4 number whose `formatIPv4` is its `respH`, -1 for any other
 * address: unlike respV4, never a number for IPv4 text written otherwise ("10.0.0.01"), so that
 * the number stands for the text — a set of such numbers counts what a set of the texts would.
 */
export function exactRespV4(c: Connection): number {
  return c instanceof StoredRow ? c.respV4 : ipv4Number(c.respH);
}

/** exactRespV4 of the originator. */
export function exactOrigV4(c: Connection): number {
  return c instanceof StoredRow ? c.origV4 : ipv4Number(c.origH);
}

/** A ConnectionList of either kind. */
export function asList(connections: readonly Connection[] | ConnectionList): ConnectionList {
  return Array.isArray(connections) ? listOf(connections as readonly Connection[]) : (connections as ConnectionList);
}

/** What only some connections carry, and the connection itself when a column cannot hold one of its values. */
type Rare = Pick<
  Connection,
  | 'resets'
  | 'http'
  | 'sni'
  | 'quic'
  | 'dnsQuery'
  | 'dnsNames'
  | 'dnsQueries'
  | 'dnsAnswers'
  | 'requestTimes'
  | 'requestKeys'
  | 'missedBytes'
  | 'tunnelParents'
> & { whole?: Connection };

/** Repeated texts as small numbers, and back. */
class Texts {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [];
  /** The text asked for last, and its id: a log's rows repeat one history, state and transport. */
  private last: string | null = null;
  private lastId = -1;

  id(text: string): number {
    if (text === this.last) return this.lastId;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    this.last = text;
    this.lastId = id;
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
/**
 * The row's resets are one firewall log's denial at its start (`logDenial`), the log named by the
 * row's capture: a log of a million denied attempts keeps a bit for each, not an evidence object.
 */
const FLAG_LOG_DENIAL = 128;
/**
 * The row's resets are what its Zeek history and state say (`historyResets`): a Zeek log of a
 * scan's millions of refused attempts keeps a bit for each, not evidence objects.
 */
const FLAG_HISTORY_RESETS = 256;
/**
 * The row's uid is a log's (`logUid`), made again from its capture and the position kept in
 * `serial`: a firewall log's millions of attempts keep four bytes each, not their uid's text.
 */
const FLAG_LOG_UID = 512;
/** The row has the sequence number of its originator's first SYN, in the chunk's `synSeq` column. */
const FLAG_SYN_SEQ = 1024;
/** The row's `synSeq` is -1 (a capture's connection whose SYN was not seen). */
const FLAG_NO_SYN_SEQ = 2048;
/**
 * The row keeps no uid (a store kept without them): it reads as `logUid(capture, position)`, the
 * position the row's as added (the chunk's `first` and the row's place in it).
 */
const FLAG_ROW_UID = 4096;
/** The row's `requestTimes` are one, in the chunk's `requestTime` column (its rare fields have none). */
const FLAG_ONE_REQUEST = 8192;

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
  tunnelParents: NONE,
};

const localCode = (v: boolean | null): number => (v === null ? 0 : v ? 2 : 1);
const localValue = (code: number): boolean | null => (code === 0 ? null : code === 2);

/** Rows per chunk: the store grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const ROW = CHUNK - 1;

/** Words of a row in a chunk's `hot` columns, and each column's word. */
const HOT = 8;
const W_ORIG_A = 0;
const W_RESP_A = 1;
/** origP, and respP in the high half. */
const W_PORTS = 2;
/** history, and synCount in the high half. */
const W_HISTORY = 3;
/** flags (16 bits), state (8), proto (8). */
const W_FLAGS = 4;
const W_ORIG_PKTS = 5;
const W_TS_MICROS = 6;
const W_MICROS = 7;

const flagsAt = (k: Chunk, i: number): number => wordAt(k, i, W_FLAGS) & 0xffff;

/**
 * The bits `mask` of row `i`'s flags word (flags, state, transport): from the chunk alone where
 * every row of a sealed chunk has them alike — a log's rows are all of one kind of uid, none
 * denied by a firewall, most of one transport, most with IPv4 addresses — else from the row.
 */
function flagBits(k: Chunk, i: number, mask: number): number {
  const p = k.packed;
  if (p !== null && ((p.flagsAll ^ p.flagsAny) & mask) === 0) return p.flagsAll & mask;
  return wordAt(k, i, W_FLAGS) & mask;
}

/** Row `i`'s `hot` word `w`, from the words while the chunk is filled and from its packed bytes once sealed. */
function wordAt(k: Chunk, i: number, w: number): number {
  const hot = k.hot;
  return hot !== null ? hot[i * HOT + w]! : k.packed!.at(i, w);
}

/**
 * The columns of CHUNK connections (about 60 to 90 bytes each, uid bytes and rare fields aside).
 * The columns that may be null are made at the chunk's first row that is not their default (no
 * handshake time, no bytes, no answer, no TTL, no service): a firewall log's attempts and a Zeek
 * row have none of several, and each such column is 2 to 8 bytes a row. Packets received start
 * at two bytes a row and are widened at the chunk's first count that needs four.
 */
class Chunk {
  /**
   * Each row's start as whole microseconds from `tsBase` while every start is a whole number of
   * them (a Zeek log's, printed to the microsecond; a firewall log's whole seconds): four bytes a
   * row instead of eight, the start read back as the same number (both the microseconds and the
   * division exact). A start out of their reach (a long connection's, written as it ends) is
   * `TS_FAR` there and kept in `tsFar`. Held in the rows' `hot` words (W_TS_MICROS) while this
   * is true; false, and `ts` holding the starts, once a start is not of that shape (a capture's)
   * or TS_FAR_MAX are out of reach (a chunk of a quiet log's hours).
   */
  tsMicros = false;
  tsBase = 0;
  tsFar: Map<number, number> | null = null;
  /** Each row's start, made at the chunk's first start `tsMicros` cannot hold. */
  ts: Float64Array | null = null;
  /**
   * Each row's end, made at the chunk's first row whose times `micros` cannot hold. Until then
   * each row's duration is held in whole microseconds in its `hot` words (W_MICROS;
   * `DURATION_NONE` for none), its end being its start plus that: a Zeek row's times (printed to
   * the microsecond) and a firewall log's (whole seconds) in four bytes instead of sixteen. Once a
   * row's times are not of that shape (a capture's), `lastTs` (and `duration`) hold them.
   */
  lastTs: Float64Array | null = null;
  /** NaN by default (null). */
  handshakeRtt: Float64Array | null = null;
  /** 0 by default. */
  origBytes: Uint32Array | null = null;
  respBytes: Uint32Array | null = null;
  /**
   * IP bytes (`ipBytesAt`), made at the chunk's first row that has them: two bytes a row holding
   * what they are beyond the payload's bytes, or four holding the counts themselves.
   */
  origIpBytes: Uint16Array | Uint32Array | null = null;
  respIpBytes: Uint16Array | Uint32Array | null = null;
  respPkts: Uint16Array | Uint32Array | null = null;
  /**
   * The columns every row has, HOT words a row, side by side: originator and responder (IPv4
   * numbers or Texts ids), ports, history and SYN count, flags, state and transport, packets sent,
   * and a log's start and duration in microseconds (`tsMicros`, `micros`). A pass of the analysis
   * reads one host's rows, which lie among every other host's: each column of its own cost a read
   * from memory of its own a row, where these share one.
   */
  hot: Uint32Array | null;
  /**
   * The chunk's `hot` words and count columns once it is full (`seal`): each narrowed to the bytes
   * its values need. Null while rows are added to it.
   */
  packed: Packed | null = null;
  /**
   * End of each row's uid in `uids` (a row of FLAG_LOG_UID has none there), made at the chunk's
   * first uid kept as text: a firewall log's rows keep none.
   */
  uidEnd: Uint32Array | null = null;
  /** The position in its log of a row of FLAG_LOG_UID; made at the chunk's first. */
  serial: Uint32Array | null = null;
  /** The position as added of the chunk's first row (FLAG_ROW_UID). */
  first = 0;
  /** The originator's first SYN's sequence number (FLAG_SYN_SEQ); made at the chunk's first. */
  synSeq: Uint32Array | null = null;
  /** The time of a row's one request (FLAG_ONE_REQUEST); made at the chunk's first. */
  requestTime: Float64Array | null = null;
  /** Texts id + 1, 0 for none (the default). */
  service: Uint16Array | null = null;
  /** The capture of every row so far while they share one (`oneCapture`); made at the first row of another. */
  capture: Uint16Array | null = null;
  oneCapture = -1;
  /**
   * The id + 1 of the originator's hardware address in the store's table of them, 0 for none (the
   * default): two bytes a row, widened at the chunk's first id that needs four (a network of more
   * than 65,535 cards).
   */
  origMac: Uint16Array | Uint32Array | null = null;
  /** -1 by default (unseen). */
  origTtl: Int16Array | null = null;
  respTtl: Int16Array | null = null;
  /** Made at the chunk's first connection with rare fields (a scan of SYNs has none). */
  rare: (Rare | undefined)[] | null = null;
  /**
   * Durations, made at the chunk's first connection whose duration is not what its times say
   * (lastTs − ts; a Zeek row's own duration differs in the last bits) once `lastTs` holds the
   * ends: NaN for none.
   */
  duration: Float64Array | null = null;
  /**
   * Each row's uid in UID_SLOT bytes while every uid is of letters and digits, at most
   * UID_CODES of them (Zeek's and callhome's): 16 bytes where the text and its end took 23.
   * Made at the chunk's first uid; null once one is not of that shape, and `uids` holds them.
   */
  uidCodes: Uint8Array | null = null;
  /** Made at the chunk's first uid kept as text. */
  uids: Buffer | null = null;
  uidBytes = 0;

  /** `hot`: the words of a chunk sealed before, cleared and used again (else made). */
  constructor(hot: Uint32Array | null = null) {
    this.hot = hot !== null ? hot.fill(0) : new Uint32Array(CHUNK * HOT);
  }

  /** As made, for a store that takes it again: every column made at its first value let go. */
  empty(hot: Uint32Array | null = null): void {
    this.hot = hot !== null && this.hot === null ? hot.fill(0) : (this.hot ?? new Uint32Array(CHUNK * HOT));
    this.packed = null;
    this.tsMicros = false;
    this.tsFar = null;
    this.ts = null;
    this.rare = null;
    this.duration = null;
    this.lastTs = null;
    this.handshakeRtt = null;
    this.origBytes = null;
    this.respBytes = null;
    this.origIpBytes = null;
    this.respIpBytes = null;
    this.respPkts = null;
    this.service = null;
    this.synSeq = null;
    this.requestTime = null;
    this.capture = null;
    this.oneCapture = -1;
    this.origMac = null;
    this.origTtl = null;
    this.respTtl = null;
    this.serial = null;
    this.uidCodes = null;
    this.uids = null;
    this.uidEnd = null;
    this.uidBytes = 0;
  }
}

/**
 * `micros` of a row without a duration; any other holds the duration plus one: a chunk's
 * durations then range from 0 up, and packed (`seal`) take the bytes the longest needs.
 */
const DURATION_NONE = 0;

/**
 * A row's duration as `micros` holds it, or -1 when its times are not of that shape: a duration
 * of whole microseconds (or none) under 71 minutes, and its end its start plus its duration.
 */
function microsOf(ts: number, lastTs: number, duration: number | null): number {
  if (duration === null) return lastTs === ts ? DURATION_NONE : -1;
  const micros = Math.round(duration * 1e6);
  return micros >= 0 && micros < 0xffffffff && micros / 1e6 === duration && ts + duration === lastTs ? micros + 1 : -1;
}

/** The duration `micros` holds for a row: null for none. */
const durationOfMicros = (micros: number): number | null => (micros === DURATION_NONE ? null : (micros - 1) / 1e6);

/** `tsMicros` of a start kept in `tsFar`. */
const TS_FAR = 0xffffffff;
/**
 * Starts `tsFar` keeps before the chunk keeps them all in `ts`: a log of few rows an hour has
 * chunks that span more than four bytes of microseconds hold.
 */
const TS_FAR_MAX = 1024;

/** Fields of a sealed chunk's rows: its `hot` words (W_…), then its count columns. */
const F_ORIG_BYTES = HOT;
const F_RESP_BYTES = HOT + 1;
const F_ORIG_IP = HOT + 2;
const F_RESP_IP = HOT + 3;
const F_RESP_PKTS = HOT + 4;
const F_SERVICE = HOT + 5;
/** The responder's port (W_PORTS holds the originator's alone): a few a chunk, where their pairs are thousands. */
const F_RESP_P = HOT + 6;
const FIELDS = HOT + 7;

/** Row `i`'s payload bytes, packets received and service (Texts id + 1, 0 for none), from its columns or its packed bytes. */
const origBytesAt = (k: Chunk, i: number): number => (k.packed !== null ? k.packed.at(i, F_ORIG_BYTES) : (k.origBytes?.[i] ?? 0));
const respBytesAt = (k: Chunk, i: number): number => (k.packed !== null ? k.packed.at(i, F_RESP_BYTES) : (k.respBytes?.[i] ?? 0));
const respPktsAt = (k: Chunk, i: number): number => (k.packed !== null ? k.packed.at(i, F_RESP_PKTS) : (k.respPkts?.[i] ?? 0));
const serviceAt = (k: Chunk, i: number): number => (k.packed !== null ? k.packed.at(i, F_SERVICE) : (k.service?.[i] ?? 0));

/**
 * A full chunk's rows in as few bytes as their values need: each field (a `hot` word, a count
 * column) of every row in 0 to 4 bytes, as its value less the chunk's least (frame of reference),
 * or as its place in the chunk's list of the field's values (a dictionary) where that is
 * narrower. A row's fields lie side by side, as in `hot`: a pass over one host's rows, scattered
 * among every other host's, reads one stretch of memory a row. A busy day's conn.log row takes
 * 20 to 30 bytes here where its words and columns took 48: its originators share a network, its
 * responders and ports are a few thousand, its histories and states a few dozen, its counts
 * small.
 */
class Packed {
  constructor(
    /** The rows' bytes, read a value at a time wherever it lies (a row's fields are not aligned). */
    private readonly view: DataView,
    readonly stride: number,
    /** Each field's place in a row, and the bits of the four bytes read there that are its own. */
    private readonly offset: Int32Array,
    private readonly mask: Int32Array,
    /** Each field's least value, or its dictionary (its values in the order met; null for none). */
    private readonly base: Float64Array,
    private readonly dicts: (Uint32Array | null)[],
    /** The IP byte columns held the counts themselves (Uint32Array), not their excess (setIpBytes). */
    readonly origIpWide: boolean,
    readonly respIpWide: boolean,
    /** The bits of the flags word (W_FLAGS) every row has, and those any row has. */
    readonly flagsAll: number,
    readonly flagsAny: number,
  ) {}

  /** Bytes the chunk's rows take. */
  get byteLength(): number {
    return this.view.byteLength;
  }

  /**
   * Row `i`'s field `f`: four bytes read and those of the field kept, whatever its width — no
   * branch on it to mispredict, field after field (the rows end with four bytes to spare). Kept
   * small: the engine then writes it into each of the many places a row's field is read.
   */
  at(i: number, f: number): number {
    const v = (this.view.getUint32(i * this.stride + this.offset[f]!, true) & this.mask[f]!) >>> 0;
    const dict = this.dicts[f]!;
    return dict === null ? v + this.base[f]! : dict[v]!;
  }

  /** Row `i`'s first byte (for `warm`: the row read from memory, nothing made of it). */
  touch(i: number): number {
    return this.view.getUint8(i * this.stride);
  }

  /** Row `i`'s IP bytes as ipBytesAt reads them from field `f` (F_ORIG_IP or F_RESP_IP). */
  ipBytes(i: number, f: number): number {
    const v = this.at(i, f);
    const orig = f === F_ORIG_IP;
    if ((orig ? this.origIpWide : this.respIpWide) || v === 0) return v;
    return this.at(i, orig ? F_ORIG_BYTES : F_RESP_BYTES) + v - 1;
  }
}

/** The count column a field of a chunk being filled is read from (null: every row 0). */
function countColumn(k: Chunk, f: number): Uint16Array | Uint32Array | null {
  return f === F_ORIG_BYTES
    ? k.origBytes
    : f === F_RESP_BYTES
      ? k.respBytes
      : f === F_ORIG_IP
        ? k.origIpBytes
        : f === F_RESP_IP
          ? k.respIpBytes
          : f === F_RESP_PKTS
            ? k.respPkts
            : k.service;
}

/** Scratch of `seal`: each field's values as written (less the least, or places in its dictionary), and the table that finds them. */
const sealCodes: Uint32Array[] = [];
const sealTable = new Int32Array(2 * CHUNK);
const sealPlaces = new Uint32Array(CHUNK);
const sealLow = new Uint32Array(FIELDS);
const sealHigh = new Uint32Array(FIELDS);
const sealDict = new Uint32Array(CHUNK);

/** Rows `seal` reads and writes at a time: their words and bytes stay in the processor's cache while it goes over each field. */
const SEAL_BLOCK = 1024;

/**
 * Every field of the first `n` rows of a chunk being filled into `out` (one array a field), the
 * least and greatest value of each into `low` and `high`; a block of rows at a time, field by
 * field (the chunk's words are two megabytes: read a field at a time over all of them, each
 * field would read them all from memory again).
 */
function gather(k: Chunk, n: number, out: Uint32Array[], low: Uint32Array, high: Uint32Array): void {
  low.fill(0xffffffff);
  high.fill(0);
  const hot = k.hot!;
  for (let from = 0; from < n; from += SEAL_BLOCK) {
    const to = Math.min(n, from + SEAL_BLOCK);
    for (let f = 0; f < FIELDS; f++) {
      const values = out[f]!;
      let least = low[f]!;
      let most = high[f]!;
      if (f < HOT || f === F_RESP_P) {
        const word = f === F_RESP_P ? W_PORTS : f;
        const shift = f === F_RESP_P ? 16 : 0;
        const mask = f === W_PORTS || f === F_RESP_P ? 0xffff : -1;
        for (let j = from, at = from * HOT + word; j < to; j++, at += HOT) {
          const v = ((hot[at]! >>> shift) & mask) >>> 0;
          values[j] = v;
          if (v < least) least = v;
          if (v > most) most = v;
        }
      } else {
        const column = countColumn(k, f);
        if (column === null) {
          values.fill(0, from, to);
          least = 0;
        } else {
          for (let j = from; j < to; j++) {
            const v = column[j]!;
            values[j] = v;
            if (v < least) least = v;
            if (v > most) most = v;
          }
        }
      }
      low[f] = least;
      high[f] = most;
    }
  }
}

/**
 * The distinct values of `values[0, n)` into `dict` in order met, and each row's place among them
 * into `places`; their number, or -1 once there would be more than `limit`.
 */
function dictionary(values: Uint32Array, n: number, limit: number, dict: Uint32Array, places: Uint32Array): number {
  const bits = Math.max(9, Math.ceil(Math.log2(2 * limit)));
  const mask = (1 << bits) - 1;
  const table = sealTable;
  table.fill(0, 0, mask + 1);
  let count = 0;
  for (let j = 0; j < n; j++) {
    const v = values[j]!;
    let h = Math.imul(v, 0x9e3779b1) >>> (32 - bits);
    for (;;) {
      const e = table[h]!;
      if (e === 0) {
        // Given up at the limit, or once most rows so far brought a value of their own and at
        // that pace the rest would pass it (a field of times or byte counts).
        if (count === limit || (j >= 4096 && 2 * count > j && count * n > limit * j)) return -1;
        dict[count] = v;
        places[j] = count;
        table[h] = ++count;
        break;
      }
      if (dict[e - 1] === v) {
        places[j] = e - 1;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return count;
}

/** Bytes that hold every number up to `range`. */
const bytesFor = (range: number): number => (range === 0 ? 0 : range < 0x100 ? 1 : range < 0x10000 ? 2 : range < 0x1000000 ? 3 : 4);

/**
 * The first `n` rows of chunk `k` packed (`Packed`), its words and count columns let go; the
 * words are given back for the next chunk to fill.
 */
function seal(k: Chunk, n: number): Uint32Array {
  const width = new Uint8Array(FIELDS);
  const base = new Float64Array(FIELDS);
  const offset = new Int32Array(FIELDS);
  const dicts = new Array<Uint32Array | null>(FIELDS).fill(null);
  let stride = 0;
  for (let f = 0; f < FIELDS; f++) sealCodes[f] ??= new Uint32Array(CHUNK);
  gather(k, n, sealCodes, sealLow, sealHigh);
  let flagsAll = -1;
  let flagsAny = 0;
  const flags = sealCodes[W_FLAGS]!;
  for (let j = 0; j < n; j++) {
    flagsAll &= flags[j]!;
    flagsAny |= flags[j]!;
  }
  for (let f = 0; f < FIELDS; f++) {
    const values = sealCodes[f]!;
    const min = n === 0 ? 0 : sealLow[f]!;
    let w = bytesFor(sealHigh[f]! - min);
    if (w >= 2) {
      // A field of a few values (a history, a server, a state) is narrower as its place among
      // them, where the places and the list of values take fewer bytes than the values: the
      // dictionary is given up as soon as it could not.
      const limit = w === 2 ? 0x100 : Math.min(CHUNK, Math.floor((n * (w - 1)) / 4));
      const count = dictionary(values, n, limit, sealDict, sealPlaces);
      const dictWidth = count > 0x100 ? 2 : 1;
      if (count > 0 && n * dictWidth + 4 * count < n * w) {
        dicts[f] = count <= 0x100 ? sharedDictionary(count, sealPlaces, n) : sealDict.slice(0, count);
        values.set(sealPlaces.subarray(0, n));
        w = dictWidth;
      }
    }
    width[f] = w;
    base[f] = dicts[f] === null ? min : 0;
    offset[f] = stride;
    stride += w;
  }
  // (Four bytes to spare after the last row's: each value is read as four.)
  const bytes = new Uint8Array(n * stride + 4);
  const view = new DataView(bytes.buffer);
  // Each value written as four bytes, field after field: the bytes past its own are the next
  // fields', written over as they follow, and no branch on the width — but for the last fields
  // of a row, whose four bytes would reach into the next row's first, written before.
  for (let from = 0; from < n; from += SEAL_BLOCK) {
    const to = Math.min(n, from + SEAL_BLOCK);
    for (let f = 0; f < FIELDS; f++) {
      const w = width[f]!;
      if (w === 0) continue;
      const codes = sealCodes[f]!;
      const min = base[f]!;
      const o = offset[f]!;
      if (offset[f]! + 4 <= stride) {
        for (let j = from, at = from * stride + o; j < to; j++, at += stride) view.setUint32(at, (codes[j]! - min) | 0, true);
      } else {
        for (let j = from, at = from * stride + o; j < to; j++, at += stride) {
          const v = codes[j]! - min;
          for (let b = 0; b < w; b++) bytes[at + b] = v >>> (8 * b);
        }
      }
    }
  }
  const layout = layoutOf(width, offset);
  const packed = new Packed(
    view,
    stride,
    layout.offset,
    layout.mask,
    base,
    dicts,
    k.origIpBytes instanceof Uint32Array,
    k.respIpBytes instanceof Uint32Array,
    flagsAll,
    flagsAny,
  );
  const words = k.hot!;
  k.hot = null;
  k.packed = packed;
  k.origBytes = k.respBytes = null;
  k.origIpBytes = k.respIpBytes = k.respPkts = k.service = null;
  return words;
}

/**
 * The offsets and masks of chunks whose fields have these widths, made once: a log's chunks are
 * mostly alike, and a pass that goes from chunk to chunk then reads one pair of arrays, where
 * one of each chunk's own would be a read from memory each.
 */
function layoutOf(width: Uint8Array, offset: Int32Array): { offset: Int32Array; mask: Int32Array } {
  const key = width.join('');
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = { offset, mask: Int32Array.from(width, (w) => (w === 4 ? -1 : (1 << (8 * w)) - 1)) };
    if (layouts.size < MAX_LAYOUTS) layouts.set(key, layout);
  }
  return layout;
}
const layouts = new Map<string, { offset: Int32Array; mask: Int32Array }>();
const MAX_LAYOUTS = 4096;

/**
 * The dictionary of `count` values in sealDict, in order of value and made once for every chunk
 * with the same values (a log's histories, states, ports: the same few in chunk after chunk), the
 * places of `n` rows renumbered to it.
 */
function sharedDictionary(count: number, places: Uint32Array, n: number): Uint32Array {
  const sorted = sealDict.slice(0, count).sort();
  const key = sorted.join(',');
  let dict = dictionaries.get(key);
  if (dict === undefined) {
    dict = sorted;
    if (dictionaries.size < MAX_DICTIONARIES) dictionaries.set(key, dict);
  }
  const rank = new Map<number, number>();
  for (let r = 0; r < count; r++) rank.set(dict[r]!, r);
  const renumber = new Uint8Array(count);
  for (let d = 0; d < count; d++) renumber[d] = rank.get(sealDict[d]!)!;
  for (let j = 0; j < n; j++) places[j] = renumber[places[j]!]!;
  return dict;
}
const dictionaries = new Map<string, Uint32Array>();
const MAX_DICTIONARIES = 4096;

/** A sealed chunk's first `n` rows back in words and columns, for rows to be added to it. */
function unseal(k: Chunk, n: number): void {
  const p = k.packed!;
  const hot = new Uint32Array(CHUNK * HOT);
  for (let j = 0; j < n; j++) {
    for (let w = 0; w < HOT; w++) hot[j * HOT + w] = p.at(j, w);
    hot[j * HOT + W_PORTS] = p.at(j, W_PORTS) | (p.at(j, F_RESP_P) << 16);
  }
  const column = (f: number, make: (max: number) => Uint16Array | Uint32Array): Uint16Array | Uint32Array | null => {
    let max = 0;
    for (let j = 0; j < n; j++) max = Math.max(max, p.at(j, f));
    if (max === 0) return null;
    const out = make(max);
    for (let j = 0; j < n; j++) out[j] = p.at(j, f);
    return out;
  };
  const u32 = (): Uint32Array => new Uint32Array(CHUNK);
  const u16 = (): Uint16Array => new Uint16Array(CHUNK);
  k.origBytes = column(F_ORIG_BYTES, u32) as Uint32Array | null;
  k.respBytes = column(F_RESP_BYTES, u32) as Uint32Array | null;
  k.origIpBytes = column(F_ORIG_IP, p.origIpWide ? u32 : u16);
  k.respIpBytes = column(F_RESP_IP, p.respIpWide ? u32 : u16);
  k.respPkts = column(F_RESP_PKTS, (max) => (max > 0xffff ? u32() : u16()));
  k.service = column(F_SERVICE, u16) as Uint16Array | null;
  k.hot = hot;
  k.packed = null;
}

/** Row `i`'s start. */
function tsAt(k: Chunk, i: number): number {
  if (!k.tsMicros) return k.ts![i]!;
  const d = wordAt(k, i, W_TS_MICROS);
  return d !== TS_FAR ? (k.tsBase + d) / 1e6 : k.tsFar!.get(i)!;
}

/** Row `i`'s start into the chunk's columns: `tsMicros` while the starts are of its shape, else `ts`. */
function setTs(k: Chunk, i: number, ts: number): void {
  if (k.ts !== null) {
    k.ts[i] = ts;
    return;
  }
  const micros = Math.round(ts * 1e6);
  // (-0 would come back as 0.)
  const whole = micros / 1e6 === ts && Number.isSafeInteger(micros) && !Object.is(ts, -0);
  if (whole && i === 0) {
    k.tsMicros = true;
    // Four bytes hold 71 minutes: 18 of them before the chunk's first start (a long connection's
    // start, written as it ends), 53 after.
    k.tsBase = micros - 2 ** 30;
  }
  const d = micros - k.tsBase;
  const far = !(d >= 0 && d < TS_FAR);
  if (!whole || !k.tsMicros || (far && k.tsFar !== null && k.tsFar.size >= TS_FAR_MAX)) {
    // The rows before as starts, from which every later row is read.
    const starts = new Float64Array(CHUNK);
    for (let j = 0; j < i; j++) starts[j] = tsAt(k, j);
    k.tsMicros = false;
    k.tsFar = null;
    k.ts = starts;
    starts[i] = ts;
    return;
  }
  if (!far) k.hot![i * HOT + W_TS_MICROS] = d;
  else {
    k.hot![i * HOT + W_TS_MICROS] = TS_FAR;
    (k.tsFar ??= new Map()).set(i, ts);
  }
}

/** Row `i`'s end. */
function lastTsAt(k: Chunk, i: number): number {
  if (k.lastTs !== null) return k.lastTs[i]!;
  const micros = wordAt(k, i, W_MICROS);
  return micros === DURATION_NONE ? tsAt(k, i) : tsAt(k, i) + (micros - 1) / 1e6;
}

/** Row `i`'s capture. */
const captureAt = (k: Chunk, i: number): number => (k.capture === null ? k.oneCapture : k.capture[i]!);

/** Row `i`'s times: the chunk's `micros` while they hold them, else its `lastTs` and `duration` columns. */
function setTimes(k: Chunk, i: number, c: Connection): void {
  setTs(k, i, c.ts);
  if (k.lastTs === null) {
    const micros = microsOf(c.ts, c.lastTs, c.duration);
    if (micros >= 0) {
      k.hot![i * HOT + W_MICROS] = micros;
      return;
    }
    // The rows before as lastTs and duration columns, from which every later row is read.
    const lastTs = new Float64Array(CHUNK);
    if (i > 0) {
      // Rows before are in `micros`: every row is, while `lastTs` is not made.
      const duration = (k.duration = new Float64Array(CHUNK));
      for (let j = 0; j < i; j++) {
        lastTs[j] = lastTsAt(k, j);
        duration[j] = durationOfMicros(wordAt(k, j, W_MICROS)) ?? Number.NaN;
      }
    }
    k.lastTs = lastTs;
  }
  k.lastTs[i] = c.lastTs;
  if (k.duration !== null || c.duration !== durationOf(c.ts, c.lastTs)) {
    if (k.duration === null) {
      k.duration = new Float64Array(CHUNK);
      for (let j = 0; j < i; j++) k.duration[j] = durationOf(tsAt(k, j), k.lastTs[j]!) ?? Number.NaN;
    }
    k.duration[i] = c.duration ?? Number.NaN;
  }
}

/**
 * A row's IP bytes into their column, `bytes` its payload's (row `i` of `bytesColumn` for the rows
 * before): while each row's are at most 65,534 more than its payload's (headers, 40 to 60 bytes a
 * packet), a Uint16Array holding that excess plus one (0: no IP bytes counted) — two bytes a row
 * where the counts took four; at the chunk's first row that is not so, a Uint32Array of the counts.
 */
function setIpBytes(
  column: Uint16Array | Uint32Array | null,
  i: number,
  ipBytes: number,
  bytes: number,
  bytesColumn: Uint32Array | null,
): Uint16Array | Uint32Array {
  const excess = ipBytes - bytes;
  if (column === null && excess >= 0 && excess < 0xffff) column = new Uint16Array(CHUNK);
  if (column instanceof Uint16Array) {
    if (excess >= 0 && excess < 0xffff) {
      column[i] = excess + 1;
      return column;
    }
    const counts = new Uint32Array(CHUNK);
    for (let j = 0; j < i; j++) counts[j] = ipBytesAt(column, j, bytesColumn);
    column = counts;
  }
  column ??= new Uint32Array(CHUNK);
  column[i] = ipBytes;
  return column;
}

/** Row `i`'s IP bytes as setIpBytes keeps them, `bytesColumn` its payload's. */
function ipBytesAt(column: Uint16Array | Uint32Array | null, i: number, bytesColumn: Uint32Array | null): number {
  if (column === null) return 0;
  const v = column[i]!;
  if (!(column instanceof Uint16Array)) return v;
  return v === 0 ? 0 : (bytesColumn === null ? 0 : bytesColumn[i]!) + v - 1;
}

/** A packet count into its column, the column widened to four bytes a row at the first count that needs them. */
function setCount16(column: Uint16Array | Uint32Array, i: number, value: number): Uint16Array | Uint32Array {
  if (value > 0xffff && column instanceof Uint16Array) column = Uint32Array.from(column);
  column[i] = value;
  return column;
}

/** Row `i`'s capture; the chunk's `capture` column made at its first row of another capture than the rows before. */
function setCapture(k: Chunk, i: number, capture: number): void {
  if (k.capture === null) {
    if (i === 0 || capture === k.oneCapture) {
      k.oneCapture = capture;
      return;
    }
    k.capture = new Uint16Array(CHUNK).fill(k.oneCapture);
  }
  k.capture[i] = capture;
}

/**
 * Chunks a released store gives back, for the next store to take: `compare` analyses its inputs
 * one after another, and the second need not wait for the collector to free the first's memory.
 */
export class ChunkPool {
  private readonly free: Chunk[] = [];

  /** A chunk to fill; `hot`, the words of one just sealed, for it to use if it needs words. */
  take(hot: Uint32Array | null = null): Chunk {
    const chunk = this.free.pop();
    if (chunk === undefined) return new Chunk(hot);
    chunk.empty(hot);
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

  /** Rows keep their uids (StoreOptions). */
  private readonly keepUids: boolean;

  /** `pool`: where chunks come from and go back to on `release` (none: made afresh, left to the collector). */
  constructor(
    private readonly pool: ChunkPool | null = null,
    options: StoreOptions = {},
  ) {
    this.keepUids = options.uids !== false;
    this.sealAfter = options.sealAfter ?? SEAL_AFTER;
  }

  /** StoreOptions.sealAfter, and the chunks sealed so far (all those before it). */
  private sealAfter: number;
  private sealed = 0;

  /** The chunks before `upTo` sealed; the words of the last one sealed (null: none was). */
  private sealUpTo(upTo: number): Uint32Array | null {
    let words: Uint32Array | null = null;
    for (; this.sealed < upTo; this.sealed++) {
      const k = this.chunks[this.sealed]!;
      if (k.packed === null) words = seal(k, Math.min(CHUNK, this.n - k.first));
    }
    return words;
  }

  /** Whether its rows keep their uids (StoreOptions.uids). */
  get keepsUids(): boolean {
    return this.keepUids;
  }

  /**
   * From now on sealed as a store made with `options` seals its chunks (StoreOptions.sealAfter):
   * the store a stream's conn rows waited in, taken as the analysis's own.
   */
  sealLike(options: StoreOptions): void {
    this.sealAfter = options.sealAfter ?? SEAL_AFTER;
  }

  /** Empties the store, its chunks given back to its pool. */
  release(): void {
    this.pool?.give(this.chunks);
    this.chunks = [];
    this.n = 0;
    this.sealed = 0;
    this.order = null;
    this.sorted = false;
  }
  private readonly texts = new Texts();
  /** Connection states and transports: a few values, one byte each. */
  private readonly states = new Texts();
  private readonly transports = new Texts();
  /** Hardware addresses: a network's hosts, each on many rows. */
  private readonly macs = new Texts();
  /** What a row's view reads its texts from. */
  private readonly tables: Tables = {
    texts: this.texts.texts,
    states: this.states.texts,
    transports: this.transports.texts,
    macs: this.macs.texts,
    senders: new Map(),
  };
  /** Positions in start order once sorted, else null (the order added). */
  private order: Uint32Array | null = null;
  /** Sorted by `sortByStart` since the last row was added. */
  private sorted = false;

  get startOrdered(): boolean {
    return this.sorted;
  }

  /** Hardware addresses its rows name (Connection.origMac), each counted once. */
  get macsSeen(): number {
    return this.macs.texts.length;
  }

  get length(): number {
    return this.n;
  }

  add(c: Connection): void {
    const i = this.n & ROW;
    if (i === 0) {
      // Every chunk so far is full: sealed once there are more than `sealAfter`, and the words of
      // the last one sealed are the new chunk's.
      const words = this.chunks.length >= this.sealAfter ? this.sealUpTo(this.chunks.length) : null;
      const chunk = this.pool !== null ? this.pool.take(words) : new Chunk(words);
      chunk.first = this.n;
      this.chunks.push(chunk);
    }
    const k = this.chunks[this.chunks.length - 1]!;
    // (A chunk sealed by a sort and added to after it.)
    if (k.packed !== null) {
      unseal(k, i);
      this.sealed--;
    }
    this.n++;
    this.order = null;
    this.sorted = false;
    setTimes(k, i, c);
    if (c.handshakeRtt !== null) (k.handshakeRtt ??= new Float64Array(CHUNK).fill(Number.NaN))[i] = c.handshakeRtt;
    if (c.origBytes !== 0) (k.origBytes ??= new Uint32Array(CHUNK))[i] = c.origBytes;
    if (c.respBytes !== 0) (k.respBytes ??= new Uint32Array(CHUNK))[i] = c.respBytes;
    if (c.origIpBytes !== 0) k.origIpBytes = setIpBytes(k.origIpBytes, i, c.origIpBytes, c.origBytes, k.origBytes);
    if (c.respIpBytes !== 0) k.respIpBytes = setIpBytes(k.respIpBytes, i, c.respIpBytes, c.respBytes, k.respBytes);
    const at = i * HOT;
    const hot = k.hot!;
    hot[at + W_ORIG_PKTS] = c.origPkts;
    if (c.respPkts !== 0) k.respPkts = setCount16(k.respPkts ?? new Uint16Array(CHUNK), i, c.respPkts);
    let flags = c.established ? FLAG_ESTABLISHED : 0;
    flags |= localCode(c.localOrig) << LOCAL_ORIG_SHIFT;
    flags |= localCode(c.localResp) << LOCAL_RESP_SHIFT;
    const orig = ipv4Number(c.origH);
    if (orig < 0) {
      flags |= FLAG_ORIG_TEXT;
      hot[at + W_ORIG_A] = this.texts.id(c.origH);
    } else hot[at + W_ORIG_A] = orig;
    const resp = ipv4Number(c.respH);
    if (resp < 0) {
      flags |= FLAG_RESP_TEXT;
      hot[at + W_RESP_A] = this.texts.id(c.respH);
    } else hot[at + W_RESP_A] = resp;
    let resets = c.resets;
    if (resets.length === 1 && this.isLogDenial(c, resets[0]!)) {
      flags |= FLAG_LOG_DENIAL;
      resets = NONE;
    } else if (resets.length > 0 && resets[0]!.origin === 'zeek-conn' && sameResets(resets, historyResets(c))) {
      flags |= FLAG_HISTORY_RESETS;
      resets = NONE;
    }
    const serial = this.keepUids ? logUidIndex(c.uid, c.capture) : -1;
    if (!this.keepUids) flags |= FLAG_ROW_UID;
    else if (serial >= 0) {
      flags |= FLAG_LOG_UID;
      (k.serial ??= new Uint32Array(CHUNK))[i] = serial;
      if (k.uidEnd !== null) k.uidEnd[i] = k.uidBytes;
    } else addUid(k, i, c.uid);
    const history = this.texts.id(c.history);
    const service = c.service === null ? 0 : this.texts.id(c.service) + 1;
    const state = this.states.id(c.connState);
    const proto = this.transports.id(c.proto);
    hot[at + W_HISTORY] = (history & 0xffff) | ((c.synCount & 0xffff) << 16);
    if (service !== 0) (k.service ??= new Uint16Array(CHUNK))[i] = service;
    setCapture(k, i, c.capture);
    hot[at + W_PORTS] = (c.origP & 0xffff) | ((c.respP & 0xffff) << 16);
    if (c.origTtl !== -1) (k.origTtl ??= new Int16Array(CHUNK).fill(-1))[i] = c.origTtl;
    if (c.origMac !== undefined) k.origMac = setCount16(k.origMac ?? new Uint16Array(CHUNK), i, this.macs.id(c.origMac) + 1);
    if (c.respTtl !== -1) (k.respTtl ??= new Int16Array(CHUNK).fill(-1))[i] = c.respTtl;
    if (c.synSeq === -1) flags |= FLAG_NO_SYN_SEQ;
    else if (c.synSeq !== undefined) {
      flags |= FLAG_SYN_SEQ;
      (k.synSeq ??= new Uint32Array(CHUNK))[i] = c.synSeq;
    }
    hot[at + W_FLAGS] = flags | ((state & 0xff) << 16) | ((proto & 0xff) << 24);
    if (history > 0xffff || service > 0xffff || state > 0xff || proto > 0xff || !fits(c)) {
      const whole = plainConnection(c);
      setRare(k, i, { ...NO_RARE, whole: this.keepUids ? whole : { ...whole, uid: uidAt(k, i) } });
      return;
    }
    if (
      resets.length > 0 ||
      c.http !== null ||
      c.sni !== null ||
      c.quic !== null ||
      c.dnsQuery !== null ||
      c.dnsNames.length > 0 ||
      c.dnsQueries !== 0 ||
      c.dnsAnswers.length > 0 ||
      c.requestTimes.length > 0 ||
      c.missedBytes !== 0 ||
      (c.tunnelParents !== undefined && c.tunnelParents.length > 0)
    ) {
      let requestTimes = c.requestTimes;
      if (requestTimes.length === 1) {
        // One request: its time in a column, and the rest of the row's rare fields as other rows'.
        hot[at + W_FLAGS] = hot[at + W_FLAGS]! | FLAG_ONE_REQUEST;
        (k.requestTime ??= new Float64Array(CHUNK))[i] = requestTimes[0]!;
        requestTimes = NONE;
      }
      setRare(
        k,
        i,
        this.rares.share({
          resets,
          http: c.http,
          sni: c.sni,
          quic: c.quic,
          dnsQuery: c.dnsQuery,
          dnsNames: c.dnsNames,
          dnsQueries: c.dnsQueries,
          dnsAnswers: c.dnsAnswers,
          requestTimes,
          // (One request repeats nothing: a row of one keeps no key, as a capture's connection of one has none.)
          ...(requestTimes.length > 1 && c.requestKeys !== undefined ? { requestKeys: c.requestKeys } : {}),
          missedBytes: c.missedBytes,
          tunnelParents: c.tunnelParents ?? NONE,
        }),
      );
    }
  }

  /** Rare fields that rows have alike, kept once. */
  private readonly rares = new SharedRares();

  /** Whether `r` is the only reset of `c` and is its log's denial at its start, the log its capture's. */
  private isLogDenial(c: Connection, r: ResetEvidence): boolean {
    if (!isLogDenialAt(r, c.ts)) return false;
    const sender = this.tables.senders.get(c.capture);
    if (sender === undefined) this.tables.senders.set(c.capture, r.sender);
    return sender === undefined || sender === r.sender;
  }

  get(i: number): Connection {
    return this.make(this.order === null ? i : this.order[i]!);
  }

  start(i: number): number {
    const r = this.order === null ? i : this.order[i]!;
    return tsAt(this.chunks[r >>> CHUNK_BITS]!, r & ROW);
  }

  end(i: number): number {
    const r = this.order === null ? i : this.order[i]!;
    return lastTsAt(this.chunks[r >>> CHUNK_BITS]!, r & ROW);
  }

  /**
   * Hands every row on as a plain connection in the order added (in start order once sorted),
   * letting go of each chunk once its rows are handed on: the store is empty after. `each` must not
   * read the store. A stream's conn rows wait in a store until its side logs are read, then go to
   * the analysis's own store: the two then never hold every row at once.
   */
  drain(each: (c: Connection) => void): void {
    if (this.order !== null) {
      for (let i = 0; i < this.n; i++) each(plainConnection(this.get(i)));
      this.release();
      return;
    }
    const chunks = this.chunks;
    const n = this.n;
    this.chunks = [];
    this.release();
    for (let at = 0; at < chunks.length; at++) {
      const k = chunks[at]!;
      const rows = Math.min(CHUNK, n - k.first);
      for (let i = 0; i < rows; i++) each(plainConnection(wholeAt(k, i) ?? new StoredRow(k, i, this.tables)));
      // (Its memory is the collector's to free; a pool would keep it.)
      chunks[at] = EMPTY_CHUNK;
    }
  }

  toArray(): Connection[] {
    const out = new Array<Connection>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = plainConnection(this.get(i));
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
        // (Fields rows share stay shared.)
        if (r !== undefined && r.whole === undefined && !this.rares.isShared(r)) rare[i] = { ...r };
      }
    }
  }

  /** In order of start time, ties by uid (the order loadCaptures gives). */
  sortByStart(): void {
    this.compactRare();
    if (this.chunks.length > this.sealAfter) this.sealUpTo(this.chunks.length);
    const n = this.n;
    let sorted = true;
    let ties = false;
    let previous = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < n; r++) {
      const t = this.startAt(r);
      if (t <= previous) {
        if (t < previous) sorted = false;
        else ties = true;
      }
      previous = t;
    }
    this.sorted = true;
    if (sorted && !ties) {
      this.order = null;
      return;
    }
    let order: Uint32Array | null = sorted ? null : this.orderByMicros();
    if (order === null) {
      order = new Uint32Array(n);
      for (let r = 0; r < n; r++) order[r] = r;
      if (!sorted) {
        const ts = new Float64Array(n);
        for (let r = 0; r < n; r++) ts[r] = this.startAt(r);
        order.sort((a, b) => ts[a]! - ts[b]! || a - b);
      }
    }
    // Rows that start together, by uid: each uid of a tie decoded once (a log with one-second
    // time stamps ties most rows; decoding two uids per comparison was most of the sort).
    for (let from = 0; from < n;) {
      const t = this.startAt(order[from]!);
      let to = from + 1;
      while (to < n && this.startAt(order[to]!) === t) to++;
      if (to - from > 1) this.orderByUid(order, from, to);
      from = to;
    }
    // A firewall log's rows tie by the second and are added in the order of their uids: every
    // row then stays where it is, and no row is read through the order.
    this.order = isIdentity(order) ? null : order;
  }

  /** Row `r`'s start (the order added). */
  private startAt(r: number): number {
    return tsAt(this.chunks[r >>> CHUNK_BITS]!, r & ROW);
  }

  /**
   * The rows in order of start, ties in the order added, by the engine's own sort of 64-bit
   * numbers: each row's start in microseconds from the first, and the row below it. A Zeek log
   * is written as connections end, not as they start, and sorting its millions of rows through a
   * comparison function cost seconds and twice the order's size in the engine's work arrays.
   * Null when a start is not a whole microsecond (a capture's nanoseconds) or the starts span
   * more than the bits the row numbers leave (about 12 days at 10 M rows).
   */
  private orderByMicros(): Uint32Array | null {
    const n = this.n;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < n; r++) {
      const t = this.startAt(r);
      const micros = Math.round(t * 1e6);
      if (micros / 1e6 !== t) return null;
      if (micros < first) first = micros;
      if (micros > last) last = micros;
    }
    const rowBits = Math.max(1, Math.ceil(Math.log2(n)));
    const shift = 32 - rowBits;
    if (rowBits > 32 || last - first >= 2 ** (64 - rowBits)) return null;
    // The keys in scratch memory: the order is written over their first half, and the whole
    // given back at once (80 MB at 10 M rows, else held through the analysis).
    const buffer = scratchBuffer(8 * n);
    const keys = new BigUint64Array(buffer);
    const words = new Uint32Array(buffer);
    const [low, high] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
    const rowScale = 2 ** rowBits;
    const highScale = 2 ** shift;
    for (let r = 0; r < n; r++) {
      // (micros − first) · 2^rowBits + r, written as its two 32-bit halves.
      const t = Math.round(this.startAt(r) * 1e6) - first;
      words[2 * r + high] = Math.floor(t / highScale);
      words[2 * r + low] = (t % highScale) * rowScale + r;
    }
    keys.sort();
    // Each row below its key, written over the keys from the first (row i's word at 4i bytes, its
    // key at 8i: none is written over before it is read).
    const mask = rowScale - 1;
    for (let i = 0; i < n; i++) words[i] = rowBits === 32 ? words[2 * i + low]! : words[2 * i + low]! & mask;
    buffer.resize(4 * n);
    const order = new Uint32Array(words.subarray(0, n));
    free(buffer);
    return order;
  }

  /** `order[from, to)` sorted by uid. */
  private orderByUid(order: Uint32Array, from: number, to: number): void {
    if (this.logUidsOrder(order, from, to)) return;
    const tied = Array.from(order.subarray(from, to), (r) => ({ r, uid: this.uidOf(r) }));
    tied.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    for (let k = 0; k < tied.length; k++) order[from + k] = tied[k]!.r;
  }

  /**
   * `order[from, to)` sorted by uid when every row's uid is a log's (FLAG_LOG_UID) or none is kept
   * (FLAG_ROW_UID): `logUid` texts sort as their input and position do, so none is made (a
   * firewall log with one-second time stamps ties most of its millions of rows). False, nothing
   * moved, when one is not.
   */
  private logUidsOrder(order: Uint32Array, from: number, to: number): boolean {
    const keys = new Float64Array(to - from);
    for (let j = from; j < to; j++) {
      const r = order[j]!;
      const k = this.chunks[r >>> CHUNK_BITS]!;
      const i = r & ROW;
      const flags = flagsAt(k, i);
      if ((flags & (FLAG_LOG_UID | FLAG_ROW_UID)) === 0) return false;
      keys[j - from] = captureAt(k, i) * 2 ** 32 + (flags & FLAG_ROW_UID ? k.first + i : k.serial![i]!);
    }
    const tied = order.slice(from, to);
    const at = new Uint32Array(to - from);
    for (let j = 0; j < at.length; j++) at[j] = j;
    at.sort((a, b) => keys[a]! - keys[b]!);
    for (let j = 0; j < at.length; j++) order[from + j] = tied[at[j]!]!;
    return true;
  }

  /**
   * The connection at `i` for a pass that reads it and moves on: one view of the store's is moved
   * to the row on each call, so it is valid until the next peek. Keep its fields' values (texts,
   * the reset and DNS lists), never the object.
   */
  peek(i: number): Connection {
    const r = this.order === null ? i : this.order[i]!;
    const k = this.chunks[r >>> CHUNK_BITS]!;
    const whole = wholeAt(k, r & ROW);
    if (whole !== undefined) return whole;
    if (this.lens === null) return (this.lens = new StoredRow(k, r & ROW, this.tables));
    this.lens.move(k, r & ROW);
    return this.lens;
  }

  /** The view `peek` moves from row to row. */
  private lens: StoredRow | null = null;

  /**
   * Reads the row words of the connections at `positions` (in start order) in a loop that does
   * nothing else, so that the reads from memory are under way many at a time; the passes over
   * those rows that follow find them in the cache. One host's rows lie among every other host's,
   * and a pass that works on each row before it reads the next waits on each read in turn.
   */
  warm(positions: ArrayLike<number>): void {
    let sum = 0;
    const order = this.order;
    const chunks = this.chunks;
    for (let j = 0; j < positions.length; j++) {
      const r = order === null ? positions[j]! : order[positions[j]!]!;
      const k = chunks[r >>> CHUNK_BITS]!;
      const p = k.packed;
      sum ^= p !== null ? p.touch(r & ROW) : k.hot![(r & ROW) * HOT + W_FLAGS]!;
    }
    this.warmth ^= sum;
  }

  /** What `warm` read, kept so that its reads are made. */
  warmth = 0;

  /**
   * The log that denied connection `i` when that denial is its only reset (kept as a bit: the
   * evidence is made again only when its fields are read), else null.
   */
  denyingLog(i: number): string | null {
    const r = this.order === null ? i : this.order[i]!;
    const k = this.chunks[r >>> CHUNK_BITS]!;
    return flagBits(k, r & ROW, FLAG_LOG_DENIAL) !== 0 ? this.tables.senders.get(captureAt(k, r & ROW))! : null;
  }

  private make(r: number): Connection {
    const k = this.chunks[r >>> CHUNK_BITS]!;
    return wholeAt(k, r & ROW) ?? new StoredRow(k, r & ROW, this.tables);
  }

  private uidOf(r: number): string {
    return uidAt(this.chunks[r >>> CHUNK_BITS]!, r & ROW);
  }
}

/** What `drain` leaves where a chunk was. */
const EMPTY_CHUNK = new Chunk(new Uint32Array(0));

/** Whether `order` leaves every position where it is. */
function isIdentity(order: Uint32Array): boolean {
  for (let i = 0; i < order.length; i++) if (order[i] !== i) return false;
  return true;
}

/** The texts a store's rows point at: the store's repeated texts, states and transports, the log each capture's denials name. */
interface Tables {
  texts: readonly string[];
  states: readonly string[];
  transports: readonly string[];
  macs: readonly string[];
  senders: Map<number, string>;
}

/** A connection's fields in a plain object (a store's row is a view that reads its columns). */
export function plainConnection(c: Connection): Connection {
  if (!(c instanceof StoredRow)) return c;
  return {
    uid: c.uid,
    proto: c.proto,
    ts: c.ts,
    lastTs: c.lastTs,
    origH: c.origH,
    origP: c.origP,
    respH: c.respH,
    respP: c.respP,
    service: c.service,
    duration: c.duration,
    origBytes: c.origBytes,
    respBytes: c.respBytes,
    connState: c.connState,
    localOrig: c.localOrig,
    localResp: c.localResp,
    missedBytes: c.missedBytes,
    history: c.history,
    origPkts: c.origPkts,
    origIpBytes: c.origIpBytes,
    respPkts: c.respPkts,
    respIpBytes: c.respIpBytes,
    ...(c.tunnelParents !== undefined && c.tunnelParents.length > 0 ? { tunnelParents: c.tunnelParents } : {}),
    capture: c.capture,
    synCount: c.synCount,
    ...(c.synSeq !== undefined ? { synSeq: c.synSeq } : {}),
    origTtl: c.origTtl,
    respTtl: c.respTtl,
    ...(c.origMac !== undefined ? { origMac: c.origMac } : {}),
    handshakeRtt: c.handshakeRtt,
    established: c.established,
    resets: c.resets,
    http: c.http,
    sni: c.sni,
    quic: c.quic,
    dnsQuery: c.dnsQuery,
    dnsNames: c.dnsNames,
    dnsQueries: c.dnsQueries,
    dnsAnswers: c.dnsAnswers,
    requestTimes: c.requestTimes,
    ...(c.requestKeys !== undefined ? { requestKeys: c.requestKeys } : {}),
  };
}

/** The connection a row's columns could not hold, kept whole, if row `i` of `k` is one. */
function wholeAt(k: Chunk, i: number): Connection | undefined {
  return k.rare === null ? undefined : k.rare[i]?.whole;
}

/**
 * A row of the store seen as a Connection: each field read from the columns when it is asked
 * for. A pass over millions of rows reads a few fields of each; making every field of every row
 * (the uid decoded, the address texts looked up) cost more than the passes themselves.
 */
class StoredRow implements Connection {
  constructor(
    /** The row's chunk and place in it (`peek` moves one view from row to row). */
    public k: Chunk,
    public i: number,
    private readonly t: Tables,
  ) {}

  /**
   * The row's flags word and address words once read (-1 before): the analysis reads a host's
   * rows through views it holds while it goes over them several times, and each read of a
   * sealed row is a read from memory (`move` clears them).
   */
  private flagsWord = -1;
  private origWord = -1;
  private respWord = -1;

  /** The view moved to row `i` of chunk `k`. */
  move(k: Chunk, i: number): void {
    this.k = k;
    this.i = i;
    this.flagsWord = this.origWord = this.respWord = -1;
  }

  /** The row's word `w` of its chunk's `hot` columns. */
  private word(w: number): number {
    if (w === W_RESP_A) return this.respWord >= 0 ? this.respWord : (this.respWord = wordAt(this.k, this.i, w));
    if (w === W_ORIG_A) return this.origWord >= 0 ? this.origWord : (this.origWord = wordAt(this.k, this.i, w));
    return wordAt(this.k, this.i, w);
  }

  /** flagBits of the row. */
  private flags(mask: number): number {
    const p = this.k.packed;
    if (p !== null && ((p.flagsAll ^ p.flagsAny) & mask) === 0) return p.flagsAll & mask;
    if (this.flagsWord < 0) this.flagsWord = wordAt(this.k, this.i, W_FLAGS);
    return this.flagsWord & mask;
  }

  private get rare(): Rare {
    const rare = this.k.rare;
    return rare === null ? NO_RARE : (rare[this.i] ?? NO_RARE);
  }

  get uid(): string {
    return uidAt(this.k, this.i);
  }
  get proto(): Transport {
    return this.t.transports[this.flags(0xff000000) >>> 24] as Transport;
  }
  get ts(): number {
    return tsAt(this.k, this.i);
  }
  get lastTs(): number {
    return lastTsAt(this.k, this.i);
  }
  get origH(): string {
    return this.address(W_ORIG_A, FLAG_ORIG_TEXT);
  }
  get origP(): number {
    return this.word(W_PORTS) & 0xffff;
  }
  get respH(): string {
    return this.address(W_RESP_A, FLAG_RESP_TEXT);
  }

  /** An address word's value as text: an IPv4 number, or (its flag set) a Texts id. */
  private address(w: number, textFlag: number): string {
    const a = this.word(w);
    return this.flags(textFlag) !== 0 ? this.t.texts[a]! : formatIPv4(a);
  }
  /** An address word's value as an IPv4 number, -1 where (its flag set) the row keeps it as text. */
  private v4(w: number, textFlag: number): number {
    return this.flags(textFlag) !== 0 ? -1 : this.word(w);
  }
  /** The responder's IPv4 address as a number, -1 where the row keeps it as text. */
  get respV4(): number {
    return this.v4(W_RESP_A, FLAG_RESP_TEXT);
  }
  /** The originator's IPv4 address as a number, -1 where the row keeps it as text. */
  get origV4(): number {
    return this.v4(W_ORIG_A, FLAG_ORIG_TEXT);
  }
  get respP(): number {
    const k = this.k;
    return k.packed !== null ? k.packed.at(this.i, F_RESP_P) : k.hot![this.i * HOT + W_PORTS]! >>> 16;
  }
  get service(): string | null {
    const service = serviceAt(this.k, this.i);
    return service === 0 ? null : this.t.texts[service - 1]!;
  }
  get duration(): number | null {
    const k = this.k;
    if (k.lastTs === null) return durationOfMicros(wordAt(k, this.i, W_MICROS));
    return k.duration === null ? durationOf(tsAt(k, this.i), k.lastTs[this.i]!) : durationAt(k.duration, this.i);
  }
  get origBytes(): number {
    return origBytesAt(this.k, this.i);
  }
  get respBytes(): number {
    return respBytesAt(this.k, this.i);
  }
  get connState(): ConnState {
    return this.t.states[this.flags(0xff0000) >>> 16] as ConnState;
  }
  get localOrig(): boolean | null {
    return localValue(this.flags(3 << LOCAL_ORIG_SHIFT) >> LOCAL_ORIG_SHIFT);
  }
  get localResp(): boolean | null {
    return localValue(this.flags(3 << LOCAL_RESP_SHIFT) >> LOCAL_RESP_SHIFT);
  }
  get missedBytes(): number {
    return this.rare.missedBytes;
  }
  get history(): string {
    return this.t.texts[this.word(W_HISTORY) & 0xffff]!;
  }
  get origPkts(): number {
    return this.word(W_ORIG_PKTS);
  }
  get origIpBytes(): number {
    const k = this.k;
    if (k.packed === null) return ipBytesAt(k.origIpBytes, this.i, k.origBytes);
    return k.packed.ipBytes(this.i, F_ORIG_IP);
  }
  get respPkts(): number {
    return respPktsAt(this.k, this.i);
  }
  get respIpBytes(): number {
    const k = this.k;
    if (k.packed === null) return ipBytesAt(k.respIpBytes, this.i, k.respBytes);
    return k.packed.ipBytes(this.i, F_RESP_IP);
  }
  get capture(): number {
    return captureAt(this.k, this.i);
  }
  get synCount(): number {
    return this.word(W_HISTORY) >>> 16;
  }
  get origTtl(): number {
    const column = this.k.origTtl;
    return column === null ? -1 : column[this.i]!;
  }
  get respTtl(): number {
    const column = this.k.respTtl;
    return column === null ? -1 : column[this.i]!;
  }
  get origMac(): string | undefined {
    const id = this.k.origMac?.[this.i] ?? 0;
    return id === 0 ? undefined : this.t.macs[id - 1];
  }
  get handshakeRtt(): number | null {
    const column = this.k.handshakeRtt;
    const rtt = column === null ? Number.NaN : column[this.i]!;
    return Number.isNaN(rtt) ? null : rtt;
  }
  get established(): boolean {
    return this.flags(FLAG_ESTABLISHED) !== 0;
  }
  get resets(): Connection['resets'] {
    const k = this.k;
    const i = this.i;
    const flags = flagBits(k, i, FLAG_LOG_DENIAL | FLAG_HISTORY_RESETS);
    if (flags & FLAG_LOG_DENIAL) return [logDenial(tsAt(k, i), this.t.senders.get(captureAt(k, i))!)];
    if (flags & FLAG_HISTORY_RESETS) return historyResets(this);
    return this.rare.resets;
  }
  get http(): Connection['http'] {
    return this.rare.http;
  }
  get sni(): string | null {
    return this.rare.sni;
  }
  get quic(): Connection['quic'] {
    return this.rare.quic;
  }
  get dnsQuery(): string | null {
    return this.rare.dnsQuery;
  }
  get dnsNames(): string[] {
    return this.rare.dnsNames;
  }
  get dnsQueries(): number {
    return this.rare.dnsQueries;
  }
  get dnsAnswers(): Connection['dnsAnswers'] {
    return this.rare.dnsAnswers;
  }
  get requestTimes(): number[] {
    return this.flags(FLAG_ONE_REQUEST) !== 0 ? [this.k.requestTime![this.i]!] : this.rare.requestTimes;
  }
  get requestKeys(): number[] | undefined {
    return this.rare.requestKeys;
  }
  get synSeq(): number | undefined {
    const flags = this.flags(FLAG_SYN_SEQ | FLAG_NO_SYN_SEQ);
    return flags & FLAG_SYN_SEQ ? this.k.synSeq![this.i] : flags & FLAG_NO_SYN_SEQ ? -1 : undefined;
  }
  get tunnelParents(): readonly string[] | undefined {
    const parents = this.rare.tunnelParents;
    return parents !== undefined && parents.length > 0 ? parents : undefined;
  }
}

/**
 * Rare fields that rows have alike, kept once: a Zeek log's DNS rows ask the same names and get
 * the same answers, its TLS rows name the same servers, its proxy rows send the same requests —
 * an object of eleven fields for each of millions of rows was most of what a day's logs took.
 * Fields alike are the same texts and numbers, and the same request peek and answer list (the
 * log reader keeps each once). Rows with resets, QUIC, missed bytes, tunnels or request times of
 * their own keep their own. At most SHARED_RARES are kept: a capture's rows, each with its own
 * request, share nothing.
 */
class SharedRares {
  private readonly byKey = new Map<string, Rare>();
  /** Those of a request alone (by its peek, kept once by the log reader) and of a server name alone. */
  private readonly byPeek = new Map<object, Rare>();
  private readonly bySni = new Map<string, Rare>();
  /** Those of a DNS flow of one query alone, by its answer list and its name. */
  private readonly byAnswers = new Map<object, Map<string, Rare>>();
  private readonly shared = new Set<Rare>();
  /** A number for each request peek and answer list met, for the key. */
  private readonly ids = new Map<object, number>();

  share(r: Rare): Rare {
    if (
      r.resets.length > 0 ||
      r.quic !== null ||
      r.missedBytes !== 0 ||
      r.requestTimes.length > 0 ||
      (r.tunnelParents !== undefined && r.tunnelParents.length > 0)
    ) {
      return r;
    }
    // The usual rows, found without a key made: a request alone, a server name alone.
    const dnsless = r.dnsQuery === null && r.dnsNames.length === 0 && r.dnsQueries === 0 && r.dnsAnswers.length === 0;
    if (dnsless && r.http !== null && r.sni === null) return this.kept(this.byPeek, r.http, r);
    if (dnsless && r.http === null && r.sni !== null) return this.kept(this.bySni, r.sni, r);
    // A DNS flow of one query: by its answer list (kept once by the log reader), then its name.
    if (
      r.http === null &&
      r.sni === null &&
      r.dnsQuery !== null &&
      r.dnsQueries === 1 &&
      r.dnsNames.length === 1 &&
      r.dnsNames[0] === r.dnsQuery
    ) {
      let byQuery = this.byAnswers.get(r.dnsAnswers);
      if (byQuery === undefined) {
        if (this.shared.size >= SHARED_RARES) return r;
        this.byAnswers.set(r.dnsAnswers, (byQuery = new Map<string, Rare>()));
      }
      return this.kept(byQuery, r.dnsQuery, r);
    }
    const http = this.id(r.http);
    const answers = this.id(r.dnsAnswers);
    if (http < 0 || answers < 0) return r;
    const names = r.dnsNames.length === 1 && r.dnsNames[0] === r.dnsQuery ? '=' : r.dnsNames.join('\u0001');
    const key = `${http}\u0000${r.sni ?? '\u0002'}\u0000${r.dnsQuery ?? '\u0002'}\u0000${r.dnsQueries}\u0000${names}\u0000${answers}`;
    return this.kept(this.byKey, key, r);
  }

  /** The rare fields kept under `key` in `map`, else `r`, kept there while there is room. */
  private kept<K>(map: Map<K, Rare>, key: K, r: Rare): Rare {
    const kept = map.get(key);
    if (kept !== undefined) return kept;
    if (this.shared.size < SHARED_RARES) {
      map.set(key, r);
      this.shared.add(r);
    }
    return r;
  }

  isShared(r: Rare): boolean {
    return this.shared.has(r);
  }

  /** The object's number; -1 once SHARED_RARES are numbered and it is not one of them. */
  private id(o: object | null): number {
    if (o === null || (Array.isArray(o) && o.length === 0)) return 0;
    let id = this.ids.get(o);
    if (id === undefined) {
      if (this.ids.size >= SHARED_RARES) return -1;
      this.ids.set(o, (id = this.ids.size + 1));
    }
    return id;
  }
}

/** Rare fields SharedRares keeps at most. */
const SHARED_RARES = 1 << 16;

function setRare(k: Chunk, i: number, rare: Rare): void {
  if (k.rare === null) k.rare = new Array<Rare | undefined>(CHUNK).fill(undefined);
  k.rare[i] = rare;
}

function addUid(k: Chunk, i: number, uid: string): void {
  if (k.uids === null) {
    if (packUid((k.uidCodes ??= new Uint8Array(CHUNK * UID_SLOT)), i * UID_SLOT, uid)) return;
    uidsAsText(k, i);
  }
  let uids = k.uids!;
  // A uid's length in bytes is its length in characters but for other than ASCII (a log may say anything).
  if (k.uidBytes + uid.length * 3 > uids.length) {
    const need = k.uidBytes + Buffer.byteLength(uid, 'utf8');
    if (need > uids.length) {
      const bigger = Buffer.alloc(Math.max(need, Math.ceil(uids.length * 1.25)));
      uids.copy(bigger, 0, 0, k.uidBytes);
      k.uids = uids = bigger;
    }
  }
  k.uidBytes = writeUid(uids, k.uidBytes, uid);
  // Made at the chunk's first uid kept as text, every row before ends where the uids begin.
  (k.uidEnd ??= new Uint32Array(CHUNK))[i] = k.uidBytes;
  // A full chunk keeps its uids' bytes and no room for more.
  if (i === ROW && uids.length - k.uidBytes > UID_BYTES) k.uids = Buffer.from(uids.subarray(0, k.uidBytes));
}

/**
 * `uid` into `bytes` at `at` as UTF-8; the end of what was written. A uid is a few ASCII letters
 * and digits: copied a character at a time, not through the encoder (a call that cost more than
 * the copy, once for each of a log's millions of rows).
 */
function writeUid(bytes: Buffer, at: number, uid: string): number {
  const n = uid.length;
  if (n > 32) return at + bytes.write(uid, at, 'utf8');
  for (let j = 0; j < n; j++) {
    const code = uid.charCodeAt(j);
    if (code >= 0x80) return at + bytes.write(uid, at, 'utf8');
    bytes[at + j] = code;
  }
  return at + n;
}

/** Whether this machine stores the low half of a 64-bit number first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes of uid a chunk's rows are given room for at first: a Zeek uid is 'C' and up to 17 more. */
const UID_BYTES = 18;

function uidAt(k: Chunk, i: number): string {
  const flags = flagBits(k, i, FLAG_ROW_UID | FLAG_LOG_UID);
  if (flags & FLAG_ROW_UID) return logUid(captureAt(k, i), k.first + i);
  if (flags & FLAG_LOG_UID) return logUid(captureAt(k, i), k.serial![i]!);
  if (k.uids !== null) return k.uids.toString('utf8', i === 0 ? 0 : k.uidEnd![i - 1]!, k.uidEnd![i]);
  return k.uidCodes === null ? '' : unpackUid(k.uidCodes, i * UID_SLOT);
}

/** Bytes a row's uid takes in `uidCodes`: UID_CODES codes of six bits, four in three bytes. */
const UID_SLOT = 16;
const UID_CODES = 21;
/** A uid character's code: 1–62 for 0–9, A–Z, a–z (0 ends the uid); -1 for any other. */
function uidCode(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 47;
  if (ch >= 65 && ch <= 90) return ch - 54;
  if (ch >= 97 && ch <= 122) return ch - 60;
  return -1;
}
const UID_CHARS = Array.from({ length: 63 }, (_, code) => (code === 0 ? 0 : code <= 10 ? code + 47 : code <= 36 ? code + 54 : code + 60));
/** uidCode of each ASCII character, read from a table: a log's millions of uids are 18 characters each. */
const UID_CODE_OF = Int8Array.from({ length: 128 }, (_, ch) => uidCode(ch));

/** The code of `uid`'s `j`-th character (0 past its end, -1 for a character no code stands for). */
function uidCodeAt(uid: string, j: number): number {
  if (j >= uid.length) return 0;
  const ch = uid.charCodeAt(j);
  return ch < 128 ? UID_CODE_OF[ch]! : -1;
}

/**
 * `uid` into the UID_SLOT bytes at `at`, its codes first to last and 0 after them, six bits each
 * from the high bit down (four codes in three bytes); false (the slot left as it may be) when it
 * has another character or is longer.
 */
function packUid(codes: Uint8Array, at: number, uid: string): boolean {
  if (uid.length > UID_CODES) return false;
  let out = at;
  for (let j = 0; j < UID_CODES - 1; j += 4) {
    const c0 = uidCodeAt(uid, j);
    const c1 = uidCodeAt(uid, j + 1);
    const c2 = uidCodeAt(uid, j + 2);
    const c3 = uidCodeAt(uid, j + 3);
    if ((c0 | c1 | c2 | c3) < 0) return false;
    codes[out] = (c0 << 2) | (c1 >> 4);
    codes[out + 1] = ((c1 & 15) << 4) | (c2 >> 2);
    codes[out + 2] = ((c2 & 3) << 6) | c3;
    out += 3;
  }
  // The 21st code in the sixteenth byte's top six bits; its last two are left 0.
  const last = uidCodeAt(uid, UID_CODES - 1);
  if (last < 0) return false;
  codes[out] = last << 2;
  return true;
}

function unpackUid(codes: Uint8Array, at: number): string {
  let text = '';
  let bits = 0;
  let held = 0;
  let from = at;
  for (let j = 0; j < UID_CODES; j++) {
    if (held < 6) {
      bits = ((bits << 8) | codes[from++]!) & 0xffff;
      held += 8;
    }
    held -= 6;
    const code = (bits >>> held) & 63;
    if (code === 0) break;
    text += String.fromCharCode(UID_CHARS[code]!);
  }
  return text;
}

/** The chunk's uids before row `i` moved from `uidCodes` to text, for a uid of another shape at `i`. */
function uidsAsText(k: Chunk, i: number): void {
  const uids = Buffer.alloc(Math.max(CHUNK * UID_BYTES, i * UID_CODES + UID_BYTES));
  const ends = new Uint32Array(CHUNK);
  let at = 0;
  for (let j = 0; j < i; j++) {
    if ((flagsAt(k, j) & FLAG_LOG_UID) === 0 && k.uidCodes !== null) at = writeUid(uids, at, unpackUid(k.uidCodes, j * UID_SLOT));
    ends[j] = at;
  }
  k.uids = uids;
  k.uidEnd = ends;
  k.uidBytes = at;
  k.uidCodes = null;
}

function durationAt(column: Float64Array, i: number): number | null {
  const d = column[i]!;
  return Number.isNaN(d) ? null : d;
}

/** A connection's duration as the tracker gives it: null for one instant. */
function durationOf(ts: number, lastTs: number): number | null {
  return lastTs > ts ? lastTs - ts : null;
}

/** The number of a dotted quad that prints back as the same text (no leading zeros), else -1. */
export function ipv4Number(text: string): number {
  if (text.length > 15 || text.length < 7) return -1;
  const n = ipv4ToNumber(text);
  // ipv4ToNumber takes digits and dots only: the text is formatIPv4's when it is no longer than it.
  return n >= 0 &&
    text.length === 3 + octetDigits(n >>> 24) + octetDigits((n >>> 16) & 0xff) + octetDigits((n >>> 8) & 0xff) + octetDigits(n & 0xff)
    ? n
    : -1;
}

const octetDigits = (octet: number): number => (octet < 10 ? 1 : octet < 100 ? 2 : 3);

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
    within(c.respTtl, -1, 255) &&
    (c.synSeq === undefined || c.synSeq === -1 || u32(c.synSeq))
  );
}

const within = (v: number, low: number, high: number): boolean => Number.isInteger(v) && v >= low && v <= high;
const u32 = (v: number): boolean => within(v, 0, 0xffffffff);
