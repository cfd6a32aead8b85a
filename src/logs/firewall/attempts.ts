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

/**
 * Makes attempts of events handed to it in time order: a line of the same 5-tuple and decision
 * within RETRY_SECONDS of the attempt's last line folds into it as a retry.
 */
class AttemptGrouper {
  /** The latest attempt of each 5-tuple and decision. */
  readonly open = new Map<string, Connection>();
  private readonly addresses = new Map<string, string>();
  /** Attempts made so far (the next one's position in the log's uid order). */
  made = 0;

  constructor(private readonly options: AttemptOptions) {}

  /** The event folded into an open attempt (null), or the new attempt it starts, with its key. */
  take(e: FirewallEvent): { c: Connection; key: string } | null {
    const options = this.options;
    const src = canonical(e.src, this.addresses);
    const dst = canonical(e.dst, this.addresses);
    const key = `${e.proto} ${src} ${e.sport} ${dst} ${e.dport} ${e.action}`;
    const previous = this.open.get(key);
    const syn = isSyn(e);
    if (previous !== undefined && e.ts - previous.lastTs <= RETRY_SECONDS && (!syn || previous.history.startsWith('S'))) {
      previous.lastTs = e.ts;
      previous.duration = e.ts - previous.ts;
      previous.origPkts++;
      if (syn) previous.synCount++;
      return null;
    }
    const isLocal = options.isLocal;
    const allowed = e.action === 'allow';
    const history = e.proto === 'tcp' ? (syn ? 'S' : (e.tcpFlags ?? '')) : e.proto === 'udp' ? 'D' : '';
    const c: Connection = {
      uid: uidOf(options.capture, this.made++),
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
    this.open.set(key, c);
    return { c, key };
  }
}

/** The attempts of a log's events (in any order). */
export function attemptsOf(events: FirewallEvent[], options: AttemptOptions): Connection[] {
  const grouper = new AttemptGrouper(options);
  const connections: Connection[] = [];
  for (const e of inTimeOrder(events)) {
    const made = grouper.take(e);
    if (made !== null) connections.push(made.c);
  }
  return connections;
}

/**
 * Events held before a log's attempts are made: a log of no more lines is put in time order as a
 * whole; a longer one oldest first (syslog's order) is read through a window of this many lines,
 * so lines may stand this far out of time order (several devices' clocks, retries logged late).
 */
export const HELD_EVENTS = 100_000;
/** Finished attempts waiting for an earlier one that is still retrying, at most (then handed on out of turn). */
const WAITING_ATTEMPTS = 100_000;

function earlier(a: FirewallEvent, b: FirewallEvent): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.line < b.line);
}

/**
 * A log's attempts made as its events arrive, each handed on once no later line can fold into it,
 * in the order attempts start (their uid order) — the same attempts `attemptsOf` makes of all the
 * events at once. Memory is held by HELD_EVENTS and the attempts open in the last RETRY_SECONDS;
 * only a long log whose lines are newest first (more steps back in time than forward in its first
 * HELD_EVENTS lines) is held whole, as it must be turned round.
 */
export class AttemptStream {
  private readonly grouper: AttemptGrouper;
  /** Events in file order until the log's order is known; null once they are streamed. */
  private held: FirewallEvent[] | null = [];
  /** Newest first: every event is held. */
  private whole = false;
  /** Events not yet taken, a binary min-heap by time, then line. */
  private readonly heap: FirewallEvent[] = [];
  private back = 0;
  private forward = 0;
  private previousTs = Number.NaN;
  /** The latest time taken. */
  private now = Number.NEGATIVE_INFINITY;
  /** Attempts in the order they started, from `head` on not yet handed on, with their keys. */
  private queue: (Connection | undefined)[] = [];
  private keys: string[] = [];
  private head = 0;
  /** Events that came later than the window allows: taken where they stand. */
  late = 0;

  constructor(
    options: AttemptOptions,
    private readonly emit: (c: Connection) => void,
  ) {
    this.grouper = new AttemptGrouper(options);
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.grouper.made;
  }

  add(e: FirewallEvent): void {
    const step = e.ts - this.previousTs;
    if (step < 0) this.back++;
    else if (step > 0) this.forward++;
    this.previousTs = e.ts;
    const held = this.held;
    if (held !== null) {
      held.push(e);
      if (held.length > HELD_EVENTS && !this.whole) this.overflow(held);
      return;
    }
    this.push(e);
    if (this.heap.length > HELD_EVENTS) this.take(this.pop());
  }

  /** Enough lines to tell the order: newest first is held whole, else the lines are streamed. */
  private overflow(held: FirewallEvent[]): void {
    if (this.back > this.forward) {
      this.whole = true;
      return;
    }
    this.held = null;
    held.sort((a, b) => a.ts - b.ts || a.line - b.line);
    const first = held.length - HELD_EVENTS;
    for (let i = 0; i < first; i++) this.take(held[i]!);
    // Sorted, the rest is a heap already.
    for (let i = first; i < held.length; i++) this.heap.push(held[i]!);
  }

  private take(e: FirewallEvent): void {
    if (e.ts < this.now) this.late++;
    else this.now = e.ts;
    const made = this.grouper.take(e);
    if (made !== null) {
      this.queue.push(made.c);
      this.keys.push(made.key);
    }
    this.handOn(false);
  }

  /** Hands on the attempts no later line can fold into, in order (all of them at the end). */
  private handOn(all: boolean): void {
    const open = this.grouper.open;
    const queue = this.queue;
    while (this.head < queue.length) {
      const c = queue[this.head]!;
      const key = this.keys[this.head]!;
      if (open.get(key) === c) {
        if (!all && this.now - c.lastTs <= RETRY_SECONDS) break;
        open.delete(key);
      }
      queue[this.head] = undefined;
      this.head++;
      this.emit(c);
    }
    if (this.head > 4096 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    }
    if (this.queue.length - this.head > WAITING_ATTEMPTS) this.handOnFinished();
  }

  /** Too many finished attempts behind one still retrying: the finished ones go on out of turn. */
  private handOnFinished(): void {
    const open = this.grouper.open;
    const queue: Connection[] = [];
    const keys: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const c = this.queue[i]!;
      const key = this.keys[i]!;
      if (open.get(key) === c && this.now - c.lastTs <= RETRY_SECONDS) {
        queue.push(c);
        keys.push(key);
        continue;
      }
      if (open.get(key) === c) open.delete(key);
      this.emit(c);
    }
    this.queue = queue;
    this.keys = keys;
    this.head = 0;
  }

  /** The log has ended: the remaining attempts are made and handed on. */
  finish(): void {
    if (this.held !== null) {
      const events = this.held;
      this.held = [];
      const made: Connection[] = [];
      for (const e of inTimeOrder(events)) {
        const m = this.grouper.take(e);
        if (m !== null) made.push(m.c);
      }
      // Handed on once every retry is folded in.
      for (const c of made) this.emit(c);
      return;
    }
    while (this.heap.length > 0) this.take(this.pop());
    this.handOn(true);
  }

  private push(e: FirewallEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!earlier(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  private pop(): FirewallEvent {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && earlier(heap[r]!, heap[l]!) ? r : l;
      if (!earlier(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
