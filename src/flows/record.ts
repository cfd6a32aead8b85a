/**
 * The Connection record of a connection leaving the table: Zeek's conn.log fields from its
 * Flow, its uid, and callhome's evidence. Strings are made here, once per
 * connection, not per packet.
 */

import { formatIPv4, formatIPv6 } from '../decode/address.js';
import { formatMac } from '../decode/link.js';
import { logDenial, NONE, type ConnState, type Connection, type Transport } from './connection.js';
import { Flow, KIND_TCP, KIND_UDP, LOGGED_BLOCK, LOGGED_PASS } from './flow.js';
import { isLocalIPv4, isLocalIPv6 } from './local.js';
import { quicPeek, serviceOf } from './peeks.js';
import { finishedResets } from './resets.js';
import { tcpConnState } from './tcp.js';

/** The caller's test of local addresses: of their text, and of an IPv4 address as its 32-bit word (signed). */
export interface LocalTest {
  text: (address: string) => boolean;
  ipv4: ((word: number) => boolean) | null;
}

/**
 * local_orig / local_resp: the caller's answer when it gave a test (an IPv4 address asked as its
 * number when it can be: its text need not be read back), else Zeek's default blocks.
 */
function local(isLocal: LocalTest | null, address: string, a4: number, a6: Uint8Array | null): boolean {
  if (isLocal !== null) return a6 === null && isLocal.ipv4 !== null ? isLocal.ipv4(a4) : isLocal.text(address);
  return a6 !== null ? isLocalIPv6(a6) : isLocalIPv4(a4 >>> 0);
}

/**
 * The record of connection `f` with the given uid (uid.ts); `isLocal` is the caller's test of
 * local addresses, or null; `texts` the tracker's shared address and history texts.
 */
export function toConnection(
  f: Flow,
  uid: string,
  isLocal: LocalTest | null,
  texts: SharedTexts,
  tunnelParents: readonly string[] = NONE,
): Connection {
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
      connState = f.orig.active ? (f.resp.active ? 'SF' : 'S0') : f.resp.active ? 'SHR' : 'OTH';
    } else {
      connState = 'OTH';
    }
  }
  let resets = f.resets === null ? NONE : finishedResets(f);
  // A packet logger's word on the opening packets (pf's pflog, an NFLOG rule's prefix). Blocked is
  // the firewall's denial, as a firewall log's line is, and comes before any reset seen (pf's own
  // for a `block return` rule, a REJECT's) — unless the responder answered: an NFLOG rule only logs
  // and the packet goes on to the rules after it, so a prefix saying block on a connection that was
  // answered was not the rule that decided (nor is pf's block of a SYN whose retry another rule let
  // through). NFLOG logs every packet its rule matches, pf a state's first: a SYN blocked with its
  // retries is one denial either way. Let through, with nothing more of it logged, the attempt
  // passed, as a log's allowed line: pf logs a state's first packet only (unless a rule says
  // `log (all)`), and an NFLOG rule that logs what it accepts sees a connection's new packets only
  // (UFW's "[UFW ALLOW]" logging comes after the rule that accepts established connections' packets;
  // rules written by hand match `--ctstate NEW`): not the answer nor what follows, but an
  // unanswered SYN's retries, which are still new. Retries logged as passed, no answer, stay
  // unanswered.
  if ((f.logged & LOGGED_BLOCK) !== 0 && !f.established) resets = [logDenial(f.ts, f.logger), ...resets];
  const passed = f.logged === LOGGED_PASS && f.orig.pkts === 1 && f.resp.pkts === 0;
  const origA6 = v6 ? f.address6(true) : null;
  const respA6 = v6 ? f.address6(false) : null;
  const origH = origA6 !== null ? formatIPv6(origA6) : texts.ipv4Text(f.origA4);
  const respH = respA6 !== null ? formatIPv6(respA6) : texts.ipv4Text(f.respA4);
  const c: Connection = {
    uid,
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
    localOrig: local(isLocal, origH, f.origA4, origA6),
    localResp: local(isLocal, respH, f.respA4, respA6),
    missedBytes: f.missedBytes,
    history: texts.history(f.history),
    origPkts: f.orig.pkts,
    origIpBytes: f.orig.ipBytes,
    respPkts: f.resp.pkts,
    respIpBytes: f.resp.ipBytes,
    // Present only on a connection seen in a tunnel: most records keep one shape.
    ...(tunnelParents.length > 0 ? { tunnelParents } : {}),
    capture: f.capture,
    synCount: f.synCount,
    // -1 when the originator's SYN was not seen; a log's records have none.
    synSeq: f.firstSynSeq,
    origTtl: f.orig.firstTtl,
    respTtl: f.resp.firstTtl,
    handshakeRtt: f.handshakeRtt,
    established: f.established || passed,
    resets,
    http: f.http,
    sni: f.sni,
    quic: quicPeek(f),
    dnsQuery: f.dnsQuery,
    dnsNames: f.dnsNames ?? NONE,
    dnsQueries: f.dnsQueries,
    dnsAnswers: f.dnsAnswers ?? NONE,
    requestTimes: f.requestTimes ?? NONE,
  };
  // Zeek's orig_l2_addr; absent when the link layer names no sender (raw IP, a tunnel's inside).
  // (Set after: a literal with a spread in it is made on the engine's slow path.)
  if (f.orig.firstMac >= 0) c.origMac = texts.mac(f.orig.firstMac);
  if (f.requestKeys !== null && f.requestKeys.length > 1) c.requestKeys = f.requestKeys;
  return c;
}

/**
 * Address texts and histories, made once and shared by the records of one tracker: most
 * connections repeat a few hosts and a few histories. Each cache is emptied when it fills, so a
 * scan of distinct addresses costs no more than making every text afresh.
 */
export class SharedTexts {
  /** By the address as a signed 32-bit word: a small integer, where its unsigned number from 128.0.0.0 up is not. */
  private readonly ipv4 = new Map<number, string>();
  private readonly histories = new Map<string, string>();
  private readonly macs = new Map<number, { mac: number; text: string }>();

  /** The text of an IPv4 address given as its 32-bit word (signed, as a Flow keeps it). */
  ipv4Text(word: number): string {
    let text = this.ipv4.get(word);
    if (text === undefined) {
      if (this.ipv4.size >= MAX_SHARED) this.ipv4.clear();
      this.ipv4.set(word, (text = formatIPv4(word >>> 0)));
    }
    return text;
  }

  /**
   * The text of a hardware address (link.ts `senderMac`), kept by its low 32 bits as a signed word (a
   * small integer to the engine, where the 48-bit number is not) with the address it was made for.
   */
  mac(mac: number): string {
    const key = (mac % 0x100000000) | 0;
    let made = this.macs.get(key);
    if (made === undefined || made.mac !== mac) {
      if (this.macs.size >= MAX_SHARED) this.macs.clear();
      this.macs.set(key, (made = { mac, text: formatMac(mac) }));
    }
    return made.text;
  }

  history(history: string): string {
    const shared = this.histories.get(history);
    if (shared !== undefined) return shared;
    if (this.histories.size >= MAX_SHARED) this.histories.clear();
    this.histories.set(history, history);
    return history;
  }
}

const MAX_SHARED = 1 << 16;
