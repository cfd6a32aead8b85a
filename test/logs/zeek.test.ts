/**
 * Zeek logs as input: Zeek's own conn.logs from the corpus, a generated Zeek log folder
 * (dated sub-folders, hourly rotation, gzip, logs callhome does not read), JSON logs,
 * malformed rows, and files that are no log at all.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze, compare, loadCaptures } from '../../src/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { corpusPath } from '../support/corpus.js';
import { callhome } from '../cli/support.js';
import { ZEEK_CONN_FIELDS } from '../../src/logs/zeek-records.js';
import { loadZeekLogs } from '../../src/logs/zeek.js';
import { tsvLog } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-zeek-'));

const tuple = (c: Pick<Connection, 'origH' | 'origP' | 'respH' | 'respP' | 'proto'>) =>
  `${c.proto} ${c.origH}:${c.origP}>${c.respH}:${c.respP}`;

// ---------------------------------------------------------------- Zeek's own conn.logs

const oracles = readdirSync(corpusPath('zeek')).filter((f) => f.endsWith('.zeek-conn.log'));

/**
 * The corpus keeps btest baselines: a `###` line first and times masked as XXXXXXXXXX.XXXXXX.
 * The masked times are put back from the trace (by 5-tuple), as Zeek would have written them.
 */
function unmask(text: string, times: Map<string, number>): string {
  let fields: string[] = [];
  return text
    .replace(/^###.*\n/, '')
    .split('\n')
    .map((line) => {
      if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
      if (line.startsWith('#') || line === '') return line;
      const cells = line.split('\t');
      const at = (name: string) => cells[fields.indexOf(name)]!;
      const key = `${at('proto')} ${at('id.orig_h')}:${at('id.orig_p')}>${at('id.resp_h')}:${at('id.resp_p')}`;
      cells[0] = (times.get(key) ?? 1e9).toFixed(6);
      return cells.join('\t');
    })
    .join('\n');
}

describe("Zeek's own conn.logs from the corpus", () => {
  it.each(oracles)('%s: every row read; where Zeek and callhome agree on the state, they agree on the outcome', async (oracle) => {
    const trace = corpusPath(`zeek/${oracle.replace(/\.zeek-conn\.log$/, '')}`);
    const { connections: fromTrace } = await loadCaptures([trace]);
    const times = new Map(fromTrace.map((c) => [tuple(c), c.ts]));
    const path = join(tmp, oracle);
    const text = unmask(readFileSync(corpusPath(`zeek/${oracle}`), 'utf8'), times);
    writeFileSync(path, text);
    const rows = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const { connections, captures, failures } = await loadCaptures([path]);
    expect(failures).toEqual([]);
    expect(captures[0]).toMatchObject({ format: 'zeek-tsv', packets: rows, anomalies: {} });
    // rows of other transports (unknown_transport) are counted, not tracked
    expect(connections).toHaveLength(rows - captures[0]!.decoded.other);
    const byTuple = new Map(fromTrace.map((c) => [tuple(c), c]));
    for (const c of connections) {
      const ours = byTuple.get(tuple(c));
      if (ours === undefined || ours.connState !== c.connState || ours.history !== c.history) continue;
      expect(c.established, tuple(c)).toBe(ours.established);
      // who reset (a log cannot tell a reset long after the last packet from one after data)
      const sides = (rs: Connection['resets']) =>
        [...new Set(rs.filter((r) => r.kind === 'rst').map((r) => (r.fromOriginator ? 'orig' : 'resp')))].sort();
      expect(sides(c.resets), tuple(c)).toEqual(sides(ours.resets));
    }
    // and the analysis of the log finds the hosts the analysis of the trace finds (the log may
    // name more: Zeek logs rows callhome does not track, of other IP protocols)
    const { result: a } = await analyze([trace]);
    const { result: b } = await analyze([path]);
    expect(b.hosts.map((h) => h.address)).toEqual(expect.arrayContaining(a.hosts.map((h) => h.address)));
  });

  it('masked times are malformed rows, counted and named with file and line; a log of nothing else is one error', async () => {
    const path = join(tmp, 'masked.conn.log');
    writeFileSync(path, readFileSync(corpusPath('zeek/ftp__ipv6.pcap.zeek-conn.log'), 'utf8').replace(/^###.*\n/, ''));
    const { captures, connections, failures } = await loadCaptures([path]);
    // No row reads: the run goes on with the other inputs, and says so in one error.
    expect(failures.map((f) => f.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a Zeek log of which no row reads \\(\\d+ rows malformed, the first at line 9: ts "XXXXXXXXXX.XXXXXX" is not a time\\)$`,
        ),
      ),
    ]);
    expect(connections).toEqual([]);
    expect(captures[0]!.anomalies['zeek.malformed_row']).toBeGreaterThan(5);
    expect(captures[0]!.warnings[0]).toBe(`${path} line 9: ts "XXXXXXXXXX.XXXXXX" is not a time; row skipped`);
    expect(captures[0]!.warnings).toHaveLength(6);
    expect(captures[0]!.warnings[5]).toMatch(/more malformed rows skipped$/);
  });
});

// ---------------------------------------------------------------- a generated Zeek log folder

const HEADER = (path: string, fields: string[], types: string[]) => [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  `#path\t${path}`,
  '#open\t2024-03-01-00-00-00',
  `#fields\t${fields.join('\t')}`,
  `#types\t${types.join('\t')}`,
];

const CONN_FIELDS = [...ZEEK_CONN_FIELDS, 'tunnel_parents', 'ip_proto', 'community_id'];
const CONN_TYPES = [
  'time',
  'string',
  'addr',
  'port',
  'addr',
  'port',
  'enum',
  'string',
  'interval',
  'count',
  'count',
  'string',
  'bool',
  'bool',
  'count',
  'string',
  'count',
  'count',
  'count',
  'count',
  'set[string]',
  'count',
  'string',
];

const DAY = Date.UTC(2024, 2, 1) / 1000;
const HOST = '10.1.2.3';
const BEACON = '198.51.100.7';

interface Day {
  conn: string[][];
  dns: string[][];
  http: string[][];
  ssl: string[][];
}

/**
 * A host that asks DNS for update.example.com (a CNAME to cdn.example.net) and is refused by
 * the firewall every 10 minutes; a browser going through the proxy with CONNECT; one TLS
 * session with SNI. Rows by hour.
 */
function busyDay(): Map<number, Day> {
  const hours = new Map<number, Day>();
  const day = (h: number): Day => {
    let d = hours.get(h);
    if (d === undefined) hours.set(h, (d = { conn: [], dns: [], http: [], ssl: [] }));
    return d;
  };
  let n = 0;
  for (let t = DAY + 30; t < DAY + 3 * 3600; t += 600) {
    const h = Math.floor((t - DAY) / 3600);
    const dnsUid = `Cdns${n}`;
    day(h).conn.push([
      t.toFixed(6),
      dnsUid,
      HOST,
      String(40000 + n),
      '10.0.0.53',
      '53',
      'udp',
      'dns',
      '0.001000',
      '40',
      '120',
      'SF',
      'T',
      'T',
      '0',
      'Dd',
      '1',
      '68',
      '1',
      '148',
      '-',
      '17',
      '1:abc',
    ]);
    day(h).dns.push([
      t.toFixed(6),
      dnsUid,
      HOST,
      String(40000 + n),
      '10.0.0.53',
      '53',
      'udp',
      'update.example.com',
      'A',
      'cdn.example.net,198.51.100.7',
      '300.000000,60.000000',
    ]);
    day(h).conn.push([
      (t + 0.01).toFixed(6),
      `Crej${n}`,
      HOST,
      String(50000 + n),
      BEACON,
      '443',
      'tcp',
      '-',
      '0.000400',
      '0',
      '0',
      'REJ',
      'T',
      'F',
      '0',
      'Sr',
      '1',
      '60',
      '1',
      '40',
      '-',
      '6',
      '1:def',
    ]);
    n++;
  }
  // through the proxy
  day(0).conn.push([
    (DAY + 100).toFixed(6),
    'Cproxy1',
    HOST,
    '51000',
    '10.0.0.8',
    '3128',
    'tcp',
    'http',
    '2.000000',
    '500',
    '5000',
    'SF',
    'T',
    'T',
    '0',
    'ShADadFf',
    '8',
    '900',
    '8',
    '5400',
    '-',
    '6',
    '1:x',
  ]);
  day(0).http.push([
    (DAY + 100.1).toFixed(6),
    'Cproxy1',
    HOST,
    '51000',
    '10.0.0.8',
    '3128',
    'CONNECT',
    'www.example.org:443',
    'www.example.org:443',
    'Mozilla/5.0 (X11)',
    '-',
  ]);
  day(1).conn.push([
    (DAY + 3700).toFixed(6),
    'Ctls1',
    HOST,
    '51001',
    '203.0.113.5',
    '443',
    'tcp',
    'ssl',
    '1.000000',
    '700',
    '3000',
    'SF',
    'T',
    'F',
    '0',
    'ShADadFf',
    '8',
    '1100',
    '8',
    '3400',
    '-',
    '6',
    '1:y',
  ]);
  day(1).ssl.push([(DAY + 3700.1).toFixed(6), 'Ctls1', HOST, '51001', '203.0.113.5', '443', 'tls.example.com']);
  return hours;
}

const HTTP_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method', 'host', 'uri', 'user_agent', 'proxied'];
const HTTP_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'string', 'string', 'set[string]'];
const DNS_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype_name', 'answers', 'TTLs'];
const DNS_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'string', 'vector[string]', 'vector[interval]'];
const SSL_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'server_name'];
const SSL_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'string'];

function tsv(path: string, fields: string[], types: string[], rows: string[][], close = true): string {
  const lines = [...HEADER(path, fields, types), ...rows.map((r) => r.join('\t'))];
  if (close) lines.push('#close\t2024-03-01-01-00-00');
  return `${lines.join('\n')}\n`;
}

/** Zeek's log directory: a dated folder per day, hourly files `conn.00:00:00-01:00:00.log.gz`. */
function zeekFolder(): string {
  const root = mkdtempSync(join(tmp, 'logs-'));
  const dated = join(root, '2024-03-01');
  mkdirSync(dated);
  for (const [h, d] of busyDay()) {
    const span = `${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00`;
    const write = (name: string, text: string) => writeFileSync(join(dated, `${name}.${span}.log.gz`), gzipSync(text));
    write('conn', tsv('conn', CONN_FIELDS, CONN_TYPES, d.conn));
    if (d.dns.length > 0) write('dns', tsv('dns', DNS_FIELDS, DNS_TYPES, d.dns));
    if (d.http.length > 0) write('http', tsv('http', HTTP_FIELDS, HTTP_TYPES, d.http));
    if (d.ssl.length > 0) write('ssl', tsv('ssl', SSL_FIELDS, SSL_TYPES, d.ssl));
    write('weird', tsv('weird', ['ts', 'name'], ['time', 'string'], [[(DAY + h * 3600).toFixed(6), 'bad_TCP_checksum']]));
  }
  writeFileSync(join(root, 'README.txt'), 'logs of the Zeek cluster\n');
  return root;
}

function jsonLines(path: string | null, fields: string[], rows: string[][]): string {
  return (
    rows
      .map((r) => {
        const o: Record<string, unknown> = path === null ? {} : { _path: path };
        fields.forEach((f, i) => {
          const v = r[i]!;
          if (v === '-') return;
          if (f === 'ts' || f === 'duration') o[f] = Number(v);
          else if (['answers', 'TTLs', 'proxied', 'tunnel_parents'].includes(f))
            o[f] = v.split(',').map((x) => (f === 'TTLs' ? Number(x) : x));
          else if (/^(id\.\w+_p|orig_bytes|resp_bytes|missed_bytes|orig_pkts|orig_ip_bytes|resp_pkts|resp_ip_bytes|ip_proto)$/.test(f))
            o[f] = Number(v);
          else if (f === 'local_orig' || f === 'local_resp') o[f] = v === 'T';
          else o[f] = v;
        });
        return JSON.stringify(o);
      })
      .join('\n') + '\n'
  );
}

const summary = (cs: Connection[]) =>
  cs.map(
    (c) =>
      `${c.ts.toFixed(3)} ${tuple(c)} ${c.connState} est=${c.established} rst=${c.resets.length} q=${c.dnsQuery} a=${c.dnsAnswers.length} http=${c.http?.proxyForm ?? '-'} sni=${c.sni}`,
  );

describe('a Zeek log folder', () => {
  it('walks dated sub-folders of hourly gzip files, joins dns/http/ssl by uid, and skips what it does not read', async () => {
    const root = zeekFolder();
    const { captures, connections, failures } = await loadCaptures([root]);
    expect(failures).toEqual([]);
    // conn, dns, http, ssl of three hours; weird.log and README.txt passed over
    expect(captures.map((c) => c.file.slice(root.length + 1))).toEqual([
      '2024-03-01/conn.00:00:00-01:00:00.log.gz',
      '2024-03-01/conn.01:00:00-02:00:00.log.gz',
      '2024-03-01/conn.02:00:00-03:00:00.log.gz',
      '2024-03-01/dns.00:00:00-01:00:00.log.gz',
      '2024-03-01/dns.01:00:00-02:00:00.log.gz',
      '2024-03-01/dns.02:00:00-03:00:00.log.gz',
      '2024-03-01/http.00:00:00-01:00:00.log.gz',
      '2024-03-01/ssl.01:00:00-02:00:00.log.gz',
    ]);
    expect(captures.every((c) => c.format === 'zeek-tsv' && c.compressed === 'gzip' && c.warnings.length === 0)).toBe(true);
    expect(captures[0]).toMatchObject({ packets: 13, linktype: -1, start: new Date((DAY + 30) * 1000).toISOString() });
    expect(connections).toHaveLength(38);
    const dns = connections.find((c) => c.uid === 'Cdns0')!;
    expect(dns.dnsQuery).toBe('update.example.com');
    expect(dns.dnsAnswers).toEqual([
      { name: 'update.example.com', type: 'CNAME', value: 'cdn.example.net', ttl: 300 },
      { name: 'cdn.example.net', type: 'A', value: BEACON, ttl: 60 },
    ]);
    expect(connections.find((c) => c.uid === 'Cproxy1')!.http).toEqual({
      method: 'CONNECT',
      target: 'www.example.org:443',
      host: 'www.example.org:443',
      userAgent: 'Mozilla/5.0 (X11)',
      proxyForm: 'connect',
      viaHeaders: [],
    });
    expect(connections.find((c) => c.uid === 'Ctls1')!.sni).toBe('tls.example.com');
    const rej = connections.find((c) => c.uid === 'Crej0')!;
    expect(rej).toMatchObject({ established: false, synCount: 1 });
    expect(rej.resets).toMatchObject([{ kind: 'rst', origin: 'zeek-conn', fromOriginator: false, stage: 'syn', ttl: -1 }]);
  });

  it("reads a deployment's hours one after another, and still joins a tunnel's CONNECT to its conn.log row five hours on", async () => {
    // Side logs are read an hour or two ahead of the conn.logs that claim their rows, not all
    // first: a connection that lasts hours is written to conn.log when it ends, long after them.
    const root = mkdtempSync(join(tmp, 'hours-'));
    // The same hours as Zeek's JSON logs (untagged: each file's rows are its log's).
    const rootJson = mkdtempSync(join(tmp, 'hours-json-'));
    const span = (h: number) => `${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00`;
    const conn = (t: number, uid: string, port: number, duration: number): string[] => [
      t.toFixed(6),
      uid,
      HOST,
      String(port),
      ...`10.0.0.8 3128 tcp http ${duration.toFixed(6)} 900 5000 SF T T 0 ShADadFf 9 1300 8 5400 - 6 -`.split(' '),
    ];
    const http = (t: number, uid: string, port: number, target: string): string[] => [
      (t + 0.01).toFixed(6),
      uid,
      HOST,
      String(port),
      '10.0.0.8',
      '3128',
      'CONNECT',
      target,
      target,
      'Mozilla/5.0 (X11)',
      '-',
    ];
    for (let h = 0; h < 6; h++) {
      const t = DAY + h * 3600 + 60;
      const conns = [conn(t, `Cshort${h}`, 41000 + h, 2)];
      const requests = [http(t, `Cshort${h}`, 41000 + h, `site${h}.example.org:443`)];
      // The tunnel: opened in the first hour, written when it closes in the sixth.
      if (h === 0) requests.push(http(t + 5, 'Ctunnel', 45000, 'c2.tunnel.example:443'));
      if (h === 5) conns.push(conn(DAY + 65, 'Ctunnel', 45000, 5 * 3600 + 10));
      writeFileSync(join(root, `conn.${span(h)}.log`), tsv('conn', CONN_FIELDS, CONN_TYPES, conns));
      writeFileSync(join(root, `http.${span(h)}.log`), tsv('http', HTTP_FIELDS, HTTP_TYPES, requests));
      writeFileSync(join(rootJson, `conn.${span(h)}.log`), jsonLines(null, CONN_FIELDS, conns));
      writeFileSync(join(rootJson, `http.${span(h)}.log`), jsonLines(null, HTTP_FIELDS, requests));
    }
    // The folders, and the files named last hour first (each log's hours then begin out of the order given).
    const lastFirst = readdirSync(root)
      .sort()
      .reverse()
      .map((f) => join(root, f));
    for (const inputs of [[rootJson], [root], lastFirst]) {
      const { captures, connections } = await loadCaptures(inputs);
      expect(captures.flatMap((c) => c.warnings)).toEqual([]);
      expect(connections).toHaveLength(7);
      const targets = Object.fromEntries(connections.map((c) => [c.uid, c.http?.target ?? null]));
      expect(targets, inputs[0]).toEqual({
        ...Object.fromEntries(Array.from({ length: 6 }, (_, h) => [`Cshort${h}`, `site${h}.example.org:443`])),
        Ctunnel: 'c2.tunnel.example:443',
      });
    }
  });

  it("joins every SNI of a sensor's hours whose files begin with rows written late, stamped before the hour before", async () => {
    // As zeekctl archives a day: ssl.01 begins with the ssl row of a TLS connection opened at
    // 00:35 and logged an hour on (its conn.log row is in conn.02), stamped before ssl.00's first
    // row; conn.01 begins with the row of a half-open connection that ended at 00:10. Every ssl
    // row names a connection some conn.log has.
    const root = mkdtempSync(join(tmp, 'late-rows-'));
    const dated = join(root, '2024-03-01');
    mkdirSync(dated);
    const at = (h: number, m: number) => DAY + h * 3600 + m * 60;
    const conn = (t: number, uid: string, port: number, duration: number, state = 'SF', history = 'ShADadFf'): string[] =>
      `${t.toFixed(6)} ${uid} ${HOST} ${port} 203.0.113.5 443 tcp ssl ${duration.toFixed(6)} 700 3000 ${state} T F 0 ${history} 8 1100 8 3400 - 6 -`.split(
        ' ',
      );
    const ssl = (t: number, uid: string, port: number): string[] => [
      (t + 0.1).toFixed(6),
      uid,
      HOST,
      String(port),
      '203.0.113.5',
      '443',
      `${uid.toLowerCase()}.example.com`,
    ];
    const hours = [
      {
        conn: [conn(at(0, 2), 'Cearly', 52000, 1), conn(at(0, 40), 'Cforty', 52001, 1), conn(at(0, 50), 'Cfifty', 52002, 1)],
        ssl: [ssl(at(0, 40), 'Cforty', 52001), ssl(at(0, 50), 'Cfifty', 52002)],
      },
      {
        conn: [conn(at(0, 9), 'Chalf', 52003, 60, 'S1', 'Sh'), conn(at(1, 10), 'Cten', 52004, 1), conn(at(1, 20), 'Ctwenty', 52005, 1)],
        ssl: [ssl(at(0, 35), 'Clong', 52006), ssl(at(1, 10), 'Cten', 52004), ssl(at(1, 20), 'Ctwenty', 52005)],
      },
      {
        conn: [conn(at(0, 35), 'Clong', 52006, 75 * 60), conn(at(2, 6), 'Csix', 52007, 1)],
        ssl: [ssl(at(2, 6), 'Csix', 52007)],
      },
    ];
    const paths: string[] = [];
    hours.forEach((hour, h) => {
      const span = `0${h}:00:00-0${h + 1}:00:00`;
      for (const [log, text] of [
        ['conn', tsv('conn', CONN_FIELDS, CONN_TYPES, hour.conn)],
        ['ssl', tsv('ssl', SSL_FIELDS, SSL_TYPES, hour.ssl)],
      ] as const) {
        const path = join(dated, `${log}.${span}.log.gz`);
        writeFileSync(path, gzipSync(text));
        paths.push(path);
      }
    });
    const snis = Object.fromEntries(
      ['Cforty', 'Cfifty', 'Cten', 'Ctwenty', 'Clong', 'Csix'].map((uid) => [uid, `${uid.toLowerCase()}.example.com`]),
    );
    const { captures, connections } = await loadCaptures([root]);
    expect(captures.flatMap((c) => c.warnings)).toEqual([]);
    expect(Object.fromEntries(connections.filter((c) => c.sni !== null).map((c) => [c.uid, c.sni]))).toEqual(snis);
    // The same hours when a file's first bytes do not tell its time (read an hour at a time, not
    // side by side): each conn.log still after the side logs its rows' connections wrote to.
    const files = paths.map((path, i) => ({
      path,
      format: 'zeek-tsv' as const,
      logType: path.includes('/conn.') ? 'conn' : 'ssl',
      named: true,
      head: i === paths.length - 1 ? undefined : gunzipSync(readFileSync(path)),
    }));
    const loaded = await loadZeekLogs(files, 0);
    expect(loaded.captures.flatMap((c) => c.warnings)).toEqual([]);
    expect(Object.fromEntries(loaded.connections.filter((c) => c.sni !== null).map((c) => [c.uid, c.sni]))).toEqual(snis);
  });

  it("reads `zeek -r`'s logs side by side: its dns and http rows are not held whole, and every row still joins", async () => {
    // Twelve hours of one log each, rows in the order Zeek writes them (a side row when seen, a
    // connection's row when it is removed): two lookups a second, a request through the proxy
    // every minute, a tunnel whose CONNECT comes first and whose conn.log row comes last,
    // and one DNS row stamped years off (a damaged packet's time) that claims nothing. Then the
    // same rows as one JSON stream of every log, tagged with `_path`, with one line that is no row.
    const root = mkdtempSync(join(tmp, 'zeek-r-'));
    type Written = { written: number; row: string[] };
    const conns: Written[] = [];
    const dnsRows: Written[] = [];
    const httpRows: Written[] = [];
    const tcp = (t: number, uid: string, port: number, duration: number) =>
      `${t.toFixed(6)} ${uid} ${HOST} ${port} 10.0.0.8 3128 tcp http ${duration.toFixed(6)} 900 5000 SF T T 0 ShADadFf 9 1300 8 5400 - 6 -`.split(
        ' ',
      );
    const request = (t: number, uid: string, port: number, target: string) => ({
      written: t,
      row: `${t.toFixed(6)} ${uid} ${HOST} ${port} 10.0.0.8 3128 CONNECT ${target} ${target} curl/8.5 -`.split(' '),
    });
    const end = DAY + 12 * 3600;
    httpRows.push(request(DAY + 0.5, 'Ctunnel', 45000, 'c2.tunnel.example:443'));
    conns.push({ written: end, row: tcp(DAY + 0.4, 'Ctunnel', 45000, end - DAY - 1) });
    let n = 0;
    for (let t = DAY + 1; t < end; t += 0.5, n++) {
      const uid = `Cq${n}`;
      const port = 10000 + (n % 50000);
      const dns = `${t.toFixed(6)} ${uid} ${HOST} ${port} 10.0.0.53 53 udp host${n % 97}.example.com A 192.0.2.${n % 200} 60.000000`;
      dnsRows.push({ written: t, row: dns.split(' ') });
      // written when the flow times out, a minute after its reply
      const row = `${t.toFixed(6)} ${uid} ${HOST} ${port} 10.0.0.53 53 udp dns 0.001000 40 120 SF T T 0 Dd 1 68 1 148 - 17 -`.split(' ');
      conns.push({ written: t + 60, row });
      if (n % 120 === 0) {
        httpRows.push(request(t + 0.5, `Cw${n}`, 60000 - (n % 5000), `site${n % 11}.example.org:443`));
        conns.push({ written: t + 3, row: tcp(t + 0.4, `Cw${n}`, 60000 - (n % 5000), 2) });
      }
      if (n === 1000)
        dnsRows.push({
          written: t,
          row: `${(DAY + 6 * 365 * 86400).toFixed(6)} Cstray ${HOST} 9 10.0.0.53 53 udp stray.example A - -`.split(' '),
        });
    }
    // A long-lived connection's request written late, first in the seventh hour's http.log and
    // stamped before the sixth's first row: the hours' first rows are then out of order, and the
    // hours are still read side by side (their side rows not held whole).
    httpRows.push({ ...request(DAY + 5 * 3600 - 100, 'Clate', 46000, 'late.example.org:443'), written: DAY + 6 * 3600 + 0.25 });
    conns.push({ written: DAY + 6 * 3600 + 200, row: tcp(DAY + 5 * 3600 - 100.1, 'Clate', 46000, 3700) });
    conns.sort((a, b) => a.written - b.written);
    httpRows.sort((a, b) => a.written - b.written);
    const rowsOf = (ws: Written[]) => ws.map((w) => w.row);
    writeFileSync(join(root, 'conn.log'), tsv('conn', CONN_FIELDS, CONN_TYPES, rowsOf(conns)));
    writeFileSync(join(root, 'dns.log'), tsv('dns', DNS_FIELDS, DNS_TYPES, rowsOf(dnsRows)));
    writeFileSync(join(root, 'http.log'), tsv('http', HTTP_FIELDS, HTTP_TYPES, rowsOf(httpRows)));
    const stream = join(root, 'all.json');
    const lines = [
      ...conns.map((w) => ({ written: w.written, line: jsonLines('conn', CONN_FIELDS, [w.row]) })),
      ...dnsRows.map((w) => ({ written: w.written, line: jsonLines('dns', DNS_FIELDS, [w.row]) })),
      ...httpRows.map((w) => ({ written: w.written, line: jsonLines('http', HTTP_FIELDS, [w.row]) })),
      { written: DAY + 3600, line: '{"_path": "conn", "ts": \n' },
    ].sort((a, b) => a.written - b.written);
    writeFileSync(stream, lines.map((l) => l.line).join(''));
    const file = (path: string, format: 'zeek-tsv' | 'zeek-json', logType: string | null) => {
      const head = readFileSync(path).subarray(0, 64 << 10);
      return { path, format, logType, tagged: logType === null, named: true, head };
    };
    // as `zeek -r` writes JSON logs (LogAscii::use_json): one file each, rows untagged
    const jsonRoot = mkdtempSync(join(tmp, 'zeek-r-json-'));
    writeFileSync(join(jsonRoot, 'conn.log'), jsonLines(null, CONN_FIELDS, rowsOf(conns)));
    writeFileSync(join(jsonRoot, 'dns.log'), jsonLines(null, DNS_FIELDS, rowsOf(dnsRows)));
    writeFileSync(join(jsonRoot, 'http.log'), jsonLines(null, HTTP_FIELDS, rowsOf(httpRows)));
    // The same rows rotated hourly, the files named last hour first: each log's hours then begin
    // out of the order given, and are not read side by side (a later hour's side rows first would
    // have the earlier hours' conn rows joined before their own side rows were read).
    const hourly = mkdtempSync(join(tmp, 'zeek-hours-'));
    const hourOf = (w: Written) => Math.min(11, Math.floor((w.written - DAY) / 3600));
    const hours: ReturnType<typeof file>[] = [];
    for (let h = 11; h >= 0; h--) {
      const span = `${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00`;
      for (const [log, fields, types, ws] of [
        ['conn', CONN_FIELDS, CONN_TYPES, conns],
        ['dns', DNS_FIELDS, DNS_TYPES, dnsRows],
        ['http', HTTP_FIELDS, HTTP_TYPES, httpRows],
      ] as const) {
        const path = join(hourly, `${log}.${span}.log`);
        writeFileSync(path, tsv(log, [...fields], [...types], rowsOf(ws.filter((w) => hourOf(w) === h))));
        hours.push(file(path, 'zeek-tsv', log));
      }
    }
    // the stream cut in hours, as a logger that rotates one stream of every log writes it
    const streams: ReturnType<typeof file>[] = [];
    for (let h = 0; h < 12; h++) {
      const path = join(root, `all.${String(h).padStart(2, '0')}.json`);
      writeFileSync(
        path,
        lines
          .filter((l) => Math.min(11, Math.floor((l.written - DAY) / 3600)) === h)
          .map((l) => l.line)
          .join(''),
      );
      streams.push(file(path, 'zeek-json', null));
    }
    // Every log one after another, as `zcat conn.*.log.gz dns.*.log.gz … | callhome analyze -`
    // pipes them (or `cat` makes one file of them): every conn.log row before the first side row.
    const oneAfterAnother = join(root, 'every-log.log');
    writeFileSync(oneAfterAnother, ['conn', 'dns', 'http'].map((log) => readFileSync(join(root, `${log}.log`), 'utf8')).join(''));
    const jsonOneAfterAnother = join(root, 'every-log.json');
    writeFileSync(
      jsonOneAfterAnother,
      jsonLines('conn', CONN_FIELDS, rowsOf(conns)) +
        jsonLines('dns', DNS_FIELDS, rowsOf(dnsRows)) +
        jsonLines('http', HTTP_FIELDS, rowsOf(httpRows)),
    );
    const piped = (path: string, format: 'zeek-tsv' | 'zeek-json') => ({
      ...file(path, format, format === 'zeek-tsv' ? 'conn' : null),
      path: '-',
      stream: Readable.from([readFileSync(path)]),
    });
    const shapes = {
      'one file each': ['conn', 'dns', 'http'].map((log) => file(join(root, `${log}.log`), 'zeek-tsv', log)),
      'every log one after another in one file': [file(oneAfterAnother, 'zeek-tsv', 'conn')],
      'every log one after another, piped': [piped(oneAfterAnother, 'zeek-tsv')],
      'every JSON log one after another, piped': [piped(jsonOneAfterAnother, 'zeek-json')],
      hourly: [...hours].reverse(),
      'hourly, last hour first': hours,
      'one JSON file each': ['conn', 'dns', 'http'].map((log) => ({
        ...file(join(jsonRoot, `${log}.log`), 'zeek-json', log),
        tagged: false,
      })),
      'one stream': [file(stream, 'zeek-json', null)],
      'one stream, piped': [piped(stream, 'zeek-json')],
      'hourly streams': streams,
    };
    const sideRows = dnsRows.length + httpRows.length;
    for (const [shape, files] of Object.entries(shapes)) {
      const loaded = await loadZeekLogs(files, 0);
      const all = loaded.captures.flatMap((c) => c.warnings);
      // The DNS row stamped years off, said once by the file that holds it.
      const stray = /: 1 row dated 2030-02-28, 6 years after the other [\d,]+ \(2024-03-01\): a clock or a digit gone wrong/;
      expect(
        all.filter((w) => stray.test(w)),
        shape,
      ).toHaveLength(1);
      const warnings = all.filter((w) => !stray.test(w));
      if (!shape.includes('stream')) expect(warnings, shape).toEqual([]);
      // the line that is no row: named once, though the stream is read for two kinds of rows
      else {
        expect(warnings, shape).toHaveLength(1);
        expect(warnings[0]).toMatch(/^(.*all(\.\d\d)?\.json|-) line [\d,]+: not a JSON object; row skipped$/);
      }
      // every conn.log row, and the stray DNS row as a flow of its own
      expect(loaded.connections, shape).toHaveLength(conns.length + 1);
      const unjoined = loaded.connections.filter((c) => (c.proto === 'udp' ? c.dnsQuery === null : c.http === null));
      expect(
        unjoined.map((c) => c.uid),
        shape,
      ).toEqual([]);
      expect(loaded.connections.find((c) => c.uid === 'Ctunnel')!.http!.target, shape).toBe('c2.tunnel.example:443');
      // Side rows held at once: a chunk read (a megabyte) and half an hour's, not twelve hours'
      // (hours named out of order are read side logs first: joined, not bounded).
      expect(loaded.sideRowsHeld, shape).toBeGreaterThan(0);
      if (shape !== 'hourly, last hour first') expect(loaded.sideRowsHeld, shape).toBeLessThan(sideRows / 4);
    }
  });

  it('gives the verdicts: the proxy from CONNECT, the periodic refusals named by DNS with their CNAME chain', async () => {
    const { result } = await analyze([zeekFolder()]);
    expect(result.proxies.map((p) => `${p.address}:${p.port}`)).toEqual(['10.0.0.8:3128']);
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toContain('periodic');
    const group = host.groups.find((g) => g.destination === 'update.example.com')!;
    expect(group.groupedBy).toBe('dns');
    expect([...group.names].sort()).toEqual(['cdn.example.net', 'update.example.com']);
    expect(group.schedule.periodSeconds).toBeCloseTo(600, 0);
    expect(result.resetSources).toMatchObject([{ attribution: 'unknown', resets: 18, ttl: -1 }]);
  });

  it('JSON logs — one stream with _path, or a file per log — read as the TSV logs', async () => {
    const days = [...busyDay().values()];
    const all = (k: keyof Day) => days.flatMap((d) => d[k]);
    const stream = join(tmp, 'zeek-stream.json');
    writeFileSync(
      stream,
      jsonLines('conn', CONN_FIELDS, all('conn')) +
        jsonLines('dns', DNS_FIELDS, all('dns')) +
        jsonLines('http', HTTP_FIELDS, all('http')) +
        jsonLines('ssl', SSL_FIELDS, all('ssl')) +
        jsonLines('weird', ['ts', 'name'], [['1', 'x']]),
    );
    const perLog = mkdtempSync(join(tmp, 'json-'));
    writeFileSync(join(perLog, 'conn.log'), jsonLines(null, CONN_FIELDS, all('conn')));
    writeFileSync(join(perLog, 'dns.log.gz'), gzipSync(jsonLines(null, DNS_FIELDS, all('dns'))));
    writeFileSync(join(perLog, 'http.log'), jsonLines(null, HTTP_FIELDS, all('http')));
    writeFileSync(join(perLog, 'ssl.log'), jsonLines(null, SSL_FIELDS, all('ssl')));
    const fromTsv = await loadCaptures([zeekFolder()]);
    const fromStream = await loadCaptures([stream]);
    const fromFiles = await loadCaptures([perLog]);
    expect(fromStream.captures).toMatchObject([{ format: 'zeek-json', warnings: [] }]);
    expect(fromFiles.captures.map((c) => c.format)).toEqual(['zeek-json', 'zeek-json', 'zeek-json', 'zeek-json']);
    expect(summary(fromStream.connections)).toEqual(summary(fromTsv.connections));
    expect(summary(fromFiles.connections)).toEqual(summary(fromTsv.connections));
  });
});

// ---------------------------------------------------------------- bad input

describe('bad rows and files that are no log', () => {
  const rows = [...busyDay().values()][0]!.conn;

  it('a cut-short last line, a short row and a bad state are warnings naming file and line', async () => {
    const path = join(tmp, 'damaged.conn.log');
    const good = tsv('conn', CONN_FIELDS, CONN_TYPES, rows.slice(0, 4), false);
    const short = rows[4]!.slice(0, 10).join('\t');
    const badState = [...rows[5]!];
    badState[11] = 'XX';
    writeFileSync(path, `${good}${short}\n${badState.join('\t')}\n${rows[6]!.join('\t').slice(0, 30)}`);
    const { captures, connections } = await loadCaptures([path]);
    expect(connections).toHaveLength(4);
    expect(captures[0]!.anomalies).toEqual({ 'zeek.malformed_row': 2 });
    expect(captures[0]!.warnings).toEqual([
      `${path} line 13: 10 cells where #fields names 23; row skipped`,
      `${path} line 14: conn_state "XX" is not one of Zeek's; row skipped`,
      `${path}: the last line is cut short (no newline at the end): read up to the line before it`,
    ]);
  });

  it('http rows no conn.log row claims are counted in one warning, said of one row or of several', async () => {
    const conn = join(tmp, 'claims.conn.log');
    writeFileSync(conn, tsv('conn', CONN_FIELDS, CONN_TYPES, rows.slice(0, 4)));
    const request = (uid: string, port: number) =>
      `${DAY + 5} ${uid} ${HOST} ${port} 10.0.0.8 3128 CONNECT nobody.example:443 nobody.example:443 curl/8.5 -`.split(' ');
    const warningOf = async (requests: string[][]) => {
      const http = join(tmp, `claims-${requests.length}.http.log`);
      writeFileSync(http, tsv('http', HTTP_FIELDS, HTTP_TYPES, requests));
      const { captures } = await loadCaptures([conn, http]);
      return captures.flatMap((c) => c.warnings);
    };
    expect(await warningOf([request('Cnone1', 61001)])).toEqual([
      '1 http/ssl row names a uid no conn.log row has, nor a connection of its endpoints at its time: its Host, User-Agent or SNI is not used',
    ]);
    expect(await warningOf([request('Cnone1', 61001), request('Cnone2', 61002)])).toEqual([
      '2 http/ssl rows name a uid no conn.log row has, nor a connection of their endpoints at their time: their Host, User-Agent or SNI are not used',
    ]);
  });

  it('a JSON log read for its conn and its dns rows names each bad line once, and the bad rows of each log', async () => {
    const path = join(tmp, 'damaged.json');
    const conn = jsonLines('conn', CONN_FIELDS, rows.slice(0, 3)).split('\n');
    const dns = jsonLines('dns', DNS_FIELDS, [...busyDay().values()][0]!.dns.slice(0, 2)).split('\n');
    const noUid = JSON.stringify({ _path: 'dns', ts: 1709251300.5, query: 'x.example' });
    writeFileSync(path, [conn[0], '{"ts":1709251200.1,"uid":"Cbroken",', conn[1], dns[0], noUid, conn[2], dns[1], ''].join('\n'));
    const { captures, connections } = await loadCaptures([path]);
    expect(connections).toHaveLength(3);
    expect(captures[0]!.anomalies).toEqual({ 'zeek.malformed_row': 2 });
    expect(captures[0]!.warnings).toEqual([`${path} line 2: not a JSON object; row skipped`, `${path} line 5: no ts or uid; row skipped`]);
  });

  it("rows after a crash's run of NUL bytes are read, in TSV and JSON logs, with one warning", async () => {
    const nul = '\0'.repeat(4096);
    const tsvPath = join(tmp, 'crashed.conn.log');
    const lines = tsv('conn', CONN_FIELDS, CONN_TYPES, rows.slice(0, 6)).split('\n');
    const firstRow = lines.findIndex((l) => !l.startsWith('#'));
    // A crash mid-file: a block of NULs where a write never landed, the next row right after it.
    lines[firstRow + 3] = `${nul}${lines[firstRow + 3]}`;
    writeFileSync(tsvPath, lines.join('\n'));
    const jsonPath = join(tmp, 'crashed.conn.json');
    const json = jsonLines('conn', CONN_FIELDS, rows.slice(0, 6)).split('\n');
    json[2] = `${nul}${json[2]}`;
    json[4] = `${nul}${json[4]}`;
    writeFileSync(jsonPath, json.join('\n'));
    for (const [path, runs] of [
      [tsvPath, '1 row begins'],
      [jsonPath, '2 rows begin'],
    ] as const) {
      const { captures, connections } = await loadCaptures([path]);
      expect(connections, path).toHaveLength(6);
      expect(captures[0]!.anomalies).toEqual({});
      expect(captures[0]!.warnings).toEqual([
        `${path}: ${runs} with a run of NUL bytes (left by a crash while the log was written): read from the first byte after ${runs.startsWith('1') ? 'it' : 'them'}`,
      ]);
    }
  });

  it('a bad cell is quoted in its warning cut short, its control characters escaped', async () => {
    const path = join(tmp, 'long-cell.conn.log');
    const bad = [...rows[1]!];
    bad[0] = `\u0007${'9'.repeat(5000)}x`;
    writeFileSync(path, tsv('conn', CONN_FIELDS, CONN_TYPES, [rows[0]!, bad, rows[2]!]));
    const { captures, connections } = await loadCaptures([path]);
    expect(connections).toHaveLength(2);
    expect(captures[0]!.warnings).toEqual([`${path} line 10: ts "\\u0007${'9'.repeat(39)}…" is not a time; row skipped`]);
  });

  it('a time spliced out of two rows (a log pasted together) is a malformed row, in an ssl.log alone too', async () => {
    // "171754309265.846570": the first digits of one row's time before another's whole time.
    const spliced = (ts: string): string => `${ts.slice(0, 2)}${ts}`;
    const connPath = join(tmp, 'spliced.conn.log');
    const bad = [...rows[1]!];
    bad[0] = spliced(bad[0]!);
    writeFileSync(connPath, tsv('conn', CONN_FIELDS, CONN_TYPES, [rows[0]!, bad, rows[2]!]));
    const { captures, connections } = await loadCaptures([connPath]);
    expect(connections).toHaveLength(2);
    expect(captures[0]!.warnings).toEqual([
      `${connPath} line 10: ts "${bad[0]}" is out of the range of times a log can mean (1970–2200); row skipped`,
    ]);
    expect(captures[0]!.end! < '2025').toBe(true);
    const sslPath = join(tmp, 'spliced.ssl.log');
    const ssl = (ts: number, uid: string): string[] => [ts.toFixed(6), uid, HOST, '51001', '203.0.113.5', '443', 'tls.example.com'];
    const sslRows = [ssl(DAY + 10, 'Ca'), ssl(DAY + 20, 'Cb'), ssl(DAY + 30, 'Cc')];
    sslRows[1]![0] = `1754${sslRows[1]![0]}`; // past the years a Date can hold
    writeFileSync(sslPath, tsv('ssl', SSL_FIELDS, SSL_TYPES, sslRows));
    const run = await callhome(['analyze', sslPath]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stderr).toContain(
      `${sslPath} line 10: ts "${sslRows[1]![0]}" is out of the range of times a log can mean (1970–2200); row skipped`,
    );
    expect(run.stdout).toContain('2024-03-01 00:00:10Z → 00:00:30Z');
  });

  it('a row dated decades from all the others is said, and a log of two periods is not taken for one', async () => {
    // A digit lost: one row of 1991 among a day's 1,500 rows of 2024.
    const day = Array.from({ length: 1500 }, (_, k) => {
      const r = [...rows[k % rows.length]!];
      r[0] = (DAY + 20 + k * 50).toFixed(6);
      r[1] = `Cday${k}`;
      return r;
    });
    const path = join(tmp, 'stray.conn.log');
    const stray = [...day[3]!];
    stray[0] = (Number(stray[0]) - 33 * 365 * 86400).toFixed(6);
    writeFileSync(path, tsv('conn', CONN_FIELDS, CONN_TYPES, [stray, ...day.filter((_, i) => i !== 3)]));
    const { captures } = await loadCaptures([path]);
    expect(captures[0]!.warnings).toEqual([
      `${path}: 1 row dated 1991-03-10, 33 years before the other 1,499 (2024-03-01): a clock or a digit gone wrong — the log's span reaches out to it`,
    ]);
    // The same rows, half of them a quarter later: two periods of one log, not stray rows; nor a
    // row years before a few dozen others, as a trace put together from several captures is.
    const twoPeriods = join(tmp, 'two-periods.conn.log');
    const later = day.map((r, i) => (i % 2 === 0 ? r : [(Number(r[0]) + 90 * 86400).toFixed(6), ...r.slice(1)]));
    const few = join(tmp, 'few.conn.log');
    writeFileSync(twoPeriods, tsv('conn', CONN_FIELDS, CONN_TYPES, later));
    writeFileSync(few, tsv('conn', CONN_FIELDS, CONN_TYPES, [stray, ...day.slice(0, 40)]));
    for (const path of [twoPeriods, few]) expect((await loadCaptures([path])).captures[0]!.warnings, path).toEqual([]);
  });

  it('more bad rows than are named: the first five named, the rest counted', async () => {
    const path = join(tmp, 'many-bad.conn.log');
    const bad = Array.from({ length: 8 }, (_, i) => rows[i]!.slice(0, 5 + i).join('\t'));
    writeFileSync(
      path,
      tsv('conn', CONN_FIELDS, CONN_TYPES, [rows[0]!, ...bad.map((b) => b.split('\t')), rows[1]!]).replace(/\t\n/g, '\n'),
    );
    const { captures, connections } = await loadCaptures([path]);
    expect(connections).toHaveLength(2);
    expect(captures[0]!.anomalies).toEqual({ 'zeek.malformed_row': 8 });
    expect(captures[0]!.warnings).toHaveLength(6);
    expect(captures[0]!.warnings[0]).toBe(`${path} line 10: 5 cells where #fields names 23; row skipped`);
    expect(captures[0]!.warnings[5]).toBe(`${path}: 3 more malformed rows skipped`);
  });

  it('a gzip log cut short is read up to its last whole line', async () => {
    const path = join(tmp, 'cut.conn.log.gz');
    const whole = gzipSync(tsv('conn', CONN_FIELDS, CONN_TYPES, rows));
    writeFileSync(path, whole.subarray(0, whole.length - 40));
    const { captures, connections, failures } = await loadCaptures([path]);
    expect(failures).toEqual([]);
    expect(connections.length).toBeGreaterThan(0);
    expect(captures[0]!.warnings.join('\n')).toMatch(
      /the gzip data ends early after \d+ bytes \(row \d+\): read up to the last whole line/,
    );
    // Damage, as a capture's: the CLI's exit status says the log was not read to its end.
    expect(captures[0]!.damage?.record).toBe(connections.length + 1);
  });

  it('a text file is still "not a capture file", with its one-line error', async () => {
    const path = join(tmp, 'notes.txt');
    writeFileSync(path, 'these are not logs\n');
    const run = await callhome(['analyze', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `callhome: error: ${path}: not a capture file — it looks like a text file, and not a Zeek log or a firewall log callhome reads\n`,
    );
  });

  it('rows zeek-cut printed without their header are named as such, and how to keep it said', async () => {
    const path = join(tmp, 'cut.log');
    const rows = readFileSync(corpusPath('zeek/ppp__quic-interop-retry.pcap.zeek-conn.log'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    writeFileSync(path, `${rows.join('\n')}\n`);
    const run = await callhome(['analyze', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `callhome: error: ${path}: not a capture file — it looks like Zeek log rows without Zeek's header (callhome reads a Zeek log by its #fields line: keep it, as \`zeek-cut -c\` does)\n`,
    );
    // With the header, the same rows are read.
    writeFileSync(path, readFileSync(corpusPath('zeek/ppp__quic-interop-retry.pcap.zeek-conn.log'), 'utf8').replace(/^###.*\n/, ''));
    expect((await callhome(['analyze', path])).code).toBe(0);
  });

  it('the commands take logs and captures mixed, and compare takes log folders', async () => {
    const root = zeekFolder();
    const run = await callhome(['analyze', '--format', 'json', root, corpusPath('zeek/wikipedia.pcap')]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { captures: { format: string }[] };
    expect(result.captures.map((c) => c.format)).toEqual(['pcap', ...new Array<string>(8).fill('zeek-tsv')]);
    const flows = await callhome(['flows', '--state', 'REJ', root]);
    expect(flows.code).toBe(0);
    expect(flows.stdout).toMatch(/18 connections on 2024-03-01/);
    const { result: compared } = await compare([root, zeekFolder()]);
    expect(compared.analyses).toHaveLength(2);
  });
});

describe('requests on one keep-alive connection in http.log', () => {
  /** A conn.log row of one long-lived HTTP connection of `client`'s, and its http.log rows: `uris` one every 4.6 s. */
  function keepAlive(uid: string, client: string, uris: readonly string[]): { conn: string[]; http: string[][] } {
    const t0 = 1709251200;
    const conn = [t0.toFixed(6), uid, client, '49160', '203.0.113.80', '80', 'tcp', 'http', '40.000000', '2200', '5200'].concat([
      'SF',
      'T',
      'F',
      '0',
      'ShADadFf',
      '20',
      '3000',
      '20',
      '6000',
    ]);
    const http = uris.map((uri, i) => [
      (t0 + 1 + i * 4.6).toFixed(6),
      uid,
      client,
      '49160',
      '203.0.113.80',
      '80',
      'GET',
      'crl.example.net',
      uri,
      'Microsoft-CryptoAPI/6.1',
    ]);
    return { conn, http };
  }

  it('distinct files fetched back to back are no beacon; the same path asked again with another query is', async () => {
    const lists = ['RootCA2011', 'TimeStampPCA2010', 'RootCert', 'CodeSignPCA2010', 'RootCA2010', 'TimeStampPCA', 'WinPCA', 'UpdatePCA'];
    const fetches = keepAlive(
      'CF1',
      '10.1.0.46',
      lists.map((name) => `/pki/crl/products/${name}.crl`),
    );
    const agent = keepAlive(
      'CA1',
      '10.1.0.47',
      lists.map((_, i) => `/api/tasks?n=${1000 + i * 37}`),
    );
    const dir = mkdtempSync(join(tmp, 'keepalive-'));
    writeFileSync(join(dir, 'conn.log'), tsvLog('conn', [fetches.conn, agent.conn]));
    writeFileSync(join(dir, 'http.log'), tsvLog('http', [...fetches.http, ...agent.http]));
    const { result } = await analyze([dir], { allHosts: true });
    const fetcher = result.hosts.find((h) => h.address === '10.1.0.46')!;
    expect(fetcher.labels).not.toContain('periodic');
    expect(fetcher.groups[0]!.schedule.evidence).toBe(
      'single requests every 4.6 s (jitter ±0%) over 8 bursts, but no request repeats another: one download after another, not a check-in that asks again',
    );
    const beacon = result.hosts.find((h) => h.address === '10.1.0.47')!;
    expect(beacon.labels).toContain('periodic');
    expect(beacon.verdict).toMatch(/^A periodic beacon that gets through — worth investigating: one request every 4\.6 s/);
  });
});
