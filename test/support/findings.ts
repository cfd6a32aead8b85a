/**
 * What an analysis finds, as a reader compares two runs of it: the networks, the proxies, the
 * reset sources, and each host's labels, verdict and destination groups — not the captures read.
 */
import type { AnalysisResult } from '../../src/analysis/types.js';

export const findingsSeen = (r: AnalysisResult) => ({
  networks: r.networks?.length ?? 1,
  proxies: r.proxies.map((p) => [p.address, p.port, p.clients]),
  sources: r.resetSources.map((s) => [s.attribution, s.ttl, s.resets, s.attempts, s.remoteAddresses]),
  hosts: r.hosts.map((h) => ({
    address: h.address,
    labels: h.labels,
    verdict: h.verdict,
    groups: h.groups.map((g) => [g.destination, g.attempts, g.established, g.unanswered, g.resets, g.schedule.periodSeconds]),
  })),
});
