/**
 * What callhome adds to tell who sent a reset: each RST (and each ICMP error that refused a
 * connection) as evidence, with its stage and delay, and the samples of each side it is later
 * compared against — the side's TTLs and IP IDs, and whether it kept sending after a reset that
 * claims to come from it.
 */

import { formatIPv4, formatIPv6 } from '../decode/address.js';
import type { Packet } from '../decode/packet.js';
import { senderMac } from '../decode/link.js';
import { TCP_ACK } from '../decode/tcp.js';
import { NONE, type ResetEvidence, type ResetStage } from './connection.js';
import { KIND_TCP, type Endpoint, type Flow } from './flow.js';
import { Recent } from '../recent.js';

/** Resets (and ICMP refusals) kept per connection. */
export const RESETS_CAP = 256;
/** A reset this long after the other side's last packet is 'late'. */
const LATE_RESET_SECONDS = 60;

/** At what point of `flow` a reset at `ts` arrives; `otherLast` is the answered side's last packet time (-1 none). */
export function resetStage(flow: Flow, ts: number, otherLast: number): ResetStage {
  // Nothing of the other side to answer: no delay to time, whatever else the connection saw.
  if (otherLast < 0) return 'unprompted';
  if (flow.sawFin || ts - otherLast > LATE_RESET_SECONDS) return 'late';
  if (flow.orig.sawPayload || flow.resp.sawPayload) return 'data';
  if (flow.established) return 'handshake';
  // A TCP connection opened by no SYN answered its first packets (a UDP flow opens with any).
  return flow.kind === KIND_TCP && flow.firstSynTs < 0 ? 'probe' : 'syn';
}

/**
 * Record the reset (kind 'rst') or ICMP refusal `p` on `flow`. `claimedSide` is the side it
 * claims to come from (1 originator, 2 responder); `quotedSeq` the sequence number an ICMP
 * error quotes.
 */
export function addReset(
  flow: Flow,
  p: Packet,
  kind: 'rst' | 'icmp',
  fromOriginator: boolean,
  claimedSide: number,
  otherLast: number,
  stage: ResetStage,
  quotedSeq = -1,
): void {
  if (flow.resets !== null && flow.resets.length >= RESETS_CAP) return;
  attachReset(flow, resetEvidence(p, kind, fromOriginator, otherLast, stage, quotedSeq), claimedSide);
}

/** The evidence of reset or ICMP refusal `p` (see addReset). */
function resetEvidence(
  p: Packet,
  kind: 'rst' | 'icmp',
  fromOriginator: boolean,
  otherLast: number,
  stage: ResetStage,
  quotedSeq: number,
): ResetEvidence {
  const isRst = kind === 'rst';
  return {
    kind,
    origin: 'packet',
    ts: p.ts,
    fromOriginator,
    ttl: p.ttl,
    ipId: p.ipVersion === 4 ? p.ipId : -1,
    sender: p.ipVersion === 4 ? formatIPv4(p.src4) : formatIPv6(p.src6),
    delay: otherLast >= 0 ? Math.max(0, p.ts - otherLast) : 0,
    stage,
    seq: isRst ? p.seq >>> 0 : quotedSeq,
    ack: isRst ? p.ack >>> 0 : -1,
    ackZero: isRst ? (p.tcpFlags & TCP_ACK) === 0 || p.ack === 0 : false,
    senderKeptSending: false,
    // Filled when the connection is emitted (finishedResets), from the claimed sender's samples.
    peerTtls: NONE,
    peerIpIds: NONE,
    icmpType: isRst ? -1 : p.icmpType,
    icmpCode: isRst ? -1 : p.icmpCode,
  };
}

function attachReset(flow: Flow, evidence: ResetEvidence, claimedSide: number): void {
  // A list starts with its first element: most connections have one reset, and an empty list's
  // first push would reserve room for seventeen.
  if (flow.resets === null || flow.resetSides === null) {
    flow.resets = [evidence];
    flow.resetSides = [claimedSide];
  } else {
    flow.resets.push(evidence);
    flow.resetSides.push(claimedSide);
  }
  flow.openResetSides |= claimedSide;
}

/**
 * An ICMP error that refused a packet of no connection yet: a tap that stamps its two directions
 * apart put it up to HELD_BEFORE seconds before the SYN (or datagram) it answers, a capture
 * written from several queues wrote it to the file first, stamped up to HELD_AFTER after. It is
 * held here, by the quoted packet's addresses and ports, until that packet opens its connection.
 */
interface HeldRefusal {
  evidence: ResetEvidence;
  /** The quoted TCP sequence number, -1 unknown. */
  seq: number;
}

/** How far before its SYN an ICMP error may be stamped and still be its refusal (a tap's two directions apart). */
const HELD_BEFORE = 0.05;
/** How far after its SYN an ICMP error written to the file before it may be stamped (several capture queues). */
const HELD_AFTER = 1;
/** Held refusals kept before those past their time are swept out. */
const HELD_SWEEP_FROM = 1024;

/** A held refusal's time, the time its window runs from. */
const heldAt = (h: HeldRefusal): number => h.evidence.ts;

/** The key a held refusal is found by: transport, the sender's address and port, the destination's. */
export function heldKey(
  tcp: boolean,
  ipVersion: number,
  src4: number,
  src6: Uint8Array,
  sport: number,
  dst4: number,
  dst6: Uint8Array,
  dport: number,
): string {
  const src = ipVersion === 4 ? String(src4 >>> 0) : formatIPv6(src6);
  const dst = ipVersion === 4 ? String(dst4 >>> 0) : formatIPv6(dst6);
  return `${tcp ? 't' : 'u'} ${src} ${sport} ${dst} ${dport}`;
}

export class HeldRefusals {
  private readonly held = new Recent<HeldRefusal>(HELD_AFTER, heldAt, HELD_SWEEP_FROM);

  /** Whether any refusal is held (a connection's key is made only then). */
  get any(): boolean {
    return this.held.size > 0;
  }

  /** ICMP error `p`, quoting a packet of `key` (its sender's address and port first) that opened no connection yet. */
  hold(key: string, p: Packet, fromOriginator: boolean, quotedSeq: number): void {
    this.held.set(key, { evidence: resetEvidence(p, 'icmp', fromOriginator, -1, 'syn', quotedSeq), seq: quotedSeq }, p.ts);
  }

  /**
   * The refusal held for `key`, if the packet `p` that just opened `flow` is the one it quoted:
   * stamped within HELD_BEFORE after it or HELD_AFTER before it, the same sequence number when
   * both are known. Attached as the responder's refusal of the originator's first packet.
   */
  claim(flow: Flow, key: string, p: Packet, tcp: boolean): void {
    const h = this.held.get(key, p.ts);
    if (h === undefined) return;
    const e = h.evidence;
    if (e.ts < p.ts - HELD_BEFORE || e.ts > p.ts + HELD_AFTER) return;
    if (tcp && h.seq >= 0 && h.seq !== p.seq >>> 0) return;
    this.held.delete(key);
    e.delay = Math.max(0, e.ts - p.ts);
    attachReset(flow, e, 2);
  }
}

/** What a side's first packet says of it: its TTL and the card it came from (once a connection: kept out of the per-packet path). */
function noteFirst(e: Endpoint, p: Packet): void {
  e.firstTtl = p.ttl;
  e.firstMac = senderMac(p);
}

/** Per-side evidence: first TTL, TTL / IP ID samples, last time, and resets the side outlived. */
export function noteSender(flow: Flow, e: Endpoint, p: Packet, rst: boolean, fromOrig: boolean): void {
  if (e.firstTtl < 0) noteFirst(e, p);
  if (p.ts > e.lastTs) e.lastTs = p.ts;
  if (!rst) {
    e.noteSample(p.ttl, p.ipVersion === 4 ? p.ipId : -1);
    const side = fromOrig ? 1 : 2;
    if ((flow.openResetSides & side) !== 0 && flow.resets !== null && flow.resetSides !== null) {
      for (let i = 0; i < flow.resets.length; i++) {
        if (flow.resetSides[i] === side && flow.resets[i]!.ts <= p.ts) flow.resets[i]!.senderKeptSending = true;
      }
      flow.openResetSides &= ~side;
    }
  }
}

/** The connection's resets with the claimed senders' samples filled in, as it is emitted. */
export function finishedResets(f: Flow): ResetEvidence[] {
  const resets = f.resets ?? [];
  for (let i = 0; i < resets.length; i++) {
    const claimed = f.resetSides?.[i] === 1 ? f.orig : f.resp;
    const r = resets[i]!;
    r.peerTtls = claimed.ttlList();
    r.peerIpIds = claimed.ipIdList();
  }
  return resets;
}
