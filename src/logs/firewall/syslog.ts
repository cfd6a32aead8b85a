/**
 * Syslog headers in the shapes firewall lines arrive in: BSD syslog (RFC 3164, "Nov 17
 * 13:12:50 gw kernel: …", with or without <PRI>), the same with a year as Cisco writes it
 * ("Nov 17 2006 13:12:50: %ASA-…"), RFC 5424 ("<134>1 2006-11-17T13:12:50Z host app …"),
 * ISO time stamps (rsyslog's high-precision format, `journalctl -o short-iso`), `journalctl -o
 * short-full` ("Fri 2006-11-17 13:12:50 CET host …": a zone other than UTC is read as --tz says)
 * and `-o short-unix` ("1163769170.000000 host …"), OpenWrt's `logread` ("Fri Nov 17 13:12:50
 * 2006 kern.warn kernel: …"), and the kernel ring buffer as `dmesg` prints it ("[12345.678901] …",
 * `dmesg -T` "[Fri Nov 17 …]", `dmesg -x` "kern  :warn  : [12345.678901] …").
 */
import { prefixAction } from '../../firewall-words.js';
import { fraction, fullYear, isoOffset, isUtcName, monthOf, plausibleStamp, utcSeconds } from './time.js';
import { SNIFF_CLOCK, type LogClockLike } from './types.js';

export interface SyslogHeader {
  /** Seconds since the epoch; for raw dmesg, seconds since boot. */
  ts: number;
  /** The sending host, when the header names one. */
  host: string | undefined;
  /** The rest of the line: tag and message. */
  message: string;
  /** True when the time stamp is the kernel's seconds since boot (raw dmesg), not a wall-clock time. */
  sinceBoot: boolean;
}

/**
 * Month, day, a year as Cisco writes it, the time; then, as Cisco writes it after "logging
 * timestamp", the clock's zone ("Nov 17 2006 13:12:50 EDT: %ASA-…"): UTC is read as such,
 * another zone's name as --tz says, as a name alone cannot say which zone it is. A word before a
 * netfilter packet ("Jan  8 03:37:09 DENY: IN=eth0 …", a kernel log without its host) is the
 * rule's prefix, not a zone.
 */
const BSD = /^([A-Z][a-z]{2}) +(\d{1,2}) +(?:(\d{4}) +)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?(?: ([A-Z]{3,4})(?=:(?! *IN=)))?:? +/;
/** After <PRI>, Cisco's EMBLEM format: a colon, with a sequence number before it when they are on. */
const EMBLEM = /^\d{0,10}: ?/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})? +/;
const DMESG = /^\[ *(\d+)\.(\d+)\] +/;
/** ctime's "Fri Nov 17 13:12:50 2006": month, day, hour, minute, second, year. */
const CTIME_STAMP = String.raw`[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (\d{4})`;
const DMESG_T = new RegExp(String.raw`^\[${CTIME_STAMP}\] +`);
/** `journalctl -o short-full`: weekday, ISO date and time, a zone name. */
const JOURNAL_FULL = /^[A-Z][a-z]{2} (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? ([A-Z][A-Za-z0-9+-]{1,5}) +/;
/** `journalctl -o short-unix`: seconds since the epoch. */
const EPOCH = /^(\d{9,11})\.(\d{1,9}) +/;
/** `logread` (OpenWrt, BusyBox): ctime with the year last, then facility.level. */
const CTIME = new RegExp(String.raw`^${CTIME_STAMP}(?: [a-z]+\.[a-z]+)? +`);
/** `dmesg -x`: facility and level before the kernel's stamp. */
const DMESG_X = /^[a-z]+ *:[a-z]+ *: +(?=\[)/;

/** The time of a CTIME_STAMP match, in the clock's zone; null for a month that is none. */
function ctimeOf(m: RegExpExecArray, clock: LogClockLike): number | null {
  const month = monthOf(m[1]!);
  if (month === 0) return null;
  const [day, h, mi, s, y] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  return clock.local(y, month, day, h, mi, s);
}

/** A wall-clock ISO time: with its own offset when it has one, else in the clock's zone. */
export function isoTime(m: RegExpExecArray, clock: LogClockLike): number {
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const offset = m[8] !== undefined ? isoOffset(m[8]) : null;
  const seconds = s + fraction(m[7]);
  if (offset === null) return clock.local(y, mo, d, h, mi, seconds);
  return utcSeconds(y, mo, d, h, mi, seconds) - offset;
}

/**
 * The next word as the sending host, unless it already starts the message: a tag ("kernel:",
 * "filterlog[123]:"), a Cisco message id ("%ASA-…"), or a bracket.
 */
function splitHost(rest: string): { host: string | undefined; message: string } {
  const space = rest.indexOf(' ');
  if (space <= 0) return { host: undefined, message: rest };
  const word = rest.slice(0, space);
  if (word.endsWith(':') || word.startsWith('%') || word.startsWith('[') || word.includes('=')) return { host: undefined, message: rest };
  let message = rest.slice(space + 1);
  // No host (dmesg, journalctl -k): a netfilter rule's prefix that names its decision, then the packet.
  if (message.startsWith('IN=') && prefixAction(word, null) !== null) return { host: undefined, message: rest };
  // Cisco's "host : %ASA-…" puts a lone colon after the host.
  if (message.startsWith(': ')) message = message.slice(2);
  return { host: word, message };
}

/** The syslog header of a line, or null when the line starts with none of the known shapes. */
export function parseSyslogHeader(line: string, clock: LogClockLike): SyslogHeader | null {
  let rest = line;
  if (rest.charCodeAt(0) === 60 /* < */) {
    const close = rest.indexOf('>');
    if (close < 2 || close > 4) return null;
    rest = rest.slice(close + 1);
    // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG].
    if (rest.startsWith('1 ')) return rfc5424(rest.slice(2), clock);
    // Cisco's EMBLEM format: "<166>:" or, with sequence numbers, "<166>1234:" before the stamp.
    const emblem = EMBLEM.exec(rest);
    if (emblem !== null) rest = rest.slice(emblem[0].length);
  }
  let m = BSD.exec(rest);
  if (m !== null) {
    const month = monthOf(m[1]!);
    if (month === 0) return null;
    const [day, h, mi, s] = [m[2], m[4], m[5], m[6]].map(Number) as [number, number, number, number];
    if (!plausibleStamp(month, day, h, mi, s)) return null;
    const seconds = s + fraction(m[7]);
    const utc = isUtcName(m[8]);
    if (m[8] !== undefined && !utc) clock.unreadZone?.(m[8]);
    const ts =
      m[3] !== undefined
        ? utc
          ? utcSeconds(fullYear(Number(m[3]), 4), month, day, h, mi, seconds)
          : clock.local(fullYear(Number(m[3]), 4), month, day, h, mi, seconds)
        : clock.withoutYear(month, day, h, mi, seconds, utc);
    return { ts, ...splitHost(rest.slice(m[0].length)), sinceBoot: false };
  }
  m = ISO.exec(rest);
  if (m !== null) return { ts: isoTime(m, clock), ...splitHost(rest.slice(m[0].length)), sinceBoot: false };
  m = JOURNAL_FULL.exec(rest);
  if (m !== null) {
    const utc = isUtcName(m[8]);
    if (!utc) clock.unreadZone?.(m[8]!);
    const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
    const seconds = sec + fraction(m[7]);
    const ts = utc ? utcSeconds(y, mo, d, h, mi, seconds) : clock.local(y, mo, d, h, mi, seconds);
    return { ts, ...splitHost(rest.slice(m[0].length)), sinceBoot: false };
  }
  m = EPOCH.exec(rest);
  if (m !== null) return { ts: Number(m[1]) + fraction(m[2]), ...splitHost(rest.slice(m[0].length)), sinceBoot: false };
  m = CTIME.exec(rest);
  if (m !== null) {
    const ts = ctimeOf(m, clock);
    return ts === null ? null : { ts, ...splitHost(rest.slice(m[0].length)), sinceBoot: false };
  }
  m = DMESG_X.exec(rest);
  if (m !== null) rest = rest.slice(m[0].length);
  m = DMESG_T.exec(rest);
  if (m !== null) {
    const ts = ctimeOf(m, clock);
    return ts === null ? null : { ts, host: undefined, message: rest.slice(m[0].length), sinceBoot: false };
  }
  m = DMESG.exec(rest);
  if (m !== null) return { ts: Number(m[1]) + fraction(m[2]), host: undefined, message: rest.slice(m[0].length), sinceBoot: true };
  return null;
}

function rfc5424(rest: string, clock: LogClockLike): SyslogHeader | null {
  const m = ISO.exec(rest);
  if (m === null) return null;
  const fields = rest.slice(m[0].length).split(' ');
  // HOSTNAME APP-NAME PROCID MSGID, then structured data ("-" or "[…]") and the message.
  if (fields.length < 5) return null;
  const host = fields[0] === '-' ? undefined : fields[0];
  const app = fields[1]!;
  let at = 4;
  if (fields[at]!.startsWith('[')) {
    while (at < fields.length && !fields[at]!.endsWith(']')) at++;
  }
  const message = fields.slice(at + 1).join(' ');
  // The tag keeps its BSD shape so that formats look for it one way ("filterlog: …").
  return { ts: isoTime(m, clock), host, message: app === '-' ? message : `${app}: ${message}`, sinceBoot: false };
}

/**
 * journalctl's own lines between entries: "-- Journal begins at … --" (or "-- Logs begin at …"),
 * "-- Boot 5d6e… --", "-- Reboot --", "-- No entries --". No entry, and nothing unknown either.
 */
const JOURNAL_MARKER = /^-- (?:Journal begins at |Logs begin at |Journal ends at |Boot [0-9a-f]+ --|Reboot --|No entries --)/;

/**
 * A line that is no entry of a format but another message of the system log it came in (another
 * daemon's, the kernel's, journalctl's markers): 'skip'; null when it is no syslog line at all. A
 * syslog server's file holds a firewall's lines among everything else it collects. Its time is
 * not read by the log's clock: a line that is no entry tells the log neither its year nor its order.
 */
export function otherSyslogLine(line: string): 'skip' | null {
  return parseSyslogHeader(line, SNIFF_CLOCK) !== null || JOURNAL_MARKER.test(line) ? 'skip' : null;
}
