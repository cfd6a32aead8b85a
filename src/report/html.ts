/**
 * `callhome report -o report.html`: one self-contained page — inline CSS and SVG, no script,
 * no external resource, a CSP that forbids loading anything — readable on screen and in print.
 * Every capture-derived string goes through `escapeHtml`.
 */
import type { AnalysisResult, Attempt, DestinationGroup, HostFinding } from '../analysis/types.js';
import type { ConnState } from '../flows/connection.js';
import { CONN_STATES } from '../flows/conn-state.js';
import { OUTCOME_COLOR, addressBarsChart, portChart, timelineChart } from './charts.js';
import { escapeHtml as h } from './escape.js';
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
import { networkReason, networkTitle, networkViews, sectionTitle, severalNetworksHeadline, type NetworkView } from './networks.js';
import type { RenderOptions, ReportConnections } from './types.js';
import { scheduleWords } from '../analysis/schedule-words.js';
import { bootSeconds, type Clock } from '../time.js';
import { bytes, count, decimal, plural } from '../quantities.js';
import {
  FULL_HOSTS,
  OUTCOMES,
  partlyShownWords,
  capturesLine,
  logClockLine,
  deservesAttention,
  flowGroups,
  flowHosts,
  flowsLeftOutWords,
  groupsListed,
  hostActivity,
  listedHosts,
  outcomeWords,
  resetsCell,
  quietAbandonedWords,
  groupPorts,
  shortIso,
  clockOf,
  totalResets,
} from './words.js';

/** Destination groups per host that get their own address chart. */
const GROUP_CHARTS = 3;
/** Ports listed in a destination's row; the rest are in the cell's tooltip. */
const PORTS_SHOWN = 20;
/** Rows a table shows open; a longer one is collapsed under a <details> line saying what it holds. */
const OPEN_ROWS = 25;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 980px; padding: 24px; overflow-wrap: break-word; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #555; margin: 0; }
code, .mono, td.addr { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
h2 .mono { font-size: inherit; }
table { border-collapse: collapse; margin: 8px 0 12px; width: 100%; }
table.narrow { width: auto; min-width: 16em; }
th, td { text-align: left; padding: 4px 7px; border-bottom: 1px solid #e2e2e2; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.w { min-width: 16em; }
td.a { white-space: nowrap; }
td.d { min-width: 13em; }
td.d .mono, td.w .mono, td.b .mono { overflow-wrap: anywhere; }
/* A file's path is one long word: it wraps anywhere rather than run off the page. */
td.p .mono, .meta .mono { overflow-wrap: anywhere; }
.label { display: inline-block; padding: 1px 7px; margin: 0 4px 2px 0; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid; vertical-align: middle; }
.label-proxy-bypass, .label-blocked, .label-dns-tunnel { color: #9a2c00; border-color: #d55e00; background: #fff1e8; }
.label-periodic { color: #7a5600; border-color: #e69f00; background: #fff8e6; }
.label-via-proxy { color: #00664a; border-color: #009e73; background: #e8f7f2; }
.label-scanner, .label-flood { color: #7a2460; border-color: #cc79a7; background: #fbeef6; }
.verdict { font-size: 15px; margin: 8px 0; }
.numbers { color: #444; margin: 4px 0 8px; }
ul.evidence { margin: 4px 0 8px; padding-left: 20px; }
figure { margin: 12px 0 18px; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: #555; font-size: 12px; margin-top: 2px; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
svg.chart text { fill: #333; }
svg.chart .axis-title { fill: #555; }
svg.chart .note, svg.chart .value { fill: #666; }
nav ul { list-style: none; padding: 0; margin: 8px 0; }
nav li { margin: 2px 0; }
a { color: #0b57d0; }
section.host { border-top: 3px solid #d55e00; margin-top: 28px; }
section.host > h2 { border: 0; margin-top: 8px; }
section.network > h2.network-title { font-size: 21px; border-bottom: 3px solid #0b57d0; margin-top: 44px; }
.network-tag { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #0b57d0; border: 1px solid #0b57d0; vertical-align: middle; }
.headline { font-size: 16px; font-weight: 600; margin: 8px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
details > summary { cursor: pointer; color: #0b57d0; margin: 6px 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
  section.host { break-before: page; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .label, .swatch, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/**
 * Column kinds: n = number (right-aligned), t = time and a = address (kept on one line),
 * w = prose and d = names (given room), b = names in a crowded table, p = a file's path; a long
 * name or path may break anywhere.
 */
type ColumnClass = 'n' | 't' | 'w' | 'a' | 'd' | 'b' | 'p' | '';

function table(headers: string[], rows: string[][], classes: ColumnClass[] = [], narrow = false): string {
  const cls = (i: number) => (classes[i] ? ` class="${classes[i]}"` : '');
  const head = headers.map((c, i) => `<th${cls(i)}>${c}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${narrow ? ' class="narrow"' : ''}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A table of `rows` rows, collapsed under "what (n rows)" when longer than OPEN_ROWS; `what` is already escaped. */
function collapsed(html: string, rows: number, what: string): string {
  return rows > OPEN_ROWS ? `<details>\n<summary>${what} (${h(plural(rows, 'row'))})</summary>\n${html}\n</details>` : html;
}

/** A shared table (tables.ts) as HTML: every cell escaped, addresses and names in code type. */
function modelTable(model: TableModel): string {
  const cell = (c: Cell): string => {
    switch (c.kind) {
      case 'text':
      case 'number':
        return h(c.text);
      case 'code':
        return `<span class="mono">${h(c.text)}</span>`;
      case 'labels':
        return c.labels.map((l) => `<span class="label label-${l}">${h(l)}</span>`).join('') || '–';
      case 'names':
        return c.names.length === 0 ? '–' : `${count(c.names.length)}: ${namesList(c.names, 12)}`;
      case 'lines':
        return c.lines.length === 0 ? c.empty : c.lines.map(h).join('<br>');
    }
  };
  return table(
    model.headers,
    model.rows.map((r) => r.map(cell)),
    model.roles,
  );
}

function labelBadges(host: HostFinding): string {
  return host.labels.map((l) => `<span class="label label-${l}">${h(l)}</span>`).join('');
}

function namesList(names: string[], limit = 8): string {
  if (names.length === 0) return '–';
  const shown = names
    .slice(0, limit)
    .map((n) => `<span class="mono">${h(n)}</span>`)
    .join(', ');
  return names.length > limit ? `${shown}, … ${names.length - limit} more` : shown;
}

/** Whether the attempts' source ports carry no pattern: most attempts UDP, or a handful of ports for many attempts. */
function sourcePortsMeanNothing(attempts: readonly Attempt[]): boolean {
  let udp = 0;
  const ports = new Set<number>();
  for (const a of attempts) {
    if (a.proto === 'udp') udp++;
    ports.add(a.sourcePort);
  }
  return udp > attempts.length / 2 || (attempts.length >= 10 && ports.size <= 2);
}

function attemptsOf(host: HostFinding, group: DestinationGroup): Attempt[] {
  const byDestination = host.attempts.filter((a) => a.destination === group.destination);
  if (byDestination.length > 0) return byDestination;
  const addresses = new Set(group.addressList);
  return host.attempts.filter((a) => addresses.has(a.address));
}

/** "network 2" beside a host's address when there are several networks. */
function networkTag(host: HostFinding): string {
  return host.network === undefined ? '' : ` <span class="network-tag">${h(`network ${host.network}`)}</span>`;
}

function hostSection(host: HostFinding, index: number, charts: boolean, clock: Clock): string {
  const id = `host-${index + 1}`;
  const { groups, what, notes } = groupsListed(host, charts);
  const out: string[] = [`<section class="host" id="${id}">`];
  out.push(`<h2><span class="mono">${h(host.address)}</span> ${labelBadges(host)}${networkTag(host)}</h2>`);
  out.push(`<p class="verdict">${h(host.verdict)}</p>`);
  out.push(`<p class="numbers">${hostActivity(host).map(h).join(' · ')} · score ${h(decimal(host.score, 2))}</p>`);
  if (host.otherAddresses !== undefined) {
    const card = host.mac !== undefined ? ` · network card <span class="mono">${h(host.mac)}</span>` : '';
    out.push(
      `<p><strong>Also sent from:</strong> ${host.otherAddresses.map((a) => `<span class="mono">${h(a)}</span>`).join(', ')}${card}</p>`,
    );
  }
  if (host.evidence.length > 0) {
    out.push('<h3>Evidence</h3>', `<ul class="evidence">${host.evidence.map((e) => `<li>${h(e)}</li>`).join('')}</ul>`);
  }
  if (host.userAgents.length > 0) {
    out.push(`<p><strong>User agents:</strong> ${host.userAgents.map((u) => `<span class="mono">${h(u)}</span>`).join(' · ')}</p>`);
  }
  if (groups.length > 0) {
    out.push('<h3>Destinations</h3>');
    out.push(
      collapsed(
        table(
          ['destination and names', 'ports', 'addresses', 'attempts', 'established', 'unanswered', 'resets', 'schedule'],
          groups.map((g) => [
            `<span class="mono">${h(g.destination)}</span>${g.viaProxy ? ' <small>(via proxy)</small>' : ''}${
              g.names.length > 0 && !(g.names.length === 1 && g.names[0] === g.destination)
                ? `<br><small>${namesList(g.names)}</small>`
                : ''
            }`,
            g.ports.length > PORTS_SHOWN
              ? `<span title="${h(g.ports.join(', '))}">${h(groupPorts(g, PORTS_SHOWN))}</span>`
              : h(groupPorts(g, PORTS_SHOWN)),
            count(g.addresses),
            count(g.attempts),
            count(g.established),
            count(g.unanswered),
            h(resetsCell(g)),
            h(scheduleWords(g.schedule)),
          ]),
          ['d', '', 'n', 'n', 'n', 'n', '', 'w'],
        ),
        groups.length,
        h(what),
      ),
    );
    for (const note of notes) out.push(`<p class="numbers">${h(note)}</p>`);
  }
  if (!charts) {
    out.push('</section>');
    return out.join('\n');
  }
  if (host.attempts.length > 0) {
    out.push('<h3>Attempts</h3>');
    out.push(
      `<figure>${timelineChart(host.attempts, `${id}-timeline`, host.address, host.attemptsOmitted ?? 0, 'attempt', clock)}<figcaption>${h(
        `Each bar counts the attempts in a slice of time, coloured by outcome: bursts and the period between them show as evenly spaced bars.`,
      )}</figcaption></figure>`,
    );
    // Source ports say nothing of UDP flows or of a client that keeps one socket: destination ports do.
    const byDestination = sourcePortsMeanNothing(host.attempts);
    out.push(
      `<figure>${portChart(host.attempts, `${id}-ports`, host.address, host.attemptsOmitted ?? 0, byDestination ? 'destination' : 'source', clock)}<figcaption>${h(
        byDestination
          ? 'Destination port of every attempt: the services this host tries, over time (its source ports say nothing here: UDP flows, or one socket kept).'
          : 'Source port of every attempt: a line of rising ports is one program retrying in a loop.',
      )}</figcaption></figure>`,
    );
  }
  // A beacon inside one long-lived connection (a QUIC or keep-alive beacon) is one attempt: its
  // exchanges are what recur.
  groups
    .filter((g) => g.schedule.periodic && g.requestTimes !== undefined && g.requestTimes.length > 1)
    .slice(0, GROUP_CHARTS)
    .forEach((g, i) => {
      const outcome = g.established > 0 ? 'established' : 'unanswered';
      const exchanges = g.requestTimes!.map(
        (ts) =>
          ({ ts, destination: g.destination, address: g.addressList[0] ?? '', port: g.ports[0] ?? 0, sourcePort: 0, outcome }) as const,
      );
      out.push(
        `<figure>${timelineChart(exchanges, `${id}-exchanges-${i + 1}`, `${g.destination}, inside one connection`, 0, g.established > 0 ? 'exchange' : 'burst', clock)}<figcaption>${h(
          `Each bar counts the ${g.established > 0 ? 'exchanges' : 'bursts of packets'} inside one long-lived connection to ${g.destination}: ` +
            'a beacon that keeps its connection open shows its schedule here, not in new connections.',
        )}</figcaption></figure>`,
      );
    });
  groups
    .filter((g) => g.addresses > 1)
    .slice(0, GROUP_CHARTS)
    .forEach((g, i) => {
      const groupAttempts = attemptsOf(host, g);
      if (groupAttempts.length === 0) return;
      out.push(
        `<figure>${addressBarsChart(groupAttempts, g, `${id}-group-${i + 1}`, (host.attemptsOmitted ?? 0) > 0)}<figcaption>${h(
          `${outcomeWords(g)}. ${plural(g.addresses, 'address', 'addresses')} in ${g.destination}: many addresses with similar counts is a CDN rotating its servers.`,
        )}</figcaption></figure>`,
      );
    });
  out.push('</section>');
  return out.join('\n');
}

function outcomeKey(): string {
  return `<p class="numbers">${OUTCOMES.map((o) => `<span class="swatch" style="background:${OUTCOME_COLOR[o.outcome]}"></span>${h(o.label)}`).join(' &nbsp; ')}</p>`;
}

function connectionStates(connections: ReportConnections): string {
  const byState = new Map<ConnState, number>();
  for (const c of connections) byState.set(c.connState, (byState.get(c.connState) ?? 0) + 1);
  const rows = [...byState.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([state, n]) => [`<code>${h(state)}</code>`, count(n), h(CONN_STATES[state])]);
  return `<h3>Connection states (Zeek conn_state)</h3>\n${table(['state', 'connections', 'meaning'], rows, ['', 'n', ''], true)}`;
}

/**
 * A network's summary (the whole result's, for one network): its sentences, its counts and links
 * to its hosts with findings, whose anchors count from `firstHost`.
 */
function summaryParts(view: NetworkView, firstHost: number): string[] {
  const { result } = view;
  const attention = result.hosts.filter(deservesAttention);
  const out: string[] = [];
  if (result.summary.length === 0) out.push('<p>Nothing calling home was found.</p>');
  else out.push(`<ul>${result.summary.map((s) => `<li>${h(s)}</li>`).join('\n')}</ul>`);
  out.push(
    `<p class="numbers">${h(`${plural(attention.length + result.quietHosts.count, 'internal host')}, ${count(attention.length)} with findings; ${plural(result.proxies.length, 'proxy', 'proxies')}; ${plural(result.resetSources.length, 'reset source')}.`)}</p>`,
  );
  if (attention.length > 0) {
    const links = attention.map(
      (x, i) => `<li><a href="#host-${firstHost + i + 1}" class="mono">${h(x.address)}</a> ${labelBadges(x)}</li>`,
    );
    out.push(
      '<nav aria-label="hosts with findings">',
      collapsed(`<ul>\n${links.join('\n')}\n</ul>`, links.length, 'hosts with findings'),
      '</nav>',
    );
  }
  return out;
}

/** A network's hosts without findings, counted (and listed with --all-hosts). */
function otherHostsPart(view: NetworkView, options: RenderOptions): string[] {
  const { result } = view;
  if (result.quietHosts.count === 0) return [];
  const quiet = listedHosts(result, options).filter((x) => !deservesAttention(x));
  const id = view.network === null ? 'other-hosts' : `other-hosts-${view.network.id}`;
  const out = [`<section id="${id}">`, `<h2>${h(sectionTitle('Other hosts', view))}</h2>`, modelTable(quietHostsTable(result.quietHosts))];
  out.push(
    `<p class="numbers">${h(`${plural(result.quietHosts.count, 'host')} without findings${options.allHosts === true ? '' : ' (--all-hosts lists each host)'}${quietAbandonedWords(result.quietHosts)}.`)}</p>`,
  );
  if (quiet.length > 0) out.push(collapsed(modelTable(otherHostsTable(quiet)), quiet.length, 'every host without findings'));
  out.push('</section>');
  return out;
}

function understoodPart(result: AnalysisResult): string[] {
  if (result.understood.length === 0) return [];
  const out = ['<section id="understood">', '<h2>Understood destinations</h2>'];
  out.push(`<p>${h('Destinations the known-destinations list (--known) explains, kept out of the findings above.')}</p>`);
  const matched = result.understood.filter((u) => u.connections > 0).length;
  if (matched > 0) out.push(collapsed(modelTable(understoodTable(result.understood)), matched, 'known destinations that matched'));
  const unmatched = unmatchedKnownWords(result.understood);
  if (unmatched !== null) out.push(`<p class="numbers">${h(unmatched)}</p>`);
  out.push('</section>');
  return out;
}

/** A network's proxies and reset sources. */
function tablesPart(view: NetworkView): string[] {
  const out: string[] = [];
  for (const section of networkSections(view.result)) {
    const id = view.network === null ? section.id : `${section.id}-${view.network.id}`;
    out.push(`<section id="${id}">`, `<h2>${h(sectionTitle(section.title, view))}</h2>`);
    out.push(section.table !== null ? modelTable(section.table) : `<p>${section.empty}</p>`);
    out.push('</section>');
  }
  return out;
}

/**
 * The HTML report, its lines. Takes the analysis and, optionally, the connections it came from
 * (for a table of connection states).
 */
export function* reportHtmlLines(result: AnalysisResult & { connections?: ReportConnections }, options: RenderOptions): Generator<string> {
  const files = result.captures.map((c) => c.file);
  const listed = listedHosts(result, options);
  const headline = severalNetworksHeadline(result);
  yield* ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">'];
  yield `<meta http-equiv="Content-Security-Policy" content="${CSP}">`;
  yield* ['<meta name="viewport" content="width=device-width, initial-scale=1">', '<meta name="referrer" content="no-referrer">'];
  yield `<title>${h(`callhome report — ${files.join(', ') || 'no capture'}`)}</title>`;
  yield* [`<style>${STYLE}</style>`, '</head>', '<body>'];
  yield* ['<header>', '<h1>callhome report</h1>'];
  yield `<p class="meta">${h(capturesLine(result.captures, { span: headline === null }))}</p>`;
  yield `<p class="meta">${files.map((f) => `<span class="mono">${h(f)}</span>`).join(', ')}</p>`;
  const logClock = logClockLine(result.captures);
  if (logClock !== null) yield `<p class="meta">${h(logClock)}</p>`;
  const clock = clockOf(result.captures);
  yield '</header>';

  // Hosts are numbered across networks, for their anchors and for the charted ones.
  let hostsShown = 0;
  // Each host's section is made as it is written: with --all-hosts every host has its charts.
  const hostSections = (view: NetworkView): { count: number; sections: Iterable<string> } => {
    const attention = listedHosts(view.result, options).filter(deservesAttention);
    const first = hostsShown;
    hostsShown += attention.length;
    const sections = function* (): Generator<string> {
      for (let i = 0; i < attention.length; i++) {
        if (options.allHosts !== true && first + i === FULL_HOSTS) yield `<p class="numbers">${h(partlyShownWords())}</p>`;
        yield hostSection(attention[i]!, first + i, options.allHosts === true || first + i < FULL_HOSTS, clock);
      }
    };
    return { count: attention.length, sections: sections() };
  };
  if (headline === null) {
    const view = networkViews(result)[0]!;
    yield* ['<section id="summary">', '<h2>Summary</h2>', ...summaryParts(view, 0)];
    yield* ['<h3>Captures</h3>', modelTable(capturesTable(result))];
    yield '</section>';
    const hosts = hostSections(view);
    if (hosts.count > 0) {
      yield* [`<h2>Hosts with findings</h2>`, outcomeKey()];
      yield* hosts.sections;
    }
    yield* otherHostsPart(view, options);
    yield* understoodPart(result);
    yield* tablesPart(view);
  } else {
    const views = networkViews(result);
    yield* ['<section id="summary">', '<h2>Summary</h2>', `<p class="headline">${h(headline)}</p>`];
    yield `<ul>${views.map((v) => `<li><a href="#network-${v.network!.id}">${h(networkTitle(v))}</a> — ${h(networkReason(v.network!))}</li>`).join('\n')}</ul>`;
    yield* ['<h3>Captures</h3>', modelTable(capturesTable(result))];
    yield '</section>';
    for (const view of views) {
      const network = view.network!;
      yield* [`<section class="network" id="network-${network.id}">`, `<h2 class="network-title">${h(networkTitle(view))}</h2>`];
      yield `<p class="meta">${network.captures.map((f) => `<span class="mono">${h(f)}</span>`).join(', ')}</p>`;
      yield `<p class="numbers">${h(networkReason(network))}</p>`;
      yield* ['<h3>Summary</h3>', ...summaryParts(view, hostsShown)];
      const hosts = hostSections(view);
      if (hosts.count > 0) {
        yield* [`<h3>${h(sectionTitle('Hosts with findings', view))}</h3>`, outcomeKey()];
        yield* hosts.sections;
      }
      yield* otherHostsPart(view, options);
      yield* tablesPart(view);
      yield '</section>';
    }
    yield* understoodPart(result);
  }

  yield* ['<section id="flows">', '<h2>Flow summary</h2>'];
  // within one day, the times alone (the date goes in the heading)
  const seen = listed.flatMap((x) => x.groups.flatMap((g) => [g.firstSeen, g.lastSeen]));
  const days = new Set(seen.map((t) => t.slice(0, 10)));
  // on the kernel's clock (a dmesg without -T), seconds since boot: its times are no dates
  const oneDay = clock === 'date' && days.size === 1 && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(seen[0] ?? '');
  const day = clock === 'boot' ? ' (s after boot)' : oneDay ? ` (${[...days][0]}, UTC)` : ' (UTC)';
  const seenTime = (t: string) => (clock === 'boot' ? bootSeconds(Date.parse(t) / 1000) : oneDay ? t.slice(11, 19) : shortIso(t));
  const several = headline !== null;
  const inFlows = flowHosts(listed, options);
  const flowRows = flowGroups(listed, inFlows).map(({ host: x, group: g }) => [
    ...(several ? [count(x.network ?? 0)] : []),
    `<span class="mono">${h(x.address)}</span>`,
    `<span class="mono">${h(g.destination)}</span>`,
    count(g.attempts),
    count(g.established),
    count(g.unanswered),
    count(totalResets(g)),
    h(bytes(g.bytesOut)),
    h(bytes(g.bytesIn)),
    h(`${seenTime(g.firstSeen)} – ${seenTime(g.lastSeen)}`),
  ]);
  if (flowRows.length === 0) yield '<p>No outbound attempts.</p>';
  else
    yield collapsed(
      table(
        [
          ...(several ? ['network'] : []),
          ...['host', 'destination', 'attempts', 'established', 'unanswered', 'reset', 'bytes out', 'bytes in', h(`seen${day}`)],
        ],
        flowRows,
        [...(several ? (['n'] as const) : []), 'a', 'b', 'n', 'n', 'n', 'n', 'n', 'n', oneDay || clock === 'boot' ? 't' : ''],
      ),
      flowRows.length,
      inFlows < listed.length
        ? `flows of the first ${plural(inFlows, 'listed host')} by destination`
        : 'flows of every listed host by destination',
    );
  if (inFlows < listed.length) yield `<p class="numbers">${h(flowsLeftOutWords(inFlows, listed.length))}</p>`;
  if (result.connections && result.connections.length > 0) yield connectionStates(result.connections);
  yield '</section>';
  yield `<footer>${h(`Generated by callhome from ${files.join(', ')}. ${clock === 'boot' ? 'Times are seconds since the kernel booted.' : 'Times are UTC.'}`)}</footer>`;
  yield* ['</body>', '</html>'];
}
