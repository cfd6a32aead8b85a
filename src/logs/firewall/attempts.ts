/**
 * Log lines to connection records. A firewall log has no handshake, so a line becomes an
 * attempt with only what the log knows: a denied line is an attempt that failed, turned away by
 * the firewall that wrote the log (reset evidence of kind 'log'); an allowed line is an attempt
 * the firewall let through, taken as established (state S1) because a log cannot say whether the
 * server answered, and analysis must not count a passed attempt as blocked. Lines of one attempt
 * (the same 5-tuple again within RETRY_SECONDS: SYN retransmissions) make one attempt with
 * retries. Everything a log cannot know is left unset: TTLs -1, no bytes, no round trip.
 */
import { formatIPv6, ipv6ToBytes } from '../../decode/address.js';
import type { Connection, ResetEvidence } from '../../flows/connection.js';
import type { FirewallEvent } from './types.js';

/** SYN retransmissions back off for about 21 s (Windows 3 + 6 + 12 s, Linux 1, 3, 7, 15 s). */
export const RETRY_SECONDS = 30;

export interface AttemptOptions {
  /** Which input (index into the analysed captures) the log is. */
  capture: number;
  /** The log's name, as the firewall's reset evidence names it. */
  file: string;
  /** Whether an address is on the internal network (Zeek's local_orig / local_resp). */
  isLocal?: (address: string) => boolean;
}

/** Whether the file lists its newest lines first: more steps back in time than forward. */
export function newestFirst(events: readonly FirewallEvent[]): boolean {
  let back = 0;
  let forward = 0;
  for (let i = 1; i < events.length; i++) {
    const step = events[i]!.ts - events[i - 1]!.ts;
    if (step < 0) back++;
    else if (step > 0) forward++;
  }
  return back > forward;
}

/** Events in time order; lines of one second keep the order they happened in (a newest-first file read backwards). */
export function inTimeOrder(events: FirewallEvent[]): FirewallEvent[] {
  const ordered = newestFirst(events) ? events.slice().reverse() : events.slice();
  return ordered.sort((a, b) => a.ts - b.ts);
}

/** One way of writing each address, the way the capture decoders write it (IPv6 compressed, lower case). */
function canonical(address: string, cache: Map<string, string>): string {
  if (!address.includes(':')) return address;
  let text = cache.get(address);
  if (text === undefined) {
    const bytes = ipv6ToBytes(address);
    text = bytes === null ? address.toLowerCase() : formatIPv6(bytes);
    cache.set(address, text);
  }
  return text;
}

/** A SYN (or a line that says nothing of flags: firewalls log the first packet of a connection). */
function isSyn(e: FirewallEvent): boolean {
  return e.proto === 'tcp' && (e.tcpFlags === undefined || e.tcpFlags === '' || (e.tcpFlags.includes('S') && !e.tcpFlags.includes('A')));
}

function denial(e: FirewallEvent, file: string): ResetEvidence {
  return {
    kind: 'log',
    origin: 'firewall-log',
    ts: e.ts,
    fromOriginator: false,
    ttl: -1,
    ipId: -1,
    sender: file,
    delay: 0,
    stage: 'syn',
    seq: -1,
    ack: -1,
    ackZero: false,
    senderKeptSending: false,
    peerTtls: [],
    peerIpIds: [],
    icmpType: -1,
    icmpCode: -1,
  };
}

/** A Zeek-looking uid that sorts in the log's time order: 'F', the input, the attempt's position. */
function uidOf(capture: number, index: number): string {
  return `F${capture.toString(36).padStart(2, '0')}${index.toString(36).padStart(9, '0')}`;
}

/** The attempts of a log's events (in any order). */
export function attemptsOf(events: FirewallEvent[], options: AttemptOptions): Connection[] {
  const ordered = inTimeOrder(events);
  const connections: Connection[] = [];
  const open = new Map<string, Connection>();
  const addresses = new Map<string, string>();
  const isLocal = options.isLocal;
  for (const e of ordered) {
    const src = canonical(e.src, addresses);
    const dst = canonical(e.dst, addresses);
    const key = `${e.proto} ${src} ${e.sport} ${dst} ${e.dport} ${e.action}`;
    const previous = open.get(key);
    const syn = isSyn(e);
    if (previous !== undefined && e.ts - previous.lastTs <= RETRY_SECONDS && (!syn || previous.history.startsWith('S'))) {
      previous.lastTs = e.ts;
      previous.duration = e.ts - previous.ts;
      previous.origPkts++;
      if (syn) previous.synCount++;
      continue;
    }
    const allowed = e.action === 'allow';
    const history = e.proto === 'tcp' ? (syn ? 'S' : (e.tcpFlags ?? '')) : e.proto === 'udp' ? 'D' : '';
    const c: Connection = {
      uid: uidOf(options.capture, connections.length),
      proto: e.proto,
      ts: e.ts,
      lastTs: e.ts,
      origH: src,
      origP: Math.max(0, e.sport),
      respH: dst,
      respP: Math.max(0, e.dport),
      service: null,
      duration: null,
      origBytes: 0,
      respBytes: 0,
      connState: allowed ? 'S1' : e.proto === 'tcp' && !syn ? 'OTH' : 'S0',
      localOrig: isLocal ? isLocal(src) : null,
      localResp: isLocal ? isLocal(dst) : null,
      missedBytes: 0,
      history,
      origPkts: 1,
      origIpBytes: 0,
      respPkts: 0,
      respIpBytes: 0,
      capture: options.capture,
      synCount: syn ? 1 : 0,
      origTtl: -1,
      respTtl: -1,
      handshakeRtt: null,
      established: allowed,
      resets: allowed ? [] : [denial(e, options.file)],
      http: null,
      sni: null,
      quic: null,
      dnsQuery: null,
      dnsNames: [],
      dnsQueries: 0,
      dnsAnswers: [],
      requestTimes: [],
    };
    open.set(key, c);
    connections.push(c);
  }
  return connections;
}
