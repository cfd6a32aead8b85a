/**
 * The connection record: what the tracker emits for every TCP, UDP or ICMP conversation.
 * Zeek's conn.log fields (names as Zeek's `Conn::Info`, camel-cased) plus what callhome
 * adds to say who ended a connection and how.
 */

import type { DnsAnswer } from '../decode/dns.js';
import type { HttpRequestPeek } from '../decode/http.js';

// Declared by the decoders that read them; a Connection carries them.
export type { DnsAnswer } from '../decode/dns.js';
export type { HttpRequestPeek } from '../decode/http.js';

export type Transport = 'tcp' | 'udp' | 'icmp';

/**
 * The one empty list every record without resets, DNS answers or request times points at — a
 * million SYNs of a scan, or a million denied lines of a firewall log, are a million records, and
 * an empty array each was a fifth of their memory. Frozen, so that nothing adds to it by mistake:
 * a list is replaced, never grown, once its record is made.
 */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/** What a QUIC client's Initial packets said (RFC 9000 §17.2.2, RFC 9001 §4). */
export interface QuicPeek {
  /** 'v1', 'v2' (RFC 9369), 'draft-29', or the version number in hex. */
  version: string;
  /** The ALPN protocols of the ClientHello, in the client's order (empty when not read). */
  alpn: string[];
}

/** Zeek's conn_state values. */
export type ConnState = keyof typeof import('./conn-state.js').CONN_STATES;

/** At what point in the conversation a reset (or ICMP refusal) arrived. */
export type ResetStage =
  /** answering the originator's SYN: no SYN-ACK was ever seen */
  | 'syn'
  /**
   * answering the originator's first packets, none of them a SYN (an ACK, FIN or NULL probe, or
   * a connection already open when the capture began), before any other answer
   */
  | 'probe'
  /**
   * with nothing from the other side before it in its connection (a late reset of a connection
   * already closed, a reset sent back to a spoofed address): no packet it answers, so no delay
   */
  | 'unprompted'
  /** after SYN and SYN-ACK, before any payload */
  | 'handshake'
  /** after payload was exchanged */
  | 'data'
  /** after a FIN, or long after the last packet */
  | 'late';

/**
 * Where a reset's evidence came from: the packets themselves, or a row of Zeek's conn.log,
 * whose `history` says that a side reset but records no TTL, IP ID or timing of the reset.
 */
export type ResetOrigin = 'packet' | 'zeek-conn' | 'firewall-log';

/**
 * Everything attribution needs about one RST, or one ICMP error that refused a connection, or
 * (kind 'log') a firewall's log line saying it denied the connection: then `sender` names the log,
 * and the packet fields (TTL, IP ID, sequence numbers, delay) are unknown (-1 or 0).
 */
export interface ResetEvidence {
  kind: 'rst' | 'icmp' | 'log';
  /** 'packet' unless read from a log; then `ttl`, `ipId` are -1, `delay` 0 and `ts` the row's end. */
  origin: ResetOrigin;
  ts: number;
  /** true when the reset came from the originator's address. */
  fromOriginator: boolean;
  /** TTL / hop limit of the reset (or ICMP error) packet. */
  ttl: number;
  /** IPv4 identification of the reset, -1 for IPv6. */
  ipId: number;
  /** Address the reset/ICMP came from (for ICMP: the router that sent it; for a log: the log's name). */
  sender: string;
  /** Seconds from the packet it answers (the other side's latest packet) to the reset; 0, and no measure, for an 'unprompted' one. */
  delay: number;
  stage: ResetStage;
  /**
   * Stamped before the SYN it answers (set by the analysis, never by a reader): a tap that stamps
   * its two directions apart. It refused that SYN (stage 'syn'), but how long after it the reset
   * came is not known.
   */
  ahead?: true;
  seq: number;
  ack: number;
  /** RST without ACK flag, or with ACK number 0. */
  ackZero: boolean;
  /** Whether the side the reset claims to come from sent anything after it. */
  senderKeptSending: boolean;
  /** TTLs of the other (non-reset) packets seen from that side in this connection. */
  peerTtls: number[];
  /** IP IDs of the other packets from that side in this connection (IPv4). */
  peerIpIds: number[];
  /** For ICMP errors: type and code (e.g. 3/13 administratively prohibited). */
  icmpType: number;
  icmpCode: number;
}

/**
 * Whether a reset's delay measures anything: an 'unprompted' one answered no packet seen, so its
 * 0 is no time; nor does one stamped ahead of the SYN it answers.
 */
export function resetTimed(r: ResetEvidence): boolean {
  return r.stage !== 'unprompted' && r.ahead !== true;
}

/**
 * A reset known from a log line, not from its packet: who sent it and when, and nothing a packet
 * would say — no TTL, IP ID or delay, no packets around it.
 */
export function loggedReset(
  kind: 'rst' | 'log',
  origin: ResetOrigin,
  ts: number,
  fromOriginator: boolean,
  sender: string,
  stage: ResetStage,
  sequence: number,
): ResetEvidence {
  return {
    kind,
    origin,
    ts,
    fromOriginator,
    ttl: -1,
    ipId: -1,
    sender,
    delay: 0,
    stage,
    seq: sequence,
    ack: sequence,
    ackZero: false,
    senderKeptSending: false,
    peerTtls: NONE,
    peerIpIds: NONE,
    icmpType: -1,
    icmpCode: -1,
  };
}

/**
 * Whether `r` is what `loggedReset(kind, origin, ts, fromOriginator, r.sender, stage, sequence)`
 * makes, field for field — told without making one (a firewall log's millions of attempts are
 * each asked).
 */
export function isLoggedReset(
  r: ResetEvidence,
  kind: 'rst' | 'log',
  origin: ResetOrigin,
  ts: number,
  fromOriginator: boolean,
  stage: ResetStage,
  sequence: number,
): boolean {
  return (
    r.kind === kind &&
    r.origin === origin &&
    r.ts === ts &&
    r.fromOriginator === fromOriginator &&
    r.ttl === -1 &&
    r.ipId === -1 &&
    r.delay === 0 &&
    r.stage === stage &&
    r.seq === sequence &&
    r.ack === sequence &&
    !r.ackZero &&
    !r.senderKeptSending &&
    r.peerTtls.length === 0 &&
    r.peerIpIds.length === 0 &&
    r.icmpType === -1 &&
    r.icmpCode === -1
  );
}

/**
 * A firewall log's word that it denied an attempt at `ts` (the attempt's first line): `sender`
 * names the log, and nothing else is known.
 */
export function logDenial(ts: number, sender: string): ResetEvidence {
  return loggedReset('log', 'firewall-log', ts, false, sender, 'syn', -1);
}

/** Whether `r` is the denial `logDenial(ts, r.sender)` makes. */
export function isLogDenialAt(r: ResetEvidence, ts: number): boolean {
  return isLoggedReset(r, 'log', 'firewall-log', ts, false, 'syn', -1);
}

/**
 * The longest gap between two SYNs of one attempt: retransmissions back off, each wait twice the
 * one before — Linux's six retries (tcp_syn_retries) leave at 1, 3, 7, 15, 31 and 63 s, the last
 * 32 s after the one before; macOS's last wait is 32 s too, Windows's 3 and 6 s. A capture's SYN
 * retransmitted after its connection ended and a firewall log's repeated line are the attempt's
 * within it.
 */
export const SYN_RETRY_SECONDS = 40;

/**
 * The uid of a log's attempt: Zeek-looking, and sorting in the log's time order — 'F', the input
 * (two base-36 digits), the attempt's position in the log (nine).
 */
export function logUid(capture: number, index: number): string {
  return `F${capture.toString(36).padStart(2, '0')}${index.toString(36).padStart(9, '0')}`;
}

/**
 * The position `logUid(capture, …)` made `uid` of, when it did and the position fits 32 bits; else
 * -1. Read from the characters, no text made: a firewall log's every attempt comes through here.
 */
export function logUidIndex(uid: string, capture: number): number {
  if (uid.length !== 12 || uid.charCodeAt(0) !== 70 || capture < 0 || capture >= 36 * 36) return -1;
  const high = base36Digit(uid, 1);
  const low = base36Digit(uid, 2);
  if (high < 0 || low < 0 || high * 36 + low !== capture) return -1;
  let index = 0;
  for (let i = 3; i < 12; i++) {
    const d = base36Digit(uid, i);
    if (d < 0) return -1;
    index = index * 36 + d;
  }
  return index <= 0xffffffff ? index : -1;
}

/** The base-36 digit `logUid` writes at `uid[i]` (0–9, a–z), -1 for any other character. */
function base36Digit(uid: string, i: number): number {
  const c = uid.charCodeAt(i);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

/**
 * Whether two resets' evidence is the same, field for field (lists of TTLs and IP IDs by their
 * values). Every maker of evidence writes these fields and no others.
 */
export function sameReset(a: ResetEvidence, b: ResetEvidence): boolean {
  return (
    a.kind === b.kind &&
    a.origin === b.origin &&
    a.ts === b.ts &&
    a.fromOriginator === b.fromOriginator &&
    a.ttl === b.ttl &&
    a.ipId === b.ipId &&
    a.sender === b.sender &&
    a.delay === b.delay &&
    a.stage === b.stage &&
    a.seq === b.seq &&
    a.ack === b.ack &&
    a.ackZero === b.ackZero &&
    a.senderKeptSending === b.senderKeptSending &&
    sameNumbers(a.peerTtls, b.peerTtls) &&
    sameNumbers(a.peerIpIds, b.peerIpIds) &&
    a.icmpType === b.icmpType &&
    a.icmpCode === b.icmpCode
  );
}

/** Whether two lists of resets are the same, reset for reset. */
export function sameResets(a: readonly ResetEvidence[], b: readonly ResetEvidence[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameReset(a[i]!, b[i]!)) return false;
  return true;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface Connection {
  uid: string;
  proto: Transport;
  /** First packet time (float seconds). */
  ts: number;
  /** Last packet time (float seconds). */
  lastTs: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** 'http', 'ssl', 'dns', … or null. */
  service: string | null;
  /** lastTs - ts, null for a one-packet connection (Zeek leaves it unset). */
  duration: number | null;
  origBytes: number;
  respBytes: number;
  connState: ConnState;
  localOrig: boolean | null;
  localResp: boolean | null;
  missedBytes: number;
  history: string;
  origPkts: number;
  origIpBytes: number;
  respPkts: number;
  respIpBytes: number;
  /**
   * Zeek's tunnel_parents: the uids of the UDP tunnel connections (VXLAN, Geneve, GTP-U) its
   * packets came in; absent or empty when it was not seen inside one.
   */
  tunnelParents?: readonly string[];

  // -- callhome's own
  /** Which capture file (index into the analysed captures) this connection came from. */
  capture: number;
  /** How many SYNs the originator sent (1 = no retransmission). */
  synCount: number;
  /**
   * The sequence number of the originator's first SYN (its initial sequence number), -1 when no
   * SYN of it was seen: a SYN of the same ports with another one is a new connect(), not a
   * retransmission. Absent for a log's rows (Zeek's conn.log and firewall logs record none).
   */
  synSeq?: number;
  /** TTL of the originator's first packet and the responder's first packet (-1 unseen). */
  origTtl: number;
  respTtl: number;
  /**
   * The hardware address the originator's first packet came from (`52:54:00:12:34:56`), Zeek's
   * orig_l2_addr; absent when the link layer names none (raw IP, loopback, a log without it).
   */
  origMac?: string;
  /** SYN → SYN-ACK seconds, null when no SYN-ACK was seen. */
  handshakeRtt: number | null;
  /** Whether the SYN-ACK / first responder packet came back. */
  established: boolean;
  resets: ResetEvidence[];
  http: HttpRequestPeek | null;
  /** TLS ClientHello server name (over TCP, or in a QUIC client's Initial packets). */
  sni: string | null;
  /** QUIC: set when the client's Initial packets decrypted or a QUIC server answered them. */
  quic: QuicPeek | null;
  /** DNS: the query name and answers (UDP/TCP 53). */
  dnsQuery: string | null;
  /**
   * DNS: the names the originator asked, in order (the first 1,000), and how many queries it sent
   * in this flow — one flow carries many when a client keeps its socket (a tunnel, a busy stub).
   */
  dnsNames: string[];
  dnsQueries: number;
  dnsAnswers: DnsAnswer[];
  /** Times of each request-sized originator payload burst inside the connection (for beacons on one keep-alive connection). */
  requestTimes: number[];
  /**
   * What each of those requests asked for (request-keys.ts), in step with requestTimes: a beacon
   * asks for the same thing again and again, a client fetching files one after another does not.
   * Absent when the input does not show it (a UDP flow's bursts, a conn.log without http.log) or
   * the connection made one request, which repeats nothing.
   */
  requestKeys?: number[];
}
