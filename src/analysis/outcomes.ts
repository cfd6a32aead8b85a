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

export type Outcome = Attempt['outcome'];

/**
 * An attempt this close to the capture's end that got nothing was cut off by the end of the
 * capture, not left unanswered (Zeek's attempt delay: 5 s before an S0 attempt counts as such).
 */
export const CUT_OFF_SECONDS = 5;

/** Connections of one host held as objects while it is analysed; a host with more reads them from the store as needed. */
export const MAX_HELD_CONNECTIONS = 50_000;

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
  /** Unanswered attempts in the capture's last seconds, left out of every count. */
  cutOff: number;
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
  return c.established || oneDirectionEstablished(c.history) ? 'established' : 'unanswered';
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
 * (udp.ts chose the flows the analysis reads) — not one seen without its opening (a stray ACK a
 * firewall denied for want of a connection, an ICMP message).
 */
export function opensAttempt(c: Connection): boolean {
  return c.proto === 'udp' || c.synCount > 0 || c.history.startsWith('S');
}

/** Refused by a device in the path. */
export function middleboxOutcome(outcome: Outcome, refusal: AttributedReset | undefined): boolean {
  return outcome === 'reset-middlebox' || (outcome === 'refused-icmp' && refusal?.attribution === 'middlebox');
}

/** Failed because something in the path stopped it (DESIGN.md: `blocked`). */
export function blockedOutcome(outcome: Outcome, refusal: AttributedReset | undefined): boolean {
  return outcome === 'unanswered' || middleboxOutcome(outcome, refusal);
}

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
    cutOff: 0,
  };
  // Last unanswered attempt's end per responder, ports: only the last SYN_RETRY_SECONDS matter,
  // older ones are swept out (a scan's million responders would fill it). Made at the host's
  // first unanswered attempt: most hosts of a network have none.
  let lastUnanswered: Map<string, number> | null = null;
  let sweepAt = 0;
  const anyProxy = ctx.proxies.proxies.length > 0;
  const cutOffAfter = (ctx.captureEnd ?? Infinity) - CUT_OFF_SECONDS;
  for (let i = 0; i < n; i++) {
    const index = indices[i]!;
    // Held, or read and let go (nothing below reads another connection).
    const c = held !== null ? connections.get(index) : connections.peek(index);
    const viaProxy = anyProxy && ctx.proxies.isProxy(c.respH, c.respP);
    const refusal = ctx.refusals.at(index);
    const outcome = outcomeOf(c, refusal);
    let attempt = opensAttempt(c);
    if (outcome === 'unanswered' && attempt) {
      // A SYN retransmission the tracker emitted as a connection of its own is not a new attempt.
      lastUnanswered ??= new Map<string, number>();
      if (lastUnanswered.size >= sweepAt) {
        for (const [key, end] of lastUnanswered) if (c.ts - end > SYN_RETRY_SECONDS) lastUnanswered.delete(key);
        sweepAt = Math.max(4096, lastUnanswered.size * 2);
      }
      const key = `${c.respH}|${c.respP}|${c.origP}`;
      const previousEnd = lastUnanswered.get(key);
      if (previousEnd !== undefined && c.ts - previousEnd <= SYN_RETRY_SECONDS) attempt = false;
      lastUnanswered.set(key, c.lastTs);
      // Cut off by the end of the capture: neither answered nor unanswered, not counted. A stream
      // of datagrams (more than a client's retries) waits for no answer: it is what it is.
      if (attempt && c.ts >= cutOffAfter && !(c.proto === 'udp' && c.origPkts > UDP_RETRIES) && ctx.loggedInputs?.has(c.capture) !== true) {
        attempt = false;
        items.cutOff++;
      }
    }
    if (held !== null) held[i] = c;
    items.outcome[i] = outcome;
    items.refusal[i] = refusal;
    items.viaProxy[i] = viaProxy ? 1 : 0;
    items.attempt[i] = attempt ? 1 : 0;
  }
  return items;
}
