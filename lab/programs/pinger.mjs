// Pings on a schedule, with the system's own ping (iputils): a monitoring check that starts
// `ping -c 1` every `interval` s (a new ICMP identifier each time), or one `ping -i interval`
// left running (one identifier, its sequence numbers rising).
import { spawn } from 'node:child_process';
import { deadline, logger, now, parameters, sleepUntil } from './common.mjs';

const p = parameters();
const log = logger(p.log);
deadline(p.maxSeconds ?? 600);

const start = now() + (p.startDelay ?? 0);
await sleepUntil(start);

/** Runs ping with `args`; calls `onReply` for each reply line and resolves with its exit status. */
function ping(args, onLine) {
  return new Promise((resolve) => {
    const child = spawn('ping', ['-n', ...args, p.target], { stdio: ['ignore', 'pipe', 'ignore'] });
    let rest = '';
    child.stdout.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) onLine(line);
    });
    child.on('close', (code) => resolve(code));
  });
}

if (p.mode === 'one-process') {
  // The requests go out every `interval` s from the start; the log holds each reply (or none).
  for (let i = 0; i < p.count; i++) log({ event: 'beacon', index: i, mono: start + i * p.interval, result: 'sent' });
  const code = await ping(['-i', String(p.interval), '-c', String(p.count), '-W', '1'], (line) => {
    const seq = /icmp_seq=(\d+)/.exec(line);
    if (seq) log({ event: 'reply', seq: Number(seq[1]), mono: now() });
  });
  log({ event: 'done', code });
} else {
  for (let i = 0; i < p.count; i++) {
    await sleepUntil(start + i * p.interval);
    const sent = now();
    let answered = false;
    await ping(['-c', '1', '-W', '1'], (line) => {
      if (/icmp_seq=/.test(line)) answered = true;
    });
    log({ event: 'beacon', index: i, mono: sent, result: answered ? 'answered' : 'no reply' });
  }
}
process.exit(0);
