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
import { noCaptureFileFacts, type CaptureSummary } from '../analysis/types.js';
import type { Connection } from '../flows/connection.js';
import { DNS_NAMES_KEPT } from '../flows/peeks.js';
import { readLines, type LineStats } from './lines.js';
import { JsonRows, TsvRows, logTypeFromName, type ZeekFormat, type ZeekRow } from './zeek-format.js';
import {
  CONN_LOG_FIELDS,
  DNS_LOG_FIELDS,
  HTTP_LOG_FIELDS,
  SSL_LOG_FIELDS,
  connFromRow,
  dnsFromRow,
  httpFromRow,
  isError,
  sniFromRow,
  type DnsRow,
  type HttpRow,
} from './zeek-records.js';
import { count as countWords, plural } from '../quantities.js';

export { sniffZeek, type ZeekFormat, type ZeekSniff } from './zeek-format.js';

/** Malformed rows named in a file's warnings; the rest are counted. */
const NAMED_MALFORMED = 5;
/** Request times kept per connection from http.log (as the capture path keeps them). */
const REQUEST_TIMES_CAP = 4096;
/** The log types callhome reads. */
const USED = new Set(['conn', 'dns', 'http', 'ssl']);

export interface ZeekLogFile {
  path: string;
  format: ZeekFormat;
  /** The log type the first bytes told ('conn', 'dns', …), null when they did not. */
  logType: string | null;
  /** Named on the command line (a log found in a folder and not used is passed over quietly). */
  named: boolean;
}

export interface ZeekLoaded {
  /** One per file read, in the order of `files`. */
  captures: CaptureSummary[];
  connections: Connection[];
}

interface FileState {
  file: ZeekLogFile;
  logType: string | null;
  summary: CaptureSummary;
  index: number;
  rows: number;
  malformed: number;
  first: number;
  last: number;
  /** Rows of another log type in a JSON stream of several. */
  otherRows: number;
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
}

/** What the side logs said, by uid, until conn.log claims it. */
class Join {
  readonly dns = new Map<string, DnsEntry>();
  readonly http = new Map<string, HttpEntry>();
  readonly sni = new Map<string, string>();

  attach(c: Connection): void {
    const dns = this.dns.get(c.uid);
    if (dns !== undefined) {
      this.dns.delete(c.uid);
      applyDns(c, dns);
    }
    const http = this.http.get(c.uid);
    if (http !== undefined) {
      this.http.delete(c.uid);
      c.http ??= http.peek;
      if (http.times.length > c.requestTimes.length) c.requestTimes = http.times;
    }
    const sni = this.sni.get(c.uid);
    if (sni !== undefined) {
      this.sni.delete(c.uid);
      c.sni ??= sni;
    }
  }
}

function applyDns(c: Connection, entry: DnsEntry): void {
  if (c.dnsQuery !== null) return;
  // dns.log writes a row per query: a client that keeps its socket asks them all under one uid.
  c.dnsNames = entry.names;
  c.dnsQueries = entry.count;
  const answered = entry.queries.find((q) => q.answers.length > 0) ?? entry.queries[0]!;
  c.dnsQuery = answered.query;
  c.dnsAnswers = entry.queries.flatMap((q) => q.answers);
  c.service ??= 'dns';
}

/** A DNS transaction no conn.log row names, as the connection it was. */
function dnsConnection(entry: DnsEntry): Connection {
  const r = entry.row;
  const answered = entry.queries.some((q) => q.answers.length > 0);
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
  if (state.malformed <= NAMED_MALFORMED) state.summary.warnings.push(`${state.file.path} line ${countWords(line)}: ${why}; row skipped`);
}

function seen(state: FileState, first: number, last: number): void {
  state.rows++;
  if (first < state.first) state.first = first;
  if (last > state.last) state.last = last;
}

/**
 * Reads one file for the rows of the log types in `types`, calling `onRow` with the row and its
 * log type. Rows of other types (a JSON stream of several logs) are passed over.
 */
async function readRows(
  state: FileState,
  types: ReadonlySet<string>,
  onRow: (row: ZeekRow, logType: string, line: number) => void,
): Promise<LineStats> {
  const file = state.file;
  if (file.format === 'zeek-tsv') {
    const logType = state.logType;
    const tsv = new TsvRows(fieldsOf(logType ?? 'ssl'));
    const wanted = logType !== null && types.has(logType);
    return readLines(file.path, (line, n) => {
      if (line.charCodeAt(0) === 35 /* # */) {
        tsv.header(line);
        if (line.startsWith('#path')) state.logType = tsv.path;
        return;
      }
      if (!wanted || line === '') return;
      if (tsv.columns === null) return malformed(state, n, 'a row before the #fields line');
      if (!tsv.load(line)) return malformed(state, n, `${line.split(tsv.separator).length} cells where #fields names ${tsv.fieldCount}`);
      onRow(tsv, logType, n);
    });
  }
  const rowsByType = new Map<string, JsonRows>();
  const probe = new JsonRows(['_path']);
  return readLines(file.path, (line, n) => {
    if (line.trim() === '') return;
    const error = probe.load(line);
    if (error !== null) return malformed(state, n, error);
    const logType = probe.path ?? state.logType;
    if (logType === null || !types.has(logType)) {
      if (logType !== null && !USED.has(logType)) state.otherRows++;
      return;
    }
    let rows = rowsByType.get(logType);
    if (rows === undefined) rowsByType.set(logType, (rows = new JsonRows(fieldsOf(logType))));
    rows.load(line);
    onRow(rows, logType, n);
  });
}

function finishSummary(state: FileState, stats: LineStats | null): void {
  const s = state.summary;
  if (stats !== null) {
    s.bytes = stats.bytes;
    s.compressed = stats.compressed;
    if (stats.failure !== null) s.warnings.push(`${state.file.path}: ${stats.failure}: read up to the last whole line`);
    else if (stats.cutShort !== null)
      s.warnings.push(`${state.file.path}: the last line is cut short (no newline at the end): read up to the line before it`);
  }
  s.packets = state.rows;
  if (state.malformed > 0) {
    s.anomalies['zeek.malformed_row'] = state.malformed;
    if (state.malformed > NAMED_MALFORMED)
      s.warnings.push(`${state.file.path}: ${countWords(state.malformed - NAMED_MALFORMED)} more malformed rows skipped`);
  }
  if (state.otherRows > 0) s.skipped['zeek.unused_log_type'] = state.otherRows;
  if (Number.isFinite(state.first)) {
    s.start = new Date(state.first * 1000).toISOString();
    s.end = new Date(state.last * 1000).toISOString();
    s.durationSeconds = Math.round((state.last - state.first) * 1e6) / 1e6;
  }
  s.formatDetail = `Zeek ${state.logType ?? 'unknown'} log (${state.file.format === 'zeek-tsv' ? 'TSV' : 'JSON'})`;
}

/**
 * Reads Zeek logs as one set: side logs first, then conn.log. `firstCapture` is the capture
 * index the first file's connections get. Never throws for bad rows; only I/O errors escape.
 */
export async function loadZeekLogs(files: readonly ZeekLogFile[], firstCapture: number): Promise<ZeekLoaded> {
  const states: FileState[] = [];
  for (const file of files) {
    const logType = file.logType ?? logTypeFromName(file.path);
    // Logs callhome does not use (weird, files, notice, …) are passed over when a folder holds them.
    const mixed = file.format === 'zeek-json' && file.logType === null;
    if (!file.named && !mixed && (logType === null || !USED.has(logType))) continue;
    states.push({
      file,
      logType,
      summary: newSummary(file, logType),
      index: firstCapture + states.length,
      rows: 0,
      malformed: 0,
      first: Infinity,
      last: -Infinity,
      otherRows: 0,
    });
  }
  const stats = new Map<FileState, LineStats>();
  const join = new Join();
  const side = new Set(['dns', 'http', 'ssl']);
  const mayHold = (s: FileState, types: Set<string>): boolean =>
    s.logType === null || types.has(s.logType) || s.file.format === 'zeek-json';

  for (const state of states) {
    if (!mayHold(state, side)) continue;
    stats.set(
      state,
      await readRows(state, side, (row, logType, line) => {
        if (logType === 'dns') {
          const dns = dnsFromRow(row);
          if (isError(dns)) return malformed(state, line, dns.error);
          if (dns === null) return seen(state, state.first, state.last);
          seen(state, dns.ts, dns.ts);
          const entry = join.dns.get(dns.uid);
          if (entry === undefined) join.dns.set(dns.uid, { row: dns, capture: state.index, queries: [dns], names: [dns.query], count: 1 });
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
          const entry = join.http.get(http.uid);
          if (entry === undefined) join.http.set(http.uid, { peek: http.peek, times: [http.ts] });
          else if (entry.times.length < REQUEST_TIMES_CAP) entry.times.push(http.ts);
        } else {
          const ssl = sniFromRow(row);
          if (isError(ssl)) return malformed(state, line, ssl.error);
          seen(state, state.first, state.last);
          if (ssl !== null && !join.sni.has(ssl.uid)) join.sni.set(ssl.uid, ssl.sni);
        }
      }),
    );
  }

  const connections: Connection[] = [];
  const conn = new Set(['conn']);
  for (const state of states) {
    if (!mayHold(state, conn)) continue;
    const read = await readRows(state, conn, (row, _logType, line) => {
      const c = connFromRow(row, state.index);
      if (isError(c)) return malformed(state, line, c.error);
      if (c === null) {
        state.summary.decoded.other++;
        return seen(state, state.first, state.last);
      }
      seen(state, c.ts, c.lastTs);
      const ip = c.origH.includes(':') ? 'ipv6' : 'ipv4';
      state.summary.decoded[ip]++;
      state.summary.decoded[c.proto]++;
      join.attach(c);
      connections.push(c);
    });
    if (!stats.has(state)) stats.set(state, read);
  }

  for (const entry of join.dns.values()) connections.push(dnsConnection(entry));
  const unclaimed = join.http.size + join.sni.size;
  for (const state of states) {
    finishSummary(state, stats.get(state) ?? null);
    if (state.logType !== null && !USED.has(state.logType) && state.file.format === 'zeek-tsv') {
      state.summary.warnings.push(`${state.file.path}: a Zeek ${state.logType} log: callhome reads conn, dns, http and ssl logs`);
    }
  }
  if (unclaimed > 0 && states[0] !== undefined) {
    states[0].summary.warnings.push(
      `${plural(unclaimed, 'http/ssl row')} name a uid no conn.log row has: their Host, User-Agent or SNI are not used`,
    );
  }
  return { captures: states.map((s) => s.summary), connections };
}
