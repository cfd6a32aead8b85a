/**
 * Several networks in one report. When `analyze` found that its inputs cannot be one network
 * (`AnalysisResult.networks`), every renderer shows each network under its own heading, built
 * from the network's own slice of the result, so the hosts, proxies and reset sources of one
 * network are never read as another's. One network renders exactly as it always has.
 */
import type { AnalysisResult, NetworkSummary } from '../analysis/types.js';
import { count } from '../quantities.js';
import { capturesLine } from './words.js';

/** A network's part of the result, or (network null) the whole result when it is one network. */
export interface NetworkView {
  network: NetworkSummary | null;
  result: AnalysisResult;
}

/** Files named in a network's heading before "… and n more". */
const FILES_SHOWN = 4;

/** Whether the result holds several networks analysed apart. */
export function isSeveralNetworks(result: AnalysisResult): result is AnalysisResult & { networks: NetworkSummary[] } {
  return result.networks !== undefined && result.networks.length > 1;
}

/**
 * The result network by network: each view holds that network's captures, hosts, proxies, reset
 * sources, summary and quiet hosts. Known destinations (`understood`) stay with the whole result.
 */
export function networkViews(result: AnalysisResult): NetworkView[] {
  if (!isSeveralNetworks(result)) return [{ network: null, result }];
  return result.networks.map((network) => {
    const own = <T extends { network?: number }>(items: T[]): T[] => items.filter((x) => x.network === network.id);
    const view: AnalysisResult = {
      version: 1,
      captures: own(result.captures),
      proxies: own(result.proxies),
      resetSources: own(result.resetSources),
      hosts: own(result.hosts),
      summary: network.summary,
      quietHosts: { ...network.quietHosts, listed: result.quietHosts.listed },
      understood: [],
    };
    return { network, result: view };
  });
}

/** The sentence that opens a report of several networks ("These captures cannot be one network …"). */
export function severalNetworksHeadline(result: AnalysisResult): string | null {
  return isSeveralNetworks(result) ? (result.summary[0] ?? null) : null;
}

/** "Network 2: 1 capture, 120 packets, 2010-03-02 10:00:00Z → 11:00:00Z (1 h)". */
export function networkTitle(view: NetworkView): string {
  return view.network === null ? '' : `Network ${view.network.id}: ${capturesLine(view.result.captures)}`;
}

/** Its files, the first few of a long list: "a.pcap, b.pcap, … and 12 more". */
export function networkFiles(network: NetworkSummary): string {
  const shown = network.captures.slice(0, FILES_SHOWN).join(', ');
  const rest = network.captures.length - FILES_SHOWN;
  return rest > 0 ? `${shown}, … and ${count(rest)} more` : shown;
}

/** "Analysed apart: 3.3 years apart from network 1; no internal address in common with network 1." */
export function networkReason(network: NetworkSummary): string {
  return `Analysed apart: ${network.reason}.`;
}

/** A section title for one network's part: "Hosts" alone, or "Hosts — network 2". */
export function sectionTitle(title: string, view: NetworkView): string {
  return view.network === null ? title : `${title} — network ${view.network.id}`;
}
