// The "Internet" side: a plain web server, a TLS web server, a line-answering beacon server
// and bare open ports, on every address of the namespace it runs in.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { deadline, parameters } from './common.mjs';

const p = parameters();
deadline(p.maxSeconds ?? 900);

const page = (req, res) => {
  const body = req.url.startsWith('/update/') ? 'U'.repeat(1500) : '<html><body>lab page</body></html>\n';
  res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': body.length, Connection: 'close' });
  res.end(body);
};
for (const port of p.http ?? []) http.createServer(page).listen(port);
if (p.tls?.length) {
  const options = { key: readFileSync(p.key), cert: readFileSync(p.cert) };
  for (const port of p.tls) https.createServer(options, page).listen(port);
}
for (const port of p.lines ?? []) {
  net
    .createServer((s) => {
      s.on('data', (d) => s.end(`PONG ${String(d).trim()}\n`));
      s.on('error', () => {});
    })
    .listen(port);
}
for (const port of p.open ?? [])
  net
    .createServer((s) => {
      s.on('error', () => {});
      s.end();
    })
    .listen(port);
console.log('ready');
