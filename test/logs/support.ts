/**
 * Small Zeek logs for the tests of logs on standard input and of logs that overlap: hour by hour
 * of one day, a host that retries a refused destination every ten minutes (each attempt named by
 * a DNS query), and hosts that browse through the proxy (CONNECT in http.log).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { ZEEK_CONN_FIELDS } from '../../src/logs/zeek-records.js';

export const DAY = 1709251200; // 2024-03-01T00:00:00Z
export const HOST = '10.1.0.13';
export const BEACON = '198.51.100.7';
export const PROXY = '10.0.0.8';
/** The conn.log fields after resp_bytes of a session through the proxy: state, local flags, history, packets and IP bytes. */
export const PROXIED_SESSION: readonly string[] = ['SF', 'T', 'T', '0', 'ShADadFf', '12', '1500', '40', '42000'];

const FIELDS = {
  conn: ZEEK_CONN_FIELDS,
  dns: ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype_name', 'answers', 'TTLs'],
  http: ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method', 'host', 'uri', 'user_agent'],
} as const;
const TYPES = {
  conn: 'time string addr port addr port enum string interval count count string bool bool count string count count count count',
  dns: 'time string addr port addr port enum string string vector[string] vector[interval]',
  http: 'time string addr port addr port string string string string',
} as const;

export type LogType = keyof typeof FIELDS;
export type Rows = Record<LogType, string[][]>;

/** The rows Zeek would log in hour `h` of the day. */
export function hourRows(h: number): Rows {
  const rows: Rows = { conn: [], dns: [], http: [] };
  for (let k = 0; k < 6; k++) {
    const n = h * 6 + k;
    const t = DAY + h * 3600 + k * 600 + 30;
    rows.dns.push([
      t.toFixed(6),
      `D${n}`,
      HOST,
      String(40000 + n),
      '10.0.0.53',
      '53',
      'udp',
      'update.example.com',
      'A',
      BEACON,
      '60.000000',
    ]);
    rows.conn.push(
      [t.toFixed(6), `D${n}`, HOST, String(40000 + n), '10.0.0.53', '53', 'udp', 'dns', '0.010000', '36', '52'].concat([
        'SF',
        'T',
        'T',
        '0',
        'Dd',
        '1',
        '64',
        '1',
        '80',
      ]),
    );
    rows.conn.push(
      [(t + 0.02).toFixed(6), `R${n}`, HOST, String(50000 + n), BEACON, '443', 'tcp', '-', '0.000400', '0', '0'].concat([
        'REJ',
        'T',
        'F',
        '0',
        'Sr',
        '1',
        '60',
        '1',
        '40',
      ]),
    );
  }
  // browsing at no schedule, from a generator seeded by the hour (the same rows every time)
  let seed = 0x9e3779b9 ^ (h + 1);
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  for (let k = 0; k < 20; k++) {
    const n = h * 20 + k;
    const t = DAY + h * 3600 + Math.floor(random() * 3500 * 1000) / 1000;
    const client = `10.1.0.${20 + (k % 5)}`;
    rows.conn.push(
      [t.toFixed(6), `P${n}`, client, String(30000 + n), PROXY, '3128', 'tcp', 'http', '12.000000', '900', '40000'].concat(PROXIED_SESSION),
    );
    rows.http.push(
      [(t + 0.01).toFixed(6), `P${n}`, client, String(30000 + n), PROXY, '3128', 'CONNECT', 'www.example.org:443'].concat([
        'www.example.org:443',
        'Mozilla/5.0',
      ]),
    );
  }
  return rows;
}

/** A log as Zeek's ASCII writer writes it. */
export function tsvLog(
  type: LogType,
  rows: readonly string[][],
  /** `fields` and `types`: another log's own columns (Zeek's defaults of each type are `FIELDS`). */
  options: { close?: boolean; fields?: readonly string[]; types?: readonly string[] } = {},
): string {
  const lines = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${type}`,
    '#open\t2024-03-01-00-00-00',
    `#fields\t${(options.fields ?? FIELDS[type]).join('\t')}`,
    `#types\t${(options.types ?? TYPES[type].split(' ')).join('\t')}`,
    ...rows.map((r) => r.join('\t')),
  ];
  if (options.close !== false) lines.push('#close\t2024-03-02-00-00-00');
  return `${lines.join('\n')}\n`;
}

/** What a reader of the report sees of each host: labels, verdict, destinations and attempts. */
export function findings(result: AnalysisResult): unknown[] {
  return result.hosts.map((h) => ({
    address: h.address,
    labels: h.labels,
    verdict: h.verdict,
    groups: h.groups.map((g) => ({ destination: g.destination, attempts: g.attempts, names: [...g.names].sort() })),
  }));
}

/** A writer of log files, one a line each, into a temporary folder of its own (`prefix` names it): gives each file's path. */
export function logFiles(prefix: string): (name: string, lines: readonly string[]) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return (name, lines) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
}
