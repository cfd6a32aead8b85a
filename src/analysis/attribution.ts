/**
 * Reset attribution: was a reset (or an ICMP refusal) sent by the endpoint it claims to come
 * from, or by a device in the path? Relative evidence first — the TTL and round trip of the
 * address's own packets (or its /24's), and consistency across addresses — because the same
 * firewall looks different from a host capture and from a tap on the firewall's LAN side.
 */
import { asList, denyingLog, type ConnectionList } from '../flows/store.js';
import { resetTimed, type Connection, type ResetEvidence } from '../flows/connection.js';
import type { CidrSet } from './cidr.js';
import { isLoopback, netblockOf, respNetblock } from './cidr.js';
import type { ResetAttribution, ResetSource } from './types.js';
import { duration, hops as hopWords, ttl } from '../quantities.js';
import { hopsFromTtl, initialTtl, mad, median } from './stats.js';
import { opensAttempt, REPLY_AFTER_SECONDS, REPLY_AHEAD_SECONDS } from './outcomes.js';
import { keyAddress, origKey, respKey, sortedKeyTexts, type AddressKey } from './address-key.js';
import { isTraceProbe } from './udp.js';
import { sortAddresses } from '../decode/address.js';

/**
 * Whether a device in the path that sent resets is most likely the network's own firewall: close
 * to the capture point (at most NEAR_HOPS routers in between). One further away is somebody else's.
 */
export function likelyFirewall(source: Pick<ResetSource, 'kind' | 'hops' | 'attribution'>): boolean {
  return source.attribution === 'middlebox' && source.kind === 'rst' && source.hops <= NEAR_HOPS;
}

export interface AttributedReset {
  reset: ResetEvidence;
  attribution: ResetAttribution;
  evidence: string;
}

/** The refusal that ended each connection, by its index (an array is one). */
export interface Refusals {
  at(i: number): AttributedReset | undefined;
}

export interface AttributionResult {
  /** The refusal that ended each connection (first reset / ICMP error from the responder side), by index. */
  refusals: Refusals;
  resetSources: ResetSource[];
}

/** Why a reset read from Zeek's conn.log cannot be attributed (DESIGN.md: a field a source cannot know says why). */
export const NO_TTL_IN_CONN_LOG = "Zeek's conn.log records no TTL: run callhome on the capture, or on its own conn.log";
/** Why a reset a firewall logged from a connection's far side is not told to the server or a device beyond. */
export const NO_TTL_IN_FIREWALL_LOG =
  "reset from the server's side of the firewall, which logs no TTL: the server or a device beyond the firewall refused it";

/** Why a reset on the loopback is the endpoint's: a capture taken with `-i any` holds the host's own. */
const LOOPBACK = "a loopback address: the capturing host's own kernel refused it, with nothing in between";

/** How far (hops) a reset's TTL may be from the endpoint's own packets and still be the endpoint's. */
const TTL_TOLERANCE = 2;
/** A reset answering a SYN faster than this fraction of the round trip cannot have come from the far end. */
const FAST_FRACTION = 0.25;
/** Round trips up to this are LAN-scale: a fast reset there says nothing about who sent it. */
const LAN_RTT_SECONDS = 0.005;
/**
 * Physics with nothing to compare: a reset that crossed at least FAR_HOPS routers and took a WAN
 * round trip (WAN_DELAY_SECONDS or more) came from the far end; one that crossed at most NEAR_HOPS
 * routers in under NEAR_DELAY_SECONDS came from a device on the local network or its edge.
 */
const FAR_HOPS = 3;
const WAN_DELAY_SECONDS = 0.01;
export const NEAR_HOPS = 2;
const NEAR_DELAY_SECONDS = 0.001;
/** "One device answers for many addresses": its delay must be at most this (and far below the Internet's round trips). */
const DEVICE_DELAY_SECONDS = 0.003;
/**
 * …unless its TTL is an unchanged initial value, which no packet from the Internet keeps: then it
 * is on the capture's own link, and its delay may be up to this.
 */
const SAME_LINK_DELAY_SECONDS = 0.1;

interface Profile {
  ttls: Set<number>;
  /**
   * The fastest handshake seen: round trips vary from connection to connection (queues, server
   * load), so a reset is "too fast for the endpoint" only against its fastest, never its typical.
   */
  minRtt: number | null;
}

/** ICMP destination-unreachable codes (RFC 1812 §5.2.7.1) and ICMPv6 (RFC 4443 §3.1) in words. */
export function icmpMeaning(type: number, code: number): string {
  if (type === 3) {
    switch (code) {
      case 0:
        return 'network unreachable';
      case 1:
        return 'host unreachable';
      case 2:
        return 'protocol unreachable';
      case 3:
        return 'port unreachable';
      case 9:
        return 'network administratively prohibited';
      case 10:
        return 'host administratively prohibited';
      case 13:
        return 'communication administratively prohibited';
      default:
        return `unreachable code ${code}`;
    }
  }
  if (type === 1) {
    switch (code) {
      case 0:
        return 'no route to destination';
      case 1:
        return 'communication administratively prohibited';
      case 3:
        return 'address unreachable';
      case 4:
        return 'port unreachable';
      default:
        return `unreachable code ${code}`;
    }
  }
  return `type ${type} code ${code}`;
}

function addProfile(map: Map<string, Profile>, key: string, ttl: number, rtt: number | null): void {
  let profile = map.get(key);
  if (profile === undefined) {
    profile = { ttls: new Set(), minRtt: null };
    map.set(key, profile);
  }
  if (ttl >= 0) profile.ttls.add(ttl);
  if (rtt !== null && rtt > 0 && (profile.minRtt === null || rtt < profile.minRtt)) profile.minRtt = rtt;
}

function nearestTtl(ttl: number, refs: Iterable<number>): number | null {
  let best: number | null = null;
  for (const r of refs) if (best === null || Math.abs(r - ttl) < Math.abs(best - ttl)) best = r;
  return best;
}

interface Cluster {
  kind: ResetEvidence['kind'];
  ttl: number;
  addresses: Set<string>;
  /** Addresses that sent nothing but resets anywhere in the captures. */
  silent: Set<string>;
  external: number;
  delays: number[];
  /** Resets stamped before the SYNs they answer (aheadOfSyns): no delay, but none a server could make. */
  ahead: number;
  ipIds: { ts: number; ipId: number }[];
}

/**
 * Whether the IP IDs of resets "from" different addresses come from one counter. A reset seen
 * again with its own ID is the same packet captured twice (a mirror port copying both
 * directions, `-i any` on a bridge): no step of the counter, and none against it.
 */
function oneIpIdCounter(ipIds: { ts: number; ipId: number }[]): boolean {
  const seen = ipIds.filter((x) => x.ipId >= 0).sort((a, b) => a.ts - b.ts);
  if (seen.length < 3) return false;
  let steps = 0;
  let distinct = 0;
  for (let i = 1; i < seen.length; i++) {
    const step = (seen[i]!.ipId - seen[i - 1]!.ipId + 65536) % 65536;
    if (step > 0 && step <= 2048) steps++;
    if (step !== 0) distinct++;
  }
  return distinct >= 2 && steps / distinct >= 0.8;
}

export function attributeResets(given: readonly Connection[] | ConnectionList, internal: CidrSet): AttributionResult {
  const connections = asList(given);
  // Own packets of every remote address and netblock: TTLs of SYN-ACKs / data, handshake round trips.
  const byAddress = new Map<string, Profile>();
  const byNetblock = new Map<string, Profile>();
  const externalRtts: number[] = [];
  // Indexed loops, and connections without resets skipped before their list is touched: these
  // passes run over every connection, mostly before the optimising compiler has seen them.
  const n = connections.length;
  // Profiles are looked up only for the addresses responder-side resets claim to come from, and
  // their netblocks: only those are kept.
  const claimed = new Set<string>();
  const claimedBlocks = new Set<string>();
  // Connections with resets, in order: the later passes over resets visit only these.
  const withResets: number[] = [];
  // A firewall log's denials (most rows of a firewall log) are weighed against nothing: their
  // evidence is not made, only their log's name read (`denyingLog`, here and below).
  for (let i = 0; i < n; i++) {
    if (denyingLog(connections, i) !== null) {
      withResets.push(i);
      continue;
    }
    // A traceroute's last probes are refused by the destination, as traceroute means them to be.
    if (connections.peek(i).resets.length === 0 || isTraceProbe(connections, i)) continue;
    const c = connections.peek(i);
    withResets.push(i);
    if (claimed.has(c.respH)) continue;
    for (const r of c.resets) {
      // Only a reset seen in packets is weighed against the address's own packets; a firewall's
      // log line and a Zeek row say who refused without them.
      if (r.fromOriginator || r.origin !== 'packet') continue;
      claimed.add(c.respH);
      claimedBlocks.add(respNetblock(c));
      break;
    }
  }
  for (let i = 0; i < n && claimed.size > 0; i++) {
    const c = connections.peek(i);
    if (c.proto !== 'tcp') continue;
    if (c.established && c.respTtl >= 0) {
      if (claimed.has(c.respH)) addProfile(byAddress, c.respH, c.respTtl, c.handshakeRtt);
      const block = respNetblock(c);
      if (claimedBlocks.has(block)) addProfile(byNetblock, block, c.respTtl, c.handshakeRtt);
      if (c.handshakeRtt !== null && externalRtts.length < 4096 && !internal.hasResp(c)) externalRtts.push(c.handshakeRtt);
    }
    if (c.resets.length === 0) continue;
    for (const r of c.resets) {
      if (r.fromOriginator || r.peerTtls.length === 0) continue;
      for (const t of r.peerTtls) {
        addProfile(byAddress, c.respH, t, null);
        addProfile(byNetblock, respNetblock(c), t, null);
      }
    }
  }
  const externalRtt = median(externalRtts);
  const ahead = aheadOfSyns(connections, withResets);
  // Resets that answered nothing a host sent — their connection's "originator" sent nothing, no
  // SYN they refused was met (aheadOfSyns), and the host never used their ports with that
  // address — refused nothing: a reflection flood's servers reset connections forged in the
  // host's name. They are not weighed.
  const answeredNothing = unanswerable(connections, withResets, ahead);
  if (answeredNothing.size > 0) {
    let kept = 0;
    for (const i of withResets) if (!answeredNothing.has(i)) withResets[kept++] = i;
    withResets.length = kept;
  }
  /** The resets of connection `i` to weigh: its own, one that refused another SYN (aheadOfSyns) as that SYN's refusal. */
  const resetsOf = (i: number, c: Connection): readonly ResetEvidence[] => {
    const paired = ahead?.get(i);
    return paired === undefined ? c.resets : c.resets.map((r, k) => (k === paired.at ? paired.reset : r));
  };

  // Clusters of responder-side resets by kind and TTL: one device answering for many addresses.
  const clusters = new Map<number, Cluster>();
  for (let w = 0; w < withResets.length; w++) {
    if (denyingLog(connections, withResets[w]!) !== null) continue;
    const c = connections.peek(withResets[w]!);
    for (const r of resetsOf(withResets[w]!, c)) {
      // A firewall's own log names the device, and a Zeek row records no TTL: nothing to infer from
      // packets; nothing stands between a host and its own loopback.
      if (r.fromOriginator || r.kind === 'log' || r.origin !== 'packet' || isLoopback(c.respH)) continue;
      const key = clusterKey(r);
      let cluster = clusters.get(key);
      if (cluster === undefined) {
        cluster = { kind: r.kind, ttl: r.ttl, addresses: new Set(), silent: new Set(), external: 0, delays: [], ahead: 0, ipIds: [] };
        clusters.set(key, cluster);
      }
      if (!cluster.addresses.has(c.respH)) {
        cluster.addresses.add(c.respH);
        if (!byAddress.has(c.respH)) cluster.silent.add(c.respH);
        if (!internal.hasResp(c)) cluster.external++;
      }
      if (cluster.delays.length < 4096 && resetTimed(r)) cluster.delays.push(r.delay);
      if (r.ahead === true) cluster.ahead++;
      if (cluster.ipIds.length < 4096) cluster.ipIds.push({ ts: r.ts, ipId: r.ipId });
    }
  }
  const clusterVerdicts = new Map<number, string | null>();
  for (const [key, cluster] of clusters) clusterVerdicts.set(key, oneDeviceEvidence(cluster, externalRtt));

  // Indexed like the connections, set only where a reset refused one: sparse when resets are rare
  // (an array of millions of empty slots is memory a scan does not need). A store's row denied
  // by a log is not set: its bit names the log, whose one attribution is looked up when asked
  // for — a firewall log is millions of denials.
  const refused: (AttributedReset | undefined)[] = [];
  const logAttributions = new Map<string, AttributedReset>();
  const attributeOne = (c: Connection, r: ResetEvidence): AttributedReset => {
    if (r.kind === 'log') return attributeLog(r, logAttributions);
    if (r.origin === 'zeek-conn') return { reset: r, attribution: 'unknown', evidence: NO_TTL_IN_CONN_LOG };
    if (r.origin === 'firewall-log') return { reset: r, attribution: 'unknown', evidence: NO_TTL_IN_FIREWALL_LOG };
    if (r.fromOriginator) return attributeOriginatorReset(c, r);
    if (isLoopback(c.respH)) return { reset: r, attribution: 'endpoint', evidence: LOOPBACK };
    if (r.kind === 'icmp') return attributeIcmp(c, r);
    return attributeRst(c, r, byAddress, byNetblock, clusterVerdicts.get(clusterKey(r)) ?? null, internal);
  };
  for (let w = 0; w < withResets.length; w++) {
    const i = withResets[w]!;
    const log = denyingLog(connections, i);
    if (log !== null) {
      if (!logAttributions.has(log)) attributeLog(connections.peek(i).resets[0]!, logAttributions);
      continue;
    }
    const c = connections.peek(i);
    const paired = ahead?.get(i);
    // A reset that refused the SYN of another connection is that one's refusal, not this one's.
    if (paired !== undefined) refused[paired.syn] = attributeOne(c, paired.reset);
    for (let k = 0; k < c.resets.length; k++) {
      if (k === paired?.at) continue;
      const r = c.resets[k]!;
      const attributed = attributeOne(c, r);
      if (!r.fromOriginator && refused[i] === undefined) refused[i] = attributed;
    }
  }
  const refusals: Refusals = {
    at(i) {
      const r = refused[i];
      if (r !== undefined) return r;
      const log = denyingLog(connections, i);
      return log === null ? undefined : logAttributions.get(log);
    },
  };
  // The SYNs given a reset of another connection have refusals too.
  const refusing =
    ahead === null ? withResets : [...new Set([...withResets, ...[...ahead.values()].map((p) => p.syn)])].sort((a, b) => a - b);
  return { refusals, resetSources: groupSources(connections, refusing, refusals, internal) };
}

/**
 * Resets met before the SYNs they refused, by the connection the tracker put each in (`syn`: the
 * connection of the SYN; `reset`: the reset as its refusal). A tap whose two directions are
 * stamped apart can stamp a firewall's reset — sent a fraction of a millisecond after the SYN —
 * before it, and a capture written from several queues (two cards, `dumpcap` of two interfaces)
 * can write it before it: the tracker, meeting the reset first, makes it a connection of its own
 * that nothing prompted (or, where the same ports were used a moment before, gives it to that
 * earlier SYN's connection, though it acknowledges another SYN), and the SYN's an attempt that
 * got no answer. Paired when the SYN, of the same addresses and ports, is stamped at most
 * REPLY_AHEAD_SECONDS after the reset or REPLY_AFTER_SECONDS before it, and the reset
 * acknowledges it (where it acknowledges anything). Null when no reset stands so.
 */
function aheadOfSyns(
  connections: ConnectionList,
  withResets: readonly number[],
): Map<number, { syn: number; reset: ResetEvidence; at: number }> | null {
  let ahead: Map<string, { i: number; r: ResetEvidence; at: number; alone: boolean }[]> | null = null;
  for (const i of withResets) {
    const c = connections.peek(i);
    const at = c.proto === 'tcp' ? astray(c) : -1;
    if (at < 0) continue;
    const key = tupleKey(c);
    ahead ??= new Map();
    const list = ahead.get(key);
    const entry = { i, r: c.resets[at]!, at, alone: c.origPkts === 0 };
    if (list === undefined) ahead.set(key, [entry]);
    else list.push(entry);
  }
  if (ahead === null) return null;
  const paired = new Map<number, { syn: number; reset: ResetEvidence; at: number }>();
  for (let j = 0; j < connections.length; j++) {
    const c = connections.peek(j);
    if (c.proto !== 'tcp' || c.synCount === 0) continue;
    // Nothing came back to it but a reset that was not its own.
    if (c.respPkts > (c.resets.length === 1 && astray(c) >= 0 ? 1 : 0)) continue;
    const list = ahead.get(tupleKey(c));
    if (list === undefined) continue;
    const synSeq = c.synSeq ?? -1;
    const k = list.findIndex(
      ({ i, r, alone }) =>
        i !== j &&
        c.ts - r.ts <= REPLY_AHEAD_SECONDS &&
        r.ts - c.ts <= REPLY_AFTER_SECONDS &&
        (synSeq >= 0 && !r.ackZero ? r.ack === (synSeq + 1) >>> 0 : alone),
    );
    if (k < 0) continue;
    const { i, r, at } = list[k]!;
    // Stamped after the SYN (only written before it): timed from it. Stamped before: no delay.
    const reset: ResetEvidence = c.ts <= r.ts ? { ...r, stage: 'syn', delay: r.ts - c.ts } : { ...r, stage: 'syn', ahead: true };
    paired.set(i, { syn: j, reset, at });
    list.splice(k, 1);
  }
  // A SYN whose own reset stays with it keeps it: no second refusal.
  for (const [i, { syn }] of paired) {
    const c = connections.peek(syn);
    if (c.resets.length > 0 && !(paired.has(syn) && c.resets.length === 1)) paired.delete(i);
  }
  return paired.size > 0 ? paired : null;
}

/**
 * Which reset of a TCP connection (its place in `resets`) may be another SYN's, met before it:
 * the one reset of a connection of nothing else (the tracker met it first), or a reset of a SYN's
 * connection, met before any answer, that acknowledges another sequence number than its SYN's
 * (the next SYN of the same ports'). -1 for none.
 */
function astray(c: Connection): number {
  const resets = c.resets;
  const fromPacket = (r: ResetEvidence): boolean => r.kind === 'rst' && !r.fromOriginator && r.origin === 'packet';
  if (c.origPkts === 0) return resets.length === 1 && fromPacket(resets[0]!) && resets[0]!.stage === 'unprompted' ? 0 : -1;
  const synSeq = c.synSeq ?? -1;
  if (synSeq < 0) return -1;
  return resets.findIndex((r) => fromPacket(r) && r.stage === 'syn' && !r.ackZero && r.ack !== (synSeq + 1) >>> 0);
}

/**
 * The connections among `withResets` of unprompted resets alone (unprompted) that no SYN was
 * paired with (aheadOfSyns) and whose addresses and ports no connection the host sent in had
 * (in either order): resets that answered nothing seen. A reset that comes after its
 * connection ended (a server's late reset of a session its client reset) keeps its ports.
 */
function unanswerable(connections: ConnectionList, withResets: readonly number[], ahead: ReadonlyMap<number, unknown> | null): Set<number> {
  const lone = new Map<string, number[]>();
  const ends = new Set<string>();
  for (const i of withResets) {
    const c = connections.peek(i);
    if (ahead?.has(i) === true || !unprompted(c)) continue;
    const key = tupleKey(c);
    const list = lone.get(key);
    if (list === undefined) lone.set(key, [i]);
    else list.push(i);
    ends.add(c.origH).add(c.respH);
  }
  const none = new Set<number>();
  if (lone.size === 0) return none;
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (c.origPkts === 0 || !ends.has(c.respH) || !ends.has(c.origH)) continue;
    lone.delete(tupleKey(c));
    lone.delete(`${c.respH}|${c.respP}|${c.origH}|${c.origP}`);
    if (lone.size === 0) return none;
  }
  for (const list of lone.values()) for (const i of list) none.add(i);
  return none;
}

/** A connection of resets alone, from a responder its "originator" sent nothing to (unprompted, seen in packets). */
function unprompted(c: Connection): boolean {
  if (c.origPkts !== 0 || c.resets.length === 0) return false;
  for (const r of c.resets) if (r.kind !== 'rst' || r.fromOriginator || r.origin !== 'packet' || r.stage !== 'unprompted') return false;
  return true;
}

const tupleKey = (c: Connection): string => `${c.origH}|${c.origP}|${c.respH}|${c.respP}`;

/**
 * What a reset that refused a connection's opening answered, in words (the SYN, or the packets of
 * a probe that sent none); null for a reset at any later stage, or one that answered nothing seen.
 */
function openingAnswered(r: ResetEvidence): string | null {
  return r.stage === 'syn' ? 'the SYN' : r.stage === 'probe' ? 'the opening non-SYN packet' : null;
}

/** A reset that answered a connection's opening faster than FAST_FRACTION of the fastest round trip `refRtt`. */
function fasterThanRoundTrip(r: ResetEvidence, refRtt: number | null): boolean {
  return openingAnswered(r) !== null && refRtt !== null && refRtt > LAN_RTT_SECONDS && r.delay < FAST_FRACTION * refRtt;
}

function clusterKey(r: ResetEvidence): number {
  return r.ttl * 2 + (r.kind === 'icmp' ? 1 : 0);
}

/**
 * The "one device in the path" pattern, or null when the cluster does not show it. A shared TTL
 * alone is a coincidence (unrelated servers the same number of hops away); a device answering for
 * many addresses also shows itself close by (a short hop distance or an unchanged initial TTL), a
 * delay far below the round trips to the Internet, and addresses that never completed a handshake.
 */
function oneDeviceEvidence(cluster: Cluster, externalRtt: number | null): string | null {
  // Without a delay (resets that answered nothing seen) there is no "same near-zero delay" to tell.
  if (cluster.kind !== 'rst' || cluster.addresses.size < 3 || cluster.delays.length + cluster.ahead === 0) return null;
  if (cluster.silent.size < 0.8 * cluster.addresses.size) return null;
  // Timing and TTL say "nearby" only for Internet addresses: LAN hosts answer fast with initial TTLs too.
  if (cluster.external < 0.8 * cluster.addresses.size) return null;
  const hops = hopsFromTtl(cluster.ttl);
  const unchanged = initialTtl(cluster.ttl) === cluster.ttl;
  if (!unchanged && hops > NEAR_HOPS) return null;
  const delay = median(cluster.delays) ?? 0;
  const spread = mad(cluster.delays) ?? 0;
  const consistent = spread <= Math.max(0.5 * delay, 0.001);
  const limit = externalRtt !== null ? Math.min(FAST_FRACTION * externalRtt, DEVICE_DELAY_SECONDS) : DEVICE_DELAY_SECONDS;
  // An unchanged initial TTL from Internet addresses crossed no router: the device is on the
  // capture's own link, however long it took (a busy firewall, a tap's directions stamped apart).
  const fast = delay < limit;
  if (!consistent || (!fast && !(unchanged && delay < SAME_LINK_DELAY_SECONDS))) return null;
  const signals = [
    cluster.ahead > cluster.delays.length
      ? `${cluster.delays.length === 0 ? 'each' : 'most'} stamped before the SYN it answers (the capture stamps its two directions apart), sooner than any server answers`
      : !fast
        ? `the same ${duration(delay)} delay`
        : externalRtt !== null
          ? `the same ${duration(delay)} delay, far below the ${duration(externalRtt)} round trip to the Internet seen in the capture`
          : `the same near-zero ${duration(delay)} delay`,
  ];
  if (oneIpIdCounter(cluster.ipIds)) signals.push('IP IDs from one counter');
  signals.push(unchanged ? `${ttl(cluster.ttl, cluster.addresses)} is an unchanged initial value` : hopWords(hops));
  return (
    `one device answers for ${cluster.addresses.size} addresses that never completed a handshake: ` +
    `all with ${ttl(cluster.ttl, cluster.addresses)}, ${signals.join(', ')}`
  );
}

/** Hop distance and delay alone, where they are unambiguous; null where they are not. */
function physicsAlone(c: Connection, r: ResetEvidence, internal: CidrSet): AttributedReset | null {
  const answered = openingAnswered(r);
  if (answered === null || internal.hasResp(c)) return null;
  const hops = hopsFromTtl(r.ttl);
  if (hops >= FAR_HOPS && r.delay >= WAN_DELAY_SECONDS) {
    return {
      reset: r,
      attribution: 'endpoint',
      evidence:
        `${ttl(r.ttl, c.respH)} (${hopWords(hops)}) and ${duration(r.delay)} after ${answered}, a round trip across the Internet: ` +
        `the far end answered, not a device nearby`,
    };
  }
  if (hops <= NEAR_HOPS && r.delay < NEAR_DELAY_SECONDS) {
    return {
      reset: r,
      attribution: 'middlebox',
      evidence: `${ttl(r.ttl, c.respH)} (${hopWords(hops)}) and ${resetTiming(r)}: too near and too fast to be ${c.respH} on the Internet`,
    };
  }
  return null;
}

function attributeRst(
  c: Connection,
  r: ResetEvidence,
  byAddress: Map<string, Profile>,
  byNetblock: Map<string, Profile>,
  oneDevice: string | null,
  internal: CidrSet,
): AttributedReset {
  if (r.senderKeptSending) {
    return {
      reset: r,
      attribution: 'middlebox',
      evidence: `${c.respH} kept sending after this reset: it was injected by a device in the path`,
    };
  }
  const own = byAddress.get(c.respH);
  const netblock = respNetblock(c);
  const block = byNetblock.get(netblock);
  let refTtls: Iterable<number> | null = null;
  let refWhat = '';
  let refRtt: number | null = null;
  // The address's own packets when it sent any; its network's only when it sent nothing else.
  let sameAddress = true;
  if (r.peerTtls.length > 0) {
    refTtls = r.peerTtls;
    refWhat = `${c.respH}'s own packets in this connection`;
    refRtt = own?.minRtt ?? null;
  } else if (own !== undefined && own.ttls.size > 0) {
    refTtls = own.ttls;
    refWhat = `${c.respH}'s own SYN-ACKs and data`;
    refRtt = own.minRtt;
  } else if (block !== undefined && block.ttls.size > 0) {
    refTtls = block.ttls;
    refWhat = `the packets of other addresses in ${netblock}`;
    refRtt = block.minRtt;
    sameAddress = false;
  }
  const nearest = refTtls === null ? null : nearestTtl(r.ttl, refTtls);
  if (nearest !== null && Math.abs(nearest - r.ttl) > TTL_TOLERANCE) {
    const hops = hopsFromTtl(r.ttl);
    const refHops = hopsFromTtl(nearest);
    // Another server of the same network may run another system: a different TTL there means a
    // device in the path only when the reset also came from nearer or faster than that network.
    // An unchanged initial TTL is the capture's own link: nearer than a network a router away,
    // but not than one on that link too, where another initial TTL is another system.
    const nearer = hops < refHops - TTL_TOLERANCE || (initialTtl(r.ttl) === r.ttl && refHops > 0);
    const faster = fasterThanRoundTrip(r, refRtt);
    if (sameAddress || nearer || faster) {
      return {
        reset: r,
        attribution: 'middlebox',
        evidence: `${ttl(r.ttl, c.respH)} (${hopWords(hops)}) but ${refWhat} arrive with ${ttl(nearest, c.respH)}`,
      };
    }
    if (hops === 0 && refHops === 0) {
      // Its network is on the capture's link: "too near to be on the Internet" says nothing either.
      return unknownReset(
        c,
        r,
        `${ttl(r.ttl, c.respH)} differs from ${refWhat} (${ttl(nearest, c.respH)}), but both arrive with ${hopWords(0)}: ` +
          `senders on the capture's own link running different systems, not a device nearer than ${netblock}`,
      );
    }
    return (
      physicsAlone(c, r, internal) ??
      unknownReset(
        c,
        r,
        `${ttl(r.ttl, c.respH)} differs from ${refWhat} (${ttl(nearest, c.respH)}), but ${c.respH} itself sent nothing else and the reset came from no nearer ` +
          'and no faster than that network: another server there, or a device near it',
      )
    );
  }
  if (nearest !== null) {
    // Only where the round trip is long enough for "nearby" to mean something: on a LAN the
    // host itself answers a SYN in well under a millisecond, faster than its usual round trip.
    if (fasterThanRoundTrip(r, refRtt)) {
      return {
        reset: r,
        attribution: 'middlebox',
        evidence:
          `${r.ahead === true ? resetTiming(r) : `answered ${openingAnswered(r)} in ${duration(r.delay)}`}, ` +
          `far below the fastest round trip to ${sameAddress ? c.respH : netblock} (${duration(refRtt!)})`,
      };
    }
    return {
      reset: r,
      attribution: 'endpoint',
      evidence:
        `${ttl(r.ttl, c.respH)} matches ${refWhat} (${ttl(nearest, c.respH)})` +
        (refRtt !== null && openingAnswered(r) !== null
          ? `, after ${duration(r.delay)} against a fastest round trip of ${duration(refRtt)}`
          : ''),
    };
  }
  if (oneDevice !== null) return { reset: r, attribution: 'middlebox', evidence: oneDevice };
  return physicsAlone(c, r, internal) ?? unknownReset(c, r);
}

/** When a reset came, in words: after what it answered, or that nothing before it was seen to time it by. */
function resetTiming(r: ResetEvidence): string {
  if (r.ahead === true) return `stamped before ${openingAnswered(r) ?? 'the packet'} it answers`;
  if (!resetTimed(r)) return 'with nothing before it in its connection to time it by';
  return `${duration(r.delay)} after ${openingAnswered(r) ?? 'the last packet'}`;
}

function unknownReset(c: Connection, r: ResetEvidence, why?: string): AttributedReset {
  return {
    reset: r,
    attribution: 'unknown',
    evidence:
      why ??
      `thin evidence: ${c.respH} sent nothing but resets (${ttl(r.ttl, c.respH)}, ${resetTiming(r)}) ` +
        'and no other address answered the same way, so there is nothing to compare it with',
  };
}

function attributeIcmp(c: Connection, r: ResetEvidence): AttributedReset {
  const meaning = `${c.respH.includes(':') ? 'ICMPv6' : 'ICMP'} ${r.icmpType}/${r.icmpCode} (${icmpMeaning(r.icmpType, r.icmpCode)})`;
  if (r.sender !== '' && r.sender !== c.respH) {
    return { reset: r, attribution: 'middlebox', evidence: `${meaning} sent by ${r.sender}, a device in the path, not by ${c.respH}` };
  }
  return { reset: r, attribution: 'endpoint', evidence: `${meaning} sent by the destination ${c.respH} itself` };
}

/**
 * A firewall that logged its denial: the device in the path, by its own word. `attributions` keeps one
 * attribution per log, its first denial's (a log has millions of lines): a log's denials
 * (`logDenial`) differ only in their time, which nothing reads from a refusal.
 */
function attributeLog(r: ResetEvidence, attributions: Map<string, AttributedReset>): AttributedReset {
  let attributed = attributions.get(r.sender);
  if (attributed === undefined) {
    attributions.set(
      r.sender,
      (attributed = { reset: r, attribution: 'middlebox', evidence: `denied by the firewall (its log: ${r.sender})` }),
    );
  }
  return attributed;
}

function attributeOriginatorReset(c: Connection, r: ResetEvidence): AttributedReset {
  if (c.origTtl >= 0 && Math.abs(c.origTtl - r.ttl) > TTL_TOLERANCE) {
    return {
      reset: r,
      attribution: 'middlebox',
      evidence: `reset in ${c.origH}'s name with ${ttl(r.ttl, c.origH)}, but its own packets carry ${ttl(c.origTtl, c.origH)}`,
    };
  }
  return { reset: r, attribution: 'endpoint', evidence: `sent by the originator ${c.origH} itself` };
}

interface SourceAccumulator {
  attribution: ResetAttribution;
  ttl: number;
  kind: ResetEvidence['kind'];
  resets: number;
  attempts: number;
  addresses: Set<AddressKey>;
  senders: Set<string>;
  hosts: Set<AddressKey>;
  delays: number[];
  /** Each evidence text: the resets it explains and the addresses they answered for. */
  evidence: Map<string, { resets: number; addresses: Set<AddressKey> }>;
}

/** `withResets`: indices of the connections with resets, the only ones with a refusal. */
function groupSources(connections: ConnectionList, withResets: readonly number[], refusals: Refusals, internal: CidrSet): ResetSource[] {
  const sources = new Map<number, SourceAccumulator>();
  const attributionIndex: Record<ResetAttribution, number> = { middlebox: 0, endpoint: 1, unknown: 2 };
  // Each firewall log is a source of its own (negative keys; packet refusals have TTLs ≥ 0).
  const logs = new Map<string, number>();
  for (let w = 0; w < withResets.length; w++) {
    const i = withResets[w]!;
    const c = connections.peek(i);
    const refusal = refusals.at(i);
    if (refusal === undefined) continue;
    const r = refusal.reset;
    let key = attributionIndex[refusal.attribution] * 1024 + clusterKey(r);
    if (r.kind === 'log') {
      if (!logs.has(r.sender)) logs.set(r.sender, -1 - logs.size);
      key = logs.get(r.sender)!;
    }
    let s = sources.get(key);
    if (s === undefined) {
      s = {
        attribution: refusal.attribution,
        ttl: r.ttl,
        kind: r.kind,
        resets: 0,
        attempts: 0,
        addresses: new Set(),
        senders: new Set(),
        hosts: new Set(),
        delays: [],
        evidence: new Map(),
      };
      sources.set(key, s);
    }
    s.resets++;
    // A reset that ended a connection once established refused no attempt (a server's reset after its data).
    if (opensAttempt(c) && !c.established) s.attempts++;
    // (Addresses as keys: their texts are written once each, not for each of a log's denials.)
    const resp = respKey(c);
    if (s.addresses.size < 100_000) s.addresses.add(resp);
    if (r.sender !== '' && s.senders.size < 1000) s.senders.add(r.sender);
    if (s.hosts.size < 10_000) s.hosts.add(origKey(c));
    if (s.delays.length < 4096 && r.origin === 'packet' && resetTimed(r)) s.delays.push(r.delay);
    let e = s.evidence.get(refusal.evidence);
    if (e === undefined) s.evidence.set(refusal.evidence, (e = { resets: 0, addresses: new Set() }));
    e.resets++;
    if (e.addresses.size < 1000) e.addresses.add(resp);
  }
  const order: Record<ResetAttribution, number> = { middlebox: 0, unknown: 1, endpoint: 2 };
  return [...sources.values()]
    .sort((a, b) => order[a.attribution] - order[b.attribution] || b.resets - a.resets)
    .map((s) => {
      const delay = median(s.delays);
      let evidence = '';
      let count = -1;
      // The reason that holds for most of the addresses (not the one address with most resets: a
      // flood at one server must not speak for the other addresses the same device answered for).
      let resets = -1;
      for (const [text, e] of s.evidence) {
        if (e.addresses.size > count || (e.addresses.size === count && e.resets > resets)) {
          evidence = text;
          count = e.addresses.size;
          resets = e.resets;
        }
      }
      const addresses = Array.from(s.addresses, keyAddress);
      const external = addresses.filter((a) => !internal.has(a)).length;
      return {
        attribution: s.attribution,
        ttl: s.ttl,
        resets: s.resets,
        attempts: s.attempts,
        remoteAddresses: s.addresses.size,
        medianRttMs: delay === null || s.kind === 'log' ? null : Math.round(delay * 1e6) / 1e3,
        kind: s.kind,
        evidence,
        // A log line or a Zeek row says nothing of the path: no hops (NaN, which JSON writes as null and renderers leave out).
        hops: s.ttl < 0 ? Number.NaN : hopsFromTtl(s.ttl),
        senders: sortAddresses(s.senders).slice(0, 50),
        addressList: sortAddresses(addresses).slice(0, 50),
        netblocks: sortAddresses(new Set(addresses.map(netblockOf))).slice(0, 50),
        externalAddresses: external,
        hosts: sortedKeyTexts(s.hosts).slice(0, 50),
      };
    });
}
