/**
 * The tables the HTML and Markdown reports share, declared once as plain-text cells; each
 * renderer only decides how a cell is marked up and escaped.
 */
import {
  QUIET_ACTIVITIES,
  type AnalysisResult,
  type HostFinding,
  type Label,
  type ProxyFinding,
  type QuietHosts,
  type ResetSource,
  type UnderstoodDestinations,
} from '../analysis/types.js';
import { count, duration, ttlName } from '../quantities.js';
import { clockOf, shortIso } from './words.js';
import { hostTotals } from '../analysis/quiet.js';

/**
 * A cell: plain text (still hostile: the renderer escapes it), an address or file name shown as
 * code, a host's labels, a list of names the renderer may cut short, or several lines.
 */
export type Cell =
  | { kind: 'text'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'labels'; labels: Label[] }
  | { kind: 'names'; names: string[] }
  | { kind: 'lines'; lines: string[]; empty: string };

/** Column roles: number, time, address, prose, a file's path, or plain. */
export type ColumnRole = 'n' | 't' | 'a' | 'w' | 'p' | '';

export interface TableModel {
  headers: string[];
  roles: ColumnRole[];
  rows: Cell[][];
}

const text = (t: string): Cell => ({ kind: 'text', text: t });
const num = (t: string): Cell => ({ kind: 'number', text: t });
const code = (t: string): Cell => ({ kind: 'code', text: t });

/** The captures; with several networks, the network each was analysed in comes first. */
export function capturesTable(result: AnalysisResult): TableModel {
  const several = result.captures.some((c) => c.network !== undefined);
  return {
    headers: [...(several ? ['network'] : []), 'file', 'format', 'link type', 'packets', 'start', 'end', 'warnings'],
    roles: [...(several ? (['n'] as const) : []), 'p', '', 'n', 'n', 't', 't', ''],
    rows: result.captures.map((c) => [
      ...(several ? [num(String(c.network ?? ''))] : []),
      code(c.file),
      text(c.format + (c.compressed ? ` (${c.compressed})` : '')),
      // A log has no link type.
      c.linktype < 0 ? text('—') : num(String(c.linktype)),
      num(count(c.packets)),
      text(shortIso(c.start, clockOf([c]))),
      text(shortIso(c.end, clockOf([c]))),
      { kind: 'lines', lines: c.warnings, empty: 'none' },
    ]),
  };
}

export function otherHostsTable(hosts: HostFinding[]): TableModel {
  return {
    headers: ['host', 'labels', 'attempts', 'verdict'],
    roles: ['a', '', 'n', 'w'],
    rows: hosts.map((h) => [code(h.address), { kind: 'labels', labels: h.labels }, num(count(hostTotals(h, 0).attempts)), text(h.verdict)]),
  };
}

/** Hosts without findings, one row per thing they did: the table that stands in for thousands of host rows. */
export function quietHostsTable(quiet: QuietHosts): TableModel {
  return {
    headers: ['what they did', 'hosts', 'connections', 'attempts', 'failed', 'meaning'],
    roles: ['', 'n', 'n', 'n', 'n', 'w'],
    rows: quiet.byActivity.map((r) => [
      text(QUIET_ACTIVITIES[r.activity].name),
      num(count(r.hosts)),
      num(count(r.connections)),
      num(count(r.attempts)),
      num(count(r.failed)),
      text(QUIET_ACTIVITIES[r.activity].meaning),
    ]),
  };
}

/** The known-destinations lines that matched, with what each took out of the findings. */
export function understoodTable(understood: UnderstoodDestinations[]): TableModel {
  return {
    headers: ['known destination', 'reason', 'hosts', 'connections', 'attempts', 'destinations'],
    roles: ['', 'w', 'n', 'n', 'n', ''],
    rows: understood
      .filter((u) => u.connections > 0)
      .map((u) => [
        code(u.rule),
        text(u.reason),
        num(count(u.hosts)),
        num(count(u.connections)),
        num(count(u.attempts)),
        { kind: 'names', names: u.destinations },
      ]),
  };
}

/** "3 known destination lines matched nothing (known:4, known:9, known:12)." — or null when every line matched. */
export function unmatchedKnownWords(understood: UnderstoodDestinations[]): string | null {
  const unmatched = understood.filter((u) => u.connections === 0);
  if (unmatched.length === 0) return null;
  const where = unmatched
    .slice(0, 8)
    .map((u) => u.source)
    .join(', ');
  return `${count(unmatched.length)} known destination ${unmatched.length === 1 ? 'line' : 'lines'} matched nothing (${where}${unmatched.length > 8 ? ', …' : ''}).`;
}

export function proxiesTable(proxies: ProxyFinding[]): TableModel {
  return {
    headers: ['address', 'port', 'source', 'clients', 'evidence'],
    roles: ['a', 'n', '', '', 'w'],
    rows: proxies.map((p) => [
      code(p.address),
      num(p.port === null ? '–' : String(p.port)),
      text(p.source),
      { kind: 'names', names: p.clients },
      text(p.evidence),
    ]),
  };
}

export function resetSourcesTable(sources: ResetSource[]): TableModel {
  return {
    headers: [
      'attribution',
      'kind',
      ttlName(sources.flatMap((r) => r.addressList)),
      'resets',
      'remote addresses',
      'median RTT',
      'evidence',
    ],
    roles: ['', '', 'n', 'n', 'n', 'n', 'w'],
    rows: sources.map((r) => [
      text(r.attribution),
      text(r.kind),
      num(r.ttl < 0 ? '-' : String(r.ttl)),
      num(count(r.resets)),
      num(count(r.remoteAddresses)),
      num(r.medianRttMs === null ? '–' : duration(r.medianRttMs / 1000)),
      text(r.evidence),
    ]),
  };
}

/** A report section that is a table, or a sentence when there is nothing to list. */
export interface TableSection {
  id: string;
  title: string;
  table: TableModel | null;
  /** Said instead of the table when there is none. */
  empty: string;
}

/** The proxies and reset-sources sections, the same in every report format. */
export function networkSections(result: AnalysisResult): TableSection[] {
  return [
    {
      id: 'proxies',
      title: 'Proxies',
      table: result.proxies.length > 0 ? proxiesTable(result.proxies) : null,
      empty: 'No proxy was given or detected.',
    },
    {
      id: 'reset-sources',
      title: 'Reset sources',
      table: result.resetSources.length > 0 ? resetSourcesTable(result.resetSources) : null,
      empty: 'No resets or ICMP refusals were seen.',
    },
  ];
}
