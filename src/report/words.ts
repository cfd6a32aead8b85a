/**
 * Times, addresses, outcomes and captures in the words every renderer uses, so the terminal,
 * Markdown and HTML say the same thing the same way. Quantities are worded by quantities.ts,
 * schedules by analysis/schedule-words.ts.
 */
import type { AnalysisResult, Attempt, CaptureSummary, DestinationGroup, HostFinding, QuietHosts } from '../analysis/types.js';
import { hasFindings } from '../analysis/quiet.js';
import { ABANDONED, DENIED_IN_LOG } from '../analysis/outcomes.js';
import type { RenderOptions } from './types.js';
import { count, duration, plural } from '../quantities.js';
import { bootSeconds, bootTime, isoMillis, SINCE_BOOT, timedSinceBoot, type Clock } from '../time.js';

/**
 * Ports as a reader can take them in: all of them when few, else the first `shown` and how many
 * there are — "1, 3, 4, … (1,000 ports)" (a scan's group holds a thousand); of both protocols, how
 * many of each, as a scan's words count them: "1, 7, 9, … (235 TCP ports and 36 UDP ports)".
 */
export function portList(ports: readonly number[], shown = 12, byProtocol?: DestinationGroup['portsByProtocol']): string {
  if (ports.length <= shown) return ports.join(', ');
  const how =
    byProtocol === undefined
      ? plural(ports.length, 'port')
      : `${plural(byProtocol.tcp, 'TCP port')} and ${plural(byProtocol.udp, 'UDP port')}`;
  return `${ports.slice(0, shown).join(', ')}, … (${how})`;
}

/** A group's ports, and pings when it has some: "443", "ping", "80, 443 and ping". */
export function groupPorts(g: Pick<DestinationGroup, 'ports' | 'pings' | 'portsByProtocol'>, shown = 12): string {
  const ports = portList(g.ports, shown, g.portsByProtocol);
  if (g.pings === undefined || g.pings === 0) return ports;
  return ports === '' ? 'ping' : `${ports} and ping`;
}

export { endpoint } from '../quantities.js';

// Times are worded by time.ts (ISO text, time of day, out-of-range words); re-exported here for
// the renderers that take all their words from this file.
export { isoMicros as isoTime, timeOfDay } from '../time.js';

/**
 * An ISO string from the analysis → "2006-11-17 13:12:50Z"; anything else as given. On the
 * `boot` clock (every input a dmesg without -T, its times seconds since boot written as 1970
 * dates) → "240 s after boot".
 */
export function shortIso(iso: string | null | undefined, clock: Clock = 'date'): string {
  if (!iso) return '–';
  if (clock === 'boot') {
    const ts = Date.parse(iso);
    if (!Number.isNaN(ts)) return bootTime(ts / 1000);
  }
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/**
 * "2006-11-17 13:00:00Z → 13:18:51Z" (the date once when both are on the same day); on the
 * `boot` clock "240 → 810 s after boot".
 */
export function seenSpan(first: string, last: string, clock: Clock = 'date'): string {
  if (clock === 'boot') {
    const a = Date.parse(first);
    const b = Date.parse(last);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return `${bootSeconds(a / 1000)} → ${bootTime(b / 1000)}`;
  }
  const a = shortIso(first);
  const b = shortIso(last);
  return a.slice(0, 10) === b.slice(0, 10) && a.length > 11 ? `${a} → ${b.slice(11)}` : `${a} → ${b}`;
}

/**
 * The clock a report's times are read on: `boot` when every input is timed in seconds since the
 * kernel booted (their times are no dates), else `date`.
 */
export function clockOf(captures: readonly CaptureSummary[]): Clock {
  return captures.length > 0 && captures.every((c) => timedSinceBoot(c.formatDetail)) ? 'boot' : 'date';
}

/** Attempts the end of the capture cut off (DestinationGroup.cutOff), as every report says them. */
export const CUT_OFF = 'cut off by the end of the capture';

/** What happened to a group's attempts: "504 attempts: 0 established, 504 reset (504 by a middlebox)"; through a proxy, the endpoint that resets is the proxy. */
export function outcomeWords(group: DestinationGroup): string {
  if (group.attempts === 0 && group.established > 0 && totalResets(group) === 0) {
    // connections picked up mid-stream (no SYN in the capture) are not attempts
    return `${plural(group.established, 'connection')} seen mid-stream (the handshake is not in the capture)`;
  }
  const resets = group.resets.middlebox + group.resets.endpoint + group.resets.unknown;
  const cutOff = group.cutOff ?? 0;
  // Attempts the end of the capture cut off were made, but are neither established nor failed.
  const parts = cutOff > 0 && cutOff === group.attempts && group.established === 0 ? [] : [`${count(group.established)} established`];
  if (group.unanswered > 0) parts.push(`${count(group.unanswered)} unanswered`);
  const abandoned = group.abandonedByClient ?? 0;
  if (abandoned > 0) parts.push(`${count(abandoned)} ${ABANDONED}`);
  // Refusals a firewall's log alone tells of: it denied them, and does not say how.
  const denied = group.denied ?? 0;
  if (denied > 0) parts.push(`${count(denied)} ${DENIED_IN_LOG}`);
  const middlebox = group.resets.middlebox - denied;
  if (resets > denied) {
    const by: string[] = [];
    if (middlebox > 0) by.push(`${count(middlebox)} by a middlebox`);
    if (group.resets.endpoint > 0) by.push(`${count(group.resets.endpoint)} by ${group.viaProxy ? 'the proxy' : 'the server'}`);
    if (group.resets.unknown > 0) by.push(`${count(group.resets.unknown)} by an unknown sender`);
    parts.push(`${count(resets - denied)} reset (${by.join(', ')})`);
  }
  if (cutOff > 0) parts.push(`${count(cutOff)} ${CUT_OFF}`);
  // Connections that were no attempt — a refused SYN sent again (each a connection, reset again),
  // one picked up without its SYN, a firewall's denial of a stray ACK — are counted with the
  // attempts' outcomes: said, so that the counts add up.
  const resent = group.resent ?? 0;
  const others = group.established + group.unanswered + abandoned + resets + cutOff - group.attempts - resent;
  const counted = [
    resent > 0 ? `${plural(resent, 'repeated SYN')} of refused attempts` : '',
    others > 0 ? `${plural(others, 'connection')} without a SYN` : '',
  ].filter((x) => x !== '');
  const attempts = plural(group.attempts, 'attempt');
  const all =
    counted.length === 0
      ? attempts
      : counted.length === 1
        ? `${attempts} and ${counted[0]}`
        : `${attempts}, ${counted[0]} and ${counted[1]}`;
  return `${all}: ${parts.join(', ')}`;
}

/** A group's refusals in a table's cell: "19 (19 denied in the firewall's log)", "5 (3 middlebox, 2 server)". */
export function resetsCell(g: DestinationGroup): string {
  const total = totalResets(g);
  if (total === 0) return '0';
  const by: string[] = [];
  const denied = g.denied ?? 0;
  if (g.resets.middlebox > denied) by.push(`${count(g.resets.middlebox - denied)} middlebox`);
  if (denied > 0) by.push(`${count(denied)} ${DENIED_IN_LOG}`);
  if (g.resets.endpoint) by.push(`${count(g.resets.endpoint)} server`);
  if (g.resets.unknown) by.push(`${count(g.resets.unknown)} unknown`);
  return `${count(total)} (${by.join(', ')})`;
}

export function totalResets(group: DestinationGroup): number {
  return group.resets.middlebox + group.resets.endpoint + group.resets.unknown;
}

/**
 * The captures in one line: "2 captures, 12,345 packets, 2006-11-17 13:00:00Z → 14:05:12Z (1 h 5 min)";
 * without the time span when asked (captures of several networks have no span that means anything).
 */
export function capturesLine(captures: CaptureSummary[], options: { span?: boolean } = {}): string {
  // A log joined with a capture is read on the capture's clock.
  const onClock = (c: CaptureSummary, iso: string | null): string | null =>
    iso === null || c.clockOffsetSeconds === undefined ? iso : isoMillis(Date.parse(iso) / 1000 - c.clockOffsetSeconds);
  const starts = captures
    .map((c) => onClock(c, c.start))
    .filter((s): s is string => !!s)
    .sort();
  const ends = captures
    .map((c) => onClock(c, c.end))
    .filter((s): s is string => !!s)
    .sort();
  let span = '';
  if (options.span !== false && starts.length > 0 && ends.length > 0) {
    const start = starts[0]!;
    const end = ends[ends.length - 1]!;
    const endShort = start.slice(0, 10) === end.slice(0, 10) ? shortIso(end).slice(11) : shortIso(end);
    const secs = (Date.parse(end) - Date.parse(start)) / 1000;
    // Times counted from the kernel's start are no dates: said as what they are.
    span =
      clockOf(captures) === 'boot'
        ? `, ${duration(Date.parse(start) / 1000)} → ${duration(Date.parse(end) / 1000)} after the kernel booted (${duration(secs)})`
        : `, ${shortIso(start)} → ${endShort}${Number.isFinite(secs) ? ` (${duration(secs)})` : ''}`;
  }
  // Logs count rows or lines, captures packets: "2 captures, 1,204 packets; 3 Zeek logs, 9,876 rows"
  const zeek = (c: CaptureSummary): boolean => c.format === 'zeek-tsv' || c.format === 'zeek-json';
  const capture = (c: CaptureSummary): boolean => c.format === 'pcap' || c.format === 'pcapng';
  const firewall = (c: CaptureSummary): boolean => !zeek(c) && !capture(c);
  // Copies of what an earlier input had, counted once: "(12 of them copies of rows another log already had, counted once)"
  const kinds: [(c: CaptureSummary) => boolean, string, string, string | null][] = [
    [capture, 'capture', 'packet', 'dup.seen-in-earlier-capture'],
    [zeek, 'Zeek log', 'row', 'dup.seen-in-earlier-log'],
    [firewall, 'firewall log', 'entry', null],
  ];
  const parts: string[] = [];
  for (const [is, what, unit, copyReason] of kinds) {
    const these = captures.filter(is);
    if (these.length === 0) continue;
    const units = unit === 'entry' ? 'entries' : `${unit}s`;
    let part = `${plural(these.length, what)}, ${plural(
      these.reduce((n, c) => n + c.packets, 0),
      unit,
      units,
    )}`;
    const copies = copyReason === null ? 0 : these.reduce((n, c) => n + (c.skipped[copyReason] ?? 0), 0);
    // A capture's copies of its own packets (captures appended in one file: replayed.ts).
    const own = what === 'capture' ? these.reduce((n, c) => n + (c.skipped['dup.repeated-in-capture'] ?? 0), 0) : 0;
    if (copies + own > 0) {
      const had =
        own === 0
          ? `another ${what === 'capture' ? 'input' : 'log'} already had`
          : copies === 0
            ? 'the capture already had'
            : 'seen before';
      part += ` (${count(copies + own)} of them copies of ${units} ${had}, counted once)`;
    }
    parts.push(part);
  }
  if (parts.length === 0) parts.push(`${plural(0, 'capture')}, ${plural(0, 'packet')}`);
  return `${parts.join('; ')}${span}`;
}

/**
 * How the firewall logs' time stamps were read — their time zone and, for syslog stamps without
 * one, their year — as each log's summary says it ("times in UTC, year 2026 from the file's
 * date"): a log's times are only as right as those, so the report says them. Null without a
 * firewall log.
 */
export function logClockLine(captures: readonly CaptureSummary[]): string | null {
  const readings = new Set<string>();
  for (const c of captures) {
    if (c.format === 'pcap' || c.format === 'pcapng' || c.format === 'zeek-tsv' || c.format === 'zeek-json') continue;
    const m = /(?:^|; )times ((?:in|as stamped)[^;]+)/.exec(c.formatDetail);
    if (m !== null) readings.add(m[1]!);
  }
  if (readings.size === 0) return null;
  const zoned = [...readings].some((r) => r.startsWith('in ') && r !== SINCE_BOOT);
  return `firewall log times read ${[...readings].join('; ')}${zoned ? ' (--tz and --year set them)' : ''}`;
}

export type Outcome = Attempt['outcome'];

/** Outcomes in legend order, with the words a reader sees. */
export const OUTCOMES: readonly { outcome: Outcome; label: string }[] = [
  { outcome: 'established', label: 'established' },
  { outcome: 'reset-middlebox', label: 'reset by a middlebox' },
  { outcome: 'reset-endpoint', label: 'reset by the server' },
  { outcome: 'reset-unknown', label: 'reset, sender unknown' },
  { outcome: 'unanswered', label: 'unanswered' },
  { outcome: 'abandoned', label: ABANDONED },
  { outcome: 'refused-icmp', label: 'refused by ICMP' },
];

/** Hosts worth a section of their own: any label but "via-proxy" alone. */
export function deservesAttention(host: HostFinding): boolean {
  return hasFindings(host);
}

/** The hosts a report lists: those with findings, or every host when asked for all. */
export function listedHosts(result: AnalysisResult, options: RenderOptions): HostFinding[] {
  return options.allHosts === true ? result.hosts : result.hosts.filter(hasFindings);
}

/**
 * What a host did, counted as the host line shows it: its connection attempts, the requests of a
 * beacon inside one long-lived connection (which opened no new connection), a scan's probes
 * without a SYN, and its destination groups: "42 requests on 1 long-lived connection · 1
 * destination group", "1,000 probes without a SYN · 1 destination group".
 */
export function hostActivity(host: HostFinding): string[] {
  // Groups left out to bound the output count too: the host made their attempts all the same.
  const omitted = host.groupsOmitted;
  let attempts = omitted?.attempts ?? 0;
  let requests = 0;
  let longLived = 0;
  // Groups with TCP attempts: a beacon's UDP flow or pings make bursts of datagrams and echo
  // requests, which its verdict counts as such, not requests on a connection.
  const tcp = new Set(host.attempts.filter((a) => a.proto === undefined || a.proto === 'tcp').map((a) => a.destination));
  for (const g of host.groups) {
    attempts += g.attempts;
    // Requests on a connection that opened before the capture started are all that shows of it;
    // those of a beacon's TCP connection are what its verdict counts, whether it opened in the capture or before.
    const beacon = g.schedule.periodic && tcp.has(g.destination);
    if (g.schedule.basis === 'requests in one connection' && (g.attempts === 0 || beacon)) {
      requests += g.schedule.attempts;
      longLived++;
    }
  }
  const parts: string[] = [];
  // A scan's probes without a SYN are no attempts, but they are what the host sent.
  const probes = host.probes ?? 0;
  if (attempts > 0 || (requests === 0 && probes === 0)) parts.push(plural(attempts, 'attempt'));
  if (probes > 0) parts.push(plural(probes, 'probe without a SYN', 'probes without a SYN'));
  if (requests > 0) parts.push(`${plural(requests, 'request')} on ${plural(longLived, 'long-lived connection')}`);
  parts.push(plural(host.groups.length + (omitted?.groups ?? 0), 'destination group'));
  return parts;
}

/**
 * What the table of hosts without findings says under it of their failed attempts the clients
 * abandoned (QuietHostCounts.abandonedByClient): "; of their failed attempts, 2 abandoned by the
 * client" — empty when none was.
 */
export function quietAbandonedWords(quiet: QuietHosts): string {
  const abandoned = quiet.byActivity.reduce((n, r) => n + (r.abandonedByClient ?? 0), 0);
  return abandoned > 0 ? `; of their failed attempts, ${count(abandoned)} ${ABANDONED}` : '';
}

/**
 * What groups not shown add up to, after their attempts, as the groups shown say it:
 * ", 3 abandoned by the client, 40 cut off by the end of the capture" — empty when none was either.
 */
export function unshownOutcomes(abandoned: number, cutOff: number): string {
  return `${abandoned > 0 ? `, ${count(abandoned)} ${ABANDONED}` : ''}${cutOff > 0 ? `, ${count(cutOff)} ${CUT_OFF}` : ''}`;
}

/**
 * "… and 599,000 more destination groups (599,000 attempts, 0 established, 598,960 unanswered, 40
 * cut off by the end of the capture, 599,000 addresses): left out to bound the output." — "… and
 * another 599,000 destination groups" after a line of others left out (`after`).
 */
export function omittedGroupsWords(host: HostFinding, after = false): string | null {
  const o = host.groupsOmitted;
  if (o === undefined) return null;
  const more = after ? `another ${plural(o.groups, 'destination group')}` : plural(o.groups, 'more destination group');
  return (
    `… and ${more} (${plural(o.attempts, 'attempt')}, ${count(o.established)} established, ` +
    `${count(o.unanswered)} unanswered${unshownOutcomes(o.abandonedByClient ?? 0, o.cutOff ?? 0)}, ` +
    `${plural(o.addresses, 'address', 'addresses')}): left out to bound the output.`
  );
}

/**
 * Hosts with findings a report shows in full (charts, every destination group the finding
 * keeps), highest score first; the others keep their verdict, evidence and the groups with most
 * attempts, so a report of thousands of them stays readable. --all-hosts shows every one in full.
 */
export const FULL_HOSTS = 50;
/**
 * Destination groups listed for a host past the first FULL_HOSTS: a firewall log's two thousand
 * blocked hosts with 50 groups each made an HTML report of 56 MB, nearly all of it tables.
 */
export const GROUPS_PAST_FULL = 10;
/** Rows of a report's flow summary at most, whole hosts at a time (the first host's all the same). */
export const FLOW_ROWS = 5_000;

/** The destination groups a report lists for a host (most attempts first), and how it says what they are. */
export function groupsListed(host: HostFinding, full: boolean): { groups: DestinationGroup[]; what: string; notes: string[] } {
  const sorted = [...host.groups].sort((a, b) => b.attempts - a.attempts);
  const groups = full ? sorted : sorted.slice(0, GROUPS_PAST_FULL);
  const total = host.groups.length + (host.groupsOmitted?.groups ?? 0);
  const what =
    groups.length < sorted.length
      ? `the ${count(groups.length)} with most attempts of ${plural(total, 'destination group')}`
      : groups.length < total
        ? `the ${count(groups.length)} most telling of ${plural(total, 'destination group')}`
        : `all ${plural(groups.length, 'destination group')}`;
  // Kept groups not listed come first, then those the finding left out.
  const notes: string[] = [];
  const hidden = sorted.length - groups.length;
  if (hidden > 0) notes.push(`… and ${plural(hidden, 'more destination group')} the finding keeps, not listed here.`);
  const omitted = omittedGroupsWords(host, hidden > 0);
  if (omitted !== null) notes.push(omitted);
  return { groups, what, notes };
}

/** What a report says once, before the first host it shows in part (past FULL_HOSTS). */
export function partlyShownWords(): string {
  return `The hosts below, past the first ${FULL_HOSTS} with findings, are shown without charts and with their ${GROUPS_PAST_FULL} destination groups with most attempts: --all-hosts shows every host in full.`;
}

/** How many of the listed hosts a report's flow summary holds: FLOW_ROWS rows at most, whole hosts, all with --all-hosts. */
export function flowHosts(listed: readonly HostFinding[], options: RenderOptions): number {
  if (options.allHosts === true) return listed.length;
  let rows = 0;
  for (let i = 0; i < listed.length; i++) {
    rows += listed[i]!.groups.length;
    if (rows > FLOW_ROWS && i > 0) return i;
  }
  return listed.length;
}

/**
 * The rows of a report's flow summary: each group of the first `shown` of `listed` hosts (flowHosts),
 * a host's groups by attempts, most first.
 */
export function flowGroups(listed: readonly HostFinding[], shown: number): { host: HostFinding; group: DestinationGroup }[] {
  return listed
    .slice(0, shown)
    .flatMap((host) => [...host.groups].sort((a, b) => b.attempts - a.attempts).map((group) => ({ host, group })));
}

/** What a flow summary that holds the first `shown` of `listed` hosts says of the others. */
export function flowsLeftOutWords(shown: number, listed: number): string {
  return `The flows of the other ${plural(listed - shown, 'listed host')} are left out to keep this report readable: --all-hosts lists them, and --format json of analyze holds every host's destination groups.`;
}
