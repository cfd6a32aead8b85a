/**
 * The terminal renderers: what a person reads first. Every capture-derived string goes
 * through `sanitizeTerminal`; colour only when asked.
 */
import type {
  AnalysisResult,
  CaptureSummary,
  CompareResult,
  DestinationGroup,
  HostFinding,
  ProxyFinding,
  QuietHosts,
  ResetSource,
  UnderstoodDestinations,
} from '../analysis/types.js';
import { QUIET_ACTIVITIES } from '../analysis/types.js';
import { unmatchedKnownWords } from './tables.js';
import { sanitizeTerminal as clean } from './escape.js';
import { LABEL_STYLE, paint } from './style.js';
import type { RenderOptions } from './types.js';
import { scheduleWords } from '../analysis/schedule-words.js';
import { bytes, count, decimal, duration, hops, plural, ttl } from '../quantities.js';
import type { Clock } from '../time.js';
import {
  networkFiles,
  networkReason,
  networkTitle,
  networkViews,
  sectionTitle,
  severalNetworksHeadline,
  type NetworkView,
} from './networks.js';
import {
  capturesLine,
  deservesAttention,
  logClockLine,
  hostActivity,
  endpoint,
  outcomeWords,
  unshownOutcomes,
  quietAbandonedWords,
  groupPorts,
  seenSpan,
  clockOf,
  shortIso,
} from './words.js';

const DEFAULT_WIDTH = 100;
/** Destination groups shown per host before "… n more". */
const GROUPS_SHOWN = 5;

/** Columns a string takes on the terminal (ANSI colour codes take none). */
function visible(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** Greedy word wrap; every line starts with `indent`, the first with `first` when given. */
export function wrap(text: string, width: number, indent: string, first = indent): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && visible(line) + 1 + visible(word) > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function labelBadges(host: HostFinding, color: boolean): string {
  return host.labels.map((l) => (color ? paint(l, LABEL_STYLE[l], true) : `[${l}]`)).join(' ');
}

function groupLines(group: DestinationGroup, width: number, color: boolean, clock: Clock): string[] {
  const ports =
    group.ports.length > 0
      ? ` port${group.ports.length > 1 ? 's' : ''} ${groupPorts(group)}`
      : group.pings !== undefined && group.pings > 0
        ? ' ping (ICMP echo)'
        : '';
  const via = group.viaProxy ? ' via the proxy' : '';
  const head = `▸ ${paint(clean(group.destination), 'bold', color)} (${group.groupedBy})${ports}${via} — ${plural(group.addresses, 'address', 'addresses')}`;
  const out = wrap(head, width, '      ', '  ');
  const pad = '      ';
  if (group.names.length > 0 && !(group.names.length === 1 && group.names[0] === group.destination)) {
    const shown = group.names.slice(0, 6).map(clean).join(', ');
    const more = group.names.length > 6 ? `, … ${group.names.length - 6} more` : '';
    out.push(...wrap(`names: ${shown}${more}`, width, pad + '       ', pad));
  }
  out.push(...wrap(outcomeWords(group), width, pad + '  ', pad));
  out.push(...wrap(`schedule: ${clean(scheduleWords(group.schedule))}`, width, pad + '          ', pad));
  out.push(
    ...wrap(
      `seen ${seenSpan(group.firstSeen, group.lastSeen, clock)}, out ${bytes(group.bytesOut)}, in ${bytes(group.bytesIn)}`,
      width,
      pad + '  ',
      pad,
    ),
  );
  return out;
}

function hostLines(host: HostFinding, width: number, color: boolean, clock: Clock): string[] {
  const out = wrap(`${paint(clean(host.address), 'bold', color)}  ${labelBadges(host, color)}`, width, '    ', '');
  out.push(...wrap(clean(host.verdict), width, '  '));
  const groups = [...host.groups].sort((a, b) => b.attempts - a.attempts);
  const numbers = [...hostActivity(host), `score ${decimal(host.score, 2)}`];
  out.push(...wrap(numbers.join(' · '), width, '    ', '  ').map((l) => paint(l, 'dim', color)));
  if (host.otherAddresses !== undefined) {
    const card = host.mac !== undefined ? ` (network card ${clean(host.mac)})` : '';
    out.push(...wrap(`also sent from: ${host.otherAddresses.map(clean).join(', ')}${card}`, width, '    ', '  '));
  }
  if (host.userAgents.length > 0) {
    out.push(...wrap(`user agents: ${host.userAgents.slice(0, 3).map(clean).join(' | ')}`, width, '    ', '  '));
  }
  if (host.evidence.length > 0) {
    out.push('  evidence:');
    for (const e of host.evidence) out.push(...wrap(clean(e), width, '      ', '    - '));
  }
  for (const g of groups.slice(0, GROUPS_SHOWN)) out.push(...groupLines(g, width, color, clock));
  if (groups.length > GROUPS_SHOWN || host.groupsOmitted !== undefined) {
    const rest = groups.slice(GROUPS_SHOWN);
    const omitted = host.groupsOmitted;
    const more = rest.length + (omitted?.groups ?? 0);
    const attempts = rest.reduce((n, g) => n + g.attempts, 0) + (omitted?.attempts ?? 0);
    // Said as the groups shown say theirs: among the attempts, those the client gave up on and those the end cut off.
    const abandoned = rest.reduce((n, g) => n + (g.abandonedByClient ?? 0), 0) + (omitted?.abandonedByClient ?? 0);
    const cutOff = rest.reduce((n, g) => n + (g.cutOff ?? 0), 0) + (omitted?.cutOff ?? 0);
    out.push(
      ...wrap(
        `… ${plural(more, 'more destination group')} (${plural(attempts, 'attempt')}${unshownOutcomes(abandoned, cutOff)}; ` +
          `${omitted === undefined ? '--format json has them all' : `--format json has the first ${count(groups.length)}, and counts the rest`})`,
        width,
        '    ',
        '  ',
      ),
    );
  }
  return out;
}

function proxyLine(p: ProxyFinding, width: number): string[] {
  const where = endpoint(clean(p.address), p.port);
  const clients =
    p.clients.length > 0
      ? `; ${plural(p.clients.length, 'client')}: ${p.clients.slice(0, 8).map(clean).join(', ')}${p.clients.length > 8 ? ', …' : ''}`
      : '';
  return wrap(`${where} (${p.source}) — ${clean(p.evidence)}${clients}`, width, '      ', '  ');
}

function resetSourceLine(r: ResetSource, width: number, color: boolean): string[] {
  const style = r.attribution === 'middlebox' ? 'red' : r.attribution === 'endpoint' ? 'green' : 'yellow';
  const rtt = r.medianRttMs === null ? '' : `, median RTT ${duration(r.medianRttMs / 1000)}`;
  const routers = Number.isFinite(r.hops) ? ` (${hops(r.hops)})` : '';
  // TTL -1: read from a log that records none
  const ttlWords = r.ttl < 0 ? ' (no TTL recorded)' : ` with ${ttl(r.ttl, r.addressList)}${routers}`;
  const what =
    r.kind === 'log'
      ? `${plural(r.resets, 'denial')} logged for ${plural(r.remoteAddresses, 'address', 'addresses')}`
      : `${plural(r.resets, r.kind === 'icmp' ? 'ICMP refusal' : 'reset')}${ttlWords} for ${plural(r.remoteAddresses, 'address', 'addresses')}${rtt}`;
  return wrap(`${paint(r.attribution, style, color)}: ${what} — ${clean(r.evidence)}`, width, '      ', '  ');
}

/**
 * Endpoint reset sources listed at most, the busiest first, before the rest are counted in one
 * line: a busy network's servers refusing connections themselves are dozens of TTLs, and the
 * devices in the path are what the list is read for.
 */
const ENDPOINT_SOURCES_SHOWN = 5;

/** Every reset source, but beyond ENDPOINT_SOURCES_SHOWN endpoints (unless `all`) those counted in one line. */
function resetSourceLines(sources: readonly ResetSource[], all: boolean, width: number, color: boolean): string[] {
  const endpoints = sources.filter((r) => r.attribution === 'endpoint');
  const shown = all || endpoints.length <= ENDPOINT_SOURCES_SHOWN + 1 ? endpoints : endpoints.slice(0, ENDPOINT_SOURCES_SHOWN);
  const listed = new Set(shown);
  const out = sources.filter((r) => r.attribution !== 'endpoint' || listed.has(r)).flatMap((r) => resetSourceLine(r, width, color));
  const rest = endpoints.filter((r) => !listed.has(r));
  if (rest.length > 0) {
    const resets = rest.reduce((n, r) => n + r.resets, 0);
    const words =
      `${paint('endpoint', 'green', color)}: ${plural(rest.length, 'more reset source')} like those above, ${plural(resets, 'refusal')}: ` +
      `servers refusing connections themselves, each with the TTL of its own packets (--all-hosts or --format json lists each)`;
    out.push(...wrap(words, width, '      ', '  '));
  }
  return out;
}

/** Hosts without findings in one table of counts, by what they did. */
function quietHostsLines(quiet: QuietHosts, allHosts: boolean, width: number, color: boolean): string[] {
  const rows = quiet.byActivity.map((r) => [
    QUIET_ACTIVITIES[r.activity].name,
    count(r.hosts),
    count(r.connections),
    count(r.attempts),
    count(r.failed),
  ]);
  const headers = ['without findings', 'hosts', 'connections', 'attempts', 'failed'];
  const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i]!))));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  const out = [paint(line(headers), 'dim', color), ...rows.map((r) => line(r.map(clean)))];
  const note = allHosts ? '' : ' (--all-hosts lists each host)';
  out.push(
    ...wrap(`${plural(quiet.count, 'host')} without findings${note}${quietAbandonedWords(quiet)}.`, width, '    ', '  ').map((l) =>
      paint(l, 'dim', color),
    ),
  );
  return out;
}

/** The known-destinations lines that matched, and how many matched nothing. */
function understoodLines(understood: UnderstoodDestinations[], width: number): string[] {
  const out: string[] = [];
  for (const u of understood) {
    if (u.connections === 0) continue;
    const where =
      u.destinations.length > 0 ? ` (${u.destinations.slice(0, 4).map(clean).join(', ')}${u.destinations.length > 4 ? ', …' : ''})` : '';
    out.push(
      ...wrap(
        `${clean(u.rule)} — ${clean(u.reason)}: ${plural(u.hosts, 'host')}, ${plural(u.connections, 'connection')}, ${plural(u.attempts, 'attempt')}${where}`,
        width,
        '      ',
        '  ',
      ),
    );
  }
  const unmatched = unmatchedKnownWords(understood);
  if (unmatched !== null) out.push(...wrap(clean(unmatched), width, '    ', '  '));
  return out;
}

/** Inputs named one by one in the summary's head, at most: a folder of a day's hourly logs is hundreds of files. */
const FILES_NAMED = 8;

/** The inputs as the summary's head names them: each, or where they are, how many, the first and the last. */
export function filesNamed(files: readonly string[]): string {
  if (files.length <= FILES_NAMED) return files.join(', ');
  // The folder they all lie under, and each named from there.
  let common = files[0]!.slice(0, files[0]!.lastIndexOf('/') + 1);
  for (const f of files)
    while (common !== '' && !f.startsWith(common)) common = common.slice(0, common.lastIndexOf('/', common.length - 2) + 1);
  const inside = (f: string): string => f.slice(common.length);
  const under = common === '' ? '' : ` under ${common.length > 1 ? common.slice(0, -1) : common}`;
  return `${count(files.length)} files${under}: ${inside(files[0]!)}, ${inside(files[1]!)} … ${inside(files[files.length - 1]!)}`;
}

/** `callhome analyze` for the terminal, its lines: one-screen summary, then hosts, proxies, reset sources — network by network when there are several. */
export function analyzeTextLines(result: AnalysisResult, options: RenderOptions): string[] {
  const width = Math.max(40, options.width ?? DEFAULT_WIDTH);
  const color = options.color;
  const out: string[] = [];
  const views = networkViews(result);
  const headline = severalNetworksHeadline(result);
  const line = capturesLine(result.captures, { span: headline === null });
  out.push(...wrap(`${paint('callhome', 'bold', color)}: ${line}`, width, '  ', ''));
  const files = filesNamed(result.captures.map((c) => clean(c.file)));
  const clock = logClockLine(result.captures);
  if (headline === null) {
    if (files) out.push(...wrap(files, width, '  '));
    if (clock !== null) out.push(...wrap(clean(clock), width, '  '));
  } else {
    out.push('', ...wrap(clean(headline), width, '    ', '  ').map((l) => paint(l, 'bold', color)));
  }
  out.push('');
  const understood = result.understood.length > 0 ? understoodBlock(result.understood, width, color) : [];
  for (const view of views) {
    if (view.network !== null) {
      out.push(...wrap(paint(networkTitle(view), 'bold', color), width, '  ', ''));
      out.push(...wrap(clean(networkFiles(view.network)), width, '    ', '  '));
      out.push(...wrap(clean(networkReason(view.network)), width, '    ', '  ').map((l) => paint(l, 'dim', color)));
      out.push('');
    }
    out.push(...networkLines(view, options, width, view.network === null ? understood : []));
  }
  if (headline !== null) out.push(...understood);
  // most warnings name their file first already
  const warnings = result.captures.flatMap((c) => c.warnings.map((w) => clean(w.startsWith(c.file) ? w : `${c.file}: ${w}`)));
  if (warnings.length > 0) {
    out.push(paint('Warnings', 'bold', color));
    for (const w of warnings) out.push(...wrap(w, width, '    ', '  ! '));
    out.push('');
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function understoodBlock(understood: UnderstoodDestinations[], width: number, color: boolean): string[] {
  return [paint('Understood destinations (--known)', 'bold', color), ...understoodLines(understood, width), ''];
}

/**
 * One network's summary, hosts, proxies and reset sources (the whole result when it is one
 * network); `understood` goes between its hosts and its proxies.
 */
function networkLines(view: NetworkView, options: RenderOptions, width: number, understood: string[]): string[] {
  const { result } = view;
  const color = options.color;
  const out: string[] = [];
  if (result.summary.length > 0) {
    for (const s of result.summary) out.push(...wrap(clean(s), width, '    ', '  • '));
  } else {
    out.push('  Nothing calling home was found.');
  }
  const attention = result.hosts.filter(deservesAttention);
  const quiet = options.allHosts === true ? result.hosts.filter((h) => !deservesAttention(h)) : [];
  out.push('');
  const counts = `${plural(attention.length + result.quietHosts.count, 'internal host')}, ${count(attention.length)} with findings; ${plural(result.proxies.length, 'proxy', 'proxies')}; ${plural(result.resetSources.length, 'reset source')}`;
  out.push(...wrap(counts, width, '  ', '').map((l) => paint(l, 'dim', color)));

  if (attention.length > 0) {
    out.push('', paint(sectionTitle('Hosts', view), 'bold', color), '');
    const clock = clockOf(result.captures);
    for (const h of attention) out.push(...hostLines(h, width, color, clock), '');
  }
  if (result.quietHosts.count > 0) {
    // Set apart from the counts above as the hosts with findings are (they end with a blank line).
    if (attention.length === 0) out.push('');
    out.push(paint(sectionTitle(attention.length > 0 ? 'Other hosts' : 'Hosts', view), 'bold', color));
    out.push(...quietHostsLines(result.quietHosts, options.allHosts === true, width, color));
    for (const h of quiet) {
      const labels = h.labels.length > 0 ? ` ${labelBadges(h, color)}` : '';
      out.push(...wrap(`${clean(h.address)}${labels} — ${clean(h.verdict)}`, width, '      ', '  '));
    }
    out.push('');
  }
  out.push(...understood);
  if (result.proxies.length > 0) {
    out.push(paint(sectionTitle('Proxies', view), 'bold', color));
    for (const p of result.proxies) out.push(...proxyLine(p, width));
    out.push('');
  }
  if (result.resetSources.length > 0) {
    out.push(paint(sectionTitle('Reset sources', view), 'bold', color));
    out.push(...resetSourceLines(result.resetSources, options.allHosts === true, width, color));
    out.push('');
  }
  if (view.network !== null && out[out.length - 1] !== '') out.push('');
  return out;
}

// ---------------------------------------------------------------- info

const LINKTYPE_NAMES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  9: 'PPP',
  101: 'raw IP',
  104: 'Cisco HDLC',
  105: 'IEEE 802.11',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  117: 'pf firewall log',
  119: 'IEEE 802.11 with Prism header',
  127: 'IEEE 802.11 with radiotap header',
  149: 'user 2: Apple PKTAP on older macOS',
  163: 'IEEE 802.11 with AVS header',
  192: 'PPI',
  228: 'raw IPv4',
  229: 'raw IPv6',
  239: 'Linux NFLOG',
  258: 'Apple PKTAP',
  276: 'Linux cooked v2 (SLL2)',
};

export function linktypeName(linktype: number): string {
  const name = LINKTYPE_NAMES[linktype];
  return name ? `${linktype} (${name})` : String(linktype);
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${clean(k)} ${count(n)}`).join(', ');
}

/** "pcap (microsecond, little-endian)", whether or not the detail already names the format. */
function formatWords(c: CaptureSummary): string {
  const detail = clean(c.formatDetail);
  if (!detail) return c.format;
  return detail.toLowerCase().startsWith(c.format) ? detail : `${c.format} (${detail})`;
}

/** Interface lines shown under "interfaces" before "… n more". */
const INTERFACES_SHOWN = 20;

/** "434,628 bytes (424 KiB)". */
function sizeWords(n: number): string {
  return n < 1024 ? plural(n, 'byte') : `${plural(n, 'byte')} (${bytes(n)})`;
}

/** On disk, and for gzip what it holds. */
function fileSizeWords(c: CaptureSummary): string {
  const onDisk = c.fileSize === null ? 'not known (read from a stream)' : sizeWords(c.fileSize);
  if (c.compressed === null || c.uncompressedSize === null) return onDisk;
  const ratio = c.fileSize !== null && c.fileSize > 0 ? `, ${decimal(c.uncompressedSize / c.fileSize, 1)}:1` : '';
  return `${onDisk} compressed; ${sizeWords(c.uncompressedSize)} of capture data${ratio}`;
}

/** A snapshot length: "262,144 bytes", "none given" for 0. */
function snaplenWords(snaplen: number): string {
  return snaplen === 0 ? 'none given' : plural(snaplen, 'byte');
}

/** Time stamp resolution: "microseconds", "nanoseconds", "2^-20 s". */
function resolutionWords(unitsPerSecond: number): string {
  const decimalNames: Record<number, string> = { 1: 'seconds', 1e3: 'milliseconds', 1e6: 'microseconds', 1e9: 'nanoseconds' };
  const named = decimalNames[unitsPerSecond];
  if (named !== undefined) return named;
  const power = Math.log2(unitsPerSecond);
  return Number.isInteger(power) ? `2^-${power} s` : `1/${count(unitsPerSecond)} s`;
}

/** "0: eth0 “Intel Ethernet”, 1 (Ethernet), snaplen 262,144 bytes, microseconds, OS Linux 6.1". */
function interfaceWords(i: CaptureSummary['interfaceDetails'][number]): string {
  const parts = [`${i.id}: ${i.name === null ? '(no name)' : clean(i.name)}${i.description === null ? '' : ` “${clean(i.description)}”`}`];
  parts.push(linktypeName(i.linktype), `snaplen ${snaplenWords(i.snaplen)}`, resolutionWords(i.tsUnitsPerSecond));
  if (i.tsOffset !== 0) parts.push(`time offset ${plural(i.tsOffset, 'second')}`);
  if (i.os !== null) parts.push(`OS ${clean(i.os)}`);
  if (i.hardware !== null) parts.push(`hardware ${clean(i.hardware)}`);
  return parts.join(', ');
}

/** "Dumpcap (Wireshark) 4.4.0; OS 64-bit Windows 11; hardware AMD EPYC 7452". */
function writtenByWords(w: NonNullable<CaptureSummary['writtenBy']>): string {
  const parts: string[] = [];
  if (w.application !== null) parts.push(clean(w.application));
  if (w.os !== null) parts.push(`OS ${clean(w.os)}`);
  if (w.hardware !== null) parts.push(`hardware ${clean(w.hardware)}`);
  return parts.join('; ');
}

/** capinfos's "Strict time order", with where it breaks. */
function timeOrderWords(order: NonNullable<CaptureSummary['timeOrder']>): string {
  if (order.ordered === true) return 'yes';
  if (order.ordered === null)
    return `unknown: ${plural(order.untimedRecords, 'record')} without a time of ${order.untimedRecords === 1 ? 'its' : 'their'} own`;
  const earlier = order.earlierRecords === 1 ? '1 record earlier' : `${count(order.earlierRecords)} records earlier`;
  return `no, ${earlier} than the one before, first at record ${count(order.firstEarlierRecord ?? 0)}`;
}

/** Rows only captures have (logs have null there): what capinfos tells. */
function captureFileRows(c: CaptureSummary): { before: [string, string][]; after: [string, string][] } {
  const before: [string, string][] = [];
  const after: [string, string][] = [];
  if (c.timeOrder === null) return { before, after };
  before.push(['file size', fileSizeWords(c)]);
  if (c.snaplen !== null) before.push(['snaplen', snaplenWords(c.snaplen)]);
  if (c.writtenBy !== null) before.push(['written by', writtenByWords(c.writtenBy)]);
  if (c.wireBytes !== null) {
    const captured = c.wireBytes === c.bytes ? 'all captured' : `${count(c.bytes)} captured`;
    after.push(['data size', `${plural(c.wireBytes, 'byte')} on the wire (${captured})`]);
  }
  if (c.dataByteRate !== null && c.dataBitRate !== null) {
    after.push(['data rate', `${decimal(c.dataByteRate, 2)} bytes/s, ${decimal(c.dataBitRate, 2)} bits/s`]);
  }
  if (c.averagePacketSize !== null) {
    const rate = c.averagePacketRate === null ? '' : `, ${decimal(c.averagePacketRate, 2)} packets/s`;
    after.push(['average', `${decimal(c.averagePacketSize, 2)} bytes a packet${rate}`]);
  }
  if (c.packets > 0) after.push(['time order', timeOrderWords(c.timeOrder)]);
  return { before, after };
}

/** `callhome info` for the terminal: one block per capture. */
export function renderInfoText(captures: CaptureSummary[], options: RenderOptions): string {
  const width = Math.max(40, options.width ?? DEFAULT_WIDTH);
  const label = ' '.repeat(14);
  const blocks = captures.map((c) => {
    const file = captureFileRows(c);
    // A log has rows or entries, not packets, and no link type or interfaces.
    const log = c.format !== 'pcap' && c.format !== 'pcapng';
    const units = !log ? 'packets' : c.format === 'zeek-tsv' || c.format === 'zeek-json' ? 'rows' : 'entries';
    const rows: [string, string][] = [
      ['format', `${formatWords(c)}${c.compressed ? `, ${c.compressed}-compressed` : ''}`],
      ...file.before,
      ...(log
        ? []
        : ([
            ['link type', c.linktypes.length > 1 ? c.linktypes.map(linktypeName).join(', ') : linktypeName(c.linktype)],
            ['interfaces', String(c.interfaces)],
          ] as [string, string][])),
      [units, `${count(c.packets)} (${bytes(c.bytes)})`],
      [
        'time',
        c.start
          ? `${c.end ? seenSpan(c.start, c.end, clockOf([c])) : shortIso(c.start, clockOf([c]))}${c.durationSeconds !== null ? ` (${duration(c.durationSeconds)})` : ''}`
          : `no ${units}`,
      ],
      ...file.after,
      [
        'decoded',
        `IPv4 ${count(c.decoded.ipv4)}, IPv6 ${count(c.decoded.ipv6)}, TCP ${count(c.decoded.tcp)}, UDP ${count(c.decoded.udp)}, ICMP ${count(c.decoded.icmp)}, other ${count(c.decoded.other)}`,
      ],
    ];
    // A packet logger's capture: what the firewall did with the packets, as the logger says.
    if (c.logged !== undefined) rows.push(['logged', `blocked ${count(c.logged.blocked)}, passed ${count(c.logged.passed)}`]);
    rows.push(['skipped', counts(c.skipped)], ['anomalies', counts(c.anomalies)]);
    // pcap's one interface is said by the link type and snaplen rows; pcapng's each get a line.
    const details = c.format === 'pcapng' ? c.interfaceDetails : [];
    const lines = [paint(clean(c.file), 'bold', options.color)];
    for (const [k, v] of rows) {
      lines.push(...wrap(v, width, label, `  ${k.padEnd(12)}`));
      if (k !== 'interfaces') continue;
      for (const i of details.slice(0, INTERFACES_SHOWN)) lines.push(...wrap(interfaceWords(i), width, `${label}   `, label));
      if (details.length > INTERFACES_SHOWN) lines.push(`${label}… ${count(details.length - INTERFACES_SHOWN)} more`);
    }
    for (const w of c.warnings)
      lines.push(...wrap(clean(w), width, label, `  ${paint('warning', 'yellow', options.color).padEnd(options.color ? 12 + 10 : 12)}`));
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

// ---------------------------------------------------------------- compare

/** `callhome compare` for the terminal: shared, then differing behaviours, then the conclusion. */
export function renderCompareText(result: CompareResult, options: RenderOptions): string {
  const width = Math.max(40, options.width ?? DEFAULT_WIDTH);
  const color = options.color;
  const names = result.captures.map(clean);
  const out = [`${paint('callhome compare', 'bold', color)}: ${names.join(' ↔ ')}`, ''];
  const block = (title: string, mark: string, items: CompareResult['shared']) => {
    out.push(paint(title, 'bold', color));
    if (items.length === 0) out.push('  none');
    for (const b of items) {
      out.push(...wrap(clean(b.behaviour), width, '    ', `  ${mark} `));
      b.perCapture.forEach((numbers, i) =>
        out.push(...wrap(clean(numbers), width, '        ', `      ${names[i] ?? `capture ${i + 1}`}: `)),
      );
    }
    out.push('');
  };
  block('Shared behaviour', paint('=', 'green', color), result.shared);
  block('Different behaviour', paint('≠', 'yellow', color), result.different);
  out.push(paint('Conclusion', 'bold', color));
  out.push(...wrap(clean(result.conclusion), width, '  '));
  return `${out.join('\n')}\n`;
}
