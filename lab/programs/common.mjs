// What every lab program shares: its parameters (one JSON argument), a seeded random
// source, a monotonic clock, and a JSON-lines log the lab reads back for its truth file.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export function parameters() {
  const text = process.argv[2];
  if (!text) throw new Error('usage: node program.mjs \'{"json": "parameters"}\'');
  return JSON.parse(text);
}

/** Deterministic pseudo-random numbers in [0, 1) (LCG), so a run can be told from its seed. */
export function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Seconds on a monotonic clock; wall-clock time only in the log. */
export const now = () => performance.now() / 1000;

export const sleep = (seconds) => new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000)));

export async function sleepUntil(t) {
  await sleep(t - now());
}

export function logger(path) {
  return (event) => {
    const line = JSON.stringify({ wall: Date.now() / 1000, ...event });
    if (path) appendFileSync(path, line + '\n');
  };
}

/** Never outlive the lab: exit after `seconds` whatever is pending. */
export function deadline(seconds) {
  setTimeout(() => process.exit(0), seconds * 1000).unref();
}
