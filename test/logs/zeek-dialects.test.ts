/**
 * Zeek logs as other sites write them: the proxy headers Zeek's `HTTP::proxy_headers` puts in
 * `proxied`, JSON times in milliseconds, `_` as the scope separator, DNS queries of every type,
 * the header-line-only TSV of `zeek-cut -m`, folders of logs callhome does not use, and logs of
 * several types one after the other in one file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { callhome } from '../cli/support.js';
import { HOST, PROXIED_SESSION, PROXY, hourRows, tsvLog } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-zeek-dialects-'));

/** A folder of the given files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'logs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const HTTP_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method', 'host', 'uri', 'user_agent', 'proxied'];

/** An http.log with `proxied`, as Zeek's ASCII writer writes it. */
function httpLog(rows: readonly string[][]): string {
  const types = ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'string', 'string', 'set[string]'];
  return tsvLog('http', rows, { fields: HTTP_FIELDS, types });
}

describe('proxy headers in http.log', () => {
  it('a client sending Proxy-Connection to its proxy keeps its proxy-bypass finding; Via still names a proxy', async () => {
    const hours = [0, 1, 2].map(hourRows);
    const conn = hours.flatMap((h) => h.conn);
    const http: string[][] = [];
    // HOST browses through the proxy too, as a browser does: `Proxy-Connection: keep-alive`
    for (let k = 0; k < 6; k++) {
      const t = 1709251200 + 1000 + k * 1500;
      conn.push(
        [t.toFixed(6), `H${k}`, HOST, String(31000 + k), PROXY, '3128', 'tcp', 'http', '5.000000', '900', '40000'].concat(PROXIED_SESSION),
      );
      const method = k % 2 === 0 ? 'CONNECT' : 'GET';
      const uri = method === 'CONNECT' ? 'github.com:443' : 'http://ctldl.windowsupdate.com/a.cab';
      const proxied = k % 3 === 0 ? 'PROXY-CONNECTION -> keep-alive,XROXY-CONNECTION -> keep-alive' : 'PROXY-CONNECTION -> keep-alive';
      http.push([
        (t + 0.01).toFixed(6),
        `H${k}`,
        HOST,
        String(31000 + k),
        PROXY,
        '3128',
        method,
        'github.com',
        uri,
        'Mozilla/5.0',
        proxied,
      ]);
    }
    // a host behind a proxy of its own: its requests come with Via and X-Forwarded-For
    const relay = '10.1.0.40';
    conn.push(
      ['1709251300.000000', 'V1', relay, '32000', PROXY, '3128', 'tcp', 'http', '1.000000', '500', '900'].concat([
        'SF',
        'T',
        'T',
        '0',
        'ShADadFf',
        '5',
        '800',
        '5',
        '1100',
      ]),
    );
    http.push([
      '1709251300.010000',
      'V1',
      relay,
      '32000',
      PROXY,
      '3128',
      'GET',
      'example.org',
      'http://example.org/',
      'curl/8',
      'VIA -> 1.1 relay,X-FORWARDED-FOR -> 10.9.9.9',
    ]);
    const { result } = await analyze([folder({ 'conn.log': tsvLog('conn', conn), 'http.log': httpLog(http) })]);
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'periodic', 'via-proxy']));
    expect(host.verdict).not.toMatch(/proxy itself/);
    expect(result.proxies.map((p) => p.address).sort()).toEqual([PROXY, relay].sort());
  });
});

/** Rows of a TSV-shaped table as JSON objects, `ts` as `time` gives it. */
function jsonLog(fields: readonly string[], rows: readonly string[][], time: (ts: string) => unknown, rename = (f: string) => f): string {
  return rows
    .map((r) => {
      const o: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        const v = r[i]!;
        if (v === '-') return;
        if (f === 'ts') o[rename(f)] = time(v);
        else if (f === 'answers' || f === 'TTLs') o[f] = v.split(',');
        else if (/_p$|bytes|pkts|^duration$/.test(f)) o[rename(f)] = Number(v);
        else o[rename(f)] = v;
      });
      return `${JSON.stringify(o)}\n`;
    })
    .join('');
}

const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration'].concat(
  ['orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history'],
  ['orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes'],
);
const DNS_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype_name', 'answers', 'TTLs'];

describe('JSON logs with times in milliseconds (JSON::TS_MILLIS)', () => {
  it('read at the times in seconds would give, with the same findings', async () => {
    const hours = [0, 1, 2].map(hourRows);
    const conn = hours.flatMap((h) => h.conn);
    const dns = hours.flatMap((h) => h.dns);
    const seconds = (ts: string) => Number(ts);
    const millis = (ts: string) => Math.round(Number(ts) * 1000);
    const inSeconds = await analyze([
      folder({ 'conn.log': jsonLog(CONN_FIELDS, conn, seconds), 'dns.log': jsonLog(DNS_FIELDS, dns, seconds) }),
    ]);
    const inMillis = await analyze([
      folder({ 'conn.log': jsonLog(CONN_FIELDS, conn, millis), 'dns.log': jsonLog(DNS_FIELDS, dns, millis) }),
    ]);
    expect(inMillis.result.captures.map((c) => [c.packets, c.start, c.end])).toEqual(
      inSeconds.result.captures.map((c) => [c.packets, c.start, c.end]),
    );
    expect(inMillis.result.captures[0]!.start).toBe('2024-03-01T00:00:30.000Z');
    const host = inMillis.result.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toEqual(inSeconds.result.hosts.find((h) => h.address === HOST)!.labels);
    expect(host.labels).toContain('periodic');
    expect(host.groups.find((g) => g.destination === 'update.example.com')!.schedule.periodSeconds).toBeCloseTo(600, 0);
  });
});

describe('logs written with Log::default_scope_sep = "_"', () => {
  it('read id_orig_h … as id.orig_h …, in TSV and JSON', async () => {
    const conn = [0, 1, 2].flatMap((h) => hourRows(h).conn);
    const underscored = (f: string) => f.replace(/\./g, '_');
    const dotted = await analyze([folder({ 'conn.log': tsvLog('conn', conn) })]);
    const tsv = tsvLog('conn', conn).replace(/^#fields\t.*$/m, (line) => underscored(line));
    expect(tsv).toContain('\tid_orig_h\t');
    const json = jsonLog(CONN_FIELDS, conn, Number, underscored);
    for (const text of [tsv, json]) {
      const { result } = await analyze([folder({ 'conn.log': text })]);
      expect(result.captures[0]).toMatchObject({ packets: conn.length, anomalies: {} });
      expect(result.hosts.map((h) => [h.address, h.labels])).toEqual(dotted.result.hosts.map((h) => [h.address, h.labels]));
      expect(result.hosts.find((h) => h.address === HOST)!.labels).toContain('periodic');
    }
  });
});

describe('DNS queries of every type in dns.log', () => {
  /** A host that tunnels through DNS: 300 queries of hex labels under one domain, answered. */
  function tunnel(qtype: string, answer: string): Record<string, string> {
    const conn: string[][] = [];
    const dns: string[][] = [];
    let seed = 7;
    const hex = (n: number) =>
      Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16).toString(16).slice(-1)).join('');
    for (let k = 0; k < 300; k++) {
      const t = (1709251200 + k * 2.4).toFixed(6);
      const uid = `T${k}`;
      conn.push(
        [t, uid, '10.1.1.80', String(30000 + k), '10.0.0.53', '53', 'udp', 'dns', '0.050000', '140', '220'].concat([
          'SF',
          'T',
          'T',
          '0',
          'Dd',
          '1',
          '168',
          '1',
          '248',
        ]),
      );
      dns.push(
        [t, uid, '10.1.1.80', String(30000 + k), '10.0.0.53', '53', 'udp', `${hex(60)}.${hex(40)}.dnscat.tunnel-example.org`].concat([
          qtype,
          answer,
          '0.000000',
        ]),
      );
    }
    return { 'conn.log': tsvLog('conn', conn), 'dns.log': tsvLog('dns', dns) };
  }

  it.each([
    ['A', '198.51.100.9'],
    ['TXT', 'TXT 25 "ecccc3fc1626e53a13043b026c48bbf33feff9243a8f506b40"'],
    ['MX', 'mail.tunnel-example.org'],
    ['CNAME', 'x.tunnel-example.org'],
    ['NULL', '-'],
  ])('%s queries under one domain are a dns-tunnel', async (qtype, answer) => {
    const { result } = await analyze([folder(tunnel(qtype, answer))]);
    const host = result.hosts.find((h) => h.address === '10.1.1.80')!;
    expect(host.labels).toContain('dns-tunnel');
    expect(host.evidence.join('\n')).toMatch(/300 queries under dnscat\.tunnel-example\.org/);
  });

  it('an MX answer names no address', async () => {
    const { connections } = await loadCaptures([folder(tunnel('MX', 'mail.tunnel-example.org'))]);
    expect(connections).toHaveLength(300);
    expect(connections[0]!.dnsQuery).toMatch(/\.dnscat\.tunnel-example\.org$/);
    expect(connections.flatMap((c) => c.dnsAnswers)).toEqual([]);
  });
});

describe("the header-line-only TSV of zeek-cut -m (the ASCII writer's tsv=T)", () => {
  it('is read as the conn.log it is, not as a firewall table of denied attempts', async () => {
    const conn = [0, 1, 2].flatMap((h) => hourRows(h).conn);
    const full = tsvLog('conn', conn);
    const headerLine = [CONN_FIELDS.join('\t'), ...conn.map((r) => r.join('\t')), ''].join('\n');
    const path = join(folder({}), 'conn-cut.tsv');
    writeFileSync(path, headerLine);
    const { connections, captures, failures } = await loadCaptures([path]);
    expect(failures).toEqual([]);
    expect(captures).toMatchObject([{ format: 'zeek-tsv', packets: conn.length, anomalies: {}, start: '2024-03-01T00:00:30.000Z' }]);
    // Zeek's default unset marker
    expect(connections.find((c) => c.connState === 'REJ')!.service).toBeNull();
    const fromFull = await analyze([folder({ 'conn.log': full })]);
    const { result } = await analyze([path]);
    expect(result.hosts.map((h) => [h.address, h.labels, h.verdict])).toEqual(
      fromFull.result.hosts.map((h) => [h.address, h.labels, h.verdict]),
    );
  });
});

describe('folders of logs callhome does not use, and a Corelight stream that starts with one', () => {
  const weird = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tweird',
    '#open\t2024-03-01-00-00-00',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tname\taddl\tnotice\tpeer\tsource',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tbool\tstring\tstring',
    '1709251230.000000\tCx1\t10.1.0.13\t50000\t198.51.100.7\t443\tbad_TCP_checksum\t-\tF\tworker-1\t-',
    '#close\t2024-03-01-01-00-00',
    '',
  ].join('\n');
  const stats = weird.replace('#path\tweird', '#path\tstats');

  it('a folder of weird.log and stats.log is an error naming the folder, exit 1', async () => {
    const dir = folder({ 'weird.log': weird, 'stats.log': stats });
    const run = await callhome(['analyze', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `callhome: error: ${dir}: a folder with no capture and no conn, dns, http or ssl log in it`,
    ]);
  });

  it('a weird.log named on its own is read, its one warning naming it once', async () => {
    const path = join(folder({ 'weird.log': weird }), 'weird.log');
    const run = await callhome(['analyze', path]);
    expect(run.code).toBe(0);
    // (The warning wraps where the temporary folder's name is long: read as one line.)
    const said = run.stdout.replace(/\s+/g, ' ');
    expect(said).toContain(`! ${path}: a Zeek weird log: callhome reads`);
    expect(said).not.toContain(`${path}: ${path}`);
  });

  it("a JSON stream whose first row's _path is packet_filter is read for its conn and dns rows", async () => {
    const hours = [0, 1, 2].map(hourRows);
    const tag = (path: string, text: string) => text.replace(/^\{/gm, `{"_path":"${path}",`);
    const stream =
      `{"_path":"packet_filter","ts":"2024-03-01T00:00:00.000000Z","node":"worker-1","filter":"ip or not ip","init":true,"success":true}\n` +
      tag(
        'conn',
        jsonLog(
          CONN_FIELDS,
          hours.flatMap((h) => h.conn),
          Number,
        ),
      ) +
      tag(
        'dns',
        jsonLog(
          DNS_FIELDS,
          hours.flatMap((h) => h.dns),
          Number,
        ),
      );
    const { result } = await analyze([folder({ 'corelight.json': stream })]);
    expect(result.captures).toMatchObject([{ format: 'zeek-json', packets: 96 + 18 }]);
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toContain('periodic');
    expect(host.groups.map((g) => g.destination)).toContain('update.example.com');
  });
});

describe('a file of several logs one after the other (zcat conn.*.gz dns.*.gz > day.log)', () => {
  const hours = Array.from({ length: 40 }, (_, h) => hourRows(h));
  const conn = tsvLog(
    'conn',
    hours.flatMap((h) => h.conn),
  );
  const dns = tsvLog(
    'dns',
    hours.flatMap((h) => h.dns),
  );
  const http = tsvLog(
    'http',
    hours.flatMap((h) => h.http),
  );

  it.each([
    ['conn, dns, http', conn + dns + http],
    ['dns, conn', dns + conn],
    [
      'conn, then a dns block longer than the last bytes read for its header',
      conn + tsvLog('dns', Array.from({ length: 12 }, () => hours.flatMap((h) => h.dns)).flat()),
    ],
  ])('%s: each block read as the log its #path names', async (_, text) => {
    const apart = await analyze([
      folder(text.includes('#path\thttp') ? { 'conn.log': conn, 'dns.log': dns, 'http.log': http } : { 'conn.log': conn, 'dns.log': dns }),
    ]);
    const { result } = await analyze([join(folder({ 'day.log': text }), 'day.log')]);
    expect(result.captures[0]!.formatDetail).toMatch(/^Zeek conn, dns|^Zeek dns, conn/);
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(host.groups.find((g) => g.destination === 'update.example.com')!.groupedBy).toBe('dns');
    expect(host.labels).toEqual(apart.result.hosts.find((h) => h.address === HOST)!.labels);
    expect(result.proxies.map((p) => p.address)).toEqual(text.includes('#path\thttp') ? [PROXY] : []);
  });
});

describe('dns.log rows as Zeek logs replies', () => {
  /** A dns.log with Zeek's rcode_name and rtt, as its default fields carry them. */
  function dnsLog(rows: readonly string[][]): string {
    const fields = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto rtt query qtype_name rcode_name answers TTLs'.split(' ');
    const types = 'time string addr port addr port enum interval string string string vector[string] vector[interval]'.split(' ');
    return tsvLog('dns', rows, { fields, types, close: false });
  }

  it('a dns.log read alone: an NXDOMAIN or a reply without answers was answered; a query with no reply was not', async () => {
    const rows: string[][] = [];
    for (let k = 0; k < 30; k++) {
      const t = (1709251200 + k * 60).toFixed(6);
      // A host whose every lookup of a random name comes back NXDOMAIN from the resolver outside.
      rows.push([
        t,
        `N${k}`,
        '10.0.0.9',
        String(40000 + k),
        '8.8.8.8',
        '53',
        'udp',
        '0.020000',
        `x${k}q.example-nx.com`,
        'A',
        'NXDOMAIN',
        '-',
        '-',
      ]);
      // A recursive resolver's referral: NOERROR, no answers.
      rows.push([
        t,
        `R${k}`,
        '10.0.0.1',
        String(50000 + k),
        '198.41.0.4',
        '53',
        'udp',
        '0.030000',
        'example.org',
        'A',
        'NOERROR',
        '-',
        '-',
      ]);
      // No reply at all.
      rows.push([t, `U${k}`, '10.0.0.12', String(60000 + k), '9.9.9.9', '53', 'udp', '-', 'example.net', 'A', '-', '-', '-']);
    }
    const dir = folder({ 'dns.log': dnsLog(rows) });
    const { connections } = await loadCaptures([dir]);
    const answered = (host: string) => connections.filter((c) => c.origH === host).map((c) => c.established);
    expect(answered('10.0.0.9')).toEqual(Array(30).fill(true));
    expect(answered('10.0.0.1')).toEqual(Array(30).fill(true));
    expect(answered('10.0.0.12')).toEqual(Array(30).fill(false));
  });

  it("a reply whose query type Zeek did not log gives its addresses, never a name chain of another record's names", async () => {
    const dir = folder({
      'dns.log': dnsLog([
        [
          '1709251200.000000',
          'M1',
          'fe80::1',
          '5353',
          'ff02::fb',
          '5353',
          'udp',
          '-',
          'printer._ipp._tcp.local',
          '-',
          'NOERROR',
          'printer.local',
          '120.000000',
        ],
        [
          '1709251201.000000',
          'M2',
          '10.0.0.5',
          '40000',
          '10.0.0.53',
          '53',
          'udp',
          '0.010000',
          'www.example.com',
          '-',
          'NOERROR',
          'edge.example.net,203.0.113.7',
          '60.000000,60.000000',
        ],
      ]),
    });
    const { connections } = await loadCaptures([dir]);
    expect(connections.flatMap((c) => c.dnsAnswers)).toEqual([{ name: 'www.example.com', type: 'A', value: '203.0.113.7', ttl: 60 }]);
  });
});

describe('logs saved with a byte-order mark, and blank headers', () => {
  it("a JSON log's first row after a byte-order mark is read, as a TSV log's is", async () => {
    const row = (k: number) =>
      JSON.stringify({
        ts: 1709251200 + k,
        uid: `C${k}`,
        'id.orig_h': '10.0.0.5',
        'id.orig_p': 40000 + k,
        'id.resp_h': '198.51.100.9',
        'id.resp_p': 443,
        proto: 'tcp',
        conn_state: 'S0',
        history: 'S',
      });
    const dir = folder({ 'conn.log': `\ufeff${[0, 1, 2].map(row).join('\n')}\n` });
    const { connections, captures } = await loadCaptures([dir]);
    expect(connections.map((c) => c.uid)).toEqual(['C0', 'C1', 'C2']);
    expect(captures[0]!.warnings).toEqual([]);
  });

  it("http.log's (empty) Host is a Host header sent blank, unset (-) none sent, as a capture reads them", async () => {
    const conn = [0, 1].map((k) =>
      [
        (1709251200 + k).toFixed(6),
        `W${k}`,
        '10.0.0.5',
        String(41000 + k),
        '198.51.100.9',
        '80',
        'tcp',
        'http',
        '1.000000',
        '100',
        '200',
      ].concat(['SF', 'T', 'F', '0', 'ShADadFf', '5', '400', '5', '500']),
    );
    const http = [0, 1].map((k) => [
      (1709251200 + k + 0.1).toFixed(6),
      `W${k}`,
      '10.0.0.5',
      String(41000 + k),
      '198.51.100.9',
      '80',
      'GET',
      k === 0 ? '(empty)' : '-',
      '/',
      'agent',
    ]);
    const { connections } = await loadCaptures([folder({ 'conn.log': tsvLog('conn', conn), 'http.log': tsvLog('http', http) })]);
    expect(connections.map((c) => c.http?.host)).toEqual(['', null]);
  });
});

describe('conn.log rows callhome does not follow, and rows that do not say their transport', () => {
  it('rows of other IP protocols (ESP, SCTP) are counted with their times and named in a warning, not dropped unsaid', async () => {
    const conn = tsvLog(
      'conn',
      Array.from({ length: 30 }, (_, k) =>
        [
          (1709251200 + 60 * k).toFixed(6),
          `E${k}`,
          '10.0.0.5',
          '0',
          '198.51.100.7',
          '0',
          'unknown_transport',
          '-',
          '0.500000',
          '0',
          '0',
        ].concat(['OTH', 'T', 'F', '0', '-', '4', '400', '4', '400']),
      ),
    );
    const { captures } = await loadCaptures([folder({ 'conn.log': conn })]);
    expect(captures[0]).toMatchObject({ packets: 30, start: '2024-03-01T00:00:00.000Z', end: '2024-03-01T00:29:00.500Z' });
    expect(captures[0]!.decoded).toMatchObject({ ipv4: 30, other: 30, tcp: 0 });
    expect(captures[0]!.warnings.join('\n')).toMatch(/30 rows of other IP protocols \(30 unknown\) not analysed/);
  });

  it('a zeek-cut of a few columns, no proto and no history: DNS, SSDP and broadcast rows are UDP, and the guess is said', async () => {
    const rows = [
      ['1709251200.000000', '10.0.0.11', '239.255.255.250', '1900', 'S0'],
      ['1709251201.000000', '10.0.0.11', '10.0.0.255', '137', 'S0'],
      ['1709251202.000000', '10.0.0.11', '75.75.75.75', '53', 'SF'],
      ['1709251203.000000', '10.0.0.11', '198.51.100.9', '443', 'S0'],
      ['1709251204.000000', '10.0.0.11', '198.51.100.9', '443', 'REJ'],
    ];
    const text = ['ts\tid.orig_h\tid.resp_h\tid.resp_p\tconn_state', ...rows.map((r) => r.join('\t')), ''].join('\n');
    const { connections, captures } = await loadCaptures([folder({ 'cut.log': text })]);
    expect(connections.map((c) => c.proto)).toEqual(['udp', 'udp', 'udp', 'tcp', 'tcp']);
    expect(captures[0]!.warnings.join('\n')).toMatch(/5 rows name neither proto nor history/);
  });
});

describe('connections a reset ended after their handshake', () => {
  it('are established attempts, not refusals, nor counted twice as connections without a SYN', async () => {
    // A client that polls its server every five minutes; the server ends each session with a reset after the FINs.
    const conn = Array.from({ length: 12 }, (_, k) =>
      [
        (1709251200 + 300 * k).toFixed(6),
        `S${k}`,
        '10.0.0.5',
        String(45000 + k),
        '198.51.100.20',
        '443',
        'tcp',
        'ssl',
        '2.000000',
        '700',
        '5000',
      ].concat(['RSTR', 'T', 'F', '0', 'ShADadFfR', '10', '1300', '9', '5600']),
    );
    const dir = folder({ 'conn.log': tsvLog('conn', conn) });
    const { result } = await analyze([dir], { allHosts: true });
    const group = result.hosts.find((h) => h.address === '10.0.0.5')!.groups[0]!;
    expect(group).toMatchObject({ attempts: 12, established: 12, resets: { middlebox: 0, endpoint: 0, unknown: 0 } });
    expect(result.hosts.find((h) => h.address === '10.0.0.5')!.evidence.join('\n')).not.toMatch(/refused/);
    const run = await callhome(['analyze', '--all-hosts', dir]);
    expect(run.stdout).toMatch(/12 attempts: 12 established/);
    expect(run.stdout).not.toMatch(/without a SYN/);
  });
});

describe("a day's hourly logs", () => {
  it('are named in the summary by where they lie and how many, the first and the last, not one by one', async () => {
    const files: Record<string, string> = {};
    for (let h = 0; h < 12; h++)
      files[`conn.${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00.log`] = tsvLog('conn', hourRows(h).conn);
    const dir = folder(files);
    const run = await callhome(['analyze', dir]);
    const head = run.stdout.split('\n\n')[0]!.replace(/\s+/g, ' ');
    expect(head).toContain(`12 files under ${dir}: conn.00:00:00-01:00:00.log, conn.01:00:00-02:00:00.log … conn.11:00:00-12:00:00.log`);
  });
});

describe('a host of ordinary traffic with a few failed attempts', () => {
  it('says they failed, as the summary counts them, not that nothing was refused', async () => {
    const row = (k: number, resp: string, state: string, history: string) =>
      [(1709251200 + k).toFixed(6), `O${k}`, '10.0.0.5', String(46000 + k), resp, '443', 'tcp', '-', '1.000000', '0', '0'].concat([
        state,
        'T',
        'F',
        '0',
        history,
        '1',
        '60',
        '1',
        '40',
      ]);
    const conn = tsvLog('conn', [
      row(0, '198.51.100.1', 'SF', 'ShADadFf'),
      row(1, '198.51.100.2', 'SF', 'ShADadFf'),
      row(2, '203.0.113.3', 'REJ', 'Sr'),
      row(3, '192.0.2.4', 'S0', 'S'),
    ]);
    const { result } = await analyze([folder({ 'conn.log': conn })], { allHosts: true });
    const host = result.hosts.find((h) => h.address === '10.0.0.5')!;
    expect(host.verdict).toMatch(/2 of 4 attempts failed \(1 refused, 1 never answered\), scattered/);
    expect(host.verdict).not.toMatch(/nothing refused/);
  });
});
