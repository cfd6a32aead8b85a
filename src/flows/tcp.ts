/**
 * TCP connections, Zeek's way: per-endpoint states, the history letters, sequence-based
 * byte counts and content gaps, following Zeek's TCPSessionAdapter::Process / UpdateStateMachine
 * (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc), TCP_Endpoint::Size and the gap
 * accounting of TCP_Reassembler (src/analyzer/protocol/tcp/); the timers that end a connection;
 * and what callhome notes on the way (SYN retransmissions, handshake time, resets, payload peeks).
 */

import type { Packet } from '../decode/packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/tcp.js';
import type { ConnState } from './connection.js';
import {
  Endpoint,
  Flow,
  HIST_ACK_PKT,
  HIST_DATA_PKT,
  HIST_FIN_PKT,
  HIST_FIN_RST_PKT,
  HIST_MULTI_FLAG_PKT,
  HIST_RST_PKT,
  HIST_SYN_PKT,
  KIND_TCP,
  noteLogged,
  scaledHistory,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_PARTIAL,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
} from './flow.js';
import { notePayload } from './peeks.js';
import { addReset, heldKey, noteSender, resetStage } from './resets.js';
import type { ConnectionTable, Match } from './table.js';
import {
  TCP_CLOSE_DELAY,
  TCP_CONNECTION_LINGER,
  TCP_EXCESSIVE_DATA_WITHOUT_FURTHER_ACKS,
  TCP_MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS,
  TCP_MAX_INITIAL_WINDOW,
  TCP_SESSION_TIMER,
  TCP_SYN_TIMEOUT,
  TCP_ATTEMPT_DELAY,
  TCP_INACTIVITY_TIMEOUT,
  UDP_INACTIVITY_TIMEOUT,
} from './timeouts.js';

const TOO_LARGE_SEQ_DELTA = 1048576;

/**
 * What a state update decides about the packet's sender, as bits (a number: nothing allocated
 * per packet). CLOSE: the sender closed or reset its side (Zeek's do_close); CLOSE_EVENT: a
 * close that ends an active connection (gen_event), not a rejected attempt.
 */
const CLOSE = 1;
const CLOSE_EVENT = 2;

/**
 * Track TCP segment `p`: find its connection (or start one, guessing the originator from the
 * ports when the first packet is not a SYN), run the state machine, and note callhome's
 * evidence. `serverPorts` marks the ports a server likely listens on.
 */
export function trackTcp(table: ConnectionTable, match: Match, p: Packet, serverPorts: Uint8Array): Flow {
  let flow = table.lookup(match, KIND_TCP, p.ipVersion, p.src4 | 0, p.src6, p.sport, p.dst4 | 0, p.dst6, p.dport);
  if (flow !== null && ((mayHaveExpired(flow, table.clock) && tcpExpired(flow, table.clock)) || tcpIsReuse(flow, p))) {
    table.remove(flow);
    flow = null;
  }
  let fromOrig = match.fromOrig;
  let opened = false;
  if (flow === null) {
    flow = table.create(p, KIND_TCP, p.sport, p.dport, false);
    fromOrig = true;
    const flags = p.tcpFlags;
    const syn = (flags & TCP_SYN) !== 0;
    opened = syn && (flags & TCP_ACK) === 0;
    if (!syn || (flags & TCP_ACK) !== 0) {
      // Not an initial SYN: guess the true responder from the ports (TCPAnalyzer::WantConnection).
      let flip = false;
      if (serverPorts[p.sport] === 1) {
        flip = serverPorts[p.dport] === 1 ? !syn && p.sport < p.dport : true;
      }
      if (flip && !(p.ipVersion === 4 && p.dst4 === 0xffffffff)) {
        flow.flip();
        fromOrig = false;
      }
    }
  } else {
    table.touch(flow);
  }

  if (!p.transportChecksumOk) {
    tcpChecksumError(flow, fromOrig);
    return flow;
  }

  const flags = p.tcpFlags;
  const rst = (flags & TCP_RST) !== 0;
  // The other side's latest packet, before this one is counted (for reset delays).
  // (Read only for a reset: a time held across the calls below would be boxed on every packet.)
  const otherLast = rst ? (fromOrig ? flow.resp : flow.orig).lastTs : -1;
  const stageBefore = rst ? resetStage(flow, p.ts, otherLast) : 'data';

  fromOrig = processTcp(flow, p, fromOrig);
  // A flip during processing swaps the endpoints' roles, not the objects.
  const sender = fromOrig ? flow.orig : flow.resp;

  noteSender(flow, sender, p, rst, fromOrig);
  const syn = (flags & TCP_SYN) !== 0;
  const ack = (flags & TCP_ACK) !== 0;
  if (syn && !ack && fromOrig) {
    flow.synCount++;
    noteLogged(flow, p);
    if (flow.firstSynTs < 0) {
      flow.firstSynTs = p.ts;
      flow.firstSynSeq = p.seq >>> 0;
    }
  }
  if (syn && ack && !fromOrig && flow.handshakeRtt === null && flow.firstSynTs >= 0) {
    flow.handshakeRtt = Math.max(0, p.ts - flow.firstSynTs);
  }
  // The responder answered with something other than a reset (a SYN-ACK, or anything mid-stream).
  if (!fromOrig && !rst) flow.established = true;
  if ((flags & TCP_FIN) !== 0) flow.sawFin = true;

  if (rst) {
    addReset(flow, p, 'rst', fromOrig, fromOrig ? 1 : 2, otherLast, stageBefore);
  } else if (p.payloadLength > 0) {
    notePayload(flow, p, fromOrig);
  }
  if (opened) {
    table.noteOpened(flow);
    // An ICMP refusal of this SYN seen ahead of it.
    if (table.heldRefusals.any)
      table.heldRefusals.claim(flow, heldKey(true, p.ipVersion, p.src4, p.src6, p.sport, p.dst4, p.dst6, p.dport), p, true);
  }
  return flow;
}

/**
 * Cheap necessary condition for tcpExpired at `now` (a timer due, or idle past
 * tcp_connection_linger): most packets arrive well inside every timer and skip the full check.
 * The attempt timer counts only while the attempt is unanswered, as in tcpExpired: a connection
 * answered stays past its attempt time for all its later packets, and each made the full check
 * (a call that boxed the time).
 */
function mayHaveExpired(f: Flow, now: number): boolean {
  return (
    now >= f.deleteAt ||
    (f.attemptAt > 0 && now >= f.attemptAt && f.resp.state === TCP_INACTIVE) ||
    (f.closeCheckFrom !== -2 && now > f.lastTs + TCP_CONNECTION_LINGER)
  );
}

function peerOf(flow: Flow, e: Endpoint): Endpoint {
  return e === flow.orig ? flow.resp : flow.orig;
}

function isHandshake(state: number): boolean {
  return state === TCP_INACTIVE || state === TCP_SYN_SENT || state === TCP_SYN_ACK_SENT;
}

/** TCP_Endpoint::SetState: leaving the handshake switches to the long inactivity timeout. */
function setState(flow: Flow, e: Endpoint, state: number): void {
  if (state === e.state) return;
  if (!isHandshake(state) && isHandshake(e.state) && isHandshake(peerOf(flow, e).state)) flow.handshakeDone = true;
  e.prevState = e.state;
  e.state = state;
}

/**
 * Does this SYN start a new connection on the same 4-tuple (TCPSessionAdapter::IsReuse)? A SYN
 * (or, for a half connection, a SYN-ACK) after either side closed, or with a different initial
 * sequence number, does; a retransmitted SYN does not.
 */
export function tcpIsReuse(flow: Flow, p: Packet): boolean {
  const flags = p.tcpFlags;
  if ((flags & TCP_SYN) === 0) return false;
  let connOrig = flow.orig;
  if ((flags & TCP_ACK) !== 0) {
    if (flow.orig.state !== TCP_INACTIVE) return false; // not a half connection
    connOrig = flow.resp;
  }
  if (!flow.orig.didClose && !flow.resp.didClose) {
    const base = p.seq | 0;
    if (base === connOrig.startSeq) return false;
    if ((flags & TCP_ACK) === 0 && connOrig.state === TCP_SYN_ACK_SENT && flow.resp.state === TCP_INACTIVE && base === flow.resp.startSeq) {
      return false; // SYN and SYN-ACK seen in reverse order: handled as a flip
    }
  }
  return true;
}

/** A bad transport checksum: recorded as C / c, the packet otherwise ignored. */
export function tcpChecksumError(flow: Flow, fromOrig: boolean): void {
  scaledHistory(flow, 'C', fromOrig, fromOrig ? flow.orig : flow.resp, 'checksum');
}

/**
 * Handle one TCP segment of `flow`. Returns whether the sender is the originator after any
 * role flip this packet caused.
 */
export function processTcp(flow: Flow, p: Packet, fromOrig: boolean): boolean {
  // Most segments are acknowledgments or data on an established connection: they take a short
  // path with the same effect (kept small so that the compiler inlines all of it).
  if ((p.tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) === TCP_ACK && flow.firstPacketSeen === 3) {
    const endpoint = fromOrig ? flow.orig : flow.resp;
    const peer = fromOrig ? flow.resp : flow.orig;
    if (endpoint.state === TCP_ESTABLISHED && peer.state === TCP_ESTABLISHED) {
      establishedSegment(flow, p, fromOrig, endpoint, peer);
      return fromOrig;
    }
  }
  return anySegment(flow, p, fromOrig);
}

/**
 * An ACK segment (any data, no SYN, FIN or RST) between two established endpoints whose first
 * packets were both seen: anySegment's steps without the branches that cannot apply (no role
 * flip — a connection whose history is just 'H' has no established endpoint —, no partial
 * status change, no state change, no close).
 */
function establishedSegment(flow: Flow, p: Packet, fromOrig: boolean, endpoint: Endpoint, peer: Endpoint): void {
  const len = p.payloadLength > 0 ? p.payloadLength : 0;
  const base = p.seq | 0;
  const relSeq = endpoint.relSeq(base);
  if (len > 0) flow.checkHistory(HIST_DATA_PKT, 'D', fromOrig);
  else flow.checkHistory(HIST_ACK_PKT, 'A', fromOrig);
  if (p.window === 0) scaledHistory(flow, 'W', fromOrig, endpoint, 'zeroWindow');
  if ((!flow.orig.didClose || !flow.resp.didClose) && p.ts > flow.lastTs) flow.lastTs = p.ts;

  const ackSeq = p.ack | 0;
  let relAck = peer.relAck(ackSeq);
  if (relAck < 0) relAck = 0;
  else updateAckSeq(peer, ackSeq);

  const last = (base + len) | 0;
  if (((last - endpoint.lastSeq) | 0) > 0) endpoint.updateLastSeq(last);
  else if (len > 0) scaledHistory(flow, 'T', fromOrig, endpoint, 'rxmit');

  ackReceived(flow, peer, relAck);
  if (len > 0 && p.payloadEnd - p.payloadStart >= len && relSeq >= 0) dataSent(flow, endpoint, relSeq, len);
  endpoint.pkts++;
  endpoint.ipBytes += p.ipLength;
}

/** Any segment, Zeek's TCPSessionAdapter::Process step by step. */
function anySegment(flow: Flow, p: Packet, fromOrig: boolean): boolean {
  const flags = p.tcpFlags;
  const syn = (flags & TCP_SYN) !== 0;
  const fin = (flags & TCP_FIN) !== 0;
  const rst = (flags & TCP_RST) !== 0;
  const ack = (flags & TCP_ACK) !== 0;
  const len = p.payloadLength > 0 ? p.payloadLength : 0;

  // A connection that began with a SYN-ACK and goes on with an ACK or data: the SYN was missed,
  // so the SYN-ACK's sender is the responder (Zeek PR #2191).
  if (flow.history === 'H' && !syn && !fin && !rst && (ack || len > 0)) {
    flow.flip();
    fromOrig = !fromOrig;
    // The missing SYN is taken as seen: not a partial connection (Zeek PR #2552).
    flow.firstPacketSeen = 3;
  }

  const endpoint = fromOrig ? flow.orig : flow.resp;
  const peer = fromOrig ? flow.resp : flow.orig;
  setPartialStatus(flow, syn, ack, fromOrig);

  const base = p.seq | 0;
  const ackSeq = p.ack | 0;
  let segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (rst) segLen -= len; // a RST's payload is not part of the stream
  const seqOnePast = (base + segLen) | 0;

  initEndpoint(endpoint, syn, base, seqOnePast);
  const relSeq = endpoint.relSeq(base);
  const seqUnderflow = relSeq < 0;

  updateHistory(flow, endpoint, fromOrig, syn, fin, rst, ack, relSeq, len);
  if (p.window === 0 && !rst && peer.state !== TCP_CLOSED && endpoint.state !== TCP_RESET) {
    scaledHistory(flow, 'W', fromOrig, endpoint, 'zeroWindow');
  }

  if (!flow.orig.didClose || !flow.resp.didClose) {
    if (p.ts > flow.lastTs) flow.lastTs = p.ts;
  }

  if (fin) {
    endpoint.finCount++;
    endpoint.finSeq = relSeq + segLen;
  }
  if (rst) endpoint.rstCount++;

  let relAck = 0;
  if (ack) {
    if (peer.state === TCP_INACTIVE) {
      relAck = 1;
      // Number the peer's stream as though its SYN had been seen.
      const s = (ackSeq - 1) | 0;
      peer.initSeqs(s, s, s);
    } else {
      relAck = peer.relAck(ackSeq);
      if (relAck < 0) relAck = 0;
      // Acks in RSTs are not trusted (as in Zeek); nor, unlike Zeek, acks of a side that reset:
      // it sends nothing more, so they are another probe's numbers (nmap's), not its bytes.
      else if (!rst && peer.state !== TCP_RESET) updateAckSeq(peer, ackSeq);
    }
  }

  updateLastSeq(flow, endpoint, fromOrig, seqOnePast, syn, fin, rst, len);

  let close = 0;
  switch (endpoint.state) {
    case TCP_INACTIVE:
      close = updateInactiveState(flow, endpoint, peer, p);
      break;
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      close = updateSynSentState(flow, endpoint, flags);
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      close = updateEstablishedState(flow, endpoint, peer, flags);
      break;
    case TCP_CLOSED:
      close = updateClosedState(flow, endpoint, peer, flags, p.ts);
      break;
    case TCP_RESET:
      break;
  }

  if (ack) ackReceived(flow, peer, relAck);

  const relDataSeq = syn ? relSeq + 1 : relSeq;
  if (len > 0 && p.payloadEnd - p.payloadStart >= len && !rst && !seqUnderflow) dataSent(flow, endpoint, relDataSeq, len);

  if ((close & CLOSE) !== 0) connectionClosed(flow, endpoint, peer, (close & CLOSE_EVENT) !== 0);

  // Which endpoint this packet counts for: after any flip above, the endpoint object that sent it.
  const sender = endpoint;
  flow.firstPacketSeen |= sender === flow.orig ? 1 : 2;
  sender.pkts++;
  sender.ipBytes += p.ipLength;
  return sender === flow.orig;
}

function setPartialStatus(flow: Flow, syn: boolean, ack: boolean, fromOrig: boolean): void {
  if (fromOrig) {
    if ((flow.firstPacketSeen & 1) === 0) flow.isPartial = !syn || ack;
  } else if ((flow.firstPacketSeen & 2) === 0 && !flow.isPartial) {
    flow.isPartial = !syn;
  }
}

function initEndpoint(e: Endpoint, syn: boolean, first: number, last: number): void {
  switch (e.state) {
    case TCP_INACTIVE:
      if (syn) e.initSeqs(first, first, last);
      else {
        // Partial connection: number as though a SYN had been seen, and let the first packet
        // count as new data.
        const s = (first - 1) | 0;
        e.initSeqs(s, s, first);
      }
      break;
    case TCP_SYN_SENT:
    case TCP_SYN_ACK_SENT:
      if (syn && first !== e.startSeq) e.initSeqs(first, first, last); // SYN_seq_jump
      break;
    case TCP_ESTABLISHED:
    case TCP_PARTIAL:
      if (syn) e.initSeqs(first, first, last); // this SYN is the one that sets it up
      break;
    case TCP_RESET:
      if (syn && e.prevState === TCP_INACTIVE) e.initSeqs(first, first, last); // the RST was likely injected
      break;
    default:
      break;
  }
}

/** Zeek's update_history: one letter per kind and direction; S H F R again when the sequence moves. */
function updateHistory(
  flow: Flow,
  e: Endpoint,
  fromOrig: boolean,
  syn: boolean,
  fin: boolean,
  rst: boolean,
  ack: boolean,
  relSeq: number,
  len: number,
): void {
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) flow.checkHistory(HIST_FIN_RST_PKT, 'I', fromOrig);
    else flow.checkHistory(HIST_MULTI_FLAG_PKT, 'Q', fromOrig);
  } else if (bits === 1) {
    if (syn) {
      const code = ack ? 'H' : 'S';
      if (flow.checkHistory(HIST_SYN_PKT, code, fromOrig) && relSeq !== e.histLastSyn) flow.addHistory(code, fromOrig);
      e.histLastSyn = relSeq;
    }
    if (fin) {
      // A FIN's sequence number is at the end of any data it carries.
      if (flow.checkHistory(HIST_FIN_PKT, 'F', fromOrig) && relSeq + len !== e.histLastFin) flow.addHistory('F', fromOrig);
      e.histLastFin = relSeq + len;
    }
    if (rst) {
      if (flow.checkHistory(HIST_RST_PKT, 'R', fromOrig) && relSeq !== e.histLastRst) flow.addHistory('R', fromOrig);
      e.histLastRst = relSeq;
    }
  } else if (len > 0) {
    flow.checkHistory(HIST_DATA_PKT, 'D', fromOrig);
  } else if (ack) {
    flow.checkHistory(HIST_ACK_PKT, 'A', fromOrig);
  }
}

function updateAckSeq(e: Endpoint, ackSeq: number): void {
  const delta = (ackSeq - e.ackSeq) | 0;
  if (ackSeq === 0 && delta > TOO_LARGE_SEQ_DELTA) return; // a broken ack, not a wrap onto 0
  if (delta > 0) e.updateAckSeq(ackSeq);
}

/** Zeek's update_last_seq; a segment that does not advance the sequence is a retransmission. */
function updateLastSeq(
  flow: Flow,
  e: Endpoint,
  fromOrig: boolean,
  last: number,
  syn: boolean,
  fin: boolean,
  rst: boolean,
  len: number,
): number {
  const delta = (last - e.lastSeq) | 0;
  if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
    // implausible jump in a SYN or RST: not trusted
  } else if (fin && e.lastSeq === ((e.startSeq + 1) | 0)) {
    e.updateLastSeq(last);
  } else if (e.state === TCP_RESET) {
    // nothing after a RST is trusted
  } else if (delta > 0) {
    e.updateLastSeq(last);
  } else if (len > 0) {
    scaledHistory(flow, 'T', fromOrig, e, 'rxmit');
  }
  return delta;
}

/** The first packet from `e` (the sender of `p`); `peer` is the other side. Returns CLOSE bits. */
function updateInactiveState(flow: Flow, e: Endpoint, peer: Endpoint, p: Packet): number {
  const flags = p.tcpFlags;
  const syn = (flags & TCP_SYN) !== 0;
  const fin = (flags & TCP_FIN) !== 0;
  const rst = (flags & TCP_RST) !== 0;
  const ack = (flags & TCP_ACK) !== 0;
  let close = 0;
  if (syn) {
    if (e === flow.orig) {
      setState(flow, e, ack ? TCP_SYN_ACK_SENT : TCP_SYN_SENT);
      if (flow.attemptAt === Infinity) flow.attemptAt = p.ts + TCP_ATTEMPT_DELAY;
    } else {
      if (!ack && peer.state === TCP_SYN_ACK_SENT && (p.seq | 0) === e.startSeq) {
        // SYN and SYN-ACK captured in reverse order: flip and establish.
        flow.flip();
        setState(flow, peer, TCP_ESTABLISHED);
        flow.firstPacketSeen |= 1;
      }
      if (peer.state === TCP_SYN_SENT) setState(flow, peer, TCP_ESTABLISHED);
      setState(flow, e, TCP_ESTABLISHED);
    }
  }
  if (fin) {
    setState(flow, e, TCP_CLOSED);
    close = CLOSE | CLOSE_EVENT;
  }
  if (rst) {
    setState(flow, e, TCP_RESET);
    let isReject = false;
    if (e === flow.orig) {
      // A SYN-ACK was seen but not the SYN: a reverse scan, treated as a reject.
      if (peer.state === TCP_ESTABLISHED) isReject = true;
    } else if (peer.state === TCP_SYN_SENT || peer.state === TCP_SYN_ACK_SENT) {
      isReject = true;
    }
    close = isReject ? CLOSE : CLOSE | CLOSE_EVENT;
  }
  if (e.state === TCP_INACTIVE) {
    if (e !== flow.orig && p.payloadLength <= 0 && flow.orig.state === TCP_SYN_SENT) {
      // Some stacks ack a SYN before answering it: not a partial connection.
    } else if (ack && peer.state === TCP_ESTABLISHED) {
      // The SYN-ACK was seen and now an ACK: the SYN was missed; establish.
      setState(flow, e, TCP_ESTABLISHED);
      flow.isPartial = false;
      flow.firstPacketSeen |= e === flow.orig ? 1 : 2;
    } else {
      setState(flow, e, TCP_PARTIAL);
    }
  }
  return close;
}

/** A packet from `e` while its SYN (or SYN-ACK) is unanswered. Returns CLOSE bits. */
function updateSynSentState(flow: Flow, e: Endpoint, flags: number): number {
  let close = 0;
  if ((flags & TCP_FIN) !== 0) {
    setState(flow, e, TCP_CLOSED);
    close = CLOSE | CLOSE_EVENT;
  }
  if ((flags & TCP_RST) !== 0) {
    setState(flow, e, TCP_RESET);
    flow.isActive = false; // ConnectionReset
    close |= CLOSE;
  }
  return close;
}

/** A packet from an established (or partial) `e`. Returns CLOSE bits. */
function updateEstablishedState(flow: Flow, e: Endpoint, peer: Endpoint, flags: number): number {
  const syn = (flags & TCP_SYN) !== 0;
  const fin = (flags & TCP_FIN) !== 0;
  const rst = (flags & TCP_RST) !== 0;
  const ack = (flags & TCP_ACK) !== 0;
  let close = 0;
  if (syn && e.state === TCP_PARTIAL && peer.state === TCP_INACTIVE && !ack) setState(flow, e, TCP_SYN_SENT);
  if (fin && !rst) {
    setState(flow, e, TCP_CLOSED);
    // The peer's FIN followed by its RST was a normal close after all.
    if (peer.state === TCP_RESET && peer.prevState === TCP_CLOSED) setState(flow, peer, TCP_CLOSED);
    close = CLOSE | CLOSE_EVENT;
  }
  if (rst) {
    setState(flow, e, TCP_RESET);
    close |= CLOSE;
    if (peer.state !== TCP_RESET || peer.prevState !== TCP_ESTABLISHED) flow.isActive = false;
  }
  return close;
}

/** A packet from `e` after its FIN, at time `ts`. Returns CLOSE bits. */
function updateClosedState(flow: Flow, e: Endpoint, peer: Endpoint, flags: number, ts: number): number {
  // After a FIN exchange a RST does not change the state.
  if ((flags & TCP_RST) !== 0 && peer.state !== TCP_CLOSED) {
    setState(flow, e, TCP_RESET);
    const at = ts + TCP_CLOSE_DELAY; // tcp_reset_delay
    if (at < flow.deleteAt) flow.deleteAt = at;
    if (!e.didClose) return CLOSE; // RST after FIN
  }
  return 0;
}

/** TCPSessionAdapter::ConnectionClosed: once closed (or reset) the connection lingers tcp_close_delay. */
function connectionClosed(flow: Flow, e: Endpoint, peer: Endpoint, gen: boolean): void {
  if (e.didClose) return;
  e.didClose = true;
  const complete = e.state === TCP_RESET || peer.didClose || peer.state === TCP_INACTIVE;
  if (complete) {
    if ((e.prevState !== TCP_INACTIVE || peer.state !== TCP_INACTIVE) && gen) flow.isActive = false;
    flow.attemptAt = -1; // timers cancelled
    flow.closeCheckFrom = -2;
    const at = flow.lastTs + TCP_CLOSE_DELAY;
    if (at < flow.deleteAt) flow.deleteAt = at;
  } else if (e.prevState !== TCP_INACTIVE && flow.closeCheckFrom !== -2) {
    flow.closeCheckFrom = flow.lastTs;
  }
}

function isClean(e: Endpoint): boolean {
  return e.state === TCP_ESTABLISHED || (e.state === TCP_CLOSED && e.prevState === TCP_ESTABLISHED);
}

/** A content gap: counted and lettered only for cleanly established or closing connections. */
function gap(flow: Flow, e: Endpoint, length: number): void {
  if (length <= 0) return;
  const peer = peerOf(flow, e);
  if (isClean(e) && isClean(peer)) {
    scaledHistory(flow, 'G', e === flow.orig, e, 'gap');
    flow.missedBytes += length;
  }
}

/** The peer acknowledged `e`'s stream up to relative `seq`: anything not seen below it is missing. */
function ackReceived(flow: Flow, e: Endpoint, seq: number): void {
  if (e.finCount > 0 && seq >= e.finSeq) seq = e.finSeq - 1;
  if (seq <= e.trimSeq) return;
  trimToSeq(flow, e, seq);
}

function trimToSeq(flow: Flow, e: Endpoint, seq: number): void {
  if (seq > e.lastReassem) undelivered(flow, e, seq);
  e.trimSeq = seq;
  dropBlocksBelow(e, seq);
}

function dropBlocksBelow(e: Endpoint, seq: number): void {
  const b = e.blocks;
  if (b === null || b.length === 0) return;
  let n = 0;
  while (n < b.length && b[n + 1]! <= seq) n += 2;
  if (n > 0) b.splice(0, n);
}

function undelivered(flow: Flow, e: Endpoint, upTo: number): void {
  // For a partial connection the first ack may point just past the faked SYN: not a gap.
  if (upTo <= 2 && flow.isPartial) return;
  if (!e.skipDeliveries) {
    const b = e.blocks;
    if (b !== null) {
      let i = 0;
      while (i < b.length) {
        const s = b[i]!;
        const u = b[i + 1]!;
        if (u <= e.lastReassem) {
          i += 2;
          continue;
        }
        if (s >= upTo) break;
        if (s > e.lastReassem) gap(flow, e, s - e.lastReassem);
        if (u > e.lastReassem) e.lastReassem = u;
        i += 2;
      }
    }
    if (upTo > e.lastReassem) gap(flow, e, upTo - e.lastReassem);
  }
  if (upTo > e.lastReassem) e.lastReassem = upTo;
}

/** Data from `e` at relative [seq, seq+len): reassembly bookkeeping only (no bytes are kept). */
function dataSent(flow: Flow, e: Endpoint, seq: number, len: number): void {
  if (e.skipDeliveries) return;
  const ack = e.ackRel;
  const upper = seq + len;
  if (seq < ack) {
    if (upper <= ack) return; // delivered and acknowledged already
    seq = ack;
  }
  if (upper <= e.trimSeq) return;
  if (seq < e.trimSeq) seq = e.trimSeq;

  if (seq <= e.lastReassem) {
    if (upper <= e.lastReassem) return;
    e.lastReassem = upper;
    const b = e.blocks;
    if (b !== null) {
      // Absorb buffered blocks now contiguous.
      let n = 0;
      while (n < b.length && b[n]! <= e.lastReassem) {
        if (b[n + 1]! > e.lastReassem) e.lastReassem = b[n + 1]!;
        n += 2;
      }
      if (n > 0) b.splice(0, n);
    }
    if (e.noDataAcked() && e.size(peerOf(flow, e)) > TCP_MAX_INITIAL_WINDOW) {
      // Much sent and nothing acknowledged: the acks are not being seen; stop holding data.
      e.trimSeq = e.lastReassem;
      dropBlocksBelow(e, e.trimSeq);
    }
  } else {
    insertBlock(e, seq, upper);
  }

  const b = e.blocks;
  if (b !== null && b.length > 0) {
    // Zeek's tcp_max_above_hole_without_any_acks / tcp_excessive_data_without_further_acks.
    const above = b[b.length - 1]! - e.lastReassem;
    let total = 0;
    for (let i = 0; i < b.length; i += 2) total += b[i + 1]! - b[i]!;
    if ((e.noDataAcked() && above > TCP_MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS) || total > TCP_EXCESSIVE_DATA_WITHOUT_FURTHER_ACKS) {
      b.length = 0;
      e.skipDeliveries = true;
    }
  }
}

function insertBlock(e: Endpoint, seq: number, upper: number): void {
  if (e.blocks === null) e.blocks = [];
  const b = e.blocks;
  const n = b.length;
  // In-order data above a hole: extend the last block in place.
  if (n > 0 && seq >= b[n - 2]! && seq <= b[n - 1]!) {
    if (upper > b[n - 1]!) b[n - 1] = upper;
    return;
  }
  if (n === 0 || seq > b[n - 1]!) {
    b.push(seq, upper);
    return;
  }
  let i = 0;
  while (i < b.length && b[i + 1]! < seq) i += 2;
  let j = i;
  let s = seq;
  let u = upper;
  while (j < b.length && b[j]! <= u) {
    if (b[j]! < s) s = b[j]!;
    if (b[j + 1]! > u) u = b[j + 1]!;
    j += 2;
  }
  b.splice(i, j - i, s, u);
}

/** Zeek's conn_state() (base/protocols/conn/main.zeek) for a TCP connection. */
export function tcpConnState(flow: Flow): ConnState {
  const os = flow.orig.state;
  const rs = flow.resp.state;
  const oInactive = os === TCP_INACTIVE || os === TCP_PARTIAL;
  const rInactive = rs === TCP_INACTIVE || rs === TCP_PARTIAL;
  if (rs === TCP_RESET) {
    if (
      os === TCP_SYN_SENT ||
      os === TCP_SYN_ACK_SENT ||
      (os === TCP_RESET && flow.orig.size(flow.resp) === 0 && flow.resp.size(flow.orig) === 0)
    )
      return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === TCP_RESET) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(flow.history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TCP_CLOSED && os === TCP_CLOSED) return 'SF';
  if (os === TCP_CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === TCP_CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === TCP_SYN_SENT && rs === TCP_INACTIVE) return 'S0';
  if (os === TCP_ESTABLISHED && rs === TCP_ESTABLISHED) return 'S1';
  return 'OTH';
}

/**
 * Has a TCP connection left the table by `now` (Zeek's attempt, delete, expire and inactivity
 * timers, evaluated on packet time)?
 */
export function tcpExpired(flow: Flow, now: number): boolean {
  if (now >= flow.deleteAt) return true;
  const o = flow.orig;
  const r = flow.resp;
  if (
    flow.attemptAt > 0 &&
    now >= flow.attemptAt &&
    flow.isActive &&
    (o.state === TCP_SYN_SENT || o.state === TCP_SYN_ACK_SENT) &&
    r.state === TCP_INACTIVE
  )
    return true;
  if (flow.closeCheckFrom !== -2) {
    const idleFrom = flow.lastTs + TCP_CONNECTION_LINGER;
    if (now > idleFrom && now >= lingerCheck(flow, idleFrom)) return true;
  }
  return false;
}

/**
 * The expiry check that ends a half-closed (or never answered) connection idle past
 * tcp_connection_linger from `idleFrom`: it runs at creation + tcp_SYN_timeout and every
 * tcp_session_timer after; Infinity when the connection is not lingering.
 */
function lingerCheck(flow: Flow, idleFrom: number): number {
  const o = flow.orig;
  const r = flow.resp;
  const lingering =
    (o.didClose || r.didClose) &&
    ((o.didClose && r.didClose) || o.state === TCP_RESET || r.state === TCP_RESET || o.state === TCP_INACTIVE || r.state === TCP_INACTIVE);
  const nothing = o.state === TCP_INACTIVE && r.state === TCP_INACTIVE;
  if (!lingering && !nothing) return Infinity;
  let tick = nextTick(flow.ts + TCP_SYN_TIMEOUT, idleFrom);
  if (flow.closeCheckFrom >= 0) {
    const t2 = nextTick(flow.closeCheckFrom + TCP_SESSION_TIMER, idleFrom);
    if (t2 < tick) tick = t2;
  }
  return tick;
}

/**
 * Is the TCP connection `f` over at `now`, as a sweep of idle connections asks: a timer ran out,
 * or it was idle past tcp_inactivity_timeout (udp_inactivity_timeout before its handshake).
 */
export function tcpOver(f: Flow, now: number): boolean {
  if (tcpExpired(f, now)) return true;
  return now >= f.lastTs + inactivityTimeout(f);
}

function inactivityTimeout(f: Flow): number {
  return f.handshakeDone ? TCP_INACTIVITY_TIMEOUT : UDP_INACTIVITY_TIMEOUT;
}

/**
 * A time before which tcpOver(f, ·) cannot hold while no packet of `f` arrives (each of its
 * conditions needs the time past a bound that only a packet moves): a sweep need not ask before.
 */
export function tcpOverFrom(f: Flow): number {
  let from = f.lastTs + inactivityTimeout(f);
  if (f.deleteAt < from) from = f.deleteAt;
  const o = f.orig;
  if (
    f.attemptAt > 0 &&
    f.attemptAt < from &&
    f.isActive &&
    (o.state === TCP_SYN_SENT || o.state === TCP_SYN_ACK_SENT) &&
    f.resp.state === TCP_INACTIVE
  ) {
    from = f.attemptAt;
  }
  if (f.closeCheckFrom !== -2) {
    const idleFrom = f.lastTs + TCP_CONNECTION_LINGER;
    const linger = Math.max(idleFrom, lingerCheck(f, idleFrom));
    if (linger < from) from = linger;
  }
  return from;
}

/** First time of the series first, first+6, first+12, … that is after `after`. */
function nextTick(first: number, after: number): number {
  if (first > after) return first;
  const k = Math.floor((after - first) / TCP_SESSION_TIMER) + 1;
  return first + k * TCP_SESSION_TIMER;
}
