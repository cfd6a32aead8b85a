/**
 * A firewall log and a capture of the same network side by side: which of the capture's
 * connection attempts the firewall logged, matched by 5-tuple and time once the offset
 * between the two clocks is known. The offset is estimated from the attempts both saw (the
 * median difference of their start times), so a firewall whose clock runs minutes apart, or
 * a log written in another time zone, still lines up.
 */
import type { Connection } from '../../flows/connection.js';
import { count, duration, plural } from '../../quantities.js';
import { RETRY_SECONDS } from './attempts.js';

/** Clocks further apart than this are not taken for one network's. */
const MAX_OFFSET_SECONDS = 86_400;
/** A logged line and a captured attempt this far apart (after the offset) are one attempt: whole-second stamps, retries. */
const MATCH_SLACK_SECONDS = 2;

export interface LogCaptureMatch {
  /** Seconds to add to the capture's times to get the log's (log clock − capture clock); null when nothing matched. */
  clockOffsetSeconds: number | null;
  /** The capture's TCP connection attempts. */
  captureAttempts: number;
  /** How many of them the log has an entry for. */
  logged: number;
  /** Log entries (attempts) no captured attempt matched: seen by the firewall, not at the capture point. */
  logOnly: number;
  /** For each capture connection given, the index of the log connection it matched, or -1. */
  matchOf: Int32Array;
  /** "the firewall logged 546 of the 546 attempts (its clock 2 s ahead of the capture's)". */
  words: string;
}

function tupleKey(c: Connection): string {
  return `${c.proto} ${c.origH} ${c.origP} ${c.respH} ${c.respP}`;
}

function isAttempt(c: Connection): boolean {
  return c.proto === 'tcp' && (c.synCount > 0 || c.history.startsWith('S'));
}

/** Match a log's connections to a capture's by 5-tuple and time, the clock offset estimated. */
export function matchLogToCapture(log: readonly Connection[], capture: readonly Connection[]): LogCaptureMatch {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < log.length; i++) {
    const c = log[i]!;
    if (!isAttempt(c)) continue;
    const key = tupleKey(c);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  }
  // The offset: for each captured attempt, the nearest log entry of its 5-tuple; their median.
  const diffs: number[] = [];
  let captureAttempts = 0;
  for (const c of capture) {
    if (!isAttempt(c)) continue;
    captureAttempts++;
    const list = byKey.get(tupleKey(c));
    if (list === undefined) continue;
    let best: number | null = null;
    for (const i of list) {
      const d = log[i]!.ts - c.ts;
      if (Math.abs(d) <= MAX_OFFSET_SECONDS && (best === null || Math.abs(d) < Math.abs(best))) best = d;
    }
    if (best !== null) diffs.push(best);
  }
  diffs.sort((a, b) => a - b);
  const offset = diffs.length === 0 ? null : diffs[diffs.length >> 1]!;

  const matchOf = new Int32Array(capture.length).fill(-1);
  const used = new Uint8Array(log.length);
  let logged = 0;
  if (offset !== null) {
    for (let k = 0; k < capture.length; k++) {
      const c = capture[k]!;
      if (!isAttempt(c)) continue;
      const list = byKey.get(tupleKey(c));
      if (list === undefined) continue;
      // The log may start an attempt at a retransmission the capture folded into it.
      const from = c.ts + offset - MATCH_SLACK_SECONDS;
      const to = Math.max(c.lastTs, c.ts + RETRY_SECONDS) + offset + MATCH_SLACK_SECONDS;
      for (const i of list) {
        if (used[i] === 1 || log[i]!.ts < from || log[i]!.ts > to) continue;
        used[i] = 1;
        matchOf[k] = i;
        logged++;
        break;
      }
    }
  }
  let logAttempts = 0;
  for (const list of byKey.values()) logAttempts += list.length;
  const logOnly = logAttempts - logged;
  const clock =
    offset === null
      ? ''
      : Math.abs(offset) < 0.5
        ? ' (the two clocks agree)'
        : ` (its clock ${duration(Math.abs(offset))} ${offset > 0 ? 'ahead of' : 'behind'} the capture's)`;
  const words =
    `the firewall logged ${count(logged)} of the ${plural(captureAttempts, 'attempt')} in the capture${clock}` +
    (logOnly > 0 ? `; ${plural(logOnly, 'logged attempt')} not in the capture` : '');
  return { clockOffsetSeconds: offset, captureAttempts, logged, logOnly, matchOf, words };
}
