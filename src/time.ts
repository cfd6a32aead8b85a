/**
 * Capture times as text and numbers, for every output: the JSON contract's ISO strings, the
 * CSV and table cells, Zeek's header times, chart axes. A time stamp is data read from a file,
 * so it can be anything a 64-bit field and an offset make; the only place a `Date` is made is
 * here, and only for a time in the range a capture can mean. Any other time is said in words
 * (`outOfRangeTime`) by every function of this file, never thrown.
 *
 * Every stage may import this file; it imports only quantities.ts.
 */
import { count } from './quantities.js';

/** 1970-01-01T00:00:00Z: the epoch every capture format counts from. */
export const EARLIEST_CAPTURE_TIME = 0;
/** 2200-01-01T00:00:00Z: later than any clock that wrote a capture (pcap's 32-bit seconds end in 2106). */
export const LATEST_CAPTURE_TIME = 7_258_118_400;

/**
 * How a log's summary says its times count from the kernel's start (dmesg without -T), read back
 * by the reports (`times …` in CaptureSummary.formatDetail): no date, no zone.
 */
export const SINCE_BOOT = 'in seconds since the kernel booted (dmesg without -T), not dates';

/** Whether a log's summary says its times count from the kernel's start (SINCE_BOOT). */
export const timedSinceBoot = (formatDetail: string): boolean => formatDetail.includes(`times ${SINCE_BOOT}`);

/**
 * Where a report's times count from: the epoch (dates), or the kernel's start — every input a
 * dmesg without -T, whose times are seconds since boot and no dates at all.
 */
export type Clock = 'date' | 'boot';

/**
 * A time counted from the kernel's start as dmesg writes it, to the millisecond and without
 * thousands separators (an analyst greps the log for it): "240 s after boot", "86412.5 s after boot".
 */
export function bootTime(ts: number): string {
  return `${bootSeconds(ts)} s after boot`;
}

/** "240", "86412.5": seconds since boot to the millisecond, as a number dmesg's own would match. */
export function bootSeconds(ts: number): string {
  if (!Number.isFinite(ts)) return fromEpoch(ts);
  return String(Math.round(ts * 1000) / 1000);
}

/** The years of that range, for messages. */
export const CAPTURE_TIME_RANGE = '1970–2200';

/** True for a time (epoch seconds) a capture can mean; false for NaN, ±Infinity, before 1970, from 2200 on. */
export function isCaptureTime(ts: number): boolean {
  return ts >= EARLIEST_CAPTURE_TIME && ts < LATEST_CAPTURE_TIME;
}

/**
 * A time outside that range in words, safe in any cell (it cannot start a spreadsheet formula):
 * "time out of range (18,446,744,073,709,552,000 s after 1970-01-01)".
 */
export function outOfRangeTime(ts: number): string {
  return `time out of range (${fromEpoch(ts)})`;
}

/** "18,446,744,073,709,552,000 s after 1970-01-01", "5 s before 1970-01-01", "not a number". */
export function fromEpoch(ts: number): string {
  if (Number.isNaN(ts)) return 'not a number';
  return ts < 0 ? `${count(-ts)} s before 1970-01-01` : `${count(ts)} s after 1970-01-01`;
}

/** The one conversion to calendar time; callers have checked `isCaptureTime`. */
function isoOf(wholeSeconds: number): string {
  return new Date(wholeSeconds * 1000).toISOString();
}

/**
 * Whole seconds and microseconds, the microseconds rounded as Zeek keeps them and carried
 * into the seconds when they round up to a whole one.
 */
function splitMicros(ts: number): { secs: number; micros: number } {
  const whole = Math.floor(ts);
  let micros = Math.round((ts - whole) * 1e6);
  let secs = whole;
  if (micros >= 1e6) {
    secs += 1;
    micros -= 1e6;
  }
  return { secs, micros };
}

/** "2006-11-17T13:12:50.123Z" (milliseconds, as `Date.toISOString`): the JSON contract's start/end. */
export function isoMillis(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  // As Date does: the milliseconds cut, not rounded. The date's text is kept and the time of day
  // written from its numbers: a day's log has millions of destination groups, each with its first
  // and last time, at tens of thousands of different seconds.
  const ms = Math.trunc(ts * 1000);
  const day = Math.floor(ms / DAY_MS);
  const date = isoDateOfDay(day);
  const inDay = ms - day * DAY_MS;
  const second = Math.floor(inDay / 1000);
  const rest = inDay - second * 1000;
  const minute = Math.floor(second / 60);
  return `${date}${TWO_DIGITS[Math.floor(minute / 60)]}:${TWO_DIGITS[minute % 60]}:${TWO_DIGITS[second % 60]}.${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}Z`;
}

/**
 * "2006-11-17T": the date of day `day` (whole days since 1970-01-01, in the capture range) as an
 * ISO time begins, kept for recent days — the times a log or a capture writes come from a few.
 */
export function isoDateOfDay(day: number): string {
  const slot = day & (DAY_SLOTS - 1);
  let date = dayTexts[slot];
  if (date === undefined || dayKeys[slot] !== day) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayKeys[slot] = day;
    dayTexts[slot] = date;
  }
  return date;
}

const DAY_MS = 86_400_000;
/** The texts of recent dates, direct-mapped by the day. */
const DAY_SLOTS = 64;
const dayKeys = new Float64Array(DAY_SLOTS);
const dayTexts: (string | undefined)[] = new Array<string | undefined>(DAY_SLOTS).fill(undefined);
/** "00" to "59". */
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/** "2006-11-17T13:12:50.123456Z" (microseconds, as Zeek keeps them). */
export function isoMicros(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  const { secs, micros } = splitMicros(ts);
  return `${isoOf(secs).slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

/** "2006-11-17T13:12:50Z" (whole seconds, cut, not rounded). */
export function isoSeconds(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  return `${isoOf(Math.floor(ts)).slice(0, 19)}Z`;
}

/** "13:12:50" (UTC, whole seconds cut). */
export function timeOfDay(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  return isoOf(Math.floor(ts)).slice(11, 19);
}

/** Zeek's log header time (`%Y-%m-%d-%H-%M-%S`, UTC): "2006-11-17-13-12-50". */
export function zeekLogTime(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  return isoOf(Math.floor(ts)).slice(0, 19).replace(/[T:]/g, '-');
}

/** An HTTP Date header (RFC 9110 §5.6.7 IMF-fixdate): "Fri, 17 Nov 2006 13:12:50 GMT". */
export function httpDate(ts: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  return new Date(Math.floor(ts) * 1000).toUTCString();
}

/**
 * A label for a tick on an axis of time since the kernel booted: "1:05:30" (hours, minutes,
 * seconds) below a minute's step, "1:05" below a day's, "2 d 03:00" when the axis spans days.
 */
export function axisBootLabel(ts: number, step: number, span: number): string {
  if (!Number.isFinite(ts)) return fromEpoch(ts);
  const whole = Math.floor(Math.max(0, ts));
  const days = Math.floor(whole / 86400);
  const hours = Math.floor((whole % 86400) / 3600);
  const minutes = TWO_DIGITS[Math.floor((whole % 3600) / 60)]!;
  const seconds = step < 60 ? `:${TWO_DIGITS[whole % 60]!}` : '';
  if (span >= 86400) return `${days} d ${TWO_DIGITS[hours]!}:${minutes}${seconds}`;
  return `${days * 24 + hours}:${minutes}${seconds}`;
}

/**
 * A label for a tick on a UTC time axis at `step` seconds: "13:12:50" below a minute's step,
 * "13:12" below a day's, with the date ("11-17 13:12") when the axis spans days, and the year
 * ("2006-11-17") when it spans more than a year.
 */
export function axisTimeLabel(ts: number, step: number, span: number): string {
  if (!isCaptureTime(ts)) return outOfRangeTime(ts);
  const iso = isoOf(Math.floor(ts));
  if (span >= 366 * 86400) return iso.slice(0, 10);
  const clock = step < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
  return span >= 86400 ? `${iso.slice(5, 10)} ${clock}` : clock;
}
