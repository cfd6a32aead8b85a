/**
 * Analysis: connections in, findings out (DESIGN.md "analysis/"). Linear in the number of
 * connections apart from per-group sorting.
 */
import type { Connection } from '../flows/connection.js';
import { asList, ConnectionStore, type ConnectionList } from '../flows/store.js';
import { attributeResets } from './attribution.js';
import { CidrSet, DEFAULT_INTERNAL } from './cidr.js';
import { NameBook, OrgTable } from './destinations.js';
import { buildHosts } from './hosts.js';
import { KnownMatcher, type KnownRule } from './known.js';
import { combineNetworks } from './network-results.js';
import { SAME_NETWORK_MAX_GAP_SECONDS, splitNetworks } from './networks.js';
import { countQuietHosts } from './quiet.js';
import { findProxies } from './proxies.js';
import { findInterception } from './interception.js';
import { addLogEvidence, joinFirewallLogs, logJoinWords } from './log-join.js';
import { summarize } from './summary.js';
import { findMachines } from './machines.js';
import type { AnalysisResult, CaptureSummary } from './types.js';

export * from './types.js';
export { CidrSet, DEFAULT_INTERNAL, netblockOf } from './cidr.js';
export { parseOrgsCsv } from './destinations.js';
export { KnownFileError, parseKnown, suggestKnown, type KnownRule, type KnownSuggestion } from './known.js';
export { countQuietHosts, hasFindings } from './quiet.js';
export { SAME_NETWORK_MAX_GAP_SECONDS, splitNetworks, type NetworkPart } from './networks.js';
export { compareAnalyses } from './compare.js';
export { analyzeSchedule } from './schedule.js';
export { attributeResets, icmpMeaning } from './attribution.js';
export {
  MAX_ATTEMPTS_KEPT,
  MAX_ATTEMPTS_KEPT_ORDINARY,
  MAX_ATTEMPTS_KEPT_TOTAL,
  MAX_ATTEMPTS_SAMPLED_TOTAL,
  MIN_ATTEMPTS_KEPT,
} from './hosts.js';

/** Web ports of DESIGN.md; --web-ports adds to them. */
export const DEFAULT_WEB_PORTS: number[] = [80, 443, 8080, 8443];

export interface AnalyzeOptions {
  internal: string[];
  proxies: { address: string; port: number | null }[];
  orgs: { cidr: string; organisation: string }[];
  webPorts: number[];
  /** Known destinations (parseKnown): their groups are kept out of the findings and counted in `understood`. */
  known?: KnownRule[];
  /**
   * Keep every host in `hosts` (true by default). False: hosts without findings are only counted
   * in `quietHosts` — what `analyze` and `report` do without --all-hosts, so that a network of
   * tens of thousands of ordinary hosts costs their counts, not their findings.
   */
  allHosts?: boolean;
  /**
   * The connections of one host held as objects at once while it is analysed (default 50,000);
   * a host with more — a scanner's millions — has them made again from the store as needed:
   * memory held, at some cost in time.
   */
  maxHeldConnections?: number;
  /**
   * Attempts chosen for the findings held over all hosts (a million by default) before those of
   * the hosts ranked past the budget of attempts kept are thinned to the sample they keep: memory
   * held, the same findings.
   */
  chosenHeld?: number;
}

export function defaultAnalyzeOptions(): AnalyzeOptions {
  return { internal: [...DEFAULT_INTERNAL], proxies: [], orgs: [], webPorts: [...DEFAULT_WEB_PORTS] };
}

/** The --internal set analysis uses: the given CIDRs, or the defaults when none are given. */
function internalSet(options: AnalyzeOptions): CidrSet {
  return new CidrSet(options.internal.length > 0 ? options.internal : DEFAULT_INTERNAL);
}

/**
 * Connections of several inputs: those that can be one network (networks.ts) are analysed
 * together, each other network on its own, so that one network's proxy, resolvers and firewall
 * are never read into another's hosts. One network — the common case — is `analyzeConnections`.
 */
export function analyzeNetworks(
  given: readonly Connection[] | ConnectionList,
  captures: CaptureSummary[],
  options: AnalyzeOptions,
  /** Pairs of captures whose packets made up one connection: one network, whatever else. */
  shared: readonly (readonly [number, number])[] = [],
): AnalysisResult {
  const connections = asList(given);
  const parts = splitNetworks(captures, connections, internalSet(options), SAME_NETWORK_MAX_GAP_SECONDS, shared);
  if (parts.length <= 1) return analyzeConnections(connections, captures, options, captures);
  const position = new Map<number, number>();
  parts.forEach((p, i) => p.captures.forEach((c) => position.set(c, i)));
  const own = parts.map(() => new ConnectionStore(null, { uids: false }));
  for (const c of connections) own[position.get(c.capture) ?? 0]!.add(c);
  const results = parts.map((p, i) =>
    analyzeConnections(
      own[i]!,
      p.captures.map((c) => captures[c]!),
      options,
      captures,
    ),
  );
  return combineNetworks(captures, parts, results);
}

/**
 * Connections analysed as one network: one proxy set, one set of reset sources, one set of hosts.
 * `inputs`, the list `Connection.capture` indexes (all the run's inputs; `captures` when not given),
 * tells firewall logs from captures: a log and a capture of one network are joined, each attempt
 * counted once (log-join.ts).
 */
export function analyzeConnections(
  given: readonly Connection[] | ConnectionList,
  captures: CaptureSummary[],
  options: AnalyzeOptions,
  inputs: readonly CaptureSummary[] = captures,
): AnalysisResult {
  const internal = internalSet(options);
  const list = asList(given);
  // Machines of several addresses, from the capture's own rows (a log's name no card).
  const machines = findMachines(list, internal);
  const join = joinFirewallLogs(list, inputs, internal, machines);
  const connections = join.connections;
  const webPorts = options.webPorts.length > 0 ? options.webPorts : DEFAULT_WEB_PORTS;
  const attribution = attributeResets(connections, internal);
  const interception = findInterception(connections, internal, webPorts);
  const proxies = findProxies(connections, internal, options.proxies, webPorts);
  const known = options.known !== undefined && options.known.length > 0 ? new KnownMatcher(options.known) : null;
  const {
    hosts: analyses,
    understoodOnly,
    understood,
    quiet,
    outside,
    passedOver,
    floodTargets,
    inboundGuessing,
  } = buildHosts(connections, {
    internal,
    webPorts,
    proxies,
    refusals: attribution.refusals,
    resetSources: attribution.resetSources,
    names: new NameBook(connections, machines),
    orgs: new OrgTable(options.orgs),
    known,
    keepQuiet: options.allHosts !== false,
    loggedInputs: new Set(inputs.flatMap((c, i) => (c.format === 'pcap' || c.format === 'pcapng' ? [] : [i]))),
    maxHeldConnections: options.maxHeldConnections,
    chosenHeld: options.chosenHeld,
    interception,
    machines,
  });
  const result: AnalysisResult = {
    version: 1,
    captures,
    proxies: proxies.proxies,
    resetSources: attribution.resetSources,
    hosts: analyses.map((a) => a.finding),
    summary: summarize(
      analyses,
      proxies,
      attribution.resetSources,
      understood,
      quiet,
      outside,
      passedOver,
      interception,
      floodTargets,
      inboundGuessing,
    ),
    quietHosts: countQuietHosts(analyses, understoodOnly, quiet),
    understood,
  };
  if (interception !== null) result.interception = interception;
  if (floodTargets.length > 0) result.floodTargets = floodTargets;
  if (proxies.outside !== undefined) result.outsideProxies = proxies.outside;
  if (join.logs.length > 0) {
    const words = logJoinWords(join, attribution.refusals, internal);
    addLogEvidence(result.hosts, words.byHost);
    result.summary.push(...words.summary);
    result.logMatches = words.matches;
    // A log on a clock of its own: its span is said on the capture's clock.
    for (const m of words.matches) {
      if (m.offsetSeconds === null || m.offsetSeconds === 0) continue;
      for (const c of inputs) if (c.file === m.log) c.clockOffsetSeconds = m.offsetSeconds;
    }
  }
  return result;
}
