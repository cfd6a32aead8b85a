/**
 * callhome's own flows as JSON (`callhome flows --format json`), read back whole: besides the
 * Zeek fields a conn.log reader takes, each row carries what callhome saw — SYNs and their
 * sequence number, TTLs, the handshake time, every reset with its evidence, the HTTP request,
 * TLS and QUIC names, DNS questions and answers, request times — and analysing the file gives
 * what analysing the capture gave, as the conn.log `flows --format zeek` writes does.
 */
import type { DnsAnswer, HttpRequestPeek, ResetEvidence } from '../flows/connection.js';
import type { Connection } from '../flows/connection.js';

/** The value of a row's key (undefined when absent). */
export interface JsonValues {
  value(key: string): unknown;
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string';
const isTexts = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const oneOf = <T extends string>(v: unknown, values: readonly T[]): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

/**
 * A reset's evidence fields, in the order every maker writes them, and what each must be as the
 * JSON writes it.
 */
const RESET_FIELDS: readonly (readonly [keyof ResetEvidence, (v: unknown) => boolean])[] = [
  ['kind', (v) => oneOf(v, ['rst', 'icmp', 'log'] as const)],
  ['origin', (v) => oneOf(v, ['packet', 'zeek-conn', 'firewall-log'] as const)],
  ['ts', isNumber],
  ['fromOriginator', (v) => typeof v === 'boolean'],
  ['ttl', (v) => isInt(v, -1, 255)],
  ['ipId', (v) => isInt(v, -1, 0xffff)],
  ['sender', isText],
  ['delay', isNumber],
  ['stage', (v) => oneOf(v, ['syn', 'probe', 'unprompted', 'handshake', 'data', 'late'] as const)],
  ['seq', (v) => isInt(v, -1, 0xffffffff)],
  ['ack', (v) => isInt(v, -1, 0xffffffff)],
  ['ackZero', (v) => typeof v === 'boolean'],
  ['senderKeptSending', (v) => typeof v === 'boolean'],
  ['peerTtls', isNumbers],
  ['peerIpIds', isNumbers],
  ['icmpType', (v) => isInt(v, -1, 255)],
  ['icmpCode', (v) => isInt(v, -1, 255)],
];

/** A reset's evidence as the JSON writes it, made afresh with its fields in their order; null when it is not one. */
function resetOf(v: unknown): ResetEvidence | null {
  if (!isObject(v)) return null;
  const evidence: Record<string, unknown> = {};
  for (const [key, valid] of RESET_FIELDS) {
    const value = v[key];
    if (!valid(value)) return null;
    evidence[key] = value;
  }
  return evidence as unknown as ResetEvidence;
}

function httpOf(v: unknown): HttpRequestPeek | null {
  if (!isObject(v)) return null;
  const { method, target, host, userAgent, proxyForm, viaHeaders, status } = v;
  if (!isText(method) || !isText(target) || !(host === null || isText(host)) || !(userAgent === null || isText(userAgent))) return null;
  if (!(proxyForm === null || oneOf(proxyForm, ['absolute', 'connect'] as const)) || !isTexts(viaHeaders)) return null;
  if (status === undefined) return { method, target, host, userAgent, proxyForm, viaHeaders };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 999) return null;
  return { method, target, host, userAgent, proxyForm, viaHeaders, status };
}

function answerOf(v: unknown): DnsAnswer | null {
  if (!isObject(v)) return null;
  const { name, type, value, ttl } = v;
  if (!isText(name) || !oneOf(type, ['A', 'AAAA', 'CNAME'] as const) || !isText(value) || !isNumber(ttl)) return null;
  return { name, type, value, ttl };
}

/** The keys that tell a row is callhome's own (Zeek writes neither). */
export function isFlowsJson(row: { has(key: string): boolean }): boolean {
  return row.has('syn_count') && row.has('resets');
}

/**
 * What a row of callhome's flows JSON adds to the connection its Zeek fields made; an error text
 * naming the first field that cannot be what callhome wrote, else null.
 */
export function applyFlowsJson(c: Connection, row: JsonValues): string | null {
  const v = (key: string): unknown => row.value(key);
  const synCount = v('syn_count');
  if (!isInt(synCount, 0, 0xffffffff)) return 'syn_count cannot be read';
  c.synCount = synCount;
  const synSeq = v('syn_seq');
  if (synSeq !== undefined) {
    if (!isInt(synSeq, -1, 0xffffffff)) return 'syn_seq cannot be read';
    c.synSeq = synSeq;
  }
  const rtt = v('handshake_rtt');
  if (rtt !== undefined && !isNumber(rtt)) return 'handshake_rtt cannot be read';
  c.handshakeRtt = rtt ?? null;
  // TTLs, and the bytes of a connection without duration that Zeek's own fields leave unset.
  for (const [key, side, min, max] of [
    ['orig_ttl', 'origTtl', -1, 255],
    ['resp_ttl', 'respTtl', -1, 255],
    ['orig_payload_bytes', 'origBytes', 0, Number.MAX_SAFE_INTEGER],
    ['resp_payload_bytes', 'respBytes', 0, Number.MAX_SAFE_INTEGER],
  ] as const) {
    const n = v(key);
    if (n === undefined) continue;
    if (!isInt(n, min, max)) return `${key} cannot be read`;
    c[side] = n;
  }
  const established = v('established');
  if (established !== undefined) {
    if (typeof established !== 'boolean') return 'established cannot be read';
    c.established = established;
  }
  const resets = v('resets');
  if (!Array.isArray(resets)) return 'resets cannot be read';
  const evidence = resets.map(resetOf);
  if (evidence.some((r) => r === null)) return 'resets cannot be read';
  c.resets = evidence as ResetEvidence[];
  const http = v('http');
  if (http !== undefined) {
    const peek = httpOf(http);
    if (peek === null) return 'http cannot be read';
    c.http = peek;
  }
  const sni = v('sni');
  if (sni !== undefined) {
    if (!isText(sni)) return 'sni cannot be read';
    c.sni = sni;
  }
  const version = v('quic_version');
  const alpn = v('alpn');
  if (version !== undefined) {
    if (!isText(version) || !(alpn === undefined || isTexts(alpn))) return 'quic_version cannot be read';
    c.quic = { version, alpn: alpn ?? [] };
  }
  const query = v('dns_query');
  if (query !== undefined) {
    if (!isText(query)) return 'dns_query cannot be read';
    c.dnsQuery = query;
  }
  const queries = v('dns_queries');
  if (queries !== undefined) {
    if (!isInt(queries, 0, Number.MAX_SAFE_INTEGER)) return 'dns_queries cannot be read';
    c.dnsQueries = queries;
  }
  const names = v('dns_names');
  if (names !== undefined) {
    if (!isTexts(names)) return 'dns_names cannot be read';
    c.dnsNames = names;
  }
  const answers = v('dns_answers');
  if (answers !== undefined) {
    const read = Array.isArray(answers) ? answers.map(answerOf) : null;
    if (read === null || read.some((a) => a === null)) return 'dns_answers cannot be read';
    c.dnsAnswers = read as DnsAnswer[];
  }
  const times = v('request_times');
  if (times !== undefined) {
    if (!isNumbers(times)) return 'request_times cannot be read';
    c.requestTimes = times;
  }
  const keys = v('request_keys');
  if (keys !== undefined && keys !== null) {
    if (!isNumbers(keys)) return 'request_keys cannot be read';
    c.requestKeys = keys;
  }
  return null;
}
