/**
 * Hosts: every internal host's connections grouped by destination, with outcomes, schedules,
 * labels (DESIGN.md "Labels"), evidence, a plain-words verdict that weighs the alternatives,
 * and a score that orders hosts by how much they deserve attention.
 */
import type { Connection } from '../flows/connection.js';
import type { AttributedReset } from './attribution.js';
import { netblockOf, type CidrSet } from './cidr.js';
import { cleanText, directKey, proxiedKey, UnionFind, type GroupKey, type NameBook, type OrgTable } from './destinations.js';
import { proxyName, type ProxyIndex } from './proxies.js';
import { analyzeSchedule, bestSchedule, emptySchedule, sequentialPorts } from './schedule.js';
import { formatDelay, formatSeconds, median, plural, round } from './stats.js';
import type { Attempt, DestinationGroup, HostFinding, Label, ResetSource, Schedule } from './types.js';

export interface HostContext {
  internal: CidrSet;
  webPorts: readonly number[];
  proxies: ProxyIndex;
  /** Parallel to the connections given to buildHosts. */
  refusals: readonly (AttributedReset | undefined)[];
  resetSources: readonly ResetSource[];
  names: NameBook;
  orgs: OrgTable;
}

/** Scan: this many ports on one address, or new addresses on one port, mostly failing. */
const SCAN_PORTS = 20;
const SCAN_ADDRESSES = 50;
const SCAN_FAILING = 0.6;
/** Flood: this many attempts at one address:port, at this rate or more. */
const FLOOD_ATTEMPTS = 100;
const FLOOD_RATE = 10;

/** SYN retransmissions back off for about 21 s (Windows: 3 + 6 + 12 s; Linux: 1, 3, 7, 15 s…). */
const SYN_RETRY_SECONDS = 30;

type Outcome = Attempt['outcome'];

interface Item {
  c: Connection;
  key: GroupKey;
  viaProxy: boolean;
  outcome: Outcome;
  attempt: boolean;
  refusal: AttributedReset | undefined;
}

interface GroupAcc {
  keys: Map<string, { key: GroupKey; count: number }>;
  names: Set<string>;
  viaProxy: boolean;
  ports: Set<number>;
  addresses: Set<string>;
  netblocks: Set<string>;
  attempts: number;
  established: number;
  unanswered: number;
  resets: { middlebox: number; endpoint: number; unknown: number };
  bytesOut: number;
  bytesIn: number;
  first: number;
  last: number;
  failedTimes: number[];
  failedPorts: number[];
  doneTimes: number[];
  donePorts: number[];
  /** The connection with most requests (beacons on one keep-alive connection). */
  requests: Connection | null;
  items: Item[];
}

export function outcomeOf(c: Connection, refusal: AttributedReset | undefined): Outcome {
  if (refusal !== undefined) {
    if (refusal.reset.kind === 'icmp') return 'refused-icmp';
    if (refusal.attribution === 'middlebox') return 'reset-middlebox';
    if (c.established && refusal.reset.stage !== 'syn') return 'established';
    return refusal.attribution === 'endpoint' ? 'reset-endpoint' : 'reset-unknown';
  }
  return c.established ? 'established' : 'unanswered';
}

/** Failed because something in the path stopped it (DESIGN.md: `blocked`). */
function blockedOutcome(item: Item): boolean {
  return item.outcome === 'reset-middlebox' || item.outcome === 'unanswered'
    || (item.outcome === 'refused-icmp' && item.refusal?.attribution === 'middlebox');
}

function newGroup(): GroupAcc {
  return {
    keys: new Map(), names: new Set(), viaProxy: false, ports: new Set(), addresses: new Set(), netblocks: new Set(),
    attempts: 0, established: 0, unanswered: 0, resets: { middlebox: 0, endpoint: 0, unknown: 0 },
    bytesOut: 0, bytesIn: 0, first: Infinity, last: -Infinity,
    failedTimes: [], failedPorts: [], doneTimes: [], donePorts: [], requests: null, items: [],
  };
}

function iso(ts: number): string {
  return Number.isFinite(ts) ? new Date(ts * 1000).toISOString() : '';
}

export function buildHosts(connections: readonly Connection[], ctx: HostContext): HostFinding[] {
  // A capture with no internal originators at all (lab captures on public addresses): every originator is a host.
  const anyInternal = connections.some((c) => c.proto === 'tcp' && ctx.internal.has(c.origH));
  const byHost = new Map<string, number[]>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections[i]!;
    if (c.proto !== 'tcp' || (anyInternal && !ctx.internal.has(c.origH))) continue;
    let list = byHost.get(c.origH);
    if (list === undefined) byHost.set(c.origH, (list = []));
    list.push(i);
  }
  const hosts: HostFinding[] = [];
  for (const [address, list] of byHost) hosts.push(buildHost(address, connections, list, ctx));
  hosts.sort((a, b) => b.score - a.score || b.attempts.length - a.attempts.length || (a.address < b.address ? -1 : 1));
  return hosts;
}

function buildHost(address: string, connections: readonly Connection[], indices: number[], ctx: HostContext): HostFinding {
  indices.sort((a, b) => connections[a]!.ts - connections[b]!.ts);
  const isProxyHost = ctx.proxies.proxyAddresses.has(address);
  const items: Item[] = [];
  const uf = new UnionFind();
  const keyIds = new Map<string, number>();
  const netIds = new Map<string, number>();
  const itemIds: number[] = [];
  const keyCache = new Map<string, GroupKey>();
  const proxiedCache = new Map<string, GroupKey>();
  const lastUnanswered = new Map<string, Connection>();
  for (const index of indices) {
    const c = connections[index]!;
    const viaProxy = ctx.proxies.isProxy(c.respH, c.respP);
    let key: GroupKey;
    if (viaProxy) {
      const fresh = proxiedKey(c);
      key = proxiedCache.get(fresh.key) ?? fresh;
      if (key === fresh) proxiedCache.set(fresh.key, fresh);
    } else {
      key = directKey(c, address, ctx.names, ctx.orgs, keyCache);
    }
    const refusal = ctx.refusals[index];
    const item: Item = { c, key, viaProxy, outcome: outcomeOf(c, refusal), attempt: c.synCount > 0 || c.history.startsWith('S'), refusal };
    if (item.outcome === 'unanswered' && item.attempt) {
      // A SYN retransmission the tracker emitted as a connection of its own is not a new attempt.
      const tuple = `${c.respH}|${c.respP}|${c.origP}`;
      const previous = lastUnanswered.get(tuple);
      if (previous !== undefined && c.ts - previous.lastTs <= SYN_RETRY_SECONDS) item.attempt = false;
      lastUnanswered.set(tuple, c);
    }
    items.push(item);
    let id = keyIds.get(key.key);
    if (id === undefined) keyIds.set(key.key, (id = uf.add()));
    if (!viaProxy) {
      const block = netblockOf(c.respH);
      const netId = netIds.get(block);
      if (netId === undefined) netIds.set(block, id);
      else uf.union(netId, id);
    }
    itemIds.push(id);
  }

  const groupsByRoot = new Map<number, GroupAcc>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const root = uf.find(itemIds[i]!);
    let g = groupsByRoot.get(root);
    if (g === undefined) groupsByRoot.set(root, (g = newGroup()));
    addToGroup(g, item);
  }

  const groups: DestinationGroup[] = [];
  const attempts: Attempt[] = [];
  const accs = [...groupsByRoot.values()];
  for (const g of accs) {
    const group = finishGroup(g);
    groups.push(group);
    for (const item of g.items) {
      if (!item.attempt) continue;
      attempts.push({
        ts: item.c.ts, destination: group.destination, address: item.c.respH, port: item.c.respP,
        sourcePort: item.c.origP, outcome: item.outcome,
      });
    }
  }
  attempts.sort((a, b) => a.ts - b.ts);
  const sortedGroups = [...groups].sort((a, b) => groupWeight(b) - groupWeight(a));

  const userAgents = new Set<string>();
  for (const item of items) {
    const ua = item.c.http?.userAgent;
    if (ua && userAgents.size < 10) userAgents.add(cleanText(ua, 200));
  }

  const judged = judge(address, items, sortedGroups, isProxyHost, ctx);
  return {
    address,
    labels: judged.labels,
    verdict: judged.verdict,
    evidence: judged.evidence,
    score: judged.score,
    userAgents: [...userAgents],
    groups: sortedGroups,
    attempts,
  };
}

function addToGroup(g: GroupAcc, item: Item): void {
  const { c, key } = item;
  g.items.push(item);
  const k = g.keys.get(key.key);
  if (k === undefined) g.keys.set(key.key, { key, count: 1 });
  else k.count++;
  for (const n of key.names) if (g.names.size < 100) g.names.add(n);
  if (item.viaProxy) g.viaProxy = true;
  g.ports.add(c.respP);
  if (g.addresses.size < 10_000) g.addresses.add(c.respH);
  g.netblocks.add(netblockOf(c.respH));
  g.bytesOut += c.origBytes;
  g.bytesIn += c.respBytes;
  if (c.ts < g.first) g.first = c.ts;
  if (c.lastTs > g.last) g.last = c.lastTs;
  if (item.refusal !== undefined) g.resets[item.refusal.attribution]++;
  if (c.requestTimes.length > (g.requests?.requestTimes.length ?? 0)) g.requests = c;
  if (!item.attempt) {
    if (c.established || c.origPkts > 0) g.established += item.outcome === 'established' ? 1 : 0;
    return;
  }
  g.attempts++;
  if (item.outcome === 'established') {
    g.established++;
    g.doneTimes.push(c.ts);
    g.donePorts.push(c.origP);
  } else {
    if (item.outcome === 'unanswered') g.unanswered++;
    g.failedTimes.push(c.ts);
    g.failedPorts.push(c.origP);
  }
}

function finishGroup(g: GroupAcc): DestinationGroup {
  // The group is named by its most used key; DNS names beat Host/SNI beat orgs beat netblocks.
  const rank: Record<DestinationGroup['groupedBy'], number> = { dns: 4, host: 3, sni: 2, org: 1, netblock: 0 };
  let best: { key: GroupKey; count: number } | null = null;
  for (const k of g.keys.values()) {
    if (best === null || rank[k.key.groupedBy] > rank[best.key.groupedBy]
      || (rank[k.key.groupedBy] === rank[best.key.groupedBy] && k.count > best.count)) best = k;
  }
  const schedules: Schedule[] = [];
  // Failed attempts and completed sessions are scored apart: a browser's sessions must not make
  // a retry loop look irregular, nor a retry loop make browsing look periodic.
  if (g.failedTimes.length > 0) schedules.push(analyzeSchedule(g.failedTimes, g.failedPorts, 'failed attempts'));
  if (g.doneTimes.length > 0) schedules.push(analyzeSchedule(g.doneTimes, g.donePorts, 'completed sessions'));
  if (g.requests !== null && g.requests.requestTimes.length >= 3) {
    schedules.push(analyzeSchedule(g.requests.requestTimes, null, 'requests in one connection'));
  }
  const schedule = schedules.length > 0 ? bestSchedule(schedules) : emptySchedule('no new connections seen (the capture started mid-connection)');
  const addressList = [...g.addresses].sort();
  return {
    // A netblock group of one address is named by the address.
    destination: best === null ? '' : best.key.groupedBy === 'netblock' && !g.viaProxy && g.addresses.size === 1 ? addressList[0]! : best.key.destination,
    groupedBy: best?.key.groupedBy ?? 'netblock',
    names: [...g.names].sort(),
    ports: [...g.ports].sort((a, b) => a - b),
    addresses: g.addresses.size,
    addressList: addressList.slice(0, 100),
    attempts: g.attempts,
    established: g.established,
    unanswered: g.unanswered,
    resets: g.resets,
    viaProxy: g.viaProxy,
    bytesOut: g.bytesOut,
    bytesIn: g.bytesIn,
    firstSeen: iso(g.first),
    lastSeen: iso(g.last),
    schedule,
    netblocks: [...g.netblocks].sort().slice(0, 50),
    failed: g.attempts - g.doneTimes.length,
  };
}

function groupWeight(g: DestinationGroup): number {
  return (g.schedule.periodic ? 1e6 : 0) + (g.attempts - g.established) * 10 + g.attempts;
}

interface Judgement {
  labels: Label[];
  verdict: string;
  evidence: string[];
  score: number;
}

interface TargetStats { n: number; attempts: number; first: number; last: number; ports: number[]; failed: number }

function judge(
  address: string,
  items: Item[],
  groups: DestinationGroup[],
  isProxyHost: boolean,
  ctx: HostContext,
): Judgement {
  const labels: Label[] = [];
  const evidence: string[] = [];
  const attempts = items.filter((i) => i.attempt);
  const proxyInUse = ctx.proxies.proxies.length > 0;
  const proxyWords = ctx.proxies.proxies.slice(0, 2).map(proxyName).join(' and ');

  // Direct attempts at the Internet's web ports, and how many of them something in the path stopped.
  const direct = attempts.filter((i) => !i.viaProxy && !ctx.internal.has(i.c.respH) && ctx.webPorts.includes(i.c.respP));
  const directBlocked = direct.filter(blockedOutcome);
  const directMiddlebox = direct.filter((i) => i.outcome === 'reset-middlebox' || (i.outcome === 'refused-icmp' && i.refusal?.attribution === 'middlebox'));
  const directAddresses = new Set(direct.map((i) => i.c.respH));
  const directNetblocks = new Set(direct.map((i) => netblockOf(i.c.respH)));
  const directPorts = new Set(direct.map((i) => i.c.respP));
  const proxied = items.filter((i) => i.viaProxy);

  // Per-target counts for scans and floods.
  const byTarget = new Map<string, Map<number, TargetStats>>();
  const portsByAddress = new Map<string, { ports: Set<number>; n: number; failed: number; first: number; last: number }>();
  const addressesByPort = new Map<number, { addresses: Set<string>; n: number; failed: number; first: number; last: number }>();
  for (const i of attempts) {
    const failed = i.outcome !== 'established';
    let targets = byTarget.get(i.c.respH);
    if (targets === undefined) byTarget.set(i.c.respH, (targets = new Map()));
    let t = targets.get(i.c.respP);
    if (t === undefined) targets.set(i.c.respP, (t = { n: 0, attempts: 0, first: i.c.ts, last: i.c.ts, ports: [], failed: 0 }));
    // A flood counts SYNs: a tool that reuses one source port shows as one connection with many.
    t.n += Math.max(1, i.c.synCount);
    t.attempts++;
    t.last = Math.max(t.last, i.c.ts);
    t.first = Math.min(t.first, i.c.ts);
    if (t.ports.length < 500) t.ports.push(i.c.origP);
    if (failed) t.failed++;
    let pa = portsByAddress.get(i.c.respH);
    if (pa === undefined) portsByAddress.set(i.c.respH, (pa = { ports: new Set(), n: 0, failed: 0, first: i.c.ts, last: i.c.ts }));
    if (pa.ports.size < 70_000) pa.ports.add(i.c.respP);
    pa.n++;
    if (failed) pa.failed++;
    pa.last = i.c.ts;
    let ap = addressesByPort.get(i.c.respP);
    if (ap === undefined) addressesByPort.set(i.c.respP, (ap = { addresses: new Set(), n: 0, failed: 0, first: i.c.ts, last: i.c.ts }));
    if (ap.addresses.size < 1_000_000) ap.addresses.add(i.c.respH);
    ap.n++;
    if (failed) ap.failed++;
    ap.last = i.c.ts;
  }

  // flood: a high rate of attempts at one address:port.
  let flood: { target: string; t: TargetStats; rate: number; sequential: boolean } | null = null;
  for (const [target, ports] of byTarget) {
    for (const [port, t] of ports) {
      const span = t.last - t.first;
      const rate = t.n / Math.max(span, 1);
      if (t.n >= FLOOD_ATTEMPTS && rate >= FLOOD_RATE && (flood === null || t.n > flood.t.n)) {
        flood = { target: target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`, t, rate, sequential: sequentialPorts(t.ports).sequential };
      }
    }
  }
  // scanner: many ports on one address, or many new addresses on one port, mostly failing.
  let scan: { words: string; probes: number; span: number; failing: number } | null = null;
  for (const [target, pa] of portsByAddress) {
    if (pa.ports.size >= SCAN_PORTS && pa.failed / pa.n >= SCAN_FAILING && (scan === null || pa.n > scan.probes)) {
      scan = { words: `${pa.ports.size} ports on ${target}`, probes: pa.n, span: pa.last - pa.first, failing: pa.failed / pa.n };
    }
  }
  for (const [port, ap] of addressesByPort) {
    if (ap.addresses.size >= SCAN_ADDRESSES && ap.addresses.size >= 0.5 * ap.n && ap.failed / ap.n >= SCAN_FAILING
      && (scan === null || ap.n > scan.probes)) {
      scan = { words: `${ap.addresses.size} addresses on port ${port}`, probes: ap.n, span: ap.last - ap.first, failing: ap.failed / ap.n };
    }
  }

  const periodicGroups = groups.filter((g) => g.schedule.periodic);

  if (proxyInUse && !isProxyHost && direct.length > 0) {
    labels.push('proxy-bypass');
    evidence.push(`proxy-bypass: ${plural(direct.length, 'direct attempt')} to ${plural(directAddresses.size, 'external address', 'external addresses')} ` +
      `in ${plural(directNetblocks.size, 'netblock')} on port ${[...directPorts].sort((a, b) => a - b).join(', ')} while the proxy ${proxyWords} is in use`);
  }
  // A scanner's probes of web ports are part of the scan, not software turned away.
  if (!isProxyHost && scan === null && direct.length >= 2 && directBlocked.length / direct.length > 0.5) {
    labels.push('blocked');
    const unanswered = directBlocked.length - directMiddlebox.length;
    evidence.push(`blocked: ${directBlocked.length} of ${direct.length} direct attempts failed` +
      ` (${directMiddlebox.length} refused by a device in the path, ${unanswered} never answered)`);
  }
  if (periodicGroups.length > 0) {
    labels.push('periodic');
    for (const g of periodicGroups.slice(0, 3)) {
      evidence.push(`periodic: ${g.destination}: ${g.schedule.evidence} (score ${g.schedule.score}, from ${g.schedule.basis})`);
    }
  }
  if (proxied.length > 0 && !isProxyHost) {
    labels.push('via-proxy');
    const dests = new Set(proxied.map((i) => i.key.destination));
    evidence.push(`via-proxy: ${plural(proxied.length, 'connection')} through ${[...new Set(proxied.map((i) => `${i.c.respH}:${i.c.respP}`))].slice(0, 2).join(', ')} to ${plural(dests.size, 'destination')}`);
  }
  if (scan !== null) {
    labels.push('scanner');
    evidence.push(`scanner: ${scan.words} probed in ${formatSeconds(scan.span)}, ${Math.round(scan.failing * 100)}% refused or unanswered`);
  }
  if (flood !== null) {
    labels.push('flood');
    evidence.push(`flood: ${flood.t.n} SYNs at ${flood.target} in ${formatSeconds(flood.t.last - flood.t.first)} (${round(flood.rate, 1)}/s), ` +
      `${flood.sequential ? 'source ports rising one by one' : 'random source ports'}`);
  }
  if (isProxyHost) evidence.push(`this host is a proxy (${ctx.proxies.proxies.filter((p) => p.address === address).map((p) => p.evidence).join('; ')})`);

  // The reset source that turned this host away most often.
  const refusalOf = new Map<number, { n: number; ttl: number; kind: string; attribution: string; delays: number[] }>();
  const attributionIndex = { middlebox: 0, endpoint: 1, unknown: 2 } as const;
  for (const i of direct) {
    if (i.refusal === undefined) continue;
    const k = attributionIndex[i.refusal.attribution] * 1024 + i.refusal.reset.ttl * 2 + (i.refusal.reset.kind === 'icmp' ? 1 : 0);
    let r = refusalOf.get(k);
    if (r === undefined) refusalOf.set(k, (r = { n: 0, ttl: i.refusal.reset.ttl, kind: i.refusal.reset.kind, attribution: i.refusal.attribution, delays: [] }));
    r.n++;
    if (r.delays.length < 1000) r.delays.push(i.refusal.reset.delay);
  }
  let mainRefusal: { n: number; ttl: number; kind: string; attribution: string; delays: number[] } | null = null;
  for (const r of refusalOf.values()) if (mainRefusal === null || r.n > mainRefusal.n) mainRefusal = r;
  const mainSource = mainRefusal === null ? undefined
    : ctx.resetSources.find((s) => s.attribution === mainRefusal!.attribution && s.ttl === mainRefusal!.ttl && s.kind === mainRefusal!.kind);
  if (mainRefusal !== null && mainSource !== undefined) {
    evidence.push(`resets: ${mainRefusal.n} of the direct attempts were refused with TTL ${mainRefusal.ttl} after ~${formatDelay(median(mainRefusal.delays) ?? 0)}: ${mainSource.attribution} (${mainSource.evidence})`);
  }

  const verdict = verdictText({
    labels, items, attempts, direct, directBlocked, directMiddlebox, directAddresses, directNetblocks, proxied,
    groups, periodicGroups, flood, scan, mainRefusal, mainSource, isProxyHost, proxyWords, ctx,
  });

  let score = 0;
  if (labels.includes('flood')) score += 100;
  if (labels.includes('scanner')) score += 80;
  const beaconThrough = periodicGroups.some((g) => g.established > 0 && !g.viaProxy);
  if (labels.includes('periodic')) score += beaconThrough ? 70 : 20;
  if (labels.includes('proxy-bypass')) score += 40;
  if (labels.includes('blocked')) score += 30;
  if (labels.includes('via-proxy')) score += 1;
  score += Math.log10(1 + attempts.length);
  return { labels, verdict, evidence, score: round(score, 2) };
}

interface VerdictFacts {
  labels: Label[];
  items: Item[];
  attempts: Item[];
  direct: Item[];
  directBlocked: Item[];
  directMiddlebox: Item[];
  directAddresses: Set<string>;
  directNetblocks: Set<string>;
  proxied: Item[];
  groups: DestinationGroup[];
  periodicGroups: DestinationGroup[];
  flood: { target: string; t: TargetStats; rate: number; sequential: boolean } | null;
  scan: { words: string; probes: number; span: number; failing: number } | null;
  mainRefusal: { n: number; ttl: number; attribution: string; delays: number[] } | null;
  mainSource: ResetSource | undefined;
  isProxyHost: boolean;
  proxyWords: string;
  ctx: HostContext;
}

function scheduleWords(s: Schedule, noun = 'attempt'): string {
  const parts: string[] = [];
  if (s.burstSize !== null && s.burstSize > 1) {
    const rate = s.burstRate !== null ? `${round(s.burstRate, 1)} ${noun}/s ` : '';
    parts.push(`${rate}in bursts of ${s.burstSize}${s.periodSeconds !== null && s.periodic ? ` every ~${formatSeconds(s.periodSeconds)}` : ''}`);
  } else if (s.periodic && s.periodSeconds !== null) {
    parts.push(`one ${noun} every ~${formatSeconds(s.periodSeconds)} (jitter ${Math.round((s.jitter ?? 0) * 100)}%)`);
  }
  if (s.cycleSeconds !== null) parts.push(`burst trains every ${formatSeconds(s.cycleSeconds)}`);
  return parts.join(', ');
}

function deviceWords(source: ResetSource | undefined): string {
  if (source === undefined) return 'a device in the path';
  const away = source.hops + 1;
  if (source.kind === 'icmp' && source.senders.length === 1) {
    return `${source.senders[0]} (${away === 1 ? 'one hop' : `${away} hops`} away, ICMP "administratively prohibited" or unreachable)`;
  }
  return `a device ${away === 1 ? 'one hop' : `${away} hops`} away (TTL ${source.ttl}${source.medianRttMs !== null ? `, ${formatDelay(source.medianRttMs / 1000)}` : ''}${source.kind === 'rst' ? ', most likely the firewall' : ''})`;
}

function share(part: number, whole: number, noun: string): string {
  if (part === whole) return whole === 1 ? `the one ${noun}` : `every ${noun}`;
  return `${part} of ${whole} ${noun}s`;
}

function verdictText(f: VerdictFacts): string {
  const has = (l: Label): boolean => f.labels.includes(l);
  const sentences: string[] = [];
  if (f.isProxyHost) {
    sentences.push(`The proxy itself: its direct web connections are expected (${plural(f.items.length, 'connection')}).`);
    return sentences.join(' ');
  }
  if (has('flood') && f.flood !== null) {
    sentences.push(`Looks like a flood — what a DDoS participant would do: ${f.flood.t.n} SYNs at ${f.flood.target} in ` +
      `${formatSeconds(f.flood.t.last - f.flood.t.first)} (${round(f.flood.rate, 1)}/s), ` +
      `${f.flood.sequential ? 'source ports rising one by one' : 'random source ports'}, ${Math.round((f.flood.t.failed / f.flood.t.attempts) * 100)}% of ${plural(f.flood.t.attempts, 'connection')} failing; ` +
      'an update agent or a beacon would not hammer one address like this.');
  } else if (has('scanner') && f.scan !== null) {
    sentences.push(`A scan: ${f.scan.words} probed in ${formatSeconds(f.scan.span)}, ${Math.round(f.scan.failing * 100)}% refused or unanswered — ` +
      'probing for open services, not software calling home and not a flood at one target.');
  } else if (f.direct.length > 0 && (has('blocked') || f.directMiddlebox.length > 0)) {
    // The direct group that failed most, periodic ones first: that is the software turned away.
    let group: DestinationGroup | undefined;
    for (const g of f.groups) {
      if (g.viaProxy || g.failed === 0) continue;
      if (group === undefined || (g.schedule.periodic && !group.schedule.periodic)
        || (g.schedule.periodic === group.schedule.periodic && g.failed > group.failed)) group = g;
    }
    const s = group?.schedule;
    const facts: string[] = [];
    const sched = s !== undefined ? scheduleWords(s) : '';
    if (sched) facts.push(sched);
    if (group !== undefined) {
      const blocks = group.netblocks.length;
      const cdn = group.addresses >= 3 && blocks === 1 ? ' (a CDN)' : '';
      facts.push(`${plural(group.addresses, 'address', 'addresses')} in ${blocks === 1 ? `one ${group.netblocks[0]!.endsWith('/48') ? '/48' : '/24'}` : `${blocks} netblocks`}${cdn}` +
        `${group.groupedBy === 'dns' || group.groupedBy === 'host' || group.groupedBy === 'sni' ? ` for ${group.destination}` : group.groupedBy === 'org' ? ` of ${group.destination}` : ` (${group.destination})`}`);
    }
    if (s?.sequentialPorts) facts.push('source ports rising by one');
    const refusedWords = f.directMiddlebox.length > 0
      ? `${share(f.directMiddlebox.length, f.direct.length, 'attempt')} ${f.mainRefusal?.attribution === 'middlebox' && f.mainSource?.kind === 'icmp' ? 'refused by' : 'reset by'} ${deviceWords(f.mainSource?.attribution === 'middlebox' ? f.mainSource : undefined)}`
      : `${share(f.directBlocked.length, f.direct.length, 'attempt')} never answered (silently dropped)`;
    facts.push(refusedWords);
    const what = has('proxy-bypass')
      ? `An update agent (or similar software) that ignores the proxy ${f.proxyWords}, not a DDoS participant`
      : 'Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant';
    sentences.push(`${what}: ${facts.join(', ')}.`);
    const rate = s?.burstRate ?? null;
    const overall = f.direct.length / Math.max(1, (f.direct[f.direct.length - 1]!.c.ts - f.direct[0]!.c.ts));
    sentences.push(`A flood would send hundreds of attempts per second at one address; this host averages ${round(overall, 2)}/s` +
      `${rate !== null ? ` (${round(rate, 1)}/s inside a burst)` : ''} spread over ${plural(f.directAddresses.size, 'address', 'addresses')}` +
      `${s?.periodic ? ' on a regular retry schedule' : ''}.`);
  } else if (f.periodicGroups.length > 0) {
    const g = f.periodicGroups[0]!;
    const external = g.addressList.some((a) => !f.ctx.internal.has(a));
    const noun = g.schedule.basis === 'requests in one connection' ? 'request' : 'connection';
    const where = g.schedule.basis === 'requests in one connection' ? ' on one long-lived connection' : '';
    const perAttempt = g.attempts > 0 ? g.bytesOut / Math.max(1, g.attempts) : g.bytesOut / Math.max(1, g.schedule.attempts);
    if (g.established > 0 || g.schedule.basis === 'requests in one connection') {
      sentences.push(`A periodic beacon that gets through — worth investigating: ${scheduleWords(g.schedule, noun)}${where} to ${g.destination}` +
        `${g.viaProxy ? ' (through the proxy)' : ''}${external ? '' : ' (an internal address)'}, ` +
        `~${Math.round(perAttempt)} bytes out per ${noun}; regular small check-ins like this are how C2 agents and update checkers behave.`);
    } else {
      sentences.push(`Periodic attempts that fail: ${scheduleWords(g.schedule)} to ${g.destination}, ${g.schedule.evidence}.`);
    }
  } else if (has('proxy-bypass') && f.direct.filter((i) => i.outcome === 'established').length > f.direct.length / 2) {
    const dests = new Set(f.direct.map((i) => i.key.destination));
    const established = f.direct.filter((i) => i.outcome === 'established').length;
    sentences.push(`Reaches the web directly, past the proxy ${f.proxyWords}: ${plural(f.direct.length, 'direct attempt')} to ${plural(dests.size, 'destination')}, ` +
      `${established} established — the firewall lets them through; nothing regular.`);
  } else {
    const refused = f.attempts.filter((i) => i.outcome === 'reset-endpoint' || i.outcome === 'reset-unknown' || i.outcome === 'refused-icmp');
    const unanswered = f.attempts.filter((i) => i.outcome === 'unanswered');
    if (f.attempts.length > 0 && refused.length / f.attempts.length > 0.5) {
      const targets = [...new Set(refused.map((i) => `${i.c.respH}:${i.c.respP}`))];
      const attribution = refused[0]!.refusal;
      const samePort = refused.length > 1 && new Set(refused.map((i) => i.c.origP)).size === 1;
      sentences.push(`Refused connection attempts: ${plural(refused.length, 'attempt')} to ${targets.slice(0, 3).join(', ')}${targets.length > 3 ? ' …' : ''}` +
        `${refused.length > 1 ? ` retried${samePort ? ' from the same source port' : ''}` : ''}, ` +
        `refused by ${attribution?.attribution === 'endpoint' ? 'the server itself' : attribution?.attribution === 'middlebox' ? 'a device in the path' : 'someone we cannot tell'}` +
        ` (${attribution?.attribution ?? 'unknown'}: ${attribution?.evidence ?? ''}).`);
    } else if (f.attempts.length > 0 && unanswered.length / f.attempts.length > 0.5) {
      sentences.push(`Connection attempts that are never answered: ${unanswered.length} of ${plural(f.attempts.length, 'attempt')}` +
        ` (${unanswered.reduce((n, i) => n + i.c.synCount, 0)} SYNs) — silently dropped on the way or the server is down.`);
    } else if (f.proxied.length > 0) {
      const dests = new Set(f.proxied.map((i) => i.key.destination));
      sentences.push(`Ordinary browsing through the proxy ${f.proxyWords}: ${plural(f.proxied.length, 'connection')} to ${plural(dests.size, 'destination')}, nothing regular.`);
    } else {
      const dests = new Set(f.items.map((i) => i.key.destination));
      sentences.push(`Ordinary traffic: ${plural(f.items.length, 'connection')} to ${plural(dests.size, 'destination')}, nothing regular and nothing refused in the path.`);
    }
  }
  if (has('proxy-bypass') && has('via-proxy')) {
    sentences.push(`It reaches the web both through the proxy (${plural(f.proxied.length, 'connection')}) and directly (${plural(f.direct.length, 'attempt')}): ` +
      'some software on it does not use the proxy settings.');
  }
  if (has('periodic') && !(f.direct.length > 0 && has('blocked')) && f.periodicGroups.length > 1) {
    sentences.push(`${f.periodicGroups.length} destination groups recur on a schedule.`);
  }
  return sentences.join(' ');
}

/** A few sentences for the whole analysis, most important first. */
export function summarize(hosts: readonly HostFinding[], proxyIndex: ProxyIndex, resetSources: readonly ResetSource[]): string[] {
  const summary: string[] = [];
  const bypass = hosts.filter((h) => h.labels.includes('proxy-bypass'));
  const proxies = proxyIndex.proxies.map(proxyName).slice(0, 3).join(', ');
  if (proxyIndex.proxies.length > 0) {
    summary.push(`Proxy in use: ${proxies} (${proxyIndex.proxies[0]!.source === 'given' ? 'given' : proxyIndex.proxies[0]!.evidence}).`);
  }
  if (bypass.length > 0) {
    const names = bypass.slice(0, 5).map((h) => {
      const g = h.groups.find((x) => !x.viaProxy);
      return `${h.address}${g ? ` (to ${g.destination}${g.schedule.periodic && g.schedule.periodSeconds !== null ? `, every ~${formatSeconds(g.schedule.periodSeconds)}` : ''})` : ''}`;
    });
    summary.push(`${plural(bypass.length, 'host')} ${bypass.length === 1 ? 'bypasses' : 'bypass'} the proxy and ${bypass.length === 1 ? 'tries' : 'try'} the web directly: ${names.join(', ')}${bypass.length > 5 ? ', …' : ''}.`);
  }
  const middlebox = resetSources.filter((s) => s.attribution === 'middlebox');
  for (const s of middlebox.slice(0, 2)) {
    const away = s.hops + 1;
    summary.push(`${plural(s.resets, s.kind === 'rst' ? 'reset' : 'ICMP refusal')} for ${plural(s.remoteAddresses, 'address', 'addresses')}` +
      `${s.netblocks.length > 0 && s.netblocks.length <= 3 ? ` (${s.netblocks.join(', ')})` : ''} came from a device in the path ` +
      `${away === 1 ? 'one hop' : `${away} hops`} away${s.kind === 'rst' ? ' (most likely the firewall)' : ''}, not from the servers: ${s.evidence}.`);
  }
  const floods = hosts.filter((h) => h.labels.includes('flood'));
  if (floods.length > 0) {
    summary.push(`${floods.map((h) => h.address).join(', ')} ${floods.length === 1 ? 'looks' : 'look'} like a flood at one target — what a DDoS participant would do.`);
  } else if (bypass.length > 0 || middlebox.length > 0) {
    const blocked = hosts.filter((h) => h.labels.includes('blocked'));
    if (blocked.length > 0) {
      let rate = 0;
      let burstRate = 0;
      let addresses = 0;
      for (const h of blocked) {
        const a = h.attempts;
        if (a.length > 1) rate = Math.max(rate, a.length / Math.max(1, a[a.length - 1]!.ts - a[0]!.ts));
        for (const g of h.groups) {
          if (g.schedule.burstRate !== null && g.failed > 0) burstRate = Math.max(burstRate, g.schedule.burstRate);
          if (g.failed > 0 && !g.viaProxy) addresses = Math.max(addresses, g.addresses);
        }
      }
      summary.push(`Not a DDoS: the blocked ${blocked.length === 1 ? 'host makes' : 'hosts make'} at most ${round(rate, 2)} attempts/s on average` +
        `${burstRate > 0 ? ` (${round(burstRate, 1)}/s inside a burst)` : ''}, spread over up to ${plural(addresses, 'address', 'addresses')} of one destination on a schedule; ` +
        'a flood would send hundreds per second at one address. This is how an update agent calls home when it cannot get past the proxy.');
    }
  }
  const scanners = hosts.filter((h) => h.labels.includes('scanner'));
  if (scanners.length > 0) summary.push(`${scanners.map((h) => h.address).join(', ')}: scanning (${scanners[0]!.evidence.find((e) => e.startsWith('scanner:'))?.slice(9) ?? ''}).`);
  const beacons = hosts.filter((h) => h.labels.includes('periodic') && !h.labels.includes('blocked'));
  for (const h of beacons.slice(0, 3)) summary.push(`${h.address}: ${h.verdict.split(': ')[0]} (${h.groups.find((g) => g.schedule.periodic)?.destination ?? ''}).`);
  if (summary.length === 0) summary.push(hosts.length === 0 ? 'No TCP connections from internal hosts in the capture.' : 'Nothing calls home past the proxy and nothing is refused in the path.');
  return summary;
}
