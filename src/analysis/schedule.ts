/**
 * Schedules: attempts grouped into bursts by gap, the period between burst starts and its
 * jitter, burst size and rate, source ports rising one by one (a single-threaded retry loop),
 * a longer cycle on top, and a periodicity score with its evidence.
 */
import type { Schedule, ScheduleBasis } from './types.js';
import { decimal, duration, percent, plural, round } from '../quantities.js';
import {
  burstsAtOnce,
  burstWords,
  chanceWords,
  cycleWords,
  eventNoun,
  jitterWords,
  newRequestWords,
  pauseWords,
  periodWords,
  portWords,
  shapeWords,
  spellWords,
} from './schedule-words.js';
import { repeatedRequests } from '../flows/request-keys.js';
import { keptSorted, mad, median, sortedValues } from './stats.js';
import { flat } from '../flat.js';

/** A gap this many times the one below it separates two levels of a schedule. */
const BREAK_RATIO = 4;
/**
 * Repetitions needed before a schedule is called periodic. Three bursts of several attempts make
 * a schedule when they agree in shape (size, rate, port stepping) and spacing; two never do. Single
 * events carry no shape, so they need more: MIN_SINGLES_TIGHT with near-constant spacing, else
 * MIN_SINGLES (random arrivals pass the jitter test 6 % of the time with 3 intervals, 0.3 % with 5,
 * and a person revisiting a site every few minutes looks regular for a handful of visits). Bursts
 * that differ in shape are judged as single events are: random arrivals fall into pairs and
 * threes by chance, and four such "bursts" passed the jitter test 3 % of the time.
 */
const MIN_BURSTS = 3;
const MIN_SINGLES_TIGHT = 4;
const MIN_SINGLES = 8;
const TIGHT_JITTER = 0.1;
/**
 * The near-constant spacing MIN_SINGLES_TIGHT events need by themselves: four random arrivals
 * come within ±10 % of each other 0.7 % of the time, and a busy network has thousands of hosts
 * with four connections to one place — a host's four sessions with file and web servers read as
 * "one connection every 44 s (±7 %)". A timer keeps a few per cent; within ±3 % chance passes
 * under 0.1 %, and a fifth event brings ±10 % down to 0.05 %.
 */
const TIGHTEST_JITTER = 0.03;
/**
 * The spacing three or four bursts alike in shape need: random arrivals fall into alike pairs and
 * threes whose two or three intervals agree within ±26 % one time in five hundred — most of
 * chance's schedules —, where a retry timer's bursts keep their spacing to a per cent or two.
 */
const FEW_BURSTS_JITTER = 0.05;
/** Bursts alike in shape up to which FEW_BURSTS_JITTER holds. */
const FEW_BURSTS = 4;

/**
 * The jitter single events (or bursts unlike in shape) may have, short of MIN_SINGLES, with
 * `intervals` between them (one fewer than the events); `ticks` is the jitter the clock's
 * resolution alone makes (clockTicks).
 */
function tightJitter(intervals: number, ticks: number): number {
  return (intervals < MIN_SINGLES_TIGHT ? TIGHTEST_JITTER : TIGHT_JITTER) + ticks;
}

/**
 * The jitter a clock of `resolution` seconds alone gives intervals of `period`: each interval
 * read a tick long or short (a firewall log's one-second time stamps make 20 s read 19 to 21).
 */
function clockTicks(resolution: number, period: number): number {
  return period > 0 ? resolution / period : 0;
}
/**
 * Agents and beacons randomise their pause, commonly uniformly by up to ±25 % (C2 frameworks by
 * up to ±50 %). The jitter is the half-width of the spread relative to the period (0.2 = ±20 %):
 * from the range of the intervals while they are few (FEW_INTERVALS), from their 10th–90th
 * percentiles above that, so one missed beat in many does not hide a schedule. The jitter allowed
 * grows with the intervals seen, from MAX_JITTER_FEW to MAX_JITTER_MANY at MANY_INTERVALS: random
 * arrivals measure about 2 on the percentile estimate and pass under 0.02 % of the time at any count.
 */
const MAX_JITTER_FEW = 0.26;
const MAX_JITTER_MANY = 0.6;
const FEW_INTERVALS = 8;
const MANY_INTERVALS = 20;
/**
 * C2 agents randomise their sleep wider still: Empire draws it from d(1-j)…d(1+j) with j up to 0.9
 * and more, Cobalt Strike from d(1-j)…d. Such a spread measures up to about ±100 % where random
 * arrivals measure about ±200 %, but so does a person's think time that is only moderately spread;
 * what no person and no random arrival keeps is a sleep drawn evenly between two bounds, dozens
 * of times over. So with WIDE_INTERVALS or more (fewer let random arrivals pass a few times in
 * 10,000), a jitter up to MAX_JITTER_WIDE is a schedule when the intervals spread evenly
 * (evenSpread): their 10th–90th percentiles rise in step with their share, and all but a few of
 * the rest stay inside the bounds that even spread implies.
 */
const MAX_JITTER_WIDE = 1;
const WIDE_INTERVALS = 50;
/**
 * How far the intervals between their 10th and 90th percentiles may stray from an even spread, in
 * shares of them, times 1/√intervals (Kolmogorov–Smirnov's scale): random arrivals stray by about
 * 0.19, a person's think times (lognormal, ±50 % at the quartiles) by 0.12, an even spread by
 * chance alone by about 0.5/√intervals.
 */
const EVEN_SPREAD_STRAY = 1.4;
/**
 * Intervals beyond an even spread's bounds that an even spread may have: a beat missed or a
 * check-in delayed now and then. The bounds are widened each way by EVEN_SPREAD_SLACK/√intervals
 * of its width, three times the error of the percentiles they are read from. Random arrivals have
 * 5–8 % of their intervals beyond, a person's think times 5–11 %. With these, 1 in 10,000 series
 * of 75 random arrivals passed, none of 50, 100 or 150; Empire-like agents at ±80–90 % passed
 * 88–98 % of the time over a hundred check-ins, 96–98 % over three hundred.
 */
const EVEN_SPREAD_BEYOND = 0.02;
const EVEN_SPREAD_SLACK = 1.1;
/** Below this period a regular rhythm is a rate, not a schedule (floods are regular too). */
const MIN_PERIOD_SECONDS = 0.5;
/** The fewest requests inside one connection a schedule is read from. */
export const MIN_REQUESTS = 6;
const MIN_REQUEST_PERIOD_SECONDS = 2;
/**
 * Repetitions a schedule of requests inside one connection needs, by how loosely it keeps time.
 * A busy network has thousands of interactive sessions (SSH, SMB, LDAP, IMAP, keep-alive web)
 * whose requests come at random, and the bursts they fall into line up by chance: of random
 * sessions like a busy LAN's (requests a few seconds apart at random, a dozen on average), one in
 * 2,600 read as periodic, most as five bursts within ±10 %, some as eight to ten within ±26 % — a
 * capture with ten thousand such sessions had three to seven "beacons" where it had none. A
 * timer inside one connection keeps time to a few per cent (a keep-alive, an agent without
 * jitter: ±0–3 % in the captures of real ones), and an agent polling with a wide random jitter
 * keeps it up for dozens (a C2 agent over HTTP: ±47 % over 42). Each row: the jitter at most,
 * and the bursts it needs; such random sessions pass one in 200,000.
 */
const REQUEST_BURSTS_NEEDED: readonly (readonly [jitter: number, bursts: number])[] = [
  [0.025, 5],
  [0.1, 8],
  [0.26, 14],
  [Infinity, 30],
];

/** Bursts a schedule of requests inside one connection needs at `jitter` (REQUEST_BURSTS_NEEDED). */
function requestBurstsNeeded(jitter: number): number {
  return REQUEST_BURSTS_NEEDED.find(([most]) => jitter <= most)![1];
}
/**
 * How often times at random keep a schedule (scheduleChance): fitted to 3.7 million series of 4 to
 * 40 times drawn at random over an hour, of which 0.07 % kept one by the rules above. A schedule
 * of r bursts within ±j is given CHANCE_SCALE · (2j/e)^(CHANCE_EXPONENT · (r − 1)): each burst on
 * time is a draw that lands within ±j of its beat, and the rules' choices (missed beats, the
 * 10th–90th percentiles of many intervals, bursts or single events) leave about 0.4 of a draw
 * per interval. Of the random series, those given a chance of x or less (1e-6 to 1e-4) were
 * 0.3x to 0.7x of them: the estimate is on the side of chance. A timer's jitter is its clock's,
 * floored at CHANCE_JITTER_FLOOR: a stamp to the microsecond is no better evidence than one to
 * a tenth of a per cent of the period.
 */
const CHANCE_SCALE = 0.1;
const CHANCE_EXPONENT = 0.4;
const CHANCE_JITTER_FLOOR = 0.001;
/**
 * How much chance a run's schedules may owe (ChanceGate). The rules alone let RULES_CHANCE of
 * random series through (the series above): a capture of a few hosts judges tens of series and
 * keeps every schedule the rules find. A network of thousands of hosts judges thousands, where
 * the rules alone would give it several, and its schedules are weighed by their own chance as a
 * statistician weighs many tests at once (Benjamini and Hochberg): sorted by chance, the k-th
 * stands while its chance is at most k · CHANCE_PER_RUN / series. Random series alone then give
 * a schedule in one run in ten; thousands of hosts polling one server on a loose schedule still
 * stand together, each as likely as the next to be chance, and all of them not.
 */
const CHANCE_PER_RUN = 0.1;
const RULES_CHANCE = 7e-4;
/** Events a series needs for its schedule to be judged, and counted as judged (the fewest a schedule is found in). */
export const CHANCE_MIN_EVENTS = 4;

/**
 * How often a series of times at random keeps a schedule of `repetitions` bursts within
 * ±`jitter`, `ticks` of it the clock's own (clockTicks): one in 1/chance series judged. To two
 * significant figures, as Schedule.chance says it: the run's bound (chanceGate) is one of them,
 * and the schedule that sets it must stand when it is judged again.
 */
export function scheduleChance(repetitions: number, jitter: number, ticks = 0): number {
  const spread = Math.max(CHANCE_JITTER_FLOOR, jitter - ticks);
  return Number(Math.min(1, CHANCE_SCALE * ((2 * spread) / Math.E) ** (CHANCE_EXPONENT * (repetitions - 1))).toPrecision(2));
}

/**
 * The chance a schedule may have in a run of `series` judged whose schedules found have
 * `chances` (CHANCE_PER_RUN), or null when every schedule the rules find may stand: too few
 * series for the rules to let chance through (RULES_CHANCE).
 */
export function chanceGate(series: number, chances: readonly number[]): ChanceGate | null {
  if (series * RULES_CHANCE <= CHANCE_PER_RUN) return null;
  const sorted = [...chances].sort((a, b) => a - b);
  let bound = 0;
  for (let k = 1; k <= sorted.length; k++) if (sorted[k - 1]! <= (k * CHANCE_PER_RUN) / series) bound = sorted[k - 1]!;
  return { series, bound };
}

/** What a run allows chance: the series it judged, and the most chance a schedule kept may have. */
export interface ChanceGate {
  series: number;
  bound: number;
}

/**
 * The share of a connection's requests that must ask for what another of them asked for
 * (request-keys.ts) for their schedule to be a beacon's: a beacon asks for its check-in again and
 * again, or a few paths in turn; a client fetching distinct files back to back on one keep-alive
 * connection (six revocation lists, one every 4.6 s) is as regular, and asks for each once.
 */
const MIN_REPEATED_SHARE = 0.5;
/** Source port steps that still count as "rising by one": other software takes ports in between. */
const MAX_PORT_STEP = 16;
const SEQUENTIAL_FRACTION = 0.6;
/** Bursts alike in shape: sizes within this ratio (or one attempt), rates within RATE_AGREEMENT. */
const SIZE_AGREEMENT = 1.5;
const RATE_AGREEMENT = 0.35;
/** Bursts at which a jitter-free schedule counts as confirmed (confidence 0.9). */
export const CONFIRMING_BURSTS = 8;

export function emptySchedule(evidence: string, bursts = 0): Schedule {
  return {
    periodic: false,
    periodSeconds: null,
    jitter: null,
    burstSize: null,
    burstRate: null,
    bursts,
    sequentialPorts: false,
    score: 0,
    cycleSeconds: null,
    evidence,
    basis: null,
    attempts: 0,
    repetitions: 0,
    confidence: 0,
  };
}

/**
 * The lowest natural break in a list of gaps: the smallest gap that is at least BREAK_RATIO
 * times the typical (median) gap below it and a clear jump (×2) from its neighbour, where the
 * gaps above are the minority (burst separators are rarer than the gaps inside bursts).
 * Returns the threshold (geometric mean of the two sides) or null. Gaps below `resolution` (the
 * clock's tick) are not told apart: with one-second time stamps 0 and 1 s are the same spacing.
 */
export function naturalBreak(gaps: readonly number[], resolution = 1e-3, sorted: Float64Array = sortedValues(gaps)): number | null {
  const m = gaps.length;
  for (let k = (m - 1) >> 1; k < m - 1; k++) {
    const lower = Math.max(sorted[k]!, resolution);
    const typical = Math.max(sorted[k >> 1]!, resolution);
    const upper = sorted[k + 1]!;
    if (upper / typical >= BREAK_RATIO && upper / lower >= 2) return Math.sqrt(lower * upper);
  }
  return null;
}

/**
 * Two levels of gaps that are each as tight as a timer: each level's range within ±LEVEL_SPREAD
 * of its middle (widened by two ticks of the clock, which can shift a gap by one each way).
 */
const LEVEL_SPREAD = 0.15;

/**
 * A break between two tight levels of gaps, for schedules whose tries inside a burst come closer
 * than BREAK_RATIO to the pause (three tries 3 s apart, then 10 s quiet: gaps 3, 3, 10, 3, 3, 10).
 * naturalBreak cannot tell such a jump from the spread of random gaps; this tells it by what
 * random gaps never show together: every gap in one of two tight levels (see LEVEL_SPREAD) a
 * clear jump (×2) apart, the upper level half the gaps or fewer, and three or more upper gaps
 * recurring after the same number of gaps every time, so every burst between them has the same
 * number of events. Uniform or exponential gaps have no such jump with tight levels on both sides,
 * and a beacon that misses a beat now and then has its doubled gaps at no fixed count. `gaps` in
 * order of time; returns the threshold (geometric mean of the two levels' facing ends) or null.
 */
export function twoLevelBreak(gaps: readonly number[], resolution = 1e-3, sorted: Float64Array = sortedValues(gaps)): number | null {
  const m = gaps.length;
  const tight = (lo: number, hi: number): boolean => Math.max(0, hi - lo - 2 * resolution) <= LEVEL_SPREAD * (hi + lo);
  for (let k = (m >> 1) - 1; k < m - 3; k++) {
    const lower = Math.max(sorted[k]!, resolution);
    const upper = sorted[k + 1]!;
    if (upper / lower < 2) continue;
    if (!tight(sorted[0]!, sorted[k]!) || !tight(upper, sorted[m - 1]!)) return null;
    const threshold = Math.sqrt(lower * upper);
    let previous = -1;
    let every = -1;
    for (let i = 0; i < gaps.length; i++) {
      if (gaps[i]! <= threshold) continue;
      if (previous >= 0) {
        if (every >= 0 && i - previous !== every) return null;
        every = i - previous;
      }
      previous = i;
    }
    return threshold;
  }
  return null;
}

/** Whether source ports rise by small steps across consecutive attempts. */
export function sequentialPorts(ports: readonly number[]): { sequential: boolean; fraction: number; step: number | null } {
  if (ports.length < 3) return { sequential: false, fraction: 0, step: null };
  let rising = 0;
  const steps: number[] = [];
  for (let i = 1; i < ports.length; i++) {
    const step = ports[i]! - ports[i - 1]!;
    if (step >= 1 && step <= MAX_PORT_STEP) {
      rising++;
      steps.push(step);
    }
  }
  const fraction = rising / (ports.length - 1);
  return { sequential: fraction >= SEQUENTIAL_FRACTION, fraction, step: median(steps) };
}

/**
 * The tick of a clock that wrote `t`: one second when every time is whole (firewall logs, Zeek
 * logs rounded by a spreadsheet; a capture's microsecond stamps are not, past a handful), else
 * a millisecond, below which gaps are not told apart anyway.
 */
export function clockResolution(t: readonly number[]): number {
  if (t.length < 3) return 1e-3;
  for (let i = 0; i < t.length; i++) if (t[i]! % 1 !== 0) return 1e-3;
  return 1;
}

/**
 * Bursts of sorted event times: a gap above the natural break (else the break between two tight
 * levels of gaps) starts a new burst; with neither every event is its own burst.
 */
function burstsOf(t: readonly number[], resolution: number): { starts: number[]; sizes: number[]; durations: number[] } {
  const n = t.length;
  const gaps = new Array<number>(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = t[i]! - t[i - 1]!;
  // (Sorted once for both: nothing sorts between them.)
  const sorted = sortedValues(gaps);
  const threshold = naturalBreak(gaps, resolution, sorted) ?? twoLevelBreak(gaps, resolution, sorted);
  const starts: number[] = [t[0]!];
  const sizes: number[] = [];
  const durations: number[] = [];
  let size = 1;
  let burstStart = t[0]!;
  for (let i = 1; i < n; i++) {
    if (threshold === null || gaps[i - 1]! > threshold) {
      sizes.push(size);
      durations.push(t[i - 1]! - burstStart);
      starts.push(t[i]!);
      burstStart = t[i]!;
      size = 1;
    } else {
      size++;
    }
  }
  sizes.push(size);
  durations.push(t[n - 1]! - burstStart);
  return { starts, sizes, durations };
}

/**
 * The slowest beat inside bursts that is still a burst's rate, not a schedule of its own: a retry
 * loop's tries a second or two apart. Events further apart that come in only one or two bursts
 * (a beacon every 5 min while a machine is on, seen on two days) are read one by one.
 */
const MIN_SINGLES_BEAT_SECONDS = 5;

/**
 * The slowest beat inside bursts that is still read as bursts however many there are: events a
 * minute apart or more that keep a schedule one by one, in spells with long quiet between (a
 * beacon every 5 min during office hours, seen on three days), are that beat in spells — "one
 * every 5 min, in spells that repeat every 1 d" — not "bursts of 12 every 1 d".
 */
const MIN_SPELL_BEAT_SECONDS = 60;

/** Each event a burst of its own. */
function singlesOf(t: readonly number[]): { starts: number[]; sizes: number[]; durations: number[] } {
  return { starts: [...t], sizes: t.map(() => 1), durations: t.map(() => 0) };
}

/**
 * The bursts a series is judged by: burstsOf's, unless they are too few to repeat (MIN_BURSTS)
 * while the events one by one keep a schedule of their own, slower than a burst's rate. Adding a
 * second day of a beacon that beats every 5 min during office hours must not turn "every 5 min"
 * into "two bursts, too few to call periodic".
 */
function judgedBursts(
  t: readonly number[],
  ports: readonly number[] | null,
  resolution: number,
  basis: ScheduleBasis,
): { starts: number[]; sizes: number[]; durations: number[] } {
  const bursts = burstsOf(t, resolution);
  const judged = bursts.starts.length === t.length ? bursts : singlesOrBursts(t, bursts, ports, resolution, basis);
  // Events one by one, or too few bursts to repeat: neither keeps a schedule that check-ins might.
  return judged.starts.length === t.length || judged.starts.length < MIN_BURSTS
    ? (checkIns(t, ports, resolution, basis) ?? judged)
    : judged;
}

/** judgedBursts between the bursts burstsOf found (some of several events) and the events one by one. */
function singlesOrBursts(
  t: readonly number[],
  bursts: { starts: number[]; sizes: number[]; durations: number[] },
  ports: readonly number[] | null,
  resolution: number,
  basis: ScheduleBasis,
): { starts: number[]; sizes: number[]; durations: number[] } {
  const many = bursts.starts.length >= MIN_BURSTS;
  const singles = singlesOf(t);
  const repetition = repetitionOf(singles, singles.durations, ports, 1, t.length, basis, resolution);
  if (!repetition.periodic) return bursts;
  if (!many) return repetition.period >= MIN_SINGLES_BEAT_SECONDS ? singles : bursts;
  return repetition.period >= MIN_SPELL_BEAT_SECONDS && repetition.cycleSeconds !== null ? singles : bursts;
}

/**
 * An agent's check-in opens one connection, sometimes a few more a moment later (it asks for
 * tasks, then posts their results): its connections come CHECK_IN_SECONDS or less apart, then it
 * sleeps. With most check-ins of one connection, the gaps inside the others are too few to break
 * the series into bursts (naturalBreak wants them the majority), and read one by one, their gaps
 * of a few milliseconds beside sleeps of seconds hide any schedule.
 */
const CHECK_IN_SECONDS = 1;

/**
 * The events joined into check-ins (CHECK_IN_SECONDS), when read so they keep a schedule too slow
 * for a check-in's connections to be beats of their own (MIN_SINGLES_BEAT_SECONDS), where read one
 * by one they keep none; else null. Only requests inside one connection are left as they are: a
 * keep-alive session's requests come seconds apart by nature.
 */
function checkIns(
  t: readonly number[],
  ports: readonly number[] | null,
  resolution: number,
  basis: ScheduleBasis,
): { starts: number[]; sizes: number[]; durations: number[] } | null {
  if (basis === 'requests in one connection' || resolution >= CHECK_IN_SECONDS) return null;
  const starts: number[] = [t[0]!];
  const sizes: number[] = [1];
  const durations: number[] = [0];
  for (let i = 1; i < t.length; i++) {
    if (t[i]! - t[i - 1]! <= CHECK_IN_SECONDS) {
      sizes[sizes.length - 1]!++;
      durations[durations.length - 1] = t[i]! - starts[starts.length - 1]!;
    } else {
      starts.push(t[i]!);
      sizes.push(1);
      durations.push(0);
    }
  }
  if (starts.length === t.length || starts.length < MIN_SINGLES) return null;
  const singles = singlesOf(t);
  if (repetitionOf(singles, singles.durations, ports, 1, t.length, basis, resolution).periodic) return null;
  const joined = { starts, sizes, durations };
  const repetition = repetitionOf(joined, durations, ports, Math.round(median(sizes)!), t.length, basis, resolution);
  return repetition.periodic && repetition.period >= BREAK_RATIO * CHECK_IN_SECONDS ? joined : null;
}

/**
 * The schedule of too few events to judge, one frozen object per count and basis: a scanner's
 * hundreds of thousands of one-attempt groups share a handful of them.
 */
const TOO_FEW = new Map<ScheduleBasis, Schedule[]>();

function tooFew(n: number, basis: ScheduleBasis): Schedule {
  let byCount = TOO_FEW.get(basis);
  if (byCount === undefined) TOO_FEW.set(basis, (byCount = []));
  let schedule = byCount[n];
  if (schedule === undefined) {
    schedule = Object.freeze({
      ...emptySchedule(`only ${plural(n, eventNoun(basis))}: too few to judge a schedule`, n),
      basis,
      attempts: n,
    });
    byCount[n] = schedule;
  }
  return schedule;
}

/** Event times in order, with their source ports along (sorted stably only when they are not). */
function inOrder(
  times: readonly number[],
  sourcePorts: readonly number[] | null,
): { t: readonly number[]; ports: readonly number[] | null } {
  // Callers mostly pass times in order already.
  for (let i = 1; i < times.length; i++) {
    if (times[i]! < times[i - 1]!) {
      const order = Array.from(times.keys()).sort((a, b) => times[a]! - times[b]!);
      return { t: order.map((k) => times[k]!), ports: sourcePorts === null ? null : order.map((k) => sourcePorts[k]!) };
    }
  }
  return { t: times, ports: sourcePorts };
}

/** Burst durations as judged: a burst inside one tick of the clock lasted up to that tick, not zero. */
function judgedDurations(durations: number[], resolution: number): number[] {
  return resolution >= 1 ? durations.map((d) => Math.max(d, resolution)) : durations;
}

/** How the bursts of a series repeat, and whether that makes a schedule (analyzeSchedule words it). */
interface Repetition {
  /** The intervals between burst starts, those between burst trains left out (cycleSeconds). */
  periodIntervals: number[];
  period: number;
  jitter: number;
  cycleSeconds: number | null;
  /** Too few repetitions whatever their spacing. */
  few: boolean;
  /** Bursts that differ in shape, too few to be judged as single events are. */
  unlike: boolean;
  /** Bursts that agree in shape (burstsAlike). */
  alike: boolean;
  irregular: boolean;
  /** Requests inside one connection, too few or too fast for a beacon. */
  fewRequests: boolean;
  /** The jitter the clock's resolution alone makes at this period (clockTicks). */
  ticks: number;
  /** Periodic by a wide jitter spread evenly (MAX_JITTER_WIDE): its shortest and longest interval; else null. */
  spread: { shortest: number; longest: number } | null;
  periodic: boolean;
}

/** The repetition of at least MIN_BURSTS bursts of a series of `n` events. */
function repetitionOf(
  bursts: { starts: readonly number[]; sizes: readonly number[] },
  durations: readonly number[],
  ports: readonly number[] | null,
  burstSize: number,
  n: number,
  basis: ScheduleBasis,
  resolution: number,
): Repetition {
  const { starts, sizes } = bursts;
  // A longer cycle: burst trains separated by long quiet gaps.
  const intervals: number[] = [];
  for (let i = 1; i < starts.length; i++) intervals.push(starts[i]! - starts[i - 1]!);
  let periodIntervals = intervals;
  let cycleSeconds: number | null = null;
  // A long series sorted once for every pass below that reads it sorted.
  const sortedIntervals = keptSorted(intervals);
  const cycleBreak = naturalBreak(intervals, undefined, sortedIntervals);
  if (cycleBreak !== null) {
    const inside = intervals.filter((x) => x <= cycleBreak);
    if (inside.length >= 2) {
      periodIntervals = inside;
      const trainStarts = [starts[0]!];
      for (let i = 1; i < starts.length; i++) if (intervals[i - 1]! > cycleBreak) trainStarts.push(starts[i]!);
      if (trainStarts.length >= 3) {
        const trainGaps: number[] = [];
        for (let i = 1; i < trainStarts.length; i++) trainGaps.push(trainStarts[i]! - trainStarts[i - 1]!);
        cycleSeconds = round(median(trainGaps)!, 3);
      }
    }
  }

  // Beats missed here and there: the period and its jitter from the beats as they were due.
  const sortedPeriod = periodIntervals === intervals ? sortedIntervals : undefined;
  const beats =
    basis === 'requests in one connection' ? periodIntervals : withMissedBeats(periodIntervals, median(periodIntervals, sortedPeriod)!);
  const sortedBeats = beats === periodIntervals ? sortedPeriod : undefined;
  const period = median(beats, sortedBeats)!;
  const jitter = period > 0 ? relativeJitter(beats, period, sortedBeats) : 1;
  const k = periodIntervals.length;
  const alike = burstSize > 1 && k >= MIN_BURSTS - 1 && burstsAlike(sizes, durations, ports);
  // Too few repetitions whatever their spacing.
  const ticks = clockTicks(resolution, period);
  const few =
    burstSize > 1
      ? k < MIN_BURSTS - 1 || (k < MIN_BURSTS && !alike) || (alike && k < FEW_BURSTS && jitter > FEW_BURSTS_JITTER + ticks)
      : k < MIN_SINGLES - 1 && !(k >= MIN_SINGLES_TIGHT - 1 && jitter <= tightJitter(k, ticks));
  // Bursts that differ in shape are judged as single events are.
  const unlike = !few && burstSize > 1 && !alike && k < MIN_SINGLES - 1 && jitter > tightJitter(k, ticks);
  const enough = !few && !unlike;
  const irregular = jitter > allowedJitter(k);
  // Page loads on one keep-alive connection come seconds apart: a beacon inside one connection
  // needs more repetitions and a slower beat.
  const fewRequests =
    basis === 'requests in one connection' &&
    (n < MIN_REQUESTS || period < MIN_REQUEST_PERIOD_SECONDS || starts.length < requestBurstsNeeded(jitter));
  // A randomised sleep wider than allowedJitter, from enough single events (see MAX_JITTER_WIDE).
  const spread =
    enough && irregular && burstSize <= 1 && basis !== 'requests in one connection' && k >= WIDE_INTERVALS && jitter <= MAX_JITTER_WIDE
      ? evenSpread(sortedBeats ?? sortedValues(beats), k)
      : null;
  const periodic = enough && (!irregular || spread !== null) && period >= MIN_PERIOD_SECONDS && !fewRequests;
  return { periodIntervals, period, jitter, cycleSeconds, few, unlike, alike, irregular, fewRequests, ticks, spread, periodic };
}

/**
 * Whether the schedule of a series of event times is periodic — `analyzeSchedule(...).periodic`,
 * without the rest of the schedule or its words: a host that is only counted needs no more of
 * its groups' schedules, and on a busy network they are tens of thousands.
 */
export function schedulePeriodic(
  times: readonly number[],
  sourcePorts: readonly number[] | null,
  basis: ScheduleBasis,
  requestKeys?: readonly number[],
  gate: ChanceGate | null = null,
): boolean {
  const n = times.length;
  // Fewer events than any schedule needs (MIN_BURSTS; requests inside one connection MIN_REQUESTS).
  if (n < MIN_BURSTS || (basis === 'requests in one connection' && n < MIN_REQUESTS)) return false;
  if (repeatedShort(basis, requestKeys) !== null) return false;
  const { t, ports } = inOrder(times, sourcePorts);
  const resolution = clockResolution(t);
  const bursts = judgedBursts(t, ports, resolution, basis);
  if (bursts.starts.length < MIN_BURSTS) return false;
  const durations = judgedDurations(bursts.durations, resolution);
  const repetition = repetitionOf(bursts, durations, ports, Math.round(median(bursts.sizes)!), n, basis, resolution);
  return repetition.periodic && !beyondChance(repetitionChance(repetition), gate);
}

/**
 * scheduleChance of the schedule the rules found: of bursts in spells (cycleSeconds), the
 * repetitions are the beats inside them — the gaps between spells keep no beat.
 */
function repetitionChance(r: Repetition): number {
  return scheduleChance(r.periodIntervals.length + 1, r.jitter, r.ticks);
}

/** A schedule the rules found whose `chance` is more than a run judging as many series allows (ChanceGate). */
function beyondChance(chance: number, gate: ChanceGate | null): boolean {
  return gate !== null && chance > gate.bound;
}

/**
 * Requests inside one connection that ask for something new too often to be a beacon's
 * (MIN_REPEATED_SHARE): how many of them asked for what another asked; null when enough did, or
 * when what they asked for is not known (`requestKeys` absent: a UDP flow's bursts, a log that
 * does not say).
 */
function repeatedShort(basis: ScheduleBasis, requestKeys: readonly number[] | undefined): number | null {
  if (basis !== 'requests in one connection' || requestKeys === undefined || requestKeys.length === 0) return null;
  const repeated = repeatedRequests(requestKeys);
  return repeated >= MIN_REPEATED_SHARE * requestKeys.length ? null : repeated;
}

/**
 * Schedule of one series of event times (seconds, any order); `sourcePorts` parallel to
 * `times` when the events are connection attempts, `requestKeys` (in any order) what each
 * request asked for when they are requests inside one connection.
 */
export function analyzeSchedule(
  times: readonly number[],
  sourcePorts: readonly number[] | null,
  basis: ScheduleBasis,
  requestKeys?: readonly number[],
  /** What the run allows chance (chanceGate); null keeps every schedule the rules find. */
  gate: ChanceGate | null = null,
): Schedule {
  const n = times.length;
  if (n < MIN_BURSTS) return tooFew(n, basis);
  const { t, ports } = inOrder(times, sourcePorts);
  const resolution = clockResolution(t);
  const bursts0 = judgedBursts(t, ports, resolution, basis);
  const { starts, sizes } = bursts0;
  const durations = judgedDurations(bursts0.durations, resolution);

  const burstSize = Math.round(median(sizes)!);
  const rates: number[] = [];
  for (let i = 0; i < sizes.length; i++) if (sizes[i]! >= 2 && durations[i]! > 0) rates.push((sizes[i]! - 1) / durations[i]!);
  // The quiet between bursts: from one burst's last event to the next one's first.
  const pauses: number[] = [];
  for (let i = 1; i < starts.length; i++) pauses.push(starts[i]! - (starts[i - 1]! + bursts0.durations[i - 1]!));
  const pause = median(pauses);
  const burstRate = median(rates);
  const portRun = ports === null ? null : sequentialPorts(ports);

  const base: Schedule = {
    ...emptySchedule('', starts.length),
    burstSize,
    burstRate: burstRate === null ? null : round(burstRate, 3),
    sequentialPorts: portRun?.sequential ?? false,
    basis,
    attempts: n,
  };
  if (pause !== null && burstSize > 1) base.pauseSeconds = round(pause, 3);
  // Bursts with no schedule are said as they came: their sizes and the spells they came in.
  const loose: Schedule = burstSize > 1 ? { ...base, ...burstsShape(sizes, pauses, burstsAtOnce(base)) } : base;
  const portEvidence = portRun?.sequential
    ? `, ${portWords(true)}: rising by ${portRun.step !== null && portRun.step <= 1.5 ? 'one' : `~${decimal(portRun.step ?? 1, 1)}`} across ${percent(portRun.fraction)} of consecutive attempts`
    : '';
  const bursts = burstWords(loose);
  if (starts.length < MIN_BURSTS) {
    const apart = loose.pauseSeconds !== undefined ? ` ${pauseWords(loose.pauseSeconds)}${spellWords(loose)}` : '';
    return {
      ...loose,
      evidence: flat(`${bursts}, only ${plural(starts.length, 'burst')}${apart}: too few repetitions to call it periodic${portEvidence}`),
    };
  }

  const repetition = repetitionOf(bursts0, durations, ports, burstSize, n, basis, resolution);
  const { periodIntervals, period, jitter, cycleSeconds, few, unlike, alike, irregular, fewRequests, spread, periodic: timed } = repetition;
  const repeated = timed ? repeatedShort(basis, requestKeys) : null;
  // A schedule the rules found, and how often chance makes one as tight: past the run's bound, chance's.
  const chance = timed && repeated === null ? repetitionChance(repetition) : null;
  const byChance = chance !== null && beyondChance(chance, gate);
  const periodic = timed && repeated === null && !byChance;
  const k = periodIntervals.length;
  const sizeSpread = burstSize > 0 ? mad(sizes)! / burstSize : 1;
  // Regularity against the jitter this many intervals may have: a jitter at the limit halves it.
  const regularity = Math.max(0, 1 - jitter / (2 * allowedJitter(k)));
  const support = Math.min(1, k / 6);
  const score = round(regularity * (0.4 + 0.6 * support) * (0.8 + 0.2 * Math.max(0, 1 - sizeSpread)), 3);
  const repetitions = periodic ? starts.length : 0;
  const wide = periodic && irregular && spread !== null;
  const confidence = periodic ? scheduleConfidence(repetitions, jitter, wide) : 0;
  const measured: Schedule = {
    ...(periodic ? base : loose),
    periodic,
    periodSeconds: round(period, 3),
    jitter: round(jitter, 3),
    score,
    cycleSeconds,
    repetitions,
    confidence,
  };
  if (chance !== null) measured.chance = chance;
  if (wide) {
    measured.shortestSeconds = round(spread.shortest, 3);
    measured.longestSeconds = round(spread.longest, 3);
  }
  const cycle = cycleSeconds !== null ? `, ${cycleWords(cycleSeconds, burstSize)}` : '';
  // Check-ins of one connection or a few more (checkIns): how many there were in all.
  const checkInEvents = burstSize <= 1 && n > starts.length ? ` (${plural(n, eventNoun(basis))})` : '';
  // The schedule the rules found, kept or not (byChance).
  const shape = shapeWords(periodic ? measured : { ...base, periodic: true, periodSeconds: round(period, 3) });
  const found = `${shape} (${jitterWords(jitter)}) over ${plural(starts.length, 'burst')}${checkInEvents}${cycle}`;
  const evidence = periodic
    ? `${found}${portEvidence}`
    : byChance
      ? `${found}, ${chanceWords(chance, gate!.series)}${portEvidence}`
      : repeated !== null
        ? `${bursts} ${periodWords(period)} (${jitterWords(jitter)}) over ${plural(starts.length, 'burst')}, but ${newRequestWords(repeated, requestKeys!.length)}: ` +
          'one download after another, not a check-in that asks again'
        : period < MIN_PERIOD_SECONDS && jitter <= MAX_JITTER_FEW
          ? `${bursts} ${periodWords(period)}: a steady rate, not a schedule${portEvidence}`
          : few || (!irregular && (unlike || fewRequests))
            ? `${bursts}, ${plural(starts.length, 'burst')} ${burstSize > 1 && !alike && (few || unlike) ? 'that differ in shape' : fewRequests && !few ? 'too few inside one connection to tell a schedule from chance' : 'too few to tell a schedule from chance'} ` +
              `(median ${duration(period)} apart, ${jitterWords(jitter)})${portEvidence}`
            : `${bursts}, ${plural(starts.length, 'burst')} with irregular spacing (median ${duration(period)}, ${jitterWords(jitter)})${portEvidence}`;
  return { ...measured, evidence: flat(evidence) };
}

/**
 * A pause between bursts this many times their median pause, and MIN_SINGLES_BEAT_SECONDS at
 * least, parts spells of bursts: a browser's connections at once, retried 50 ms later, and the
 * page loaded again a minute after — no "pause of 61 ms" describes that minute.
 */
const SPELL_PAUSE_RATIO = 10;

/**
 * The shape of bursts that keep no schedule (Schedule.smallestBurst, largestBurst, spells,
 * spellPauseSeconds), from their sizes and the pauses between them; with spells, `pauseSeconds`
 * is the median pause within them. Their sizes are told apart only for bursts of events `atOnce`
 * (connections opened together): a retry loop's bursts at a rate have the capture's first and
 * last cut short, and their median says them.
 */
function burstsShape(sizes: readonly number[], pauses: readonly number[], atOnce: boolean): Partial<Schedule> {
  const shape: Partial<Schedule> = {};
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  if (atOnce && smallest !== largest) {
    shape.smallestBurst = smallest;
    shape.largestBurst = largest;
  }
  const typical = median(pauses);
  if (typical === null) return shape;
  const long = (p: number): boolean => p >= MIN_SINGLES_BEAT_SECONDS && p >= SPELL_PAUSE_RATIO * typical;
  const between = pauses.filter(long);
  if (between.length === 0 || between.length === pauses.length) return shape;
  shape.spells = between.length + 1;
  shape.spellPauseSeconds = round(median(between)!, 3);
  shape.pauseSeconds = round(median(pauses.filter((p) => !long(p)))!, 3);
  return shape;
}

/**
 * A beat counts as on time within this share of the period; a schedule whose intervals are mostly
 * on time (MISSED_BEATS_ON_TIME), as tight as a timer's, has those that span two to
 * MAX_MISSED_BEATS beats, each within it, read as beats missed (a host asleep, a sensor's lost
 * packets, a log file missing). Random arrivals have about one interval in ten on time. Requests
 * inside one connection are left as they are: an interactive session's are loose by nature.
 */
const BEAT_TOLERANCE = 0.15;
const MISSED_BEATS_ON_TIME = 0.6;
const MAX_MISSED_BEATS = 8;
/** The jitter of the beats on time, at most, for beats missed to be read between them. */
const TIMER_JITTER = 0.12;

/** The intervals with each that spans k whole beats of `period` read as k beats of its k-th part. */
function withMissedBeats(intervals: readonly number[], period: number): readonly number[] {
  if (period <= 0) return intervals;
  const isOnTime = (x: number): boolean => Math.abs(x - period) <= BEAT_TOLERANCE * period;
  let onTime = 0;
  for (const x of intervals) if (isOnTime(x)) onTime++;
  // Enough beats on time to stand for the schedule (FEW_INTERVALS): a back-off that doubles its
  // wait each time is multiples of its first waits too. (Counted first: most schedules have every
  // beat on time, or too few, and are left as they are without a list made.)
  if (onTime < FEW_INTERVALS || onTime < MISSED_BEATS_ON_TIME * intervals.length || onTime === intervals.length) return intervals;
  // And as tight as a timer's (TIMER_JITTER): a person's pauses, loosely spread, have some near
  // twice the usual by chance.
  if (relativeJitter(intervals.filter(isOnTime), period) > TIMER_JITTER) return intervals;
  return intervals.map((x) => {
    const k = Math.round(x / period);
    return k >= 2 && k <= MAX_MISSED_BEATS && Math.abs(x / k - period) <= BEAT_TOLERANCE * period ? x / k : x;
  });
}

/** The jitter a schedule of `intervals` intervals may have and still be called periodic. */
function allowedJitter(intervals: number): number {
  if (intervals <= FEW_INTERVALS) return MAX_JITTER_FEW;
  if (intervals >= MANY_INTERVALS) return MAX_JITTER_MANY;
  const step = (MAX_JITTER_MANY - 0.3) / (MANY_INTERVALS - FEW_INTERVALS);
  return 0.3 + step * (intervals - FEW_INTERVALS);
}

/** Half-width of the intervals' spread relative to the period (see MAX_JITTER_FEW). */
function relativeJitter(intervals: readonly number[], period: number, sorted: Float64Array = sortedValues(intervals)): number {
  const k = intervals.length;
  if (k <= FEW_INTERVALS) return (sorted[k - 1]! - sorted[0]!) / (sorted[k - 1]! + sorted[0]!);
  // The 10th to 90th percentile covers 80 % of a uniform spread.
  return (quantile(sorted, k, 0.9) - quantile(sorted, k, 0.1)) / 2 / 0.8 / period;
}

/**
 * Whether `k` sorted intervals spread evenly between two bounds, as a randomised sleep does (see
 * MAX_JITTER_WIDE): those between the 10th and 90th percentiles rise in step with their share
 * (EVEN_SPREAD_STRAY), and few lie beyond the bounds that spread implies (EVEN_SPREAD_BEYOND).
 * Returns the shortest and longest interval inside those bounds, or null.
 */
function evenSpread(sorted: Float64Array, k: number): { shortest: number; longest: number } | null {
  const q10 = quantile(sorted, k, 0.1);
  const q90 = quantile(sorted, k, 0.9);
  const width = q90 - q10;
  if (width <= 0) return null;
  // An even spread has a tenth of its intervals on either side of the 10th–90th percentiles, an
  // eighth of their width deep.
  const slack = 0.125 + EVEN_SPREAD_SLACK / Math.sqrt(k);
  const low = q10 - width * slack;
  const high = q90 + width * slack;
  let stray = 0;
  let beyond = 0;
  let shortest = Infinity;
  let longest = -Infinity;
  for (let i = 0; i < k; i++) {
    const x = sorted[i]!;
    if (x < low || x > high) {
      beyond++;
      continue;
    }
    shortest = Math.min(shortest, x);
    longest = Math.max(longest, x);
    if (x >= q10 && x <= q90) stray = Math.max(stray, Math.abs(i / (k - 1) - (0.1 + (0.8 * (x - q10)) / width)));
  }
  if (beyond > EVEN_SPREAD_BEYOND * k || stray > EVEN_SPREAD_STRAY / Math.sqrt(k)) return null;
  return { shortest, longest };
}

/** The `p` quantile of the first `n` values of `sorted`. */
function quantile(sorted: Float64Array, n: number, p: number): number {
  const i = p * (n - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/**
 * Whether bursts agree in shape, as an analyst checks three bursts of a short capture: sizes
 * within SIZE_AGREEMENT (or one attempt apart), rates within RATE_AGREEMENT, and, where ports are
 * known, each burst's ports stepping the same way.
 */
function burstsAlike(sizes: readonly number[], durations: readonly number[], ports: readonly number[] | null): boolean {
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  if (small < 2 || (large - small > 1 && large / small > SIZE_AGREEMENT)) return false;
  const rates = sizes.map((size, i) => (durations[i]! > 0 ? (size - 1) / durations[i]! : Infinity));
  const rateMedian = median(rates.filter(Number.isFinite));
  if (rateMedian === null || rates.some((r) => !Number.isFinite(r) || Math.abs(r - rateMedian) > RATE_AGREEMENT * rateMedian)) return false;
  if (ports === null) return true;
  let at = 0;
  let sequentialBursts = 0;
  for (const size of sizes) {
    if (sequentialPorts(ports.slice(at, at + size)).sequential) sequentialBursts++;
    at += size;
  }
  return sequentialBursts === 0 || sequentialBursts === sizes.length;
}

/**
 * How sure a schedule told from chance by the even spread of a wide jitter (MAX_JITTER_WIDE) is,
 * as a share of one as loose that keeps within allowedJitter: a spread that wide is told from a
 * person's think times by its shape alone.
 */
const WIDE_CONFIDENCE = 0.75;

/**
 * How sure a periodic schedule is, 0–1: repetitions (three bursts 0.5, five 0.75, eight 0.9)
 * times the regularity (±25 % jitter takes off 40 %), less for a `wide` jitter (WIDE_CONFIDENCE).
 */
export function scheduleConfidence(repetitions: number, jitter: number, wide = false): number {
  const seen = 1 - 0.5 ** ((repetitions - 1) / 2);
  const regular = 1 - 0.4 * Math.min(1, jitter / 0.25);
  return round(seen * regular * (wide ? WIDE_CONFIDENCE : 1), 2);
}

/** The schedule that says most: periodic first, then by score, then by attempts. */
export function bestSchedule(schedules: readonly Schedule[]): Schedule {
  let best: Schedule | null = null;
  for (const s of schedules) {
    if (
      best === null ||
      (s.periodic && !best.periodic) ||
      (s.periodic === best.periodic && (s.score > best.score || (s.score === best.score && s.attempts > best.attempts)))
    )
      best = s;
  }
  return best ?? emptySchedule('no attempts');
}
