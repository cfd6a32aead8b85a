// Writes a Zeek conn.log of realistic rows for timing the log reader:
//   node scripts/make-conn-log.mjs big.conn.log [rows=1000000] [hosts=3000] [side|hourly]
// Internal hosts in 10.1.0.0/16 browse through a proxy, resolve names, talk to web servers
// directly, and one host in fifty is refused by one destination now and then (at random times,
// no schedule). Rows are in the order Zeek writes them (by end of connection, close to start
// order). Deterministic. The draws come from a xorshift generator, whose sequence has a lattice:
// a few hosts' rows to one destination fall on a beat by it (two of 3,000 hosts in the first
// 44 minutes, within ±1–2 %), and callhome rightly calls them periodic.
// With `side`, the logs Zeek writes beside it go into the same folder, as a deployment's do:
// dns.log (a row for each lookup: its name and answers), http.log (each proxy connection's
// request: CONNECT or an absolute URI) and ssl.log (each direct TLS connection's server name),
// joined to conn.log by uid. With `hourly`, the first argument is a folder, and every log is
// rotated each hour as a deployment's logger does: conn.00:00:00-01:00:00.log, dns.…
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';

const [path = 'big.conn.log', rowsArg = '1000000', hostsArg = '3000', mode = ''] = process.argv.slice(2);
const HOURLY = mode === 'hourly';
const SIDE = mode === 'side' || HOURLY;
const ROWS = Number(rowsArg);
const HOSTS = Number(hostsArg);
const START = 1709251200; // 2024-03-01T00:00:00Z
const SPAN = 24 * 3600;

/** A xorshift generator of numbers in [0, 1) from `seed`: the same rows on every run. */
function xorshift(seed) {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
}
const random = xorshift(0x2545f491);
const pick = (list, from = random) => list[Math.floor(from() * list.length)];
// The side logs' own draws: conn.log is the same with them or without.
const sideRandom = xorshift(0x9e3779b9);
// .1 to .254 of each /24: no address past 255, none a network's broadcast.
const host = (i) => `10.1.${Math.floor(i / 254) & 255}.${(i % 254) + 1}`;
const servers = Array.from({ length: 2000 }, (_, i) => `${23 + (i % 180)}.${(i * 7) % 256}.${(i * 13) % 256}.${1 + (i % 250)}`);
const uidChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const uid = () => {
  let s = 'C';
  for (let i = 0; i < 17; i++) s += uidChars[Math.floor(random() * uidChars.length)];
  return s;
};

// A name for each server (its DNS answer), and names of sites behind the proxy.
const serverNames = servers.map((_, i) => `www.site${i}.example`);
const proxiedNames = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `cdn${i}.example.net` : `www.shop${i}.example.com`));
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Microsoft-CryptoAPI/10.0',
];

// Each log's fields and their types, as Zeek 6 writes them.
const LOGS = {
  conn: [
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents',
    'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]',
  ],
  dns: [
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected',
    'time string addr port addr port enum count interval string count string count string count string bool bool bool bool count vector[string] vector[interval] bool',
  ],
  http: [
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri referrer version user_agent origin request_body_len response_body_len status_code status_msg info_code info_msg tags username password proxied orig_fuids orig_filenames orig_mime_types resp_fuids resp_filenames resp_mime_types',
    'time string addr port addr port count string string string string string string string count count count string count string set[enum] string string set[string] vector[string] vector[string] vector[string] vector[string] vector[string] vector[string]',
  ],
  ssl: [
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p version cipher curve server_name resumed last_alert next_protocol established ssl_history cert_chain_fps client_cert_chain_fps sni_matches_cert',
    'time string addr port addr port string string string string bool string string bool string vector[string] vector[string] bool',
  ],
};

const two = (n) => String(n).padStart(2, '0');
/** Zeek's time stamp of a header line: 2024-03-01-00-00-00. */
const stamp = (t) => new Date(t * 1000).toISOString().slice(0, 19).replace(/[T:]/g, '-');

/**
 * A log of Zeek's TSV: its header, rows in batches, its #close line; `file(hour)` names the file
 * of an hour's rows (one file for all hours unless the logs are rotated).
 */
function tsvLog(logPath, file) {
  const [fields, types] = LOGS[logPath];
  let out = null;
  let hour = -1;
  let batch = [];
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  const flush = async () => {
    if (batch.length === 0) return;
    const text = `${batch.join('\n')}\n`;
    batch = [];
    await write(text);
  };
  const close = async () => {
    await flush();
    await write(`#close\t${stamp(START + (HOURLY ? hour + 1 : 24) * 3600)}\n`);
    await new Promise((r) => out.end(r));
  };
  const open = async (h) => {
    out = createWriteStream(file(h));
    hour = h;
    const header = [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      `#path\t${logPath}`,
      `#open\t${stamp(START + (HOURLY ? h : 0) * 3600)}`,
      `#fields\t${fields.replaceAll(' ', '\t')}`,
      `#types\t${types.replaceAll(' ', '\t')}`,
    ];
    await write(`${header.join('\n')}\n`);
  };
  return {
    row: async (ts, cells) => {
      // A row a moment later than one of the next hour goes in the file open, as Zeek writes it.
      const h = HOURLY ? Math.max(hour, Math.min(23, Math.floor((ts - START) / 3600))) : 0;
      if (h !== hour) {
        if (out !== null) await close();
        await open(h);
      }
      batch.push(cells.join('\t'));
      if (batch.length === 10000) await flush();
    },
    close: () => (out === null ? Promise.resolve() : close()),
  };
}

const folder = HOURLY ? path : dirname(path);
const fileOf = (logPath) => (h) =>
  HOURLY ? join(folder, `${logPath}.${two(h)}:00:00-${two(h + 1)}:00:00.log`) : logPath === 'conn' ? path : join(folder, `${logPath}.log`);
const connLog = tsvLog('conn', fileOf('conn'));
const dnsLog = SIDE ? tsvLog('dns', fileOf('dns')) : null;
const httpLog = SIDE ? tsvLog('http', fileOf('http')) : null;
const sslLog = SIDE ? tsvLog('ssl', fileOf('ssl')) : null;

for (let n = 0; n < ROWS; n++) {
  const ts = START + (n / ROWS) * SPAN + random() * 0.5;
  const h = Math.floor(random() * HOSTS);
  const orig = host(h);
  const sport = 1024 + Math.floor(random() * 60000);
  const kind = random();
  let row;
  if (kind < 0.45) {
    // through the proxy
    const dur = (random() * 30).toFixed(6);
    const ob = Math.floor(random() * 4000);
    const rb = Math.floor(random() * 90000);
    row = [ts.toFixed(6), uid(), orig, sport, '10.0.0.8', 3128, 'tcp', 'http', dur, ob, rb, 'SF', 'T', 'T', 0, 'ShADadFf'];
    row.push(8, ob + 400, 70, rb + 2900, '-');
    if (httpLog !== null) {
      const site = pick(proxiedNames, sideRandom);
      const connect = sideRandom() < 0.7;
      const [method, target, uri] = connect ? ['CONNECT', `${site}:443`, `${site}:443`] : ['GET', site, `http://${site}/index.html`];
      const status = connect ? 'Connection established' : 'OK';
      const request = [method, target, uri, '-', '1.1', pick(agents, sideRandom), '-', 0, connect ? 0 : rb, 200, status];
      await httpLog.row(ts, [
        (ts + 0.002).toFixed(6),
        row[1],
        orig,
        sport,
        '10.0.0.8',
        3128,
        1,
        ...request,
        ...'- - (empty) - - - - - - - - -'.split(' '),
      ]);
    }
  } else if (kind < 0.75) {
    // DNS to the resolver
    row = [ts.toFixed(6), uid(), orig, sport, '10.0.0.53', 53, 'udp', 'dns', '0.012000', 40, 120, 'SF', 'T', 'T', 0, 'Dd'];
    row.push(1, 68, 1, 148, '-');
    if (dnsLog !== null) {
      const server = Math.floor(sideRandom() * servers.length);
      const id = Math.floor(sideRandom() * 65536);
      const lookup = [
        serverNames[server],
        1,
        'C_INTERNET',
        1,
        'A',
        0,
        'NOERROR',
        'F',
        'F',
        'T',
        'T',
        0,
        servers[server],
        '300.000000',
        'F',
      ];
      await dnsLog.row(ts, [ts.toFixed(6), row[1], orig, sport, '10.0.0.53', 53, 'udp', id, '0.012000', ...lookup]);
    }
  } else if (kind < 0.95) {
    // direct TLS
    const dur = (random() * 60).toFixed(6);
    const ob = Math.floor(random() * 3000);
    const rb = Math.floor(random() * 50000);
    const id = uid();
    const server = Math.floor(random() * servers.length);
    row = [ts.toFixed(6), id, orig, sport, servers[server], 443, 'tcp', 'ssl', dur, ob, rb, 'SF', 'T', 'F', 0, 'ShADadFf'];
    row.push(10, ob + 520, 40, rb + 1600, '-');
    if (sslLog !== null) {
      const hello = [
        'TLSv13',
        'TLS_AES_128_GCM_SHA256',
        'x25519',
        serverNames[server],
        'F',
        '-',
        'h2',
        'T',
        'CsiI',
        '(empty)',
        '(empty)',
        'T',
      ];
      await sslLog.row(ts, [(ts + 0.03).toFixed(6), id, orig, sport, servers[server], 443, ...hello]);
    }
  } else if (h % 50 === 0) {
    // a host retrying a refused destination
    row = [ts.toFixed(6), uid(), orig, sport, '198.51.100.7', 443, 'tcp', '-', '0.000400', 0, 0, 'REJ', 'T', 'F', 0, 'Sr'];
    row.push(1, 60, 1, 40, '-');
  } else {
    // unanswered
    row = [ts.toFixed(6), uid(), orig, sport, pick(servers), pick([22, 445, 8080]), 'tcp', '-', '-', '-', '-', 'S0', 'T', 'F', 0, 'S'];
    row.push(1, 60, 0, 0, '-');
  }
  await connLog.row(ts, row);
}
for (const log of [connLog, dnsLog, httpLog, sslLog]) await log?.close();
