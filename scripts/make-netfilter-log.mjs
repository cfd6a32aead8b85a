// Writes a netfilter/iptables LOG file as syslog writes kern.log, for timing the firewall-log
// reader:
//   node scripts/make-netfilter-log.mjs fw.log [megabytes=256] [hosts=2000]
// Internal hosts in 192.168.0.0/16 are turned away at the edge: most try the web directly a few
// times a minute (new source port each time, a SYN retry now and then), a few retry one refused
// destination in bursts, and allowed lines come in between. Lines in time order. Deterministic.
import { createWriteStream } from 'node:fs';

const [path = 'fw.log', mbArg = '256', hostsArg = '2000'] = process.argv.slice(2);
const BYTES = Number(mbArg) * 1e6;
const HOSTS = Number(hostsArg);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let seed = 0x6b43a9b5;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};
const two = (n) => String(n).padStart(2, '0');
const stamp = (t) => {
  const d = new Date(t * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
};
// .1 to .254 of each /24: no address past 255, none a network's broadcast.
const host = (i) => `192.168.${Math.floor(i / 254) & 255}.${(i % 254) + 1}`;
const servers = Array.from({ length: 5000 }, (_, i) => `${23 + (i % 180)}.${(i * 7) % 256}.${(i * 13) % 256}.${1 + (i % 250)}`);
const nextPort = new Uint16Array(HOSTS).map(() => 1024 + Math.floor(random() * 60000));

const out = createWriteStream(path);
let written = 0;
let t = Date.UTC(2026, 2, 5, 0, 0, 0) / 1000;
let id = 1;
let kernel = 100000;
while (written < BYTES) {
  t += random() * 0.02;
  const h = Math.floor(random() * HOSTS);
  const allowed = random() < 0.2;
  const dst = servers[Math.floor(random() * servers.length)];
  const port = random() < 0.7 ? 80 : 443;
  const sport = (nextPort[h] = nextPort[h] >= 65000 ? 1024 : nextPort[h] + 1);
  const retries = random() < 0.1 ? 2 : 0;
  let chunk = '';
  for (let r = 0; r <= retries; r++) {
    const at = t + r * 3;
    chunk +=
      `${stamp(at)} gw kernel: [${(kernel + at - t).toFixed(6)}] ${allowed ? 'ACCEPT-OUT' : 'DROP-OUT'}: IN=eth1 OUT=eth0 ` +
      `MAC=00:16:3e:11:22:33:00:16:3e:44:55:66:08:00 SRC=${host(h)} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=127 ` +
      `ID=${(id = (id + 1) & 0xffff)} DF PROTO=TCP SPT=${sport} DPT=${port} WINDOW=64240 RES=0x00 SYN URGP=0\n`;
  }
  kernel += 0.02;
  written += chunk.length;
  if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
}
out.end();
