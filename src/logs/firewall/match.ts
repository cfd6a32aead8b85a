/**
 * A firewall log and a capture of the same network side by side: which of the capture's
 * connection attempts the firewall logged, matched by 5-tuple and time once the offset between
 * the two clocks is known.
 *
 * The offset is found by vote, not by nearest neighbour: every pair of a captured attempt and a
 * log entry of the same 5-tuple (within MAX_OFFSET_SECONDS) proposes log time − capture time, and
 * the offset is where most proposals fall within VOTE_WINDOW_SECONDS. Source ports wrap (Windows
 * XP reuses 1025–5000 every few hours), so the nearest entry of a 5-tuple may be another attempt;
 * the true offset is the one most attempts agree on. A syslog clock minutes or hours apart, or a
 * log written in another time zone (a whole number of hours, or quarter hours), still lines up.
 *
 * Whole-second stamps are cut down, not rounded (syslog, netfilter, ASA): an attempt at 12.9 s on
 * the firewall's clock is logged at 12 s, so log − capture lies in (offset − 1, offset]. Attempts
 * at different fractions of a second narrow that down to the offset within a fraction of a second.
 */
import { SYN_RETRY_SECONDS, type Connection } from '../../flows/connection.js';
import { clockOffset, count, plural } from '../../quantities.js';

/** Clocks further apart than this are not taken for one network's. */
export const MAX_OFFSET_SECONDS = 86_400;
/** The width of the vote: one second of stamp resolution, and the firewall's own delay and jitter. */
const VOTE_WINDOW_SECONDS = 2;
/**
 * A logged line and a captured attempt of one 5-tuple this far apart (after the offset) are one
 * attempt: a clock drifts over hours, a busy firewall logs late, and an ephemeral port comes round
 * again only after minutes to hours.
 */
const MATCH_SLACK_SECONDS = 5;
/** Proposals looked at, at most (a 5-tuple repeated thousands of times must not make millions). */
const MAX_VOTES = 1_000_000;
/** An offset this close to a whole number of quarter hours (and at least one) looks like a time zone. */
const TIME_ZONE_SLACK_SECONDS = 120;

export interface MatchOptions {
  /**
   * Which of the capture's attempts the firewall could have seen (default: all): those that leave
   * the internal network. Only these are matched and counted in `captureAttempts`.
   */
  crossesFirewall?: (c: Connection) => boolean;
}

export interface LogCaptureMatch {
  /** Seconds to add to the capture's times to get the log's (log clock − capture clock); null when nothing matched. */
  clockOffsetSeconds: number | null;
  /** The capture's connection attempts (TCP SYNs, UDP flows) the firewall could have seen. */
  captureAttempts: number;
  /** How many of them the log has an entry for. */
  logged: number;
  /** The log's attempts (TCP SYNs, UDP flows). */
  logAttempts: number;
  /** Log entries (attempts) no captured attempt matched: seen by the firewall, not at the capture point. */
  logOnly: number;
  /** For each capture connection given, the index of the log connection it matched, or -1. */
  matchOf: Int32Array;
  /**
   * For each capture connection given, the connection whose attempt it goes on (a SYN
   * retransmitted after the tracker ended the connection of the one before), or -1 when it opens
   * an attempt of its own: the first is matched and counted, the others are not.
   */
  continues: Int32Array;
  /** For each log connection given, the index of the capture connection it matched, or -1. */
  matchedBy: Int32Array;
  /** Whether the offset is close to whole quarter hours (and not zero): a time zone set wrong, most likely. */
  timeZoneLike: boolean;
  /** "the firewall logged 546 of the 546 attempts in the capture (clock offset +3 h 0 min 2 s)". */
  words: string;
}

function tupleKey(c: Connection): string {
  return `${c.proto} ${c.origH} ${c.origP} ${c.respH} ${c.respP}`;
}

/** A connection attempt: a TCP connection its originator opened with a SYN, or a UDP flow. */
export function isAttempt(c: Connection): boolean {
  return (c.proto === 'tcp' && (c.synCount > 0 || c.history.startsWith('S'))) || c.proto === 'udp';
}

/** Whether every log time is a whole second (the log's stamps carry no fraction). */
function wholeSeconds(log: readonly Connection[]): boolean {
  for (const c of log) if (c.ts !== Math.floor(c.ts)) return false;
  return true;
}

/** The offset most proposals agree on, or null when there are none. */
function voteOffset(votes: number[], truncated: boolean): number | null {
  if (votes.length === 0) return null;
  votes.sort((a, b) => a - b);
  let best = 0;
  let bestCount = 0;
  let bestSpread = Number.POSITIVE_INFINITY;
  for (let i = 0, j = 0; i < votes.length; i++) {
    while (votes[j]! < votes[i]! - VOTE_WINDOW_SECONDS) j++;
    const n = i - j + 1;
    const centre = Math.abs((votes[i]! + votes[j]!) / 2);
    // Most votes; of equals, the offset nearer zero (clocks are more often right than wrong).
    if (n > bestCount || (n === bestCount && centre < bestSpread)) {
      best = j;
      bestCount = n;
      bestSpread = centre;
    }
  }
  const inWindow = votes.slice(best, best + bestCount);
  const median = inWindow[inWindow.length >> 1]!;
  if (!truncated) return median;
  // Each vote bounds the offset to (vote, vote + 1]: the offset is where the bounds meet, their
  // middle (a few outliers left out: a busy firewall logs a little late).
  const trim = Math.floor(inWindow.length * 0.02);
  const low = inWindow[inWindow.length - 1 - trim]!;
  const high = inWindow[trim]! + 1;
  return low <= high ? (low + high) / 2 : median + 0.5;
}

function isTimeZoneLike(offset: number): boolean {
  const quarter = 900;
  const a = Math.abs(offset);
  return a >= quarter - TIME_ZONE_SLACK_SECONDS && Math.abs(a - Math.round(a / quarter) * quarter) <= TIME_ZONE_SLACK_SECONDS;
}

/**
 * For each capture connection, the connection whose attempt it goes on (-1: it starts one). A
 * capture's tracker ends an unanswered SYN's connection when its attempt timer runs out, and the
 * SYN retransmitted after that opens another of the same 5-tuple: one attempt, as the analysis
 * counts it (outcomes.ts) and as the log folds it (attempts.ts).
 */
function retransmissionsOf(capture: readonly Connection[]): Int32Array {
  const continues = new Int32Array(capture.length).fill(-1);
  const open = new Map<string, { head: number; lastTs: number }>();
  for (let k = 0; k < capture.length; k++) {
    const c = capture[k]!;
    if (c.proto !== 'tcp' || !isAttempt(c)) continue;
    const key = tupleKey(c);
    const before = open.get(key);
    if (c.established) {
      open.delete(key);
      continue;
    }
    if (before !== undefined && c.ts >= before.lastTs && c.ts - before.lastTs <= SYN_RETRY_SECONDS) {
      continues[k] = before.head;
      before.lastTs = Math.max(before.lastTs, c.lastTs);
    } else open.set(key, { head: k, lastTs: c.lastTs });
  }
  return continues;
}

/** Match a log's connections to a capture's by 5-tuple and time, the clock offset estimated. */
export function matchLogToCapture(log: readonly Connection[], capture: readonly Connection[], options: MatchOptions = {}): LogCaptureMatch {
  const crosses = options.crossesFirewall ?? (() => true);
  const continues = retransmissionsOf(capture);
  const byKey = new Map<string, number[]>();
  let logAttempts = 0;
  for (let i = 0; i < log.length; i++) {
    const c = log[i]!;
    if (!isAttempt(c)) continue;
    logAttempts++;
    const key = tupleKey(c);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  }
  const votes: number[] = [];
  let captureAttempts = 0;
  for (let k = 0; k < capture.length; k++) {
    const c = capture[k]!;
    if (!isAttempt(c) || !crosses(c) || continues[k]! >= 0) continue;
    captureAttempts++;
    const list = byKey.get(tupleKey(c));
    if (list === undefined || votes.length >= MAX_VOTES) continue;
    for (const i of list) {
      const d = log[i]!.ts - c.ts;
      if (Math.abs(d) <= MAX_OFFSET_SECONDS) votes.push(d);
    }
  }
  const offset = voteOffset(votes, wholeSeconds(log));

  const matchOf = new Int32Array(capture.length).fill(-1);
  const matchedBy = new Int32Array(log.length).fill(-1);
  let logged = 0;
  if (offset !== null) {
    for (let k = 0; k < capture.length; k++) {
      const c = capture[k]!;
      // A retransmission's connection is its attempt's, matched with it: not matched or counted again.
      if (!isAttempt(c) || !crosses(c) || continues[k]! >= 0) continue;
      const list = byKey.get(tupleKey(c));
      if (list === undefined) continue;
      // The log may start an attempt at a retransmission the capture folded into it.
      const at = c.ts + offset;
      const from = at - 1 - MATCH_SLACK_SECONDS;
      const to = Math.max(c.lastTs, c.ts + (c.proto === 'tcp' ? SYN_RETRY_SECONDS : 0)) + offset + MATCH_SLACK_SECONDS;
      let best = -1;
      for (const i of list) {
        const t = log[i]!.ts;
        if (matchedBy[i] !== -1 || t < from || t > to) continue;
        if (best === -1 || Math.abs(t - at) < Math.abs(log[best]!.ts - at)) best = i;
      }
      if (best === -1) continue;
      matchedBy[best] = k;
      matchOf[k] = best;
      logged++;
    }
  }
  const logOnly = logAttempts - logged;
  const clock = offset === null || logged === 0 ? '' : ` (clock offset ${clockOffset(offset)})`;
  const words =
    `the firewall logged ${count(logged)} of the ${plural(captureAttempts, 'attempt')} in the capture${clock}` +
    (logOnly > 0 ? `; ${plural(logOnly, 'logged attempt')} not in the capture` : '');
  return {
    clockOffsetSeconds: logged === 0 ? null : offset,
    captureAttempts,
    logged,
    logAttempts,
    logOnly,
    matchOf,
    continues,
    matchedBy,
    timeZoneLike: offset !== null && logged > 0 && isTimeZoneLike(offset),
    words,
  };
}
