// A browser configured with the proxy: plain-HTTP pages as absolute-URI GETs, HTTPS pages as
// CONNECT followed by a real TLS handshake (with SNI) through the tunnel.
import http from 'node:http';
import tls from 'node:tls';
import { deadline, logger, now, parameters, random, sleep } from './common.mjs';

const p = parameters();
const log = logger(p.log);
const rnd = random(p.seed ?? 2);
deadline(p.maxSeconds ?? 600);
// host:port, or [IPv6 address]:port.
const [, proxyHost, proxyPort] = /^\[?(.+?)\]?:(\d+)$/.exec(p.proxy);
const userAgent = p.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0';

function get(url) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request({
      host: proxyHost,
      port: Number(proxyPort),
      method: 'GET',
      path: url,
      agent: false,
      headers: { Host: u.host, 'User-Agent': userAgent, Accept: 'text/html,*/*', Connection: 'close' },
    });
    req.setTimeout(8000, () => req.destroy(new Error('timeout')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(`HTTP ${res.statusCode}`));
    });
    req.on('error', (e) => resolve(String(e.message)));
    req.end();
  });
}

function connect(target) {
  return new Promise((resolve) => {
    const [host] = target.split(':');
    const req = http.request({
      host: proxyHost,
      port: Number(proxyPort),
      method: 'CONNECT',
      path: target,
      agent: false,
      headers: { Host: target, 'User-Agent': userAgent },
    });
    req.setTimeout(8000, () => req.destroy(new Error('timeout')));
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve(`CONNECT ${res.statusCode}`);
      }
      const secure = tls.connect({ socket, servername: host, rejectUnauthorized: false }, () => {
        secure.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${userAgent}\r\nConnection: close\r\n\r\n`);
      });
      secure.on('data', () => {});
      secure.on('end', () => resolve('TLS ok'));
      secure.on('close', () => resolve('TLS closed'));
      secure.on('error', (e) => resolve(`TLS ${e.message}`));
    });
    req.on('error', (e) => resolve(String(e.message)));
    req.end();
  });
}

const end = now() + p.duration;
let i = 0;
while (now() < end) {
  const page = i < (p.firstPages ?? []).length ? p.firstPages[i] : p.pages[Math.floor(rnd() * p.pages.length)];
  const result = page.startsWith('http://') ? await get(page) : await connect(page);
  log({ event: 'page', page, result, index: i++ });
  await sleep(p.interval * (0.5 + rnd()));
}
process.exit(0);
