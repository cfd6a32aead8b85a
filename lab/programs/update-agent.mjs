// An anti-virus update agent that ignores the proxy: it resolves its update name, then tries
// the CDN's addresses directly in bursts — `burstSize` attempts `spacing` s apart, binding
// explicit consecutive source ports (each used `triesPerPort` times) — and waits `pause` s
// (± `jitter`, uniform) after the last attempt of a burst before the next one. With `family: 6`
// it asks for the name's AAAA records and goes over IPv6.
//
// The pauses' jitter comes in antithetic pairs (+u, −u, shuffled), so the realised mean
// period equals the nominal one however few bursts a scenario has: the truth file can state
// the period by construction.
import net from 'node:net';
import { promises as dns } from 'node:dns';
import { deadline, logger, now, parameters, random, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
const rnd = random(p.seed ?? 1);
deadline(p.maxSeconds ?? 600);

const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
resolver.setServers([p.dns]);

function pauses(count) {
  const draws = [];
  for (let i = 0; i < Math.floor(count / 2); i++) {
    const u = (rnd() * 2 - 1) * (p.jitter ?? 0);
    draws.push(u, -u);
  }
  if (draws.length < count) draws.push(0);
  for (let i = draws.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [draws[i], draws[j]] = [draws[j], draws[i]];
  }
  return draws.map((u) => p.pause * (1 + u));
}

function attempt(address, localPort) {
  return new Promise((resolve) => {
    const started = now();
    const socket = net.connect({ host: address, port: p.port, localAddress: p.localAddress, localPort });
    const finish = (outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, seconds: now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), (p.connectTimeout ?? 3) * 1000);
    socket.once('connect', () => {
      socket.write(`GET /update/definitions.zip HTTP/1.1\r\nHost: ${p.name}\r\nUser-Agent: ${p.userAgent}\r\nConnection: close\r\n\r\n`);
      socket.once('data', () => finish('established'));
    });
    socket.once('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? 'error')));
  });
}

const pauseList = pauses(p.bursts - 1);
let burstStart = now() + (p.startDelay ?? 0);
let attemptNo = 0;
const pending = [];
for (let b = 0; b < p.bursts; b++) {
  await sleepUntil(burstStart);
  let addresses;
  try {
    addresses = p.addresses ?? (await (p.family === 6 ? resolver.resolve6(p.name) : resolver.resolve4(p.name)));
  } catch (e) {
    log({ event: 'dns-failed', burst: b, error: String(e) });
    addresses = p.fallbackAddresses;
  }
  for (let i = 0; i < p.burstSize; i++) {
    const t = burstStart + i * p.spacing;
    await sleepUntil(t);
    const localPort = p.firstPort + Math.floor(attemptNo / (p.triesPerPort ?? 1));
    const address = addresses[Math.floor(rnd() * addresses.length)];
    const at = now();
    log({ event: 'attempt', burst: b, index: i, attempt: attemptNo, mono: at, address, port: p.port, localPort });
    const n = attemptNo;
    pending.push(attempt(address, localPort).then((r) => log({ event: 'outcome', attempt: n, ...r })));
    attemptNo++;
  }
  if (b < p.bursts - 1) burstStart += (p.burstSize - 1) * p.spacing + pauseList[b];
}
await Promise.all(pending);
log({ event: 'done', attempts: attemptNo });
process.exit(0);
