/**
 * Markdown for incident tickets (GitHub/GitLab flavoured): headings, pipe tables, and every
 * capture-derived string escaped so it renders literally (no HTML, links, mentions, code).
 */
import type { AnalysisResult, CompareResult, HostFinding } from '../analysis/types.js';
import type { ConnState } from '../flows/connection.js';
import { CONN_STATES } from '../flows/conn-state.js';
import { escapeMarkdown as md } from './escape.js';
import {
  capturesTable,
  networkSections,
  otherHostsTable,
  quietHostsTable,
  understoodTable,
  unmatchedKnownWords,
  type Cell,
  type TableModel,
} from './tables.js';
import { networkFiles, networkReason, networkTitle, networkViews, severalNetworksHeadline } from './networks.js';
import type { RenderOptions, ReportConnections } from './types.js';
import { scheduleWords } from '../analysis/schedule-words.js';
import { bytes, count, decimal } from '../quantities.js';
import {
  FULL_HOSTS,
  capturesLine,
  logClockLine,
  deservesAttention,
  flowGroups,
  flowHosts,
  flowsLeftOutWords,
  groupsListed,
  listedHosts,
  partlyShownWords,
  quietAbandonedWords,
  resetsCell,
  groupPorts,
  shortIso,
  clockOf,
  totalResets,
} from './words.js';

/** A GitHub pipe table; cells must already be escaped. Numeric columns are right-aligned. */
export function markdownTable(headers: string[], rows: string[][], numeric: boolean[] = []): string {
  const line = (cells: string[]) => `| ${cells.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`;
  const separator = headers.map((_, i) => (numeric[i] ? '---:' : '---'));
  return [line(headers), `|${separator.join('|')}|`, ...rows.map(line)].join('\n');
}

/** A shared table (tables.ts) as a pipe table: every cell escaped for Markdown. */
function modelTable(model: TableModel): string {
  const cell = (c: Cell): string => {
    switch (c.kind) {
      case 'text':
      case 'code':
        return md(c.text);
      case 'number':
        return c.text;
      case 'labels':
        return c.labels.length === 0 ? 'none' : c.labels.map((l) => `\`${l}\``).join(' ');
      case 'names':
        return c.names.length === 0 ? '–' : `${count(c.names.length)}: ${namesCell(c.names, 8)}`;
      case 'lines':
        return c.lines.length === 0 ? c.empty : c.lines.map(md).join('; ');
    }
  };
  return markdownTable(
    model.headers,
    model.rows.map((r) => r.map(cell)),
    model.roles.map((r) => r === 'n'),
  );
}

/** The labels are a closed set of plain words: safe in code spans. */
function labels(host: HostFinding): string {
  return host.labels.length === 0 ? 'none' : host.labels.map((l) => `\`${l}\``).join(' ');
}

function namesCell(names: string[], limit = 5): string {
  if (names.length === 0) return '–';
  const shown = names.slice(0, limit).map(md).join(', ');
  return names.length > limit ? `${shown}, … ${names.length - limit} more` : shown;
}

function hostSection(host: HostFinding, level = 2, full = true): string[] {
  const out = [`${'#'.repeat(level)} Host ${md(host.address)}`, ''];
  out.push(`**Labels:** ${labels(host)} · **score** ${decimal(host.score, 2)}`, '');
  out.push(md(host.verdict), '');
  if (host.otherAddresses !== undefined) {
    const card = host.mac !== undefined ? ` · network card ${md(host.mac)}` : '';
    out.push(`**Also sent from:** ${host.otherAddresses.map(md).join(', ')}${card}`, '');
  }
  if (host.evidence.length > 0) {
    out.push('**Evidence**', '');
    for (const e of host.evidence) out.push(`- ${md(e)}`);
    out.push('');
  }
  if (host.userAgents.length > 0) {
    out.push(`**User agents:** ${host.userAgents.map(md).join(' · ')}`, '');
  }
  const { groups, what, notes } = groupsListed(host, full);
  if (groups.length > 0) {
    // Said where the table holds fewer than the host's groups.
    if (!what.startsWith('all ')) out.push(`_${md(what)}_`, '');
    out.push(
      markdownTable(
        ['destination', 'names', 'ports', 'addresses', 'attempts', 'established', 'unanswered', 'resets', 'via proxy', 'schedule'],
        groups.map((g) => [
          md(g.destination),
          namesCell(g.names),
          groupPorts(g),
          count(g.addresses),
          count(g.attempts),
          count(g.established),
          count(g.unanswered),
          resetsCell(g),
          g.viaProxy ? 'yes' : 'no',
          md(scheduleWords(g.schedule)),
        ]),
        [false, false, false, true, true, true, true, false, false, false],
      ),
      '',
    );
  }
  for (const note of notes) out.push(md(note), '');

  return out;
}

function connectionStates(connections: ReportConnections): string[] {
  const byState = new Map<ConnState, number>();
  for (const c of connections) byState.set(c.connState, (byState.get(c.connState) ?? 0) + 1);
  const rows = [...byState.entries()].sort((a, b) => b[1] - a[1]).map(([state, n]) => [md(state), count(n), md(CONN_STATES[state])]);
  return ['## Connection states', '', markdownTable(['conn_state', 'connections', 'meaning'], rows, [false, true, false]), ''];
}

/** The summary of one network (or of the whole result) under a heading of `level`. */
function summaryLines(result: AnalysisResult, level: number): string[] {
  const out = [`${'#'.repeat(level)} Summary`, ''];
  if (result.summary.length === 0) out.push('Nothing calling home was found.');
  for (const s of result.summary) out.push(`- ${md(s)}`);
  out.push('');
  return out;
}

/** The hosts with findings, each a section, then the others counted (and listed with --all-hosts). */
function hostsLines(result: AnalysisResult, options: RenderOptions, level: number): string[] {
  const out: string[] = [];
  const listed = listedHosts(result, options);
  const attention = listed.filter(deservesAttention);
  for (let i = 0; i < attention.length; i++) {
    if (options.allHosts !== true && i === FULL_HOSTS) out.push(md(partlyShownWords()), '');
    out.push(...hostSection(attention[i]!, level, options.allHosts === true || i < FULL_HOSTS));
  }
  if (result.quietHosts.count > 0) {
    out.push(`${'#'.repeat(level)} Other hosts`, '', modelTable(quietHostsTable(result.quietHosts)), '');
    out.push(
      `${count(result.quietHosts.count)} ${result.quietHosts.count === 1 ? 'host' : 'hosts'} without findings${options.allHosts === true ? '' : ' (`--all-hosts` lists each host)'}${quietAbandonedWords(result.quietHosts)}.`,
      '',
    );
    const quiet = listed.filter((h) => !deservesAttention(h));
    if (quiet.length > 0) out.push(modelTable(otherHostsTable(quiet)), '');
  }
  return out;
}

function understoodLines(result: AnalysisResult): string[] {
  if (result.understood.length === 0) return [];
  const out = [
    '## Understood destinations',
    '',
    'Destinations the known-destinations list (`--known`) explains, kept out of the findings above.',
    '',
  ];
  if (result.understood.some((u) => u.connections > 0)) out.push(modelTable(understoodTable(result.understood)), '');
  const unmatched = unmatchedKnownWords(result.understood);
  if (unmatched !== null) out.push(md(unmatched), '');
  return out;
}

/** Proxies and reset sources. */
function tableSections(result: AnalysisResult, level: number): string[] {
  const out: string[] = [];
  for (const section of networkSections(result)) {
    out.push(`${'#'.repeat(level)} ${section.title}`, '');
    out.push(section.table !== null ? modelTable(section.table) : section.empty);
    out.push('');
  }
  return out;
}

function render(result: AnalysisResult, title: string, options: RenderOptions, connections?: ReportConnections): string[] {
  const out: string[] = [`# ${title}`, ''];
  const headline = severalNetworksHeadline(result);
  const views = networkViews(result);
  out.push(`_${md(headline === null ? capturesLine(result.captures) : capturesLine(result.captures, { span: false }))}_`, '');
  const logClock = logClockLine(result.captures);
  if (logClock !== null) out.push(`_${md(logClock)}_`, '');

  if (headline === null) {
    // One network: the layout every single-network report has always had.
    const view = views[0]!;
    out.push(...summaryLines(view.result, 2));
    out.push('## Captures', '', modelTable(capturesTable(result)), '');
    out.push(...hostsLines(view.result, options, 2));
    out.push(...understoodLines(result));
    out.push(...tableSections(view.result, 2));
  } else {
    out.push(`**${md(headline)}**`, '');
    out.push('## Captures', '', modelTable(capturesTable(result)), '');
    for (const view of views) {
      const network = view.network!;
      out.push(`## ${md(networkTitle(view))}`, '');
      out.push(md(networkFiles(network)), '');
      out.push(`_${md(networkReason(network))}_`, '');
      out.push(...summaryLines(view.result, 3));
      out.push(...hostsLines(view.result, options, 3));
      out.push(...tableSections(view.result, 3));
    }
    out.push(...understoodLines(result));
  }

  const listed = listedHosts(result, options);
  const several = headline !== null;
  const inFlows = flowHosts(listed, options);
  const clock = clockOf(result.captures);
  const flowRows = flowGroups(listed, inFlows).map(({ host: h, group: g }) => [
    ...(several ? [String(h.network ?? '')] : []),
    md(h.address),
    md(g.destination),
    count(g.attempts),
    count(g.established),
    count(g.unanswered),
    count(totalResets(g)),
    bytes(g.bytesOut),
    bytes(g.bytesIn),
    md(shortIso(g.firstSeen, clock)),
    md(shortIso(g.lastSeen, clock)),
  ]);
  out.push('## Flow summary', '');
  if (flowRows.length === 0) out.push('No outbound attempts.');
  else
    out.push(
      markdownTable(
        [
          ...(several ? ['network'] : []),
          ...['host', 'destination', 'attempts', 'established', 'unanswered', 'reset', 'bytes out', 'bytes in', 'first seen', 'last seen'],
        ],
        flowRows,
        [...(several ? [true] : []), false, false, true, true, true, true, true, true, false, false],
      ),
    );
  out.push('');
  if (inFlows < listed.length) out.push(md(flowsLeftOutWords(inFlows, listed.length)), '');

  if (connections && connections.length > 0) out.push(...connectionStates(connections));
  while (out[out.length - 1] === '') out.pop();
  return out;
}

/** `callhome analyze --format markdown`, its lines. */
export function analyzeMarkdownLines(result: AnalysisResult, options: RenderOptions): string[] {
  return render(result, 'callhome analysis', options);
}

/**
 * `callhome report -o report.md`, its lines: the analysis, plus a table of Zeek connection states when
 * the connections are passed along.
 */
export function reportMarkdownLines(result: AnalysisResult & { connections?: ReportConnections }, options: RenderOptions): string[] {
  return render(result, 'callhome report', options, result.connections);
}

/** `callhome compare --format markdown`. */
export function renderCompareMarkdown(result: CompareResult, _options: RenderOptions): string {
  const names = result.captures.map(md);
  const out = ['# callhome compare', '', `Captures: ${names.join(' · ')}`, ''];
  const section = (title: string, items: CompareResult['shared']) => {
    out.push(`## ${title}`, '');
    if (items.length === 0) out.push('None.');
    else
      out.push(
        markdownTable(
          ['behaviour', ...names],
          items.map((b) => [md(b.behaviour), ...result.captures.map((_, i) => md(b.perCapture[i] ?? '–'))]),
        ),
      );
    out.push('');
  };
  section('Shared behaviour', result.shared);
  section('Different behaviour', result.different);
  out.push('## Conclusion', '', md(result.conclusion), '');
  for (const [i, analysis] of result.analyses.entries()) {
    const hosts = analysis.hosts.filter(deservesAttention);
    out.push(`### ${names[i] ?? `capture ${i + 1}`}`, '');
    out.push(md(capturesLine(analysis.captures)), '');
    for (const h of hosts) out.push(`- **${md(h.address)}** ${labels(h)}: ${md(h.verdict)}`);
    if (hosts.length === 0) out.push('- no host with findings');
    out.push('');
  }
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
