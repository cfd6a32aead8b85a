/**
 * Labels (DESIGN.md "Labels"): which of proxy-bypass, blocked, periodic, via-proxy, scanner and
 * flood a host earns, the evidence for each — the numbers that made it — and a score that orders
 * hosts by how much they deserve attention.
 */
import { CUT_OFF_SECONDS, type Items } from './outcomes.js';
import { destinationCount, targetsOf, type Destinations } from './groups.js';
import { proxyName, type ProxyIndex } from './proxies.js';
import { count, decimal, duration, plural, rate, round, share } from '../quantities.js';
import { portWords } from './schedule-words.js';
import { median } from './stats.js';
import { findFlood, findScan, mainRefusal, type Flood, type RefusalStats, type Scan, type Tally } from './tally.js';
import type { DestinationGroup, Label, ResetSource } from './types.js';

export interface LabelContext {
  proxies: ProxyIndex;
  resetSources: readonly ResetSource[];
}

/** The labels of one host, their evidence and score, and what the verdict reads besides them. */
export interface Labelling {
  labels: Label[];
  evidence: string[];
  score: number;
  periodicGroups: DestinationGroup[];
  flood: Flood | null;
  scan: Scan | null;
  /** The refusals that turned the host's direct attempts away most often, and their reset source. */
  mainRefusal: RefusalStats | null;
  mainSource: ResetSource | undefined;
  /** The proxies in use, named: "192.168.0.2:8080". */
  proxyWords: string;
}

export function labelHost(
  address: string,
  items: Items,
  destinations: Destinations,
  tally: Tally,
  groups: DestinationGroup[],
  isProxyHost: boolean,
  ctx: LabelContext,
): Labelling {
  const labels: Label[] = [];
  const evidence: string[] = [];
  const proxyInUse = ctx.proxies.proxies.length > 0;
  const proxyWords = ctx.proxies.proxies.slice(0, 2).map(proxyName).join(' and ');

  const { attempts, direct, directBlocked, directMiddlebox, directAddresses, directNetblocks, directPorts, proxied } = tally;
  const flood = findFlood(tally);
  const scan = findScan(tally);

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
    evidence.push(`blocked: ${count(directBlocked)} of ${plural(direct.length, 'direct attempt')} failed` +
      ` (${count(directMiddlebox)} refused by a device in the path, ${count(unanswered)} never answered)`);
  }
  if (periodicGroups.length > 0) {
    labels.push('periodic');
    for (const g of periodicGroups.slice(0, 3)) {
      evidence.push(`periodic: ${g.destination}: ${g.schedule.evidence} (score ${decimal(g.schedule.score, 3)}, from ${g.schedule.basis})`);
    }
  }
  if (proxied.length > 0 && !isProxyHost) {
    labels.push('via-proxy');
    evidence.push(`via-proxy: ${plural(proxied.length, 'connection')} through ${targetsOf(items, proxied, 2).join(', ')} to ${plural(destinationCount(destinations, proxied), 'destination')}`);
  }
  if (scan !== null) {
    labels.push('scanner');
    evidence.push(`scanner: ${scan.words} probed in ${duration(scan.span)}, ${share(scan.failed, scan.probes)} refused or unanswered`);
  }
  if (flood !== null) {
    labels.push('flood');
    evidence.push(`flood: ${plural(flood.t.n, 'SYN')} at ${flood.target} in ${duration(flood.t.last - flood.t.first)} (${rate(flood.rate, 'SYN')}), ` +
      portWords(flood.sequential));
  }
  if (items.cutOff > 0) {
    evidence.push(`cut off: ${plural(items.cutOff, 'attempt')} in the last ${duration(CUT_OFF_SECONDS)} of the capture had no answer before it ended (not counted as unanswered)`);
  }
  if (isProxyHost) evidence.push(`this host is a proxy (${ctx.proxies.proxies.filter((p) => p.address === address).map((p) => p.evidence).join('; ')})`);

  const main = mainRefusal(tally);
  const mainSource = main === null ? undefined
    : ctx.resetSources.find((s) => s.attribution === main.attribution && s.ttl === main.ttl && s.kind === main.kind);
  if (main !== null && mainSource !== undefined) {
    // TTL -1 and no delays: the refusals were read from a log that records neither
    const how = main.ttl < 0 ? '' : ` with TTL ${main.ttl} after ~${duration(median(main.delays) ?? 0)}`;
    evidence.push(`resets: ${count(main.n)} of the direct attempts were refused${how}: ${mainSource.attribution} (${mainSource.evidence})`);
  }

  let score = 0;
  if (labels.includes('flood')) score += 100;
  if (labels.includes('scanner')) score += 80;
  const beaconThrough = periodicGroups.some((g) => g.established > 0 && !g.viaProxy);
  if (labels.includes('periodic')) score += beaconThrough ? 70 : 20;
  if (labels.includes('proxy-bypass')) score += 40;
  if (labels.includes('blocked')) score += 30;
  if (labels.includes('via-proxy')) score += 1;
  score += Math.log10(1 + attempts.length);
  return { labels, evidence, score: round(score, 2), periodicGroups, flood, scan, mainRefusal: main, mainSource, proxyWords };
}
