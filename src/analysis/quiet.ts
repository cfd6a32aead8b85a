/**
 * Hosts without findings: on a network of thousands they are most of the hosts, and each is
 * ordinary. They are counted by what they did (QUIET_ACTIVITIES) so a report can say so in one
 * table instead of a row per host.
 */
import { QUIET_ACTIVITIES, type HostFinding, type QuietActivity, type QuietHostCounts, type QuietHosts } from './types.js';

/** A finding worth a reader's attention: any label but "via-proxy" alone. */
export function hasFindings(host: HostFinding): boolean {
  return host.labels.some((l) => l !== 'via-proxy');
}

/** The connection counts of one host. */
export interface HostTotals {
  connections: number;
  attempts: number;
  established: number;
  failed: number;
  /** Of `failed`, those never answered (DestinationGroup.unanswered). */
  unanswered: number;
  /** Of `attempts`, those cut off by the end of the capture (HostFinding.cutOff): neither established nor failed. */
  cutOff: number;
  /** Of `failed`, those the client abandoned (DestinationGroup.abandonedByClient). */
  abandoned: number;
  /** UDP flows whose datagrams' times the input does not keep (DestinationGroup.untimed). */
  untimed: number;
}

/** Attempts, established and failed attempts over a host's groups, those left out of `groups` too; `connections` as given. */
export function hostTotals(host: HostFinding, connections: number): HostTotals {
  let attempts = host.groupsOmitted?.attempts ?? 0;
  let failed = host.groupsOmitted?.failed ?? 0;
  let unanswered = host.groupsOmitted?.unanswered ?? 0;
  let abandoned = host.groupsOmitted?.abandonedByClient ?? 0;
  let untimed = host.groupsOmitted?.untimedFlows ?? 0;
  for (const g of host.groups) {
    attempts += g.attempts;
    failed += g.failed;
    unanswered += g.unanswered;
    abandoned += g.abandonedByClient ?? 0;
    untimed += g.untimed?.flows ?? 0;
  }
  const cutOff = host.cutOff ?? 0;
  return { connections, attempts, established: attempts - failed - cutOff, failed, unanswered, cutOff, abandoned, untimed };
}

/** Whether a host's every attempt was cut off by the end of the capture: none of them could be judged. */
export function allCutOff(t: HostTotals): boolean {
  return t.cutOff > 0 && t.attempts === t.cutOff;
}

function activityOf(host: HostFinding, totals: HostTotals, floodSource = false): QuietActivity {
  if (host.labels.includes('via-proxy')) return 'via-proxy';
  if (floodSource) return 'flood-source';
  // A host whose every attempt the end of the capture cut off opened connections all the same.
  return allCutOff(totals) ? 'cut-off' : totals.attempts > 0 ? 'direct' : 'no-attempts';
}

/**
 * Quiet hosts counted as they are analysed, so that a network of thousands need not keep each
 * one's finding: what the counts and the run summary need of them.
 */
export class QuietTally {
  private readonly rows = new Map<QuietActivity, QuietHostCounts>();
  /** Hosts counted by `addHost` (understood-only hosts are not among them). */
  hosts = 0;
  /** Their attempts never answered. */
  unanswered = 0;
  /** Their attempts the client abandoned (DestinationGroup.abandonedByClient), not among `unanswered`. */
  abandoned = 0;
  /** Their attempts cut off by the end of the capture. */
  cutOff = 0;
  /** Their UDP flows whose datagrams' times the input does not keep (DestinationGroup.untimed). */
  untimed = 0;

  /**
   * A host without findings (`hasFindings` false), with its connection count; a flood's source
   * (HostAnalysis.floodSource) has its attempts told with the flood, not among those never answered or cut off.
   */
  addHost(finding: HostFinding, connections: number, floodSource = false): void {
    const totals = hostTotals(finding, connections);
    this.add(activityOf(finding, totals, floodSource), totals);
    this.hosts++;
    const told = floodSource ? 0 : 1;
    this.unanswered += told * totals.unanswered;
    this.cutOff += told * totals.cutOff;
    this.abandoned += told * totals.abandoned;
    this.untimed += totals.untimed;
  }

  add(activity: QuietActivity, t: HostTotals): void {
    let row = this.rows.get(activity);
    if (row === undefined) this.rows.set(activity, (row = { activity, hosts: 0, connections: 0, attempts: 0, established: 0, failed: 0 }));
    row.hosts++;
    row.connections += t.connections;
    row.attempts += t.attempts;
    row.established += t.established;
    row.failed += t.failed;
    if (t.cutOff > 0) row.cutOff = (row.cutOff ?? 0) + t.cutOff;
    if (t.abandoned > 0) row.abandonedByClient = (row.abandonedByClient ?? 0) + t.abandoned;
  }

  row(activity: QuietActivity): QuietHostCounts | undefined {
    return this.rows.get(activity);
  }
}

/**
 * The quiet hosts among `hosts` (each with its connection count), those already counted in
 * `tally` (hosts whose findings were not kept), and the hosts whose every connection went to known destinations,
 * counted by activity.
 */
export function countQuietHosts(
  hosts: readonly { finding: HostFinding; connections: number; floodSource?: boolean }[],
  understoodOnly: readonly HostTotals[],
  tally: QuietTally = new QuietTally(),
): QuietHosts {
  for (const { finding, connections, floodSource } of hosts) {
    if (hasFindings(finding)) continue;
    const totals = hostTotals(finding, connections);
    tally.add(activityOf(finding, totals, floodSource), totals);
  }
  for (const t of understoodOnly) tally.add('understood', t);
  const byActivity = (Object.keys(QUIET_ACTIVITIES) as QuietActivity[]).flatMap((a) => tally.row(a) ?? []);
  return {
    count: byActivity.reduce((n, r) => n + r.hosts, 0),
    listed: true,
    connections: byActivity.reduce((n, r) => n + r.connections, 0),
    attempts: byActivity.reduce((n, r) => n + r.attempts, 0),
    byActivity,
  };
}
