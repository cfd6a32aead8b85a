// A flood decoy: what a DDoS zombie looks like — `count` connection attempts at `rate`/s at
// one address:port, from whatever source ports the kernel picks.
import net from 'node:net';
import { deadline, logger, now, parameters, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 120);
const start = now() + (p.startDelay ?? 0);
const outcomes = {};
const pending = [];
for (let i = 0; i < p.count; i++) {
  await sleepUntil(start + i / p.rate);
  pending.push(
    new Promise((resolve) => {
      const socket = net.connect({ host: p.target, port: p.port });
      const done = (o) => {
        outcomes[o] = (outcomes[o] ?? 0) + 1;
        clearTimeout(timer);
        socket.destroy();
        resolve();
      };
      const timer = setTimeout(() => done('timeout'), 2000);
      socket.once('connect', () => done('established'));
      socket.once('error', (e) => done(e.code ?? 'error'));
    }),
  );
}
await Promise.all(pending);
log({ event: 'done', attempts: p.count, outcomes });
process.exit(0);
