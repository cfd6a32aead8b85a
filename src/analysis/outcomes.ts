/**
 * Outcomes: what became of each of a host's connections and UDP flows — established (a UDP flow:
 * answered), reset (by whom), refused by ICMP, unanswered — and which of them are attempts: a SYN retransmission emitted as a
 * connection of its own is not a new attempt, and an attempt in a capture's last seconds was
 * cut off by its end, not left unanswered (a log's rows are final: never cut off).
 */
import { ConnectionStore, listOf, viewOf, type ConnectionList } from '../flows/store.js';
import { SYN_RETRY_SECONDS, type Connection } from '../flows/connection.js';
import type { AttributedReset, Refusals } from './attribution.js';
import type { ProxyIndex } from './proxies.js';
import type { Attempt } from './types.js';
import { isEchoRequest } from './udp.js';
import { Recent } from '../recent.js';
import { bareSegments, closedPort, ScannedPorts } from './scanned.js';

/** What came of an attempt, as the analysis judges it (an attempt `abandoned` is one of the `unanswered`: abandonedByClient). */
export type Outcome = Exclude<Attempt['outcome'], 'abandoned'>;

/**
 * An attempt this close to the capture's end that got nothing was cut off by the end of the
 * capture, not left unanswered (Zeek's attempt delay: 5 s before an S0 attempt counts as such).
 */
export const CUT_OFF_SECONDS = 5;

/**
 * An unanswered attempt started at or after `cutOffAfter` (the capture's end less CUT_OFF_SECONDS)
 * was cut off by the end of the capture. A stream of datagrams (more than a client's retries)
 * waits for no answer: it is what it is; and a log's rows are final, never cut off — but for rows
 * of packets a capture showed (their originator's TTL known: callhome's own conn.log of a capture,
 * read back), which end where the capture did.
 */
export function cutOffByEnd(c: Connection, cutOffAfter: number, loggedInputs: ReadonlySet<number> | undefined): boolean {
  return (
    c.ts >= cutOffAfter &&
    !(c.proto === 'udp' && c.origPkts > UDP_RETRIES) &&
    (loggedInputs?.has(c.capture) !== true || c.origTtl >= 0) &&
    !abandonedByClient(c)
  );
}

/**
 * An attempt its client reset itself before anything came back (Zeek: RSTOS0, history "SR"): the
 * client gave up on it — it ended there, however close to the capture's end, and no answer was
 * coming that the network or the server held back.
 */
export function abandonedByClient(c: Connection): boolean {
  return c.proto === 'tcp' && c.respPkts === 0 && c.resets.some((r) => r.kind === 'rst' && r.fromOriginator);
}

/** Attempts abandonedByClient, in the words of every count and sentence that says them apart. */
export const ABANDONED = 'abandoned by the client';

/** Refusals known only from a firewall's denied lines (DestinationGroup.denied), as every report says them. */
export const DENIED_IN_LOG = "denied in the firewall's log";

/** Whether a connection's refusal is a firewall log's denial (DENIED_IN_LOG), no packet of it seen. */
export const deniedInLog = (refusal: AttributedReset | undefined): boolean => refusal?.reset.kind === 'log';

/** Connections of one host held as objects while it is analysed; a host with more reads them from the store as needed. */
export const MAX_HELD_CONNECTIONS = 50_000;

/**
 * How far before its SYN a reset may be stamped and still be its answer: an aggregating tap stamps
 * its two directions apart by up to a millisecond or so, a capture from several queues a few.
 */
export const REPLY_AHEAD_SECONDS = 0.05;
/** How long after an unanswered SYN a reset the tracker could not join to it (written before it in the file) still answers it. */
export const REPLY_AFTER_SECONDS = 1;

/** Datagrams a UDP client sends for one question before it gives up (a stub resolver: 2–4). */
const UDP_RETRIES = 4;

/**
 * One host's connections in time order, as parallel arrays (position = item): a host may have
 * millions of connections, and one object per connection would be garbage-collected work.
 */
export interface Items {
  n: number;
  conn: ConnectionList;
  outcome: Outcome[];
  refusal: (AttributedReset | undefined)[];
  viaProxy: Uint8Array;
  attempt: Uint8Array;
  /**
   * Positions of the probes without a SYN (probeShaped, withProbesAbove), in order: no
   * attempts, but a scan's (tally.ts).
   */
  probes: number[];
  /**
   * Positions of the unanswered attempts in the capture's last seconds, in order: their outcome
   * is unknown, so they are left out of every count of outcomes — but they were sent, and a
   * flood's rate counts them (tally.ts).
   */
  cutOff: number[];
}

export interface OutcomeContext {
  proxies: ProxyIndex;
  /** Parallel to the connections. */
  refusals: Refusals;
  /** Time of the capture's last packet. */
  captureEnd?: number;
  /**
   * Inputs whose rows are records their writer closed (Zeek logs, firewall logs; by
   * `Connection.capture`): an unanswered row at their end is final — Zeek writes an S0 row once
   * its own attempt timer ran out — and is never taken for one cut off by the end of a capture.
   */
  loggedInputs?: ReadonlySet<number>;
  /** A host's connections held as objects at most (MAX_HELD_CONNECTIONS by default). */
  maxHeldConnections?: number;
}

export function outcomeOf(c: Connection, refusal: AttributedReset | undefined): Outcome {
  if (refusal !== undefined) {
    if (refusal.reset.kind === 'icmp') return 'refused-icmp';
    if (refusal.attribution === 'middlebox') return 'reset-middlebox';
    if (c.established && refusal.reset.stage !== 'syn') return 'established';
    return refusal.attribution === 'endpoint' ? 'reset-endpoint' : 'reset-unknown';
  }
  return c.established || oneDirectionEstablished(c.history) || (c.proto === 'icmp' && c.respPkts > 0) ? 'established' : 'unanswered';
}

/**
 * The originator acknowledged or sent data after its SYN: the handshake completed in a direction
 * the capture did not see (half-duplex capture, asymmetric routing), so the attempt was answered.
 * Zeek history: upper case is the originator; 'A' ack, 'D' data.
 */
function oneDirectionEstablished(history: string): boolean {
  return history.charCodeAt(0) === 83 /* S */ && (history.indexOf('A', 1) > 0 || history.indexOf('D', 1) > 0);
}

/**
 * Whether a connection opens an attempt: a SYN (or a history that starts with one), or a UDP flow
 * (udp.ts chose the flows the analysis reads) its originator sent in, or a ping — not one seen
 * without its opening (a stray ACK a firewall denied for want of a connection, an ICMP error or
 * echo reply), nor a UDP flow Zeek wrote the other way round whose originator sent nothing
 * (history `^d`: datagrams from a service's port to a client's, as a reflection flood's servers
 * send them at their target).
 */
export function opensAttempt(c: Connection): boolean {
  if (c.proto === 'udp') return !(c.origPkts === 0 && c.respPkts > 0 && c.history.startsWith('^'));
  return c.synCount > 0 || c.history.startsWith('S') || isEchoRequest(c);
}

/**
 * A probe without a SYN — nmap's ACK, FIN, NULL, Xmas and window scans: bare segments
 * (bareSegments), never a connection, and no attempt (opensAttempt) — sent from a high port to a
 * lower one (the service's side), or to any port of an address the host is scanning
 * (ScannedPorts): a server's stray ACKs and FINs to its clients go from its own port up to their
 * ephemeral ones, and are no probes. A log's rows are not read so: a firewall logs the stray
 * packets of connections it forgot.
 */
function probeShaped(c: Connection, ctx: OutcomeContext): boolean {
  return bareSegments(c) && ctx.loggedInputs?.has(c.capture) !== true;
}

/**
 * Items.probes with the bare segments sent to a port above their source port (`above`, in order)
 * that went to an address where the host found SCAN_PORTS ports closed (closedPort): the scan's
 * probes of the ports of its list above its source port. Read again only for the addresses of
 * those segments, and only when there are some.
 */
function withProbesAbove(items: Items, above: readonly number[]): number[] {
  const addresses = new Set<string>();
  for (const i of above) addresses.add(items.conn.peek(i).respH);
  const scanned = new ScannedPorts();
  for (let i = 0; i < items.n; i++) {
    const c = items.conn.peek(i);
    if (addresses.has(c.respH) && closedPort(c)) scanned.add(c.respH, c.respP);
  }
  if (!scanned.any) return items.probes;
  const probes = [...items.probes, ...above.filter((i) => scanned.has(items.conn.peek(i).respH))];
  return probes.sort((a, b) => a - b);
}

/**
 * Whether a reset turned a connection away: not one that came after it had closed (stage 'late':
 * after a FIN, or long after the last packet — a load balancer cleaning up a session that got its
 * answer) or with nothing of it before (stage 'unprompted': a late reset of a connection already
 * gone, one sent back to a spoofed address).
 */
export function refusedSomething(refusal: AttributedReset): boolean {
  return refusal.reset.kind !== 'rst' || (refusal.reset.stage !== 'late' && refusal.reset.stage !== 'unprompted');
}

/** Refused by a device in the path. */
export function middleboxOutcome(outcome: Outcome, refusal: AttributedReset | undefined): boolean {
  return outcome === 'reset-middlebox' || (outcome === 'refused-icmp' && refusal?.attribution === 'middlebox');
}

/**
 * Failed because something in the path stopped it (DESIGN.md: `blocked`): not an attempt its
 * client abandoned (abandonedByClient), which nothing was seen to stop.
 */
export function blockedOutcome(outcome: Outcome, refusal: AttributedReset | undefined, c: Connection): boolean {
  return (outcome === 'unanswered' && !abandonedByClient(c)) || middleboxOutcome(outcome, refusal);
}

/**
 * The acknowledgement number of the reset that refused a connection's SYN (the SYN's sequence
 * number plus one), or -1 when the refusal is no reset of a SYN that acknowledges it.
 */
function refusedSynAck(refusal: AttributedReset | undefined): number {
  const r = refusal?.reset;
  return r !== undefined && r.kind === 'rst' && r.stage === 'syn' && !r.ackZero && r.ack >= 0 ? r.ack : -1;
}

/** A connection's responder and ports, as the key of what a host did last there. */
const portsKey = (c: Connection): string => `${c.respH}|${c.respP}|${c.origP}`;

/** The outcome of each of a host's connections (`indices`, in time order) and which are attempts. */
export function connectionOutcomes(connections: ConnectionList, indices: readonly number[], ctx: OutcomeContext): Items {
  const n = indices.length;
  // A host's connections are held as objects while it is analysed — unless it has so many (a
  // scanner's millions) that they are read from the store again each time they are needed.
  const held = n <= (ctx.maxHeldConnections ?? MAX_HELD_CONNECTIONS) ? new Array<Connection>(n) : null;
  // Its rows read from memory many at a time before the passes over them (a firewall log's host
  // has thousands, lying among every other host's).
  if (held !== null && connections instanceof ConnectionStore) connections.warm(indices);
  const items: Items = {
    n,
    conn: held !== null ? listOf(held) : viewOf(connections, indices),
    outcome: new Array<Outcome>(n),
    refusal: new Array<AttributedReset | undefined>(n),
    viaProxy: new Uint8Array(n),
    attempt: new Uint8Array(n),
    probes: [],
    cutOff: [],
  };
  // What a host did last per responder and ports, each made at its first use (most hosts of a
  // network have none): its unanswered attempt's end (SYN retransmissions the tracker emitted as
  // connections of their own), its refused SYN (the reset's ack) and end, a responder's reset
  // with no SYN before it (the item), its unanswered attempt (the item, for a reset its file put
  // after it).
  const startOf = (j: number): number => connections.start(indices[j]!);
  let lastUnanswered: Recent<{ end: number; synSeq: number }> | null = null;
  let lastRefused: Recent<{ ack: number; end: number }> | null = null;
  let orphanResets: Recent<number> | null = null;
  let unansweredBefore: Recent<number> | null = null;
  const cutOffItems = new Set<number>();
  // Bare segments to a port above their source port: probes if their address is scanned (withProbesAbove).
  let above: number[] | null = null;
  const anyProxy = ctx.proxies.proxies.length > 0;
  const cutOffAfter = (ctx.captureEnd ?? Infinity) - CUT_OFF_SECONDS;
  for (let i = 0; i < n; i++) {
    const index = indices[i]!;
    // Held, or read and let go (nothing below reads another connection).
    const c = held !== null ? connections.get(index) : connections.peek(index);
    const viaProxy = anyProxy && ctx.proxies.isProxy(c.respH, c.respP);
    let refusal = ctx.refusals.at(index);
    let outcome = outcomeOf(c, refusal);
    let attempt = opensAttempt(c);
    // (Read now: below, the view may move.)
    const probe = !attempt && probeShaped(c, ctx);
    const below = c.respP < c.origP;
    let key: string | null = null;
    if (!attempt && refusal !== undefined && refusal.reset.kind === 'rst' && !refusal.reset.fromOriginator) {
      key = portsKey(c);
      // A reset written to the file before its SYN but stamped after it: the SYN's attempt, just before.
      const at = refusal.reset.ts;
      const before = unansweredBefore?.get(key, at);
      if (before !== undefined && items.outcome[before] === 'unanswered' && items.refusal[before] === undefined && at >= startOf(before)) {
        // It refused that SYN, after it: the tracker, meeting it first, could only call it unprompted.
        refusal = { ...refusal, reset: { ...refusal.reset, stage: 'syn', delay: at - startOf(before) } };
        items.refusal[before] = refusal;
        items.outcome[before] = outcomeOf(held !== null ? held[before]! : connections.get(indices[before]!), refusal);
        // Answered after all: not cut off by the end of the capture.
        if (cutOffItems.delete(before)) items.attempt[before] = 1;
        unansweredBefore!.delete(key);
        refusal = undefined;
        outcome = 'unanswered';
      } else {
        orphanResets ??= new Recent(REPLY_AHEAD_SECONDS, (j) => items.refusal[j]!.reset.ts);
        orphanResets.set(key, i, c.ts);
      }
    } else if (attempt && outcome === 'unanswered' && orphanResets !== null) {
      // The reset that refused this SYN, stamped just before it: a tap whose two directions are
      // stamped apart, a capture written from several queues. It is this attempt's refusal; the
      // connection the tracker made of the reset alone is left without it.
      key = portsKey(c);
      const j = orphanResets.get(key, c.ts);
      const orphan = j === undefined ? undefined : items.refusal[j];
      if (j !== undefined && orphan !== undefined && c.ts >= orphan.reset.ts) {
        // It refused this SYN: the tracker, meeting it first, could only call it unprompted.
        refusal = { ...orphan, reset: { ...orphan.reset, stage: 'syn', ahead: true } };
        outcome = outcomeOf(c, refusal);
        items.refusal[j] = undefined;
        items.outcome[j] = 'unanswered';
        orphanResets.delete(key);
      }
    }
    if (outcome === 'unanswered' && attempt) {
      key ??= portsKey(c);
      unansweredBefore ??= new Recent(REPLY_AFTER_SECONDS, startOf);
      unansweredBefore.set(key, i, c.ts);
      // A SYN retransmission the tracker emitted as a connection of its own is not a new attempt;
      // a SYN with another initial sequence number is (software bound to one source port that
      // connects again), when the capture shows both.
      lastUnanswered ??= new Recent(SYN_RETRY_SECONDS, (last) => last.end);
      // Pings are each an attempt of their own: an echo request is never sent again.
      const last = c.proto === 'icmp' ? undefined : lastUnanswered.get(key, c.ts);
      const synSeq = c.synSeq ?? -1;
      if (last !== undefined && (last.synSeq < 0 || synSeq < 0 || last.synSeq === synSeq)) attempt = false;
      lastUnanswered.set(key, { end: c.lastTs, synSeq }, c.ts);
      // Cut off by the end of the capture: neither answered nor unanswered, not counted.
      if (attempt && cutOffByEnd(c, cutOffAfter, ctx.loggedInputs)) {
        attempt = false;
        cutOffItems.add(i);
      }
    }
    const resetAck = attempt ? refusedSynAck(refusal) : -1;
    if (resetAck >= 0) {
      // Windows answers a reset to its SYN by sending the same SYN again, twice, half a second
      // apart (Microsoft KB 175523): the same attempt, the tracker's (and Zeek's) new connection
      // for each. A SYN of the same ports with another sequence number is a new attempt.
      key ??= portsKey(c);
      lastRefused ??= new Recent(SYN_RETRY_SECONDS, (last) => last.end);
      if (lastRefused.get(key, c.ts)?.ack === resetAck) attempt = false;
      lastRefused.set(key, { ack: resetAck, end: c.lastTs }, c.ts);
    }
    if (held !== null) held[i] = c;
    items.outcome[i] = outcome;
    items.refusal[i] = refusal;
    items.viaProxy[i] = viaProxy ? 1 : 0;
    items.attempt[i] = attempt ? 1 : 0;
    if (probe && below) items.probes.push(i);
    else if (probe) (above ??= []).push(i);
  }
  // In order: positions were added as they came, and a Set keeps that order.
  items.cutOff = [...cutOffItems];
  if (above !== null) items.probes = withProbesAbove(items, above);
  return items;
}
