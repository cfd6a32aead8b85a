// A client allowed through the firewall that checks in with one server every `interval` s
// (a telemetry or messaging beacon): connect, send a line, read the answer, close. With
// `servername`, over TLS: the name goes in its ClientHello (SNI), the certificate is not checked.
// With `dns`, the server is the address that resolver gives `servername` before each check-in.
// With `jitter`, each wait is `interval` less up to that share of it at random (a user clicking
// about rather than a timer, when wide).
import { promises as dns } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { deadline, logger, now, parameters, random, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 600);
const rand = random(p.seed ?? 1);
let resolver = null;
if (p.dns) {
  resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([p.dns]);
}

let next = now() + (p.startDelay ?? 0);
for (let i = 0; i < p.count; i++) {
  await sleepUntil(next);
  next += p.interval * (1 - (p.jitter ?? 0) * rand());
  let server = p.server;
  if (resolver !== null) {
    try {
      server = (await resolver.resolve4(p.servername))[0];
    } catch (e) {
      log({ event: 'dns-failed', index: i, error: String(e) });
      continue;
    }
  }
  let local;
  const result = await new Promise((resolve) => {
    const ready = () => {
      // The address the kernel chose to send from (a temporary IPv6 address, where it makes them).
      local = socket.localAddress;
      socket.write(p.servername ? `GET /ping/${i} HTTP/1.1\r\nHost: ${p.servername}\r\nConnection: close\r\n\r\n` : `PING ${i}\n`);
    };
    const socket = p.servername
      ? tls.connect({ host: server, port: p.port, servername: p.servername, rejectUnauthorized: false }, ready)
      : net.connect({ host: server, port: p.port }, ready);
    socket.setTimeout(4000, () => socket.destroy(new Error('timeout')));
    socket.once('data', () => socket.end());
    socket.on('close', () => resolve('answered'));
    socket.on('error', (e) => resolve(e.message));
  });
  log({ event: 'beacon', index: i, mono: now(), result, ...(local ? { local } : {}) });
}
process.exit(0);
