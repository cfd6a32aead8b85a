/**
 * The connection record's columns, declared once. Every flows output — the terminal table,
 * CSV, NDJSON and the Zeek conn.log TSV — walks this list, the way Zeek's
 * `base/protocols/conn/main.zeek` declares `Conn::Info` once and the logging framework writes
 * it in every format.
 */
import { resetTimed, type Connection } from '../flows/connection.js';

/** Zeek log types used by conn.log (`#types` line). */
export type ZeekType = 'time' | 'string' | 'addr' | 'port' | 'enum' | 'interval' | 'count' | 'bool' | 'set[string]';

/** What a cell holds; each output formats a kind its own way. null is "unset". */
export type ColumnKind =
  | 'time' // epoch seconds
  | 'interval' // seconds
  | 'count' // whole number ≥ 0
  | 'integer' // whole number, may be -1 for "not seen"
  | 'bool'
  | 'text' // capture-derived or free text
  | 'set' // list of strings
  | 'json'; // structured value, NDJSON only

export type ColumnValue = number | string | boolean | string[] | null | object;

export interface ConnectionColumn {
  /** Key in CSV headers and NDJSON; Zeek's own name for Zeek's fields. */
  name: string;
  /** Field name in Zeek's conn.log, null for callhome's own columns. */
  zeekName: string | null;
  zeekType: ZeekType | null;
  kind: ColumnKind;
  /** Unit of the value, shown in the terminal table heading. */
  unit: 'seconds' | 'bytes' | 'packets' | null;
  /** Short heading for the terminal table; null keeps the column out of the table. */
  heading: string | null;
  /** In CSV? (structured values are NDJSON only) */
  csv: boolean;
  /** In NDJSON? (flat summaries of a structured value are CSV/table only) */
  ndjson: boolean;
  /** One-line description (for documentation and `--help`-style listings). */
  description: string;
  value(c: Connection): ColumnValue;
}

/** Zeek sets orig_bytes/resp_bytes/duration only when the connection lasted (`set_conn`, duration > 0). */
function lasted(c: Connection): boolean {
  return c.duration !== null && c.duration > 0;
}

/** Payload bytes where Zeek's column leaves them unset (the connection did not last), else null. */
function unlastedBytes(c: Connection, bytes: number): number | null {
  return lasted(c) || bytes === 0 ? null : bytes;
}

function firstReset(c: Connection) {
  return c.resets.length > 0 ? c.resets[0]! : null;
}

/** The first reset when it was seen as a packet (a log's has no TTL or timing), else null. */
function packetReset(c: Connection) {
  const r = firstReset(c);
  return r !== null && r.origin === 'packet' ? r : null;
}

function column(
  name: string,
  zeekType: ZeekType | null,
  kind: ColumnKind,
  heading: string | null,
  description: string,
  value: (c: Connection) => ColumnValue,
  extra: Partial<Pick<ConnectionColumn, 'unit' | 'csv' | 'ndjson'>> = {},
): ConnectionColumn {
  return {
    name,
    zeekName: zeekType === null ? null : name,
    zeekType,
    kind,
    unit: extra.unit ?? null,
    heading,
    csv: extra.csv ?? kind !== 'json',
    ndjson: extra.ndjson ?? true,
    description,
    value,
  };
}

export const connectionColumns: readonly ConnectionColumn[] = [
  column('ts', 'time', 'time', 'time (UTC)', 'time of the first packet', (c) => c.ts),
  column('uid', 'string', 'text', null, 'connection identifier', (c) => c.uid),
  column('id.orig_h', 'addr', 'text', 'originator', 'originator address (sent the first SYN)', (c) => c.origH),
  column('id.orig_p', 'port', 'count', 'o.port', 'originator port', (c) => c.origP),
  column('id.resp_h', 'addr', 'text', 'responder', 'responder address', (c) => c.respH),
  column('id.resp_p', 'port', 'count', 'r.port', 'responder port', (c) => c.respP),
  column('proto', 'enum', 'text', 'proto', 'transport protocol', (c) => c.proto),
  column('service', 'string', 'text', 'service', 'application protocol seen', (c) => c.service),
  column('duration', 'interval', 'interval', 'duration', 'last packet minus first packet', (c) => (lasted(c) ? c.duration : null), {
    unit: 'seconds',
  }),
  column('orig_bytes', 'count', 'count', 'out', 'payload bytes from the originator', (c) => (lasted(c) ? c.origBytes : null), {
    unit: 'bytes',
  }),
  column('resp_bytes', 'count', 'count', 'in', 'payload bytes from the responder', (c) => (lasted(c) ? c.respBytes : null), {
    unit: 'bytes',
  }),
  column('conn_state', 'string', 'text', 'state', "Zeek's connection state (S0, REJ, RSTO, SF, …)", (c) => c.connState),
  column('local_orig', 'bool', 'bool', null, 'originator is internal', (c) => c.localOrig),
  column('local_resp', 'bool', 'bool', null, 'responder is internal', (c) => c.localResp),
  column('missed_bytes', 'count', 'count', null, 'bytes missed in content gaps', (c) => c.missedBytes, { unit: 'bytes' }),
  column('history', 'string', 'text', 'history', "Zeek's state history (S, h, A, D, F, R; upper case = originator)", (c) => c.history),
  column('orig_pkts', 'count', 'count', 'o.pkts', 'packets from the originator', (c) => c.origPkts, { unit: 'packets' }),
  column('orig_ip_bytes', 'count', 'count', null, 'IP bytes from the originator', (c) => c.origIpBytes, { unit: 'bytes' }),
  column('resp_pkts', 'count', 'count', 'r.pkts', 'packets from the responder', (c) => c.respPkts, { unit: 'packets' }),
  column('resp_ip_bytes', 'count', 'count', null, 'IP bytes from the responder', (c) => c.respIpBytes, { unit: 'bytes' }),
  column('tunnel_parents', 'set[string]', 'set', null, 'uids of the UDP tunnel connections (VXLAN, Geneve, GTP-U) it came in', (c) =>
    c.tunnelParents === undefined || c.tunnelParents.length === 0 ? null : [...c.tunnelParents],
  ),
  // Zeek's name for it (policy/protocols/conn/mac-logging), so that each reads the other's.
  column('orig_l2_addr', 'string', 'text', null, "hardware (MAC) address of the originator's first packet", (c) => c.origMac ?? null),

  // callhome's own
  column('capture', null, 'count', null, 'index of the capture file the connection came from', (c) => c.capture),
  column('syn_count', null, 'count', 'SYNs', 'SYNs the originator sent (more than 1: retransmitted)', (c) => c.synCount),
  column('syn_seq', null, 'integer', null, "sequence number of the originator's first SYN (-1: none seen)", (c) => c.synSeq ?? null),
  column('handshake_rtt', null, 'interval', 'rtt', 'SYN to SYN-ACK time', (c) => c.handshakeRtt, { unit: 'seconds' }),
  column('orig_ttl', null, 'integer', 'o.TTL', "TTL of the originator's first packet (-1: none seen)", (c) => c.origTtl),
  column('resp_ttl', null, 'integer', 'r.TTL', "TTL of the responder's first packet (-1: none seen)", (c) => c.respTtl),
  column('established', null, 'bool', null, 'a SYN-ACK or responder packet came back', (c) => c.established),
  column(
    'reset',
    null,
    'text',
    'reset',
    'first reset: kind, side, stage and TTL (e.g. "rst resp syn ttl=255"; a log\'s, without the TTL it does not record)',
    (c) => {
      const r = firstReset(c);
      if (r === null) return null;
      return `${r.kind} ${r.fromOriginator ? 'orig' : 'resp'} ${r.stage}${r.origin === 'packet' ? ` ttl=${r.ttl}` : ''}`;
    },
    { ndjson: false },
  ),
  // A log records no TTL or timing of a reset: null, not a made-up -1 or 0.
  column('reset_ttl', null, 'integer', null, 'TTL of the first reset or ICMP refusal', (c) => packetReset(c)?.ttl ?? null, {
    ndjson: false,
  }),
  column(
    'reset_delay',
    null,
    'interval',
    null,
    'seconds from the packet the first reset answered to the reset (none when it answered no packet seen)',
    (c) => {
      const r = packetReset(c);
      return r !== null && resetTimed(r) ? r.delay : null;
    },
    { unit: 'seconds', ndjson: false },
  ),
  column('resets', null, 'json', null, 'every reset / ICMP refusal with its evidence', (c) => c.resets),
  column('http_method', null, 'text', null, 'first HTTP request method', (c) => c.http?.method ?? null, { ndjson: false }),
  column('http_host', null, 'text', 'host', 'HTTP Host header', (c) => c.http?.host ?? null, { ndjson: false }),
  column('http_target', null, 'text', null, 'HTTP request target as sent', (c) => c.http?.target ?? null, { ndjson: false }),
  column(
    'http_proxy_form',
    null,
    'text',
    null,
    '"absolute" or "connect" when the request was addressed to a proxy',
    (c) => c.http?.proxyForm ?? null,
    { ndjson: false },
  ),
  column('user_agent', null, 'text', null, 'HTTP User-Agent header', (c) => c.http?.userAgent ?? null, { ndjson: false }),
  column('sni', null, 'text', null, 'TLS server name (over TCP or QUIC)', (c) => c.sni),
  column(
    'quic_version',
    null,
    'text',
    null,
    "QUIC version of the client's Initial packets (v1, v2, draft-29)",
    (c) => c.quic?.version ?? null,
  ),
  column('alpn', null, 'set', null, 'ALPN protocols the QUIC client offered', (c) =>
    c.quic === null || c.quic.alpn.length === 0 ? null : c.quic.alpn,
  ),
  column('dns_query', null, 'text', null, 'DNS query name', (c) => c.dnsQuery),
  column('dns_queries', null, 'count', null, 'DNS queries the originator sent in this flow', (c) =>
    c.dnsQueries === 0 ? null : c.dnsQueries,
  ),
  column('dns_names', null, 'set', null, 'the names of those queries, in order (the first 1,000)', (c) =>
    c.dnsNames.length === 0 ? null : c.dnsNames,
  ),
  column(
    'dns_answers',
    null,
    'set',
    null,
    'DNS answers as name=value',
    (c) => (c.dnsAnswers.length === 0 ? null : c.dnsAnswers.map((a) => `${a.name}=${a.value}`)),
    { ndjson: false },
  ),
  // NDJSON keeps each answer whole (its type and TTL too), for reading back.
  column('dns_answers', null, 'json', null, 'DNS answers: name, type, value and TTL', (c) =>
    c.dnsAnswers.length === 0 ? null : c.dnsAnswers,
  ),
  column('http', null, 'json', null, 'first HTTP request peeked', (c) => c.http),
  column('request_times', null, 'json', null, 'times of request-sized payloads inside the connection', (c) => c.requestTimes),
  // Zeek leaves orig_bytes and resp_bytes unset for a connection without duration (a lone
  // datagram, a SYN and its reset): what it carried, for reading back (as callhome_orig_bytes).
  column(
    'orig_payload_bytes',
    null,
    'count',
    null,
    'payload bytes from the originator where orig_bytes is unset (no duration)',
    (c) => unlastedBytes(c, c.origBytes),
    { csv: false },
  ),
  column(
    'resp_payload_bytes',
    null,
    'count',
    null,
    'payload bytes from the responder where resp_bytes is unset (no duration)',
    (c) => unlastedBytes(c, c.respBytes),
    { csv: false },
  ),
  column(
    'request_keys',
    null,
    'json',
    null,
    'what each of those requests asked for: its method and path hashed (negative), else its size in bytes',
    (c) => c.requestKeys ?? null,
  ),
];

/** The columns of Zeek's conn.log, in Zeek's order. */
export const zeekColumns: readonly ConnectionColumn[] = connectionColumns.filter((c) => c.zeekName !== null);
