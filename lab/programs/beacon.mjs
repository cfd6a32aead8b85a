// A client allowed through the firewall that checks in with one server every `interval` s
// (a telemetry or messaging beacon): connect, send a line, read the answer, close.
import net from 'node:net';
import { deadline, logger, now, parameters, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 600);

const start = now() + (p.startDelay ?? 0);
for (let i = 0; i < p.count; i++) {
  await sleepUntil(start + i * p.interval);
  let local;
  const result = await new Promise((resolve) => {
    const socket = net.connect({ host: p.server, port: p.port }, () => {
      // The address the kernel chose to send from (a temporary IPv6 address, where it makes them).
      local = socket.localAddress;
      socket.write(`PING ${i}\n`);
    });
    socket.setTimeout(4000, () => socket.destroy(new Error('timeout')));
    socket.once('data', () => socket.end());
    socket.on('close', () => resolve('answered'));
    socket.on('error', (e) => resolve(e.message));
  });
  log({ event: 'beacon', index: i, mono: now(), result, ...(local ? { local } : {}) });
}
process.exit(0);
