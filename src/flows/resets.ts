/**
 * What callhome adds to tell who sent a reset: each RST (and each ICMP error that refused a
 * connection) as evidence, with its stage and delay, and the samples of each side it is later
 * compared against — the side's TTLs and IP IDs, and whether it kept sending after a reset that
 * claims to come from it.
 */

import { formatIPv4, formatIPv6 } from '../decode/address.js';
import type { Packet } from '../decode/packet.js';
import { TCP_ACK } from '../decode/tcp.js';
import { NONE, type ResetEvidence, type ResetStage } from './connection.js';
import type { Endpoint, Flow } from './flow.js';

/** Resets (and ICMP refusals) kept per connection. */
export const RESETS_CAP = 256;
/** A reset this long after the other side's last packet is 'late'. */
const LATE_RESET_SECONDS = 60;

/** At what point of `flow` a reset at `ts` arrives; `otherLast` is the answered side's last packet time (-1 none). */
export function resetStage(flow: Flow, ts: number, otherLast: number): ResetStage {
  if (flow.sawFin || (otherLast >= 0 && ts - otherLast > LATE_RESET_SECONDS)) return 'late';
  if (flow.orig.sawPayload || flow.resp.sawPayload) return 'data';
  if (flow.established) return 'handshake';
  return 'syn';
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
  const isRst = kind === 'rst';
  const evidence: ResetEvidence = {
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

/** Per-side evidence: first TTL, TTL / IP ID samples, last time, and resets the side outlived. */
export function noteSender(flow: Flow, e: Endpoint, p: Packet, rst: boolean, fromOrig: boolean): void {
  if (e.firstTtl < 0) e.firstTtl = p.ttl;
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
