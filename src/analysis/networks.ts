/**
 * Which inputs can be one network. `callhome analyze a.pcap b.pcap` treats its inputs as one
 * timeline of one network (rotated files, two sniffers on one LAN, Zeek logs beside a capture),
 * but nothing stops an analyst from naming captures of networks that have nothing to do with each
 * other. Merged, a proxy seen in one would turn the other's direct hosts into proxy bypassers and
 * the header would span years. So the inputs are grouped first, and each group is analysed as a
 * network of its own.
 *
 * Inputs whose packets made up one TCP connection are one network: a tap's two directions
 * captured into two files (read as one timeline), each holding only its side's addresses.
 *
 * Two inputs are one network too when both hold:
 * - their time ranges are at most SAME_NETWORK_MAX_GAP_SECONDS apart (overlapping ranges are 0
 *   apart), and
 * - their address plans meet: at least one internal address (inside `--internal`) speaks in both —
 *   as the originator of a connection, or as a responder that answered. A shared proxy, resolver,
 *   gateway or host is enough. Responders that never answered are left out so that a broadcast
 *   address (192.168.0.255) or a scan of someone else's address range does not tie two networks.
 * Grouping is transitive (union-find): daily rotated files of one sniffer form one network however
 * long the sniffer ran, as long as each day meets the next.
 *
 * Inputs with nothing to compare are not allowed to split anything:
 * - an input with a time range but no internal address (no connections, or only public
 *   addresses — a capture taken outside the NAT) joins the network nearest to it in time when that
 *   is within the gap, else it is a network of its own (time still tells it apart);
 * - an input without a time range (no packet, no row) joins network 1: it adds nothing to analyse.
 */
import { asList, type ConnectionList } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';
import type { CidrSet } from './cidr.js';
import type { CaptureSummary } from './types.js';

/**
 * Captures farther apart than this cannot be one network. A month leaves room for weekly or
 * monthly rotated captures, or a capture taken again after a holiday, while two captures years
 * apart (a 2006 sample and a 2010 one) are never merged. Addresses must meet too, so two
 * unrelated captures of the same week stay apart when they share no internal address.
 */
export const SAME_NETWORK_MAX_GAP_SECONDS = 30 * 24 * 3600;

/** The inputs analysed together as one network. */
export interface NetworkPart {
  /** Indexes into the analysed captures (Connection.capture), ascending. */
  captures: number[];
  /** First and last time stamp of its inputs, Unix seconds; null when none has one. */
  start: number | null;
  end: number | null;
  /** Internal addresses that speak in its inputs. */
  addresses: Set<string>;
}

/** What an input brings to the decision. */
interface InputPlan {
  index: number;
  start: number | null;
  end: number | null;
  addresses: Set<string>;
}

const seconds = (iso: string | null): number | null => {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** Seconds between two time ranges; 0 when they overlap or touch. */
export function timeGap(a: { start: number; end: number }, b: { start: number; end: number }): number {
  return Math.max(0, a.start - b.end, b.start - a.end);
}

/** The internal addresses that speak in each input (see the module comment for "speak"). */
function addressPlans(captures: readonly CaptureSummary[], connections: ConnectionList, internal: CidrSet): Set<string>[] {
  const plans = captures.map(() => new Set<string>());
  const isInternal = new Map<string, boolean>();
  const internalAddress = (address: string): boolean => {
    let known = isInternal.get(address);
    if (known === undefined) isInternal.set(address, (known = internal.has(address)));
    return known;
  };
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    const plan = plans[c.capture];
    if (plan === undefined) continue;
    if (internalAddress(c.origH)) plan.add(c.origH);
    if (c.respPkts > 0 && internalAddress(c.respH)) plan.add(c.respH);
  }
  return plans;
}

function sharesAddress(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const address of small) if (large.has(address)) return true;
  return false;
}

/** Union-find over input indexes, smallest index as the root (so group order is input order). */
function unionFind(size: number): { find: (i: number) => number; union: (a: number, b: number) => void } {
  const parent = Array.from({ length: size }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  return { find, union };
}

/**
 * The inputs grouped into networks, in order of their first time stamp (a network without one
 * last). One part holding every input is the common case: everything is one network.
 */
export function splitNetworks(
  captures: readonly CaptureSummary[],
  given: readonly Connection[] | ConnectionList,
  internal: CidrSet,
  maxGapSeconds = SAME_NETWORK_MAX_GAP_SECONDS,
  /** Pairs of inputs whose packets made up one TCP connection (a tap's two directions in two files). */
  shared: readonly (readonly [number, number])[] = [],
): NetworkPart[] {
  const connections = asList(given);
  // One input is one network: its addresses decide nothing and are not gathered.
  const plans = captures.length > 1 ? addressPlans(captures, connections, internal) : captures.map(() => new Set<string>());
  const inputs: InputPlan[] = captures.map((c, index) => {
    const start = seconds(c.start);
    const end = seconds(c.end) ?? start;
    return { index, start, end: end === null || start === null ? start : Math.max(start, end), addresses: plans[index]! };
  });
  if (captures.length <= 1) return [part([0].slice(0, captures.length), inputs)];
  const { find, union } = unionFind(captures.length);
  for (const [a, b] of shared) if (a < captures.length && b < captures.length) union(a, b);
  const timed = inputs.filter((i): i is InputPlan & { start: number; end: number } => i.start !== null && i.end !== null);
  const planned = timed.filter((i) => i.addresses.size > 0);
  for (let a = 0; a < planned.length; a++) {
    for (let b = a + 1; b < planned.length; b++) {
      const x = planned[a]!;
      const y = planned[b]!;
      if (find(x.index) === find(y.index)) continue;
      if (timeGap(x, y) <= maxGapSeconds && sharesAddress(x.addresses, y.addresses)) union(x.index, y.index);
    }
  }
  // Inputs without an address plan, in time order, each to the nearest network in time (unless
  // tied to one by a connection).
  const unplanned = timed.filter((i) => i.addresses.size === 0).sort((a, b) => a.start - b.start || a.index - b.index);
  const placed = new Set(planned.map((i) => i.index));
  const tied = new Set(shared.flat());
  for (const input of unplanned) {
    if (tied.has(input.index)) {
      placed.add(input.index);
      continue;
    }
    let nearest: { index: number; gap: number } | null = null;
    for (const other of timed) {
      if (!placed.has(other.index)) continue;
      const gap = timeGap(input, other);
      if (gap <= maxGapSeconds && (nearest === null || gap < nearest.gap)) nearest = { index: other.index, gap };
    }
    if (nearest !== null) union(input.index, nearest.index);
    placed.add(input.index);
  }
  const groups = new Map<number, number[]>();
  for (const input of inputs) {
    if (input.start === null) continue;
    const root = find(input.index);
    groups.set(root, [...(groups.get(root) ?? []), input.index]);
  }
  const parts = [...groups.values()].map((indexes) => part(indexes, inputs));
  parts.sort((a, b) => (a.start ?? Number.POSITIVE_INFINITY) - (b.start ?? Number.POSITIVE_INFINITY) || a.captures[0]! - b.captures[0]!);
  // Inputs without a time range add nothing to analyse: they go with network 1.
  const untimed = inputs.filter((i) => i.start === null).map((i) => i.index);
  if (parts.length === 0) return [part(untimed, inputs)];
  if (untimed.length > 0) parts[0] = part([...parts[0]!.captures, ...untimed], inputs);
  return parts;
}

function part(indexes: number[], inputs: readonly InputPlan[]): NetworkPart {
  const members = [...indexes].sort((a, b) => a - b).map((i) => inputs[i]!);
  const starts = members.flatMap((m) => (m.start === null ? [] : [m.start]));
  const ends = members.flatMap((m) => (m.end === null ? [] : [m.end]));
  const addresses = new Set<string>();
  for (const m of members) for (const a of m.addresses) addresses.add(a);
  return {
    captures: members.map((m) => m.index),
    start: starts.length > 0 ? Math.min(...starts) : null,
    end: ends.length > 0 ? Math.max(...ends) : null,
    addresses,
  };
}

/** Why a network was not analysed with another one: far apart in time, no address in common, or both. */
export interface Apart {
  /** The other network's position in the list of parts. */
  other: number;
  gapSeconds: number | null;
  farApart: boolean;
  sharedAddresses: boolean;
}

/** For each part, how it differs from the nearest other part in time (null when there is only one part). */
export function whyApart(parts: readonly NetworkPart[], maxGapSeconds = SAME_NETWORK_MAX_GAP_SECONDS): (Apart | null)[] {
  return parts.map((p, i) => {
    let best: Apart | null = null;
    parts.forEach((q, j) => {
      if (i === j) return;
      const gap = p.start !== null && q.start !== null ? timeGap({ start: p.start, end: p.end! }, { start: q.start, end: q.end! }) : null;
      const candidate: Apart = {
        other: j,
        gapSeconds: gap,
        farApart: gap !== null && gap > maxGapSeconds,
        sharedAddresses: sharesAddress(p.addresses, q.addresses),
      };
      if (best === null || (gap ?? Number.POSITIVE_INFINITY) < (best.gapSeconds ?? Number.POSITIVE_INFINITY)) best = candidate;
    });
    return best;
  });
}
