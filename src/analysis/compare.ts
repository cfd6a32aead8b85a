/**
 * Compare: several captures side by side. Which behaviours they share — destinations, schedule
 * shape, reset source, proxy bypass — and which differ, with each capture's numbers.
 */
import type { AnalysisResult, CompareBehaviour, CompareResult, DestinationGroup, HostFinding, ResetSource } from './types.js';
import { CidrSet, DEFAULT_INTERNAL } from './cidr.js';
import { duration, plural } from '../quantities.js';
import { portWords, shapeWords } from './schedule-words.js';

/** The default internal networks: the analyses do not carry the ones given with --internal. */
const INTERNAL = new CidrSet(DEFAULT_INTERNAL);

interface Profile {
  name: string;
  host: HostFinding | null;
  group: DestinationGroup | null;
  source: ResetSource | null;
  bypass: HostFinding[];
}

/** The host and destination group that best show the capture's behaviour. */
function profile(result: AnalysisResult, name: string): Profile {
  const bypass = result.hosts.filter((h) => h.labels.includes('proxy-bypass'));
  const host = bypass[0] ?? result.hosts.find((h) => h.labels.includes('blocked') || h.labels.includes('periodic')) ?? result.hosts[0] ?? null;
  let group: DestinationGroup | null = null;
  if (host !== null) {
    for (const g of host.groups) {
      if (g.viaProxy) continue;
      if (group === null || (g.schedule.periodic && !group.schedule.periodic)
        || (g.schedule.periodic === group.schedule.periodic && g.failed > group.failed)) group = g;
    }
  }
  const source = result.resetSources.find((s) => s.attribution === 'middlebox' && (host === null || s.hosts.includes(host.address)))
    ?? result.resetSources.find((s) => s.attribution === 'middlebox') ?? null;
  return { name, host, group, source, bypass };
}

function close(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

function intersect<T>(sets: Set<T>[]): T[] {
  if (sets.length === 0) return [];
  return [...sets[0]!].filter((x) => sets.every((s) => s.has(x)));
}

function groupWords(p: Profile): string {
  const g = p.group;
  if (g === null) return 'no direct destination';
  const names = g.names.length > 0 ? ` (${g.names.slice(0, 3).join(', ')}${g.names.length > 3 ? ', …' : ''})` : '';
  return `${g.destination}: ${plural(g.addresses, 'address', 'addresses')} in ${g.netblocks.join(', ')}${names}`;
}

/** The schedule shape compare weighs: bursts, period and source ports. */
function scheduleShape(p: Profile): string {
  const s = p.group?.schedule;
  if (s === undefined || !s.periodic || s.periodSeconds === null) return s?.evidence ?? 'no schedule';
  return `${shapeWords(s)}, ${portWords(s.sequentialPorts)}`;
}

function sourceWords(p: Profile): string {
  const s = p.source;
  if (s === null) return 'no resets from a device in the path';
  if (s.kind === 'log') return `denials in the firewall's log, for ${plural(s.remoteAddresses, 'address', 'addresses')}`;
  return `${s.kind === 'rst' ? 'resets' : 'ICMP refusals'} with TTL ${s.ttl}${s.medianRttMs !== null ? `, ${duration(s.medianRttMs / 1000)}` : ''}, for ${plural(s.remoteAddresses, 'address', 'addresses')}`;
}

function bypassWords(p: Profile, result: AnalysisResult): string {
  if (p.bypass.length === 0) return result.proxies.length === 0 ? 'no proxy seen, no bypass' : 'no host bypasses the proxy';
  const blocked = p.bypass.filter((h) => h.labels.includes('blocked')).length;
  return `${p.bypass.map((h) => h.address).slice(0, 3).join(', ')} ${p.bypass.length === 1 ? 'bypasses' : 'bypass'} the proxy${blocked > 0 ? ', blocked' : ''}`;
}

export function compareAnalyses(results: AnalysisResult[], names: string[]): CompareResult {
  const profiles = results.map((r, i) => profile(r, names[i] ?? `capture ${i + 1}`));
  const behaviours: CompareBehaviour[] = [];

  // Proxy bypass.
  const allBypass = profiles.every((p) => p.bypass.length > 0);
  const allBlocked = profiles.every((p) => p.bypass.some((h) => h.labels.includes('blocked')));
  behaviours.push({ behaviour: 'proxy-bypass', shared: allBypass, perCapture: profiles.map((p, i) => bypassWords(p, results[i]!)) });

  // Destinations: same names, same netblocks, same group.
  const nameSets = profiles.map((p) => new Set(p.group?.names ?? []));
  const blockSets = profiles.map((p) => new Set(p.group?.netblocks ?? []));
  const sharedNames = intersect(nameSets);
  const sharedBlocks = intersect(blockSets);
  const sameDestination = profiles.every((p) => p.group !== null) && (sharedNames.length > 0 || sharedBlocks.length > 0);
  behaviours.push({
    behaviour: sameDestination
      ? `destination${sharedNames.length > 0 ? ` (${sharedNames.slice(0, 2).join(', ')})` : ''}${sharedBlocks.length > 0 ? ` in ${sharedBlocks.slice(0, 2).join(', ')}` : ''}`
      : 'destination',
    shared: sameDestination,
    perCapture: profiles.map(groupWords),
  });

  // Schedule shape.
  const schedules = profiles.map((p) => p.group?.schedule ?? null);
  const periodic = schedules.every((s) => s !== null && s.periodic && s.periodSeconds !== null);
  let sameSchedule = periodic;
  if (periodic) {
    const first = schedules[0]!;
    for (const s of schedules.slice(1)) {
      if (!close(s!.periodSeconds!, first.periodSeconds!, 0.15)) sameSchedule = false;
      if (!close(s!.burstSize ?? 1, first.burstSize ?? 1, 0.25)) sameSchedule = false;
      if (s!.sequentialPorts !== first.sequentialPorts) sameSchedule = false;
    }
  }
  behaviours.push({ behaviour: 'schedule shape (period, burst size, sequential ports)', shared: sameSchedule, perCapture: profiles.map(scheduleShape) });

  // Reset source: the same TTL and a comparable delay.
  const sourcesFound = profiles.every((p) => p.source !== null);
  let sameSource = sourcesFound;
  if (sourcesFound) {
    const first = profiles[0]!.source!;
    for (const p of profiles.slice(1)) {
      const s = p.source!;
      const da = first.medianRttMs ?? 0;
      const db = s.medianRttMs ?? 0;
      if (s.ttl !== first.ttl || s.kind !== first.kind) sameSource = false;
      else if (!(Math.max(da, db) < 2 || Math.max(da, db) <= 3 * Math.max(Math.min(da, db), 0.001))) sameSource = false;
    }
  }
  behaviours.push({ behaviour: 'reset source (TTL and delay)', shared: sameSource, perCapture: profiles.map(sourceWords) });

  // Proxy.
  const proxySets = results.map((r) => new Set(r.proxies.map((p) => p.address)));
  const sharedProxy = intersect(proxySets);
  behaviours.push({
    behaviour: 'proxy',
    shared: sharedProxy.length > 0,
    perCapture: results.map((r) => (r.proxies.length === 0 ? 'none seen' : r.proxies.map((p) => `${p.address}${p.port !== null ? `:${p.port}` : ''}`).join(', '))),
  });

  // Equal results ("none seen" in every capture) are shared too.
  for (const b of behaviours) if (!b.shared && b.perCapture.every((x) => x === b.perCapture[0])) b.shared = true;
  const shared = behaviours.filter((b) => b.shared);
  const different = behaviours.filter((b) => !b.shared);
  const n = profiles.length;
  const both = n === 2 ? 'both' : `all ${n}`;
  const parts: string[] = [];
  if (allBypass) {
    parts.push(`${both} ${n === 2 ? 'hosts' : 'captures'} run ${periodic ? 'an update agent' : 'software'} that ignores the proxy${allBlocked ? ' and is blocked' : ''}`);
  } else if (profiles.some((p) => p.bypass.length > 0)) {
    parts.push(`only ${profiles.filter((p) => p.bypass.length > 0).map((p) => p.name).join(', ')} bypass${profiles.filter((p) => p.bypass.length > 0).length === 1 ? 'es' : ''} the proxy`);
  } else {
    parts.push('no capture shows a proxy bypass');
  }
  if (profiles.every((p) => p.group !== null)) {
    if (sameDestination) parts.push(`the same destination (${sharedNames[0] ?? sharedBlocks[0]})`);
    else {
      // A vendor is a name or an Internet netblock; internal addresses are nobody's vendor.
      const internal = profiles.some((p) => p.group!.addressList.some((a) => INTERNAL.has(a)));
      const label = (g: DestinationGroup): string => g.groupedBy !== 'netblock' ? g.destination : g.names[0] ?? g.netblocks[0] ?? g.destination;
      parts.push(`different ${internal ? 'destinations' : 'vendors'}: ${profiles.map((p) => label(p.group!)).join(' vs ')}`);
    }
  }
  if (periodic) {
    parts.push(sameSchedule
      ? `the same schedule shape (${scheduleShape(profiles[0]!)})`
      : `different schedules (${profiles.map((p) => duration(p.group!.schedule.periodSeconds!)).join(' vs ')})`);
  }
  if (sourcesFound) {
    parts.push(sameSource
      ? `${both} reset by the same firewall (TTL ${profiles[0]!.source!.ttl}${profiles[0]!.source!.medianRttMs !== null ? `, ${duration(profiles[0]!.source!.medianRttMs / 1000)}` : ''})`
      : `reset by different devices (${profiles.map((p) => `TTL ${p.source!.ttl}`).join(' vs ')})`);
  }
  const conclusion = parts.length > 0 ? `${parts.join('; ')}.` : 'Nothing to compare.';
  return {
    version: 1,
    captures: profiles.map((p) => p.name),
    shared,
    different,
    conclusion: conclusion.charAt(0).toUpperCase() + conclusion.slice(1),
    analyses: results,
  };
}
