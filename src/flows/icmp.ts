/**
 * ICMP conversations, Zeek's way: the originator's type is the "source port" and the
 * counterpart type (echo → echo reply) the "destination port", so a request and its reply are
 * one connection; a message without counterpart is one-way, its code as destination port. An
 * ICMP destination unreachable that quotes a TCP or UDP header is also evidence on the connection
 * it refused.
 */

import { IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from '../decode/packet.js';
import { acceptDatagram, countDatagram, ongoingDatagram } from './datagram.js';
import { KIND_ICMP, KIND_TCP, KIND_UDP, type Flow } from './flow.js';
import { icmp4Counterpart, icmp6Counterpart } from './ports.js';
import { addReset, heldKey, resetStage } from './resets.js';
import type { ConnectionTable, Match } from './table.js';
import { noteUdpBurst } from './peeks.js';

const ICMP_ECHO_REQUEST = 8;
const ICMP6_ECHO_REQUEST = 128;

/** Track ICMP or ICMPv6 message `p`. */
export function trackIcmp(table: ConnectionTable, match: Match, p: Packet): Flow {
  const v6 = p.proto === IPPROTO_ICMPV6;
  const counterpart = v6 ? icmp6Counterpart(p.icmpType) : icmp4Counterpart(p.icmpType);
  const oneWay = counterpart < 0;
  const respPort = oneWay ? p.icmpCode : counterpart;
  let flow = ongoingDatagram(table, match, p, KIND_ICMP, p.icmpType, respPort);
  let fromOrig = match.fromOrig;
  if (flow === null) {
    flow = table.create(p, KIND_ICMP, p.icmpType, respPort, oneWay);
    fromOrig = true;
  }
  const e = countDatagram(flow, p, fromOrig);
  // A ping sent again and again in one conversation (one identifier, a ping every 20 s): each
  // request after a second of silence is a burst, as a UDP client's datagrams are.
  if (fromOrig && p.icmpType === (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST)) noteUdpBurst(flow, p.ts, flow.orig.lastTs);
  const body = p.ipLength - p.ipHeaderLength - 8;
  acceptDatagram(flow, e, p, fromOrig, body > 0 ? body : 0);

  if (p.quoted.present && (p.quoted.proto === IPPROTO_TCP || p.quoted.proto === IPPROTO_UDP) && p.quoted.sport >= 0 && refuses(p, v6)) {
    tieIcmpError(table, match, p);
  }
  return flow;
}

const ICMP_UNREACHABLE = 3;
const ICMP_FRAGMENTATION_NEEDED = 4;
const ICMP6_UNREACHABLE = 1;

/**
 * Whether an ICMP error refuses the packet it quotes: destination unreachable (RFC 792, RFC 4443
 * §3.1) — but not "fragmentation needed", path MTU discovery's word (RFC 1191), after which the
 * sender goes on in smaller packets. Time exceeded (a traceroute's probes, a routing loop),
 * redirects, source quench, parameter problems and ICMPv6's packet too big refuse nothing: a
 * connection that met one is judged by what else came of it.
 */
function refuses(p: Packet, v6: boolean): boolean {
  if (v6) return p.icmpType === ICMP6_UNREACHABLE;
  return p.icmpType === ICMP_UNREACHABLE && p.icmpCode !== ICMP_FRAGMENTATION_NEEDED;
}

/** An ICMP error quoting a TCP/UDP header: evidence on the connection it refused. */
function tieIcmpError(table: ConnectionTable, match: Match, p: Packet): void {
  const q = p.quoted;
  const kind = q.proto === IPPROTO_TCP ? KIND_TCP : KIND_UDP;
  if (q.dport < 0) {
    // The quote cut short after the source port (a snap length of 64): the connection opened
    // lately from that address and port to that address, whatever its destination port.
    const opened = q.ipVersion === 4 ? table.openedFrom(kind, q.src4, q.sport, q.dst4) : null;
    if (opened !== null) refuse(opened, true, p);
    return;
  }
  const flow = table.lookup(match, kind, q.ipVersion, q.src4 | 0, q.src6, q.sport, q.dst4 | 0, q.dst6, q.dport);
  if (flow === null) {
    // Ahead of the packet it refused (a tap's two directions stamped apart, several capture
    // queues): held until that packet opens its connection.
    const key = heldKey(kind === KIND_TCP, q.ipVersion, q.src4, q.src6, q.sport, q.dst4, q.dst6, q.dport);
    const fromSender = q.ipVersion === 6 ? sameBytes(p.src6, q.src6) : q.ipVersion === 4 && p.src4 >>> 0 === q.src4 >>> 0;
    table.heldRefusals.hold(key, p, fromSender, q.seq);
    return;
  }
  refuse(flow, match.fromOrig, p);
}

/** ICMP error `p` as a refusal of `flow`'s packet it quotes, sent by the originator when `quotedFromOrig`. */
function refuse(flow: Flow, quotedFromOrig: boolean, p: Packet): void {
  // The ICMP stands in for the quoted packet's destination; it answers the quoted packet's sender.
  const answered = quotedFromOrig ? flow.orig : flow.resp;
  const fromOriginatorAddress = p.ipVersion === 6 ? flow.isOrig6(p.src6) : p.ipVersion === 4 && flow.origA4 === (p.src4 | 0);
  const stage = resetStage(flow, p.ts, answered.lastTs);
  addReset(flow, p, 'icmp', fromOriginatorAddress, quotedFromOrig ? 2 : 1, answered.lastTs, stage, p.quoted.seq);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
