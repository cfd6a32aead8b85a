// Writes a Zeek conn.log of realistic rows for timing the log reader:
//   node scripts/make-conn-log.mjs big.conn.log [rows=1000000] [hosts=3000]
// Internal hosts in 10.1.0.0/16 browse through a proxy, resolve names, talk to web servers
// directly, and a few of them retry a refused destination every ten minutes. Rows are in the
// order Zeek writes them (by end of connection, close to start order). Deterministic.
import { createWriteStream } from 'node:fs';

const [path = 'big.conn.log', rowsArg = '1000000', hostsArg = '3000'] = process.argv.slice(2);
const ROWS = Number(rowsArg);
const HOSTS = Number(hostsArg);
const START = 1709251200; // 2024-03-01T00:00:00Z
const SPAN = 24 * 3600;

let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};
const pick = (list) => list[Math.floor(random() * list.length)];
// .1 to .254 of each /24: no address past 255, none a network's broadcast.
const host = (i) => `10.1.${Math.floor(i / 254) & 255}.${(i % 254) + 1}`;
const servers = Array.from({ length: 2000 }, (_, i) => `${23 + (i % 180)}.${(i * 7) % 256}.${(i * 13) % 256}.${1 + (i % 250)}`);
const uidChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const uid = () => {
  let s = 'C';
  for (let i = 0; i < 17; i++) s += uidChars[Math.floor(random() * uidChars.length)];
  return s;
};

const header = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2024-03-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
];

const out = createWriteStream(path);
const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
await write(`${header.join('\n')}\n`);
let batch = [];
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
  } else if (kind < 0.75) {
    // DNS to the resolver
    row = [ts.toFixed(6), uid(), orig, sport, '10.0.0.53', 53, 'udp', 'dns', '0.012000', 40, 120, 'SF', 'T', 'T', 0, 'Dd'];
    row.push(1, 68, 1, 148, '-');
  } else if (kind < 0.95) {
    // direct TLS
    const dur = (random() * 60).toFixed(6);
    const ob = Math.floor(random() * 3000);
    const rb = Math.floor(random() * 50000);
    row = [ts.toFixed(6), uid(), orig, sport, pick(servers), 443, 'tcp', 'ssl', dur, ob, rb, 'SF', 'T', 'F', 0, 'ShADadFf'];
    row.push(10, ob + 520, 40, rb + 1600, '-');
  } else if (h % 50 === 0) {
    // a host retrying a refused destination
    row = [ts.toFixed(6), uid(), orig, sport, '198.51.100.7', 443, 'tcp', '-', '0.000400', 0, 0, 'REJ', 'T', 'F', 0, 'Sr'];
    row.push(1, 60, 1, 40, '-');
  } else {
    // unanswered
    row = [ts.toFixed(6), uid(), orig, sport, pick(servers), pick([22, 445, 8080]), 'tcp', '-', '-', '-', '-', 'S0', 'T', 'F', 0, 'S'];
    row.push(1, 60, 0, 0, '-');
  }
  batch.push(row.join('\t'));
  if (batch.length === 10000) {
    await write(`${batch.join('\n')}\n`);
    batch = [];
  }
}
if (batch.length > 0) await write(`${batch.join('\n')}\n`);
await write('#close\t2024-03-02-00-00-00\n');
out.end();
