// Writes a Zeek conn.log and dns.log of a network whose hosts look names up at random, for
// measuring how often chance gives a schedule of lookups on a large network:
//   node scripts/make-dns-log.mjs DIR [hosts=2000] [names=10] [fewest=6] [most=30] [seed=1]
// Each host in 10.1.0.0/16 looks up `names` names, each between `fewest` and `most` times at
// uniformly random moments of one day, through the resolver 10.0.0.53. BEACONS adds hosts that
// look one name up on a schedule: "address,period,jitter,lookups;…" (jitter as a fraction:
// 0.1 is ±10 %), e.g. BEACONS="10.9.0.1,300,0.05,10". Rows in time order. Deterministic.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'dns-log', hostsArg = '2000', namesArg = '10', fewestArg = '6', mostArg = '30', seedArg = '1'] = process.argv.slice(2);
const START = 1709251200; // 2024-03-01T00:00:00Z
const SPAN = 24 * 3600;

/** A small fast generator (sfc32) of numbers in [0, 1): no lattice for one host's times to fall on. */
function sfc(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}
const random = sfc(Number(seedArg) * 7919 + 1);

/** [time, uid, client, client port, name] of every lookup. */
const lookups = [];
let uid = 0;
const add = (ts, client, name) =>
  lookups.push([ts, `C${(uid++).toString(36).padStart(10, '0')}`, client, 1024 + Math.floor(random() * 60000), name]);
for (let h = 0; h < Number(hostsArg); h++) {
  const client = `10.1.${Math.floor(h / 254) & 255}.${(h % 254) + 1}`;
  for (let k = 0; k < Number(namesArg); k++) {
    const name = `www.s${Math.floor(random() * 50000)}.example.com`;
    const n = Number(fewestArg) + Math.floor(random() * (Number(mostArg) - Number(fewestArg) + 1));
    for (let i = 0; i < n; i++) add(START + random() * SPAN, client, name);
  }
}
for (const spec of (process.env.BEACONS ?? '').split(';').filter(Boolean)) {
  const [client, period, jitter, count] = spec.split(',');
  const name = `beacon-${client.replace(/\./g, '-')}.example.net`;
  let t = START + 100;
  for (let i = 0; i < Number(count); i++) {
    add(t, client, name);
    t += Number(period) * (1 + (2 * random() - 1) * Number(jitter));
  }
}
lookups.sort((x, y) => x[0] - y[0]);

const header = (path, fields, types) =>
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`, '#open\t2024-03-01-00-00-00']
    .concat([`#fields\t${fields}`.replace(/ /g, '\t'), `#types\t${types}`.replace(/ /g, '\t')])
    .join('\n');
const conn = [
  header(
    'conn',
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents',
    'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]',
  ),
];
const dns = [
  header(
    'dns',
    'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected',
    'time string addr port addr port enum count interval string count string count string count string bool bool bool bool count vector[string] vector[interval] bool',
  ),
];
for (const [ts, id, client, port, name] of lookups) {
  const t = ts.toFixed(6);
  conn.push(`${t}\t${id}\t${client}\t${port}\t10.0.0.53\t53\tudp\tdns\t0.010000\t40\t56\tSF\tT\tT\t0\tDd\t1\t68\t1\t84\t-`);
  dns.push(
    `${t}\t${id}\t${client}\t${port}\t10.0.0.53\t53\tudp\t${1 + (port % 60000)}\t0.010000\t${name}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t93.184.216.34\t300.000000\tF`,
  );
}
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'conn.log'), `${conn.join('\n')}\n#close\t2024-03-02-00-00-00\n`);
writeFileSync(join(dir, 'dns.log'), `${dns.join('\n')}\n#close\t2024-03-02-00-00-00\n`);
console.log(`${dir}: ${lookups.length} lookups`);
