/**
 * Several networks, one result. When the inputs of a run cannot be one network
 * (networks.ts), each network is analysed on its own and the results are put side by side in
 * one `AnalysisResult`: every host, proxy, reset source and capture says which network it
 * belongs to, `networks` says what each network is and why it stands apart, and the summary
 * opens by saying so — an analyst must not read one network's proxy into another's hosts.
 */
import { longDuration, plural } from '../quantities.js';
import { whyApart, type Apart, type NetworkPart } from './networks.js';
import {
  QUIET_ACTIVITIES,
  type AnalysisResult,
  type CaptureSummary,
  type NetworkSummary,
  type QuietActivity,
  type QuietHostCounts,
  type QuietHosts,
  type UnderstoodDestinations,
} from './types.js';

/** Network ids count from 1, in the order of `parts`. */
const networkId = (position: number): number => position + 1;

/** Why one network stands apart from the nearest other: "3.3 years apart from network 1, with no internal address in common". */
function reasonWords(apart: Apart | null, part: NetworkPart): string {
  if (apart === null) return 'the only network';
  const other = `network ${networkId(apart.other)}`;
  const far = apart.farApart && apart.gapSeconds !== null ? `${longDuration(apart.gapSeconds)} apart from ${other}` : null;
  const addresses =
    part.addresses.size === 0 ? 'no internal address seen' : apart.sharedAddresses ? null : `no internal address in common with ${other}`;
  if (far !== null && addresses !== null) return `${far}, ${part.addresses.size === 0 ? addresses : 'with no internal address in common'}`;
  return far ?? addresses ?? `analysed apart from ${other}`;
}

/** The opening sentence: "These captures cannot be one network (3.3 years apart; no internal address in common): analysed as 2 separate networks." */
function headline(parts: readonly NetworkPart[], aparts: readonly (Apart | null)[]): string {
  const gaps = aparts.flatMap((a) => (a !== null && a.farApart && a.gapSeconds !== null ? [a.gapSeconds] : []));
  const reasons: string[] = [];
  if (gaps.length > 0) {
    const widest = Math.max(...gaps);
    reasons.push(parts.length === 2 ? `${longDuration(widest)} apart` : `up to ${longDuration(widest)} apart`);
  }
  if (aparts.some((a) => a !== null && !a.sharedAddresses)) reasons.push('no internal address in common');
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return `These captures cannot be one network${why}: analysed as ${plural(parts.length, 'separate network')}.`;
}

const iso = (seconds: number | null): string | null => (seconds === null ? null : new Date(Math.round(seconds * 1000)).toISOString());

/** Quiet hosts of several networks, counted together (activities in QUIET_ACTIVITIES order). */
function addQuietHosts(all: readonly QuietHosts[]): QuietHosts {
  const rows = new Map<QuietActivity, QuietHostCounts>();
  for (const quiet of all) {
    for (const r of quiet.byActivity) {
      const row = rows.get(r.activity);
      if (row === undefined) rows.set(r.activity, { ...r });
      else {
        row.hosts += r.hosts;
        row.connections += r.connections;
        row.attempts += r.attempts;
        row.established += r.established;
        row.failed += r.failed;
        if (r.cutOff !== undefined) row.cutOff = (row.cutOff ?? 0) + r.cutOff;
      }
    }
  }
  const byActivity = (Object.keys(QUIET_ACTIVITIES) as QuietActivity[]).flatMap((a) => rows.get(a) ?? []);
  return {
    count: all.reduce((n, q) => n + q.count, 0),
    listed: all.every((q) => q.listed),
    connections: all.reduce((n, q) => n + q.connections, 0),
    attempts: all.reduce((n, q) => n + q.attempts, 0),
    byActivity,
  };
}

/** Known-destination lines over several networks: one line each, its counts added up. */
function addUnderstood(all: readonly (readonly UnderstoodDestinations[])[]): UnderstoodDestinations[] {
  const lines = new Map<string, UnderstoodDestinations>();
  for (const understood of all) {
    for (const u of understood) {
      const key = `${u.source}\u0000${u.rule}`;
      const line = lines.get(key);
      if (line === undefined) lines.set(key, { ...u, destinations: [...u.destinations] });
      else {
        line.hosts += u.hosts;
        line.attempts += u.attempts;
        line.connections += u.connections;
        for (const d of u.destinations) if (line.destinations.length < 20 && !line.destinations.includes(d)) line.destinations.push(d);
      }
    }
  }
  return [...lines.values()];
}

/**
 * One result for networks analysed apart: `results[i]` is the analysis of `parts[i]`, whose
 * `captures` index `captures`. Hosts are listed network by network, each network's in its own order.
 */
export function combineNetworks(
  captures: readonly CaptureSummary[],
  parts: readonly NetworkPart[],
  results: readonly AnalysisResult[],
  maxGapSeconds?: number,
): AnalysisResult {
  const aparts = whyApart(parts, maxGapSeconds);
  const networkOf = new Map<number, number>();
  parts.forEach((p, i) => p.captures.forEach((c) => networkOf.set(c, networkId(i))));
  const networks: NetworkSummary[] = parts.map((p, i) => ({
    id: networkId(i),
    captures: p.captures.map((c) => captures[c]!.file),
    start: iso(p.start),
    end: iso(p.end),
    reason: reasonWords(aparts[i] ?? null, p),
    summary: results[i]!.summary,
    quietHosts: results[i]!.quietHosts,
  }));
  const each = <T>(pick: (r: AnalysisResult) => T[]): (T & { network: number })[] =>
    results.flatMap((r, i) => pick(r).map((x) => ({ network: networkId(i), ...x })));
  const combined: AnalysisResult = {
    version: 1,
    captures: captures.map((c, i) => ({ ...c, network: networkOf.get(i) ?? 1 })),
    networks,
    proxies: each((r) => r.proxies),
    resetSources: each((r) => r.resetSources),
    hosts: each((r) => r.hosts),
    summary: [headline(parts, aparts), ...networks.flatMap((n) => n.summary.map((s) => `Network ${n.id}: ${s}`))],
    quietHosts: addQuietHosts(results.map((r) => r.quietHosts)),
    understood: addUnderstood(results.map((r) => r.understood)),
  };
  const floodTargets = each((r) => r.floodTargets ?? []);
  if (floodTargets.length > 0) combined.floodTargets = floodTargets;
  const logMatches = each((r) => r.logMatches ?? []);
  if (logMatches.length > 0) combined.logMatches = logMatches;
  return combined;
}
