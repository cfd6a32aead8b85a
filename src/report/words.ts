/**
 * Numbers, times and schedules in the words every renderer uses, so the terminal, Markdown
 * and HTML say the same thing the same way.
 */
import type { Attempt, CaptureSummary, DestinationGroup, HostFinding, Schedule } from '../analysis/types.js';

/** 12345 → "12,345" (fixed separator: output must not depend on the machine's locale). */
export function count(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "1 attempt", "2 attempts". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * A span of seconds in words: "0.4 ms", "850 ms", "32 s", "4 min 10 s", "2 h 5 min", "3 d 4 h".
 * A value that rounds up to the next unit is said in that unit ("1 s", not "1000 ms").
 */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 0.001) {
    const micros = round(a * 1e6, 0);
    if (Number(micros) < 1000) return `${sign}${micros} µs`;
  }
  if (a < 1) {
    const millis = round(a * 1000, a < 0.01 ? 2 : a < 0.1 ? 1 : 0);
    if (Number(millis) < 1000) return `${sign}${millis} ms`;
  }
  if (a < 60) {
    const secs = round(a, a < 10 ? 1 : 0);
    if (Number(secs) < 60) return `${sign}${secs} s`;
  }
  const whole = Math.round(a);
  if (whole < 3600) return sign + pair(Math.floor(whole / 60), 'min', whole % 60, 's');
  const minutes = Math.round(whole / 60);
  if (minutes < 24 * 60) return sign + pair(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(whole / 3600);
  return sign + pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/**
 * Ports as a reader can take them in: all of them when few, else the first `shown` and how many
 * there are — "1, 3, 4, … (1,000 ports)" (a scan's group holds a thousand).
 */
export function portList(ports: readonly number[], shown = 12): string {
  if (ports.length <= shown) return ports.join(', ');
  return `${ports.slice(0, shown).join(', ')}, … (${count(ports.length)} ports)`;
}

/** "192.168.0.2:8080", "[fd00::2]:3128" (RFC 3986 brackets an IPv6 address before a port), or the address alone. */
export function endpoint(address: string, port: number | null): string {
  if (port === null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Router hops in words: a TTL that arrived unchanged crossed no router. */
export function hopsWords(hops: number): string {
  return hops === 0 ? 'no router in between' : `${plural(hops, 'hop')} away`;
}

export function round(v: number, digits: number): string {
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return '0 %';
  const p = (100 * part) / whole;
  return `${p > 0 && p < 1 ? '<1' : Math.round(p)} %`;
}

/** Epoch seconds → "2006-11-17T13:12:50.123456Z" (microseconds, as Zeek keeps them). */
export function isoTime(ts: number): string {
  if (!Number.isFinite(ts)) return '-';
  const whole = Math.floor(ts);
  let micros = Math.round((ts - whole) * 1e6);
  let secs = whole;
  if (micros >= 1e6) {
    secs += 1;
    micros -= 1e6;
  }
  const base = new Date(secs * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** Epoch seconds → "13:12:50" (UTC). */
export function timeOfDay(ts: number): string {
  return new Date(Math.floor(ts) * 1000).toISOString().slice(11, 19);
}

/** An ISO string from the analysis → "2006-11-17 13:12:50Z"; anything else as given. */
export function shortIso(iso: string | null | undefined): string {
  if (!iso) return '–';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/** "2006-11-17 13:00:00Z → 13:18:51Z" (the date once when both are on the same day). */
export function seenSpan(first: string, last: string): string {
  const a = shortIso(first);
  const b = shortIso(last);
  return a.slice(0, 10) === b.slice(0, 10) && a.length > 11 ? `${a} → ${b.slice(11)}` : `${a} → ${b}`;
}

/** The schedule of a destination group in one line of words. */
export function scheduleWords(schedule: Schedule): string {
  if (!schedule.periodic) {
    if (schedule.bursts > 1 && schedule.burstSize !== null) {
      return `no regular schedule (${plural(schedule.bursts, 'burst')}${schedule.sequentialPorts ? ', sequential source ports' : ''})`;
    }
    return schedule.sequentialPorts ? 'no regular schedule, sequential source ports' : 'no regular schedule';
  }
  const parts: string[] = [];
  const size = schedule.burstSize;
  // a beacon inside one long-lived connection repeats requests, not connection attempts
  const requests = schedule.basis !== null && /^requests?\b/.test(schedule.basis);
  const noun = requests ? 'request' : 'attempt';
  let what = size !== null && size > 1 ? `bursts of ${round(size, 1)} ${noun}s` : `single ${noun}s`;
  if (size !== null && size > 1 && schedule.burstRate !== null && schedule.burstRate > 0) {
    what += ` (${requests ? rate(schedule.burstRate).replace(/attempt/g, 'request') : rate(schedule.burstRate)})`;
  }
  if (schedule.periodSeconds !== null) {
    what += ` every ${seconds(schedule.periodSeconds)}`;
    if (schedule.jitter !== null) what += ` (jitter ${Math.round(schedule.jitter * 100)} %)`;
  }
  parts.push(what);
  if (schedule.cycleSeconds !== null) parts.push(`the pattern repeats every ${seconds(schedule.cycleSeconds)}`);
  if (schedule.sequentialPorts) parts.push('sequential source ports');
  parts.push(`${plural(schedule.bursts, 'burst')}${schedule.basis ? ` of ${schedule.basis}` : ''}, score ${round(schedule.score, 2)}`);
  return parts.join(', ');
}

/** Attempts per second in words: "1 attempt/s", "one every 4 s". */
export function rate(perSecond: number): string {
  if (perSecond >= 0.95) {
    const shown = round(perSecond, perSecond < 10 ? 1 : 0);
    return `${shown} attempt${shown === '1' ? '' : 's'}/s`;
  }
  return `one every ${seconds(1 / perSecond)}`;
}

/** What happened to a group's attempts: "504 attempts: 0 established, 504 reset (504 by a middlebox)". */
export function outcomeWords(group: DestinationGroup): string {
  if (group.attempts === 0 && group.established > 0 && totalResets(group) === 0) {
    // connections picked up mid-stream (no SYN in the capture) are not attempts
    return `${plural(group.established, 'connection')} seen mid-stream (the handshake is not in the capture)`;
  }
  const resets = group.resets.middlebox + group.resets.endpoint + group.resets.unknown;
  const parts = [`${count(group.established)} established`];
  if (group.unanswered > 0) parts.push(`${count(group.unanswered)} unanswered`);
  if (resets > 0) {
    const by: string[] = [];
    if (group.resets.middlebox > 0) by.push(`${count(group.resets.middlebox)} by a middlebox`);
    if (group.resets.endpoint > 0) by.push(`${count(group.resets.endpoint)} by the server`);
    if (group.resets.unknown > 0) by.push(`${count(group.resets.unknown)} by an unknown sender`);
    parts.push(`${count(resets)} reset (${by.join(', ')})`);
  }
  return `${plural(group.attempts, 'attempt')}: ${parts.join(', ')}`;
}

export function totalResets(group: DestinationGroup): number {
  return group.resets.middlebox + group.resets.endpoint + group.resets.unknown;
}

/** The captures in one line: "2 captures, 12,345 packets, 2006-11-17 13:00:00Z → 14:05:12Z (1 h 5 min)". */
export function capturesLine(captures: CaptureSummary[]): string {
  const packets = captures.reduce((n, c) => n + c.packets, 0);
  const starts = captures.map((c) => c.start).filter((s): s is string => !!s).sort();
  const ends = captures.map((c) => c.end).filter((s): s is string => !!s).sort();
  let span = '';
  if (starts.length > 0 && ends.length > 0) {
    const start = starts[0]!;
    const end = ends[ends.length - 1]!;
    const endShort = start.slice(0, 10) === end.slice(0, 10) ? shortIso(end).slice(11) : shortIso(end);
    const secs = (Date.parse(end) - Date.parse(start)) / 1000;
    span = `, ${shortIso(start)} → ${endShort}${Number.isFinite(secs) ? ` (${seconds(secs)})` : ''}`;
  }
  return `${plural(captures.length, 'capture')}, ${plural(packets, 'packet')}${span}`;
}

export type Outcome = Attempt['outcome'];

/** Outcomes in legend order, with the words a reader sees. */
export const OUTCOMES: readonly { outcome: Outcome; label: string }[] = [
  { outcome: 'established', label: 'established' },
  { outcome: 'reset-middlebox', label: 'reset by a middlebox' },
  { outcome: 'reset-endpoint', label: 'reset by the server' },
  { outcome: 'reset-unknown', label: 'reset, sender unknown' },
  { outcome: 'unanswered', label: 'unanswered' },
  { outcome: 'refused-icmp', label: 'refused by ICMP' },
];

/** Hosts worth a section of their own: any label but "via-proxy" alone. */
export function deservesAttention(host: HostFinding): boolean {
  return host.labels.some((l) => l !== 'via-proxy');
}
