/**
 * Hosts: every internal host's connections grouped by destination, with outcomes, schedules,
 * labels (DESIGN.md "Labels"), evidence, a plain-words verdict that weighs the alternatives,
 * and a score that orders hosts by how much they deserve attention.
 */
import type { Connection } from '../flows/connection.js';
import type { AttributedReset } from './attribution.js';
import { netblockOf, type CidrSet } from './cidr.js';
import { cleanText, DirectKeys, ProxiedKeys, UnionFind, type GroupKey, type NameBook, type OrgTable } from './destinations.js';
import { proxyName, type ProxyIndex } from './proxies.js';
import { analyzeSchedule, bestSchedule, emptySchedule, sequentialPorts } from './schedule.js';
import { count, formatDelay, formatRate, formatSeconds, median, plural, round } from './stats.js';
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
  /** Time of the capture's last packet; by default the last connection's end. */
  captureEnd?: number;
}

/**
 * An attempt this close to the capture's end that got nothing was cut off by the end of the
 * capture, not left unanswered (Zeek's attempt delay: 5 s before an S0 attempt counts as such).
 */
const CUT_OFF_SECONDS = 5;

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

/** Attempts kept per host for charts: every one up to these, then an even spread. */
export const MAX_ATTEMPTS_KEPT = 20_000;
/** Hosts with no finding (no label, or only via-proxy) keep fewer. */
export const MAX_ATTEMPTS_KEPT_ORDINARY = 2_000;
/**
 * Attempts kept over all hosts, so that the JSON of a capture with millions of connections stays
 * a few tens of megabytes: hosts are served in order of score; once this is spent, each further
 * host keeps a sample of MIN_ATTEMPTS_KEPT, out of a second budget of MAX_ATTEMPTS_SAMPLED_TOTAL.
 */
export const MAX_ATTEMPTS_KEPT_TOTAL = 150_000;
export const MIN_ATTEMPTS_KEPT = 500;
export const MAX_ATTEMPTS_SAMPLED_TOTAL = 100_000;

/** `keep` of `total` positions spread evenly, the first and the last included. */
function spread(k: number, keep: number, total: number): number {
  return keep === total ? k : keep === 1 ? 0 : Math.floor((k * (total - 1)) / (keep - 1));
}

/**
 * One host's connections in time order, as parallel arrays (position = item): a host may have
 * millions of connections, and one object per connection would be garbage-collected work.
 */
interface Items {
  n: number;
  /** Destination key id of each item (ids in order of first use) and the keys by id. */
  keyId: Int32Array;
  keys: GroupKey[];
  /** Key ids joined when their addresses share a netblock. */
  merged: UnionFind;
  tally: Tally;
  /** Distinct user agents (cleaned), at most 10. */
  userAgents: Set<string>;
  conn: Connection[];
  key: GroupKey[];
  outcome: Outcome[];
  refusal: (AttributedReset | undefined)[];
  viaProxy: Uint8Array;
  attempt: Uint8Array;
  /** Unanswered attempts in the capture's last seconds, left out of every count. */
  cutOff: number;
}

interface GroupAcc {
  /** Destination keys of the group, in first-seen order, and how many connections each named. */
  keys: GroupKey[];
  keyCounts: number[];
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
}

export function outcomeOf(c: Connection, refusal: AttributedReset | undefined): Outcome {
  if (refusal !== undefined) {
    if (refusal.reset.kind === 'icmp') return 'refused-icmp';
    if (refusal.attribution === 'middlebox') return 'reset-middlebox';
    if (c.established && refusal.reset.stage !== 'syn') return 'established';
    return refusal.attribution === 'endpoint' ? 'reset-endpoint' : 'reset-unknown';
  }
  return c.established || oneDirectionEstablished(c.history) ? 'established' : 'unanswered';
}

/**
 * The originator acknowledged or sent data after its SYN: the handshake completed in a direction
 * the capture did not see (half-duplex capture, asymmetric routing), so the attempt was answered.
 * Zeek history: upper case is the originator; 'A' ack, 'D' data.
 */
function oneDirectionEstablished(history: string): boolean {
  return history.charCodeAt(0) === 83 /* S */ && (history.indexOf('A', 1) > 0 || history.indexOf('D', 1) > 0);
}

/** Refused by a device in the path. */
function middleboxOutcome(outcome: Outcome, refusal: AttributedReset | undefined): boolean {
  return outcome === 'reset-middlebox' || (outcome === 'refused-icmp' && refusal?.attribution === 'middlebox');
}

/** Failed because something in the path stopped it (DESIGN.md: `blocked`). */
function blockedOutcome(outcome: Outcome, refusal: AttributedReset | undefined): boolean {
  return outcome === 'unanswered' || middleboxOutcome(outcome, refusal);
}

function newGroup(): GroupAcc {
  return {
    keys: [], keyCounts: [], names: new Set(), viaProxy: false, ports: new Set(), addresses: new Set(), netblocks: new Set(),
    attempts: 0, established: 0, unanswered: 0, resets: { middlebox: 0, endpoint: 0, unknown: 0 },
    bytesOut: 0, bytesIn: 0, first: Infinity, last: -Infinity,
    failedTimes: [], failedPorts: [], doneTimes: [], donePorts: [], requests: null,
  };
}

function iso(ts: number): string {
  return Number.isFinite(ts) ? new Date(ts * 1000).toISOString() : '';
}

/** Outbound attempts of a host, kept or not (`attempts` may hold an even sample of them). */
function attemptTotal(h: HostFinding): number {
  return h.attempts.length + (h.attemptsOmitted ?? 0);
}

export function buildHosts(connections: readonly Connection[], ctx: HostContext): HostFinding[] {
  // A capture with no internal originators at all (lab captures on public addresses): every originator is a host.
  // One pass, every originator's connections; the internal test once per originator.
  const byHost = new Map<string, number[]>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections[i]!;
    if (c.proto !== 'tcp') continue;
    let list = byHost.get(c.origH);
    if (list === undefined) byHost.set(c.origH, (list = []));
    list.push(i);
  }
  if (ctx.captureEnd === undefined) {
    let end = -Infinity;
    for (let i = 0; i < connections.length; i++) if (connections[i]!.lastTs > end) end = connections[i]!.lastTs;
    ctx = { ...ctx, captureEnd: end };
  }
  let anyInternal = false;
  for (const address of byHost.keys()) {
    if (ctx.internal.has(address)) {
      anyInternal = true;
      break;
    }
  }
  const hosts: HostFinding[] = [];
  for (const [address, list] of byHost) {
    if (!anyInternal || ctx.internal.has(address)) hosts.push(buildHost(address, connections, list, ctx));
  }
  hosts.sort((a, b) => b.score - a.score || attemptTotal(b) - attemptTotal(a) || (a.address < b.address ? -1 : 1));
  let budget = MAX_ATTEMPTS_KEPT_TOTAL;
  let samples = MAX_ATTEMPTS_SAMPLED_TOTAL;
  for (const h of hosts) {
    if (budget > 0) {
      thinAttempts(h, Math.max(MIN_ATTEMPTS_KEPT, budget));
      budget = Math.max(0, budget - h.attempts.length);
    } else {
      thinAttempts(h, Math.min(MIN_ATTEMPTS_KEPT, samples));
      samples -= h.attempts.length;
    }
  }
  return hosts;
}

/** Keep at most `max` of a host's attempts, spread evenly (first and last kept). */
function thinAttempts(h: HostFinding, max: number): void {
  const total = h.attempts.length;
  if (total <= max) return;
  const kept = new Array<Attempt>(max);
  for (let k = 0; k < max; k++) kept[k] = h.attempts[spread(k, max, total)]!;
  h.attempts = kept;
  h.attemptsOmitted = (h.attemptsOmitted ?? 0) + total - max;
}

/** Indices in order of connection start; stable, and free when they already are (loadCaptures sorts). */
function sortByStart(connections: readonly Connection[], indices: number[]): void {
  for (let i = 1; i < indices.length; i++) {
    if (connections[indices[i]!]!.ts < connections[indices[i - 1]!]!.ts) {
      indices.sort((a, b) => connections[a]!.ts - connections[b]!.ts);
      return;
    }
  }
}

function collectItems(address: string, connections: readonly Connection[], indices: number[], ctx: HostContext): Items {
  const n = indices.length;
  const items: Items = {
    n,
    keyId: new Int32Array(n),
    keys: [],
    merged: new UnionFind(),
    tally: newTally(),
    userAgents: new Set(),
    conn: new Array<Connection>(n),
    key: new Array<GroupKey>(n),
    outcome: new Array<Outcome>(n),
    refusal: new Array<AttributedReset | undefined>(n),
    viaProxy: new Uint8Array(n),
    attempt: new Uint8Array(n),
    cutOff: 0,
  };
  const directKeys = new DirectKeys(ctx.names.forHost(address), ctx.orgs);
  const proxiedKeys = new ProxiedKeys();
  // Last unanswered attempt's end per responder → responder port × 65536 + source port.
  const lastUnanswered = new Map<string, Map<number, number>>();
  const keyIds = new Map<string, number>();
  const netIds = new Map<string, number>();
  const seenAgents = new Set<string>();
  let lastAgent: string | null = null;
  const anyProxy = ctx.proxies.proxies.length > 0;
  const cutOffAfter = (ctx.captureEnd ?? Infinity) - CUT_OFF_SECONDS;
  for (let i = 0; i < n; i++) {
    const index = indices[i]!;
    const c = connections[index]!;
    const viaProxy = anyProxy && ctx.proxies.isProxy(c.respH, c.respP);
    const refusal = ctx.refusals[index];
    const outcome = outcomeOf(c, refusal);
    let attempt = c.synCount > 0 || c.history.startsWith('S');
    if (outcome === 'unanswered' && attempt) {
      // A SYN retransmission the tracker emitted as a connection of its own is not a new attempt.
      let ports = lastUnanswered.get(c.respH);
      if (ports === undefined) lastUnanswered.set(c.respH, (ports = new Map()));
      const tuple = c.respP * 65536 + c.origP;
      const previousEnd = ports.get(tuple);
      if (previousEnd !== undefined && c.ts - previousEnd <= SYN_RETRY_SECONDS) attempt = false;
      ports.set(tuple, c.lastTs);
      // Cut off by the end of the capture: neither answered nor unanswered, not counted.
      if (attempt && c.ts >= cutOffAfter) {
        attempt = false;
        items.cutOff++;
      }
    }
    const key = viaProxy ? proxiedKeys.key(c) : directKeys.key(c);
    items.conn[i] = c;
    items.key[i] = key;
    items.outcome[i] = outcome;
    items.refusal[i] = refusal;
    items.viaProxy[i] = viaProxy ? 1 : 0;
    items.attempt[i] = attempt ? 1 : 0;
    // Groups: connections sharing a key, merged when their addresses share a netblock.
    let id = keyIds.get(key.key);
    if (id === undefined) {
      keyIds.set(key.key, (id = items.merged.add()));
      items.keys.push(key);
    }
    if (!viaProxy) {
      const block = netblockOf(c.respH);
      const netId = netIds.get(block);
      if (netId === undefined) netIds.set(block, id);
      else items.merged.union(netId, id);
    }
    items.keyId[i] = id;
    tallyItem(items.tally, items, i, ctx);
    const ua = c.http?.userAgent;
    if (ua && ua !== lastAgent && items.userAgents.size < 10 && !seenAgents.has(ua)) {
      seenAgents.add(ua);
      items.userAgents.add(cleanText(ua, 200));
    }
    if (ua) lastAgent = ua;
  }
  return items;
}

/** The host's destination groups, numbered in order of their first connection, and each item's. */
function groupItems(items: Items): { groupOf: Int32Array; accs: GroupAcc[] } {
  const n = items.n;
  const uf = items.merged;
  const itemIds = items.keyId;
  const ids = items.keys.length;
  const groupOfRoot = new Int32Array(ids).fill(-1);
  const groupOf = new Int32Array(n);
  const accs: GroupAcc[] = [];
  const keyCounts = new Int32Array(ids);
  for (let i = 0; i < n; i++) {
    keyCounts[itemIds[i]!]!++;
    const root = uf.find(itemIds[i]!);
    let g = groupOfRoot[root]!;
    if (g < 0) {
      groupOfRoot[root] = g = accs.length;
      accs.push(newGroup());
    }
    groupOf[i] = g;
    addToGroup(accs[g]!, items, i);
  }
  // Each key belongs to one group; a group's keys in first-seen order are its key ids in order.
  for (let id = 0; id < ids; id++) {
    const g = accs[groupOfRoot[uf.find(id)]!]!;
    const key = items.keys[id]!;
    g.keys.push(key);
    g.keyCounts.push(keyCounts[id]!);
    for (const name of key.names) if (g.names.size < 100) g.names.add(name);
  }
  return { groupOf, accs };
}

function buildHost(address: string, connections: readonly Connection[], indices: number[], ctx: HostContext): HostFinding {
  sortByStart(connections, indices);
  const isProxyHost = ctx.proxies.proxyAddresses.has(address);
  const items = collectItems(address, connections, indices, ctx);
  const { groupOf, accs } = groupItems(items);
  const groups = accs.map(finishGroup);
  const sortedGroups = [...groups].sort((a, b) => groupWeight(b) - groupWeight(a));

  const judged = judge(address, items, items.tally, sortedGroups, isProxyHost, ctx);
  const ordinary = judged.labels.every((l) => l === 'via-proxy');
  const kept = keptAttempts(items, groupOf, groups, ordinary ? MAX_ATTEMPTS_KEPT_ORDINARY : MAX_ATTEMPTS_KEPT);
  const host: HostFinding = {
    address,
    labels: judged.labels,
    verdict: judged.verdict,
    evidence: judged.evidence,
    score: judged.score,
    userAgents: [...items.userAgents],
    groups: sortedGroups,
    attempts: kept.attempts,
  };
  if (kept.omitted > 0) host.attemptsOmitted = kept.omitted;
  directRates.set(host, directRate(items, items.tally.direct));
  return host;
}

/**
 * The host's attempts in time order (ties: in order of their group's first connection), all of
 * them up to `max`, else `max` spread evenly over the whole list, first and last included.
 */
function keptAttempts(items: Items, groupOf: Int32Array, groups: DestinationGroup[], max: number): { attempts: Attempt[]; omitted: number } {
  const order: number[] = [];
  let reorder = false;
  for (let i = 0; i < items.n; i++) {
    if (items.attempt[i] === 0) continue;
    const last = order.length > 0 ? order[order.length - 1]! : -1;
    if (last >= 0 && items.conn[last]!.ts === items.conn[i]!.ts && groupOf[last]! > groupOf[i]!) reorder = true;
    order.push(i);
  }
  if (reorder) order.sort((a, b) => items.conn[a]!.ts - items.conn[b]!.ts || groupOf[a]! - groupOf[b]! || a - b);
  const total = order.length;
  const keep = Math.min(total, max);
  const attempts = new Array<Attempt>(keep);
  for (let k = 0; k < keep; k++) {
    const i = order[spread(k, keep, total)]!;
    const c = items.conn[i]!;
    attempts[k] = {
      ts: c.ts, destination: groups[groupOf[i]!]!.destination, address: c.respH, port: c.respP,
      sourcePort: c.origP, outcome: items.outcome[i]!,
    };
  }
  return { attempts, omitted: total - keep };
}

function addToGroup(g: GroupAcc, items: Items, i: number): void {
  const c = items.conn[i]!;
  const outcome = items.outcome[i]!;
  const refusal = items.refusal[i];
  if (items.viaProxy[i] === 1) g.viaProxy = true;
  g.ports.add(c.respP);
  // An address already in the group brought its netblock in with it.
  if (!g.addresses.has(c.respH)) {
    if (g.addresses.size < 10_000) g.addresses.add(c.respH);
    g.netblocks.add(netblockOf(c.respH));
  }
  g.bytesOut += c.origBytes;
  g.bytesIn += c.respBytes;
  if (c.ts < g.first) g.first = c.ts;
  if (c.lastTs > g.last) g.last = c.lastTs;
  if (refusal !== undefined) g.resets[refusal.attribution]++;
  if (c.requestTimes.length > (g.requests?.requestTimes.length ?? 0)) g.requests = c;
  if (items.attempt[i] === 0) {
    if (c.established || c.origPkts > 0) g.established += outcome === 'established' ? 1 : 0;
    return;
  }
  g.attempts++;
  if (outcome === 'established') {
    g.established++;
    g.doneTimes.push(c.ts);
    g.donePorts.push(c.origP);
  } else {
    if (outcome === 'unanswered') g.unanswered++;
    g.failedTimes.push(c.ts);
    g.failedPorts.push(c.origP);
  }
}

const RANK: Record<DestinationGroup['groupedBy'], number> = { dns: 4, host: 3, sni: 2, org: 1, netblock: 0 };

function finishGroup(g: GroupAcc): DestinationGroup {
  // The group is named by its most used key; DNS names beat Host/SNI beat orgs beat netblocks.
  let best = -1;
  for (let k = 0; k < g.keys.length; k++) {
    if (best < 0) {
      best = k;
      continue;
    }
    const rank = RANK[g.keys[k]!.groupedBy];
    const bestRank = RANK[g.keys[best]!.groupedBy];
    if (rank > bestRank || (rank === bestRank && g.keyCounts[k]! > g.keyCounts[best]!)) best = k;
  }
  const bestKey = best < 0 ? null : g.keys[best]!;
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
    destination: bestKey === null ? '' : bestKey.groupedBy === 'netblock' && !g.viaProxy && g.addresses.size === 1 ? addressList[0]! : bestKey.destination,
    groupedBy: bestKey?.groupedBy ?? 'netblock',
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

/** Attempts at one address: per port (floods) and over all ports (port scans). */
interface AddressStats { ports: Map<number, TargetStats>; n: number; failed: number; first: number; last: number }

interface RefusalStats { n: number; ttl: number; kind: string; attribution: string; delays: number[] }

/** What judging a host needs from its attempts, counted in one pass (a host may have millions). */
interface Tally {
  /** Positions in `items` of the attempts, the direct web attempts, the proxied connections. */
  attempts: number[];
  direct: number[];
  proxied: number[];
  directBlocked: number;
  directMiddlebox: number;
  directEstablished: number;
  directAddresses: Set<string>;
  directNetblocks: Set<string>;
  directPorts: Set<number>;
  byAddress: Map<string, AddressStats>;
  addressesByPort: Map<number, PortStats>;
  /** Refusals of direct attempts by attribution, TTL and kind. */
  refusalOf: Map<number, RefusalStats>;
}

interface PortStats { addresses: Set<string>; n: number; failed: number; first: number; last: number }

const ATTRIBUTION_INDEX = { middlebox: 0, endpoint: 1, unknown: 2 } as const;

function newTally(): Tally {
  return {
    attempts: [], direct: [], proxied: [], directBlocked: 0, directMiddlebox: 0, directEstablished: 0,
    directAddresses: new Set(), directNetblocks: new Set(), directPorts: new Set(),
    byAddress: new Map(), addressesByPort: new Map(), refusalOf: new Map(),
  };
}

/**
 * Count one item: direct attempts at the Internet's web ports and how many of them something in
 * the path stopped, per-target counts for scans and floods, and who refused the direct attempts.
 */
function tallyItem(tally: Tally, items: Items, i: number, ctx: HostContext): void {
  if (items.viaProxy[i] === 1) tally.proxied.push(i);
  if (items.attempt[i] === 0) return;
  tally.attempts.push(i);
  const c = items.conn[i]!;
  const outcome = items.outcome[i]!;
  const refusal = items.refusal[i];
  const failed = outcome !== 'established';
  if (items.viaProxy[i] === 0 && !ctx.internal.has(c.respH) && ctx.webPorts.includes(c.respP)) {
    tally.direct.push(i);
    if (blockedOutcome(outcome, refusal)) tally.directBlocked++;
    if (middleboxOutcome(outcome, refusal)) tally.directMiddlebox++;
    if (!failed) tally.directEstablished++;
    tally.directAddresses.add(c.respH);
    tally.directNetblocks.add(netblockOf(c.respH));
    tally.directPorts.add(c.respP);
    if (refusal !== undefined) {
      const r = refusal.reset;
      const k = ATTRIBUTION_INDEX[refusal.attribution] * 1024 + r.ttl * 2 + (r.kind === 'icmp' ? 1 : 0);
      let s = tally.refusalOf.get(k);
      if (s === undefined) tally.refusalOf.set(k, (s = { n: 0, ttl: r.ttl, kind: r.kind, attribution: refusal.attribution, delays: [] }));
      s.n++;
      if (s.delays.length < 1000) s.delays.push(r.delay);
    }
  }
  let pa = tally.byAddress.get(c.respH);
  if (pa === undefined) tally.byAddress.set(c.respH, (pa = { ports: new Map(), n: 0, failed: 0, first: c.ts, last: c.ts }));
  let t = pa.ports.get(c.respP);
  if (t === undefined) pa.ports.set(c.respP, (t = { n: 0, attempts: 0, first: c.ts, last: c.ts, ports: [], failed: 0 }));
  // A flood counts SYNs: a tool that reuses one source port shows as one connection with many.
  t.n += Math.max(1, c.synCount);
  t.attempts++;
  if (c.ts > t.last) t.last = c.ts;
  if (c.ts < t.first) t.first = c.ts;
  if (t.ports.length < 500) t.ports.push(c.origP);
  if (failed) t.failed++;
  pa.n++;
  if (failed) pa.failed++;
  pa.last = c.ts;
  let ap = tally.addressesByPort.get(c.respP);
  if (ap === undefined) tally.addressesByPort.set(c.respP, (ap = { addresses: new Set(), n: 0, failed: 0, first: c.ts, last: c.ts }));
  if (ap.addresses.size < 1_000_000) ap.addresses.add(c.respH);
  ap.n++;
  if (failed) ap.failed++;
  ap.last = c.ts;
}

/** "100%", "99.7%", "all but 3": never rounds a few successes away. */
function failingShare(failed: number, total: number): string {
  if (failed === total) return '100%';
  const pct = (failed / total) * 100;
  if (Math.round(pct) < 100) return `${Math.round(pct)}%`;
  if (round(pct, 1) < 100) return `${round(pct, 1)}%`;
  return `all but ${count(total - failed)}`;
}

interface Flood { target: string; t: TargetStats; rate: number; sequential: boolean }

/** flood: a high rate of attempts at one address:port. */
function findFlood(byAddress: Map<string, AddressStats>): Flood | null {
  let flood: Flood | null = null;
  for (const [target, pa] of byAddress) {
    for (const [port, t] of pa.ports) {
      const span = t.last - t.first;
      const rate = t.n / Math.max(span, 1);
      if (t.n >= FLOOD_ATTEMPTS && rate >= FLOOD_RATE && (flood === null || t.n > flood.t.n)) {
        flood = { target: target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`, t, rate, sequential: sequentialPorts(t.ports).sequential };
      }
    }
  }
  return flood;
}

interface Scan { words: string; probes: number; span: number; failing: number; failed: number }

/** scanner: many ports on one address, or many new addresses on one port, mostly failing. */
function findScan(byAddress: Map<string, AddressStats>, addressesByPort: Map<number, PortStats>): Scan | null {
  let scan: Scan | null = null;
  for (const [target, pa] of byAddress) {
    if (pa.ports.size >= SCAN_PORTS && pa.failed / pa.n >= SCAN_FAILING && (scan === null || pa.n > scan.probes)) {
      scan = { words: `${count(pa.ports.size)} ports on ${target}`, probes: pa.n, span: pa.last - pa.first, failing: pa.failed / pa.n, failed: pa.failed };
    }
  }
  for (const [port, ap] of addressesByPort) {
    if (ap.addresses.size >= SCAN_ADDRESSES && ap.addresses.size >= 0.5 * ap.n && ap.failed / ap.n >= SCAN_FAILING
      && (scan === null || ap.n > scan.probes)) {
      scan = { words: `${count(ap.addresses.size)} addresses on port ${port}`, probes: ap.n, span: ap.last - ap.first, failing: ap.failed / ap.n, failed: ap.failed };
    }
  }
  return scan;
}

function judge(
  address: string,
  items: Items,
  tally: Tally,
  groups: DestinationGroup[],
  isProxyHost: boolean,
  ctx: HostContext,
): Judgement {
  const labels: Label[] = [];
  const evidence: string[] = [];
  const proxyInUse = ctx.proxies.proxies.length > 0;
  const proxyWords = ctx.proxies.proxies.slice(0, 2).map(proxyName).join(' and ');

  const { attempts, direct, directBlocked, directMiddlebox, directEstablished, directAddresses, directNetblocks, directPorts, proxied, refusalOf } = tally;
  const flood = findFlood(tally.byAddress);
  const scan = findScan(tally.byAddress, tally.addressesByPort);

  const periodicGroups = groups.filter((g) => g.schedule.periodic);

  if (proxyInUse && !isProxyHost && direct.length > 0) {
    labels.push('proxy-bypass');
    evidence.push(`proxy-bypass: ${plural(direct.length, 'direct attempt')} to ${plural(directAddresses.size, 'external address', 'external addresses')} ` +
      `in ${plural(directNetblocks.size, 'netblock')} on port ${[...directPorts].sort((a, b) => a - b).join(', ')} while the proxy ${proxyWords} is in use`);
  }
  // A scanner's probes of web ports are part of the scan, not software turned away.
  if (!isProxyHost && scan === null && direct.length >= 2 && directBlocked / direct.length > 0.5) {
    labels.push('blocked');
    const unanswered = directBlocked - directMiddlebox;
    evidence.push(`blocked: ${directBlocked} of ${direct.length} direct attempts failed` +
      ` (${directMiddlebox} refused by a device in the path, ${unanswered} never answered)`);
  }
  if (periodicGroups.length > 0) {
    labels.push('periodic');
    for (const g of periodicGroups.slice(0, 3)) {
      evidence.push(`periodic: ${g.destination}: ${g.schedule.evidence} (score ${g.schedule.score}, from ${g.schedule.basis})`);
    }
  }
  if (proxied.length > 0 && !isProxyHost) {
    labels.push('via-proxy');
    evidence.push(`via-proxy: ${plural(proxied.length, 'connection')} through ${targetsOf(items, proxied, 2).join(', ')} to ${plural(destinationCount(items, proxied), 'destination')}`);
  }
  if (scan !== null) {
    labels.push('scanner');
    evidence.push(`scanner: ${scan.words} probed in ${formatSeconds(scan.span)}, ${failingShare(scan.failed, scan.probes)} refused or unanswered`);
  }
  if (flood !== null) {
    labels.push('flood');
    evidence.push(`flood: ${plural(flood.t.n, 'SYN')} at ${flood.target} in ${formatSeconds(flood.t.last - flood.t.first)} (${formatRate(flood.rate, 1)}/s), ` +
      `${flood.sequential ? 'source ports rising one by one' : 'random source ports'}`);
  }
  if (items.cutOff > 0) {
    evidence.push(`cut off: ${plural(items.cutOff, 'attempt')} in the last ${CUT_OFF_SECONDS} s of the capture had no answer before it ended (not counted as unanswered)`);
  }
  if (isProxyHost) evidence.push(`this host is a proxy (${ctx.proxies.proxies.filter((p) => p.address === address).map((p) => p.evidence).join('; ')})`);

  // The reset source that turned this host away most often.
  let mainRefusal: RefusalStats | null = null;
  for (const r of refusalOf.values()) if (mainRefusal === null || r.n > mainRefusal.n) mainRefusal = r;
  const mainSource = mainRefusal === null ? undefined
    : ctx.resetSources.find((s) => s.attribution === mainRefusal!.attribution && s.ttl === mainRefusal!.ttl && s.kind === mainRefusal!.kind);
  if (mainRefusal !== null && mainSource !== undefined) {
    evidence.push(`resets: ${mainRefusal.n} of the direct attempts were refused with TTL ${mainRefusal.ttl} after ~${formatDelay(median(mainRefusal.delays) ?? 0)}: ${mainSource.attribution} (${mainSource.evidence})`);
  }

  const verdict = verdictText({
    labels, items, attempts, direct, directBlocked, directMiddlebox, directEstablished, directAddresses, directNetblocks, proxied,
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

/** The first `max` distinct address:ports the given items went to. */
function targetsOf(items: Items, positions: readonly number[], max: number): string[] {
  const used: string[] = [];
  const seen: Connection[] = [];
  for (const i of positions) {
    const c = items.conn[i]!;
    if (seen.some((s) => s.respH === c.respH && s.respP === c.respP)) continue;
    seen.push(c);
    used.push(`${c.respH}:${c.respP}`);
    if (used.length === max) break;
  }
  return used;
}

/** How many distinct destinations the given items went to. */
function destinationCount(items: Items, positions: readonly number[] | null): number {
  const keys = new Set<GroupKey>();
  const destinations = new Set<string>();
  const n = positions === null ? items.n : positions.length;
  for (let k = 0; k < n; k++) {
    const key = items.key[positions === null ? k : positions[k]!]!;
    if (keys.has(key)) continue;
    keys.add(key);
    destinations.add(key.destination);
  }
  return destinations.size;
}

/** Direct web attempts per second over their own span: the one rate the verdict and the summary give. */
function directRate(items: Items, direct: readonly number[]): number {
  if (direct.length === 0) return 0;
  return direct.length / Math.max(1, items.conn[direct[direct.length - 1]!]!.ts - items.conn[direct[0]!]!.ts);
}

/** Each host's direct attempt rate, for the summary (which sees only the findings). */
const directRates = new WeakMap<HostFinding, number>();

interface VerdictFacts {
  labels: Label[];
  items: Items;
  /** Positions in `items` of the attempts, the direct web attempts, the proxied connections. */
  attempts: number[];
  direct: number[];
  directBlocked: number;
  directMiddlebox: number;
  directEstablished: number;
  directAddresses: Set<string>;
  directNetblocks: Set<string>;
  proxied: number[];
  groups: DestinationGroup[];
  periodicGroups: DestinationGroup[];
  flood: Flood | null;
  scan: Scan | null;
  mainRefusal: RefusalStats | null;
  mainSource: ResetSource | undefined;
  isProxyHost: boolean;
  proxyWords: string;
  ctx: HostContext;
}

function scheduleWords(s: Schedule, noun = 'attempt'): string {
  const parts: string[] = [];
  if (s.burstSize !== null && s.burstSize > 1) {
    const rate = s.burstRate !== null ? `${formatRate(s.burstRate, 1)} ${noun}/s ` : '';
    parts.push(`${rate}in bursts of ${s.burstSize}${s.periodSeconds !== null && s.periodic ? ` every ~${formatSeconds(s.periodSeconds)}` : ''}`);
  } else if (s.periodic && s.periodSeconds !== null) {
    parts.push(`one ${noun} every ~${formatSeconds(s.periodSeconds)} (jitter ${Math.round((s.jitter ?? 0) * 100)}%)`);
  }
  if (s.cycleSeconds !== null) parts.push(`burst trains every ${formatSeconds(s.cycleSeconds)}`);
  return parts.join(', ');
}

/** The other direct destination groups on a schedule, briefly: "x every ~5 min (reset)". */
function alsoPeriodic(groups: readonly DestinationGroup[], main: DestinationGroup | undefined): string {
  const words: string[] = [];
  for (const g of groups) {
    if (g === main || g.viaProxy || !g.schedule.periodic || g.schedule.periodSeconds === null) continue;
    const reset = g.resets.middlebox + g.resets.endpoint + g.resets.unknown;
    const outcome = g.established > g.failed ? 'gets through' : reset >= g.unanswered && reset > 0 ? 'reset' : g.unanswered > 0 ? 'dropped' : 'fails';
    words.push(`${g.destination} every ~${formatSeconds(g.schedule.periodSeconds)} (${outcome})`);
  }
  if (words.length > 3) return `${words.slice(0, 3).join(', ')} and ${plural(words.length - 3, 'more group')}`;
  return words.join(', ');
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
    sentences.push(`The proxy itself: its direct web connections are expected (${plural(f.items.n, 'connection')}).`);
    return sentences.join(' ');
  }
  if (has('flood') && f.flood !== null) {
    sentences.push(`Looks like a flood — what a DDoS participant would do: ${plural(f.flood.t.n, 'SYN')} at ${f.flood.target} in ` +
      `${formatSeconds(f.flood.t.last - f.flood.t.first)} (${formatRate(f.flood.rate, 1)}/s), ` +
      `${f.flood.sequential ? 'source ports rising one by one' : 'random source ports'}, ${Math.round((f.flood.t.failed / f.flood.t.attempts) * 100)}% of ${plural(f.flood.t.attempts, 'connection')} failing; ` +
      'an update agent or a beacon would not hammer one address like this.');
  } else if (has('scanner') && f.scan !== null) {
    sentences.push(`A scan: ${f.scan.words} probed in ${formatSeconds(f.scan.span)}, ${failingShare(f.scan.failed, f.scan.probes)} refused or unanswered — ` +
      'probing for open services, not software calling home and not a flood at one target.');
  } else if (f.direct.length > 0 && (has('blocked') || f.directMiddlebox > 0)) {
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
    const refusedWords = f.directMiddlebox > 0
      ? `${share(f.directMiddlebox, f.direct.length, 'attempt')} ${f.mainRefusal?.attribution === 'middlebox' && f.mainSource?.kind === 'icmp' ? 'refused by' : 'reset by'} ${deviceWords(f.mainSource?.attribution === 'middlebox' ? f.mainSource : undefined)}`
      : `${share(f.directBlocked, f.direct.length, 'attempt')} never answered (silently dropped)`;
    facts.push(refusedWords);
    const what = has('proxy-bypass')
      ? `An update agent (or similar software) that ignores the proxy ${f.proxyWords}, not a DDoS participant`
      : 'Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant';
    sentences.push(`${what}: ${facts.join(', ')}.`);
    const others = alsoPeriodic(f.groups, group);
    if (others !== '') sentences.push(`Also: ${others}.`);
    const rate = s?.burstRate ?? null;
    const overall = directRate(f.items, f.direct);
    sentences.push(`A flood would send hundreds of attempts per second at one address; this host averages ${formatRate(overall)}/s` +
      `${rate !== null ? ` (${formatRate(rate, 1)}/s inside a burst)` : ''} spread over ${plural(f.directAddresses.size, 'address', 'addresses')}` +
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
        `~${count(Math.round(perAttempt))} bytes out per ${noun}; regular small check-ins like this are how C2 agents and update checkers behave.`);
    } else {
      sentences.push(`Periodic attempts that fail: ${scheduleWords(g.schedule)} to ${g.destination}, ${g.schedule.evidence}.`);
    }
  } else if (has('proxy-bypass') && f.directEstablished > f.direct.length / 2) {
    sentences.push(`Reaches the web directly, past the proxy ${f.proxyWords}: ${plural(f.direct.length, 'direct attempt')} to ${plural(destinationCount(f.items, f.direct), 'destination')}, ` +
      `${f.directEstablished} established — the firewall lets them through; nothing regular.`);
  } else {
    const { items } = f;
    const refused = f.attempts.filter((i) => items.outcome[i] === 'reset-endpoint' || items.outcome[i] === 'reset-unknown' || items.outcome[i] === 'refused-icmp');
    const unanswered = f.attempts.filter((i) => items.outcome[i] === 'unanswered');
    if (f.attempts.length > 0 && refused.length / f.attempts.length > 0.5) {
      const targets = targetsOf(items, refused, 4);
      const attribution = items.refusal[refused[0]!];
      const firstPort = items.conn[refused[0]!]!.origP;
      const samePort = refused.length > 1 && refused.every((i) => items.conn[i]!.origP === firstPort);
      sentences.push(`Refused connection attempts: ${plural(refused.length, 'attempt')} to ${targets.slice(0, 3).join(', ')}${targets.length > 3 ? ' …' : ''}` +
        `${refused.length > 1 ? ` retried${samePort ? ' from the same source port' : ''}` : ''}, ` +
        `refused by ${attribution?.attribution === 'endpoint' ? 'the server itself' : attribution?.attribution === 'middlebox' ? 'a device in the path' : 'someone we cannot tell'}` +
        ` (${attribution?.attribution ?? 'unknown'}: ${attribution?.evidence ?? ''}).`);
    } else if (f.attempts.length > 0 && unanswered.length / f.attempts.length > 0.5) {
      sentences.push(`Connection attempts that are never answered: ${unanswered.length} of ${plural(f.attempts.length, 'attempt')}` +
        ` (${plural(unanswered.reduce((n, i) => n + items.conn[i]!.synCount, 0), 'SYN')}) — silently dropped on the way or the server is down.`);
    } else if (items.cutOff > 0 && f.attempts.length === 0) {
      sentences.push(`Connection ${items.cutOff === 1 ? 'attempt' : 'attempts'} cut off by the end of the capture: ${plural(items.cutOff, 'attempt')} ` +
        `had no answer in the last ${CUT_OFF_SECONDS} s before the capture ended — too soon to call ${items.cutOff === 1 ? 'it' : 'them'} unanswered.`);
    } else if (f.proxied.length > 0) {
      sentences.push(`Ordinary browsing through the proxy ${f.proxyWords}: ${plural(f.proxied.length, 'connection')} to ${plural(destinationCount(items, f.proxied), 'destination')}, nothing regular.`);
    } else {
      sentences.push(`Ordinary traffic: ${plural(items.n, 'connection')} to ${plural(destinationCount(items, null), 'destination')}, nothing regular and nothing refused in the path.`);
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
    summary.push(`${floods.slice(0, 5).map((h) => h.address).join(', ')}${floods.length > 5 ? ` and ${floods.length - 5} more hosts` : ''} ${floods.length === 1 ? 'looks' : 'look'} like a flood at one target — what a DDoS participant would do.`);
  } else if (bypass.length > 0 || middlebox.length > 0) {
    const blocked = hosts.filter((h) => h.labels.includes('blocked'));
    if (blocked.length > 0) {
      let rate = 0;
      let burstRate = 0;
      let addresses = 0;
      for (const h of blocked) {
        rate = Math.max(rate, directRates.get(h) ?? 0);
        for (const g of h.groups) {
          if (g.schedule.burstRate !== null && g.failed > 0) burstRate = Math.max(burstRate, g.schedule.burstRate);
          if (g.failed > 0 && !g.viaProxy) addresses = Math.max(addresses, g.addresses);
        }
      }
      summary.push(`Not a DDoS: the blocked ${blocked.length === 1 ? 'host makes' : 'hosts make'} at most ${formatRate(rate)} attempts/s on average` +
        `${burstRate > 0 ? ` (${formatRate(burstRate, 1)}/s inside a burst)` : ''}, spread over up to ${plural(addresses, 'address', 'addresses')} of one destination on a schedule; ` +
        'a flood would send hundreds per second at one address. This is how an update agent calls home when it cannot get past the proxy.');
    }
  }
  const scanners = hosts.filter((h) => h.labels.includes('scanner'));
  if (scanners.length > 0) summary.push(`${scanners.slice(0, 5).map((h) => h.address).join(', ')}${scanners.length > 5 ? ` and ${scanners.length - 5} more hosts` : ''}: scanning (${scanners[0]!.evidence.find((e) => e.startsWith('scanner:'))?.slice(9) ?? ''}).`);
  const beacons = hosts.filter((h) => h.labels.includes('periodic') && !h.labels.includes('blocked'));
  for (const h of beacons.slice(0, 3)) summary.push(`${h.address}: ${h.verdict.split(': ')[0]} (${h.groups.find((g) => g.schedule.periodic)?.destination ?? ''}).`);
  if (summary.length === 0) summary.push(hosts.length === 0 ? 'No TCP connections from internal hosts in the capture.' : 'Nothing calls home past the proxy and nothing is refused in the path.');
  return summary;
}
