/**
 * Flood targets: attempts counted per destination address:port over the whole network, every
 * source together. A host's flood (tally.ts) is what one source does; a SYN flood from thousands
 * of spoofed sources — one SYN each — is no host's, and host by host it reads as thousands of
 * single attempts never answered. Counted at the destination, it is one target receiving
 * hundreds a second.
 *
 * A destination is a flood's target when, as for a host's flood, it received FLOOD_ATTEMPTS or
 * more at FLOOD_RATE a second or faster, most of them failing (refused, never answered, or cut off
 * by the end of the capture) — and from MIN_SOURCES sources or more, none of which sent
 * FLOOD_ATTEMPTS itself (that one would be a host's flood). A busy server's clients are answered;
 * a NAT gateway is one source.
 *
 * Memory is bounded: a gigabyte of firewall log meets millions of destinations, and only the
 * busiest can be a flood's target. The counts keep TRACKED destinations at most; when full, the
 * half with the fewest attempts is let go (a destination let go and met again starts afresh: at
 * ten a second or more, a flood's target is among the busiest long before that). Sources are
 * counted in a second pass, for the few destinations that qualify, SOURCES_COUNTED at most each.
 *
 * A flood of UDP datagrams at any port of one address is counted at the address: a reflection
 * (amplification) attack's servers answer requests forged in the target's name from their
 * service port (ISAKMP's 500, SNMP's 161, NTP's 123, memcached's 11211) to whatever port the
 * forger gave, and the target sends nothing back — Zeek, taking the service's side for the
 * responder, writes each as a flow of the target that sent nothing (history `^d`). A TCP
 * reflection flood's servers send the target SYN-ACKs and resets in answer to SYNs forged in its
 * name, each a connection of the target's that sent nothing (`^h`, `^r`): counted at the address
 * too. Counted so only where the address is no target at one port, where most of its flows of
 * that transport came at it one way (a resolver's answers are its queries' flows), and where
 * they came at ANY_PORT_RATE a second or faster.
 */
import type { ConnectionList } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';
import { exactOrigV4, exactRespV4 } from '../flows/store.js';
import type { Refusals } from './attribution.js';
import { isLoopback } from './cidr.js';
import { CUT_OFF_SECONDS, cutOffByEnd, opensAttempt, outcomeOf } from './outcomes.js';
import { FLOOD_ATTEMPTS, FLOOD_FAILING, FLOOD_RATE, floodCount, ONE_WAY_UDP_PORTS, oneWay, targetKey } from './tally.js';
import { localTalk, notUnicast } from './udp.js';
import type { FloodTarget } from './types.js';
import { isoMillis } from '../time.js';
import { endpoint } from '../quantities.js';

/** Distinct sources a flood's target needs: many machines, not one host and its retries. */
export const MIN_SOURCES = 20;
/** Destinations counted at once (see the module comment). */
export const TRACKED = 8192;
/** Flood targets kept, the busiest first. */
const MAX_TARGETS = 10;
/** Sources counted per target; past this the count says "at least". */
export const SOURCES_COUNTED = 200_000;
/**
 * A SYN flood's sources are likely spoofed when most of them sent one SYN and were never heard
 * from again: random addresses forged one per packet. Machines of a botnet each send many.
 */
const SPOOFED_SINGLE_SHARE = 0.5;

/** One destination's counts. */
interface DestinationCounts {
  /** Position of its first attempt (its address, port and protocol). */
  at: number;
  /** SYNs, or UDP datagrams of flows mostly unanswered (floodCount). */
  packets: number;
  attempts: number;
  refused: number;
  unanswered: number;
  cutOff: number;
  first: number;
  last: number;
  /** At any port of an address: UDP flows of the address answered both ways, met once it was counted. */
  twoWay?: number;
}

export interface FloodTargetContext {
  /** Parallel to the connections. */
  refusals: Refusals;
  /** Time of the capture's last packet. */
  captureEnd: number;
  /** Inputs whose rows are final records, never cut off by the end (outcomes.ts). */
  loggedInputs?: ReadonlySet<number>;
}

/** The flood targets found, and which connections go to one of them. */
export interface FloodTargets {
  targets: FloodTarget[];
  /** Whether connection `c` goes to one of the targets. */
  aimsAt(c: Connection): boolean;
}

/**
 * A connection that can be part of a flood at its destination: a TCP attempt (a SYN), or a UDP
 * flow to a unicast address that is no local-network talk nor a one-way report (syslog, NetFlow…:
 * a collector receiving from many devices, unanswered by design).
 */
function countable(c: Connection): boolean {
  if (c.proto === 'tcp') return opensAttempt(c);
  if (c.proto !== 'udp') return false;
  return !notUnicast(c.respH) && !notUnicast(c.origH) && !localTalk(c) && !ONE_WAY_UDP_PORTS.has(c.respP);
}

/** A destination's key: an IPv4 address and its port key as one number, any other address as text. */
function destinationKey(c: Connection): number | string {
  const n4 = exactRespV4(c);
  const port = targetKey(c);
  return n4 >= 0 ? n4 * 0x40000 + port : `${c.respH} ${port}`;
}

/** A source's key: an IPv4 address as its number made signed, any other as text (address-key.ts). */
function sourceKey(c: Connection): number | string {
  const n4 = exactOrigV4(c);
  return n4 >= 0 ? n4 | 0 : c.origH;
}

/**
 * A UDP flow that only came at its target: one way from its originator (no answer), or written
 * the other way round (Zeek's flip: its "originator" sent nothing) — the target (`key`: its
 * address after its transport), the sender and its port, and the datagrams; null for any other
 * flow, and for one a flood at any port cannot be (local talk, a one-way report to a collector,
 * multicast). And a TCP connection written the other way round whose "originator" sent nothing:
 * SYN-ACKs or resets from a server's port to a port of the target that asked for none (a TCP
 * reflection flood's servers answer SYNs forged in its name).
 */
function cameAt(c: Connection): { key: string; from: string; fromPort: number; datagrams: number } | null {
  if (c.proto === 'tcp') {
    if (!(c.origPkts === 0 && c.respPkts > 0 && c.history.startsWith('^')) || notUnicast(c.origH) || isLoopback(c.origH)) return null;
    return { key: `tcp ${c.origH}`, from: c.respH, fromPort: c.respP, datagrams: c.respPkts };
  }
  if (c.proto !== 'udp') return null;
  let at: { target: string; from: string; fromPort: number; datagrams: number };
  if (c.origPkts === 0 && c.respPkts > 0 && c.history.startsWith('^'))
    at = { target: c.origH, from: c.respH, fromPort: c.respP, datagrams: c.respPkts };
  else if (c.respPkts === 0 && c.origPkts > 0) at = { target: c.respH, from: c.origH, fromPort: c.origP, datagrams: c.origPkts };
  else return null;
  if (notUnicast(at.target) || notUnicast(at.from) || isLoopback(at.target) || localTalk(c) || ONE_WAY_UDP_PORTS.has(c.respP)) return null;
  return { key: `udp ${at.target}`, from: at.from, fromPort: at.fromPort, datagrams: at.datagrams };
}

/** The half of the destinations with the most packets kept, the rest let go. */
function prune(counts: Map<number | string, DestinationCounts>): void {
  const keep = TRACKED >> 1;
  const sizes = Float64Array.from(counts.values(), (d) => d.packets).sort();
  const least = sizes[sizes.length - keep]!;
  let over = counts.size - keep;
  // Those below the least kept first, then as many of those at it as need be.
  for (const [key, d] of counts) if (d.packets < least && over > 0 && counts.delete(key)) over--;
  for (const [key, d] of counts) if (d.packets === least && over > 0 && counts.delete(key)) over--;
}

/** Whether a destination's counts make a flood, sources aside. */
function floodLike(d: DestinationCounts, c: Connection): boolean {
  if (d.packets < FLOOD_ATTEMPTS || d.packets / Math.max(d.last - d.first, 1) < FLOOD_RATE) return false;
  if (d.refused + d.unanswered + d.cutOff <= FLOOD_FAILING * d.attempts) return false;
  return !isLoopback(c.respH) && !notUnicast(c.respH);
}

/** The flood targets among the connections (see the module comment). */
export function findFloodTargets(connections: ConnectionList, ctx: FloodTargetContext): FloodTargets {
  const counts = new Map<number | string, DestinationCounts>();
  // Datagrams (SYN-ACKs and resets) at any port of an address, keyed by its transport and address (cameAt).
  const atAddress = new Map<number | string, DestinationCounts>();
  const cutOffAfter = ctx.captureEnd - CUT_OFF_SECONDS;
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    const came = cameAt(c);
    if (came !== null) {
      let d = atAddress.get(came.key);
      if (d === undefined) {
        if (atAddress.size >= TRACKED) prune(atAddress);
        atAddress.set(came.key, (d = { at: i, packets: 0, attempts: 0, refused: 0, unanswered: 0, cutOff: 0, first: c.ts, last: c.ts }));
      }
      d.packets += came.datagrams;
      d.attempts++;
      if (cutOffByEnd(c, cutOffAfter, ctx.loggedInputs)) d.cutOff++;
      else d.unanswered++;
      if (c.ts < d.first) d.first = c.ts;
      if (c.lastTs > d.last) d.last = c.lastTs;
    } else if ((c.proto === 'udp' || c.proto === 'tcp') && atAddress.size > 0 && c.origPkts > 0 && c.respPkts > 0) {
      // A flow both ways: the address's ordinary traffic, which a flood at it would outnumber.
      for (const end of [c.origH, c.respH]) {
        const d = atAddress.get(`${c.proto} ${end}`);
        if (d !== undefined) d.twoWay = (d.twoWay ?? 0) + 1;
      }
    }
    if (!countable(c)) continue;
    const key = destinationKey(c);
    let d = counts.get(key);
    if (d === undefined) {
      if (counts.size >= TRACKED) prune(counts);
      counts.set(key, (d = { at: i, packets: 0, attempts: 0, refused: 0, unanswered: 0, cutOff: 0, first: c.ts, last: c.ts }));
    }
    d.packets += floodCount(c);
    d.attempts++;
    const outcome = outcomeOf(c, ctx.refusals.at(i));
    if (outcome === 'unanswered' || (c.proto === 'udp' && oneWay(c))) {
      if (cutOffByEnd(c, cutOffAfter, ctx.loggedInputs)) d.cutOff++;
      else d.unanswered++;
    } else if (outcome !== 'established') d.refused++;
    if (c.ts < d.first) d.first = c.ts;
    // Its SYNs (its datagrams) count until the last: the rate is of those over the time they were sent in.
    const last = (c.proto === 'udp' ? oneWay(c) : c.synCount > 1) ? c.lastTs : c.ts;
    if (last > d.last) d.last = last;
  }
  const candidates = new Map<number | string, DestinationCounts>();
  for (const [key, d] of counts) if (floodLike(d, connections.peek(d.at))) candidates.set(key, d);
  counts.clear();
  // An address that is a target at one port is said so; else its datagrams at any port may be a flood.
  const atPort = new Set<string>();
  for (const d of candidates.values()) atPort.add(connections.peek(d.at).respH);
  for (const [key, d] of atAddress) {
    // "udp 10.10.10.10": its transport, then its address.
    if (atPort.has((key as string).slice(4)) || d.packets < FLOOD_ATTEMPTS) continue;
    if (d.packets / Math.max(d.last - d.first, 1) < ANY_PORT_RATE) continue;
    if ((d.twoWay ?? 0) >= FLOOD_FAILING * (d.attempts + (d.twoWay ?? 0))) continue;
    candidates.set(`any ${key}`, d);
  }
  atAddress.clear();
  if (candidates.size === 0) return { targets: [], aimsAt: () => false };
  // The busiest first; only they have their sources counted.
  const busiest = [...candidates].sort((a, b) => b[1].packets - a[1].packets).slice(0, MAX_TARGETS);
  const sources = new Map(busiest.map(([key]) => [key, new Map<number | string, number>()]));
  // The ports the datagrams at any port of an address came from: their datagrams, per port.
  const fromPorts = new Map<number | string, Map<number, number>>();
  const add = (of: Map<number | string, number>, source: number | string, n: number): void => {
    const had = of.get(source);
    if (had !== undefined) of.set(source, had + n);
    else if (of.size < SOURCES_COUNTED) of.set(source, n);
  };
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    const came = cameAt(c);
    if (came !== null) {
      const key = `any ${came.key}`;
      const of = sources.get(key);
      if (of !== undefined) {
        add(of, came.from, came.datagrams);
        let ports = fromPorts.get(key);
        if (ports === undefined) fromPorts.set(key, (ports = new Map<number, number>()));
        if (ports.size < SOURCES_COUNTED) ports.set(came.fromPort, (ports.get(came.fromPort) ?? 0) + came.datagrams);
      }
    }
    if (!countable(c)) continue;
    const of = sources.get(destinationKey(c));
    if (of !== undefined) add(of, sourceKey(c), floodCount(c));
  }
  const targets: FloodTarget[] = [];
  const keys = new Set<number | string>();
  const anyPort = new Set<string>();
  for (const [key, d] of busiest) {
    const of = sources.get(key)!;
    let most = 0;
    let single = 0;
    for (const n of of.values()) {
      if (n > most) most = n;
      if (n === 1) single++;
    }
    // One source that floods it by itself is that host's flood (tally.ts), not the network's.
    if (of.size < MIN_SOURCES || most >= FLOOD_ATTEMPTS) continue;
    const c = connections.peek(d.at);
    const udp = c.proto === 'udp';
    // "any udp 10.10.10.10": at any port of the address, by its transport.
    const any = typeof key === 'string' && key.startsWith('any ') ? key.slice(4) : null;
    keys.add(key);
    if (any !== null) anyPort.add(any);
    targets.push({
      target: any !== null ? any.slice(4) : c.respH,
      port: any !== null ? 0 : c.respP,
      proto: udp ? 'udp' : 'tcp',
      unit: udp ? 'UDP datagram' : any !== null ? 'SYN-ACK or reset' : 'SYN',
      attempts: d.attempts,
      packets: d.packets,
      sources: of.size,
      ...(of.size >= SOURCES_COUNTED ? { sourcesCapped: true as const } : {}),
      failed: d.refused + d.unanswered,
      refused: d.refused,
      unanswered: d.unanswered,
      cutOff: d.cutOff,
      first: isoMillis(d.first),
      last: isoMillis(d.last),
      durationSeconds: d.last - d.first,
      rate: d.packets / Math.max(d.last - d.first, 1),
      likelySpoofed: any === null && !udp && single > SPOOFED_SINGLE_SHARE * of.size,
      ...(any !== null && { anyPort: { sourcePorts: servicePorts(fromPorts.get(key), d.packets) } }),
    });
  }
  if (targets.length === 0) return { targets, aimsAt: () => false };
  // Any connection to the target's port counts: a spoofed source's stray reset is the flood's too;
  // at any port, the datagrams sent at it (not those written the other way round: the target sent nothing).
  return {
    targets,
    aimsAt: (c) =>
      ((c.proto === 'tcp' || c.proto === 'udp') && keys.has(destinationKey(c))) ||
      (anyPort.size > 0 && anyPort.has(`${c.proto} ${c.respH}`) && cameAt(c)?.key === `${c.proto} ${c.respH}`),
  };
}

/** Source ports of a flood at any port when a few of them (SERVICE_PORTS at most) sent most of its datagrams, the commonest first; else none. */
function servicePorts(ports: ReadonlyMap<number, number> | undefined, datagrams: number): number[] {
  if (ports === undefined) return [];
  const commonest = [...ports].sort((a, b) => b[1] - a[1]).slice(0, SERVICE_PORTS);
  const sent = commonest.reduce((n, [, d]) => n + d, 0);
  return sent >= SERVICE_SHARE * datagrams ? commonest.map(([port]) => port) : [];
}

/**
 * A flood at any port of an address comes at least this fast: answers to what was never asked
 * arrive by the thousand a second in a reflection flood, and a capture of one direction alone
 * shows a busy host's answers so too — but not this fast over its whole span.
 */
const ANY_PORT_RATE = 10 * FLOOD_RATE;

/** A reflection flood's datagrams come from this many service ports at most, this share of them. */
const SERVICE_PORTS = 3;
const SERVICE_SHARE = 0.8;

/** Whether every one of a host's connections (`positions`, at least one) is an attempt at a flood's target: the flood's source, nothing else. */
export function onlyFloodSource(connections: ConnectionList, positions: readonly number[], floods: FloodTargets): boolean {
  if (floods.targets.length === 0 || positions.length === 0) return false;
  for (const i of positions) if (!floods.aimsAt(connections.peek(i))) return false;
  return true;
}

/** Where a flood target was flooded, in words: "10.10.10.10:25565", "10.10.10.1:30120 (UDP)", "10.10.10.10 (UDP, any port)". */
export function floodTargetPlace(t: FloodTarget): string {
  if (t.anyPort !== undefined) return `${t.target} (${t.proto.toUpperCase()}, any port)`;
  return `${endpoint(t.target, t.port)}${t.proto === 'udp' ? ' (UDP)' : ''}`;
}

/** What a flood target's `packets` count, many of them: "SYNs", "UDP datagrams", "SYN-ACKs and resets". */
export function floodUnits(t: FloodTarget): string {
  return t.unit === 'SYN-ACK or reset' ? 'SYN-ACKs and resets' : `${t.unit}s`;
}
