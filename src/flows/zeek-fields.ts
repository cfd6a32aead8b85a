/**
 * callhome's own fields in a Zeek conn.log, declared once: `flows --format zeek` writes them
 * after Zeek's columns and the Zeek log reader reads them back, so a conn.log callhome wrote
 * carries the reset evidence Zeek's own cannot (TTL, IP ID, timing) and analyses like the
 * capture it came from. The `callhome_` prefix keeps them clear of Zeek's names and of the
 * fields Zeek scripts add; `zeek-cut` and RITA pick columns by name and pass over these.
 *
 * Each value is written as Zeek cell text before escaping (numbers at full precision, so a
 * round trip is exact); `apply` reads it back onto a connection built from Zeek's fields.
 */
import type { Connection, DnsAnswer, HttpRequestPeek, ResetEvidence, ResetStage } from './connection.js';

export type CallhomeZeekType = 'count' | 'int' | 'interval' | 'bool' | 'string' | 'vector[string]' | 'vector[time]' | 'vector[int]';

/** A cell as read back: text for scalars, a list for vectors; null when unset. */
export type CallhomeCell = string | string[] | null;

export interface CallhomeZeekField {
  name: string;
  type: CallhomeZeekType;
  description: string;
  /** The cell's text (a list for vectors), null for unset. */
  write(c: Connection): CallhomeCell;
  /** Sets what the cell says on `c`; false when the text is not what `write` makes. */
  apply(c: Connection, cell: CallhomeCell): boolean;
}

/** How a request target addressed a proxy (RFC 9112 §3.2.2 absolute-form, §3.2.3 authority-form). */
export function proxyFormOf(method: string, target: string): HttpRequestPeek['proxyForm'] {
  if (method === 'CONNECT') return 'connect';
  const t = target.slice(0, 8).toLowerCase();
  return t.startsWith('http://') || t.startsWith('https://') ? 'absolute' : null;
}

function num(cell: CallhomeCell): number | null {
  if (typeof cell !== 'string') return null;
  const n = Number(cell);
  return cell !== '' && Number.isFinite(n) ? n : null;
}

const list = (cell: CallhomeCell): string[] | null => (Array.isArray(cell) ? cell : null);

function firstReset(c: Connection): ResetEvidence | null {
  return c.resets[0] ?? null;
}

// ---------------------------------------------------------------- resets

const STAGES: readonly ResetStage[] = ['syn', 'probe', 'unprompted', 'handshake', 'data', 'late'];

/** `%` and space in a token's value as %25 / %20, so a value never splits a token. */
const tokenValue = (s: string): string => s.replace(/%/g, '%25').replace(/ /g, '%20');
const fromTokenValue = (s: string): string => s.replace(/%20/g, ' ').replace(/%25/g, '%');
const numbers = (xs: readonly number[]): string => (xs.length === 0 ? '-' : xs.join('+'));
const fromNumbers = (s: string): number[] => (s === '-' ? [] : s.split('+').map(Number));

/**
 * One reset as `kind side stage key=value…`, e.g.
 * `rst resp syn ts=1700000000.123456 ttl=247 ipid=0 delay=0.000412 seq=0 ack=1 ackzero=F kept=F sender=203.0.113.9 icmp=-1/-1 peer_ttls=- peer_ipids=-`.
 */
export function writeReset(r: ResetEvidence): string {
  const parts = [
    r.kind,
    r.fromOriginator ? 'orig' : 'resp',
    r.stage,
    `ts=${r.ts}`,
    `ttl=${r.ttl}`,
    `ipid=${r.ipId}`,
    `delay=${r.delay}`,
    `seq=${r.seq}`,
    `ack=${r.ack}`,
    `ackzero=${r.ackZero ? 'T' : 'F'}`,
    `kept=${r.senderKeptSending ? 'T' : 'F'}`,
    `sender=${tokenValue(r.sender)}`,
    `icmp=${r.icmpType}/${r.icmpCode}`,
    `peer_ttls=${numbers(r.peerTtls)}`,
    `peer_ipids=${numbers(r.peerIpIds)}`,
  ];
  if (r.origin !== 'packet') parts.push(`origin=${r.origin}`);
  return parts.join(' ');
}

export function readReset(text: string): ResetEvidence | null {
  const [kind, side, stage, ...rest] = text.split(' ');
  if ((kind !== 'rst' && kind !== 'icmp' && kind !== 'log') || (side !== 'orig' && side !== 'resp')) return null;
  if (!STAGES.includes(stage as ResetStage)) return null;
  const v = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) v.set(token.slice(0, eq), token.slice(eq + 1));
  }
  const n = (key: string): number => Number(v.get(key) ?? 'NaN');
  const [icmpType, icmpCode] = (v.get('icmp') ?? '-1/-1').split('/').map(Number);
  const r: ResetEvidence = {
    kind,
    origin: v.get('origin') === 'zeek-conn' ? 'zeek-conn' : v.get('origin') === 'firewall-log' ? 'firewall-log' : 'packet',
    ts: n('ts'),
    fromOriginator: side === 'orig',
    ttl: n('ttl'),
    ipId: n('ipid'),
    sender: fromTokenValue(v.get('sender') ?? ''),
    delay: n('delay'),
    stage: stage as ResetStage,
    seq: n('seq'),
    ack: n('ack'),
    ackZero: v.get('ackzero') === 'T',
    senderKeptSending: v.get('kept') === 'T',
    peerTtls: fromNumbers(v.get('peer_ttls') ?? '-'),
    peerIpIds: fromNumbers(v.get('peer_ipids') ?? '-'),
    icmpType: icmpType ?? -1,
    icmpCode: icmpCode ?? -1,
  };
  const all = [r.ts, r.ttl, r.ipId, r.delay, r.seq, r.ack, r.icmpType, r.icmpCode, ...r.peerTtls, ...r.peerIpIds];
  return all.every(Number.isFinite) ? r : null;
}

// ---------------------------------------------------------------- DNS answers

const DNS_TYPES: readonly DnsAnswer['type'][] = ['A', 'AAAA', 'CNAME'];

/** `type ttl name value`, e.g. `CNAME 300 www.example.com cdn.example.net`. */
function writeAnswer(a: DnsAnswer): string {
  return `${a.type} ${a.ttl} ${tokenValue(a.name)} ${tokenValue(a.value)}`;
}

function readAnswer(text: string): DnsAnswer | null {
  const [type, ttl, name, value] = text.split(' ');
  if (!DNS_TYPES.includes(type as DnsAnswer['type']) || name === undefined || value === undefined) return null;
  return { type: type as DnsAnswer['type'], ttl: Number(ttl), name: fromTokenValue(name), value: fromTokenValue(value) };
}

// ---------------------------------------------------------------- the fields

/** The HTTP peek with one of its fields set, made when the first of them is read. */
function withHttp(c: Connection, set: (h: HttpRequestPeek) => void): void {
  c.http ??= { method: '', target: '', host: null, userAgent: null, proxyForm: null, viaHeaders: [] };
  set(c.http);
  c.http.proxyForm = proxyFormOf(c.http.method, c.http.target);
}

/** A string field of the first HTTP request, written and read back alike. */
function httpCell(name: string, description: string, key: 'method' | 'target' | 'host' | 'userAgent'): CallhomeZeekField {
  return scalar(
    name,
    'string',
    description,
    (c) => c.http?.[key] ?? null,
    (c, t) => {
      withHttp(c, (h) => {
        h[key] = t;
      });
      return true;
    },
  );
}

function scalar(
  name: string,
  type: CallhomeZeekType,
  description: string,
  write: (c: Connection) => string | null,
  apply: (c: Connection, text: string) => boolean,
): CallhomeZeekField {
  return { name, type, description, write, apply: (c, cell) => cell === null || (typeof cell === 'string' && apply(c, cell)) };
}

function numeric(
  name: string,
  type: 'count' | 'int' | 'interval',
  description: string,
  write: (c: Connection) => number | null,
  set: (c: Connection, n: number) => void,
): CallhomeZeekField {
  return scalar(
    name,
    type,
    description,
    (c) => {
      const n = write(c);
      return n === null ? null : String(n);
    },
    (c, text) => {
      const n = num(text);
      if (n === null) return false;
      set(c, n);
      return true;
    },
  );
}

/** Summary cells of the first reset, for reading with `zeek-cut`: `callhome_resets` has them all. */
function firstResetCell(
  name: string,
  type: 'int' | 'interval',
  description: string,
  value: (r: ResetEvidence) => number,
): CallhomeZeekField {
  return scalar(
    name,
    type,
    description,
    (c) => {
      const r = firstReset(c);
      return r === null ? null : String(value(r));
    },
    () => true,
  );
}

export const CALLHOME_ZEEK_FIELDS: readonly CallhomeZeekField[] = [
  numeric(
    'callhome_syns',
    'count',
    'SYNs the originator sent',
    (c) => c.synCount,
    (c, n) => {
      c.synCount = n;
    },
  ),
  numeric(
    'callhome_syn_seq',
    'count',
    "sequence number of the originator's first SYN (a new one on the same ports: a new attempt)",
    (c) => (c.synSeq !== undefined && c.synSeq >= 0 ? c.synSeq : null),
    (c, n) => {
      if (n >= 0 && n <= 0xffffffff && Number.isInteger(n)) c.synSeq = n;
    },
  ),
  scalar(
    'callhome_established',
    'bool',
    'a SYN-ACK or responder packet came back',
    (c) => (c.established ? 'T' : 'F'),
    (c, t) => {
      c.established = t === 'T';
      return t === 'T' || t === 'F';
    },
  ),
  numeric(
    'callhome_rtt',
    'interval',
    'SYN to SYN-ACK time',
    (c) => c.handshakeRtt,
    (c, n) => {
      c.handshakeRtt = n;
    },
  ),
  numeric(
    'callhome_orig_ttl',
    'int',
    "TTL of the originator's first packet (-1: none seen)",
    (c) => c.origTtl,
    (c, n) => {
      c.origTtl = n;
    },
  ),
  numeric(
    'callhome_resp_ttl',
    'int',
    "TTL of the responder's first packet (-1: none seen)",
    (c) => c.respTtl,
    (c, n) => {
      c.respTtl = n;
    },
  ),
  firstResetCell('callhome_rst_ttl', 'int', 'TTL of the first reset or ICMP refusal', (r) => r.ttl),
  firstResetCell('callhome_rst_delay', 'interval', 'seconds from the packet the first reset answered to the reset', (r) => r.delay),
  firstResetCell('callhome_rst_ipid', 'int', 'IPv4 identification of the first reset (-1: IPv6)', (r) => r.ipId),
  {
    name: 'callhome_resets',
    type: 'vector[string]',
    description: 'every reset / ICMP refusal with its evidence',
    write: (c) => c.resets.map(writeReset),
    apply: (c, cell) => {
      const items = list(cell);
      if (cell === null) return true;
      const resets = items?.map(readReset) ?? null;
      if (resets === null || resets.some((r) => r === null)) return false;
      c.resets = resets as ResetEvidence[];
      return true;
    },
  },
  {
    name: 'callhome_request_times',
    type: 'vector[time]',
    description: 'times of request-sized payloads inside the connection',
    write: (c) => c.requestTimes.map(String),
    apply: (c, cell) => {
      if (cell === null) return true;
      const times = list(cell)?.map(Number) ?? null;
      if (times === null || !times.every(Number.isFinite)) return false;
      c.requestTimes = times;
      return true;
    },
  },
  {
    name: 'callhome_request_keys',
    type: 'vector[int]',
    description: 'what each of those requests asked for: its method and path hashed (negative), else its size in bytes',
    write: (c) => c.requestKeys?.map(String) ?? [],
    apply: (c, cell) => {
      if (cell === null) return true;
      const keys = list(cell)?.map(Number) ?? null;
      if (keys === null || !keys.every(Number.isInteger)) return false;
      if (keys.length > 0) c.requestKeys = keys;
      return true;
    },
  },
  httpCell('callhome_http_method', 'first HTTP request method', 'method'),
  httpCell('callhome_http_uri', 'HTTP request target as sent', 'target'),
  httpCell('callhome_http_host', 'HTTP Host header', 'host'),
  httpCell('callhome_user_agent', 'HTTP User-Agent header', 'userAgent'),
  numeric(
    'callhome_http_status',
    'count',
    "status of the answer to the first HTTP request (a proxy's to a CONNECT)",
    (c) => c.http?.status ?? null,
    (c, n) => {
      if (Number.isInteger(n) && n >= 100 && n <= 999) {
        withHttp(c, (h) => {
          h.status = n;
        });
      }
    },
  ),
  {
    name: 'callhome_http_via',
    type: 'vector[string]',
    description: 'headers showing the request already went through a proxy (Via, X-Forwarded-For)',
    write: (c) => (c.http === null || c.http.viaHeaders.length === 0 ? null : c.http.viaHeaders),
    apply: (c, cell) => {
      if (cell === null) return true;
      const items = list(cell);
      if (items === null) return false;
      withHttp(c, (h) => {
        h.viaHeaders = items;
      });
      return true;
    },
  },
  scalar(
    'callhome_sni',
    'string',
    'TLS server name',
    (c) => c.sni,
    (c, t) => {
      c.sni = t;
      return true;
    },
  ),
  scalar(
    'callhome_dns_query',
    'string',
    'DNS query name',
    (c) => c.dnsQuery,
    (c, t) => {
      c.dnsQuery = t;
      return true;
    },
  ),
  numeric(
    'callhome_dns_queries',
    'count',
    'DNS queries the originator sent in this flow',
    (c) => (c.dnsQueries === 0 ? null : c.dnsQueries),
    (c, n) => {
      c.dnsQueries = n;
    },
  ),
  {
    name: 'callhome_dns_names',
    type: 'vector[string]',
    description: 'the names of those queries, in order (the first 1,000), when there was more than one',
    write: (c) => (c.dnsNames.length > 1 ? c.dnsNames : null),
    apply: (c, cell) => {
      if (cell === null) {
        // One query: its name is the query column's.
        if (c.dnsQueries === 1 && c.dnsQuery !== null) c.dnsNames = [c.dnsQuery];
        return true;
      }
      const items = list(cell);
      if (items === null) return false;
      c.dnsNames = items;
      return true;
    },
  },
  {
    name: 'callhome_dns_answers',
    type: 'vector[string]',
    description: 'DNS answers as "type ttl name value"',
    write: (c) => (c.dnsAnswers.length === 0 ? null : c.dnsAnswers.map(writeAnswer)),
    apply: (c, cell) => {
      if (cell === null) return true;
      const answers = list(cell)?.map(readAnswer) ?? null;
      if (answers === null || answers.some((a) => a === null)) return false;
      c.dnsAnswers = answers as DnsAnswer[];
      return true;
    },
  },
  scalar(
    'callhome_quic_version',
    'string',
    "QUIC version of the client's Initial",
    (c) => c.quic?.version ?? null,
    (c, t) => {
      c.quic = { version: t, alpn: c.quic?.alpn ?? [] };
      return true;
    },
  ),
  {
    name: 'callhome_alpn',
    type: 'vector[string]',
    description: "ALPN protocols of the QUIC client's ClientHello, in its order",
    write: (c) => (c.quic === null || c.quic.alpn.length === 0 ? null : c.quic.alpn),
    apply: (c, cell) => {
      if (cell === null) return true;
      const items = list(cell);
      // Written only beside a version, which is read first.
      if (items === null || c.quic === null) return false;
      c.quic.alpn = items;
      return true;
    },
  },
  // Zeek leaves orig_bytes and resp_bytes unset for a connection that did not last (one packet
  // each way, a lone DNS query): what it carried is written here, so that reading back gives it.
  unlastedBytes('callhome_orig_bytes', 'payload bytes from the originator, where orig_bytes is unset (no duration)', 'origBytes'),
  unlastedBytes('callhome_resp_bytes', 'payload bytes from the responder, where resp_bytes is unset (no duration)', 'respBytes'),
];

/** A connection's payload bytes one way, written where Zeek's column leaves them unset. */
function unlastedBytes(name: string, description: string, key: 'origBytes' | 'respBytes'): CallhomeZeekField {
  return numeric(
    name,
    'count',
    description,
    (c) => ((c.duration !== null && c.duration > 0) || c[key] === 0 ? null : c[key]),
    (c, n) => {
      c[key] = n;
    },
  );
}
