/**
 * Log time stamps: wall-clock times in a time zone (UTC, a fixed offset, or an IANA zone) and
 * syslog's year-less "Nov 17 13:12:50", which takes its year from an option or from the file's
 * date, and rolls over at New Year in either reading order.
 */
import type { LogClockLike } from './types.js';

export const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/** Days in each month of a leap year: what a date without its year may hold. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether a syslog stamp's day and time can be (no 31 November, no hour 25; a leap second allowed). */
export function plausibleStamp(month: number, day: number, hour: number, minute: number, second: number): boolean {
  return day >= 1 && day <= (MONTH_DAYS[month - 1] ?? 0) && hour <= 23 && minute <= 59 && second < 61;
}

/** 1–12 from "Nov", "nov", "November"; 0 when not a month name. */
export function monthOf(word: string): number {
  return word.length >= 3 ? (MONTHS[word.slice(0, 3).toLowerCase()] ?? 0) : 0;
}

/** Lines this far out of their log's order still read as in it (the hour lived twice: which pass a line is in). */
const REORDER_SLACK_SECONDS = 120;

/** A later time stamp this far before an earlier one (or after, reading newest-first) crossed New Year. */
const ROLLOVER_MONTHS = 6;
/** Syslog lines up to this much after the file's date are clock skew, not last year's. */
const FILE_DATE_SLACK_SECONDS = 86_400;

export interface ClockOptions {
  /** Year for time stamps that carry none (CLI --year). */
  year?: number;
  /** The file's modification time (ms since the epoch): the year when `year` is not given. */
  mtimeMs?: number;
  /**
   * The time (UTC seconds) of the first line of the log whose stamp carries its year (datedLine):
   * better evidence of the year-less lines' year than the file's date, which copying or
   * compressing the file moves.
   */
  datedAt?: number | null;
  /** What `datedAt` is the time of, for the summary ("the log's own dated lines"). */
  datedBy?: string;
  /** Time zone of wall-clock times: 'UTC' (default), '+05:30', '-0800', or an IANA name ('Asia/Colombo'). */
  tz?: string;
}

/** The widest offset from UTC any zone keeps: +14:00 (Kiribati's Line Islands); the least is −12:00. */
const MAX_OFFSET_SECONDS = 14 * 3600;

export class TimeZoneError extends Error {
  constructor(
    readonly tz: string,
    /** Written as an offset, but one no clock keeps ("+25:00", "+05:75"). */
    readonly badOffset = false,
  ) {
    super(
      `${badOffset ? `time zone "${tz}" is no offset between -14:00 and +14:00` : `unknown time zone "${tz}"`}: ` +
        'give UTC, an offset such as +05:30, or a zone name such as Europe/Berlin',
    );
    this.name = 'TimeZoneError';
  }
}

/**
 * Seconds east of UTC for a fixed-offset zone ("UTC", "Z", "+05:30", "-0800", "UTC+1"), else null
 * (a zone name); an offset no clock keeps (beyond ±14:00, 60 minutes or more) is refused.
 */
function fixedOffset(tz: string): number | null {
  const t = tz.trim();
  if (/^(utc|gmt|z)$/i.test(t)) return 0;
  const m = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (m === null) return null;
  const minutes = Number(m[3] ?? 0);
  const seconds = Number(m[2]) * 3600 + minutes * 60;
  if (minutes > 59 || seconds > MAX_OFFSET_SECONDS) throw new TimeZoneError(tz, true);
  return m[1] === '-' ? -seconds : seconds;
}

/** The wall clock of a zone name (IANA: "Asia/Colombo"); TimeZoneError for a name the runtime does not know. */
function zoneClock(tz: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new TimeZoneError(tz);
  }
}

/** Throws TimeZoneError unless `tz` is a zone log times can be read in (for a CLI to check its --tz before reading). */
export function checkTimeZone(tz: string): void {
  if (fixedOffset(tz) === null) zoneClock(tz);
}

/** Seconds east of UTC from an ISO offset suffix ("Z", "+01:00", "+0100"), null when there is none. */
export function isoOffset(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (m === null) return null;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60;
  return m[1] === '-' ? -seconds : seconds;
}

export class LogClock implements LogClockLike {
  readonly tz: string;
  /** Where year-less time stamps took their year from, for the summary; null until one was read. */
  yearSource: string | null = null;
  /** Zone abbreviations lines gave (EDT, CET: ambiguous, not read) and how many lines gave each. */
  readonly unreadZones = new Map<string, number>();
  private readonly fixed: number | null;
  private readonly zone: Intl.DateTimeFormat | null;
  /** Offsets of an IANA zone by hour of local time (a zone changes its offset rarely). */
  private readonly offsets = new Map<number, number>();
  private readonly givenYear: number | null;
  private readonly fileEnd: number | null;
  private readonly datedAt: number | null;
  private readonly datedBy: string;
  private year = 0;
  private lastMonth = 0;
  /** The last year-less stamp read, and its time. */
  private lastStamp = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ts: 0 };

  constructor(options: ClockOptions = {}) {
    this.tz = options.tz ?? 'UTC';
    this.fixed = fixedOffset(this.tz);
    this.zone = this.fixed === null ? zoneClock(this.tz) : null;
    this.givenYear = options.year ?? null;
    this.fileEnd = options.mtimeMs !== undefined ? Math.floor(options.mtimeMs / 1000) : null;
    this.datedAt = options.datedAt ?? null;
    this.datedBy = options.datedBy ?? "the log's own dated lines";
  }

  /** Seconds east of UTC of the zone at UTC time `utc` (IANA zones). */
  private zoneOffset(utc: number): number {
    const parts = this.zone!.formatToParts(new Date(utc * 1000));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) / 1000 - Math.floor(utc);
  }

  /** Times read in the log's zone (`local`): none when every line's stamp gave its own UTC offset. */
  zoned = 0;

  local(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    this.zoned++;
    return this.inZone(year, month, day, hour, minute, second);
  }

  /** A wall-clock time in the log's zone. */
  private inZone(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const wall = utcSeconds(year, month, day, hour, minute, second);
    if (this.fixed !== null) return wall - this.fixed;
    const hourKey = Math.floor(wall / 3600);
    let offset = this.offsets.get(hourKey);
    if (offset === undefined) {
      // The offset at the guess, then at the corrected time (they differ only across a change).
      offset = this.zoneOffset(wall);
      offset = this.zoneOffset(wall - offset);
      this.offsets.set(hourKey, offset);
      // The hour the clocks go back in is lived twice: its other offset, when it is one.
      for (const other of [this.zoneOffset(wall - offset - 3600), this.zoneOffset(wall - offset + 3600)]) {
        if (other !== offset && this.zoneOffset(wall - other) === other) this.twice.set(hourKey, other);
      }
    }
    let ts = wall - offset;
    const other = this.twice.get(hourKey);
    if (other !== undefined) ts = this.passOf(ts, wall - other);
    else this.stepTo(ts);
    return ts;
  }

  /** Hours of local time lived twice (the clocks going back), by hour key: the offset of the pass `offsets` does not hold. */
  private readonly twice = new Map<number, number>();
  /** The last time `local` gave, and whether the times it gave went forward more often than back (the log's order). */
  private lastLocal = Number.NaN;
  private forward = 0;

  private stepTo(ts: number): void {
    if (ts > this.lastLocal) this.forward++;
    else if (ts < this.lastLocal) this.forward--;
    this.lastLocal = ts;
  }

  /**
   * Which of the two times of a wall-clock time in the hour lived twice a line is at: the one the
   * log goes on to from its line before — the earliest not before it in a log read oldest first
   * (02:59:59 summer time, then 02:00:01 winter time), the latest not after it in one newest first.
   */
  private passOf(a: number, b: number): number {
    const [early, late] = a < b ? [a, b] : [b, a];
    const last = this.lastLocal;
    let ts: number;
    if (Number.isNaN(last)) ts = early;
    else if (this.forward >= 0) ts = early >= last - REORDER_SLACK_SECONDS ? early : late;
    else ts = late <= last + REORDER_SLACK_SECONDS ? late : early;
    this.stepTo(ts);
    return ts;
  }

  unreadZone(name: string): void {
    if (this.unreadZones.has(name) || this.unreadZones.size < 8) this.unreadZones.set(name, (this.unreadZones.get(name) ?? 0) + 1);
  }

  withoutYear(month: number, day: number, hour: number, minute: number, second: number, utc = false): number {
    if (this.year === 0) this.year = this.startYear(month, day, hour, minute, second);
    else if (month < this.lastMonth - ROLLOVER_MONTHS) this.year++;
    else if (month > this.lastMonth + ROLLOVER_MONTHS) this.year--;
    this.lastMonth = month;
    if (utc) return utcSeconds(this.year, month, day, hour, minute, second);
    // A busy log writes many lines a second: the time of the stamp before is taken again.
    const last = this.lastStamp;
    if (
      last.year === this.year &&
      last.month === month &&
      last.day === day &&
      last.hour === hour &&
      last.minute === minute &&
      last.second === second
    )
      return last.ts;
    const ts = this.local(this.year, month, day, hour, minute, second);
    this.lastStamp = { year: this.year, month, day, hour, minute, second, ts };
    return ts;
  }

  /**
   * The first year-less line's year: the option; else the year that puts it nearest the log's own
   * dated lines, or the captures given with it; else the file's date (last year if that puts the
   * line after the file was written).
   */
  private startYear(month: number, day: number, hour: number, minute: number, second: number): number {
    if (this.givenYear !== null) {
      this.yearSource = `year ${this.givenYear} as given`;
      return this.givenYear;
    }
    if (this.datedAt !== null) {
      const dated = new Date(this.datedAt * 1000).getUTCFullYear();
      let year = dated;
      for (const y of [dated - 1, dated + 1]) {
        if (
          Math.abs(this.inZone(y, month, day, hour, minute, second) - this.datedAt) <
          Math.abs(this.inZone(year, month, day, hour, minute, second) - this.datedAt)
        )
          year = y;
      }
      this.yearSource = `year ${year} from ${this.datedBy}`;
      return year;
    }
    const end = this.fileEnd ?? Math.floor(Date.now() / 1000);
    const endYear = new Date(end * 1000).getUTCFullYear();
    const later = this.inZone(endYear, month, day, hour, minute, second) > end + FILE_DATE_SLACK_SECONDS;
    const year = later ? endYear - 1 : endYear;
    this.yearSource = `year ${year} from the ${this.fileEnd !== null ? "file's date" : 'current date (no file date given)'}`;
    return year;
  }
}

/** A wall-clock time read as UTC, in seconds since the epoch (`second` may have a fraction). */
export function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return Date.UTC(year, month - 1, day, hour, minute, 0) / 1000 + second;
}

/** A stamp's fraction of a second from its digits after the point ("123456" → 0.123456); 0 for none. */
export function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(`0.${digits}`);
}

/** Whether a zone's name in a time stamp is UTC itself. */
export const isUtcName = (zone: string | undefined): boolean => zone === 'UTC' || zone === 'GMT';

/** Two-digit years as spreadsheets read them: 70–99 → 19xx, 00–69 → 20xx. */
export function fullYear(y: number, digits: number): number {
  if (digits > 2) return y;
  return y >= 70 ? 1900 + y : 2000 + y;
}

/** A stamp with its year at a line's start: RFC 5424 and ISO 8601 (`<134>1 2024-03-05T09:00:09…`, `journalctl -o short-iso`). */
const ISO_STAMP = /^(?:<\d{1,3}>)?(?:\d{1,2} )?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})/;
/** A BSD-style stamp with its year (a Cisco ASA's `Nov 17 2006 13:12:54`). */
const BSD_YEAR_STAMP = /^(?:<\d{1,3}>)?([A-Za-z]{3}) +(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})/;
/** Lines of a log's first bytes looked at for a dated one. */
const DATED_LINES_LOOKED_AT = 1000;

/**
 * The time (UTC seconds, its zone not applied: a year is all it is asked for) of the first line
 * of a log's first bytes whose time stamp carries its year, or null when none does.
 */
export function datedLine(head: Uint8Array): number | null {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  let from = 0;
  for (let n = 0; n < DATED_LINES_LOOKED_AT && from < text.length; n++) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const line = text.slice(from, Math.min(to, from + 64));
    from = to + 1;
    const iso = ISO_STAMP.exec(line);
    if (iso !== null) {
      const ts = utcSeconds(Number(iso[1]), Number(iso[2]), Number(iso[3]), Number(iso[4]), Number(iso[5]), Number(iso[6]));
      if (Number.isFinite(ts)) return ts;
    }
    const bsd = BSD_YEAR_STAMP.exec(line);
    if (bsd !== null && monthOf(bsd[1]!) > 0) {
      return utcSeconds(Number(bsd[3]), monthOf(bsd[1]!), Number(bsd[2]), Number(bsd[4]), Number(bsd[5]), Number(bsd[6]));
    }
  }
  return null;
}
