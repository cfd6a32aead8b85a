/**
 * Schedules in words, said one way wherever one appears — the schedule's evidence, a host's
 * verdict, the summary, compare and every renderer — from the quantity words of quantities.ts.
 */
import { count, decimal, duration, percent, plural, rate } from '../quantities.js';
import type { Schedule, ScheduleBasis } from './types.js';
import { CONFIRMING_BURSTS } from './schedule.js';

/** What the events of a schedule are, by what it was measured on. */
const EVENT: Record<ScheduleBasis, string> = {
  'failed attempts': 'attempt',
  'all attempts': 'attempt',
  'completed sessions': 'connection',
  'requests in one connection': 'request',
  'DNS lookups': 'lookup',
};

/** "attempt", "connection", "request" or "lookup". */
export function eventNoun(basis: ScheduleBasis | null): string {
  return basis === null ? 'attempt' : EVENT[basis];
}

/**
 * A burst this short is its events at once (a browser's parallel connections, a stub's A and AAAA
 * queries), not a rate: two SYNs half a millisecond apart are no "2,000 attempts/s".
 */
const AT_ONCE_SECONDS = 0.05;

/** Whether a schedule's bursts are their events at once (AT_ONCE_SECONDS). */
export function burstsAtOnce(s: Pick<Schedule, 'burstSize' | 'burstRate'>): boolean {
  return (
    s.burstSize !== null && s.burstSize > 1 && s.burstRate !== null && s.burstRate > 0 && (s.burstSize - 1) / s.burstRate < AT_ONCE_SECONDS
  );
}

/**
 * A schedule's pace inside its bursts, beside a host's average: " (1 attempt/s inside a burst)",
 * " (in bursts of up to 3 at once)" — an average says nothing of the attempts a burst sends
 * together; '' without bursts.
 */
export function insideBurstWords(s: Pick<Schedule, 'burstSize' | 'burstRate' | 'largestBurst'>): string {
  if (burstsAtOnce(s))
    return s.largestBurst !== undefined
      ? ` (in bursts of up to ${count(s.largestBurst)} at once)`
      : ` (in bursts of ${count(s.burstSize!)} at once)`;
  return s.burstRate !== null ? ` (${rate(s.burstRate)} inside a burst)` : '';
}

/**
 * How big the bursts are: "bursts of 14 attempts (1 attempt/s)", "bursts of 2 attempts at once",
 * "bursts of 1 to 3 attempts at once" (no schedule, sizes that differ), "single requests".
 */
export function burstWords(s: Schedule): string {
  const noun = eventNoun(s.basis);
  if (s.burstSize === null || s.burstSize <= 1) return `single ${noun}s`;
  const size =
    s.smallestBurst !== undefined && s.largestBurst !== undefined
      ? `${count(s.smallestBurst)} to ${count(s.largestBurst)}`
      : count(s.burstSize);
  if (burstsAtOnce(s)) return `bursts of ${size} ${noun}s at once`;
  const inside = s.burstRate !== null && s.burstRate > 0 ? ` (${rate(s.burstRate, noun)})` : '';
  return `bursts of ${size} ${noun}s${inside}`;
}

/** "every 31 s", "every 4 min 56 s". */
export function periodWords(seconds: number): string {
  return `every ${duration(seconds)}`;
}

/**
 * What a Zeek log cannot show of a group's UDP flows whose datagrams it keeps no times of
 * (groups.ts `untimedDatagrams`): "a UDP flow of 120 datagrams over 59 min 30 s (one every ~30 s
 * on average), whose datagrams Zeek's conn.log keeps no times of: whether they recur on a schedule
 * cannot be read from it — run callhome on the capture".
 */
export function untimedWords(flows: number, datagrams: number, seconds: number): string {
  const largest =
    flows === 1
      ? `a UDP flow of ${plural(datagrams, 'datagram')}`
      : `${count(flows)} UDP flows, the largest of ${plural(datagrams, 'datagram')}`;
  return (
    `${largest} over ${duration(seconds)} (one every ~${duration(seconds / (datagrams - 1))} on average), ` +
    `whose datagrams Zeek's conn.log keeps no times of: whether they recur on a schedule cannot be read from it — run callhome on the capture`
  );
}

/**
 * ", randomised between 1.1 s and 15 s": the bounds of a wide random jitter spread evenly
 * (Schedule.shortestSeconds, longestSeconds); '' without them.
 */
export function randomisedWords(s: Pick<Schedule, 'shortestSeconds' | 'longestSeconds'>): string {
  if (s.shortestSeconds === undefined || s.longestSeconds === undefined) return '';
  return `, randomised between ${duration(s.shortestSeconds)} and ${duration(s.longestSeconds)}`;
}

/**
 * The shape of a schedule: "bursts of 14 attempts (1 attempt/s) every 31 s", "one connection
 * every 39 s", "one connection every 8.3 s, randomised between 1.1 s and 15 s" ("… to
 * 203.0.113.10" when one address of its group keeps it); without a period
 * (not periodic), the bursts alone.
 */
export function shapeWords(s: Schedule): string {
  if (!s.periodic || s.periodSeconds === null) return burstWords(s);
  const to = s.address !== undefined ? ` to ${s.address}` : '';
  if (s.burstSize === null || s.burstSize <= 1)
    return `one ${eventNoun(s.basis)} ${periodWords(s.periodSeconds)}${randomisedWords(s)}${to}`;
  return `${burstWords(s)} ${periodWords(s.periodSeconds)}${to}`;
}

/**
 * How sure a periodic schedule is, when it is not yet confirmed: "seen 3 times (confidence 0.5;
 * another 4 min of traffic would confirm it)" — of a capture or a log alike. Empty once CONFIRMING_BURSTS repetitions are seen.
 */
export function certaintyWords(s: Schedule): string {
  if (!s.periodic || s.periodSeconds === null || s.repetitions >= CONFIRMING_BURSTS) return '';
  const more = CONFIRMING_BURSTS - s.repetitions;
  return `seen ${plural(s.repetitions, 'time')} (confidence ${decimal(s.confidence, 2)}; another ${duration(more * s.periodSeconds)} of traffic would confirm it)`;
}

/**
 * A schedule the rules found that chance makes too often for the run (schedule.ts ChanceGate):
 * "too few repetitions to tell from chance among 21,340 series (random times keep one as tight
 * about once in 52,000)".
 */
export function chanceWords(chance: number, series: number): string {
  const once = chance >= 0.5 ? 'every other time' : `about once in ${count(Math.round(1 / chance))}`;
  return `too few repetitions to tell from chance among ${plural(series, 'series', 'series')} (random times keep one as tight ${once})`;
}

/**
 * Requests inside one connection that repeat too little to be a beacon's (schedule.ts
 * MIN_REPEATED_SHARE): "no request repeats another", "only 2 of 6 requests repeat another".
 */
export function newRequestWords(repeated: number, requests: number): string {
  return repeated === 0 ? 'no request repeats another' : `only ${count(repeated)} of ${plural(requests, 'request')} repeat another`;
}

/** "with a pause of 18 s between them": the quiet between bursts. */
export function pauseWords(seconds: number): string {
  return `with a pause of ${duration(seconds)} between them`;
}

/**
 * ", in 2 spells 1 min 15 s apart": bursts that came in spells with a long quiet between them
 * (Schedule.spells), after the pause between the bursts of a spell; '' without spells.
 */
export function spellWords(s: Pick<Schedule, 'spells' | 'spellPauseSeconds'>): string {
  if (s.spells === undefined || s.spellPauseSeconds === undefined) return '';
  return `, in ${count(s.spells)} spells ${s.spells === 2 ? '' : 'about '}${duration(s.spellPauseSeconds)} apart`;
}

/** "jitter ±4%": the half-width of the spread of the period. */
export function jitterWords(jitter: number): string {
  return `jitter ±${percent(jitter)}`;
}

/**
 * A longer cycle on top of the bursts: "burst trains repeat every 17 min 55 s"; on top of single
 * events (a beacon during office hours), "in spells that repeat every 1 d".
 */
export function cycleWords(seconds: number, burstSize: number | null): string {
  return burstSize !== null && burstSize > 1
    ? `burst trains repeat every ${duration(seconds)}`
    : `in spells that repeat every ${duration(seconds)}`;
}

/** "sequential source ports" or "source ports not sequential". */
export function portWords(sequential: boolean): string {
  return sequential ? 'sequential source ports' : 'source ports not sequential';
}

/** A destination group's schedule in one line, as the renderers show it. */
export function scheduleWords(s: Schedule): string {
  if (!s.periodic) {
    // Bursts are said where some held several events: "17 bursts" of 17 single attempts says nothing.
    if (s.bursts > 1 && s.burstSize !== null && s.bursts < s.attempts) {
      return `no regular schedule (${plural(s.bursts, 'burst')}${s.sequentialPorts ? `, ${portWords(true)}` : ''})`;
    }
    return s.sequentialPorts ? `no regular schedule, ${portWords(true)}` : 'no regular schedule';
  }
  const parts = [`${shapeWords(s)}${s.jitter !== null ? ` (${jitterWords(s.jitter)})` : ''}`];
  if (s.cycleSeconds !== null) parts.push(cycleWords(s.cycleSeconds, s.burstSize));
  if (s.sequentialPorts) parts.push(portWords(true));
  parts.push(`${plural(s.bursts, 'burst')}${s.basis !== null ? ` of ${s.basis}` : ''}, score ${decimal(s.score, 3)}`);
  return parts.join(', ');
}
