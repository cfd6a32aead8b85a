/**
 * Zeek logs in the shapes analysts hand them over besides Zeek's own defaults: a `zeek-cut` of a
 * few columns (no `history`), a log written with another separator, a byte-order mark from an
 * editor, side logs whose uids are not the conn.log's, and the last rows of a log, which Zeek
 * wrote once its own timers ran out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import type { HostFinding } from '../../src/analysis/types.js';
import { callhome } from '../cli/support.js';
import { ZEEK_CONN_FIELDS } from '../../src/logs/zeek-records.js';
import { departmentCapture } from '../report/real.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-zeek-shapes-'));
const T0 = 1709287200;
/** The conn.log columns these logs have: Zeek's first seven, state, history and packets. */
const fields = [...ZEEK_CONN_FIELDS.slice(0, 7), 'conn_state', 'history', 'orig_pkts', 'resp_pkts'];

function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

/** A host's attempts and their outcomes over its groups. */
function outcomes(host: HostFinding | undefined): { attempts: number; established: number; unanswered: number; reset: number } {
  const groups = host?.groups ?? [];
  return {
    attempts: groups.reduce((n, g) => n + g.attempts, 0),
    established: groups.reduce((n, g) => n + g.established, 0),
    unanswered: groups.reduce((n, g) => n + g.unanswered, 0),
    reset: groups.reduce((n, g) => n + g.resets.middlebox + g.resets.endpoint + g.resets.unknown, 0),
  };
}

/** Ten rows of one host every 5 minutes to one server, in `state`, as `zeek-cut -m ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto conn_state` writes them. */
function cutRows(host: string, server: string, state: string, from: number): string[] {
  return Array.from({ length: 10 }, (_, k) =>
    [(T0 + from + k * 300).toFixed(6), `C${host.replace(/\./g, '')}x${k}`, host, 40000 + k, server, 443, 'tcp', state].join('\t'),
  );
}

describe('a conn.log without uid or without proto', () => {
  /** The rows of `cutRows` with the columns at `drop` left out. */
  const without = (drop: number, ...rows: string[]): string[] =>
    rows.map((r) =>
      r
        .split('\t')
        .filter((_, i) => i !== drop)
        .join('\t'),
    );
  const rows = [
    ...cutRows('10.1.0.1', '198.51.100.1', 'REJ', 0),
    ...cutRows('10.1.0.2', '198.51.100.2', 'S0', 1),
    ...cutRows('10.1.0.3', '198.51.100.3', 'SF', 2),
  ].sort();

  it('zeek-cut without uid: every row is read, each its own attempt', async () => {
    const header = 'ts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state';
    const path = write('no-uid.log', `${header}\n${without(1, ...rows).join('\n')}\n`);
    const { result, loaded } = await analyze([path], { allHosts: true });
    expect(loaded.captures[0]!.packets).toBe(30);
    expect(loaded.captures[0]!.warnings).toEqual([]);
    expect(outcomes(result.hosts.find((h) => h.address === '10.1.0.1'))).toEqual({
      attempts: 10,
      established: 0,
      unanswered: 0,
      reset: 10,
    });
    expect(outcomes(result.hosts.find((h) => h.address === '10.1.0.3'))).toEqual({
      attempts: 10,
      established: 10,
      unanswered: 0,
      reset: 0,
    });
  });

  it('without proto: TCP from the state or history only TCP has, UDP from a history of datagrams', async () => {
    const header = 'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tconn_state\thistory';
    const tcp = without(6, ...rows).map((r) => `${r}\t${r.endsWith('REJ') ? 'Sr' : r.endsWith('S0') ? 'S' : 'ShADadFf'}`);
    const dns = Array.from({ length: 5 }, (_, k) =>
      [(T0 + 7 + k * 60).toFixed(6), `Cdns${k}`, '10.1.0.4', 50000 + k, '10.1.0.53', 53, 'SF', 'Dd'].join('\t'),
    );
    const path = write('no-proto.log', `${header}\n${[...tcp, ...dns].sort().join('\n')}\n`);
    const { loaded } = await analyze([path], { allHosts: true });
    expect(loaded.captures[0]!.decoded).toMatchObject({ tcp: 30, udp: 5 });
    expect(loaded.captures[0]!.warnings).toEqual([]);
  });
});

describe('a conn.log without history (zeek-cut of a few columns)', () => {
  const header = 'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state';
  const rows = [
    ...cutRows('10.1.0.1', '198.51.100.1', 'REJ', 0),
    ...cutRows('10.1.0.2', '198.51.100.2', 'S0', 1),
    ...cutRows('10.1.0.3', '198.51.100.3', 'SF', 2),
  ].sort();
  const path = write('cut.log', `${header}\n${rows.join('\n')}\n`);

  it('reads the SYN and the answer from conn_state: REJ refused, S0 unanswered, SF established', async () => {
    const { result } = await analyze([path], { allHosts: true });
    const host = (a: string) => result.hosts.find((h) => h.address === a);
    expect(outcomes(host('10.1.0.1'))).toEqual({ attempts: 10, established: 0, unanswered: 0, reset: 10 });
    expect(outcomes(host('10.1.0.2'))).toEqual({ attempts: 10, established: 0, unanswered: 10, reset: 0 });
    expect(outcomes(host('10.1.0.3'))).toEqual({ attempts: 10, established: 10, unanswered: 0, reset: 0 });
    expect(host('10.1.0.2')!.labels).toContain('blocked');
  });
});

describe('the last rows of a conn.log', () => {
  it('are final: an S0 row at the end of the log is unanswered, not cut off by the end of a capture', async () => {
    const rows = Array.from({ length: 10 }, (_, k) =>
      [(T0 + k * 60).toFixed(6), `CS${k}`, '10.4.0.1', 50000 + k, '198.51.100.60', 8443, 'tcp', 'S0', 'S', 1, 0].join('\t'),
    );
    const path = write('s0end.log', `#separator \\x09\n#path\tconn\n#fields\t${fields.join('\t')}\n${rows.join('\n')}\n`);
    const { result } = await analyze([path], {});
    const host = result.hosts.find((h) => h.address === '10.4.0.1');
    expect(outcomes(host)).toEqual({ attempts: 10, established: 0, unanswered: 10, reset: 0 });
    expect(host!.evidence.join(' ')).not.toMatch(/cut off/);
  });
});

describe('headers as other writers leave them', () => {
  const rows = (separator: string) =>
    Array.from({ length: 8 }, (_, k) =>
      [(T0 + k * 120).toFixed(6), `CP${k}`, '10.5.0.1', 51000 + k, '198.51.100.70', 443, 'tcp', 'REJ', 'Sr', 1, 1].join(separator),
    );

  it('a log written with `#separator \\x7c` is read by its #path, whatever its name', async () => {
    const text = [
      '#separator \\x7c',
      '#set_separator|,',
      '#empty_field|(empty)',
      '#unset_field|-',
      '#path|conn',
      `#fields|${fields.join('|')}`,
      ...rows('|'),
    ].join('\n');
    const path = write('sensor-export.txt', `${text}\n`);
    const { result, loaded } = await analyze([path], {});
    expect(loaded.captures[0]).toMatchObject({ format: 'zeek-tsv', packets: 8 });
    expect(loaded.captures[0]!.warnings).toEqual([]);
    expect(outcomes(result.hosts.find((h) => h.address === '10.5.0.1')).attempts).toBe(8);
  });

  it('a byte-order mark before the first header is no row', async () => {
    const text = ['#separator \\x09', '#path\tconn', `#fields\t${fields.join('\t')}`, ...rows('\t')].join('\n');
    const path = write('bom-conn.log', `\uFEFF${text}\n`);
    const { loaded } = await analyze([path], {});
    expect(loaded.captures[0]).toMatchObject({ packets: 8 });
    expect(loaded.captures[0]!.warnings).toEqual([]);
  });
});

describe('a JSON stream of every log type (Corelight’s)', () => {
  it('is described by the logs callhome read in it, not by its first row’s type', async () => {
    const rows = [
      { _path: 'weird', ts: T0, name: 'bad_TCP_checksum' },
      {
        _path: 'conn',
        ts: T0 + 1,
        uid: 'Cj1',
        'id.orig_h': '10.8.0.1',
        'id.orig_p': 54000,
        'id.resp_h': '203.0.113.20',
        'id.resp_p': 443,
        proto: 'tcp',
        conn_state: 'SF',
        history: 'ShADadFf',
      },
      {
        _path: 'ssl',
        ts: T0 + 1.1,
        uid: 'Cj1',
        'id.orig_h': '10.8.0.1',
        'id.orig_p': 54000,
        'id.resp_h': '203.0.113.20',
        'id.resp_p': 443,
        server_name: 'example.test',
      },
    ];
    const path = write('stream.json', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const { loaded } = await analyze([path], {});
    expect(loaded.captures[0]!.formatDetail).toBe('Zeek conn, ssl logs (JSON)');
  });
});

describe('side logs whose uids are not the conn.log’s', () => {
  const connFields = [...ZEEK_CONN_FIELDS.slice(0, 7), 'duration', 'conn_state', 'history', 'orig_pkts', 'resp_pkts'];
  const conn = Array.from({ length: 6 }, (_, k) =>
    [(T0 + k * 300).toFixed(6), `Cconn${k}`, '10.6.0.1', 52000 + k, '203.0.113.10', 443, 'tcp', '1.5', 'SF', 'ShADadFf', 8, 8].join('\t'),
  );
  const sslFields = [...ZEEK_CONN_FIELDS.slice(0, 6), 'server_name'];
  // Another run of Zeek over the same traffic: other uids, the same endpoints and times.
  const ssl = Array.from({ length: 6 }, (_, k) =>
    [(T0 + k * 300 + 0.1).toFixed(6), `Xssl${k}`, '10.6.0.1', 52000 + k, '203.0.113.10', 443, 'c2.beacon.example'].join('\t'),
  );
  const strays = [[(T0 + 5000).toFixed(6), 'Xstray', '10.6.0.9', 40000, '203.0.113.99', 443, 'elsewhere.example'].join('\t')];
  const connPath = write('conn.log', `#separator \\x09\n#path\tconn\n#fields\t${connFields.join('\t')}\n${conn.join('\n')}\n`);
  const sslPath = write('ssl.log', `#separator \\x09\n#path\tssl\n#fields\t${sslFields.join('\t')}\n${[...ssl, ...strays].join('\n')}\n`);

  it('are joined by endpoints and time: the SNI names the destination', async () => {
    const { result } = await analyze([connPath, sslPath], {});
    const host = result.hosts.find((h) => h.address === '10.6.0.1');
    expect(host?.groups.map((g) => g.destination)).toEqual(['c2.beacon.example']);
  });

  it('are joined by endpoints past the conn.log rows held while the logs might share their uids', async () => {
    // More conn.log rows than are held waiting to learn whether the logs share uids: the first
    // ones, held, and the later ones, looked up as they come, all find their SNI.
    const n = 50_010;
    const rows = Array.from({ length: n }, (_, k) => {
      const t = (T0 + k * 2).toFixed(6);
      const port = 1024 + (k % 60_000);
      const host = `10.7.${(k >> 8) & 255}.${(k & 255) + 1}`;
      return {
        conn: [t, `Cmany${k}`, host, port, '203.0.113.10', 443, 'tcp', '1.5', 'SF', 'ShADadFf', 8, 8].join('\t'),
        ssl: [(T0 + k * 2 + 0.1).toFixed(6), `Xmany${k}`, host, port, '203.0.113.10', 443, `s${k % 7}.example`].join('\t'),
      };
    });
    const many = write(
      'many-conn.log',
      `#separator \\x09\n#path\tconn\n#fields\t${connFields.join('\t')}\n${rows.map((r) => r.conn).join('\n')}\n`,
    );
    const manySsl = write(
      'many-ssl.log',
      `#separator \\x09\n#path\tssl\n#fields\t${sslFields.join('\t')}\n${rows.map((r) => r.ssl).join('\n')}\n`,
    );
    const { connections, captures } = await loadCaptures([many, manySsl]);
    expect(captures.flatMap((c) => c.warnings)).toEqual([]);
    expect(connections).toHaveLength(n);
    expect(connections.filter((c) => c.sni === `s${Number(c.uid.slice(5)) % 7}.example`)).toHaveLength(n);
  }, 60_000);

  it('their rows no connection claims are said by the side log, and its times are its rows’', async () => {
    const { loaded } = await analyze([connPath, sslPath], {});
    const [connLog, sslLog] = loaded.captures;
    expect(connLog!.warnings).toEqual([]);
    expect(sslLog!.warnings.join(' ')).toMatch(
      /^1 http\/ssl row names a uid no conn\.log row has, nor a connection of its endpoints at its time/,
    );
    expect(sslLog!.start).toBe(new Date((T0 + 0.1) * 1000).toISOString());
    expect(sslLog!.end).toBe(new Date((T0 + 5000) * 1000).toISOString());
  });
});

describe('callhome’s own flows as JSON, read back', () => {
  it('from the command line: the reset source the capture gave, with its TTL, and no warning', async () => {
    const flows = await callhome(['flows', '--format', 'json', departmentCapture]);
    const path = write('flows.json', flows.stdout);
    const { loaded, result } = await analyze([path], {});
    expect(loaded.captures[0]).toMatchObject({ format: 'zeek-json', warnings: [] });
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: 255 });
    expect(result.proxies.map((p) => p.port)).toEqual([8080]);
  });
});

describe('what callhome reads, said of a file it does not', () => {
  it('a text file that is no log names the logs it reads too', async () => {
    const run = await callhome(['analyze', write('notes.txt', 'meeting notes\nnothing here\n')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /notes\.txt: not a capture file — it looks like a text file, and not a Zeek log or a firewall log callhome reads\n$/,
    );
  });

  it('`info` on a log speaks of its rows, with no link type or interfaces', async () => {
    const infoFields = [...ZEEK_CONN_FIELDS.slice(0, 7), 'conn_state', 'history'];
    const row = [T0.toFixed(6), 'Cinfo', '10.7.0.1', 53000, '198.51.100.80', 443, 'tcp', 'S0', 'S'].join('\t');
    const run = await callhome([
      'info',
      write('info-conn.log', `#separator \\x09\n#path\tconn\n#fields\t${infoFields.join('\t')}\n${row}\n`),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\n {2}rows {8}1 \(/);
    expect(run.stdout).not.toMatch(/link type|interfaces/);
  });
});

describe('a site on public addresses, as Zeek tells it (local_orig, local_resp)', () => {
  const header = [...ZEEK_CONN_FIELDS.slice(0, 7), 'conn_state', 'local_orig', 'local_resp', 'history'].join('\t');
  /** Ten refused attempts of `host` every 5 minutes, with Zeek's local_orig and local_resp. */
  const refusedRows = (host: string, local: string): string[] =>
    Array.from({ length: 10 }, (_, k) =>
      [
        (T0 + k * 300).toFixed(6),
        `C${host.replace(/\./g, '')}r${k}`,
        host,
        40000 + k,
        '198.51.100.7',
        443,
        'tcp',
        'REJ',
        local,
        'F',
        'Sr',
      ].join('\t'),
    );
  const path = write(
    'campus.log',
    `${header}\n${[...refusedRows('141.142.1.20', 'T'), ...refusedRows('141.142.1.21', 'T')].sort().join('\n')}\n`,
  );

  it('the hosts Zeek calls local are analysed as internal, and the summary names their networks', async () => {
    const { result } = await analyze([path], { allHosts: true });
    expect(result.hosts.map((h) => h.address).sort()).toEqual(['141.142.1.20', '141.142.1.21']);
    expect(outcomes(result.hosts[0])).toMatchObject({ attempts: 10, reset: 10 });
    expect(result.summary[0]).toMatch(
      /^Internal networks besides the private ranges: 141\.142\.1\.0\/24, where the Zeek log calls hosts local/,
    );
  });

  it('--internal given is the analyst’s word: the log’s local_orig adds nothing to it', async () => {
    const { result } = await analyze([path], { allHosts: true, internal: ['141.142.1.20/32'] });
    expect(result.hosts.map((h) => h.address)).toEqual(['141.142.1.20']);
    expect(result.summary.join(' ')).not.toMatch(/Zeek log calls hosts local/);
  });

  it('the same rows with local_orig F are outside, beside a host of the private ranges', async () => {
    const rows = [...refusedRows('141.142.1.20', 'F'), ...refusedRows('10.0.0.5', 'T')].sort();
    const outside = write('outside.log', `${header}\n${rows.join('\n')}\n`);
    const { result } = await analyze([outside], { allHosts: true });
    expect(result.hosts.map((h) => h.address)).toEqual(['10.0.0.5']);
  });
});

describe('untagged JSON logs of several types in one stream', () => {
  it('each row is read as the log its keys name: dns answers name the conn rows’ destinations', async () => {
    const conn = Array.from({ length: 10 }, (_, k) =>
      JSON.stringify({
        ts: T0 + 60 + k * 300,
        uid: `Cbeacon${k}`,
        'id.orig_h': '10.1.1.40',
        'id.orig_p': 41000 + k,
        'id.resp_h': '192.0.2.77',
        'id.resp_p': 443,
        proto: 'tcp',
        conn_state: 'SF',
        history: 'ShADadFf',
        orig_pkts: 8,
        resp_pkts: 7,
      }),
    );
    const dns = [
      JSON.stringify({
        ts: T0,
        uid: 'Cdns1',
        'id.orig_h': '10.1.1.40',
        'id.orig_p': 53000,
        'id.resp_h': '10.1.0.53',
        'id.resp_p': 53,
        proto: 'udp',
        query: 'updates.vendor-cdn.net',
        qtype_name: 'A',
        rcode_name: 'NOERROR',
        answers: ['192.0.2.77'],
        TTLs: [300],
      }),
    ];
    const path = write('untagged.json', `${[...conn, ...dns].join('\n')}\n`);
    const { result, loaded } = await analyze([path], { allHosts: true });
    expect(loaded.captures[0]!.warnings).toEqual([]);
    const host = result.hosts.find((h) => h.address === '10.1.1.40');
    expect(host?.groups[0]?.names).toContain('updates.vendor-cdn.net');
    expect(outcomes(host)).toMatchObject({ attempts: 10, established: 10 });
  });
});

describe('a Zeek log of which no row reads', () => {
  it('is one error naming the file and its first bad row, exit status 1; the other logs are still analysed', async () => {
    const header = ZEEK_CONN_FIELDS.slice(0, 7).concat('conn_state').join('\t');
    const bad = write(
      'renamed.log',
      `${header}\n${cutRows('10.1.0.1', '198.51.100.1', 'REJ', 0)
        .map((r) => r.replace('\ttcp\t', '\tbogus\t'))
        .join('\n')}\n`,
    );
    const good = write('good.log', `${header}\n${cutRows('10.1.0.2', '198.51.100.2', 'REJ', 0).join('\n')}\n`);
    const run = await callhome(['analyze', '--format', 'json', bad, good]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `callhome: error: ${bad}: a Zeek log of which no row reads (10 rows malformed, the first at line 2: proto "bogus" is not tcp, udp or icmp)`,
    );
    const result = JSON.parse(run.stdout) as { hosts: { address: string }[] };
    expect(result.hosts.map((h) => h.address)).toEqual(['10.1.0.2']);
  });
});
