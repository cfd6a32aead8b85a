/**
 * The Connection record of a connection leaving the table: Zeek's conn.log fields from its
 * Flow, a deterministic uid, and callhome's evidence. Strings are made here, once per
 * connection, not per packet.
 */

import { formatIPv4, formatIPv6 } from '../decode/address.js';
import type { ConnState, Connection, Transport } from './connection.js';
import { Flow, KIND_TCP, KIND_UDP } from './flow.js';
import { isLocalIPv4, isLocalIPv6 } from './local.js';
import { quicPeek, serviceOf } from './peeks.js';
import { finishedResets } from './resets.js';
import { tcpConnState } from './tcp.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Character codes of the uid being built (one string made per connection, not seventeen). */
const uidCodes: number[] = new Array<number>(18).fill(0x43);

/** A deterministic, Zeek-looking uid: 'C' + base62 of a mixed counter. */
function makeUid(serial: number): string {
  let hi = Math.imul(serial ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  let lo = Math.imul((serial + 0x7f4a7c15) ^ (hi >>> 15), 0x85ebca6b) >>> 0;
  uidCodes[0] = 0x43; // 'C'
  for (let i = 0; i < 17; i++) {
    const source = i & 1 ? hi : lo;
    uidCodes[i + 1] = BASE62.charCodeAt(source % 62);
    if (i & 1) hi = Math.floor(hi / 62) ^ Math.imul(lo, 31) >>> 0;
    else lo = Math.floor(lo / 62) ^ Math.imul(hi, 17) >>> 0;
    hi >>>= 0;
    lo >>>= 0;
  }
  return String.fromCharCode.apply(null, uidCodes);
}

/** local_orig / local_resp: the caller's answer when it gave a test, else Zeek's default blocks. */
function local(isLocal: ((address: string) => boolean) | null, address: string, a4: number, a6: Uint8Array | null): boolean {
  if (isLocal !== null) return isLocal(address);
  return a6 !== null ? isLocalIPv6(a6) : isLocalIPv4(a4);
}

/** The record of connection `f`; `isLocal` is the caller's test of local addresses, or null. */
export function toConnection(f: Flow, isLocal: ((address: string) => boolean) | null): Connection {
  const v6 = f.ipVersion === 6;
  let proto: Transport;
  let connState: ConnState;
  let origBytes: number;
  let respBytes: number;
  if (f.kind === KIND_TCP) {
    proto = 'tcp';
    connState = tcpConnState(f);
    origBytes = f.orig.size(f.resp);
    respBytes = f.resp.size(f.orig);
  } else {
    proto = f.kind === KIND_UDP ? 'udp' : 'icmp';
    origBytes = f.orig.payloadBytes;
    respBytes = f.resp.payloadBytes;
    if (f.kind === KIND_UDP) {
      connState = f.orig.active ? (f.resp.active ? 'SF' : 'S0') : (f.resp.active ? 'SHR' : 'OTH');
    } else {
      connState = 'OTH';
    }
  }
  const resets = finishedResets(f);
  const origA6 = v6 ? f.address6(true) : null;
  const respA6 = v6 ? f.address6(false) : null;
  const origH = origA6 !== null ? formatIPv6(origA6) : formatIPv4(f.origA4 >>> 0);
  const respH = respA6 !== null ? formatIPv6(respA6) : formatIPv4(f.respA4 >>> 0);
  return {
    uid: makeUid(f.serial),
    proto,
    ts: f.ts,
    lastTs: f.lastTs,
    origH,
    origP: f.origP,
    respH,
    respP: f.respP,
    service: serviceOf(f),
    duration: f.lastTs > f.ts ? f.lastTs - f.ts : null,
    origBytes,
    respBytes,
    connState,
    localOrig: local(isLocal, origH, f.origA4 >>> 0, origA6),
    localResp: local(isLocal, respH, f.respA4 >>> 0, respA6),
    missedBytes: f.missedBytes,
    history: f.history,
    origPkts: f.orig.pkts,
    origIpBytes: f.orig.ipBytes,
    respPkts: f.resp.pkts,
    respIpBytes: f.resp.ipBytes,
    capture: f.capture,
    synCount: f.synCount,
    origTtl: f.orig.firstTtl,
    respTtl: f.resp.firstTtl,
    handshakeRtt: f.handshakeRtt,
    established: f.established,
    resets,
    http: f.http,
    sni: f.sni,
    quic: quicPeek(f),
    dnsQuery: f.dnsQuery,
    dnsAnswers: f.dnsAnswers ?? [],
    requestTimes: f.requestTimes ?? [],
  };
}
