/**
 * Hosts: every internal host's connections, taken through the jobs of the files beside this one —
 * the outcome of each connection (outcomes.ts), grouping by destination (groups.ts), counting and
 * the flood and scan detectors (tally.ts), labels with evidence and score (labels.ts), the verdict
 * (verdict.ts) — into one finding per host, with its attempts kept for the charts.
 */
import { exactOrigV4, type ConnectionList } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';
import type { Refusals } from './attribution.js';
import { subnet64, type CidrSet } from './cidr.js';
import { keyAddress, respKey, type AddressKey } from './address-key.js';
import { cleanText, type NameBook, type OrgTable } from './destinations.js';
import { dnsChannelsByHost, type DnsChannel } from './dns-channel.js';
import { destinationsOf, groupItems, MAX_GROUPS_KEPT, type HostGroups } from './groups.js';
import { understoodGroups, UnderstoodTally, type KnownMatcher } from './known.js';
import { labelHost, surelyKept } from './labels.js';
import { hasFindings, hostTotals, QuietTally, type HostTotals } from './quiet.js';
import { abandonedByClient, connectionOutcomes, type Items, type Outcome } from './outcomes.js';
import type { ProxyIndex } from './proxies.js';
import { directRate, filteredOnName, tallyItems, type Flood } from './tally.js';
import type { Interception } from './interception.js';
import { machineAddress, NO_MACHINES, type Machines } from './machines.js';
import { analysedConnections, dnsFacts, insideResolvers, PassedOver, type DnsFacts } from './udp.js';
import type {
  Attempt,
  DnsScheduleFinding,
  DnsTunnelFinding,
  FloodTarget,
  HostFinding,
  ResetSource,
  UnderstoodDestinations,
} from './types.js';
import type { DnsSchedule } from './dns-schedule.js';
import type { DnsTunnel } from './dns-tunnel.js';
import { isoMillis } from '../time.js';
import { findFloodTargets, onlyFloodSource } from './flood-targets.js';
import { mailOutOf, type MailOut } from './mail-out.js';
import { findInboundGuessing, type SpreadGuessing } from './guessing.js';
import { verdictOf, type Verdict } from './verdict.js';
import { chanceGate, type ChanceGate } from './schedule.js';
import { flat } from '../flat.js';
import { round } from '../quantities.js';
import { free } from '../scratch.js';

export interface HostContext {
  internal: CidrSet;
  webPorts: readonly number[];
  proxies: ProxyIndex;
  /** Parallel to the connections given to buildHosts. */
  refusals: Refusals;
  resetSources: readonly ResetSource[];
  names: NameBook;
  orgs: OrgTable;
  /** Time of the capture's last packet; by default the last connection's end. */
  captureEnd?: number;
  /** Inputs whose rows are final records, never cut off by the end (outcomes.ts). */
  loggedInputs?: ReadonlySet<number>;
  /** Known destinations (--known), taken out of the findings; null when none were given. */
  known?: KnownMatcher | null;
  /**
   * Whether any connection analysed reaches outside the internal networks; by default found in
   * them. Where none does (a lab, an isolated segment, one C2 flow on private addresses), inside
   * and outside cannot be told apart, and a schedule among internal machines is judged as any.
   */
  outsideSeen?: boolean;
  /** Resolvers inside the network that answered DNS; by default found in the connections. */
  resolvers?: readonly string[];
  /**
   * Keep the findings of hosts without findings (`hasFindings` false) — true by default. When
   * false they are only counted (`HostsAnalysis.quiet`): a network of tens of thousands of
   * ordinary hosts then costs their counts, not their destinations and attempts.
   */
  keepQuiet?: boolean;
  /** A host's connections held as objects at most while it is analysed (outcomes.ts). */
  maxHeldConnections?: number;
  /** Chosen attempts held over all hosts before those past the budget are thinned (CHOSEN_HELD by default). */
  chosenHeld?: number;
  /** A transparent proxy answering web connections in the servers' stead (interception.ts), or null. */
  interception?: Interception | null;
  /** Machines of several addresses (machines.ts): each is one host, named by its `address`. */
  machines?: Machines;
  /**
   * What the run allows chance (schedule.ts ChanceGate): set by buildHosts for the hosts it
   * judges again once every host's series are counted; null or absent keeps every schedule found.
   */
  chanceGate?: ChanceGate | null;
}

/** A host's finding, and what the run summary needs of it that the finding (and its JSON) does not carry. */
export interface HostAnalysis {
  finding: HostFinding;
  /** Direct web attempts per second over their own span. */
  directRate: number;
  /** The host's TCP connections and UDP flows analysed, known destinations left out. */
  connections: number;
  /** DNS queries to resolvers outside the network that answered nobody, when most of the host's attempts are those. */
  dnsUnanswered?: DnsFacts;
  /** DNS queries to resolvers outside the network, some answered, while a resolver inside (`inside`) answers others. */
  dnsPastResolver?: DnsFacts & { inside: readonly string[] };
  /** SMTP connections to servers outside the network, most of them turned away (mail-out.ts). */
  mailOut?: MailOut;
  /**
   * The browser the host's direct web requests name in their User-Agent ("Chrome"), when every one
   * that names an agent names a browser; set for a blocked host only. A browser's page load that
   * fails is no update agent calling home.
   */
  browser?: string;
  /**
   * The device that turned its direct attempts away on the name they asked for (SNI or URL
   * filtering, tally.ts filteredOnName): the TTL its resets came with, and what named the site.
   */
  filteredOnName?: { ttl: number; by: 'sni' | 'http' };
  /** Its `flood` when that is password guessing at a login service (guessing.ts). */
  guessing?: Flood;
  /** Its scan's logins at many of the servers it found (guessing.ts). */
  spreadGuessing?: SpreadGuessing;
  /** What its verdict leads with about its schedule (Verdict.schedule); absent when it leads with none. */
  schedule?: NonNullable<Verdict['schedule']>;
  /**
   * Set for a host without findings analysed only to be counted (HostContext.keepQuiet false):
   * its finding has no verdict, agents or attempts; these are its connections, to analyse it in
   * full should it be kept after all.
   */
  countedOnly?: number[];
  /**
   * Every one of its connections went to a flood's target (flood-targets.ts): one of a flood's
   * many sources — spoofed ones, most often — not software of this network calling out.
   */
  floodSource?: boolean;
  /** The attempts `finding.attempts` is made of once every host is ranked (buildHosts); absent after. */
  chosen?: ChosenAttempts;
  /** Series of its connections whose schedules were judged (HostGroups.series), and the chances of those found periodic. */
  series?: number;
  chances?: readonly number[];
}

/** Every host's analysis, and what known destinations took out of them. */
export interface HostsAnalysis {
  hosts: HostAnalysis[];
  /** Hosts whose every connection went to known destinations: no finding, only counts. */
  understoodOnly: HostTotals[];
  /** Per known line, in file order. */
  understood: UnderstoodDestinations[];
  /** Hosts without findings that were counted and not kept (`HostContext.keepQuiet` false). */
  quiet: QuietTally;
  /** Set when most connections were opened from outside the internal networks to outside them (see `outsideOpeners`). */
  outside?: OutsideOpeners;
  /** DNS and NTP to the network's servers outside it, passed over as ordinary (`analysedConnections`). */
  passedOver: PassedOver;
  /** Destinations flooded by many sources together (flood-targets.ts), the busiest first. */
  floodTargets: FloodTarget[];
  /** Password guessing from outside the internal networks at servers inside them (guessing.ts), the most sessions first. */
  inboundGuessing: Flood[];
}

/**
 * Connections opened from an address outside the internal networks to another outside them,
 * when they are most of the run's: a capture on a NAT's outside, where every host of the network
 * is the one public address, though a stray internal address (an IPv6 host, a leaked packet)
 * makes the internal hosts the only ones analysed.
 */
export interface OutsideOpeners {
  connections: number;
  /** Every analysed connection. */
  total: number;
  /** The outside address that opened the most, and how many. */
  top: string;
  topConnections: number;
  /**
   * Where `top` is IPv6: its /64 and how many outside openers it holds. Global IPv6 addresses on
   * a LAN are the usual case, not a NAT: the hosts are in that subnet, each with its own address.
   */
  subnet?: { prefix: string; openers: number };
  /**
   * Where most of them came from many outside addresses to one outside address, more than `top`
   * opened: the Internet reaching the network's own public address (a firewall's log of the
   * scans it dropped, a capture outside it) — not one address opening for a network behind it.
   */
  inbound?: { target: string; connections: number; openers: number; denied: number; established: number };
  /**
   * Set when no originator is internal: every one is analysed as a host (said only of `inbound`,
   * where they are the Internet's, not the network's).
   */
  analysedAsHosts?: true;
}

/** Outside openers, at least, for their connections to be taken as the Internet's reaching one public address. */
const INBOUND_OPENERS = 3;

/** Outside-to-outside connections, at least, and their share of all, for OutsideOpeners to be said. */
const OUTSIDE_MIN = 20;
const OUTSIDE_SHARE = 0.5;

/** Attempts kept per host for charts: every one up to these, then an even spread. */
export const MAX_ATTEMPTS_KEPT = 20_000;
/** Hosts with no finding (no label, or only via-proxy) keep fewer. */
export const MAX_ATTEMPTS_KEPT_ORDINARY = 2_000;
/**
 * Attempts kept over all hosts, so that the JSON of a capture with millions of connections stays
 * a few tens of megabytes: hosts are served in order of score; once this is spent, each further
 * host keeps a sample of MIN_ATTEMPTS_KEPT, out of a second budget of MAX_ATTEMPTS_SAMPLED_TOTAL
 * (the host that budget leaves short keeps an even spread of its sample).
 */
export const MAX_ATTEMPTS_KEPT_TOTAL = 150_000;
export const MIN_ATTEMPTS_KEPT = 500;
export const MAX_ATTEMPTS_SAMPLED_TOTAL = 100_000;

/** `keep` of `total` positions spread evenly, the first and the last included. */
function spread(k: number, keep: number, total: number): number {
  return keep === total ? k : keep === 1 ? 0 : Math.floor((k * (total - 1)) / (keep - 1));
}

/** Outbound attempts of a host, kept or not (`attempts` may hold an even sample of them, or be chosen but not yet made). */
function attemptTotal(host: HostAnalysis): number {
  return host.finding.attempts.length + (host.finding.attemptsOmitted ?? 0) + (host.chosen?.at.length ?? 0);
}

export { MAX_GROUPS_KEPT } from './groups.js';

const NO_DNS_CHANNEL: DnsChannel = { tunnels: [], schedules: [] };

/**
 * The names looked up on a schedule whose chance is past what the run allows (ChanceGate) taken
 * out of `channels` (a channel left with nothing taken out too); returns the hosts that had one.
 */
function dropChanceLookups(channels: Map<string, DnsChannel>, gate: ChanceGate): Set<string> {
  const hosts = new Set<string>();
  for (const [address, channel] of channels) {
    const kept = channel.schedules.filter((s) => (s.schedule.chance ?? 0) <= gate.bound);
    if (kept.length === channel.schedules.length) continue;
    hosts.add(address);
    channel.schedules = kept;
    if (kept.length === 0 && channel.tunnels.length === 0) channels.delete(address);
  }
  return hosts;
}

/** When a DNS finding was first and last seen, as a group's times are written. */
function seen(first: number, last: number): { firstSeen: string; lastSeen: string } {
  return { firstSeen: flat(isoMillis(first)), lastSeen: flat(isoMillis(last)) };
}

function dnsScheduleFinding({ first, last, ...d }: DnsSchedule): DnsScheduleFinding {
  return { ...d, ...seen(first, last) };
}

function dnsTunnelFinding({ first, last, ...t }: DnsTunnel): DnsTunnelFinding {
  return { ...t, meanLabel: round(t.meanLabel, 1), entropy: round(t.entropy, 2), ...seen(first, last) };
}

/** One analysis per host, most deserving of attention first. */
export function buildHosts(connections: ConnectionList, ctx: HostContext): HostsAnalysis {
  // A capture with no internal originators at all (lab captures on public addresses): every originator is a host.
  // Each host's number in `positionsOf`; a host with DNS findings alone has none.
  const passedOver = new PassedOver();
  const analysed = analysedConnections(connections, ctx.internal, passedOver);
  const machines = ctx.machines ?? NO_MACHINES;
  const { hostIds: byHost, positionsOf, countOf } = hostPositions(connections, analysed, machines);
  if (ctx.outsideSeen === undefined) ctx = { ...ctx, outsideSeen: anyOutside(connections, analysed, ctx.internal) };
  free(analysed.buffer);
  // DNS as a channel (tunnels, periodic lookups) is read from every DNS query a host sends, those
  // to the network's own resolver included: a host with nothing else is listed too.
  const dns = dnsChannelsByHost(connections, machines);
  const channels = dns.byHost;
  if (ctx.known) {
    // A name the analyst has said is understood is no periodic finding.
    const known = ctx.known;
    for (const channel of channels.values()) channel.schedules = channel.schedules.filter((s) => known.nameRule(s.name) < 0);
  }
  for (const [address, channel] of channels) {
    if (channel.tunnels.length === 0 && channel.schedules.length === 0) channels.delete(address);
    else if (!byHost.has(address)) byHost.set(address, undefined);
  }
  if (ctx.resolvers === undefined) ctx = { ...ctx, resolvers: insideResolvers(connections, ctx.internal) };
  if (ctx.captureEnd === undefined) {
    let end = -Infinity;
    for (let i = 0; i < connections.length; i++) if (connections.end(i) > end) end = connections.end(i);
    ctx = { ...ctx, captureEnd: end };
  }
  let anyInternal = false;
  for (const address of byHost.keys()) {
    if (ctx.internal.has(address)) {
      anyInternal = true;
      break;
    }
  }
  // Floods of many sources at one target, counted over every host's connections before any host is judged.
  const floods = findFloodTargets(connections, { refusals: ctx.refusals, captureEnd: ctx.captureEnd!, loggedInputs: ctx.loggedInputs });
  // The Internet's guessing at the network's servers, where its clients are no hosts of the analysis.
  const inboundGuessing = anyInternal ? findInboundGuessing(connections, ctx.internal, ctx.refusals) : [];
  let outside = outsideOpeners(connections, byHost, positionsOf, countOf, ctx.internal);
  // No internal originator: each is analysed as a host, and only the Internet's reaching one address is worth a word.
  if (!anyInternal) outside = outside?.inbound !== undefined ? { ...outside, analysedAsHosts: true } : undefined;
  const hosts: HostAnalysis[] = [];
  const understoodOnly: HostTotals[] = [];
  const tally = ctx.known ? new UnderstoodTally(ctx.known.rules) : null;
  const quiet = new QuietTally();
  // Not keeping quiet hosts, the one that ranks first among them is kept all the same: the top
  // host of a network with no findings is what compare describes it by.
  let firstQuiet: HostAnalysis | null = null;
  // Chosen attempts held since the last thinning, and how many more before the next (thinChosen).
  let held = 0;
  const chosenHeld = ctx.chosenHeld ?? CHOSEN_HELD;
  let thinAt = chosenHeld;
  // Series whose schedules were judged, over every host (its DNS names too): what chance is allowed (ChanceGate).
  let series = dns.series;
  const chances: number[] = [...dns.chances];
  for (const [address, id] of byHost) {
    if (anyInternal && !ctx.internal.has(address)) continue;
    const positions = positionsOf(id);
    const floodSource = onlyFloodSource(connections, positions, floods);
    const host = buildHost(address, connections, positions, ctx, tally, channels.get(address) ?? NO_DNS_CHANNEL);
    if ('finding' in host) {
      addMachine(host.finding, machines);
      if (floodSource) host.floodSource = true;
      series += host.series ?? 0;
      if (host.chances !== undefined) for (const chance of host.chances) chances.push(chance);
    }
    if (!('finding' in host)) understoodOnly.push(host);
    else if (ctx.keepQuiet !== false || !quietOnly(host)) {
      hosts.push(host);
      held += host.chosen?.at.length ?? 0;
      if (held > thinAt) {
        held = thinChosen(hosts);
        thinAt = Math.max(chosenHeld, 2 * held);
      }
    } else if (firstQuiet === null || ranking(host, firstQuiet) < 0) {
      if (firstQuiet !== null) quiet.addHost(firstQuiet.finding, firstQuiet.connections, firstQuiet.floodSource);
      firstQuiet = host;
    } else quiet.addHost(host.finding, host.connections, host.floodSource);
  }
  // Judged again with every host's series counted: the schedules chance would make among them are not kept.
  const gate = ctx.chanceGate === undefined ? chanceGate(series, chances) : null;
  // Names looked up on a schedule chance explains are no longer followed: their hosts are judged again.
  const lookupsByChance = gate === null ? new Set<string>() : dropChanceLookups(channels, gate);
  for (let h = 0; gate !== null && h < hosts.length; h++) {
    const { finding, floodSource } = hosts[h]!;
    const byChance = finding.groups.some((g) => g.schedule.periodic && (g.schedule.chance ?? 0) > gate.bound);
    if (!byChance && !lookupsByChance.has(finding.address)) continue;
    const id = byHost.get(finding.address);
    if (id === undefined && !channels.has(finding.address)) {
      // Listed for its DNS lookups alone, and none is left: no host of the analysis, as a host that only looks names up is not.
      hosts.splice(h--, 1);
      continue;
    }
    // (Its known destinations were tallied the first time.)
    const again = buildHost(
      finding.address,
      connections,
      positionsOf(id),
      { ...ctx, keepQuiet: true, chanceGate: gate },
      ctx.known ? new UnderstoodTally(ctx.known.rules) : null,
      channels.get(finding.address) ?? NO_DNS_CHANNEL,
    );
    if (!('finding' in again)) continue;
    addMachine(again.finding, machines);
    if (floodSource === true) again.floodSource = true;
    if (ctx.keepQuiet !== false || !quietOnly(again)) {
      hosts[h] = again;
      continue;
    }
    // Nothing left to report: counted with the quiet hosts, as it would have been.
    hosts.splice(h--, 1);
    if (firstQuiet === null || ranking(again, firstQuiet) < 0) {
      if (firstQuiet !== null) quiet.addHost(firstQuiet.finding, firstQuiet.connections, firstQuiet.floodSource);
      firstQuiet = again;
    } else quiet.addHost(again.finding, again.connections, again.floodSource);
  }
  if (firstQuiet !== null) {
    // The one quiet host kept is analysed in full (its connections are those left after known destinations).
    const { countedOnly } = firstQuiet;
    const address = firstQuiet.finding.address;
    if (countedOnly !== undefined) {
      const full = buildHost(address, connections, countedOnly, { ...ctx, keepQuiet: true }, null, channels.get(address) ?? NO_DNS_CHANNEL);
      if ('finding' in full) {
        addMachine(full.finding, machines);
        if (firstQuiet.floodSource === true) full.floodSource = true;
        firstQuiet = full;
      }
    }
    hosts.push(firstQuiet);
  }
  hosts.sort(ranking);
  let budget = MAX_ATTEMPTS_KEPT_TOTAL;
  let samples = MAX_ATTEMPTS_SAMPLED_TOTAL;
  for (const host of hosts) {
    const chosen = host.chosen;
    if (chosen === undefined) continue;
    delete host.chosen;
    const h = host.finding;
    if (budget > 0) {
      makeAttempts(h, chosen, Math.max(MIN_ATTEMPTS_KEPT, budget), connections);
      budget = Math.max(0, budget - h.attempts.length);
    } else {
      makeAttempts(h, sampleOf(host, chosen), Math.min(MIN_ATTEMPTS_KEPT, samples), connections);
      samples -= h.attempts.length;
    }
  }
  return {
    hosts,
    understoodOnly,
    understood: tally?.result() ?? [],
    quiet,
    passedOver,
    floodTargets: floods.targets,
    inboundGuessing,
    ...(outside !== undefined ? { outside } : {}),
  };
}

/**
 * Chosen attempts held over all hosts (9 bytes each) past which those of the hosts that can only
 * keep a sample are thinned to it: a gigabyte of firewall log is millions of attempts chosen
 * before the hosts are ranked, 30 MB of which the budget keeps a thirteenth.
 */
const CHOSEN_HELD = 1_000_000;

/**
 * The chosen attempts of every host that can now only keep a sample (MIN_ATTEMPTS_KEPT at most)
 * thinned to that sample (`sampleOf`), as the budget's pass over the ranked hosts would take it;
 * returns the chosen attempts still held. A host gets its full choice while the budget lasts
 * when it is reached, and the budget left there is MAX_ATTEMPTS_KEPT_TOTAL less the chosen
 * attempts of every host ranked before it: once those of the hosts ranked before it so far spend
 * it, no host found later can give it back.
 */
function thinChosen(hosts: HostAnalysis[]): number {
  let before = 0;
  let held = 0;
  for (const host of hosts.filter((h) => h.chosen !== undefined).sort(ranking)) {
    let chosen = host.chosen!;
    if (before >= MAX_ATTEMPTS_KEPT_TOTAL) host.chosen = chosen = sampleOf(host, chosen);
    before += chosen.at.length;
    held += chosen.at.length;
  }
  return held;
}

/**
 * What a host past the budget keeps of its chosen attempts: MIN_ATTEMPTS_KEPT of them spread
 * evenly (first and last kept), as makeAttempts takes them — those left out counted as omitted.
 */
function sampleOf(host: HostAnalysis, chosen: ChosenAttempts): ChosenAttempts {
  const total = chosen.at.length;
  const keep = MIN_ATTEMPTS_KEPT;
  if (total <= keep) return chosen;
  host.finding.attemptsOmitted = (host.finding.attemptsOmitted ?? 0) + total - keep;
  return spreadChosen(
    keep,
    total,
    (j) => chosen.at[j]!,
    (j) => chosen.outcome[j]!,
    (j) => chosen.destination[j]!,
    (g) => chosen.destinations[g]!,
  );
}

/**
 * `keep` of `total` attempts spread evenly (first and last kept) as ChosenAttempts: the `j`th
 * attempt's position in the connections, outcome (in OUTCOMES) and group (`named`: the group's
 * destination), each group's destination named once.
 */
function spreadChosen(
  keep: number,
  total: number,
  position: (j: number) => number,
  outcome: (j: number) => number,
  group: (j: number) => number,
  named: (g: number) => string,
): ChosenAttempts {
  const chosen: ChosenAttempts = {
    at: new Int32Array(keep),
    outcome: new Uint8Array(keep),
    destination: new Int32Array(keep),
    destinations: [],
  };
  const places = new Map<number, number>();
  for (let k = 0; k < keep; k++) {
    const j = spread(k, keep, total);
    chosen.at[k] = position(j);
    chosen.outcome[k] = outcome(j);
    const g = group(j);
    let d = places.get(g);
    if (d === undefined) {
      places.set(g, (d = chosen.destinations.length));
      chosen.destinations.push(named(g));
    }
    chosen.destination[k] = d;
  }
  return chosen;
}

/** OutsideOpeners, when outside-to-outside connections are most of those analysed. */
function outsideOpeners(
  connections: ConnectionList,
  byHost: ReadonlyMap<string, number | undefined>,
  positionsOf: (id: number | undefined) => number[],
  countOf: (id: number | undefined) => number,
  internal: CidrSet,
): OutsideOpeners | undefined {
  let total = 0;
  let opened = 0;
  let top = '';
  let topConnections = 0;
  let openers = 0;
  // The outside addresses they opened to, with how many each.
  const targets = new Map<AddressKey, number>();
  const outsideOf = function* (): Generator<Connection> {
    for (const [address, id] of byHost) {
      if (internal.has(address)) continue;
      for (const i of positionsOf(id)) {
        const c = connections.peek(i);
        if (!internal.hasResp(c)) yield c;
      }
    }
  };
  for (const [address, id] of byHost) {
    total += countOf(id);
    if (internal.has(address)) continue;
    let n = 0;
    for (const i of positionsOf(id)) {
      const c = connections.peek(i);
      if (internal.hasResp(c)) continue;
      n++;
      const target = respKey(c);
      targets.set(target, (targets.get(target) ?? 0) + 1);
    }
    opened += n;
    if (n > 0) openers++;
    if (n > topConnections) [top, topConnections] = [address, n];
  }
  if (opened < OUTSIDE_MIN || opened <= total * OUTSIDE_SHARE) return undefined;
  let target: AddressKey = '';
  let targetConnections = 0;
  for (const [k, n] of targets) if (n > targetConnections) [target, targetConnections] = [k, n];
  if (openers >= INBOUND_OPENERS && targetConnections > topConnections) {
    // How many of those a firewall's log denied, and how many were let in: read again, for the one target.
    let denied = 0;
    let established = 0;
    for (const c of outsideOf()) {
      if (respKey(c) !== target) continue;
      if (c.resets.some((r) => r.kind === 'log')) denied++;
      if (c.established) established++;
    }
    const inbound = { target: keyAddress(target), connections: targetConnections, openers, denied, established };
    return { connections: opened, total, top, topConnections, inbound };
  }
  const prefix = subnet64(top);
  if (prefix === null) return { connections: opened, total, top, topConnections };
  openers = 0;
  for (const [address, id] of byHost) {
    if (internal.has(address) || subnet64(address) !== prefix) continue;
    for (const i of positionsOf(id)) {
      if (internal.hasResp(connections.peek(i))) continue;
      openers++;
      break;
    }
  }
  return { connections: opened, total, top, topConnections, subnet: { prefix, openers } };
}

/**
 * Every originator's analysed connections (the internal test is made once per originator,
 * later). Their positions are kept in typed arrays, host after host, not in an array per host:
 * they are every connection's, millions of them for a firewall log. Two passes — count each
 * host's, then place them — so that no host number is kept for every connection (4 bytes a row
 * more at the analysis's peak).
 */
function hostPositions(
  connections: ConnectionList,
  analysed: Uint8Array,
  machines: Machines,
): {
  hostIds: Map<string, number | undefined>;
  positionsOf: (id: number | undefined) => number[];
  countOf: (id: number | undefined) => number;
} {
  const hostIds = new Map<string, number | undefined>();
  // IPv4 originators by number: their text is not written for each of millions of rows.
  const v4Ids = new Map<number, number>();
  const counts: number[] = [];
  const idOf = (c: Connection): number => {
    const n4 = exactOrigV4(c);
    let id = n4 >= 0 ? v4Ids.get(n4 | 0) : undefined;
    if (id === undefined) {
      // A machine's every address is the one host it names it by.
      const origH = machineAddress(machines, c.origH);
      id = hostIds.get(origH);
      if (id === undefined) {
        hostIds.set(origH, (id = counts.length));
        counts.push(0);
      }
      if (n4 >= 0) v4Ids.set(n4 | 0, id);
    }
    return id;
  };
  let total = 0;
  for (let i = 0; i < connections.length; i++) {
    if (analysed[i] === 0) continue;
    counts[idOf(connections.peek(i))]!++;
    total++;
  }
  const first = new Int32Array(counts.length + 1);
  for (let id = 0; id < counts.length; id++) first[id + 1] = first[id]! + counts[id]!;
  const positions = new Int32Array(total);
  const next = first.slice(0, counts.length);
  for (let i = 0; i < connections.length; i++) if (analysed[i] !== 0) positions[next[idOf(connections.peek(i))]!++] = i;
  return {
    hostIds,
    positionsOf: (id) => (id === undefined ? [] : Array.from(positions.subarray(first[id], first[id + 1]))),
    countOf: (id) => (id === undefined ? 0 : first[id + 1]! - first[id]!),
  };
}

/**
 * A machine's other addresses and its card on its host's finding, and the evidence that tells the
 * reader its connections from every address were read as one host's.
 */
function addMachine(finding: HostFinding, machines: Machines): void {
  const machine = machines.get(finding.address);
  if (machine === undefined) return;
  finding.otherAddresses = machine.others;
  finding.mac = machine.mac;
  const shown = machine.others.slice(0, OTHER_ADDRESSES_SHOWN).join(', ');
  const more = machine.others.length > OTHER_ADDRESSES_SHOWN ? ` and ${machine.others.length - OTHER_ADDRESSES_SHOWN} more` : '';
  finding.evidence.push(
    `One machine: it also sent from ${shown}${more}, from the same network card (${machine.mac}) on the sniffer's link; its connections from every address are read together.`,
  );
}

/** A machine's other addresses named in its evidence; the finding lists them all. */
const OTHER_ADDRESSES_SHOWN = 4;

/** Whether one of the connections analysed (`analysed[i]` set) goes to an address outside the internal networks. */
function anyOutside(connections: ConnectionList, analysed: Uint8Array, internal: CidrSet): boolean {
  for (let i = 0; i < connections.length; i++) if (analysed[i] !== 0 && !internal.hasResp(connections.peek(i))) return true;
  return false;
}

/** Most deserving of attention first: by score, then by attempts, then by address. */
function ranking(x: HostAnalysis, y: HostAnalysis): number {
  const a = x.finding;
  const b = y.finding;
  return b.score - a.score || attemptTotal(y) - attemptTotal(x) || (a.address < b.address ? -1 : 1);
}

/** A host with nothing to report that the run summary would name either. */
function quietOnly(host: HostAnalysis): boolean {
  return !hasFindings(host.finding) && host.dnsUnanswered === undefined && host.dnsPastResolver === undefined && host.mailOut === undefined;
}

/**
 * Attempts a host's finding will show, held as positions in the connections until the budget
 * over all hosts says how many of them are made (`makeAttempts`): a firewall log's two thousand
 * denied hosts of some thousand attempts each would otherwise hold millions of Attempt objects
 * at once, most of them to be thinned away.
 */
interface ChosenAttempts {
  /** Positions in the connections, in the order of the finding's attempts. */
  at: Int32Array;
  /** Each attempt's outcome (in OUTCOMES) and destination (in `destinations`). */
  outcome: Uint8Array;
  destination: Int32Array;
  destinations: string[];
}

const OUTCOMES: readonly Outcome[] = ['established', 'reset-middlebox', 'reset-endpoint', 'reset-unknown', 'unanswered', 'refused-icmp'];

/** Keep at most `max` of a host's chosen attempts, spread evenly (first and last kept), as Attempts. */
function makeAttempts(h: HostFinding, chosen: ChosenAttempts, max: number, connections: ConnectionList): void {
  const total = chosen.at.length;
  const keep = Math.min(total, max);
  const attempts = new Array<Attempt>(keep);
  for (let k = 0; k < keep; k++) {
    const j = spread(k, keep, total);
    const c = connections.peek(chosen.at[j]!);
    const outcome = OUTCOMES[chosen.outcome[j]!]!;
    attempts[k] = {
      ts: c.ts,
      destination: chosen.destinations[chosen.destination[j]!]!,
      address: c.respH,
      port: c.respP,
      sourcePort: c.origP,
      proto: c.proto === 'udp' || c.proto === 'icmp' ? c.proto : 'tcp',
      outcome: outcome === 'unanswered' && abandonedByClient(c) ? 'abandoned' : outcome,
    };
  }
  h.attempts = attempts;
  if (total > keep) h.attemptsOmitted = (h.attemptsOmitted ?? 0) + total - keep;
}

/**
 * Indices in order of connection start; stable, and free when they already are (loadCaptures
 * sorts): ascending positions in a list in start order are, and their starts are not read (a
 * host's thousands of rows lie among every other host's).
 */
function sortByStart(connections: ConnectionList, indices: number[]): void {
  if (connections.startOrdered === true && ascending(indices)) return;
  for (let i = 1; i < indices.length; i++) {
    if (connections.start(indices[i]!) < connections.start(indices[i - 1]!)) {
      indices.sort((a, b) => connections.start(a) - connections.start(b));
      return;
    }
  }
}

function ascending(indices: readonly number[]): boolean {
  for (let i = 1; i < indices.length; i++) if (indices[i]! <= indices[i - 1]!) return false;
  return true;
}

/** Distinct user agents (cleaned), at most 10, in order of first use. */
function userAgentsOf(items: Items): string[] {
  const agents = new Set<string>();
  const seen = new Set<string>();
  let last: string | null = null;
  for (let i = 0; i < items.n; i++) {
    const ua = items.conn.get(i).http?.userAgent;
    if (ua && ua !== last && agents.size < 10 && !seen.has(ua)) {
      seen.add(ua);
      agents.add(cleanText(ua, 200));
    }
    if (ua) last = ua;
  }
  return [...agents];
}

/**
 * Browsers by a token of their User-Agent, the most telling first: Edge and Opera name Chrome and
 * Safari too, Chrome names Safari. Software that calls home names itself ("Microsoft-CryptoAPI/6.1",
 * "Windows-Update-Agent") or gives a bare "Mozilla/5.0" with no browser after it.
 */
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdge?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\//, 'Firefox'],
  [/\bChrome\//, 'Chrome'],
  [/\bVersion\/[\d.]+ .*Safari\//, 'Safari'],
  [/\bMSIE \d|\bTrident\//, 'Internet Explorer'],
];

/** The browser a User-Agent names, or null. */
function browserNamed(ua: string): string | null {
  if (!ua.startsWith('Mozilla/')) return null;
  for (const [token, name] of BROWSERS) if (token.test(ua)) return name;
  return null;
}

/** The browser the direct web requests (`direct`) name, when every one that names an agent names the same browser; else null. */
function browserOf(items: Items, direct: readonly number[]): string | null {
  let browser: string | null = null;
  for (const i of direct) {
    const ua = items.conn.peek(i).http?.userAgent;
    if (!ua) continue;
    const named = browserNamed(ua);
    if (named === null || (browser !== null && named !== browser)) return null;
    browser = named;
  }
  return browser;
}

/**
 * One host's analysis; when known destinations explain some of its groups, those connections are
 * counted in `understood` and the host is analysed again without them — or, when nothing is left,
 * only its totals are returned.
 */
function buildHost(
  address: string,
  connections: ConnectionList,
  indices: number[],
  ctx: HostContext,
  understood: UnderstoodTally | null,
  channel: DnsChannel = NO_DNS_CHANNEL,
): HostAnalysis | HostTotals {
  sortByStart(connections, indices);
  const isProxyHost = ctx.proxies.proxyAddresses.has(address);
  let items = connectionOutcomes(connections, indices, ctx);
  let tally = tallyItems(items, ctx.internal, ctx.webPorts);
  // A host may be only counted (below): its groups are then made with only their periodic
  // schedules measured, and made again in full should it be kept after all — unless its tally
  // already says it is kept (a firewall log's hosts turned away wherever they go), which would
  // have its groups made twice.
  const counting = ctx.keepQuiet === false && !surelyKept(tally, isProxyHost, ctx);
  let destinations = destinationsOf(items, ctx.names, ctx.orgs, address);
  const gate = ctx.chanceGate ?? null;
  let groups = groupItems(items, destinations, counting, gate);
  if (ctx.known && understood !== null) {
    const { groupOf } = groups;
    const known = understoodGroups(items, destinations, groupOf, groups.count, ctx.known);
    if (known.any) {
      const itemsIn = new Int32Array(groups.count);
      for (let i = 0; i < items.n; i++) itemsIn[groupOf[i]!]!++;
      for (let g = 0; g < groups.count; g++) {
        const rule = known.ruleOfGroup[g]!;
        if (rule >= 0) understood.add(rule, address, groups.attempts[g]!, groups.destination(g), itemsIn[g]!);
      }
      const kept = indices.filter((_, i) => known.ruleOfGroup[groupOf[i]!]! < 0);
      if (kept.length === 0 && channel.tunnels.length === 0 && channel.schedules.length === 0) {
        const all = groups.omitted(0);
        return hostTotals(
          {
            address,
            labels: [],
            verdict: '',
            evidence: [],
            score: 0,
            userAgents: [],
            groups: [],
            ...(all && { groupsOmitted: all }),
            attempts: [],
            ...(items.cutOff.length > 0 && { cutOff: items.cutOff.length }),
          },
          indices.length,
        );
      }
      indices = kept;
      items = connectionOutcomes(connections, indices, ctx);
      tally = tallyItems(items, ctx.internal, ctx.webPorts);
      destinations = destinationsOf(items, ctx.names, ctx.orgs, address);
      groups = groupItems(items, destinations, counting, gate);
    }
  }
  // A host only counted has its labels weighed on its groups on a schedule; one kept, on those it shows.
  let shownGroups = counting ? groups.periodic() : groups.shown();

  let labelling = labelHost(address, items, destinations, tally, shownGroups, groups.groupOf, isProxyHost, ctx, channel);
  const dns = dnsFacts(items.conn, tally.attempts);
  const dnsUnanswered = dns !== null && dns.answered === 0 && dns.flows > tally.attempts.length / 2 ? dns : undefined;
  const dnsPastResolver =
    dns !== null && dns.answered > 0 && (ctx.resolvers?.length ?? 0) > 0 ? { ...dns, inside: ctx.resolvers! } : undefined;
  const mail = isProxyHost ? undefined : mailOutOf(items, tally.attempts, ctx.internal);
  const ordinary = labelling.labels.every((l) => l === 'via-proxy');
  if (counting && ordinary && dnsUnanswered === undefined && dnsPastResolver === undefined && mail === undefined) {
    // Only counted (buildHosts): no verdict, agents, attempts or group times are made — the
    // host's place in the ranking (score, attempts) and its groups' totals are what is kept of it.
    let attempts = 0;
    for (let i = 0; i < items.n; i++) attempts += items.attempt[i]!;
    const finding: HostFinding = {
      address,
      labels: labelling.labels,
      verdict: '',
      evidence: labelling.evidence,
      score: labelling.score,
      userAgents: [],
      groups: [],
      attempts: [],
      attemptsOmitted: attempts,
    };
    if (items.cutOff.length > 0) finding.cutOff = items.cutOff.length;
    // Its groups' totals, all of them: what counting it reads (QuietTally).
    const totals = groups.omitted(0);
    if (totals !== undefined) finding.groupsOmitted = totals;
    return { finding, directRate: 0, connections: indices.length, countedOnly: indices, series: groups.series, chances: groups.chances };
  }
  if (counting) {
    // Kept after all: its groups in full, and the labels' evidence that words their schedules.
    groups = groupItems(items, destinations, false, gate);
    shownGroups = groups.shown();
    labelling = labelHost(address, items, destinations, tally, shownGroups, groups.groupOf, isProxyHost, ctx, channel);
  }
  const browser = labelling.labels.includes('blocked') ? browserOf(items, tally.direct) : null;
  const said = verdictOf({
    ...labelling,
    browser,
    items,
    destinations,
    tally,
    groups: shownGroups,
    hostGroups: groups,
    isProxyHost,
    internal: ctx.internal,
    outsideSeen: ctx.outsideSeen !== false,
    mail: mail ?? null,
    resolvers: ctx.resolvers ?? [],
    interception: ctx.interception ?? null,
  });
  // In one piece: a verdict's sentences are made of many (src/flat.ts).
  const verdict = flat(said.text);
  const kept = chooseAttempts(items, indices, groups, ordinary ? MAX_ATTEMPTS_KEPT_ORDINARY : MAX_ATTEMPTS_KEPT);
  const finding: HostFinding = {
    address,
    labels: labelling.labels,
    verdict,
    evidence: labelling.evidence,
    score: labelling.score,
    userAgents: userAgentsOf(items),
    groups: shownGroups,
    attempts: [],
  };
  if (labelling.dnsSchedules.length > 0) finding.dnsSchedules = labelling.dnsSchedules.map(dnsScheduleFinding);
  if (labelling.dnsTunnels.length > 0 && labelling.labels.includes('dns-tunnel'))
    finding.dnsTunnels = labelling.dnsTunnels.map(dnsTunnelFinding);
  if (kept.omitted > 0) finding.attemptsOmitted = kept.omitted;
  if (items.cutOff.length > 0) finding.cutOff = items.cutOff.length;
  // A scanner's: a lone bare segment of another host is likelier a connection's stray than a probe.
  if (items.probes.length > 0 && labelling.labels.includes('scanner')) finding.probes = items.probes.length;
  // The attempts kept for charts name their groups; those of the groups left out keep their destination text.
  keepGroups(finding, groups);
  groups.date(finding.groups);
  const analysis: HostAnalysis = {
    finding,
    directRate: directRate(items, tally.direct),
    connections: indices.length,
    chosen: kept.chosen,
    series: groups.series,
    chances: groups.chances,
  };
  if (dnsUnanswered !== undefined) analysis.dnsUnanswered = dnsUnanswered;
  if (dnsPastResolver !== undefined) analysis.dnsPastResolver = dnsPastResolver;
  if (mail !== undefined) analysis.mailOut = mail;
  if (labelling.flood?.guessing !== undefined && labelling.labels.includes('flood')) analysis.guessing = labelling.flood;
  if (labelling.spreadGuessing !== null) analysis.spreadGuessing = labelling.spreadGuessing;
  if (said.schedule !== null) analysis.schedule = said.schedule;
  const by = filteredOnName(labelling.mainRefusal);
  if (by !== null) analysis.filteredOnName = { ttl: labelling.mainRefusal!.ttl, by };
  if (browser !== null) analysis.browser = browser;
  return analysis;
}

/**
 * The MAX_GROUPS_KEPT groups that matter most (`finding.groups`, which `groups.shown()` made),
 * the rest in `groupsOmitted`'s totals.
 */
function keepGroups(finding: HostFinding, groups: HostGroups): void {
  const omitted = groups.omitted();
  if (omitted === undefined) return;
  finding.groups = finding.groups.slice(0, MAX_GROUPS_KEPT);
  finding.groupsOmitted = omitted;
}

/**
 * The host's attempts in time order (ties: in order of their group's first connection), all of
 * them up to `max`, else `max` spread evenly over the whole list, first and last included.
 */
function chooseAttempts(
  items: Items,
  indices: readonly number[],
  groups: HostGroups,
  max: number,
): { chosen: ChosenAttempts; omitted: number } {
  const { groupOf } = groups;
  const order: number[] = [];
  let reorder = false;
  for (let i = 0; i < items.n; i++) {
    if (items.attempt[i] === 0) continue;
    const last = order.length > 0 ? order[order.length - 1]! : -1;
    if (last >= 0 && items.conn.start(last) === items.conn.start(i) && groupOf[last]! > groupOf[i]!) reorder = true;
    order.push(i);
  }
  if (reorder) {
    // Each start read once, not twice a comparison: a host's attempts are thousands.
    const start = new Float64Array(items.n);
    for (const i of order) start[i] = items.conn.start(i);
    order.sort((a, b) => start[a]! - start[b]! || groupOf[a]! - groupOf[b]! || a - b);
  }
  const total = order.length;
  const keep = Math.min(total, max);
  const chosen = spreadChosen(
    keep,
    total,
    (j) => indices[order[j]!]!,
    (j) => OUTCOMES.indexOf(items.outcome[order[j]!]!),
    (j) => groupOf[order[j]!]!,
    (g) => groups.destination(g),
  );
  return { chosen, omitted: total - keep };
}
