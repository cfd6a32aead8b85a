/**
 * What each Zeek log gives callhome, row by row: conn.log a connection record (the one
 * `flows/` declares) with what its `conn_state` and `history` say; dns.log the names of
 * addresses (answers with their CNAME chain); http.log the request peek (Host, User-Agent,
 * method, URI, proxy form, `proxied` headers); ssl.log the SNI. A row that cannot be read
 * gives an error text naming the field.
 */
import { logUid, NONE, type Connection, type DnsAnswer, type HttpRequestPeek, type Transport } from '../flows/connection.js';
import { isConnState, tcpStateOpening } from '../flows/conn-state.js';
import { answered, historyResets } from '../flows/zeek-history.js';
import { CALLHOME_ZEEK_FIELDS, proxyFormOf } from '../flows/zeek-fields.js';
import type { ZeekRow } from './zeek-format.js';
import { CAPTURE_TIME_RANGE, isCaptureTime } from '../time.js';

// ---------------------------------------------------------------- conn.log

/** Zeek's own conn.log columns, in the order Zeek writes them (before `tunnel_parents` and the optional ones). */
export const ZEEK_CONN_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
] as const;
const C = Object.fromEntries(ZEEK_CONN_FIELDS.map((f, i) => [f, i])) as Record<(typeof ZEEK_CONN_FIELDS)[number], number>;
/** The originator's hardware address: Zeek's `orig_l2_addr`, logged with policy/protocols/conn/mac-logging. */
const ORIG_L2_ADDR = ZEEK_CONN_FIELDS.length;
/** The IP protocol number (Zeek 6 on), which names a row of another transport (ESP 50, GRE 47). */
const IP_PROTO = ORIG_L2_ADDR + 1;
const CALLHOME_FIRST = IP_PROTO + 1;

/** The conn.log fields callhome reads, Zeek's then its own. */
export const CONN_LOG_FIELDS: readonly string[] = [
  ...ZEEK_CONN_FIELDS,
  'orig_l2_addr',
  'ip_proto',
  ...CALLHOME_ZEEK_FIELDS.map((f) => f.name),
];

/**
 * A row of a transport callhome does not follow (Zeek's `unknown_transport`: ESP, GRE, SCTP …):
 * counted, with its time and address family, and said, not analysed.
 */
export interface OtherTransportRow {
  otherTransport: { ts: number; lastTs: number; v6: boolean; ipProto: number | null };
}

export const isOtherTransport = (r: unknown): r is OtherTransportRow => typeof r === 'object' && r !== null && 'otherTransport' in r;

/** A hardware address as Zeek writes one (six bytes in hex, colon-separated). */
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

export type RowResult<T> = T | { error: string };

export const isError = <T>(r: RowResult<T>): r is { error: string } => typeof r === 'object' && r !== null && 'error' in r;

function count(row: ZeekRow, field: number): number {
  const plain = row.plainNumber(field);
  if (plain >= 0) return plain;
  const t = row.text(field);
  if (t === null || t === '') return 0;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? n : Number.NaN;
}

function flag(row: ZeekRow, field: number): boolean | null {
  const t = row.text(field);
  return t === 'T' || t === 'true' ? true : t === 'F' || t === 'false' ? false : null;
}

/** Zeek's states of a TCP connection alone: a UDP flow is S0, SF, SHR or OTH. */
const TCP_ONLY_STATES = new Set(['REJ', 'S1', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH']);

/** Ports of services over UDP alone, or almost (DNS): a row to one with no `proto` or history is a UDP flow. */
const UDP_PORTS = new Set([53, 67, 68, 69, 123, 137, 138, 161, 162, 500, 514, 1900, 3478, 4500, 5353, 5355]);

/** Multicast (224/4, ff00::/8) or broadcast: no TCP connection goes there. */
function groupAddress(address: string): boolean {
  if (address.includes(':')) return /^ff/i.test(address);
  const first = Number(address.slice(0, address.indexOf('.')));
  return (first >= 224 && first <= 239) || address.endsWith('.255');
}

/**
 * The transport of a row of a log written without `proto`: TCP when its state or a history letter
 * only TCP has says so, UDP when its history is datagrams alone (D, d); with no history either (a
 * `zeek-cut` of a few columns), UDP to a port of a UDP service or to a group address; else TCP
 * (the attempts callhome is about are TCP's).
 */
function protoOf(state: string, history: string | null, respP: number, respH: string): 'tcp' | 'udp' {
  if (TCP_ONLY_STATES.has(state)) return 'tcp';
  if (history === null) return UDP_PORTS.has(respP) || groupAddress(respH) ? 'udp' : 'tcp';
  const letters = history.replace(/\^/g, '');
  return letters !== '' && /^[Dd]+$/.test(letters) ? 'udp' : 'tcp';
}

/**
 * One conn.log row as a connection; `capture` is the log file's index among the inputs, `line` the
 * row's line in it; a row of another transport (Zeek's `unknown_transport`), which callhome does
 * not track, as what the count of such rows needs.
 */
export function connFromRow(
  row: ZeekRow,
  capture: number,
  line: number,
  /** Counts the rows whose transport was guessed (no `proto`, no history: protoOf). */
  guessed?: { transport: number },
): RowResult<Connection | OtherTransportRow> {
  const ts = row.time(C.ts);
  if (!Number.isFinite(ts)) return { error: `ts ${quotedCell(row.text(C.ts))} is not a time` };
  if (!isCaptureTime(ts)) return { error: outOfRange(row, C.ts) };
  // A log written without uids (a zeek-cut of a few columns, a log filter that leaves it out):
  // each row is told apart by its line, as a firewall log's attempts are.
  const uid = row.text(C.uid) ?? logUid(capture, line);
  const origH = row.text(C['id.orig_h']);
  const respH = row.text(C['id.resp_h']);
  if (origH === null || respH === null) return { error: 'no id.orig_h or id.resp_h' };
  const origP = count(row, C['id.orig_p']);
  const respP = count(row, C['id.resp_p']);
  if (!(origP <= 65535 && respP <= 65535)) return { error: 'a port is not a number from 0 to 65535' };
  const state = row.text(C.conn_state) ?? 'OTH';
  if (!isConnState(state)) return { error: `conn_state ${quotedCell(state)} is not one of Zeek's` };
  let proto = row.text(C.proto);
  if (proto === null) {
    const history = row.text(C.history);
    proto = protoOf(state, history, respP, respH);
    if (history === null && guessed !== undefined) guessed.transport++;
  }
  if (proto === 'unknown_transport') {
    const seconds = Number(row.text(C.duration) ?? 0);
    const ipProto = row.text(IP_PROTO) === null ? null : count(row, IP_PROTO);
    return {
      otherTransport: {
        ts,
        lastTs: ts + (Number.isFinite(seconds) ? seconds : 0),
        v6: origH.includes(':'),
        ipProto: ipProto !== null && Number.isInteger(ipProto) ? ipProto : null,
      },
    };
  }
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') return { error: `proto ${quotedCell(proto)} is not tcp, udp or icmp` };
  const plainDuration = row.plainNumber(C.duration);
  const durationText = plainDuration >= 0 ? '' : row.text(C.duration);
  const duration = plainDuration >= 0 ? plainDuration : durationText === null ? null : Number(durationText);
  if (duration !== null && !Number.isFinite(duration)) return { error: `duration ${quotedCell(durationText)} is not a number` };
  const history = row.text(C.history) ?? '';
  const origPkts = count(row, C.orig_pkts);
  const respPkts = count(row, C.resp_pkts);
  // No history (a zeek-cut of a few columns): a TCP row's conn_state tells the SYN and the answer.
  const opening = history === '' && proto === 'tcp' ? tcpStateOpening(state) : null;
  // Opened with a SYN (history's S, or the state's), and nothing but SYNs sent (S, Sr; S0, REJ):
  // a SYN-only attempt's packets are its SYNs.
  const syn = history.charCodeAt(0) === 83 /* S */ || opening?.syn === true;
  const synsOnly = history === 'S' || history === 'Sr' || (opening !== null && (state === 'S0' || state === 'REJ'));
  const c: Connection = {
    uid,
    proto: proto satisfies Transport,
    ts,
    lastTs: ts + (duration ?? 0),
    origH,
    origP,
    respH,
    respP,
    service: row.text(C.service) || null,
    duration,
    origBytes: count(row, C.orig_bytes),
    respBytes: count(row, C.resp_bytes),
    connState: state,
    localOrig: flag(row, C.local_orig),
    localResp: flag(row, C.local_resp),
    missedBytes: count(row, C.missed_bytes),
    history,
    origPkts,
    origIpBytes: count(row, C.orig_ip_bytes),
    respPkts,
    respIpBytes: count(row, C.resp_ip_bytes),
    capture,
    synCount: !syn ? 0 : synsOnly ? Math.max(1, origPkts) : 1,
    origTtl: -1,
    respTtl: -1,
    handshakeRtt: null,
    // A UDP row's SF: both sides sent.
    established: history !== '' ? answered(history) : (opening?.answered ?? (respPkts > 0 || (proto !== 'tcp' && state === 'SF'))),
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
  if (
    Number.isNaN(c.origBytes) ||
    Number.isNaN(c.respBytes) ||
    Number.isNaN(c.missedBytes) ||
    Number.isNaN(origPkts) ||
    Number.isNaN(c.origIpBytes) ||
    Number.isNaN(respPkts) ||
    Number.isNaN(c.respIpBytes)
  ) {
    return { error: 'a byte or packet count is not a number' };
  }
  if (c.proto === 'tcp') c.resets = historyResets(c);
  const mac = row.text(ORIG_L2_ADDR);
  // (Anything else in the column — a link with other addresses — names no Ethernet sender.)
  if (mac !== null && MAC.test(mac)) c.origMac = mac.toLowerCase();
  // A conn.log callhome wrote carries its own evidence: it replaces what history suggests.
  if (!row.anyFrom(CALLHOME_FIRST)) return c;
  for (let i = 0; i < CALLHOME_ZEEK_FIELDS.length; i++) {
    const field = CALLHOME_ZEEK_FIELDS[i]!;
    const vector = field.type.startsWith('vector');
    const cell = vector ? row.list(CALLHOME_FIRST + i) : row.text(CALLHOME_FIRST + i);
    if (!field.apply(c, cell)) return { error: `${field.name} cannot be read` };
  }
  return c;
}

// ---------------------------------------------------------------- dns.log

export const DNS_LOG_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'query',
  'qtype_name',
  'answers',
  'TTLs',
  'rcode_name',
  'rtt',
] as const;

export interface DnsRow {
  ts: number;
  uid: string;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  proto: Transport;
  query: string;
  /** The names for addresses the answers give (see `dnsFromRow`). */
  answers: DnsAnswer[];
  /**
   * Whether the query got a reply: any answer, or a response code or round trip (an NXDOMAIN, a
   * referral, a NOERROR with no answer are replies: the resolver answered).
   */
  answered: boolean;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Zeek's `answers` are the values of the answer records in order: each name is the CNAME of
 * the one before it (starting at the query), each address an address of the last name.
 */
export function chainAnswers(query: string, values: readonly string[], ttls: readonly string[], names = true): DnsAnswer[] {
  const answers: DnsAnswer[] = [];
  let owner = query;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    const ttl = Number(ttls[i] ?? 0) || 0;
    if (IPV4.test(value)) answers.push({ name: owner, type: 'A', value, ttl });
    else if (value.includes(':')) answers.push({ name: owner, type: 'AAAA', value, ttl });
    else if (names && /^[^\s]+$/.test(value)) {
      answers.push({ name: owner, type: 'CNAME', value, ttl });
      owner = value;
    }
  }
  return answers;
}

/**
 * A row whose `ts` is a number no clock writes (a log spliced mid-line: "171754309265.84"): the
 * words of its warning. Such a time would stretch the log over thousands of years.
 */
function outOfRange(row: ZeekRow, field: number): string {
  return `ts ${quotedCell(row.text(field))} is out of the range of times a log can mean (${CAPTURE_TIME_RANGE})`;
}

export function dnsFromRow(row: ZeekRow): RowResult<DnsRow | null> {
  const ts = row.time(0);
  const uid = row.text(1);
  if (!Number.isFinite(ts) || uid === null) return { error: 'no ts or uid' };
  if (!isCaptureTime(ts)) return { error: outOfRange(row, 0) };
  const query = row.text(7);
  if (query === null) return null;
  // Every query counts (a tunnel asks TXT, MX, NULL … as readily as A), as in a capture; but
  // names for addresses come from the answers to address and CNAME queries only (`answers`
  // holds values of every type: a PTR or MX answer is a name, not a CNAME). A reply whose
  // query's type Zeek did not log (a response seen alone, an mDNS announcement) gives its
  // addresses, but its names may be any record's (an SRV's target): no CNAMEs of them.
  const qtype = row.text(8);
  const chained = qtype === 'A' || qtype === 'AAAA' || qtype === 'CNAME' || qtype === '*' || qtype === null;
  const values = row.list(9) ?? [];
  const proto = row.text(6);
  const replied = values.length > 0 || row.text(11) !== null || row.text(12) !== null;
  return {
    ts,
    uid,
    origH: row.text(2) ?? '',
    origP: Number(row.text(3) ?? 0),
    respH: row.text(4) ?? '',
    respP: Number(row.text(5) ?? 53),
    proto: proto === 'tcp' ? 'tcp' : 'udp',
    query,
    answers: chained && values.length > 0 ? chainAnswers(query, values, row.list(10) ?? [], qtype !== null) : [],
    answered: replied,
  };
}

// ---------------------------------------------------------------- http.log

export const HTTP_LOG_FIELDS = [
  'ts',
  'uid',
  'method',
  'host',
  'uri',
  'user_agent',
  'proxied',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'status_code',
] as const;

export interface HttpRow {
  ts: number;
  uid: string;
  /** Its connection's endpoints, for a conn.log whose uids are not these; null when the row has none. */
  tuple: Endpoints | null;
  peek: HttpRequestPeek;
}

/** The key a side log's row and a conn.log row of one connection share besides their uid. */
export function tupleKey(origH: string, origP: number, respH: string, respP: number): string {
  return `${origH} ${origP} ${respH} ${respP}`;
}

/** A side log row's endpoints (`tupleKey` makes them one key, `portPair` their ports one number). */
export interface Endpoints {
  origH: string;
  origP: number;
  respH: string;
  respP: number;
}

/** A connection's port pair as one number, looked at before its endpoints' key is made. */
export const portPair = (origP: number, respP: number): number => origP * 65536 + respP;

/** The endpoints of a side log's row from its `id.*` columns at `from` (orig_h, orig_p, resp_h, resp_p), or null. */
function rowTuple(row: ZeekRow, from: number): Endpoints | null {
  const origH = row.text(from);
  const respH = row.text(from + 2);
  const origP = row.text(from + 1) === null ? Number.NaN : count(row, from + 1);
  const respP = row.text(from + 3) === null ? Number.NaN : count(row, from + 3);
  if (origH === null || respH === null || !Number.isInteger(origP) || !Number.isInteger(respP)) return null;
  return { origH, origP, respH, respP };
}

/**
 * Zeek's `proxied` items read `VIA -> 1.1 proxy` (`HTTP::proxy_headers`). Only Via and
 * X-Forwarded-For say a request already went through a proxy, as the capture path counts them;
 * Proxy-Connection (and its mangled Xroxy-Connection) is what a client sends to the proxy it
 * uses, so it says nothing of the sender being one. Kept as header lines, `VIA: 1.1 proxy`.
 */
function viaHeaders(items: readonly string[] | null): string[] {
  const headers: string[] = [];
  if (items === null) return headers;
  for (const item of items) {
    const arrow = item.indexOf(' -> ');
    const name = (arrow < 0 ? item : item.slice(0, arrow)).trim().toLowerCase();
    if (name !== 'via' && name !== 'x-forwarded-for') continue;
    headers.push(arrow < 0 ? item : `${item.slice(0, arrow)}: ${item.slice(arrow + 4)}`);
  }
  return headers;
}

export function httpFromRow(row: ZeekRow): RowResult<HttpRow | null> {
  const ts = row.time(0);
  const uid = row.text(1);
  if (!Number.isFinite(ts) || uid === null) return { error: 'no ts or uid' };
  if (!isCaptureTime(ts)) return { error: outOfRange(row, 0) };
  const method = row.text(2);
  if (method === null || method === '') return null;
  const target = row.text(4) ?? '';
  return {
    ts,
    uid,
    tuple: rowTuple(row, 7),
    peek: {
      method,
      target,
      // Zeek's (empty) is a Host header sent blank, as a capture reads it; unset (-), none sent.
      host: row.text(3),
      userAgent: row.text(5) || null,
      proxyForm: proxyFormOf(method, target),
      viaHeaders: viaHeaders(row.list(6)),
      ...statusOf(row, 11),
    },
  };
}

/** A response's status code from its column, when the row has one (an unanswered request has none). */
function statusOf(row: ZeekRow, field: number): { status?: number } {
  if (row.text(field) === null) return {};
  const status = count(row, field);
  return Number.isInteger(status) && status >= 100 && status <= 999 ? { status } : {};
}

// ---------------------------------------------------------------- ssl.log

export const SSL_LOG_FIELDS = ['ts', 'uid', 'server_name', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'] as const;

export function sniFromRow(row: ZeekRow): RowResult<{ ts: number; uid: string; tuple: Endpoints | null; sni: string } | null> {
  const uid = row.text(1);
  const ts = row.time(0);
  if (uid === null || !Number.isFinite(ts)) return { error: 'no ts or uid' };
  if (!isCaptureTime(ts)) return { error: outOfRange(row, 0) };
  const sni = row.text(2);
  return sni === null || sni === '' ? null : { ts, uid, tuple: rowTuple(row, 3), sni };
}

/** Longest cell a warning quotes in full. */
const QUOTED_CELL = 40;

/**
 * A cell as a warning quotes it: JSON's escapes for its control characters, and cut after
 * QUOTED_CELL characters — a row run into a crash's thousands of NUL bytes is one line of them.
 */
function quotedCell(text: string | null): string {
  return JSON.stringify(text !== null && text.length > QUOTED_CELL ? `${text.slice(0, QUOTED_CELL)}…` : text);
}
