/**
 * Compare: several captures side by side. Which behaviours they share — destinations, schedule
 * shape, reset source, proxy bypass — and which differ, with each capture's numbers.
 */
import type { AnalysisResult, CompareBehaviour, CompareResult, DestinationGroup, FloodTarget, HostFinding, ResetSource } from './types.js';
import { likelyFirewall } from './attribution.js';
import { CidrSet, DEFAULT_INTERNAL } from './cidr.js';
import { judgedAttempts, scheduleGetsThrough } from './groups.js';
import { proxyName } from './proxies.js';
import { count, duration, plural, ttl } from '../quantities.js';
import { floodTargetPlace, floodUnits } from './flood-targets.js';
import { portWords, shapeWords } from './schedule-words.js';
import { SCORE_WEIGHTS } from './labels.js';
import { guessesPasswords } from './guessing.js';

/** The default internal networks: the analyses do not carry the ones given with --internal. */
const INTERNAL = new CidrSet(DEFAULT_INTERNAL);

/** What the capture's most notable host does, in the words compare uses for it. */
type Kind =
  | 'beacon'
  | 'inside'
  | 'flood'
  | 'guessing'
  | 'flood target'
  | 'scan'
  | 'dns tunnel'
  | 'blocked agent'
  | 'bypass'
  | 'proxied'
  | 'lookups'
  | 'periodic'
  | 'refused'
  | 'unanswered'
  | 'ordinary'
  | 'nothing';

interface Profile {
  name: string;
  host: HostFinding | null;
  group: DestinationGroup | null;
  source: ResetSource | null;
  /** Without a source in the path: resets whose sender cannot be told (a Zeek conn.log has no TTL). */
  unplaced: ResetSource | null;
  bypass: HostFinding[];
  kind: Kind;
}

const KIND_WORDS: Record<Kind, string> = {
  beacon: 'a periodic beacon that gets through',
  inside: 'periodic connections inside the network',
  flood: 'a flood at one target',
  guessing: 'password guessing at one login service',
  'flood target': 'the target of a flood from many sources',
  scan: 'a scan',
  'dns tunnel': 'data carried in DNS queries (a DNS tunnel)',
  'blocked agent': 'software turned away in the path on a schedule',
  bypass: 'direct web access past the proxy',
  proxied: 'a periodic connection through the proxy',
  lookups: 'a name looked up on a schedule',
  periodic: 'periodic attempts that fail',
  refused: 'connection attempts refused',
  unanswered: 'connection attempts never answered',
  ordinary: 'ordinary traffic',
  nothing: 'no traffic from internal hosts',
};

function kindOf(host: HostFinding | null, group: DestinationGroup | null): Kind {
  if (host === null) return 'nothing';
  const has = (l: HostFinding['labels'][number]): boolean => host.labels.includes(l);
  if (has('flood')) return guessesPasswords(host) ? 'guessing' : 'flood';
  if (has('scanner')) return 'scan';
  if (has('dns-tunnel')) return 'dns tunnel';
  const through = has('periodic') && host.groups.some((g) => g.schedule.periodic && !g.viaProxy && scheduleGetsThrough(g));
  // A schedule that gets through is a beacon where the analysis ranked it as one (labels.ts): not
  // one among internal machines, which it ranks with the schedules that fail.
  if (through && host.score >= SCORE_WEIGHTS.beaconThrough) return 'beacon';
  if (has('blocked')) return 'blocked agent';
  if (has('proxy-bypass')) return 'bypass';
  if (has('periodic')) {
    // On a schedule through the proxy, or only in its DNS lookups: no attempt that fails.
    const periodic = host.groups.filter((g) => g.schedule.periodic);
    if (periodic.length === 0) return 'lookups';
    if (through) return 'inside';
    return periodic.every((g) => g.viaProxy) ? 'proxied' : 'periodic';
  }
  if (group !== null && group.failed > judgedAttempts(group) / 2) {
    const resets = group.resets.middlebox + group.resets.endpoint + group.resets.unknown;
    // Attempts their client gave up on got no answer either: counted with those never answered.
    return resets >= group.unanswered + (group.abandonedByClient ?? 0) ? 'refused' : 'unanswered';
  }
  return 'ordinary';
}

/** The host and destination group that best show the capture's behaviour (hosts come ranked by attention). */
function profile(result: AnalysisResult, name: string): Profile {
  const bypass = result.hosts.filter((h) => h.labels.includes('proxy-bypass'));
  const host = result.hosts[0] ?? null;
  let group: DestinationGroup | null = null;
  if (host !== null) {
    for (const g of host.groups) {
      if (g.viaProxy) continue;
      if (
        group === null ||
        (g.schedule.periodic && !group.schedule.periodic) ||
        (g.schedule.periodic === group.schedule.periodic && g.failed > group.failed)
      )
        group = g;
    }
  }
  const source =
    result.resetSources.find((s) => s.attribution === 'middlebox' && (host === null || s.hosts.includes(host.address))) ??
    result.resetSources.find((s) => s.attribution === 'middlebox') ??
    null;
  const unplaced =
    source === null
      ? (result.resetSources.find((s) => s.attribution === 'unknown' && (host === null || s.hosts.includes(host.address))) ?? null)
      : null;
  // The host a flood of many sources came at (a reflection flood's target) is its target, whatever its own traffic.
  // Its own connections, beside the flood, say nothing of where it goes: no destination stands for it.
  const target = host !== null && (result.floodTargets ?? []).some((t) => t.target === host.address);
  if (target) return { name, host, group: null, source, unplaced, bypass, kind: 'flood target' };
  return { name, host, group, source, unplaced, bypass, kind: kindOf(host, group) };
}

/** A flood of many sources at one target, as compare says it: "10.10.10.10 (UDP, any port): a reflection flood from port 161, 4,079 UDP datagrams from 4,028 sources". */
function floodTargetWords(t: FloodTarget | null): string {
  if (t === null) return 'none seen';
  const ports = t.anyPort?.sourcePorts ?? [];
  const what = ports.length > 0 ? `a reflection flood from port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}` : floodKind(t);
  return `${floodTargetPlace(t)}: ${what}, ${plural(t.packets, t.unit, floodUnits(t))} from ${count(t.sources)} sources`;
}

/** The kind of flood a target had, for telling two captures' apart: "a SYN flood", "a reflection flood (UDP)", "a UDP flood at any port". */
function floodKind(t: FloodTarget): string {
  if (t.anyPort === undefined) return `a ${t.proto === 'udp' ? 'UDP' : 'SYN'} flood`;
  return t.anyPort.sourcePorts.length > 0
    ? `a reflection flood (${t.proto.toUpperCase()})`
    : `a ${t.proto.toUpperCase()} flood at any port`;
}

/** "10.11.54.223: a periodic beacon that gets through, one request every 39 s to 10.11.54.37". */
function hostWords(p: Profile): string {
  if (p.host === null) return KIND_WORDS.nothing;
  const g = p.group;
  const s = g?.schedule;
  const shape = s !== undefined && s.periodic ? `, ${shapeWords(s)}` : '';
  const listed = g !== null && g.groupedBy === 'netblock' && g.addressList.length <= 3 && !g.addressList.includes(g.destination);
  const to = g === null ? '' : ` to ${g.destination}${listed ? ` (${g.addressList.join(', ')})` : ''}`;
  return `${p.host.address}: ${KIND_WORDS[p.kind]}${shape}${to}`;
}

/** Whether two destination groups are the same servers: a shared name, else shared addresses (a /24 alone is a network, not a server). */
function sameServers(a: DestinationGroup, b: DestinationGroup): boolean {
  if (a.names.some((n) => b.names.includes(n))) return true;
  if (a.groupedBy !== 'netblock' && a.groupedBy === b.groupedBy && a.destination === b.destination) return true;
  return a.addressList.some((x) => b.addressList.includes(x));
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

/** A reset source in a few words: its TTL and delay ("TTL 255, 350 µs"), or its log. */
function refusalShort(s: ResetSource): string {
  if (s.kind === 'log') return "denied in the firewall's log";
  return `${ttl(s.ttl, s.addressList)}${s.medianRttMs !== null ? `, ${duration(s.medianRttMs / 1000)}` : ''}`;
}

function sourceWords(p: Profile): string {
  const s = p.source;
  if (s === null) {
    const u = p.unplaced;
    return u === null ? 'no resets from a device in the path' : `${plural(u.resets, 'reset')} whose sender cannot be told: ${u.evidence}`;
  }
  if (s.kind === 'log') return `denials in the firewall's log, for ${plural(s.remoteAddresses, 'address', 'addresses')}`;
  return `${s.kind === 'rst' ? 'resets' : 'ICMP refusals'} with ${refusalShort(s)}, for ${plural(s.remoteAddresses, 'address', 'addresses')}`;
}

function bypassWords(p: Profile, result: AnalysisResult): string {
  if (p.bypass.length === 0) return result.proxies.length === 0 ? 'no proxy seen, no bypass' : 'no host bypasses the proxy';
  const blocked = p.bypass.filter((h) => h.labels.includes('blocked')).length;
  return `${p.bypass
    .map((h) => h.address)
    .slice(0, 3)
    .join(', ')} ${p.bypass.length === 1 ? 'bypasses' : 'bypass'} the proxy${
    blocked === 0 ? '' : blocked === p.bypass.length ? ', blocked' : `, ${blocked} of ${p.bypass.length} blocked`
  }`;
}

export function compareAnalyses(results: AnalysisResult[], names: string[]): CompareResult {
  // No capture could be read: nothing to set side by side (the CLI says so and exits 1).
  if (results.length === 0) {
    return { version: 1, captures: [], shared: [], different: [], conclusion: 'No capture could be read.', analyses: [] };
  }
  const profiles = results.map((r, i) => profile(r, names[i] ?? `capture ${i + 1}`));
  const behaviours: CompareBehaviour[] = [];
  const anyProxy = results.some((r) => r.proxies.length > 0);

  // What each capture's most notable host does.
  const sameKind = profiles.every((p) => p.kind === profiles[0]!.kind);
  behaviours.push({
    behaviour: `host (${sameKind ? KIND_WORDS[profiles[0]!.kind] : 'what it does'})`,
    shared: false,
    perCapture: profiles.map(hostWords),
  });

  // A flood of many sources at one target (the network's, not a host's), where any capture has one.
  const floods = results.map((r) => r.floodTargets?.[0] ?? null);
  const allFloods = floods.every((f) => f !== null);
  const sameFlood = allFloods && floods.every((f) => floodKind(f) === floodKind(floods[0]!));
  if (floods.some((f) => f !== null))
    behaviours.push({ behaviour: 'flood at one target from many sources', shared: sameFlood, perCapture: floods.map(floodTargetWords) });

  // Proxy bypass, where a proxy is in the picture at all.
  const allBypass = profiles.every((p) => p.bypass.length > 0);
  const allBlocked = profiles.every((p) => p.bypass.some((h) => h.labels.includes('blocked')));
  if (anyProxy || profiles.some((p) => p.bypass.length > 0)) {
    behaviours.push({ behaviour: 'proxy-bypass', shared: allBypass, perCapture: profiles.map((p, i) => bypassWords(p, results[i]!)) });
  }

  // Destinations: the same servers (a shared name or address), else at most the same network.
  const nameSets = profiles.map((p) => new Set(p.group?.names ?? []));
  const blockSets = profiles.map((p) => new Set(p.group?.netblocks ?? []));
  const sharedNames = intersect(nameSets);
  const sharedBlocks = intersect(blockSets);
  const groups = profiles.map((p) => p.group);
  const allGroups = groups.every((g) => g !== null);
  const sameDestination = allGroups && groups.every((g) => sameServers(g, groups[0]!));
  const sameNetwork = allGroups && !sameDestination && sharedBlocks.length > 0;
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
  behaviours.push({
    behaviour: 'schedule shape (period, burst size, sequential ports)',
    shared: sameSchedule,
    perCapture: profiles.map(scheduleShape),
  });

  // Reset source: the same TTL and a comparable delay.
  const sourcesFound = profiles.every((p) => p.source !== null);
  const anySource = profiles.some((p) => p.source !== null);
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
  if (anySource) behaviours.push({ behaviour: 'reset source (TTL and delay)', shared: sameSource, perCapture: profiles.map(sourceWords) });

  // Proxy.
  const proxySets = results.map((r) => new Set(r.proxies.map((p) => p.address)));
  const sharedProxy = intersect(proxySets);
  if (anyProxy) {
    behaviours.push({
      behaviour: 'proxy',
      shared: sharedProxy.length > 0,
      perCapture: results.map((r) => (r.proxies.length === 0 ? 'none seen' : r.proxies.map(proxyName).join(', '))),
    });
  }

  // Equal results ("none seen" in every capture) are shared too.
  for (const b of behaviours) if (!b.shared && b.perCapture.every((x) => x === b.perCapture[0])) b.shared = true;
  const shared = behaviours.filter((b) => b.shared);
  const different = behaviours.filter((b) => !b.shared);
  const n = profiles.length;
  const both = n === 2 ? 'both' : `all ${n}`;
  const parts: string[] = [];
  const hostsNamed = profiles.map((p) => (p.host === null ? p.name : `${p.host.address} in ${p.name}`)).join(', ');
  if (allFloods) {
    const targets = floods.map((f) => f.target);
    const at = targets.every((t) => t === targets[0]) ? `at ${targets[0]} in each` : `at one target each (${targets.join(' vs ')})`;
    parts.push(
      sameFlood
        ? `${both} captures show ${floodKind(floods[0]!)} from many sources ${at}`
        : `${both} captures show a flood from many sources ${at}, of different kinds (${floods.map((f) => floodKind(f)).join(' vs ')})`,
    );
  }
  const agents = allBypass && profiles.every((p) => p.kind === 'blocked agent' || p.kind === 'bypass' || p.kind === 'periodic');
  if (agents) {
    parts.push(
      `${both} hosts (${hostsNamed}) run ${periodic ? 'an update agent' : 'software'} that ignores the proxy${allBlocked ? ' and is blocked' : ''}`,
    );
  } else if (sameKind && profiles[0]!.kind === 'flood target' && allFloods) {
    // Said with the floods above.
  } else if (sameKind) {
    parts.push(`${both} hosts (${hostsNamed}) show ${KIND_WORDS[profiles[0]!.kind]}`);
  } else {
    parts.push(
      `different behaviour: ${profiles.map((p) => (p.host === null ? `${p.name}: ${KIND_WORDS.nothing}` : `${p.host.address} (${p.name}) shows ${KIND_WORDS[p.kind]}`)).join(', while ')}`,
    );
  }
  if (!agents && anyProxy && profiles.some((p) => p.bypass.length > 0) && !allBypass) {
    const who = profiles.filter((p) => p.bypass.length > 0);
    parts.push(`only ${who.map((p) => p.name).join(', ')} bypass${who.length === 1 ? 'es' : ''} the proxy`);
  } else if (!agents && allBypass) {
    parts.push(`${both} bypass the proxy`);
  }
  if (allGroups) {
    if (sameDestination) parts.push(`the same destination (${sharedNames[0] ?? sharedBlocks[0] ?? groups[0]!.destination})`);
    else if (sameNetwork) {
      const servers = groups.map((g) => (g.addressList.length <= 2 ? g.addressList.join(', ') : g.destination)).join(' vs ');
      parts.push(`different servers (${servers}) in the same network ${sharedBlocks[0]}`);
    } else {
      // A vendor is a name or an Internet netblock; internal addresses are nobody's vendor.
      const internal = profiles.some((p) => p.group!.addressList.some((a) => INTERNAL.has(a)));
      const label = (g: DestinationGroup): string =>
        g.groupedBy !== 'netblock' ? g.destination : (g.names[0] ?? g.netblocks[0] ?? g.destination);
      parts.push(`different ${internal || !agents ? 'destinations' : 'vendors'}: ${profiles.map((p) => label(p.group!)).join(' vs ')}`);
    }
  }
  if (periodic) {
    parts.push(
      sameSchedule
        ? `the same schedule shape (${scheduleShape(profiles[0]!)})`
        : `different schedules (${profiles.map((p) => duration(p.group!.schedule.periodSeconds!)).join(' vs ')})`,
    );
  }
  if (sourcesFound) {
    const first = profiles[0]!.source!;
    // A firewall's log says it denied, not with what TTL or delay: which device it was, or whether
    // the same one turned the others away, it cannot tell.
    const logs = profiles.filter((p) => p.source!.kind === 'log').length;
    if (logs === n) parts.push(`${both} denied in a firewall's log`);
    else if (logs > 0) parts.push(`refused (${profiles.map((p) => refusalShort(p.source!)).join(' vs ')})`);
    else {
      parts.push(
        sameSource
          ? `${both} reset by the same ${likelyFirewall(first) ? 'firewall' : 'device in the path'} (${refusalShort(first)})`
          : `reset by different devices (${profiles.map((p) => ttl(p.source!.ttl, p.source!.addressList)).join(' vs ')})`,
      );
    }
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
