/**
 * What UDP and ICMP tracking share. Neither has a handshake or a close: a connection is the
 * packets between two endpoints (ICMP: with its type and code standing in for ports) until it
 * has been idle for its inactivity timeout, Zeek's udp_inactivity_timeout /
 * icmp_inactivity_timeout.
 */

import type { Packet } from '../decode/packet.js';
import { Endpoint, Flow, KIND_UDP, noteLogged } from './flow.js';
import { noteSender } from './resets.js';
import type { ConnectionTable, Match } from './table.js';
import { ICMP_INACTIVITY_TIMEOUT, UDP_INACTIVITY_TIMEOUT } from './timeouts.js';

function inactivityTimeout(f: Flow): number {
  return f.kind === KIND_UDP ? UDP_INACTIVITY_TIMEOUT : ICMP_INACTIVITY_TIMEOUT;
}

/** Has the UDP or ICMP connection `f` been idle past its timeout at `now`? */
export function datagramOver(f: Flow, now: number): boolean {
  return now >= datagramOverFrom(f);
}

/** When the UDP or ICMP connection `f` is over, no packet of it arriving before. */
export function datagramOverFrom(f: Flow): number {
  return f.lastTs + inactivityTimeout(f);
}

/**
 * The ongoing connection of datagram `p` from `sport` to `dport` (direction in `match`), or null
 * when there is none or it idled out — then it is emitted, and the caller starts a new one.
 */
export function ongoingDatagram(table: ConnectionTable, match: Match, p: Packet, kind: number, sport: number, dport: number): Flow | null {
  const flow = table.lookup(match, kind, p.ipVersion, p.src4 | 0, p.src6, sport, p.dst4 | 0, p.dst6, dport);
  if (flow === null) return null;
  if (table.clock >= flow.lastTs + inactivityTimeout(flow)) {
    table.remove(flow);
    return null;
  }
  table.touch(flow);
  return flow;
}

/** Count datagram `p` for its sender's side of `flow` (checksum or not); returns that side. */
export function countDatagram(flow: Flow, p: Packet, fromOrig: boolean): Endpoint {
  const e = fromOrig ? flow.orig : flow.resp;
  if (p.ts > flow.lastTs) flow.lastTs = p.ts;
  e.pkts++;
  e.ipBytes += p.ipLength;
  return e;
}

/** A datagram accepted as its side's traffic: `payloadBytes` counted, the sender's evidence noted. */
export function acceptDatagram(flow: Flow, e: Endpoint, p: Packet, fromOrig: boolean, payloadBytes: number): void {
  e.active = true;
  e.payloadBytes += payloadBytes;
  noteSender(flow, e, p, false, fromOrig);
  if (!fromOrig) flow.established = true;
  else if (e.pkts === 1) noteLogged(flow, p);
}
