/**
 * Labels (DESIGN.md "Labels"): which of proxy-bypass, blocked, periodic, via-proxy, scanner,
 * flood and dns-tunnel a host earns, the evidence for each — the numbers that made it — and a score that orders
 * hosts by how much they deserve attention.
 */
import { CUT_OFF_SECONDS, DENIED_IN_LOG, blockedOutcome, middleboxOutcome, type Items } from './outcomes.js';
import { destinationCount, pingsOnly, scheduleGetsThrough, targetsOf, type Destinations } from './groups.js';
import { proxyName, type ProxyIndex } from './proxies.js';
import { count, decimal, duration, plural, round, ttl } from '../quantities.js';
import { portWords } from './schedule-words.js';
import { median } from './stats.js';
import { flat } from '../flat.js';
import {
  directSpread,
  findFlood,
  findScan,
  scanWords,
  floodWords,
  mainRefusal,
  mainRefusalOfAll,
  namingWords,
  type Flood,
  type RefusalStats,
  type Scan,
  type Tally,
} from './tally.js';
import type { DestinationGroup, Label, ResetSource } from './types.js';
import type { Connection } from '../flows/connection.js';
import { dnsFacts } from './udp.js';
import { atGuessedServer, findGuessing, GUESSING_MARK, guessingWords, spreadWords, type SpreadGuessing } from './guessing.js';
import type { DnsTunnel } from './dns-tunnel.js';
import type { DnsChannel } from './dns-channel.js';
import type { DnsSchedule } from './dns-schedule.js';
import type { CidrSet } from './cidr.js';

/**
 * `blocked` needs this many failures towards one destination group (repeated, not scattered), or
 * this many refused by a device in the path, wherever they went.
 */
const MIN_BLOCKED_REPEATS = 3;

/**
 * How much a host deserves attention, highest first. A periodic connection that gets through to a
 * destination outside the network nothing explains (a beacon) leads; scans and floods come next;
 * software that is turned away (the verdict explains it as an update agent) after them; the rest
 * last. Within a rank, the label weights add up and more attempts count a little (log10).
 */
export const SCORE_WEIGHTS = {
  beaconThrough: 300,
  flood: 200,
  scanner: 200,
  dnsTunnel: 200,
  proxyBypass: 40,
  blocked: 30,
  periodic: 20,
  viaProxy: 1,
} as const;

export interface LabelContext {
  proxies: ProxyIndex;
  resetSources: readonly ResetSource[];
  /** Resolvers inside the network that answered DNS. */
  resolvers?: readonly string[];
  /** The internal networks: a schedule reaching outside them leads one kept among them. */
  internal?: CidrSet;
  /** Whether the run reaches outside them at all (HostContext.outsideSeen): where not, inside is no lesser. */
  outsideSeen?: boolean;
}

/**
 * A device that reset connections once the client named the site (RefusalStats.afterName): "each
 * right after the client's TLS ClientHello named telemetry.example: the handshake with the server
 * had completed, and the reset came on the name asked for (SNI filtering)".
 */
export function filterWords(r: RefusalStats): string {
  const name = r.name!;
  const { message, filter } = namingWords(name.by);
  return (
    `${r.afterName === r.n ? (r.n === 1 ? 'it' : 'each') : `${count(r.afterName)} of them`} right after the client's ${message} named ` +
    `${name.text}: the handshake with the server had completed, and the reset came on the name asked for (${filter})`
  );
}

/** The labels of one host, their evidence and score, and what the verdict reads besides them. */
export interface Labelling {
  labels: Label[];
  evidence: string[];
  score: number;
  periodicGroups: DestinationGroup[];
  flood: Flood | null;
  scan: Scan | null;
  /** The scan's logins at many of the servers it found (guessing.ts), or null. */
  spreadGuessing: SpreadGuessing | null;
  /** The refusals that turned the host's direct attempts away most often, and their reset source. */
  mainRefusal: RefusalStats | null;
  mainSource: ResetSource | undefined;
  /** The proxies in use, named: "192.168.0.2:8080". */
  proxyWords: string;
  /** Domains the host carries data under in its DNS queries (dns-tunnel), most queries first. */
  dnsTunnels: DnsTunnel[];
  /** Names the host looks up on a schedule (periodic), most lookups first. */
  dnsSchedules: DnsSchedule[];
}

/** A group reaching outside the internal networks: an address of it outside them, or through the proxy (the requests' names are). */
export function reachesOutside(g: DestinationGroup, internal: CidrSet): boolean {
  return g.viaProxy || g.addressList.some((a) => !internal.has(a));
}

/**
 * Groups reaching outside the internal networks before those inside them, and among the first
 * those that get through directly (a beacon: what the host's score ranks it by) before the others,
 * each in its order.
 */
function outsideFirst(groups: DestinationGroup[], internal: CidrSet | undefined): DestinationGroup[] {
  if (internal === undefined) return groups;
  const rank = (g: DestinationGroup): number => (!reachesOutside(g, internal) ? 2 : throughDirectly(g) ? 0 : 1);
  return groups
    .map((g, i) => ({ g, i, r: rank(g) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.g);
}

/** A schedule that gets through directly, not only pings answered (a connectivity check): a beacon's, wherever it goes. */
function throughDirectly(g: DestinationGroup): boolean {
  return scheduleGetsThrough(g) && !g.viaProxy && !pingsOnly(g);
}

/** Most of a host's direct web attempts, two at least, failed. */
function mostlyFailed(tally: Tally): boolean {
  return tally.direct.length >= 2 && tally.directBlocked / tally.direct.length > 0.5;
}

/** Most of a host's direct web attempts failed, most of them turned away by a device in the path. */
function turnedAwayInPath(tally: Tally): boolean {
  return mostlyFailed(tally) && tally.directMiddlebox >= MIN_BLOCKED_REPEATS && tally.directMiddlebox / tally.direct.length > 0.5;
}

/**
 * Whether a host's tally alone gives it a label other than via-proxy, whatever its destination
 * groups say: it goes past a proxy in use, or the path turns it away wherever it goes (blocked —
 * or a scanner, when its attempts are a scan). Such a host is kept with its finding.
 */
export function surelyKept(tally: Tally, isProxyHost: boolean, ctx: { proxies: ProxyIndex }): boolean {
  if (isProxyHost) return false;
  return (ctx.proxies.proxies.length > 0 && tally.direct.length > 0) || turnedAwayInPath(tally);
}

export function labelHost(
  address: string,
  items: Items,
  destinations: Destinations,
  tally: Tally,
  groups: DestinationGroup[],
  groupOf: Int32Array,
  isProxyHost: boolean,
  ctx: LabelContext,
  channel: DnsChannel = { tunnels: [], schedules: [] },
): Labelling {
  const dnsTunnels = channel.tunnels;
  // The host's question is what it calls outside: a schedule reaching the Internet (or through the
  // proxy) leads, one kept among internal machines (a workstation's domain controller) follows.
  const periodicGroups = outsideFirst(
    groups.filter((g) => g.schedule.periodic),
    ctx.internal,
  );
  // A name whose connections already recur on a schedule says nothing new by its lookups, nor do
  // lookups whose resolver outside is itself a destination on a schedule (DNS past the resolver); a
  // proxy looks names up for its clients, on their schedule. Nor does a name with a connection for
  // every lookup, those connections on no schedule: their times are the lookups', judged more
  // closely (lookups a second apart are one lookup, connections keep their bursts) — a program
  // fetching at uneven times, not one polling by name. Lookups without as many connections (a DNS
  // channel that connects only when told to) keep their own schedule.
  const dnsSchedules = isProxyHost
    ? []
    : channel.schedules.filter(
        (d) =>
          !groups.some((g) => {
            const named = g.destination === d.name || g.names.includes(d.name);
            return g.schedule.periodic
              ? named || d.resolvers.every((r) => g.addressList.includes(r))
              : named && !g.viaProxy && g.attempts >= d.lookups;
          }),
      );
  const labels: Label[] = [];
  const evidence: string[] = [];
  const proxyInUse = ctx.proxies.proxies.length > 0;
  const proxyWords = ctx.proxies.proxies.slice(0, 2).map(proxyName).join(' and ');

  const { attempts, direct, directBlocked, directMiddlebox, proxied } = tally;
  // Guessing at a login service whose server turned most of it away is a flood of failing SYNs
  // too; said as the guessing it is.
  const failing = findFlood(tally);
  const guessings = findGuessing(tally);
  const guessing = guessings.one;
  const flood = guessing !== null && (failing === null || failing.target === guessing.target) ? guessing : (failing ?? guessing);
  if (flood?.guessing !== undefined && ctx.internal !== undefined) {
    flood.guessing.clientInside = ctx.internal.has(flood.guessing.client);
    flood.guessing.serverInside = ctx.internal.has(flood.guessing.address);
  }
  const scan = findScan(tally);

  if (proxyInUse && !isProxyHost && direct.length > 0) {
    labels.push('proxy-bypass');
    const spread = directSpread(tally);
    evidence.push(
      `proxy-bypass: ${plural(direct.length, 'direct attempt')} to ${plural(spread.addresses, 'external address', 'external addresses')} ` +
        `in ${plural(spread.netblocks, 'netblock')} on port ${spread.ports.join(', ')}` +
        `${tally.directUdp > 0 ? ` (${tally.directUdp === direct.length ? 'all' : `${count(tally.directUdp)} of them`} over UDP — QUIC, HTTP/3's transport, which no HTTP proxy carries)` : ''} while the proxy ${proxyWords} is in use`,
    );
    const outside = (ctx.proxies.outside ?? []).filter((p) => p.clients.includes(address));
    if (outside.length > 0) {
      evidence.push(
        `proxy-bypass: through a proxy outside the network, ${outside.slice(0, 2).map(proxyName).join(' and ')} (${outside[0]!.evidence}), not the network's`,
      );
    }
  }
  // A scanner's probes of web ports are part of the scan, not software turned away; and failures
  // scattered over unrelated servers are the Internet's, not a block: one destination group must
  // fail again and again — unless a device in the path turned most of them away (a firewall
  // denying the host's direct web traffic wherever it goes).
  const deniedFlow = isProxyHost || scan !== null ? null : deniedUdpFlow(items, tally);
  if (!isProxyHost && scan === null && (turnedAwayInPath(tally) || (mostlyFailed(tally) && repeatedlyBlocked(items, tally, groupOf)))) {
    labels.push('blocked');
    const unanswered = directBlocked - directMiddlebox;
    const denied = tally.directDenied;
    const inPath = directMiddlebox - denied;
    evidence.push(
      `blocked: ${count(directBlocked)} of ${plural(direct.length, 'direct attempt')} failed (` +
        [
          ...(denied > 0 ? [`${count(denied)} ${DENIED_IN_LOG}`] : []),
          ...(inPath > 0 || denied === 0 ? [`${count(inPath)} refused by a device in the path`] : []),
          `${count(unanswered)} never answered)`,
        ].join(', '),
    );
  } else if (deniedFlow !== null) {
    labels.push('blocked');
    evidence.push(
      `blocked: a UDP flow to ${deniedFlow.respH} (UDP ${deniedFlow.respP}) refused by a device in the path, ` +
        `${plural(deniedFlow.requestTimes.length, 'burst')} of datagrams over ${duration(Math.max(0, deniedFlow.lastTs - deniedFlow.ts))}`,
    );
  }
  if (periodicGroups.length > 0 || dnsSchedules.length > 0) {
    labels.push('periodic');
    for (const g of periodicGroups.slice(0, 3)) {
      evidence.push(`periodic: ${g.destination}: ${g.schedule.evidence} (score ${decimal(g.schedule.score, 3)}, from ${g.schedule.basis})`);
    }
    for (const d of dnsSchedules.slice(0, 3)) {
      evidence.push(
        `periodic: DNS lookups of ${d.name}: ${d.schedule.evidence} (score ${decimal(d.schedule.score, 3)}, from ${plural(d.lookups, 'lookup')} ` +
          `to ${d.resolvers.join(', ')})`,
      );
    }
  }
  if (proxied.length > 0 && !isProxyHost) {
    labels.push('via-proxy');
    evidence.push(
      `via-proxy: ${plural(proxied.length, 'connection')} through ${targetsOf(items, proxied, 2).join(', ')} to ${plural(destinationCount(destinations, proxied), 'destination')}`,
    );
  }
  // Logins at many of the servers a scan found: the scan's, said with it.
  const spreadGuessing = scan !== null ? guessings.spread : null;
  if (scan !== null) {
    labels.push('scanner');
    evidence.push(`scanner: ${scanWords(scan)}`);
    if (spreadGuessing !== null) evidence.push(`scanner: ${spreadWords(spreadGuessing)}${GUESSING_MARK}`);
  }
  if (flood !== null) {
    labels.push('flood');
    evidence.push(
      `flood: ${floodWords(flood)}, ` +
        (flood.guessing !== undefined
          ? guessingWords(flood.guessing, flood.t.attempts)
          : flood.unit === 'SYN'
            ? portWords(flood.sequential)
            : plural(new Set(flood.t.ports).size, 'source port')),
    );
  }
  if (dnsTunnels.length > 0) {
    labels.push('dns-tunnel');
    for (const t of dnsTunnels.slice(0, 3)) evidence.push(`dns-tunnel: ${dnsTunnelWords(t)} (data carried in DNS)`);
  }
  const dns = dnsFacts(items.conn, attempts);
  const inside = ctx.resolvers ?? [];
  if (dns !== null && dns.answered > 0 && inside.length > 0) {
    evidence.push(
      `dns: ${plural(dns.queries, 'query', 'queries')}${dns.names.length > 0 ? ` for ${dns.names.slice(0, 3).join(', ')}` : ''} ` +
        `to ${plural(dns.resolvers.length, 'resolver')} outside the network (${dns.resolvers.slice(0, 4).join(', ')}), ` +
        `${count(dns.answered)} of ${plural(dns.flows, 'flow')} answered, while the network's resolver ${inside.slice(0, 3).join(', ')} answers the others: past it`,
    );
  } else if (dns !== null) {
    evidence.push(
      `dns: ${plural(dns.queries, 'query', 'queries')}${dns.names.length > 0 ? ` for ${dns.names.slice(0, 3).join(', ')}` : ''} ` +
        `to ${plural(dns.resolvers.length, 'resolver')} outside the network (${dns.resolvers.slice(0, 4).join(', ')}) that answered nobody in the capture, ` +
        `${dns.answered === 0 ? 'none answered' : `${count(dns.answered)} of ${plural(dns.flows, 'flow')} answered`}`,
    );
  }
  if (items.cutOff.length > 0) {
    evidence.push(
      `cut off: ${plural(items.cutOff.length, 'attempt')} in the last ${duration(CUT_OFF_SECONDS)} of the capture had no answer before it ended (not counted as unanswered)`,
    );
  }
  if (isProxyHost)
    evidence.push(
      `this host is a proxy (${ctx.proxies.proxies
        .filter((p) => p.address === address)
        .map((p) => p.evidence)
        .join('; ')})`,
    );

  const main = mainRefusal(tally);
  const sourceOf = (r: RefusalStats | null): ResetSource | undefined =>
    r === null ? undefined : ctx.resetSources.find((s) => s.attribution === r.attribution && s.ttl === r.ttl && s.kind === r.kind);
  const mainSource = sourceOf(main);
  // A scan's or a flood's attempts are mostly at other ports than the web's: their refusals are
  // counted over all of them ("2,000 of 2,000 attempts"), not over the few at web ports.
  const ofAll = scan !== null || flood !== null ? mainRefusalOfAll(tally) : null;
  const worded =
    ofAll !== null && ofAll.main.n > (main?.n ?? 0)
      ? { r: ofAll.main, source: sourceOf(ofAll.main), of: `${count(ofAll.main.n)} of ${plural(ofAll.of, 'attempt')}` }
      : { r: main, source: mainSource, of: `${count(main?.n ?? 0)} of the direct attempts` };
  const refused = worded.r;
  // The words of the host's own refusals: the reset source's may name an address it never tried.
  if (refused !== null && worded.source !== undefined && refused.kind === 'log') {
    evidence.push(`denied: ${worded.of} ${refused.n === 1 ? 'was' : 'were'} ${refused.evidence}`);
  } else if (refused !== null && worded.source !== undefined) {
    // TTL -1 and no delays: the refusals were read from a log that records neither; no delay
    // either where no reset could be timed (none answered a packet stamped before it).
    const delay = median(refused.delays);
    const how =
      refused.ttl < 0 ? '' : ` with ${ttl(refused.ttl, worded.source.addressList)}${delay === null ? '' : ` after ~${duration(delay)}`}`;
    evidence.push(
      `resets: ${worded.of} ${refused.n === 1 ? 'was' : 'were'} refused${how}: ${refused.attribution} (${refused.evidence})` +
        (refused.name !== null && refused.attribution === 'middlebox' ? `, ${filterWords(refused)}` : ''),
    );
  }

  let score = 0;
  if (labels.includes('flood')) score += SCORE_WEIGHTS.flood;
  if (labels.includes('scanner')) score += SCORE_WEIGHTS.scanner;
  if (labels.includes('dns-tunnel')) score += SCORE_WEIGHTS.dnsTunnel;
  // Pings answered on a schedule are most often a connectivity check: periodic, not a beacon that
  // gets through; so are connections among internal machines (monitoring, backup, a domain
  // controller): what leads is what calls outside.
  const beaconThrough =
    periodicGroups.some(
      (g) =>
        throughDirectly(g) &&
        !atGuessedServer(g, flood, spreadGuessing) &&
        (ctx.internal === undefined || ctx.outsideSeen === false || reachesOutside(g, ctx.internal)),
    ) && !isProxyHost;
  if (labels.includes('periodic')) score += beaconThrough ? SCORE_WEIGHTS.beaconThrough : SCORE_WEIGHTS.periodic;
  if (labels.includes('proxy-bypass')) score += SCORE_WEIGHTS.proxyBypass;
  if (labels.includes('blocked')) score += SCORE_WEIGHTS.blocked;
  if (labels.includes('via-proxy')) score += SCORE_WEIGHTS.viaProxy;
  score += Math.log10(1 + attempts.length);
  return {
    labels,
    evidence: evidence.map(flat),
    score: round(score, 2),
    periodicGroups,
    flood,
    scan,
    spreadGuessing,
    mainRefusal: main,
    mainSource,
    proxyWords,
    dnsTunnels,
    dnsSchedules,
  };
}

/** "412 queries under t.example.com, 398 unique subdomains, mean label 52 chars, entropy 4.1 bits/char". */
export function dnsTunnelWords(t: DnsTunnel): string {
  return (
    `${plural(t.queries, 'query', 'queries')} under ${t.domain}, ${plural(t.unique, 'unique subdomain')}, ` +
    `mean label ${Math.round(t.meanLabel)} chars, entropy ${t.entropy.toFixed(1)} bits/char`
  );
}

/**
 * A direct UDP flow a device in the path refused (a firewall's log denies it, an ICMP
 * administratively-prohibited answers it) whose datagrams came in MIN_BLOCKED_REPEATS bursts or
 * more: one flow, but the client trying again and again (a VPN or agent denied every 20 s) — the
 * one with most bursts, or null. A flow nothing answered is not one: a one-way protocol (syslog,
 * flow export) expects no answer.
 */
function deniedUdpFlow(items: Items, tally: Tally): Connection | null {
  let best: Connection | null = null;
  for (const i of tally.direct) {
    if (!middleboxOutcome(items.outcome[i]!, items.refusal[i])) continue;
    const c = items.conn.get(i);
    if (c.proto !== 'udp' || c.requestTimes.length < MIN_BLOCKED_REPEATS) continue;
    if (best === null || c.requestTimes.length > best.requestTimes.length) best = c;
  }
  return best;
}

/** Whether one destination group's direct attempts failed in the path MIN_BLOCKED_REPEATS times and mostly. */
function repeatedlyBlocked(items: Items, tally: Tally, groupOf: Int32Array): boolean {
  const blocked = new Map<number, number>();
  const all = new Map<number, number>();
  for (const i of tally.direct) {
    const g = groupOf[i]!;
    all.set(g, (all.get(g) ?? 0) + 1);
    if (blockedOutcome(items.outcome[i]!, items.refusal[i], items.conn.peek(i))) blocked.set(g, (blocked.get(g) ?? 0) + 1);
  }
  for (const [g, n] of blocked) if (n >= MIN_BLOCKED_REPEATS && n / all.get(g)! > 0.5) return true;
  return false;
}
