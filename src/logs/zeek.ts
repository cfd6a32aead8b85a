/**
 * Zeek logs in: conn.log rows become connection records, joined by `uid` to what dns.log,
 * http.log and ssl.log say about them, the way the capture path joins its peeks.
 *
 * Files are streamed line by line. The join reads the smaller logs first (dns, http, ssl) and
 * keeps one small entry per uid they name until conn.log's row for that uid claims it; then
 * conn.log. So the join's memory grows with the rows of dns/http/ssl logs not yet claimed,
 * and the connections themselves (one per conn.log row) are what the analysis is handed.
 * DNS transactions no conn.log row names become connections of their own (dns.log alone
 * still names addresses); unclaimed http/ssl rows are counted in a warning.
 */
import { applyFlowsJson, isFlowsJson } from './flows-json.js';
import { noCaptureFileFacts, type CaptureSummary } from '../analysis/types.js';
import { CaptureError } from '../capture/types.js';
import { NONE, type Connection, type DnsAnswer, type HttpRequestPeek } from '../flows/connection.js';
import { ConnectionStore } from '../flows/store.js';
import { TextTape } from './text-tape.js';
import { own, TextBook } from '../flat.js';
import { DNS_NAMES_KEPT } from '../flows/peeks.js';
import { textFingerprint, type DuplicateFilter } from '../duplicates.js';
import { HEAD_BYTES, NulRuns, readLines, readTail, type LineStats } from './lines.js';
import { COPY_REASON, LOG_COPY_WINDOW, LogCopies, type LogInOrder } from './zeek-copies.js';
import { Lockstep, reachOf } from './zeek-lockstep.js';
import { mayCutOnWorker, mayCutStreamOnWorker, readCutLines } from './split-lines.js';
import { SideTapes } from './zeek-side-tapes.js';
import {
  CELLS_NOT_CUT,
  JsonRows,
  TsvRows,
  headerLineNames,
  jsonTime,
  logTypeFromName,
  unescapeZeek,
  zeekPaths,
  zeekTime,
  type CellBatch,
  type JsonClock,
  type ZeekFormat,
  type ZeekRow,
} from './zeek-format.js';
import {
  CONN_LOG_FIELDS,
  DNS_LOG_FIELDS,
  HTTP_LOG_FIELDS,
  SSL_LOG_FIELDS,
  connFromRow,
  dnsFromRow,
  httpFromRow,
  isError,
  isOtherTransport,
  portPair,
  sniFromRow,
  tupleKey,
  type Endpoints,
  type DnsRow,
  type HttpRow,
} from './zeek-records.js';
import { count as countWords, duration, plural } from '../quantities.js';
import { loggedRequestKey } from '../flows/request-keys.js';
import { isoDateOfDay, isoMillis } from '../time.js';

export { sniffZeek, type ZeekFormat, type ZeekSniff } from './zeek-format.js';

/** IP protocols Zeek logs as unknown_transport that a network commonly carries, by number. */
const IP_PROTOCOLS: Record<number, string> = {
  2: 'IGMP',
  4: 'IP-in-IP',
  41: 'IPv6-in-IPv4',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  132: 'SCTP',
};

/** An IP protocol's name, its number where it has none here, "unknown" where the row gives none. */
function ipProtocolName(n: number | null): string {
  return n === null ? 'unknown' : (IP_PROTOCOLS[n] ?? `protocol ${n}`);
}

/** Malformed rows named in a file's warnings; the rest are counted. */
const NAMED_MALFORMED = 5;
/** Request times kept per connection from http.log (as the capture path keeps them). */
const REQUEST_TIMES_CAP = 4096;
/** The log types callhome reads. */
const USED = new Set(['conn', 'dns', 'http', 'ssl']);
/** The same, for messages. */
export const ZEEK_LOGS_USED = 'conn, dns, http or ssl';

export interface ZeekLogFile {
  path: string;
  format: ZeekFormat;
  /** The log type the first bytes told ('conn', 'dns', …), null when they did not. */
  logType: string | null;
  /** JSON rows naming their log in `_path` (`ZeekSniff.tagged`): any of them may be of a type callhome reads. */
  tagged?: boolean;
  /** Named on the command line (a log found in a folder and not used is passed over quietly). */
  named: boolean;
  /** Its first bytes (inflated when gzip), for the time of its first row. */
  head?: Uint8Array;
  /** For a log read only once (standard input, a pipe): its bytes; `path` is then its name. */
  stream?: AsyncIterable<Uint8Array>;
}

export interface ZeekLoaded {
  /** One per file read, in the order of `files`. */
  captures: CaptureSummary[];
  connections: Connection[];
  /** Logs of which no row reads. */
  failures: CaptureError[];
  /** The most uids whose dns, http or ssl rows were held at once, waiting for their conn.log rows (after each chunk read). */
  sideRowsHeld: number;
}

interface FileState {
  file: ZeekLogFile;
  logType: string | null;
  summary: CaptureSummary;
  index: number;
  rows: number;
  malformed: number;
  /** The first malformed row's line and what was wrong with it. */
  firstMalformed: string | null;
  first: number;
  last: number;
  /** Rows per day (whole days since 1970) of their start, and the day the rows read last began on with its rows not yet counted there. */
  days: Map<number, number>;
  day: number;
  dayRows: number;
  /** Rows of another log type in a JSON stream of several. */
  otherRows: number;
  /** Rows an earlier log already had (`dup.seen-in-earlier-log`). */
  copies: number;
  /** conn.log rows of other transports (Zeek's unknown_transport), by IP protocol's name. */
  otherTransports: Map<string, number>;
  /** conn.log rows that name neither transport nor history: their transport guessed (connFromRow). */
  guessed: { transport: number };
  /** The time of its first row by its first bytes (`DuplicateFilter`'s `firsts`). */
  firstRow: number | null;
  /** How far its first bytes' rows got (`reachOf`): the order a log's files were written in. Null and NaN as `firstRow`. */
  reach: number | null;
  /** Read once already (a JSON log is read for its side rows, then its conn rows): lines are judged once. */
  readBefore: boolean;
  /** Lines that began with a run of NUL bytes (a crash's), read from the first byte after it. */
  nulRuns: NulRuns;
  /** A JSON log's unit of time, the same for all its rows in every reading. */
  clock: JsonClock;
  /** Read once, whole, before the others (a stream; a TSV file of several logs one after the other). */
  once: boolean;
  /** The log types of a TSV file's header blocks. */
  logTypes: Set<string>;
}

function newSummary(file: ZeekLogFile, logType: string | null): CaptureSummary {
  return {
    file: file.path,
    format: file.format,
    formatDetail: `Zeek ${logType ?? 'unknown'} log (${file.format === 'zeek-tsv' ? 'TSV' : 'JSON'})`,
    compressed: null,
    linktype: -1,
    linktypes: [],
    interfaces: 0,
    packets: 0,
    bytes: 0,
    start: null,
    end: null,
    durationSeconds: null,
    decoded: { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, other: 0 },
    skipped: {},
    anomalies: {},
    warnings: [],
    damage: null,
    ...noCaptureFileFacts(),
  };
}

interface DnsEntry {
  row: DnsRow;
  capture: number;
  /** The first few rows (for their answers), every name asked (the first DNS_NAMES_KEPT) and the count. */
  queries: DnsRow[];
  names: string[];
  count: number;
}
interface HttpEntry {
  peek: HttpRow['peek'];
  times: number[];
  /** What each of those requests asked for (request-keys.ts), in step with them. */
  keys: number[];
  /** The side log's file (its state's index). */
  file: number;
  /** Its connection's endpoints, for a conn.log whose uids are not the side logs'. */
  ends: Endpoints | null;
}
interface SniEntry {
  sni: string;
  ts: number;
  file: number;
  ends: Endpoints | null;
}

/** What the side logs said of one uid. */
interface SideRows {
  dns: DnsEntry | null;
  http: HttpEntry | null;
  sni: SniEntry | null;
}

/** A side row and its connection's row this far apart (beyond the connection's span) are still one connection's. */
const TUPLE_SLACK_SECONDS = 1;

/**
 * conn.log rows held at most while the logs are not yet known to share their uids (Join): a
 * conn.log of another run than its side logs claims none of them by uid in its first rows.
 */
const HELD_MAX = 50_000;

/**
 * What the side logs said, by uid (one map for the three logs: a conn.log row is looked up
 * once), until conn.log claims it; and by the connection's endpoints, for a conn.log whose uids
 * are not the side logs' (logs of two Zeek runs over one capture, a sensor that rewrote them): a
 * side row is then claimed by the conn.log row of the same endpoints whose span holds its time.
 *
 * The index by endpoints is made only once it is needed: the conn.log rows are held (up to
 * HELD_MAX) until one claims an http or ssl row by its uid — the logs of one run of Zeek share
 * their uids, and then none is needed — or none has; then the index is made and the held rows
 * are looked up in it. A day's side logs are millions of rows.
 */
class Join {
  readonly byUid = new Map<string, SideRows>();
  /** http and ssl rows not yet claimed: while there are some, a conn.log row may be looked up by endpoints. */
  private httpLeft = 0;
  private sniLeft = 0;
  private httpByTuple: Map<string, string[]> | null = null;
  private sniByTuple: Map<string, string[]> | null = null;
  /**
   * The port pairs of the side rows indexed by endpoints (`portPair`): a conn.log row
   * of no such pair — most of them — is passed over without making its endpoints' key.
   */
  private readonly ports = new Set<number>();
  /** Whether side rows may still be looked up by endpoints: until a conn.log row claims one by its uid. */
  private byEndpoints = true;
  /** conn.log rows waiting for the index by endpoints to be made or known not needed, and where each goes then. */
  private held: { c: Connection; then: (c: Connection) => void; http: boolean; sni: boolean }[] = [];

  /** The side rows of `uid` (one lookup for a side row: what it adds to is what it was looked up in), made when none were. */
  rowsOf(uid: string): SideRows {
    let rows = this.byUid.get(uid);
    if (rows === undefined) this.byUid.set(own(uid), (rows = { dns: null, http: null, sni: null }));
    return rows;
  }

  /** `uid`'s first http row, `rows` its side rows (`rowsOf`). */
  addHttp(rows: SideRows, uid: string, entry: HttpEntry): void {
    rows.http = entry;
    this.httpLeft++;
    this.index('http', entry.ends, uid);
  }
  addSni(rows: SideRows, uid: string, entry: SniEntry): void {
    rows.sni = entry;
    this.sniLeft++;
    this.index('sni', entry.ends, uid);
  }

  /** A side row's uid under its endpoints, once the index is made. */
  private index(kind: 'http' | 'sni', ends: Endpoints | null, uid: string): void {
    const byTuple = kind === 'http' ? this.httpByTuple : this.sniByTuple;
    if (ends === null || byTuple === null) return;
    this.ports.add(portPair(ends.origP, ends.respP));
    const key = tupleKey(ends.origH, ends.origP, ends.respH, ends.respP);
    const uids = byTuple.get(key);
    if (uids === undefined) byTuple.set(key, [own(uid)]);
    else if (!uids.includes(uid)) uids.push(own(uid));
  }

  /** The index by endpoints of every side row not yet claimed, and the held rows looked up in it. */
  private indexNow(): void {
    this.httpByTuple = new Map();
    this.sniByTuple = new Map();
    for (const [uid, rows] of this.byUid) {
      if (rows.http !== null) this.index('http', rows.http.ends, uid);
      if (rows.sni !== null) this.index('sni', rows.sni.ends, uid);
    }
    this.release(true);
  }

  /** The held rows on to where they go, looked up by endpoints or not. */
  private release(byEndpoints: boolean): void {
    const held = this.held;
    this.held = [];
    for (const { c, then, http, sni } of held) {
      if (byEndpoints) this.claimByEndpoints(c, http, sni);
      then(c);
    }
  }

  /** The uid of an unclaimed side row of `c`'s endpoints within its span, or undefined. */
  private byTuple(c: Connection, byTuple: Map<string, string[]> | null, timeOf: (uid: string) => number | undefined): string | undefined {
    if (byTuple === null || byTuple.size === 0 || !this.ports.has(portPair(c.origP, c.respP))) return undefined;
    const uids = byTuple.get(tupleKey(c.origH, c.origP, c.respH, c.respP));
    if (uids === undefined) return undefined;
    for (const uid of uids) {
      const ts = timeOf(uid);
      if (ts !== undefined && ts >= c.ts - TUPLE_SLACK_SECONDS && ts <= c.lastTs + TUPLE_SLACK_SECONDS) return uid;
    }
    return undefined;
  }

  /** The logs share their uids: side rows are found by uid alone from now on. */
  private uidsShared(): void {
    if (!this.byEndpoints) return;
    this.byEndpoints = false;
    this.httpByTuple = null;
    this.sniByTuple = null;
    this.ports.clear();
    this.release(false);
  }

  /** What the side logs said of `c`, joined to it; `then` takes it once joined (at once, or after the rows held with it). */
  attach(c: Connection, then: (c: Connection) => void): void {
    const rows = this.byUid.get(c.uid);
    let http = true;
    let sni = true;
    if (rows !== undefined) {
      if (this.byEndpoints && (rows.http !== null || rows.sni !== null)) this.uidsShared();
      this.byUid.delete(c.uid);
      if (rows.dns !== null) applyDns(c, rows.dns);
      if (rows.http !== null) this.claimHttp(c, rows.http);
      if (rows.sni !== null) this.claimSni(c, rows.sni);
      http = rows.http === null;
      sni = rows.sni === null;
    }
    if (!this.byEndpoints || this.httpLeft + this.sniLeft === 0) then(c);
    else if (this.httpByTuple !== null) {
      this.claimByEndpoints(c, http, sni);
      then(c);
    } else {
      this.held.push({ c, then, http, sni });
      if (this.held.length >= HELD_MAX) this.indexNow();
    }
  }

  /**
   * Whether `attach` joins a row before it returns, by its uid alone: the logs share their uids,
   * or no http or ssl row is left to look up by endpoints.
   */
  get joinsAtOnce(): boolean {
    return !this.byEndpoints || this.httpLeft + this.sniLeft === 0;
  }

  /** Whether side rows may still be claimed by their endpoints (their endpoints are kept for it). */
  get byEndpointsStill(): boolean {
    return this.byEndpoints;
  }

  /** `uid` is a conn.log row's: when it claims an http or ssl row, the logs share their uids. */
  claimsByUid(uid: string): void {
    const rows = this.byUid.get(uid);
    if (rows !== undefined && (rows.http !== null || rows.sni !== null)) this.uidsShared();
  }

  /** Every conn.log row read: the rows still held are looked up by endpoints. */
  finish(): void {
    if (this.held.length > 0) this.indexNow();
  }

  /** The http and ssl rows of `c`'s endpoints and time, those of `http` and `sni` that its uid did not claim. */
  private claimByEndpoints(c: Connection, http: boolean, sni: boolean): void {
    if (http) {
      const uid = this.byTuple(c, this.httpByTuple, (u) => this.byUid.get(u)?.http?.times[0]);
      if (uid !== undefined) this.claimHttp(c, this.take(uid, 'http')!);
    }
    if (sni) {
      const uid = this.byTuple(c, this.sniByTuple, (u) => this.byUid.get(u)?.sni?.ts);
      if (uid !== undefined) this.claimSni(c, this.take(uid, 'sni')!);
    }
  }

  /** The `kind` row of `uid`, taken from the map (the uid let go once nothing of it is left). */
  private take<K extends 'http' | 'sni'>(uid: string, kind: K): SideRows[K] {
    const rows = this.byUid.get(uid)!;
    const entry = rows[kind];
    rows[kind] = null;
    if (rows.dns === null && rows.http === null && rows.sni === null) this.byUid.delete(uid);
    return entry;
  }

  private claimHttp(c: Connection, http: HttpEntry): void {
    this.httpLeft--;
    c.http ??= http.peek;
    if (http.times.length > c.requestTimes.length) {
      c.requestTimes = http.times;
      if (http.keys.length > 1) c.requestKeys = http.keys;
    }
  }

  private claimSni(c: Connection, sni: SniEntry): void {
    this.sniLeft--;
    c.sni ??= sni.sni;
  }
}

/**
 * What the side logs' rows keep, each text once (TextBook): a day's dns.log asks the same names
 * and gets the same answers again and again, its http.log sends the same requests with the same
 * user agents; and a text cut from a line holds the whole 64 KB of the log it was read in. Answer
 * lists and request peeks alike are kept once (they are never changed once read).
 */
class SideTexts {
  readonly book = new TextBook();
  private readonly answers = new Map<string, DnsAnswer[]>();
  /** Requests kept once, by their target. */
  private readonly peeks = new Map<string, HttpRequestPeek[]>();
  private peekCount = 0;

  dns(row: DnsRow): DnsRow {
    const book = this.book;
    return {
      ...row,
      uid: own(row.uid),
      origH: book.text(row.origH),
      respH: book.text(row.respH),
      query: book.text(row.query),
      answers: row.answers.length === 0 ? NONE : this.answerList(row.answers),
    };
  }

  private answerList(answers: DnsAnswer[]): DnsAnswer[] {
    const key = answers.map((a) => `${a.type} ${a.ttl} ${a.name} ${a.value}`).join('\n');
    const kept = this.answers.get(key);
    if (kept !== undefined) return kept;
    const book = this.book;
    const mine = answers.map((a) => ({ ...a, name: book.text(a.name), value: book.text(a.value) }));
    if (this.answers.size < KEPT_ONCE) this.answers.set(own(key), mine);
    return mine;
  }

  /** A side row's endpoints, their addresses kept once. */
  ends(ends: Endpoints | null): Endpoints | null {
    return ends === null ? null : { ...ends, origH: this.book.text(ends.origH), respH: this.book.text(ends.respH) };
  }

  /** A request as kept once: looked up by its target, then its other fields compared (no key text made). */
  peek(p: HttpRequestPeek): HttpRequestPeek {
    const alike = this.peeks.get(p.target);
    if (alike !== undefined) for (const kept of alike) if (samePeek(kept, p)) return kept;
    const book = this.book;
    const mine: HttpRequestPeek = {
      ...p,
      method: book.text(p.method),
      target: book.text(p.target),
      host: book.maybe(p.host),
      userAgent: book.maybe(p.userAgent),
      viaHeaders: p.viaHeaders.map((h) => book.text(h)),
    };
    if (this.peekCount >= KEPT_ONCE) return mine;
    this.peekCount++;
    if (alike === undefined) this.peeks.set(mine.target, [mine]);
    else if (alike.length < PEEKS_A_TARGET) alike.push(mine);
    return mine;
  }
}

/** Answer lists and request peeks SideTexts keeps once, at most (then each is a row's own). */
const KEPT_ONCE = 1 << 18;
/** Requests of one target kept once, at most: its methods, hosts and user agents. */
const PEEKS_A_TARGET = 16;

/** Whether two requests of one target are alike in what a peek keeps. */
function samePeek(a: HttpRequestPeek, b: HttpRequestPeek): boolean {
  if (a.method !== b.method || a.host !== b.host || a.userAgent !== b.userAgent || a.proxyForm !== b.proxyForm || a.status !== b.status)
    return false;
  const x = a.viaHeaders;
  const y = b.viaHeaders;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function applyDns(c: Connection, entry: DnsEntry): void {
  if (c.dnsQuery !== null) return;
  // dns.log writes a row per query: a client that keeps its socket asks them all under one uid.
  c.dnsNames = entry.names;
  c.dnsQueries = entry.count;
  const answered = entry.queries.find((q) => q.answers.length > 0) ?? entry.queries[0]!;
  c.dnsQuery = answered.query;
  // One query's answers as SideTexts keeps them, not a copy for each connection.
  c.dnsAnswers = entry.queries.length === 1 ? entry.queries[0]!.answers : entry.queries.flatMap((q) => q.answers);
  c.service ??= 'dns';
}

/** A DNS transaction no conn.log row names, as the connection it was. */
function dnsConnection(entry: DnsEntry): Connection {
  const r = entry.row;
  const answered = entry.queries.some((q) => q.answered);
  const c: Connection = {
    uid: r.uid,
    proto: r.proto,
    ts: r.ts,
    lastTs: r.ts,
    origH: r.origH,
    origP: r.origP,
    respH: r.respH,
    respP: r.respP,
    service: 'dns',
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: answered ? 'SF' : 'S0',
    localOrig: null,
    localResp: null,
    missedBytes: 0,
    history: answered ? 'Dd' : 'D',
    origPkts: 1,
    origIpBytes: 0,
    respPkts: answered ? 1 : 0,
    respIpBytes: 0,
    capture: entry.capture,
    synCount: 0,
    origTtl: -1,
    respTtl: -1,
    handshakeRtt: null,
    established: answered,
    resets: [],
    http: null,
    sni: null,
    quic: null,
    dnsQuery: null,
    dnsNames: [],
    dnsQueries: 0,
    dnsAnswers: [],
    requestTimes: [],
  };
  applyDns(c, entry);
  return c;
}

/** Fields each log type is read for. */
function fieldsOf(logType: string): readonly string[] {
  switch (logType) {
    case 'conn':
      return CONN_LOG_FIELDS;
    case 'dns':
      return DNS_LOG_FIELDS;
    case 'http':
      return HTTP_LOG_FIELDS;
    default:
      return SSL_LOG_FIELDS;
  }
}

function malformed(state: FileState, line: number, why: string): void {
  state.malformed++;
  state.firstMalformed ??= `line ${countWords(line)}: ${why}`;
  if (state.malformed <= NAMED_MALFORMED) state.summary.warnings.push(`${state.file.path} line ${countWords(line)}: ${why}; row skipped`);
}

function seen(state: FileState, first: number, last: number): void {
  state.rows++;
  if (first < state.first) state.first = first;
  if (last > state.last) state.last = last;
  // Rows come mostly in order of time: the day's count is kept until a row of another day comes.
  const day = Math.floor(first / 86400);
  if (day !== state.day) countDay(state, day);
  state.dayRows++;
}

/** Days told apart per file, at most: a log of garbage times need not make a map of millions. */
const DAYS_KEPT = 20_000;

/** The rows of the day read so far counted in `days`, and `day` begun (NaN: none). */
function countDay(state: FileState, day: number): void {
  if (state.dayRows > 0 && (state.days.size < DAYS_KEPT || state.days.has(state.day)))
    state.days.set(state.day, (state.days.get(state.day) ?? 0) + state.dayRows);
  state.day = day;
  state.dayRows = 0;
}

/**
 * Days between a log's stray rows and the others, at least, and ten times the others' own span:
 * a trace put together from captures of several years (Zeek's own test traces) spans them all.
 */
const STRAY_GAP_DAYS = 30;
const STRAY_GAP_SPANS = 10;
/** The others' rows, at least: a lone row is odd among thousands, not among a few dozen. */
const STRAY_AMONG = 1000;
/** Rows, at most, that can be stray: one in a thousand of the log's. */
const strayAtMost = (rows: number): number => Math.floor(rows / STRAY_AMONG);

/**
 * A few rows dated far from all the others (a digit lost, a clock reset to 1990): "1 row dated
 * 1990-11-27, 32 years before the other 21,756 (2022-08-05): a clock or a digit gone wrong — the
 * log's span reaches out to it"; null where there are none.
 */
function strayRowsWords(days: ReadonlyMap<number, number>, rows: number): string | null {
  if (days.size < 2) return null;
  const sorted = [...days].sort((a, b) => a[0] - b[0]);
  let gap = 0;
  let at = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]![0] - sorted[i - 1]![0] > gap) {
      gap = sorted[i]![0] - sorted[i - 1]![0];
      at = i;
    }
  }
  if (gap < STRAY_GAP_DAYS) return null;
  const before = sorted.slice(0, at);
  const after = sorted.slice(at);
  const n = (part: [number, number][]): number => part.reduce((sum, [, k]) => sum + k, 0);
  const early = n(before) <= n(after);
  const [stray, rest] = early ? [before, after] : [after, before];
  const strayRows = n(stray);
  const restSpan = rest[rest.length - 1]![0] - rest[0]![0] + 1;
  if (strayRows > strayAtMost(rows) || n(rest) < STRAY_AMONG || gap < STRAY_GAP_SPANS * restSpan) return null;
  const dates = (part: [number, number][]): string => {
    const first = isoDateOfDay(part[0]![0]).slice(0, 10);
    const last = isoDateOfDay(part[part.length - 1]![0]).slice(0, 10);
    return first === last ? first : `${first} → ${last}`;
  };
  return (
    `${plural(strayRows, 'row')} dated ${dates(stray)}, ${gap >= 730 ? `${Math.round(gap / 365.25)} years` : duration(gap * 86400)} ` +
    `${early ? 'before' : 'after'} the other ` +
    `${countWords(n(rest))} (${dates(rest)}): a clock or a digit gone wrong — the log's span reaches out to ${strayRows === 1 ? 'it' : 'them'}`
  );
}

/** A line that is no row of any log: judged by one reading of its file only (`judge`). */
function malformedLine(state: FileState, judge: boolean, line: number, why: string): void {
  if (judge) malformed(state, line, why);
}

/**
 * Reads one file for the rows of the log types in `types`, calling `onRow` with the row and its
 * log type. Rows of other types (a JSON stream of several logs, TSV logs one after the other on
 * standard input) are passed over.
 */
async function readRows(
  state: FileState,
  types: ReadonlySet<string>,
  onRow: (row: ZeekRow, logType: string, line: number) => void,
  pause?: () => Promise<void> | null,
  /** Whether lines that are no row are counted in this reading (the file's first; `FileState.readBefore`). */
  judge = !state.readBefore,
  /** Worker threads that may read a large log's lines beside this one (split-lines.ts). */
  threads = 0,
): Promise<LineStats> {
  const file = state.file;
  const source = file.stream ?? file.path;
  if (file.format === 'zeek-tsv') {
    let logType = state.logType;
    let tsv = new TsvRows(fieldsOf(logType ?? 'ssl'));
    let wanted = logType !== null && types.has(logType);
    let sawPath = false;
    const onText = (text: string, n: number, batch?: CellBatch, k = 0): void => {
      // A byte-order mark before the first header (a log saved by an editor)
      const line = state.nulRuns.after(n === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, judge);
      if (line.charCodeAt(0) === 35 /* # */) {
        tsv.header(line);
        if (line.startsWith('#path') && tsv.path !== null) {
          if (!sawPath) state.logType = tsv.path;
          sawPath = true;
          state.logTypes.add(tsv.path);
          // The header of another log (`zcat conn.*.log.gz dns.*.log.gz | callhome analyze -`)
          if (tsv.path !== logType) {
            logType = tsv.path;
            tsv = tsv.forLog(fieldsOf(logType));
            wanted = types.has(logType);
          }
        }
        return;
      }
      if (!wanted || line === '') return;
      // `zeek-cut -m`: the field names as the first line, Zeek's default unset and empty markers
      if (tsv.columns === null && n === 1) {
        const first = line.replace(/^\uFEFF/, '');
        if (headerLineNames(first) !== null) {
          tsv.header(`#fields\t${first}`);
          return;
        }
      }
      if (tsv.columns === null) return malformedLine(state, judge, n, 'a row before the #fields line');
      // Its cells as the reading thread cut them, when it cut them as this header says.
      const cut = batch !== undefined && line === text && batch.cellCounts[k] !== CELLS_NOT_CUT && batch.separator === tsv.separator;
      if (!(cut ? tsv.loadCut(line, batch, k) : tsv.load(line)))
        return malformedLine(state, judge, n, `${line.split(tsv.separator).length} cells where #fields names ${tsv.fieldCount}`);
      onRow(tsv, logType!, n);
    };
    if (threads > 0 && typeof source === 'string' && mayCutOnWorker(source, threads)) return readCutLines(source, onText, pause);
    if (threads > 0 && typeof source !== 'string') {
      // A long stream (a day's logs piped in) fed to the worker from here.
      const given = await mayCutStreamOnWorker(source, threads);
      return given.long ? readCutLines(file.path, onText, pause, given.stream) : readLines(given.stream, onText, pause);
    }
    return readLines(source, onText, pause);
  }
  const rowsByType = new Map<string, JsonRows>();
  const probe = new JsonRows(['_path']);
  return readLines(
    source,
    (text, n) => {
      // A byte-order mark before the first row (a log saved by a Windows tool), as in a TSV log.
      const line = state.nulRuns.after(n === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, judge);
      if (line.trim() === '') return;
      const error = probe.load(line);
      if (error !== null) return malformedLine(state, judge, n, error);
      const logType = probe.path ?? probe.typeByFields() ?? state.logType;
      if (probe.path !== null && USED.has(probe.path)) state.logTypes.add(probe.path);
      if (logType === null || !types.has(logType)) {
        if (logType !== null && !USED.has(logType) && judge) state.otherRows++;
        return;
      }
      let rows = rowsByType.get(logType);
      if (rows === undefined) rowsByType.set(logType, (rows = new JsonRows(fieldsOf(logType), state.clock)));
      rows.load(line);
      onRow(rows, logType, n);
    },
    pause,
  );
}

function finishSummary(state: FileState, stats: LineStats | null): void {
  const s = state.summary;
  if (stats !== null) {
    s.bytes = stats.bytes;
    s.compressed = stats.compressed;
    if (stats.failure !== null) {
      // Damage, as a capture's: what came before it is analysed, and the exit status says the
      // file was not read to its end.
      const message = `${state.file.path}: ${stats.failure} after ${stats.bytes} bytes (row ${state.rows + 1}): read up to the last whole line`;
      s.warnings.push(message);
      s.damage = { offset: stats.bytes, record: state.rows + 1, message };
    } else if (stats.cutShort !== null)
      s.warnings.push(`${state.file.path}: the last line is cut short (no newline at the end): read up to the line before it`);
  }
  s.packets = state.rows;
  const nul = state.nulRuns.warning('row');
  if (nul !== null) s.warnings.push(`${state.file.path}: ${nul}`);
  if (state.malformed > 0) {
    s.anomalies['zeek.malformed_row'] = state.malformed;
    if (state.malformed > NAMED_MALFORMED)
      s.warnings.push(`${state.file.path}: ${countWords(state.malformed - NAMED_MALFORMED)} more malformed rows skipped`);
  }
  if (state.otherRows > 0) s.skipped['zeek.unused_log_type'] = state.otherRows;
  if (state.otherTransports.size > 0) {
    // A host keeping an IPsec or GRE tunnel to the Internet reaches it too: said, if not analysed.
    const counts = [...state.otherTransports].sort((a, b) => b[1] - a[1]);
    const rows = counts.reduce((n, [, k]) => n + k, 0);
    s.warnings.push(
      `${state.file.path}: ${plural(rows, 'row')} of other IP protocols (${counts.map(([name, k]) => `${countWords(k)} ${name}`).join(', ')}) not analysed: callhome follows TCP, UDP and ICMP`,
    );
  }
  const guessed = state.guessed.transport;
  if (guessed > 0)
    s.warnings.push(
      `${state.file.path}: ${plural(guessed, 'row')} ${guessed === 1 ? 'names' : 'name'} neither proto nor history: UDP taken for those to DNS, NTP, SSDP, mDNS … ports and to multicast or broadcast addresses, TCP for the others (an ICMP row is not told apart): add proto to the log's columns`,
    );
  if (state.copies > 0) s.skipped[COPY_REASON] = state.copies;
  countDay(state, Number.NaN);
  const stray = strayRowsWords(state.days, state.rows);
  if (stray !== null) s.warnings.push(`${state.file.path}: ${stray}`);
  if (Number.isFinite(state.first)) {
    s.start = isoMillis(state.first);
    s.end = isoMillis(state.last);
    s.durationSeconds = Math.round((state.last - state.first) * 1e6) / 1e6;
  }
  // The logs callhome read in it (a stream of every type: the ones it reads), else the one it is.
  const used = [...state.logTypes].filter((t) => USED.has(t));
  const logTypes = used.length > 1 ? `${used.join(', ')} logs` : `${used[0] ?? state.logType ?? 'unknown'} log`;
  s.formatDetail = `Zeek ${logTypes} (${state.file.format === 'zeek-tsv' ? 'TSV' : 'JSON'})`;
}

/**
 * Of the end times of the rows in a log's first bytes, the earliest (`LogInOrder.first`) and how
 * far they got (`reachOf`): the rows of a log are in the order Zeek wrote them, which is close to
 * but not exactly time order. Null when the first bytes do not tell, NaN when they are the whole
 * file and it has no row.
 */
function headTimes(file: ZeekLogFile): { first: number | null; reach: number | null } {
  const head = file.head;
  if (head === undefined) return { first: null, reach: null };
  const lines = headText.decode(head).split('\n');
  if (head.length >= HEAD_BYTES) lines.pop(); // cut short by the head
  let separator = '\t';
  let ts = -1;
  let duration = -1;
  let earliest = Infinity;
  const ends: number[] = [];
  const clock: JsonClock = { millis: null };
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    let time: number;
    let length: number;
    if (file.format === 'zeek-tsv') {
      if (line.startsWith('#separator ')) separator = unescapeZeek(line.slice('#separator '.length));
      else if (line.startsWith('#fields')) {
        const names = line.split(separator).slice(1);
        ts = names.indexOf('ts');
        duration = names.indexOf('duration');
      } else if (ts < 0 && headerLineNames(line) !== null) {
        const names = line.split(separator);
        ts = names.indexOf('ts');
        duration = names.indexOf('duration');
        continue;
      }
      if (line.startsWith('#')) continue;
      const cells = line.split(separator);
      time = ts < 0 ? Number.NaN : zeekTime(cells[ts] ?? null);
      length = duration < 0 ? 0 : Number(cells[duration]);
    } else {
      let record: { ts?: unknown; duration?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        continue;
      }
      time = jsonTime(record.ts, clock);
      length = typeof record.duration === 'number' ? record.duration : 0;
    }
    const end = time + (Number.isFinite(length) ? length : 0);
    if (end < earliest) earliest = end;
    ends.push(end);
  }
  if (Number.isFinite(earliest)) return { first: earliest, reach: reachOf(ends) };
  const none = head.length < HEAD_BYTES ? Number.NaN : null;
  return { first: none, reach: none };
}

const headText = new TextDecoder('utf-8');

/**
 * Whether a log may hold rows callhome reads: a conn, dns, http or ssl log, or JSON that may
 * hold several (its rows tagged with `_path`, or of no type its first row tells). A folder's
 * other logs (weird, stats, files, …) are passed over.
 */
export function mayBeUsed(
  file: Pick<ZeekLogFile, 'path' | 'format' | 'logType' | 'tagged' | 'head' | 'stream'>,
  /** `holdsSeveralLogs(file)` when already known. */
  several?: boolean,
): boolean {
  if (file.format === 'zeek-json' && (file.logType === null || file.tagged === true)) return true;
  const logType = file.logType ?? logTypeFromName(file.path);
  return (logType !== null && USED.has(logType)) || (several ?? holdsSeveralLogs(file));
}

/**
 * Whether a TSV file holds the header blocks of several log types one after the other
 * (`zcat conn.*.log.gz dns.*.log.gz > day.log`), by its first bytes and, when it is not gzip,
 * its last: a `#path` of another type, or rows of another width than the first `#fields`.
 */
export function holdsSeveralLogs(file: Pick<ZeekLogFile, 'path' | 'format' | 'head' | 'stream'>): boolean {
  if (file.format !== 'zeek-tsv' || file.head === undefined) return false;
  const head = headText.decode(file.head);
  const paths = new Set(zeekPaths(head));
  if (paths.size > 1) return true;
  const tailBytes = file.stream === undefined ? readTail(file.path) : null;
  if (tailBytes === null) return false;
  const tail = headText.decode(tailBytes);
  // The tail is cut anywhere: its paths are read with the head's separator.
  const declared = /^#separator .*$/m.exec(head);
  for (const path of zeekPaths(declared === null ? tail : `${declared[0]}\n${tail}`)) paths.add(path);
  if (paths.size > 1) return true;
  // rows whose header block starts before the tail: as wide as the first block's?
  const separator = /^#separator (.*)$/m.exec(head);
  const sep = separator === null ? '\t' : unescapeZeek(separator[1]!);
  const fields = /^#fields(.*)$/m.exec(head);
  if (fields === null || /^#fields/m.test(tail)) return false;
  const lines = tail.split('\n').slice(1, -1);
  const row = lines.reverse().find((l) => l !== '' && !l.startsWith('#'));
  return row !== undefined && row.split(sep).length !== fields[1]!.split(sep).length - 1;
}

const SIDE_LOGS: ReadonlySet<string> = new Set(['dns', 'http', 'ssl']);
const CONN_LOG: ReadonlySet<string> = new Set(['conn']);

/** Whether the file may hold rows of `types`: a JSON log's rows may name any log. */
const mayHold = (s: FileState, types: ReadonlySet<string>): boolean =>
  s.logType === null || types.has(s.logType) || s.file.format === 'zeek-json';

/** A file read for the rows of `types`. */
interface Step {
  types: ReadonlySet<string>;
  state: FileState;
}

/**
 * The order the files are read in, one after another, when they are not read side by side
 * (`lockstepReaders`). Logs read only once (standard input, a pipe) first, whole, for every log
 * type; then the side logs (dns, http, ssl), whose rows wait for the conn.log rows that claim
 * them by uid, then the conn.logs. A deployment's logs rotated hourly that are not read side by
 * side (named in another order than their hours, a file whose first bytes do not tell its time)
 * are read an hour at a time: before each conn.log the side logs that begin before the next
 * conn.log has got as far as its first bytes (`FileState.reach`, not its first row: a half-open
 * connection's row is written long after its end, into the next hour's file), and a quarter of an
 * hour after (a side row is written before the conn.log row of its connection, which waits for the
 * connection's end), so that the side rows held are an hour's or two, not a day's — a busy day's
 * dns.log and http.log are millions of rows. Side rows of a connection longer than that wait for
 * it as before. A JSON log of one log's rows by its first (untagged, as Zeek writes them) is read
 * there for the rows of every log, which its rows each tell by their keys. Files that may hold
 * rows of any log (tagged with `_path`, or of no log their first row tells) are read as before:
 * every side log, then every conn.log.
 */
function readingOrder(states: readonly FileState[]): Step[] {
  const steps: Step[] = states.filter((s) => s.once).map((state) => ({ types: USED, state }));
  const files = states.filter((s) => !s.once);
  // Files that hold the rows of one log each, as a deployment writes them.
  const oneLog = (s: FileState): boolean => s.logType !== null && USED.has(s.logType) && s.file.tagged !== true;
  // A JSON log's rows each tell their log: read for any of them.
  const read = (state: FileState, types: ReadonlySet<string>): Step => ({ types: state.file.format === 'zeek-json' ? USED : types, state });
  const sides = files.filter((s) => oneLog(s) && SIDE_LOGS.has(s.logType!));
  const conns = files.filter((s) => oneLog(s) && s.logType === 'conn');
  if (conns.length < 2 || !files.every(oneLog)) {
    return [
      ...steps,
      ...files.filter((s) => mayHold(s, SIDE_LOGS)).map((state) => ({ types: SIDE_LOGS, state })),
      ...files.filter((s) => mayHold(s, CONN_LOG)).map((state) => ({ types: CONN_LOG, state })),
    ];
  }
  // Each log's files in the order given (the first of two files that hold a row is the one it is
  // counted in); a conn.log's rows are written before the conn.log written next is.
  const known = (t: number | null): t is number => t !== null && !Number.isNaN(t);
  const reaches = conns.flatMap((s) => (known(s.reach) ? [s.reach] : [])).sort((a, b) => a - b);
  const unread = new Set(sides);
  for (const state of conns) {
    const reach = state.reach;
    // A file whose time is not known: every side log before it.
    const following = known(reach) ? reaches.find((t) => t > reach) : undefined;
    const until = following === undefined ? Infinity : following + LOG_COPY_WINDOW;
    for (const side of unread) {
      if (known(side.firstRow) && side.firstRow >= until) continue;
      steps.push(read(side, SIDE_LOGS));
      unread.delete(side);
    }
    steps.push(read(state, CONN_LOG));
  }
  for (const side of unread) steps.push(read(side, SIDE_LOGS));
  return steps;
}

/** Files read one after another by one reader of the lockstep: a log's files, in the order given. */
interface Reader {
  /** The side log's number in the lockstep (`Lockstep.sideRow`), in reading order; null for the reader of conn.log rows. */
  side: number | null;
  steps: Step[];
}

/**
 * The readers of the files read side by side (zeek-lockstep.ts), or null. Files of one log each,
 * none read only once: one reader for each log's files, in the order given — a deployment's
 * hourly files, or the one file of each log `zeek -r` writes — when each log's files were written
 * in that order (`writtenInOrder`; else the hours are read as `readingOrder` says). A JSON log is
 * read for the rows of any log, as its rows each tell theirs. Or JSON streams of every log (tagged
 * with `_path`, or their rows telling their log by their fields): one reader of them for their
 * side rows and one for their conn rows, each file read by both at once.
 */
function lockstepReaders(states: readonly FileState[]): Reader[] | null {
  if (states.length === 0 || states.some((s) => s.once)) return null;
  const streams = states.filter(holdsEveryLog);
  if (streams.length > 0) {
    if (streams.length !== states.length) return null;
    const forSideRows = states.map((state) => ({ state, types: SIDE_LOGS }));
    const forConnRows = states.map((state) => ({ state, types: CONN_LOG }));
    return writtenInOrder(forSideRows)
      ? [
          { side: 0, steps: forSideRows },
          { side: null, steps: forConnRows },
        ]
      : null;
  }
  const byLog = new Map<string, Step[]>();
  for (const state of states) {
    const logType = state.logType;
    if (logType === null || !USED.has(logType)) return null;
    const types = state.file.format === 'zeek-json' ? USED : logType === 'conn' ? CONN_LOG : SIDE_LOGS;
    const list = byLog.get(logType);
    if (list === undefined) byLog.set(logType, [{ state, types }]);
    else list.push({ state, types });
  }
  if (!byLog.has('conn') || byLog.size < 2 || ![...byLog.values()].every(writtenInOrder)) return null;
  let sides = 0;
  return [...byLog].map(([logType, list]) => ({ side: logType === 'conn' ? null : sides++, steps: list }));
}

/** A JSON log whose rows may be of any log: tagged with `_path`, or of no log its first row tells. */
const holdsEveryLog = (s: FileState): boolean => s.file.format === 'zeek-json' && (s.file.tagged === true || s.logType === null);

/**
 * Whether files read one after another were written in that order, as the lockstep must read
 * them (a side row is taken as read once its log has given a row stamped after it was written):
 * whether the rows of their first bytes got further in that order (`FileState.reach`). Not
 * whether their first rows are in that order: an hour's ssl.log may begin with a long-lived
 * connection's row, written late and stamped before the first row of the hour before. Files whose
 * first bytes do not tell are read by `readingOrder`; a file of no rows (NaN) is anywhere.
 */
function writtenInOrder(list: readonly Step[]): boolean {
  const reaches = list.map((s) => s.state.reach).filter((t) => !Number.isNaN(t));
  return list.length === 1 || reaches.every((t, i) => t !== null && (i === 0 || t >= reaches[i - 1]!));
}

/** A promise for both waits, null when neither is one. */
function both(a: Promise<void> | null, b: Promise<void> | null): Promise<void> | null {
  if (a === null) return b;
  if (b === null) return a;
  return Promise.all([a, b]).then(() => undefined);
}

/**
 * Reads Zeek logs as one set, in `readingOrder`: logs read only once (standard input, a pipe)
 * first, whole; then the side logs of the files before the conn.logs that claim their rows. `firstCapture` is the capture index the
 * first file's connections get. Rows an earlier file already had are counted once
 * (`zeek-copies.ts`). Never throws for bad rows; only I/O errors escape.
 */
export async function loadZeekLogs(
  files: readonly ZeekLogFile[],
  firstCapture: number,
  emit?: (c: Connection) => void,
  /** After each chunk read: a promise while what was made of it cannot be taken yet (LoadOptions.pause). */
  pause?: () => Promise<void> | null,
  /** Takes the store a stream's conn rows were kept in, in place of its rows one by one (LoadContext.adopt). */
  adopt?: (store: ConnectionStore) => boolean,
  /** Worker threads that may read large logs' lines beside this one (LoadContext.readThreads). */
  readThreads = 0,
): Promise<ZeekLoaded> {
  const states: FileState[] = [];
  for (const file of files) {
    const logType = file.logType ?? logTypeFromName(file.path);
    // Logs callhome does not use (weird, files, notice, …) are passed over when a folder holds them.
    // Whether it holds several logs is asked once: its end may be read for it.
    const several = holdsSeveralLogs(file);
    if (!file.named && !mayBeUsed(file, several)) continue;
    const head = headTimes(file);
    states.push({
      file,
      logType,
      summary: newSummary(file, logType),
      index: firstCapture + states.length,
      rows: 0,
      malformed: 0,
      firstMalformed: null,
      first: Infinity,
      last: -Infinity,
      days: new Map(),
      day: Number.NaN,
      dayRows: 0,
      otherRows: 0,
      copies: 0,
      otherTransports: new Map(),
      guessed: { transport: 0 },
      firstRow: head.first,
      reach: head.reach,
      readBefore: false,
      nulRuns: new NulRuns(),
      clock: { millis: null },
      once: file.stream !== undefined || several,
      logTypes: new Set(),
    });
  }
  const stats = new Map<FileState, LineStats>();
  const join = new Join();
  const steps = readingOrder(states);
  // Logs of one file each (as `zeek -r` writes them) or a deployment's hourly files: each log's
  // files read one after another, beside the other logs' (zeek-lockstep.ts).
  const readers = lockstepReaders(states);
  const order = new Map<string, LogInOrder<FileState>[]>();
  for (const logType of USED) {
    const list: LogInOrder<FileState>[] = [];
    // Read side by side, a log's files are those of its reader.
    const read =
      readers === null ? steps : readers.flatMap((r) => r.steps.filter((s) => holdsEveryLog(s.state) || s.state.logType === logType));
    for (const { types, state } of read) {
      if (types.has(logType) && (state.once || mayHold(state, new Set([logType])))) list.push({ file: state, first: state.firstRow });
    }
    order.set(logType, list);
  }
  const copies = new LogCopies(order);
  const connCopies = copies.of('conn');
  /** The filter a row of `logType` at `time` must go through; null when no other file can hold it. */
  const filterFor = (logType: string, time: number): DuplicateFilter | null => {
    const filter = copies.of(logType);
    return filter !== null && filter.looksAt(time) ? filter : null;
  };
  /** Whether the row is one an earlier file had (then counted as such). */
  const copied = (state: FileState, filter: DuplicateFilter, identity: string, time: number): boolean => {
    if (!filter.isCopyOf(textFingerprint(identity), time)) return false;
    state.copies++;
    return true;
  };

  // Files read side by side (lockstepReaders): each side log's reader by its number.
  const sideOf = new Map<FileState, number>();
  const lockstep = readers !== null ? new Lockstep(readers.length - 1, (c) => join.attach(c, hand)) : null;
  for (const { side, steps } of readers ?? []) if (side !== null) for (const { state } of steps) sideOf.set(state, side);
  /** The time of the side row read last (NaN: none), for SideTapes' reading. */
  let sideRowTime = Number.NaN;
  const sideTime = (state: FileState, ts: number): void => {
    sideRowTime = ts;
    const k = sideOf.get(state);
    if (k !== undefined) lockstep!.sideRow(k, ts);
  };
  const texts = new SideTexts();
  // A side row's endpoints, kept while side rows may still be claimed by them.
  const endsOf = (ends: Endpoints | null): Endpoints | null => (join.byEndpointsStill ? texts.ends(ends) : null);
  const onSideRow = (state: FileState, row: ZeekRow, logType: string, line: number): void => {
    if (logType === 'dns') {
      const read = dnsFromRow(row);
      const dns = isError(read) || read === null ? read : texts.dns(read);
      if (isError(dns)) return malformed(state, line, dns.error);
      if (dns === null) return seen(state, state.first, state.last);
      seen(state, dns.ts, dns.ts);
      sideTime(state, dns.ts);
      const filter = filterFor(logType, dns.ts);
      if (filter !== null && copied(state, filter, `${dns.uid}\t${dns.ts}\t${dns.query}`, dns.ts)) return;
      const rows = join.rowsOf(dns.uid);
      const entry = rows.dns;
      if (entry === null) rows.dns = { row: dns, capture: state.index, queries: [dns], names: [dns.query], count: 1 };
      else {
        if (entry.queries.length < 16) entry.queries.push(dns);
        if (entry.names.length < DNS_NAMES_KEPT) entry.names.push(dns.query);
        entry.count++;
      }
    } else if (logType === 'http') {
      const http = httpFromRow(row);
      if (isError(http)) return malformed(state, line, http.error);
      if (http === null) return seen(state, state.first, state.last);
      seen(state, http.ts, http.ts);
      sideTime(state, http.ts);
      const filter = filterFor(logType, http.ts);
      if (filter !== null && copied(state, filter, `${http.uid}\t${http.ts}\t${http.peek.method}\t${http.peek.target}`, http.ts)) return;
      const rows = join.rowsOf(http.uid);
      const entry = rows.http;
      const key = loggedRequestKey(http.peek.method, http.peek.target);
      if (entry === null)
        join.addHttp(rows, http.uid, {
          peek: texts.peek(http.peek),
          times: [http.ts],
          keys: [key],
          file: state.index,
          ends: endsOf(http.tuple),
        });
      else if (entry.times.length < REQUEST_TIMES_CAP) {
        entry.times.push(http.ts);
        entry.keys.push(key);
      }
    } else {
      const ssl = sniFromRow(row);
      if (isError(ssl)) return malformed(state, line, ssl.error);
      const ts = row.time(0);
      if (Number.isFinite(ts)) seen(state, ts, ts);
      else seen(state, state.first, state.last);
      sideTime(state, ts);
      if (ssl === null) return;
      const filter = filterFor(logType, ts);
      if (filter !== null && copied(state, filter, `${ssl.uid}\t${ts}`, ts)) return;
      const rows = join.rowsOf(ssl.uid);
      if (rows.sni === null)
        join.addSni(rows, ssl.uid, { sni: texts.book.text(ssl.sni), ts: ssl.ts, file: state.index, ends: endsOf(ssl.tuple) });
    }
  };

  // Without `emit`, the connections are collected and returned.
  const connections: Connection[] = [];
  const hand = emit ?? ((c: Connection): void => void connections.push(c));
  /**
   * conn.log rows of streams, read before the side logs of files: joined again at the end, then
   * handed on. Kept in columns as the analysis keeps rows (`zcat conn.*.gz | callhome analyze -`
   * is every row of a day), made objects again one at a time as they are handed on — or, where no
   * side row waits for them, taken whole as the analysis's own (`adopt`).
   */
  const early = new ConnectionStore(null, { uids: false });
  /** Their uids, in the order added: wanted only if side rows wait for them when the streams end. */
  const earlyUids = new TextTape();
  /**
   * The side rows of a stream that is the only log (`zcat *.log.gz | callhome analyze -`), kept
   * on tapes until it ends, then read beside its conn rows (zeek-side-tapes.ts). With other logs
   * the side rows are joined as they are read: a file's conn.log rows, read after the stream,
   * may claim them.
   */
  const tapes = lockstep === null && states.length === 1 && states[0]!.once ? new SideTapes() : null;
  const onConnRow = (state: FileState, row: ZeekRow, line: number): void => {
    const c = connFromRow(row, state.index, line, state.guessed);
    if (isError(c)) return malformed(state, line, c.error);
    if (isOtherTransport(c)) {
      const { ts, lastTs, v6, ipProto } = c.otherTransport;
      state.summary.decoded[v6 ? 'ipv6' : 'ipv4']++;
      state.summary.decoded.other++;
      const name = ipProtocolName(ipProto);
      state.otherTransports.set(name, (state.otherTransports.get(name) ?? 0) + 1);
      return seen(state, ts, lastTs);
    }
    // callhome's own flows as JSON: what it saw besides Zeek's fields, read back whole.
    if (row instanceof JsonRows && isFlowsJson(row)) {
      const error = applyFlowsJson(c, row);
      if (error !== null) return malformed(state, line, error);
    }
    seen(state, c.ts, c.lastTs);
    const filter = connCopies !== null && connCopies.looksAt(c.lastTs) ? connCopies : null;
    const identity = filter === null ? '' : `${c.uid}\t${c.ts}\t${c.proto}\t${c.origH}\t${c.origP}\t${c.respH}\t${c.respP}`;
    if (filter !== null && copied(state, filter, identity, c.lastTs)) return;
    const ip = c.origH.includes(':') ? 'ipv6' : 'ipv4';
    state.summary.decoded[ip]++;
    state.summary.decoded[c.proto]++;
    if (lockstep !== null) lockstep.connRow(c);
    else join.attach(c, state.once ? toEarly : hand);
  };
  const toEarly = (c: Connection): void => {
    early.add(c);
    earlyUids.add(c.uid);
  };

  let sideRowsHeld = 0;
  const readStep = async ({ types, state }: Step, after?: () => Promise<void> | null, judge = !state.readBefore): Promise<void> => {
    copies.start(state, types);
    const read = await readRows(
      state,
      types,
      (row, logType, line) => {
        if (logType === 'conn') onConnRow(state, row, line);
        else if (tapes === null || !tapes.add(row, logType, line, () => new JsonRows(fieldsOf(logType), state.clock)))
          onSideRow(state, row, logType, line);
      },
      () => {
        if (join.byUid.size > sideRowsHeld) sideRowsHeld = join.byUid.size;
        return after === undefined ? (pause?.() ?? null) : both(pause?.() ?? null, after());
      },
      judge,
      readThreads,
    );
    if (!stats.has(state)) stats.set(state, read);
    state.readBefore = true;
  };
  if (lockstep !== null && readers !== null) {
    const ls = lockstep;
    // A stream of every log is read twice at once: its lines judged by the side rows' reading.
    const judged = new Set<FileState>();
    await Promise.all(
      readers.map(async ({ side, steps: files }) => {
        for (const step of files) {
          const judge = !judged.has(step.state);
          judged.add(step.state);
          await readStep(step, () => (side === null ? ls.connPause() : ls.sidePause(side)), judge);
        }
        if (side === null) ls.connEnd();
        else ls.sideEnd(side);
      }),
    );
    ls.finish();
  } else for (const step of steps) await readStep(step);
  join.finish();
  /** The streams' rows handed to `each` a chunk at a time (each chunk let go once handed on), each with its uid again. */
  const drainEarly = (each: (c: Connection) => void): void => {
    const uids = earlyUids.texts();
    early.drain((c) => {
      const uid = uids.next();
      if (uid.done !== true) c.uid = uid.value;
      each(c);
    });
    early.release();
  };
  if (tapes !== null && tapes.length > 0) {
    // The stream's side rows read again beside its conn rows.
    const state = states[0]!;
    const replay = tapes.replay(
      (c) => join.attach(c, hand),
      (row, logType, line) => {
        sideRowTime = Number.NaN;
        onSideRow(state, row, logType, line);
        return sideRowTime;
      },
    );
    drainEarly((c) => {
      replay.conn(c);
      if (join.byUid.size > sideRowsHeld) sideRowsHeld = join.byUid.size;
    });
    replay.end();
    join.finish();
    tapes.release();
  } else {
    // Do the streams' rows claim side rows by uid? Then every row is joined as it is handed on.
    if (join.byUid.size > 0 && early.length > 0 && !join.joinsAtOnce) {
      for (const uid of earlyUids.texts()) {
        join.claimsByUid(uid);
        if (join.joinsAtOnce) break;
      }
    }
    if (join.byUid.size > 0 && early.length > 0 && !join.joinsAtOnce) {
      // Side rows that may be claimed by endpoints: every row looked up before any is handed on.
      const rows = early.toArray();
      early.release();
      let i = 0;
      for (const uid of earlyUids.texts()) rows[i++]!.uid = uid;
      for (const c of rows) join.attach(c, () => {});
      join.finish();
      for (const c of rows) hand(c);
    } else if (join.byUid.size > 0 || early.length === 0 || adopt === undefined || !adopt(early)) {
      // On to the analysis's own store, joined to the side rows that wait.
      drainEarly((c) => {
        if (join.byUid.size > 0) join.attach(c, () => {});
        hand(c);
      });
    }
    // (Else no side row waits for them: the store they waited in is the analysis's own from now on.)
  }
  earlyUids.release();
  // Rows no conn.log row claimed, by uid or by endpoints and time: DNS as the connections they
  // were, the others said by the log they are in.
  const unclaimed = new Map<number, number>();
  for (const rows of join.byUid.values()) {
    if (rows.dns !== null) hand(dnsConnection(rows.dns));
    for (const entry of [rows.http, rows.sni]) if (entry !== null) unclaimed.set(entry.file, (unclaimed.get(entry.file) ?? 0) + 1);
  }
  for (const state of states) {
    finishSummary(state, stats.get(state) ?? null);
    const usedAny = [...state.logTypes].some((t) => USED.has(t));
    if (state.logType !== null && !USED.has(state.logType) && !usedAny && state.file.format === 'zeek-tsv') {
      state.summary.warnings.push(`${state.file.path}: a Zeek ${state.logType} log: callhome reads conn, dns, http and ssl logs`);
    }
  }
  for (const [file, n] of unclaimed) {
    const state = states.find((s) => s.index === file) ?? states[0];
    state?.summary.warnings.push(
      n === 1
        ? '1 http/ssl row names a uid no conn.log row has, nor a connection of its endpoints at its time: its Host, User-Agent or SNI is not used'
        : `${plural(n, 'http/ssl row')} name a uid no conn.log row has, nor a connection of their endpoints at their time: their Host, User-Agent or SNI are not used`,
    );
  }
  // A log of which no row reads is no input: one error, as for a capture that cannot be read
  // (its entry stays, so that the inputs after it keep their numbers).
  const failures = states
    .filter((s) => s.rows === 0 && s.malformed > 0)
    .map(
      (s) =>
        new CaptureError(
          'not-a-capture',
          s.file.path,
          `${s.file.path}: a Zeek log of which no row reads (${plural(s.malformed, 'row')} malformed, the first at ${s.firstMalformed ?? 'its start'})`,
        ),
    );
  return { captures: states.map((s) => s.summary), connections, failures, sideRowsHeld };
}
