/**
 * Destination groups: a host's connections grouped by destination — the DNS name, Host or SNI
 * they named, an organisation from --orgs, else their netblock — with groups joined when their
 * addresses share a netblock and their names a family (or one names nothing: joinInBlock), and
 * each group's counts, bytes, times and schedule.
 */
import { netblock4, respNetblock } from './cidr.js';
import { respV4 } from '../flows/store.js';
import { keyAddress, respKey, sortedKeyTexts, type AddressKey } from './address-key.js';
import { ipv4ToNumber } from '../decode/address.js';
import {
  DirectKeys,
  ProxiedKeys,
  registeredDomain,
  UnionFind,
  type GroupKey,
  type HostNames,
  type NameBook,
  type OrgTable,
} from './destinations.js';
import { abandonedByClient, deniedInLog, opensAttempt, type Items } from './outcomes.js';
import {
  analyzeSchedule,
  bestSchedule,
  CHANCE_MIN_EVENTS,
  emptySchedule,
  MIN_REQUESTS,
  schedulePeriodic,
  type ChanceGate,
} from './schedule.js';
import { UDP_BURST_SILENCE } from '../flows/peeks.js';
import type { Connection } from '../flows/connection.js';
import type { DestinationGroup, HostFinding, Schedule, ScheduleBasis } from './types.js';
import { isoMillis } from '../time.js';
import { flat } from '../flat.js';
import { untimedWords } from './schedule-words.js';
import { endpoint, round } from '../quantities.js';

/** Request times a destination group carries for the report's timeline (DestinationGroup.requestTimes). */
export const REQUEST_TIMES_SHOWN = 2_000;

/** Each item's destination key, and the keys joined into groups. */
export interface Destinations {
  /** Destination key id of each item (ids in order of first use) and the keys by id. */
  keyId: Int32Array;
  keys: GroupKey[];
  /** Each item's key. */
  key: GroupKey[];
  /** Key ids joined when their addresses share a netblock and their names a family (joinInBlock). */
  merged: UnionFind;
}

/**
 * A set that holds its first value in a field and makes a Set at the second: a scanner's groups
 * are hundreds of thousands, most with one port, one address and one netblock.
 */
class Few<T> {
  private one: T | undefined = undefined;
  private set: Set<T> | null = null;
  size = 0;

  /** Emptied for reuse: a set made for values before stays, empty. */
  clear(): void {
    this.one = undefined;
    this.set?.clear();
    this.size = 0;
  }

  has(v: T): boolean {
    return this.set !== null ? this.set.has(v) : this.size === 1 && this.one === v;
  }

  add(v: T): void {
    if (this.set !== null) {
      this.set.add(v);
      this.size = this.set.size;
    } else if (this.size === 0) {
      this.one = v;
      this.size = 1;
    } else if (this.one !== v) {
      this.set = new Set([this.one as T, v]);
      this.size = 2;
    }
  }

  /**
   * The values as `text` writes them, sorted by `order` (text order when none): a list of one
   * made as one, without a sort — most of a firewall log's hundreds of thousands of groups have
   * one address, one port and one netblock.
   */
  sorted<U>(text: (v: T) => U, order?: (a: U, b: U) => number): U[] {
    if (this.set === null) return this.size === 1 ? [text(this.one as T)] : [];
    const list = Array.from(this.set, text);
    return order === undefined ? list.sort() : list.sort(order);
  }

  /** Addresses' or netblocks' keys as `text` writes a number, listed as a reader counts them (sortedKeyTexts). */
  keyTexts(this: Few<AddressKey>, text: (n: number) => string): string[] {
    if (this.set !== null) return sortedKeyTexts(this.set, text);
    return this.size === 1 ? [typeof this.one === 'number' ? text(this.one >>> 0) : this.one!] : [];
  }
}

/** What a group's totals and schedule are counted from (`countItem`). */
interface GroupCounts {
  viaProxy: boolean;
  /**
   * Addresses (one whose text is formatIPv4's as its number made signed, exactRespV4), written as
   * text when the group is made.
   */
  addresses: Few<number | string>;
  attempts: number;
  established: number;
  unanswered: number;
  /** Attempts the client reset itself before any answer (abandonedByClient): failed, but not unanswered. */
  abandoned: number;
  first: number;
  last: number;
  /** Times and source ports of the failed attempts and of the completed ones, made at the first of each. */
  failedTimes: number[] | null;
  failedPorts: number[] | null;
  doneTimes: number[] | null;
  donePorts: number[] | null;
  /** The connection with most requests (beacons on one keep-alive connection). */
  requests: Connection | null;
  /** UDP flows whose datagrams' times the input does not keep (untimedDatagrams), and the largest one's datagrams and span. */
  untimed: number;
  untimedDatagrams: number;
  untimedSeconds: number;
}

/** A group's counts and what a group made in full tells besides (`addToGroup`). */
interface GroupAcc {
  counts: GroupCounts;
  /** Destination keys of the group, in first-seen order, and how many connections each named. */
  keys: GroupKey[];
  keyCounts: number[];
  names: Few<string>;
  ports: Few<number>;
  /** The ports of its TCP and of its UDP connections apart (DestinationGroup.portsByProtocol). */
  tcpPorts: Few<number>;
  udpPorts: Few<number>;
  /** Pings among its connections (the analysis reads no other ICMP): they have no port. */
  pings: number;
  /** The addresses' netblocks (netblockKey), written as text when the group is made. */
  netblocks: Few<number | string>;
  middlebox: number;
  endpoint: number;
  unknown: number;
  /** Refusals known only from a firewall's log (DestinationGroup.denied). */
  denied: number;
  /** Refused SYNs sent again (DestinationGroup.resent). */
  resent: number;
  bytesOut: number;
  bytesIn: number;
}

/**
 * Whether a group's schedule is one of connections that get through: completed sessions, or
 * requests inside a connection that was answered — not a retry loop that fails beside a few
 * connections to the same netblock that were answered, nor a UDP flow nobody answers.
 */
export function scheduleGetsThrough(g: Pick<DestinationGroup, 'established' | 'schedule'>): boolean {
  return g.established > 0 && g.schedule.basis !== 'failed attempts';
}

/** A group's attempts whose outcome the capture shows: those the end of the capture cut off left out (DestinationGroup.cutOff). */
export function judgedAttempts(g: Pick<DestinationGroup, 'attempts' | 'cutOff'>): number {
  return g.attempts - (g.cutOff ?? 0);
}

/** A group of pings alone (ICMP echo requests): a connectivity check more often than a beacon. */
export function pingsOnly(g: Pick<DestinationGroup, 'pings' | 'attempts'>): boolean {
  return g.pings !== undefined && g.pings > 0 && g.pings === g.attempts;
}

/** Every item's destination key: proxied connections by the name they asked the proxy for. */
export function destinationsOf(items: Items, names: NameBook, orgs: OrgTable, address: string): Destinations {
  const n = items.n;
  const d: Destinations = { keyId: new Int32Array(n), keys: [], key: new Array<GroupKey>(n), merged: new UnionFind() };
  const hostNames = names.forHost(address);
  const directKeys = new DirectKeys(hostNames, orgs);
  // Made at the host's first proxied connection: most hosts of a network have none.
  let proxiedKeys: ProxiedKeys | null = null;
  const keyIds = new Map<string, number>();
  const blocks = new Map<number | string, BlockKeys>();
  /** Each key id's families of names (nameFamilies), worked out once. */
  const families: (NameFamily | null)[] = [];
  for (let i = 0; i < n; i++) {
    // Read and let go: a key keeps nothing of the connection.
    const c = items.conn.peek(i);
    const viaProxy = items.viaProxy[i] === 1;
    const key = viaProxy ? (proxiedKeys ??= new ProxiedKeys()).key(c) : directKeys.key(c);
    d.key[i] = key;
    // Groups: connections sharing a key, merged when their addresses share a netblock (joinInBlock).
    let id = keyIds.get(key.key);
    if (id === undefined) {
      keyIds.set(key.key, (id = d.merged.add()));
      d.keys.push(key);
      families.push(nameFamilies(key, hostNames));
    }
    if (!viaProxy) {
      const block = netblockKey(c);
      let seen = blocks.get(block);
      if (seen === undefined) blocks.set(block, (seen = newBlockKeys()));
      joinInBlock(seen, families[id]!, id, d.merged);
    }
    d.keyId[i] = id;
  }
  return d;
}

/**
 * The keys met in one netblock, for joining them (joinInBlock): the first key that names nothing
 * (its netblock, an organisation), the first key of each registered domain its names are of
 * (`owners`), the keys whose names lead to each registered domain (`reached`: a name and its
 * CNAME chain), the first key whose chain reaches each name a CNAME points to (`targets`), and the
 * first named key, which a key that names nothing joins.
 */
interface BlockKeys {
  unnamed: number;
  owners: Map<string, number> | null;
  reached: Map<string, number[]> | null;
  targets: Map<string, number> | null;
  first: number;
  /** The key joined last: a host's connections to one netblock mostly follow one another. */
  last: number;
}

const newBlockKeys = (): BlockKeys => ({ unnamed: -1, owners: null, reached: null, targets: null, first: -1, last: -1 });

/**
 * Joins key `id` with the keys met before in its netblock: keys of one site (www1 and www2 of a
 * registered domain); keys of which one's name leads to the other's site (a CNAME chain into the
 * domain of a name met there: en.wikipedia.org's chain into wikimedia.org, and
 * bits.wikimedia.org); keys whose chains meet at one name (a vendor's two domains served by one
 * CDN property, a1926.g.akamai.net); and keys that name nothing with the named key met first.
 * Sites that only share the CDN, each its own name there (two customers' names, each a CNAME into
 * cdn.cloudflare.net), stay apart though one /24 serves them — a beacon fronted by the CDN is not
 * the browsing of other sites it serves — as do names a connection sent of other domains: a
 * server of virtual hosts, a firewall that lets one name through and resets another — each its
 * own destination, its own schedule.
 */
function joinInBlock(seen: BlockKeys, family: NameFamily | null, id: number, merged: UnionFind): void {
  if (seen.last === id) return;
  seen.last = id;
  if (family === null) {
    if (seen.unnamed < 0) seen.unnamed = id;
    else merged.union(seen.unnamed, id);
    if (seen.first >= 0) merged.union(seen.first, id);
    return;
  }
  const owners = (seen.owners ??= new Map<string, number>());
  const reached = (seen.reached ??= new Map<string, number[]>());
  let joined = false;
  // Keys of a site this key's names lead to (its own among them).
  for (const domain of family.reaches) {
    const owner = owners.get(domain);
    if (owner !== undefined) {
      merged.union(owner, id);
      joined = true;
    }
  }
  // Keys whose names lead to this key's site: joined, and so one key for the domain from here on.
  const leading = reached.get(family.site);
  if (leading !== undefined) {
    for (const other of leading) merged.union(other, id);
    joined = true;
    leading.length = 1;
  }
  if (family.targets.length > 0) {
    const targets = (seen.targets ??= new Map<string, number>());
    for (const name of family.targets) {
      const other = targets.get(name);
      if (other === undefined) targets.set(name, id);
      else {
        merged.union(other, id);
        joined = true;
      }
    }
  }
  if (!owners.has(family.site)) owners.set(family.site, id);
  for (const domain of family.reaches) {
    const keys = reached.get(domain);
    if (keys === undefined) reached.set(domain, [id]);
    else if (domain !== family.site && !keys.includes(id)) keys.push(id);
  }
  if (!joined && seen.first < 0) {
    seen.first = id;
    if (seen.unnamed >= 0) merged.union(seen.unnamed, id);
  }
}

/**
 * A key's site and where its names lead: the registered domain of the name it is keyed by, and
 * those of that name and its CNAME chain (a name the host resolved) — the site itself for a name
 * the connection sent (HTTP Host, TLS SNI); and the names its CNAMEs point to.
 */
export interface NameFamily {
  site: string;
  reaches: string[];
  targets: readonly string[];
}

const NO_TARGETS: readonly string[] = Object.freeze([]);

/**
 * The family of a key's names (NameFamily); null for a key that names nothing (a netblock, an
 * organisation). A CNAME target that names of many sites lead to (HostNames.sharedFront: a CDN's
 * name its customers share) joins nothing.
 */
export function nameFamilies(key: GroupKey, names: HostNames): NameFamily | null {
  if (key.groupedBy !== 'dns' && key.groupedBy !== 'host' && key.groupedBy !== 'sni') return null;
  const site = registeredDomain(key.destination);
  if (key.groupedBy !== 'dns') return { site, reaches: [site], targets: NO_TARGETS };
  const targets = key.names.length > 1 ? key.names.slice(1).filter((t) => !names.sharedFront(t)) : NO_TARGETS;
  return { site, reaches: [...new Set([site, ...key.names.map(registeredDomain)])], targets };
}

function newCounts(): GroupCounts {
  return {
    viaProxy: false,
    addresses: new Few(),
    attempts: 0,
    established: 0,
    unanswered: 0,
    abandoned: 0,
    first: Infinity,
    last: -Infinity,
    failedTimes: null,
    failedPorts: null,
    doneTimes: null,
    donePorts: null,
    requests: null,
    untimed: 0,
    untimedDatagrams: 0,
    untimedSeconds: 0,
  };
}

/** `g` emptied for the next group: its address set kept, as a pass over thousands of groups needs one. */
function resetCounts(g: GroupCounts): void {
  g.viaProxy = false;
  g.addresses.clear();
  g.attempts = 0;
  g.established = 0;
  g.unanswered = 0;
  g.abandoned = 0;
  g.first = Infinity;
  g.last = -Infinity;
  g.failedTimes = null;
  g.failedPorts = null;
  g.doneTimes = null;
  g.donePorts = null;
  g.requests = null;
  g.untimed = 0;
  g.untimedDatagrams = 0;
  g.untimedSeconds = 0;
}

function newGroup(): GroupAcc {
  return {
    counts: newCounts(),
    keys: [],
    keyCounts: [],
    names: new Few(),
    ports: new Few(),
    tcpPorts: new Few(),
    udpPorts: new Few(),
    pings: 0,
    netblocks: new Few(),
    middlebox: 0,
    endpoint: 0,
    unknown: 0,
    denied: 0,
    resent: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
}

function iso(ts: number): string {
  return Number.isFinite(ts) ? isoMillis(ts) : '';
}

/** What a blocked host's failures are weighed by, of one destination group (see `turnedAwayAmong`). */
export interface GroupTotals {
  viaProxy: boolean;
  failed: number;
  addresses: number;
  /** Its attempts recur on a schedule (failingSchedule): what a blocked agent does. */
  periodic: boolean;
}

/**
 * Whether a schedule is one of attempts, which a blocked host's software repeats: not of requests
 * inside one connection, nor of DNS lookups — a resolver's flow asked every 20 s, unanswered once,
 * is no agent turned away beside a web server refused five times.
 */
function failingSchedule(s: Schedule): boolean {
  return s.periodic && s.basis !== 'requests in one connection' && s.basis !== 'DNS lookups';
}

/** A group's totals as `turnedAwayAmong` weighs them. */
export const totalsOf = (g: DestinationGroup): GroupTotals => ({
  viaProxy: g.viaProxy,
  failed: g.failed,
  addresses: g.addresses,
  periodic: failingSchedule(g.schedule),
});

/**
 * A host's destination groups, numbered in order of their first connection: every group's totals
 * and schedule in columns, and its full record (`group`) made only when asked — a host denied at a
 * new server every 40 s has thousands of groups and a scanner hundreds of thousands, of which a
 * finding keeps 50 (MAX_GROUPS_KEPT); making every one in full was most of what their analysis
 * made and threw away. A host with few groups has them all made as they are counted.
 */
export class HostGroups {
  /** Each item's group. */
  readonly groupOf: Int32Array;
  readonly count: number;
  readonly attempts: Int32Array;
  readonly established: Int32Array;
  readonly unanswered: Int32Array;
  /** DestinationGroup.abandonedByClient. */
  readonly abandoned: Int32Array;
  readonly failed: Int32Array;
  /**
   * Attempts the end of the capture cut off (Items.cutOff): made, but neither answered nor
   * unanswered — not in `attempts`, `established` or `failed`, which the schedules and labels read.
   */
  readonly cutOff: Int32Array;
  /** Distinct addresses, as DestinationGroup.addresses counts them. */
  readonly addresses: Int32Array;
  /** DestinationGroup.untimed flows. */
  readonly untimed: Int32Array;
  readonly viaProxy: Uint8Array;
  readonly schedules: Schedule[];
  /** Group numbers by weight (weightOf), heaviest first; ties in order of first connection. */
  readonly byWeight: Int32Array;
  /** Items of group g: `order[first[g]]` … `order[first[g + 1] - 1]`, in item order. */
  private readonly order: Int32Array;
  private readonly first: Int32Array;
  /** Connections each destination key named (all in one group). */
  private readonly keyCounts: Int32Array;
  /** First and last time of each group. */
  private readonly seen: Float64Array;
  private readonly made = new Map<number, DestinationGroup>();
  private readonly numbers = new Map<DestinationGroup, number>();
  private readonly judging: Judging;

  /** Series whose schedules were judged (Judging.series): what the run's ChanceGate is counted from. */
  get series(): number {
    return this.judging.series;
  }

  /** The chances of the schedules found in them (Judging.chances). */
  get chances(): readonly number[] {
    return this.judging.chances;
  }

  constructor(
    private readonly items: Items,
    private readonly d: Destinations,
    /** See groupItems. */
    counted: boolean,
    gate: ChanceGate | null,
  ) {
    this.judging = { counted, gate, series: 0, chances: [] };
    const n = items.n;
    const uf = d.merged;
    const itemIds = d.keyId;
    const ids = d.keys.length;
    const groupOfRoot = new Int32Array(ids).fill(-1);
    const groupOf = (this.groupOf = new Int32Array(n));
    const keyCounts = (this.keyCounts = new Int32Array(ids));
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      keyCounts[itemIds[i]!]!++;
      const root = uf.find(itemIds[i]!);
      let g = groupOfRoot[root]!;
      if (g < 0) {
        groupOfRoot[root] = g = sizes.length;
        sizes.push(0);
      }
      groupOf[i] = g;
      sizes[g]!++;
    }
    const count = (this.count = sizes.length);
    const first = (this.first = new Int32Array(count + 1));
    for (let g = 0; g < count; g++) first[g + 1] = first[g]! + sizes[g]!;
    const order = (this.order = new Int32Array(n));
    const next = first.slice(0, count);
    for (let i = 0; i < n; i++) order[next[groupOf[i]!]!++] = i;
    this.attempts = new Int32Array(count);
    this.established = new Int32Array(count);
    this.unanswered = new Int32Array(count);
    this.abandoned = new Int32Array(count);
    this.failed = new Int32Array(count);
    const cutOff = (this.cutOff = new Int32Array(count));
    for (const i of items.cutOff) cutOff[groupOf[i]!]!++;
    this.addresses = new Int32Array(count);
    this.untimed = new Int32Array(count);
    this.viaProxy = new Uint8Array(count);
    this.schedules = new Array<Schedule>(count);
    this.seen = new Float64Array(count * 2);
    // A host of few groups has each made as it is counted; of many, or only counted, each is let go once counted.
    const makeAll = !counted && count <= MAX_GROUPS_MADE;
    let split: Set<number> | null = null;
    // One set of counts for every group, emptied before each: a scanner's groups are hundreds of thousands.
    const reused = newCounts();
    for (let g = 0; g < count; g++) {
      const made = makeAll ? this.accumulate(g) : null;
      const acc = made !== null ? made.counts : this.countInto(g, reused);
      const schedule = scheduleOf(acc, this.judging);
      this.attempts[g] = acc.attempts;
      this.established[g] = acc.established;
      this.unanswered[g] = acc.unanswered;
      this.abandoned[g] = acc.abandoned;
      this.failed[g] = acc.attempts - (acc.doneTimes?.length ?? 0);
      this.addresses[g] = acc.addresses.size;
      this.untimed[g] = acc.untimed;
      this.viaProxy[g] = acc.viaProxy ? 1 : 0;
      this.schedules[g] = schedule;
      this.seen[2 * g] = acc.first;
      this.seen[2 * g + 1] = acc.last;
      if (made !== null) this.keep(g, this.finish(g, made));
      if (
        !schedule.periodic &&
        acc.addresses.size > 1 &&
        acc.addresses.size <= SPLIT_ADDRESSES &&
        !acc.viaProxy &&
        acc.attempts >= 2 * MIN_EVENTS
      ) {
        (split ??= new Set()).add(g);
      }
    }
    if (split !== null) this.scheduleByAddress(split);
    const weight = new Float64Array(count);
    for (let g = 0; g < count; g++) weight[g] = this.weight(g);
    this.byWeight = Int32Array.from({ length: count }, (_, g) => g).sort((a, b) => weight[b]! - weight[a]! || a - b);
  }

  /** Group g's weight (weightOf). */
  weight(g: number): number {
    return weightOf(this.schedules[g]!.periodic, this.attempts[g]!, this.established[g]!);
  }

  /** Group g's totals as `turnedAwayAmong` weighs them. */
  totals(g: number): GroupTotals {
    return {
      viaProxy: this.viaProxy[g] === 1,
      failed: this.failed[g]!,
      addresses: this.addresses[g]!,
      periodic: failingSchedule(this.schedules[g]!),
    };
  }

  /** Group g in full, made at the first ask (the same object after). */
  group(g: number): DestinationGroup {
    return this.made.get(g) ?? this.keep(g, this.finish(g, this.accumulate(g)));
  }

  /** The number of a group `group` gave (-1 for another). */
  numberOf(group: DestinationGroup): number {
    return this.numbers.get(group) ?? -1;
  }

  /** The items of a group this gave, in item order (none for another group). */
  itemsOf(group: DestinationGroup): Int32Array {
    const g = this.numberOf(group);
    return g < 0 ? NO_ITEMS : this.order.subarray(this.first[g], this.first[g + 1]);
  }

  /** Group g's destination (DestinationGroup.destination), without making the group. */
  destination(g: number): string {
    const made = this.made.get(g);
    if (made !== undefined) return made.destination;
    const ids = this.keyIds(g);
    // Most groups have one key.
    const keys = ids.length === 1 ? [this.d.keys[ids[0]!]!] : ids.map((id) => this.d.keys[id]!);
    const best = namingKey(keys, (k) => this.keyCounts[ids[k]!]!);
    // Every connection of a group of one address went to it.
    const one = this.viaProxy[g] === 0 && this.addresses[g] === 1 ? this.items.conn.peek(this.order[this.first[g]!]!).respH : null;
    return destinationOf(best < 0 ? null : keys[best]!, one);
  }

  /**
   * The groups a finding shows and its labels and verdict read, by weight: the MAX_GROUPS_KEPT
   * heaviest, then any other on a schedule.
   */
  shown(): DestinationGroup[] {
    const shown: DestinationGroup[] = [];
    for (let k = 0; k < this.count; k++) {
      const g = this.byWeight[k]!;
      if (k < MAX_GROUPS_KEPT || this.schedules[g]!.periodic) shown.push(this.group(g));
    }
    return shown;
  }

  /** The groups on a schedule, by weight: what the labels of a host only counted read. */
  periodic(): DestinationGroup[] {
    const periodic: DestinationGroup[] = [];
    for (const g of this.byWeight) if (this.schedules[g]!.periodic) periodic.push(this.group(g));
    return periodic;
  }

  /**
   * The totals of the groups past the `kept` heaviest (HostFinding.groupsOmitted: past
   * MAX_GROUPS_KEPT); undefined when there are none.
   */
  omitted(kept = MAX_GROUPS_KEPT): HostFinding['groupsOmitted'] {
    if (this.count <= kept) return undefined;
    const omitted = { groups: this.count - kept, attempts: 0, established: 0, unanswered: 0, failed: 0, addresses: 0 };
    let untimed = 0;
    let cutOff = 0;
    let abandoned = 0;
    for (let k = kept; k < this.count; k++) {
      const g = this.byWeight[k]!;
      untimed += this.untimed[g]!;
      cutOff += this.cutOff[g]!;
      // Attempts cut off by the end were made all the same (DestinationGroup.cutOff).
      omitted.attempts += this.attempts[g]! + this.cutOff[g]!;
      omitted.established += this.established[g]!;
      omitted.unanswered += this.unanswered[g]!;
      abandoned += this.abandoned[g]!;
      omitted.failed += this.failed[g]!;
      omitted.addresses += this.addresses[g]!;
    }
    return {
      ...omitted,
      ...(cutOff > 0 && { cutOff }),
      ...(abandoned > 0 && { abandonedByClient: abandoned }),
      ...(untimed > 0 && { untimedFlows: untimed }),
    };
  }

  /** What a blocked host tried to reach, weighed over every group (see `turnedAwayAmong`). */
  turnedAway(): TurnedAwayOf<DestinationGroup> {
    const away = turnedAwayAmong(this.byWeight, (g) => this.totals(g));
    return { ...away, group: away.group === undefined ? undefined : this.group(away.group) };
  }

  /** Writes the first and last time of each of `groups` (groups this gave). */
  date(groups: readonly DestinationGroup[]): void {
    for (const group of groups) {
      const g = this.numberOf(group);
      if (g < 0) continue;
      group.firstSeen = flat(iso(this.seen[2 * g]!));
      group.lastSeen = flat(iso(this.seen[2 * g + 1]!));
    }
  }

  private keep(g: number, group: DestinationGroup): DestinationGroup {
    this.made.set(g, group);
    this.numbers.set(group, g);
    return group;
  }

  /** Group g's connections counted, for the group to be made. */
  private accumulate(g: number): GroupAcc {
    const acc = newGroup();
    for (let k = this.first[g]!; k < this.first[g + 1]!; k++) addToGroup(acc, this.items, this.order[k]!);
    return acc;
  }

  /** Group g's connections counted into `counts` (emptied first), for its totals and schedule alone. */
  private countInto(g: number, counts: GroupCounts): GroupCounts {
    resetCounts(counts);
    const items = this.items;
    for (let k = this.first[g]!; k < this.first[g + 1]!; k++) {
      const i = this.order[k]!;
      countItem(counts, items, i, items.conn.peek(i));
    }
    return counts;
  }

  /** Group g made from its counts, with its keys (in first-seen order: by key id) and their names. */
  private finish(g: number, acc: GroupAcc): DestinationGroup {
    for (const id of this.keyIds(g)) {
      const key = this.d.keys[id]!;
      acc.keys.push(key);
      acc.keyCounts.push(this.keyCounts[id]!);
      for (const name of key.names) if (acc.names.size < 100) acc.names.add(name);
    }
    const group = finishGroup(acc, this.schedules[g]!);
    // Attempts cut off by the end were made all the same: counted among the group's, said apart.
    const cut = this.cutOff[g]!;
    if (cut > 0) {
      group.attempts += cut;
      group.cutOff = cut;
    }
    return group;
  }

  /** The ids of group g's destination keys, in first-seen order. */
  private keyIds(g: number): number[] {
    const itemIds = this.d.keyId;
    const from = this.first[g]!;
    const to = this.first[g + 1]!;
    const one = itemIds[this.order[from]!]!;
    let k = from + 1;
    while (k < to && itemIds[this.order[k]!] === one) k++;
    if (k === to) return [one];
    const ids = new Set<number>([one]);
    for (; k < to; k++) ids.add(itemIds[this.order[k]!]!);
    return [...ids].sort((a, b) => a - b);
  }

  /**
   * A group whose attempts as a whole keep no schedule, though one of its few addresses does: two
   * programs retrying two servers of one netblock (a /24 a CDN serves from) interleave their
   * attempts, and each keeps its schedule only apart. The group takes the best schedule of an
   * address that has one, named by its address; a group whose attempts keep one is left as it is.
   */
  private scheduleByAddress(split: ReadonlySet<number>): void {
    const items = this.items;
    for (const g of split) {
      const addresses = new Map<string, AddressEvents>();
      for (let k = this.first[g]!; k < this.first[g + 1]!; k++) {
        const i = this.order[k]!;
        if (items.attempt[i] === 0) continue;
        const c = items.conn.peek(i);
        let e = addresses.get(c.respH);
        if (e === undefined) addresses.set(c.respH, (e = { failedTimes: [], failedPorts: [], doneTimes: [], donePorts: [] }));
        if (items.outcome[i] === 'established') {
          e.doneTimes.push(c.ts);
          e.donePorts.push(c.origP);
        } else {
          e.failedTimes.push(c.ts);
          e.failedPorts.push(c.origP);
        }
      }
      let best: Schedule | null = null;
      for (const [address, e] of [...addresses].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const schedules: Schedule[] = [];
        if (e.failedTimes.length >= MIN_EVENTS)
          schedules.push(seriesSchedule(e.failedTimes, e.failedPorts, 'failed attempts', this.judging));
        if (e.doneTimes.length >= MIN_EVENTS) schedules.push(seriesSchedule(e.doneTimes, e.donePorts, 'completed sessions', this.judging));
        for (const schedule of schedules) {
          if (schedule.periodic && (best === null || bestSchedule([best, schedule]) === schedule)) best = { ...schedule, address };
        }
      }
      if (best === null) continue;
      best.evidence = `to ${best.address} alone (of the group's ${this.addresses[g]} addresses): ${best.evidence}`;
      this.schedules[g] = best;
      const made = this.made.get(g);
      if (made !== undefined) made.schedule = best;
    }
  }
}

const NO_ITEMS = new Int32Array(0);

/**
 * Destination groups a host's finding keeps (periodic first, then by failures and attempts): a
 * scanner of half a million networks has as many groups, and nobody reads past the first ones; a
 * host denied wherever it goes has hundreds of one attempt each, on a network of thousands of them.
 */
export const MAX_GROUPS_KEPT = 50;

/** Groups a host may have for each to be made as it is counted (HostGroups). */
const MAX_GROUPS_MADE = MAX_GROUPS_KEPT;

/**
 * The host's destination groups (HostGroups). The groups of a host that is only `counted`
 * (HostContext.keepQuiet false) have only their periodic schedules measured (seriesSchedule).
 */
export function groupItems(items: Items, d: Destinations, counted = false, gate: ChanceGate | null = null): HostGroups {
  return new HostGroups(items, d, counted, gate);
}

/**
 * The schedule of a host that is only counted, where one is not periodic: such a host's groups
 * are never shown, and what its analysis reads of their schedules is whether one is periodic.
 */
const NOT_MEASURED: Schedule = Object.freeze(emptySchedule('not measured: the host is only counted'));

/**
 * How a host's series are judged: whether the host is only counted (groupItems), what the run
 * allows chance (ChanceGate, null for all the rules find), and how many series were judged.
 */
interface Judging {
  readonly counted: boolean;
  readonly gate: ChanceGate | null;
  series: number;
  /** Schedule.chance of each schedule found periodic. */
  readonly chances: number[];
}

/**
 * A series' schedule (analyzeSchedule), counted as judged when it has the events a schedule
 * needs (CHANCE_MIN_EVENTS); of a host only counted (`counted`, see groupItems), one that is not
 * periodic is not measured, nor worded — on a busy network they are tens of thousands.
 */
function seriesSchedule(
  times: readonly number[],
  ports: readonly number[] | null,
  basis: ScheduleBasis,
  judging: Judging,
  requestKeys?: readonly number[],
): Schedule {
  if (times.length >= CHANCE_MIN_EVENTS) judging.series++;
  const { counted, gate } = judging;
  if (counted && !schedulePeriodic(times, ports, basis, requestKeys, gate)) return NOT_MEASURED;
  const schedule = analyzeSchedule(times, ports, basis, requestKeys, gate);
  if (schedule.periodic && schedule.chance !== undefined) judging.chances.push(schedule.chance);
  return schedule;
}

/** Addresses a group may have for its attempts to be looked at address by address. */
const SPLIT_ADDRESSES = 16;
/** Events an address needs for a schedule of its own (the schedule's fewest bursts). */
const MIN_EVENTS = 3;

interface AddressEvents {
  failedTimes: number[];
  failedPorts: number[];
  doneTimes: number[];
  donePorts: number[];
}

/** `list` with `value` added, a list of one made as one: an empty list's first push makes room for seventeen. */
function withValue<T>(list: T[] | null, value: T): T[] {
  if (list === null) return [value];
  list.push(value);
  return list;
}

/**
 * Whether a UDP flow sent its datagrams over a time its input keeps no times of: a row of Zeek's
 * conn.log is one flow however long (until a minute passes without a datagram) and records
 * none of the times inside it, where a capture's flow keeps the start of each burst of them
 * (`requestTimes`, at least its first) and a firewall log's attempt each burst after its first.
 * MIN_REQUESTS datagrams or more, on average UDP_BURST_SILENCE apart or more: more than one burst,
 * whose schedule (a beacon every 30 s on one socket) the input cannot show.
 */
export function untimedDatagrams(c: Connection, origPkts: number): boolean {
  return (
    c.proto === 'udp' && origPkts >= MIN_REQUESTS && c.requestTimes.length === 0 && c.lastTs - c.ts >= (origPkts - 1) * UDP_BURST_SILENCE
  );
}

/**
 * Item `i` (its connection `c`, peeked) counted into its group's counts; whether its address is new
 * to the group.
 */
function countItem(g: GroupCounts, items: Items, i: number, c: Connection): boolean {
  const outcome = items.outcome[i]!;
  if (items.viaProxy[i] === 1) g.viaProxy = true;
  const address = respKey(c);
  const fresh = !g.addresses.has(address);
  if (fresh && g.addresses.size < 10_000) g.addresses.add(address);
  const ts = c.ts;
  if (ts < g.first) g.first = ts;
  const lastTs = c.lastTs;
  if (lastTs > g.last) g.last = lastTs;
  const established = c.established;
  const origP = c.origP;
  const origPkts = c.origPkts;
  // Kept whole (not the pass's view), read last.
  if (c.requestTimes.length > (g.requests?.requestTimes.length ?? 0)) g.requests = items.conn.get(i);
  if (items.attempt[i] === 0) {
    if (established || origPkts > 0) g.established += outcome === 'established' ? 1 : 0;
    return fresh;
  }
  g.attempts++;
  if (untimedDatagrams(c, origPkts)) {
    g.untimed++;
    if (origPkts > g.untimedDatagrams) {
      g.untimedDatagrams = origPkts;
      g.untimedSeconds = lastTs - ts;
    }
  }
  // A host a firewall log shows denied at a new server every 40 s has thousands of groups of one attempt.
  if (outcome === 'established') {
    g.established++;
    g.doneTimes = withValue(g.doneTimes, ts);
    g.donePorts = withValue(g.donePorts, origP);
  } else {
    // An attempt its client gave up on got no answer, but was not left without one: said apart.
    if (outcome === 'unanswered') {
      if (abandonedByClient(c)) g.abandoned++;
      else g.unanswered++;
    }
    g.failedTimes = withValue(g.failedTimes, ts);
    g.failedPorts = withValue(g.failedPorts, origP);
  }
  return fresh;
}

/**
 * What one side of a connection carried, as a destination's bytes count it. Its size from
 * sequence numbers (Zeek's orig_bytes, resp_bytes) counts the gaps the capture missed: a sniffer
 * that lost packets of a download still sees its size — but an acknowledgment of numbers never
 * sent (an injected SYN-ACK the client believed) makes a gap of gigabytes out of a few packets.
 * Where there are gaps and the side's IP bytes are known, no more than those is counted.
 */
function carriedBytes(seqBytes: number, ipBytes: number, packets: number, missedBytes: number): number {
  if (missedBytes <= 0 || (ipBytes <= 0 && packets <= 0)) return seqBytes;
  return Math.min(seqBytes, ipBytes);
}

/** Item `i` counted into a group to be made: its counts, and its ports, netblocks, bytes and refusals. */
function addToGroup(g: GroupAcc, items: Items, i: number): void {
  const c = items.conn.peek(i);
  const refusal = items.refusal[i];
  if (c.proto === 'icmp') g.pings++;
  else {
    g.ports.add(c.respP);
    (c.proto === 'udp' ? g.udpPorts : g.tcpPorts).add(c.respP);
  }
  g.bytesOut += carriedBytes(c.origBytes, c.origIpBytes, c.origPkts, c.missedBytes);
  g.bytesIn += carriedBytes(c.respBytes, c.respIpBytes, c.respPkts, c.missedBytes);
  // A refusal: a reset of a connection that was established is its end, not a refusal of it.
  if (refusal !== undefined && items.outcome[i] !== 'established') {
    g[refusal.attribution]++;
    if (deniedInLog(refusal)) g.denied++;
    // A refused SYN sent again: refused again, and no attempt of its own (outcomes.ts).
    if (items.attempt[i] === 0 && opensAttempt(c)) g.resent++;
  }
  // An address already in the group brought its netblock in with it.
  const block = netblockKey(c);
  if (countItem(g.counts, items, i, c)) g.netblocks.add(block);
}

/**
 * A responder's netblock as a group counts it: an IPv4 /24 as its number (the address's top 24
 * bits), any other as respNetblock's text — the IPv4 text of any writing ("10.0.0.01") of the
 * same /24 as the number, as respNetblock has it.
 */
function netblockKey(c: Connection): number | string {
  const loose = respV4(c);
  if (loose >= 0) return loose >>> 8;
  const v4 = ipv4ToNumber(c.respH);
  return v4 >= 0 ? v4 >>> 8 : respNetblock(c);
}

/** A group's netblock as text. */
const netblockText = (key: number | string): string => (typeof key === 'number' ? netblock4(key * 256) : key);

/** The better of two schedules as bestSchedule judges them, the first kept on a tie. */
const better = (a: Schedule | null, b: Schedule): Schedule => (a === null ? b : bestSchedule([a, b]));

/** The first `max` of `values` (the list itself when it is no longer). */
function firstOf(values: string[], max: number): string[] {
  return values.length > max ? values.slice(0, max) : values;
}

const same = <T>(v: T): T => v;

const RANK: Record<DestinationGroup['groupedBy'], number> = { dns: 4, host: 3, sni: 2, org: 1, netblock: 0 };

/**
 * A group's schedule: failed attempts and completed sessions are scored apart — a browser's
 * sessions must not make a retry loop look irregular, nor a retry loop make browsing look
 * periodic. The best is kept as each is measured (bestSchedule of them in this order): no list
 * made for most groups' one.
 */
function scheduleOf(g: GroupCounts, judging: Judging): Schedule {
  let measured: Schedule | null = null;
  if (g.failedTimes !== null) measured = seriesSchedule(g.failedTimes, g.failedPorts, 'failed attempts', judging);
  if (g.doneTimes !== null) measured = better(measured, seriesSchedule(g.doneTimes, g.donePorts, 'completed sessions', judging));
  if (g.requests !== null && g.requests.requestTimes.length >= 3) {
    const { requestTimes, requestKeys } = g.requests;
    measured = better(measured, seriesSchedule(requestTimes, null, 'requests in one connection', judging, requestKeys));
  }
  const schedule = measured ?? emptySchedule('no new connections seen (the capture started mid-connection)');
  // A schedule the log may hide: said beside what its rows show.
  if (g.untimed === 0 || schedule.periodic || schedule === NOT_MEASURED) return schedule;
  return { ...schedule, evidence: flat(`${schedule.evidence}; ${untimedWords(g.untimed, g.untimedDatagrams, g.untimedSeconds)}`) };
}

/**
 * The key a group is named by (its index in `keys`, -1 for none): its most used, a DNS name before
 * Host/SNI before an organisation before a netblock, the first of equals.
 */
function namingKey(keys: readonly GroupKey[], count: (k: number) => number): number {
  let best = -1;
  for (let k = 0; k < keys.length; k++) {
    if (best < 0) {
      best = k;
      continue;
    }
    const rank = RANK[keys[k]!.groupedBy];
    const bestRank = RANK[keys[best]!.groupedBy];
    if (rank > bestRank || (rank === bestRank && count(k) > count(best))) best = k;
  }
  return best;
}

/** A group's destination: its naming key's, or — a direct netblock group of one address — the address (`one`). */
function destinationOf(key: GroupKey | null, one: string | null): string {
  if (key === null) return '';
  return key.groupedBy === 'netblock' && one !== null ? one : key.destination;
}

function finishGroup(g: GroupAcc, schedule: Schedule): DestinationGroup {
  const n = g.counts;
  const best = namingKey(g.keys, (k) => g.keyCounts[k]!);
  const bestKey = best < 0 ? null : g.keys[best]!;
  const addressList = n.addresses.keyTexts(keyAddress);
  const group: DestinationGroup = {
    destination: destinationOf(bestKey, !n.viaProxy && n.addresses.size === 1 ? addressList[0]! : null),
    groupedBy: bestKey?.groupedBy ?? 'netblock',
    names: g.names.sorted(same),
    ports: g.ports.sorted(same, (a, b) => a - b),
    addresses: n.addresses.size,
    addressList: addressList.length > 100 ? addressList.slice(0, 100) : addressList,
    attempts: n.attempts,
    established: n.established,
    unanswered: n.unanswered,
    resets: { middlebox: g.middlebox, endpoint: g.endpoint, unknown: g.unknown },
    viaProxy: n.viaProxy,
    bytesOut: g.bytesOut,
    bytesIn: g.bytesIn,
    // Written by HostGroups.date for the groups a finding keeps.
    firstSeen: '',
    lastSeen: '',
    schedule,
    netblocks: firstOf(g.netblocks.keyTexts(netblockText), 50),
    failed: n.attempts - (n.doneTimes?.length ?? 0),
  };
  if (g.pings > 0) group.pings = g.pings;
  if (g.resent > 0) group.resent = g.resent;
  if (g.denied > 0) group.denied = g.denied;
  if (n.abandoned > 0) group.abandonedByClient = n.abandoned;
  if (g.tcpPorts.size > 0 && g.udpPorts.size > 0) group.portsByProtocol = { tcp: g.tcpPorts.size, udp: g.udpPorts.size };
  if (n.untimed > 0) group.untimed = { flows: n.untimed, datagrams: n.untimedDatagrams, seconds: round(n.untimedSeconds, 6) };
  if (schedule.basis === 'requests in one connection' && n.requests !== null) {
    group.requestTimes = n.requests.requestTimes.slice(0, REQUEST_TIMES_SHOWN);
  }
  return group;
}

/** A group's weight, for the order a reader needs groups in: periodic first, then by failed and total attempts. */
function weightOf(periodic: boolean, attempts: number, established: number): number {
  return (periodic ? 1e6 : 0) + (attempts - established) * 10 + attempts;
}

/** The direct group that stands for what a blocked host's software tried, and the spread of its failures. */
export interface TurnedAwayOf<G> {
  /** The direct group that failed most, periodic ones first; undefined when no direct group failed. */
  group: G | undefined;
  /** Failed direct attempts, and the direct destination groups and addresses they went to. */
  failed: number;
  destinations: number;
  addresses: number;
  /** The most addresses of one of those groups. */
  widest: number;
  /**
   * Whether `group` stands for the host's failures: it is periodic, or holds at least half of
   * them. Not so for a host whose failures are scattered over many destinations — software
   * reaching the web directly, not one agent calling home — which is described by the spread.
   */
  concentrated: boolean;
}

/**
 * What a blocked host tried to reach, from its destination groups in order of weight (all of
 * them, or those a finding kept with `omitted`, the totals of the rest), each read by `totals`.
 */
export function turnedAwayAmong<G>(
  groups: Iterable<G>,
  totals: (g: G) => GroupTotals,
  omitted?: HostFinding['groupsOmitted'],
): TurnedAwayOf<G> {
  let group: G | undefined;
  let chosen: GroupTotals | undefined;
  let failed = omitted?.failed ?? 0;
  let destinations = omitted !== undefined && omitted.failed > 0 ? omitted.groups : 0;
  let addresses = omitted !== undefined && omitted.failed > 0 ? omitted.addresses : 0;
  let widest = 0;
  for (const g of groups) {
    const t = totals(g);
    if (t.viaProxy || t.failed === 0) continue;
    failed += t.failed;
    destinations++;
    addresses += t.addresses;
    widest = Math.max(widest, t.addresses);
    if (chosen === undefined || (t.periodic && !chosen.periodic) || (t.periodic === chosen.periodic && t.failed > chosen.failed)) {
      group = g;
      chosen = t;
    }
  }
  const concentrated = chosen !== undefined && (chosen.periodic || 2 * chosen.failed >= failed);
  return { group, failed, destinations, addresses, widest, concentrated };
}

/** The first `max` distinct address:ports the given items went to. */
export function targetsOf(items: Items, positions: readonly number[], max: number): string[] {
  const used: string[] = [];
  const seen: Connection[] = [];
  for (const i of positions) {
    const c = items.conn.get(i);
    if (seen.some((s) => s.respH === c.respH && s.respP === c.respP)) continue;
    seen.push(c);
    used.push(endpoint(c.respH, c.respP));
    if (used.length === max) break;
  }
  return used;
}

/** How many distinct destinations the given items (all when null) went to. */
export function destinationCount(d: Destinations, positions: readonly number[] | null): number {
  const keys = new Set<GroupKey>();
  const destinations = new Set<string>();
  const n = positions === null ? d.key.length : positions.length;
  for (let k = 0; k < n; k++) {
    const key = d.key[positions === null ? k : positions[k]!]!;
    if (keys.has(key)) continue;
    keys.add(key);
    destinations.add(key.destination);
  }
  return destinations.size;
}
