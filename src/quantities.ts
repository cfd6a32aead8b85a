/**
 * Quantities in words: counts, plurals, durations, rates, bytes, router hops and percentages,
 * each said one way, so that one figure reads the same in a verdict, its evidence, the tables,
 * compare and the CLI's messages. Every stage may import this file; it imports nothing.
 * (Schedules need the analysis types: analysis/schedule-words.ts words them with these.)
 */

/** A number rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** 12345 → "12,345", 1234.5 → "1,234.5" (fixed separator: output must not depend on the machine's locale). */
export function count(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A number to `digits` decimals, no trailing zeros: decimal(93.786, 2) → "93.79". */
export function decimal(value: number, digits: number): string {
  return count(round(value, digits));
}

/** "1 attempt", "2 attempts", "1,204 addresses". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** The first `max` of `items`, and how many more: "10.0.0.5, 10.0.0.6 and 3 more hosts" (`more`: "more host"). */
export function firstOf(items: readonly string[], max: number, more: string): string {
  const left = items.length - max;
  return `${items.slice(0, max).join(', ')}${left > 0 ? ` and ${plural(left, more)}` : ''}`;
}

/**
 * A span of seconds: "0.35 ms", "850 ms", "32 s", "4 min 10 s", "2 h 5 min", "3 d 4 h" (below
 * 10 µs: "4 µs"). A value that rounds up to the next unit is said in that unit ("1 s", not "1000 ms").
 */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 0.00001) return `${sign}${round(a * 1e6, 0)} µs`;
  if (a < 1) {
    const millis = round(a * 1000, a < 0.01 ? 2 : a < 0.1 ? 1 : 0);
    if (millis < 1000) return `${sign}${millis} ms`;
  }
  if (a < 60) {
    const secs = round(a, a < 10 ? 1 : 0);
    if (secs < 60) return `${sign}${secs} s`;
  }
  const whole = Math.round(a);
  if (whole < 3600) return sign + pair(Math.floor(whole / 60), 'min', whole % 60, 's');
  const minutes = Math.round(whole / 60);
  if (minutes < 24 * 60) return sign + pair(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(whole / 3600);
  return sign + pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

/**
 * A span of days to years, as between two captures: as `duration` below two months ("45 d 3 h"),
 * then "5 months", then years ("3.3 years"; whole years from ten on).
 */
export function longDuration(s: number): string {
  const days = Math.abs(s) / 86400;
  if (days < 60) return duration(s);
  const years = days / 365.25;
  if (years < 2) return plural(Math.round(days / 30.44), 'month');
  return `${decimal(years, years < 10 ? 1 : 0)} years`;
}

/**
 * A clock offset, signed and exact to the second, for two clocks set apart: "+3 h 0 min 2 s",
 * "-13 s", "+0.4 s" (tenths below ten seconds), "0 s".
 */
export function clockOffset(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const a = Math.abs(s);
  if (round(a, 1) === 0) return '0 s';
  const sign = s < 0 ? '-' : '+';
  if (a < 10) return `${sign}${round(a, 1)} s`;
  const whole = Math.round(a);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = whole % 60;
  if (h > 0) return `${sign}${h} h ${m} min ${sec} s`;
  if (m > 0) return `${sign}${m} min ${sec} s`;
  return `${sign}${sec} s`;
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/**
 * Events per second: "1 attempt/s", "14.6 attempts/s", "14,584 SYNs/s"; below about one a
 * second, the gap between them: "one attempt every 2 s".
 */
export function rate(perSecond: number, one = 'attempt', many = `${one}s`): string {
  if (perSecond >= 0.95) {
    const shown = round(perSecond, perSecond < 10 ? 1 : 0);
    return `${count(shown)} ${shown === 1 ? one : many}/s`;
  }
  if (perSecond <= 0) return `0 ${many}/s`;
  return `one ${one} every ${duration(1 / perSecond)}`;
}

/** Binary units: "512 B", "6.4 KiB", "24 KiB", "1.5 GiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${count(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** "192.168.0.2:8080", "[fd00::2]:3128" (RFC 3986 brackets an IPv6 address before a port), or the address alone. */
export function endpoint(address: string, port: number | null): string {
  if (port === null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The name of a packet's remaining hop count: IPv4's TTL, IPv6's hop limit (RFC 8200 §3), told by
 * the addresses that sent it ("TTL / hop limit" when both families did).
 */
export function ttlName(senders: string | Iterable<string>): string {
  let v4 = false;
  let v6 = false;
  for (const a of typeof senders === 'string' ? [senders] : senders) {
    if (a.includes(':')) v6 = true;
    else v4 = true;
  }
  return v6 ? (v4 ? 'TTL / hop limit' : 'hop limit') : 'TTL';
}

/** A TTL or hop limit with its name: "TTL 64", "hop limit 64". */
export function ttl(value: number, senders: string | Iterable<string>): string {
  return `${ttlName(senders)} ${value}`;
}

/** Routers between a sender and the capture point (a TTL that arrived unchanged crossed none). */
export function hops(routers: number): string {
  return routers === 0 ? 'no router in between' : `${plural(routers, 'router')} in between`;
}

/** A fraction as a whole percentage: 0.004 → "0%", 0.42 → "42%". */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/**
 * `part` of `whole` as a percentage that never rounds a few away: "100%" only when all,
 * "0%" only when none — "99.7%", "all but 3", "0.2%", "<0.1%".
 */
export function share(part: number, whole: number): string {
  if (whole === 0 || part === 0) return '0%';
  if (part === whole) return '100%';
  const pct = (part / whole) * 100;
  const whole100 = Math.round(pct);
  if (whole100 > 0 && whole100 < 100) return `${whole100}%`;
  const tenths = round(pct, 1);
  if (tenths > 0 && tenths < 100) return `${tenths}%`;
  return pct < 50 ? '<0.1%' : `all but ${count(whole - part)}`;
}
