// A scan decoy: TCP connect() to `ports` of one address at `rate`/s.
import net from 'node:net';
import { deadline, logger, now, parameters, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 120);
const start = now() + (p.startDelay ?? 0);
const outcomes = {};
const open = [];
const pending = [];
const [first, last] = p.ports;
for (let port = first, i = 0; port <= last; port++, i++) {
  await sleepUntil(start + i / p.rate);
  pending.push(
    new Promise((resolve) => {
      const socket = net.connect({ host: p.target, port });
      const done = (o) => {
        outcomes[o] = (outcomes[o] ?? 0) + 1;
        clearTimeout(timer);
        socket.destroy();
        resolve();
      };
      const timer = setTimeout(() => done('timeout'), 2000);
      socket.once('connect', () => {
        open.push(port);
        done('open');
      });
      socket.once('error', (e) => done(e.code ?? 'error'));
    }),
  );
}
await Promise.all(pending);
log({ event: 'done', ports: last - first + 1, outcomes, open });
process.exit(0);
